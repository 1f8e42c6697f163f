"""Formulas as answers: a whitelist parser, error-bounded evaluators, sampling equivalence and printers.

- ``normalise``, ``functions``, ``parser``: Unicode a student pastes -> ASCII; the function table; text ->
  immutable tree, bounded in length, depth, nodes and exponents.
- ``stable``, ``evaluate``, ``precise``: numerically stable forms; double-precision values with an error
  bound per point; arbitrary precision (mpmath) for the points floats cannot decide.
- ``domain``, ``equivalence``: where to sample (the key's domain, several scales, negative bases) and the
  verdict; ``printing``, ``symbolic``: canonical text, LaTeX and sympy for the formulas *we* generate.

Student text is only ever read by ``parser.parse``; nothing here evaluates text or hands it to sympy.
"""

from exgen.expr.functions import CONSTANTS
from exgen.expr.parser import FUNCTIONS, Node, parse

__all__ = ["CONSTANTS", "FUNCTIONS", "Node", "parse"]
