"""Jump-rope clips on disk: where they are, their labels, and cached model inputs (full frames, flow, motion crops)."""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..cache import DATA_DIR, LABEL_DIR, REPO_ROOT, SHARED_DATA_DIR, VIDEO_DIR, cache_path, save_array_atomic
from ..progress import progress_bar
from ..video import VideoError, iter_frames, probe_video

JUMPROPE_DIR = Path(os.environ.get("MOTIONLAB_JUMPROPE", SHARED_DATA_DIR / "jumprope"))  # the real clips, read in
# place (never copied here); override with MOTIONLAB_JUMPROPE
UNLABELLED_DIR = SHARED_DATA_DIR / "jumprope_unlabelled"  # real clips that came without labels (its README says
# what each is); the labels we made for some of them are in LABELLED_HERE_DIR
LABELLED_HERE_DIR = REPO_ROOT / "labels" / "jumprope_unlabelled"  # ROOT/LABEL_DIR/*.npy, how: labels/README.md
SYNTH_DIR = DATA_DIR / "synth" / "jumprope"  # synthetic clips rendered by `python -m motionlab synth jumprope`
SIDE_SYNTH_DIR = SYNTH_DIR.parent / "jumprope_side"  # where the side and three-quarter training clips are rendered
IDLE_SYNTH_DIR = SYNTH_DIR.parent / "jumprope_idle"  # where the clips with idle lead-ins and run-outs are rendered
FRAMED_SYNTH_DIR = SYNTH_DIR.parent / "jumprope_framed"  # where the training clips with framing effects are rendered
STEP_SELECTION_DIR = SYNTH_DIR.parent / "jumprope_select_steps_9"  # where the rule-choosing speed steps are rendered
SYNTH_CLIPS = 40  # front-view synthetic training clips of every style (seed 0); the count of the shipped recipe
SIDE_SYNTH_CLIPS = 16  # side-view synthetic speed-step training clips (seed 1) (models/README_jumprope.md)
OBLIQUE_SYNTH_CLIPS = 16  # three-quarter-view synthetic speed-step training clips (seed 2) (models/README_jumprope.md)
IDLE_SYNTH_CLIPS = 8  # per view (front: every style; side: speed steps), seed 3: clips whose athlete walks, stands
# or turns the rope without jumping for 1-3 s before and after the jumps (synth.jumprope idle=True); hand-set, the
# size of the side and oblique sets per view
FRAMED_SYNTH_CLIPS = 4  # per framing effect (small athlete, picture-in-picture, letterbox, handheld), seed 4: front
# views of every style filmed the ways users film (synth.jumprope_framing); hand-set, 16 in all like the side set
SEED_SYNTH_CLIPS = 8  # synthetic clips the seed models train on, the first of SYNTH_CLIPS (128x128 is slow on a CPU)
STEP_SELECTION_CLIPS = 12  # synthetic speed-step clips per view (front, side; seed 9, never trained on) on which a
# counter chooses its counting rule without seeing the real labels
SEED_SIZE = 128  # pixels: the seed models see every frame squashed to this square (the seed's size)
MODEL_FPS = 30.0  # frames/s: the counter trained on 24-30 frames/s; faster videos are subsampled towards this rate
LOW_FPS = 20.0  # frames/s: below this count_video reads the video with frames interpolated towards MODEL_FPS (a
# fast speed step lasts 2 frames at 15 frames/s, fewer than the counter ever saw). Hand-set between 15 and the
# counter's slowest training rate, 24; upsampling itself was adopted on the selection grid (models/README_jumprope.md)
COUNTER_SIZE = 64  # pixels: the improved counter sees motion crops resized to this square; hand-set for CPU speed
COUNTER_CHANNELS = 2  # channels of the counter's input: the standardised gray frame and its frame difference
STORE_LONG_SIDE = 384  # pixels: frames are decoded once at this long side before motion cropping; hand-set
MIN_DECODED_SIDE = 8  # pixels: decoded frames keep at least this many rows and columns (a guard for thin videos)
BOX_LONG_SIDE = 96  # pixels: long side of the motion-energy map that places the crop; hand-set
BOX_MIN_MAP_SIDE = 4  # pixels: the motion-energy map keeps at least this many rows and columns (a guard)
BOX_THRESHOLD = 0.3  # share of the peak motion energy from which a pixel belongs to the athlete; hand-set
BOX_MARGIN = 1.25  # the square crop's side in multiples of the athlete's motion box; hand-set
BOX_PAIRS = 400  # at most this many frame pairs (evenly spaced) make the motion-energy map; a speed bound
BOX_BLUR_SIGMA = 1.5  # pixels of the motion-energy map: Gaussian blur that joins the athlete's limbs; hand-set
BOX_MIN_SHARE = 0.25  # the crop's side is at least this share of the frame's short side; hand-set
SCORED_SPAN_MARGIN = 2  # frames: the scored span reaches this far beyond the first and last label (a label's jitter)
DIFFERENCE_GAIN = 4.0  # the counter's frame-difference channel is scaled by this over the frames' spread; hand-set
SPREAD_FLOOR = 1e-3  # grey levels: floor of a clip's spread when standardising (a blank clip divides by this)
FARNEBACK_SEED = (0.5, 3, 15, 3, 5, 1.2, 0)  # the seed's Farneback settings: pyr scale, levels, window, iterations,
# poly_n, poly_sigma, flags (copied from the seed)


