"""``terrain``: the terrain maps a tile's jobs apply (sin(LIA) for normlim, the gamma area for
gamma_naught_rtc), made before the polarisation groups.

Present in a tile DAG when the request's calibration needs terrain maps. It
runs after the fetches (trigger rule ``all_done``, as ``select``), takes the
jobs ``select`` will hand out, and for each relative orbit whose map
is missing runs ``s1ops terrain-maps`` from one product of that orbit, in a
child process. Both polarisations' jobs then find the map made; were this task
to fail, each job would make the map itself (under the same lock).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from airflow.sdk import BaseOperator, Context
from airflow.sdk.exceptions import AirflowSkipException

from s1ops_airflow.child import S1opsChild
from s1ops_airflow.failures import remember_failure
from s1ops_airflow.operators.plan import PLAN_KEY, REQUEST_KEY


class TerrainMapsOperator(BaseOperator):
    """Run ``s1ops terrain-maps CFG --tile T --product P`` for each orbit lacking its maps;
    returns the orbits made."""

    template_fields: Sequence[str] = ("config_path", "tile_id")

    def __init__(
        self, *, config_path: str, tile_id: str, plan_task_id: str = "plan", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.config_path = config_path
        self.tile_id = tile_id
        self.plan_task_id = plan_task_id

    @cached_property
    def child(self) -> S1opsChild:
        return S1opsChild()

    def execute(self, context: Context) -> list[int]:
        from s1ops.cli.terrain_cmd import terrain_command
        from s1ops.config.request import load_config
        from s1ops.errors import S1OpsError
        from s1ops.planning.jobs import PlanResult
        from s1ops.planning.runs import RunRequest, select_jobs
        from s1ops.processing.settings import settings_from_config
        from s1ops.processing.terrain_map import maps_to_make

        ti = context["ti"]
        plan = ti.xcom_pull(task_ids=self.plan_task_id, key=PLAN_KEY)
        request = ti.xcom_pull(task_ids=self.plan_task_id, key=REQUEST_KEY)
        if plan is None or request is None:
            raise AirflowSkipException("no plan for this run (empty window, or plan failed)")
        cfg = load_config(self.config_path)
        run = RunRequest.from_dict(request)
        plan_result = PlanResult.from_dict(plan)
        jobs = [
            job
            for pol in run.polarisations
            for job in select_jobs(plan_result, run, pol, cfg.paths.s1_images)
        ]
        needed = maps_to_make(jobs, settings_from_config(cfg))
        if not needed:
            raise AirflowSkipException("the maps of every orbit of this run exist")
        for orbit, product in needed:
            result = self.child.run(terrain_command(self.config_path, self.tile_id, product))
            if result.returncode != 0:
                reason = result.last_error.split(": error: ", 1)[-1]
                remember_failure(context, f"terrain maps of orbit {orbit}: {reason}")
                raise S1OpsError(
                    f"terrain maps of {self.tile_id}, orbit {orbit} failed "
                    f"(exit {result.returncode}): {reason}"
                )
        return [orbit for orbit, _ in needed]

    def on_kill(self) -> None:
        self.child.kill()
