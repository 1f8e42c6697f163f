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
from typing import Any

from exgen.errors import ExgenError, one_line


class Limits:
    """Bounds on one document. ``nodes`` counts every value once per use, after aliases and merges.

    (A plain class: a dataclass costs every graded submission's start-up ~1 ms to build.)
    """

    __slots__ = ("depth", "nodes", "aliases", "scalar_chars")

    def __init__(self, depth: int = 32, nodes: int = 100_000, aliases: int = 100, scalar_chars: int = 100_000):
        self.depth, self.nodes, self.aliases, self.scalar_chars = depth, nodes, aliases, scalar_chars

    def __repr__(self) -> str:
        return (f"Limits(depth={self.depth}, nodes={self.nodes}, aliases={self.aliases}, "
                f"scalar_chars={self.scalar_chars})")


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
# The complement of YAML's printable set, written as the few ranges it is (a negated class reaching U+10FFFF
# takes milliseconds to compile, on every start of the autograder).
_NON_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")

BAD_ESCAPE = "an escape (\\u or \\U) that is not a Unicode character; write the character itself"


class YamlError(ExgenError):
    """A document cannot be read; ``line`` is 1-based (0 when unknown), ``problem`` the message without
    the file name."""

    def __init__(self, source: str, line: int, problem: str):
        self.source, self.line, self.problem = source, line, problem
        super().__init__(f"{source}:{line}: {problem}" if line else f"{source}: {problem}")


class Loaded:
    """A document's value; with ``lines=True``, the 1-based line of each path (tuples of keys and indexes)
    written in the document itself (paths inside an alias or a merge are not listed)."""

    __slots__ = ("value", "lines")

    def __init__(self, value: Any, lines: dict):
        self.value, self.lines = value, lines

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


def depth_problem(limits: Limits) -> str:
    return f"nested deeper than {limits.depth} levels; expected text, numbers, and lists or mappings of them"


def load_yaml(text: str, *, source: str, limits: Limits = SUBMISSION_LIMITS, lines: bool = False,
              parser: str | None = None) -> Loaded | None:
    """Read one YAML document safely.

    Args:
        text: the document (already decoded).
        source: the file name for messages (already one line; see ``exgen.bank.files.shown``).
        limits: depth, values, aliases and scalar length allowed.
        lines: also return the line of every path (for ``file:line: field`` messages about banks).
        parser: ``"c"`` or ``"python"`` to choose PyYAML's parser (tests). By default a document in the
            plain subset (:mod:`exgen.bank.plainyaml`: block mappings of one-line scalars, the way a
            submission is written) is read without PyYAML, and any other with its C parser if built; all
            give the same values.

    Returns:
        The value and lines, or None for an empty document (no content, or only comments).

    Raises:
        YamlError: one line ``source:line: what was expected``.
    """
    bad = _NON_PRINTABLE.search(text)
    if bad:
        raise YamlError(source, text.count("\n", 0, bad.start()) + 1,
                        f"a control character (U+{ord(bad.group()):04X}) is not allowed in YAML text")
    if parser is None and not lines:
        from exgen.bank.plainyaml import NOT_PLAIN, read_plain

        value = read_plain(text, limits)
        if value is not NOT_PLAIN:
            return None if value is None else Loaded(value, {})
    from exgen.bank import yamlevents

    return yamlevents.read(text, source=source, limits=limits, lines=lines, parser=parser)


def has_libyaml() -> bool:
    """Return whether PyYAML's C parser is available (the faster one; both give the same results)."""
    from exgen.bank import yamlevents

    return yamlevents.has_libyaml()


def load_value(text: str, *, source: str, limits: Limits = SUBMISSION_LIMITS) -> Any:
    """Return the value of one YAML document (None when empty); see :func:`load_yaml`."""
    loaded = load_yaml(text, source=one_line(source), limits=limits)
    return None if loaded is None else loaded.value
