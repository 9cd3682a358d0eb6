# %% [markdown]
# # 06 · Counting parameters
#
# Training a network means adjusting its **parameters**, the weights and biases, until its
# answers are right. How many there are decides how much data and memory training needs
# and how easily the network overfits. Chapter 01 found that a single dense layer of 1,000
# units on a 512×512 colour photo needs 786 million of them. This chapter counts the
# parameters of convolutional networks, layer by layer, and shows where the enormous
# savings come from.
#
# **You will be able to**
#
# - count the weights and biases of a convolution layer and of a fully connected layer;
# - explain the two ideas that make convolution cheap: sparse connections and parameter
#   sharing;
# - tabulate a CNN layer by layer (activation shape, activation size, parameters) and
#   check the table against Keras' `model.summary()`;
# - solve the lecture's graded exercise (parts a to d) and check every value.
#
# **Time:** about 60 minutes. **Graded exercises:** 8 (`conv_params`, `dense_params`,
# `summarize`, and the exercise's `part_a_feature_map`, `part_a_read`, `part_b_relu_pool`,
# `part_c_total_params`, `part_d_same_conv`). Each has a check you can run as often as you
# like; stuck? run `check.NAME.hint()` in a new cell, once per hint: first the idea, then
# the formula, then code that gives the answer away.
#
# Each exercise ends with a **Contract** line: exactly what its check tests, beyond the
# example. Three rules hold for all of them: your function never modifies its inputs
# (lists included), it gives the same answer when called twice with the same inputs, and
# counts are ints: a parameter count of `448.0` is rejected, because a float cannot be a
# size, an index or a padding in numpy.

# %%
from autograder import check  # first: it also keeps TensorFlow's start-up log quiet

import keras  # used to compare our counts with Keras' own
import matplotlib.pyplot as plt
import numpy as np

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Parameters of a convolution layer
#
# Two kinds of numbers describe a layer:
#
# - **hyperparameters** are chosen by the designer: the filter size `f`, the stride `s`, the
#   padding `p` and the number of filters;
# - **parameters** are learned in training: the filter weights and the biases.
#
# A convolution layer with `c_out` filters on an input with `c_in` channels stores
#
# - weights `W` of shape `f × f × c_in × c_out`: every filter is a small volume with one
#   `f × f` slice per input channel;
# - biases `b` of shape `c_out`: one number per filter.
#
# The lecture's example: 3×3 filters on an RGB input (3 channels), 16 filters:
#
# $$3 \times 3 \times 3 \times 16 + 16 = 432 + 16 = 448 \text{ parameters.}$$
#
# Notice what is *not* in the formula: the size of the image. The same 16 filters slide over
# a 32×32 thumbnail and over a 1000×1000 photo. Keras agrees; it can even build the layer
# for images of any size (`None`):

# %%
for image_shape in [(32, 32, 3), (1000, 1000, 3), (None, None, 3)]:
    layer = keras.layers.Conv2D(16, 3)
    layer.build((None, *image_shape))
    print(f"Conv2D(16 filters, 3×3) on images of shape {str(image_shape):>17}: "
          f"{layer.count_params()} parameters, kernel {tuple(layer.kernel.shape)}, bias {tuple(layer.bias.shape)}")

# %% [markdown]
# ### Exercise 1 · `conv_params(f, c_in, c_out)`
#
# - **Input:** the filter size `f`, the number of input channels `c_in` and of filters
#   `c_out` (positive ints).
# - **Output:** the number of trainable parameters, weights plus biases, as an int.
# - **Example:** `conv_params(3, 3, 16)` returns `448`; `conv_params(5, 3, 8)` returns `608`.
# - **Contract:** the result is an `int` (Python or numpy integer; `448.0` is rejected).
#   An `f`, `c_in` or `c_out` below 1 raises `ValueError`.
#
# Stuck? `check.conv_params.hint()`.

# %% solution id=conv_params
def conv_params(f, c_in, c_out):
    """Weights plus biases of a convolution layer with c_out filters of size f×f×c_in."""
    ### BEGIN SOLUTION
    if min(f, c_in, c_out) < 1:
        raise ValueError(f"f, c_in and c_out must be at least 1, got {f}, {c_in}, {c_out}")
    return f * f * c_in * c_out + c_out
    ### END SOLUTION

# %% test id=conv_params_test points=2
check.conv_params(conv_params)
### BEGIN HIDDEN TESTS
check.conv_params(conv_params, seed=606)
assert conv_params(3, 3, 16) == 448
assert conv_params(5, 8, 16) == 3216
### END HIDDEN TESTS

# %% [markdown]
# The three convolutions of chapter 05's small network (64×64×3 → 62×62×8 → 29×29×16 →
# 12×12×32) and the two of the lecture's digit network:

