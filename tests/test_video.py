"""Video I/O: round trips keep frames, and every bad input raises a clear error naming the file."""

import numpy as np
import pytest

from motionlab.video import (VideoError, count_frames, iter_frames, load_labels, load_video_labels, probe_video,
                             read_frames, write_video)


def gradient_frames(count, height=48, width=64):
    """Frames whose brightness encodes their index, so order and content can be checked after compression."""
    for index in range(count):
        frame = np.full((height, width, 3), 10 + 20 * index, np.uint8)
        frame[:, : width // 2] = 200 - 15 * index
        yield frame


def test_round_trip_keeps_count_size_and_content(tmp_path):
    path = tmp_path / "clip.mp4"
    assert write_video(path, gradient_frames(9), fps=25) == 9
    info = probe_video(path)
    assert (info.width, info.height, info.fps) == (64, 48, 25)
    assert count_frames(path) == 9
    frames = read_frames(path)
    assert frames.shape == (9, 48, 64, 3)
    means = frames[:, :, 40:].mean(axis=(1, 2, 3))
    assert np.all(np.diff(means) > 10), "frames came back out of order or blurred together"


def test_crop_resize_gray_on_the_fly(tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, gradient_frames(3), fps=20)
    frames = list(iter_frames(path, crop_rows=(8, 40), size=(16, 32), gray=True, start=1))
    assert len(frames) == 2 and frames[0].shape == (16, 32) and frames[0].dtype == np.uint8


def test_missing_file_is_named(tmp_path):
    with pytest.raises(VideoError, match=r"nothere\.mp4: no such file"):
        probe_video(tmp_path / "nothere.mp4")


def test_file_that_is_not_a_video(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("these are notes, not a video\n" * 50)
    with pytest.raises(VideoError, match="notes.mp4"):
        probe_video(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.mp4"
    path.touch()
    with pytest.raises(VideoError, match="empty"):
        probe_video(path)


def test_zero_frame_video(tmp_path):
    import cv2

    path = tmp_path / "zero.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 20, (64, 48))
    writer.release()
    with pytest.raises(VideoError, match="zero.mp4"):
        probe_video(path)
    with pytest.raises(VideoError, match="zero.mp4"):
        list(iter_frames(path))


def test_labels_must_match_frame_count(tmp_path):
    video = tmp_path / "clip.mp4"
    write_video(video, gradient_frames(5), fps=20)
    labels = tmp_path / "clip.txt"
    labels.write_text("1.0\n2.0\n3.0\n")
    with pytest.raises(VideoError, match="3 labels for a video of 5 frames"):
        load_video_labels(video, labels)
    labels.write_text("1\n2\n3\n4\n5\n")
    assert load_video_labels(video, labels).tolist() == [1, 2, 3, 4, 5]


def test_non_numeric_label_names_line(tmp_path):
    labels = tmp_path / "train.txt"
    labels.write_text("12.5\n13.0\nfast\n")
    with pytest.raises(VideoError, match=r"train.txt, line 3: 'fast' is not a number"):
        load_labels(labels)
