"""From a video to jump frames: per-frame probabilities over overlapping windows, peak picking, and the
classical (learning-free) motion-peak counter."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import keras
import numpy as np

from ..cache import MODELS_DIR
from ..model_files import load_keras_model
from ..progress import progress_bar
from ..video import VideoError
from .data import (
    Clip,
    counter_frame_step,
    counter_frames,
    counter_inputs,
    crop_frames,
    motion_box,
    read_counter_frames,
    upsampling_factor,
)
from .weights import WHAT, check_counter_file, check_counter_model

COUNTER_WEIGHTS = MODELS_DIR / "jump_counter.keras"  # shipped improved counter
INFERENCE_STRIDE = 4  # frames between the starts of overlapping inference windows; hand-set (a quarter window)
INFERENCE_BATCH = 64  # windows per model call: bounds memory, does not change any result
PEAK_THRESHOLD = 0.3  # probability a jump needs at its peak; chosen with the rule (models/README_jumprope.md)
LOW_PEAK_THRESHOLD = 0.15  # probability: the lower peak threshold the rule comparison also tries; hand-set
SEED_STYLE_THRESHOLD = 0.5  # probability above which the seed-style rule counts every frame (the seed's threshold)
REFRACTORY = 0.55  # step periods: two jumps are at least this far apart; chosen with the rule (models/README_jumprope.md)
MIN_PEAK_GAP = 2.0  # frames: the smallest gap between two peaks, with or without a refractory period
PROBABILITY_SIGMA = 0.7  # frames: Gaussian blur of the per-frame probability before peak picking; hand-set
CADENCE_RANGE_HZ = (1.2, 9.0)  # jumps per second: plausible jump rates, the bounds of the period search; hand-set
SEGMENT_SECONDS = 2.5  # s: step_period averages the autocorrelation of overlapping segments about this long; hand-set
SEGMENT_PERIODS = 3  # and each segment spans at least this many of the longest plausible periods; hand-set
HALF_PERIOD_SHARE = 0.5  # step_period takes the shortest autocorrelation peak at least this share of the highest
STRIDE_TOLERANCE = 0.2  # stride check: a repeat within this fraction of half the period is "at half the period"
STRIDE_SHARE = 0.3  # stride check: share of the full-period repeat a half-period one needs; swept (models/README_jumprope.md)
BEAT_TIGHTNESS = 4.0  # beat tracking: weight of the log(interval / period)^2 penalty; better of two (models/README_jumprope.md)
LOOSE_BEAT_TIGHTNESS = 0.5  # beat tracking: the looser tightness the rule comparison also tries; hand-set
BEAT_ACTIVITY = 0.2  # beat tracking drops jumps where the signal's local top is below this share of its range
BEAT_INTERVALS = (0.5, 2.0)  # step periods: beat tracking links jumps this far apart at least and at most; hand-set
BEAT_GAP_PENALTY = 2.0  # beat tracking: score (in signal standard deviations) lost by restarting after a pause
ACTIVITY_SHARE = 0.3  # count_video drops jumps below this share of lower-body motion's 90th centile (models/README_jumprope.md)
MIN_MOTION_GREY = 0.1  # grey levels per pixel: lower-body motion below this is none at all (a still or black frame);
# a quarter of the weakest smoothed motion at any landing of 12 synthetic clips of seed 41 (0.41), never reported
ACTIVITY_SMOOTHING_S = 0.25  # s: Gaussian blur of the lower-body motion signal before the activity test; hand-set
CLASSICAL_REFRACTORY = 0.6  # step periods between two jumps of the learning-free counter; hand-set
CLASSICAL_TREND_S = 0.5  # s: the learning-free counter subtracts the motion signal blurred by this; hand-set
CLASSICAL_SIGMA = 0.8  # frames: Gaussian blur of the detrended motion signal before peak picking; hand-set
CLASSICAL_LEVEL = 0.15  # detrended-signal standard deviations a learning-free peak must reach; hand-set


def window_probabilities(model: keras.Model, inputs: np.ndarray, stride: int = INFERENCE_STRIDE,
                         batch_size: int = INFERENCE_BATCH, progress: bool = False) -> np.ndarray:
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
    batches = range(0, len(starts), batch_size)
    for first in progress_bar(batches, desc="counting", unit="batch", enabled=progress):
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
    segment = min(len(signal), max(SEGMENT_PERIODS * longest, int(SEGMENT_SECONDS * fps)))
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
    the clip's step period (None: MIN_PEAK_GAP frames, no period estimate)."""
    smooth = cv2.GaussianBlur(probabilities.astype(np.float32)[None, :], (0, 0), sigmaX=PROBABILITY_SIGMA,
                              sigmaY=0).ravel()
    min_distance = MIN_PEAK_GAP if refractory is None else max(MIN_PEAK_GAP, refractory * step_period(
        probabilities, fps, stride_check))
    return pick_peaks(smooth, min_distance, threshold)


