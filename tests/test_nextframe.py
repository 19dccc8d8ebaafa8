"""Next-frame prediction: regenerated Moving MNIST, the activity split, metrics, baselines, models and predict-next."""

import json

import keras
import numpy as np
import pytest

from motionlab.__main__ import main
from motionlab.nextframe import data, evaluate, losses, metrics
from motionlab.nextframe.models import PredictorSpec, build_predictor
from motionlab.nextframe.predict import predict_frames
from motionlab.nextframe.training import MovingDigitBatches, TrainingClock, WallClockCosine, split_sequences
from motionlab.video import write_video

TINY = PredictorSpec("simvp", 3, 1, (16, 16), 1, residual=True, width=16, patch=4, blocks=1)  # a fast model


def square_video(path, frames=12, size=48):
    """Write a gray video of a bright square moving 2 px right per frame; return its path."""
    video = np.zeros((frames, size, size), np.uint8)
    for index in range(frames):
        video[index, 16:28, 4 + 2 * index:16 + 2 * index] = 220
    write_video(path, video, 10.0)
    return path


@pytest.fixture(scope="module")
def tiny_model_path(tmp_path_factory):
    """A residual predictor whose last layer is zero: it predicts exactly the last frame."""
    path = tmp_path_factory.mktemp("nextframe") / "tiny.keras"
    build_predictor(TINY).save(path)
    return path


def test_moving_digits_are_regenerated_exactly_and_stay_on_the_canvas():
    digits = data.synthetic_digits(20, seed=3)[0]
    first = data.moving_digits(digits, 4, seed=11)
    assert first.shape == (4, 20, 64, 64) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, data.moving_digits(digits, 4, seed=11))
    assert not np.array_equal(first, data.moving_digits(digits, 4, seed=12))
    ink = (first > 0).sum(axis=(2, 3))
    assert (ink > 0).all()  # both digits stay inside 64x64 in every frame: never an empty frame
    assert np.array_equal(first[1], data.moving_digits(digits, 1, seed=12)[0])  # sequence i comes from seed + i


def test_digit_splits_are_disjoint_and_missing_mnist_falls_back_to_synthetic(tmp_path, capsys):
    ranges = sorted(data.DIGIT_SPLITS.values())
    assert all(stop <= start for (_, stop), (start, _) in zip(ranges, ranges[1:]))
    digits = data.load_digits("val", root=tmp_path)
    assert digits.source == "synthetic" and digits.images.shape == (1000, 28, 28)
    assert "no MNIST digits" in capsys.readouterr().out
    assert "synthetic" in digits.description
    with pytest.raises(ValueError, match="split"):
        data.load_digits("holdout", root=tmp_path)


def test_real_video_split_keeps_each_activity_on_one_side():
    videos = [data.RealVideo(f"{i:03d}_{activity}", None, activity, "quva")
              for i, activity in enumerate(["run"] * 4 + ["swim"] * 3 + ["cook"] * 2 + ["jump"] * 5 + ["lift"])]
    split = data.split_real_videos(videos)
    sides = {}
    for side, members in split.items():
        for video in members:
            sides.setdefault(video.activity, set()).add(side)
    assert all(len(found) == 1 for found in sides.values())
    assert sum(len(members) for members in split.values()) == len(videos)
    assert split["train"] and split["test"]


def test_frame_windows_are_consecutive_runs():
    clip = np.arange(8)[:, None, None, None] * np.ones((8, 2, 2, 1), np.uint8)
    windows = data.frame_windows([clip, clip[:3]], 4)
    assert windows.shape == (5, 4, 2, 2, 1)  # the 3-frame clip is too short for a window
    np.testing.assert_array_equal(windows[2, :, 0, 0, 0], [2, 3, 4, 5])


