"""Procedural, tileable textures for the synthetic scenes: multi-scale noise, asphalt, grass, facades."""

from __future__ import annotations

import cv2
import numpy as np


def tileable_noise(rng: np.random.Generator, shape: tuple[int, int], cell: int) -> np.ndarray:
    """Return smooth noise that wraps at its edges, (H, W) float32 in about [-1, 1], features ~cell pixels wide."""
    height, width = shape
    grid_h, grid_w = max(1, height // cell), max(1, width // cell)
    grid = rng.standard_normal((grid_h, grid_w)).astype(np.float32)
    padded = np.pad(grid, 2, mode="wrap")
    scale_y, scale_x = height / grid_h, width / grid_w
    big = cv2.resize(padded, (int(round(padded.shape[1] * scale_x)), int(round(padded.shape[0] * scale_y))),
                     interpolation=cv2.INTER_CUBIC)
    top, left = int(round(2 * scale_y)), int(round(2 * scale_x))
    return big[top:top + height, left:left + width] / 1.2


def fractal_noise(rng: np.random.Generator, shape: tuple[int, int], cells=(4, 16, 64), weights=(0.5, 0.3, 0.2)):
    """Return a weighted sum of tileable noise at several feature sizes, (H, W) float32, roughly unit spread."""
    total = np.zeros(shape, np.float32)
    for cell, weight in zip(cells, weights):
        total += weight * tileable_noise(rng, shape, cell)
    return total


def colorize(noise: np.ndarray, base_bgr, spread: float) -> np.ndarray:
    """Return a BGR float32 image: base colour times (1 + spread * noise)."""
    gain = 1.0 + spread * noise[..., None]
    return np.asarray(base_bgr, np.float32)[None, None, :] * gain


def mip_levels(texture: np.ndarray, count: int) -> list[np.ndarray]:
    """Return copies of a texture blurred more and more along rows (far road is squeezed vertically), uint8."""
    levels = [texture]
    for level in range(1, count):
        rows = 2 ** level
        cols = 2 ** (level // 2)
        padded = np.concatenate([texture[-rows:], texture, texture[:rows]])  # rows wrap around
        levels.append(cv2.blur(padded, (cols, rows))[rows:-rows])
    return levels
