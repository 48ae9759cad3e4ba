-- bench/intake.lua: the wrk script bench/run drives POST /v1/referrals with.
--
-- Every request carries the same referral document (rendered by bench/run from
-- bench/referral.json) with a reference of its own, so each one is a new referral
-- (201), never a replay: "<tag>/t<thread>/<counter>", the counter zero-padded so
-- that every body has the same length. Its two children (siblings) get NHS
-- numbers of their own too (valid, ten digits) and a family name of their own
-- ("Hughes" and six letters), so that each referral is about new children, as
-- nearly all are, rather than the same two children referred 100,000 times.
--
-- Read from the environment (set by bench/run):
--   MASH_BENCH_DOCUMENT  path of the rendered document, holding @REFERENCE@ once
--   MASH_BENCH_TAG       this wrk run's tag (run id + phase), A-Z a-z 0-9 . _ : / -
--   MASH_BENCH_TOKEN     the agency's bearer token
--   MASH_BENCH_BLOCK     this run's block of NHS numbers, 0 to 49 (one per generator run)
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
   -- The rest, cut once where each request puts its own family name (twice: the
   -- children are siblings) and NHS numbers, so a request only joins pieces.
   pieces = {}
   local rest = document:sub(last + 1)
   for _, marker in ipairs({'"familyName": "Hughes', "9434765919", '"familyName": "Hughes', "4857773457"}) do
      local at, stop = rest:find(marker, 1, true)
      assert(at, "bench/referral.json has changed: no " .. marker)
      table.insert(pieces, rest:sub(1, stop - (marker:sub(1, 1) == '"' and 0 or #marker)))
      rest = rest:sub(stop + 1)
   end
   table.insert(pieces, rest)
   counter = 0
   -- NHS numbers of this run's own: its block of 20,000,000, a quarter of it
   -- for each thread (up to 4), four per request (one for each child, and room
   -- for either to move on when its number has no valid check digit).
   local block = tonumber((assert(os.getenv("MASH_BENCH_BLOCK"), "MASH_BENCH_BLOCK is not set")))
   assert(block >= 0 and block < 50 and id <= 4, "MASH_BENCH_BLOCK must be 0 to 49, with at most 4 threads")
   block_base = block * 20000000 + (id - 1) * 5000000
   codes = {}
   shown = 0
   wrk.method = "POST"
   wrk.path = "/v1/referrals"
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Authorization"] = "Bearer " .. token
end

-- A valid NHS number near `base` (modulus 11 check digit, weights 2 to 10 from
-- the right; a base whose check would be 10 moves on to the next).
local function nhs_number(base)
   while true do
      local number, sum, rest = base % 1000000000, 0, base % 1000000000
      for weight = 2, 10 do
         sum = sum + (rest % 10) * weight
         rest = math.floor(rest / 10)
      end
      local check = (11 - sum % 11) % 11
      if check ~= 10 then return string.format("%09d%d", number, check) end
      base = base + 1
   end
end

-- Six lower-case letters spelling `n` in base 26.
local function letters(n)
   local out = {}
   for i = 1, 6 do
      out[i] = string.char(97 + n % 26)
      n = math.floor(n / 26)
   end
   return table.concat(out)
end

function request()
   counter = counter + 1
   local base = block_base + counter * 4
   local family = letters(base)
   return wrk.format(nil, nil, nil, table.concat({
      prefix, string.format("%09d", counter),
      pieces[1], family, pieces[2], nhs_number(base), pieces[3], family, pieces[4], nhs_number(base + 2), pieces[5],
   }))
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
