"""Benchmark of `exgen grade`: answers per second with --jobs 1 and 2, and the cold start of one submission.

    python benchmarks/bench_grading.py [--students 1000] [--distinct 40] [--repeat 5]

1. Builds an answer key for N synthetic students over the whole default bank (dl-math-basics). Generating
   instances is not what is measured and costs ~0.2 s a student, so ``--distinct`` real instance sets are
   generated and shared round-robin by the N student ids (grading cost is the same; ``--distinct N``
   makes every student unique).
2. Writes one submission file per student: 60% all correct, 20% one known mistake per exercise, 10%
   garbage, 10% half the parts missing.
3. Times `exgen grade` in a fresh process for --jobs 1 and --jobs 2 (reading, grading, writing every
   output) and, in this process, the grading core alone (`grade_batch`), and prints answers per second.
4. Times the cold start of grading one submission (`exgen grade --key one.json s.yaml --format
   json,feedback`, what an LMS autograder does per submission) beside `python -c "import numpy"`,
   medians of --repeat runs measured in this same run, and prints the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build_key(tmp: Path, students: int, distinct: int):
    from exgen.bank.spec import load_bank
    from exgen.build.keyfile import build_key as make
    from exgen.build.keyfile import dumps
    from exgen.build.pipeline import bank_info, build_student
    from exgen.resources import builtin_banks

    bank = load_bank(builtin_banks()["dl-math-basics"])
    pool = [build_student(bank, seed=bank.seed, student_id=f"pool{i:04d}") for i in range(min(distinct, students))]
    ids = [f"s{i:05d}" for i in range(1, students + 1)]
    entries = [({"id": sid, "name": f"Student {n}"}, pool[n % len(pool)]) for n, sid in enumerate(ids)]
    (tmp / "answer_key.json").write_text(dumps(make(bank=bank_info(bank), seed=bank.seed, students=entries)),
                                         encoding="utf-8")
    (tmp / "one.json").write_text(dumps(make(bank=bank_info(bank), seed=bank.seed, students=entries[:1])),
                                  encoding="utf-8")
    return entries


def write_submissions(tmp: Path, entries) -> int:
    import yaml

    from exgen.answers import get_kind

    folder = tmp / "subs"
    folder.mkdir()
    answers_total = 0
    for n, (student, instances) in enumerate(entries):
        answers = {}
        for inst in instances:
            mistake = next(((p, w) for p in inst.parts for w in p.wrong_answers), None)
            for k, part in enumerate(inst.parts):
                answers_total += 1
                kind = get_kind(part.kind)
                text = kind.typed(part.answer, part)
                if n % 10 in (6, 7) and mistake and mistake[0] is part:
                    text = get_kind(mistake[1].kind or part.kind).typed(mistake[1].value, part)
                elif n % 10 == 8:
                    text = "@@ no idea ##"
                elif n % 10 == 9 and k % 2:
                    continue
                answers[f"{inst.exercise_id}.{part.id}"] = text
        (folder / f"{student['id']}.yaml").write_text(yaml.safe_dump({"student": student["id"], "answers": answers}),
                                                      encoding="utf-8")
    return answers_total


def run(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Run a command; return (wall seconds, CPU seconds of it and its waited-for children)."""
    # Byte-code is cached (in a private folder), as it is for an installed exgen in an autograder image.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(cwd / "pycache"))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err}")
    return elapsed, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--distinct", type=int, default=40, help="distinct instance sets shared by the students")
    parser.add_argument("--repeat", type=int, default=5, help="runs per cold-start measurement (median)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="exgen-bench-") as name:
        tmp = Path(name)
        t0 = time.perf_counter()
        entries = build_key(tmp, args.students, args.distinct)
        answers = write_submissions(tmp, entries)
        print(f"setup: {args.students} students x {len(entries[0][1])} exercises = {answers} answers "
              f"({min(args.distinct, args.students)} distinct instance sets; {time.perf_counter() - t0:.1f} s)")

        from exgen.build.keyfile import load_key
        from exgen.grading.batch import grade_batch
        from exgen.grading.submissions import read_submissions

        key = load_key(tmp / "answer_key.json")
        subs, problems = read_submissions([tmp / "subs"])
        assert not problems, problems[:3]
        digests = {}
        for jobs in (1, 2):
            start = time.perf_counter()
            results = grade_batch(key, subs, jobs=jobs)
            core = time.perf_counter() - start
            digests[jobs] = json.dumps(results.to_dict(), sort_keys=True)
            wall, cpu = run([sys.executable, "-m", "exgen", "grade", "--key", "answer_key.json", "subs", "--out",
                             f"out{jobs}", "--jobs", str(jobs), "-q"], tmp)
            print(f"--jobs {jobs}: grading core {answers / core:10,.0f} answers/s ({core:.2f} s); "
                  f"exgen grade end to end (read, grade, write all outputs) {answers / wall:8,.0f} answers/s "
                  f"({wall:.2f} s wall, {cpu:.2f} s CPU)   [load average {os.getloadavg()[0]:.1f}]")
        same = digests[1] == digests[2] and all(
            (tmp / "out1" / f).read_bytes() == (tmp / "out2" / f).read_bytes()
            for f in ("grades.csv", "canvas.csv", "results.json", "report.md"))
        print(f"--jobs 1 and --jobs 2 results identical: {same}")

        sub = tmp / "subs" / f"{entries[0][0]['id']}.yaml"
        grade_one = [sys.executable, "-m", "exgen", "grade", "--key", "one.json", str(sub), "--out", "one",
                     "--format", "json,feedback", "--force", "-q"]
        numpy_cmd = [sys.executable, "-c", "import numpy"]
        empty_cmd = [sys.executable, "-c", "pass"]
        run(grade_one, tmp)  # warm the file-system cache and .pyc files, as an autograder image would be
        cold, numpy_t, empty_t = [], [], []
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            cold.append(run(grade_one, tmp))
            numpy_t.append(run(numpy_cmd, tmp))
            empty_t.append(run(empty_cmd, tmp))
        (c, cc), (n, nc), (e, ec) = [(statistics.median(w for w, _ in t), min(u for _, u in t))
                                     for t in (cold, numpy_t, empty_t)]
        print(f"cold start, one submission (exgen grade ... --format json,feedback): {c * 1000:.0f} ms wall (median "
              f"of {args.repeat}), {cc * 1000:.0f} ms CPU (min)")
        print(f'python -c "import numpy": {n * 1000:.0f} ms wall, {nc * 1000:.0f} ms CPU; python -c "pass": '
              f"{e * 1000:.0f} ms wall, {ec * 1000:.0f} ms CPU")
        print(f"ratio grade-one / import-numpy: {c / n:.2f} wall, {cc / nc:.2f} CPU (target: within 1.5x)   "
              f"[load average {os.getloadavg()[0]:.1f}]")


if __name__ == "__main__":
    main()
