"""One maintenance run (``run_maintenance`` and ``s1ops maintenance``): what it removes, what
it keeps, and that a dry run deletes nothing yet reports exactly what a real run removes."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from s1ops import exit_codes
from s1ops.cache.layout import LOCKS_DIR
from s1ops.cache.locks import hold_products, product_lock
from s1ops.cache.orthoready import orthoready_dir, orthoready_path
from s1ops.cli import main
from s1ops.config.request import load_config
from s1ops.maintenance.report import MaintenanceReport
from s1ops.maintenance.run import (
    DOWNLOAD_LEFTOVERS,
    ORTHOREADY,
    PARTIAL_OUTPUTS,
    S1_CACHE,
    WORK_FOLDERS,
    run_maintenance,
)
from s1ops.scratch import partial_path, work_folder
from s1ops.sentinel1.ids import ProductId
from tests.s1ops.maintenance.site import abandoned_work_folder, cache_of, write_request
from tests.s1ops.safe_builder import P1_ID, P2_COORDS, P2_ID, SafeSpec, build_safe_dir

DAY_S = 86_400.0
NOW = time.time()
# Products only the purge and the download leftovers look at (never planned).
OLD = "S1B_IW_GRDH_1SDV_20191202T044110_20191202T044135_019283_0246B1_1A2B"
HELD = "S1B_IW_GRDH_1SDV_20191203T044110_20191203T044135_019298_024722_3C4D"
DOWNLOADING = "S1B_IW_GRDH_1SDV_20191204T044110_20191204T044135_019313_024790_5E6F"
# An OrthoReady file of a product no job plans.
UNPLANNED = "S1A_IW_GRDH_1SDV_20191210T044150_20191210T044215_030179_0372C3_ABCD"


def _age(path: Path, days: float) -> Path:
    os.utime(path, (NOW - days * DAY_S,) * 2)
    return path


def _file(path: Path, size: int, days: float = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    return _age(path, days)


def _fake_safe(cache: Path, product_id: str, days: float, size: int = 1000) -> Path:
    safe = _file(cache / ProductId.parse(product_id).safe_name / "manifest.safe", size).parent
    return _age(safe, days)


@dataclass(frozen=True)
class Site:
    """A request whose folders hold one candidate of each kind, and one keeper of each."""

    cfg: Path
    gone: frozenset[Path]  # what a run must remove
    kept: frozenset[Path]  # what it must keep


def _orthoready(tmp: Path, product_id: str) -> Path:
    measurement = ProductId.parse(product_id).measurement("vv").format()
    return _file(orthoready_path(measurement, orthoready_dir(tmp), calibration="sigma"), 200, 5)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    cfg = write_request(tmp_path, s1_cache_max_products=2)
    cache, out, tmp = cache_of(tmp_path), tmp_path / "out" / "33NWB", tmp_path / "tmp"
    newest = _age(build_safe_dir(cache.root), 1)  # P1: a pending job needs it
    second = _age(
        build_safe_dir(cache.root, SafeSpec(product_id=P2_ID, coordinates=P2_COORDS)), 1.5
    )
    old = _fake_safe(cache.root, OLD, 4)
    held = _fake_safe(cache.root, HELD, 3)
    product = _file(out / "s1a_33NWB_vv_DES_007_20200108txxxxxx.tif", 50, 30)
    stale = _file(partial_path(product), 40, 2)
    fresh = _file(partial_path(product.with_name("s1a_33NWB_vh_DES_007_20200108txxxxxx.tif")), 4)
    abandoned = _age(abandoned_work_folder(tmp), 2)
    needed, unneeded = _orthoready(tmp, P1_ID), _orthoready(tmp, UNPLANNED)
    staging = _age(_file(cache.staging_dir(OLD) / "eodag" / "x.zip", 500, 2).parent.parent, 2)
    downloading = _age(_file(cache.staging_dir(DOWNLOADING) / "x.zip", 70, 2).parent, 2)
    return Site(
        cfg,
        gone=frozenset({old, stale, abandoned, unneeded, staging}),
        kept=frozenset(
            {
                newest,
                second,
                held,
                product,
                fresh,
                needed,
                downloading,
                tmp_path / "S1Processor.cfg",
            }
        ),
    )


@contextmanager
def in_use(root: Path) -> Iterator[Path]:
    """A job leasing HELD and running in a (two-day-old) work folder; DOWNLOADING downloading."""
    with ExitStack() as stack:
        stack.enter_context(hold_products([HELD], root / "s1"))
        stack.enter_context(product_lock(root / "s1", DOWNLOADING))
        busy = stack.enter_context(work_folder(root / "tmp", "dem"))
        yield _age(busy, 2)


def _snapshot(root: Path) -> dict[str, tuple[int, float] | None]:
    """Every file (size, mtime) and folder under ``root``, but lock files (a dry run may make
    a product's lock file: it deletes nothing)."""
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime) if p.is_file() else None
        for p in root.rglob("*")
        if LOCKS_DIR not in p.relative_to(root).parts
    }


