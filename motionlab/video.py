"""Video I/O: sequential reading with on-the-fly crop/resize/grayscale, writing, and label files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from .cache import atomic_output

# FFmpeg pixel formats (OpenCV's four-character codes) whose first plane is the full-size 8-bit luma, video range
PLANAR_LUMA_FORMATS = frozenset({"I420", "IYUV", "YV12", "NV12", "NV21", "Y42B", "444P"})
FLOAT32_MAX = float(np.finfo(np.float32).max)  # labels are stored as float32: larger values would become inf
VIDEO_RANGE_TO_GRAY = np.clip(np.round((np.arange(256) - 16) * 255 / 219), 0, 255).astype(np.uint8)  # luma 16-235


class VideoError(ValueError):
    """A video or labels file that cannot be used, with the file and the problem in the message."""


@dataclass(frozen=True)
class VideoInfo:
    """What a video's header says: path, fps, frame count (header's), width and height in pixels."""

    path: Path
    fps: float
    frame_count: int
    width: int
    height: int


def _open(path: str | os.PathLike) -> cv2.VideoCapture:
    """Return an opened cv2.VideoCapture, or raise VideoError naming the file and the problem."""
    path = Path(path)
    if not path.exists():
        raise VideoError(f"{path}: no such file")
    if path.is_dir():
        raise VideoError(f"{path}: is a directory, not a video file")
    if path.stat().st_size == 0:
        raise VideoError(f"{path}: the file is empty (0 bytes), not a video")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise VideoError(f"{path}: OpenCV cannot open it as a video (corrupt, or not a video file)")
    return capture


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Return the VideoInfo of a readable video; raise VideoError if it is missing, not a video or has no frame."""
    capture = _open(path)
    try:
        ok, frame = capture.read()
        if not ok or frame is None:
            raise VideoError(f"{path}: the video has no readable frame (zero frames, or corrupt)")
        fps = capture.get(cv2.CAP_PROP_FPS)
        header_count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        height, width = frame.shape[:2]
    finally:
        capture.release()
    fps = fps if np.isfinite(fps) and fps > 0 else 30.0
    return VideoInfo(Path(path), float(fps), max(header_count, 1), int(width), int(height))


def require_frames(path: str | os.PathLike, minimum: int, purpose: str) -> VideoInfo:
    """Return a video's VideoInfo after decoding its first `minimum` frames; VideoError if it has fewer.

    For a clear error before long work: headers can claim frames a file does not hold.
    """
    info = probe_video(path)
    capture = _open(path)
    try:
        found = 0
        while found < minimum and capture.grab():
            found += 1
    finally:
        capture.release()
    if found < minimum:
        raise VideoError(f"{path}: has only {found} frame{'s' * (found != 1)}; {purpose} needs at least {minimum} frames")
    return info


def count_frames(path: str | os.PathLike) -> int:
    """Return the true number of frames, counted by grabbing every frame (headers can lie)."""
    capture = _open(path)
    count = 0
    try:
        while capture.grab():
            count += 1
    finally:
        capture.release()
    return count


def prepare_frame(
    frame_bgr: np.ndarray,
    crop_rows: tuple[int, int] | None = None,
    size: tuple[int, int] | None = None,
    gray: bool = False,
) -> np.ndarray:
    """Return one frame cropped to rows [top, bottom), resized to size=(height, width) and optionally grayscale, uint8."""
    if crop_rows is not None:
        top, bottom = crop_rows
        frame_bgr = frame_bgr[top:bottom]
    if gray:
        frame_bgr = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
    if size is not None and frame_bgr.shape[:2] != tuple(size):
        frame_bgr = cv2.resize(frame_bgr, (size[1], size[0]), interpolation=cv2.INTER_AREA)
    return frame_bgr


def _decode_luma(capture: cv2.VideoCapture) -> bool:
    """Switch capture to the decoder's own planes if its first plane is full-size 8-bit luma; return whether it did.

    OpenCV's FFmpeg backend then returns that plane as the frame (with a warning per frame, silenced by the caller),
    which skips converting every pixel to BGR and back to gray.
    """
    code = int(capture.get(cv2.CAP_PROP_CODEC_PIXEL_FORMAT))
    fourcc = code.to_bytes(4, "little").decode("ascii", "replace") if code > 0 else ""
    return (capture.getBackendName() == "FFMPEG" and fourcc in PLANAR_LUMA_FORMATS
            and capture.set(cv2.CAP_PROP_CONVERT_RGB, 0))


