"""Camera files, the renderer's cameras and the geometry speed estimator: renders at known speeds with known cameras
give those speeds back; the frame rate changes nothing; bad camera files are refused in one line."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from motionlab.speed.camera import DEFAULT_CAMERA_PATH, Camera, load_camera
from motionlab.speed.geometry import GeometryParams, pair_speeds_geometry, smooth_pair_speeds
from motionlab.synth.dashcam import FPS, HEIGHT, WIDTH, DashcamRenderer
from motionlab.synth.scene import CAMERA_HEIGHT_M, FOCAL_PER_WIDTH, HORIZON_PER_HEIGHT
from motionlab.video import probe_video, write_video

REPO = Path(__file__).resolve().parents[1]
TOLERANCE_MPS = 1.0  # mean absolute error allowed on a render at a known speed, m/s (the target)
SAME_DRIVE_MPS = 0.5  # two frame rates of one drive may differ by this much on average, m/s
TILTED = Camera(focal_px=900.0, cx=470.0, cy=280.0, camera_height_m=1.6, pitch_deg=2.5, hood_row=None,
                width_px=960, height_px=540)  # a camera the renders never used by default: wider, higher, tilted


def render(folder: Path, name: str, speeds_of_time, seconds: float, fps: float, camera=None, seed: int = 11):
    """Render a drive whose speed follows speeds_of_time(t in s) and return (video path, pair speeds m/s)."""
    times = np.arange(int(round(seconds * fps))) / fps
    speeds = speeds_of_time(times)
    video = folder / f"{name}.mp4"
    write_video(video, iter(DashcamRenderer(speeds, seed, fps, camera=camera)), fps)
    return video, (speeds[1:] + speeds[:-1]) / 2


def estimate(video, camera):
    """Return the geometry estimator's smoothed pair speeds of a video, (N-1,) m/s."""
    fps = probe_video(video).fps
    return smooth_pair_speeds(pair_speeds_geometry(video, camera, workers=2, progress=False), fps)


def ramp(times):
    """Return speeds rising from 10 to 25 m/s over 20 s, m/s."""
    return 10 + 15 * np.clip(times / 20, 0, 1)


def wave(times):
    """Return speeds swinging between 8 and 20 m/s with a 10 s period, m/s."""
    return 14 + 6 * np.sin(2 * np.pi * times / 10)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder for this module's renders."""
    return tmp_path_factory.mktemp("geometry")


def test_default_camera_file_is_the_renderers_camera():
    camera = load_camera(DEFAULT_CAMERA_PATH)
    assert camera.focal_px == pytest.approx(WIDTH * FOCAL_PER_WIDTH)
    assert camera.camera_height_m == CAMERA_HEIGHT_M
    assert camera.horizon_row + 0.5 == pytest.approx(HEIGHT * HORIZON_PER_HEIGHT)  # ground row r is centred at r+0.5
    assert (camera.width_px, camera.height_px, camera.cx) == (WIDTH, HEIGHT, WIDTH / 2)


def test_camera_file_ignores_unknown_keys_and_refuses_bad_values(tmp_path):
    path = tmp_path / "cam.json"
    path.write_text(json.dumps({"focal_px": 700, "cx": 600, "cy": 180, "camera_height_m": 1.65, "lens": "wide"}))
    camera = load_camera(path)
    assert (camera.pitch_deg, camera.hood_row) == (0.0, None)
    assert camera.horizon_row == 180
    for bad, named in [({"focal_px": -1}, "focal_px"), ({"camera_height_m": 0}, "camera_height_m"),
                       ({"pitch_deg": 45}, "pitch_deg"), ({"hood_row": 100}, "hood_row"), ({"cx": "left"}, "cx")]:
        path.write_text(json.dumps({"focal_px": 700, "cx": 600, "cy": 180, "camera_height_m": 1.65, **bad}))
        with pytest.raises(ValueError, match=f"cam.json: .*{named}"):
            load_camera(path)
    path.write_text(json.dumps({"focal_px": 700, "cx": 600}))
    with pytest.raises(ValueError, match="cam.json: camera file lacks cy, camera_height_m"):
        load_camera(path)


