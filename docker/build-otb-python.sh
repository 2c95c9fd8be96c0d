#!/usr/bin/env bash
# Build OTB's Python module (otbApplication) against Debian's installed OTB 8.1.
#
# Debian packages OTB's C++ libraries and applications but not the SWIG Python
# wrapper. This script compiles it from the SWIG sources of Debian's own OTB
# source package, for the Python interpreter given. Used by `make setup` on the
# host and by docker/Dockerfile, so both get the same module.
#
# usage: build-otb-python.sh SWIG_SRC_DIR PYTHON DEST_DIR
#   SWIG_SRC_DIR  Modules/Wrappers/SWIG/src of the OTB source tree
#   PYTHON        interpreter the module is for (its headers and numpy are used)
#   DEST_DIR      where otbApplication.py and _otbApplication*.so are written
set -euo pipefail

src=${1:?SWIG source folder (Modules/Wrappers/SWIG/src)}
python=${2:?python interpreter}
dest=${3:?destination folder}

otb_inc=$(ls -d /usr/include/OTB-* 2>/dev/null | sort -V | tail -n 1)
itk_inc=$(ls -d /usr/include/ITK-* 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$otb_inc" || -z "$itk_inc" ]]; then
  echo "build-otb-python: OTB/ITK headers not found under /usr/include (install libotb-dev)" >&2
  exit 1
fi
otb_ver=${otb_inc##*/OTB-}

gdal_cflags=$(gdal-config --cflags 2>/dev/null || echo -I/usr/include/gdal)
py_inc=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
np_inc=$("$python" -c 'import numpy; print(numpy.get_include())')
ext_suffix=$("$python" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest"

# SWIG 4.1 removed the flattened static-method names (Registry_CreateApplication)
# that otbApplication.i's Python helpers call: -flatstaticmethod brings them back.
swig -python -c++ -flatstaticmethod -DOTB_SWIGNUMPY=1 \
  -I"$src" -I"$src/python" -I"$otb_inc" -I"$itk_inc" \
  -outdir "$work" -o "$work/otbApplicationPYTHON_wrap.cxx" "$src/otbApplication.i"

# The wrapper triggers thousands of harmless warnings: -w keeps the log readable.
cxxflags=(-O2 -fPIC -w -std=c++14 -I"$src" -I"$src/python" -I"$otb_inc" -I"$itk_inc"
  -I"$py_inc" -I"$np_inc" $gdal_cflags)
objs=()
pids=()
for f in "$work/otbApplicationPYTHON_wrap.cxx" "$src/python/itkPyCommand.cxx" \
  "$src/python/otbPythonLogOutput.cxx" "$src/python/otbProgressReporterManager.cxx"; do
  obj="$work/$(basename "${f%.cxx}").o"
  g++ "${cxxflags[@]}" -c "$f" -o "$obj" &
  pids+=($!)
  objs+=("$obj")
done
for pid in "${pids[@]}"; do wait "$pid"; done

libs=(-lOTBApplicationEngine-"$otb_ver" -lOTBCommon-"$otb_ver" -lOTBImageBase-"$otb_ver"
  -lOTBMetadata-"$otb_ver")
itk_libs=$(ls /usr/lib/x86_64-linux-gnu/libITKCommon-*.so 2>/dev/null | head -n 1 || true)
[[ -n "$itk_libs" ]] && libs+=("$itk_libs")

g++ -shared "${objs[@]}" -o "$work/_otbApplication$ext_suffix" "${libs[@]}"
install -m 0644 "$work/otbApplication.py" "$dest/otbApplication.py"
install -m 0755 "$work/_otbApplication$ext_suffix" "$dest/_otbApplication$ext_suffix"
echo "build-otb-python: built $dest/_otbApplication$ext_suffix"
