"""Checks for assignment 08, a Keras CNN on MNIST: ``build_model``, ``train`` and
``predict_digits``.

The contract the notebook states and these checks test, by what the code *does* (a model
is judged by running it, not by reading its layer list or its declared input):

- ``build_model()`` returns a new, *compiled* Keras model that takes a batch of grey
  digits shaped ``(n, 28, 28, 1)`` (channels last) with pixel values in [0, 1] and
  outputs ``(n, 10)`` probabilities (each row sums to 1); its output depends on at least
  one convolution with a spatial filter (larger than 1×1); it has at most
  :data:`PARAM_BUDGET` parameters; it is compiled with a loss that computes the
  cross-entropy of *integer* labels from probabilities (``sparse_categorical_crossentropy``);
- ``train(model, data)`` fits the ``model`` it is given on all of ``data.x_train``
  ((n, 28, 28) uint8) and ``data.y_train`` ((n,) ints 0–9) of an
  :class:`autograder.data.Mnist`, without a validation split, never reads ``data.x_test``
  or ``data.y_test``, changes nothing in ``data``, and returns the ``History`` of every
  epoch it trained. The check hands it digits whose labels are renamed by a permutation
  (every 3 labelled 7, say), so only a model that learned from ``data.y_train`` scores;
  the check calls ``train`` in quick mode (:func:`autograder.runtime.quick` is True while
  it runs, in the notebook as under nbgrader, so that a ✔ in the notebook means the same
  at grading), and afterwards the model must label at least :data:`ACCURACY_FLOOR` of 800
  other digits the way ``data.y_train`` would;
- ``predict_digits(model, images)`` turns ``(n, 28, 28)`` uint8 images into an ``(n,)``
  array of int labels: the most probable class of each image for the ``model`` it is
  given, asked in inference mode (``model.predict`` or ``model(x, training=False)``).
  Its check runs it with models whose answers are known: a trained CNN, a model that
  answers one class for everything, one whose answer depends on the pixel scale, and one
  with a training-only augmentation layer. How well the learner's own network does is
  judged by ``train``'s check, not by this one.

Keras is imported only when a check runs, so importing the other assignments' checks
stays fast.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from autograder import paths
from autograder.checks import Hints, graded
from autograder.data import Mnist
from autograder.feedback import call, describe, fail, name_mistake, quiet, signature, to_array

INPUT_SHAPE = (28, 28, 1)
PARAM_BUDGET = 300_000
TRAIN_DIGITS = 2000  # digits check.train hands to train()
JUDGED_DIGITS = 800  # other digits it judges the trained model on
# share of the judged digits the model must label right after train() in quick mode
ACCURACY_FLOOR = 0.80
TRAIN_TIMEOUT_S = 240.0
BATCH_PROBE_SIZE = 23


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


def predicted_labels(model, x: np.ndarray, batch: int = 500) -> np.ndarray:
    """The most probable class of every example of ``x`` (inference mode, in batches)."""
    return np.concatenate([probabilities(model, x[i:i + batch]).argmax(axis=1)
                           for i in range(0, len(x), batch)])


def accuracy(model, images: np.ndarray, labels: np.ndarray, scale: bool = True) -> float:
    """Share of ``images`` the model labels right, fed scaled to [0, 1] or, with
    ``scale=False``, as raw 0–255 values."""
    x = to_model_input(images) if scale else np.asarray(images, dtype=np.float32)[..., None]
    return float(np.mean(predicted_labels(model, x) == labels))


@lru_cache(maxsize=1)
def _offline_digits() -> Mnist:
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
# build_model: what the model does


def all_layers(model) -> list:
    """Every layer inside ``model``, nested models included."""
    return list(model._flatten_layers(include_self=False, recursive=True))


def _declared_input_shape(model) -> tuple | None:
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    if not inputs or len(inputs) != 1:
        return None
    return tuple(inputs[0].shape)


def _input_mistake(shape: tuple | None) -> str:
    """What the declared input shape says about a model that cannot take the contract's batch."""
    rest = tuple(shape[1:]) if shape else None
    if rest == (1, 28, 28):
        return ("channels first: Keras is channels-last, so a grey 28×28 digit has shape "
                "(28, 28, 1): rows, columns, then the one channel")
    if rest == (784,):
        return ("the image is flattened to 784 numbers before the network sees it: a CNN takes "
                "the image itself, (28, 28, 1), and flattens only after the convolutions")
    if rest is not None and len(rest) == 3 and rest[-1] == 3:
        return "three colour channels: MNIST digits are grey, one channel"
    if rest is not None and len(rest) == 2:
        return "the channel axis is missing: Conv2D needs (28, 28, 1), one grey channel"
    return f"start the model with keras.Input(shape={INPUT_SHAPE})"


