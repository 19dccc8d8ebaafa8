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


def test_fractional_frames_are_refused_not_truncated_and_merged(tmp_path):
    path = tmp_path / "fractional.npy"
    with pytest.raises(ValueError, match=r"fractional\.npy: jump frames must be whole frame indices"):
        save_jump_labels(path, [3.7, 10.2, 10.9])  # truncating would merge 10.2 and 10.9 into one jump
    assert not path.exists() and list(tmp_path.iterdir()) == []
    assert np.load(save_jump_labels(path, [10.0, 3.0])).tolist() == [3, 10]  # whole numbers as floats are fine


def test_negative_or_past_the_end_frames_are_refused_with_a_readable_message(tmp_path):
    with pytest.raises(ValueError, match="must not be negative, got -2"):
        save_jump_labels(tmp_path / "a.npy", [-2, 5])
    with pytest.raises(ValueError, match=r"frame index 40 is past the end of the video \(40 frames\)"):
        save_jump_labels(tmp_path / "a.npy", [5, 40], frame_count=40)
    np.save(tmp_path / "negative.npy", np.array([-1, 3]))
    with pytest.raises(VideoError) as error:
        load_jump_labels(tmp_path / "negative.npy")
    assert "must not be negative" in str(error.value) and "None" not in str(error.value)
    np.save(tmp_path / "long.npy", np.array([3, 12, 99]))
    assert load_jump_labels(tmp_path / "long.npy").tolist() == [3, 12, 99]  # length unknown: accepted
    with pytest.raises(VideoError, match=r"long\.npy: frame index 99 is past the end of the video \(50 frames\)"):
        load_jump_labels(tmp_path / "long.npy", frame_count=50)


def test_unsigned_labels_load_as_int64_and_unsorted_ones_are_refused(tmp_path):
    np.save(tmp_path / "sorted.npy", np.array([3, 9, 200], np.uint8))
    labels = load_jump_labels(tmp_path / "sorted.npy")
    assert labels.dtype == np.int64 and labels.tolist() == [3, 9, 200]
    np.save(tmp_path / "unsorted.npy", np.array([9, 3, 200], np.uint8))  # np.diff on uint8 wraps: 3 - 9 = 250
    with pytest.raises(VideoError, match="strictly ascending"):
        load_jump_labels(tmp_path / "unsorted.npy")


def test_unreadable_labels_files_name_the_file(tmp_path):
    (tmp_path / "text.npy").write_text("3\n9\n")
    with pytest.raises(VideoError, match=r"text\.npy: not a \.npy array"):
        load_jump_labels(tmp_path / "text.npy")
    np.save(tmp_path / "grid.npy", np.zeros((2, 2), np.int32))
    with pytest.raises(VideoError, match=r"grid\.npy: expected a 1-D array of integer frame indices"):
        load_jump_labels(tmp_path / "grid.npy")
    with pytest.raises(VideoError, match=r"missing\.npy: no such labels file"):
        load_jump_labels(tmp_path / "missing.npy")
