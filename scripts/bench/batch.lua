-- 100 results per request, each a new row: external_ids are unique per run (BENCH_RUN_TAG),
-- thread (numbered in setup(); see ingest.lua for why) and request.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local counter = 0
local jobs = tonumber(os.getenv("BENCH_JOBS") or "10000")
local key = os.getenv("BENCH_INGEST_KEY")
local run_tag = os.getenv("BENCH_RUN_TAG") or tostring(os.time())
request = function()
  counter = counter + 1
  local items = {}
  for i = 1, 100 do
    local job = (counter * 100 + i) % jobs + 1
    items[i] = string.format('{"job_id": %d, "result": "success", "external_id": "b%s-%d-%d-%d"}',
      job, run_tag, thread_number, counter, i)
  end
  local body = '{"items": [' .. table.concat(items, ",") .. ']}'
  return wrk.format("POST", "/api/v1/executions/batch",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end
