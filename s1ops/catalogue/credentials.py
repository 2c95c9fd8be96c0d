"""Provider credentials handed to eodag for one call, from wherever the caller found them.

eodag takes a provider's credentials from its config (``auth.credentials``),
which its environment variables ``EODAG__<PROVIDER>__AUTH__CREDENTIALS__<KEY>``
override. ``ProviderCredentials`` carries values found elsewhere (an Airflow
Connection) to eodag in either form: as variables for a child process, or as
a config update for the gateway of this process. They never go to a file,
and their ``repr`` hides the values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _env_part(name: str) -> str:
    return name.upper().replace("-", "_")


@dataclass(frozen=True)
class ProviderCredentials:
    """``values`` (eodag credential keys: username, password, apikey...) and ``origin``, the
    words that tell a user where to fix them (e.g. "Airflow Connection 's1ops_peps'")."""

    origin: str
    values: Mapping[str, str] = field(repr=False)

    def environment(self, provider: str) -> dict[str, str]:
        """The variables eodag reads for ``provider``'s credentials (they override its file)."""
        prefix = f"EODAG__{_env_part(provider)}__AUTH__CREDENTIALS__"
        return {prefix + _env_part(key): value for key, value in self.values.items()}

    def config_update(self, provider: str) -> dict[str, Any]:
        """The provider config update (``update_providers_config(dict_conf=...)``)."""
        return {provider: {"auth": {"credentials": dict(self.values)}}}

    @property
    def fingerprint(self) -> str:
        """A digest telling two sets of values apart without keeping them."""
        text = "\0".join(f"{k}\0{v}" for k, v in sorted(self.values.items()))
        return hashlib.sha256(text.encode()).hexdigest()


def credentials_from_connection(
    origin: str, login: str | None, password: str | None, extra: Mapping[str, Any] | None
) -> ProviderCredentials:
    """Credentials from a connection's fields: ``login`` is eodag's ``username``,
    ``password`` its ``password``, each ``extra`` key one more credential key (e.g.
    ``apikey``, ``totp``) with its value as text."""
    values: dict[str, str] = {}
    if login:
        values["username"] = login
    if password:
        values["password"] = password
    for key, value in (extra or {}).items():
        if value is not None and value != "":
            values[str(key)] = str(value)
    return ProviderCredentials(origin, values)
