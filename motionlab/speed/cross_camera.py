"""A learned speed model that transfers across cameras: a small 1-D convolution network that reads the geometry
estimator's raw per-pair speeds over a few seconds and returns the speed at the window's centre.

Why this input: the geometry fit (`geometry.py`) already turns each camera's road flow into metres per frame and
the video's frame rate into m/s, so its raw series means the same thing for every calibrated camera; what is left
to learn is what a fixed median + mean smoothing cannot do: trusting pairs by how well their road was measured,
ignoring single-pair failures, and following acceleration without the lag of a long average. The window is fixed
in seconds and resampled to WINDOW_SAMPLES points, so one model serves 10 to 30 frames/s.

It trains on renders through random cameras (focal length 500-1200 px, height 1.2-1.8 m, pitch -3 to +3 degrees,
10-30 frames/s, the frame sizes of real dashcams, with and without a hood), scene seeds TRAIN_SEEDS, stops early on
VALIDATION_SEEDS, and is scored on the unseen-camera drives of `evaluate_cameras` (seeds 301-307) and the default
camera's held-out drives (101-103), which no choice here looked at.

`python -m motionlab.speed.cross_camera [--drives N] [--epochs N]` renders what it needs into
data/synth/cameras_train/, trains, writes data/candidates/speed_cross_camera.keras and the scores to
models/speed_cross_camera.json.

Measured (30 training and 6 validation drives, 20 min of rendering and measuring at low priority beside two
training jobs, 7 s of training): it does not beat the fit it reads. Validation MSE was lowest after the first epoch
(0.050, where the model is still close to the plain 1 s mean) and rose after; on the unseen cameras it scores MSE
0.558 against the geometry smoothing's 0.512, on the default camera 0.090 against 0.028. On renders the fit is
already within 0.01-0.15 (m/s)^2 of the truth on 28 of the 30 training drives; the other two (seeds 409, 416) hold
chunks where the fit collapsed (to 3 m/s for 150 pairs at a true 12), which nothing in the raw series lets a model
undo. So it is not shipped and `speed` has no method for it; what is left to learn must come from the flow itself,
not from the fit's answers.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from ..cache import DATA_DIR, MODELS_DIR, atomic_output, cache_path, save_array_atomic
from ..progress import progress_bar
from ..threads import limit_threads
from ..video import load_video_labels, probe_video
from .camera import Camera
from .models import CentreMean  # the model's layer: importing it registers it for loading

MODEL_PATH = DATA_DIR / "candidates" / "speed_cross_camera.keras"  # not shipped (the docstring says why)
RESULTS_PATH = MODELS_DIR / "speed_cross_camera.json"
TRAIN_DIR = DATA_DIR / "synth" / "cameras_train"  # renders through random cameras
TRAIN_SEEDS = tuple(range(400, 440))  # scene, trace and camera seeds of the training drives
VALIDATION_SEEDS = tuple(range(450, 456))  # drives for early stopping only
SECONDS_PER_DRIVE = 20.0  # each training drive, s
FRAME_SIZES = ((640, 480), (960, 540), (1240, 376), (800, 600), (1024, 576), (1280, 720), (720, 480))
# (width, height) of real dashcams and benchmark cameras: VGA and comma.ai, qHD, KITTI, SVGA, PAL 16:9, HD, NTSC DV
# (full HD left out: it renders 2.5x slower than HD and the flow image is shrunk to 96x192 anyway)
FOCAL_RANGE_PX = (500.0, 1200.0)  # the range of focal lengths
HEIGHT_RANGE_M = (1.2, 1.8)  # camera heights: low sedans to SUVs and vans
PITCH_RANGE_DEG = (-3.0, 3.0)  # camera tilt
FPS_RANGE = (10.0, 30.0)  # frame rates
HOOD_SHARE = 0.5  # share of training cameras that see their own hood
HOOD_ROWS = (0.82, 0.94)  # where a hood starts, as a share of the frame height
FIRST_SEGMENTS = ("highway", "arterial", "city", "crawl")  # how a drive's speed trace starts
WINDOW_S = 4.0  # seconds of raw speeds the model reads, centred on the pair it answers for
WINDOW_SAMPLES = 41  # points the window is resampled to (10 per second)
SPEED_SCALE_MPS = 30.0  # input and output speeds are divided by this (the top of the renders' range)
BASE_S = 1.0  # the model adds its correction to the mean raw speed over this centred span (the geometry smoothing)


def random_camera(seed: int) -> tuple[Camera, float]:
    """Return (camera, frames per second) drawn from the training ranges, deterministically from seed."""
    rng = np.random.default_rng([seed, 12])
    width, height = FRAME_SIZES[int(rng.integers(len(FRAME_SIZES)))]
    focal = float(rng.uniform(*FOCAL_RANGE_PX))
    hood = float(rng.uniform(*HOOD_ROWS)) * height if rng.random() < HOOD_SHARE else None
    camera = Camera(focal_px=focal, cx=width / 2 + float(rng.uniform(-0.03, 0.03)) * width,
                    cy=height / 2 + float(rng.uniform(-0.03, 0.03)) * height,
                    camera_height_m=float(rng.uniform(*HEIGHT_RANGE_M)), pitch_deg=float(rng.uniform(*PITCH_RANGE_DEG)),
                    hood_row=None if hood is None else round(hood), width_px=width, height_px=height)
    return camera, float(np.round(rng.uniform(*FPS_RANGE), 2))


def training_drive(seed: int, seconds: float = SECONDS_PER_DRIVE) -> tuple[Path, Path, Camera]:
    """Return (video, labels, camera) of one random-camera drive, rendering it the first time."""
    from ..synth.dashcam import RENDER_VERSION, render_dashcam

    camera, fps = random_camera(seed)
    frames = int(round(seconds * fps))
    name = f"cam{seed}_v{RENDER_VERSION}_{frames}"
    video, labels = TRAIN_DIR / f"{name}.mp4", TRAIN_DIR / f"{name}.txt"
    if not (video.exists() and labels.exists()):
        segment = FIRST_SEGMENTS[seed % len(FIRST_SEGMENTS)]
        render_dashcam(TRAIN_DIR, name, n_frames=frames, seed=seed, fps=fps, progress=False, first_segment=segment,
                       camera=camera)
    return video, labels, camera


def raw_geometry_speeds(video: str | os.PathLike, camera: Camera) -> np.ndarray:
    """Return the geometry estimator's raw per-pair speeds of a video (N-1,) float32 m/s, cached per file and
    camera."""
    from dataclasses import asdict

    from .geometry import GeometryParams, pair_speeds_geometry

    path = cache_path("geometry_pairs", video, camera=asdict(camera), params=asdict(GeometryParams()))
    if path.exists():
        return np.load(path)
    speeds = pair_speeds_geometry(video, camera, progress=False)
    save_array_atomic(path, speeds.astype(np.float32))
    return speeds


def window_features(pair_speeds: np.ndarray, fps: float) -> np.ndarray:
    """Return the model's input for every pair of a raw series: (N-1, WINDOW_SAMPLES, 2) float32, channel 0 the raw
    speed / SPEED_SCALE_MPS (gaps filled from neighbours, edges repeated) resampled at fixed times around the pair,
    channel 1 whether the nearest pair there had a measurement (1) or a gap (0)."""
    from .geometry import fill_gaps

    known = np.isfinite(pair_speeds)
    count = len(pair_speeds)
    index = np.arange(count)
    filled = fill_gaps(pair_speeds)
    offsets = np.linspace(-WINDOW_S / 2, WINDOW_S / 2, WINDOW_SAMPLES) * fps  # in pairs
    at = np.clip(index[:, None] + offsets[None, :], 0, count - 1)
    values = np.interp(at.ravel(), index, filled).reshape(at.shape) / SPEED_SCALE_MPS
    measured = known[np.rint(at).astype(int)].astype(np.float64)
    return np.stack([values, measured], -1).astype(np.float32)


def pair_targets(labels: np.ndarray) -> np.ndarray:
    """Return the true speed of every frame pair: the mean of its two frames' speeds, (N-1,) float32 m/s."""
    labels = np.asarray(labels, np.float32)
    return (labels[:-1] + labels[1:]) / 2


