#!/usr/bin/env python3
"""Golden fixtures for Tessera's multi-vector training losses (ColBERT, XTR), written with PyTorch autograd.

Makes, in Tests/TesseraTrainingTests/Fixtures/ (overwritten):

  multivector_cases.json        {"generator", "torch", "transformers", "cases": [...]}, each case as in cases.json of
                                make_training_fixture.py (batch texts and the token ids the model saw, loss spec, loss
                                at the initial weights, float64 norm of every gradient and 3-step update, optimizer
                                settings, per-step loss / learning rate / pre-clip gradient norm), plus "token_head":
                                {"path", "inputs", "outputs", "seed"}.
  <case>.grad.safetensors       float32 gradient of every parameter at the initial weights.
  <case>.update.safetensors     float32 (weights after 3 AdamW steps) - (initial weights), computed in float64.
                                MiniLM cases store 2-D tensors by rows as make_training_fixture.py does ("rows").

The model of every case is a BERT (the tiny one of make_training_fixture.py, rebuilt from its SplitMix64 seed, or
all-MiniLM-L6-v2) followed by a new token head: a bias-free linear map hidden -> d, its weight drawn from one SplitMix64
stream (seed in the case) as Tessera's TrainableDense(path:inputs:outputs:seed:) draws it -- row-major, x = 2u - 1,
u = (next >> 11) / 2^53, weight = x / sqrt(inputs) in double, rounded to float32 (torch.nn.Linear's default range).
Parameters: the BERT's under their BertModel names (embeddings.*, encoder.*; no pooler), the head's as
"1_Dense/linear.weight". Dropout off (every nn.Dropout p = 0), train mode.

Each text is tokenized alone (tokenizers, [CLS] ... [SEP], truncation to max_length: 24 tiny, 32 MiniLM) and encoded
alone (no padding), every token kept, special tokens included: what Tessera's packed encoder sees. Token vectors:
L2-normalised head outputs. Rows: the B queries, the B positives, then each query's N negatives; the documents are
every row after the queries (positives, then query 0's negatives, query 1's, ...), and each query's label is its own
positive (document i).

Aligner cases add AligneR's salience heads (parameters "2_Salience/query.weight" [1, h], "2_Salience/query.bias" [1],
"2_Salience/document.weight", "2_Salience/document.bias"), initialised as Tessera's TrainableSalience(inputs:seed:): one
SplitMix64 stream (seed in the case), query weight then document weight, row-major, weight = 0.1 x / sqrt(h), biases 1.

Losses (mean over queries of softmax cross-entropy of score / temperature over all documents):
  colbert   score(q, D) = sum_i max_j q_i . d_j
  xtr       for each query token, the k_train largest q_i . d_j over ALL document tokens of the batch are its retrieved
            tokens (torch.topk); score(q, D) = (1 / max(Z, 1e-3)) sum_i max_{j retrieved, j in D} q_i . d_j, the sum over
            the query tokens that retrieved a token of D, Z their number (no gradient through the selection or Z).
  aligner   s = w . x + b per token (x its encoder state; the query head for query rows, the document head for the others),
            r = ReLU(s), gates lambda from `iterations` steps of a = eps ln k - eps logsumexp((r + b)/eps), b = min(-r - a, 0)
            (a, b start at 0; in float64), lambda = exp((r + b + a)/eps), k = ceil(alpha * length) (alpha_q for queries, alpha_d for
            documents); u = lambda * r; each query token aligned to its k_align most similar tokens of D (no gradient
            through the choice); score = sum S_ij u_i u_j / sum u_i u_j over the aligned pairs. Autograd differentiates
            through every iteration of the gate.

Optimizer as make_training_fixture.py: torch AdamW (foreach=False), weight decay 0.01 except names containing "bias" or
"LayerNorm", betas (0.9, 0.999), eps 1e-8, linear schedule with 1 warmup step of 4, three steps on the same batch, clip
to total norm 1.

Checks (asserted): the ColBERT loss equals an independent loop implementation in float64; the XTR loss with
k_train >= all document tokens equals the ColBERT-style loss averaged over query tokens; the case's float64 gradient of
the XTR loss matches a central finite difference on 3 head entries; the tiny cases are deterministic.

Run with the reference env: ~/.cache/tessera-peers/bin/python Scripts/make_multivector_fixture.py --threads 2
"""
import argparse
import json
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from transformers import BertModel, get_linear_schedule_with_warmup  # noqa: E402

