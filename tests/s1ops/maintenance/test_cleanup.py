"""Maintenance candidates: partial files, work folders, download leftovers, OrthoReady."""

from __future__ import annotations

import os
import time
from pathlib import Path

from s1ops.cache.layout import CacheLayout
from s1ops.cache.locks import hold_products, product_lock
from s1ops.cache.orthoready import orthoready_path
from s1ops.maintenance.cleanup import (
    download_entry_in_use,
    remove,
    split_in_use,
    stale_download_entries,
    stale_partial_files,
    stale_work_entries,
    unneeded_orthoready,
)
from s1ops.scratch import partial_path, work_folder, work_folder_in_use
from s1ops.sentinel1.ids import ProductId

P1 = "S1A_IW_GRDH_1SDV_20151227T050546_20151227T050615_009223_00D5EE_72C3"
P2 = "S1A_IW_GRDH_1SDV_20151227T050611_20151227T050640_009223_00D5EE_81A9"
NOW = time.time()


def _age(path: Path, age_days: float) -> Path:
    os.utime(path, (NOW - age_days * 86_400,) * 2)
    return path


def _file(path: Path, age_days: float = 0, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return _age(path, age_days)


def test_only_old_hidden_partials_under_the_output_tree(tmp_path: Path) -> None:
    product = tmp_path / "32NNJ" / "s1a_32NNJ_vv_DES_051_20151215t050546.tif"
    old = _file(partial_path(product), 2)
    _file(partial_path(product.with_name("s1a_32NNJ_vh_DES_051_20151215t050546.tif")))  # writing
    _file(product, 30)  # a product
    _file(tmp_path / "32NNJ" / ".notes", 30)
    assert stale_partial_files(tmp_path, now=NOW) == [old]


def test_work_folders_and_download_leftovers(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    with work_folder(tmp, "dem") as folder:
        pass  # deleted at the end of the block: a killed job's folder stays
    assert not folder.exists()
    with work_folder(tmp, "dem") as held:
        _age(held, 2)
        _file(tmp / "eodag" / "locations.yml", 9)
        assert stale_work_entries(tmp, now=NOW) == [held]
        assert split_in_use([held], work_folder_in_use) == ([], [held])
    cache = CacheLayout.of(tmp_path / "s1")
    old = _file(cache.staging_dir(P1) / "x.zip", 2).parent
    _age(old, 2)
    victim = _file(cache.trash_path(cache.safe_dir(P2)), 2)
    assert stale_download_entries(cache.root, now=NOW) == [old, victim]


def test_entries_of_a_product_being_downloaded_are_kept(tmp_path: Path) -> None:
    cache = CacheLayout.of(tmp_path)
    entries = [cache.staging_dir(P1), cache.trash_path(cache.safe_dir(P2))]
    in_use = download_entry_in_use(tmp_path)
    with product_lock(tmp_path, P1):
        assert split_in_use(entries, in_use) == (entries[1:], entries[:1])
    with hold_products([P2], tmp_path):
        assert split_in_use(entries, in_use) == (entries[:1], entries[1:])
    assert split_in_use(entries, in_use) == (entries, [])


def test_orthoready_files_are_reference_counted(tmp_path: Path) -> None:
    f1, f2 = (
        _file(
            orthoready_path(
                ProductId.parse(p).measurement(pol).format(), tmp_path, calibration="sigma"
            )
        )
        for p, pol in ((P1, "vv"), (P2, "vh"))
    )
    _file(tmp_path / "notes.txt")  # not an OrthoReady file: never a candidate
    assert unneeded_orthoready(tmp_path, [P1]) == [f2]
    assert unneeded_orthoready(tmp_path, [P1, P2]) == []
    assert unneeded_orthoready(tmp_path, []) == sorted([f1, f2])


def test_remove_reports_freed_bytes_and_respects_protected_paths(tmp_path: Path) -> None:
    a = _file(tmp_path / "a" / "x", data=b"12345")
    b = _file(tmp_path / "b", data=b"123")
    removed = remove([a.parent, b], "test", protect=[b])
    assert sum(r.size_bytes for r in removed) == 5
    assert not a.parent.exists() and b.exists()
    assert removed[0].reason == "test"


def test_remove_dry_run_measures_and_deletes_nothing(tmp_path: Path) -> None:
    a = _file(tmp_path / "a" / "x", data=b"12345")
    removed = remove([a.parent], "test", dry_run=True)
    assert [(r.path, r.size_bytes) for r in removed] == [(str(a.parent), 5)]
    assert a.read_bytes() == b"12345"
