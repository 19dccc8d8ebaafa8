"""Shared fixtures: small synthetic drives rendered once per test session into a temporary folder."""

import numpy as np
import pytest

from motionlab.synth.dashcam import FPS, DashcamRenderer
from motionlab.video import save_labels, write_video


@pytest.fixture(scope="session")
def render_drive(tmp_path_factory):
    """Return a function (speeds, seed, name) -> (video path, labels path), caching renders for the session."""
    folder = tmp_path_factory.mktemp("drives")
    made = {}

    def render(speeds, seed=0, name=None):
        speeds = np.asarray(speeds, np.float32)
        key = (speeds.tobytes(), seed)
        if key not in made:
            name = name or f"drive_{len(made)}"
            video, labels = folder / f"{name}.mp4", folder / f"{name}.txt"
            write_video(video, DashcamRenderer(speeds, seed, FPS), FPS)
            save_labels(labels, speeds)
            made[key] = (video, labels)
        return made[key]

    return render
