"""Plots are declared by exercise types (``ExerciseType.plot_spec``); ``render.plots`` only draws them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from exgen.bank.spec import ExerciseSpec
from exgen.build.pipeline import build_instance
from exgen.instance import Part
from exgen.render import plots
from exgen.render.documents import document_assets
from exgen.types import all_types, get_type
from exgen.types.base import Draft, ExerciseType
from exgen.types.plotspec import descent_spec
from tests.conftest import build

PLOTTED = {"derivative": "tangent", "gradient": "descent"}


def _with_plot(type_name: str, seed: int = 1, **params):
    typ = get_type(type_name)
    resolved, problems = typ.resolve_params(params)
    assert not problems
    return build_instance(ExerciseSpec(id="ex", type=type_name, title=None, points=None, params=resolved,
                                       plot=True), seed=seed, student_id="s1")


@pytest.mark.parametrize("name", sorted(all_types()))
def test_each_type_declares_its_plot_or_none(name):
    ex = _with_plot(name).to_dict()
    spec = get_type(name).plot_spec(ex)
    if name in PLOTTED:
        assert spec is not None and spec["kind"] == PLOTTED[name]
        assert plots.wants_plot(ex) and "<svg" in plots.figure(ex, "html", key=True, href="")
    else:  # a type without a plot declares none, and plot: true then draws nothing
        assert spec is None and not plots.wants_plot(ex)


def test_the_base_type_has_no_plot():
    assert ExerciseType().plot_spec({"type": "x", "given": {"f": {"expr": "x"}, "x0": 1}}) is None


def test_nothing_is_drawn_unless_the_bank_asks():
    ex = build("derivative", seed=2).to_dict()
    assert get_type("derivative").plot_spec(ex) is not None and not plots.wants_plot(ex)


@pytest.mark.parametrize("seed", range(8))
def test_derivative_plot_is_tangent_at_the_given_point(seed):
    ex = _with_plot("derivative", seed).to_dict()
    spec = plots.spec_for(ex)
    assert spec["x0"] == ex["given"]["x0"] and spec["expr"] == ex["given"]["f"]["expr"]
    exact = next(p["answer"] for p in ex["parts"] if "Compute the slope" in p["prompt"])
    assert plots.sample(spec)["slope"] == pytest.approx(exact, rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("seed", range(8))
def test_gradient_plot_steps_along_minus_the_exact_gradient(seed):
    ex = _with_plot("gradient", seed, parts=["gradient"]).to_dict()
    spec = plots.spec_for(ex)
    grad = np.array(ex["parts"][0]["answer"], dtype=float)  # the key's gradient (sympy), not the plot's
    assert spec["origin"] == ex["given"]["point"] and spec["steps"] == [0.0, ex["given"]["learning_rate"]]
    assert np.allclose(spec["direction"], -grad, rtol=1e-5, atol=1e-5)


class _Toy(ExerciseType):
    """A type from outside exgen that declares a plot: descent steps on x^2 - 1."""

    name = "toy_plot"
    title = "Toy with a plot"
    topic = "0. Toy"

    def generate(self, params: Mapping[str, Any], *, rng: np.random.Generator) -> Draft:
        x0 = float(rng.integers(2, 5))
        return Draft(given={"x0": x0}, parts=[Part(id="a", kind="scalar", prompt="Step once.", answer=x0 / 2)])

    def plot_spec(self, instance: Mapping[str, Any]) -> dict | None:
        x0 = instance["given"]["x0"]
        return descent_spec("x^2 - 1", steps=[x0, x0 / 2, x0 / 4])


def test_a_new_type_declaring_a_plot_is_drawn_in_every_format(monkeypatch):
    monkeypatch.setitem(all_types(), "toy_plot", _Toy())
    inst = build_instance(ExerciseSpec(id="toy", type="toy_plot", title=None, points=None, params={}, plot=True),
                          seed=3, student_id="s1")
    ex = inst.to_dict()
    assert plots.wants_plot(ex)
    x0 = ex["given"]["x0"]
    assert f"starting point x = {x0:g} marked" in plots.caption(ex, key=False)
    page = plots.figure(ex, "html", key=True, href="")
    assert page.count("<circle") == 3 and 'marker-end="url(#arrow)"' in page  # the three iterates and steps
    assert page.count("<circle") > plots.figure(ex, "html", key=False, href="").count("<circle")
    assert r"\addplot" in plots.figure(ex, "tex", key=True, href="")
    assets = document_assets(fmt="md", key=False, student={"id": "s1"}, instances=[inst])
    assert list(assets) == ["figures/s1-toy.svg"] and assets["figures/s1-toy.svg"].startswith("<svg")
