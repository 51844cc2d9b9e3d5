#!/usr/bin/env bash
# Generates lint benchmark inputs: N files, each a Deployment + Service (the manifest of
# shared/docs/research/linters.md §4, in block YAML).
# usage: benches/gen-lint-inputs.sh OUT_DIR [COUNTS…]   (default counts: 1 1000 10000)
set -euo pipefail
out="${1:?usage: gen-lint-inputs.sh OUT_DIR [COUNTS…]}"
shift
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 1000 10000)
for n in "${counts[@]}"; do
  dir="$out/d$n"
  rm -rf "$dir"
  mkdir -p "$dir"
  python3 - "$n" "$dir" <<'PY'
import sys
T = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: bench
  labels:
    app: app-{i}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: app-{i}
  template:
    metadata:
      labels:
        app: app-{i}
    spec:
      containers:
        - name: web
          image: registry.example.com/team/web:1.{i}.0
          ports:
            - containerPort: 8080
              name: http
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: 500m
              memory: 256Mi
          readinessProbe:
            httpGet:
              path: /ready
              port: http
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
---
apiVersion: v1
kind: Service
metadata:
  name: app-{i}
  namespace: bench
spec:
  selector:
    app: app-{i}
  ports:
    - port: 80
      targetPort: http
"""
n, out = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    with open(f"{out}/app-{i:05d}.yaml", "w") as f:
        f.write(T.format(i=i))
PY
  echo "generated $n files in $dir"
done
