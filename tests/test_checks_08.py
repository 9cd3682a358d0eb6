"""Unit tests of the checks of assignment 08 (a Keras CNN on MNIST): correct variants
pass, each typical wrong model, training or prediction fails with a message naming the
mistake. Training runs in quick mode (small and short).

``RIGHT_VARIANTS`` (convention 1 of the course) lists the correct implementations that
every check must accept under any seed; the suite's hidden-seed test reuses it.
"""

from __future__ import annotations

import functools

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


# ---------------------------------------------------------------------------------------
# build_model: right variants


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


def flexible_input_cnn():
    """Any image size: (None, None, 1); it takes (n, 28, 28, 1) batches all the same."""
    return compiled(keras.Sequential([keras.Input((None, None, 1)), layers.Conv2D(16, 3, activation="relu"),
                                      layers.MaxPooling2D(2), layers.Conv2D(16, 3, activation="relu"),
                                      layers.GlobalMaxPooling2D(), layers.Dense(10, activation="softmax")]))


def augmented_batchnorm_cnn(momentum=0.9):
    """The chapter's style: augmentation layers, strided convolution, batch norm, schedule-ready."""
    return compiled(keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.RandomTranslation(0.06, 0.06, fill_mode="constant"),
        layers.Conv2D(16, 5, strides=2, use_bias=False), layers.BatchNormalization(momentum=momentum), layers.ReLU(),
        layers.Conv2D(32, 3, use_bias=False), layers.BatchNormalization(momentum=momentum), layers.ReLU(),
        layers.MaxPooling2D(2), layers.Flatten(), layers.Dropout(0.3), layers.Dense(10, activation="softmax"),
    ]), optimizer=keras.optimizers.Adam(1e-3))


class SubclassedCNN(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv = layers.Conv2D(8, 3, activation="relu")
        self.pool = layers.MaxPooling2D(2)
        self.flatten = layers.Flatten()
        self.out = layers.Dense(10, activation="softmax")

    def call(self, x):
        return self.out(self.flatten(self.pool(self.conv(x))))


def subclassed_cnn():
    return compiled(SubclassedCNN())


def declared_without_channel_axis():
    """Input((28, 28)) then Reshape: Keras accepts (n, 28, 28, 1) batches (it drops the
    trailing 1), so by what it does this model meets the contract."""
    return compiled(keras.Sequential([keras.Input((28, 28)), layers.Reshape((28, 28, 1)),
                                      layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(10, activation="softmax")]))


def sparse_cross_entropy_by_hand(y_true, y_pred):
    return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y_true, y_pred))


RIGHT_BUILD_MODELS = [
    mnist.reference_architecture,
    small_cnn,
    functional_cnn,
    lazy_cnn,
    softmax_as_layer,
    flexible_input_cnn,
    augmented_batchnorm_cnn,
    subclassed_cnn,
    declared_without_channel_axis,
    functools.partial(small_cnn, loss=keras.losses.SparseCategoricalCrossentropy()),
    functools.partial(small_cnn, loss=sparse_cross_entropy_by_hand, optimizer=keras.optimizers.SGD(0.1)),
]


@pytest.mark.parametrize("candidate", RIGHT_BUILD_MODELS)
def test_build_model_accepts_correct_variants(candidate):
    check.build_model(candidate)


# ---------------------------------------------------------------------------------------
# build_model: mistakes


def dense_only():
    return compiled(keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(),
                                      layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")]))


class ConvNeverCalled(keras.Model):
    """A convolution created in __init__ that call() never uses: a dense network really."""

    def __init__(self):
        super().__init__()
        self.conv = layers.Conv2D(8, 3, activation="relu")
        self.flatten = layers.Flatten()
        self.out = layers.Dense(10, activation="softmax")

    def call(self, x):
        return self.out(self.flatten(x))


class ConvResultDiscarded(ConvNeverCalled):
    """The convolution runs, but its result is thrown away."""

    def call(self, x):
        features = self.conv(x)  # noqa: F841 (the mistake under test)
        return self.out(self.flatten(x))


def only_1x1_convolutions():
    return small_cnn(conv=(8, 1))


def not_compiled():
    return keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 3), layers.Flatten(),
                             layers.Dense(10, activation="softmax")])


