"""The synthetic dashcam: deterministic, varied, realistic speed traces, and road motion that follows the speed."""

import subprocess
import sys

import cv2
import numpy as np

from motionlab.synth.dashcam import FPS, DashcamRenderer
from motionlab.synth.traces import MAX_ACCEL_MPS2, MAX_BRAKE_MPS2, random_speed_trace
from motionlab.video import count_frames, load_labels, probe_video


def test_same_seed_same_frames_and_different_seeds_differ():
    speeds = np.full(6, 12.0)
    first = [DashcamRenderer(speeds, seed=4).frame(i) for i in (0, 5)]
    again = [DashcamRenderer(speeds, seed=4).frame(i) for i in (0, 5)]
    other = DashcamRenderer(speeds, seed=5).frame(0)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert np.abs(first[0].astype(int) - other.astype(int)).mean() > 10


def best_row_shift(before, after, row, max_shift=25):
    """The vertical shift (pixels) at which row `row` of `before` best matches a row of `after`, by correlation."""
    reference = before[row, 200:440].astype(float)
    scores = [np.corrcoef(reference, after[row + d, 200:440].astype(float))[0, 1] for d in range(max_shift)]
    return int(np.argmax(scores))


def expected_shift_px(style, row, metres):
    """Where a ground point at this row moves after driving `metres`, by the camera's geometry, pixels."""
    ahead = style.focal_px * style.camera_height_m / (row - style.horizon_px)
    return style.horizon_px + style.focal_px * style.camera_height_m / (ahead - metres) - row


def test_constant_speed_moves_the_road_consistently():
    renderer = DashcamRenderer(np.full(8, 10.0), seed=2)
    style = renderer.style
    hood_top = int(np.argmax(renderer.hood_mask[:, 320] > 0))
    rows = np.arange(int(style.horizon_px) + 100, hood_top - 26, 4)  # near road: sharp texture, large motion
    gray = [cv2.cvtColor(renderer.frame(i), cv2.COLOR_BGR2GRAY) for i in range(7)]
    errors = []
    for frame, (before, after) in enumerate(zip(gray[:-1], gray[1:])):
        measured = np.array([best_row_shift(before, after, row) for row in rows])
        shake = renderer.shake_y[frame + 1] - renderer.shake_y[frame]  # the camera's own vertical jitter
        expected = np.array([expected_shift_px(style, row, 10.0 / FPS) for row in rows]) + shake
        errors.append(np.median(measured - expected))
    assert np.all(np.abs(errors) < 1.5), f"road moved {errors} px away from where the geometry puts it"


def test_traces_are_realistic():
    speeds = random_speed_trace(6000, FPS, np.random.default_rng(0), first="city")
    accel = np.diff(speeds) * FPS
    assert accel.max() <= MAX_ACCEL_MPS2 + 1e-3 and accel.min() >= -MAX_BRAKE_MPS2 - 1e-3
    assert (speeds == 0).sum() > FPS, "stop-and-go should include full stops"
    assert speeds.max() < 36


def test_cli_renders_exactly_the_given_trace(tmp_path):
    trace = tmp_path / "train.txt"
    wanted = np.r_[np.linspace(0, 5, 15), np.full(10, 5.0)]
    np.savetxt(trace, wanted)
    result = subprocess.run([sys.executable, "-m", "motionlab", "synth", "dashcam", "--out", str(tmp_path / "out"),
                             "--speeds", str(trace), "--seed", "9", "--name", "mine"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    video = tmp_path / "out" / "mine.mp4"
    info = probe_video(video)
    assert (info.width, info.height, info.fps) == (640, 480, 20)
    assert count_frames(video) == 25
    assert np.allclose(load_labels(tmp_path / "out" / "mine.txt"), wanted, atol=1e-5)


def test_cli_reports_bad_speeds_file(tmp_path):
    trace = tmp_path / "bad.txt"
    trace.write_text("3.0\nabc\n")
    result = subprocess.run([sys.executable, "-m", "motionlab", "synth", "dashcam", "--out", str(tmp_path),
                             "--speeds", str(trace)], capture_output=True, text=True)
    assert result.returncode == 2 and "line 2" in result.stderr
