# %% [markdown]
# # 03 · Filters: smoothing, edges and sharpening
#
# In the last chapter you slid a small kernel over an image and summed the products. That
# one operation, with different kernels, blurs a photo, removes noise, finds edges and
# makes a picture look sharper. Convolutional networks learn their kernels from data, but
# the first layers of a trained network end up with kernels very like the hand-made ones
# of this chapter, so knowing them tells you what a network is looking for.
#
# **You will be able to**
#
# - build normalised box and Gaussian kernels and say why their weights add up to 1;
# - check that the lecture's integer 5×5 kernel (÷273) is a Gaussian with σ ≈ 1;
# - remove salt-and-pepper noise with a median filter, and explain why the mean filter
#   cannot;
# - compute the Sobel gradient magnitude, build the eight Kirsch compass kernels and
#   read their responses;
# - detect edges in a row of black and white pixels with [−1, 2, −1] and clamping, and
#   reproduce the lecture's truth table;
# - sharpen an image with the lecture's sharpen kernel and by unsharp masking, with an
#   `amount` that controls the strength.
#
# **Time:** about 90 minutes. **Graded exercises:** 8 (`box_kernel`, `gaussian_kernel`,
# `median_filter`, `sobel_magnitude`, `kirsch_kernels`, `edge_1d`, `sharpen_kernel`,
# `unsharp_mask`). Each has a check you can run as often as you like, and a **Contract**
# line that says exactly what the check tests. Where an exercise asks for a float array,
# the check compares values: a float32 array, nested lists, or an integer array that
# holds the exact values pass as well. Stuck? run `check.NAME.hint()` in a new cell, once
# per hint: the idea, then the formula, then the code.
#
# All exercises can be done with numpy alone. The explanations use
# `scipy.ndimage.correlate(image, kernel, mode=...)` to apply a kernel quickly; it is the
# `filter2d` of the last chapter with more border options.

# %%
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage as ndi

from autograder import check
from autograder.data import sample_image

np.set_printoptions(precision=3, suppress=True)


def show_row(images, titles, vmin=0, vmax=255, size=2.5, cmap="gray"):
    """Put images side by side with titles; returns the figure's axes."""
    fig, axes = plt.subplots(1, len(images), figsize=(size * len(images), size + 0.4))
    for ax, image, title in zip(np.atleast_1d(axes), images, titles):
        ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    return axes


camera = sample_image("camera").astype(float)  # 512×512 grey photo, values 0…255
print("camera:", camera.shape, camera.dtype, "values", camera.min(), "to", camera.max())

# %% [markdown]
# ## 1. Borders: what lies outside the image?
#
# A 3×3 window centred on a corner pixel hangs one pixel over the edge of the image. To
# keep the output the same size as the input we must invent those missing pixels. Three
# common rules:
#
# | rule | numpy | scipy.ndimage | outside pixels |
# |---|---|---|---|
# | zero padding | `np.pad(x, k)` | `mode="constant"` | 0 |
# | repeat the nearest pixel | `np.pad(x, k, mode="edge")` | `mode="nearest"` | copy of the closest edge pixel |
# | mirror | `np.pad(x, k, mode="symmetric")` | `mode="reflect"` | the image seen in a mirror |
#
# Zero padding is what the lecture's `convolve2d(..., mode="same")` does. It darkens the
# border of a blurred photo, because the blur averages real pixels with black ones, and
# it makes edge detectors fire along the frame of the picture. **In this chapter the
# median filter, the Sobel magnitude, the blur inside the unsharp mask and the 1-D edge
# detector all repeat the nearest pixel.**

# %%
row = np.array([10, 20, 30, 40])
print("zero     :", np.pad(row, 2))
print("edge     :", np.pad(row, 2, mode="edge"))
print("symmetric:", np.pad(row, 2, mode="symmetric"))

# %%
box3 = np.ones((3, 3)) / 9
bright = np.full((6, 8), 200.0)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), constrained_layout=True)
for ax, mode, rule in zip(axes, ["constant", "nearest"], ["zero padding", "repeat the nearest pixel"]):
    blurred = ndi.correlate(bright, box3, mode=mode)
    ax.imshow(blurred, cmap="gray", vmin=0, vmax=255)
    for (r, c), value in np.ndenumerate(blurred):
        ax.text(c, r, f"{value:.0f}", ha="center", va="center", color="red", fontsize=8)
    ax.set_title(f"{rule} (mode={mode!r})")
    ax.set_xlabel("column")
    ax.set_ylabel("row")
fig.suptitle("3×3 mean of a flat image of 200s")
plt.show()

# %% [markdown]
# With zero padding the flat image gets a dark frame (133 along the sides, 89 in the
# corners); repeating the nearest pixel leaves it flat, as it should.
#
# ## 2. The box (mean) filter
#
# The simplest smoothing kernel replaces each pixel by the mean of its window. For a 3×3
# window every weight is 1/9:
#
# $$\frac{1}{9}\begin{bmatrix}1&1&1\\1&1&1\\1&1&1\end{bmatrix}$$
#
# Why divide by 9? A kernel whose weights add up to 1 leaves a flat area unchanged. With
# all-ones weights the flat 200 image would come out as 1,800, nine times too bright.

# %%
patch = np.full((3, 3), 200.0)
print("ones kernel      :", np.sum(patch * np.ones((3, 3))))
print("normalised kernel:", np.sum(patch * np.ones((3, 3)) / 9))

# %% [markdown]
# ### Exercise 1 · `box_kernel(size)`
#
# - **Input:** `size`, a positive int.
# - **Output:** a float array of shape `(size, size)` whose weights are all equal and add
#   up to 1.
# - **Example:** `box_kernel(2)` returns `array([[0.25, 0.25], [0.25, 0.25]])`.
#
# **Contract.** The check tries sizes 1 to 11 and 31. It expects shape `(size, size)`
# with every weight 1/size², within float rounding (float32 or nested lists are fine),
# and the same result from a second call.
#
# Stuck? `check.box_kernel.hint()`.

# %% solution id=box_kernel
def box_kernel(size):
    """A size×size mean kernel: every weight 1 / size², summing to 1."""
    ### BEGIN SOLUTION
    return np.ones((size, size)) / size ** 2
    ### END SOLUTION

# %% test id=box_kernel_test points=1
check.box_kernel(box_kernel)
### BEGIN HIDDEN TESTS
check.box_kernel(box_kernel, seed=303)
assert np.allclose(box_kernel(3), np.full((3, 3), 1 / 9))
assert np.isclose(np.sum(box_kernel(7)), 1.0)
### END HIDDEN TESTS

# %% [markdown]
# The bigger the window, the stronger the blur.

# %%
crop = camera[60:310, 150:400]
show_row([crop] + [ndi.correlate(crop, box_kernel(size), mode="nearest") for size in (3, 7, 15)],
         ["original (crop)", "box 3×3", "box 7×7", "box 15×15"])
plt.show()

# %% [markdown]
# At 15×15 the eyes, the ear and the camera's controls are gone. Every pixel of the
# window counts the same, right up to the window's edge, however far it is from the
# centre.
#
# ### Repeating the mean filter
#
# The lecture also filters a photo with the mean once, twice, three times and ten times,
# and once with a radius of 20. Each pass averages averages, so two passes of a 3×3 box
# are one pass of a single bigger kernel: the box correlated with itself. Along one row
# that is [1, 1, 1]/3 slid over [1, 1, 1]/3, which gives [1, 2, 3, 2, 1]/9, a pyramid that
# trusts the centre most. A third pass gives [1, 3, 6, 7, 6, 3, 1]/27, already
# bell-shaped:

