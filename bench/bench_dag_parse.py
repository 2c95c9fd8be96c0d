"""Time parsing the DAG bundle with N tiles (prints numbers; not a test).

Run: python bench/bench_dag_parse.py [N] [--profile]. Each figure comes from a
fresh interpreter with Airflow already imported, as in Airflow's parsing
processes:

* worker: a task's process building only its DAG (Airflow's parsing context);
* processor: the dag-processor's whole job for the file, split into
  importing the file (building every DAG), the DagBag's checks, and
  serializing every DAG for the metadata database.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from s1ops_airflow.environment import airflow_environment  # noqa: E402

from s1ops.grid import enumerate_tile_ids  # noqa: E402
from s1ops.testing.demo_site import write_demo_request  # noqa: E402

DAG_FOLDER = REPO / "dags"

_WORKER = """
import time, runpy, airflow.sdk, s1ops_airflow.factory
from pathlib import Path
t = time.perf_counter()
dags = 0
for path in sorted(Path({folder!r}).glob("*.py")):
    g = runpy.run_path(str(path))
    dags += sum(k.startswith("s1tiling_") for k in g)
print("worker", time.perf_counter() - t, dags)
"""

_PROCESSOR = """
import time, sys
import airflow.sdk, s1ops_airflow.factory
from airflow.dag_processing.dagbag import BundleDagBag
from airflow.serialization.serialized_objects import DagSerialization
from pathlib import Path
worst = 0.0
total = 0.0
dags = 0
for path in sorted(Path({folder!r}).glob("*.py")):
    t = time.perf_counter()
    bag = BundleDagBag(dag_folder=str(path), bundle_path=Path({folder!r}),
                       bundle_name="dags-folder", load_op_links=False)
    loaded = time.perf_counter()
    if bag.import_errors:
        sys.exit(str(bag.import_errors))
    for dag in bag.dags.values():
        DagSerialization.to_dict(dag)
    done = time.perf_counter()
    dags += len(bag.dags)
    worst = max(worst, done - t)
    total += done - t
    print(f"  {{path.name}}: {{len(bag.dags)}} DAGs, load+checks {{loaded - t:.2f}} s, "
          f"serialize {{done - loaded:.2f}} s")
print("processor", total, worst, dags)
"""


def _run(code: str, env: dict[str, str], profile: bool, scratch: Path) -> str:
    script = scratch / "parse.py"
    script.write_text(code)
    command = [sys.executable]
    if profile:
        command += ["-m", "cProfile", "-s", "cumulative"]
    done = subprocess.run([*command, str(script)], env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr or done.stdout)
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("tiles", nargs="?", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="print the processor's profile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="s1ops-bench-dags-") as scratch:
        work = Path(scratch)
        tiles = enumerate_tile_ids()[: args.tiles]
        config = write_demo_request(
            work / "request.cfg",
            work_dir=work,
            dem_dir=work / "dem",
            geoid_file=work / "egm96.grd",
            eodag_config=work / "eodag.yml",
            tiles=tuple(tiles),
        )
        env = {
            **os.environ,
            **airflow_environment(REPO, work / "airflow"),
            "S1OPS_CONFIG": str(config),
        }
        middle = f"s1tiling_{tiles[len(tiles) // 2]}"
        worker_env = {**env, "_AIRFLOW_PARSING_CONTEXT_DAG_ID": middle}
        folder = str(DAG_FOLDER)
        worker = _run(_WORKER.format(folder=folder), worker_env, False, work).split()
        out = _run(_PROCESSOR.format(folder=folder), env, args.profile, work)
        print(f"{args.tiles} tiles, DAG folder {DAG_FOLDER}")
        print(f"worker (parsing context): {float(worker[1]):.2f} s, {worker[2]} DAG built")
        lines = out.splitlines()
        summary = next(line for line in lines if line.startswith("processor"))
        _, total, worst, dags = summary.split()
        print("\n".join(line for line in lines if line.startswith("  ")))
        print(
            f"dag-processor: {dags} DAGs, {float(total):.2f} s in all, "
            f"slowest file {float(worst):.2f} s"
        )
        if args.profile:
            print("\n".join(lines[lines.index(summary) + 1 :][:80]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
