"""Keras models of jump timing: the seed's 4-frame Conv3D softmax and the improved per-frame Conv3D counter."""

from __future__ import annotations

import keras
from keras import layers

from .data import COUNTER_CHANNELS, COUNTER_SIZE, SEED_SIZE

SEED_WINDOW = 4  # frames per seed window: at 7.5 jumps/s and 30 frames/s at most one jump falls in it
SEED_CHANNELS = {"gray": 1, "rgb": 3, "flow": 2}  # input channels of the seed's three variants
SEED_LAYERS = ((4, (2, 16, 16)), (8, (2, 8, 8)), (16, (1, 4, 4)), (32, (1, 3, 3)), (64, (1, 3, 3)))  # filters,
# kernel (frames, rows, cols) of the seed's five Conv3D blocks, each followed by BN, ReLU, MaxPool3D (1, 2, 2)
COUNTER_WINDOW = 16  # frames per window of the improved counter
COUNTER_FILTERS = (8, 16, 24, 32)  # filters of its four strided Conv3D blocks; hand-set for a CPU
COUNTER_KERNELS = ((3, 5, 5), (3, 3, 3))  # (frames, rows, cols) of the first Conv3D block and of the others
COUNTER_DROPOUT = 0.3  # dropout rate before the counter's temporal convolution; hand-set
TEMPORAL_FILTERS, TEMPORAL_KERNEL = 32, 5  # the counter's Conv1D over time: filters and kernel (frames); hand-set
START_LOGIT = -1.5  # initial bias of the jump sigmoid: sigmoid(-1.5) = 0.18, about the share of jump frames


def seed_input_frames(mode: str, window: int = SEED_WINDOW) -> int:
    """Return how many time steps the seed model sees: window frames, or window - 1 flow fields."""
    return window - 1 if mode == "flow" else window


def build_seed_model(mode: str = "gray", window: int = SEED_WINDOW, size: int = SEED_SIZE) -> keras.Model:
    """Return the seed's uncompiled model: (B, T, S, S, C) -> softmax over the window's T frames, (B, T)."""
    if mode not in SEED_CHANNELS:
        raise ValueError(f"mode must be one of {list(SEED_CHANNELS)}, got {mode!r}")
    steps = seed_input_frames(mode, window)
    video = keras.Input((steps, size, size, SEED_CHANNELS[mode]), name="video")
    x = video
    for index, (filters, kernel) in enumerate(SEED_LAYERS, start=1):
        kernel = (min(kernel[0], x.shape[1]),) + kernel[1:]  # a 3-step flow window cannot take two 2-frame kernels
        x = layers.Conv3D(filters, kernel, name=f"conv{index}")(x)
        x = layers.BatchNormalization(name=f"bn{index}")(x)
        x = layers.Activation("relu", name=f"relu{index}")(x)
        x = layers.MaxPooling3D((1, 2, 2), name=f"pool{index}")(x)
    x = layers.Flatten(name="flatten")(x)
    frames = layers.Dense(steps, activation="softmax", name="frames")(x)
    return keras.Model(video, frames, name=f"seed_{mode}")


def build_counter_model(window: int = COUNTER_WINDOW, size: int = COUNTER_SIZE,
                        channels: int = COUNTER_CHANNELS) -> keras.Model:
    """Return the improved counter: (B, T, S, S, C) -> per-frame jump probability, (B, T) sigmoid."""
    if size % 16:
        raise ValueError(f"size must be a multiple of 16 (four stride-2 blocks), got {size}")
    clip = keras.Input((window, size, size, channels), name="clip")
    x = clip
    for index, filters in enumerate(COUNTER_FILTERS, start=1):
        kernel = COUNTER_KERNELS[0] if index == 1 else COUNTER_KERNELS[1]
        x = layers.Conv3D(filters, kernel, strides=(1, 2, 2), padding="same", use_bias=False, name=f"conv{index}")(x)
        x = layers.BatchNormalization(name=f"bn{index}")(x)
        x = layers.Activation("relu", name=f"relu{index}")(x)
    x = layers.Reshape((window, -1), name="per_frame")(x)  # keep where in the crop the motion is (feet are low)
    x = layers.Dropout(COUNTER_DROPOUT, name="dropout")(x)
    x = layers.Conv1D(TEMPORAL_FILTERS, TEMPORAL_KERNEL, padding="same", activation="relu", name="temporal")(x)
    start = keras.initializers.Constant(START_LOGIT)
    x = layers.Conv1D(1, 1, activation="sigmoid", bias_initializer=start, name="jump")(x)
    probability = layers.Reshape((window,), name="probability")(x)
    return keras.Model(clip, probability, name="jump_counter")


def conv_layer_names(model: keras.Model) -> list[str]:
    """Return the names of the model's Conv3D layers, input to output."""
    return [layer.name for layer in model.layers if isinstance(layer, layers.Conv3D)]
