# %% [markdown]
# # 07 · Backpropagation through convolution and pooling
#
# Chapter 05 ran the layers of a CNN forward; chapter 06 counted their parameters, often
# thousands per layer. Chapter 08 will let Keras *learn* those numbers from examples. Between
# the two sits the one idea that makes learning possible: for every weight, find out how the
# loss would change if the weight changed a little. That is the **gradient**, and
# **backpropagation** computes it layer by layer, from the loss back to the input.
#
# Each layer needs a **backward pass**: given how the loss depends on the layer's output,
# compute how it depends on the layer's input and on its weights. This chapter writes the
# backward passes of the two layers that make a CNN a CNN, convolution and pooling, tests
# them against a numerical gradient, and then uses them to do what the lecture promises: a
# kernel that starts as random numbers and *learns* to be a filter.
#
# **You will be able to**
#
# - say what a backward pass receives (`dz`) and returns (`dx`, `dW`, `db`), and why each
#   gradient has the shape of what it is the gradient of;
# - compute a gradient numerically by central differences, and use it to test any backward
#   pass;
# - write `conv_backward` for a batch, with stride and padding, and explain why the gradient
#   with respect to the input is a *convolution* with the kernel, where the forward pass was
#   a correlation;
# - write `pool_backward` for max and average pooling, including tied maxima and windows
#   that overlap;
# - learn a kernel by gradient descent, from the lecture's random weights to its
#   `[-1, 2, -1]` filter, and read a loss curve.
#
# **Time:** about 100 minutes. **Graded exercises:** 3 (`numerical_gradient`,
# `conv_backward`, `pool_backward`). Each has a check you can run as often as you like;
# stuck? run `check.NAME.hint()` in a new cell, once per hint.
#
# Conventions, the same as chapter 05's: a batch of `m` examples is an array
# `(m, n_H, n_W, n_C)` (channels last); a convolution layer has weights `W` of shape
# `(f, f, n_C_prev, n_C)` and biases `b` of shape `(n_C,)`; padding `p` is per side;
# "convolution" in a network means cross-correlation. For any array `a` in the network,
# `da` is the gradient of the loss with respect to `a`: it has `a`'s shape, and
# `da[index]` says how fast the loss grows when `a[index]` grows.

# %%
from autograder import check  # first: it also keeps TensorFlow's start-up log quiet

import matplotlib.pyplot as plt
import numpy as np

from autograder.checks.backprop import conv_backward_autodiff, conv_forward, pool_forward, working_conv_backward
from autograder.data import sample_image
from autograder.runtime import quick

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# The forward passes come ready-made: `conv_forward(x, W, b, stride, pad)` and
# `pool_forward(x, f, s, mode)` compute chapter 05's layers on a whole batch at once. A
# single image is a batch of one, `x[None]`:

# %%
rng = np.random.default_rng(0)
x_demo = rng.normal(size=(2, 7, 6, 3))  # 2 examples, 7×6 pixels, 3 channels
W_demo, b_demo = rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4)
print("conv, stride 2, pad 1:", x_demo.shape, "→", conv_forward(x_demo, W_demo, b_demo, stride=2, pad=1).shape)
print("max pool 2×2, stride 2:", x_demo.shape, "→", pool_forward(x_demo, 2, 2, "max").shape)
print("one image as a batch: ", x_demo[0].shape, "→", x_demo[0][None].shape)

# %% [markdown]
# ## 1. What a backward pass computes
#
# A network is a chain of layers ending in one number, the loss `L`. Take one convolution
# layer somewhere in the middle:
#
# $$x \;\xrightarrow{\;W,\ b\;}\; z \;\longrightarrow\; \cdots \;\longrightarrow\; L$$
#
# Everything after the layer is a black box: its backward passes have already worked out
# `dz`, how the loss reacts to each value of `z`. The layer's job is to turn `dz` into
#
# - `dW` and `db`, the gradients of its own parameters, which gradient descent will use to
#   improve them; and
# - `dx`, which it hands to the layer before it, whose backward pass does the same in turn.
#
# The rule behind all of it is the chain rule. The loss depends on an input value `x[p]`
# only through the outputs `z[q]` that used it, so
#
# $$\frac{\partial L}{\partial x[p]} = \sum_{q} \frac{\partial L}{\partial z[q]}\,
#   \frac{\partial z[q]}{\partial x[p]} = \sum_{q} dz[q]\,\frac{\partial z[q]}{\partial x[p]}.$$
#
# In words: **every output sends its gradient back to the numbers it was computed from,
# weighted by how much each of them counted.**
#
# To test a layer on its own we need a loss, and one trick gives us any `dz` we like: pick
# `dz` at random and define
#
# $$L = \sum_{q} z[q] \cdot dz[q].$$
#
# Then `∂L/∂z[q] = dz[q]` exactly, and the gradients of this `L` are precisely what the
# backward pass must return. The checks and the gradient checks below all use it.
#
# ## 2. A one-dimensional example by hand
#
# Before the full layer, the smallest case that shows everything: five inputs, a kernel of
# three weights, "valid" correlation, so three outputs:
#
# $$z_i = x_i w_0 + x_{i+1} w_1 + x_{i+2} w_2, \qquad i = 0, 1, 2.$$
#
# **The weights.** Weight `w_u` multiplies `x_{i+u}` in every output `z_i`, so
#
# $$dw_u = \sum_i dz_i\, x_{i+u}.$$
#
# That is a correlation again: slide `dz` over `x`. Every output contributes, which is
# parameter sharing seen from the other side: the weight is shared by all positions, so its
# gradient is the sum over all positions.
#
# **The inputs.** Input `x_p` appears in output `z_i` when `p = i + u`, multiplied by
# `w_{p-i}`:
#
# $$dx_p = \sum_i dz_i\, w_{p-i}.$$
#
# Look at the indices: as `i` goes up, the weight index goes *down*. For the middle input,
# `dx_2 = dz_0 w_2 + dz_1 w_1 + dz_2 w_0`, the kernel read backwards. Sliding `dz` over the
# kernel read backwards is a **convolution** (chapter 02): the forward pass correlates, the
# backward pass convolves, with the same kernel. The figure shows who feeds whom.

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
w_names = ["w₀", "w₁", "w₂"]
colours = ["tab:blue", "tab:orange", "tab:green"]
for ax, title in zip(axes, ["forward: each z_i reads three inputs", "backward: x₂ collects from all three outputs"]):
    for p in range(5):
        ax.add_patch(plt.Circle((p, 0), 0.22, fill=False))
        ax.text(p, 0, f"x{'₀₁₂₃₄'[p]}", ha="center", va="center")
    for i in range(3):
        ax.add_patch(plt.Circle((i + 1, 2), 0.22, fill=False))
        ax.text(i + 1, 2, f"z{'₀₁₂'[i]}", ha="center", va="center")
        for u in range(3):
            p = i + u
            highlight = title.startswith("forward") or p == 2
            ax.plot([p, i + 1], [0.22, 1.78], color=colours[u] if highlight else "lightgray",
                    linewidth=2.2 if highlight else 1)
            if title.startswith("backward") and p == 2:
                ax.text((p + i + 1) / 2 + 0.12, 1.0, w_names[u], color=colours[u], fontsize=12)
    ax.set_xlim(-0.6, 4.6)
    ax.set_ylim(-0.6, 2.6)
    ax.axis("off")
    ax.set_title(title)
