-- wrk reporter for bench/run.py: one JSON line with throughput, latency percentiles (µs) and errors.
-- The session cookie is passed with -H "Cookie: sessionid=..." on the command line.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1000000
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "rps": %.2f, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "errors": %d, "non_2xx_3xx": %d}\n',
    summary.requests, summary.requests / seconds, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, errors, summary.errors.status))
end
