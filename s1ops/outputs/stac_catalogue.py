"""The static STAC catalogue of a request's products, under ``{[Paths] output}/stac``.

Layout (one collection per S2 tile: a user looks for a place, and a tile's
products share one grid and CRS)::

    stac/catalog.json                        root catalogue, a child link per tile
    stac/{tile}/collection.json              the tile's collection, an item link per product
    stac/{tile}/{item id}/{item id}.json     one Item per product (s1ops.outputs.stac_items)

The products stay where S1Tiling puts them; hrefs are relative, so the tree
can be moved or served as it is. Updates come from several processes at once
(the publish tasks of many tiles, ``s1ops stac rebuild``): each takes the
catalogue's lock (``stac/.lock``, ``flock``) for its read-modify-write of the
collection and root files, and every JSON file is written under a partial name
and renamed, so a reader never sees half a file and no entry is lost.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from s1ops.errors import ContractError
from s1ops.outputs.publish import publish_json
from s1ops.outputs.stac_items import ProductFiles, item_dict, item_path, product_groups
from s1ops.scratch import is_partial_name

STAC_FOLDER = "stac"
LOCK_NAME = ".lock"
STAC_VERSION = "1.1.0"
ROOT_ID = "s1ops"
JSON_TYPE = "application/json"
GEOJSON_TYPE = "application/geo+json"
# The terms of use of Copernicus Sentinel data, which the products derive from.
COPERNICUS_LICENCE = (
    "https://sentinels.copernicus.eu/documents/247904/690755/Sentinel_Data_Legal_Notice"
)


def catalogue_root(output_dir: str | os.PathLike[str]) -> Path:
    return Path(output_dir) / STAC_FOLDER


def collection_id(tile_id: str) -> str:
    return f"s1ops-{tile_id}"


def _read_json(path: Path) -> dict[str, Any] | None:
    """A catalogue file (None when there is none yet); one damaged by hand is named, not
    overwritten: updating it would drop the entries it held."""
    try:
        with open(path, encoding="utf-8") as source:
            loaded = json.load(source)
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ContractError(
            str(path), None, str(exc), "a STAC JSON document; remake it: s1ops stac rebuild CFG"
        ) from exc
    if not isinstance(loaded, dict):
        raise ContractError(str(path), None, type(loaded).__name__, "a JSON object (STAC)")
    return loaded


@contextmanager
def catalogue_lock(root: Path) -> Iterator[None]:
    """The catalogue's exclusive lock, held for the block (released if the process dies)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_NAME, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _link(rel: str, href: str, media_type: str = JSON_TYPE, **extra: str) -> dict[str, str]:
    return {"rel": rel, "href": href, "type": media_type, **extra}


def _root_document(children: Sequence[str]) -> dict[str, Any]:
    return {
        "type": "Catalog",
        "stac_version": STAC_VERSION,
        "id": ROOT_ID,
        "title": "Sentinel-1 backscatter on the Sentinel-2 grid",
        "description": (
            "Calibrated, orthorectified Sentinel-1 IW GRD backscatter on Sentinel-2 tiles, "
            "made by s1ops (S1Tiling's products); one collection per tile."
        ),
        "links": [
            _link("root", "./catalog.json"),
            *(_link("child", f"./{tile}/collection.json", title=tile) for tile in children),
        ],
    }


def _collection_document(
    tile_id: str, bbox: list[float], interval: list[str], item_ids: Sequence[str]
) -> dict[str, Any]:
    return {
        "type": "Collection",
        "stac_version": STAC_VERSION,
        "id": collection_id(tile_id),
        "title": f"Sentinel-1 backscatter on S2 tile {tile_id}",
        "description": (
            f"Every product s1ops published over Sentinel-2 tile {tile_id}: one item per "
            "polarisation, day and orbit, with its border mask, quicklook and filtered copy."
        ),
        "license": "other",
        "extent": {"spatial": {"bbox": [bbox]}, "temporal": {"interval": [interval]}},
        "links": [
            _link("root", "../catalog.json"),
            _link("parent", "../catalog.json"),
            _link("license", COPERNICUS_LICENCE, "text/html"),
            *(_link("item", f"./{i}/{i}.json", GEOJSON_TYPE) for i in sorted(item_ids)),
        ],
    }


def _with_links(item: dict[str, Any], tile_id: str) -> dict[str, Any]:
    item = dict(item)
    item["collection"] = collection_id(tile_id)
    item["links"] = [
        _link("root", "../../catalog.json"),
        _link("parent", "../collection.json"),
        _link("collection", "../collection.json"),
    ]
    return item


def _union(boxes: Sequence[Sequence[float]]) -> list[float]:
    return [
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    ]


def _item_ids(collection: dict[str, Any] | None) -> list[str]:
    if collection is None:
        return []
    return [
        Path(link["href"]).stem
        for link in collection.get("links", [])
        if link.get("rel") == "item" and isinstance(link.get("href"), str)
    ]


