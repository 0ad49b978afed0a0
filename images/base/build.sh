#!/usr/bin/env bash
# `make base-image`: build wave/base:latest unless it exists.
# With BASE_IMAGE set, build FROM it (e.g. a public debian:trixie-slim or a mirror's copy). Otherwise bootstrap
# Debian 13 from Debian's packages (no container registry needed), reusing an earlier bootstrap when present.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tag=${WAVE_BASE_TAG:-wave/base:latest}
bootstrap_tag=wave/debian-bootstrap:trixie

if docker image inspect "$tag" >/dev/null 2>&1 && [ "${FORCE:-0}" != 1 ]; then
  echo "base-image: $tag exists (FORCE=1 rebuilds)"; exit 0
fi

base=${BASE_IMAGE:-}
if [ -z "$base" ]; then
  if ! docker image inspect "$bootstrap_tag" >/dev/null 2>&1; then
    bash "$here/bootstrap-rootfs.sh" "$bootstrap_tag"
  fi
  base=$bootstrap_tag
fi

if [ -n "${EXTRA_CA:-}" ]; then cp "$EXTRA_CA" "$here/ca/extra-ca.crt"; fi
echo "base-image: building $tag FROM $base"
docker build -q --build-arg "BASE_IMAGE=$base" -t "$tag" "$here" >/dev/null
echo "base-image: done: $tag"
