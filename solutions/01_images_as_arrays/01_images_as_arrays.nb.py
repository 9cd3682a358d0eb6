# %% [markdown]
# # 01 · Images as arrays
#
# A photo on your screen is, to a computer, a grid of numbers. Everything else in this
# course (filters, thresholds, convolutional networks, reading a Sudoku from a photo)
# starts from that grid, so this first chapter makes it concrete.
#
# **You will be able to**
#
# - read an image's shape and say which axis is rows, columns and colour channels;
# - convert a colour photo to grey in three ways (average, luminosity, desaturation)
#   and explain why they differ;
# - shrink and enlarge an image with nearest-neighbour resampling, sampling at pixel
#   centres;
# - count the weights a fully connected layer would need for an image, and see why that
#   number motivates convolutional networks.
#
# **Time:** about 45 minutes. **Graded exercises:** 3 (`to_grayscale`,
# `resize_nearest`, `dense_params`). Each has a check you can run as often as you like,
# and a **Contract** line that says exactly what the check tests: the inputs it tries,
# what it expects back, and which errors it expects for bad input. Where an exercise
# asks for an array, the check compares values: a float32 array, nested lists, or an
# integer array that holds the exact values pass as well. Stuck? run
# `check.NAME.hint()` in a new cell, once per hint: first the idea, then the formula, and
# last the code itself.

# %%
import matplotlib.pyplot as plt
import numpy as np

from autograder import check
from autograder.data import sample_image

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# First, make sure your set-up is complete: one line per package the course needs. A ✘
# tells you what to install.

# %% nbval-ignore-output
from autograder import check_environment

check_environment()

# %% [markdown]
# ## 1. A grey image is a matrix
#
# A greyscale image is a 2-D array: one number per pixel, its brightness. By convention
# index `(0, 0)` is the **top-left** pixel, the first index is the **row** (going down)
# and the second the **column** (going right). For 8-bit images the numbers run from 0
# (black) to 255 (white).
#
# Here is a tiny 5×6 image we write by hand: a bright square on a dark background.

# %%
tiny = np.array([
    [ 10,  10,  10,  10,  10,  10],
    [ 10, 200, 200, 200,  10,  10],
    [ 10, 200, 255, 200,  10,  10],
    [ 10, 200, 200, 200,  10,  10],
    [ 10,  10,  10,  10,  10, 120],
], dtype=np.uint8)
print("shape (rows, columns):", tiny.shape)
print("dtype:", tiny.dtype)
print("pixel at row 2, column 2:", tiny[2, 2])
print("bottom-right pixel:", tiny[-1, -1])

# %%
fig, ax = plt.subplots(figsize=(4, 3.4))
ax.imshow(tiny, cmap="gray", vmin=0, vmax=255)
for (row, col), value in np.ndenumerate(tiny):
    ax.text(col, row, value, ha="center", va="center", color="red" if value > 100 else "yellow")
ax.set_title("A 5×6 image and its numbers")
ax.set_xlabel("column index")
ax.set_ylabel("row index")
plt.show()

# %% [markdown]
# Note where `(0, 0)` is: top left, and the row axis points **down**. That is the
# opposite of a maths graph, and the source of many off-by-one-axis bugs later on.
#
# ## 2. A colour image is three matrices
#
# A colour photo stores three numbers per pixel, red, green and blue, in a third axis:
# the array has shape `(rows, columns, 3)`. scikit-image ships a few photos we can use
# offline; here is the astronaut Eileen Collins.

# %%
astronaut = sample_image("astronaut")
print("shape:", astronaut.shape, " dtype:", astronaut.dtype)
print("the top-left pixel (R, G, B):", astronaut[0, 0])

# %%
fig, axes = plt.subplots(1, 4, figsize=(13, 3.6))
axes[0].imshow(astronaut)
axes[0].set_title("RGB photo")
for channel, (ax, name, cmap) in enumerate(zip(axes[1:], ["red", "green", "blue"], ["Reds_r", "Greens_r", "Blues_r"])):
    ax.imshow(astronaut[..., channel], cmap=cmap, vmin=0, vmax=255)
    ax.set_title(f"channel {channel}: {name}")
