#!/usr/bin/env python3
"""BM25 reference on a BEIR dataset with bm25s: nDCG@10 and Recall@100 (pytrec_eval), build time, query latency.

Setup matching Tessera's `bm25` (TextAnalyzer.english + BM25Parameters()): bm25s's default token pattern,
lowercasing, `stopwords="en"`, PyStemmer `Stemmer("english")`, method "lucene", k1 = 1.5, b = 0.75; documents are
`title + " " + text`. Build time covers tokenising (with stemming) and indexing; query latency is per query,
single query at a time (tokenise + retrieve top 100), after a warm-up pass, on one thread.

Optionally evaluates other TREC run files (e.g. Tessera's) the same way, and reports how often their top 10 agree
with bm25s's.

Run:
    ~/.cache/tessera-peers/bin/python Benchmarks/bm25_peer.py --data ../shared/data/scifact \
        [--split test] [--run-out bm25s.trec] [--compare tessera.trec ...]
"""

import argparse
import collections
import json
import os
import statistics
import time

os.environ.setdefault("DISABLE_TQDM", "1")

import bm25s  # noqa: E402
import numpy as np  # noqa: E402
import pytrec_eval  # noqa: E402
import Stemmer  # noqa: E402


def read_qrels(path):
    qrels = collections.defaultdict(dict)
    with open(path) as f:
        next(f)
        for line in f:
            q, d, s = line.rstrip("\n").split("\t")
            qrels[q][d] = int(s)
    return qrels


def read_run(path):
    run = collections.defaultdict(dict)
    with open(path) as f:
        for line in f:
            q, _, d, _, s, _ = line.split()
            run[q][d] = float(s)
    return run


def evaluate(qrels, run):
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut_10", "recall_100"})
    per_query = evaluator.evaluate({q: run.get(q, {}) for q in qrels})
    n = len(qrels)
    return (sum(v["ndcg_cut_10"] for v in per_query.values()) / n,
            sum(v["recall_100"] for v in per_query.values()) / n)


def top10(run):
    return {q: [d for d, _ in sorted(docs.items(), key=lambda x: (-x[1], x[0]))[:10]] for q, docs in run.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--top-k", type=int, default=100)
    parser.add_argument("--run-out", default=None)
    parser.add_argument("--compare", nargs="*", default=[])
    args = parser.parse_args()

    corpus = [json.loads(line) for line in open(os.path.join(args.data, "corpus.jsonl"))]
    doc_ids = [d["_id"] for d in corpus]
    texts = [(d.get("title") or "") + " " + d["text"] if d.get("title") else d["text"] for d in corpus]
    qrels = read_qrels(os.path.join(args.data, "qrels", f"{args.split}.tsv"))
    queries = {}
    for line in open(os.path.join(args.data, "queries.jsonl")):
        q = json.loads(line)
        if q["_id"] in qrels:
            queries[q["_id"]] = q["text"]
    qids = list(queries)

    stemmer = Stemmer.Stemmer("english")
    t0 = time.perf_counter()
    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)
    retriever = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
    retriever.index(tokens, show_progress=False)
    build = time.perf_counter() - t0

    def search(text):
        q = bm25s.tokenize([text], stopwords="en", stemmer=stemmer, show_progress=False)
        k = min(args.top_k, len(doc_ids))
        docs, scores = retriever.retrieve(q, k=k, show_progress=False, n_threads=1)
        return docs[0], scores[0]

    for qid in qids:  # warm-up
        search(queries[qid])
    run = {}
    latencies = []
    for qid in qids:
        t = time.perf_counter()
        docs, scores = search(queries[qid])
        latencies.append(time.perf_counter() - t)
        run[qid] = {doc_ids[int(d)]: float(s) for d, s in zip(docs, scores) if s > 0}
    if args.run_out:
        with open(args.run_out, "w") as f:
            for qid in qids:
                ranked = sorted(run[qid].items(), key=lambda x: (-x[1], x[0]))
                for rank, (d, s) in enumerate(ranked, 1):
                    f.write(f"{qid} Q0 {d} {rank} {s:.6f} bm25s\n")

    ndcg, recall = evaluate(qrels, run)
    lat = np.array(latencies) * 1e3
    print(f"bm25s {bm25s.__version__}: {len(doc_ids)} docs, {len(qids)} queries ({args.split})")
    print(f"  nDCG@10 {ndcg:.4f}  Recall@100 {recall:.4f}")
    print(f"  build {build:.3f} s (tokenise + stem + index)")
    print(f"  query latency (tokenise + retrieve, 1 thread): mean {lat.mean():.3f} ms  "
          f"p50 {np.percentile(lat, 50):.3f} ms  p95 {np.percentile(lat, 95):.3f} ms")
    reference_top = top10(run)
    for path in args.compare:
        other = read_run(path)
        ndcg, recall = evaluate(qrels, other)
        other_top = top10(other)
        same = sum(1 for q in qids if other_top.get(q) == reference_top.get(q))
        overlap = statistics.mean(len(set(other_top.get(q, [])) & set(reference_top[q])) / 10 for q in qids)
        print(f"{path}: nDCG@10 {ndcg:.4f}  Recall@100 {recall:.4f}  "
              f"identical top-10 lists {same}/{len(qids)}  mean top-10 overlap {overlap:.3f}")


if __name__ == "__main__":
    main()
