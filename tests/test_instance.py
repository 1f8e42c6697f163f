"""Instances read from the key (``from_dict``, which builds them field by field) are the instances the
constructor builds: equal, frozen all the way down, and their
JSON round-trips exactly; for every exercise type over several seeds."""

from __future__ import annotations

import json
from types import MappingProxyType

import pytest

from exgen.instance import Instance, Part, WrongAnswer, freeze, replace
from tests.types.variants import TYPES, build


def constructed(d: dict) -> Instance:
    """The instance of ``d`` (``to_dict`` form) through the constructors and their ``__post_init__``."""
    parts = tuple(Part(id=p["id"], kind=p["kind"], prompt=p["prompt"], answer=p["answer"], points=float(p["points"]),
                       tolerance=p.get("tolerance"), options=p.get("options") or {},
                       solution=tuple(p.get("solution", ())),
                       wrong_answers=tuple(WrongAnswer(value=w["value"], tag=w["tag"], feedback=w["feedback"],
                                                       kind=w.get("kind"), credit=float(w.get("credit", 0.0)))
                                           for w in p.get("wrong_answers", ())))
                  for p in d["parts"])
    return Instance(exercise_id=d["id"], type=d["type"], title=d["title"], points=float(d["points"]),
                    given=d.get("given") or {}, context=d.get("context") or {}, grading=d.get("grading") or {},
                    parts=parts)


def assert_frozen(value) -> None:
    if isinstance(value, (Part, WrongAnswer)):
        return  # frozen themselves (checked below)
    assert type(value) in (str, int, float, bool, type(None), tuple, MappingProxyType), type(value)
    children = value.values() if isinstance(value, MappingProxyType) else value if isinstance(value, tuple) else ()
    for child in children:
        assert_frozen(child)


@pytest.mark.parametrize("type_name", TYPES)
def test_from_dict_is_the_constructed_instance(type_name):
    for seed in range(3):
        data = json.loads(json.dumps(build(type_name, seed).to_dict()))
        read = Instance.from_dict(data)
        made = constructed(json.loads(json.dumps(data)))
        assert read == made
        assert read.to_dict() == data == made.to_dict()
        for value in (read.given, read.context, read.grading, read.parts):
            assert_frozen(value)
        for part in read.parts:
            for value in (part.answer, part.tolerance, part.options, part.solution, *(w.value for w in part.wrong_answers)):
                assert_frozen(value)
            with pytest.raises(AttributeError, match="frozen"):
                part.points = 0.0  # type: ignore[misc]
        with pytest.raises(AttributeError, match="frozen"):
            read.title = "changed"  # type: ignore[misc]
        with pytest.raises(AttributeError, match="frozen"):
            del read.title
        changed = replace(read, title="t")
        assert changed.title == "t" and changed != read and replace(changed, title=read.title) == read



def test_freeze_keeps_leaves_and_turns_keys_to_text():
    frozen = freeze({"a": [1, [2.5, None, True]], 3: {"b": ("x",)}})
    assert frozen == MappingProxyType({"a": (1, (2.5, None, True)), "3": MappingProxyType({"b": ("x",)})})
    assert_frozen(frozen)


def test_replace_takes_only_instances_parts_and_wrong_answers():
    from exgen.bank.roster import Student

    with pytest.raises(TypeError, match="not Student"):
        replace(Student("s1", "A"), name="B")
