# %% [markdown]
# # 04 · Thresholds, morphology and bounding boxes
#
# The lecture's OCR pipeline has three stages: **image processing**, **text detection**
# (drawing boxes around the characters) and **text recognition**. This chapter builds
# the first two for a printed page. We turn a grey photo into black and white
# (thresholding), tidy that black-and-white image (morphology), and then find each
# character as a connected blob of ink and put a box around it. Chapter 09 runs the
# same steps on a Sudoku photo.
#
# **You will be able to**
#
# - binarise an image with a global threshold and say which side a pixel equal to the
#   threshold goes to;
# - stretch the contrast of a dull image by equalising its histogram, and explain why the
#   cumulative histogram (the CDF) is the right mapping;
# - compute Otsu's threshold from the histogram, and explain why "least variance inside
#   the classes" and "most variance between them" pick the same threshold;
# - say when a global threshold fails, and use the triangle method and adaptive
#   (local mean or Gaussian) thresholds instead;
# - probe a binary image with a structuring element (fit, hit, miss) and write
#   dilation, erosion, opening and closing for any footprint;
# - use Canny edges and contours, find 8-connected components and return their
#   bounding boxes in reading order.
#
# **Time:** about 2 hours. **Graded exercises:** 8 (`threshold`, `otsu_threshold`,
# `adaptive_threshold`, `dilate`, `erode`, `opening`, `closing`, `bounding_boxes`).
# Each has a check you can run as often as you like; stuck? run `check.NAME.hint()` in a
# new cell, once per hint: first the idea, then the formula, then code that gives the answer
# away.
#
# Each exercise ends with a **Contract** line: exactly what its check tests, beyond the
# example. Three rules hold for every exercise of the course's numpy chapters: your function
# never modifies its inputs (the notebook's next cells still need them), it gives the same
# answer when called twice with the same inputs, and counts and pixel indices are ints
# (`3`, not `3.0`).

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage as ndi
from skimage import feature, filters, measure

from autograder import check
from autograder.data import sample_image

np.set_printoptions(precision=3, suppress=True, linewidth=100)

# %% [markdown]
# ## 1. A global threshold
#
# Thresholding (or binarisation) turns a grey image into a **binary** image: every pixel
# becomes foreground (`True`, 1) or background (`False`, 0). The simplest rule uses one
# number `t` for the whole image:
#
# $$\text{binary}[r, c] = \begin{cases} \text{True} & \text{if image}[r, c] > t \\ \text{False} & \text{otherwise.}\end{cases}$$
#
# A pixel **equal to** `t` is background: the comparison is strict. That is the
# convention of scikit-image (`image > threshold_otsu(image)`) and the one this course
# uses everywhere; with `>=` the same `t` gives a different picture wherever pixels sit
# exactly on the threshold, which for 8-bit images happens all the time.
#
# In numpy, comparing an array with a number compares every pixel at once:

# %%
tiny = np.array([[ 12,  40, 100, 180],
                 [ 99, 100, 101, 250],
                 [100,  60, 210,  90]], dtype=np.uint8)
print("tiny > 100:\n", tiny > 100)
print("tiny >= 100 (not our convention):\n", tiny >= 100)

# %% [markdown]
# The three pixels equal to 100 are the only difference. On a printed page the *ink* is
# dark, so the foreground of `page > t` is the white paper; the ink is its complement,
# `~binary`. We keep "True = brighter than t" and flip when we want the ink.
#
# ### Exercise 1 · `threshold(image, t)`
#
# - **Input:** `image`, a 2-D array of grey values (any numeric dtype); `t`, a number.
# - **Output:** a boolean array of the image's shape, `True` where `image > t` (strictly).
# - **Example:** `threshold(np.array([[99, 100, 101]]), 100)` returns
#   `array([[False, False,  True]])`.
# - **Contract:** `image` may be uint8, uint16, int, float32 or float64, with any range (its
#   maximum need not be 255), and may be a non-contiguous view; `t` an int, a float or a
#   numpy scalar, on the image's own scale. The result is a numpy array of dtype `bool`
#   with the image's shape: 0/1 numbers and lists are rejected, because the notebook flips
#   binary images with `~`. `image` is not modified.
#
# Stuck? `check.threshold.hint()`.

# %% solution id=threshold
def threshold(image, t):
    """Binary image: True where the pixel is strictly brighter than t."""
    ### BEGIN SOLUTION
    return np.asarray(image) > t
    ### END SOLUTION

# %% test id=threshold_test points=1
check.threshold(threshold)
### BEGIN HIDDEN TESTS
check.threshold(threshold, seed=4004)
assert np.asarray(threshold(np.array([[99, 100, 101]], dtype=np.uint8), 100)).tolist() == [[False, False, True]], "a pixel equal to t is background"
assert np.asarray(threshold(np.array([[0.25, 0.5, 0.75]]), 0.5)).tolist() == [[False, False, True]], "float image, pixel equal to t"
### END HIDDEN TESTS

# %% [markdown]
# Now a real page: scikit-image's `page` photo, a photographed textbook paragraph, lit
# brightly on the right and dimly on the left. Its **histogram** counts how many pixels
# have each grey level. The figure tries three global thresholds.

# %%
page = sample_image("page")
print("page:", page.shape, page.dtype, "grey levels", page.min(), "to", page.max())

fig, axes = plt.subplots(2, 3, figsize=(11, 5.4), gridspec_kw={"height_ratios": [1, 1.1]})
axes[0, 0].imshow(page, cmap="gray", vmin=0, vmax=255)
axes[0, 0].set_title("the page (uneven lighting)")
axes[0, 0].axis("off")
axes[0, 1].hist(page.ravel(), bins=np.arange(257) - 0.5, color="0.4")
axes[0, 1].set_title("histogram of the page")
axes[0, 1].set_xlabel("grey level")
axes[0, 1].set_ylabel("number of pixels")
for t, colour in [(100, "tab:blue"), (150, "tab:orange"), (200, "tab:red")]:
    axes[0, 1].axvline(t, color=colour, linestyle="--", label=f"t = {t}")
axes[0, 1].legend()
axes[0, 2].plot(page[:, 40], label="column 40 (dim side)")
axes[0, 2].plot(page[:, 340], label="column 340 (bright side)")
axes[0, 2].set_title("two columns of pixels, top to bottom")
axes[0, 2].set_xlabel("row")
axes[0, 2].set_ylabel("grey level")
axes[0, 2].legend()
for ax, t in zip(axes[1], [100, 150, 200]):
    ax.imshow(threshold(page, t), cmap="gray")
    ax.set_title(f"page > {t}")
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# No single `t` works. Look at the two columns: on the dim left side the *paper* is
# about 100 to 150, while on the bright right side a thin letter only dips to about 150.
# So some paper is darker than some ink. With `t = 100` the faint letters on the right
# are lost (their ink is brighter than 100) and the paper in the dim bottom-left corner
# turns black; raising `t` brings the right-hand letters back but blackens more and more
# of the left. We come back to this in section 5. First, two more things the histogram is
# good for: stretching the contrast of a dull image, and choosing `t` automatically.
#
# ## 2. Histogram equalisation
#
# The lecture shows its filtered images twice: as computed, and after **histogram
# equalisation**, where faint structure suddenly becomes visible. A dull image uses only
# a narrow band of grey levels; equalisation spreads them out so that every level is used
# about equally often.
#
# The tool is the **cumulative histogram**, or CDF: for each grey level `v`, the fraction
# of pixels that are at most `v`,
#
# $$\text{cdf}(v) = \frac{1}{N} \sum_{u \le v} h(u),$$
#
# where `h(u)` counts the pixels of level `u` and `N` is the number of pixels. It rises
# from about 0 to exactly 1, steeply where many pixels sit and flatly where few do.
# Equalisation replaces every pixel by the CDF of its own level, `out = cdf(image)`:
# a crowded band of levels, where the CDF is steep, is stretched over a wide range of
# outputs, and empty stretches of levels are squeezed. Afterwards a fraction `q` of the
# pixels lies below output `q`, for every `q`: the CDF of the result is (nearly) a straight
# line and its histogram (nearly) flat. It cannot be perfectly flat, because pixels of the
# same level all go to the same output.
#
# For a uint8 image that is three lines of numpy: count, accumulate, look up.

