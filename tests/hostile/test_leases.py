"""Root cause 4: a job run by hand (``s1ops process``) holds its products against the purge.

``process_job`` leases the products itself, whoever runs it: here a CLI
process is frozen (SIGSTOP, with its OTB child) while it holds its lease, a
``cache purge --keep 0`` runs, the product stays; the job then completes with
the undisturbed run's outputs, and the next purge deletes the product.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from s1ops.cache.locks import product_in_use
from s1ops.exit_codes import OK
from tests.hostile.harness import (
    Site,
    assert_published_equal,
    process_args,
    published,
    run_cli,
    start_cli,
)

pytestmark = [pytest.mark.otb, pytest.mark.slow]

LEASE_WAIT_S = 60.0


def _wait_for_lease(child: subprocess.Popen[str], site: Site, product_id: str) -> None:
    deadline = time.monotonic() + LEASE_WAIT_S
    while not product_in_use(site.s1_images, product_id):
        assert child.poll() is None, "the job ended before its lease was seen"
        assert time.monotonic() < deadline, "no lease taken"
        time.sleep(0.005)


def test_a_purge_during_a_cli_job_keeps_its_product(site: Site, reference_site: Site) -> None:
    job = site.jobs()["vv"]
    (product_id,) = job.product_ids
    safe = site.s1_images / f"{product_id}.SAFE"
    child = start_cli(*process_args(site, job))
    try:
        _wait_for_lease(child, site, product_id)
        os.killpg(child.pid, signal.SIGSTOP)  # the job, and its OTB child, frozen mid-job
        assert child.poll() is None and product_in_use(site.s1_images, product_id)
        purge = run_cli("cache", "purge", site.config, "--keep", "0")
        assert purge.returncode == OK, purge.stderr
        assert purge.last_json["held"] == [product_id]  # type: ignore[index]
        assert purge.last_json["deleted"] == []  # type: ignore[index]
        assert safe.is_dir()
    finally:
        os.killpg(child.pid, signal.SIGCONT)
    stdout, stderr = child.communicate(timeout=300)
    assert child.returncode == OK, stderr
    assert json.loads(stdout.splitlines()[-1])["skipped"] is False
    names = [str(p.relative_to(site.output)) for p in published(site.output)]
    assert len(names) == 3  # image, mask, quicklook
    assert_published_equal(site.output, reference_site.output, names=names)
    # Nobody holds it any more: the next purge deletes it.
    again = run_cli("cache", "purge", site.config, "--keep", "0")
    assert again.returncode == OK, again.stderr
    assert again.last_json["deleted"] == [product_id]  # type: ignore[index]
    assert not safe.exists()
