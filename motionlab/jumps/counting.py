"""From a video to jump frames: per-frame probabilities over overlapping windows, peak picking, and the
classical (learning-free) motion-peak counter."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import keras
import numpy as np
from tqdm.auto import tqdm

from ..cache import MODELS_DIR
from ..video import VideoError
from .data import crop_frames, motion_box, read_small_gray
from .models import COUNTER_SIZE, COUNTER_WINDOW
from .training import counter_inputs

COUNTER_WEIGHTS = MODELS_DIR / "jump_counter.keras"  # shipped improved counter
INFERENCE_STRIDE = 4  # frames between the starts of overlapping inference windows
PEAK_THRESHOLD = 0.3  # a jump needs at least this probability at its peak
REFRACTORY = 0.55  # two jumps are at least this fraction of the clip's step period apart
CADENCE_RANGE_HZ = (1.2, 9.0)  # plausible jump rates, jumps per second (bounds of the period search)
HALF_PERIOD_SHARE = 0.5  # step_period takes the shortest autocorrelation peak at least this share of the highest
STRIDE_TOLERANCE = 0.2  # stride check: a repeat within this fraction of half the period is "at half the period"
STRIDE_SHARE = 0.3  # stride check: and it is at least this share of the repeat at the full period (a bounce whose
# probability wiggles between jumps has a faint repeat at half its period); of 0, 0.1, ..., 0.5 the best on the 24
# synthetic speed-step selection clips with the previous shipped counter (MAE of peak picking with the check: 0.056)
ACTIVITY_SHARE = 0.3  # count_video drops jumps where lower-body motion is below this share of its 90th percentile
# (whole-clip count error on 8 fresh synthetic clips with pauses and lead-ins: 0.36 without, 0.33 with)
MODEL_FPS = 30.0  # the counter was trained on 24-30 frames/s; faster videos are subsampled towards this rate


def window_probabilities(model: keras.Model, inputs: np.ndarray, stride: int = INFERENCE_STRIDE,
                         batch_size: int = 64) -> np.ndarray:
    """Return the per-frame jump probability of a clip's inputs (N, S, S, C), averaged over overlapping windows,
    (N,) float32 in [0, 1]."""
    window = model.input_shape[1]
    n = len(inputs)
    if n < window:
        raise ValueError(f"the clip has {n} frames, fewer than one window of {window}")
    starts = list(range(0, n - window + 1, stride))
    if starts[-1] != n - window:
        starts.append(n - window)
    weight = np.hanning(window + 2)[1:-1].astype(np.float32)  # trust a window's centre more than its edges
    total = np.zeros(n, np.float32)
    weights = np.zeros(n, np.float32)
    for first in range(0, len(starts), batch_size):
        chunk = starts[first:first + batch_size]
        batch = np.stack([inputs[s:s + window] for s in chunk]).astype(np.float32)
        predictions = np.asarray(model(batch, training=False))
        for start, prediction in zip(chunk, predictions):
            total[start:start + window] += weight * prediction
            weights[start:start + window] += weight
    return total / np.maximum(weights, 1e-6)


def step_period(signal: np.ndarray, fps: float, stride_check: bool = False) -> float:
    """Return the dominant period of a periodic signal (N,), in frames (sub-frame), from the autocorrelation
    averaged over overlapping segments of about 2.5 s, each normalised (so still stretches weigh nothing).

    stride_check: halve the period while the autocorrelation has a peak at about half of it, at least STRIDE_SHARE
    of the peak at the period (a speed step where one foot shows more than the other repeats strongly every stride,
    weakly every step)."""
    signal = np.asarray(signal, np.float64)
    shortest = max(2, int(fps / CADENCE_RANGE_HZ[1]))
    longest = min(len(signal) // 2, int(np.ceil(fps / CADENCE_RANGE_HZ[0])))
    if longest <= shortest:
        return float(shortest)
    segment = min(len(signal), max(3 * longest, int(2.5 * fps)))
    correlation = np.zeros(longest + 2)
    for start in range(0, len(signal) - segment + 1, max(1, segment // 2)):
        piece = signal[start:start + segment] - signal[start:start + segment].mean()
        full = np.correlate(piece, piece, mode="full")[segment - 1:segment - 1 + longest + 2]
        if full[0] > 1e-12:
            correlation += full / full[0] * segment / (segment - np.arange(len(full)))
    lags = np.arange(shortest, longest + 1)
    values = correlation[lags]
    peaks = [i for i in range(len(lags)) if (i == 0 or values[i] >= values[i - 1])
             and (i == len(lags) - 1 or values[i] > values[i + 1])]
    top = max(values[i] for i in peaks) if peaks else values.max()
    # alternating feet repeat every two steps: take the shortest strong repeat, not the strongest
    best = int(lags[next((i for i in peaks if values[i] >= HALF_PERIOD_SHARE * top), int(np.argmax(values)))])
    halvings, lag = 0, best
    while stride_check:
        near = [i for i in peaks if abs(lags[i] - lag / 2) <= STRIDE_TOLERANCE * lag / 2 + 0.5
                and values[i] > max(0.0, STRIDE_SHARE * correlation[lag])]
        if not near:
            break
        lag, halvings = int(lags[max(near, key=lambda i: values[i])]), halvings + 1
    period = float(best)
    if shortest < best < len(correlation) - 1:  # parabola through the peak and its neighbours: sub-frame period
        left, centre, right = correlation[best - 1:best + 2]
        curvature = left - 2 * centre + right
        if curvature < 0:
            period = best + 0.5 * (left - right) / curvature
    # the stride's own peak is the sharper measure: a step is half a stride (its weak half-period peak only tells
    # that the stride is two steps)
    return period / 2 ** halvings


def pick_peaks(signal: np.ndarray, min_distance: float, threshold: float) -> np.ndarray:
    """Return the frames of local maxima of signal (N,) at least threshold high and min_distance frames apart
    (tallest first), (J,) int64 ascending."""
    signal = np.asarray(signal, np.float64)
    if len(signal) < 3:
        return np.zeros(0, np.int64)
    inner = signal[1:-1]
    candidates = np.where((inner >= signal[:-2]) & (inner > signal[2:]) & (inner >= threshold))[0] + 1
    chosen = []
    blocked = np.zeros(len(signal), bool)
    reach = max(1, int(np.ceil(min_distance)) - 1)
    for frame in candidates[np.argsort(-signal[candidates], kind="stable")]:
        if not blocked[frame]:
            chosen.append(frame)
            blocked[max(0, frame - reach):frame + reach + 1] = True
    return np.sort(np.asarray(chosen, np.int64))


def jumps_from_probabilities(probabilities: np.ndarray, fps: float, threshold: float = PEAK_THRESHOLD,
                             refractory: float | None = REFRACTORY, stride_check: bool = False) -> np.ndarray:
    """Return jump frames, (J,) int64: peaks of the probability with a refractory period of `refractory` times
    the clip's step period (None: 2 frames, no period estimate)."""
    smooth = cv2.GaussianBlur(probabilities.astype(np.float32)[None, :], (0, 0), sigmaX=0.7, sigmaY=0).ravel()
    min_distance = 2.0 if refractory is None else max(2.0, refractory * step_period(probabilities, fps,
                                                                                    stride_check))
    return pick_peaks(smooth, min_distance, threshold)


