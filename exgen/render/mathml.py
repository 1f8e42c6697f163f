"""LaTeX math -> MathML at build time, so HTML pages show math offline with no script and no network.

Conversion uses latex2mathml (pure Python). Its element tree is re-serialized here with every text node
escaped and every element checked against a whitelist of MathML elements: whatever the TeX says (even
``\\text{<script>}``), the result is inert markup.
"""

from __future__ import annotations

import html
from functools import lru_cache
from xml.etree.ElementTree import Element, tostring

#: MathML elements a converted formula may contain; anything else is a bug and raises.
ALLOWED = frozenset("""math mrow mi mn mo ms mtext mspace msup msub msubsup mfrac msqrt mroot mstyle mtable mtr
    mtd mover munder munderover mpadded mphantom menclose merror semantics annotation""".split())

_NAMED_SPACES = {"veryverythinmathspace": "0.0556em", "verythinmathspace": "0.1111em",
                 "thinmathspace": "0.1667em", "mediummathspace": "0.2222em", "thickmathspace": "0.2778em",
                 "verythickmathspace": "0.3333em", "veryverythickmathspace": "0.3889em"}
_SPACES = {**_NAMED_SPACES, **{"negative" + k: "-" + v for k, v in _NAMED_SPACES.items()}}
# MathML Core (what browsers implement) ignores mathvariant except "normal" on <mi>: keep the look with CSS.
_VARIANT_CSS = {"bold": "font-weight:bold", "italic": "font-style:italic",
                "bold-italic": "font-weight:bold;font-style:italic", "monospace": "font-family:monospace"}


def _clean(root: Element) -> None:
    for el in root.iter():
        if el.tag not in ALLOWED:
            raise ValueError(f"latex2mathml produced an unexpected <{el.tag}> element")
        for name in list(el.attrib):
            if name.lower().startswith("on") or name.lower() in ("href", "src", "style"):
                del el.attrib[name]
        width = el.get("width")
        if width in _SPACES:
            el.set("width", _SPACES[width])
        variant = el.get("mathvariant")
        if variant in _VARIANT_CSS:
            del el.attrib["mathvariant"]
            el.set("style", _VARIANT_CSS[variant])
        # latex2mathml stores characters as entity text ("&#x02202;"); decode so that tostring escapes
        # the real characters (and any '<' or '&' from the TeX source) exactly once.
        if el.text:
            el.text = html.unescape(el.text)
        if el.tail:
            el.tail = html.unescape(el.tail)


_FUNCTIONS = frozenset("sin cos tan sinh cosh tanh log ln exp max min det tr".split())
_OPENERS = frozenset("([{,=<>≤≥+−×·:;|→")


def _typeset(root: Element) -> None:
    r"""Fix spacing that MathML Core gets wrong where TeX gets it right.

    A minus right after an opening bracket, a relation or a comma (``(-4)``, ``= -3``) is a sign, not a
    binary operator: it is merged into the number. A named function followed by its argument
    (``\cos\theta``) gets TeX's thin space.
    """
    for parent in root.iter():
        kids = list(parent)
        for i, el in enumerate(kids):
            nxt = kids[i + 1] if i + 1 < len(kids) else None
            if el.tag == "mo" and el.text == "−" and nxt is not None and nxt.tag == "mn" and i > 0 \
                    and kids[i - 1].tag == "mo" and (kids[i - 1].text or "") in _OPENERS:
                nxt.text = "−" + (nxt.text or "")
                parent.remove(el)
            elif el.tag == "mo" and el.text in ("|", "‖"):
                el.set("lspace", "0")  # a norm or absolute-value bar hugs its argument
                el.set("rspace", "0")
            elif el.tag == "mi" and el.text in _FUNCTIONS and nxt is not None and nxt.tag in ("mi", "mn", "mrow"):
                parent.insert(list(parent).index(el) + 1, Element("mspace", {"width": "0.1667em"}))


@lru_cache(maxsize=4096)
def to_mathml(tex: str, *, display: bool = False) -> str:
    """Return a ``<math>`` element for a LaTeX formula (without the ``$`` delimiters).

    Args:
        tex: the formula, e.g. ``\\frac{\\partial L}{\\partial x} = 2``.
        display: a block (centred, display style) formula instead of an inline one.

    Raises:
        ValueError: the converter produced something other than plain MathML (a bug to report).
    """
    from latex2mathml.converter import convert_to_element

    root = convert_to_element(tex, display="block" if display else "inline")
    _clean(root)
    _typeset(root)
    # Keep the TeX source for screen readers' and copy-paste's sake: an <annotation> inside <semantics>.
    row = list(root)
    for child in row:
        root.remove(child)
    semantics = Element("semantics")
    semantics.extend(row)
    annotation = Element("annotation", {"encoding": "application/x-tex"})
    annotation.text = tex
    semantics.append(annotation)
    root.append(semantics)
    return tostring(root, encoding="unicode")
