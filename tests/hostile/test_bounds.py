"""Root cause 8: every number has a range, paths are checked, nonsense flags are refused.

Fast: no OTB. The request file's cases run ``s1ops config check`` in this
process (``run_main``: an exception escaping ``main`` fails the test, as a
traceback would); a few run it in a child as users do. Nothing is written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from s1ops.config.ranges import RANGES, Range, written
from s1ops.exit_codes import BAD_INPUT, OK
from s1ops.testing.request_file import (
    REQUEST_NAME,
    SECTION_NAMES,
    RequestPaths,
    Value,
    write_request,
)
from tests.hostile.harness import TILE, assert_clear_error, read_only, run_cli, run_main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "S1Processor.example.cfg"
KEYWORDS = {name: keyword for keyword, name in SECTION_NAMES.items()}
DIGITS_401 = "1" * 401


def _request(root: Path, section: str = "", key: str = "", value: Value = None) -> Path:
    """A valid request under ``root`` (its folders made), with one key set."""
    paths = RequestPaths.under(root, geoid_file=root / "egm96.grd")
    for folder in ("out", "s1", "dem", "tmp"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "dem" / "N00E009.hgt").write_bytes(b"\0" * 16)
    (root / "egm96.grd").write_bytes(b"\0" * 16)
    sections: dict[str, dict[str, Value]] = {}
    if section:
        sections[KEYWORDS[section]] = {key: value}
    return write_request(root / REQUEST_NAME, paths, tiles=TILE, **sections)  # type: ignore[arg-type]


def _outside(allowed: Range) -> list[str]:
    """Values just outside ``allowed``, a 401-digit number, and for floats NaN and inf."""
    step = 1 if allowed.integer else max(abs(allowed.high) * 1e-6, 1e-9)
    below = allowed.low if allowed.low_open else allowed.low - step
    values = [below, allowed.high + step]
    shown = [str(int(v)) if allowed.integer else repr(float(v)) for v in values]
    if not allowed.integer:
        shown += ["nan", "inf", "-inf"]
    return [*shown, DIGITS_401, f"-{DIGITS_401}"]


OUT_OF_RANGE = [
    pytest.param(section, key, value, id=f"{key}={value[:12]}")
    for (section, key), allowed in sorted(RANGES.items())
    for value in _outside(allowed)
]


@pytest.mark.parametrize(("section", "key", "value"), OUT_OF_RANGE)
def test_a_number_out_of_its_range_is_refused(
    tmp_path: Path, section: str, key: str, value: str
) -> None:
    config = _request(tmp_path, section, key, value)
    run = run_main("config", "check", config)
    shown = value if len(value) < 100 else value[:50]
    message = assert_clear_error(run, BAD_INPUT, f"[{section}] {key} = '{shown}")
    assert RANGES[(section, key)].describe() in message
    assert len(message) < 400  # a 401-digit value is shortened


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        pytest.param(section, key, edge, id=f"{key}={edge}")
        for (section, key), allowed in sorted(RANGES.items())
        for edge in (allowed.low, allowed.high)
        if not (edge == allowed.low and allowed.low_open)
        and key not in ("db_min", "db_max")  # ordered: checked together below
    ],
)
def test_the_edges_of_each_range_are_accepted(
    tmp_path: Path, section: str, key: str, value: float
) -> None:
    text = str(int(value)) if RANGES[(section, key)].integer else repr(float(value))
    run = run_main("config", "check", _request(tmp_path, section, key, text))
    assert run.returncode == OK, run.stderr


def _comment_above(text: str, key: str) -> str:
    """The comment lines right above ``key``'s line in the example (up to a blank line)."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if re.match(rf"^#? ?{key} :", line))
    block = []
    for line in reversed(lines[:index]):
        if not line.startswith("#"):
            break
        block.append(line)
    return "\n".join(reversed(block))


@pytest.mark.parametrize(("section", "key"), sorted(RANGES))
def test_the_example_states_each_range_next_to_its_key(section: str, key: str) -> None:
    allowed = RANGES[(section, key)]
    comment = _comment_above(EXAMPLE.read_text(), key)
    for bound in (allowed.low, allowed.high):
        assert written(bound) in comment, (key, written(bound), comment)


def test_the_example_passes_in_a_child() -> None:
    run = run_cli("config", "check", "--no-paths", EXAMPLE, env={"HOME": "/home/me"})
    assert run.returncode == OK, run.stderr


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("output_spatial_resolution", "1e300"),
        ("output_spatial_resolution", "0.0001"),
        ("nb_otb_threads", "4000000000"),
        ("ram_per_process", DIGITS_401),
    ],
)
def test_nonsense_numbers_in_a_child(tmp_path: Path, key: str, value: str) -> None:
    config = _request(tmp_path, "Processing", key, value)
    run = run_cli("config", "check", config)
    assert_clear_error(run, BAD_INPUT, f"[Processing] {key} = '{value[:50]}")


# --- paths --------------------------------------------------------------------------


def _remove(path: Path) -> None:
    if path.is_dir():
        for child in path.iterdir():
            child.unlink()
        path.rmdir()
    else:
        path.unlink()


