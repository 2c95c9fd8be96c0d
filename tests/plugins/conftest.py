"""Airflow tests: one Airflow home per session, synthetic products, a local STAC API.

The fixtures live in ``tests/airflow_session.py``, shared with the other Airflow tests.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

# Loaded by path: putting tests/ on sys.path would shadow the s1ops package with tests/s1ops.
if "airflow_session" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "airflow_session", Path(__file__).resolve().parents[1] / "airflow_session.py"
    )
    assert _spec is not None and _spec.loader is not None
    sys.modules["airflow_session"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["airflow_session"])

from airflow_session import (
    _catalogue_behaves,
    airflow_db,
    eodag_config,
    prepare_environment,
    request_file,
    stac,
    synthetic,
)

prepare_environment()

__all__ = ["_catalogue_behaves", "airflow_db", "eodag_config", "request_file", "stac", "synthetic"]
