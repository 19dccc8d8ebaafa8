"""The count and label commands keep the command-line contract: bad input exits with status 2 and one line on
stderr naming the file (or option) and the problem, before any long work, with no traceback and no new file."""

import os
import subprocess
import sys

import numpy as np
import pytest

from motionlab.cache import MODELS_DIR
from motionlab.synth.jumprope import JumpropeRenderer
from motionlab.video import write_video

CLIP_FRAMES = 36  # frames of the readable test clip (1.5 s at 24 frames/s)


def _two_output_counter(path):
    """Save a tiny model with a counter's input but two outputs."""
    import keras

    clip = keras.Input((16, 16, 16, 2))
    flat = keras.layers.Reshape((16, -1))(clip)
    first = keras.layers.Reshape((16,))(keras.layers.Dense(1)(flat))
    second = keras.layers.Reshape((16,))(keras.layers.Dense(1)(flat))
    keras.Model(clip, [first, second]).save(path)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """A folder with a readable clip, a too-short clip, a text file, odd labels files and a two-output model."""
    folder = tmp_path_factory.mktemp("cli_jumps")
    write_video(folder / "clip.mp4", JumpropeRenderer(5, duration_s=1.5, fps=24.0).frames(), 24.0)
    write_video(folder / "short.mp4", JumpropeRenderer(5, duration_s=0.5, fps=24.0).frames(), 24.0)
    (folder / "notes.txt").write_text("not a video, not a model\n")
    (folder / "corrupt.npy").write_bytes(b"\x93NUMPY garbage")
    np.save(folder / "past_end.npy", np.array([5, 10, 500], np.int32))
    np.save(folder / "negative.npy", np.array([-3, 4], np.int32))
    np.save(folder / "unsigned_unsorted.npy", np.array([9, 3, 20], np.uint8))
    np.save(folder / "fractional.npy", np.array([1.5, 4.0]))
    _two_output_counter(folder / "two_outputs.keras")
    return folder


CASES = {  # case -> (arguments with {root} and {models}, what the line must name, the problem it must state); the
    # cases that get as far as decoding pass --quiet, so that stderr holds the error alone and not the progress bar
    "count: missing video": (["count", "{root}/nope.mp4"], "nope.mp4", "no such file"),
    "count: text file as video": (["count", "{root}/notes.txt"], "notes.txt", "cannot open it as a video"),
    "count: folder as video": (["count", "{root}"], "{root}", "directory"),
    "count: clip shorter than a window": (["count", "{root}/short.mp4", "--quiet"], "short.mp4", "too short"),
    "count: missing weights": (["count", "{root}/clip.mp4", "--weights", "{root}/none.keras"], "none.keras",
                               "no such counter weights file"),
    "count: text file as weights": (["count", "{root}/clip.mp4", "--weights", "{root}/notes.txt"], "notes.txt",
                                    "not a Keras .keras model file"),
    "count: speed model as weights": (["count", "{root}/clip.mp4", "--weights", "{models}/speed_flow_cnn.keras"],
                                      "speed_flow_cnn.keras", "not a jump counter: its input is (None, 66, 220, 6)"),
    "count: two-output model as weights": (["count", "{root}/clip.mp4", "--quiet", "--weights", "{root}/two_outputs.keras"],
                                           "two_outputs.keras", "not a jump counter: it gives 2 outputs"),
    "label: missing video": (["label", "{root}/nope.mp4", "--out", "{root}/new.npy"], "nope.mp4", "no such file"),
    "label: text file as video": (["label", "{root}/notes.txt", "--out", "{root}/new.npy"], "notes.txt",
                                  "cannot open it as a video"),
    "label: speed 0": (["label", "{root}/clip.mp4", "--speed", "0"], "--speed", "must be in (0, 4]"),
    "label: speed nan": (["label", "{root}/clip.mp4", "--speed", "nan"], "--speed", "must be in (0, 4]"),
    "label: out is a folder": (["label", "{root}/clip.mp4", "--out", "{root}"], "{root}", "is a directory"),
    "label: out under a file": (["label", "{root}/clip.mp4", "--out", "{root}/notes.txt/x.npy"], "x.npy",
                                "is a file, not a folder"),
    "label: out not .npy": (["label", "{root}/clip.mp4", "--out", "{root}/labels.txt"], "labels.txt", ".npy"),
    "label: corrupt labels": (["label", "{root}/clip.mp4", "--out", "{root}/corrupt.npy"], "corrupt.npy",
                              "not a .npy array"),
    "label: labels past the end": (["label", "{root}/clip.mp4", "--out", "{root}/past_end.npy"], "past_end.npy",
                                   f"frame index 500 is past the end of the video ({CLIP_FRAMES} frames)"),
    "label: negative labels": (["label", "{root}/clip.mp4", "--out", "{root}/negative.npy"], "negative.npy",
                               "must not be negative, got -3"),
    "label: unsigned unsorted labels": (["label", "{root}/clip.mp4", "--out", "{root}/unsigned_unsorted.npy"],
                                        "unsigned_unsorted.npy", "strictly ascending"),
    "label: fractional labels": (["label", "{root}/clip.mp4", "--out", "{root}/fractional.npy"], "fractional.npy",
                                 "integer frame indices"),
}


def _tree(folder):
    """Return every path under folder with its size and mtime."""
    return {(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_exits_2_with_one_line_naming_the_file(root, case):
    arguments, named, problem = CASES[case]
    fill = {"root": str(root), "models": str(MODELS_DIR)}
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    before = _tree(root)
    result = subprocess.run([sys.executable, "-m", "motionlab"] + [a.format(**fill) for a in arguments],
                            capture_output=True, text=True, timeout=300, env=env)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert named.format(**fill) in lines[0] and problem in lines[0], lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert _tree(root) == before  # nothing written, nothing half-written
