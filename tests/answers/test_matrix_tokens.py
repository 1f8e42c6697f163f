"""The matrix reader's tokeniser: one scan of the text finds the tokens a match-by-match scanner finds,
stopping at the first place no token starts (only spaces are left there), on any mix of brackets, separators,
numbers, new lines and Unicode spaces."""

from __future__ import annotations

import random

from exgen.answers.matrix import _TOKEN_RE, _tokens


def tokens_one_by_one(text: str) -> list[str]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            break
        out.append(m.group(1) or m.group(2))
        pos = m.end()
    return out


def test_tokens_as_a_match_by_match_scan():
    alphabet = " \t\n\r\x0b\x0c[]();,1.-e\u00a0\u2003\u3000x"
    rng = random.Random(17)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert _tokens(text) == tokens_one_by_one(text), repr(text)


def test_rows_and_trailing_space():
    # a new line before more text is space before a token; a trailing one is a token
    assert _tokens("[[1, 2];\n [3 4]]  \n ") == ["[", "[", "1", ",", "2", "]", ";", "[", "3", "4", "]", "]", "\n"]
