"""Synthetic Sentinel-1 IW GRD SAFE products that OTB reads as it reads real ones.

``make_product`` starts from the real annotation of OTB's test data (read at
run time from ``template_dir``, never shipped) and writes a complete SAFE:
``manifest.safe``, ``annotation/``, ``annotation/calibration/`` (calibration
and noise), ``measurement/`` (uint16 GeoTIFF with the grid as GCPs) and a
quick-look in ``preview/``, optionally zipped.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from s1ops.errors import SynthError
from s1ops.sentinel1.ids import POLARISATION_CODES, ProductId, relative_orbit_from_absolute
from s1ops.sentinel1.safe import parse_ipf_version
from s1ops.testing import annotation, backscatter, calibration, geodesy, manifest
from s1ops.vocabulary import ORBITS_PER_CYCLE

log = logging.getLogger(__name__)

# The template: S1A_IW_GRDH_1SDV_20151215T050546_20151215T050615_009048_00CFC7_*.
TEMPLATE_START = datetime(2015, 12, 15, 5, 5, 46, 154205)
TEMPLATE_ORBIT = 9048
TEMPLATE_DATATAKE = 0x00CFC7
TEMPLATE_RELATIVE_ORBIT = 51  # (9048 - 73) mod 175 + 1
# Orbits per day on the 12-day repeat cycle, to date the default orbit number.
ORBITS_PER_DAY = ORBITS_PER_CYCLE / 12
# No-data columns of real GRDH products at each side, in full-size pixels.
MARGIN_PX = 60
# S1Tiling looks at line 100 and line height-100 to decide whether to cut a
# border: the blanked band reaches past it.
BORDER_CHECK_LINE = 100
BORDER_BAND_LINES = 120
GEOID_SUBPATH = "Input/DEM/egm96.grd"
OTB_DATA_ENV = "S1OPS_OTB_DATA"
# Processing ends about an hour after sensing for fast-24h products.
PROCESSING_DELAY = timedelta(minutes=50)
QUICKLOOK_WIDTH = 1000


def default_template_dir() -> Path:
    """``$S1OPS_OTB_DATA`` or ``<repo>/.cache/otb-data`` (OTB's ``Data/`` folder)."""
    env = os.environ.get(OTB_DATA_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / ".cache" / "otb-data"


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


@dataclass(frozen=True)
class SynthSpec:
    """What to generate; the defaults reproduce the template at a tenth of its pixels."""

    start: datetime = TEMPLATE_START  # UTC (naive = UTC) of the first line
    unit: str = "S1A"
    absolute_orbit: int | None = None  # None: the template's track on that date
    polarisations: tuple[str, ...] = ("vv", "vh")
    scale: int = 10  # pixel reduction per axis; 1 = full size
    shift_lon_deg: float = 0.0
    shift_lat_deg: float = 0.0
    margin_px: int = MARGIN_PX  # no-data columns at each side, full-size pixels
    cut_top: bool = False  # blank the top lines, past S1Tiling's check line
    cut_bottom: bool = False
    terrain_height_m: float = 0.0  # above the geoid; make_flat_dem at this height
    seed: int = 0
    ipf_version: str = "002.72"
    datatake: int | None = None  # None: derived from the orbit
    orbit_direction: str = field(default="DES", init=False)  # the template descends

    def __post_init__(self) -> None:
        if self.unit.upper() not in ("S1A", "S1B", "S1C"):
            raise SynthError(f"unit={self.unit!r}. Must be one of: S1A, S1B, S1C")
        if self.scale < 1:
            raise SynthError(f"scale={self.scale}: must be a positive integer")
        bad = [p for p in self.polarisations if p.lower() not in annotation.TEMPLATE_NUMBERS]
        if bad or not self.polarisations:
            raise SynthError(f"polarisations={self.polarisations!r}. Must be among: vv, vh")
        if parse_ipf_version(self.ipf_version) is None:
            raise SynthError(f"ipf_version={self.ipf_version!r}: expected e.g. '002.72'")
        if abs(self.shift_lat_deg) > 60:
            raise SynthError(f"shift_lat_deg={self.shift_lat_deg}: must be within +-60")

    @property
    def start_utc(self) -> datetime:
        """Naive UTC start."""
        return _naive_utc(self.start)

    @property
    def orbit(self) -> int:
        """Absolute orbit: given, or the one of the template's relative orbit nearest the date."""
        if self.absolute_orbit is not None:
            return self.absolute_orbit
        days = (self.start_utc - TEMPLATE_START).total_seconds() / 86400
        guess = TEMPLATE_ORBIT + round(days * ORBITS_PER_DAY)
        wanted = TEMPLATE_RELATIVE_ORBIT
        here = relative_orbit_from_absolute(self.unit, guess) or wanted
        step = (wanted - here + ORBITS_PER_CYCLE // 2) % ORBITS_PER_CYCLE - ORBITS_PER_CYCLE // 2
        return guess + step

    @property
    def relative_orbit(self) -> int:
        """Relative orbit of ``orbit`` for ``unit``."""
        rel = relative_orbit_from_absolute(self.unit, self.orbit)
        if rel is None:  # pragma: no cover - units are validated
            raise SynthError(f"no relative orbit for unit {self.unit}")
        return rel

    @property
    def datatake_id(self) -> int:
        """Mission datatake id (the name's sixth field, in hex)."""
        if self.datatake is not None:
            return self.datatake
        return (TEMPLATE_DATATAKE + 9 * (self.orbit - TEMPLATE_ORBIT)) % 0x100000

    @property
    def polarisation_code(self) -> str:
        """'DV' for ('vv', 'vh'), 'SV' for ('vv',), 'VH' for ('vh',)."""
        pols = tuple(p.lower() for p in self.polarisations)
        for code in ("DV", "SV", "VH"):
            if POLARISATION_CODES[code] == pols:
                return code
        raise SynthError(
            f"polarisations={self.polarisations!r}: use ('vv', 'vh'), ('vv',) or ('vh',)"
        )

    def no_data(self, height: int) -> backscatter.NoData:
        """Blank borders in the product's own pixels."""
        band = min(max(BORDER_BAND_LINES, BORDER_CHECK_LINE + 1), height // 3)
        return backscatter.NoData(
            columns=math.ceil(self.margin_px / self.scale),
            top_lines=band if self.cut_top else 0,
            bottom_lines=band if self.cut_bottom else 0,
        )


def _rewrite(spec: SynthSpec, template_dir: Path) -> annotation.Rewrite:
    root = annotation.ET.parse(annotation.template_path(template_dir, "vv")).getroot()
    lons = [float(p.text or 0) for p in root.iterfind(".//geolocationGridPoint/longitude")]
    return annotation.Rewrite(
        time_shift=spec.start_utc - TEMPLATE_START,
        rotation=geodesy.rotation(spec.shift_lon_deg, spec.shift_lat_deg, float(np.mean(lons))),
        scale=spec.scale,
        unit=spec.unit.upper(),
        absolute_orbit=spec.orbit,
        datatake=spec.datatake_id,
        terrain_height_m=spec.terrain_height_m,
    )


def _product_id(spec: SynthSpec, geo: annotation.Geometry) -> ProductId:
    stem = f"{spec.unit}{geo.first_line:%Y%m%dT%H%M%S}{spec.orbit}{spec.seed}{spec.scale}"
    crc = hashlib.md5(stem.encode(), usedforsecurity=False).hexdigest()[:4].upper()
    return ProductId(
        unit=spec.unit.upper(),
        mode="IW",
        product_type="GRD",
        resolution="H",
        level="1",
        product_class="S",
        polarisation_code=spec.polarisation_code,
        start=geo.first_line.replace(microsecond=0, tzinfo=UTC),
        stop=geo.last_line.replace(microsecond=0, tzinfo=UTC),
        absolute_orbit=spec.orbit,
        datatake=f"{spec.datatake_id:06X}",
        crc=crc,
    )


def load_geoid(template_dir: Path) -> geodesy.Geoid | None:
    """OTB's EGM96 grid from its test data, None (heights above the ellipsoid) when absent."""
    path = template_dir / GEOID_SUBPATH
    if not path.is_file():
        log.warning("no geoid at %s: grid heights are taken above the ellipsoid", path)
        return None
    return geodesy.Geoid.read(path)


def make_product(
    spec: SynthSpec,
    out_dir: str | Path,
    template_dir: str | Path | None = None,
    *,
    zip_it: bool = False,
) -> Path:
    """Write the product into ``out_dir``; returns its ``.SAFE`` folder, or its ``.zip``.

    An existing product of the same name is replaced.
    """
    tdir = Path(template_dir) if template_dir is not None else default_template_dir()
    geoid = load_geoid(tdir)
    rewrite = _rewrite(spec, tdir)
    roots: dict[str, annotation.ET.Element] = {}
    geo = None
    for pol in spec.polarisations:
        roots[pol], geo = annotation.rewrite_annotation(
            annotation.template_path(tdir, pol), rewrite, geoid, geo
        )
    assert geo is not None  # polarisations is never empty
    pid = _product_id(spec, geo)
    safe = Path(out_dir) / pid.safe_name
    if safe.exists():
        shutil.rmtree(safe)
    files = _write_pols(spec, safe, pid, roots, geo)
    _write_preview(safe, pid, spec.polarisations[0])
    info = _manifest_info(spec, geo, roots[spec.polarisations[0]])
    (safe / manifest.MANIFEST_NAME).write_bytes(manifest.manifest_xml(info, safe, files))
    log.info("synthetic product %s (%d x %d pixels)", safe, geo.width, geo.height)
    return zip_safe(safe) if zip_it else safe


def _write_pols(
    spec: SynthSpec,
    safe: Path,
    pid: ProductId,
    roots: dict[str, annotation.ET.Element],
    geo: annotation.Geometry,
) -> list[str]:
    for sub in ("annotation/calibration", "measurement", "preview"):
        (safe / sub).mkdir(parents=True, exist_ok=True)
    layout = calibration.LutLayout.for_geometry(geo)
    ipf = parse_ipf_version(spec.ipf_version) or (2, 72)
    files = []
    for pol in spec.polarisations:
        name = pid.measurement(pol)
        stem = name.format().rsplit(".", 1)[0]
        root = roots[pol]
        annotation.set_text(root, "adsHeader/imageNumber", f"{name.image_number:03d}")
        header = annotation.find_node(root, "adsHeader")
        docs = {
            f"annotation/{stem}.xml": root,
            f"annotation/calibration/calibration-{stem}.xml": calibration.calibration_xml(
                header, geo, layout
            ),
            f"annotation/calibration/noise-{stem}.xml": calibration.noise_xml(
                header, geo, layout, ipf
            ),
        }
        for relative, doc in docs.items():
            (safe / relative).write_bytes(annotation.to_bytes(doc))
        tags = backscatter.TiffTags(
            description=f"Sentinel-1{spec.unit[-1].upper()} IW GRD HR L1",
            software=f"Sentinel-1 IPF {spec.ipf_version}",
            datetime=f"{geo.last_line + PROCESSING_DELAY:%Y:%m:%d %H:%M:%S}",
        )
        strips = backscatter.digital_numbers(geo, pol, spec.seed, spec.no_data(geo.height))
        backscatter.write_measurement(safe / "measurement" / name.format(), geo, strips, tags)
        files += [*docs, f"measurement/{name.format()}"]
    return files


def _write_preview(safe: Path, pid: ProductId, pol: str) -> None:
    from osgeo import gdal

    source = safe / "measurement" / pid.measurement(pol).format()
    gdal.Translate(
        str(safe / "preview" / "quick-look.png"),
        str(source),
        format="PNG",
        width=QUICKLOOK_WIDTH,
        height=0,
        outputType=gdal.GDT_Byte,
        scaleParams=[[0, 400, 0, 255]],
        resampleAlg="average",
    )
    for extra in (safe / "preview").glob("quick-look.png.aux.xml"):
        extra.unlink()


def _manifest_info(
    spec: SynthSpec, geo: annotation.Geometry, root: annotation.ET.Element
) -> manifest.ManifestInfo:
    anx = annotation.parse_time(
        annotation.find_node(root, "imageAnnotation/imageInformation/ascendingNodeTime").text or ""
    )
    return manifest.ManifestInfo(
        unit=spec.unit.upper(),
        polarisations=tuple(p.lower() for p in spec.polarisations),
        absolute_orbit=spec.orbit,
        relative_orbit=spec.relative_orbit,
        cycle=(spec.orbit - 1) // ORBITS_PER_CYCLE + 1,
        orbit_pass="DESCENDING",
        start=geo.first_line,
        stop=geo.last_line,
        ascending_node=anx,
        processing_start=geo.last_line + PROCESSING_DELAY,
        processing_stop=geo.last_line + PROCESSING_DELAY + timedelta(seconds=70),
        ipf_version=spec.ipf_version,
        datatake=spec.datatake_id,
        footprint=geo.corners(),
    )


def zip_safe(safe: Path, *, remove: bool = True) -> Path:
    """Zip ``X.SAFE`` into ``X.zip`` beside it (members under ``X.SAFE/``), as ESA ships them."""
    target = safe.with_suffix(".zip")
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(safe.rglob("*")):
            if path.is_file():
                # The images are already deflated inside: storing them saves minutes.
                method = zipfile.ZIP_STORED if path.suffix == ".tiff" else zipfile.ZIP_DEFLATED
                archive.write(path, f"{safe.name}/{path.relative_to(safe).as_posix()}", method)
    if remove:
        shutil.rmtree(safe)
    return target
