"""Hermetic eodag settings and one ``EODataAccessGateway`` per process and settings.

eodag reaches for the internet and the user's home unless told otherwise
(measured with eodag 4.10.1): its files go to ``EODAG_CFG_DIR`` (we use
``{[Paths] tmp}/eodag``), ``EODAG_STRICT_COLLECTIONS`` stops it from fetching
remote collection lists, and ``EODAG_PROVIDERS_WHITELIST`` (a JSON list)
keeps only our provider, so an empty answer never falls back to others.

The provider and its settings come from ``[DataSource] eodag_config``, an
eodag user config file: a provider defined there from scratch is created by
eodag, a known one is overridden. Credentials, in order of precedence: the
source's own (``ProviderCredentials``, from an Airflow Connection), applied
to the gateway as a config update; the environment (eodag reads
``EODAG__<PROVIDER>__AUTH__CREDENTIALS__<KEY>``); the config file. They are
never logged here.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from s1ops.catalogue.credentials import ProviderCredentials
from s1ops.errors import ConfigError

if TYPE_CHECKING:
    from s1ops.config.request import S1Config

log = logging.getLogger(__name__)

EODAG_COLLECTION = "S1_SAR_GRD"
_CFG_FILE_ENV = "EODAG_CFG_FILE"
_GATEWAYS: dict[EodagSource, Any] = {}
_APPLIED: dict[EodagSource, str] = {}  # the fingerprint of the credentials each gateway holds
_LOCK = threading.Lock()


@dataclass(frozen=True)
class EodagSource:
    """Where products come from: one eodag provider, its config file, eodag's own folder."""

    provider: str
    cfg_dir: Path  # EODAG_CFG_DIR: eodag's files (locations, shapefiles...)
    eodag_config: Path | None = None  # user config; None: EODAG_CFG_FILE or cfg_dir/eodag.yml
    # Not part of the source's identity: one gateway per source, its credentials updated.
    credentials: ProviderCredentials | None = field(default=None, compare=False, repr=False)

    def with_credentials(self, credentials: ProviderCredentials | None) -> EodagSource:
        """This source, searching and downloading with ``credentials`` (None: eodag's own)."""
        return replace(self, credentials=credentials)

    @property
    def credentials_origin(self) -> str | None:
        """Where this source's own credentials come from (None: eodag's environment or file)."""
        return None if self.credentials is None else self.credentials.origin

    def environment(self) -> dict[str, str]:
        """The ``EODAG_*`` variables that make eodag use this provider and nothing else."""
        env = {
            "EODAG_CFG_DIR": str(self.cfg_dir),
            "EODAG_STRICT_COLLECTIONS": "true",
            # A JSON list: eodag 4.10 crashes on a plain string.
            "EODAG_PROVIDERS_WHITELIST": json.dumps([self.provider]),
        }
        if self.eodag_config is not None:
            env[_CFG_FILE_ENV] = str(self.eodag_config)
        return env


def provider_names(eodag_config: str | Path) -> dict[str, int]:
    """Providers defined in an eodag user config file, with their priority (default 0)."""
    import yaml  # eodag's own dependency, only needed here

    path = Path(eodag_config)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(
            "DataSource", "eodag_config", str(path), f"a readable YAML file ({exc})"
        ) from exc
    if not isinstance(data, dict) or not data:
        raise ConfigError(
            "DataSource", "eodag_config", str(path), "an eodag config mapping provider names"
        )
    return {
        str(name): int((conf or {}).get("priority", 0) if isinstance(conf, dict) else 0)
        for name, conf in data.items()
    }


def choose_provider(eodag_config: str | Path) -> str:
    """The provider of ``eodag_config``: the only one, or the one of highest priority."""
    names = provider_names(eodag_config)
    best = max(names.values())
    top = sorted(name for name, priority in names.items() if priority == best)
    if len(top) > 1:
        raise ConfigError(
            "DataSource",
            "eodag_config",
            str(eodag_config),
            f"one provider of highest priority; {', '.join(top)} all have priority {best} "
            "(raise one's priority, or name the provider explicitly)",
        )
    return top[0]


def source_from_config(
    cfg: S1Config,
    provider: str | None = None,
    credentials: ProviderCredentials | None = None,
) -> EodagSource:
    """The eodag source of a request file: ``[DataSource] eodag_config``, ``{tmp}/eodag``."""
    config = cfg.data_source.eodag_config
    if config is None and os.environ.get(_CFG_FILE_ENV):
        config = Path(os.environ[_CFG_FILE_ENV])
    if config is None:
        raise ConfigError(
            "DataSource",
            "eodag_config",
            None,
            "an eodag config file defining the provider to search and download from",
        )
    return EodagSource(
        provider=provider or choose_provider(config),
        cfg_dir=cfg.paths.tmp / "eodag",
        eodag_config=config,
        credentials=credentials,
    )


def gateway(source: EodagSource) -> Any:
    """The process's ``EODataAccessGateway`` for ``source`` (made once: it costs ~2.5 s).

    The ``EODAG_*`` variables are set in ``os.environ`` before eodag is
    imported, since eodag reads some of them outside its settings object.
    The source's credentials, if any, are given to the gateway (again when they
    change: a rotated password needs no new gateway); a gateway keeps the last
    credentials given to it.
    """
    with _LOCK:
        found = _GATEWAYS.get(source)
        if found is not None:
            _apply_credentials(found, source)
            return found
        source.cfg_dir.mkdir(parents=True, exist_ok=True)
        os.environ.update(source.environment())
        from eodag import EODataAccessGateway

        log.debug("eodag gateway for provider %s (cfg dir %s)", source.provider, source.cfg_dir)
        made = EODataAccessGateway()
        if source.provider not in made.providers:
            raise ConfigError(
                "DataSource",
                "eodag_config",
                str(source.eodag_config),
                f"a config eodag accepts for provider {source.provider!r} (eodag did not "
                "load it; run with -vv to see eodag's warnings)",
            )
        _GATEWAYS[source] = made
        _apply_credentials(made, source)
        return made


def _apply_credentials(made: Any, source: EodagSource) -> None:
    credentials = source.credentials
    if credentials is None or _APPLIED.get(source) == credentials.fingerprint:
        return
    made.update_providers_config(dict_conf=credentials.config_update(source.provider))
    _APPLIED[source] = credentials.fingerprint
    log.debug("eodag provider %s: credentials from %s", source.provider, credentials.origin)
