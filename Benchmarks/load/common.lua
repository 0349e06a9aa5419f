-- Shared by the load tests' wrk scripts (loaded with dofile from the repository's root, where run*.sh start wrk).
local common = {}

-- Search questions in both languages, asked in turn.
common.queries = {
  "annual leave", "年假怎么申请", "canteen opening hours", "expense report deadline", "office access badge",
  "远程办公", "parking", "security incident", "报销流程", "onboarding checklist", "travel booking", "加班",
}

function common.urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- The run's summary: request count and errors, then latency percentiles in `unit` ("ms" or "s").
function common.report(label, summary, latency, unit)
  local scale = unit == "s" and 1e6 or 1e3
  io.write(string.format("%srequests %d, errors: connect %d read %d write %d timeout %d status %d\n", label,
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.errors.status))
  io.write(string.format("%sp50 %.1f %s, p90 %.1f %s, p99 %.1f %s, max %.1f %s\n", label,
    latency:percentile(50) / scale, unit, latency:percentile(90) / scale, unit, latency:percentile(99) / scale, unit,
    latency.max / scale, unit))
end

return common
