"""The cross-camera speed model: windows fixed in seconds whatever the frame rate, gaps flagged, an untrained model
that equals the geometry's one-second mean, cameras drawn inside the promised ranges, and a save/load round trip."""


import keras
import numpy as np
import pytest

from motionlab.speed import cross_camera
from motionlab.speed.cross_camera import WINDOW_SAMPLES, build_model, random_camera, window_features
from motionlab.synth.dashcam import check_camera


def step_series(fps: float, seconds: float = 10.0, step_s: float = 5.0) -> np.ndarray:
    """Raw pair speeds: 10 m/s, then 20 m/s from step_s on."""
    times = np.arange(int(seconds * fps)) / fps
    return np.where(times < step_s, 10.0, 20.0)


def test_windows_span_the_same_seconds_at_every_frame_rate():
    windows = {fps: window_features(step_series(fps), fps) for fps in (10.0, 30.0)}
    # the pair 1 s before the step: the step sits at the same place in both windows
    at_10, at_30 = windows[10.0][40], windows[30.0][120]
    np.testing.assert_allclose(at_10[:, 0], at_30[:, 0], atol=0.5 / cross_camera.SPEED_SCALE_MPS)
    assert at_10[0, 0] * cross_camera.SPEED_SCALE_MPS == pytest.approx(10.0)
    assert at_10[-1, 0] * cross_camera.SPEED_SCALE_MPS == pytest.approx(20.0)


def test_gaps_are_filled_from_neighbours_and_flagged():
    raw = np.full(100, 15.0)
    raw[50] = np.nan
    features = window_features(raw, 10.0)
    assert np.all(np.isfinite(features))
    np.testing.assert_allclose(features[..., 0] * cross_camera.SPEED_SCALE_MPS, 15.0, rtol=1e-6)
    assert features[50, WINDOW_SAMPLES // 2, 1] == 0 and features[40, WINDOW_SAMPLES // 2, 1] == 1


def test_an_untrained_model_answers_the_one_second_mean(tmp_path):
    model = build_model()
    raw = np.linspace(5.0, 25.0, 300)  # steady acceleration: the centred mean is the centre value
    fps = 20.0
    predicted = model.predict(window_features(raw, fps), verbose=0)[:, 0]
    np.testing.assert_allclose(predicted[50:250], raw[50:250], atol=0.05)
    model.save(tmp_path / "model.keras")
    again = keras.models.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(again.predict(window_features(raw, fps), verbose=0)[:, 0], predicted, atol=1e-5)


def test_training_cameras_are_reproducible_and_inside_the_ranges():
    assert random_camera(400) == random_camera(400)
    cameras = [random_camera(seed) for seed in (*cross_camera.TRAIN_SEEDS, *cross_camera.VALIDATION_SEEDS)]
    for camera, fps in cameras:
        check_camera(camera)
        assert cross_camera.FOCAL_RANGE_PX[0] <= camera.focal_px <= cross_camera.FOCAL_RANGE_PX[1]
        assert cross_camera.HEIGHT_RANGE_M[0] <= camera.camera_height_m <= cross_camera.HEIGHT_RANGE_M[1]
        assert abs(camera.pitch_deg) <= 3 and 10 <= fps <= 30
    assert len({(camera.width_px, camera.height_px) for camera, _ in cameras}) >= 5
    assert 0 < sum(camera.hood_row is not None for camera, _ in cameras) < len(cameras)
