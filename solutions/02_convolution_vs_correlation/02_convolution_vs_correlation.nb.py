# %% [markdown]
# # 02 · Convolution versus correlation
#
# Every filter in this course (blur, sharpen, edge detectors) and every layer of a
# convolutional network does the same thing: it slides a small grid of weights, the
# **kernel**, over the image and adds up products. This chapter builds that operation
# from scratch, in both of its flavours, and sorts out a naming muddle that trips up
# almost everyone: what deep-learning libraries call "convolution" is, strictly speaking,
# **correlation**.
#
# **You will be able to**
#
# - compute a sliding-window correlation by hand and in numpy, for any image and kernel
#   shape;
# - turn it into a true convolution by flipping the kernel, and say when the flip
#   changes the answer;
# - predict the output size of a "valid" filter (n − f + 1) and pad an image so that a
#   "same" filter keeps its size;
# - check your functions against `scipy.signal`, and explain why deep-learning
#   libraries leave the flip out;
# - apply the filters to a real photo and try your own kernels.
#
# **Time:** about 60 minutes. **Graded exercises:** 4 (`correlate2d`, `convolve2d`,
# `pad`, `filter2d`). Each has a check you can run as often as you like, and a
# **Contract** line that says exactly what the check tests. Where an exercise asks for a
# float array, the check compares values: a float32 array, nested lists, or an integer
# array that holds the exact values pass as well. Stuck? run `check.NAME.hint()` in a new
# cell, once per hint: the idea, then the formula, then the code.

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy import signal

from autograder import check
from autograder.data import sample_image

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# The figures in this chapter draw small matrices with their numbers written in. The
# helper below does that; you do not need to read it.

# %%
def show_matrix(ax, matrix, title="", box=None, colour="tab:red", cmap="Blues"):
    """Draw a small matrix with its values; ``box`` = (row, col, height, width) outlines a block."""
    matrix = np.asarray(matrix, dtype=float)
    if np.nanmin(matrix) < 0:      # signed values: centre the colours on 0
        vmax = 1.6 * np.nanmax(np.abs(matrix))
        vmin = -vmax
    else:
        vmin, vmax = 0, 1.6 * max(np.nanmax(matrix), 1)
    colours = plt.get_cmap(cmap)
    ax.imshow(matrix, cmap=colours, vmin=vmin, vmax=vmax)
    for (row, col), value in np.ndenumerate(matrix):
        if not np.isfinite(value):
            continue
        red, green, blue, _ = colours((value - vmin) / (vmax - vmin))
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.45
        ax.text(col, row, f"{value:g}", ha="center", va="center", fontsize=10, color="white" if dark else "black")
    if box is not None:
        row, col, height, width = box
        ax.add_patch(plt.Rectangle((col - 0.5, row - 0.5), width, height, fill=False, lw=3, color=colour))
    ax.set_xticks(range(matrix.shape[1]))
    ax.set_yticks(range(matrix.shape[0]))
    ax.set_title(title)

# %% [markdown]
# ## 1. A window that slides
#
# Take a small image and a small kernel. Put the kernel on top of the image's top-left
# corner, multiply every kernel weight by the pixel under it, and add the products: that
# sum is the first output pixel. Move the kernel one column to the right and do it again;
# at the end of the row go back to the left, one row down. This is **correlation**
# (cross-correlation, in full).
#
# The lecture's example is a 5×5 binary image and a 3×3 kernel shaped like an X:

# %%
binary = np.array([
    [1, 1, 1, 0, 0],
    [0, 1, 1, 1, 0],
    [0, 0, 1, 1, 1],
    [0, 0, 1, 1, 0],
    [0, 1, 1, 0, 0],
])
x_kernel = np.array([
    [1, 0, 1],
    [0, 1, 0],
    [1, 0, 1],
])

window = binary[0:3, 0:3]          # the 3×3 block under the kernel at the top left
print("window:\n", window)
print("window * kernel (element by element):\n", window * x_kernel)
print("sum:", np.sum(window * x_kernel))

# %% [markdown]
# The first output pixel is 4. The output pixel at row `i`, column `j` uses the window
# whose top-left corner is at `(i, j)`:
#
# $$\text{out}[i, j] = \sum_{u=0}^{k_h-1} \sum_{v=0}^{k_w-1} \text{image}[i+u,\ j+v]\;\text{kernel}[u, v]$$
#
# Here are two positions of the window, the products it forms, and where the sum lands.

# %%
full_answer = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]])
fig, axes = plt.subplots(2, 3, figsize=(11, 7))
for row_axes, (i, j) in zip(axes, [(0, 0), (1, 2)]):
    products = binary[i:i + 3, j:j + 3] * x_kernel
    so_far = np.full((3, 3), np.nan)
    so_far.flat[:i * 3 + j + 1] = full_answer.flat[:i * 3 + j + 1]   # the outputs computed so far
    show_matrix(row_axes[0], binary, f"image, window at ({i}, {j})", box=(i, j, 3, 3))
    show_matrix(row_axes[1], products, f"window × kernel, sum = {products.sum()}", cmap="Greens")
    show_matrix(row_axes[2], so_far, f"output, pixel ({i}, {j}) = {products.sum()}",
                box=(i, j, 1, 1), cmap="Oranges")
for ax in axes[:, 0]:
    ax.set_ylabel("row")
for ax in axes[1]:
    ax.set_xlabel("column")