def _last_activation(model) -> str | None:
    for layer in reversed(all_layers(model)):
        if type(layer).__name__ == "Softmax":
            return "softmax"
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


@dataclass(frozen=True)
class Filter:
    """A spatial convolution kernel inside a model: the layer and which of its weights."""
    layer: object
    index: int  # position in layer.get_weights()
    size: tuple  # (height, width) of the filter


def spatial_filters(model) -> list[Filter]:
    """Every convolution kernel of ``model`` (a 4-D weight: rows × columns × in × out)."""
    found = []
    for layer in all_layers(model):
        for index, weight in enumerate(layer.weights):
            shape = tuple(weight.shape)
            if len(shape) == 4:
                found.append(Filter(layer, index, shape[:2]))
    return found


def output_depends_on(model, kernel: Filter, x: np.ndarray, reference: np.ndarray) -> bool:
    """True when changing the filter's weights changes what the model outputs for ``x``:
    the convolution really is on the way from the input to the output."""
    weights = kernel.layer.get_weights()
    original = weights[kernel.index]
    rng = np.random.default_rng(0)
    spread = float(np.std(original)) or 0.1
    try:
        weights[kernel.index] = (original + rng.normal(0, 2 * spread, original.shape)).astype(original.dtype)
        kernel.layer.set_weights(weights)
        changed = probabilities(model, x)
    finally:
        weights[kernel.index] = original
        kernel.layer.set_weights(weights)
    return bool(np.max(np.abs(changed - reference)) > 1e-5)


def convolution_layers(model) -> list:
    """The 2-D convolution layers of ``model``, whether or not they were ever called."""
    layers = keras_module().layers
    kinds = (layers.Conv2D, layers.DepthwiseConv2D, layers.SeparableConv2D, layers.Conv2DTranspose)
    return [layer for layer in all_layers(model)
            if isinstance(layer, kinds) or any(len(weight.shape) == 4 for weight in layer.weights)]


def _check_convolutions(model, x: np.ndarray, out: np.ndarray) -> None:
    convolutions = convolution_layers(model)
    if not convolutions:
        kinds = ", ".join(dict.fromkeys(type(layer).__name__ for layer in all_layers(model))) or "none"
        fail(f"build_model() returned a model without any convolution (its layers: {kinds}).\n"
             f"  Likely mistake: a dense-only network, not a CNN. Start with Conv2D and "
             f"MaxPooling2D blocks, and Flatten only after them.")
    filters = spatial_filters(model)
    wide = [kernel for kernel in filters if max(kernel.size) > 1]
    if filters and not wide:
        fail("build_model() returned a model whose only convolutions are 1×1: each output pixel "
             "sees a single input pixel, so nothing looks at neighbourhoods.\n  Likely mistake: a "
             "CNN needs filters that span neighbours, such as Conv2D(32, 3) (3×3).")
    if not any(output_depends_on(model, kernel, x, out) for kernel in wide):
        names = ", ".join(dict.fromkeys(layer.name for layer in convolutions))
        fail(f"build_model() returned a model with convolution layers ({names}), but its output does "
             f"not change when their filters change: the input never goes through them.\n  Likely "
             f"mistake: the layer is created but not connected (functional API: each layer must be "
             f"called on the previous layer's output; subclassed model: call it in call() and use "
             f"its result).")


def _loss_function(loss):
    """The compiled loss as a function of (y_true, y_pred), or None."""
    keras = keras_module()
    if isinstance(loss, (list, tuple)) and len(loss) == 1:
        loss = loss[0]
    if isinstance(loss, dict) and len(loss) == 1:
        loss = next(iter(loss.values()))
    if isinstance(loss, str):
        try:
            return keras.losses.get(loss)
        except ValueError:
            return None
    return loss if callable(loss) else None


def _loss_name(loss) -> str:
    if isinstance(loss, str):
        return loss.lower()
    for attribute in ("name", "__name__"):
        value = getattr(loss, attribute, None)
        if isinstance(value, str):
            return value.lower()
    return type(loss).__name__.lower()


def _mean_loss(function, labels: np.ndarray, out: np.ndarray) -> float | None:
    try:
        with quiet():
            value = np.asarray(function(labels, out), dtype=np.float64)
    except Exception:  # the loss cannot take integer labels
        return None
    if value.size not in (1, len(labels)) or not np.all(np.isfinite(value)):
        return None
    return float(value.mean())


