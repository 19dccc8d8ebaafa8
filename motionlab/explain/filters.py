"""Inside any convolutional Keras model of the project: each conv layer's outputs for one input, and the input
each filter prefers, found by gradient ascent (the seed's technique). Works on Conv2D (the speed regressor),
Conv3D (the jump counter) and Conv2D wrapped in TimeDistributed (the action models)."""

from __future__ import annotations

import numpy as np

FILTERS = 9  # filters visualised per layer (a 3 x 3 grid)
ASCENT_STEPS = 30  # gradient-ascent steps per filter input; hand-set (the pictures settle by then)
ASCENT_STEP_SIZE = 0.5  # input change per step, in units of the normalised gradient; hand-set
NOISE_SIGMA = 0.1  # standard deviation of the noise gradient ascent starts from (input units)


def _conv_of(layer):
    """Return the convolution a layer is or wraps (TimeDistributed), or None."""
    import keras

    inner = layer.layer if isinstance(layer, keras.layers.TimeDistributed) else layer
    return inner if isinstance(inner, (keras.layers.Conv2D, keras.layers.Conv3D)) else None


def conv_layer_names(model) -> list[str]:
    """Return the names of the model's convolution layers (wrapped ones included), input to output."""
    return [layer.name for layer in model.layers if _conv_of(layer) is not None]


def frame_model(model):
    """Return the per-frame model a TimeDistributed layer wraps (the CNN of a CNN + GRU; in an ensemble of such
    models, its first member's), else the model itself."""
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.TimeDistributed) and isinstance(layer.layer, keras.Model):
            return layer.layer
        if isinstance(layer, keras.Model) and (inner := frame_model(layer)) is not layer:
            return inner
    return model


def layer_activations(model, model_input: np.ndarray) -> dict[str, np.ndarray]:
    """Return every conv layer's output for one input: {name: ([T,] H', W', F) float32}."""
    import keras

    names = conv_layer_names(model)
    probe = keras.Model(model.inputs[0] if len(model.inputs) == 1 else model.inputs,
                        [model.get_layer(name).output for name in names])
    outputs = probe(np.asarray(model_input, np.float32)[None], training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {name: np.asarray(output[0]) for name, output in zip(names, outputs)}


def filter_inputs(model, layer_name: str, filters: int = FILTERS, steps: int = ASCENT_STEPS,
                  step_size: float = ASCENT_STEP_SIZE, seed: int = 0) -> np.ndarray:
    """Return, for the first `filters` filters of a conv layer, the input that maximises the filter's activation at
    the centre of its map (mean over time) after `steps` normalised gradient-ascent steps from noise:
    (F, *input shape) float32."""
    import keras
    import tensorflow as tf

    layer = model.get_layer(layer_name)
    conv = _conv_of(layer)
    if conv is None:
        raise ValueError(f"{layer_name!r} is not a convolution layer; choose from {conv_layer_names(model)}")
    probe = keras.Model(model.inputs[0] if len(model.inputs) == 1 else model.inputs, layer.output)
    count = min(filters, conv.filters)
    rng = np.random.default_rng(seed)
    images = tf.Variable(rng.normal(0.0, NOISE_SIGMA, (count, *model.input_shape[1:])).astype(np.float32))
    for _ in range(steps):  # all filters at once: image i ascends the activation of filter i
        with tf.GradientTape() as tape:
            activation = probe(images, training=False)  # (F, [T,] H, W, filters)
            rows, cols = activation.shape[-3] // 2, activation.shape[-2] // 2  # the centre unit: a mean over the
            centre = activation[..., rows, cols, :count]  # whole map only paints the borders
            per_filter = tf.reshape(centre, (count, -1, count))
            loss = tf.reduce_sum(tf.linalg.diag_part(tf.reduce_mean(per_filter, axis=1)))
        gradient = tape.gradient(loss, images)
        axes = list(range(1, len(images.shape)))
        gradient /= tf.sqrt(tf.reduce_mean(tf.square(gradient), axis=axes, keepdims=True)) + 1e-5
        images.assign_add(step_size * gradient)
    return images.numpy()