def _as_gray(frame: np.ndarray, from_luma: bool) -> np.ndarray:
    """Return a decoded frame as gray uint8: video-range luma stretched to 0-255, or BGR converted."""
    if from_luma and frame.ndim == 2:
        return cv2.LUT(frame, VIDEO_RANGE_TO_GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def iter_frames(
    path: str | os.PathLike,
    crop_rows: tuple[int, int] | None = None,
    size: tuple[int, int] | None = None,
    gray: bool = False,
    start: int = 0,
    stop: int | None = None,
    luma: bool = False,
) -> Iterator[np.ndarray]:
    """Yield frames [start, stop) in order, decoded once and sequentially: (H, W, 3) BGR or (H, W) gray uint8.

    With gray and luma, gray comes straight from the decoder's luma plane where the format has one (a fifth less
    decoding work; on average 1.4 grey levels from converting BGR, which rounds twice), else from BGR as usual.
    """
    capture = _open(path)
    from_luma = gray and luma and _decode_luma(capture)
    log_level = cv2.utils.logging.getLogLevel()
    if from_luma:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    try:
        index = 0
        while stop is None or index < stop:
            if index < start:
                if not capture.grab():
                    break
            else:
                ok, frame = capture.read()
                if not ok:
                    break
                if gray:
                    frame = _as_gray(frame if crop_rows is None else frame[crop_rows[0]:crop_rows[1]], from_luma)
                    yield prepare_frame(frame, None, size)
                else:
                    yield prepare_frame(frame, crop_rows, size)
            index += 1
        if index == 0:
            raise VideoError(f"{path}: the video has no readable frame (zero frames, or corrupt)")
    finally:
        capture.release()
        if from_luma:
            cv2.utils.logging.setLogLevel(log_level)


def read_frames(path: str | os.PathLike, **options) -> np.ndarray:
    """Return every frame as one array (N, H, W, 3) BGR or (N, H, W) gray uint8; options as iter_frames."""
    return np.stack(list(iter_frames(path, **options)))


def write_video(path: str | os.PathLike, frames, fps: float, codec: str = "mp4v") -> int:
    """Write BGR (or gray) uint8 frames to a video file atomically and return the number of frames written."""
    writer = None
    count = 0
    with atomic_output(path) as partial:
        try:
            for frame in frames:
                if frame.ndim == 2:
                    frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
                if writer is None:
                    height, width = frame.shape[:2]
                    writer = cv2.VideoWriter(str(partial), cv2.VideoWriter_fourcc(*codec), fps, (width, height))
                    if not writer.isOpened():
                        raise VideoError(f"{path}: OpenCV cannot write a {codec!r} video here")
                writer.write(np.ascontiguousarray(frame))
                count += 1
        finally:
            if writer is not None:
                writer.release()
        if writer is None:
            raise VideoError(f"{path}: no frames to write")
    return count


def load_labels(path: str | os.PathLike, frame_count: int | None = None) -> np.ndarray:
    """Return one value per line of a text labels file (comma.ai's train.txt: speed in m/s) as (N,) float32.

    Raises VideoError if the file is missing, a line is not a number, or the line count differs from frame_count.
    """
    path = Path(path)
    if not path.exists():
        raise VideoError(f"{path}: no such labels file")
    if path.is_dir():
        raise VideoError(f"{path}: is a directory, not a labels file")
    values = []
    try:
        with open(path, encoding="utf-8") as handle:
            for line_number, line in enumerate(handle, start=1):
                text = line.strip()
                if not text:
                    continue
                try:
                    value = float(text)
                except ValueError:
                    raise VideoError(f"{path}, line {line_number}: {text[:40]!r} is not a number") from None
                if not abs(value) <= FLOAT32_MAX:
                    raise VideoError(f"{path}, line {line_number}: {text[:40]!r} is not a finite 32-bit number")
                values.append(value)
    except UnicodeDecodeError:
        raise VideoError(f"{path}: not a text labels file (not UTF-8)") from None
    if not values:
        raise VideoError(f"{path}: the labels file is empty")
    if frame_count is not None and len(values) != frame_count:
        raise VideoError(
            f"{path}: {len(values)} labels for a video of {frame_count} frames; expected one label per frame"
        )
    return np.asarray(values, dtype=np.float32)


def save_labels(path: str | os.PathLike, values) -> None:
    """Write one value per line (m/s, the format of comma.ai's train.txt), atomically."""
    with atomic_output(path) as partial:
        np.savetxt(partial, np.asarray(values, dtype=np.float64), fmt="%.6f")


def load_video_labels(video_path: str | os.PathLike, labels_path: str | os.PathLike) -> np.ndarray:
    """Return a video's per-frame labels, (N,) float32, after checking there is exactly one per frame.

    The header's frame count is tried first; if it disagrees, frames are counted (headers can lie).
    """
    values = load_labels(labels_path)
    if len(values) != probe_video(video_path).frame_count:
        load_labels(labels_path, count_frames(video_path))  # raises the mismatch error if the count also differs
    return values


def read_frame(path: str | os.PathLike, index: int) -> np.ndarray:
    """Return one frame (H, W, 3) BGR uint8 by seeking: for viewers that show one frame at a time, never for loops."""
    capture = _open(path)
    try:
        capture.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, frame = capture.read()
    finally:
        capture.release()
    if not ok:
        raise VideoError(f"{path}: cannot read frame {index}")
    return frame
