"""The class report: per-exercise means, verdict counts, frequent wrong answers and misconceptions.

``report.md`` is always written; the PNG charts (a histogram of totals and a per-exercise bar chart) are
drawn when matplotlib is importable (``pip install exgen[report]``), and report.md says so when it is not.
matplotlib is imported only here, only when charts are asked for.
"""

from __future__ import annotations

import io
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from exgen.formatting import score
from exgen.grading.results import Results

TOTALS_PNG = "totals.png"
EXERCISES_PNG = "exercises.png"
CHART_FILES = (TOTALS_PNG, EXERCISES_PNG)
TOP_WRONG = 3
WRONG_VERDICTS = ("incorrect", "partial")
VERDICT_ORDER = ("correct", "partial", "incorrect", "invalid", "missing")


def md_text(text: str) -> str:
    """Escape user-supplied text (names, ids) for Markdown: emphasis, links, HTML, math, tables."""
    out = []
    for ch in " ".join(str(text).split()):
        out.append("\\" + ch if ch in "\\`*_{}[]<>#|$!~&" else ch)
    return "".join(out)


def md_code(text: str) -> str:
    """Return ``text`` as an inline code span that no backtick in it can close."""
    text = " ".join(str(text).split())
    longest = 0
    current = 0
    for ch in text:
        current = current + 1 if ch == "`" else 0
        longest = max(longest, current)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def exercise_stats(results: Results) -> list[dict]:
    """Return, per exercise in bank order: mean points, max, mean %, verdict counts per part, frequent
    wrong answers (with the misconception tag they matched) and tag counts."""
    stats = []
    for info in results.exercises:
        points: list[float] = []
        verdicts: dict[str, Counter] = {p: Counter() for p in info.parts}
        wrong: dict[str, Counter] = defaultdict(Counter)
        wrong_tags: dict[tuple[str, str], Counter] = defaultdict(Counter)
        tags: Counter = Counter()
        tag_feedback: dict[str, Counter] = defaultdict(Counter)
        for student in results.students:
            for ex in student.exercises:
                if ex.id != info.id:
                    continue
                points.append(ex.points)
                for part in ex.parts:
                    verdicts.setdefault(part.id, Counter())[part.verdict] += 1
                    if part.verdict in WRONG_VERDICTS:
                        wrong[part.id][part.answer or ""] += 1
                        wrong_tags[(part.id, part.answer or "")][part.tag or ""] += 1
                    if part.tag:
                        tags[(part.id, part.tag)] += 1
                        tag_feedback[part.tag][part.feedback] += 1
        top = {}
        for part_id, counter in wrong.items():
            ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_WRONG]
            top[part_id] = [(answer, count, _most(wrong_tags[(part_id, answer)])) for answer, count in ranked]
        stats.append({
            "id": info.id, "title": info.title, "max_points": info.max_points, "graded": len(points),
            "mean": _mean(points), "mean_pct": 100 * _mean(points) / info.max_points if info.max_points else 0.0,
            "verdicts": verdicts, "top_wrong": top,
            "tags": sorted(tags.items(), key=lambda kv: (-kv[1], kv[0])),
            "tag_feedback": {tag: _most(c) for tag, c in tag_feedback.items()},
        })
    return stats


def _most(counter: Counter) -> str:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if counter else ""


def render_report(results: Results, *, charts: list[str] | None, chart_note: str = "") -> str:
    """Return report.md. ``charts`` lists the PNG files written beside it (None: charts not drawn)."""
    lines = [f"# Class report: {md_text(results.bank.get('title', results.bank.get('id', '')))}", ""]
    totals = [s.total for s in results.students]
    max_total = max((s.max_points for s in results.students), default=sum(e.max_points for e in results.exercises))
    lines.append(f"- Submissions graded: {len(results.students)} (read: {results.submissions_read}; "
                 f"not graded: {len(results.errors)}; students in the key without a submission: "
                 f"{len(results.unsubmitted)})")
    if totals:
        ordered = sorted(totals)
        mid = len(ordered) // 2
        median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
        lines.append(f"- Total: mean {score(_mean(totals))} / {score(max_total)}, median {score(median)}, "
                     f"min {score(ordered[0])}, max {score(ordered[-1])}")
    lines.append("")
    if charts:
        lines += [f"![Histogram of totals]({TOTALS_PNG})", "", f"![Mean score per exercise]({EXERCISES_PNG})", ""]
    elif chart_note:
        lines += [f"*{chart_note}*", ""]
    stats = exercise_stats(results)
    lines += ["## Exercises", "", "| Exercise | Title | Mean | Max | Mean % |", "| --- | --- | ---: | ---: | ---: |"]
    for st in stats:
        lines.append(f"| {md_text(st['id'])} | {md_text(st['title'])} | {score(st['mean'])} | "
                     f"{score(st['max_points'])} | {st['mean_pct']:.1f} |")
    lines.append("")
    for st in stats:
        lines += [f"### {md_text(st['id'])}: {md_text(st['title'])}", "",
                  f"Mean {score(st['mean'])} / {score(st['max_points'])} over {st['graded']} submission(s).", "",
                  "| Part | " + " | ".join(VERDICT_ORDER) + " |", "| --- |" + " ---: |" * len(VERDICT_ORDER)]
        for part_id, counter in st["verdicts"].items():
            lines.append(f"| {md_text(part_id)} | " + " | ".join(str(counter.get(v, 0)) for v in VERDICT_ORDER) + " |")
        lines.append("")
        if st["top_wrong"]:
            lines.append("Most frequent wrong answers:")
            lines.append("")
            for part_id in st["verdicts"]:
                for answer, count, tag in st["top_wrong"].get(part_id, []):
                    matched = f"matched misconception `{tag}`" if tag else "no known misconception"
                    lines.append(f"- {md_text(st['id'])}.{md_text(part_id)}: {md_code(answer)} "
                                 f"x {count} ({matched})")
            lines.append("")
        if st["tags"]:
            lines.append("Misconceptions matched:")
            lines.append("")
            for (part_id, tag), count in st["tags"]:
                lines.append(f"- `{tag}` in part {md_text(part_id)}: {count} student(s). "
                             f"Feedback given: {st['tag_feedback'].get(tag, '')}")
            lines.append("")
    if results.problems:
        lines += ["## Problems", ""]
        lines += [f"- {p.level}: {md_text(p.message)}" for p in results.problems]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