def _update_collection(
    root: Path, tile_id: str, items: Sequence[dict[str, Any]], replace_all: bool
) -> None:
    path = root / tile_id / "collection.json"
    old = None if replace_all else _read_json(path)
    ids = set(_item_ids(old)) | {i["id"] for i in items}
    boxes = [i["bbox"] for i in items]
    times = [i["properties"]["datetime"] for i in items]
    if old is not None:
        extent = old.get("extent", {})
        boxes += extent.get("spatial", {}).get("bbox", [])[:1]
        times += [t for t in extent.get("temporal", {}).get("interval", [[]])[0] if t]
    document = _collection_document(tile_id, _union(boxes), [min(times), max(times)], sorted(ids))
    publish_json(path, document)


def _update_root(root: Path, tiles: Sequence[str]) -> None:
    found = _read_json(root / "catalog.json")
    known = {
        link["title"]
        for link in (found or {}).get("links", [])
        if link.get("rel") == "child" and isinstance(link.get("title"), str)
    }
    publish_json(root / "catalog.json", _root_document(sorted(known | set(tiles))))


def _tile_of(item: dict[str, Any]) -> str:
    return str(item["properties"]["s2:mgrs_tile"])


def _items_by_tile(root: Path, products: Sequence[ProductFiles]) -> dict[str, list[dict[str, Any]]]:
    """The Items of ``products`` (their rasters read: done before the lock is taken, so
    other publishers wait only for JSON writes), by tile."""
    by_tile: dict[str, list[dict[str, Any]]] = {}
    for item in (item_dict(p, root) for p in products):
        by_tile.setdefault(_tile_of(item), []).append(item)
    return by_tile


def _write_items(
    root: Path, by_tile: dict[str, list[dict[str, Any]]], *, replace_all: bool
) -> dict[str, list[Path]]:
    """Write Items and their collections (``replace_all``: made anew, else updated); the
    caller holds the catalogue's lock. The Item files of each tile."""
    written: dict[str, list[Path]] = {}
    for tile_id, items in sorted(by_tile.items()):
        for item in items:
            path = item_path(root, tile_id, item["id"])
            publish_json(path, _with_links(item, tile_id))
            written.setdefault(tile_id, []).append(path)
        _update_collection(root, tile_id, items, replace_all=replace_all)
    return written


def add_products(
    output_dir: str | os.PathLike[str], products: Sequence[ProductFiles]
) -> list[Path]:
    """Catalogue ``products`` (new or remade: their Items are replaced); the Item files."""
    if not products:
        return []
    root = catalogue_root(output_dir)
    by_tile = _items_by_tile(root, products)
    with catalogue_lock(root):
        written = _write_items(root, by_tile, replace_all=False)
        _update_root(root, list(written))
    return [path for paths in written.values() for path in paths]


def rebuild(output_dir: str | os.PathLike[str], products: Sequence[ProductFiles]) -> list[Path]:
    """Make the catalogue of exactly ``products`` (what is on disk): Items of products no
    longer there are removed, collections and the root written anew."""
    root = catalogue_root(output_dir)
    by_tile = _items_by_tile(root, products)
    with catalogue_lock(root):
        written = _write_items(root, by_tile, replace_all=True)
        keep = {path for paths in written.values() for path in paths}
        for tile_dir in (d for d in root.iterdir() if d.is_dir()):
            for stale in tile_dir.glob("*/*.json"):
                if stale not in keep and not is_partial_name(stale.name):
                    stale.unlink()
                    _remove_if_empty(stale.parent)
            if tile_dir.name not in written:
                (tile_dir / "collection.json").unlink(missing_ok=True)
                _remove_if_empty(tile_dir)
        publish_json(root / "catalog.json", _root_document(sorted(written)))
    return sorted(keep)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty: something else lives there
        folder.rmdir()


def _stale(product: ProductFiles, root: Path, tile_id: str) -> bool:
    """Whether ``product`` has no Item yet, or one older than one of its files."""
    item = item_path(root, tile_id, product.item_id)
    try:
        written = item.stat().st_mtime
    except FileNotFoundError:
        return True
    files = (product.image, product.mask, product.filtered, product.quicklook)
    return any(f is not None and f.stat().st_mtime > written for f in files)


def catalogue_outputs(
    output_dir: str | os.PathLike[str], tile_id: str, tifs: Sequence[str | os.PathLike[str]]
) -> list[Path]:
    """Catalogue the products among ``tifs`` (a run's published images, masks and filtered
    copies of ``tile_id``) that have no Item yet or changed since theirs; the Items written."""
    root = catalogue_root(output_dir)
    products = [p for p in product_groups(tifs) if _stale(p, root, tile_id)]
    return add_products(output_dir, products)


def tifs_on_disk(folders: Sequence[Path]) -> list[Path]:
    """The GeoTIFFs published in ``folders`` (partial files left out)."""
    found: set[Path] = set()
    for folder in folders:
        if folder.is_dir():
            found.update(
                p for p in folder.glob("*.tif") if p.is_file() and not is_partial_name(p.name)
            )
    return sorted(found)
