# Sourced by scripts that start `tessera serve --port 0 ... 2>LOG`: wait_for_port LOG prints the port once the server
# printed "listening on http://127.0.0.1:PORT" (60 s at most), or prints the log and fails.
wait_for_port() {
  local log=$1 port=""
  for _ in $(seq 600); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | head -1 | sed 's/.*://') || true
    [ -n "$port" ] && { echo "$port"; return 0; }
    sleep 0.1
  done
  echo "the server did not start:" >&2
  cat "$log" >&2
  return 1
}
