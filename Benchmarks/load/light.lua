-- wrk script: what people do while others wait for generated answers — hybrid searches (80 %) and health checks
-- (20 %) — each client pausing 0.5–1.5 s between requests (people read results). Latency here is what the issue's
-- "non-generation p99" means.
local queries = {
  "annual leave", "年假怎么申请", "canteen opening hours", "expense report deadline", "office access badge",
  "远程办公", "parking", "security incident", "报销流程", "onboarding checklist", "travel booking", "加班",
}
local key = os.getenv("ZHIKU_KEY")
local kb = os.getenv("ZHIKU_KB") or "load"
local counter = 0

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

request = function()
  counter = counter + 1
  local headers = { ["Authorization"] = "Bearer " .. key }
  if counter % 5 == 0 then return wrk.format("GET", "/healthz", headers) end
  local q = queries[(counter % #queries) + 1]
  return wrk.format("GET", "/api/kbs/" .. kb .. "/search?k=5&q=" .. urlencode(q), headers)
end

delay = function() return math.random(500, 1500) end

local statuses = {}
response = function(status, headers, body)
  if status >= 300 then statuses[status] = (statuses[status] or 0) + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("light: requests %d, errors: connect %d read %d write %d timeout %d status %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.errors.status))
  io.write(string.format("light: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n", latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
