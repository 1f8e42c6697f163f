"""exgen: randomized, per-student exercises on the mathematics of deep learning.

The public API is ``exgen.generate``, ``exgen.grade`` and ``exgen.export`` (see ``exgen.api``). They are
loaded on first use, so ``import exgen`` stays cheap (the autograder and the CLI start quickly).
"""

__version__ = "0.1.0"

#: Public names and the module that defines each, imported when first asked for.
_LAZY = {
    "generate": "exgen.api", "grade": "exgen.api", "export": "exgen.api", "preview": "exgen.api",
    "resolve_bank": "exgen.api",
    "GenerateResult": "exgen.api", "GradeResult": "exgen.api",
    "ExportResult": "exgen.exporters.base", "Student": "exgen.bank.roster", "BankSpec": "exgen.bank.spec",
    "ExgenError": "exgen.errors", "OptionError": "exgen.errors", "BankError": "exgen.errors",
}
__all__ = ["__version__", "generate", "grade", "export", "preview", "resolve_bank", "GenerateResult", "GradeResult",
           "ExportResult", "Student", "BankSpec", "ExgenError", "OptionError", "BankError"]

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would double the cost of ``import exgen``
if TYPE_CHECKING:
    from typing import Any

    from exgen.api import GenerateResult, GradeResult, export, generate, grade, preview, resolve_bank
    from exgen.bank.roster import Student
    from exgen.bank.spec import BankSpec
    from exgen.errors import BankError, ExgenError, OptionError
    from exgen.exporters.base import ExportResult


def __getattr__(name: str) -> "Any":
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'exgen' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
