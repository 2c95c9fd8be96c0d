"""A real container engine with the s1ops image, or a failure in CI.

Outside CI a missing engine or image skips these tests; with CI set it fails
them: a green CI must mean the containers really ran. The Airflow fixtures
(one Airflow home per session, synthetic products, a local STAC API) come
from ``tests/airflow_session.py``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from s1ops.testing.containers import Engine, find_engine

REPO = Path(__file__).resolve().parents[2]

# Loaded by path: putting tests/ on sys.path would shadow the s1ops package with tests/s1ops.
if "airflow_session" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "airflow_session", REPO / "tests" / "airflow_session.py"
    )
    assert _spec is not None and _spec.loader is not None
    sys.modules["airflow_session"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["airflow_session"])

from airflow_session import (  # noqa: E402
    _catalogue_behaves,
    airflow_db,
    eodag_config,
    prepare_environment,
    stac,
    synthetic,
)

prepare_environment()

__all__ = ["_catalogue_behaves", "airflow_db", "eodag_config", "stac", "synthetic"]


@pytest.fixture(scope="session")
def engine() -> Engine:
    """A container engine that answers and has the s1ops image."""
    found, reason = find_engine(REPO)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: `make test` starts the engine and builds the image")
        pytest.skip(reason)
    return found
