# %% [markdown]
# # 05 · Padding, stride and pooling: the layers of a CNN by hand
#
# The previous chapters slid one small filter over one grey image. A convolutional
# network does the same thing at scale: colour images with several channels, many filters
# at once, windows that jump several pixels, borders padded with zeros, and between the
# convolutions a few simple layers (ReLU, pooling, flattening, softmax) that turn feature
# maps into class probabilities. This chapter builds every one of those layers in numpy
# and checks it against Keras.
#
# **You will be able to**
#
# - predict the output size of a convolution or pooling layer from the input size `n`,
#   filter size `f`, padding `p` and stride `s`, including sizes that do not divide evenly;
# - choose the padding of a "same" convolution and explain why filters have odd sizes;
# - write a convolution layer over a volume (several input channels, several filters, one
#   bias per filter) and reproduce the lecture's two-filter example;
# - write ReLU, max and average pooling, flattening and a softmax that does not overflow;
# - trace an image's shape through a stack of layers.
#
# **Time:** about 75 minutes. **Graded exercises:** 7 (`output_size`, `same_padding`,
# `conv_forward`, `relu`, `pool_forward`, `flatten`, `softmax`). Each has a check you can
# run as often as you like; stuck? run `check.NAME.hint()` in a new cell, once per hint.
#
# Conventions used throughout, the same as Keras': arrays are `(rows, columns, channels)`
# (channels last), padding `p` is the number of zero rows or columns added **on each
# side**, and "convolution" means cross-correlation (the filter is not flipped).
#
# Notation, as in the lecture: `n` is the size of a square input, `f` the filter (or
# window) size, `p` the padding, `s` the stride. An input that need not be square has
# `n_H` rows and `n_W` columns; a volume has `c_in` channels, and a layer with `c_out`
# filters makes `c_out` output channels (the lecture writes both as `n_c`).

# %%
from autograder import check  # first: it also keeps TensorFlow's start-up log quiet

import keras  # loaded once here; we only use it to compare our layers with the real thing
import matplotlib.pyplot as plt
import numpy as np

from autograder.data import sample_image

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
# - **Input:** the input size `n`, filter size `f`, padding per side `p` and stride `s`
#   (non-negative ints, `s ≥ 1`, with `f ≤ n + 2p`).
# - **Output:** the number of output rows (or columns), an int:
#   ⌊(n + 2p − f) / s⌋ + 1.
# - **Example:** the lecture's `output_size(5, 3, 0, 2)` returns `2`;
#   `output_size(8, 3, 0, 2)` returns `3`.
#
# Stuck? `check.output_size.hint()`.

# %% solution id=output_size
def output_size(n, f, p, s):
    """Output rows (or columns) of a convolution or pooling layer: ⌊(n + 2p − f) / s⌋ + 1."""
    ### BEGIN SOLUTION
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
# - **Input:** a filter size `f` (a positive int).
# - **Output:** the padding per side `p = (f − 1) / 2` of a "same" convolution with
#   stride 1, as an int. For an even `f`, raise `ValueError` with a short explanation.
# - **Example:** `same_padding(5)` returns `2`; `same_padding(4)` raises `ValueError`.
#
# Stuck? `check.same_padding.hint()`.

