"""Training sets and training loops for the seed's 4-frame model and the improved per-frame counter."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import cv2
import keras
import numpy as np

from ..progress import progress_bar
from .data import COUNTER_SIZE, SEED_SIZE, Clip, counter_frames, counter_inputs, jump_targets, load_jump_labels, seed_frames
from .models import COUNTER_WINDOW, SEED_WINDOW, build_counter_model, build_seed_model, seed_input_frames

TARGET_SIGMA = 1.0  # frames: labels are spread into a Gaussian this wide (hand labels jitter by 1-2 frames); hand-set
TARGET_REACH = 4  # frames: the Gaussian target is cut off this far from its label (4 sigma)
POSITIVE_WEIGHT = 3.0  # loss weight of a jump frame over a still one (about one frame in five is a jump); hand-set
SPAN_MARGIN = 8  # frames: real clips train on windows within this far of their labelled span; hand-set
WINDOW_STRIDE = 8  # frames between the starts of the counter's training windows (each also jittered by up to this)
BATCH_SIZE = 32  # windows per training batch, both models; hand-set
LEARNING_RATE = 1e-3  # Adam (counter) and SGD (seed) step size; Keras' Adam default
FLIP_CHANCE = 0.5  # augmentation: probability that a training window is mirrored left to right
CONTRAST_RANGE = (0.7, 1.3)  # augmentation: factor multiplying a training window's standardised values; hand-set
BRIGHTNESS_SIGMA = 0.1  # augmentation: standard deviation of an offset added to a window (standardised units)
ZOOM_RANGE = (0.8, 1.25)  # augmentation: zoom factor of a training window (models/README_jumprope.md)
SHIFT_RANGE = 0.1  # augmentation: shift of a training window, fraction of the crop, the same for all its frames
SEED_MOMENTUM = 0.9  # the seed's SGD: Nesterov momentum (the seed's value)
NEGATIVE_STRIDE = 16  # frames between training windows of a no-jump video (all-zero targets): half the jump clips'
# density, so 22 QUVA videos add about a third as many windows as the jump clips; hand-set


def soft_targets(labels: np.ndarray, n_frames: int, sigma: float = TARGET_SIGMA) -> np.ndarray:
    """Return per-frame targets: 1 at each label, falling off as a Gaussian of width sigma frames, (N,) float32."""
    target = np.zeros(n_frames, np.float32)
    frames = np.arange(n_frames)
    for label in labels:
        lo, hi = max(0, label - TARGET_REACH), min(n_frames, label + TARGET_REACH + 1)
        target[lo:hi] = np.maximum(target[lo:hi], np.exp(-0.5 * ((frames[lo:hi] - label) / sigma) ** 2))
    return target


def window_starts(labels: np.ndarray, n_frames: int, window: int, stride: int, offset: int = 0) -> np.ndarray:
    """Return window start frames every `stride` frames that stay within the labelled span (+ margin), (W,) int."""
    first = max(0, int(labels[0]) - SPAN_MARGIN) if len(labels) else 0
    last = min(n_frames, int(labels[-1]) + SPAN_MARGIN + 1) if len(labels) else n_frames
    return np.arange(first + offset, last - window + 1, stride)


class CounterWindows(keras.utils.PyDataset):
    """Batches of random counter windows with flips and contrast jitter: x (B, T, S, S, 2), y (B, T)."""

    def __init__(self, clips: list[Clip], batch_size: int = BATCH_SIZE, window: int = COUNTER_WINDOW,
                 stride: int = WINDOW_STRIDE,
                 size: int = COUNTER_SIZE, crop: bool = True, augment: bool = True, seed: int = 0,
                 zoom: bool = True, negatives: Sequence[Path] = ()):
        """negatives: videos in which nobody jumps; their windows, every NEGATIVE_STRIDE frames over the whole video,
        teach all-zero targets."""
        super().__init__()
        self.inputs, self.targets, self.index = [], [], []
        sources = [(clip.video, load_jump_labels(clip.labels), stride) for clip in clips]
        sources += [(video, np.zeros(0, int), NEGATIVE_STRIDE) for video in negatives]
        for number, (video, labels, every) in enumerate(progress_bar(sources, desc="counter inputs", unit="clip",
                                                                      leave=False)):
            frames, _ = counter_frames(video, size=size, crop=crop)
            self.inputs.append(counter_inputs(frames))
            self.targets.append(soft_targets(labels, len(frames)))
            self.index += [(number, start) for start in window_starts(labels, len(frames), window, every)]
        if not self.index:
            raise ValueError("no training windows: clips are shorter than one window")
        self.index = np.asarray(self.index)
        self.batch_size, self.window, self.augment, self.stride = batch_size, window, augment, stride
        self.zoom = zoom and augment
        self.rng = np.random.default_rng(seed)
        self.on_epoch_end()

    def __len__(self) -> int:
        return math.ceil(len(self.index) / self.batch_size)

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.index))
        self.jitter = self.rng.integers(0, self.stride, len(self.index)) if self.augment else np.zeros(len(self.index),
                                                                                                         int)

    def __getitem__(self, batch: int):
        rows = self.order[batch * self.batch_size:(batch + 1) * self.batch_size]
        xs, ys = [], []
        for row in rows:
            clip_number, start = self.index[row]
            inputs = self.inputs[clip_number]
            start = min(start + self.jitter[row], len(inputs) - self.window)
            x = inputs[start:start + self.window].astype(np.float32)
            if self.augment:
                if self.rng.random() < FLIP_CHANCE:
                    x = x[:, :, ::-1]
                x = x * self.rng.uniform(*CONTRAST_RANGE) + self.rng.normal(0, BRIGHTNESS_SIGMA)
                if self.zoom:
                    x = self._zoom(x)
            xs.append(x)
            ys.append(self.targets[clip_number][start:start + self.window])
        return np.stack(xs), np.stack(ys)

    def _zoom(self, x: np.ndarray) -> np.ndarray:
        """Return a window (T, S, S, C) zoomed and shifted at random, the same for every frame (edges mirrored)."""
        size = x.shape[1]
        matrix = cv2.getRotationMatrix2D((size / 2, size / 2), 0.0, self.rng.uniform(*ZOOM_RANGE))
        matrix[:, 2] += self.rng.uniform(-SHIFT_RANGE, SHIFT_RANGE, 2) * size
        return np.stack([cv2.warpAffine(np.ascontiguousarray(frame), matrix, (size, size),
                                        borderMode=cv2.BORDER_REFLECT) for frame in x])


def weighted_crossentropy(targets, probabilities):
    """Return the per-frame binary cross-entropy with jump frames weighted POSITIVE_WEIGHT times, (B,)."""
    probabilities = keras.ops.clip(probabilities, 1e-6, 1 - 1e-6)
    losses = -(targets * keras.ops.log(probabilities) + (1 - targets) * keras.ops.log(1 - probabilities))
    return keras.ops.mean(losses * (1 + (POSITIVE_WEIGHT - 1) * targets), axis=-1)


def train_jump_counter(clips: list[Clip], epochs: int = 10, batch_size: int = BATCH_SIZE, crop: bool = True,
                       learning_rate: float = LEARNING_RATE, seed: int = 0, verbose: int = 2,
                       zoom: bool = True, negatives: Sequence[Path] = ()) -> keras.Model:
    """Return the improved counter trained on the clips' labelled spans (Adam, weighted per-frame cross-entropy);
    zoom: random zoom and shift of each window; negatives: no-jump videos taught as all zeros (CounterWindows)."""
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    keras.utils.set_random_seed(seed)
    windows = CounterWindows(clips, batch_size=batch_size, crop=crop, seed=seed, zoom=zoom, negatives=negatives)
    model = build_counter_model()
    model.compile(keras.optimizers.Adam(learning_rate), loss=weighted_crossentropy)
    model.fit(windows, epochs=epochs, verbose=verbose)
    return model


def seed_windows(clip: Clip, mode: str, window: int = SEED_WINDOW, size: int = SEED_SIZE,
                 offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return the seed's non-overlapping windows of one clip and their one-hot jump targets: x (W, T, S, S, C)
    float16 in [0, 1] (flow: pixels per frame), y (W, T)."""
    inputs = seed_frames(clip.video, size=size, mode=mode)
    labels = load_jump_labels(clip.labels)
    steps = seed_input_frames(mode, window)
    indicator = jump_targets(labels, len(inputs))
    starts = window_starts(labels, len(inputs), steps, window, offset)
    x = np.stack([inputs[s:s + steps] for s in starts]).astype(np.float16)
    if mode != "flow":
        x /= np.float16(255.0)
    y = np.stack([indicator[s:s + steps] for s in starts])
    return x, y


def train_seed_model(clips: list[Clip], mode: str = "gray", epochs: int = 3, batch_size: int = BATCH_SIZE,
                     learning_rate: float = LEARNING_RATE, seed: int = 0, verbose: int = 2) -> keras.Model:
    """Return the seed model trained as the seed did: categorical cross-entropy, SGD with Nesterov momentum 0.9."""
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    model = build_seed_model(mode)
    model.compile(keras.optimizers.SGD(learning_rate, momentum=SEED_MOMENTUM, nesterov=True),
                  loss="categorical_crossentropy",
                  metrics=["categorical_accuracy"])
    for epoch in range(epochs):  # a new random window offset each epoch, as the seed did
        offset = int(rng.integers(0, SEED_WINDOW))
        pairs = [seed_windows(clip, mode, offset=offset) for clip in clips]
        x = np.concatenate([p[0] for p in pairs])
        y = np.concatenate([p[1] for p in pairs])
        if verbose:
            print(f"seed {mode} epoch {epoch + 1}/{epochs}: {len(x)} windows")
        model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=True, verbose=verbose)
    return model