def test_a_dry_run_deletes_nothing_and_reports_what_a_real_run_removes(site: Site) -> None:
    root = site.cfg.parent
    cfg = load_config(site.cfg)
    with in_use(root) as busy:
        before = _snapshot(root)
        dry = run_maintenance(cfg, dry_run=True, now=NOW)
        assert _snapshot(root) == before
        real = run_maintenance(cfg, now=NOW)
        assert busy.is_dir()  # in use: kept whatever its age
    assert dry.dry_run and not real.dry_run and not real.failed
    assert {k: v for k, v in dry.to_dict().items() if k != "dry_run"} == {
        k: v for k, v in real.to_dict().items() if k != "dry_run"
    }
    assert real.removed_paths() == {str(p) for p in site.gone}
    assert not [p for p in site.gone if p.exists()]
    assert not [p for p in site.kept if not p.exists()]
    assert real.freed_bytes == sum(r.size_bytes for p in real.parts for r in p.removed)
    assert real.freed_bytes >= 1000 + 40 + 300 + 200 + 500


def test_what_is_kept_and_why(site: Site) -> None:
    root = site.cfg.parent
    with in_use(root) as busy:
        report = run_maintenance(load_config(site.cfg), now=NOW)
    kept = {name: {k.path for k in report.part(name).kept} for name in (S1_CACHE, ORTHOREADY)}
    assert kept[S1_CACHE] == {str(cache_of(root).safe_dir(HELD))}
    assert kept[ORTHOREADY] == {
        str(p) for p in site.kept if p.parent == orthoready_dir(root / "tmp")
    }
    assert [k.path for k in report.part(WORK_FOLDERS).kept] == [str(busy)]
    assert [k.path for k in report.part(DOWNLOAD_LEFTOVERS).kept] == [
        str(cache_of(root).staging_dir(DOWNLOADING))
    ]
    assert [r.path for r in report.part(S1_CACHE).removed] == [str(cache_of(root).safe_dir(OLD))]
    assert report.part(PARTIAL_OUTPUTS).freed_bytes == 40


def test_output_products_are_never_candidates(tmp_path: Path) -> None:
    cfg = write_request(tmp_path)
    out = tmp_path / "out" / "33NWB"
    outputs = [
        _file(out / name, 10, 400)
        for name in (
            "s1a_33NWB_vv_DES_007_20200108t044150.tif",
            "s1a_33NWB_vv_DES_007_20200108t044150_BorderMask.tif",
            "s1a_33NWB_vv_DES_007_20200108t044150.jpg",
        )
    ]
    report = run_maintenance(load_config(cfg), older_than_s=0, now=NOW)
    assert report.removed_paths() == set() and all(p.is_file() for p in outputs)


