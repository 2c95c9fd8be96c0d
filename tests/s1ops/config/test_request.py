"""Reading S1Tiling request files: values, defaults, legacy spellings, warnings, errors."""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import date
from pathlib import Path

import pytest

from s1ops.cli import main
from s1ops.config.keys import IGNORED_KEYS, USED_KEYS
from s1ops.config.request import S1Config, config_summary, load_config, parse_config_text
from s1ops.errors import ConfigError, ConfigFileError
from s1ops.testing.request_file import RequestPaths, render, request_sections

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "config" / "S1Processor.example.cfg"

# The non-regression request file of S1Tiling's own test suite (tile 33NWB,
# January 2020), rewritten: environment variables for the folders, the
# deprecated `srtm` key, and keys of other S1Tiling versions and scenarios.
S1TILING_33NWB = """\
# S1Tiling non-regression request, 33NWB, 2020-01-01..10
[Paths]
output : %(S1TILING_TEST_DATA_OUTPUT)s
s1_images : %(S1TILING_TEST_DATA_INPUT)s
srtm : %(S1TILING_TEST_SRTM)s
geoid_file : %(S1TILING_RESOURCES)s/Geoid/egm96.grd
tmp : %(S1TILING_TEST_TMPDIR)s

[DataSource]
# eodag_config : %(HOME)s/.config/eodag/eodag.yml
download : %(S1TILING_TEST_DOWNLOAD)s
nb_parallel_downloads : 2
roi_by_tiles : ALL
polarisation : VV-VH
first_date : 2020-01-01
last_date : 2020-01-10

[Mask]
generate_border_mask: True

[Processing]
calibration: sigma
remove_thermal_noise: False
use_resampled_dem: True
resample_dem_factor_x: 2.0
resample_dem_factor_y: 2.0
distribute_area: False
inner_margin_ratio: 0.01
outer_margin_ratio: 0.04
min_gamma_area: 1.0
calibration_factor: 1.0
output_nodata: False
output_spatial_resolution : 10.
orthorectification_gridspacing : 40
orthorectification_interpolation_method : nn
border_threshold : 0.
tiles : 33NWB
tile_to_product_overlap_ratio : 0.5
mode : debug logging
nb_parallel_processes : 2
ram_per_process : %(S1TILING_TEST_RAM)s
nb_otb_threads: 2
override_azimuth_cut_threshold_to : %(S1TILING_TEST_OVERRIDE_CUT_Y)s

[Filtering]
filtering_activated : False
reset_outcore : True
window_radius : 2
"""

S1TILING_ENV = {
    "S1TILING_TEST_DATA_OUTPUT": "/data/out",
    "S1TILING_TEST_DATA_INPUT": "/data/raw",
    "S1TILING_TEST_SRTM": "/data/SRTM_30_hgt",
    "S1TILING_RESOURCES": "/opt/s1tiling/resources",
    "S1TILING_TEST_TMPDIR": "/data/tmp",
    "S1TILING_TEST_DOWNLOAD": "False",
    "S1TILING_TEST_RAM": "4096",
    "S1TILING_TEST_OVERRIDE_CUT_Y": "True",
    "HOME": "/home/someone",
}

# The smallest valid request (the suite's request builder with its defaults):
# the tests below change one thing in it at a time.
MINIMAL = request_sections(
    RequestPaths(output="/o", s1_images="/s1", dem_dir="/dem/srtm", tmp="/t"), tiles="33NWB"
)
MINIMAL_TEXT = render(MINIMAL)


def variant(section: str, key: str, value: str | None) -> str:
    """MINIMAL with one key set (or removed when value is None)."""
    sections = {name: dict(keys) for name, keys in MINIMAL.items()}
    keys = sections.setdefault(section, {})
    if value is None:
        keys.pop(key, None)
    else:
        keys[key] = value
    return render(sections)


def parse(text: str, environ: dict[str, str] | None = None) -> S1Config:
    return parse_config_text(text, environ=environ or {}, base_dir=Path("/base"))


def warnings_about(caplog: pytest.LogCaptureFixture, word: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and word in r.getMessage()
    ]


# --- a real S1Tiling request --------------------------------------------------


