"""Temporary names: partial files next to their final name, work folders under [Paths] tmp."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from s1ops.scratch import (
    WORK_PREFIX,
    is_partial_name,
    is_work_entry,
    new_token,
    partial_path,
    work_folder,
    work_folder_in_use,
)

FINAL = "s1a_32NNJ_vv_DES_051_20151215t050546.tif"


def test_a_partial_file_is_a_hidden_sibling_keeping_the_suffix(tmp_path: Path) -> None:
    final = tmp_path / "32NNJ" / FINAL
    partial = partial_path(final, "tok")
    assert partial.parent == final.parent and partial.suffix == final.suffix
    assert partial.name.startswith(".") and partial != final
    assert is_partial_name(partial.name) and not is_partial_name(final.name)
    assert partial_path(final, "tok") == partial
    assert partial_path(final) != partial_path(final)  # a fresh token each time
    assert not is_partial_name(".notes") and not is_partial_name("notes.partial.txt")
    assert new_token().startswith(f"{os.getpid()}-")


def test_a_work_folder_is_held_while_in_use_and_deleted_after(tmp_path: Path) -> None:
    tmp = tmp_path / "made" / "on" / "demand"
    with work_folder(tmp, "dem") as folder:
        assert folder.parent == tmp and folder.name.startswith(f"{WORK_PREFIX}dem-")
        assert is_work_entry(folder.name)
        assert work_folder_in_use(folder)
        (folder / "N00E009.hgt").write_bytes(b"\0")
    assert not folder.exists()
    assert not work_folder_in_use(folder)
    plain = tmp / f"{WORK_PREFIX}made-by-hand"
    plain.mkdir()
    assert is_work_entry(plain.name) and not work_folder_in_use(plain)
    assert not is_work_entry("eodag") and not is_work_entry("S1")


def test_a_killed_owner_leaves_its_folder_unlocked(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys, time
        from s1ops.scratch import work_folder
        with work_folder({str(tmp_path)!r}, "dem") as folder:
            print(folder, flush=True)
            time.sleep(60)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        folder = Path(child.stdout.readline().strip())
        assert work_folder_in_use(folder)  # held by another process
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        if child.stdout is not None:
            child.stdout.close()
    assert folder.is_dir() and not work_folder_in_use(folder)
