"""The class report: what the class got right, what it got wrong and why, part by part.

Two documents and some charts:

- ``report.md`` (for the class and colleagues): totals, the parts most students missed, item statistics
  per part (share correct / partial / incorrect / invalid / missing, difficulty, discrimination) and each
  named misconception with how many students made it. It names no student and quotes no answer.
- ``misconceptions.md`` (instructor only): the same misconceptions per part with the students who made
  them, and who gave an unreadable or no answer. Students' own answers stay in their feedback files.
- PNG charts (totals, exercise means, outcomes per part) when matplotlib is importable
  (``pip install exgen[report]``); report.md says so when it is not. matplotlib is imported only here,
  only when charts are asked for, draws into memory, and keeps its caches in a scratch folder of --out.

Item statistics (classical test theory), per part, over the graded students:

- difficulty ``p``: the mean share of the part's points (1 = everyone right);
- discrimination ``D`` (upper-lower index): ``p`` among the top 27% of students by total minus ``p``
  among the bottom 27% (ties broken by student id, the group size rounded, at least 1);
- ``r`` (corrected point-biserial): the Pearson correlation between the share of the part's points and
  the rest of the total (the total minus the part), so a part is not correlated with itself.
"""

from __future__ import annotations

import io
import math
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from exgen.formatting import score
from exgen.grading.mdescape import md_code, md_text
from exgen.grading.results import Results, StudentResult
from exgen.i18n import N_, NP_, _, pgettext

TOTALS_PNG = "totals.png"
EXERCISES_PNG = "exercises.png"
PARTS_PNG = "parts.png"
CHART_FILES = (TOTALS_PNG, EXERCISES_PNG, PARTS_PNG)
REPORT_MD = "report.md"
MISCONCEPTIONS_MD = "misconceptions.md"
VERDICT_ORDER = ("correct", "partial", "incorrect", "invalid", "missing")
#: Share of the class in each of the upper and lower groups of the discrimination index.
GROUP_SHARE = 0.27
#: How many parts "the parts most students missed" lists.
MOST_MISSED = 5
#: Misconceptions the answer kinds recognise themselves (their ``diagnose``), for any type.
KIND_DIAGNOSES = {
    "transposed": N_("Transposed the result: rows and columns swapped."),
    "wrong-shape": N_("Gave an array of the wrong shape."),
    "swapped-dims": N_("Wrote a shape columns first."),
    "wrong-rank": N_("Gave a shape with the wrong number of dimensions."),
}
#: The levels of a grading problem, as the report names them (messages, translated where shown).
#: The verdicts' names in the report's tables and charts (messages, translated where shown).
VERDICT_NAMES = {"correct": NP_("verdict", "correct"), "partial": NP_("verdict", "partial"),
                 "incorrect": NP_("verdict", "incorrect"), "invalid": NP_("verdict", "invalid"),
                 "missing": NP_("verdict", "missing")}
PROBLEM_LEVELS = {"error": NP_("problem level", "error"), "warning": NP_("problem level", "warning")}
_VERDICT_COLORS = {"correct": "#4a9d5b", "partial": "#a6cf6a", "incorrect": "#d9534f", "invalid": "#f0ad4e",
                   "missing": "#bbbbbb"}


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def describe_mistake(type_name: str, tag: str) -> str:
    """Return the sentence describing a misconception, in the running language: the type's declared mistake,
    a kind's diagnosis, or the tag itself (a key made by an older exgen)."""
    from exgen.types import all_types

    typ = all_types().get(type_name)
    mistake = typ.mistake(tag) if typ is not None else None
    if mistake is not None:
        return _(mistake.description)  # a message marked where the type declares it (a no-op on a sentence)
    return _(KIND_DIAGNOSES[tag]) if tag in KIND_DIAGNOSES else tag


