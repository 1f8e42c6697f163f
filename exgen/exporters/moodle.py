"""Moodle XML: one category per exercise holding N pre-drawn variants (lms-formats.md, section 2).

Parts are asked by their kind's LMS form through the one table ``FORMS``. A one-part exercise asking one
number becomes a ``numerical`` question (tolerance = exgen's absolute margin); every other exercise becomes
a Cloze (``multianswer``) question whose embedded sub-questions come from each form's ``cloze``: a number
-> NUMERICAL with tolerance and the known wrong values with their feedback; an array -> one NUMERICAL per
entry in a table; a shape -> NUMERICAL per dimension; a choice -> MULTICHOICE; a formula or text ->
SHORTANSWER accepting the canonical form only (Moodle has no CAS; noted in the export summary and in
docs/lms.md). Worked solutions are the general feedback; formulas use ``\\( \\)``.
In a quiz, add "random question from category" per exercise; tick "Get category from file" on import.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from exgen.answers import LmsForm, get_kind, own_wrong_answers
from exgen.bank.spec import BankSpec
from exgen.exporters.base import VARIANTS, FormRendering, SingleFileExporter, build_variants, lms_form, stable_ident
from exgen.exporters.html import margin, mathjax, rich_html, solution_html, statement_html
from exgen.formatting import decimal
from exgen.instance import Instance, Part
from exgen.render.richtext import render_rich

#: Largest total weight of one Cloze part's sub-questions (weights must be integers).
MAX_CLOZE_SCALE = 60
_TEX_WORDS = {r"\cdot": "·", r"\odot": "⊙", r"\times": "×", r"\top": "ᵀ", r"\theta": "θ", r"\sigma": "σ",
              r"\partial": "∂", r"\,": " ", r"\;": " ", r"\quad": " ", r"\qquad": " ", r"\to": "→",
              r"\le": "≤", r"\ge": "≥", r"\ne": "≠", r"\approx": "≈"}


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def cloze_plain(text: str) -> str:
    """Return rich text as plain words for a Cloze answer or feedback, escaping Cloze's special characters.

    Math loses its ``$`` and LaTeX commands become symbols (or their names); braces and backslashes are
    dropped, and ``} # ~ / "`` are backslash-escaped as Moodle's Cloze parser expects.
    """
    def untex(body: str, display: bool) -> str:
        for cmd, sym in sorted(_TEX_WORDS.items(), key=lambda kv: -len(kv[0])):
            body = body.replace(cmd, sym)
        return re.sub(r"\\([A-Za-z]+)", r"\1", body)

    plain = render_rich(text, words=str, math=untex)
    plain = plain.replace("\\", "").replace("{", "").replace("}", "")
    plain = " ".join(plain.split())
    return re.sub(r'([#~/"])', r"\\\1", plain)


def _numerical_sub(weight: int, value: float, tol: float, wrong: list[tuple[float, str]]) -> str:
    alts = [f"={decimal(value)}:{decimal(tol)}#Correct."]
    alts += [f"%0%{decimal(w)}:0#{cloze_plain(fb)}" for w, fb in wrong]
    alts.append("*#Not correct.")
    return "{" + f"{weight}:NUMERICAL:" + "~".join(alts) + "}"


def _scalar_wrong(part: Part) -> list[tuple[float, str]]:
    return [(float(w.value), w.feedback) for w in own_wrong_answers(part)
            if isinstance(w.value, (int, float)) and not isinstance(w.value, bool)]


# --- Cloze sub-questions per LMS form: (part, weight per sub-question) -> html with sub-questions --------

def _c_scalar(part: Part, scale: int) -> str:
    weight = max(1, round(part.points * scale))
    return _numerical_sub(weight, float(part.answer), margin(part.answer, part.tolerance), _scalar_wrong(part))


def _entries(part: Part) -> list[list[float]]:
    a = part.answer
    return [list(r) for r in a] if isinstance(a[0], (list, tuple)) else [list(a)]


def _c_matrix(part: Part, scale: int) -> str:
    rows = _entries(part)
    n = sum(len(r) for r in rows)
    weight = max(1, round(part.points * scale / n))
    cells = "".join("<tr>" + "".join(f"<td>{_numerical_sub(weight, float(x), margin(x, part.tolerance), [])}</td>"
                                      for x in row) + "</tr>" for row in rows)
    return f"<table><tbody>{cells}</tbody></table>"


def _c_shape(part: Part, scale: int) -> str:
    n = len(part.answer)
    weight = max(1, round(part.points * scale / n))
    subs = []
    for d in part.answer:
        if isinstance(d, int):
            subs.append(_numerical_sub(weight, d, 0.0, []))
        else:
            subs.append("{" + f"{weight}:SHORTANSWER:={cloze_plain(str(d))}#Correct.~*#Not correct." + "}")
    return "(" + ", ".join(subs) + ")"


def _c_choice(part: Part, scale: int) -> str:
    weight = max(1, round(part.points * scale))
    wrong = {w.value: w.feedback for w in own_wrong_answers(part)}
    alts = []
    for c in part.options.get("choices", ()):
        label = cloze_plain(c["label"])
        if c["key"] == part.answer:
            alts.append(f"={label}#Correct.")
        else:
            alts.append(f"%0%{label}#{cloze_plain(wrong.get(c['key'], 'Not correct.'))}")
    return "{" + f"{weight}:MULTICHOICE:" + "~".join(alts) + "}"


def _c_short(part: Part, scale: int) -> str:
    weight = max(1, round(part.points * scale))
    typed = cloze_plain(get_kind(part.kind).typed(part.answer, part))
    return "{" + f"{weight}:SHORTANSWER:={typed}#Correct.~*#Not correct." + "}"


def _one(part: Part) -> int:
    return 1


@dataclass(frozen=True, kw_only=True)
class MoodleForm(FormRendering):
    """How Moodle asks one form: ``cloze`` writes its sub-questions, ``subquestions`` counts them (for the
    integer weights); ``numerical``: a one-part exercise of this form is a ``numerical`` question."""

    cloze: Callable[[Part, int], str]
    subquestions: Callable[[Part], int] = _one
    numerical: bool = False


#: The one table from LMS form to Moodle question (docs/lms.md lists the same rows).
FORMS: dict[LmsForm, MoodleForm] = {
    LmsForm.NUMBER: MoodleForm(how="numerical question; Cloze NUMERICAL", cloze=_c_scalar, numerical=True),
    LmsForm.ARRAY: MoodleForm(how="Cloze NUMERICAL per entry", cloze=_c_matrix,
                              subquestions=lambda part: sum(len(r) for r in _entries(part))),
    LmsForm.SHAPE: MoodleForm(how="Cloze NUMERICAL per dimension", cloze=_c_shape,
                              subquestions=lambda part: len(part.answer)),
    LmsForm.CHOICE: MoodleForm(how="Cloze MULTICHOICE", cloze=_c_choice),
    LmsForm.FORMULA: MoodleForm(how="Cloze SHORTANSWER", cloze=_c_short,
                                degraded="only the canonical form is accepted (Moodle has no formula checker)"),
    LmsForm.TEXT: MoodleForm(how="Cloze SHORTANSWER", cloze=_c_short,
                             degraded="only the canonical text is accepted (Moodle compares text exactly)"),
}


def _subquestion_count(part: Part) -> int:
    return FORMS[lms_form(part)].subquestions(part)


def _scale(inst: Instance) -> int:
    """Return an integer weight scale under which every sub-question's weight is close to its share."""
    lcm = 1
    for part in inst.parts:
        lcm = lcm * _subquestion_count(part) // math.gcd(lcm, _subquestion_count(part))
    return min(max(lcm, 1), MAX_CLOZE_SCALE)


