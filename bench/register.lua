-- wrk script for bench/registrations: every request registers a new
-- participant (unique name and 8-digit Danish mobile number) for one of the
-- benchmark's sessions, round-robin over the session ids.
--
--   wrk ... -s bench/register.lua URL -- TOKEN FIRST_SESSION_ID NSESSIONS
--
-- Counts the answers by HTTP status per thread and, at the end, prints one
-- line "BENCH key=value ..." that bench/registrations reads.

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
   table.insert(threads, thread)
end

function init(args)
   token = args[1]
   first = tonumber(args[2])
   nsessions = tonumber(args[3])
   n = 0
   created = 0
   other = 0
   statuses = {}
   status_text = ""
   -- 8-digit numbers: thread 1 from 20000000, thread 2 from 30000000, ...
   -- so no two requests of a run share a number.
   base = 10000000 * (tid + 1)
   headers = {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
   }
end

function request()
   n = n + 1
   local sid = first + ((n * 7 + tid) % nsessions)
   local body = string.format(
      '{"participant":{"name":"Bench Deltager %d-%d","phone":"%08d"}}',
      tid, n, base + n)
   return wrk.format("POST", "/v1/sessions/" .. sid .. "/registrations",
                     headers, body)
end

function response(status, headers, body)
   if status == 201 then
      created = created + 1
   else
      other = other + 1
      statuses[status] = (statuses[status] or 0) + 1
      local parts = {}
      for k, v in pairs(statuses) do
         table.insert(parts, k .. ":" .. v)
      end
      status_text = "t" .. tid .. "/" .. table.concat(parts, "/")
      if other <= 3 then
         io.stderr:write("non-201 answer " .. status .. ": " ..
                         tostring(body) .. "\n")
      end
   end
end

function done(summary, latency, requests)
   local c, o, detail = 0, 0, {}
   for _, t in ipairs(threads) do
      c = c + (t:get("created") or 0)
      o = o + (t:get("other") or 0)
      -- statuses is a table; wrk copies only scalars between states, so
      -- take the per-thread string form.
      local s = t:get("status_text")
      if s and s ~= "" then table.insert(detail, s) end
   end
   local secs = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d seconds=%.3f rps=%.1f created=%d non201=%d " ..
      "socket_errors=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
      "statuses=%s\n",
      summary.requests, secs, summary.requests / secs, c, o,
      summary.errors.connect + summary.errors.read + summary.errors.write +
      summary.errors.timeout,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      #detail > 0 and table.concat(detail, ",") or "none"))
end
