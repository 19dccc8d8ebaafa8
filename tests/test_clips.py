"""ClipDataset behaviour: known videos give known batches, short and lying videos do not crash, an unreadable one
fails naming the file, one augmentation per clip, reproducible, and splits keep each group in one part."""

import warnings

import numpy as np
import pytest

from motionlab.clips import ClipAugmentation, ClipDataset, ClipSampling, group_folds, list_videos, split_by_groups
from motionlab.clips.augment import apply_transform
from motionlab.clips.decode import decode_clip
from motionlab.clips.sampling import ShortClipWarning
from motionlab.video import VideoError, count_frames, probe_video, write_video

SIZE = (24, 32)  # frames are rendered at twice this and decoded at this size


def moving_square(n_frames: int, step: int = 2, colour=(255, 255, 255), start: int = 4) -> np.ndarray:
    """Return (n_frames, 48, 64, 3) uint8 BGR frames of a 12-pixel square moving right by `step` px per frame."""
    frames = np.zeros((n_frames, 48, 64, 3), np.uint8)
    for t in range(n_frames):
        x = start + step * t
        frames[t, 18:30, x:x + 12] = colour
    return frames


@pytest.fixture(scope="module")
def video_folder(tmp_path_factory):
    """ROOT/CLASS/personN_CLASS.avi: class "left" squares move left, "right" squares move right; 3 people."""
    root = tmp_path_factory.mktemp("clips")
    for person in range(3):
        for name, step in (("left", -1), ("right", 1)):
            frames = moving_square(20 + 5 * person, step, start=40 if step < 0 else 4)
            write_video(root / name / f"person{person}_{name}.avi", frames, 25.0, codec="FFV1")
    return root


def test_folder_layout_gives_classes_in_name_order(video_folder):
    paths, labels, names = list_videos(video_folder)
    assert names == ["left", "right"]
    assert len(paths) == 6 and labels == [0, 0, 0, 1, 1, 1]
    with pytest.raises(ValueError, match="no such folder"):
        list_videos(video_folder / "absent")


def test_spread_sampling_covers_the_whole_clip():
    sampling = ClipSampling(frames=5, mode="spread")
    assert sampling.sample_starts(100, 25.0) == [0]
    assert sampling.sample_indices(100, 0, 25.0).tolist() == [0, 25, 50, 74, 99]


def test_windows_every_stride_and_over_a_span_of_seconds():
    windows = ClipSampling(frames=4, mode="windows", stride=3)
    assert windows.sample_starts(12, 25.0) == [0, 3, 6, 8]  # the clip's end is always covered
    assert windows.sample_indices(12, 3, 25.0).tolist() == [3, 4, 5, 6]
    span = ClipSampling(frames=4, mode="windows", stride=5, sequence_seconds=0.4)  # 10 frames at 25 frames/s
    assert span.sample_indices(30, 5, 25.0).tolist() == [5, 8, 11, 14]
    assert span.sample_starts(30, 25.0) == [0, 5, 10, 15, 20]


def test_bad_sampling_options_are_refused():
    for options in ({"channels": 2}, {"mode": "random"}, {"motion": "hsv"}, {"short": "crash"}, {"frames": 0}):
        with pytest.raises(ValueError):
            ClipSampling(**options)


def test_batches_have_the_promised_shape_range_and_labels(video_folder):
    for channels in (1, 3):
        sampling = ClipSampling(frames=6, size=SIZE, channels=channels, mode="spread")
        data = ClipDataset.from_folder(video_folder, sampling=sampling, batch_size=4)
        clips, labels = data[0]
        assert clips.shape == (4, 6, *SIZE, channels) and clips.dtype == np.float32
        assert 0.0 <= clips.min() and clips.max() <= 1.0 and clips.max() > 0.9
        assert labels.shape == (4, 2) and np.allclose(labels.sum(1), 1)
        assert len(data) == 2 and data[1][0].shape[0] == 2  # 6 clips in batches of 4
    data = ClipDataset.from_folder(video_folder, sampling=sampling, batch_size=6, label_mode="int")
    assert data[0][1].tolist() == [0, 0, 0, 1, 1, 1]
    assert data.class_counts() == {"left": (3, 3), "right": (3, 3)}