# %%
one_pass = np.ones(3) / 3
row_kernel = np.array([1.0])
passes_kernel = {}
for passes in range(1, 11):
    row_kernel = np.convolve(row_kernel, one_pass)
    passes_kernel[passes] = row_kernel
for passes in (1, 2, 3):
    print(f"{passes} pass(es): {np.round(passes_kernel[passes] * 3 ** passes).astype(int)} / {3 ** passes}")

# %% [markdown]
# Why a bell? Blurring adds spread the way adding random numbers does: the variance of
# one pass of an f-wide box is (f² − 1)/12 per axis (2/3 for f = 3), and n passes add
# up to n times that. Ten passes of the 3×3 box act like one Gaussian with
# σ = √(10 · 2/3) ≈ 2.58, as the central limit theorem predicts; one pass of the
# lecture's radius-20 box (41×41) has σ = √((41² − 1)/12) ≈ 11.8, far more blur, and keeps
# the box's hard cut-off.

# %%
sigma_10 = np.sqrt(10 * (3 ** 2 - 1) / 12)
offsets_10 = np.arange(len(passes_kernel[10])) - len(passes_kernel[10]) // 2
bell = np.exp(-offsets_10 ** 2 / (2 * sigma_10 ** 2))
bell /= bell.sum()
print(f"10 passes: a {len(offsets_10)}-wide kernel, standard deviation "
      f"{np.sqrt(np.sum(offsets_10 ** 2 * passes_kernel[10])):.3f} (σ predicted {sigma_10:.3f}); "
      f"largest gap to that Gaussian {np.abs(passes_kernel[10] - bell).max() / bell.max():.1%} of its peak")

fig, ax = plt.subplots(figsize=(7, 3.2), constrained_layout=True)
for passes in (1, 2, 3, 10):
    kernel_row = passes_kernel[passes]
    offsets = np.arange(len(kernel_row)) - len(kernel_row) // 2
    ax.plot(offsets, kernel_row, "o-", label=f"{passes} pass{'es' if passes > 1 else ''}", markersize=4)
ax.plot(offsets_10, bell, "k--", linewidth=1, label=f"Gaussian, σ = {sigma_10:.2f}")
ax.set_title("One row of the kernel that n passes of the 3-wide mean add up to")
ax.set_xlabel("offset from the centre (pixels)")
ax.set_ylabel("weight")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The lecture's series on our photo: the 3×3 mean (your `box_kernel(3)`) applied 1, 2, 3
# and 10 times, repeating the edge pixels at the border, and one pass of the 41×41 box.

# %%
repeated = {0: crop}
for passes in range(1, 11):
    repeated[passes] = ndi.correlate(repeated[passes - 1], box_kernel(3), mode="nearest")
big_box = ndi.correlate(crop, box_kernel(41), mode="nearest")
show_row([crop, repeated[1], repeated[2], repeated[3], repeated[10], big_box],
         ["original", "mean 1 time", "mean 2 times", "mean 3 times", "mean 10 times", "mean once, radius 20"],
         size=2.1)
plt.show()

# %% [markdown]
# One pass of the 3×3 mean is hard to tell from the original at this size; ten passes
# soften the face and the camera like a Gaussian of σ ≈ 2.6, while the 41×41 box wipes
# out everything smaller than the coat. Repeating a small, cheap filter is one way to
# build a large, smooth one. The Gaussian filter gets that smooth, bell-shaped weighting
# in one pass.
#
# ## 3. The Gaussian filter
#
# A Gaussian kernel gives close neighbours more weight than distant ones. With the
# centre at (0, 0) and `k = size // 2`, the cell at offset (x, y), for x and y from −k
# to k, gets
#
# $$G(x, y) = \exp\left(-\frac{x^2 + y^2}{2\sigma^2}\right),$$
#
# and at the end every weight is divided by the sum of all of them so the kernel adds up
# to 1. (The textbook factor $1/(2\pi\sigma^2)$ makes the *continuous* Gaussian integrate
# to 1; on a small grid it is not exact, so dividing by the sum is both simpler and
# right.) The standard deviation σ sets the width: about 68 % of the weight of a 1-D
# Gaussian lies within ±σ of the centre and almost all of it within ±3σ.
#
# Small example, σ = 1 on a 3×3 grid: the squared distances are 0 in the centre, 1 at
# the four side neighbours and 2 at the corners.

# %%
offsets = np.arange(-1, 2)
r2 = offsets[:, None] ** 2 + offsets[None, :] ** 2
weights = np.exp(-r2 / 2)
print("squared distance r²:\n", r2)
print("exp(-r² / 2):\n", weights)
print("normalised (sum = 1):\n", weights / weights.sum())

# %% [markdown]
# ### Exercise 2 · `gaussian_kernel(size, sigma)`
#
# - **Input:** `size`, an **odd** positive int (the kernel needs a centre pixel);
#   `sigma`, a positive float.
# - **Output:** a float array of shape `(size, size)`:
#   exp(−(x² + y²) / (2σ²)) for x, y = −k … k (rows and columns, k = size // 2), divided by
#   its sum. An even `size` raises `ValueError`.
# - **Example:** `gaussian_kernel(3, 1.0)` returns the last array printed above,
#   `[[0.075, 0.124, 0.075], [0.124, 0.204, 0.124], [0.075, 0.124, 0.075]]`.
#
# **Contract.** The check tries odd sizes from 1 to 11 with σ from 0.2 (the corners are
# then about 10⁻¹¹) to 50 (nearly flat), including σ values where σ and σ² differ. It
# expects shape `(size, size)`, the weights exp(−(x² + y²)/(2σ²)) divided by their sum,
# within float rounding (float32 or nested lists are fine), and the same result from a
# second call. Sizes 4 and 6 must raise `ValueError`.
#
# Stuck? `check.gaussian_kernel.hint()`.

# %% solution id=gaussian_kernel
def gaussian_kernel(size, sigma):
    """A normalised size×size Gaussian kernel with standard deviation sigma (size odd)."""
    ### BEGIN SOLUTION
    if size % 2 == 0:
        raise ValueError(f"size must be odd so that the kernel has a centre, got {size}")
    k = size // 2
    x = np.arange(-k, k + 1)
    kernel = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma ** 2))
    return kernel / kernel.sum()
    ### END SOLUTION

# %% test id=gaussian_kernel_test points=2
check.gaussian_kernel(gaussian_kernel)
### BEGIN HIDDEN TESTS
check.gaussian_kernel(gaussian_kernel, seed=2024)
_k273 = np.array([[1, 4, 7, 4, 1], [4, 16, 26, 16, 4], [7, 26, 41, 26, 7],
                  [4, 16, 26, 16, 4], [1, 4, 7, 4, 1]]) / 273
assert np.abs(gaussian_kernel(5, 1.0) - _k273).max() < 0.0125
assert np.isclose(np.sum(gaussian_kernel(7, 2.5)), 1.0)
### END HIDDEN TESTS

# %% [markdown]
# ### The lecture's 1/273 kernel is a Gaussian with σ ≈ 1
#
# The lecture shows this integer kernel, divided by 273 (the sum of its entries), as a
# "2-D Gaussian with σ = 1, normalised, 5×5". Integers are cheap to store and to
# multiply, so kernels like this are common in practice. How close is it to the real
# thing?

# %%
k273 = np.array([[1, 4, 7, 4, 1],
                 [4, 16, 26, 16, 4],
                 [7, 26, 41, 26, 7],
                 [4, 16, 26, 16, 4],
                 [1, 4, 7, 4, 1]]) / 273