def track_jumps(signal: np.ndarray, fps: float, tightness: float = BEAT_TIGHTNESS, activity: float = BEAT_ACTIVITY,
                gap_penalty: float = BEAT_GAP_PENALTY, stride_check: bool = False) -> np.ndarray:
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
    shortest, longest = max(1, int(round(period * BEAT_INTERVALS[0]))), int(round(period * BEAT_INTERVALS[1]))
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


@dataclass(frozen=True)
class PeakRule:
    """Counting rule: peaks of the blurred probability at least `threshold` high and `refractory` step periods
    apart (None: MIN_PEAK_GAP frames, no period estimate); stride_check as in step_period."""

    threshold: float = PEAK_THRESHOLD
    refractory: float | None = REFRACTORY
    stride_check: bool = False

    def __str__(self) -> str:
        gap = f"{MIN_PEAK_GAP:g}-frame gap" if self.refractory is None else f"refractory {self.refractory:g} period"
        return f"peaks > {self.threshold:g}, {gap}" + (", stride check" if self.stride_check else "")

    def __call__(self, probabilities: np.ndarray, fps: float) -> np.ndarray:
        """Return the jump frames of per-frame probabilities (N,) at fps, (J,) int64."""
        return jumps_from_probabilities(probabilities, fps, self.threshold, self.refractory, self.stride_check)


@dataclass(frozen=True)
class ThresholdRule:
    """Counting rule of the seed: every frame whose probability exceeds `threshold` is a jump."""

    threshold: float = SEED_STYLE_THRESHOLD

    def __str__(self) -> str:
        return f"every frame > {self.threshold:g} (seed-style)"

    def __call__(self, probabilities: np.ndarray, fps: float) -> np.ndarray:
        """Return the frames above the threshold, (J,) int64."""
        return np.where(probabilities > self.threshold)[0]


@dataclass(frozen=True)
class BeatRule:
    """Counting rule: dynamic-programming beat tracking of the probability (track_jumps) with this tightness."""

    tightness: float = BEAT_TIGHTNESS
    stride_check: bool = False

    def __str__(self) -> str:
        return f"beat tracking, tightness {self.tightness:g}" + (", stride check" if self.stride_check else "")

    def __call__(self, probabilities: np.ndarray, fps: float) -> np.ndarray:
        """Return the tracked jump frames, (J,) int64."""
        return track_jumps(probabilities, fps, tightness=self.tightness, stride_check=self.stride_check)


CountRule = PeakRule | ThresholdRule | BeatRule  # a way to turn per-frame probabilities (N,) at fps into jump frames
RULES: dict[str, CountRule] = {str(rule): rule for rule in (  # compared in held-out evaluation, by printed name
    PeakRule(), ThresholdRule(), PeakRule(refractory=None), PeakRule(LOW_PEAK_THRESHOLD), BeatRule(),
    BeatRule(LOOSE_BEAT_TIGHTNESS), PeakRule(LOW_PEAK_THRESHOLD, stride_check=True), BeatRule(stride_check=True))}
COUNT_RULE: CountRule = PeakRule()  # the rule the `count` command uses; chosen on synthetic clips (models/README_jumprope.md)


