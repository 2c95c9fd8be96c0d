"""The ``[Airflow]`` section: what only s1ops needs, absent from S1Tiling files.

Every key has a default, so an unchanged S1Tiling request file runs as is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from s1ops.config.reader import SectionReader
from s1ops.vocabulary import DEFAULT_CACHE_KEEP

RUNNERS = ("local", "docker")

# Five cron fields (minute hour day-of-month month day-of-week). Presets such
# as "@daily" are refused: in Airflow 3 they give zero-length data intervals,
# and each run must cover a whole day.
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-?LW#]+$")


@dataclass(frozen=True)
class AirflowConfig:
    """[Airflow]: how the Airflow layer runs the work (keys named as the fields)."""

    start_date: date  # default: [DataSource] first_date
    otb_pool_slots: int  # default: [Processing] nb_parallel_processes
    runner: str = "local"  # local: OTB on the worker; docker: in `image`
    image: str = "s1ops:latest"
    docker_url: str = "unix:///var/run/docker.sock"
    otb_pool: str = "s1ops_otb"
    download_pool: str = "s1ops_download"
    download_pool_slots: int = 2
    schedule: str = "0 0 * * *"
    catchup: bool = False
    lookback_days: int = 3  # days before the run's day searched again for late products
    download_timeout_hours: float = 24.0  # how long an OFFLINE product is waited for
    poke_interval_s: int = 300
    retries: int = 3
    retry_delay_s: int = 60
    execution_timeout_min: int = 120
    s1_cache_max_products: int = DEFAULT_CACHE_KEEP
    # A job's image with this fraction of valid pixels or less is empty: not published
    # (s1ops.outputs.empty). 0: any valid pixel makes a product.
    min_valid_fraction: float = 0.0
    # The Airflow Connection holding the eodag provider's credentials. None: the
    # convention s1ops_<provider>, used when it exists (else the environment, then the
    # eodag config file); named here, it must exist.
    provider_conn_id: str | None = None
    # The Celery workers of `make cluster` (scripts/cluster.sh): task slots of each
    # worker, and the queues they take tasks from (Airflow's default queue: "default").
    celery_concurrency: int = 2
    celery_queues: tuple[str, ...] = ("default",)


def _schedule(reader: SectionReader) -> str:
    value = reader.text("schedule")
    if value is None:
        return AirflowConfig.schedule
    fields = value.split()
    if len(fields) != 5 or not all(_CRON_FIELD.match(field) for field in fields):
        raise reader.error(
            "schedule",
            value,
            "a 5-field cron expression, e.g. '0 0 * * *' (presets like "
            "@daily are refused: they give empty data intervals in Airflow 3)",
        )
    return " ".join(fields)


def _start_date(reader: SectionReader, first_date: date) -> date:
    day = reader.day("start_date")
    return first_date if day is None else day


def _name(reader: SectionReader, key: str, default: str) -> str:
    value = reader.text(key)
    if value is None:
        return default
    if any(char.isspace() for char in value):
        raise reader.error(key, value, "a name without blanks")
    return value


def _queues(reader: SectionReader) -> tuple[str, ...]:
    value = reader.text("celery_queues")
    if value is None:
        return AirflowConfig.celery_queues
    names = tuple(name.strip() for name in value.split(","))
    if not all(names) or any(any(c.isspace() for c in name) for name in names):
        raise reader.error("celery_queues", value, "queue names without blanks, comma-separated")
    return names


def read_airflow(reader: SectionReader, *, first_date: date, otb_slots: int) -> AirflowConfig:
    """Read [Airflow]; defaults that depend on other sections are passed in."""
    runner = reader.choice("runner", RUNNERS, AirflowConfig.runner)
    return AirflowConfig(
        runner=str(runner),
        image=_name(reader, "image", AirflowConfig.image),
        docker_url=_name(reader, "docker_url", AirflowConfig.docker_url),
        otb_pool=_name(reader, "otb_pool", AirflowConfig.otb_pool),
        otb_pool_slots=reader.integer("otb_pool_slots", otb_slots),
        download_pool=_name(reader, "download_pool", AirflowConfig.download_pool),
        download_pool_slots=reader.integer(
            "download_pool_slots", AirflowConfig.download_pool_slots
        ),
        schedule=_schedule(reader),
        start_date=_start_date(reader, first_date),
        catchup=reader.flag("catchup", AirflowConfig.catchup),
        lookback_days=reader.integer("lookback_days", AirflowConfig.lookback_days),
        download_timeout_hours=reader.number(
            "download_timeout_hours", AirflowConfig.download_timeout_hours
        ),
        poke_interval_s=reader.integer("poke_interval_s", AirflowConfig.poke_interval_s),
        retries=reader.integer("retries", AirflowConfig.retries),
        retry_delay_s=reader.integer("retry_delay_s", AirflowConfig.retry_delay_s),
        execution_timeout_min=reader.integer(
            "execution_timeout_min", AirflowConfig.execution_timeout_min
        ),
        s1_cache_max_products=reader.integer(
            "s1_cache_max_products", AirflowConfig.s1_cache_max_products
        ),
        min_valid_fraction=reader.number("min_valid_fraction", AirflowConfig.min_valid_fraction),
        provider_conn_id=_name(reader, "provider_conn_id", "") or None,
        celery_concurrency=reader.integer("celery_concurrency", AirflowConfig.celery_concurrency),
        celery_queues=_queues(reader),
    )