PATH_ERRORS = [
    pytest.param("dem", _remove, "[Paths] dem_dir", "does not exist", id="dem-dir-missing"),
    pytest.param("egm96.grd", _remove, "[Paths] geoid_file", "does not exist", id="geoid-missing"),
    pytest.param(
        "s1", _remove, "[Paths] s1_images", "nothing would ever fill it", id="s1-images-missing"
    ),
    pytest.param(
        "out",
        lambda p: (_remove(p), p.write_text("")),
        "[Paths] output",
        "a file, not a folder",
        id="output-is-a-file",
    ),
    pytest.param(
        "tmp",
        lambda p: (_remove(p), (p.parent / "tmp").write_text("")),
        "[Paths] tmp",
        "a file, not a folder",
        id="tmp-is-a-file",
    ),
]


@pytest.mark.parametrize(("name", "spoil", "key", "problem"), PATH_ERRORS)
def test_a_path_that_cannot_serve_is_an_error(
    tmp_path: Path, name: str, spoil: object, key: str, problem: str
) -> None:
    config = _request(tmp_path)
    spoil(tmp_path / name)  # type: ignore[operator]
    run = run_main("config", "check", config)
    assert_clear_error(run, BAD_INPUT, key, str(tmp_path / name), problem)
    assert "tiles" in run.stdout  # the summary is printed all the same


def test_an_output_folder_on_a_read_only_file_system_is_an_error(tmp_path: Path) -> None:
    config = _request(tmp_path)
    with read_only(tmp_path / "out"):
        run = run_main("config", "check", config)
    assert_clear_error(run, BAD_INPUT, "[Paths] output", "read-only file system")


def test_warnings_do_not_fail_the_check(tmp_path: Path) -> None:
    config = _request(tmp_path)
    config.write_text(config.read_text().replace("geoid_file :", "# geoid_file :"))
    (tmp_path / "dem" / "N00E009.hgt").unlink()
    _remove(tmp_path / "out")
    run = run_main("config", "check", config)
    assert run.returncode == OK, run.stderr
    warnings = [line for line in run.stderr.splitlines() if ": warning: " in line]
    assert len(warnings) == 3, run.stderr
    for fragment in ("geoid_file: not set", "holds no .hgt cell", "does not exist yet"):
        assert any(fragment in line for line in warnings), (fragment, warnings)


def test_download_on_lets_s1_images_be_created_but_wants_the_eodag_file(
    tmp_path: Path,
) -> None:
    config = _request(tmp_path, "DataSource", "download", True)
    _remove(tmp_path / "s1")
    run = run_main("config", "check", config)
    assert run.returncode == OK, run.stderr
    assert "[Paths] s1_images" in run.stderr and "it will be created" in run.stderr
    text = config.read_text().replace("download : True", "download : True\neodag_config : e.yml")
    config.write_text(text)
    run = run_main("config", "check", config)
    assert_clear_error(run, BAD_INPUT, "[DataSource] eodag_config", "e.yml", "does not exist")


def test_planning_without_products_folder_nor_download_is_an_error(tmp_path: Path) -> None:
    """Once an empty plan every day, forever."""
    config = _request(tmp_path)
    _remove(tmp_path / "s1")
    run = run_main("plan", config, "--tile", TILE)
    assert_clear_error(run, BAD_INPUT, "[Paths] s1_images", str(tmp_path / "s1"), "download")


# --- flags --------------------------------------------------------------------------

FLAGS = [
    (("product", "download", "CFG", "ID", "--attempts", "0"), "--attempts", "'0'"),
    (("product", "download", "CFG", "ID", "--attempts", "-3"), "--attempts", "'-3'"),
    (("product", "download", "CFG", "ID", "--wait-for-staging-s", "-1"), "--wait-for", "'-1'"),
    (("cache", "purge", "CFG", "--keep", "-1"), "--keep", "'-1'"),
    (("cache", "purge", "CFG", "--keep", DIGITS_401), "--keep", "from 0 to"),
    (("maintenance", "CFG", "--older-than", "-1"), "--older-than", "'-1'"),
    (("maintenance", "CFG", "--older-than", "nan"), "--older-than", "'nan'"),
    (("maintenance", "CFG", "--older-than", "inf"), "--older-than", "'inf'"),
    (("plan", "CFG", "--tile", TILE, "--from", "2020-13-01"), "--from", "YYYY-MM-DD"),
    (("plan", "CFG", "--tile", TILE, "--to", "yesterday"), "--to", "'yesterday'"),
    (("plan", "CFG", "--tile", TILE, "--lookback", "-1"), "--lookback", "from 0 to 366"),
    (("search", "CFG", "--tile", TILE, "--from", "01/01/2020"), "--from", "YYYY-MM-DD"),
    (("concatenate", "--output", "o.tif", "--ram-mb", "0", "a.tif"), "--ram-mb", "'0'"),
    (("concatenate", "--output", "o.tif", "--threads", "4e9", "a.tif"), "--threads", "'4e9'"),
    (("synth-product", "--out", "x", "--scale", "0"), "--scale", "from 1 to 100"),
    (("synth-catalogue", "serve", "--products", "x", "--port", "70000"), "--port", "'70000'"),
]


@pytest.mark.parametrize(
    ("args", "flag", "shown"),
    [pytest.param(*case, id=f"{case[1]}={case[0][-1][:9]}") for case in FLAGS],
)
def test_a_flag_out_of_its_range_is_refused_at_parse_time(
    tmp_path: Path, args: tuple[str, ...], flag: str, shown: str
) -> None:
    run = run_main(*args)
    assert_clear_error(run, BAD_INPUT, f"argument {flag}", shown)
    assert list(tmp_path.iterdir()) == []
