"""Checks for assignment 08, a Keras CNN on MNIST: ``build_model``, ``train`` and
``predict_digits``.

The contract the notebook states and these checks test:

- ``build_model()`` returns a *compiled* Keras model that takes a batch of grey digits
  shaped ``(n, 28, 28, 1)`` (channels last) with pixel values scaled to [0, 1], contains
  convolution layers, has at most :data:`PARAM_BUDGET` parameters and outputs ``(n, 10)``
  softmax probabilities (each row sums to 1);
- ``train(model, data)`` fits that model on ``data.x_train`` ((n, 28, 28) uint8) and
  ``data.y_train`` ((n,) ints 0–9) of an :class:`autograder.data.Mnist` and returns the
  ``History`` that ``model.fit`` returns;
- ``predict_digits(model, images)`` turns ``(n, 28, 28)`` uint8 images into ``(n,)`` int
  labels.

Keras is imported only when a check runs, so importing the other assignments' checks
stays fast. Training inside :func:`check_train` is small (2,000 digits) and its accuracy
floor depends on the mode: :func:`autograder.runtime.quick` (nbgrader, the test suite)
allows the reduced training a notebook does then.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from functools import lru_cache

import numpy as np

from autograder import paths, runtime
from autograder.checks import Hints, graded
from autograder.feedback import call, describe, expect_array, fail, quiet, signature, to_array

INPUT_SHAPE = (28, 28, 1)
PARAM_BUDGET = 300_000
TRAIN_DIGITS = 2000  # digits check.train hands to train(); it judges on 800 others
# accuracy that check.train asks for on the held-out digits: reduced training, full training
ACCURACY_FLOOR = {"quick": 0.80, "full": 0.95}
TRAIN_TIMEOUT_S = 240.0


# ---------------------------------------------------------------------------------------
# Keras, quietly


def keras_module():
    """Import Keras with TensorFlow's logging turned down: nothing may reach stderr."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with quiet():
        import keras
    for name in ("tensorflow", "absl", "keras"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    except ImportError:  # absl comes with TensorFlow; without it there is nothing to silence
        pass
    return keras


def to_model_input(images: np.ndarray) -> np.ndarray:
    """The contract's input: (n, 28, 28) uint8 → (n, 28, 28, 1) float32 in [0, 1]."""
    return (np.asarray(images, dtype=np.float32) / 255.0)[..., None]


def probabilities(model, x: np.ndarray) -> np.ndarray:
    """The model's outputs for the batch ``x``, as a numpy array (inference mode)."""
    with quiet():
        return np.asarray(model(x, training=False))


def accuracy(model, images: np.ndarray, labels: np.ndarray, scale: bool = True) -> float:
    """Share of ``images`` the model labels right, fed scaled to [0, 1] or, with
    ``scale=False``, as raw 0–255 values."""
    x = to_model_input(images) if scale else np.asarray(images, dtype=np.float32)[..., None]
    predicted = np.concatenate([probabilities(model, x[i:i + 500]).argmax(axis=1)
                                for i in range(0, len(x), 500)])
    return float(np.mean(predicted == labels))


@lru_cache(maxsize=1)
def _offline_digits():
    from autograder.data import mnist_subset

    return mnist_subset()


def sample_digits(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` digits (uint8 images, int labels) from the offline subset's test part."""
    data = _offline_digits()
    index = np.random.default_rng(seed).choice(len(data.x_test), size=n, replace=False)
    return data.x_test[index], data.y_test[index]


def reference_architecture():
    """The Keras "simple MNIST convnet" example, compiled for integer labels."""
    keras = keras_module()
    from keras import layers

    model = keras.Sequential([
        keras.Input(INPUT_SHAPE),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def trained_reference():
    """A trained CNN to run learners' code with: the Keras example architecture
    (:func:`reference_architecture`, not an answer to ``build_model``) with the weights
    the package ships (``data/mnist_reference.weights.npz``)."""
    from autograder import models

    keras_module()
    with quiet():
        return models.load("mnist_reference")


def train_reference(epochs: int = 6, seed: int = 0):
    """Train :func:`reference_architecture` on the offline sample's training digits,
    deterministically; ``python -m autograder.checks.mnist`` ships the result."""
    keras = keras_module()
    import tensorflow as tf

    data = _offline_digits()
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    model = reference_architecture()
    model.fit(to_model_input(data.x_train), data.y_train, epochs=epochs, batch_size=64, verbose=0)
    return model


if __name__ == "__main__":
    from autograder import models

    trained = train_reference()
    print(f"held-out accuracy {accuracy(trained, _offline_digits().x_test, _offline_digits().y_test):.4f}")
    path = models.save_weights(trained, paths.data_file(models.SHIPPED["mnist_reference"].weights_file))
    print(f"wrote {path}")


# ---------------------------------------------------------------------------------------
# build_model


def _all_layers(model) -> list:
    return list(model._flatten_layers(include_self=False, recursive=True))


def _input_shape(model) -> tuple | None:
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    if not inputs:
        return None
    if len(inputs) != 1:
        fail(f"build_model() returned a model with {len(inputs)} inputs; a digit classifier has one, "
             f"keras.Input(shape={INPUT_SHAPE}).")
    return tuple(inputs[0].shape)


def _input_mistake(shape: tuple) -> str:
    rest = tuple(shape[1:])
    if rest == (1, 28, 28):
        return ("channels first: Keras is channels-last, so a grey 28×28 digit has shape "
                "(28, 28, 1): rows, columns, then the one channel")
    if rest == (28, 28):
        return "the channel axis is missing: Conv2D needs (28, 28, 1), one grey channel"
    if rest == (784,):
        return ("the image is flattened to 784 numbers before the network sees it: a CNN takes "
                "the image itself, (28, 28, 1), and flattens only after the convolutions")
    if rest == (28, 28, 3):
        return "three colour channels: MNIST digits are grey, one channel"
    return f"the input must be one grey 28×28 digit, shape {INPUT_SHAPE}"


def _loss_name(loss) -> str:
    if isinstance(loss, str):
        return loss.lower()
    for attribute in ("name", "__name__"):
        value = getattr(loss, attribute, None)
        if isinstance(value, str):
            return value.lower()
    fn = getattr(loss, "fn", None)
    return getattr(fn, "__name__", "").lower()


def _last_activation(model) -> str | None:
    for layer in reversed(_all_layers(model)):
        activation = getattr(layer, "activation", None)
        if activation is not None:
            return getattr(activation, "__name__", str(activation))
    return None


def _output_mistake(out: np.ndarray, model) -> str:
    activation = _last_activation(model)
    sums = out.sum(axis=1)
    if activation == "sigmoid":
        return ("the last layer uses sigmoid: each output is between 0 and 1, but they do not "
                "add up to 1. Use activation=\"softmax\" for one-of-ten classes")
    if activation == "relu":
        return ("the last layer uses relu: its outputs are non-negative scores, not probabilities. "
                "Use activation=\"softmax\"")
    if np.any(out < 0) or activation in (None, "linear"):
        return ("the last layer has no softmax: the model outputs raw scores (logits), some "
                "negative. Give the last Dense layer activation=\"softmax\"")
    return f"the rows do not sum to 1 (sums from {sums.min():.3g} to {sums.max():.3g}): end with a softmax"


@graded("build_model", hints=Hints(*[
    "Start with `keras.Input(shape=(28, 28, 1))`: Keras wants channels last, and one grey "
    "channel. Then one or two blocks of `layers.Conv2D(filters, 3, activation=\"relu\")` "
    "followed by `layers.MaxPooling2D(2)`; then `layers.Flatten()`, maybe "
    "`layers.Dropout(0.5)`, and `layers.Dense(10, activation=\"softmax\")`.",
    "Count parameters with `model.summary()`: most of them sit in the Dense layer after "
    "Flatten. Pooling before flattening keeps that layer small.",
    "Return the model compiled: `model.compile(optimizer=\"adam\", "
    "loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"])`. The sparse loss takes "
    "the labels as plain ints 0–9.",
]))
def check_build_model(build_model, seed: int = 0) -> None:
    """build_model() -> a compiled Keras CNN: (n, 28, 28, 1) in [0, 1] → (n, 10) softmax."""
    keras = keras_module()
    model = call(build_model, name="build_model", timeout=60)
    if not isinstance(model, keras.Model):
        fail(f"build_model() returned {describe(model)}; expected a Keras model, for example "
             f"keras.Sequential([...]). Did you forget `return model`?")
    shape = _input_shape(model)
    if shape is None:  # a Sequential without keras.Input: let it build itself on a batch
        try:
            with quiet():
                model(np.zeros((1, *INPUT_SHAPE), np.float32))
        except Exception as error:
            fail(f"build_model() returned a model without an input shape, and it cannot take a "
                 f"(1, 28, 28, 1) batch ({type(error).__name__}: {error}). Start the model with "
                 f"keras.Input(shape={INPUT_SHAPE}).")
        shape = _input_shape(model) or (None, *INPUT_SHAPE)
    if tuple(shape[1:]) != INPUT_SHAPE:
        fail(f"build_model() returned a model whose input shape is {shape}; expected "
             f"(None, 28, 28, 1).\n  Likely mistake: {_input_mistake(shape)}.")
    if not getattr(model, "compiled", False):
        fail("build_model() returned a model that is not compiled. Call model.compile("
             "optimizer=\"adam\", loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"]) "
             "before returning it.")
    layers = _all_layers(model)
    if not any(isinstance(layer, keras.layers.Conv2D) or "Conv2D" in type(layer).__name__
               for layer in layers):
        kinds = ", ".join(dict.fromkeys(type(layer).__name__ for layer in layers)) or "none"
        fail(f"build_model() returned a model without any Conv2D layer (its layers: {kinds}).\n"
             f"  Likely mistake: a dense-only network, not a CNN. Start with Conv2D and "
             f"MaxPooling2D blocks, and Flatten only after them.")
    n_params = model.count_params()
    if n_params > PARAM_BUDGET:
        biggest = max(layers, key=lambda layer: layer.count_params() if layer.built else 0)
        fail(f"build_model() returned a model with {n_params:,} parameters; the budget is "
             f"{PARAM_BUDGET:,}.\n  The biggest layer is {biggest.name} ({type(biggest).__name__}) "
             f"with {biggest.count_params():,}. Likely mistake: too many parameters in the Dense "
             f"layer after Flatten: pool more before flattening, or use fewer units.")
    images, _ = sample_digits(seed, 23)
    try:
        out = probabilities(model, to_model_input(images))
    except Exception as error:
        fail(f"The model from build_model() cannot predict a batch of 23 digits shaped (23, 28, 28, 1): "
             f"{type(error).__name__}: {error}")
    if out.shape != (23, 10):
        fail(f"For a batch of 23 digits the model outputs shape {out.shape}; expected (23, 10), "
             f"one probability per digit class.\n  Likely mistake: the last layer must be "
             f"Dense(10, activation=\"softmax\").")
    if not np.all(np.isfinite(out)):
        fail("The model outputs NaN or infinite values for ordinary digits.")
    if np.any(out < -1e-6) or not np.allclose(out.sum(axis=1), 1, atol=1e-3):
        fail(f"The model's 10 outputs are not probabilities: first row {np.round(out[0], 3)}, "
             f"summing to {out[0].sum():.3g}.\n  Likely mistake: {_output_mistake(out, model)}.")
    loss = getattr(model, "loss", None)
    loss_name = _loss_name(loss)
    if getattr(loss, "from_logits", False) or "from_logits': true" in repr(loss).lower():
        fail("The loss was compiled with from_logits=True, but the model already ends in a softmax.\n"
             "  Likely mistake: softmax applied twice. Keep the softmax layer and use "
             "loss=\"sparse_categorical_crossentropy\" (from_logits=False).")
    wrong_kind = ("binary", "squared", "absolute", "hinge", "huber", "poisson", "cosine", "log_cosh")
    if loss_name in ("mse", "mae", "mape", "msle") or any(word in loss_name for word in wrong_kind):
        fail(f"The model is compiled with the loss {loss_name!r}.\n  Likely mistake: a loss for "
             f"yes/no or regression targets; ten classes need "
             f"loss=\"sparse_categorical_crossentropy\" (integer labels).")


# ---------------------------------------------------------------------------------------
# train


def _train_data(seed: int):
    """A small Mnist for train() and held-out digits it never sees."""
    from autograder.data import Mnist

    data = _offline_digits()
    rng = np.random.default_rng(seed)
    train_index = rng.choice(len(data.x_train), size=TRAIN_DIGITS, replace=False)
    held_out = rng.permutation(len(data.x_test))
    small = Mnist(data.x_train[train_index].copy(), data.y_train[train_index].copy(),
                  data.x_test[held_out[:200]].copy(), data.y_test[held_out[:200]].copy(),
                  source=f"{TRAIN_DIGITS} digits of the offline subset (check.train, seed {seed})")
    judged = held_out[200:]  # disjoint from the 200 handed over as data.x_test
    return small, data.x_test[judged], data.y_test[judged]


@graded("train", hints=Hints(*[
    "Turn the uint8 images into what the model expects: add the channel axis and scale to "
    "[0, 1], `x = data.x_train[..., None].astype(\"float32\") / 255`. The labels "
    "`data.y_train` can stay ints with the sparse loss.",
    "`history = model.fit(x, data.y_train, epochs=..., batch_size=..., verbose=...)`, then "
    "`return history`. Train the model you are given; do not build a new one inside train.",
    "In quick mode (`quick()` is True when the notebook is graded) use fewer epochs, so the "
    "check finishes in seconds.",
]))
def check_train(train, build_model=None, seed: int = 0) -> None:
    """train(model, data) fits the given model on data.x_train / data.y_train and returns
    the History; the trained model must reach the mode's accuracy floor on held-out digits.

    With ``build_model`` the check trains your model; without it, the Keras example CNN.
    """
    keras = keras_module()
    keras.utils.set_random_seed(seed)
    if build_model is None:
        model = reference_architecture()
    else:
        try:
            model = call(build_model, name="build_model", timeout=60)
        except AssertionError as failure:
            fail(f"check.train trains the model of your build_model(), which failed:\n{failure}")
        if not isinstance(model, keras.Model):
            fail(f"check.train trains the model of your build_model(), which returned {describe(model)}: "
                 f"run check.build_model(build_model) first.")
    small, x_held, y_held = _train_data(seed)
    x_before = small.x_train.copy()
    before = [w.copy() for w in model.get_weights()]
    where = f"train(model, <Mnist of {TRAIN_DIGITS} training digits>)"
    with contextlib.redirect_stdout(io.StringIO()):  # training logs are not the check's output
        history = call(train, model, small, name="train", timeout=TRAIN_TIMEOUT_S)
    if not np.array_equal(small.x_train, x_before):
        fail(f"{where} changed data.x_train in place. Work on a copy, e.g. "
             f"`x = data.x_train.astype(\"float32\") / 255`.")
    if not isinstance(history, keras.callbacks.History):
        fail(f"{where} returned {describe(history)}; expected the History object that "
             f"model.fit(...) returns.\n  Likely mistake: `return model.fit(...)` (or "
             f"`return history`) is missing.")
    if not history.history.get("loss"):
        fail(f"{where} returned a History without any epoch: model.fit ran for 0 epochs.")
    after = model.get_weights()
    if all(np.array_equal(a, b) for a, b in zip(before, after)):
        fail(f"{where} did not change the model it was given.\n  Likely mistake: train builds "
             f"and fits a new model inside; fit the `model` argument instead.")
    mode = "quick" if runtime.quick() else "full"
    floor = ACCURACY_FLOOR[mode]
    try:
        scaled = accuracy(model, x_held, y_held, scale=True)
    except Exception as error:
        fail(f"After {where} the model cannot label (n, 28, 28, 1) digits: {type(error).__name__}: {error}")
    if scaled >= floor:
        return
    raw = accuracy(model, x_held, y_held, scale=False)
    message = (f"After {where}, the model labels {scaled:.1%} of {len(y_held):,} held-out digits "
               f"right (pixels scaled to [0, 1]); the floor in {mode} mode is {floor:.0%}.")
    if raw >= floor or raw > scaled + 0.2:
        message += (f"\n  Fed raw 0–255 pixel values it scores {raw:.1%}.\n  Likely mistake: the "
                    f"pixel values were not scaled to [0, 1] during training: divide by 255, as "
                    f"predict_digits does.")
    else:
        message += ("\n  Train for more epochs, check that x_train and y_train stay in the same "
                    "order, and that the learning rate is not far too high or low.")
    fail(message)


