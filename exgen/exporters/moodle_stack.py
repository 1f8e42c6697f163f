"""STACK questions (Moodle's ``qtype_stack``): Moodle grades formulas by algebraic equivalence, in Maxima.

With ``exgen export moodle --formulas stack``, a variant that asks a formula is a STACK question holding all
its parts, each with its own input and potential response tree (PRT) worth the part's points. What each form
becomes is declared in ``exgen.exporters.moodle.FORMS`` (``stack``); the builders are here:

- formula: an algebraic input; PRT ``AlgEquiv(ans, ta)``, then one node per known mistake with its feedback;
- number: an algebraic input accepting decimals, fractions and e-notation; PRT ``NumAbsolute`` with exgen's
  margin (STACK's test is strict ``<``, so the option is the margin widened by a hair);
- array: a matrix input (a grid, sized from the key); its entries are checked within the margin in the PRT's
  feedback variables, then ``AlgEquiv(ok, true)``;
- shape: an algebraic input taking a list ``[2, 3]``; ``AlgEquiv``;
- choice: a dropdown whose values are 1, 2, ...; ``AlgEquiv`` with the right one;
- text: a string input; ``String``.

The XML follows what STACK itself exports (``qtype_stack::export_to_xml``; read back by ``import_from_xml``,
maths/moodle-qtype_stack questiontype.php). Functions exgen allows that Maxima lacks (``sigmoid``, ``relu``)
are defined before ``%_stack_preamble_end``, where STACK lets students use them (doc/en/Authoring/Variables.md).
A question test (``qtest``) submits the key and expects full marks from every PRT.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from exgen.answers import get_kind, own_wrong_answers
from exgen.formatting import decimal
from exgen.i18n import _ as gettext
from exgen.instance import Part

#: STACK version the XML is written for (``<stackversion>``; 4.11 reads every field below).
STACK_VERSION = "2026010500"
#: Maxima definitions of exgen's functions that Maxima lacks (available to students: in the preamble).
PREAMBLE = {"sigmoid": "sigmoid(z) := 1/(1 + exp(-z))", "relu": "relu(z) := max(0, z)"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def to_maxima(text: str) -> str:
    """Return exgen's canonical formula text in Maxima: ``e`` -> ``%e``, ``pi`` -> ``%pi``, ``ln`` -> ``log``."""
    names = {"e": "%e", "pi": "%pi", "ln": "log"}
    return _NAME.sub(lambda m: names.get(m.group(0), m.group(0)), text)


def _matrix(rows: list[list[float]]) -> str:
    return "matrix(" + ",".join("[" + ",".join(decimal(float(x)) for x in row) + "]" for row in rows) + ")"


def _rows(part: Part) -> list[list[float]]:
    a = part.answer
    return [[float(x) for x in r] for r in a] if a and isinstance(a[0], (list, tuple)) else [[float(x) for x in a]]


@dataclass(frozen=True)
class StackPart:
    """One part in a STACK question: its input (name, type, teacher answer, options), the Maxima lines that
    define the teacher answer, and the PRT's feedback variables and nodes."""

    input_type: str
    tans: str
    variables: tuple[str, ...]
    nodes: tuple[tuple[str, str, str, str, float, str], ...]  # (answertest, sans, tans, options, score, feedback)
    feedback_variables: str = ""
    allowwords: str = ""
    forbidfloat: bool = False
    syntaxhint: str = ""
    test_value: str = ""


def _ta(part: Part) -> str:
    return f"ta_{part.id}"


def _ans(part: Part) -> str:
    return f"ans_{part.id}"


def s_formula(part: Part) -> StackPart:
    kind = get_kind(part.kind)
    ta = _ta(part)
    lines = [f"{ta}: {to_maxima(kind.typed(part.answer, part))}"]
    nodes = [("AlgEquiv", _ans(part), ta, "", 1.0, "")]
    for k, wrong in enumerate(own_wrong_answers(part)[:5], start=1):
        lines.append(f"{ta}_w{k}: {to_maxima(kind.typed(wrong.value, part))}")
        nodes.append(("AlgEquiv", _ans(part), f"{ta}_w{k}", "", float(wrong.credit), wrong.feedback))
    used = [f for f in PREAMBLE if re.search(rf"\b{f}\b", " ".join(lines))]
    return StackPart("algebraic", ta, tuple(lines), tuple(nodes), allowwords=",".join(used),
                     syntaxhint="2*x*exp(x^2)", test_value=ta)


