"""Command line: click commands over the public API (``exgen.api``). The one place that turns errors into
messages: it parses options, calls the API and prints what the API returns.

Each ``exgen export <name>`` command is built from the exporter's declared options, so an exporter module
gets its command without any change here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from exgen import __version__, api
from exgen.errors import BankError, ExgenError, OptionError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
SEED = click.IntRange(0, api.MAX_SEED)


def _interactive() -> bool:
    return sys.stderr.isatty()


@contextmanager
def _progress(label: str, *, quiet: bool) -> Iterator[Callable[[int, int], None]]:
    """Yield a ``progress(done, total)`` callback for the API; it shows a bar only on a terminal and for
    more than a few items."""
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if quiet or total < 5 or not _interactive():
            return
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr).__enter__()
        bar.update(done - bar.pos)

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


class CommaList(click.ParamType):
    """A comma-separated list of names from a registry (name -> description), in order, without repeats."""

    name = "list"

    def __init__(self, choices: Mapping[str, str] | Callable[[], Mapping[str, str]]):
        # A callable is asked on first use: the document formats' table is not loaded by `exgen grade`.
        self._choices = choices

    @property
    def choices(self) -> Mapping[str, str]:
        if callable(self._choices):
            self._choices = self._choices()
        return self._choices

    def described(self) -> str:
        """Return ``a (what a is), b (what b is)`` for ``--help``."""
        return ", ".join(f"{name} ({what})" for name, what in self.choices.items())

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> list[str]:
        if isinstance(value, list):
            return value
        chosen = [v.strip() for v in str(value).split(",") if v.strip()]
        if not chosen or any(v not in self.choices for v in chosen):
            self.fail(f"expected a comma-separated list of {', '.join(self.choices)}, got {value!r}", param, ctx)
        return list(dict.fromkeys(chosen))


class _Command(click.Command):
    """A command whose API calls' ``OptionError`` is a usage error (exit status 2)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OptionError as err:
            raise click.UsageError(str(err), ctx=ctx) from None


class _Group(click.Group):
    command_class = _Command


@click.group(cls=_Group, context_settings=CONTEXT)
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


def _lang_choice() -> click.Choice:
    from exgen.i18n import languages

    return click.Choice(languages())


_LANG_OPTION = click.option(
    "--lang", type=_lang_choice(), default=None,
    help="Language of the worksheets, keys, solutions and feedback (default: the bank's 'language:', else en).")
_DOCUMENTS = CommaList(lambda: {name: f.help for name, f in api.DOCUMENT_FORMATS.items()})