def test_every_window_of_every_clip_is_a_sample(video_folder):
    sampling = ClipSampling(frames=8, size=SIZE, mode="windows", stride=4)
    data = ClipDataset.from_folder(video_folder, sampling=sampling)
    lengths = [20, 20, 25, 25, 30, 30]  # left and right of persons 0, 1, 2
    expected = sum(len(sampling.sample_starts(n, 25.0)) for n in lengths)
    assert len(data.samples) == expected and sorted(set(data.sample_clips)) == list(range(6))


def test_frame_differences_and_flow_show_the_motion(video_folder):
    path = video_folder / "right" / "person0_right.avi"
    diff = decode_clip(path, SIZE, 1, "diff", use_cache=False)
    assert diff.shape == (19, *SIZE, 1) and diff.max() > 100
    flow = decode_clip(path, SIZE, 1, "flow", use_cache=False).astype(np.float32)
    assert flow.shape == (19, *SIZE, 2)
    moving = flow[..., 0] != 0.5
    assert moving.any() and flow[..., 0][moving].mean() > 0.5  # the square moves right: positive dx
    static = np.repeat(moving_square(1), 6, axis=0)
    write_video(video_folder.parent / "static.avi", static, 25.0, codec="FFV1")
    assert decode_clip(video_folder.parent / "static.avi", SIZE, 1, "diff", use_cache=False).max() == 0


def test_decoding_is_cached_by_file_and_parameters(video_folder, monkeypatch):
    path = video_folder / "left" / "person0_left.avi"
    first = decode_clip(path, SIZE, 1)
    monkeypatch.setattr("motionlab.clips.decode.decode_frames", lambda *a, **k: pytest.fail("decoded twice"))
    assert np.array_equal(decode_clip(path, SIZE, 1), first)
    with pytest.raises(pytest.fail.Exception):
        decode_clip(path, (20, 20), 1)  # other parameters: another cache entry


def test_a_short_clip_is_looped_or_padded_with_a_warning(tmp_path):
    path = tmp_path / "short" / "p0_short.avi"
    write_video(path, moving_square(3), 25.0, codec="FFV1")
    for short, expected in (("loop", [0, 1, 2, 0, 1, 2, 0, 1]), ("pad", [0, 1, 2, 2, 2, 2, 2, 2])):
        sampling = ClipSampling(frames=8, size=SIZE, mode="windows", short=short)
        with pytest.warns(ShortClipWarning, match="3 frames"):
            data = ClipDataset([path], [0], ["short"], sampling)
        assert len(data.samples) == 1 and data.samples[0][1].tolist() == expected
        assert data[0][0].shape == (1, 8, *SIZE, 1)


def test_a_header_that_overstates_the_frames_does_not_crash(tmp_path):
    path = tmp_path / "cut" / "p0_cut.avi"
    write_video(path, moving_square(30), 25.0, codec="MJPG")
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.5)])  # the header still says 30 frames
    real = count_frames(path)
    assert real < probe_video(path).frame_count
    clips = ClipDataset([path], [0], ["cut"], ClipSampling(frames=6, size=SIZE, mode="spread"), use_cache=False)
    assert len(clips.clips[0]) == real and clips[0][0].shape == (1, 6, *SIZE, 1)


def test_an_unreadable_clip_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "broken" / "p0_broken.avi"
    path.parent.mkdir()
    path.write_text("not a video")
    with pytest.raises(VideoError, match="p0_broken.avi"):
        ClipDataset([path], [0], ["broken"], ClipSampling(size=SIZE))


def test_one_augmentation_per_clip_same_on_every_frame_and_reproducible(video_folder):
    sampling = ClipSampling(frames=6, size=SIZE, mode="spread")
    options = dict(sampling=sampling, augmentation=ClipAugmentation(flip=0.5, shift=0.2, zoom=0.2, rotation=10),
                   seed=3)
    first, second = ClipDataset.from_folder(video_folder, **options), ClipDataset.from_folder(video_folder, **options)
    assert np.array_equal(first[0][0], second[0][0])
    first.on_epoch_end()
    assert not np.array_equal(first[0][0], second[0][0])  # a new draw every epoch
    still = np.repeat(np.random.default_rng(0).random((1, *SIZE, 1), np.float32), 4, axis=0)
    moved = apply_transform(still, ClipAugmentation(shift=0.3, rotation=20).draw(np.random.default_rng(1)))
    assert not np.allclose(moved[0], still[0]) and all(np.array_equal(moved[0], frame) for frame in moved[1:])
    plain = ClipDataset.from_folder(video_folder, sampling=sampling)
    assert np.array_equal(plain[0][0], plain[0][0]) and plain.augmentation is None