# %%
for name, f, c_in, c_out in [("CONV 1 of the 64×64 network", 3, 3, 8), ("CONV 2", 5, 8, 16),
                             ("CONV 3", 7, 16, 32), ("digit network CONV 1", 5, 3, 8),
                             ("digit network CONV 2", 5, 8, 16)]:
    formula = f"{f}·{f}·{c_in}·{c_out} + {c_out}"
    print(f"{name:>28}: {formula:<16} = {conv_params(f, c_in, c_out):>6,}")

# %% [markdown]
# ### A slip in the lecture: "8 filters 3×3 = 72 weights"
#
# One of the lecture decks (seed 002) counts the weights of a layer with 8 filters of
# size 3×3 as "3 × 3 (filter size) × 8 (number of filters) = 72 weights". That counts one
# 3×3 slice per filter, as if the input had one channel, and leaves out the biases. A
# filter has one 3×3 slice **per input channel**, and one bias: the right count is
# 3·3·c_in·8 + 8.

# %%
print("the slide:                       3·3·8 =", 3 * 3 * 8, "weights")
for c_in, what in [(1, "a grey image"), (3, "an RGB image"), (16, "16 feature maps")]:
    print(f"on {what:<16} (c_in = {c_in:>2}): 3·3·{c_in}·8 + 8 = {conv_params(3, c_in, 8):>5} parameters "
          f"({3 * 3 * c_in * 8} weights + 8 biases)")

# %% [markdown]
# The 72 is right only for the weights of a layer on a one-channel input; with its biases
# that layer has 80 parameters, and on a colour image 224.
#
# ## 2. Parameters of a fully connected layer
#
# A fully connected (dense) layer joins every input to every unit: `n_in × n_out` weights
# and one bias per unit, `n_out`. You wrote this in chapter 01; each notebook stands on
# its own, so write it once more here.
#
# ### Exercise 2 · `dense_params(n_in, n_out)`
#
# - **Input:** the number of inputs `n_in` and of units `n_out` (positive ints).
# - **Output:** weights plus biases, as an int.
# - **Example:** `dense_params(400, 120)` returns `48120`.
# - **Contract:** the same check as chapter 01's: the result must be the whole number
#   `n_in·n_out + n_out` (return an int, as `conv_params` does).
#
# Stuck? `check.dense_params.hint()`.

# %% solution id=dense_params
def dense_params(n_in, n_out):
    """Weights plus biases of a fully connected layer from n_in inputs to n_out units."""
    ### BEGIN SOLUTION
    return n_in * n_out + n_out
    ### END SOLUTION

# %% test id=dense_params_test points=1
check.dense_params(dense_params)
### BEGIN HIDDEN TESTS
check.dense_params(dense_params, seed=6006)
assert dense_params(84, 10) == 850
assert dense_params(120, 84) == 10164
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Why convolution needs so few parameters
#
# The lecture compares three ways of computing a 24×24 feature map from a 28×28 grey image
# (an MNIST digit):
#
# 1. **fully connected**: each of the 24·24 = 576 outputs has its own weight for each of
#    the 784 pixels, plus a bias;
# 2. **locally connected**: each output still has its own weights, but only for the 5×5
#    patch of pixels under it (the lecture's "conventional ANN, not fully connected");
# 3. **convolution**: every output uses *the same* 5×5 weights and the same bias.

# %%
fully = dense_params(28 * 28, 24 * 24)
local = 24 * 24 * 5 * 5 + 24 * 24
conv = conv_params(5, 1, 1)
print(f"fully connected  : 784 × 576 + 576        = {fully:>7,}")
print(f"locally connected: (24·24)·(5·5) + 24·24  = {local:>7,}")
print(f"convolution      : 5·5 + 1                = {conv:>7,}")

# %% [markdown]
# Two ideas take us from 452,160 down to 26:
#
# - **Sparse connections** (452,160 → 14,976): each output depends on a small window of
#   the input, not on every pixel. Edges, corners and textures are local, so a pixel far
#   away has little to say about them.
# - **Parameter sharing** (14,976 → 26): a filter that finds a vertical edge in one corner
#   of the image is just as useful everywhere else, so all positions use the same weights.
#   The lecture's 8×8 step image shows it: the same `[-1 0 1]` filter finds the edge in
#   every row.
#
# Both ideas are visible if we write a convolution as what it secretly is: a dense layer
# with a very particular weight matrix. Below, a 3×3 filter with weights 1 to 9 on a 6×6
# image (valid, 4×4 output). Row `k` of the matrix holds the weights that output pixel `k`
# gives to the 36 input pixels. Most entries are 0 (sparse), and the non-zero ones are
# the same nine numbers again and again (shared).