plt.suptitle("Sliding the X kernel over the 5×5 image")
plt.tight_layout()
plt.show()

# %% [markdown]
# ### How big is the output?
#
# The window must stay inside the image. A kernel `f` pixels wide fits at positions
# `0, 1, …, n − f` of a row of `n` pixels: that is **n − f + 1** positions. So a 5×5
# image and a 3×3 kernel give a 3×3 output, and an 8×8 image gives 6×6. Each border
# loses (f − 1)/2 pixels (f odd). Nothing says the image or the kernel must be square: with an
# image of shape `(H, W)` and a kernel of shape `(kh, kw)` the output has shape
# `(H − kh + 1, W − kw + 1)`. This "the window never leaves the image" output is called
# **valid**.

# %%
for image_shape, kernel_shape in [((5, 5), (3, 3)), ((8, 8), (3, 3)), ((128, 128), (3, 3)),
                                  ((6, 9), (3, 5)), ((7, 4), (2, 2))]:
    out_shape = (image_shape[0] - kernel_shape[0] + 1, image_shape[1] - kernel_shape[1] + 1)
    print(f"image {image_shape} with kernel {kernel_shape} -> valid output {out_shape}")

# %% [markdown]
# ### Exercise 1 · `correlate2d(image, kernel)`
#
# - **Input:** `image`, a 2-D array of shape `(H, W)`; `kernel`, a 2-D array of shape
#   `(kh, kw)` no larger than the image. Either may be non-square, and the kernel's sides
#   may be odd or even. Values may be integers (also `uint8`) or floats.
# - **Output:** a float array of shape `(H − kh + 1, W − kw + 1)` with
#   `out[i, j] = sum(image[i:i+kh, j:j+kw] * kernel)`: the "valid" correlation, kernel
#   **not** flipped.
# - **Example:** `correlate2d(binary, x_kernel)` returns
#   `[[4, 3, 4], [2, 4, 3], [2, 3, 4]]`.
#
# Loops are fine. Keep rows and columns apart (`shape[0]` and `shape[1]`), and make the
# output float: an output made with `np.zeros_like(image)` inherits a `uint8` photo's
# dtype and wraps negative sums around.
#
# **Contract.** After the lecture's examples the check tries random images and kernels:
# square and not, odd and even kernel sides, int64, uint8, 16-bit and float values,
# values near 10,000 with a kernel whose weights add up to 0 (the products almost cancel),
# values around 0.000001, and views that are not contiguous in memory (a strided slice,
# a transpose). It expects the "valid" correlation, shape `(H − kh + 1, W − kw + 1)`,
# within the rounding of the sums: the tolerance grows with the size of the products
# added, so float32 arithmetic passes, while results rounded to a few decimals do not.
# Any numeric array (or nested lists) is accepted if it holds the exact sums. Image and
# kernel must come back unchanged, and a second call must give the same result.
#
# Stuck? `check.correlate2d.hint()`.

# %% solution id=correlate2d
def correlate2d(image, kernel):
    """Cross-correlate ``image`` with ``kernel`` (no flip): the "valid" output, of shape
    (H - kh + 1, W - kw + 1)."""
    ### BEGIN SOLUTION
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    rows = image.shape[0] - kh + 1
    cols = image.shape[1] - kw + 1
    out = np.zeros((rows, cols))
    # Rather than visiting each output pixel, visit each kernel weight: kernel[u, v]
    # multiplies the block of the image shifted by (u, v). The sum is the same, but it
    # takes kh * kw array operations instead of one per output pixel.
    for u in range(kh):
        for v in range(kw):
            out += kernel[u, v] * image[u:u + rows, v:v + cols]
    return out
    ### END SOLUTION

# %% test id=correlate2d_test points=3
check.correlate2d(correlate2d)
### BEGIN HIDDEN TESTS
check.correlate2d(correlate2d, seed=4242)
_binary = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]])
assert np.allclose(correlate2d(_binary, np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])), [[4, 3, 4], [2, 4, 3], [2, 3, 4]])
assert np.allclose(correlate2d(np.array([[1, 0, 0], [0, 2, 0], [1, 2, 0]]), np.arange(1, 10).reshape(3, 3)), [[34]])
_step = np.where(np.arange(8) < 4, 10, 100)[np.newaxis, :].repeat(8, axis=0)
_edges = np.asarray(correlate2d(_step, np.array([[-1, 0, 1]] * 3)))
assert _edges.shape == (6, 6) and np.allclose(_edges[:, 2:4], 270) and np.allclose(_edges[:, [0, 1, 4, 5]], 0)
assert np.allclose(correlate2d(_step.T, np.array([[-1, 0, 1]] * 3).T), _edges.T)
### END HIDDEN TESTS

# %% [markdown]
# ### An edge detector
#
# The lecture's favourite kernel has −1 in its left column, 0 in the middle and +1 on
# the right. On a flat patch the −1s and +1s cancel; where the image gets brighter from
# left to right the sum is large. Try it on an 8×8 image that jumps from 10 to 100
# half-way across.

# %%
step = np.where(np.arange(8) < 4, 10, 100)[np.newaxis, :].repeat(8, axis=0)
vertical_edge = np.array([[-1, 0, 1],
                          [-1, 0, 1],
                          [-1, 0, 1]])
edges = np.asarray(correlate2d(step, vertical_edge))
print("output shape:", edges.shape)
print(edges)