def test_a_mirrored_flow_moves_the_other_way():
    flow = np.full((2, 8, 8, 2), 0.5, np.float32)
    flow[..., 0] = 0.75  # everything moves right
    mirrored = apply_transform(flow, {"flip": True, "dx": 0, "dy": 0, "scale": 1, "angle": 0, "gain": 1}, "flow")
    assert np.allclose(mirrored[:, 2:-2, 2:-2, 0], 0.25) and np.allclose(mirrored[..., 1], 0.5)


def test_shuffling_changes_the_order_each_epoch_from_the_seed(video_folder):
    sampling = ClipSampling(frames=4, size=SIZE, mode="windows", stride=2)
    data = ClipDataset.from_folder(video_folder, sampling=sampling, shuffle=True, seed=5)
    again = ClipDataset.from_folder(video_folder, sampling=sampling, shuffle=True, seed=5)
    order = data.order.copy()
    assert np.array_equal(order, again.order) and sorted(order) == list(range(len(data.samples)))
    data.on_epoch_end()
    assert not np.array_equal(order, data.order)


def test_splits_keep_each_group_in_one_part(video_folder):
    paths, _, _ = list_videos(video_folder)
    person = lambda path: path.stem.split("_")[0]  # noqa: E731
    folds = group_folds(paths, person)
    assert [group for group, _, _ in folds] == ["person0", "person1", "person2"]
    for group, train, test in folds:
        assert {person(paths[i]) for i in test} == {group} and group not in {person(paths[i]) for i in train}
    train, validation, test = split_by_groups(paths, person, validation=["person1"], test=["person2"])
    assert len(train) == len(validation) == len(test) == 2
    with pytest.raises(ValueError, match="not found"):
        split_by_groups(paths, person, test=["nobody"])


def test_ordinary_clips_give_no_warning(video_folder):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ClipDataset.from_folder(video_folder, sampling=ClipSampling(frames=8, size=SIZE, mode="windows"))


def test_a_foreground_crop_centres_and_fills_the_figure(tmp_path):
    frames = np.zeros((6, 48, 64, 3), np.uint8)
    frames[:, 30:42, 2:8] = 255  # a small figure in the lower left corner
    path = tmp_path / "fig" / "p0_fig.avi"
    write_video(path, frames, 25.0, codec="FFV1")
    sampling = ClipSampling(frames=4, size=(16, 16), mode="spread", crop="foreground", decode_size=(48, 64))
    clip = ClipDataset([path], [0], ["fig"], sampling, use_cache=False)[0][0][0, 0, ..., 0]
    rows, columns = np.nonzero(clip > 0.5)
    assert clip.shape == (16, 16) and rows.max() - rows.min() >= 10  # the 12-pixel figure fills most of 16
    assert abs(rows.mean() - 7.5) < 1.5 and abs(columns.mean() - 7.5) < 1.5


def test_a_motion_crop_follows_what_moves_not_what_stands_still(tmp_path):
    frames = np.zeros((8, 48, 64, 3), np.uint8)
    frames[:, 4:44, 40:60] = 128  # a still grey block on the right: no motion, so no box
    for t in range(8):
        frames[t, 30:36, 2 + t:8 + t] = 255  # a small square moving right in the lower left
    path = tmp_path / "mov" / "p0_mov.avi"
    write_video(path, frames, 25.0, codec="FFV1")
    sampling = ClipSampling(frames=7, size=(16, 16), mode="spread", motion="diff", crop="motion", decode_size=(48, 64))
    clip = ClipDataset([path], [0], ["mov"], sampling, use_cache=False)[0][0][0].max(axis=(0, -1))
    rows, columns = np.nonzero(clip > 0.2)
    assert clip.shape == (16, 16) and columns.max() - columns.min() >= 10  # the moving edges fill the crop's width
    assert abs(columns.mean() - 7.5) < 2 and abs(rows.mean() - 7.5) < 2
    still = np.repeat(frames[:1], 8, axis=0)  # nothing moves: the whole frame, no zoom into noise
    write_video(tmp_path / "still" / "p0_still.avi", still, 25.0, codec="FFV1")
    whole = ClipDataset([tmp_path / "still" / "p0_still.avi"], [0], ["still"], sampling, use_cache=False)[0][0]
    assert whole.shape == (1, 7, 16, 16, 1) and whole.max() < 0.05
