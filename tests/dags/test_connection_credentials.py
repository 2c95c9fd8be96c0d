"""Provider credentials from an Airflow Connection, under Airflow's own scheduler (issue 21).

``airflow standalone`` runs a tile's DAG against the local STAC catalogue with
HTTP basic auth on its orders and downloads. The credentials exist only in
the Connection ``s1ops_<provider>`` (created through the REST API, as a user
would in the UI): no environment variable, nothing in the eodag config file.
A canary password must then appear nowhere a user or another process could
read it: the task logs, the XComs, the rendered template fields, the files of
the run, and the command lines of every process while the run goes on.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from s1ops.testing.eodag_provider import write_provider_config
from s1ops.testing.stac_failures import FailureMode
from s1ops.testing.stac_server import CatalogueServer, serve_catalogue
from tests import airflow_session as session
from tests.dags.test_scheduler_runs import _runtime

pytestmark = pytest.mark.slow

DAG_ID = f"s1tiling_{session.TILE}"
MARK = "S1OPS_TEST_CONN_STACK"
TIMEOUT_S = 600
PROVIDER = "cdse_local"
CONN_ID = f"s1ops_{PROVIDER}"  # the convention: no key in the request file
USER = "s1ops-user"
CANARY = "canary-7f3a9c-pw"  # the password: must never show up
WRONG = "wrong-8d2b1e-pw"


class CmdlineWatch:
    """Reads every process's command line while it runs; remembers any holding ``needle``."""

    def __init__(self, needle: bytes) -> None:
        self.needle = needle
        self.hits: list[str] = []
        self.scans = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit():
                    continue
                try:
                    line = (proc / "cmdline").read_bytes()
                except OSError:
                    continue
                if self.needle in line:
                    self.hits.append(line.replace(b"\0", b" ").decode(errors="replace"))
            self.scans += 1
            time.sleep(0.05)

    def __enter__(self) -> CmdlineWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Stack:
    api: Any
    children: Any
    work: Path
    server: CatalogueServer
    runs: list[str] = field(default_factory=list)

    def set_password(self, password: str) -> None:
        body = {"connection_id": CONN_ID, "conn_type": "generic", "login": USER}
        status, _ = self.api._call("POST", "/api/v2/connections", {**body, "password": password})
        if status == 409:
            self.api._ok("PATCH", f"/api/v2/connections/{CONN_ID}", {**body, "password": password})
        else:
            assert status == 201, status

    def run(self, day: str) -> tuple[str, dict[str, Any]]:
        conf = {"first_date": day, "last_date": day, "force": True}
        # One logical date per run: a day may be run again.
        run_id = self.api.trigger(DAG_ID, f"{day}T{len(self.runs):02d}:00:00Z", conf)
        self.runs.append(run_id)
        done = self.api.wait_run_done(DAG_ID, run_id, self.children.check_alive, TIMEOUT_S)
        return run_id, done

    def fetches(self, run_id: str) -> list[dict[str, Any]]:
        return self.api.task_instances(DAG_ID, run_id, task_id="fetch")

    def log(self, ti: dict[str, Any]) -> str:
        """The text of a task instance's log (its latest try), as the UI shows it."""
        path = (
            f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.parse.quote(ti['dag_run_id'])}/"
            f"taskInstances/{ti['task_id']}/logs/{ti['try_number']}?map_index={ti['map_index']}"
        )
        answer = self.api._ok("GET", path)
        return "\n".join(str(part) for part in answer.get("content", []))