# %% [markdown]
# Two columns of 270 = 3 × (100 − 10): the two window positions that straddle the jump.
# The output is 6×6, and its bright stripe is two pixels wide because every 3-pixel
# window that contains both a 10 and a 100 sees the whole jump.
#
# Turn the image and the kernel a quarter turn (transpose them) and the same thing finds
# horizontal edges:

# %%
step_down = step.T
horizontal_edge = vertical_edge.T
print("horizontal edge kernel:\n", horizontal_edge)
print(np.asarray(correlate2d(step_down, horizontal_edge)))

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 4))
show_matrix(axes[0], step, "8×8 image: 10 | 100", cmap="gray")
show_matrix(axes[1], vertical_edge, "vertical edge kernel", cmap="coolwarm")
show_matrix(axes[2], edges, "valid output, 6×6", cmap="Oranges")
for ax in axes:
    ax.set_xlabel("column")
axes[0].set_ylabel("row")
plt.suptitle("Dark-to-light step, found by the vertical edge kernel")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 2. The flip that makes it a convolution
#
# In mathematics and signal processing, **convolution** is defined with the kernel
# turned half a turn (180°) before it slides: flipped upside down *and* left to right.
# Written out, the kernel's indices run backwards:
#
# $$(\text{image} * \text{kernel})[i, j] = \sum_{u}\sum_{v} \text{image}[i+u,\ j+v]\;\text{kernel}[k_h-1-u,\ k_w-1-v]$$
#
# The lecture's small example makes the difference plain. The 3×3 image `f` and the
# 3×3 filter `g` give a single valid output pixel:

# %%
f = np.array([[1, 0, 0],
              [0, 2, 0],
              [1, 2, 0]])
g = np.array([[1, 2, 3],
              [4, 5, 6],
              [7, 8, 9]])
g_turned = g[::-1, ::-1]          # the same as np.rot90(g, 2)
print("g turned half a turn:\n", g_turned)
print("correlation: sum(f * g)        =", np.sum(f * g))
print("convolution: sum(f * g_turned) =", np.sum(f * g_turned))

# %% [markdown]
# Correlation gives 1·1 + 2·5 + 1·7 + 2·8 = **34**; convolution pairs the same pixels
# with the turned weights, 1·9 + 2·5 + 1·3 + 2·2 = **26**.
#
# A half turn is *both* flips. Flipping only one axis, or transposing (mirroring across
# the diagonal), gives a different kernel; with the numbers 1 to 9 the difference is easy
# to see:

# %%
orientations = {
    "g": g,
    "upside down: g[::-1]": g[::-1],
    "left to right: g[:, ::-1]": g[:, ::-1],
    "transposed: g.T": g.T,
    "half turn: g[::-1, ::-1]": g[::-1, ::-1],
}
fig, axes = plt.subplots(1, 5, figsize=(15, 3.3))
for ax, (name, kernel) in zip(axes, orientations.items()):
    show_matrix(ax, kernel, name, cmap="Purples")
plt.suptitle("Only the last one is the flip a convolution needs")
plt.tight_layout()
plt.show()

# %% [markdown]
# ### Exercise 2 · `convolve2d(image, kernel)`
#
# - **Input:** as for `correlate2d`: any 2-D image and kernel, non-square allowed, odd
#   or even sides.
# - **Output:** the "valid" **convolution**, a float array of shape
#   `(H − kh + 1, W − kw + 1)`: the correlation with the kernel turned half a turn.
# - **Example:** `convolve2d(f, g)` returns `[[26.]]`, where `correlate2d(f, g)`
#   returns `[[34.]]`.
#
# You may call your `correlate2d`.
#
# **Contract.** The same kinds of input and the same tolerance as `correlate2d`, and the
# kernel must be turned half a turn: flipping one axis, transposing or turning a quarter
# turn (`np.rot90(kernel)`) fails, and so does turning the caller's kernel in place (the
# kernel must come back unchanged). A second call must give the same result.
#
# Stuck? `check.convolve2d.hint()`.

# %% solution id=convolve2d
def convolve2d(image, kernel):
    """Convolve ``image`` with ``kernel`` (kernel turned half a turn): the "valid" output."""
    ### BEGIN SOLUTION
    kernel = np.asarray(kernel)
    return correlate2d(image, kernel[::-1, ::-1])
    ### END SOLUTION

# %% test id=convolve2d_test points=2
check.convolve2d(convolve2d)
### BEGIN HIDDEN TESTS
check.convolve2d(convolve2d, seed=4243)
assert np.allclose(convolve2d(np.array([[1, 0, 0], [0, 2, 0], [1, 2, 0]]), np.arange(1, 10).reshape(3, 3)), [[26]])
_step = np.where(np.arange(8) < 4, 10, 100)[np.newaxis, :].repeat(8, axis=0)
assert np.allclose(np.asarray(convolve2d(_step, np.array([[-1, 0, 1]] * 3)))[:, 2:4], -270)
### END HIDDEN TESTS

# %% [markdown]
# ### When does the flip matter?
#
# Only when the kernel looks different after a half turn. The X kernel, a box blur, the
# sharpening kernel and the Gaussian are all symmetric under a half turn, so convolution
# and correlation agree on them. The edge kernel is not: turned, its −1s and +1s swap
# sides. The turned kernel is exactly minus the kernel, so every response changes sign
# and nothing else. That is special to kernels like it; section 5 shows a kernel that
# is neither symmetric nor antisymmetric, where the flip changes the whole picture.

