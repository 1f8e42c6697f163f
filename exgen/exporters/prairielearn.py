"""PrairieLearn: one question folder per exercise, drawing its variant from PrairieLearn's seed with exgen.

Output (``--out DIR`` is a course folder, or merged into one)::

    questions/<bank>/<exercise>/info.json      uuid derived from bank + exercise id; type v3
    questions/<bank>/<exercise>/question.html  statement + one element per part
    questions/<bank>/<exercise>/server.py      generate: exgen instance from data["variant_seed"];
                                               grade: exgen's checkers, so feedback matches the CLI
    questions/<bank>/<exercise>/exercise.json  the bank entry and seed the variant is drawn from
    serverFilesCourse/exgen/...                exgen itself (PrairieLearn installs nothing but puts
    serverFilesCourse/{yaml,jinja2,markupsafe,  serverFilesCourse/ on sys.path; numpy and sympy are in
      markdown_it,mdit_py_plugins,mdurl}       its image, these pure-Python packages are not guaranteed)
    serverFilesCourse/exgen_plugins/<label>/   the plug-in folders in use (EXGEN_PLUGINS), named in server.py

Parts are asked by their kind's LMS form through the one table ``FORMS``: a number -> pl-number-input, an
array -> pl-matrix-input, a formula -> pl-symbolic-input, a shape or text -> pl-string-input, a choice ->
pl-multiple-choice. The elements parse (their format errors are shown, not graded); ``grade`` then re-grades every part from
the student's raw text with exgen and overwrites the element scores and feedback.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exgen.answers import LmsForm, get_kind
from exgen.bank.spec import BankSpec, ExerciseSpec
from exgen.exporters.base import (
    Exporter,
    ExportResult,
    FormRendering,
    integer_weights,
    lms_form,
    plugin_export_files,
    stable_uuid,
)
from exgen.instance import Instance, Part

VENDORED = ("yaml", "jinja2", "markupsafe", "markdown_it", "mdit_py_plugins", "mdurl")
#: Folder of serverFilesCourse/ holding the plug-in folders in use at export, beside exgen/.
PLUGINS = "exgen_plugins"
#: Variants sampled at export to learn every (part id, kind) a type can draw; question.html shows each
#: element only when the variant has that part (mustache ``params.show_<name>``).
LAYOUT_SAMPLES = 24


def pl_name(part: Part) -> str:
    """Return the element name of a part (its kind is in the name: some types vary kinds per variant)."""
    return f"{part.id}_{part.kind}"


def _tol(part: Part) -> tuple[str, str]:
    tol = part.tolerance or {}
    absolute = float(tol.get("abs", 0.0))
    if tol.get("decimals") is not None:  # the rounding the worksheet asks for (docs/tolerance.md)
        absolute = max(absolute, 0.5 * 10.0 ** -int(tol["decimals"]))
    rel = float(tol.get("rel", 0.0))
    if tol.get("significant_figures") is not None:  # half a unit of the last figure, relative to the key
        rel = max(rel, 5.0 * 10.0 ** -int(tol["significant_figures"]))
    return repr(rel or 1e-9), repr(absolute or 1e-9)


# --- one element per LMS form: (part, integer weight) -> question.html fragment ------------------------------

def _e_number(part: Part, weight: int) -> str:
    rtol, atol = _tol(part)
    return (f'<pl-number-input answers-name="{pl_name(part)}" comparison="relabs" rtol="{rtol}" '
            f'atol="{atol}" weight="{weight}"></pl-number-input>')


def _e_matrix(part: Part, weight: int) -> str:
    rtol, atol = _tol(part)
    return (f'<pl-matrix-input answers-name="{pl_name(part)}" comparison="relabs" rtol="{rtol}" '
            f'atol="{atol}" weight="{weight}"></pl-matrix-input>')


def _e_symbolic(part: Part, weight: int) -> str:
    from exgen.expr.parser import FUNCTIONS

    variables = ",".join(part.options.get("variables", ("x",)))
    custom = ",".join(f for f in FUNCTIONS if f in ("sigmoid", "relu"))
    return (f'<pl-symbolic-input answers-name="{pl_name(part)}" variables="{html.escape(variables)}" '
            f'custom-functions="{custom}" weight="{weight}"></pl-symbolic-input>')


def _e_string(part: Part, weight: int) -> str:
    return (f'<pl-string-input answers-name="{pl_name(part)}" placeholder="(2, 3)" '
            f'weight="{weight}"></pl-string-input>')


def _e_choice(part: Part, weight: int) -> str:
    name = pl_name(part)
    return (f'<pl-multiple-choice answers-name="{name}" fixed-order="true" weight="{weight}">\n'
            f'{{{{#params.choices_{name}}}}}<pl-answer correct="{{{{correct}}}}">{{{{{{label}}}}}}</pl-answer>\n'
            f'{{{{/params.choices_{name}}}}}</pl-multiple-choice>')


def layout_weights(layout: list[Part]) -> dict[str, int]:
    """Return each element's ``weight``: integers (PrairieLearn's element schemas require them) proportional
    to the parts' points, so that PrairieLearn's weighted score is exgen's points-weighted score."""
    return dict(zip((pl_name(p) for p in layout), integer_weights([p.points for p in layout])))


