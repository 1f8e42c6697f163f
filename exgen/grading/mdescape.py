"""Students' text (names, ids, answers) made safe inside the Markdown of feedback files and the class report.

Apart from :mod:`exgen.grading.report` so that writing feedback does not load the report (and its charts'
code) when no report is asked for: an autograder writes one student's feedback per process.
"""

from __future__ import annotations

import re

_MD_ESCAPED = str.maketrans({ch: "\\" + ch for ch in "\\`*_{}[]<>#|$!~&"})
_BACKTICKS = re.compile("`+")


def md_text(text: str) -> str:
    """Escape user-supplied text (names, ids) for Markdown: emphasis, links, HTML, math, tables."""
    return " ".join(str(text).split()).translate(_MD_ESCAPED)


def md_code(text: str) -> str:
    """Return ``text`` as an inline code span that no backtick in it can close."""
    text = " ".join(str(text).split())
    longest = max(map(len, _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"