def _header(name: str, question_html: str, feedback_html: str, ident: str) -> list[str]:
    return [f"    <name><text>{escape(name)}</text></name>",
            f'    <questiontext format="html"><text>{_cdata(question_html)}</text></questiontext>',
            f'    <generalfeedback format="html"><text>{_cdata(feedback_html)}</text></generalfeedback>']


def numerical_question(inst: Instance, *, name: str, ident: str) -> str:
    """Return a ``numerical`` question for a one-part exercise asking one number."""
    part = inst.parts[0]
    question = statement_html(inst, mathjax) + f"\n<p>{rich_html(part.prompt, mathjax)}</p>"
    lines = ['  <question type="numerical">', *_header(name, question, solution_html(inst, mathjax), ident),
             f"    <defaultgrade>{decimal(inst.points)}</defaultgrade>", "    <penalty>0.3333333</penalty>",
             "    <hidden>0</hidden>", f"    <idnumber>{ident}</idnumber>"]
    answers = [(100, float(part.answer), margin(part.answer, part.tolerance), "Correct.")]
    answers += [(0, w, 0.0, fb) for w, fb in _scalar_wrong(part)]
    for fraction, value, tol, fb in answers:
        lines += [f'    <answer fraction="{fraction}" format="moodle_auto_format">',
                  f"      <text>{decimal(value)}</text>",
                  f'      <feedback format="html"><text>{_cdata(rich_html(fb, mathjax))}</text></feedback>',
                  f"      <tolerance>{decimal(tol)}</tolerance>", "    </answer>"]
    lines += ['    <answer fraction="0" format="moodle_auto_format">', "      <text>*</text>",
              '      <feedback format="html"><text>Not correct.</text></feedback>',
              "      <tolerance>0</tolerance>", "    </answer>",
              "    <unitgradingtype>0</unitgradingtype>", "    <unitpenalty>0.1000000</unitpenalty>",
              "    <showunits>3</showunits>", "    <unitsleft>0</unitsleft>", "  </question>"]
    return "\n".join(lines)