class _ListOption(click.Option):
    """An option of a ``CommaList`` whose help ends with the list's names, looked up when help is shown."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        if self.help and self.help.endswith(":"):
            self.help = f"{self.help} {self.type.described()}."  # type: ignore[attr-defined]
        return super().get_help_record(ctx)


_GRADE_OUTPUTS = CommaList(api.GRADE_OUTPUTS)


@cli.command()
@click.argument("bank", required=False)
@click.option("--seed", type=SEED, help="Override the bank's seed.")
@click.option("--roster", type=click.Path(dir_okay=False), help="CSV with a header 'id,name'.")
@click.option("--count", type=click.IntRange(1, api.MAX_STUDENTS), help="Number of anonymous students (default 1).")
@click.option("--format", "formats", cls=_ListOption, type=_DOCUMENTS, default=",".join(api.GENERATE_FORMATS),
              show_default=True, help="Comma-separated formats:")
@click.option("--combined", is_flag=True,
              help="Also write pdf/class-worksheets.pdf and pdf/class-keys.pdf: the whole class, each student "
                   "starting on an odd page, for double-sided printing.")
@click.option("--cover/--no-cover", default=None,
              help="Begin each LaTeX/PDF worksheet and key with a cover page (name and id boxes, a score table); "
                   "default: the bank's print: {cover: ...}.")
@_LANG_OPTION
@click.option("--out", default=api.GENERATE_OUT, show_default=True, type=click.Path(file_okay=False),
              help="Output folder; nothing is written outside it.")
@click.option("--jobs", type=click.IntRange(1, api.MAX_JOBS), default=1, show_default=True,
              help="Worker processes (the files are identical for any number).")
@click.option("--shard", metavar="I/N", help="Make only slice I of N of the roster (one machine of a cluster); "
                                             "then 'exgen merge OUT' joins the slices. See docs/scaling.md.")
@click.option("--no-key-json", is_flag=True,
              help="Skip answer_key.json, the key's export for people and tools (answer_key.sqlite, which "
                   "'exgen grade' reads, is always written): 64 KB a student.")
@click.option("--force", is_flag=True, help="Overwrite existing files in --out.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def generate(bank, seed, roster, count, formats, out, force, quiet, combined, cover, jobs, shard, no_key_json, lang) -> None:
    """Generate a worksheet and an answer key per student, plus the class's answer key.

    BANK is a bank file or a built-in bank's name (default: dl-math-basics). The key is written last,
    as answer_key.sqlite (read by 'exgen grade' one student at a time) and answer_key.json. If a format
    cannot be made (pdflatex missing), everything else is still written, the run exits with status 1
    saying what to install, and running the same command again adds what is missing.

    \b
    Examples:
      exgen generate --count 30 --out week1
      exgen generate week1.yaml --roster class.csv --format md,tex --out week1 --force
      exgen generate dot_product --seed 42 --count 5
      exgen generate --roster class.csv --format pdf,html --combined --out week1
      exgen generate --count 10000 --jobs 8 --no-key-json --out course
      exgen generate --roster class.csv --shard 2/4 --out week1   # then: exgen merge week1
      exgen generate --count 40 --format pdf --combined --cover --out exam
      exgen generate --roster class.csv --lang ko --format md,html,pdf --out week1-ko
    """
    if roster and count:
        raise click.UsageError("use either --roster or --count, not both")
    with _progress("Generating", quiet=quiet) as progress:
        result = api.generate(bank, students=roster or count, seed=seed, formats=formats, out=out, force=force,
                              combined=combined, cover=cover, jobs=jobs, shard=shard, key_json=not no_key_json,
                              lang=lang, progress=progress)
    if quiet:
        return
    if sys.stdout.isatty():
        part = f" (shard {shard}; run 'exgen merge {out}' when every shard is done)" if shard else ""
        click.echo(f"Wrote {len(result.students) if not shard else 'a slice of the'} worksheet(s) and key(s) in "
                   f"{', '.join(result.formats)} to {out}/ (bank {result.bank.id}, seed {result.seed}) and "
                   f"{out}/{result.files[-1]}{part}.")
    else:
        for name in result.files:
            click.echo(str(Path(out) / name))


@cli.command(name="list")
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


@cli.command()
@click.argument("bank")
def validate(bank) -> None:
    """Check a bank file; print every problem as file:line: field: message.

    Besides reading the file, every exercise is generated once for a probe student, so that an answer key
    the grader could not check (or parameters too tight to draw from) is reported now, not at grading.

    \b
    Example:
      exgen validate week1.yaml
    """
    spec = api.validate(bank)  # reads the file, then builds every exercise once
    click.echo(f"{Path(spec.source).name}: ok ({len(spec.exercises)} exercises, seed {spec.seed})")


def _parse_param(text: str):
    from exgen.bank.safeyaml import BANK_LIMITS, load_value

    if "=" not in text:
        raise click.BadParameter(f"expected key=value, got {text!r}", param_hint="--param")
    key, raw = text.split("=", 1)
    try:
        value = load_value(raw, source="--param", limits=BANK_LIMITS) if raw.strip() else raw
    except ExgenError:
        raise click.BadParameter(f"cannot read the value of {key!r}: {raw!r}", param_hint="--param") from None
    return key.strip(), value


@cli.command()
@click.argument("type_name", metavar="TYPE")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--student", default=api.PREVIEW_STUDENT, show_default=True, help="Student id the instance is drawn for.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="A parameter (repeatable).")
@click.option("--format", "fmt", type=click.Choice(api.PREVIEW_FORMATS), default="md", show_default=True,
              help="md: the answer key as Markdown; html: the student's worksheet as an HTML page (on stdout).")
@click.option("--open", "open_page", is_flag=True,
              help="Write the student's worksheet and the key as HTML pages and open the worksheet in the browser.")
@click.option("--lang", type=_lang_choice(), default=None, help="Language of the document (default en).")
def preview(type_name, seed, student, params, fmt, open_page, lang) -> None:
    """Show one instance of an exercise type: its key in the terminal, or a student's page in the browser.

    \b
    Examples:
      exgen preview matmul
      exgen preview dot_product --seed 7 --param dim=5 --param parts=[value,cosine]
      exgen preview backprop_graph --open
      exgen preview derivative --format html > derivative.html
      exgen preview matmul --lang ko
    """
    options = {"seed": seed, "student": student, "params": dict(_parse_param(p) for p in params), "lang": lang}
    if not open_page:
        click.echo(api.preview(type_name, format=fmt, key=fmt == "md", **options))
        return
    import tempfile
    import webbrowser

    from exgen.outputs import OutputDir

    pages = {f"{type_name}-{kind}.html": api.preview(type_name, format="html", key=kind == "key", **options)
             for kind in ("worksheet", "key")}
    out = OutputDir(tempfile.mkdtemp(prefix="exgen-preview-"))
    paths = [out.write(name, text) for name, text in pages.items()]
    click.echo(f"Worksheet: {paths[0]}\nKey:       {paths[1]}")
    if not webbrowser.open(paths[0].resolve().as_uri()):
        click.echo("No browser could be opened; open the worksheet above yourself.", err=True)


@cli.command()
@click.argument("bank", required=False)
@click.argument("folder", required=False, default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help=f"Overwrite {api.INIT_BANK} and {api.INIT_ROSTER} if they exist.")
def init(bank, folder, force) -> None:
    """Write a starter bank (my-bank.yaml) and roster (class.csv) to edit.

    BANK is a built-in bank to copy (default: dl-math-basics; 'exgen list' shows them); FOLDER is where to
    write (default: the current folder).

    \b
    Examples:
      exgen init
      exgen init backprop_graph week3
    """
    written = api.init(bank, folder, force=force)
    shown = [str(Path(folder) / name) for name in written]
    click.echo(f"Wrote {' and '.join(shown)}. Next:\n"
               f"  exgen validate {shown[0]}\n"
               f"  exgen generate {shown[0]} --roster {shown[1]} --format md,html --out week1")


@cli.command()
@click.argument("submissions", nargs=-1, required=True, type=click.Path())
@click.option("--key", "key_path", required=True, type=click.Path(),
              help="The folder 'exgen generate' wrote, or its answer_key.sqlite or answer_key.json; for an "
                   "LMS's response export, the *-key.json written by 'exgen export qti/moodle'.")
@click.option("--out", default=api.GRADE_OUT, show_default=True, type=click.Path(file_okay=False),
              help="Output folder; nothing is written outside it.")
@click.option("--format", "formats", cls=_ListOption, type=_GRADE_OUTPUTS, default=",".join(api.GRADE_FORMATS),
              show_default=True, help="Comma-separated outputs:")
@click.option("--jobs", type=click.IntRange(1, api.MAX_JOBS), default=1, show_default=True,
              help="Worker processes for large batches (results are identical).")
@click.option("--shard", metavar="I/N", help="Grade only slice I of N of the submission files (one machine of a "
                                             "cluster); then 'exgen merge OUT' joins the slices.")
@click.option("--force", is_flag=True, help="Overwrite existing files in --out.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but problems.")
def grade(submissions, key_path, out, formats, jobs, force, quiet, shard) -> None:
    """Grade submissions against an answer key; write gradebooks, feedback and a class report.

    SUBMISSIONS are YAML/JSON files (one per student: 'student: s001' and 'answers:' mapping
    exercise id or id.part to the answer), class CSV files (a 'student' column, then one column per
    part such as dot.a) or folders of them; see docs/submissions.md. They may instead be an LMS's own
    export of a quiz's responses (Canvas "Student Analysis" CSV, Moodle "Responses" CSV), graded against
    the key the export wrote; see docs/lms.md. Bad items are listed one per line and grading goes on.
    Feedback is written in the key's language (generate --lang). Exit status: 0 when every submission
    was graded, 1 when some were not.

    \b
    Examples:
      exgen grade --key week1 submissions/ --out week1-grades
      exgen grade --key week1 class.csv --format csv,canvas --jobs 4 --force
      exgen grade --key week1/answer_key.sqlite s001.yaml --format json,feedback --out one
      exgen grade --key quiz-key.json "Week 1 Student Analysis Report.csv" --format canvas,report
      exgen grade --key week1 submissions/ --shard 3/8 --out grades   # then: exgen merge grades
    """
    with _progress("Grading", quiet=quiet) as progress:
        result = api.grade(list(submissions), key=key_path, out=out, formats=formats, jobs=jobs, force=force,
                           shard=shard, progress=progress)
    for problem in result.results.problems:
        click.echo(f"{problem.level}: {problem.message}", err=True)
    if not quiet and shard:
        click.echo(f"Graded {len(result.results.students)} submission(s) of shard {shard} against {result.key}; "
                   f"wrote {out}/{result.files[0]}. Run 'exgen merge {out}' when every shard is done.")
    elif not quiet:
        _grade_summary(result, out=out)
    if not result.ok:
        sys.exit(1)


@cli.command()
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--no-key-json", is_flag=True, help="Skip answer_key.json when joining key parts.")
@click.option("--force", is_flag=True, help="Overwrite existing files in OUT.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def merge(out, no_key_json, force, quiet) -> None:
    """Join what sharded runs wrote into OUT: key parts into one key, grading parts into one gradebook.

    Run it once every 'exgen generate --shard I/N --out OUT' or 'exgen grade --shard I/N --out OUT' has
    finished: it writes what one unsharded run writes (answer_key.sqlite and answer_key.json; or
    grades.csv, canvas.csv, results.json, feedback/ and report.md), byte for byte, then removes OUT/parts/.
    See docs/scaling.md for GNU parallel, Slurm and Kubernetes examples.

    \b
    Examples:
      exgen merge week1
      exgen merge week1-grades --force
    """
    with _progress("Merging", quiet=quiet) as progress:
        result = api.merge(out, force=force, key_json=not no_key_json, progress=progress)
    if quiet:
        return
    if sys.stdout.isatty():
        joined = [f"{n} {what} part(s)" for n, what in ((result.key_parts, "key"), (result.results_parts, "grading"))
                  if n]
        click.echo(f"Joined {' and '.join(joined)}; wrote {len(result.files)} file(s) to {out}/.")
    else:
        for name in result.files:
            click.echo(str(Path(out) / name))


def _grade_summary(result: api.GradeResult, *, out: str) -> None:
    from exgen.formatting import score as fmt
    from exgen.grading.writers import FEEDBACK_DIR

    summary = result.summary()
    listed = " (listed above)" if result.results.problems else ""
    click.echo(f"Graded {summary['graded']} submission(s) against {result.key} (bank {result.bank}); "
               f"{summary['errors']} error(s), {summary['warnings']} warning(s){listed}.")
    total = summary["total"]
    if total:
        click.echo(f"Total: mean {fmt(total['mean'])} / {fmt(total['max_points'])} ({total['mean_pct']:.1f}%), "
                   f"min {fmt(total['min'])}, max {fmt(total['max'])}.")
        click.echo(f"  {'exercise':<20} {'mean':>8} {'max':>6} {'mean %':>7}")
        for st in summary["exercises"][:15]:
            click.echo(f"  {st['id'][:20]:<20} {fmt(st['mean']):>8} {fmt(st['max_points']):>6} {st['mean_pct']:>6.1f}%")
    if summary["unsubmitted"]:
        click.echo(f"{summary['unsubmitted']} student(s) in the key have no submission.")
    feedback = sum(1 for w in result.files if w.startswith(f"{FEEDBACK_DIR}/"))
    others = [w for w in result.files if not w.startswith(f"{FEEDBACK_DIR}/")]
    parts = others + ([f"{feedback} feedback file(s) in {FEEDBACK_DIR}/"] if feedback else [])
    click.echo(f"Wrote {', '.join(parts) or 'nothing'} to {out}/.")


# --- export: one command per exporter, built from its declarations -------------------------------------------

def _click_option(opt) -> click.Option:
    """Return the click option of an exporter's declared ``Option``."""
    kind: click.ParamType
    if opt.choices:
        kind = click.Choice(opt.choices)
    elif opt.type is int:
        kind = click.IntRange(None if opt.min is None else int(opt.min), None if opt.max is None else int(opt.max))
    elif opt.type is float:
        kind = click.FloatRange(opt.min, opt.max)
    elif opt.type is bool:
        return click.Option([f"{opt.flag}/--no-{opt.flag[2:]}", opt.name], default=opt.default, show_default=True,
                            help=opt.help)
    else:
        kind = click.STRING
    return click.Option([opt.flag, opt.name], type=kind, default=opt.default, show_default=True, help=opt.help)


