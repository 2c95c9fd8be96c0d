"""One Airflow installation for the Airflow tests of a pytest session, and their fixtures.

A pytest plugin of the whole suite (``pytest_plugins`` in tests/conftest.py).
Airflow reads its configuration when first imported, so the environment is
set when pytest loads this module, before any test module imports Airflow:
a fresh AIRFLOW_HOME (SQLite) in a temporary folder, the repo's dags and
plugins folders, and ``plugins/`` on ``sys.path`` as Airflow components
have it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest

from s1ops.testing.request_file import REQUEST_NAME, RequestPaths
from s1ops.testing.request_file import write_request as write_request_file

REPO = Path(__file__).resolve().parents[1]
_MARK = "S1OPS_TEST_AIRFLOW_HOME"


def prepare_environment() -> Path:
    """Set the Airflow environment variables once per process; returns AIRFLOW_HOME."""
    if _MARK in os.environ:
        return Path(os.environ[_MARK])
    if "airflow" in sys.modules:
        raise RuntimeError("Airflow was imported before its test environment was set")
    sys.path.insert(0, str(REPO / "plugins"))
    from s1ops_airflow.environment import airflow_environment

    home = Path(tempfile.mkdtemp(prefix="s1ops-airflow-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.environ.update(airflow_environment(REPO, home))
    os.environ[_MARK] = str(home)
    return home


prepare_environment()


def migrate() -> float:
    """``airflow db migrate`` in a child process (seconds taken)."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    return time.monotonic() - started


# --- shared test data ---------------------------------------------------------------------------

TILE = "32NNJ"
# The synthetic products (S1A, relative orbit 51, descending) over 32NNJ:
# one product on 2015-12-15, and a pair of consecutive slices on 2015-12-27.
SINGLE = "S1A_IW_GRDH_1SDV_20151215T050546_20151215T050615_009048_00CFC7_BDF1"
PAIR = (
    "S1A_IW_GRDH_1SDV_20151227T050546_20151227T050615_009223_00D5EE_72C3",
    "S1A_IW_GRDH_1SDV_20151227T050611_20151227T050640_009223_00D5EE_81A9",
)
PROVIDER = "s1ops_airflow_test"
GEOID = REPO / ".cache" / "otb-data" / "Input" / "DEM" / "egm96.grd"


def make_catalogue(folder: Path) -> Path:
    """Zipped synthetic products (see SINGLE, PAIR) and flat DEM cells under ``folder``."""
    from datetime import datetime

    from s1ops.grid import parse_tile_id
    from s1ops.testing.dem import make_flat_dem
    from s1ops.testing.synth_safe import SynthSpec, make_product

    catalogue = folder / "catalogue"
    catalogue.mkdir(parents=True)
    specs = [
        SynthSpec(start=datetime(2015, 12, 15, 5, 5, 46)),
        # Two slices of one pass, each covering part of the tile.
        SynthSpec(start=datetime(2015, 12, 27, 5, 5, 46), shift_lat_deg=0.8),
        SynthSpec(start=datetime(2015, 12, 27, 5, 6, 11), shift_lat_deg=-0.8),
    ]
    names = sorted(make_product(spec, catalogue, zip_it=True).name for spec in specs)
    assert names == sorted(f"{p}.zip" for p in (SINGLE, *PAIR)), names
    make_flat_dem(parse_tile_id(TILE).footprint_lonlat().buffer(0.2), folder / "dem", arcsec=3)
    return catalogue


def write_request(
    folder: Path, dem_dir: Path, eodag_config: Path, *, tiles: str = TILE, **airflow: object
) -> Path:
    """A request file for ``tiles`` at 100 m (a tile in a second or two), download on."""
    return write_request_file(
        folder / REQUEST_NAME,
        RequestPaths(folder / "out", folder / "s1", dem_dir, folder / "tmp", GEOID),
        tiles=tiles,
        data_source={
            "download": True,
            "eodag_config": eodag_config,
            "first_date": date(2015, 12, 1),
            "last_date": date(2015, 12, 31),
        },
        mask={"generate_border_mask": True},
        processing={"output_spatial_resolution": 100, "orthorectification_gridspacing": 400},
        airflow={"poke_interval_s": 1, "retries": 0, "lookback_days": 3, **airflow},
    )


def load_dags(config_path: Path) -> dict[str, object]:
    """Parse the repo's DAG folder for ``config_path`` and store the DAGs in the database.

    ``dag.test()`` needs the DAG serialized from a configured bundle.
    """
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
    from s1ops_airflow.environment import ensure_pools, pools_of

    os.environ["S1OPS_CONFIG"] = str(config_path)
    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}, bag.import_errors
    sync_bag_to_db(bag, "dags-folder", None)
    ensure_pools(pools_of(config_path))
    return dict(bag.dags)


# --- pytest fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def airflow_db() -> float:
    """A migrated metadata database with the DAG bundles registered; migration seconds."""
    seconds = migrate()
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    DagBundlesManager().sync_bundles_to_db()
    return seconds


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder with ``catalogue/`` (zipped products) and ``dem/``."""
    folder = tmp_path_factory.mktemp("synthetic")
    make_catalogue(folder)
    return folder


@pytest.fixture(scope="session")
def stac(synthetic: Path):
    from s1ops.testing.stac_server import serve_catalogue

    with serve_catalogue(synthetic / "catalogue") as server:
        yield server


@pytest.fixture(scope="session")
def eodag_config(stac, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from s1ops.testing.eodag_provider import write_provider_config

    saved = {k: v for k, v in os.environ.items() if k.startswith("EODAG")}
    path = write_provider_config(
        stac.url, tmp_path_factory.mktemp("eodag") / "provider.yml", PROVIDER
    )
    yield path
    for key in [k for k in os.environ if k.startswith("EODAG")]:
        del os.environ[key]
    os.environ.update(saved)


@pytest.fixture(autouse=True)
def _catalogue_behaves(request: pytest.FixtureRequest) -> None:
    if "stac" in request.fixturenames:
        request.getfixturevalue("stac").catalogue.clear_failures()


@pytest.fixture
def request_file(tmp_path: Path, synthetic: Path, eodag_config: Path):
    """Write a request file in ``tmp_path``: call with [Airflow] overrides."""

    def write(**airflow: object) -> Path:
        return write_request(tmp_path, synthetic / "dem", eodag_config, **airflow)

    return write