def test_a_failing_part_is_reported_and_the_others_still_run(tmp_path: Path) -> None:
    cfg = write_request(tmp_path, tiles="ALL")
    _orthoready(tmp_path / "tmp", UNPLANNED)
    leftover = _age(abandoned_work_folder(tmp_path / "tmp"), 2)
    report = run_maintenance(load_config(cfg), now=NOW)
    assert report.failed and list(report.errors()) == [ORTHOREADY]
    assert "tiles" in report.errors()[ORTHOREADY]
    assert not leftover.exists()
    assert MaintenanceReport.from_dict(report.to_dict()) == report


def test_report_round_trip_and_validation(site: Site) -> None:
    report = run_maintenance(load_config(site.cfg), dry_run=True, now=NOW)
    data = json.loads(json.dumps(report.to_dict()))
    assert MaintenanceReport.from_dict(data) == report
    assert data["freed_bytes"] == report.freed_bytes
    with pytest.raises(ValueError, match="dry_run"):
        MaintenanceReport.from_dict({"parts": {}})
    data["parts"][S1_CACHE]["removed"] = [{"path": "x"}]
    with pytest.raises(ValueError, match=S1_CACHE):
        MaintenanceReport.from_dict(data)


def test_cli_dry_run_then_real_run(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    root = site.cfg.parent
    with in_use(root):
        before = _snapshot(root)
        assert main(["maintenance", str(site.cfg), "--dry-run"]) == 0
        lines = capsys.readouterr().out.strip().splitlines()
        assert _snapshot(root) == before
        assert main(["maintenance", str(site.cfg), "--older-than", "24"]) == 0
    assert len(lines) == 1
    dry = MaintenanceReport.from_dict(json.loads(lines[-1]))
    real = MaintenanceReport.from_dict(json.loads(capsys.readouterr().out.strip()))
    assert dry.dry_run and not real.dry_run and real.older_than_s == DAY_S
    assert real.removed_paths() == dry.removed_paths() == {str(p) for p in site.gone}
    assert not [p for p in site.gone if p.exists()]
    assert not [p for p in site.kept if not p.exists()]


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    failing = write_request(tmp_path, tiles="ALL")
    _orthoready(tmp_path / "tmp", UNPLANNED)
    assert main(["maintenance", str(failing)]) == exit_codes.PARTLY_FAILED
    assert json.loads(capsys.readouterr().out)["failed"] is True
    assert main(["maintenance", str(tmp_path / "missing.cfg")]) == 2
    with pytest.raises(SystemExit):
        main(["maintenance", str(failing), "--older-than", "-1"])
    assert "--older-than: '-1': expected a number from 0 to" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("key", "finished_name", "stale_name"),
    [("lia", "sin_LIA", "LIA"), ("gamma_area", "GAMMA_AREA", "GAMMA_AREA")],
)
def test_terrain_maps_are_kept_and_their_stale_partials_swept(
    tmp_path: Path, key: str, finished_name: str, stale_name: str
) -> None:
    cfg = write_request(tmp_path)
    maps = tmp_path / "maps" / key  # outside [Paths] output
    text = cfg.read_text()
    assert "[Paths]\n" in text
    cfg.write_text(text.replace("[Paths]\n", f"[Paths]\n{key} : {maps}\n", 1))
    finished = _file(maps / f"{finished_name}_33NWB_007.tif", 80, 400)
    lock = _file(maps / ".terrain_33NWB_007.lock", 0, 400)
    stale = _file(partial_path(maps / f"{stale_name}_33NWB_009.tif"), 30, 2)
    fresh = _file(partial_path(maps / f"{finished_name}_33NWB_008.tif"), 30)
    report = run_maintenance(load_config(cfg), older_than_s=DAY_S)
    (part,) = [p for p in report.parts if p.name == PARTIAL_OUTPUTS]
    assert [r.path for r in part.removed] == [str(stale)]
    assert finished.is_file() and lock.is_file() and fresh.is_file() and not stale.exists()