def track_jumps(signal: np.ndarray, fps: float, tightness: float = 4.0, activity: float = 0.2,
                gap_penalty: float = 2.0, stride_check: bool = False) -> np.ndarray:
    """Return jump frames (J,) int64 by dynamic-programming beat tracking: the chain of peaks of `signal` (N,) that
    maximises their summed height minus tightness * log(interval / step period)^2, restarting after pauses;
    frames where the signal's local maximum stays below `activity` (as a fraction of its top) are dropped."""
    signal = np.asarray(signal, np.float64)
    n = len(signal)
    if n < 3:
        return np.zeros(0, np.int64)
    period = step_period(signal, fps, stride_check)
    onset = (signal - np.median(signal)) / (signal.std() + 1e-9)
    score = onset.copy()
    back = np.full(n, -1)
    best_before = np.zeros(n)  # best score up to each frame, and where
    best_at = np.zeros(n, int)
    shortest, longest = max(1, int(round(period / 2))), int(round(2 * period))
    for t in range(n):
        if t >= shortest:
            taus = np.arange(max(0, t - longest), t - shortest + 1)
            candidates = score[taus] - tightness * np.log((t - taus) / period) ** 2
            pick = int(np.argmax(candidates))
            value, source = candidates[pick], taus[pick]
            if t - longest - 1 >= 0 and best_before[t - longest - 1] - gap_penalty > value:  # after a pause
                value, source = best_before[t - longest - 1] - gap_penalty, best_at[t - longest - 1]
            if value > 0:
                score[t] += value
                back[t] = source
        previous = best_before[t - 1] if t else -np.inf
        best_before[t], best_at[t] = (score[t], t) if score[t] >= previous else (previous, best_at[t - 1])
    chain, t = [], int(np.argmax(score))
    while t >= 0:
        chain.append(t)
        t = back[t]
    chain = np.asarray(chain[::-1], np.int64)
    reach = int(round(period))
    envelope = np.array([signal[max(0, f - reach):f + reach + 1].max() for f in range(n)])
    floor = np.min(signal)
    keep = envelope[chain] - floor >= activity * (signal.max() - floor)
    return chain[keep]


