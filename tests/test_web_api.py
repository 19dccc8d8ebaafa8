"""The web app's JSON API without a browser: every task gives what the package function gives, bad uploads get a
4xx and one line, concurrent jobs, the queue limit, progress and expiry."""

import dataclasses
import json
import os
import threading
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from motionlab.__main__ import main
from motionlab.progress import progress_bar
from motionlab.web import tasks as web_tasks
from motionlab.web.app import ServerSettings, create_app
from motionlab.web.tasks import Task, TaskOutput
from motionlab.web.uploads import UploadLimits

DONE = ("done", "failed")


@pytest.fixture(scope="module")
def jump_clips(tmp_path_factory):
    """Two short synthetic jump-rope clips (4 s, 25 frames/s, different athletes)."""
    from motionlab.synth.jumprope import JumpropeRenderer
    from motionlab.video import write_video

    folder = tmp_path_factory.mktemp("jump_clips")
    paths = []
    for seed in (11, 12):
        renderer = JumpropeRenderer(seed, framing="landscape", fps=25.0, duration_s=4.0)
        paths.append(folder / f"jumps_{seed}.mp4")
        write_video(paths[-1], renderer.frames(), renderer.fps)
    return paths


@pytest.fixture()
def make_client(tmp_path):
    """Return a function(**settings) -> TestClient of a fresh app whose uploads go to tmp_path/uploads."""
    clients = []

    def make(**settings):
        settings = {"preload": False, **settings}
        app = create_app(ServerSettings(uploads_dir=tmp_path / "uploads", **settings))
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def submit(client, path, task, **options):
    """POST a file with a task and options; return the response."""
    with open(path, "rb") as handle:
        return client.post("/api/jobs", data={"task": task, **options}, files={"file": (path.name, handle)})


