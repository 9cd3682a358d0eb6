"""A Dask cluster for `autograder grade --scheduler` on a batch cluster (Slurm; dask-jobqueue).

    pip install dask-jobqueue
    python grading/dask-jobqueue.py            # prints the scheduler's address, keeps it up
    autograder grade 01_images_as_arrays --scheduler tcp://LOGIN-NODE:8786

Each batch job starts one Dask worker in the grading image (Apptainer/Singularity can run
the image built from grading/Containerfile: `apptainer build grader.sif docker://REGISTRY/
cnn-course-grader:VERSION`), or in a virtual environment made with `make setup` on a
shared file system; the nodes need bubblewrap and unprivileged user namespaces.
PBS, SGE, LSF and HTCondor work the same way with their *Cluster classes.
"""

import time

from dask_jobqueue import SLURMCluster

cluster = SLURMCluster(
    queue="normal",
    cores=1,                    # one submission at a time per worker
    processes=1,
    memory="4GB",               # one submission (--memory-mb 2048) + the template and the grader
    walltime="02:00:00",
    job_extra_directives=["--ntasks=1"],
    python="apptainer exec grader.sif python",   # or: /shared/course/.venv/bin/python
    worker_extra_args=["--nthreads", "1", "--memory-limit", "0"],
    scheduler_options={"port": 8786, "dashboard_address": ":8787"},
)
cluster.scale(jobs=16)
print(cluster.scheduler_address, flush=True)
while True:
    time.sleep(60)
