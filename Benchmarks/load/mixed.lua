-- wrk script: a mix of hybrid searches (70 %) and extractive answers (30 %) against one knowledge base, with an
-- API key. wrk's summary counts non-2xx answers as status errors.
local common = dofile("Benchmarks/load/common.lua")
local key = os.getenv("ZHIKU_KEY")
local kb = os.getenv("ZHIKU_KB") or "load"
local counter = 0

request = function()
  counter = counter + 1
  local q = common.queries[(counter % #common.queries) + 1]
  local headers = { ["Authorization"] = "Bearer " .. key }
  if counter % 10 < 7 then
    return wrk.format("GET", "/api/kbs/" .. kb .. "/search?k=5&q=" .. common.urlencode(q), headers)
  end
  headers["Content-Type"] = "application/json"
  local body = '{"kb":"' .. kb .. '","question":"' .. q .. '","mode":"extractive","store":false}'
  return wrk.format("POST", "/api/chat", headers, body)
end

done = function(summary, latency, requests) common.report("", summary, latency, "ms") end