def wait(client, job_id, timeout=240):
    """Poll a job until it is done or failed; return its last state."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = client.get(f"/api/jobs/{job_id}").json()
        if state["status"] in DONE:
            return state
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {state['status']} after {timeout} s")


def assert_one_line_error(response, status):
    """The response has the status and a one-line {"error": ...} body."""
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert message and "\n" not in message and "Traceback" not in message
    return message


def test_count_job_gives_the_package_result_and_downloads(make_client, jump_clips, tmp_path):
    from motionlab.jumps.counting import count_video, load_counter

    client = make_client()
    response = submit(client, jump_clips[0], "count")
    assert response.status_code == 202
    state = wait(client, response.json()["id"])
    assert state["status"] == "done", state["error"]
    expected = count_video(jump_clips[0], load_counter(), progress=False).as_json()
    assert state["result"] == expected and expected["count"] > 0
    assert state["progress"] == 1.0 and state["video"]["frames"] == 100
    frames = client.get(state["files"]["frames.json"])
    assert frames.status_code == 200 and frames.json() == expected
    stored = sorted(path.name for path in (tmp_path / "uploads" / state["id"]).iterdir())
    assert stored == ["frames.json", "input.mp4"]  # server-made names only
    for name in ("input.mp4", "..%2Finput.mp4", "..%2F..%2Fframes.json"):  # only the files the task made
        assert_one_line_error(client.get(f"/api/jobs/{state['id']}/files/{name}"), 404)


def test_speed_job_gives_one_speed_per_frame_and_the_test_txt_file(make_client, render_drive):
    from motionlab.speed.predict import load_speed_model, predict_video_speeds

    video, _ = render_drive(np.full(30, 12.0), seed=5, name="web_drive")
    client = make_client()
    state = wait(client, submit(client, video, "speed", smoothing="5").json()["id"])
    assert state["status"] == "done", state["error"]
    expected = predict_video_speeds(video, load_speed_model(), smoothing=5, progress=False)
    assert state["result"]["frames"] == 30 and state["result"]["fps"] > 0
    assert np.allclose(state["result"]["speeds_mps"], expected, atol=1e-3)
    lines = client.get(state["files"]["speeds.txt"]).text.split()
    assert np.allclose([float(line) for line in lines], expected, atol=1e-5)


def test_speed_geometry_method_gives_what_the_command_writes(make_client, render_drive, tmp_path):
    from motionlab.speed.camera import CAMERAS_DIR
    from motionlab.speed.predict import write_speeds_geometry
    from motionlab.video import load_labels

    video, _ = render_drive(np.full(30, 12.0), seed=5, name="web_drive")
    client = make_client()
    state = wait(client, submit(client, video, "speed", method="geometry", camera="default").json()["id"])
    assert state["status"] == "done", state["error"]
    write_speeds_geometry(video, tmp_path / "cli.txt", CAMERAS_DIR / "default.json", progress=False)
    assert np.allclose(state["result"]["speeds_mps"], load_labels(tmp_path / "cli.txt"), atol=1e-3)
    assert "camera is for method geometry" in assert_one_line_error(submit(client, video, "speed",
                                                                           camera="default"), 400)
    assert "saliency needs method model" in assert_one_line_error(
        submit(client, video, "speed", method="geometry", saliency="yes"), 400)
    assert "not one of" in assert_one_line_error(submit(client, video, "speed", method="geometry",
                                                        camera="../../etc/passwd"), 400)


def test_saliency_images_are_served_with_the_result(make_client, jump_clips, render_drive):
    video, _ = render_drive(np.full(30, 12.0), seed=5, name="web_drive")
    client = make_client()
    for clip, task in ((jump_clips[0], "count"), (video, "speed")):
        state = wait(client, submit(client, clip, task, saliency="yes").json()["id"])
        assert state["status"] == "done", state["error"]
        image = client.get(state["saliency"])
        assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    plain = wait(client, submit(client, jump_clips[0], "count").json()["id"])
    assert plain["saliency"] is None and client.get(f"/api/jobs/{plain['id']}/saliency").status_code == 404


@pytest.mark.parametrize("task, module", [("classify", "motionlab.actions.predict"),
                                          ("predict-next", "motionlab.nextframe.predict")])
def test_model_choice_tasks_run_their_package_function(make_client, jump_clips, task, module):
    reason = web_tasks.TASKS[task].unavailable()
    if reason:
        client = make_client()
        assert f"not available here: {reason}" in assert_one_line_error(submit(client, jump_clips[0], task), 400)
        pytest.skip(f"the {task} task is listed as unavailable here: {reason}")
    client = make_client()
    listed = {entry["name"]: entry for entry in client.get("/api/tasks").json()["tasks"]}
    model = listed[task]["options"][0]["default"]
    state = wait(client, submit(client, jump_clips[0], task, model=model).json()["id"])
    assert state["status"] == "done", state["error"]
    assert isinstance(state["result"], dict) and state["files"]
    for url in state["files"].values():
        assert client.get(url).status_code == 200


@pytest.fixture()
def tiny_shipped_models(monkeypatch, tmp_path):
    """Stand tiny untrained models in for the shipped action and next-frame weights (same input and output
    shapes), so the classify and predict-next tasks run end to end whether or not the real weights are here."""
    import keras

    from motionlab.actions import predict as actions
    from motionlab.nextframe import predict as nextframe

    spec = actions.SHIPPED["weizmann"]
    inputs = keras.Input(spec.sampling.sample_shape)
    pooled = keras.layers.GlobalAveragePooling3D()(inputs)
    classifier = keras.Model(inputs, keras.layers.Dense(len(spec.class_names), activation="softmax")(pooled))
    classifier.save(tmp_path / "tiny_action.keras")
    monkeypatch.setitem(actions.SHIPPED, "weizmann", dataclasses.replace(spec, path=tmp_path / "tiny_action.keras"))
    frames = keras.Input((5, 32, 32, 1))  # 5 frames in, 1 out: a weighted mean over time
    predictor = keras.Model(frames, keras.layers.Conv3D(1, (5, 1, 1), padding="valid")(frames))
    predictor.save(tmp_path / "tiny_next.keras")
    monkeypatch.setitem(nextframe.SHIPPED, "video", tmp_path / "tiny_next.keras")


def test_classify_and_predict_next_call_their_package_functions(make_client, jump_clips, tiny_shipped_models):
    from motionlab.actions.predict import classify_video
    from motionlab.nextframe.predict import predict_next_video
    from motionlab.video import probe_video

    client = make_client()
    classified = wait(client, submit(client, jump_clips[0], "classify", model="weizmann").json()["id"])
    assert classified["status"] == "done", classified["error"]
    expected = classify_video(jump_clips[0], "weizmann", progress=False)
    assert classified["result"] == {**expected, "video": jump_clips[0].name}
    predicted = wait(client, submit(client, jump_clips[0], "predict-next", model="video", steps="1").json()["id"])
    assert predicted["status"] == "done", predicted["error"]
    assert predicted["result"] == predict_next_video(jump_clips[0], "video", steps=1, progress=False)
    playable = client.get(predicted["files"]["truth_prediction.webm"])
    assert playable.status_code == 200 and playable.content[:4] == b"\x1aE\xdf\xa3"  # a WebM (Matroska) file
    job_folder = client.app.state.pool.get(predicted["id"]).folder
    info = probe_video(job_folder / "truth_prediction.webm")
    assert (info.width, info.height) == (2 * 32 + 2, 32)  # truth | 2-pixel bar | prediction
    assert "bad" in assert_one_line_error(submit(client, jump_clips[0], "predict-next", model="bad"), 400)


def test_every_bad_input_gets_a_4xx_and_one_line(make_client, jump_clips, tmp_path):
    client = make_client(limits=UploadLimits(max_bytes=2_000_000, max_seconds=3.0))
    text = tmp_path / "notes.txt"
    text.write_text("not a video\n")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    large = tmp_path / "large.mp4"
    large.write_bytes(b"\0" * 2_100_000)
    assert "notes.txt" in assert_one_line_error(submit(client, text, "count"), 400)
    assert "empty" in assert_one_line_error(submit(client, empty, "count"), 400)
    assert "limit" in assert_one_line_error(submit(client, large, "count"), 413)
    assert "4 s long" in assert_one_line_error(submit(client, jump_clips[0], "count"), 413)
    client = make_client()
    assert "'dance'" in assert_one_line_error(submit(client, jump_clips[0], "dance"), 400)
    assert "whole number" in assert_one_line_error(submit(client, jump_clips[0], "speed", smoothing="fast"), 400)
    assert "outside" in assert_one_line_error(submit(client, jump_clips[0], "speed", smoothing="0"), 400)
    assert "no option 'camera'" in assert_one_line_error(submit(client, jump_clips[0], "count", camera="x"), 400)
    assert "no task" in assert_one_line_error(client.post("/api/jobs", files={"file": ("a.mp4", b"x")}), 400)
    assert "no file" in assert_one_line_error(client.post("/api/jobs", files={"task": (None, "count")}), 400)
    assert_one_line_error(client.post("/api/jobs", json={"task": "count"}), 415)
    assert_one_line_error(client.get("/api/jobs/0123456789abcdef"), 404)
    assert not list((tmp_path / "uploads").iterdir())  # every refused upload was removed


def test_four_concurrent_jobs_match_the_sequential_results(make_client, jump_clips):
    from motionlab.jumps.counting import count_video, load_counter

    model = load_counter()
    sequential = [count_video(clip, model, progress=False).as_json() for clip in jump_clips * 2]
    client = make_client(workers=4)
    ids = [submit(client, clip, "count").json()["id"] for clip in jump_clips * 2]
    states = [wait(client, job_id) for job_id in ids]
    assert [state["result"] for state in states] == sequential


@pytest.fixture()
def waiting_task(monkeypatch):
    """Register a task `wait` that reports progress halfway, then blocks until the returned event is set."""
    release = threading.Event()

    def run(video, options, model, folder):
        bar = progress_bar(total=4, enabled=False)
        bar.update(2)
        release.wait(30)
        bar.update(2)
        bar.close()
        return TaskOutput({"waited": True})

    monkeypatch.setitem(web_tasks.TASKS, "wait", Task("wait", "wait", "motionlab.progress", lambda: (), run))
    yield release
    release.set()


def test_queue_limit_answers_503_and_progress_is_reported(make_client, jump_clips, waiting_task):
    client = make_client(workers=1, queue_limit=1)
    running = submit(client, jump_clips[0], "wait").json()["id"]
    deadline = time.time() + 10
    while client.get(f"/api/jobs/{running}").json()["progress"] < 0.5 and time.time() < deadline:
        time.sleep(0.05)
    state = client.get(f"/api/jobs/{running}").json()
    assert state["status"] == "running" and state["progress"] == 0.5
    queued = submit(client, jump_clips[0], "wait")
    assert queued.status_code == 202
    assert client.get(f"/api/jobs/{queued.json()['id']}").json()["status"] == "queued"
    assert "queue is full" in assert_one_line_error(submit(client, jump_clips[0], "wait"), 503)
    waiting_task.set()
    assert wait(client, queued.json()["id"])["result"] == {"waited": True}
    assert submit(client, jump_clips[0], "wait").status_code == 202  # room again


def test_finished_jobs_expire_with_their_files(make_client, jump_clips, waiting_task, tmp_path):
    client = make_client(keep_seconds=60)
    waiting_task.set()
    job_id = submit(client, jump_clips[0], "wait").json()["id"]
    state = wait(client, job_id)
    assert state["expires"] == pytest.approx(time.time() + 60, abs=5)
    pool = client.app.state.pool
    assert pool.sweep(now=state["expires"] - 1) == 0 and client.get(f"/api/jobs/{job_id}").status_code == 200
    assert pool.sweep(now=state["expires"] + 1) == 1
    assert client.get(f"/api/jobs/{job_id}").status_code == 404
    assert not (tmp_path / "uploads" / job_id).exists()


def test_a_new_server_removes_old_job_folders_only(make_client, tmp_path):
    uploads = tmp_path / "uploads"
    old, recent, other = uploads / "0123456789abcdef", uploads / "fedcba9876543210", uploads / "keep-me"
    for folder in (old, recent, other):
        folder.mkdir(parents=True)
        (folder / "input.mp4").write_bytes(b"x")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    os.utime(other, (time.time() - 7200, time.time() - 7200))
    make_client(keep_seconds=3600)
    assert not old.exists() and recent.exists() and other.exists()


def test_each_worker_loads_the_default_models_at_start_up(make_client):
    client = make_client(preload=True, workers=2)
    pool = client.app.state.pool
    assert pool.warm.wait(120) and client.get("/healthz").json()["models_ready"]
    loaded = pool.loaded_models()
    assert len(loaded) == 2  # two worker threads
    for keys in loaded.values():
        assert ("count", None) in keys and ("speed", "model") in keys


def test_page_health_and_task_table(make_client):
    client = make_client()
    page = client.get("/")
    assert page.status_code == 200 and 'id="job-form"' in page.text
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"
    listed = {task["name"]: task for task in client.get("/api/tasks").json()["tasks"]}
    assert set(listed) == {"speed", "count", "classify", "predict-next"}
    assert [option["name"] for option in listed["speed"]["options"]] == ["method", "camera", "smoothing", "saliency"]
    assert "default" in listed["speed"]["options"][1]["choices"]  # shipped camera files by name, never a path
    json.dumps(listed)


def test_serve_refuses_a_bad_port_in_one_line(capsys):
    assert main(["serve", "--port", "70000"]) == 2
    error = capsys.readouterr().err.strip()
    assert error == "motionlab serve: error: --port: 70000 is not a TCP port (1..65535)"


def test_serve_refuses_a_port_in_use_in_one_line(capsys):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert capsys.readouterr().err.strip() == (f"motionlab serve: error: --host 127.0.0.1 --port {port}: cannot "
                                               "listen there (Address already in use)")


def test_serve_listens_on_loopback_by_default():
    from motionlab.__main__ import build_parser

    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
