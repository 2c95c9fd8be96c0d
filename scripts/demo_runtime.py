"""What ``scripts/demo.py`` runs on: its child processes, Airflow's REST API, the summary.

Standard library only (plus s1ops for names and the expected outputs): the
demo drives Airflow as any client would, through the API its UI uses.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from s1ops.testing.demo_site import ExpectedOutput

REPO = Path(__file__).resolve().parents[1]
PASSWORD_FILE = "simple_auth_manager_passwords.json.generated"
STOP_GRACE_S = 20.0
POLL_S = 3.0
# Progress is printed when it changes, and at least this often.
PROGRESS_EVERY_S = 30.0
# SQLite allows one writer: the API answers 503 when the scheduler holds the lock.
BUSY_RETRIES = 30
API_TIMEOUT_S = 30.0
SLOW_API_TRIES = 4
BUSY_WAIT_S = 1.0
# A component whose heartbeat is late this long has died (Airflow's own threshold is 30 s).
UNHEALTHY_S = 90.0


class DemoFailed(Exception):
    """The demo cannot go on; the message says why and where to look."""


def free_port(preferred: int = 0) -> int:
    """``preferred`` if nothing listens there on 127.0.0.1, else any free port."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # As a server would bind: a port left in TIME_WAIT is free.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise DemoFailed("no free TCP port on 127.0.0.1")


# What a cluster started for a test or a bench must not inherit from its caller.
_NOT_INHERITED = (
    "AIRFLOW_",
    "EODAG_",
    "S1OPS_CONFIG",
    "S1OPS_TEST_",
    "S1OPS_CLUSTER",
    "PYTHONPATH",
)


def cluster_env(folder: Path, workers: int, **extra: str) -> dict[str, str]:
    """The environment of ``scripts/cluster.sh start`` for a cluster of its own in
    ``folder``: ``workers`` Celery workers, PostgreSQL, Redis and the API on free ports."""
    ports: set[int] = set()
    while len(ports) < 3:
        ports.add(free_port())
    pg, redis, api = sorted(ports)
    env = {k: v for k, v in os.environ.items() if not k.startswith(_NOT_INHERITED)}
    env.update(
        {
            "S1OPS_CLUSTER_DIR": str(folder),
            "S1OPS_CLUSTER_WORKERS": str(workers),
            "S1OPS_CLUSTER_PG_PORT": str(pg),
            "S1OPS_CLUSTER_REDIS_PORT": str(redis),
            "S1OPS_CLUSTER_API_PORT": str(api),
            "LC_NUMERIC": "C",
            **extra,
        }
    )
    return env