def question_html(layout: list[Part], weights: Mapping[str, int] | None = None) -> str:
    """Return question.html for every part a variant may have; statement and prompts come from ``params``."""
    weights = weights or layout_weights(layout)
    lines = ['<pl-question-panel>', "  {{{params.statement}}}", "</pl-question-panel>"]
    for part in layout:
        name = pl_name(part)
        element = FORMS[lms_form(part)].element(part, weights[name])
        lines += [f"{{{{#params.show_{name}}}}}",
                  f'<p><strong>({html.escape(part.id)})</strong> {{{{{{params.prompt_{name}}}}}}}</p>', element,
                  f"{{{{/params.show_{name}}}}}"]
    lines += ['<pl-submission-panel>', '  {{#feedback.exgen}}<p>{{{feedback.exgen}}}</p>{{/feedback.exgen}}',
              '</pl-submission-panel>', '<pl-answer-panel>', "  {{{params.solution}}}", "</pl-answer-panel>"]
    return "\n".join(lines) + "\n"


SERVER_PY = '''"""PrairieLearn question generated by exgen: the variant comes from data["variant_seed"] via exgen.

generate draws the instance; parse reads every answer with exgen (format errors are shown, not graded);
grade scores every part with exgen's checkers; test builds the Test button's submissions.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXERCISE = json.loads((HERE / "exercise.json").read_text(encoding="utf-8"))

try:  # PrairieLearn puts serverFilesCourse/ on sys.path; outside it, find the course folder ourselves.
    import exgen  # noqa: F401
except ImportError:
    for _parent in HERE.parents:
        if (_parent / "serverFilesCourse" / "exgen").is_dir():
            sys.path.insert(0, str(_parent / "serverFilesCourse"))
            break

from exgen.exporters.prairielearn import pl_generate, pl_grade, pl_parse, pl_test  # noqa: E402


def generate(data):
    pl_generate(data, EXERCISE)


def parse(data):
    pl_parse(data, EXERCISE)


def grade(data):
    pl_grade(data, EXERCISE)


def test(data):
    pl_test(data, EXERCISE)
'''


# --- runtime (called by server.py inside PrairieLearn) --------------------------------------------------

def _correct_number(part: Part) -> Any:
    return float(part.answer)


def _rows(value: Any) -> list[list[float]]:
    """Return a stored vector (one row) or matrix as a 2-D list: pl-matrix-input's grade() requires a 2-D
    true answer (apps/prairielearn/elements/pl-matrix-input/pl-matrix-input.py: grade())."""
    if value and isinstance(value[0], (list, tuple)):
        return [[float(x) for x in row] for row in value]
    return [[float(x) for x in value]]


def _ndarray(rows: list[list[float]]) -> dict:
    return {"_type": "ndarray", "_value": rows, "_dtype": "float64"}


def _correct_array(part: Part) -> Any:
    return _ndarray(_rows(part.answer))


def _correct_typed(part: Part) -> Any:
    return get_kind(part.kind).typed(part.answer, part)


