"""DAG factories: one DAG per S2 tile (``s1tiling_<TILE>``) and ``s1tiling_maintenance``.

Per tile::

    plan -> fetch (mapped over products, deferrable) -> [terrain] -> <pol>.select
                                                           -> <pol>.process (mapped) -> publish

``terrain`` (calibrations normlim and gamma_naught_rtc only) makes the sin(LIA)
or gamma-area maps the run's jobs need before either polarisation's jobs start.

``select`` runs whatever happened to the fetches and keeps the jobs whose
products are all on disk; a job waiting for a product is left for a later
run, whose lookback window plans it again.

The DAG folder spreads the tile DAGs over ``SHARD_COUNT`` files
(``s1ops_airflow.shards``: why that number, which tile goes where), so that no
file's parse nears the dag-processor's timeout; ``build_shard`` builds one.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import DAG, CronDataIntervalTimetable, Param, TaskGroup, TriggerRule

from s1ops_airflow.docker_runner import docker_process_kwargs
from s1ops_airflow.operators.fetch import FetchProductOperator
from s1ops_airflow.operators.maintenance import MaintenanceOperator
from s1ops_airflow.operators.plan import PlanTileOperator, SelectJobsOperator
from s1ops_airflow.operators.process import ProcessJobOperator
from s1ops_airflow.operators.publish import PublishTileOperator, tile_asset
from s1ops_airflow.shards import shard_of, tiles_of_shard

if TYPE_CHECKING:
    from s1ops.config.request import S1Config

CONFIG_ENV = "S1OPS_CONFIG"
DAG_PREFIX = "s1tiling_"
MAINTENANCE_DAG_ID = "s1tiling_maintenance"
MAINTENANCE_SCHEDULE = "0 3 * * *"  # daily, after the tiles' midnight runs
MAINTENANCE_TASK_ID = "maintenance"
MAX_RETRY_DELAY = timedelta(hours=2)


def dag_id_for(tile_id: str) -> str:
    """``s1tiling_<TILE>``."""
    return f"{DAG_PREFIX}{tile_id}"


def _midnight(day: Any) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def run_params(cfg: S1Config) -> dict[str, Param]:
    """Params of a manual trigger (validated by Airflow, then by ``s1ops.planning.runs``)."""
    pols = list(cfg.data_source.polarisations)
    day = {"type": ["null", "string"], "format": "date"}
    return {
        "first_date": Param(None, **day, description="first day (YYYY-MM-DD); empty: scheduled"),
        "last_date": Param(None, **day, description="last day, inclusive; empty: scheduled"),
        "force": Param(False, type="boolean", description="redo outputs that already exist"),
        "polarisations": Param(
            pols,
            type="array",
            items={"type": "string", "enum": pols},
            uniqueItems=True,
            description="polarisations to process (a subset of the request file's)",
        ),
    }


def _process(cfg: S1Config, config_path: str, select: SelectJobsOperator) -> Any:
    """The mapped ``process`` task over ``select``'s jobs: the one place the runner is chosen.

    Both runners take the same ``job`` and ``force`` from ``select`` and run
    the same ``s1ops process`` command, in a child process or in the image.
    """
    af = cfg.airflow
    common: dict[str, Any] = {
        "task_id": "process",
        "config_path": config_path,
        "pool": af.otb_pool,
        "retries": af.retries,
        "retry_delay": timedelta(seconds=af.retry_delay_s),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": MAX_RETRY_DELAY,
        "execution_timeout": timedelta(minutes=af.execution_timeout_min),
    }
    if af.runner == "docker":
        from s1ops_airflow.operators.docker_process import DockerProcessJobOperator

        kwargs = docker_process_kwargs(cfg, config_path)
        return DockerProcessJobOperator.partial(**common, **kwargs).expand_kwargs(select.output)
    return ProcessJobOperator.partial(**common).expand_kwargs(select.output)


def _terrain(cfg: S1Config, config_path: str, tile_id: str) -> Any:
    """The ``terrain`` task, when the request's calibration needs terrain maps (else None)."""
    from s1ops.vocabulary import TERRAIN_CALIBRATIONS

    if cfg.processing.calibration not in TERRAIN_CALIBRATIONS:
        return None
    from s1ops_airflow.operators.terrain import TerrainMapsOperator

    af = cfg.airflow
    return TerrainMapsOperator(
        task_id="terrain",
        config_path=config_path,
        tile_id=tile_id,
        pool=af.otb_pool,  # as heavy on a core as an OTB job
        retries=af.retries,
        retry_delay=timedelta(seconds=af.retry_delay_s),
        execution_timeout=timedelta(minutes=af.execution_timeout_min),
        trigger_rule=TriggerRule.ALL_DONE,
    )


