"""Records how PyLate encodes queries and documents with ColBERT's marker tokens, query expansion and the document
skiplist, so that Tessera's token paths can be checked against it (Tests/TesseraModelsTests/PyLateMarkerTests.swift).

For each case, builds a PyLate ColBERT model on all-MiniLM-L6-v2 with the case's settings (marker tokens [unused0] /
[unused1], which the vocabulary has, so PyLate adds no token; small query and document budgets), replaces the new
projection's random weights by a formula the Swift test computes too (W[o][i] = sin(0.7 o + 1.3 i + 0.1) / sqrt(in),
float64 then float32), saves the folder and records: the folder's config_sentence_transformers.json, modules.json and
1_Dense/config.json as PyLate wrote them, the input ids PyLate's tokenize gives every text as a query and as a
document, and the token vectors PyLate's encode returns (queries keep every token; documents leave out padding and the
skiplist's tokens).

Rerun (PyLate lives in the second peer env, ../shared/peers/setup-extra.sh plaid):
    ~/.cache/tessera-peers-plaid/bin/python Scripts/make_pylate_markers_fixture.py [--model DIR]
"""
import argparse, json, math, os, shutil, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests/TesseraModelsTests/Fixtures/pylate_markers.json")
TEXTS = ["What is the capital of France?", "Paris, the capital, has 2.1 million people (2023).",
         "a short one", "Glucose-6-phosphate dehydrogenase deficiency: symptoms, causes & treatment!"]
CASES = {
    "expansion": dict(query_prefix="[unused0]", document_prefix="[unused1]", query_length=16, document_length=20,
                      attend_to_expansion_tokens=False),
    "expansion_attended": dict(query_prefix="[unused0]", document_prefix="[unused1]", query_length=16,
                               document_length=20, attend_to_expansion_tokens=True),
    "no_expansion_custom_skiplist": dict(query_prefix="[unused0]", document_prefix="[unused1]", query_length=16,
                                         document_length=20, do_query_expansion=False, skiplist_words=["the", ","]),
}

ap = argparse.ArgumentParser()
ap.add_argument("--model", default=os.path.expanduser("~/.cache/tessera/models/all-MiniLM-L6-v2"))
a = ap.parse_args()
os.environ["HF_HUB_OFFLINE"] = "1"
import torch  # noqa: E402
import pylate  # noqa: E402
from pylate import models  # noqa: E402

torch.manual_seed(0)
record = {"generator": "Scripts/make_pylate_markers_fixture.py", "pylate": pylate.__version__, "texts": TEXTS,
          "weight_formula": "sin(0.7*o + 1.3*i + 0.1) / sqrt(in)", "cases": {}}
for name, settings in CASES.items():
    kwargs = dict(settings)
    model = models.ColBERT(model_name_or_path=a.model, device="cpu", embedding_size=24, **kwargs)
    dense = model[1]
    linear = dense.linear if hasattr(dense, "linear") else dense
    out_f, in_f = linear.weight.shape
    w = [[math.sin(0.7 * o + 1.3 * i + 0.1) / math.sqrt(in_f) for i in range(in_f)] for o in range(out_f)]
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(w, dtype=torch.float64).float())
    work = tempfile.mkdtemp()
    folder = os.path.join(work, "model")
    model.save(folder)
    files = {}
    for f in ["config_sentence_transformers.json", "modules.json", "1_Dense/config.json"]:
        with open(os.path.join(folder, f)) as fh:
            files[f] = fh.read()
    reloaded = models.ColBERT(model_name_or_path=folder, device="cpu")
    case = {"settings": settings, "files": files, "tokenizer_size": len(reloaded.tokenizer)}
    for role, is_query in (("queries", True), ("documents", False)):
        features = reloaded.tokenize(TEXTS, is_query=is_query)
        ids = features["input_ids"].tolist()
        mask = features["attention_mask"].tolist()
        vectors = reloaded.encode(TEXTS, is_query=is_query, convert_to_numpy=True, batch_size=1)
        case[role] = {"input_ids": ids, "attention_mask": mask,
                      "vectors": [[[float(x) for x in t] for t in v] for v in vectors]}
    record["cases"][name] = case
    shutil.rmtree(work)
    print(name, "query tokens", [len(v) for v in case["queries"]["vectors"]],
          "document tokens", [len(v) for v in case["documents"]["vectors"]])
with open(OUT, "w") as f:
    json.dump(record, f, indent=1)
print("wrote", OUT)