@dataclass
class PartStat:
    """Everything the report says about one part of one exercise."""

    exercise: str
    part: str
    type: str
    verdicts: Counter = field(default_factory=Counter)
    shares: list[float] = field(default_factory=list)        # share of the part's points, per student
    students: list[StudentResult] = field(default_factory=list)
    by_tag: dict[str, list[StudentResult]] = field(default_factory=lambda: defaultdict(list))
    by_verdict: dict[str, list[StudentResult]] = field(default_factory=lambda: defaultdict(list))
    difficulty: float = 0.0
    discrimination: float | None = None
    point_biserial: float | None = None

    @property
    def label(self) -> str:
        return f"{self.exercise}.{self.part}"

    @property
    def graded(self) -> int:
        return len(self.shares)

    def share(self, verdict: str) -> float:
        return self.verdicts.get(verdict, 0) / self.graded if self.graded else 0.0

    @property
    def missed(self) -> int:
        """Students without full marks."""
        return self.graded - self.verdicts.get("correct", 0)


def part_stats(results: Results) -> list[PartStat]:
    """Return the statistics of every part, in bank order."""
    stats: dict[tuple[str, str], PartStat] = {}
    for info in results.exercises:
        for pid in info.parts:
            stats[(info.id, pid)] = PartStat(info.id, pid, getattr(info, "type", "") or "")
    rest: dict[tuple[str, str], list[float]] = {key: [] for key in stats}
    # per part, what each of its students adds to (the loop runs once per answer of the class)
    adds = {key: (st.shares.append, st.students.append, rest[key].append, st.by_tag, st.by_verdict)
            for key, st in stats.items()}
    for student in results.students:
        total = student.total
        for ex in student.exercises:
            eid = ex.id
            for part in ex.parts:
                found = adds.get((eid, part.id))
                if found is None:
                    continue
                add_share, add_student, add_rest, by_tag, by_verdict = found
                points, top = part.points, part.max_points
                add_share(points / top if top else 0.0)
                add_student(student)
                add_rest(total - points)
                if part.tag:
                    by_tag[part.tag].append(student)
                by_verdict[part.verdict].append(student)
    for st in stats.values():  # counted in the order first seen, as the lists are
        st.verdicts.update({verdict: len(who) for verdict, who in st.by_verdict.items()})
    # Parts answered by the same students (in a class, usually all of them) rank them the same way: the
    # ranking is sorted once per distinct list of students, not once per part (a class of 10,000 and 44 parts).
    rankings: list[tuple[list[StudentResult], list[int]]] = []
    for key, st in stats.items():
        st.difficulty = _mean(st.shares)
        order = next((found for members, found in rankings if members == st.students), None)
        if order is None:
            order = ranking([s.total for s in st.students], [s.id for s in st.students])
            rankings.append((st.students, order))
        st.discrimination = upper_lower(st.shares, order=order)
        st.point_biserial = correlation(st.shares, rest[key])
    return list(stats.values())


def ranking(totals: Sequence[float], ids: Sequence[str]) -> list[int]:
    """Return the positions of students from the highest total to the lowest (ties broken by id)."""
    return sorted(range(len(totals)), key=lambda k: (-totals[k], ids[k]))