def test_s1tiling_request_is_read_with_its_values(caplog: pytest.LogCaptureFixture) -> None:
    cfg = parse(S1TILING_33NWB, S1TILING_ENV)
    assert cfg.paths.output == Path("/data/out")
    assert cfg.paths.s1_images == Path("/data/raw")
    assert cfg.paths.dem_dir == Path("/data/SRTM_30_hgt")
    assert cfg.paths.dem_info == "SRTM_30_hgt"
    assert cfg.paths.geoid_file == Path("/opt/s1tiling/resources/Geoid/egm96.grd")
    assert cfg.paths.tmp == Path("/data/tmp")
    ds = cfg.data_source
    assert (ds.first_date, ds.last_date) == (date(2020, 1, 1), date(2020, 1, 10))
    assert ds.polarisations == ("vv", "vh")
    assert ds.download is False
    assert ds.roi_by_tiles is None
    assert ds.overlap_ratio_percent == 0  # S1Tiling ignores the [Processing] one too
    assert cfg.mask.generate_border_mask is True
    proc = cfg.processing
    assert proc.tiles == ("33NWB",) and not proc.all_tiles
    assert proc.calibration == "sigma" and proc.remove_thermal_noise is False
    assert (proc.resolution_m, proc.gridspacing_m, proc.interpolation) == (10.0, 40.0, "nn")
    assert proc.override_azimuth_cut_threshold_to is True
    assert (proc.nb_parallel_processes, proc.ram_per_process_mb, proc.nb_otb_threads) == (
        2,
        4096,
        2,
    )
    assert cfg.source is None


def test_s1tiling_request_warns_once_per_unused_key(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        parse(S1TILING_33NWB, S1TILING_ENV)
    unused = [
        "nb_parallel_downloads",
        "use_resampled_dem",
        "resample_dem_factor_x",
        "resample_dem_factor_y",
        "distribute_area",
        "inner_margin_ratio",
        "outer_margin_ratio",
        "output_nodata",
        "border_threshold",
        "tile_to_product_overlap_ratio",
        "mode",
    ]
    unused += ["filtering_activated", "reset_outcore"]  # older S1Tiling [Filtering] keys
    for key in unused:
        assert len(warnings_about(caplog, f"] {key}:")) == 1, key
    # Nothing about keys in use, though unread without a filter.
    assert not warnings_about(caplog, "window_radius")
    assert not warnings_about(caplog, "calibration:")
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == len(unused)


def test_loading_a_file_keeps_its_path_and_resolves_relative_paths(tmp_path: Path) -> None:
    text = variant("Paths", "output", "products").replace("/dem/srtm", "~/dem")
    cfg_file = tmp_path / "MyS1ToS2.cfg"
    cfg_file.write_text(text)
    cfg = load_config(cfg_file, environ={})
    assert cfg.source == cfg_file
    assert cfg.paths.output == tmp_path / "products"
    assert cfg.paths.dem_dir == Path.home() / "dem"


# --- legacy spellings ------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "old", "value", "read"),
    [
        ("Paths", "srtm", "/srtm/SRTM_30", lambda c: c.paths.dem_dir),
        ("DataSource", "eodagConfig", "/etc/eodag.yml", lambda c: c.data_source.eodag_config),
        ("Processing", "cache_srtm_by", "copy", lambda c: c.processing.cache_dem_by),
    ],
)
def test_legacy_spellings_are_read(section, old, value, read, caplog) -> None:
    sections = {name: dict(keys) for name, keys in MINIMAL.items()}
    sections["Paths"].pop("dem_dir")
    if section != "Paths":
        sections["Paths"]["dem_dir"] = "/dem/srtm"
    sections[section][old] = value
    cfg = parse(render(sections))
    expected = Path(value) if section != "Processing" else value
    assert read(cfg) == expected
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("section", "new", "old", "read"),
    [
        ("Paths", "dem_dir", "srtm", lambda c: str(c.paths.dem_dir)),
        ("DataSource", "eodag_config", "eodagConfig", lambda c: str(c.data_source.eodag_config)),
        ("Processing", "cache_dem_by", "cache_srtm_by", lambda c: c.processing.cache_dem_by),
    ],
)
def test_new_spelling_wins_over_legacy_one(section, new, old, read, caplog) -> None:
    sections = {name: dict(keys) for name, keys in MINIMAL.items()}
    sections[section][new] = "/new" if section != "Processing" else "copy"
    sections[section][old] = "/old" if section != "Processing" else "symlink"
    cfg = parse(render(sections))
    assert read(cfg) == ("/new" if section != "Processing" else "copy")
    assert len(warnings_about(caplog, f"] {old.lower()}: ignored")) == 1


