#!/usr/bin/env python3
"""Generate the golden training fixtures for Tessera's training engine (losses, gradients, AdamW updates).

Makes, in Tests/TesseraTrainingTests/Fixtures/ (all overwritten):

  tiny_bert/                    a complete sentence-transformers folder holding a random 2-layer BERT:
      (no weights)              the float32 BertModel parameters (plain names, no pooler) come from one SplitMix64
                                stream (tiny_weights); the script writes model.safetensors while it runs and deletes
                                it at the end; the Swift tests rebuild it (TesseraTestSupport/TinyTrainingModel.swift).
      config.json               vocab 64, hidden 32, 2 layers, 4 heads, intermediate 64, 48 positions, 2 token types,
                                gelu, layer_norm_eps 1e-12, dropout 0.1 (the cases below switch dropout off).
      tokenizer.json            WordPiece over a 64-token vocabulary: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4, then
      vocab.txt                 59 lowercase words. BertNormalizer(lowercase), BertPreTokenizer, "[CLS] $A [SEP]".
      tokenizer_config.json, special_tokens_map.json
      modules.json, sentence_bert_config.json (max_seq_length 48), 1_Pooling/config.json (mean pooling, dim 32)
                                Transformer -> mean Pooling -> Normalize, like all-MiniLM-L6-v2.
  (no tiny_dense folder)        the tiny_dense model of tiny_dense_mnrl is tiny_bert with a Dense layer after the
                                pooling: Transformer -> mean Pooling -> Dense(in 32, out 16, bias, tanh) -> Normalize.
                                The script writes it to a temporary directory outside the fixtures (a copy of
                                tiny_bert, modules.json 0 Transformer "", 1 Pooling "1_Pooling", 2 Dense "2_Dense",
                                3 Normalize "3_Normalize", and 2_Dense/config.json + model.safetensors as
                                Dense.save writes them) and deletes it at the end. The Dense weights come from
                                their own SplitMix64 stream (tiny_dense_weights): seed DENSE_SEED = 20261203, first
                                linear.weight [16, 32] row-major (512 values), then linear.bias (16); x = 2u - 1,
                                u = (next >> 11) / 2^53 as for the BERT; weight 0.25x, bias 0.1x, computed in
                                double, rounded to float32.
  cases.json                    one JSON object {"generator", "torch", "sentence_transformers", "transformers",
                                "cases": [...]}; each case records the batch (texts and the token ids the model saw,
                                with [CLS]/[SEP], no padding), the loss spec, the loss at the initial weights, the
                                float64 L2 norm of every parameter's gradient and 3-step update, the optimizer
                                settings and, per optimizer step, the loss, learning rate and pre-clip gradient norm.
  <case>.grad.safetensors       float32 gradient of every parameter at the initial weights (one backward pass).
  <case>.update.safetensors     float32 (weights after 3 AdamW steps) - (initial weights), computed in float64.
                                For the MiniLM cases both files hold every 1-D tensor in full, but of each 2-D tensor
                                only the rows listed in the case's "rows" (name -> row indices; the tensor keeps its
                                name and has shape [len(rows), cols]): rows 0..R-1 of every weight matrix
                                (R = --minilm-rows, default 1, to keep the fixtures near 3 MB), rows 0..7 of the
                                position embeddings, both rows of the token type embeddings, and the word embedding
                                rows of every token id in the model's input (sorted, unique; includes [PAD]=0 when a
                                column is padded -- its gradient is zero). Tiny cases store every tensor in full and
                                have no "rows".
                                Names: the encoder's parameters under their BertModel names (embeddings.*,
                                encoder.*); a later module's under "<folder>/<name inside the module>", the folder
                                being the one SentenceTransformer.save gives it: tiny_dense_mnrl also has
                                2_Dense/linear.weight [16, 32] and 2_Dense/linear.bias [16] (in the files and in
                                grad_norms / update_norms).

Cases (all with dropout switched off -- every nn.Dropout has p = 0 -- and the model in train mode):
  tiny_mnrl                tiny  MultipleNegativesRankingLoss(scale=20), B=4 queries, 4 positives, 1 negative each
  tiny_mnrl_two_negatives  tiny  MNRL(scale=20), B=3, 2 negatives each
  tiny_gecko               tiny  Gecko loss (below), temperature 0.05, the tiny_mnrl batch
  tiny_mrl                 tiny  MatryoshkaLoss(MNRL(scale=20), dims [32, 16, 8], weights [1, 0.5, 0.25])
  tiny_cached_mnrl         tiny  CachedMultipleNegativesRankingLoss(scale=20, mini_batch_size=2), the tiny_mnrl
                                 batch; its loss, gradients and step losses are asserted equal to tiny_mnrl's
  tiny_gecko_mrl           tiny  Gecko loss (temperature 0.05) summed over dims [32, 16], weights [1, 1]
  minilm_mnrl              all-MiniLM-L6-v2  MNRL(scale=20), B=4, 1 negative each, hand-written science texts
  minilm_gecko_mrl         all-MiniLM-L6-v2  Gecko (temperature 0.05) over dims [384, 256, 128], weights [1, 1, 1]
  tiny_dense_mnrl          tiny_dense (tiny_bert + Dense 32 -> 16, tanh; "model": "tiny_dense")  MNRL(scale=20), the
                           tiny_mnrl batch, lr 1e-3; embeddings are 16-dim (run last, so the cases above are
                           unaffected by it)

Batches: column 0 = the B queries, column 1 = the B positives, column 1+k = the k-th hard negative of every query.
Each column is tokenized on its own with the model's tokenizer through SentenceTransformer.preprocess (truncation to
max_seq_length = 24 for tiny, 32 for MiniLM; padding to the longest text of the column), which is what
sentence-transformers' data collator does. (Inside MNRL, sentence-transformers 6 embeds the query column alone and
the positive + negative columns in one merged forward, padded to the longest of them; padding does not change the
embeddings beyond float rounding.)

MNRL (sentence-transformers): cosine similarities of each query with the candidates
cat([positives, negatives column 1, ..., negatives column N]) -- i.e. [all B positives, then the first negative of
every query, then the second negative of every query, ...], B*(1+N) candidates -- times scale; cross entropy with
label i (the query's own positive), mean over queries. Every query therefore also sees the OTHER queries' hard
negatives. The loss value does not depend on the candidate order.

Gecko (written here, in torch): for query i, cosine s, temperature t, mean over i of
  L_i = -log( e^{s(q_i,p_i)/t}
              / ( sum_j e^{s(q_i,p_j)/t} + sum_{j!=i} e^{s(q_i,q_j)/t} + sum_n e^{s(q_i,neg_{i,n})/t} ) )
computed as cross entropy over the logits [s(q_i,p_0..p_{B-1}), s(q_i,q_0..q_{B-1}) with j=i set to -inf,
s(q_i,neg_{i,0..N-1})] / t with label i. Only query i's OWN hard negatives enter its denominator.

Matryoshka (MRL): the pooled and normalised embedding truncated to its first d values and renormalised (L2), the
inner loss on those, weighted sum over dims. sentence-transformers' MatryoshkaLoss does exactly this (it runs the
model once and re-truncates the cached output for each dim).

Optimizer, as the Hugging Face Trainer sets it up: torch.optim.AdamW (single-tensor reference implementation) with
two parameter groups, weight_decay 0.01 for every parameter except those whose name contains "bias" or "LayerNorm"
(weight_decay 0); betas (0.9, 0.999), eps 1e-8; lr 1e-3 (tiny) / 2e-5 (MiniLM);
transformers.get_linear_schedule_with_warmup(num_warmup_steps=1, num_training_steps=4), so the three steps run at
lr 0, lr, 2/3 lr. Per step: zero the gradients, recompute the loss on the SAME batch, backward,
torch.nn.utils.clip_grad_norm_(params, 1.0) (total L2 norm n over all gradients; if n > 1 every gradient is
multiplied by 1 / (n + 1e-6)), optimizer.step(), scheduler.step(). torch AdamW per parameter p, step t (counted
from 1, the lr-0 step included): p *= 1 - lr*wd; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). Parameters with zero gradient (e.g. the [PAD] embedding row,
which is nn.Embedding's padding_idx, or token type 1) still receive the weight decay. step_grad_norms are the
pre-clip total norms, computed in float64 from the float32 gradients.

Models: the tiny folder and all-MiniLM-L6-v2 are loaded with SentenceTransformer(dir,
model_kwargs={"add_pooling_layer": False}): mean pooling never reads BERT's pooler, so with a pooler its parameters
would get no gradient and clip_grad_norm_ / AdamW would skip them. Only embeddings.* and encoder.* are recorded
(plus 2_Dense/linear.* for tiny_dense). The weight-decay rule is by these names, so 2_Dense/linear.weight is decayed
and 2_Dense/linear.bias is not.

Things to know when comparing against these numbers:
  * d loss / d attention.self.key.bias is exactly 0 (the softmax over keys is shift-invariant). torch's value is
    rounding noise (~1e-10); AdamW turns it into an update of ~1e-6 in norm that no other implementation will
    reproduce. Compare key-bias gradients / updates with an absolute tolerance only.
  * AdamW is ill-conditioned where |g| is near eps = 1e-8: the update m / (sqrt(v) + eps) of such entries moves by
    up to ~2% of lr when the gradient changes at float32 rounding level (tiny_cached_mnrl vs tiny_mnrl: max
    |update difference| ~2e-5 at lr 1e-3, ~4e-4 relative in norm for some tensors).
  * float32 gradients here carry ~1e-5 relative error (tiny_mnrl float32 vs float64: 1.3e-5 worst tensor).

Checks (asserted): tiny_cached_mnrl equals tiny_mnrl: loss within 1e-6 relative and every gradient within 1e-5
relative in norm when both run in float64 (they agree to ~1e-14), and within 5e-5 in the float32 runs that are
recorded (the mini-batched forward sums in another order; float32's own error against float64 is the same size);
the ST MNRL / MatryoshkaLoss values equal an independent cross-entropy implementation; the Gecko cross-entropy
equals the explicit formula above (float64); a central finite-difference check in float64 of the Gecko and
Gecko-MRL gradients for 3 random parameter entries each of the tiny model; dropout is really off (two forward
passes agree exactly); the tiny tokenizer loaded by transformers gives the ids of the `tokenizers` object it was
built from; the recorded pre-clip norms equal what clip_grad_norm_ computed; fused AdamW (the Trainer's default,
adamw_torch_fused) gives the same 3-step update as the reference implementation (tiny_mnrl); the tiny_dense folder
loads as Transformer -> Pooling -> Dense(tanh) -> Normalize with exactly the generated weights; the tiny_dense_mnrl
loss equals an explicit computation (the Transformer's token embeddings -> masked mean -> tanh(W x + b) -> L2
normalise -> 20 * cosine -> cross entropy) in float32 (the recorded value) and float64 (1e-12 relative).

Everything is seeded; the float outputs are deterministic up to the CPU BLAS (same machine and thread count give
identical bytes). The committed fixtures were made with the default --threads 2; --threads 1 moves the float32
gradients at rounding level (~1e-5 relative), so every .safetensors file changes.

Run:
    HF_HUB_OFFLINE=1 ~/.cache/tessera-peers/bin/python Scripts/make_training_fixture.py [--minilm-dir DIR] \
        [--out-dir DIR] [--threads 2] [--minilm-rows 1]

--minilm-dir defaults to ~/.cache/tessera-peers/models/all-MiniLM-L6-v2.
"""