def cross_entropy(labels: np.ndarray, p: np.ndarray) -> float:
    """Mean of −log p[label] over the examples (probabilities clipped as Keras does)."""
    picked = p[np.arange(len(labels)), labels].astype(np.float64)
    return float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0))))


def _probe_probabilities(labels: np.ndarray) -> np.ndarray:
    """Confident predictions, one in three wrong: 0.82 on one class, 0.02 on each other.
    The compiled loss is judged on this table, not on the untrained model's outputs, which
    are nearly uniform: there every cross-entropy, from probabilities or from logits, is
    about log 10, and a softmax applied twice would pass unseen."""
    n = len(labels)
    guesses = np.where(np.arange(n) % 3 == 0, (labels + 1) % 10, labels)
    table = np.full((n, 10), 0.02, np.float32)
    table[np.arange(n), guesses] = 0.82
    return table


def _check_loss(model, labels: np.ndarray) -> None:
    out = _probe_probabilities(labels)
    loss = getattr(model, "loss", None)
    if loss is None:
        fail("build_model() returned a model compiled without a loss. Compile it with "
             "loss=\"sparse_categorical_crossentropy\".")
    name = _loss_name(loss)
    function = _loss_function(loss)
    got = None if function is None else _mean_loss(function, labels, out)
    expected = cross_entropy(labels, out)
    if got is not None and abs(got - expected) <= 1e-3 * max(1.0, expected):
        return
    logits = out.astype(np.float64)
    twice = np.exp(logits - logits.max(axis=1, keepdims=True))
    if got is not None and abs(got - cross_entropy(labels, twice / twice.sum(axis=1, keepdims=True))) < 1e-3:
        fail("The loss was compiled with from_logits=True, but the model already ends in a softmax.\n"
             "  Likely mistake: softmax applied twice. Keep the softmax layer and use "
             "loss=\"sparse_categorical_crossentropy\" (from_logits=False).")
    where = f"The model is compiled with the loss {name!r}"
    if "sparse" not in name and "categorical" in name:
        fail(f"{where}, which expects each label as a one-hot vector of 10.\n  Likely mistake: "
             f"data.y_train holds the labels as integers 0–9: compile with "
             f"loss=\"sparse_categorical_crossentropy\".")
    wrong_kind = ("binary", "squared", "absolute", "hinge", "huber", "poisson", "cosine", "log_cosh",
                  "mse", "mae", "mape", "msle")
    if any(word in name for word in wrong_kind):
        fail(f"{where}.\n  Likely mistake: a loss for yes/no or regression targets; ten classes need "
             f"loss=\"sparse_categorical_crossentropy\" (integer labels).")
    shown = "raises an error" if got is None else f"gives {got:.4g}"
    fail(f"{where}; on a table of {len(labels)} predicted probabilities with integer labels it {shown}, "
         f"but their cross-entropy −mean(log p[label]) is {expected:.4g}.\n  Compile with "
         f"loss=\"sparse_categorical_crossentropy\".")