def tile_dag(cfg: S1Config, config_path: str, tile_id: str) -> DAG:
    """The DAG of one tile."""
    af = cfg.airflow
    with DAG(
        dag_id=dag_id_for(tile_id),
        schedule=CronDataIntervalTimetable(af.schedule, timezone="UTC"),
        start_date=_midnight(af.start_date),
        end_date=_midnight(cfg.data_source.last_date + timedelta(days=af.lookback_days + 1)),
        catchup=af.catchup,
        max_active_runs=1,  # runs of one tile overlap by their lookback windows
        tags=["s1ops", tile_id],
        doc_md=f"Sentinel-1 backscatter on S2 tile {tile_id} ({config_path}).",
        # Every task retries (plan, select, publish too): a try that fails because the
        # metadata database or the API server was briefly away (its XCom or state call
        # refused) is tried again, instead of failing the run. fetch, terrain and
        # process give their own (with backoff and timeouts).
        default_args={"retries": af.retries, "retry_delay": timedelta(seconds=af.retry_delay_s)},
    ) as dag:
        plan = PlanTileOperator(task_id="plan", config_path=config_path, tile_id=tile_id)
        fetch = FetchProductOperator.partial(
            task_id="fetch",
            config_path=config_path,
            pool=af.download_pool,
            poke_interval_s=af.poke_interval_s,
            timeout_s=af.download_timeout_hours * 3600,
            retries=af.retries,
            retry_delay=timedelta(seconds=af.retry_delay_s),
            retry_exponential_backoff=2.0,
            max_retry_delay=MAX_RETRY_DELAY,
        ).expand(product_id=plan.output)
        terrain = _terrain(cfg, config_path, tile_id)
        if terrain is not None:
            plan >> terrain
            fetch >> terrain
        processes = []
        for pol in cfg.data_source.polarisations:
            with TaskGroup(group_id=pol):
                select = SelectJobsOperator(
                    task_id="select",
                    config_path=config_path,
                    polarisation=pol,
                    trigger_rule=TriggerRule.ALL_DONE,
                )
                plan >> select
                fetch >> select
                if terrain is not None:
                    terrain >> select
                processes.append(_process(cfg, config_path, select))
        publish = PublishTileOperator(
            task_id="publish",
            tile_id=tile_id,
            asset=tile_asset(cfg.paths.output, tile_id),
            process_task_ids=[f"{pol}.process" for pol in cfg.data_source.polarisations],
            config_path=config_path,
            trigger_rule=TriggerRule.NONE_FAILED,
        )
        processes >> publish
        fetch >> publish  # a fetch that failed (not timed out) fails the run
    # Given after the tasks exist: a DAG's params given to DAG() are deep-copied into
    # every task, and serializing each copy validates every param again (~0.7 ms
    # each: 40 s for 1 000 tiles). Tasks read them from the DAG at run time anyway.
    dag.params.update(run_params(cfg))
    return dag


