"""Exceptions that carry a message meant for a user (not a bug)."""

from __future__ import annotations


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
