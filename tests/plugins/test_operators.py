"""The tile DAG's operators as adapters: what they take, what they push, what they return.

Each calls one s1ops function; these tests check the mapping between
Airflow's context and XComs and the library's contracts, without a scheduler
(``tests/dags`` runs the DAG itself). The task instance is a stand-in holding
XComs in a dict: the operators use nothing else of it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.providers.docker.operators.docker import DockerOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
from s1ops_airflow.operators.docker_process import DockerProcessJobOperator
from s1ops_airflow.operators.plan import PLAN_KEY, REQUEST_KEY, PlanTileOperator, SelectJobsOperator
from s1ops_airflow.operators.process import ProcessJobOperator
from s1ops_airflow.operators.publish import PublishTileOperator, tile_asset

from s1ops.cache.layout import LOCKS_DIR
from s1ops.cli.process_cmd import process_command
from s1ops.config.request import load_config
from s1ops.errors import ContractError
from s1ops.exit_codes import NOT_YET
from s1ops.planning.jobs import PlanResult, TileJob
from s1ops.planning.runs import plan_for_run, run_outputs
from s1ops.processing.job import JobResult
from s1ops.sentinel1.ids import ProductId
from s1ops.sentinel1.records import ProductRecord
from s1ops.sentinel1.safe import parse_footprint
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request
from tests.s1ops.safe_builder import P1_ID, P2_COORDS, P2_ID, SafeSpec, build_safe_dir

RETURN = "return_value"


class TaskInstance:
    """XCom push and pull, the part of Airflow's task instance the operators use."""

    def __init__(self, task_id: str, xcoms: dict[tuple[str, str], Any] | None = None) -> None:
        self.task_id = task_id
        self.xcoms = dict(xcoms or {})

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[(self.task_id, key)] = value

    def xcom_pull(self, task_ids: str, key: str = RETURN) -> Any:
        return self.xcoms.get((task_ids, key))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A request over 33NWB (1-10 January 2020), P1 on disk; P2, its pair's other half,
    not (a plan from the disk alone then makes single-product jobs of P1)."""
    build_safe_dir(tmp_path / "s1")
    return write_request(
        tmp_path / REQUEST_NAME,
        RequestPaths.under(tmp_path),
        tiles="33NWB",
        airflow={"lookback_days": 3},
    )


def _context(ti: TaskInstance, day: int, **params: Any) -> dict[str, Any]:
    return {
        "ti": ti,
        "params": params,
        "data_interval_start": datetime(2020, 1, day, tzinfo=UTC),
        "data_interval_end": datetime(2020, 1, day + 1, tzinfo=UTC),
    }


def test_plan_pushes_the_run_plan_as_three_xcoms(site: Path) -> None:
    ti = TaskInstance("plan")
    operator = PlanTileOperator(task_id="plan", config_path=str(site), tile_id="33NWB")

    fetch = operator.execute(_context(ti, 8, force=True))  # type: ignore[arg-type]

    run = plan_for_run(
        load_config(site), "33NWB", datetime(2020, 1, 8, tzinfo=UTC), None, {"force": True}
    )
    assert ti.xcoms[("plan", REQUEST_KEY)] == run.request.to_dict()
    assert ti.xcoms[("plan", PLAN_KEY)] == run.plan.to_dict()
    assert fetch == list(run.fetch) == []
    assert [j["product_ids"] for j in ti.xcoms[("plan", PLAN_KEY)]["jobs"]] == [[P1_ID]] * 2


def test_plan_of_an_empty_window_pushes_no_plan_and_bad_params_fail(site: Path) -> None:
    ti = TaskInstance("plan")
    operator = PlanTileOperator(task_id="plan", config_path=str(site), tile_id="33NWB")
    assert operator.execute(_context(ti, 25)) == []  # type: ignore[arg-type]
    assert ti.xcoms[("plan", PLAN_KEY)] is None
    assert ti.xcoms[("plan", REQUEST_KEY)]["first_date"] == "2020-01-22"
    with pytest.raises(AirflowFailException, match="polarisations"):
        operator.execute(_context(ti, 8, polarisations=["hh"]))  # type: ignore[arg-type]


def _planned(site: Path, **params: Any) -> TaskInstance:
    """A task instance holding the plan task's XComs for the run of 8 January, P2 online."""
    p2 = ProductRecord(
        ProductId.parse(P2_ID), parse_footprint(P2_COORDS), 7, "DES", ("vv", "vh"), "online"
    )
    run = plan_for_run(
        load_config(site), "33NWB", datetime(2020, 1, 8, tzinfo=UTC), None, params, records=[p2]
    )
    return TaskInstance(
        "select",
        {("plan", PLAN_KEY): run.plan.to_dict(), ("plan", REQUEST_KEY): run.request.to_dict()},
    )


