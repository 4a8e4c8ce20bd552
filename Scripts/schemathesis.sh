#!/usr/bin/env bash
# Checks a live `tessera serve` against its own OpenAPI document with schemathesis (PyPI): generated valid and invalid
# requests for every operation; fails on any 5xx, undocumented status or content type, or a response that does not
# match its schema. The server keeps a collection "docs" with a few documents so that searches and gets reach real
# data. Usage: Scripts/schemathesis.sh [MAX_EXAMPLES]
#   TESSERA=path/to/tessera (default .build/release/tessera), MODEL=served model name (default all-MiniLM-L6-v2,
#   fetched with `tessera models fetch`), SCHEMATHESIS=path to the schemathesis command (default: a venv made under
#   ~/.cache/tessera-tools with pip).
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/server-port.sh
examples=${1:-40}
tessera=${TESSERA:-.build/release/tessera}
model=${MODEL:-all-MiniLM-L6-v2}
if [ -z "${SCHEMATHESIS:-}" ]; then
  venv="$HOME/.cache/tessera-tools/schemathesis"
  if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis>=4,<5"
  fi
  SCHEMATHESIS="$venv/bin/schemathesis"
fi
"$tessera" models fetch "$model" >/dev/null
data=$(mktemp -d)
log=$(mktemp)
"$tessera" serve --data-dir "$data" --port 0 --log-level warning 2>"$log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data" "$log"' EXIT
port=$(wait_for_port "$log")
base="http://127.0.0.1:$port"
curl -sf -X PUT "$base/v1/collections/docs" -H 'content-type: application/json' -d "{\"model\": \"$model\"}" >/dev/null
curl -sf -X POST "$base/v1/collections/docs/documents" -H 'content-type: application/json' \
  -d '{"documents": [{"id": "a", "title": "Tessera", "text": "multi-vector retrieval with WARP"}, {"id": "b", "text": "dense retrieval with HNSW"}]}' >/dev/null
"$SCHEMATHESIS" --config-file Scripts/schemathesis.toml run "$base/openapi.json" --max-examples "$examples" --seed "${SEED:-1}" --no-color \
  --generation-database none --request-timeout 60 --workers 1
kill -0 $server || { echo "the server died:"; cat "$log"; exit 1; }
echo "schemathesis: passed against $base ($examples examples per operation)"
