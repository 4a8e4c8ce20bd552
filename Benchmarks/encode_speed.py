#!/usr/bin/env python3
"""Encode-speed benchmark: Tessera vs sentence-transformers, same documents, same machine, same run.

Encodes the first N (default 2,000) documents of a BEIR corpus (title + " " + text, max 256 tokens) with
  * `tessera embed` (release build, --threads T --batch-size 32), timed as a whole process (model load,
    tokenization, encoding, writing the .npy), and
  * sentence-transformers (torch CPU, T threads, batch 32) through Benchmarks/encode_peer.py, whose encode
    call is timed on its own and whose whole process is timed too,
then prints tokens/s for both, their ratios, the fraction of the OpenBLAS fp32 ceiling, and the minimum
cosine between the two sets of vectors (a parity check on real data).

Run (after ../shared/peers/setup.sh and `swift build -c release`):
    ~/.cache/tessera-peers/bin/python Benchmarks/encode_speed.py [-n 2000] [--threads 2] [--repeat 1]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.expanduser("~/.cache/tessera-peers")
CEILING_TOKENS_PER_S = 11_000  # ~21 MFLOP/token at ~240 GFLOP/s (OpenBLAS, OPENBLAS_CORETYPE=Haswell, 2 cores)


def first_documents(corpus, n, path):
    with open(corpus, encoding="utf-8") as src, open(path, "w", encoding="utf-8") as dst:
        count = 0
        for line in src:
            if count >= n:
                break
            if line.strip():
                dst.write(line)
                count += 1
    return count


def run_tessera(binary, model, docs_path, out_path, threads):
    start = time.perf_counter()
    proc = subprocess.run([binary, "embed", "--model", model, "--input", docs_path, "--output", out_path,
                           "--threads", str(threads), "--batch-size", "32"],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"tessera failed: {proc.stderr.strip()}")
    match = re.search(r"embedded (\d+) texts \((\d+) tokens\)", proc.stderr)
    return {"seconds": seconds, "tokens": int(match.group(2)), "docs": int(match.group(1))}


def run_peer(model, corpus, n, threads, save):
    start = time.perf_counter()
    proc = subprocess.run([os.path.join(PEERS, "bin", "python"), os.path.join(ROOT, "Benchmarks", "encode_peer.py"),
                           "--model", model, "--corpus", corpus, "-n", str(n), "--threads", str(threads),
                           "--batch", "32", "--save", save],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"peer failed: {proc.stderr.strip()[-500:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_seconds"] = seconds
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each tool; the best is reported")
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "data", "scifact", "corpus.jsonl"))
    ap.add_argument("--model", default=os.path.join(PEERS, "models", "all-MiniLM-L6-v2"))
    ap.add_argument("--tessera", default=os.path.join(ROOT, ".build", "release", "tessera"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        docs = os.path.join(tmp, "docs.jsonl")
        n = first_documents(args.corpus, args.n, docs)
        tessera_runs, peer_runs = [], []
        for _ in range(args.repeat):
            tessera_runs.append(run_tessera(args.tessera, args.model, docs, os.path.join(tmp, "t.npy"), args.threads))
            peer_runs.append(run_peer(args.model, args.corpus, n, args.threads, os.path.join(tmp, "p.npy")))
        t = min(tessera_runs, key=lambda r: r["seconds"])
        p = min(peer_runs, key=lambda r: r["seconds"])
        a = np.load(os.path.join(tmp, "t.npy"))
        b = np.load(os.path.join(tmp, "p.npy"))
        cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))

    t_rate = t["tokens"] / t["seconds"]
    p_rate = p["tokens"] / p["seconds"]
    p_proc_rate = p["tokens"] / p["process_seconds"]
    print(f"documents: {n}  tokens: tessera {t['tokens']}, sentence-transformers {p['tokens']}  threads: {args.threads}")
    print(f"{'tool':<44} {'seconds':>8} {'tokens/s':>9}")
    print(f"{'tessera embed (whole process)':<44} {t['seconds']:>8.2f} {t_rate:>9.0f}")
    print(f"{'sentence-transformers (encode call only)':<44} {p['seconds']:>8.2f} {p_rate:>9.0f}")
    print(f"{'sentence-transformers (whole process)':<44} {p['process_seconds']:>8.2f} {p_proc_rate:>9.0f}")
    print(f"ratio vs encode call: {t_rate / p_rate:.2f}x   vs whole process: {t_rate / p_proc_rate:.2f}x")
    print(f"fraction of the ~{CEILING_TOKENS_PER_S} tokens/s OpenBLAS fp32 ceiling: {t_rate / CEILING_TOKENS_PER_S:.0%}")
    print(f"parity on these documents: min cosine {cos.min():.7f}, mean {cos.mean():.7f}")
    print(json.dumps({"tessera_tokens_per_s": round(t_rate), "st_tokens_per_s": round(p_rate),
                      "ratio": round(t_rate / p_rate, 3), "min_cosine": float(cos.min())}))


if __name__ == "__main__":
    main()
