"""Classify a video with a shipped or saved action model: window probabilities over time, and one label per video
(what `python -m motionlab classify` and the web app call). Imports no training code."""

from __future__ import annotations

import os
import warnings
import zipfile
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..cache import MODELS_DIR
from ..clips.crop import cut_sample, decode_for_sampling
from ..clips.sampling import ClipSampling, fit_to_length, warn_short
from ..video import VideoError, probe_video
from .data import GESTURE_CLASSES, GESTURES_SAMPLING, WEIZMANN_CLASSES, WEIZMANN_SAMPLING
from .recipes import SHIPPED_METHODS, split_recipe

INFERENCE_STRIDE = 4  # frames between the starts of the windows a video is read in
BATCH_SIZE = 32  # windows per model call; shorter batches are padded to it, so the compiled predict traces once


@dataclass(frozen=True)
class ActionModelSpec:
    """A shipped model: its name, file, output classes and how its input clips are sampled."""

    name: str
    path: Path
    class_names: tuple[str, ...]
    sampling: ClipSampling


def shipped_spec(name: str, class_names: tuple[str, ...], sampling: ClipSampling) -> ActionModelSpec:
    """Return the spec of the shipped model `name`: models/action_<name>.keras, reading clips as the data set's
    sampling changed by the recipe of its method in SHIPPED_METHODS."""
    return ActionModelSpec(name, MODELS_DIR / f"action_{name}.keras", class_names,
                           split_recipe(SHIPPED_METHODS[name])[1].apply(sampling))


SHIPPED = {"weizmann": shipped_spec("weizmann", WEIZMANN_CLASSES, WEIZMANN_SAMPLING),
           "gestures": shipped_spec("gestures", GESTURE_CLASSES, GESTURES_SAMPLING)}
MODEL_NAMES = tuple(name for name, spec in SHIPPED.items() if spec.path.exists())  # the shipped names (weights in
# models/) that `--model` and classify_video accept besides a path


@dataclass(frozen=True)
class ActionModel:
    """A loaded action model with what it needs to read a video."""

    model: object  # keras.Model: (batch, frames, h, w, c) -> (batch, classes) probabilities
    spec: ActionModelSpec


def resolve_model(name_or_path: str | os.PathLike) -> Path:
    """Return the .keras file a model name or path names; raise ValueError (before TensorFlow loads) if unusable."""
    if str(name_or_path) in SHIPPED:
        path = SHIPPED[str(name_or_path)].path
        if not path.exists():
            raise ValueError(f"--model {name_or_path}: the shipped weights {path} are missing")
        return path
    path = Path(name_or_path)
    if not path.exists():
        raise ValueError(f"--model {path}: no such file (use {' / '.join(MODEL_NAMES)} or a .keras file)")
    if path.is_dir() or path.suffix != ".keras" or not zipfile.is_zipfile(path):
        raise ValueError(f"--model {path}: not a Keras model file (.keras)")
    return path


def _spec_for(model, path: Path) -> ActionModelSpec:
    """Return the shipped spec whose input shape and classes a loaded model matches (it then reads videos as that
    shipped model does); raise ValueError if none does."""
    input_shape, output_shape = tuple(model.input_shape[1:]), tuple(model.output_shape[1:])
    for spec in SHIPPED.values():
        if input_shape == spec.sampling.sample_shape and output_shape == (len(spec.class_names),):
            return replace(spec, path=path)
    expected = ", ".join(f"{s.sampling.sample_shape} -> ({len(s.class_names)},)" for s in SHIPPED.values())
    raise ValueError(f"--model {path}: input {input_shape} -> output {output_shape} is not an action model "
                     f"(expected {expected})")


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int) -> ActionModel:
    """Return the ActionModel saved at path (cached per process and file version)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many kinds for a file that is not a model
        raise ValueError(f"--model {path}: cannot load it as a Keras model ({type(error).__name__})") from None
    return ActionModel(model, _spec_for(model, Path(path)))


def load_action_model(name_or_path: str | os.PathLike = "weizmann") -> ActionModel:
    """Return a loaded action model by shipped name ("weizmann", "gestures") or .keras path, cached per process."""
    if isinstance(name_or_path, ActionModel):
        return name_or_path
    path = resolve_model(name_or_path)
    return _load(str(path.resolve()), path.stat().st_mtime_ns)


def video_windows(clip: np.ndarray, sampling: ClipSampling, fps: float, stride: int = INFERENCE_STRIDE,
                  name: str = "clip") -> tuple[np.ndarray, np.ndarray]:
    """Return (window start frames (W,) int, window frame indices (W, frames) int) covering a decoded clip."""
    sampling = replace(sampling, mode="windows", stride=stride)
    n = len(clip)
    if n < sampling.frames_spanned(fps):
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warn_short(name, n, sampling.frames_spanned(fps), sampling.short)
    starts = np.array(sampling.sample_starts(n, fps))
    indices = np.stack([fit_to_length(sampling.sample_indices(n, s, fps), n, sampling.short) for s in starts])
    return starts, indices


def window_probabilities(model: ActionModel | str, decoded: tuple, fps: float, stride: int = INFERENCE_STRIDE,
                         name: str = "clip") -> tuple[np.ndarray, np.ndarray]:
    """Return (window start frames (W,) int, class probabilities (W, classes) float32) of a video decoded by
    decode_for (the clip as the model reads it, and its gray frames for cropping or None)."""
    model = load_action_model(model)
    source, foreground = decoded
    starts, indices = video_windows(source, model.spec.sampling, fps, stride, name)
    outputs = []
    for first in range(0, len(indices), BATCH_SIZE):
        batch = np.stack([cut_sample(source, foreground, i, model.spec.sampling)
                          for i in indices[first:first + BATCH_SIZE]])
        padded = np.concatenate([batch, np.zeros((BATCH_SIZE - len(batch), *batch.shape[1:]), batch.dtype)])
        outputs.append(np.asarray(model.model.predict_on_batch(padded))[:len(batch)])
    return starts, np.concatenate(outputs).astype(np.float32)


def decode_for(model: ActionModel, path: str | os.PathLike, progress: bool = False) -> tuple:
    """Return a video decoded as the model reads it, not cached: (frames or motion (N, h, w, c), gray frames for
    cropping or None)."""
    return decode_for_sampling(path, model.spec.sampling, use_cache=False, progress=progress)


def classify_video(path: str | os.PathLike, model: ActionModel | str = "weizmann", progress: bool = True) -> dict:
    """Return {"video": path, "label": class, "probabilities": {class: p}} for one video: the mean of its windows'
    probabilities. Raises VideoError or ValueError (one line naming the file) for a missing or unreadable video."""
    info = probe_video(path)
    loaded = load_action_model(model)
    decoded = decode_for(loaded, path, progress)
    _, probabilities = window_probabilities(loaded, decoded, info.fps, name=str(path))
    mean = probabilities.mean(axis=0)
    names = loaded.spec.class_names
    return {"video": str(path), "label": names[int(mean.argmax())],
            "probabilities": {name: round(float(p), 6) for name, p in zip(names, mean)}}


__all__ = ["MODEL_NAMES", "ActionModel", "VideoError", "classify_video", "load_action_model", "window_probabilities"]
