"""Which tests make the fast layer: no OTB, no Airflow, no container engine, no slow fixture.

tests/conftest.py marks those tests ``fast`` at collection (``pytest -m fast``,
``make test-fast``), so nobody has to remember to. A test is left out when

* it uses a fixture of ``SLOW_FIXTURES`` (pytest lists a test's fixtures with
  the ones they depend on, so the roots are enough), or carries a marker of
  ``SLOW_MARKERS``;
* it lives in ``SLOW_FOLDERS``;
* it lives in tests/plugins and needs Airflow: its module imports Airflow, or
  an s1ops_airflow module that imports Airflow when loaded, or the test's own
  text holds an Airflow import (code it runs in a child process).

Imports are read from the source, not from an imported module, so that a
``-m fast`` run does not even collect what needs Airflow (Airflow's import
alone takes seconds) and runs where Airflow is not installed.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PLUGINS = REPO / "plugins"

# `stac`, `eodag_config` and `request_file` of tests/airflow_session.py need
# `synthetic` (full synthetic products made from OTB's test data).
SLOW_FIXTURES = frozenset({"otb", "otb_data", "synthetic", "airflow_db"})
SLOW_MARKERS = frozenset({"otb", "slow", "docker"})
# Every test there needs Airflow's database or a container engine.
SLOW_FOLDERS = (REPO / "tests" / "dags", REPO / "tests" / "docker")
# Tests of the Airflow layer: fast only when they do without Airflow.
AIRFLOW_LAYER_FOLDER = REPO / "tests" / "plugins"
AIRFLOW_PACKAGE = "airflow"
OUR_AIRFLOW_PACKAGE = "s1ops_airflow"
# An Airflow import in a test's own text, e.g. code given to a child process.
AIRFLOW_IMPORT = re.compile(r"\b(from|import) airflow\b")


def _imported(tree: ast.Module, *, nested: bool) -> set[str]:
    """Absolute names imported by a module: all of them, or only its top-level statements'."""
    names: set[str] = set()
    for node in ast.walk(tree) if nested else tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from package import module` imports a module too.
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _plugin_source(module: str) -> Path | None:
    base = PLUGINS.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None  # a name imported from a module, not a module


def _reaches_airflow(names: set[str], seen: set[str]) -> bool:
    """Whether importing ``names`` imports Airflow; ``seen``: s1ops_airflow modules looked at.

    Importing ``a.b.c`` runs ``a``, ``a.b`` and ``a.b.c``; of an s1ops_airflow
    module only the top-level imports count: one inside a function runs only
    when the function is called (environment.py creates Airflow's pools so).
    """
    for name in names:
        parts = name.split(".")
        if parts[0] == AIRFLOW_PACKAGE:
            return True
        if parts[0] != OUR_AIRFLOW_PACKAGE:
            continue
        for depth in range(1, len(parts) + 1):
            module = ".".join(parts[:depth])
            source = _plugin_source(module)
            if module in seen or source is None:
                continue
            seen.add(module)
            if _reaches_airflow(_imported(ast.parse(source.read_text()), nested=False), seen):
                return True
    return False


@cache
def module_needs_airflow(path: Path) -> bool:
    """Whether a test module imports Airflow, directly or through s1ops_airflow, anywhere in it."""
    return _reaches_airflow(_imported(ast.parse(path.read_text()), nested=True), set())


def in_slow_folder(path: Path) -> bool:
    """Whether ``path`` lies where no test is fast."""
    return any(path.is_relative_to(folder) for folder in SLOW_FOLDERS)


def never_fast(path: Path) -> bool:
    """Whether no test of the file or folder ``path`` can be fast (``-m fast`` skips it)."""
    if in_slow_folder(path):
        return True
    return (
        path.suffix == ".py"
        and path.is_relative_to(AIRFLOW_LAYER_FOLDER)
        and path.name.startswith("test_")
        and module_needs_airflow(path)
    )


def is_fast(
    path: Path,
    fixture_names: set[str],
    has_marker: Callable[[str], bool],
    function: Callable[..., object] | None,
) -> bool:
    """Whether the test of ``path`` using ``fixture_names`` belongs to the fast layer."""
    if SLOW_FIXTURES & fixture_names or any(has_marker(name) for name in SLOW_MARKERS):
        return False
    if never_fast(path):
        return False
    if path.is_relative_to(AIRFLOW_LAYER_FOLDER):
        return function is not None and not AIRFLOW_IMPORT.search(inspect.getsource(function))
    return True
