"""The web app's tasks: for each, its options (validated from form text) and the package function it calls, the
same one the command line runs. Adding an option (e.g. speed's --camera) is one Option line in the table."""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cache import atomic_output


@dataclass(frozen=True)
class Option:
    """One task option: its form name, label, kind ("int" or "choice"), default, and its allowed values."""

    name: str
    label: str
    kind: str
    default: Any = None  # None: the package function's own default
    choices: tuple = ()
    minimum: int | None = None
    maximum: int | None = None
    help: str = ""

    def parse(self, text: str | None):
        """Return the option's value from form text (the default when empty); raise ValueError in one line."""
        if text is None or text == "":
            return self.default
        if self.kind == "choice":
            if text not in self.choices:
                raise ValueError(f"option {self.name}: {text[:40]!r} is not one of {', '.join(self.choices)}")
            return text
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"option {self.name}: {text[:40]!r} is not a whole number") from None
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise ValueError(f"option {self.name}: {value} is outside {self.minimum}..{self.maximum}")
        return value

    def as_json(self) -> dict:
        """Return the option as the page's form builder reads it."""
        return {"name": self.name, "label": self.label, "kind": self.kind, "default": self.default,
                "choices": list(self.choices), "minimum": self.minimum, "maximum": self.maximum, "help": self.help}


@dataclass
class TaskOutput:
    """What a task gives: `result` (the object the command's --json prints), downloadable `files` by name, and
    an optional `saliency` image (what the model looked at) that the result page shows when present."""

    result: dict
    files: dict[str, Path] = field(default_factory=dict)
    saliency: Path | None = None


@dataclass(frozen=True)
class Task:
    """A task: name (the API's `task`), label, its options (built lazily: a model list may import a module),
    `load(options)` -> the model a worker keeps (None: the function loads its own), and
    `run(video, options, model, folder) -> TaskOutput` calling the package function."""

    name: str
    label: str
    module: str  # the package module the task needs; a task whose module is absent is listed as unavailable
    options: Callable[[], tuple[Option, ...]]
    run: Callable[[Path, dict, Any, Path], TaskOutput]
    load: Callable[[dict], Any] | None = None
    model_option: str | None = None  # the option that picks the model, part of the worker's model cache key
    check: Callable[[dict], None] | None = None  # raises ValueError in one line for options that do not go together

    def unavailable(self) -> str | None:
        """Return why the task cannot run here (its module is missing, no model has weights), or None if it can."""
        try:
            importlib.import_module(self.module)
        except ImportError:  # not written yet, or half-written by its author right now
            return f"{self.module} is missing"
        try:
            self.options()
        except ValueError as error:
            return str(error)
        return None

    def available(self) -> bool:
        """Return whether the task can run here."""
        return self.unavailable() is None

    def parse_options(self, fields: dict[str, str]) -> dict:
        """Return {option: value} from form fields (all but `task` and `file`); raise ValueError in one line for
        an unknown option or a bad value."""
        options = {option.name: option for option in self.options()}
        unknown = sorted(set(fields) - set(options) - {"task", "file"})
        if unknown:
            takes = ", ".join(options) or "no options"
            raise ValueError(f"task {self.name} has no option {unknown[0][:40]!r} (it takes: {takes})")
        values = {name: option.parse(fields.get(name)) for name, option in options.items()}
        if self.check is not None:
            self.check(values)
        return values

    def model_key(self, options: dict) -> tuple:
        """Return the key a worker caches this task's model under."""
        return self.name, options.get(self.model_option) if self.model_option else None

    def as_json(self) -> dict:
        """Return the task as the page lists it."""
        reason = self.unavailable()
        available = reason is None
        return {"name": self.name, "label": self.label, "available": available, "unavailable": reason,
                "options": [option.as_json() for option in self.options()] if available else []}


def write_json(path: Path, value) -> Path:
    """Write value as JSON to path atomically and return path."""
    with atomic_output(path) as partial:
        partial.write_text(json.dumps(value))
    return path


SALIENCY = Option("saliency", "what the model looked at", "choice", "no", ("no", "yes"),
                  help="an occlusion map of one moment of the video (adds seconds)")
_DRAWING = threading.Lock()  # pyplot keeps global state: worker threads draw one saliency figure at a time


def _camera_names() -> tuple[str, ...]:
    """Return the names of the shipped camera files (models/cameras/NAME.json), the only cameras the web takes."""
    from ..speed.camera import CAMERAS_DIR

    return tuple(sorted(path.stem for path in CAMERAS_DIR.glob("*.json")))


def _speed_options() -> tuple[Option, ...]:
    from ..speed.predict import METHODS, SMOOTHING_PAIRS

    return (Option("method", "method", "choice", METHODS[0], METHODS,
                   help="model: the trained speed model; geometry: the road's flow fitted with the camera (no model)"),
            Option("camera", "camera (geometry)", "choice", None, _camera_names(),
                   help="shipped camera file for the geometry method (empty: the synthetic renders' camera)"),
            Option("smoothing", "smoothing (frames)", "int", None, minimum=1, maximum=301,
                   help=f"moving-average window (empty: {SMOOTHING_PAIRS} pairs for the model, tuned on held-out "
                        f"drives; the geometry method's own)"),
            SALIENCY)


def _check_speed(options: dict) -> None:
    if options["method"] != "geometry" and options["camera"] is not None:
        raise ValueError("option camera is for method geometry; a speed model carries its own camera")
    if options["method"] == "geometry" and options["saliency"] == "yes":
        raise ValueError("option saliency needs method model: the geometry fit has no model to look inside")