def _choice_params(part: Part) -> list[dict]:
    from exgen.exporters.html import mathjax, rich_html

    return [{"label": rich_html(c["label"], mathjax), "correct": "true" if c["key"] == part.answer else "false"}
            for c in part.options.get("choices", ())]


def _choice_raw(data: dict, part: Part) -> Any:
    """Map pl-multiple-choice's submitted key (its own) back to ours through the label."""
    from exgen.exporters.html import mathjax, rich_html

    name = pl_name(part)
    chosen = data.get("submitted_answers", {}).get(name, data.get("raw_submitted_answers", {}).get(name))
    labels = {" ".join(html.unescape(rich_html(c["label"], mathjax)).split()): c["key"]
              for c in part.options.get("choices", ())}
    for entry in data.get("params", {}).get(name, []) or []:
        if isinstance(entry, dict) and entry.get("key") == chosen:
            return labels.get(" ".join(html.unescape(str(entry.get("html", ""))).split()))
    return None


def _raw_text(data: dict, part: Part) -> Any:
    return data.get("raw_submitted_answers", {}).get(pl_name(part))


def _rescue_number(part: Part, value: Any) -> Any:
    return float(value)


def _rescue_array(part: Part, value: Any) -> Any:
    rows, _flat = value
    return _ndarray([list(map(float, row)) for row in rows])


def _plus_one(part: Part) -> str:
    return get_kind(part.kind).typed(float(part.answer) + 1 + abs(float(part.answer)), part)


def _array_plus_one(part: Part) -> str:
    rows = _rows(part.answer)
    rows[0][0] += 1 + abs(rows[0][0])
    flat = not (part.answer and isinstance(part.answer[0], (list, tuple)))
    return get_kind(part.kind).typed(rows[0] if flat else rows, part)


def _shape_plus_one(part: Part) -> str:
    dims = [d + 1 if isinstance(d, int) else d + "1" for d in part.answer[:1]] + list(part.answer[1:])
    return get_kind(part.kind).typed(dims, part)


def _formula_plus_one(part: Part) -> str:
    return f"({_correct_typed(part)}) + 1"


def _text_other(part: Part) -> str:
    return _correct_typed(part) + "x"


@dataclass(frozen=True, kw_only=True)
class PlForm(FormRendering):
    """How PrairieLearn asks one form: ``element`` writes it into question.html (given its integer weight);
    ``correct`` gives its ``correct_answers`` entry (None: the element sets its own, as pl-multiple-choice does
    from ``choices``, the ``params`` list of its options); ``raw`` reads the student's answer for exgen.

    ``rescue`` turns exgen's reading of an answer the element refused into the element's own submitted
    answer (None: the element's format error stands); ``exgen_format`` says whether exgen's reader decides
    format errors (False where the element's own choice list does). ``wrong`` and ``malformed`` give the
    Test button's incorrect and invalid answers (None: the element's own test() answer is kept).
    """

    element: Callable[[Part, int], str]
    correct: Callable[[Part], Any] | None = _correct_typed
    choices: Callable[[Part], list[dict]] | None = None
    raw: Callable[[dict, Part], Any] = _raw_text
    rescue: Callable[[Part, Any], Any] | None = None
    exgen_format: bool = True
    wrong: Callable[[Part], str] | None = None
    malformed: str | None = None


#: The one table from LMS form to PrairieLearn element (docs/lms.md lists the same rows). Every form is
#: graded by exgen's own checker in ``grade``, so none is degraded.
FORMS: dict[LmsForm, PlForm] = {
    LmsForm.NUMBER: PlForm(how="pl-number-input", element=_e_number, correct=_correct_number,
                           rescue=_rescue_number, wrong=_plus_one, malformed="..5"),
    LmsForm.ARRAY: PlForm(how="pl-matrix-input", element=_e_matrix, correct=_correct_array, rescue=_rescue_array,
                          wrong=_array_plus_one, malformed="[[1, 2], [3"),
    LmsForm.SHAPE: PlForm(how="pl-string-input", element=_e_string, wrong=_shape_plus_one, malformed="(2, ?)"),
    LmsForm.CHOICE: PlForm(how="pl-multiple-choice", element=_e_choice, correct=None, choices=_choice_params,
                           raw=_choice_raw, exgen_format=False),
    LmsForm.FORMULA: PlForm(how="pl-symbolic-input", element=_e_symbolic, wrong=_formula_plus_one,
                            malformed="x +* ("),
    LmsForm.TEXT: PlForm(how="pl-string-input", element=_e_string, wrong=_text_other, malformed=""),
}


