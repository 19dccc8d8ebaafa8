"""Scoring jump counts against hand labels within each clip's labelled span: MAE, OBO, frame precision/recall."""

from __future__ import annotations

import numpy as np

from .data import labelled_span

MATCH_TOLERANCE = 2  # a predicted jump matches a label at most this many frames away


def in_span(frames: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Return the predicted frames that fall inside the labels' span (first - 2 .. last + 2), (J,) int64."""
    first, last = labelled_span(labels)
    frames = np.asarray(frames, np.int64)
    return frames[(frames >= first) & (frames <= last)]


def match_jumps(predicted: np.ndarray, labels: np.ndarray, tolerance: int = MATCH_TOLERANCE) -> int:
    """Return how many predictions match a distinct label within +-tolerance frames (greedy, closest first)."""
    pairs = sorted((abs(int(p) - int(t)), i, j) for i, p in enumerate(predicted) for j, t in enumerate(labels)
                   if abs(int(p) - int(t)) <= tolerance)
    used_p, used_t, matched = set(), set(), 0
    for _, i, j in pairs:
        if i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
            matched += 1
    return matched


def score_clip(predicted: np.ndarray | None, labels: np.ndarray, predicted_count: int | None = None) -> dict:
    """Return {"true", "pred", "matched", "pred_whole_clip"} for one clip: "pred" and "matched" count only the
    predicted frames inside the labelled span, "pred_whole_clip" all of them.
    A method that only counts (no frames) passes predicted=None and predicted_count."""
    if predicted is None:
        return {"true": int(len(labels)), "pred": int(predicted_count), "matched": None}
    whole = len(predicted)
    predicted = in_span(predicted, labels)
    return {"true": int(len(labels)), "pred": int(len(predicted)), "matched": match_jumps(predicted, labels),
            "pred_whole_clip": int(whole)}


def summarise(scores: list[dict]) -> dict:
    """Return MAE (mean |pred - true| / true), OBO (share of clips within +-1) and, when frames exist, pooled
    precision and recall of jump frames within +-2 frames and the whole-clip MAE (every predicted jump counted)."""
    if not scores:
        raise ValueError("no clip scores to summarise")
    true = np.array([s["true"] for s in scores], float)
    pred = np.array([s["pred"] for s in scores], float)
    summary = {"clips": len(scores), "mae": float(np.mean(np.abs(pred - true) / true)),
               "obo": float(np.mean(np.abs(pred - true) <= 1))}
    if all(s["matched"] is not None for s in scores):
        matched = sum(s["matched"] for s in scores)
        summary["precision"] = float(matched / max(pred.sum(), 1))
        summary["recall"] = float(matched / max(true.sum(), 1))
    if all("pred_whole_clip" in s for s in scores):  # the count over the whole clip, lead-in and run-out included
        whole = np.array([s["pred_whole_clip"] for s in scores], float)
        summary["mae_whole_clip"] = float(np.mean(np.abs(whole - true) / true))
    return summary
