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
from exgen.exporters.base import Exporter, ExportResult, FormRendering, lms_form, plugin_export_files, stable_uuid
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


# --- one element per LMS form: part -> question.html fragment -------------------------------------------

def _e_number(part: Part) -> str:
    rtol, atol = _tol(part)
    return (f'<pl-number-input answers-name="{pl_name(part)}" comparison="relabs" rtol="{rtol}" '
            f'atol="{atol}" weight="{_weight(part)}"></pl-number-input>')


def _e_matrix(part: Part) -> str:
    rtol, atol = _tol(part)
    return (f'<pl-matrix-input answers-name="{pl_name(part)}" comparison="relabs" rtol="{rtol}" '
            f'atol="{atol}" weight="{_weight(part)}"></pl-matrix-input>')


def _e_symbolic(part: Part) -> str:
    from exgen.expr.parser import FUNCTIONS

    variables = ",".join(part.options.get("variables", ("x",)))
    custom = ",".join(f for f in FUNCTIONS if f in ("sigmoid", "relu"))
    return (f'<pl-symbolic-input answers-name="{pl_name(part)}" variables="{html.escape(variables)}" '
            f'custom-functions="{custom}" weight="{_weight(part)}"></pl-symbolic-input>')


def _e_string(part: Part) -> str:
    return (f'<pl-string-input answers-name="{pl_name(part)}" placeholder="(2, 3)" '
            f'weight="{_weight(part)}"></pl-string-input>')


def _e_choice(part: Part) -> str:
    name = pl_name(part)
    return (f'<pl-multiple-choice answers-name="{name}" fixed-order="true" weight="{_weight(part)}">\n'
            f'{{{{#params.choices_{name}}}}}<pl-answer correct="{{{{correct}}}}">{{{{{{label}}}}}}</pl-answer>\n'
            f'{{{{/params.choices_{name}}}}}</pl-multiple-choice>')


def _weight(part: Part) -> str:
    return repr(float(part.points))


def question_html(layout: list[Part]) -> str:
    """Return question.html for every part a variant may have; statement and prompts come from ``params``."""
    lines = ['<pl-question-panel>', "  {{{params.statement}}}", "</pl-question-panel>"]
    for part in layout:
        name = pl_name(part)
        element = FORMS[lms_form(part)].element(part)
        lines += [f"{{{{#params.show_{name}}}}}",
                  f'<p><strong>({html.escape(part.id)})</strong> {{{{{{params.prompt_{name}}}}}}}</p>', element,
                  f"{{{{/params.show_{name}}}}}"]
    lines += ['<pl-submission-panel>', '  {{#feedback.exgen}}<p>{{{feedback.exgen}}}</p>{{/feedback.exgen}}',
              '</pl-submission-panel>', '<pl-answer-panel>', "  {{{params.solution}}}", "</pl-answer-panel>"]
    return "\n".join(lines) + "\n"


SERVER_PY = '''"""PrairieLearn question generated by exgen: the variant comes from data["variant_seed"] via exgen."""

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

from exgen.exporters.prairielearn import pl_generate, pl_grade  # noqa: E402


def generate(data):
    pl_generate(data, EXERCISE)


def grade(data):
    pl_grade(data)
'''


# --- runtime (called by server.py inside PrairieLearn) --------------------------------------------------

def _correct_number(part: Part) -> Any:
    return float(part.answer)


def _correct_array(part: Part) -> Any:
    return {"_type": "ndarray", "_value": [[float(x) for x in r] for r in part.answer]
            if isinstance(part.answer[0], (list, tuple)) else [float(x) for x in part.answer],
            "_dtype": "float64"}


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
    chosen = data.get("submitted_answers", {}).get(name)
    labels = {" ".join(html.unescape(rich_html(c["label"], mathjax)).split()): c["key"]
              for c in part.options.get("choices", ())}
    for entry in data.get("params", {}).get(name, []) or []:
        if isinstance(entry, dict) and entry.get("key") == chosen:
            return labels.get(" ".join(html.unescape(str(entry.get("html", ""))).split()))
    return None


def _raw_text(data: dict, part: Part) -> Any:
    return data.get("raw_submitted_answers", {}).get(pl_name(part))


@dataclass(frozen=True, kw_only=True)
class PlForm(FormRendering):
    """How PrairieLearn asks one form: ``element`` writes it into question.html; ``correct`` gives its
    ``correct_answers`` entry (None: the element sets its own, as pl-multiple-choice does from
    ``choices``, the ``params`` list of its options); ``raw`` reads the student's answer for exgen."""

    element: Callable[[Part], str]
    correct: Callable[[Part], Any] | None = _correct_typed
    choices: Callable[[Part], list[dict]] | None = None
    raw: Callable[[dict, Part], Any] = _raw_text