# --- unused and unknown keys --------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "key"),
    [
        *sorted(IGNORED_KEYS),
        ("Processing", "fname_fmt.lia_product"),
        ("Processing", "nodata.LIA"),
    ],
)
def test_each_ignored_key_is_accepted_with_one_warning(section, key, caplog) -> None:
    cfg = parse(variant(section, key, "1"))
    assert cfg.processing.tiles == ("33NWB",)
    assert len(warnings_about(caplog, key.lower())) == 1
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1


def test_unknown_key_warns_once_and_suggests_the_known_one(caplog) -> None:
    parse(variant("DataSource", "polarization", "VV"))
    assert warnings_about(caplog, "polarization") == [
        "[DataSource] polarization: unknown key, ignored (did you mean 'polarisation'?)"
    ]


def test_an_unknown_section_warns_once(caplog) -> None:
    text = MINIMAL_TEXT + "[Filtering]\nfilter : none\nwindow_radius : 2\n[Extra]\na : 1\nb : 2\n"
    parse(text)
    assert len(warnings_about(caplog, "[Extra]")) == 1
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1


def test_section_case_is_forgiven_with_a_warning(caplog) -> None:
    cfg = parse(MINIMAL_TEXT.replace("[Paths]", "[PATHS]"))
    assert cfg.paths.output == Path("/o")
    assert len(warnings_about(caplog, "[PATHS]")) == 1


def test_key_case_does_not_matter() -> None:
    cfg = parse(MINIMAL_TEXT.replace("first_date", "First_Date").replace("tiles", "TILES"))
    assert cfg.data_source.first_date == date(2020, 1, 1)
    assert cfg.processing.tiles == ("33NWB",)


# --- environment --------------------------------------------------------------------


def test_environment_variables_any_case() -> None:
    text = variant("Paths", "output", "%(HOME)s/out").replace("/s1\n", "%(home)s/s1\n")
    cfg = parse(text, {"HOME": "/home/me"})
    assert cfg.paths.output == Path("/home/me/out")
    assert cfg.paths.s1_images == Path("/home/me/s1")


def test_percent_in_environment_value_is_literal() -> None:
    cfg = parse(variant("Paths", "output", "%(OUT)s"), {"OUT": "/data/100%/out"})
    assert cfg.paths.output == Path("/data/100%/out")


def test_environment_never_stands_for_a_missing_key() -> None:
    with pytest.raises(ConfigError) as err:
        parse(variant("Paths", "tmp", None), {"TMP": "/from/env", "tmp": "/from/env"})
    assert (err.value.section, err.value.key) == ("Paths", "tmp")


@pytest.mark.parametrize(
    "environ",
    [
        {"data_root": "/lower", "DATA_ROOT": "/upper"},
        {"DATA_ROOT": "/upper", "data_root": "/lower"},
    ],
)
def test_variables_differing_only_in_case(environ: dict[str, str]) -> None:
    # Plain configparser (and so S1Tiling) raises DuplicateOptionError here.
    cfg = parse(variant("Paths", "output", "%(data_root)s/out"), environ)
    assert cfg.paths.output == Path("/upper/out")


def test_default_section_and_same_section_references() -> None:
    text = "[DEFAULT]\nroot : /srv\ngenerate_border_mask : yes\n" + MINIMAL_TEXT.replace(
        "output : /o", "output : %(root)s/out\nscratch : x"
    ).replace("tmp : /t", "tmp : %(output)s/tmp")
    cfg = parse(text)
    assert cfg.paths.output == Path("/srv/out")
    assert cfg.paths.tmp == Path("/srv/out/tmp")
    assert cfg.mask.generate_border_mask is True  # from [DEFAULT], no [Mask] section


