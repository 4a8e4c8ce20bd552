#!/usr/bin/env python3
"""The recipe of Benchmarks/scifact_finetune.sh run with sentence-transformers, for the comparison of BENCHMARKS.md §7.

Same training lines (the `<run>.data.jsonl` that script wrote: query, positive, the first NEG mined negatives), same
batches in kind (a seeded shuffle per epoch, batch 32, a last partial batch of at least 2 kept), MNRL (scale 20) under
MatryoshkaLoss (384/256/128), AdamW (weight decay 0.01 off biases and LayerNorm, as the HF Trainer groups it), linear
warmup then linear decay, global-norm clipping 1.0, dropout on, documents <= 256 tokens. The reference env has no
`datasets`/`accelerate`, so this is the trainer's inner step by hand, as ../shared/peers/st_train_speed.py does.
After each epoch the model is saved and scored on the held-out dev split by `tessera beir` (the same evaluation as
Tessera's runs); the best epoch is then scored on test at 384 / 256 / 128 dims.

Usage (reference env):
  ~/.cache/tessera-peers/bin/python Benchmarks/st_finetune.py --work /tmp/ft --run A --epochs 3 --lr 5e-5
"""
import argparse, json, os, random, shutil, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--work", required=True, help="work folder of scifact_finetune.sh")
ap.add_argument("--run", required=True, help="the Tessera run whose <run>.data.jsonl to train on")
ap.add_argument("--model-dir", default=os.path.expanduser("~/.cache/tessera/models/all-MiniLM-L6-v2"))
ap.add_argument("--data", default="../shared/data/scifact")
ap.add_argument("--tessera", default=".build/release/tessera")
ap.add_argument("--epochs", type=int, default=2)
ap.add_argument("--lr", type=float, default=2e-5)
ap.add_argument("--warmup", type=int, default=5)
ap.add_argument("--batch-size", type=int, default=32)
ap.add_argument("--seed", type=int, default=42)
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()

os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(a.threads)
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
import torch
torch.set_num_threads(a.threads)
random.seed(a.seed); torch.manual_seed(a.seed)
from sentence_transformers import SentenceTransformer
try:
    from sentence_transformers.sentence_transformer import losses
except ImportError:
    from sentence_transformers import losses


def text(doc):
    if isinstance(doc, dict):
        return (doc["title"] + " " + doc["text"]) if doc.get("title") else doc["text"]
    return doc


lines = [json.loads(l) for l in open(f"{a.work}/{a.run}.data.jsonl")]
examples = [(l["query"], text(l["positive"]), [text(n) for n in l.get("negatives", [])]) for l in lines]
negatives = min(len(e[2]) for e in examples)
model = SentenceTransformer(a.model_dir, device="cpu")
model.max_seq_length = 256
loss = losses.MatryoshkaLoss(model, losses.MultipleNegativesRankingLoss(model), matryoshka_dims=[384, 256, 128])
decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "LayerNorm" in n)]
no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=a.lr)
per_epoch = len(examples) // a.batch_size + (1 if len(examples) % a.batch_size >= 2 else 0)
total = per_epoch * a.epochs
schedule = torch.optim.lr_scheduler.LambdaLR(
    optimizer, lambda s: s / max(1, a.warmup) if s < a.warmup else max(0.0, (total - s) / max(1, total - a.warmup)))
tokenize = model.preprocess if hasattr(model, "preprocess") else model.tokenize
rng = random.Random(a.seed)


def beir(folder, split, dim=384):
    data = f"{a.work}/heldout" if split == "dev" else a.data
    out = subprocess.run([a.tessera, "beir", "--data", data, "--split", split, "--model", folder, "--mode", "dense-exact",
                          "--dim", str(dim), "--index-dir", f"{a.work}/indexes-st", "--json"],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out)


best, scores, start = None, [], time.perf_counter()
for epoch in range(a.epochs):
    order = list(range(len(examples)))
    rng.shuffle(order)
    model.train()
    for s in range(0, len(order), a.batch_size):
        batch = [examples[i] for i in order[s:s + a.batch_size]]
        if len(batch) < 2:
            continue
        columns = [[q for q, _, _ in batch], [p for _, p, _ in batch]]
        columns += [[n[k] for _, _, n in batch] for k in range(negatives)]
        value = loss([tokenize(c) for c in columns], None)
        value.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step(); schedule.step(); optimizer.zero_grad(set_to_none=True)
        print(f"epoch {epoch} step {s // a.batch_size} loss {float(value):.4f}", file=sys.stderr, flush=True)
    folder = f"{a.work}/st-{a.run}/epoch-{epoch + 1}"
    model.save(folder)
    score = beir(folder, "dev")["ndcg@10"]
    scores.append(score)
    print(f"epoch {epoch + 1}: dev nDCG@10 {score}", file=sys.stderr, flush=True)
    if best is None or score > scores[best]:
        best = epoch
seconds = time.perf_counter() - start
chosen = f"{a.work}/st-{a.run}/epoch-{best + 1}"
test = {dim: beir(chosen, "test", dim) for dim in (384, 256, 128)}
print(json.dumps({"tool": "sentence-transformers", "run": a.run, "epochs": a.epochs, "lr": a.lr, "steps": total,
                  "dev_ndcg@10": scores, "kept_epoch": best + 1, "seconds_with_evaluation": round(seconds, 1),
                  "test": test}))