def too_big():
    return small_cnn(conv=(32, 3), pool=1, head=[layers.Dense(512, activation="relu"),
                                                 layers.Dense(10, activation="softmax")])


def flat_input():
    return compiled(keras.Sequential([keras.Input((784,)), layers.Reshape((28, 28, 1)),
                                      layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(10, activation="softmax")]))


GLOBAL_MODEL = small_cnn()


@pytest.mark.parametrize("candidate, words", [
    (dense_only, "dense-only network"),
    (lambda: compiled(ConvNeverCalled()), "(?s)convolution layers.*never goes through them"),
    (lambda: compiled(ConvResultDiscarded()), "(?s)convolution layers.*never goes through them"),
    (only_1x1_convolutions, "only convolutions are 1×1"),
    (lambda: small_cnn(head=[layers.Dense(10)]), "(?s)no softmax.*logits"),
    (lambda: small_cnn(head=[layers.Dense(10, activation="sigmoid")]), "sigmoid"),
    (lambda: small_cnn(head=[layers.Dense(10, activation="relu")]), "relu"),
    (lambda: small_cnn(inputs=(1, 28, 28), conv=(4, 1), pool=1), "channels first"),
    (flat_input, "flattened to 784"),
    (lambda: small_cnn(inputs=(28, 28, 3)), "three colour channels"),
    (not_compiled, "not compiled"),
    (too_big, r"(?s)budget is 300,000.*Dense"),
    (lambda: small_cnn(head=[layers.Dense(1, activation="sigmoid")]), r"expected \(23, 10\)"),
    (lambda: small_cnn(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)), "softmax applied twice"),
    (lambda: small_cnn(loss="categorical_crossentropy"), "(?s)one-hot.*sparse_categorical_crossentropy"),
    (lambda: small_cnn(loss=keras.losses.CategoricalCrossentropy()), "one-hot"),
    (lambda: small_cnn(loss="binary_crossentropy"), "yes/no"),
    (lambda: small_cnn(loss="mse"), "yes/no or regression"),
    (lambda: small_cnn(loss=lambda y, p: keras.ops.mean(p)), r"(?s)cross-entropy.*is \d"),
    (lambda: GLOBAL_MODEL, "same model object twice"),
    (lambda: None, "expected a Keras model"),
    (lambda: "model", "expected a Keras model"),
    (not_written, "not written yet"),
])
def test_build_model_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.build_model(candidate)


def test_a_convolution_that_matters_is_found_by_its_effect():
    model = small_cnn()
    x = mnist.to_model_input(mnist.sample_digits(0, 5)[0])
    out = mnist.probabilities(model, x)
    (kernel,) = mnist.spatial_filters(model)
    assert kernel.size == (3, 3) and mnist.output_depends_on(model, kernel, x, out)
    assert np.array_equal(mnist.probabilities(model, x), out)  # the weights were put back


# ---------------------------------------------------------------------------------------
# train: right variants


def train_right(model, data):
    x = data.x_train[..., None].astype("float32") / 255
    return model.fit(x, data.y_train, epochs=2, batch_size=32, verbose=0)


def train_float64_loud(model, data):
    """float64 input, float labels, progress bars and a print of the data (the check
    swallows stdout; printing data does not read its test digits)."""
    print(data)
    x = np.expand_dims(data.x_train / 255.0, -1)
    return model.fit(x, data.y_train.astype("float32"), epochs=2, batch_size=32, verbose=1)


