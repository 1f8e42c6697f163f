"""The sample points' stream: splitmix64 over a counter, checked against a plain-integer computation."""

from __future__ import annotations

import numpy as np
import pytest

from exgen.expr.stream import Stream, mix, text_seed

MASK = (1 << 64) - 1


def splitmix_draw(key: int, counter: int) -> float:
    """The reference: the counter's draw computed with Python's unbounded integers."""
    x = (counter * 0x9E3779B97F4A7C15 + key) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    x ^= x >> 31
    return (x >> 11) / 2.0**53


@pytest.mark.parametrize("seed,stream", [(0, 0), (1, 0), (2**64 - 1, 7), (123456789, 8)])
def test_draws_are_splitmix64_of_the_counter_computed_with_unbounded_integers(seed, stream):
    s = Stream(seed, stream)
    first, second = s.random((3, 5)), s.random(4)
    key = s._key
    expected = [splitmix_draw(key, i) for i in range(19)]
    assert first.ravel().tolist() + second.tolist() == expected


def test_same_seed_and_stream_give_the_same_draws_and_others_differ():
    a = Stream(42, 3).random(64)
    assert np.array_equal(a, Stream(42, 3).random(64))
    assert not np.array_equal(a, Stream(42, 4).random(64))
    assert not np.array_equal(a, Stream(43, 3).random(64))


def test_draws_look_uniform():
    u = Stream(text_seed("uniform"), 0).random(200_000)
    assert u.min() >= 0.0 and u.max() < 1.0
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    expected = len(u) / 20
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 60  # 19 degrees of freedom: p < 1e-5 beyond 50
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01


def test_uniform_and_choice():
    s = Stream(9, 1)
    v = s.uniform(-3.0, 5.0, 1000)
    assert v.min() >= -3.0 and v.max() < 5.0
    picked = Stream(9, 2).choice(100, 30, replace=False)
    assert len(set(picked.tolist())) == 30 and all(0 <= i < 100 for i in picked)
    with pytest.raises(ValueError):
        Stream(9, 2).choice(10, 3, replace=True)


def test_text_seed_is_stable_and_separates_labels():
    assert text_seed("a", "b") == text_seed("a", "b")
    assert text_seed("a", "b") != text_seed("ab") != text_seed("a\x00b", "")
    assert 0 <= text_seed("식") <= MASK
    assert mix(0) != mix(1)
