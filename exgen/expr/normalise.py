"""Unicode a student pastes, mapped to the ASCII the parser reads, keeping where each character came from.

Students copy formulas from worksheets, slides and chat: a typographic minus ``−``, a multiplication sign
``×`` or ``·``, ``σ`` and ``π``, superscripts ``x²`` and ``e⁻ˣ``, ``√x``, fullwidth characters from an East
Asian input method (``２ｘ＋１``). Each is mapped to what it means; anything else is left for the tokenizer
to refuse by name (a Cyrillic ``е`` that looks like ``e``, a zero-width space). The map is
compatibility normalisation (NFKC) per character plus the table below, so that the parser's messages can
name the position in the text the student typed.
"""

from __future__ import annotations

import unicodedata

# Superscript characters and what they stand for; a run of them becomes "^(...)".
_SUPERSCRIPTS = {
    "\u2070": "0", "\u00b9": "1", "\u00b2": "2", "\u00b3": "3", "\u2074": "4", "\u2075": "5", "\u2076": "6",
    "\u2077": "7", "\u2078": "8", "\u2079": "9", "\u207a": "+", "\u207b": "-", "\u207d": "(", "\u207e": ")",
    "\u207f": "n", "\u2071": "i", "\u02e3": "x", "\u02b8": "y", "\u1dbb": "z", "\u1d43": "a", "\u1d47": "b",
    "\u1d9c": "c", "\u1d48": "d", "\u1d49": "e", "\u1d4f": "k", "\u1d50": "m", "\u1d57": "t", "\u1d58": "u",
    "\u1d5b": "v", "\u02b7": "w",
}
# Characters that NFKC leaves alone but that mean an ASCII operator (or a function).
_LOOKALIKES = {
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-",
    "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u2219": "*", "\u2217": "*",
    "\u00f7": "/", "\u2215": "/", "\u2044": "/",
    "\u2223": "|",
    "\u221a": " sqrt ", "\u221b": " cbrt ",
}
# Greek letters are read as their names: σ(z) is sigma(z), π is pi, θ is the variable theta.
_GREEK = {
    "\u03b1": "alpha", "\u03b2": "beta", "\u03b3": "gamma", "\u03b4": "delta", "\u03b5": "epsilon",
    "\u03f5": "epsilon", "\u03b6": "zeta", "\u03b7": "eta", "\u03b8": "theta", "\u03d1": "theta",
    "\u03b9": "iota", "\u03ba": "kappa", "\u03bb": "lambda", "\u03bc": "mu", "\u03bd": "nu", "\u03be": "xi",
    "\u03bf": "omicron", "\u03c0": "pi", "\u03c1": "rho", "\u03c3": "sigma", "\u03c2": "sigma", "\u03c4": "tau",
    "\u03c5": "upsilon", "\u03c6": "phi", "\u03d5": "phi", "\u03c7": "chi", "\u03c8": "psi", "\u03c9": "omega",
    "\u0393": "Gamma", "\u0394": "Delta", "\u0398": "Theta", "\u039b": "Lambda", "\u039e": "Xi",
    "\u03a0": "Pi", "\u03a3": "Sigma", "\u03a6": "Phi", "\u03a8": "Psi", "\u03a9": "Omega",
}


def _plain(ch: str) -> str:
    """Return what one non-superscript character stands for (itself when nothing applies)."""
    if ch in _LOOKALIKES:
        return _LOOKALIKES[ch]
    folded = unicodedata.normalize("NFKC", ch)
    if "\u2044" in folded:  # a vulgar fraction such as ½ folds to 1⁄2: keep it one factor
        return "(" + folded.replace("\u2044", "/") + ")"
    out = []
    for c in folded:
        out.append(_LOOKALIKES.get(c) or _GREEK.get(c) or c)
    return "".join(out)


def normalise(text: str) -> tuple[str, list[int] | None]:
    """Return (ASCII-leaning text, origin of each of its characters in ``text``; None if unchanged).

    Characters that mean nothing known are kept, so the tokenizer can refuse them by name.
    """
    if text.isascii():
        return text, None
    out: list[str] = []
    origin: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _SUPERSCRIPTS:
            j = i
            while j < n and text[j] in _SUPERSCRIPTS:
                j += 1
            piece = "^(" + "".join(_SUPERSCRIPTS[c] for c in text[i:j]) + ")"
        else:
            j = i + 1
            piece = _plain(ch)
        out.append(piece)
        origin.extend([i] * len(piece))
        i = j
    return "".join(out), origin