def _run_speed(video: Path, options: dict, model, folder: Path) -> TaskOutput:
    from ..speed.predict import SMOOTHING_PAIRS, predict_video_speeds, write_speeds_geometry
    from ..video import load_labels, probe_video, save_labels

    speeds_file = folder / "speeds.txt"  # comma.ai's test.txt format, written by the command's own writers
    if options["method"] == "geometry":
        from ..speed.camera import CAMERAS_DIR, DEFAULT_CAMERA_PATH

        camera = CAMERAS_DIR / f"{options['camera']}.json" if options["camera"] else DEFAULT_CAMERA_PATH
        write_speeds_geometry(video, speeds_file, camera, smoothing=options["smoothing"], progress=False)
        speeds = load_labels(speeds_file)
    else:
        smoothing = SMOOTHING_PAIRS if options["smoothing"] is None else options["smoothing"]
        speeds = predict_video_speeds(video, model, smoothing=smoothing, progress=False)
        save_labels(speeds_file, speeds)
    saliency = None
    if options["saliency"] == "yes":
        from ..speed.explain import speed_saliency_image

        with _DRAWING:
            saliency = speed_saliency_image(video, model, folder / "saliency.png")
    result = {"speeds_mps": [round(float(speed), 4) for speed in speeds], "fps": round(probe_video(video).fps, 3),
              "frames": len(speeds)}
    return TaskOutput(result, {"speeds.txt": speeds_file}, saliency)


def _load_speed(options: dict):
    from ..speed.predict import load_speed_model

    return load_speed_model() if options["method"] == "model" else None


def _run_count(video: Path, options: dict, model, folder: Path) -> TaskOutput:
    from ..jumps.counting import count_video

    counted = count_video(video, model, progress=False)
    result = counted.as_json()
    saliency = None
    if options["saliency"] == "yes":
        from ..jumps.explain import count_saliency_image

        with _DRAWING:
            saliency = count_saliency_image(video, model, counted.frames, folder / "saliency.png")
    return TaskOutput(result, {"frames.json": write_json(folder / "frames.json", result)}, saliency)


def _load_counter(options: dict):
    from ..jumps.counting import load_counter

    return load_counter()


def _model_choice(module: str, resolver: str) -> Callable[[], tuple[Option, ...]]:
    """Return an options builder offering the MODEL_NAMES of `module` whose weights `module.resolver(name)` finds
    (the first as default); it raises ValueError when none has weights."""
    def options() -> tuple[Option, ...]:
        package = importlib.import_module(module)
        names = []
        for name in package.MODEL_NAMES:
            try:
                getattr(package, resolver)(name)
            except ValueError:  # shipped weights not there (yet)
                continue
            names.append(name)
        if not names:
            raise ValueError(f"no shipped weights for any of its models ({', '.join(package.MODEL_NAMES)})")
        return (Option("model", "model", "choice", names[0], tuple(names)),)
    return options


def _run_classify(video: Path, options: dict, model, folder: Path) -> TaskOutput:
    from ..actions.predict import classify_video

    result = classify_video(video, model=model, progress=False)
    return TaskOutput(result, {"classes.json": write_json(folder / "classes.json", result)})


def _load_action_model(options: dict):
    from ..actions.predict import load_action_model

    return load_action_model(options["model"])


def _next_options() -> tuple[Option, ...]:
    return _model_choice("motionlab.nextframe.predict", "resolve_model_path")() + (
        Option("context", "context (frames)", "int", None, minimum=1, maximum=64,
               help="frames the model sees before predicting (empty: the model's own)"),
        Option("steps", "steps (frames)", "int", None, minimum=1, maximum=64,
               help="frames predicted ahead (empty: the model's own)"))


def _run_next(video: Path, options: dict, model, folder: Path) -> TaskOutput:
    from ..nextframe.predict import predict_next_video
    from ..video import iter_frames, probe_video, write_video

    side_by_side = folder / "truth_prediction.mp4"
    result = predict_next_video(video, model=options["model"], context=options["context"], steps=options["steps"],
                                out=side_by_side, progress=False)
    playable = folder / "truth_prediction.webm"  # VP8: OpenCV here writes no H.264, and Chromium plays WebM
    write_video(playable, iter_frames(side_by_side), probe_video(side_by_side).fps, codec="VP80")
    return TaskOutput(result, {"truth_prediction.webm": playable, "truth_prediction.mp4": side_by_side})


TASKS = {task.name: task for task in (
    Task("speed", "dashcam speed", "motionlab.speed.predict", _speed_options, _run_speed, _load_speed, "method",
         _check_speed),
    Task("count", "jump count", "motionlab.jumps.counting", lambda: (SALIENCY,), _run_count, _load_counter),
    Task("classify", "action class", "motionlab.actions.predict",
         _model_choice("motionlab.actions.predict", "resolve_model"), _run_classify, _load_action_model, "model"),
    Task("predict-next", "next-frame prediction", "motionlab.nextframe.predict", _next_options, _run_next,
         model_option="model"),
)}


def find_task(name: str | None) -> Task:
    """Return the task named `name`; raise ValueError in one line for a missing, unknown or unavailable task."""
    if not name:
        raise ValueError(f"no task: send the form field 'task' = {' | '.join(TASKS)}")
    task = TASKS.get(name)
    if task is None:
        raise ValueError(f"task {name[:40]!r} is not one of {', '.join(TASKS)}")
    reason = task.unavailable()
    if reason:
        raise ValueError(f"task {name} is not available here: {reason}")
    return task