def train_with_schedule(model, data):
    """The chapter's way: a warm-up + cosine learning-rate schedule, shuffled batches of 64."""
    epochs = 3

    def rate(epoch):
        return 2e-3 * (epoch + 1) / 2 if epoch < 1 else 2e-3 * 0.5 * (1 + np.cos(np.pi * epoch / epochs))

    x = data.x_train.reshape(-1, 28, 28, 1) / np.float32(255)
    return model.fit(x, data.y_train, epochs=epochs, batch_size=64, shuffle=True, verbose=2,
                     callbacks=[keras.callbacks.LearningRateScheduler(rate)])


def train_on_a_tensor(model, data):
    import tensorflow as tf

    x = tf.convert_to_tensor(data.x_train[..., np.newaxis], dtype=tf.float32) / 255.0
    return model.fit(x, tf.convert_to_tensor(data.y_train), epochs=2, batch_size=50, verbose=0)


RIGHT_TRAINS = [train_right, train_float64_loud, train_with_schedule, train_on_a_tensor]

RIGHT_PREDICT_DIGITS: list = []  # filled below, after the helpers they use

RIGHT_VARIANTS = {
    "build_model": RIGHT_BUILD_MODELS,
    "train": RIGHT_TRAINS,
    "predict_digits": RIGHT_PREDICT_DIGITS,
}


@pytest.mark.parametrize("candidate", RIGHT_TRAINS)
def test_train_accepts_correct_variants(candidate):
    check.train(candidate)


@pytest.mark.parametrize("candidate, build", [
    (train_right, small_cnn),
    (train_with_schedule, augmented_batchnorm_cnn),
])
def test_train_accepts_correct_variants_with_a_learners_model(candidate, build):
    check.train(candidate, build_model=build)


def test_train_may_follow_the_models_own_loss():
    """A model compiled for one-hot labels, trained with one-hot labels: right for that model."""
    def train_one_hot(model, data):
        x = data.x_train.reshape(-1, 28, 28, 1) / 255
        return model.fit(x, keras.utils.to_categorical(data.y_train, 10), epochs=2, batch_size=32, verbose=0)

    check.train(train_one_hot, build_model=lambda: small_cnn(loss="categorical_crossentropy"))


# ---------------------------------------------------------------------------------------
# train: mistakes


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
    order = np.random.default_rng(0).permutation(len(data.x_train))
    data.x_train[:] = data.x_train[order]
    data.y_train[:] = data.y_train[order]
    return train_right(model, data)


def train_replaces_labels(model, data):
    data.y_train = keras.utils.to_categorical(data.y_train, 10).argmax(axis=1)
    return train_right(model, data)


def train_zero_epochs(model, data):
    return model.fit(data.x_train[..., None] / 255, data.y_train, epochs=0, verbose=0)


def train_with_validation_split(model, data):
    x = data.x_train[..., None] / 255
    return model.fit(x, data.y_train, epochs=2, batch_size=32, validation_split=0.1, verbose=0)


def train_validates_on_test_digits(model, data):
    x = data.x_train[..., None] / 255
    return model.fit(x, data.y_train, epochs=2, batch_size=32, verbose=0,
                     validation_data=(data.x_test[..., None] / 255, data.y_test))


def train_on_the_global_digits(model, data):
    """Ignores its data: trains on MNIST loaded again (as with the notebook's global `data`)."""
    from autograder.data import mnist_subset

    digits = mnist_subset()
    return model.fit(digits.x_train[:2000, ..., None] / 255, digits.y_train[:2000], epochs=2, batch_size=32,
                     verbose=0)


def train_one_epoch_at_a_time(model, data):
    x = data.x_train[..., None] / 255
    for _ in range(2):
        history = model.fit(x, data.y_train, epochs=1, batch_size=32, verbose=0)
    return history


