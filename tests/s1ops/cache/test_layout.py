"""The S1 cache layout: names, the one "is it on disk" rule, what scans and the purge see."""

from __future__ import annotations

from pathlib import Path

import pytest

from s1ops.cache.layout import CacheLayout, is_product_entry, product_id_of
from s1ops.catalogue.fetch import download_product
from s1ops.catalogue.gateway import EodagSource
from s1ops.catalogue.search import product_status
from s1ops.errors import ZippedProductError
from s1ops.planning.runs import local_product

P1 = "S1A_IW_GRDH_1SDV_20151227T050546_20151227T050615_009223_00D5EE_72C3"
P2 = "S1A_IW_GRDH_1SDV_20151227T050611_20151227T050640_009223_00D5EE_81A9"


def _safe(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "manifest.safe").write_text("<xfdu/>")
    return path


def _zip(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK")
    return path


def test_every_name_the_layout_makes_is_read_back_as_its_product(tmp_path: Path) -> None:
    cache = CacheLayout.of(tmp_path)
    for path in (
        cache.safe_dir(P1),
        cache.zip_file(P1),
        cache.trash_path(cache.safe_dir(P1)),
        cache.trash_path(cache.zip_file(P1)),
    ):
        assert product_id_of(path) == P1, path
    assert cache.staging_dir(P1).name == P1
    assert cache.lock_file(P1) != cache.lock_file(P2)
    assert cache.lock_file(P1).parent == cache.lock_file(P2).parent
    assert cache.trash_path(cache.safe_dir(P1)).parent == cache.trash_dir
    # Bookkeeping is hidden, so no scan takes it for a product.
    assert cache.lock_file(P1).parent == cache.locks_dir
    for path in (cache.lock_file(P1), cache.staging_dir(P1), cache.trash_dir):
        assert path.relative_to(cache.root).parts[0].startswith(".")
    assert set(cache.leftover_dirs()) >= {cache.staging_dir(P1).parent, cache.trash_dir}
    assert product_id_of("notes.txt") is None
    assert product_id_of("S1A_IW_GRDH_1SDV_broken.zip") is None


def test_locate_prefers_the_safe_then_the_zip_then_one_level_down(tmp_path: Path) -> None:
    cache = CacheLayout.of(tmp_path)
    assert cache.locate(P1) is None
    assert CacheLayout.of(tmp_path / "absent").locate(P1) is None
    nested_zip = _zip(tmp_path / "eodag" / f"{P1}.zip")
    assert cache.locate(P1) == nested_zip
    nested_safe = _safe(tmp_path / P1 / cache.safe_dir(P1).name)
    assert cache.locate(P1) == nested_safe
    top_zip = _zip(cache.zip_file(P1))
    assert cache.locate(P1) == top_zip
    top_safe = _safe(cache.safe_dir(P1))
    assert cache.locate(P1) == top_safe


def test_locate_ignores_bookkeeping_and_look_alikes(tmp_path: Path) -> None:
    cache = CacheLayout.of(tmp_path)
    _safe(cache.staging_dir(P1) / cache.safe_dir(P1).name)  # a download not finished
    _safe(cache.trash_dir / cache.safe_dir(P2).name)  # a product being purged
    cache.safe_dir(P2).parent.mkdir(exist_ok=True)
    cache.safe_dir(P2).write_text("a file, not a SAFE folder")
    (tmp_path / f"{P2}.zip").mkdir()  # a folder, not a zip
    assert cache.locate(P1) is None
    assert cache.locate(P2) is None
    _safe(tmp_path / "other" / cache.safe_dir(P1).name)
    assert cache.locate("*") is None  # an id is data, not a pattern
    assert not is_product_entry(tmp_path / ".hidden.SAFE")


def test_top_level_products_and_candidates(tmp_path: Path) -> None:
    cache = CacheLayout.of(tmp_path)
    top_safe = _safe(cache.safe_dir(P1))
    top_zip = _zip(cache.zip_file(P2))
    nested = _safe(tmp_path / P2 / cache.safe_dir(P2).name)
    _zip(cache.staging_dir(P1) / "eodag" / f"{P1}.zip")
    _safe(cache.trash_dir / cache.safe_dir(P2).name)
    (tmp_path / "notes.txt").write_text("not a product")
    assert sorted(cache.top_level_products()) == [(P1, top_safe), (P2, top_zip)]
    assert cache.candidates() == [top_safe, nested, top_zip]
    assert CacheLayout.of(tmp_path / "absent").candidates() == []


@pytest.mark.parametrize("where", ["top_safe", "top_zip", "nested_safe", "nested_zip"])
def test_every_on_disk_question_gets_the_same_answer(tmp_path: Path, where: str) -> None:
    """Planning, the fetch task, status and download all ask ``locate``."""
    cache = CacheLayout.of(tmp_path / "s1")
    paths = {
        "top_safe": lambda: _safe(cache.safe_dir(P1)),
        "top_zip": lambda: _zip(cache.zip_file(P1)),
        "nested_safe": lambda: _safe(cache.root / P1 / cache.safe_dir(P1).name),
        "nested_zip": lambda: _zip(cache.root / P1 / cache.zip_file(P1).name),
    }
    path = paths[where]()
    # Never asked: a product on disk needs no catalogue.
    source = EodagSource("unused", tmp_path / "eodag")
    assert cache.locate(P1) == path
    assert local_product(cache.root, P1) == path
    assert product_status(source, P1, cache.root).local_path == path
    if path.is_dir():
        assert download_product(source, P1, cache.root) == path
    else:  # a download makes a zip the SAFE folder processing reads (test_zipped_products)
        with pytest.raises(ZippedProductError, match="not a zip file"):
            download_product(source, P1, cache.root)  # this stand-in zip is two bytes
