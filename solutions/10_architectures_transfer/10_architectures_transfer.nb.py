# %% [markdown]
# # 10 · Architectures and transfer learning
#
# Every network of this course so far had a handful of layers. The networks that marked the
# history of image classification grew from LeNet's five weight layers (1998) to AlexNet's
# eight (2012), VGG16's sixteen (2014) and ResNet50's fifty (2015), the last three trained
# on ImageNet's 1.2 million photos in 1,000 classes. This chapter reads those four architectures the way chapter 06 read a small CNN,
# as tables of layers, shapes and parameters, and adds one more column: how much of the
# image each unit can see. Then it looks at the two building blocks that made depth
# affordable, 1×1 convolutions and residual connections, and ends with the most useful
# trick in practice: **transfer learning**, reusing a trained network for a new task. We do
# it for real, offline, with the digits of this course: a network trained on handwritten
# MNIST digits learns to read the printed Sudoku digits of chapter 09 from a few examples.
#
# **You will be able to**
#
# - compute the receptive field of a stack of convolution and pooling layers, and explain
#   why two 3×3 layers can replace a 5×5 one;
# - read LeNet-5, AlexNet, VGG16 and ResNet50 as tables of layers, output shapes,
#   parameters and receptive fields, built with Keras (`keras.applications` with
#   `weights=None`, so nothing is downloaded);
# - say what a 1×1 convolution does to the channels, and count its parameters and
#   multiplications;
# - count the parameters of a residual bottleneck block, and show with a measurement why
#   the skip connection helps gradients reach the first layers;
# - reuse a trained convolutional base, frozen and then fine-tuned, and compare it with
#   training from scratch on accuracy and time.
#
# **Time:** about 90 minutes. **Graded exercises:** 2 (`receptive_field`,
# `bottleneck_params`). Each has a check you can run as often as you like; stuck? run
# `check.NAME.hint()` in a new cell, once per hint.
#
# Conventions as before: channels last, padding `p` per side, output sizes
# ⌊(n + 2p − f)/s⌋ + 1. A layer's window is `f × f` and its stride `s`; for pooling layers
# too.

# %%
from autograder import check  # first: it also keeps TensorFlow's start-up log quiet

import gc
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras import layers

from autograder.runtime import quick

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Receptive fields
#
# A unit of the first convolution layer sees an `f × f` patch of the image. A unit of the
# second layer sees `f × f` units of the first, and each of those sees its own patch, so the
# second layer's unit sees a larger patch of the image. That patch is the unit's
# **receptive field**. It is what a layer *can* respond to: an object larger than the
# receptive field of the last layer can never be seen whole.
#
# Count it along one side, from the input upwards, with two numbers per layer:
#
# - `r`, the receptive field: how many input pixels one unit of this layer sees;
# - `j`, the **jump**: how many input pixels apart two neighbouring units of this layer are.
#
# At the input, a unit is a pixel: `r = 1`, `j = 1`. A layer with window `f` and stride `s`
# puts `f` neighbouring units of its input under one window: those reach `f − 1` steps of
# `j` input pixels beyond the first; and its own units are `s` of its input's units apart,
# that is `s·j` input pixels:
#
# $$r \leftarrow r + (f - 1)\, j, \qquad j \leftarrow j \cdot s.$$
#
# (Update `r` with the old `j`, then `j`.) Padding shifts windows but does not change `r`
# or `j`. The figure follows one unit of a three-layer 1-D stack down to the input.