def standalone_env(home: Path, cfg: Path, port: int, mark: str, run_id: str) -> dict[str, str]:
    """``airflow standalone``'s environment: Airflow's embedded defaults, AIRFLOW_HOME ``home``.

    The API server and UI on 127.0.0.1:``port``; the request file ``cfg``;
    every process carries ``mark=run_id`` (see ``Children``).
    """
    from s1ops_airflow.environment import airflow_environment

    env = dict(os.environ)
    env.update(airflow_environment(REPO, home))
    base = f"http://127.0.0.1:{port}"
    env.update(
        {
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            # Task processes reach the execution API there too.
            "AIRFLOW__API__BASE_URL": base,
            "S1OPS_CONFIG": str(cfg),
            "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            "LC_NUMERIC": "C",
            mark: run_id,
        }
    )
    return env


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class Children:
    """The processes the demo starts, each in its own process group, all marked in their env."""

    def __init__(self, mark: str) -> None:
        self.mark = mark
        self.run_id = uuid.uuid4().hex
        self._procs: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    def _start(self, name: str, argv: list[str], env: Mapping[str, str], log: Path):
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**env, self.mark: self.run_id},
                cwd=REPO,
                start_new_session=True,  # a process group of its own: one kill stops it all
            )
        self._procs.append((name, proc, log))
        return proc

    def check_alive(self) -> None:
        """Raise DemoFailed if a child died, with its log's tail."""
        for name, proc, log in self._procs:
            if proc.poll() is not None:
                raise DemoFailed(f"{name} exited ({proc.returncode}); {log}:\n{_tail(log)}")

    def start_stac(self, products_dir: Path, failures: Path, log_dir: Path) -> str:
        """The local STAC server on a free port of 127.0.0.1; returns its URL."""
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        argv = [sys.executable, "-m", "s1ops", "synth-catalogue", "serve"]
        argv += ["--products", str(products_dir), "--port", "0", "--failures", str(failures)]
        log = log_dir / "stac.log"
        self._start("the STAC server", argv, env, log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            first = log.read_text(errors="replace").split("\n", 1)
            if len(first) == 2 and first[0].startswith("http"):
                return first[0].strip()
            self.check_alive()
            time.sleep(0.2)
        raise DemoFailed(f"the STAC server printed no URL in 30 s; see {log}")

    def start_airflow(self, env: Mapping[str, str], log_dir: Path) -> None:
        """``airflow standalone`` with ``env`` (its log: ``log_dir/airflow.log``)."""
        airflow = str(REPO / ".venv" / "bin" / "airflow")
        self._start("airflow standalone", [airflow, "standalone"], env, log_dir / "airflow.log")

    def _marked(self) -> list[int]:
        entry = f"{self.mark}={self.run_id}".encode()
        found = []
        for proc_dir in Path("/proc").iterdir():
            if not proc_dir.name.isdigit() or int(proc_dir.name) == os.getpid():
                continue
            try:
                if entry in (proc_dir / "environ").read_bytes().split(b"\0"):
                    found.append(int(proc_dir.name))
            except OSError:
                continue  # gone, or not ours
        return found

    def stop_all(self) -> list[int]:
        """Stop every child and what it started; returns the pids still alive (none, hopefully)."""
        for _, proc, _ in reversed(self._procs):
            _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for _, proc, _ in self._procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            _signal_group(proc.pid, signal.SIGKILL)
        # Processes that left the groups (OTB children start their own session).
        for pid in self._marked():
            _signal(pid, signal.SIGKILL)
        time.sleep(0.5)
        return self._marked()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


class AirflowApi:
    """A few calls of Airflow's REST API (v2), as the standalone admin user."""

    def __init__(self, base: str, home: Path) -> None:
        self.base = base
        self.password_file = home / PASSWORD_FILE
        self._token: str | None = None

    def login(self) -> tuple[str, str]:
        """The admin user and the password standalone generated."""
        users = json.loads(self.password_file.read_text())
        user = "admin" if "admin" in users else next(iter(users))
        return user, users[user]

    def _call(self, method: str, path: str, body: Any = None, auth: bool = True) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        # A busy machine (a 2-core one parsing, scheduling and running OTB) can keep the
        # API from answering for a while: a read is asked again; a write is not (it may
        # have been done), and a silent API ends the demo with that said.
        tries = SLOW_API_TRIES if method == "GET" else 1
        for attempt in range(1, tries + 1):
            try:
                with urllib.request.urlopen(request, timeout=API_TIMEOUT_S) as answer:
                    return answer.status, json.loads(answer.read() or b"null")
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read().decode(errors="replace")
            except (TimeoutError, urllib.error.URLError) as exc:
                timed_out = isinstance(exc, TimeoutError) or isinstance(exc.reason, TimeoutError)
                if not timed_out:
                    raise
                if attempt == tries:
                    raise DemoFailed(
                        f"Airflow's API at {self.base} did not answer {method} {path} in "
                        f"{tries} x {API_TIMEOUT_S:.0f} s: the machine is overloaded or "
                        "the API server is stuck (see the logs folder)"
                    ) from None
        raise AssertionError("unreachable")

    def token(self) -> str:
        """A JWT of the admin user (the REST API's bearer token, the UI's session cookie)."""
        if self._token is None:
            user, password = self.login()
            status, answer = self._call(
                "POST", "/auth/token", {"username": user, "password": password}, auth=False
            )
            if status != 201:
                raise DemoFailed(f"login as {user} refused ({status}): {answer}")
            self._token = answer["access_token"]
        return self._token

    def _ok(self, method: str, path: str, body: Any = None, accept: Iterable[int] = ()) -> Any:
        status, answer = self._call(method, path, body)
        if status >= 300 and status not in accept:
            raise DemoFailed(f"{method} {path}: {status} {answer}")
        return answer

    def wait_ready(self, dag_ids: list[str], alive: Callable[[], None], timeout_s: float) -> None:
        """Wait for the API, the login, and ``dag_ids`` parsed; a DAG file error fails."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            alive()
            if self.password_file.is_file() and self._up():
                errors = self._ok("GET", "/api/v2/importErrors")
                if errors["total_entries"]:
                    first = errors["import_errors"][0]
                    raise DemoFailed(f"the DAG file does not load: {first['stack_trace']}")
                answer = self._ok("GET", "/api/v2/dags?dag_id_pattern=s1tiling_&limit=1000")
                if set(dag_ids) <= {d["dag_id"] for d in answer["dags"]}:
                    return
            time.sleep(2)
        raise DemoFailed(f"Airflow did not show {', '.join(dag_ids)} in {timeout_s:.0f} s")

    def _up(self) -> bool:
        try:
            return self._call("GET", "/api/v2/monitor/health", auth=False)[0] == 200
        except OSError:  # not listening yet
            return False

    def unhealthy(self) -> list[str]:
        """The Airflow components whose heartbeat is late (scheduler, triggerer, ...)."""
        status, answer = self._call("GET", "/api/v2/monitor/health", auth=False)
        if status != 200:
            return ["api-server"]
        return sorted(
            name
            for name, part in answer.items()
            if isinstance(part, dict) and part.get("status") not in (None, "healthy")
        )

    def ensure_pools(self, pools: Mapping[str, int]) -> None:
        """Create (or resize) the pools the request file names."""
        for name, slots in pools.items():
            body = {"name": name, "slots": slots, "include_deferred": False}
            status, _ = self._call("POST", "/api/v2/pools", body)
            if status == 409:
                self._ok("PATCH", f"/api/v2/pools/{name}", body)
            elif status >= 300:
                raise DemoFailed(f"could not create pool {name}: {status}")

    def _post_when_free(self, path: str, body: Any) -> tuple[int, Any]:
        """POST, again while the API answers 503 (SQLite was locked by the scheduler)."""
        for _ in range(BUSY_RETRIES):
            status, answer = self._call("POST", path, body)
            if status != 503:
                break
            time.sleep(BUSY_WAIT_S)
        return status, answer

    def unpause(self, dag_id: str) -> None:
        self._ok("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})

    def backfill(self, dag_id: str, first: date, last: date) -> None:
        """One daily run per day from ``first`` to ``last``, one at a time."""
        body = {
            "dag_id": dag_id,
            "from_date": f"{first.isoformat()}T00:00:00Z",
            "to_date": f"{last.isoformat()}T00:00:00Z",
            "max_active_runs": 1,  # runs of one tile overlap by their lookback windows
            "reprocess_behavior": "none",
        }
        status, answer = self._post_when_free("/api/v2/backfills", body)
        if status >= 300:
            raise DemoFailed(f"backfill of {dag_id} refused: {status} {answer}")

    def backfill_runs(self) -> list[dict[str, Any]]:
        answer = self._ok("GET", "/api/v2/dags/~/dagRuns?run_type=backfill&limit=1000")
        return list(answer["dag_runs"])

    def task_instances(self, dag_id: str, run_id: str = "~", **query: str) -> list[dict[str, Any]]:
        """The task instances (mapped ones each on its own) of a run, or of every run (``~``)."""
        params = urllib.parse.urlencode({**query, "limit": 1000})
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances?{params}"
        return list(self._ok("GET", path)["task_instances"])

    def trigger(self, dag_id: str, logical_date: str, conf: Mapping[str, Any]) -> str:
        """A manual run of ``dag_id`` (the UI's *Trigger*); returns its run id."""
        body = {"logical_date": logical_date, "conf": dict(conf)}
        status, answer = self._post_when_free(f"/api/v2/dags/{dag_id}/dagRuns", body)
        if status >= 300:
            raise DemoFailed(f"trigger of {dag_id} refused: {status} {answer}")
        return str(answer["dag_run_id"])

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return dict(self._ok("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}"))

    def wait_run_done(
        self, dag_id: str, run_id: str, alive: Callable[[], None], timeout_s: float
    ) -> dict[str, Any]:
        """The run once it succeeded or failed."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            alive()
            run = self.dag_run(dag_id, run_id)
            if run["state"] in ("success", "failed"):
                return run
            time.sleep(POLL_S)
        raise DemoFailed(f"{dag_id} run {run_id} not done in {timeout_s:.0f} s")

    def deferred(self) -> list[dict[str, Any]]:
        path = "/api/v2/dags/~/dagRuns/~/taskInstances?state=deferred&limit=100"
        return list(self._ok("GET", path)["task_instances"])


def _progress(api: AirflowApi, runs: list[dict[str, Any]], total: int) -> str:
    states = Counter(run["state"] for run in runs)
    line = f"  runs done {states['success'] + states['failed']}/{total}"
    line += f" (failed {states['failed']}), running {states['running']}"
    waiting = sorted(
        f"{ti['dag_id']} {(ti.get('logical_date') or '')[:10]}" for ti in api.deferred()
    )
    if waiting:
        line += f"; waiting for an OFFLINE product (deferred fetch): {', '.join(waiting)}"
    return line


class _Watchdog:
    """Fails the demo when an Airflow component stays unhealthy (standalone never restarts one)."""

    def __init__(self, api: AirflowApi, alive: Callable[[], None], log: Path) -> None:
        self.api, self.alive, self.log = api, alive, log
        self._down_since: dict[str, float] = {}

    def check(self) -> None:
        self.alive()
        now = time.monotonic()
        down = self.api.unhealthy()
        self._down_since = {name: self._down_since.get(name, now) for name in down}
        dead = [name for name, since in self._down_since.items() if now - since > UNHEALTHY_S]
        if dead:
            raise DemoFailed(
                f"Airflow's {', '.join(dead)} stopped answering; its log ({self.log}):\n"
                f"{_tail(self.log, 40)}"
            )


def wait_for_backfills(
    api: AirflowApi,
    total: int,
    *,
    deadline: float,
    alive: Callable[[], None],
    log: Path,
) -> list[dict[str, Any]]:
    """Print progress until ``total`` backfill runs are done; returns the runs."""
    watchdog = _Watchdog(api, alive, log)
    shown, shown_at = "", 0.0
    while True:
        watchdog.check()
        runs = api.backfill_runs()
        line = _progress(api, runs, total)
        if line != shown or time.monotonic() - shown_at > PROGRESS_EVERY_S:
            print(line, flush=True)
            shown, shown_at = line, time.monotonic()
        done = [run for run in runs if run["state"] in ("success", "failed")]
        if len(runs) >= total and len(done) == len(runs):
            return runs
        if time.monotonic() > deadline:
            raise DemoFailed(f"timed out: {len(done)} of {total} runs done")
        time.sleep(POLL_S)


def print_summary(
    runs: list[dict[str, Any]],
    *,
    output_dir: Path,
    tiles: list[str],
    expected: list[ExpectedOutput] | None,
    runner: str,
    seconds: float,
    api: AirflowApi,
    reasons: Callable[[], str] | None = None,
) -> bool:
    """Print what was produced, judged by its pixels, and how to look at it.

    ``reasons`` gives the failure report of the runs (``failure_reasons``).

    ``expected`` is the synthetic site's plan (None on a user's request file).
    True when every run succeeded and nothing in ``problems`` was found.
    """
    from demo_summary import (
        print_empty,
        print_products,
        problems,
        scan_empty,
        scan_outputs,
        verdict,
    )

    failed = sorted(
        f"{r['dag_id']} {r['logical_date'][:10]}" for r in runs if r["state"] != "success"
    )
    print(f"\n=== s1ops demo: {len(runs) - len(failed)}/{len(runs)} runs succeeded")
    print(f"Runner: {runner}")
    for run in failed:
        print(f"  FAILED: {run}")
    if failed and reasons is not None:
        print("Why (each failed task's last error, from the metadata database):")
        for line in reasons().splitlines():
            print(f"  {line}")
    written = scan_outputs(output_dir, tiles)
    empty = scan_empty(output_dir, tiles)
    print_products(written)
    print_empty(empty, expected)
    found = problems(written, empty, expected)
    for line in found:
        print(f"  {line}")
    if not found:
        print(verdict(written, empty, found))
    catalog = output_dir / "stac" / "catalog.json"
    if catalog.is_file():
        items = len(list(catalog.parent.glob("*/*/*.json")))
        print(f"STAC catalogue: {catalog} ({items} items; `s1ops stac rebuild CFG` remakes it)")
    minutes, secs = divmod(round(seconds), 60)
    print(f"Time taken: {minutes} min {secs:02d} s")
    user, password = api.login()
    print(f"Airflow UI: {api.base}  (user {user}, password {password}; in {api.password_file})")
    return not failed and not found


def failure_reasons(env: Mapping[str, str], first: date, last: date) -> str:
    """Each distinct failure reason of the runs from ``first`` to ``last``, with the tasks it
    failed: ``python -m s1ops_airflow.failures``, as a user prints it after any runs."""
    done = subprocess.run(
        [sys.executable, "-m", "s1ops_airflow.failures", "--from", str(first), "--to", str(last)],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.stdout.strip() or done.stderr.strip()


def show_tiles_page(api: AirflowApi, work: Path, tiles: list[str]) -> bool:
    """Print where the "S1 tiles" page is, and look at it in headless Chromium: every tile
    shown, refused without signing in (``tiles_page_check``). False when it is not right."""
    from tiles_page_check import PAGE_PATH, UI_PATH, check_tiles_page, chromium_path

    print(f"S1 tiles page: {api.base}{UI_PATH}  (the page alone: {api.base}{PAGE_PATH})")
    chromium = chromium_path()
    if chromium is None:
        print("  not looked at in a browser: no chromium here (make setup installs Debian's)")
        return True
    from playwright.sync_api import Error as PlaywrightError

    try:
        result = check_tiles_page(api.base, api.token(), work, chromium)
    except PlaywrightError as exc:
        print(f"  FAILED in headless Chromium: {str(exc).splitlines()[0]}")
        return False
    (work / "tiles_page.json").write_text(json.dumps(result, indent=2))
    problems = []
    if result.get("status") != 200:
        problems.append(f"the page answered {result.get('status')}")
    if result.get("unauthenticated_status") not in (401, 403):
        problems.append(f"without signing in it answered {result.get('unauthenticated_status')}")
    shown = result.get("tiles", {})
    if sorted(shown) != sorted(tiles):
        problems.append(f"tiles shown {sorted(shown)}, configured {sorted(tiles)}")
    states = ", ".join(f"{tile} {state}" for tile, state in sorted(shown.items()))
    for line in problems:
        print(f"  PROBLEM: {line}")
    if not problems:
        print(
            f"  looked at in headless Chromium: {states}; {len(result.get('cells', []))} "
            f"tile-days; refused without signing in "
            f"({result['unauthenticated_status']}); screenshots {result['screenshot']}, "
            f"{result['ui_screenshot']}"
        )
    return not problems
