"""Rewrite a real IW GRD annotation XML for another date, orbit, footprint and pixel size.

The template is the annotation of a real product shipped in OTB's test data
(S1A, 2015-12-15, absolute orbit 9048, 25 247 x 19 539 pixels at 10 m). Every
time in it moves by the same offset; orbit state vectors turn with the
footprint; pixel spacings, azimuth time interval, image size and index
fields scale with the reduction factor; the slant/ground range polynomials
(metres) stay; the geolocation grid is recomputed from all of that
(``geodesy``), so OTB's sensor model and the grid agree.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from s1ops.errors import SynthError
from s1ops.testing import geodesy

TEMPLATE_SUBDIR = "Input/sentinel1/xml"
TEMPLATE_STEM = "s1a-iw-grd-{pol}-20151215t050546-20151215t050615-009048-00cfc7-{num:03d}.xml"
TEMPLATE_NUMBERS = {"vv": 1, "vh": 2}
TEMPLATE_ORBIT = 9048
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
_TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?")
# ESA's GRD grids have 21 columns and 11 rows (20 x 10 intervals), last ones on the edges.
GRID_INTERVALS = (10, 20)
_INFO = "imageAnnotation/imageInformation/"


def template_path(template_dir: str | Path, polarisation: str) -> Path:
    """The real annotation XML for ``polarisation`` ('vv' or 'vh') under OTB's ``Data/`` folder."""
    pol = polarisation.lower()
    if pol not in TEMPLATE_NUMBERS:
        raise SynthError(f"polarisation={polarisation!r}. Must be one of: vv, vh")
    name = TEMPLATE_STEM.format(pol=pol, num=TEMPLATE_NUMBERS[pol])
    for folder in (Path(template_dir) / TEMPLATE_SUBDIR, Path(template_dir)):
        if (folder / name).is_file():
            return folder / name
    raise SynthError(
        f"template annotation {name} not found under {template_dir} "
        f"(expected OTB's test data Data/ folder holding {TEMPLATE_SUBDIR}/)"
    )


def parse_time(text: str) -> datetime:
    """A naive UTC datetime from an annotation time ('2015-12-15T05:05:46.154205')."""
    return datetime.fromisoformat(text.strip())


def format_time(moment: datetime) -> str:
    """Annotation spelling of a time: always a 'T' and six decimals."""
    return moment.strftime(TIME_FORMAT)


@dataclass(frozen=True)
class Rewrite:
    """How to turn the template into the synthetic product's annotation."""

    time_shift: timedelta
    rotation: np.ndarray  # 3x3 Earth-fixed rotation of the orbit
    scale: int  # pixel reduction factor per axis
    unit: str  # 'S1A'
    absolute_orbit: int
    datatake: int
    terrain_height_m: float  # above the geoid (or the ellipsoid when there is no geoid)


@dataclass(frozen=True)
class Geometry:
    """Image geometry of the synthetic product, shared by all its polarisations."""

    width: int
    height: int
    first_line: datetime
    line_interval_s: float
    range_spacing_m: float
    azimuth_spacing_m: float
    grid_lines: np.ndarray  # (nl,)
    grid_pixels: np.ndarray  # (np,)
    lat: np.ndarray  # (nl, np) degrees
    lon: np.ndarray
    height_m: np.ndarray  # ellipsoidal
    incidence_deg: np.ndarray
    elevation_deg: np.ndarray
    slant_time_s: np.ndarray  # two-way
    orbit: geodesy.Orbit  # times in seconds from first_line

    @property
    def last_line(self) -> datetime:
        """Zero-Doppler time of the last line."""
        return self.line_time(self.height - 1)

    def line_time(self, line: float) -> datetime:
        """Zero-Doppler time of an image line."""
        return self.first_line + timedelta(seconds=line * self.line_interval_s)

    def corners(self) -> list[tuple[float, float]]:
        """(lat, lon) of the image corners, in the order of ESA's manifest footprint."""
        return [
            (float(self.lat[i, j]), float(self.lon[i, j]))
            for i, j in ((-1, -1), (-1, 0), (0, 0), (0, -1))
        ]


def find_node(root: ET.Element, path: str) -> ET.Element:
    node = root.find(path)
    if node is None:
        raise SynthError(f"template annotation lacks {path}")
    return node


def set_text(root: ET.Element, path: str, value: object) -> None:
    find_node(root, path).text = str(value)


def _float(root: ET.Element, path: str) -> float:
    return float(find_node(root, path).text or "nan")


def _sci(value: float, digits: int = 15) -> str:
    return f"{value:.{digits}e}"


