"""A real container engine with the s1ops image, or a failure in CI.

Outside CI a missing engine or image skips these tests; with CI set it fails
them: a green CI must mean the containers really ran. The Airflow fixtures
(one Airflow home per session, synthetic products, a local STAC API) come
from ``tests/airflow_session.py``, a plugin of the whole suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from s1ops.testing.containers import Engine, find_engine

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def engine() -> Engine:
    """A container engine that answers and has the s1ops image."""
    found, reason = find_engine(REPO)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: `make test` starts the engine and builds the image")
        pytest.skip(reason)
    return found
