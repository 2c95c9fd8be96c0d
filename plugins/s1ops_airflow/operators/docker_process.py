"""``process`` with the docker runner: DockerOperator holding the job's product leases.

Imported only when ``[Airflow] runner = docker``: the local runner never loads
the Docker provider.
"""

from __future__ import annotations

import json
from typing import Any

from airflow.providers.docker.operators.docker import DockerOperator


class LeasedDockerOperator(DockerOperator):
    """DockerOperator holding the job's products (shared leases) while its container runs.

    As with the local runner, the maintenance purge then never deletes a
    product under a running container.
    """

    def __init__(self, *, config_path: str, lease_timeout_s: float = 3600.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.config_path = config_path
        self.lease_timeout_s = lease_timeout_s

    def execute(self, context: Any) -> Any:
        from s1ops.cache.locks import hold_products
        from s1ops.config.request import load_config
        from s1ops.planning.jobs import TileJob
        from s1ops_airflow.docker_runner import make_written_folders

        command = list(self.command or [])
        job = TileJob.from_dict(json.loads(command[command.index("--job") + 1]))
        cfg = load_config(self.config_path)
        make_written_folders(cfg)
        with hold_products(job.product_ids, cfg.paths.s1_images, timeout_s=self.lease_timeout_s):
            return super().execute(context)
