"""Benchmark: the formula checker against ``sympy.simplify(a - b) == 0``, for agreement and speed, in one run.

1. The equivalence corpus (``tests/expr/corpus/equivalence_corpus.yaml``: labelled pairs from STACK,
   PrairieLearn and lambda-feedback answer tests, DLMF and textbook identities, deep-learning derivative
   forms, each with its source). Every pair is graded the way a student's answer is (``grade_part`` of an
   expression part with the pair's variables, domain and tolerance) and, where it has no tolerance, by
   ``sympy.simplify(student - key) == 0``. We print both agreements with the labels side by side, how many
   non-equivalent pairs each credits, the time per check of each (median and mean) and their ratio, and list
   every pair where our verdict differs from the label, with the reason.
2. ``--keys N``: formula answers from the calculus types' own keys, known wrong answers and rewritten keys
   (expanded, sigmoid written with exp): how many verdicts differ from simplify's on our own keys.

A simplify call that runs longer than ``--timeout`` seconds is stopped and counted as "not equal".
Our checker is timed from the answer's text, twice per pair: cold (every cache cleared: both formulas are
parsed and the key is sampled afresh) and against a prepared key (read and sampled once, as when a class
is graded). Each checker runs over the whole corpus in turn, ours first, so that neither pays for the
other's garbage; simplify is timed on expressions built beforehand.

Run: ``python benchmarks/bench_expression.py [--timeout 10] [--limit N] [--keys 300]``
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import statistics
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import yaml  # noqa: E402

from exgen.answers import get_kind, grade_part  # noqa: E402
from exgen.errors import FormatError  # noqa: E402
from exgen.expr.parser import parse  # noqa: E402
from exgen.expr.printing import sympy_to_text, to_sympy  # noqa: E402
from exgen.instance import Part  # noqa: E402

CORPUS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "expr", "corpus",
                      "equivalence_corpus.yaml")
DEFAULT_BOX = (-5.0, 5.0)  # the corpus's default sampling box per variable


def corpus_part(pair: dict) -> Part:
    """Return the expression part a corpus pair describes (its key, variables, domain and tolerance)."""
    box = pair.get("domain") or {}
    tol = {("significant_figures" if k == "sigfigs" else k): v for k, v in (pair.get("tolerance") or {}).items()}
    return Part(id="a", kind="expression", prompt="", answer={"expr": pair["key"], "latex": pair["key"]},
                options={"variables": list(pair["vars"]),
                         "domain": {v: list(box.get(v, DEFAULT_BOX)) for v in pair["vars"]}},
                tolerance=tol or None)


def clear_caches() -> None:
    from exgen.expr import domain, equivalence, evaluate, parser, stable

    for fn in (parser._parse_cached, parser._variables, equivalence._reference_batch, stable.stable,
               domain.implied_box, evaluate._fold, evaluate._compile):
        fn.cache_clear()


def ours(pair: dict) -> tuple[bool, str, float, float]:
    """Return (credited, verdict and feedback, seconds cold, seconds against a prepared key) for one pair.

    Cold: every cache cleared, so the check parses both formulas and samples the key afresh. Prepared: the
    key was read and sampled before (by checking the key itself), as when a class is graded against it.
    """
    part = corpus_part(pair)
    clear_caches()
    grade_part(part, pair["key"])
    start = time.perf_counter()
    prepared = grade_part(part, pair["student"])
    t_prepared = time.perf_counter() - start
    clear_caches()
    start = time.perf_counter()
    score = grade_part(part, pair["student"])
    t_cold = time.perf_counter() - start
    assert (score.verdict, score.feedback) == (prepared.verdict, prepared.feedback), pair["id"]
    return score.verdict == "correct", f"{score.verdict}: {score.feedback}", t_cold, t_prepared


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def simplify_equal(a, b, timeout: float) -> tuple[bool | None, float]:
    """Return (simplify(a - b) == 0, seconds); None when stopped after ``timeout`` seconds."""
    import sympy as sp

    signal.setitimer(signal.ITIMER_REAL, timeout)
    start = time.perf_counter()
    try:
        return bool(sp.simplify(a - b) == 0), time.perf_counter() - start
    except _Timeout:
        return None, time.perf_counter() - start
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def sympy_pair(pair: dict):
    """Return (student, key) as sympy expressions (sigmoid written with exp), built from our parser's trees."""
    from exgen.expr.symbolic import explicit

    names = pair["vars"]
    return (explicit(to_sympy(parse(pair["student"], names))), explicit(to_sympy(parse(pair["key"], names))))


