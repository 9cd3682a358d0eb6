"""``autograder bench mnist``: how good and how fast is a notebook's MNIST CNN?

    autograder bench mnist [--notebook PATH] [--mnist-test-dir DIR] [--quick] [--seed N]
                           [--repeats N] [--save PATH]

Takes ``build_model`` and ``train`` from the notebook (by default the solution of
``08_keras_cnn_mnist``; pass a learner's ``.ipynb`` to measure theirs) with
:func:`autograder.notebook.load_functions`, trains that model offline on the 4,000
training digits of the 5,000-digit MNIST subset (:func:`autograder.data.mnist_subset`),
then trains the Keras "simple MNIST convnet" example (Conv 32 3×3, max-pool, Conv 64 3×3,
max-pool, flatten, dropout 0.5, Dense 10 softmax; Adam, 15 epochs, batch 128) on the same
digits, and prints one line::

    mnist params P train_s T test_acc A baseline_params P0 baseline_train_s T0 baseline_test_acc A0

``train_s`` is the wall-clock time of the training call alone (data preparation inside
``train`` included, model building excluded); the two runs share the process, so their
ratio is fair on a machine whose speed drifts slowly. Where it varies from second to
second (shared cloud machines do), ``--repeats N`` trains both models N times, taking
turns, with seeds ``seed``, ``seed + 1``, …, and prints the medians of the times and of
the accuracies. ``test_acc`` is measured on the 1,000 held-out
digits of the subset, or with ``--mnist-test-dir DIR`` on the standard MNIST test set read
from ``DIR/t10k-images-idx3-ubyte.gz`` and ``DIR/t10k-labels-idx1-ubyte.gz`` (plain,
uncompressed files work too).

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
import io
import os
import sys
import time
from pathlib import Path

import numpy as np

from autograder import paths

ASSIGNMENT = "08_keras_cnn_mnist"
IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
TEST_FILES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
QUICK_TRAIN_DIGITS = 2000
QUICK_BASELINE_EPOCHS = 2


# ---------------------------------------------------------------------------------------
# The MNIST files


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (the format of the MNIST distribution), gzip-compressed or not.

    The header is two zero bytes, a type code (0x08 for unsigned bytes), the number of
    dimensions, and one big-endian int32 per dimension; the data follow in C order.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(n) for n in np.frombuffer(raw[4:header], dtype=">u4"))
    dtype = np.dtype(IDX_DTYPES[raw[2]])
    count = int(np.prod(shape)) if shape else 1
    if len(raw) - header != count * dtype.itemsize:
        raise ValueError(f"{path}: header says {shape} {dtype} values, "
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


# ---------------------------------------------------------------------------------------
# Training and measuring


def baseline_model():
    """The Keras "simple MNIST convnet" example, compiled as there (labels as ints here)."""
    from autograder.checks.mnist import reference_architecture

    return reference_architecture()


def baseline_train(model, data, epochs: int = 15):
    """The example's training: Adam, batch 128, 15 epochs, pixels scaled to [0, 1]."""
    x = data.x_train[..., None].astype("float32") / 255
    return model.fit(x, data.y_train, batch_size=128, epochs=epochs, verbose=0)


def measure(build_model, train, data, x_test, y_test, seed: int = 0) -> dict:
    """Build, train (timed) and evaluate one model; training output is swallowed."""
    import keras

    from autograder.checks.mnist import accuracy

    keras.utils.set_random_seed(seed)
    model = build_model()
    with contextlib.redirect_stdout(io.StringIO()):
        start = time.perf_counter()
        train(model, data)
        seconds = time.perf_counter() - start
    return {"model": model, "params": int(model.count_params()), "train_s": seconds,
            "test_acc": accuracy(model, x_test, y_test)}


def _warm_up(data) -> None:
    """One tiny fit first, so that neither timed run pays TensorFlow's one-off start-up."""
    from autograder.data import Mnist

    import keras

    keras.utils.set_random_seed(0)
    tiny = Mnist(data.x_train[:256], data.y_train[:256], data.x_test[:10], data.y_test[:10], source="warm-up")
    model = baseline_model()
    with contextlib.redirect_stdout(io.StringIO()):
        baseline_train(model, tiny, epochs=1)


def median_of(runs: list[dict]) -> dict:
    """One run's figures as the medians over several runs (the parameter count is shared)."""
    return {"params": runs[0]["params"],
            "train_s": float(np.median([run["train_s"] for run in runs])),
            "test_acc": float(np.median([run["test_acc"] for run in runs]))}


def summary_line(result: dict, baseline: dict) -> str:
    return (f"mnist params {result['params']} train_s {result['train_s']:.1f} "
            f"test_acc {result['test_acc']:.4f} baseline_params {baseline['params']} "
            f"baseline_train_s {baseline['train_s']:.1f} baseline_test_acc {baseline['test_acc']:.4f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograder bench mnist", description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebook", help=f"notebook defining build_model and train "
                                           f"(default: the solution of {ASSIGNMENT})")
    parser.add_argument("--mnist-test-dir", help="folder with t10k-images-idx3-ubyte.gz and "
                                                 "t10k-labels-idx1-ubyte.gz: evaluate on them")
    parser.add_argument("--quick", action="store_true", help="smoke test: few digits, reduced training")
    parser.add_argument("--seed", type=int, default=0, help="Keras seed for both runs (default 0)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="train both models N times, taking turns; print medians (default 1)")
    parser.add_argument("--save", metavar="PATH", help="save the notebook's trained model there")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

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
    epochs = QUICK_BASELINE_EPOCHS if args.quick else 15

    _warm_up(data)
    results, baselines = [], []
    for repeat in range(args.repeats):
        seed = args.seed + repeat
        results.append(measure(found["build_model"], found["train"], data, x_test, y_test, seed=seed))
        if args.save and repeat == 0:
            results[0]["model"].save(args.save)
        baselines.append(measure(baseline_model, lambda model, d: baseline_train(model, d, epochs),
                                 data, x_test, y_test, seed=seed))
        if args.repeats > 1:
            print(f"run {repeat + 1}/{args.repeats} (seed {seed}): "
                  f"{summary_line(results[-1], baselines[-1])}", flush=True)
    print(summary_line(median_of(results), median_of(baselines)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
