"""A table of broken banks: each exact message, with its line number; never a traceback."""

import textwrap

import pytest

from exgen.bank.spec import load_bank
from exgen.cli import main
from exgen.errors import BankError
from tests.conftest import seed_sweep

HEAD = "bank: b1\ntitle: Week 1\nseed: 3\nexercises:\n"

CASES = [
    ("bad-yaml", "bank: b1\ntitle: [unclosed\n",
     ["b.yaml:3: invalid YAML: did not find expected ',' or ']'"]),
    ("tab-indent", "bank: b1\ntitle: x\n\texercises: []\n",
     ["b.yaml:3: invalid YAML: a tab character where YAML expects spaces; indent with spaces"]),
    ("python-tag", "bank: !!python/object/apply:os.system ['echo hi']\n",
     ["b.yaml:1: a tag (!!name or !name) is not supported; write plain values"]),
    ("python-scalar-tag", "bank: !!python/name:os.system x\n",
     ["b.yaml:1: a tag (!!name or !name) other than !!str is not supported; write plain values"]),
    ("empty", "", ["b.yaml:1: the file is empty; expected a mapping with 'bank', 'title' and 'exercises'"]),
    ("not-a-mapping", "- 1\n- 2\n",
     ["b.yaml:1: (top level): expected a mapping with bank, title, seed, language, course, grading, print, exercises, got [1, 2]"]),
    ("missing-fields", "seed: 1\n",
     ["b.yaml:1: bank: missing; expected a bank id like week1-basics",
      "b.yaml:1: title: missing; expected text",
      "b.yaml:1: exercises: missing; expected a list of exercises"]),
    ("unknown-type", HEAD + "  - id: d1\n    type: dot_prodcut\n",
     ["b.yaml:6: exercises[0].type: unknown exercise type 'dot_prodcut'; did you mean 'dot_product'?"]),
    ("unknown-type-far", HEAD + "  - id: d1\n    type: fourier\n",
     ["b.yaml:6: exercises[0].type: unknown exercise type 'fourier'; known types: "]),
    ("duplicate-ids", HEAD + "  - {id: d1, type: dot_product}\n  - {id: d1, type: matmul}\n",
     ["b.yaml:6: exercises[1].id: duplicate id 'd1' (first used by exercises[0])"]),
    ("param-out-of-range", HEAD + "  - id: d1\n    type: dot_product\n    params:\n      dim: 25\n",
     ["b.yaml:8: exercises[0].params.dim: expected an integer or a range [a, b] with 2 <= a <= b <= 10, got 25"]),
    ("param-wrong-type", HEAD + "  - id: m1\n    type: matmul\n    params: {decimals: two}\n",
     ["b.yaml:7: exercises[0].params.decimals: expected an integer in [0, 2], got 'two'"]),
    ("unknown-param", HEAD + "  - id: m1\n    type: matmul\n    params:\n      size: 3\n",
     ["b.yaml:8: exercises[0].params.size: unknown parameter; known: decimals, difficulty, k, m, n, parts, "
      "value_range"]),
    ("bad-difficulty", HEAD + "  - id: m1\n    type: matmul\n    params: {difficulty: extreme}\n",
     ["b.yaml:7: exercises[0].params.difficulty: expected one of easy, medium, hard, got 'extreme'"]),
    ("bad-points", HEAD + "  - id: m1\n    type: matmul\n    points: zero\n",
     ["b.yaml:7: exercises[0].points: expected a number in (0, 1000] with at most 2 decimals, a list with one "
      "per part, or a mapping from part id to points, got 'zero'"]),
    ("unknown-language", "bank: b1\ntitle: T\nlanguage: kr\nexercises:\n  - {id: a, type: matmul}\n",
     ["b.yaml:3: language: expected one of en, ko, got 'kr'"]),
    ("language-not-text", "bank: b1\ntitle: T\nlanguage: [ko]\nexercises:\n  - {id: a, type: matmul}\n",
     ["b.yaml:3: language: expected one of en, ko, got [ko]"]),
    ("negative-seed", "bank: b1\ntitle: T\nseed: -1\nexercises:\n  - {id: a, type: matmul}\n",
     ["b.yaml:3: seed: expected an integer in [0, 2^63-1], got -1"]),
    ("bool-seed", "bank: b1\ntitle: T\nseed: yes\nexercises:\n  - {id: a, type: matmul}\n",
     ["b.yaml:3: seed: expected an integer in [0, 2^63-1], got 'yes'"]),
    ("bad-bank-id", "bank: week 1!\ntitle: T\nexercises:\n  - {id: a, type: matmul}\n",
     ["b.yaml:1: bank: expected an id of letters, digits, '-' and '_' (at most 64), got 'week 1!'"]),
    ("exercises-not-list", "bank: b1\ntitle: T\nexercises: {id: a}\n",
     ["b.yaml:3: exercises: expected a non-empty list of exercises, got {id: a}"]),
    ("exercise-not-mapping", HEAD + "  - dot_product\n",
     ["b.yaml:5: exercises[0]: expected a mapping with id, type and params, got 'dot_product'"]),
    ("unknown-exercise-field", HEAD + "  - id: a\n    type: matmul\n    weight: 2\n",
     ["b.yaml:7: exercises[0].weight: unknown field; expected one of id, type, title, points, params, grading, "
      "plot"]),
    ("duplicate-key", "bank: b1\ntitle: T\ntitle: U\nexercises:\n  - {id: a, type: matmul}\n",
     ["b.yaml:3: duplicate key 'title' (first on line 2); give each key once"]),
    ("bad-range", HEAD + "  - id: m1\n    type: matmul\n    params:\n      m: [4, 2]\n",
     ["b.yaml:8: exercises[0].params.m: expected an integer or a range [a, b] with 1 <= a <= b <= 6, got [4, 2]"]),
    ("bad-parts", HEAD + "  - id: d\n    type: dot_product\n    params: {parts: [value, angle]}\n",
     ["b.yaml:7: exercises[0].params.parts: expected a non-empty list of distinct values from value, direction, "
      "cosine, got [value, angle]"]),
    ("indistinguishable", HEAD + "  - id: m\n    type: matrix_basics\n    params: {rows: 3, cols: 3}\n",
     ["b.yaml:7: exercises[0].params.cols: rows and cols are both always 3: a square matrix hides a transposed "
      "shape; allow different sizes"]),
    # parameters under which a common mistake would always score (the distinguishability rule)
    ("learning-rate-too-small", HEAD + "  - id: g\n    type: gradient\n    params:\n      learning_rate: 0.001\n",
     ["b.yaml:8: exercises[0].params.learning_rate: a learning rate of 0.001 moves a coordinate by only 0.001 for a "
      "gradient component of 1, within twice the tolerance (abs 0.001, rel 0.001) of the start point, so "
      "submitting the start point could score as the new point; use a learning rate above 0.006 or a smaller "
      "tolerance"]),
    ("learning-rate-vs-bank-tolerance", "bank: b1\ntitle: T\ngrading:\n  tolerance: {abs: 0.05}\nexercises:\n"
                                        "  - id: g\n    type: gradient\n    params: {learning_rate: 0.1}\n",
     ["b.yaml:8: exercises[0].params.learning_rate: a learning rate of 0.1 moves a coordinate by only 0.1 for a "
      "gradient component of 1, within twice the tolerance (abs 0.05) of the start point, so submitting the "
      "start point could score as the new point; use a learning rate above 0.1 or a smaller tolerance"]),
    ("square-W", HEAD + "  - id: m\n    type: matrix_gradient\n    params: {rows: 2, cols: 2}\n",
     ["b.yaml:7: exercises[0].params.cols: rows and cols are both always 2: a square W hides a transposed shape "
      "in the shape question; allow different sizes"]),
    ("bias-1x1", HEAD + "  - id: g\n    type: backprop_graph\n    params: {family: [affine], width: 1}\n",
     ["b.yaml:7: exercises[0].params.width: every size D, H, C is 1: a 1 x 1 gradient (the bias b, or W_1) "
      "equals its own transpose, so a transposed answer would score; allow a width of 2"]),
    ("repeat-1x1", HEAD + "  - id: n\n    type: backprop_node\n    params: {node: [repeat], width: 1}\n",
     ["b.yaml:7: exercises[0].params.width: every width D is 1: the repeat node's input is then 1 x 1, a "
      "gradient equal to its own transpose, so a transposed answer would score; allow a width of 2"]),
    ("central-difference-step", HEAD + "  - id: d\n    type: derivative\n    params: {h: 0.001}\n",
     ["b.yaml:7: exercises[0].params.h: a step h of 0.001 makes the forward difference agree with the central "
      "difference to the tolerance of the answer, so the forward difference would score; use h of at least "
      "0.005"]),
    ("entry-of-1x1", HEAD + "  - id: m\n    type: matmul\n    params: {m: 1, n: 1, parts: [entry]}\n",
     ["b.yaml:7: exercises[0].params.n: m and n are both 1: AB has a single entry, where swapping the indices "
      "of the entry question is not a visible mistake"]),
    ("bad-grading", HEAD + "  - id: m\n    type: matmul\n    grading:\n      tolerance: {abs: -1}\n"
                           "      reveal_answer: sometimes\n",
     ["b.yaml:8: exercises[0].grading.tolerance: expected a mapping like {abs: 0.01, rel: 0.001} with "
      "non-negative numbers, got {abs: -1}",
      "b.yaml:9: exercises[0].grading.reveal_answer: expected true or false, got 'sometimes'"]),
    ("bad-precision", HEAD + "  - id: m\n    type: matmul\n    grading:\n      decimals: 13\n"
                             "      significant_figures: 0\n",
     ["b.yaml:8: exercises[0].grading.decimals: expected a whole number of decimal places the worksheet asks for "
      "from 0 to 12, got 13",
      "b.yaml:9: exercises[0].grading.significant_figures: expected a whole number of significant figures from 1 "
      "to 15, got 0"]),
    ("alias-bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
     ["b.yaml:5: more than 100,000 values (after expanding aliases and merge keys); write the values out, "
      "fewer of them"]),
]