for ax in axes:
    ax.set_xlabel("column")
axes[0].set_ylabel("row")
plt.show()

# %% [markdown]
# Each channel on its own is a grey image. Bright areas in the red channel are where the
# photo has a lot of red: the suit's patches, the flag, her skin. The white suit is bright
# in all three channels, because white light is red, green and blue together.
#
# Two conventions to remember:
#
# - **channels last**: `(rows, columns, channels)`. scikit-image, matplotlib and Keras
#   use it. (OpenCV also puts channels last but orders them B, G, R.)
# - **dtype**: `uint8` photos hold integers 0–255, and arithmetic on them wraps around
#   at 256. Convert to float before you add pixels together.

# %%
a = np.array([200], dtype=np.uint8)
b = np.array([100], dtype=np.uint8)
print("uint8: 200 + 100 =", (a + b)[0], "(wrapped around 256)")
print("float: 200 + 100 =", (a.astype(float) + b)[0])

# %% [markdown]
# ## 3. From colour to grey
#
# The lecture gives three ways of turning the three channel values R, G, B of a pixel
# into one grey value:
#
# | method | formula | idea |
# |---|---|---|
# | average | (R + G + B) / 3 | every channel counts the same |
# | luminosity | 0.299 R + 0.587 G + 0.114 B | the eye is most sensitive to green, least to blue |
# | desaturation | (max(R, G, B) + min(R, G, B)) / 2 | the midpoint of the brightest and darkest channel |
#
# Pure colours show how differently they behave: a pure green pixel (0, 255, 0) is
# 85 with the average, 150 with luminosity (green looks bright to us) and 127.5 with
# desaturation. Pure blue is 85, 29 and 127.5.

# %% [markdown]
# ### Exercise 1 · `to_grayscale(rgb, method)`
#
# - **Input:** `rgb`, an array of shape `(H, W, 3)` (uint8 in 0–255 or float in 0–1);
#   `method`, one of `"average"`, `"luminosity"`, `"desaturation"`.
# - **Output:** a float array of shape `(H, W)` on the same scale as the input.
#   Any other `method` raises `ValueError`.
# - **Example:** `to_grayscale(np.array([[[0, 255, 0]]], dtype=np.uint8), "luminosity")`
#   returns `array([[149.685]])`.
#
# **Contract.** The check tries uint8 photos, 12- and 16-bit images (`uint16`, up to 4095
# and 65535), int64 and float images (0–1, and float32 up to 1000), and views that are
# not contiguous in memory (the RGB channels of an RGBA photo, a reversed slice), with all
# three methods. It expects float values of shape `(H, W)` (a float32 array or nested
# lists are fine) on the input's own scale: not rounded, not rescaled to 0–1 or to
# 0–255. The input must come back unchanged, and a second call with the same array must
# give the same result. `method="sepia"` must raise `ValueError` with a message that
# names the bad method or the three good ones.
#
# Stuck? `check.to_grayscale.hint()`.

# %% solution id=to_grayscale
def to_grayscale(rgb, method="luminosity"):
    """Convert an (H, W, 3) RGB image to an (H, W) grey image with the given method."""
    ### BEGIN SOLUTION
    rgb = np.asarray(rgb, dtype=float)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    if method == "average":
        return (red + green + blue) / 3
    if method == "luminosity":
        return 0.299 * red + 0.587 * green + 0.114 * blue
    if method == "desaturation":
        return 0.5 * (np.maximum(np.maximum(red, green), blue) + np.minimum(np.minimum(red, green), blue))
    raise ValueError(f"unknown method {method!r}: use 'average', 'luminosity' or 'desaturation'")
    ### END SOLUTION

# %% test id=to_grayscale_test points=3
check.to_grayscale(to_grayscale)
### BEGIN HIDDEN TESTS
check.to_grayscale(to_grayscale, seed=2718)
_pure = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8)
assert np.allclose(to_grayscale(_pure, "luminosity"), [[76.245, 149.685, 29.07]])
assert np.allclose(to_grayscale(_pure, "desaturation"), [[127.5, 127.5, 127.5]])
### END HIDDEN TESTS

# %% [markdown]
# With a working `to_grayscale`, compare the three methods on the astronaut. The
# differences are easiest to see in the red patch and the flag.

