"""Test helper: the geometry of an SVG diagram as drawn (text boxes, arrow curves, node shapes), and overlaps.

Reads only what the SVG says: each ``<text>``'s position and pinned length (``textLength``) with the
font's ascent and descent, each ``<path>``'s cubic Beziers (sampled), each arrowhead ``<polygon>`` and
each node ``<rect>``. It knows nothing of how exgen laid the diagram out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

SVG = "{http://www.w3.org/2000/svg}"
ASCENT, DESCENT = 0.76, 0.24  # DejaVu Sans Mono, in em (other monospace fonts are within these)


@dataclass(frozen=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float
    what: str

    def overlaps(self, other: Rect, slack: float = 0.0) -> bool:
        return (self.x0 + slack < other.x1 and other.x0 + slack < self.x1 and
                self.y0 + slack < other.y1 and other.y0 + slack < self.y1)

    def contains(self, x: float, y: float, slack: float = 0.0) -> bool:
        return self.x0 + slack < x < self.x1 - slack and self.y0 + slack < y < self.y1 - slack


def parse(svg: str) -> tuple[list[Rect], list[list[tuple[float, float]]], list[Rect]]:
    """Return (text boxes, arrow polylines sampled from the curves and arrowheads, node rectangles)."""
    root = ET.fromstring(svg)
    size = float(root.get("font-size", "12"))
    texts, curves, shapes = [], [], []
    for el in root.iter():
        tag = el.tag.replace(SVG, "")
        if tag == "text":
            x, y = float(el.get("x")), float(el.get("y"))
            n = len(el.text or "")
            width = float(el.get("textLength")) if el.get("textLength") else n * 0.61 * size
            texts.append(Rect(x, y - ASCENT * size, x + width, y + DESCENT * size, el.text or ""))
        elif tag == "path":
            curves.append(_sample(el.get("d")))
        elif tag == "polygon":
            pts = [tuple(float(v) for v in p.split(",")) for p in el.get("points").split()]
            curves.append(pts + [pts[0]])
        elif tag == "rect":
            x, y = float(el.get("x")), float(el.get("y"))
            shapes.append(Rect(x, y, x + float(el.get("width")), y + float(el.get("height")), "node"))
    return texts, curves, shapes


def _sample(d: str, steps: int = 24) -> list[tuple[float, float]]:
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
    assert d.startswith("M") and "C" in d, d
    pts = list(zip(nums[0::2], nums[1::2]))
    out = [pts[0]]
    for i in range(1, len(pts) - 2, 3):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for k in range(1, steps + 1):
            t = k / steps
            a, b, c, e = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
            out.append((a * p0[0] + b * p1[0] + c * p2[0] + e * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + e * p3[1]))
    return out


def _segment_hits(rect: Rect, p: tuple[float, float], q: tuple[float, float], slack: float) -> bool:
    for k in range(9):  # segments are short (a curve sampled finely); check points along them
        t = k / 8
        if rect.contains(p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]), slack):
            return True
    return False


def overlaps(svg: str, slack: float = 0.5) -> list[str]:
    """Return every overlap: two text boxes, a text box and an arrow, a text box and a node it is not in."""
    texts, curves, shapes = parse(svg)
    found = []
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            if a.overlaps(b, slack):
                found.append(f"text {a.what!r} overlaps text {b.what!r}")
        for line in curves:
            if any(_segment_hits(a, p, q, slack) for p, q in zip(line, line[1:])):
                found.append(f"an arrow crosses text {a.what!r}")
                break
        for s in shapes:
            inside = s.x0 <= a.x0 and a.x1 <= s.x1 and s.y0 <= a.y0 and a.y1 <= s.y1
            if a.overlaps(s, slack) and not inside:
                found.append(f"text {a.what!r} overlaps a node")
    return found
