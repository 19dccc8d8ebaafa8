"""Labelling your own clips: the widget's marks survive save and reload; the desktop keys do what they say."""

import os
import subprocess
import sys

import numpy as np
import pytest

from motionlab.jumps.data import load_jump_labels, save_jump_labels
from motionlab.jumps.labelling import KEY_LEFT, KEY_RIGHT, LabelSession, default_label_path, label_widget
from motionlab.jumps.models import build_seed_model
from motionlab.synth.jumprope import JumpropeRenderer
from motionlab.video import VideoError, write_video


@pytest.fixture(scope="module")
def small_clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("label") / "speed_videos"
    video = folder / "mine.mp4"
    write_video(video, JumpropeRenderer(11, duration_s=2.0, fps=24.0, framing="portrait").frames(), 24.0)
    return video


def test_widget_marks_round_trip_through_the_saved_file(small_clip):
    box = label_widget(small_clip)
    assert box.out == small_clip.parent.parent / "speed_annotations" / "mine.npy"
    for frame in (30, 4, 17):
        box.slider.value = frame
        box.jump_button.click()
    box.slider.value = 17
    box.undo_button.click()  # undo removes 17 again
    box.slider.value = 40
    box.jump_button.click()
    box.save_button.click()
    assert load_jump_labels(box.out).tolist() == [4, 30, 40]
    reopened = label_widget(small_clip)  # a second session starts from the saved marks
    assert reopened.session.labels().tolist() == [4, 30, 40]


def test_keys_mark_pause_and_step():
    session = LabelSession(10)
    session.step(3)
    assert session.handle_key(ord("s")) and session.labels().tolist() == [3]
    session.handle_key(ord(" "))
    assert session.paused
    session.handle_key(next(iter(KEY_RIGHT)))
    session.handle_key(next(iter(KEY_RIGHT)))
    session.handle_key(next(iter(KEY_LEFT)))
    assert session.position == 4
    session.handle_key(ord("s"))
    assert session.labels().tolist() == [3, 4]
    assert session.handle_key(ord("q")) is False


def test_saved_labels_are_sorted_unique_int32_and_bad_files_fail_clearly(tmp_path):
    path = save_jump_labels(tmp_path / "a.npy", [9, 3, 3, 5])
    stored = np.load(path)
    assert stored.dtype == np.int32 and stored.tolist() == [3, 5, 9]
    np.save(tmp_path / "bad.npy", np.array([5, 3]))
    with pytest.raises(VideoError, match="ascending"):
        load_jump_labels(tmp_path / "bad.npy")
    assert default_label_path(tmp_path / "clip.mp4") == tmp_path / "clip.npy"


def test_seed_model_is_the_seeds_architecture():
    assert build_seed_model("gray").count_params() == 32368  # the seed's printed summary
    assert build_seed_model("rgb").count_params() == 36464
    assert build_seed_model("flow").output_shape == (None, 3)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the DISPLAY check is Linux's")
def test_label_command_without_a_display_fails_clearly(small_clip, tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run([sys.executable, "-m", "motionlab", "label", str(small_clip), "--out",
                             str(tmp_path / "x.npy")], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2 and "no display" in result.stderr
