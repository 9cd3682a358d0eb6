"""Where ``grade_one`` runs: Dask distributed workers, on this machine or on a cluster.

``autograder grade`` submits one task per submission to a Dask cluster and records each
result as it completes. Without ``--scheduler`` it starts a local cluster (one worker
process per ``--workers``, one thread each); with ``--scheduler tcp://HOST:8786`` it uses
an existing one (``dask scheduler`` and ``dask worker`` processes, dask-kubernetes,
dask-jobqueue: see docs/grading.md). Each worker process keeps one sandbox (the
preloaded kernel template of :mod:`autograder.grading.zygote`) for all the submissions
it grades, so start-up and imports are paid once per worker. If a worker dies, Dask
runs its tasks again elsewhere; ``grade_one`` has no side effects, so a task run twice
gives the same result, recorded once.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Iterator

from autograder.grading.records import Job, Result
from autograder.grading.sandbox import SandboxConfig

try:  # instructor extra
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover - reported by cluster() when used
    WorkerPlugin = object


def grade_on_worker(job: Job, config: SandboxConfig) -> Result:
    """The task: grade one submission in this worker's sandbox."""
    from autograder.grading.grade_one import grade_one

    return grade_one(job, config=config)


class SandboxPlugin(WorkerPlugin):
    """Starts each worker's sandbox when the worker joins and closes it when it leaves."""

    name = "autograder-sandbox"

    def __init__(self, config: SandboxConfig):
        self.config = config

    def setup(self, worker):  # noqa: D102
        import threading

        from autograder.grading.sandbox import for_this_process

        sandbox = for_this_process(self.config)
        threading.Thread(target=_start_quietly, args=(sandbox,), daemon=True).start()

    def teardown(self, worker):  # noqa: D102
        from autograder.grading.sandbox import close_all

        close_all()


def _start_quietly(sandbox) -> None:
    from autograder.grading.grade_one import warm_up

    try:
        sandbox.start()
    except Exception:  # noqa: BLE001 - the first task will try again and report why
        pass
    warm_up(tuple(sandbox.config.preload))


@contextlib.contextmanager
def cluster(address: str | None, workers: int) -> Iterator[object]:
    """A Dask client on ``address``, or on a new local cluster of ``workers`` processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise RuntimeError("Dask is not installed: pip install 'cnn-course-autograder[instructor]'") from None
    if address:
        client = Client(address, timeout="60s")
        try:
            yield client
        finally:
            client.close()
        return
    local = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                         memory_limit=0, silence_logs=logging.ERROR, host="127.0.0.1")
    client = Client(local)
    try:
        yield client
    finally:
        client.close()
        local.close()


def run(client, jobs: list[Job], config: SandboxConfig) -> Iterator[tuple[Job, object]]:
    """Grade ``jobs`` on the cluster; yields (job, Result or the exception raised instead) as they finish."""
    from distributed import as_completed

    client.register_plugin(SandboxPlugin(config))
    futures = {}
    for number, job in enumerate(jobs):
        future = client.submit(grade_on_worker, job, config, key=f"grade-{job.assignment.name}-{number:05d}-"
                               f"{job.digest}", pure=False)
        futures[future] = job
    for future in as_completed(futures):
        job = futures.pop(future)
        try:
            outcome = future.result()
        except Exception as error:  # noqa: BLE001 - e.g. KilledWorker: that student's row says so
            outcome = error
        future.release()
        yield job, outcome
