"""Statements and diagrams show only what the student is given, never an asked value.

For every type and every part, over many seeds, the worksheet (Markdown and LaTeX statements, the prompts,
the diagram in Mermaid, TikZ and SVG, and the plot a bank may ask for) is checked:

1. a diagram prints a forward value only for a value the instance gives (``given``); every other value
   is named, never printed;
2. no asked value is printed: not a vector, matrix or shape answer (in any of its written forms), not a
   formula answer (outside the given formula the part takes apart), not a decimal answer;
3. no asked value is a one-step function (a sum, a mean, a transpose, a negation, an element-wise
   operation or a matrix product) of printed values that the instance does not give.

An answer that equals given data by the exercise's design is listed in ``BY_DESIGN`` with the reason
(the add node passes the upstream gradient through unchanged; dL/dW = A for L = sum W * A).
``test_the_checker_finds_the_old_diagram_leak`` shows that the checks catch the diagram that printed the
summand of the loss.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Iterator

import numpy as np
import pytest

from exgen.answers import EXPRESSION, MATRIX, SCALAR, SHAPE
from exgen.formatting import bmatrix, column, num, tex_num
from exgen.instance import Instance
from exgen.render import plots
from exgen.render.diagrams.common import forward_state
from exgen.render.diagrams.mermaid import mermaid
from exgen.render.diagrams.svg import graph_svg
from exgen.render.diagrams.tikz import tikz
from exgen.render.documents import render_exercise
from exgen.types.chain_rule import STATEMENT as CHAIN_RULE_MENU
from exgen.types.graphs import plain_value, tex_value
from tests.types.variants import TYPES, build

QUICK = {"derivative": 9, "gradient": 9, "chain_rule": 9}
QUICK_DEFAULT = 20
FULL = 500
#: (type, what the answer equals) pairs that are the exercise itself, with why.
BY_DESIGN = {
    ("matrix_gradient", "A"): "for L = sum W_ij A_ij, dL/dW = A is what the exercise teaches",
    ("backprop_node", "upstream"): "an add node passes the upstream gradient through unchanged",
    ("backprop_node", "x"): "for a multiply node dL/dy = upstream * x, equal to x when the upstream is 1",
    ("backprop_node", "y"): "for a multiply node dL/dx = upstream * y, equal to y when the upstream is 1",
    ("backprop_graph", "c"): "dL/dv = c at the multiply node feeding the summed loss",
    ("backprop_graph", "v"): "dL/dc = v at the multiply node feeding the summed loss (gradients asked alone)",
    ("backprop_graph", "s"): "dL/dc = s at the multiply node feeding the summed loss (gradients asked alone)",
}


def with_plot(inst: Instance) -> Instance:
    return Instance.from_dict({**inst.to_dict(), "context": {**inst.to_dict()["context"], "plot": True}})


def worksheet(inst: Instance) -> str:
    """Everything a student reads about the exercise, in every format."""
    texts = [render_exercise(inst, "md"), render_exercise(inst, "tex")]
    texts += [p.prompt for p in inst.parts]
    desc = inst.context.get("graph")
    if desc:
        texts += [mermaid(desc), tikz(desc), html.unescape(graph_svg(desc))]
    shown = with_plot(inst).to_dict()
    if plots.wants_plot(shown):
        texts.append(html.unescape(plots.figure(shown, "svg", key=False, href="")))
    return "\n".join(texts)


def arrays(value, name: str) -> Iterator[tuple[str, np.ndarray]]:
    """Every number array (and number) inside a given value, named by its path."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from arrays(v, k if name == "" else f"{name}.{k}")
    elif isinstance(value, (list, tuple)) and value and all(isinstance(v, (list, tuple)) for v in value):
        try:
            yield name, np.asarray(value, dtype=float)
        except ValueError:
            for k, v in enumerate(value):
                yield from arrays(v, f"{name}[{k}]")
    elif isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                  for v in value) and value:
        yield name, np.asarray(value, dtype=float)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield name, np.asarray(value, dtype=float)


def given_arrays(inst: Instance) -> list[tuple[str, np.ndarray]]:
    return list(arrays(json.loads(json.dumps(inst.to_dict()["given"])), ""))