@pytest.mark.parametrize("name,text,expected", CASES, ids=[c[0] for c in CASES])
def test_broken_bank_messages(tmp_path, name, text, expected):
    path = tmp_path / "b.yaml"
    path.write_text(text)
    with pytest.raises(BankError) as info:
        load_bank(path)
    problems = info.value.problems
    assert len(problems) == len(expected), problems
    for got, want in zip(problems, expected):
        if want.endswith("known types: "):
            assert got.startswith(want) and "dot_product" in got
        else:
            assert got == want


def test_every_problem_is_reported_at_once(tmp_path):
    path = tmp_path / "week1.yaml"
    path.write_text(textwrap.dedent("""\
        bank: week1
        title: Week 1
        seed: -4
        exercises:
          - id: a1
            type: dot_product
            params:
              dim: 25
          - id: a1
            type: dot_prodcut
          - type: matmul
            points: -1
        """))
    with pytest.raises(BankError) as info:
        load_bank(path)
    assert [p.split(":")[1] for p in info.value.problems] == ["3", "8", "9", "10", "11", "12"]
    assert "week1.yaml:8: exercises[0].params.dim: expected an integer or a range" in info.value.problems[1]


def test_validate_cli_prints_problems_and_exits_1(tmp_path, capsys):
    path = tmp_path / "b.yaml"
    path.write_text(HEAD + "  - id: d1\n    type: dot_prodcut\n")
    with pytest.raises(SystemExit) as info:
        main(["validate", str(path)])
    err = capsys.readouterr().err
    assert info.value.code == 1
    assert "b.yaml:6: exercises[0].type: unknown exercise type 'dot_prodcut'; did you mean 'dot_product'?" in err
    assert "Traceback" not in err


