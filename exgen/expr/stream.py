"""Uniform random numbers for sample points that depend only on (seed, stream): splitmix64 over a counter.

A formula check needs a few hundred doubles in [0, 1) that are the same in every process and on every
machine, and nothing else of a random-number library. ``numpy.random`` costs a tenth of ``import numpy``
to load (eight extension modules, ``secrets``, ``hashlib``), which is a third of what grading one
submission in an autograder may add to its start-up; this is the same quality of stream for the purpose
(splitmix64 passes BigCrush) in a dozen array operations. Hashing a counter instead of stepping a state
also makes every draw independent of how many came before in other streams.
"""

from __future__ import annotations

import numpy as np

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def mix(x: int) -> int:
    """splitmix64's finaliser of ``x + golden``: a well-spread 64-bit value from any 64-bit value."""
    x = (x + _GOLDEN) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def text_seed(*labels: str) -> int:
    """Return a stable 64-bit seed from text labels (FNV-1a, then mixed; independent of Python's hash salt)."""
    h = 0xCBF29CE484222325
    for byte in "\x00".join(labels).encode("utf-8"):
        h = ((h ^ byte) * 0x100000001B3) & _MASK64
    return mix(h)


class Stream:
    """Draws of one (seed, stream): ``random``, ``uniform`` and ``choice`` as numpy's Generator has them."""

    __slots__ = ("_key", "_drawn")

    def __init__(self, seed: int, stream: int = 0):
        self._key = mix(mix(seed & _MASK64) ^ ((stream * 0xD1B54A32D192ED03) & _MASK64))
        self._drawn = 0

    def _bits(self, n: int) -> np.ndarray:
        # Array arithmetic on uint64 wraps modulo 2**64, which is what splitmix64 means.
        x = np.arange(self._drawn, self._drawn + n, dtype=np.uint64) * np.uint64(_GOLDEN) + np.uint64(self._key)
        self._drawn += n
        x = (x ^ (x >> _S30)) * _M1
        x = (x ^ (x >> _S27)) * _M2
        return x ^ (x >> _S31)

    def random(self, shape: int | tuple[int, ...]) -> np.ndarray:
        """Doubles uniform on [0, 1): the top 53 bits of each draw, exactly representable."""
        size = int(np.prod(shape))
        return ((self._bits(size) >> _S11).astype(np.float64) * 2.0 ** -53).reshape(shape)

    def uniform(self, lo: float, hi: float, size: int) -> np.ndarray:
        return lo + (hi - lo) * self.random(size)

    def choice(self, count: int, size: int, replace: bool = False) -> np.ndarray:
        """``size`` distinct indices of ``range(count)`` (a random permutation's first ones)."""
        if replace:
            raise ValueError("only draws without replacement are needed")
        return np.argsort(self.random(count), kind="stable")[:size]
