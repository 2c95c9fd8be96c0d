"""Why runs failed, after the fact: each distinct reason with the runs it hit.

A failing s1ops task keeps its one-line reason (the child's error line) as an
XCom under ``ERROR_KEY`` before it raises: Airflow clears a task's XComs when
it is tried again, so what is left on a failed task instance is the reason of
its last try. ``failure_report`` reads them back from the metadata database
for a range of logical dates, no task log or UI needed:

    python -m s1ops_airflow.failures --from 2020-01-01 --to 2020-01-10
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

ERROR_KEY = "s1ops_error"
# How a process task's reason starts (operators/process.py): "job <job id>: ".
_JOB_PREFIX = re.compile(r"^job (\S+): ")


def remember_failure(context: Mapping[str, Any] | None, reason: str) -> None:
    """Keep ``reason`` on the running task instance (called just before raising)."""
    ti = (context or {}).get("ti")
    if ti is not None:
        ti.xcom_push(key=ERROR_KEY, value=reason)


@dataclass(frozen=True)
class FailedTask:
    """One failed task instance and the reason its last try gave."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    reason: str

    def where(self) -> str:
        """``dag/run/task[index]``, as the Grid shows it."""
        index = f"[{self.map_index}]" if self.map_index >= 0 else ""
        return f"{self.dag_id}/{self.run_id}/{self.task_id}{index}"

    @property
    def cause(self) -> str:
        """The reason without the job it names: the same cause on many jobs is one."""
        return _JOB_PREFIX.sub("", self.reason)

    @property
    def job_id(self) -> str | None:
        """The job the reason names (process tasks), or None."""
        found = _JOB_PREFIX.match(self.reason)
        return found.group(1) if found else None


def failed_tasks(first: date, last: date, *, dag_prefix: str = "") -> list[FailedTask]:
    """The failed task instances with a kept reason, of runs whose logical date is in
    ``first``..``last`` (inclusive), of DAGs whose id starts with ``dag_prefix``."""
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import and_, select

    since = datetime.combine(first, time(), tzinfo=UTC)
    until = datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC)
    query = (
        select(XComModel)
        .join(DagRun, XComModel.dag_run_id == DagRun.id)
        .join(
            TaskInstance,
            and_(
                TaskInstance.dag_id == XComModel.dag_id,
                TaskInstance.run_id == XComModel.run_id,
                TaskInstance.task_id == XComModel.task_id,
                TaskInstance.map_index == XComModel.map_index,
            ),
        )
        .where(
            XComModel.key == ERROR_KEY,
            TaskInstance.state == TaskInstanceState.FAILED,
            DagRun.logical_date >= since,
            DagRun.logical_date < until,
            XComModel.dag_id.startswith(dag_prefix),
        )
        .order_by(XComModel.dag_id, DagRun.logical_date, XComModel.task_id, XComModel.map_index)
    )
    with create_session() as session:
        return [
            FailedTask(x.dag_id, x.run_id, x.task_id, x.map_index, str(_value(x)))
            for x in session.scalars(query)
        ]


def _value(xcom: Any) -> object:
    from airflow.models.xcom import XComModel

    return XComModel.deserialize_value(xcom)


def by_reason(failed: Sequence[FailedTask]) -> dict[str, list[FailedTask]]:
    """The failed tasks grouped by cause, the most frequent first."""
    groups: dict[str, list[FailedTask]] = defaultdict(list)
    for task in failed:
        groups[task.cause].append(task)
    return dict(sorted(groups.items(), key=lambda item: -len(item[1])))


def failure_report(failed: Sequence[FailedTask]) -> str:
    """Each distinct reason, how many task instances it failed and which."""
    if not failed:
        return "no failed s1ops task"
    lines = []
    for reason, tasks in by_reason(failed).items():
        lines.append(f"{len(tasks)} failed: {reason}")
        lines.extend(
            f"    {task.where()}" + (f" (job {task.job_id})" if task.job_id else "")
            for task in tasks
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the failure report of a range of logical dates; exit 0 with none, 3 with some
    (``s1ops.exit_codes.PARTLY_FAILED``: 1 is kept for bugs)."""
    parser = argparse.ArgumentParser(
        prog="python -m s1ops_airflow.failures", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--from", dest="first", type=date.fromisoformat, required=True)
    parser.add_argument("--to", dest="last", type=date.fromisoformat, required=True)
    parser.add_argument("--dag-prefix", default="", help="only DAGs whose id starts so")
    args = parser.parse_args(argv)
    failed = failed_tasks(args.first, args.last, dag_prefix=args.dag_prefix)
    print(failure_report(failed))
    from s1ops.exit_codes import OK, PARTLY_FAILED

    return PARTLY_FAILED if failed else OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
