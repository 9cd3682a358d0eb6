# %% [markdown]
# # 05 · Padding, stride and pooling: the layers of a CNN by hand
#
# The previous chapters slid one small filter over one grey image. A convolutional
# network does the same thing at scale: batches of colour images with several channels,
# many filters at once, windows that jump several pixels, borders padded with zeros, and
# between the convolutions a few simple layers (ReLU, pooling, flattening, softmax) that
# turn feature maps into class probabilities. This chapter builds every one of those
# layers in numpy and checks it against Keras.
#
# **You will be able to**
#
# - predict the output size of a convolution or pooling layer from the input size `n`,
#   filter size `f`, padding `p` and stride `s`, including sizes that do not divide evenly,
#   and TensorFlow's `"SAME"` sizes ⌈n/s⌉;
# - choose the padding of a "same" convolution and explain why filters have odd sizes;
# - write a convolution layer over a **batch** of volumes (several examples, several input
#   channels, several filters, one bias per filter), reproduce the lecture's two-filter
#   example, and make it fast with numpy's sliding windows;
# - write ReLU, max and average pooling, flattening and a softmax that does not overflow,
#   and say when tanh or the sigmoid is used instead of ReLU;
# - trace a batch of images through a stack of layers and get the same numbers as Keras.
#
# **Time:** about 90 minutes. **Graded exercises:** 7 (`output_size`, `same_padding`,
# `conv_forward`, `relu`, `pool_forward`, `flatten`, `softmax`). Each has a check you can
# run as often as you like; stuck? run `check.NAME.hint()` in a new cell, once per hint:
# first the idea, then the formula, then code that gives the answer away.
#
# Conventions used throughout, the same as Keras': a batch of images is an array of shape
# `(m, n_H, n_W, n_C)`, the lecture's `m` examples, channels last; padding `p` is the
# number of zero rows or columns added **on each side**; and "convolution" means
# cross-correlation (the filter is not flipped).
#
# Notation, as in the lecture: `n` is the size of a square input, `f` the filter (or
# window) size, `p` the padding, `s` the stride. An input that need not be square has
# `n_H` rows and `n_W` columns; a volume has `n_C_prev` channels going in, and a layer with
# `n_C` filters makes `n_C` output channels (the lecture writes both as `n_c`).
#
# Each exercise ends with a **Contract** line: exactly what its check tests, beyond the
# example. Three rules hold for all of them: your function never modifies its inputs, it
# gives the same answer when called twice with the same inputs, and sizes are ints (`3`,
# not `3.0`: a float cannot be a size in `range`, `np.zeros` or `np.pad`). Layer outputs
# are numpy arrays; a float result may differ from the exact one by float32 rounding, so
# computing in float32 is fine.

# %%
from autograder import check  # first: it also keeps TensorFlow's start-up log quiet

import re
import time

import keras  # loaded once here; we only use it to compare our layers with the real thing
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from autograder.data import sample_image
from autograder.runtime import quick

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. How big is the output?
#
# Slide an `f × f` window over an `n × n` image, one pixel at a time. The window's left
# edge can sit at columns `0, 1, …, n − f` (after that it would stick out on the right),
# so there are `n − f + 1` positions. The lecture's 8×8 edge example with a 3×3 filter
# gives a 6×6 output: 8 − 3 + 1 = 6.
#
# Two hyperparameters change this count.
#
# - **Padding `p`**: `p` rows of zeros above and below, `p` columns left and right. The
#   window now slides over `n + 2p` pixels, not `n`.
# - **Stride `s`**: the window jumps `s` pixels at a time. Its left edge sits at
#   `0, s, 2s, …` and must stay at most `n + 2p − f`. The number of jumps is therefore
#   `(n + 2p − f) / s`, **rounded down**: a jump that would carry the window past the
#   border is simply not made. Adding the starting position:
#
# $$n_\text{out} = \left\lfloor \frac{n + 2p - f}{s} \right\rfloor + 1$$
#
# The floor matters as soon as the sizes do not divide evenly. Here are the window
# positions for a row of 8 pixels, `f = 3`, `s = 2`: (8 − 3) / 2 = 2.5 jumps, so only 2
# are made and the last pixel is never the start of a window.

# %%
n, f, s = 8, 3, 2
starts = list(range(0, n - f + 1, s))
print("window start positions:", starts)
for start in starts:
    print(f"  window at {start}: covers pixels {list(range(start, start + f))}")
print(f"a jump to {starts[-1] + s} would need pixels {list(range(starts[-1] + s, starts[-1] + s + f))}, "
      f"but the last pixel is {n - 1}")

# %%
fig, ax = plt.subplots(figsize=(9, 2.6))
for j in range(n):
    ax.add_patch(plt.Rectangle((j, 0), 1, 1, fill=False))
    ax.text(j + 0.5, 0.5, str(j), ha="center", va="center")
colours = ["tab:blue", "tab:orange", "tab:green"]
for k, start in enumerate(starts):
    ax.add_patch(plt.Rectangle((start + 0.05, 1.2 + 0.45 * k), f - 0.1, 0.35, color=colours[k], alpha=0.6))
    ax.text(start + f / 2, 1.37 + 0.45 * k, f"output {k}", ha="center", va="center")
dropped = starts[-1] + s
ax.add_patch(plt.Rectangle((dropped + 0.05, 1.2 + 0.45 * len(starts)), f - 0.1, 0.35, fill=False,
                           edgecolor="tab:red", linestyle="--"))
ax.text(dropped + f / 2, 1.37 + 0.45 * len(starts), "not made:", ha="center", va="center",
        color="tab:red")
ax.text(dropped + f + 0.1, 1.37 + 0.45 * len(starts), "needs pixel 8, which does not exist",
        ha="left", va="center", color="tab:red")
ax.add_patch(plt.Rectangle((n, 0), 1, 1, fill=False, edgecolor="tab:red", linestyle=":"))
ax.text(n + 0.5, 0.5, "8?", ha="center", va="center", color="tab:red")
ax.set_xlim(-0.2, n + 6.5)
ax.set_ylim(-0.2, 3.1)
ax.set_yticks([])
ax.set_xlabel("pixel index along the row")
ax.set_title("n = 8, f = 3, s = 2: ⌊(8 − 3) / 2⌋ + 1 = 3 windows")
plt.show()

# %% [markdown]
# ### Exercise 1 · `output_size(n, f, p, s)`
#
# - **Input:** the input size `n`, filter size `f`, padding per side `p` and stride `s`.
# - **Output:** the number of output rows (or columns), an int:
#   ⌊(n + 2p − f) / s⌋ + 1.
# - **Example:** the lecture's `output_size(5, 3, 0, 2)` returns `2`;
#   `output_size(8, 3, 0, 2)` returns `3`.
# - **Contract:** the result is an `int` (Python or numpy; `3.0` is rejected). Arguments
#   that no layer can have raise `ValueError`: a stride below 1, a negative padding, `n` or
#   `f` below 1, or a window larger than the padded input (`f > n + 2p`).
#
# Stuck? `check.output_size.hint()`.

# %% solution id=output_size
def output_size(n, f, p, s):
    """Output rows (or columns) of a convolution or pooling layer: ⌊(n + 2p − f) / s⌋ + 1."""
    ### BEGIN SOLUTION
    if s < 1 or p < 0 or n < 1 or f < 1:
        raise ValueError(f"no layer has n={n}, f={f}, p={p}, s={s}: n, f, s ≥ 1 and p ≥ 0")
    if f > n + 2 * p:
        raise ValueError(f"a window of {f} does not fit in {n} + 2·{p} = {n + 2 * p} pixels")
    return (n + 2 * p - f) // s + 1
    ### END SOLUTION

# %% test id=output_size_test points=1
check.output_size(output_size)
### BEGIN HIDDEN TESTS
check.output_size(output_size, seed=505)
assert output_size(5, 3, 0, 2) == 2
assert output_size(5, 3, 1, 2) == 3
assert output_size(8, 3, 0, 2) == 3
### END HIDDEN TESTS

