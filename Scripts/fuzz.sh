#!/usr/bin/env bash
# Fuzzes one target (json, tokenizer, safetensors, manifest, request; see Fuzz/Sources/tessera-fuzz) with libFuzzer
# and AddressSanitizer for SECONDS (default 60), starting from Fuzz/Corpus/TARGET; the grown corpus is kept in
# .build-fuzz/corpus/TARGET, crash inputs in .build-fuzz/crashes/TARGET. Usage: Scripts/fuzz.sh TARGET [SECONDS]
# (`all` runs every target for SECONDS each). Exit status non-zero on a crash, a leak or a violated property.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: Scripts/fuzz.sh TARGET|all [SECONDS]}
seconds=${2:-60}
swift build -c release --build-path .build-fuzz --product tessera-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DTESSERA_LIBFUZZER -Xcc -fsanitize=fuzzer-no-link,address -Xswiftc -use-ld=lld >/dev/null
binary=.build-fuzz/release/tessera-fuzz
targets=("$target")
[ "$target" = all ] && targets=(json tokenizer safetensors manifest request)
for t in "${targets[@]}"; do
  mkdir -p ".build-fuzz/corpus/$t" ".build-fuzz/crashes/$t"
  echo "== fuzz $t for ${seconds}s =="
  log=".build-fuzz/fuzz-$t.log"
  status=0
  TESSERA_FUZZ_TARGET=$t "$binary" ".build-fuzz/corpus/$t" "Fuzz/Corpus/$t" -max_total_time="$seconds" -max_len=65536 \
    -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix=".build-fuzz/crashes/$t/" >"$log" 2>&1 || status=$?
  grep -E "stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|violated|Done [0-9]+ runs" "$log" || true
  if [ "$status" -ne 0 ]; then echo "fuzz $t failed (status $status); see $log"; tail -40 "$log"; exit 1; fi
done