def build_model():
    """Return the network: centre mean of the window (the geometry smoothing) plus a learned correction, m/s."""
    import keras
    from keras import layers

    inputs = keras.Input((WINDOW_SAMPLES, 2), name="raw_speed_window")
    half = int(round(BASE_S / WINDOW_S * (WINDOW_SAMPLES - 1) / 2))
    base = CentreMean(half, name="centre_mean")(inputs)
    hidden = layers.Conv1D(32, 5, padding="same", activation="gelu", name="conv_1")(inputs)
    hidden = layers.Conv1D(32, 5, strides=2, padding="same", activation="gelu", name="conv_2")(hidden)
    hidden = layers.Conv1D(32, 5, strides=2, padding="same", activation="gelu", name="conv_3")(hidden)
    hidden = layers.Dense(64, activation="gelu", name="dense")(layers.Flatten()(hidden))
    correction = layers.Dense(1, kernel_initializer="zeros", name="correction")(hidden)
    speed = layers.Activation("relu", name="scaled_speed")(layers.Add()([base, correction]))
    return keras.Model(inputs, layers.Rescaling(SPEED_SCALE_MPS, name="speed_mps")(speed), name="speed_cross_camera")


def drive_arrays(seeds, label: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (features, targets) of every pair of the random-camera drives of these seeds, rendering and measuring
    what is missing."""
    features, targets = [], []
    for seed in progress_bar(seeds, desc=f"{label} drives", unit="drive"):
        video, labels, camera = training_drive(seed)
        raw = raw_geometry_speeds(video, camera)
        features.append(window_features(raw, probe_video(video).fps))
        targets.append(pair_targets(load_video_labels(video, labels)))
    return np.concatenate(features), np.concatenate(targets)


def predict_pair_speeds(model, pair_speeds: np.ndarray, fps: float) -> np.ndarray:
    """Return the model's speed for every pair of a raw geometry series, (N-1,) float32 m/s."""
    if len(pair_speeds) == 0:
        return np.zeros(0, np.float32)
    return model.predict(window_features(pair_speeds, fps), batch_size=1024, verbose=0)[:, 0].astype(np.float32)


def train(drives: int, epochs: int, out: Path = MODEL_PATH, seed: int = 0) -> dict:
    """Train on `drives` random-camera drives (early stopping on the validation drives); save to out."""
    import keras

    keras.utils.set_random_seed(seed)
    x_train, y_train = drive_arrays(TRAIN_SEEDS[:drives], "training")
    x_val, y_val = drive_arrays(VALIDATION_SEEDS, "validation")
    model = build_model()
    model.compile(keras.optimizers.Adam(1e-3), loss="mse")
    started = time.perf_counter()
    history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, batch_size=256, verbose=2,
                        callbacks=[keras.callbacks.EarlyStopping(patience=6, restore_best_weights=True),
                                   keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=3)])
    with atomic_output(out) as partial:
        model.save(partial)
    return {"training_drives": drives, "training_pairs": int(len(y_train)), "validation_pairs": int(len(y_val)),
            "epochs_run": len(history.history["loss"]), "train_seconds": round(time.perf_counter() - started, 1),
            "best_validation_mse": float(min(history.history["val_loss"]))}


