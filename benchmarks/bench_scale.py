"""Benchmark of a class of 10,000 (issue #17): each figure printed beside its baseline, both measured in this run.

    python benchmarks/bench_scale.py [--students 10000] [--repeat 9] [--jobs 1,2] [--before PATH] [--keep DIR]

1. generate: ``exgen generate --count N --format md,tex`` with ``--jobs 1`` and ``--jobs 2``: wall and CPU
   time (the process and its workers), the speed-up, and peak memory (the largest process's peak RSS, and the
   peak of the whole process tree's PSS sampled every 0.1 s) beside the 300 MB limit and beside the floor:
   a process that only imports what generate imports.
2. key size per student: answer_key.sqlite beside answer_key.json.
3. the JSON export against docs/answer-key.schema.json: a whole export (the sharded class of step 6) and
   every 10th student of the N-student export, each cut from the file as written.
4. end-to-end grading of the class (``exgen grade --key OUT subs --out ...``; read, grade, write every
   output): answers per second with ``--jobs 1`` and ``--jobs 2``, and the speed-up: medians of
   ``--grade-repeat`` interleaved runs, judged by the wall clock (run it on an otherwise idle machine).
5. cold grading of one submission against the N-student key, on the command line
   (``exgen grade --key OUT/answer_key.sqlite s.yaml --format json,feedback``), from Python
   (``exgen.grade(...)``) and by the Gradescope autograder (``exgen export gradescope --key OUT`` ships the
   store; ``python -m exgen.exporters.autograder_main`` per submission), beside ``python -c "import numpy"``: --repeat runs of each, interleaved, min and
   median of wall and CPU time; and, where valgrind is installed, the instructions each executes (callgrind,
   median of three hash seeds), which no other load changes: the figure the target is judged by then.
6. sharded runs: 4 shards of generate and of grade (``--shard i/4``, then ``exgen merge``) on a class of
   --shard-students, compared file by file with the unsharded run.

With ``--before PATH`` (a checkout of exgen before the key store, e.g. ``git worktree add /tmp/before
e49b174``), generate and grade of --before-students with that code are measured too, for comparison.

The machine may be shared: the load average is printed at the start and the end of each step. Speed-ups
need two free cores; CPU times are printed beside wall times because they depend little on other load, and
so is the CPU critical path of a run with workers (see ``measured``): what two free cores would take. The
run ends with the issue's "Must show" figures as a Markdown table (docs/benchmarks.md keeps one).
``--jobs 2`` measures only ``--jobs 2`` (for a long run; the speed-ups are then not measured).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MB = 1024 * 1024
#: The figures of issue #17's "Must show" list, as measured: (figure, measured, target, met), printed at the end
#: as a Markdown table (docs/scaling.md keeps one).
SUMMARY: list[tuple[str, str, str, str]] = []


def note(figure: str, measured: str, target: str, met: bool | None) -> None:
    SUMMARY.append((figure, measured, target, {True: "yes", False: "**no**", None: "–"}[met]))


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def environment(path: Path = ROOT, cache: Path | None = None) -> dict:
    # Byte-code is cached (in a private folder), as it is for an installed exgen in an autograder image.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(path), PYTHONPYCACHEPREFIX=str(cache or Path(tempfile.gettempdir()) / "exgen-bench-pyc"))
    return env


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as handle:
                    todo += [int(c) for c in handle.read().split()]
        except OSError:
            continue
    return found


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_of(pid: int) -> float | None:
    """CPU seconds (user + system, all its threads) a live process has used, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK


