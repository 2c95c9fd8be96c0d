"""The domain library never imports Airflow (the house's first rule)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import s1ops

PACKAGE_DIR = Path(s1ops.__file__).parent


def all_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts))
    return names


def test_there_are_modules_to_check() -> None:
    assert len(all_modules()) > 10


def test_importing_every_s1ops_module_does_not_import_airflow() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {all_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'airflow' or m.startswith('airflow.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"s1ops imported Airflow modules: {out}"


def test_no_source_file_mentions_an_airflow_import() -> None:
    offenders = [
        str(p)
        for p in PACKAGE_DIR.rglob("*.py")
        if any(
            line.lstrip().startswith(("import airflow", "from airflow"))
            for line in p.read_text().splitlines()
        )
    ]
    assert offenders == []