def motion_signal(crops: np.ndarray) -> np.ndarray:
    """Return the classical motion signal of motion-cropped frames (N, S, S): mean absolute frame difference in
    the crop's lower half (legs and feet), (N,) float32, grey levels per pixel."""
    lower = crops[:, crops.shape[1] // 2:].astype(np.float32)
    signal = np.zeros(len(crops), np.float32)
    signal[1:] = np.abs(np.diff(lower, axis=0)).mean(axis=(1, 2))
    return signal


def moving_frames(crops: np.ndarray, fps: float, share: float = ACTIVITY_SHARE) -> np.ndarray:
    """Return which frames belong to stretches of lower-body motion (not standing still): the motion signal,
    smoothed over ACTIVITY_SMOOTHING_S, above `share` of its 90th percentile and above MIN_MOTION_GREY, (N,) bool.

    The absolute floor is what makes a video with no motion at all count zero: there every share of the (zero)
    percentile is zero too, and the counter's flat output on constant input would otherwise pass.
    """
    signal = cv2.GaussianBlur(motion_signal(crops)[None, :], (0, 0), sigmaX=fps * ACTIVITY_SMOOTHING_S,
                              sigmaY=0).ravel()
    return (signal >= share * np.percentile(signal, 90)) & (signal > MIN_MOTION_GREY)


def classical_jumps(crops: np.ndarray, fps: float, refractory: float = CLASSICAL_REFRACTORY) -> np.ndarray:
    """Return jump frames counted without learning, (J,) int64: peaks of the lower-body motion signal, detrended,
    at least `refractory` step periods apart."""
    signal = motion_signal(crops)
    trend = cv2.GaussianBlur(signal[None, :], (0, 0), sigmaX=fps * CLASSICAL_TREND_S, sigmaY=0).ravel()
    detrended = cv2.GaussianBlur((signal - trend)[None, :], (0, 0), sigmaX=CLASSICAL_SIGMA, sigmaY=0).ravel()
    period = step_period(detrended, fps)
    level = 0.0 if not len(detrended) else CLASSICAL_LEVEL * np.std(detrended)
    return pick_peaks(detrended, refractory * period, level)


def interpolate_frames(frames: np.ndarray, factor: int) -> np.ndarray:
    """Return ((N - 1) * factor + 1, H, W) uint8: frames (N, H, W) at every factor-th place and linear blends of each
    pair of neighbours between them (a frame rate `factor` times higher)."""
    if factor == 1 or len(frames) < 2:
        return frames
    weights = (np.arange(factor, dtype=np.float32) / factor)[None, :, None, None]
    first, second = frames[:-1, None].astype(np.float32), frames[1:, None].astype(np.float32)
    blended = np.rint((1.0 - weights) * first + weights * second).astype(np.uint8)
    return np.concatenate([blended.reshape(-1, *frames.shape[1:]), frames[-1:]])


@dataclass
class CountResult:
    """Jumps found in one video: frames (J,) int64 in the video's own frame numbering, its fps, and the per-frame
    probability (N,) at the analysed frame rate."""

    frames: np.ndarray
    fps: float
    n_frames: int
    probabilities: np.ndarray = field(repr=False)
    frame_step: float = 1  # probabilities[i] belongs to video frame i * frame_step (below 1: interpolated frames)

    @property
    def count(self) -> int:
        """Number of jumps."""
        return int(len(self.frames))

    @property
    def jumping_span_s(self) -> tuple[float, float] | None:
        """Return (first, last) jump time in seconds, where the jumping starts and ends; None without jumps."""
        if not self.count:
            return None
        return round(float(self.frames[0] / self.fps), 2), round(float(self.frames[-1] / self.fps), 2)

    def as_json(self) -> dict:
        """Return {"count": N, "frames": [...], "fps": F, "jumping_span_s": [first, last] or null}."""
        span = self.jumping_span_s
        return {"count": self.count, "frames": [int(f) for f in self.frames], "fps": round(float(self.fps), 3),
                "jumping_span_s": list(span) if span else None}


def load_counter(path: str | os.PathLike = COUNTER_WEIGHTS) -> keras.Model:
    """Return the improved counter from a .keras file (default: the shipped weights); ValueError naming the file
    if it is not a counter: (B, T, S, S, 2) in, (B, T) per-frame probabilities out."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no counter weights; train them (see models/README_jumprope.md)")
    check_counter_file(path)  # before TensorFlow reads it: a wrong kind of file fails in milliseconds
    model = load_keras_model(path, WHAT)
    check_counter_model(model, path)
    return model


def count_video(video: str | os.PathLike, model: keras.Model | None = None, progress: bool = True,
                decoded: tuple[np.ndarray, float] | None = None, upsample: bool = True) -> CountResult:
    """Return the CountResult of any readable video: decode, motion-crop, per-frame probabilities, peaks.

    `decoded` = data.read_counter_frames(video) skips the decoding (the CLI decodes while TensorFlow loads);
    `upsample`: a video below LOW_FPS is analysed with interpolated frames between its own (upsampling_factor)."""
    model = model or load_counter()
    analysed, fps = decoded if decoded is not None else read_counter_frames(video, progress=progress)
    frame_step = counter_frame_step(fps)  # analysed[i] is video frame i * frame_step
    window = model.input_shape[1]
    if len(analysed) < window:
        raise VideoError(f"{video}: {len(analysed) * frame_step} frames is too short to count; the counter needs at "
                         f"least {window * frame_step} frames ({window * frame_step / fps:.2f} s)")
    box = motion_box(analysed)
    factor = upsampling_factor(fps / frame_step) if upsample else 1
    crops = interpolate_frames(crop_frames(analysed, box, model.input_shape[2]), factor)
    rate = fps / frame_step * factor  # frames/s of the analysed crops
    probabilities = window_probabilities(model, counter_inputs(crops), progress=progress)
    jumps = np.asarray(COUNT_RULE(probabilities, rate), np.int64)
    jumps = jumps[moving_frames(crops, rate)[jumps]]
    jumps = np.unique(np.rint(jumps / factor).astype(np.int64)) * frame_step  # analysed frame -> video frame
    return CountResult(jumps, fps, len(analysed) * frame_step, probabilities, frame_step / factor)


def count_crops(model: keras.Model, crops: np.ndarray, fps: float,
                rule: CountRule = COUNT_RULE) -> tuple[np.ndarray, np.ndarray]:
    """Return (jump frames (J,) int64, per-frame probabilities (N,)) for cached motion crops (N, S, S) uint8."""
    probabilities = window_probabilities(model, counter_inputs(crops))
    return np.asarray(rule(probabilities, fps), np.int64), probabilities


def clip_probabilities(model: keras.Model, clips: list[Clip]) -> dict[str, np.ndarray]:
    """Return {clip name: per-frame jump probability (N,)} of a counter on whole clips (motion crop)."""
    return {clip.name: window_probabilities(model, counter_inputs(counter_frames(clip.video)[0])) for clip in clips}


def seed_jumps(model: keras.Model, inputs: np.ndarray,
               threshold: float = SEED_STYLE_THRESHOLD) -> tuple[np.ndarray, np.ndarray]:
    """Return the seed's count on a whole clip: (jump frames (J,), per-frame softmax output (N,)) from consecutive
    non-overlapping windows, a frame counting as a jump when its softmax output exceeds threshold."""
    steps = model.input_shape[1]
    stride = steps + 1 if model.input_shape[-1] == 2 else steps  # flow: 3 fields span a 4-frame window
    starts = np.arange(0, len(inputs) - steps + 1, stride)
    scale = 1.0 if model.input_shape[-1] == 2 else 1 / 255.0
    outputs = np.zeros(len(inputs) + 1, np.float32)
    for first in progress_bar(range(0, len(starts), INFERENCE_BATCH), desc="seed windows", unit="batch", leave=False):
        chunk = starts[first:first + INFERENCE_BATCH]
        batch = np.stack([inputs[s:s + steps] for s in chunk]).astype(np.float32) * scale
        for start, prediction in zip(chunk, np.asarray(model(batch, training=False))):
            outputs[start:start + steps] = prediction
    return np.where(outputs > threshold)[0], outputs[:len(inputs)]