RULES = {  # ways to turn per-frame probabilities (N,) at fps into jump frames, compared in held-out evaluation
    "peaks > 0.3, refractory 0.55 period": lambda p, fps: jumps_from_probabilities(p, fps, PEAK_THRESHOLD,
                                                                                  REFRACTORY),
    "every frame > 0.5 (seed-style)": lambda p, fps: np.where(p > 0.5)[0],
    "peaks > 0.3, 2-frame gap": lambda p, fps: jumps_from_probabilities(p, fps, PEAK_THRESHOLD, None),
    "peaks > 0.15, refractory 0.55 period": lambda p, fps: jumps_from_probabilities(p, fps, 0.15, REFRACTORY),
    "beat tracking, tightness 4": lambda p, fps: track_jumps(p, fps, tightness=4.0),
    "beat tracking, tightness 0.5": lambda p, fps: track_jumps(p, fps, tightness=0.5),
    "peaks > 0.15, refractory 0.55 period, stride check": lambda p, fps: jumps_from_probabilities(
        p, fps, 0.15, REFRACTORY, stride_check=True),
    "beat tracking, tightness 4, stride check": lambda p, fps: track_jumps(p, fps, tightness=4.0, stride_check=True),
}
COUNT_RULE = "peaks > 0.3, refractory 0.55 period"  # the rule `python -m motionlab count` uses: lowest MAE
# (0.030) of the shipped counter on 8 fresh synthetic clips of every style (python -m motionlab.jumps.evaluate
# --select-rule); the stride check and beat tracking over-count whole clips with lead-ins, pauses and bounces


