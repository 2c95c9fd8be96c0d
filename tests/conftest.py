"""Shared fixtures (OTB's test data, OTB itself, Airflow's) and the fast layer's marking.

Tests that need OTB fail (never skip) when CI is set and OTB is absent: a
green CI must mean the real processing ran.

Tests needing neither OTB, Airflow, a container engine nor a slow fixture are
marked ``fast`` here at collection (the rules: tests/fast_layer.py);
``pytest -m fast`` (``make test-fast``) runs them in under a minute.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from s1ops.testing.synth_safe import default_template_dir
from tests import fast_layer

# The Airflow environment and fixtures (set before any test module imports Airflow).
pytest_plugins = ["tests.airflow_session"]

# $S1OPS_OTB_DATA or .cache/otb-data: the folder synthetic products are made from too.
OTB_DATA = default_template_dir()
FAST = "fast"


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


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With ``-m fast``, leave out the files no fast test can be in (and Airflow's import)."""
    if config.getoption("markexpr") == FAST and fast_layer.never_fast(collection_path):
        return True
    return None  # pytest's own rules decide


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the fast layer's tests ``fast``."""
    for item in items:
        fast = fast_layer.is_fast(
            Path(item.path),
            set(getattr(item, "fixturenames", ())),
            lambda name, item=item: item.get_closest_marker(name) is not None,
            getattr(item, "function", None),
        )
        if fast:
            item.add_marker(pytest.mark.fast)
