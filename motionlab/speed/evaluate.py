"""Evaluating speed regressors: per-pair predictions, smoothing, baselines and the results table (MSE, (m/s)^2)."""

from __future__ import annotations

from collections import deque
from typing import Iterable, Iterator

import numpy as np

from .data import RAW_INPUT, SEED_INPUT, DriveArrays, model_inputs

PREDICT_BATCH = 256  # pairs per model call


def mse(predicted: np.ndarray, true: np.ndarray) -> float:
    """Return the mean squared error, (m/s)^2."""
    predicted, true = np.asarray(predicted, np.float64), np.asarray(true, np.float64)
    if predicted.shape != true.shape:
        raise ValueError(f"shapes differ: {predicted.shape} vs {true.shape}")
    return float(np.mean((predicted - true) ** 2))


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Return a centred moving average over `window` samples (edges reflected), same shape float32."""
    values = np.asarray(values, np.float32)
    if window <= 1 or len(values) < 2:
        return values
    half = min(window // 2, len(values) - 1)
    padded = np.pad(values, half, mode="reflect")
    kernel = np.ones(2 * half + 1, np.float32) / (2 * half + 1)
    return np.convolve(padded, kernel, mode="valid").astype(np.float32)


def model_kind(model) -> tuple[str, int]:
    """Return (input kind, context fields) a model expects, read from its input layer."""
    if model.inputs[0].name.startswith("flow_rgb") or model.name.startswith("seed"):
        return SEED_INPUT, 1
    return RAW_INPUT, model.input_shape[-1] // 2


def predict_pairs(model, arrays: DriveArrays) -> np.ndarray:
    """Return the model's speed for every pair of a drive, (N-1,) float32 m/s."""
    kind, context = model_kind(model)
    out = []
    for start in range(0, len(arrays.speeds), PREDICT_BATCH):
        pairs = np.arange(start, min(start + PREDICT_BATCH, len(arrays.speeds)))
        out.append(model.predict_on_batch(model_inputs(arrays, pairs, kind, context)).reshape(-1))
    return np.concatenate(out).astype(np.float32)


def predict_flow_stream(model, flows: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """Yield the model's speeds (m/s) for a stream of flow fields, in batches, keeping only a few fields in memory."""
    kind, context = model_kind(model)
    if kind != RAW_INPUT:
        raise ValueError("streaming prediction needs a raw-flow model")
    half = context // 2
    window: deque = deque()  # flow fields first..first+len(window)-1
    first, pending, seen = 0, 0, 0

    def predict(upto):
        nonlocal first, pending
        arrays = DriveArrays("stream", np.stack(window), np.zeros(len(window), np.float32))
        pairs = np.arange(pending, upto) - first
        # pairs near the window's start need real neighbours unless the stream itself starts there
        speeds = model.predict_on_batch(model_inputs(arrays, pairs, kind, context)).reshape(-1)
        pending = upto
        while first < pending - half:
            window.popleft()
            first += 1
        return speeds

    for field in flows:
        window.append(np.asarray(field, np.float16))
        seen += 1
        if seen - half - pending >= PREDICT_BATCH:
            yield predict(seen - half)
    if seen == 0:
        raise ValueError("no flow fields: the video needs at least 2 frames")
    if pending < seen:
        yield predict(seen)


def mean_magnitude(arrays: DriveArrays, chunk: int = 512) -> np.ndarray:
    """Return the mean flow length of every pair, (N-1,) float32 pixels per frame."""
    out = []
    for start in range(0, len(arrays.flow), chunk):
        flow = np.asarray(arrays.flow[start:start + chunk], np.float32)
        out.append(np.sqrt((flow ** 2).sum(-1)).mean(axis=(1, 2)))
    return np.concatenate(out)


class MeanBaseline:
    """Predicts the training drives' mean speed for every pair."""

    name = "training mean"

    def fit(self, drives: list[DriveArrays]) -> "MeanBaseline":
        """Remember the mean pair speed of the training drives (m/s) and return self."""
        self.mean = float(np.concatenate([d.speeds for d in drives]).mean())
        return self

    def predict(self, arrays: DriveArrays) -> np.ndarray:
        """Return the training mean for every pair, (N-1,) float32 m/s."""
        return np.full(len(arrays.speeds), self.mean, np.float32)


class MagnitudeBaseline:
    """A straight line from a pair's mean flow length (px/frame) to its speed (m/s), fitted on training drives."""

    name = "linear fit on mean flow magnitude"

    def fit(self, drives: list[DriveArrays]) -> "MagnitudeBaseline":
        """Fit speed = slope * mean magnitude + intercept by least squares and return self."""
        x = np.concatenate([mean_magnitude(d) for d in drives])
        y = np.concatenate([d.speeds for d in drives])
        self.slope, self.intercept = np.polyfit(x, y, 1)
        return self

    def predict(self, arrays: DriveArrays) -> np.ndarray:
        """Return the fitted line's speed for every pair, (N-1,) float32 m/s."""
        return np.maximum(self.slope * mean_magnitude(arrays) + self.intercept, 0).astype(np.float32)


def evaluate(predictors: dict, drives: list[DriveArrays], smoothing_window: int = 1) -> dict:
    """Return {predictor name: {drive name: MSE, 'all': MSE over all pairs}} in (m/s)^2.

    predictors maps a name to a function DriveArrays -> (N-1,) speeds; predictions are smoothed over
    smoothing_window pairs first.
    """
    table = {}
    for name, predict in predictors.items():
        row, errors = {}, []
        for arrays in drives:
            predicted = smooth(predict(arrays), smoothing_window)
            row[arrays.name] = mse(predicted, arrays.speeds)
            errors.append((predicted - arrays.speeds) ** 2)
        row["all"] = float(np.concatenate(errors).mean())
        table[name] = row
    return table
