#!/usr/bin/env python3
"""faiss-cpu HNSW peer for Tessera's HNSW benchmark (issue 4, item 5c).

Builds faiss ``IndexHNSWFlat`` (inner product) with the same M / efConstruction as Tessera, measures
recall@k against exact inner-product search (``IndexFlatIP``), single-thread queries/s for each efSearch, and
build time. It also writes the query (and, for synthetic runs, base) matrices as .npy so that
``tessera-bench hnsw`` measures the very same data.

SciFact (base = the dense index's vectors.bin, raw float32 [N x d]; queries = the 300 test queries encoded with
sentence-transformers, normalised):

    ~/.cache/tessera-peers/bin/python Benchmarks/hnsw_peer.py scifact \
        --index /tmp/idx/scifact-dense-df384ed75e78 --data /work/shared/data/scifact \
        --model ~/.cache/tessera-peers/models/all-MiniLM-L6-v2 --out /tmp/hnsw-bench

Synthetic (clustered, L2-normalised; writes base.npy and queries.npy under --out):

    ~/.cache/tessera-peers/bin/python Benchmarks/hnsw_peer.py synthetic --count 100000 --dim 128 \
        --clusters 1000 --queries 1000 --out /tmp/hnsw-bench

Then the Swift side, on the same files (prints the same columns):

    tessera-bench hnsw --index /tmp/idx/scifact-dense-df384ed75e78 --queries /tmp/hnsw-bench/scifact-queries.npy
    tessera-bench hnsw --base /tmp/hnsw-bench/synth-100000x128-l16/base.npy --queries /tmp/hnsw-bench/synth-100000x128-l16/queries.npy
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def load_scifact(args):
    manifest = json.load(open(os.path.join(args.index, "manifest.json")))
    dim = manifest["dimension"]
    base = np.fromfile(os.path.join(args.index, "vectors.bin"), dtype="<f4").reshape(-1, dim)
    os.makedirs(args.out, exist_ok=True)
    qpath = os.path.join(args.out, "scifact-queries.npy")
    if not os.path.exists(qpath) or args.reencode:
        test_ids = set()
        with open(os.path.join(args.data, "qrels", "test.tsv")) as f:
            next(f)
            for line in f:
                test_ids.add(line.split("\t")[0])
        texts = []
        with open(os.path.join(args.data, "queries.jsonl")) as f:
            for line in f:
                q = json.loads(line)
                if q["_id"] in test_ids:
                    texts.append(q["text"])
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(os.path.expanduser(args.model), device="cpu")
        queries = model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        np.save(qpath, np.ascontiguousarray(queries.astype("<f4")))
        print(f"wrote {len(texts)} query vectors to {qpath}", file=sys.stderr)
    queries = np.load(qpath)
    return base, queries, args.index


def load_synthetic(args):
    folder = os.path.join(args.out, f"synth-{args.count}x{args.dim}-l{args.latent}")
    bpath, qpath = os.path.join(folder, "base.npy"), os.path.join(folder, "queries.npy")
    if not (os.path.exists(bpath) and os.path.exists(qpath)):
        os.makedirs(folder, exist_ok=True)
        # Low intrinsic dimension, like text embeddings (isotropic noise in every dimension would make the exact
        # neighbours nearly random): a random centre per cluster plus `spread` times a shared random map of a
        # `latent`-dimensional Gaussian, plus a little isotropic noise; rows L2-normalised.
        rng = np.random.default_rng(args.seed)
        d = args.dim
        centres = (rng.standard_normal((args.clusters, d)) / np.sqrt(d)).astype(np.float32)
        latent_map = (rng.standard_normal((args.latent, d)) / np.sqrt(args.latent)).astype(np.float32)

        def sample(n):
            out = np.empty((n, d), dtype=np.float32)
            step = 65536
            for s in range(0, n, step):
                m = min(step, n - s)
                c = rng.integers(0, args.clusters, m)
                z = rng.standard_normal((m, args.latent), dtype=np.float32)
                x = centres[c] + args.spread * (z @ latent_map)
                x += (0.02 / np.sqrt(d)) * rng.standard_normal((m, d), dtype=np.float32)
                x /= np.linalg.norm(x, axis=1, keepdims=True)
                out[s:s + m] = x
            return out

        np.save(bpath, sample(args.count))
        np.save(qpath, sample(args.queries))
        print(f"wrote {bpath} and {qpath}", file=sys.stderr)
    return np.load(bpath, mmap_mode="r"), np.load(qpath), folder


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="source", required=True)
    s = sub.add_parser("scifact")
    s.add_argument("--index", required=True, help="dense index folder (vectors.bin)")
    s.add_argument("--data", default="/work/shared/data/scifact")
    s.add_argument("--model", default="~/.cache/tessera-peers/models/all-MiniLM-L6-v2")
    s.add_argument("--reencode", action="store_true")
    y = sub.add_parser("synthetic")
    y.add_argument("--count", type=int, default=100000)
    y.add_argument("--dim", type=int, default=128)
    y.add_argument("--clusters", type=int, default=1000)
    y.add_argument("--spread", type=float, default=0.5, help="scale of the latent variation around a centre")
    y.add_argument("--latent", type=int, default=16, help="intrinsic (latent) dimension within a cluster")
    y.add_argument("--queries", type=int, default=1000)
    y.add_argument("--seed", type=int, default=42)
    for sp in (s, y):
        sp.add_argument("--out", default="/tmp/hnsw-bench")
        sp.add_argument("--m", type=int, default=16)
        sp.add_argument("--ef-construction", type=int, default=200)
        sp.add_argument("--ef", default="10,16,32,48,64,96,128")
        sp.add_argument("--k", type=int, default=10)
        sp.add_argument("--threads", type=int, default=2, help="build threads (search is always 1 thread)")
        sp.add_argument("--repeat", type=int, default=10)
        sp.add_argument("--json", action="store_true")
    args = p.parse_args()

    import faiss

    base, queries, source = load_scifact(args) if args.source == "scifact" else load_synthetic(args)
    base = np.ascontiguousarray(base, dtype=np.float32)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    n, d = base.shape
    print(f"faiss {faiss.__version__}: {n} x {d} base vectors from {source}, {len(queries)} queries", file=sys.stderr)

    faiss.omp_set_num_threads(2)
    flat = faiss.IndexFlatIP(d)
    flat.add(base)
    _, exact = flat.search(queries, args.k)

    faiss.omp_set_num_threads(args.threads)
    index = faiss.IndexHNSWFlat(d, args.m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = args.ef_construction
    t0 = time.perf_counter()
    index.add(base)
    build = time.perf_counter() - t0

    faiss.omp_set_num_threads(1)
    rows = []
    for ef in [int(x) for x in args.ef.split(",")]:
        index.hnsw.efSearch = ef
        # One batched call for all queries (best of --repeat runs).
        best = float("inf")
        for _ in range(max(args.repeat, 1)):
            t0 = time.perf_counter()
            _, found = index.search(queries, args.k)
            best = min(best, time.perf_counter() - t0)
        # One call per query, each query's latency the minimum over --repeat passes (robust to other load on the
        # machine; includes the Python/SWIG call overhead of a few µs).
        lat = [float("inf")] * len(queries)
        for _ in range(max(args.repeat, 1)):
            for i in range(len(queries)):
                t0 = time.perf_counter()
                index.search(queries[i:i + 1], args.k)
                lat[i] = min(lat[i], (time.perf_counter() - t0) * 1e6)
        mean = sum(lat) / len(lat)
        lat.sort()
        hits = sum(len(set(found[i]) & set(exact[i])) for i in range(len(queries)))
        rows.append({"ef": ef, "recall": hits / (len(queries) * args.k), "qps": 1e6 / mean,
                     "batch_qps": len(queries) / best, "mean_us": mean, "p50_us": lat[len(lat) // 2],
                     "p95_us": lat[min(len(lat) - 1, int(len(lat) * 0.95))]})

    if args.json:
        print(json.dumps({"engine": "faiss-hnsw", "faiss": faiss.__version__, "count": n, "dimension": d,
                          "queries": len(queries), "m": args.m, "ef_construction": args.ef_construction,
                          "build_threads": args.threads, "build_seconds": round(build, 3), "rows": rows}))
    else:
        print(f"faiss HNSW    N={n} d={d} M={args.m} efC={args.ef_construction}  build {build:.2f} s ({args.threads} threads)")
        print(f"   ef  recall@{args.k}  QPS(1 thread)   mean µs   p50 µs   p95 µs  batched-call QPS")
        for r in rows:
            print(f"{r['ef']:5d}  {r['recall']:9.4f}  {r['qps']:13.0f}  {r['mean_us']:8.1f}  {r['p50_us']:7.1f}  {r['p95_us']:7.1f}  {r['batch_qps']:16.0f}")


if __name__ == "__main__":
    main()
