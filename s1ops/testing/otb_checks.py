"""Check synthetic products with OTB itself, in a child process.

OTB segfaults on some malformed metadata instead of raising: every OTB call
here runs in ``python -m s1ops.testing.otb_checks ...``, so a crash becomes an
``OtbError`` with the child's exit code and log tail. The child prints its
answer as one marked JSON line on stdout.

``index_copy`` makes the geometry measurable: a copy of a product whose
measurement image holds its own column and line numbers (two uint16 bands).
Orthorectified with a linear interpolator, the ramps give back, at any map
position, the image position OTB's sensor model put there.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from s1ops.errors import OtbError

TIMEOUT_S = 300
_TAIL_CHARS = 3000
_MARK = "otb-check-answer: "


def run_child(args: list[str], timeout_s: float = TIMEOUT_S) -> dict[str, Any]:
    """Run one check in a child Python; its JSON answer, or ``OtbError``."""
    command = [sys.executable, "-m", "s1ops.testing.otb_checks", *args]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise OtbError(args[0], None, f"timed out after {timeout_s} s") from exc
    # OTB's own stdout may be flushed after ours: take the last JSON object line.
    answers = [line for line in done.stdout.splitlines() if line.startswith(_MARK)]
    if done.returncode != 0 or not answers:
        raise OtbError(args[0], done.returncode, (done.stdout + done.stderr)[-_TAIL_CHARS:])
    return json.loads(answers[-1][len(_MARK) :])


def read_metadata(tiff: Path) -> dict[str, Any]:
    """What OTB reads from a measurement image (``ReadImageInfo``), checked in a child."""
    return run_child(["metadata", str(tiff)])


def calibrate(tiff: Path, out: Path, lut: str = "sigma", remove_noise: bool = False) -> Path:
    """``SARCalibration`` of a measurement image into a float GeoTIFF."""
    run_child(
        [
            "calibrate",
            str(tiff),
            str(out),
            "--lut",
            lut,
            *(["--remove-noise"] if remove_noise else []),
        ]
    )
    return out


def orthorectify(
    tiff: Path,
    out: Path,
    *,
    epsg: int,
    origin: tuple[float, float],
    size: tuple[int, int],
    spacing_m: float,
    dem_dir: Path,
    geoid: Path,
) -> Path:
    """``OrthoRectification`` onto an explicit map extent (upper-left corner, size, spacing)."""
    args = ["ortho", str(tiff), str(out), "--epsg", str(epsg), "--spacing", str(spacing_m)]
    args += [
        "--ulx",
        str(origin[0]),
        "--uly",
        str(origin[1]),
        "--sizex",
        str(size[0]),
        "--sizey",
        str(size[1]),
    ]
    run_child([*args, "--dem", str(dem_dir), "--geoid", str(geoid)])
    return out


def index_copy(safe: Path, out_dir: Path, polarisation: str = "vv") -> Path:
    """Copy ``safe`` into ``out_dir``; its ``polarisation`` image then holds (column, line) ramps.

    Returns the path of the ramp image.
    """
    from osgeo import gdal

    gdal.UseExceptions()
    target = out_dir / safe.name
    shutil.copytree(safe, target)
    tiff = next((target / "measurement").glob(f"*-{polarisation}-*.tiff"))
    source = gdal.Open(str(tiff))
    width, height = source.RasterXSize, source.RasterYSize
    tags = source.GetMetadata()
    source = None
    dataset = gdal.GetDriverByName("GTiff").Create(
        str(tiff), width, height, 2, gdal.GDT_UInt16, ["TILED=YES", "COMPRESS=DEFLATE"]
    )
    dataset.SetMetadata(tags)
    # GDAL's WriteArray needs contiguous arrays (a broadcast view crashes it).
    columns = np.tile(np.arange(width, dtype=np.uint16), (height, 1))
    dataset.GetRasterBand(1).WriteArray(columns)
    lines = np.repeat(np.arange(height, dtype=np.uint16)[:, None], width, axis=1)
    dataset.GetRasterBand(2).WriteArray(lines)
    dataset = None
    return tiff


def sample_bilinear(
    image: np.ndarray, geotransform: tuple[float, ...], x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """Bilinear values of a north-up ``image`` at map coordinates (NaN outside)."""
    col = (x - geotransform[0]) / geotransform[1] - 0.5
    row = (y - geotransform[3]) / geotransform[5] - 0.5
    r0, c0 = np.floor(row).astype(int), np.floor(col).astype(int)
    inside = (r0 >= 0) & (c0 >= 0) & (r0 < image.shape[0] - 1) & (c0 < image.shape[1] - 1)
    r0, c0 = np.where(inside, r0, 0), np.where(inside, c0, 0)
    fr, fc = row - r0, col - c0
    value = (
        image[r0, c0] * (1 - fr) * (1 - fc)
        + image[r0, c0 + 1] * (1 - fr) * fc
        + image[r0 + 1, c0] * fr * (1 - fc)
        + image[r0 + 1, c0 + 1] * fr * fc
    )
    return np.where(inside, value, np.nan)


# --- child side: only this part imports OTB -------------------------------------------------


def _child_metadata(args: argparse.Namespace) -> dict[str, Any]:
    import otbApplication as otb

    app = otb.Registry.CreateApplication("ReadImageInfo")
    app.SetParameterString("in", args.tiff)
    app.Execute()
    md = app.GetImageMetadata("in")
    present = [key for key in ("SAR", "SARCalib", "GCP") if md.has(key)]
    return {
        "sensor": app.GetParameterString("sensor"),
        "size": [app.GetParameterInt("sizex"), app.GetParameterInt("sizey")],
        "gcp_count": app.GetParameterInt("gcp.count"),
        "geometries": present,
        "polarization": md["Polarization"] if md.has("Polarization") else None,
        "orbit_direction": md["OrbitDirection"] if md.has("OrbitDirection") else None,
        "orbit_number": md["OrbitNumber"] if md.has("OrbitNumber") else None,
        "number_of_lines": md["NumberOfLines"] if md.has("NumberOfLines") else None,
        "mission": md["Mission"] if md.has("Mission") else None,
    }


def _child_calibrate(args: argparse.Namespace) -> dict[str, Any]:
    import otbApplication as otb

    app = otb.Registry.CreateApplication("SARCalibration")
    app.SetParameterString("in", args.tiff)
    app.SetParameterString("out", args.out)
    app.SetParameterOutputImagePixelType("out", otb.ImagePixelType_float)
    app.SetParameterString("lut", args.lut)
    app.SetParameterInt("removenoise", int(args.remove_noise))
    app.ExecuteAndWriteOutput()
    return {"out": args.out}


def _child_ortho(args: argparse.Namespace) -> dict[str, Any]:
    import otbApplication as otb

    app = otb.Registry.CreateApplication("OrthoRectification")
    app.SetParameterString("io.in", args.tiff)
    app.SetParameterString("io.out", args.out)
    app.SetParameterOutputImagePixelType("io.out", otb.ImagePixelType_float)
    app.SetParameterString("map", "epsg")
    app.SetParameterInt("map.epsg.code", args.epsg)
    app.SetParameterString("outputs.mode", "auto")
    for key, value in (("ulx", args.ulx), ("uly", args.uly)):
        app.SetParameterFloat(f"outputs.{key}", value)
    app.SetParameterInt("outputs.sizex", args.sizex)
    app.SetParameterInt("outputs.sizey", args.sizey)
    app.SetParameterFloat("outputs.spacingx", args.spacing)
    app.SetParameterFloat("outputs.spacingy", -args.spacing)
    app.SetParameterString("interpolator", "linear")
    app.SetParameterString("elev.dem", args.dem)
    app.SetParameterString("elev.geoid", args.geoid)
    app.SetParameterFloat("opt.gridspacing", 4 * args.spacing)
    app.ExecuteAndWriteOutput()
    return {"out": args.out}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m s1ops.testing.otb_checks")
    sub = parser.add_subparsers(dest="step", required=True)
    meta = sub.add_parser("metadata")
    meta.add_argument("tiff")
    meta.set_defaults(run=_child_metadata)
    cal = sub.add_parser("calibrate")
    cal.add_argument("tiff")
    cal.add_argument("out")
    cal.add_argument("--lut", default="sigma")
    cal.add_argument("--remove-noise", action="store_true")
    cal.set_defaults(run=_child_calibrate)
    ortho = sub.add_parser("ortho")
    ortho.add_argument("tiff")
    ortho.add_argument("out")
    for name, kind in (("epsg", int), ("sizex", int), ("sizey", int)):
        ortho.add_argument(f"--{name}", type=kind, required=True)
    for name in ("ulx", "uly", "spacing"):
        ortho.add_argument(f"--{name}", type=float, required=True)
    ortho.add_argument("--dem", required=True)
    ortho.add_argument("--geoid", required=True)
    ortho.set_defaults(run=_child_ortho)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Child entry point: run one OTB step, print its JSON answer last."""
    args = _parser().parse_args(argv)
    print(_MARK + json.dumps(args.run(args)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
