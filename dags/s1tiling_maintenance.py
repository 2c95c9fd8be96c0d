"""The maintenance DAG ``s1tiling_maintenance`` of the request file ``$S1OPS_CONFIG``.

Wiring only: ``s1ops_airflow.factory.build_maintenance`` builds it; the tile
DAGs are in the ``s1tiling_shard_NN.py`` files. A worker running another DAG's
task builds nothing here (Airflow's parsing context). A bad request file is
this file's import error, naming the file, section and key.
"""

from __future__ import annotations

from airflow.sdk import get_parsing_context
from s1ops_airflow.factory import build_maintenance

globals().update(build_maintenance(only=get_parsing_context().dag_id))
