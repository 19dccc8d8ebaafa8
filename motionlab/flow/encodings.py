"""Flow encodings: what a model (or a one-number statistic) reads of a flow field, and the seed's alternatives.

Each accepts one (H, W, ...) array or a batch (N, H, W, ...).
"""

from __future__ import annotations

import cv2
import numpy as np

RAW_SCALE = 10.0  # flow_raw divides by this: a flow of 10 pixels per frame (model-size image) becomes 1.0
HSV_MAX_MAGNITUDE = 10.0  # flow_hsv_rgb: a flow this long (pixels per frame) or longer gets full brightness


def change_brightness(image_bgr: np.ndarray, factor: float) -> np.ndarray:
    """Return the image with its HSV value multiplied by factor and clipped to 255: same shape, uint8 BGR."""
    if factor < 0:
        raise ValueError(f"brightness factor must be >= 0, got {factor}")
    hsv = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2HSV)
    hsv[..., 2] = cv2.convertScaleAbs(hsv[..., 2], alpha=factor)  # saturates at 255 (the seed's uint8 wrapped)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)


def flow_raw(flow: np.ndarray, scale: float = RAW_SCALE) -> np.ndarray:
    """Return the flow divided by a fixed scale: same shape (..., 2) float32, 1.0 = `scale` pixels per frame."""
    return np.asarray(flow, np.float32) / np.float32(scale)


def magnitude_angle(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return flow length (pixels per frame) and direction (radians in [0, 2 pi)), each of shape flow.shape[:-1]."""
    flow = np.asarray(flow, np.float32)
    magnitude = np.hypot(flow[..., 0], flow[..., 1])
    angle = np.mod(np.arctan2(flow[..., 1], flow[..., 0]), 2 * np.pi)
    return magnitude, angle


def _hsv_to_rgb(hue: np.ndarray, saturation: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Return RGB of OpenCV 8-bit HSV planes (hue 0-179) of any leading shape (..., W): (..., W, 3) uint8."""
    hsv = np.stack(np.broadcast_arrays(hue, saturation, value), axis=-1).astype(np.uint8)
    rows = hsv.reshape(-1, hsv.shape[-2], 3)  # cvtColor is per pixel, so a batch can be stacked into rows
    return cv2.cvtColor(rows, cv2.COLOR_HSV2RGB).reshape(hsv.shape)


def _hue(angle: np.ndarray) -> np.ndarray:
    """Return OpenCV 8-bit hue (0-179, half-degrees) of angles in radians."""
    return np.round(np.degrees(angle) / 2).astype(np.int32) % 180


def flow_hsv_rgb(flow: np.ndarray, max_magnitude: float = HSV_MAX_MAGNITUDE) -> np.ndarray:
    """Return flow as colour at a fixed scale (hue = direction, value = length / max_magnitude): (..., 3) uint8 RGB."""
    magnitude, angle = magnitude_angle(flow)
    value = np.clip(magnitude * (255.0 / max_magnitude), 0, 255)
    return _hsv_to_rgb(_hue(angle), 255, np.round(value))


def seed_hsv_rgb(flow: np.ndarray, next_bgr: np.ndarray) -> np.ndarray:
    """Return the seed's encoding (value = per-frame min-max normalised length): (..., 3) uint8 RGB.

    Hue is the flow direction, saturation is the saturation of the next frame (resized to the flow), and value is
    the flow length stretched so that each frame's shortest vector is 0 and its longest 255, which makes the image
    the same whatever the speed. The seed converted float32 HSV holding 8-bit ranges; this uses the 8-bit convention.
    """
    single = np.ndim(flow) == 3
    if single:
        flow, next_bgr = np.asarray(flow)[None], np.asarray(next_bgr)[None]
    magnitude, angle = magnitude_angle(flow)
    height, width = magnitude.shape[1:]
    saturation = np.stack([cv2.cvtColor(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA),
                                        cv2.COLOR_BGR2HSV)[..., 1] for image in next_bgr])
    low = magnitude.min(axis=(1, 2), keepdims=True)
    span = np.maximum(magnitude.max(axis=(1, 2), keepdims=True) - low, 1e-12)
    rgb = _hsv_to_rgb(_hue(angle), saturation, np.round((magnitude - low) / span * 255))
    return rgb[0] if single else rgb


def rgb_difference(current_bgr: np.ndarray, next_bgr: np.ndarray) -> np.ndarray:
    """Return the seed's rejected input, current minus next in RGB order, signed: (..., H, W, 3) int16."""
    return (np.asarray(current_bgr, np.int16) - np.asarray(next_bgr, np.int16))[..., ::-1]


def _to_hsv(images_bgr: np.ndarray) -> np.ndarray:
    """Return OpenCV 8-bit HSV of BGR images of any leading shape: same shape, uint8."""
    images_bgr = np.asarray(images_bgr, np.uint8)
    rows = images_bgr.reshape(-1, images_bgr.shape[-2], 3)
    return cv2.cvtColor(rows, cv2.COLOR_BGR2HSV).reshape(images_bgr.shape)


def hsv_difference(current_bgr: np.ndarray, next_bgr: np.ndarray) -> np.ndarray:
    """Return the seed's other rejected input, current minus next in HSV (hue 0-179), signed: (..., H, W, 3) int16."""
    return _to_hsv(current_bgr).astype(np.int16) - _to_hsv(next_bgr).astype(np.int16)


STATISTICS_BATCH = 256  # pairs converted at a time by representation_statistics (bounds memory)


def representation_statistics(frames_bgr: np.ndarray, flow: np.ndarray) -> dict[str, np.ndarray]:
    """Return one number per pair for each representation, {name: (N-1,) float64}, from (N, H, W, 3) frames.

    raw flow: mean length, px/frame; fixed-scale and seed HSV->RGB: mean brightness (max of R, G, B), 0-255;
    RGB and HSV difference: mean absolute difference, grey levels. flow is (N-1, H, W, 2), pixels per frame.
    """
    if len(frames_bgr) != len(flow) + 1 or frames_bgr.shape[1:3] != flow.shape[1:3]:
        raise ValueError(f"need N frames and N-1 flow fields of one size, got {frames_bgr.shape} and {flow.shape}")
    names = ["raw flow |dx, dy|", "HSV->RGB, fixed scale", "HSV->RGB, seed (per-frame min-max)",
             "RGB difference", "HSV difference"]
    values = {name: [] for name in names}
    for start in range(0, len(flow), STATISTICS_BATCH):
        fields = np.asarray(flow[start:start + STATISTICS_BATCH], np.float32)
        current = np.asarray(frames_bgr[start:start + len(fields)])
        following = np.asarray(frames_bgr[start + 1:start + 1 + len(fields)])
        batch = [magnitude_angle(flow_raw(fields, 1.0))[0], flow_hsv_rgb(fields).max(axis=-1),
                 seed_hsv_rgb(fields, following).max(axis=-1), np.abs(rgb_difference(current, following)),
                 np.abs(hsv_difference(current, following))]
        for name, array in zip(names, batch):
            values[name].append(array.reshape(len(fields), -1).mean(axis=1))
    return {name: np.concatenate(parts) for name, parts in values.items()}
