"""The baselines every next-frame table starts with: copy the last frame, an all-black frame, the mean of the
context, and linear extrapolation of the last two frames. Each maps context (N, K, H, W, C) in [0, 1] to `steps`
predicted frames (N, steps, H, W, C)."""

from __future__ import annotations

import numpy as np


def copy_last(context: np.ndarray, steps: int) -> np.ndarray:
    """Return the last context frame repeated, (N, steps, H, W, C): the seed's baseline."""
    return np.repeat(context[:, -1:], steps, axis=1)


def black_frames(context: np.ndarray, steps: int) -> np.ndarray:
    """Return all-black frames, (N, steps, H, W, C)."""
    return np.zeros((len(context), steps, *context.shape[2:]), np.float32)


def mean_frames(context: np.ndarray, steps: int) -> np.ndarray:
    """Return the mean of the context frames repeated, (N, steps, H, W, C)."""
    return np.repeat(context.mean(axis=1, keepdims=True), steps, axis=1)


def linear_extrapolation(context: np.ndarray, steps: int) -> np.ndarray:
    """Return last + k (last - previous) for k = 1..steps, clipped to [0, 1], (N, steps, H, W, C)."""
    last, change = context[:, -1:], context[:, -1:] - context[:, -2:-1]
    ahead = np.arange(1, steps + 1, dtype=np.float32).reshape(1, steps, 1, 1, 1)
    return np.clip(last + ahead * change, 0.0, 1.0)


BASELINES = {"copy last frame": copy_last, "black frame": black_frames, "mean of context": mean_frames,
             "linear extrapolation": linear_extrapolation}  # table name -> (context, steps) -> frames
