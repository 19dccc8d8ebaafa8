"""Speed of any dashcam video: decode, flow, model, smoothing -> one speed per frame (m/s), like comma.ai's test.txt."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..cache import MODELS_DIR, check_output_path
from ..flow.params import FlowParams
from ..flow.pipeline import check_workers, iter_video_flow
from ..model_files import declared_input_shapes, load_keras_model
from ..progress import progress_bar
from ..video import probe_video, require_frames, save_labels

DEFAULT_MODEL = MODELS_DIR / "speed_flow_cnn.keras"  # the shipped model (models/README.md says how it was made)
SMOOTHING_PAIRS = 41  # centred moving average over this many pairs, chosen with the model on the selection drives
MODEL_FPS = 20.0  # speed models read flow per frame as at this frame rate: they give 20 x metres per frame, which
# is m/s at 20 frames/s; other videos' answers are scaled by fps / MODEL_FPS (flow per frame is speed / fps)
METHODS = ("model", "geometry")  # `speed --method`: a trained model, or the road geometry fit (no training)


MODEL_KIND = "speed model"  # what the errors call a speed model file


def check_speed_model_file(path: str | os.PathLike) -> Path:
    """Return path if it is a .keras archive with one flow-shaped input (read without TensorFlow); ValueError else."""
    shapes = declared_input_shapes(path, MODEL_KIND)
    if len(shapes) != 1 or (shapes[0] is not None and len(shapes[0]) != 4):
        raise ValueError(f"{path}: not a speed model: it takes {shapes or 'no input'}; a speed model takes "
                         f"(batch, height, width, channels) flow")
    return Path(path)


def load_speed_model(path: str | os.PathLike = DEFAULT_MODEL):
    """Return a saved Keras speed model, checked to map (batch, H, W, C) flow to (batch, 1) m/s; ValueError naming
    the file if it is missing, unreadable or of another shape."""
    check_speed_model_file(path)
    model = load_keras_model(path, MODEL_KIND)
    params = FlowParams()
    if len(model.inputs) != 1 or len(model.outputs) != 1 or tuple(model.output_shape) != (None, 1):
        raise ValueError(f"{path}: not a speed model: {len(model.inputs)} input(s), {len(model.outputs)} output(s), "
                         f"output shape {model.output_shape}; a speed model gives one speed per pair, (batch, 1)")
    if tuple(model.input_shape[1:3]) != (params.height, params.width):
        raise ValueError(f"{path}: not a speed model for this flow: it takes {model.input_shape[1:3]} images, the "
                         f"flow is {params.height}x{params.width}")
    return model


def check_smoothing(smoothing: int) -> int:
    """Return smoothing if it is a usable moving-average window (>= 1 frame pairs); ValueError otherwise."""
    if smoothing < 1:
        raise ValueError(f"--smoothing must be a window of at least 1 frame pair, got {smoothing}")
    return smoothing


def predict_video_speeds(video_path: str | os.PathLike, model=None, smoothing: int = SMOOTHING_PAIRS,
                         workers: int = 2, progress: bool = True) -> np.ndarray:
    """Return one speed per frame of any readable video, (N,) float32 m/s: flow, model, then smoothing."""
    from .data import frame_speeds_from_pairs  # Keras loads here, after every check
    from .evaluate import predict_flow_stream, smooth

    check_smoothing(smoothing)
    check_workers(workers)
    model = model if model is not None else load_speed_model()
    info = probe_video(video_path)
    flows = iter_video_flow(video_path, FlowParams(), workers=workers)
    bar = progress_bar(total=max(info.frame_count - 1, 1), unit="pair", desc=f"speed {Path(video_path).name}",
                       enabled=progress)
    pair_speeds = []
    with bar:
        for speeds in predict_flow_stream(model, flows):
            pair_speeds.append(speeds)
            bar.update(len(speeds))
    pair_speeds = smooth(np.concatenate(pair_speeds), smoothing) * np.float32(info.fps / MODEL_FPS)
    return frame_speeds_from_pairs(np.maximum(pair_speeds, 0))


def check_method(method: str) -> str:
    """Return method if `speed --method` knows it; ValueError naming the option otherwise."""
    if method not in METHODS:
        raise ValueError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    return method


def write_speeds_geometry(video_path: str | os.PathLike, out_path: str | os.PathLike, camera_path,
                          smoothing: int | None = None, workers: int = 2, progress: bool = True) -> int:
    """Write one speed per line (m/s) for every frame of a video from its road geometry (no model) and return the
    number of lines. smoothing, if given, is the moving-average window in frames at the video's frame rate.

    Every input (video, output path, camera file, options) is checked before flow starts.
    """
    from .camera import load_camera
    from .geometry import GeometryParams, predict_video_speeds_geometry

    info = require_frames(video_path, 2, "speed from optical flow")
    check_output_path(out_path)
    camera = load_camera(camera_path).for_frame(info.width, info.height, str(camera_path))
    check_workers(workers)
    params = GeometryParams()
    if smoothing is not None:
        params = replace(params, smoothing_s=check_smoothing(smoothing) / info.fps)
    speeds = predict_video_speeds_geometry(video_path, camera, params, workers, progress, str(camera_path))
    save_labels(out_path, speeds)
    return len(speeds)


def write_speeds(video_path: str | os.PathLike, out_path: str | os.PathLike, model_path=DEFAULT_MODEL,
                 **options) -> int:
    """Write one speed per line (m/s) for every frame of a video to out_path and return the number of lines.

    Every input (video, output path, model file, options) is checked before the model loads or flow starts.
    """
    require_frames(video_path, 2, "speed from optical flow")
    check_output_path(out_path)
    check_speed_model_file(model_path)
    check_smoothing(options.get("smoothing", SMOOTHING_PAIRS))
    check_workers(options.get("workers", 0))
    speeds = predict_video_speeds(video_path, load_speed_model(model_path), **options)
    save_labels(out_path, speeds)
    return len(speeds)
