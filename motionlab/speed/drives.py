"""The data sets: built-in synthetic drives (rendered on demand) and the user's own comma.ai files in data/."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..cache import DATA_DIR
from ..video import load_video_labels

SYNTH_DIR = DATA_DIR / "synth"  # rendered synthetic drives
TRAIN_SEEDS = tuple(range(1, 41))  # scenes and traces the models train on: many short drives, many scenes
VALIDATION_SEEDS = (41, 42)  # whole drives for early stopping and choosing the smoothing window
TEST_SEEDS = (101, 102, 103)  # scenes never used in training: the held-out score
TEST_FIRST_SEGMENTS = ("highway", "city", "crawl")  # each held-out drive starts differently, all reach full stops
SELECTION_SEEDS = (201, 202, 203)  # unseen scenes, drawn like the test drives, that choose the shipped model
FRAMES_PER_TRAINING_DRIVE = 800  # 40 s at 20 fps
FRAMES_PER_DRIVE = 2400  # held-out drives: 2 minutes at 20 fps
FAST_FRAMES_PER_DRIVE = 240  # with MOTIONLAB_FAST=1: 12 seconds
FAST = os.environ.get("MOTIONLAB_FAST") == "1"  # shrink data for CI


@dataclass(frozen=True)
class Drive:
    """One video with one speed per frame: the video path, the labels path and a short name."""

    name: str
    video: Path
    labels: Path

    def speeds(self) -> np.ndarray:
        """Return the speed of every frame, (N,) float32 m/s, checked against the video's frame count."""
        return load_video_labels(self.video, self.labels)


def synthetic_drive(seed: int, n_frames: int | None = None, first_segment: str | None = None) -> Drive:
    """Return a synthetic drive, rendering it into data/synth/ the first time it is asked for."""
    from ..synth.dashcam import RENDER_VERSION, render_dashcam

    n_frames = n_frames or (FAST_FRAMES_PER_DRIVE if FAST else FRAMES_PER_DRIVE)
    name = f"dashcam_v{RENDER_VERSION}_{seed}_{n_frames}" + (f"_{first_segment}" if first_segment else "")
    drive = Drive(name, SYNTH_DIR / f"{name}.mp4", SYNTH_DIR / f"{name}.txt")
    if not (drive.video.exists() and drive.labels.exists()):
        render_dashcam(SYNTH_DIR, name, n_frames=n_frames, seed=seed, first_segment=first_segment)
    return drive


def training_drives(n_frames: int | None = None) -> list[Drive]:
    """Return the synthetic drives used for training (TRAIN_SEEDS), rendering any that are missing."""
    seeds = TRAIN_SEEDS[:2] if FAST else TRAIN_SEEDS
    return [synthetic_drive(seed, n_frames or (None if FAST else FRAMES_PER_TRAINING_DRIVE)) for seed in seeds]


def validation_drives(n_frames: int | None = None) -> list[Drive]:
    """Return the synthetic drives used for early stopping and tuning (VALIDATION_SEEDS), rendering any missing."""
    seeds = VALIDATION_SEEDS[:1] if FAST else VALIDATION_SEEDS
    return [synthetic_drive(seed, n_frames or (None if FAST else FRAMES_PER_TRAINING_DRIVE)) for seed in seeds]


def _long_drives(seeds: tuple[int, ...], n_frames: int | None) -> list[Drive]:
    """Return two-minute drives of these seeds, each starting with the next of TEST_FIRST_SEGMENTS (one if FAST)."""
    pairs = list(zip(seeds, TEST_FIRST_SEGMENTS))[: 1 if FAST else None]
    return [synthetic_drive(seed, n_frames, first) for seed, first in pairs]


def test_drives(n_frames: int | None = None) -> list[Drive]:
    """Return the held-out synthetic drives (TEST_SEEDS: unseen scenes; highway, stop-and-go, full stops)."""
    return _long_drives(TEST_SEEDS, n_frames)


def selection_drives(n_frames: int | None = None) -> list[Drive]:
    """Return the drives that choose which trained model ships and its smoothing (SELECTION_SEEDS, test-like)."""
    return _long_drives(SELECTION_SEEDS, n_frames)


def comma_ai_drive(data_dir: str | os.PathLike = DATA_DIR) -> Drive | None:
    """Return the user's comma.ai training data (data/train.mp4 + data/train.txt) if both exist, checked; else None."""
    video, labels = Path(data_dir) / "train.mp4", Path(data_dir) / "train.txt"
    if not (video.exists() and labels.exists()):
        return None
    drive = Drive("comma_ai_train", video, labels)
    drive.speeds()  # raises a clear error if the labels do not match the frames
    return drive
