"""Time parsing the DAG folder with N tiles (prints numbers; not a test).

Run: python bench/bench_dag_parse.py [N ...] [--profile] (default: 1 000 and
10 000 tiles). The DAG folder holds ``SHARD_COUNT`` shard files of tile DAGs
and the maintenance file. As Airflow does, one process with Airflow imported
forks a child per file, so each figure includes importing the factory and
reading the request file (paid by every file):

* processor: the dag-processor's whole job for each file, as its
  ``_parse_file``: importing the file (building its DAGs) with the DagBag's
  checks, serializing every DAG, and encoding the result sent to the manager.
  Per file (the slowest one is what ``dag_file_processor_timeout`` is about)
  and in all: ``[dag_processor] parsing_processes`` files run at once, so the
  wall time of a parse of the folder is about the total / that number.
* worker: a task's process parsing its DAG's file with Airflow's parsing
  context set: the file that owns the DAG builds only it; every other file
  builds nothing.
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
from s1ops_airflow.shards import SHARD_COUNT, shard_file_name, shard_of  # noqa: E402

from s1ops.grid import enumerate_tile_ids  # noqa: E402
from s1ops.testing.demo_site import write_demo_request  # noqa: E402

DAG_FOLDER = REPO / "dags"

# Run in a child interpreter: Airflow reads its configuration when imported.
# Each file is parsed in a process forked from one that has imported what
# Airflow's own processes import before forking (not s1ops_airflow).
_CHILD = """
import os, sys, time, cProfile, pstats
from pathlib import Path
import airflow.sdk
import structlog
from airflow.dag_processing.dagbag import BundleDagBag
from airflow.dag_processing.processor import DagFileParsingResult, _serialize_dags
from airflow.sdk.execution_time.comms import _RequestFrame

FOLDER = Path({folder!r})
WORKER = {worker!r} or None
PROFILE = {profile!r}
log = structlog.get_logger()


# CPU time of the file's process: what an idle core's wall time would be (this
# machine's cores may be shared); wall time beside it.
clock = time.process_time


def processor(path):
    t = clock()
    bag = BundleDagBag(dag_folder=str(path), bundle_path=FOLDER, bundle_name="dags-folder",
                       load_op_links=False)
    loaded = clock()
    if bag.import_errors:
        sys.exit(str(bag.import_errors))
    serialized, errors = _serialize_dags(bag, log)
    if errors:
        sys.exit(str(errors))
    result = DagFileParsingResult(fileloc=str(path), serialized_dags=serialized, import_errors={{}})
    _RequestFrame(id=0, body=result.model_dump()).as_bytes()
    done = clock()
    return len(bag.dags), loaded - t, done - loaded


def worker(path):
    import runpy
    t = clock()
    if path.name == WORKER:  # the owner file: how much of it is importing s1ops
        import s1ops_airflow.factory, s1ops.config.request
    imported = clock()
    g = runpy.run_path(str(path))
    return sum(k.startswith("s1tiling_") for k in g), clock() - t, imported - t


for path in sorted(FOLDER.glob("*.py")):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        profile = cProfile.Profile() if PROFILE and path.name.endswith("_00.py") else None
        if profile:
            profile.enable()
        wall = time.perf_counter()
        dags, first, second = (worker if WORKER is not None else processor)(path)
        wall = time.perf_counter() - wall
        if profile:
            profile.disable()
            pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        os.write(write, f"RESULT {{path.name}} {{dags}} {{first}} {{second}} {{wall}}\\n".encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        line = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status:
        sys.exit(f"{{path.name}}: child exited with status {{status}}")
    print(line, end="", flush=True)
"""


def _run(env: dict[str, str], *, worker: str, profile: bool, scratch: Path) -> list[list[str]]:
    """Per file: name, DAGs, two CPU times, wall time. ``worker``: the owner file's name."""
    script = scratch / ("worker.py" if worker else "processor.py")
    script.write_text(_CHILD.format(folder=str(DAG_FOLDER), worker=worker, profile=profile))
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr or done.stdout)
    if profile:
        print(done.stderr)
    # Airflow may log to stdout too.
    return [line.split()[1:] for line in done.stdout.splitlines() if line.startswith("RESULT ")]


def bench(tiles_count: int, profile: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="s1ops-bench-dags-") as scratch:
        work = Path(scratch)
        tiles = enumerate_tile_ids()[:tiles_count]
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
        middle = tiles[len(tiles) // 2]
        worker_env = {**env, "_AIRFLOW_PARSING_CONTEXT_DAG_ID": f"s1tiling_{middle}"}
        print(f"{tiles_count} tiles, {SHARD_COUNT} shard files + maintenance in {DAG_FOLDER}")
        rows = _run(env, worker="", profile=profile, scratch=work)
        for name, dags, load, serialize, wall in rows:
            print(
                f"  {name}: {dags} DAGs, import + checks {float(load):.2f} s, "
                f"serialize + send {float(serialize):.2f} s (wall {float(wall):.2f} s)"
            )
        cpu = [float(load) + float(serialize) for _, _, load, serialize, _ in rows]
        dags = sum(int(row[1]) for row in rows)
        print(
            f"dag-processor, CPU s: {dags} DAGs in {len(rows)} files, slowest file "
            f"{max(cpu):.2f} s, mean {sum(cpu) / len(cpu):.2f} s, total {sum(cpu):.2f} s "
            f"(wall: slowest {max(float(row[4]) for row in rows):.2f} s, "
            f"total {sum(float(row[4]) for row in rows):.2f} s)"
        )
        owner = shard_file_name(shard_of(middle))
        built = {
            row[0]: (int(row[1]), float(row[2]), float(row[3]), float(row[4]))
            for row in _run(worker_env, worker=owner, profile=False, scratch=work)
        }
        others = [row[1] for name, row in built.items() if name != owner]
        n, cpu_s, imports_s, wall_s = built[owner]
        print(
            f"worker (parsing context s1tiling_{middle}), CPU s: its file {owner} "
            f"{cpu_s:.2f} s (importing s1ops {imports_s:.2f} s; wall {wall_s:.2f} s), "
            f"{n} DAG built; other files: {sum(row[0] for row in built.values()) - n} DAGs "
            f"built, at most {max(others):.2f} s"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("tiles", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--profile", action="store_true", help="profile shard 00's parse")
    args = parser.parse_args()
    for count in args.tiles:
        bench(count, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
