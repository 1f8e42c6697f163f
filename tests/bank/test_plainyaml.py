"""The plain-subset reader gives PyYAML's reader's value for every document it reads, and reads the usual
submissions itself (so grading one submission need not load PyYAML)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exgen.bank import yamlevents
from exgen.bank.plainyaml import NOT_PLAIN, read_plain
from exgen.bank.safeyaml import SUBMISSION_LIMITS, Limits, YamlError, has_libyaml, load_yaml
from tests.conftest import examples_sweep

PARSERS = ["python"] + (["c"] if has_libyaml() else [])

KEYS = ["student", "answers", "dot.a", "backprop-graph.b", "x_1", "007", "1", "12", "k2", "a.b-c", "true", "null", "~", "1.5",
        "a b", "'q'", '"q"', "<<", "-k", "k:", "é", "a@b.c", "1e3", "? k", "- k", "&a k", "!t k", "ö.a"]
VALUES = ["'-3'", "''", "'it''s'", "'a # b'", "'a' # c", "'a'#c", "'a' b", "'open", '"x"', '"a\\nb"', '"a # b"',
          '"it\'s"', '"open', "(5, 8)", "x # c", "x#y", "[1, 2]", "[[1, 2], [3, 4]]", "{a: 1}", "- a", "-3", "-",
          "- ", "?x", ":x", "a: b", "a:", "a:b", "yes", "no", "~", "null", "Null", "true", "False", ".5", "1e3",
          "007", "0x1F", "1.0e+3", "1_000", "12:30", "2026-02-30", ".inf", "-.Inf", ".nan", "&a x", "*a", "!x y",
          "!!str 3", "|", ">", "|-", "%x", "@x", "`x", "x  ", "x, y", "x]", "x}", "한국어 답", "σ(x)(1 − σ(x))",
          "2*x + 1", "x:y", "x :y", "#", "1 2; 3 4", "'[[1, 2], [3, 4]]'", "A", "<<", "=", "-- x", "?", ":"]
COMMENTS = ["# a comment", "  # indented comment", "", "   "]


@st.composite
def documents(draw):
    """Mostly well-formed block mappings (so that the subset is reached), with some lines out of place."""
    lines = []
    if draw(st.integers(0, 5)) == 0:
        lines.append(draw(st.sampled_from(COMMENTS + ["---", "%YAML 1.1\n---"])))
    indents = [0]  # the open mappings' indents
    opened = False
    for _ in range(draw(st.integers(1, 10))):
        if opened:
            indents.append(indents[-1] + draw(st.sampled_from([1, 2, 2, 4])))
        elif len(indents) > 1 and draw(st.integers(0, 3)) == 0:
            indents.pop()
        indent = indents[-1] if draw(st.integers(0, 9)) else draw(st.sampled_from([0, 1, 2, 3, 5]))
        key = draw(st.sampled_from(KEYS[:10] if draw(st.integers(0, 3)) else KEYS))
        opened = draw(st.integers(0, 4)) == 0
        if opened:
            lines.append(" " * indent + key + ":" + draw(st.sampled_from(["", " ", "  # c", " #c", "#c"])))
        else:
            value = draw(st.sampled_from(VALUES[:4] if draw(st.integers(0, 2)) == 0 else VALUES))
            lines.append(" " * indent + key + ":" + draw(st.sampled_from([" ", "  "])) + value)
        if draw(st.integers(0, 7)) == 0:
            lines.append(draw(st.sampled_from(COMMENTS + ["...", "\tx: 1", "  - item", "continued"])))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    return end.join(lines) + draw(st.sampled_from(["", end]))


def same(a, b) -> bool:
    return repr(a) == repr(b)  # NaN equals itself, and 1 is not True


def pyyaml_value(text: str, parser: str, limits: Limits = SUBMISSION_LIMITS):
    loaded = yamlevents.read(text, source="f.yaml", limits=limits, lines=False, parser=parser)
    return None if loaded is None else loaded.value


@examples_sweep(1000, 10_000)
def test_whatever_the_plain_reader_reads_pyyaml_reads_alike(max_examples):
    read = []

    @settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(documents())
    def check(text):
        mine = read_plain(text, SUBMISSION_LIMITS)
        if mine is NOT_PLAIN:
            return
        read.append(text)
        for parser in PARSERS:
            try:
                theirs = pyyaml_value(text, parser)
            except YamlError as err:
                pytest.fail(f"plain reader accepted what PyYAML's {parser} parser refuses ({err}): {text!r}")
            assert same(mine, theirs), (parser, text)

    check()
    assert len(read) > max_examples // 20  # the documents reach the subset, not only its refusals


SUBMISSION = """\
# Worksheet answers: one line per part
student: s001   # your id
answers:
  dot.a: '-3'
  dot.b: (5, 8)
  grad.c: "2*x + 1"
  matmul.a: '[[1, 2], [3, 4]]'
  shape.d: A
  calc.e: σ(x)(1 − σ(x))
  calc.f: 1/2
  calc.g: 0.50
  empty.h:
