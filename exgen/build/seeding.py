"""Stable per-(bank, student, exercise) random generators.

The seed must not depend on Python's salted ``hash`` nor on the position of an exercise in its bank, so
that adding, removing or reordering exercises leaves every other instance unchanged.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_words(*labels: str) -> list[int]:
    """Return 32-bit words of a SHA-256 digest over the labels (NUL-separated, UTF-8)."""
    digest = hashlib.sha256("\x00".join(labels).encode("utf-8")).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, len(digest), 4)]


def rng_for(bank_seed: int, student_id: str, exercise_id: str) -> np.random.Generator:
    """Return the generator for one exercise instance.

    Args:
        bank_seed: the bank's (or command line's) non-negative integer seed.
        student_id: the roster id of the student.
        exercise_id: the exercise's id in the bank.

    Returns:
        A PCG64-backed ``numpy.random.Generator``; the same arguments always give the same stream.
    """
    entropy = [int(bank_seed) & 0xFFFFFFFF, (int(bank_seed) >> 32) & 0xFFFFFFFF]
    entropy += stable_words("exgen-instance/1", str(student_id), str(exercise_id))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def sub_rng(rng: np.random.Generator, label: str) -> np.random.Generator:
    """Derive an independent generator for a named sub-task from a parent's next draw."""
    base = int(rng.integers(0, 2**32))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([base, *stable_words(label)])))
