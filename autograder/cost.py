"""What a Keras model costs in arithmetic: multiply-adds (MACs) per layer, per example, per
training run. Unlike seconds, these numbers are the same on every computer.

A multiply-add is one ``a · b + c``. A layer that multiplies its input by weights costs

- ``Conv1D/2D/3D``, ``DepthwiseConv``: output positions × kernel size
  (a 3×3 convolution from 32 to 64 channels producing 10×10 maps: 10·10 · 3·3·32·64);
- ``SeparableConv``: output positions × (depthwise kernel size + pointwise kernel size);
- ``Conv…Transpose``: input positions × kernel size;
- ``Dense``: the positions it is applied at (1 for a flat vector) × inputs × units.

Layers that work element by element (activations, pooling, batch normalisation, dropout,
augmentation, flatten) are not counted: their arithmetic is small next to that of the
weighted layers, although on a CPU their time is not. Training one example costs, per
weighted layer, the forward pass, the gradient of the weights (the same number of
multiply-adds) and the gradient of the layer's input (the same again), except where no
trainable layer lies upstream: nothing needs the gradient of the first weighted layer's
input, and TensorFlow does not compute it. The optimizer's update (a few operations per
parameter and batch) is not counted either.

    costs = layer_costs(model)                 # one LayerCost per layer
    per_example = training_macs(model)         # forward + backward, one example
    with counting_examples(model) as counter:  # what fit() went through
        train(model, data)
    total = per_example * counter.examples

Only models whose layers know their input and output shapes (``keras.Sequential`` with
an input shape, functional models, and such models nested in each other) can be counted.
"""

from __future__ import annotations

import contextlib
import inspect
import math
from dataclasses import dataclass, field
from typing import Iterator


class CostError(ValueError):
    """The model's cost cannot be counted (a layer without known shapes, a layer kind
    this module does not know)."""


@dataclass(frozen=True)
class LayerCost:
    """Multiply-adds of one layer for one example."""
    name: str
    kind: str  # the layer's class name
    output_shape: tuple  # without the batch axis
    forward: int
    weight_gradient: int  # backward pass: gradient of the layer's weights
    input_gradient: int  # backward pass: gradient of the layer's input (0 when nothing upstream learns)

    @property
    def training(self) -> int:
        """Forward and backward multiply-adds of one training example."""
        return self.forward + self.weight_gradient + self.input_gradient


def _keras():
    import keras

    return keras


def leaf_layers(model) -> list:
    """The model's layers in order, with nested models (a Sequential inside a model)
    replaced by their own layers."""
    leaves = []
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:
            leaves.extend(leaf_layers(layer))
        else:
            leaves.append(layer)
    return leaves


def _shape(layer, which: str) -> tuple:
    try:
        tensor = getattr(layer, which)
    except (AttributeError, ValueError, RuntimeError) as error:
        raise CostError(f"layer {layer.name!r} has no known {which} shape ({error}); only models built on "
                        f"an input shape (keras.Input) can be counted") from None
    if isinstance(tensor, (list, tuple)):
        if len(tensor) != 1:
            raise CostError(f"layer {layer.name!r} has {len(tensor)} {which}s; cannot count it")
        tensor = tensor[0]
    return tuple(tensor.shape)


def _positions(layer, shape: tuple) -> int:
    """How many positions (pixels of a map) a layer works at: all axes but the batch
    and the channel axis."""
    channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
    spatial = shape[2:] if channels_first else shape[1:-1]
    if any(size is None for size in spatial):
        raise CostError(f"layer {layer.name!r} works on maps of unknown size {shape}: give the model "
                        f"a fixed input shape to count it")
    return math.prod(spatial)


def _size(weight) -> int:
    return math.prod(int(n) for n in weight.shape)