exact = np.asarray(gaussian_kernel(5, 1.0))
print("sum of the integers:", int(k273.sum() * 273))
print("1/273 kernel:\n", k273)
print("exact Gaussian, sigma = 1:\n", exact)
print(f"largest difference: {np.abs(exact - k273).max():.4f} (centre: {k273[2, 2]:.4f} vs {exact[2, 2]:.4f})")
print("exact kernel scaled so that its corner is 1:\n", exact / exact[0, 0])

# %% [markdown]
# Every weight agrees to within 0.012; the largest gap is in the centre (41/273 = 0.150
# against 0.162). Scaling the exact kernel so that its corner is 1 shows where the
# integers come from. From the corner inwards the exact ratios are 1, 4.5, 7.4, 20.1,
# 33.1 and 54.6; the lecture's integers 1, 4, 7, 16, 26 and 41 fall further below them
# the closer they are to the centre. Relative to its corners the integer kernel is a
# little flatter, like a slightly wider Gaussian. Which σ fits best? Try a range:

# %%
sigmas = np.linspace(0.6, 1.6, 101)
errors = [np.abs(gaussian_kernel(5, s) - k273).max() for s in sigmas]
best = sigmas[int(np.argmin(errors))]
print(f"best fitting sigma: {best:.2f}, largest difference there {min(errors):.4f}")

fig, axes = plt.subplots(1, 4, figsize=(12, 3.1), constrained_layout=True)
for ax, kernel, title in zip(axes[:2], [k273, exact], ["integers / 273", "exact Gaussian, σ = 1"]):
    ax.imshow(kernel, cmap="viridis", vmin=0, vmax=0.17)
    for (r, c), value in np.ndenumerate(kernel):
        ax.text(c, r, f"{value:.3f}", ha="center", va="center", color="white", fontsize=7)
    ax.set_title(title)
    ax.set_xticks(range(5), range(-2, 3))
    ax.set_yticks(range(5), range(-2, 3))
    ax.set_xlabel("x")
    ax.set_ylabel("y")
axes[2].plot(range(-2, 3), k273[2], "o-", label="integers / 273")
axes[2].plot(range(-2, 3), exact[2], "s--", label="σ = 1")
axes[2].set_title("middle row of both kernels")
axes[2].set_xlabel("x")
axes[2].set_ylabel("weight")
axes[2].legend()
axes[3].plot(sigmas, errors)
axes[3].axvline(1.0, color="gray", linestyle=":")
axes[3].set_title("largest difference against σ")
axes[3].set_xlabel("σ of the exact 5×5 Gaussian")
axes[3].set_ylabel("max |difference|")
plt.show()

# %% [markdown]
# The best σ is 1.05, a hair above 1, and at σ = 1 the difference (0.012) is still small:
# the 1/273 kernel is a good integer version of the σ = 1 Gaussian.
#
# **Gaussian versus box.** The weights of a 5-wide box sit at offsets −2 … 2 with equal
# weight; their standard deviation is √((5² − 1)/12) = √2 ≈ 1.41 pixels. A Gaussian with
# σ = √2 therefore blurs by about as much as a 5×5 box. The difference is in the *shape*
# of the blur, which shows best on a single bright dot: the box smears it into a
# flat-topped square with hard edges, the Gaussian into a round spot that fades out.

# %%
dot = np.zeros((15, 15))
dot[7, 7] = 1.0
dot_box = ndi.correlate(dot, box_kernel(5))
dot_gauss = ndi.correlate(dot, gaussian_kernel(9, np.sqrt(2)))
fig, axes = plt.subplots(1, 3, figsize=(10, 3), constrained_layout=True)
axes[0].imshow(dot_box, cmap="gray", vmin=0, vmax=0.1)
axes[0].set_title("a dot, blurred by box 5×5")
axes[1].imshow(dot_gauss, cmap="gray", vmin=0, vmax=0.1)
axes[1].set_title("a dot, blurred by Gaussian σ = √2")
for ax in axes[:2]:
    ax.set_xticks([])
    ax.set_yticks([])
axes[2].plot(range(-7, 8), dot_box[7], "o-", label="box 5×5", drawstyle="steps-mid")
axes[2].plot(range(-7, 8), dot_gauss[7], "s-", label="Gaussian σ = √2")
axes[2].set_title("the middle row of both")
axes[2].set_xlabel("offset from the dot (pixels)")
axes[2].set_ylabel("brightness")
axes[2].legend(loc="upper left", fontsize=8)
plt.show()

# %% [markdown]
# On the photo below the two look almost the same at this size. The lecture's σ = 2 and σ = 8
# show how σ controls the strength. For those the kernel would be 17×17 and 65×65, so we
# let `ndi.gaussian_filter` do the work: it applies a 1-D Gaussian along the rows and
# then along the columns, which gives exactly the same result because the 2-D Gaussian
# is the product of two 1-D ones (the cell after the pictures checks this).

# %%
show_row([ndi.correlate(crop, box_kernel(5), mode="nearest"),
          ndi.correlate(crop, gaussian_kernel(9, np.sqrt(2)), mode="nearest"),
          ndi.gaussian_filter(crop, 2, mode="nearest"),
          ndi.gaussian_filter(crop, 8, mode="nearest")],
         ["box 5×5", "Gaussian σ = √2 ≈ 1.41", "Gaussian σ = 2", "Gaussian σ = 8"])
plt.show()

# %%
ours = ndi.correlate(crop, gaussian_kernel(17, 2.0), mode="nearest")
scipys = ndi.gaussian_filter(crop, 2.0, mode="nearest", radius=8)
print(f"our 17×17 kernel vs scipy's separable filter: largest difference {np.abs(ours - scipys).max():.2e}")

# %% [markdown]
# ## 4. Noise: the mean against the median
#
# Photos pick up two typical kinds of noise:
#
# - **Gaussian noise:** every pixel is off by a small random amount (sensor noise in
#   dim light);
# - **salt-and-pepper noise:** a few pixels are completely wrong, pure black or pure
#   white (dead pixels, transmission errors).
#
# A mean filter spreads every value over its neighbours, including an outlier. The
# **median filter** sorts the window and takes the middle value, so a single extreme
# value never reaches the output. A 1-D example with one white speck:

# %%
signal_1d = np.array([10, 10, 10, 255, 10, 10, 10], dtype=float)
windows = sliding_window_view(np.pad(signal_1d, 1, mode="edge"), 3)
print("signal     :", signal_1d)
print("mean of 3  :", windows.mean(axis=1))
print("median of 3:", np.median(windows, axis=1))

# %% [markdown]
# The mean turns one wrong pixel into three less-wrong ones; the median removes it.
#
# ### Exercise 3 · `median_filter(image, size)`
#
# - **Input:** `image`, a 2-D array (any numeric dtype, any shape: not necessarily
#   square); `size`, an **odd** positive int.
# - **Output:** a float array of the image's shape: each pixel is the median of the
#   size×size window centred on it. Pixels outside the image **repeat the nearest edge
#   pixel** (`np.pad(image, size // 2, mode="edge")`). An even `size` raises
#   `ValueError`.
# - **Example:** `median_filter(np.array([[0, 0, 9], [0, 9, 9]]), 3)` returns
#   `[[0, 0, 9], [0, 9, 9]]` (as floats); the 9 in the top row survives because the
#   edge pixels are repeated.
#
# Loops over rows and columns are fine; `sliding_window_view` (imported above) is faster.
# **Contract.** The check tries the lecture's 7×7 grid, int64, uint8, 16-bit, float and
# float32 images, square or not (a single row too), and a strided view, with sizes 1, 3
# and 5. It expects an array of the image's shape holding each window's median, the edge
# pixels repeated (a float array is natural; as the median of an odd window is one of its
# pixels, keeping the image's dtype works too). Size 4 must raise `ValueError`. The
# image must come back unchanged, and a second call must give the same result.
#
# Stuck? `check.median_filter.hint()`.

