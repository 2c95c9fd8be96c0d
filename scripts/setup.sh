#!/usr/bin/env bash
# One-command, idempotent setup: Debian packages (OTB 8.1.1, GDAL, SWIG), OTB's
# Python module built from Debian's OTB source package, OTB's test data, the
# .venv with pinned requirements and .venv-sarsen (the RTC test's reference).
# Each step leaves a stamp in .cache/stamps and is skipped when its stamp is
# newer than its inputs, so a warm run is quick.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cache="$repo/.cache"
stamps="$cache/stamps"
mkdir -p "$stamps"
python_bin=${S1OPS_PYTHON:-python3}
venv="$repo/.venv"
sarsen_venv="$repo/.venv-sarsen"

log() { printf '[setup %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fresh() { [[ -f "$stamps/$1" ]] && [[ -z "${2:-}" || "$stamps/$1" -nt "$2" ]]; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# docker.io and debootstrap: the private engine and base image of the docker runner's tests.
# postgresql and redis-server: `make cluster` (private instances, started by scripts/cluster.sh).
# chromium: the demo looks at its "S1 tiles" page in it (Playwright; its own browser download
# is not used).
APT_PACKAGES=(otb-bin libotb-apps libotb-dev gdal-bin libgdal-dev swig dpkg-dev g++ make
  xz-utils docker.io debootstrap postgresql redis-server chromium)

step_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    # Another Docker engine installed (e.g. Docker's own packages) will do.
    [[ $p == docker.io ]] && command -v dockerd >/dev/null && continue
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return
  log "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
    --no-install-recommends "${missing[@]}"
}

# Debian's OTB source package: SWIG sources of the Python wrapper + Data/ (test data).
OTB_MEMBERS=(
  'Modules/Wrappers/SWIG/src/*'
  'Data/Input/DEM/egm96.grd*'
  'Data/Input/s1b-iw-grd-vh-roi.*'
  'Data/Input/sentinel1/*'
  'Data/Input/s1a_33NWB_*'
  'Data/Input/ResetMarginInput100x100.tiff'
  'Data/Input/QB_Toulouse_Ortho_PAN_Mask.tif'
  'Data/Baseline/OTB-Applications/Images/ResetMarginBaseline100x100.tiff'
  'Data/Baseline/OTB-Applications/Images/s1a_33NWB_*'
  'Data/Baseline/OTB/Images/apTvRaSARCalibration_SENTINEL1_recent*'
  'Data/Baseline/OTB/Images/apTvFEBinaryMorphologicalOperation.tif'
)

step_otb_source() {
  local tree="$cache/otb-tree"
  # The stamp holds the member list: changing the list re-extracts, nothing else does.
  local wanted
  wanted=$(printf '%s\n' "${OTB_MEMBERS[@]}")
  [[ -d "$tree/Data" && "$(cat "$stamps/otb-source" 2>/dev/null)" == "$wanted" ]] && return
  local version
  version=$(dpkg-query -W -f='${source:Version}' otb-bin)
  if ! apt-cache showsrc otb 2>/dev/null | grep -q "^Version: $version\$"; then
    log "adding a deb-src entry derived from the machine's apt sources"
    "${S1OPS_SYSTEM_PYTHON:-/usr/bin/python3}" scripts/apt_deb_src.py \
      | as_root tee /etc/apt/sources.list.d/s1ops-deb-src.sources >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q
  fi
  local dl="$cache/otb-src"
  rm -rf "$dl" && mkdir -p "$dl"
  log "downloading Debian's OTB source package (otb=$version, ~700 MB)"
  (cd "$dl" && apt-get source --download-only -q "otb=$version" >"$dl/download.log" 2>&1) \
    || { cat "$dl/download.log" >&2; exit 1; }
  log "extracting the SWIG wrapper sources and the test data we use"
  rm -rf "$tree.part" && mkdir -p "$tree.part"
  tar -xJf "$dl"/otb_*.orig.tar.xz -C "$tree.part" --wildcards "${OTB_MEMBERS[@]}"
  rm -rf "$tree" && mv "$tree.part" "$tree"
  ln -sfn otb-tree/Data "$cache/otb-data"
  rm -rf "$dl"  # 700 MB we no longer need: the stamp keeps the step from running again
  printf '%s' "$wanted" > "$stamps/otb-source"
}