# ---------------------------------------------------------------------------------------
# predict_digits


def scale_probe():
    """A model whose answer is the digit's mean brightness, in ten bands.

    It reads the contract literally: for inputs in [0, 1] the mean pixel value of a digit
    (about 0.05 to 0.25) picks class k when it is nearest to 0.03 + 0.02·k. Raw 0–255
    input lands in class 9 for every digit, input divided by 255 twice in class 0, so a
    predict_digits that scales wrongly cannot agree with it by chance (a trained ReLU
    network, by contrast, often predicts the same digit for x and 255·x).
    """
    keras = keras_module()
    from keras import layers

    centres = 0.03 + 0.02 * np.arange(10)
    sharpness = 1e4
    model = keras.Sequential([keras.Input(INPUT_SHAPE), layers.GlobalAveragePooling2D(),
                              layers.Dense(10, activation="softmax")], name="scale_probe")
    model.layers[-1].set_weights([(2 * centres * sharpness)[None, :].astype(np.float32),
                                  (-centres ** 2 * sharpness).astype(np.float32)])
    return model


def _has_random_layers(model) -> bool:
    return any(type(layer).__name__.startswith("Random") for layer in _all_layers(model))


def _labels_from(model, x: np.ndarray) -> np.ndarray:
    return probabilities(model, x).argmax(axis=1)


