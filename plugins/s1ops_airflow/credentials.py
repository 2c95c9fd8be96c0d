"""The eodag provider's credentials from an Airflow Connection, for one task or trigger.

Convention: the Connection ``s1ops_<provider>`` (any connection type; "generic"
is enough), or the one ``[Airflow] provider_conn_id`` names. Its login is
eodag's ``username``, its password eodag's ``password``, and each key of its
extra (JSON) one more eodag credential key (``apikey``, ``totp``...).

Precedence: this Connection; else eodag's environment variables
(``EODAG__<PROVIDER>__AUTH__CREDENTIALS__<KEY>``); else the eodag config file
of the request. The conventional Connection may be absent (the next source is
used); a named one must exist.

Airflow masks a Connection's password and extra when it is read; the values
are masked here again (every value but the login), so a line that would print
one shows ``***`` in the task log. They are handed to eodag in memory or in a
child's environment: never in a file, a command line, an XCom or a template.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

from s1ops.catalogue.credentials import ProviderCredentials, credentials_from_connection

if TYPE_CHECKING:
    from s1ops.config.request import S1Config

log = logging.getLogger(__name__)

CONN_PREFIX = "s1ops_"


def conn_id_for(cfg: S1Config, provider: str) -> str:
    """The Connection id holding ``provider``'s credentials for this request file."""
    return cfg.airflow.provider_conn_id or f"{CONN_PREFIX}{provider}"


def _missing(cfg: S1Config, conn_id: str) -> None:
    if cfg.airflow.provider_conn_id:
        raise AirflowFailException(
            f"Airflow Connection {conn_id!r} (named by [Airflow] provider_conn_id) was not "
            "found: create it (login, password; extra for other eodag credential keys) or "
            "remove the key to use the environment or the eodag config file"
        )
    log.info(
        "no Airflow Connection %r: eodag's credentials come from the environment or its "
        "config file",
        conn_id,
    )


def _credentials(conn_id: str, conn: Any, extra: dict[str, Any]) -> ProviderCredentials:
    log.info("eodag credentials from Airflow Connection %r", conn_id)
    return credentials_from_connection(
        f"Airflow Connection {conn_id!r}", conn.login, conn.password, extra
    )


def _secrets(found: ProviderCredentials) -> list[str]:
    """The values to mask: all but the login (a short user name would mask common words)."""
    return [value for key, value in found.values.items() if key != "username"]


def connection_credentials(cfg: S1Config, provider: str) -> ProviderCredentials | None:
    """``provider``'s credentials from its Connection; None when the conventional one is
    absent. A missing named Connection fails the task (retrying cannot create it)."""
    conn_id = conn_id_for(cfg, provider)
    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        _missing(cfg, conn_id)
        return None
    found = _credentials(conn_id, conn, conn.extra_dejson)
    from airflow.sdk.log import mask_secret

    for value in _secrets(found):
        mask_secret(value)
    return found


async def aconnection_credentials(cfg: S1Config, provider: str) -> ProviderCredentials | None:
    """``connection_credentials`` in a trigger (the triggerer's event loop)."""
    conn_id = conn_id_for(cfg, provider)
    try:
        conn = await BaseHook.aget_connection(conn_id)
    except AirflowNotFoundException:
        _missing(cfg, conn_id)
        return None
    found = _credentials(conn_id, conn, await conn.aextra_dejson())
    from airflow.sdk.log import amask_secret

    for value in _secrets(found):
        await amask_secret(value)
    return found
