#!/usr/bin/env bash
# Generates the convert benchmark input (SPEC §7): a Compose project of N services (default 200)
# with `.env` interpolation, ports, environment (one secret-like variable per service → an
# ExternalSecret), healthchecks, depends_on, resources, named volumes for every 10th service
# (StatefulSets), and an `overlays/prod.yaml` environment overlay.
# usage: benches/gen-convert-inputs.sh OUT_DIR [N]
set -euo pipefail
out="${1:?usage: gen-convert-inputs.sh OUT_DIR [N]}"
n="${2:-200}"
rm -rf "$out"
mkdir -p "$out/overlays"
python3 - "$n" "$out" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
lines = ["name: bench", "services:"]
volumes = []
for i in range(n):
    s = f"svc{i:03d}"
    lines += [
        f"  {s}:",
        f"    image: registry.example.com/team/{s}:${{TAG:-1.0.0}}",
        f"    ports:",
        f"      - \"{8000 + i}:8080\"",
        f"    environment:",
        f"      LOG_LEVEL: info",
        f"      SERVICE_NAME: {s}",
        f"      UPSTREAM: http://svc{(i + 1) % n:03d}:8080",
        f"      DB_PASSWORD: ${{DB_PASSWORD:-changeme}}",
        f"    healthcheck:",
        f"      test: [\"CMD\", \"wget\", \"-qO-\", \"http://localhost:8080/healthz\"]",
        f"      interval: 10s",
        f"      timeout: 2s",
        f"      retries: 3",
        f"    deploy:",
        f"      replicas: 2",
        f"      resources:",
        f"        limits: {{cpus: \"0.5\", memory: 256M}}",
        f"        reservations: {{cpus: \"0.1\", memory: 128M}}",
        f"    labels:",
        f"      team: team-{i % 7}",
    ]
    if i > 0:
        lines += ["    depends_on:", f"      - svc{(i - 1):03d}"]
    if i % 10 == 0:
        volumes.append(f"data{i:03d}")
        lines += ["    volumes:", f"      - data{i:03d}:/var/lib/data"]
lines.append("volumes:")
lines += [f"  {v}: {{}}" for v in volumes]
open(f"{out}/compose.yaml", "w").write("\n".join(lines) + "\n")
open(f"{out}/.env", "w").write("TAG=2.3.4\nDB_PASSWORD=from-dotenv\n")
ov = ["extends: prod", "namespace: bench-prod", "labels:", "  cost-center: \"42\"", "services:"]
for i in range(0, n, 20):
    ov += [f"  svc{i:03d}:", "    replicas: 4", "    autoscale: {min: 4, max: 12, cpu: 70}"]
open(f"{out}/overlays/prod.yaml", "w").write("\n".join(ov) + "\n")
# The parse floor: the same YAML, with a `kind` first so `komply lint --parse-only` reads it as a
# manifest (parse only) instead of converting it as a compose file.
open(f"{out}/floor.yaml", "w").write("kind: Floor\n" + "\n".join(lines) + "\n")
PY
echo "generated $n services in $out"
