"""[Filtering]: S1Tiling's keys, defaults and rules, and what a bad value gets."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from s1ops.config.filtering import FilteringConfig
from s1ops.config.request import config_summary, parse_config_text
from s1ops.errors import ConfigError
from s1ops.testing.request_file import RequestPaths, render, request_sections

PATHS = RequestPaths(output="/o", s1_images="/s1", dem_dir="/dem/srtm", tmp="/t")


def read(filtering: dict[str, object], *, masks: bool = False) -> FilteringConfig | None:
    sections = request_sections(
        PATHS,
        tiles="33NWB",
        filtering=filtering,  # type: ignore[arg-type]
        mask={"generate_border_mask": masks},
    )
    return parse_config_text(render(sections), environ={}, base_dir=Path("/b")).filtering


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (
            {"filter": "lee", "window_radius": 2, "nblooks": 4, "keep_non_filtered_products": True},
            FilteringConfig("lee", 2, nblooks=4.0),
        ),
        (
            {"filter": "Frost", "window_radius": 1, "deramp": 0.1},
            FilteringConfig("frost", 1, deramp=0.1),
        ),
        (
            {"filter": "GAMMAMAP", "window_radius": 3, "nblooks": 1.5},
            FilteringConfig("gammamap", 3, nblooks=1.5),
        ),
        (
            {"filter": "kuan", "window_radius": 1, "nblooks": 1},
            FilteringConfig("kuan", 1, nblooks=1.0),
        ),
    ],
)
def test_each_filter_is_read_case_insensitively(keys: dict, expected: FilteringConfig) -> None:
    keys.setdefault("keep_non_filtered_products", True)
    assert read(keys) == expected


@pytest.mark.parametrize("value", ["none", "None", ""])
def test_none_or_empty_means_no_filtering_and_nothing_else_is_required(value: str) -> None:
    assert read({"filter": value, "window_radius": 2}) is None
    assert read({}) is None
    with pytest.raises(ConfigError, match=r"\[Filtering\] window_radius = 'x'"):
        read({"filter": value, "window_radius": "x"})  # present: checked all the same


def test_otb_parameters_are_s1tilings() -> None:
    assert FilteringConfig("lee", 2, nblooks=4.0).otb_params == {
        "filter": "lee",
        "filter.lee.rad": 2,
        "filter.lee.nblooks": 4.0,
    }
    assert FilteringConfig("frost", 1, deramp=0.1).otb_params == {
        "filter": "frost",
        "filter.frost.rad": 1,
        "filter.frost.deramp": 0.1,
    }


@pytest.mark.parametrize(
    ("keys", "key", "expected"),
    [
        ({"filter": "median"}, "filter", "one of: none, lee, frost, gammamap, kuan"),
        ({"filter": "lee", "nblooks": 4}, "window_radius", "required by lee"),
        ({"filter": "lee", "window_radius": 0, "nblooks": 4}, "window_radius", "from 1 to 100"),
        ({"filter": "lee", "window_radius": 1.5, "nblooks": 4}, "window_radius", "an integer"),
        ({"filter": "lee", "window_radius": 2}, "nblooks", "required by lee"),
        ({"filter": "lee", "window_radius": 2, "nblooks": 0}, "nblooks", "above 0"),
        ({"filter": "frost", "window_radius": 2, "nblooks": 4}, "deramp", "required by frost"),
        ({"filter": "frost", "window_radius": 2, "deramp": -1}, "deramp", "above 0"),
        (
            {"filter": "lee", "window_radius": 2, "nblooks": 4, "keep_non_filtered_products": None},
            "keep_non_filtered_products",
            "required by lee",
        ),
        (
            {"filter": "kuan", "window_radius": 2, "nblooks": 4, "keep_non_filtered_products": 3},
            "keep_non_filtered_products",
            "True or False",
        ),
    ],
)
def test_a_bad_or_missing_key_is_named(keys: dict, key: str, expected: str) -> None:
    keys = {"keep_non_filtered_products": True, **keys}
    with pytest.raises(ConfigError) as info:
        read(keys)
    assert (info.value.section, info.value.key) == ("Filtering", key)
    assert expected in str(info.value)


def test_masks_keep_the_unfiltered_product_with_a_warning(caplog) -> None:
    keys = {"filter": "lee", "window_radius": 1, "nblooks": 1, "keep_non_filtered_products": False}
    assert read(keys) == FilteringConfig("lee", 1, nblooks=1.0, keep_non_filtered_products=False)
    with caplog.at_level(logging.WARNING):
        masked = read(keys, masks=True)
    assert masked is not None and masked.keep_non_filtered_products
    assert "keep_non_filtered_products = False is ignored" in caplog.text


def test_the_summary_says_which_filter() -> None:
    keys = {"filter": "frost", "window_radius": 2, "deramp": 0.1, "keep_non_filtered_products": 0}
    sections = request_sections(PATHS, tiles="33NWB", filtering=keys)
    cfg = parse_config_text(render(sections), environ={}, base_dir=Path("/b"))
    assert "filtering     frost, radius 2, deramp 0.1 (unfiltered not kept)" in config_summary(cfg)
