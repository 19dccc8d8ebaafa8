"""Video I/O: round trips keep frames, and every bad input raises a clear error naming the file."""

import os

import cv2
import numpy as np
import pytest

from motionlab import video
from motionlab.video import (
    VideoError,
    count_frames,
    iter_frames,
    load_labels,
    load_video_labels,
    probe_video,
    read_frames,
    write_video,
)


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


def test_gray_from_the_luma_plane_matches_gray_from_bgr(tmp_path):
    path = tmp_path / "colours.mp4"
    rng = np.random.default_rng(0)
    colours = [cv2.GaussianBlur(rng.integers(0, 256, (96, 128, 3), dtype=np.uint8), (0, 0), 3) for _ in range(4)]
    write_video(path, colours, fps=20)
    capture = cv2.VideoCapture(str(path))
    assert video._decode_luma(capture), "the fast path is not taken for motionlab's own mp4 files"
    capture.release()
    options = dict(crop_rows=(10, 90), size=(40, 64), gray=True)
    from_bgr = read_frames(path, **options).astype(int)
    from_luma = read_frames(path, luma=True, **options).astype(int)
    assert from_luma.shape == from_bgr.shape == (4, 40, 64)
    assert np.abs(from_luma - from_bgr).mean() < 2.5 and np.abs(from_luma - from_bgr).max() <= 12
    assert np.corrcoef(from_luma.ravel(), from_bgr.ravel())[0, 1] > 0.99


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


def test_frame_cache_resumes_after_interrupt_and_matches(tmp_path, monkeypatch):
    import motionlab.cache as cache
    import motionlab.frames as frames_module

    monkeypatch.setattr(cache, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(frames_module, "CHUNK_FRAMES", 4)
    path = tmp_path / "clip.mp4"
    write_video(path, gradient_frames(10), fps=20)
    original = frames_module.iter_frames
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(kwargs.get("start", 0))
        for index, frame in enumerate(original(*args, **kwargs)):
            if len(calls) == 1 and index == 6:
                raise KeyboardInterrupt  # the user stops the first run after one complete chunk
            yield frame

    monkeypatch.setattr(frames_module, "iter_frames", interrupted)
    with pytest.raises(KeyboardInterrupt):
        frames_module.extract_frames(path, size=(16, 32), progress=False)
    building = list((tmp_path / "cache").rglob(".clip-*.npy.building"))
    assert len(building) == 1, "the interrupted build stays, under its hidden name, to be resumed"
    assert cache.rows_built(building[0])[0] == 4, "exactly the one complete chunk is kept"
    assert not list((tmp_path / "cache").rglob("*.npy")), "no final file yet"
    resumed = frames_module.extract_frames(path, size=(16, 32), progress=False)
    assert calls[-1] == 4, "the second run starts after the complete chunk"
    assert resumed.shape == (10, 16, 32, 3)
    assert np.array_equal(resumed, read_frames(path, crop_rows=(13, 37), size=(16, 32)))


def test_an_interrupt_while_the_first_chunk_is_synced_keeps_that_chunk(tmp_path, monkeypatch):
    """Ctrl-C can land after a chunk reached the file but before it was counted (CI hit this): the chunk stays."""
    import motionlab.cache as cache

    monkeypatch.setattr(cache, "CACHE_DIR", tmp_path / "cache")
    target = tmp_path / "rows.npy"
    real_fsync = os.fsync

    def interrupted_fsync(descriptor):
        real_fsync(descriptor)
        raise KeyboardInterrupt

    monkeypatch.setattr(cache.os, "fsync", interrupted_fsync)
    with pytest.raises(KeyboardInterrupt):
        cache.build_in_chunks(target, lambda start: (np.full((3, 2), row, np.float32) for row in range(start, 9, 3)))
    building = target.with_name(f".{target.name}.building")
    assert cache.rows_built(building)[0] == 3, "the written chunk is kept to resume from"
    monkeypatch.setattr(cache.os, "fsync", real_fsync)
    resumed = cache.build_in_chunks(target, lambda start: (np.full((3, 2), row, np.float32) for row in range(start, 9, 3)))
    assert resumed.shape == (9, 2) and resumed[:, 0].tolist() == [0] * 3 + [3] * 3 + [6] * 3
