-- bench/intake.lua: the wrk script bench/run drives POST /v1/referrals with.
--
-- Every request carries the same referral document (rendered by bench/run from
-- bench/referral.json) with a reference of its own, so each one is a new referral
-- (201), never a replay: "<tag>/t<thread>/<counter>", the counter zero-padded so
-- that every body has the same length.
--
-- Read from the environment (set by bench/run):
--   MASH_BENCH_DOCUMENT  path of the rendered document, holding @REFERENCE@ once
--   MASH_BENCH_TAG       this wrk run's tag (run id + phase), A-Z a-z 0-9 . _ : / -
--   MASH_BENCH_TOKEN     the agency's bearer token
--
-- At the end it prints one line starting "BENCH " with the request count, req/s,
-- latency percentiles and the status codes counted over all threads; bench/run
-- parses that line. Bodies of the first few non-2xx answers go to stderr.

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   local path = assert(os.getenv("MASH_BENCH_DOCUMENT"), "MASH_BENCH_DOCUMENT is not set")
   local tag = assert(os.getenv("MASH_BENCH_TAG"), "MASH_BENCH_TAG is not set")
   local token = assert(os.getenv("MASH_BENCH_TOKEN"), "MASH_BENCH_TOKEN is not set")
   local file = assert(io.open(path, "rb"))
   local document = file:read("*a")
   file:close()
   local first, last = document:find("@REFERENCE@", 1, true)
   assert(first, "no @REFERENCE@ in " .. path)
   prefix = document:sub(1, first - 1) .. string.format("%s/t%02d/", tag, id)
   suffix = document:sub(last + 1)
   counter = 0
   codes = {}
   shown = 0
   wrk.method = "POST"
   wrk.path = "/v1/referrals"
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
   counter = counter + 1
   return wrk.format(nil, nil, nil, prefix .. string.format("%09d", counter) .. suffix)
end

function response(status, headers, body)
   local key = tostring(status)
   codes[key] = (codes[key] or 0) + 1
   if (status < 200 or status > 299) and shown < 3 then
      shown = shown + 1
      io.stderr:write(string.format("intake.lua: thread %d: HTTP %d: %s\n", id, status, (body or ""):sub(1, 400)))
   end
end

function done(summary, latency, requests)
   local totals, names = {}, {}
   for _, thread in ipairs(threads) do
      local counts = thread:get("codes") or {}
      for key, count in pairs(counts) do
         if totals[key] == nil then table.insert(names, key) end
         totals[key] = (totals[key] or 0) + count
      end
   end
   table.sort(names)
   local created, ok, bad, listed = 0, 0, 0, {}
   for _, key in ipairs(names) do
      local status = tonumber(key)
      if status == 201 then created = created + totals[key] end
      if status >= 200 and status <= 299 then ok = ok + totals[key] else bad = bad + totals[key] end
      table.insert(listed, key .. ":" .. totals[key])
   end
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f mean_ms=%.3f max_ms=%.3f " ..
      "created=%d ok=%d non2xx=%d connect=%d read=%d write=%d timeout=%d codes=%s\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.mean / 1000, latency.max / 1000,
      created, ok, bad, e.connect, e.read, e.write, e.timeout,
      #listed > 0 and table.concat(listed, ",") or "none"))
end
