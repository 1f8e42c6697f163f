"""Rich text (words and ``$...$`` math) as plain readable text, for places that show no markup: Cloze
answers, Gradescope's test output, messages.

Apart from the HTML renderer (``exgen.render.html``) because the Gradescope autograder needs only this when it
grades a submission, and loads nothing it does not need.
"""

from __future__ import annotations

TEX_SYMBOLS = {r"\cdot": "·", r"\odot": "⊙", r"\times": "×", r"\top": "ᵀ", r"\theta": "θ", r"\sigma": "σ",
               r"\partial": "∂", r"\,": " ", r"\;": " ", r"\quad": " ", r"\qquad": " ", r"\to": "→",
               r"\le": "≤", r"\ge": "≥", r"\ne": "≠", r"\approx": "≈", r"\eta": "η", r"\nabla": "∇",
               r"\lambda": "λ", r"\alpha": "α", r"\beta": "β", r"\mu": "μ"}


def plain_text(text: str) -> str:
    """Return rich text (words with ``$...$`` math) as plain readable text: math loses its ``$``, LaTeX
    commands become symbols (or their names), braces and backslashes go (for Cloze answers, Gradescope)."""
    import re

    from exgen.render.richtext import render_rich

    def untex(body: str, display: bool) -> str:
        for cmd, sym in sorted(TEX_SYMBOLS.items(), key=lambda kv: -len(kv[0])):
            body = body.replace(cmd, sym)
        body = body.replace("^ᵀ", "ᵀ")
        body = re.sub(r"\\(?:frac|dfrac|tfrac)\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", body)
        return re.sub(r"\\([A-Za-z]+)", r"\1", body)

    plain = render_rich(text, words=str, math=untex)
    plain = plain.replace("\\", "").replace("{", "").replace("}", "")
    return " ".join(plain.split())
