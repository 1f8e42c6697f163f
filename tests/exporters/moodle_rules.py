"""A structural check of Moodle XML, mirroring what Moodle's importer needs (lms-formats.md, section 2).

Moodle publishes no schema; its importer (``question/format/xml/format.php``) and the Cloze parser
(``question/type/multianswer/questiontype.php``) are the specification. This module re-states their rules
from that description (it is not a port of the GPL code): the XML declaration first, ``<quiz>`` root, a
known ``type`` per question, a non-empty ``name/text`` and ``questiontext/text``, numerical answers that are
a number or ``*`` with a ``fraction`` percentage and a non-negative ``tolerance``, and Cloze sub-questions
``{weight:TYPE:alternatives}`` whose alternatives parse, NUMERICAL values matching Moodle's number pattern,
MULTICHOICE with at least two answers and every sub-question with a full-mark answer.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

QUESTION_TYPES = {"multichoice", "truefalse", "shortanswer", "numerical", "description", "matching", "match",
                  "cloze", "multianswer", "essay", "calculated", "calculatedsimple", "calculatedmulti", "category",
                  "stack"}  # a plug-in type: format.php hands it to qtype_stack::import_from_xml
TEXT_FORMATS = {"html", "moodle_auto_format", "plain_text", "markdown", "wiki_like"}
CLOZE_TYPES = {"NUMERICAL", "NM", "SHORTANSWER", "SA", "MW", "SHORTANSWER_C", "SAC", "MWC", "MULTICHOICE", "MC",
               "MULTICHOICE_V", "MCV", "MULTICHOICE_H", "MCH", "MULTICHOICE_S", "MCS", "MULTICHOICE_VS", "MCVS",
               "MULTICHOICE_HS", "MCHS", "MULTIRESPONSE", "MR", "MULTIRESPONSE_H", "MRH", "MULTIRESPONSE_S",
               "MRS", "MULTIRESPONSE_HS", "MRHS"}
_NUMERICAL = {"NUMERICAL", "NM"}
_CHOICE = {t for t in CLOZE_TYPES if t.startswith(("MULTICHOICE", "MC", "MULTIRESPONSE", "MR"))}
#: The number form Moodle's Cloze parser accepts for a NUMERICAL value (decimal comma allowed).
NUMBER_RE = re.compile(r"^-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)$")
#: A sub-question: ``{`` optional weight ``:`` TYPE ``:`` body up to the first unescaped ``}``.
SUBQUESTION_RE = re.compile(r"\{([0-9]*):([A-Z_]+):((?:\\.|[^\\}])*)\}")
#: Anything that starts like a sub-question (to report ones that do not parse).
_STARTS_LIKE = re.compile(r"\{[0-9]*:[A-Za-z_]+:")
_GRADE_RE = re.compile(r"^(=|%(-?[0-9]+(?:[.,][0-9]*)?)%)?(.*)$", re.DOTALL)


def _split_unescaped(text: str, sep: str) -> list[str]:
    out, cur, i = [], "", 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur += text[i : i + 2]
            i += 2
            continue
        if ch == sep:
            out.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    out.append(cur)
    return out


def check_cloze_text(text: str) -> list[str]:
    """Return the problems of a Cloze question text (empty when Moodle would accept every sub-question)."""
    problems: list[str] = []
    subs = list(SUBQUESTION_RE.finditer(text))
    if not subs:
        return ["no embedded sub-question like {1:NUMERICAL:=2:0.1}"]
    covered = {m.start() for m in subs}
    for m in _STARTS_LIKE.finditer(text):
        if m.start() not in covered:
            problems.append(f"malformed sub-question at {text[m.start():m.start() + 30]!r}")
    for n, m in enumerate(subs, start=1):
        kind, body = m.group(2), m.group(3)
        where = f"sub-question {n} ({kind})"
        if kind not in CLOZE_TYPES:
            problems.append(f"{where}: unknown type")
            continue
        alts = [a for a in _split_unescaped(body, "~")]
        if not any(a.strip() for a in alts):
            problems.append(f"{where}: no answer")
            continue
        full = False
        for alt in alts:
            answer = _split_unescaped(alt, "#")[0]
            g = _GRADE_RE.match(answer)
            prefix, pct, value = g.group(1), g.group(2), g.group(3).strip()
            if prefix == "=" or (pct is not None and float(pct.replace(",", ".")) == 100):
                full = True
            if kind in _NUMERICAL:
                if value == "*":
                    continue
                num, _, tol = value.partition(":")
                if not NUMBER_RE.match(num.strip()):
                    problems.append(f"{where}: {num!r} is not a number or *")
                if tol and not NUMBER_RE.match(tol.strip()):
                    problems.append(f"{where}: tolerance {tol!r} is not a number")
            elif not value:
                problems.append(f"{where}: empty answer")
        if kind in _CHOICE and len(alts) < 2:
            problems.append(f"{where}: a multiple-choice sub-question needs at least two answers")
        if not full:
            problems.append(f"{where}: no full-mark (=) answer")
    return problems


def _text(el: ET.Element | None, path: str) -> str | None:
    if el is None:
        return None
    found = el.find(path)
    return found.text if found is not None else None


def _is_float(text: str | None) -> bool:
    try:
        float(text)  # type: ignore[arg-type]
        return True
    except (TypeError, ValueError):
        return False


def _check_numerical(q: ET.Element, where: str) -> list[str]:
    problems, full = [], False
    answers = q.findall("answer")
    if not answers:
        return [f"{where}: numerical question without <answer>"]
    for k, a in enumerate(answers, start=1):
        frac, text = a.get("fraction"), _text(a, "text")
        if not _is_float(frac) or not -100 <= float(frac) <= 100:
            problems.append(f"{where}: answer {k}: fraction {frac!r} is not a percentage")
        elif float(frac) == 100:
            full = True
        if text is None or (text.strip() != "*" and not _is_float(text)):
            problems.append(f"{where}: answer {k}: {text!r} is not a number or *")
        tol = _text(a, "tolerance")
        if tol is not None and (not _is_float(tol) or float(tol) < 0):
            problems.append(f"{where}: answer {k}: tolerance {tol!r} is not a non-negative number")
    if not full:
        problems.append(f"{where}: no answer with fraction 100")
    for field in ("unitgradingtype", "unitpenalty", "showunits", "unitsleft"):
        value = _text(q, field)
        if value is not None and not _is_float(value):
            problems.append(f"{where}: <{field}> {value!r} is not a number")
    return problems


def check_moodle_xml(data: bytes | str) -> list[str]:
    """Return every problem Moodle's importer would trip on (an empty list means the file passes)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ["not UTF-8"]
    if not text.startswith("<?xml"):
        return ["the <?xml ...?> declaration must be the first line"]
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as err:
        return [f"not well-formed XML: {err}"]
    if root.tag != "quiz":
        return [f"root element is <{root.tag}>, expected <quiz>"]
    problems: list[str] = []
    for n, q in enumerate(root, start=1):
        where = f"question {n}"
        if q.tag != "question":
            problems.append(f"{where}: unexpected <{q.tag}> under <quiz>")
            continue
        qtype = q.get("type")
        if qtype not in QUESTION_TYPES:
            problems.append(f"{where}: unknown type {qtype!r}")
            continue
        if qtype == "category":
            if not (_text(q, "category/text") or "").strip():
                problems.append(f"{where}: category without category/text")
            continue
        name = _text(q, "name/text")
        where = f"question {n} ({name!r})"
        if not (name or "").strip():
            problems.append(f"question {n}: missing name/text (Moodle refuses the import)")
        qt = q.find("questiontext")
        if qt is None or qt.find("text") is None:
            problems.append(f"{where}: missing questiontext/text")
            continue
        if qt.get("format", "html") not in TEXT_FORMATS:
            problems.append(f"{where}: unknown questiontext format {qt.get('format')!r}")
        for field in ("defaultgrade", "penalty"):
            value = _text(q, field)
            if value is not None and not _is_float(value):
                problems.append(f"{where}: <{field}> {value!r} is not a number")
        if qtype == "numerical":
            problems += _check_numerical(q, where)
        elif qtype in ("cloze", "multianswer"):
            problems += [f"{where}: {p}" for p in check_cloze_text(qt.findtext("text") or "")]
        elif qtype == "stack":
            problems += [f"{where}: {p}" for p in check_stack_question(q)]
    return problems


