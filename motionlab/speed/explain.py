"""What the speed regressor looks at: saliency of one frame pair's flow, and its held-out MSE when the drive's
video is changed (colour, contrast, blur, brightness, sky and hood masked, mirror)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..explain.input_changes import INPUT_CHANGES, background_mask, error_by_change
from ..explain.saliency import gradient_saliency, occlusion_sensitivity
from ..flow.params import FlowParams
from ..video import load_labels, probe_video
from .data import DriveArrays, model_inputs
from .drives import Drive
from .evaluate import model_kind, mse

OCCLUSION_PATCH_PX = 11  # occluded square, pixels of the 66x220 flow: a sixth of its height, about a lane's width


def pair_input(model, arrays: DriveArrays, pair: int) -> np.ndarray:
    """Return the model's input for one frame pair of a drive: (H, W, C), as the model reads it."""
    kind, context = model_kind(model)
    return model_inputs(arrays, np.array([pair]), kind, context)[0]


def pair_saliency(model, arrays: DriveArrays, pair: int) -> dict[str, np.ndarray]:
    """Return {"gradient": (H, W), "occlusion": (H, W) m/s} for one frame pair of a drive (flow-sized maps)."""
    model_input = pair_input(model, arrays, pair)
    return {"gradient": gradient_saliency(model, model_input),
            "occlusion": occlusion_sensitivity(model, model_input, OCCLUSION_PATCH_PX)}


def road_only(video: str | os.PathLike, params: FlowParams = FlowParams()):
    """Return the input change that paints everything outside the road crop (sky, hood) mean grey."""
    info = probe_video(video)
    top, bottom = params.crop_rows(info.height)
    return background_mask((top, 0, bottom - top, info.width))


def mse_by_input_change(model, drives: list[Drive], smoothing: int, work_dir: str | os.PathLike,
                        workers: int = 2) -> dict[str, float]:
    """Return {input change: held-out MSE (m/s)^2 of the model, smoothed like `speed`} over whole drives.

    Each changed video goes through the same pipeline as `python -m motionlab speed` (flow, model, smoothing).
    "background masked" paints the sky and hood grey (outside the crop the flow is computed on): it should not
    matter, and checks that the crop is all the model reads.
    """
    from .predict import predict_video_speeds

    labels = {Path(drive.video): load_labels(drive.labels) for drive in drives}

    def score(original: Path, changed: Path) -> float:
        predicted = predict_video_speeds(changed, model, smoothing=smoothing, workers=workers, progress=False)
        return mse(predicted, labels[original])

    changes = (*INPUT_CHANGES, road_only(drives[0].video))
    return error_by_change(list(labels), score, work_dir, changes)


