"""Every answer kind times every exporter: an explicit rendering or an explicit, documented degradation.

A kind declares its LMS form (``exgen.answers.LmsForm``); each exporter keeps one table ``forms`` from form
to its rendering. A new kind without a form, or a new form missing from an exporter's table, fails here;
so does a table that drifts from docs/lms.md.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import cache

import pytest

from exgen.answers import LmsForm, all_kinds
from exgen.exporters import all_exporters
from exgen.exporters.base import Exporter, FormRendering
from tests.exporters.helpers import REPO

KINDS = sorted(all_kinds())
EXPORTERS = sorted(all_exporters())


def missing_pairs(kinds, exporters) -> list[str]:
    """Return "kind x exporter" for each pair whose exporter has no entry for the kind's form."""
    out = []
    for kname, kind in kinds.items():
        form = getattr(kind, "lms_form", None)
        for ename, exporter in exporters.items():
            entry = exporter.forms.get(form) if isinstance(form, LmsForm) else None
            if not isinstance(entry, FormRendering) or not entry.how:
                out.append(f"{kname} x {ename}")
    return out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("exporter", EXPORTERS)
def test_each_kind_has_a_rendering_in_each_exporter(kind, exporter):
    k, e = all_kinds()[kind], all_exporters()[exporter]
    assert isinstance(k.lms_form, LmsForm), f"answer kind {kind} declares no lms_form"
    assert not missing_pairs({kind: k}, {exporter: e})
    entry = e.forms[k.lms_form]
    assert entry.degraded is None or entry.degraded.strip(), (kind, exporter)


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_each_exporter_covers_every_form(exporter):
    assert set(all_exporters()[exporter].forms) == set(LmsForm)


def test_the_coverage_check_catches_a_missing_form():
    class Partial(Exporter):
        name = "partial"
        forms = {form: FormRendering(how="x") for form in LmsForm if form is not LmsForm.FORMULA}

    class NoForm:
        name = "noform"

    assert missing_pairs({"expression": all_kinds()["expression"]}, {"partial": Partial()}) == \
        ["expression x partial"]
    assert missing_pairs({"scalar": all_kinds()["scalar"]}, {"partial": Partial()}) == []
    assert missing_pairs({"noform": NoForm()}, {"partial": Partial()}) == ["noform x partial"]


# --- docs/lms.md lists the same table ---------------------------------------------------------------------

def docs_table() -> dict[str, dict[str, str]]:
    """Return docs/lms.md's "How each answer kind is asked" table: form -> column -> cell."""
    text = (REPO / "docs" / "lms.md").read_text(encoding="utf-8")
    section = text.split("## How each answer kind is asked", 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in section.splitlines()
            if line.startswith("|")]
    header, body = rows[0], rows[2:]
    return {r[0]: dict(zip(header, r)) for r in body}


def expected_cell(entry: FormRendering) -> str:
    return entry.how + (f"; **degraded**: {entry.degraded}" if entry.degraded else "")


def test_docs_table_matches_the_declarations():
    table = docs_table()
    assert set(table) == {f.value for f in LmsForm}
    for form in LmsForm:
        kinds = sorted(n for n, k in all_kinds().items() if k.lms_form is form)
        assert table[form.value]["kinds"] == (", ".join(kinds) or "(none yet)"), form
        for name, exporter in all_exporters().items():
            assert table[form.value][name] == expected_cell(exporter.forms[form]), (form, name)


# --- each pair renders a real part ------------------------------------------------------------------------

@cache
def sample_parts() -> dict:
    """Return one part per answer kind, drawn from the registered types' example banks."""
    from exgen.bank.spec import load_bank
    from exgen.build.pipeline import build_instance
    from exgen.resources import builtin_banks
    from exgen.types import all_types

    found: dict = {}
    for name in all_types():
        for ex in load_bank(builtin_banks()[name]).exercises:
            for student in range(3):
                for part in build_instance(ex, seed=7, student_id=f"s{student}").parts:
                    found.setdefault(part.kind, part)
                if set(found) >= set(all_kinds()):
                    return found
    return found


def _qti(part) -> str:
    from exgen.exporters.qti import FORMS, QTI_NS

    form = FORMS[all_kinds()[part.kind].lms_form]
    fragment, blanks = form.blanks(part)
    assert blanks and all(accepted for _, accepted in blanks)
    out = fragment
    item = ET.Element(f"{{{QTI_NS}}}item")
    qtype, _notes, _fb = form.own(item, part, "<p>q</p>", "i1", "")
    out += qtype + ET.tostring(item, encoding="unicode")
    return out


def _moodle(part) -> str:
    from exgen.exporters.moodle import FORMS

    form = FORMS[all_kinds()[part.kind].lms_form]
    assert form.subquestions(part) >= 1
    return form.cloze(part, 1)


def _prairielearn(part) -> str:
    from exgen.exporters.prairielearn import FORMS

    return FORMS[all_kinds()[part.kind].lms_form].element(part, 1)


def _gradescope(part) -> str:
    from exgen.answers import grade_part
    from tests.conftest import typed

    # Gradescope asks every form as an answers.yaml value graded by exgen: the typed key is correct there.
    assert grade_part(part, typed(part)).verdict == "correct"
    return "answers.yaml"


#: What each exporter writes for one part, and a word that must appear in it for each form.
RENDER = {"qti": _qti, "moodle": _moodle, "prairielearn": _prairielearn, "gradescope": _gradescope}
MARKER = {
    "qti": {LmsForm.NUMBER: "numerical_question", LmsForm.ARRAY: "_r1c1", LmsForm.SHAPE: "_dim1",
            LmsForm.CHOICE: "multiple_choice_question", LmsForm.FORMULA: "short_answer_question",
            LmsForm.TEXT: "short_answer_question"},
    "moodle": {LmsForm.NUMBER: ":NUMERICAL:", LmsForm.ARRAY: "<table>", LmsForm.SHAPE: ":NUMERICAL:",
               LmsForm.CHOICE: ":MULTICHOICE:", LmsForm.FORMULA: ":SHORTANSWER:", LmsForm.TEXT: ":SHORTANSWER:"},
    "prairielearn": {LmsForm.NUMBER: "<pl-number-input", LmsForm.ARRAY: "<pl-matrix-input",
                     LmsForm.SHAPE: "<pl-string-input", LmsForm.CHOICE: "<pl-multiple-choice",
                     LmsForm.FORMULA: "<pl-symbolic-input", LmsForm.TEXT: "<pl-string-input"},
    "gradescope": {form: "answers.yaml" for form in LmsForm},
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("exporter", EXPORTERS)
def test_each_pair_renders_a_real_part(kind, exporter):
    assert exporter in RENDER, f"add how exporter {exporter} renders one part to this test"
    part = sample_parts().get(kind)
    assert part is not None, f"no registered type draws a {kind} part"
    form = all_kinds()[kind].lms_form
    out = RENDER[exporter](part)
    assert re.search(re.escape(MARKER[exporter][form]), out), (kind, exporter, out[:200])
