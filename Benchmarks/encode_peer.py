#!/usr/bin/env python3
"""Python peer for Tessera's encode-speed benchmark: sentence-transformers on a BEIR corpus.

Encodes the first N documents of a BEIR corpus.jsonl as `title + " " + text` (both stripped; text only if the title
is empty) with sentence-transformers (CPU, batch 32, max_seq_length 256, normalised, numpy output) and prints ONE
JSON line:

    {"tool": "sentence-transformers", "docs": N, "tokens": T, "seconds": S, "tokens_per_s": T/S,
     "threads": k, "batch": 32, "load_seconds": L}

T = real tokens (with [CLS]/[SEP]) after truncation at 256, counted with the model's tokenizer outside the timed
region; S = wall time of the `encode` call only; L = time to construct the SentenceTransformer.
`--save OUT.npy` writes the float32 [N, 384] embeddings for a cross-check against Tessera.

Run:
    HF_HUB_OFFLINE=1 ~/.cache/tessera-peers/bin/python Benchmarks/encode_peer.py \\
        [--model DIR] [--corpus PATH] [-n 2000] [--threads 2] [--batch 32] [--save OUT.npy]

The corpus is read in place; nothing from it is written anywhere except the optional embeddings file.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

DEFAULT_MODEL = os.path.expanduser("~/.cache/tessera-peers/models/all-MiniLM-L6-v2")
DEFAULT_CORPUS = "/work/shared/data/scifact/corpus.jsonl"
MAX_SEQ_LENGTH = 256


def load_documents(path, limit):
    """The first `limit` documents as 'title text' strings."""
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if len(docs) >= limit:
                break
            if not line.strip():
                continue
            row = json.loads(line)
            title = (row.get("title") or "").strip()
            text = (row.get("text") or "").strip()
            docs.append(f"{title} {text}" if title else text)
    return docs


def count_tokens(model, docs):
    """Real tokens per document after truncation at max_seq_length, with the model's own tokenizer."""
    enc = model.tokenizer(docs, truncation=True, max_length=model.max_seq_length, add_special_tokens=True)
    return sum(len(ids) for ids in enc["input_ids"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("-n", "--docs", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=0,
                    help="encode this many documents once before the timed call (default 0: cold call)")
    ap.add_argument("--save", metavar="OUT.npy", help="save the float32 embeddings here")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    docs = load_documents(args.corpus, args.docs)

    t0 = time.perf_counter()
    model = SentenceTransformer(args.model, device="cpu")
    load_seconds = time.perf_counter() - t0
    model.max_seq_length = MAX_SEQ_LENGTH

    tokens = count_tokens(model, docs)
    if args.warmup > 0:
        model.encode(docs[:args.warmup], batch_size=args.batch, convert_to_numpy=True,
                     normalize_embeddings=True, show_progress_bar=False)

    t0 = time.perf_counter()
    emb = model.encode(docs, batch_size=args.batch, convert_to_numpy=True, normalize_embeddings=True,
                       show_progress_bar=False)
    seconds = time.perf_counter() - t0

    if args.save:
        np.save(args.save, emb.astype(np.float32))

    print(json.dumps({
        "tool": "sentence-transformers",
        "docs": len(docs),
        "tokens": tokens,
        "seconds": round(seconds, 3),
        "tokens_per_s": round(tokens / seconds, 1),
        "threads": torch.get_num_threads(),
        "batch": args.batch,
        "load_seconds": round(load_seconds, 3),
    }))


if __name__ == "__main__":
    sys.exit(main())
