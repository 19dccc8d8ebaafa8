"""Choosing the classical predictors' settings (flow method, skipping repeated frames, warp weight) on the validation
activities alone: every candidate scored on the same validation windows, the lowest MSE chosen. The test activities
are never read here."""

from __future__ import annotations

import numpy as np

from .baselines import copy_last
from .metrics import mse_per_frame

WARP_WEIGHTS = tuple(np.round(np.arange(0.0, 1.01, 0.1), 1))  # warp weights tried: 0 (copy-last) to 1 (pure warp)
CANDIDATES = (("farneback", False), ("farneback", True), ("dis", False), ("dis", True))  # (flow, skip_repeats) tried


def blend_scores(context: np.ndarray, truth: np.ndarray, flow: str, skip_repeats: bool,
                 weights=WARP_WEIGHTS) -> list[float]:
    """Return, per warp weight, the MSE per frame of that blend of warp and last frame relative to copy-last's, on
    (N, K, H, W, C) context and (N, 1, H, W, C) truth in [0, 1] (one step: the blend is linear in the weight, so
    one warp serves every weight)."""
    from .models import FlowWarpPredictor

    predictor = FlowWarpPredictor(context.shape[2:4], context.shape[-1], 1, flow=flow, skip_repeats=skip_repeats,
                                  context=context.shape[1])
    warped, last = predictor.predict_on_batch(context), copy_last(context, 1)
    copy_mse = mse_per_frame(truth, last).mean()
    return [float(mse_per_frame(truth, weight * warped + (1 - weight) * last).mean() / copy_mse)
            for weight in weights]


def choose(context: np.ndarray, truth: np.ndarray, candidates=CANDIDATES, weights=WARP_WEIGHTS) -> dict:
    """Return {"grid": [{"flow", "skip_repeats", "weights", "mse_vs_copy_last"}], "best": {"flow", "skip_repeats",
    "warp_weight", "mse_vs_copy_last"}}: every candidate scored on these windows, the lowest MSE as best."""
    grid, best = [], None
    for flow, skip_repeats in candidates:
        scores = blend_scores(context, truth, flow, skip_repeats, weights)
        grid.append({"flow": flow, "skip_repeats": skip_repeats, "weights": [float(w) for w in weights],
                     "mse_vs_copy_last": scores})
        at = int(np.argmin(scores))
        if best is None or scores[at] < best["mse_vs_copy_last"]:
            best = {"flow": flow, "skip_repeats": skip_repeats, "warp_weight": float(weights[at]),
                    "mse_vs_copy_last": scores[at]}
    return {"grid": grid, "best": best}


def validation_set(variant: str = "gray64", context: int = 5) -> tuple[np.ndarray, np.ndarray, str]:
    """Return (context, future, label): every window of the validation activities' videos, float32 in [0, 1]."""
    from .data import frame_windows, load_video_split

    split = load_video_split(variant)
    windows = frame_windows(split.frames["val"], context + 1).astype(np.float32) / 255.0
    return windows[:, :context], windows[:, context:], f"{split.source} validation videos: {', '.join(split.names['val'])}"


def main(argv: list[str] | None = None) -> None:
    """Print the validation grid and store it under "validation_choice" in models/nextframe_results.json."""
    import argparse
    import json
    from pathlib import Path

    import cv2

    from ..cache import MODELS_DIR, atomic_output

    parser = argparse.ArgumentParser(description="choose the classical predictor's settings on validation videos")
    parser.add_argument("--variant", default="gray64", help="frames the flow is computed on (gray64, color96)")
    parser.add_argument("--out", default=str(MODELS_DIR / "nextframe_results.json"))
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    context, truth, label = validation_set(args.variant)
    result = choose(context, truth)
    for row in result["grid"]:
        scores = " ".join(f"{score:.3f}" for score in row["mse_vs_copy_last"])
        print(f"{row['flow']:9s} skip_repeats={row['skip_repeats']!s:5s} weights 0..1: {scores}")
    print(f"best: {result['best']}")
    report = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    report.setdefault("validation_choice", {})[args.variant] = {
        "data": f"{label}; {len(truth)} windows, 5 in -> 1 out", **result}
    with atomic_output(args.out) as partial:
        with open(partial, "w") as handle:
            json.dump(report, handle, indent=1)


if __name__ == "__main__":
    main()