# %% [markdown]
# Try it on sizes that do not divide evenly. Each line shows the exact quotient, so you can
# see the floor at work.

# %%
for n, f, p, s in [(5, 3, 0, 2), (6, 3, 0, 2), (7, 3, 0, 2), (8, 3, 0, 2), (10, 4, 1, 3), (28, 5, 0, 3),
                   (32, 5, 2, 1)]:
    print(f"n={n:>2}, f={f}, p={p}, s={s}: (n + 2p − f) / s = {(n + 2 * p - f) / s:5.2f}"
          f"  →  output {output_size(n, f, p, s)}")

# %% [markdown]
# Sizes 7 and 8 give the same output with `f = 3, s = 2`: the eighth pixel only ever
# appears in a window that would stick out. Strides that do not fit waste a strip of
# pixels at the bottom and the right, which is one reason network designers pick sizes
# that divide evenly.
#
# ## 2. Padding: "valid" and "same"
#
# Without padding (`p = 0`, a **valid** convolution) every 3×3 layer removes one pixel on
# each side. Stack a few and the image melts away:

# %%
sizes = {"valid (p = 0)": [32], "same (p = 1)": [32]}
for layer in range(10):
    sizes["valid (p = 0)"].append(output_size(sizes["valid (p = 0)"][-1], 3, 0, 1))
    sizes["same (p = 1)"].append(output_size(sizes["same (p = 1)"][-1], 3, 1, 1))
fig, ax = plt.subplots(figsize=(6, 3.2))
for label, values in sizes.items():
    ax.plot(range(len(values)), values, "o-", label=label)
ax.set_xlabel("number of 3×3 convolution layers")
ax.set_ylabel("image size (pixels)")
ax.set_title("A 32×32 image through stacked 3×3 convolutions")
ax.legend()
plt.show()
print("valid:", sizes["valid (p = 0)"])

# %% [markdown]
# There is a second, quieter problem: pixels at the border take part in fewer windows
# than pixels in the middle, so the layer "looks" at them less. Counting how many 3×3
# windows cover each pixel of a 6×6 image makes that visible.

# %%
def coverage(n, f, p):
    """How many f×f windows (stride 1) cover each pixel of an n×n image padded by p."""
    counts = np.zeros((n + 2 * p, n + 2 * p), dtype=int)
    for i in range(n + 2 * p - f + 1):
        for j in range(n + 2 * p - f + 1):
            counts[i:i + f, j:j + f] += 1
    return counts[p:p + n, p:p + n]


fig, axes = plt.subplots(1, 2, figsize=(8, 3.8))
for ax, p in zip(axes, [0, 1]):
    counts = coverage(6, 3, p)
    ax.imshow(counts, cmap="viridis", vmin=0, vmax=9)
    for (i, j), value in np.ndenumerate(counts):
        ax.text(j, i, value, ha="center", va="center", color="white" if value < 6 else "black")
    ax.set_title(f"p = {p}: output {output_size(6, 3, p, 1)}×{output_size(6, 3, p, 1)}")
    ax.set_xlabel("column")
    ax.set_ylabel("row")
fig.suptitle("How many 3×3 windows see each pixel of a 6×6 image")
plt.show()

# %% [markdown]
# A corner pixel is seen once without padding and four times with one ring of zeros.
#
# A **same** convolution pads just enough that, with stride 1, the output has the input's
# size. Set the output size equal to `n` and solve:
#
# $$n + 2p - f + 1 = n \quad\Longrightarrow\quad p = \frac{f - 1}{2}$$
#
# For `f = 3` that is one ring of zeros, for `f = 5` two, for `f = 7` three. For an even
# `f` the formula gives a half pixel: you would have to pad one side more than the other,
# and the filter would have no centre pixel to say "this output belongs here". That is why
# filters almost always have odd sizes. (Keras' `padding="same"` still accepts even
# filters; it quietly puts the extra row and column at the bottom and right.)
#
# ### Exercise 2 · `same_padding(f)`
#
# - **Input:** a filter size `f`.
# - **Output:** the padding per side `p = (f − 1) / 2` of a "same" convolution with
#   stride 1, as an int. For an even `f`, raise `ValueError` with a short explanation.
# - **Example:** `same_padding(5)` returns `2`; `same_padding(4)` raises `ValueError`.
# - **Contract:** the result is an `int` (`1.0` is rejected: `np.pad` needs an int);
#   an even `f`, and an `f` below 1 (which has no "same" padding either), raise
#   `ValueError`.
#
# Stuck? `check.same_padding.hint()`.

# %% solution id=same_padding
def same_padding(f):
    """Zero padding per side that keeps the size with stride 1 (odd f only)."""
    ### BEGIN SOLUTION
    if f < 1 or f % 2 == 0:
        raise ValueError(f"f = {f}: 'same' padding needs a positive odd filter size, because "
                         "(f - 1) / 2 must be a whole number of pixels on each side")
    return (f - 1) // 2
    ### END SOLUTION

# %% test id=same_padding_test points=1
check.same_padding(same_padding)
### BEGIN HIDDEN TESTS
check.same_padding(same_padding, seed=1234)
assert same_padding(7) == 3
### END HIDDEN TESTS

# %%
for f in [1, 3, 5, 7]:
    p = same_padding(f)
    print(f"f = {f}: p = {p}, and a 28×28 input stays {output_size(28, f, p, 1)}×{output_size(28, f, p, 1)}")

# %% [markdown]
# ## 3. Strided convolution
#
# With stride 1 the window visits every position; with stride 2 it skips every other one,
# which roughly halves the output in each direction. The lecture's example: a 5×5 binary
# image and the 3×3 "X" filter
#
# ```
# 1 0 1
# 0 1 0
# 1 0 1
# ```
#
# With stride 1 the output is 3×3; with stride 2 the window takes the path shown on the
# right, visiting only four positions, and the output is ⌊(5 − 3) / 2⌋ + 1 = 2 on a side.

# %%
A = np.array([[1, 1, 1, 0, 0],
              [0, 1, 1, 1, 0],
              [0, 0, 1, 1, 1],
              [0, 0, 1, 1, 0],
              [0, 1, 1, 0, 0]])
X_filter = np.array([[1, 0, 1],
                     [0, 1, 0],
                     [1, 0, 1]])


def window_sums(image, kernel, stride):
    """Single-channel valid cross-correlation with a stride, written out for this demo."""
    k = kernel.shape[0]
    rows = output_size(image.shape[0], k, 0, stride)
    cols = output_size(image.shape[1], k, 0, stride)
    return np.array([[np.sum(image[i * stride:i * stride + k, j * stride:j * stride + k] * kernel)
                      for j in range(cols)] for i in range(rows)])


print("stride 1:\n", window_sums(A, X_filter, 1))
print("stride 2:\n", window_sums(A, X_filter, 2))

# %%
stride2 = window_sums(A, X_filter, 2)
path_colours = ["tab:blue", "tab:orange", "tab:green", "tab:red"]
fig, axes = plt.subplots(1, 2, figsize=(9, 4.4), gridspec_kw={"width_ratios": [5, 2.6]})
ax = axes[0]
ax.imshow(A, cmap="Greys", vmin=0, vmax=3)
for (i, j), value in np.ndenumerate(A):
    ax.text(j, i, value, ha="center", va="center", fontsize=12)
centres = []
for k, (i, j) in enumerate([(0, 0), (0, 2), (2, 0), (2, 2)]):
    offset = 0.05 + 0.06 * k  # nested a little so that overlapping windows stay visible
    ax.add_patch(plt.Rectangle((j - 0.5 + offset, i - 0.5 + offset), 3 - 2 * offset, 3 - 2 * offset,
                               fill=False, edgecolor=path_colours[k], linewidth=2.5))
    centres.append((j + 1, i + 1))
for k in range(3):
    (x0, y0), (x1, y1) = centres[k], centres[k + 1]
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                arrowprops=dict(arrowstyle="->", color="black", linewidth=1.5, shrinkA=8, shrinkB=8))
for k, (x0, y0) in enumerate(centres):
    ax.plot(x0, y0, "o", color=path_colours[k], markersize=14, alpha=0.5)