# %%
print("X kernel, correlation == convolution:", np.array_equal(correlate2d(binary, x_kernel),
                                                              convolve2d(binary, x_kernel)))
print("edge kernel turned half a turn == minus the kernel:", np.array_equal(vertical_edge[::-1, ::-1], -vertical_edge))
print("edge kernel, correlation:\n", np.asarray(correlate2d(step, vertical_edge))[:2])
print("edge kernel, convolution:\n", np.asarray(convolve2d(step, vertical_edge))[:2])

# %% [markdown]
# With correlation the lecture's dark-to-light edge gives +270; with a true convolution
# it gives −270. When you read "convolve with [−1 0 1]" somewhere, check which of the two
# is meant before you trust the sign.
#
# ### Why mathematicians keep the flip
#
# The flip buys convolution some algebra that correlation lacks. Convolution is
# **commutative** (image ∗ kernel = kernel ∗ image) and **associative**: blurring with
# `a` and then with `b` is the same as blurring once with the single kernel `a ∗ b`.
# Correlation is neither. You can still merge two correlations into one, but the merged
# kernel is the *convolution* `a ∗ b`: the flip comes back in. scipy's "full" output
# (every overlap, even partial ones) lets us test this on random arrays:

# %%
rng = np.random.default_rng(0)
picture, a, b = rng.random((6, 7)), rng.random((3, 3)), rng.random((2, 3))
conv, corr = signal.convolve2d, signal.correlate2d
print("convolution:  (picture ∗ a) ∗ b == picture ∗ (a ∗ b)?", np.allclose(conv(conv(picture, a), b),
                                                                            conv(picture, conv(a, b))))
print("correlation:  (picture ⋆ a) ⋆ b == picture ⋆ (a ⋆ b)?", np.allclose(corr(corr(picture, a), b),
                                                                            corr(picture, corr(a, b))))
print("but           (picture ⋆ a) ⋆ b == picture ⋆ (a ∗ b)?", np.allclose(corr(corr(picture, a), b),
                                                                            corr(picture, conv(a, b))))

# %% [markdown]
# ### Checking against `scipy.signal`
#
# `scipy.signal.correlate2d` and `scipy.signal.convolve2d` compute both operations;
# `mode="valid"` asks for the output you wrote. On a random non-square image with a
# non-square, even-sized kernel:

# %%
rng = np.random.default_rng(1)
image_test = rng.integers(0, 10, size=(7, 10))
kernel_test = rng.integers(-2, 3, size=(2, 4))
print("correlate2d agrees with scipy:", np.allclose(correlate2d(image_test, kernel_test),
                                                     signal.correlate2d(image_test, kernel_test, mode="valid")))
print("convolve2d agrees with scipy: ", np.allclose(convolve2d(image_test, kernel_test),
                                                     signal.convolve2d(image_test, kernel_test, mode="valid")))
print("output shape:", correlate2d(image_test, kernel_test).shape)

# %% [markdown]
# ### Why deep-learning libraries skip the flip
#
# Keras' `Conv2D`, TensorFlow's `tf.nn.conv2d` and PyTorch's `conv2d` all compute
# **correlation**, although they call it convolution; give `Conv2D` the edge kernel above
# and the step image comes out with +270, like your `correlate2d`. The lecture puts it
# as a convention: in deep learning "convolution" means cross-correlation.
#
# Nothing is lost. In a network the kernel's numbers are not chosen by hand, they are
# **learned**. If the task needed the turned kernel, training would simply arrive at the
# turned numbers. Flipping or not only changes which of the nine weights gets which
# name; the set of filters the layer can represent is the same. So the libraries save
# the flip and keep the simpler indexing. Where the flip *does* matter is when a kernel
# comes from a paper or a textbook, as in the example of section 4.
#
# ## 3. Padding: keep the size
#
# A valid filter shrinks the image by f − 1 pixels per axis. A deep network with many
# 3×3 layers would shrink its input to nothing, and the pixels at the border take part
# in far fewer windows than those in the middle; the corner pixel of the 5×5 example is
# used by a single window. The fix is **padding**: put a frame of `p` extra pixels around
# the image before filtering. With `p` pixels **on each side** the output size becomes
#
# $$n + 2p - f + 1,$$
#
# and it equals `n` when `p = (f − 1)/2`. That is the **same** output. It needs an odd
# kernel size (3, 5, 7, …), so that the kernel has a centre pixel to put on each image
# pixel. The usual filling is zero; we will also allow another constant value.

# %%
for f_size in [1, 3, 5, 7]:
    p = (f_size - 1) // 2
    print(f"f = {f_size}: p = {p} per side, 8 + 2·{p} − {f_size} + 1 = {8 + 2 * p - f_size + 1}")