import argparse
import copy
import json
import math
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import sentence_transformers  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402
from sentence_transformers.models import Dense  # noqa: E402
try:  # sentence-transformers 6 (the reference env); 5.x (PyLate's env, which imports this file for build_tiny_model)
    from sentence_transformers.sentence_transformer import losses as st_losses  # noqa: E402
except ImportError:
    from sentence_transformers import losses as st_losses  # noqa: E402
from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors  # noqa: E402
from tokenizers.models import WordPiece  # noqa: E402
from transformers import AutoTokenizer, BertConfig, BertModel, get_linear_schedule_with_warmup  # noqa: E402

WEIGHT_SEED = 20261202  # SplitMix64 seed of the tiny model's weights (rebuilt by the Swift tests, never committed)
DENSE_SEED = 20261203   # SplitMix64 seed of the tiny_dense model's Dense weights (likewise)
DENSE_IN, DENSE_OUT = 32, 16
CHECK_SEED = 20240611   # choice of the finite-difference entries
DEFAULT_MINILM = os.path.expanduser("~/.cache/tessera-peers/models/all-MiniLM-L6-v2")
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "Tests/TesseraTrainingTests/Fixtures"
GENERATOR = "Scripts/make_training_fixture.py"
# The dtype the reference runs in (--reference-dtype): the model is loaded in float32, as Tessera holds it, then cast.
REFERENCE_DTYPE = torch.float32

TINY_MAX_LEN = 24
MINILM_MAX_LEN = 32
TINY_LR = 1e-3
MINILM_LR = 2e-5
BETAS = (0.9, 0.999)
EPS = 1e-8
WEIGHT_DECAY = 0.01
NO_DECAY = ["bias", "LayerNorm.weight"]   # as recorded; the test is: name contains "bias" or "LayerNorm"
WARMUP_STEPS = 1
TOTAL_STEPS = 4
STEPS = 3
MAX_GRAD_NORM = 1.0

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TINY_WORDS = """
the a of in is are and to on with from by it water light heat energy cell cells plant plants sun earth moon star
gas air rock ice cold hot fast slow small large moves grows makes needs sky blue green leaf root rain cloud wind
ocean salt sound wave metal iron magnet atom how what does melts
""".split()

TINY_CONFIG = dict(
    vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
    max_position_embeddings=48, type_vocab_size=2, layer_norm_eps=1e-12, hidden_act="gelu",
    hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1, position_embedding_type="absolute",
    initializer_range=0.02, pad_token_id=0,
)

