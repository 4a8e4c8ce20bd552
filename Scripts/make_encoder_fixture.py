#!/usr/bin/env python3
"""Generate the golden encoder fixtures for Tessera's MiniLM (BERT) encoder.

Makes, in Tests/TesseraModelsTests/Fixtures/ (all overwritten):

  minilm_texts.jsonl            220 lines {"text": str, "n_tokens": int}; n_tokens counts [CLS]/[SEP] after
                                truncation to 256. Lengths: ~25% <= 16 tokens, ~40% 17-128, ~25% 129-255, ~10% longer
                                than 256 before truncation (so exactly 256 after). The lines are in shuffled order so
                                that consecutive batches of 16 mix lengths.
  minilm_pooled.npy             float32 [220, 384]: SentenceTransformer(model_dir).encode(texts, batch_size=16,
                                normalize_embeddings=True) -- mean pooling + L2 normalisation, max_seq_length 256.
  minilm_tokens_sub.npy         float32 [total_tokens, 64]: transformers AutoModel last_hidden_state, columns
                                0, 6, ..., 378, for every real token (attention mask 1) of every text, in text order.
                                Computed in batches of 16 consecutive texts (mixed lengths, so padding is present).
  minilm_tokens_offsets.npy     int64 [221]: cumulative token counts; rows offsets[i]..<offsets[i+1] belong to text i.
  minilm_tokens_full.npy        float32 [rows, 384]: full last_hidden_state rows for the 12 texts listed in
  minilm_tokens_full_index.json {"texts": [i, ...]} (rows concatenated in that order).

The texts are generated here from a fixed vocabulary of a few hundred English words plus a handful of
hand-written multilingual / emoji sentences (no data set is copied). Seeded, so the texts are deterministic; the
float outputs are deterministic up to the CPU BLAS (same machine and thread count give identical bytes).

The script also checks that mean-pooling + normalising the AutoModel states reproduces the SentenceTransformer
vectors (cosine > 0.999999) and that padding does not change the states (5 texts encoded alone vs in a batch).

Run:
    HF_HUB_OFFLINE=1 ~/.cache/tessera-peers/bin/python Scripts/make_encoder_fixture.py [MODEL_DIR] [--threads 2]

MODEL_DIR defaults to ~/.cache/tessera-peers/models/all-MiniLM-L6-v2.
"""

import argparse
import json
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402

SEED = 20240611
N_TEXTS = 220
MAX_LEN = 256
BATCH = 16
SUB_STRIDE = 12         # columns 0, 12, ..., 372 -> 32 columns (keeps the fixture near 3 MB)
N_FULL = 12
DEFAULT_MODEL = os.path.expanduser("~/.cache/tessera-peers/models/all-MiniLM-L6-v2")
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "Tests/TesseraModelsTests/Fixtures"

VOCAB = """
the a an of to in on at by for with from into over under between among through during after before within without
and or but nor so yet because although while whereas if then than as that which who whose whom this these those
is are was were be been has have had do does did can could may might must should would will shall not no
we our they their it its he she his her you your one two three four five ten hundred thousand many several few
study studies result results method methods analysis model models data sample samples patient patients cell cells
gene genes protein proteins tissue tumor cancer disease therapy treatment trial trials dose response risk factor
effect effects level levels increase increased decrease decreased expression activity function pathway signal
receptor binding mutation variant genome sequence structure membrane enzyme inhibitor antibody infection virus
bacteria immune inflammation blood brain heart liver kidney lung muscle bone skin mouse mice rat human children
adults women men age group groups control controls cohort population clinical outcome outcomes survival mortality
significant significantly associated association correlation higher lower greater smaller compared observed found
reported showed suggest suggests indicate indicates demonstrate demonstrated identified measured evaluated assessed
using used based including included between across among during following previous recent novel new known
however moreover furthermore therefore thus also only both each other such similar different specific important
retrieval engine index query queries document documents token tokens vector vectors embedding embeddings score
scores rank ranking search corpus passage passages encoder decoder layer layers attention transformer network
training trained test tests evaluation benchmark accuracy precision recall latency throughput memory cache batch
fast slow small large long short high low early late first second third final total average mean median variance
time times year years day days week weeks month months rate rates ratio percent value values number numbers
approach framework system systems algorithm algorithms performance efficiency quality robust simple complex
unaffable unbelievable internationalization tokenization preprocessing hyperparameter electroencephalography
photosynthesis mitochondria neuroscience immunotherapy pharmacokinetics interleukin phosphorylation cytokine
""".split()

