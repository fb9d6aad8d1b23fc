-- A 50-row page of the job list, pages spread over the whole list.
local counter = 0
local pages = math.floor(tonumber(os.getenv("BENCH_JOBS") or "10000") / 50)
local key = os.getenv("BENCH_READ_KEY")
request = function()
  counter = counter + 1
  local page = (counter * 37) % pages + 1
  return wrk.format("GET", "/api/v1/jobs?per_page=50&page=" .. page, {["Authorization"] = "Bearer " .. key})
end