@pytest.fixture(scope="module")
def stack(synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    from s1ops_airflow.environment import pools_of

    runtime = _runtime()
    work = tmp_path_factory.mktemp("conn-stack")
    with serve_catalogue(synthetic / "catalogue", basic_auth=(USER, CANARY)) as server:
        eodag = write_provider_config(server.url, work / "eodag.yml", PROVIDER, basic_auth=True)
        cfg = session.write_request(work, synthetic / "dem", eodag, retries=2, retry_delay_s=1)
        children = runtime.Children(MARK)
        port = runtime.free_port()
        env = runtime.standalone_env(work / "airflow", cfg, port, MARK, children.run_id)
        assert not [k for k in env if k.startswith("EODAG__")]  # the Connection or nothing
        try:
            children.start_airflow(env, work / "logs")
            api = runtime.AirflowApi(f"http://127.0.0.1:{port}", work / "airflow")
            api.wait_ready([DAG_ID], children.check_alive, timeout_s=TIMEOUT_S)
            api.ensure_pools(pools_of(cfg))
            api.unpause(DAG_ID)
            yield Stack(api, children, work, server)
        finally:
            left = children.stop_all()
        assert left == [], f"processes left running: {left}"


def _files_holding(root: Path, needle: bytes, skip: tuple[str, ...]) -> list[Path]:
    return [
        path
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith(skip) and needle in path.read_bytes()
    ]


def test_fetch_downloads_with_the_connections_credentials_and_never_shows_them(
    stack: Stack,
) -> None:
    stack.set_password(CANARY)
    # Offline until ordered (the order needs the credentials), then staging for 3 polls:
    # the fetch defers, and the trigger reads the Connection in the triggerer.
    stack.server.set_failure(session.SINGLE, FailureMode(offline_polls=3, order_required=True))
    downloads = stack.server.stats().downloads
    with CmdlineWatch(CANARY.encode()) as watch:
        run_id, done = stack.run("2015-12-15")
    assert done["state"] == "success"
    (fetch,) = stack.fetches(run_id)
    assert (fetch["state"], fetch["try_number"]) == ("success", 1)
    assert stack.server.stats().downloads > downloads
    assert stack.server.refused_auth == 0
    assert (stack.work / "s1" / f"{session.SINGLE}.SAFE" / "manifest.safe").is_file()
    assert stack.server.stats().orders_by_product.get(session.SINGLE, 0) >= 1
    log = stack.log(fetch)
    assert "waiting in the triggerer" in log, log
    assert f"Airflow Connection {CONN_ID!r}" in log

    # Nowhere to be read: command lines, logs, XComs, rendered fields, files.
    assert watch.scans > 10 and watch.hits == []
    for ti in stack.api.task_instances(DAG_ID, run_id):
        assert CANARY not in stack.log(ti), ti["task_id"]
        assert CANARY not in str(ti.get("rendered_fields")), ti["task_id"]
        path = (
            f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.parse.quote(run_id)}/taskInstances/"
            f"{ti['task_id']}/xcomEntries?map_index={ti['map_index']}&deserialize=true"
        )
        for entry in stack.api._ok("GET", path)["xcom_entries"]:
            assert CANARY not in str(entry), (ti["task_id"], entry["key"])
    # The metadata database holds the Connection itself; nothing else may.
    assert _files_holding(stack.work, CANARY.encode(), skip=("airflow.db",)) == []


def test_a_refused_password_fails_the_fetch_once_naming_the_connection(stack: Stack) -> None:
    stack.set_password(WRONG)
    refused = stack.server.refused_auth
    run_id, done = stack.run("2015-12-27")
    assert done["state"] == "failed"
    fetches = stack.fetches(run_id)
    assert len(fetches) == 2  # the pair of slices
    # Retries are configured (2): a refused password is not retried.
    assert sorted((ti["state"], ti["try_number"]) for ti in fetches) == [("failed", 1)] * 2
    assert stack.server.refused_auth == refused + 2
    last = [line for line in stack.log(fetches[0]).splitlines() if line.strip()][-3:]
    assert any("refused the credentials" in line and CONN_ID in line for line in last), last
    assert _files_holding(stack.work, WRONG.encode(), skip=("airflow.db",)) == []


def test_without_the_connection_the_failure_says_which_id_was_looked_for(stack: Stack) -> None:
    stack.api._ok("DELETE", f"/api/v2/connections/{CONN_ID}")
    run_id, done = stack.run("2015-12-27")
    assert done["state"] == "failed"
    fetch = stack.fetches(run_id)[0]
    assert (fetch["state"], fetch["try_number"]) == ("failed", 1)
    last = [line for line in stack.log(fetch).splitlines() if line.strip()][-3:]
    expected = f"there is no Airflow Connection {CONN_ID!r}"
    assert any("no credentials given" in line and expected in line for line in last), last
