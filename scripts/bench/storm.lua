-- The alert storm: every request reports a FAILED run for one of the seeded jobs (spread
-- over all of them, like ingest.lua), each a new row (unique external_id per run tag,
-- thread and counter). scripts/bench-alerts.sh compares its throughput with ingest.lua's.
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
  local job = (counter * 7919) % jobs + 1
  local body = string.format(
    '{"job_id": %d, "result": "failed", "error_message": "NAS unreachable", "external_id": "s%s-%d-%d"}',
    job, run_tag, thread_number, counter)
  return wrk.format("POST", "/api/v1/executions",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end
