"""The one YAML reader for everything exgen reads from others: banks, submissions and ``--param`` values.

PyYAML's ``safe_load`` builds no objects, but it still resolves YAML 1.1 scalars: ``1:0:0:...`` is a base-60
integer whose value is built by a quadratic loop (77 s for a 2 MB submission), ``2026-02-30`` raises a
``ValueError``, and a 5,000-digit integer hits Python's int-conversion limit. It also recurses once per
nesting level, expands merge keys (``<<``) before anything can count them, and lets a second ``student:``
key silently replace the first. So exgen takes only PyYAML's parser (the C one when PyYAML was built with
libyaml, the pure-Python one otherwise; both give the same events) and builds values from the events
itself, in a loop with an explicit stack:

* scalars are read with a restricted set of implicit types, each one that PyYAML also resolves (so any
  document PyYAML writes reads back as written): ``null``/``~``/empty, ``true``/``false``, decimal integers
  without leading zeros (``007`` stays text, so ids keep their zeros), decimal floats with a point
  (``1.5``, ``1.0e-3``) and ``.inf``/``.nan``; everything else is text (``1e3`` too; the answer kinds read
  numbers from text anyway). Dates stay text: a bank's ``course.date``
  is header text and a submission never needs a date, so there is nothing to gain from reading
  ``2026-02-30`` as a date and a traceback to lose (the bank validator checks ISO-looking dates itself).
  Base-60, octal, hexadecimal, ``yes``/``no``/``on``/``off`` and tags other than ``!!str`` are not read.
* every limit is checked as the events arrive, so work stops at the first one exceeded: nesting depth,
  values after expanding aliases and merge keys (``Limits.nodes``; a billion-laughs or merge-key bomb is
  refused after that many values, never expanded), aliases, and characters per scalar;
* a key given twice is an error naming both lines; merge keys (``<<: *defaults``) work as in YAML 1.1, a
  key of the mapping itself overriding a merged one;
* line breaks and lines are counted by exgen from the character index, so both parsers report the same
  line; messages say what was expected and where, never the document's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from exgen.errors import ExgenError, one_line


@dataclass(frozen=True)
class Limits:
    """Bounds on one document. ``nodes`` counts every value once per use, after aliases and merges."""

    depth: int = 32
    nodes: int = 100_000
    aliases: int = 100
    scalar_chars: int = 100_000


#: Banks: deeper (params hold lists of lists), more aliases (shared parameter blocks).
BANK_LIMITS = Limits(depth=50, nodes=100_000, aliases=1_000, scalar_chars=100_000)
#: Students' files: answers need 4 or 5 levels.
SUBMISSION_LIMITS = Limits(depth=32, nodes=100_000, aliases=100, scalar_chars=100_000)
#: Longest integer converted to a number; longer digit strings stay text. Python's str -> int is quadratic
#: (its own limit, 4,300 digits, still costs 0.5 ms a number: 0.6 s for a 5 MB file of them); any integer
#: past 308 digits is beyond every float anyway.
MAX_INT_DIGITS = 1000

STR_TAG = "tag:yaml.org,2002:str"
_COLLECTION_TAGS = (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_TRUE = frozenset(("true", "True", "TRUE"))
_FALSE = frozenset(("false", "False", "FALSE"))
_SPECIAL = {".inf": float("inf"), ".Inf": float("inf"), ".INF": float("inf"),
            "+.inf": float("inf"), "+.Inf": float("inf"), "+.INF": float("inf"),
            "-.inf": float("-inf"), "-.Inf": float("-inf"), "-.INF": float("-inf"),
            ".nan": float("nan"), ".NaN": float("nan"), ".NAN": float("nan")}
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
# Both as YAML 1.1 writes them (a point, a signed exponent): every implicit type here is one PyYAML gives
# too, so whatever PyYAML writes as text (unquoted 1e3, -.5) reads back as text.
_FLOAT = re.compile(r"[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?|\.[0-9]+(?:[eE][-+][0-9]+)?")
# YAML's printable set; PyYAML's pure-Python reader refuses the rest and libyaml refuses most of it, each in
# its own words, so exgen checks first and says the same thing whichever parser runs.
# A byte order mark after the start (the readers drop a leading one) is a stream marker to libyaml and text
# to PyYAML: refused too, so that both read the same.
_NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# PyYAML quotes the document's own characters in some messages ("found character '%' that cannot start any
# token", tag handles, anchor names); token names such as ',' or '<block end>' are kept.
_QUOTED = re.compile(r"""\s*('[^']*'|"[^"]*"|#x[0-9a-fA-F]+)""")
_TOKEN = re.compile(r"""'(?:[]\[{},:?-]|<[a-z ]+>)'""")

