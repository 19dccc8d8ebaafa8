"""The command-line contract for synth, frames, flow and speed: bad input gives exit status 2 and one line naming
the file, before any long work, with no traceback and nothing new beside the output; outputs that are symlinks or
devices are written through; concurrent builders of one output or cache entry both succeed."""

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from motionlab.video import write_video

REPO = Path(__file__).resolve().parents[1]
QUICK_S = 60  # a bad input is refused within this many seconds (the start-up alone takes about 1 s here)


def run_cli(*args, cwd, env=None, timeout=QUICK_S):
    """Run `python -m motionlab ARGS` in cwd and return the CompletedProcess (text output)."""
    env = {**os.environ, "MOTIONLAB_DATA": str(Path(cwd) / "data"), **(env or {})}
    return subprocess.run([sys.executable, "-m", "motionlab", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env)


def noise_frames(count, height=48, width=64, seed=0):
    """Return count random textured BGR frames, (count, height, width, 3) uint8, shifting by one pixel a frame."""
    base = np.random.default_rng(seed).integers(0, 255, (height, width + count, 3), np.uint8)
    return [np.ascontiguousarray(base[:, i:i + width]) for i in range(count)]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A folder of inputs: a short video, a 1-frame video, text files of several kinds, a two-output model."""
    folder = tmp_path_factory.mktemp("inputs")
    write_video(folder / "clip.mp4", noise_frames(12), fps=20)
    write_video(folder / "one_frame.mp4", noise_frames(1), fps=20)
    (folder / "notes.txt").write_text("hello\n")
    (folder / "fake.keras").write_text("not a model\n")
    (folder / "latin1.txt").write_bytes("12.5\n13\xe9\n".encode("latin-1"))
    (folder / "huge.txt").write_text("1.0\n1e39\n")
    (folder / "too_fast.txt").write_text("10\n1e9\n12\n")
    (folder / "one_speed.txt").write_text("10\n")
    (folder / "negative_focal.json").write_text('{"focal_px": -500, "cx": 32, "cy": 20, "camera_height_m": 1.4}\n')
    (folder / "no_size.json").write_text('{"focal_px": 500, "cx": 32, "cy": 20, "camera_height_m": 1.4}\n')
    import keras

    flow = keras.Input((66, 220, 6))
    features = keras.layers.GlobalAveragePooling2D()(flow)
    two = keras.Model(flow, [keras.layers.Dense(1)(features), keras.layers.Dense(1)(features)])
    two.save(folder / "two_outputs.keras")
    wide = keras.Model(flow, keras.layers.Dense(2)(features))
    wide.save(folder / "wide_output.keras")
    return folder


BAD_INPUTS = [  # (command line with {in} for the inputs folder and {out} for the output folder, the named file)
    ("speed {in}/missing.mp4 --out {out}/s.txt", "missing.mp4"),
    ("speed {in}/notes.txt --out {out}/s.txt", "notes.txt"),
    ("speed {in}/clip.mp4 --out {out}", "out"),
    ("speed {in}/clip.mp4 --out {in}/notes.txt/s.txt", "notes.txt"),
    ("speed {in}/clip.mp4 --out {out}/s.txt --model {in}/fake.keras", "fake.keras"),
    ("speed {in}/clip.mp4 --out {out}/s.txt --model {in}/missing.keras", "missing.keras"),
    ("speed {in}/clip.mp4 --out {out}/s.txt --model {in}/two_outputs.keras", "two_outputs.keras"),
    ("speed {in}/clip.mp4 --out {out}/s.txt --model {in}/wide_output.keras", "wide_output.keras"),
    ("speed {in}/clip.mp4 --out {out}/s.txt --model " + str(REPO / "models/jump_counter.keras"), "jump_counter.keras"),
    ("speed {in}/clip.mp4 --out {out}/s.txt --smoothing -5", "--smoothing"),
    ("speed {in}/clip.mp4 --out {out}/s.txt --workers -1", "--workers"),
    ("speed {in}/one_frame.mp4 --out {out}/s.txt", "one_frame.mp4"),
    ("speed {in}/clip.mp4 --out {out}/s.txt --method physics", "--method"),
    ("speed {in}/clip.mp4 --out {out}/s.txt --method geometry --camera {in}/missing.json", "missing.json"),
    ("speed {in}/clip.mp4 --out {out}/s.txt --method geometry --camera {in}/notes.txt", "notes.txt"),
    ("speed {in}/clip.mp4 --out {out}/s.txt --method geometry --camera {in}/negative_focal.json", "negative_focal"),
    ("speed {in}/clip.mp4 --out {out}/s.txt --method geometry --smoothing 0", "--smoothing"),
    ("speed {in}/clip.mp4 --out {out}/s.txt --camera {in}/negative_focal.json", "--camera"),
    ("flow {in}/clip.mp4 --out {out}/f.txt", "f.txt"),
    ("flow {in}/clip.mp4 --out {out}", "out"),
    ("flow {in}/clip.mp4 --out {out}/f.npy --workers -1", "--workers"),
    ("flow {in}/one_frame.mp4 --out {out}/f.npy", "one_frame.mp4"),
    ("flow {in}/notes.txt --out {out}/f.npy", "notes.txt"),
    ("frames {in}/missing.mp4", "missing.mp4"),
    ("frames {in}/clip.mp4 --jpegs {out}/jpegs --labels {in}/latin1.txt", "latin1.txt"),
    ("frames {in}/clip.mp4 --jpegs {out}/jpegs", "--labels"),
    ("synth dashcam --out {out} --speeds {in}/huge.txt", "huge.txt"),
    ("synth dashcam --out {out} --speeds {in}/too_fast.txt", "too_fast.txt"),
    ("synth dashcam --out {out} --speeds {in}/one_speed.txt", "one_speed.txt"),
    ("synth dashcam --out {out} --speeds {in}/latin1.txt", "latin1.txt"),
    ("synth dashcam --out {in}/notes.txt --frames 10", "notes.txt"),
    ("synth dashcam --out {out} --frames 1", "--frames"),
    ("synth dashcam --out {out} --frames 10 --camera {in}/missing.json", "missing.json"),
    ("synth dashcam --out {out} --frames 10 --camera {in}/negative_focal.json", "negative_focal.json"),
    ("synth dashcam --out {out} --frames 10 --camera {in}/no_size.json", "no_size.json"),
    ("synth dashcam --out {out} --frames 10 --fps 0", "--fps"),
]


@pytest.mark.parametrize("command, named", BAD_INPUTS, ids=[c.split(" --")[0].replace("{in}/", "") + "|" + n
                                                            for c, n in BAD_INPUTS])
def test_bad_input_exits_2_with_one_line(inputs, tmp_path, command, named):
    out = tmp_path / "out"
    out.mkdir()
    before = {p.name: p.stat().st_mtime_ns for p in inputs.iterdir()}
    result = run_cli(*command.format(**{"in": inputs, "out": out}).split(), cwd=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    assert named in lines[0], f"the message names {named}: {lines[0]}"
    assert not list(out.iterdir()), "nothing written to the output folder"
    assert {p.name: p.stat().st_mtime_ns for p in inputs.iterdir()} == before, "inputs untouched, nothing beside"


def test_speed_writes_through_a_symlink_and_a_device(inputs, tmp_path):
    target = tmp_path / "real" / "speeds.txt"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "speeds.txt"
    link.symlink_to(target)
    result = run_cli("speed", inputs / "clip.mp4", "--out", link, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink(), "the link stays a link"
    assert len(target.read_text().split()) == 12, "its target holds one speed per frame"
    result = run_cli("speed", inputs / "clip.mp4", "--out", os.devnull, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert Path(os.devnull).is_char_device(), "the device is still a device"


def test_speed_prints_only_progress_and_result(inputs, tmp_path):
    result = run_cli("speed", inputs / "clip.mp4", "--out", tmp_path / "s.txt", cwd=tmp_path, timeout=300)
    assert result.returncode == 0
    stderr_lines = [line for line in result.stderr.replace("\r", "\n").splitlines() if line.strip()]
    assert all(line.startswith("speed clip.mp4") for line in stderr_lines), stderr_lines  # the progress bar only
    assert result.stdout.startswith("wrote 12 speeds")


def test_two_flow_runs_with_one_output_both_succeed(inputs, tmp_path):
    out = tmp_path / "flow.npy"
    env = {**os.environ, "MOTIONLAB_DATA": str(tmp_path / "data")}
    command = [sys.executable, "-m", "motionlab", "flow", str(inputs / "clip.mp4"), "--out", str(out), "--quiet"]
    runs = [subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [run.communicate(timeout=300)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    assert np.load(out).shape == (11, 66, 220, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "flow.npy"], "no hidden build file left beside"


def test_two_frame_cache_builds_of_one_video_both_succeed(inputs, tmp_path):
    env = {**os.environ, "MOTIONLAB_DATA": str(tmp_path / "data")}
    command = [sys.executable, "-m", "motionlab", "frames", str(inputs / "clip.mp4")]
    runs = [subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [run.communicate(timeout=300)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    cached = list((tmp_path / "data" / "cache" / "frames").glob("*.npy"))
    assert len(cached) == 1 and np.load(cached[0]).shape[0] == 12


def test_ctrl_c_prints_one_line_exits_130_and_the_build_resumes(tmp_path):
    video = tmp_path / "long.mp4"
    write_video(video, noise_frames(1200, 240, 320), fps=20)
    env = {**os.environ, "MOTIONLAB_DATA": str(tmp_path / "data")}
    command = [sys.executable, "-m", "motionlab", "flow", str(video), "--out", str(tmp_path / "f.npy"), "--quiet",
               "--workers", "0"]
    run = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    hidden = []
    for _ in range(600):  # wait (up to 60 s) until the build file holds a complete chunk
        hidden = [p for p in tmp_path.glob("..f-*.npy.building") if p.stat().st_size > 1_000_000]  # one chunk: 50 fields of 58 KB
        if hidden or run.poll() is not None:
            break
        time.sleep(0.1)
    assert hidden, "the build started"
    run.send_signal(subprocess.signal.SIGINT)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 130
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1 and "interrupted" in stderr
    assert not (tmp_path / "f.npy").exists() and hidden[0].exists(), "nothing final, the partial build kept"
    result = run_cli("flow", video, "--out", tmp_path / "f.npy", "--quiet", cwd=tmp_path, timeout=300)
    assert result.returncode == 0 and np.load(tmp_path / "f.npy").shape == (1199, 66, 220, 2)
    assert not hidden[0].exists()