# --- what Moodle stores and compares: qtype_multianswer_extract_question() and compare_string_with_wildcard() ---
#
# Re-stated from moodle/moodle question/type/multianswer/questiontype.php (5.0dev and 4.1.10 read, see
# /work/harness/moodle): ANSWER_ALTERNATIVE_ANSWER_REGEX '.+?(?<!\\|&|&amp;)(?=[~#}]|$)' ends an answer at
# the first ~, # or } not preceded by a backslash (or & / &amp;); ANSWER_ALTERNATIVE_FEEDBACK_REGEX
# '.*?(?<!\\)(?=[~}]|$)' ends feedback at ~ or }; then qtype_multianswer_extract_question() unescapes only
# '\}' and '\#' in answers and feedback.

_FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
_ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
_FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
_ALTERNATIVE = rf"({_FRACTION})?({_ANSWER})(#({_FEEDBACK}))?"
_TYPES = ("NUMERICAL|NM|MULTICHOICE|MC|MULTICHOICE_V|MCV|MULTICHOICE_H|MCH|SHORTANSWER|SA|MW|SHORTANSWER_C|SAC|MWC"
          "|MULTICHOICE_S|MCS|MULTICHOICE_VS|MCVS|MULTICHOICE_HS|MCHS|MULTIRESPONSE|MR|MULTIRESPONSE_H|MRH"
          "|MULTIRESPONSE_S|MRS|MULTIRESPONSE_HS|MRHS")
