"""``fetch``: make one S1 product present in the cache, waiting for it without a worker slot.

Sensor-like, deferrable: a product on disk returns at once; an online one is
downloaded (``s1ops product download`` in a child process); one that is not
downloadable yet (exit code 75: offline or staging, its order placed) defers
to ``ProductAvailableTrigger``, which polls the catalogue in the triggerer
until it is online, then this task resumes and downloads it. The wait is
bounded by ``timeout_s`` from the first try; by default a product still
missing then is skipped (its jobs wait for a later run), not failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator, Context
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from s1ops.exit_codes import CREDENTIALS, NOT_YET, RETRY_LATER
from s1ops_airflow.child import S1opsChild
from s1ops_airflow.failures import remember_failure
from s1ops_airflow.triggers import ERROR, READY, TIMEOUT, ProductAvailableTrigger

if TYPE_CHECKING:
    from s1ops.catalogue.credentials import ProviderCredentials


class FetchProductOperator(BaseOperator):
    """Download ``product_id`` into ``[Paths] s1_images``; wait (deferred) while it is offline."""

    template_fields: Sequence[str] = ("config_path", "product_id")

    def __init__(
        self,
        *,
        config_path: str,
        product_id: str,
        poke_interval_s: float = 300.0,
        timeout_s: float = 24 * 3600.0,
        skip_on_timeout: bool = True,
        attempts: int = 3,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.config_path = config_path
        self.product_id = product_id
        self.poke_interval_s = poke_interval_s
        self.timeout_s = timeout_s
        self.skip_on_timeout = skip_on_timeout
        self.attempts = attempts

    @cached_property
    def child(self) -> S1opsChild:
        return S1opsChild()

    def execute(self, context: Context) -> str:
        from s1ops.catalogue.fetch import ensure_unzipped
        from s1ops.config.request import load_config

        cfg = load_config(self.config_path)
        # A zip put in the cache by hand is unzipped here: processing reads folders.
        found = ensure_unzipped(cfg.paths.s1_images, self.product_id)
        if found is not None:
            self.log.info("%s in the cache: %s", self.product_id, found)
            return str(found)
        deadline = datetime.now(UTC) + timedelta(seconds=self.timeout_s)
        return self._download_or_defer(context, deadline.isoformat())

    def _download_or_defer(self, context: Context, deadline: str) -> str:
        args = ["product", "download", self.config_path, self.product_id]
        # Read again at each download: a password rotated in the Connection is used at once.
        provider, conn_id, credentials = self._credentials(context)
        # The child's environment only: never its command line, a file or an XCom.
        env = credentials.environment(provider) if credentials else {}
        result = self.child.run([*args, "--attempts", str(self.attempts)], env=env)
        if result.returncode == 0:
            return str(result.json()["safe"])
        if result.returncode == NOT_YET:
            remaining = datetime.fromisoformat(deadline) - datetime.now(UTC)
            if remaining <= timedelta(0):
                self._timed_out(deadline)
            self.log.info("%s not downloadable yet: waiting in the triggerer", self.product_id)
            self.defer(
                trigger=ProductAvailableTrigger(
                    config_path=self.config_path,
                    product_id=self.product_id,
                    poke_interval_s=self.poke_interval_s,
                    deadline=deadline,
                ),
                method_name="execute_complete",
                # A margin over the trigger's own deadline: it reports the timeout itself.
                timeout=remaining + timedelta(seconds=self.poke_interval_s + 60),
            )
        message = f"download of {self.product_id} failed (exit {result.returncode}): "
        message += result.last_error.split(": error: ", 1)[-1]
        if result.returncode == CREDENTIALS:
            message += (
                f" (the credentials came from {credentials.origin}: fix it there)"
                if credentials is not None
                else f" (there is no Airflow Connection {conn_id!r})"
            )
        remember_failure(context, message)  # for the failure report
        if result.returncode in RETRY_LATER:
            raise RuntimeError(message)
        # Anything else (bad input, not found, credentials): retrying cannot help.
        raise AirflowFailException(message)

    def _credentials(self, context: Context) -> tuple[str, str, ProviderCredentials | None]:
        """The provider, its Connection id and the credentials found there (None: eodag's
        own: the environment, then the config file)."""
        from s1ops.catalogue.gateway import source_from_config
        from s1ops.config.request import load_config
        from s1ops.errors import S1OpsError
        from s1ops_airflow.credentials import conn_id_for, connection_credentials

        try:
            cfg = load_config(self.config_path)
            provider = source_from_config(cfg).provider
            return provider, conn_id_for(cfg, provider), connection_credentials(cfg, provider)
        except (S1OpsError, AirflowFailException) as exc:
            remember_failure(context, str(exc))  # a bad eodag config, a missing Connection
            raise AirflowFailException(str(exc)) from exc

    def execute_complete(self, context: Context, event: dict[str, Any]) -> str:
        from s1ops.catalogue.search import Availability

        status = event.get("status")
        if status == READY:
            found = Availability.from_dict(event["availability"])
            self.log.info(
                "%s is %s after %s poll(s)", found.product_id, found.status, event["polls"]
            )
            return self._download_or_defer(context, str(event["deadline"]))
        if status == TIMEOUT:
            self._timed_out(str(event.get("deadline")))
        raise AirflowFailException(
            f"waiting for {self.product_id} failed: {event.get('message', event)}"
            if status == ERROR
            else f"unexpected trigger event {event!r}"
        )

    def _timed_out(self, deadline: str) -> None:
        message = (
            f"{self.product_id} still not downloadable at {deadline} "
            f"(waited {self.timeout_s / 3600:g} h): its jobs wait for a later run"
        )
        if self.skip_on_timeout:
            raise AirflowSkipException(message)
        raise AirflowFailException(message)

    def on_kill(self) -> None:
        self.child.kill()
