"""Next-frame inference (what `predict-next` and the web app call): load a predictor, roll it out, score a video."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import cv2
import numpy as np

from ..cache import MODELS_DIR, atomic_output, check_output_path
from ..progress import progress_bar
from ..video import VideoError, iter_frames, probe_video, write_video

SHIPPED = {"video": MODELS_DIR / "nextframe_video_gray64_warp.keras",  # real video, 64x64 gray, 5 in -> 1 out: the
           # all-conv residual on the Farneback warp (lower validation MSE than the one on the last frame)
           "video_color": MODELS_DIR / "nextframe_video_color96.keras",  # real video, 96x96 colour, 5 in -> 1 out
           "moving_mnist": MODELS_DIR / "nextframe_mnist_simvp_long.keras"}  # Moving MNIST, 10 in -> 10 out: the
           # lowest validation rollout MSE of models/README_nextframe.md's table
WARP_BLEND = 0.7  # flow_blend's weight of the warp against the last frame: the best of 0, 0.1, ..., 1 on the
# validation activities alone (0.639x copy-last there; pure warp 0.680x, pure copy 1x; the test grid printed in the
# same run played no part: its best, 0.5, is not the one used)
DIS_BLEND = 0.8  # dis_blend's weight of the warp: the best of `python -m motionlab.nextframe.selection` on the
# validation activities alone, with DIS flow and repeats skipped (0.575x copy-last there against flow_blend's 0.640x)
CLASSICAL = {"flow_warp": {"warp_weight": 1.0},  # predictors without weights at 64x64 gray: the Farneback warp of
             "flow_blend": {"warp_weight": WARP_BLEND},  # the last frame, that warp blended with the last frame,
             "dis_blend": {"warp_weight": DIS_BLEND, "flow": "dis", "skip_repeats": True, "context": 5}}  # and the
# DIS warp (flow from the latest pair of the 5 frames that is not a repeat) blended with the last frame
MODEL_NAMES = (*SHIPPED, *CLASSICAL)  # names `--model` and the web app accept besides a .keras path
BATCH_WINDOWS = 256  # windows predicted per model call


def resolve_model_path(model: str | os.PathLike) -> Path | str:
    """Return the weights file a model name or path names (a classical predictor's name as it is); ValueError in
    one line if there is none."""
    if str(model) in CLASSICAL:
        return str(model)
    if str(model) in SHIPPED:
        path = SHIPPED[str(model)]
        if not path.exists():
            raise ValueError(f"--model {model}: its weights {path} are missing (re-train, see models/README_nextframe.md)")
        return path
    path = Path(model)
    if path.suffix != ".keras":
        raise ValueError(f"--model {model}: expected one of {', '.join(MODEL_NAMES)} or a .keras file")
    if not path.is_file():
        raise ValueError(f"--model {model}: no such file")
    return path


def load_predictor(model: str | os.PathLike):
    """Return a loaded Keras predictor; ValueError naming the file if it is not a (B, T, H, W, C) frame predictor.

    The last few files loaded stay in memory (keyed by path and modification time), so repeated calls are fast."""
    path = resolve_model_path(model)
    if isinstance(path, str):
        from .models import FlowWarpPredictor

        return FlowWarpPredictor((64, 64), **CLASSICAL[path])
    path = path.resolve()
    return _load(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _load(path: str, modified_ns: int):
    """Return the checked predictor in file `path` (modified_ns keys the cache)."""
    path = Path(path)
    import keras

    from . import losses, models  # noqa: F401  (registers the custom layers and losses)

    try:
        predictor = keras.models.load_model(path, compile=False)
    except Exception as error:  # a zip that is not a Keras model, or a model of unknown layers
        raise ValueError(f"--model {path}: not a loadable Keras model ({type(error).__name__})") from None
    shape_in, shape_out = predictor.input_shape, predictor.output_shape
    if (not isinstance(shape_in, tuple) or len(shape_in) != 5 or len(shape_out) != 5
            or shape_in[2:] != shape_out[2:] or shape_in[-1] not in (1, 3)):
        raise ValueError(f"--model {path}: not a frame predictor (input {shape_in}, output {shape_out}; expected "
                         "(batch, frames, H, W, 1 or 3) in and out)")
    if predictor.name.endswith("_warp"):  # reads the Farneback warp of the last frame too: predict adds it
        from .models import WarpInputPredictor

        return WarpInputPredictor(predictor)
    return predictor


def model_geometry(predictor) -> dict:
    """Return {"context": K or None (any), "steps": frames per call, "size": (H, W), "gray": bool, "sequence": bool}."""
    shape_in, shape_out = predictor.input_shape, predictor.output_shape
    sequence = shape_in[1] is None  # a ConvLSTM: output t is the prediction of frame t + 1
    return {"context": shape_in[1], "steps": 1 if sequence else shape_out[1], "size": tuple(shape_in[2:4]),
            "gray": shape_in[-1] == 1, "sequence": sequence}


def predict_frames(predictor, context: np.ndarray, steps: int) -> np.ndarray:
    """Return (N, steps, H, W, C) float32 predicted frames after (N, K, H, W, C) context frames in [0, 1],
    feeding predictions back whenever the model emits fewer frames per call than asked."""
    geometry = model_geometry(predictor)
    frames = np.asarray(context, np.float32)
    predicted = []
    made = 0
    while made < steps:
        if geometry["sequence"]:
            out = predictor.predict_on_batch(frames)[:, -1:]
        else:
            out = predictor.predict_on_batch(frames[:, -geometry["context"]:])
        out = np.asarray(out, np.float32)[:, :steps - made]
        predicted.append(out)
        made += out.shape[1]
        frames = np.concatenate([frames, out], axis=1)
    return np.concatenate(predicted, axis=1)


def predict_in_batches(predictor, context: np.ndarray, steps: int, progress: bool = False, desc: str = "predicting"
                       ) -> np.ndarray:
    """Return predict_frames over many windows, BATCH_WINDOWS at a time, with a progress bar."""
    chunks = []
    bar = progress_bar(total=len(context), desc=desc, unit="window", enabled=progress)
    for start in range(0, len(context), BATCH_WINDOWS):
        chunks.append(predict_frames(predictor, context[start:start + BATCH_WINDOWS], steps))
        bar.update(len(chunks[-1]))
    bar.close()
    return np.concatenate(chunks)


def _check_count(value, option: str) -> int | None:
    """Return a positive int option value (or None); ValueError naming the option otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or int(value) != value or int(value) < 1:
        raise ValueError(f"{option} {value}: expected a positive whole number")
    return int(value)


def predict_next_video(path: str | os.PathLike, model: str = "video", context: int | None = None,
                       steps: int | None = None, out: str | os.PathLike | None = None, progress: bool = True) -> dict:
    """Return {"model", "frames", "size", "context", "steps", "mse", "mse_copy_last", "ssim", "ssim_copy_last"}:
    for every position of the video, the next `steps` frames predicted from the `context` before it at the model's
    resolution, scored against the video's own frames (MSE per frame summed over pixels in [0, 1]); `out` gets a
    truth | prediction video (the first predicted step of each position)."""
    context, steps = _check_count(context, "--context"), _check_count(steps, "--steps")
    info = probe_video(path)
    model_path = resolve_model_path(model)
    if out is not None:
        check_output_path(out)
    predictor = load_predictor(model_path)
    geometry = model_geometry(predictor)
    context = context or geometry["context"] or 10
    steps = steps or geometry["steps"]
    if geometry["context"] is not None and context != geometry["context"]:
        raise ValueError(f"--context {context}: the model {Path(model_path).name} reads exactly "
                         f"{geometry['context']} frames")
    frames = np.stack(list(progress_bar(iter_frames(path, size=geometry["size"], gray=geometry["gray"]),
                                        total=info.frame_count, desc="decoding", unit="frame", enabled=progress)))
    if frames.ndim == 3:
        frames = frames[..., None]
    if len(frames) < context + steps:
        raise VideoError(f"{path}: {len(frames)} frames, fewer than --context {context} + --steps {steps}")
    windows = np.lib.stride_tricks.sliding_window_view(frames, context + steps, axis=0)
    windows = np.moveaxis(windows, -1, 1)
    from .baselines import copy_last
    from .metrics import mse_per_frame, ssim_per_frame

    scores = {"mse": [], "mse_copy_last": [], "ssim": [], "ssim_copy_last": []}
    previews = []
    bar = progress_bar(total=len(windows), desc="predicting", unit="frame", enabled=progress)
    for start in range(0, len(windows), BATCH_WINDOWS):
        chunk = windows[start:start + BATCH_WINDOWS].astype(np.float32) / 255.0
        seen, truth = chunk[:, :context], chunk[:, context:]
        predicted = predict_frames(predictor, seen, steps)
        baseline = copy_last(seen, steps)
        scores["mse"].append(mse_per_frame(truth, predicted))
        scores["mse_copy_last"].append(mse_per_frame(truth, baseline))
        scores["ssim"].append(ssim_per_frame(truth, predicted))
        scores["ssim_copy_last"].append(ssim_per_frame(truth, baseline))
        if out is not None:
            previews.append(_side_by_side(truth[:, 0], predicted[:, 0]))
        bar.update(len(chunk))
    bar.close()
    if out is not None:
        with atomic_output(out) as partial:
            write_video(partial, np.concatenate(previews), info.fps)
    result = {"model": Path(model_path).stem if str(model) not in SHIPPED else str(model), "frames": int(len(frames)),
              "size": [int(geometry["size"][0]), int(geometry["size"][1])], "context": int(context),
              "steps": int(steps)}
    result.update({name: float(np.concatenate(values).mean()) for name, values in scores.items()})
    return result


def _side_by_side(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Return (N, H, 2W + 2, 3) uint8 BGR frames: truth | prediction with a 2-pixel gray bar between."""
    pair = np.concatenate([truth, np.full((*truth.shape[:2], 2, truth.shape[-1]), 0.5, np.float32), predicted],
                          axis=2)
    pair = np.clip(pair * 255 + 0.5, 0, 255).astype(np.uint8)
    if pair.shape[-1] == 1:
        return np.stack([cv2.cvtColor(frame[..., 0], cv2.COLOR_GRAY2BGR) for frame in pair])
    return pair
