"""The functions a formula may call: canonical names, the other names students type for them, and arity.

One table serves the parser (which names exist, how many arguments), the evaluators (float and precise)
and the printers, so that a function added here is known everywhere at once.
"""

from __future__ import annotations

#: Canonical function names with their number of arguments (None: two or more, like max and min).
ARITY: dict[str, int | None] = {
    "exp": 1, "log": 1, "log10": 1, "log2": 1, "sqrt": 1, "cbrt": 1, "abs": 1, "sign": 1,
    "sin": 1, "cos": 1, "tan": 1, "sec": 1, "csc": 1, "cot": 1,
    "asin": 1, "acos": 1, "atan": 1,
    "sinh": 1, "cosh": 1, "tanh": 1, "sech": 1, "csch": 1, "coth": 1,
    "asinh": 1, "acosh": 1, "atanh": 1,
    "sigmoid": 1, "logsigmoid": 1, "softplus": 1, "relu": 1,
    "max": None, "min": None,
}

#: Other spellings, all mapped to a canonical name when parsed (``ln`` is the natural log, like ``log``).
ALIASES: dict[str, str] = {
    "ln": "log", "sigma": "sigmoid", "logistic": "sigmoid", "sgn": "sign",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "arsinh": "asinh", "arcsinh": "asinh", "arcosh": "acosh", "arccosh": "acosh", "artanh": "atanh",
    "arctanh": "atanh", "cosec": "csc", "cotan": "cot",
}

#: Every name a student may use for a function.
NAMES: frozenset[str] = frozenset(ARITY) | frozenset(ALIASES)

#: Constants and their names (``π`` is read as ``pi`` before parsing).
CONSTANTS = ("e", "pi")

#: Functions the evaluators use internally for numerically stable forms; never parsed from text.
INTERNAL = ("log1p", "expm1")

#: A short list for messages: the functions students most often need, in teaching order.
COMMON = ("exp", "log (ln)", "sqrt", "abs", "sin", "cos", "tan", "sigmoid (sigma)", "tanh", "relu", "softplus",
          "max", "min", "sign")


def canonical(name: str) -> str | None:
    """Return the canonical function name for a typed name (any letter case), or None."""
    low = name.lower()
    low = ALIASES.get(low, low)
    return low if low in ARITY else None