# %%
from skimage import exposure


def equalise(image):
    """Histogram equalisation of a uint8 image: every pixel becomes the CDF of its level (0…1)."""
    counts = np.bincount(image.ravel(), minlength=256)  # h(v) for v = 0 … 255
    cdf = np.cumsum(counts) / image.size                # fraction of pixels ≤ v
    return cdf[image]                                   # look every pixel's level up


moon = sample_image("moon")
moon_equalised = equalise(moon)
print("largest difference from skimage.exposure.equalize_hist:",
      np.abs(moon_equalised - exposure.equalize_hist(moon)).max())
print(f"the moon's middle 98% of pixels use grey levels {np.percentile(moon, 1):.0f} to "
      f"{np.percentile(moon, 99):.0f}; after equalisation {255 * np.percentile(moon_equalised, 1):.0f} "
      f"to {255 * np.percentile(moon_equalised, 99):.0f}")

# %% [markdown]
# Our three lines and scikit-image's `exposure.equalize_hist` agree exactly (for integer
# images it uses one bin per grey level and returns the CDF as a float in 0…1, as ours
# does). The figure shows the moon before and after, each with its histogram and its CDF
# (red, right-hand axis).

# %%
fig, axes = plt.subplots(2, 2, figsize=(11, 7.4), gridspec_kw={"width_ratios": [1, 1.5]})
for row, (title, picture) in enumerate([("the moon (low contrast)", moon),
                                        ("equalised: out = cdf(image)", np.round(255 * moon_equalised).astype(np.uint8))]):
    axes[row, 0].imshow(picture, cmap="gray", vmin=0, vmax=255)
    axes[row, 0].set_title(title)
    axes[row, 0].axis("off")
    counts = np.bincount(picture.ravel(), minlength=256)
    axes[row, 1].bar(np.arange(256), counts, width=1.0, color="0.5")
    axes[row, 1].set_xlim(-1, 256)
    axes[row, 1].set_xlabel("grey level")
    axes[row, 1].set_ylabel("pixels")
    axes[row, 1].set_title(f"histogram and CDF of {'the equalised image' if row else 'the moon'}")
    cdf_axis = axes[row, 1].twinx()
    cdf_axis.plot(np.arange(256), np.cumsum(counts) / picture.size, color="tab:red", linewidth=2)
    cdf_axis.set_ylim(0, 1.02)
    cdf_axis.set_ylabel("CDF (fraction ≤ level)", color="tab:red")
plt.tight_layout()
plt.show()

# %% [markdown]
# Before: nearly all pixels crowd into a band of grey levels, and the CDF climbs steeply
# across that band. After: the same pixels spread over the whole range, the bars (each
# one old grey level, moved) stand apart with gaps between them, and the CDF is close to
# the diagonal. Craters and ridges that were a uniform grey now stand out.
#
# This is also why the lecture equalises its filter outputs before showing them. An edge
# detector's response is near zero almost everywhere and large only on a few strong
# edges; displayed linearly, the weak edges disappear into black. Equalisation gives the
# many small responses most of the grey scale:

# %%
laplacian = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])  # the lecture's edge detection filter
camera_small = sample_image("camera")[::2, ::2].astype(float)
response = np.abs(ndi.correlate(camera_small, laplacian, mode="nearest"))
response_uint8 = np.round(255 * response / response.max()).astype(np.uint8)
fig, axes = plt.subplots(1, 2, figsize=(10, 5))
axes[0].imshow(response_uint8, cmap="gray", vmin=0, vmax=255)
axes[0].set_title("|edge detection|, scaled linearly to 0…255")
axes[1].imshow(equalise(response_uint8), cmap="gray", vmin=0, vmax=1)
axes[1].set_title("the same response, histogram equalised")
for ax in axes:
    ax.axis("off")
plt.tight_layout()
plt.show()
print(f"{np.mean(response_uint8 < 26):.0%} of the linear response is darker than 10% grey")

# %% [markdown]
# The outline of the camera-man, the tripod and the buildings, barely visible on the
# left, is plain on the right. Equalisation does not know edges from noise, though: the
# sky's tiny responses are lifted just as much, and become a visible speckle.
#
# Equalisation is a contrast tool for looking at images. It changes every grey level, so
# it is not a way to binarise: a threshold still has to be chosen, now on the equalised
# levels. That choice is next.
#
# ## 3. Otsu's threshold, from the histogram
#
# Otsu's method assumes the pixels come in two classes, dark and bright, and picks the
# threshold that separates them best. For a candidate `t`:
#
# - the dark class holds the pixels `≤ t`, a fraction $w_0$ of the image, with mean
#   $\mu_0$ and variance $\sigma_0^2$; the bright class the pixels `> t`, fraction
#   $w_1 = 1 - w_0$, mean $\mu_1$, variance $\sigma_1^2$;
# - the **within-class variance** $\sigma_W^2 = w_0\sigma_0^2 + w_1\sigma_1^2$ measures
#   how spread out each class is;
# - the **between-class variance** $\sigma_B^2 = w_0 w_1 (\mu_0 - \mu_1)^2$ measures how
#   far apart the two classes are.
#
# Their sum is the variance of the whole image, $\sigma^2 = \sigma_W^2 + \sigma_B^2$,
# which does not depend on `t`. So the lecture's two descriptions agree: **minimising
# the within-class variance** is the same as **maximising the between-class variance**.
# The second is cheaper: it only needs the class sizes and means, and those come
# straight from the histogram with cumulative sums.
#
# A worked example with 12 pixels. We try every split between two neighbouring grey
# levels and tabulate both variances.

# %%
small = np.array([[20, 10, 20, 20],
                  [40, 50, 60, 30],
                  [120, 50, 30, 120]], dtype=np.uint8)
values = small.ravel().astype(float)
print(" t  | w0    w1   |  mu0    mu1  | within  between | within + between")
for t in np.unique(values)[:-1]:
    dark, bright = values[values <= t], values[values > t]
    w0, w1 = dark.size / values.size, bright.size / values.size
    within = w0 * dark.var() + w1 * bright.var()
    between = w0 * w1 * (dark.mean() - bright.mean()) ** 2
    print(f"{t:3.0f} | {w0:.3f} {w1:.3f} | {dark.mean():6.2f} {bright.mean():6.2f} | "
          f"{within:7.2f} {between:7.2f} | {within + between:7.2f}")
print("variance of all 12 pixels:", round(values.var(), 2))

