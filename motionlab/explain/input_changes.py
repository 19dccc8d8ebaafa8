"""The seed's feature analysis, measured: change every frame of a video one way (colour, contrast, blur,
brightness, background, mirror), run the unchanged command-line pipeline on the changed video, and compare its
held-out error with the unchanged video's."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from ..video import iter_frames, probe_video, write_video

BLUR_SIGMA_PX = 2.0  # Gaussian blur of the "blur" change, pixels of the full frame (softens texture, keeps shapes)
CONTRAST_UP, CONTRAST_DOWN = 1.5, 0.5  # contrast factors about the frame's mean grey
BRIGHTER, DARKER = 1.4, 0.6  # brightness factors (values saturate at 255)


@dataclass(frozen=True)
class InputChange:
    """One way of changing every frame: a name for tables and a function of a BGR uint8 frame."""

    name: str
    apply: Callable[[np.ndarray], np.ndarray]


def _contrast(factor: float) -> Callable[[np.ndarray], np.ndarray]:
    """Return a change scaling each frame's deviation from its mean grey by factor."""
    def change(frame):
        mean = frame.mean()
        return np.clip((frame.astype(np.float32) - mean) * factor + mean, 0, 255).astype(np.uint8)
    return change


def _brightness(factor: float) -> Callable[[np.ndarray], np.ndarray]:
    """Return a change multiplying every pixel by factor."""
    return lambda frame: cv2.convertScaleAbs(frame, alpha=factor)


def _grayscale(frame: np.ndarray) -> np.ndarray:
    """Return the frame without colour (still 3 channels)."""
    return cv2.cvtColor(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)


def _blur(frame: np.ndarray) -> np.ndarray:
    """Return the frame blurred by a Gaussian of BLUR_SIGMA_PX."""
    return cv2.GaussianBlur(frame, (0, 0), BLUR_SIGMA_PX)


INPUT_CHANGES = (  # the seed's list, for video
    InputChange("unchanged", lambda frame: frame),
    InputChange("grayscale", _grayscale),
    InputChange(f"contrast x{CONTRAST_UP:g}", _contrast(CONTRAST_UP)),
    InputChange(f"contrast x{CONTRAST_DOWN:g}", _contrast(CONTRAST_DOWN)),
    InputChange(f"brightness x{BRIGHTER:g}", _brightness(BRIGHTER)),
    InputChange(f"brightness x{DARKER:g}", _brightness(DARKER)),
    InputChange(f"blur (sigma {BLUR_SIGMA_PX:g} px)", _blur),
    InputChange("mirrored", lambda frame: np.ascontiguousarray(frame[:, ::-1])),
)


def background_mask(keep_box: tuple[int, int, int, int]) -> InputChange:
    """Return a change that paints everything outside keep_box (top, left, height, width; pixels) mean grey."""
    top, left, height, width = keep_box

    def change(frame):
        masked = np.full_like(frame, int(frame.mean()))
        masked[top:top + height, left:left + width] = frame[top:top + height, left:left + width]
        return masked

    return InputChange("background masked", change)


def changed_video(video: str | os.PathLike, change: InputChange, out_dir: str | os.PathLike) -> Path:
    """Write the video with every frame changed to out_dir/<stem>-<change>.mp4 (same fps) and return its path."""
    video = Path(video)
    slug = "".join(c if c.isalnum() else "_" for c in change.name)
    out = Path(out_dir) / f"{video.stem}-{slug}.mp4"
    write_video(out, (change.apply(frame) for frame in iter_frames(video)), probe_video(video).fps)
    return out


def error_by_change(videos: list[Path], score: Callable[[Path, Path], float], out_dir: str | os.PathLike,
                    changes: tuple[InputChange, ...] = INPUT_CHANGES) -> dict[str, float]:
    """Return {change name: mean of score(original video, changed video) over videos}.

    score runs the project's own pipeline on the changed video and compares it with the original's labels (an
    MSE in (m/s)^2 for speed, a relative count error for jumps); the "unchanged" row is the reference.
    """
    from ..progress import progress_bar

    table = {}
    for change in progress_bar(changes, desc="input changes", unit="change"):
        scores = []
        for video in videos:
            changed = changed_video(video, change, out_dir)
            try:
                scores.append(score(video, changed))
            finally:
                changed.unlink(missing_ok=True)
        table[change.name] = float(np.mean(scores))
    return table