def server_py(plugins: list[str]) -> str:
    """Return a question's server.py; with plug-ins, it names their folders under ``exgen_plugins/``."""
    if not plugins:
        return SERVER_PY
    call = "\n\ndef generate(data):\n    pl_generate(data, EXERCISE)\n"
    if call not in SERVER_PY:  # a bug: SERVER_PY changed without this function
        raise RuntimeError("server_py: SERVER_PY no longer holds the generate() call it rewrites")
    return SERVER_PY.replace(call, (
        f"\n#: Plug-in folders shipped beside exgen in serverFilesCourse/{PLUGINS}/ (exgen export prairielearn).\n"
        f"PLUGINS = {json.dumps(plugins)}\n\n\ndef generate(data):\n    pl_generate(data, EXERCISE, plugins=PLUGINS)\n"))


def _shipped_plugins(labels: list[str]) -> list[Path]:
    """Return the folders of plug-ins shipped beside this exgen (serverFilesCourse/exgen_plugins/<label>)."""
    import exgen

    base = Path(exgen.__file__).resolve().parents[1] / PLUGINS
    for label in labels:
        if not isinstance(label, str) or not label or any(c in label for c in "/\\") or label in (".", ".."):
            raise ValueError(f"bad plug-in label {label!r}")
    return [base / label for label in labels]


def pl_generate(data: dict, exercise: dict, plugins: list[str] | tuple[str, ...] = ()) -> None:
    """PrairieLearn ``generate``: draw the instance for this variant and fill params and correct_answers.

    ``plugins`` names the plug-in folders the export shipped (see ``server_py``).
    """
    from exgen.discovery import using_plugins

    with using_plugins(_shipped_plugins(list(plugins))):
        _generate(data, exercise)


def _generate(data: dict, exercise: dict) -> None:
    from exgen.build.pipeline import build_instance
    from exgen.exporters.html import mathjax, rich_html, solution_html, statement_html

    spec = ExerciseSpec(id=exercise["id"], type=exercise["type"], title=exercise.get("title"),
                        points=exercise.get("points"), params=exercise.get("params") or {},
                        grading=exercise.get("grading") or {}, plot=bool(exercise.get("plot")))
    inst = build_instance(spec, seed=int(exercise["seed"]), student_id=f"prairielearn-{int(data['variant_seed'])}")
    params, correct = data.setdefault("params", {}), data.setdefault("correct_answers", {})
    params["exgen"] = inst.to_dict()
    params["statement"] = statement_html(inst, mathjax)
    params["solution"] = solution_html(inst, mathjax)
    for part in inst.parts:
        form = FORMS[lms_form(part)]
        params[f"show_{pl_name(part)}"] = True
        params[f"prompt_{pl_name(part)}"] = rich_html(part.prompt, mathjax)
        if form.choices is not None:
            params[f"choices_{pl_name(part)}"] = form.choices(part)
        if form.correct is not None:
            correct[pl_name(part)] = form.correct(part)


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def pl_parse(data: dict, exercise: dict | None = None) -> None:
    """PrairieLearn ``parse`` (after the elements' own): exgen reads every answer the way ``exgen grade`` does.

    An answer exgen cannot read is a format error (shown to the student, not graded), also where the element
    took any text (pl-string-input); an answer exgen reads that the element refused (``1 2; 3 4`` in
    pl-matrix-input) becomes the element's submitted answer, so every form exgen documents is accepted.
    """
    from exgen.errors import FormatError

    inst = Instance.from_dict(data["params"]["exgen"])
    errors = data.setdefault("format_errors", {})
    submitted = data.setdefault("submitted_answers", {})
    for part in inst.parts:
        form, name = FORMS[lms_form(part)], pl_name(part)
        if not form.exgen_format:
            continue
        raw = form.raw(data, part)
        if _blank(raw):
            errors.setdefault(name, "No answer given.")
            continue
        kind = get_kind(part.kind)
        try:
            value = kind.parse(raw, part)
        except FormatError as err:
            errors.setdefault(name, html.escape(f"Could not read the answer: {err}. Expected {kind.expected_form(part)}."))
            continue
        if name in errors and form.rescue is not None:
            submitted[name] = form.rescue(part, value)
            del errors[name]