# %% [markdown]
# ### Exercise 3 · `pad(image, p, value=0)`
#
# - **Input:** `image`, a 2-D array of shape `(H, W)`; `p`, a non-negative int, the number
#   of rows/columns to add **on each side**; `value`, the number to fill them with
#   (default 0).
# - **Output:** an array of shape `(H + 2p, W + 2p)` with the image in the middle and
#   `value` everywhere else.
# - **Example:** `pad(np.array([[1, 2]]), 1)` returns
#   `[[0, 0, 0, 0], [0, 1, 2, 0], [0, 0, 0, 0]]`, and `pad(np.array([[1, 2]]), 1, value=9)`
#   the same with 9 instead of 0.
#
# Write it yourself (`np.full` and slicing are enough), then compare with
# `np.pad(image, p, constant_values=value)`. Careful: `np.pad` keeps the image's dtype,
# so around an integer image it stores `value=0.5` as 0.
#
# **Contract.** The check pads int64, uint8, uint16 and float images, also views that are
# not contiguous in memory, by p = 0 to 4, with values that are whole, negative,
# fractional (0.5 around an integer image) or as large as 65535; it also calls
# `pad(image, p)` without a value. It expects shape `(H + 2p, W + 2p)`, the image's values
# in the middle and exactly `value` around them, in any dtype that holds them (float
# always does). The image must come back unchanged, and a second call must give the same
# result.
#
# Stuck? `check.pad.hint()`.

# %% solution id=pad
def pad(image, p, value=0):
    """Surround the 2-D ``image`` with ``p`` rows/columns of ``value`` on every side."""
    ### BEGIN SOLUTION
    image = np.asarray(image)
    rows, cols = image.shape
    out = np.full((rows + 2 * p, cols + 2 * p), value, dtype=float)
    out[p:p + rows, p:p + cols] = image
    return out
    ### END SOLUTION

# %% test id=pad_test points=2
check.pad(pad)
### BEGIN HIDDEN TESTS
check.pad(pad, seed=4244)
assert np.array_equal(pad(np.array([[1, 2]]), 1), [[0, 0, 0, 0], [0, 1, 2, 0], [0, 0, 0, 0]])
assert np.array_equal(pad(np.array([[1, 2]]), 2, value=9), np.pad([[1, 2]], 2, constant_values=9))
assert np.asarray(pad(np.ones((3, 5)), 0)).shape == (3, 5)
### END HIDDEN TESTS

# %% [markdown]
# The lecture pads a 5×5 patch of a photo by one pixel and slides a 3×3 sharpening kernel
# over it. The first window now covers three zeros of the frame:

# %%
patch = np.array([
    [105, 102, 100,  97,  96],
    [103,  99, 103, 101, 102],
    [101,  98, 104, 102, 100],
    [ 99, 101, 106, 104,  99],
    [104, 104, 104, 100,  98],
])
sharpen = np.array([[ 0, -1,  0],
                    [-1,  5, -1],
                    [ 0, -1,  0]])
framed = np.asarray(pad(patch, 1))
print("top-left output:   ", np.sum(framed[0:3, 0:3] * sharpen))
print("output at (1, 0):  ", np.sum(framed[1:4, 0:3] * sharpen))
print("output at (1, 1):  ", np.sum(framed[1:4, 1:4] * sharpen))
print("output at (1, 2):  ", np.sum(framed[1:4, 2:5] * sharpen))

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
show_matrix(axes[0], framed, "padded with p = 1 (zeros)", box=(0, 0, 3, 3), cmap="Greys")
axes[0].add_patch(plt.Rectangle((0.5, 0.5), 5, 5, fill=False, lw=1.5, ls="--", color="tab:blue"))
show_matrix(axes[1], sharpen, "sharpening kernel", cmap="coolwarm")
same_patch = np.asarray(correlate2d(framed, sharpen))
show_matrix(axes[2], same_patch, f"output {same_patch.shape[0]}×{same_patch.shape[1]}: same size as the patch",
            box=(0, 0, 1, 1), cmap="Oranges")
axes[0].set_ylabel("row")
for ax in axes:
    ax.set_xlabel("column")
plt.tight_layout()
plt.show()

# %% [markdown]
# 320, 210, 89, 111: the lecture's numbers. The values along the border are much larger
# than inside, because the zeros of the frame count as very dark pixels next to bright
# ones, and sharpening exaggerates that contrast. Zero padding is not neutral: section 4
# shows what a different fill value does.
#
# ### Exercise 4 · `filter2d(image, kernel, mode="valid", fill=0)`
#
# One function for both outputs: a **correlation** (no flip, like Keras), with
#
# - `mode="valid"`: the output of `correlate2d`, shape `(H − kh + 1, W − kw + 1)`; any
#   kernel size;
# - `mode="same"`: pad the image with `fill` first, `(kh − 1)/2` rows above and below and
#   `(kw − 1)/2` columns left and right, so that the output has the image's shape
#   `(H, W)`. Non-square kernels are fine, but both sides must be odd.
#
# - **Input:** a 2-D `image` and `kernel`, `mode` (a string) and `fill` (a number,
#   default 0; only used by "same").
# - **Output:** a float array as described. Raise `ValueError` with a clear message for a
#   mode other than "valid" or "same", and for an even kernel side in "same" mode.
# - **Example:** `filter2d(patch, sharpen, mode="same")` is 5×5 and starts
#   `[[320, …], [210, 89, 111, …], …]`.
#
# Reuse your `pad` and `correlate2d`.
#
# **Contract.** Both modes, on the lecture's worked examples and on the same kinds of
# input as `correlate2d` (non-square and non-contiguous images and kernels, int64, uint8,
# 12-bit and float values, large values that cancel, tiny ones), with `fill` left at its
# default 0 or set to a negative, fractional or large value; kernels for "same" have odd
# sides, square or not. It expects the correlation within the rounding of the sums, of
# shape `(H, W)` for "same" and `(H − kh + 1, W − kw + 1)` for "valid". It expects
# `ValueError` for "same" with a 2×2, 4×3 or 3×4 kernel, with a message that says the
# sides must be odd (it looks for "odd", "even" or "centre"), and for the modes
# `"circular"` and `"SAME!"`, with a message that names the mode given or the two that
# exist. Inputs must come back unchanged, and a second call must give the same result.
#
# Stuck? `check.filter2d.hint()`.

