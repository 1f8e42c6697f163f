"""kill -9 at several points of `exgen generate` and `exgen grade`: no partial visible file, nothing left over
after the next run, and the next run (without --force) gives byte-identical files to an uninterrupted run."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = 40
GENERATE = ["generate", "--count", str(STUDENTS), "--format", "md,tex,html", "-q"]


def env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}


def exgen(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "exgen", *args], cwd=cwd, env=env(), capture_output=True,
                          text=True, timeout=900)


def files(root: Path) -> dict[str, str]:
    """Every file under ``root`` (hidden ones too) -> sha256."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def hidden(name: str) -> bool:
    return any(part.startswith(".") for part in Path(name).parts)


def visible(root: Path) -> int:
    count = 0
    for _folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        count += sum(1 for n in names if not n.startswith("."))
    return count


def temporary(root: Path) -> int:
    return sum(1 for _folder, _dirs, names in os.walk(root) for n in names if n.endswith(".tmp"))


def kill_after(args: list[str], *, cwd: Path, out: Path, after: int, mid_write: bool = False) -> tuple[bool, int]:
    """Run exgen and SIGKILL it once ``after`` visible files are in ``out`` (and, with ``mid_write``, a
    temporary file is being written). Returns (killed, temporary files left at the moment of the kill)."""
    proc = subprocess.Popen([sys.executable, "-m", "exgen", *args], cwd=cwd, env=env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 900
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if out.exists() and visible(out) >= after and (not mid_write or temporary(out)):
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return True, temporary(out)
            time.sleep(0.0005)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    return False, 0


def check_interrupted_then_rerun(args: list[str], *, cwd: Path, out: Path, reference: dict[str, str],
                                 after: int, mid_write: bool = False) -> tuple[bool, int]:
    killed, left = kill_after(args, cwd=cwd, out=out, after=after, mid_write=mid_write)
    if out.exists():
        for name, digest in files(out).items():
            if not hidden(name):  # a visible file is always complete
                assert reference.get(name) == digest, (after, name)
    rerun = exgen(*args, cwd=cwd)
    assert rerun.returncode == 0, rerun.stderr
    assert files(out) == reference  # nothing left over, nothing missing, byte-identical
    return killed, left


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("interrupted")
    done = exgen(*GENERATE, "--out", "reference", cwd=tmp)
    assert done.returncode == 0, done.stderr
    return tmp


@pytest.mark.parametrize("after, mid_write", [(1, False), (9, False), (60, False), (170, False), (30, True)])
def test_generate_killed(work, after, mid_write):
    reference = files(work / "reference")
    assert len(reference) > 170 and not any(hidden(n) for n in reference)
    out = work / f"gen-{after}"
    killed, left = check_interrupted_then_rerun([*GENERATE, "--out", out.name], cwd=work, out=out,
                                                reference=reference, after=after, mid_write=mid_write)
    assert killed, "the run ended before the kill point; raise STUDENTS"
    assert left or not mid_write  # killed while a file was being written: its temporary file was removed


@pytest.fixture(scope="module")
def graded(work):
    """200 submissions (one per key student, answers from the key: a few parts each), graded once."""
    import json

    key = json.loads((work / "reference" / "answer_key.json").read_text(encoding="utf-8"))
    subs = work / "subs"
    subs.mkdir()
    for n, student in enumerate(key["students"]):
        for copy in range(5):  # the same students under several file names: 4 of 5 are duplicates (errors)
            ex = student["exercises"][n % len(student["exercises"])]
            (subs / f"{student['id']}-{copy}.yaml").write_text(yaml.safe_dump(
                {"student": student["id"], "answers": {f"{ex['id']}.{p['id']}": "1" for p in ex["parts"]}}))
    args = ["grade", "--key", "reference/answer_key.json", "subs", "-q"]
    done = exgen(*args, "--out", "grades-reference", cwd=work)
    assert done.returncode == 1 and "duplicate submission" in done.stderr
    return args, files(work / "grades-reference")


@pytest.mark.parametrize("after, mid_write", [(1, False), (6, False), (20, False), (40, False), (10, True)])
def test_grade_killed(work, graded, after, mid_write):
    args, reference = graded
    assert len(reference) > 40
    out = work / f"grade-{after}"
    killed, left = kill_after([*args, "--out", out.name], cwd=work, out=out, after=after, mid_write=mid_write)
    assert left or not mid_write
    if out.exists():
        for name, digest in files(out).items():
            if not hidden(name):
                assert reference.get(name) == digest, (after, name)
    rerun = exgen(*args, "--out", out.name, cwd=work)
    assert rerun.returncode == 1 and "use --force" not in rerun.stderr, rerun.stderr
    assert files(out) == reference
    assert killed or after > 1, "the run ended before the first file appeared"


def test_generate_refuses_to_change_a_file_after_an_interrupted_run_with_other_settings(work):
    out = work / "other-seed"
    kill_after([*GENERATE, "--out", out.name], cwd=work, out=out, after=5)
    rerun = exgen(*GENERATE, "--seed", "99", "--out", out.name, cwd=work)
    assert rerun.returncode == 1 and "use --force" in rerun.stderr and "Traceback" not in rerun.stderr
    forced = exgen(*GENERATE, "--seed", "99", "--force", "--out", out.name, cwd=work)
    assert forced.returncode == 0
    assert not any(hidden(n) for n in files(out))