# %% solution id=median_filter
def median_filter(image, size):
    """Median of every size×size window (size odd); borders repeat the nearest edge pixel."""
    ### BEGIN SOLUTION
    if size % 2 == 0:
        raise ValueError(f"size must be odd so that the window has a centre, got {size}")
    k = size // 2
    padded = np.pad(np.asarray(image, dtype=float), k, mode="edge")
    return np.median(sliding_window_view(padded, (size, size)), axis=(-2, -1))
    ### END SOLUTION

# %% test id=median_filter_test points=2
check.median_filter(median_filter)
### BEGIN HIDDEN TESTS
check.median_filter(median_filter, seed=909)
_flat = np.full((9, 14), 120.0)
_speckled = _flat.copy()
_speckled[2, 3], _speckled[6, 10], _speckled[0, 0], _speckled[8, 13] = 0, 255, 255, 0
assert np.array_equal(median_filter(_speckled, 3), _flat)
assert np.array_equal(median_filter(np.array([[0, 0, 9], [0, 9, 9]]), 3), [[0, 0, 9], [0, 9, 9]])
### END HIDDEN TESTS

# %% [markdown]
# Now the experiment of the lecture on a real photo. We make both kinds of noise with a
# fixed seed, so every run gives the same pictures:
#
# - salt and pepper: draw an integer from 0 to 20 for every pixel; 0 makes the pixel
#   black, 20 makes it white (about 2 in 21 pixels, 9.5 %);
# - Gaussian noise: add a random number with mean 0 and standard deviation 20 grey
#   levels to every pixel, then clip to 0…255.
#
# Then we clean each noisy photo with a 3×3 mean, a 3×3 median and a σ = 1 Gaussian and
# measure the **mean absolute error** against the clean photo, in grey levels.

# %%
rng = np.random.default_rng(0)
draw = rng.integers(0, 21, size=camera.shape)
salt_pepper = camera.copy()
salt_pepper[draw == 0] = 0
salt_pepper[draw == 20] = 255
gaussian_noise = np.clip(camera + rng.normal(0, 20, size=camera.shape), 0, 255)
print(f"salt-and-pepper pixels: {np.mean((draw == 0) | (draw == 20)):.1%}")

cleaners = {
    "3×3 mean": lambda x: ndi.correlate(x, box_kernel(3), mode="nearest"),
    "3×3 median": lambda x: median_filter(x, 3),
    "Gaussian σ = 1": lambda x: ndi.correlate(x, gaussian_kernel(9, 1.0), mode="nearest"),
}
results = {}
print(f"{'mean absolute error':>22} | {'salt & pepper':>13} | {'Gaussian noise':>14}")
print(f"{'noisy photo':>22} | {np.abs(salt_pepper - camera).mean():13.1f} | "
      f"{np.abs(gaussian_noise - camera).mean():14.1f}")
for name, clean in cleaners.items():
    results[name] = (clean(salt_pepper), clean(gaussian_noise))
    errors = [np.abs(result - camera).mean() for result in results[name]]
    print(f"{name:>22} | {errors[0]:13.1f} | {errors[1]:14.1f}")

# %%
window = (slice(90, 240), slice(190, 340))  # the face and the camera
show_row([salt_pepper[window], results["3×3 mean"][0][window], results["3×3 median"][0][window]],
         ["salt and pepper (detail)", "after 3×3 mean", "after 3×3 median"], size=2.2)
plt.show()

# %% [markdown]
# Read the table and the picture together:
#
# - **Salt and pepper:** the mean filter makes things *worse* (error 12.8 against 12.2
#   for the noisy photo): each speck becomes a grey 3×3 blotch. The median removes almost
#   all of them (3.7): as long as at most four of the nine values in a window are specks,
#   the middle of the sorted list is a real pixel.
# - **Gaussian noise:** here every pixel is a little wrong, and averaging is the right
#   tool: the Gaussian (7.2) and the mean (7.8) beat the median (8.5). By eye the three
#   results look alike (try `show_row` on `results[name][1]`); the numbers tell them
#   apart.
#
# So: median for outliers, averaging for small random errors. The median also keeps
# edges sharper than the mean, which is why it is a favourite first step before
# thresholding a scanned page or a Sudoku photo.
#
# ## 5. Edges: Prewitt and Sobel
#
# An edge is where the brightness changes quickly. The change from left to right is
# measured by the difference of the right and the left neighbour, the kernel
# [−1, 0, 1]. The lecture applies it to an 8×8 image that steps from 1 to 5; with no
# padding ("valid") the 8×8 image gives 8×6 numbers:

# %%
step = np.where(np.arange(8) < 4, 1, 5)[np.newaxis, :].repeat(8, axis=0)
difference = sliding_window_view(step, 3, axis=1) @ np.array([-1, 0, 1])
print("image:\n", step)
print("[-1, 0, 1] along every row ('valid', 8×6):\n", difference)

# %% [markdown]
# Only the two columns next to the step respond, with 5 − 1 = 4; flat areas give 0. (The
# slide draws the kernel as three rows of [−1, 0, 1] but prints the one-row numbers: the
# 3×3 version sums three rows, so it gives 6×6 numbers with 12 next to the step, as in
# chapter 02.)
#
# A single row of differences is very sensitive to noise, so practical edge kernels are
# 3×3: they also smooth *across* the direction of the derivative.
#
# - **Prewitt:** the difference [−1, 0, 1] on three rows, weighted 1, 1, 1;
# - **Sobel:** the same with weights 1, 2, 1, so the centre row counts double.
#
# The Sobel kernel is the outer product of a small smoothing column [1, 2, 1] and the
# difference row:

# %%
prewitt_x = np.outer([1, 1, 1], [-1, 0, 1])
sobel_x = np.outer([1, 2, 1], [-1, 0, 1])
print("Prewitt x:\n", prewitt_x)
print("Sobel x:\n", sobel_x)
print("Sobel y (the transpose):\n", sobel_x.T)

# %% [markdown]
# **Conventions for this chapter** (the lecture's kernels have the opposite sign, +1 on
# the left in Gx and on top in Gy; that changes the sign of Gx and Gy but not the
# magnitude):
#
# - Gx is the correlation of the image with `sobel_x` above: positive where the image
#   gets brighter to the right; Gy uses `sobel_x.T`: positive where it gets brighter
#   downwards.
# - Borders **repeat the nearest edge pixel**, so a flat image has no edges anywhere,
#   not even along its frame.
# - No normalisation: a step of height h gives 4h next to it (1 + 2 + 1 rows of h).
# - The **gradient magnitude** combines both directions: √(Gx² + Gy²). It measures how
#   strong the edge is, whatever its direction.
#
# This is what `np.hypot(ndi.sobel(image, axis=0, mode="nearest"), ndi.sobel(image,
# axis=1, mode="nearest"))` computes. (scikit-image's `filters.sobel` divides the kernels
# by 4 and the magnitude by √2, so its numbers are 4√2 ≈ 5.66 times smaller.)
#
# ### Exercise 4 · `sobel_magnitude(image)`
#
# - **Input:** `image`, a 2-D array (any numeric dtype, not necessarily square).
# - **Output:** a float array of the image's shape, √(Gx² + Gy²) with the plain Sobel
#   kernels above and borders repeating the nearest pixel.
# - **Example:** for the 1-to-5 step image `step` above, the columns 3 and 4 next to the
#   step are 16 = 4 × (5 − 1) and every other pixel is 0.
#
# **Contract.** The check tries the lecture's step, a ramp, random float, float32, uint8
# and 12-bit images, values near 10,000 that differ by about 1 (so that Gx and Gy are
# sums whose terms cancel), and a strided view. It expects √(Gx² + Gy²) with the plain
# Sobel weights and repeated edge pixels, of the image's shape, within the rounding of
# the sums (float32 arithmetic passes). The image must come back unchanged, and a second
# call must give the same result.
#
# Stuck? `check.sobel_magnitude.hint()`.

