"""Labelling your own clips: a notebook widget and a desktop window that play a video slowly and record one
frame index per jump, saved as the .npy the counter trains on."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cv2
import numpy as np

from ..cache import LABEL_DIR, VIDEO_DIR, check_output_path
from ..video import VideoError, probe_video
from .data import load_jump_labels, read_small_gray, save_jump_labels

PLAYBACK_SPEED = 0.33  # slow motion: fraction of real time at which the video plays while labelling; hand-set
WINDOW_LONG_SIDE = 720  # pixels: long side of the frames the desktop window shows
WIDGET_LONG_SIDE = 384  # pixels: long side of the frames the notebook widget shows (small JPEGs keep it fluid)
WIDGET_WIDTH = 480  # pixels: the widget's image is at most this wide on the page
MIN_FRAME_MS = 10  # milliseconds: the widget's player shows a frame at most this often
KEY_LEFT = {81, 65361, 2424832}  # arrow-key codes of cv2.waitKeyEx on Linux (X11 / GTK) and Windows
KEY_RIGHT = {83, 65363, 2555904}


def default_label_path(video: str | os.PathLike) -> Path:
    """Return where a video's labels go: ROOT/speed_annotations/NAME.npy next to ROOT/speed_videos/, else NAME.npy
    beside the video."""
    video = Path(video)
    if video.parent.name == VIDEO_DIR:
        return video.parent.parent / LABEL_DIR / f"{video.stem}.npy"
    return video.with_suffix(".npy")


def check_label_files(video: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """Return where a video's labels go, having checked in milliseconds (before any decoding) that the video is
    readable, the labels path is a writable .npy and labels already there load and lie inside the video;
    VideoError or ValueError naming the file otherwise."""
    info = probe_video(video)
    out = Path(out) if out else default_label_path(video)
    check_output_path(out)
    if out.suffix != ".npy":
        raise ValueError(f"{out}: labels are saved as a NumPy .npy file; name a .npy output")
    if out.exists():
        load_jump_labels(out, info.frame_count)
    return out


class LabelSession:
    """The state of one labelling pass: current frame, paused or playing, and the marked jump frames."""

    def __init__(self, n_frames: int, marks=()):
        if n_frames < 1:
            raise ValueError("a video to label needs at least one frame")
        self.n_frames = n_frames
        self.position = 0
        self.paused = False
        self.marks: set[int] = {int(m) for m in marks}

    def mark(self) -> int:
        """Record a jump at the current frame and return it."""
        self.marks.add(self.position)
        return self.position

    def unmark(self) -> None:
        """Remove the mark nearest before (or at) the current frame, if any."""
        earlier = [m for m in self.marks if m <= self.position]
        if earlier:
            self.marks.discard(max(earlier))

    def step(self, frames: int) -> None:
        """Move by `frames` (negative: back), staying inside the video."""
        self.position = int(np.clip(self.position + frames, 0, self.n_frames - 1))

    def handle_key(self, key: int) -> bool:
        """Apply one key (s: mark, u: undo, space: pause, arrows: step one frame) and return False on q/Esc."""
        if key in (ord("q"), 27):
            return False
        if key == ord("s"):
            self.mark()
        elif key == ord("u"):
            self.unmark()
        elif key == ord(" "):
            self.paused = not self.paused
        elif key in KEY_LEFT:
            self.paused = True
            self.step(-1)
        elif key in KEY_RIGHT:
            self.paused = True
            self.step(1)
        return True

    def labels(self) -> np.ndarray:
        """Return the marked frames, (J,) int32 ascending."""
        return np.asarray(sorted(self.marks), np.int32)


def label_window(video: str | os.PathLike, out: str | os.PathLike | None = None,
                 speed: float = PLAYBACK_SPEED) -> Path:
    """Play a video slowly in an OpenCV window, record `s` presses as jumps, save them and return the .npy path."""
    out = check_label_files(video, out)
    no_window = (f"cannot open a window to label {video}: no display (DISPLAY is not set); use the notebook "
                 f"widget motionlab.jumps.labelling.label_widget instead")
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise VideoError(no_window)  # OpenCV's Qt backend would abort the process instead of raising
    frames, fps = read_small_gray(video, long_side=WINDOW_LONG_SIDE)
    session = LabelSession(len(frames), load_jump_labels(out, len(frames)) if out.exists() else ())
    delay_ms = max(1, int(1000 / (fps * speed)))
    title = f"label {Path(video).name}: s = jump, u = undo, space = pause, arrows = step, q = save and quit"
    try:
        cv2.namedWindow(title, cv2.WINDOW_NORMAL)
    except cv2.error as error:
        raise VideoError(no_window) from error
    try:
        while True:
            view = cv2.cvtColor(frames[session.position], cv2.COLOR_GRAY2BGR)
            marked = session.position in session.marks
            cv2.putText(view, f"frame {session.position}/{session.n_frames - 1}  jumps {len(session.marks)}"
                        + ("  JUMP" if marked else "") + ("  paused" if session.paused else ""),
                        (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 255) if marked else (0, 255, 0), 2)
            cv2.imshow(title, view)
            if not session.handle_key(cv2.waitKeyEx(delay_ms)):
                break
            if not session.paused:
                if session.position == session.n_frames - 1:
                    break
                session.step(1)
    finally:
        cv2.destroyAllWindows()
    return save_jump_labels(out, session.labels(), session.n_frames)


def label_widget(video: str | os.PathLike, out: str | os.PathLike | None = None, speed: float = PLAYBACK_SPEED,
                 long_side: int = WIDGET_LONG_SIDE):
    """Return an ipywidgets box that plays a video slowly with a Jump button per jump and Save/Undo buttons.

    The returned box has .session (LabelSession), .jump_button, .undo_button, .save_button and .slider attributes,
    so the labelling can also be driven from code.
    """
    import ipywidgets as widgets

    out = Path(out) if out else default_label_path(video)
    frames, fps = read_small_gray(video, long_side=long_side, progress=False)
    session = LabelSession(len(frames), load_jump_labels(out, len(frames)) if out.exists() else ())
    play = widgets.Play(min=0, max=len(frames) - 1, interval=max(MIN_FRAME_MS, int(1000 / (fps * speed))),
                        description="play")
    slider = widgets.IntSlider(min=0, max=len(frames) - 1, description="frame", continuous_update=True)
    widgets.jslink((play, "value"), (slider, "value"))
    image = widgets.Image(format="jpeg", width=min(WIDGET_WIDTH, frames.shape[2]))
    status = widgets.Label()
    jump_button = widgets.Button(description="Jump", button_style="danger", tooltip="a jump at this frame")
    undo_button = widgets.Button(description="Undo", tooltip="remove the last mark at or before this frame")
    save_button = widgets.Button(description="Save", button_style="success", tooltip=f"write {out}")

    def show(change=None):
        session.position = slider.value
        view = cv2.cvtColor(frames[session.position], cv2.COLOR_GRAY2BGR)
        if session.position in session.marks:
            cv2.rectangle(view, (0, 0), (view.shape[1] - 1, view.shape[0] - 1), (0, 0, 255), 6)
        image.value = cv2.imencode(".jpg", view)[1].tobytes()
        status.value = f"frame {session.position}, {len(session.marks)} jumps marked -> {out}"

    def on_jump(_):
        session.mark()
        show()

    def on_undo(_):
        session.unmark()
        show()

    def on_save(_):
        save_jump_labels(out, session.labels(), session.n_frames)
        status.value = f"saved {len(session.marks)} jumps to {out}"

    slider.observe(show, names="value")
    jump_button.on_click(on_jump)
    undo_button.on_click(on_undo)
    save_button.on_click(on_save)
    show()
    box = widgets.VBox([widgets.HBox([play, slider]), image, widgets.HBox([jump_button, undo_button, save_button]),
                        status])
    box.session, box.slider = session, slider
    box.jump_button, box.undo_button, box.save_button, box.out = jump_button, undo_button, save_button, out
    return box
