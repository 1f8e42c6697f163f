"""Drawing numbers, vectors and matrices from an injected generator, within an author's ranges."""

from __future__ import annotations

import numpy as np

from exgen.types.params import Int, IntRange


def value_params(*, default_range: tuple[int, int] = (-5, 5)) -> dict:
    """Return the shared ``value_range`` and ``decimals`` parameter declarations."""
    return {
        "value_range": IntRange(default=list(default_range), lo=-99, hi=99,
                                doc="smallest and largest entry"),
        "decimals": Int(default=0, lo=0, hi=2,
                        doc="decimal places of entries (0 = small integers)"),
    }


def size(rng: np.random.Generator, bounds: tuple[int, int]) -> int:
    """Draw an integer size in the closed range ``bounds``."""
    return int(rng.integers(bounds[0], bounds[1] + 1))


def array(rng: np.random.Generator, shape: tuple[int, ...], params, *, nonzero: bool = False) -> np.ndarray:
    """Draw an array with entries in ``params['value_range']`` at ``params['decimals']`` places.

    Integers stay integers (dtype int64) so that keys print exactly; decimals are rounded floats.
    """
    lo, hi = params["value_range"]
    scale = 10 ** params["decimals"]
    raw = rng.integers(lo * scale, hi * scale + 1, size=shape)
    for _ in range(100):
        if not nonzero or np.all(raw != 0) or lo == hi == 0:
            break
        raw = np.where(raw == 0, rng.integers(lo * scale, hi * scale + 1, size=shape), raw)
    if scale == 1:
        return raw.astype(np.int64)
    return np.round(raw / scale, params["decimals"])


def clean(x: np.ndarray | float):
    """Return JSON-native numbers, rounding away binary noise from decimal arithmetic."""
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return int(x)
    if isinstance(x, (float, np.floating)):
        r = round(float(x), 10)
        return int(r) if r == int(r) and abs(r) < 2**53 else r
    arr = np.asarray(x, dtype=float)
    rounded = np.round(arr, 10)
    if np.all(rounded == np.round(rounded)):
        out = np.round(rounded).astype(np.int64)
    else:
        out = rounded
    return out.tolist()
