-- Shared by the wrk scripts: request bodies from an NDJSON file, a per-thread request limit,
-- and a JSON summary line (throughput, latency percentiles, errors) for bench/run.py.
local common = {}

function common.read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if #line > 0 then lines[#lines + 1] = line end
  end
  return lines
end

-- Stops this thread after `limit` responses (0 = no limit), so a run can load an exact count.
function common.limiter(limit)
  local seen = 0
  return function()
    seen = seen + 1
    if limit > 0 and seen >= limit then wrk.thread:stop() end
  end
end

function common.report(summary, latency)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    '\nBENCH_JSON {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p95_ms":%.3f,"p99_ms":%.3f,' ..
    '"mean_ms":%.3f,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end

return common
