"""Unit tests of the checks of assignment 08 (a Keras CNN on MNIST): correct variants
pass, each typical wrong model, training or prediction fails with a message naming the
mistake. Training runs in quick mode (small and short)."""

from __future__ import annotations

import numpy as np
import pytest

from autograder import check
from autograder.checks import mnist

keras = mnist.keras_module()
layers = keras.layers


@pytest.fixture(autouse=True)
def quick_mode(monkeypatch):
    monkeypatch.setenv("COURSE_QUICK", "1")


def not_written(*args, **kwargs):
    raise NotImplementedError()


def compiled(model, loss="sparse_categorical_crossentropy", optimizer="adam"):
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


def small_cnn(head=None, inputs=(28, 28, 1), conv=(8, 3), pool=2, **compile_options):
    """Conv → pool → flatten → head; the head defaults to Dense(10, softmax)."""
    return compiled(keras.Sequential([
        keras.Input(inputs),
        layers.Conv2D(conv[0], conv[1], activation="relu"),
        layers.MaxPooling2D(pool),
        layers.Flatten(),
        *(head or [layers.Dense(10, activation="softmax")]),
    ]), **compile_options)


def functional_cnn():
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.SeparableConv2D(16, 3, activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return compiled(keras.Model(inputs, outputs))


def lazy_cnn():
    """No keras.Input: Keras builds the model on its first batch."""
    return compiled(keras.Sequential([layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(2),
                                      layers.Flatten(), layers.Dense(10, activation="softmax")]))


def softmax_as_layer():
    return small_cnn(head=[layers.Dense(10), layers.Softmax()])


# ---------------------------------------------------------------------------------------
# build_model


@pytest.mark.parametrize("candidate", [
    mnist.reference_architecture,
    small_cnn,
    functional_cnn,
    lazy_cnn,
    softmax_as_layer,
    lambda: small_cnn(loss=keras.losses.SparseCategoricalCrossentropy()),
    lambda: small_cnn(loss="categorical_crossentropy", optimizer=keras.optimizers.SGD(0.1)),
])
def test_build_model_accepts_correct_variants(candidate):
    check.build_model(candidate)


def dense_only():
    return compiled(keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(),
                                      layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")]))


def not_compiled():
    return keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 3), layers.Flatten(),
                             layers.Dense(10, activation="softmax")])


def too_big():
    return small_cnn(conv=(32, 3), pool=1, head=[layers.Dense(512, activation="relu"),
                                                 layers.Dense(10, activation="softmax")])


def flat_input():
    return compiled(keras.Sequential([keras.Input((784,)), layers.Reshape((28, 28, 1)),
                                      layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(10, activation="softmax")]))


def no_channel_axis():
    return compiled(keras.Sequential([keras.Input((28, 28)), layers.Reshape((28, 28, 1)),
                                      layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(10, activation="softmax")]))


@pytest.mark.parametrize("candidate, words", [
    (dense_only, "dense-only network"),
    (lambda: small_cnn(head=[layers.Dense(10)]), "(?s)no softmax.*logits"),
    (lambda: small_cnn(head=[layers.Dense(10, activation="sigmoid")]), "sigmoid"),
    (lambda: small_cnn(head=[layers.Dense(10, activation="relu")]), "relu"),
    (lambda: small_cnn(inputs=(1, 28, 28), conv=(4, 1), pool=1), "channels first"),
    (flat_input, "flattened to 784"),
    (no_channel_axis, "channel axis is missing"),
    (lambda: small_cnn(inputs=(28, 28, 3)), "three colour channels"),
    (not_compiled, "not compiled"),
    (too_big, r"(?s)budget is 300,000.*Dense"),
    (lambda: small_cnn(head=[layers.Dense(1, activation="sigmoid")]), r"expected \(23, 10\)"),
    (lambda: small_cnn(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)), "softmax applied twice"),
    (lambda: small_cnn(loss="binary_crossentropy"), "yes/no"),
    (lambda: small_cnn(loss="mse"), "yes/no or regression"),
    (lambda: None, "expected a Keras model"),
    (lambda: "model", "expected a Keras model"),
    (not_written, "not written yet"),
])
def test_build_model_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.build_model(candidate)


# ---------------------------------------------------------------------------------------
# train


def train_right(model, data):
    x = data.x_train[..., None].astype("float32") / 255
    return model.fit(x, data.y_train, epochs=2, batch_size=32, verbose=0)


def train_loud_float64(model, data):
    """float64 input, validation split, progress bars (the check swallows them)."""
    x = np.expand_dims(data.x_train / 255.0, -1)
    return model.fit(x, data.y_train, epochs=2, batch_size=32, validation_split=0.1, verbose=1)


def train_one_hot(model, data):
    x = data.x_train.reshape(-1, 28, 28, 1) / 255
    return model.fit(x, keras.utils.to_categorical(data.y_train, 10), epochs=2, batch_size=32, verbose=0)


def one_hot_model():
    return small_cnn(loss="categorical_crossentropy")