for u in range(3):
    axes[0].plot([], [], color=colours[u], label=f"weight {w_names[u]}")
axes[0].legend(loc="upper right", fontsize=9, frameon=False)
plt.show()

# %% [markdown]
# Going up, blue is always the left input of a window; coming back down to `x₂`, the
# outputs arrive with `w₂`, `w₁`, `w₀`: the kernel reversed. numpy's `np.correlate` and
# `np.convolve` confirm both formulas on numbers. Take the kernel `w = [1, 2, 3]`, which is
# not symmetric, so that a reversal shows:

# %%
x1 = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
w1 = np.array([1.0, 2.0, 3.0])
dz1 = np.array([1.0, -1.0, 2.0])
z1 = np.correlate(x1, w1, mode="valid")  # the forward pass: correlation
print("z  =", z1)
print("dw =", np.array([np.sum(dz1 * x1[u:u + 3]) for u in range(3)]), "  by the formula")
print("dw =", np.correlate(x1, dz1, mode="valid"), "  = correlate(x, dz)")
print("dx =", np.array([sum(dz1[i] * w1[p - i] for i in range(3) if 0 <= p - i < 3) for p in range(5)]),
      "  by the formula")
print("dx =", np.convolve(dz1, w1, mode="full"), "  = convolve(dz, w), 'full'")
print("dx ≠", np.correlate(np.pad(dz1, 2), w1, mode="valid"), "  correlating dz with w gives something else")

# %% [markdown]
# Notice the "full" mode: `dx` has all five entries, one per input, because an input near
# the border still received gradient from the one or two windows that covered it. With a
# symmetric kernel such as the lecture's `[-1, 2, -1]`, correlating and convolving give the
# same numbers, and a backward pass that forgot the reversal would look right. That is why
# every check below uses kernels with no symmetry.
#
# ## 3. Numerical gradients: a yardstick for every backward pass
#
# A backward pass is easy to get subtly wrong, and a wrong gradient does not crash: training
# just goes badly, or slowly, or nowhere. So we test every backward pass against the
# definition of the derivative. For one entry `x[i]` of an array,
#
# $$\frac{\partial f}{\partial x[i]} \approx \frac{f(x + h\,e_i) - f(x - h\,e_i)}{2h},$$
#
# where `e_i` is 1 at position `i` and 0 elsewhere: nudge one entry up and down by a small
# `h` and measure the slope. This **central difference** is much more accurate than the
# one-sided `(f(x + h e_i) − f(x)) / h`: the curvature's errors on the two sides cancel, so
# the error shrinks like `h²` instead of `h`. But `h` cannot be tiny either: `f(x + h e_i)`
# and `f(x − h e_i)` then agree in almost all their 16 digits, and the subtraction keeps only
# rounding noise. The figure measures both errors for `f(x) = sin(x)` at `x = 1`, where the
# true slope is `cos(1)`:

# %% nbval-ignore-output
steps = np.logspace(-14, -1, 60)
forward_error = np.abs((np.sin(1 + steps) - np.sin(1)) / steps - np.cos(1))
central_error = np.abs((np.sin(1 + steps) - np.sin(1 - steps)) / (2 * steps) - np.cos(1))
fig, ax = plt.subplots(figsize=(7, 4))
ax.loglog(steps, forward_error, "o-", markersize=3, label="one-sided (f(x+h) − f(x)) / h")
ax.loglog(steps, central_error, "o-", markersize=3, label="central (f(x+h) − f(x−h)) / 2h")
ax.axvline(1e-5, color="gray", linestyle=":")
ax.text(1.3e-5, 1e-1, "h = 1e-5", color="gray")
ax.set_xlabel("step h")
ax.set_ylabel("error of the slope")
ax.set_title("Numerical derivative of sin at x = 1: truncation (right) vs rounding (left)")
ax.legend()
plt.show()
best = steps[np.argmin(central_error)]
print(f"central difference: smallest error {central_error.min():.1e} at h ≈ {best:.0e}; "
      f"at h = 1e-5 the error is {np.interp(1e-5, steps, central_error):.0e}")