def printed_forward_values(inst: Instance) -> list[tuple[str, str]]:
    """(value name, plain text) of every forward value a worksheet diagram prints.

    Mermaid labels an arrow ``name = value`` on one line; SVG the same (a matrix over several lines); TikZ
    prints a value's TeX above its arrow. A TikZ label that is not the TeX of a value the diagram may print
    (or the name of one it may not) is reported under the edge whose value it is.
    """
    desc = inst.context.get("graph")
    if not desc:
        return []
    by_name = {e["src"]: e for e in desc["edges"]}
    out = []
    for name, value in re.findall(r"(?:^|[\">|])([A-Za-z][A-Za-z0-9]*) = ([^<\"|]+?)(?=<br>|\"|<|$)", mermaid(desc)):
        if not value.strip().endswith("?") and name in by_name:
            out.append((name, value.strip()))
    svg_text = html.unescape(graph_svg(desc))
    for name, e in by_name.items():
        first = f"{name} = {e['value_text']}".split("], [")[0]
        if not e["forward_part"] and first in svg_text and (name, e["value_text"]) not in out:
            out.append((name, e["value_text"]))
    allowed = {"$" + e["value_tex"] + "$" for e in desc["edges"] if forward_state(e, key=False) == "value"}
    allowed |= {"$" + e["name"] + "$" for e in desc["edges"]}
    for label in re.findall(r"\\node\[fwd[^\]]*\] \{(\$.*?\$)\};", tikz(desc)):
        if label not in allowed:
            out += [(e["src"], e["value_text"]) for e in desc["edges"] if "$" + e["value_tex"] + "$" == label]
    return out


def written_forms(value, kind: str) -> list[str]:
    """The ways a worksheet could print an array or shape answer."""
    if kind == SHAPE:
        dims = [str(d) for d in value]
        return ["(" + ", ".join(dims) + ")", " \\times ".join(dims)]
    v = value.tolist()
    forms = [plain_value(value), tex_value(value), bmatrix(v if value.ndim == 2 else v)]
    if value.ndim == 1:
        forms.append(column(v))
    return forms


def one_step(values: list[tuple[str, np.ndarray]], extra: set[str]) -> Iterator[tuple[str, np.ndarray]]:
    """Every value one elementary step away from printed values, at least one of them not given."""
    for name, a in values:
        if name not in extra:
            continue
        yield name, a
        yield f"-{name}", -a
        if a.ndim == 2:
            yield f"{name}^T", a.T
            yield f"sum0({name})", a.sum(axis=0, keepdims=True)
            yield f"sum1({name})", a.sum(axis=1, keepdims=True)
        if a.ndim:
            yield f"sum({name})", a.sum()
            yield f"mean({name})", a.mean()
    for (na, a), (nb, b) in itertools.permutations(values, 2):
        if na not in extra and nb not in extra:
            continue
        with np.errstate(all="ignore"):
            if a.shape == b.shape or a.ndim == 0 or b.ndim == 0:
                yield f"{na}+{nb}", a + b
                yield f"{na}-{nb}", a - b
                yield f"{na}*{nb}", a * b
                if np.all(b != 0):
                    yield f"{na}/{nb}", a / b
            if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0]:
                yield f"{na}@{nb}", a @ b


def equal(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, atol=1e-9, rtol=1e-9))


def leaks(inst: Instance) -> list[str]:
    """Every way the worksheet of ``inst`` gives away an asked value (empty: none)."""
    found = []
    text = worksheet(inst)
    given = given_arrays(inst)
    given_names = {n.split(".")[0].split("[")[0] for n, _ in given}
    printed = printed_forward_values(inst)
    extra = {name for name, _ in printed if name not in given_names}
    found += sorted({f"the diagram prints {name} = {plain}, which the statement does not give" for name, plain
                     in printed if name in extra})
    values = given + [(name, np.asarray(json.loads(plain.replace(" ", "")), dtype=float)) for name, plain in printed
                      if name in extra]
    for part in inst.parts:
        answer = json.loads(json.dumps(part.to_dict()["answer"]))
        if part.kind in (SCALAR, MATRIX):
            key = np.asarray(answer, dtype=float)
            matches = [n for n, g in given if equal(g, key) or (key.ndim and g.size == key.size > 1
                                                                 and equal(g.ravel(), key.ravel()))]
            design = [n for n in matches if (inst.type, n.split(".")[0].split("[")[0]) in BY_DESIGN]
            if matches and not design and key.ndim:
                found.append(f"part {part.id}: the answer is the given {matches[0]}")
            if key.ndim and not matches:
                found += [f"part {part.id}: the answer is printed as {form!r}" for form in written_forms(key, part.kind)
                          if form in text]
            entries = {round(float(x), 9) for _, g in given for x in g.ravel()}
            if key.ndim == 0 and float(key) != round(float(key)) and round(float(key), 9) not in entries:
                found += [f"part {part.id}: the answer {form} is printed" for form in {num(key), tex_num(key)}
                          if re.search(r"(?<![\d.])" + re.escape(form) + r"(?![\d])", text)]
            found += [f"part {part.id}: the answer is {how}, one step from printed values"
                      for how, v in one_step(values, extra) if equal(v, key)]
        elif part.kind == SHAPE and not shape_given(inst, answer):
            found += [f"part {part.id}: the shape answer is printed as {form!r}" for form in written_forms(answer, SHAPE)
                      if form in text]
        elif part.kind == EXPRESSION:
            rest = text.replace(CHAIN_RULE_MENU, "")  # the list of outer functions to choose from
            for formula in given_formulas(inst):
                rest = rest.replace(formula["latex"], "").replace(formula["expr"], "")
            for form in (answer["latex"], answer["expr"]):
                if len(form) > 2 and form in rest:
                    found.append(f"part {part.id}: the formula {form!r} is printed")
    return found