# %%
kernel = np.arange(1, 10).reshape(3, 3)
n, f = 6, 3
m = n - f + 1
as_dense = np.zeros((m * m, n * n))
for i in range(m):
    for j in range(m):
        window = np.zeros((n, n))
        window[i:i + f, j:j + f] = kernel
        as_dense[i * m + j] = window.reshape(-1)

image = np.random.default_rng(6).integers(0, 10, size=(n, n))
direct = np.array([[np.sum(image[i:i + f, j:j + f] * kernel) for j in range(m)] for i in range(m)])
assert np.array_equal(as_dense @ image.reshape(-1), direct.reshape(-1))  # the same computation

fig, ax = plt.subplots(figsize=(11, 5))
shown = np.where(as_dense == 0, np.nan, as_dense)
ax.imshow(shown, cmap="viridis", vmin=1, vmax=9)
for (r, c), value in np.ndenumerate(as_dense):
    if value:
        ax.text(c, r, int(value), ha="center", va="center", fontsize=7, color="white" if value < 6 else "black")
ax.set_xlabel("input pixel (6×6 image, flattened row by row)")
ax.set_ylabel("output pixel (4×4 map, flattened)")
ax.set_title(f"A 3×3 convolution as a dense {m * m}×{n * n} weight matrix: "
             f"{np.count_nonzero(as_dense)} of {as_dense.size} entries non-zero, only 9 different values")
plt.show()

# %% [markdown]
# A dense layer would learn all 576 entries of this matrix (plus 16 biases) independently;
# the convolution learns 9 weights and 1 bias. The blank entries are the sparse
# connections, the repeated colours the shared parameters.
#
# ### Convolution versus fully connected on a colour image
#
# The lecture's second comparison: a 32×32×3 image (3,072 values) to a 28×28×8 volume
# (6,272 values). A convolution with eight 5×5 filters does it with 608 parameters. A
# fully connected layer between the same two volumes needs one weight for every pair:

# %%
n_in, n_out = 32 * 32 * 3, 28 * 28 * 8
print(f"inputs {n_in:,}, outputs {n_out:,}")
print(f"convolution    : 5·5·3·8 + 8          = {conv_params(5, 3, 8):>12,}")
print(f"fully connected: {n_in:,} × {n_out:,} + {n_out:,} = {dense_params(n_in, n_out):>12,}")
print(f"ratio: the dense layer needs {dense_params(n_in, n_out) / conv_params(5, 3, 8):,.0f} times more")

# %% [markdown]
# The right count is **19,273,856**. The slide prints 20,528,256 ≈ 20.5 M: it multiplies
# 6,272 by **3,272** instead of 3,072, a slip of one digit. The conclusion stands either
# way (608 ≪ 19.3 M), but here is the slip in numbers:

# %%
slide = 6272 * 3272 + 6272
right = 6272 * 3072 + 6272
print(f"slide: 6,272 × 3,272 + 6,272 = {slide:,}")
print(f"right: 6,272 × 3,072 + 6,272 = {right:,}")
print(f"difference: {slide - right:,} = 6,272 × 200")

# %% [markdown]
# ## 4. A whole network, layer by layer
#
# The lecture tabulates a small digit classifier in the style of LeNet-5: for each layer the
# shape of its output ("activation shape"), the number of values in it ("activation size")
# and its parameters. Let us make the computer write such tables.
#
# We describe a network by its input shape and a list of layers, each a tuple:
#
# | layer | tuple | output shape | parameters |
# |---|---|---|---|
# | convolution | `("conv", f, s, p, n_filters)` | ⌊(n_H + 2p − f) / s⌋ + 1 rows, the same with `n_W` for columns, `n_filters` channels | `f·f·c_in·n_filters + n_filters` |
# | max pooling | `("pool", f, s)` | ⌊(n_H − f) / s⌋ + 1 rows, the same with `n_W` for columns, channels unchanged | 0 |
# | flattening | `("flatten",)` | `(n_H·n_W·c,)` | 0 |
# | fully connected | `("dense", n_units)` | `(n_units,)` | `n_in·n_units + n_units` |
#
# Here the layer's input has shape `(n_H, n_W, c)` (so `c_in = c` for a convolution), or
# `(n_in,)` after flattening.
#
# Activations such as ReLU and softmax change values, not shapes, and have no parameters,
# so they get no row. The lecture's table folds the flattening into its first FC layer;
# here (as in Keras) it is a row of its own.

# %%
lenet_input = (32, 32, 3)
lenet = [
    ("conv", 5, 1, 0, 8),    # CONV1 f=5, s=1, 8 filters
    ("pool", 2, 2),          # POOL1 f=2, s=2
    ("conv", 5, 1, 0, 16),   # CONV2
    ("pool", 2, 2),          # POOL2
    ("flatten",),
    ("dense", 120),          # FC3
    ("dense", 84),           # FC4
    ("dense", 10),           # FC5, followed by softmax
]

