-- wrk script: POSTs searches to a collection, rotating through the request bodies of BODIES (one JSON per line).
local bodies = {}
local path = os.getenv("SEARCH_PATH") or "/v1/collections/scifact/search"
for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d non2xx=%d seconds=%.2f qps=%.1f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