ANSWER_REGEX = re.compile(rf"\{{([0-9]*):({_TYPES}):({_ALTERNATIVE}(~{_ALTERNATIVE})*)\}}", re.DOTALL)
_ALTERNATIVE_RE = re.compile(rf"~?{_ALTERNATIVE}", re.DOTALL)


def _unescape(text: str) -> str:
    return text.replace("\\}", "}").replace("\\#", "#")


def extract_subquestions(text: str) -> list[dict]:
    """Return each sub-question as Moodle stores it: {type, weight, answers: [(fraction, answer, feedback)]}."""
    found = []
    for m in ANSWER_REGEX.finditer(text):
        answers = []
        for alt in _ALTERNATIVE_RE.finditer(m.group(3)):
            fraction = 1.0 if alt.group(1) == "=" else float((alt.group(2) or "0").replace(",", ".")) / 100
            answers.append((fraction, _unescape(alt.group(3)), _unescape(alt.group(5) or "")))
        found.append({"type": m.group(2), "weight": int(m.group(1) or 1), "answers": answers})
    return found


def compare_string_with_wildcard(string: str, pattern: str, ignorecase: bool = True) -> bool:
    """question/type/shortanswer/question.php: compare_string_with_wildcard(): split the pattern on unescaped
    runs of '*', unescape '\\*' in each bit, quote it, join with '.*' and match the trimmed string."""
    import unicodedata

    bits = re.split(r"(?<!\\)\*+", unicodedata.normalize("NFC", pattern))
    regexp = "^" + ".*".join(re.escape(b.replace("\\*", "*")) for b in bits) + "$"
    return re.match(regexp, unicodedata.normalize("NFC", string).strip(), re.IGNORECASE if ignorecase else 0) is not None


def shortanswer_fraction(response: str, answers: list[tuple[float, str, str]]) -> float:
    """qtype_shortanswer_question::get_matching_answer(): the first answer whose pattern matches, its fraction."""
    for fraction, answer, _fb in answers:
        if compare_string_with_wildcard(response, answer):
            return fraction
    return 0.0


def file_link_problems(data: str) -> list[str]:
    """question/format/xml/format.php: import_text_with_files() imports the ``<file>`` children of the same
    text element (import_files_as_draft); an ``@@PLUGINFILE@@/name`` link without one is a broken picture."""
    import base64

    problems = []
    for n, q in enumerate(ET.fromstring(data.encode("utf-8")), start=1):
        qt = q.find("questiontext")
        if qt is None:
            continue
        files = {f.get("name"): f for f in qt.findall("file")}
        for name in re.findall(r"@@PLUGINFILE@@/([^\"'?#\s>]+)", qt.findtext("text") or ""):
            f = files.get(name)
            if f is None:
                problems.append(f"question {n}: {name} is linked but not in its <questiontext>")
            elif f.get("encoding") != "base64" or not base64.b64decode(f.text or "").lstrip().startswith(b"<svg"):
                problems.append(f"question {n}: {name} is not a base64 SVG file")
    return problems