# %%
def draw_cone(ax, stack, width, title):
    """Rows of units, input at the bottom; shade everything the top unit depends on."""
    sizes = [width]
    for f, s in stack:
        sizes.append((sizes[-1] - f) // s + 1)
    level_units = [set(range(sizes[-1] // 2, sizes[-1] // 2 + 1))]  # the middle unit of the top layer
    for f, s in reversed(stack):
        level_units.append({i * s + u for i in level_units[-1] for u in range(f)})
    level_units = level_units[::-1]
    jumps = np.cumprod([1] + [s for _, s in stack])
    for level, n_units in enumerate(sizes):
        offset = (sum((f - 1) * j for (f, _), j in zip(stack[:level], jumps[:level]))) / 2
        for i in range(n_units):
            x = offset + i * jumps[level]
            used = i in level_units[level]
            ax.add_patch(plt.Rectangle((x - 0.4, level - 0.3), 0.8, 0.6, color="tab:orange" if used else "0.85"))
    ax.set_xlim(-1, width)
    ax.set_ylim(-0.6, len(sizes) - 0.4)
    ax.set_yticks(range(len(sizes)), ["input"] + [f"f={f}, s={s}" for f, s in stack])
    ax.set_xticks([])
    ax.set_title(title)


fig, axes = plt.subplots(1, 2, figsize=(13, 3.2))
draw_cone(axes[0], [(3, 1), (3, 1), (3, 1)], 15, "three 3-wide layers, stride 1: r = 1 + 2 + 2 + 2 = 7")
draw_cone(axes[1], [(3, 1), (3, 2), (3, 1)], 15, "the middle one with stride 2: r = 1 + 2 + 2 + 2·2 = 9")
plt.show()

# %% [markdown]
# With stride 1 every layer adds `f − 1` pixels. After a stride-2 layer, one step in the
# next layer is two input pixels, so the same 3-wide window adds 4 pixels: strides and
# pooling make receptive fields grow fast.
#
# The lecture's three-layer network (chapter 05: 3×3 stride 1, 5×5 stride 2, 7×7 stride 2)
# is a worked example: `r` goes 1 → 3 → 7 → 19, `j` goes 1 → 1 → 2 → 4. One unit of its
# 12×12×32 output sees a 19×19 patch of the 64×64 image.
#
# ### Exercise 1 · `receptive_field(layers)`
#
# - **Input:** `layers`, a sequence of `(f, s)` pairs, one per convolution or pooling layer,
#   from the input upwards.
# - **Output:** the receptive field `r` of one unit of the last layer, in input pixels along
#   one side, as an int.
# - **Example:** `receptive_field([(3, 1), (5, 2), (7, 2)])` returns `19`;
#   `receptive_field([(3, 1), (3, 1)])` returns `5`; `receptive_field([])` returns `1`.
#
# **Contract.** `layers` may be a list or tuple of tuples or lists, or an integer numpy array
# of shape `(L, 2)`; it is never modified. Returns a whole number (an int). A layer that is
# not a pair, or has `f < 1` or `s < 1`, raises `ValueError`. The check uses the worked
# values of this chapter (the lecture's network 19, LeNet-5 32, AlexNet 195, VGG16 212) and
# random stacks with mixed strides.
#
# Stuck? `check.receptive_field.hint()`.

# %% solution id=receptive_field
def receptive_field(layers):
    """Receptive field (input pixels along one side) of one unit of the last of `layers`, (f, s) pairs."""
    ### BEGIN SOLUTION
    r, j = 1, 1
    for f, s in layers:  # a layer that is not a pair raises ValueError here
        if f < 1 or s < 1:
            raise ValueError(f"window and stride must be at least 1, got f={f}, s={s}")
        r += (f - 1) * j  # the new window spans f - 1 steps of the input's jump
        j *= s
    return int(r)
    ### END SOLUTION

# %% test id=receptive_field_test points=3
check.receptive_field(receptive_field)
### BEGIN HIDDEN TESTS
check.receptive_field(receptive_field, seed=1010)
assert receptive_field([(3, 1), (5, 2), (7, 2)]) == 19
assert receptive_field([(3, 1)] * 3) == 7
### END HIDDEN TESTS

# %% [markdown]
# **Why VGG uses only 3×3 filters.** Two 3×3 layers see 5×5, three see 7×7, like one 5×5 or
# 7×7 layer. With `c` channels in and out, the stack is cheaper and has a ReLU between its
# layers, so it can compute more kinds of functions:

# %%
c = 256
for n_layers, big in [(2, 5), (3, 7)]:
    stacked, single = n_layers * 3 * 3 * c * c, big * big * c * c
    print(f"{n_layers} × 3×3: receptive field {receptive_field([(3, 1)] * n_layers)}, weights {stacked:,}"
          f"   vs one {big}×{big}: receptive field {receptive_field([(big, 1)])}, weights {single:,}"
          f"  ({single / stacked:.2f}× more)")

# %% [markdown]
# ## 2. Four architectures as tables
#
# Chapter 06 described a network by a table: each layer's output shape and parameters. We
# add each layer's receptive field, computed with your `receptive_field` on the layers so
# far, and build the networks with Keras. `layer_table` prints one row per layer that has a
# window or weights (activations, flattening and padding layers change neither); Keras
# counts the parameters, your function the receptive fields.

# %%
def window_of(layer):
    """(f, s) of a convolution or pooling layer, None for any other layer."""
    if isinstance(layer, layers.Conv2D):
        return layer.kernel_size[0], layer.strides[0]
    if isinstance(layer, (layers.MaxPooling2D, layers.AveragePooling2D)):
        return layer.pool_size[0], layer.strides[0]
    return None


def multiply_adds(model):
    """Multiplications of one forward pass: H'·W'·c_out·f·f·c_in per convolution, n_in·n_out per dense layer."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            _, height, width, _ = layer.output.shape
            total += height * width * int(np.prod(layer.kernel.shape))
        elif isinstance(layer, layers.Dense):
            total += int(np.prod(layer.kernel.shape))
    return total


def layer_table(model):
    """Print each layer with a window or weights: output shape, parameters, receptive field (rows
    after the last spatial layer see the whole image). Returns the receptive field of the last
    convolution or pooling layer."""
    stack = []
    print(f"{'layer':<14}{'window':>10}{'output shape':>18}{'parameters':>14}{'receptive field':>17}")
    for layer in model.layers:
        window = window_of(layer)
        if window is None and layer.count_params() == 0:
            continue
        if window is not None:
            stack.append(window)
        shape = "×".join(str(n) for n in layer.output.shape[1:])
        where = f"{window[0]}×{window[0]} /{window[1]}" if window else ""
        field = f"{receptive_field(stack)}×{receptive_field(stack)}" if window else "all"
        print(f"{layer.name:<14}{where:>10}{shape:>18}{layer.count_params():>14,}{field:>17}")
    print(f"{'total':<14}{'':>10}{'':>18}{model.count_params():>14,}")
    return receptive_field(stack)


architectures = {}  # name → summary numbers, for the comparison at the end


def summarize(name, year, model, last_field):
    dense = sum(layer.count_params() for layer in model.layers if isinstance(layer, layers.Dense))
    architectures[name] = {"year": year, "input": "×".join(str(n) for n in model.input_shape[1:]),
                           "conv": sum(isinstance(layer, layers.Conv2D) for layer in model.layers),
                           "dense": sum(isinstance(layer, layers.Dense) for layer in model.layers),
                           "params": model.count_params(), "in dense": dense / model.count_params(),
                           "madds": multiply_adds(model), "field": last_field}

# %% [markdown]
# ### LeNet-5 (LeCun et al., 1998)
#
# The network the lecture's LeNet-style table (chapter 06) was modelled on: grey 32×32
# digits, two convolution + subsampling stages, then 120, 84 and 10 units. LeNet used
# average pooling ("subsampling") and tanh; its layer C5 is a 5×5 convolution that happens
# to cover its whole 5×5 input, so it works like a dense layer. (The original C3 connected
# each of its 16 maps to only some of the 6 maps below, to save computation in 1998; like
# most reimplementations we connect them all.)

# %%
lenet = keras.Sequential([
    keras.Input((32, 32, 1)),
    layers.Conv2D(6, 5, activation="tanh", name="C1"),
    layers.AveragePooling2D(2, name="S2"),
    layers.Conv2D(16, 5, activation="tanh", name="C3"),
    layers.AveragePooling2D(2, name="S4"),
    layers.Conv2D(120, 5, activation="tanh", name="C5"),
    layers.Flatten(),
    layers.Dense(84, activation="tanh", name="F6"),
    layers.Dense(10, activation="softmax", name="output"),
], name="LeNet-5")
summarize("LeNet-5", 1998, lenet, layer_table(lenet))

# %% [markdown]
# C5's units see all 32×32 pixels: by the last convolution, every unit looks at the whole
# digit.
#
# ### AlexNet (Krizhevsky, Sutskever and Hinton, 2012)
#
# The network that won ImageNet 2012 by a wide margin and started the deep learning era:
# 227×227 colour photos, an 11×11 first layer with stride 4, ReLU instead of tanh, max
# pooling with overlapping 3×3 windows, dropout, and two GPUs. Below is the single-stream
# version usually rebuilt today (the original split three layers between its two GPUs and
# had about 61 million parameters).

# %%
alexnet = keras.Sequential([
    keras.Input((227, 227, 3)),
    layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1"),
    layers.MaxPooling2D(3, strides=2, name="pool1"),
    layers.Conv2D(256, 5, padding="same", activation="relu", name="conv2"),
    layers.MaxPooling2D(3, strides=2, name="pool2"),
    layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3"),
    layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4"),
    layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5"),
    layers.MaxPooling2D(3, strides=2, name="pool5"),
    layers.Flatten(),
    layers.Dense(4096, activation="relu", name="fc6"),
    layers.Dropout(0.5),
    layers.Dense(4096, activation="relu", name="fc7"),
    layers.Dropout(0.5),
    layers.Dense(1000, activation="softmax", name="fc8"),
], name="AlexNet")
summarize("AlexNet", 2012, alexnet, layer_table(alexnet))
del alexnet  # 62 million random numbers: free them before the next model

# %% [markdown]
# Almost all of AlexNet's parameters sit in its three dense layers, fc6 alone holding 38
# million; the five convolutions, which do the seeing, have 3.7 million.
#
# ### VGG16 (Simonyan and Zisserman, 2014)
#
# VGG's idea: only 3×3 convolutions (stride 1, "same" padding) and 2×2 max pooling, in five
# blocks that halve the size and double the channels, 64 up to 512. Keras ships it:
# `keras.applications.VGG16(weights=None)` builds the architecture with random weights and
# downloads nothing.

# %%
vgg16 = keras.applications.VGG16(weights=None)
summarize("VGG16", 2014, vgg16, layer_table(vgg16))
del vgg16
_ = gc.collect()  # frees the network before the next one is built

# %% [markdown]
# Thirteen 3×3 layers and five poolings reach a 212×212 receptive field on a 224×224 input,
# with 14.7 million convolution weights; the three dense layers add 124 million more.
#
# ### ResNet50 (He, Zhang, Ren and Sun, 2015)
#
# Fifty layers: a 7×7 stride-2 convolution and a max pooling, then sixteen **residual
# blocks** in four stages (section 4 opens one up), then a global average pooling that
# replaces VGG's huge dense layers by one average per channel, and a single dense layer.
# Its layers form a graph, not a chain: every block has a second path, the shortcut, that
# skips its convolutions. Where two paths meet, a unit sees what either path sees, so the
# receptive field there is the larger of the two. `graph_receptive_fields` applies your rule
# along the graph, and the table sums each stage.

# %%
def inputs_of(layer_config):
    """Names of the layers whose outputs feed this layer, from Keras' model configuration."""
    names = []

    def walk(item):
        if isinstance(item, dict):
            if item.get("class_name") == "__keras_tensor__":
                names.append(item["config"]["keras_history"][0])
            for value in item.values():
                walk(value)
        elif isinstance(item, (list, tuple)):
            for value in item:
                walk(value)

    walk(layer_config.get("inbound_nodes", []))
    return names


def graph_receptive_fields(model):
    """(r, j) at every layer's output, following the layer graph; where paths meet, the larger r."""
    configs = {config["name"]: config for config in model.get_config()["layers"]}
    state = {}
    for layer in model.layers:
        parents = inputs_of(configs[layer.name])
        r, j = (max(state[p][0] for p in parents), state[parents[0]][1]) if parents else (1, 1)
        window = window_of(layer)
        if window is not None:
            f, s = window
            r, j = r + (f - 1) * j, j * s
        state[layer.name] = (r, j)
    return state


resnet50 = keras.applications.ResNet50(weights=None)
fields = graph_receptive_fields(resnet50)
stages = {}
for layer in resnet50.layers[1:]:
    stage = layer.name.split("_")[0]  # conv1, pool1, conv2, ..., avg, predictions
    stages.setdefault(stage, []).append(layer)
print(f"{'stage':<12}{'layers':>8}{'blocks':>8}{'output shape':>18}{'parameters':>14}{'receptive field':>17}")
for stage, members in stages.items():
    blocks = len({m.name.split("_")[1] for m in members if "block" in m.name})
    shape = "×".join(str(n) for n in members[-1].output.shape[1:])
    params = sum(m.count_params() for m in members)
    r = fields[members[-1].name][0]
    field = f"{r}×{r}" if members[-1].name not in ("avg_pool", "predictions") else "all"
    weighted = sum(isinstance(m, (layers.Conv2D, layers.Dense)) for m in members)
    print(f"{stage:<12}{weighted:>8}{blocks or '':>8}{shape:>18}{params:>14,}{field:>17}")
print(f"{'total':<12}{'':>8}{'':>8}{'':>18}{resnet50.count_params():>14,}")
summarize("ResNet50", 2015, resnet50, fields["conv5_block3_out"][0])

# %% [markdown]
# (The 50 of the name counts the convolutions on the main path plus the dense layer; the
# four 1×1 convolutions on the shortcuts of the first block of each stage come on top.)
# The receptive field of the last stage, 483 pixels, is larger than the 224-pixel image:
# it counts the padding around the image too. What matters is that every unit of the last
# stage can see the whole photo.
#
# ### The four side by side

# %%
print(f"{'':<10}{'year':>6}{'input':>13}{'conv':>6}{'dense':>7}{'parameters':>14}{'in dense':>10}"
      f"{'multiply-adds':>16}{'receptive field':>17}")
for name, a in architectures.items():
    print(f"{name:<10}{a['year']:>6}{a['input']:>13}{a['conv']:>6}{a['dense']:>7}{a['params']:>14,}"
          f"{a['in dense']:>10.0%}{a['madds']:>16,}{a['field']:>17}")

fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
names = list(architectures)
axes[0].bar(names, [architectures[n]["params"] / 1e6 for n in names], color="tab:blue")
axes[0].set_ylabel("millions of parameters")
axes[0].set_yscale("log")
axes[0].set_title("Parameters (log scale)")
axes[1].bar(names, [architectures[n]["madds"] / 1e9 for n in names], color="tab:orange")
axes[1].set_ylabel("billions of multiply-adds per image")
axes[1].set_yscale("log")
axes[1].set_title("Computation of one forward pass (log scale)")
plt.show()

# %% [markdown]
# Read the table from top to bottom and three trends appear. The networks get deeper. The
# computation grows much faster than the parameters, because it is the convolutions,
# repeated at every position, that cost multiply-adds, and the dense layers that cost
# parameters. And ResNet50, three times deeper than VGG16, has fewer than a fifth of its
# parameters and needs a quarter of its computation: it replaced the dense layers by an
# average and, as the next two sections show, most of its 3×3 convolutions work on few
# channels. The top-5 error of these networks' entries in the ImageNet competition fell from
# AlexNet's 15.3% (2012) through VGG's 7.3% (2014) to ResNet's 3.6% (2015).
#
# ## 3. 1×1 convolutions
#
# A 1×1 convolution looks at one pixel at a time, so it cannot find edges or shapes. What it
# does is mix **channels**: at every pixel it takes the `c_in` values of that pixel and
# computes `c_out` weighted sums of them, plus biases. It is a dense layer applied to every
# pixel separately, with the same weights everywhere:
#
# - parameters: `1·1·c_in·c_out + c_out`;
# - output: same height and width, `c_out` channels; so it can shrink (or grow) the number of
#   channels at little cost.
#
# numpy shows the "dense layer at every pixel" directly: a matrix product over the channel
# axis gives Keras' result.

# %%
rng = np.random.default_rng(1)
volume = rng.normal(size=(1, 6, 5, 192)).astype("float32")
one_by_one = layers.Conv2D(16, 1)
keras_out = keras.ops.convert_to_numpy(one_by_one(volume))
W_1x1, b_1x1 = (keras.ops.convert_to_numpy(w) for w in one_by_one.weights)
numpy_out = volume @ W_1x1[0, 0] + b_1x1  # (1, 6, 5, 192) @ (192, 16): one dense layer per pixel
print("kernel", W_1x1.shape, "→ output", keras_out.shape, "; the same as volume @ W + b:",
      np.allclose(keras_out, numpy_out, atol=1e-4))
print("parameters:", one_by_one.count_params(), "= 192·16 + 16")

# %% [markdown]
# The classic use, from GoogLeNet (2014): before an expensive 5×5 convolution, shrink the
# channels with a 1×1 "bottleneck". On a 28×28×192 volume, 32 filters of 5×5:

# %%
def conv_cost(height, width, f, c_in, c_out):
    """(parameters, multiply-adds) of a 'same' f×f convolution on a height×width×c_in volume."""
    return f * f * c_in * c_out + c_out, height * width * c_out * f * f * c_in


direct = conv_cost(28, 28, 5, 192, 32)
squeeze, expand = conv_cost(28, 28, 1, 192, 16), conv_cost(28, 28, 5, 16, 32)
bottleneck = (squeeze[0] + expand[0], squeeze[1] + expand[1])
print(f"{'':<30}{'parameters':>12}{'multiply-adds':>16}")
print(f"{'5×5, 192 → 32':<30}{direct[0]:>12,}{direct[1]:>16,}")
print(f"{'1×1, 192 → 16, then 5×5 → 32':<30}{bottleneck[0]:>12,}{bottleneck[1]:>16,}")
print(f"the bottleneck needs {direct[1] / bottleneck[1]:.1f}× fewer multiplications")

# %% [markdown]
# ## 4. Residual blocks
#
# Stacking more layers should never hurt in principle: the extra layers could learn to pass
# their input through unchanged. In practice, plain networks deeper than about twenty layers
# trained *worse*, even on their training data. ResNet's fix is to make "unchanged" the
# default. A **residual block** computes a correction `F(x)` with a few layers and adds its
# input back:
#
# $$y = \mathrm{ReLU}\big(x + F(x)\big).$$
#
# If the best thing is to do nothing, the block only has to learn `F = 0`. The addition needs
# `x` and `F(x)` of the same shape; where a block changes the number of channels or the size
# (stride 2), the shortcut gets a 1×1 convolution, a **projection**, to make them fit.
#
# ResNet50's block is a **bottleneck**: a 1×1 convolution shrinks the channels by four, a
# 3×3 convolution works on the few channels, a second 1×1 convolution expands them again.
# Here is one built with Keras' functional API, the shape of ResNet50's first block
# (64 channels in, 64 in the middle, 256 out, so with a projection), with batch
# normalisation after each convolution as in ResNet:

# %%
def bottleneck_block(x, c_mid, c_out, stride=1):
    """ResNet's bottleneck block: 1×1 (stride) → 3×3 → 1×1, batch norm after each, plus the shortcut."""
    shortcut = x
    if x.shape[-1] != c_out or stride != 1:
        shortcut = layers.Conv2D(c_out, 1, strides=stride)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    y = layers.Conv2D(c_mid, 1, strides=stride)(x)
    y = layers.Activation("relu")(layers.BatchNormalization()(y))
    y = layers.Conv2D(c_mid, 3, padding="same")(y)
    y = layers.Activation("relu")(layers.BatchNormalization()(y))
    y = layers.Conv2D(c_out, 1)(y)
    y = layers.BatchNormalization()(y)
    return layers.Activation("relu")(layers.Add()([shortcut, y]))


block_input = keras.Input((56, 56, 64))
block = keras.Model(block_input, bottleneck_block(block_input, 64, 256), name="bottleneck")
conv_count = sum(layer.count_params() for layer in block.layers if isinstance(layer, layers.Conv2D))
norm_count = sum(layer.count_params() for layer in block.layers if isinstance(layer, layers.BatchNormalization))
print(f"block 56×56×64 → {block.output.shape[1:]}: {block.count_params():,} parameters = "
      f"{conv_count:,} in the 4 convolutions + {norm_count:,} in batch normalisation")

# %% [markdown]
# ### Exercise 2 · `bottleneck_params(c_in, c_mid, c_out, stride=1)`
#
# - **Input:** the channels of the block's input `c_in`, of its middle layers `c_mid` and of
#   its output `c_out`, and the stride of the block.
# - **Output:** the number of parameters of the block's convolutions: the 1×1 convolution
#   from `c_in` to `c_mid`, the 3×3 from `c_mid` to `c_mid`, the 1×1 from `c_mid` to `c_out`,
#   each with one bias per filter, and, when `c_in ≠ c_out` or `stride ≠ 1`, the 1×1
#   projection from `c_in` to `c_out` (with biases) on the shortcut. An identity shortcut
#   has no parameters. Batch normalisation is not counted.
# - **Example:** `bottleneck_params(64, 64, 256)` returns `74368`, the block above without its
#   batch normalisation; `bottleneck_params(256, 64, 256)` returns `70016`.
#
# **Contract.** The four arguments are positive ints (`stride` defaults to 1); the result is
# a whole number (an int). An argument below 1 raises `ValueError`. The stride changes the
# output size, never the number of parameters; it only decides, with the channels, whether
# the shortcut needs a projection. The check uses ResNet50's block shapes and random ones.
#
# Stuck? `check.bottleneck_params.hint()`.

# %% solution id=bottleneck_params
def bottleneck_params(c_in, c_mid, c_out, stride=1):
    """Parameters of the convolutions of a bottleneck residual block (batch norm not counted)."""
    ### BEGIN SOLUTION
    if min(c_in, c_mid, c_out, stride) < 1:
        raise ValueError(f"channels and stride must be at least 1, got {(c_in, c_mid, c_out, stride)}")
    total = (c_in * c_mid + c_mid) + (3 * 3 * c_mid * c_mid + c_mid) + (c_mid * c_out + c_out)
    if c_in != c_out or stride != 1:  # the shortcut needs a 1×1 projection to match F(x)
        total += c_in * c_out + c_out
    return total
    ### END SOLUTION

# %% test id=bottleneck_params_test points=2
check.bottleneck_params(bottleneck_params)
### BEGIN HIDDEN TESTS
check.bottleneck_params(bottleneck_params, seed=2015)
assert bottleneck_params(64, 64, 256) == 74368
assert bottleneck_params(256, 64, 256) == 70016
### END HIDDEN TESTS

# %% [markdown]
# Your count, plus 4 numbers per channel for each batch normalisation (a scale, a shift and
# the two running statistics), adds up to ResNet50 exactly. Its stages have 3, 4, 6 and 3
# blocks; the first block of each stage projects, the others are identities:

# %%
stage_plan = [(64, 64, 256, 1, 3), (256, 128, 512, 2, 4), (512, 256, 1024, 2, 6), (1024, 512, 2048, 2, 3)]
total = (7 * 7 * 3 * 64 + 64) + 4 * 64  # conv1 and its batch norm
for c_in, c_mid, c_out, stride, n_blocks in stage_plan:
    for k in range(n_blocks):
        first = k == 0
        block_in, block_stride = (c_in, stride) if first else (c_out, 1)
        norms = 4 * (c_mid + c_mid + c_out + (c_out if first else 0))
        total += bottleneck_params(block_in, c_mid, c_out, block_stride) + norms
total += 2048 * 1000 + 1000  # the dense layer after the global average pooling
print(f"ResNet50 by your formula: {total:,}; Keras: {resnet50.count_params():,}; "
      f"equal: {total == resnet50.count_params()}")
print(f"a basic block of two 3×3 convolutions at 256 channels would have "
      f"{2 * (9 * 256 * 256 + 256):,} parameters; the bottleneck has {bottleneck_params(256, 64, 256):,}")
del resnet50
_ = gc.collect()  # frees the network before the next one is built

# %% [markdown]
# ### Why the shortcut helps gradients
#
# Chapter 07's backward passes multiply the gradient by each layer's weights on its way down.
# In a plain stack of many layers that is a product of many factors: if each shrinks the
# gradient a little, the first layers receive almost nothing, and they barely learn. A
# residual block passes its input on unchanged *and* adds `F(x)`, so its backward pass is
#
# $$\frac{\partial y}{\partial x} = I + \frac{\partial F}{\partial x}:$$
#
# the gradient arriving at `y` reaches `x` in full along the identity, whatever `F` does;
# `F`'s path only adds to it. We measure it on two stacks of 30 convolution layers (3×3,
# 16 channels, ReLU, Keras' default random weights), one plain and one with a shortcut
# around each layer. As in chapter 07, the loss is `L = Σ out · g` for a random `g`, so the
# gradient at the top is `g`; `tf.GradientTape` gives the gradient at every layer.

# %%
def gradient_sizes(depth, residual, seed=0):
    """‖∂L/∂a‖ at every layer's input a (bottom first), relative to the top, for a stack of 3×3 convs."""
    keras.utils.set_random_seed(seed)
    convs = [layers.Conv2D(16, 3, padding="same", activation="relu") for _ in range(depth)]
    data = np.random.default_rng(seed)
    activations = [tf.constant(data.normal(size=(8, 16, 16, 16)), tf.float32)]
    with tf.GradientTape() as tape:
        tape.watch(activations[0])
        for conv in convs:
            out = conv(activations[-1])
            activations.append(activations[-1] + out if residual else out)
        g = tf.constant(data.normal(size=activations[-1].shape), tf.float32)
        loss = tf.reduce_sum(activations[-1] * g)
    gradients = tape.gradient(loss, activations)
    return np.array([float(tf.norm(d)) for d in gradients]) / float(tf.norm(gradients[-1]))


plain, residual = gradient_sizes(30, False), gradient_sizes(30, True)
fig, ax = plt.subplots(figsize=(7.5, 4))
ax.semilogy(plain, "o-", markersize=3, label="plain stack")
ax.semilogy(residual, "o-", markersize=3, label="with a shortcut around each layer")
ax.axhline(1, color="gray", linestyle=":")
ax.set_xlabel("layer (0 = input, 30 = top)")
ax.set_ylabel("gradient size, relative to the top")
ax.set_title("Gradients on their way down 30 layers, at initialisation")
ax.legend()
plt.show()
print(f"at the input: plain {plain[0]:.1e}, residual {residual[0]:.1e} (relative to the top)")

# %% [markdown]
# In the plain stack the gradient shrinks by about 30% at every layer, and the first layer
# receives some 30,000 times less than the last. With shortcuts it never falls below
# the top's: every layer hears the loss clearly. Here it even grows, because each branch
# adds its own share; real ResNets keep the branches small at the start with batch
# normalisation, so that every block begins close to the identity.
#
# ## 5. Transfer learning
#
# A network trained on a large dataset has learned, in its convolutional layers, features
# that are useful far beyond its own task: strokes, corners, curves. **Transfer learning**
# reuses them: keep the trained **convolutional base**, put a new small classifier on top,
# and train on the new task's (often few) examples. Two ways:
#
# - **frozen**: the base is fixed, only the new classifier learns (fast: few parameters, and
#   the base's features can be computed once);
# - **fine-tuned**: after that, unfreeze the base and train everything a little longer with
#   a small learning rate, so that the features adapt to the new data.
#
# The baseline is the same network trained **from scratch**, from random weights, on the
# same few examples.
#
# Our source task is MNIST, handwritten digits; the network is the Keras example CNN (two
# convolution + pooling stages, dropout, a dense softmax layer). Our target task is chapter
# 09's: printed digits 1–9 cut out of Sudoku photos, rendered with the course's cell
# generator in many fonts, blurred, noisy, with grid-line remnants, and nothing like
# handwriting.
#
# **The source network** is the Keras example CNN trained on the 4,000 training digits of
# the course's offline MNIST sample: six passes in batches of 64, from a fixed seed. That
# takes one to three minutes on a laptop's CPU, so the course ships the result (as weight
# arrays) and this notebook loads it; the code that trained it is
# `autograder.checks.mnist.train_reference`:
#
# ```python
# keras.utils.set_random_seed(0)
# model = reference_architecture()
# model.fit(x_train[..., None] / 255, y_train, epochs=6, batch_size=64)
# ```
#
# The 1,000 other digits of the sample were never used for training: they measure it.

# %%
from autograder import models
from autograder.checks.mnist import reference_architecture
from autograder.data import mnist_subset

mnist = mnist_subset()  # the sample's split: the 4,000 digits it was trained on, 1,000 others
source = models.load("mnist_reference")  # reference_architecture(), trained as above
_, mnist_accuracy = source.evaluate(mnist.x_test[..., None] / 255.0, mnist.y_test, verbose=0)
print(f"accuracy on {len(mnist.x_test):,} held-out MNIST digits: {mnist_accuracy:.1%}")
source.summary(line_length=80)

# %% [markdown]
# **The target data.** Each rendered cell is made to look like an MNIST digit, in the spirit
# of chapter 09's preparation: crop a thin margin, make the ink bright on a dark background,
# drop the pieces of ink that touch the border (grid lines, a neighbour's digit), and scale
# what is left into a 20×20 box in the middle of a 28×28 image. It is a quick version: now
# and then a digit that touches a grid line is lost with it, and the whole cell is used.

# %%
import cv2
from scipy import ndimage

from autograder.sudoku.digits import render_cells


def cell_to_input(cell, margin=0.06):
    """A grey Sudoku cell (dark ink on light paper) → a 28×28×1 float32 image like an MNIST digit:
    bright ink on black, the digit scaled into a 20×20 box in the middle."""
    grey = np.asarray(cell, dtype=np.float32)
    cut = int(round(margin * grey.shape[0]))
    grey = grey[cut:grey.shape[0] - cut, cut:grey.shape[1] - cut]
    low, high = np.percentile(grey, [2, 98])
    ink = np.clip((high - grey) / max(high - low, 1.0), 0, 1)
    blobs, count = ndimage.label(ink > 0.5)  # connected pieces of ink
    sizes = ndimage.sum(ink > 0.5, blobs, index=np.arange(1, count + 1))
    on_border = np.unique(np.concatenate([blobs[0], blobs[-1], blobs[:, 0], blobs[:, -1]]))
    sizes[on_border[on_border > 0] - 1] = 0  # grid lines and neighbours' digits touch the border
    if count and sizes.max() > 0:
        keep = np.isin(blobs, 1 + np.flatnonzero(sizes >= 0.1 * sizes.max()))  # the digit, all its pieces
        rows, cols = np.flatnonzero(keep.any(axis=1)), np.flatnonzero(keep.any(axis=0))
        ink = (ink * ndimage.binary_dilation(keep))[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    height, width = ink.shape
    scale = 20 / max(height, width)
    digit = cv2.resize(ink, (max(1, round(width * scale)), max(1, round(height * scale))),
                       interpolation=cv2.INTER_AREA)
    image = np.zeros((28, 28), np.float32)
    top, left = (28 - digit.shape[0]) // 2, (28 - digit.shape[1]) // 2
    image[top:top + digit.shape[0], left:left + digit.shape[1]] = digit
    return image[..., None]


shots = [5] if quick() else [2, 5, 20]  # printed training examples per digit; one run when graded
per_class_test = 30
# The cells come one after the other from the seed, so the first ones (the test set) are the
# same however many are rendered; 1.5 times the cells needed on average leaves enough of each digit.
cells, labels = render_cells(int(1.5 * 9 * (per_class_test + max(shots))), seed=10, empty_fraction=0.0)
x_cells = np.stack([cell_to_input(cell) for cell in cells])
test_index = np.concatenate([np.flatnonzero(labels == d)[:per_class_test] for d in range(1, 10)])
pool_index = np.setdiff1d(np.arange(len(labels)), test_index)  # training examples come from here
assert min(np.sum(labels[pool_index] == d) for d in range(1, 10)) >= max(shots)
x_test, y_test = x_cells[test_index], labels[test_index]
print(f"test set: {x_test.shape[0]} printed digits, {per_class_test} of each digit 1–9, "
      f"as {x_test.shape[1:]} images in [{x_test.min():.0f}, {x_test.max():.0f}]")

fig, axes = plt.subplots(2, 9, figsize=(13, 3.4))
for k, digit in enumerate(range(1, 10)):
    index = np.flatnonzero(labels == digit)[0]
    axes[0, k].imshow(cells[index], cmap="gray")
    axes[0, k].set_title(f"cell, label {digit}", fontsize=9)
    axes[1, k].imshow(x_cells[index, :, :, 0], cmap="gray")
    axes[1, k].set_title("network input", fontsize=9)
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("Printed digits from Sudoku cells, and what the network sees", fontsize=12)
plt.show()

# %% [markdown]
# How well does the MNIST network read them as they are, with no training at all?

# %% nbval-ignore-output
def accuracy(model, x, y):
    """Fraction of the images of x that the model labels y (one call, no dropout)."""
    return float(np.mean(np.argmax(model(x, training=False), axis=1) == y))


print(f"MNIST network on printed digits, untouched: {accuracy(source, x_test, y_test):.1%} "
      f"(it read {mnist_accuracy:.1%} of MNIST's own test digits)")

# %% [markdown]
# Far worse than on MNIST: handwriting and print differ (a printed 1 has a flag and often a
# base, a 4 is closed, strokes have even width, fonts vary), and the cells are blurred and
# noisy. A few printed examples should help, but a few examples are not enough to train a
# CNN from nothing. The three ways of training, each on `k` examples per digit:
#
# - **frozen base**: a copy of the MNIST network's convolutional base, frozen; its features of
#   the `k·9` training images are computed once, and a new head (dropout and a dense softmax
#   layer) is trained on them for 30 passes. Our new task happens to have the same classes as MNIST, so
#   the head starts from the MNIST network's own last layer; for other classes it would
#   start from random numbers;
# - **fine-tuned**: the frozen result, then every layer unfrozen and trained for 15 more
#   passes with a three times smaller learning rate;
# - **from scratch**: the same architecture with random weights, trained on the same images
#   for 45 passes, as many as the two stages above together.

# %%
def convolutional_base(model):
    """A copy of the model's layers up to and including its Flatten, with the trained weights
    (a copy, so that fine-tuning never changes the source network itself)."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    cut = next(i for i, layer in enumerate(copy.layers) if isinstance(layer, layers.Flatten))
    return keras.Sequential([keras.Input((28, 28, 1))] + copy.layers[:cut + 1])


def head_like(model):
    """Dropout and a 10-way softmax layer that starts from the model's last layer."""
    head = keras.Sequential([keras.Input((model.layers[-1].input.shape[-1],)), layers.Dropout(0.5),
                             layers.Dense(10, activation="softmax")])
    head.layers[-1].set_weights(model.layers[-1].get_weights())
    return head


def fit_passes(model, x, y, passes, seed=0):
    """Train on (x, y) for `passes` shuffled passes, as one long epoch: on a few dozen images,
    Keras' fixed cost per epoch would otherwise dominate the time."""
    data = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).repeat(passes).batch(32)
    model.fit(data, epochs=1, shuffle=False, verbose=0)


def train_three_ways(k, seed=0):
    """Frozen base, fine-tuned base and from scratch, on k printed digits per class; returns
    {method: (accuracy, seconds, trainable parameters)}."""
    train_index = np.concatenate([pool_index[labels[pool_index] == d][:k] for d in range(1, 10)])
    x_train, y_train = x_cells[train_index], labels[train_index]
    results = {}

    keras.utils.set_random_seed(seed)
    start = time.perf_counter()
    base = convolutional_base(source)
    base.trainable = False
    features = base(x_train, training=False)  # the frozen base runs once
    head = head_like(source)
    head.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    fit_passes(head, features, y_train, passes=30, seed=seed)
    model = keras.Sequential([keras.Input((28, 28, 1)), base, head])
    frozen_seconds = time.perf_counter() - start
    results["frozen base"] = (accuracy(model, x_test, y_test), frozen_seconds, head.count_params())

    start = time.perf_counter()
    base.trainable = True  # now every layer learns, gently
    model.compile(keras.optimizers.Adam(3e-4), "sparse_categorical_crossentropy")
    fit_passes(model, x_train, y_train, passes=15, seed=seed)
    seconds = frozen_seconds + time.perf_counter() - start  # fine-tuning starts from the frozen result
    results["fine-tuned"] = (accuracy(model, x_test, y_test), seconds, model.count_params())

    keras.utils.set_random_seed(seed)
    start = time.perf_counter()
    scratch = reference_architecture()  # the same network, random weights
    fit_passes(scratch, x_train, y_train, passes=45, seed=seed)
    scratch_seconds = time.perf_counter() - start
    results["from scratch"] = (accuracy(scratch, x_test, y_test), scratch_seconds, scratch.count_params())
    return results


runs = {k: train_three_ways(k) for k in shots}

# %% nbval-ignore-output
print(f"{'examples per digit':<20}{'method':<15}{'trainable params':>18}{'training time':>15}{'accuracy':>10}")
for k, results in runs.items():
    for method, (acc, seconds, trainable) in results.items():
        print(f"{k:<20}{method:<15}{trainable:>18,}{seconds:>13.1f} s{acc:>10.1%}")
print()
for k in sorted({shots[0], shots[-1]}):
    print(f"{k} examples per digit: {runs[k]['frozen base'][0]:.1%} with the reused base, "
          f"{runs[k]['from scratch'][0]:.1%} from scratch")

# %%
methods = ["frozen base", "fine-tuned", "from scratch"]
colours = {"frozen base": "tab:blue", "fine-tuned": "tab:green", "from scratch": "tab:red"}
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for method in methods:
    axes[0].plot(shots, [runs[k][method][0] for k in shots], "o-", color=colours[method], label=method)
axes[0].axhline(accuracy(source, x_test, y_test), color="gray", linestyle=":", label="MNIST network, untouched")
axes[0].set_xscale("log")
axes[0].minorticks_off()
axes[0].set_xticks(shots, [str(k) for k in shots])
axes[0].set_xlabel("printed examples per digit (log scale)")
axes[0].set_ylabel("accuracy on held-out printed digits")
axes[0].set_ylim(0, 1)
axes[0].set_title("Accuracy")
axes[0].legend()
width = 0.8 / len(shots)
for position, k in enumerate(shots):
    axes[1].bar(np.arange(3) + position * width, [runs[k][m][1] for m in methods], width, label=f"{k} per digit")
axes[1].set_xticks(np.arange(3) + width * (len(shots) - 1) / 2, methods)
axes[1].set_ylabel("seconds")
axes[1].set_title("Training time")
axes[1].legend()
fig.suptitle("Transfer from handwritten MNIST to printed Sudoku digits", fontsize=12)
plt.show()

# %% [markdown]
# What the run shows (the exact numbers vary a little from machine to machine; the summary
# lines above give this run's):
#
# - With two or five examples per digit the reused network is far ahead: its features were
#   learned from thousands of digits, and its head already knows which features mean which
#   digit; only the differences between handwriting and print remain to be learned. From
#   scratch, the network must learn features and classes from a handful of images.
# - Freezing is the cheapest: the base runs once over the training images, and only the
#   head's parameters are trained (the table's "trainable params" column), about half of the
#   network's. Fine-tuning adapts the features themselves; with so few examples it adds little.
# - As the examples grow, training from scratch catches up: transfer learning matters most
#   when examples are scarce, which in practice is most of the time. The same recipe, with a
#   base trained on ImageNet (`keras.applications.ResNet50(weights="imagenet",
#   include_top=False)` downloads one), is how most image classifiers are built today.
# - The accuracies stay far from MNIST's: these cells are hard (blur, noise, strokes cut by
#   the quick preparation), which is why chapter 09 trains its reader on tens of thousands
#   of rendered cells and prepares each one more carefully.
#
# ## Recap
#
# - Receptive field: start with `r = 1`, `j = 1`; for each layer, `r ← r + (f − 1)·j`, then
#   `j ← j·s`. Two 3×3 layers see 5×5 and three see 7×7, with fewer weights than one large
#   filter. The lecture's network reaches 19×19, LeNet-5's C5 the whole 32×32 digit, AlexNet's
#   pool5 195×195, VGG16's pool5 212×212.
# - From LeNet-5 (61,706 parameters) to AlexNet (62 million, mostly in dense layers), VGG16
#   (138 million, 3×3 convolutions only) and ResNet50 (25.6 million, 50 layers): networks got
#   deeper, computation grew faster than parameters, and ResNet replaced the big dense layers
#   by a global average.
# - A 1×1 convolution is a dense layer applied at every pixel: it mixes and re-sizes the
#   channels, `c_in·c_out + c_out` parameters; as a bottleneck before a large filter it cuts
#   the computation about tenfold.
# - A residual block computes `y = ReLU(x + F(x))`; a 1×1 projection fixes the shortcut when
#   the shape changes. Its backward pass `I + ∂F/∂x` carries the gradient to the first layers
#   undiminished, where a plain 30-layer stack loses almost all of it.
# - Transfer learning reuses a trained convolutional base: frozen (only a new head learns;
#   fast), then fine-tuned (everything, with a small learning rate). With few examples of the
#   new task it beats training from scratch by a wide margin; with many, the gap closes.