# Batches. Texts outside the tiny vocabulary ("?", "need", "warm", ...) become [UNK]; the long tiny positive is
# cut at 24 tokens.
TINY_BATCH = {
    "queries": [
        "What makes the sky blue?",
        "How does Ice melt",
        "what does a plant root need",
        "How fast does sound move",
    ],
    "positives": [
        "Light from the sun moves in air and blue light is small in the sky",
        "Heat from the sun makes ice melts to water on a warm rock",
        "A plant root needs water and salt from the rock and the rain, and the leaf needs light and air from the "
        "sky to grow green and large in the sun",
        "Sound is a wave that moves fast in air and in water and in metal",
    ],
    "negatives": [
        ["Green plants need water and light from the sun"],
        ["Salt water in the ocean is cold and the wind moves it"],
        ["Iron metal is a magnet and an atom of iron is small"],
        ["A cloud makes rain when cold air moves over the ocean"],
    ],
}

TINY_BATCH_TWO_NEGATIVES = {
    "queries": [
        "What is a star",
        "how do cells grow",
        "What moves the wind",
    ],
    "positives": [
        "A star is a large hot ball of gas that makes light and heat",
        "Cells grow with energy from the sun in green plants",
        "Heat from the sun makes air move and the wind is air that moves",
    ],
    "negatives": [
        ["The moon is a cold rock that moves around the earth", "A magnet moves iron with a force"],
        ["Ice is cold water", "Sound waves move fast in metal"],
        ["Rain falls from a cloud", "An atom is small"],
    ],
}

MINILM_BATCH = {
    "queries": [
        "How do plants turn sunlight into chemical energy?",
        "What causes the seasons on Earth?",
        "Why does ice float on liquid water?",
        "How do vaccines train the immune system?",
    ],
    "positives": [
        "Photosynthesis in chloroplasts uses light energy to convert carbon dioxide and water into glucose, "
        "releasing oxygen as a byproduct.",
        "Earth's seasons arise from its axial tilt of about 23.5 degrees, which changes how directly sunlight "
        "strikes each hemisphere during the year.",
        "Water molecules form an open hexagonal lattice when they freeze, so ice is less dense than liquid water "
        "and floats on top.",
        "Vaccines expose the immune system to harmless antigens, prompting B cells to make antibodies and memory "
        "cells that respond quickly to later infection.",
    ],
    "negatives": [   # hard negatives: same topic, cosine to the query 0.49-0.66 under all-MiniLM-L6-v2
        ["Solar panels turn sunlight into electrical energy using silicon cells, unlike plants, which store the "
         "energy of light in sugar molecules."],
        ["Earth's distance from the Sun changes slightly over its elliptical orbit, but this variation is too small "
         "to cause the seasons."],
        ["Ice cubes melt faster in salt water than in fresh water because the salt lowers the freezing point of the "
         "water around them."],
        ["The immune system fights infection with white blood cells that engulf bacteria and viruses and release "
         "chemical signals."],
    ],
}

MNRL = {"kind": "mnrl", "scale": 20.0}
GECKO = {"kind": "gecko", "temperature": 0.05}

CASES = [
    dict(name="tiny_mnrl", model="tiny", loss=MNRL, cached=None, batch=TINY_BATCH),
    dict(name="tiny_mnrl_two_negatives", model="tiny", loss=MNRL, cached=None, batch=TINY_BATCH_TWO_NEGATIVES),
    dict(name="tiny_gecko", model="tiny", loss=GECKO, cached=None, batch=TINY_BATCH),
    dict(name="tiny_mrl", model="tiny", loss={"kind": "mrl", "inner": MNRL, "dims": [32, 16, 8],
                                              "weights": [1.0, 0.5, 0.25]}, cached=None, batch=TINY_BATCH),
    dict(name="tiny_cached_mnrl", model="tiny", loss=MNRL, cached=2, batch=TINY_BATCH),
    dict(name="tiny_gecko_mrl", model="tiny", loss={"kind": "mrl", "inner": GECKO, "dims": [32, 16],
                                                    "weights": [1.0, 1.0]}, cached=None, batch=TINY_BATCH),
    dict(name="minilm_mnrl", model="minilm", loss=MNRL, cached=None, batch=MINILM_BATCH),
    dict(name="minilm_gecko_mrl", model="minilm", loss={"kind": "mrl", "inner": GECKO, "dims": [384, 256, 128],
                                                        "weights": [1.0, 1.0, 1.0]}, cached=None,
         batch=MINILM_BATCH),
    # Last, so that every case above runs exactly as it did before this one existed.
    dict(name="tiny_dense_mnrl", model="tiny_dense", loss=MNRL, cached=None, batch=TINY_BATCH),
]
TINY_MODELS = ("tiny", "tiny_dense")


# --------------------------------------------------------------------------------------------------------------
# The tiny model
# --------------------------------------------------------------------------------------------------------------

def tiny_vocab():
    assert len(TINY_WORDS) == 59 and len(set(TINY_WORDS)) == 59, len(TINY_WORDS)
    assert all(w == w.lower() and w.isalpha() for w in TINY_WORDS)
    vocab = SPECIAL_TOKENS + TINY_WORDS
    assert len(vocab) == TINY_CONFIG["vocab_size"]
    return vocab


def build_tiny_tokenizer(vocab):
    tok = Tokenizer(WordPiece(vocab={t: i for i, t in enumerate(vocab)}, unk_token="[UNK]",
                              continuing_subword_prefix="##", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                                                lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab.index("[CLS]")), ("[SEP]", vocab.index("[SEP]"))])
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.add_special_tokens(SPECIAL_TOKENS)
    tok.no_truncation()
    tok.no_padding()
    assert [tok.token_to_id(t) for t in SPECIAL_TOKENS] == [0, 1, 2, 3, 4]
    return tok


def splitmix64(seed):
    """SplitMix64, as Tessera's SplitMix64 (TesseraKernels/Common): yields 64-bit integers."""
    state = seed & 0xFFFFFFFFFFFFFFFF
    mask = 0xFFFFFFFFFFFFFFFF
    while True:
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        yield z ^ (z >> 31)


def tiny_weights(names_and_shapes):
    """The tiny model's weights, from one SplitMix64 stream (seed WEIGHT_SEED) over the tensors in checkpoint order:
    x = 2u - 1 with u = (next >> 11) / 2^53; LayerNorm weights 1 + 0.1x, biases 0.1x, everything else 0.05x, each
    computed in double and rounded to float32. The Swift tests rebuild the same weights
    (TesseraTestSupport/TinyTrainingModel.swift), so no weight file is committed."""
    rng = splitmix64(WEIGHT_SEED)
    out = {}
    for name, shape in names_and_shapes:
        n = int(np.prod(shape))
        x = np.array([2.0 * ((next(rng) >> 11) * 2.0 ** -53) - 1.0 for _ in range(n)], dtype=np.float64)
        if "LayerNorm.weight" in name:
            v = 1.0 + 0.1 * x
        elif name.endswith("bias"):
            v = 0.1 * x
        else:
            v = 0.05 * x
        out[name] = torch.from_numpy(v.astype(np.float32).reshape(shape))
    return out


