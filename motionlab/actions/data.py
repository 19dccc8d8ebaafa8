"""The action data sets: Weizmann silhouettes, three arm gestures, and a synthetic fallback; their group splits."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from ..cache import DATA_DIR, SHARED_DATA_DIR
from ..clips import ClipSampling, list_videos
from ..video import write_video

WEIZMANN_DIR = SHARED_DATA_DIR / "weizmann"  # ten actions, silhouettes, 7 actors, 73 videos
GESTURES_DIR = SHARED_DATA_DIR / "gestures"  # three arm gestures, RGB, 3 people x 3 trials
SYNTH_DIR = DATA_DIR / "synth" / "actions"  # rendered stick-figure actions (the fallback), git-ignored

WEIZMANN_CLASSES = ("bend", "jack", "jump", "pjump", "run", "side", "skip", "walk", "wave1", "wave2")  # folder order
GESTURE_CLASSES = ("raise_front", "raise_side", "wave")  # folder order (sorted), the shipped model's outputs
SYNTH_CLASSES = ("bend", "jack", "walk", "wave")  # what the synthetic stick figures do
SYNTH_ACTORS = 4  # synthetic actors (body size, speed, place and direction differ per actor)
SYNTH_TAKES = 2  # videos per actor and action
SYNTH_SIZE = (144, 180)  # rendered frame size (height, width), as Weizmann's
SYNTH_FPS = 25.0  # as Weizmann's
SYNTH_SECONDS = 2.4  # length of a synthetic video


def actor_of(path: str | Path) -> str:
    """Return the performer of a Weizmann or synthetic video, the part of the file name before '_'."""
    return Path(path).stem.split("_")[0]


def person_of(path: str | Path) -> str:
    """Return the person of a gesture video PS7A{action}P{person}T{trial}.avi ('P1'..'P3')."""
    found = re.search(r"P(\d+)T\d+$", Path(path).stem)
    if not found:
        raise ValueError(f"{path}: not a gesture file name PS7A<action>P<person>T<trial>")
    return f"P{found.group(1)}"


@dataclass(frozen=True)
class ActionData:
    """One data set: where its videos are, how a clip is sampled, how it is split, and whether it is synthetic."""

    name: str
    root: Path
    sampling: ClipSampling
    split_by: object  # path -> group (actor or person)
    synthetic: bool = False

    def videos(self) -> tuple[list[Path], list[int], list[str]]:
        """Return (paths, labels, class names) of the data set's videos."""
        return list_videos(self.root)

    def groups(self, paths) -> list[str]:
        """Return the group of every path."""
        return [self.split_by(p) for p in paths]


WEIZMANN_SAMPLING = ClipSampling(frames=8, size=(32, 32), channels=1, mode="windows", stride=4, sequence_seconds=0.96,
                                 crop="foreground", decode_size=(72, 90))  # 8 frames over 24 (every 3rd at 25 fps,
# about one cycle), cut around the silhouette's box over the window and fitted into 32x32
GESTURES_SAMPLING = ClipSampling(frames=8, size=(24, 32), channels=3, mode="windows", stride=4,
                                 sequence_seconds=1.6)  # 8 frames over 48 at 30 fps: half to most of a gesture


def weizmann(sampling: ClipSampling = WEIZMANN_SAMPLING) -> ActionData:
    """Return the Weizmann data set (raises ValueError if ../shared/data/weizmann is absent)."""
    if not WEIZMANN_DIR.is_dir():
        raise ValueError(f"{WEIZMANN_DIR}: the Weizmann folder is absent (set MOTIONLAB_SHARED_DATA)")
    return ActionData("weizmann", WEIZMANN_DIR, sampling, actor_of)


def gestures(sampling: ClipSampling = GESTURES_SAMPLING) -> ActionData:
    """Return the gestures data set (raises ValueError if ../shared/data/gestures is absent)."""
    if not GESTURES_DIR.is_dir():
        raise ValueError(f"{GESTURES_DIR}: the gestures folder is absent (set MOTIONLAB_SHARED_DATA)")
    return ActionData("gestures", GESTURES_DIR, sampling, person_of)


def synthetic(root: Path = SYNTH_DIR, sampling: ClipSampling = WEIZMANN_SAMPLING, actors: int = SYNTH_ACTORS,
              takes: int = SYNTH_TAKES) -> ActionData:
    """Return the SYNTHETIC stick-figure data set, rendering its videos under root first if they are missing."""
    render_synthetic_actions(root, actors, takes)
    return ActionData("synthetic", Path(root), sampling, actor_of, synthetic=True)


