"""The Airflow installation s1ops runs in: AIRFLOW_HOME, SQLite, LocalExecutor, pools.

``airflow_environment`` is pure (no Airflow import): the demo script, the
tests and ``scripts/airflow-env.sh`` build the same environment from it.
``ensure_pools`` creates the pools a request file names (tasks in a pool
that does not exist never run); it needs a migrated metadata database.

    python -m s1ops_airflow.environment --print-env      # export lines for a shell
    python -m s1ops_airflow.environment --pools CFG      # create the pools of CFG

The production shape (``make cluster``, ``scripts/cluster.sh``): PostgreSQL,
Redis and the CeleryExecutor. ``cluster_environment`` is pure too; its
settings (addresses, ports, secrets) live in ``{cluster dir}/cluster.json``,
written once by ``--cluster-init`` and read by every component:

    python -m s1ops_airflow.environment --cluster DIR --print-env
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import socket
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# A 2-core machine: two OTB jobs at once, plus downloads and light tasks.
# (Airflow's default parallelism of 32 forks 32 workers, 1.1 GiB, for nothing.)
DEFAULT_PARALLELISM = 4
# SQLite lets one writer in at a time and Python's sqlite3 waits only 5 s for
# it, less than a busy scheduler may hold it. (A read transaction that turns
# into a write is still refused at once: SQLite's rule, see the README.)
# Airflow imports this dict by its dotted path (SQLite only: a Postgres
# driver refuses the key).
SQLITE_CONNECT_ARGS: dict[str, object] = {"timeout": 60}
MIN_FILE_PROCESS_INTERVAL_S = 300
_MODULE = "s1ops_airflow.environment"  # not __name__: "__main__" under python -m


def airflow_environment(
    repo: Path = REPO,
    home: Path | None = None,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The variables of an Airflow home under ``{repo}/work/airflow`` (or ``home``)."""
    home = (home or repo / "work" / "airflow").absolute()
    plugins = repo / "plugins"
    python_path = [str(plugins), str(repo)]
    existing = (base if base is not None else os.environ).get("PYTHONPATH")
    if existing:
        python_path.append(existing)
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(repo / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": f"{_MODULE}.SQLITE_CONNECT_ARGS",
        "AIRFLOW__CORE__PARALLELISM": str(parallelism),
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(parallelism),
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        # The DAG files change only with the request file: parsing the shard files every
        # 30 s (Airflow's default) would keep ~0.7 s x 33 files of CPU busy for nothing.
        # A new tile shows within 5 min; `airflow dags reserialize` shows it at once.
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": str(MIN_FILE_PROCESS_INTERVAL_S),
        "AIRFLOW__TRIGGERER__CAPACITY": "200",
        # The triggerer imports triggers by dotted path and never from the DAG bundle.
        "PYTHONPATH": os.pathsep.join(python_path),
    }


def ensure_pools(pools: Mapping[str, int]) -> None:
    """Create or resize the pools (name -> slots) in the metadata database."""
    from airflow.models.pool import Pool

    for name, slots in pools.items():
        Pool.create_or_update_pool(
            name=name,
            slots=slots,
            description="s1ops: sized from the request file's [Airflow] section",
            include_deferred=False,
        )


def pools_of(config_path: str | os.PathLike[str]) -> dict[str, int]:
    """The pools a request file's [Airflow] section names, with their slots."""
    from s1ops.config.request import load_config

    af = load_config(config_path).airflow
    return {af.otb_pool: af.otb_pool_slots, af.download_pool: af.download_pool_slots}


# --- the production shape: PostgreSQL, Redis, CeleryExecutor ------------------------------------

CLUSTER_FILE = "cluster.json"
# Every dag-processor parses with this many processes (the DAG files are shards).
CLUSTER_PARSING_PROCESSES = 2
# A Celery worker started by scripts/cluster.sh carries its name here; on one
# machine the workers share the host name, so the task instances record this one.
WORKER_NAME_ENV = "S1OPS_CELERY_HOSTNAME"
DEFAULT_PORTS = {"pg_port": 5433, "redis_port": 6380, "api_port": 8080}


@dataclass(frozen=True)
class ClusterSettings:
    """Where a cluster's services listen and the secrets its components share."""

    host: str
    pg_port: int
    redis_port: int
    api_port: int
    pg_password: str
    redis_password: str
    jwt_secret: str
    api_secret_key: str
    fernet_key: str
    pg_user: str = "airflow"
    pg_database: str = "airflow"

    @property
    def db_url(self) -> str:
        auth = f"{self.pg_user}:{self.pg_password}@{self.host}:{self.pg_port}"
        return f"postgresql+psycopg2://{auth}/{self.pg_database}"

    @property
    def broker_url(self) -> str:
        return f"redis://:{self.redis_password}@{self.host}:{self.redis_port}/0"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"


