"""OrthoReady names: the folder under [Paths] tmp, a file per measurement, its product key."""

from __future__ import annotations

from pathlib import Path

from s1ops.cache.orthoready import (
    key_of_file,
    key_of_product,
    orthoready_dir,
    orthoready_path,
)
from s1ops.config.request import load_config
from s1ops.processing.settings import ProcessSettings, settings_from_config
from s1ops.scratch import partial_path
from s1ops.sentinel1.ids import ProductId
from tests.s1ops.maintenance.site import write_request

P1 = "S1A_IW_GRDH_1SDV_20151227T050546_20151227T050615_009223_00D5EE_72C3"
P2 = "S1A_IW_GRDH_1SDV_20151227T050611_20151227T050640_009223_00D5EE_81A9"


def test_a_measurement_names_its_file_and_the_file_names_its_product(tmp_path: Path) -> None:
    folder = orthoready_dir(tmp_path)
    assert folder.parent == tmp_path
    for product_id in (P1, P2):
        pid = ProductId.parse(product_id)
        for pol in pid.polarisations:
            measurement = pid.measurement(pol).format()
            in_folder = orthoready_path(
                f"/data/{pid.safe_name}/measurement/{measurement}", folder, calibration="sigma"
            )
            in_zip = orthoready_path(
                f"/vsizip//data/{product_id}.zip/x/{measurement}", folder, calibration="sigma"
            )
            assert in_folder == in_zip and in_folder.parent == folder
            assert key_of_file(in_folder.name) == key_of_product(product_id)
            # Calibrated otherwise (normlim starts from beta0): another file, same product.
            beta = orthoready_path(measurement, folder, calibration="beta")
            assert beta.name == in_folder.name.replace("_sigma_", "_beta_")
            assert key_of_file(beta.name) == key_of_product(product_id)
            older = in_folder.name.replace("_sigma_", "_")  # an older S1Ops's name
            assert key_of_file(older) == key_of_product(product_id)
    assert key_of_product(P1) != key_of_product(P2)


def test_other_names_carry_no_key() -> None:
    assert key_of_file("notes.txt") is None
    assert key_of_file("s1a_32NNJ_vv_DES_051_20151215t050546.tif") is None
    assert key_of_product("not a product") is None
    pid = ProductId.parse(P1)
    partial = partial_path(
        orthoready_path(pid.measurement("vv").format(), ".", calibration="sigma")
    )
    assert key_of_file(partial.name) is None  # a file being written is not one to reference-count


def test_processing_uses_the_folder_of_tmp(tmp_path: Path) -> None:
    cfg = load_config(write_request(tmp_path))
    settings = settings_from_config(cfg, cache_before_ortho=True)
    assert settings.orthoready_dir == str(orthoready_dir(cfg.paths.tmp))
    assert settings_from_config(cfg).orthoready_dir is None
    assert ProcessSettings().orthoready_dir is None
