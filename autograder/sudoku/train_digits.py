"""Train the Sudoku digit classifier shipped as ``data/sudoku_digits.weights.npz``.

Rerun from the repository root, with the ``dev`` extra installed (its fonts)::

    COURSE_OFFLINE=1 python -m autograder.sudoku.train_digits

7 to 11 minutes on 2 CPU cores shared with a test run (2 to 4.5 of them rendering
the cells), up to 40 when the cores are very busy. ``--out PATH``
writes elsewhere, ``--cells N`` changes the number of rendered cells (default 48,000),
``--epochs E`` the epochs (default 8).

What it does:

1. renders labelled Sudoku cells with :func:`autograder.sudoku.digits.render_cells`:
   printed digits 1-9 in every font family of :func:`~autograder.sudoku.digits.printed_fonts`,
   degraded like phone photos of newspapers (shifts, scale, weight, tilt; faint and
   coloured ink; dim paper, shading, shadow edges, folds; grid-line remnants, specks,
   neighbours' digits; 8-40 pixel tall digits, blur, noise, JPEG), 10 % of the digits
   handwritten (MNIST through :func:`autograder.data.load_mnist`, zeros left out), and
   22 % empty cells, half of them cluttered;
2. turns every cell into the network's input with the **notebook's own** ``digit_box``
   and ``digit_image`` (read from ``solutions/09_sudoku_ocr/09_sudoku_ocr.nb.py``), so
   training and use see identical 28×28 images. A digit cell that ``digit_box`` calls
   empty is left out; an empty cell whose clutter ``digit_box`` takes for a digit is a
   "no digit" example, label 0, and so is rendered clutter
   (:func:`~autograder.sudoku.digits.render_clutter`: smudges, pencil ticks, a
   neighbour's digit half inside the cell) that passes ``digit_box``, for 6 % of the
   examples;
3. trains a small CNN (126,410 parameters, 10 softmax outputs as for MNIST: output k is
   digit k, output 0 "no digit") with Adam, and saves it without optimizer state.

With COURSE_OFFLINE=1 (the 5,000-digit MNIST subset) and the same package versions the
weights are reproduced exactly: seeds are fixed and TensorFlow runs deterministic ops.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from autograder import models, paths
from autograder.sudoku import digits

ASSIGNMENT = "09_sudoku_ocr"


def notebook_functions(names=("digit_box", "digit_image", "cell_ink", "to_gray")) -> dict:
    """The named functions of the solution notebook's source (its imports, defs and the
    constants they read), loaded with :func:`autograder.notebook.load_functions`."""
    # Imported here: models.load builds the digit network from this module, and a learner's
    # core install (a JupyterHub image, a laptop without the lab extra) has no nbformat.
    from autograder.notebook import load_functions

    return load_functions(paths.source_path(ASSIGNMENT), names)


def make_dataset(n_cells: int, seed: int, mnist=None, no_digit_fraction: float = 0.06
                 ) -> tuple[np.ndarray, np.ndarray, dict]:
    """Inputs (n, 28, 28, 1) float32 and labels (n,) from ``n_cells`` rendered cells, plus
    "no digit" examples (label 0) for ``no_digit_fraction`` of the kept examples: rendered
    clutter (:func:`~autograder.sudoku.digits.render_clutter`) that ``digit_box`` takes
    for a digit."""
    fns = notebook_functions()
    cells, labels = digits.render_cells(n_cells, seed=seed, empty_fraction=0.22, mnist=mnist,
                                        handwritten_fraction=0.1 if mnist is not None else 0.0,
                                        hard_fraction=0.5)
    inputs, kept = [], []
    missed = 0
    for cell, label in zip(cells, labels):
        box = fns["digit_box"](cell)
        if box is None:
            missed += bool(label)
            continue
        inputs.append(fns["digit_image"](cell, box))
        kept.append(label)
    wanted = round(no_digit_fraction * len(kept))
    rng = np.random.default_rng(seed + 500_000)
    clutter = 0
    for _ in range(12 * wanted):
        if clutter >= wanted:
            break
        cell = digits.render_clutter(rng)
        box = fns["digit_box"](cell)
        if box is not None:
            inputs.append(fns["digit_image"](cell, box))
            kept.append(0)
            clutter += 1
    stats = {"cells": n_cells, "digits_missed_by_digit_box": missed, "clutter_examples": clutter,
             "examples": len(kept)}
    return np.array(inputs, np.float32)[..., None], np.array(kept), stats


def build_model(compile: bool = True):
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(),
        layers.Conv2D(32, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ], name="sudoku_digits")
    if compile:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(paths.data_file(models.SHIPPED["sudoku_digits"].weights_file)))
    parser.add_argument("--cells", type=int, default=48_000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    start = time.time()

    from autograder.data import load_mnist

    mnist = load_mnist(seed=args.seed)
    print(mnist, flush=True)
    x, y, stats = make_dataset(args.cells, seed=args.seed, mnist=(mnist.x_train, mnist.y_train))
    print(f"training set: {stats} (label counts {np.bincount(y, minlength=10).tolist()}), "
          f"{time.time() - start:.0f} s", flush=True)
    x_val, y_val, val_stats = make_dataset(max(2000, args.cells // 12), seed=args.seed + 1000,
                                           mnist=(mnist.x_test, mnist.y_test))
    print(f"validation set: {val_stats}", flush=True)

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()
    model = build_model()
    model.fit(x, y, batch_size=128, epochs=args.epochs, validation_data=(x_val, y_val), verbose=2)
    loss, accuracy = model.evaluate(x_val, y_val, verbose=0)
    digits_only = y_val > 0
    predicted = np.asarray(model(x_val[digits_only], training=False))[:, 1:].argmax(axis=1) + 1
    print(f"validation: accuracy {accuracy:.4f} (10 classes); digits read right "
          f"{np.mean(predicted == y_val[digits_only]):.4f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    models.save_weights(model, args.out)  # weights only: any Keras 3 builds the layers and loads them
    print(f"saved {args.out} ({Path(args.out).stat().st_size / 1e6:.2f} MB) in {time.time() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
