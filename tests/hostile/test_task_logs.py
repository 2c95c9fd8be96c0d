"""What ``s1ops -v process`` tells a user (issue 22, part 3): on success its inputs, its
steps with their durations and its outputs with size and valid pixels; on an OTB failure
one error line, last, naming the step, the input and OTB's own reason. OTB's banner and
progress are DEBUG, each line once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from s1ops.exit_codes import BAD_INPUT, OK
from s1ops.outputs.empty import count_valid
from tests.hostile.harness import Site, process_args, run_cli

pytestmark = pytest.mark.otb

# A record of the CLI's log format: its level, its logger.
RECORD = re.compile(r"^\S+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (\S+): (.*)$")
# What OTB prints on every run (its banner), before any pixel.
OTB_BANNER = "Loading metadata from official product"
# OTB's words when a product's SAR metadata cannot be read.
OTB_NO_METADATA = "No information in the metadata"


def _records(stderr: str) -> list[tuple[str, str, str]]:
    return [m.groups() for m in map(RECORD.match, stderr.splitlines()) if m]  # type: ignore[misc]


def break_calibration(site: Site) -> None:
    """Replace the vv calibration annotation with an empty document: every check before
    OTB passes (they read the manifest and the measurement), OTB itself fails."""
    (safe,) = site.s1_images.glob("*.SAFE")
    (calibration,) = safe.glob("annotation/calibration/calibration-*-vv-*.xml")
    calibration.write_text("<calibration/>\n")


def test_a_success_logs_inputs_steps_and_outputs(site: Site) -> None:
    job = site.jobs()["vv"]
    run = run_cli("-v", *process_args(site, job))
    assert run.returncode == OK, run.stderr
    info = [message for level, _name, message in _records(run.stderr) if level == "INFO"]
    text = "\n".join(info)
    (product_id,) = job.product_ids
    assert re.search(rf"input {product_id} \([\d.]+ [kM]B\)", text), text
    assert re.search(r"OTB chain calibration -> orthorectification wrote \S+ in [\d.]+ s", text)
    assert re.search(r"set-up: calibration [\d.]+ s, orthorectification [\d.]+ s", text)
    for step in ("border mask", "quicklook"):
        assert re.search(rf"step {step} done in [\d.]+ s", text), (step, text)
    for kind, path in (("image", job.output_path), ("mask", str(job.mask_path))):
        # The percentage logged is the file's (the image's counted before it was published).
        percent = f"{100 * count_valid(path).fraction:.1f}"
        pattern = rf"wrote {kind} {re.escape(path)} \([\d.]+ [kM]B, {percent} % valid pixels\)"
        assert re.search(pattern, text), (kind, percent, text)
    assert run.stdout.strip().splitlines()[-1].startswith("{")  # the JSON result stays last


def test_otb_chatter_is_debug_and_said_once(site: Site) -> None:
    job = site.jobs()["vv"]
    quiet = run_cli("-v", *process_args(site, job))
    assert quiet.returncode == OK, quiet.stderr
    assert OTB_BANNER not in quiet.stderr
    loud = run_cli("-vv", *process_args(site, job, "--force"))
    assert loud.returncode == OK, loud.stderr
    otb = [(level, message) for level, _n, message in _records(loud.stderr) if "otb: " in message]
    assert otb and {level for level, _m in otb} == {"DEBUG"}
    banner = [message for _l, message in otb if OTB_BANNER in message]
    assert len(banner) == len(set(banner)) >= 1, banner


def test_an_otb_failure_ends_with_one_error_line_naming_the_step(site: Site) -> None:
    break_calibration(site)
    job = site.jobs()["vv"]
    run = run_cli("-v", *process_args(site, job))
    assert run.returncode == BAD_INPUT, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    last = lines[-1]
    assert last.startswith("s1ops process: error: OTB step 'orthorectification' failed on "), last
    (measurement,) = Path(site.s1_images).glob("*.SAFE/measurement/*-vv-*.tiff")
    assert measurement.name in last and OTB_NO_METADATA in last, last
    assert sum("error" in line.lower() for line in lines) == 1, run.stderr
    assert OTB_BANNER not in run.stderr
    assert run.stdout.strip() == ""  # no JSON blob for a failure