def s_number(part: Part) -> StackPart:
    from exgen.exporters.html import margin

    ta = _ta(part)
    m = margin(part.answer, part.tolerance)
    option = decimal(float(f"{m * (1 + 1e-9) + 1e-12:.12g}"))
    nodes = [("NumAbsolute", _ans(part), ta, option, 1.0, "")]
    lines = [f"{ta}: {decimal(float(part.answer))}"]
    for k, wrong in enumerate(own_wrong_answers(part)[:5], start=1):
        if isinstance(wrong.value, (int, float)) and not isinstance(wrong.value, bool):
            lines.append(f"{ta}_w{k}: {decimal(float(wrong.value))}")
            nodes.append(("NumAbsolute", _ans(part), f"{ta}_w{k}", "1e-9", float(wrong.credit), wrong.feedback))
    return StackPart("algebraic", ta, tuple(lines), tuple(nodes), syntaxhint="-0.25", test_value=ta)


def s_array(part: Part) -> StackPart:
    from exgen.exporters.html import margin

    ta, ans = _ta(part), _ans(part)
    rows = _rows(part)
    tol = max(margin(x, part.tolerance) for row in rows for x in row)
    tol = float(f"{tol * (1 + 1e-9) + 1e-12:.12g}")
    fv = (f"ok_{part.id}: is(lmax(map(abs, list_matrix_entries(float({ans} - {ta})))) <= {decimal(tol)})")
    return StackPart("matrix", ta, (f"{ta}: {_matrix(rows)}",), (("AlgEquiv", f"ok_{part.id}", "true", "", 1.0, ""),),
                     feedback_variables=fv, test_value=ta)


def s_shape(part: Part) -> StackPart:
    ta = _ta(part)
    dims = ",".join(str(d) for d in part.answer)
    return StackPart("algebraic", ta, (f"{ta}: [{dims}]",), (("AlgEquiv", _ans(part), ta, "", 1.0, ""),),
                     syntaxhint="[2, 3]", test_value=ta)


def s_choice(part: Part) -> StackPart:
    ta = _ta(part)
    choices = list(part.options.get("choices", ()))
    right = next(k for k, c in enumerate(choices, start=1) if c["key"] == part.answer)
    entries = ", ".join(f"[{k}, {'true' if k == right else 'false'}, \"{_maxima_string(c['label'])}\"]"
                        for k, c in enumerate(choices, start=1))
    return StackPart("dropdown", ta, (f"{ta}: [{entries}]",), (("AlgEquiv", _ans(part), str(right), "", 1.0, ""),),
                     test_value=str(right))


def s_text(part: Part) -> StackPart:
    ta = _ta(part)
    text = _maxima_string(get_kind(part.kind).typed(part.answer, part))
    return StackPart("string", ta, (f'{ta}: "{text}"',), (("String", _ans(part), ta, "", 1.0, ""),),
                     test_value=ta)


