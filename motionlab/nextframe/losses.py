"""Training losses for frame prediction (keras.ops, any backend): pixel MSE, binary cross-entropy and an SSIM loss.

The seed's perceptual loss needs ImageNet weights that cannot be had here; SSIM compares local means, contrasts
and structure in 11x11 Gaussian windows instead of single pixels, so it penalises a smeared edge more than MSE does.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

SSIM_WINDOW = 11  # Gaussian window side, pixels (Wang et al. 2004)
SSIM_SIGMA = 1.5  # Gaussian window standard deviation, pixels (Wang et al. 2004)
SSIM_C1, SSIM_C2 = 0.01 ** 2, 0.03 ** 2  # stabilisers for pixel range 1 (Wang et al. 2004: (K L)^2, K1 .01, K2 .03)


def gaussian_window(size: int = SSIM_WINDOW, sigma: float = SSIM_SIGMA) -> np.ndarray:
    """Return the normalised 1-D Gaussian, (size,) float32, summing to 1."""
    offsets = np.arange(size) - (size - 1) / 2
    weights = np.exp(-offsets ** 2 / (2 * sigma ** 2))
    return (weights / weights.sum()).astype(np.float32)


def _blur(images, channels: int):
    """Return (N, H, W, C) images filtered by the separable Gaussian window ('valid' borders)."""
    weights = gaussian_window()
    rows = ops.convert_to_tensor(np.tile(weights[:, None, None, None], (1, 1, channels, 1)))
    cols = ops.convert_to_tensor(np.tile(weights[None, :, None, None], (1, 1, channels, 1)))
    return ops.depthwise_conv(ops.depthwise_conv(images, rows, padding="valid"), cols, padding="valid")


def ssim_map(y_true, y_pred):
    """Return the SSIM of two batches of frames (..., H, W, C) in [0, 1], per frame: shape (...)."""
    shape = ops.shape(y_true)
    channels = y_true.shape[-1]
    truth = ops.reshape(y_true, (-1, shape[-3], shape[-2], channels))
    guess = ops.reshape(y_pred, (-1, shape[-3], shape[-2], channels))
    mean_t, mean_g = _blur(truth, channels), _blur(guess, channels)
    var_t = _blur(truth * truth, channels) - mean_t ** 2
    var_g = _blur(guess * guess, channels) - mean_g ** 2
    cov = _blur(truth * guess, channels) - mean_t * mean_g
    index = ((2 * mean_t * mean_g + SSIM_C1) * (2 * cov + SSIM_C2)
             / ((mean_t ** 2 + mean_g ** 2 + SSIM_C1) * (var_t + var_g + SSIM_C2)))
    return ops.reshape(ops.mean(index, axis=(1, 2, 3)), shape[:-3])


@keras.saving.register_keras_serializable(package="motionlab_nextframe")
def ssim_loss(y_true, y_pred):
    """Return 1 - SSIM per sample (mean over its frames): 0 for a perfect prediction."""
    per_frame = ssim_map(y_true, y_pred)
    return 1.0 - ops.mean(ops.reshape(per_frame, (ops.shape(per_frame)[0], -1)), axis=1)


@keras.saving.register_keras_serializable(package="motionlab_nextframe")
def ssim_mse_loss(y_true, y_pred):
    """Return (1 - SSIM) + 10 * pixel MSE per sample: SSIM for structure, MSE to keep flat regions at their level."""
    squared = ops.mean(ops.reshape((y_true - y_pred) ** 2, (ops.shape(y_true)[0], -1)), axis=1)
    return ssim_loss(y_true, y_pred) + 10.0 * squared


@keras.saving.register_keras_serializable(package="motionlab_nextframe")
def mse_per_frame(y_true, y_pred):
    """Return the published convention per sample: squared error summed over a frame's pixels, mean over frames."""
    squared = (y_true - y_pred) ** 2
    per_frame = ops.sum(squared, axis=(-3, -2, -1))
    return ops.mean(ops.reshape(per_frame, (ops.shape(per_frame)[0], -1)), axis=1)


LOSSES = {"mse": "mse", "bce": "binary_crossentropy", "ssim": ssim_loss, "ssim_mse": ssim_mse_loss}  # by name
