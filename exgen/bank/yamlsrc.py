"""Safe YAML reading that remembers the line of every value, for file:line error messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from exgen.errors import BankError

MAX_BANK_BYTES = 2_000_000
MAX_NODES = 200_000

Path_ = tuple
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")  # (key or index, ...)


@dataclass(frozen=True)
class Located:
    """A plain Python value read from YAML plus the 1-based line of each path inside it."""

    value: Any
    lines: dict

    def line(self, path: Path_) -> int:
        """Return the line of ``path``, or of its nearest located ancestor."""
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)


class _Walker:
    def __init__(self, name: str, loader: yaml.SafeLoader):
        self.name = name
        self.loader = loader
        self.lines: dict = {}
        self.problems: list[str] = []
        self.count = 0

    def walk(self, node: yaml.Node, path: tuple, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES or depth > 50:
            raise BankError([f"{self.name}:{node.start_mark.line + 1}: the document is too large or too deeply "
                             "nested (aliases expanded too far?)"])
        self.lines.setdefault(path, node.start_mark.line + 1)
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
            raise BankError([f"{self.name}:{node.start_mark.line + 1}: invalid YAML: unsupported tag {node.tag!r}"])
        if isinstance(node, yaml.MappingNode):
            out: dict = {}
            self.loader.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    self.problems.append(f"{self.name}:{key_node.start_mark.line + 1}: expected a plain key, "
                                         f"got {type(key).__name__}")
                    continue
                if key in out:
                    self.problems.append(f"{self.name}:{key_node.start_mark.line + 1}: duplicate key {key!r}")
                self.lines[path + (key,)] = key_node.start_mark.line + 1
                out[key] = self.walk(value_node, path + (key,), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)


def load_located(text: str, *, name: str) -> tuple[Located | None, list[str]]:
    """Parse one YAML document safely.

    Args:
        text: the YAML source.
        name: the file name used in messages.

    Returns:
        (located value or None, problems): problems are one-line ``name:line: message`` strings
        (duplicate keys, syntax errors); a syntax error yields no value.
    """
    if len(text) > MAX_BANK_BYTES:
        return None, [f"{name}:1: file is too large ({len(text)} bytes; at most {MAX_BANK_BYTES})"]
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [f"{name}:1: the file is empty; expected a mapping with 'bank', 'title' and 'exercises'"]
        walker = _Walker(name, loader)
        value = walker.walk(node, (), 0)
        return Located(value, walker.lines), walker.problems
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(str(err.problem or err.context or "syntax error").split())
        return None, [f"{name}:{line}: invalid YAML: {what}"]
    except yaml.YAMLError as err:
        return None, [f"{name}:1: invalid YAML: {' '.join(str(err).split())}"]
    except BankError as err:
        return None, err.problems
    finally:
        loader.dispose()
