"""Training a speed model on the user's own labelled video (comma.ai's train.mp4 + train.txt, or any dashcam):
contiguous-block split, train_speed_model, and a closing report against the trivial baselines.

The video's timeline is cut into N_BLOCKS equal blocks; each block is training, validation (early stopping and
learning-rate drops) or test (the reported score, never used to choose anything), and GAP_S seconds of pairs are
dropped on both sides of every border between roles, so no two neighbouring frames ever sit on both sides.
Speeds are taught as MODEL_FPS x metres per frame (m/s at 20 frames/s), the unit every speed model here gives,
so `speed --model` reads any video's frame rate the same way.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..cache import CACHE_DIR, check_output_path
from ..video import load_video_labels, probe_video, require_frames

N_BLOCKS = 10  # contiguous blocks the timeline is cut into
VALIDATION_BLOCKS = (2, 7)  # blocks for early stopping (a fifth of the video, from two places in it)
TEST_BLOCKS = (4, 9)  # blocks for the closing report (another fifth)
GAP_S = 0.5  # pairs dropped on each side of a border between roles, s (more than the 3-field context)
MIN_PAIRS_PER_BLOCK = 8  # a video shorter than N_BLOCKS blocks of this many pairs (plus gaps) is refused
CONTEXT_FIELDS = 3  # flow fields per model input (the shipped model's recipe)
BACKUP_DIR = CACHE_DIR / "train_speed"  # an interrupted training's epochs, one folder per run's arguments


@dataclass(frozen=True)
class BlockSplit:
    """Pair index ranges [start, stop) per role: training, validation, test; all contiguous, with gaps between."""

    train: tuple[tuple[int, int], ...]
    validation: tuple[tuple[int, int], ...]
    test: tuple[tuple[int, int], ...]


def block_split(n_pairs: int, fps: float) -> BlockSplit:
    """Return the contiguous-block split of n_pairs frame pairs at fps, GAP_S seconds dropped at role borders.

    Raises ValueError if the video is too short for every block to keep MIN_PAIRS_PER_BLOCK pairs.
    """
    gap = max(CONTEXT_FIELDS, int(round(GAP_S * fps)))
    edges = np.linspace(0, n_pairs, N_BLOCKS + 1).round().astype(int)
    roles = ["validation" if i in VALIDATION_BLOCKS else "test" if i in TEST_BLOCKS else "train"
             for i in range(N_BLOCKS)]
    ranges: dict[str, list[tuple[int, int]]] = {"train": [], "validation": [], "test": []}
    for i, role in enumerate(roles):
        start = edges[i] + (gap if i > 0 and roles[i - 1] != role else 0)
        stop = edges[i + 1] - (gap if i + 1 < N_BLOCKS and roles[i + 1] != role else 0)
        if stop - start < MIN_PAIRS_PER_BLOCK:
            needed = N_BLOCKS * (MIN_PAIRS_PER_BLOCK + 2 * gap) + 1
            raise ValueError(f"the video has {n_pairs + 1} frames; training on it needs at least {needed} "
                             f"({N_BLOCKS} blocks of {MIN_PAIRS_PER_BLOCK}+ pairs with {gap}-pair gaps)")
        if ranges[role] and ranges[role][-1][1] == start:  # neighbouring blocks of one role join
            ranges[role][-1] = (ranges[role][-1][0], int(stop))
        else:
            ranges[role].append((int(start), int(stop)))
    return BlockSplit(tuple(ranges["train"]), tuple(ranges["validation"]), tuple(ranges["test"]))


def check_training_inputs(video_path, labels_path, out_path, epochs: int, steps: int | None) -> tuple[np.ndarray, float]:
    """Return (per-frame speeds (N,) float32 m/s, fps) after checking every input; ValueError/VideoError in one line
    naming the file or option, before any flow or TensorFlow."""
    require_frames(video_path, 2, "training a speed model")
    speeds = load_video_labels(video_path, labels_path)
    if Path(out_path).suffix != ".keras":
        raise ValueError(f"{out_path}: the model file must end in .keras")
    check_output_path(out_path)
    if epochs < 1:
        raise ValueError(f"--epochs must be at least 1, got {epochs}")
    if steps is not None and steps < 1:
        raise ValueError(f"--steps must be at least 1, got {steps}")
    bad = np.flatnonzero(~np.isfinite(speeds) | (speeds < 0))
    if len(bad):
        raise ValueError(f"{labels_path}: speed number {bad[0] + 1} ({speeds[bad[0]]:g}) is not a speed >= 0 m/s")
    fps = probe_video(video_path).fps
    block_split(len(speeds) - 1, fps)  # refuses a video too short to split
    return speeds, fps


def backup_dir(video_path, labels_path, out_path, epochs: int, steps: int | None) -> Path:
    """Return the folder where a training run with these arguments keeps its epochs until it ends (so running the
    same command again after an interrupt resumes it, and any other command starts afresh)."""
    labels = Path(labels_path).stat()
    key = "|".join(map(str, (Path(video_path).resolve(), Path(video_path).stat().st_size, Path(labels_path).resolve(),
                             labels.st_size, labels.st_mtime_ns, Path(out_path).resolve(), epochs, steps)))
    return BACKUP_DIR / hashlib.sha256(key.encode()).hexdigest()[:24]


def _segments(arrays, ranges, name: str) -> list:
    """Return one DriveArrays per contiguous pair range of a drive."""
    from .data import DriveArrays

    return [DriveArrays(f"{name}[{a}:{b}]", np.asarray(arrays.flow[a:b]), arrays.speeds[a:b]) for a, b in ranges]


def _mse(predicted: np.ndarray, true: np.ndarray) -> float:
    """Return the mean squared error, (m/s)^2."""
    from .evaluate import mse

    return mse(predicted, true)


def train_on_video(video_path: str | os.PathLike, labels_path: str | os.PathLike, out_path: str | os.PathLike,
                   epochs: int = 30, steps: int | None = None, camera=None, progress: bool = True,
                   verbose: int = 1) -> dict:
    """Train a speed model on one labelled video with the contiguous-block split; save it to out_path (.keras) and
    return the report: test-block MSE ((m/s)^2, per pair, raw and smoothed) of the model, the trivial baselines
    (training-block mean and median), the shipped model and, given a camera, the geometry estimator.

    The flow is cached (data/cache/flow) and its computation resumes after an interrupt.
    """
    from .data import DriveArrays
    from .drives import Drive
    from .evaluate import predict_pairs, smooth
    from .predict import MODEL_FPS, SMOOTHING_PAIRS, load_speed_model
    from .training import train_speed_model

    frame_speeds, fps = check_training_inputs(video_path, labels_path, out_path, epochs, steps)
    drive = Drive(Path(video_path).stem, Path(video_path), Path(labels_path))
    arrays = DriveArrays.load(drive, progress=progress)
    split = block_split(len(arrays.speeds), fps)
    to_model = np.float32(MODEL_FPS / fps)  # m/s at this video's fps -> the model's unit
    taught = DriveArrays(arrays.name, arrays.flow, arrays.speeds * to_model)
    train = _segments(taught, split.train, drive.name)
    validation = _segments(taught, split.validation, drive.name)
    model, history = train_speed_model(train, validation, out_path, context=CONTEXT_FIELDS, epochs=epochs,
                                       steps_per_epoch=steps, verbose=verbose,
                                       backup_dir=backup_dir(video_path, labels_path, out_path, epochs, steps))
    test = _segments(arrays, split.test, drive.name)
    true = np.concatenate([segment.speeds for segment in test])
    train_speeds = np.concatenate([arrays.speeds[a:b] for a, b in split.train])
    smoothing = max(1, int(round(SMOOTHING_PAIRS * fps / MODEL_FPS)))  # the shipped window, in seconds

    def scored(predict_segment) -> dict:
        parts = [np.asarray(predict_segment(segment), np.float32) for segment in test]
        raw = np.concatenate(parts)
        smoothed = np.concatenate([smooth(part, smoothing) for part in parts])
        return {"mse": _mse(raw, true), "mse_smoothed": _mse(smoothed, true)}

    shipped = load_speed_model()
    report = {
        "video": str(video_path), "fps": fps, "pairs": len(arrays.speeds),
        "split": {"train": split.train, "validation": split.validation, "test": split.test},
        "epochs_run": len(history.get("loss", [])),
        "best_validation_mse_model_units": float(min(history.get("val_loss", [np.nan]))),
        "test_pairs": len(true),
        "methods": {
            "this model": scored(lambda s: predict_pairs(model, s) / to_model),
            "training-block mean": scored(lambda s: np.full(len(s.speeds), train_speeds.mean())),
            "training-block median": scored(lambda s: np.full(len(s.speeds), np.median(train_speeds))),
            "shipped model": scored(lambda s: predict_pairs(shipped, s) / to_model),
        },
    }
    if camera is not None:
        from .geometry import pair_speeds_geometry, smooth_pair_speeds

        geometry = smooth_pair_speeds(pair_speeds_geometry(video_path, camera, progress=progress), fps)
        report["methods"]["geometry (camera file)"] = scored(lambda s: _range_of(s, geometry))
    return report


def _range_of(segment, values: np.ndarray) -> np.ndarray:
    """Return the values of the pair range a segment's name ends with ([start:stop])."""
    start, stop = segment.name.rsplit("[", 1)[1].rstrip("]").split(":")
    return values[int(start):int(stop)]


def format_report(report: dict) -> str:
    """Return the closing report as a few lines of text."""
    lines = [f"trained {report['epochs_run']} epoch(s) on {Path(report['video']).name} ({report['pairs']} pairs at "
             f"{report['fps']:g} frames/s); test blocks: {report['test_pairs']} pairs, never used for choosing",
             f"{'method':26s} {'MSE (m/s)^2':>12s} {'smoothed':>10s}"]
    for name, score in report["methods"].items():
        lines.append(f"{name:26s} {score['mse']:12.3f} {score['mse_smoothed']:10.3f}")
    return "\n".join(lines)
