"""Reading Sentinel-1 SAFE products, as folders or zips (zips are never extracted).

Everything planning needs comes from ``manifest.safe``: footprint, orbits,
pass, acquisition period, IPF version and the measurement images listed in
its data objects. ``read_annotation`` reads a product annotation XML (image
size, and a footprint following its whole geolocation grid). Anything
missing or inconsistent is a ``SafeError`` naming the product and what is
wrong.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from s1ops.cache.layout import CacheLayout, product_id_of
from s1ops.errors import ProductNameError, SafeError
from s1ops.sentinel1.data_objects import MANIFEST, DataObject, data_objects
from s1ops.sentinel1.ids import MeasurementName, ProductId
from s1ops.sentinel1.records import ProductRecord

log = logging.getLogger(__name__)

_ANNOTATION = "annotation"
_GRID_TAGS = ("line", "pixel", "latitude", "longitude")
PASSES = {"ASCENDING": "ASC", "DESCENDING": "DES"}
_IPF_RE = re.compile(r"(?:Sentinel-1 IPF\s+)?(\d+)\.(\d+)\s*")


def parse_ipf_version(text: str) -> tuple[int, int] | None:
    """IPF version from ``'Sentinel-1 IPF 002.72'`` (a TIFFTAG_SOFTWARE) or ``'002.72'``.

    Returns ``(2, 72)``, which compares correctly with ``(2, 90)``; None when
    the text holds no version.
    """
    match = _IPF_RE.fullmatch(text.strip())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class SafeProduct:
    """What we read from one SAFE product (folder or zip)."""

    path: Path  # the .SAFE folder or the .zip
    product_id: ProductId
    footprint: BaseGeometry  # lon/lat; a MultiPolygon when split at the antimeridian
    absolute_orbit: int
    relative_orbit: int
    orbit_pass: str  # 'ASCENDING' or 'DESCENDING'
    start: datetime  # UTC, full precision from the manifest
    stop: datetime
    ipf_version: str | None  # as written: '003.10'
    measurements: tuple[tuple[str, str], ...]  # (polarisation, path inside the SAFE)
    # Every file the manifest lists, with its size and MD5 (s1ops.catalogue.verify checks them).
    data_objects: tuple[DataObject, ...] = ()

    @property
    def orbit_direction(self) -> str:
        """'ASC' or 'DES', as in output names."""
        return PASSES[self.orbit_pass]

    @property
    def polarisations(self) -> tuple[str, ...]:
        """Polarisations with a measurement image."""
        return tuple(pol for pol, _ in self.measurements)

    @property
    def is_zip(self) -> bool:
        """Whether the product is still zipped."""
        return self.path.suffix.lower() == ".zip"

    def measurement_member(self, polarisation: str) -> str:
        """Path of the measurement image inside the SAFE: ``measurement/s1a-...tiff``."""
        for pol, member in self.measurements:
            if pol == polarisation.lower():
                return member
        raise SafeError(
            str(self.path),
            f"no measurement for polarisation={polarisation!r}; "
            f"has: {', '.join(self.polarisations)}",
        )

    def annotation_member(self, polarisation: str) -> str:
        """Path of the annotation XML of a polarisation's image inside the SAFE."""
        stem = PurePosixPath(self.measurement_member(polarisation)).stem
        return f"{_ANNOTATION}/{stem}.xml"

    def read_member(self, member: str) -> bytes:
        """The bytes of a file inside the SAFE (folder or zip)."""
        source = _Source(self.path)
        try:
            return source.read(member)
        finally:
            source.close()

    def measurement_location(self, polarisation: str) -> str:
        """A path GDAL can open: a plain file, or ``/vsizip/...`` inside a zip."""
        member = self.measurement_member(polarisation)
        if self.is_zip:
            return f"/vsizip/{self.path}/{self.product_id.safe_name}/{member}"
        return str(self.path / member)

    def to_record(self) -> ProductRecord:
        """The record planning uses for a product on disk."""
        return ProductRecord(
            product_id=self.product_id,
            footprint=self.footprint,
            relative_orbit=self.relative_orbit,
            orbit_direction=self.orbit_direction,
            polarisations=self.polarisations,
            availability="on_disk",
            local_path=self.path,
        )


