-- wrk script: generated answers from the built-in chat model, back to back (each client asks again as soon as its
-- answer has ended), so generation is never idle. The answers stream as Server-Sent Events; wrk's latency is the
-- whole answer.
local common = dofile("Benchmarks/load/common.lua")
local questions = {
  "How many days in advance must annual leave be requested?", "食堂几点开门？", "What is the expense report deadline?",
  "访客需要做什么？", "Where do employees park?", "远程办公每周最多几天？",
}
local key = os.getenv("ZHIKU_KEY")
local kb = os.getenv("ZHIKU_KB") or "load"
local counter = 0

request = function()
  counter = counter + 1
  local headers = { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }
  local q = questions[(counter % #questions) + 1]
  local body = '{"kb":"' .. kb .. '","question":"' .. q .. '","max_tokens":48,"store":false}'
  return wrk.format("POST", "/api/chat", headers, body)
end

done = function(summary, latency, requests) common.report("generate: ", summary, latency, "s") end
