"""OTB's Python module, built by `make setup`, is importable from .venv."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

NEEDED_APPS = {
    "SARCalibration",
    "ResetMargin",
    "OrthoRectification",
    "Synthetize",
    "BandMath",
    "BinaryMorphologicalOperation",
}


@pytest.mark.otb
def test_otbapplication_lists_the_applications_we_chain(otb: None) -> None:
    # A fresh interpreter with a clean environment: the venv alone must be enough.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTB_", "LC_"))}
    code = "import otbApplication as o; print('\\n'.join(o.Registry.GetAvailableApplications()))"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert set(out.split()) >= NEEDED_APPS