ax.set_title("stride 2: the window jumps 2 columns, then 2 rows")
ax.set_xlabel("column")
ax.set_ylabel("row")
ax = axes[1]
ax.imshow(np.zeros_like(stride2), cmap="Greys", vmin=0, vmax=1)
for k, ((i, j), value) in enumerate(np.ndenumerate(stride2)):
    ax.add_patch(plt.Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, edgecolor=path_colours[k], linewidth=2.5))
    ax.text(j, i, value, ha="center", va="center", fontsize=14)
ax.set_title("output (2×2)")
ax.set_xticks([0, 1])
ax.set_yticks([0, 1])
plt.show()

# %% [markdown]
# The stride-2 output is exactly every other row and column of the stride-1 output
# (positions 0 and 2): a strided convolution computes fewer windows, not different ones.
#
# ## 4. Convolution over a volume, and over a batch
#
# A colour image is a volume of shape `(n_H, n_W, 3)`. A filter for it is a volume too, of
# shape `(f, f, 3)`: one `f × f` slice per input channel. At each position the filter
# multiplies all `f · f · 3` numbers under it, adds them **all** up (over rows, columns
# *and* channels) and adds one bias. So one filter makes one 2-D output, whatever the
# number of input channels: a (6, 6, 3) image and a (3, 3, 3) filter give (4, 4).
#
# A layer uses many filters at once. Each filter produces its own output channel, so
# `n_C` filters give an output volume with `n_C` channels. The lecture counts it out for
# that 6×6×3 input (108 pixels) and 3×3×3 filters (27 weights each):

# %%
side = output_size(6, 3, 0, 1)
print(f"input 6×6×3 = {6 * 6 * 3} pixels; one 3×3×3 filter has {3 * 3 * 3} weights and gives {side}×{side}")
for n_filters in [1, 4, 128]:
    print(f"{n_filters:>3} filters → output {side}×{side}×{n_filters} = {side * side * n_filters:,} values")

# %% [markdown]
# Four filters give 4×4×4 = 64 numbers, 128 filters 4×4×128 = 2,048: the output grows with
# the number of filters, while each filter still only looks at a small window.
#
# All the weights of a layer fit in one array and all the biases in another:
#
# - `W` of shape `(f, f, n_C_prev, n_C)`: `W[:, :, :, k]` is filter `k`;
# - `b` of shape `(n_C,)`: one bias per filter (not per pixel, not per input channel).
#
# ### A batch of m examples
#
# Networks never look at one image at a time: they process a **batch** of `m` examples,
# stacked along a first axis, as the lecture's `m` examples and as every Keras layer.
# A batch of colour images has shape `(m, n_H, n_W, n_C_prev)`. The same filters slide
# over every example, and example `i` of the output depends on example `i` of the input
# only. Output pixel `(r, c)` of channel `k` of example `i` is
#
# $$z[i, r, c, k] = \sum_{u=0}^{f-1} \sum_{v=0}^{f-1} \sum_{ch=0}^{n_{C,prev}-1}
#   x_p[i,\; r s + u,\; c s + v,\; ch] \cdot W[u, v, ch, k] + b[k]$$
#
# where `x_p` is the input after zero padding of its rows and columns (never of the batch
# or channel axis). (`W` is the weight array here; the number of columns is `n_W`.)
#
# **A single image** is a batch of one: `x[None]` (or `x[np.newaxis]`) adds the batch
# axis, turning `(n_H, n_W, n_C)` into `(1, n_H, n_W, n_C)`, and `z[0]` takes it off the
# result. Our layers refuse a 3-D array with a `ValueError` that says so, rather than
# guess: read as a batch, a (5, 5, 3) image would be five "examples" of 5×3 pixels with
# no channel axis at all, and whatever came out would be nonsense that fails much later,
# far from the cause. Keras refuses it too.

# %%
one_image = np.zeros((5, 5, 3))
print("one image:", one_image.shape, "→ a batch of one:", one_image[None].shape)
try:
    keras.layers.Conv2D(2, 3)(one_image)
except ValueError as error:
    reason = re.search(r"expected min_ndim=\d+, found ndim=\d+", str(error))
    print("Keras on the single image: ValueError,", reason.group() if reason else str(error)[:60])

# %% [markdown]
# ### The lecture's example
#
# A 5×5×3 input, two 3×3×3 filters with biases 1 and 0, padding 1 and stride 2. The
# output is ⌊(5 + 2 − 3) / 2⌋ + 1 = 3 pixels on a side, with 2 channels.

# %%
x_volume = np.stack([
    [[2, 1, 1, 1, 0], [2, 1, 1, 2, 2], [2, 1, 1, 0, 0], [1, 2, 0, 2, 2], [0, 2, 0, 1, 0]],  # x[:, :, 0]
    [[0, 0, 1, 1, 2], [1, 2, 1, 1, 0], [0, 0, 2, 0, 2], [2, 0, 0, 0, 2], [0, 2, 2, 1, 1]],  # x[:, :, 1]
    [[0, 2, 0, 2, 1], [0, 0, 2, 1, 2], [0, 0, 1, 0, 2], [1, 2, 2, 0, 2], [2, 0, 1, 1, 1]],  # x[:, :, 2]
], axis=-1)
w0 = np.stack([[[1, -1, -1], [-1, -1, -1], [1, -1, 1]],
               [[-1, 1, -1], [0, 1, 1], [1, -1, 1]],
               [[1, 0, 0], [-1, 1, 0], [-1, 0, 0]]], axis=-1)
w1 = np.stack([[[1, 0, -1], [1, 1, 0], [-1, 0, 1]],
               [[1, -1, 1], [-1, 0, 1], [0, -1, 0]],
               [[0, 0, 0], [-1, 1, -1], [-1, 0, 1]]], axis=-1)
W_volume = np.stack([w0, w1], axis=-1)
b_volume = np.array([1, 0])
print("input x:", x_volume.shape, "  filters W:", W_volume.shape, "  biases b:", b_volume.shape)

# %% [markdown]
# Work out the top-left output of channel 0 by hand. Pad the input, take the 3×3 window
# at the top left of every channel, multiply it with the matching slice of filter 0 and
# add up; then add the bias.

# %%
x_padded = np.pad(x_volume, ((1, 1), (1, 1), (0, 0)))
print("padded input:", x_padded.shape)
total = 0
for c in range(3):
    window = x_padded[0:3, 0:3, c]
    part = int(np.sum(window * W_volume[:, :, c, 0]))
    total += part
    print(f"channel {c}: window {window.tolist()} · w0[:, :, {c}] = {part:+d}")
print(f"sum over channels {total:+d}, plus bias b0 = {b_volume[0]}: z[0, 0, 0] = {total + b_volume[0]}")

# %% [markdown]
# The lecture's output volume starts with −2 in channel 0. Now write the whole layer, for
# a batch.
#
# ### Exercise 3 · `conv_forward(x, W, b, stride, pad)`
#
# - **Input:** a batch `x` of shape `(m, n_H, n_W, n_C_prev)`; filters `W` of shape
#   `(f, f, n_C_prev, n_C)`; biases `b` of shape `(n_C,)`; `stride` ≥ 1; `pad` ≥ 0 zeros per
#   side (rows and columns only).
# - **Output:** a float array of shape `(m, n_H', n_W', n_C)` with
#   `n_H' = output_size(n_H, f, pad, stride)` and `n_W'` likewise: the cross-correlation
#   (do not flip the filter) summed over all input channels, plus one bias per filter,
#   for every example. No activation: ReLU is a separate layer.
# - **Example:** with the lecture's volume above,
#   `conv_forward(x_volume[None], W_volume, b_volume, 2, 1)[0, :, :, 0]` is
#   `[[-2, 2, 1], [-7, 0, 3], [2, 4, 3]]`.
# - **Contract:** `x` may be int, uint8, float32 or float64 and a non-contiguous view (a
#   slice with a step), `W` may be in Fortran order; `n_H ≠ n_W`, even filters and strides
#   that do not divide the size all occur. The result is a numpy float array (an integer
#   array is rejected), within float32 rounding of the exact sums. A 3-D `x` (one image)
#   raises `ValueError` whose message mentions the batch axis (e.g. "add a batch axis:
#   x[None]"). `x`, `W` and `b` are not modified.
#
# Loops over the output rows and columns are fine; work on all examples of the batch at
# once inside them. Stuck? `check.conv_forward.hint()`.

