"""Benchmark: the slowest files the readers accept, at their size limits. Target: at most 1 s each.

    python benchmarks/bench_hostile_inputs.py [--repeat 3] [--baseline-timeout 20] [--no-python]

For every case (a submission file, a class CSV, a bank or a roster, built at or just under its limits to
cost the most: base-60 numbers, values up to the node budget, long scalars, deep nesting, aliases, merge
keys, the longest integers converted, comments, JSON duplicates near the end ...) it prints, side by side:

* the median time of exgen's reader with PyYAML's C parser (what runs when PyYAML has libyaml, as its
  wheels do), and whether it accepted the file or refused it with one line;
* the same with the pure-Python parser (PyYAML without libyaml; linear, but slower);
* the baseline: ``yaml.load(text, CSafeLoader)`` on the same YAML text, i.e. what the readers did before,
  in a subprocess stopped after ``--baseline-timeout`` seconds;
* the ratio baseline / exgen.

The last line says whether every case stayed within 1 s with the C parser.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from exgen.bank import safeyaml, yamlevents  # noqa: E402
from exgen.bank.roster import MAX_ROSTER_BYTES, read_roster  # noqa: E402
from exgen.bank.spec import MAX_EXERCISES, load_bank  # noqa: E402
from exgen.bank.yamlsrc import MAX_BANK_BYTES  # noqa: E402
from exgen.errors import ExgenError  # noqa: E402
from exgen.grading.submissions import (  # noqa: E402
    MAX_CSV_BYTES,
    MAX_SUBMISSION_BYTES,
    read_class_csv,
    read_submission_file,
)

LIMIT = 1.0
SCALAR = safeyaml.SUBMISSION_LIMITS.scalar_chars
MAX_DIGITS = safeyaml.MAX_INT_DIGITS
NODES = safeyaml.SUBMISSION_LIMITS.nodes


def fill(unit: str, size: int, head: str = "student: s001\nanswers:\n", tail: str = "") -> str:
    """``head`` + as many ``unit``s (each formatted with its index) as fit in ``size`` characters."""
    parts, used, i = [head], len(head) + len(tail), 0
    while True:
        piece = unit.format(i=i)
        if used + len(piece) > size:
            break
        parts.append(piece)
        used += len(piece)
        i += 1
    parts.append(tail)
    return "".join(parts)


def typical() -> str:
    from exgen.answers import get_kind
    from exgen.bank.spec import load_bank as load
    from exgen.build.pipeline import build_student
    from exgen.resources import builtin_banks

    bank = load(builtin_banks()["dl-math-basics"])
    answers = {f"{i.exercise_id}.{p.id}": get_kind(p.kind).typed(p.answer, p)
               for i in build_student(bank, seed=1, student_id="s001") for p in i.parts}
    return json.dumps({"student": "s001", "answers": answers}, indent=1)


def submission_cases() -> dict[str, tuple[str, str]]:
    """name -> (file suffix, text) for submission files of at most MAX_SUBMISSION_BYTES."""
    size = MAX_SUBMISSION_BYTES
    base60 = "1:" * ((SCALAR - 10) // 2) + "0"
    nested = "[" * 31 + "1" + "]" * 31
    anchor = "[" + ", ".join(["1"] * 1_999) + "]"
    return {
        "typical submission (JSON as YAML)": ("yaml", typical()),
        "base-60 numbers, 100k chars each": ("yaml", fill("  q{i}: " + base60 + "\n", size)),
        "one base-60 number, 5 MB (refused)": ("yaml", "student: s\nanswers: {a: " + "1:" * (size // 2 - 20) + "0}\n"),
        "values at the budget (flow list)": ("yaml", "student: s\nanswers:\n  a: [" + "1, " * (NODES - 10) + "1]\n"),
        "values past the budget (5 MB list)": ("yaml", fill("1, ", size, "student: s\nanswers:\n  a: [", "1]\n")),
        "keys at the budget (block map)": ("yaml", fill("  k{i}: {i}\n", size)),
        "long plain scalars, 100k each": ("yaml", fill("  q{i}: " + "x" * (SCALAR - 10) + "\n", size)),
        "long quoted scalars with escapes": ("yaml", fill('  q{i}: "' + "\\u00e9" * ((SCALAR - 20) // 6) + '"\n',
                                                           size)),
        "multi-line folded scalars": ("yaml", fill("  q{i}: >\n" + ("    " + "y" * 70 + "\n") * 1300, size)),
        "nesting at depth 32, repeated": ("yaml", fill("  q{i}: " + nested + "\n", size)),
        "aliases of a 2,000-value anchor": ("yaml", "student: s\nanswers:\n  a: &x " + anchor + "\n"
                                            + "".join(f"  b{i}: *x\n" for i in range(99))),
        "merge-key bomb (yaml/pyyaml#897)": ("yaml", "student: s\nanswers:\n  L0: &L0 {k: v}\n" + "".join(
            f"  L{i}: &L{i} {{<<: [*L{i - 1}, *L{i - 1}], k{i}: v}}\n" for i in range(1, 24))),
        f"{MAX_DIGITS:,}-digit integers (converted)": ("yaml", fill("  q{i}: " + "9" * MAX_DIGITS + "\n", size)),
        "4,301-digit integers (kept as text)": ("yaml", fill("  q{i}: " + "9" * 4301 + "\n", size)),
        "100k-digit floats": ("yaml", fill("  q{i}: 1." + "3" * (SCALAR - 20) + "\n", size)),
        "comments only": ("yaml", fill("# " + "c" * 77 + "\n", size, "")),
        "blank lines": ("yaml", "student: s\nanswers: {}" + "\n" * (size - 30)),
        "second document at the end": ("yaml", fill("  k{i}: {i}\n", size // 4) + "---\nx: 1\n"),
        "JSON: 1M numbers (refused)": ("json", fill("1,", size, '{"student": "s", "answers": {"a": [', "1]}}")),
        "JSON: duplicate key at the end": ("json", fill('"k{i}": 1, ', size - 40, '{"student": "s", "answers": {',
                                                         '"k0": 2}}')),
        "JSON: deep nesting (refused)": ("json", '{"a": ' + "[" * (size // 2 - 10) + "]" * (size // 2 - 10) + "}"),
        "JSON: escapes and surrogates": ("json", fill('"q{i}": "' + "\\ud800\\u00e9" * 500 + '", ', size - 20,
                                                      '{"student": "s", "answers": {', '"z": 1}}')),
    }


def csv_cases() -> dict[str, str]:
    header = "student,name," + ",".join(f"e{i}.a" for i in range(40)) + "\n"
    return {
        "class CSV: rows at the cell budget": fill("s{i},Name," + ",".join(["1"] * 40) + "\n", MAX_CSV_BYTES, header),
        "class CSV: 20 MB of short rows": fill("s{i},N,1\n", MAX_CSV_BYTES, "student,name,a\n"),
        "class CSV: 5,000 columns": "student," + ",".join(f"c{i}" for i in range(5_000)) + "\n"
                                    + fill("s{i}," + ",".join(["1"] * 5_000) + "\n", MAX_CSV_BYTES // 2, ""),
        "class CSV: a 131,073-char field": "student,a\ns1," + "x" * 131_073 + "\n",
    }


def bank_cases() -> dict[str, str]:
    head = "bank: b\ntitle: T\n"
    entry = "  - {{id: e{i}, type: matmul, params: {{m: [1, 3], k: [2, 4], n: [1, 3]}}}}\n"
    return {
        f"bank: {MAX_EXERCISES:,} exercises": head + "exercises:\n" + "".join(entry.format(i=i)
                                                                          for i in range(MAX_EXERCISES)),
        f"bank: {MAX_EXERCISES + 1:,} exercises (refused)": head + "exercises:\n" + "".join(
            entry.format(i=i) for i in range(MAX_EXERCISES + 1)),
        "bank: 2 MB of base-60 numbers": fill("x{i}: " + "1:" * 40_000 + "0\n", MAX_BANK_BYTES, head),
        "bank: values at the budget": fill("- 1\n", MAX_BANK_BYTES, head + "x:\n"),
    }


def roster_cases() -> dict[str, str]:
    return {
        "roster: 100,000 students": "id,name\n" + "".join(f"s{i},Student Name {i}\n" for i in range(100_000)),
        "roster: 5 MB of bad ids": fill("bad/id{i},N\n", MAX_ROSTER_BYTES, "id,name\n"),
        "roster: 200-char names": fill("s{i}," + "N" * 200 + "\n", MAX_ROSTER_BYTES, "id,name\n"),
    }


def timed(reader: Callable[[Path], object], path: Path, repeat: int) -> tuple[float, str]:
    times, outcome = [], ""
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            reader(path)
            outcome = "read"
        except ExgenError as err:
            outcome = "refused" if "\n" not in str(err).strip() else "refused (several lines)"
        times.append(time.perf_counter() - started)
    return statistics.median(times), outcome


BASELINE = """
import sys, time, yaml
text = open(sys.argv[1], encoding="utf-8").read()
started = time.perf_counter()
try:
    yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
