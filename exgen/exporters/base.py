"""The exporter seam: a small base class, variant drawing, deterministic zips and summaries.

An exporter turns a validated bank into the files one LMS imports. Every exporter is deterministic: the
same bank, seed and options give byte-identical output (no timestamps, sorted zip entries, stable ids).

An exporter asks a part according to its kind's ``LmsForm`` (``exgen.answers``), through ONE table
``forms`` from every form to its own rendering (a ``FormRendering``), which also says where the LMS cannot
ask that form faithfully (``degraded``, documented in docs/lms.md). It never compares a kind's name.
"""

from __future__ import annotations

import hashlib
import math
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any, ClassVar

from exgen.answers import LmsForm, get_kind
from exgen.bank.spec import BankSpec, ExerciseSpec
from exgen.instance import Instance, Part

#: Fixed timestamp of every zip entry (the earliest a zip can hold), so zips are byte-identical.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
#: Namespace of the stable UUIDs exporters derive from bank and exercise ids.
EXGEN_UUID_NAMESPACE = uuid.UUID("6f1b7d1e-3c0a-5b8e-9d4f-0e1a2b3c4d5e")
MAX_VARIANTS = 500


@dataclass
class ExportResult:
    """What an export wrote (paths relative to the chosen output) and what it had to leave out."""

    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    questions: int = 0

    def summary(self, target: str) -> str:
        """Return a few lines for the CLI: counts, then every note (degraded or omitted parts)."""
        lines = [f"{target}: {self.questions} question(s) in {', '.join(self.files) or 'nothing'}"]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Return the result as plain JSON-ready data."""
        return {"files": list(self.files), "notes": list(self.notes), "questions": self.questions}


#: Names every export already takes (the bank, ``seed``, ``out``, ``force``) or the CLI adds.
RESERVED_OPTIONS = frozenset({"bank", "target", "seed", "out", "force", "quiet", "help"})
_TYPES: dict[type, str] = {str: "a text", int: "an integer", float: "a number", bool: "true or false"}


@dataclass(frozen=True)
class Option:
    """One option an exporter declares: a keyword of ``exgen.export(...)`` and ``--<name>`` of its command.

    Args:
        name: a Python identifier (``student_key``); the command line spells it ``--student-key``.
        default: the value when the option is not given.
        help: one line for ``--help``.
        type: ``str``, ``int``, ``float`` or ``bool`` (a flag on the command line).
        choices: the accepted values of a ``str`` option (empty: any text).
        min: the smallest accepted ``int`` or ``float`` (None: no bound).
        max: the largest accepted ``int`` or ``float`` (None: no bound).
    """

    name: str
    default: Any
    help: str
    type: type = str
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None

    def __post_init__(self) -> None:
        # a bad declaration is a bug in the exporter, found as soon as its module is imported
        if not self.name.isidentifier() or self.name in RESERVED_OPTIONS:
            raise ValueError(f"exporter option name {self.name!r} is not an identifier or is reserved")
        if self.type not in _TYPES or (self.choices and self.type is not str):
            raise ValueError(f"exporter option {self.name!r}: type must be str, int, float or bool "
                             "(choices only with str)")
        from exgen.errors import OptionError

        try:
            self.check(self.default, owner="(declaration)")
        except OptionError as err:
            raise ValueError(str(err)) from None

    @property
    def flag(self) -> str:
        """Return the command-line spelling, ``--student-key`` for ``student_key``."""
        return "--" + self.name.replace("_", "-")

    def expected(self) -> str:
        """Return what the option accepts, in words (``an integer from 1 to 500``, ``one of a, b``)."""
        if self.choices:
            return f"one of {', '.join(self.choices)}"
        words = _TYPES[self.type]
        if self.min is not None and self.max is not None:
            return f"{words} from {self.min:g} to {self.max:g}"
        if self.min is not None:
            return f"{words} of at least {self.min:g}"
        if self.max is not None:
            return f"{words} of at most {self.max:g}"
        return words

    def check(self, value: Any, *, owner: str) -> Any:
        """Return ``value`` when the option accepts it.

        Raises:
            OptionError: naming the exporter, the option and what it accepts.
        """
        import os

        from exgen.errors import OptionError

        if self.type is str and isinstance(value, os.PathLike):  # a file option given as a Path
            value = os.fspath(value)
        ok = isinstance(value, self.type) and (self.type is bool or not isinstance(value, bool))
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if ok and self.choices:
            ok = value in self.choices
        if ok and self.type in (int, float):
            ok = (self.min is None or value >= self.min) and (self.max is None or value <= self.max)
        if not ok:
            shown = repr(value)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise OptionError(f"{owner}: option {self.name} ({self.flag}) must be {self.expected()}, got {shown}")
        return value


@dataclass(frozen=True, kw_only=True)
class FormRendering:
    """How one exporter asks one LMS form; exporters subclass it with their own builders.

    ``how`` names the LMS question or element in a few words; ``degraded`` is None when the LMS checks the
    form as exgen does, else what is lost (it is printed with the export's notes and listed in docs/lms.md).
    """

    how: str
    degraded: str | None = None


def canonical_spellings(part: Part) -> list[str]:
    """Return the texts an LMS that compares text accepts for a formula or text part: exgen's canonical form,
    and the same without spaces (Canvas and Moodle compare trimmed text; they cannot check formulas)."""
    typed = get_kind(part.kind).typed(part.answer, part)
    return list(dict.fromkeys([typed, "".join(typed.split())]))


def lms_form(part: Part) -> LmsForm:
    """Return the LMS form a part is asked in (declared by its answer kind)."""
    return get_kind(part.kind).lms_form


class Exporter:
    """Base class: subclasses declare what they are and take (``forms``: how they ask each
    LMS form), and implement ``write``.

    Everything the command line shows comes from these declarations: ``exgen export <name>`` gets one
    option per ``options`` entry, ``--out`` with ``default_out`` and the ``examples`` in its ``--help``.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    #: Options besides the bank, seed, ``out`` and ``force`` that every export takes.
    options: ClassVar[tuple[Option, ...]] = ()
    #: Command lines shown under ``exgen export <name> --help`` (at least one).
    examples: ClassVar[tuple[str, ...]] = ()
    #: Where the export goes when no ``out`` is given, and whether that is a folder or a single file.
    default_out: ClassVar[str] = ""
    out_is_folder: ClassVar[bool] = False
    out_help: ClassVar[str] = ""
    #: Every LmsForm -> how this exporter asks it (tests/exporters/test_forms.py checks the coverage).
    forms: ClassVar[Mapping[LmsForm, FormRendering]] = {}

    def resolve(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Return every declared option's value: ``given`` checked, the defaults for the rest.

        Raises:
            OptionError: an option this exporter does not declare, or a value it does not accept.
        """
        from exgen.errors import OptionError

        declared = {o.name: o for o in self.options}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            known = ", ".join(declared) or "none besides seed, out and force"
            raise OptionError(f"export {self.name}: unknown option {unknown[0]!r}; its options: {known}")
        return {name: opt.check(given[name], owner=f"export {self.name}") if name in given else opt.default
                for name, opt in declared.items()}

    def export(self, bank: BankSpec, *, seed: int, out: str, force: bool = False, **options: Any) -> ExportResult:
        """Write the LMS files for ``bank`` to ``out`` (a file or folder, per exporter).

        Args:
            bank: the validated bank.
            seed: the seed every variant is drawn from.
            out: the output file or folder.
            force: overwrite what is already there.
            **options: the exporter's declared ``options`` (the others keep their defaults).

        Raises:
            OptionError: an undeclared option or a value out of range.
            ExgenError: ``out`` exists and ``force`` is false, or cannot be written.
        """
        return self.write(bank, seed=seed, out=str(out), force=force, options=self.resolve(options))

    def write(self, bank: BankSpec, *, seed: int, out: str, force: bool, options: Mapping[str, Any]) -> ExportResult:
        """Write the export; ``options`` holds every declared option (checked, defaults filled in)."""
        raise NotImplementedError


class SingleFileExporter(Exporter):
    """An exporter whose output is one file (a zip or an XML document) built in memory by ``build``.

    ``writes_variant_key``: the export also writes the answer key of its variants beside the file
    (``quiz.zip`` -> ``quiz-key.json``; students ``variant-0`` ...), which ``exgen grade --key`` reads with the
    LMS's response export (see docs/lms.md, "Grading an LMS's responses with exgen").
    """

    writes_variant_key: ClassVar[bool] = False

    def build(self, bank: BankSpec, *, seed: int,
              options: Mapping[str, Any]) -> tuple[bytes | str, int, list[str]]:
        """Return (file content, number of questions, notes on degraded or omitted parts)."""
        raise NotImplementedError

    def write(self, bank: BankSpec, *, seed: int, out: str, force: bool, options: Mapping[str, Any]) -> ExportResult:
        check_target_free(out, force=force)
        key = variant_key_path(out) if self.writes_variant_key else None
        if key is not None:
            check_target_free(key, force=force)
        data, count, notes = self.build(bank, seed=seed, options=options)
        write_file(out, data)
        files = [str(out)]
        if key is not None:
            write_file(key, variant_key(bank, seed=seed, variants=options["variants"]))
            files.append(str(key))
        return ExportResult(files=files, notes=notes, questions=count)


def variant_key_path(out) -> Path:
    """Return where the variant key of a single-file export goes: ``quiz.zip`` -> ``quiz-key.json``."""
    from pathlib import Path

    path = Path(out)
    return path.with_name(f"{path.stem}-key.json")


def variant_key(bank: BankSpec, *, seed: int, variants: int) -> str:
    """Return the answer key (``exgen-key/1``) of an export's variants: student ``variant-v`` holds variant v of
    every exercise, exactly as the export drew them (``build_variants``)."""
    from exgen.build.keyfile import build_key, dumps
    from exgen.build.pipeline import bank_info

    drawn = build_variants(bank, seed=seed, variants=variants)
    students = [({"id": variant_id(v), "name": f"Variant {v + 1}"}, [insts[v] for _, insts in drawn])
                for v in range(variants)]
    return dumps(build_key(bank=bank_info(bank), seed=seed, students=students))


#: The ``--variants`` option of exporters that draw N variants per exercise (QTI, Moodle).
VARIANTS = Option("variants", 10, "Variants drawn per exercise (variant v = student id 'variant-v').",
                  type=int, min=1, max=MAX_VARIANTS)


def variant_id(v: int) -> str:
    """Return the student id variant ``v`` is drawn for (QTI and Moodle variants)."""
    return f"variant-{v}"


def build_variants(bank: BankSpec, *, seed: int, variants: int) -> list[tuple[ExerciseSpec, list[Instance]]]:
    """Return each exercise with its ``variants`` instances; variant v = student ``variant-v``.

    Raises:
        ExgenError: ``variants`` is out of range.
    """
    from exgen.build.pipeline import build_instance
    from exgen.errors import ExgenError

    if not 1 <= variants <= MAX_VARIANTS:
        raise ExgenError(f"--variants {variants} must be between 1 and {MAX_VARIANTS}")
    return [(ex, [build_instance(ex, seed=seed, student_id=variant_id(v)) for v in range(variants)])
            for ex in bank.exercises]


def integer_weights(points: Sequence[float], *, limit: int = 1000) -> list[int]:
    """Return positive integers proportional to ``points`` (the smallest such), for LMSs whose weights are
    integers (PrairieLearn's ``weight``, Moodle's Cloze marks).

    Points are read as fractions with denominators up to 1000; if the exact integers would exceed ``limit``,
    they are rounded in proportion (each at least 1).
    """
    from fractions import Fraction

    fracs = [Fraction(float(p)).limit_denominator(1000) if p > 0 else Fraction(0) for p in points]
    if not fracs:
        return []
    denominator = math.lcm(*(f.denominator for f in fracs))
    ints = [int(f * denominator) for f in fracs]
    common = math.gcd(*ints) or 1
    ints = [max(1, i // common) for i in ints]
    top = max(ints)
    if top > limit:
        ints = [max(1, round(i * limit / top)) for i in ints]
    return ints


def stable_uuid(*labels: str) -> str:
    """Return a UUID (8-4-4-4-12) derived from the labels only."""
    return str(uuid.uuid5(EXGEN_UUID_NAMESPACE, "\x00".join(labels)))


def stable_ident(prefix: str, *labels: str) -> str:
    """Return an XML-safe identifier: ``prefix`` plus 24 hex digits of a hash of the labels."""
    return prefix + hashlib.sha256("\x00".join(labels).encode("utf-8")).hexdigest()[:24]


def deterministic_zip(entries: Mapping[str, bytes | str], *, executable: tuple[str, ...] = ()) -> bytes:
    """Return a zip of ``entries`` (name -> content) in sorted order with fixed timestamps and modes.

    Names ending in ``/`` are folder entries. Files named in ``executable`` get mode 0755, others 0644.
    """
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(entries):
            data = entries[name]
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.create_system = 3  # unix, so the mode bits below are honoured by unzip
            if name.endswith("/"):
                info.external_attr = (0o40755 << 16) | 0x10
                zf.writestr(info, b"")
                continue
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o100755 if name in executable else 0o100644
            info.external_attr = mode << 16
            zf.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)
    return buf.getvalue()


def check_target_free(path, *, force: bool) -> None:
    """Raise ExgenError if the output file exists and ``force`` is not given."""
    from pathlib import Path

    from exgen.errors import ExgenError
    from exgen.outputs import clean_stale

    p = Path(path)
    clean_stale(p.parent, only=p.name)  # left by an interrupted export
    if p.exists() and not force:
        raise ExgenError(f"{p} already exists; use --force to overwrite or choose another --out")
    if p.exists() and p.is_dir():
        raise ExgenError(f"{p} is a folder; --out must name a file")


def write_file(path, data: bytes | str) -> None:
    """Write one output file atomically (see exgen.outputs.write_atomic)."""
    from pathlib import Path

    from exgen.outputs import write_atomic

    write_atomic(Path(path), data)


#: Suffixes of the files an export ships from exgen's source and from plug-in folders.
SHIPPED_SUFFIXES = frozenset({".py", ".json", ".j2", ".sty", ".css", ".js", ".yaml", ".typed"})


def shipped_files(root, prefix: str) -> dict[str, bytes]:
    """Return ``{prefix/relative path: bytes}`` of the source files under ``root``, in sorted order.

    Caches (``__pycache__``), hidden files and symbolic links are left out: an export never follows a link
    out of the folder it ships.
    """
    import os
    from pathlib import Path

    root = Path(root)
    files: dict[str, bytes] = {}
    for here, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"
                   and not os.path.islink(os.path.join(here, d))]
        for name in names:
            path = Path(here, name)
            if name.startswith(".") or path.suffix not in SHIPPED_SUFFIXES or path.is_symlink() or not path.is_file():
                continue
            files[f"{prefix}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    return dict(sorted(files.items()))


def plugin_labels(folders) -> list[str]:
    """Return the folder name each plug-in folder gets inside an export (stable: order and base name)."""
    import re

    return [f"p{i + 1}-" + re.sub(r"[^A-Za-z0-9_-]", "_", f.name)[:40] for i, f in enumerate(folders)]


def plugin_export_files(prefix: str) -> tuple[dict[str, bytes], list[str]]:
    """Return the files of the plug-in folders in use, under ``prefix/<label>/``, and their labels.

    Exports that ship exgen (Gradescope, PrairieLearn) ship the plug-in types, templates and example banks
    with it, so that the LMS draws the same instances.
    """
    from exgen.discovery import BANKS, TEMPLATES, TYPES, plugin_folders

    folders = plugin_folders()
    labels = plugin_labels(folders)
    files: dict[str, bytes] = {}
    for folder, label in zip(folders, labels):
        for sub in (TYPES, TEMPLATES, BANKS):
            if (folder / sub).is_dir() and not (folder / sub).is_symlink():
                files.update(shipped_files(folder / sub, f"{prefix}/{label}/{sub}"))
    return files, labels

