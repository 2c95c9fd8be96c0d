"""S1Tiling tile DAGs ``s1tiling_<TILE>``, shard 29: the tiles of ``$S1OPS_CONFIG`` hashed here.

Wiring only: ``s1ops_airflow.factory.build_shard`` builds them, and
``s1ops_airflow.shards`` says which tile goes to which of the shard files
(one per shard, spread over the dag-processor's parsing processes). A worker
running a task builds only that task's DAG, in its own shard alone (Airflow's
parsing context). A bad request file is this file's import error, naming the
file, section and key.
"""

from __future__ import annotations

from airflow.sdk import get_parsing_context
from s1ops_airflow.factory import build_shard

SHARD = 29

globals().update(build_shard(SHARD, only=get_parsing_context().dag_id))
