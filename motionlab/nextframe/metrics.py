"""Frame-prediction scores in NumPy: MSE per frame (the published convention), SSIM, PSNR and the seed's perceptual
distance, overall and per predicted step. Arrays are (N, steps, H, W, C) float in [0, 1]."""

from __future__ import annotations

import cv2
import numpy as np

from .losses import SSIM_C1, SSIM_C2, SSIM_SIGMA, SSIM_WINDOW


def _check(truth: np.ndarray, predicted: np.ndarray) -> None:
    """Raise ValueError unless both are (N, steps, H, W, C) of one shape."""
    if truth.shape != predicted.shape or truth.ndim != 5:
        raise ValueError(f"expected two (N, steps, H, W, C) arrays of one shape, got {truth.shape} and "
                         f"{predicted.shape}")


def mse_per_frame(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Return the squared error summed over each frame's pixels (and channels), (N, steps) float64."""
    _check(truth, predicted)
    difference = truth.astype(np.float64) - predicted
    return np.square(difference).sum(axis=(2, 3, 4))


def psnr_per_frame(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Return the PSNR of each frame for pixel range 1, (N, steps) dB (capped at 100 dB for a perfect frame)."""
    mean_squared = mse_per_frame(truth, predicted) / np.prod(truth.shape[2:])
    return np.minimum(10 * np.log10(1.0 / np.maximum(mean_squared, 1e-10)), 100.0)


def _blur(image: np.ndarray) -> np.ndarray:
    """Return an (H, W) float64 image filtered by the SSIM Gaussian window, 'valid' part only (all of it for a
    frame no larger than the window)."""
    margin = SSIM_WINDOW // 2
    blurred = cv2.GaussianBlur(image, (SSIM_WINDOW, SSIM_WINDOW), SSIM_SIGMA, borderType=cv2.BORDER_REFLECT)
    return blurred[margin:-margin, margin:-margin] if min(image.shape) > SSIM_WINDOW else blurred


def ssim_frame(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Return the SSIM of one (H, W, C) frame pair in [0, 1] (Gaussian 11x11 windows, mean over channels)."""
    values = []
    for channel in range(truth.shape[-1]):
        a, b = truth[..., channel].astype(np.float64), predicted[..., channel].astype(np.float64)
        mean_a, mean_b = _blur(a), _blur(b)
        var_a, var_b = _blur(a * a) - mean_a ** 2, _blur(b * b) - mean_b ** 2
        cov = _blur(a * b) - mean_a * mean_b
        index = ((2 * mean_a * mean_b + SSIM_C1) * (2 * cov + SSIM_C2)
                 / ((mean_a ** 2 + mean_b ** 2 + SSIM_C1) * (var_a + var_b + SSIM_C2)))
        values.append(index.mean())
    return float(np.mean(values))


def ssim_per_frame(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Return the SSIM of every predicted frame, (N, steps) float64."""
    _check(truth, predicted)
    return np.array([[ssim_frame(truth[n, s], predicted[n, s]) for s in range(truth.shape[1])]
                     for n in range(truth.shape[0])])


def perceptual_distance(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Return the seed's perceptual distance per frame, (N, steps): the mean over pixels of the 'redmean' colour
    distance on the 0-255 scale, sqrt((2 + r/256) dR^2 + 4 dG^2 + (2 + (255 - r)/256) dB^2), r the mean red.

    Colour frames are BGR (OpenCV's order); gray frames count as R = G = B (the distance is then 3x |d|).
    """
    _check(truth, predicted)
    truth, predicted = truth.astype(np.float64) * 255, predicted.astype(np.float64) * 255
    if truth.shape[-1] == 1:
        truth, predicted = np.repeat(truth, 3, axis=-1), np.repeat(predicted, 3, axis=-1)
    red_mean = (truth[..., 2] + predicted[..., 2]) / 2
    blue, green, red = np.moveaxis(truth - predicted, -1, 0)
    distance = np.sqrt((512 + red_mean) * red ** 2 / 256 + 4 * green ** 2 + (767 - red_mean) * blue ** 2 / 256)
    return distance.mean(axis=(2, 3))


def score(truth: np.ndarray, predicted: np.ndarray, with_ssim: bool = True) -> dict:
    """Return {"mse", "ssim", "psnr", "perceptual"}: means over frames and sequences, and "<name>_per_step" lists."""
    per_frame = {"mse": mse_per_frame(truth, predicted), "psnr": psnr_per_frame(truth, predicted),
                 "perceptual": perceptual_distance(truth, predicted)}
    if with_ssim:
        per_frame["ssim"] = ssim_per_frame(truth, predicted)
    result = {}
    for name, values in per_frame.items():
        result[name] = float(values.mean())
        result[f"{name}_per_step"] = values.mean(axis=0).tolist()
    return result
