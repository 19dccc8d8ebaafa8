"""Jump counter behaviour: synthetic clips count right, the CLI's JSON is sound, bad input fails clearly."""

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from motionlab.jumps.counting import (
    COUNT_RULE,
    COUNTER_WEIGHTS,
    RULES,
    BeatRule,
    PeakRule,
    ThresholdRule,
    count_video,
    load_counter,
    pick_peaks,
    step_period,
    track_jumps,
)
from motionlab.jumps.data import load_jump_labels
from motionlab.jumps.metrics import score_clip, summarise
from motionlab.jumps.results import load_results, save_fold
from motionlab.synth.jumprope import JumpropeRenderer, render_jumprope
from motionlab.video import VideoError, count_frames, probe_video, write_video

TEST_SEED = 900001  # far from the training clips' seeds (0..39)


@pytest.fixture(scope="module")
def synthetic_clip(tmp_path_factory):
    """A synthetic speed-step clip (no pause, no miss) and its labels."""
    folder = tmp_path_factory.mktemp("jumprope")
    video, labels = render_jumprope(folder, "steps", seed=TEST_SEED, style="alternate", framing="landscape",
                                    fps=30.0, duration_s=7.0)
    return video, load_jump_labels(labels)


@pytest.fixture(scope="module")
def counter():
    if not COUNTER_WEIGHTS.exists():
        pytest.skip("shipped weights models/jump_counter.keras are missing")
    return load_counter()


def test_renderer_is_deterministic_and_labels_lie_inside_the_clip():
    first, second = JumpropeRenderer(7, fps=24.0, duration_s=3.0), JumpropeRenderer(7, fps=24.0, duration_s=3.0)
    labels = first.labels()
    assert np.array_equal(labels, second.labels())
    assert np.array_equal(first.frame(20), second.frame(20))
    assert len(labels) > 0 and (np.diff(labels) > 0).all() and labels[-1] < first.n_frames


def test_side_and_oblique_views_keep_the_jumps_and_change_the_picture():
    views = {view: JumpropeRenderer(7, fps=24.0, duration_s=3.0, style="alternate", view=view)
             for view in ("front", "side", "oblique")}
    landing = int(views["front"].labels()[2])
    frames = {view: renderer.frame(landing).astype(int) for view, renderer in views.items()}
    for view in ("side", "oblique"):
        assert np.array_equal(views["front"].labels(), views[view].labels())
        assert np.abs(frames["front"] - frames[view]).mean() > 0.1
    assert np.abs(frames["side"] - frames["oblique"]).mean() > 0.1
    assert 0 < views["oblique"].yaw < 1
    with pytest.raises(ValueError, match="view"):
        JumpropeRenderer(7, view="above")


def test_stride_check_counts_every_step_when_one_foot_shows_less():
    fps = 30.0
    steps = np.cumsum(np.tile([4, 5], 30))  # 60 steps, 4.5 frames apart, one foot's peak 30 % lower
    signal = np.zeros(steps[-1] + 10, np.float32)
    signal[steps] = np.tile([1.0, 0.7], 30)
    signal = cv2.GaussianBlur(signal[None, :], (0, 0), sigmaX=1.0, sigmaY=0).ravel()  # peaks as wide as a model's
    assert abs(step_period(signal, fps) - 9) < 0.6  # the strongest repeat is the stride
    assert abs(step_period(signal, fps, stride_check=True) - 4.5) < 0.6
    assert len(track_jumps(signal, fps, stride_check=True)) == len(steps)


def test_stride_check_keeps_the_period_of_evenly_spaced_jumps():
    signal = np.zeros(300)
    signal[10:290:12] = 1.0  # two-foot bounces every 12 frames: nothing at half the period
    assert abs(step_period(signal, 30.0, stride_check=True) - 12) < 0.5


def test_stride_check_ignores_a_faint_wiggle_between_bounces():
    signal = np.zeros(300)
    signal[10:290:12] = 1.0  # two-foot bounces every 12 frames
    signal[16:290:12] = 0.08  # and a faint bump halfway (the probability of a real model wiggles)
    assert abs(step_period(signal, 30.0, stride_check=True) - 12) < 0.5