def motion_signal(crops: np.ndarray) -> np.ndarray:
    """Return the classical motion signal of motion-cropped frames (N, S, S): mean absolute frame difference in
    the crop's lower half (legs and feet), (N,) float32, grey levels per pixel."""
    lower = crops[:, crops.shape[1] // 2:].astype(np.float32)
    signal = np.zeros(len(crops), np.float32)
    signal[1:] = np.abs(np.diff(lower, axis=0)).mean(axis=(1, 2))
    return signal


def moving_frames(crops: np.ndarray, fps: float, share: float = ACTIVITY_SHARE) -> np.ndarray:
    """Return which frames belong to stretches of lower-body motion (not standing still): the motion signal,
    smoothed over a quarter second, at least `share` of its 90th percentile, (N,) bool."""
    signal = cv2.GaussianBlur(motion_signal(crops)[None, :], (0, 0), sigmaX=fps / 4, sigmaY=0).ravel()
    return signal >= share * np.percentile(signal, 90)


def classical_jumps(crops: np.ndarray, fps: float, refractory: float = 0.6) -> np.ndarray:
    """Return jump frames counted without learning, (J,) int64: peaks of the lower-body motion signal, detrended,
    at least `refractory` step periods apart."""
    signal = motion_signal(crops)
    trend = cv2.GaussianBlur(signal[None, :], (0, 0), sigmaX=fps / 2, sigmaY=0).ravel()
    detrended = cv2.GaussianBlur((signal - trend)[None, :], (0, 0), sigmaX=0.8, sigmaY=0).ravel()
    period = step_period(detrended, fps)
    level = 0.0 if not len(detrended) else 0.15 * np.std(detrended)
    return pick_peaks(detrended, refractory * period, level)


@dataclass
class CountResult:
    """Jumps found in one video: frames (J,) int64 in the video's own frame numbering, its fps, and the per-frame
    probability (N,) at the analysed frame rate."""

    frames: np.ndarray
    fps: float
    n_frames: int
    probabilities: np.ndarray = field(repr=False)
    frame_step: int = 1
    box: tuple[int, int, int] = (0, 0, 0)

    @property
    def count(self) -> int:
        """Number of jumps."""
        return int(len(self.frames))

    def as_json(self) -> dict:
        """Return {"count": N, "frames": [...], "fps": F}."""
        return {"count": self.count, "frames": [int(f) for f in self.frames], "fps": round(float(self.fps), 3)}


def load_counter(path: str | os.PathLike = COUNTER_WEIGHTS) -> keras.Model:
    """Return the improved counter from a .keras file (default: the shipped weights)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no counter weights; train them (see models/README_jumprope.md)")
    return keras.models.load_model(path, compile=False)


def count_video(video: str | os.PathLike, model: keras.Model | None = None, progress: bool = True,
                decoded: tuple[np.ndarray, float] | None = None) -> CountResult:
    """Return the CountResult of any readable video: decode, motion-crop, per-frame probabilities, peaks.

    `decoded` = (frames, fps) from data.read_small_gray(video) skips the decoding (the CLI decodes while
    TensorFlow loads)."""
    model = model or load_counter()
    small, fps = decoded if decoded is not None else read_small_gray(video, progress=progress)
    frame_step = max(1, int(round(fps / MODEL_FPS)))  # 50-60 frames/s videos are read every other frame
    analysed = small[::frame_step]
    window = model.input_shape[1]
    if len(analysed) < window:
        raise VideoError(f"{video}: {len(small)} frames is too short to count; the counter needs at least "
                         f"{window * frame_step} frames ({window * frame_step / fps:.2f} s)")
    box = motion_box(analysed)
    crops = crop_frames(analysed, box, model.input_shape[2])
    probabilities = window_probabilities(model, counter_inputs(crops))
    jumps = np.asarray(RULES[COUNT_RULE](probabilities, fps / frame_step), np.int64)
    jumps = jumps[moving_frames(crops, fps / frame_step)[jumps]] * frame_step
    return CountResult(jumps, fps, len(small), probabilities, frame_step, box)


def count_crops(model: keras.Model, crops: np.ndarray, fps: float,
                rule: str = COUNT_RULE) -> tuple[np.ndarray, np.ndarray]:
    """Return (jump frames (J,) int64, per-frame probabilities (N,)) for cached motion crops (N, S, S) uint8."""
    probabilities = window_probabilities(model, counter_inputs(crops))
    return np.asarray(RULES[rule](probabilities, fps), np.int64), probabilities


def seed_jumps(model: keras.Model, inputs: np.ndarray, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Return the seed's count on a whole clip: (jump frames (J,), per-frame softmax output (N,)) from consecutive
    non-overlapping windows, a frame counting as a jump when its softmax output exceeds threshold."""
    steps = model.input_shape[1]
    stride = steps + 1 if model.input_shape[-1] == 2 else steps  # flow: 3 fields span a 4-frame window
    starts = np.arange(0, len(inputs) - steps + 1, stride)
    scale = 1.0 if model.input_shape[-1] == 2 else 1 / 255.0
    outputs = np.zeros(len(inputs) + 1, np.float32)
    for first in tqdm(range(0, len(starts), 64), desc="seed windows", unit="batch", leave=False):
        chunk = starts[first:first + 64]
        batch = np.stack([inputs[s:s + steps] for s in chunk]).astype(np.float32) * scale
        for start, prediction in zip(chunk, np.asarray(model(batch, training=False))):
            outputs[start:start + steps] = prediction
    return np.where(outputs > threshold)[0], outputs[:len(inputs)]
