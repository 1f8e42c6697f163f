"""PyYAML's events turned into values under exgen's rules (see :mod:`exgen.bank.safeyaml`).

This is the part of the YAML reader that needs PyYAML; loading PyYAML costs about a fifth of grading one
submission's start-up, so :func:`exgen.bank.safeyaml.load_yaml` imports this module only for a document
that :mod:`exgen.bank.plainyaml` does not read by itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

from exgen.bank.safeyaml import (
    _COLLECTION_TAGS,
    _SURROGATE,
    BAD_ESCAPE,
    STR_TAG,
    Limits,
    Loaded,
    YamlError,
    depth_problem,
    resolve_plain,
)

# PyYAML quotes the document's own characters in some messages ("found character '%' that cannot start any
# token", tag handles, anchor names); token names such as ',' or '<block end>' are kept.
_QUOTED = re.compile(r"""\s*('[^']*'|"[^"]*"|#x[0-9a-fA-F]+)""")
_TOKEN = re.compile(r"""'(?:[]\[{},:?-]|<[a-z ]+>)'""")

try:
    import yaml.cyaml

    _CParser: Any = getattr(yaml.cyaml, "CParser", None)
except ImportError:  # PyYAML built without libyaml
    _CParser = None


def has_libyaml() -> bool:
    """Return whether PyYAML's C parser is available (the faster one; both give the same results)."""
    return _CParser is not None


class _PythonParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's pure-Python reader, scanner and parser: events only, no resolver, no constructor."""

    def __init__(self, text: str):
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


def _parser(text: str, which: str | None) -> Any:
    if which == "c" or (which is None and has_libyaml()):
        if _CParser is None:
            raise RuntimeError("PyYAML was built without libyaml")
        return _CParser(text)
    return _PythonParser(text)


class _Lines:
    """1-based line of a character index, counting only ``\\n`` (both parsers also count NEL, U+2028 and
    U+2029, but not alike in every place); incremental, so a pass over a document is linear."""

    def __init__(self, text: str):
        self.text = text
        self.index = 0
        self.line = 1

    def __call__(self, index: int) -> int:
        index = max(0, min(index, len(self.text)))
        if index < self.index:
            self.index, self.line = 0, 1
        self.line += self.text.count("\n", self.index, index)
        self.index = index
        return self.line


class _Frame:
    """An open mapping or sequence. Positions are character indexes (turned into lines only for messages
    and recorded lines: counting lines costs as much as the rest of the work on a big file)."""

    __slots__ = ("is_map", "value", "anchor", "pos", "path", "size", "key", "key_pos", "want_key",
                 "merge", "merges", "key_pos_of")

    def __init__(self, is_map: bool, anchor: str | None, pos: int, path: tuple | None):
        self.is_map = is_map
        self.value: Any = {} if is_map else []
        self.anchor = anchor
        self.pos = pos
        self.path = path
        self.size = 1
        self.key: Any = None
        self.key_pos = 0
        self.want_key = True
        self.merge = False
        self.merges: list[dict] = []
        self.key_pos_of: dict = {}


