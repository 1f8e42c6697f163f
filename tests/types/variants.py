"""Instances of every type over many seeds, cycling through parameter sets that reach every mistake."""

from __future__ import annotations

import functools
import json

from exgen.build.seeding import rng_for
from exgen.i18n import current_language
from exgen.instance import Instance
from exgen.types import all_types, get_type

TYPES = list(all_types())
#: Parameter sets cycled through by seed: every mistake needs some of them (a quotient, three levels, ...).
VARIANTS: dict[str, list[dict]] = {
    "matrix_basics": [{}, {"difficulty": "easy"}, {"difficulty": "hard"}, {"decimals": 1}],
    "dot_product": [{}, {"difficulty": "easy"}, {"difficulty": "hard"}, {"parts": ["direction"]},
                    {"dim": [2, 2], "value_range": [-2, 2]}],
    "matmul": [{}, {"difficulty": "easy"}, {"difficulty": "hard"}, {"m": 2, "k": 2, "n": [2, 3]},
               {"parts": ["product", "entry", "defined"]}],
    "matrix_gradient": [{}, {"difficulty": "easy"}, {"difficulty": "hard"}, {"rows": [1, 3], "cols": [1, 3]}],
    "derivative": [{}, {"difficulty": "easy"}, {"difficulty": "hard"}],
    "gradient": [{}, {"difficulty": "easy"}, {"difficulty": "hard"}, {"learning_rate": 0.01}],
    "chain_rule": [{}, {"difficulty": "easy"}, {"difficulty": "hard"}, {"levels": 3}],
    "backprop_graph": [{}, {"difficulty": "easy"}, {"difficulty": "hard"}, {"ask": ["gradients"]},
                       {"family": ["affine", "two_layer"], "width": [1, 2]}],
    "backprop_node": [{}, {"difficulty": "easy"}, {"difficulty": "hard"}, {"values": "array", "width": [1, 2]}],
    "batch_shapes": [{}, {"difficulty": "easy"}, {"sizes": "symbolic"}, {"ask": ["two_layer"]}],
}


#: The type tests (distinguishability, leaks, precision, feedback symbols) draw the same first seeds of each
#: type, and a calculus instance takes tens of milliseconds to build: those seeds are built once per run and
#: kept as JSON (a test gets a fresh instance; the slow many-seed sweeps beyond them build afresh).
CACHED_SEEDS = 120


def build(type_name: str, seed: int) -> Instance:
    text = _built(type_name, seed, current_language()) if seed < CACHED_SEEDS else _build(type_name, seed)
    return Instance.from_dict(json.loads(text))  # as the grader reads it from the key


@functools.cache
def _built(type_name: str, seed: int, lang: str) -> str:  # prompts are written in the active language
    return _build(type_name, seed)


def _build(type_name: str, seed: int) -> str:
    variants = VARIANTS.get(type_name, [{}])
    typ = get_type(type_name)
    params, problems = typ.resolve_params(variants[seed % len(variants)])
    assert not problems, problems
    inst = typ.build(exercise_id="ex", title=None, points=None, params=params, rng=rng_for(seed, "s", type_name))
    return json.dumps(inst.to_dict())