@graded("build_model", hints=Hints(
    idea="A CNN for 28×28 grey digits: a few `Conv2D` layers with ReLU (pooling or a stride "
         "shrinks the maps between them), then `Flatten` and one `Dense` layer with 10 softmax "
         "outputs. The model must be compiled before you return it, with the loss for labels "
         "that are plain integers 0–9.",
    formula="Start with `keras.Input(shape=(28, 28, 1))`: channels last, one grey channel. A "
            "3×3 \"valid\" convolution turns n×n into (n − 2)×(n − 2), `MaxPooling2D(2)` halves "
            "the size (rounding down). Parameters: f·f·c_in·k + k per convolution and "
            "n_in·10 + 10 for the last Dense; pool before `Flatten` to stay under 300,000. "
            "Loss: `sparse_categorical_crossentropy`, −log p[label] for an integer label.",
    code="```python\nmodel = keras.Sequential([\n    keras.Input(shape=(28, 28, 1)),\n"
         "    layers.Conv2D(32, 3, activation=\"relu\"), layers.MaxPooling2D(2),\n"
         "    layers.Conv2D(64, 3, activation=\"relu\"), layers.MaxPooling2D(2),\n"
         "    layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation=\"softmax\"),\n])\n"
         "model.compile(optimizer=\"adam\", loss=\"sparse_categorical_crossentropy\", "
         "metrics=[\"accuracy\"])\nreturn model\n```",
))
def check_build_model(build_model, seed: int = 0) -> None:
    """build_model() -> a new compiled Keras CNN: (n, 28, 28, 1) in [0, 1] → (n, 10)
    probabilities, computed through at least one spatial convolution, at most
    PARAM_BUDGET parameters, compiled with the cross-entropy of integer labels."""
    keras = keras_module()
    model = call(build_model, name="build_model", timeout=60)
    if not isinstance(model, keras.Model):
        fail(f"build_model() returned {describe(model)}; expected a Keras model, for example "
             f"keras.Sequential([...]). Did you forget `return model`?")
    again = call(build_model, name="build_model", timeout=60)
    if again is model:
        fail("build_model() returned the same model object twice: it must build a new, untrained "
             "model on every call (create the layers inside the function).")
    images, labels = sample_digits(seed, BATCH_PROBE_SIZE)
    x = to_model_input(images)
    try:
        out = probabilities(model, x)
    except Exception as error:
        shape = _declared_input_shape(model)
        fail(f"The model from build_model() cannot take a batch of {len(x)} digits shaped {x.shape} "
             f"(its declared input: {shape}): {type(error).__name__}: {str(error)[:300]}\n"
             f"  Likely mistake: {_input_mistake(shape)}.")
    if out.shape != (len(x), 10):
        fail(f"For a batch of {len(x)} digits shaped {x.shape} the model outputs shape {out.shape}; "
             f"expected ({len(x)}, 10), one probability per digit class.\n  Likely mistake: the last "
             f"layer must be Dense(10, activation=\"softmax\"), after Flatten.")
    if not np.all(np.isfinite(out)):
        fail("The model outputs NaN or infinite values for ordinary digits.")
    if np.any(out < -1e-6) or not np.allclose(out.sum(axis=1), 1, atol=1e-3):
        fail(f"The model's 10 outputs are not probabilities: first row {np.round(out[0], 3)}, "
             f"summing to {out[0].sum():.3g}.\n  Likely mistake: {_output_mistake(out, model)}.")
    _check_convolutions(model, x, out)
    n_params = model.count_params()
    if n_params > PARAM_BUDGET:
        layers = all_layers(model)
        biggest = max(layers, key=lambda layer: layer.count_params() if layer.built else 0)
        fail(f"build_model() returned a model with {n_params:,} parameters; the budget is "
             f"{PARAM_BUDGET:,}.\n  The biggest layer is {biggest.name} ({type(biggest).__name__}) "
             f"with {biggest.count_params():,}. Likely mistake: too many parameters in the Dense "
             f"layer after Flatten: pool more before flattening, or use fewer units.")
    if not getattr(model, "compiled", False):
        fail("build_model() returned a model that is not compiled. Call model.compile("
             "optimizer=\"adam\", loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"]) "
             "before returning it.")
    _check_loss(model, labels)


# ---------------------------------------------------------------------------------------
# train


class GuardedMnist(Mnist):
    """An :class:`~autograder.data.Mnist` that notes whether its test digits were read."""

    def __init__(self, *args, **kwargs):
        object.__setattr__(self, "test_reads", [])
        super().__init__(*args, **kwargs)

    def __getattribute__(self, name):
        if name in ("x_test", "y_test"):
            object.__getattribute__(self, "test_reads").append(name)
        return object.__getattribute__(self, name)

    def field(self, name: str):
        """A field's current value, read without counting as a read."""
        return object.__getattribute__(self, name)

    def __repr__(self) -> str:
        return (f"Mnist({self.source}: {len(self.x_train)} training and "
                f"{len(self.field('x_test'))} test digits)")


@dataclass
class TrainingTask:
    """What check.train gives train() and what it judges the trained model on."""
    data: GuardedMnist  # training digits with renamed labels, and test digits not to be read
    renaming: np.ndarray  # renaming[d] is the label every digit d carries in data
    x_judged: np.ndarray
    y_judged: np.ndarray  # true labels; the model should answer renaming[y_judged]


def derangement(rng: np.random.Generator, n: int = 10) -> np.ndarray:
    """A permutation of 0..n-1 that moves every element."""
    while True:
        order = rng.permutation(n)
        if np.all(order != np.arange(n)):
            return order


def training_task(seed: int) -> TrainingTask:
    """TRAIN_DIGITS training digits, labels renamed by a seeded derangement; 200 test
    digits for data.x_test; JUDGED_DIGITS others to judge the trained model on."""
    data = _offline_digits()
    rng = np.random.default_rng(seed)
    renaming = derangement(rng)
    train_index = rng.choice(len(data.x_train), size=TRAIN_DIGITS, replace=False)
    held_out = rng.permutation(len(data.x_test))
    test, judged = held_out[:200], held_out[200:200 + JUDGED_DIGITS]
    given = GuardedMnist(data.x_train[train_index].copy(), renaming[data.y_train[train_index]],
                         data.x_test[test].copy(), renaming[data.y_test[test]],
                         source=f"{TRAIN_DIGITS} digits with renamed labels (check.train, seed {seed})")
    return TrainingTask(given, renaming, data.x_test[judged], data.y_test[judged])


