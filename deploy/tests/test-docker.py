#!/usr/bin/env python3
"""Static checks of docker/ (no container engine runs on the CI machines, so the image is
not built here; see docs/DEPLOYMENT.md). Parses docker/Dockerfile with dockerfile-parse and
docker/compose.yaml with PyYAML and checks what a build would need and what the images
promise: the three stages, every COPY source present in the repository (after
.dockerignore), a non-root runtime user, the data volume, the health check on /health, the
environment bms reads, and compose services that use those stages.
"""
import fnmatch
import pathlib
import sys

import yaml
from dockerfile_parse import DockerfileParser

root = pathlib.Path(__file__).resolve().parents[2]
problems = []

parser = DockerfileParser(path=str(root / "docker" / "Dockerfile"))
instructions = parser.structure
stages = {}
current = None
for item in instructions:
    if item["instruction"] == "FROM":
        parts = item["value"].split()
        current = parts[-1] if len(parts) >= 3 and parts[-2].upper() == "AS" else parts[0]
        stages[current] = []
    elif current:
        stages[current].append(item)
for stage in ("build", "web", "runtime"):
    if stage not in stages:
        problems.append(f"missing stage {stage}")
if list(stages)[-1:] != ["runtime"]:
    problems.append("the last stage (the default image) must be runtime")

ignored = [line.strip() for line in (root / ".dockerignore").read_text().splitlines() if line.strip()]


def is_ignored(path: str) -> bool:
    return any(path == pattern or path.startswith(pattern + "/") or fnmatch.fnmatch(path, pattern) for pattern in ignored)


for stage, items in stages.items():
    for item in items:
        if item["instruction"] != "COPY" or "--from=" in item["value"]:
            continue
        sources = item["value"].split()[:-1]
        for source in sources:
            if source == ".":
                continue
            if not (root / source).exists():
                problems.append(f"{stage}: COPY source {source} does not exist")
            elif is_ignored(source):
                problems.append(f"{stage}: COPY source {source} is excluded by .dockerignore")
    for item in items:
        if item["instruction"] == "COPY" and "--from=build" in item["value"]:
            source = item["value"].split()[1]
            if source.startswith("/src/target/release/bms") or source.startswith("/src/dist"):
                continue
            problems.append(f"{stage}: unexpected artifact {source}")

runtime = {item["instruction"]: item["value"] for item in stages.get("runtime", [])}
user = runtime.get("USER", "")
if user in ("", "root", "0"):
    problems.append("the runtime image must run as a non-root user")
if "/var/lib/bms" not in runtime.get("VOLUME", ""):
    problems.append("the runtime image must keep its data in the /var/lib/bms volume")
if "/health" not in runtime.get("HEALTHCHECK", ""):
    problems.append("the runtime image needs a HEALTHCHECK on /health")
env = " ".join(item["value"] for item in stages.get("runtime", []) if item["instruction"] == "ENV")
for variable in ("DATABASE_PATH=/var/lib/bms/bms.db", "STATIC_DIR=/opt/bms/dist", "HOST=0.0.0.0", "BMS_ENV=production"):
    if variable not in env:
        problems.append(f"runtime ENV lacks {variable}")
build_runs = " ".join(item["value"] for item in stages.get("build", []) if item["instruction"] == "RUN")
for step in ("scripts/ensure-tools.sh", "scripts/build-spa.sh", "cargo build --release --locked --bin bms"):
    if step not in build_runs:
        problems.append(f"the build stage does not run {step}")

compose = yaml.safe_load((root / "docker" / "compose.yaml").read_text())
services = compose.get("services", {})
targets = {name: service.get("build", {}).get("target") for name, service in services.items()}
if targets != {"bms": "runtime", "web": "web"}:
    problems.append(f"compose services/targets are {targets}")
bms = services.get("bms", {})
if not any(str(volume).endswith(":/var/lib/bms") for volume in bms.get("volumes", [])):
    problems.append("compose: bms must mount a volume at /var/lib/bms")
if "SECRET_KEY" not in bms.get("environment", {}):
    problems.append("compose: bms must take SECRET_KEY from the environment")
if services.get("web", {}).get("depends_on", {}).get("bms", {}).get("condition") != "service_healthy":
    problems.append("compose: web must wait for a healthy bms")
for name, service in services.items():
    context = (root / "docker" / service["build"]["context"]).resolve()
    if context != root or not (context / service["build"]["dockerfile"]).exists():
        problems.append(f"compose: {name} builds from the wrong context or Dockerfile")

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"docker/: {len(stages)} stages ({', '.join(stages)}), compose services {', '.join(services)}: static checks passed")
