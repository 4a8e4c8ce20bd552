"""Checks that a model folder written by `tessera train` is a sentence-transformers model, and records what
sentence-transformers encodes with it.

Trains the tiny BERT of Tests/TesseraTrainingTests/Fixtures/tiny_bert (its weights rebuilt from the seed of
Scripts/make_training_fixture.py, as the Swift tests rebuild them) on the committed
Fixtures/tiny_train.jsonl with `tessera train` (3 epochs, batch 8, lr 1e-3, dropout 0.1, seed 42, 2 threads),
loads the output folder with `SentenceTransformer(folder)` and writes the vectors it encodes for a few texts to
Fixtures/st_load_vectors.json. The Swift test (TrainedFolderTests) runs the same training in-process and checks
that Tessera's vectors of the trained model match these (cosine >= 0.99999).

Rerun (after `swift build -c release`):
    ~/.cache/tessera-peers/bin/python Scripts/make_st_load_fixture.py
"""
import argparse, json, os, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "Tests/TesseraTrainingTests/Fixtures")
TEXTS = ["the sun heats the earth", "how does ice melt", "plants need water and light",
         "a magnet moves iron", "what is a sound wave", "cold wind from the ocean"]
ARGS = ["--batch-size", "8", "--epochs", "3", "--lr", "1e-3", "--dropout", "0.1", "--seed", "42", "--threads", "2", "--quiet"]

ap = argparse.ArgumentParser()
ap.add_argument("--tessera", default=os.path.join(ROOT, ".build/release/tessera"))
a = ap.parse_args()

os.environ["HF_HUB_OFFLINE"] = "1"
from sentence_transformers import SentenceTransformer
import sentence_transformers

sys.path.insert(0, os.path.join(ROOT, "Scripts"))
from make_training_fixture import build_tiny_model  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

work = tempfile.mkdtemp()
tiny = os.path.join(work, "tiny_bert")
shutil.copytree(os.path.join(FIX, "tiny_bert"), tiny)
save_file({n: p.detach().contiguous() for n, p in build_tiny_model().named_parameters()},
          os.path.join(tiny, "model.safetensors"), metadata={"format": "pt"})
out = os.path.join(work, "trained")
subprocess.run([a.tessera, "train", "--model", tiny, "--data", os.path.join(FIX, "tiny_train.jsonl"),
                "--out", out] + ARGS, check=True)
model = SentenceTransformer(out, device="cpu")
vectors = model.encode(TEXTS, normalize_embeddings=False, convert_to_numpy=True)
with open(os.path.join(FIX, "st_load_vectors.json"), "w") as f:
    json.dump({"generator": "Scripts/make_st_load_fixture.py", "sentence_transformers": sentence_transformers.__version__,
               "train_arguments": ARGS, "texts": TEXTS, "vectors": [[float(x) for x in v] for v in vectors]}, f, indent=1)
print("modules:", [type(m).__name__ for m in model], "dimension", vectors.shape)
