"""Formulas as answers: a whitelist parser, a guarded evaluator, sampling equivalence and printers.

Student text is only ever read by ``parser.parse``; nothing here evaluates text or hands it to sympy.
sympy is used (lazily) to build and print the formulas *we* generate (``symbolic``, ``printing``).
"""

from exgen.expr.parser import CONSTANTS, FUNCTIONS, Node, parse

__all__ = ["CONSTANTS", "FUNCTIONS", "Node", "parse"]
