-- wrk script: what people do while others wait for generated answers — hybrid searches (80 %) and health checks
-- (20 %) — each client pausing 0.5–1.5 s between requests (people read results). Latency here is what the issue's
-- "non-generation p99" means.
local common = dofile("Benchmarks/load/common.lua")
local key = os.getenv("ZHIKU_KEY")
local kb = os.getenv("ZHIKU_KB") or "load"
local counter = 0

request = function()
  counter = counter + 1
  local headers = { ["Authorization"] = "Bearer " .. key }
  if counter % 5 == 0 then return wrk.format("GET", "/healthz", headers) end
  local q = common.queries[(counter % #common.queries) + 1]
  return wrk.format("GET", "/api/kbs/" .. kb .. "/search?k=5&q=" .. common.urlencode(q), headers)
end

delay = function() return math.random(500, 1500) end

done = function(summary, latency, requests) common.report("light: ", summary, latency, "ms") end
