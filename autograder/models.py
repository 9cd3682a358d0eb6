"""The trained networks the course ships, in a form every Keras 3 release loads.

A ``.keras`` file stores the model's configuration as the saving Keras wrote it, and an
older Keras may refuse keys a newer one added (Colab's Keras 3.13 rejects files saved by
3.15). So the course ships only the *weights*, as plain numpy arrays in an ``.npz`` file,
and builds each architecture with code in this package: whatever the installed Keras
(3.10 and later), the same layers are built and the same numbers loaded into them.

    model = autograder.models.load("sudoku_digits")

Each shipped model names the function that builds it and the script that trains it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from autograder import paths


@dataclass(frozen=True)
class ShippedModel:
    """A trained network in ``data/``: its weights file and the code behind it."""
    name: str
    builder: str  # "module:function" returning the (uncompiled) Keras model
    weights_file: str  # in data/
    made_by: str  # the command that retrains it


SHIPPED = {
    model.name: model for model in (
        ShippedModel("sudoku_digits", "autograder.sudoku.train_digits:build_model",
                     "sudoku_digits.weights.npz",
                     "COURSE_OFFLINE=1 python -m autograder.sudoku.train_digits"),
        ShippedModel("mnist_reference", "autograder.checks.mnist:reference_architecture",
                     "mnist_reference.weights.npz",
                     "COURSE_OFFLINE=1 python -m autograder.checks.mnist"),
    )
}


def save_weights(model, path: str | Path) -> Path:
    """Write ``model``'s weights, in layer order, to an ``.npz`` file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"w{index:03d}": np.asarray(w) for index, w in enumerate(model.get_weights())}
    np.savez_compressed(path, **arrays)
    return path


def load_weights(model, path: str | Path):
    """Load weights written by :func:`save_weights` into ``model`` (same architecture)."""
    with np.load(path) as stored:
        arrays = [stored[key] for key in sorted(stored.files)]
    expected = [tuple(w.shape) for w in model.get_weights()]
    if [a.shape for a in arrays] != expected:
        raise ValueError(f"{Path(path).name} holds weights of shapes {[a.shape for a in arrays]}, "
                         f"but the model needs {expected}")
    model.set_weights(arrays)
    return model


def _builder(spec: str):
    module, function = spec.split(":")
    return getattr(importlib.import_module(module), function)


@lru_cache(maxsize=None)
def load(name: str):
    """The shipped model ``name`` ('sudoku_digits', 'mnist_reference'), built and loaded once."""
    if name not in SHIPPED:
        raise ValueError(f"no shipped model called {name!r}; there are {', '.join(sorted(SHIPPED))}")
    shipped = SHIPPED[name]
    model = _builder(shipped.builder)()
    return load_weights(model, paths.data_file(shipped.weights_file))
