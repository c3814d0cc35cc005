-- wrk script: replay device requests from a file, one per line: "<token>\t<JSON body or empty>", optionally
-- followed by "\t<path>\t<Name: value|Name: value>" for requests to another path with other headers (the
-- DDI poll: its own path per device, Authorization and If-None-Match).
-- Each thread starts at its own offset; statuses are counted per thread and summed in done().
-- Usage: wrk -s requests.lua URL -- FILE METHOD
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path, method = args[1], args[2] or "GET"
  lines = {}
  for line in io.lines(path) do
    local token, body, path, extra = line:match("^([^\t]*)\t?([^\t]*)\t?([^\t]*)\t?(.*)$")
    local headers = {}
    if token ~= "" then headers["x-access-token"] = token end
    for name, value in extra:gmatch("([^|:]+):%s*([^|]*)") do headers[name] = value end
    if body ~= "" then headers["Content-Type"] = "application/json" else body = nil end
    if path == "" then path = nil end
    table.insert(lines, wrk.format(method, path, headers, body))
  end
  position = (id * 7919) % #lines
  counts = {}
end

function request()
  position = position % #lines + 1
  return lines[position]
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local statuses = {}
  for _, thread in ipairs(threads) do
    local thread_counts = thread:get("counts")
    for status, count in pairs(thread_counts) do
      statuses[tostring(status)] = (statuses[tostring(status)] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(statuses) do table.insert(parts, string.format('"%s": %d', status, count)) end
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
      + summary.errors.timeout,
    table.concat(parts, ", ")))
end
