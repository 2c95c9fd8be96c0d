"""The STAC catalogue of the products: Items made from the files' tags and grid, validated
against STAC 1.1's schemas (pystac's local copies) with their extension fields read back
through pystac; publishes from many processes at once lose nothing; ``s1ops stac rebuild``
on an S1Tiling output tree.

Products here are small GeoTIFFs written with S1Tiling's tags (as S1Tiling 1.4.2
writes them): the catalogue reads nothing else. The Airflow publish task's use is
checked in tests/dags/test_tile_dag.py.
"""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import numpy as np
import pystac
import pytest
import shapely
from osgeo import gdal, osr
from pystac.extensions.projection import ProjectionExtension
from pystac.extensions.sar import SarExtension
from pystac.extensions.sat import OrbitState, SatExtension
from pystac.validation import JsonSchemaSTACValidator
from pystac.validation.local_validator import get_local_schema_cache

from s1ops.cli import main
from s1ops.errors import ContractError
from s1ops.grid import parse_tile_id
from s1ops.outputs.names import mask_file_name
from s1ops.outputs.stac_catalogue import add_products, catalogue_root, tifs_on_disk
from s1ops.outputs.stac_items import product_groups
from s1ops.scratch import is_partial_name
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request

gdal.UseExceptions()
POOL_TIMEOUT_S = 300
SIZE_PX = 200  # 549 m pixels: a whole S2 tile in a small file
PRODUCT = "S1A_IW_GRDH_1SDV_20200108T050546_20200108T050615_030748_03CAAB_BB0A"


def write_product(
    output: Path,
    tile_id: str,
    polarisation: str,
    day: str,
    *,
    mask: bool = True,
    quicklook: bool = True,
    valid_columns: slice = slice(40, 160),
) -> Path:
    """An S1Tiling-tagged image (and its border mask, quicklook) under ``output/tile``."""
    tile = parse_tile_id(tile_id)
    folder = output / tile_id
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"s1a_{tile_id}_{polarisation}_DES_051_{day}t050546"
    image = folder / f"{stem}.tif"
    data = np.zeros((SIZE_PX, SIZE_PX), np.float32)
    data[:, valid_columns] = 0.05
    product_id = PRODUCT.replace("20200108", day)
    tags = {
        "ACQUISITION_DATETIME": f"{day[:4]}:{day[4:6]}:{day[6:]}T05:05:46Z",
        "CALIBRATION": "sigma",
        "FLYING_UNIT_CODE": "s1a",
        "IMAGE_TYPE": "BACKSCATTERING",
        "INPUT_S1_IMAGES": product_id,
        "NOISE_REMOVED": "False",
        "ORBIT_DIRECTION": "DES",
        "ORBIT_NUMBER": "030748",
        "RELATIVE_ORBIT_NUMBER": "051",
        "POLARIZATION": polarisation,
        "S2_TILE_CORRESPONDING_CODE": tile_id,
        "SPATIAL_RESOLUTION": "10.0",
        "OTB_VERSION": "8.1.1",
        "TIFFTAG_SOFTWARE": "S1 Tiling v1.4.2",
    }
    for path, values, kind in (
        (image, data, "BACKSCATTERING"),
        *([(folder / mask_file_name(image.name), (data != 0).astype(np.uint8), "MASK")] * mask),
    ):
        gdal_type = gdal.GDT_Float32 if kind == "BACKSCATTERING" else gdal.GDT_Byte
        dst = gdal.GetDriverByName("GTiff").Create(str(path), SIZE_PX, SIZE_PX, 1, gdal_type)
        dst.SetGeoTransform((tile.ulx, 549.0, 0, tile.uly, 0, -549.0))
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(tile.epsg)
        dst.SetProjection(srs.ExportToWkt())
        dst.GetRasterBand(1).WriteArray(values)
        dst.GetRasterBand(1).SetNoDataValue(0)
        dst.SetMetadata({**tags, "IMAGE_TYPE": kind})
        dst = None
    if quicklook:
        image.with_suffix(".jpg").write_bytes(b"\xff\xd8 not decoded here \xff\xd9")
    return image


def _validate_core(document: dict, kind: pystac.STACObjectType) -> None:
    """STAC 1.1's own schema, from pystac's local copies (the extensions' schemas are on
    the web, out of reach here: their fields are read back through pystac instead)."""
    validator = JsonSchemaSTACValidator()
    assert set(get_local_schema_cache()) >= {
        validator.schema_uri_map.get_object_schema_uri(kind, "1.1.0")
    }
    validator.validate_core(document, kind, "1.1.0")


