"""S1Tiling DAGs: one per Sentinel-2 tile of the request file ``$S1OPS_CONFIG``, and maintenance.

Wiring only: ``s1ops_airflow.factory`` (in the plugins folder) builds them.
A worker or the triggerer running one task builds only that task's DAG
(Airflow's parsing context). A bad request file raises one error naming the
file and key, shown as this file's import error.
"""

from __future__ import annotations

from airflow.sdk import get_parsing_context
from s1ops_airflow.factory import build_dags

_only = get_parsing_context().dag_id
_wanted = _only if _only and _only.startswith("s1tiling_") else None

globals().update(build_dags(only=_wanted))
