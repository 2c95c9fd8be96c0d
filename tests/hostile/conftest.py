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
