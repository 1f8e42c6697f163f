"""Command line: thin click commands over the library. The one place that turns user errors into messages."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from exgen import __version__
from exgen.errors import BankError, ExgenError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _interactive() -> bool:
    return sys.stderr.isatty()


@contextmanager
def _progress(total: int, label: str, *, quiet: bool):
    """Yield an ``advance(n)`` callable; shows a bar only on a terminal and for more than a few items."""
    if quiet or not _interactive() or total < 5:
        yield lambda n: None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def resolve_bank_path(bank: str | None) -> Path:
    """Return the path of a bank given as a file or as a built-in bank's name (default: dl-math-basics)."""
    from exgen.resources import DEFAULT_BANK, builtin_banks

    name = bank or DEFAULT_BANK
    path = Path(name)
    if path.is_file():
        return path
    builtin = builtin_banks()
    if name in builtin:
        return builtin[name]
    if path.suffix in (".yaml", ".yml") or "/" in name:
        raise click.UsageError(f"bank file {name} does not exist")
    raise click.UsageError(f"no bank file or built-in bank named {name!r}; built-in: {', '.join(builtin)}")


def _formats(value: str, allowed) -> list[str]:
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in chosen if v not in allowed]
    if bad or not chosen:
        raise click.BadParameter(f"expected a comma-separated list of {', '.join(allowed)}, got {value!r}",
                                 param_hint="--format")
    return list(dict.fromkeys(chosen))


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="exgen")
def cli() -> None:
    """Randomized, per-student exercises on the mathematics of deep learning.

    \b
    Examples:
      exgen generate --count 3 --out out        # 3 worksheets + keys from the default bank
      exgen validate my-bank.yaml               # check a bank, every problem with file:line
      exgen list                                # exercise types and built-in banks
      exgen preview dot_product --seed 7        # one instance with its answer
    """


@cli.command(context_settings=CONTEXT)
@click.argument("bank", required=False)
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Override the bank's seed.")
@click.option("--roster", type=click.Path(dir_okay=False), help="CSV with a header 'id,name'.")
@click.option("--count", type=click.IntRange(1, 100_000), help="Number of anonymous students (default 1).")
@click.option("--format", "formats", default="md,tex", show_default=True,
              help="Comma-separated formats: md, tex, html, pdf (pdf needs pdflatex).")
@click.option("--combined", is_flag=True,
              help="Also write pdf/class-worksheets.pdf and pdf/class-keys.pdf: the whole class, each student "
                   "from a new page, for printing.")
@click.option("--out", default="exgen-out", show_default=True, type=click.Path(file_okay=False),
              help="Output folder; nothing is written outside it.")