def upper_lower(shares: Sequence[float], totals: Sequence[float] = (), ids: Sequence[str] = (), *,
                order: Sequence[int] | None = None) -> float | None:
    """Return the upper-lower discrimination index (None for fewer than 2 students); ``order``: the
    students' :func:`ranking` by (totals, ids), when already known."""
    n = len(shares)
    if n < 2:
        return None
    group = min(n // 2, max(1, round(GROUP_SHARE * n)))
    if order is None:
        order = ranking(totals, ids)
    upper = [shares[k] for k in order[:group]]
    lower = [shares[k] for k in order[-group:]]
    return _mean(upper) - _mean(lower)


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Return Pearson's r (None when either side does not vary or there are fewer than 3 students)."""
    n = len(xs)
    if n < 3:
        return None
    mx, my = _mean(xs), _mean(ys)
    # lists, not generators: the same sums in the same order, faster
    sxy = sum([(x - mx) * (y - my) for x, y in zip(xs, ys)])
    sxx = sum([(x - mx) ** 2 for x in xs])
    syy = sum([(y - my) ** 2 for y in ys])
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def most_missed(stats: Sequence[PartStat], limit: int = MOST_MISSED) -> list[PartStat]:
    """Return the parts most students did not get fully right (most first; then the hardest)."""
    missed = [st for st in stats if st.missed > 0]
    return sorted(missed, key=lambda st: (-st.missed, st.difficulty, stats.index(st)))[:limit]


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _stat(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def _tags(st: PartStat) -> list[tuple[str, list[StudentResult]]]:
    """Misconceptions of a part, most students first."""
    return sorted(st.by_tag.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def exercise_means(results: Results) -> list[dict]:
    """Return, per exercise in bank order: id, title, max points, graded submissions, mean and mean %."""
    gathered: dict[str, list[float]] = {info.id: [] for info in results.exercises}
    for student in results.students:  # one pass over the class (thousands of students)
        for ex in student.exercises:
            if ex.id in gathered:
                gathered[ex.id].append(ex.points)
    out = []
    for info in results.exercises:
        points = gathered[info.id]
        out.append({"id": info.id, "title": info.title, "max_points": info.max_points, "graded": len(points),
                    "mean": _mean(points),
                    "mean_pct": 100 * _mean(points) / info.max_points if info.max_points else 0.0})
    return out


def exercise_stats(results: Results) -> list[dict]:
    """Return, per exercise in bank order, ``exercise_means`` plus ``verdicts`` (part -> verdict counts) and
    ``tags`` (``[((part, tag), students), ...]``, most first): class-level figures, no answers."""
    stats = part_stats(results)
    out = []
    for em in exercise_means(results):
        parts = [st for st in stats if st.exercise == em["id"]]
        tags = [((st.part, tag), len(who)) for st in parts for tag, who in st.by_tag.items()]
        out.append({**em, "verdicts": {st.part: dict(st.verdicts) for st in parts},
                    "tags": sorted(tags, key=lambda kv: (-kv[1], kv[0]))})
    return out


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _verdict(verdict: str, *, head: bool = False) -> str:
    """Return a verdict's name in the running language (capitalised as a table's column head)."""
    word = pgettext("verdict", VERDICT_NAMES[verdict]) if verdict in VERDICT_NAMES else verdict
    return word.capitalize() if head else word


def render_report(results: Results, *, charts: list[str] | None, chart_note: str = "",
                  stats: list[PartStat] | None = None) -> str:
    """Return report.md, in the running language. ``charts`` lists the PNG files written beside it (None:
    charts not drawn); ``chart_note`` says why there are none or what is wrong with them; ``stats``: the
    results' :func:`part_stats`, when already computed."""
    title = md_text(results.bank.get("title", results.bank.get("id", "")))
    lines = ["# " + _("Class report: %(title)s") % {"title": title}, ""]
    totals = [s.total for s in results.students]
    max_total = max((s.max_points for s in results.students), default=sum(e.max_points for e in results.exercises))
    lines.append("- " + _("Submissions graded: %(graded)s (read: %(read)s; not graded: %(errors)s; students in the "
                          "key without a submission: %(unsubmitted)s)")
                 % {"graded": len(results.students), "read": results.submissions_read, "errors": len(results.errors),
                    "unsubmitted": len(results.unsubmitted)})
    if totals:
        ordered = sorted(totals)
        mid = len(ordered) // 2
        median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
        lines.append("- " + _("Total: mean %(mean)s / %(max)s, median %(median)s, min %(lowest)s, max %(highest)s")
                     % {"mean": score(_mean(totals)), "max": score(max_total), "median": score(median),
                        "lowest": score(ordered[0]), "highest": score(ordered[-1])})
    lines += ["- " + _("This report names no student and quotes no answer: each student's answers are in their "
                       "feedback file, and the students behind each misconception in %(file)s (instructor only).")
              % {"file": MISCONCEPTIONS_MD}, ""]
    if charts:
        # Translators: the descriptions (alt texts) of the class report's three charts.
        for alt, png in ((_("Histogram of totals"), TOTALS_PNG), (_("Mean score per exercise"), EXERCISES_PNG),
                         (_("Outcome of every part"), PARTS_PNG)):
            lines += [f"![{alt}]({png})", ""]
    if chart_note:
        lines += [f"*{chart_note}*", ""]
    stats = part_stats(results) if stats is None else stats
    missed = most_missed(stats)
    if missed:
        lines += ["## " + _("Parts most students missed"), "",
                  # Translators: "report column" messages are the column heads of the class report's tables.
                  _row([pgettext("report column", "Part"), pgettext("report column", "Not fully right"),
                        pgettext("report column", "Difficulty p"),
                        pgettext("report column", "Most frequent misconception")]),
                  "| --- | ---: | ---: | --- |"]
        for st in missed:
            tags = _tags(st)
            top = (f"{md_code(tags[0][0])}: {md_text(describe_mistake(st.type, tags[0][0]))} "
                   f"({len(tags[0][1])})" if tags else _("none recognised"))
            # Translators: how many students of those graded did not get a part fully right, and their share.
            share = _("%(missed)s of %(graded)s (%(share)s)") % {"missed": st.missed, "graded": st.graded,
                                                                 "share": _pct(st.missed / st.graded)}
            lines.append(_row([md_text(st.label), share, _stat(st.difficulty), top]))
        lines.append("")
    lines += ["## " + _("Exercises"), "",
              _row([pgettext("report column", "Exercise"), pgettext("report column", "Title"),
                    pgettext("report column", "Mean"), pgettext("report column", "Max"),
                    pgettext("report column", "Mean %")]),
              "| --- | --- | ---: | ---: | ---: |"]
    means = exercise_means(results)
    for em in means:
        lines.append(f"| {md_text(em['id'])} | {md_text(em['title'])} | {score(em['mean'])} | "
                     f"{score(em['max_points'])} | {em['mean_pct']:.1f} |")
    lines += ["", "## " + _("Item statistics"), "",
              _("Shares of the students graded. Difficulty p is the mean share of the part's points (1: everyone "
                "right). Discrimination D is p among the top 27%% of the class by total minus p among the bottom "
                "27%%; r is the correlation of the part's score with the rest of the total. A part with D or r "
                "near 0 (or negative) does not separate students who know the material from those who do not.")
              % {}, "",
              _row([pgettext("report column", "Part"), pgettext("report column", "Graded"),
                    *(_verdict(v, head=True) for v in VERDICT_ORDER),
                    "p", "D", "r"]),
              "| --- | ---: |" + " ---: |" * (len(VERDICT_ORDER) + 3)]
    for st in stats:
        lines.append(f"| {md_text(st.label)} | {st.graded} | "
                     + " | ".join(_pct(st.share(v)) for v in VERDICT_ORDER)
                     + f" | {_stat(st.difficulty)} | {_stat(st.discrimination)} | {_stat(st.point_biserial)} |")
    lines.append("")
    for em in means:
        parts = [st for st in stats if st.exercise == em["id"]]
        lines += [f"### {md_text(em['id'])}: {md_text(em['title'])}", "",
                  _("Mean %(mean)s / %(max)s over %(count)s submission(s).")
                  % {"mean": score(em["mean"]), "max": score(em["max_points"]), "count": em["graded"]}, "",
                  _row([pgettext("report column", "Part"), *(_verdict(v) for v in VERDICT_ORDER)]),
                  "| --- |" + " ---: |" * len(VERDICT_ORDER)]
        for st in parts:
            lines.append(f"| {md_text(st.part)} | " + " | ".join(str(st.verdicts.get(v, 0)) for v in VERDICT_ORDER)
                         + " |")
        lines.append("")
        rows = [(st, tag, who) for st in parts for tag, who in _tags(st)]
        if rows:
            lines += [_("Misconceptions matched:"), "",
                      _row([pgettext("report column", "Part"), pgettext("report column", "Misconception"),
                            pgettext("report column", "Students"), pgettext("report column", "Share")]),
                      "| --- | --- | ---: | ---: |"]
            for st, tag, who in rows:
                lines.append(f"| {md_text(st.part)} | {md_code(tag)}: {md_text(describe_mistake(st.type, tag))} | "
                             f"{len(who)} | {_pct(len(who) / st.graded)} |")
            lines.append("")
    if results.problems:
        lines += ["## " + _("Problems"), ""]
        lines += [f"- {pgettext('problem level', PROBLEM_LEVELS[p.level]) if p.level in PROBLEM_LEVELS else p.level}: "
                  f"{md_text(p.message)}" for p in results.problems]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _who(students: Sequence[StudentResult], shown: dict[int, str] | None = None) -> str:
    """The students, by id, each as "`id` (name)"; ``shown`` keeps each student's text by identity (a student
    is named under many parts)."""
    if shown is None:
        shown = {}
    out = []
    for s in sorted(students, key=lambda s: s.id):
        text = shown.get(id(s))
        if text is None:
            text = shown[id(s)] = f"{md_code(s.id)} ({md_text(s.name)})"
        out.append(text)
    return ", ".join(out)


def _students(who: Sequence[StudentResult], shown: dict[int, str] | None = None) -> str:
    # Translators: in misconceptions.md, after a misconception: how many students made it, then who they are.
    return _("%(count)s student(s): %(who)s") % {"count": len(who), "who": _who(who, shown)}


#: What misconceptions.md lists after a part's misconceptions (messages, translated where shown).
UNMATCHED = N_("Wrong, no misconception recognised")
UNREADABLE = N_("Could not be read (invalid)")
UNANSWERED = N_("Not answered (missing)")


def render_misconceptions(results: Results, stats: list[PartStat] | None = None) -> str:
    """Return misconceptions.md, in the running language: per part, each misconception with the students who
    made it (instructor only), then who gave an unreadable, an unrecognised wrong, or no answer; ``stats``
    as for :func:`render_report`."""
    title = md_text(results.bank.get("title", results.bank.get("id", "")))
    lines = ["# " + _("Misconceptions by student: %(title)s") % {"title": title}, "",
             "*" + _("Instructor only: this file names students. Share %(file)s, which does not.")
             % {"file": REPORT_MD} + "*", ""]
    stats = part_stats(results) if stats is None else stats
    shown: dict[int, str] = {}  # (the results live as long as this text is built: ids are not reused)
    for info in results.exercises:
        lines += [f"## {md_text(info.id)}: {md_text(info.title)}", ""]
        for st in (s for s in stats if s.exercise == info.id):
            lines += ["### " + _("Part (%(part)s)") % {"part": md_text(st.part)}, ""]
            rows = [f"- {md_code(tag)}: {md_text(describe_mistake(st.type, tag))} {_students(who, shown)}"
                    for tag, who in _tags(st)]
            # the students of a part are the class's own result objects: told apart by identity, in one set
            # per part (a set built per student, of results hashed field by field, is quadratic: 13 s of CPU
            # for 1,000 students, about 100 times that for 10,000)
            tagged = {id(x) for who in st.by_tag.values() for x in who}
            unmatched = [s for s in st.by_verdict.get("incorrect", []) + st.by_verdict.get("partial", [])
                         if id(s) not in tagged]
            for label, who in ((UNMATCHED, unmatched), (UNREADABLE, st.by_verdict.get("invalid", [])),
                               (UNANSWERED, st.by_verdict.get("missing", []))):
                if who:
                    rows.append(f"- {_(label)}: {_students(who, shown)}")
            lines += (rows or ["- " + _("Everyone graded got it right.")]) + [""]
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


#: Fonts tried, in order, for chart text matplotlib's own font (DejaVu Sans: Latin, Greek, Cyrillic) lacks:
#: Hangul, kana and Han (Debian's fonts-noto-cjk). matplotlib falls back glyph by glyph along the list.
CJK_FONTS = ("Noto Sans CJK KR", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK TC")


_MISSING_GLYPH = re.compile(r"^Glyph (\d+) ")


def _font_families(texts: Sequence[str]) -> list[str]:
    """Return the font families for chart texts: matplotlib's default, then the installed CJK fonts when a
    text has a character past DejaVu Sans's scripts (a family named but not installed would only bring
    matplotlib's "font not found" warnings)."""
    from matplotlib import font_manager, rcParams

    families = list(rcParams["font.sans-serif"][:1])
    if not any(ord(ch) >= 0x2E80 for text in texts for ch in text):  # CJK radicals and everything after
        return families
    manager = font_manager.fontManager
    installed = {font.name for font in manager.ttflist}
    if not installed.intersection(CJK_FONTS):
        # matplotlib keeps its list of the system's fonts in a cache made when it first ran, which may be
        # older than the fonts: ask fontconfig for the files and add them to this run's list.
        for path in _fontconfig_files(CJK_FONTS[0]):
            try:
                manager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
        installed = {font.name for font in manager.ttflist}
    return families + [name for name in CJK_FONTS if name in installed]


def _fontconfig_files(family: str) -> list[str]:
    """Return the font files of a family as fontconfig lists them ([] without fontconfig)."""
    import shutil
    import subprocess

    fc_list = shutil.which("fc-list")
    if not fc_list:
        return []
    try:
        proc = subprocess.run([fc_list, "-f", "%{file}\\n", family], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line for line in proc.stdout.splitlines() if line.strip()})


def load_charting(cache_dir: Path | None = None) -> None:
    """Import what :func:`draw_charts` draws with (matplotlib), its caches in ``cache_dir`` as there; a grading
    run with workers does it while they grade (``exgen.grading.batch``).

    Raises:
        ImportError: matplotlib is not installed.
    """
    import logging

    # matplotlib announces a slow first font-cache build (a loaded machine, an empty home) on stderr, where a
    # grading run prints one line per problem; a level the user set on its logger is left alone
    mpl_log = logging.getLogger("matplotlib")
    if mpl_log.level == logging.NOTSET:
        mpl_log.setLevel(logging.ERROR)
    with _caches_in(cache_dir):
        import matplotlib.backends.backend_agg  # noqa: F401
        import matplotlib.figure  # noqa: F401


def draw_charts(results: Results, *, cache_dir: Path | None = None,
                lacking: list[str] | None = None, stats: list[PartStat] | None = None) -> dict[str, bytes]:
    """Return the PNG charts by file name, their titles and labels in the running language.

    Args:
        results: the graded class.
        cache_dir: a scratch folder for matplotlib's caches (inside ``--out``), so that nothing is written
            under $HOME; None leaves matplotlib's defaults.
        lacking: if given, receives the characters no installed font could draw (drawn as boxes).
        stats: the results' :func:`part_stats`, when already computed.

    Raises:
        ImportError: matplotlib is not installed.
    """
    import warnings

    load_charting(cache_dir)
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def png(fig) -> bytes:
        FigureCanvasAgg(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
        return buf.getvalue()

    totals = [s.total for s in results.students]
    max_total = max((s.max_points for s in results.students), default=1.0) or 1.0
    means = exercise_means(results)
    stats = (part_stats(results) if stats is None else stats)[::-1]
    text = {
        # Translators: the axis labels and title of the class report's histogram of total points.
        "total": _("Total points"), "students": _("Students"),
        "title": _("Totals (%(count)s submissions, max %(max)s)") % {"count": len(totals), "max": score(max_total)},
        # Translators: the axis label of the class report's chart of the mean score of each exercise.
        "mean": _("Mean score (%% of the exercise's points)") % {},
        # Translators: the axis label of the class report's chart of the verdicts of each part, in percent.
        "share": _("Students (%%)") % {},
        **{verdict: _verdict(verdict) for verdict in VERDICT_ORDER},
    }
    labels = [em["id"] for em in means] + [st.label for st in stats]
    out: dict[str, bytes] = {}
    # matplotlib falls back from font to font only along a list of family names, not a generic family's.
    # A glyph still missing is a warning per character (said once in report.md instead, see build_report).
    with rc_context({"font.family": _font_families([*text.values(), *labels])}), \
            warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", message="Glyph .* missing from font", category=UserWarning)
        fig = Figure(figsize=(6, 3.5))
        ax = fig.add_subplot()
        ax.hist(totals, bins=min(20, max(5, int(max_total))), range=(0, max_total), color="#4477aa",
                edgecolor="white")
        ax.set_xlabel(text["total"])
        ax.set_ylabel(text["students"])
        ax.set_title(text["title"])
        fig.tight_layout()
        out[TOTALS_PNG] = png(fig)

        fig = Figure(figsize=(6, 0.5 + 0.45 * max(1, len(means))))
        ax = fig.add_subplot()
        ax.barh([em["id"] for em in means][::-1], [em["mean_pct"] for em in means][::-1], color="#66aa55")
        ax.set_xlim(0, 100)
        ax.set_xlabel(text["mean"])
        fig.tight_layout()
        out[EXERCISES_PNG] = png(fig)

        fig = Figure(figsize=(7, 1.1 + 0.3 * max(1, len(stats))))
        ax = fig.add_subplot()
        left = [0.0] * len(stats)
        for verdict in VERDICT_ORDER:
            widths = [100 * st.share(verdict) for st in stats]
            ax.barh([st.label for st in stats], widths, left=left, color=_VERDICT_COLORS[verdict],
                    label=text[verdict])
            left = [a + b for a, b in zip(left, widths)]
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.6, len(stats) - 0.4)
        ax.set_xlabel(text["share"])
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(VERDICT_ORDER), fontsize="small",
                  frameon=False)
        fig.tight_layout()
        out[PARTS_PNG] = png(fig)
    for warning in caught:
        found = _MISSING_GLYPH.search(str(warning.message))
        if not found:  # not ours to keep quiet
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        elif lacking is not None and chr(int(found.group(1))) not in lacking:
            lacking.append(chr(int(found.group(1))))
    return out


def build_report(results: Results, *, charts: bool = True,
                 cache_dir: Path | None = None) -> dict[str, bytes | str]:
    """Return report.md, misconceptions.md (and the PNG charts when asked and matplotlib is available) by
    file name, in the running language; ``cache_dir`` as for :func:`draw_charts`."""
    files: dict[str, bytes | str] = {}
    note = ""
    stats = part_stats(results)  # once for the three files (a class of thousands)
    if charts and results.students:
        try:
            lacking: list[str] = []
            files.update(draw_charts(results, cache_dir=cache_dir, lacking=lacking, stats=stats))
            if lacking:
                note = _("Some characters of the charts have no installed font and show as boxes (on Debian or "
                         "Ubuntu: apt-get install fonts-noto-cjk).")
        except ImportError:
            note = _("Charts skipped: matplotlib is not installed (pip install 'exgen[report]').")
    elif charts:
        note = _("No charts: no submission was graded.")
    files[REPORT_MD] = render_report(results, charts=sorted(files) or None, chart_note=note, stats=stats)
    files[MISCONCEPTIONS_MD] = render_misconceptions(results, stats)
    return dict(sorted(files.items()))


def report_files(formats: Mapping[str, object] | Sequence[str]) -> list[str]:
    """Return the text files the report writes (the PNG charts are in ``CHART_FILES``)."""
    return [REPORT_MD, MISCONCEPTIONS_MD] if "report" in formats else []