class _Source:
    """Read access to the files of a SAFE, folder or zip alike."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        self.root = ""  # folder of the SAFE inside the zip, with trailing '/'
        if path.is_dir():
            self.safe_name = path.name
            return
        if not path.is_file():
            raise SafeError(str(path), "no such SAFE folder or zip file")
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise SafeError(str(path), f"not a readable zip file ({exc})") from exc
        manifests = [n for n in self.zip.namelist() if PurePosixPath(n).name == MANIFEST]
        if not manifests:
            self.zip.close()
            raise SafeError(str(path), f"the zip holds no {MANIFEST}")
        manifest = min(manifests, key=lambda n: n.count("/"))
        self.root = manifest[: -len(MANIFEST)]
        self.safe_name = PurePosixPath(self.root).name or path.stem

    def read(self, member: str) -> bytes:
        try:
            if self.zip is None:
                return (self.path / member).read_bytes()
            return self.zip.read(self.root + member)
        except (KeyError, OSError, zipfile.BadZipFile) as exc:
            raise SafeError(str(self.path), f"cannot read {member} ({exc})") from exc

    def exists(self, member: str) -> bool:
        if self.zip is None:
            return (self.path / member).is_file()
        try:
            self.zip.getinfo(self.root + member)
        except KeyError:
            return False
        return True

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _find(root: ET.Element, path: str, where: str, doc: str = MANIFEST) -> ET.Element:
    node = root.find(path)
    if node is None:
        raise SafeError(where, f"{doc} lacks {path.replace('{*}', '').removeprefix('.//')}")
    return node


def _text(root: ET.Element, path: str, where: str, doc: str = MANIFEST) -> str:
    text = (_find(root, path, where, doc).text or "").strip()
    if not text:
        raise SafeError(where, f"{doc}: {path.replace('{*}', '').removeprefix('.//')} is empty")
    return text


def _split_antimeridian(poly: Polygon) -> BaseGeometry:
    lons = [x for x, _ in poly.exterior.coords]
    if max(lons) - min(lons) <= 180:
        return poly
    # A footprint crossing 180 deg lists longitudes of both signs: move the
    # western ones by +360, then cut the result back into two halves.
    shifted = Polygon([(x + 360 if x < 0 else x, y) for x, y in poly.exterior.coords])
    east = shifted.intersection(box(0, -90, 180, 90))
    west = affinity.translate(shifted.intersection(box(180, -90, 540, 90)), xoff=-360)
    parts = [g for g in (east, west) if not g.is_empty]
    polys = [p for g in parts for p in getattr(g, "geoms", [g]) if isinstance(p, Polygon)]
    return MultiPolygon(polys)


def parse_footprint(coordinates: str, where: str = "footprint") -> BaseGeometry:
    """A lon/lat polygon from a ``gml:coordinates`` text ("lat,lon lat,lon ...")."""
    points = []
    try:
        for pair in coordinates.split():
            lat, lon = (float(v) for v in pair.split(","))
            points.append((lon, lat))
    except ValueError as exc:
        raise SafeError(
            where, f"footprint coordinates {coordinates!r} are not 'lat,lon' pairs"
        ) from exc
    if len(points) < 3 or any(abs(lat) > 90 or abs(lon) > 180 for lon, lat in points):
        raise SafeError(where, f"footprint coordinates {coordinates!r} do not make a polygon")
    poly = Polygon(points)
    if not poly.is_valid or poly.area == 0:
        raise SafeError(where, f"footprint {coordinates!r} is not a valid polygon")
    return _split_antimeridian(poly)


@dataclass(frozen=True)
class Annotation:
    """What planning and margin cutting use from a product annotation XML."""

    mission: str  # 'S1A'
    polarisation: str  # 'vv'
    absolute_orbit: int
    orbit_pass: str  # 'ASCENDING' or 'DESCENDING'
    lines: int
    samples: int
    footprint: BaseGeometry  # lon/lat, the outline of the geolocation grid


def _grid_outline(root: ET.Element, where: str) -> BaseGeometry:
    points: dict[tuple[int, int], tuple[float, float]] = {}
    for node in root.iterfind(".//geolocationGrid/geolocationGridPointList/geolocationGridPoint"):
        values = [_text(node, tag, where, _ANNOTATION) for tag in _GRID_TAGS]
        try:
            line, pixel, lat, lon = int(values[0]), int(values[1]), *map(float, values[2:])
        except ValueError as exc:
            raise SafeError(where, f"geolocation grid point is not numeric ({exc})") from exc
        points[line, pixel] = (lon, lat)
    lines = sorted({line for line, _ in points})
    pixels = sorted({pixel for _, pixel in points})
    if len(lines) < 2 or len(pixels) < 2 or len(points) != len(lines) * len(pixels):
        raise SafeError(where, "the geolocation grid is not a complete lines x pixels grid")
    # Walk the grid's border: first line, last pixel, last line back, first pixel back.
    ring = [(lines[0], p) for p in pixels] + [(ln, pixels[-1]) for ln in lines[1:]]
    ring += [(lines[-1], p) for p in reversed(pixels[:-1])]
    ring += [(ln, pixels[0]) for ln in reversed(lines[1:-1])]
    outline = Polygon([points[k] for k in ring])
    if not outline.is_valid:
        raise SafeError(where, "the geolocation grid outline is not a valid polygon")
    return _split_antimeridian(outline)


def read_annotation(xml: bytes, where: str = "annotation") -> Annotation:
    """Parse a product annotation (``annotation/s1a-iw-grd-vv-...xml``).

    The footprint follows the whole border of the geolocation grid, so it is
    closer to the image outline than the manifest's four corners.
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise SafeError(where, f"annotation is not well-formed XML ({exc})") from exc

    def get(path: str) -> str:
        return _text(root, path, where, _ANNOTATION)

    image = ".//imageAnnotation/imageInformation/"
    try:
        absolute = int(get("adsHeader/absoluteOrbitNumber"))
        lines, samples = int(get(image + "numberOfLines")), int(get(image + "numberOfSamples"))
    except ValueError as exc:
        raise SafeError(where, f"annotation holds a non-numeric count ({exc})") from exc
    return Annotation(
        mission=get("adsHeader/missionId"),
        polarisation=get("adsHeader/polarisation").lower(),
        absolute_orbit=absolute,
        orbit_pass=get(".//generalAnnotation/productInformation/pass").upper(),
        lines=lines,
        samples=samples,
        footprint=_grid_outline(root, where),
    )