def cloze_question(inst: Instance, *, name: str, ident: str) -> tuple[str, list[str]]:
    """Return a Cloze (multianswer) question holding every part, and the notes."""
    scale = _scale(inst)
    body, notes = [statement_html(inst, mathjax)], []
    for part in inst.parts:
        form = FORMS[lms_form(part)]
        html_sub = form.cloze(part, scale)
        if form.degraded:
            notes.append(f"({part.id}): {part.kind} parts: {form.degraded}")
        body.append(f"<p><strong>({escape(part.id)})</strong> {rich_html(part.prompt, mathjax)}</p>\n<p>{html_sub}</p>")
    lines = ['  <question type="cloze">', *_header(name, "\n".join(body), solution_html(inst, mathjax), ident),
             "    <penalty>0.3333333</penalty>", "    <hidden>0</hidden>", f"    <idnumber>{ident}</idnumber>",
             "  </question>"]
    return "\n".join(lines), notes


def category(path: str, *, ident: str, info: str) -> str:
    """Return the category pseudo-question that files the following questions under ``path``."""
    return "\n".join(['  <question type="category">', f"    <category><text>{escape(path)}</text></category>",
                      f'    <info format="html"><text>{_cdata(info)}</text></info>',
                      f"    <idnumber>{ident}</idnumber>", "  </question>"])


def _cat_name(text: str) -> str:
    return text.replace("/", "-").strip()


def build_xml(bank: BankSpec, *, seed: int, variants: int) -> tuple[str, int, list[str]]:
    """Return the Moodle XML document, the number of questions and the export notes."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    count, notes = 0, []
    for ex, insts in build_variants(bank, seed=seed, variants=variants):
        title = insts[0].title
        out.append(category(f"$course$/top/{_cat_name(bank.title)}/{_cat_name(title)}",
                            ident=stable_ident("c", bank.id, ex.id),
                            info=f"{escape(title)}: {variants} variant(s) drawn by exgen (bank {escape(bank.id)}, "
                                 f"seed {seed}). Add a random question from this category."))
        for v, inst in enumerate(insts):
            name, ident = f"{title} - variant {v + 1}", stable_ident("q", bank.id, ex.id, str(v))
            if len(inst.parts) == 1 and FORMS[lms_form(inst.parts[0])].numerical:
                out.append(numerical_question(inst, name=name, ident=ident))
            else:
                xml, qnotes = cloze_question(inst, name=name, ident=ident)
                out.append(xml)
                notes += [f"{ex.id} {n}" for n in qnotes if f"{ex.id} {n}" not in notes]
            count += 1
    out.append("</quiz>")
    return "\n".join(out) + "\n", count, notes


class MoodleExporter(SingleFileExporter):
    name = "moodle"
    summary = "Moodle XML: one category per exercise, numerical and Cloze questions"
    forms = FORMS
    options = (VARIANTS,)
    examples = ("exgen export moodle week1.yaml --variants 20 --out questions.xml",)
    default_out = "questions.xml"
    out_help = "The Moodle XML file to import into a question bank."

    def build(self, bank: BankSpec, *, seed: int, options: Mapping[str, Any]) -> tuple[str, int, list[str]]:
        return build_xml(bank, seed=seed, variants=options["variants"])


EXPORTER = MoodleExporter()