# %%
methods = ["average", "luminosity", "desaturation"]
greys = {method: np.asarray(to_grayscale(astronaut, method)) for method in methods}
fig, axes = plt.subplots(1, 4, figsize=(14, 3.8))
axes[0].imshow(astronaut)
axes[0].set_title("original")
for ax, method in zip(axes[1:], methods):
    ax.imshow(greys[method], cmap="gray", vmin=0, vmax=255)
    ax.set_title(method)
for ax in axes:
    ax.axis("off")
plt.show()

# %%
for method in methods:
    print(f"{method:>12}: mean grey {greys[method].mean():6.2f}")
print(f"{'largest gap':>12}: {np.abs(greys['average'] - greys['luminosity']).max():6.2f} grey levels "
      "between average and luminosity")

# %% [markdown]
# scikit-image's `rgb2gray` uses the luminosity idea with slightly different weights
# (0.2125, 0.7154, 0.0721, from the sRGB standard), so its result is close to ours but
# not identical. That is why the check compares with the lecture's formulas, not with
# `rgb2gray`.
#
# ## 4. Resizing: which input pixel does each output pixel copy?
#
# Shrinking maps several input pixels to one output pixel and loses information; the
# **resampling method** decides how much. The lecture lists nearest neighbour, bilinear,
# bicubic, area (pixel averaging), Hamming and Lanczos. The simplest is nearest
# neighbour: every output pixel copies one input pixel.
#
# Which one? Picture the output grid stretched over the input. Output pixel `i` covers
# input coordinates `i·s` to `(i+1)·s`, with scale `s = n_in / n_out`. Its **centre**
# is at `(i + 0.5)·s`, and the input pixel containing that point is
# `floor((i + 0.5)·s)`. Sampling at pixel centres keeps the picture centred; sampling at
# corners (`floor(i·s)`) shifts it up and left. The figure shows both for a row of 8
# pixels shrunk to 3.

# %%
n_in, n_out = 8, 3
scale = n_in / n_out
centres = (np.arange(n_out) + 0.5) * scale
fig, ax = plt.subplots(figsize=(9, 2.4))
for j in range(n_in):
    ax.add_patch(plt.Rectangle((j, 0.55), 1, 0.4, fill=False))
    ax.text(j + 0.5, 0.75, str(j), ha="center", va="center")
for i in range(n_out):
    ax.add_patch(plt.Rectangle((i * scale, 0.0), scale, 0.4, fill=False, color="tab:blue"))
    ax.plot(centres[i], 0.2, "o", color="tab:blue")
    ax.annotate("", xy=(centres[i], 0.55), xytext=(centres[i], 0.25), arrowprops=dict(arrowstyle="->", color="tab:blue"))
    ax.plot(i * scale + 0.05, 0.2, "x", color="tab:red")
    ax.text(i * scale + scale / 2, -0.15, f"output {i} ← input {int(np.floor(centres[i]))}", ha="center", color="tab:blue")
ax.set_xlim(-0.2, n_in + 0.2)
ax.set_ylim(-0.35, 1.05)
ax.set_yticks([0.2, 0.75], ["output", "input"])
ax.set_xlabel("position along the row (in input pixels)")
ax.set_title("Nearest neighbour at pixel centres (●) versus corners (×)")
plt.show()

# %% [markdown]
# ### Exercise 2 · `resize_nearest(image, shape)`
#
# - **Input:** `image`, an array of shape `(H, W)` or `(H, W, C)`; `shape`, the new
#   `(rows, columns)`.
# - **Output:** an array of shape `shape` (plus the channel axis if there was one), each
#   pixel copied from the input pixel that contains its centre. That is how
#   `skimage.transform.resize(image, shape, order=0, anti_aliasing=False,
#   preserve_range=True)` samples; with its default settings `resize` would blur the image
#   before shrinking it and turn an integer image into floats between 0 and 1. Copying
#   pixels lets you keep the dtype.
# - **Example:** `resize_nearest(np.arange(6).reshape(1, 6), (1, 4))` returns
#   `array([[0, 2, 3, 5]])`.
#
# **Contract.** The check shrinks and enlarges grey, colour, RGBA and one-channel
# `(H, W, 1)` images of uint8, uint16 and float values, also views that are not
# contiguous in memory (a strided slice, a transpose), to sizes that divide evenly and
# sizes that do not; `shape` is a tuple of two ints. Every output pixel must be an exact
# copy of the input pixel under its centre, floor((i + 0.5) · n_in / n_out). Where a
# centre falls exactly on the border between two pixels (halving 8 pixels to 4 puts
# every centre on one), either neighbour is accepted, pixel by pixel. Any dtype that
# holds the values exactly is fine (keeping the input's is natural). The input must come
# back unchanged, and a second call must give the same result.
#
# Stuck? `check.resize_nearest.hint()`.

