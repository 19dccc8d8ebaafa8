"""Looking inside a Conv3D jump model: per-layer activations of a clip, and each filter's preferred input found
by gradient ascent on the input (the seed's technique, written for Keras 3 on TensorFlow)."""

from __future__ import annotations

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from ..progress import progress_bar
from .models import conv_layer_names

FILTERS = 9  # filters visualised per layer (a 3 x 3 grid)
ASCENT_STEPS = 30  # gradient-ascent steps per filter input; hand-set (the pictures settle by then)
ASCENT_STEP_SIZE = 0.5  # input change per step, in units of the normalised gradient; hand-set
NOISE_SIGMA = 0.1  # standard deviation of the noise gradient ascent starts from (input units)


def layer_activations(model: keras.Model, window: np.ndarray) -> dict[str, np.ndarray]:
    """Return every Conv3D layer's output for one input window (T, S, S, C): {name: (T', H', W', F) float32}."""
    names = conv_layer_names(model)
    probe = keras.Model(model.input, [model.get_layer(name).output for name in names])
    outputs = probe(window[None].astype(np.float32), training=False)
    return {name: np.asarray(output[0]) for name, output in zip(names, outputs)}


def filter_inputs(model: keras.Model, layer_name: str, filters: int = FILTERS, steps: int = ASCENT_STEPS,
                  step_size: float = ASCENT_STEP_SIZE, seed: int = 0) -> np.ndarray:
    """Return, for the first `filters` filters of a Conv3D layer, the input window that maximises the filter's
    activation at the centre of its map (mean over time) after `steps` normalised gradient-ascent steps from
    noise: (F, T, S, S, C) float32."""
    layer = model.get_layer(layer_name)
    if not isinstance(layer, keras.layers.Conv3D):
        raise ValueError(f"{layer_name!r} is not a Conv3D layer; choose from {conv_layer_names(model)}")
    probe = keras.Model(model.input, layer.output)
    count = min(filters, layer.filters)
    rng = np.random.default_rng(seed)
    shape = (count,) + tuple(model.input_shape[1:])
    images = tf.Variable(rng.normal(0.0, NOISE_SIGMA, shape).astype(np.float32))
    for _ in range(steps):  # all filters at once: image i ascends the activation of filter i
        with tf.GradientTape() as tape:
            activation = probe(images, training=False)
            rows, cols = activation.shape[2] // 2, activation.shape[3] // 2  # the centre unit: a mean over the whole
            per_filter = tf.reduce_mean(activation[:, :, rows, cols], axis=1)  # map only paints the borders
            loss = tf.reduce_sum(tf.linalg.diag_part(per_filter[:, :count]))
        gradient = tape.gradient(loss, images)
        gradient /= tf.sqrt(tf.reduce_mean(tf.square(gradient), axis=[1, 2, 3, 4], keepdims=True)) + 1e-5
        images.assign_add(step_size * gradient)
    return images.numpy()


def filter_inputs_by_layer(model: keras.Model, filters: int = FILTERS,
                           steps: int = ASCENT_STEPS) -> dict[str, np.ndarray]:
    """Return filter_inputs for every Conv3D layer: {name: (F, T, S, S, C)}."""
    return {name: filter_inputs(model, name, filters, steps)
            for name in progress_bar(conv_layer_names(model), desc="gradient ascent", unit="layer")}


def to_display(image: np.ndarray) -> np.ndarray:
    """Return an input-space image (S, S, C) as something imshow can draw: gray (S, S) or RGB in [0, 1]; flow
    shows as its horizontal component."""
    image = image.astype(np.float32)
    image = (image - image.mean()) / (image.std() + 1e-5) * 0.15 + 0.5
    image = np.clip(image, 0, 1)
    return image[..., 0] if image.shape[-1] in (1, 2) else image


def plot_filter_grid(images: np.ndarray, time_step: int, title: str = "", columns: int = 3):
    """Draw gradient-ascent inputs (F, T, S, S, C) at one time step as a grid; return the figure."""
    count = len(images)
    rows = int(np.ceil(count / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(1.8 * columns, 1.8 * rows), squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if index < count:
            ax.imshow(to_display(images[index, min(time_step, images.shape[1] - 1)]), cmap="gray")
            ax.set_title(f"filter {index}", fontsize=7)
    figure.suptitle(f"{title} (frame {time_step})", fontsize=9)
    figure.tight_layout()
    return figure


def plot_activation_grid(activation: np.ndarray, time_step: int, title: str = "", max_maps: int = 16):
    """Draw the feature maps (T, H, W, F) of one layer at one time step; return the figure."""
    maps = activation[min(time_step, activation.shape[0] - 1)]
    count = min(max_maps, maps.shape[-1])
    columns = min(8, count)
    rows = int(np.ceil(count / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.3 * rows + 0.4), squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if index < count:
            ax.imshow(maps[..., index], cmap="plasma")
    figure.suptitle(f"{title}: {maps.shape[0]}x{maps.shape[1]} maps, step {time_step}", fontsize=9)
    figure.tight_layout()
    return figure


def _layer_step_viewer(arrays_by_layer: dict[str, np.ndarray], time_axis: int, draw):
    """Return an ipywidgets.interact with a layer menu and a time-step slider calling draw(array, step, layer)."""
    import ipywidgets as widgets

    names = list(arrays_by_layer)
    steps = max(array.shape[time_axis] for array in arrays_by_layer.values())

    def show(layer: str = names[0], time_step: int = 0):
        draw(arrays_by_layer[layer], time_step, layer)
        plt.show()

    return widgets.interact(show, layer=widgets.Dropdown(options=names),
                            time_step=widgets.IntSlider(0, 0, steps - 1, 1, continuous_update=False))


def activation_viewer(model: keras.Model, window: np.ndarray):
    """Return an ipywidgets.interact with a layer menu and a time-step slider over a window's activations."""
    return _layer_step_viewer(layer_activations(model, window), 0, plot_activation_grid)


def filter_viewer(images_by_layer: dict[str, np.ndarray]):
    """Return an ipywidgets.interact with a layer menu and a frame slider over gradient-ascent filter inputs."""
    return _layer_step_viewer(images_by_layer, 1, plot_filter_grid)
