"""A table of broken banks: each exact message, with its line number; never a traceback."""

import textwrap

import pytest

from exgen.bank.spec import load_bank
from exgen.cli import main
from exgen.errors import BankError

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
     ["b.yaml:1: (top level): expected a mapping with bank, title, seed, language, course, grading, exercises, got [1, 2]"]),
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