def given_formulas(inst: Instance) -> list[dict]:
    return [v for v in json.loads(json.dumps(inst.to_dict()["given"])).values()
            if isinstance(v, dict) and "latex" in v]


def shape_given(inst: Instance, answer) -> bool:
    """Whether a shape answer is the shape of something the statement gives (dL/dW has the shape of W)."""
    want = [str(d) for d in answer]
    g = inst.given
    if inst.type == "batch_shapes":
        z = {k: str(v) for k, v in g["sizes"].items()}
        stated = [[z["N"], z["D"]], [z["D"], z["H"]], ["1", z["H"]], [z["H"], z["C"]], ["1", z["C"]]]
        return want in stated
    if inst.type == "matrix_gradient":
        return want == [str(d) for d in g["shape"]]
    shapes = [[str(d) for d in np.shape(v)] for _, v in given_arrays(inst)]
    shapes += [[str(d) for d in g[k]] for k in ("P_shape", "Q_shape") if k in g]
    return want in shapes


def check(type_name: str, seeds) -> None:
    for seed in seeds:
        inst = build(type_name, seed)
        found = leaks(inst)
        assert not found, (type_name, seed, inst.given, found)
        desc = inst.context.get("graph")
        if desc:  # every value the diagram prints is a given value
            names = {n.split(".")[0] for n, _ in given_arrays(inst)}
            for e in desc["edges"]:
                if e.get("value_given", True) and not e["forward_part"]:
                    assert e["src"] in names or e["src"] in (inst.given.get("node"),), (type_name, seed, e["src"])


@pytest.mark.parametrize("type_name", TYPES)
def test_worksheets_do_not_reveal_asked_values(type_name):
    check(type_name, range(QUICK.get(type_name, QUICK_DEFAULT)))


@pytest.mark.slow
@pytest.mark.parametrize("type_name", TYPES)
def test_worksheets_do_not_reveal_asked_values_many_seeds(type_name):
    check(type_name, range(FULL))


def test_the_checker_finds_the_old_diagram_leak():
    """The diagram used to print the summand w of L = sum(w): L and v = w / c could be read off it."""
    for seed in range(40):
        inst = build("backprop_graph", seed)
        if inst.context["family"] == "affine" and any("find $L$" in p.prompt for p in inst.parts):
            break
    else:
        pytest.fail("no affine graph asking for L")
    assert leaks(inst) == []
    old = inst.to_dict()
    for e in old["context"]["graph"]["edges"]:
        e["value_given"] = True  # what every diagram printed before
    found = leaks(Instance.from_dict(old))
    assert any("the diagram prints w" in f for f in found), found
    assert any("sum(w)" in f for f in found), found
    assert any("w/c" in f for f in found), found


def test_the_checker_finds_a_printed_shape_answer():
    """The fixed "e.g. (N, H)" line printed the answer of part (a), the shape of y = xW + b."""
    for seed in range(40):
        inst = build("batch_shapes", seed)
        if inst.given["symbolic"] and inst.given["sizes"]["N"] == "N" and inst.given["sizes"]["H"] == "H" \
                and inst.parts[0].options["means"] == "y":
            break
    else:
        pytest.fail("no symbolic instance with N and H")
    assert leaks(inst) == []
    old = inst.to_dict()
    old["context"]["notation"] = "A shape is written rows first, e.g. $(N, H)$ or $N \\times H$."
    assert any("printed as '(N, H)'" in f for f in leaks(Instance.from_dict(old)))
