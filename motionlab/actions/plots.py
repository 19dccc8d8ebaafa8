"""Figures and widgets of action classification: sample strips per class, the clip-consistent augmentation, the
held-out table, a confusion matrix, the worst mistakes, and a viewer of class probabilities over time."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..clips import ClipDataset
from ..clips.decode import decode_frames


def _strip(frames: np.ndarray) -> np.ndarray:
    """Return frames (T, H, W, C) side by side as one image (H, T*W[, 3]) for imshow."""
    image = np.concatenate(list(frames), axis=1)
    return image[..., 0] if image.shape[-1] == 1 else image


def _show_channels(ax, image: np.ndarray, title: str = "") -> None:
    """Draw a strip: gray, RGB, or 2-channel flow shown as its horizontal component."""
    if image.ndim == 3 and image.shape[-1] == 2:
        image = image[..., 0]
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1 if image.dtype != np.uint8 else 255)
    ax.set_title(title, fontsize=8, loc="left")
    ax.axis("off")


def plot_class_strips(paths, labels, class_names, size=(72, 90), channels: int = 1, frames: int = 8):
    """Draw one strip per class (its first video, `frames` frames spread over it); return the figure."""
    figure, axes = plt.subplots(len(class_names), 1, figsize=(11, 1.05 * len(class_names)), squeeze=False)
    for ax, (label, name) in zip(axes[:, 0], enumerate(class_names)):
        path = paths[list(labels).index(label)]
        clip = decode_frames(path, size, channels)
        picks = np.round(np.linspace(0, len(clip) - 1, frames)).astype(int)
        _show_channels(ax, _strip(clip[picks]), f"{name}: {path.name} ({len(clip)} frames)")
    figure.tight_layout()
    return figure


def plot_augmentation(dataset: ClipDataset, position: int = 0, draws: int = 3):
    """Draw one sample as decoded and under `draws` augmentations (epochs): each transform is the same on every
    frame of the clip; return the figure."""
    figure, axes = plt.subplots(draws + 1, 1, figsize=(11, 1.2 * (draws + 1)), squeeze=False)
    epoch = dataset.epoch
    clip, label = dataset.sample(position, augment=False)
    _show_channels(axes[0, 0], _strip(clip), f"{dataset.class_names[label]}, as decoded")
    for row in range(1, draws + 1):
        dataset.epoch = epoch + row
        augmented, _ = dataset.sample(position)
        _show_channels(axes[row, 0], _strip(augmented), f"augmentation drawn for epoch {dataset.epoch}")
    dataset.epoch = epoch
    figure.tight_layout()
    return figure


def results_table(merged: dict) -> pd.DataFrame:
    """Return one row per method: clip accuracy over all folds, fold mean and standard deviation, mean validation
    accuracy of the folds' next group, over every validation group it was trained for when extra validation runs
    exist (what chose the shipped recipe) and how many such runs, and the epoch cap (learned methods)."""
    rows = []
    for method, results in merged.items():
        folds = results["folds"].values()
        validation = [f["validation_accuracy"] for f in folds if "validation_accuracy" in f]
        summary = results["summary"]
        rows.append({"method": method, "accuracy": summary["accuracy"], "fold mean": summary["fold_mean"],
                     "fold std": summary["fold_std"], "folds": summary["folds"],
                     "validation accuracy": float(np.mean(validation)) if validation else np.nan,
                     "validation, all groups": summary.get("selection_mean") or np.nan,
                     "validation runs": summary.get("selection_runs") or np.nan,
                     "epoch cap": results.get("epochs", np.nan) if validation else np.nan})
    return pd.DataFrame(rows).set_index("method").sort_values("accuracy").round(3)


def confusion(results: dict) -> np.ndarray:
    """Return the confusion matrix of one method's held-out clips, (classes, classes) int, rows true, columns predicted."""
    classes = len(results["classes"])
    matrix = np.zeros((classes, classes), int)
    for fold in results["folds"].values():
        for clip in fold["clips"]:
            matrix[clip["true"], int(np.argmax(clip["probabilities"]))] += 1
    return matrix


