#!/usr/bin/env bash
# Build a Debian 13 (trixie) root filesystem from Debian's packages and import it as a Docker image.
# For machines that cannot pull from a container registry (air-gapped runners, this project's CI).
#
#   images/base/bootstrap-rootfs.sh TAG
#
# The Debian mirror is taken from WAVE_DEBIAN_MIRROR, else from the host's own apt sources, so the
# script goes wherever the host's apt already goes (a local mirror or a caching proxy included).
# WAVE_EXTRA_CA (a PEM bundle) is trusted inside the chroot, for TLS-inspecting networks.
set -euo pipefail

tag=${1:?usage: bootstrap-rootfs.sh TAG}
suite=${WAVE_DEBIAN_SUITE:-trixie}
packages="ca-certificates curl git tini nodejs npm"

say() { printf 'bootstrap-base: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

host_mirror() {
  local f
  # deb822 sources first (Debian 12+), then the one-line format.
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f"
  done | head -n 1
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" && $0 ~ / main/ && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' "$f"
  done | head -n 1
}

mirror=${WAVE_DEBIAN_MIRROR:-$(host_mirror | head -n 1)}
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt; set WAVE_DEBIAN_MIRROR"
[ "$(id -u)" = 0 ] || die "debootstrap needs root"
if ! command -v debootstrap >/dev/null; then
  command -v apt-get >/dev/null || die "debootstrap is not installed"
  say "installing debootstrap from Debian's packages"
  # needrestart (Ubuntu) would scan, and might restart, the host's services after this install.
  apt-get update -qq && NEEDRESTART_SUSPEND=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/wave-rootfs.XXXXXX")
# mktemp makes it 0700: the image's / would be too, and apt's `_apt` user could not reach its own download folder.
chmod 0755 "$root"
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT

say "debootstrap $suite (minbase) from the host's mirror into $root"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.log" 2>&1 || {
  tail -n 30 "$root.log" >&2; die "debootstrap failed (full log: $root.log)"
}

if [ -n "${WAVE_EXTRA_CA:-}" ]; then
  install -D -m 0644 "$WAVE_EXTRA_CA" "$root/usr/local/share/ca-certificates/wave-extra-ca.crt"
fi

# apt resolves dependencies properly where debootstrap's --include does not.
say "installing: $packages"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
  sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages >/dev/null && update-ca-certificates >/dev/null && apt-get clean"
umount "$root/proc"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/* "$root/debootstrap"
: >"$root/etc/resolv.conf"

say "importing as $tag"
tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
rm -f "$root.log"
say "done: $tag"
