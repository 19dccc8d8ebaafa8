"""Figures for notebook 06: data strips, rollout strips, error maps over time, per-step errors, training curves,
and an ipywidgets viewer comparing the models frame by frame."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..cache import IMAGES_DIR, atomic_output


def save_figure(figure, name: str) -> str:
    """Write a figure to images/nextframe_<name>.png (atomically) and return the path."""
    path = IMAGES_DIR / f"nextframe_{name}.png"
    with atomic_output(path) as partial:
        figure.savefig(partial, dpi=110, bbox_inches="tight", format="png")
    return str(path)


def _show(axis, frame: np.ndarray, vmax: float = 1.0, cmap: str = "gray") -> None:
    """Draw one (H, W, C) frame (BGR if colour) without ticks."""
    if frame.shape[-1] == 3:
        axis.imshow(np.clip(frame[..., ::-1], 0, 1))
    else:
        axis.imshow(frame[..., 0], cmap=cmap, vmin=0, vmax=vmax)
    axis.set_xticks([])
    axis.set_yticks([])


def sequence_strip(videos: np.ndarray, context: int, rows: int = 3, title: str = ""):
    """Return a figure of `rows` sequences (N, T, H, W, C) in [0, 1], context frames then the frames to predict."""
    frames = videos.shape[1]
    figure, axes = plt.subplots(rows, frames, figsize=(frames * 0.9, rows * 1.0), squeeze=False)
    for row in range(rows):
        for step in range(frames):
            _show(axes[row, step], videos[row, step])
            if row == 0:
                axes[row, step].set_title(("in " if step < context else "out ") + str(step + 1), fontsize=7)
    figure.suptitle(title, fontsize=9)
    return figure


def rollout_strip(context: np.ndarray, truth: np.ndarray, predictions: dict, index: int = 0, shown_context: int = 4,
                  title: str = ""):
    """Return a figure for one sequence: a row of its last context frames, the truth, then each predictor."""
    rows = [("context", context[index, -shown_context:])] + [("truth", truth[index])]
    rows += [(name, predicted[index]) for name, predicted in predictions.items()]
    columns = max(len(frames) for _, frames in rows)
    figure, axes = plt.subplots(len(rows), columns, figsize=(columns * 0.95, len(rows) * 1.05), squeeze=False)
    for row, (name, frames) in enumerate(rows):
        for step in range(columns):
            axis = axes[row, step]
            if step < len(frames):
                _show(axis, frames[step])
            else:
                axis.axis("off")
        axes[row, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
    figure.suptitle(title, fontsize=9)
    return figure


def error_maps(truth: np.ndarray, predictions: dict, index: int = 0, title: str = ""):
    """Return a figure of |prediction - truth| per predicted step (columns) for each predictor (rows)."""
    steps = truth.shape[1]
    figure, axes = plt.subplots(len(predictions), steps, figsize=(steps * 0.95, len(predictions) * 1.05),
                                squeeze=False)
    for row, (name, predicted) in enumerate(predictions.items()):
        error = np.abs(predicted[index] - truth[index]).mean(axis=-1, keepdims=True)
        for step in range(steps):
            _show(axes[row, step], error[step], vmax=0.6, cmap="magma")
            if row == 0:
                axes[row, step].set_title(f"t+{step + 1}", fontsize=7)
        axes[row, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
    figure.suptitle(title, fontsize=9)
    return figure


def per_step_plot(scores: dict, metric: str = "mse", title: str = ""):
    """Return a figure of a metric per predicted step, one line per predictor (scores from predictions_table)."""
    figure, axis = plt.subplots(figsize=(6, 3.5))
    for name, result in scores.items():
        values = result[f"{metric}_per_step"]
        axis.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=name)
    axis.set_xlabel("predicted step")
    axis.set_ylabel({"mse": "MSE per frame", "ssim": "SSIM"}.get(metric, metric))
    axis.legend(fontsize=7)
    axis.set_title(title, fontsize=9)
    axis.grid(alpha=0.3)
    return figure


def training_curves(logs: dict, baselines: dict | None = None, title: str = "", clock: str = "cpu_s"):
    """Return a figure of held-out rollout MSE per frame against training minutes (clock "cpu_s": CPU time the
    process got; "elapsed_s": wall clock), one line per log ({name: read_training_log(...)}), with dashed lines
    for baseline scores ({name: value})."""
    figure, axis = plt.subplots(figsize=(6, 3.5))
    for name, log in logs.items():
        if log:
            axis.plot(log[clock] / 60, log["val_rollout_mse"], marker=".", label=name)
    for name, value in (baselines or {}).items():
        axis.axhline(value, linestyle="--", linewidth=1, color="gray")
        axis.text(0, value, name, fontsize=7, va="bottom")
    axis.set_xlabel("training time (CPU minutes of one thread)" if clock == "cpu_s" else
                    "training time (wall-clock minutes, one thread on a shared CPU)")
    axis.set_ylabel("validation MSE per frame")
    axis.set_yscale("log")
    axis.legend(fontsize=7)
    axis.set_title(title, fontsize=9)
    axis.grid(alpha=0.3)
    return figure


def rollout_viewer(context: np.ndarray, truth: np.ndarray, predictions: dict):
    """Return an ipywidgets.interact viewer: pick a sequence and a step, see truth and every predictor side by side."""
    import ipywidgets

    names = ["truth", *predictions]

    def show(sequence: int = 0, step: int = 1):
        figure, axes = plt.subplots(1, len(names) + 1, figsize=(1.6 * (len(names) + 1), 1.9))
        _show(axes[0], context[sequence, -1])
        axes[0].set_title("last seen", fontsize=8)
        for axis, name in zip(axes[1:], names):
            frames = truth if name == "truth" else predictions[name]
            _show(axis, frames[sequence, step - 1])
            axis.set_title(name, fontsize=8)
        plt.show()

    return ipywidgets.interact(show, sequence=(0, len(truth) - 1), step=(1, truth.shape[1]))
