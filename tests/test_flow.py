"""Behaviour of the flow stage: known shifts give known flow, caches are keyed and crash-safe, short videos fail clearly."""

import cv2
import numpy as np
import pytest

import motionlab.cache
from motionlab.__main__ import main
from motionlab.flow import (
    FlowParams,
    change_brightness,
    farneback,
    flow_hsv_rgb,
    flow_raw,
    iter_video_flow,
    pair_flow,
    seed_hsv_rgb,
    video_flow,
)
from motionlab.flow import pipeline as flow_cache
from motionlab.flow.compiled import stream_flow
from motionlab.video import VideoError, iter_frames, write_video

SHIFT_PX = 3  # known displacement between two images, pixels
STREAM_TOLERANCE_PX = 1e-3  # motionlab.flow.compiled against OpenCV, pixels (float32 sums in another order)
VIDEO_SHIFT_PX = 8  # per-frame pan of the test video, pixels at 640x480 (2.75 px at the 220-px model width)


def textured_image(height, width, seed=0):
    """Return smooth random texture (height, width) uint8: enough detail everywhere for flow to lock onto."""
    noise = np.random.default_rng(seed).uniform(0, 255, (height, width)).astype(np.float32)
    return cv2.normalize(cv2.GaussianBlur(noise, (0, 0), 2.0), None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)