# %% solution id=sobel_magnitude
def sobel_magnitude(image):
    """Sobel gradient magnitude sqrt(Gx² + Gy²); borders repeat the nearest edge pixel."""
    ### BEGIN SOLUTION
    sx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
    padded = np.pad(np.asarray(image, dtype=float), 1, mode="edge")
    windows = sliding_window_view(padded, (3, 3))
    gx = np.einsum("ijkl,kl->ij", windows, sx)
    gy = np.einsum("ijkl,kl->ij", windows, sx.T)
    return np.sqrt(gx ** 2 + gy ** 2)
    ### END SOLUTION

# %% test id=sobel_magnitude_test points=2
check.sobel_magnitude(sobel_magnitude)
### BEGIN HIDDEN TESTS
check.sobel_magnitude(sobel_magnitude, seed=4242)
_step = np.where(np.arange(8) < 4, 1, 5)[np.newaxis, :].repeat(8, axis=0)
_expected_step = np.zeros((8, 8))
_expected_step[:, 3:5] = 16
assert np.allclose(sobel_magnitude(_step), _expected_step)
assert np.allclose(sobel_magnitude(np.full((5, 9), 7)), 0)
### END HIDDEN TESTS

# %% [markdown]
# On the camera photo: Gx lights up vertical edges (the tripod's legs), Gy horizontal
# ones (the horizon), and the magnitude shows both. Mid-grey in the first two panels is
# 0; dark is negative, bright positive.

# %%
sx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
gx = ndi.correlate(camera, sx, mode="nearest")
gy = ndi.correlate(camera, sx.T, mode="nearest")
magnitude = np.asarray(sobel_magnitude(camera))
fig, axes = plt.subplots(1, 3, figsize=(7, 2.6), constrained_layout=True)
axes[0].imshow(gx, cmap="gray", vmin=-400, vmax=400)
axes[0].set_title("Gx\n(> 0: brighter to the right)", fontsize=10)
axes[1].imshow(gy, cmap="gray", vmin=-400, vmax=400)
axes[1].set_title("Gy\n(> 0: brighter downwards)", fontsize=10)
axes[2].imshow(magnitude, cmap="gray", vmin=0, vmax=400)
axes[2].set_title("magnitude\n√(Gx² + Gy²)", fontsize=10)
for ax in axes:
    ax.axis("off")
plt.show()

# %%
prewitt_magnitude = np.hypot(ndi.prewitt(camera, axis=0, mode="nearest"), ndi.prewitt(camera, axis=1, mode="nearest"))
print(f"largest Sobel magnitude: {magnitude.max():.0f}, largest Prewitt magnitude: {prewitt_magnitude.max():.0f}")
print(f"correlation of the two edge maps: {np.corrcoef(magnitude.ravel(), prewitt_magnitude.ravel())[0, 1]:.3f}")

# %% [markdown]
# Prewitt and Sobel find the same edges (the two maps are almost perfectly correlated);
# Sobel's numbers are larger because its weights add up to 4 on each side instead of 3.
# Its smoothing column [1, 2, 1] is a tiny Gaussian-like blur that trusts the centre row
# most, where Prewitt's [1, 1, 1] is a box.
#
# ## 6. The eight Kirsch compass kernels
#
# Sobel and Prewitt measure the gradient with two kernels and combine them. The
# **Kirsch** detector instead uses one kernel for each of the eight compass directions
# and keeps the strongest response. The lecture gives the first three:
#
# $$g^{(1)} = \begin{bmatrix}5&5&5\\-3&0&-3\\-3&-3&-3\end{bmatrix},\quad
# g^{(2)} = \begin{bmatrix}5&5&-3\\5&0&-3\\-3&-3&-3\end{bmatrix},\quad
# g^{(3)} = \begin{bmatrix}5&-3&-3\\5&0&-3\\5&-3&-3\end{bmatrix},\ \dots$$
#
# g(1) has its three 5s on top: it points **north**. In g(2) the 5s have moved one cell
# counter-clockwise round the ring of eight neighbours (north-west), in g(3) one more
# (west). Continuing the same way gives g(4) south-west, g(5) south, g(6) south-east,
# g(7) east and g(8) north-east. Every kernel has three 5s and five −3s, so its weights
# add up to 0 and flat areas give no response.
#
# ### Exercise 5 · `kirsch_kernels()`
#
# - **Input:** none.
# - **Output:** an int or float array of shape `(8, 3, 3)` with the kernels in the
#   lecture's order: g(1) north, then turning 45° counter-clockwise each time (N, NW, W,
#   SW, S, SE, E, NE). Index 0 is g(1), index 1 is g(2), and so on.
# - **Example:** `kirsch_kernels()[2]` is g(3) above,
#   `[[5, -3, -3], [5, 0, -3], [5, -3, -3]]`.
#
# Typing all eight by hand is allowed; moving the border values round the ring in a loop
# is more fun.
#
# **Contract.** The check expects an array (or nested lists) of shape `(8, 3, 3)`, ints
# or floats, equal to the eight kernels in the order N, NW, W, SW, S, SE, E, NE, and the
# same result from a second call.
#
# Stuck? `check.kirsch_kernels.hint()`.

# %% solution id=kirsch_kernels
def kirsch_kernels():
    """The 8 Kirsch compass kernels, shape (8, 3, 3): N, NW, W, SW, S, SE, E, NE."""
    ### BEGIN SOLUTION
    ring = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0)]  # clockwise from top left
    north = np.array([5, 5, 5, -3, -3, -3, -3, -3])  # g(1) read along the ring
    kernels = np.zeros((8, 3, 3), dtype=int)
    for step in range(8):
        for (r, c), value in zip(ring, np.roll(north, -step)):  # one cell counter-clockwise per step
            kernels[step, r, c] = value
    return kernels
    ### END SOLUTION

# %% test id=kirsch_kernels_test points=2
check.kirsch_kernels(kirsch_kernels)
### BEGIN HIDDEN TESTS
_g = np.asarray(kirsch_kernels())
assert _g.shape == (8, 3, 3)
assert np.array_equal(_g[0], [[5, 5, 5], [-3, 0, -3], [-3, -3, -3]])
assert np.array_equal(_g[1], [[5, 5, -3], [5, 0, -3], [-3, -3, -3]])
assert np.array_equal(_g[2], [[5, -3, -3], [5, 0, -3], [5, -3, -3]])
assert np.allclose(_g.sum(axis=(1, 2)), 0)
### END HIDDEN TESTS