# %% [markdown]
# The last column never changes, and the best split is after grey level **60**: the
# within-class variance is smallest (200.83) exactly where the between-class variance
# is largest (1051.25). Otsu's threshold is therefore `t = 60`, the *last level of the dark
# class*, so that `image > t` is the bright class. Notice that neither the mean (47.5)
# nor the median (35) of the image would split the pixels this way.
#
# With a histogram, the same computation runs over bins instead of pixels. We use the
# bins scikit-image's `threshold_otsu` uses, so that our answers match it:
#
# - **integer images** (uint8 and friends): one bin per grey level, from `image.min()`
#   to `image.max()`; the answer is a grey level;
# - **float images**: 256 equal bins from `image.min()` to `image.max()`; the answer is
#   the centre of a bin.
#
# The figure below computes the between-class variance the slow way, straight from the
# definition (pixel by pixel, for every candidate level), on the page. Your function
# will get the same numbers from the histogram.

# %%
page_values = page.ravel().astype(float)
candidates = np.unique(page_values)[:-1]
between = []
for t in candidates:
    dark, bright = page_values[page_values <= t], page_values[page_values > t]
    w0, w1 = dark.size / page_values.size, bright.size / page_values.size
    between.append(w0 * w1 * (dark.mean() - bright.mean()) ** 2)
best = int(candidates[np.argmax(between)])
print("Otsu's threshold for the page, from the definition:", best,
      "  scikit-image:", filters.threshold_otsu(page))

fig, ax = plt.subplots(figsize=(9, 3.8))
ax.hist(page_values, bins=np.arange(257) - 0.5, color="0.6", label="histogram")
ax.set_xlabel("grey level")
ax.set_ylabel("number of pixels")
ax2 = ax.twinx()
ax2.plot(candidates, between, color="tab:red", label="between-class variance $\\sigma_B^2$")
ax2.set_ylabel("$\\sigma_B^2$ of the split after this level", color="tab:red")
ax.axvline(best, color="tab:red", linestyle="--")
ax.text(best - 3, ax.get_ylim()[1] * 0.45, f"Otsu t = {best}", color="tab:red", ha="right")
ax.axvline(page.mean(), color="tab:blue", linestyle=":")
ax.text(page.mean() + 3, ax.get_ylim()[1] * 0.45, f"mean = {page.mean():.0f}", color="tab:blue")
ax.set_title("Otsu: the split with the largest between-class variance")
fig.legend(loc="upper left", bbox_to_anchor=(0.1, 0.88))
plt.show()

# %% [markdown]
# ### Exercise 2 · `otsu_threshold(image)`
#
# - **Input:** a 2-D grey image, integer (e.g. uint8) or float.
# - **Output:** Otsu's threshold as one number: the grey level (integer images) or bin
#   centre (float images) of the **last bin of the dark class**, chosen to maximise the
#   between-class variance, computed from the histogram described above. It must equal
#   `skimage.filters.threshold_otsu(image)` for integer images; for float images it may
#   be off by at most one bin, `(image.max() - image.min()) / 256`.
# - **Example:** `otsu_threshold(small)` for the 12-pixel image above returns `60`.
# - **Contract:** integer images (uint8, uint16, int; any range, e.g. a 12-bit image up to
#   4095) must give exactly scikit-image's grey level (or another whole level that splits
#   the pixels the same way); float images (float32 or float64, any range) must be within
#   one bin width of it. The result is one number (an int or a float); the image may be a
#   non-contiguous view and is not modified.
#
# Write it yourself from the histogram (do not call `threshold_otsu`; the check compares
# with it). `np.cumsum` gives all the class sizes and sums at once. Stuck?
# `check.otsu_threshold.hint()`.

# %% solution id=otsu_threshold
def otsu_threshold(image):
    """Otsu's threshold of a grey image, computed from its histogram (as threshold_otsu)."""
    ### BEGIN SOLUTION
    image = np.asarray(image)
    if image.min() == image.max():
        return image.min()  # one grey level: nothing to split
    if np.issubdtype(image.dtype, np.integer):
        low = int(image.min())
        counts = np.bincount((image.astype(np.int64) - low).ravel())
        levels = low + np.arange(counts.size)
    else:
        counts, edges = np.histogram(image, bins=256, range=(image.min(), image.max()))
        levels = (edges[:-1] + edges[1:]) / 2
    # Split after bin k (k = 0 … n-2): dark = bins 0..k, bright = bins k+1..end.
    total = counts.sum()
    n_dark = np.cumsum(counts)[:-1]
    n_bright = total - n_dark
    sum_dark = np.cumsum(counts * levels)[:-1]
    sum_bright = (counts * levels).sum() - sum_dark
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (n_dark / total) * (n_bright / total) * (sum_dark / n_dark - sum_bright / n_bright) ** 2
    between = np.nan_to_num(between)  # a class without pixels separates nothing
    return levels[np.argmax(between)]
    ### END SOLUTION

# %% test id=otsu_threshold_test points=3
check.otsu_threshold(otsu_threshold)
### BEGIN HIDDEN TESTS
check.otsu_threshold(otsu_threshold, seed=4040)
assert otsu_threshold(small) == 60, "the 12-pixel worked example splits after grey level 60"
for _name in ["page", "camera", "coins"]:
    _photo = sample_image(_name)
    assert otsu_threshold(_photo) == filters.threshold_otsu(_photo), _name
_float_photo = sample_image("camera") / 255.0
assert abs(otsu_threshold(_float_photo) - filters.threshold_otsu(_float_photo)) <= 1 / 256
### END HIDDEN TESTS

# %% [markdown]
# Otsu works well when the histogram has a clear valley between a dark and a bright
# group of pixels. The camera-man photo is a good case: the dark coat forms a hump of its
# own, well apart from the grass and the sky, and Otsu cuts in the valley after it. The
# page is not: the uneven lighting smears its two classes (ink and paper) into one
# another, so there is no valley to find.

# %%
camera = sample_image("camera")
fig, axes = plt.subplots(2, 2, figsize=(10, 6.2))
for column, (name, photo) in enumerate([("camera", camera), ("page", page)]):
    t = otsu_threshold(photo)
    axes[0, column].hist(photo.ravel(), bins=np.arange(257) - 0.5, color="0.5")
    axes[0, column].axvline(t, color="tab:red", linestyle="--", label=f"Otsu t = {t}")
    axes[0, column].set_title(f"histogram of {name}")
    axes[0, column].set_xlabel("grey level")
    axes[0, column].set_ylabel("pixels")
    axes[0, column].legend()
    axes[1, column].imshow(threshold(photo, t), cmap="gray")
    axes[1, column].set_title(f"{name} > {t}")
    axes[1, column].axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 4. The triangle threshold
#
# The lecture's second automatic method suits histograms with **one** big peak and a
# long tail, such as a page that is mostly paper with a little ink. Draw a straight line
# from the top of the peak to the far end of the longer tail; the threshold is the grey
# level where the histogram lies farthest below that line: the "knee" where the peak
# ends and the tail begins. `skimage.filters.threshold_triangle` implements it (with
# distances measured in bins and counts, as ImageJ does). Here it is on the page; the
# dotted orange segments show the gap between the line and some of the bars, the green
# one the largest.

# %%
t_triangle = filters.threshold_triangle(page)
counts = np.bincount(page.ravel(), minlength=256)  # pixels per grey level 0…255
levels = np.arange(256)
peak = levels[np.argmax(counts)]
far_end = levels[np.flatnonzero(counts)[0]]  # the long tail is on the dark side
line = counts.max() * (levels - far_end) / (peak - far_end)

fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
ax = axes[0]
ax.bar(levels, counts, width=1.0, color="0.6")
ax.plot([far_end, peak], [0, counts.max()], color="tab:orange", label="peak to far end")
for level in range(far_end + 10, peak, 14):
    ax.plot([level, level], [counts[level], line[level]], color="tab:orange",
            linestyle=":", linewidth=1)
