"""Figures and an interactive viewer for optical flow: flow as colour and arrows, statistics against speed."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np

from ..plots import plot_speed_traces, rgb
from ..video import read_frame
from .encodings import flow_hsv_rgb
from .params import FlowParams

QUIVER_STEP = 8  # one arrow every this many pixels of the flow field
QUIVER_GAIN = 2.0  # arrows are drawn this many times their length in pixels per frame, for visibility


def speed_correlations(statistics: dict[str, np.ndarray], speeds_mps: np.ndarray) -> dict[str, float]:
    """Return the Pearson correlation of each statistic with speed, {name: r}; both (N,) per pair."""
    return {name: float(np.corrcoef(values, speeds_mps)[0, 1]) for name, values in statistics.items()}


def plot_statistics_vs_speed(statistics: dict[str, np.ndarray], speeds_mps: np.ndarray):
    """Scatter each statistic against speed (m/s), with its correlation in the title, and return the figure."""
    correlations = speed_correlations(statistics, speeds_mps)
    figure, axes = plt.subplots(1, len(statistics), figsize=(3.4 * len(statistics), 3.2), squeeze=False)
    for ax, (name, values) in zip(axes[0], statistics.items()):
        ax.scatter(speeds_mps, values, s=4, alpha=0.4)
        ax.set_title(f"{name}\nr = {correlations[name]:+.2f}", fontsize=9)
        ax.set_xlabel("speed (m/s)")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("per-pair mean")
    figure.tight_layout()
    return figure


def draw_flow_frame(video_path: str | os.PathLike, flow: np.ndarray, speeds_mps: np.ndarray, index: int,
                    fps: float, params: FlowParams = FlowParams()):
    """Draw frame `index` (crop outlined), its flow as colour and as arrows, and the speed trace; return the figure.

    flow is the video's (N-1, H, W, 2) flow in pixels per frame; speeds_mps is (N,) m/s.
    """
    frame = read_frame(video_path, index)
    field = np.asarray(flow[index], np.float32)
    figure, axes = plt.subplots(2, 2, figsize=(12, 6.5), gridspec_kw={"height_ratios": [1.3, 1]})
    (ax_frame, ax_colour), (ax_arrows, ax_trace) = axes
    ax_frame.imshow(rgb(frame))
    for row in params.crop_rows(frame.shape[0]):
        ax_frame.axhline(row, color="yellow", lw=1)
    ax_frame.set_title(f"frame {index} ({index / fps:.1f} s), crop between the yellow lines")
    ax_colour.imshow(flow_hsv_rgb(field))
    ax_colour.set_title("flow as colour: hue = direction, brightness = length (fixed scale)")
    rows, cols = np.mgrid[QUIVER_STEP // 2:field.shape[0]:QUIVER_STEP, QUIVER_STEP // 2:field.shape[1]:QUIVER_STEP]
    length = np.hypot(field[..., 0], field[..., 1])
    ax_arrows.imshow(length, cmap="gray")
    ax_arrows.quiver(cols, rows, field[rows, cols, 0] * QUIVER_GAIN, field[rows, cols, 1] * QUIVER_GAIN,
                     color="orange", angles="xy", scale_units="xy", scale=1, width=0.004)
    ax_arrows.set_title(f"flow arrows (x{QUIVER_GAIN:g}) over its length; mean {length.mean():.2f} px/frame")
    for ax in (ax_frame, ax_colour, ax_arrows):
        ax.axis("off")
    plot_speed_traces({"speed": speeds_mps}, fps, ax=ax_trace)
    ax_trace.axvline(index / fps, color="red")
    ax_trace.plot(index / fps, speeds_mps[index], "ro")
    ax_trace.set_title(f"{speeds_mps[index]:.2f} m/s at this frame")
    figure.tight_layout()
    return figure


def flow_viewer(video_path: str | os.PathLike, flow: np.ndarray, speeds_mps: np.ndarray, fps: float,
                params: FlowParams = FlowParams()):
    """Return an ipywidgets.interact slider over frame pairs showing draw_flow_frame for the chosen pair."""
    import ipywidgets

    def show(pair=0):
        draw_flow_frame(video_path, flow, speeds_mps, pair, fps, params)
        plt.show()

    slider = ipywidgets.IntSlider(value=0, min=0, max=len(flow) - 1, step=1, continuous_update=False)
    return ipywidgets.interact(show, pair=slider)
