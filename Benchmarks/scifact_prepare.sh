# Sourced by the SciFact training benchmarks (scifact_finetune.sh, scifact_multivector.sh) with D (SciFact folder), W (work
# folder) and T (tessera binary) set: makes, once, W/pairs.jsonl (train qrels as training lines), W/train.jsonl (709 of the
# 809 train queries; 100, chosen with a seeded shuffle, are held out), W/heldout (a BEIR folder whose "dev" split is
# those 100 queries) and W/mined.jsonl (up to 8 hard negatives per line, mined once with all-MiniLM-L6-v2); then, with RUN
# and NEG set, W/RUN.data.jsonl: the lines with at least NEG negatives, cut to NEG.
if [ ! -s "$W/mined.jsonl" ]; then
$T pairs --data "$D" --split train --out "$W/pairs.jsonl"
python3 - "$D" "$W" <<'PY'
import json, os, random, sys
D, W = sys.argv[1], sys.argv[2]
lines = [json.loads(l) for l in open(f"{W}/pairs.jsonl")]
queries = sorted({l["query_id"] for l in lines})
random.Random(20261202).shuffle(queries)
held = set(queries[:100])
with open(f"{W}/train.jsonl", "w") as f:
    for l in lines:
        if l["query_id"] not in held: f.write(json.dumps(l) + "\n")
os.makedirs(f"{W}/heldout/qrels", exist_ok=True)
for name in ("corpus.jsonl", "queries.jsonl"):
    target = f"{W}/heldout/{name}"
    if not os.path.exists(target): os.symlink(os.path.abspath(f"{D}/{name}"), target)
with open(f"{D}/qrels/train.tsv") as src, open(f"{W}/heldout/qrels/dev.tsv", "w") as dst:
    for i, row in enumerate(src):
        if i == 0 or row.split("\t")[0] in held: dst.write(row)
print(f"{len(queries) - 100} training queries, 100 held out", file=sys.stderr)
PY
# Up to 8 negatives per line, mined once; each run keeps the first NEG of them.
$T mine --model all-MiniLM-L6-v2 --data "$W/train.jsonl" --corpus "$D/corpus.jsonl" --out "$W/mined.jsonl" \
  --num-negatives 8 --range-min 10 --range-max 50 --relative-margin 0.05
fi
# Lines with fewer than NEG candidates that kept the margin are left out of a run that asks for NEG negatives.
python3 - "$W/mined.jsonl" "$NEG" > "$W/$RUN.data.jsonl" <<'PY'
import json, sys
n = int(sys.argv[2])
for line in open(sys.argv[1]):
    l = json.loads(line)
    if len(l["negatives"]) >= n:
        l["negatives"] = l["negatives"][:n]
        print(json.dumps(l))
PY
