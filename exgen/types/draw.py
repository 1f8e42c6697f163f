"""Drawing numbers, vectors and matrices from an injected generator, within an author's ranges."""

from __future__ import annotations

import numpy as np

from exgen.formatting import json_rounded as clean  # noqa: F401  (the name generators import)
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
