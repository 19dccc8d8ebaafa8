"""Trivial baselines beside every model: the majority class, and the nearest training clip by a motion descriptor
(a motion-history image, or the mean frame difference), no learning."""

from __future__ import annotations

import numpy as np

from ..clips.decode import as_float, frame_differences

DESCRIPTORS = ("mhi", "mean_diff")
MHI_THRESHOLD = 0.1  # a pixel "moved" when its frame difference exceeds this (intensities in [0, 1])


def motion_history(frames: np.ndarray) -> np.ndarray:
    """Return a clip's motion-history image: 1 where it moved last, fading linearly to 0 at its first frame,
    (H, W) float32 (Bobick and Davis' MHI with the clip's length as its duration)."""
    moved = as_float(frame_differences(frames)).max(axis=-1) > MHI_THRESHOLD
    history = np.zeros(moved.shape[1:], np.float32)
    for t, mask in enumerate(moved, start=1):
        history[mask] = t / len(moved)
    return history


def clip_descriptor(frames: np.ndarray, kind: str) -> np.ndarray:
    """Return one clip's descriptor (H*W,) float32, unit length: its MHI or its mean absolute frame difference."""
    if kind == "mhi":
        image = motion_history(frames)
    elif kind == "mean_diff":
        image = as_float(frame_differences(frames)).mean(axis=(0, -1))
    else:
        raise ValueError(f"descriptor {kind!r}: use one of {DESCRIPTORS}")
    vector = image.ravel()
    return vector / max(float(np.linalg.norm(vector)), 1e-6)


def nearest_neighbour(train_descriptors: np.ndarray, train_labels: np.ndarray, test_descriptors: np.ndarray,
                      classes: int) -> np.ndarray:
    """Return one-hot predictions (n_test, classes) float32: each test clip takes its nearest training clip's label."""
    distances = ((test_descriptors[:, None, :] - train_descriptors[None, :, :]) ** 2).sum(-1)
    nearest = np.asarray(train_labels)[distances.argmin(axis=1)]
    return np.eye(classes, dtype=np.float32)[nearest]


def majority(train_labels: np.ndarray, n_test: int, classes: int) -> np.ndarray:
    """Return (n_test, classes) float32: every test clip gets the most frequent training class (ties: lowest)."""
    counts = np.bincount(np.asarray(train_labels), minlength=classes)
    return np.tile(np.eye(classes, dtype=np.float32)[counts.argmax()], (n_test, 1))