def panning_video(path, n_frames, shift_px=VIDEO_SHIFT_PX, size=(480, 640)):
    """Write a video of a texture sliding right by shift_px per frame; return its path."""
    height, width = size
    texture = textured_image(height, width + shift_px * n_frames, seed=1)
    frames = (cv2.cvtColor(texture[:, shift_px * (n_frames - i):][:, :width], cv2.COLOR_GRAY2BGR)
              for i in range(n_frames))
    write_video(path, frames, fps=20)
    return path


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Point the cache at a temporary folder so tests never see (or leave) real caches."""
    monkeypatch.setattr(motionlab.cache, "CACHE_DIR", tmp_path / "cache")


def interior(flow, margin=16):
    """Return the flow away from the image border (where Farneback extrapolates): (h, w, 2)."""
    return flow[margin:-margin, margin:-margin]


@pytest.mark.parametrize("dx, dy", [(SHIFT_PX, 0), (-SHIFT_PX, 0), (0, SHIFT_PX), (0, -SHIFT_PX)])
def test_known_shift_gives_flow_of_that_size_and_sign(dx, dy):
    image = textured_image(66, 220)
    shifted = cv2.warpAffine(image, np.float32([[1, 0, dx], [0, 1, dy]]), (220, 66), borderMode=cv2.BORDER_REFLECT)
    flow = interior(farneback(image, shifted))
    assert flow.dtype == np.float32
    assert np.median(flow[..., 0]) == pytest.approx(dx, abs=0.3)
    assert np.median(flow[..., 1]) == pytest.approx(dy, abs=0.3)


def test_video_pan_gives_rightward_flow_scaled_to_model_width(tmp_path):
    video = panning_video(tmp_path / "pan.mp4", 6)
    flows = list(iter_video_flow(video, workers=0))
    assert len(flows) == 5 and flows[0].shape == (66, 220, 2)
    expected_px = VIDEO_SHIFT_PX * 220 / 640  # the 640-px frame is resized to 220 px
    for flow in flows:
        assert np.median(interior(flow)[..., 0]) == pytest.approx(expected_px, rel=0.15)
        assert abs(np.median(interior(flow)[..., 1])) < 0.2


def test_worker_threads_give_the_same_flow_as_the_calling_thread(tmp_path):
    video = panning_video(tmp_path / "pan.mp4", 8, size=(120, 160))
    alone = np.stack(list(iter_video_flow(video, workers=0)))
    pooled = np.stack(list(iter_video_flow(video, workers=2)))
    np.testing.assert_array_equal(alone, pooled)
    spawned = np.stack(list(iter_video_flow(video, workers=2, processes=True)))  # the spawn-process option
    np.testing.assert_array_equal(alone, spawned)
    frames = flow_cache.to_flow_size(np.stack(list(flow_cache._video_crops_gray(video, FlowParams()))), FlowParams())
    pair_by_pair = np.stack([farneback(a, b) for a, b in zip(frames[:-1], frames[1:])])  # OpenCV, a pair at a time
    np.testing.assert_allclose(pooled, pair_by_pair, rtol=0, atol=STREAM_TOLERANCE_PX)
    bgr = list(iter_frames(video))
    from_bgr = np.stack([pair_flow(a, b) for a, b in zip(bgr[:-1], bgr[1:])])
    difference = [np.abs(interior(a) - interior(b)).mean() for a, b in zip(pooled, from_bgr)]
    assert max(difference) < 0.05  # gray from the luma plane instead of from BGR: the same motion (2.75 px)


def zooming_frames(n_frames, size=(66, 220), zoom_per_frame=0.04):
    """Return (n_frames, H, W) uint8 frames of a texture zooming in about a point low in the frame (a dashcam's
    flow: small near the focus, several pixels at the edges), with a little sideways drift."""
    height, width = size
    texture = textured_image(height, width, seed=3)
    frames = []
    for i in range(n_frames):
        scale = (1 + zoom_per_frame) ** i
        warp = cv2.getRotationMatrix2D((width / 2 + 0.7 * i, height * 0.25), 0, scale)
        frames.append(cv2.warpAffine(texture, warp, (width, height), borderMode=cv2.BORDER_REFLECT))
    return np.stack(frames)


@pytest.mark.parametrize("params", [FlowParams(), FlowParams(levels=0), FlowParams(levels=3, winsize=9),
                                    FlowParams(iterations=3, poly_n=7, poly_sigma=1.5),
                                    FlowParams(pyr_scale=0.6, height=96, width=128)])
def test_stream_farneback_matches_opencv_pair_by_pair(params):
    frames = zooming_frames(6, (params.height, params.width))
    expected = np.stack([farneback(a, b, params) for a, b in zip(frames[:-1], frames[1:])])
    streamed = stream_flow(frames, params.pyr_scale, params.levels, params.winsize, params.iterations,
                           params.poly_n, params.poly_sigma)
    assert streamed.shape == expected.shape and streamed.dtype == np.float32
    assert np.abs(expected).max() > 2  # real motion, not a trivially equal zero field
    np.testing.assert_allclose(streamed, expected, rtol=0, atol=STREAM_TOLERANCE_PX)


def test_fixed_scale_encodings_keep_speed_and_the_seeds_does_not():
    flow = np.stack([farneback(textured_image(66, 220), textured_image(66, 220, seed=2))])
    next_bgr = cv2.cvtColor(textured_image(66, 220, seed=3), cv2.COLOR_GRAY2BGR)[None]
    doubled = 2 * flow  # the same scene passed twice as fast
    np.testing.assert_array_equal(seed_hsv_rgb(flow, next_bgr), seed_hsv_rgb(doubled, next_bgr))
    assert flow_hsv_rgb(doubled).mean() > flow_hsv_rgb(flow).mean()
    np.testing.assert_allclose(flow_raw(doubled), 2 * flow_raw(flow))
    np.testing.assert_array_equal(seed_hsv_rgb(flow, next_bgr)[0], seed_hsv_rgb(flow[0], next_bgr[0]))


def test_changing_a_parameter_makes_a_new_cache_not_a_stale_hit(tmp_path):
    video = panning_video(tmp_path / "pan.mp4", 5, size=(120, 160))
    seed_params = video_flow(video, workers=0, progress=False)
    other = FlowParams(winsize=9)
    changed = video_flow(video, other, workers=0, progress=False)
    assert flow_cache.flow_cache_path(video) != flow_cache.flow_cache_path(video, other)
    assert flow_cache.flow_cache_path(video, other).exists()
    assert not np.array_equal(seed_params, changed)
    np.testing.assert_array_equal(changed, np.stack(list(iter_video_flow(video, other, workers=0))).astype(np.float16))
    assert video_flow(video, workers=0, progress=False).filename == seed_params.filename  # same params: a hit


def test_interrupted_run_leaves_nothing_half_written_and_resumes(tmp_path, monkeypatch):
    n_frames = 2 * flow_cache.CHUNK_PAIRS + 11
    video = panning_video(tmp_path / "pan.mp4", n_frames, size=(120, 160))
    target = flow_cache.flow_cache_path(video)
    real_stream_flow, calls = flow_cache.stream_flow, []  # calls: one entry per flow field computed

    def interrupted(frames, *args):
        if len(calls) >= flow_cache.CHUNK_PAIRS:  # while computing the second chunk
            raise KeyboardInterrupt
        calls.extend([1] * (len(frames) - 1))
        return real_stream_flow(frames, *args)

    monkeypatch.setattr(flow_cache, "stream_flow", interrupted)
    with pytest.raises(KeyboardInterrupt):
        video_flow(video, workers=0, progress=False)
    assert not target.exists()
    building = target.with_name(f".{target.name}.building")
    assert motionlab.cache.rows_built(building)[0] == flow_cache.CHUNK_PAIRS  # one whole chunk kept, no more
    with open(building, "ab") as handle:
        handle.write(b"half a row")  # what a writer killed mid-chunk leaves

    calls.clear()
    monkeypatch.setattr(flow_cache, "stream_flow",
                        lambda frames, *args: calls.extend([1] * (len(frames) - 1)) or real_stream_flow(frames, *args))
    resumed = video_flow(video, workers=0, progress=False)
    assert len(calls) == n_frames - 1 - flow_cache.CHUNK_PAIRS  # the saved chunk was not recomputed
    fresh = np.stack(list(iter_video_flow(video, workers=0))).astype(np.float16)
    np.testing.assert_array_equal(resumed, fresh)


def test_video_shorter_than_two_frames_is_a_clear_error(tmp_path, capsys):
    video = tmp_path / "one_frame.mp4"
    write_video(video, [np.zeros((480, 640, 3), np.uint8)], fps=20)
    with pytest.raises(VideoError, match=r"one_frame\.mp4.*at least 2 frames"):
        video_flow(video, workers=0, progress=False)
    with pytest.raises(VideoError, match=r"one_frame\.mp4.*at least 2 frames"):
        list(iter_video_flow(video, workers=0))
    assert main(["flow", str(video), "--out", str(tmp_path / "flow.npy"), "--workers", "0", "--quiet"]) == 2
    assert "at least 2 frames" in capsys.readouterr().err
    assert not (tmp_path / "flow.npy").exists()


def test_cli_writes_n_minus_one_flow_fields(tmp_path):
    video = panning_video(tmp_path / "pan.mp4", 7, shift_px=2, size=(120, 160))  # 2.75 px at model width
    out = tmp_path / "flow.npy"
    assert main(["flow", str(video), "--out", str(out), "--workers", "0", "--quiet", "--height", "33"]) == 0
    flow = np.load(out)
    assert flow.shape == (6, 33, 220, 2) and flow.dtype == np.float16
    assert np.median(flow[:, 8:-8, 16:-16, 0]) > 0  # the texture slides right
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []  # no build leftovers


def test_bad_parameters_are_rejected():
    with pytest.raises(ValueError, match="pyr_scale"):
        FlowParams(pyr_scale=1.5)
    with pytest.raises(ValueError, match="crop_top"):
        FlowParams(crop_top=0.8, crop_bottom=0.2)


def test_brightness_factor_is_shared_by_both_frames_of_a_pair():
    image = cv2.cvtColor(textured_image(480, 640), cv2.COLOR_GRAY2BGR)
    shifted = np.roll(image, 3 * SHIFT_PX, axis=1)  # 3 px at 640 wide -> about 1 px at the 220-px model width
    darker = interior(pair_flow(image, shifted, brightness=0.5))
    assert np.median(darker[..., 0]) == pytest.approx(3 * SHIFT_PX * 220 / 640, rel=0.2)
    assert change_brightness(image, 0.5).mean() == pytest.approx(image.mean() * 0.5, rel=0.05)


def test_rendered_drive_flows_faster_at_higher_speed(tmp_path):
    from motionlab.synth.dashcam import render_dashcam

    magnitudes = {}
    for speed_mps in (8.0, 24.0):
        (tmp_path / f"{speed_mps}.txt").write_text(f"{speed_mps}\n" * 12)
        video, _ = render_dashcam(tmp_path, f"v{speed_mps:.0f}", speeds_file=tmp_path / f"{speed_mps}.txt", seed=5,
                                  progress=False)
        flow = np.stack(list(iter_video_flow(video, workers=0)))
        magnitudes[speed_mps] = np.hypot(flow[..., 0], flow[..., 1]).mean()
        assert np.median(flow[:, 40:, :, 1]) > 0  # the road near the car streams down the image
    assert 1.8 < magnitudes[24.0] / magnitudes[8.0] < 4.5
