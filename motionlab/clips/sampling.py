"""Which frames of a clip make a sample: evenly spread over the whole clip, or every sliding window."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

SHORT_CLIP_MODES = ("loop", "pad")  # a clip shorter than a sample: repeat it from the start, or repeat its last frame
MODES = ("spread", "windows")
MOTIONS = (None, "diff", "flow")
CROPS = (None, "foreground", "motion")  # no crop, or each sample cropped around its frames' foreground
# (silhouettes) or around the pixels that change in it (a person moving in front of a still background)


class ShortClipWarning(UserWarning):
    """A clip had fewer frames than one sample needs and was looped or padded."""


@dataclass(frozen=True)
class ClipSampling:
    """How samples are cut from a clip and what they hold.

    frames: frames per sample; size: (height, width) in pixels; channels: 1 (gray) or 3 (RGB);
    mode: "spread" (one sample per clip, frames evenly over the whole clip) or "windows" (every window of
    `frames` frames at `stride`, or of frames spread over `sequence_seconds` when that is set);
    motion: None (frames), "diff" (absolute difference of consecutive frames) or "flow" (Farneback flow, 2
    channels, mapped to [0, 1] with 0.5 = still); short: "loop" or "pad" for clips shorter than a sample;
    crop: "foreground" cuts each sample around its frames' white pixels (silhouette videos), decoded first at
    decode_size=(height, width), then cropped and resized to size; "motion" cuts it around the pixels whose gray
    frame difference is large (a person moving before a still camera), the whole frame when too few move.
    """

    frames: int = 16
    size: tuple[int, int] = (64, 64)
    channels: int = 1
    mode: str = "spread"
    stride: int = 4
    sequence_seconds: float | None = None
    motion: str | None = None
    short: str = "loop"
    crop: str | None = None
    decode_size: tuple[int, int] | None = None

    def __post_init__(self):
        if self.frames < 1:
            raise ValueError(f"frames={self.frames}: need at least 1 frame per sample")
        if self.channels not in (1, 3):
            raise ValueError(f"channels={self.channels}: use 1 (gray) or 3 (RGB)")
        if self.mode not in MODES:
            raise ValueError(f"mode={self.mode!r}: use one of {MODES}")
        if self.motion not in MOTIONS:
            raise ValueError(f"motion={self.motion!r}: use one of {MOTIONS}")
        if self.short not in SHORT_CLIP_MODES:
            raise ValueError(f"short={self.short!r}: use one of {SHORT_CLIP_MODES}")
        if self.stride < 1:
            raise ValueError(f"stride={self.stride}: need at least 1")
        if self.sequence_seconds is not None and self.sequence_seconds <= 0:
            raise ValueError(f"sequence_seconds={self.sequence_seconds}: need a positive span")
        if self.crop not in CROPS:
            raise ValueError(f"crop={self.crop!r}: use one of {CROPS}")
        if self.decode_size is not None and (len(self.decode_size) != 2 or min(self.decode_size) < 4):
            raise ValueError(f"decode_size={self.decode_size}: need (height, width) of at least 4 pixels")
        if len(self.size) != 2 or min(self.size) < 4:
            raise ValueError(f"size={self.size}: need (height, width) of at least 4 pixels")

    @property
    def decoded_size(self) -> tuple[int, int]:
        """Return the (height, width) clips are decoded at: decode_size, else size."""
        return tuple(self.decode_size or self.size)

    @property
    def sample_channels(self) -> int:
        """Return the channels of a sample: 2 for flow, else `channels`."""
        return 2 if self.motion == "flow" else self.channels

    @property
    def sample_shape(self) -> tuple[int, int, int, int]:
        """Return one sample's shape (frames, height, width, channels)."""
        return (self.frames, *self.size, self.sample_channels)

    def frames_spanned(self, fps: float) -> int:
        """Return how many consecutive decoded frames (or motion fields) one window spans."""
        return self.frames if self.sequence_seconds is None else max(self.frames, round(self.sequence_seconds * fps))

    def sample_starts(self, n_frames: int, fps: float) -> list[int]:
        """Return the first decoded frame of every sample of a clip of n_frames (one sample in "spread" mode).

        With motion, n_frames counts the clip's motion fields (one fewer than its frames)."""
        if self.mode == "spread":
            return [0]
        span = self.frames_spanned(fps)
        last = max(n_frames - span, 0)
        starts = list(range(0, last + 1, self.stride))
        if starts[-1] != last:
            starts.append(last)  # the clip's end is always covered
        return starts

    def sample_indices(self, n_frames: int, start: int, fps: float) -> np.ndarray:
        """Return the decoded-frame indices (frames,) int of the sample starting at `start`.

        Indices may exceed n_frames - 1 for a short clip; fit_to_length maps them back.
        """
        if self.mode == "spread":
            span = max(n_frames, self.frames)
        else:
            span = self.frames_spanned(fps)
        return start + np.round(np.linspace(0, span - 1, self.frames)).astype(int)


def fit_to_length(indices: np.ndarray, n_frames: int, short: str) -> np.ndarray:
    """Return indices mapped into [0, n_frames): looped (index mod n) or padded (clamped to the last frame)."""
    if short == "loop":
        return indices % n_frames
    return np.minimum(indices, n_frames - 1)


def warn_short(name: str, n_frames: int, needed: int, short: str) -> None:
    """Warn once per call that a clip is shorter than a sample and how it is filled."""
    how = "looped from its start" if short == "loop" else "padded with its last frame"
    warnings.warn(f"{name}: {n_frames} frames, fewer than the {needed} a sample needs; {how}",
                  ShortClipWarning, stacklevel=3)
