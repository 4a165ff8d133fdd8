"""CPU per report of the flow a worker runs, in this one process, stage by stage.

    .venv/bin/python bench/profile_flow.py [--n 30] [--warm 20] [--profile out.prof]

The bench's generator (bench_pipeline.make_burst: 20 consultants, their chamber, roster and
officer) makes ``warm + n`` reports; the flow (``build_flow``, as a worker builds it) runs the
first ``warm`` to load every key and warm pyHanko, then the next ``n`` measured: CPU time of
this process (``time.process_time``) and of each stage (``time.thread_time`` around the
stage's ``run``). LibreOffice converts in its own process and is not counted here (the
bench counts it). CPU time, not wall time: other work on the machine barely moves it, though
a saturated machine still inflates it by 10-30 %: compare runs made one after the other.
``--profile`` writes a cProfile file of the measured reports (pstats).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_pipeline

from docflow.config import Clock, Home
from docflow.inbox.runner import Runner
from docflow.workflow import flow as flow_module
from docflow.workflow import pool
from docflow.workflow.build import build_flow
from docflow.workflow.services import Services, build_services

STAGE_CPU: dict[str, float] = {}


class _Timed:
    """A stage whose ``run`` adds its thread CPU time to ``STAGE_CPU``."""

    def __init__(self, stage: Any):
        self._stage = stage
        self.name, self.product, self.replay = stage.name, stage.product, stage.replay

    def run(self, item: Any, services: Services) -> Any:
        started = time.thread_time()
        try:
            return self._stage.run(item, services)
        finally:
            elapsed = time.thread_time() - started
            STAGE_CPU[self.name] = STAGE_CPU.get(self.name, 0.0) + elapsed


_run_stages = flow_module.run_stages


def _timed_run_stages(stages: Sequence[Any], item: Any, services: Services) -> Any:
    return _run_stages([_Timed(s) for s in stages], item, services)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=30, help="reports measured")
    parser.add_argument("--warm", type=int, default=20, help="reports run first, not measured")
    parser.add_argument("--profile", type=Path, help="write a cProfile file of the measured")
    parser.add_argument(
        "--scaled",
        action="store_true",
        help="the scaled-out configuration (issue 18): [storage] PostgreSQL + S3 and the shared "
        "journal, on the servers of scripts/scale-up.sh (their variables in the environment; a "
        "private schema, dropped at the end)",
    )
    args = parser.parse_args()
    for name in pool.PRELOAD:  # what a worker has imported before its first report
        importlib.import_module(name)
    flow_module.run_stages = _timed_run_stages
    database = None
    with tempfile.TemporaryDirectory(prefix="docflow-profile-") as tmp:
        home = Home(Path(tmp) / "home").ensure()
        toml = "converters = 1\n"
        if args.scaled:
            import os
            import uuid

            from docflow.storage import open_database

            schema = f"profile_{uuid.uuid4().hex[:10]}"
            database = open_database(os.environ["DOCFLOW_DATABASE_URL"], schema=schema)
            url = f"{os.environ['DOCFLOW_DATABASE_URL']}?options=-csearch_path%3D{schema}"
            toml += (
                f'[storage]\ndatabase = "{url}"\nobjects = "s3://{os.environ["DOCFLOW_S3_BUCKET"]}"\n'
                '[queue]\nbackend = "postgres"\n'
            )
        (home.root / "docflow.toml").write_text(toml, encoding="utf-8")
        burst = bench_pipeline.make_burst(home, args.warm + args.n, 20)
        services = build_services(home, clock=Clock(bench_pipeline.TODAY))
        flow = build_flow(services)
        shared = services.journal if args.scaled else None
        runner = Runner(home, flow, workers=1, settle=0, journal=shared)  # type: ignore[arg-type]
        entries = []
        for name, content in burst:
            (home.inbox / name).write_bytes(content)
            entry = runner.claim(home.inbox / name)
            assert entry is not None
            entries.append(entry)
        states: dict[str, int] = {}
        for entry in entries[: args.warm]:
            flow(entry, runner.work_root / entry.token)
        STAGE_CPU.clear()
        profile = cProfile.Profile() if args.profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profile is not None:
            profile.enable()
        for entry in entries[args.warm :]:
            outcome = flow(entry, runner.work_root / entry.token)
            states[outcome.state] = states.get(outcome.state, 0) + 1
        if profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        runner.close()
        services.close()
        if database is not None:
            database.drop_schema()
            database.dispose()
    n = args.n
    print(f"{n} reports: {states}")
    print(f"  CPU {1000 * cpu / n:.1f} ms per report (wall {1000 * wall / n:.1f} ms)")
    per_stage = {k: round(1000 * v / n, 1) for k, v in STAGE_CPU.items()}
    print(f"  stage CPU ms per report: {per_stage}")


if __name__ == "__main__":
    main()
