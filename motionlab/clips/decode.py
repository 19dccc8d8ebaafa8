"""Decode a clip once into a cached array: frames (N, H, W, C) uint8, or its motion (frame differences, flow)."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ..cache import cache_path, save_array_atomic
from ..progress import progress_bar
from ..video import VideoError, iter_frames, probe_video

FLOW_RANGE = 4.0  # flow is stored as 0.5 + flow / (2 * FLOW_RANGE), clipped to [0, 1]: +-4 px/frame at model size
CACHE_VERSION = 1  # bump when what decode_clip stores changes


def decode_frames(path: str | os.PathLike, size: tuple[int, int], channels: int, progress: bool = False
                  ) -> np.ndarray:
    """Return every frame of a video resized to size=(h, w): (N, h, w, channels) uint8, RGB when channels is 3.

    Frames are read until the decoder stops (the header's frame count only sizes the progress bar).
    """
    gray = channels == 1
    total = probe_video(path).frame_count if progress else None
    frames = [frame if gray else cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
              for frame in progress_bar(iter_frames(path, size=tuple(size), gray=gray), total=total,
                                        desc=f"decoding {Path(path).name}", unit="frame", enabled=progress,
                                        leave=False)]
    clip = np.stack(frames)
    return clip[..., None] if gray else clip


def frame_differences(frames: np.ndarray) -> np.ndarray:
    """Return |frame[t+1] - frame[t]| of (N, H, W, C) uint8 frames: (N-1, H, W, C) uint8 (one zero frame if N=1)."""
    if len(frames) < 2:
        return np.zeros_like(frames[:1])
    return cv2.absdiff(frames[1:].reshape(len(frames) - 1, -1), frames[:-1].reshape(len(frames) - 1, -1)).reshape(
        (len(frames) - 1, *frames.shape[1:]))


def clip_flow(frames: np.ndarray) -> np.ndarray:
    """Return Farneback flow between consecutive frames, mapped to [0, 1] (0.5 = still): (N-1, H, W, 2) float16."""
    from ..flow import FlowParams, farneback

    params = FlowParams()
    gray = frames[..., 0] if frames.shape[-1] == 1 else np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])
    if len(gray) < 2:
        return np.full((1, *gray.shape[1:], 2), 0.5, np.float16)
    fields = [farneback(first, second, params) for first, second in zip(gray[:-1], gray[1:])]
    return np.clip(0.5 + np.stack(fields) / (2 * FLOW_RANGE), 0.0, 1.0).astype(np.float16)


def decode_clip(path: str | os.PathLike, size: tuple[int, int], channels: int, motion: str | None = None,
                use_cache: bool = True, progress: bool = False) -> np.ndarray:
    """Return a clip decoded once (cached under data/cache/clips, keyed by the file and these parameters):
    frames (N, h, w, channels) uint8, "diff" (N-1, h, w, channels) uint8 or "flow" (N-1, h, w, 2) float16 in [0, 1].

    Raises VideoError naming the file if it cannot be read.
    """
    path = Path(path)
    params = dict(size=list(size), channels=channels, motion=motion, version=CACHE_VERSION)
    cached = cache_path("clips", path, **params) if use_cache else None
    if cached is not None and cached.exists():
        try:
            return np.load(cached)
        except (OSError, ValueError):
            cached.unlink(missing_ok=True)  # a damaged cache file is rebuilt
    try:
        frames = decode_frames(path, size, channels, progress)
    except cv2.error as error:
        raise VideoError(f"{path}: cannot decode it ({str(error).strip().splitlines()[-1]})") from None
    if motion == "diff":
        clip = frame_differences(frames)
    elif motion == "flow":
        clip = clip_flow(frames)
    else:
        clip = frames
    if cached is not None:
        save_array_atomic(cached, clip)
    return clip


def as_float(clip: np.ndarray) -> np.ndarray:
    """Return a decoded clip as float32 in [0, 1] (uint8 divided by 255, flow as stored)."""
    if clip.dtype == np.uint8:
        return clip.astype(np.float32) * np.float32(1 / 255)
    return clip.astype(np.float32)