except Exception as err:
    pass
print(time.perf_counter() - started)
"""


def baseline(path: Path, timeout: float) -> float | None:
    """Seconds of the old reader (PyYAML's safe loader) on the file, or None when stopped at ``timeout``."""
    try:
        done = subprocess.run([sys.executable, "-c", BASELINE, str(path)], capture_output=True, text=True,
                              timeout=timeout)
        return float(done.stdout.strip())
    except (subprocess.TimeoutExpired, ValueError):
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-timeout", type=float, default=20.0)
    parser.add_argument("--no-python", action="store_true", help="skip the pure-Python parser column")
    parser.add_argument("--no-baseline", action="store_true", help="skip the old reader column")
    args = parser.parse_args()
    with_c = safeyaml.has_libyaml()
    print(f"PyYAML C parser (libyaml): {'yes' if with_c else 'NO: only the pure-Python column is meaningful'}")
    print(f"{'case':44s} {'size':>10s} {'exgen C':>9s} {'exgen py':>9s} {'old':>9s} {'old/C':>7s}  outcome")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        cases: list[tuple[str, Path, Callable[[Path], object], bool]] = []
        for name, (suffix, text) in submission_cases().items():
            path = Path(tmp, f"{len(cases)}.{suffix}")
            path.write_text(text, encoding="utf-8")
            cases.append((name, path, read_submission_file, suffix == "yaml"))
        for name, text in csv_cases().items():
            path = Path(tmp, f"{len(cases)}.csv")
            path.write_text(text, encoding="utf-8")
            cases.append((name, path, read_class_csv, False))
        for name, text in bank_cases().items():
            path = Path(tmp, f"{len(cases)}.yaml")
            path.write_text(text, encoding="utf-8")
            cases.append((name, path, load_bank, True))
        for name, text in roster_cases().items():
            path = Path(tmp, f"{len(cases)}.csv")
            path.write_text(text, encoding="utf-8")
            cases.append((name, path, read_roster, False))
        real = yamlevents._CParser
        for name, path, reader, is_yaml in cases:
            size = path.stat().st_size
            fast, outcome = timed(reader, path, args.repeat) if with_c else (float("nan"), "")
            slow = float("nan")
            if not args.no_python and is_yaml:
                yamlevents._CParser = None
                try:
                    slow, outcome_py = timed(reader, path, 1)
                finally:
                    yamlevents._CParser = real
                outcome = outcome or outcome_py
            old = baseline(path, args.baseline_timeout) if is_yaml and not args.no_baseline else None
            old_text = "" if not is_yaml or args.no_baseline else (f"{old:8.3f}s" if old is not None
                                                                   else f">{args.baseline_timeout:.0f}s")
            ratio = "" if not is_yaml or args.no_baseline else (
                f"{(old if old is not None else args.baseline_timeout) / fast:6.0f}x"
                + ("+" if old is None else " "))
            worst = max(worst, fast)
            print(f"{name:44s} {size:>10,} {fast:8.3f}s {'' if slow != slow else f'{slow:8.3f}s':>9s} "
                  f"{old_text:>9s} {ratio:>7s}  {outcome}", flush=True)
    verdict = "within" if worst <= LIMIT else "OVER"
    print(f"slowest with the C parser: {worst:.3f} s ({verdict} the {LIMIT:.0f} s target)")
    return 0 if worst <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