# %% [markdown]
# Right of the minimum the truncation error dominates (slope 1 for the one-sided formula,
# slope 2 for the central one); left of it, rounding. With float64 and `h = 1e-5` the
# central difference is good to about ten digits, plenty to catch a wrong gradient. In
# float32 the rounding wall sits some 500 million times higher, which is why gradient checks are
# always done in float64.
#
# ### Exercise 1 · `numerical_gradient(f, x, h=1e-5)`
#
# - **Input:** a function `f` that takes an array of `x`'s shape and returns a number; an
#   array `x` of any shape; a step `h`.
# - **Output:** an array `grad` of `x`'s shape where `grad[i]` is the central difference
#   `(f(x + h e_i) − f(x − h e_i)) / (2h)`.
# - **Example:** for `f(v) = Σ v²` at `x = [1, −2]` the gradient is `2x`:
#   `numerical_gradient(lambda v: np.sum(v ** 2), np.array([1.0, -2.0]))` returns
#   approximately `[2., -4.]`.
#
# **Contract.** `x` may be float64, float32 or integer, of any shape, contiguous or not, and
# is never modified (perturb a float64 copy, entry by entry, and put each entry back); `f` is
# always called with an array of `x`'s shape; the result is a float64 array of `x`'s shape.
# The check compares with exact gradients to 1e-7 of the largest slope, which one-sided
# differences miss.
#
# Loop over every index of an array of any shape with `for i in np.ndindex(x.shape):`.
# Stuck? `check.numerical_gradient.hint()`.

# %% solution id=numerical_gradient
def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of the scalar function f at x, an array of x's shape."""
    ### BEGIN SOLUTION
    x = np.array(x, dtype=np.float64)  # a float64 copy: the caller's x stays as it was
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad
    ### END SOLUTION

# %% test id=numerical_gradient_test points=2
check.numerical_gradient(numerical_gradient)
### BEGIN HIDDEN TESTS
check.numerical_gradient(numerical_gradient, seed=707)
assert np.allclose(numerical_gradient(lambda v: np.sum(v ** 2), np.array([1.0, -2.0])), [2.0, -4.0])
### END HIDDEN TESTS

# %% [markdown]
# Now the hand-derived formulas of section 2 can be checked without trusting any algebra:

# %%
loss_x = lambda v: np.sum(np.correlate(v, w1, mode="valid") * dz1)  # L = Σ z · dz as a function of x
loss_w = lambda v: np.sum(np.correlate(x1, v, mode="valid") * dz1)  # ... and as a function of w
print("dx, numerically:", numerical_gradient(loss_x, x1), "  convolve(dz, w):", np.convolve(dz1, w1))
print("dw, numerically:", numerical_gradient(loss_w, w1), "  correlate(x, dz):", np.correlate(x1, dz1, "valid"))

# %% [markdown]
# To compare two gradients we use the **relative error**
#
# $$\text{rel}(a, b) = \frac{\max |a - b|}{\max |a| + \max |b|},$$
#
# which does not care whether the gradients are large or small. In float64, a correct
# backward pass gives about 1e-10 against central differences; a wrong one gives something
# like 0.1 to 1.

