-- One durable single-result ingest per request, spread over the seeded jobs. Every request
-- stores a new row: its external_id joins the run's tag (BENCH_RUN_TAG, new for every wrk run;
-- scripts/bench.sh sets it), the thread's number and the thread's request counter. The thread
-- number comes from setup(), because every thread's Lua state starts math.random identically,
-- and the tag, because the counters restart with every run: without either, the "new" results
-- would be idempotent replays of earlier ones that store nothing.
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
    '{"job_id": %d, "result": "success", "size_bytes": 123456, "external_id": "w%s-%d-%d"}',
    job, run_tag, thread_number, counter)
  return wrk.format("POST", "/api/v1/executions",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end
