"""STAC Items of published products, made from the files themselves.

A product's GeoTIFFs say what they are (S1Tiling's tags: tile, polarisation,
calibration, orbit, input products; ``IMAGE_TYPE`` and ``FILTERED`` tell an
image from its mask and its filtered copy), so the same code catalogues what
``publish`` just made and an existing S1Tiling output tree
(:func:`product_groups`). One Item per product: the backscatter image, its
border mask, its quicklook and its filtered copy as assets, with the
projection, SAR, satellite and processing extensions. Items are plain dicts
(``pystac.Item.to_dict()``), with hrefs relative to where the catalogue puts
them (``s1ops.outputs.stac_catalogue``), and carry no time of writing: the
same files give the same JSON.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from s1ops import __version__
from s1ops.errors import RasterError
from s1ops.outputs.geotiff import read_tags

log = logging.getLogger(__name__)

# pystac has no class for the processing extension: its fields are set by hand.
# (Projection, SAR and satellite come with pystac's classes and their schema versions.)
PROCESSING_SCHEMA = "https://stac-extensions.github.io/processing/v1.2.0/schema.json"
# Sentinel-1's C-SAR.
CENTER_FREQUENCY_GHZ = 5.405
GEOTIFF = "image/tiff; application=geotiff"
COG = "image/tiff; application=geotiff; profile=cloud-optimized"
QUICKLOOK_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
# The valid-data footprint is traced on the image read at most this many pixels a side.
FOOTPRINT_PX = 512
ACQUISITION_FORMAT = "%Y:%m:%dT%H:%M:%SZ"
# What every S1Tiling product says of itself, and an Item needs.
REQUIRED_TAGS = (
    "S2_TILE_CORRESPONDING_CODE",
    "POLARIZATION",
    "ACQUISITION_DATETIME",
    "RELATIVE_ORBIT_NUMBER",
)
# An image, its mask and its filtered copy share these tags (and their input products).
# What a product's values are, by its CALIBRATION tag, where "<tag>0" does not say it.
_QUANTITIES = {
    "Normlim": "sigma0 normlim (beta0 x sin LIA)",
    "GammaNaughtRTC": "gamma0 terrain-flattened (sigma0 x pixel area / gamma area)",
}
_SAME_PRODUCT = ("S2_TILE_CORRESPONDING_CODE", "POLARIZATION", "CALIBRATION")


@dataclass(frozen=True)
class ProductFiles:
    """The published files of one product (``primary``: the image, or the filtered copy
    when the image is not kept), and the primary's tags when already read (empty: read
    when the Item is made; carried so a file is not opened twice for them)."""

    image: Path | None
    mask: Path | None = None
    filtered: Path | None = None
    quicklook: Path | None = None
    tags: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def primary(self) -> Path:
        found = self.image or self.filtered
        if found is None:
            raise ValueError("a product has an image or a filtered image")
        return found

    @property
    def item_id(self) -> str:
        return self.primary.stem


def _kind(tags: Mapping[str, str]) -> str | None:
    """What an output GeoTIFF is, by its tags (None: not an S1Tiling product)."""
    if any(key not in tags for key in REQUIRED_TAGS):
        return None
    try:
        _acquisition(tags["ACQUISITION_DATETIME"])
        int(tags["RELATIVE_ORBIT_NUMBER"])
    except ValueError:
        return None
    if tags.get("IMAGE_TYPE") == "MASK":
        return "mask"
    if tags.get("FILTERED", "").lower() == "true":
        return "filtered"
    return "image"


def _quicklook_of(path: Path) -> Path | None:
    for suffix in QUICKLOOK_TYPES:
        candidate = path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def product_groups(tifs: Iterable[str | os.PathLike[str]]) -> list[ProductFiles]:
    """The products among GeoTIFFs ``tifs``: each image with its mask and filtered copy,
    matched by tile, polarisation, calibration and input products (as tagged), with the
    primary file's tags; files without S1Tiling's tags are left out."""
    tagged: dict[Path, dict[str, str]] = {}
    for tif in sorted({Path(t) for t in tifs}):
        if not tif.is_file():
            continue
        try:
            tagged[tif] = read_tags(tif)
        except RuntimeError as exc:  # GDAL cannot read it: not a product of ours
            log.warning("%s is left out of the STAC catalogue: %s", tif, exc)
    groups: dict[tuple[str, ...], dict[str, Path]] = {}
    for tif in sorted(tagged):
        tags = tagged[tif]
        kind = _kind(tags)
        if kind is None:
            log.info("%s is not an S1Tiling product (tags %s): not catalogued", tif, REQUIRED_TAGS)
            continue
        key = (*(tags.get(k, "") for k in _SAME_PRODUCT), tags.get("INPUT_S1_IMAGES", tif.stem))
        groups.setdefault(key, {})[kind] = tif
    products = []
    for files in groups.values():
        if "image" not in files and "filtered" not in files:
            continue  # a mask whose image is gone
        product = ProductFiles(files.get("image"), files.get("mask"), files.get("filtered"))
        products.append(
            ProductFiles(
                product.image,
                product.mask,
                product.filtered,
                _quicklook_of(product.primary),
                tagged[product.primary],
            )
        )
    return sorted(products, key=lambda p: p.item_id)


@dataclass(frozen=True)
class RasterFacts:
    """What an Item says of a GeoTIFF's grid and valid pixels (lon/lat footprint)."""

    epsg: int
    width: int
    height: int
    geotransform: tuple[float, ...]
    footprint_wkt: str | None  # None: no valid pixel
    cog: bool