def load_action_data(name: str, fallback: bool = True, sampling: ClipSampling | None = None) -> ActionData:
    """Return a data set by name ("weizmann", "gestures", "synthetic"); with fallback an absent real folder says so in
    one line and gives the synthetic set instead."""
    makers = {"weizmann": weizmann, "gestures": gestures, "synthetic": synthetic}
    if name not in makers:
        raise ValueError(f"data set {name!r}: use one of {sorted(makers)}")
    try:
        data = makers[name]()
    except ValueError as error:
        if not fallback:
            raise
        print(f"{error}; using the SYNTHETIC stick-figure actions instead")
        data = synthetic()
    return data if sampling is None else replace(data, sampling=sampling)


# The synthetic fallback: white stick-figure silhouettes on black, like Weizmann's masks.

def _limb(canvas: np.ndarray, start: np.ndarray, length: float, angle_deg: float, width: int) -> np.ndarray:
    """Draw a limb from start at angle (0 = straight down, positive = towards +x) and return its end point."""
    angle = np.radians(angle_deg)
    end = start + length * np.array([np.sin(angle), np.cos(angle)])
    cv2.line(canvas, tuple(np.round(start).astype(int)), tuple(np.round(end).astype(int)), 255, width, cv2.LINE_AA)
    return end


def _pose(action: str, phase: float, travelled: float) -> dict:
    """Return the angles (degrees) of one pose of an action at phase (cycles) and how far the hip is offset."""
    swing = np.sin(2 * np.pi * phase)
    up = 0.5 - 0.5 * np.cos(2 * np.pi * phase)  # 0 -> 1 -> 0 once per cycle
    pose = {"torso": 0.0, "arm_l": -15.0, "arm_r": 15.0, "leg_l": -6.0, "leg_r": 6.0, "dx": travelled, "dy": 0.0}
    if action == "walk":
        pose.update(arm_l=-25 * swing, arm_r=25 * swing, leg_l=28 * swing, leg_r=-28 * swing, dy=-2 * abs(swing))
    elif action == "wave":
        pose.update(arm_r=120 + 45 * swing)
    elif action == "jack":
        pose.update(arm_l=-20 - 150 * up, arm_r=20 + 150 * up, leg_l=-6 - 22 * up, leg_r=6 + 22 * up, dy=-6 * up)
    elif action == "bend":
        pose.update(torso=100 * up, arm_l=100 * up - 5, arm_r=100 * up + 5)
    return pose


def render_action(action: str, actor: int, take: int, n_frames: int, size=SYNTH_SIZE) -> np.ndarray:
    """Return a synthetic stick-figure video of one action: (n_frames, h, w) uint8 silhouettes (0 or 255)."""
    rng = np.random.default_rng([actor, take, SYNTH_CLASSES.index(action)])
    actor_rng = np.random.default_rng([actor, 1000])
    height, width = size
    scale = actor_rng.uniform(0.8, 1.1) * height / 144  # body size of this actor
    thickness = int(actor_rng.integers(4, 7))
    period = actor_rng.uniform(0.8, 1.2) * SYNTH_FPS  # frames per cycle
    direction = 1 if (actor + take) % 2 == 0 else -1
    speed = 1.6 * scale if action == "walk" else 0.0  # pixels per frame across the frame
    start_x = width / 2 - direction * speed * n_frames / 2 + rng.uniform(-15, 15)
    phase0 = rng.uniform(0, 1)
    frames = np.zeros((n_frames, height, width), np.uint8)
    for t in range(n_frames):
        pose = _pose(action, phase0 + t / period, direction * speed * t)
        hip = np.array([start_x + pose["dx"], height * 0.62 + pose["dy"] * scale])
        canvas = frames[t]
        for leg in ("leg_l", "leg_r"):
            _limb(canvas, hip, 42 * scale, direction * pose[leg], thickness + 1)
        neck = _limb(canvas, hip, -40 * scale, -direction * pose["torso"], thickness + 3)
        for arm in ("arm_l", "arm_r"):
            _limb(canvas, neck, 32 * scale, direction * pose[arm], thickness)
        head = neck + (-10 * scale) * np.array([-np.sin(np.radians(direction * pose["torso"])),
                                                np.cos(np.radians(pose["torso"]))])
        cv2.circle(canvas, tuple(np.round(head).astype(int)), int(9 * scale), 255, -1, cv2.LINE_AA)
        frames[t] = np.where(canvas > 127, 255, 0)
    return frames


def render_synthetic_actions(root: Path = SYNTH_DIR, actors: int = SYNTH_ACTORS, takes: int = SYNTH_TAKES) -> list[Path]:
    """Render (once) root/CLASS/synthN_CLASS{take}.avi for every synthetic actor, action and take; return the paths."""
    paths = []
    n_frames = int(SYNTH_SECONDS * SYNTH_FPS)
    for action in SYNTH_CLASSES:
        for actor in range(actors):
            for take in range(takes):
                path = Path(root) / action / f"synth{actor}_{action}{take}.avi"
                if not path.exists():
                    write_video(path, render_action(action, actor, take, n_frames), SYNTH_FPS, codec="FFV1")
                paths.append(path)
    return paths
