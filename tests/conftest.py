"""Shared fixtures: where OTB's test data is, whether OTB may be missing, Airflow's.

Tests that need OTB fail (never skip) when CI is set and OTB is absent: a
green CI must mean the real processing ran.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The Airflow environment and fixtures (set before any test module imports Airflow).
pytest_plugins = ["tests.airflow_session"]

REPO = Path(__file__).resolve().parents[1]
OTB_DATA = Path(os.environ.get("S1OPS_OTB_DATA", REPO / ".cache" / "otb-data"))


def _otb_importable() -> bool:
    try:
        import otbApplication  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="session")
def otb_data() -> Path:
    """The Data/ folder of OTB's source package, extracted by `make setup`."""
    if not (OTB_DATA / "Input").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"OTB test data missing at {OTB_DATA}: run `make setup`")
        pytest.skip(f"OTB test data missing at {OTB_DATA}")
    return OTB_DATA


@pytest.fixture(scope="session")
def otb() -> None:
    """Requires OTB's Python module (fails in CI when it is missing)."""
    if not _otb_importable():
        if os.environ.get("CI"):
            pytest.fail("otbApplication cannot be imported: run `make setup`")
        pytest.skip("otbApplication not importable")