def test_select_gives_the_same_job_kwargs_for_every_runner(site: Path) -> None:
    ti = _planned(site, force=True)
    select = SelectJobsOperator(task_id="select", config_path=str(site), polarisation="vh")
    context = {"ti": ti}
    assert select.execute(context) == []  # type: ignore[arg-type]  # P2 has not come
    p2 = build_safe_dir(site.parent / "s1", SafeSpec(product_id=P2_ID, coordinates=P2_COORDS))

    (kwargs,) = select.execute(context)  # type: ignore[arg-type]

    assert set(kwargs) == {"job", "force"} and kwargs["force"] is True
    job = TileJob.from_dict(kwargs["job"])
    assert job.polarisation == "vh" and job.product_paths[1] == str(p2)
    # Whatever runner processes it, both take `job` and `force` as select gives them.
    local = ProcessJobOperator(task_id="process", config_path=str(site), **kwargs)
    docker = DockerProcessJobOperator(
        task_id="process", config_path=str(site), image="s1ops:test", **kwargs
    )
    assert (local.job, local.force) == (docker.job, docker.force) == (kwargs["job"], True)


def test_select_skips_without_a_plan(site: Path) -> None:
    select = SelectJobsOperator(task_id="select", config_path=str(site), polarisation="vv")
    with pytest.raises(AirflowSkipException, match="no plan"):
        select.execute({"ti": TaskInstance("select")})  # type: ignore[arg-type]


def _vv_job(site: Path) -> dict[str, Any]:
    ti = _planned(site)
    return next(j for j in ti.xcoms[("plan", PLAN_KEY)]["jobs"] if j["polarisation"] == "vv")


def test_process_skips_a_job_whose_products_left_the_cache(site: Path) -> None:
    job = _vv_job(site)  # P2 is not on disk: `s1ops process` exits 75
    operator = ProcessJobOperator(task_id="process", config_path=str(site), job=job)
    with pytest.raises(AirflowSkipException, match=f"{P2_ID} not on disk"):
        operator.execute({})  # type: ignore[arg-type]
    bad = ProcessJobOperator(task_id="process", config_path=str(site), job={**job, "day": "x"})
    with pytest.raises(ContractError, match=r"TileJob\.day"):
        bad.execute({})  # type: ignore[arg-type]


def test_the_docker_runner_builds_its_command_from_the_job(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = _vv_job(site)
    operator = DockerProcessJobOperator(
        task_id="process", config_path=str(site), job=job, force=True, image="s1ops:test"
    )
    assert NOT_YET in operator.skip_on_exit_code
    ran: list[Any] = []
    monkeypatch.setattr(DockerOperator, "execute", lambda self, context: ran.append(self.command))

    operator.execute({})

    assert ran == [["-v", *process_command(str(site), TileJob.from_dict(job), force=True)]]
    assert operator.xcom_all  # the result line is found by content, not position
    # The bind sources the container writes exist, the lease folder included.
    assert (site.parent / "s1" / LOCKS_DIR).is_dir()


def test_publish_reads_both_runners_results_and_the_plan(site: Path) -> None:
    ti = _planned(site)
    plan = ti.xcoms[("plan", PLAN_KEY)]
    vv, vh = (TileJob.from_dict(j) for j in plan["jobs"])
    Path(vv.output_path).parent.mkdir(parents=True)
    Path(vv.output_path).write_bytes(b"")
    made = JobResult(vv.job_id, vv.output_path, None, False, 3.0)
    skipped = JobResult(vh.job_id, vh.output_path, None, True, 0.0)
    # The local runner's XCom is a dict, a container's its last log line.
    ti.xcoms[("vv.process", RETURN)] = [made.to_dict()]
    ti.xcoms[("vh.process", RETURN)] = [json.dumps(skipped.to_dict()), None]
    asset = tile_asset(site.parent / "out", "33NWB")
    events = {asset: SimpleNamespace(extra=None)}
    publish = PublishTileOperator(
        task_id="publish",
        tile_id="33NWB",
        asset=asset,
        process_task_ids=["vv.process", "vh.process"],
    )

    summary = publish.execute({"ti": ti, "outlet_events": events})  # type: ignore[arg-type]

    expected = run_outputs("33NWB", PlanResult.from_dict(plan), [made, skipped]).to_dict()
    assert summary == expected
    assert summary == {
        "tile_id": "33NWB",
        "outputs": [vv.output_path],
        "new": [vv.output_path],
        "empty": {},
    }
    assert events[asset].extra == {"tile_id": "33NWB", "new": [vv.output_path]}


def test_fetch_unzips_a_zip_put_in_the_cache_without_the_catalogue(tmp_path: Path) -> None:
    from s1ops_airflow.operators.fetch import FetchProductOperator

    from tests.s1ops.safe_builder import build_safe_zip

    zipped = build_safe_zip(tmp_path / "s1")
    # No eodag_config: the catalogue is never asked for a product already on disk.
    cfg = write_request(tmp_path / REQUEST_NAME, RequestPaths.under(tmp_path), tiles="33NWB")
    operator = FetchProductOperator(task_id="fetch", config_path=str(cfg), product_id=P1_ID)

    found = Path(operator.execute({}))  # type: ignore[arg-type]

    assert found == tmp_path / "s1" / f"{P1_ID}.SAFE" and (found / "manifest.safe").is_file()
    assert not zipped.exists()