def test_pitch_lifts_the_horizon_and_the_road_rows_follow():
    level = Camera(focal_px=800, cx=320, cy=240, camera_height_m=1.5)
    down = Camera(focal_px=800, cx=320, cy=240, camera_height_m=1.5, pitch_deg=2)
    assert down.horizon_row == pytest.approx(240 - 800 * math.tan(math.radians(2)))
    top, bottom = level.road_rows(480, nearest_m=10, farthest_m=40)
    assert (top, bottom) == (240 + 30, 240 + 120 + 1)  # f h / Z rows below the horizon
    assert down.road_rows(480, 10, 40)[0] < top
    hooded = Camera(focal_px=800, cx=320, cy=240, camera_height_m=1.5, hood_row=300)
    assert hooded.road_rows(480, 10, 40)[1] == 300


def test_camera_scales_to_a_video_of_the_same_aspect_and_refuses_another():
    camera = load_camera(DEFAULT_CAMERA_PATH)
    half = camera.for_frame(320, 240)
    assert (half.focal_px, half.cx, half.cy, half.hood_row) == pytest.approx(
        (camera.focal_px / 2, camera.cx / 2, camera.cy / 2, camera.hood_row / 2))
    with pytest.raises(ValueError, match="default.json: the camera is for 640x480"):
        camera.for_frame(1280, 540, "default.json")


def test_geometry_reads_a_ramp_from_10_to_25_mps_on_the_default_camera(folder):
    video, true = render(folder, "ramp", ramp, 20.0, FPS)
    found = estimate(video, load_camera(DEFAULT_CAMERA_PATH))
    assert len(found) == len(true)
    assert np.mean(np.abs(found - true)) <= TOLERANCE_MPS


@pytest.mark.slow
def test_frame_rate_changes_nothing(folder):
    found = {}
    for fps in (10.0, 30.0):
        video, true = render(folder, f"wave_{fps:g}", wave, 12.0, fps, camera=TILTED)
        speeds = estimate(video, TILTED)
        assert np.mean(np.abs(speeds - true)) <= TOLERANCE_MPS, f"{fps} frames/s"
        pair_times = (np.arange(len(speeds)) + 0.5) / fps
        found[fps] = (pair_times, speeds)
    times = np.linspace(2, 10, 50)  # away from the smoothing's edges
    slow, fast = (np.interp(times, *found[fps]) for fps in (10.0, 30.0))
    assert np.mean(np.abs(slow - fast)) <= SAME_DRIVE_MPS


def test_standstill_reads_zero(folder):
    video, _ = render(folder, "parked", lambda t: np.zeros_like(t), 3.0, FPS)
    assert np.abs(estimate(video, load_camera(DEFAULT_CAMERA_PATH))).max() < 0.5


def test_renderer_without_a_hood_and_at_another_size(folder):
    frames = list(DashcamRenderer(np.full(3, 10.0), 4, camera=TILTED))
    assert frames[0].shape == (540, 960, 3)
    hooded = list(DashcamRenderer(np.full(3, 10.0), 4, camera=Camera(**{**TILTED.as_dict(), "hood_row": 500})))
    bottom_changes = np.abs(hooded[2][505:].astype(int) - hooded[0][505:].astype(int)).mean()
    free_changes = np.abs(frames[2][505:].astype(int) - frames[0][505:].astype(int)).mean()
    assert bottom_changes < free_changes / 2, "the hood hides the moving road below its top row"


def test_speed_command_geometry_writes_one_speed_per_frame(folder, tmp_path):
    video, _ = render(folder, "cli", lambda t: np.full_like(t, 15.0), 2.0, FPS)
    out = tmp_path / "speeds.txt"
    env = {**os.environ, "MOTIONLAB_DATA": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, "-m", "motionlab", "speed", str(video), "--out", str(out), "--method",
                             "geometry", "--camera", str(DEFAULT_CAMERA_PATH)], capture_output=True, text=True,
                            env=env, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    speeds = np.loadtxt(out)
    assert len(speeds) == 40
    assert abs(np.median(speeds) - 15.0) <= TOLERANCE_MPS


