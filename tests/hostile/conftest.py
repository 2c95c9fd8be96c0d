"""The hostile suite's shared site: one small real product, processed once undisturbed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.harness import Site, make_site, process_args, run_cli


@pytest.fixture(scope="session")
def reference_site(otb: None, otb_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A site whose every job was processed undisturbed: the outputs hostile runs must equal."""
    site = make_site(tmp_path_factory.mktemp("reference"), otb_data)
    for job in site.jobs().values():
        run = run_cli(*process_args(site, job))
        assert run.returncode == 0, run.stderr
    return site


@pytest.fixture
def site(otb: None, otb_data: Path, tmp_path: Path) -> Site:
    """A fresh site for one case (nothing processed yet)."""
    return make_site(tmp_path / "site", otb_data)


@pytest.fixture(scope="session")
def cached_reference_site(
    otb: None, otb_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Site:
    """The reference of runs with ``--cache-before-ortho``: its vv job processed undisturbed
    with it (OrthoReady files in its tmp). OTB reads the SAR metadata back from the
    OrthoReady file with less precision: a few pixels differ from ``reference_site``'s."""
    site = make_site(tmp_path_factory.mktemp("cached-reference"), otb_data)
    run = run_cli(*process_args(site, site.jobs()["vv"], "--cache-before-ortho"))
    assert run.returncode == 0, run.stderr
    return site
