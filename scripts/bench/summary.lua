-- The dashboard summary.
local key = os.getenv("BENCH_READ_KEY")
request = function()
  return wrk.format("GET", "/api/v1/dashboard/summary", {["Authorization"] = "Bearer " .. key})
end