def tiny_dense_weights():
    """The tiny_dense model's Dense(32 -> 16, tanh) weights, from one SplitMix64 stream (seed DENSE_SEED = 20261203):
    first linear.weight ([16, 32], row-major: 512 values), then linear.bias (16 values); x = 2u - 1 with
    u = (next >> 11) / 2^53 as in tiny_weights; weight 0.25x, bias 0.1x, each computed in double and rounded to
    float32. The Swift tests rebuild the same weights, so no weight file is committed."""
    rng = splitmix64(DENSE_SEED)
    out = {}
    for name, shape, scale in (("linear.weight", (DENSE_OUT, DENSE_IN), 0.25), ("linear.bias", (DENSE_OUT,), 0.1)):
        n = int(np.prod(shape))
        x = np.array([2.0 * ((next(rng) >> 11) * 2.0 ** -53) - 1.0 for _ in range(n)], dtype=np.float64)
        out[name] = torch.from_numpy((scale * x).astype(np.float32).reshape(shape))
    return out


def build_tiny_model():
    config = BertConfig(**TINY_CONFIG)
    config.architectures = ["BertModel"]
    model = BertModel(config, add_pooling_layer=False).float()
    weights = tiny_weights([(n, tuple(p.shape)) for n, p in model.named_parameters()])
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(weights[name])
    return model


def to_json(obj, indent=0):
    """Indented JSON, with every list of numbers / strings / nulls on one line."""
    pad, pad1 = " " * indent, " " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{pad1}{json.dumps(k)}: {to_json(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(not isinstance(x, (dict, list, tuple)) for x in obj):
            return "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in obj) + "]"
        return "[\n" + ",\n".join(pad1 + to_json(x, indent + 1) for x in obj) + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False)


def write_json(path, obj):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(to_json(obj) + "\n")
    assert json.loads(Path(path).read_text(encoding="utf-8")) == json.loads(json.dumps(obj))


def write_tiny_folder(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "1_Pooling").mkdir(exist_ok=True)
    vocab = tiny_vocab()
    tok = build_tiny_tokenizer(vocab)
    model = build_tiny_model()

    tensors = {n: p.detach().contiguous().clone() for n, p in model.named_parameters()}
    assert all(n.startswith(("embeddings.", "encoder.")) for n in tensors), list(tensors)
    assert all(t.dtype == torch.float32 for t in tensors.values())
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    model.config.save_pretrained(str(folder))
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["model_type"] == "bert" and cfg["position_embedding_type"] == "absolute", cfg

    tok.save(str(folder / "tokenizer.json"))
    (folder / "vocab.txt").write_text("".join(t + "\n" for t in vocab), encoding="utf-8")
    write_json(folder / "tokenizer_config.json", {
        "tokenizer_class": "BertTokenizerFast", "do_lower_case": True, "model_max_length": 48,
        "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
        "mask_token": "[MASK]", "tokenize_chinese_chars": True, "strip_accents": None,
        "do_basic_tokenize": True, "never_split": None, "clean_up_tokenization_spaces": True,
    })
    write_json(folder / "special_tokens_map.json", {
        "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
        "mask_token": "[MASK]"})
    write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    write_json(folder / "sentence_bert_config.json", {"max_seq_length": 48, "do_lower_case": False})
    write_json(folder / "1_Pooling/config.json", {
        "word_embedding_dimension": 32, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False})
    return tok, tensors


def check_tiny_folder(folder, tok, tensors):
    """The folder loads as a SentenceTransformer with exactly our weights and tokenizer, and encodes."""
    hf_tok = AutoTokenizer.from_pretrained(str(folder))
    texts = [t for b in (TINY_BATCH, TINY_BATCH_TWO_NEGATIVES)
             for t in b["queries"] + b["positives"] + [n for negs in b["negatives"] for n in negs]]
    for t in texts + ["[MASK] the SKY, é", ""]:
        assert hf_tok(t)["input_ids"] == tok.encode(t).ids, (t, hf_tok(t)["input_ids"], tok.encode(t).ids)
    st = SentenceTransformer(str(folder), device="cpu")
    assert st.max_seq_length == 48, st.max_seq_length
    names = [type(m).__name__ for m in st]
    assert names == ["Transformer", "Pooling", "Normalize"], names
    # A plain load builds BertModel with its default pooler (randomly initialised, unused by mean pooling).
    loaded = {n: p for n, p in named_params(st).items() if not n.startswith("pooler.")}
    assert set(loaded) == set(tensors), set(loaded) ^ set(tensors)
    for n, t in tensors.items():
        assert torch.equal(loaded[n].detach(), t), n
    emb = st.encode(texts[:4], convert_to_tensor=True)
    assert emb.shape == (4, 32), emb.shape
    norms = emb.double().norm(dim=1)
    assert torch.allclose(norms, torch.ones_like(norms), atol=1e-6), norms
    print(f"tiny_bert loads as {names}; encode -> {tuple(emb.shape)}, unit norms; "
          f"{sum(t.numel() for t in tensors.values()):,} parameters in {len(tensors)} tensors")


