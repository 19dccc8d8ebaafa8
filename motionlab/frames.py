"""Frame extraction: decode a video once into a compact cached array, or into the seed's JPEG folder + driving.csv."""

from __future__ import annotations

import csv
import os
from itertools import islice
from pathlib import Path

import cv2
import numpy as np

from .cache import atomic_output, build_in_chunks, cache_path, check_output_path
from .progress import progress_bar
from .video import iter_frames, load_labels, probe_video

CROP_TOP = 130 / 480  # sky ends here, fraction of frame height (comma.ai 640x480: row 130)
CROP_BOTTOM = 370 / 480  # hood starts here, fraction of frame height (comma.ai 640x480: row 370)
MODEL_SIZE = (66, 220)  # (height, width) the models read, pixels (NVIDIA PilotNet's input)
CHUNK_FRAMES = 512  # frames per resumable chunk of a cache


def crop_rows(frame_height: int, top: float = CROP_TOP, bottom: float = CROP_BOTTOM) -> tuple[int, int]:
    """Return the (first, last+1) pixel rows kept between sky and hood for a frame of this height."""
    return int(round(top * frame_height)), int(round(bottom * frame_height))


def extract_frames(video_path: str | os.PathLike, size: tuple[int, int] | None = MODEL_SIZE, crop: bool = True,
                   gray: bool = False, progress: bool = True) -> np.ndarray:
    """Return every frame, cropped and resized, from a cache built in one sequential decode pass.

    Shape (N, H, W, 3) BGR or (N, H, W) gray, uint8, memory-mapped. Resumable: an interrupted run continues
    from its last complete chunk; the cache is keyed by the video file and these parameters.
    """
    info = probe_video(video_path)
    rows = crop_rows(info.height) if crop else None
    path = cache_path("frames", video_path, size=size, crop_rows=rows, gray=gray)

    def produce(start_row):
        frames = iter_frames(video_path, crop_rows=rows, size=size, gray=gray, start=start_row)
        bar = progress_bar(total=info.frame_count, initial=start_row, desc=f"frames {Path(video_path).name}",
                           unit="frame", enabled=progress)
        with bar:
            while chunk := list(islice(frames, CHUNK_FRAMES)):
                bar.update(len(chunk))
                yield np.stack(chunk)

    return build_in_chunks(path, produce)


def export_jpegs(video_path: str | os.PathLike, labels_path: str | os.PathLike, out_dir: str | os.PathLike,
                 progress: bool = True) -> Path:
    """Write the seed's layout: out_dir/frames/<i>.jpg and out_dir/driving.csv (image_path, frame, speed); return the csv.

    Decodes once, sequentially; JPEGs already written by an interrupted run are kept; the csv is written last.
    """
    out_dir = Path(out_dir)
    frames_dir = out_dir / "frames"
    info = probe_video(video_path)
    speeds = load_labels(labels_path)
    check_output_path(out_dir / "driving.csv")
    frames_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for index, frame in enumerate(progress_bar(iter_frames(video_path), total=info.frame_count, unit="frame",
                                               desc="jpeg export", enabled=progress)):
        image_path = frames_dir / f"{index}.jpg"
        if not image_path.exists():
            with atomic_output(image_path) as partial:
                cv2.imwrite(str(partial), frame)
        rows.append((str(image_path), index))
    if len(rows) != len(speeds):
        raise ValueError(f"{labels_path}: {len(speeds)} speeds for a video of {len(rows)} frames; "
                         "expected one speed per frame")
    csv_path = out_dir / "driving.csv"
    with atomic_output(csv_path) as partial, open(partial, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image_path", "frame", "speed"])
        writer.writerows((path, index, f"{speed:.6f}") for (path, index), speed in zip(rows, speeds))
    return csv_path
