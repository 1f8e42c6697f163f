"""The package's layers (docs/architecture.md): no module imports a higher layer; no import cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "exgen"

#: Layer of each top-level module or sub-package; a module may import its own layer or lower ones.
LAYERS = {
    "errors": 0, "records": 0, "instance": 0, "discovery": 0, "resources": 0, "formatting": 0, "outputs": 0, "parallel": 0,
    "i18n": 0,
    "expr": 1, "answers": 2, "types": 3, "bank": 4, "build": 5, "render": 6, "grading": 7, "exporters": 8,
    "api": 9, "runs": 9, "cli": 10, "__main__": 10, "__init__": 9,
}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(path: Path, *, top_level_only: bool) -> set[str]:
    """Return the exgen modules a file imports (all of them, or only those imported at module level)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "exgen")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "exgen":
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    if parts == ["exgen"]:
        return LAYERS["__init__"]
    return LAYERS.get(parts[1])


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_has_a_layer():
    assert all(layer_of(m) is not None for m in MODULES), [m for m in MODULES if layer_of(m) is None]


def test_top_of_the_package_stays_small():
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= 12, top


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_higher_layer(module):
    mine = layer_of(module)
    upward = sorted(i for i in imports(MODULES[module], top_level_only=False)
                    if i in MODULES and (layer_of(i) or 0) > mine and i != "exgen")
    assert not upward, f"{module} (layer {mine}) imports {upward}"


def test_no_import_cycles_at_module_level():
    graph = {m: {i for i in imports(p, top_level_only=True) if i in MODULES and i != m} for m, p in MODULES.items()}
    # a package's __init__ runs on the way to its submodules: importing exgen.a.b from outside exgen.a
    # imports exgen.a first (a module inside exgen.a finds its package already initialised)
    for m in list(graph):
        parents = {".".join(i.split(".")[:k]) for i in set(graph[m]) for k in range(2, i.count(".") + 1)}
        graph[m] |= {q for q in parents if q in MODULES and q != m and not m.startswith(q + ".")}
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        seen[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if seen.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in seen:
                visit(nxt)
        stack.pop()
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node)


def test_the_layer_check_catches_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from exgen.grading.batch import grade_batch\n")
    assert "exgen.grading.batch" in imports(bad, top_level_only=False)
    assert layer_of("exgen.grading.batch") > layer_of("exgen.types.matmul")
