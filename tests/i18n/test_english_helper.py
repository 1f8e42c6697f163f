"""The helper that finds English left in a Korean document reads prose, not drawing code or file names."""

from __future__ import annotations

from tests.i18n.english import english_words

TIKZ = r"""\begin{document}
\begin{tikzpicture}[font=\small, op/.style={draw, thick, rounded corners=4.5mm, minimum height=9mm}]
\matrix[ampersand replacement=\&, column sep=0.8mm] { \node[fwd] {$x = 3$}; \& \node[strut, anchor=south] {}; \\ };
\node[op] (nf1) at (pnf1) {Sum};
\node[leaf] (nx) at (pnx) {gradient};
\draw[->, thick] (lane2x0 |- nx) -- (nf1);
\end{tikzpicture}
계산 그래프
\end{document}"""


def test_a_tikz_picture_is_read_for_its_nodes_texts_only():
    assert english_words(TIKZ, "tex") == ["gradient"]  # not font, draw, anchor, ampersand, ...


def test_html_code_is_not_prose_but_the_text_around_it_is():
    page = "<p>저장된 파일(<code>s-01-answers.json</code>)을 제출하세요. Submit it.</p>"
    assert english_words(page, "html") == ["Submit"]