# %% nbval-ignore-output
def relative_error(a, b):
    """max |a − b| relative to the size of a and b (0 when both are 0)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.max(np.abs(a)) + np.max(np.abs(b))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)


print(f"dx, numeric vs formula: {relative_error(numerical_gradient(loss_x, x1), np.convolve(dz1, w1)):.1e}")

# %% [markdown]
# ## 4. Backward through a convolution layer
#
# The layer of chapter 05, on a batch, with stride `s` and padding `p`. Pad the input to
# `x_p` (shape `(m, n_H + 2p, n_W + 2p, n_C_prev)`); then example `n`, output pixel `(i, j)`,
# filter `k` is
#
# $$z[n, i, j, k] = \sum_{u, v, c} x_p[n,\ i s + u,\ j s + v,\ c]\; W[u, v, c, k] + b[k].$$
#
# Apply the rule "every output sends its gradient back to what it was computed from":
#
# - **db.** `b[k]` is added to every output of filter `k`, in every example, with weight 1:
#
#   $$db[k] = \sum_{n, i, j} dz[n, i, j, k].$$
#
# - **dW.** `W[u, v, c, k]` multiplies the input at offset `(u, v)` of every window, for every
#   example, so the window of output `(i, j)` weighted by its `dz`, summed over all windows
#   and all examples:
#
#   $$dW[u, v, c, k] = \sum_{n, i, j} x_p[n,\ i s + u,\ j s + v,\ c]\; dz[n, i, j, k].$$
#
#   The filter is shared by all `m` examples, so their contributions **add up**.
#
# - **dx.** The input value at `(i s + u, j s + v)` was multiplied by `W[u, v, c, k]` to make
#   `z[n, i, j, k]`. Backwards: each output **stamps** its filter, scaled by its gradient,
#   onto the window it came from,
#
#   $$dx_p[n,\ i s + u,\ j s + v,\ c] \mathrel{+}= W[u, v, c, k]\; dz[n, i, j, k],$$
#
#   and **adds** (overlapping windows both contribute to a shared pixel). At the end the
#   padding is cut off again: `dx = dx_p[:, p : p + n_H, p : p + n_W, :]`. The padded zeros
#   were constants, not inputs; their gradients are computed and thrown away.
#
# Stamping the kernel onto the output's position is exactly what a true convolution does
# (chapter 02: convolving an image with a single bright pixel leaves a copy of the kernel,
# while correlating leaves the kernel turned half a turn). The figure sends one impulse
# through each pass with a kernel that has no symmetry:

# %%
kernel = np.array([[3.0, 2.0, 0.0], [2.0, 0.0, 0.0], [1.0, 0.0, -1.0]])[:, :, None, None]
impulse_x = np.zeros((1, 7, 7, 1))
impulse_x[0, 3, 3, 0] = 1.0
z_impulse = conv_forward(impulse_x, kernel, np.zeros(1), stride=1, pad=1)
dz_impulse = np.zeros_like(z_impulse)
dz_impulse[0, 3, 3, 0] = 1.0
dx_impulse, _, _ = conv_backward_autodiff(dz_impulse, impulse_x, kernel, np.zeros(1), stride=1, pad=1)


def show_values(ax, values, title, limit=3.0):
    """A small 2-D array as coloured cells with its numbers written in."""
    ax.imshow(values, cmap="coolwarm", vmin=-limit, vmax=limit)
    for (i, j), value in np.ndenumerate(values):
        if value != 0:
            ax.text(j, i, f"{value:g}", ha="center", va="center", fontsize=9)
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


fig, axes = plt.subplots(1, 4, figsize=(13, 3.6))
show_values(axes[0], kernel[:, :, 0, 0], "the kernel W")
show_values(axes[1], impulse_x[0, :, :, 0], "forward: one bright\ninput pixel x")
show_values(axes[2], z_impulse[0, :, :, 0], "its output z: W turned\nhalf a turn (correlation)")
show_values(axes[3], dx_impulse[0, :, :, 0], "backward: dz = 1 at one\npixel gives dx = W as it is")
fig.suptitle("The forward pass correlates; the backward pass convolves with the same kernel", fontsize=12)
plt.show()

# %% [markdown]
# Stride and padding change only *where* the stamps land. With stride 2, output `(i, j)`
# stamps at `(2i, 2j)`, so neighbouring stamps overlap less, or not at all; with windows that
# do not divide the padded input evenly, the last rows or columns are never stamped and
# their gradient is 0 (they never influenced the output). Stamping a filter of ones with
# `dz` of ones counts how many windows covered each pixel; the dashed frame is what remains
# after cropping the padding:

# %%
x_cover = np.zeros((1, 7, 6, 1))
ones_kernel = np.ones((3, 3, 1, 1))
dz_cover = np.ones(conv_forward(x_cover, ones_kernel, np.zeros(1), stride=2, pad=1).shape)
padded_cover = np.zeros((9, 8))
for i in range(dz_cover.shape[1]):
    for j in range(dz_cover.shape[2]):
        padded_cover[2 * i:2 * i + 3, 2 * j:2 * j + 3] += 1
fig, ax = plt.subplots(figsize=(5, 5))
ax.imshow(padded_cover, cmap="viridis", vmin=0, vmax=4)
for (i, j), value in np.ndenumerate(padded_cover):
    ax.text(j, i, int(value), ha="center", va="center", color="white" if value < 3 else "black")
ax.add_patch(plt.Rectangle((0.5, 0.5), 6, 7, fill=False, edgecolor="white", linestyle="--", linewidth=2))
ax.set_title("7×6 input, pad 1, f = 3, stride 2:\nwindows covering each padded pixel")
ax.set_xticks([])
ax.set_yticks([])
plt.show()
print(f"output {dz_cover.shape[1]}×{dz_cover.shape[2]}: the windows start at padded columns 0, 2 and 4, "
      f"so padded column 7 (the right padding) is never used")

# %% [markdown]
# ### Exercise 2 · `conv_backward(dz, x, W, b, stride, pad)`
#
# Call it with the upstream gradient followed by exactly the arguments of the forward pass.
#
# - **Input:** `dz` of shape `(m, n_H', n_W', n_C)`, the gradient of the loss with respect
#   to the layer's output; `x` `(m, n_H, n_W, n_C_prev)`, `W` `(f, f, n_C_prev, n_C)`, `b`
#   `(n_C,)`, `stride` and `pad`, as given to `conv_forward`.
# - **Output:** the tuple `(dx, dW, db)` of the gradients of the loss with respect to `x`,
#   `W` and `b`.
# - **Example:** with `dz` all ones, `db` counts the outputs of each filter:
#   `conv_backward(np.ones((2, 3, 3, 4)), x, W, b, 1, 0)` for `x` of shape `(2, 5, 5, 3)`
#   and `W` of shape `(3, 3, 3, 4)` returns `db = [18., 18., 18., 18.]` (2 examples × 3 × 3
#   positions), `dx` of shape `(2, 5, 5, 3)` and `dW` of shape `(3, 3, 3, 4)`.
#
# **Contract.** `dz`, `x`, `W` and `b` are float64 or float32 arrays (`x` may also hold
# integers), in any memory layout, and are never modified; `stride ≥ 1` and `pad ≥ 0` are
# ints. Returns `(dx, dW, db)`: float arrays of exactly the shapes of `x`, `W` and `b`. A
# single image (`x` with 3 axes) raises `ValueError` with a message that says to add a batch
# axis; a `dz` whose shape is not the layer's output shape raises `ValueError` naming both
# shapes. The check compares each of `dx`, `dW`, `db` with TensorFlow's automatic
# differentiation, to 1e-9 of the sum of the terms behind each entry (2e-5 when float32 is
# involved), on random batches of awkward sizes: non-square, stride 1, 2 and 3, pad 0, 1 and
# 2, odd and even filters, windows that overlap and windows that leave pixels out.
#
# Loop over the output positions `(i, j)` (and, if you like, over the examples and filters
# too); numpy does the rest. Remember `+=` wherever windows can overlap, and slice with
# `pad:pad + n_H` (with `pad = 0`, `pad:-pad` would be an empty slice). Stuck?
# `check.conv_backward.hint()`.

# %% solution id=conv_backward
def conv_backward(dz, x, W, b, stride=1, pad=0):
    """Gradients (dx, dW, db) of a convolution layer on a batch, given dz = dL/dz."""
    ### BEGIN SOLUTION
    if np.ndim(x) != 4:
        raise ValueError(f"x has shape {np.shape(x)}; conv_backward takes a batch (m, n_H, n_W, n_C): "
                         "add a batch axis with x[None]")
    x, W, dz = np.asarray(x), np.asarray(W), np.asarray(dz)
    m, n_H, n_W, _ = x.shape
    f, n_C = W.shape[0], W.shape[3]
    out_shape = (m, (n_H + 2 * pad - f) // stride + 1, (n_W + 2 * pad - f) // stride + 1, n_C)
    if dz.shape != out_shape:
        raise ValueError(f"dz has shape {dz.shape}, but the layer's output has shape {out_shape}")
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0))).astype(np.float64)
    dxp = np.zeros_like(xp)
    dW = np.zeros(W.shape)
    for i in range(out_shape[1]):
        for j in range(out_shape[2]):
            rows = slice(i * stride, i * stride + f)
            cols = slice(j * stride, j * stride + f)
            g = dz[:, i, j, :]  # (m, n_C): the gradient of every example and filter at (i, j)
            dW += np.einsum("muvc,mk->uvck", xp[:, rows, cols, :], g)  # window × dz, summed over m
            dxp[:, rows, cols, :] += np.einsum("uvck,mk->muvc", W, g)  # stamp W × dz back
    dx = dxp[:, pad:pad + n_H, pad:pad + n_W, :]
    db = dz.sum(axis=(0, 1, 2))
    return dx, dW, db
    ### END SOLUTION

# %% [markdown]
# **Gradient check.** Before the graded check, test your function the way you would test
# any backward pass: a small random case (stride 2, pad 1, so every complication is there),
# the loss `L = Σ conv_forward(x, W, b) · dz`, and `numerical_gradient` for each of `x`,
# `W` and `b`. All three relative errors should be around 1e-10 or smaller.

# %% nbval-ignore-output
rng = np.random.default_rng(7)
x_check, W_check, b_check = rng.normal(size=(2, 5, 4, 3)), rng.normal(size=(3, 3, 3, 2)), rng.normal(size=2)
dz_check = rng.normal(size=conv_forward(x_check, W_check, b_check, 2, 1).shape)


def conv_loss(x_, W_, b_):
    return np.sum(conv_forward(x_, W_, b_, 2, 1) * dz_check)


dx, dW, db = conv_backward(dz_check, x_check, W_check, b_check, 2, 1)
numeric = {"dx": numerical_gradient(lambda v: conv_loss(v, W_check, b_check), x_check),
           "dW": numerical_gradient(lambda v: conv_loss(x_check, v, b_check), W_check),
           "db": numerical_gradient(lambda v: conv_loss(x_check, W_check, v), b_check)}
for name, analytic in [("dx", dx), ("dW", dW), ("db", db)]:
    error = relative_error(analytic, numeric[name])
    print(f"{name}: shape {np.shape(analytic)}, relative error {error:.1e}  {'✔' if error < 1e-7 else '✘'}")

# %% test id=conv_backward_test points=4
check.conv_backward(conv_backward)
### BEGIN HIDDEN TESTS
check.conv_backward(conv_backward, seed=7007)
_x = np.arange(150, dtype=float).reshape(2, 5, 5, 3) / 10
_dx, _dW, _db = conv_backward(np.ones((2, 3, 3, 4)), _x, np.ones((3, 3, 3, 4)), np.zeros(4), 1, 0)
assert np.allclose(_db, [18.0, 18.0, 18.0, 18.0]) and np.shape(_dx) == (2, 5, 5, 3) and np.shape(_dW) == (3, 3, 3, 4)
### END HIDDEN TESTS

# %% [markdown]
# TensorFlow computes the same gradients by **automatic differentiation**: it records the
# forward computation and applies the chain rule to each recorded operation, which is how
# Keras trains every network in chapter 08. Yours agree with it:

# %% nbval-ignore-output
auto_dx, auto_dW, auto_db = conv_backward_autodiff(dz_check, x_check, W_check, b_check, 2, 1)
print("relative errors vs TensorFlow:", f"dx {relative_error(dx, auto_dx):.1e},",
      f"dW {relative_error(dW, auto_dW):.1e},", f"db {relative_error(db, auto_db):.1e}")

# %% [markdown]
# ## 5. Backward through pooling
#
# A pooling layer has no weights, so its backward pass only computes `dx`, and the rule is
# the same: every output sends its gradient back to the inputs it was computed from,
# weighted by how much each counted.
#
# - **Max pooling.** The output of a window *is* its largest input; the other inputs did not
#   count at all (nudge them a little and the output does not move). So the whole gradient
#   goes to the cell that held the maximum, a **mask** with one 1 per window, and every other
#   cell gets 0. Pooling routes gradients; it does not spread them.
# - **Average pooling.** Every one of the `f·f` cells counted `1/(f·f)`, so each gets
#   `da / (f·f)`.
#
# When windows overlap (stride smaller than `f`), one cell can be the maximum of several
# windows and collects all their gradients. The lecture's 5×5 map with 3×3 windows and
# stride 1 has a striking case: the 200 is the maximum of four windows.

# %%
lecture_map = np.array([[0, 0, 25, 14, 82], [149, 32, 31, 0, 0], [111, 200, 20, 135, 10],
                        [28, 53, 20, 64, 44], [39, 120, 210, 13, 99]], dtype=float)
pooled = pool_forward(lecture_map[None, :, :, None], 3, 1, "max")[0, :, :, 0]
print("max pooled (3×3, stride 1):\n", pooled)

# %% [markdown]
# A second subtlety: **ties**. If two cells of a window share the maximum, which one gets
# the gradient? Mathematically the max is not differentiable there; any split of the
# gradient between the tied cells is a valid choice. Frameworks pick one cell: TensorFlow
# gives everything to the *first* maximum in row-major order, the cell `np.argmax` finds,
# and so does this course. Finite differences show why a gradient check cannot settle it: at
# a tie, nudging either cell up raises the max by `h`, nudging it down changes nothing, so
# the central difference gives each tied cell one half:

# %%
tie = np.array([[3.0, 3.0], [1.0, 0.0]])[None, :, :, None]
print("window:\n", tie[0, :, :, 0])
print("numerical gradient of its max:\n",
      numerical_gradient(lambda v: pool_forward(v, 2, 2, "max").sum(), tie)[0, :, :, 0])

# %% [markdown]
# So gradient checks of max pooling use random real numbers, where ties do not happen; the
# graded check also tests ties, against TensorFlow's rule.
#
# ### Exercise 3 · `pool_backward(da, x, f, s, mode)`
#
# - **Input:** `da` of shape `(m, n_H', n_W', n_C)`, the gradient of the loss with respect
#   to the pooled output; then the arguments of the forward pass: `x` `(m, n_H, n_W, n_C)`,
#   window size `f`, stride `s`, and `mode`, `"max"` or `"average"`.
# - **Output:** `dx`, an array of `x`'s shape.
# - **Example:** for the lecture's map with `da` all ones,
#   `pool_backward(np.ones((1, 3, 3, 1)), lecture_map[None, :, :, None], 3, 1, "max")[0, :, :, 0]`
#   has a 4 where the 200 is (row 2, column 1), a 3 at the 210, a 2 at the 135, and zeros
#   wherever a cell was never a maximum.
#
# **Contract.** `da` and `x` are float64 or float32 arrays (`x` may hold integers), any
# memory layout, never modified. Returns a float array of `x`'s shape. Max: each window's
# gradient goes entirely to its maximum, the first one in row-major order when several cells
# tie (what `np.argmax` picks); average: each cell of a window gets `da / (f·f)`; in both
# modes the contributions of overlapping windows add up, and cells no window covers get 0.
# Pooling works on each channel and each example separately. A `mode` other than `"max"` or
# `"average"` raises `ValueError`; so does a single image (say to add a batch axis) and a
# `da` whose shape is not the pooled shape (name both shapes). The check compares with
# TensorFlow's gradients on the lecture's maps, on maps full of ties, with overlapping
# windows, windows with gaps between them, sizes the stride does not divide, and float32.
#
# Stuck? `check.pool_backward.hint()`.

# %% solution id=pool_backward
def pool_backward(da, x, f, s, mode="max"):
    """Gradient dx of a max or average pooling layer on a batch, given da = dL/da."""
    ### BEGIN SOLUTION
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', not {mode!r}")
    if np.ndim(x) != 4:
        raise ValueError(f"x has shape {np.shape(x)}; pool_backward takes a batch (m, n_H, n_W, n_C): "
                         "add a batch axis with x[None]")
    x, da = np.asarray(x), np.asarray(da)
    m, n_H, n_W, n_C = x.shape
    out_shape = (m, (n_H - f) // s + 1, (n_W - f) // s + 1, n_C)
    if da.shape != out_shape:
        raise ValueError(f"da has shape {da.shape}, but the pooled output has shape {out_shape}")
    dx = np.zeros(x.shape)
    for i in range(out_shape[1]):
        for j in range(out_shape[2]):
            rows, cols = slice(i * s, i * s + f), slice(j * s, j * s + f)
            g = da[:, i, j, :]  # (m, n_C)
            if mode == "average":
                dx[:, rows, cols, :] += g[:, None, None, :] / (f * f)
                continue
            window = x[:, rows, cols, :].reshape(m, f * f, n_C)  # cells in row-major order
            mask = np.zeros(window.shape)
            np.put_along_axis(mask, window.argmax(axis=1)[:, None, :], 1.0, axis=1)  # first maximum
            dx[:, rows, cols, :] += (mask * g[:, None, :]).reshape(m, f, f, n_C)
    return dx
    ### END SOLUTION

# %% [markdown]
# **Gradient check** on random real numbers (no ties), with overlapping windows:

# %% nbval-ignore-output
rng = np.random.default_rng(11)
x_pool = rng.normal(size=(2, 7, 6, 3))
for mode in ("max", "average"):
    da_pool = rng.normal(size=pool_forward(x_pool, 3, 2, mode).shape)
    analytic = pool_backward(da_pool, x_pool, 3, 2, mode)
    numeric = numerical_gradient(lambda v: np.sum(pool_forward(v, 3, 2, mode) * da_pool), x_pool)
    error = relative_error(analytic, numeric)
    print(f"{mode:>7}: relative error {error:.1e}  {'✔' if error < 1e-7 else '✘'}")

# %% test id=pool_backward_test points=3
check.pool_backward(pool_backward)
### BEGIN HIDDEN TESTS
check.pool_backward(pool_backward, seed=7070)
_dx = np.asarray(pool_backward(np.ones((1, 3, 3, 1)), lecture_map[None, :, :, None], 3, 1, "max"))[0, :, :, 0]
assert _dx[2, 1] == 4 and _dx[4, 2] == 3 and _dx[2, 3] == 2 and _dx.sum() == 9
### END HIDDEN TESTS

# %% [markdown]
# Where do the gradients of the lecture's map go? With `da` all ones, max pooling sends each
# of the nine windows' gradient to one cell; average pooling spreads each over nine cells,
# so the middle of the map, covered by all nine windows, collects the most.

# %%
ones = np.ones((1, 3, 3, 1))
routed_max = pool_backward(ones, lecture_map[None, :, :, None], 3, 1, "max")[0, :, :, 0]
routed_avg = pool_backward(ones, lecture_map[None, :, :, None], 3, 1, "average")[0, :, :, 0]
fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
panels = [(lecture_map, "the lecture's 5×5 map x", "Greys", "{:g}"),
          (routed_max, "max: dx for da = 1 everywhere", "Oranges", "{:g}"),
          (routed_avg, "average: dx for da = 1 everywhere", "Blues", "{:.2f}")]
for ax, (values, title, cmap, fmt) in zip(axes, panels):
    ax.imshow(values, cmap=cmap)
    for (i, j), value in np.ndenumerate(values):
        ax.text(j, i, fmt.format(value), ha="center", va="center",
                color="white" if value > 0.6 * values.max() else "black")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("Pooling backward, 3×3 windows, stride 1: max routes, average spreads", fontsize=12)
plt.show()

# %% [markdown]
# The 200 receives 4, the 210 gets 3, the 135 gets 2; everything that never won a window
# gets nothing, and will not change in the next training step. Both maps add up to 9, one
# unit of gradient per output, as they must: pooling passes gradient on, it neither creates
# nor loses any.
#
# ## 6. Learning a kernel
#
# The lecture's last slide on filters shows two 3×3 kernels: random weights, and the weights
# after learning, `[-1, 2, -1]` in every row. Chapter 03 designed such filters by hand. Here
# a kernel learns itself: we show the layer input images `x` and the output images `y` that
# the unknown kernel makes from them, and gradient descent has to find the kernel.
#
# The recipe, for a layer with one filter:
#
# 1. forward: `z = conv_forward(x, W, b)`;
# 2. loss: the mean squared error `L = ½ · mean((z − y)²)`, which is 0 only when every
#    output pixel is right;
# 3. backward: `dz = (z − y) / N` (with `N = z.size`), then `dW, db` from your
#    `conv_backward`;
# 4. step: `W ← W − lr · dW`, `b ← b − lr · db`, with a learning rate `lr`; repeat.
#
# The training images are 8 patches of scikit-image's *grass* photo, scaled to mean 0 and
# standard deviation 1. (Section 6.2 explains why a texture and not a smooth photo.) The
# cell below uses your `conv_backward` if it passes its check, and TensorFlow's otherwise.

# %%
backward = working_conv_backward(conv_backward)

grass = sample_image("grass")[::2, ::2].astype(float)
corners = np.random.default_rng(2024).integers(0, grass.shape[0] - 24, size=(8, 2))
x_train = np.stack([grass[r:r + 24, c:c + 24] for r, c in corners])[..., None]  # (8, 24, 24, 1)
x_train = (x_train - x_train.mean()) / x_train.std()

lecture_random = np.array([[0.5, 1.1, -1.6], [-1.0, 0.1, -0.6], [1.0, 0.3, -1.9]])  # seed 004
lecture_learned = np.array([[-1.0, 2.0, -1.0], [-1.0, 2.0, -1.0], [-1.0, 2.0, -1.0]])
y_train = conv_forward(x_train, lecture_learned[:, :, None, None], np.zeros(1))
print("inputs", x_train.shape, "→ targets", y_train.shape)


def train_kernel(x, y, W, lr, steps, backward):
    """Gradient descent on L = ½·mean((conv(x, W, b) − y)²); returns W, b and the history."""
    W, b = np.array(W, dtype=float), np.zeros(W.shape[3])
    losses, kernels = [], [W[:, :, 0, 0].copy()]
    for _ in range(steps):
        z = conv_forward(x, W, b)
        losses.append(0.5 * np.mean((z - y) ** 2))
        _, dW, db = backward((z - y) / z.size, x, W, b, 1, 0)
        W, b = W - lr * dW, b - lr * db
        kernels.append(W[:, :, 0, 0].copy())
    return W, b, np.array(losses), kernels


steps = 30 if quick() else 60
W_learned, b_learned, losses, kernels = train_kernel(x_train, y_train, lecture_random[:, :, None, None],
                                                     lr=0.5, steps=steps, backward=backward)

# %% nbval-ignore-output
print(f"{steps} steps: loss {losses[0]:.3f} → {losses[-1]:.2e}")
print("learned kernel:\n", W_learned[:, :, 0, 0].round(3))
print(f"learned bias: {b_learned[0]:.1e} (the true one is 0)")

# %% [markdown]
# The loss falls by a constant factor per step, a straight line on a logarithmic axis, and
# the kernel walks from the lecture's random numbers to its learned ones:

# %%
def show_kernel_row(axes, kernels, titles, limit=2.0):
    """Kernels as small coloured grids with their values, one per axis, each titled."""
    for ax, values, title in zip(axes, kernels, titles):
        ax.imshow(values, cmap="coolwarm", vmin=-limit, vmax=limit)
        for (i, j), value in np.ndenumerate(values):
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=9)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])


snapshots = [0, 1, 2, 4, 8, 16, steps]
fig = plt.figure(figsize=(15, 6.2))
grid = fig.add_gridspec(2, len(snapshots), height_ratios=[1.3, 1])
ax = fig.add_subplot(grid[0, :])
ax.semilogy(range(len(losses)), losses, "o-", markersize=3)
ax.semilogy(snapshots[:-1], losses[snapshots[:-1]], "o", color="tab:red", markersize=7, label="shown below")
ax.set_xlabel("gradient descent step")
ax.set_ylabel("loss (log scale)")
ax.set_title("Learning the lecture's [-1, 2, -1] kernel from input/output images (lr = 0.5)")
ax.legend()
show_kernel_row([fig.add_subplot(grid[1, k]) for k in range(len(snapshots))],
                [kernels[k] for k in snapshots], [f"step {k}" for k in snapshots])
plt.show()

# %% [markdown]
# Nobody told the layer what a "vertical line detector" is; the pairs of images did, through
# the gradient. The same procedure recovers a Sobel filter, starting from random numbers this
# time:

# %%
sobel = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
y_sobel = conv_forward(x_train, sobel[:, :, None, None], np.zeros(1))
W_start = np.random.default_rng(4).normal(size=(3, 3, 1, 1))
W_sobel, _, losses_sobel, kernels_sobel = train_kernel(x_train, y_sobel, W_start, lr=0.5, steps=steps,
                                                       backward=backward)
fig, axes = plt.subplots(1, 4, figsize=(11, 3))
show_kernel_row(axes, [kernels_sobel[0], kernels_sobel[4], kernels_sobel[-1], sobel],
                ["random start", "after 4 steps", f"after {steps} steps", "the true Sobel kernel"])
fig.suptitle("Gradient descent finds the Sobel kernel again", fontsize=12)
plt.show()

# %% nbval-ignore-output
print(f"largest difference from the Sobel kernel after {steps} steps: {np.abs(W_sobel[:, :, 0, 0] - sobel).max():.1e}")

# %% [markdown]
# ### 6.1 The learning rate
#
# Each step moves the kernel by `lr · dW`. Too small, and training crawls; too large, and
# each step overshoots the minimum by more than it corrected, so the loss grows without
# bound. Three runs from the same start:

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for lr, colour in [(0.05, "tab:blue"), (0.5, "tab:green"), (0.7, "tab:red")]:
    _, _, curve, _ = train_kernel(x_train, y_train, lecture_random[:, :, None, None], lr=lr, steps=steps,
                                  backward=backward)
    ax.semilogy(curve, color=colour, label=f"lr = {lr}")
ax.set_ylim(1e-12, 1e6)
ax.set_xlabel("gradient descent step")
ax.set_ylabel("loss (log scale)")
ax.set_title("Too small crawls, too large diverges")
ax.legend()
plt.show()

# %% [markdown]
# ### 6.2 Why a texture: the shape of the loss
#
# Try the same with patches of the smooth *camera* photo and training slows to a crawl.
# Neighbouring pixels of a smooth photo are nearly equal, so many different kernels produce
# nearly the same output images: along those directions the loss is almost flat, and its
# gradient is tiny. Meanwhile, along the direction "all weights up together" the loss is so
# steep that a larger learning rate would diverge. Gradient descent must take the small
# steps the steep direction allows while the flat directions barely move. A texture like
# grass varies from pixel to pixel, the loss is a round bowl, and every direction converges
# at the same speed.

# %%
camera = sample_image("camera")[::4, ::4].astype(float)
corners_smooth = np.random.default_rng(2025).integers(0, camera.shape[0] - 24, size=(8, 2))
x_smooth = np.stack([camera[r:r + 24, c:c + 24] for r, c in corners_smooth])
x_smooth = ((x_smooth - x_smooth.mean()) / x_smooth.std())[..., None]
y_smooth = conv_forward(x_smooth, lecture_learned[:, :, None, None], np.zeros(1))
_, _, curve_smooth, _ = train_kernel(x_smooth, y_smooth, lecture_random[:, :, None, None], lr=0.2,
                                     steps=steps, backward=backward)
fig, ax = plt.subplots(figsize=(7, 4))
ax.semilogy(losses, label="grass patches (lr = 0.5)")
ax.semilogy(curve_smooth, label="camera patches (lr = 0.2; at 0.25 it diverges)")
ax.set_xlabel("gradient descent step")
ax.set_ylabel("loss (log scale)")
ax.set_title("Same kernel, same start: smooth images make a badly shaped loss")
ax.legend()
plt.show()

# %% [markdown]
# This is the everyday difficulty of training networks, and the reason for the tools chapter
# 08 uses: inputs scaled to a standard range, batch normalisation inside the network, and
# optimisers such as Adam that adapt the step to each direction.
#
# ### 6.3 From here to chapter 08
#
# A CNN trained on digits does exactly this, with two differences. It has many layers, and
# each layer's `conv_backward` hands its `dx` to the layer before it (through the ReLU and
# pooling backward passes), so the gradient reaches every filter of every layer. And nobody
# supplies target *images*: the loss compares the network's final answer with the digit's
# label, and each filter becomes whatever helps that answer. Chapter 08 shows the filters
# its network learns, random at first and then edge and stroke detectors, like the kernels
# above.
#
# ## Recap
#
# - A backward pass receives `dz = ∂L/∂z` and returns the gradients of the layer's inputs and
#   parameters, each with the shape of what it is the gradient of. The rule: every output
#   sends its gradient back to the numbers it was computed from, weighted by how much each
#   counted; contributions add up.
# - Numerical gradients by central differences, `(f(x + h e_i) − f(x − h e_i)) / (2h)` with
#   `h ≈ 1e-5` in float64, are accurate to about ten digits and test any backward pass; use
#   `L = Σ z · dz` with a random `dz` to test a layer alone.
# - Convolution: `db` sums `dz` over the batch and all positions; `dW` sums window × `dz` over
#   the batch and all positions (the filter is shared); `dx` stamps `W · dz` back onto each
#   window at `(i·s, j·s)`, adds where windows overlap, and crops the padding. The forward
#   pass is a correlation, so the backward pass is a *convolution* with the same kernel:
#   kernels without symmetry expose a backward pass that forgot it.
# - Pooling: max routes each window's gradient to its maximum (the first one at a tie, as
#   TensorFlow does), average spreads `da / (f·f)`; overlapping windows add up, uncovered
#   cells get 0. Ties make the max non-differentiable, so gradient checks use random inputs.
# - Gradient descent with your `conv_backward` learned the lecture's `[-1, 2, -1]` kernel
#   from its random weights, and a Sobel kernel from random numbers, from input/output
#   images alone. The learning rate must be small enough not to diverge, and smooth inputs
#   make a badly shaped loss that converges slowly.
