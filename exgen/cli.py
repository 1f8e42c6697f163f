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
              help="Comma-separated formats: md, tex.")
@click.option("--out", default="exgen-out", show_default=True, type=click.Path(file_okay=False),
              help="Output folder; nothing is written outside it.")
@click.option("--force", is_flag=True, help="Overwrite existing files in --out.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def generate(bank, seed, roster, count, formats, out, force, quiet) -> None:
    """Generate a worksheet and an answer key per student, plus answer_key.json.

    BANK is a bank file or a built-in bank's name (default: dl-math-basics).

    \b
    Examples:
      exgen generate --count 30 --out week1
      exgen generate week1.yaml --roster class.csv --format md,tex --out week1 --force
      exgen generate dot_product --seed 42 --count 5
    """
    from exgen.generate import generate as run
    from exgen.outputs import OutputDir
    from exgen.render import FORMATS
    from exgen.roster import numbered, read_roster
    from exgen.spec import load_bank

    if roster and count:
        raise click.UsageError("use either --roster or --count, not both")
    chosen = _formats(formats, list(FORMATS))
    spec = load_bank(resolve_bank_path(bank))
    students = read_roster(roster) if roster else numbered(count or 1)
    run_seed = spec.seed if seed is None else seed
    with _progress(len(students), "Generating", quiet=quiet) as advance:
        result = run(spec, students, seed=run_seed, formats=chosen, out=OutputDir(out, force=force),
                     progress=advance)
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
    from exgen.registry import all_types
    from exgen.resources import builtin_banks

    for name, typ in all_types().items():
        click.echo(f"type  {name:<18} {typ.summary}")
    for name, path in builtin_banks().items():
        click.echo(f"bank  {name:<18} {path.name}")


@cli.command(context_settings=CONTEXT)
@click.argument("bank")
def validate(bank) -> None:
    """Check a bank file; print every problem as file:line: field: message.

    \b
    Example:
      exgen validate week1.yaml
    """
    from exgen.spec import load_bank

    spec = load_bank(resolve_bank_path(bank))
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
    from exgen.registry import get_type
    from exgen.render import render_document
    from exgen.seeding import rng_for

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