def run_corpus(args) -> None:
    with open(CORPUS, encoding="utf-8") as fh:
        pairs = yaml.safe_load(fh)["pairs"]
    if args.limit:
        pairs = pairs[: args.limit]
    signal.signal(signal.SIGALRM, _alarm)
    grade_part(corpus_part(pairs[0]), pairs[0]["student"])  # imports and first-call set-up, untimed
    # each checker over the whole corpus in turn (sympy's garbage would otherwise be collected inside our
    # timings); sympy's expressions are built before its loop, outside the timed region
    ours_rows = [ours(pair) for pair in pairs]
    gc.collect()
    built = [sympy_pair(pair) if not pair.get("tolerance") else None for pair in pairs]
    rows = []
    for pair, (credited, why, t_ours, t_prepared), sym in zip(pairs, ours_rows, built):
        s_verdict, t_simplify = simplify_equal(*sym, args.timeout) if sym is not None else (None, None)
        rows.append((pair, credited, why, t_ours, s_verdict, t_simplify, t_prepared))
    applicable = [r for r in rows if r[5] is not None]

    def agreement(selected, index):
        ok = sum(1 for r in selected if bool(r[index]) == r[0]["equivalent"])
        return ok, len(selected)

    n_ours, total = agreement(rows, 1)
    n_ours_sub, n_sub = agreement(applicable, 1)
    n_simplify, _ = agreement(applicable, 4)
    false_ours = sum(1 for r in rows if r[1] and not r[0]["equivalent"])
    false_simplify = sum(1 for r in applicable if r[4] and not r[0]["equivalent"])
    timeouts = sum(1 for r in applicable if r[4] is None)
    negatives = sum(1 for r in rows if not r[0]["equivalent"])
    negatives_sub = sum(1 for r in applicable if not r[0]["equivalent"])
    t_ours = [r[3] for r in applicable]
    t_prepared = [r[6] for r in applicable]
    t_simplify = [r[5] for r in applicable]
    print(f"equivalence corpus: {total} labelled pairs ({total - negatives} equivalent, {negatives} not), "
          f"{n_sub} without a tolerance (where simplify applies)")
    print()
    print(f"{'':34} {'exgen sampling checker':>24} {'sympy.simplify(a-b)==0':>24}")
    print(f"{'agreement, all pairs':34} {f'{n_ours}/{total} = {n_ours / total:.1%}':>24} {'n/a (tolerances)':>24}")
    print(f"{'agreement, pairs without tolerance':34} {f'{n_ours_sub}/{n_sub} = {n_ours_sub / n_sub:.1%}':>24} "
          f"{f'{n_simplify}/{n_sub} = {n_simplify / n_sub:.1%}':>24}")
    print(f"{'non-equivalent pairs credited':34} {f'{false_ours} of {negatives}':>24} "
          f"{f'{false_simplify} of {negatives_sub}':>24}")
    print(f"{'median time per check':34} {f'{1e3 * statistics.median(t_ours):.3f} ms':>24} "
          f"{f'{1e3 * statistics.median(t_simplify):.1f} ms':>24}")
    print(f"{'  against a prepared key':34} {f'{1e3 * statistics.median(t_prepared):.3f} ms':>24}")
    print(f"{'mean time per check':34} {f'{1e3 * statistics.mean(t_ours):.3f} ms':>24} "
          f"{f'{1e3 * statistics.mean(t_simplify):.1f} ms':>24}")
    print(f"{'total time':34} {f'{sum(t_ours):.2f} s':>24} {f'{sum(t_simplify):.1f} s ({timeouts} stopped)':>24}")
    print(f"ratio simplify / sampling: {statistics.median(t_simplify) / statistics.median(t_ours):.0f}x by median "
          f"time ({statistics.median(t_simplify) / statistics.median(t_prepared):.0f}x against a prepared key), "
          f"{sum(t_simplify) / sum(t_ours):.0f}x by total time (simplify stopped after {args.timeout:g} s)")
    print("(our time includes parsing the answer and, cold, the key; simplify's excludes building its expressions)")
    print()
    by_category: dict[str, list[int]] = {}
    for r in rows:
        slot = by_category.setdefault(r[0]["category"], [0, 0])
        slot[0] += bool(r[1]) == r[0]["equivalent"]
        slot[1] += 1
    print("exgen agreement by category: " + ", ".join(f"{c} {a}/{n}" for c, (a, n) in sorted(by_category.items())))
    missed = [r for r in rows if bool(r[1]) != r[0]["equivalent"]]
    print(f"\npairs where exgen's verdict differs from the label: {len(missed)}")
    for pair, credited, why, *_ in missed:
        print(f"  {pair['id']} ({pair['category']}): {pair['student']!r} vs key {pair['key']!r}, label "
              f"{'equivalent' if pair['equivalent'] else 'not equivalent'}, exgen {'credits' if credited else 'rejects'}"
              f" it ({why[:160]})")
        print(f"      why: {pair.get('note') or 'see the source'} [{pair['source'][:100]}]")
    wrong_simplify = Counter(r[0]["category"] for r in applicable if bool(r[4]) != r[0]["equivalent"])
    print(f"\nsympy.simplify's disagreements by category: {dict(sorted(wrong_simplify.items()))}")