# %% solution id=conv_forward
def conv_forward(x, W, b, stride=1, pad=0):
    """Convolution layer (cross-correlation) over a batch (m, n_H, n_W, n_C_prev) with n_C filters."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        raise ValueError(f"x must be a batch of shape (m, n_H, n_W, n_C), not {x.shape}: "
                         "for a single image, add a batch axis with x[None]")
    m, n_H, n_W, n_C_prev = x.shape
    f, _, _, n_C = W.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))  # rows and columns only
    rows = output_size(n_H, f, pad, stride)
    cols = output_size(n_W, f, pad, stride)
    z = np.zeros((m, rows, cols, n_C))
    for i in range(rows):
        for j in range(cols):
            window = xp[:, i * stride:i * stride + f, j * stride:j * stride + f, :]  # (m, f, f, n_C_prev)
            # multiply with every filter and sum over rows, columns and input channels
            z[:, i, j, :] = np.tensordot(window, W, axes=([1, 2, 3], [0, 1, 2])) + b
    return z
    ### END SOLUTION

# %% test id=conv_forward_test points=4
check.conv_forward(conv_forward)
### BEGIN HIDDEN TESTS
check.conv_forward(conv_forward, seed=2021)
_z = conv_forward(x_volume[None], W_volume, b_volume, 2, 1)
assert np.shape(_z) == (1, 3, 3, 2)
assert np.array_equal(_z[0, :, :, 0], [[-2, 2, 1], [-7, 0, 3], [2, 4, 3]])
assert np.array_equal(_z[0, :, :, 1], [[0, 0, -4], [4, 2, 1], [0, 1, 0]])
### END HIDDEN TESTS

# %% [markdown]
# Both output channels of the lecture, reproduced (the image as a batch of one):

# %%
z_volume = conv_forward(x_volume[None], W_volume, b_volume, stride=2, pad=1)
print("output shape:", z_volume.shape)
for k in range(2):
    print(f"o[:, :, {k}] (filter {k}, bias {b_volume[k]}):\n{z_volume[0, :, :, k].astype(int)}")

# %%
def show_grid(ax, values, title, cmap, limit, grey_border=False):
    """One small matrix as coloured cells with its numbers written in (colours from -limit to
    limit, or from 0 to limit for the grey input)."""
    ax.imshow(values, cmap=cmap, vmin=0 if grey_border else -limit, vmax=limit)
    last = values.shape[0] - 1
    for (i, j), value in np.ndenumerate(values):
        faint = grey_border and (i in (0, last) or j in (0, last))
        ax.text(j, i, int(value), ha="center", va="center", color="tab:gray" if faint else "black")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])


fig, axes = plt.subplots(3, 5, figsize=(14, 9), gridspec_kw={"width_ratios": [1.3, 1.3, 1.3, 0.6, 1]})
for c in range(3):
    show_grid(axes[0, c], x_padded[:, :, c], f"padded input x[:, :, {c}]", "Greys", 5, grey_border=True)
    axes[0, c].add_patch(plt.Rectangle((-0.5, -0.5), 3, 3, fill=False, edgecolor="tab:purple", linewidth=2.5))
    for k in range(2):
        show_grid(axes[1 + k, c], W_volume[:, :, c, k], f"w{k}[:, :, {c}]", "coolwarm", 1.5)
for k in range(2):
    axes[1 + k, 3].text(0.5, 0.5, f"+ b{k}\n= {b_volume[k]}", ha="center", va="center", fontsize=14)
    show_grid(axes[1 + k, 4], z_volume[0, :, :, k], f"output o[:, :, {k}]", "coolwarm", 7)
    axes[1 + k, 4].add_patch(plt.Rectangle((-0.45, -0.45), 0.9, 0.9, fill=False, edgecolor="tab:purple",
                                           linewidth=2.5))
axes[0, 4].text(0, 0.5, "Row 1: the input volume,\nzero ring = padding p = 1.\n"
                "Rows 2 and 3: the two filters,\n3×3×3 each, and their biases.\n"
                "The purple window (all 3\nchannels) times filter k, plus b_k,\n"
                "gives the purple output pixel\nof channel k; then the window\njumps 2 pixels (s = 2).",
                fontsize=10.5, va="center")
for ax in axes[:, 3].tolist() + [axes[0, 4]]:
    ax.axis("off")
fig.suptitle("Convolution over a volume: 5×5×3 input, two 3×3×3 filters, p = 1, s = 2 → 3×3×2", fontsize=13)
plt.show()

# %% [markdown]
# Keras does the same computation. Its `Conv2D` layer stores its kernel with exactly our
# layout `(f, f, n_C_prev, n_C)` and its bias as `(n_C,)`, so we can hand it our weights.
# Its `padding="same"` chooses the padding itself (section 6 shows how), so to pad by an
# exact `p` we put a `ZeroPadding2D(p)` layer in front. Keras computes in float32.

# %%
def keras_conv(x, W, b, stride, pad):
    """The same layer in Keras, with our weights, on a batch x."""
    layer = keras.layers.Conv2D(W.shape[3], W.shape[0], strides=stride, padding="valid")
    model = keras.Sequential([keras.Input(x.shape[1:]), keras.layers.ZeroPadding2D(pad), layer])
    layer.set_weights([W.astype("float32"), b.astype("float32")])
    return keras.ops.convert_to_numpy(model(x.astype("float32")))


print("lecture example, Keras channel 0:\n", keras_conv(x_volume[None], W_volume, b_volume, 2, 1)[0, :, :, 0])
rng = np.random.default_rng(5)
x_odd, W_odd, b_odd = rng.normal(size=(4, 11, 8, 3)), rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4)
ours, theirs = conv_forward(x_odd, W_odd, b_odd, 2, 1), keras_conv(x_odd, W_odd, b_odd, 2, 1)
print("a batch of four 11×8×3 inputs, 4 filters, stride 2, pad 1 → ours", ours.shape, "Keras", theirs.shape,
      "| same values:", np.allclose(ours, theirs, atol=1e-4))

# %% [markdown]
# The lecture's volume count, with real filters this time: random 3×3×3 filters on a
# 6×6×3 input.

# %%
x_six = rng.integers(0, 3, size=(1, 6, 6, 3))
for n_filters in [1, 4, 128]:
    z = conv_forward(x_six, rng.normal(size=(3, 3, 3, n_filters)), np.zeros(n_filters), 1, 0)
    print(f"{n_filters:>3} filters: conv_forward gives {z.shape}, {z[0].size:,} values per example")

# %% [markdown]
# ### Fast convolution: windows instead of loops
#
# The loops of `conv_forward` visit each output position in Python. numpy can hand us all
# the windows at once instead. `np.lib.stride_tricks.sliding_window_view(xp, (f, f),
# axis=(1, 2))` returns, **without copying anything**, a view of shape
# `(m, n_H_p − f + 1, n_W_p − f + 1, n_C_prev, f, f)`: for every example and every
# position, the `f × f` window of every channel. It works by giving the same memory new
# strides (how many bytes to step along each axis), so it is instant. Taking every
# `stride`-th position, `[:, ::stride, ::stride]`, is the strided convolution. What is
# left is one big multiply-and-sum over the window axes `(ch, u, v)`, which `np.einsum`
# writes exactly like the formula above.
#
# (Another classic way is **im2col**: copy every window into a row of a matrix of shape
# `(m · n_H' · n_W', f · f · n_C_prev)`, reshape `W` to `(f · f · n_C_prev, n_C)`, and one
# matrix product gives all outputs. It is what many libraries do on a GPU. It costs
# memory: every pixel is copied about `f²` times.)

# %%
def conv_forward_fast(x, W, b, stride=1, pad=0):
    """conv_forward without Python loops: all windows at once, then one einsum."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        raise ValueError(f"x must be a batch (m, n_H, n_W, n_C), not {x.shape}: add a batch axis with x[None]")
    f = W.shape[0]
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (f, f), axis=(1, 2))[:, ::stride, ::stride]
    # windows[i, r, c, ch, u, v] = xp[i, r·s + u, c·s + v, ch]
    return np.einsum("ircduv,uvdk->irck", windows, W) + b