# %% solution id=filter2d
def filter2d(image, kernel, mode="valid", fill=0):
    """Correlate ``image`` with ``kernel``: mode "valid" (no padding) or "same" (padded
    with ``fill`` so the output has the image's shape; odd kernel sides only)."""
    ### BEGIN SOLUTION
    kernel = np.asarray(kernel, dtype=float)
    if mode not in ("valid", "same"):
        raise ValueError(f"mode must be 'valid' or 'same', not {mode!r}")
    if mode == "valid":
        return correlate2d(image, kernel)
    kh, kw = kernel.shape
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"mode 'same' needs a kernel with odd sides (a centre pixel); got {kh}×{kw}")
    pad_rows, pad_cols = (kh - 1) // 2, (kw - 1) // 2
    p = max(pad_rows, pad_cols)
    framed = pad(image, p, fill)
    # pad() frames all sides alike; trim the extra where the kernel is not square
    framed = framed[p - pad_rows:framed.shape[0] - (p - pad_rows), p - pad_cols:framed.shape[1] - (p - pad_cols)]
    return correlate2d(framed, kernel)
    ### END SOLUTION

# %% test id=filter2d_test points=3
check.filter2d(filter2d)
### BEGIN HIDDEN TESTS
check.filter2d(filter2d, seed=4245)
_seed003_image = np.arange(1, 50).reshape(7, 7)
_seed003_kernel = np.array([[-1, 1, -1], [-2, 3, 1], [2, -4, 0]])
assert np.allclose(filter2d(_seed003_image, np.rot90(_seed003_kernel, 2), mode="same"), [
    [-2, -8, -7, -6, -5, -4, 28],
    [5, -3, -4, -5, -6, -7, 28],
    [-2, -10, -11, -12, -13, -14, 28],
    [-9, -17, -18, -19, -20, -21, 28],
    [-16, -24, -25, -26, -27, -28, 28],
    [-23, -31, -32, -33, -34, -35, 28],
    [-29, 13, 13, 13, 13, 13, 27]])
_patch = np.array([[105, 102, 100, 97, 96], [103, 99, 103, 101, 102], [101, 98, 104, 102, 100],
                   [99, 101, 106, 104, 99], [104, 104, 104, 100, 98]])
_sharpen = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
_sharp = np.asarray(filter2d(_patch, _sharpen, mode="same"))
assert _sharp.shape == (5, 5) and np.isclose(_sharp[0, 0], 320) and np.allclose(_sharp[1, :3], [210, 89, 111])
assert np.allclose(filter2d(_patch, _sharpen, mode="same", fill=100),
                   signal.correlate2d(_patch, _sharpen, mode="same", boundary="fill", fillvalue=100))
### END HIDDEN TESTS

# %% [markdown]
# ## 4. A worked example from the lecture: convolution with "same" output
#
# Lecture 003 convolves the 7×7 image holding 1 to 49 with an asymmetric 3×3 kernel, pads
# with one pixel of zeros so that the output stays 7×7, and checks the result against
# `scipy.signal.convolve2d(..., mode="same", boundary="fill", fillvalue=0)`. A true
# convolution turns the kernel half a turn; your `filter2d` correlates, so hand it the
# turned kernel:

# %%
image_49 = np.arange(1, 50).reshape(7, 7)
lecture_kernel = np.array([[-1,  1, -1],
                           [-2,  3,  1],
                           [ 2, -4,  0]])
ours = np.asarray(filter2d(image_49, np.rot90(lecture_kernel, 2), mode="same"))
scipy_result = signal.convolve2d(image_49, lecture_kernel, mode="same", boundary="fill", fillvalue=0)
print(np.round(ours).astype(int))
print("same as scipy.signal.convolve2d:", np.allclose(ours, scipy_result))
print("forgetting the turn gives something else:",
      not np.allclose(filter2d(image_49, lecture_kernel, mode="same"), scipy_result))

# %% [markdown]
# Away from the border every window sees the same ramp shifted, so the output falls by 7
# from one row to the next and by 1 from one column to the next. All four borders break
# that pattern, most visibly the last column (28 all the way down) and the last row (13):
# there part of the kernel lies on the zero frame.
#
# ### What the fill value does
#
# Padding invents pixels, and the fill value decides what they look like. Blurring a
# photo with a large box kernel shows it: with zeros the border of the result turns dark,
# because the frame counts as black; filling with 255 counts it as white; filling with
# the photo's mean brightness is a compromise.

# %%
from matplotlib_inline.backend_inline import set_matplotlib_formats

