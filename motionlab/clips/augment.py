"""One random geometric and brightness transform per clip, the same on every frame, drawn from a seed."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class ClipAugmentation:
    """Ranges of the random transform drawn once per clip.

    flip: probability of a horizontal mirror; shift: largest shift, fraction of width / height; zoom: largest
    relative scale change (0.1 = 0.9-1.1x); rotation: largest angle, degrees; brightness: largest relative
    change of intensity (frames only; differences and flow keep theirs).
    """

    flip: float = 0.5
    shift: float = 0.1
    zoom: float = 0.1
    rotation: float = 5.0
    brightness: float = 0.2

    def __post_init__(self):
        if not 0 <= self.flip <= 1:
            raise ValueError(f"flip={self.flip}: a probability in [0, 1]")
        if min(self.shift, self.zoom, self.rotation, self.brightness) < 0 or self.zoom >= 1:
            raise ValueError("shift, rotation and brightness must be >= 0, zoom in [0, 1)")

    def draw(self, rng: np.random.Generator) -> dict:
        """Return one transform's parameters: flip (bool), dx, dy (fractions), scale, angle (degrees), gain."""
        return {"flip": bool(rng.random() < self.flip),
                "dx": float(rng.uniform(-self.shift, self.shift)), "dy": float(rng.uniform(-self.shift, self.shift)),
                "scale": float(rng.uniform(1 - self.zoom, 1 + self.zoom)),
                "angle": float(rng.uniform(-self.rotation, self.rotation)),
                "gain": float(rng.uniform(1 - self.brightness, 1 + self.brightness))}


def transform_matrix(params: dict, height: int, width: int) -> np.ndarray:
    """Return the 2x3 affine matrix of a drawn transform (mirror, then rotate and zoom about the centre, shift)."""
    matrix = cv2.getRotationMatrix2D((width / 2 - 0.5, height / 2 - 0.5), params["angle"], params["scale"])
    if params["flip"]:
        mirror = np.array([[-1.0, 0.0, width - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        matrix = matrix @ mirror
    matrix[:, 2] += (params["dx"] * width, params["dy"] * height)
    return matrix


def warp_clip(clip: np.ndarray, matrix: np.ndarray, size: tuple[int, int], kind: str | None = None) -> np.ndarray:
    """Return a float32 clip (T, H, W, C) in [0, 1] with one 2x3 affine matrix applied to every frame, output
    (T, *size, C); "flow" (2 channels, 0.5 = still) also turns and scales the flow vectors with the image."""
    height, width = size
    channels = clip.shape[-1]
    fill = 0.5 if kind == "flow" else 0.0
    out = np.empty((len(clip), height, width, channels), np.float32)
    for t, frame in enumerate(clip):
        warped = cv2.warpAffine(frame, matrix, (width, height), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=(fill,) * 4)
        out[t] = warped.reshape(height, width, channels)
    if kind == "flow":
        vectors = (out - 0.5) @ matrix[:, :2].astype(np.float32).T
        out = np.clip(vectors + 0.5, 0.0, 1.0).astype(np.float32)
    return out


def apply_transform(clip: np.ndarray, params: dict, kind: str | None = None) -> np.ndarray:
    """Return a float32 clip (T, H, W, C) in [0, 1] with one drawn transform applied to every frame, same shape.

    kind None (frames) also scales brightness; "flow" turns the flow vectors with the image, so a mirrored clip
    moves the other way; "diff" moves pixels only.
    """
    height, width = clip.shape[1:3]
    out = warp_clip(clip, transform_matrix(params, height, width), (height, width), kind)
    if kind is None:
        out = np.clip(out * np.float32(params["gain"]), 0.0, 1.0)
    return out
