#!/usr/bin/env bash
# Build the Debian base image locally (no image registry is needed): a
# minimal debootstrap of this machine's release from the mirror its apt
# sources already use, imported as an image. Skipped when the image exists.
#
# usage: docker-base-image.sh [IMAGE]   (default s1ops-base:<codename>)
# Needs a running engine (DOCKER_HOST, see scripts/docker-engine.sh) and root
# (or sudo) for debootstrap.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
image=${1:-s1ops-base:$codename}
docker_cli=/usr/bin/docker

log() { printf '[docker-base-image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

if "$docker_cli" image inspect "$image" >/dev/null 2>&1; then
  log "$image exists"
  exit 0
fi
mirror=$("${S1OPS_SYSTEM_PYTHON:-/usr/bin/python3}" "$repo/scripts/apt_deb_src.py" --mirror)
rootfs="$repo/work/docker-base-rootfs"
as_root rm -rf "$rootfs"
start=$(date +%s)
log "debootstrap --variant=minbase $codename from the machine's mirror"
as_root debootstrap --variant=minbase "$codename" "$rootfs" "$mirror" \
  >"$repo/work/docker-base-debootstrap.log" 2>&1 || {
  tail -n 30 "$repo/work/docker-base-debootstrap.log" >&2
  exit 1
}
# What a slim image leaves out: downloaded packages, package lists, docs.
as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
# Packages installed later keep the image small too: no docs, no recommends.
as_root tee "$rootfs/etc/dpkg/dpkg.cfg.d/s1ops-nodoc" >/dev/null <<'EOF'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
as_root tee "$rootfs/etc/apt/apt.conf.d/s1ops-slim" >/dev/null <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
EOF
log "importing the root file system as $image"
as_root tar -C "$rootfs" -c . | "$docker_cli" import \
  --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - "$image" >/dev/null
as_root rm -rf "$rootfs"
log "$image built in $(($(date +%s) - start)) s"