def plot_confusion(results: dict, ax=None):
    """Draw one method's held-out confusion matrix with counts; return the axes."""
    ax = ax or plt.gca()
    matrix, names = confusion(results), results["classes"]
    ax.imshow(matrix, cmap="Blues")
    for (row, column), count in np.ndenumerate(matrix):
        if count:
            ax.text(column, row, count, ha="center", va="center", fontsize=8,
                    color="white" if count > matrix.max() / 2 else "black")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{results['method']}: held-out clips, {results['data']}", fontsize=9)
    return ax


def worst_mistakes(results: dict, count: int = 4) -> list[dict]:
    """Return the misclassified clips with the lowest probability of their true class (most confident mistakes)."""
    clips = [clip for fold in results["folds"].values() for clip in fold["clips"]]
    wrong = [c for c in clips if int(np.argmax(c["probabilities"])) != c["true"]]
    return sorted(wrong, key=lambda c: c["probabilities"][c["true"]])[:count]


def plot_mistakes(results: dict, root, count: int = 4, size=(72, 90), channels: int = 1, frames: int = 8):
    """Draw the worst mistakes as strips titled true -> predicted, reading videos from root/CLASS/NAME; return the
    figure (None if there is no mistake or the videos are absent)."""
    mistakes, names = worst_mistakes(results, count), results["classes"]
    for clip in mistakes:
        clip["video"] = str(Path(root) / Path(clip["video"]).parent.name / Path(clip["video"]).name)
    if not mistakes or not all(Path(clip["video"]).exists() for clip in mistakes):
        return None
    figure, axes = plt.subplots(len(mistakes), 1, figsize=(11, 1.2 * len(mistakes)), squeeze=False)
    for ax, clip in zip(axes[:, 0], mistakes):
        video = decode_frames(clip["video"], size, channels)
        picks = np.round(np.linspace(0, len(video) - 1, frames)).astype(int)
        predicted = int(np.argmax(clip["probabilities"]))
        _show_channels(ax, _strip(video[picks]), f"{Path(clip['video']).name}: true {names[clip['true']]} "
                       f"(p {clip['probabilities'][clip['true']]:.2f}) -> {names[predicted]} "
                       f"(p {clip['probabilities'][predicted]:.2f})")
    figure.tight_layout()
    return figure


def plot_probabilities_over_time(starts: np.ndarray, probabilities: np.ndarray, class_names, window: int,
                                 ax=None, frame: int | None = None):
    """Draw each class's window probability against the window's centre frame; return the axes."""
    ax = ax or plt.gca()
    centres = starts + window / 2
    for index, name in enumerate(class_names):
        ax.plot(centres, probabilities[:, index], lw=1.3 if probabilities[:, index].max() > 0.3 else 0.7, label=name)
    if frame is not None:
        ax.axvline(frame, color="gray", ls="--")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("frame (window centre)")
    ax.set_ylabel("P(class)")
    ax.legend(fontsize=7, ncol=2, loc="upper right")
    return ax


def clip_viewer(frames: np.ndarray, starts: np.ndarray, probabilities: np.ndarray, class_names, window: int):
    """Return an ipywidgets.interact: a frame slider showing the frame and the class probabilities over time."""
    import ipywidgets as widgets

    def show(frame: int = 0):
        figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.2), gridspec_kw={"width_ratios": [1, 2.4]})
        image = frames[frame]
        left.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray")
        nearest = int(np.argmin(np.abs(starts + window / 2 - frame)))
        best = int(np.argmax(probabilities[nearest]))
        left.set_title(f"frame {frame}: {class_names[best]} ({probabilities[nearest, best]:.2f})", fontsize=9)
        left.axis("off")
        plot_probabilities_over_time(starts, probabilities, class_names, window, right, frame)
        plt.show()

    return widgets.interact(show, frame=widgets.IntSlider(0, 0, len(frames) - 1, 1, continuous_update=False))


def plot_accuracy(table: pd.DataFrame, ax=None):
    """Draw each method's held-out accuracy (bar) with its fold spread (mean +- standard deviation); return the axes."""
    ax = ax or plt.gca()
    positions = np.arange(len(table))
    ax.barh(positions, table["accuracy"], color="tab:blue", alpha=0.7, label="all held-out clips")
    ax.errorbar(table["fold mean"], positions, xerr=table["fold std"], fmt="o", color="black", ms=3,
                label="fold mean +- std")
    ax.set_yticks(positions, table.index, fontsize=8)
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("accuracy, leave one group out")
    ax.legend(fontsize=7, loc="lower right")
    return ax