@dataclass(frozen=True)
class Snapshot:
    """The fields of an Mnist as they were, to tell whether train() changed them."""
    objects: dict
    copies: dict

    @classmethod
    def of(cls, data: GuardedMnist) -> "Snapshot":
        names = ("x_train", "y_train", "x_test", "y_test")
        objects = {name: data.field(name) for name in names}
        return cls(objects, {name: np.array(value, copy=True) for name, value in objects.items()})

    def changes(self, data: GuardedMnist) -> list[str]:
        changed = []
        for name, original in self.objects.items():
            now = data.field(name)
            if now is not original:
                changed.append(f"data.{name} was replaced by another object")
            elif not np.array_equal(now, self.copies[name]):
                changed.append(f"data.{name} was changed in place")
        return changed


def _steps_trained(model) -> int | None:
    optimizer = getattr(model, "optimizer", None)
    iterations = getattr(optimizer, "iterations", None)
    try:
        return int(np.asarray(iterations))
    except (TypeError, ValueError):
        return None


def _check_history(history, model, where: str) -> None:
    keras = keras_module()
    if not isinstance(history, keras.callbacks.History):
        fail(f"{where} returned {describe(history)}; expected the History object that "
             f"model.fit(...) returns.\n  Likely mistake: `return model.fit(...)` (or "
             f"`return history`) is missing.")
    epochs = len(history.history.get("loss", []))
    if not epochs:
        fail(f"{where} returned a History without any epoch: model.fit ran for 0 epochs.")
    if getattr(history, "model", model) is not model:
        fail(f"{where} returned the History of another model.\n  Likely mistake: train builds "
             f"and fits a new model inside; fit the `model` argument instead.")
    held_back = sorted(key for key in history.history if key.startswith("val_"))
    if held_back:
        fail(f"{where} trained with validation data (its History has {', '.join(held_back)}).\n  "
             f"The exercise trains on all of data.x_train: drop validation_split / validation_data "
             f"(the held-out digits are judged after training, by the notebook).")
    steps_per_epoch = (getattr(history, "params", None) or {}).get("steps")
    steps = _steps_trained(model)
    if steps_per_epoch and steps is not None and steps > steps_per_epoch * epochs:
        fail(f"{where} returned a History of {epochs} epoch(s), but the model took {steps} training "
             f"steps, {steps_per_epoch} per epoch: the History does not cover every epoch.\n  Likely "
             f"mistake: model.fit called in a loop (one epoch at a time) and only the last History "
             f"returned. Call model.fit once with epochs=… and return its History.")