PUNCT_AFTER = [",", ",", ",", ";", ":", " -", " (see above)", " [1]", " (p < 0.05)", "%"]
SENT_END = [".", ".", ".", "!", "?", "...", ")."]

MULTILINGUAL = [
    "Café naïve résumé",
    "野口里佳 Noguchi Rika",
    "Москва — столица России.",
    "🚀 Launch day! 🎉🎉 We shipped the retrieval engine 👍🏽",
    "مرحبا بالعالم، هذا اختبار.",
    "नमस्ते दुनिया, यह एक परीक्षण है।",
    "東京都は日本の首都です。ひらがなとカタカナも使います。",
    "안녕하세요, 세계! 한국어 문장입니다.",
    "Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο. ΣΑΣ",
    "Straße, Übermut und Äpfel: große Freude in Zürich 🇨🇭",
    "שלום עולם! זהו מבחן קצר.",
    "สวัสดีครับ ประเทศไทย",
    "👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 1️⃣ keycap, ❤️ heart",
    "İstanbul'da ılık bir gün; ﬁnance and ﬂower ligatures.",
]


class WordCounter:
    """Token counts of space-separated words (BERT pre-tokenization makes counts additive across spaces)."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.cache = {}

    def __call__(self, word):
        if word not in self.cache:
            self.cache[word] = len(self.tokenizer(word, add_special_tokens=False)["input_ids"])
        return self.cache[word]


def prose_words(rng):
    """An endless stream of English-like words with punctuation attached."""
    sentence_start = True
    while True:
        n = rng.randint(5, 22)
        for i in range(n):
            w = rng.choice(VOCAB)
            if sentence_start:
                w = w.capitalize()
                sentence_start = False
            elif rng.random() < 0.03:
                w = w.upper()
            if i == n - 1:
                w += rng.choice(SENT_END)
                sentence_start = True
            elif rng.random() < 0.08:
                w += rng.choice(PUNCT_AFTER)
            elif rng.random() < 0.03:
                w = f"{w} {rng.randint(1, 999)}"
            yield w


def text_with_tokens(rng, count, target):
    """Prose whose token count (with [CLS]/[SEP], no truncation) is as close to target as the words allow."""
    words, total = [], 2
    for w in prose_words(rng):
        c = count(w)
        if total + c > target and total > 2:
            break
        words.append(w)
        total += c
        if total >= target:
            break
    return " ".join(words)


def length_targets(rng):
    """Target token counts: ~25% <= 16, ~40% 17-128, ~25% 129-255, ~10% > 256 (before truncation).

    The empty string, the single word and the multilingual sentences (short or mid length) fill the rest.
    """
    n_fixed = 2 + len(MULTILINGUAL)
    n_short, n_long, n_over = 55 - 2 - len(MULTILINGUAL) // 2, 55, 22
    n_mid = N_TEXTS - n_fixed - n_short - n_long - n_over
    targets = [rng.randint(3, 16) for _ in range(n_short)]
    targets += [rng.randint(17, 128) for _ in range(n_mid)]
    targets += [rng.randint(129, 253) for _ in range(n_long - 2)] + [255, 254]
    targets += [rng.randint(257, 600) for _ in range(n_over - 1)] + [257]
    return targets


def make_texts(tokenizer, seed):
    rng = random.Random(seed)
    count = WordCounter(tokenizer)
    texts = ["", "retrieval"] + list(MULTILINGUAL)
    texts += [text_with_tokens(rng, count, t) for t in length_targets(rng)]
    assert len(texts) == N_TEXTS, len(texts)
    rng.shuffle(texts)  # interleave lengths so that each batch of 16 mixes short and long texts
    return texts


def n_tokens(tokenizer, texts):
    enc = tokenizer(texts, truncation=True, max_length=MAX_LEN, add_special_tokens=True)
    return [len(ids) for ids in enc["input_ids"]]


def untruncated_tokens(tokenizer, texts):
    enc = tokenizer(texts, truncation=False, add_special_tokens=True, verbose=False)
    return [len(ids) for ids in enc["input_ids"]]


# --------------------------------------------------------------------------------------------------------------
# Reference computations
# --------------------------------------------------------------------------------------------------------------

def sentence_transformer_pooled(model_dir, texts):
    st = SentenceTransformer(model_dir, device="cpu")
    print("SentenceTransformer modules:")
    for name, module in st.named_children():
        print(f"  {name}: {type(module).__module__}.{type(module).__name__}")
    print(st)
    assert st.max_seq_length == MAX_LEN, st.max_seq_length
    pooling = st[1]
    assert type(pooling).__name__ == "Pooling", type(pooling)
    cfg = pooling.get_config_dict()
    if "pooling_mode" in cfg:  # sentence-transformers >= 6: {"pooling_mode": "mean", ...}
        assert cfg["pooling_mode"] in ("mean", ["mean"]), cfg
    else:  # older: one boolean per mode
        assert cfg.get("pooling_mode_mean_tokens") is True, cfg
        assert not any(cfg.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                            "pooling_mode_mean_sqrt_len_tokens")), cfg
    print(f"pooling config: {cfg}")
    assert any(type(m).__name__ == "Normalize" for m in st), "no Normalize module"
    pooled = st.encode(texts, batch_size=BATCH, convert_to_numpy=True, normalize_embeddings=True)
    return pooled.astype(np.float32), st


@torch.no_grad()
def hidden_states(model, tokenizer, texts):
    """last_hidden_state rows of the real tokens of each text, as a list of float32 [n_i, 384] arrays."""
    enc = tokenizer(texts, truncation=True, max_length=MAX_LEN, padding=True, return_tensors="pt")
    out = model(**enc).last_hidden_state
    mask = enc["attention_mask"].bool()
    return [out[i][mask[i]].numpy().astype(np.float32) for i in range(len(texts))]


def batched_hidden_states(model, tokenizer, texts):
    states = []
    for start in range(0, len(texts), BATCH):
        batch = texts[start:start + BATCH]
        states += hidden_states(model, tokenizer, batch)
    return states


def mean_pool_normalize(rows):
    v = rows.astype(np.float64).mean(axis=0)
    return v / max(np.linalg.norm(v), 1e-12)


def check_pooling(states, pooled):
    manual = np.stack([mean_pool_normalize(s) for s in states])
    ref = pooled.astype(np.float64)
    cos = (manual * ref).sum(axis=1) / np.linalg.norm(ref, axis=1)
    max_abs = np.abs(manual - ref).max()
    print(f"ST pooled vs manual mean-pool+normalise: min cosine {cos.min():.9f} (text {cos.argmin()}), "
          f"max |diff| {max_abs:.3e}")
    assert cos.min() > 0.999999, cos.min()
    return cos.min(), max_abs


def check_padding(model, tokenizer, texts, states, idx):
    """Encode texts[idx] one by one (no padding) and compare with their rows from the padded batches."""
    worst = 0.0
    for i in idx:
        alone = hidden_states(model, tokenizer, [texts[i]])[0]
        diff = np.abs(alone - states[i]).max()
        print(f"  text {i:3d} ({len(alone):3d} tokens): alone vs in padded batch max |diff| {diff:.3e}")
        worst = max(worst, diff)
    print(f"padding check: max |diff| over {len(idx)} texts = {worst:.3e}")
    assert worst < 1e-4, worst
    return worst


def choose_full(texts, ntoks, rng):
    """12 texts: two cut to 256, the empty string, the single word, two multilingual and mid-length texts.

    Mid-length ones are drawn from 17-64 tokens to keep the file small (every text is in minilm_tokens_sub anyway).
    """
    chosen = [i for i in range(len(texts)) if ntoks[i] == MAX_LEN][:2]
    chosen += [texts.index(""), texts.index("retrieval")]
    chosen += [texts.index(MULTILINGUAL[1]), texts.index(MULTILINGUAL[3])]
    mid = [i for i in range(len(texts)) if 17 <= ntoks[i] <= 64 and i not in chosen]
    chosen += rng.sample(mid, N_FULL - len(chosen))
    assert len(set(chosen)) == N_FULL
    return chosen


# --------------------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir", nargs="?", default=DEFAULT_MODEL)
    ap.add_argument("--out-dir", default=str(DEFAULT_OUT_DIR))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--sub-stride", type=int, default=SUB_STRIDE,
                    help="keep every k-th hidden dimension in minilm_tokens_sub.npy (default 6 -> 64 columns)")
    args = ap.parse_args()
    assert 384 % args.sub_stride == 0

    torch.set_num_threads(args.threads)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    tokenizer = AutoTokenizer.from_pretrained(args.model_dir, use_fast=True)
    assert tokenizer.is_fast
    texts = make_texts(tokenizer, args.seed)
    ntoks = n_tokens(tokenizer, texts)
    raw = untruncated_tokens(tokenizer, texts)
    bins = [sum(n <= 16 for n in raw), sum(17 <= n <= 128 for n in raw), sum(129 <= n <= 255 for n in raw),
            sum(n == 256 for n in raw), sum(n > 256 for n in raw)]
    print(f"texts: {len(texts)}, tokens before truncation: <=16 {bins[0]}, 17-128 {bins[1]}, 129-255 {bins[2]}, "
          f"=256 {bins[3]}, >256 {bins[4]} (max {max(raw)}); total after truncation {sum(ntoks)}")

    pooled, st = sentence_transformer_pooled(args.model_dir, texts)
    features = st.preprocess(texts) if hasattr(st, "preprocess") else st.tokenize(texts)
    st_real = features["attention_mask"].sum(dim=1).tolist()
    assert st_real == ntoks, "SentenceTransformer tokenization differs from the fast tokenizer at 256"

    model = AutoModel.from_pretrained(args.model_dir, dtype=torch.float32)
    model.eval()
    states = batched_hidden_states(model, tokenizer, texts)
    assert [len(s) for s in states] == ntoks

    pool_cos, pool_diff = check_pooling(states, pooled)
    pad_idx = random.Random(args.seed + 1).sample(range(len(texts)), 5)
    check_padding(model, tokenizer, texts, states, pad_idx)

    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(ntoks)
    all_rows = np.concatenate(states, axis=0)
    sub = np.ascontiguousarray(all_rows[:, ::args.sub_stride], dtype=np.float32)
    assert sub.shape == (offsets[-1], 384 // args.sub_stride)
    full_idx = choose_full(texts, ntoks, random.Random(args.seed + 2))
    full = np.concatenate([states[i] for i in full_idx], axis=0).astype(np.float32)

    paths = {
        "texts": out_dir / "minilm_texts.jsonl",
        "pooled": out_dir / "minilm_pooled.npy",
        "sub": out_dir / "minilm_tokens_sub.npy",
        "offsets": out_dir / "minilm_tokens_offsets.npy",
        "full": out_dir / "minilm_tokens_full.npy",
        "full_index": out_dir / "minilm_tokens_full_index.json",
    }
    with open(paths["texts"], "w", encoding="utf-8", newline="\n") as f:
        for t, n in zip(texts, ntoks):
            f.write(json.dumps({"text": t, "n_tokens": n}, ensure_ascii=False) + "\n")
    np.save(paths["pooled"], pooled)
    np.save(paths["sub"], sub)
    np.save(paths["offsets"], offsets)
    np.save(paths["full"], full)
    with open(paths["full_index"], "w", encoding="utf-8") as f:
        json.dump({"texts": full_idx}, f)
        f.write("\n")

    print(f"full-state texts {full_idx} -> n_tokens {[ntoks[i] for i in full_idx]}, rows {len(full)}")
    total = 0
    for p in paths.values():
        size = p.stat().st_size
        total += size
        print(f"  {p.relative_to(REPO_ROOT) if p.is_relative_to(REPO_ROOT) else p}: {size:,} bytes")
    print(f"  total: {total:,} bytes ({total / 2**20:.2f} MiB)")


if __name__ == "__main__":
    sys.exit(main())
