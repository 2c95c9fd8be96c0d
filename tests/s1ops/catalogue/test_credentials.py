"""Credentials given to eodag per call: downloads from a catalogue with basic auth on.

The local STAC server asks for HTTP basic credentials on orders and
downloads (as Copernicus does: searching stays open); eodag's own
``GenericAuth`` sends them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from s1ops.catalogue.credentials import ProviderCredentials, credentials_from_connection
from s1ops.catalogue.fetch import download_product
from s1ops.catalogue.gateway import EodagSource
from s1ops.errors import DownloadAuthError
from s1ops.exit_codes import CREDENTIALS
from s1ops.testing.eodag_provider import write_provider_config
from s1ops.testing.stac_server import serve_catalogue
from tests.s1ops.catalogue.local_catalogue import FAST, P1, P2, assert_clean, write_request

pytestmark = [
    pytest.mark.filterwarnings("ignore:A `Slice\\(\\)` with no parameters:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Using `Fields\\('\\*'\\)` as a wildcard:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Call to deprecated eodag function/method"),
]

PROVIDER = "s1ops_auth_test"
USER, PASSWORD = "ada", "canary-5c1e7f"
RIGHT = ProviderCredentials(
    "Airflow Connection 's1ops_auth_test'", {"username": USER, "password": PASSWORD}
)
WRONG = ProviderCredentials(
    "Airflow Connection 's1ops_auth_test'", {"username": USER, "password": "nope"}
)


@pytest.fixture(scope="module")
def guarded(products: Path):
    with serve_catalogue(products, basic_auth=(USER, PASSWORD)) as running:
        yield running


@pytest.fixture(scope="module")
def auth_dir(guarded, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("s1ops-auth-tmp")
    write_provider_config(guarded.url, root / "eodag-user.yml", PROVIDER, basic_auth=True)
    saved = {k: v for k, v in os.environ.items() if k.startswith("EODAG")}
    yield root
    for key in [k for k in os.environ if k.startswith("EODAG")]:
        del os.environ[key]
    os.environ.update(saved)


def _source(
    auth_dir: Path, credentials: ProviderCredentials | None, cfg_dir: str = "eodag"
) -> EodagSource:
    """A source of the guarded catalogue. A gateway keeps the last credentials given to it:
    a source that must have none gets its own ``cfg_dir`` (its own gateway)."""
    plain = EodagSource(PROVIDER, auth_dir / cfg_dir, auth_dir / "eodag-user.yml")
    return plain.with_credentials(credentials)


def test_connection_fields_become_eodag_credentials() -> None:
    made = credentials_from_connection("c", "ada", "pw", {"totp": 123456, "empty": ""})
    assert dict(made.values) == {"username": "ada", "password": "pw", "totp": "123456"}
    assert made.environment("cop-dataspace") == {
        "EODAG__COP_DATASPACE__AUTH__CREDENTIALS__USERNAME": "ada",
        "EODAG__COP_DATASPACE__AUTH__CREDENTIALS__PASSWORD": "pw",
        "EODAG__COP_DATASPACE__AUTH__CREDENTIALS__TOTP": "123456",
    }
    assert "pw" not in repr(made) and "pw" not in repr(_source(Path("/x"), made))
    assert made.fingerprint != credentials_from_connection("c", "ada", "pw2", None).fingerprint


def test_a_download_with_the_callers_credentials(guarded, auth_dir, tmp_path) -> None:
    refused = guarded.refused_auth
    safe = download_product(_source(auth_dir, RIGHT), P1, tmp_path, FAST)
    assert (safe / "manifest.safe").is_file()
    assert guarded.refused_auth == refused
    assert_clean(tmp_path)


def test_refused_credentials_fail_at_once_naming_where_they_came_from(
    guarded, auth_dir, tmp_path
) -> None:
    refused = guarded.refused_auth
    with pytest.raises(DownloadAuthError, match="s1ops_auth_test") as caught:
        download_product(_source(auth_dir, WRONG), P2, tmp_path, FAST)
    assert guarded.refused_auth == refused + 1  # no retry
    assert "nope" not in str(caught.value)
    assert_clean(tmp_path)


def test_no_credentials_anywhere_is_a_credentials_error(guarded, auth_dir, tmp_path) -> None:
    with pytest.raises(DownloadAuthError, match=r"no credentials given.*EODAG__S1OPS_AUTH_TEST"):
        download_product(_source(auth_dir, None, "bare"), P2, tmp_path, FAST)


def test_an_order_without_credentials_is_a_credentials_error(guarded, auth_dir, tmp_path) -> None:
    from s1ops.catalogue.search import product_status
    from s1ops.testing.stac_failures import FailureMode

    guarded.set_failure(P2, FailureMode(offline_polls=5, order_required=True))
    try:
        with pytest.raises(DownloadAuthError, match="no credentials given"):
            product_status(_source(auth_dir, None, "bare"), P2, tmp_path)
        assert product_status(_source(auth_dir, RIGHT), P2, tmp_path).status == "staging"
    finally:
        guarded.catalogue.clear_failures()


def test_the_callers_credentials_come_before_the_environment(auth_dir, tmp_path) -> None:
    """The CLI in a child, as the fetch task runs it: variables in its environment only."""
    config = write_request(tmp_path, auth_dir, tmp_path / "s1")
    prefix = "EODAG__S1OPS_AUTH_TEST__AUTH__CREDENTIALS__"
    env = {**os.environ, f"{prefix}USERNAME": USER, f"{prefix}PASSWORD": "stale"}

    def download(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "s1ops", "product", "download", str(config), P1]
        return subprocess.run(command, env={**env, **extra}, capture_output=True, text=True)

    refused = download({})
    assert refused.returncode == CREDENTIALS, refused.stderr
    assert "refused the credentials" in refused.stderr.splitlines()[-1]
    made = download(RIGHT.environment(PROVIDER))
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "s1" / f"{P1}.SAFE" / "manifest.safe").is_file()
