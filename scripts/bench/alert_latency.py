"""Alert latency for scripts/bench-alerts.sh: N times, create a job, report a failed run and
time from the ingest's 2xx answer to the SMTP server accepting the e-mail (the server writes
<n>.json with its own receive time into MAIL_DIR). Prints p50 / p90 / max in seconds.

usage: alert_latency.py BASE_URL TOKEN MAIL_DIR N
"""
import glob
import json
import os
import statistics
import sys
import time
import urllib.request

base, token, mail_dir, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def post(path, body):
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


latencies = []
for i in range(n):
    job = post("/api/v1/jobs", {"name": f"latency-{i}", "job_type": "file", "backup_tool": "restic"})
    before = len(glob.glob(os.path.join(mail_dir, "*.json")))
    post("/api/v1/executions", {"job_id": job["id"], "result": "failed"})
    acknowledged = time.time()
    deadline = acknowledged + 30
    while len(glob.glob(os.path.join(mail_dir, "*.json"))) <= before:
        if time.time() > deadline:
            sys.exit(f"no e-mail for job {job['id']} within 30 s")
        time.sleep(0.005)
    newest = max(glob.glob(os.path.join(mail_dir, "*.json")), key=lambda p: int(os.path.basename(p)[:-5]))
    with open(newest) as f:
        latencies.append(json.load(f)["received_at"] - acknowledged)
latencies.sort()
p90 = latencies[int(0.9 * (len(latencies) - 1))]
print(f"failed run -> e-mail accepted: n={n} p50 {statistics.median(latencies):.3f} s  p90 {p90:.3f} s  max {latencies[-1]:.3f} s")
