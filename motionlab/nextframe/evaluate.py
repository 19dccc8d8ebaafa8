"""Baselines and results tables: every model scored beside copy-last, black, mean and linear extrapolation on the
same held-out sequences."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .baselines import BASELINES, black_frames, copy_last, linear_extrapolation, mean_frames  # noqa: F401  (tables,

# notebook 06 and the tests read the baselines through this module)
from .metrics import score


def predictions_table(truth: np.ndarray, context: np.ndarray, predictions: dict, with_ssim: bool = True
                      ) -> tuple[pd.DataFrame, dict]:
    """Return (table, scores): the baselines and each named prediction (N, steps, H, W, C) scored on one truth.

    The table has one row per predictor (MSE per frame, SSIM, PSNR, perceptual distance and MSE relative to copy-last);
    scores keeps every score dict, per-step lists included.
    """
    steps = truth.shape[1]
    candidates = {name: make(context, steps) for name, make in BASELINES.items()}
    candidates.update(predictions)
    scores = {name: score(truth, predicted, with_ssim=with_ssim) for name, predicted in candidates.items()}
    rows = []
    for name, result in scores.items():
        row = {"predictor": name, "MSE per frame": result["mse"],
               "MSE / copy-last": result["mse"] / scores["copy last frame"]["mse"]}
        if with_ssim:
            row["SSIM"] = result["ssim"]
        row.update({"PSNR (dB)": result["psnr"], "perceptual distance": result["perceptual"]})
        rows.append(row)
    return pd.DataFrame(rows).set_index("predictor"), scores


MNIST_TEST_SEQUENCES = 300  # regenerated test sequences scored (test digits 9000-9999, seeds from 2,000,000)
VIDEO_TEST_WINDOW_LIMIT = 3000  # real test-video windows scored at most (evenly spaced over the test videos)


def mnist_test_set(count: int = MNIST_TEST_SEQUENCES) -> tuple[np.ndarray, np.ndarray, str]:
    """Return (context (N, 10, 64, 64, 1), future (N, 10, 64, 64, 1), label) of the held-out digit sequences."""
    from .data import CONTEXT_FRAMES, moving_digit_set

    videos, digits = moving_digit_set("test", count)
    videos = videos[..., None]
    return videos[:, :CONTEXT_FRAMES], videos[:, CONTEXT_FRAMES:], digits.description


def video_test_set(variant: str = "gray64", context: int = 5, steps: int = 1,
                   limit: int = VIDEO_TEST_WINDOW_LIMIT, max_frames: int | None = None
                   ) -> tuple[np.ndarray, np.ndarray, str]:
    """Return (context, future, label) windows of the test videos (activities never trained on or chosen with)."""
    from .data import frame_windows, load_video_split

    split = load_video_split(variant, max_frames=max_frames)
    windows = frame_windows(split.frames["test"], context + steps)
    picks = np.linspace(0, len(windows) - 1, min(limit, len(windows))).astype(int)
    windows = windows[picks].astype(np.float32) / 255.0
    label = f"{split.source} test videos: {', '.join(split.names['test'])}"
    return windows[:, :context], windows[:, context:], label


def predict_all(models: dict, context: np.ndarray, steps: int, progress: bool = True) -> dict:
    """Return {name: (N, steps, H, W, C) predictions} of loaded models, each rolled out to `steps` frames."""
    from .predict import predict_in_batches

    return {name: predict_in_batches(model, context, steps, progress, desc=name) for name, model in models.items()}


MNIST_MODELS = {  # table name -> weights under models/ (Moving MNIST, 10 in -> 10 out)
    "all-conv (SimVP-style), 10 at once, MSE": "nextframe_mnist_simvp.keras",
    "all-conv, 10 at once, +8 min MSE": "nextframe_mnist_simvp_mse_more.keras",
    "all-conv, 10 at once, +8 min SSIM+MSE": "nextframe_mnist_simvp_ssim.keras",
    "all-conv, 1 step fed back 10x, MSE": "nextframe_mnist_simvp_1step.keras",
    "ConvLSTM2D stack, fed back, BCE": "nextframe_mnist_convlstm.keras",
    "seed's Conv3D hybrid, fed back, MSE": "nextframe_mnist_conv3d.keras",
    "all-conv, 10 at once, 110 min, BCE, cosine": "nextframe_mnist_simvp_long.keras",
    "all-conv, 1 step fed back 10x, 45 min, BCE, cosine": "nextframe_mnist_simvp_1step_long.keras",
}
VIDEO_MODELS = {  # variant -> {table name -> weights under models/} (real video, 5 in -> 1 out)
    "gray64": {"all-conv residual, MSE": "nextframe_video_gray64.keras",
               "all-conv residual on the Farneback warp, MSE": "nextframe_video_gray64_warp.keras",
               "seed's Conv3D hybrid, MSE": "nextframe_video_gray64_conv3d.keras"},
    "color96": {"all-conv residual, MSE": "nextframe_video_color96.keras"},
}


def load_models(files: dict, folder=None, quiet: bool = False) -> dict:
    """Return {name: loaded model} for the weight files present under folder (models/ by default)."""
    from ..cache import MODELS_DIR
    from .predict import load_predictor

    folder = MODELS_DIR if folder is None else folder
    loaded = {}
    for name, file in files.items():
        if (folder / file).exists():
            loaded[name] = load_predictor(folder / file)
        elif not quiet:
            print(f"{folder / file}: not trained yet; left out of the table")
    return loaded


def classical_predictors(truth: np.ndarray) -> dict:
    """Return {name: predictor} of the untrained classical predictors for frames shaped like truth (N, S, H, W, C)."""
    from .models import FlowWarpPredictor
    from .predict import CLASSICAL, DIS_BLEND, WARP_BLEND

    size, channels, steps = truth.shape[2:4], truth.shape[-1], truth.shape[1]
    return {"Farneback warp of the last frame (no training)": FlowWarpPredictor(size, channels, steps),
            f"{WARP_BLEND:g} x that warp + {1 - WARP_BLEND:g} x the last frame (no training)":
                FlowWarpPredictor(size, channels, steps, WARP_BLEND),
            f"{DIS_BLEND:g} x DIS warp (repeats skipped) + {1 - DIS_BLEND:g} x the last frame (no training)":
                FlowWarpPredictor(size, channels, steps, **CLASSICAL["dis_blend"])}


def mnist_results(count: int = MNIST_TEST_SEQUENCES, progress: bool = True) -> dict:
    """Return {"table", "scores", "context", "truth", "predictions", "data"} for every Moving MNIST model."""
    context, truth, label = mnist_test_set(count)
    predictions = predict_all({**load_models(MNIST_MODELS), **classical_predictors(truth)}, context, truth.shape[1],
                              progress)
    table, scores = predictions_table(truth, context, predictions)
    return {"table": table, "scores": scores, "context": context, "truth": truth, "predictions": predictions,
            "data": f"{label}; {count} test sequences, 10 in -> 10 out"}


def video_results(variant: str = "gray64", limit: int = VIDEO_TEST_WINDOW_LIMIT, max_frames: int | None = None,
                  progress: bool = True) -> dict:
    """Return the same dict as mnist_results for the real-video models of one variant (5 in -> 1 out)."""
    context, truth, label = video_test_set(variant, limit=limit, max_frames=max_frames)
    predictions = predict_all({**load_models(VIDEO_MODELS[variant]), **classical_predictors(truth)}, context,
                              truth.shape[1], progress)
    table, scores = predictions_table(truth, context, predictions)
    return {"table": table, "scores": scores, "context": context, "truth": truth, "predictions": predictions,
            "data": f"{label}; {len(truth)} windows, 5 in -> 1 out, {variant}"}


def main(argv: list[str] | None = None) -> None:
    """Score every shipped model on its held-out data and write models/nextframe_results.json."""
    import argparse
    import json
    from pathlib import Path

    from ..cache import MODELS_DIR, atomic_output

    parser = argparse.ArgumentParser(description="score the next-frame models on held-out data")
    parser.add_argument("--sequences", type=int, default=MNIST_TEST_SEQUENCES, help="Moving MNIST test sequences")
    parser.add_argument("--windows", type=int, default=VIDEO_TEST_WINDOW_LIMIT, help="real-video test windows")
    parser.add_argument("--parts", nargs="+", default=["moving_mnist", *VIDEO_MODELS],
                        choices=["moving_mnist", *VIDEO_MODELS], help="which tables (others kept from --out)")
    parser.add_argument("--out", default=str(MODELS_DIR / "nextframe_results.json"))
    args = parser.parse_args(argv)
    report = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    for name in args.parts:
        results = mnist_results(args.sequences) if name == "moving_mnist" else video_results(name, args.windows)
        print(f"\n{results['data']}\n{results['table'].round(3).to_string()}")
        report[name] = {"data": results["data"], "table": results["table"].reset_index().to_dict("records"),
                        "per_step": {key: {metric: value[f"{metric}_per_step"] for metric in ("mse", "ssim")}
                                     for key, value in results["scores"].items()}}
    with atomic_output(args.out) as partial:
        with open(partial, "w") as handle:
            json.dump(report, handle, indent=1)


if __name__ == "__main__":
    main()