def write_dense_folder(folder, tiny_dir):
    """The tiny_dense model, a temporary folder (it holds weights; deleted by main, never committed): a copy of
    tiny_bert (with its model.safetensors) whose pipeline is Transformer -> mean Pooling -> Dense(32 -> 16, bias,
    tanh) -> Normalize, with 2_Dense/config.json + 2_Dense/model.safetensors as Dense.save writes them."""
    assert (tiny_dir / "model.safetensors").is_file()
    shutil.copytree(tiny_dir, folder)
    write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
        {"idx": 3, "name": "3", "path": "3_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    w = tiny_dense_weights()
    dense = Dense(in_features=DENSE_IN, out_features=DENSE_OUT, bias=True, activation_function=torch.nn.Tanh(),
                  init_weight=w["linear.weight"].clone(), init_bias=w["linear.bias"].clone())
    (folder / "2_Dense").mkdir()
    dense.save(str(folder / "2_Dense"))
    return w


def check_dense_folder(folder, tensors, dense_w):
    """The tiny_dense folder loads as Transformer -> Pooling -> Dense(tanh) -> Normalize with exactly our weights."""
    st = SentenceTransformer(str(folder), device="cpu", model_kwargs={"add_pooling_layer": False})
    names = [type(m).__name__ for m in st]
    assert names == ["Transformer", "Pooling", "Dense", "Normalize"], names
    assert isinstance(st[2].activation_function, torch.nn.Tanh), st[2].activation_function
    assert (st[2].in_features, st[2].out_features, st[2].bias) == (DENSE_IN, DENSE_OUT, True)
    loaded = named_params(st)
    expect = dict(tensors)
    expect.update({f"2_Dense/{n}": t for n, t in dense_w.items()})
    assert list(loaded)[:len(tensors)] == list(tensors), list(loaded)
    assert set(loaded) == set(expect), set(loaded) ^ set(expect)
    for n, t in expect.items():
        assert torch.equal(loaded[n].detach(), t), n
    emb = st.encode(TINY_BATCH["queries"], convert_to_tensor=True)
    assert emb.shape == (4, DENSE_OUT), emb.shape
    norms = emb.double().norm(dim=1)
    assert torch.allclose(norms, torch.ones_like(norms), atol=1e-6), norms
    print(f"tiny_dense loads as {names}; encode -> {tuple(emb.shape)}, unit norms; Dense "
          f"{', '.join(f'{n} {list(t.shape)}' for n, t in dense_w.items())}")


# --------------------------------------------------------------------------------------------------------------
# Models, batches and losses
# --------------------------------------------------------------------------------------------------------------

def strip_name(name):
    for prefix in ("0.auto_model.", "0.model.", "auto_model.", "model."):
        if name.startswith(prefix):
            return name[len(prefix):]
    raise ValueError(f"unexpected parameter name {name}")


def named_params(st):
    """The parameters under the names the fixtures record: module 0's (the Transformer) without its prefix
    (embeddings.*, encoder.*; pooler.* on a plain load), any later module's as "<idx>_<Type>/<name inside the
    module>" -- the folder SentenceTransformer.save gives the module, a slash, then e.g. linear.weight
    (2_Dense/linear.weight). Pooling and Normalize have no parameters. Same order as st.named_parameters()."""
    out = {}
    for idx, module in st.named_children():
        for name, p in module.named_parameters():
            key = strip_name(f"{idx}.{name}") if idx == "0" else f"{idx}_{type(module).__name__}/{name}"
            assert key not in out, key
            out[key] = p
    order = [p for _, p in st.named_parameters()]
    assert len(order) == len(out) and all(a is b for a, b in zip(out.values(), order))
    return out


def load_st(model_dir, max_len):
    """The model for a case: no pooler (mean pooling never uses it; with a pooler its parameters would get no
    gradient, so clip_grad_norm_ and AdamW would skip them and nothing would change), dropout off, train mode."""
    st = SentenceTransformer(str(model_dir), device="cpu", model_kwargs={"add_pooling_layer": False})
    st.max_seq_length = max_len
    n_dropout = 0
    for m in st.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
            n_dropout += 1
    assert n_dropout > 0
    st.train()
    for n, p in named_params(st).items():
        assert p.dtype == torch.float32 and p.requires_grad, n
    return st


def columns(batch):
    n_neg = len(batch["negatives"][0])
    assert all(len(negs) == n_neg for negs in batch["negatives"])
    assert len(batch["queries"]) == len(batch["positives"]) == len(batch["negatives"])
    cols = [batch["queries"], batch["positives"]]
    cols += [[negs[k] for negs in batch["negatives"]] for k in range(n_neg)]
    return cols


def make_features(st, batch):
    """One feature dict per column, built fresh each time (the model writes its outputs into the dicts)."""
    return [st.preprocess(col) for col in columns(batch)]


def seen_ids(features):
    """Token ids of each text as the model saw them (attention mask 1; right padding)."""
    out = []
    for f in features:
        ids, mask = f["input_ids"], f["attention_mask"].bool()
        assert not (mask[:, 1:] & ~mask[:, :-1]).any(), "expected right padding"
        out.append([ids[i][mask[i]].tolist() for i in range(ids.shape[0])])
    return out


def embed(st, features):
    return [st(f)["sentence_embedding"] for f in features]


def shrink(x, dim):
    return F.normalize(x[..., :dim], p=2, dim=-1)


def gecko_single(q, p, negs, temperature):
    """Gecko loss on one set of embeddings; negs is a list of N tensors [B, d] (column k = k-th negatives)."""
    q, p = F.normalize(q, dim=-1), F.normalize(p, dim=-1)
    negs = [F.normalize(n, dim=-1) for n in negs]
    b = q.shape[0]
    s_qp = q @ p.T
    s_qq = (q @ q.T).masked_fill(torch.eye(b, dtype=torch.bool), float("-inf"))
    s_qn = torch.stack([(q * n).sum(dim=-1) for n in negs], dim=1)
    logits = torch.cat([s_qp, s_qq, s_qn], dim=1) / temperature
    return F.cross_entropy(logits, torch.arange(b))


def gecko_explicit(q, p, negs, temperature):
    """The formula of the docstring written out term by term (float64, for the check)."""
    q, p = F.normalize(q.double(), dim=-1), F.normalize(p.double(), dim=-1)
    negs = [F.normalize(n.double(), dim=-1) for n in negs]
    b = q.shape[0]
    total = 0.0
    for i in range(b):
        e = lambda u, v: math.exp(float(u @ v) / temperature)  # noqa: E731
        num = e(q[i], p[i])
        den = sum(e(q[i], p[j]) for j in range(b))
        den += sum(e(q[i], q[j]) for j in range(b) if j != i)
        den += sum(e(q[i], n[i]) for n in negs)
        total += -math.log(num / den)
    return total / b


def mnrl_single(q, p, negs, scale):
    """Independent MNRL: candidates [all positives, first negatives, second negatives, ...]."""
    cands = F.normalize(torch.cat([p] + list(negs), dim=0), dim=-1)
    logits = scale * (F.normalize(q, dim=-1) @ cands.T)
    return F.cross_entropy(logits, torch.arange(q.shape[0]))


def reference_loss(embs, spec):
    """Loss from embeddings [q, p, neg_1, ...] by the written-out formulas (Gecko's is THE implementation)."""
    q, p, negs = embs[0], embs[1], embs[2:]
    if spec["kind"] == "mrl":
        return sum(w * reference_loss([shrink(e, d) for e in embs], spec["inner"])
                   for d, w in zip(spec["dims"], spec["weights"]))
    if spec["kind"] == "gecko":
        return gecko_single(q, p, negs, spec["temperature"])
    if spec["kind"] == "mnrl":
        return mnrl_single(q, p, negs, spec["scale"])
    raise ValueError(spec)


def build_loss(st, spec, cached):
    """A callable features -> scalar loss tensor."""
    def st_inner(inner):
        assert inner["kind"] == "mnrl"
        if cached is not None:
            return st_losses.CachedMultipleNegativesRankingLoss(st, scale=inner["scale"], mini_batch_size=cached)
        return st_losses.MultipleNegativesRankingLoss(st, scale=inner["scale"])

    kind = spec["kind"]
    inner_kind = spec["inner"]["kind"] if kind == "mrl" else kind
    if inner_kind == "mnrl":
        if kind == "mrl":
            loss = st_losses.MatryoshkaLoss(st, st_inner(spec["inner"]), matryoshka_dims=spec["dims"],
                                            matryoshka_weights=spec["weights"])
        else:
            loss = st_inner(spec)
        return lambda features: loss(features, None)
    assert inner_kind == "gecko" and cached is None
    return lambda features: reference_loss(embed(st, features), spec)


# --------------------------------------------------------------------------------------------------------------
# One case: loss, gradients, 3 AdamW steps
# --------------------------------------------------------------------------------------------------------------

def total_norm64(tensors):
    return math.sqrt(sum(float(t.double().pow(2).sum()) for t in tensors))


def run_case(case, model_dir, max_len, lr):
    st = load_st(model_dir, max_len).to(REFERENCE_DTYPE)
    params = named_params(st)
    init = {n: p.detach().clone() for n, p in params.items()}
    loss_fn = build_loss(st, case["loss"], case["cached"])

    features = make_features(st, case["batch"])
    ids = seen_ids(features)
    assert all(len(x) <= max_len for col in ids for x in col)

    # Dropout off: two forward passes in train mode agree exactly, and the ST loss equals the formulas.
    with torch.no_grad():
        e1 = embed(st, make_features(st, case["batch"]))
        e2 = embed(st, make_features(st, case["batch"]))
        assert all(torch.equal(a, b) for a, b in zip(e1, e2)), "dropout is not off"
        ref = float(reference_loss(e1, case["loss"]))

    decay = [p for n, p in params.items() if not ("bias" in n or "LayerNorm" in n)]
    no_decay = [p for n, p in params.items() if ("bias" in n or "LayerNorm" in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=lr, betas=BETAS, eps=EPS, foreach=False)
    sched = get_linear_schedule_with_warmup(opt, num_warmup_steps=WARMUP_STEPS, num_training_steps=TOTAL_STEPS)

    step_losses, step_lrs, step_norms = [], [], []
    grads0 = None
    for step in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(make_features(st, case["batch"]))
        loss.backward()
        grads = {n: (p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p))
                 for n, p in params.items()}
        if step == 0:
            grads0 = grads
            loss0 = float(loss.detach())
        norm64 = total_norm64(grads.values())
        norm_torch = float(torch.nn.utils.clip_grad_norm_(list(params.values()), MAX_GRAD_NORM))
        assert abs(norm_torch - norm64) <= 1e-5 * norm64, (norm_torch, norm64)
        step_losses.append(float(loss.detach()))
        step_lrs.append(float(opt.param_groups[0]["lr"]))
        assert opt.param_groups[1]["lr"] == opt.param_groups[0]["lr"]
        step_norms.append(norm64)
        opt.step()
        sched.step()

    assert abs(ref - loss0) <= 1e-6 + 1e-5 * abs(loss0), (case["name"], ref, loss0)
    updates = {n: (p.detach().double() - init[n].double()) for n, p in params.items()}
    return dict(st=st, params=init, ids=ids, loss=loss0, ref_loss=ref, grads=grads0, updates=updates,
                step_losses=step_losses, step_lrs=step_lrs, step_norms=step_norms)


def minilm_rows(name, shape, batch_token_ids, n_rows):
    """Rows stored of a MiniLM tensor (None: stored in full)."""
    if len(shape) != 2:
        return None
    if name == "embeddings.word_embeddings.weight":
        return batch_token_ids
    if name in ("embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight"):
        return list(range(min(8, shape[0])))
    return list(range(min(n_rows, shape[0])))


def save_tensors(path, tensors, rows):
    out = {}
    for n, t in tensors.items():
        t = t.to(torch.float32)
        if n in rows:
            t = t[torch.tensor(rows[n], dtype=torch.long)]
        out[n] = t.contiguous()
    save_file(out, str(path), metadata={"generator": GENERATOR})


# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------

def loss_and_grads(model_dir, max_len, case, dtype):
    st = load_st(model_dir, max_len).to(dtype)
    loss = build_loss(st, case["loss"], case["cached"])(make_features(st, case["batch"]))
    loss.backward()
    return float(loss.detach()), {n: p.grad.detach().double().clone() for n, p in named_params(st).items()}


def compare_grads(a, b, rel_tol, label):
    """Worst per-tensor ||a - b|| / ||a||. Attention key biases are skipped: d loss / d key bias is exactly 0
    (the softmax over keys is shift-invariant), so what torch computes there is rounding noise (~1e-10 in float32)
    that differs between any two equivalent computations; only check that it stays noise."""
    worst, noise = 0.0, []
    for n, g in a.items():
        gn, diff = float(g.norm()), float((b[n] - g).norm())
        if gn == 0.0:
            assert diff <= 1e-12, (label, n, diff)
            continue
        if n.endswith("attention.self.key.bias") and gn < 1e-8:
            assert diff < 1e-8, (label, n, diff, gn)
            noise.append(n)
            continue
        worst = max(worst, diff / gn)
        assert diff <= rel_tol * gn, (label, n, diff, gn)
    return worst, noise


def check_cached_equals_plain(plain, cached, tiny_dir):
    """tiny_cached_mnrl == tiny_mnrl: loss within 1e-6 relative, gradients within 1e-5 relative in norm.

    In float64 (both models cast to double) the two agree to rounding (~1e-12). In float32 the mini-batched
    GradCache forward/backward (mini-batches of 2, trailing padding trimmed per mini-batch) sums in a different
    order, which moves some gradients by ~1e-5 relative -- the same size as float32's own error against float64 --
    so the float32 comparison is asserted at 5e-5."""
    case_plain = next(c for c in CASES if c["name"] == "tiny_mnrl")
    case_cached = next(c for c in CASES if c["name"] == "tiny_cached_mnrl")
    l64, g64 = loss_and_grads(tiny_dir, TINY_MAX_LEN, case_plain, torch.float64)
    l64c, g64c = loss_and_grads(tiny_dir, TINY_MAX_LEN, case_cached, torch.float64)
    assert abs(l64c - l64) <= 1e-6 * abs(l64), (l64, l64c)
    worst64, _ = compare_grads(g64, g64c, 1e-5, "float64 cached vs plain")
    print(f"tiny_cached_mnrl vs tiny_mnrl in float64: loss rel diff {abs(l64c - l64) / abs(l64):.2e}, "
          f"worst gradient rel diff {worst64:.2e}")
    f32err, _ = compare_grads(g64, {n: g.double() for n, g in plain["grads"].items()}, 1e-3, "float32 vs float64")

    rel = abs(cached["loss"] - plain["loss"]) / abs(plain["loss"])
    assert rel <= 1e-6, (plain["loss"], cached["loss"])
    pg = {n: g.double() for n, g in plain["grads"].items()}
    worst, noise = compare_grads(pg, {n: g.double() for n, g in cached["grads"].items()}, 5e-5,
                                 "float32 cached vs plain")
    for a, b in zip(plain["step_losses"], cached["step_losses"]):
        assert abs(a - b) <= 1e-5 * abs(a), (plain["step_losses"], cached["step_losses"])
    upd = max(float((cached["updates"][n] - u).norm()) / max(float(u.norm()), 1e-30)
              for n, u in plain["updates"].items() if n not in noise)
    print(f"tiny_cached_mnrl vs tiny_mnrl in float32: loss rel diff {rel:.2e}, worst gradient rel diff "
          f"{worst:.2e} (float32 tiny_mnrl vs float64: {f32err:.2e}), worst update rel diff {upd:.2e} "
          f"(not counting {noise}: their gradient is rounding noise, exactly 0 in exact arithmetic)")


def check_gecko_formula_and_fd(tiny_dir, seed):
    """Gecko in float64: CE form == explicit formula; autograd == central finite differences."""
    st = load_st(tiny_dir, TINY_MAX_LEN)
    st64 = copy.deepcopy(st).double()
    params = named_params(st64)
    rng = random.Random(seed)
    for spec in (GECKO, {"kind": "mrl", "inner": GECKO, "dims": [32, 16], "weights": [1.0, 1.0]}):
        def loss_of():
            return reference_loss(embed(st64, make_features(st64, TINY_BATCH)), spec)

        with torch.no_grad():
            embs = embed(st64, make_features(st64, TINY_BATCH))
            assert embs[0].dtype == torch.float64
            if spec["kind"] == "gecko":
                explicit = gecko_explicit(embs[0], embs[1], embs[2:], spec["temperature"])
            else:
                explicit = sum(w * gecko_explicit(*[shrink(e, d) for e in embs[:2]],
                                                  [shrink(e, d) for e in embs[2:]], GECKO["temperature"])
                               for d, w in zip(spec["dims"], spec["weights"]))
            ce = float(reference_loss(embs, spec))
        assert abs(ce - explicit) <= 1e-12 * abs(explicit), (ce, explicit)

        st64.zero_grad(set_to_none=True)
        loss = loss_of()
        loss.backward()
        names = sorted(params)
        checked = []
        while len(checked) < 3:
            n = rng.choice(names)
            p = params[n]
            idx = tuple(rng.randrange(s) for s in p.shape)
            g = float(p.grad[idx])
            if abs(g) < 1e-3:      # e.g. the [PAD] row, an unused position, a key bias: draw again
                continue
            h = 1e-6
            with torch.no_grad():
                orig = float(p[idx])
                p[idx] = orig + h
                lp = float(loss_of())
                p[idx] = orig - h
                lm = float(loss_of())
                p[idx] = orig
            fd = (lp - lm) / (2 * h)
            assert abs(fd - g) <= 1e-8 + 1e-5 * abs(g), (n, idx, fd, g)
            checked.append((n, idx, g, fd))
        label = "gecko" if spec["kind"] == "gecko" else "gecko_mrl[32,16]"
        print(f"{label}: float64 loss {ce:.12f} (explicit formula {explicit:.12f}); finite differences:")
        for n, idx, g, fd in checked:
            print(f"  {n}{list(idx)}: autograd {g:+.10e}  fd {fd:+.10e}  rel diff {abs(fd - g) / abs(g):.1e}")


def dense_mnrl_explicit(st, features, dense_w, scale):
    """MNRL of the tiny_dense model written out without sentence-transformers' Pooling / Dense / Normalize / loss:
    the Transformer's token embeddings, mean over the attention mask, tanh(W x + b) with dense_w, L2-normalised,
    cosine of each query with [all positives, then each negatives column] times scale, cross entropy with label i."""
    w = dense_w["linear.weight"].to(next(st[0].parameters()).dtype)
    b = dense_w["linear.bias"].to(w.dtype)
    embs = []
    for f in features:
        tokens = st[0](dict(f))["token_embeddings"]
        mask = f["attention_mask"].to(tokens.dtype).unsqueeze(-1)
        pooled = (tokens * mask).sum(dim=1) / mask.sum(dim=1)
        h = torch.tanh(pooled @ w.T + b)
        embs.append(h / h.norm(dim=-1, keepdim=True))
    q, cands = embs[0], torch.cat(embs[1:], dim=0)
    logits = scale * (q @ cands.T)
    return -torch.log_softmax(logits, dim=1).diagonal().mean()


def check_dense_mnrl(case, dense_dir, dense_w, result):
    """tiny_dense_mnrl: sentence-transformers' MNRL through the Dense module equals dense_mnrl_explicit, in float32
    (the recorded loss) and in float64."""
    scale = case["loss"]["scale"]
    st = load_st(dense_dir, TINY_MAX_LEN)
    with torch.no_grad():
        explicit32 = float(dense_mnrl_explicit(st, make_features(st, case["batch"]), dense_w, scale))
    assert abs(explicit32 - result["loss"]) <= 1e-6 + 1e-5 * abs(result["loss"]), (explicit32, result["loss"])
    st64 = copy.deepcopy(st).double()
    loss_fn = build_loss(st64, case["loss"], case["cached"])
    with torch.no_grad():
        st_loss64 = float(loss_fn(make_features(st64, case["batch"])))
        explicit64 = float(dense_mnrl_explicit(st64, make_features(st64, case["batch"]), dense_w, scale))
    assert abs(explicit64 - st_loss64) <= 1e-12 * abs(st_loss64), (explicit64, st_loss64)
    assert abs(st_loss64 - result["loss"]) <= 1e-5 * abs(st_loss64), (st_loss64, result["loss"])
    print(f"{case['name']}: ST MNRL {result['loss']:.10f} vs explicit pooled -> tanh(Wx+b) -> normalise -> "
          f"20 cos -> CE {explicit32:.10f} (float32); float64 {st_loss64:.14f} vs {explicit64:.14f}")


def check_adamw_fused(case, tiny_dir, result):
    """The HF Trainer's default optimizer is adamw_torch_fused: it gives the same update as foreach=False (both run in
    the reference dtype)."""
    st = load_st(tiny_dir, TINY_MAX_LEN).to(REFERENCE_DTYPE)
    params = named_params(st)
    init = {n: p.detach().clone() for n, p in params.items()}
    loss_fn = build_loss(st, case["loss"], case["cached"])
    decay = [p for n, p in params.items() if not ("bias" in n or "LayerNorm" in n)]
    no_decay = [p for n, p in params.items() if ("bias" in n or "LayerNorm" in n)]
    try:
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                                 {"params": no_decay, "weight_decay": 0.0}],
                                lr=TINY_LR, betas=BETAS, eps=EPS, fused=True)
    except (RuntimeError, ValueError) as e:
        print(f"fused AdamW unavailable ({e}); skipped")
        return
    sched = get_linear_schedule_with_warmup(opt, num_warmup_steps=WARMUP_STEPS, num_training_steps=TOTAL_STEPS)
    for _ in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss_fn(make_features(st, case["batch"])).backward()
        torch.nn.utils.clip_grad_norm_(list(params.values()), MAX_GRAD_NORM)
        opt.step()
        sched.step()
    worst = 0.0
    for n, p in params.items():
        u = p.detach().double() - init[n].double()
        ref = result["updates"][n]
        diff, size = float((u - ref).norm()), float(ref.norm())
        if n.endswith("attention.self.key.bias"):
            continue
        worst = max(worst, diff / size)
    assert worst < 1e-4, worst
    print(f"{case['name']}: fused AdamW vs foreach=False: worst update rel diff {worst:.2e}")