def _weights(exercise: dict | None, inst: Instance) -> dict[str, int]:
    stored = (exercise or {}).get("weights") or {}
    fallback = layout_weights(list(inst.parts))
    return {pl_name(p): int(stored.get(pl_name(p), fallback[pl_name(p)])) for p in inst.parts}


def _scores(data: dict, inst: Instance, weights: Mapping[str, int]) -> tuple[dict, float, dict]:
    """Return (partial_scores, weighted score, exgen scores) of the answers in ``data``."""
    from exgen.grading.core import grade_instance

    answers = {p.id: FORMS[lms_form(p)].raw(data, p) for p in inst.parts}
    scores = grade_instance(inst, answers)
    partial: dict[str, dict[str, Any]] = {}
    for part in inst.parts:
        s = scores[part.id]
        partial[pl_name(part)] = {"score": s.points / s.max_points if s.max_points else 0.0,
                                  "weight": weights[pl_name(part)], "feedback": s.feedback}
    total = sum(int(v["weight"]) for v in partial.values())
    score = sum(float(v["score"]) * int(v["weight"]) for v in partial.values()) / total if total else 0.0
    return partial, score, scores


def pl_grade(data: dict, exercise: dict | None = None) -> None:
    """PrairieLearn ``grade``: re-grade every part with exgen (same scores and feedback as the CLI).

    Each part keeps its element's integer ``weight`` (proportional to its points), so the score PrairieLearn
    computes from ``partial_scores`` and the one set here are the same.
    """
    inst = Instance.from_dict(data["params"]["exgen"])
    partial, score, scores = _scores(data, inst, _weights(exercise, inst))
    data.setdefault("partial_scores", {}).update(partial)
    data["score"] = score
    data.setdefault("feedback", {})["exgen"] = " ".join(
        f"({p.id}) {html.escape(scores[p.id].feedback)}" for p in inst.parts)


def pl_test(data: dict, exercise: dict | None = None) -> None:
    """PrairieLearn ``test`` (the instructor's Test button), after the elements' own ``test``.

    ``correct``: exgen's key typed as a student would, every part expected at full marks; ``incorrect``: a
    known mistake (else the key moved by more than its tolerance), expected as exgen scores it (below full);
    ``invalid``: text neither the element nor exgen reads, expected as a format error on every part.
    Choice parts keep the answer pl-multiple-choice's own test() chose.
    """
    inst = Instance.from_dict(data["params"]["exgen"])
    kind_of = data.get("test_type")
    raw = data.setdefault("raw_submitted_answers", {})
    errors = data.setdefault("format_errors", {})
    for part in inst.parts:
        form, name = FORMS[lms_form(part)], pl_name(part)
        if kind_of == "correct" and form.correct is not None:
            raw[name] = _correct_typed(part)
        elif kind_of == "incorrect" and form.wrong is not None:
            raw[name] = _test_wrong(part, form)
        elif kind_of == "invalid":
            if form.malformed is not None:
                raw[name] = form.malformed
            errors[name] = "Invalid answer (exgen test)."
    if kind_of == "invalid":
        return
    partial, score, _ = _scores(data, inst, _weights(exercise, inst))
    if kind_of == "correct" and any(v["score"] < 1 for v in partial.values()):
        bad = [name for name, v in partial.items() if v["score"] < 1]
        raise ValueError(f"exgen test(): the key does not score full marks for {', '.join(bad)}")
    data["partial_scores"] = partial
    data["score"] = score


