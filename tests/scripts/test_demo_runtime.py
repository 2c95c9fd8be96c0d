"""The demo's REST client on an API that does not answer: a clear end, not a traceback."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import demo_runtime


def test_a_silent_api_ends_the_demo_with_what_it_waited_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo_runtime, "API_TIMEOUT_S", 0.2)
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        api = demo_runtime.AirflowApi(f"http://127.0.0.1:{listener.getsockname()[1]}", Path("/x"))
        with pytest.raises(demo_runtime.DemoFailed, match="did not answer GET /api/v2/monitor"):
            api._call("GET", "/api/v2/monitor/health", auth=False)
        with pytest.raises(demo_runtime.DemoFailed, match="did not answer POST /api/v2/pools"):
            api._call("POST", "/api/v2/pools", {"name": "p"}, auth=False)
