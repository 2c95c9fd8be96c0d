"""Maintenance candidates: partial files, temporary folders, download leftovers, OrthoReady."""

from __future__ import annotations

import os
import time
from pathlib import Path

from s1ops.cache.locks import hold_products, product_lock
from s1ops.maintenance.cleanup import (
    orthoready_key,
    product_key,
    remove,
    stale_download_entries,
    stale_partial_outputs,
    stale_tmp_entries,
    unlocked,
    unneeded_orthoready,
)

P1 = "S1A_IW_GRDH_1SDV_20151227T050546_20151227T050615_009223_00D5EE_72C3"
P2 = "S1A_IW_GRDH_1SDV_20151227T050611_20151227T050640_009223_00D5EE_81A9"
NOW = time.time()


def _file(path: Path, age_days: float = 0, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (NOW - age_days * 86_400,) * 2)
    return path


def test_only_old_hidden_partials_under_the_output_tree(tmp_path: Path) -> None:
    old = _file(tmp_path / "32NNJ" / ".s1a_32NNJ_vv.partial-1a.tif", 2)
    _file(tmp_path / "32NNJ" / ".s1a_32NNJ_vh.partial-2b.tif", 0)  # being written
    _file(tmp_path / "32NNJ" / "s1a_32NNJ_vv_DES_051_20151215t050546.tif", 30)  # a product
    _file(tmp_path / "32NNJ" / ".notes", 30)
    assert stale_partial_outputs(tmp_path, now=NOW) == [old]


def test_temporary_entries_and_download_leftovers(tmp_path: Path) -> None:
    (tmp_path / "tmp" / "s1ops-dem-a").mkdir(parents=True)
    os.utime(tmp_path / "tmp" / "s1ops-dem-a", (NOW - 2 * 86_400,) * 2)
    _file(tmp_path / "tmp" / "eodag" / "locations.yml", 9)
    assert stale_tmp_entries(tmp_path / "tmp", now=NOW) == [tmp_path / "tmp" / "s1ops-dem-a"]
    cache = tmp_path / "s1"
    old = _file(cache / ".partial" / P1 / "x.zip", 2).parent
    os.utime(old, (NOW - 2 * 86_400,) * 2)
    _file(cache / ".trash" / f"{P2}.SAFE.123", 2)
    assert stale_download_entries(cache, now=NOW) == [
        old,
        cache / ".trash" / f"{P2}.SAFE.123",
    ]


def test_entries_of_a_product_being_downloaded_are_kept(tmp_path: Path) -> None:
    entries = [tmp_path / ".partial" / P1, tmp_path / ".trash" / f"{P2}.SAFE.9"]
    with product_lock(tmp_path, P1):
        assert unlocked(tmp_path, entries) == entries[1:]
    with hold_products([P2], tmp_path):
        assert unlocked(tmp_path, entries) == entries[:1]


def test_orthoready_files_are_reference_counted(tmp_path: Path) -> None:
    name1 = "s1a-iw-grd-vv-20151227t050546-20151227t050615-009223-00d5ee-001_OrthoReady.tif"
    name2 = "s1a-iw-grd-vh-20151227t050611-20151227t050640-009223-00d5ee-002_OrthoReady.tif"
    assert orthoready_key(name1) == product_key(P1)
    assert orthoready_key(name2) == product_key(P2)
    f1, f2 = _file(tmp_path / name1), _file(tmp_path / name2)
    assert unneeded_orthoready(tmp_path, [P1]) == [f2]
    assert unneeded_orthoready(tmp_path, [P1, P2]) == []
    assert unneeded_orthoready(tmp_path, []) == sorted([f1, f2])


def test_remove_reports_freed_bytes_and_respects_protected_paths(tmp_path: Path) -> None:
    a = _file(tmp_path / "a" / "x", data=b"12345")
    b = _file(tmp_path / "b", data=b"123")
    report = remove([a.parent, b], "test", protect=[b])
    assert report.freed_bytes == 5
    assert not a.parent.exists() and b.exists()
    assert report.to_dict()["removed"][0]["reason"] == "test"
