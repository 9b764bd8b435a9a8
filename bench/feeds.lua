-- wrk script for bench/feeds: the requests themselves are plain GETs of
-- one URL with the headers given by wrk -H (Accept-Encoding, If-None-Match);
-- this script only prints, at the end, one line "BENCH key=value ..." that
-- bench/feeds reads.
--
--   wrk -t2 -c50 -d10s [-H ...] -s bench/feeds.lua URL
--
-- It defines no response() on purpose: with one, wrk keeps every body (up
-- to megabytes) and hands it to Lua, which would measure wrk, not the
-- server. Statuses are checked with wrk's own count of answers that are not
-- 2xx or 3xx (summary.errors.status), and the kind of answer by the bytes
-- read per request, which bench/feeds compares with the size it expects.

function done(summary, latency, requests)
   local secs = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d seconds=%.3f rps=%.1f bytes=%d " ..
      "non2xx3xx=%d socket_errors=%d connect=%d read=%d write=%d " ..
      "timeout=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
      summary.requests, secs, summary.requests / secs, summary.bytes,
      summary.errors.status,
      summary.errors.connect + summary.errors.read + summary.errors.write +
      summary.errors.timeout,
      summary.errors.connect, summary.errors.read, summary.errors.write,
      summary.errors.timeout,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000))
end