ax.plot([t_triangle, t_triangle], [counts[t_triangle], line[t_triangle]], color="tab:green", linewidth=3,
        label="largest distance")
ax.axvline(t_triangle, color="tab:green", linestyle="--", label=f"triangle t = {t_triangle}")
ax.axvline(otsu_threshold(page), color="tab:red", linestyle="--", label=f"Otsu t = {otsu_threshold(page)}")
ax.set_xlabel("grey level")
ax.set_ylabel("pixels")
ax.set_title("triangle method on the page's histogram")
ax.legend()
axes[1].imshow(threshold(page, t_triangle), cmap="gray")
axes[1].set_title(f"page > {t_triangle} (triangle)")
axes[1].axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# The triangle method puts `t` right at the foot of the paper's peak, higher than Otsu:
# on the bright side it catches even faint ink, on the dim side everything is "ink".
# Both methods choose **one** number from the histogram of the whole image, and the
# histogram no longer knows *where* a pixel was. For uneven lighting we need a
# threshold that changes across the image.
#
# ## 5. Adaptive (local) thresholds
#
# An adaptive threshold compares every pixel with its **neighbourhood** rather than with
# the whole image. For each pixel take the `block_size × block_size` window centred on
# it (odd size, so there is a centre) and compute its average; the local threshold is
# that average minus a constant `offset`:
#
# $$T[r, c] = \operatorname{mean}_{\text{window around } (r, c)}(\text{image}) - \text{offset}, \qquad \text{binary} = \text{image} > T.$$
#
# - **mean**: every pixel of the window counts the same (a box filter);
# - **gaussian**: a weighted average with Gaussian weights, so nearer pixels count more.
#
# Ink is darker than the paper *around it*, wherever the lamp was. A positive `offset`
# lowers the threshold a little, so flat paper (pixel ≈ its local mean) stays white
# instead of turning into noise. These are exactly the definitions of
# `skimage.filters.threshold_local`, which returns the surface `T`; we will return the
# binary image `image > T`, like `threshold`. To match it:
#
# - mean: `scipy.ndimage.uniform_filter(image, block_size, mode="reflect")`;
# - gaussian: `scipy.ndimage.gaussian_filter(image, sigma=(block_size - 1) / 6,
#   mode="reflect")`, so the block spans ±3σ;
# - `mode="reflect"` mirrors the image at its edges (`d c b a | a b c d`) so that border
#   pixels have full windows;
# - compute in **float**: filtering a uint8 image in uint8 rounds the means.
#
# The profile of one row of the page shows why this works: the local threshold follows
# the lighting, the global one cannot.

# %%
row = 88
local_mean = ndi.uniform_filter(page.astype(float), 35, mode="reflect")
fig, ax = plt.subplots(figsize=(10, 3.4))
ax.plot(page[row], color="0.3", label=f"page, row {row}")
ax.plot(local_mean[row] - 10, color="tab:green", label="local mean − 10 (block 35)")
ax.axhline(otsu_threshold(page), color="tab:red", linestyle="--", label="Otsu (global)")
ax.set_xlabel("column")
ax.set_ylabel("grey level")
ax.set_title("A global threshold against a local one along one row of text")
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# The dips are the letters. Left of about column 80 almost the whole row is below Otsu's
# line, so paper and ink alike become "ink". The local threshold (green) rides along just
# under the paper, and only the dips cross it.
#
# ### Exercise 3 · `adaptive_threshold(image, block_size, offset, method)`
#
# - **Input:** a 2-D grey `image` (integer or float); `block_size`, an odd int (the
#   window's width); `offset`, a number; `method`, `"mean"` or `"gaussian"`.
# - **Output:** a boolean image, `True` where `image > local_mean - offset`, with the
#   local mean defined as above; the same as
#   `image > skimage.filters.threshold_local(image, block_size, method, offset=offset)`.
#   A `block_size` that is even or below 1, or another `method`, raises `ValueError`.
# - **Example:** for `x = np.array([[10, 50, 20, 80, 30]])`,
#   `adaptive_threshold(x, 3, 0, "mean")` returns `[[False, True, False, True, False]]`:
#   the local means are 23.3, 26.7, 50, 43.3, 46.7 (reflection makes the edge pixels
#   count twice in their own windows), and only 50 and 80 are above theirs.
# - **Contract:** `image` may be uint8, uint16, float32 or float64 (any range), possibly a
#   non-contiguous view. The result is a `bool` array of the image's shape. Pixels within
#   float32 rounding of their local threshold may go either way, so computing the local
#   mean in float32 is fine. `block_size = 4` or `-3`, and `method = "median"`, raise
#   `ValueError`. The image is not modified.
#
# Stuck? `check.adaptive_threshold.hint()`.

# %% solution id=adaptive_threshold
def adaptive_threshold(image, block_size, offset, method):
    """Binary image: True where a pixel is brighter than its local (mean or Gaussian) mean − offset."""
    ### BEGIN SOLUTION
    if block_size < 1 or block_size % 2 == 0:
        raise ValueError(f"block_size must be a positive odd number, got {block_size}")
    image = np.asarray(image, dtype=float)
    if method == "mean":
        local = ndi.uniform_filter(image, size=block_size, mode="reflect")
    elif method == "gaussian":
        local = ndi.gaussian_filter(image, sigma=(block_size - 1) / 6, mode="reflect")
    else:
        raise ValueError(f"unknown method {method!r}: use 'mean' or 'gaussian'")
    return image > local - offset
    ### END SOLUTION

# %% test id=adaptive_threshold_test points=2
check.adaptive_threshold(adaptive_threshold)
### BEGIN HIDDEN TESTS
check.adaptive_threshold(adaptive_threshold, seed=4444)
assert np.asarray(adaptive_threshold(np.array([[10, 50, 20, 80, 30]]), 3, 0, "mean")).tolist() == [[False, True, False, True, False]], "the worked example of exercise 3"
for _method in ["mean", "gaussian"]:
    _ours = np.asarray(adaptive_threshold(page, 35, 10, _method)).astype(bool)
    _theirs = page > filters.threshold_local(page, 35, _method, offset=10)
    assert np.mean(_ours != _theirs) < 1e-4, _method
### END HIDDEN TESTS

# %% [markdown]
# All four thresholds side by side on the page:

# %%
results = {
    f"global, Otsu (t = {otsu_threshold(page)})": threshold(page, otsu_threshold(page)),
    f"global, triangle (t = {t_triangle})": threshold(page, t_triangle),
    "adaptive, mean (block 35, offset 10)": adaptive_threshold(page, 35, 10, "mean"),
    "adaptive, Gaussian (block 35, offset 10)": adaptive_threshold(page, 35, 10, "gaussian"),
}
fig, axes = plt.subplots(2, 2, figsize=(10, 5.6))
for ax, (title, binary) in zip(axes.ravel(), results.items()):
    ax.imshow(binary, cmap="gray")
    ax.set_title(title)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# Both adaptive versions read the whole page. The Gaussian one is a little smoother
