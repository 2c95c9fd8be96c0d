"""``process``: produce one tile job (image, mask) with s1ops in a child process.

The products are leased for the run (shared locks held by this task), so the
maintenance purge never deletes them under OTB. A job whose products are not
all on disk is skipped, never produced partial.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from airflow.sdk import BaseOperator, Context
from airflow.sdk.exceptions import AirflowSkipException

from s1ops_airflow.child import S1opsChild


class ProcessJobOperator(BaseOperator):
    """Run ``s1ops process CFG --job JSON [--force]``; returns its JobResult dict."""

    template_fields: Sequence[str] = ("config_path",)

    def __init__(
        self,
        *,
        config_path: str,
        job: dict[str, Any],
        force: bool = False,
        lease_timeout_s: float = 3600.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.config_path = config_path
        self.job = job
        self.force = force
        self.lease_timeout_s = lease_timeout_s

    @cached_property
    def child(self) -> S1opsChild:
        return S1opsChild()

    def execute(self, context: Context) -> dict[str, Any]:
        from s1ops.cache.locks import hold_products
        from s1ops.config.request import load_config
        from s1ops.errors import OtbError
        from s1ops.planning.jobs import TileJob
        from s1ops.planning.runs import with_local_products

        cfg = load_config(self.config_path)
        job, missing = with_local_products(TileJob.from_dict(self.job), cfg.paths.s1_images)
        if missing:
            raise AirflowSkipException(
                f"{job.job_id}: products not on disk: {', '.join(missing)}; "
                "a later run will produce it"
            )
        args = ["process", self.config_path, "--job", json.dumps(job.to_dict())]
        with hold_products(job.product_ids, cfg.paths.s1_images, timeout_s=self.lease_timeout_s):
            result = self.child.run([*args, "--force"] if self.force else args)
        if result.returncode != 0:
            raise OtbError(f"s1ops process {job.job_id}", result.returncode, result.stderr_tail)
        return dict(result.json())

    def on_kill(self) -> None:
        self.child.kill()