@dataclass(frozen=True)
class Clip:
    """One labelled clip: its name, video file and labels file (.npy of jump frame indices)."""

    name: str
    video: Path
    labels: Path


def list_clips(root: str | os.PathLike = JUMPROPE_DIR) -> list[Clip]:
    """Return the labelled clips under root/VIDEO_DIR + root/LABEL_DIR, sorted by name."""
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
    """Return the jump frame indices of a labels file, (J,) int64 strictly ascending, each in [0, frame_count)
    when the video's frame count is known; VideoError naming the file if unusable."""
    path = Path(path)
    if not path.is_file():
        raise VideoError(f"{path}: no such labels file")
    try:
        labels = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise VideoError(f"{path}: not a .npy array of jump frame indices ({error})") from None
    if not isinstance(labels, np.ndarray) or labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        kind = f"{labels.dtype} {labels.shape}" if isinstance(labels, np.ndarray) else "an .npz archive"
        raise VideoError(f"{path}: expected a 1-D array of integer frame indices, got {kind}")
    if labels.dtype == np.uint64 and len(labels) and labels.max() > np.iinfo(np.int64).max:
        raise VideoError(f"{path}: frame index {labels.max()} is out of range")
    labels = labels.astype(np.int64)  # before np.diff: differences of unsigned integers wrap around
    if len(labels) and labels[0] < 0:
        raise VideoError(f"{path}: frame indices must not be negative, got {labels[0]}")
    if len(labels) and (np.diff(labels) <= 0).any():
        raise VideoError(f"{path}: frame indices must be strictly ascending (first offence at position "
                         f"{int(np.argmax(np.diff(labels) <= 0)) + 1})")
    if len(labels) and frame_count is not None and frame_count > 0 and labels[-1] >= frame_count:
        raise VideoError(f"{path}: frame index {labels[-1]} is past the end of the video ({frame_count} frames)")
    return labels