# because its weights fade out instead of stopping at the block's edge. Two knobs
# remain: `block_size` should be clearly larger than a character (here ~10 pixels tall),
# or the inside of a thick letter looks like "paper"; `offset` trades specks on the paper
# (too small) against broken thin strokes (too large). The few specks and the broken
# rule lines that are left are a job for morphology.
#
# ## 6. Morphology: probing with a structuring element
#
# Morphological operations are the logical (AND / OR) cousins of filtering. They work on
# binary images and change the *shape* of the foreground. Instead of a kernel of
# weights they slide a **structuring element** (scikit-image calls it a **footprint**):
# a small array of 0s and 1s whose origin is its middle pixel, which is why its sides
# are odd. Put the footprint's origin on a pixel and compare its 1s with the pixels
# underneath:
#
# - **fit**: every pixel under the footprint's 1s is foreground;
# - **hit**: at least one of them is foreground;
# - **miss**: none of them is.
#
# (The footprint's 0s do not take part: a 3×3 cross looks at 5 pixels, not 9.) Two
# conventions complete the definition. Pixels **outside the image count as background
# (0)**. And all our footprints (squares, crosses, disks, odd lines) look the same
# after a half turn, so it does not matter whether one "flips" them first, the trap of
# chapter 02.
#
# Here is the lecture's 7×7 shape, probed with a 3×3 cross at three places.

# %%
shape = np.array([[0, 0, 0, 0, 0, 0, 0],
                  [0, 0, 1, 0, 0, 0, 0],
                  [0, 1, 1, 1, 0, 0, 0],
                  [0, 0, 1, 1, 0, 0, 0],
                  [0, 0, 0, 1, 0, 0, 0],
                  [0, 0, 0, 1, 0, 0, 0],
                  [0, 0, 0, 0, 0, 0, 0]], dtype=bool)
cross = np.array([[0, 1, 0],
                  [1, 1, 1],
                  [0, 1, 0]], dtype=bool)