def shift_times(root: ET.Element, shift: timedelta) -> None:
    """Move every time in the document by ``shift``."""
    for element in root.iter():
        text = (element.text or "").strip()
        if text and _TIME_RE.fullmatch(text):
            element.text = format_time(parse_time(text) + shift)


def read_orbit(root: ET.Element, epoch: datetime) -> geodesy.Orbit:
    """State vectors of the annotation, times in seconds from ``epoch``."""
    times, pos, vel = [], [], []
    for orbit in root.iterfind("generalAnnotation/orbitList/orbit"):
        times.append((parse_time(find_node(orbit, "time").text or "") - epoch).total_seconds())
        pos.append([_float(orbit, f"position/{c}") for c in "xyz"])
        vel.append([_float(orbit, f"velocity/{c}") for c in "xyz"])
    return geodesy.Orbit(np.array(times), np.array(pos), np.array(vel))


def write_orbit(root: ET.Element, orbit: geodesy.Orbit) -> None:
    """Put ``orbit``'s positions and velocities into the annotation's state vectors."""
    nodes = root.findall("generalAnnotation/orbitList/orbit")
    for node, p, v in zip(nodes, orbit.positions, orbit.velocities, strict=True):
        for axis, value in zip("xyz", p, strict=True):
            set_text(node, f"position/{axis}", _sci(value))
        for axis, value in zip("xyz", v, strict=True):
            set_text(node, f"velocity/{axis}", _sci(value))


def ground_to_slant(
    root: ET.Element, epoch: datetime, times: np.ndarray, ground: np.ndarray
) -> np.ndarray:
    """Slant range (m) of ground ranges at azimuth times, as OTB interpolates GRSR records."""
    records = root.findall("coordinateConversion/coordinateConversionList/coordinateConversion")
    rec_t = np.array(
        [
            (parse_time(find_node(r, "azimuthTime").text or "") - epoch).total_seconds()
            for r in records
        ]
    )
    gr0 = np.array([_float(r, "gr0") for r in records])
    coeffs = np.array(
        [[float(c) for c in (find_node(r, "grsrCoefficients").text or "").split()] for r in records]
    )
    index = np.clip(np.searchsorted(rec_t, times, side="right") - 1, 0, len(rec_t) - 2)
    mu = np.clip((times - rec_t[index]) / (rec_t[index + 1] - rec_t[index]), 0.0, 1.0)
    c = coeffs[index] * (1 - mu)[:, None] + coeffs[index + 1] * mu[:, None]
    origin = gr0[index] * (1 - mu) + gr0[index + 1] * mu
    x = ground - origin
    out = np.zeros_like(x)
    for k in range(c.shape[1] - 1, -1, -1):
        out = c[:, k] + x * out
    return out


def grid_positions(size: int, intervals: int) -> np.ndarray:
    """Grid indices from 0 to ``size - 1``: a regular step, then the last index."""
    step = math.ceil(size / intervals)
    return np.array([*range(0, size - 1, step), size - 1])


def compute_geometry(root: ET.Element, rewrite: Rewrite, geoid: geodesy.Geoid | None) -> Geometry:
    """Rescaled geometry and geolocation grid of a time-shifted, orbit-turned annotation."""
    first = parse_time(find_node(root, _INFO + "productFirstLineUtcTime").text or "")
    s = rewrite.scale
    width = math.ceil(int(_float(root, _INFO + "numberOfSamples")) / s)
    height = math.ceil(int(_float(root, _INFO + "numberOfLines")) / s)
    interval = _float(root, _INFO + "azimuthTimeInterval") * s
    spacing = _float(root, _INFO + "rangePixelSpacing") * s
    orbit = read_orbit(root, first)
    lines = grid_positions(height, GRID_INTERVALS[0])
    pixels = grid_positions(width, GRID_INTERVALS[1])
    ll, pp = np.meshgrid(lines, pixels, indexing="ij")
    t = (ll * interval).ravel()
    slant = ground_to_slant(root, first, t, (pp * spacing).ravel().astype(float))
    sat_pos, sat_vel = orbit.state(t)
    h = np.full(t.shape, rewrite.terrain_height_m)
    for _ in range(2 if geoid is not None else 1):
        point = geodesy.zero_doppler_points(sat_pos, sat_vel, slant, h)
        lat, lon, _ = geodesy.ecef_to_geodetic(point)
        if geoid is not None:
            h = rewrite.terrain_height_m + geoid.height(lat, lon)
    point = geodesy.zero_doppler_points(sat_pos, sat_vel, slant, h)
    lat, lon, hgt = geodesy.ecef_to_geodetic(point)
    inc, elev = geodesy.look_angles(sat_pos, point)
    shape = ll.shape
    return Geometry(
        width=width,
        height=height,
        first_line=first,
        line_interval_s=interval,
        range_spacing_m=spacing,
        azimuth_spacing_m=_float(root, _INFO + "azimuthPixelSpacing") * s,
        grid_lines=lines,
        grid_pixels=pixels,
        lat=lat.reshape(shape),
        lon=lon.reshape(shape),
        height_m=hgt.reshape(shape),
        incidence_deg=inc.reshape(shape),
        elevation_deg=elev.reshape(shape),
        slant_time_s=(2 * slant / geodesy.SPEED_OF_LIGHT).reshape(shape),
        orbit=orbit,
    )


