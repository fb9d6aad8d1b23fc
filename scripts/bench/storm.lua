-- The alert storm: every request reports a FAILED run for one of the seeded jobs (spread
-- over all of them, like ingest.lua), each a new row (unique external_id per run tag,
-- thread and counter). scripts/bench-alerts.sh compares its throughput with ingest.lua's.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local counter = 0
local thread_count = tonumber(os.getenv("BENCH_THREADS") or "2")
local jobs = tonumber(os.getenv("BENCH_JOBS") or "10000")
local key = os.getenv("BENCH_INGEST_KEY")
local run_tag = os.getenv("BENCH_RUN_TAG") or tostring(os.time())
request = function()
  counter = counter + 1
  -- Thread t of n (wrk -t2) takes jobs t, t+n, t+2n...: together they cover every job.
  local job = ((counter - 1) * thread_count + thread_number - 1) % jobs + 1
  local body = string.format(
    '{"job_id": %d, "result": "failed", "error_message": "NAS unreachable", "external_id": "s%s-%d-%d"}',
    job, run_tag, thread_number, counter)
  return wrk.format("POST", "/api/v1/executions",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end
