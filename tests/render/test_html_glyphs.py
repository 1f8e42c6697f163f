"""A Korean HTML worksheet in headless Chromium: every character is drawn with a real glyph (no tofu).

Headless Chromium on Linux draws a character no installed font has as blank space, not as a box, so a
screenshot shows nothing wrong. The check below therefore draws each distinct non-ASCII character of the
page, in the font the page gives its text, on a canvas, and reports it when it leaves no ink (blank) or the
same ink as a private-use code point no font has (tofu). The second test shows the check can fail: with
only DejaVu fonts visible to Chromium, the Hangul and Han are reported.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import exgen
from tests.conftest import ROOT, skip_or_fail

pytestmark = [pytest.mark.integration,
              pytest.mark.needs("chromium", why="Debian's chromium and fonts-noto-cjk (apt-get install chromium "
                                                "fonts-noto-cjk)")]

ROSTER = ROOT / "tests" / "i18n" / "class-30.csv"
#: A student of each script: Hangul, simplified and traditional Han with kana, Vietnamese, Greek and Cyrillic.
STUDENTS = ("s01", "s07", "s12", "s18", "s27")

GLYPHS = r"""
(() => {
  const canvas = document.createElement('canvas'); canvas.width = 96; canvas.height = 96;
  canvas.setAttribute('lang', document.documentElement.lang);
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  ctx.lang = document.documentElement.lang;   // font fallback depends on the language, as in the page
  const ink = (ch, font) => {
    ctx.clearRect(0, 0, 96, 96); ctx.font = font; ctx.fillText(ch, 12, 70);
    const a = ctx.getImageData(0, 0, 96, 96).data; let s = '', n = 0;
    for (let i = 3; i < a.length; i += 4) { const on = a[i] > 127; s += on ? '1' : '0'; n += on; }
    return {s, n};
  };
  const groups = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const el = t.parentElement, cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || el.closest('math')) continue;
    const font = `${cs.fontStyle} ${cs.fontWeight} 64px ${cs.fontFamily}`;
    if (!groups.has(font)) groups.set(font, new Set());
    for (const ch of t.data) if (ch.trim() && ch.codePointAt(0) > 0x7f) groups.get(font).add(ch);
  }
  const tofu = [], blank = [], hangul = []; let checked = 0;
  for (const [font, chars] of groups) {
    const none = ['\uE000', '\uFFFF', '\u{10FFFD}'].map(ch => ink(ch, font).s);
    for (const ch of chars) {
      checked++;
      const g = ink(ch, font);
      if (/[\uAC00-\uD7A3]/.test(ch)) hangul.push(ch);
      if (g.n === 0 && !/[\u200b-\u200f\u2060-\u2064]/.test(ch)) blank.push(ch);
      else if (none.includes(g.s)) tofu.push(ch);
    }
  }
  return {checked, hangul: hangul.length, tofu: tofu.join(''), blank: blank.join(''),
          lang: document.documentElement.lang};
})()
"""


@pytest.fixture(scope="module")
def korean_html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ko-html") / "out"
    exgen.generate("dl-math-basics-ko", students=ROSTER, formats="html", out=out)
    return out / "html"


def _check(path: Path) -> dict:
    from tests.render.browser import Chromium

    with Chromium() as browser:
        browser.load(path.resolve().as_uri())
        return browser.evaluate(GLYPHS)


@pytest.mark.parametrize("student", STUDENTS)
@pytest.mark.parametrize("doc", ["worksheet", "key"])
def test_korean_html_has_a_glyph_for_every_character(korean_html, student, doc):
    found = _check(korean_html / f"{student}-{doc}.html")
    assert found["lang"] == "ko"
    assert found["hangul"] > 20, found  # the page is Korean: the check saw its Hangul
    assert found["blank"] == "" and found["tofu"] == "", f"characters drawn without a glyph: {found}"


def test_the_check_sees_missing_fonts(korean_html, tmp_path, monkeypatch):
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    if not dejavu.is_dir() or not shutil.which("fc-list"):
        skip_or_fail("needs fonts-dejavu-core and fontconfig to hide the CJK fonts from Chromium")
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>'
                    f"<dir>{dejavu}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    found = _check(korean_html / "s07-worksheet.html")
    assert "张" in found["blank"] + found["tofu"] and "습" in found["blank"] + found["tofu"], found