def test_missing_environment_variable_is_named() -> None:
    with pytest.raises(ConfigError, match=r"NOT_SET_ANYWHERE") as err:
        parse(variant("Paths", "output", "%(NOT_SET_ANYWHERE)s/out"))
    assert (err.value.section, err.value.key) == ("Paths", "output")


# --- values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("VV VH", ("vv", "vh")),
        ("VV-VH", ("vv", "vh")),
        ("vv", ("vv",)),
        ("VH", ("vh",)),
        ("HH HV", ("hh", "hv")),
        ("HH-HV", ("hh", "hv")),
        ("HH", ("hh",)),
        ("HV", ("hv",)),
    ],
)
def test_polarisation_values(value: str, expected: tuple[str, ...]) -> None:
    assert parse(variant("DataSource", "polarisation", value)).data_source.polarisations == expected


def test_filters_and_optional_values() -> None:
    sections = {name: dict(keys) for name, keys in MINIMAL.items()}
    sections["DataSource"].update(
        platform_list="s1a, S1C",
        orbit_direction="DSC",
        relative_orbit_list="7 , 161 7",
        tile_to_product_overlap_ratio="50",
        roi_by_tiles="33nwb 33NWC",
        download="yes",
    )
    sections["Processing"].update(
        output_spatial_resolution="20",
        remove_thermal_noise="True",
        override_azimuth_cut_threshold_to="None",
        orthorectification_interpolation_method="LINEAR",
        tiles="33nwb,33NWC , T31TCJ 33NWB",
    )
    sections["Metadata"] = {"Contact": "Me <me@x.org>", "Ratio": "100%(none)"}
    cfg = parse(render(sections))
    ds, proc = cfg.data_source, cfg.processing
    assert ds.platforms == ("S1A", "S1C")
    assert ds.orbit_direction == "DES"
    assert ds.relative_orbits == (7, 161)
    assert ds.overlap_ratio_percent == 50
    assert ds.roi_by_tiles == ("33NWB", "33NWC")
    assert ds.download is True
    assert proc.resolution_m == 20.0 and proc.gridspacing_m == 80.0
    assert proc.remove_thermal_noise is True
    assert proc.override_azimuth_cut_threshold_to is None
    assert proc.interpolation == "linear"
    assert proc.tiles == ("33NWB", "33NWC", "31TCJ")
    # As in S1Tiling: names lower-cased, values not interpolated.
    assert cfg.metadata == (("contact", "Me <me@x.org>"), ("ratio", "100%(none)"))


def test_defaults() -> None:
    cfg = parse(MINIMAL_TEXT)
    assert cfg.paths.dem_info == "srtm" and cfg.paths.geoid_file is None
    ds = cfg.data_source
    assert (ds.download, ds.eodag_config, ds.roi_by_tiles) == (False, None, None)
    assert (ds.platforms, ds.orbit_direction, ds.relative_orbits) == ((), None, ())
    assert ds.overlap_ratio_percent == 0
    assert cfg.mask.generate_border_mask is False
    proc = cfg.processing
    assert proc.lower_signal_value == 1e-7
    assert (proc.resolution_m, proc.gridspacing_m, proc.interpolation) == (10.0, 40.0, "nn")
    assert proc.override_azimuth_cut_threshold_to is None and proc.cache_dem_by == "symlink"
    assert cfg.quicklook.generate_quicklook is False
    assert cfg.metadata == ()


def test_airflow_defaults_follow_the_request() -> None:
    text = variant("Processing", "nb_parallel_processes", "3").replace("2020-01-01", "2019-03-04")
    air = parse(text).airflow
    assert dataclasses.asdict(air) == {
        "runner": "local",
        "image": "s1ops:latest",
        "docker_url": "unix:///var/run/docker.sock",
        "otb_pool": "s1ops_otb",
        "otb_pool_slots": 3,
        "download_pool": "s1ops_download",
        "download_pool_slots": 2,
        "schedule": "0 0 * * *",
        "start_date": date(2019, 3, 4),
        "catchup": False,
        "lookback_days": 3,
        "download_timeout_hours": 24.0,
        "poke_interval_s": 300,
        "retries": 3,
        "retry_delay_s": 60,
        "execution_timeout_min": 120,
        "s1_cache_max_products": 1000,
        "min_valid_fraction": 0.0,
        "provider_conn_id": None,
        "celery_concurrency": 2,
        "celery_queues": ("default",),
    }


