"""The speed regressor: trains a step, writes one speed per frame for any video, reads the shipped model right."""

import json
import subprocess
import sys

import numpy as np
import pytest

from motionlab.cache import MODELS_DIR
from motionlab.speed.data import RAW_INPUT, SEED_INPUT, DriveArrays, SpeedBatches, frame_speeds_from_pairs
from motionlab.speed.drives import Drive
from motionlab.speed.predict import SMOOTHING_PAIRS
from motionlab.speed.training import train_speed_model
from motionlab.video import load_labels

SHIPPED = MODELS_DIR / "speed_flow_cnn.keras"


@pytest.fixture(scope="module")
def tiny_drive(render_drive):
    video, labels = render_drive(np.linspace(4, 9, 14), seed=3, name="tiny")
    return DriveArrays.load(Drive("tiny", video, labels), with_frames=True, progress=False)


@pytest.mark.parametrize("kind", [RAW_INPUT, SEED_INPUT])
def test_training_one_step_runs_and_saves(tiny_drive, tmp_path, kind):
    model, history = train_speed_model([tiny_drive], [tiny_drive], tmp_path / "m.keras", kind=kind, epochs=1,
                                       steps_per_epoch=1, verbose=0)
    assert (tmp_path / "m.keras").exists() and np.isfinite(history["loss"][0])
    inputs, speeds = SpeedBatches([tiny_drive], kind, 3)[0]
    assert model.predict_on_batch(inputs).shape == (len(speeds), 1)


def test_mirrored_raw_input_negates_sideways_flow(tiny_drive):
    from motionlab.speed.data import model_inputs

    plain = model_inputs(tiny_drive, np.array([5]), RAW_INPUT, 1)
    mirrored = model_inputs(tiny_drive, np.array([5]), RAW_INPUT, 1, flip=np.array([True]))
    assert np.allclose(mirrored[0, :, ::-1, 0], -plain[0, :, :, 0]) and np.allclose(mirrored[0, :, ::-1, 1],
                                                                                     plain[0, :, :, 1])


def test_speed_balanced_sampling_draws_rare_speeds_more_often():
    speeds = np.concatenate([np.full(900, 10.0), np.full(100, 30.0)])  # fast driving is rare
    drive = DriveArrays("skewed", np.zeros((1000, 66, 220, 2), np.float16), speeds.astype(np.float32))
    batches = SpeedBatches([drive], RAW_INPUT, 1, batch_size=100, shuffle=True, balance=True, seed=1)
    drawn = np.concatenate([batches[i][1] for i in range(len(batches))])
    assert len(drawn) == 1000
    assert 0.2 < np.mean(drawn == 30.0) < 0.3  # 100 / sqrt(100) against 900 / sqrt(900): 25 %, not 10 %
    with pytest.raises(ValueError, match="training"):
        SpeedBatches([drive], RAW_INPUT, 1, balance=True)


def test_shipped_smoothing_is_the_one_chosen_with_the_shipped_model():
    results = json.loads((MODELS_DIR / "speed_results.json").read_text())
    assert results["shipped"]["smoothing_window"] == SMOOTHING_PAIRS


def test_frame_speeds_from_pairs_gives_one_per_frame():
    assert frame_speeds_from_pairs(np.array([2.0, 4.0])).tolist() == [2.0, 3.0, 4.0]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "motionlab", "speed", *map(str, args)], capture_output=True, text=True)


@pytest.mark.skipif(not SHIPPED.exists(), reason="no shipped speed model yet")
def test_cli_writes_one_line_per_frame_for_any_size(tmp_path):
    from motionlab.synth.dashcam import DashcamRenderer
    from motionlab.video import write_video

    video = tmp_path / "small.mp4"
    write_video(video, DashcamRenderer(np.full(23, 8.0), seed=5, width=352, height=288), fps=15)
    out = tmp_path / "speeds.txt"
    result = run_cli(video, "--out", out)
    assert result.returncode == 0, result.stderr
    speeds = load_labels(out)
    assert len(speeds) == 23 and np.all(speeds >= 0)


@pytest.mark.skipif(not SHIPPED.exists(), reason="no shipped speed model yet")
@pytest.mark.parametrize("speed", [5.0, 20.0])
def test_shipped_model_reads_a_constant_speed(render_drive, tmp_path, speed):
    video, _ = render_drive(np.full(60, speed), seed=777, name=f"constant_{speed:.0f}")
    out = tmp_path / "speeds.txt"
    assert run_cli(video, "--out", out).returncode == 0
    predicted = load_labels(out)
    assert abs(np.median(predicted) - speed) < 0.15 * speed + 1.0, f"{np.median(predicted):.2f} for {speed} m/s"


def test_missing_and_corrupt_model_files_are_named(render_drive, tmp_path):
    video, _ = render_drive(np.full(5, 3.0), seed=1, name="short")
    result = run_cli(video, "--out", tmp_path / "o.txt", "--model", tmp_path / "absent.keras")
    assert result.returncode == 2 and "absent.keras: no such speed model file" in result.stderr
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"PK\x03\x04 this is not a keras archive")
    result = run_cli(video, "--out", tmp_path / "o.txt", "--model", broken)
    assert result.returncode == 2 and "broken.keras: not a Keras .keras model file" in result.stderr


def test_missing_video_is_named(tmp_path):
    result = run_cli(tmp_path / "nothere.mp4", "--out", tmp_path / "o.txt")
    assert result.returncode == 2 and "nothere.mp4" in result.stderr