def save_jump_labels(path: str | os.PathLike, frames, frame_count: int | None = None) -> Path:
    """Write jump frame indices as a sorted, de-duplicated int32 .npy, atomically, and return the path; ValueError
    naming the file for anything but whole, non-negative frame numbers (below frame_count when given)."""
    path = Path(path)
    values = np.asarray(frames)
    if values.ndim != 1 or not (np.issubdtype(values.dtype, np.integer) or np.issubdtype(values.dtype, np.floating)):
        raise ValueError(f"{path}: jump frames must be a 1-D list of frame indices, got {values.dtype} {values.shape}")
    whole = np.isfinite(values) & (values == np.round(values)) if np.issubdtype(values.dtype, np.floating) else True
    if not np.all(whole):
        raise ValueError(f"{path}: jump frames must be whole frame indices, got {values[~whole][:3].tolist()}")
    frames = np.unique(values.astype(np.int64))
    if len(frames) and frames[0] < 0:
        raise ValueError(f"{path}: jump frame indices must not be negative, got {frames[0]}")
    if len(frames) and frames[-1] >= (np.iinfo(np.int32).max if frame_count is None else frame_count):
        raise ValueError(f"{path}: frame index {frames[-1]} is past the end of the video ({frame_count} frames)")
    return save_array_atomic(path, frames.astype(np.int32))


def labelled_span(labels: np.ndarray, margin: int = SCORED_SPAN_MARGIN) -> tuple[int, int]:
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


def seed_frames(video: str | os.PathLike, size: int = SEED_SIZE, mode: str = "gray") -> np.ndarray:
    """Return the seed's input: every frame squashed to size x size, (N, S, S, 1) gray, (N, S, S, 3) RGB uint8,
    or for mode="flow" Farneback flow between consecutive frames, (N-1, S, S, 2) float16, pixels per frame."""
    if mode not in ("gray", "rgb", "flow"):
        raise ValueError(f"mode must be 'gray', 'rgb' or 'flow', got {mode!r}")
    video = Path(video)

    def compute():
        decoded = iter_frames(video, size=(size, size), gray=mode != "rgb")
        frames = np.stack(list(progress_bar(decoded, desc=f"{video.stem} {mode}", unit="frame", leave=False)))
        if mode == "gray":
            return frames[..., None]
        if mode == "rgb":
            return frames[..., ::-1].copy()
        flows = [cv2.calcOpticalFlowFarneback(a, b, None, *FARNEBACK_SEED) for a, b in zip(frames[:-1], frames[1:])]
        return np.stack(flows).astype(np.float16)

    return _cached("jump_seed", video, compute, size=size, mode=mode)


def counter_frame_step(fps: float) -> int:
    """Return every how many frames the counter reads a video at fps: 1 up to 44 frames/s, 2 at 45-74 (50-60 frames/s
    videos are read every other frame), and so on: towards MODEL_FPS, the rate the counter trained at."""
    return max(1, int(round(fps / MODEL_FPS)))


def upsampling_factor(rate: float) -> int:
    """Return how many frames count_video analyses per frame of a video read at `rate` frames/s: 1 from LOW_FPS up,
    otherwise round(MODEL_FPS / rate) (2 at 15 frames/s)."""
    return 1 if rate >= LOW_FPS else max(1, int(round(MODEL_FPS / rate)))


def read_small_gray(video: str | os.PathLike, long_side: int = STORE_LONG_SIDE, progress: bool = True,
                    stop: threading.Event | None = None, every: int = 1):
    """Return (frames, fps): every `every`-th frame (from the first) as gray with its long side at most long_side px,
    (N, H, W) uint8, fps the video's own; when `stop` is set (by another thread) the decoding ends early with the
    frames read so far."""
    return _read_small_gray(probe_video(video), long_side, progress, stop, every)


def read_counter_frames(video: str | os.PathLike, progress: bool = True, stop: threading.Event | None = None):
    """Return (frames, fps): the frames count_video reads, every counter_frame_step(fps)-th one, as read_small_gray
    gives them (only those are kept in memory: 60 frames/s videos take half the memory of keeping every frame)."""
    info = probe_video(video)
    return _read_small_gray(info, STORE_LONG_SIDE, progress, stop, counter_frame_step(info.fps))


