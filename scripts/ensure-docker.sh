#!/usr/bin/env bash
# Make sure a Docker engine answers: install docker.io from Debian's packages if dockerd is missing, start dockerd
# in the background if no engine answers (log to a file), wait up to 60 s. Reuses a running engine; never stops or
# kills anything. Used by .ci/run and `make demo`.
set -euo pipefail

if docker info >/dev/null 2>&1; then
  echo "docker: reusing the running engine"
  exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "docker: installing docker.io from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
if docker info >/dev/null 2>&1; then exit 0; fi
log=${WAVE_DOCKERD_LOG:-/tmp/wave-dockerd.log}
echo "docker: starting dockerd in the background (log: $log)"
nohup dockerd >"$log" 2>&1 &
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && break
  sleep 1
done
if ! docker info >/dev/null 2>&1; then
  echo "docker: dockerd did not answer within 60 s; last lines of $log:" >&2
  tail -n 40 "$log" >&2 || true
  exit 1
fi
docker version --format 'docker: engine {{.Server.Version}} (API {{.Server.APIVersion}})'