# %% [markdown]
# ### Exercise 3 · `summarize(input_shape, layers)`
#
# - **Input:** `input_shape`, a tuple `(n_H, n_W, c)`; `layers`, a list of layer tuples in the
#   format of the table above.
# - **Output:** a list with one row per layer (no row for the input), each row a tuple
#   `(shape, size, params)`: the layer's output shape as a tuple of ints, its size (the
#   product of the shape) and its number of parameters, both ints. A layer of any other
#   kind raises `ValueError`, and so does a convolution or pooling window that does not
#   fit in its (padded) input. You may assume every `"dense"` layer comes after a
#   `"flatten"` or another `"dense"` layer.
# - **Example:** `summarize((32, 32, 3), [("conv", 5, 1, 0, 8), ("pool", 2, 2)])` returns
#   `[((28, 28, 8), 6272, 608), ((14, 14, 8), 1568, 0)]`.
# - **Contract:** rows are tuples `(shape, size, params)`; `shape` is a tuple of ints, and
#   a flat activation is written `(120,)` as in Keras (not the lecture's 120×1, not a
#   list); `size` and `params` are ints (`608.0` is rejected). The result must match
#   Keras' own shapes and counts on random networks with non-square inputs, padding and
#   strides that do not divide evenly. `("dropout", 0.5)`, a 7×7 filter on a 6×6 input
#   and a 4×4 pooling window on a 3×3 map raise `ValueError`. The `layers` list is not
#   modified (no `.pop()`), and a second call gives the same rows.
#
# Use your `conv_params` and `dense_params`. Stuck? `check.summarize.hint()`.

