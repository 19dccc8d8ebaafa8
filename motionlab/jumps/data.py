"""Jump-rope clips on disk: where they are, their labels, and cached model inputs (full frames, flow, motion crops)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm.auto import tqdm

from ..cache import DATA_DIR, REPO_ROOT, cache_path, save_array_atomic
from ..video import VideoError, iter_frames, probe_video

JUMPROPE_DIR = Path(os.environ.get("MOTIONLAB_JUMPROPE", REPO_ROOT.parent / "shared" / "data" / "jumprope"))  # real
# clips, read in place (never copied here); override with MOTIONLAB_JUMPROPE
SYNTH_DIR = DATA_DIR / "synth" / "jumprope"  # synthetic clips rendered by `python -m motionlab synth jumprope`
VIDEO_DIR, LABEL_DIR = "speed_videos", "speed_annotations"  # layout of both folders
STORE_LONG_SIDE = 384  # frames are decoded once at this long side (pixels) before motion cropping
BOX_LONG_SIDE = 96  # the motion-energy map that places the crop is this many pixels along its long side
BOX_THRESHOLD = 0.3  # pixels with at least this fraction of the peak motion energy belong to the athlete
BOX_MARGIN = 1.25  # the square crop is this many times the athlete's motion box
FARNEBACK_SEED = (0.5, 3, 15, 3, 5, 1.2, 0)  # the seed's Farneback settings: pyr scale, levels, window, iterations,
# poly_n, poly_sigma, flags


@dataclass(frozen=True)
class Clip:
    """One labelled clip: its name, video file and labels file (.npy of jump frame indices)."""

    name: str
    video: Path
    labels: Path


def list_clips(root: str | os.PathLike = JUMPROPE_DIR) -> list[Clip]:
    """Return the labelled clips under root/speed_videos + root/speed_annotations, sorted by name."""
    root = Path(root)
    videos = root / VIDEO_DIR
    if not videos.is_dir():
        raise FileNotFoundError(f"{videos}: no such folder; expected ROOT/{VIDEO_DIR}/*.mp4 and ROOT/{LABEL_DIR}/*.npy"
                                f" (set MOTIONLAB_JUMPROPE for the real clips)")
    clips = []
    for video in sorted(videos.glob("*.mp4")):
        labels = root / LABEL_DIR / f"{video.stem}.npy"
        if labels.exists():
            clips.append(Clip(video.stem, video, labels))
    return clips


def load_jump_labels(path: str | os.PathLike, frame_count: int | None = None) -> np.ndarray:
    """Return the jump frame indices of a labels file, (J,) int64 ascending; VideoError if unusable."""
    path = Path(path)
    if not path.exists():
        raise VideoError(f"{path}: no such labels file")
    labels = np.load(path)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise VideoError(f"{path}: expected a 1-D array of integer frame indices, got {labels.dtype} {labels.shape}")
    if len(labels) and (np.diff(labels) <= 0).any():
        raise VideoError(f"{path}: frame indices must be strictly ascending")
    if len(labels) and (labels[0] < 0 or (frame_count is not None and labels[-1] >= frame_count)):
        raise VideoError(f"{path}: frame indices must lie in [0, {frame_count})")
    return labels.astype(np.int64)


def save_jump_labels(path: str | os.PathLike, frames) -> Path:
    """Write jump frame indices as a sorted, de-duplicated int32 .npy, atomically; return the path."""
    frames = np.unique(np.asarray(frames, dtype=np.int64))
    if len(frames) and frames[0] < 0:
        raise ValueError("jump frame indices must not be negative")
    return save_array_atomic(Path(path), frames.astype(np.int32))


def labelled_span(labels: np.ndarray, margin: int = 2) -> tuple[int, int]:
    """Return the (first, last) frame of the scored span: first label - margin to last label + margin, inclusive."""
    if len(labels) == 0:
        raise ValueError("a clip without labels has no labelled span")
    return int(labels[0]) - margin, int(labels[-1]) + margin


def jump_targets(labels: np.ndarray, n_frames: int) -> np.ndarray:
    """Return a per-frame 0/1 indicator of jumps, (n_frames,) float32."""
    target = np.zeros(n_frames, np.float32)
    labels = labels[(labels >= 0) & (labels < n_frames)]
    target[labels] = 1.0
    return target


def _cached(kind: str, video: Path, compute, **params) -> np.ndarray:
    """Return the array for (kind, video, params) from data/cache, computing and saving it atomically if absent."""
    path = cache_path(kind, video, **params)
    if path.exists():
        return np.load(path)
    array = compute()
    save_array_atomic(path, array)
    return array


def seed_frames(video: str | os.PathLike, size: int = 128, mode: str = "gray") -> np.ndarray:
    """Return the seed's input: every frame squashed to size x size, (N, S, S, 1) gray, (N, S, S, 3) RGB uint8,
    or for mode="flow" Farneback flow between consecutive frames, (N-1, S, S, 2) float16, pixels per frame."""
    if mode not in ("gray", "rgb", "flow"):
        raise ValueError(f"mode must be 'gray', 'rgb' or 'flow', got {mode!r}")
    video = Path(video)

    def compute():
        decoded = iter_frames(video, size=(size, size), gray=mode != "rgb")
        frames = np.stack(list(tqdm(decoded, desc=f"{video.stem} {mode}", unit="frame", leave=False)))
        if mode == "gray":
            return frames[..., None]
        if mode == "rgb":
            return frames[..., ::-1].copy()
        flows = [cv2.calcOpticalFlowFarneback(a, b, None, *FARNEBACK_SEED) for a, b in zip(frames[:-1], frames[1:])]
        return np.stack(flows).astype(np.float16)

    return _cached("jump_seed", video, compute, size=size, mode=mode)


def read_small_gray(video: str | os.PathLike, long_side: int = STORE_LONG_SIDE, progress: bool = True):
    """Return (frames, fps): every frame as gray with its long side at most long_side px, (N, H, W) uint8."""
    info = probe_video(video)
    scale = min(1.0, long_side / max(info.width, info.height))
    size = (max(8, int(round(info.height * scale))), max(8, int(round(info.width * scale))))
    frames = iter_frames(video, size=size, gray=True)
    if progress:
        frames = tqdm(frames, total=info.frame_count, desc=f"decode {Path(video).name}", unit="frame", leave=False)
    return np.stack(list(frames)), info.fps


def motion_box(frames: np.ndarray, margin: float = BOX_MARGIN) -> tuple[int, int, int]:
    """Return the square (top, left, side) in pixels of frames (N, H, W) that holds the moving athlete and rope."""
    n, height, width = frames.shape
    if n < 2:
        raise ValueError("need at least two frames to find motion")
    scale = BOX_LONG_SIDE / max(height, width)
    small_size = (max(4, int(round(width * scale))), max(4, int(round(height * scale))))
    step = max(1, n // 400)  # at most ~400 frame pairs
    energy = np.zeros(small_size[::-1], np.float32)
    previous = None
    for frame in frames[::step]:
        small = cv2.resize(frame, small_size, interpolation=cv2.INTER_AREA).astype(np.float32)
        if previous is not None:
            difference = np.abs(small - previous)
            energy += np.maximum(difference - np.median(difference), 0)  # the median removes camera shake
        previous = small
    energy = cv2.GaussianBlur(energy, (0, 0), 1.5)
    mask = (energy >= BOX_THRESHOLD * energy.max()).astype(np.uint8) if energy.max() > 0 else np.ones_like(energy,
                                                                                                      np.uint8)
    count, component, stats, _ = cv2.connectedComponentsWithStats(mask)
    weights = [energy[component == i].sum() for i in range(1, count)]
    best = 1 + int(np.argmax(weights))
    left, top, box_w, box_h = stats[best, :4] / scale
    side = max(box_w, box_h) * margin
    side = int(round(min(max(side, 0.25 * min(height, width)), min(height, width))))
    centre_x, centre_y = left + box_w / 2, top + box_h / 2
    top = int(np.clip(round(centre_y - side / 2), 0, height - side))
    left = int(np.clip(round(centre_x - side / 2), 0, width - side))
    return top, left, side


def crop_frames(frames: np.ndarray, box: tuple[int, int, int], size: int = 64) -> np.ndarray:
    """Return frames (N, H, W) cropped to the square box (top, left, side) and resized, (N, size, size) uint8."""
    top, left, side = box
    return np.stack([cv2.resize(frame[top:top + side, left:left + side], (size, size), interpolation=cv2.INTER_AREA)
                     for frame in frames])


def full_frames(frames: np.ndarray, size: int = 64) -> np.ndarray:
    """Return frames (N, H, W) squashed to size x size without cropping, (N, size, size) uint8."""
    return np.stack([cv2.resize(frame, (size, size), interpolation=cv2.INTER_AREA) for frame in frames])


def counter_frames(video: str | os.PathLike, size: int = 64, crop: bool = True) -> tuple[np.ndarray, float]:
    """Return (frames, fps): the improved counter's input, motion-cropped (or whole) gray, (N, size, size) uint8."""
    video = Path(video)
    fps_holder = {}

    def compute():
        small, fps = read_small_gray(video)
        fps_holder["fps"] = fps
        return crop_frames(small, motion_box(small), size) if crop else full_frames(small, size)

    frames = _cached("jump_crop", video, compute, size=size, crop=crop, long_side=STORE_LONG_SIDE,
                     box=(BOX_LONG_SIDE, BOX_THRESHOLD, BOX_MARGIN))
    fps = fps_holder.get("fps") or probe_video(video).fps
    return frames, fps
