-- 100 results per request.
local counter = 0
local jobs = tonumber(os.getenv("BENCH_JOBS") or "10000")
local key = os.getenv("BENCH_INGEST_KEY")
local thread_tag = tostring(math.random(1, 1000000000))
request = function()
  counter = counter + 1
  local items = {}
  for i = 1, 100 do
    local job = (counter * 100 + i) % jobs + 1
    items[i] = string.format('{"job_id": %d, "result": "success", "external_id": "b%s-%d-%d"}', job, thread_tag, counter, i)
  end
  local body = '{"items": [' .. table.concat(items, ",") .. ']}'
  return wrk.format("POST", "/api/v1/executions/batch",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end
