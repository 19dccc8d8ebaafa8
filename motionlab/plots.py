"""Figures and interactive widgets for the dashcam notebooks: speed traces, frame grids, a frame browser."""

from __future__ import annotations

import os

import cv2
import matplotlib.pyplot as plt
import numpy as np

from .cache import IMAGES_DIR
from .video import read_frame


def rgb(frame_bgr: np.ndarray) -> np.ndarray:
    """Return an OpenCV BGR frame as RGB for matplotlib."""
    return cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)


def save_figure(figure, name: str) -> str | None:
    """Save a figure to images/<name>.png (the README shows these) and return the path; not in fast mode.

    With MOTIONLAB_FAST=1 (CI's small data) nothing is written, so the README keeps the full-data figures.
    """
    if os.environ.get("MOTIONLAB_FAST") == "1":
        return None
    IMAGES_DIR.mkdir(exist_ok=True)
    path = IMAGES_DIR / f"{name}.png"
    figure.savefig(path, dpi=90, bbox_inches="tight")
    return str(path)


def plot_speed_traces(traces: dict, fps: float, ax=None):
    """Plot speed (m/s) against time (s) for {name: speeds} and return the axes."""
    ax = ax or plt.subplots(figsize=(10, 3))[1]
    for name, speeds in traces.items():
        ax.plot(np.arange(len(speeds)) / fps, speeds, label=name, lw=1.2)
    ax.set(xlabel="time (s)", ylabel="speed (m/s)", ylim=(-0.5, None))
    ax.grid(alpha=0.3)
    if len(traces) > 1:
        ax.legend(fontsize=8, ncol=min(4, len(traces)))
    return ax


def frame_grid(video_path: str | os.PathLike, speeds: np.ndarray, indices, columns: int = 4):
    """Draw the frames at `indices` with their speeds in a grid and return the figure."""
    indices = list(indices)
    rows = int(np.ceil(len(indices) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.5 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, index in zip(axes.flat, indices):
        ax.imshow(rgb(read_frame(video_path, index)))
        ax.set_title(f"frame {index}: {speeds[index]:.1f} m/s", fontsize=9)
    figure.tight_layout()
    return figure


def frame_browser(video_path: str | os.PathLike, speeds: np.ndarray, fps: float, crops: np.ndarray | None = None):
    """Return an ipywidgets.interact slider over frames: the frame, its speed, a cursor on the speed trace.

    With crops (N, H, W, 3) BGR, the model's cropped view of the frame is shown too.
    """
    import ipywidgets

    def show(frame=0):
        panels = 3 if crops is not None else 2
        figure, axes = plt.subplots(1, panels, figsize=(5 * panels, 3.4),
                                    gridspec_kw={"width_ratios": [1.3] + [1] * (panels - 1)})
        axes[0].imshow(rgb(read_frame(video_path, frame)))
        axes[0].set_title(f"frame {frame}  ({frame / fps:.1f} s): {speeds[frame]:.2f} m/s")
        axes[0].axis("off")
        plot_speed_traces({"speed": speeds}, fps, ax=axes[1])
        axes[1].axvline(frame / fps, color="red")
        axes[1].plot(frame / fps, speeds[frame], "ro")
        if crops is not None:
            axes[2].imshow(rgb(crops[frame]))
            axes[2].set_title("what the model sees (cropped, resized)")
            axes[2].axis("off")
        plt.show()

    slider = ipywidgets.IntSlider(value=0, min=0, max=len(speeds) - 1, step=1, continuous_update=False)
    return ipywidgets.interact(show, frame=slider)
