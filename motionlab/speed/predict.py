"""Speed of any dashcam video: decode, flow, model, smoothing -> one speed per frame (m/s), like comma.ai's test.txt."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ..cache import MODELS_DIR
from ..flow.params import FlowParams
from ..flow.pipeline import iter_video_flow
from .data import frame_speeds_from_pairs
from .evaluate import predict_flow_stream, smooth
from ..video import probe_video, save_labels

DEFAULT_MODEL = MODELS_DIR / "speed_flow_cnn.keras"  # the shipped model (models/README.md says how it was made)
SMOOTHING_PAIRS = 41  # centred moving average over this many pairs, chosen with the model on the selection drives


def load_speed_model(path: str | os.PathLike = DEFAULT_MODEL):
    """Return a saved Keras speed model; raise ValueError naming the file if it is missing or unreadable."""
    import keras

    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such model file (the shipped one is {DEFAULT_MODEL})")
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many kinds for a damaged archive
        raise ValueError(f"{path}: not a readable Keras model ({type(error).__name__}: {error})") from None


def predict_video_speeds(video_path: str | os.PathLike, model=None, smoothing: int = SMOOTHING_PAIRS,
                         workers: int = 2, progress: bool = True) -> np.ndarray:
    """Return one speed per frame of any readable video, (N,) float32 m/s: flow, model, then smoothing."""
    model = model if model is not None else load_speed_model()
    info = probe_video(video_path)
    flows = iter_video_flow(video_path, FlowParams(), workers=workers)
    bar = tqdm(total=max(info.frame_count - 1, 1), unit="pair", desc=f"speed {Path(video_path).name}",
               disable=not progress)
    pair_speeds = []
    with bar:
        for speeds in predict_flow_stream(model, flows):
            pair_speeds.append(speeds)
            bar.update(len(speeds))
    pair_speeds = smooth(np.concatenate(pair_speeds), smoothing)
    return frame_speeds_from_pairs(np.maximum(pair_speeds, 0))


def write_speeds(video_path: str | os.PathLike, out_path: str | os.PathLike, model_path=DEFAULT_MODEL,
                 **options) -> int:
    """Write one speed per line (m/s) for every frame of a video to out_path and return the number of lines."""
    probe_video(video_path)  # a missing or unreadable video is reported before the model is loaded
    speeds = predict_video_speeds(video_path, load_speed_model(model_path), **options)
    save_labels(out_path, speeds)
    return len(speeds)