def test_metrics_follow_the_published_convention():
    truth = np.zeros((2, 3, 64, 64, 1))
    half = np.full_like(truth, 0.5)
    assert metrics.mse_per_frame(truth, half).mean() == pytest.approx(0.25 * 64 * 64)  # summed over pixels
    scores = metrics.score(truth, truth)
    assert scores["mse"] == 0 and scores["ssim"] == pytest.approx(1.0) and scores["psnr"] == 100.0
    assert metrics.psnr_per_frame(truth, half).mean() == pytest.approx(10 * np.log10(4))
    gray_step = metrics.perceptual_distance(truth, np.full_like(truth, 0.1)).mean()
    assert gray_step == pytest.approx(25.5 * np.sqrt(512 / 256 + 4 + 767 / 256), rel=1e-3)  # redmean, R = G = B
    with pytest.raises(ValueError, match="shape"):
        metrics.mse_per_frame(truth, truth[:, :2])


def test_ssim_loss_matches_numpy_ssim():
    rng = np.random.default_rng(0)
    truth = rng.random((2, 1, 32, 32, 1)).astype(np.float32)
    guess = np.clip(truth + rng.normal(0, 0.2, truth.shape), 0, 1).astype(np.float32)
    expected = 1 - metrics.ssim_per_frame(truth, guess).mean(axis=1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(losses.ssim_loss(truth, guess)), expected, atol=2e-4)
    assert float(keras.ops.mean(losses.ssim_loss(truth, truth))) == pytest.approx(0.0, abs=1e-5)


def test_baselines_linear_extrapolation_continues_a_ramp():
    context = (np.arange(4, dtype=np.float32) / 10)[None, :, None, None, None] * np.ones((1, 4, 2, 2, 1))
    np.testing.assert_allclose(evaluate.linear_extrapolation(context, 2)[0, :, 0, 0, 0], [0.4, 0.5])
    np.testing.assert_allclose(evaluate.copy_last(context, 2)[0, :, 0, 0, 0], [0.3, 0.3])
    table, _ = evaluate.predictions_table(context[:, 2:], context[:, :2], {}, with_ssim=False)
    assert table.loc["linear extrapolation", "MSE per frame"] == pytest.approx(0, abs=1e-9)
    assert table.loc["copy last frame", "MSE / copy-last"] == 1.0


@pytest.mark.parametrize("architecture, steps", [("simvp", 4), ("convlstm", 1), ("conv3d_hybrid", 1)])
def test_each_architecture_maps_frames_to_frames_and_survives_saving(architecture, steps, tmp_path):
    spec = PredictorSpec(architecture, 3, steps, (16, 16), 1, residual=architecture == "conv3d_hybrid", width=8)
    model = build_predictor(spec)
    frames = np.random.default_rng(1).random((2, 3, 16, 16, 1)).astype(np.float32)
    out = model.predict_on_batch(frames)
    assert out.shape == (2, 3 if architecture == "convlstm" else steps, 16, 16, 1)
    assert out.min() >= 0 and out.max() <= 1
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras", compile=False)
    np.testing.assert_allclose(again.predict_on_batch(frames), out, atol=1e-6)
    assert predict_frames(model, frames, 5).shape == (2, 5, 16, 16, 1)  # fed back to five frames


def test_an_untrained_residual_model_starts_at_copy_last():
    model = build_predictor(TINY)
    context = np.random.default_rng(2).random((3, 3, 16, 16, 1)).astype(np.float32)
    np.testing.assert_allclose(predict_frames(model, context, 2), evaluate.copy_last(context, 2), atol=1e-6)
    with pytest.raises(ValueError, match="patch"):
        build_predictor(PredictorSpec("simvp", 3, 1, (18, 18), 1, residual=True))