import make_training_fixture as base  # noqa: E402

GENERATOR = "Scripts/make_multivector_fixture.py"
HEAD_PATH = "1_Dense"
SALIENCE_PATH = "2_Salience"
TINY_HEAD = dict(outputs=16, seed=20261204)
MINILM_HEAD = dict(outputs=128, seed=20261205)

CASES = [
    dict(name="tiny_colbert", model="tiny", loss={"kind": "colbert", "temperature": 1.0}, batch=base.TINY_BATCH),
    dict(name="tiny_xtr", model="tiny", loss={"kind": "xtr", "k_train": 8, "temperature": 0.05}, batch=base.TINY_BATCH),
    dict(name="tiny_xtr_two_negatives", model="tiny", loss={"kind": "xtr", "k_train": 12, "temperature": 0.05},
         batch=base.TINY_BATCH_TWO_NEGATIVES),
    dict(name="tiny_aligner", model="tiny", loss={"kind": "aligner", "k_align": 1, "alpha_q": 0.5, "alpha_d": 0.4,
                                                 "epsilon": 0.05, "iterations": 10, "temperature": 0.05, "salience_seed": 20261206},
         batch=base.TINY_BATCH),
    dict(name="tiny_aligner_top2", model="tiny", loss={"kind": "aligner", "k_align": 2, "alpha_q": 0.5, "alpha_d": 0.4,
                                                      "epsilon": 0.002, "iterations": 20, "temperature": 0.05,
                                                      "salience_seed": 20261207}, batch=base.TINY_BATCH_TWO_NEGATIVES),
    dict(name="minilm_xtr", model="minilm", loss={"kind": "xtr", "k_train": 32, "temperature": 0.05},
         batch=base.MINILM_BATCH),
    dict(name="minilm_colbert", model="minilm", loss={"kind": "colbert", "temperature": 1.0}, batch=base.MINILM_BATCH),
]


def head_weight(inputs, outputs, seed):
    rng = base.splitmix64(seed)
    x = np.array([2.0 * ((next(rng) >> 11) * 2.0 ** -53) - 1.0 for _ in range(inputs * outputs)], dtype=np.float64)
    return torch.from_numpy((x / math.sqrt(inputs)).astype(np.float32).reshape(outputs, inputs))


def salience_weights(inputs, seed):
    rng = base.splitmix64(seed)
    out = []
    for _ in range(2):
        x = np.array([2.0 * ((next(rng) >> 11) * 2.0 ** -53) - 1.0 for _ in range(inputs)], dtype=np.float64)
        out.append(torch.from_numpy((0.1 * x / math.sqrt(inputs)).astype(np.float32).reshape(1, inputs)))
    return out


def load_model(kind, minilm_dir, dtype=torch.float32, salience_seed=None):
    if kind == "tiny":
        bert = base.build_tiny_model()
        tok = base.build_tiny_tokenizer(base.tiny_vocab())
        max_len, lr, head = base.TINY_MAX_LEN, base.TINY_LR, TINY_HEAD
    else:
        bert = BertModel.from_pretrained(str(minilm_dir), add_pooling_layer=False, attn_implementation="eager")
        tok = Tokenizer.from_file(str(Path(minilm_dir) / "tokenizer.json"))
        max_len, lr, head = base.MINILM_MAX_LEN, base.MINILM_LR, MINILM_HEAD
    tok.no_padding()
    tok.enable_truncation(max_len)
    for m in bert.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    bert.train()
    hidden = bert.config.hidden_size
    linear = torch.nn.Linear(hidden, head["outputs"], bias=False)
    with torch.no_grad():
        linear.weight.copy_(head_weight(hidden, head["outputs"], head["seed"]))
    bert, linear = bert.to(dtype), linear.to(dtype)
    params = {n: p for n, p in bert.named_parameters()}
    params[HEAD_PATH + "/linear.weight"] = linear.weight
    spec = {"path": HEAD_PATH, "inputs": hidden, "outputs": head["outputs"], "seed": head["seed"]}
    if salience_seed is not None:
        qw, dw = salience_weights(hidden, salience_seed)
        for name, value in (("query.weight", qw), ("query.bias", torch.ones(1)), ("document.weight", dw),
                            ("document.bias", torch.ones(1))):
            params[SALIENCE_PATH + "/" + name] = torch.nn.Parameter(value.to(dtype))
    return bert, linear, tok, params, max_len, lr, spec


