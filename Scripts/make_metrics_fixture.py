#!/usr/bin/env python3
"""Writes Tests/TesseraEvalTests/Fixtures/metrics_parity.json: synthetic, seeded run/qrels pairs with
every per-query value and every mean computed by pytrec_eval (trec_eval's C code).

Measures: ndcg_cut, recall, P, map_cut at k = 1, 3, 5, 10, 100, 1000, and MRR@k defined as pytrec_eval's
`recip_rank` on each ranking cut to its top k in trec_eval's order (score descending, ties by document id
in descending byte order). pytrec_eval takes runs as dicts, so a ranking that lists a document twice is
given to it with the highest score kept; the fixture stores the raw ranking (duplicates included) so the
Swift side must apply the same rule.

Run with the reference environment (pytrec-eval-terrier, numpy):
    ~/.cache/tessera-peers/bin/python Scripts/make_metrics_fixture.py
"""
import json
import os
import random

import numpy as np
import pytrec_eval

KS = [1, 3, 5, 10, 100, 1000]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "TesseraEvalTests", "Fixtures",
                   "metrics_parity.json")


def trec_order(ranking):
    """Deduplicate (highest score kept) and sort as trec_eval does."""
    best = {}
    for doc, score in ranking:
        if doc not in best or score > best[doc]:
            best[doc] = score
    # score descending, then doc id descending by UTF-8 bytes (strcmp on unsigned bytes)
    return sorted(best.items(), key=lambda kv: (kv[1], kv[0].encode("utf-8")), reverse=True)


def evaluate(qrels, run, relevance_level):
    """Per-query values keyed by Tessera metric names, as pytrec_eval computes them."""
    ks = ",".join(str(k) for k in KS)
    measures = {f"ndcg_cut.{ks}", f"recall.{ks}", f"P.{ks}", f"map_cut.{ks}"}
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, measures, relevance_level=relevance_level)
    ordered = {q: trec_order(r) for q, r in run.items()}
    full = evaluator.evaluate({q: dict(r) for q, r in ordered.items()})
    out = {q: {} for q in full}
    for q, values in full.items():
        for k in KS:
            out[q][f"ndcg@{k}"] = values[f"ndcg_cut_{k}"]
            out[q][f"recall@{k}"] = values[f"recall_{k}"]
            out[q][f"p@{k}"] = values[f"P_{k}"]
            out[q][f"map@{k}"] = values[f"map_cut_{k}"]
    rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}, relevance_level=relevance_level)
    for k in KS:
        cut = rr.evaluate({q: dict(r[:k]) for q, r in ordered.items()})
        assert set(cut) == set(full), "query sets differ"
        for q, values in cut.items():
            out[q][f"mrr@{k}"] = values["recip_rank"]
    means = {}
    if out:
        for name in next(iter(out.values())):
            means[name] = float(np.mean([out[q][name] for q in out]))
    return out, means


def docs(prefix, n):
    return [f"{prefix}{i}" for i in range(n)]


def random_qrels(rng, queries, pool, graded, max_rel=1, negatives=False):
    qrels = {}
    for q in queries:
        judged = rng.sample(pool, rng.randint(1, 12))
        j = {}
        for d in judged:
            if graded:
                j[d] = rng.randint(0, max_rel)
            else:
                j[d] = 1 if rng.random() < 0.45 else 0
            if negatives and rng.random() < 0.15:
                j[d] = -rng.randint(1, 2)
        qrels[q] = j
    return qrels


def random_run(rng, queries, pool, qrels, length, score):
    run = {}
    for q in queries:
        n = rng.randint(*length)
        # favour judged documents near the top, mix in unjudged ones
        judged = list(qrels.get(q, {}))
        rng.shuffle(judged)
        chosen = judged[: rng.randint(0, len(judged))]
        taken = set(chosen)
        rest = [d for d in pool if d not in taken]
        chosen += rng.sample(rest, max(0, min(len(rest), n - len(chosen))))
        run[q] = [[d, score(rng)] for d in chosen[:n]]
    return run


def case_binary_continuous():
    rng = random.Random(1)
    queries = [f"q{i}" for i in range(15)]
    pool = docs("doc", 300)
    qrels = random_qrels(rng, queries, pool, graded=False)
    run = random_run(rng, queries, pool, qrels, (20, 80), lambda r: round(r.gauss(0, 3), 6))
    return "binary_continuous", qrels, run, 1


def case_graded_ties():
    rng = random.Random(2)
    queries = [f"Q{i:02d}" for i in range(12)]
    # ids chosen so byte order differs from numeric and case order: d7 < d70 < d7a, D < d, é after ASCII
    pool = [f"d{i}" for i in range(60)] + [f"D{i}" for i in range(20)] + [f"d{i}a" for i in range(10)] + \
        [f"é{i}" for i in range(10)] + [f"doc-{i}" for i in range(20)] + ["Z", "a", "aa", "ab", "b"]
    qrels = random_qrels(rng, queries, pool, graded=True, max_rel=3)
    run = random_run(rng, queries, pool, qrels, (10, 60), lambda r: r.choice([0.1, 0.2, 0.3, 0.5, 1.0]))
    return "graded_ties", qrels, run, 1