def under_footprint(binary, footprint, row, col):
    """The pixels under the footprint's 1s when its centre is on (row, col); outside = 0."""
    footprint = np.asarray(footprint, dtype=bool)  # 0/1 ints would index, not select
    height, width = footprint.shape
    padded = np.pad(binary, ((height // 2, height // 2), (width // 2, width // 2)))
    return padded[row:row + height, col:col + width][footprint]


probes = {(2, 2): "tab:green", (4, 4): "tab:orange", (5, 1): "tab:red"}
for (row, col) in probes:
    covered = under_footprint(shape, cross, row, col)
    verdict = "FIT" if covered.all() else "HIT" if covered.any() else "MISS"
    print(f"cross centred on ({row}, {col}) covers {covered.astype(int)} -> {verdict}")

fig, ax = plt.subplots(figsize=(4.8, 4.8))
ax.imshow(shape, cmap="Greys", vmin=0, vmax=1.6)
for (row, col), colour in probes.items():
    for dr, dc in np.argwhere(cross) - 1:
        ax.add_patch(plt.Rectangle((col + dc - 0.45, row + dr - 0.45), 0.9, 0.9, fill=False,
                                   edgecolor=colour, linewidth=2.5))
for (row, col), value in np.ndenumerate(shape.astype(int)):
    ax.text(col, row, value, ha="center", va="center", color="white" if value else "0.4")
ax.set_xticks(range(7))
ax.set_yticks(range(7))
ax.set_xlabel("column")
ax.set_ylabel("row")
ax.set_title("cross at (2, 2): fit · (4, 4): hit · (5, 1): miss", fontsize=10)
plt.show()

# %% [markdown]
# **Dilation** sets the output pixel to 1 on a *hit or fit*, so the object grows by the
# footprint: it can bridge small breaks and fill small dents (intrusions).
# **Erosion** keeps a pixel only on a *fit*, so the object shrinks: it splits objects
# joined by thin necks and strips off thin protrusions (extrusions). (The slide on erosion
# repeats the dilation slide's words, "expands … adds pixels"; that is a copy slip, as its
# fit-only rule shows.) For a 0/1 image, dilation is the **maximum** under the footprint
# and erosion the **minimum**: the lecture's "dilation as an image filter" with the cross
# as its lens.
#
# Pixel by pixel, with the helper above:

# %%
dilated_by_hand = np.zeros_like(shape)
eroded_by_hand = np.zeros_like(shape)
for row in range(shape.shape[0]):
    for col in range(shape.shape[1]):
        covered = under_footprint(shape, cross, row, col)
        dilated_by_hand[row, col] = covered.any()   # hit or fit
        eroded_by_hand[row, col] = covered.all()    # fit
print("dilation (the lecture's result):\n", dilated_by_hand.astype(int))
print("erosion:\n", eroded_by_hand.astype(int))

# %% [markdown]
# Visiting every pixel is slow in Python for big images. A faster way to get the same
# result loops over the footprint instead: for each of its 1s at `(i, j)`, the pixels it
# covers, for *all* positions at once, are the shifted view
# `padded[i:i + H, j:j + W]` of the padded image. OR those views together for dilation,
# AND them for erosion. A 3×3 cross means 5 array operations, whatever the image size.
#
# ### Exercise 4 · `dilate(binary, footprint)`
#
# - **Input:** `binary`, a 2-D array where every nonzero pixel is foreground (booleans,
#   0/1 or 0/255 numbers); `footprint`, a 2-D array of 0/1 integers or booleans with odd
#   sides, origin at its centre.
# - **Output:** a boolean array of the same shape: `True` where the footprint centred on
#   the pixel **hits** (or fits) the foreground; pixels outside the image are background.
#   A footprint with an even side raises `ValueError`.
# - **Example:** `dilate(shape, cross)` gives the lecture's dilated shape printed above.
# - **Contract:** `binary` may be booleans, 0/1 or 0/255 integers or 0.0/1.0 floats (a
#   0/255 mask is what OpenCV and image files give), possibly a non-contiguous view;
#   `footprint` booleans or 0/1 integers (beware: a 0/1 integer array used as an index
#   picks whole rows, it does not select). The result is a `bool` array of `binary`'s
#   shape; a footprint with an even side raises `ValueError`. Neither input is modified.
#
# Stuck? `check.dilate.hint()`.

# %% solution id=dilate
def dilate(binary, footprint):
    """Binary dilation: True where the footprint centred on the pixel hits the foreground."""
    ### BEGIN SOLUTION
    image = np.asarray(binary).astype(bool)
    footprint = np.asarray(footprint).astype(bool)
    height, width = footprint.shape
    if height % 2 == 0 or width % 2 == 0:
        raise ValueError(f"footprint sides must be odd, got shape {footprint.shape}")
    padded = np.pad(image, ((height // 2, height // 2), (width // 2, width // 2)), constant_values=False)
    rows, cols = image.shape
    result = np.zeros(image.shape, dtype=bool)
    for i, j in np.argwhere(footprint):
        result |= padded[i:i + rows, j:j + cols]  # hit: any covered pixel is foreground
    return result
    ### END SOLUTION

# %% test id=dilate_test points=2
check.dilate(dilate)
### BEGIN HIDDEN TESTS
check.dilate(dilate, seed=4141)
assert np.array_equal(dilate(shape, cross), dilated_by_hand), "the lecture's 7×7 dilation by the cross"
_disk = np.array([[0, 0, 1, 0, 0], [0, 1, 1, 1, 0], [1, 1, 1, 1, 1], [0, 1, 1, 1, 0], [0, 0, 1, 0, 0]])
_ink = page <= filters.threshold_local(page, 35, "gaussian", offset=10)  # the ink, independent of your functions
assert np.array_equal(dilate(_ink, _disk), ndi.binary_dilation(_ink, _disk.astype(bool)))
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5 · `erode(binary, footprint)`
#
# - **Input:** as for `dilate`.
# - **Output:** a boolean array of the same shape: `True` where the footprint centred on
#   the pixel **fits** inside the foreground. Pixels outside the image are background,
#   so a footprint that sticks out of the image never fits: erosion clears the pixels
#   along the border (within half a footprint). An even side raises `ValueError`.
# - **Example:** `erode(shape, cross)` keeps only pixel (2, 2); `erode(np.ones((4, 5)),
#   np.ones((3, 3)))` keeps the inner 2×3 block.
# - **Contract:** as for `dilate`: any binary form (booleans, 0/1, 0/255, 0.0/1.0, views),
#   a `bool` result of `binary`'s shape, `ValueError` for an even side, inputs unchanged.
#
# Stuck? `check.erode.hint()`.

# %% solution id=erode
def erode(binary, footprint):
    """Binary erosion: True where the footprint centred on the pixel fits inside the foreground."""
    ### BEGIN SOLUTION
    image = np.asarray(binary).astype(bool)
    footprint = np.asarray(footprint).astype(bool)
    height, width = footprint.shape
    if height % 2 == 0 or width % 2 == 0:
        raise ValueError(f"footprint sides must be odd, got shape {footprint.shape}")
    padded = np.pad(image, ((height // 2, height // 2), (width // 2, width // 2)), constant_values=False)
    rows, cols = image.shape
    result = np.ones(image.shape, dtype=bool)
    for i, j in np.argwhere(footprint):
        result &= padded[i:i + rows, j:j + cols]  # fit: every covered pixel is foreground
    return result
    ### END SOLUTION

# %% test id=erode_test points=2
check.erode(erode)
### BEGIN HIDDEN TESTS
check.erode(erode, seed=4242)
assert np.array_equal(erode(shape, cross), eroded_by_hand), "the 7×7 shape eroded by the cross"
assert np.asarray(erode(np.ones((4, 5)), np.ones((3, 3)))).astype(int).tolist() == [[0] * 5, [0, 1, 1, 1, 0], [0, 1, 1, 1, 0], [0] * 5]
_disk = np.array([[0, 0, 1, 0, 0], [0, 1, 1, 1, 0], [1, 1, 1, 1, 1], [0, 1, 1, 1, 0], [0, 0, 1, 0, 0]])
_ink = page <= filters.threshold_local(page, 35, "gaussian", offset=10)  # the ink, independent of your functions
assert np.array_equal(erode(~_ink, _disk), ndi.binary_erosion(~_ink, _disk.astype(bool), border_value=0))
### END HIDDEN TESTS

# %% [markdown]
# The lecture's "purposeful" uses, each on a small drawing (the red outline is the
# drawing before the operation). A square footprint grows or shrinks in every direction;
# a line footprint only along the line, which is how the lecture's `np.ones((10, 1))`
# example joins the broken pieces of printed digits vertically (we use odd lengths, so
# there is a centre).

# %%
grow = np.zeros((21, 40), dtype=bool)
grow[3:6, 2:18] = True      # a horizontal stroke ...
grow[3:6, 9:11] = False     # ... with a 2-pixel break
grow[8:20, 4:7] = True      # a vertical stroke ...
grow[12:16, 4:7] = False    # ... with a 4-pixel break
grow[3:18, 24:37] = True    # a block ...
grow[10, 29:37] = False     # ... with a thin slot cut into it (an intrusion)

yy, xx = np.mgrid[0:21, 0:40]
shrink = (np.hypot(yy - 10, xx - 8) <= 6) | (np.hypot(yy - 10, xx - 21) <= 6)  # two disks ...
shrink[9:12, 13:17] = True                                                   # ... joined by a neck
shrink[6:16, 31:39] = True  # a square ...
shrink[0:6, 34] = True      # ... with a one-pixel hair (an extrusion)

square = np.ones((3, 3), dtype=bool)
disk5 = np.hypot(*np.mgrid[-2:3, -2:3]) <= 2
vertical7 = np.ones((7, 1), dtype=bool)
panels = [
    (grow, grow, "breaks and a slot"),
    (grow, dilate(grow, square), "dilated, 3×3 square"),
    (grow, dilate(grow, vertical7), "dilated, 7×1 vertical line"),
    (shrink, shrink, "a neck and a hair"),
    (shrink, erode(shrink, square), "eroded, 3×3 square"),
    (shrink, erode(shrink, disk5), "eroded, 5×5 disk"),
]
fig, axes = plt.subplots(2, 3, figsize=(10.5, 4.4))
for ax, (before, after, title) in zip(axes.ravel(), panels):
    ax.imshow(after, cmap="gray")
    ax.contour(before, levels=[0.5], colors="tab:red", linewidths=1)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
plt.tight_layout()
plt.show()
print("objects in the bottom drawing before the 5×5 erosion:", measure.label(shrink).max(),
      "(the joined disks, the square); after it:", measure.label(erode(shrink, disk5)).max())

# %% [markdown]
# Top row: the 3×3 dilation bridges the 2-pixel break and fills the slot, but a
# 4-pixel break is too wide for it (each side only grows by one pixel). The 7×1 line
# grows objects 3 pixels up and down and nothing sideways: it closes the vertical break
# and the slot, and leaves the horizontal break open. Bottom row: the 3×3 erosion strips
# the hair and thins the neck; the 5×5 disk does not fit into the neck at all, so the
# two disks come apart, which is how erosion separates touching objects. Every object
# also grew or shrank, which the next two operations repair.
#
# ## 7. Opening and closing
#
# Dilation and erosion change the size of everything. Combined, they undo each other's
# size change and keep only their cleaning effect:
#
# - **opening** = erosion, then dilation (with the same footprint). Anything the
#   footprint does not fit into (specks, thin hairs) disappears in the erosion and does
#   not come back; larger shapes are eroded and regrown to about their old size.
#   **Opening removes specks.**
# - **closing** = dilation, then erosion. Gaps and holes narrower than the footprint are
#   filled by the dilation and stay filled; the erosion shrinks the objects back.
#   **Closing fills gaps.**
#
# A word on the border: because outside pixels count as background, closing can nibble
# at objects that touch the image edge (the final erosion sees the empty outside). Pad
# the image first if that matters.
#
# ### Exercise 6 · `opening(binary, footprint)` and Exercise 7 · `closing(binary, footprint)`
#
# - **Input:** as for `dilate`.
# - **Output:** a boolean array of the same shape: `opening` erodes then dilates,
#   `closing` dilates then erodes, both with `footprint` and your functions above.
# - **Example:** a 3×10 bar with a speck above it: `opening` with a 3×3 square returns
#   the bar without the speck; the same bar with a one-pixel gap: `closing` returns the
#   bar whole.
# - **Contract** (both): the same input forms as `dilate` (booleans, 0/1, 0/255, 0.0/1.0,
#   views); a `bool` result of `binary`'s shape; inputs unchanged.
#
# Stuck? `check.opening.hint()`, `check.closing.hint()`.

# %% solution id=opening
def opening(binary, footprint):
    """Erosion, then dilation: removes specks smaller than the footprint."""
    ### BEGIN SOLUTION
    return dilate(erode(binary, footprint), footprint)
    ### END SOLUTION

# %% test id=opening_test points=1
check.opening(opening)
### BEGIN HIDDEN TESTS
check.opening(opening, seed=4343)
_bar = np.zeros((7, 12), dtype=bool)
_bar[2:5, 1:11] = True
_specked = _bar.copy()
_specked[0, 3] = _specked[6, 8] = True
assert np.array_equal(opening(_specked, np.ones((3, 3))), _bar), "opening removes specks"
### END HIDDEN TESTS

# %% solution id=closing
def closing(binary, footprint):
    """Dilation, then erosion: fills gaps and holes narrower than the footprint."""
    ### BEGIN SOLUTION
    return erode(dilate(binary, footprint), footprint)
    ### END SOLUTION

# %% test id=closing_test points=1
check.closing(closing)
### BEGIN HIDDEN TESTS
check.closing(closing, seed=4545)
_bar = np.zeros((7, 12), dtype=bool)
_bar[2:5, 1:11] = True
_broken = _bar.copy()
_broken[2:5, 6] = False
assert np.array_equal(closing(_broken, np.ones((3, 3))), _bar), "closing fills a one-pixel gap"
_disk = np.array([[0, 0, 1, 0, 0], [0, 1, 1, 1, 0], [1, 1, 1, 1, 1], [0, 1, 1, 1, 0], [0, 0, 1, 0, 0]])
_ink = page <= filters.threshold_local(page, 35, "gaussian", offset=10)  # the ink, independent of your functions
assert np.array_equal(closing(_ink, _disk), ndi.binary_closing(_ink, _disk.astype(bool), border_value=0))
### END HIDDEN TESTS

# %% [markdown]
# Both at work on a noisy letter: an "L" with salt (white specks) around it and pepper
# (black holes and a crack) inside it.

# %%
rng = np.random.default_rng(4)
letter = np.zeros((40, 34), dtype=bool)
letter[5:35, 6:14] = True
letter[27:35, 6:28] = True
noisy = letter.copy()
noisy[rng.random(letter.shape) < 0.04] = True      # salt: specks on the background
noisy[(rng.random(letter.shape) < 0.08) & letter] = False  # pepper: holes in the letter
noisy[17, 6:14] = False                              # a crack across the stroke

panels = {
    "noisy letter": noisy,
    "opening (3×3): specks gone": opening(noisy, square),
    "closing (3×3): holes filled": closing(noisy, square),
    "closing, then opening": opening(closing(noisy, square), square),
}
fig, axes = plt.subplots(1, 4, figsize=(10, 3.2))
for ax, (title, picture) in zip(axes, panels.items()):
    ax.imshow(picture, cmap="gray")
    ax.set_title(title)
    ax.axis("off")
plt.tight_layout()
plt.show()
print("pixels wrong compared with the clean letter:",
      {title: int((picture != letter).sum()) for title, picture in panels.items()})

# %% [markdown]
# Opening wipes out the specks but also widens the holes (an eroded hole grows before
# it shrinks back). Closing seals the holes and the crack but keeps the specks, and
# even glues a few into small blobs. Together, close first and open after, they restore
# the letter almost exactly. The lecture's QR-code example is a closing: it merges the
# code's modules into one solid block that is easy to find.
#
# Our four functions agree with the libraries, once the libraries are told that the
# outside of the image is background. `scipy.ndimage` assumes that already
# (`border_value=0`). scikit-image's `binary_erosion` and `binary_closing` (deprecated in
# version 0.26) assume the *opposite* for erosion by default; its grey-level `erosion`
# and `dilation` agree with `mode="constant", cval=0`.

# %%
from skimage import morphology

ink = ~adaptive_threshold(page, 35, 10, "gaussian")
for name, footprint in [("cross", cross), ("5×5 disk", disk5), ("7×1 line", vertical7)]:
    print(f"{name:>9}:",
          "dilate", np.array_equal(dilate(ink, footprint), ndi.binary_dilation(ink, footprint)),
          "| erode", np.array_equal(erode(ink, footprint), ndi.binary_erosion(ink, footprint)),
          "| erode = skimage (cval=0)",
          np.array_equal(erode(ink, footprint), morphology.erosion(ink, footprint, mode="constant", cval=0)),
          "| opening", np.array_equal(opening(ink, footprint), ndi.binary_opening(ink, footprint)),
          "| closing", np.array_equal(closing(ink, footprint), ndi.binary_closing(ink, footprint)))

# %% [markdown]
# ## 8. Edges and contours: from pixels to outlines
#
# The lecture ends its image-processing part with two classic tools that lead into text
# detection.
#
# - The **Canny edge detector** (1986) is a pipeline: smooth with a Gaussian, take
#   Sobel gradients, keep only pixels where the gradient is a local maximum across the
#   edge (non-maximum suppression, one pixel thin), and finally *hysteresis* with two
#   thresholds: strong edges are kept, weak ones only if they connect to a strong one.
# - **Contours** (Suzuki's border following, 1985, in OpenCV) are curves along the
#   boundary of a region, through points of the same value. scikit-image's
#   `measure.find_contours` traces the lines where an image crosses a given level;
#   on our binary ink image at level 0.5 they are the outlines of the ink blobs.

# %%
edges = feature.canny(page, sigma=1.0)
contours = measure.find_contours(ink.astype(float), 0.5)
print(f"Canny marks {edges.sum()} edge pixels; find_contours traces {len(contours)} outlines")

fig, axes = plt.subplots(1, 2, figsize=(11, 3.2))
axes[0].imshow(edges, cmap="gray")
axes[0].set_title("Canny edges (σ = 1)")
axes[1].imshow(page, cmap="gray")
for contour in contours:
    axes[1].plot(contour[:, 1], contour[:, 0], linewidth=0.8)
axes[1].set_title("contours of the adaptive-threshold ink")
for ax in axes:
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# Canny finds the edges of the letters even on the dim side, because it looks at local
# *changes* in brightness, not at brightness. The contours already outline one letter
# (or a few touching letters) each. A contour is a detailed outline; for text detection a
# box is enough, and boxes come from connected components.
#
# ## 9. Connected components and bounding boxes
#
# A **connected component** is a set of foreground pixels you can walk between, step by
# step, without leaving the foreground. What counts as a step?
#
# - **4-connectivity**: up, down, left, right;
# - **8-connectivity**: also the four diagonals.
#
# We use **8-connectivity**, the default of `skimage.measure.label` for 2-D images: a
# thin diagonal stroke (the middle of an "N", a slanted "/") is one piece of ink, not
# a chain of single pixels. `label` numbers the components 1, 2, 3, … and leaves the
# background 0.

# %%
diagonal = np.array([[1, 0, 0, 0, 1, 1],
                     [0, 1, 0, 0, 0, 0],
                     [0, 0, 0, 1, 0, 1],
                     [1, 1, 0, 0, 1, 0]])
print("labels with 4-connectivity:\n", measure.label(diagonal, connectivity=1))
print("labels with 8-connectivity:\n", measure.label(diagonal, connectivity=2))

# %% [markdown]
# Seven components with 4-connectivity, four with 8. The **bounding box** of a component
# is the smallest rectangle of pixels that holds it. We write it like scikit-image's
# `regionprops(...).bbox`:
#
# - `(min_row, min_col, max_row, max_col)`: rows first, as for every array index in
#   this course (not OpenCV's `(x, y, width, height)`);
# - the maxima are **exclusive**, one past the last pixel, like a Python slice, so
#   `binary[min_row:max_row, min_col:max_col]` cuts out exactly the box and its height
#   is `max_row - min_row`.
#
# In the 8-connected labels above, component 3 (pixels (2, 3), (3, 4) and (2, 5), a
# "V") has the box `(2, 3, 4, 6)`: rows 2–3, columns 3–5.
#
# Finally, a list of boxes needs an order. We use **reading order** in the simplest form
# that is well defined: sorted by `(min_row, min_col)`, top edge first, then left edge,
# which is what `sorted()` does with the tuples. The order of `label`'s numbers is *not*
# always that. It numbers the components in the order a row-by-row scan meets their
# first pixel, and that pixel need not be the leftmost: a stroke slanting down to the
# left is met at its top-right end, so a dot just left of that end gets the smaller
# number although the stroke's box starts further left.
#
# ### Exercise 8 · `bounding_boxes(binary)`
#
# - **Input:** a 2-D binary image (booleans, or numbers where nonzero is foreground).
# - **Output:** a list of tuples `(min_row, min_col, max_row, max_col)` of ints, one per
#   8-connected component, exclusive maxima, sorted by `(min_row, min_col)`. An empty
#   image gives `[]`.
# - **Example:** `bounding_boxes(diagonal)` returns
#   `[(0, 0, 2, 2), (0, 4, 1, 6), (2, 3, 4, 6), (3, 0, 4, 2)]`.
# - **Contract:** `binary` may be booleans, 0/1 or 0/255 integers or 0.0/1.0 floats,
#   possibly a non-contiguous view. The result is a list of tuples of 4 ints (Python or
#   numpy integers; not floats such as `2.0`, not lists, not a numpy array), sorted; `[]`
#   for an empty image. `binary` is not modified.
#
# Use `measure.label(binary, connectivity=2)` to find the components, then work out each
# one's box with numpy (`np.nonzero` gives the rows and columns of its pixels). Stuck?
# `check.bounding_boxes.hint()`.

# %% solution id=bounding_boxes
def bounding_boxes(binary):
    """Boxes (min_row, min_col, max_row, max_col) of the 8-connected components, in reading order."""
    ### BEGIN SOLUTION
    labels = measure.label(np.asarray(binary) != 0, connectivity=2)
    boxes = []
    for number in range(1, labels.max() + 1):
        rows, cols = np.nonzero(labels == number)
        boxes.append((int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1))
    return sorted(boxes)
    ### END SOLUTION

# %% test id=bounding_boxes_test points=2
check.bounding_boxes(bounding_boxes)
### BEGIN HIDDEN TESTS
check.bounding_boxes(bounding_boxes, seed=4646)
assert [tuple(int(v) for v in box) for box in bounding_boxes(diagonal)] == [(0, 0, 2, 2), (0, 4, 1, 6), (2, 3, 4, 6), (3, 0, 4, 2)], "the worked example"
assert list(bounding_boxes(np.zeros((3, 4)))) == [], "an empty image has no boxes"
_ink = page <= filters.threshold_local(page, 35, "gaussian", offset=10)  # the ink, independent of your functions
_expected = sorted(tuple(int(v) for v in region.bbox) for region in measure.regionprops(measure.label(_ink, connectivity=2)))
_got = [tuple(int(v) for v in box) for box in bounding_boxes(_ink)]
assert sorted(_got) == _expected and [box[:2] for box in _got] == [box[:2] for box in _expected], "the page's ink"
### END HIDDEN TESTS

# %% [markdown]
# ## 10. Text detection on the page
#
# Everything together, as in the lecture's classical detectors. "Connected component
# analysis (thresholding first)":
#
# 1. adaptive Gaussian threshold, then flip, so that the ink is the foreground;
# 2. one bounding box per 8-connected blob of ink;
# 3. drop boxes that cannot be characters: too flat (rule lines), too small (specks) or
#    far too big.
#
# And "thresholding + dilation": dilate the ink with a flat footprint first, so that
# the letters of a word (a 1×5 line: gaps inside a word are narrower than 5 pixels,
# spaces between words mostly wider) or of a whole text line (a 1×15 line) melt into one
# blob, and box those blobs instead. The figure draws the boxes on the ink itself (grey
# on white).

# %%
ink = ~adaptive_threshold(page, 35, 10, "gaussian")
components = bounding_boxes(ink)
char_boxes = [box for box in components if 5 <= box[2] - box[0] <= 30 and box[3] - box[1] <= 30]
word_boxes = [box for box in bounding_boxes(dilate(ink, np.ones((1, 5), dtype=bool)))
              if 8 <= box[2] - box[0] <= 40]
line_boxes = [box for box in bounding_boxes(dilate(ink, np.ones((1, 15), dtype=bool)))
              if 8 <= box[2] - box[0] <= 40]
narrow = sum(box[3] - box[1] <= 10 for box in char_boxes)
print(f"{len(components)} ink components, {len(char_boxes)} of them character-sized "
      f"({narrow} at most 10 pixels wide); {len(word_boxes)} word boxes; {len(line_boxes)} line boxes")
print("the first five character boxes in reading order:", char_boxes[:5])

fig, axes = plt.subplots(3, 1, figsize=(8.5, 12.5), constrained_layout=True)
for ax, boxes, colour, title in [
        (axes[0], char_boxes, "tab:red", "characters: components of the ink"),
        (axes[1], word_boxes, "tab:blue", "words: components of the ink dilated by a 1×5 line"),
        (axes[2], line_boxes, "tab:purple", "lines: components of the ink dilated by a 1×15 line")]:
    ax.imshow(ink, cmap="Greys", vmin=0, vmax=2.5)  # ink in grey, so the boxes stand out
    for min_row, min_col, max_row, max_col in boxes:
        ax.add_patch(plt.Rectangle((min_col - 0.5, min_row - 0.5), max_col - min_col, max_row - min_row,
                                   fill=False, edgecolor=colour, linewidth=1))
    ax.set_title(title)
    ax.set_xlabel("column")
    ax.set_ylabel("row")
plt.show()

# %% [markdown]
# (A rectangle starts at `min_col - 0.5` because matplotlib puts pixel *centres* on whole
# numbers, so a pixel's left edge is half a unit to its left.)
#
# - **Characters.** About three boxes in four are at most 10 pixels wide: one letter, or
#   a narrow pair such as "rs". Where the letters of a word touch, one box holds the
#   whole word ("Let", "us"). The strokes are only one or two pixels wide, so an erosion
#   to separate the letters would erase thin letters too; a recogniser that also reads
#   pairs, or a higher-resolution scan, is the usual fix.
# - **Words.** Every word of the paragraph gets a box of its own, which is what an OCR
#   engine wants to read. Try other lengths: a 1×7 line already merges neighbours
#   ("pixels that we can"), a 1×3 line splits some words.
# - **Lines.** The 1×15 line melts each text line into one blob. The long box under the
#   paragraph is the faint rule line, which a filter on the share of ink inside a box
#   would remove.
#
# Reading order by `(min_row, min_col)` is well defined but not yet how people read: the
# first five character boxes printed above jump along the title from one tall letter
# to the next, because a tall letter's top edge lies higher than its neighbours'. Real
# OCR first groups the boxes into lines (the line boxes do exactly that) and then sorts
# each line from left to right.
#
# In chapter 09 the same tools find the Sudoku grid and its digits, and the recognition
# stage is a convolutional network (chapters 05–08).
#
# ## Recap
#
# - A global threshold is `image > t`; a pixel equal to `t` is background.
# - Otsu's threshold maximises the between-class variance $w_0 w_1 (\mu_0 - \mu_1)^2$,
#   which is the same as minimising the within-class variance; it is computed from the
#   histogram with cumulative sums and returned as the last level of the dark class.
#   The triangle method finds the knee of a one-peaked histogram.
# - Uneven lighting defeats every global threshold. Adaptive thresholds compare each
#   pixel with its local mean or Gaussian-weighted mean minus an offset:
#   `image > local_mean - offset`, as `skimage.filters.threshold_local`.
# - A footprint fits, hits or misses. Dilation = hit or fit (grow, bridge breaks),
#   erosion = fit (shrink, split, strip); outside the image is background.
# - Opening = erosion then dilation removes specks; closing = dilation then erosion fills
#   gaps.
# - Canny gives thin edges, `find_contours` outlines; 8-connected components give
#   bounding boxes `(min_row, min_col, max_row, max_col)`, exclusive maxima, sorted in
#   reading order: the detection stage of OCR.