# %% solution id=summarize
def summarize(input_shape, layers):
    """One (output shape, activation size, parameters) row per layer."""
    ### BEGIN SOLUTION
    rows = []
    shape = tuple(input_shape)
    for layer in layers:
        kind = layer[0]
        if kind == "conv":
            _, f, s, p, n_filters = layer
            h, w, c = shape
            new_shape = ((h + 2 * p - f) // s + 1, (w + 2 * p - f) // s + 1, n_filters)
            params = conv_params(f, c, n_filters)
        elif kind == "pool":
            _, f, s = layer
            h, w, c = shape
            new_shape = ((h - f) // s + 1, (w - f) // s + 1, c)
            params = 0
        elif kind == "flatten":
            new_shape = (int(np.prod(shape)),)
            params = 0
        elif kind == "dense":
            new_shape = (layer[1],)
            params = dense_params(int(np.prod(shape)), layer[1])
        else:
            raise ValueError(f"unknown layer kind {kind!r}: use 'conv', 'pool', 'flatten' or 'dense'")
        if min(new_shape) < 1:
            raise ValueError(f"layer {layer} does not fit its input of shape {shape}")
        rows.append((new_shape, int(np.prod(new_shape)), params))
        shape = new_shape
    return rows
    ### END SOLUTION

# %% test id=summarize_test points=4
check.summarize(summarize)
### BEGIN HIDDEN TESTS
check.summarize(summarize, seed=62958)
_rows = summarize(lenet_input, lenet)
assert [tuple(r[0]) for r in _rows][:4] == [(28, 28, 8), (14, 14, 8), (10, 10, 16), (5, 5, 16)]
assert [int(r[2]) for r in _rows] == [608, 0, 3216, 0, 0, 48120, 10164, 850]
assert sum(int(r[2]) for r in _rows) == 62958
### END HIDDEN TESTS

# %% [markdown]
# The lecture's table, with the input as the first line and the total at the bottom:

# %%
def print_table(input_shape, layers, names):
    rows = summarize(input_shape, layers)
    print(f"{'layer':<31}{'activation shape':>18}{'size':>9}{'parameters':>13}")
    print(f"{'input image':<31}{str(tuple(input_shape)):>18}{int(np.prod(input_shape)):>9,}{'-':>13}")
    for name, (shape, size, params) in zip(names, rows):
        print(f"{name:<31}{str(tuple(shape)):>18}{size:>9,}{params:>13,}")
    total = sum(params for _, _, params in rows)
    print(f"{'total':<31}{'':>18}{'':>9}{total:>13,}")
    return total


lenet_names = ["CONV1 (f=5, s=1, 8 filters)", "POOL1 (f=2, s=2)", "CONV2 (f=5, s=1, 16 filters)",
               "POOL2 (f=2, s=2)", "flatten", "FC3 (120 units)", "FC4 (84 units)", "FC5 (10 units), softmax"]
lenet_total = print_table(lenet_input, lenet, lenet_names)

# %% [markdown]
# 62,958 parameters in all, the lecture's total. Now build the same network in Keras and
# let it count. ReLU and softmax are set as the layers' activations; they add nothing.

# %%
lenet_model = keras.Sequential([
    keras.Input(lenet_input),
    keras.layers.Conv2D(8, 5, activation="relu", name="CONV1"),
    keras.layers.MaxPooling2D(2, strides=2, name="POOL1"),
    keras.layers.Conv2D(16, 5, activation="relu", name="CONV2"),
    keras.layers.MaxPooling2D(2, strides=2, name="POOL2"),
    keras.layers.Flatten(name="flatten"),
    keras.layers.Dense(120, activation="relu", name="FC3"),
    keras.layers.Dense(84, activation="relu", name="FC4"),
    keras.layers.Dense(10, activation="softmax", name="FC5"),
], name="lenet_style")
lenet_model.summary()

# %%
ours = summarize(lenet_input, lenet)
for layer, (shape, size, params) in zip(lenet_model.layers, ours):
    keras_shape = tuple(layer.output.shape[1:])
    same = keras_shape == tuple(shape) and layer.count_params() == params
    print(f"{layer.name:>8}: Keras {str(keras_shape):>14} {layer.count_params():>7,} | "
          f"ours {str(tuple(shape)):>14} {params:>7,} | {'agree' if same else 'DIFFER'}")
print(f"total: Keras {lenet_model.count_params():,}, ours {lenet_total:,}")

# %% [markdown]
# Plot the two columns of the table side by side (on a log scale, they span four orders of
# magnitude) and the lecture's observation jumps out: the activations shrink layer after
# layer, but the parameters pile up in the fully connected layers. FC3 alone holds 48,120
# of the 62,958, over three quarters; the two convolutions together hold 3,824.

# %%
sizes = [int(np.prod(lenet_input))] + [size for _, size, _ in ours]
params = [0] + [p for _, _, p in ours]
labels = ["input", "CONV1", "POOL1", "CONV2", "POOL2", "flatten", "FC3", "FC4", "FC5"]
positions = np.arange(len(labels))
fig, ax = plt.subplots(figsize=(11, 4))
ax.bar(positions - 0.2, sizes, width=0.4, label="activation size")
ax.bar(positions + 0.2, params, width=0.4, label="parameters")
ax.set_yscale("log")
for x, count in zip(positions[1:], params[1:]):  # the input is not a layer: no parameter bar
    if count == 0:
        ax.text(x + 0.2, 12, "0", ha="center", color="tab:orange")
ax.set_xticks(positions, labels)
ax.set_xlabel("layer (input first)")
ax.set_ylabel("count (log scale)")
ax.set_title("LeNet-style network: activations shrink, parameters gather in the FC layers\n"
             "(pooling and flattening have 0 parameters)")
ax.legend()
plt.show()

# %% [markdown]
# Chapter 05's network, with a 10-unit classifier on top, makes the same point even more
# strongly: its three convolutions need 28,560 parameters, the one dense layer after them
# 46,090.

# %%
stack = [("conv", 3, 1, 0, 8), ("conv", 5, 2, 0, 16), ("conv", 7, 2, 0, 32), ("flatten",), ("dense", 10)]
stack_total = print_table((64, 64, 3), stack, ["CONV 1 (f=3, s=1)", "CONV 2 (f=5, s=2)", "CONV 3 (f=7, s=2)",
                                               "flatten", "FC (10 units)"])

# %% [markdown]
# ## 5. The lecture's graded exercise
#
# The lecture ends with a four-part exercise on a small network: a convolution layer, a
# ReLU layer, a pooling layer and a fully connected layer. Each part is one function here.
#
# ### Part a: the feature map
#
# Three 6×6 input channels, one 3×3×3 filter, bias `b = 7`, no padding, stride 1.
# Determine the shape of the feature map and three of its values. As always in this
# course, the channels are stacked on the last axis.

# %%
exam_x = np.stack([
    [[1, 2, 0, 2, 1, 2], [3, 2, 6, 0, 3, 0], [0, 0, 0, 1, 0, 1],
     [1, 3, 4, 2, 2, 0], [0, 2, 2, 0, 3, 1], [5, 3, 6, 1, 2, 0]],
    [[1, 2, 4, 3, 0, 1], [0, 4, 3, 2, 1, 5], [2, 0, 5, 2, 0, 2],
     [7, 2, 0, 1, 3, 3], [2, 0, 4, 0, 2, 0], [1, 6, 3, 0, 5, 3]],
    [[1, 0, 2, 3, 0, 1], [0, 4, 5, 2, 3, 2], [2, 0, 6, 0, 0, 2],
     [0, 2, 4, 1, 2, 4], [2, 6, 2, 0, 2, 3], [2, 0, 3, 0, 0, 0]],
], axis=-1)
exam_w = np.stack([
    [[0, 0, 1], [3, 4, 0], [0, 0, -1]],
    [[-1, -2, 0], [0, 2, 0], [2, -1, 0]],
    [[0, -2, 0], [-1, 1, 0], [0, -1, 0]],
], axis=-1)
exam_b = 7
print("input", exam_x.shape, " filter", exam_w.shape, " bias", exam_b)

# %% [markdown]
# #### `part_a_feature_map(x, w, b)`
#
# - **Input:** `x` of shape `(n_H, n_W, c)`, one filter `w` of shape `(f, f, c)`, a bias `b`
#   (a number).
# - **Output:** the feature map, a float array of shape `(n_H − f + 1, n_W − f + 1)`: cross-correlation
#   (no flip) over all channels, stride 1, no padding, plus `b`. No ReLU yet.
# - **Example:** for the exercise's data the top-left value is 35.
# - **Contract:** `x` and `w` may be ints, float64 or float32, and non-contiguous views;
#   the result is a numpy float array (an int array is rejected) within float32 rounding
#   of the exact sums. `x` and `w` are not modified. On the exercise's own data the
#   feedback names a mistake but never prints the answer.
#
# Stuck? `check.part_a_feature_map.hint()`.

# %% solution id=part_a_feature_map
def part_a_feature_map(x, w, b):
    """Valid, stride-1 feature map of one f×f×C filter plus its bias."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    f = w.shape[0]
    rows, cols = x.shape[0] - f + 1, x.shape[1] - f + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.sum(x[i:i + f, j:j + f, :] * w) + b
    return out
    ### END SOLUTION

# %% test id=part_a_feature_map_test points=2
check.part_a_feature_map(part_a_feature_map)
### BEGIN HIDDEN TESTS
check.part_a_feature_map(part_a_feature_map, seed=7)
assert part_a_feature_map(exam_x, exam_w, exam_b).shape == (4, 4)
assert part_a_feature_map(exam_x, exam_w, exam_b)[0, 0] == 35
### END HIDDEN TESTS

# %%
exam_map = part_a_feature_map(exam_x, exam_w, exam_b)
print("feature map shape:", exam_map.shape, "=", "(6 − 3 + 1, 6 − 3 + 1)")
print(exam_map.astype(int))

# %% [markdown]
# The question asks for the values at the **4th column, 4th row**, the **3rd column, 2nd
# row** and the **2nd column, 4th row**. Mind the order: it names the column first and
# counts from 1, while numpy indexes `[row, column]` from 0.
#
# #### `part_a_read(feature_map, positions)`
#
# - **Input:** a 2-D `feature_map`; `positions`, a list of `(column, row)` pairs counted
#   from 1, as the question words them.
# - **Output:** the list of values at those positions, in the same order.
# - **Example:** `part_a_read(np.array([[1, 2], [3, 4]]), [(2, 1)])` returns `[2]`
#   (2nd column, 1st row).
# - **Contract:** the result is a list (a tuple or 1-D array is fine too) of the values,
#   in the order of `positions`; the map may hold ints or floats and be a view. Neither
#   the map nor the `positions` list is modified (no `.sort()` or `.pop()` on it).
#
# Stuck? `check.part_a_read.hint()`.

# %% solution id=part_a_read
def part_a_read(feature_map, positions):
    """Values at (column, row) positions counted from 1."""
    ### BEGIN SOLUTION
    return [feature_map[row - 1, column - 1] for column, row in positions]
    ### END SOLUTION

# %% test id=part_a_read_test points=1
check.part_a_read(part_a_read)
### BEGIN HIDDEN TESTS
check.part_a_read(part_a_read, seed=44)
assert [int(v) for v in part_a_read(exam_map, [(4, 4), (3, 2), (2, 4)])] == [9, -3, 22]
### END HIDDEN TESTS

# %%
asked = [(4, 4), (3, 2), (2, 4)]
for (column, row), value in zip(asked, part_a_read(exam_map, asked)):
    print(f"column {column}, row {row} → exam_map[{row - 1}, {column - 1}] = {int(value)}")

# %% [markdown]
# ### Part b: ReLU, then max pooling
#
# The question then gives a 4×4 feature map as the input of the ReLU layer, and asks for a
# plot of ReLU, the rectified map, and the result of max pooling it with a 2×2 window and
# stride 1 (so the output is ⌊(4 − 2) / 1⌋ + 1 = 3 on a side). This map is **given
# data**: it is not the map you computed in part a. Half of its 16 entries agree with
# part a's map (35, 20, 1, −3, 7, 22, −2 and 22 sit in the same places), the other half
# do not, so take it as the question states it.

# %%
exam_b_map = np.array([[35, 20, 20, 3],
                       [1, -1, 21, -3],
                       [21, 7, 15, 22],
                       [-2, 22, 22, 29]])
same = exam_b_map == exam_map
print(f"{same.sum()} of 16 entries equal part a's map; the given map differs at {(~same).sum()} places:")
print(np.where(same, exam_b_map, 0).astype(int), "(0 where the two maps differ)")
zs = np.linspace(-5, 5, 101)
fig, ax = plt.subplots(figsize=(4.5, 3))
ax.plot(zs, np.maximum(zs, 0), linewidth=2.5)
ax.axhline(0, color="gray", linewidth=0.8)
ax.axvline(0, color="gray", linewidth=0.8)
ax.set_xlabel("input z")
ax.set_ylabel("ReLU(z) = max(0, z)")
ax.set_title("The ReLU activation function")
plt.show()

# %% [markdown]
# #### `part_b_relu_pool(feature_map)`
#
# - **Input:** a 2-D feature map.
# - **Output:** a tuple `(rectified, pooled)`: the map after ReLU, and the rectified map
#   after max pooling with a 2×2 window and stride 1 (shape one smaller in each direction).
# - **Example:** `part_b_relu_pool(np.array([[1, -2], [-3, 4]]))` returns
#   `(array([[1, 0], [0, 4]]), array([[4]]))`.
# - **Contract:** both results are numpy arrays (lists are rejected), of any numeric
#   dtype, within float32 rounding; the map may be ints, float64 or float32, or a view,
#   and is not modified (no `feature_map[feature_map < 0] = 0` on the caller's array).
#
# Stuck? `check.part_b_relu_pool.hint()`.

# %% solution id=part_b_relu_pool
def part_b_relu_pool(feature_map):
    """(ReLU of the map, 2×2 stride-1 max pooling of the rectified map)."""
    ### BEGIN SOLUTION
    rectified = np.maximum(feature_map, 0)
    rows, cols = rectified.shape[0] - 1, rectified.shape[1] - 1
    pooled = np.array([[rectified[i:i + 2, j:j + 2].max() for j in range(cols)] for i in range(rows)])
    return rectified, pooled
    ### END SOLUTION

# %% test id=part_b_relu_pool_test points=2
check.part_b_relu_pool(part_b_relu_pool)
### BEGIN HIDDEN TESTS
check.part_b_relu_pool(part_b_relu_pool, seed=8)
_rect, _pooled = part_b_relu_pool(exam_b_map)
assert np.array_equal(_rect, [[35, 20, 20, 3], [1, 0, 21, 0], [21, 7, 15, 22], [0, 22, 22, 29]])
assert np.array_equal(_pooled, [[35, 21, 21], [21, 21, 22], [22, 22, 29]])
### END HIDDEN TESTS

# %%
rectified, pooled = part_b_relu_pool(exam_b_map)
print("rectified feature map:\n", rectified)
print("pooled feature map (2×2, stride 1):\n", pooled)

# %% [markdown]
# The overlapping windows (stride 1) reduce 16 values only to 9, and a large value is
# copied into every window that contains it, so the pooled map repeats its largest values.
#
# ### Part c: all the training parameters
#
# The pooled map is flattened and connected to a fully connected layer of 32 neurons.
# How many training parameters do the layers have together? Describe the network of
# parts a to c (input 6×6×3, the convolution of part a, ReLU, the pooling of part b,
# flattening, 32 units) in your `summarize` format and add up the parameters.
#
# #### `part_c_total_params()`
#
# - **Input:** none.
# - **Output:** the total number of training parameters of all the layers, an int (use
#   `summarize`).
# - **Example** of the same kind of count, for a different network: a 5×5×1 input, one 3×3
#   filter, ReLU, 2×2 max pooling with stride 1, flattening and 10 neurons has
#   (3·3·1 + 1) + 0 + 0 + (2·2·1·10 + 10) = 10 + 50 = 60 parameters.
# - **Contract:** the result is an `int` (`348.0` would be rejected, and so is every
#   other number: the feedback names the likely slip without printing the answer).
#
# Stuck? `check.part_c_total_params.hint()`.

# %% solution id=part_c_total_params
def part_c_total_params():
    """Total training parameters of the exercise's conv + ReLU + pool + FC network."""
    ### BEGIN SOLUTION
    layers = [("conv", 3, 1, 0, 1), ("pool", 2, 1), ("flatten",), ("dense", 32)]
    return sum(params for _, _, params in summarize((6, 6, 3), layers))
    ### END SOLUTION

# %% test id=part_c_total_params_test points=1
check.part_c_total_params(part_c_total_params)
### BEGIN HIDDEN TESTS
assert part_c_total_params() == 348
### END HIDDEN TESTS

# %%
exam_layers = [("conv", 3, 1, 0, 1), ("pool", 2, 1), ("flatten",), ("dense", 32)]
exam_total = print_table((6, 6, 3), exam_layers, ["conv 3×3×3, 1 filter (+ ReLU)", "max pool 2×2, s=1",
                                                  "flatten", "FC, 32 neurons"])

# %% [markdown]
# Two things are easy to miss. The bias `b = 7` counts: the question gives its value, but in
# a network it is learned like the 27 weights. And the FC layer sees the *pooled* map,
# flattened, not the 4×4 feature map.
#
# ### Part d: "same" padding on a large image
#
# A convolution layer takes a 256×256×3 input and uses 7×7 filters, stride 1 and 8 output
# channels. Which padding `p` makes it a "same" convolution, and how many training
# parameters does it have?
#
# #### `part_d_same_conv(input_shape, f, c_out)`
#
# - **Input:** `input_shape = (h, w, c_in)`, the odd filter size `f`, the number of filters
#   `c_out`.
# - **Output:** a tuple `(p, params)`: the padding per side of a stride-1 "same"
#   convolution and the layer's number of parameters, both ints.
# - **Example:** `part_d_same_conv((32, 32, 3), 3, 16)` returns `(1, 448)`.
# - **Contract:** a tuple (or list) of two `int`s (`(3.0, 1184)` is rejected); an even
#   `f` raises `ValueError`, as `same_padding` does in chapter 05.
#
# Stuck? `check.part_d_same_conv.hint()`.

# %% solution id=part_d_same_conv
def part_d_same_conv(input_shape, f, c_out):
    """(padding per side, parameters) of a stride-1 'same' convolution layer."""
    ### BEGIN SOLUTION
    if f < 1 or f % 2 == 0:
        raise ValueError(f"f = {f}: a stride-1 'same' convolution needs a positive odd filter size")
    return (f - 1) // 2, conv_params(f, input_shape[2], c_out)
    ### END SOLUTION

# %% test id=part_d_same_conv_test points=1
check.part_d_same_conv(part_d_same_conv)
### BEGIN HIDDEN TESTS
check.part_d_same_conv(part_d_same_conv, seed=256)
assert tuple(int(v) for v in part_d_same_conv((256, 256, 3), 7, 8)) == (3, 1184)
### END HIDDEN TESTS

# %%
p, params = part_d_same_conv((256, 256, 3), 7, 8)
print(f"p = (7 − 1) / 2 = {p}: output ⌊(256 + 2·{p} − 7) / 1⌋ + 1 = {(256 + 2 * p - 7) // 1 + 1}")
print(f"parameters: 7·7·3·8 + 8 = {params:,}")
same_layer = keras.Sequential([keras.Input((256, 256, 3)), keras.layers.Conv2D(8, 7, padding="same")])
print("Keras 'same':", tuple(same_layer.output_shape[1:]), "with", f"{same_layer.count_params():,}", "parameters")

# %% [markdown]
# The parameter count printed above is tiny next to the 256·256·8 = 524,288 values of the
# layer's output: the eight 7×7×3 filters are shared by every position of the image.
#
# ## Recap
#
# - Parameters are learned (weights, biases); hyperparameters are chosen (f, s, p, number
#   of filters).
# - A convolution layer has `f·f·c_in·c_out + c_out` parameters, whatever the image size:
#   3·3·3·16 + 16 = 448. Eight 3×3 filters are not "72 weights" but 3·3·c_in·8 + 8
#   parameters (80 on a grey image, 224 on a colour one). A dense layer has
#   `n_in·n_out + n_out`.
# - Sparse connections and parameter sharing are why: a 5×5 filter on a 28×28 image needs
#   26 parameters, a locally connected layer 14,976, a fully connected one 452,160.
#   From 32×32×3 to 28×28×8: 608 for the convolution, 19,273,856 for a dense layer (the
#   slide's 20,528,256 multiplies by 3,272 instead of 3,072).
# - A table of activation shape, activation size and parameters per layer describes a
#   network; for the lecture's LeNet-style network it adds up to 62,958 parameters, as
#   Keras' `model.summary()` confirms, most of them in the first FC layer.
# - Pooling, flattening and activations have no parameters.
# - The exercise: one 3×3×3 filter on a 6×6×3 input gives a 4×4 map, whose values are read
#   as (column, row) counted from 1; part b's map is given data (it shares half its entries
#   with part a's), and ReLU and 2×2 stride-1 pooling leave 3×3; the total
#   counts every bias, the given `b = 7` included; a "same" layer needs `p = (f − 1) / 2`
#   and its parameters do not depend on the image size. Your functions printed every
#   value above.