# The machine's pip config lists local index folders that may not exist: hide that noise.
pip_in() {
  local target=$1
  shift
  "$target/bin/pip" -q "$@" 2> >(grep -v 'is ignored: it is neither a file' >&2)
}
pip_q() { pip_in "$venv" "$@"; }

step_venv() {
  if [[ ! -x "$venv/bin/python" ]]; then
    log "creating $venv with $($python_bin --version)"
    "$python_bin" -m venv "$venv"
  fi
  if ! fresh venv requirements.txt || ! fresh venv pyproject.toml; then
    log "installing pinned requirements into .venv"
    pip_q install --upgrade pip setuptools wheel
    pip_q install -r requirements.txt
    pip_q install --no-deps -e .
    touch "$stamps/venv"
  fi
  # GDAL's Python bindings must match the system libgdal OTB uses, so they are
  # built here (not pinned in requirements.txt); numpy must be present at build
  # time for gdal_array, hence no build isolation.
  local gdal_version
  gdal_version=$(gdal-config --version)
  if ! "$venv/bin/python" -c "from osgeo import gdal_array; import osgeo, sys; \
sys.exit(osgeo.__version__ != '$gdal_version')" 2>/dev/null; then
    log "building GDAL $gdal_version Python bindings against the system library"
    pip_q install --no-build-isolation --no-cache-dir --force-reinstall --no-deps \
      "GDAL==$gdal_version"
  fi
}

step_otb_python() {
  local site
  site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  # A .pth line runs at interpreter start: plain `import otbApplication` then finds
  # the applications, and numbers parse with '.' whatever the user's locale.
  cat > "$site/s1ops_otb_env.pth" <<'EOF'
import os; os.environ.setdefault('OTB_APPLICATION_PATH', '/usr/lib/x86_64-linux-gnu/otb/applications'); os.environ['LC_NUMERIC'] = 'C'
EOF
  if fresh otb-python docker/build-otb-python.sh \
    && "$venv/bin/python" -c 'import otbApplication' 2>/dev/null; then
    return
  fi
  log "building OTB's Python module (otbApplication), about two minutes"
  docker/build-otb-python.sh "$cache/otb-tree/Modules/Wrappers/SWIG/src" "$venv/bin/python" "$site"
  touch "$stamps/otb-python"
}

# sarsen, the independent gamma0 RTC of s1ops/testing/sarsen_reference.py, in a venv of
# its own: its ~45 packages (xarray, dask, pandas, rasterio with a bundled GDAL 3.10)
# stay out of .venv, whose GDAL is the system's 3.6 OTB uses. A plain venv: with
# --system-site-packages its numpy would shadow Debian's and break Debian's osgeo.
step_venv_sarsen() {
  fresh venv-sarsen requirements-sarsen.txt && [[ -x "$sarsen_venv/bin/python" ]] && return
  if [[ ! -x "$sarsen_venv/bin/python" ]]; then
    log "creating $sarsen_venv with $($python_bin --version)"
    "$python_bin" -m venv "$sarsen_venv"
  fi
  log "installing pinned requirements into .venv-sarsen"
  pip_in "$sarsen_venv" install --upgrade pip
  pip_in "$sarsen_venv" install -r requirements-sarsen.txt
  "$sarsen_venv/bin/python" -c 'import sarsen'
  touch "$stamps/venv-sarsen"
}

start=$(date +%s)
step_apt
step_otb_source
step_venv
step_otb_python
step_venv_sarsen
"$venv/bin/python" - <<'EOF'
import otbApplication
needed = {"SARCalibration", "ResetMargin", "OrthoRectification", "Synthetize", "BandMath",
          "BinaryMorphologicalOperation"}
missing = needed - set(otbApplication.Registry.GetAvailableApplications())
if missing:
    raise SystemExit(f"setup: OTB applications missing: {sorted(missing)}")
EOF
log "ready in $(( $(date +%s) - start )) s"