# %%
directions = ["N", "NW", "W", "SW", "S", "SE", "E", "NE"]
kernels = np.asarray(kirsch_kernels())
fig, axes = plt.subplots(1, 8, figsize=(11, 2))
for index, (ax, kernel, direction) in enumerate(zip(axes, kernels, directions)):
    ax.imshow(kernel, cmap="coolwarm", vmin=-5, vmax=5)
    for (r, c), value in np.ndenumerate(kernel):
        ax.text(c, r, int(value), ha="center", va="center", fontsize=8)
    ax.set_title(f"g({index + 1}) · {direction}", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("The eight Kirsch kernels, turning counter-clockwise from north (red = +5, blue = −3)", y=1.08)
plt.show()

# %% [markdown]
# What does each kernel respond to? Try them on a bright disk (1) on a dark background
# (0). A kernel gives its largest value, 15 = 3 × 5 (dark red in the figure), where its
# three 5s lie on the disk and the other five neighbours outside. So g(1), "north",
# lights up just below the disk, where the bright side lies to the north; on the
# opposite side of the disk its response is negative (blue).

# %%
rows, cols = np.mgrid[0:41, 0:41]
disk = ((rows - 20) ** 2 + (cols - 20) ** 2 <= 12 ** 2).astype(float)
fig, axes = plt.subplots(1, 9, figsize=(11, 1.7))
axes[0].imshow(disk, cmap="gray")
axes[0].set_title("disk", fontsize=10)
for ax, kernel, direction in zip(axes[1:], kernels, directions):
    ax.imshow(ndi.correlate(disk, kernel.astype(float), mode="nearest"), cmap="coolwarm", vmin=-15, vmax=15)
    ax.set_title(direction, fontsize=10)
for ax in axes:
    ax.axis("off")
fig.suptitle("Response of each Kirsch kernel to the disk (red = +15, blue = −15)", y=1.1)
plt.show()

# %% [markdown]
# The Kirsch edge map takes, at every pixel, the largest of the eight responses; which
# kernel won tells you the direction of the edge. On the camera photo the edge map is
# almost the same picture as the Sobel magnitude (the cell below measures how close).
# The figure colours the strong edges of a detail by their winning kernel. Along the
# man's back the bright sky lies above and to the left of the dark coat, and N and NW win
# (red and orange). Along the edge of his white shirt the bright side lies to the east
# of the dark lapel, and E wins (blue).

# %%
responses = np.stack([ndi.correlate(camera, kernel.astype(float), mode="nearest") for kernel in kernels])
kirsch_map = responses.max(axis=0)
winner = responses.argmax(axis=0)
detail = (slice(40, 300), slice(20, 280))
print(f"correlation of the Kirsch and Sobel edge maps: "
      f"{np.corrcoef(kirsch_map.ravel(), magnitude.ravel())[0, 1]:.3f}")
compass_colours = plt.cm.hsv(np.arange(8) / 9)  # 8 distinct hues, N red … NE magenta
fig, ax = plt.subplots(figsize=(5, 4.2), constrained_layout=True)
ax.imshow(camera[detail], cmap="gray", vmin=-255, vmax=400)  # the photo, faded
shown = ax.imshow(np.where(kirsch_map[detail] > 1000, winner[detail], np.nan),
                  cmap=matplotlib.colors.ListedColormap(compass_colours),
                  vmin=-0.5, vmax=7.5, interpolation="nearest")
ax.set_title("winning Kirsch kernel on strong edges")
ax.set_xticks([])
ax.set_yticks([])
colorbar = fig.colorbar(shown, ax=ax, ticks=range(8))
colorbar.ax.set_yticklabels(directions)
plt.show()

# %% [markdown]
# ## 7. The Laplacian and the 1-D edge detector
#
# The lecture's "basic" edge kernel compares a pixel with its four neighbours:
#
# $$L = \begin{bmatrix}0&-1&0\\-1&4&-1\\0&-1&0\end{bmatrix}$$
#
# It is a discrete **Laplacian** (a second derivative). Its weights add up to 0, so flat
# areas and even smooth ramps give 0; thin lines and the two sides of every edge give
# large values of opposite sign.

# %%
laplacian = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=float)
ramp = np.add.outer(np.arange(5.0), 2 * np.arange(6.0))
print("a ramp:\n", ramp)
print("Laplacian of the ramp (mode='nearest'): the inside is 0\n", ndi.correlate(ramp, laplacian, mode="nearest"))

# %% [markdown]
# On the photo, compare the Laplacian with the Sobel magnitude, on the feet of the tripod
# standing in the grass. Their scales differ (a step of height h gives 4h in the Sobel
# magnitude but only h in the Laplacian), so each panel shows white at its own 99th
# percentile over the whole photo, the level only its strongest 1 % of pixels reach.

# %%
abs_lap = np.abs(ndi.correlate(camera, laplacian, mode="nearest"))
grass = (slice(420, 500), slice(300, 500))
view = (slice(370, 500), slice(200, 400))  # the feet of the tripod in the grass
fig, axes = plt.subplots(1, 2, figsize=(5.4, 2.0), constrained_layout=True)
for ax, edges, name in [(axes[0], magnitude, "Sobel magnitude"), (axes[1], abs_lap, "|Laplacian|")]:
    top = np.percentile(edges, 99)
    ax.imshow(edges[view], cmap="gray", vmin=0, vmax=top)
    ax.set_title(f"{name} (white = {top:.0f})")
    ax.axis("off")
    print(f"{name}: mean over the grass {edges[grass].mean():.0f}, "
          f"that is {edges[grass].mean() / top:.0%} of its 99th percentile")
plt.show()

# %% [markdown]
# Relative to its strongest edges, the Laplacian reacts much more to fine texture (the
# grass) than the Sobel magnitude does: a second derivative amplifies small, quick
# changes, and Sobel's [1, 2, 1] smooths some of them away.
#
# ### One row, black and white
#
# The lecture explains the kernel with its simplest case: one row of pixels that are
# either 0 (black) or 1 (white). We want to mark the white pixel of every "01" or "10"
# pair. The 1-D version of the kernel is [−1, 2, −1]:
#
# $$\text{edge}(x) = -\text{pixels}[x-1] + 2\,\text{pixels}[x] - \text{pixels}[x+1],$$
#
# followed by **clamping** to [0, 1] (negative values become 0, values above 1 become
# 1). Every 3-pixel pattern and its result:

# %%
print("pattern  sum  clamped")
for pattern in ["000", "001", "010", "011", "100", "101", "110", "111"]:
    left, centre, right = (int(ch) for ch in pattern)
    total = -left + 2 * centre - right
    print(f"  {pattern}   {total:>3}   {min(max(total, 0), 1):>5}")

# %% [markdown]
# Exactly the patterns 010, 011 and 110, a white pixel with at least one black
# neighbour, come out as 1: those are the edge pixels. Without clamping, a white pixel
# between two black ones would be 2 and a black pixel between two white ones −2.
#
# At the two ends of the row one neighbour is missing; the lecture leaves the choice
# open. Here the ends **repeat the nearest pixel**: the missing left neighbour of
# `pixels[0]` is `pixels[0]` itself. A white pixel at the end of a row then is an edge
# only if its one real neighbour is black.
#
# ### Exercise 6 · `edge_1d(pixels)`
#
# - **Input:** `pixels`, a 1-D array or list of 0s and 1s (any numeric dtype, any length
#   ≥ 1).
# - **Output:** an array of the same length:
#   clip(−pixels[x−1] + 2·pixels[x] − pixels[x+1], 0, 1), where the missing neighbours at
#   the two ends repeat the nearest pixel.
# - **Example:** `edge_1d([0, 0, 1, 1, 1, 0, 1])` returns `[0, 0, 1, 0, 1, 0, 1]`.
#
# Careful with uint8 input: 0 − 1 is 255 in uint8.
#
# **Contract.** The check first runs the eight 3-pixel patterns of the lecture's table,
# then rows of length 1 to 17 given as int, float, float32, uint8 and boolean arrays
# (`True` is white, as in a binary image), Python lists of ints and of booleans, and a
# strided view. It expects 0s and 1s, one per pixel (any numeric or boolean dtype, or a
# list). The row must come back unchanged, a list too (pad a copy, not the caller's
# list), and a second call must give the same result.
#
# Stuck? `check.edge_1d.hint()`.

