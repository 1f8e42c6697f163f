"""Error carried forward (ECF): partial credit for a part whose only mistake is an earlier wrong value.

A part may store a *recipe* in ``options["ecf"]``: how its answer follows from other parts' answers and
the given data, as a small expression tree of whitelisted operations::

    {"op": "matmul", "args": [{"part": "c"}, {"given": "W", "transpose": true}], "credit": 0.5}

Leaves are ``{"part": id}`` (the student's own parsed answer to that part), ``{"given": name}`` (a value of
the instance's ``given``) or ``{"const": value}``; any leaf or node may carry ``"transpose": true``. The
operations are listed in ``OPS``; nothing is evaluated as text. The rule (docs/error-carried-forward.md):
a part scored *incorrect* whose recipe, evaluated with the student's own answers to the referenced parts,
gives the student's answer, while at least one referenced part is wrong, earns ``credit`` (default 50%)
of its points, and the feedback names the parts the error was carried from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from exgen.answers import Score, get_kind
from exgen.errors import FormatError
from exgen.i18n import ngettext
from exgen.instance import Instance, Part, thaw

DEFAULT_CREDIT = 0.5
MAX_DEPTH = 12
MAX_ENTRIES = 10_000


class RecipeError(ValueError):
    """A recipe cannot be evaluated (unknown op, bad reference, inconsistent shapes)."""


def _sum_all(a: np.ndarray) -> np.ndarray:
    return np.asarray(a.sum())


OPS: dict[str, tuple[int, Callable[..., Any]]] = {
    "add": (2, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b),
    "mul": (2, lambda a, b: a * b),           # element-wise (or scalar) product
    "matmul": (2, lambda a, b: a @ b),
    "neg": (1, lambda a: -a),
    "sum0": (1, lambda a: a.sum(axis=0, keepdims=True)),   # sum over the batch (axis 0), keeps 1 x D
    "sumall": (1, _sum_all),
    "repeat": (2, lambda a, n: np.repeat(a, int(n), axis=0)),
    "ones_like": (1, np.ones_like),
    "sumof": (-1, lambda *xs: sum(xs[1:], xs[0])),  # any number of terms (a branch's gradients)
}


def references(recipe: Any) -> list[str]:
    """Return the part ids a recipe reads, in order of first use."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if "part" in node and node["part"] not in found:
                found.append(str(node["part"]))
            for arg in node.get("args", ()):
                walk(arg)

    walk(recipe)
    return found


def evaluate(recipe: Any, parts: Mapping[str, Any], given: Mapping[str, Any], depth: int = 0) -> np.ndarray:
    """Return the value of a recipe.

    Args:
        recipe: the expression tree (see the module docstring).
        parts: part id -> the student's value as a number or nested lists.
        given: the instance's given data.

    Raises:
        RecipeError: unknown operation or reference, too deep, or shapes that do not fit.
    """
    if depth > MAX_DEPTH or not isinstance(recipe, Mapping):
        raise RecipeError("recipe too deep or not a mapping")
    if "part" in recipe:
        if recipe["part"] not in parts:
            raise RecipeError(f"no value for part {recipe['part']!r}")
        value = _array(parts[recipe["part"]])
    elif "given" in recipe:
        if recipe["given"] not in given:
            raise RecipeError(f"no given value {recipe['given']!r}")
        value = _array(given[recipe["given"]])
    elif "const" in recipe:
        value = _array(recipe["const"])
    elif "op" in recipe:
        if recipe["op"] not in OPS:
            raise RecipeError(f"unknown op {recipe['op']!r}")
        arity, fn = OPS[recipe["op"]]
        args = [evaluate(a, parts, given, depth + 1) for a in recipe.get("args", ())]
        if (arity >= 0 and len(args) != arity) or not args:
            raise RecipeError(f"{recipe['op']} takes {arity} arguments, got {len(args)}")
        try:
            with np.errstate(all="raise"):
                value = np.asarray(fn(*args), dtype=float)
        except (ValueError, FloatingPointError, TypeError) as err:
            raise RecipeError(f"{recipe['op']}: {err}") from None
        if value.size > MAX_ENTRIES:
            raise RecipeError("result too large")
    else:
        raise RecipeError("a recipe node needs one of part, given, const, op")
    if recipe.get("transpose"):
        value = value.T
    return value


def _array(value: Any) -> np.ndarray:
    try:
        arr = np.asarray(thaw(value), dtype=float)
    except (TypeError, ValueError):
        raise RecipeError("not a number or a rectangular array") from None
    if arr.ndim > 2 or arr.size > MAX_ENTRIES:
        raise RecipeError("arrays are at most 2-D")
    return arr


def student_value(part: Part, raw: Any) -> np.ndarray | None:
    """Return a student's answer as an array (None when blank, unreadable or of a kind without numbers)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    kind = get_kind(part.kind)
    try:
        value = kind.parse(raw, part)
    except FormatError:
        return None
    return kind.to_array(value, part)


def apply_ecf(instance: Instance, answers: Mapping[str, Any], scores: dict[str, Score]) -> dict[str, Score]:
    """Return ``scores`` with error-carried-forward credit given where a part's recipe allows it.

    Only parts scored ``incorrect`` with a recipe are reconsidered; credit is given when every referenced
    part has a readable answer, at least one of them is not correct, and the recipe evaluated with those
    answers matches the student's answer (with the part's own tolerance).
    """
    out = dict(scores)
    for part in instance.parts:
        recipe = part.options.get("ecf")
        score = scores.get(part.id)
        if not recipe or score is None or score.verdict != "incorrect":
            continue
        refs = references(recipe)
        if not refs or all(scores.get(r) is not None and scores[r].verdict == "correct" for r in refs):
            continue
        values = {}
        for ref in refs:
            try:
                ref_part = instance.part(ref)
            except KeyError:
                break
            values[ref] = student_value(ref_part, answers.get(ref))
            if values[ref] is None:
                break
        else:
            mine = answers.get(part.id)
            try:
                kind = get_kind(part.kind)
                target = kind.from_array(evaluate(recipe, values, instance.given), part)
                matches = target is not None and kind.equals(kind.parse(mine, part), target, part)
            except (RecipeError, FormatError):
                matches = False
            if matches:
                credit = float(recipe.get("credit", DEFAULT_CREDIT))
                wrong = [r for r in refs if scores[r].verdict != "correct"]
                names = ", ".join(f"({r})" for r in wrong)
                out[part.id] = Score(
                    round(part.points * credit, 6), part.points, "partial",
                    ngettext("Graded with error carried forward from part %(parts)s: your answer follows correctly "
                             "from your own value there, which is wrong, so it earns %(percent)s of the points.",
                             "Graded with error carried forward from parts %(parts)s: your answer follows correctly "
                             "from your own values there, which are wrong, so it earns %(percent)s of the points.",
                             len(wrong)) % {"parts": names, "percent": f"{credit:.0%}"}, "ecf")
    return out
