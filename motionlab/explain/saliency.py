"""Which parts of an input move a model's output: gradient saliency and occlusion sensitivity.

Both reduce the model's output to one number per input (the sum of its outputs: a speed, or the jump probability
summed over a window's frames), so they apply unchanged to the speed regressor, the jump counter and the action
models. Inputs are channels-last arrays (H, W, C) or (T, H, W, C); maps come back over (H, W).
"""

from __future__ import annotations

import numpy as np

OCCLUSION_BATCH = 64  # occluded copies scored per model call (bounds memory: 64 counter windows are 17 MB)


def _as_batch(model_input: np.ndarray) -> np.ndarray:
    """Return one input as a float32 batch of one, (1, ...)."""
    return np.asarray(model_input, np.float32)[None]


def output_total(model, batch: np.ndarray) -> np.ndarray:
    """Return the model's outputs summed per input, (B,) float64: the one number the maps explain."""
    outputs = np.asarray(model.predict_on_batch(batch), np.float64)
    return outputs.reshape(len(batch), -1).sum(axis=1)


def gradient_saliency(model, model_input: np.ndarray) -> np.ndarray:
    """Return |d(output total) / d(input)|, summed over channels (and time), for one input: (H, W) float32.

    The gradient says where a small change of the input would change the output most (Simonyan et al. 2014).
    """
    import tensorflow as tf

    batch = tf.convert_to_tensor(_as_batch(model_input))
    with tf.GradientTape() as tape:
        tape.watch(batch)
        total = tf.reduce_sum(model(batch, training=False))
    gradient = np.abs(tape.gradient(total, batch).numpy()[0])
    return gradient.reshape(-1, *gradient.shape[-3:]).sum(axis=(0, 3)).astype(np.float32)


def occlusion_sensitivity(model, model_input: np.ndarray, patch_px: int, stride_px: int | None = None,
                          fill: float = 0.0) -> np.ndarray:
    """Return how much the output total moves when a square patch of the input is replaced by `fill`: (H, W).

    Each pixel holds the mean absolute change of the output total over the patches that cover it (in the output's
    units: m/s for the speed model, expected jumps for the counter). A patch covers every channel and time step.
    fill=0 is "no flow" for flow inputs and the mean grey for standardised frames (Zeiler and Fergus 2014).
    """
    model_input = np.asarray(model_input, np.float32)
    height, width = model_input.shape[-3:-1]
    stride_px = stride_px or max(1, patch_px // 2)
    if not 0 < patch_px <= min(height, width):
        raise ValueError(f"patch_px must be in 1..{min(height, width)}, got {patch_px}")
    reference = output_total(model, _as_batch(model_input))[0]
    corners = [(top, left) for top in range(0, height - patch_px + 1, stride_px)
               for left in range(0, width - patch_px + 1, stride_px)]
    changes = np.zeros((height, width), np.float64)
    covered = np.zeros((height, width), np.float64)
    for start in range(0, len(corners), OCCLUSION_BATCH):
        block = corners[start:start + OCCLUSION_BATCH]
        batch = np.repeat(_as_batch(model_input), len(block), axis=0)
        for index, (top, left) in enumerate(block):
            batch[index, ..., top:top + patch_px, left:left + patch_px, :] = fill
        deltas = np.abs(output_total(model, batch) - reference)
        for (top, left), delta in zip(block, deltas):
            changes[top:top + patch_px, left:left + patch_px] += delta
            covered[top:top + patch_px, left:left + patch_px] += 1
    return (changes / np.maximum(covered, 1)).astype(np.float32)


def overlay(image_gray: np.ndarray, saliency: np.ndarray, strength: float = 0.6) -> np.ndarray:
    """Return a gray image (H, W) with a saliency map (any size, resized) laid over it in colour: (H, W, 3) RGB
    float in [0, 1]; the map is scaled to its own maximum."""
    import cv2
    import matplotlib

    image = np.asarray(image_gray, np.float32)
    image = (image - image.min()) / (np.ptp(image) + 1e-6)
    heat = cv2.resize(np.asarray(saliency, np.float32), (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
    heat = heat / (heat.max() + 1e-12)
    coloured = matplotlib.colormaps["inferno"](heat)[..., :3]
    return np.clip((1 - strength * heat[..., None]) * image[..., None] + strength * heat[..., None] * coloured, 0, 1)
