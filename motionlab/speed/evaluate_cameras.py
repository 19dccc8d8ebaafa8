"""Speed on cameras the shipped model never saw: renders of unseen seeds through other cameras and frame rates,
scored for the trivial baseline, the shipped model and the geometry estimator, per camera and per speed band.

`python -m motionlab.speed.evaluate_cameras` renders what it needs into data/synth/cameras/ (reused on later runs),
writes models/speed_cameras_results.json and images/speed_cameras.png. MSE in (m/s)^2 and MAE in m/s, over every
frame, after each method's own smoothing.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass

import numpy as np

from ..cache import IMAGES_DIR, MODELS_DIR, atomic_output
from ..synth.dashcam import FPS as FPS_TRAINING
from ..synth.traces import random_speed_trace
from ..video import load_video_labels, probe_video
from .camera import DEFAULT_CAMERA_PATH, Camera, load_camera
from .drives import FAST, FRAMES_PER_TRAINING_DRIVE, SYNTH_DIR, TRAIN_SEEDS, Drive, test_drives

RESULTS_PATH = MODELS_DIR / "speed_cameras_results.json"
FIGURE_PATH = IMAGES_DIR / "speed_cameras.png"
CAMERA_DRIVES_DIR = SYNTH_DIR / "cameras"  # renders through the unseen cameras
SECONDS_PER_DRIVE = 25.0  # each unseen-camera drive, s (6 s with MOTIONLAB_FAST=1)
SPEED_BANDS_MPS = (0.0, 5.0, 15.0, 25.0, 200.0)  # band edges: crawl and stops, city, arterial, highway, m/s


@dataclass(frozen=True)
class CameraDrive:
    """One unseen-camera drive: a name, its camera, its frame rate, its scene seed and how its trace starts."""

    name: str
    camera: Camera
    fps: float
    seed: int
    first_segment: str


CAMERA_DRIVES = (  # focal 500-1200 px, height 1.2-1.8 m, pitch -3..+3 deg, 10-30 frames/s, six frame sizes
    CameraDrive("wide_low_10fps", Camera(500.0, 320.0, 240.0, 1.2, -3.0, 420, 640, 480), 10.0, 301, "highway"),
    CameraDrive("hd_tilted_25fps", Camera(1000.0, 480.0, 270.0, 1.6, 3.0, None, 960, 540), 25.0, 302, "highway"),
    CameraDrive("kitti_like_10fps", Camera(719.0, 609.0, 172.0, 1.65, 0.0, None, 1240, 376), 10.0, 303, "arterial"),
    CameraDrive("tele_high_30fps", Camera(1200.0, 400.0, 300.0, 1.8, 1.5, 540, 800, 600), 30.0, 304, "arterial"),
    CameraDrive("suv_15fps", Camera(850.0, 512.0, 300.0, 1.75, -1.5, None, 1024, 576), 15.0, 305, "city"),
    CameraDrive("hood_30fps", Camera(600.0, 330.0, 230.0, 1.3, 2.0, 400, 640, 480), 30.0, 306, "crawl"),
    CameraDrive("sedan_hd_20fps", Camera(950.0, 640.0, 340.0, 1.4, -2.5, 640, 1280, 720), 20.0, 307, "highway"),
)


def training_mean_speed() -> float:
    """Return the mean frame speed of the shipped model's training traces (TRAIN_SEEDS), m/s: the trivial baseline.

    The traces are drawn exactly as the renderer draws them, so nothing needs rendering.
    """
    traces = [random_speed_trace(FRAMES_PER_TRAINING_DRIVE, FPS_TRAINING, np.random.default_rng([seed, 7]))
              for seed in TRAIN_SEEDS]
    return float(np.mean(np.concatenate(traces)))


def camera_drive(drive: CameraDrive, seconds: float) -> Drive:
    """Return an unseen-camera drive, rendering it into data/synth/cameras/ the first time."""
    from ..synth.dashcam import RENDER_VERSION, render_dashcam

    frames = int(round(seconds * drive.fps))
    name = f"{drive.name}_v{RENDER_VERSION}_{drive.seed}_{frames}"
    video, labels = CAMERA_DRIVES_DIR / f"{name}.mp4", CAMERA_DRIVES_DIR / f"{name}.txt"
    if not (video.exists() and labels.exists()):
        render_dashcam(CAMERA_DRIVES_DIR, name, n_frames=frames, seed=drive.seed, fps=drive.fps,
                       first_segment=drive.first_segment, camera=drive.camera)
    return Drive(name, video, labels)


def scores(predicted: np.ndarray, true: np.ndarray) -> dict:
    """Return MSE ((m/s)^2), MAE (m/s) and the frame count overall and per speed band of the true speed."""
    predicted, true = np.asarray(predicted, np.float64), np.asarray(true, np.float64)
    error = predicted - true
    result = {"mse": float(np.mean(error ** 2)), "mae": float(np.mean(np.abs(error))), "frames": len(true),
              "bands": {}}
    for low, high in zip(SPEED_BANDS_MPS[:-1], SPEED_BANDS_MPS[1:]):
        inside = (true >= low) & (true < high)
        if inside.any():
            result["bands"][f"{low:g}-{high:g}"] = {"mse": float(np.mean(error[inside] ** 2)),
                                                     "mae": float(np.mean(np.abs(error[inside]))),
                                                     "frames": int(inside.sum())}
    return result


def evaluate_drive(drive: Drive, camera: Camera, model, baseline_mps: float) -> dict:
    """Return every method's per-frame speeds and scores on one drive (speeds as lists, m/s)."""
    from .geometry import predict_video_speeds_geometry
    from .predict import MODEL_FPS, predict_video_speeds

    true = load_video_labels(drive.video, drive.labels)
    fps = probe_video(drive.video).fps
    started = time.perf_counter()
    geometry = predict_video_speeds_geometry(drive.video, camera, progress=False)
    geometry_s = time.perf_counter() - started
    scaled = predict_video_speeds(drive.video, model, progress=False)  # the shipped model, read at the video's fps
    predictions = {"training_mean": np.full(len(true), baseline_mps, np.float32),
                   "shipped_model_unscaled": scaled * np.float32(MODEL_FPS / fps),  # as before fps was read
                   "shipped_model": scaled, "geometry": geometry}
    return {"fps": fps, "frames": len(true), "geometry_frames_per_s": len(true) / geometry_s,
            "true": true.tolist(), "speeds": {k: np.asarray(v).tolist() for k, v in predictions.items()},
            "scores": {k: scores(v, true) for k, v in predictions.items()}}


