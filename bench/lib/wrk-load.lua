-- wrk driver for bench/run.mjs (one thread). Arguments after "--":
--   method, path, lines file or "-", mode ("body" | "path" | "fixed"), then "Name: value" headers.
-- "body": each request POSTs the next line of the file as its body (a freshly signed login).
-- "path": each request uses the next line as its path+query (a freshly signed STS call).
-- A line is never sent twice: once the file is used up, requests go to /__bodies_exhausted__ and
-- show up as non-2xx, so an undersized file can never pass for a fast server.
local method, path, mode
local headers = {}
local lines = {}
local n, i = 0, 0
local fixed

function init(args)
  method, path, mode = args[1], args[2], args[4]
  for k = 5, #args do
    local name, value = args[k]:match("^([^:]+):%s*(.*)$")
    if name then headers[name] = value end
  end
  if args[3] ~= "-" then
    for line in io.lines(args[3]) do
      n = n + 1
      lines[n] = line
    end
  end
  if mode == "fixed" then fixed = wrk.format(method, path, headers, nil) end
end

function request()
  if fixed then return fixed end
  i = i + 1
  if i > n then return wrk.format(method, "/__bodies_exhausted__", headers, nil) end
  if mode == "body" then return wrk.format(method, path, headers, lines[i]) end
  return wrk.format(method, lines[i], headers, nil)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"non2xx":%d,"errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
