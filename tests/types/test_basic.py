"""Topic 1-3 types over many seeds: every key equals an independent numpy computation.

The quick subset checks the first ``QUICK`` seeds of each sweep; ``-m slow`` checks all ``FULL``."""

import numpy as np
import pytest

from tests.conftest import build, check_instance_contract, seed_sweep

QUICK, FULL = 40, 500
VARIANTS = [{}, {"difficulty": "easy"}, {"difficulty": "hard"}, {"decimals": 1, "value_range": [-3, 3]}]


def by_prompt(inst, needle):
    matches = [p for p in inst.parts if needle in p.prompt]
    assert len(matches) == 1, needle
    return matches[0]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: str(v) or "defaults")
@seed_sweep(QUICK, FULL)
def test_matrix_basics_against_numpy(variant, seeds):
    for seed in seeds:
        inst = build("matrix_basics", seed=seed, params=variant)
        a = np.array(inst.given["A"], dtype=float)
        i, j = inst.given["i"], inst.given["j"]
        v = np.array(inst.given["v"])
        assert a.shape[0] != a.shape[1]
        assert tuple(by_prompt(inst, "shape of $A$").answer) == a.shape
        assert np.array_equal(np.array(by_prompt(inst, "transpose $A").answer, dtype=float), a.T)
        assert tuple(by_prompt(inst, "shape of $A^\\top$").answer) == a.T.shape
        assert by_prompt(inst, "entry").answer == a[i - 1, j - 1]
        assert by_prompt(inst, "row vector or a column").answer == ("column" if inst.given["v_is_column"] else "row")
        assert v.ndim == 1 and len(v) >= 2
        check_instance_contract(inst)


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: str(v) or "defaults")
@seed_sweep(QUICK, FULL, together=True)
def test_dot_product_against_numpy(variant, seeds):
    relations = set()
    for seed in seeds:
        inst = build("dot_product", seed=seed, params=variant)
        a, b = np.array(inst.given["a"], dtype=float), np.array(inst.given["b"], dtype=float)
        dot = float(a @ b)
        assert by_prompt(inst, "Compute the dot product").answer == pytest.approx(dot, abs=1e-9)
        cos = dot / (np.linalg.norm(a) * np.linalg.norm(b))
        assert by_prompt(inst, "cosine").answer == pytest.approx(cos, abs=1e-6)
        expected = "acute" if dot > 0 else "obtuse" if dot < 0 else "right"
        assert by_prompt(inst, "acute, a right angle").answer == expected
        relations.add(expected)
        check_instance_contract(inst)
    assert relations == {"acute", "obtuse"}  # a right angle is excluded when the value or cosine is asked


@seed_sweep(QUICK, FULL, together=True)
def test_dot_product_orthogonal_pairs_when_only_the_angle_is_asked(seeds):
    seen = set()
    for seed in seeds:
        inst = build("dot_product", seed=seed, params={"parts": ["direction"], "value_range": [-99, 99],
                                                       "dim": [2, 10]})
        a, b = np.array(inst.given["a"], dtype=float), np.array(inst.given["b"], dtype=float)
        expected = "acute" if a @ b > 0 else "obtuse" if a @ b < 0 else "right"
        assert inst.parts[0].answer == expected
        assert np.any(a != 0) and np.any(b != 0)
        seen.add(expected)
        check_instance_contract(inst)
    assert seen == {"acute", "right", "obtuse"}


def test_dot_product_never_orthogonal_when_the_value_is_asked():
    """a . b = 0 would hide a sign error (-0 = 0): orthogonal pairs are drawn only for the angle alone."""
    for seed in range(200):
        inst = build("dot_product", seed=seed, params={"parts": ["value", "direction"], "dim": [2, 3],
                                                       "value_range": [-2, 2]})
        a, b = np.array(inst.given["a"], dtype=float), np.array(inst.given["b"], dtype=float)
        assert a @ b != 0


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: str(v) or "defaults")
@seed_sweep(QUICK, FULL, together=True)
def test_matmul_against_numpy(variant, seeds):
    defined_seen = set()
    for seed in seeds:
        inst = build("matmul", seed=seed, params=variant)
        a, b = np.array(inst.given["A"], dtype=float), np.array(inst.given["B"], dtype=float)
        c = a @ b
        i, j = inst.given["i"], inst.given["j"]
        assert np.allclose(np.array(by_prompt(inst, "Compute $C = AB$").answer, dtype=float), c, atol=1e-9)
        assert by_prompt(inst, "Compute only the entry").answer == pytest.approx(c[i - 1, j - 1], abs=1e-9)
        assert tuple(by_prompt(inst, "shape of $AB$").answer) == c.shape
        p_shape, q_shape = inst.given["P_shape"], inst.given["Q_shape"]
        try:
            np.zeros(p_shape) @ np.zeros(q_shape)
            defined = "yes"
        except ValueError:
            defined = "no"
        assert by_prompt(inst, "defined").answer == defined
        defined_seen.add(defined)
        # distinguishability: equal sizes and symmetric products are rejected
        assert c.shape[0] != c.shape[1]
        check_instance_contract(inst)
    assert defined_seen == {"yes", "no"}


@seed_sweep(QUICK, FULL)
def test_matmul_square_products_are_never_symmetric(seeds):
    for seed in seeds:
        inst = build("matmul", seed=seed, params={"m": 3, "k": 3, "n": 3, "parts": ["product", "entry"]})
        c = np.array(inst.parts[0].answer)
        assert not np.array_equal(c, c.T)
        a, b = np.array(inst.given["A"]), np.array(inst.given["B"])
        assert not np.array_equal(c, b @ a) and not np.array_equal(c, a * b)
        tags = {w.tag for w in inst.parts[0].wrong_answers}
        assert {"product-transposed", "order-swapped", "elementwise"} <= tags
        check_instance_contract(inst)


def test_param_ranges_are_respected():
    for seed in range(200):
        inst = build("matmul", seed=seed, params={"m": [2, 3], "k": 4, "n": [5, 6], "value_range": [1, 2]})
        a, b = np.array(inst.given["A"]), np.array(inst.given["B"])
        assert a.shape[0] in (2, 3) and a.shape[1] == 4 and b.shape[1] in (5, 6)
        assert a.min() >= 1 and a.max() <= 2 and b.min() >= 1 and b.max() <= 2
