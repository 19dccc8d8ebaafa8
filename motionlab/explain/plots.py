"""Figures of what a model looks at: saliency maps over the input image, input-change tables as bars, and the
inputs each filter prefers."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from .saliency import overlay


def plot_saliency(image_gray: np.ndarray, maps: dict[str, np.ndarray], title: str, units: dict | None = None):
    """Draw the image and each saliency map laid over it; return the figure. maps: {name: (H, W)}."""
    units = units or {}
    figure, axes = plt.subplots(1, len(maps) + 1, figsize=(3.6 * (len(maps) + 1), 3.0), squeeze=False)
    axes = axes[0]
    axes[0].imshow(image_gray, cmap="gray")
    axes[0].set_title("input", fontsize=9)
    for ax, (name, saliency) in zip(axes[1:], maps.items()):
        ax.imshow(overlay(image_gray, saliency))
        unit = f" (max {saliency.max():.3g} {units[name]})" if name in units else ""
        ax.set_title(f"{name}{unit}", fontsize=9)
    for ax in axes:
        ax.axis("off")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure


def saliency_image(image_gray: np.ndarray, saliency: np.ndarray, title: str, unit: str, out_png) -> Path:
    """Write the image with its occlusion map laid over it (plot_saliency) to out_png atomically; return the path."""
    from ..cache import atomic_output

    figure = plot_saliency(image_gray, {"occlusion": saliency}, title, units={"occlusion": unit})
    with atomic_output(out_png) as partial:
        figure.savefig(partial, dpi=80, bbox_inches="tight", format="png")
    plt.close(figure)
    return Path(out_png)


def plot_input_changes(tables: dict[str, dict[str, float]], labels: dict[str, str]):
    """Draw one bar chart per model of its held-out error under each input change; return the figure.

    tables: {model: {change: error}}; labels: {model: the error's name and unit}. The unchanged bar is grey.
    """
    figure, axes = plt.subplots(1, len(tables), figsize=(6 * len(tables), 3.4), squeeze=False)
    for ax, (model, table) in zip(axes[0], tables.items()):
        names = list(table)
        colours = ["grey" if name == "unchanged" else "tab:blue" for name in names]
        ax.barh(names, [table[name] for name in names], color=colours)
        ax.invert_yaxis()
        ax.set_xlabel(labels[model])
        ax.set_title(model, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure


def plot_filter_inputs(images: np.ndarray, title: str, channel: int = 0, columns: int = 3):
    """Draw gradient-ascent inputs (F, [T,] H, W, C): one channel of each (the middle time step); return the figure."""
    count = len(images)
    rows = int(np.ceil(count / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 1.6 * rows + 0.4), squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if index < count:
            image = images[index]
            image = image[image.shape[0] // 2] if image.ndim == 4 else image
            ax.imshow(image[..., channel], cmap="RdBu_r")
            ax.set_title(f"filter {index}", fontsize=8)
    figure.suptitle(title, fontsize=9)
    figure.tight_layout()
    return figure
