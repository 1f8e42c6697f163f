"""Documentation that must stay in step with the code."""

import json
import subprocess
from pathlib import Path

import pytest

from exgen.bank.paramdocs import BEGIN, END, reference
from exgen.types import all_types
from tests.conftest import ROOT


def test_bank_format_reference_is_current():
    text = (ROOT / "docs" / "bank-format.md").read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == reference(), "run: python -m exgen.bank.paramdocs and paste into docs/bank-format.md"
    for name in all_types():
        assert f"### `{name}`" in text


def test_bank_format_example_is_a_valid_bank(tmp_path):
    from exgen.bank.spec import load_bank

    text = (ROOT / "docs" / "bank-format.md").read_text()
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "week1.yaml"
    path.write_text(example)
    bank = load_bank(path)
    assert bank.id == "week1-basics" and len(bank.exercises) == 3
    assert bank.exercises[1].grading["tolerance"] == {"abs": 0.01, "rel": 0.001}
    assert bank.exercises[2].grading["partial_credit"] is True


def test_readme_quick_start_has_exactly_two_commands():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line for line in section.splitlines() if line.strip()]
    assert len(commands) == 2
    assert "exgen generate" in commands[0] and "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text()
    # CI installs into a brand-new venv and runs the command it reads from this very section
    assert "python3 -m venv" in ci and "## Quick start" in ci and 'bash -c "$test_cmd' in ci


def test_schemas_are_valid_json_schema():

    import jsonschema
    for path in sorted((ROOT / "docs").glob("*.schema.json")):
        schema = json.loads(path.read_text())
        jsonschema.validators.validator_for(schema).check_schema(schema)


def _blocks(text: str, after: str, lang: str) -> list[str]:
    """The fenced ``lang`` blocks of the section that starts at the heading ``after``."""
    import re

    section = text.split(after, 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    return re.findall(rf"```{lang}\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def scaling_class(tmp_path_factory):
    """A roster, its unsharded run and graded submissions: what every sharded example must reproduce."""
    from tests.runs.test_shards import submissions

    tmp = tmp_path_factory.mktemp("scaling")
    roster = tmp / "class.csv"
    roster.write_text("id,name\n" + "".join(f"s{i:02d},Student {i}\n" for i in range(10)), encoding="utf-8")
    env = _env()
    for args in (["generate", "--roster", "class.csv", "--format", "md,tex", "--out", "week1", "-q"],):
        subprocess.run(["exgen", *args], cwd=tmp, env=env, check=True)
    submissions(tmp / "week1" / "answer_key.json", tmp / "submissions")
    subprocess.run(["exgen", "grade", "--key", "week1", "submissions/", "--out", "week1-grades", "-q"], cwd=tmp,
                   env=env, check=False)
    return tmp


def _env() -> dict:
    import os
    import sys

    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(ROOT)}


def _fresh(scaling_class: Path, tmp_path: Path) -> Path:
    import shutil

    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(scaling_class / "class.csv", work)
    shutil.copytree(scaling_class / "submissions", work / "submissions")
    return work


def _same_as_one_run(scaling_class: Path, work: Path, *folders: str) -> None:
    from tests.runs.test_shards import tree

    for folder in folders:
        assert tree(work / folder) == tree(scaling_class / folder), folder


@pytest.mark.integration
@pytest.mark.needs("parallel", why="docs/scaling.md's GNU parallel example")
def test_scaling_gnu_parallel_example_runs(scaling_class, tmp_path):
    work = _fresh(scaling_class, tmp_path)
    (block,) = _blocks((ROOT / "docs" / "scaling.md").read_text(), "### GNU parallel", "sh")
    done = subprocess.run(["bash", "-c", block], cwd=work, env=_env(), capture_output=True, text=True)
    assert done.returncode != 2 and "Traceback" not in done.stderr, done.stderr  # 1: some submissions bad
    _same_as_one_run(scaling_class, work, "week1", "week1-grades")


@pytest.mark.integration
def test_scaling_slurm_example_runs_as_an_array(scaling_class, tmp_path):
    work = _fresh(scaling_class, tmp_path)
    script, submit = _blocks((ROOT / "docs" / "scaling.md").read_text(), "### A Slurm array job", "sh")
    assert "#SBATCH --array=1-16" in script and "sbatch --dependency=afterok" in submit
    (work / "generate.sbatch").write_text(script)
    for task in range(1, 17):  # what Slurm does: the script once per array index (16 shards of 10 students)
        env = {**_env(), "SLURM_ARRAY_TASK_ID": str(task), "SLURM_ARRAY_TASK_COUNT": "16", "SLURM_CPUS_PER_TASK": "1"}
        subprocess.run(["bash", "generate.sbatch"], cwd=work, env=env, check=True)
    merge = submit.split('--wrap "', 1)[1].split('"', 1)[0]
    subprocess.run(["bash", "-c", merge], cwd=work, env=_env(), check=True)
    _same_as_one_run(scaling_class, work, "week1")


@pytest.mark.integration
def test_scaling_kubernetes_example_runs_as_an_indexed_job(scaling_class, tmp_path):
    import json

    import yaml

    work = _fresh(scaling_class, tmp_path)
    manifest, commands = _blocks((ROOT / "docs" / "scaling.md").read_text(), "### A Kubernetes Job", "yaml")[0], \
        _blocks((ROOT / "docs" / "scaling.md").read_text(), "### A Kubernetes Job", "sh")[0]
    job = yaml.safe_load(manifest)
    assert job["kind"] == "Job" and job["spec"]["completionMode"] == "Indexed"
    container = job["spec"]["template"]["spec"]["containers"][0]
    for index in range(job["spec"]["completions"]):  # what Kubernetes does: one pod per index
        env = {**_env(), "JOB_COMPLETION_INDEX": str(index)}
        subprocess.run([*container["command"], *container["args"]], cwd=work, env=env, check=True)
    overrides = json.loads(commands.split("--overrides='", 1)[1].split("'", 1)[0])
    merge = overrides["spec"]["containers"][0]
    assert merge["workingDir"] == container["workingDir"]
    subprocess.run(merge["command"], cwd=work, env=_env(), check=True)
    _same_as_one_run(scaling_class, work, "week1")