def _footprint(dataset: Any, epsg: int, mask: Path | None) -> str | None:
    """The outline of the valid pixels in lon/lat, traced on a reduced read of the mask
    (or of the image), as WKT; None when no pixel is valid."""
    import numpy as np
    import shapely
    from osgeo import gdal, ogr, osr
    from shapely.ops import unary_union

    source = gdal.Open(str(mask)) if mask is not None else dataset
    width, height = source.RasterXSize, source.RasterYSize
    step = max(1, -(-max(width, height) // FOOTPRINT_PX))
    small_w, small_h = -(-width // step), -(-height // step)
    values = source.GetRasterBand(1).ReadAsArray(buf_xsize=small_w, buf_ysize=small_h)
    valid = (values != 0).astype(np.uint8)
    if not valid.any():
        return None
    x0, dx, _, y0, _, dy = source.GetGeoTransform()
    grid = gdal.GetDriverByName("MEM").Create("", small_w, small_h, 1, gdal.GDT_Byte)
    grid.SetGeoTransform((x0, dx * width / small_w, 0, y0, 0, dy * height / small_h))
    grid.GetRasterBand(1).WriteArray(valid)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    # The data source must outlive its layer (GDAL frees the layer with it).
    vectors = ogr.GetDriverByName("Memory").CreateDataSource("")
    layer = vectors.CreateLayer("v", srs)
    layer.CreateField(ogr.FieldDefn("v", ogr.OFTInteger))
    band = grid.GetRasterBand(1)
    gdal.Polygonize(band, band, layer, 0)
    shapes = [shapely.from_wkb(bytes(f.GetGeometryRef().ExportToWkb())) for f in layer]
    layer = vectors = None
    outline = unary_union(shapes).simplify(abs(dx) * step, preserve_topology=True)
    return str(shapely.to_wkt(_to_lonlat(outline, epsg), rounding_precision=6))


def _to_lonlat(geometry: Any, epsg: int) -> Any:
    """``geometry`` from UTM ``epsg`` to lon/lat."""
    import numpy as np
    import shapely

    from s1ops.grid_footprints import transformer

    to_lonlat = transformer(epsg)
    return shapely.transform(
        geometry, lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1]))
    )