"""


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_usual_submission_is_read_without_pyyaml_and_as_pyyaml_reads_it(end):
    text = SUBMISSION.replace("\n", end)
    mine = read_plain(text, SUBMISSION_LIMITS)
    assert mine is not NOT_PLAIN
    assert mine["answers"]["calc.g"] == 0.5 and mine["answers"]["empty.h"] is None and mine["student"] == "s001"
    for parser in PARSERS:
        assert same(mine, pyyaml_value(text, parser))


def test_nested_answers_and_korean_text():
    text = "student: 학생1\nanswers:\n  dot:\n    a: 내적\n    b: '-3'\n  grad:\n      c: 2*x\n"
    mine = read_plain(text, SUBMISSION_LIMITS)
    assert mine == {"student": "학생1", "answers": {"dot": {"a": "내적", "b": "-3"}, "grad": {"c": "2*x"}}}
    for parser in PARSERS:
        assert same(mine, pyyaml_value(text, parser))


@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n",                      # duplicate key: PyYAML's reader names both lines
    "a:\n  - 1\n",                       # a sequence
    "a: |\n  x\n",                       # a block scalar
    "a: x\n  y\n",                       # a plain scalar on two lines
    "a: 'x\n  y'\n",                     # a quoted one
    "a: \"x\\ty\"\n",                    # an escape
    "a: &k x\nb: *k\n",                  # anchor and alias
    "<<: {a: 1}\n",                      # merge key
    "a:\tx\n",                           # a tab
    "--- \na: 1\n",                      # a document marker
    "  a: 1\nb: 2\n",                    # less indented than the first key
    "a: 1\n  b: 2\n",                    # more indented after a value
])
def test_what_it_leaves_to_pyyaml(text):
    assert read_plain(text, SUBMISSION_LIMITS) is NOT_PLAIN


def test_limits_send_a_document_to_pyyaml_which_refuses_it():
    deep = "".join(" " * i + f"k{i}:\n" for i in range(6)) + " " * 6 + "v: 1\n"
    assert read_plain(deep, Limits(depth=5)) is NOT_PLAIN
    with pytest.raises(YamlError, match="nested deeper than 5"):
        load_yaml(deep, source="f.yaml", limits=Limits(depth=5))
    many = "".join(f"k{i}: {i}\n" for i in range(300))
    assert read_plain(many, Limits(nodes=500)) is NOT_PLAIN
    with pytest.raises(YamlError, match="more than 500 values"):
        load_yaml(many, source="f.yaml", limits=Limits(nodes=500))
    assert read_plain("a: " + "x" * 50 + "\n", Limits(scalar_chars=40)) is NOT_PLAIN
    assert read_plain("b: " + "x" * 40 + "\n", Limits(scalar_chars=40)) == {"b": "x" * 40}


def test_reading_a_plain_submission_does_not_load_pyyaml(tmp_path):
    sub = tmp_path / "s.yaml"
    sub.write_text(SUBMISSION, encoding="utf-8")
    code = ("import sys; from exgen.grading.submissions import read_submission_file as r; "
            f"r({str(sub)!r}); print('yaml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
