"""Render instances into worksheets and answer keys with Jinja2 templates, one folder per format.

A format is an entry in ``FORMATS``: a template folder, a file extension, Jinja delimiters and an escaper
for user text. Templates only format: every number reaches them through a filter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from exgen.answers import get_kind
from exgen.discovery import TEMPLATES, plugin_folders, plugin_subfolders
from exgen.formatting import bmatrix, column, dims, num, points, shape_tex, tex_num, tex_text
from exgen.i18n import _, ngettext, pgettext
from exgen.instance import Instance, Part
from exgen.render.diagrams.mermaid import mermaid
from exgen.render.diagrams.tikz import tikz
from exgen.render.markdown import md_rich, md_text
from exgen.render.richtext import dollars, render_rich
from exgen.resources import templates_dir


def _rich(escape: Callable[[str], str]) -> Callable[[str], str]:
    """Return a filter for rich text: words are escaped, ``$...$`` / ``$$...$$`` math is kept."""
    return lambda text: render_rich(text, words=escape, math=dollars)


@dataclass(frozen=True)
class Format:
    """One document format: where its templates are and how it escapes user text."""

    key: str
    folder: str
    ext: str
    escape: Callable[[str], str]
    delimiters: Mapping[str, str]
    autoescape: bool = False
    filters: Mapping[str, Callable] = field(default_factory=dict)  # format-specific filters (override)
    globals: Callable[[], Mapping[str, Any]] | None = None  # format-specific template variables


@jinja2.pass_context
def _md_rich(context: Any, text: Any, indent: int = 0, after: bool = False) -> str:
    """The Markdown ``rich`` filter: display blocks for formulas with rows in a Markdown document
    (``md_document``), plain ``$...$`` in a statement on its way to HTML."""
    if context.get("md_document"):
        return md_rich(text, indent, after)
    return render_rich(text, words=md_text, math=dollars)


def _html_filters() -> dict:
    from exgen.render import html as htmlfmt

    return {"rich": htmlfmt.rich, "math": htmlfmt.math, "displaymath": lambda tex: htmlfmt.math(tex, True)}


def _html_globals() -> dict:
    from exgen.render.html import answer_script

    script, source = answer_script()
    return {"answer_script": script, "answer_script_source": source}


def _tex_globals() -> dict:
    from exgen.render.diagrams.tikz import PREAMBLE

    return {"graph_macros": PREAMBLE}


def _html_escape(text: Any) -> str:
    from exgen.render.html import html_text

    return html_text(text)


_LATEX_DELIMITERS = {"block_start_string": "((*", "block_end_string": "*))", "variable_start_string": "(((",
                     "variable_end_string": ")))", "comment_start_string": "((=", "comment_end_string": "=))"}

FORMATS: dict[str, Format] = {
    "md": Format("md", "markdown", "md", md_text, {}, filters={"rich": _md_rich}),
    "tex": Format("tex", "latex", "tex", tex_text, _LATEX_DELIMITERS, globals=_tex_globals),
    "html": Format("html", "html", "html", _html_escape, {}, autoescape=True, filters=_html_filters(),
                   globals=_html_globals),
}


def _answer(part: Mapping) -> str:
    p = Part.from_dict(part)
    return get_kind(p.kind).latex(p.answer, p)


def _space(part: Mapping) -> dict:
    """Return the room a printed worksheet leaves for a part's answer, as its kind declares it."""
    p = Part.from_dict(part)
    return get_kind(p.kind).answer_space(p).to_dict()


def environment(fmt: str) -> jinja2.Environment:
    """Return the Jinja2 environment of a format (strict: a missing variable is an error).

    Templates are exgen's, then the plug-in folders' (``exgen.discovery``); a plug-in adds its types'
    templates but cannot replace exgen's own.
    """
    return _environment(fmt, plugin_folders())


@cache
def _environment(fmt: str, plugins: tuple[Path, ...]) -> jinja2.Environment:
    spec = FORMATS[fmt]
    folders = [templates_dir() / spec.folder] + [d / spec.folder for d in plugin_subfolders(TEMPLATES, plugins)]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        undefined=jinja2.StrictUndefined, autoescape=spec.autoescape, keep_trailing_newline=True,  # noqa: S701  (md and tex escape user text with their own |esc and |rich filters)
        trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"], **dict[str, Any](spec.delimiters))
    # Every fixed text of a template is a message of exgen's catalogue (exgen.i18n), looked up in the
    # language of the running block when the template renders, so one cached environment serves every
    # language. Trimmed blocks: the line breaks inside a {% trans %} block are not part of its message.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(gettext=_, ngettext=ngettext, pgettext=pgettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["language_tag"] = language_tag
    env.globals["hyphenation"] = hyphenation
    env.filters.update({
        "num": num, "pts": points, "tex_num": tex_num, "bmatrix": bmatrix, "column": column, "shape": shape_tex, "dims": dims,
        "esc": spec.escape, "rich": _rich(spec.escape), "answer": _answer, "space": _space,
        "math": lambda tex: f"${tex}$", "displaymath": lambda tex: f"$${tex}$$",
        "tikz": lambda graph, key=False: tikz(graph, key=key),
        "mermaid": lambda graph, key=False: mermaid(graph, key=key),
    })
    env.filters.update(spec.filters)
    if spec.globals:
        env.globals.update(spec.globals())
    return env