@pytest.mark.parametrize("candidate, words", [
    (train_unscaled, r"not scaled to \[0, 1\]"),
    (train_returns_nothing, "(?s)returned None.*History"),
    (train_new_model, "builds and fits a new model"),
    (train_shuffles_images_only, "same order"),
    (train_shuffles_in_place, r"(?s)changed its data: data\.x_train was changed in place.*data\.y_train"),
    (train_replaces_labels, r"data\.y_train was replaced"),
    (train_zero_epochs, "0 epochs"),
    (train_with_validation_split, "(?s)validation data.*val_loss.*all of data.x_train"),
    (train_validates_on_test_digits, r"read data\.x_test"),
    (train_on_the_global_digits, "(?s)usual names.*does not learn from the data it is given"),
    (train_one_epoch_at_a_time, "(?s)History of 1 epoch.*does not cover every epoch"),
    (not_written, "not written yet"),
])
def test_train_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.train(candidate)


def test_train_reports_a_broken_build_model():
    with pytest.raises(AssertionError, match="(?s)build_model\\(\\), which failed.*not written yet"):
        check.train(train_right, build_model=not_written)


def test_train_is_checked_in_quick_mode(monkeypatch):
    """quick() is True while the check runs train(), in the notebook as under nbgrader, so
    that a ✔ in the notebook means the same at grading; the mode is restored afterwards."""
    from autograder import runtime

    seen = []

    def train_noting_the_mode(model, data):
        seen.append(runtime.quick())
        return train_right(model, data)

    monkeypatch.setenv("COURSE_QUICK", "0")
    check.train(train_noting_the_mode)
    assert seen == [True] and not runtime.quick()


def test_train_below_the_floor_fails():
    def one_short_epoch(model, data):
        x = data.x_train[..., None] / 255
        return model.fit(x[:300], data.y_train[:300], epochs=1, batch_size=100, verbose=0)

    with pytest.raises(AssertionError, match=r"(?s)the floor is 80%.*Train for more epochs"):
        check.train(one_short_epoch)


def test_train_names_batch_norm_statistics_that_lag_behind():
    """Batch norm's default momentum (0.99) needs hundreds of batches: after quick mode's
    few dozen the running averages that predictions use are still near their start."""
    with pytest.raises(AssertionError, match="(?s)batch statistics.*momentum=0.9"):
        check.train(train_with_schedule, build_model=functools.partial(augmented_batchnorm_cnn, momentum=0.99))


def test_training_task_renames_labels_and_guards_the_test_digits():
    task = mnist.training_task(4)
    assert np.all(task.renaming != np.arange(10)) and sorted(task.renaming) == list(range(10))
    data = task.data
    assert data.x_train.shape == (mnist.TRAIN_DIGITS, 28, 28) and data.x_train.dtype == np.uint8
    assert "training" in repr(data) and not data.test_reads  # printing it reads no test digit
    assert len(data.x_test) == 200 and data.test_reads == ["x_test"]
    assert mnist.training_task(5).renaming.tolist() != task.renaming.tolist() or \
        not np.array_equal(mnist.training_task(5).data.y_train, data.y_train)


# ---------------------------------------------------------------------------------------
# predict_digits


def predict_right(model, images):
    return model.predict(images[..., None].astype("float32") / 255, verbose=0).argmax(axis=1)


def predict_called_in_inference_mode(model, images):
    return np.argmax(np.asarray(model(np.expand_dims(images / 255.0, -1), training=False)), axis=-1)


def predict_one_by_one(model, images):
    return [int(np.argmax(model(img.reshape(1, 28, 28, 1) / 255, training=False))) for img in images]


def predict_int32(model, images):
    return predict_right(model, images).astype(np.int32)


def predict_in_batches_of_16(model, images):
    return np.concatenate([predict_right(model, images[i:i + 16]) for i in range(0, len(images), 16)])


def predict_on_batch(model, images):
    x = images.astype(np.float32)[:, :, :, np.newaxis] / 255.0
    return np.asarray(model.predict_on_batch(x)).argmax(axis=1)


def predict_as_tensor(model, images):
    import tensorflow as tf

    return tf.argmax(model.predict(images[..., None] / 255, verbose=0), axis=1)