def test_the_provider_connection_is_a_name() -> None:
    named = parse(MINIMAL_TEXT + "[Airflow]\nprovider_conn_id : cdse_prod\n").airflow
    assert named.provider_conn_id == "cdse_prod"
    with pytest.raises(ConfigError, match=r"provider_conn_id.*without blanks"):
        parse(MINIMAL_TEXT + "[Airflow]\nprovider_conn_id : cdse prod\n")


def test_airflow_values() -> None:
    text = MINIMAL_TEXT + (
        "[Airflow]\nrunner : Docker\notb_pool_slots : 5\nschedule : 30  2 * * 1-5\n"
        "start_date : 2020-01-05\ncatchup : on\ns1_cache_max_products : 50\n"
    )
    air = parse(text).airflow
    assert (air.runner, air.otb_pool_slots, air.schedule) == ("docker", 5, "30 2 * * 1-5")
    assert (air.start_date, air.catchup, air.s1_cache_max_products) == (
        date(2020, 1, 5),
        True,
        50,
    )


def test_config_is_frozen() -> None:
    cfg = parse(MINIMAL_TEXT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.processing.calibration = "beta"  # type: ignore[misc]


def test_normlim_and_the_terrain_keys_are_read() -> None:
    sections = {name: dict(keys) for name, keys in MINIMAL.items()}
    sections["Processing"].update(
        calibration="normlim",
        produce_lia_map="True",
        ia_maps_to_produce="deg, sin tan",
        dem_warp_resampling_method="Bilinear",
    )
    cfg = parse(render(sections))
    assert cfg.processing.calibration == "normlim"
    terrain = cfg.terrain
    assert (terrain.lia_dir, terrain.ia_dir) == (Path("/o/_LIA"), Path("/o/_IA"))
    assert terrain.produce_lia_map
    assert terrain.ia_maps == ("deg", "sin", "tan")
    assert terrain.dem_warp_resampling == "bilinear"
    assert cfg.output_format.naming.image_name.endswith("_{acquisition_stamp}_NormLim.tif")
    sections["Paths"].update(lia="maps/lia", ia="/maps/ia")
    sections["Processing"]["fname_fmt.s2_lia_corrected"] = "{tile_name}_{orbit}_NL.tif"
    cfg = parse(render(sections))
    assert (cfg.terrain.lia_dir, cfg.terrain.ia_dir) == (Path("/base/maps/lia"), Path("/maps/ia"))
    assert cfg.output_format.naming.image_name == "{tile_name}_{orbit}_NL.tif"


def test_gamma_naught_rtc_reads_s1tilings_gamma_area_keys() -> None:
    sections = {name: dict(keys) for name, keys in MINIMAL.items()}
    sections["Processing"].update(calibration="gamma_naught_rtc")
    cfg = parse(render(sections))
    assert cfg.processing.calibration == "gamma_naught_rtc"
    terrain = cfg.terrain
    assert terrain.gamma_area_dir == Path("/o/_GAMMA_AREA")
    assert (terrain.min_gamma_area, terrain.calibration_factor) == (1.0, 1.0)
    assert cfg.output_format.naming.image_name.endswith("_{acquisition_stamp}_GammaNaughtRTC.tif")
    assert cfg.output_format.naming.calibration == "GammaNaughtRTC"
    sections["Paths"]["gamma_area"] = "maps/ga"
    sections["Processing"].update(
        min_gamma_area="0.5",
        calibration_factor="2",
        **{"fname_fmt.s2_gamma_area_corrected": "{tile_name}_{orbit}_RTC.tif"},
    )
    cfg = parse(render(sections))
    assert cfg.terrain.gamma_area_dir == Path("/base/maps/ga")
    assert (cfg.terrain.min_gamma_area, cfg.terrain.calibration_factor) == (0.5, 2.0)
    assert cfg.output_format.naming.image_name == "{tile_name}_{orbit}_RTC.tif"


def test_terrain_defaults_for_other_calibrations() -> None:
    cfg = parse(MINIMAL_TEXT)
    assert not cfg.terrain.produce_lia_map and cfg.terrain.ia_maps == ("deg",)
    assert cfg.output_format.naming.image_name.endswith("_{acquisition_stamp}.tif")


# --- invalid values -----------------------------------------------------------------

INVALID = [
    ("DataSource", "first_date", "2020-13-01"),
    ("DataSource", "first_date", "01/01/2020"),
    ("DataSource", "last_date", "2019-12-31"),  # before first_date
    ("DataSource", "polarisation", "VX"),
    ("DataSource", "polarisation", "VV HH"),
    ("DataSource", "download", "maybe"),
    ("DataSource", "platform_list", "S1A, L8"),
    ("DataSource", "orbit_direction", "NORTH"),
    ("DataSource", "relative_orbit_list", "7, 176"),
    ("DataSource", "tile_to_product_overlap_ratio", "0.5"),
    ("DataSource", "tile_to_product_overlap_ratio", "101"),
    ("DataSource", "roi_by_tiles", "33NWB, 33IWB"),
    ("Mask", "generate_border_mask", "2"),
    ("Processing", "min_gamma_area", "-1"),
    ("Processing", "min_gamma_area", "large"),
    ("Processing", "calibration_factor", "0"),
    ("Processing", "ia_maps_to_produce", "deg, cotan"),
    ("Processing", "dem_warp_resampling_method", "bicubic"),
    ("Processing", "calibration", "sigma0"),
    ("Processing", "tiles", "33NWB, 61NWB"),
    ("Processing", "tiles", "T33NWBX"),
    ("Processing", "lower_signal_value", "0"),
    ("Processing", "output_spatial_resolution", "ten"),
    ("Processing", "orthorectification_gridspacing", "-40"),
    ("Processing", "orthorectification_interpolation_method", "bco"),
    ("Processing", "override_azimuth_cut_threshold_to", "sometimes"),
    ("Processing", "nb_parallel_processes", "0"),
    ("Processing", "ram_per_process", "4G"),
    ("Processing", "cache_dem_by", "hardlink"),
    ("Quicklook", "format", "gif"),
    ("Quicklook", "db_max", "-30"),
    ("Airflow", "runner", "k8s"),
    ("Airflow", "schedule", "@daily"),
    ("Airflow", "retries", "-1"),
    ("Airflow", "start_date", "yesterday"),
    ("Airflow", "download_timeout_hours", "inf"),
]


@pytest.mark.parametrize(("section", "key", "value"), INVALID)
def test_invalid_values_name_section_key_and_value(section: str, key: str, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse(variant(section, key, value))
    assert (err.value.section, err.value.key) == (section, key)
    message = str(err.value)
    assert f"[{section}] {key} = " in message
    # The value, or for lists the offending item, is quoted.
    assert repr(value) in message or repr(value.split()[-1]) in message or key == "db_max"
    assert err.value.expected


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("Paths", "output"),
        ("Paths", "s1_images"),
        ("Paths", "dem_dir"),
        ("Paths", "tmp"),
        ("DataSource", "first_date"),
        ("DataSource", "last_date"),
        ("DataSource", "polarisation"),
        ("Processing", "calibration"),
        ("Processing", "tiles"),
    ],
)
def test_missing_required_key(section: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse(variant(section, key, None))
    assert (err.value.section, err.value.key, err.value.value) == (section, key, None)
    with pytest.raises(ConfigError):
        parse(variant(section, key, ""))


def test_tiles_all(caplog) -> None:
    cfg = parse(variant("Processing", "tiles", "ALL"))
    assert cfg.processing.all_tiles and cfg.processing.tiles == ()
    assert "ALL" in config_summary(cfg)
    text = variant("Processing", "tiles", "ALL").replace("[DataSource]", "[DataSource]\ndownload:1")
    with pytest.raises(ConfigError, match="roi_by_tiles") as err:
        parse(text)
    assert (err.value.section, err.value.key) == ("Processing", "tiles")
    parse(text.replace("download:1", "download:1\nroi_by_tiles: 33NWB"))


def test_tiles_list_in_file_is_relative_to_the_request(tmp_path: Path, caplog) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "tiles.txt").write_text("# my tiles\n33NWB\n\n 31tcj, 33NWC\n")
    cfg_file = tmp_path / "req.cfg"
    cfg_file.write_text(variant("Processing", "tiles_list_in_file", "lists/tiles.txt"))
    cfg = load_config(cfg_file, environ={})
    assert cfg.processing.tiles == ("33NWB", "31TCJ", "33NWC")
    assert len(warnings_about(caplog, "tiles: ignored")) == 1


