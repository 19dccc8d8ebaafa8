"""Videos in which nobody jumps rope, for training the counter to say 0: real repeated motion (QUVA) split by
activity into a training half and a held-out half, and rendered static noise.

The QUVA split is fixed in advance by a hash of each activity's name (clips sharing an activity come from one
recording, so they stay on one side): the counter may train on the first half; false jumps are reported on the
second half, which no model here trains on.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ..cache import DATA_DIR, SHARED_DATA_DIR
from ..video import write_video

QUVA_DIR = SHARED_DATA_DIR / "quva" / "videos"  # real repeated motion that is not jump rope
NOISE_DIR = DATA_DIR / "synth" / "jumprope_negatives"  # rendered static-noise training clips
NOISE_CLIPS = 4  # static-noise training clips (the no-jump evaluation renders its own, seed 0, 640x360)
NOISE_SECONDS = 6  # length of each static-noise training clip, s
NOISE_SIZES = ((240, 320), (480, 270), (360, 480), (720, 405))  # (height, width) of each, pixels: landscape and portrait
NOISE_FPS = (24, 25, 30, 60)  # frame rate of each, frames/s
NOISE_SEED = 1000  # first random seed of the training noise (the evaluation's noise uses seed 0)


def quva_activity(video: Path) -> str:
    """Return the activity of a QUVA video named NUMBER_ACTIVITY.mp4 (for example "bar_lift")."""
    return video.stem.split("_", 1)[-1]


def quva_held_out(video: Path) -> bool:
    """Whether a QUVA video is on the held-out side: its activity's SHA-1 is odd (fixed before any result)."""
    return int(hashlib.sha1(quva_activity(video).encode()).hexdigest()[:8], 16) % 2 == 1


def quva_videos(held_out: bool, folder: Path = QUVA_DIR) -> list[Path]:
    """Return the QUVA videos of one side of the split, sorted; [] if the folder is absent."""
    return [video for video in sorted(Path(folder).glob("*.mp4")) if quva_held_out(video) == held_out]


def noise_videos(folder: Path = NOISE_DIR) -> list[Path]:
    """Return the static-noise training clips, rendering any that are missing."""
    paths = []
    for number, ((height, width), fps) in enumerate(zip(NOISE_SIZES[:NOISE_CLIPS], NOISE_FPS)):
        path = Path(folder) / f"noise_{number}.mp4"
        if not path.exists():
            rng = np.random.default_rng(NOISE_SEED + number)
            write_video(path, (rng.integers(0, 256, (height, width, 3), np.uint8) for _ in range(NOISE_SECONDS * fps)),
                        fps)
        paths.append(path)
    return paths


def training_negatives() -> list[Path]:
    """Return every no-jump video the counter trains on: the QUVA training half (when QUVA is here) and the noise."""
    return quva_videos(held_out=False) + noise_videos()
