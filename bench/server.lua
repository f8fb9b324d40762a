-- wrk script for the issuer API's credential exchange (POST /walletpush/v1/credentials).
-- Every request redeems its own pre-minted card handle: a handle is single use, so a replayed
-- one would measure the 409 path instead. Args after `--`: handles file (one a line), the widget
-- origin (sent as Origin, checked against the handle's aud), the number of wrk threads, the
-- binding cookie value the handles are bound to, the widget's host:port (sent as Host: wrk
-- connects to 127.0.0.1). Each request is a redirect-mode one, with its own `state`.
-- Thread i takes lines i, i+n, i+2n, ...; a thread that runs out stops rather than replay,
-- and done() says so (the bench then reports the run as invalid: mint more).

local next_id = 0
local threads = {}

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path, origin, nthreads, binding, host = args[1], args[2], tonumber(args[3]), args[4], args[5]
  local headers = {
    ["Content-Type"] = "application/json", ["Origin"] = origin, ["Host"] = host,
    ["Cookie"] = "walletpush_binding=" .. binding,
  }
  requests = {}
  local line_no = 0
  for handle in io.lines(path) do
    if line_no % nthreads == id then
      local state = string.format("bench%017d", line_no) -- 22 base64url characters
      local body = '{"handle":"' .. handle .. '","wallet":"sandbox","state":"' .. state .. '"}'
      requests[#requests + 1] = wrk.format("POST", "/walletpush/v1/credentials", headers, body)
    end
    line_no = line_no + 1
  end
  cursor = 0
  exhausted = false
end

function request()
  cursor = cursor + 1
  if cursor > #requests then
    exhausted = true
    wrk.thread:stop()
    cursor = #requests -- what wrk sends while stopping; counted in "sent" below
  end
  return requests[cursor]
end

function done(summary, latency, requests)
  local exhausted_threads = 0
  local sent = 0
  for _, thread in ipairs(threads) do
    if thread:get("exhausted") then exhausted_threads = exhausted_threads + 1 end
    sent = sent + thread:get("cursor")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"sent":%d,"exhausted_threads":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes, sent, exhausted_threads,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
