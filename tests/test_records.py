"""Records: the dataclass behaviour exgen relies on (fields, defaults, immutability, equality, pickling)."""

from __future__ import annotations

import copy
import pickle

import pytest

from exgen.records import Record


class Point(Record):
    __slots__ = ("x", "y", "label")
    _defaults = {"label": None}


class Other(Record):
    __slots__ = ("x", "y", "label")


def test_fields_by_position_keyword_and_default():
    assert Point(1, 2).label is None and Point(1, y=2, label="a").label == "a"
    p = Point(x=1, y=2)
    assert (p.x, p.y) == (1, 2) and repr(p) == "Point(x=1, y=2, label=None)"
    with pytest.raises(TypeError, match="missing the argument 'y'"):
        Point(1)
    with pytest.raises(TypeError, match="unexpected or repeated argument 'z'"):
        Point(1, 2, z=3)
    with pytest.raises(TypeError, match="repeated argument 'x'"):
        Point(1, 2, x=3)
    with pytest.raises(TypeError, match="takes 3 arguments"):
        Point(1, 2, 3, 4)


def test_immutable_equal_hashable_and_picklable():
    p = Point(1, 2, "a")
    with pytest.raises(AttributeError, match="immutable"):
        p.x = 5
    with pytest.raises(AttributeError, match="immutable"):
        del p.x
    assert p == Point(1, 2, "a") and p != Point(1, 3, "a") and p != Other(1, 2, "a")
    assert hash(p) == hash(Point(1, 2, "a")) and {p: 1}[Point(1, 2, "a")] == 1
    for clone in (pickle.loads(pickle.dumps(p)), copy.copy(p), copy.deepcopy(p)):  # noqa: S301 (our own bytes)
        assert clone == p and type(clone) is Point
    with pytest.raises(AttributeError):
        p.other = 1  # slots: no stray attributes
