-- One durable single-result ingest per request, spread over the seeded jobs, each with a
-- unique external_id (so every request stores a new row).
local counter = 0
local jobs = tonumber(os.getenv("BENCH_JOBS") or "10000")
local key = os.getenv("BENCH_INGEST_KEY")
local thread_tag = tostring(math.random(1, 1000000000))
request = function()
  counter = counter + 1
  local job = (counter * 7919) % jobs + 1
  local body = string.format(
    '{"job_id": %d, "result": "success", "size_bytes": 123456, "external_id": "w%s-%d"}', job, thread_tag, counter)
  return wrk.format("POST", "/api/v1/executions",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end