def evaluate(model) -> dict:
    """Score the model against the geometry smoothing of the same raw series on the unseen-camera drives and the
    default camera's held-out drives: per drive and pooled, MSE and MAE per frame."""
    from .camera import DEFAULT_CAMERA_PATH, load_camera
    from .data import frame_speeds_from_pairs
    from .drives import test_drives
    from .evaluate_cameras import CAMERA_DRIVES, camera_drive, pooled, scores
    from .evaluate_cameras import SECONDS_PER_DRIVE as EVAL_SECONDS
    from .geometry import smooth_pair_speeds

    groups = {"unseen cameras": [(d.name, camera_drive(d, EVAL_SECONDS), d.camera) for d in CAMERA_DRIVES],
              "default camera": [(d.name, d, load_camera(DEFAULT_CAMERA_PATH)) for d in test_drives()]}
    results = {}
    for group, drives in groups.items():
        per_drive = {}
        for name, drive, camera in progress_bar(drives, desc=group, unit="drive"):
            raw = raw_geometry_speeds(drive.video, camera)
            fps = probe_video(drive.video).fps
            true = load_video_labels(drive.video, drive.labels)
            predicted = {"geometry": frame_speeds_from_pairs(smooth_pair_speeds(raw, fps)),
                         "cross_camera": frame_speeds_from_pairs(predict_pair_speeds(model, raw, fps))}
            per_drive[name] = {"fps": fps, "true": true, "speeds": predicted,
                               "scores": {method: scores(values, true) for method, values in predicted.items()}}
        results[group] = {"pooled": pooled(per_drive),
                          "drives": {name: {"fps": r["fps"], "scores": r["scores"]} for name, r in per_drive.items()}}
    return results


def main(argv: list[str] | None = None) -> None:
    """Train (unless --evaluate-only), evaluate, and write the model and its results."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drives", type=int, default=len(TRAIN_SEEDS), help="training drives (at most 40)")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--evaluate-only", action="store_true", help="score the saved model again")
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow threads")
    args = parser.parse_args(argv)
    limit_threads(args.threads)
    import keras

    training = None if args.evaluate_only else train(args.drives, args.epochs)
    model = keras.models.load_model(MODEL_PATH)
    results = evaluate(model)
    previous = json.loads(RESULTS_PATH.read_text()) if RESULTS_PATH.exists() else {}
    summary = {"training": training or previous.get("training"), **results}
    with atomic_output(RESULTS_PATH) as partial:
        Path(partial).write_text(json.dumps(summary, indent=1, default=lambda value: np.asarray(value).round(3).tolist()))
    for group, result in results.items():
        print(group, json.dumps({method: result["pooled"][method] for method in ("geometry", "cross_camera")}))


if __name__ == "__main__":
    main()