# %% solution id=edge_1d
def edge_1d(pixels):
    """[-1, 2, -1] on a row of binary pixels, clamped to [0, 1]; the ends repeat the nearest pixel."""
    ### BEGIN SOLUTION
    p = np.pad(np.asarray(pixels, dtype=int), 1, mode="edge")
    return np.clip(-p[:-2] + 2 * p[1:-1] - p[2:], 0, 1)
    ### END SOLUTION

# %% test id=edge_1d_test points=2
check.edge_1d(edge_1d)
### BEGIN HIDDEN TESTS
check.edge_1d(edge_1d, seed=8)
_table = {"000": 0, "001": 0, "010": 1, "011": 1, "100": 0, "101": 0, "110": 1, "111": 0}
for _pattern, _clamped in _table.items():
    assert edge_1d([int(_c) for _c in _pattern])[1] == _clamped
assert list(np.asarray(edge_1d([0, 0, 1, 1, 1, 0, 1]))) == [0, 0, 1, 0, 1, 0, 1]
assert list(np.asarray(edge_1d(np.array([1, 1, 1, 0], dtype=np.uint8)))) == [0, 0, 1, 0]
### END HIDDEN TESTS

# %% [markdown]
# Your function reproduces the lecture's table:

# %%
for pattern in ["000", "001", "010", "011", "100", "101", "110", "111"]:
    print(pattern, "→", int(np.asarray(edge_1d([int(ch) for ch in pattern]))[1]))

# %% [markdown]
# Applied to every row of a black-and-white picture, `edge_1d` marks the white pixels
# next to a change along the row: the left and right outline of every shape. Applied to
# every column it marks the top and bottom outline; together they draw the whole
# outline. scikit-image's horse silhouette (we make the horse white, 1):

# %%
horse = (~sample_image("horse")).astype(int)
along_rows = np.array([edge_1d(line) for line in horse])
along_columns = np.array([edge_1d(line) for line in horse.T]).T
show_row([horse, along_rows, along_columns, np.maximum(along_rows, along_columns)],
         ["horse (white = 1)", "edge_1d on every row", "edge_1d on every column", "both"], vmax=1)
plt.show()

# %% [markdown]
# The same kernel appears in the lecture as the **learned** weights of a small network:
# starting from random numbers, training produced [−1, 2, −1] in every row of a 3×3
# kernel, a detector of vertical lines. Networks rediscover these hand-made filters.
#
# ## 8. Sharpening with an amount
#
# Sharpening is the opposite of blurring: make each pixel *more* different from its
# neighbours. The lecture's recipe is to add the edge detector's output to the image,
# scaled by an **amount**. Because correlation is linear, that is one kernel:
#
# $$K_{\text{sharp}} = I + \text{amount} \cdot L =
# \begin{bmatrix}0&0&0\\0&1&0\\0&0&0\end{bmatrix} + \text{amount}\cdot
# \begin{bmatrix}0&-1&0\\-1&4&-1\\0&-1&0\end{bmatrix}$$
#
# where I, the identity kernel, returns the image unchanged. With amount = 1 this is the
# familiar [[0, −1, 0], [−1, 5, −1], [0, −1, 0]]. The lecture's two worked examples:
# a pixel of 3 among neighbours of 2 becomes 7, a pixel of 1 among 2s becomes −3. The
# difference to the neighbours grows from ±1 to ±5.

# %%
sharpen_1 = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
for centre in (3, 1):
    window_values = np.full((3, 3), 2)
    window_values[1, 1] = centre
    print(window_values.tolist(), "→", np.sum(window_values * sharpen_1))

# %% [markdown]
# ### Exercise 7 · `sharpen_kernel(amount)`
#
# - **Input:** `amount`, a number ≥ 0 (0 means no sharpening).
# - **Output:** the 3×3 float array I + amount · L with I and L as above.
# - **Example:** `sharpen_kernel(0.5)` returns
#   `[[0, -0.5, 0], [-0.5, 3, -0.5], [0, -0.5, 0]]`.
#
# **Contract.** The check tries amounts from 0 to 3, and 0.001 and 100. It expects the
# 3×3 kernel I + amount · L within float rounding, with fractions kept (amount 0.5 gives
# −0.5), and the same result from a second call.
#
# Stuck? `check.sharpen_kernel.hint()`.

# %% solution id=sharpen_kernel
def sharpen_kernel(amount):
    """The lecture's 3×3 sharpen kernel: identity + amount × [[0,-1,0],[-1,4,-1],[0,-1,0]]."""
    ### BEGIN SOLUTION
    identity = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float)
    edges = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=float)
    return identity + amount * edges
    ### END SOLUTION

