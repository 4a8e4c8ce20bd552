"""Checks that a multi-vector model folder written by `tessera train --loss xtr` is a PyLate ColBERT model, and records
the token vectors PyLate encodes with it.

Trains the tiny BERT of Tests/TesseraTrainingTests/Fixtures/tiny_bert (weights rebuilt from the seed of
Scripts/make_training_fixture.py) on Fixtures/tiny_train.jsonl with `tessera train --loss xtr` (the settings of
MultiVectorFolderTests: batch 8, 2 epochs, lr 1e-3, dropout 0.1, seed 42, k_train 16, a new 12-dim token head, query and
document budgets 16 and 24, 2 threads), loads the output folder with `pylate.models.ColBERT(folder)` and writes the
token vectors it encodes for a few texts, as queries and as documents, to Fixtures/pylate_load_vectors.json. The Swift
test runs the same training in-process and checks that Tessera's token vectors match (cosine >= 0.99999 per token).

Rerun (after `swift build -c release`; PyLate lives in the second peer env, ../shared/peers/setup-extra.sh plaid):
    ~/.cache/tessera-peers-plaid/bin/python Scripts/make_pylate_load_fixture.py
"""
import argparse, json, os, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "Tests/TesseraTrainingTests/Fixtures")
TEXTS = ["the sun heats the earth", "how does ice melt", "plants need water and light", "a magnet moves iron"]
ARGS = ["--loss", "xtr", "--dim", "12", "--k-train", "16", "--batch-size", "8", "--epochs", "2", "--lr", "1e-3",
        "--dropout", "0.1", "--seed", "42", "--query-max-length", "16", "--max-length", "24", "--threads", "2", "--quiet"]

ap = argparse.ArgumentParser()
ap.add_argument("--tessera", default=os.path.join(ROOT, ".build/release/tessera"))
a = ap.parse_args()

os.environ["HF_HUB_OFFLINE"] = "1"
import pylate
from pylate import models

sys.path.insert(0, os.path.join(ROOT, "Scripts"))
from make_training_fixture import build_tiny_model  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

work = tempfile.mkdtemp()
tiny = os.path.join(work, "tiny_bert")
shutil.copytree(os.path.join(FIX, "tiny_bert"), tiny)
save_file({n: p.detach().contiguous() for n, p in build_tiny_model().named_parameters()},
          os.path.join(tiny, "model.safetensors"), metadata={"format": "pt"})
out = os.path.join(work, "trained")
subprocess.run([a.tessera, "train", "--model", tiny, "--data", os.path.join(FIX, "tiny_train.jsonl"), "--out", out] + ARGS,
               check=True)
model = models.ColBERT(model_name_or_path=out, device="cpu")
assert model.query_prefix == "" and model.document_prefix == "" and not model.do_query_expansion, vars(model)
assert len(model.tokenizer) == 64, "PyLate added tokens to the vocabulary"
record = {"generator": "Scripts/make_pylate_load_fixture.py", "pylate": pylate.__version__, "train_arguments": ARGS,
          "texts": TEXTS, "modules": [type(m).__name__ for m in model]}
for role, is_query in (("queries", True), ("documents", False)):
    vectors = model.encode(TEXTS, is_query=is_query, convert_to_numpy=True)
    record[role] = [[[float(x) for x in token] for token in v] for v in vectors]
with open(os.path.join(FIX, "pylate_load_vectors.json"), "w") as f:
    json.dump(record, f, indent=1)
print("modules:", record["modules"], "tokens per text", [len(v) for v in record["queries"]], [len(v) for v in record["documents"]])
shutil.rmtree(work)