def test_stride_check_takes_the_step_from_the_stride():
    fps = 30.0
    steps = np.round(np.arange(20, 880, 4.3)).astype(int)  # 4.3 frames a step, every other step faint
    signal = np.zeros(900)
    signal[steps] = np.tile([1.0, 0.3], len(steps))[:len(steps)]
    assert abs(step_period(signal, fps, stride_check=True) - 4.3) < 0.15


def test_folds_from_two_processes_are_merged_in_the_results_file(tmp_path):
    path = tmp_path / "results.json"
    save_fold(path, "counter", {"clips": {}, "epochs": 10}, {"a": {"frames": [1]}})
    save_fold(path, "counter", {"clips": {}, "epochs": 10}, {"b": {"frames": [2]}})
    save_fold(path, "classical", {"clips": {}}, {"a": {"frames": [3]}})
    results = load_results(path)
    assert results["methods"]["counter"] == {"clips": {"a": {"frames": [1]}, "b": {"frames": [2]}}, "epochs": 10}
    assert set(results["methods"]) == {"counter", "classical"}


def test_synth_cli_writes_the_real_data_layout(tmp_path):
    result = subprocess.run([sys.executable, "-m", "motionlab", "synth", "jumprope", "--out", str(tmp_path),
                             "--videos", "2", "--seed", "3"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    videos = sorted((tmp_path / "speed_videos").glob("*.mp4"))
    assert len(videos) == 2
    for video in videos:
        labels = load_jump_labels(tmp_path / "speed_annotations" / f"{video.stem}.npy", count_frames(video))
        assert len(labels) >= 3


def test_shipped_model_counts_a_synthetic_clip_within_one(synthetic_clip, counter):
    video, labels = synthetic_clip
    result = count_video(video, counter, progress=False)
    score = score_clip(result.frames, labels)  # within the labelled span, as every clip is scored
    assert abs(score["pred"] - len(labels)) <= 1, (score, result.count)
    assert score["matched"] >= len(labels) - 1  # and the jumps sit on the labelled frames (within 2)


def test_count_json_is_one_object_with_ascending_frames_inside_the_video(synthetic_clip, counter):
    video, _ = synthetic_clip
    result = subprocess.run([sys.executable, "-m", "motionlab", "count", str(video), "--json"],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    frames = answer["frames"]
    assert answer["count"] == len(frames) > 0
    assert all(b > a for a, b in zip(frames, frames[1:]))
    assert 0 <= frames[0] and frames[-1] < count_frames(video)
    assert 24 <= answer["fps"] <= 31
    first_s, last_s = answer["jumping_span_s"]  # where the jumping starts and ends
    assert first_s == round(frames[0] / answer["fps"], 2) and last_s == round(frames[-1] / answer["fps"], 2)


@pytest.mark.parametrize("grey_level", [0, 128])
def test_a_video_with_no_motion_counts_zero(tmp_path, counter, grey_level):
    video = tmp_path / "still.mp4"
    write_video(video, (np.full((180, 320, 3), grey_level, np.uint8) for _ in range(150)), fps=30)
    result = count_video(video, counter, progress=False)
    assert result.count == 0 and result.jumping_span_s is None
    assert result.as_json()["jumping_span_s"] is None


def test_a_clip_shorter_than_one_window_is_a_clear_error(tmp_path, counter):
    short = tmp_path / "short.mp4"
    write_video(short, JumpropeRenderer(5, duration_s=0.5, fps=24.0).frames(), 24.0)
    short_frames = count_frames(short)
    assert short_frames < 16
    with pytest.raises(VideoError, match="too short"):
        count_video(short, counter, progress=False)
    result = subprocess.run([sys.executable, "-m", "motionlab", "count", str(short)], capture_output=True,
                            text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 2 and "too short" in result.stderr


def test_count_of_a_missing_file_says_so(tmp_path):
    result = subprocess.run([sys.executable, "-m", "motionlab", "count", str(tmp_path / "nope.mp4")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "no such file" in result.stderr


def test_twelve_clean_peaks_count_twelve():
    fps, period = 30.0, 5
    signal = np.zeros(100)
    jumps = np.arange(20, 20 + 12 * period, period)
    signal[jumps] = 1.0
    signal[jumps + 1] = 0.4  # a shoulder after each peak must not count twice
    assert abs(step_period(signal, fps) - period) < 0.5
    assert np.array_equal(pick_peaks(signal, 0.55 * period, 0.3), jumps)


def test_scores_count_only_inside_the_labelled_span():
    labels = np.array([10, 15, 20, 25])
    predicted = np.array([2, 11, 15, 22, 26, 60])  # 2 and 60 lie outside the span 8..27
    score = score_clip(predicted, labels)
    assert score == {"true": 4, "pred": 4, "matched": 4, "pred_whole_clip": 6}
    summary = summarise([score, {"true": 10, "pred": 12, "matched": 9, "pred_whole_clip": 12}])
    assert summary["obo"] == 0.5 and abs(summary["mae"] - 0.1) < 1e-9
    assert abs(summary["mae_whole_clip"] - (2 / 4 + 2 / 10) / 2) < 1e-9, "the whole clip counts the jumps outside too"


def test_rule_names_derive_from_their_fields_and_match_the_stored_results():
    assert str(PeakRule(0.2, 0.6, stride_check=True)) == "peaks > 0.2, refractory 0.6 period, stride check"
    assert str(PeakRule(refractory=None)) == "peaks > 0.3, 2-frame gap"
    assert str(BeatRule(0.5)) == "beat tracking, tightness 0.5" and str(ThresholdRule(0.8)).startswith("every frame > 0.8")
    stored = load_results()  # the shipped results file keys its rule table by these names
    assert list(stored["rule_selection"]["synthetic"]) == list(RULES)
    assert stored["rule_selection"]["rule"] == str(COUNT_RULE)
    probabilities = np.zeros(60)
    probabilities[10:50:8] = 0.9
    assert np.array_equal(ThresholdRule()(probabilities, 30.0), np.arange(10, 50, 8))


def test_no_jump_videos_train_as_all_zero_windows_over_the_whole_video(synthetic_clip, tmp_path):
    from motionlab.jumps.data import Clip
    from motionlab.jumps.training import NEGATIVE_STRIDE, CounterWindows

    video, labels = synthetic_clip
    np.save(tmp_path / "labels.npy", labels)
    still = tmp_path / "still.mp4"
    write_video(still, (np.full((120, 160, 3), 90, np.uint8) for _ in range(100)), 25)
    windows = CounterWindows([Clip("jumps", video, tmp_path / "labels.npy")], negatives=[still], augment=False)
    from_still = windows.index[windows.index[:, 0] == 1, 1]
    assert from_still.tolist() == list(range(0, 100 - windows.window + 1, NEGATIVE_STRIDE)), "the whole video, spaced"
    assert not windows.targets[1].any() and windows.targets[0].max() == 1.0
    batch_x, batch_y = windows[0]
    assert batch_x.shape[1:] == (windows.window, 64, 64, 2) and batch_y.shape[1] == windows.window


def test_the_quva_split_keeps_each_activity_on_one_side_and_is_fixed():
    from pathlib import Path

    from motionlab.jumps.negatives import quva_activity, quva_held_out

    names = ["028_bar_lift", "029_bar_lift", "052_stirring", "053_stirring", "004_table_tennis", "020_fitness"]
    sides = {name: quva_held_out(Path(f"{name}.mp4")) for name in names}
    for name in names:
        same_activity = [other for other in names if quva_activity(Path(other)) == quva_activity(Path(name))]
        assert {sides[other] for other in same_activity} == {sides[name]}
    assert sides["028_bar_lift"] and sides["052_stirring"] and not sides["004_table_tennis"], "the split stated in advance"


@pytest.mark.parametrize("effect", ["small", "pip", "letterbox", "handheld"])
def test_framing_effects_keep_size_and_labels_and_change_the_picture(tmp_path, effect):
    from motionlab.video import read_frames

    plain_video, plain_labels = render_jumprope(tmp_path / "plain", "clip", seed=77, framing="landscape", duration_s=2.0)
    video, labels = render_jumprope(tmp_path / effect, "clip", seed=77, framing="landscape", duration_s=2.0,
                                    effect=effect)
    plain, framed = read_frames(plain_video).astype(np.float32), read_frames(video).astype(np.float32)
    assert framed.shape == plain.shape and np.array_equal(np.load(labels), np.load(plain_labels))
    assert np.abs(framed - plain).mean() > 10, "the effect changes the picture"
    moving = np.abs(np.diff(framed, axis=0)).mean(axis=(0, 3)) > 2  # pixels that change between frames
    if effect in ("small", "pip"):
        assert moving.mean() < 0.5 * (np.abs(np.diff(plain, axis=0)).mean(axis=(0, 3)) > 2).mean() + 0.02, \
            "the athlete's motion is confined to a smaller part of the frame"
    if effect == "letterbox":
        assert framed[:, :20].max() < 40 and framed[:, -5:].max() < 255, "a black bar above the picture"
    again, _ = render_jumprope(tmp_path / "again", "clip", seed=77, framing="landscape", duration_s=2.0, effect=effect)
    assert np.array_equal(read_frames(again), read_frames(video)), "the same seed gives the same clip"


def test_an_unknown_framing_effect_is_refused(tmp_path):
    with pytest.raises(ValueError, match="effect must be one of"):
        render_jumprope(tmp_path, "clip", seed=1, effect="fisheye")


def test_style_tables_summarise_each_style_and_framing_apart():
    from motionlab.jumps.styles import tables

    rows = [{"style": "bounce", "framing": "pip", "true": 10, "pred": 5, "matched": 5, "pred_whole_clip": 6},
            {"style": "bounce", "framing": "plain", "true": 10, "pred": 10, "matched": 10, "pred_whole_clip": 12},
            {"style": "alternate", "framing": "pip", "true": 20, "pred": 20, "matched": 19, "pred_whole_clip": 20}]
    table = tables(rows)
    assert table["style"]["bounce"]["mae"] == pytest.approx(0.25) and table["style"]["alternate"]["mae"] == 0
    assert table["framing"]["pip"]["mae"] == pytest.approx(0.25) and table["framing"]["plain"]["mae_whole_clip"] == 0.2
    assert table["all"]["all"]["clips"] == 3


def test_labelled_runs_are_added_and_replaced_by_label(tmp_path):
    from motionlab.jumps.results import store_run

    path = tmp_path / "runs.json"
    store_run(path, "shipped", {"count": 1})
    store_run(path, "candidate", {"count": 2})
    stored = store_run(path, "shipped", {"count": 3})
    assert stored == json.loads(path.read_text()) == {"shipped": {"count": 3}, "candidate": {"count": 2}}


def test_phone_clips_pair_each_labels_file_with_its_video(tmp_path):
    from motionlab.jumps.phone_clips import phone_clips

    (tmp_path / "labels" / "speed_annotations").mkdir(parents=True)
    (tmp_path / "videos").mkdir()
    for name in ("a", "b"):
        np.save(tmp_path / "labels" / "speed_annotations" / f"{name}.npy", np.array([3, 9], np.int32))
    (tmp_path / "videos" / "a.mp4").write_bytes(b"")
    (tmp_path / "videos" / "c.mp4").write_bytes(b"")  # a video without labels is not a labelled clip
    clips = phone_clips(tmp_path / "videos", tmp_path / "labels")
    assert [(c.name, c.video.name) for c in clips] == [("a", "a.mp4")]


def test_our_labels_of_the_phone_clips_lie_inside_their_videos():
    from motionlab.jumps.data import LABELLED_HERE_DIR, UNLABELLED_DIR
    from motionlab.jumps.phone_clips import phone_clips

    labels = sorted((LABELLED_HERE_DIR / "speed_annotations").glob("*.npy"))
    assert labels, "the labels made here are part of the repository"
    if not UNLABELLED_DIR.is_dir():
        pytest.skip(f"{UNLABELLED_DIR}: not here")
    clips = phone_clips()
    assert len(clips) == len(labels)
    for clip in clips:
        frames = load_jump_labels(clip.labels, probe_video(clip.video).frame_count)  # raises if outside the video
        assert len(frames) >= 3 and np.all(np.diff(frames) >= 8)  # bounces at 30 frames/s: >= 8 frames apart


def test_idle_poses_walk_on_alternate_feet_and_swing_the_rope_with_feet_down():
    from motionlab.synth.jumprope_plan import idle_pose

    walking = [idle_pose("walk", 2.0, t) for t in np.arange(0, 1.0, 0.05)]
    assert max(p.foot_lift[0] for p in walking) > 0 and max(p.foot_lift[1] for p in walking) > 0
    assert all(min(p.foot_lift) == 0 for p in walking) and not any(p.rope_moving for p in walking)
    swinging = [idle_pose("swing", 2.0, t) for t in (0.0, 0.1, 0.2)]
    assert all(p.rope_moving and p.foot_lift == (0.0, 0.0) and p.body_lift == 0 for p in swinging)
    assert len({round(p.rope_angle, 3) for p in swinging}) == 3
    with pytest.raises(ValueError, match="idle activity"):
        idle_pose("dance", 2.0, 0.0)


def test_idle_clips_move_before_and_after_the_jumps_without_labels_there():
    plain, idle = JumpropeRenderer(5), JumpropeRenderer(5, idle=True)
    assert np.array_equal(plain.frame(3), JumpropeRenderer(5).frame(3))  # idle=False clips are unchanged
    assert len(idle.labels()) == len(plain.labels())  # the same jumps, later in a longer clip
    lead = idle.labels()[0] - plain.labels()[0]
    assert lead >= idle.fps * 1.0 - 1 and idle.n_frames > plain.n_frames + lead
    assert idle.plan.before != "stand" or idle.plan.after != "stand"
    moving = idle.plan.before != "stand"
    frames = [idle.frame(i).astype(np.int16) for i in (2, 6)]
    assert (np.abs(frames[1] - frames[0]).mean() > 0.5) == moving  # walking or rope turning shows, no label


def test_decoding_keeps_only_the_frames_the_counter_reads(tmp_path):
    from motionlab.jumps.data import counter_frame_step, read_small_gray

    video = tmp_path / "sixty.mp4"
    write_video(video, JumpropeRenderer(8, duration_s=1.0, fps=60.0).frames(), 60.0)
    every_frame, fps = read_small_gray(video, progress=False)
    step = counter_frame_step(fps)
    kept, _ = read_small_gray(video, progress=False, every=step)
    assert step == 2 and counter_frame_step(30.0) == 1 and counter_frame_step(25.0) == 1
    assert np.array_equal(kept, every_frame[::step])  # the same frames, half the memory
    assert kept.base is None or kept.base.shape[0] < 2 * len(kept)  # no oversized buffer kept alive


def test_a_sixty_frames_per_second_clip_counts_in_its_own_frame_numbers(tmp_path, counter):
    renderer = JumpropeRenderer(8, fps=60.0, style="bounce")
    video = tmp_path / "sixty.mp4"
    write_video(video, renderer.frames(), 60.0)
    result = count_video(video, counter, progress=False)
    assert result.frame_step == 2 and abs(result.n_frames - renderer.n_frames) <= 1
    assert result.count > 0 and result.frames.max() < renderer.n_frames and np.all(result.frames % 2 == 0)


def test_interpolated_frames_keep_the_originals_and_blend_between_them():
    from motionlab.jumps.counting import interpolate_frames, upsampling_factor

    frames = np.stack([np.full((4, 4), value, np.uint8) for value in (0, 100, 200)])
    doubled = interpolate_frames(frames, 2)
    assert doubled.shape == (5, 4, 4) and np.array_equal(doubled[::2], frames)
    assert np.all(doubled[1] == 50) and np.all(doubled[3] == 150)
    assert upsampling_factor(15.0) == 2 and upsampling_factor(10.0) == 3
    assert upsampling_factor(20.0) == 1 and upsampling_factor(29.97) == 1


def test_a_fast_speed_step_at_fifteen_frames_per_second_is_not_counted_at_half_its_steps(tmp_path, counter):
    renderer = JumpropeRenderer(5025, style="alternate", fps=15.0, duration_s=8.0)  # a styles-grid clip, 34 steps
    video = tmp_path / "fifteen.mp4"
    write_video(video, renderer.frames(), 15.0)
    truth = len(renderer.labels())
    result = count_video(video, counter, progress=False)
    at_own_rate = count_video(video, counter, progress=False, upsample=False)
    assert result.frame_step == 0.5 and len(result.probabilities) == 2 * (renderer.n_frames - 1) + 1
    assert abs(result.count - truth) <= 2 and result.frames.max() < renderer.n_frames
    assert at_own_rate.count < 0.75 * truth  # what upsampling mends: every other step was lost