def export_command(exporter) -> click.Command:
    """Return the ``exgen export <name>`` command of an exporter: BANK, --seed, its options, --out, --force."""
    name = exporter.name

    def run(bank, seed, out, force, quiet, lang, **options) -> None:
        result = api.export(name, bank, seed=seed, out=out, force=force, lang=lang, **options)
        if not quiet:
            click.echo(result.summary(name))

    out_type = click.Path(file_okay=False) if exporter.out_is_folder else click.Path(dir_okay=False)
    params: list[click.Parameter] = [
        click.Argument(["bank"], required=False),
        click.Option(["--seed"], type=SEED, help="Override the bank's seed."),
        *[_click_option(opt) for opt in exporter.options],
        click.Option(["--out"], type=out_type, default=exporter.default_out, show_default=True,
                     help=exporter.out_help or None),
        click.Option(["--lang"], type=_lang_choice(), default=None,
                     help="Language of the questions and feedback (default: the bank's 'language:', else en)."),
        click.Option(["--force"], is_flag=True, help="Overwrite an existing output."),
        click.Option(["-q", "--quiet"], is_flag=True, help="Print nothing but errors."),
    ]
    examples = "\n".join(f"  {e}" for e in exporter.examples)
    help_text = (f"{exporter.summary}.\n\nBANK is a bank file or a built-in bank's name (default: dl-math-basics)."
                 f"\n\n\b\nExample{'s' if len(exporter.examples) > 1 else ''}:\n{examples}")
    return _Command(name, params=params, callback=run, help=help_text, short_help=exporter.summary,
                    context_settings=CONTEXT)


class _ExportGroup(_Group):
    """``exgen export``: its commands are the exporter registry's, built when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        import exgen.exporters as registry

        return list(registry.all_exporters())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        import exgen.exporters as registry

        found = registry.all_exporters().get(cmd_name)
        return export_command(found) if found else None

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        import exgen.exporters as registry

        super().format_help_text(ctx, formatter)
        examples = [e for exp in registry.all_exporters().values() for e in exp.examples[:1]]
        with formatter.indentation():
            formatter.write_paragraph()
            formatter.write_text("Examples:")
            for line in examples:
                formatter.write(f"{'':>{formatter.current_indent + 2}}{line}\n")
            formatter.write_paragraph()
            formatter.write_text("See docs/lms.md for each LMS's import steps.")


@cli.group(cls=_ExportGroup, context_settings=CONTEXT)
def export() -> None:
    """Export a bank to an LMS: each command below writes what one LMS imports."""


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
    except OptionError as err:  # raised outside a command (a command reports it as a usage error)
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)
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