# --------------------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minilm-dir", default=DEFAULT_MINILM)
    ap.add_argument("--out-dir", default=str(DEFAULT_OUT_DIR))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--minilm-rows", type=int, default=1,
                    help="rows 0..R-1 of each MiniLM weight matrix to store (default 1 keeps all fixtures near "
                         "3 MB: every extra row costs ~83 kB per MiniLM file, 4 files; 8 gives ~5.2 MB)")
    ap.add_argument("--reference-dtype", choices=["float32", "float64"], default="float32",
                    help="what the recorded cases run in. float32 (default, committed): torch's own float32 run, "
                         "whose weights hold each update rounded to float32 as Tessera's do. float64 is a diagnostic: "
                         "it removes torch's rounding, but not Tessera's, so the 3-step updates of weights near 1 "
                         "(LayerNorm gains) then differ by about one float32 ulp of the weight per update, ~1e-3 "
                         "relative for MiniLM at lr 2e-5, whatever the kernels")
    args = ap.parse_args()
    global REFERENCE_DTYPE
    REFERENCE_DTYPE = torch.float64 if args.reference_dtype == "float64" else torch.float32

    torch.set_num_threads(args.threads)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tiny_dir = out_dir / "tiny_bert"
    minilm_dir = Path(args.minilm_dir)

    tok, tiny_tensors = write_tiny_folder(tiny_dir)
    check_tiny_folder(tiny_dir, tok, tiny_tensors)
    written = [p for p in sorted(tiny_dir.rglob("*")) if p.is_file()]

    # The tiny_dense model holds weights: it lives in a temporary directory outside the fixtures, removed at the end.
    tmp_root = Path(tempfile.mkdtemp(prefix="tessera_tiny_dense_"))
    try:
        dense_dir = tmp_root / "tiny_dense"
        dense_w = write_dense_folder(dense_dir, tiny_dir)
        check_dense_folder(dense_dir, tiny_tensors, dense_w)
        model_dirs = {"tiny": tiny_dir, "tiny_dense": dense_dir, "minilm": minilm_dir}
        run_cases(args, out_dir, model_dirs, dense_w, written)
    finally:
        shutil.rmtree(tmp_root)
    assert not tmp_root.exists()

    # The weights are rebuilt from WEIGHT_SEED by the tests: no weight file is committed.
    (tiny_dir / "model.safetensors").unlink()
    written = [p for p in written if p.name != "model.safetensors"]
    assert not any(p.name == "model.safetensors" for p in out_dir.rglob("*")), "a weight file is left in the fixtures"
    total = 0
    for p in written:
        size = p.stat().st_size
        total += size
        print(f"  {p.relative_to(REPO_ROOT) if p.is_relative_to(REPO_ROOT) else p}: {size:,} bytes")
    print(f"  total: {total:,} bytes ({total / 2**20:.2f} MiB)")