check.conv_forward(conv_forward_fast)
print("same as the loops on the lecture's example:",
      np.array_equal(conv_forward_fast(x_volume[None], W_volume, b_volume, 2, 1), z_volume))

# %% [markdown]
# The fast version passes the same check as yours. Now the race, on a batch of 8 colour
# images of 32×32 with 16 filters of 3×3, "same" padding: our loops, our sliding windows,
# and Keras' `Conv2D` given the same weights. The timings depend on the machine (and vary
# from run to run); the ratios are what matter.

# %%
rng = np.random.default_rng(7)
x_race = rng.normal(size=(8, 32, 32, 3))
W_race, b_race = rng.normal(size=(3, 3, 3, 16)), rng.normal(size=16)
keras_layer = keras.layers.Conv2D(16, 3, padding="same")
keras_layer.build((None, 32, 32, 3))
keras_layer.set_weights([W_race.astype("float32"), b_race.astype("float32")])
results = {"loops (conv_forward)": conv_forward(x_race, W_race, b_race, 1, 1),
           "sliding windows + einsum": conv_forward_fast(x_race, W_race, b_race, 1, 1),
           "Keras Conv2D (float32)": keras.ops.convert_to_numpy(keras_layer(x_race.astype("float32")))}
for name, result in results.items():
    print(f"{name:<26} shape {result.shape}, largest difference from the loops: "
          f"{np.abs(result - results['loops (conv_forward)']).max():.1e}")
print("all three agree to float32 precision:",
      all(np.allclose(result, results["loops (conv_forward)"], atol=1e-4) for result in results.values()))

