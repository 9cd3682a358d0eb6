"""autograder.cost: multiply-adds per layer, per training example and per training run,
checked against counts made by hand."""

from __future__ import annotations

import numpy as np
import pytest

from autograder import cost
from autograder.checks import mnist

keras = mnist.keras_module()
layers = keras.layers


def test_the_keras_example_by_hand():
    model = mnist.reference_architecture()
    weighted = [c for c in cost.layer_costs(model) if c.forward]
    assert [(c.kind, c.output_shape, c.forward) for c in weighted] == [
        ("Conv2D", (26, 26, 32), 26 * 26 * 32 * 3 * 3 * 1),   # 194,688
        ("Conv2D", (11, 11, 64), 11 * 11 * 64 * 3 * 3 * 32),  # 2,230,272
        ("Dense", (10,), 1600 * 10),
    ]
    first, second, dense = weighted
    assert (first.weight_gradient, first.input_gradient) == (first.forward, 0)  # nothing upstream learns
    assert second.training == dense.training // dense.forward * second.forward == 3 * second.forward
    assert cost.inference_macs(model) == 2_440_960
    assert cost.training_macs(model) == 2 * 194_688 + 3 * 2_230_272 + 3 * 16_000 == 7_128_192
    assert sum(c.forward for c in cost.layer_costs(model)) == cost.inference_macs(model)  # pooling etc. count 0


def every_kind_of_weighted_layer():
    inputs = keras.Input((8, 8, 3))
    x = layers.Conv2D(4, 3, strides=2, padding="same")(inputs)           # 4×4×4: 16 · 3·3·3·4
    x = layers.BatchNormalization()(x)                                   # element-wise: 0
    x = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2)(x)  # 4×4×8: 16 · 3·3·4·2
    x = layers.SeparableConv2D(6, 3)(x)                                  # 2×2×6: 4 · (3·3·8 + 8·6)
    x = layers.Conv2DTranspose(5, 2, strides=2)(x)                       # 4×4×5 from 2×2: 4 · 2·2·5·6
    x = layers.Dense(7)(x)                                               # at each of 16 positions: 16 · 5·7
    x = layers.Flatten()(x)
    frozen = layers.Dense(10, trainable=False)                           # 112 · 10, no weight gradient
    return keras.Model(inputs, frozen(x))


def test_every_kind_of_weighted_layer_by_hand():
    costs = [c for c in cost.layer_costs(every_kind_of_weighted_layer()) if c.forward]
    assert [c.forward for c in costs] == [16 * 108, 16 * 72, 4 * (72 + 48), 4 * 120, 16 * 35, 112 * 10]
    assert [c.kind for c in costs] == ["Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose",
                                       "Dense", "Dense"]
    frozen = costs[-1]
    assert (frozen.weight_gradient, frozen.input_gradient) == (0, 1120)
    assert cost.training_macs(every_kind_of_weighted_layer()) == \
        2 * 1728 + 3 * (1152 + 480 + 480 + 560) + 2 * 1120 == 13_712


def test_a_frozen_first_layer_spares_the_next_input_gradient():
    model = keras.Sequential([keras.Input((10, 10, 1)), layers.Conv2D(2, 3, trainable=False),
                              layers.Conv2D(3, 3), layers.Flatten(), layers.Dense(4)])
    first, second, _, dense = cost.layer_costs(model)
    assert first.training == first.forward == 8 * 8 * 2 * 9
    assert (second.weight_gradient, second.input_gradient) == (second.forward, 0)
    assert dense.input_gradient == dense.forward == 6 * 6 * 3 * 4


def test_nested_models_are_counted_layer_by_layer():
    block = keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(2, 3)], name="block")
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.RandomTranslation(0.1, 0.1), block,
                              layers.Flatten(), layers.Dense(3)])
    assert [c.kind for c in cost.layer_costs(model)] == ["RandomTranslation", "Conv2D", "Flatten", "Dense"]
    assert cost.inference_macs(model) == 4 * 4 * 2 * 9 + 32 * 3


def test_uncountable_models_say_why():
    flexible = keras.Sequential([keras.Input((None, None, 1)), layers.Conv2D(2, 3), layers.GlobalMaxPooling2D()])
    with pytest.raises(cost.CostError, match="unknown size"):
        cost.inference_macs(flexible)

    class Mystery(layers.Layer):
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1],))

        def call(self, x):
            return x * self.w

    with pytest.raises(cost.CostError, match="Mystery"):
        cost.inference_macs(keras.Sequential([keras.Input((4,)), Mystery()]))


def tiny_model():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def test_counting_examples_follows_every_fit():
    model = tiny_model()
    x, y = np.zeros((100, 4), np.float32), np.zeros(100, np.int64)
    with cost.counting_examples(model) as counter:
        model.fit(x, y, epochs=2, validation_split=0.1, verbose=0)   # 90 examples per epoch
        model.fit(x[:50], y[:50], batch_size=10, verbose=0)           # 50, once
        stop = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: setattr(model, "stop_training", True))
        model.fit(x, y, epochs=5, callbacks=[stop], verbose=0)        # stopped after 1 of 5 epochs
    assert counter.known and counter.epochs == 4
    assert counter.examples == 90 * 2 + 50 + 100
    assert "fit" not in vars(model)  # the model's own fit is back
    model.fit(x, y, verbose=0)
    assert counter.examples == 330


def test_counting_examples_of_a_dataset_is_unknown():
    import tensorflow as tf

    model = tiny_model()
    dataset = tf.data.Dataset.from_tensor_slices((np.zeros((8, 4), np.float32), np.zeros(8, np.int64))).batch(4)
    with cost.counting_examples(model) as counter:
        model.fit(dataset, epochs=1, shuffle=False, verbose=0)
    assert not counter.known
    with pytest.raises(cost.CostError, match="dataset"):
        counter.examples