# %% test id=sharpen_kernel_test points=1
check.sharpen_kernel(sharpen_kernel)
### BEGIN HIDDEN TESTS
check.sharpen_kernel(sharpen_kernel, seed=55)
assert np.allclose(sharpen_kernel(1), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
assert np.isclose(np.sum(sharpen_kernel(1) * np.array([[2, 2, 2], [2, 3, 2], [2, 2, 2]])), 7)
assert np.isclose(np.sum(sharpen_kernel(1) * np.array([[2, 2, 2], [2, 1, 2], [2, 2, 2]])), -3)
assert np.isclose(np.sum(sharpen_kernel(2.5)), 1.0)
### END HIDDEN TESTS

# %% [markdown]
# Whatever the amount, the kernel's weights add up to 1 (the edge term adds up to 0), so
# flat areas keep their brightness. The results can leave 0…255; we clip them only for
# display.

# %%
face = camera[90:250, 180:340]
show_row([np.clip(ndi.correlate(face, sharpen_kernel(amount), mode="nearest"), 0, 255)
          for amount in (0, 0.5, 1, 2)],
         [f"amount = {amount}" for amount in (0, 0.5, 1, 2)], size=2.2)
plt.show()

# %% [markdown]
# A little sharpening makes the hair, the ear and the camera crisper; amount = 2 already
# exaggerates the noise and the film grain, because the Laplacian amplifies every small
# difference, not only the edges we care about.
#
# ## 9. Unsharp masking
#
# The **unsharp mask** (the name comes from the darkroom, where a blurred, "unsharp"
# copy of the negative was used as a mask) sharpens more selectively:
#
# 1. blur the image with a Gaussian: `blur`;
# 2. the difference `image − blur` holds exactly the fine detail that the blur removed;
# 3. add that detail back, scaled: **result = image + amount · (image − blur)**.
#
# Near an edge, the detail is negative on the dark side and positive on the bright side,
# so the result dips below the dark level and overshoots the bright one: the edge gets
# more contrast. On a 1-D step:

# %%
edge_row = np.where(np.arange(40) < 20, 60.0, 180.0)
blur_row = ndi.gaussian_filter1d(edge_row, 2.0, mode="nearest")
detail_row = edge_row - blur_row
fig, axes = plt.subplots(1, 2, figsize=(10, 3.3), constrained_layout=True)
axes[0].plot(edge_row, label="image", drawstyle="steps-mid")
axes[0].plot(blur_row, label="blur (σ = 2)")
axes[0].plot(edge_row + 1.0 * detail_row, label="image + 1.0 · (image − blur)")
axes[0].set_title("unsharp masking of a step")
axes[0].set_xlabel("pixel")
axes[0].set_ylabel("grey level")
axes[0].legend(loc="center right", fontsize=9)
axes[1].plot(detail_row, color="tab:red")
axes[1].axhline(0, color="gray", linewidth=0.8)
axes[1].set_title("the detail: image − blur")
axes[1].set_xlabel("pixel")
axes[1].set_ylabel("grey levels")
plt.show()

# %% [markdown]
# The whole unsharp mask is again one kernel: I + amount · (I − G) with G the Gaussian.
# The lecture's 5×5 example uses amount = 1 and the binomial kernel (1, 4, 6, 4, 1)/16 in
# both directions (a close integer cousin of the σ = 1 Gaussian), which gives 2I − G:

# %%
binomial = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256
identity_5 = np.zeros((5, 5))
identity_5[2, 2] = 1
unsharp_5 = identity_5 + 1.0 * (identity_5 - binomial)
print("the kernel × 256:\n", unsharp_5 * 256)
print(f"centre: {unsharp_5[2, 2]:.6f}, sum of all weights: {unsharp_5.sum():.1f}")

# %% [markdown]
# Times 256, the kernel holds the binomial weights −1, −4, −6, −16, −24 around a
# centre of 512 − 36 = 476. Divided by 256 they are the slide's −0.00391, −0.01563,
# −0.02344, −0.06250 and −0.09375. The centre, 476/256 = 1.859375, appears on the slide
# as 1.85980: a slip. With 1.85980 the kernel would add up to 1.0004 instead of exactly
# 1, and brighten every image a little.
#
# ### Exercise 8 · `unsharp_mask(image, sigma, amount)`
#
# - **Input:** `image`, a 2-D array (any numeric dtype, not necessarily square);
#   `sigma`, the Gaussian's standard deviation (> 0); `amount`, a number ≥ 0.
# - **Output:** a float array of the image's shape,
#   `image + amount * (image - blur)`, **not clipped** (clip only for display).
# - **The blur:** correlation with your `gaussian_kernel(2 * r + 1, sigma)`, with radius
#   `r = int(4 * sigma + 0.5)` (the rule `scipy.ndimage.gaussian_filter` uses), on the
#   image padded by `r` pixels that **repeat the nearest edge pixel**. A radius of 3σ is
#   accepted too.
# - **Example:** `unsharp_mask(np.full((3, 4), 9.0), 1.0, 2.0)` returns the flat image
#   unchanged. The step row above as a one-row image,
#   `unsharp_mask(edge_row[np.newaxis, :], 2.0, 1.0)`, gives the green curve: 60 far to the
#   left, a dip to about 12 at pixel 19, a peak of about 228 at pixel 20, 180 far to the
#   right.
#
# **Contract.** The check tries float images (a step, random values, values near 10,000
# whose detail is tiny), uint8, 12-bit and float32 images, and a strided view, with σ from
# 0.7 to 2 and amounts from 0 to 2. It expects image + amount · (image − blur) of the
# image's shape, neither clipped nor rounded, within the rounding of the blur's sums. A
# blur of radius int(4σ + 0.5), ceil(4σ), int(3σ + 0.5) or ceil(3σ) is accepted. The
# image must come back unchanged, and a second call must give the same result.
#
# Stuck? `check.unsharp_mask.hint()`.

# %% solution id=unsharp_mask
def unsharp_mask(image, sigma, amount):
    """image + amount × (image − Gaussian blur); the blur repeats the nearest edge pixel."""
    ### BEGIN SOLUTION
    image = np.asarray(image, dtype=float)
    radius = int(4 * sigma + 0.5)
    size = 2 * radius + 1
    padded = np.pad(image, radius, mode="edge")
    blur = np.einsum("ijkl,kl->ij", sliding_window_view(padded, (size, size)), gaussian_kernel(size, sigma))
    return image + amount * (image - blur)
    ### END SOLUTION

# %% test id=unsharp_mask_test points=2
check.unsharp_mask(unsharp_mask)
### BEGIN HIDDEN TESTS
check.unsharp_mask(unsharp_mask, seed=777)
assert np.allclose(unsharp_mask(np.full((3, 4), 9.0), 1.0, 2.0), 9.0)
_img = np.random.default_rng(1).random((6, 9))
assert np.allclose(unsharp_mask(_img, 1.2, 0.0), _img)
### END HIDDEN TESTS

# %% [markdown]
# Compare the lecture's sharpen kernel and the unsharp mask on the astronaut. The unsharp
# mask with a σ of 2 boosts edges a few pixels wide and leaves the pixel-level noise
# mostly alone; the 3×3 kernel sharpens the finest detail, noise included.

# %%
astronaut = sample_image("astronaut").astype(float) @ np.array([0.299, 0.587, 0.114])
portrait = astronaut[30:230, 140:340]
show_row([portrait,
          np.clip(ndi.correlate(portrait, sharpen_kernel(1), mode="nearest"), 0, 255),
          np.clip(unsharp_mask(portrait, 2.0, 1.0), 0, 255),
          np.clip(unsharp_mask(portrait, 2.0, 3.0), 0, 255)],
         ["original", "sharpen, amount 1", "unsharp σ = 2, amount 1", "unsharp σ = 2, amount 3"], size=2.3)
plt.show()

# %% [markdown]
# ## 10. Emboss
#
# One more kernel from the lecture's list (try the others live at setosa.io/ev/image-kernels):
#
# $$\begin{bmatrix}-2&-1&0\\-1&1&1\\0&1&2\end{bmatrix}$$
#
# It subtracts the upper-left neighbours and adds the lower-right ones, a derivative
# along the diagonal, plus the pixel itself (the weights add up to 1). Where the picture
# gets brighter towards the lower right the result is bright, where it gets darker it is
# dark, as if the picture were pressed into metal and lit from one side.

# %%
emboss = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=float)
coins = sample_image("coins").astype(float)
show_row([coins, np.clip(ndi.correlate(coins, emboss, mode="nearest"), 0, 255)],
         ["coins", "coins, embossed"], size=3.2)
plt.show()

# %% [markdown]
# ## Recap
#
# - A kernel whose weights add up to **1** (box, Gaussian, sharpen, unsharp, emboss)
#   keeps flat areas as they are; one whose weights add up to **0** (Sobel, Prewitt,
#   Kirsch, Laplacian) turns them into 0 and responds only to change.
# - The border rule matters: zero padding darkens the frame of a blurred image and
#   creates false edges; repeating the nearest pixel does not.
# - Box: 1/size² everywhere. Gaussian: exp(−(x² + y²)/(2σ²)) on the centred grid −k…k,
#   divided by its sum. The lecture's 1/273 kernel is the σ = 1 Gaussian to within 0.012.
# - Repeating a small mean filter n times is one bell-shaped kernel: n passes of the 3×3
#   box blur like a Gaussian of σ = √(2n/3) (ten passes: σ ≈ 2.6; one 41×41 box: 11.8).
# - The median removes salt-and-pepper noise, which the mean only smears; for Gaussian
#   noise, averaging (Gaussian or mean) does better.
# - Sobel: Gx and Gy from [1, 2, 1] ⊗ [−1, 0, 1] and its transpose, magnitude
#   √(Gx² + Gy²). Kirsch: eight kernels with three 5s and five −3s, turning
#   counter-clockwise from north; the strongest response gives the edge and its direction.
# - [−1, 2, −1] with clamping to [0, 1] marks the white pixel of every black/white pair:
#   the truth table gives 1 exactly for 010, 011 and 110.
# - Sharpening adds edges back: I + amount · L, or the unsharp mask
#   image + amount · (image − blur), which lets σ choose which details get boosted.
#
# Next: thresholds and morphology turn these filtered images into clean black-and-white
# shapes, the step before finding the digits of a Sudoku.