def measured(cmd: list[str], *, cwd: Path, env: dict, sample: bool = False, pss: bool = True) -> dict:
    """Run a command; return wall and CPU seconds (with its waited-for workers), peak RSS of the largest
    process and, with ``sample``, the peak PSS of the whole process tree and ``path``: the CPU critical path.

    ``pss=False`` samples CPU times only: reading a large process's memory map every 50 ms takes CPU of its
    own, which a run keeping both cores busy then loses (grading: only generate's memory is a target).

    The critical path is what the run would take on free cores (disk waits aside), from each process's CPU
    time: this process's CPU while it runs alone (before its workers start and after they end), plus the
    longest of its workers' CPU times (or its own, if longer) while they run. On a shared machine the wall
    time depends on the other load; the CPU times, and so this, depend on it little."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    cpu: dict[int, float] = {}
    phase: dict[str, float] = {}  # this process's CPU when workers were first and last seen
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            tree = _tree(proc.pid)
            if pss:
                peak[0] = max(peak[0], sum(_pss(p) for p in tree))
            for p in tree:
                used = _cpu_of(p)
                if used is not None:
                    cpu[p] = max(cpu.get(p, 0.0), used)
            if len(tree) > 1 and proc.pid in cpu:
                phase.setdefault("first", cpu[proc.pid])
                phase["last"] = cpu[proc.pid]
            stop.wait(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    if sample and os.path.exists("/proc/self/smaps_rollup"):
        watcher.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stop.set()
    if watcher.is_alive():
        watcher.join()
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    total = usage.ru_utime + usage.ru_stime
    path = total
    if cpu:
        own = cpu.get(proc.pid, 0.0)
        workers = [v for p, v in cpu.items() if p != proc.pid]
        unseen = max(0.0, total - own - sum(workers))  # used after the last sample: counted as serial
        if "first" in phase and workers:
            serial = phase["first"] + (own - phase["last"]) + unseen
            path = serial + max(max(workers), phase["last"] - phase["first"])
        else:
            path = total
    return {"wall": wall, "cpu": total, "rss": usage.ru_maxrss * 1024, "pss": peak[0], "code": code, "err": err,
            "path": path}


def exgen_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "exgen", *args]


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def write_submissions(store_path: Path, folder: Path) -> int:
    """One YAML file per student: 60% right, 20% one known mistake per exercise, 10% garbage, 10% half the
    parts missing. Returns the number of answers written."""
    import yaml

    from exgen.answers import get_kind
    from exgen.build.keystore import KeyStore
    from exgen.instance import Instance

    folder.mkdir()
    store = KeyStore(store_path)
    total = 0
    for n, (_pos, sid, _name, record) in enumerate(store.rows()):
        answers = {}
        for ex in store.exercises_of(sid, record):
            inst = Instance.from_dict(ex)
            mistake = next(((p, w) for p in inst.parts for w in p.wrong_answers), None)
            for k, part in enumerate(inst.parts):
                text = get_kind(part.kind).typed(part.answer, part)
                if n % 10 in (6, 7) and mistake and mistake[0] is part:
                    text = get_kind(mistake[1].kind or part.kind).typed(mistake[1].value, part)
                elif n % 10 == 8:
                    text = "@@ no idea ##"
                elif n % 10 == 9 and k % 2:
                    continue
                answers[f"{inst.exercise_id}.{part.id}"] = text
                total += 1
        (folder / f"{sid}.yaml").write_text(yaml.safe_dump({"student": sid, "answers": answers}), encoding="utf-8")
    return total


def validate_export(path: Path, every: int) -> tuple[int, int]:
    """Validate the JSON export as written: its frame (with no students) and every ``every``-th student cut
    from the file (``dumps`` puts each student between a line "  {" and a line "  }"). Returns (validated,
    students)."""
    import jsonschema

    schema = json.loads((ROOT / "docs" / "answer-key.schema.json").read_text(encoding="utf-8"))
    student_schema = {**schema["properties"]["students"]["items"], "$defs": schema["$defs"]}
    frame: list[str] = []
    current: list[str] | None = None
    count = checked = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if current is None and line.rstrip("\n") == "  {":
                current = [line]
            elif current is not None:
                current.append(line)
                if line.rstrip("\n").rstrip(",") == "  }":
                    if count % every == 0:
                        jsonschema.validate(json.loads("".join(current).rstrip().rstrip(",")), student_schema)
                        checked += 1
                    count += 1
                    current = None
            else:
                frame.append(line)
    head = "".join(frame).replace('"students": [\n ]', '"students": []')
    jsonschema.validate(json.loads(head), schema)
    return checked, count


def step_generate(args, tmp: Path) -> Path:
    print(f"\n== 1. generate {args.students:,} students (md+tex)   [{load()}]")
    env = environment()
    floor = measured([sys.executable, "-c", "import exgen.api, exgen.runs.generate, exgen.render.documents, "
                      "exgen.build.pipeline, exgen.types, sympy, jinja2, numpy"], cwd=tmp, env=env)
    runs = {}
    for jobs in args.jobs:
        out = tmp / f"gen{jobs}"
        r = measured(exgen_cmd("generate", "--count", str(args.students), "--format", "md,tex", "--jobs", str(jobs),
                               "--out", out.name, "-q"), cwd=tmp, env=env, sample=True)
        if r["code"] != 0:
            raise SystemExit(f"generate --jobs {jobs} failed:\n{r['err']}")
        runs[jobs] = r
        print(f"--jobs {jobs}: {r['wall']:8.1f} s wall, {r['cpu']:8.1f} s CPU, CPU critical path {r['path']:8.1f} s; "
              f"{args.students / r['wall']:6.1f} students/s; peak RSS of the largest process {r['rss'] / MB:6.0f} MB, "
              f"peak PSS of all its processes {r['pss'] / MB:6.0f} MB   [{load()}]")
    print(f"baseline: the 300 MB limit; a process that only imports what generate needs: {floor['rss'] / MB:.0f} MB "
          "peak RSS")
    peak = max(max(r["pss"], r["rss"]) for r in runs.values())
    n = f"{args.students:,}"
    note(f"generate {n} (md+tex): peak memory (PSS of all processes; RSS of the largest)",
         " / ".join(f"--jobs {j}: {r['pss'] / MB:.0f} MB; {r['rss'] / MB:.0f} MB" for j, r in runs.items()),
         "< 300 MB", peak < 300 * MB)
    if len(runs) < 2:
        return tmp / f"gen{args.jobs[-1]}"
    wall_ratio = runs[1]["wall"] / runs[2]["wall"]
    path_ratio = runs[1]["path"] / runs[2]["path"]
    print(f"speed-up --jobs 2 / --jobs 1: {wall_ratio:.2f}x wall; {path_ratio:.2f}x by CPU critical path (what two "
          f"free cores would give); CPU {runs[2]['cpu'] / runs[1]['cpu']:.2f}x the --jobs 1 CPU (target 1.8x)")
    same = tree_digest(tmp / "gen1") == tree_digest(tmp / "gen2")
    print(f"--jobs 1 and --jobs 2 files identical: {same}")
    note(f"generate {n}: --jobs 1 / --jobs 2",
         f"{wall_ratio:.2f}x wall ({runs[1]['wall']:.0f} s / {runs[2]['wall']:.0f} s); {path_ratio:.2f}x CPU critical "
         f"path ({runs[1]['path']:.0f} s / {runs[2]['path']:.0f} s); CPU {runs[1]['cpu']:.0f} s / {runs[2]['cpu']:.0f} s",
         ">= 1.8x", path_ratio >= 1.8)
    return tmp / "gen2"


def step_key(args, gen: Path) -> None:
    print(f"\n== 2. key size per student   [{load()}]")
    store, export = gen / "answer_key.sqlite", gen / "answer_key.json"
    n = args.students
    print(f"answer_key.sqlite: {store.stat().st_size / n / 1024:6.1f} KB a student ({store.stat().st_size / MB:.1f} MB); "
          f"baseline answer_key.json: {export.stat().st_size / n / 1024:6.1f} KB a student "
          f"({export.stat().st_size / MB:.1f} MB); ratio {export.stat().st_size / store.stat().st_size:.1f}x")
    checked, count = validate_export(export, 10)
    print(f"answer_key.json of {count:,} students: frame and {checked:,} students (every 10th) valid against "
          "docs/answer-key.schema.json")
    note(f"key size per student ({n:,} students)", f"answer_key.sqlite {store.stat().st_size / n / 1024:.1f} KB; "
         f"answer_key.json {export.stat().st_size / n / 1024:.1f} KB", "reported", None)
    note("answer_key.json against docs/answer-key.schema.json", f"frame + every 10th of {count:,} students valid",
         "valid", True)


def step_grade(args, tmp: Path, gen: Path, subs: Path | None = None) -> Path:
    print(f"\n== 4. end-to-end grading of {args.students:,} students   [{load()}]")
    if subs is None:
        subs = tmp / "subs"
        answers = write_submissions(gen / "answer_key.sqlite", subs)
    else:
        answers = count_answers(subs)
    print(f"{args.students:,} submission files, {answers:,} answers; each --jobs value {args.grade_repeat} times, "
          "interleaved (CPU times sampled, not memory: reading memory maps takes CPU the run would lose)")
    env = environment()
    runs: dict[int, list[dict]] = {}
    for _ in range(args.grade_repeat):
        for jobs in args.jobs:
            r = measured(exgen_cmd("grade", "--key", str(gen), str(subs), "--out", f"graded{jobs}", "--jobs", str(jobs),
                                   "-q", "--force"), cwd=tmp, env=env, sample=True, pss=False)
            if r["code"] not in (0, 1):
                raise SystemExit(f"grade --jobs {jobs} failed:\n{r['err']}")
            runs.setdefault(jobs, []).append(r)
            print(f"--jobs {jobs}: {answers / r['wall']:9,.0f} answers/s wall, {answers / r['path']:9,.0f} by CPU "
                  f"critical path ({r['wall']:6.1f} s wall, {r['cpu']:6.1f} s CPU, critical path {r['path']:6.1f} s)"
                  f"   [{load()}]")
    wall = {j: statistics.median(r["wall"] for r in rs) for j, rs in runs.items()}
    path = {j: statistics.median(r["path"] for r in rs) for j, rs in runs.items()}
    n = f"{args.students:,}"
    top = args.jobs[-1]
    note(f"grade {n} students ({answers:,} answers), --jobs {top}",
         f"{answers / wall[top]:,.0f} answers/s wall; {answers / path[top]:,.0f} by CPU critical path (medians of "
         f"{args.grade_repeat})", ">= 10,000 answers/s", answers / wall[top] >= 10_000)
    if len(runs) < 2:
        return subs
    wall_ratio, path_ratio = wall[1] / wall[2], path[1] / path[2]
    print(f"speed-up --jobs 2 / --jobs 1: {wall_ratio:.2f}x wall, {path_ratio:.2f}x by CPU critical path, medians "
          "(baseline: --jobs 1; target: 10,000 answers/s and 1.8x)")
    print(f"--jobs 1 and --jobs 2 outputs identical: {tree_digest(tmp / 'graded1') == tree_digest(tmp / 'graded2')}")
    note(f"grade {n}: --jobs 1 / --jobs 2",
         f"{wall_ratio:.2f}x wall ({wall[1]:.1f} s / {wall[2]:.1f} s, medians of {args.grade_repeat}); "
         f"{path_ratio:.2f}x CPU critical path", ">= 1.8x", wall_ratio >= 1.8)
    return subs


def count_answers(subs: Path) -> int:
    from exgen.grading.submissions import read_submission_file

    return sum(sum(len(parts) for parts in read_submission_file(p).answers.values()) for p in sorted(subs.iterdir()))


def step_cold(args, tmp: Path, gen: Path, subs: Path) -> None:
    print(f"\n== 5. cold grading of one submission against the {args.students:,}-student key   [{load()}]")
    env = environment()
    sub = sorted(subs.iterdir())[0]
    key = gen / "answer_key.sqlite"
    cmds = {
        "exgen grade (CLI)": exgen_cmd("grade", "--key", str(key), str(sub), "--out", "one", "--format", "json,feedback",
                                       "--force", "-q"),
        "exgen.grade (Python)": [sys.executable, "-c", f"import exgen; exgen.grade({str(sub)!r}, key={str(key)!r}, "
                                 "out='one-py', formats='json,feedback', force=True)"],
        "Gradescope autograder": [sys.executable, "-m", "exgen.exporters.autograder_main", "--root",
                                  str(autograder_root(tmp, key, sub))],
        'python -c "import numpy"': [sys.executable, "-c", "import numpy"],
    }
    for cmd in cmds.values():  # warm the file-system cache and the byte-code, as an autograder image would be
        measured(cmd, cwd=tmp, env=env)
    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in cmds}
    for _ in range(args.repeat):  # interleaved, so that all see the same machine load
        for label, cmd in cmds.items():
            r = measured(cmd, cwd=tmp, env=env)
            times[label][0].append(r["wall"])
            times[label][1].append(r["cpu"])
    base_wall, base_cpu = times['python -c "import numpy"']
    for label, (wall, cpu) in times.items():
        print(f"{label:28} wall min {min(wall) * 1000:5.0f} ms, median {statistics.median(wall) * 1000:5.0f} ms; "
              f"CPU min {min(cpu) * 1000:5.0f} ms | ratio to import numpy: wall(min) {min(wall) / min(base_wall):.2f}, "
              f"wall(median) {statistics.median(wall) / statistics.median(base_wall):.2f}, "
              f"CPU(min) {min(cpu) / min(base_cpu):.2f}")
    print(f"({args.repeat} runs each; target: within 1.5x)   [{load()}]")
    counts = instructions(cmds, cwd=tmp, env=env) if shutil.which("valgrind") else {}
    if counts:
        base = counts['python -c "import numpy"']
        for label, n in counts.items():
            print(f"{label:28} {n / 1e6:6.0f} M instructions (callgrind, median of 3 hash seeds) | ratio {n / base:.2f}")
    for label in list(cmds)[:3]:
        wall, cpu = times[label]
        by_count = (f"; {counts[label] / base:.2f}x in instructions ({counts[label] / 1e6:.0f} M / {base / 1e6:.0f} M)"
                    if counts else "")
        note(f"cold grading of one submission, {label}, {args.students:,}-student key",
             f"{min(wall) / min(base_wall):.2f}x wall (min; median {statistics.median(wall) / statistics.median(base_wall):.2f}x), "
             f"{min(cpu) / min(base_cpu):.2f}x CPU ({min(cpu) * 1000:.0f} ms / {min(base_cpu) * 1000:.0f} ms){by_count}",
             'within 1.5x of python -c "import numpy"',
             (counts[label] / base if counts else min(cpu) / min(base_cpu)) <= 1.5)


def autograder_root(tmp: Path, key: Path, sub: Path) -> Path:
    """The folders Gradescope gives ``run_autograder`` (what ``exgen export gradescope --key`` ships, unpacked),
    for the submitter whose submission ``sub`` is, matched by id."""
    root = tmp / "autograder"
    source = root / "source" / "exgen_autograder"
    source.mkdir(parents=True, exist_ok=True)
    (root / "submission").mkdir(exist_ok=True)
    (root / "results").mkdir(exist_ok=True)
    shutil.copyfile(key, source / "key.sqlite")
    shutil.copyfile(sub, root / "submission" / "answers.yaml")
    (source / "config.json").write_text(json.dumps({"key_file": "key.sqlite", "student_key": "id"}))
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"id": sub.stem, "name": sub.stem}]}))
    return root


def instructions(cmds: dict[str, list[str]], *, cwd: Path, env: dict) -> dict[str, float]:
    """Instructions each command executes (valgrind's callgrind), the median over three hash seeds: a count
    no other load on the machine changes, unlike the clock."""
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for label, cmd in cmds.items():
            found = []
            for seed in ("0", "1", "2"):
                run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={scratch}/cg.out", *cmd],
                                     cwd=cwd, env={**env, "PYTHONHASHSEED": seed}, capture_output=True, text=True)
                match = re.search(r"Collected : (\d+)", run.stderr)
                if run.returncode != 0 or not match:
                    return {}
                found.append(int(match.group(1)))
            out[label] = statistics.median(found)
    return out


def step_shards(args, tmp: Path) -> None:
    print(f"\n== 6. 4 shards merged against one run ({args.shard_students} students)   [{load()}]")
    env = environment()
    n = str(args.shard_students)

    def ok(*cmd: str, codes=(0,)) -> None:
        r = measured(exgen_cmd(*cmd), cwd=tmp, env=env)
        if r["code"] not in codes:
            raise SystemExit(f"exgen {' '.join(cmd)} failed:\n{r['err']}")

    ok("generate", "--count", n, "--format", "md,tex", "--out", "s-whole", "-q")
    for i in range(1, 5):
        ok("generate", "--count", n, "--format", "md,tex", "--shard", f"{i}/4", "--out", "s-sharded", "-q")
    ok("merge", "s-sharded", "-q")
    write_submissions(tmp / "s-whole" / "answer_key.sqlite", tmp / "s-subs")
    ok("grade", "--key", "s-whole", "s-subs", "--out", "s-graded", "-q", codes=(0, 1))
    for i in range(1, 5):
        ok("grade", "--key", "s-whole", "s-subs", "--shard", f"{i}/4", "--out", "s-graded-sharded", "-q", codes=(0, 1))
    ok("merge", "s-graded-sharded", "-q")
    gen_same = tree_digest(tmp / "s-whole") == tree_digest(tmp / "s-sharded")
    grade_same = tree_digest(tmp / "s-graded") == tree_digest(tmp / "s-graded-sharded")
    print(f"generate: 4 shards merged byte-identical to one run: {gen_same} ({len(tree_digest(tmp / 's-whole'))} files)")
    print(f"grade: 4 shards merged byte-identical to one run: {grade_same} ({len(tree_digest(tmp / 's-graded'))} files)")
    note(f"4 shards merged = one run ({args.shard_students} students)", f"generate: {gen_same}; grade: {grade_same}",
         "byte-identical", gen_same and grade_same)
    checked, count = validate_export(tmp / "s-whole" / "answer_key.json", 1)
    print(f"== 3. answer_key.json of {count} students: every student ({checked}) and the frame valid against "
          "docs/answer-key.schema.json")


def step_before(args, tmp: Path) -> None:
    print(f"\n== before: exgen at {args.before}, {args.before_students} students   [{load()}]")
    env = environment(Path(args.before), Path(tempfile.gettempdir()) / "exgen-bench-pyc-before")
    n = str(args.before_students)
    r = measured(exgen_cmd("generate", "--count", n, "--format", "md,tex", "--out", "b-gen", "-q"), cwd=tmp, env=env,
                 sample=True)
    print(f"generate: {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, peak RSS {r['rss'] / MB:.0f} MB")
    key = tmp / "b-gen" / "answer_key.json"
    print(f"answer_key.json: {key.stat().st_size / int(n) / 1024:.1f} KB a student")
    from exgen.build.keyfile import load_key  # noqa: F401  (the current reader writes the submissions)

    now = environment()
    measured(exgen_cmd("generate", "--count", n, "--format", "md,tex", "--out", "b-now", "-q"), cwd=tmp, env=now)
    answers = write_submissions(tmp / "b-now" / "answer_key.sqlite", tmp / "b-subs")
    for jobs in (1, 2):
        r = measured(exgen_cmd("grade", "--key", "b-gen/answer_key.json", "b-subs", "--out", f"b-graded{jobs}",
                               "--jobs", str(jobs), "-q"), cwd=tmp, env=env)
        print(f"grade --jobs {jobs}: {answers / r['wall']:,.0f} answers/s ({r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=9, help="runs per cold-start measurement")
    parser.add_argument("--shard-students", type=int, default=200)
    parser.add_argument("--before", help="a checkout of exgen before this work, measured for comparison")
    parser.add_argument("--before-students", type=int, default=1000)
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temporary folder)")
    parser.add_argument("--jobs", default="1,2", help="the --jobs values of generate and grade (default 1,2: "
                        "the speed-up; 2 alone halves a long run, the speed-up then not measured)")
    parser.add_argument("--cold", nargs=2, metavar=("KEY_FOLDER", "SUBMISSIONS"),
                        help="measure only step 5, against a key folder (answer_key.sqlite) and a folder of "
                             "submissions a previous run kept (--keep)")
    parser.add_argument("--grade", nargs=2, metavar=("KEY_FOLDER", "SUBMISSIONS"),
                        help="measure only steps 4 and 5 against a kept key folder and submissions")
    parser.add_argument("--grade-repeat", type=int, default=3, help="runs of each --jobs value in step 4")
    args = parser.parse_args()
    args.jobs = sorted({int(j) for j in args.jobs.split(",")})
    print(f"exgen benchmark, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}   [{load()}]")
    with tempfile.TemporaryDirectory(prefix="exgen-scale-") as name:
        tmp = Path(args.keep or name)
        tmp.mkdir(parents=True, exist_ok=True)
        if args.cold or args.grade:
            gen, subs = (Path(p).resolve() for p in (args.cold or args.grade))
            from exgen.build.keystore import KeyStore

            args.students = len(KeyStore(gen / "answer_key.sqlite").ids())
            if args.grade:
                step_grade(args, tmp, gen, subs)
            step_cold(args, tmp, gen, subs)
        else:
            gen = step_generate(args, tmp)
            step_key(args, gen)
            subs = step_grade(args, tmp, gen)
            step_cold(args, tmp, gen, subs)
            step_shards(args, tmp)
            if args.before:
                step_before(args, tmp)
    print(f"\n== issue #17, Must show ({os.cpu_count()} CPUs; load average at the end {load()[13:]})\n")
    print("| figure | measured | target | met |\n| --- | --- | --- | --- |")
    for row in SUMMARY:
        print("| " + " | ".join(row) + " |")
    print(f"\ndone   [{load()}]")


if __name__ == "__main__":
    main()
