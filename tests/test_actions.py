"""Action classification behaviour: the synthetic fallback, baselines that score known clips, models of the promised
shapes, classify_video's JSON, and the classify command's bad-input contract (exit 2, one line)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from motionlab.__main__ import main
from motionlab.actions import predict
from motionlab.actions.baselines import clip_descriptor, majority, motion_history, nearest_neighbour
from motionlab.actions.data import SYNTH_CLASSES, WEIZMANN_CLASSES, WEIZMANN_DIR, actor_of, person_of, render_action, synthetic
from motionlab.actions.evaluate import clip_probabilities, evaluate_method, parse_method, summarise
from motionlab.actions.models import ARCHITECTURES, build_model
from motionlab.clips import ClipDataset
from motionlab.video import write_video

FAST = os.environ.get("MOTIONLAB_FAST") == "1"


@pytest.fixture(scope="module")
def synthetic_data(tmp_path_factory):
    """Three synthetic actors, one take of each of the four actions."""
    return synthetic(tmp_path_factory.mktemp("synthetic"), actors=3, takes=1)


@pytest.fixture(scope="module")
def random_weizmann_model(tmp_path_factory):
    """An untrained model of the shipped Weizmann model's input and output shape, saved as .keras."""
    path = tmp_path_factory.mktemp("models") / "random.keras"
    build_model("cnn_gru", predict.SHIPPED["weizmann"].sampling.sample_shape, len(WEIZMANN_CLASSES)).save(path)
    return path


def run_classify(*arguments):
    """Run `python -m motionlab classify ...` in a new process and return the finished process."""
    return subprocess.run([sys.executable, "-m", "motionlab", "classify", *map(str, arguments)],
                          capture_output=True, text=True, timeout=300)