def run_cases(args, out_dir, model_dirs, dense_w, written):
    """Every case: run, check, write its two .safetensors files; then cases.json. Appends the files to written."""
    tiny_dir = model_dirs["tiny"]
    records, results = [], {}
    for case in CASES:
        tiny = case["model"] in TINY_MODELS
        model_dir = model_dirs[case["model"]]
        max_len, lr = (TINY_MAX_LEN, TINY_LR) if tiny else (MINILM_MAX_LEN, MINILM_LR)
        r = run_case(case, model_dir, max_len, lr)
        results[case["name"]] = r
        if case["name"] == "tiny_cached_mnrl":
            check_cached_equals_plain(results["tiny_mnrl"], r, tiny_dir)
        if case["name"] == "tiny_mnrl":
            check_adamw_fused(case, tiny_dir, r)
        if case["name"] == "tiny_dense_mnrl":
            check_dense_mnrl(case, model_dir, dense_w, r)

        rows = {}
        if not tiny:
            feats = make_features(r["st"], case["batch"])
            batch_ids = sorted({int(i) for f in feats for i in f["input_ids"].flatten().tolist()})
            for n, t in r["params"].items():
                sel = minilm_rows(n, tuple(t.shape), batch_ids, args.minilm_rows)
                if sel is not None:
                    rows[n] = sel
        grad_file, update_file = f"{case['name']}.grad.safetensors", f"{case['name']}.update.safetensors"
        save_tensors(out_dir / grad_file, r["grads"], rows)
        save_tensors(out_dir / update_file, r["updates"], rows)
        written += [out_dir / grad_file, out_dir / update_file]

        # The saved tensors read back as what they should be.
        back = load_file(str(out_dir / grad_file))
        assert set(back) == set(r["params"])
        for n, t in back.items():
            expect = r["grads"][n] if n not in rows else r["grads"][n][torch.tensor(rows[n])]
            assert torch.equal(t, expect.float()), n

        b = case["batch"]
        ids = r["ids"]
        rec = {
            "name": case["name"], "model": case["model"], "loss": case["loss"],
            "cached_mini_batch_size": case["cached"], "max_length": max_len,
            "batch": {
                "queries": b["queries"], "positives": b["positives"], "negatives": b["negatives"],
                "query_ids": ids[0], "positive_ids": ids[1],
                "negative_ids": [[ids[2 + k][i] for k in range(len(b["negatives"][i]))]
                                 for i in range(len(b["queries"]))],
            },
            "loss_value": r["loss"],
            "grad_file": grad_file, "update_file": update_file,
        }
        if rows:
            rec["rows"] = rows
        rec["grad_norms"] = {n: float(g.double().norm()) for n, g in r["grads"].items()}
        rec["update_norms"] = {n: float(u.norm()) for n, u in r["updates"].items()}
        rec["optimizer"] = {"lr": lr, "betas": list(BETAS), "eps": EPS, "weight_decay": WEIGHT_DECAY,
                            "no_decay": NO_DECAY, "warmup_steps": WARMUP_STEPS, "total_steps": TOTAL_STEPS,
                            "steps": STEPS, "max_grad_norm": MAX_GRAD_NORM}
        rec["step_losses"] = r["step_losses"]
        rec["step_lrs"] = r["step_lrs"]
        rec["step_grad_norms"] = r["step_norms"]
        records.append(rec)
        n_unk = sum(x.count(1) for col in ids for x in col) if tiny else 0
        n_cut = sum(len(x) == max_len for col in ids for x in col)
        print(f"{case['name']:24s} loss {r['loss']:.8f} (formula {r['ref_loss']:.8f})  step losses "
              f"{[round(x, 6) for x in r['step_losses']]}  step lrs {r['step_lrs']}  pre-clip norms "
              f"{[round(x, 6) for x in r['step_norms']]}  [UNK]s {n_unk}, texts at max_length {n_cut}")
        del r["st"]

    check_gecko_formula_and_fd(tiny_dir, CHECK_SEED)

    cases_path = out_dir / "cases.json"
    write_json(cases_path, {
        "generator": GENERATOR, "reference_dtype": str(REFERENCE_DTYPE).replace("torch.", ""), "torch": torch.__version__, "sentence_transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__,
        "models": {"tiny": "tiny_bert", "minilm": "all-MiniLM-L6-v2 (sentence-transformers/all-MiniLM-L6-v2)"},
        "cases": records,
    })
    written.append(cases_path)


if __name__ == "__main__":
    sys.exit(main())