def _test_wrong(part: Part, form: PlForm) -> str:
    """Return a known wrong answer of the part's own kind, else the form's perturbation of the key."""
    from exgen.answers import grade_part

    kind = get_kind(part.kind)
    for wrong in part.wrong_answers:
        if wrong.kind in (None, part.kind):
            text = kind.typed(wrong.value, part)
            if grade_part(part, text).points < part.points:
                return text
    if form.wrong is None:  # a bug: pl_test only asks forms that declare a perturbation
        raise ValueError(f"no wrong answer for a {part.kind} part")
    return form.wrong(part)


# --- export ---------------------------------------------------------------------------------------------

def info_json(bank: BankSpec, ex: ExerciseSpec, inst: Instance, *, topic: str) -> dict:
    """Return a question's info.json (valid against PrairieLearn's infoQuestion.json)."""
    return {"uuid": stable_uuid("prairielearn", bank.id, ex.id), "type": "v3", "title": inst.title,
            "topic": topic, "tags": ["exgen", ex.type], "gradingMethod": "Internal", "partialCredit": True,
            "singleVariant": False}


def _vendored_files() -> dict[str, bytes]:
    """Return the pure-Python files of VENDORED packages (compiled speed-ups left out) and their licences."""
    import importlib.util
    from importlib import metadata

    files: dict[str, bytes] = {}
    dists = {"yaml": "PyYAML", "jinja2": "Jinja2", "markupsafe": "MarkupSafe", "markdown_it": "markdown-it-py",
             "mdit_py_plugins": "mdit-py-plugins", "mdurl": "mdurl"}
    for name in VENDORED:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        root = Path(list(spec.submodule_search_locations)[0])
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" not in path.parts:
                files[f"{name}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
        try:
            for f in metadata.files(dists[name]) or []:
                if "LICENSE" in f.name.upper() or "COPYING" in f.name.upper():
                    files[f"{name}/LICENSE-{f.name}"] = Path(f.locate()).read_bytes()
        except (metadata.PackageNotFoundError, OSError):
            pass
    return files


#: Course instance and assessment set a fresh export puts its assessment in (infoCourseInstance.json).
INSTANCE = "exgen"
ASSESSMENT_SET = "Homework"


def course_json(bank: BankSpec, topics: list[str]) -> dict:
    """Return a minimal infoCourse.json (PrairieLearn's infoCourse.json schema) for a fresh course folder."""
    return {"uuid": stable_uuid("prairielearn-course", bank.id), "name": bank.id[:32], "title": bank.title,
            "topics": [{"name": t, "color": "blue1", "description": "exgen"} for t in topics]}


def instance_json(bank: BankSpec) -> dict:
    """Return infoCourseInstance.json of the course instance a fresh export writes (staff access only)."""
    return {"uuid": stable_uuid("prairielearn-instance", bank.id), "longName": f"{bank.title} (exgen)",
            "shortName": INSTANCE}


def assessment_json(bank: BankSpec, seed: int) -> dict:
    """Return infoAssessment.json: a homework with every exercise, worth its points (infoAssessment.json schema)."""
    return {"uuid": stable_uuid("prairielearn-assessment", bank.id, str(seed)), "type": "Homework",
            "title": bank.title, "set": ASSESSMENT_SET, "number": "1",
            "zones": [{"questions": [{"id": f"{bank.id}/{ex.id}", "points": ex.points or 1.0}
                                     for ex in bank.exercises]}]}


def build_course_files(bank: BankSpec, *, seed: int, course: bool = True) -> dict[str, bytes | str]:
    """Return every file of the export by relative path.

    ``course``: also the course files a fresh folder needs to sync (infoCourse.json, a course instance and an
    assessment holding the questions); an export into an existing course leaves those to the instructor.
    """
    from exgen.build.pipeline import build_instance
    from exgen.exporters.gradescope import _package_files
    from exgen.types import get_type

    files: dict[str, bytes | str] = {}
    for rel, data in _package_files().items():
        files[f"serverFilesCourse/{rel}"] = data
    plugin_files, plugins = plugin_export_files(f"serverFilesCourse/{PLUGINS}")
    files.update(plugin_files)
    for rel, data in _vendored_files().items():
        files[f"serverFilesCourse/{rel}"] = data
    topics = []
    for ex in bank.exercises:
        layout: dict[tuple[str, str], Part] = {}
        for k in range(LAYOUT_SAMPLES):
            sample = build_instance(ex, seed=seed, student_id=f"prairielearn-layout-{k}")
            for part in sample.parts:
                layout.setdefault((part.id, part.kind), part)
        inst = sample
        topic = get_type(ex.type).topic
        topics.append(topic)
        folder = f"questions/{bank.id}/{ex.id}"
        parts = sorted(layout.values(), key=lambda p: (p.id, p.kind))
        weights = layout_weights(parts)
        exercise = {"id": ex.id, "type": ex.type, "title": ex.title, "points": ex.points,
                    "params": dict(ex.params), "grading": dict(ex.grading), "plot": ex.plot, "seed": seed,
                    "bank": bank.id, "weights": weights}
        files[f"{folder}/info.json"] = json.dumps(info_json(bank, ex, inst, topic=topic), indent=2) + "\n"
        files[f"{folder}/exercise.json"] = json.dumps(exercise, indent=2, sort_keys=True) + "\n"
        files[f"{folder}/question.html"] = question_html(parts, weights)
        files[f"{folder}/server.py"] = server_py(plugins)
    topics = list(dict.fromkeys(topics))
    assessment = assessment_json(bank, seed)
    files[f"questions/{bank.id}/README.md"] = (
        f"# exgen questions for bank {bank.id} (seed {seed})\n\nIn an existing course, add these topics to "
        f"infoCourse.json `topics` if they are not there yet:\n\n```json\n"
        + json.dumps(course_json(bank, topics)["topics"], indent=2) + "\n```\n\nand an assessment "
        f"(`courseInstances/<instance>/assessments/{bank.id}/infoAssessment.json`) such as:\n\n```json\n"
        + json.dumps(assessment, indent=2) + "\n```\n")
    if course:
        files["infoCourse.json"] = json.dumps(course_json(bank, topics), indent=2) + "\n"
        files[f"courseInstances/{INSTANCE}/infoCourseInstance.json"] = json.dumps(instance_json(bank), indent=2) + "\n"
    files[f"courseInstances/{INSTANCE}/assessments/{bank.id}/infoAssessment.json"] = \
        json.dumps(assessment, indent=2) + "\n"
    return files


class PrairieLearnExporter(Exporter):
    name = "prairielearn"
    summary = "PrairieLearn: question folders whose server.py draws variants with exgen"
    forms = FORMS
    examples = ("exgen export prairielearn week1.yaml --out ~/pl-course",)
    default_out = "prairielearn-course"
    out_is_folder = True
    out_help = ("Course folder: questions/<bank>/ and serverFilesCourse/ are written into it (a new folder also "
                "gets infoCourse.json, a course instance and an assessment, so that it syncs as it is).")

    def write(self, bank: BankSpec, *, seed: int, out: str, force: bool, options: Mapping[str, Any]) -> ExportResult:
        from exgen.outputs import OutputDir

        fresh = not (Path(out) / "infoCourse.json").exists()
        files = build_course_files(bank, seed=seed, course=fresh)
        if not fresh and not (Path(out) / "courseInstances" / INSTANCE).is_dir():
            files = {k: v for k, v in files.items() if not k.startswith("courseInstances/")}
        target = OutputDir(out, force=force)
        shared = ("questions/", "courseInstances/")
        target.check_free(sorted(f for f in files if f.startswith(shared)))
        for rel in sorted(files):  # serverFilesCourse/ is shared by every exported bank: always the current copy
            target.write(rel, files[rel], replace=not rel.startswith(shared))
        if fresh:
            notes = [f"a new course: infoCourse.json, course instance {INSTANCE} (staff access only until you add "
                     f"students) and assessment {bank.id}"]
        else:
            notes = [f"existing course: add the topics and the assessment listed in questions/{bank.id}/README.md"]
        if any(not f.startswith(("serverFilesCourse/exgen", "questions/")) for f in files):
            notes.append("serverFilesCourse/ also holds pure-Python copies of " + ", ".join(VENDORED))
        return ExportResult(files=[f"questions/{bank.id}/", "serverFilesCourse/"], notes=notes,
                            questions=len(bank.exercises))


EXPORTER = PrairieLearnExporter()