class _Builder:
    def __init__(self, text: str, source: str, limits: Limits, record_lines: bool):
        self.source = source
        self.limits = limits
        self.record = record_lines
        self.lines: dict = {}
        self.line_of = _Lines(text)
        self.nodes = 0
        self.aliases = 0
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.done = False

    def fail(self, pos: int, problem: str) -> YamlError:
        return YamlError(self.source, self.line_of(pos), problem)

    def too_many(self, pos: int) -> YamlError:
        return self.fail(pos, f"more than {self.limits.nodes:,} values (after expanding aliases and merge keys); "
                              "write the values out, fewer of them")

    def event(self, ev: Any) -> None:
        cls = type(ev)
        pos = ev.start_mark.index if ev.start_mark is not None else 0
        stack = self.stack
        if cls is _SCALAR:
            self.nodes += 1
            if self.nodes > self.limits.nodes:
                raise self.too_many(pos)
            text = ev.value
            if len(text) > self.limits.scalar_chars:
                raise self.fail(pos, f"a value longer than {self.limits.scalar_chars:,} characters")
            tag = ev.tag
            if tag is None and ev.implicit[0]:
                if text == "<<" and stack and stack[-1].is_map and stack[-1].want_key:
                    frame = stack[-1]
                    if frame.merge or frame.merges:
                        raise self.fail(pos, "duplicate merge key (<<); give one '<<:' with a list of mappings")
                    frame.merge, frame.want_key, frame.key_pos = True, False, pos
                    return
                value = resolve_plain(text)
            elif tag is not None and tag not in ("!", STR_TAG):
                raise self.fail(pos, "a tag (!!name or !name) other than !!str is not supported; write plain values")
            elif _SURROGATE.search(text):
                raise self.fail(pos, BAD_ESCAPE)
            else:
                value = text
            if ev.anchor is not None:
                self.anchors[ev.anchor] = (value, 1)
            self.add(value, 1, pos)
        elif cls is _MAP_START or cls is _SEQ_START:
            if len(stack) >= self.limits.depth:
                raise self.fail(pos, depth_problem(self.limits))
            if ev.tag not in _COLLECTION_TAGS:
                raise self.fail(pos, "a tag (!!name or !name) is not supported; write plain values")
            self.nodes += 1
            if self.nodes > self.limits.nodes:
                raise self.too_many(pos)
            path = self.child_path() if self.record else None
            if path is not None:
                self.lines.setdefault(path, self.line_of(pos))
            stack.append(_Frame(cls is _MAP_START, ev.anchor, pos, path))
        elif cls is _MAP_END or cls is _SEQ_END:
            frame = stack.pop()
            value = self.merged(frame) if frame.merges else frame.value
            if frame.anchor is not None:
                self.anchors[frame.anchor] = (value, frame.size)
            self.add(value, frame.size, frame.pos)
        elif cls is yaml.AliasEvent:
            self.aliases += 1
            if self.aliases > self.limits.aliases:
                raise self.fail(pos, f"more than {self.limits.aliases} aliases (*name); write the values out")
            if ev.anchor not in self.anchors:
                raise self.fail(pos, "an alias (*name) refers to no complete anchor (&name) above it")
            value, size = self.anchors[ev.anchor]
            self.nodes += size
            if self.nodes > self.limits.nodes:
                raise self.too_many(pos)
            self.add(value, size, pos)

    def child_path(self) -> tuple | None:
        """The path of the next value, or None where lines are not recorded (keys, merge sources)."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if top.path is None:
            return None
        if top.is_map:
            return None if top.want_key or top.merge else top.path + (top.key,)
        return top.path + (len(top.value),)

    def add(self, value: Any, size: int, pos: int) -> None:
        if not self.stack:
            self.root, self.done = value, True
            return
        top = self.stack[-1]
        top.size += size
        if not top.is_map:
            if self.record and top.path is not None:
                self.lines.setdefault(top.path + (len(top.value),), self.line_of(pos))
            top.value.append(value)
            return
        if top.want_key:
            if isinstance(value, (dict, list)) or value is None:
                raise self.fail(pos, "a key must be text or a number")
            top.key, top.key_pos, top.want_key = value, pos, False
            return
        top.want_key = True
        if top.merge:
            top.merge = False
            sources = value if isinstance(value, list) else [value]
            if not sources or not all(isinstance(s, dict) for s in sources):
                raise self.fail(top.key_pos, "a merge key (<<) takes a mapping or a list of mappings")
            top.merges.extend(sources)
            return
        key = top.key
        if key in top.value:
            first = self.line_of(top.key_pos_of[key])
            raise self.fail(top.key_pos, f"duplicate key{_key_shown(key)} (first on line {first}); give each key once")
        top.value[key] = value
        top.key_pos_of[key] = top.key_pos
        if self.record and top.path is not None:
            self.lines[top.path + (key,)] = self.line_of(top.key_pos)

    @staticmethod
    def merged(frame: _Frame) -> dict:
        """YAML 1.1 merge: the mapping's own keys win, then earlier sources over later ones."""
        out: dict = {}
        for source in frame.merges:
            for key, value in source.items():
                out.setdefault(key, value)
        out.update(frame.value)
        return out


_SCALAR, _MAP_START, _SEQ_START = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
_MAP_END, _SEQ_END = yaml.MappingEndEvent, yaml.SequenceEndEvent


def _key_shown(key: Any) -> str:
    """A key is named in a message only when it is a short plain name (``student``, ``dot.a``)."""
    text = str(key)
    return f" {text!r}" if re.fullmatch(r"[A-Za-z0-9_.@+-]{1,64}", text) else ""


def _problem(err: Exception, limits: Limits, text: str) -> str:
    """PyYAML's description of a syntax error, without the characters it quotes from the document."""
    problem = getattr(err, "problem", None) or getattr(err, "context", None) or "syntax error"
    if "nesting depth" in problem:  # libyaml's own bound (1,000 levels), met while scanning ahead
        return depth_problem(limits)
    if "escape" in problem and ("invalid" in problem or "unicode" in problem.lower()):
        return BAD_ESCAPE
    mark = getattr(err, "problem_mark", None)
    if "tab character" in problem or ("cannot start any token" in problem and mark is not None
                                      and text[mark.index:mark.index + 1] == "\t"):
        return "invalid YAML: a tab character where YAML expects spaces; indent with spaces"
    problem = " ".join(_QUOTED.sub(lambda m: m.group() if _TOKEN.fullmatch(m.group(1)) else "", problem).split())
    return f"invalid YAML: {problem[:100]}"


def read(text: str, *, source: str, limits: Limits, lines: bool, parser: str | None) -> Loaded | None:
    """Read one document with PyYAML's parser (``"c"``, ``"python"``, or the C one if built when None);
    see :func:`exgen.bank.safeyaml.load_yaml`."""
    builder = _Builder(text, source, limits, lines)
    events = _parser(text, parser)
    get: Callable[[], Any] = events.get_event
    ev: Any = None
    try:
        try:
            get()  # stream start
            ev = get()
            if isinstance(ev, yaml.StreamEndEvent):
                return None
            while not builder.done:
                ev = get()
                builder.event(ev)
            get()  # document end
            ev = get()
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            raise YamlError(source, builder.line_of(mark.index) if mark is not None else 0, _problem(err, limits, text)) \
                from None
        except (yaml.YAMLError, ValueError, OverflowError, IndexError, RecursionError) as err:
            # the pure-Python scanner raises ValueError for an escape beyond U+10FFFF
            mark = events.get_mark() if hasattr(events, "get_mark") else None
            line = builder.line_of(mark.index) if mark is not None else 0
            return_problem = BAD_ESCAPE if isinstance(err, ValueError) else _problem(err, limits, text)
            raise YamlError(source, line, return_problem) from None
        if not isinstance(ev, yaml.StreamEndEvent):
            raise YamlError(source, builder.line_of(ev.start_mark.index),
                            "a second YAML document (after '---'); expected one document per file")
    finally:
        events.dispose()
    return Loaded(builder.root, builder.lines)