@pytest.mark.parametrize("candidate, build", [
    (train_right, None),
    (train_right, small_cnn),
    (train_loud_float64, None),
    (train_one_hot, one_hot_model),
])
def test_train_accepts_correct_variants(candidate, build):
    check.train(candidate, build_model=build)


def train_unscaled(model, data):
    return model.fit(data.x_train[..., None].astype("float32"), data.y_train, epochs=2, batch_size=32, verbose=0)


def train_returns_nothing(model, data):
    train_right(model, data)


def train_new_model(model, data):
    fresh = mnist.reference_architecture()
    return train_right(fresh, data)


def train_shuffles_images_only(model, data):
    x = np.random.default_rng(0).permutation(data.x_train)
    return model.fit(x[..., None] / 255, data.y_train, epochs=2, batch_size=32, verbose=0)


def train_shuffles_in_place(model, data):
    np.random.default_rng(0).shuffle(data.x_train)
    return train_right(model, data)


def train_zero_epochs(model, data):
    return model.fit(data.x_train[..., None] / 255, data.y_train, epochs=0, verbose=0)


@pytest.mark.parametrize("candidate, words", [
    (train_unscaled, r"not scaled to \[0, 1\]"),
    (train_returns_nothing, "(?s)returned None.*History"),
    (train_new_model, "builds and fits a new model"),
    (train_shuffles_images_only, "same order"),
    (train_shuffles_in_place, "changed data.x_train in place"),
    (train_zero_epochs, "0 epochs"),
    (not_written, "not written yet"),
])
def test_train_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.train(candidate)


def test_train_reports_a_broken_build_model():
    with pytest.raises(AssertionError, match="(?s)build_model\\(\\), which failed.*not written yet"):
        check.train(train_right, build_model=not_written)


def test_train_floor_depends_on_the_mode(monkeypatch):
    """One epoch on 2,000 digits is fine for quick mode but not for a full run."""
    def one_short_epoch(model, data):
        x = data.x_train[..., None] / 255
        return model.fit(x[:300], data.y_train[:300], epochs=1, batch_size=100, verbose=0)

    monkeypatch.setenv("COURSE_QUICK", "0")
    with pytest.raises(AssertionError, match="floor in full mode is 95%"):
        check.train(one_short_epoch)


# ---------------------------------------------------------------------------------------
# predict_digits


def predict_right(model, images):
    return model.predict(images[..., None].astype("float32") / 255, verbose=0).argmax(axis=1)


@pytest.mark.parametrize("candidate", [
    predict_right,
    lambda model, images: np.argmax(np.asarray(model(np.expand_dims(images / 255.0, -1), training=False)), axis=-1),
    lambda model, images: [int(np.argmax(model(img.reshape(1, 28, 28, 1) / 255, training=False)))
                           for img in images],
    lambda model, images: predict_right(model, images).astype(np.int32),
    lambda model, images: np.concatenate([predict_right(model, images[i:i + 16]) for i in range(0, len(images), 16)]),
])
def test_predict_digits_accepts_correct_variants(candidate):
    check.predict_digits(candidate)


@pytest.mark.parametrize("candidate, words", [
    (lambda model, images: model.predict(images[..., None] / 255, verbose=0), "probabilities"),
    (lambda model, images: model.predict(images[..., None] / 255, verbose=0).argmax(axis=0), "wrong axis"),
    (lambda model, images: predict_right(model, images)[:, None], r"\.ravel\(\)"),
    (lambda model, images: predict_right(model, images).astype(float), r"(?s)must be ints.*astype\(int\)"),
    (lambda model, images: model.predict(images[..., None].astype("float32"), verbose=0).argmax(1),
     r"not scaled to \[0, 1\]"),
    (lambda model, images: predict_right(model, images.transpose(0, 2, 1)), "rows and columns swapped"),
    (lambda model, images: predict_right(model, 255 - images), "inverted"),
    (lambda model, images: predict_right(model, images)[::-1].copy(), "values differ"),
    (lambda model, images: model.predict(images[..., None] / 255 / 255, verbose=0).argmax(1), "divided by 255 twice"),
    (lambda model, images: model.predict(images.reshape(-1, 784), verbose=0).argmax(1), "raised"),
    (not_written, "not written yet"),
])
def test_predict_digits_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.predict_digits(candidate)


def test_reference_model_is_the_contract():
    """The shipped reference CNN: (n, 28, 28, 1) in [0, 1] → (n, 10) probabilities, accurate,
    and not the solution's architecture (the package must not give build_model away)."""
    model = mnist.trained_reference()
    assert model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, 10)
    assert [type(layer).__name__ for layer in model.layers] == [
        type(layer).__name__ for layer in mnist.reference_architecture().layers]
    images, labels = mnist.sample_digits(0, 500)
    assert mnist.accuracy(model, images, labels) >= 0.95
    x = mnist.to_model_input(images)
    probs = model.predict(x, verbose=0)
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-4)
    assert np.allclose(probs, model(x, training=False), atol=1e-5)