# --- STACK (qtype_stack): maths/moodle-qtype_stack@a14f3034 ---------------------------------------------------
#: stack/answertest/controller.class.php $pops: for each answer test, [0] = whether it requires options.
STACK_TESTS_NEED_OPTIONS = {"AlgEquiv": False, "CasEqual": False, "String": False, "NumAbsolute": True,
                            "NumRelative": True, "SubstEquiv": False}


def check_stack_question(q: ET.Element) -> list[str]:
    """Return what STACK would refuse in a ``<question type="stack">``.

    questiontype.php validation (the rules every saved question passes): each input's ``[[input:X]]`` and
    ``[[validation:X]]`` appear exactly once in the question text; each PRT's ``[[feedback:P]]`` once in the
    question text and specific feedback together; no placeholder in the general feedback. Import
    (import_from_xml / import_xml_prt): inputs and PRTs have names; a node's answer test is one STACK knows,
    with options when the test needs them (controller.class.php $pops); its next nodes exist. Question
    variables define every teacher answer the inputs and nodes name (or a PRT's feedback variables do); the
    question tests name real inputs and PRTs.
    """
    problems = []
    text = q.findtext("questiontext/text") or ""
    specific = q.findtext("specificfeedback/text") or ""
    variables = q.findtext("questionvariables/text") or ""
    defined = set(re.findall(r"(?:^|;)\s*([A-Za-z_%][A-Za-z0-9_]*)\s*:(?!=)", variables))
    inputs = [i.findtext("name") for i in q.findall("input")]
    prts = [p.findtext("name") for p in q.findall("prt")]
    if not inputs or any(not n for n in inputs) or any(not n for n in prts):
        problems.append("an input or PRT without a name")
    for name in inputs:
        for tag in (f"[[input:{name}]]", f"[[validation:{name}]]"):
            if text.count(tag) != 1:
                problems.append(f"the question text must contain {tag} exactly once")
    for inp in q.findall("input"):
        tans = (inp.findtext("tans") or "").strip()
        if tans not in defined:
            problems.append(f"input {inp.findtext('name')}: teacher answer {tans!r} is not a question variable")
    for prt in q.findall("prt"):
        name = prt.findtext("name")
        if (text + specific).count(f"[[feedback:{name}]]") != 1:
            problems.append(f"[[feedback:{name}]] must appear exactly once in the question text and specific feedback")
        local = set(re.findall(r"(?:^|;)\s*([A-Za-z_][A-Za-z0-9_]*)\s*:(?!=)", prt.findtext("feedbackvariables/text") or ""))
        nodes = prt.findall("node")
        names = {n.findtext("name") for n in nodes}
        for node in nodes:
            where = f"{name} node {node.findtext('name')}"
            test = node.findtext("answertest")
            if test not in STACK_TESTS_NEED_OPTIONS:
                problems.append(f"{where}: answer test {test!r} is not one exgen writes for STACK")
            elif STACK_TESTS_NEED_OPTIONS[test] and not (node.findtext("testoptions") or "").strip():
                problems.append(f"{where}: {test} needs options")
            for side in ("sans", "tans"):
                ref = (node.findtext(side) or "").strip()
                if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", ref) and ref not in defined | local | set(inputs) | {"true"}:
                    problems.append(f"{where}: {side} {ref!r} is neither an input nor a variable")
            for nxt in (node.findtext("truenextnode"), node.findtext("falsenextnode")):
                if nxt != "-1" and nxt not in names:
                    problems.append(f"{where}: next node {nxt} does not exist")
    for test in q.findall("qtest"):
        for ti in test.findall("testinput"):
            if ti.findtext("name") not in inputs:
                problems.append(f"question test input {ti.findtext('name')!r} is not an input")
        for exp in test.findall("expected"):
            if exp.findtext("name") not in prts:
                problems.append(f"question test expects unknown PRT {exp.findtext('name')!r}")
    if re.search(r"\[\[(input|validation|feedback):", q.findtext("generalfeedback/text") or ""):
        problems.append("the general feedback must hold no placeholder")
    return problems