def pooled(results: dict) -> dict:
    """Return each method's scores over all frames of all drives in results."""
    true = np.concatenate([r["true"] for r in results.values()])
    methods = next(iter(results.values()))["speeds"]
    return {m: scores(np.concatenate([r["speeds"][m] for r in results.values()]), true) for m in methods}


def plot_predicted_vs_true(unseen: dict, default: dict):
    """Draw predicted against true speed per method, unseen cameras and default camera side by side; return it."""
    import matplotlib.pyplot as plt

    methods = ("shipped_model_unscaled", "shipped_model", "geometry")
    figure, axes = plt.subplots(2, len(methods), figsize=(4.2 * len(methods), 8), sharex=True, sharey=True)
    for row, (title, results) in enumerate((("unseen cameras", unseen), ("default camera, held-out drives", default))):
        for ax, method in zip(axes[row], methods):
            for name, result in results.items():
                ax.plot(result["true"][::3], result["speeds"][method][::3], ".", ms=2, alpha=0.5, label=name)
            total = pooled(results)[method]
            ax.plot([0, 35], [0, 35], "k--", lw=0.8)
            ax.set_title(f"{method}\n{title}: MSE {total['mse']:.2f}, MAE {total['mae']:.2f}", fontsize=9)
            ax.set_xlabel("true speed, m/s")
            ax.set_ylabel("predicted speed, m/s")
        axes[row][0].legend(fontsize=6, markerscale=4, loc="upper left")
    figure.tight_layout()
    return figure


def strip_traces(results: dict) -> dict:
    """Return results without the per-frame traces (the JSON keeps the scores)."""
    return {name: {k: v for k, v in r.items() if k not in ("true", "speeds")} for name, r in results.items()}


def main(argv: list[str] | None = None) -> None:
    """Render what is missing, score every method and write the results JSON and the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0 if FAST else SECONDS_PER_DRIVE,
                        help="length of each unseen-camera drive, s")
    parser.add_argument("--out", default=str(RESULTS_PATH), help="results JSON")
    parser.add_argument("--figure", default=str(FIGURE_PATH), help="predicted-vs-true figure (.png)")
    args = parser.parse_args(argv)
    from .predict import load_speed_model

    model = load_speed_model()
    baseline = training_mean_speed()
    unseen = {d.name: evaluate_drive(camera_drive(d, args.seconds), d.camera, model, baseline) for d in CAMERA_DRIVES}
    default_camera = load_camera(DEFAULT_CAMERA_PATH)
    default = {d.name: evaluate_drive(d, default_camera, model, baseline) for d in test_drives()}
    report = {
        "command": "python -m motionlab.speed.evaluate_cameras" + (" (MOTIONLAB_FAST=1)" if FAST else ""),
        "training_mean_mps": baseline,
        "cameras": {d.name: {**d.camera.as_dict(), "fps": d.fps, "seed": d.seed, "first_segment": d.first_segment}
                    for d in CAMERA_DRIVES},
        "unseen_cameras": {"pooled": pooled(unseen), "drives": strip_traces(unseen)},
        "default_camera": {"pooled": pooled(default), "drives": strip_traces(default)},
    }
    with atomic_output(args.out) as partial:
        with open(partial, "w") as file:
            json.dump(report, file, indent=1)
    figure = plot_predicted_vs_true(unseen, default)
    with atomic_output(args.figure) as partial:
        figure.savefig(partial, dpi=110)
    for title, results in (("unseen cameras", unseen), ("default camera", default)):
        for method, total in pooled(results).items():
            print(f"{title:15s} {method:24s} MSE {total['mse']:7.2f}  MAE {total['mae']:5.2f}")
    print(f"wrote {args.out} and {args.figure}")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
