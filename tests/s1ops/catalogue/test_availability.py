"""``Availability``: what the trigger sends the fetch task, checked on the way back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s1ops.catalogue.search import STATUSES, Availability
from s1ops.errors import ContractError

PID = "S1A_IW_GRDH_1SDV_20200108T044150_20200108T044215_030704_038506_C7F5"


def test_every_status_crosses_as_json_and_back() -> None:
    for status in STATUSES:
        found = Availability(PID, status, True, "order placed", Path("/s1/x.SAFE"), "http://l")
        data = json.loads(json.dumps(found.to_dict()))
        assert data["ready"] is (status in ("on_disk", "online"))
        assert Availability.from_dict(data) == found
    minimal = Availability.from_dict({"product_id": PID, "status": "staging"})
    assert minimal == Availability(PID, "staging")


def test_a_bad_status_is_named() -> None:
    with pytest.raises(ContractError) as info:
        Availability.from_dict({"product_id": PID, "status": "unknown"})
    assert info.value.field == "status"
    assert "one of: on_disk, online, staging, offline, failed" in str(info.value)