def _write_grid(root: ET.Element, geo: Geometry) -> None:
    holder = find_node(root, "geolocationGrid/geolocationGridPointList")
    for child in list(holder):
        holder.remove(child)
    for i, line in enumerate(geo.grid_lines):
        for j, pixel in enumerate(geo.grid_pixels):
            point = ET.SubElement(holder, "geolocationGridPoint")
            for tag, value in (
                ("azimuthTime", format_time(geo.line_time(int(line)))),
                ("slantRangeTime", _sci(geo.slant_time_s[i, j])),
                ("line", int(line)),
                ("pixel", int(pixel)),
                ("latitude", _sci(geo.lat[i, j])),
                ("longitude", _sci(geo.lon[i, j])),
                ("height", _sci(geo.height_m[i, j])),
                ("incidenceAngle", _sci(geo.incidence_deg[i, j])),
                ("elevationAngle", _sci(geo.elevation_deg[i, j])),
            ):
                ET.SubElement(point, tag).text = str(value)
    holder.set("count", str(len(holder)))
    ET.indent(holder, space="  ", level=2)


def _rescale_indices(root: ET.Element, scale: int) -> None:
    if scale == 1:
        return
    for bounds in root.iterfind(
        "swathMerging/swathMergeList/swathMerge/swathBoundsList/swathBounds"
    ):
        for tag in ("firstAzimuthLine", "firstRangeSample", "lastAzimuthLine", "lastRangeSample"):
            set_text(bounds, tag, int(_float(bounds, tag)) // scale)


def _write_image_info(root: ET.Element, geo: Geometry, scale: int) -> None:
    set_text(root, _INFO + "numberOfSamples", geo.width)
    set_text(root, _INFO + "numberOfLines", geo.height)
    set_text(root, _INFO + "azimuthTimeInterval", _sci(geo.line_interval_s))
    set_text(root, _INFO + "azimuthFrequency", _sci(1 / geo.line_interval_s))
    set_text(root, _INFO + "rangePixelSpacing", _sci(geo.range_spacing_m, 6))
    set_text(root, _INFO + "azimuthPixelSpacing", _sci(geo.azimuth_spacing_m, 6))
    set_text(root, _INFO + "productLastLineUtcTime", format_time(geo.last_line))
    set_text(root, _INFO + "incidenceAngleMidSwath", _sci(float(np.mean(geo.incidence_deg))))
    set_text(root, "adsHeader/stopTime", format_time(geo.last_line))
    mid = np.array([geo.height * geo.line_interval_s / 2])
    pos, vel = geo.orbit.state(mid)
    set_text(
        root,
        "generalAnnotation/productInformation/platformHeading",
        _sci(geodesy.heading_deg(pos[0], vel[0])),
    )
    mean_height = _sci(float(np.mean(geo.height_m)))
    for node in root.iterfind("generalAnnotation/terrainHeightList/terrainHeight/value"):
        node.text = mean_height


def rewrite_annotation(
    template: Path, rewrite: Rewrite, geoid: geodesy.Geoid | None, geometry: Geometry | None = None
) -> tuple[ET.Element, Geometry]:
    """The rewritten annotation of one polarisation, and the product geometry.

    Give the ``geometry`` computed for the first polarisation to the others:
    they share it, and the grid is the slow part.
    """
    root = ET.parse(template).getroot()
    shift_times(root, rewrite.time_shift)
    first = parse_time(find_node(root, _INFO + "productFirstLineUtcTime").text or "")
    write_orbit(root, geodesy.transformed(read_orbit(root, first), rewrite.rotation))
    geo = geometry or compute_geometry(root, rewrite, geoid)
    set_text(root, "adsHeader/missionId", rewrite.unit)
    set_text(root, "adsHeader/absoluteOrbitNumber", rewrite.absolute_orbit)
    set_text(root, "adsHeader/missionDataTakeId", rewrite.datatake)
    _write_image_info(root, geo, rewrite.scale)
    _rescale_indices(root, rewrite.scale)
    _write_grid(root, geo)
    return root, geo


def to_bytes(root: ET.Element) -> bytes:
    """The XML document as ESA writes it (declaration with double quotes, UTF-8)."""
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"