def test_tiles_file_with_esa_grid_sample(tmp_path: Path) -> None:
    sample = (REPO / "tests" / "data" / "s2_tiles_sample.csv").read_text().splitlines()[1:]
    tile_ids = [line.split(",")[0] for line in sample]
    (tmp_path / "tiles.txt").write_text("\n".join(f"T{t.lower()}" for t in tile_ids))
    cfg = parse_config_text(
        variant("Processing", "tiles_list_in_file", "tiles.txt"), environ={}, base_dir=tmp_path
    )
    assert cfg.processing.tiles == tuple(dict.fromkeys(tile_ids))


def test_unreadable_tiles_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config_text(
            variant("Processing", "tiles_list_in_file", "missing.txt"),
            environ={},
            base_dir=tmp_path,
        )
    assert (err.value.section, err.value.key, err.value.value) == (
        "Processing",
        "tiles_list_in_file",
        "missing.txt",
    )
    assert str(tmp_path / "missing.txt") in str(err.value)


def test_bad_tile_in_tiles_file(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("33NWB\n33NZZ\n")
    with pytest.raises(ConfigError, match="33NZZ"):
        parse_config_text(
            variant("Processing", "tiles_list_in_file", "t.txt"), environ={}, base_dir=tmp_path
        )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("output : /o\n" + "x", "before any"),
        ("[Paths]\noutput : /a\noutput : /b\n", "set twice"),
        ("[Paths]\n[Paths]\n", "appears twice"),
        ("[Paths]\nthis line has no separator\n", "not INI"),
        ("[Paths]\n[PATHS]\n", "same section"),
        ("[PEPS]\nfirst_date : 2020-01-01\n", "DataSource"),
    ],
)
def test_file_level_errors(text: str, reason: str) -> None:
    with pytest.raises(ConfigFileError, match=reason):
        parse(text)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path / "nope.cfg")


