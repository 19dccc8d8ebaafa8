"""How flow is computed: Farneback settings, the road crop and size, and OpenCV's Farneback on one frame pair."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from ..frames import CROP_BOTTOM, CROP_TOP, MODEL_SIZE, crop_rows
from ..video import prepare_frame
from .encodings import change_brightness


@dataclass(frozen=True)
class FlowParams:
    """How flow is computed: Farneback settings (the seed's by default), the crop and the model's input size."""

    pyr_scale: float = 0.5  # each pyramid level is this fraction of the one below
    levels: int = 1  # pyramid levels above the full-size image
    winsize: int = 15  # averaging window, pixels
    iterations: int = 2  # iterations per pyramid level
    poly_n: int = 5  # neighbourhood of the polynomial expansion, pixels
    poly_sigma: float = 1.3  # Gaussian sigma of the polynomial expansion, pixels
    crop_top: float = CROP_TOP  # sky ends here, fraction of frame height (comma.ai 640x480: row 130)
    crop_bottom: float = CROP_BOTTOM  # hood starts here, fraction of frame height (comma.ai 640x480: row 370)
    height: int = MODEL_SIZE[0]  # rows of the image flow is computed on, pixels (NVIDIA PilotNet's input)
    width: int = MODEL_SIZE[1]  # columns of the image flow is computed on, pixels

    def __post_init__(self):
        """Reject settings OpenCV would silently misuse."""
        if not 0 < self.pyr_scale < 1:
            raise ValueError(f"pyr_scale must be in (0, 1), got {self.pyr_scale}")
        if self.levels < 0 or self.iterations < 1:
            raise ValueError(f"levels must be >= 0 and iterations >= 1, got {self.levels} and {self.iterations}")
        if self.winsize < 1 or self.poly_n not in (5, 7) or self.poly_sigma <= 0:
            raise ValueError(f"need winsize >= 1, poly_n 5 or 7 and poly_sigma > 0, got {self.winsize}, "
                             f"{self.poly_n}, {self.poly_sigma}")
        if not 0 <= self.crop_top < self.crop_bottom <= 1:
            raise ValueError(f"need 0 <= crop_top < crop_bottom <= 1, got {self.crop_top} and {self.crop_bottom}")
        if self.height < 8 or self.width < 8:
            raise ValueError(f"height and width must be at least 8 pixels, got {self.height}x{self.width}")

    def crop_rows(self, frame_height: int) -> tuple[int, int]:
        """Return the (first, last + 1) pixel rows kept between sky and hood in a frame of this height."""
        top, bottom = crop_rows(frame_height, self.crop_top, self.crop_bottom)
        if bottom <= top:
            raise ValueError(f"the crop keeps no row of a {frame_height}-row frame")
        return top, bottom

    def as_dict(self) -> dict:
        """Return every setting by name (what a cache key is made of)."""
        return asdict(self)


def prepare(frame_bgr: np.ndarray, params: FlowParams = FlowParams()) -> np.ndarray:
    """Return the frame cropped to road, resized and grayscale: (height, width) uint8."""
    return prepare_frame(frame_bgr, params.crop_rows(frame_bgr.shape[0]), (params.height, params.width), gray=True)


def farneback(prev_gray: np.ndarray, next_gray: np.ndarray, params: FlowParams = FlowParams()) -> np.ndarray:
    """Return dense Farneback flow from prev to next: (H, W, 2) float32 (dx, dy), pixels per frame."""
    if prev_gray.shape != next_gray.shape or prev_gray.ndim != 2:
        raise ValueError(f"need two gray images of one shape, got {prev_gray.shape} and {next_gray.shape}")
    return cv2.calcOpticalFlowFarneback(prev_gray, next_gray, None, params.pyr_scale, params.levels, params.winsize,
                                        params.iterations, params.poly_n, params.poly_sigma, 0)


def pair_flow(prev_bgr: np.ndarray, next_bgr: np.ndarray, params: FlowParams = FlowParams(),
              brightness: float = 1.0) -> np.ndarray:
    """Return the flow of one frame pair, both frames brightened by the same factor: (height, width, 2) float32."""
    if brightness != 1.0:
        prev_bgr, next_bgr = change_brightness(prev_bgr, brightness), change_brightness(next_bgr, brightness)
    return farneback(prepare(prev_bgr, params), prepare(next_bgr, params), params)
