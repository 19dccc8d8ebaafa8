"""`python -m motionlab demo`: the whole pipeline on built-in data, ending in a results table (what `make demo` runs)."""

from __future__ import annotations

import json
import time

import numpy as np

from .cache import DATA_DIR, MODELS_DIR
from .speed.drives import test_drives
from .speed.evaluate import mse
from .speed.predict import DEFAULT_MODEL, load_speed_model, predict_video_speeds

DEMO_JUMP_SEEDS = (9001, 9002, 9003)  # synthetic jump-rope clips never used in training
DEMO_JUMP_METHODS = ("counter", "classical", "cadence")  # held-out scores shown: ours and the two baselines


def speed_rows() -> list[tuple[str, str, str]]:
    """Render a held-out drive (if needed), estimate its speeds end to end, and return result rows."""
    results = json.loads((MODELS_DIR / "speed_results.json").read_text())
    drive = test_drives()[0]
    true = drive.speeds()
    model = load_speed_model(DEFAULT_MODEL)
    start = time.perf_counter()
    predicted = predict_video_speeds(drive.video, model)
    seconds = time.perf_counter() - start
    constant = np.full_like(true, results["train_mean_mps"])
    return [
        ("speed", f"{drive.name} ({len(true)} frames, unseen seed)", ""),
        ("", "MSE, motionlab model (decode, flow, CNN, smoothing)", f"{mse(predicted, true):.3f} (m/s)^2"),
        ("", "MSE, baseline: training mean speed", f"{mse(constant, true):.3f} (m/s)^2"),
        ("", "throughput, end to end", f"{len(true) / seconds:.0f} frames/s"),
        ("", "held-out MSE over 3 unseen drives (models/speed_results.json)",
         f"{results['shipped']['test_smoothed']:.3f} (m/s)^2"),
    ]


def jump_rows() -> list[tuple[str, str, str]]:
    """Render synthetic jump-rope clips of unseen seeds, count them with the shipped counter, return result rows."""
    from .jumps.counting import count_video, load_counter
    from .jumps.data import JUMPROPE_DIR
    from .jumps.report import report
    from .jumps.results import load_results
    from .synth.jumprope import render_jumprope

    model = load_counter()
    rows = [("jump rope", "synthetic clips of unseen seeds: true / counted", "")]
    for seed in DEMO_JUMP_SEEDS:
        video, labels = render_jumprope(DATA_DIR / "synth" / "jumprope_demo", f"demo_{seed}", seed)
        true = len(np.load(labels))
        start = time.perf_counter()
        result = count_video(video, model, progress=False)
        rate = result.n_frames / (time.perf_counter() - start)
        rows.append(("", f"demo_{seed}", f"{true} / {result.count} ({rate:.0f} frames/s)"))
    if not JUMPROPE_DIR.exists():
        rows.append(("", f"real clips: {JUMPROPE_DIR} not found, skipped", ""))
        return rows
    _, summaries = report(load_results())  # held-out predictions scored against the real labels
    for method in DEMO_JUMP_METHODS:
        scores = summaries[method]
        rows.append(("", f"8 real clips, each left out, {method}", f"MAE {scores['mae']:.3f}, OBO {scores['obo']:.0%}"))
    return rows


DEMO_ACTION = "walk"  # the built-in stick-figure action classified (the shipped model learned real silhouettes)
DEMO_ACTION_SEEDS = (90, 0)  # (actor, take) of that clip: an actor number the built-in set does not use
DEMO_ACTION_FRAMES = 75  # frames of that clip (3 s at 25 frames/s)
DEMO_NEXTFRAME_SEED = 9001  # seed of the built-in bouncing-digit clip predict-next reads (never trained on)


def action_rows() -> list[tuple[str, str, str]]:
    """Classify a built-in stick-figure clip with the shipped Weizmann model; report held-out accuracies."""
    from .actions.data import SYNTH_FPS, render_action
    from .actions.predict import classify_video
    from .actions.recipes import SHIPPED_METHODS
    from .video import write_video

    rows = [("actions", f"shipped Weizmann model ({SHIPPED_METHODS['weizmann']})", "")]
    actor, take = DEMO_ACTION_SEEDS
    video = DATA_DIR / "synth" / "actions_demo" / f"{DEMO_ACTION}.mp4"
    write_video(video, render_action(DEMO_ACTION, actor, take, DEMO_ACTION_FRAMES), SYNTH_FPS)
    start = time.perf_counter()
    result = classify_video(video, "weizmann", progress=False)
    seconds = time.perf_counter() - start
    rows.append(("", f"built-in stick figure doing '{DEMO_ACTION}' (not the training kind of video)",
                 f"'{result['label']}' (p {result['probabilities'][result['label']]:.2f}, {seconds:.1f} s with model load)"))
    results_file = MODELS_DIR / "action_loao_weizmann.json"
    if results_file.exists():
        for method, entry in json.loads(results_file.read_text()).items():
            summary = entry["summary"]
            chosen = " (shipped: best on the validation actors)" if method == SHIPPED_METHODS["weizmann"] else ""
            validation = (f", validation actors {summary['validation_mean']:.1%}" if summary.get("validation_mean") is not None
                          else "")
            if summary.get("selection_runs", 0) > summary["folds"]:  # extra validation actors per fold: what chooses
                validation += f" ({summary['selection_runs']} validation runs: {summary['selection_mean']:.1%})"
            rows.append(("", f"Weizmann, leave one actor out ({summary['folds']} folds), {method}{chosen}",
                         f"accuracy {summary['accuracy']:.1%}{validation}"))
    return rows


def nextframe_rows() -> list[tuple[str, str, str]]:
    """Predict the next frame of a built-in bouncing-digit clip with the shipped real-video model."""
    from .nextframe.data import synthetic_videos
    from .nextframe.predict import predict_next_video
    from .video import write_video

    clip = synthetic_videos(1, (64, 64), gray=True, seed=DEMO_NEXTFRAME_SEED)[0]
    video = DATA_DIR / "synth" / "nextframe_demo" / "digits.mp4"
    write_video(video, (np.round(frame[..., 0] * 255).astype(np.uint8) if frame.dtype != np.uint8 else frame[..., 0]
                        for frame in clip), 20)
    start = time.perf_counter()
    result = predict_next_video(video, "video", progress=False)
    seconds = time.perf_counter() - start
    return [("next frame", "shipped real-video model on a built-in bouncing-digit clip (never trained on)", ""),
            ("", "MSE per frame (sum over pixels), model / copy last frame",
             f"{result['mse']:.1f} / {result['mse_copy_last']:.1f} ({seconds:.1f} s with model load)"),
            ("", "SSIM, model / copy last frame", f"{result['ssim']:.3f} / {result['ssim_copy_last']:.3f}")]


def main() -> int:
    """Run every system on the built-in data and print one table."""
    rows = speed_rows() + jump_rows() + action_rows() + nextframe_rows()
    width = max(len(row[1]) for row in rows)
    print("\nmotionlab demo results")
    for task, what, value in rows:
        print(f"{task:<10} {what:<{width}}  {value}")
    return 0
