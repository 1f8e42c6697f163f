"""Moodle STACK export (``--formulas stack``): what maths/moodle-qtype_stack requires of a question, and the
responses Moodle reports for it read back by ``exgen grade``.

STACK's own grading (its Maxima answer tests) is exercised outside the project, by /work/harness/stack.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.exporters.helpers import all_families_bank


@pytest.fixture(scope="module")
def stack_xml():
    from exgen.exporters.moodle import build_xml

    bank = all_families_bank()
    return bank, *build_xml(bank, seed=bank.seed, variants=2, formulas="stack")


def test_variants_asking_a_formula_are_stack_questions(stack_xml):
    from exgen.build.pipeline import build_instance
    from exgen.grading.lms_refs import find_refs
    from tests.exporters.moodle_rules import check_moodle_xml

    bank, text, count, notes = stack_xml
    assert check_moodle_xml(text) == []
    exercises = {e.id: e for e in bank.exercises}
    stack = 0
    for q in ET.fromstring(text):
        if q.get("type") == "category":
            continue
        (ref,) = find_refs(q.findtext("questiontext/text"))
        inst = build_instance(exercises[ref.exercise], seed=bank.seed, student_id=ref.key_student)
        has_formula = any(p.kind == "expression" for p in inst.parts)
        assert (q.get("type") == "stack") == has_formula, ref
        if has_formula:
            stack += 1
            prts = {p.findtext("name"): float(p.findtext("value")) for p in q.findall("prt")}
            assert set(prts) == {f"prt_{p.id}" for p in inst.parts}
            for p in inst.parts:  # each part's PRT is worth its share of the exercise's points
                assert prts[f"prt_{p.id}"] == pytest.approx(p.points / sum(x.points for x in inst.parts) * inst.points,
                                                            abs=1e-6)
    assert stack >= 6 and any("STACK" in n for n in notes)


@pytest.mark.parametrize("breakage, message", [
    (lambda t: t.replace("[[validation:ans_a]]", "", 1), "[[validation:ans_a]] exactly once"),
    (lambda t: t.replace("[[feedback:prt_a]]", "", 1), "[[feedback:prt_a]] must appear"),
    (lambda t: re.sub(r"<testoptions>[^<]+</testoptions>", "<testoptions></testoptions>", t, count=1), "needs options"),
    (lambda t: t.replace("<falsenextnode>1</falsenextnode>", "<falsenextnode>7</falsenextnode>", 1), "does not exist"),
    (lambda t: t.replace("<tans>ta_a</tans>", "<tans>tb_a</tans>", 1), "is not a question variable"),
    (lambda t: t.replace("<answertest>AlgEquiv</answertest>", "<answertest>Magic</answertest>", 1), "not one exgen"),
])
def test_a_broken_stack_question_is_refused(stack_xml, breakage, message):
    from tests.exporters.moodle_rules import check_moodle_xml

    _, text, _, _ = stack_xml
    broken = breakage(text)
    assert broken != text
    assert any(message in p for p in check_moodle_xml(broken)), message


def test_formulas_are_written_in_maxima():
    from exgen.exporters.moodle_stack import to_maxima

    assert to_maxima("exp(x/2) + e^x - pi*ln(x)") == "exp(x/2) + %e^x - %pi*log(x)"
    assert to_maxima("sigmoid(u)*(1 - sigmoid(u))") == "sigmoid(u)*(1 - sigmoid(u))"


def test_sigmoid_is_defined_in_the_preamble_students_may_use(stack_xml):
    _, text, _, _ = stack_xml
    for q in ET.fromstring(text):
        variables = q.findtext("questionvariables/text") or ""
        if "sigmoid" in variables.split("%_stack_preamble_end")[-1]:
            head = variables.split("%_stack_preamble_end")[0]
            assert "sigmoid(z) := 1/(1 + exp(-z))" in head
            assert "sigmoid" in q.find("input").findtext("allowwords") or any(
                "sigmoid" in (i.findtext("allowwords") or "") for i in q.findall("input"))
            return
    pytest.fail("no STACK question uses sigmoid: the preamble rule was not exercised")


def test_moodle_reports_of_stack_answers_are_read_back(tmp_path):
    """qtype_stack_question::summarise_response ('Seed: n; ans_a: <Maxima> [score]; ...; prt_a: ...') in a
    Moodle Responses CSV is regraded by exgen."""
    import csv
    import io
    from dataclasses import replace

    import exgen
    from exgen.build.keyfile import load_key

    bank = all_families_bank()
    bank = replace(bank, exercises=tuple(e for e in bank.exercises if e.type == "gradient")[:1])
    exgen.export("moodle", bank, out=tmp_path / "q.xml", variants=1, formulas="stack")
    q = next(q for q in ET.fromstring((tmp_path / "q.xml").read_text()) if q.get("type") == "stack")
    inst = load_key(tmp_path / "q-key.json")["students"]["variant-0"]["exercises"][0]
    bits = ["Seed: 1"]
    for p in inst.parts:
        if p.kind == "expression":
            value = p.answer["expr"].replace("pi", "%pi")
        elif p.kind == "matrix":
            rows = p.answer if isinstance(p.answer[0], (list, tuple)) else [p.answer]
            value = "matrix(" + ",".join("[" + ",".join(f"{x:.6f}" for x in r) + "]" for r in rows) + ")"
        else:
            value = repr(p.answer)
        bits.append(f"ans_{p.id}: {value} [score]")
    bits += [f"prt_{p.id}: # = 1 | prt_{p.id}-1-T" for p in inst.parts]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["First name", "Last name", "Email address", "State", "Question 1", "Response 1"])
    w.writerow(["Ada", "L", "ada@example.edu", "Finished", re.sub(r"<[^>]+>", " ", q.findtext("questiontext/text")),
                "; ".join(bits)])
    (tmp_path / "responses.csv").write_text(buf.getvalue())
    graded = exgen.grade(tmp_path / "responses.csv", key=tmp_path / "q-key.json", out=None)
    assert not graded.results.errors, graded.results.errors
    (student,) = graded.results.students
    assert student.total == pytest.approx(student.max_points)


def maxima_errors(variables: list[str]) -> list[int]:
    """Evaluate each question's variables in Maxima; return the indexes of those that raise an error."""
    import subprocess

    lines = ["display2d: false$"]
    for k, text in enumerate(variables):
        body = text.strip().rstrip(";").replace("%_stack_preamble_end", "true")
        body = ", ".join(s.strip() for s in body.split(";"))
        quoted = "block([], " + body + ")"
        quoted = '"' + quoted.replace("\\", "\\\\").replace('"', '\\"') + '"'
        # eval_string parses at run time, so a syntax error is caught too (not only an evaluation error)
        lines.append(f'if errcatch(eval_string({quoted})) = [] then print("EXGEN", "ERROR", {k})$')
    proc = subprocess.run(["maxima", "--very-quiet", "--batch-string", "\n".join(lines)], capture_output=True,
                          text=True, timeout=300)
    return [int(m) for m in re.findall(r"^EXGEN ERROR (\d+)", proc.stdout, re.MULTILINE)]  # not the echoed input


@pytest.mark.slow
@pytest.mark.needs("maxima", why="STACK's question variables are Maxima; Maxima must read every one")
def test_question_variables_are_valid_maxima(stack_xml):
    _, text, _, _ = stack_xml
    variables = [q.findtext("questionvariables/text") for q in ET.fromstring(text) if q.get("type") == "stack"]
    assert variables and maxima_errors(variables) == []
    assert maxima_errors(["ta_a: 2*(x + ;"]) == [0]