def rows_of(batch):
    n_neg = len(batch["negatives"][0])
    texts = batch["queries"] + batch["positives"] + [t for negs in batch["negatives"] for t in negs]
    return texts, n_neg


STATES = []  # encoder states of the last encode(), for the salience heads


def encode(bert, linear, tok, texts):
    """Unit token vectors of every text, each encoded alone."""
    out, ids = [], []
    STATES.clear()
    for text in texts:
        e = tok.encode(text)
        ids.append(e.ids)
        input_ids = torch.tensor([e.ids])
        states = bert(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                      token_type_ids=torch.zeros_like(input_ids)).last_hidden_state[0]
        STATES.append(states)
        out.append(F.normalize(linear(states), p=2, dim=-1))
    return out, ids


def gate(r, k, eps, iterations):
    b = torch.zeros_like(r)
    for _ in range(iterations):
        a = eps * math.log(k) - eps * torch.logsumexp((r + b) / eps, dim=0)
        b = torch.clamp(-r - a, max=0.0)
    return torch.exp((r + b + a) / eps)


def aligner_scores(tokens, b, spec, params):
    u = []
    for row, x in enumerate(STATES):
        head = "query" if row < b else "document"
        s = x @ params[f"{SALIENCE_PATH}/{head}.weight"][0] + params[f"{SALIENCE_PATH}/{head}.bias"][0]
        r = torch.relu(s)
        alpha = spec["alpha_q"] if row < b else spec["alpha_d"]
        k = min(max(math.ceil(alpha * r.shape[0]), 1), r.shape[0])
        # The gate runs in float64, as Tessera's does: at eps = 0.002 its exponents reach ~1/eps = 500.
        u.append((gate(r.double(), k, spec["epsilon"], spec["iterations"]) * r.double()).to(r.dtype))
    out = []
    for i in range(b):
        row = []
        for c, d in enumerate(tokens[b:]):
            sim = tokens[i] @ d.T
            take = min(spec["k_align"], d.shape[0])
            idx = torch.topk(sim.detach(), take, dim=1).indices
            w = u[i][:, None] * u[b + c][idx]
            row.append((torch.gather(sim, 1, idx) * w).sum() / w.sum())
        out.append(torch.stack(row))
    return torch.stack(out)


def scores(tokens, b, spec):
    """[B, documents] scores."""
    docs = tokens[b:]
    if spec["kind"] == "colbert":
        return torch.stack([torch.stack([(q @ d.T).max(dim=1).values.sum() for d in docs]) for q in tokens[:b]])
    k = spec["k_train"]
    all_docs = torch.cat(docs)
    bounds = np.cumsum([0] + [d.shape[0] for d in docs])
    out = []
    for q in tokens[:b]:
        p = q @ all_docs.T
        top = torch.topk(p, min(k, p.shape[1]), dim=1).indices
        mask = torch.zeros_like(p, dtype=torch.bool).scatter_(1, top, True)
        row = []
        for c in range(len(docs)):
            pc = p[:, bounds[c]:bounds[c + 1]].masked_fill(~mask[:, bounds[c]:bounds[c + 1]], float("-inf"))
            best = pc.max(dim=1).values
            hit = torch.isfinite(best)
            z = hit.sum().to(p.dtype).detach()
            row.append(torch.where(hit, best, torch.zeros_like(best)).sum() / torch.clamp(z, min=1e-3))
        out.append(torch.stack(row))
    return torch.stack(out)


def loss_of(tokens, b, spec, params=None):
    s = (aligner_scores(tokens, b, spec, params) if spec["kind"] == "aligner" else scores(tokens, b, spec)) / spec["temperature"]
    return F.cross_entropy(s, torch.arange(b))