# %% solution id=resize_nearest
def resize_nearest(image, shape):
    """Resize ``image`` to ``shape`` = (rows, columns) by nearest-neighbour sampling at pixel centres."""
    ### BEGIN SOLUTION
    image = np.asarray(image)
    new_rows, new_cols = shape
    rows = np.floor((np.arange(new_rows) + 0.5) * image.shape[0] / new_rows).astype(int)
    cols = np.floor((np.arange(new_cols) + 0.5) * image.shape[1] / new_cols).astype(int)
    rows = np.minimum(rows, image.shape[0] - 1)
    cols = np.minimum(cols, image.shape[1] - 1)
    return image[rows][:, cols]
    ### END SOLUTION

# %% test id=resize_nearest_test points=3
check.resize_nearest(resize_nearest)
### BEGIN HIDDEN TESTS
check.resize_nearest(resize_nearest, seed=31415)
from autograder.checks.images_as_arrays import resize_accepted
assert np.asarray(resize_nearest(np.arange(6).reshape(1, 6), (1, 4))).tolist() == [[0, 2, 3, 5]]
_photo = sample_image("camera")[::7, ::5]  # 74×103, a view: halving the rows puts every centre on a border
_ours = np.asarray(resize_nearest(_photo, (37, 29)))
assert _ours.shape == (37, 29) and resize_accepted(_ours, _photo, (37, 29))[0].all()
### END HIDDEN TESTS

# %% [markdown]
# Now compare nearest neighbour with the smoother methods on a real photo. We shrink the
# camera-man photo to 64×64 and blow it up again to 256×256 so the differences are big
# enough to see. scikit-image's `order` argument picks the interpolation: 0 nearest,
# 1 bilinear, 3 bicubic. For the last panel we shrink by **area averaging** instead: each
# of the 64×64 pixels becomes the mean of the 8×8 block of input pixels it covers
# (`skimage.transform.downscale_local_mean`; OpenCV calls it `INTER_AREA`). That is not
# the same as `resize(..., anti_aliasing=True)`, which blurs with a Gaussian and then
# interpolates.

# %%
from skimage.transform import downscale_local_mean, resize

camera = sample_image("camera")
small = np.asarray(resize_nearest(camera, (64, 64)))
variants = {
    "nearest (ours)": np.asarray(resize_nearest(small, (256, 256))),
    "bilinear": resize(small, (256, 256), order=1, preserve_range=True),
    "bicubic": resize(small, (256, 256), order=3, preserve_range=True),
    "area average, then bicubic": resize(downscale_local_mean(camera, (8, 8)), (256, 256), order=3,
                                         preserve_range=True),
}
fig, axes = plt.subplots(1, 5, figsize=(16, 3.6))
axes[0].imshow(camera, cmap="gray", vmin=0, vmax=255)
axes[0].set_title("original 512×512")
for ax, (name, picture) in zip(axes[1:], variants.items()):
    ax.imshow(picture[40:140, 80:180], cmap="gray", vmin=0, vmax=255)
    ax.set_title(f"{name}\n(64×64 → 256×256, detail)")
for ax in axes:
    ax.axis("off")
plt.show()