RIGHT_PREDICT_DIGITS.extend([predict_right, predict_called_in_inference_mode, predict_one_by_one, predict_int32,
                             predict_in_batches_of_16, predict_on_batch, predict_as_tensor])


@pytest.mark.parametrize("candidate", RIGHT_PREDICT_DIGITS)
def test_predict_digits_accepts_correct_variants(candidate):
    check.predict_digits(candidate)


def predict_bare_call(model, images):
    return np.asarray(model(images[..., None] / 255)).argmax(axis=1)


def predict_in_training_mode(model, images):
    return np.asarray(model(images[..., None] / 255, training=True)).argmax(axis=1)


def predict_with_its_own_model(model, images):
    return predict_right(mnist.trained_reference(), images)


def predict_thresholds_in_place(model, images):
    images[images < 40] = 0  # a clean-up step that changes the caller's images
    return predict_right(model, images)


@pytest.mark.parametrize("candidate, words", [
    (lambda model, images: model.predict(images[..., None] / 255, verbose=0), "probabilities"),
    (lambda model, images: model.predict(images[..., None] / 255, verbose=0).argmax(axis=0), "wrong axis"),
    (lambda model, images: predict_right(model, images)[:, None], r"\.ravel\(\)"),
    (lambda model, images: predict_right(model, images).astype(float), r"(?s)must be ints.*astype\(int\)"),
    (lambda model, images: np.squeeze(predict_right(model, images)), r"expected \(1,\)"),
    (lambda model, images: model.predict(images[..., None].astype("float32"), verbose=0).argmax(1),
     r"not scaled to \[0, 1\]"),
    (lambda model, images: predict_right(model, images.transpose(0, 2, 1)), "rows and columns swapped"),
    (lambda model, images: predict_right(model, 255 - images), "inverted"),
    (lambda model, images: predict_right(model, images)[::-1].copy(), "labels differ"),
    (lambda model, images: model.predict(images[..., None] / 255 / 255, verbose=0).argmax(1), "divided by 255 twice"),
    (lambda model, images: model.predict(images.reshape(-1, 784), verbose=0).argmax(1), "raised"),
    (predict_bare_call, "(?s)different labels each time.*model\\(x, training=False\\)"),
    (predict_in_training_mode, "different labels each time"),
    (predict_with_its_own_model, "does not use its `model`"),
    (predict_thresholds_in_place, "changed its input array in place"),
    (not_written, "not written yet"),
])
def test_predict_digits_rejects_mistakes(candidate, words):
    with pytest.raises(AssertionError, match=words):
        check.predict_digits(candidate)


def test_predict_digits_failures_are_short():
    """A wrong answer is described in a few lines, never by printing whole label arrays."""
    with pytest.raises(AssertionError) as failure:
        check.predict_digits(lambda model, images: (predict_right(model, images) + 1) % 10)
    message = str(failure.value)
    assert "labels differ" in message and len(message) < 400 and message.count("\n") <= 2, message


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


def test_probes_answer_as_designed():
    images, _ = mnist.sample_digits(0, 64)
    x = mnist.to_model_input(images)
    assert np.all(mnist.probabilities(mnist.constant_probe(6), x).argmax(axis=1) == 6)
    bands = mnist.probabilities(mnist.scale_probe(), x).argmax(axis=1)
    assert len(set(bands.tolist())) >= 4  # real digits spread over the brightness bands
    assert np.all(mnist.probabilities(mnist.scale_probe(), x * 255).argmax(axis=1) == 9)
    augmenting = mnist.augmenting_probe()
    inference = mnist.probabilities(augmenting, x).argmax(axis=1)
    assert np.array_equal(inference, bands)
    assert np.array_equal(augmenting.predict(x, verbose=0).argmax(axis=1), bands)
    bare = [np.asarray(augmenting(x)).argmax(axis=1) for _ in range(2)]
    assert np.mean(bare[0] != bands) > 0.5 and not np.array_equal(bare[0], bare[1])