def case_all_ties():
    rng = random.Random(3)
    queries = [f"t{i}" for i in range(10)]
    pool = docs("x", 50) + docs("X", 10)
    qrels = random_qrels(rng, queries, pool, graded=True, max_rel=2)
    run = random_run(rng, queries, pool, qrels, (5, 40), lambda r: 1.0)
    for q in queries[5:]:
        for entry in run[q]:
            entry[1] = 0  # every score 0 (an int in JSON)
    return "all_ties", qrels, run, 1


def case_edge_queries():
    rng = random.Random(4)
    pool = docs("e", 1500)
    qrels = {
        "no_relevant": {"e1": 0, "e2": 0, "e3": 0},
        "all_negative": {"e1": -1, "e2": -2},
        "mixed_negative": {"e1": 2, "e2": -1, "e3": 1, "e4": 0},
        "empty_ranking": {"e5": 1, "e6": 2},
        "missing_from_run": {"e7": 1},
        "relevant_unretrieved": {"e8": 1, "e9": 1},
        "long_ranking": {d: rng.randint(0, 2) for d in rng.sample(pool, 40)},
        "short_ranking": {"e10": 1, "e11": 1, "e12": 1},
        "empty_judgments": {},
        "relevant_at_1000": {"e1000": 1, "e1001": 1, "e1": 0},
    }
    long_docs = rng.sample(pool, 1200)
    run = {
        "no_relevant": [["e1", 3.0], ["e2", 2.0], ["e9", 1.0]],
        "all_negative": [["e1", 1.0], ["e2", 0.5], ["e3", 0.25]],
        "mixed_negative": [["e2", 5.0], ["e1", 4.0], ["e99", 3.0], ["e3", 2.0], ["e4", 1.0]],
        "empty_ranking": [],
        "relevant_unretrieved": [["e20", 2.0], ["e21", 1.0]],
        "long_ranking": [[d, round(rng.random(), 3)] for d in long_docs],
        "short_ranking": [["e12", 0.9], ["e30", 0.8]],
        "empty_judgments": [["e1", 1.0]],
        "not_in_qrels": [["e1", 1.0], ["e2", 0.5]],
        # 999 decoys scored above the relevant documents: they land at ranks 1000 and 1001
        "relevant_at_1000": [[f"z{i:04d}", 10.0 + i] for i in range(999)] + [["e1000", 5.0], ["e1001", 4.0], ["e1", 3.0]],
    }
    return "edge_queries", qrels, run, 1


def case_duplicates():
    rng = random.Random(5)
    queries = [f"dup{i}" for i in range(8)]
    pool = docs("p", 40)
    qrels = random_qrels(rng, queries, pool, graded=True, max_rel=2)
    run = random_run(rng, queries, pool, qrels, (5, 25), lambda r: round(r.uniform(-1, 1), 2))
    for q in queries:
        for _ in range(rng.randint(1, 4)):
            d, _s = rng.choice(run[q])
            run[q].insert(rng.randint(0, len(run[q])), [d, round(rng.uniform(-1, 1), 2)])
    run["dup0"] += [["p0", 0.5], ["p0", 0.5], ["p0", -0.5]]
    return "duplicates", qrels, run, 1


def case_graded_level2():
    rng = random.Random(6)
    queries = [f"g{i}" for i in range(12)]
    pool = docs("g", 80)
    qrels = random_qrels(rng, queries, pool, graded=True, max_rel=4, negatives=True)
    run = random_run(rng, queries, pool, qrels, (3, 50),
                     lambda r: r.choice([-2.5, -1e-07, 0.0, 3.25e-05, 1e21, r.uniform(-10, 10)]))
    return "graded_level2", qrels, run, 2


def case_large_ties():
    rng = random.Random(7)
    queries = [f"L{i}" for i in range(8)]
    pool = docs("L", 1400)
    qrels = random_qrels(rng, queries, pool, graded=True, max_rel=3)
    for q in queries:  # more relevant documents than small cutoffs
        for d in rng.sample(pool, 150):
            qrels[q].setdefault(d, rng.randint(0, 3))
    run = random_run(rng, queries, pool, qrels, (900, 1150), lambda r: r.randint(0, 40))
    return "large_ties", qrels, run, 1


def main():
    cases = []
    total_values = 0
    for make in (case_binary_continuous, case_graded_ties, case_all_ties, case_edge_queries,
                 case_duplicates, case_graded_level2, case_large_ties):
        name, qrels, run, level = make()
        per_query, means = evaluate(qrels, run, level)
        total_values += sum(len(v) for v in per_query.values())
        cases.append({"name": name, "relevance_level": level, "k": KS, "qrels": qrels, "run": run,
                      "expected": per_query, "means": means})
        print(f"{name}: {len(per_query)} queries evaluated, {sum(len(r) for r in run.values())} run entries")
    fixture = {"generator": "Scripts/make_metrics_fixture.py", "pytrec_eval": pytrec_eval.__version__,
               "cases": cases}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(OUT)}: {len(cases)} cases, {total_values} per-query values")


if __name__ == "__main__":
    main()