BAD_ESCAPE = "an escape (\\u or \\U) that is not a Unicode character; write the character itself"


class YamlError(ExgenError):
    """A document cannot be read; ``line`` is 1-based (0 when unknown), ``problem`` the message without
    the file name."""

    def __init__(self, source: str, line: int, problem: str):
        self.source, self.line, self.problem = source, line, problem
        super().__init__(f"{source}:{line}: {problem}" if line else f"{source}: {problem}")


@dataclass(frozen=True)
class Loaded:
    """A document's value; with ``lines=True``, the 1-based line of each path (tuples of keys and indexes)
    written in the document itself (paths inside an alias or a merge are not listed)."""

    value: Any
    lines: dict


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
                raise self.fail(pos, _depth_problem(self.limits))
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


def resolve_plain(text: str) -> Any:
    """Return the value of a plain (unquoted, untagged) scalar under exgen's restricted core schema."""
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text[0] in "0123456789+-.":
        if _INT.fullmatch(text):
            return int(text) if len(text) <= MAX_INT_DIGITS else text
        if _FLOAT.fullmatch(text):
            return float(text)
        if text in _SPECIAL:
            return _SPECIAL[text]
    return text


def _depth_problem(limits: Limits) -> str:
    return f"nested deeper than {limits.depth} levels; expected text, numbers, and lists or mappings of them"


def _problem(err: Exception, limits: Limits, text: str) -> str:
    """PyYAML's description of a syntax error, without the characters it quotes from the document."""
    problem = getattr(err, "problem", None) or getattr(err, "context", None) or "syntax error"
    if "nesting depth" in problem:  # libyaml's own bound (1,000 levels), met while scanning ahead
        return _depth_problem(limits)
    if "escape" in problem and ("invalid" in problem or "unicode" in problem.lower()):
        return BAD_ESCAPE
    mark = getattr(err, "problem_mark", None)
    if "tab character" in problem or ("cannot start any token" in problem and mark is not None
                                      and text[mark.index:mark.index + 1] == "\t"):
        return "invalid YAML: a tab character where YAML expects spaces; indent with spaces"
    problem = " ".join(_QUOTED.sub(lambda m: m.group() if _TOKEN.fullmatch(m.group(1)) else "", problem).split())
    return f"invalid YAML: {problem[:100]}"


def load_yaml(text: str, *, source: str, limits: Limits = SUBMISSION_LIMITS, lines: bool = False,
              parser: str | None = None) -> Loaded | None:
    """Read one YAML document safely.

    Args:
        text: the document (already decoded).
        source: the file name for messages (already one line; see ``exgen.bank.files.shown``).
        limits: depth, values, aliases and scalar length allowed.
        lines: also return the line of every path (for ``file:line: field`` messages about banks).
        parser: ``"c"`` or ``"python"`` to choose PyYAML's parser (tests); by default the C one if built.

    Returns:
        The value and lines, or None for an empty document (no content, or only comments).

    Raises:
        YamlError: one line ``source:line: what was expected``.
    """
    bad = _NON_PRINTABLE.search(text)
    if bad:
        raise YamlError(source, text.count("\n", 0, bad.start()) + 1,
                        f"a control character (U+{ord(bad.group()):04X}) is not allowed in YAML text")
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


def load_value(text: str, *, source: str, limits: Limits = SUBMISSION_LIMITS) -> Any:
    """Return the value of one YAML document (None when empty); see :func:`load_yaml`."""
    loaded = load_yaml(text, source=one_line(source), limits=limits)
    return None if loaded is None else loaded.value