def _parse_time(text: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.rstrip("Z"))
    except ValueError as exc:
        raise SafeError(where, f"{text!r} is not an ISO time") from exc
    return moment.replace(tzinfo=UTC)


def _measurements(
    listed: tuple[DataObject, ...], source: _Source, product: ProductId, where: str
) -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    for member in (obj.member for obj in listed):
        if not member.startswith("measurement/"):
            continue
        try:
            name = MeasurementName.parse(member)
        except ProductNameError as exc:
            raise SafeError(where, f"measurement {member!r}: {exc.reason}") from exc
        if not name.belongs_to(product):
            raise SafeError(where, f"measurement {member!r} is not an image of {product}")
        if not source.exists(member):
            raise SafeError(where, f"measurement {member} listed in {MANIFEST} is missing")
        found[name.polarisation] = member
    if not found:
        raise SafeError(where, f"{MANIFEST} lists no measurement image")
    order = [p for p in product.polarisations if p in found]
    return tuple((pol, found[pol]) for pol in order + sorted(set(found) - set(order)))


def _orbit(manifest: ET.Element, tag: str, where: str) -> int:
    for node in manifest.iterfind(f".//{{*}}orbitReference/{{*}}{tag}"):
        if node.get("type", "start") == "start":
            try:
                return int((node.text or "").strip())
            except ValueError as exc:
                raise SafeError(where, f"{tag} {node.text!r} is not a number") from exc
    raise SafeError(where, f"{MANIFEST} lacks orbitReference/{tag} type='start'")