def _all_json(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.json"))


def test_an_item_has_its_assets_grid_and_extensions(tmp_path: Path) -> None:
    output = tmp_path / "out"
    image = write_product(output, "32NNJ", "vv", "20200108")
    (product,) = product_groups(tifs_on_disk([output / "32NNJ"]))
    assert product.mask is not None and product.quicklook is not None
    (path,) = add_products(output, [product])
    document = json.loads(path.read_text())
    _validate_core(document, pystac.STACObjectType.ITEM)
    item = pystac.Item.from_file(str(path))
    assert item.id == image.stem and item.collection_id == "s1ops-32NNJ"
    assert str(item.datetime) == "2020-01-08 05:05:46+00:00"
    assert sorted(item.assets) == ["backscatter", "mask", "quicklook"]
    for asset in item.assets.values():
        assert Path(asset.get_absolute_href()).resolve().is_file(), asset.href
    assert item.assets["backscatter"].media_type == "image/tiff; application=geotiff"
    proj = ProjectionExtension.ext(item)
    tile = parse_tile_id("32NNJ")
    assert proj.code == "EPSG:32632" and proj.shape == [SIZE_PX, SIZE_PX]
    assert proj.transform == [549.0, 0.0, tile.ulx, 0.0, -549.0, tile.uly]
    sar = SarExtension.ext(item)
    assert [p.value for p in sar.polarizations] == ["VV"]
    assert (sar.instrument_mode, sar.product_type, sar.frequency_band.value) == ("IW", "GRD", "C")
    sat = SatExtension.ext(item)
    assert sat.orbit_state == OrbitState.DESCENDING
    assert (sat.relative_orbit, sat.absolute_orbit) == (51, 30748)
    assert item.properties["processing:software"]["S1 Tiling"] == "1.4.2"
    assert item.properties["s1ops:input_products"] == [PRODUCT]
    # The footprint is the valid columns 40..160 of 200, not the whole tile.
    footprint = shapely.geometry.shape(item.geometry)
    whole = tile.footprint_lonlat()
    assert 0.5 < footprint.area / whole.area < 0.7
    assert whole.buffer(0.01).contains(footprint)


def test_the_catalogue_links_resolve_and_validate(tmp_path: Path) -> None:
    output = tmp_path / "out"
    for tile_id in ("32NNJ", "32NPJ"):
        for pol in ("vv", "vh"):
            write_product(output, tile_id, pol, "20200108")
    add_products(output, product_groups(tifs_on_disk([output / "32NNJ", output / "32NPJ"])))
    root = catalogue_root(output)
    catalog = pystac.Catalog.from_file(str(root / "catalog.json"))
    _validate_core(json.loads((root / "catalog.json").read_text()), pystac.STACObjectType.CATALOG)
    collections = sorted(c.id for c in catalog.get_children())
    assert collections == ["s1ops-32NNJ", "s1ops-32NPJ"]
    for collection in catalog.get_children():
        path = root / collection.id.removeprefix("s1ops-") / "collection.json"
        _validate_core(json.loads(path.read_text()), pystac.STACObjectType.COLLECTION)
    items = sorted(i.id for i in catalog.get_items(recursive=True))
    assert len(items) == 4 and all("20200108" in i for i in items)


def _publish_one(args: tuple[str, str, str, str]) -> int:
    output, tile_id, pol, day = args
    image = Path(output) / tile_id / f"s1a_{tile_id}_{pol}_DES_051_{day}t050546.tif"
    return len(
        add_products(output, product_groups([image, image.with_name(mask_file_name(image.name))]))
    )


def test_concurrent_publishes_lose_nothing(tmp_path: Path) -> None:
    output = tmp_path / "out"
    jobs = [
        (str(output), tile_id, pol, f"202001{day:02d}")
        for tile_id in ("32NNJ", "32NPJ", "32NNH")
        for pol in ("vv", "vh")
        for day in (3, 9, 15)
    ]
    for _, tile_id, pol, day in jobs:
        write_product(output, tile_id, pol, day, quicklook=False)
    # Spawned, not forked: a fork of the test process (its threads, GDAL's locks) can hang.
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        published = pool.map_async(_publish_one, jobs).get(timeout=POOL_TIMEOUT_S)
    assert published == [1] * len(jobs)
    root = catalogue_root(output)
    for path in _all_json(root):
        json.loads(path.read_text())  # every file whole
    assert not [p for p in root.rglob("*") if is_partial_name(p.name)]
    catalog = pystac.Catalog.from_file(str(root / "catalog.json"))
    assert len(list(catalog.get_children())) == 3
    assert len(list(catalog.get_items(recursive=True))) == len(jobs) == 18
    for collection in catalog.get_children():
        extent = collection.to_dict()["extent"]["temporal"]["interval"][0]
        assert extent[0].startswith("2020-01-03") and extent[1].startswith("2020-01-15")


def _request(root: Path) -> Path:
    paths = RequestPaths.under(root, geoid_file=root / "egm96.grd")
    return write_request(root / REQUEST_NAME, paths, tiles=("32NNJ",))


def test_rebuild_catalogues_an_s1tiling_tree_and_drops_what_is_gone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _request(tmp_path)
    output = tmp_path / "out"  # RequestPaths.under's output folder
    kept = write_product(output, "32NNJ", "vv", "20200108")
    gone = write_product(output, "32NNJ", "vh", "20200108")
    write_product(output, "33NTF", "vv", "20200108")  # a tile not in the request
    (output / "32NNJ" / "notes.tif").write_bytes(b"not a product")
    assert main(["stac", "rebuild", str(cfg)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["tiles"] == ["32NNJ", "33NTF"] and summary["items"] == 3
    gone.unlink()
    gone.with_name(mask_file_name(gone.name)).unlink()
    assert main(["stac", "rebuild", str(cfg)]) == 0
    assert json.loads(capsys.readouterr().out)["items"] == 2
    catalog = pystac.Catalog.from_file(str(catalogue_root(output) / "catalog.json"))
    assert sorted(i.id for i in catalog.get_items(recursive=True)) == sorted(
        [kept.stem, "s1a_33NTF_vv_DES_051_20200108t050546"]
    )
    assert not (catalogue_root(output) / "32NNJ" / gone.stem).exists()


def test_a_filtered_only_product_and_a_product_with_no_valid_pixel(tmp_path: Path) -> None:
    output = tmp_path / "out"
    image = write_product(output, "32NNJ", "vv", "20200108", mask=False, valid_columns=slice(0))
    ds = gdal.Open(str(image), gdal.GA_Update)
    ds.SetMetadataItem("FILTERED", "true")
    ds = None
    (product,) = product_groups([image])
    assert product.image is None and product.filtered == image
    (path,) = add_products(output, [product])
    item = json.loads(path.read_text())
    _validate_core(item, pystac.STACObjectType.ITEM)
    assert sorted(item["assets"]) == ["filtered", "quicklook"]
    assert item["properties"]["s1ops:filtered"] is True
    assert item["geometry"]["type"] == "Polygon"  # the grid's outline, for want of pixels


def test_a_damaged_product_is_named_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _request(tmp_path)
    image = write_product(tmp_path / "out", "32NNJ", "vv", "20200108", mask=False)
    whole = image.read_bytes()
    image.write_bytes(whole[: len(whole) // 2])  # its directory kept, half its pixels gone
    assert main(["stac", "rebuild", str(cfg)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("s1ops stac: error: ") and str(image) in error, error
    assert "cannot be catalogued" in error


def test_a_damaged_collection_is_named_and_rebuild_mends_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _request(tmp_path)
    output = tmp_path / "out"
    first = write_product(output, "32NNJ", "vv", "20200108")
    add_products(output, product_groups([first]))
    collection = catalogue_root(output) / "32NNJ" / "collection.json"
    collection.write_text('{"type": "Collection", "links": [')  # cut by hand
    second = write_product(output, "32NNJ", "vh", "20200108")
    with pytest.raises(ContractError, match="s1ops stac rebuild"):
        add_products(output, product_groups([second]))
    assert collection.read_text().endswith("[")  # left for a person to see, not overwritten
    assert main(["stac", "rebuild", str(cfg)]) == 0
    assert json.loads(capsys.readouterr().out)["items"] == 2
    assert len(_item_ids_of(collection)) == 2


def _item_ids_of(collection: Path) -> list[str]:
    links = json.loads(collection.read_text())["links"]
    return [link["href"] for link in links if link["rel"] == "item"]