def test_validate_cli_ok(tmp_path, capsys):
    path = tmp_path / "b.yaml"
    path.write_text(HEAD + "  - {id: d1, type: dot_product}\n")
    with pytest.raises(SystemExit) as info:
        main(["validate", str(path)])
    assert info.value.code == 0
    assert "b.yaml: ok (1 exercises, seed 3)" in capsys.readouterr().out


@pytest.mark.parametrize("data", [b"\xff\xfe\x00junk\x00", b"bank: b1\ntitle: \xe9\n"])
def test_binary_or_non_utf8_bank(tmp_path, data):
    path = tmp_path / "b.yaml"
    path.write_bytes(data)
    with pytest.raises(BankError) as info:
        load_bank(path)
    assert info.value.problems[0].startswith("b.yaml:")


@seed_sweep(8, 30)
def test_the_refused_parameters_are_the_ones_where_a_mistake_scores(seeds):
    """Each refusal above is earned: without it, building either fails or needs the redraw rule, and the
    smallest accepted learning rate builds instances in which the start point never scores."""
    from exgen.answers import grade_part
    from exgen.build.seeding import rng_for
    from exgen.errors import GenerationError
    from exgen.types import get_type

    def build(name, params, seed=0):  # the refused values bypass the bank reader's checks
        typ = get_type(name)
        resolved, problems = typ.resolve_params({})
        assert not problems, problems
        resolved.update(params)
        return typ.build(exercise_id="e", title=None, points=None, params=resolved, rng=rng_for(seed, "s", "e"))

    with pytest.raises(GenerationError):
        build("matrix_gradient", {"rows": (2, 2), "cols": (2, 2)})
    with pytest.raises(GenerationError):
        build("backprop_graph", {"family": ("affine",), "width": (1, 1)})
    typ = get_type("gradient")
    resolved, _ = typ.resolve_params({"learning_rate": 0.007})
    assert typ.check_grading(resolved, {}) == []
    for seed in seeds:
        inst = build("gradient", {"learning_rate": 0.007}, seed=seed)
        step = inst.parts[-1]
        assert grade_part(step, str(list(inst.given["point"]))).verdict != "correct"
