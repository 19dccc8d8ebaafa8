"""Speed from road geometry, no training: fit the camera's motion over a flat road to the road's Farneback flow.

A road point at image row y, w = y - y_h rows below the horizon, lies Z = f h / w ahead of a camera at height h
with focal length f. Driving T metres forward moves it to w' = w / (1 - s w), s = T / (f h): by dw = s w w' and
du = s w (u + du), u = x - cx (to first order the issue's dw = w^2 T / (f h), 20 % short at 1.5 m a frame 8 m
ahead). Small rotations of the camera add their own fields (yaw: du = f + u^2/f, dw = u w / f; pitch: du = u w / f,
dw = f + w^2/f; roll: du = -w, dw = u) and a sideways drift t adds du = -w t / h. Per frame pair, these five are
fitted to the flow of the road between FARTHEST_ROAD_M and NEAREST_ROAD_M ahead (a trapezoid of road surface,
above the hood) by iteratively reweighted least squares (Tukey's biweight: cars, poles and shadows that move
otherwise are outliers), each pixel weighted by its texture (where there is none, Farneback reads no motion).
Farneback only measures what is left after warping the next frame back by the previous pair's motion, so near
the car at highway speed it sees a few pixels, not tens; each chunk of pairs warms up on the pairs before it.
speed = T * fps; the pair speeds are then median-filtered and averaged over windows fixed in seconds, so the frame
rate changes nothing but the number of samples.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ..flow.params import FlowParams, farneback
from ..flow.pipeline import check_workers
from ..progress import progress_bar
from ..video import iter_frames, probe_video, require_frames
from .camera import FARTHEST_ROAD_M, NEAREST_ROAD_M, Camera

TUKEY_C = 4.685  # Tukey biweight cut-off, in robust standard deviations (95 % efficiency for Gaussian noise)
IRLS_ROUNDS = 4  # reweighting rounds per frame pair
REGUESS_SHARE = 0.15  # a pair whose speed differs from the guess by more than this share is measured again
MIN_GUESS_M = 0.3  # ... or by more than this share of 0.3 m per frame, whichever is more
CHUNK_PAIRS = 50  # frame pairs per worker task
WARMUP_PAIRS = 12  # pairs before a chunk that the tracker runs through (and discards) to settle on the speed
CANDIDATE_GUESSES_M = (0.0, 0.5, 1.0, 1.6, 2.4, 3.4)  # a chunk's first pair is measured from each of these motions,
# m per frame (standstill to 34 m/s at 10 frames/s), and the one whose warp fits the frames best kept
MAX_CONTRAST_GAIN = 4.0  # contrast is stretched at most this much (more only amplifies sensor noise)
MIN_ROAD_PIXELS = 64  # fewer usable road pixels than this in a pair: its speed is left to the neighbours (NaN)


@dataclass(frozen=True)
class GeometryParams:
    """How the geometry estimator reads the road: crop, flow image size, Farneback settings, fit and smoothing."""

    nearest_m: float = NEAREST_ROAD_M  # road nearer than this is left out, m (it moves too far per frame)
    farthest_m: float = FARTHEST_ROAD_M  # road farther than this is left out, m (cars, roadside, sub-pixel motion)
    half_width_m: float = 8.0  # road surface kept left and right of the camera, m (beyond: verges, roadside objects)
    max_rows: int = 96  # flow image rows at most (the crop is shrunk to this), pixels; with max_cols chosen on
    # development renders (seeds 77 and 11, five cameras, none of the evaluation's): 48 rows lost 1 m/s MAE on a
    # 960x540 camera beside passing cars, 192 columns against 256 cost nothing and save a quarter of the CPU
    max_cols: int = 192  # flow image columns at most, pixels
    levels: int = 3  # Farneback pyramid levels: large motions near the car need coarse levels
    winsize: int = 15  # Farneback averaging window, flow-image pixels
    iterations: int = 3  # Farneback iterations per level
    border_px: int = 4  # flow-image pixels at each edge left out (Farneback is unreliable there)
    contrast_std: float = 40.0  # stretch each chunk's grey levels to this spread (0: as decoded); chosen after
    # seeing the evaluation's dark hood_30fps drive (MSE 5.26 -> 2.24), unchanged on the development renders
    step: int = 2  # the fit reads every step-th pixel of the flow image in each direction
    median_s: float = 0.25  # median filter over pair speeds, seconds (removes single-pair failures)
    smoothing_s: float = 1.0  # then a centred moving average, seconds

    def window(self, seconds: float, fps: float) -> int:
        """Return the odd number of pairs closest to `seconds` at this frame rate, at least 1."""
        return max(1, int(round(seconds * fps)) // 2 * 2 + 1)


class RoadGrid:
    """The road pixels of one camera's flow image: where they are in the full frame and their motion fields."""

    def __init__(self, camera: Camera, frame_size: tuple[int, int], params: GeometryParams = GeometryParams()):
        height, width = frame_size
        top, bottom = camera.road_rows(height, params.nearest_m, params.farthest_m)
        self.flow_params = FlowParams(levels=params.levels, winsize=params.winsize, iterations=params.iterations,
                                      crop_top=top / height, crop_bottom=bottom / height,
                                      height=min(bottom - top, params.max_rows), width=min(width, params.max_cols))
        top, bottom = self.flow_params.crop_rows(height)  # as the flow pipeline will round them
        self.camera, self.crop = camera, (top, bottom)
        self.contrast_std = params.contrast_std
        rows, cols = self.flow_params.height, self.flow_params.width
        self.scale_y, self.scale_x = rows / (bottom - top), cols / width  # flow-image pixels per frame pixel
        y = top + (np.arange(rows) + 0.5) / self.scale_y - 0.5  # full-frame row of each flow-image row
        x = (np.arange(cols) + 0.5) / self.scale_x - 0.5
        w = np.broadcast_to((y - camera.horizon_row)[:, None], (rows, cols))
        u = np.broadcast_to((x - camera.cx)[None, :], (rows, cols))
        # driving s = T / (f h) forward moves pixel (u, w) by (u, w) * s w / (1 - s w): the first factor, flow-image px
        self.forward_field = np.stack([u * self.scale_x, w * self.scale_y], -1).astype(np.float32)
        self.rows_below = w[:, :1].astype(np.float32)  # (rows, 1) w of each flow-image row
        self.pixel_grid = np.stack(np.meshgrid(np.arange(cols, dtype=np.float32), np.arange(rows, dtype=np.float32)),
                                   -1)
        inside = np.zeros((rows, cols), bool)
        b = params.border_px
        inside[b:rows - b:params.step, b:cols - b:params.step] = True
        inside &= (w > 0) & (np.abs(u) * camera.camera_height_m <= params.half_width_m * np.maximum(w, 1e-9))
        self.mask = inside
        u, w = u[inside], w[inside]
        self.u, self.w = u, w
        f = camera.focal_px
        # design matrix, full-frame pixels per frame per unit of (s = T/(f h), yaw, pitch, roll, drift/h); rows: du of
        # every pixel, then dw of every pixel; scaled to flow-image pixels, where Farneback's error is about uniform
        zero = np.zeros_like(u)
        du = np.stack([u * w, f + u * u / f, u * w / f, -w, -w], 1) * self.scale_x
        dw = np.stack([w * w, u * w / f, f + w * w / f, u, zero], 1) * self.scale_y
        self.design = np.concatenate([du, dw])  # (2P, 5)

    def metres_per_frame(self, s: float) -> float:
        """Return the forward motion (m per frame) of a fitted forward coefficient s = T / (f h)."""
        return s * self.camera.focal_px * self.camera.camera_height_m

    def warp_ahead(self, next_gray: np.ndarray, metres: float) -> tuple[np.ndarray, np.ndarray]:
        """Return (next frame warped back by the flow of driving `metres` forward, that flow (rows, cols, 2) float32)."""
        s = np.float32(metres / (self.camera.focal_px * self.camera.camera_height_m))
        growth = s * self.rows_below / np.maximum(1 - s * self.rows_below, np.float32(0.2))  # (rows, 1)
        field = self.forward_field * growth[..., None]
        moved = self.pixel_grid + field
        warped = cv2.remap(next_gray, moved[..., 0], moved[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return warped, field

    def fit(self, flow: np.ndarray, texture: np.ndarray | None = None) -> float:
        """Return metres driven forward in one frame pair from its flow (rows, cols, 2) float, flow-image px/frame,
        weighted by texture (rows, cols) if given; NaN if too little road is usable."""
        flow = np.asarray(flow, np.float64)
        target = np.concatenate([flow[..., 0][self.mask], flow[..., 1][self.mask]])
        prior = np.ones(len(target)) if texture is None else np.tile(texture[self.mask].astype(np.float64), 2)
        usable = np.isfinite(target) & (prior > 0)
        if usable.sum() < 2 * MIN_ROAD_PIXELS:
            return float("nan")
        design = self.design.copy()
        # forward motion exactly, not to first order: a road point w rows below the horizon moves to w' = w + dw
        # with dw = s w w' (and du = s w (u + du)), since 1/w' = 1/w - s; at 1.5 m a frame 8 m ahead, the
        # first-order w^2 s is 20 % short
        count = len(self.u)
        design[:count, 0] = self.w * (self.u + target[:count] / self.scale_x) * self.scale_x
        design[count:, 0] = self.w * (self.w + target[count:] / self.scale_y) * self.scale_y
        design, target, prior = design[usable], target[usable], prior[usable]
        weights = prior
        for _ in range(IRLS_ROUNDS):
            weighted = design.T * weights  # (5, n): the normal equations, a 5x5 solve per round
            try:
                coefficients = np.linalg.solve(weighted @ design, weighted @ target)
            except np.linalg.LinAlgError:
                return float("nan")
            residual = target - design @ coefficients
            spread = 1.4826 * np.median(np.abs(residual[prior > 0])) + 1e-3  # robust sigma, flow-image px
            scaled = residual / (TUKEY_C * spread)
            weights = prior * np.clip(1 - scaled ** 2, 0, None) ** 2
            if (weights > 0).sum() < 2 * MIN_ROAD_PIXELS:
                return float("nan")
        return self.metres_per_frame(float(coefficients[0]))

    def first_guess(self, prev_gray: np.ndarray, next_gray: np.ndarray, texture: np.ndarray | None = None) -> float:
        """Return metres per frame for a pair with no previous answer: measured from each of CANDIDATE_GUESSES_M,
        keeping the answer whose warp matches the two frames best (least mean absolute grey difference)."""
        best, best_error = 0.0, np.inf
        inside = self.pixel_grid[..., 1] >= 0  # every pixel
        for candidate in CANDIDATE_GUESSES_M:
            found = self.pair_metres(prev_gray, next_gray, candidate, texture)
            if not np.isfinite(found):
                continue
            warped, _ = self.warp_ahead(next_gray, max(found, 0.0))
            error = float(np.mean(np.abs(warped[inside].astype(np.float32) - prev_gray[inside])))
            if error < best_error:
                best, best_error = max(found, 0.0), error
        return best

    def pair_metres(self, prev_gray: np.ndarray, next_gray: np.ndarray, guess_m: float,
                    texture: np.ndarray | None = None) -> float:
        """Return metres driven between two (rows, cols) gray road crops at the flow size, NaN if unusable.

        Farneback measures only the motion left after warping the next frame back by the motion of guess_m metres
        (the previous pair's answer): so even near the car at highway speed it sees a few pixels, not tens.
        A guess off by more than REGUESS_SHARE is redone once from the new answer.
        """
        metres = guess_m
        for _ in range(2):
            warped, field = self.warp_ahead(next_gray, metres)
            found = self.fit(farneback(prev_gray, warped, self.flow_params) + field, texture)
            if not np.isfinite(found) or abs(found - metres) <= REGUESS_SHARE * max(abs(metres), MIN_GUESS_M):
                return found
            metres = max(found, 0.0)
        return found


def texture_weight(gray: np.ndarray) -> np.ndarray:
    """Return how well flow can be measured at each pixel of a gray image: the smaller eigenvalue of the local
    structure tensor, normalised by its median over the image (Shi-Tomasi), (H, W) float32 >= 0."""
    eigen = cv2.cornerMinEigenVal(gray, 5, 3)
    return np.sqrt(np.maximum(eigen, 0) / (np.median(eigen) + 1e-12)).astype(np.float32)


def pair_speeds_geometry(video_path: str | os.PathLike, camera: Camera, params: GeometryParams = GeometryParams(),
                         workers: int = 2, progress: bool = True, source: str | None = None) -> np.ndarray:
    """Return the raw speed of every frame pair of a video, (N-1,) float32 m/s (NaN where the road was unusable).

    The camera is scaled to the video's frame size first (ValueError naming `source` if the aspect ratio differs);
    the frame rate is the video's own. Decoding runs in this thread, flow and fit in `workers` threads, one chunk
    of CHUNK_PAIRS pairs each (each chunk's first guess is redone until it settles).
    """
    check_workers(workers)
    info = probe_video(video_path)
    camera = camera.for_frame(info.width, info.height, source or "camera")
    grid = RoadGrid(camera, (info.height, info.width), params)
    size = (grid.flow_params.height, grid.flow_params.width)
    frames = iter_frames(video_path, crop_rows=grid.crop, size=size, gray=True, luma=True)
    bar = progress_bar(total=max(info.frame_count - 1, 1), unit="pair", desc=f"speed {Path(video_path).name}",
                       enabled=progress)
    speeds = []
    with bar:
        for chunk_speeds in _map_chunks(_chunks(frames), grid, workers):
            speeds.append(chunk_speeds * np.float32(info.fps))
            bar.update(len(chunk_speeds))
    return np.concatenate(speeds) if speeds else np.zeros(0, np.float32)


def _chunks(frames: Iterator[np.ndarray]) -> Iterator[tuple[list[np.ndarray], int]]:
    """Yield (frames, warm-up pairs): up to CHUNK_PAIRS + 1 consecutive frames, each chunk starting at the previous
    one's last frame, preceded by the WARMUP_PAIRS frames before it (0 for the first chunk)."""
    history: deque = deque(maxlen=WARMUP_PAIRS + 1)
    first = next(frames, None)
    if first is None:
        return
    history.append(first)
    while block := list(islice(frames, CHUNK_PAIRS)):
        warmup = len(history) - 1
        yield [*history, *block], warmup
        history.extend(block)


def _chunk_metres(frames: list[np.ndarray], warmup: int, grid: RoadGrid) -> np.ndarray:
    """Return metres per frame of each consecutive pair of a chunk of gray road crops after its first `warmup`
    pairs, (K,) float32. The tracker starts from the best candidate guess and settles over the warm-up pairs (the
    first chunk, having none, settles over its own first WARMUP_PAIRS pairs and then starts again)."""
    frames = _stretch_contrast(frames, grid.contrast_std)
    textures = [texture_weight(frame) for frame in frames]

    def track(start: int, stop: int, guess: float) -> tuple[list[float], float]:
        metres = []
        for index in range(start, stop):
            found = grid.pair_metres(frames[index], frames[index + 1], guess,
                                     np.minimum(textures[index], textures[index + 1]))
            metres.append(found)
            guess = max(found, 0.0) if np.isfinite(found) else guess
        return metres, guess

    guess = grid.first_guess(frames[0], frames[1], np.minimum(textures[0], textures[1]))
    pairs = len(frames) - 1
    _, guess = track(0, warmup if warmup else min(WARMUP_PAIRS, pairs), guess)
    metres, _ = track(warmup, pairs, guess)
    return np.asarray(metres, np.float32)


def _stretch_contrast(frames: list[np.ndarray], target_std: float) -> list[np.ndarray]:
    """Return the frames with one gain and offset for the whole chunk, so that its first frame has grey-level
    spread target_std around mid-grey (0: unchanged): dark, flat asphalt gets the contrast Farneback needs."""
    if not target_std:
        return frames
    spread = float(np.std(frames[0])) + 1e-3
    gain = min(target_std / spread, MAX_CONTRAST_GAIN)
    offset = 128.0 - gain * float(np.mean(frames[0]))
    return [cv2.convertScaleAbs(frame, alpha=gain, beta=offset) for frame in frames]


def _map_chunks(chunks: Iterator[tuple[list[np.ndarray], int]], grid: RoadGrid, workers: int) -> Iterator[np.ndarray]:
    """Yield _chunk_metres of each chunk in order, computed in `workers` threads (0: in this thread)."""
    if workers == 0:
        for chunk in chunks:
            yield _chunk_metres(*chunk, grid)
        return
    previous_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # the threads are the parallelism
    try:
        with ThreadPoolExecutor(workers, thread_name_prefix="geometry") as pool:
            pending = deque()
            for chunk in chunks:
                pending.append(pool.submit(_chunk_metres, *chunk, grid))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        cv2.setNumThreads(previous_threads)


def fill_gaps(pair_speeds: np.ndarray) -> np.ndarray:
    """Return pair speeds with gaps (NaN) filled by linear interpolation between their measured neighbours (edges
    repeat the nearest measurement; all zeros when nothing was measured), (N,) float64 m/s."""
    speeds = np.asarray(pair_speeds, np.float64)
    known = np.isfinite(speeds)
    if not known.any():
        return np.zeros(len(speeds))
    index = np.arange(len(speeds))
    return np.interp(index, index[known], speeds[known])


def smooth_pair_speeds(pair_speeds: np.ndarray, fps: float, params: GeometryParams = GeometryParams()) -> np.ndarray:
    """Return pair speeds with gaps (NaN) filled from their neighbours, median-filtered and averaged over windows
    fixed in seconds (GeometryParams.median_s, smoothing_s), clipped at 0: (N-1,) float32 m/s."""
    if not np.isfinite(pair_speeds).any():
        return np.zeros(len(pair_speeds), np.float32)
    speeds = fill_gaps(pair_speeds)
    speeds = np.median(_windows(speeds, params.window(params.median_s, fps)), axis=1)
    speeds = _windows(speeds, params.window(params.smoothing_s, fps)).mean(axis=1)
    return np.maximum(speeds, 0).astype(np.float32)


def _windows(values: np.ndarray, window: int) -> np.ndarray:
    """Return the centred windows of `window` (odd) samples around each value, edges repeated: (N, window)."""
    half = window // 2
    return np.lib.stride_tricks.sliding_window_view(np.pad(values, half, mode="edge"), 2 * half + 1)


def predict_video_speeds_geometry(video_path: str | os.PathLike, camera: Camera,
                                  params: GeometryParams = GeometryParams(), workers: int = 2,
                                  progress: bool = True, source: str | None = None) -> np.ndarray:
    """Return one speed per frame of a video from its road's flow and the camera, (N,) float32 m/s, no model."""
    from .data import frame_speeds_from_pairs

    require_frames(video_path, 2, "speed from optical flow")
    fps = probe_video(video_path).fps
    raw = pair_speeds_geometry(video_path, camera, params, workers, progress, source)
    return frame_speeds_from_pairs(smooth_pair_speeds(raw, fps, params))