def language_tag() -> str:
    """Return the BCP 47 tag of the running language (HTML ``lang``, the PDF's ``/Lang``)."""
    # Translators: the BCP 47 tag of your language, as in <html lang="...">: "ko" for Korean.
    return pgettext("language tag", "en")


def hyphenation() -> str:
    """Return the name of the TeX hyphenation patterns for the running language (``language.dat``)."""
    # Translators: the name, in TeX's language.dat, of the hyphenation patterns for words of your language
    # ("english", "german", ...); "nohyphenation" for a language TeX breaks without patterns (Korean breaks
    # between syllables).
    return pgettext("TeX hyphenation patterns", "english")


def type_template(fmt: str, type_name: str) -> str:
    """Return the template name of one exercise type's statement in a format."""
    return f"{type_name}.{FORMATS[fmt].ext}.j2"


def render_exercise(instance: Instance, fmt: str, *, key: bool = False, document: bool = False) -> str:
    """Render the statement of one exercise (its given data) in a format.

    A type without an HTML template gets its Markdown statement converted (``exgen.render.html``).
    ``document``: the statement goes into a Markdown file, where formulas with rows need display blocks of
    their own (``exgen.render.markdown``); a statement converted to HTML (our pages, LMS question text)
    keeps them inline, where each renderer shows them well.
    """
    env = environment(fmt)
    try:
        template = env.get_template(type_template(fmt, instance.type))
    except jinja2.TemplateNotFound:
        if fmt != "html":
            raise
        from exgen.render.diagrams.svg import graph_figure
        from exgen.render.html import markdown_statement

        return str(markdown_statement(render_exercise(instance, "md", key=key),
                                      figure=graph_figure(instance.to_dict(), key=key)))
    return template.render(ex=instance.to_dict(), key=key, md_document=document)


def _figure(instance: Instance, fmt: str, *, key: bool, student_id: str) -> str:
    """Return the plot of an exercise (``plot: true`` in the bank) in a format, or "" (``exgen.render.plots``)."""
    from exgen.render import plots

    ex = instance.to_dict()
    if not plots.wants_plot(ex):
        return ""
    return plots.figure(ex, fmt, key=key, href=figure_name(student_id, instance.exercise_id, key=key))


def figure_name(student_id: str, exercise_id: str, *, key: bool) -> str:
    """Return a Markdown document's plot file, relative to the document (``figures/<student>-<ex>.svg``)."""
    return f"figures/{student_id}-{exercise_id}{'-key' if key else ''}.svg"


def document_assets(*, fmt: str, key: bool, student: Mapping[str, str], instances: Sequence[Instance]) -> dict:
    """Return the files a document refers to (Markdown plots as SVG), by path relative to the document."""
    from exgen.render import plots

    if fmt != "md":
        return {}
    out = {}
    for inst in instances:
        ex = inst.to_dict()
        if plots.wants_plot(ex):
            out[figure_name(student["id"], inst.exercise_id, key=key)] = plots.figure(ex, "svg", key=key, href="")
    return out


def check_renderable(fmts: Sequence[str], instances: Sequence[Instance]) -> None:
    """Fail early, before anything is written, when a format cannot draw these instances.

    Raises:
        ExgenError: HTML is asked for, an exercise has a graph diagram and Graphviz's ``dot`` is missing.
    """
    if "html" in fmts and any(isinstance((inst.context or {}).get("graph"), Mapping) for inst in instances):
        from exgen.render.diagrams.graphviz import find_dot

        find_dot()


def render_document(*, fmt: str, key: bool, bank: Mapping[str, Any], student: Mapping[str, str],
                    instances: Sequence[Instance], cover: bool = False) -> str:
    """Render a whole worksheet (``key=False``) or answer key (``key=True``) for one student.

    Args:
        fmt: a key of ``FORMATS``.
        key: whether to render the answer key with worked solutions.
        bank: ``{"id", "title", "course": {...}}`` of the bank.
        student: ``{"id", "name"}``.
        instances: the student's instances, in bank order.
        cover: begin with a cover page (boxes for a name and id, a table of the exercises); the formats
            made for printing (LaTeX, PDF) draw it, the others ignore it.
    """
    env = environment(fmt)
    exercises = _exercises(fmt, key, student, instances)
    total = sum(inst.points for inst in instances)
    doc = env.get_template(f"{'key' if key else 'worksheet'}.{FORMATS[fmt].ext}.j2")
    return doc.render(bank=bank, student=student, exercises=exercises, total=total, key=key, cover=cover,
                      md_document=True)


def _exercises(fmt: str, key: bool, student: Mapping[str, str], instances: Sequence[Instance]) -> list[dict]:
    return [{**inst.to_dict(), "statement": str(render_exercise(inst, fmt, key=key, document=True))
             + _figure(inst, fmt, key=key, student_id=student["id"])} for inst in instances]
