"""The "S1 tiles" page's HTML from plain values (``s1ops_airflow.tiles_view``), and the
state words of its runs. The page in a real browser, on the demo's state: tests/test_demo.py."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

from s1ops_airflow.tiles_view import STATES, Cell, TileRow, quicklook_label, tiles_page

from s1ops.grid import parse_tile_id

DAYS = [date(2020, 1, 3), date(2020, 1, 4), date(2020, 1, 5)]


class Elements(HTMLParser):
    """Every start tag with its attributes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def _elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(page)
    return parser.found


def _row(tile_id: str, latest: str, cells: dict[date, Cell]) -> TileRow:
    ring = list(parse_tile_id(tile_id).footprint_lonlat().exterior.coords)
    return TileRow(tile_id, f"s1tiling_{tile_id}", ring, latest, cells)


def _page() -> str:
    return tiles_page(
        [
            _row(
                "32NNJ",
                "done",
                {
                    DAYS[0]: Cell("done", "backfill__2020-01-04T00:00:00+00:00", ("a_vv_x.jpg",)),
                    DAYS[1]: Cell("failed", "scheduled__2020-01-05"),
                },
            ),
            _row("32NPJ", "waiting", {DAYS[2]: Cell("waiting", "manual__1")}),
            _row("32NNH", "never run", {}),
        ],
        DAYS,
        note="request <file>",
    )


def test_each_tile_is_drawn_with_its_latest_state() -> None:
    groups = [a for tag, a in _elements(_page()) if tag == "g"]
    assert {(g["data-tile"], g["data-state"]) for g in groups} == {
        ("32NNJ", "done"),
        ("32NPJ", "waiting"),
        ("32NNH", "never run"),
    }
    polygons = [a for tag, a in _elements(_page()) if tag == "polygon"]
    assert [p["fill"] for p in polygons] == [STATES["done"], STATES["waiting"], STATES["never run"]]
    for polygon in polygons:  # inside the map
        for point in (polygon["points"] or "").split():
            x, y = map(float, point.split(","))
            assert 0 <= x <= 720 and 0 <= y <= 420


def test_each_cell_says_its_state_and_links_its_run_and_quicklooks() -> None:
    cells = [a for tag, a in _elements(_page()) if tag == "td"]
    assert len(cells) == 3 * len(DAYS)
    states = {(c["data-tile"], c["data-day"]): c["data-state"] for c in cells}
    assert states[("32NNJ", "2020-01-03")] == "done"
    assert states[("32NNJ", "2020-01-04")] == "failed"
    assert states[("32NNJ", "2020-01-05")] == "never run"
    assert states[("32NPJ", "2020-01-05")] == "waiting"
    links = [a for tag, a in _elements(_page()) if tag == "a"]
    runs = [a["href"] for a in links if a["class"] == "run"]
    assert "../dags/s1tiling_32NNJ/runs/backfill__2020-01-04T00%3A00%3A00%2B00%3A00" in runs
    assert all(a["target"] == "_top" for a in links if a["class"] == "run")
    quicklooks = [a for a in links if a["class"] == "quicklook"]
    assert [q["href"] for q in quicklooks] == ["quicklook/32NNJ/a_vv_x.jpg"]
    assert "VV quicklook" in _page()


def test_text_is_escaped() -> None:
    page = _page()
    assert "request &lt;file&gt;" in page and "<file>" not in page


def test_quicklook_labels() -> None:
    assert quicklook_label("s1a_32NNJ_vh_DES_051_20200103t050546.jpg") == "VH quicklook"
    assert quicklook_label("other.png") == "other.png"
