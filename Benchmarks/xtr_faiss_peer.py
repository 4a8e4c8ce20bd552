#!/usr/bin/env python3
"""XTR reference on faiss-cpu (issue 4 item 5b): an IVF index over the same token vectors as Tessera's exact
`tokens` index, top-k' per query token, and the XTR authors' imputation in numpy (a document's score is the mean
over query tokens of its best retrieved similarity, or the query token's k'-th retrieved score where none was
retrieved). Prints one JSON line per setting: nDCG@10 / Recall@100 (pytrec_eval) and single-thread search
latency (faiss search + numpy scoring; query encoding excluded).

Query token vectors come from a file written by Tessera (`tessera-bench warp-scifact ... --dump-queries PREFIX`:
PREFIX.f32, PREFIX.offsets.i64, PREFIX.ids.txt) so both sides score exactly the same query tokens, or, with
--encode, from transformers (MiniLM last hidden state, L2-normalised, max 64 tokens incl. [CLS]/[SEP]).

    ~/.cache/tessera-peers/bin/python Benchmarks/xtr_faiss_peer.py \
        --index /tmp/idx/scifact-tokens-e381bd277703 --data /work/shared/data/scifact \
        --queries /tmp/warp-runs/queries --nlist 4096 --nprobe 8,16,32,64 --kprime 1000
"""
import argparse, json, os, statistics, sys, time

import numpy as np
import faiss
import pytrec_eval


def load_index_folder(path):
    manifest = json.load(open(os.path.join(path, "manifest.json")))
    d = manifest["dimension"]
    t = manifest["counts"]["tokens"]
    vectors = np.memmap(os.path.join(path, "vectors.bin"), dtype=np.float32, mode="r", shape=(t, d))
    offsets = np.fromfile(os.path.join(path, "document_offsets.bin"), dtype=np.int64)
    ids_bytes = open(os.path.join(path, "document_ids.bytes.bin"), "rb").read()
    ids_off = np.fromfile(os.path.join(path, "document_ids.offsets.bin"), dtype=np.int64)
    doc_ids = [ids_bytes[ids_off[i]:ids_off[i + 1]].decode() for i in range(len(ids_off) - 1)]
    token_docs = np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), np.diff(offsets))
    return vectors, token_docs, doc_ids


def load_queries_file(prefix):
    vecs = np.fromfile(prefix + ".f32", dtype=np.float32)
    offsets = np.fromfile(prefix + ".offsets.i64", dtype=np.int64)
    ids = open(prefix + ".ids.txt").read().split("\n")
    d = vecs.size // offsets[-1]
    vecs = vecs.reshape(-1, d)
    return [(ids[i], np.ascontiguousarray(vecs[offsets[i]:offsets[i + 1]])) for i in range(len(ids))]


def encode_queries(data, model_folder):
    import torch
    from transformers import AutoModel, AutoTokenizer
    tok = AutoTokenizer.from_pretrained(model_folder)
    model = AutoModel.from_pretrained(model_folder).eval()
    qrels = load_qrels(data)
    out = []
    with torch.no_grad():
        for line in open(os.path.join(data, "queries.jsonl")):
            q = json.loads(line)
            if q["_id"] not in qrels:
                continue
            enc = tok(q["text"], truncation=True, max_length=64, return_tensors="pt")
            h = model(**enc).last_hidden_state[0]
            h = torch.nn.functional.normalize(h, dim=-1)
            out.append((q["_id"], h.numpy().astype(np.float32)))
    return out


def encode_times(data, model_folder, ids):
    """Per-query encoding time (ms) with transformers on one thread, for the queries `ids`, in that order."""
    import torch
    from transformers import AutoModel, AutoTokenizer
    torch.set_num_threads(1)
    tok = AutoTokenizer.from_pretrained(model_folder)
    model = AutoModel.from_pretrained(model_folder).eval()
    texts = {}
    for line in open(os.path.join(data, "queries.jsonl")):
        q = json.loads(line)
        texts[q["_id"]] = q["text"]
    times = []
    with torch.no_grad():
        for i, qid in enumerate(ids):
            for _ in range(2 if i < 3 else 1):  # warm-up on the first queries
                start = time.perf_counter()
                enc = tok(texts[qid], truncation=True, max_length=64, return_tensors="pt")
                h = model(**enc).last_hidden_state[0]
                torch.nn.functional.normalize(h, dim=-1).numpy()
                elapsed = (time.perf_counter() - start) * 1000
            times.append(elapsed)
    return times


