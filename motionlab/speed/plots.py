"""Figures and widgets for the speed regressor: results, loss curves, predictions over time, a viewer, activations."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..explain.filters import layer_activations
from ..flow.encodings import flow_hsv_rgb
from ..plots import plot_speed_traces, rgb
from .data import DriveArrays, model_inputs
from .evaluate import model_kind


def results_table(results: dict) -> pd.DataFrame:
    """Return the held-out MSE table ((m/s)^2) of baselines and models from speed_results.json.

    Each raw-flow model (and their mean) is smoothed with the window its selection-drive score is best at; the
    seed's model with the window its validation score is best at.
    """
    rows = []
    for name, row in results["baselines"].items():
        rows.append({"predictor": f"baseline: {name}", "held-out MSE": row["all"], "smoothed MSE": np.nan,
                     "smoothing (frames)": np.nan, "selection MSE": np.nan, "train min": np.nan})
    shipped = results.get("shipped", {}).get("variant")
    candidates = results.get("candidates", {})
    for name in [*results["models"], *[n for n in candidates if n not in results["models"]]]:
        model, candidate = results["models"].get(name, {}), candidates.get(name)
        if candidate:
            by_window = candidate["selection_by_smoothing"]
            window = min(by_window, key=by_window.get)
            held_out, smoothed = candidate["test_by_smoothing"]["1"], candidate["test_by_smoothing"][window]
            selection = by_window[window]
        else:
            window, selection = model["smoothing_window"], np.nan
            held_out, smoothed = model["test"]["all"], model["test_smoothed"]["all"]
        rows.append({"predictor": name + (" (shipped)" if name == shipped else ""), "held-out MSE": held_out,
                     "smoothed MSE": smoothed, "smoothing (frames)": int(window), "selection MSE": selection,
                     "train min": model.get("train_minutes", np.nan)})
    return pd.DataFrame(rows).set_index("predictor").round(3)


def per_drive_table(results: dict) -> pd.DataFrame:
    """Return smoothed held-out MSE per test drive and model, (m/s)^2."""
    columns = {f"baseline: {n}": r for n, r in results["baselines"].items()}
    columns.update({n: m["test_smoothed"] for n, m in results["models"].items()})
    return pd.DataFrame(columns).T.round(3)


def plot_loss_curves(results: dict):
    """Plot training and validation MSE per epoch for every model; return the figure."""
    figure, ax = plt.subplots(figsize=(9, 3.5))
    for (name, model), color in zip(results["models"].items(), plt.cm.tab10.colors):
        history = model["history"]
        ax.plot(history["loss"], color=color, ls="--", lw=1)
        ax.plot(history["val_loss"], color=color, label=name)
    ax.set(yscale="log", xlabel="epoch", ylabel="MSE (m/s)²", title="training (dashed) and validation (solid) loss")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return figure


def plot_predictions(true_speeds: np.ndarray, predictions: dict, fps: float, title: str = ""):
    """Plot true speed and each {name: per-frame prediction} against time; return the figure."""
    figure, ax = plt.subplots(figsize=(11, 3.5))
    plot_speed_traces({"true": true_speeds, **predictions}, fps, ax=ax)
    ax.lines[0].set(color="black", lw=2)
    ax.legend(fontsize=8)  # again, so the legend shows the recoloured true trace
    ax.set_title(title)
    return figure


def speed_viewer(video_path, arrays: DriveArrays, frame_speeds: np.ndarray, predicted: np.ndarray, fps: float):
    """Return an ipywidgets.interact slider: the frame, its flow as colour, and the speed trace with a cursor."""
    import ipywidgets

    from ..video import read_frame

    def show(frame=0):
        pair = min(frame, len(arrays.flow) - 1)
        figure, axes = plt.subplots(1, 3, figsize=(16, 3.3), gridspec_kw={"width_ratios": [1.1, 1.2, 1.6]})
        axes[0].imshow(rgb(read_frame(video_path, frame)))
        axes[0].set_title(f"frame {frame}")
        axes[1].imshow(flow_hsv_rgb(np.asarray(arrays.flow[pair], np.float32)))
        axes[1].set_title("flow (hue: direction, brightness: length)")
        for ax in axes[:2]:
            ax.axis("off")
        plot_speed_traces({"true": frame_speeds, "predicted": predicted}, fps, ax=axes[2])
        axes[2].axvline(frame / fps, color="red")
        axes[2].set_title(f"true {frame_speeds[frame]:.1f} m/s, predicted {predicted[frame]:.1f} m/s")
        plt.show()

    slider = ipywidgets.IntSlider(value=0, min=0, max=len(frame_speeds) - 1, continuous_update=False)
    return ipywidgets.interact(show, frame=slider)


def conv_activations(model, arrays: DriveArrays, pair: int) -> dict:
    """Return {conv layer name: (h, w, filters) activations} of a model for one pair of a drive."""
    kind, context = model_kind(model)
    return layer_activations(model, model_inputs(arrays, np.array([pair]), kind, context)[0])


def plot_activations(activations: dict, flow: np.ndarray):
    """Show the flow and, per conv layer, the mean absolute activation over its filters; return the figure."""
    figure, axes = plt.subplots(1, len(activations) + 1, figsize=(3.4 * (len(activations) + 1), 2.2))
    axes[0].imshow(flow_hsv_rgb(np.asarray(flow, np.float32)))
    axes[0].set_title("flow")
    for ax, (name, activation) in zip(axes[1:], activations.items()):
        ax.imshow(np.abs(activation).mean(-1), cmap="magma", aspect="auto")
        ax.set_title(f"{name} {activation.shape[0]}x{activation.shape[1]}x{activation.shape[2]}", fontsize=9)
    for ax in axes:
        ax.axis("off")
    figure.tight_layout()
    return figure
