-- wrk script: a mix of hybrid searches (70 %) and extractive answers (30 %) against one knowledge base, with an
-- API key. Counts non-2xx answers per status so the summary can show them.
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
  local q = queries[(counter % #queries) + 1]
  local headers = { ["Authorization"] = "Bearer " .. key }
  if counter % 10 < 7 then
    return wrk.format("GET", "/api/kbs/" .. kb .. "/search?k=5&q=" .. urlencode(q), headers)
  end
  headers["Content-Type"] = "application/json"
  local body = '{"kb":"' .. kb .. '","question":"' .. q .. '","mode":"extractive","store":false}'
  return wrk.format("POST", "/api/chat", headers, body)
end

local statuses = {}
response = function(status, headers, body)
  if status >= 300 then statuses[status] = (statuses[status] or 0) + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors: connect %d read %d write %d timeout %d status %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.errors.status))
  io.write(string.format("p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n", latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