# --- the documented example ---------------------------------------------------------


def test_example_file_loads_and_documents_every_key(caplog) -> None:
    cfg = load_config(EXAMPLE, environ={"HOME": "/home/me"})
    assert cfg.paths.output == Path("/home/me/s1ops/out")
    assert cfg.processing.tiles == ("33NWB", "33NWC")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    text = EXAMPLE.read_text()
    for section, keys in USED_KEYS.items():
        body = re.split(rf"^\[{section}\]$", text, flags=re.MULTILINE)[1].split("\n[")[0]
        for key in keys:
            assert re.search(rf"^#? ?{key} :", body, re.MULTILINE), f"[{section}] {key}"


# --- CLI ----------------------------------------------------------------------------


def test_cli_check_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg_file = tmp_path / "ok.cfg"
    cfg_file.write_text(MINIMAL_TEXT)
    # Its folders (/o, /s1...) are not on this machine: the file alone is checked.
    assert main(["config", "check", "--no-paths", str(cfg_file)]) == 0
    out = capsys.readouterr().out
    for fragment in ("33NWB", "2020-01-01 .. 2020-01-10", "vv, vh", "sigma", "/o"):
        assert fragment in out


def test_cli_check_invalid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg_file = tmp_path / "bad.cfg"
    cfg_file.write_text(variant("DataSource", "polarisation", "VX"))
    assert main(["config", "check", str(cfg_file)]) == 2
    err = capsys.readouterr().err
    assert "[DataSource] polarisation = 'VX'" in err


def test_cli_check_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", str(tmp_path / "absent.cfg")]) == 2
    assert "absent.cfg" in capsys.readouterr().err