# %% solution id=same_padding
def same_padding(f):
    """Zero padding per side that keeps the size with stride 1 (odd f only)."""
    ### BEGIN SOLUTION
    if f % 2 == 0:
        raise ValueError(f"f = {f} is even: (f - 1) / 2 is not a whole number, so no "
                         "symmetric padding keeps the size; use an odd filter size")
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
# ## 4. Convolution over a volume
#
# A colour image is a volume of shape `(n_H, n_W, 3)`. A filter for it is a volume too, of
# shape `(f, f, 3)`: one `f × f` slice per input channel. At each position the filter
# multiplies all `f · f · 3` numbers under it, adds them **all** up (over rows, columns
# *and* channels) and adds one bias. So one filter makes one 2-D output, whatever the
# number of input channels: a (6, 6, 3) image and a (3, 3, 3) filter give (4, 4).
#
# A layer uses many filters at once. Each filter produces its own output channel, so
# `c_out` filters give an output volume with `c_out` channels. All the weights of a layer
# fit in one array and all the biases in another:
#
# - `W` of shape `(f, f, c_in, c_out)`: `W[:, :, :, k]` is filter `k`;
# - `b` of shape `(c_out,)`: one bias per filter (not per pixel, not per input channel).
#
# Output pixel `(i, j)` of channel `k` is
#
# $$z[i, j, k] = \sum_{u=0}^{f-1} \sum_{v=0}^{f-1} \sum_{c=0}^{c_{in}-1}
#   x_p[i s + u,\; j s + v,\; c] \cdot W[u, v, c, k] + b[k]$$
#
# where `x_p` is the input after zero padding. (`W` is the weight array here; the number
# of columns of the input is `n_W`.)
#
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
# The lecture's output volume starts with −2 in channel 0. Now write the whole layer.
#
# ### Exercise 3 · `conv_forward(x, W, b, stride, pad)`
#
# - **Input:** `x` of shape `(n_H, n_W, c_in)`; filters `W` of shape `(f, f, c_in, c_out)`;
#   biases `b` of shape `(c_out,)`; `stride` ≥ 1; `pad` ≥ 0 zeros per side.
# - **Output:** a float array of shape `(n_H', n_W', c_out)` with
#   `n_H' = output_size(n_H, f, pad, stride)` and `n_W'` likewise: the cross-correlation
#   (do not flip the filter) summed over all input channels, plus one bias per filter.
#   No activation: ReLU is a separate layer.
# - **Example:** with the lecture's volume above,
#   `conv_forward(x_volume, W_volume, b_volume, 2, 1)[:, :, 0]` is
#   `[[-2, 2, 1], [-7, 0, 3], [2, 4, 3]]`.
#
# `n_H` and `n_W` need not be equal, and the stride need not divide the size evenly. Loops
# over the output rows and columns are fine. Stuck? `check.conv_forward.hint()`.

