#!/usr/bin/env bash
# Build the s1ops image (docker/Dockerfile) FROM the locally built base image.
#
# usage: docker-image.sh [IMAGE]   (default s1ops:latest)
# Needs `make setup` done (OTB's SWIG sources in .cache/otb-tree, the .venv).
# Uses the engine DOCKER_HOST names if it answers, else starts the private one
# (scripts/docker-engine.sh); builds the base image (scripts/docker-base-image.sh)
# unless S1OPS_BASE_IMAGE names another. The build context is staged in
# work/docker-context: the machine's apt sources, OTB's SWIG sources, the
# pinned wheels (downloaded once into .cache/docker-wheels) and an s1ops wheel.
# Layers are cached: a rebuild with nothing changed takes seconds.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
image=${1:-s1ops:latest}
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
base=${S1OPS_BASE_IMAGE:-s1ops-base:$codename}
ctx="$repo/work/docker-context"
wheels="$repo/.cache/docker-wheels"
venv="$repo/.venv"
docker_cli=/usr/bin/docker

log() { printf '[docker-image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
pip_q() { "$venv/bin/pip" -q "$@" 2> >(grep -v 'is ignored: it is neither a file' >&2); }
# The Debian version installed here (the image must match it), else apt's candidate.
deb_version() {
  dpkg-query -W -f='${Version}' "$1" 2>/dev/null \
    || apt-cache policy "$1" | awk '/Candidate:/ {print $2}'
}
pinned() { grep -iE "^$1==" requirements.txt; }

# An engine: DOCKER_HOST's if it answers, else the private one (left running;
# `scripts/docker-engine.sh stop` stops it).
if ! "$docker_cli" version >/dev/null 2>&1; then
  export "$(scripts/docker-engine.sh start)"
fi
if [[ -z "${S1OPS_BASE_IMAGE:-}" ]]; then
  scripts/docker-base-image.sh "$base"
fi

swig_src="$repo/.cache/otb-tree/Modules/Wrappers/SWIG/src"
[[ -f "$swig_src/otbApplication.i" ]] || {
  log "OTB's SWIG sources missing at $swig_src: run \`make setup\`"
  exit 1
}
otb_version=$(deb_version libotb-apps)
gdal_version=$(deb_version libgdal32)

# Wheels: the runtime dependencies at requirements.txt's pins, and GDAL's
# bindings as a source package (compiled in the image against its libgdal).
wanted="$(pinned numpy) $(pinned shapely) $(pinned pyproj) GDAL==${gdal_version%%+*}"
if [[ "$(cat "$wheels/.pins" 2>/dev/null)" != "$wanted" ]]; then
  log "downloading wheels: $wanted"
  rm -rf "$wheels" && mkdir -p "$wheels"
  read -r -a pins <<<"$wanted"
  pip_q download -d "$wheels" --only-binary=:all: "${pins[@]:0:3}"
  pip_q download -d "$wheels" --no-deps --no-binary=:all: "${pins[3]}"
  echo "$wanted" >"$wheels/.pins"
fi

log "staging the build context in $ctx"
rm -rf "$ctx" && mkdir -p "$ctx/s1ops-wheel" "$ctx/src"
"${S1OPS_SYSTEM_PYTHON:-/usr/bin/python3}" scripts/apt_deb_src.py --type deb >"$ctx/apt.sources"
cp -a docker/build-otb-python.sh "$ctx/"
cp -a "$swig_src" "$ctx/swig-src"
cp -al "$wheels" "$ctx/wheels" 2>/dev/null || cp -a "$wheels" "$ctx/wheels"
# The wheel is built from a copy so the repo gets no build/ folder.
cp -a pyproject.toml README.md "$ctx/src/"
tar -C "$repo" --exclude=__pycache__ -c s1ops | tar -C "$ctx/src" -x
# A fixed timestamp makes the wheel reproducible: an unchanged s1ops reuses its layer.
SOURCE_DATE_EPOCH=315532800 pip_q wheel --no-deps --no-build-isolation -w "$ctx/s1ops-wheel" "$ctx/src"
rm -rf "$ctx/src"

previous=$("$docker_cli" image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
start=$(date +%s)
log "building $image FROM $base (otb $otb_version, gdal $gdal_version)"
DOCKER_BUILDKIT=1 "$docker_cli" build --network=host --progress=plain \
  --build-arg BASE_IMAGE="$base" --build-arg OTB_VERSION="$otb_version" \
  --build-arg GDAL_VERSION="$gdal_version" -t "$image" -f docker/Dockerfile "$ctx" \
  >"$repo/work/docker-build.log" 2>&1 || {
  tail -n 40 "$repo/work/docker-build.log" >&2
  exit 1
}
# The image this build replaced, now untagged (kept if a container uses it).
if [[ -n "$previous" && "$previous" != "$("$docker_cli" image inspect -f '{{.Id}}' "$image")" ]]; then
  "$docker_cli" rmi "$previous" >/dev/null 2>&1 || true
fi
size=$("$docker_cli" image inspect -f '{{.Size}}' "$image")
log "$image built in $(($(date +%s) - start)) s, $((size / 1000000)) MB"