#: Where matplotlib (and fontconfig, which it runs) would otherwise write caches: under $HOME.
_CACHE_VARIABLES = ("MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")


def _reuse_font_cache(folder: Path) -> None:
    """Copy the font list matplotlib already cached for this user (if any) into ``folder``: read, never
    written, it spares the scan of every system font (seconds) that an empty cache folder costs."""
    import shutil

    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    for place in (cache_home / "matplotlib", Path.home() / ".matplotlib"):
        try:
            for found in sorted(place.glob("fontlist-v*.json")):
                if found.is_file() and not found.is_symlink() and found.stat().st_size < 20_000_000:
                    shutil.copyfile(found, folder / found.name)
        except OSError:
            continue


@contextmanager
def _caches_in(folder: Path | None) -> Iterator[None]:
    """Point matplotlib's config and font cache (and fontconfig's cache) at ``folder`` while matplotlib is
    first imported; it reads these variables then, once. A folder the user chose with $MPLCONFIGDIR wins."""
    if folder is None or "matplotlib" in sys.modules or os.environ.get("MPLCONFIGDIR"):
        yield
        return
    _reuse_font_cache(folder)
    saved = {name: os.environ.get(name) for name in _CACHE_VARIABLES}
    os.environ.update({name: str(folder) for name in _CACHE_VARIABLES})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def draw_charts(results: Results, *, cache_dir: Path | None = None) -> dict[str, bytes]:
    """Return the PNG charts by file name.

    Args:
        results: the graded class.
        cache_dir: a scratch folder for matplotlib's caches (inside ``--out``), so that nothing is written
            under $HOME; None leaves matplotlib's defaults.

    Raises:
        ImportError: matplotlib is not installed.
    """
    with _caches_in(cache_dir):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

    def png(fig) -> bytes:
        FigureCanvasAgg(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
        return buf.getvalue()

    totals = [s.total for s in results.students]
    max_total = max((s.max_points for s in results.students), default=1.0) or 1.0
    fig = Figure(figsize=(6, 3.5))
    ax = fig.add_subplot()
    ax.hist(totals, bins=min(20, max(5, int(max_total))), range=(0, max_total), color="#4477aa", edgecolor="white")
    ax.set_xlabel("Total points")
    ax.set_ylabel("Students")
    ax.set_title(f"Totals ({len(totals)} submissions, max {score(max_total)})")
    fig.tight_layout()
    out = {TOTALS_PNG: png(fig)}

    stats = exercise_stats(results)
    fig = Figure(figsize=(6, 0.5 + 0.45 * max(1, len(stats))))
    ax = fig.add_subplot()
    labels = [st["id"] for st in stats][::-1]
    ax.barh(labels, [st["mean_pct"] for st in stats][::-1], color="#66aa55")
    ax.set_xlim(0, 100)
    ax.set_xlabel("Mean score (% of the exercise's points)")
    fig.tight_layout()
    out[EXERCISES_PNG] = png(fig)
    return out


def build_report(results: Results, *, charts: bool = True,
                 cache_dir: Path | None = None) -> dict[str, bytes | str]:
    """Return report.md (and the PNG charts when asked and matplotlib is available) by file name;
    ``cache_dir`` as for :func:`draw_charts`."""
    files: dict[str, bytes | str] = {}
    note = ""
    if charts and results.students:
        try:
            files.update(draw_charts(results, cache_dir=cache_dir))
        except ImportError:
            note = "Charts skipped: matplotlib is not installed (pip install 'exgen[report]')."
    elif charts:
        note = "No charts: no submission was graded."
    files["report.md"] = render_report(results, charts=sorted(files) or None, chart_note=note)
    return dict(sorted(files.items()))
