"""Function plots: a curve with the tangent at a point, or gradient-descent steps on the curve.

An exercise type declares what its plot shows (``ExerciseType.plot_spec``, a spec from
``exgen.types.plotspec``); this module only draws specs, and only when the bank sets ``plot: true``
(``context["plot"]``). Samples are computed here, in Python, with exgen's guarded evaluator -- never in a
template -- and the same samples give an SVG (HTML and Markdown) and pgfplots code (LaTeX). Output is
deterministic text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from exgen.formatting import num
from exgen.i18n import _

N_SAMPLES = 121
WIDTH, HEIGHT = 400, 260
_M = {"left": 44, "right": 14, "top": 14, "bottom": 30}


def _f(spec: Mapping[str, Any]):
    from exgen.expr.evaluate import evaluate
    from exgen.expr.parser import parse

    names = tuple(spec.get("variables") or (str(spec["var"]),))
    node = parse(str(spec["expr"]), names, implicit_multiplication=False)

    def f(xs: np.ndarray) -> np.ndarray:
        xs = np.asarray(xs, dtype=float)
        if "origin" in spec:
            env = {n: o + xs * d for n, o, d in zip(names, spec["origin"], spec["direction"])}
        else:
            env = {names[0]: xs}
        return evaluate(node, env, len(xs))
    return f


def spec_for(ex: Mapping[str, Any]) -> dict | None:
    """Return the plot spec an instance's type declares (``ExerciseType.plot_spec``), or None."""
    from exgen.types import get_type

    return get_type(str(ex.get("type"))).plot_spec(ex)


def _nice_step(span: float, target: int = 5) -> float:
    raw = span / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= raw:
            return m * mag
    return 10 * mag


def _ticks(lo: float, hi: float) -> list[float]:
    step = _nice_step(hi - lo)
    first = math.ceil(lo / step - 1e-9)
    return [round(k * step, 10) for k in range(first, int(math.floor(hi / step + 1e-9)) + 1)]


def sample(spec: Mapping[str, Any]) -> dict:
    """Return the drawable data of a spec: curve samples, limits, marked points and lines (JSON-native)."""
    f = _f(spec)
    if spec["kind"] == "tangent":
        x0, span = float(spec["x0"]), float(spec.get("span", 2.5))
        y0 = float(f(np.array([x0]))[0])
        slope = spec.get("slope")
        if slope is None:
            h = 1e-5
            slope = float((f(np.array([x0 + h])) - f(np.array([x0 - h])))[0] / (2 * h))
        # Zoom in while the curve's rise dwarfs the tangent's (exponentials), so the point stays readable.
        while span > 0.6:
            window = f(np.linspace(x0 - span, x0 + span, 41))
            window = window[np.isfinite(window)]
            rise = float(np.ptp(window)) if window.size else 0.0
            if rise <= 6 * (abs(slope) * 2 * span + 1):
                break
            span *= 0.7
        xlim = (x0 - span, x0 + span)
        points = [(x0, y0)]
        lines = [((xlim[0], y0 + slope * (xlim[0] - x0)), (xlim[1], y0 + slope * (xlim[1] - x0)))]
        extra = {"slope": slope}
    else:
        steps = [float(s) for s in spec["steps"]]
        lo, hi = min(steps), max(steps)
        pad = 2.5 * (hi - lo) if "origin" in spec else max(1.0, 0.35 * (hi - lo))
        xlim = (lo - pad, hi + pad)
        ys = f(np.array(steps))
        points = [(x, float(y)) for x, y in zip(steps, ys)]
        lines = [(points[k], points[k + 1]) for k in range(len(points) - 1)]
        extra = {}
    xs = np.linspace(xlim[0], xlim[1], N_SAMPLES)
    ys = f(xs)
    finite = ys[np.isfinite(ys) & (np.abs(ys) < 1e6)]
    marked = [y for _, y in points if math.isfinite(y)]
    values = [*finite.tolist(), *marked] or [-1.0, 1.0]
    lo_y, hi_y = min(values), max(values)
    if hi_y - lo_y < 1e-9:
        lo_y, hi_y = lo_y - 1, hi_y + 1
    pad_y = 0.08 * (hi_y - lo_y)
    ylim = (lo_y - pad_y, hi_y + pad_y)
    curve = [(float(x), float(y) if math.isfinite(y) else None) for x, y in zip(xs, ys)]
    return {"kind": spec["kind"], "var": str(spec["var"]), "xlim": xlim, "ylim": ylim, "curve": curve,
            "points": points, "lines": lines, **extra}