def _maxima_string(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


StackBuilder = Callable[[Part], StackPart]


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _text(tag: str, value: str, *, html: bool = False) -> str:
    fmt = ' format="html"' if html else ""
    return f"    <{tag}{fmt}><text>{_cdata(value) if value else ''}</text></{tag}>"


def stack_question(*, name: str, ident: str, question_html: str, feedback_html: str, points: float,
                   parts: list[tuple[Part, StackPart]], files: str = "") -> str:
    """Return a ``<question type="stack">``: ``question_html`` already holds each part's input, validation and
    feedback tags (``stack_tags``); ``parts`` gives each part its input and PRT."""
    used = sorted({f for _, sp in parts for f in PREAMBLE if re.search(rf"\b{f}\b", " ".join(sp.variables))})
    variables = [PREAMBLE[f] for f in used] + (["%_stack_preamble_end"] if used else [])
    variables += [line for _, sp in parts for line in sp.variables]
    total = sum(p.points for p, _ in parts) or 1.0
    qv = ";\n".join(variables) + ";"
    lines = ['  <question type="stack">', f"    <name><text>{escape(name)}</text></name>",
             f'    <questiontext format="html"><text>{_cdata(question_html)}</text>{files}</questiontext>',
             _text("generalfeedback", feedback_html, html=True),
             f"    <defaultgrade>{decimal(points)}</defaultgrade>", "    <penalty>0.1</penalty>",
             "    <hidden>0</hidden>", f"    <idnumber>{ident}</idnumber>",
             f"    <stackversion><text>{STACK_VERSION}</text></stackversion>",
             f"    <questionvariables><text>{_cdata(qv)}</text></questionvariables>",
             _text("specificfeedback", "", html=True), _text("questionnote", "", html=True),
             _text("questiondescription", "", html=True),
             "    <questionsimplify>1</questionsimplify>", "    <assumepositive>0</assumepositive>",
             "    <assumereal>0</assumereal>",
             _text("prtcorrect", gettext("Correct answer, well done."), html=True),
             _text("prtpartiallycorrect", gettext("Your answer is partially correct."), html=True),
             _text("prtincorrect", gettext("Incorrect answer."), html=True),
             "    <decimals>.</decimals>", "    <scientificnotation>*10</scientificnotation>",
             "    <multiplicationsign>dot</multiplicationsign>", "    <sqrtsign>1</sqrtsign>",
             "    <complexno>i</complexno>", "    <inversetrig>cos-1</inversetrig>", "    <logicsymbol>lang</logicsymbol>",
             "    <matrixparens>[</matrixparens>", "    <variantsselectionseed></variantsselectionseed>"]
    for part, sp in parts:
        lines += ["    <input>", f"      <name>{_ans(part)}</name>", f"      <type>{sp.input_type}</type>",
                  f"      <tans>{escape(sp.tans)}</tans>", "      <boxsize>20</boxsize>",
                  "      <strictsyntax>1</strictsyntax>", "      <insertstars>1</insertstars>",
                  f"      <syntaxhint>{escape(sp.syntaxhint)}</syntaxhint>", "      <syntaxattribute>1</syntaxattribute>",
                  "      <forbidwords></forbidwords>", f"      <allowwords>{escape(sp.allowwords)}</allowwords>",
                  f"      <forbidfloat>{1 if sp.forbidfloat else 0}</forbidfloat>",
                  "      <requirelowestterms>0</requirelowestterms>", "      <checkanswertype>1</checkanswertype>",
                  "      <mustverify>1</mustverify>", "      <showvalidation>1</showvalidation>",
                  "      <options></options>", "    </input>"]
    for part, sp in parts:
        prt = f"prt_{part.id}"
        lines += ["    <prt>", f"      <name>{prt}</name>", f"      <value>{part.points / total * points:.7f}</value>",
                  "      <autosimplify>1</autosimplify>", "      <feedbackstyle>1</feedbackstyle>",
                  f"      <feedbackvariables><text>{_cdata(sp.feedback_variables + ';') if sp.feedback_variables else ''}"
                  "</text></feedbackvariables>"]
        for n, (test, sans, tans, options, score, feedback) in enumerate(sp.nodes):
            last = n == len(sp.nodes) - 1
            lines += ["      <node>", f"        <name>{n}</name>", "        <description></description>",
                      f"        <answertest>{test}</answertest>", f"        <sans>{escape(sans)}</sans>",
                      f"        <tans>{escape(tans)}</tans>", f"        <testoptions>{escape(options)}</testoptions>",
                      "        <quiet>0</quiet>", "        <truescoremode>=</truescoremode>",
                      f"        <truescore>{score:.7f}</truescore>", "        <truepenalty></truepenalty>",
                      "        <truenextnode>-1</truenextnode>", f"        <trueanswernote>{prt}-{n + 1}-T</trueanswernote>",
                      _text("truefeedback", _feedback(feedback), html=True).replace("    <", "        <", 1),
                      "        <falsescoremode>=</falsescoremode>", "        <falsescore>0.0000000</falsescore>",
                      "        <falsepenalty></falsepenalty>",
                      f"        <falsenextnode>{-1 if last else n + 1}</falsenextnode>",
                      f"        <falseanswernote>{prt}-{n + 1}-F</falseanswernote>",
                      _text("falsefeedback", "", html=True).replace("    <", "        <", 1), "      </node>"]
        lines.append("    </prt>")
    lines += ["    <qtest>", "      <testcase>1</testcase>", "      <description>exgen: the key scores full marks</description>"]
    for part, sp in parts:
        lines += ["      <testinput>", f"        <name>{_ans(part)}</name>", f"        <value>{escape(sp.test_value)}</value>",
                  "      </testinput>"]
    for part, _sp in parts:
        lines += ["      <expected>", f"        <name>prt_{part.id}</name>", "        <expectedscore>1.0000000</expectedscore>",
                  "        <expectedpenalty>0.0000000</expectedpenalty>",
                  f"        <expectedanswernote>prt_{part.id}-1-T</expectedanswernote>", "      </expected>"]
    lines += ["    </qtest>", "  </question>"]
    return "\n".join(lines)


def _feedback(text: str) -> str:
    if not text:
        return ""
    from exgen.exporters.html import mathjax, rich_html

    return rich_html(text, mathjax)


def stack_tags(part: Part) -> str:
    """Return where a part's input, its validation and its PRT's feedback go in the question text."""
    return f"[[input:{_ans(part)}]] [[validation:{_ans(part)}]]</p>\n<p>[[feedback:prt_{part.id}]]"