def raster_facts(path: Path, mask: Path | None = None) -> RasterFacts:
    """The grid, CRS and valid-data footprint of the GeoTIFF ``path`` (using ``mask``,
    smaller to read, for the footprint when given)."""
    from osgeo import gdal, osr

    gdal.UseExceptions()
    dataset = gdal.Open(str(path))
    srs = osr.SpatialReference(wkt=dataset.GetProjection())
    srs.AutoIdentifyEPSG()
    epsg = int(srs.GetAuthorityCode(None))
    layout = dataset.GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE")
    return RasterFacts(
        epsg=epsg,
        width=dataset.RasterXSize,
        height=dataset.RasterYSize,
        geotransform=tuple(dataset.GetGeoTransform()),
        footprint_wkt=_footprint(dataset, epsg, mask),
        cog=layout == "COG",
    )


def _acquisition(stamp: str) -> datetime:
    return datetime.strptime(stamp, ACQUISITION_FORMAT).replace(tzinfo=UTC)


def _inputs(tags: Mapping[str, str]) -> list[str]:
    return [p.strip() for p in tags.get("INPUT_S1_IMAGES", "").split(",") if p.strip()]


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def item_path(root: Path, tile_id: str, item_id: str) -> Path:
    """Where the catalogue at ``root`` keeps an Item (``s1ops.outputs.stac_catalogue``)."""
    return root / tile_id / item_id / f"{item_id}.json"


def _geometry(facts: RasterFacts) -> tuple[dict[str, Any], list[float], list[float]]:
    """GeoJSON geometry and lon/lat bbox of the valid pixels (the grid's outline when none
    is valid), and the grid's bbox in its own CRS."""
    import shapely
    from shapely.geometry import box

    x0, dx, _, y0, _, dy = facts.geotransform
    x1, y1 = x0 + dx * facts.width, y0 + dy * facts.height
    native_bbox = [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]
    if facts.footprint_wkt is not None:
        outline = shapely.from_wkt(facts.footprint_wkt)
    else:
        outline = _to_lonlat(box(*native_bbox), facts.epsg)
    geometry = _plain(shapely.geometry.mapping(outline))
    return geometry, [round(v, 6) for v in outline.bounds], native_bbox


def _software(tags: Mapping[str, str]) -> dict[str, str]:
    """``processing:software``: s1ops, OTB, and the writer of a file s1ops did not write."""
    software = {"s1ops": __version__}
    if "OTB_VERSION" in tags:
        software["OTB"] = tags["OTB_VERSION"]
    written_by = tags.get("TIFFTAG_SOFTWARE", "")
    if written_by and not written_by.startswith("s1ops"):
        name, _, version = written_by.partition(" v")
        software[name] = version or "unknown"
    return software


def _add_extensions(
    item: Any, tags: Mapping[str, str], facts: RasterFacts, native_bbox: list[float]
) -> None:
    """The projection (``native_bbox``: the grid's, in its CRS), SAR, satellite and
    processing fields."""
    from pystac.extensions.projection import ProjectionExtension
    from pystac.extensions.sar import (
        FrequencyBand,
        ObservationDirection,
        Polarization,
        SarExtension,
    )
    from pystac.extensions.sat import OrbitState, SatExtension

    x0, dx, _, y0, _, dy = facts.geotransform
    proj = ProjectionExtension.ext(item, add_if_missing=True)
    proj.code = f"EPSG:{facts.epsg}"
    proj.shape = [facts.height, facts.width]
    proj.transform = [dx, 0.0, x0, 0.0, dy, y0]
    proj.bbox = native_bbox
    SarExtension.ext(item, add_if_missing=True).apply(
        instrument_mode="IW",
        frequency_band=FrequencyBand.C,
        polarizations=[Polarization(tags["POLARIZATION"].upper())],
        product_type="GRD",
        center_frequency=CENTER_FREQUENCY_GHZ,
        observation_direction=ObservationDirection.RIGHT,
    )
    sat = SatExtension.ext(item, add_if_missing=True)
    ascending = tags.get("ORBIT_DIRECTION") == "ASC"
    sat.orbit_state = OrbitState.ASCENDING if ascending else OrbitState.DESCENDING
    sat.relative_orbit = int(tags["RELATIVE_ORBIT_NUMBER"])
    if tags.get("ORBIT_NUMBER", "").isdigit():
        sat.absolute_orbit = int(tags["ORBIT_NUMBER"])
    inputs = _inputs(tags)
    item.properties.update(
        {
            "processing:level": "L2",
            "processing:facility": "s1ops",
            "processing:software": _software(tags),
            "processing:lineage": (
                f"calibrated ({tags.get('CALIBRATION', '')}), orthorectified onto the S2 tile "
                "and merged from " + ", ".join(inputs)
            ),
            "s1ops:input_products": inputs,
        }
    )
    item.stac_extensions.append(PROCESSING_SCHEMA)


