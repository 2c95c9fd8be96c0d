"""The provider's credentials from an Airflow Connection (issue 21), read through Airflow's
own secrets backends: here its environment-variable backend (``AIRFLOW_CONN_<ID>``)."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
from airflow.sdk.exceptions import AirflowFailException
from s1ops_airflow.credentials import (
    aconnection_credentials,
    conn_id_for,
    connection_credentials,
)

from s1ops.config.request import load_config
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request

PROVIDER = "cop_dataspace"
SECRET = "canary-0d4c2b"


def _config(tmp_path: Path, **airflow: object):
    path = write_request(
        tmp_path / REQUEST_NAME, RequestPaths.under(tmp_path), tiles="33NWB", airflow=airflow
    )
    return load_config(path)


def _connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, **fields: object) -> None:
    doc = {"conn_type": "generic", **fields}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(doc))


def test_the_conventional_connection_gives_eodags_credential_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = _config(tmp_path)
    assert conn_id_for(cfg, PROVIDER) == "s1ops_cop_dataspace"
    _connection(
        monkeypatch, "s1ops_cop_dataspace", login="me", password=SECRET, extra={"totp": "42"}
    )
    found = connection_credentials(cfg, PROVIDER)
    assert found is not None
    assert dict(found.values) == {"username": "me", "password": SECRET, "totp": "42"}
    assert found.origin == "Airflow Connection 's1ops_cop_dataspace'"
    assert SECRET not in repr(found)
    # The async read (the triggerer's) gives the same.
    again = asyncio.run(aconnection_credentials(cfg, PROVIDER))
    assert again is not None and again.fingerprint == found.fingerprint


def test_a_value_read_from_the_connection_is_masked_in_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.sdk._shared.secrets_masker import redact

    _connection(monkeypatch, "s1ops_cop_dataspace", login="me", password=SECRET)
    connection_credentials(_config(tmp_path), PROVIDER)
    assert SECRET not in str(redact(f"oops, the password is {SECRET}"))


def test_without_its_connection_the_next_source_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_S1OPS_COP_DATASPACE", raising=False)
    with caplog.at_level(logging.INFO):
        assert connection_credentials(_config(tmp_path), PROVIDER) is None
    assert "no Airflow Connection 's1ops_cop_dataspace'" in caplog.text


def test_a_named_connection_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _config(tmp_path, provider_conn_id="cdse_prod")
    with pytest.raises(
        AirflowFailException,
        match=r"'cdse_prod' \(named by \[Airflow\] provider_conn_id\) was not found",
    ):
        connection_credentials(cfg, PROVIDER)
    _connection(monkeypatch, "cdse_prod", login="me", password=SECRET)
    found = connection_credentials(cfg, PROVIDER)
    assert found is not None and found.origin == "Airflow Connection 'cdse_prod'"
