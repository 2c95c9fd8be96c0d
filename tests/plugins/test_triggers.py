"""ProductAvailableTrigger: serialization, and runs against the local STAC API."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from airflow.sdk.module_loading import import_string
from s1ops_airflow.triggers import ERROR, READY, TIMEOUT, ProductAvailableTrigger

from s1ops.catalogue.search import Availability
from s1ops.testing.stac_failures import FailureMode
from tests import airflow_session as session


def _first_event(trigger: ProductAvailableTrigger, timeout_s: float = 60) -> dict:
    async def first() -> dict:
        async for event in trigger.run():
            return event.payload
        raise AssertionError("the trigger ended without an event")

    return asyncio.run(asyncio.wait_for(first(), timeout_s))


def test_serialize_gives_an_importable_path_and_the_same_arguments() -> None:
    trigger = ProductAvailableTrigger(
        config_path="/x/S1.cfg", product_id=session.SINGLE, poke_interval_s=7, deadline="2030-01-01"
    )
    path, kwargs = trigger.serialize()
    assert path == "s1ops_airflow.triggers.ProductAvailableTrigger"
    rebuilt = import_string(path)(**kwargs)
    assert rebuilt.serialize() == (path, kwargs)
    assert kwargs == {
        "config_path": "/x/S1.cfg",
        "product_id": session.SINGLE,
        "poke_interval_s": 7.0,
        "deadline": "2030-01-01",
    }


def test_fires_when_an_offline_product_comes_online(request_file, stac) -> None:
    stac.set_failure(session.SINGLE, FailureMode(offline_polls=3, order_required=True))
    trigger = ProductAvailableTrigger(str(request_file()), session.SINGLE, poke_interval_s=0.05)

    event = _first_event(trigger)

    assert event["status"] == READY
    # The event carries the product's Availability, read back by the fetch task.
    found = Availability.from_dict(event["availability"])
    assert (found.product_id, found.status, found.ready) == (session.SINGLE, "online", True)
    assert event["polls"] >= 3
    assert stac.stats().orders_by_product == {session.SINGLE: 1}


def test_reports_a_timeout_at_its_deadline(request_file, stac) -> None:
    stac.set_failure(session.SINGLE, FailureMode(offline_polls=10_000))
    deadline = (datetime.now(UTC) + timedelta(seconds=0.5)).isoformat()
    trigger = ProductAvailableTrigger(
        str(request_file()), session.SINGLE, poke_interval_s=0.1, deadline=deadline
    )

    event = _first_event(trigger)

    assert event["status"] == TIMEOUT
    assert event["deadline"] == deadline
    assert Availability.from_dict(event["availability"]).status in ("offline", "staging")


def test_reports_an_unknown_product_as_an_error(request_file, stac) -> None:
    unknown = session.SINGLE[:-4] + "0000"
    event = _first_event(ProductAvailableTrigger(str(request_file()), unknown, 0.1))
    assert event["status"] == ERROR
    assert "not in the catalogue" in event["message"]
