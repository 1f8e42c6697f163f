"""Computational-graph diagrams in TikZ (LaTeX), drawn at render time from a graph description.

The description (``exgen.types.graphs.describe``) is JSON data stored in an instance. The statement shows
the given forward values above the arrows, the gradients to find below them as ``(c) ?`` (in red), given
upstream gradients in red, and gradients asked at a branching value beside its node. The key shows every
forward value and every gradient.

Where things go comes from ``exgen.render.diagrams.tracks`` (no layout program is needed for LaTeX): the
labels, and the widths of the nodes, are cells of a grid whose rows and columns TeX sizes to what the
cells hold (the macros of ``PREAMBLE``, sizing it as a TikZ ``matrix`` would); the nodes are drawn at
their cells and the arrows along rows, node columns and lanes, where no cell holds text. So no label can
overlap an arrow, a node or another label, whatever its size. PGF's basic layer draws it all: a TikZ
matrix of nodes took ten times the TeX time, most of a document's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exgen.render.diagrams.common import forward_state, is_wide, node_id
from exgen.render.diagrams.tracks import DROP, JUNCTION, STRAIGHT, Grid, Route, layout

GRAD_COLOR = "red!70!black"
#: The TeX macros the pictures use (in the preamble, so in the format file: defined once per run). Needs
#: ``tikz`` (PGF's basic layer) and its ``arrows.meta`` library, and ``xcolor``. The grid is sized as a
#: TikZ matrix would size it (cells aligned on their origins, 0.8 mm between columns, 0.6 mm between rows),
#: with a tenth of its TeX time: a document's two TikZ matrices were most of its compile time.
PREAMBLE = r"""% Graph diagrams (exgen.render.diagrams.tikz): the cells of a grid measured, its rows and columns sized
% to what they hold, then everything drawn with PGF's basic layer.
\makeatletter
\newbox\exgen@gbox \newdimen\exgen@pad \newdimen\exgen@gx \newdimen\exgen@gw \newdimen\exgen@gh \newdimen\exgen@gd
\newif\ifexgen@measure
\newdimen\exgen@os \exgen@os=0.2pt % TikZ's outer sep round a node's box: half a thin line (twice it for an
% operation, drawn thick); it counts in the rows' heights, not in the columns' widths, as in a TikZ matrix
\def\exgen@set#1#2{\expandafter\edef\csname exgen@g#1\endcsname{\the\dimexpr#2\relax}}
\def\exgen@get#1{\csname exgen@g#1\endcsname}
\def\exgen@grow#1#2{\ifdim\dimexpr#2\relax>\exgen@get{#1}\relax\exgen@set{#1}{#2}\fi}
\def\exgen@measure#1{\setbox\exgen@gbox\hbox{{\exgen@fonts#1}}\exgen@gw\wd\exgen@gbox\exgen@gh\ht\exgen@gbox\exgen@gd\dp\exgen@gbox}
\def\exgen@text#1#2{\pgftext[left,base,at={\pgfqpoint{\dimexpr#1\relax}{\dimexpr#2\relax}}]{\box\exgen@gbox}}
\def\exgen@max#1#2{\ifdim\dimexpr#1\relax>\dimexpr#2\relax\the\dimexpr#1\relax\else\the\dimexpr#2\relax\fi}
% a label above (fwd) or below (bwd) a row's line: {row}{column}{font}{text}, centred, 2pt from the line
\newcommand\exgengfwd[4]{\exgen@measure{#3#4}\ifexgen@measure
    \exgen@grow{L#2}{\exgen@max{8mm}{\exgen@gw+4pt}/2}\exgen@grow{R#2}{\exgen@max{8mm}{\exgen@gw+4pt}/2}%
    \exgen@grow{U#1}{\exgen@gh+\exgen@gd+4pt+2\exgen@os}%
  \else\exgen@text{\exgen@get{X#2}-\exgen@gw/2}{\exgen@get{Y#1}+\exgen@os+2pt+\exgen@gd}\fi}
\newcommand\exgengbwd[4]{\exgen@measure{#3\color{exgengrad}#4}\ifexgen@measure
    \exgen@grow{L#2}{\exgen@max{8mm}{\exgen@gw+4pt}/2}\exgen@grow{R#2}{\exgen@max{8mm}{\exgen@gw+4pt}/2}%
    \exgen@grow{D#1}{\exgen@gh+\exgen@gd+4pt+2\exgen@os}%
  \else\exgen@text{\exgen@get{X#2}-\exgen@gw/2}{\exgen@get{Y#1}-\exgen@os-2pt-\exgen@gh}\fi}
% room: above a row's line, below it, across a column (a gap's lanes); as high or deep as some text
\newcommand\exgengup[2]{\ifexgen@measure\exgen@grow{U#1}{#2+2\exgen@os}\fi}
\newcommand\exgengdown[2]{\ifexgen@measure\exgen@grow{D#1}{#2+2\exgen@os}\fi}
\newcommand\exgengwide[2]{\ifexgen@measure\exgen@grow{L#1}{#2/2}\exgen@grow{R#1}{#2/2}\fi}
\newcommand\exgengupto[2]{\ifexgen@measure\exgen@measure{#2}\exgen@grow{U#1}{\exgen@gh+\exgen@gd+2\exgen@os}\fi}
\newcommand\exgengdownto[2]{\ifexgen@measure\exgen@measure{#2}\exgen@grow{D#1}{\exgen@gh+\exgen@gd+2\exgen@os}\fi}
% a gradient asked at a branching value: {row}{column}{text}, ending at the column's line
\newcommand\exgengmark[3]{\exgen@measure{\footnotesize\global\exgen@gx.6ex\color{exgengrad}#3}\ifexgen@measure
    \exgen@grow{L#2}{\exgen@gw+3pt}\exgen@grow{D#1}{1.5pt+\exgen@gx+\exgen@os}%
  \else\exgen@text{\exgen@get{X#2}-\exgen@gw-1.5pt-\exgen@os}{\exgen@get{Y#1}-\exgen@gx}\fi}
% where a node stands (the lines end at its border) and a point in a lane
\def\exgen@at#1#2#3#4#5{\exgen@set{x@#1}{\exgen@get{X#3}}\exgen@set{y@#1}{\exgen@get{Y#2}}%
  \exgen@set{w@#1}{#4}\exgen@set{h@#1}{#5}}
% a value (a leaf): {row}{column}{name}{label}
\newcommand\exgengleaf[4]{\exgen@measure{$#4$}\ifexgen@measure
    \exgen@grow{L#2}{\exgen@gw/2+3pt}\exgen@grow{R#2}{\exgen@gw/2+3pt}%
    \exgen@grow{U#1}{\exgen@os}\exgen@grow{D#1}{\exgen@os}%
  \else\exgen@at{#3}{#1}{#2}{\exgen@gw/2+3.2pt}{(\exgen@gh+\exgen@gd)/2+3.2pt}%
    \exgen@text{\exgen@get{X#2}-\exgen@gw/2}{\exgen@get{Y#1}-(\exgen@gh-\exgen@gd)/2}\fi}
% an operation: a circle, or a pill round a longer name: {row}{column}{name}{label}
\newcommand\exgengop[4]{\exgen@measure{\global\exgen@gx.6667em$#4$}\ifexgen@measure
    \exgen@grow{L#2}{\exgen@max{9mm}{\exgen@gw+8pt}/2}\exgen@grow{R#2}{\exgen@max{9mm}{\exgen@gw+8pt}/2}%
    \exgen@grow{U#1}{2\exgen@os}\exgen@grow{D#1}{2\exgen@os}%
  \else
    \exgen@set{ow}{\exgen@max{9mm}{\exgen@gw+8pt}/2}\exgen@set{oh}{\exgen@max{9mm}{\exgen@gh+\exgen@gd+\exgen@gx}/2}%
    \exgen@at{#3}{#1}{#2}{\exgen@get{ow}+0.4pt}{\exgen@get{oh}+0.4pt}%
    \begin{pgfscope}\pgfsetlinewidth{0.8pt}\pgfsetfillcolor{black!4}\pgfsetcornersarced{\pgfqpoint{4.5mm}{4.5mm}}%
      \pgfpathrectanglecorners{\pgfqpoint{\dimexpr\exgen@get{X#2}-\exgen@get{ow}}{\dimexpr\exgen@get{Y#1}-\exgen@get{oh}}}%
        {\pgfqpoint{\dimexpr\exgen@get{X#2}+\exgen@get{ow}}{\dimexpr\exgen@get{Y#1}+\exgen@get{oh}}}%
      \pgfusepath{fill,stroke}\end{pgfscope}%
    \exgen@text{\exgen@get{X#2}-\exgen@gw/2}{\exgen@get{Y#1}-(\exgen@gh-\exgen@gd)/2}\fi}
\newcommand\exgenglane[4]{\ifexgen@measure\else\exgen@set{x@#3}{\exgen@get{X#2}+#4}\exgen@set{y@#3}{\exgen@get{Y#1}}%
  \exgen@set{w@#3}{\z@}\exgen@set{h@#3}{\z@}\fi}
% a point: {x of}{y of}{side}: the centre of a node (c) or its border to the e, w, n or s
\def\exgen@point#1#2#3{\pgfqpoint{\dimexpr\exgen@get{x@#1}\if e#3+\exgen@get{w@#1}\fi\if w#3-\exgen@get{w@#1}\fi\relax}%
  {\dimexpr\exgen@get{y@#2}\if n#3+\exgen@get{h@#2}\fi\if s#3-\exgen@get{h@#2}\fi\relax}}
% a line (\exgengline) or an arrow (\exgengarrow) from one point to another, and a dot where lines part
\newcommand\exgengline[6]{\pgfpathmoveto{\exgen@point{#1}{#2}{#3}}\pgfpathlineto{\exgen@point{#4}{#5}{#6}}%
  \pgfusepath{stroke}}
\newcommand\exgengarrow[6]{\begin{pgfscope}\pgfsetarrowsend{Stealth[length=2mm]}\exgengline{#1}{#2}{#3}{#4}{#5}{#6}%
  \end{pgfscope}}
\newcommand\exgengdot[2]{\pgfpathcircle{\exgen@point{#1}{#2}c}{1.3pt}\pgfusepath{fill}}
% PGF sets no font in a picture (\nullfont, so that no stray space moves it): labels are set in the
% document's fonts (\exgengraph saves them for its measuring outside the picture as PGF does inside)
\def\exgen@fonts{\let\setlength\pgf@setlengthorig\let\addtolength\pgf@addtolengthorig
  \let\selectfont\pgf@selectfontorig\selectfont}
% the picture: {columns}{rows}{cells}{lines}
\newcommand\exgengraph[4]{\begingroup\exgen@pad=.3333em\small
  \let\pgf@setlengthorig\setlength\let\pgf@addtolengthorig\addtolength\let\pgf@selectfontorig\selectfont
  \count@\z@\loop\ifnum\count@<#1 \exgen@set{L\the\count@}\z@\exgen@set{R\the\count@}\z@\advance\count@\@ne\repeat
  \count@\z@\loop\ifnum\count@<#2 \exgen@set{U\the\count@}\z@\exgen@set{D\the\count@}\z@\advance\count@\@ne\repeat
  \exgen@measuretrue#3%
  \exgen@set{X0}{\exgen@get{L0}}\count@\@ne
  \loop\ifnum\count@<#1 \exgen@set{X\the\count@}{\exgen@get{X\the\numexpr\count@-1}+\exgen@get{R\the\numexpr\count@-1}%
    +0.8mm+\exgen@get{L\the\count@}}\advance\count@\@ne\repeat
  \exgen@set{Y0}{-\exgen@get{U0}}\count@\@ne
  \loop\ifnum\count@<#2 \exgen@set{Y\the\count@}{\exgen@get{Y\the\numexpr\count@-1}-\exgen@get{D\the\numexpr\count@-1}%
    -0.6mm-\exgen@get{U\the\count@}}\advance\count@\@ne\repeat
  \begin{pgfpicture}\exgen@measurefalse
    \pgfpathrectanglecorners{\pgfqpoint{-\exgen@pad}{\dimexpr\exgen@get{Y\the\numexpr#2-1}-\exgen@get{D\the\numexpr#2-1}-\exgen@pad}}%
      {\pgfqpoint{\dimexpr\exgen@get{X\the\numexpr#1-1}+\exgen@get{R\the\numexpr#1-1}+\exgen@pad}{\exgen@pad}}%
    \pgfusepath{use as bounding box}%
    #3\pgfsetlinewidth{0.8pt}#4%
  \end{pgfpicture}\endgroup}
\makeatother
""" + rf"\colorlet{{exgengrad}}{{{GRAD_COLOR}}}" + "\n"
OP_HEIGHT = 9  # mm: an operation is a circle, or a pill round a longer name
LANE = 1.6  # mm between two vertical lines in one gap


def _forward(e: Mapping[str, Any], key: bool) -> str:
    state = forward_state(e, key=key)
    if state == "asked":
        return rf"\textbf{{({e['forward_part']})}}\,?"
    if state == "hidden":
        return "$" + e["name"] + "$"  # the value's name only: the student works it out
    return "$" + e["value_tex"] + "$"


def _backward(e: Mapping[str, Any], key: bool) -> str:
    if key or e["grad_given"]:
        return "$" + e["grad_tex"] + "$"
    if e["grad_part"]:
        return rf"\textbf{{({e['grad_part']})}}\,?"
    return ""


def _mark(m: Mapping[str, Any], key: bool) -> str:
    value = m["grad_tex"] if key else "{?}"
    part = "" if key else rf"\ \textbf{{({m['part']})}}"
    return rf"$\frac{{\partial L}}{{\partial {m['name']}}} = {value}${part}"


def _arrows(desc: Mapping[str, Any], grid: Grid) -> list[str]:
    """Return the lines of every arrow, each stretch drawn once: per value, its track along its row, the
    drops and lane lines off it, and a dot where a line leaves a track or lane that goes on.

    A point is ``{x of}{y of}{side}``: the x of one node or lane point, the y of another, and ``c`` (that
    point) or the side of the node (``e``, ``w``, ``n``, ``s``) where the line meets its border."""
    out = []
    edges = desc["edges"]
    col, rows = grid.columns, grid.rows
    for src in dict.fromkeys(e["src"] for e in edges):
        mine = [r for r in grid.routes if edges[r.edge]["src"] == src]
        s = node_id(src)
        # where the track turns off (a drop's corner, a lane) and how far right it runs
        turns = [(2 * col[edges[r.edge]["dst"]] - (1 if r.kind == JUNCTION else 0), r) for r in mine
                 if r.kind != STRAIGHT]
        straight = [r for r in mine if r.kind == STRAIGHT]
        far = max((x for x, _ in turns), default=None)

        def point(x: int, r: Route) -> str:
            dst = edges[r.edge]["dst"]
            return f"lane{col[dst]}x{r.lane}" if x % 2 else node_id(dst)

        if far is not None:
            end = next(point(x, r) for x, r in turns if x == far)
            out.append(rf"\exgengline{{{s}}}{{{s}}}e{{{end}}}{{{s}}}c")
            for x, r in turns:
                if x < far or straight:
                    out.append(rf"\exgengdot{{{point(x, r)}}}{{{s}}}")
        for r in straight:
            start = f"{{{point(far, next(t for x, t in turns if x == far))}}}{{{s}}}c" if far is not None \
                else f"{{{s}}}{{{s}}}e"
            dst = node_id(edges[r.edge]["dst"])
            out.append(rf"\exgengarrow{start}{{{dst}}}{{{dst}}}w")
        for r in mine:
            if r.kind == DROP:
                dst_name = edges[r.edge]["dst"]
                dst = node_id(dst_name)
                side = "n" if rows[src] < rows[dst_name] else "s"
                out.append(rf"\exgengarrow{{{dst}}}{{{s}}}c{{{dst}}}{{{dst}}}{side}")
        lanes: dict[str, list[Route]] = {}
        for r in mine:
            if r.kind == JUNCTION:
                lanes.setdefault(point(1, r), []).append(r)
        for lane, group in lanes.items():
            ys = [rows[src]] + [rows[edges[r.edge]["dst"]] for r in group]
            top, bottom = min(ys), max(ys)
            ends = {top: None, bottom: None}
            by_row = {rows[edges[r.edge]["dst"]]: node_id(edges[r.edge]["dst"]) for r in group}
            first = by_row.get(top, s)
            last = by_row.get(bottom, s)
            out.append(rf"\exgengline{{{lane}}}{{{first}}}c{{{lane}}}{{{last}}}c")
            for row, dst in by_row.items():
                out.append(rf"\exgengarrow{{{lane}}}{{{dst}}}c{{{dst}}}{{{dst}}}w")
                if row not in ends:
                    out.append(rf"\exgengdot{{{lane}}}{{{dst}}}")
            if rows[src] not in ends:
                out.append(rf"\exgengdot{{{lane}}}{{{s}}}")
    return out


def tikz(desc: Mapping[str, Any], *, key: bool = False) -> str:
    """Return an ``\\exgengraph`` picture (the macros of ``PREAMBLE``) drawing the described graph.

    Args:
        desc: a graph description from ``exgen.types.graphs.describe``.
        key: draw every gradient (the answer key) instead of marking the ones to find.
    """
    grid = layout(desc)
    size = r"\normalsize" if is_wide(desc) else r"\footnotesize"
    nodes = {n["id"]: n for n in desc["nodes"]}
    last = max(grid.columns.values())
    used = sorted(set(grid.rows.values()) | {r for r, _ in grid.marks} | {r for r, _ in grid.labels})
    # grid rows: for each used row, the labels above its line (A), the line (L), the labels below (B);
    # grid columns: for each node column c (from 1), its gap's lane, its gap's labels, then the node
    row = {(r, part): i for i, (r, part) in enumerate((r, part) for r in used for part in "ALB")}
    cells: list[str] = []

    def lane(c: int) -> int:
        return 3 * c - 3

    def label(c: int) -> int:
        return 3 * c - 2

    def column(c: int) -> int:
        return 3 * c - 1

    for name, c in grid.columns.items():
        r, n = grid.rows[name], nodes[name]
        op = n["kind"] == "op"
        cells.append(rf"\exgeng{'op' if op else 'leaf'}{{{row[(r, 'L')]}}}{{{column(c)}}}{{{node_id(name)}}}"
                     rf"{{{n['label']}}}")
        half = OP_HEIGHT / 2 if op else 2.8
        cells.append(rf"\exgengup{{{row[(r, 'A')]}}}{{{half}mm}}\exgengdown{{{row[(r, 'B')]}}}{{{half}mm}}")
    for route, (r, x) in zip(grid.routes, grid.labels):
        e = desc["edges"][route.edge]
        c = (x + 1) // 2
        cells.append(rf"\exgengfwd{{{row[(r, 'A')]}}}{{{label(c)}}}{{{size}}}{{{_forward(e, key)}}}")
        back = _backward(e, key)
        if back:
            cells.append(rf"\exgengbwd{{{row[(r, 'B')]}}}{{{label(c)}}}{{{size}}}{{{back}}}")
    for m, (r, x) in zip(desc.get("marks", ()), grid.marks):
        c = (x + 1) // 2
        text = _mark(m, key)
        cells.append(rf"\exgengmark{{{row[(r, 'L')]}}}{{{label(c)}}}{{{text}}}")
        cells.append(rf"\exgengupto{{{row[(r, 'A')]}}}{{{text}}}\exgengdownto{{{row[(r, 'B')]}}}{{{text}}}")
    for c, count in grid.lanes.items():
        cells.append(rf"\exgengwide{{{lane(c)}}}{{{count * LANE + 1:.1f}mm}}")
        cells += [rf"\exgenglane{{{row[(used[0], 'A')]}}}{{{lane(c)}}}{{lane{c}x{i}}}{{{(i - (count - 1) / 2) * LANE:.2f}mm}}"
                  for i in range(count)]
    # every line ends with % (TeX would set a line end as a space in the picture)
    return "%\n".join([rf"\exgengraph{{{3 * last}}}{{{len(row)}}}{{", *cells, "}{", *_arrows(desc, grid), "}"])
