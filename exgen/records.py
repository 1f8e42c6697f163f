"""Immutable records: fields, equality, hashing, repr and pickling from ``__slots__``.

A ``@dataclass`` writes and compiles its methods when its class is created, about a millisecond a class;
grading one submission (an autograder's whole job, one process per submission) would pay that for every
class it imports. A record's class costs nothing to create; its methods are shared here.

    class Submission(Record):
        __slots__ = ("student", "answers", "source", "name")
        _defaults = {"name": None}
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

T = TypeVar("T")


class Record:
    """Fields are ``_FIELDS``, in order: a subclass's ``__slots__`` unless it names them itself (a subclass
    without slots keeps its fields in ``__dict__`` and fills it in its own ``__init__``); ``_defaults`` gives
    the (immutable) defaults of the last ones for the general ``__init__``."""

    __slots__: tuple[str, ...] = ()
    _FIELDS: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        if "__slots__" in cls.__dict__ and "_FIELDS" not in cls.__dict__:
            cls._FIELDS = tuple(cls.__slots__)

    def __init__(self, *args: Any, **kwargs: Any):
        names = self._FIELDS
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}() takes {len(names)} arguments, {len(args)} given")
        for name, value in zip(names, args):
            object.__setattr__(self, name, value)
        for name in names[len(args):]:
            if name in kwargs:
                object.__setattr__(self, name, kwargs.pop(name))
            elif name in self._defaults:
                object.__setattr__(self, name, self._defaults[name])
            else:
                raise TypeError(f"{type(self).__name__}() is missing the argument {name!r}")
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got an unexpected or repeated argument {next(iter(kwargs))!r}")

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable (frozen): cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable (frozen): cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._FIELDS)
        return f"{type(self).__name__}({fields})"

    def __reduce__(self) -> tuple:
        return (type(self), self._values())


def replace(obj: T, **changes: Any) -> T:
    """Return a copy of a record with some fields changed, through its ``__init__`` (``dataclasses.replace``)."""
    if not isinstance(obj, Record):
        raise TypeError(f"replace() takes a record (an instance, a part, a result...), not {type(obj).__name__}")
    return type(obj)(**{**{f: getattr(obj, f) for f in obj._FIELDS}, **changes})