def _read_small_gray(info, long_side: int, progress: bool, stop: threading.Event | None, every: int):
    """Decode the video of probe_video's `info` as read_small_gray says. The frames go into one array allocated from
    the header's frame count and doubled if the header was short, so memory holds the kept frames once (a list of
    frames and its np.stack would hold them twice)."""
    video = info.path
    scale = min(1.0, long_side / max(info.width, info.height))
    size = (max(MIN_DECODED_SIDE, int(round(info.height * scale))), max(MIN_DECODED_SIDE, int(round(info.width * scale))))
    frames = np.empty((max(1, (max(info.frame_count, 0) + every - 1) // every), *size), np.uint8)
    kept = 0
    for index, frame in enumerate(progress_bar(iter_frames(video, size=size, gray=True), total=info.frame_count,
                                               desc=f"decode {Path(video).name}", unit="frame", enabled=progress,
                                               leave=False)):
        if stop is not None and stop.is_set():
            break
        if index % every:
            continue
        if kept == len(frames):  # the header said fewer frames than there are
            grown = np.empty((2 * len(frames), *size), np.uint8)
            grown[:kept] = frames
            frames = grown
        frames[kept] = frame
        kept += 1
    return (frames[:kept] if kept > len(frames) // 2 else frames[:kept].copy()), info.fps


def motion_box(frames: np.ndarray, margin: float = BOX_MARGIN) -> tuple[int, int, int]:
    """Return the square (top, left, side) in pixels of frames (N, H, W) that holds the moving athlete and rope."""
    n, height, width = frames.shape
    if n < 2:
        raise ValueError("need at least two frames to find motion")
    scale = BOX_LONG_SIDE / max(height, width)
    small_size = (max(BOX_MIN_MAP_SIDE, int(round(width * scale))), max(BOX_MIN_MAP_SIDE, int(round(height * scale))))
    step = max(1, n // BOX_PAIRS)
    energy = np.zeros(small_size[::-1], np.float32)
    previous = None
    for frame in frames[::step]:
        small = cv2.resize(frame, small_size, interpolation=cv2.INTER_AREA).astype(np.float32)
        if previous is not None:
            difference = np.abs(small - previous)
            energy += np.maximum(difference - np.median(difference), 0)  # the median removes camera shake
        previous = small
    energy = cv2.GaussianBlur(energy, (0, 0), BOX_BLUR_SIGMA)
    mask = (energy >= BOX_THRESHOLD * energy.max()).astype(np.uint8) if energy.max() > 0 else np.ones_like(energy,
                                                                                                      np.uint8)
    count, component, stats, _ = cv2.connectedComponentsWithStats(mask)
    weights = [energy[component == i].sum() for i in range(1, count)]
    best = 1 + int(np.argmax(weights))
    left, top, box_w, box_h = stats[best, :4] / scale
    side = max(box_w, box_h) * margin
    side = int(round(min(max(side, BOX_MIN_SHARE * min(height, width)), min(height, width))))
    centre_x, centre_y = left + box_w / 2, top + box_h / 2
    top = int(np.clip(round(centre_y - side / 2), 0, height - side))
    left = int(np.clip(round(centre_x - side / 2), 0, width - side))
    return top, left, side


def crop_frames(frames: np.ndarray, box: tuple[int, int, int], size: int = COUNTER_SIZE) -> np.ndarray:
    """Return frames (N, H, W) cropped to the square box (top, left, side) and resized, (N, size, size) uint8."""
    top, left, side = box
    return np.stack([cv2.resize(frame[top:top + side, left:left + side], (size, size), interpolation=cv2.INTER_AREA)
                     for frame in frames])


def full_frames(frames: np.ndarray, size: int = COUNTER_SIZE) -> np.ndarray:
    """Return frames (N, H, W) squashed to size x size without cropping, (N, size, size) uint8."""
    return np.stack([cv2.resize(frame, (size, size), interpolation=cv2.INTER_AREA) for frame in frames])


def counter_frames(video: str | os.PathLike, size: int = COUNTER_SIZE,
                   crop: bool = True) -> tuple[np.ndarray, float]:
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


def counter_inputs(frames: np.ndarray) -> np.ndarray:
    """Return the counter's input for crops (N, S, S) uint8: standardised frame and frame difference, (N, S, S, 2)
    float16."""
    frames = frames.astype(np.float32)
    spread = frames.std() + SPREAD_FLOOR
    standard = (frames - frames.mean()) / spread
    difference = np.diff(frames, axis=0, prepend=frames[:1]) / spread * DIFFERENCE_GAIN
    return np.stack([standard, difference], axis=-1).astype(np.float16)


def real_clips_or_synthetic(root: str | os.PathLike = JUMPROPE_DIR, count: int = 3) -> tuple[list[Clip], bool]:
    """Return (clips, real): the labelled real clips under root or, when that folder is absent (a fresh clone without
    ../shared), the first `count` front-view synthetic clips, rendered if missing, with one line saying so."""
    if (Path(root) / VIDEO_DIR).is_dir():
        return list_clips(root), True
    print(f"{Path(root) / VIDEO_DIR}: absent, so these are SYNTHETIC clips (set MOTIONLAB_JUMPROPE for the real ones)")
    return synthetic_clips(count, side=0, oblique=0), False


def synthetic_clips(count: int = SYNTH_CLIPS, side: int = SIDE_SYNTH_CLIPS,
                    oblique: int = OBLIQUE_SYNTH_CLIPS) -> list[Clip]:
    """Return the synthetic training clips, rendering any that are missing: `count` front views, then `side`
    side-view and `oblique` three-quarter-view speed-step clips, each sorted by name."""
    from ..synth.jumprope import render_jumprope_set

    render_jumprope_set(SYNTH_DIR, videos=count, seed=0)
    clips = list_clips(SYNTH_DIR)[:count]
    for view, videos, seed in (("side", side, 1), ("oblique", oblique, 2)):
        if videos:
            render_jumprope_set(SIDE_SYNTH_DIR, videos=videos, seed=seed, view=view, style="alternate")
            clips += [clip for clip in list_clips(SIDE_SYNTH_DIR) if clip.name.startswith(f"synth_{view}_")][:videos]
    return clips


def idle_clips(count: int = IDLE_SYNTH_CLIPS) -> list[Clip]:
    """Return the synthetic clips with idle lead-ins and run-outs (front views of every style, then side-view speed
    steps; seed 3), rendering any that are missing."""
    from ..synth.jumprope import render_jumprope_set

    render_jumprope_set(IDLE_SYNTH_DIR, videos=count, seed=3, idle=True)
    render_jumprope_set(IDLE_SYNTH_DIR, videos=count, seed=3, view="side", style="alternate", idle=True)
    clips = list_clips(IDLE_SYNTH_DIR)
    return ([c for c in clips if c.name.startswith("synth_idle_")][:count]
            + [c for c in clips if c.name.startswith("synth_side_idle_")][:count])


def framed_clips(count: int = FRAMED_SYNTH_CLIPS) -> list[Clip]:
    """Return the synthetic training clips with framing effects (`count` per effect of FRAMING_EFFECTS other than
    plain; front views of every style, seed 4), rendering any that are missing."""
    from ..synth.jumprope import render_jumprope_set
    from ..synth.jumprope_framing import FRAMING_EFFECTS

    clips = []
    for effect in FRAMING_EFFECTS:
        if effect != "plain":
            render_jumprope_set(FRAMED_SYNTH_DIR, videos=count, seed=4, effect=effect)
            clips += [c for c in list_clips(FRAMED_SYNTH_DIR) if c.name.startswith(f"synth_{effect}_4_")][:count]
    return clips


@functools.lru_cache(maxsize=None)
def step_selection_clips(count: int = STEP_SELECTION_CLIPS) -> list[Clip]:
    """Return the synthetic speed-step clips that choose the counting rule (front and side views, seed 9),
    rendering any that are missing."""
    from ..synth.jumprope import render_jumprope_set

    for view in ("front", "side"):
        render_jumprope_set(STEP_SELECTION_DIR, videos=count, seed=9, view=view, style="alternate")
    return list_clips(STEP_SELECTION_DIR)