set_matplotlib_formats("jpeg")   # from here on the figures are photos: JPEG keeps the notebook small
photo = sample_image("camera")[::2, ::2].astype(float)   # 256×256, grey, 0–255
box = np.ones((15, 15)) / 225
fills = {"fill = 0": 0, "fill = 255": 255, f"fill = mean ({photo.mean():.0f})": photo.mean()}
fig, axes = plt.subplots(1, 4, figsize=(15, 4))
axes[0].imshow(photo[:90, :90], cmap="gray", vmin=0, vmax=255)
axes[0].set_title("photo (top-left corner)")
for ax, (name, value) in zip(axes[1:], fills.items()):
    blurred = np.asarray(filter2d(photo, box, mode="same", fill=value))
    ax.imshow(blurred[:90, :90], cmap="gray", vmin=0, vmax=255)
    ax.set_title(f"15×15 box blur, {name}")
for ax in axes:
    ax.set_xlabel("column")
axes[0].set_ylabel("row")
plt.tight_layout()
plt.show()

# %% [markdown]
# Other libraries offer more choices at the border: `scipy.signal` has
# `boundary="wrap"` and `"symm"` (mirror the image), OpenCV and `scipy.ndimage` repeat or
# reflect the edge pixels. A constant fill is the simplest, and it is what Keras' `"same"`
# padding does (with zeros).
#
# ## 5. Filters on a real photo
#
# The camera-man photo, halved to 256×256 to keep the loops quick, filtered with
# `filter2d(..., mode="same")`: five kernels from the lectures (box blur, sharpen, the two
# edge detectors, the high-pass filter) and an emboss kernel. Blur, sharpen and emboss
# keep the brightness scale (their weights add up to 1). The weights of the edge and
# high-pass kernels add up to 0, so flat areas become 0 (grey in these pictures),
# edges where the photo gets brighter positive (white) and edges where it gets darker
# negative (black).

# %%
KERNELS = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "box blur 3×3": np.ones((3, 3)) / 9,
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "vertical edges": np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]),
    "horizontal edges": np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]),
    "high pass": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]) / 9,
    "emboss": np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
}


def show_filtered(ax, result, kernel, title):
    """Show a filtered photo on a scale that suits its kernel."""
    total = float(np.sum(kernel))
    if abs(total) < 1e-9:          # weights add up to 0: show both signs around grey
        limit = np.percentile(np.abs(result), 99.5) or 1.0
        ax.imshow(result, cmap="gray", vmin=-limit, vmax=limit)
    else:                          # brightness-keeping kernels: the photo's 0–255 range
        low, high = sorted([0, 255 * total])
        ax.imshow(result, cmap="gray", vmin=low, vmax=high)
    ax.set_title(title)
    ax.axis("off")


fig, axes = plt.subplots(2, 4, figsize=(12, 6.8), layout="constrained")
axes = axes.ravel()
axes[0].imshow(photo, cmap="gray", vmin=0, vmax=255)
axes[0].set_title("input")
axes[0].axis("off")
for ax, (name, kernel) in zip(axes[1:], list(KERNELS.items())[1:]):
    show_filtered(ax, np.asarray(filter2d(photo, kernel, mode="same")), kernel, name)
turned = KERNELS["vertical edges"][::-1, ::-1]
show_filtered(axes[-1], np.asarray(filter2d(photo, turned, mode="same")), turned,
              "vertical edges turned half a turn\n(= a true convolution): signs swap")
plt.suptitle("One photo, filtered with filter2d(photo, kernel, mode='same')")
plt.show()

# %% [markdown]
# Look at the tripod and the horizon: the vertical-edge kernel lights up the tripod's
# legs, the horizontal-edge kernel the horizon and the line of the shoulders. In the last
# picture the same kernel, turned half a turn, paints every edge in the opposite colour.
# For this kernel that is all the flip changes, because its half turn is exactly its
# negative; further below is a kernel where the flip changes much more. Side by side,
# input and one output:

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 4.6))
axes[0].imshow(photo, cmap="gray", vmin=0, vmax=255)
axes[0].set_title("input, 256×256")
axes[0].axis("off")
show_filtered(axes[1], np.asarray(filter2d(photo, KERNELS["vertical edges"], mode="same")), KERNELS["vertical edges"],
              "vertical edges, 'same' output, 256×256")
plt.tight_layout()
plt.show()

# %% [markdown]
# The thin dark line down the right-hand border is the zero padding again: next to the
# bright sky, the black frame looks like a bright-to-dark edge.
#
# ### When the flip changes more than the sign
#
# Most kernels are neither symmetric nor antisymmetric under a half turn, and for them
# the flip changes the whole response, not only its sign. The emboss kernel is one: turned
# half a turn it keeps its +1 in the centre, but its −2 and +2 swap corners. The lecture's
# kernel of section 4 is another.

# %%
emboss = KERNELS["emboss"]
asymmetric = np.array([[-1, 1, -1],
                       [-2, 3, 1],
                       [2, -4, 0]])
print("emboss turned half a turn:\n", emboss[::-1, ::-1])
for name, kernel in [("vertical edges", KERNELS["vertical edges"]), ("emboss", emboss),
                     ("section 4's kernel", asymmetric)]:
    correlation = np.asarray(filter2d(photo, kernel, mode="same"))
    convolution = np.asarray(filter2d(photo, kernel[::-1, ::-1], mode="same"))
    agreement = np.corrcoef(correlation.ravel(), convolution.ravel())[0, 1]
    print(f"{name:>18}: turned == minus the kernel? {np.array_equal(kernel[::-1, ::-1], -kernel)!s:>5}; "
          f"correlation coefficient of the two responses {agreement:+.2f}")