def _add_assets(item: Any, product: ProductFiles, item_dir: Path, title: str, cog: bool) -> None:
    """The product's files, their hrefs relative to ``item_dir``."""
    import pystac

    media = COG if cog else GEOTIFF
    assets = (
        ("backscatter", product.image, title, media, ["data", "backscatter"]),
        (
            "filtered",
            product.filtered,
            f"{title}, speckle filtered",
            media,
            ["data", "backscatter", "filtered"],
        ),
        ("mask", product.mask, "border mask (1: valid data)", media, ["data", "mask"]),
        (
            "quicklook",
            product.quicklook,
            "quicklook (dB, grey)",
            QUICKLOOK_TYPES.get(product.quicklook.suffix.lower(), "image/jpeg")
            if product.quicklook
            else "",
            ["overview"],
        ),
    )
    for key, path, asset_title, media_type, roles in assets:
        if path is not None:
            href = _relative(path, item_dir)
            item.add_asset(key, pystac.Asset(href, asset_title, media_type=media_type, roles=roles))


def item_dict(product: ProductFiles, root: Path) -> dict[str, Any]:
    """The STAC Item of ``product`` as a dict, its asset hrefs relative to where the
    catalogue at ``root`` keeps it."""
    import pystac

    tags = product.tags or read_tags(product.primary)
    tile_id = tags["S2_TILE_CORRESPONDING_CODE"]
    try:
        facts = raster_facts(product.primary, product.mask)
    except (RuntimeError, ValueError) as exc:  # GDAL's errors: a damaged file, an odd CRS
        raise RasterError(
            product.primary, f"cannot be catalogued ({exc})", "a readable GeoTIFF in a UTM CRS"
        ) from exc
    geometry, bbox, native_bbox = _geometry(facts)
    unit = tags.get("FLYING_UNIT_CODE", "s1a").lower()
    calibration = tags.get("CALIBRATION", "")
    quantity = _QUANTITIES.get(calibration, f"{calibration}0")
    title = f"{quantity} {tags['POLARIZATION'].upper()}"
    item = pystac.Item(
        id=product.item_id,
        geometry=geometry,
        bbox=bbox,
        datetime=_acquisition(tags["ACQUISITION_DATETIME"]),
        properties={
            "title": f"{title} over {tile_id}",
            "platform": f"sentinel-{unit[1:]}",
            "constellation": "sentinel-1",
            "instruments": ["c-sar"],
            "gsd": float(tags.get("SPATIAL_RESOLUTION", abs(facts.geotransform[1]))),
            "s2:mgrs_tile": tile_id,
            "s1ops:calibration": calibration,
            "s1ops:noise_removed": tags.get("NOISE_REMOVED", "False") == "True",
            "s1ops:filtered": product.image is None,
        },
    )
    _add_extensions(item, tags, facts, native_bbox)
    _add_assets(item, product, item_path(root, tile_id, product.item_id).parent, title, facts.cog)
    item.stac_extensions = sorted(set(item.stac_extensions))
    return item.to_dict(include_self_link=False, transform_hrefs=False)


def _plain(value: Any) -> Any:
    """GeoJSON from shapely's mapping (tuples) as JSON-ready lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