@click.option("--force", is_flag=True, help="Overwrite existing files in --out.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def generate(bank, seed, roster, count, formats, out, force, quiet, combined) -> None:
    """Generate a worksheet and an answer key per student, plus answer_key.json.

    BANK is a bank file or a built-in bank's name (default: dl-math-basics).

    \b
    Examples:
      exgen generate --count 30 --out week1
      exgen generate week1.yaml --roster class.csv --format md,tex --out week1 --force
      exgen generate dot_product --seed 42 --count 5
      exgen generate --roster class.csv --format pdf,html --combined --out week1
    """
    from exgen.api import generate as run
    from exgen.bank.roster import numbered, read_roster
    from exgen.bank.spec import load_bank
    from exgen.outputs import OutputDir
    from exgen.render.documents import FORMATS

    if roster and count:
        raise click.UsageError("use either --roster or --count, not both")
    chosen = _formats(formats, [*FORMATS, "pdf"])
    spec = load_bank(resolve_bank_path(bank))
    students = read_roster(roster) if roster else numbered(count or 1)
    run_seed = spec.seed if seed is None else seed
    with _progress(len(students), "Generating", quiet=quiet) as advance:
        result = run(spec, students, seed=run_seed, formats=chosen, out=OutputDir(out, force=force),
                     progress=advance, combined=combined)
    if quiet:
        return
    if sys.stdout.isatty():
        click.echo(f"Wrote {result.students} worksheet(s) and key(s) in {', '.join(chosen)} to {out}/ "
                   f"(bank {spec.id}, seed {run_seed}) and {out}/answer_key.json.")
    else:
        for name in result.files:
            click.echo(str(Path(out) / name))


@cli.command(name="list", context_settings=CONTEXT)
def list_() -> None:
    """List the exercise types and the built-in banks, one per line.

    \b
    Example:
      exgen list
    """
    from exgen.resources import builtin_banks
    from exgen.types import all_types

    for name, typ in all_types().items():
        click.echo(f"type  {name:<18} {typ.summary}")
    for name, path in builtin_banks().items():
        click.echo(f"bank  {name:<18} {path.name}")


@cli.command(context_settings=CONTEXT)
@click.argument("bank")
def validate(bank) -> None:
    """Check a bank file; print every problem as file:line: field: message.

    Besides reading the file, every exercise is generated once for a probe student, so that an answer key
    the grader could not check (or parameters too tight to draw from) is reported now, not at grading.

    \b
    Example:
      exgen validate week1.yaml
    """
    from exgen.bank.spec import load_bank
    from exgen.build.pipeline import check_bank

    spec = load_bank(resolve_bank_path(bank))
    problems = check_bank(spec)  # a trial build: keys the grader could not check are errors here
    if problems:
        raise BankError(problems)
    click.echo(f"{Path(spec.source).name}: ok ({len(spec.exercises)} exercises, seed {spec.seed})")


def _parse_param(text: str):
    import yaml

    if "=" not in text:
        raise click.BadParameter(f"expected key=value, got {text!r}", param_hint="--param")
    key, raw = text.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw.strip() else raw
    except yaml.YAMLError:
        raise click.BadParameter(f"cannot read the value of {key!r}: {raw!r}", param_hint="--param") from None
    return key.strip(), value


@cli.command(context_settings=CONTEXT)
@click.argument("type_name", metavar="TYPE")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True)
@click.option("--student", default="preview", show_default=True, help="Student id the instance is drawn for.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="A parameter (repeatable).")
def preview(type_name, seed, student, params) -> None:
    """Show one instance of an exercise type in the terminal, with its answers.

    \b
    Examples:
      exgen preview matmul
      exgen preview dot_product --seed 7 --param dim=5 --param parts=[value,cosine]
    """
    from exgen.build.seeding import rng_for
    from exgen.render.documents import render_document
    from exgen.types import get_type

    try:
        typ = get_type(type_name)
    except KeyError as err:
        raise click.UsageError(err.args[0]) from None
    resolved, problems = typ.resolve_params(dict(_parse_param(p) for p in params))
    if problems:
        raise click.UsageError("; ".join(f"--param {k}: {m}" for k, m in problems))
    inst = typ.build(exercise_id=type_name, title=None, points=None, params=resolved,
                     rng=rng_for(seed, student, type_name))
    click.echo(render_document(fmt="md", key=True, bank={"id": "preview", "title": f"Preview: {typ.title}",
                                                          "course": {}},
                               student={"id": student, "name": "Preview"}, instances=[inst]))


@cli.command(context_settings=CONTEXT)
@click.argument("submissions", nargs=-1, required=True, type=click.Path())
@click.option("--key", "key_path", required=True, type=click.Path(),
              help="answer_key.json written by 'exgen generate' (or the folder holding it).")
@click.option("--out", default="exgen-grades", show_default=True, type=click.Path(file_okay=False),
              help="Output folder; nothing is written outside it.")
@click.option("--format", "formats", default="csv,canvas,json,feedback,report", show_default=True,
              help="Comma-separated outputs: csv (grades.csv), canvas (canvas.csv), json (results.json), "
                   "feedback (feedback/<id>.md), report (report.md + PNG charts).")
@click.option("--jobs", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Worker processes for large batches (results are identical).")
@click.option("--force", is_flag=True, help="Overwrite existing files in --out.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but problems.")
def grade(submissions, key_path, out, formats, jobs, force, quiet) -> None:
    """Grade submissions against an answer key; write gradebooks, feedback and a class report.

    SUBMISSIONS are YAML/JSON files (one per student: 'student: s001' and 'answers:' mapping
    exercise id or id.part to the answer), class CSV files (a 'student' column, then one column per
    part such as dot.a) or folders of them; see docs/submissions.md. Bad items are listed one per line
    and grading goes on. Exit status: 0 when every submission was graded, 1 when some were not.

    \b
    Examples:
      exgen grade --key week1/answer_key.json submissions/ --out week1-grades
      exgen grade --key week1 class.csv --format csv,canvas --jobs 4 --force
      exgen grade --key week1/answer_key.json s001.yaml --format json,feedback --out one
    """
    from exgen.build.keyfile import load_key
    from exgen.grading.batch import grade_batch
    from exgen.grading.submissions import read_submissions
    from exgen.grading.writers import FORMATS, write_outputs
    from exgen.outputs import OutputDir

    chosen = _formats(formats, [*FORMATS, "pdf"])
    path = Path(key_path)
    if path.is_dir():
        path = path / "answer_key.json"
    key = load_key(path)
    subs, read_problems = read_submissions(submissions)
    with _progress(len(subs), "Grading", quiet=quiet) as advance:
        results = grade_batch(key, subs, jobs=jobs, read_problems=read_problems, progress=advance)
    written = write_outputs(results, OutputDir(out, force=force), chosen)
    for problem in results.problems:
        click.echo(f"{problem.level}: {problem.message}", err=True)
    if not quiet:
        _grade_summary(results, key_name=path.name, bank=key["bank"].get("id", ""), out=out, written=written)
    if results.errors:
        sys.exit(1)


def _grade_summary(results, *, key_name: str, bank: str, out: str, written: list[str]) -> None:
    from exgen.grading.report import exercise_stats, fmt

    n = len(results.students)
    listed = " (listed above)" if results.problems else ""
    click.echo(f"Graded {n} submission(s) against {key_name} (bank {bank}); {len(results.errors)} error(s), "
               f"{len(results.warnings)} warning(s){listed}.")
    if n:
        totals = sorted(s.total for s in results.students)
        top = max(s.max_points for s in results.students)
        mean = sum(totals) / n
        click.echo(f"Total: mean {fmt(mean)} / {fmt(top)} ({100 * mean / top if top else 0:.1f}%), "
                   f"min {fmt(totals[0])}, max {fmt(totals[-1])}.")
        click.echo(f"  {'exercise':<20} {'mean':>8} {'max':>6} {'mean %':>7}")
        for st in exercise_stats(results)[:15]:
            click.echo(f"  {st['id'][:20]:<20} {fmt(st['mean']):>8} {fmt(st['max_points']):>6} {st['mean_pct']:>6.1f}%")
    if results.unsubmitted:
        click.echo(f"{len(results.unsubmitted)} student(s) in the key have no submission.")
    feedback = sum(1 for w in written if w.startswith("feedback/"))
    others = [w for w in written if not w.startswith("feedback/")]
    parts = others + ([f"{feedback} feedback file(s) in feedback/"] if feedback else [])
    click.echo(f"Wrote {', '.join(parts) or 'nothing'} to {out}/.")


@cli.group(context_settings=CONTEXT)
def export() -> None:
    """Export a bank to an LMS: gradescope, qti (Canvas), moodle, prairielearn.

    \b
    Examples:
      exgen export gradescope week1.yaml --out autograder.zip
      exgen export qti week1.yaml --variants 20 --out quiz.zip
      exgen export moodle week1.yaml --variants 20 --out questions.xml
      exgen export prairielearn week1.yaml --out my-course/
    See docs/lms.md for each LMS's import steps.
    """


def _run_export(name: str, bank: str | None, *, seed, out: str, force: bool, quiet: bool, **options) -> None:
    from exgen.bank.spec import load_bank
    from exgen.exporters import get_exporter

    path = resolve_bank_path(bank)
    spec = load_bank(path)
    result = get_exporter(name).export(spec, seed=spec.seed if seed is None else seed, out=out, force=force,
                                       **options)
    if not quiet:
        click.echo(result.summary(name))


_SEED = click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Override the bank's seed.")
_FORCE = click.option("--force", is_flag=True, help="Overwrite an existing output.")
_QUIET = click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
_VARIANTS = click.option("--variants", type=click.IntRange(1, 500), default=10, show_default=True,
                         help="Variants drawn per exercise (variant v = student id 'variant-v').")


@export.command(name="gradescope", context_settings=CONTEXT)
@click.argument("bank", required=False)
@_SEED
@click.option("--out", default="autograder.zip", show_default=True, type=click.Path(dir_okay=False))
@click.option("--student-key", type=click.Choice(["email", "id", "sid"]), default="email", show_default=True,
              help="Gradescope user field that picks each student's variant (= the roster id).")
@click.option("--visibility", type=click.Choice(["visible", "after_due_date", "after_published", "hidden"]),
              default="visible", show_default=True, help="When students see the per-part results.")
@_FORCE
@_QUIET
def export_gradescope(bank, seed, out, student_key, visibility, force, quiet) -> None:
    """Gradescope autograder zip (setup.sh + run_autograder) grading answers.yaml.

    \b
    Example:
      exgen export gradescope week1.yaml --student-key email --out autograder.zip
    """
    _run_export("gradescope", bank, seed=seed, out=out, force=force, quiet=quiet,
                bank_path=str(resolve_bank_path(bank)), student_key=student_key, visibility=visibility)


@export.command(name="qti", context_settings=CONTEXT)
@click.argument("bank", required=False)
@_SEED
@_VARIANTS
@click.option("--out", default="quiz.zip", show_default=True, type=click.Path(dir_okay=False))
@_FORCE
@_QUIET
def export_qti(bank, seed, variants, out, force, quiet) -> None:
    """Canvas QTI 1.2 quiz zip: a question group of N variants per exercise part.

    \b
    Example:
      exgen export qti week1.yaml --variants 20 --out quiz.zip
    """
    _run_export("qti", bank, seed=seed, out=out, force=force, quiet=quiet, variants=variants)


@export.command(name="moodle", context_settings=CONTEXT)
@click.argument("bank", required=False)
@_SEED
@_VARIANTS
@click.option("--out", default="questions.xml", show_default=True, type=click.Path(dir_okay=False))
@_FORCE
@_QUIET
def export_moodle(bank, seed, variants, out, force, quiet) -> None:
    """Moodle XML: one category of N variants per exercise (numerical and Cloze questions).

    \b
    Example:
      exgen export moodle week1.yaml --variants 20 --out questions.xml
    """
    _run_export("moodle", bank, seed=seed, out=out, force=force, quiet=quiet, variants=variants)


@export.command(name="prairielearn", context_settings=CONTEXT)
@click.argument("bank", required=False)
@_SEED
@click.option("--out", default="prairielearn-course", show_default=True, type=click.Path(file_okay=False),
              help="Course folder: questions/<bank>/ and serverFilesCourse/ are written into it.")
@_FORCE
@_QUIET
def export_prairielearn(bank, seed, out, force, quiet) -> None:
    """PrairieLearn question folders whose server.py draws each variant with exgen.

    \b
    Example:
      exgen export prairielearn week1.yaml --out ~/pl-course
    """
    _run_export("prairielearn", bank, seed=seed, out=out, force=force, quiet=quiet)


def main(argv=None) -> None:
    """Entry point: run the CLI, printing user errors on one line each (exit 1), usage errors (exit 2)."""
    try:
        cli.main(args=argv, prog_name="exgen", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except BankError as err:
        for line in err.problems:
            click.echo(line, err=True)
        click.echo(f"Error: {len(err.problems)} problem(s) found.", err=True)
        sys.exit(1)
    except ExgenError as err:
        for line in str(err).splitlines():
            click.echo(f"Error: {line}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        sys.exit(1)
    sys.exit(0)
