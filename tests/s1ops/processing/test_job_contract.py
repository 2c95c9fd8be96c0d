"""A tile job's result as it crosses processes, and its product leases (no OTB needed).

``process_job`` leases its products whoever runs it (a DAG task, a container,
``s1ops process`` by hand): the cache purge then keeps them, and a product
gone from the cache is an error with its own exit code, never a partial image.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from s1ops.cache.locks import product_in_use
from s1ops.cache.purge import purge_cache
from s1ops.cli import main
from s1ops.config.request import load_config
from s1ops.errors import ContractError, ProductsNotOnDiskError
from s1ops.exit_codes import NOT_YET
from s1ops.planning.jobs import TileJob
from s1ops.planning.runs import plan_for_run
from s1ops.processing.job import JobResult, leased_products, process_job
from s1ops.processing.settings import settings_from_config
from s1ops.sentinel1.ids import ProductId
from s1ops.sentinel1.records import ProductRecord
from s1ops.sentinel1.safe import parse_footprint
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request
from tests.s1ops.safe_builder import P1_ID, P2_COORDS, P2_ID, SafeSpec, build_safe_dir


def test_a_result_crosses_as_json_and_back_checked() -> None:
    result = JobResult("s1a_33NWB_vv", "/out/a.tif", None, False, 12.3456)
    again = JobResult.from_json(json.dumps(result.to_dict()))
    assert again == JobResult("s1a_33NWB_vv", "/out/a.tif", None, False, 12.346)
    with pytest.raises(ContractError, match=r"JobResult.skipped = 'no': expected true or false"):
        JobResult.from_dict(result.to_dict() | {"skipped": "no"})
    with pytest.raises(ContractError, match=r"JobResult\.output is missing"):
        JobResult.from_dict({"job_id": "x", "mask": None, "skipped": True, "seconds": 0})
    # A container's last log line that is not the result.
    with pytest.raises(ContractError, match="one JSON document"):
        JobResult.from_json("INFO processing done")


@pytest.fixture
def pair_job(tmp_path: Path) -> tuple[Path, TileJob]:
    """A request over 33NWB and its 8 January vv job: P1 on disk, P2 (online) not yet."""
    cfg = write_request(tmp_path / REQUEST_NAME, RequestPaths.under(tmp_path), tiles="33NWB")
    build_safe_dir(tmp_path / "s1")
    p2 = ProductRecord(
        ProductId.parse(P2_ID), parse_footprint(P2_COORDS), 7, "DES", ("vv", "vh"), "online"
    )
    run = plan_for_run(load_config(cfg), "33NWB", records=[p2])
    (job,) = [j for j in run.plan.jobs if j.polarisation == "vv"]
    assert job.product_ids == (P1_ID, P2_ID) and job.product_paths[1] is None
    return cfg, job


def test_leases_are_held_while_the_products_are_read(pair_job: tuple[Path, TileJob]) -> None:
    cfg, job = pair_job
    s1 = load_config(cfg).paths.s1_images
    p2 = build_safe_dir(s1, SafeSpec(product_id=P2_ID, coordinates=P2_COORDS))
    with leased_products(job, str(s1)) as ready:
        # Found in the cache although the plan had no path for it.
        assert ready.product_paths == (str(s1 / f"{P1_ID}.SAFE"), str(p2))
        assert product_in_use(s1, P1_ID) and product_in_use(s1, P2_ID)
        report = purge_cache(s1, keep=0)
        assert report.deleted == () and set(report.held) == {P1_ID, P2_ID}
    assert not product_in_use(s1, P1_ID)
    assert set(purge_cache(s1, keep=0).deleted) == {P1_ID, P2_ID}


def test_a_product_not_on_disk_stops_the_job_with_its_own_exit_code(
    pair_job: tuple[Path, TileJob], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, job = pair_job
    settings = settings_from_config(load_config(cfg))
    with pytest.raises(ProductsNotOnDiskError) as info:
        process_job(job, settings, dem_dir=load_config(cfg).paths.dem_dir)
    assert info.value.missing == (P2_ID,)
    assert not product_in_use(settings.s1_images or "", P1_ID)  # released on the way out

    code = main(["process", str(cfg), "--job", json.dumps(job.to_dict())])
    assert code == NOT_YET
    error = capsys.readouterr().err
    assert f"product(s) {P2_ID} not on disk" in error and job.job_id in error


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` read-only for the block: a read-only bind mount as root (file modes do
    not stop root), its mode otherwise."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_cache_is_read_without_leases(
    pair_job: tuple[Path, TileJob], caplog: pytest.LogCaptureFixture
) -> None:
    cfg, job = pair_job
    s1 = load_config(cfg).paths.s1_images
    build_safe_dir(s1, SafeSpec(product_id=P2_ID, coordinates=P2_COORDS))
    with read_only(s1), leased_products(job, str(s1)) as ready:
        assert None not in ready.product_paths
    assert "products not leased" in caplog.text