def _fernet_key() -> str:
    import base64

    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def new_cluster_settings(
    host: str = "127.0.0.1", ports: Mapping[str, int] | None = None
) -> ClusterSettings:
    """Fresh secrets, and the ports given (else ``DEFAULT_PORTS``)."""
    chosen = {**DEFAULT_PORTS, **(ports or {})}
    return ClusterSettings(
        host=host,
        pg_port=int(chosen["pg_port"]),
        redis_port=int(chosen["redis_port"]),
        api_port=int(chosen["api_port"]),
        pg_password=secrets.token_hex(16),
        redis_password=secrets.token_hex(16),
        jwt_secret=secrets.token_hex(32),
        api_secret_key=secrets.token_hex(32),
        fernet_key=_fernet_key(),
    )


def read_cluster_settings(cluster_dir: Path) -> ClusterSettings:
    """``{cluster_dir}/cluster.json``; ``$S1OPS_CLUSTER_HOST`` overrides its host.

    (A worker on another machine reaches the services at the main machine's address.)
    """
    data = json.loads((cluster_dir / CLUSTER_FILE).read_text())
    known = {f.name for f in fields(ClusterSettings)}
    settings = ClusterSettings(**{k: v for k, v in data.items() if k in known})
    host = os.environ.get("S1OPS_CLUSTER_HOST")
    if host:
        settings = ClusterSettings(**{**asdict(settings), "host": host})
    return settings


def init_cluster_settings(
    cluster_dir: Path, ports: Mapping[str, int] | None = None
) -> ClusterSettings:
    """Write ``cluster.json`` (readable by its owner only) unless it exists; return it."""
    path = cluster_dir / CLUSTER_FILE
    if not path.is_file():
        cluster_dir.mkdir(parents=True, exist_ok=True)
        settings = new_cluster_settings(ports=ports)
        part = path.with_name(f".{path.name}.part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(asdict(settings), out, indent=1)
        part.replace(path)
    return read_cluster_settings(cluster_dir)


def cluster_environment(
    settings: ClusterSettings,
    repo: Path = REPO,
    home: Path | None = None,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """``airflow_environment`` for the production shape: PostgreSQL, Redis, CeleryExecutor."""
    env = airflow_environment(repo, home, parallelism=parallelism, base=base)
    del env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS"]  # SQLite only
    db_url = settings.db_url
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_url,
            "AIRFLOW__CELERY__BROKER_URL": settings.broker_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + db_url.replace("+psycopg2", "", 1),
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": str(CLUSTER_PARSING_PROCESSES),
            # Every component signs or checks the same tokens and encrypts with the same key.
            "AIRFLOW__API_AUTH__JWT_SECRET": settings.jwt_secret,
            "AIRFLOW__API__SECRET_KEY": settings.api_secret_key,
            "AIRFLOW__CORE__FERNET_KEY": settings.fernet_key,
            "AIRFLOW__API__HOST": settings.host,
            "AIRFLOW__API__PORT": str(settings.api_port),
            # Workers reach the execution API there.
            "AIRFLOW__API__BASE_URL": settings.api_url,
        }
    )
    return env


def worker_hostname() -> str:
    """``[core] hostname_callable`` of a worker started by scripts/cluster.sh: its Celery name."""
    return os.environ.get(WORKER_NAME_ENV) or socket.getfqdn()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m s1ops_airflow.environment")
    parser.add_argument("--print-env", action="store_true", help="print export lines")
    parser.add_argument("--home", type=Path, help="AIRFLOW_HOME (default: <repo>/work/airflow)")
    parser.add_argument("--pools", metavar="CFG", help="create the pools of this request file")
    parser.add_argument(
        "--cluster", metavar="DIR", type=Path, help="the environment of the cluster in DIR"
    )
    parser.add_argument(
        "--cluster-init",
        metavar="PORT=N",
        nargs="*",
        help="write DIR/cluster.json unless it exists (pg_port=, redis_port=, api_port=)",
    )
    parser.add_argument("--get", metavar="FIELD", help="print one field of DIR/cluster.json")
    args = parser.parse_args(argv)
    if args.cluster is not None:
        cluster_dir = args.cluster.absolute()
        if args.cluster_init is not None:
            ports = dict(item.split("=", 1) for item in args.cluster_init)
            unknown = set(ports) - set(DEFAULT_PORTS)
            if unknown:
                parser.error(f"unknown --cluster-init keys: {sorted(unknown)}")
            init_cluster_settings(cluster_dir, {k: int(v) for k, v in ports.items()})
        settings = read_cluster_settings(cluster_dir)
        if args.get:
            print(getattr(settings, args.get))
        if args.print_env:
            home = args.home or cluster_dir / "airflow"
            for key, value in cluster_environment(settings, home=home).items():
                print(f"export {key}={shlex.quote(value)}")
    elif args.print_env:
        for key, value in airflow_environment(home=args.home).items():
            print(f"export {key}={shlex.quote(value)}")
    if args.pools:
        ensure_pools(pools_of(args.pools))
    return 0


if __name__ == "__main__":
    sys.exit(main())
