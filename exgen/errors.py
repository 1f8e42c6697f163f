"""Exceptions that carry a message meant for a user (not a bug)."""

from __future__ import annotations

import re


class ExgenError(Exception):
    """A user-facing error: the CLI prints its message on one line, without a traceback."""


class BankError(ExgenError):
    """A bank file is unusable; ``problems`` lists every one-line message found."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class InvalidParams(ExgenError):
    """A parameter value is out of range; raised while validating a bank."""


class FormatError(ExgenError):
    """A student's answer cannot be read; the message shows the expected form.

    A format error is *invalid*, not *wrong*: graders report it and award nothing, but never count it
    as a misconception.
    """


class GenerationError(ExgenError):
    """A generator could not draw a usable instance (e.g. parameters too tight to be distinguishable)."""


class OptionError(ExgenError):
    """An argument of an API call (an option on the command line) is not one of the accepted values.

    The CLI reports it as a usage error (exit status 2); from Python it is an ``ExgenError`` like any other.
    """


# Line breaks (including NEL, U+2028/9 that str.splitlines() honours), other control characters, lone
# surrogates and bidirectional overrides: anything that could split a message or disguise what it says.
_UNSAFE_IN_MESSAGE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069"
                                "\ud800-\udfff]")


def one_line(text: object) -> str:
    """Return ``text`` with every character that could break or forge a message line escaped
    (``\\n``, ``\\x1b``, ``\\u2028``, ``\\ud800``), so a file name or id put into a message keeps it on one
    printable line."""
    return _UNSAFE_IN_MESSAGE.sub(lambda m: ascii(m.group())[1:-1], str(text))
