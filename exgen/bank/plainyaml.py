"""The plain subset of YAML that submissions are written in, read without PyYAML.

An autograder grades one submission per process, and loading PyYAML (a dozen modules, regular expressions
compiled at import) costs about a fifth of that process's start-up. Almost every submission is a block
mapping of one-line values::

    student: s001        # a comment
    answers:
      dot.a: '-3'
      dot.b: (5, 8)
      grad.c: "2*x + 1"

This module reads exactly such documents and gives the value :mod:`exgen.bank.yamlevents` (PyYAML's parser
plus exgen's scalar rules) gives for them. Anything else, or anything it is not sure of, is left to that
reader by returning ``NOT_PLAIN``: sequences, flow collections, block and multi-line scalars, escapes in
double quotes, anchors, aliases, tags, merge keys, quoted or unusual keys, tabs, directives and document
markers, duplicate keys, uneven indentation, and documents past the limits. So the errors and their lines
always come from one place. ``tests/bank/test_plainyaml.py`` compares both readers on generated documents.
"""

from __future__ import annotations

import re
from typing import Any

from exgen.bank.safeyaml import Limits, resolve_plain

#: Returned for a document this module leaves to PyYAML.
NOT_PLAIN: Any = object()

#: A key written plainly that can only be text or a number (no spaces, quotes or indicators).
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+@-]*")
#: Characters a plain value may not start with (YAML's indicators; ``-``, ``?`` and ``:`` may when a
#: non-space follows).
_INDICATORS = frozenset(",[]{}#&*!|>'\"%@`")
#: Line breaks other than ``\n`` that YAML 1.1 also counts, and tabs (indentation rules): left to PyYAML.
_UNUSUAL = re.compile("[\t\r\x85\u2028\u2029]")


class _NotPlain(Exception):
    pass


def read_plain(text: str, limits: Limits) -> Any:
    """Return the document's value (None when it has no content), or ``NOT_PLAIN``."""
    if "\r" in text and "\r" not in text.replace("\r\n", ""):
        text = text.replace("\r\n", "\n")
    if _UNUSUAL.search(text) or text.startswith("\ufeff"):
        return NOT_PLAIN
    try:
        return _read(text, limits)
    except _NotPlain:
        return NOT_PLAIN


def _read(text: str, limits: Limits) -> Any:
    root: dict = {}
    stack: list[tuple[int, dict]] = []  # (indent, mapping) of the open mappings, outermost first
    pending: tuple[int, dict, Any] | None = None  # a "key:" with nothing after it: a mapping or null follows
    nodes = 1
    for raw in text.split("\n"):
        stripped = raw.lstrip(" ")
        if not stripped or stripped[0] == "#":
            continue
        indent = len(raw) - len(stripped)
        if indent == 0 and stripped.startswith(("---", "...")):
            raise _NotPlain
        key, value_text = _split(stripped, limits)
        if pending is not None:
            p_indent, p_map, p_key = pending
            pending = None
            if indent > p_indent:
                if len(stack) >= limits.depth:
                    raise _NotPlain
                child: dict = {}
                p_map[p_key] = child
                stack.append((indent, child))
        while stack and stack[-1][0] > indent:
            stack.pop()
        if not stack:
            if root:
                raise _NotPlain  # less indented than the document's first key
            stack.append((indent, root))
        elif stack[-1][0] != indent:
            raise _NotPlain  # a continuation line, or uneven indentation
        mapping = stack[-1][1]
        if key in mapping:
            raise _NotPlain  # PyYAML's reader names both lines
        nodes += 2  # the key and its value (a scalar, a null or a mapping), as PyYAML's events count them
        if value_text is None:
            mapping[key] = None
            pending = (indent, mapping, key)
        else:
            mapping[key] = _scalar(value_text, limits)
        if nodes > limits.nodes:
            raise _NotPlain
    return root if stack else None


def _split(line: str, limits: Limits) -> tuple[Any, str | None]:
    """Return (key, value text or None when nothing follows the colon but a comment)."""
    match = _KEY.match(line)
    if match is None:
        raise _NotPlain
    end = match.end()
    if line[end:end + 1] != ":" or line[end + 1:end + 2] not in ("", " "):
        raise _NotPlain
    if end > limits.scalar_chars:
        raise _NotPlain
    key = resolve_plain(match.group())
    if type(key) not in (str, int):  # null, true/false, floats, .inf: rare as keys, so PyYAML's to judge
        raise _NotPlain
    rest = line[end + 1:].lstrip(" ")
    if not rest or rest[0] == "#":
        return key, None
    return key, rest


def _scalar(text: str, limits: Limits) -> Any:
    first = text[0]
    if first == "'":
        value, after = _single_quoted(text)
    elif first == '"':
        close = text.find('"', 1)
        if close < 0 or "\\" in text[:close]:
            raise _NotPlain
        value, after = text[1:close], text[close + 1:]
    else:
        if first in _INDICATORS or (first in "-?:" and text[1:2] in ("", " ")):
            raise _NotPlain
        cut = text.find(" #")
        value = (text if cut < 0 else text[:cut]).rstrip(" ")
        if ": " in value or value.endswith(":"):
            raise _NotPlain
        if len(value) > limits.scalar_chars:
            raise _NotPlain
        return resolve_plain(value)
    rest = after.lstrip(" ")
    if rest and (rest[0] != "#" or len(rest) == len(after)):  # a comment needs a space before it
        raise _NotPlain
    if len(value) > limits.scalar_chars:
        raise _NotPlain
    return value


def _single_quoted(text: str) -> tuple[str, str]:
    """The value of a one-line single-quoted scalar (``''`` is a quote) and the text after it."""
    i = 1
    while True:
        close = text.find("'", i)
        if close < 0:
            raise _NotPlain  # runs on to the next line
        if text[close + 1:close + 2] == "'":
            i = close + 2
            continue
        return text[1:close].replace("''", "'"), text[close + 1:]