def colbert_loop(tokens, b, temperature):
    """The ColBERT loss by explicit loops, float64."""
    t = [x.detach().double() for x in tokens]
    total = 0.0
    for i in range(b):
        logits = []
        for d in t[b:]:
            logits.append(sum(max(float(q @ dj) for dj in d) for q in t[i]) / temperature)
        m = max(logits)
        total += -(logits[i] - m - math.log(sum(math.exp(x - m) for x in logits)))
    return total / b


def run_case(case, minilm_dir):
    bert, linear, tok, params, max_len, lr, head = load_model(case["model"], minilm_dir,
                                                              salience_seed=case["loss"].get("salience_seed"))
    texts, n_neg = rows_of(case["batch"])
    b = len(case["batch"]["queries"])
    init = {n: p.detach().clone() for n, p in params.items()}
    with torch.no_grad():
        t1, ids = encode(bert, linear, tok, texts)
        t2, _ = encode(bert, linear, tok, texts)
        assert all(torch.equal(x, y) for x, y in zip(t1, t2)), "dropout is not off"
        if case["loss"]["kind"] == "colbert":
            ref = colbert_loop(t1, b, case["loss"]["temperature"])
            assert abs(ref - float(loss_of(t1, b, case["loss"]))) <= 1e-5 * abs(ref), ref
        elif case["loss"]["kind"] == "aligner":
            # The gate sums to its budget k once converged.
            x = STATES[0]
            r = torch.relu(x @ params[SALIENCE_PATH + "/query.weight"][0] + params[SALIENCE_PATH + "/query.bias"][0])
            k = math.ceil(case["loss"]["alpha_q"] * r.shape[0])
            lam = gate(r.double(), k, case["loss"]["epsilon"], 200)
            assert abs(float(lam.sum()) - k) < 1e-6 and float(lam.max()) <= 1 + 1e-12, (float(lam.sum()), k)
        else:
            # k_train covering every document token: each query token retrieves its best token in every document.
            wide = dict(case["loss"], k_train=10**6)
            n_q = [t1[i].shape[0] for i in range(b)]
            colbert = scores(t1, b, {"kind": "colbert"})
            assert torch.allclose(scores(t1, b, wide), colbert / torch.tensor(n_q, dtype=colbert.dtype)[:, None], atol=1e-6)
    decay = [p for n, p in params.items() if not ("bias" in n or "LayerNorm" in n)]
    no_decay = [p for n, p in params.items() if ("bias" in n or "LayerNorm" in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": base.WEIGHT_DECAY},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=lr, betas=base.BETAS, eps=base.EPS, foreach=False)
    sched = get_linear_schedule_with_warmup(opt, num_warmup_steps=base.WARMUP_STEPS, num_training_steps=base.TOTAL_STEPS)
    step_losses, step_lrs, step_norms = [], [], []
    for step in range(base.STEPS):
        opt.zero_grad(set_to_none=True)
        tokens, _ = encode(bert, linear, tok, texts)
        loss = loss_of(tokens, b, case["loss"], params)
        loss.backward()
        grads = {n: (p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p)) for n, p in params.items()}
        if step == 0:
            grads0, loss0 = grads, float(loss.detach())
        norm64 = base.total_norm64(grads.values())
        torch.nn.utils.clip_grad_norm_(list(params.values()), base.MAX_GRAD_NORM)
        step_losses.append(float(loss.detach()))
        step_lrs.append(float(opt.param_groups[0]["lr"]))
        step_norms.append(norm64)
        opt.step()
        sched.step()
    updates = {n: (p.detach().double() - init[n].double()) for n, p in params.items()}
    return dict(params=init, ids=ids, n_neg=n_neg, b=b, loss=loss0, grads=grads0, updates=updates, head=head,
                max_len=max_len, lr=lr, step_losses=step_losses, step_lrs=step_lrs, step_norms=step_norms)


def check_finite_difference(case, minilm_dir, name):
    """float64: d loss / d `name` for 3 entries against a central difference."""
    bert, linear, tok, params, *_ = load_model(case["model"], minilm_dir, dtype=torch.float64,
                                               salience_seed=case["loss"].get("salience_seed"))
    texts, _ = rows_of(case["batch"])
    b = len(case["batch"]["queries"])
    tokens, _ = encode(bert, linear, tok, texts)
    loss_of(tokens, b, case["loss"], params).backward()
    w = params[name]
    rng = np.random.default_rng(base.CHECK_SEED)
    for _ in range(3):
        r, c = int(rng.integers(w.shape[0])), int(rng.integers(w.shape[1]))
        h = 1e-6
        with torch.no_grad():
            w[r, c] += h
            up = float(loss_of(encode(bert, linear, tok, texts)[0], b, case["loss"], params))
            w[r, c] -= 2 * h
            down = float(loss_of(encode(bert, linear, tok, texts)[0], b, case["loss"], params))
            w[r, c] += h
        fd, g = (up - down) / (2 * h), float(w.grad[r, c])
        assert abs(fd - g) <= 1e-6 + 1e-4 * abs(g), (case["name"], name, r, c, fd, g)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minilm-dir", default=base.DEFAULT_MINILM)
    ap.add_argument("--out-dir", default=str(base.DEFAULT_OUT_DIR))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--minilm-rows", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out_dir = Path(args.out_dir)
    records = []
    for case in CASES:
        r = run_case(case, args.minilm_dir)
        if case["name"] == "tiny_xtr":
            check_finite_difference(case, args.minilm_dir, HEAD_PATH + "/linear.weight")
        if case["name"] == "tiny_aligner":
            for name in (HEAD_PATH + "/linear.weight", SALIENCE_PATH + "/document.weight", SALIENCE_PATH + "/query.weight"):
                check_finite_difference(case, args.minilm_dir, name)
        rows = {}
        if case["model"] != "tiny":
            batch_ids = sorted({i for x in r["ids"] for i in x})
            for n, t in r["params"].items():
                sel = base.minilm_rows(n, tuple(t.shape), batch_ids, args.minilm_rows)
                if sel is not None and not n.startswith((HEAD_PATH, SALIENCE_PATH)):
                    rows[n] = sel
        grad_file, update_file = f"{case['name']}.grad.safetensors", f"{case['name']}.update.safetensors"
        base.GENERATOR = GENERATOR
        base.save_tensors(out_dir / grad_file, r["grads"], rows)
        base.save_tensors(out_dir / update_file, r["updates"], rows)
        assert set(load_file(str(out_dir / grad_file))) == set(r["params"])
        b, n_neg, ids = r["b"], r["n_neg"], r["ids"]
        batch = case["batch"]
        rec = {
            "name": case["name"], "model": case["model"], "loss": case["loss"], "max_length": r["max_len"],
            "token_head": r["head"],
            **({"salience": {"path": SALIENCE_PATH, "seed": case["loss"]["salience_seed"]}} if "salience_seed" in case["loss"] else {}),
            "batch": {
                "queries": batch["queries"], "positives": batch["positives"], "negatives": batch["negatives"],
                "query_ids": ids[:b], "positive_ids": ids[b:2 * b],
                "negative_ids": [ids[2 * b + i * n_neg: 2 * b + (i + 1) * n_neg] for i in range(b)],
            },
            "loss_value": r["loss"], "grad_file": grad_file, "update_file": update_file,
        }
        if rows:
            rec["rows"] = rows
        rec["grad_norms"] = {n: float(g.double().norm()) for n, g in r["grads"].items()}
        rec["update_norms"] = {n: float(u.norm()) for n, u in r["updates"].items()}
        rec["optimizer"] = {"lr": r["lr"], "betas": list(base.BETAS), "eps": base.EPS, "weight_decay": base.WEIGHT_DECAY,
                            "no_decay": base.NO_DECAY, "warmup_steps": base.WARMUP_STEPS, "total_steps": base.TOTAL_STEPS,
                            "steps": base.STEPS, "max_grad_norm": base.MAX_GRAD_NORM}
        rec["step_losses"], rec["step_lrs"], rec["step_grad_norms"] = r["step_losses"], r["step_lrs"], r["step_norms"]
        records.append(rec)
        print(f"{case['name']:24s} loss {r['loss']:.8f}  step losses {[round(x, 6) for x in r['step_losses']]}  "
              f"pre-clip norms {[round(x, 6) for x in r['step_norms']]}")
    base.write_json(out_dir / "multivector_cases.json", {
        "generator": GENERATOR, "torch": torch.__version__, "transformers": transformers.__version__, "cases": records})


if __name__ == "__main__":
    sys.exit(main())