detail = (slice(10, 130), slice(40, 160))  # the head and the camera
correlation = np.asarray(filter2d(photo, emboss, mode="same"))
convolution = np.asarray(filter2d(photo, emboss[::-1, ::-1], mode="same"))
fig, axes = plt.subplots(1, 3, figsize=(12, 4.4), layout="constrained")
show_filtered(axes[0], correlation[detail], emboss, "correlation")
show_filtered(axes[1], convolution[detail], emboss, "convolution (kernel turned)")
show_filtered(axes[2], -correlation[detail], -emboss, "minus the correlation")
plt.suptitle("Emboss, an asymmetric kernel: the flip changes the whole response, not just its sign")
plt.show()

# %% [markdown]
# For the edge kernel the two responses are exact opposites: a correlation coefficient
# of −1. For emboss and for section 4's kernel they are neither equal (+1) nor opposite
# (−1). In the pictures, correlation and convolution both keep the photo (the +1 in the
# middle) but add relief in opposite directions: the correlation adds how much brighter
# the photo gets towards the lower right, the convolution towards the upper left. A mere
# change of sign would give the photographic negative on the right. This is why a kernel
# copied from a paper must be applied the way the paper meant it.
#
# ### Playground
#
# Pick a kernel from the list, or type nine numbers (row by row, fractions such as `1/9`
# allowed) and press Enter: the photo is filtered with your `filter2d` and redrawn. If you
# are reading a static copy of this notebook the controls do not appear; the grid of
# kernels above shows the same filters. Things to try: make the blur stronger by putting
# more weight off-centre, turn the vertical-edge kernel half a turn and watch the edges
# swap colour, or make a kernel whose weights add up to 2.

# %% nbval-ignore-output
import io
from fractions import Fraction

import ipywidgets as widgets
from IPython.display import display

CUSTOM = "custom (type 9 numbers)"


def kernel_text(kernel):
    return "  ".join(f"{value:g}" for value in np.asarray(kernel, dtype=float).ravel())


def parse_kernel(text):
    values = [float(Fraction(token)) for token in text.replace(",", " ").split()]
    if len(values) != 9:
        raise ValueError(f"type exactly 9 numbers (got {len(values)})")
    return np.array(values).reshape(3, 3)


def figure_jpeg(kernel, result, title):
    """Input and output side by side, as JPEG bytes for the Image widget."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.6))
    axes[0].imshow(photo, cmap="gray", vmin=0, vmax=255)
    axes[0].set_title("input")
    axes[0].axis("off")
    show_filtered(axes[1], result, kernel, title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="jpeg", dpi=80)
    plt.close(fig)
    return buffer.getvalue()


choice = widgets.Dropdown(options=list(KERNELS) + [CUSTOM], value="sharpen", description="kernel")
numbers = widgets.Text(value=kernel_text(KERNELS["sharpen"]), description="weights",
                       continuous_update=False, layout=widgets.Layout(width="420px"))
picture = widgets.Image(format="jpeg")
message = widgets.HTML()
syncing = {"busy": False}


def redraw(*_):
    try:
        kernel = parse_kernel(numbers.value)
        result = filter2d(photo, kernel, mode="same")
    except Exception as error:     # a typo in the numbers, or filter2d not written yet
        message.value = f"<b>Cannot filter:</b> {type(error).__name__}: {error}"
        return
    message.value = ""
    picture.value = figure_jpeg(kernel, result, f"{choice.value}\n{np.array2string(kernel, precision=2)}")


def on_choice(change):
    if change["new"] != CUSTOM:
        syncing["busy"] = True
        numbers.value = kernel_text(KERNELS[change["new"]])
        syncing["busy"] = False
        redraw()


def on_numbers(change):
    if not syncing["busy"]:
        choice.value = CUSTOM
        redraw()


choice.observe(on_choice, names="value")
numbers.observe(on_numbers, names="value")
redraw()
display(widgets.VBox([widgets.HBox([choice, numbers]), message, picture]))

# %% [markdown]
# ## Recap
#
# - **Correlation** slides the kernel over the image and sums the products:
#   `out[i, j] = sum(image[i:i+kh, j:j+kw] * kernel)`. **Convolution** does the same with
#   the kernel turned half a turn, `kernel[::-1, ::-1]`; not one flip, not a transpose.
#   On the lecture's example correlation gives 34 and convolution 26.
# - The two agree for kernels that look the same after a half turn (box, Gaussian,
#   sharpen, the X kernel). For an edge kernel, whose half turn is its negative,
#   convolution only flips the sign (−270 instead of +270); for a kernel that is neither,
#   such as the lecture's 3×3 of section 4, it changes the whole response.
# - Deep-learning "convolution" is correlation. The kernels are learned, so leaving the
#   flip out only renames the weights.
# - A **valid** output has shape `(H − kh + 1, W − kw + 1)`. Padding `p` pixels **per
#   side** gives `n + 2p − f + 1`; `p = (f − 1)/2` keeps the size (**same**), which needs
#   an odd kernel.
# - The fill value of the padding shows at the border: zeros look like a black frame.
# - `scipy.signal.correlate2d` / `convolve2d` with `mode="valid"` or
#   `mode="same", boundary="fill", fillvalue=…` are the reference to test against.
#
# Next chapter: designing filters (Gaussian, median, Sobel, sharpening) with the tools
# you built here.