@contextlib.contextmanager
def quick_mode():
    """Make :func:`autograder.runtime.quick` True inside the block (COURSE_QUICK=1)."""
    before = os.environ.get("COURSE_QUICK")
    os.environ["COURSE_QUICK"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["COURSE_QUICK"]
        else:
            os.environ["COURSE_QUICK"] = before


def _has_batch_norm(model) -> bool:
    return any("BatchNormalization" in type(layer).__name__ for layer in all_layers(model))


def _judge(model, task: TrainingTask, where: str) -> None:
    floor = ACCURACY_FLOOR
    wanted = task.renaming[task.y_judged]
    x = to_model_input(task.x_judged)
    try:
        labels = predicted_labels(model, x)
    except Exception as error:
        fail(f"After {where} the model cannot label (n, 28, 28, 1) digits: {type(error).__name__}: {error}")
    scaled = float(np.mean(labels == wanted))
    if scaled >= floor:
        return
    example = int(np.flatnonzero(task.renaming != np.arange(10))[0])
    message = (f"After {where}, the model labels {scaled:.1%} of {len(wanted):,} other digits the way "
               f"data.y_train would; the floor is {floor:.0%}. (check.train renames the labels: every "
               f"{example} in its data is labelled {task.renaming[example]}, and so on.)")
    usual = float(np.mean(labels == task.y_judged))
    with quiet():
        batch_statistics = float(np.mean(np.asarray(model(x, training=True)).argmax(axis=1) == wanted))
    raw = float(np.mean(predicted_labels(model, np.asarray(task.x_judged, np.float32)[..., None]) == wanted))
    if usual >= max(0.5, scaled + 0.2):
        message += (f"\n  The model calls {usual:.0%} of them by their usual names instead.\n  Likely "
                    f"mistake: train() does not learn from the data it is given: it trains on other "
                    f"digits (the notebook's global `data`, or MNIST loaded again) instead of its "
                    f"`data` argument.")
    elif _has_batch_norm(model) and batch_statistics >= max(floor - 0.05, scaled + 0.2):
        message += (f"\n  Run as in training (batch statistics) it scores {batch_statistics:.1%}.\n  Likely "
                    f"mistake: batch normalisation's running averages, which predictions use, have not "
                    f"caught up in so short a training (quick mode). Give BatchNormalization a lower "
                    f"momentum, such as momentum=0.9, so they follow within a few dozen batches.")
    elif raw >= floor or raw > scaled + 0.2:
        message += (f"\n  Fed raw 0–255 pixel values it scores {raw:.1%}.\n  Likely mistake: the "
                    f"pixel values were not scaled to [0, 1] during training: divide by 255, as "
                    f"predict_digits does.")
    else:
        message += ("\n  Train for more epochs in quick mode, check that the images and labels stay in "
                    "the same order, and that the learning rate is not far too high or low.")
    fail(message)


@graded("train", hints=Hints(
    idea="Prepare `data.x_train` exactly as `predict_digits` will prepare new images, fit the "
         "`model` you are given on all of it with the labels `data.y_train` (plain integers "
         "suit the sparse loss), and return what `model.fit` returns. Leave `data.x_test` "
         "alone: it is for judging the model afterwards.",
    formula="`to_model_input(data.x_train)` gives (n, 28, 28, 1) float32 values in [0, 1]. One "
            "call of `model.fit(x, y, epochs=E, batch_size=B, callbacks=[...], verbose=...)` "
            "trains all E epochs and returns a History with E entries; E is small when "
            "`quick()` is True. The learning-rate schedule goes in as "
            "`keras.callbacks.LearningRateScheduler(lambda epoch: learning_rate(epoch, E))`.",
    code="```python\nepochs = 3 if quick() else EPOCHS\n"
         "schedule = keras.callbacks.LearningRateScheduler(lambda epoch: learning_rate(epoch, epochs))\n"
         "return model.fit(to_model_input(data.x_train), data.y_train, epochs=epochs,\n"
         "                 batch_size=BATCH_SIZE, callbacks=[schedule], verbose=0 if quick() else 2)\n```",
))
def check_train(train, build_model=None, seed: int = 0) -> None:
    """train(model, data) fits the given model on all of data.x_train / data.y_train (no
    validation split, data.x_test unread, data unchanged) and returns the History of every
    epoch. It runs in quick mode (quick() is True), in the notebook as at grading; the
    trained model must then label ACCURACY_FLOOR of 800 other digits right.

    The labels check.train hands over are renamed by a seeded permutation, so that only a
    model that learned from ``data.y_train`` passes. With ``build_model`` the check trains
    your model; without it, the Keras example CNN.
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
    task = training_task(seed)
    before = Snapshot.of(task.data)
    weights = [w.copy() for w in model.get_weights()]
    where = f"train(model, <Mnist of {TRAIN_DIGITS} training digits>)"
    with contextlib.redirect_stdout(io.StringIO()), quick_mode():  # logs are not the check's output
        history = call(train, model, task.data, name="train", timeout=TRAIN_TIMEOUT_S)
    if task.data.test_reads:
        fail(f"{where} read data.{task.data.test_reads[0]}. The test digits are for judging the "
             f"model after training; training or validating on them makes that judgement "
             f"meaningless.\n  Likely mistake: validation_data=(data.x_test, …) or test digits "
             f"added to the training set. Use only data.x_train and data.y_train.")
    changes = before.changes(task.data)
    if changes:
        fail(f"{where} changed its data: {'; '.join(changes)}. The notebook's next cells use the same "
             f"data: work on new arrays, e.g. `x = to_model_input(data.x_train)`.")
    _check_history(history, model, where)
    if all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights())):
        fail(f"{where} did not change the model it was given.\n  Likely mistake: train builds "
             f"and fits a new model inside; fit the `model` argument instead.")
    _judge(model, task, where)


# ---------------------------------------------------------------------------------------
# predict_digits


def _probe(name: str, *inner):
    """(n, 28, 28, 1) → mean brightness of each digit → a Dense layer: a model whose
    answers are known in advance."""
    keras = keras_module()
    from keras import layers

    return keras.Sequential([keras.Input(INPUT_SHAPE), *inner, layers.GlobalAveragePooling2D(),
                             layers.Dense(10, activation="softmax")], name=name)


BRIGHTNESS_CENTRES = 0.03 + 0.02 * np.arange(10)
BRIGHTNESS_SHARPNESS = 1e4


def _set_brightness_bands(model) -> None:
    centres, sharpness = BRIGHTNESS_CENTRES, BRIGHTNESS_SHARPNESS
    model.layers[-1].set_weights([(2 * centres * sharpness)[None, :].astype(np.float32),
                                  (-centres ** 2 * sharpness).astype(np.float32)])


def scale_probe():
    """A model whose answer is the digit's mean brightness, in ten bands.

    It reads the contract literally: for inputs in [0, 1] the mean pixel value of a digit
    (about 0.05 to 0.25) picks class k when it is nearest to 0.03 + 0.02·k. Raw 0–255
    input lands in class 9 for every digit, input divided by 255 twice in class 0, so a
    predict_digits that scales wrongly cannot agree with it by chance (a trained ReLU
    network, by contrast, often predicts the same digit for x and 255·x).
    """
    model = _probe("scale_probe")
    _set_brightness_bands(model)
    return model


def augmenting_probe(seed: int = 0):
    """The brightness-band model behind a training-only augmentation layer.

    Keras runs ``Random…`` layers whenever a model is called without ``training=False``:
    ``model(x)`` brightens or darkens every digit at random, so its class changes, while
    ``model.predict(x)`` and ``model(x, training=False)`` leave the images as they are.
    """
    keras = keras_module()
    model = _probe("augmenting_probe", keras.layers.RandomBrightness(0.5, value_range=(0.0, 1.0), seed=seed))
    _set_brightness_bands(model)
    return model


def constant_probe(label: int):
    """A model that answers ``label`` for every image, whatever it shows."""
    model = _probe(f"always_{label}")
    bias = np.zeros(10, np.float32)
    bias[label] = 20.0
    model.layers[-1].set_weights([np.zeros((1, 10), np.float32), bias])
    return model


def _check_labels(got, n: int, where: str) -> np.ndarray:
    """Shape and type of predict_digits' answer: (n,) ints (a list, a numpy array or a
    TensorFlow tensor)."""
    if not isinstance(got, (np.ndarray, list, tuple)) and hasattr(got, "__array__"):
        got = np.asarray(got)  # a tensor
    array = to_array(got, where)
    if array.shape == (n, 10):
        fail(f"{where} returned an array of shape {array.shape}.\n  Likely mistake: these are the "
             f"probabilities of the 10 classes; return one label per digit, the index of the "
             f"largest probability: `.argmax(axis=1)`.")
    if array.shape == (10,) and n != 10:
        fail(f"{where} returned 10 values for {n} digits.\n  Likely mistake: argmax over the "
             f"wrong axis (axis=0 picks a digit per class); use axis=1, one label per digit.")
    if array.shape == (n, 1):
        fail(f"{where} returned shape {array.shape}; expected ({n},), a flat array like data.y_test "
             f"(compared with it, ({n}, 1) would broadcast to ({n}, {n})): flatten it with .ravel().")
    if array.shape != (n,):
        fail(f"{where} returned shape {array.shape}; expected ({n},), one label per digit.")
    if not np.issubdtype(array.dtype, np.integer):
        hint = (" (whole numbers, so `.astype(int)` is all that is missing)"
                if np.all(np.isfinite(array)) and np.all(array == np.round(array)) else "")
        fail(f"{where} returned {describe(array)}; labels must be ints, usable as indices{hint}.")
    return array


def _tolerate_near_ties(got: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """The expected labels, where a near-tie of the two most probable classes (which float32
    rounding may tip either way) accepts either of them."""
    expected = probs.argmax(axis=1)
    ranked = np.sort(probs, axis=1)
    second = np.argsort(probs, axis=1)[:, -2]
    tie = (ranked[:, -1] - ranked[:, -2] < 1e-4) & (got.astype(np.int64) == second)
    return np.where(tie, got, expected)


def _expect_labels(got: np.ndarray, expected: np.ndarray, where: str, about: str,
                   mistakes: dict | None = None) -> None:
    """Fail, in a few lines and without printing whole arrays, unless got == expected."""
    if np.array_equal(got, expected):
        return
    wrong = np.flatnonzero(got != expected)
    shown = ", ".join(f"#{i}: {got[i]} instead of {expected[i]}" for i in wrong[:3])
    message = (f"{where} is not right: {len(wrong)} of {len(expected)} labels differ from {about} "
               f"({shown}{', …' if len(wrong) > 3 else ''}).")
    mistake = name_mistake(got, mistakes)
    if mistake:
        message += f"\n  Likely mistake: {mistake}."
    fail(message)


PREDICT_TIMEOUT_S = 120.0  # a loop over 256 single images, model(x) each, on a slow CPU


def _run(predict_digits, model, images: np.ndarray, where: str) -> np.ndarray:
    got = call(predict_digits, model, images, name="predict_digits", timeout=PREDICT_TIMEOUT_S)
    return _check_labels(got, len(images), where)


TRAINING_MODE = ("the model was called as model(x) (or with training=True), which in Keras runs it as "
                 "in training: random augmentation layers (RandomTranslation, RandomRotation…) and "
                 "dropout are active. Use model.predict(x, verbose=0) or model(x, training=False)")


def _expect_model_labels(predict_digits, model, images: np.ndarray, where: str, about: str,
                         mistakes: dict | None = None) -> None:
    """Run predict_digits with ``model`` and compare with the model's own inference-mode
    labels; answers that change from call to call mean the model ran in training mode."""
    got = _run(predict_digits, model, images, where)
    probs = probabilities(model, to_model_input(images))
    expected = _tolerate_near_ties(got, probs)
    if np.array_equal(got, expected):
        return
    again = _run(predict_digits, model, images, where)
    if not np.array_equal(got, again):
        fail(f"{where} gives different labels each time it is called with the same model and "
             f"images.\n  Likely mistake: {TRAINING_MODE}.")
    _expect_labels(got, expected, where, about, mistakes)


def _where(images: np.ndarray, model_name: str) -> str:
    return signature("predict_digits", "<model>", images).replace("'<model>'", model_name)


def _scaling_mistakes(model, images: np.ndarray) -> dict:
    raw = np.asarray(images, dtype=np.float32)[..., None]
    return {
        "the pixel values were not scaled to [0, 1] (divide the uint8 images by 255)":
            lambda: predicted_labels(model, raw),
        "the pixel values were divided by 255 twice": lambda: predicted_labels(model, raw / 255 ** 2),
        "rows and columns swapped (the images were transposed)":
            lambda: predicted_labels(model, to_model_input(images.transpose(0, 2, 1))),
        "the images were inverted (255 - pixel): MNIST digits are white on black":
            lambda: predicted_labels(model, to_model_input(255 - images)),
    }


@graded("predict_digits", hints=Hints(
    idea="Prepare the images exactly as for training, ask the model you are given for its "
         "probabilities, and keep the most probable class of each image.",
    formula="x = images[..., None] as float32 / 255, shape (n, 28, 28, 1). "
            "`model.predict(x, verbose=0)` (inference mode: augmentation and dropout off) gives "
            "(n, 10) probabilities; the label of row i is the column of its largest value, "
            "argmax over axis 1, an (n,) int array.",
    code="```python\nprobabilities = model.predict(to_model_input(images), verbose=0)\n"
         "return probabilities.argmax(axis=1)\n```\n(A plain `model(x)` call would run the "
         "model's random augmentation layers as in training: use `model.predict(x)` or "
         "`model(x, training=False)`.)",
))
def check_predict_digits(predict_digits, seed: int = 0) -> None:
    """predict_digits(model, images) -> (n,) int labels for (n, 28, 28) uint8 images: the
    most probable class of each for the model it is given, in inference mode.

    Run with the course's trained CNN (real predictions, on an odd-sized batch, a single
    digit and a non-contiguous batch of 256), a model that answers one class for
    everything (the `model` argument must be used), one whose answer depends on the
    pixel scale (the [0, 1] contract), and one with a training-only augmentation layer.
    """
    rng = np.random.default_rng(seed)
    reference = trained_reference()
    main, _ = sample_digits(seed, int(rng.integers(30, 60)) | 1)
    single, _ = sample_digits(seed + 1, 1)
    every_other = sample_digits(seed + 2, 512)[0][::2]  # a view: not contiguous in memory
    batches = [main, single, every_other]

    for images in batches:
        _expect_model_labels(predict_digits, reference, images, _where(images, "model"),
                             "the model's most probable classes", _scaling_mistakes(reference, images))

    label = int(rng.integers(10))
    got = _run(predict_digits, constant_probe(label), main, _where(main, "model"))
    if not np.all(got == label):
        fail(f"{_where(main, 'model')} gave other labels than its model: check.predict_digits passed a "
             f"model that answers {label} for every image, and got {np.count_nonzero(got != label)} "
             f"of {len(got)} other labels.\n  Likely mistake: predict_digits does not use its `model` "
             f"argument (it uses another model, perhaps the notebook's global `model`).")

    probe = scale_probe()
    for images in batches:
        _expect_model_labels(predict_digits, probe, images, _where(images, "scale_probe"),
                             "those of a model that classifies by mean brightness in [0, 1]",
                             _scaling_mistakes(probe, images))

    _expect_model_labels(predict_digits, augmenting_probe(seed), main, _where(main, "model"),
                         "the model's most probable classes in inference mode")