def forward_macs(layer) -> int:
    """Multiply-adds of one layer's forward pass for one example (0 for element-wise
    layers); raises :class:`CostError` for a weighted layer of an unknown kind."""
    layers = _keras().layers
    if isinstance(layer, (layers.SeparableConv1D, layers.SeparableConv2D)):
        return _positions(layer, _shape(layer, "output")) * (_size(layer.depthwise_kernel)
                                                              + _size(layer.pointwise_kernel))
    if isinstance(layer, (layers.Conv1DTranspose, layers.Conv2DTranspose, layers.Conv3DTranspose)):
        return _positions(layer, _shape(layer, "input")) * _size(layer.kernel)
    if isinstance(layer, (layers.Conv1D, layers.Conv2D, layers.Conv3D,
                          layers.DepthwiseConv1D, layers.DepthwiseConv2D)):
        return _positions(layer, _shape(layer, "output")) * _size(layer.kernel)
    if isinstance(layer, layers.Dense):
        input_shape = _shape(layer, "input")
        positions = math.prod(input_shape[1:-1]) if len(input_shape) > 2 else 1
        return positions * _size(layer.kernel)
    if isinstance(layer, (layers.BatchNormalization, layers.LayerNormalization,
                          layers.GroupNormalization, layers.UnitNormalization, layers.PReLU)):
        return 0  # element-wise, though they have weights
    if layer.weights:
        raise CostError(f"cannot count the multiply-adds of layer {layer.name!r} "
                        f"({type(layer).__name__}), a weighted layer of a kind this module does not know")
    return 0


def layer_costs(model) -> list[LayerCost]:
    """One :class:`LayerCost` per layer of ``model`` (nested models flattened), in order."""
    costs, upstream_learns = [], False
    for layer in leaf_layers(model):
        forward = forward_macs(layer)
        learns = bool(layer.trainable and layer.trainable_weights)
        costs.append(LayerCost(
            name=layer.name, kind=type(layer).__name__, output_shape=_shape(layer, "output")[1:],
            forward=forward,
            weight_gradient=forward if learns else 0,
            input_gradient=forward if upstream_learns else 0))
        upstream_learns = upstream_learns or learns
    return costs


def inference_macs(model) -> int:
    """Multiply-adds to classify one example."""
    return sum(cost.forward for cost in layer_costs(model))


def training_macs(model) -> int:
    """Multiply-adds to train on one example once: forward and backward pass."""
    return sum(cost.training for cost in layer_costs(model))


# ---------------------------------------------------------------------------------------
# How many examples did training go through?


@dataclass
class FitRecord:
    """One call of ``model.fit`` as far as the cost is concerned."""
    examples_per_epoch: int | None  # None when fit was given a dataset or generator
    epochs: int  # epochs it actually ran (early stopping may end it sooner)


@dataclass
class ExampleCounter:
    """The calls of ``model.fit`` made inside :func:`counting_examples`."""
    fits: list[FitRecord] = field(default_factory=list)

    @property
    def known(self) -> bool:
        """True when every fit was given arrays, so the example count is exact."""
        return bool(self.fits) and all(fit.examples_per_epoch is not None for fit in self.fits)

    @property
    def epochs(self) -> int:
        return sum(fit.epochs for fit in self.fits)

    @property
    def examples(self) -> int:
        """Training examples processed, counted once per epoch they were used in."""
        if not self.known:
            raise CostError("fit() was given a dataset or a generator: its number of examples is unknown")
        return sum(fit.examples_per_epoch * fit.epochs for fit in self.fits)


def _examples_per_epoch(arguments: dict) -> int | None:
    x = arguments.get("x")
    if isinstance(x, dict):
        x = next(iter(x.values()), None)
    elif isinstance(x, (list, tuple)) and x and hasattr(x[0], "shape"):
        x = x[0]
    shape = getattr(x, "shape", None)
    if not shape or shape[0] is None:
        return None
    examples = int(shape[0])
    split = arguments.get("validation_split") or 0.0
    if split:  # Keras keeps the first ceil(n · (1 − split)) examples for training
        examples = int(math.ceil(examples * (1.0 - split)))
    steps, batch = arguments.get("steps_per_epoch"), arguments.get("batch_size") or 32
    if steps:
        examples = min(examples, int(steps) * int(batch))
    return examples


@contextlib.contextmanager
def counting_examples(model) -> Iterator[ExampleCounter]:
    """Record every ``model.fit(...)`` call made on ``model`` inside the block: how many
    examples each epoch went through (validation split and steps_per_epoch accounted
    for) and how many epochs ran."""
    counter = ExampleCounter()
    original = model.fit
    signature = inspect.signature(original)

    def fit(*args, **kwargs):
        history = original(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        epochs = len(getattr(history, "epoch", []) or [])
        counter.fits.append(FitRecord(_examples_per_epoch(dict(bound.arguments)), epochs))
        return history

    object.__setattr__(model, "fit", fit)  # an instance attribute, past Keras' attribute tracking
    try:
        yield counter
    finally:
        object.__delattr__(model, "fit")