def test_training_batches_and_clock():
    spec = PredictorSpec("simvp", 10, 10, (64, 64), 1, residual=False, width=16, blocks=1)
    digits = data.synthetic_digits(10, seed=0)[0]
    batches = MovingDigitBatches(digits, 2, 3, spec, "direct")
    x, y = batches[1]
    assert x.shape == (2, 10, 64, 64, 1) and y.shape == (2, 10, 64, 64, 1)
    x_again, _ = batches[1]
    np.testing.assert_array_equal(x, x_again)
    batches.on_epoch_end()
    assert not np.array_equal(batches[1][0], x)  # a fresh batch every epoch
    sequence_x, sequence_y = split_sequences(np.concatenate([x, y], axis=1), spec, "sequence")
    np.testing.assert_array_equal(sequence_x[:, 1:], sequence_y[:, :-1])
    model = build_predictor(spec)
    model.compile("adam", "mse")
    clock = TrainingClock(0.0, x, y)  # budget spent at once: one epoch only
    history = model.fit(batches, epochs=4, callbacks=[clock], verbose=0)
    assert len(history.history["loss"]) == 1
    assert history.history["val_rollout_mse"][0] > 0 and "elapsed_s" in history.history


def test_predict_next_json_on_a_video(tmp_path, tiny_model_path, capsys):
    video = square_video(tmp_path / "square.mp4")
    out = tmp_path / "pair.mp4"
    assert main(["predict-next", str(video), "--model", str(tiny_model_path), "--json", "--quiet",
                 "--out", str(out), "--steps", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"model", "frames", "size", "context", "steps", "mse", "mse_copy_last", "ssim",
                           "ssim_copy_last"}
    assert (result["frames"], result["size"], result["context"], result["steps"]) == (12, [16, 16], 3, 2)
    assert result["mse"] == pytest.approx(result["mse_copy_last"], rel=1e-4)  # the model is copy-last
    assert result["mse_copy_last"] > 0 and 0 < result["ssim_copy_last"] < 1
    from motionlab.video import probe_video
    info = probe_video(out)
    assert (info.width, info.height) == (34, 16)  # truth | 2-px bar | prediction


def test_predict_next_bad_inputs_exit_2_with_one_line(tmp_path, tiny_model_path, capsys):
    video = square_video(tmp_path / "square.mp4", frames=3)
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    wrong = tmp_path / "dense.keras"
    inputs = keras.Input((4,))
    keras.Model(inputs, keras.layers.Dense(1)(inputs)).save(wrong)
    cases = [([str(tmp_path / "missing.mp4")], "no such file"),
             ([str(text)], "cannot open"),
             ([str(video), "--model", str(tiny_model_path)], "fewer than --context 3 + --steps 1"),
             ([str(video), "--model", str(tiny_model_path), "--steps", "0"], "--steps 0"),
             ([str(video), "--model", str(tiny_model_path), "--context", "4"], "reads exactly 3"),
             ([str(video), "--model", str(wrong)], "not a frame predictor"),
             ([str(video), "--model", "nonsense"], "expected one of"),
             ([str(video), "--model", str(tiny_model_path), "--out", str(tmp_path)], "is a directory")]
    for arguments, message in cases:
        assert main(["predict-next", *arguments, "--quiet"]) == 2
        error = capsys.readouterr().err.strip()
        assert message in error and "\n" not in error and "Traceback" not in error
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dense.keras", "notes.mp4", "square.mp4"]


def test_missing_real_video_falls_back_to_labelled_synthetic_clips(tmp_path, capsys):
    split = data.load_video_split("color96", shared=tmp_path)
    assert split.source == "synthetic" and "no QUVA or jump-rope videos" in capsys.readouterr().out
    assert split.frames["test"][0].shape == (60, 96, 96, 3) and split.frames["test"][0].dtype == np.uint8
    assert not set(split.names["train"]) & set(split.names["test"])
    with pytest.raises(ValueError, match="variant"):
        data.load_video_split("gray32", shared=tmp_path)


def test_flow_warp_carries_a_moving_square_one_step_further():
    from motionlab.nextframe.models import FlowWarpPredictor

    frames = np.zeros((1, 3, 64, 64, 1), np.float32)
    for index in range(3):
        frames[0, index, 20:36, 10 + 3 * index:26 + 3 * index] = 0.9  # 3 px right per frame
    predictor = FlowWarpPredictor((64, 64), 1, steps=1)
    predicted = predict_frames(predictor, frames[:, :2], 1)
    error_warp = np.square(predicted - frames[:, 2:]).sum()
    error_copy = np.square(evaluate.copy_last(frames[:, :2], 1) - frames[:, 2:]).sum()
    assert error_warp < 0.5 * error_copy


def test_the_blend_is_the_weighted_mean_of_warp_and_last_frame_and_refuses_other_weights():
    from motionlab.nextframe.models import FlowWarpPredictor

    frames = np.random.default_rng(3).random((2, 2, 32, 32, 1)).astype(np.float32)
    warp = FlowWarpPredictor((32, 32), 1, steps=1).predict_on_batch(frames)
    blend = FlowWarpPredictor((32, 32), 1, steps=1, warp_weight=0.7).predict_on_batch(frames)
    np.testing.assert_allclose(blend, 0.7 * warp + 0.3 * frames[:, -1:], atol=1e-6)
    with pytest.raises(ValueError, match="warp_weight"):
        FlowWarpPredictor((32, 32), warp_weight=1.5)


@pytest.mark.parametrize(("model", "context"), [("flow_warp", 2), ("flow_blend", 2), ("dis_blend", 5)])
def test_predict_next_with_the_classical_predictors(tmp_path, capsys, model, context):
    video = square_video(tmp_path / "square.mp4", frames=10)
    assert main(["predict-next", str(video), "--model", model, "--json", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["context"] == context and result["size"] == [64, 64] and result["mse"] < result["mse_copy_last"]


def translating_texture(frames=6, step_px=(1.5, -1.0), size=64, seed=0):
    """Return (1, frames, size, size, 1) float32 frames of a smooth random texture moving step_px (x, y) per frame."""
    import cv2

    texture = cv2.GaussianBlur(np.random.default_rng(seed).random((2 * size, 2 * size)).astype(np.float32), (0, 0), 2)
    texture = (texture - texture.min()) / (texture.max() - texture.min())
    shifted = [cv2.warpAffine(texture, np.float32([[1, 0, step_px[0] * index], [0, 1, step_px[1] * index]]),
                              (2 * size, 2 * size), flags=cv2.INTER_LINEAR)[size // 2:size // 2 + size,
                                                                             size // 2:size // 2 + size]
               for index in range(frames)]
    return np.stack(shifted)[None, ..., None]


def test_dis_blend_beats_copy_last_and_flow_blend_on_a_translating_texture():
    from motionlab.nextframe.predict import load_predictor

    frames = translating_texture()
    context, truth = frames[:, :5], frames[:, 5:]
    error = {name: np.square(predict_frames(load_predictor(name), context, 1) - truth).sum()
             for name in ("dis_blend", "flow_blend")}
    error_copy = np.square(evaluate.copy_last(context, 1) - truth).sum()
    assert error["dis_blend"] < 0.5 * error_copy and error["dis_blend"] < error["flow_blend"]


def test_skipping_repeats_carries_the_motion_on_past_a_repeated_frame():
    from motionlab.nextframe.models import FlowWarpPredictor, latest_moving_pair, repeated_pairs

    moving = translating_texture(frames=6)
    frames = np.concatenate([moving[:, :4], moving[:, 3:4], moving[:, 5:6]], axis=1)  # frame 4 repeats frame 3
    gray = np.clip(frames[0, :5, ..., 0] * 255 + 0.5, 0, 255).astype(np.uint8)
    assert repeated_pairs(gray).tolist() == [False, False, False, True] and latest_moving_pair(gray) == 2
    context, truth = frames[:, :5], frames[:, 5:]
    errors = [np.square(FlowWarpPredictor((64, 64), 1, 1, 1.0, "dis", skip, 5).predict_on_batch(context) - truth).sum()
              for skip in (False, True)]
    error_copy = np.square(evaluate.copy_last(context, 1) - truth).sum()
    assert errors[0] == pytest.approx(error_copy, rel=0.05)  # the repeat has no flow: the warp is the last frame
    assert errors[1] < 0.6 * errors[0]  # the motion of the pair before the repeat carries on
    with pytest.raises(ValueError, match="flow"):
        FlowWarpPredictor((64, 64), flow="lucas_kanade")


def test_selection_chooses_the_lowest_validation_error_and_the_shipped_settings_are_its_choice():
    from motionlab.cache import MODELS_DIR
    from motionlab.nextframe import selection
    from motionlab.nextframe.predict import CLASSICAL

    moving = np.concatenate([translating_texture(seed=seed) for seed in range(3)])
    noise = 0.01 * np.random.default_rng(5).standard_normal(moving[:, 4:5].shape).astype(np.float32)
    stopped = np.concatenate([moving[:, :5], moving[:, 4:5] + noise], axis=1)  # the motion stops: copy-last wins
    for frames, weights in ((moving, (0.9, 1.0)), (stopped, (0.0,))):
        result = selection.choose(frames[:, :5], frames[:, 5:], candidates=(("dis", True),))
        grid = result["grid"][0]["mse_vs_copy_last"]
        assert result["best"]["warp_weight"] in weights and result["best"]["mse_vs_copy_last"] == min(grid)
    stored = json.loads((MODELS_DIR / "nextframe_results.json").read_text())["validation_choice"]["gray64"]
    assert "validation videos" in stored["data"] and "test" not in stored["data"]
    assert stored["best"] == {**stored["best"], "flow": CLASSICAL["dis_blend"]["flow"],
                              "skip_repeats": CLASSICAL["dis_blend"]["skip_repeats"],
                              "warp_weight": CLASSICAL["dis_blend"]["warp_weight"]}


def test_a_warp_input_model_loads_as_a_context_predictor_starting_at_the_warp(tmp_path):
    from motionlab.nextframe.models import FlowWarpPredictor
    from motionlab.nextframe.predict import load_predictor, model_geometry

    spec = PredictorSpec("simvp", 3, 1, (16, 16), 1, residual=True, width=16, blocks=1, warp_input=True)
    build_predictor(spec).save(tmp_path / "warp.keras")
    predictor = load_predictor(tmp_path / "warp.keras")
    assert model_geometry(predictor)["context"] == 3
    frames = np.random.default_rng(4).random((2, 3, 16, 16, 1)).astype(np.float32)
    expected = FlowWarpPredictor((16, 16), 1).predict_on_batch(frames[:, -2:])
    np.testing.assert_allclose(predict_frames(predictor, frames, 1), expected, atol=1e-6)


def test_wall_clock_cosine_starts_at_the_peak_and_ends_at_the_floor(monkeypatch):
    model = build_predictor(PredictorSpec("simvp", 2, 1, (16, 16), 1, residual=True, width=16, blocks=1))
    model.compile(keras.optimizers.Adam(1.0), "mse")
    schedule = WallClockCosine(peak=2e-3, budget_s=100.0, floor=0.05)
    schedule.set_model(model)
    now = [1000.0]
    monkeypatch.setattr("motionlab.nextframe.training.time.monotonic", lambda: now[0])
    rates = []
    schedule.on_train_begin()
    for spent in (0.0, 50.0, 100.0, 250.0):  # seconds since fit began; past the budget it stays at the floor
        now[0] = 1000.0 + spent
        schedule.on_train_batch_begin(0)
        rates.append(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)))
    np.testing.assert_allclose(rates, [2e-3, 2e-3 * (0.05 + 0.95 * 0.5), 1e-4, 1e-4], rtol=1e-5)
    logs = {}
    schedule.on_epoch_end(0, logs)
    assert logs["learning_rate"] == pytest.approx(1e-4, rel=1e-5)
