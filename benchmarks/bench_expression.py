"""Benchmark: the sampling checker versus ``sympy.simplify(a - b) == 0`` on the same formula answers.

Answers come from the calculus types' own keys and known wrong answers (derivative and chain_rule formula
parts over many seeds), plus an equivalent rewriting of each key (expanded, or sigmoid written with exp):
a realistic mix of right, rewritten-right and wrong answers. Both checkers judge the same pairs in the same
run; we print both times, their ratio and how many verdicts differ. A simplify call that runs longer than
``--timeout`` seconds is stopped and counted as "not equal".

Run: ``python benchmarks/bench_expression.py [--n 2000] [--timeout 10]``
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from exgen.answers import get_kind  # noqa: E402
from exgen.build.seeding import rng_for  # noqa: E402
from exgen.errors import FormatError  # noqa: E402
from exgen.expr.parser import parse  # noqa: E402
from exgen.expr.printing import sympy_to_text, to_sympy  # noqa: E402
from exgen.types import get_type  # noqa: E402


def collect(n: int):
    """Return n (part, answer text) pairs from generated instances."""
    import sympy as sp

    from exgen.expr.symbolic import explicit

    pairs = []
    seed = 0
    while len(pairs) < n:
        for name in ("derivative", "chain_rule"):
            typ = get_type(name)
            params, _ = typ.resolve_params({"difficulty": ("easy", "medium", "hard")[seed % 3]})
            inst = typ.build(exercise_id="bench", title=None, points=None, params=params,
                             rng=rng_for(seed, "bench", name))
            for part in inst.parts:
                if part.kind != "expression":
                    continue
                variables = part.options["variables"]
                key = part.answer["expr"]
                pairs.append((part, key))
                for rewritten in (sp.expand(explicit(to_sympy(parse(key, variables)))),
                                  explicit(to_sympy(parse(key, variables)))):
                    try:
                        pairs.append((part, sympy_to_text(rewritten, variables)))
                        break
                    except FormatError:  # an expanded form longer than an answer may be
                        continue
                pairs.extend((part, w.value["expr"]) for w in part.wrong_answers)
        seed += 1
    return pairs[:n]


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="number of formula answers to check")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds allowed per simplify call")
    args = ap.parse_args()
    import sympy as sp

    pairs = collect(args.n)
    kind = get_kind("expression")
    # sympy needs expressions; build them outside the timed region (from our parser's trees)
    # (sigmoid written with exp, so that simplify knows what it is)
    from exgen.expr.symbolic import explicit

    def sym(text, part):
        return explicit(to_sympy(parse(text, part.options["variables"])))

    sym_pairs = [(sym(text, part), sym(part.answer["expr"], part)) for part, text in pairs]

    start = time.perf_counter()
    sampled = [kind.check(kind.parse(text, part), part).verdict == "correct" for part, text in pairs]
    t_sample = time.perf_counter() - start

    signal.signal(signal.SIGALRM, _alarm)
    simplified, timeouts = [], 0
    start = time.perf_counter()
    for a, b in sym_pairs:
        signal.setitimer(signal.ITIMER_REAL, args.timeout)
        try:
            simplified.append(sp.simplify(a - b) == 0)
        except _Timeout:
            simplified.append(False)
            timeouts += 1
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    t_simplify = time.perf_counter() - start

    differ = [(pairs[i][1], pairs[i][0].answer["expr"], s, y)
              for i, (s, y) in enumerate(zip(sampled, simplified)) if s != y]
    print(f"formula answers checked: {len(pairs)} ({sum(sampled)} judged equal by sampling, "
          f"{sum(simplified)} by simplify)")
    print(f"sampling checker (parse + check): {t_sample:.3f} s ({1e3 * t_sample / len(pairs):.3f} ms per answer)")
    print(f"sympy.simplify(a - b) == 0:       {t_simplify:.3f} s ({1e3 * t_simplify / len(pairs):.3f} ms per answer)"
          f", {timeouts} stopped after {args.timeout:g} s")
    print(f"ratio simplify / sampling: {t_simplify / t_sample:.1f}x")
    print(f"verdicts that differ: {len(differ)}")
    for student, key, s, y in differ[:10]:
        print(f"  sampling={'equal' if s else 'different'} simplify={'equal' if y else 'different'}: "
              f"{student!r} vs key {key!r}")


if __name__ == "__main__":
    main()