# %% nbval-ignore-output
def best_time(run, repeats):
    """The fastest of a few runs, in seconds: the least disturbed by whatever else the machine does."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


repeats = 1 if quick() else 3
timings = {
    "loops (conv_forward)": best_time(lambda: conv_forward(x_race, W_race, b_race, 1, 1), repeats),
    "sliding windows + einsum": best_time(lambda: conv_forward_fast(x_race, W_race, b_race, 1, 1), repeats),
    "Keras Conv2D (float32)": best_time(lambda: keras_layer(x_race.astype("float32")), repeats),
}
for name, seconds in timings.items():
    print(f"{name:<26} {1000 * seconds:8.2f} ms   ({timings['loops (conv_forward)'] / seconds:6.1f}× the loops' speed)")

# %% [markdown]
# On the machine that built this notebook the sliding windows ran about ten times faster
# than our loops, in the same league as Keras' `Conv2D` (optimised C++ kernels in float32,
# which move to a GPU when there is one). And our loops are already the fast kind: each
# Python step handles a whole batch of windows and all 16 filters with one `tensordot`;
# a loop per example, filter and weight does millions of Python steps for this batch.
# Same numbers, very different costs: that is why real networks never loop over pixels
# in Python.
#
# ## 5. Activation functions: ReLU, and tanh and the sigmoid
#
# A convolution is linear (plus a bias): two convolutions in a row compute nothing that a
# single convolution with a larger filter could not. The network gets its power from a
# non-linear **activation** applied to every value of the feature map between them.
# The lecture's choice, and today's standard between convolutions, is the rectified
# linear unit,
#
# $$\mathrm{ReLU}(z) = \max(0, z),$$
#
# which keeps positive responses ("this feature is here") and replaces negative ones by 0.
# Two older activations appear in the lecture's list of CNN building blocks ("ReLU,
# Tanh") and in every neural-network text:
#
# $$\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}} \in (-1, 1), \qquad
#   \sigma(z) = \frac{1}{1 + e^{-z}} \in (0, 1).$$
#
# Both are smooth S-curves; in fact `tanh(z) = 2σ(2z) − 1`. Their slopes are what training
# feels: gradient descent multiplies the slopes of all the layers a signal passed through.

# %%
zs = np.linspace(-5, 5, 201)
sigmoid = 1 / (1 + np.exp(-zs))
activations = {"ReLU": (np.maximum(zs, 0), (zs > 0).astype(float)),
               "tanh": (np.tanh(zs), 1 - np.tanh(zs) ** 2),
               "sigmoid σ": (sigmoid, sigmoid * (1 - sigmoid))}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for name, (values, slopes) in activations.items():
    axes[0].plot(zs, values, linewidth=2.2, label=name)
    axes[1].plot(zs, slopes, linewidth=2.2, label=name)
for ax, title in zip(axes, ["the activation g(z)", "its slope g'(z)"]):
    ax.axhline(0, color="gray", linewidth=0.8)
    ax.axvline(0, color="gray", linewidth=0.8)
    ax.set_xlabel("z (value in the feature map)")
    ax.set_title(title)
    ax.legend()
axes[0].set_ylim(-1.5, 3)
plt.show()
print("largest slope: tanh", np.max(1 - np.tanh(zs) ** 2), "| sigmoid", np.max(sigmoid * (1 - sigmoid)),
      "| ReLU 1 for every z > 0")
print("slope at z = 5: tanh", round(float(1 - np.tanh(5.0) ** 2), 5), "| sigmoid",
      round(float(np.exp(-5.0) / (1 + np.exp(-5.0)) ** 2), 5), "| ReLU 1")

# %% [markdown]
# When each one is used:
#
# - **ReLU** for the hidden layers of CNNs (and most deep networks): it costs one
#   comparison, and its slope is exactly 1 for every positive input, so gradients pass
#   through many layers without shrinking. Its weak spot: a unit whose input is always
#   negative has slope 0 and stops learning ("dead" ReLU); leaky variants keep a small
#   slope there.
# - **tanh** where a zero-centred output in (−1, 1) helps: recurrent networks (LSTM and GRU
#   cells), and the classic CNNs of the 1990s (LeNet-5 used tanh-like units). It
#   **saturates**: for |z| beyond 3 or so its slope is nearly 0, and with many such layers
#   the gradient vanishes.
# - **sigmoid** where the output must be a probability in (0, 1): the last layer of a
#   yes/no classifier, and the gates inside LSTMs. For several classes, its multi-class
#   generalisation, softmax (section 8), takes over. Inside deep networks it is the worst
#   of the three for gradients: its slope is at most 0.25.
#
# ### Exercise 4 · `relu(z)`
#
# - **Input:** an array `z` of any shape (a batch of feature maps, say), ints or floats.
# - **Output:** an array of the same shape with `max(0, z)` element by element. Leave `z`
#   itself unchanged.
# - **Example:** `relu(np.array([-2.0, 0.5, 3.0]))` returns `array([0. , 0.5, 3. ])`.
# - **Contract:** `z` may be 1-D to 4-D; int32, int64, float32 or float64; possibly a
#   non-contiguous view. The result is a numpy array of `z`'s shape, with `z`'s dtype or a
#   float dtype (an int array for float input truncates and is rejected). `z` is not
#   modified (no `z[z < 0] = 0` on the caller's array).
#
# Stuck? `check.relu.hint()`.

# %% solution id=relu
def relu(z):
    """max(0, z), element-wise."""
    ### BEGIN SOLUTION
    return np.maximum(z, 0)
    ### END SOLUTION

# %% test id=relu_test points=1
check.relu(relu)
### BEGIN HIDDEN TESTS
check.relu(relu, seed=77)
assert np.array_equal(relu(np.array([[1, -1, 21, -3]])), [[1, 0, 21, 0]])
### END HIDDEN TESTS

# %% [markdown]
# The lecture shows the top-left corner of a sharpened photo before and after ReLU: the
# negative responses become 0, everything else passes unchanged.

# %%
sharpened_corner = np.array([[84.1362, 12.3258, 36.2923, 95.4401, 78.5729],
                             [188.1617, 33.9352, -19.8438, -29.4384, -28.3799],
                             [80.8206, 54.1131, 63.916, 44.8381, 15.6216],
                             [121.9746, 116.2651, 133.6276, 98.9823, 78.1111],
                             [196.6922, 98.347, 8.774, -31.7601, 18.4111]])
print(relu(sharpened_corner))

# %% [markdown]
# ## 6. Pooling
#
# A **pooling** layer shrinks each feature map by summarising small windows. Max pooling
# keeps the largest value of each `f × f` window ("how strongly was the feature found
# anywhere in this area?"); average pooling keeps the mean. The lecture notes that average
# pooling is rarely used between convolutions (its one common use today is at the very end
# of some networks, averaging each whole feature map to a single number). Pooling
#
# - works on every channel of every example on its own: `n_C` channels in, `n_C` out;
# - has no padding in our layer and **no parameters**: `f` and `s` are chosen, not learned;
# - follows the same size rule as convolution with `p = 0`: ⌊(n − f) / s⌋ + 1.
#
# The lecture's two examples: a 4×4 map with 2×2 windows and stride 2 (16 values become 4),
# and a 5×5 map with 3×3 windows and stride 1, where the windows overlap.

# %%
rectified_4x4 = np.array([[0, 0, 14, 82],
                          [149, 32, 0, 0],
                          [28, 53, 64, 44],
                          [39, 120, 133, 99]])
rectified_5x5 = np.array([[0, 0, 25, 14, 82],
                          [149, 32, 31, 0, 0],
                          [111, 200, 20, 135, 10],
                          [28, 53, 20, 64, 44],
                          [39, 120, 210, 13, 99]])
print("2×2, stride 2 on 4×4 →", output_size(4, 2, 0, 2), "×", output_size(4, 2, 0, 2))
print("2×2, stride 1 on 4×4 →", output_size(4, 2, 0, 1), "×", output_size(4, 2, 0, 1),
      "(16 values to 9: much less reduction)")
print("3×3, stride 1 on 5×5 →", output_size(5, 3, 0, 1), "×", output_size(5, 3, 0, 1))

# %% [markdown]
# ### Exercise 5 · `pool_forward(x, f, s, mode)`
#
# - **Input:** a batch `x` of shape `(m, n_H, n_W, n_C)`; window size `f`; stride `s`;
#   `mode`, either `"max"` or `"average"`.
# - **Output:** a float array of shape `(m, ⌊(n_H − f) / s⌋ + 1, ⌊(n_W − f) / s⌋ + 1, n_C)`:
#   the max or the mean of each `f × f` window, **channel by channel and example by
#   example**. No padding. Any other `mode` raises `ValueError`.
# - **Example:** `pool_forward(rectified_4x4[None, :, :, None], 2, 2, "max")[0, :, :, 0]` is
#   `[[149, 82], [120, 133]]`.
# - **Contract:** `x` may be int, uint8, float32 or float64 and a non-contiguous view; sizes
#   that the stride does not divide occur. The result is a numpy float array (an integer
#   array is rejected, also for max pooling), within float32 rounding. A 3-D `x` raises
#   `ValueError` whose message mentions the batch axis; `mode="median"` raises
#   `ValueError`. `x` is not modified.
#
# Stuck? `check.pool_forward.hint()`.

# %% solution id=pool_forward
def pool_forward(x, f, s, mode="max"):
    """Max or average pooling with f×f windows and stride s, each example and channel separately."""
    ### BEGIN SOLUTION
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', not {mode!r}")
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        raise ValueError(f"x must be a batch of shape (m, n_H, n_W, n_C), not {x.shape}: "
                         "for a single image, add a batch axis with x[None]")
    m, n_H, n_W, n_C = x.shape
    rows = output_size(n_H, f, 0, s)
    cols = output_size(n_W, f, 0, s)
    out = np.zeros((m, rows, cols, n_C))
    for i in range(rows):
        for j in range(cols):
            window = x[:, i * s:i * s + f, j * s:j * s + f, :]  # (m, f, f, n_C)
            out[:, i, j, :] = window.max(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return out
    ### END SOLUTION

# %% test id=pool_forward_test points=3
check.pool_forward(pool_forward)
### BEGIN HIDDEN TESTS
check.pool_forward(pool_forward, seed=4242)
assert np.array_equal(pool_forward(rectified_5x5[None, :, :, None], 3, 1, "max")[0, :, :, 0],
                      [[200, 200, 135], [200, 200, 135], [210, 210, 210]])
### END HIDDEN TESTS

# %%
print("max, 2×2, stride 2:\n", pool_forward(rectified_4x4[None, :, :, None], 2, 2, "max")[0, :, :, 0])
print("average, 2×2, stride 2:\n", pool_forward(rectified_4x4[None, :, :, None], 2, 2, "average")[0, :, :, 0])
print("max, 3×3, stride 1:\n", pool_forward(rectified_5x5[None, :, :, None], 3, 1, "max")[0, :, :, 0])

# %% [markdown]
# Keras' pooling layers agree, on a batch whose size the stride does not divide:

# %%
x_pool = np.random.default_rng(8).normal(size=(2, 9, 7, 3))
for mode, layer in [("max", keras.layers.MaxPooling2D(3, strides=2)),
                    ("average", keras.layers.AveragePooling2D(3, strides=2))]:
    theirs = keras.ops.convert_to_numpy(layer(x_pool.astype("float32")))
    ours = pool_forward(x_pool, 3, 2, mode)
    print(f"{mode:>7}: ours {ours.shape}, Keras {theirs.shape}, same values: {np.allclose(ours, theirs, atol=1e-5)}")

# %% [markdown]
# ### TensorFlow's "SAME" padding: ⌈n / s⌉
#
# The lecture's TensorFlow code (seed 003) pools with `padding='SAME'`:
# `tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding='SAME')`. That is
# not our "same" of section 2 (which keeps the size with stride 1). TensorFlow's rule is
# about the stride: the output has
#
# $$n_\text{out} = \left\lceil \frac{n}{s} \right\rceil$$
#
# positions, one for every started block of `s` pixels, *whatever* the window size. To
# make the windows fit, TensorFlow pads `max((n_out − 1)·s + f − n, 0)` pixels in total,
# half on each side and the odd one at the bottom and right; for max pooling the padding
# never wins (it counts as −∞). `"VALID"` is our floor rule with no padding. Keras calls
# them `padding="same"` and `padding="valid"`, and its `Conv2D` follows the same rule.

# %%
grid = np.arange(1, 26, dtype="float32").reshape(1, 5, 5, 1)  # 1 … 25, row by row
print("a 5×5 map:\n", grid[0, :, :, 0].astype(int))
print("2×2 max pooling, stride 2, VALID:\n", tf.nn.max_pool2d(grid, 2, 2, "VALID").numpy()[0, :, :, 0].astype(int))
print("2×2 max pooling, stride 2, SAME:\n", tf.nn.max_pool2d(grid, 2, 2, "SAME").numpy()[0, :, :, 0].astype(int))
print(f"{'n':>3} {'f':>2} {'s':>2} | {'VALID ⌊(n−f)/s⌋+1':>18} {'SAME ⌈n/s⌉':>11} | TensorFlow VALID, SAME")
for n, f, s in [(5, 2, 2), (6, 2, 2), (7, 3, 2), (28, 2, 2), (28, 3, 3), (32, 5, 4)]:
    x_size = np.zeros((1, n, n, 1), dtype="float32")
    tf_valid = tf.nn.max_pool2d(x_size, f, s, "VALID").shape[1]
    tf_same = tf.nn.max_pool2d(x_size, f, s, "SAME").shape[1]
    print(f"{n:>3} {f:>2} {s:>2} | {output_size(n, f, 0, s):>18} {-(-n // s):>11} | {tf_valid:>10}, {tf_same}")

# %% [markdown]
# On a 5×5 map, "SAME" gives 3×3 = ⌈5/2⌉: its last column of windows covers column 4 and
# one column of padding, which is why it reads 10, 20 and 25, values that "VALID" never
# looks at. When `s` divides `n` and `f = s` (the common 2×2, stride 2 case on even sizes)
# the two agree: 28 → 14 either way. (In Python, ⌈n/s⌉ is `-(-n // s)`, which stays an int.)
#
# ### Convolution, ReLU and pooling on a photo
#
# Time to run the three layers on a real image, a batch of one. One layer with two
# filters, the lecture's vertical and horizontal edge detectors, stacked as `W` of shape
# (3, 3, 1, 2), "same" padding; then ReLU; then 2×2 max pooling with stride 2.

# %%
camera = sample_image("camera")[::4, ::4].astype(float)[None, :, :, None]  # a batch of one 128×128×1 image
edges = np.stack([np.array([[-1, 0, 1]] * 3),                          # vertical edges
                  np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]])],     # horizontal edges
                 axis=-1)[:, :, None, :]                               # (3, 3, 1, 2)
feature_maps = conv_forward(camera, edges, np.zeros(2), stride=1, pad=same_padding(3))
rectified = relu(feature_maps)
pooled = pool_forward(rectified, 2, 2, "max")
print("input", camera.shape, "→ conv", feature_maps.shape, "→ ReLU", rectified.shape, "→ pool", pooled.shape)

fig = plt.figure(figsize=(15, 6.6))
grid_spec = fig.add_gridspec(2, 5, width_ratios=[1.5, 0.5, 1, 1, 1])
ax = fig.add_subplot(grid_spec[:, 0])
ax.imshow(camera[0, :, :, 0], cmap="gray")
ax.set_title("input x[0], 128×128×1")
ax.axis("off")
for k, name in enumerate(["vertical edges", "horizontal edges"]):
    show_grid(fig.add_subplot(grid_spec[k, 1]), edges[:, :, 0, k], f"filter {k}:\n{name}", "coolwarm", 1.5)
    limit = np.abs(feature_maps[0, :, :, k]).max()
    panels = [(feature_maps[0, :, :, k], "coolwarm", -limit, f"conv channel {k}, 128×128\n(red > 0, blue < 0)"),
              (rectified[0, :, :, k], "gray", 0, "after ReLU"),
              (pooled[0, :, :, k], "gray", 0, "after 2×2 max pooling, 64×64")]
    for column, (values, cmap, low, title) in enumerate(panels, start=2):
        ax = fig.add_subplot(grid_spec[k, column])
        ax.imshow(values, cmap=cmap, vmin=low, vmax=limit if cmap == "coolwarm" else None)
        ax.set_title(title)
        ax.axis("off")
fig.suptitle('One layer with two filters ("same" zero padding), then ReLU, then max pooling', fontsize=13)
plt.show()

# %% [markdown]
# ReLU keeps only one direction of each edge (dark to light, going right or going down);
# pooling halves the resolution but keeps every strong response, slightly thickened.
# Notice the strong red and blue lines along the borders of the raw feature maps (left and
# right for filter 0, top and bottom for filter 1): zero padding puts a black frame around
# a grey photo, and the edge filters dutifully find it. That is the price of "same"
# padding with zeros.
#
# ## 7. Flattening
#
# After the last pooling layer, the fully connected layers need a plain vector per
# example. **Flattening** lines up all the values of each example, row by row, keeping
# the channels of a pixel together (numpy's default "C" order, the order of Keras'
# `Flatten` layer). The batch axis stays: `(m, n_H, n_W, n_C)` becomes
# `(m, n_H · n_W · n_C)`, one row per example. The lecture's 2×2×3 example:

# %%
small_volume = np.arange(1, 13).reshape(2, 2, 3)
for c in range(3):
    print(f"channel {c}:\n{small_volume[:, :, c]}")

# %% [markdown]
# ### Exercise 6 · `flatten(x)`
#
# - **Input:** a batch `x` of shape `(m, …)`, typically `(m, n_H, n_W, n_C)`.
# - **Output:** an array of shape `(m, n)`, `n` the number of values per example: each
#   example's values in row-major order (the last axis changes fastest).
# - **Example:** `flatten(np.arange(1, 13).reshape(1, 2, 2, 3))` returns
#   `array([[ 1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12]])`.
# - **Contract:** `x` has at least two axes (a batch of already-flat rows stays as it is),
#   any dtype, and may be a non-contiguous view or in Fortran (column-major) memory order:
#   the order is the logical row-by-row order, not the memory order. The result is a numpy
#   array with exactly `x`'s values (no conversion to float32). `x` is not modified.
#
# Stuck? `check.flatten.hint()`.

# %% solution id=flatten
def flatten(x):
    """Each example's values in one row, row-major (C) order: (m, ...) -> (m, n)."""
    ### BEGIN SOLUTION
    x = np.asarray(x)
    return x.reshape(x.shape[0], -1)
    ### END SOLUTION

