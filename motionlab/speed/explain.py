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




def speed_saliency_image(video: str | os.PathLike, model, out_png: str | os.PathLike,
                         params: FlowParams = FlowParams()) -> Path:
    """Draw which parts of the road moved the model's estimate at the video's middle frame pair (occlusion, m/s,
    over the cropped frame) into out_png and return it."""
    from ..explain.plots import saliency_image
    from ..flow.encodings import RAW_SCALE
    from ..flow.params import farneback, prepare
    from ..video import iter_frames

    kind, context = model_kind(model)
    middle = max(0, probe_video(video).frame_count // 2 - context // 2 - 1)
    gray = [prepare(frame, params) for frame in iter_frames(video, start=middle, stop=middle + context + 1)]
    if len(gray) < context + 1:
        raise ValueError(f"{video}: too short for a saliency image ({len(gray)} frames from frame {middle})")
    fields = [farneback(a, b, params) / np.float32(RAW_SCALE) for a, b in zip(gray[:-1], gray[1:])]
    model_input = np.concatenate(fields, axis=-1)
    occlusion = occlusion_sensitivity(model, model_input, OCCLUSION_PATCH_PX)
    title = f"what the speed model looked at, frames {middle}-{middle + context}"
    return saliency_image(gray[len(gray) // 2], occlusion, title, "m/s", out_png)