def _r(v: float) -> str:
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def svg(data: Mapping[str, Any], *, key: bool, label: str) -> str:
    """Return a standalone ``<svg>`` of sampled data (``role="img"`` with a title for screen readers).

    The worksheet shows the curve and the point(s); the key adds the tangent line or the descent steps.
    """
    (x_lo, x_hi), (y_lo, y_hi) = data["xlim"], data["ylim"]
    pw, ph = WIDTH - _M["left"] - _M["right"], HEIGHT - _M["top"] - _M["bottom"]

    def X(x: float) -> float:
        return _M["left"] + (x - x_lo) / (x_hi - x_lo) * pw

    def Y(y: float) -> float:
        return _M["top"] + (y_hi - y) / (y_hi - y_lo) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
           f'height="{HEIGHT}" role="img" aria-label="{html.escape(label)}" class="plot" font-family="sans-serif" '
           f'font-size="11">', f"<title>{html.escape(label)}</title>",
           f'<defs><clipPath id="c"><rect x="{_M["left"]}" y="{_M["top"]}" width="{pw}" height="{ph}"/>'
           "</clipPath></defs>",
           f'<rect x="{_M["left"]}" y="{_M["top"]}" width="{pw}" height="{ph}" fill="#fff" stroke="#999"/>']
    for t in _ticks(x_lo, x_hi):
        out.append(f'<line x1="{_r(X(t))}" y1="{_M["top"]}" x2="{_r(X(t))}" y2="{_M["top"] + ph}" stroke="#eee"/>'
                   f'<text x="{_r(X(t))}" y="{HEIGHT - 12}" text-anchor="middle" fill="#333">{num(t)}</text>')
    for t in _ticks(y_lo, y_hi):
        out.append(f'<line x1="{_M["left"]}" y1="{_r(Y(t))}" x2="{_M["left"] + pw}" y2="{_r(Y(t))}" stroke="#eee"/>'
                   f'<text x="{_M["left"] - 4}" y="{_r(Y(t) + 4)}" text-anchor="end" fill="#333">{num(t)}</text>')
    if x_lo < 0 < x_hi:
        out.append(f'<line x1="{_r(X(0))}" y1="{_M["top"]}" x2="{_r(X(0))}" y2="{_M["top"] + ph}" stroke="#888"/>')
    if y_lo < 0 < y_hi:
        out.append(f'<line x1="{_M["left"]}" y1="{_r(Y(0))}" x2="{_M["left"] + pw}" y2="{_r(Y(0))}" stroke="#888"/>')
    out.append(f'<text x="{WIDTH - _M["right"]}" y="{HEIGHT - 1}" text-anchor="end" font-style="italic">'
               f'{html.escape(data["var"])}</text>')
    path, pen = [], "M"
    for x, y in data["curve"]:
        if y is None:
            pen = "M"
            continue
        path.append(f"{pen}{_r(X(x))} {_r(Y(y))}")
        pen = "L"
    out.append(f'<path d="{" ".join(path)}" fill="none" stroke="#1f4e9c" stroke-width="2" clip-path="url(#c)"/>')
    if key:
        for (xa, ya), (xb, yb) in data["lines"]:
            dash = ' stroke-dasharray="6 4"' if data["kind"] == "tangent" else ""
            marker = ' marker-end="url(#arrow)"' if data["kind"] == "descent" else ""
            out.append(f'<line x1="{_r(X(xa))}" y1="{_r(Y(ya))}" x2="{_r(X(xb))}" y2="{_r(Y(yb))}" stroke="#b22" '
                       f'stroke-width="1.8"{dash}{marker} clip-path="url(#c)"/>')
        if data["kind"] == "descent":
            out.insert(3, '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                          'markerHeight="7" orient="auto"><path d="M0 0L10 5L0 10z" fill="#b22"/></marker></defs>')
    shown = data["points"] if key or data["kind"] == "tangent" else data["points"][:1]
    for x, y in shown:
        if math.isfinite(y):
            out.append(f'<circle cx="{_r(X(x))}" cy="{_r(Y(y))}" r="4" fill="#b22" stroke="#fff"/>')
    out.append("</svg>")
    return "".join(out)


def _c(v: float) -> str:
    """A pgfplots coordinate: 6 significant digits (2 decimals would draw steps on a narrow axis)."""
    text = f"{v:.6g}"
    return "0" if text == "-0" else text


def pgfplots(data: Mapping[str, Any], *, key: bool) -> str:
    """Return a ``tikzpicture`` with a pgfplots ``axis`` drawing the same data as ``svg``."""
    (x_lo, x_hi), (y_lo, y_hi) = data["xlim"], data["ylim"]
    coords = " ".join(f"({_c(x)},{_c(y) if y is not None else 'nan'})" for x, y in data["curve"])
    var = data["var"] if data["var"].isalpha() else "x"
    out = [r"\begin{tikzpicture}",
           rf"\begin{{axis}}[width=8.5cm, height=5.5cm, xmin={_c(x_lo)}, xmax={_c(x_hi)}, ymin={_c(y_lo)}, "
           rf"ymax={_r(y_hi)}, axis lines=box, grid=major, grid style={{black!10}}, xlabel={{${var}$}}, "
           r"unbounded coords=jump, clip=true, tick label style={font=\footnotesize}]",
           rf"\addplot[very thick, blue!70!black] coordinates {{{coords}}};"]
    if key:
        style = "densely dashed" if data["kind"] == "tangent" else "->, >=stealth"
        for (xa, ya), (xb, yb) in data["lines"]:
            out.append(rf"\addplot[thick, red!70!black, {style}] coordinates {{({_c(xa)},{_c(ya)}) ({_c(xb)},{_c(yb)})}};")
    shown = data["points"] if key or data["kind"] == "tangent" else data["points"][:1]
    pts = " ".join(f"({_c(x)},{_c(y)})" for x, y in shown if math.isfinite(y))
    if pts:
        out.append(rf"\addplot[only marks, mark=*, red!70!black] coordinates {{{pts}}};")
    out += [r"\end{axis}", r"\end{tikzpicture}"]
    return "\n".join(out)


def wants_plot(ex: Mapping[str, Any]) -> bool:
    """Return whether an instance (as a dict) asks for a plot (``plot: true``) and has something to plot."""
    return bool((ex.get("context") or {}).get("plot")) and spec_for(ex) is not None


def caption(ex: Mapping[str, Any], *, key: bool) -> str:
    """Return a one-line description of the plot (used as alt text and caption)."""
    spec = spec_for(ex)
    if spec is None:
        raise ValueError("caption() of an exercise with nothing to plot")
    var = spec["var"]
    if spec["kind"] == "tangent":
        values = {"var": var, "x0": num(spec["x0"])}
        if key:
            return _("Graph of f near %(var)s = %(x0)s, the point marked, with the tangent line there (dashed).") % values
        return _("Graph of f near %(var)s = %(x0)s, the point marked.") % values
    if "origin" in spec:
        values = {"point": ", ".join(num(p) for p in spec["origin"])}
        if key:
            return _("Graph of f along the descent direction: f(p − t ∇f(p)) for p = (%(point)s), starting at t = 0; "
                     "the arrow is the step to t = η.") % values
        return _("Graph of f along the descent direction: f(p − t ∇f(p)) for p = (%(point)s), starting at "
                 "t = 0.") % values
    values = {"var": var, "x0": num(spec["steps"][0])}
    if key:
        return _("Graph of f with the starting point %(var)s = %(x0)s marked; arrows show each gradient-descent "
                 "step.") % values
    return _("Graph of f with the starting point %(var)s = %(x0)s marked.") % values


def figure(ex: Mapping[str, Any], fmt: str, *, key: bool, href: str) -> str:
    """Return an exercise's plot as a format's markup (``svg`` gives the bare SVG file's text).

    Args:
        ex: the instance as a dict; ``wants_plot(ex)`` must hold.
        fmt: ``html`` (inline SVG in a ``<figure>``), ``md`` (an image link to ``href``), ``tex``
            (pgfplots) or ``svg``.
        key: draw the answer (tangent line, descent steps).
        href: the SVG file's path relative to a Markdown document.
    """
    spec = spec_for(ex)
    if spec is None:
        raise ValueError("figure() of an exercise with nothing to plot")
    data = sample(spec)
    text = caption(ex, key=key)
    if fmt == "svg":
        return svg(data, key=key, label=text) + "\n"
    if fmt == "html":
        return (f'\n<figure class="plot">{svg(data, key=key, label=text)}'
                f"<figcaption>{html.escape(text)}</figcaption></figure>\n")
    if fmt == "tex":
        return "\n\n\\nopagebreak[4]\n\\begin{center}\n" + pgfplots(data, key=key) + "\n\\end{center}\n"
    if fmt == "md":
        return f"\n\n![{text}]({href})\n"
    return ""