# %% test id=flatten_test points=1
check.flatten(flatten)
### BEGIN HIDDEN TESTS
check.flatten(flatten, seed=31)
assert np.asarray(flatten(np.arange(1, 13).reshape(1, 2, 2, 3))).tolist() == [list(range(1, 13))]
### END HIDDEN TESTS

# %%
print("ours: ", flatten(small_volume[None]))
print("Keras:", keras.ops.convert_to_numpy(keras.layers.Flatten()(small_volume[None].astype("float32"))))
print("the pooled camera maps:", pooled.shape, "→", flatten(pooled).shape)

# %% [markdown]
# ## 8. Softmax
#
# The last layer of a classifier produces one raw score per class, a **logit**, anywhere
# from −∞ to +∞. Softmax turns the logits into probabilities: exponentiate each one (all
# become positive) and divide by their sum (they add up to 1):
#
# $$\mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}$$
#
# The lecture's example has four classes:

# %%
classes = ["car", "truck", "motorcycle", "bus"]
logits = np.array([5.0, 6.0, 1.0, 2.0])
exps = np.exp(logits)
for name, z, e in zip(classes, logits, exps):
    print(f"{name:>10}: logit {z:4.1f}   e^z = {e:8.3f}   probability {e / exps.sum():.4f}")
print(f"{'sum':>10}: {exps.sum():.3f} → probabilities add up to {np.sum(exps / exps.sum()):.4f}")

# %% [markdown]
# The formula is fine on paper but breaks on a computer. `e^z` overflows a float64 for
# `z` above about 709 (a float32, the type networks compute in, already above about 88),
# and then softmax computes inf / inf:

# %%
big = np.array([1000.0, 1001.0])
with np.errstate(over="ignore", invalid="ignore"):  # silence numpy's warning for this demo
    print("e^z:", np.exp(big), "→ naive softmax:", np.exp(big) / np.exp(big).sum())
    print("float32: e^89 =", np.exp(np.float32(89.0)), "while e^88 =", np.exp(np.float32(88.0)))