def stats(prefix, values):
    s = sorted(values)
    return {f"{prefix}_mean": round(statistics.mean(values), 2), f"{prefix}_p50": round(s[len(s) // 2], 2),
            f"{prefix}_p95": round(s[int(0.95 * (len(s) - 1))], 2)}


def load_qrels(data):
    qrels = {}
    for i, line in enumerate(open(os.path.join(data, "qrels", "test.tsv"))):
        if i == 0:
            continue
        q, d, s = line.rstrip("\n").split("\t")
        qrels.setdefault(q, {})[d] = int(s)
    return qrels


def xtr_score(scores, labels, token_docs, top_k):
    """scores, labels: [n, k'] from faiss (labels = token rows). XTR scoring with imputation."""
    n, kp = scores.shape
    valid = labels >= 0
    missing = np.where(valid, scores, np.inf).min(axis=1)  # the k'-th (lowest) retrieved score per query token
    missing = np.where(np.isfinite(missing), missing, 0).astype(np.float32)
    docs = np.where(valid, token_docs[np.maximum(labels, 0)], -1)
    flat_docs = docs[valid]
    uniq, inverse = np.unique(flat_docs, return_inverse=True)
    # Per (candidate document, query token): start from m_i, take the max of retrieved scores.
    table = np.tile(missing, (len(uniq), 1))
    rows = np.nonzero(valid)[0]
    np.maximum.at(table, (inverse, rows), scores[valid])
    doc_scores = table.mean(axis=1)
    k = min(top_k, len(uniq))
    top = np.argpartition(-doc_scores, k - 1)[:k]
    top = top[np.argsort(-doc_scores[top], kind="stable")]
    return uniq[top], doc_scores[top]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True, help="Tessera exact tokens index folder")
    ap.add_argument("--data", required=True)
    ap.add_argument("--queries", help="prefix of query token files written by tessera-bench --dump-queries")
    ap.add_argument("--encode", help="model folder: encode queries with transformers instead")
    ap.add_argument("--time-encoding", help="model folder: also time each query's encoding with transformers "
                    "(one thread) and report encode + search per query as total_ms_*")
    ap.add_argument("--nlist", type=int, default=4096)
    ap.add_argument("--train", type=int, default=131072, help="training sample size")
    ap.add_argument("--nprobe", default="8,16,32,64")
    ap.add_argument("--kprime", default="1000")
    ap.add_argument("--faiss-cache", default="/tmp/tessera-warp/faiss-ivf")
    ap.add_argument("--threads-build", type=int, default=2)
    args = ap.parse_args()

    vectors, token_docs, doc_ids = load_index_folder(args.index)
    t, d = vectors.shape
    qrels = load_qrels(args.data)
    queries = load_queries_file(args.queries) if args.queries else encode_queries(args.data, args.encode)

    cache = f"{args.faiss_cache}-{args.nlist}.faiss"
    faiss.omp_set_num_threads(args.threads_build)
    t0 = time.time()
    if os.path.exists(cache):
        index = faiss.read_index(cache)
    else:
        rng = np.random.default_rng(0)
        sample = np.ascontiguousarray(vectors[np.sort(rng.choice(t, size=min(args.train, t), replace=False))])
        quantizer = faiss.IndexFlatIP(d)
        index = faiss.IndexIVFFlat(quantizer, d, args.nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.niter = 10
        index.train(sample)
        for s in range(0, t, 200_000):
            index.add(np.ascontiguousarray(vectors[s:s + 200_000]))
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        faiss.write_index(index, cache)
    build_s = time.time() - t0
    print(json.dumps({"event": "faiss-build", "nlist": args.nlist, "seconds": round(build_s, 1),
                      "index_bytes": os.path.getsize(cache), "float_bytes": t * d * 4}), flush=True)

    enc_ms = encode_times(args.data, args.time_encoding, [qid for qid, _ in queries]) if args.time_encoding else None
    if enc_ms:
        print(json.dumps({"event": "encode", "engine": "transformers (torch, 1 thread)", **stats("encode_ms", enc_ms)}), flush=True)
    faiss.omp_set_num_threads(1)
    for kp in [int(x) for x in args.kprime.split(",")]:
        for nprobe in [int(x) for x in args.nprobe.split(",")]:
            index.nprobe = nprobe
            run, times, cpu = {}, [], []
            for i, (qid, q) in enumerate(queries):
                start, cpu_start = time.perf_counter(), time.thread_time()
                scores, labels = index.search(q, kp)
                docs, s = xtr_score(scores, labels, token_docs, 100)
                elapsed = (time.perf_counter() - start) * 1000
                times.append(elapsed)
                cpu.append((time.thread_time() - cpu_start) * 1000)
                run[qid] = {doc_ids[int(doc)]: float(v) for doc, v in zip(docs, s)}
            ev = pytrec_eval.RelevanceEvaluator({q: qrels[q] for q in run}, {"ndcg_cut.10", "recall.100"})
            res = ev.evaluate(run)
            ndcg = statistics.mean(r["ndcg_cut_10"] for r in res.values())
            recall = statistics.mean(r["recall_100"] for r in res.values())
            times_sorted, cpu_sorted = sorted(times), sorted(cpu)
            print(json.dumps({"event": "eval", "method": "xtr-faiss-ivf", "nlist": args.nlist, "nprobe": nprobe, "k_prime": kp,
                              "ndcg@10": round(ndcg, 4), "recall@100": round(recall, 4),
                              "search_ms_mean": round(statistics.mean(times), 2),
                              "search_ms_p50": round(times_sorted[len(times) // 2], 2),
                              "search_ms_p95": round(times_sorted[int(0.95 * (len(times) - 1))], 2),
                              "search_cpu_ms_mean": round(statistics.mean(cpu), 2),
                              "search_cpu_ms_p50": round(cpu_sorted[len(cpu) // 2], 2),
                              "search_cpu_ms_p95": round(cpu_sorted[int(0.95 * (len(cpu) - 1))], 2),
                              **(stats("total_ms", [e + t for e, t in zip(enc_ms, times)]) if enc_ms else {}),
                              "queries": len(run)}), flush=True)


if __name__ == "__main__":
    main()