# %% [markdown]
# Nearest neighbour keeps hard edges but shows blocks ("jaggies"); bilinear and bicubic
# trade the blocks for blur. Shrinking 512×512 to 64×64 by nearest neighbour also throws
# away 63 of every 64 input pixels outright (it keeps one pixel of each 8×8 block), so
# fine textures can turn into noise (aliasing); the area average lets each output pixel
# average the 64 input pixels it covers instead, which is smoother and more faithful.
# Nearest neighbour still has its place: it never invents a value, so it is the right
# choice for label images and binary masks.
#
# ## 5. Why not feed pixels straight into a dense network?
#
# A fully connected ("dense") layer connects every input to every unit: with `n_in`
# inputs and `n_out` units it has `n_in × n_out` weights plus one bias per unit. Each
# pixel (and each channel of it) is one input:

# %%
for description, shape in [("128×128 grey", (128, 128)), ("128×128 colour", (128, 128, 3)),
                           ("512×512 colour", (512, 512, 3)), ("1000×1000 colour", (1000, 1000, 3))]:
    print(f"{description:>15}: {int(np.prod(shape)):>9,} inputs")

# %% [markdown]
# ### Exercise 3 · `dense_params(n_inputs, n_hidden)`
#
# - **Input:** the number of inputs and of hidden units (positive ints).
# - **Output:** the number of trainable parameters, weights plus biases, as a whole
#   number (an int).
# - **Example:** `dense_params(4, 3)` returns `15` (12 weights and 3 biases).
#
# **Contract.** The check tries the lecture's layers (400 → 120, 84 → 10, a 512×512×3 photo
# into 1,000 units) and counts beyond what 32 bits hold (3,000,000 inputs into 1,000
# units). It expects the exact count as a whole number: an int or a numpy integer (a
# whole-number float such as `15.0` passes too, `15.5` does not). Python's ints never
# overflow; `np.int32` wraps round above 2,147,483,647 and `float32` keeps only about 7
# digits, so both fail on the large layers.
#
# Stuck? `check.dense_params.hint()`.

# %% solution id=dense_params
def dense_params(n_inputs, n_hidden):
    """Weights plus biases of a fully connected layer from n_inputs to n_hidden units."""
    ### BEGIN SOLUTION
    return n_inputs * n_hidden + n_hidden
    ### END SOLUTION

# %% test id=dense_params_test points=2
check.dense_params(dense_params)
### BEGIN HIDDEN TESTS
check.dense_params(dense_params, seed=1618)
assert dense_params(512 * 512 * 3, 1000) == 786_433_000
### END HIDDEN TESTS

# %% [markdown]
# The lecture's example: a 512×512 colour photo into a first layer of 1,000 units.

# %%
for side in (512, 1000):
    inputs = side * side * 3
    total = int(dense_params(inputs, 1000))
    print(f"{side}×{side}×3 photo: {inputs:,} inputs")
    print(f"  weights: {inputs * 1000:,} + biases: {1000:,} = {total:,} parameters")
    print(f"  as float32: {total * 4 / 1e9:.1f} GB for the first layer alone")

# %% [markdown]
# The lecture's second example, a 1000×1000 colour photo, has 3 million inputs; a first
# layer of 1,000 units needs 3 million × 1,000 = **3 billion** weights (3,000,001,000
# parameters with the biases), 12 GB in float32 before the network has seen a single
# photo. Even the smaller photo gives almost 800 million parameters: too many to
# train from a realistic number of photos without overfitting, and too much memory and
# computation. The layer also ignores that neighbouring pixels belong together, and would
# have to learn a cat in the top-left corner separately from a cat in the bottom-right.
# Convolutional layers fix both problems by reusing one small filter everywhere; the next
# chapters build them up from the bottom.
#
# ## Recap
#
# - An image is an array indexed `(row, column[, channel])` with `(0, 0)` at the top
#   left; colour photos keep the channels last.
# - uint8 arithmetic wraps at 256: convert to float first.
# - Grey from colour: average, luminosity (0.299, 0.587, 0.114) or desaturation
#   ((max + min) / 2); luminosity matches what the eye sees.
# - Nearest-neighbour resizing copies the input pixel under each output pixel's centre,
#   `floor((i + 0.5) · n_in / n_out)`.
# - A dense layer on raw pixels needs `n_in × n_out + n_out` parameters: 786,433,000 for
#   a 512×512×3 photo and 1,000 units, about 3 billion for a 1000×1000×3 photo. That is
#   the problem convolution solves.