#: The one table from LMS form to PrairieLearn element (docs/lms.md lists the same rows). Every form is
#: graded by exgen's own checker in ``grade``, so none is degraded.
FORMS: dict[LmsForm, PlForm] = {
    LmsForm.NUMBER: PlForm(how="pl-number-input", element=_e_number, correct=_correct_number),
    LmsForm.ARRAY: PlForm(how="pl-matrix-input", element=_e_matrix, correct=_correct_array),
    LmsForm.SHAPE: PlForm(how="pl-string-input", element=_e_string),
    LmsForm.CHOICE: PlForm(how="pl-multiple-choice", element=_e_choice, correct=None, choices=_choice_params,
                           raw=_choice_raw),
    LmsForm.FORMULA: PlForm(how="pl-symbolic-input", element=_e_symbolic),
    LmsForm.TEXT: PlForm(how="pl-string-input", element=_e_string),
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


def pl_grade(data: dict) -> None:
    """PrairieLearn ``grade``: re-grade every part with exgen (same scores and feedback as the CLI)."""
    from exgen.grading.core import grade_instance

    inst = Instance.from_dict(data["params"]["exgen"])
    answers = {p.id: FORMS[lms_form(p)].raw(data, p) for p in inst.parts}
    scores = grade_instance(inst, answers)
    partial = data.setdefault("partial_scores", {})
    total = maximum = 0.0
    for part in inst.parts:
        s = scores[part.id]
        partial[pl_name(part)] = {"score": s.points / s.max_points if s.max_points else 0.0,
                                             "weight": s.max_points, "feedback": s.feedback}
        total, maximum = total + s.points, maximum + s.max_points
    data["score"] = total / maximum if maximum else 0.0
    data.setdefault("feedback", {})["exgen"] = " ".join(
        f"({p.id}) {html.escape(scores[p.id].feedback)}" for p in inst.parts)


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


def build_course_files(bank: BankSpec, *, seed: int) -> dict[str, bytes | str]:
    """Return every file of the export by relative path."""
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
        exercise = {"id": ex.id, "type": ex.type, "title": ex.title, "points": ex.points,
                    "params": dict(ex.params), "grading": dict(ex.grading), "plot": ex.plot, "seed": seed,
                    "bank": bank.id}
        files[f"{folder}/info.json"] = json.dumps(info_json(bank, ex, inst, topic=topic), indent=2) + "\n"
        files[f"{folder}/exercise.json"] = json.dumps(exercise, indent=2, sort_keys=True) + "\n"
        files[f"{folder}/question.html"] = question_html(sorted(layout.values(), key=lambda p: (p.id, p.kind)))
        files[f"{folder}/server.py"] = server_py(plugins)
    topic_list = "\n".join(f'    {{"name": "{t}", "color": "blue1", "description": "exgen"}},'
                           for t in dict.fromkeys(topics))
    files[f"questions/{bank.id}/README.md"] = (
        f"# exgen questions for bank {bank.id} (seed {seed})\n\nAdd these topics to your course's "
        f"infoCourse.json `topics` if they are not there yet:\n\n```json\n{topic_list.rstrip(',')}\n```\n")
    return files


class PrairieLearnExporter(Exporter):
    name = "prairielearn"
    summary = "PrairieLearn: question folders whose server.py draws variants with exgen"
    forms = FORMS
    examples = ("exgen export prairielearn week1.yaml --out ~/pl-course",)
    default_out = "prairielearn-course"
    out_is_folder = True
    out_help = "Course folder: questions/<bank>/ and serverFilesCourse/ are written into it."

    def write(self, bank: BankSpec, *, seed: int, out: str, force: bool, options: Mapping[str, Any]) -> ExportResult:
        from exgen.outputs import OutputDir

        files = build_course_files(bank, seed=seed)
        target = OutputDir(out, force=force)
        target.check_free(sorted(f for f in files if f.startswith("questions/")))
        for rel in sorted(files):  # serverFilesCourse/ is shared by every exported bank: always the current copy
            target.write(rel, files[rel], replace=not rel.startswith("questions/"))
        notes = [f"add the topics listed in questions/{bank.id}/README.md to infoCourse.json"]
        if any(not f.startswith(("serverFilesCourse/exgen", "questions/")) for f in files):
            notes.append("serverFilesCourse/ also holds pure-Python copies of " + ", ".join(VENDORED))
        return ExportResult(files=[f"questions/{bank.id}/", "serverFilesCourse/"], notes=notes,
                            questions=len(bank.exercises))


EXPORTER = PrairieLearnExporter()