def _check_labels(got, n: int, where: str) -> np.ndarray:
    """Shape and type of predict_digits' answer: (n,) ints."""
    array = to_array(got, where)
    if array.shape == (n, 10):
        fail(f"{where} returned an array of shape {array.shape}.\n  Likely mistake: these are the "
             f"probabilities of the 10 classes; return one label per digit, the index of the "
             f"largest probability: `.argmax(axis=1)`.")
    if array.shape == (10,) and n != 10:
        fail(f"{where} returned 10 values for {n} digits.\n  Likely mistake: argmax over the "
             f"wrong axis (axis=0 picks a digit per class); use axis=1, one label per digit.")
    if array.shape == (n, 1):
        fail(f"{where} returned shape {array.shape}; expected ({n},): flatten it with .ravel().")
    if array.shape != (n,):
        fail(f"{where} returned shape {array.shape}; expected ({n},), one label per digit.")
    if not np.issubdtype(array.dtype, np.integer):
        hint = (" (whole numbers, so `.astype(int)` is all that is missing)"
                if np.all(np.isfinite(array)) and np.all(array == np.round(array)) else "")
        fail(f"{where} returned {describe(array)}; labels must be ints{hint}.")
    return array


@graded("predict_digits", hints=Hints(*[
    "Prepare the images exactly as for training: `x = images[..., None].astype(\"float32\") / 255`.",
    "`probabilities = model.predict(x, verbose=0)` has shape (n, 10); the label of each digit "
    "is the index of its largest probability: `probabilities.argmax(axis=1)`.",
    "Use `model.predict(x)` or `model(x, training=False)`, not `model(x)`: a plain call runs the "
    "random augmentation layers as in training.",
]))
def check_predict_digits(predict_digits, seed: int = 0) -> None:
    """predict_digits(model, images) -> (n,) int labels for (n, 28, 28) uint8 images.

    Run with the course's trained CNN (real predictions) and with a probe model whose
    answer depends on the pixel scale (the [0, 1] contract).
    """
    rng = np.random.default_rng(seed)
    sizes = (int(rng.integers(30, 60)) | 1, 1, 256)
    for model in (trained_reference(), scale_probe()):
        for n in sizes:
            images, _ = sample_digits(seed + n, n)
            where = signature("predict_digits", "<model>", images).replace("'<model>'", "model")
            probs = probabilities(model, to_model_input(images))
            expected = probs.argmax(axis=1)
            got = call(predict_digits, model, images, name="predict_digits", timeout=60)
            array = _check_labels(got, n, where)
            # a near-tie between the two most likely classes may tip either way in float32
            ranked = np.sort(probs, axis=1)
            second = np.argsort(probs, axis=1)[:, -2]
            tie = (ranked[:, -1] - ranked[:, -2] < 1e-4) & (array.astype(np.int64) == second)
            expected = np.where(tie, array, expected)
            if not np.array_equal(array, expected) and _has_random_layers(model):
                again = call(predict_digits, model, images, name="predict_digits", timeout=60)
                if not np.array_equal(np.asarray(again), array):
                    fail(f"{where} gives different labels each time it is called.\n  Likely mistake: "
                         f"the model was called as model(x), which in Keras runs its random "
                         f"augmentation layers (RandomTranslation, RandomRotation…) as in training. "
                         f"Use model.predict(x, verbose=0) or model(x, training=False).")
            raw = np.asarray(images, dtype=np.float32)[..., None]
            expect_array(array, expected, where, mistakes={
                "the pixel values were not scaled to [0, 1] (divide the uint8 images by 255)":
                    lambda: _labels_from(model, raw),
                "the pixel values were divided by 255 twice": lambda: _labels_from(model, raw / 255 ** 2),
                "rows and columns swapped (the images were transposed)":
                    lambda: _labels_from(model, to_model_input(images.transpose(0, 2, 1))),
                "the images were inverted (255 - pixel): MNIST digits are white on black":
                    lambda: _labels_from(model, to_model_input(255 - images)),
            })
