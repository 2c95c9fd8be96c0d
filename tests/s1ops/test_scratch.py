"""Temporary names: partial files next to their final name, work folders under [Paths] tmp."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from s1ops.errors import DiskFullError
from s1ops.exit_codes import IO_FAILED, exit_code
from s1ops.scratch import (
    WORK_PREFIX,
    free_bytes,
    is_partial_name,
    is_work_entry,
    new_token,
    partial_path,
    require_space,
    space_guard,
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


def test_a_full_disk_in_a_guarded_write_is_one_error_naming_the_folder(tmp_path: Path) -> None:
    full = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "N01E008.hgt"))
    writing = "4 DEM cell(s) (copies)"
    with (
        pytest.raises(DiskFullError) as caught,
        space_guard(tmp_path, writing, needed_bytes=11_539_208),
    ):
        raise full
    message = str(caught.value)
    assert message.startswith(f"no space left in {tmp_path} (needed ~11.5 MB, free ")
    assert "writing 4 DEM cell(s) (copies)" in message
    assert exit_code(caught.value) == IO_FAILED  # retry later, once space is freed
    # Not a full disk: passes unchanged.
    with pytest.raises(PermissionError), space_guard(tmp_path, "x"):
        raise PermissionError(errno.EACCES, "Permission denied")


def test_copies_that_cannot_fit_are_refused_before_filling_the_disk(tmp_path: Path) -> None:
    free = free_bytes(tmp_path)
    assert free is not None and free > 0
    require_space(tmp_path, 1, "one byte")
    with pytest.raises(DiskFullError, match=r"needed ~.* MB, free .* writing everything"):
        require_space(tmp_path / "not" / "yet", free + 10**12, "everything")