def classify_here(capsys, *arguments):
    """Run the classify command in this process; return (exit status, stdout, stderr)."""
    status = main(["classify", *map(str, arguments)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_group_names_come_from_the_file_names():
    assert actor_of("weizmann/run/lena_run1.avi") == "lena"
    assert person_of("gestures/wave/PS7A2P3T1.avi") == "P3"
    with pytest.raises(ValueError, match="gesture file name"):
        person_of("wave.avi")


def test_synthetic_actions_are_reproducible_silhouettes_that_move(synthetic_data):
    paths, labels, names = synthetic_data.videos()
    assert synthetic_data.synthetic and names == sorted(SYNTH_CLASSES) and len(paths) == 12
    assert sorted({actor_of(p) for p in paths}) == ["synth0", "synth1", "synth2"]
    first, again = render_action("walk", 1, 0, 20), render_action("walk", 1, 0, 20)
    assert np.array_equal(first, again) and set(np.unique(first)) <= {0, 255}
    walk_x = [np.nonzero(frame)[1].mean() for frame in first[[0, -1]]]
    assert abs(walk_x[1] - walk_x[0]) > 10  # a walker crosses the frame
    wave = render_action("wave", 1, 0, 20)
    assert abs(np.nonzero(wave[-1])[1].mean() - np.nonzero(wave[0])[1].mean()) < 5  # a waver stays put


def test_motion_history_is_newest_where_it_moved_last():
    frames = np.zeros((5, 10, 10, 1), np.uint8)
    for t in range(5):
        frames[t, 4, 2 * t] = 255  # one dot hopping right
    history = motion_history(frames)
    assert history[4, 8] == 1.0 and 0 < history[4, 0] < history[4, 2] < history[4, 4] < 1.0 and history[0, 0] == 0


def test_baselines_predict_what_they_should():
    assert majority(np.array([2, 2, 1]), 3, 4).argmax(1).tolist() == [2, 2, 2]
    train = np.eye(3, dtype=np.float32)
    predicted = nearest_neighbour(train, np.array([5, 6, 7]) - 5, np.array([[0.1, 0.9, 0.0]], np.float32), 3)
    assert predicted.argmax(1).tolist() == [1]
    with pytest.raises(ValueError, match="descriptor"):
        clip_descriptor(np.zeros((3, 4, 4, 1), np.uint8), "hog")


def test_nearest_mhi_beats_chance_on_unseen_synthetic_actors(synthetic_data, tmp_path):
    results = evaluate_method(synthetic_data, "nn_mhi", epochs=0, results_dir=tmp_path)
    assert summarise(results)["accuracy"] >= 0.5  # chance is 0.25
    assert summarise(evaluate_method(synthetic_data, "majority", 0, tmp_path))["accuracy"] <= 0.34


def test_method_names_parse_and_bad_ones_are_refused():
    assert parse_method("cnn_gru_diff") == ("cnn_gru", "diff", None)
    assert parse_method("single_frame_gray") == ("single_frame", None, 1)
    assert parse_method("nn_mhi") == ("nn_mhi", None, None)
    with pytest.raises(ValueError, match="method"):
        parse_method("lstm")
    assert parse_method("conv3d_diff@patient") == ("conv3d", "diff", None)
    with pytest.raises(ValueError, match="recipe"):
        parse_method("conv3d@nonsense")


def test_a_recipe_changes_the_sampling_and_training_it_names(synthetic_data):
    from motionlab.actions.evaluate import method_sampling, recipe_options, training_dataset
    from motionlab.actions.recipes import RECIPES

    recipe = RECIPES["gesture_crop"]
    sampling = method_sampling(synthetic_data, "conv3d@gesture_crop")
    assert (sampling.motion, sampling.crop, sampling.size) == ("diff", "motion", (48, 48))
    assert method_sampling(synthetic_data, "conv3d") == synthetic_data.sampling
    assert recipe_options("cnn_gru@gesture_crop")["patience"] == recipe.patience != RECIPES["base"].patience
    paths, labels, names = synthetic_data.videos()
    train = training_dataset(synthetic_data, "conv3d@patient", paths, labels, names, [0, 1])
    assert train.sampling.stride == RECIPES["patient"].train_stride
    assert method_sampling(synthetic_data, "cnn_gru@patient_frames16").frames == 16


def test_clip_probabilities_average_each_clips_windows():
    windows = np.array([[1.0, 0.0], [0.0, 1.0], [0.2, 0.8]], np.float32)
    assert np.allclose(clip_probabilities(windows, np.array([0, 0, 1]), 2), [[0.5, 0.5], [0.2, 0.8]])


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_models_map_clips_to_class_probabilities(architecture):
    model = build_model(architecture, (6, 16, 24, 2), 5)
    out = np.asarray(model(np.random.default_rng(0).random((3, 6, 16, 24, 2), np.float32)))
    assert out.shape == (3, 5) and np.allclose(out.sum(1), 1, atol=1e-5)


def test_training_runs_with_early_stopping_on_a_validation_group(synthetic_data):
    from motionlab.actions.training import train_action_model

    paths, labels, names = synthetic_data.videos()
    sampling = synthetic_data.sampling
    train = [i for i, p in enumerate(paths) if actor_of(p) != "synth2"]
    held = [i for i, p in enumerate(paths) if actor_of(p) == "synth2"]
    make = lambda idx, shuffle: ClipDataset([paths[i] for i in idx], [labels[i] for i in idx], names,  # noqa: E731
                                            sampling, 16, shuffle=shuffle)
    model, history = train_action_model("cnn_gru", make(train, True), make(held, False), epochs=2, verbose=0)
    assert len(history["val_loss"]) == 2 and history["loss"][-1] < history["loss"][0] * 1.5
    assert model.output_shape == (None, len(SYNTH_CLASSES))


def test_classify_video_returns_one_probability_per_class(synthetic_data, random_weizmann_model):
    paths, _, _ = synthetic_data.videos()
    result = predict.classify_video(paths[0], model=str(random_weizmann_model), progress=False)
    assert result["video"] == str(paths[0]) and result["label"] in WEIZMANN_CLASSES
    assert list(result["probabilities"]) == list(WEIZMANN_CLASSES)
    assert abs(sum(result["probabilities"].values()) - 1) < 1e-3
    assert predict.load_action_model(str(random_weizmann_model)) is predict.load_action_model(random_weizmann_model)


def test_a_video_shorter_than_a_window_is_classified_with_a_warning(tmp_path, random_weizmann_model, capsys):
    short = tmp_path / "short.avi"
    write_video(short, render_action("wave", 0, 0, 5), 25.0, codec="FFV1")
    with pytest.warns(UserWarning, match="fewer than"):
        status, out, err = classify_here(capsys, short, "--model", random_weizmann_model, "--json")
    assert status == 0, err
    assert json.loads(out)["label"] in WEIZMANN_CLASSES


def test_a_folder_gives_one_result_per_video_as_json_and_as_a_table(synthetic_data, random_weizmann_model, capsys):
    result = run_classify(synthetic_data.root, "--model", random_weizmann_model, "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert len(listed) == 12 and all(set(r) == {"video", "label", "probabilities"} for r in listed)
    status, out, _ = classify_here(capsys, synthetic_data.root / "wave", "--model", random_weizmann_model, "--quiet")
    assert status == 0 and len(out.strip().splitlines()) == 3


def test_bad_input_exits_2_with_one_line(tmp_path, random_weizmann_model, capsys):
    not_video = tmp_path / "notes.avi"
    not_video.write_text("hello")
    wrong_shape = tmp_path / "wrong.keras"
    build_model("conv3d", (4, 8, 8, 1), 2).save(wrong_shape)
    (tmp_path / "empty").mkdir()
    cases = [((tmp_path / "missing.avi",), "no such file"), ((not_video,), "notes.avi"),
             ((tmp_path / "empty",), "no video files"),
             ((not_video.parent / "short.avi", "--model", tmp_path / "nope.keras"), "no such file"),
             ((random_weizmann_model, "--model", not_video), "not a Keras model"),
             ((random_weizmann_model, "--model", wrong_shape), "not an action model")]
    write_video(tmp_path / "short.avi", render_action("wave", 0, 0, 5), 25.0, codec="FFV1")
    for arguments, message in cases:
        if arguments[0] == random_weizmann_model:
            arguments = (tmp_path / "short.avi", *arguments[1:])
        status, _, err = classify_here(capsys, *arguments)
        lines = err.strip().splitlines()
        assert status == 2 and len(lines) == 1 and message in lines[0], (arguments, err)
    result = run_classify(tmp_path / "missing.avi")  # and as a process: exit status 2, one line, no traceback
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0 and "no such file" in result.stderr


@pytest.mark.skipif(not predict.SHIPPED["weizmann"].path.exists() or not WEIZMANN_DIR.is_dir(),
                    reason="needs the shipped Weizmann model and ../shared/data/weizmann")
def test_the_shipped_model_reads_weizmann_videos():
    videos = [WEIZMANN_DIR / name / f"daria_{name}.avi" for name in WEIZMANN_CLASSES]
    labels = [predict.classify_video(v, progress=False)["label"] for v in videos]
    assert sum(label == name for label, name in zip(labels, WEIZMANN_CLASSES)) >= 8  # seen in training: a sanity check


def test_extra_validation_adds_choosing_scores_without_touching_held_out_ones(synthetic_data, tmp_path):
    run = dict(epochs=1, results_dir=tmp_path, verbose=0, max_folds=1)  # one fold: two 1-epoch trainings in all
    folds = json.loads(json.dumps(evaluate_method(synthetic_data, "single_frame", **run)["folds"]))
    again = evaluate_method(synthetic_data, "single_frame", extra_validation=1, **run)
    assert again["folds"] == folds  # the held-out fold is not retrained or rescored
    (group, fold), = folds.items()
    groups = sorted({synthetic_data.split_by(path) for path in synthetic_data.videos()[0]})
    extra = again["selection"][group]
    assert list(extra) == [groups[(groups.index(group) + 2) % len(groups)]]  # the group after the primary one
    assert group not in extra and fold["validation_group"] not in extra
    summary = summarise(again)
    assert summary["selection_runs"] == 2
    assert summary["selection_mean"] == pytest.approx(np.mean([fold["validation_accuracy"],
                                                                *(r["validation_accuracy"] for r in extra.values())]))


def test_an_ensemble_averages_its_members_and_saves_as_one_model(tmp_path):
    import keras

    from motionlab.actions.models import average_of

    members = []
    for seed in range(3):  # members that disagree: different initial weights
        keras.utils.set_random_seed(seed)
        members.append(build_model("single_frame", (4, 8, 8, 1), 3))
    clips = np.random.default_rng(9).random((5, 4, 8, 8, 1), np.float32)
    expected = np.mean([np.asarray(member(clips)) for member in members], axis=0)
    ensemble = average_of(members)
    assert average_of(members[:1]) is members[0]
    ensemble.save(tmp_path / "ensemble.keras")
    loaded = keras.saving.load_model(tmp_path / "ensemble.keras", compile=False)
    assert loaded.input_shape == members[0].input_shape
    assert np.allclose(np.asarray(loaded(clips)), expected, atol=1e-5)
    assert not np.allclose(np.asarray(members[0](clips)), expected, atol=1e-3)


def test_an_ensemble_recipe_trains_its_members_from_different_seeds(synthetic_data, tmp_path):
    from motionlab.actions.recipes import RECIPES

    results = evaluate_method(synthetic_data, "single_frame@patient_x3", epochs=1, results_dir=tmp_path, verbose=0,
                              max_folds=1)
    (fold,) = results["folds"].values()
    assert len(fold["member_best_epochs"]) == RECIPES["patient_x3"].members == 3
    assert fold["best_epoch"] == 1 and 0.0 <= fold["validation_accuracy"] <= 1.0


def test_the_per_frame_cnn_is_found_inside_an_ensemble():
    from motionlab.actions.models import average_of
    from motionlab.explain.filters import conv_layer_names, frame_model

    members = [build_model("cnn_gru", (4, 16, 16, 1), 3) for _ in range(2)]
    single, ensemble = frame_model(members[0]), frame_model(average_of(members))
    assert single.name == ensemble.name == "frame_cnn" and len(conv_layer_names(ensemble)) == 3
    assert ensemble is members[0].get_layer("per_frame").layer  # the first member's
