"""Crop each sample around its foreground (a silhouette's white pixels): one box per sample, the union over its
frames, so the figure fills the input while its movement inside the sample stays visible."""

from __future__ import annotations

import numpy as np

from .augment import warp_clip
from .decode import as_float, decode_clip
from .sampling import ClipSampling

FOREGROUND_LEVEL = 127  # a pixel of a gray uint8 frame above this is foreground (Weizmann's masks are 0 or 255)
MARGIN = 0.1  # the box grows by this fraction of its size on every side
MOTION_LEVEL = 40  # a gray frame difference above this (of 255) is motion: above the 99th percentile of the gesture
# videos' differences (55) minus sensor noise, chosen by looking at their difference images
MOTION_QUANTILE = 0.01  # the motion box spans these quantiles of the moving pixels' coordinates (drops stray pixels)
MOTION_PIXELS = 0.002  # fewer moving pixels than this fraction of a sample's frame area: no box (the whole frame)


def foreground_box(frames: np.ndarray) -> tuple[float, float, float, float] | None:
    """Return (x0, y0, x1, y1) in pixels around the foreground of uint8 frames (T, H, W, C), None if there is none."""
    mask = frames.max(axis=(0, -1)) > FOREGROUND_LEVEL
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return None
    return float(columns[0]), float(rows[0]), float(columns[-1] + 1), float(rows[-1] + 1)


def motion_box(differences: np.ndarray) -> tuple[float, float, float, float] | None:
    """Return (x0, y0, x1, y1) in pixels around the moving pixels of gray uint8 frame differences (T, H, W, 1),
    None if too few move."""
    mask = differences.max(axis=(0, -1)) > MOTION_LEVEL
    rows, columns = np.nonzero(mask)
    if len(rows) < MOTION_PIXELS * mask.size:
        return None
    (y0, y1), (x0, x1) = (np.quantile(rows, [MOTION_QUANTILE, 1 - MOTION_QUANTILE]),
                          np.quantile(columns, [MOTION_QUANTILE, 1 - MOTION_QUANTILE]))
    return float(x0), float(y0), float(x1 + 1), float(y1 + 1)


def crop_matrix(box, frame_shape: tuple[int, int], size: tuple[int, int]) -> np.ndarray:
    """Return the 2x3 affine matrix that maps the box (with MARGIN, aspect kept) onto the centre of an output of
    size=(h, w); without a box, the whole frame."""
    height, width = size
    if box is None:
        box = (0.0, 0.0, float(frame_shape[1]), float(frame_shape[0]))
    x0, y0, x1, y1 = box
    box_w, box_h = (x1 - x0) * (1 + 2 * MARGIN), (y1 - y0) * (1 + 2 * MARGIN)
    scale = min(height / max(box_h, 1.0), width / max(box_w, 1.0))
    centre_x, centre_y = (x0 + x1) / 2 - 0.5, (y0 + y1) / 2 - 0.5
    return np.array([[scale, 0.0, (width - 1) / 2 - scale * centre_x],
                     [0.0, scale, (height - 1) / 2 - scale * centre_y]])


def crop_sample(source: np.ndarray, foreground: np.ndarray, size: tuple[int, int], kind: str | None = None,
                crop: str = "foreground") -> np.ndarray:
    """Return a sample cropped around the foreground of its frames: (T, *size, C) float32 in [0, 1].

    source: the sample as decoded (frames, differences or flow), (T, H, W, C); foreground: its gray frames (T, H, W, 1)
    uint8 where the box is found, or their differences for crop "motion"."""
    box = motion_box(foreground) if crop == "motion" else foreground_box(foreground)
    matrix = crop_matrix(box, source.shape[1:3], size)
    return warp_clip(as_float(source), matrix, size, kind)


def decode_for_sampling(path, sampling: ClipSampling, use_cache: bool = True, progress: bool = False
                        ) -> tuple[np.ndarray, np.ndarray | None]:
    """Return (the clip as samples read it, its gray frames (or their differences, crop "motion") for cropping or
    None): decoded once, cached."""
    size = sampling.decoded_size
    source = decode_clip(path, size, sampling.channels, sampling.motion, use_cache, progress)
    if sampling.crop is None:
        return source, None
    if sampling.crop == "motion":
        if sampling.motion == "diff" and sampling.channels == 1:
            return source, source
        return source, decode_clip(path, size, 1, "diff", use_cache)
    if sampling.motion is None and sampling.channels == 1:
        return source, source
    return source, decode_clip(path, size, 1, None, use_cache)


def cut_sample(source: np.ndarray, foreground: np.ndarray | None, indices: np.ndarray, sampling: ClipSampling
               ) -> np.ndarray:
    """Return one sample, the decoded frames at indices (cropped when the sampling says so): (frames, h, w, c)
    float32 in [0, 1]."""
    if foreground is None:
        clip = as_float(source[indices])
        if clip.shape[1:3] != tuple(sampling.size):
            clip = warp_clip(clip, crop_matrix(None, clip.shape[1:3], sampling.size), sampling.size, sampling.motion)
        return clip
    shift = sampling.motion is not None and sampling.crop == "foreground"  # frame t+1 ends motion field t
    frames = foreground[np.minimum(indices + shift, len(foreground) - 1)]
    return crop_sample(source[indices], frames, sampling.size, sampling.motion, sampling.crop)