def _product_id(source: _Source, where: str) -> ProductId:
    try:
        return ProductId.parse(source.safe_name)
    except ProductNameError as exc:
        raise SafeError(where, f"the SAFE folder name is not a product id: {exc.reason}") from exc


def _read(source: _Source) -> SafeProduct:
    where = str(source.path)
    product = _product_id(source, where)
    try:
        manifest = ET.fromstring(source.read(MANIFEST))
    except ET.ParseError as exc:
        raise SafeError(where, f"{MANIFEST} is not well-formed XML ({exc})") from exc
    absolute = _orbit(manifest, "orbitNumber", where)
    if absolute != product.absolute_orbit:
        raise SafeError(
            where, f"{MANIFEST} orbit {absolute} differs from the name's {product.absolute_orbit}"
        )
    orbit_pass = _text(manifest, ".//{*}orbitReference//{*}pass", where).upper()
    if orbit_pass not in PASSES:
        raise SafeError(where, f"pass={orbit_pass!r}. Must be one of: ASCENDING, DESCENDING")
    # The first IPF entry in document order is the product's own processing;
    # nested resources (the L0 input) list their own software further down.
    software = manifest.find(".//{*}processing/{*}facility/{*}software[@name='Sentinel-1 IPF']")
    listed = data_objects(manifest, where)
    return SafeProduct(
        path=source.path,
        product_id=product,
        footprint=parse_footprint(_text(manifest, ".//{*}footPrint/{*}coordinates", where), where),
        absolute_orbit=absolute,
        relative_orbit=_orbit(manifest, "relativeOrbitNumber", where),
        orbit_pass=orbit_pass,
        start=_parse_time(_text(manifest, ".//{*}acquisitionPeriod/{*}startTime", where), where),
        stop=_parse_time(_text(manifest, ".//{*}acquisitionPeriod/{*}stopTime", where), where),
        ipf_version=None if software is None else software.get("version"),
        measurements=_measurements(listed, source, product, where),
        data_objects=listed,
    )


def read_safe(path: str | Path) -> SafeProduct:
    """Read a SAFE folder (``*.SAFE``) or a zipped SAFE without extracting it."""
    source = _Source(Path(path))
    try:
        return _read(source)
    finally:
        source.close()


def scan_safe_dir(directory: str | Path) -> tuple[list[SafeProduct], list[SafeError]]:
    """Read every product ``CacheLayout.candidates`` finds in ``directory``.

    That is SAFE folders and zips directly in it and one level below (S1Tiling
    keeps SAFE folders at the top, eodag extracts into ``{id}/{id}.SAFE``).
    Unreadable products (partial downloads, corrupt zips) are returned as
    errors instead of stopping the scan. A product present both as a folder
    and as a zip is read from the folder.
    """
    root = Path(directory)
    if not root.is_dir():
        raise SafeError(str(root), "the products folder does not exist")
    products: dict[str, SafeProduct] = {}
    errors: list[SafeError] = []
    for path in CacheLayout(root).candidates():
        if product_id_of(path) in products:
            continue
        try:
            product = read_safe(path)
        except SafeError as exc:
            errors.append(exc)
            continue
        products.setdefault(product.product_id.format(), product)
    return sorted(products.values(), key=lambda p: p.product_id.format()), errors


def scan_products(directory: str | Path) -> list[ProductRecord]:
    """Planning records of the products on disk in ``directory``; bad ones are logged."""
    products, errors = scan_safe_dir(directory)
    for error in errors:
        log.warning("skipping unreadable product %s", error)
    return [p.to_record() for p in products]