# %% [markdown]
# The fix: subtracting the same number `m` from every logit does not change the answer,
# because `e^{−m}` appears in the numerator and in every term of the denominator and
# cancels:
#
# $$\frac{e^{z_i - m}}{\sum_j e^{z_j - m}} = \frac{e^{-m}\,e^{z_i}}{e^{-m}\sum_j e^{z_j}}
#   = \frac{e^{z_i}}{\sum_j e^{z_j}}$$
#
# Choose `m = max(z)`. Then every exponent is ≤ 0, the largest term is exactly `e^0 = 1`,
# nothing overflows, and the sum is at least 1, so there is no division by zero either.
# For (1000, 1001) that means computing with (−1, 0).
#
# Networks classify batches, so the logits usually arrive as a 2-D array with one row per
# example; softmax then works on each row separately (along the last axis), and each row
# needs its own maximum.
#
# ### Exercise 7 · `softmax(z)`
#
# - **Input:** `z`, a 1-D array of logits, or a 2-D array with one row of logits per example.
# - **Output:** a float array of the same shape with the softmax along the last axis: each
#   row is positive and sums to 1. It must stay finite and correct for logits such as 1000
#   and 1001, and for rows that are far apart from each other.
# - **Example:** `softmax(np.array([5.0, 6.0, 1.0, 2.0]))` returns approximately
#   `[0.2641, 0.7179, 0.0048, 0.0131]`; `softmax(np.array([1000.0, 1001.0]))` returns
#   approximately `[0.2689, 0.7311]`.
# - **Contract:** `z` may be int, float64 or float32 and a non-contiguous view; logits reach
#   ±1000, and float32 logits of 100 (where a float32 `exp` overflows). The result is a
#   numpy float array of `z`'s shape with no `nan` or `inf`, compared with a tolerance that
#   allows float32 arithmetic (relative to each probability, growing with the size of the
#   logits). `z` is not modified (no `z -= z.max()` on the caller's array).
#
# Stuck? `check.softmax.hint()`.

# %% solution id=softmax
def softmax(z):
    """Numerically stable softmax along the last axis (1-D logits or one row per example)."""
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
    ### END SOLUTION

# %% test id=softmax_test points=2
check.softmax(softmax)
### BEGIN HIDDEN TESTS
check.softmax(softmax, seed=99)
assert np.allclose(np.asarray(softmax(np.array([5.0, 6.0, 1.0, 2.0])), float), [0.2641, 0.7179, 0.0048, 0.0131],
                   rtol=0, atol=5e-5)
assert np.allclose(np.asarray(softmax(np.array([[1000.0, 1001.0], [-1000.0, -1001.0]])), float),
                   [[0.26894142, 0.73105858], [0.73105858, 0.26894142]], rtol=1e-5, atol=1e-6)
### END HIDDEN TESTS

# %%
probabilities = softmax(logits)
print("lecture logits:", probabilities.round(4), " sum", probabilities.sum())
print("huge logits:   ", softmax(big).round(4))
batch = np.array([[5.0, 6.0, 1.0, 2.0], [1000.0, 1001.0, 0.0, -3.0]])
print("Keras agrees on a batch:",
      np.allclose(softmax(batch), keras.ops.convert_to_numpy(keras.activations.softmax(batch, axis=-1))))

fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
axes[0].bar(classes, logits, color="tab:gray")
axes[0].set_title("logits (scores)")
axes[0].set_ylabel("logit")
axes[1].bar(classes, probabilities, color="tab:blue")
for k, value in enumerate(probabilities):
    axes[1].text(k, value + 0.01, f"{value:.4f}", ha="center")
axes[1].set_title("after softmax: probabilities")
axes[1].set_ylabel("probability")
axes[1].set_ylim(0, 0.85)
plt.show()

# %% [markdown]
# Softmax preserves the order of the logits (truck is still first) but exaggerates the
# gaps: a logit one unit higher means a probability e ≈ 2.7 times larger.
#
# ## 9. Putting it together: a batch through a network
#
# The lecture's small network takes a 64×64×3 image through three convolution layers:
#
# | layer | f | s | p | filters | output |
# |---|---|---|---|---|---|
# | input |   |   |   |   | 64×64×3 |
# | CONV 1 | 3 | 1 | 0 | 8 | 62×62×8 |
# | CONV 2 | 5 | 2 | 0 | 16 | 29×29×16 |
# | CONV 3 | 7 | 2 | 0 | 32 | 12×12×32 |
#
# The spatial size shrinks slowly at first and faster where the stride is 2, while the
# number of channels grows: the network trades resolution for more kinds of features.
# Check each row with `output_size`:

# %%
layers_spec = [("CONV 1", 3, 1, 0, 8), ("CONV 2", 5, 2, 0, 16), ("CONV 3", 7, 2, 0, 32)]
size, channels = 64, 3
print(f"{'input':>7}: {size}×{size}×{channels}")
for name, f, s, p, filters in layers_spec:
    new_size = output_size(size, f, p, s)
    print(f"{name:>7}: ⌊({size} + 2·{p} − {f}) / {s}⌋ + 1 = {new_size}  →  {new_size}×{new_size}×{filters}")
    size, channels = new_size, filters

# %% [markdown]
# Now run a whole forward pass with our own layers on a batch of three images (random
# weights, so the predictions mean nothing yet): the three convolutions with ReLU,
# flattening, a fully connected layer of 10 units (`a @ W + b`, one row per example) and
# softmax. Then build the same network in Keras, give it the same weights, and compare
# the probabilities.

# %%
rng = np.random.default_rng(64)
images = rng.random((3, 64, 64, 3))
weights = []
n_C_prev = 3
for name, f, s, p, filters in layers_spec:
    weights.append((rng.normal(scale=0.3, size=(f, f, n_C_prev, filters)), rng.normal(scale=0.1, size=filters)))
    n_C_prev = filters
W_dense, b_dense = rng.normal(scale=0.02, size=(12 * 12 * 32, 10)), np.zeros(10)

a = images
for (name, f, s, p, filters), (W_layer, b_layer) in zip(layers_spec, weights):
    a = relu(conv_forward_fast(a, W_layer, b_layer, stride=s, pad=p))
    print(f"after {name}: {a.shape}")
flat = flatten(a)
ours = softmax(flat @ W_dense + b_dense)
print("flattened:", flat.shape, "→ probabilities", ours.shape, "; each row sums to", ours.sum(axis=1).round(6))

model = keras.Sequential([keras.Input((64, 64, 3))]
                         + [keras.layers.Conv2D(filters, f, strides=s, activation="relu")
                            for name, f, s, p, filters in layers_spec]
                         + [keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.set_weights([w for pair in weights for w in pair] + [W_dense, b_dense])
theirs = model.predict(images, verbose=0)
print("Keras gives the same probabilities:", np.allclose(ours, theirs, atol=1e-5))
print("predicted classes, ours:", ours.argmax(axis=1), " Keras:", theirs.argmax(axis=1))

# %% [markdown]
# Our numpy layers and Keras' layers compute the same thing, batch and all. The
# difference is speed (Keras runs optimised kernels, as the race in section 4 showed)
# and, above all, that Keras can **learn** `W` and `b` from examples. How many numbers
# that is, layer by layer, is the subject of the next chapter.
#
# ## Recap
#
# - Output size: ⌊(n + 2p − f) / s⌋ + 1, with `p` zeros on each side and the floor because
#   windows that stick out are not computed. 5×5 with f = 3, s = 2 gives 2×2.
#   TensorFlow's `"SAME"` padding gives ⌈n / s⌉ instead, padding as needed.
# - "Valid" means `p = 0` (the image shrinks); "same" means `p = (f − 1) / 2`, a whole
#   number only for odd `f`, which is why filters have odd sizes.
# - Stride `s` moves the window `s` pixels at a time: fewer windows, smaller output.
# - Layers take a batch `(m, n_H, n_W, n_C)`; a single image is `x[None]`, a batch of one.
#   Over a volume, each filter has shape `(f, f, n_C_prev)` and one bias, sums over all
#   input channels and makes one output channel: 4 filters on 6×6×3 give 4×4×4 = 64
#   values, 128 filters 2,048. The lecture's two-filter example (n = 5, f = 3, p = 1,
#   s = 2) gives a 3×3×2 output.
# - Sliding-window views (or im2col) turn the loops into one `einsum`: the same numbers,
#   many times faster.
# - ReLU is `max(0, z)`, the default between convolutions; tanh and the sigmoid saturate,
#   and serve where a bounded output is wanted (recurrent cells, probabilities).
#   Pooling takes the max (or mean) of each window, per channel, with no parameters;
#   flattening lines each example's values up row by row.
# - Softmax turns logits into probabilities; subtract each row's maximum first so that
#   `exp` never overflows.
# - A 64×64×3 image becomes 62×62×8, 29×29×16 and 12×12×32 through the lecture's three
#   convolutions (f = 3, 5, 7; s = 1, 2, 2).