def collect_keys(n: int):
    """Return n (part, answer text) pairs from generated instances: keys, rewritten keys, known wrong answers."""
    import sympy as sp

    from exgen.build.seeding import rng_for
    from exgen.expr.symbolic import explicit
    from exgen.types import get_type

    pairs = []
    seed = 0
    while len(pairs) < n:
        for name in ("derivative", "chain_rule", "gradient"):
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


def run_keys(args) -> None:
    from exgen.expr.symbolic import explicit

    pairs = collect_keys(args.keys)
    kind = get_kind("expression")

    def sym(text, part):
        return explicit(to_sympy(parse(text, part.options["variables"])))

    sym_pairs = [(sym(text, part), sym(part.answer["expr"], part)) for part, text in pairs]
    start = time.perf_counter()
    sampled = [kind.check(kind.parse(text, part), part).verdict == "correct" for part, text in pairs]
    t_sample = time.perf_counter() - start
    signal.signal(signal.SIGALRM, _alarm)
    simplified = [simplify_equal(a, b, args.timeout) for a, b in sym_pairs]
    t_simplify = sum(t for _, t in simplified)
    differ = [(pairs[i][1], pairs[i][0].answer["expr"], s, y)
              for i, (s, (y, _)) in enumerate(zip(sampled, simplified)) if s != bool(y)]
    print(f"\nour own keys: {len(pairs)} formula answers from generated instances ({sum(sampled)} judged equal by "
          f"sampling, {sum(bool(y) for y, _ in simplified)} by simplify)")
    print(f"sampling checker: {t_sample:.3f} s ({1e3 * t_sample / len(pairs):.3f} ms per answer); simplify: "
          f"{t_simplify:.1f} s ({1e3 * t_simplify / len(pairs):.1f} ms per answer); ratio {t_simplify / t_sample:.0f}x")
    print(f"verdicts that differ: {len(differ)}")
    for student, key, s, y in differ[:10]:
        print(f"  sampling={'equal' if s else 'different'} simplify={'equal' if y else 'different'}: "
              f"{student!r} vs key {key!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds allowed per simplify call")
    ap.add_argument("--limit", type=int, default=0, help="only the first N corpus pairs (0: all)")
    ap.add_argument("--keys", type=int, default=0, help="also check N answers from generated keys (0: skip)")
    args = ap.parse_args()
    run_corpus(args)
    if args.keys:
        run_keys(args)


if __name__ == "__main__":
    main()