# %% solution id=conv_forward
def conv_forward(x, W, b, stride=1, pad=0):
    """Convolution layer (cross-correlation) over an (n_H, n_W, c_in) volume with c_out filters."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    f, _, c_in, c_out = W.shape
    xp = np.pad(x, ((pad, pad), (pad, pad), (0, 0)))
    rows = output_size(x.shape[0], f, pad, stride)
    cols = output_size(x.shape[1], f, pad, stride)
    z = np.zeros((rows, cols, c_out))
    for i in range(rows):
        for j in range(cols):
            window = xp[i * stride:i * stride + f, j * stride:j * stride + f, :]
            # multiply with every filter and sum over rows, columns and input channels
            z[i, j, :] = np.tensordot(window, W, axes=([0, 1, 2], [0, 1, 2])) + b
    return z
    ### END SOLUTION

# %% test id=conv_forward_test points=4
check.conv_forward(conv_forward)
### BEGIN HIDDEN TESTS
check.conv_forward(conv_forward, seed=2021)
_z = conv_forward(x_volume, W_volume, b_volume, 2, 1)
assert np.array_equal(_z[:, :, 0], [[-2, 2, 1], [-7, 0, 3], [2, 4, 3]])
assert np.array_equal(_z[:, :, 1], [[0, 0, -4], [4, 2, 1], [0, 1, 0]])
### END HIDDEN TESTS

# %% [markdown]
# Both output channels of the lecture, reproduced:

# %%
z_volume = conv_forward(x_volume, W_volume, b_volume, stride=2, pad=1)
print("output shape:", z_volume.shape)
for k in range(2):
    print(f"o[:, :, {k}] (filter {k}, bias {b_volume[k]}):\n{z_volume[:, :, k].astype(int)}")

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
    show_grid(axes[1 + k, 4], z_volume[:, :, k], f"output o[:, :, {k}]", "coolwarm", 7)
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
# layout `(f, f, c_in, c_out)` and its bias as `(c_out,)`, so we can hand it our weights.
# Its `padding="same"` chooses the padding itself, so to pad by an exact `p` we put a
# `ZeroPadding2D(p)` layer in front. Keras works on batches: one image becomes a batch of
# one with `x[None]`.

# %%
def keras_conv(x, W, b, stride, pad):
    """The same layer in Keras, with our weights."""
    layer = keras.layers.Conv2D(W.shape[3], W.shape[0], strides=stride, padding="valid")
    model = keras.Sequential([keras.Input(x.shape), keras.layers.ZeroPadding2D(pad), layer])
    layer.set_weights([W.astype("float32"), b.astype("float32")])
    return keras.ops.convert_to_numpy(model(x[None].astype("float32")))[0]


print("lecture example, Keras channel 0:\n", keras_conv(x_volume, W_volume, b_volume, 2, 1)[:, :, 0])
rng = np.random.default_rng(5)
x_odd, W_odd, b_odd = rng.normal(size=(11, 8, 3)), rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4)
ours, theirs = conv_forward(x_odd, W_odd, b_odd, 2, 1), keras_conv(x_odd, W_odd, b_odd, 2, 1)
print("11×8×3 input, 4 filters, stride 2, pad 1 → ours", ours.shape, "Keras", theirs.shape,
      "| same values:", np.allclose(ours, theirs, atol=1e-4))

# %% [markdown]
# ## 5. ReLU
#
# A convolution is linear (plus a bias): two convolutions in a row compute nothing that a
# single convolution with a larger filter could not. The network gets its power from a
# non-linear **activation** applied to every value of the feature map between them.
# The standard choice is the rectified linear unit,
#
# $$\mathrm{ReLU}(z) = \max(0, z),$$
#
# which keeps positive responses ("this feature is here") and replaces negative ones by 0.

# %%
zs = np.linspace(-4, 4, 161)
fig, ax = plt.subplots(figsize=(4.5, 3.2))
ax.plot(zs, np.maximum(zs, 0), linewidth=2.5)
ax.axhline(0, color="gray", linewidth=0.8)
ax.axvline(0, color="gray", linewidth=0.8)
ax.set_xlabel("z (value in the feature map)")
ax.set_ylabel("ReLU(z) = max(0, z)")
ax.set_title("The ReLU activation")
plt.show()

# %% [markdown]
# ### Exercise 4 · `relu(z)`
#
# - **Input:** an array `z` of any shape (ints or floats).
# - **Output:** an array of the same shape with `max(0, z)` element by element. Leave `z`
#   itself unchanged.
# - **Example:** `relu(np.array([-2.0, 0.5, 3.0]))` returns `array([0. , 0.5, 3. ])`.
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
# - works on every channel on its own: `C` channels in, `C` channels out;
# - has no padding in this course and **no parameters**: `f` and `s` are chosen, not learned;
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
# - **Input:** `x` of shape `(n_H, n_W, c)`; window size `f`; stride `s`; `mode`, either
#   `"max"` or `"average"`.
# - **Output:** a float array of shape `(⌊(n_H − f) / s⌋ + 1, ⌊(n_W − f) / s⌋ + 1, c)`: the max
#   or the mean of each `f × f` window, **channel by channel**. No padding. Any other
#   `mode` raises `ValueError`.
# - **Example:** `pool_forward(rectified_4x4[:, :, None], 2, 2, "max")[:, :, 0]` is
#   `[[149, 82], [120, 133]]`.
#
# Stuck? `check.pool_forward.hint()`.

# %% solution id=pool_forward
def pool_forward(x, f, s, mode="max"):
    """Max or average pooling with f×f windows and stride s, each channel separately."""
    ### BEGIN SOLUTION
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', not {mode!r}")
    x = np.asarray(x, dtype=float)
    rows = output_size(x.shape[0], f, 0, s)
    cols = output_size(x.shape[1], f, 0, s)
    out = np.zeros((rows, cols, x.shape[2]))
    for i in range(rows):
        for j in range(cols):
            window = x[i * s:i * s + f, j * s:j * s + f, :]
            out[i, j] = window.max(axis=(0, 1)) if mode == "max" else window.mean(axis=(0, 1))
    return out
    ### END SOLUTION

# %% test id=pool_forward_test points=3
check.pool_forward(pool_forward)
### BEGIN HIDDEN TESTS
check.pool_forward(pool_forward, seed=4242)
assert np.array_equal(pool_forward(rectified_5x5[:, :, None], 3, 1, "max")[:, :, 0],
                      [[200, 200, 135], [200, 200, 135], [210, 210, 210]])
### END HIDDEN TESTS

# %%
print("max, 2×2, stride 2:\n", pool_forward(rectified_4x4[:, :, None], 2, 2, "max")[:, :, 0])
print("average, 2×2, stride 2:\n", pool_forward(rectified_4x4[:, :, None], 2, 2, "average")[:, :, 0])
print("max, 3×3, stride 1:\n", pool_forward(rectified_5x5[:, :, None], 3, 1, "max")[:, :, 0])

# %% [markdown]
# Keras' pooling layers agree, also on a volume whose size the stride does not divide:

# %%
x_pool = np.random.default_rng(8).normal(size=(9, 7, 3))
for mode, layer in [("max", keras.layers.MaxPooling2D(3, strides=2)),
                    ("average", keras.layers.AveragePooling2D(3, strides=2))]:
    theirs = keras.ops.convert_to_numpy(layer(x_pool[None].astype("float32")))[0]
    ours = pool_forward(x_pool, 3, 2, mode)
    print(f"{mode:>7}: ours {ours.shape}, Keras {theirs.shape}, same values: {np.allclose(ours, theirs, atol=1e-5)}")

# %% [markdown]
# ### Convolution, ReLU and pooling on a photo
#
# Time to run the three layers on a real image. One layer with two filters, the lecture's
# vertical and horizontal edge detectors, stacked as `W` of shape (3, 3, 1, 2), "same"
# padding; then ReLU; then 2×2 max pooling with stride 2.

# %%
camera = sample_image("camera")[::4, ::4].astype(float)[:, :, None]  # 128×128×1
edges = np.stack([np.array([[-1, 0, 1]] * 3),                          # vertical edges
                  np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]])],     # horizontal edges
                 axis=-1)[:, :, None, :]                               # (3, 3, 1, 2)
feature_maps = conv_forward(camera, edges, np.zeros(2), stride=1, pad=same_padding(3))
rectified = relu(feature_maps)
pooled = pool_forward(rectified, 2, 2, "max")
print("input", camera.shape, "→ conv", feature_maps.shape, "→ ReLU", rectified.shape, "→ pool", pooled.shape)

fig = plt.figure(figsize=(15, 6.6))
grid = fig.add_gridspec(2, 5, width_ratios=[1.5, 0.5, 1, 1, 1])
ax = fig.add_subplot(grid[:, 0])
ax.imshow(camera[:, :, 0], cmap="gray")
ax.set_title("input x, 128×128×1")
ax.axis("off")
for k, name in enumerate(["vertical edges", "horizontal edges"]):
    show_grid(fig.add_subplot(grid[k, 1]), edges[:, :, 0, k], f"filter {k}:\n{name}", "coolwarm", 1.5)
    limit = np.abs(feature_maps[:, :, k]).max()
    panels = [(feature_maps[:, :, k], "coolwarm", -limit, f"conv channel {k}, 128×128\n(red > 0, blue < 0)"),
              (rectified[:, :, k], "gray", 0, "after ReLU"),
              (pooled[:, :, k], "gray", 0, "after 2×2 max pooling, 64×64")]
    for column, (values, cmap, low, title) in enumerate(panels, start=2):
        ax = fig.add_subplot(grid[k, column])
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
# After the last pooling layer, the fully connected layers need a plain vector.
# **Flattening** lines up all the values of the volume, row by row, keeping the channels
# of a pixel together (numpy's default "C" order, the order of Keras' `Flatten` layer).
# The lecture's 2×2×3 example:

# %%
small_volume = np.arange(1, 13).reshape(2, 2, 3)
for c in range(3):
    print(f"channel {c}:\n{small_volume[:, :, c]}")

# %% [markdown]
# ### Exercise 6 · `flatten(x)`
#
# - **Input:** an array `x` of any shape, typically `(n_H, n_W, c)`.
# - **Output:** a 1-D array with all `x.size` values in row-major order (the last axis
#   changes fastest), shape `(x.size,)`.
# - **Example:** `flatten(np.arange(1, 13).reshape(2, 2, 3))` returns
#   `array([ 1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12])`.
#
# Stuck? `check.flatten.hint()`.

# %% solution id=flatten
def flatten(x):
    """All values of x in one 1-D array, row-major (C) order."""
    ### BEGIN SOLUTION
    return np.asarray(x).reshape(-1)
    ### END SOLUTION

# %% test id=flatten_test points=1
check.flatten(flatten)
### BEGIN HIDDEN TESTS
check.flatten(flatten, seed=31)
assert list(flatten(np.arange(1, 13).reshape(2, 2, 3))) == list(range(1, 13))
### END HIDDEN TESTS

# %%
print("ours: ", flatten(small_volume))
print("Keras:", keras.ops.convert_to_numpy(keras.layers.Flatten()(small_volume[None].astype("float32")))[0])
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
# `z` above about 709, and then softmax computes inf / inf:

# %%
big = np.array([1000.0, 1001.0])
with np.errstate(over="ignore", invalid="ignore"):  # silence numpy's warning for this demo
    print("e^z:", np.exp(big), "→ naive softmax:", np.exp(big) / np.exp(big).sum())

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
# - **Output:** an array of the same shape with the softmax along the last axis: each row
#   is positive and sums to 1. It must stay finite and correct for logits such as 1000 and
#   1001, and for rows that are far apart from each other.
# - **Example:** `softmax(np.array([5.0, 6.0, 1.0, 2.0]))` returns approximately
#   `[0.2641, 0.7179, 0.0048, 0.0131]`; `softmax(np.array([1000.0, 1001.0]))` returns
#   approximately `[0.2689, 0.7311]`.
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
assert np.array_equal(np.round(softmax(np.array([5.0, 6.0, 1.0, 2.0])), 4), [0.2641, 0.7179, 0.0048, 0.0131])
assert np.allclose(softmax(np.array([[1000.0, 1001.0], [-1000.0, -1001.0]])),
                   [[0.26894142, 0.73105858], [0.73105858, 0.26894142]])
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
# ## 9. Putting it together: shapes through a network
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
# Now run a whole forward pass with our own layers (random weights, so the prediction
# means nothing yet): the three convolutions with ReLU, flattening, a fully connected
# layer of 10 units (`a @ W + b`) and softmax. Then build the same network in Keras, give
# it the same weights, and compare the probabilities.

# %%
rng = np.random.default_rng(64)
image = rng.random((64, 64, 3))
weights = []
c_in = 3
for name, f, s, p, filters in layers_spec:
    weights.append((rng.normal(scale=0.3, size=(f, f, c_in, filters)), rng.normal(scale=0.1, size=filters)))
    c_in = filters
W_dense, b_dense = rng.normal(scale=0.02, size=(12 * 12 * 32, 10)), np.zeros(10)

a = image
for (name, f, s, p, filters), (W_layer, b_layer) in zip(layers_spec, weights):
    a = relu(conv_forward(a, W_layer, b_layer, stride=s, pad=p))
    print(f"after {name}: {a.shape}")
flat = flatten(a)
ours = softmax(flat @ W_dense + b_dense)
print("flattened:", flat.shape, "→ 10 probabilities summing to", round(float(ours.sum()), 6))

model = keras.Sequential([keras.Input((64, 64, 3))]
                         + [keras.layers.Conv2D(filters, f, strides=s, activation="relu")
                            for name, f, s, p, filters in layers_spec]
                         + [keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.set_weights([w for pair in weights for w in pair] + [W_dense, b_dense])
theirs = model.predict(image[None], verbose=0)[0]
print("Keras gives the same probabilities:", np.allclose(ours, theirs, atol=1e-5))

# %% [markdown]
# Our numpy layers and Keras' layers compute the same thing. The difference is speed
# (Keras runs optimised kernels on batches of images) and, above all, that Keras can
# **learn** `W` and `b` from examples. How many numbers that is, layer by layer, is the
# subject of the next chapter.
#
# ## Recap
#
# - Output size: ⌊(n + 2p − f) / s⌋ + 1, with `p` zeros on each side and the floor because
#   windows that stick out are not computed. 5×5 with f = 3, s = 2 gives 2×2.
# - "Valid" means `p = 0` (the image shrinks); "same" means `p = (f − 1) / 2`, a whole
#   number only for odd `f`, which is why filters have odd sizes.
# - Stride `s` moves the window `s` pixels at a time: fewer windows, smaller output.
# - Over a volume, each filter has shape `(f, f, c_in)` and one bias, sums over all input
#   channels and makes one output channel; `c_out` filters make `c_out` channels. The
#   lecture's two-filter example (n = 5, f = 3, p = 1, s = 2) gives a 3×3×2 output.
# - ReLU is `max(0, z)`; pooling takes the max (or mean) of each window, per channel, with
#   no parameters; flattening lines the values up row by row.
# - Softmax turns logits into probabilities; subtract the maximum first so that
#   `exp` never overflows.
# - A 64×64×3 image becomes 62×62×8, 29×29×16 and 12×12×32 through the lecture's three
#   convolutions (f = 3, 5, 7; s = 1, 2, 2).