def test_smoothing_window_is_fixed_in_seconds():
    params = GeometryParams(smoothing_s=1.0)
    assert (params.window(1.0, 10.0), params.window(1.0, 30.0)) == (11, 31)
    steps = np.r_[np.zeros(30), np.full(30, 10.0)]
    smoothed = smooth_pair_speeds(np.where(np.arange(60) == 40, np.nan, steps), 10.0, params)
    assert smoothed[:20].max() == 0 and smoothed[-15:].min() == 10, "far from the step the level is kept, gaps filled"


def test_block_split_never_puts_neighbouring_frames_on_both_sides():
    from motionlab.speed.own_video import CONTEXT_FIELDS, block_split

    split = block_split(1000, 20.0)
    roles = np.full(1000, "", dtype=object)
    for role in ("train", "validation", "test"):
        for start, stop in getattr(split, role):
            assert not roles[start:stop].any(), "roles do not overlap"
            roles[start:stop] = role
    assigned = np.flatnonzero(roles != "")
    for a, b in zip(assigned[:-1], assigned[1:]):
        if roles[a] != roles[b]:
            assert b - a > CONTEXT_FIELDS, f"pairs {a} and {b} of different roles are {b - a} apart"
    assert {role for role in roles if role} == {"train", "validation", "test"}
    assert 0.5 < np.mean(roles == "train") < 0.6  # six blocks of ten, less the gaps at their borders
    with pytest.raises(ValueError, match="needs at least"):
        block_split(50, 20.0)


@pytest.mark.slow
def test_train_speed_trains_reports_and_speed_uses_the_model(tmp_path):
    video, true = render(tmp_path, "own", wave, 19.0, 10.0, seed=12)
    labels = tmp_path / "own.txt"
    labels.write_text("".join(f"{s:.4f}\n" for s in wave(np.arange(190) / 10.0)))
    model = tmp_path / "own.keras"
    env = {**os.environ, "MOTIONLAB_DATA": str(tmp_path / "data"), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "motionlab", "train-speed", str(video), str(labels), "--out",
                             str(model), "--epochs", "1", "--steps", "2", "--json"], capture_output=True, text=True,
                            env=env, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report["methods"]) >= {"this model", "training-block mean", "shipped model"}
    assert report["methods"]["training-block mean"]["mse"] > 0
    out = tmp_path / "speeds.txt"
    result = subprocess.run([sys.executable, "-m", "motionlab", "speed", str(video), "--out", str(out), "--model",
                             str(model)], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(np.loadtxt(out)) == 190


@pytest.mark.parametrize("args, named", [
    (["{video}", "{labels}", "--out", "{tmp}/model.h5"], "model.h5"),
    (["{video}", "{tmp}/missing.txt", "--out", "{tmp}/m.keras"], "missing.txt"),
    (["{video}", "{labels}", "--out", "{tmp}/m.keras", "--epochs", "0"], "--epochs"),
    (["{video}", "{labels}", "--out", "{tmp}/m.keras", "--camera", "{tmp}/missing.json"], "missing.json"),
])
def test_train_speed_bad_input_exits_2_with_one_line(folder, tmp_path, args, named):
    video, _ = render(folder, "short", wave, 1.0, 10.0) if not (folder / "short.mp4").exists() else (
        folder / "short.mp4", None)
    labels = tmp_path / "short.txt"
    labels.write_text("10\n" * 10)
    values = {"video": video, "labels": labels, "tmp": tmp_path}
    env = {**os.environ, "MOTIONLAB_DATA": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, "-m", "motionlab", "train-speed", *[a.format(**values) for a in args]],
                            capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and named in lines[0], result.stderr
