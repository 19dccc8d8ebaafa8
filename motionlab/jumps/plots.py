"""Figures and widgets of the jump counter: timelines of predicted vs true jumps, the held-out table, a clip viewer."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .data import labelled_span

METHOD_COLOURS = {"truth": "black", "counter": "tab:red", "classical": "tab:blue", "seed_gray": "tab:green",
                  "seed_rgb": "tab:olive", "seed_flow": "tab:purple", "cadence": "tab:gray"}  # timeline colours


def results_table(scores_by_method: dict[str, dict], summaries: dict[str, dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (per-clip table: true count and each method's predicted count, summary table: MAE, OBO,
    precision, recall per method)."""
    methods = list(scores_by_method)
    clips = sorted({clip for scores in scores_by_method.values() for clip in scores})
    rows = []
    for clip in clips:
        true = next(scores[clip]["true"] for scores in scores_by_method.values() if clip in scores)
        row = {"clip": clip, "true": true}
        row.update({m: scores_by_method[m][clip]["pred"] if clip in scores_by_method[m] else np.nan for m in methods})
        rows.append(row)
    per_clip = pd.DataFrame(rows).set_index("clip")
    summary = pd.DataFrame(summaries).T[["mae", "obo", "precision", "recall"]]
    return per_clip, summary.astype(float).round(3)


def plot_timelines(predictions: dict[str, dict[str, np.ndarray]], labels: dict[str, np.ndarray],
                   methods: list[str], fps: dict[str, float] | None = None, seconds: float | None = 8.0):
    """Draw one strip per clip: true jumps and each method's jumps as ticks over the labelled span (the first
    `seconds` of it, None: all); return the figure."""
    clips = sorted(labels)
    figure, axes = plt.subplots(len(clips), 1, figsize=(11, 1.0 + 0.32 * len(methods) * len(clips)), squeeze=False)
    for ax, clip in zip(axes[:, 0], clips):
        first, last = labelled_span(labels[clip])
        if seconds is not None:
            last = min(last, first + int(seconds * (fps or {}).get(clip, 30.0)))
        rows = [("truth", labels[clip])] + [(m, np.asarray(predictions[m].get(clip, []))) for m in methods]
        for level, (name, frames) in enumerate(rows):
            frames = frames[(frames >= first) & (frames <= last)]
            ax.eventplot(frames, lineoffsets=-level, linelengths=0.8, colors=METHOD_COLOURS.get(name, "gray"))
        ax.set_yticks([-i for i in range(len(rows))], [name for name, _ in rows], fontsize=7)
        ax.set_xlim(first - 1, last + 1)
        ax.set_title(clip, fontsize=9, loc="left")
    axes[-1, 0].set_xlabel("frame")
    figure.tight_layout()
    return figure


def plot_probability(probabilities: np.ndarray, labels: np.ndarray, predicted: np.ndarray, ax=None,
                     span: tuple[int, int] | None = None):
    """Draw a clip's per-frame jump probability with true (black) and predicted (red) jumps; return the axes."""
    ax = ax or plt.gca()
    first, last = span or (0, len(probabilities) - 1)
    frames = np.arange(len(probabilities))
    ax.plot(frames, probabilities, color="tab:red", lw=1, label="P(jump)")
    ax.vlines(labels[(labels >= first) & (labels <= last)], 1.02, 1.12, color="black", label="labelled jump")
    chosen = predicted[(predicted >= first) & (predicted <= last)]
    ax.plot(chosen, probabilities[chosen], "v", color="tab:red", ms=4, label="counted jump")
    ax.set_xlim(first, last)
    ax.set_ylim(0, 1.15)
    ax.set_xlabel("frame")
    ax.legend(loc="lower right", fontsize=7)
    return ax


def clip_viewer(crops: np.ndarray, labels: np.ndarray, probabilities: np.ndarray, predicted: np.ndarray,
                context: int = 45):
    """Return an ipywidgets.interact: a frame slider showing the crop, its label and the predicted probability."""
    import ipywidgets as widgets

    def show(frame: int = int(labels[0]) if len(labels) else 0):
        figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2), gridspec_kw={"width_ratios": [1, 2.6]})
        left.imshow(crops[frame], cmap="gray", vmin=0, vmax=255)
        is_jump = frame in set(labels.tolist())
        left.set_title(f"frame {frame}: {'JUMP (label)' if is_jump else 'no label'}", fontsize=9)
        left.axis("off")
        plot_probability(probabilities, labels, predicted, right, (max(0, frame - context),
                                                                  min(len(crops) - 1, frame + context)))
        right.axvline(frame, color="gray", ls="--")
        right.set_title(f"P(jump) = {probabilities[frame]:.2f}", fontsize=9)
        plt.show()

    return widgets.interact(show, frame=widgets.IntSlider(show.__defaults__[0], 0, len(crops) - 1, 1,
                                                          continuous_update=False))


def plot_in_span_counts(per_clip: pd.DataFrame, methods: list[str], ax=None):
    """Draw predicted against true counts per clip for each method (the diagonal is perfect); return the axes."""
    ax = ax or plt.gca()
    top = float(np.nanmax(per_clip[["true"] + methods].to_numpy())) * 1.08
    ax.plot([0, top], [0, top], color="lightgray", lw=1)
    for method in methods:
        ax.plot(per_clip["true"], per_clip[method], "o", color=METHOD_COLOURS.get(method), label=method, ms=5)
    ax.set_xlabel("true jumps (labelled span)")
    ax.set_ylabel("predicted jumps")
    ax.legend(fontsize=7)
    return ax