def maintenance_dag(cfg: S1Config, config_path: str) -> DAG:
    """The daily maintenance DAG."""
    with DAG(
        dag_id=MAINTENANCE_DAG_ID,
        schedule=CronDataIntervalTimetable(MAINTENANCE_SCHEDULE, timezone="UTC"),
        start_date=_midnight(cfg.airflow.start_date),
        catchup=False,
        max_active_runs=1,
        tags=["s1ops", "maintenance"],
        doc_md="Purge the S1 cache, delete what nothing needs any more: what "
        f"`s1ops maintenance {config_path}` runs.",
    ) as dag:
        MaintenanceOperator(task_id=MAINTENANCE_TASK_ID, config_path=config_path)
    return dag


def _load(config_path: str | None) -> tuple[S1Config, str]:
    """The request file ``config_path`` (default ``$S1OPS_CONFIG``) and its path.

    Raises ``S1OpsError`` (e.g. ``ConfigError``) with a message naming the
    file and the bad key: Airflow shows it as the DAG file's import error.
    """
    from s1ops.config.request import load_config
    from s1ops.errors import ConfigError, S1OpsError

    path = config_path or os.environ.get(CONFIG_ENV)
    if not path:
        raise ConfigError("environment", CONFIG_ENV, None, "the path of an S1Tiling request file")
    try:
        cfg = load_config(path)
        if cfg.processing.all_tiles:
            raise ConfigError(
                "Processing", "tiles", "ALL", "a list of tiles: Airflow needs one DAG per tile"
            )
    except S1OpsError as exc:
        # Shown under the message in the import error's traceback.
        exc.add_note(f"in the request file {path} (${CONFIG_ENV})")
        raise
    return cfg, str(cfg.source or path)


def _wanted(only: str | None) -> str | None:
    """The DAG id a worker's parsing context asks for, when it is one of ours (else: all)."""
    return only if only and only.startswith(DAG_PREFIX) else None


def build_shard(
    shard: int, only: str | None = None, config_path: str | None = None
) -> dict[str, DAG]:
    """The tile DAGs of ``dags/s1tiling_shard_NN.py``: the tiles whose hash falls in ``shard``.

    ``only`` (a DAG id, from Airflow's parsing context) builds just that DAG,
    and only in its own shard: the other shards return at once, without
    reading the request file. ``SHARD_COUNT`` (``s1ops_airflow.shards``) says
    how many shard files there are and why. Errors as ``build_dags``.
    """
    wanted = _wanted(only)
    tile = wanted.removeprefix(DAG_PREFIX) if wanted else None
    if wanted == MAINTENANCE_DAG_ID or (tile and shard_of(tile) != shard):
        return {}
    cfg, path = _load(config_path)
    return {
        dag_id_for(tile_id): tile_dag(cfg, path, tile_id)
        for tile_id in tiles_of_shard(cfg.processing.tiles, shard, only=tile)
    }


def build_maintenance(only: str | None = None, config_path: str | None = None) -> dict[str, DAG]:
    """The DAG of ``dags/s1tiling_maintenance.py``; nothing for a worker of another DAG."""
    if _wanted(only) not in (None, MAINTENANCE_DAG_ID):
        return {}
    cfg, path = _load(config_path)
    return {MAINTENANCE_DAG_ID: maintenance_dag(cfg, path)}


def build_dags(config_path: str | None = None, only: str | None = None) -> dict[str, DAG]:
    """Every DAG of the request file ``config_path`` (default ``$S1OPS_CONFIG``), in one go.

    What the shard files and the maintenance file build together (the DAG
    folder uses those). ``only`` (a DAG id) builds just that DAG. Raises
    ``S1OpsError`` (e.g. ``ConfigError``) with a message naming the file and
    the bad key: Airflow shows it as the DAG file's import error.
    """
    cfg, path = _load(config_path)
    dags: dict[str, DAG] = {}
    if only in (None, MAINTENANCE_DAG_ID):
        dags[MAINTENANCE_DAG_ID] = maintenance_dag(cfg, path)
    for tile_id in cfg.processing.tiles:
        dag_id = dag_id_for(tile_id)
        if only is None or only == dag_id:
            dags[dag_id] = tile_dag(cfg, path, tile_id)
    return dags
