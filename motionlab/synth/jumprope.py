"""Synthetic jump-rope clips: a capsule-figure athlete skipping a rope in a gym, with per-jump frame labels.

Writes the real data's layout: OUT/speed_videos/NAME.mp4 and OUT/speed_annotations/NAME.npy (int32 frame
index of every landing, both feet counted, ascending). `python -m motionlab synth jumprope --out DIR`.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ..cache import LABEL_DIR, VIDEO_DIR, save_array_atomic
from ..progress import progress_bar
from ..video import write_video
from .jumprope_plan import IDLE_ACTIVITIES, WALK_CADENCE_HZ, JumpPlan, Pose, landing_frames, plan_jumps, pose_at, walked_x
from .textures import colorize, fractal_noise

FRAMINGS = {"landscape": (360, 640), "portrait": (640, 360), "square": (480, 480)}  # (height, width), pixels
FPS_CHOICES = (24.0, 25.0, 29.97, 30.0)  # frame rates, frames/s
DURATION_RANGE_S = (6.0, 12.0)  # clip length, s
ATHLETE_HEIGHT_RANGE = (0.3, 0.8)  # athlete height as a fraction of the frame height
SHAKE_PX = (0.0, 3.0)  # range of camera-shake amplitude, pixels
NOISE_LEVEL = 3  # sensor noise, grey levels
MARGIN = 8  # background border that camera shake reveals, pixels
VIEWS = ("front", "side", "oblique")  # camera facing the athlete, filming from the side (feet one behind the
# other), or in between (three-quarter view: the far leg half hidden)
OBLIQUE_YAW = (0.35, 0.8)  # an oblique clip's yaw, drawn per clip: 0 is the front view, 1 the side view
SIDE_LEAN = 0.12  # forward lean of the shoulders over the hips in the side view, fraction of the athlete's height
SIDE_FAR_SHADE = 0.6  # the far limbs of a side view are drawn at this share of their colour (in shadow)
IDLE_SECONDS = (1.0, 3.0)  # s: with idle=True, how long the athlete walks, stands or turns the rope without jumping
# before the first jump and after the last (drawn per clip); real lead-ins and run-outs are seconds long
IDLE_SEED_OFFSET = 7_919  # the idle activities are drawn from seed + this, so idle=False clips stay as they were


def _background(rng: np.random.Generator, height: int, width: int) -> tuple[np.ndarray, int]:
    """Return a gym backdrop (H + 2*MARGIN, W + 2*MARGIN, 3) uint8 and the floor line's row."""
    h, w = height + 2 * MARGIN, width + 2 * MARGIN
    floor_row = int(h * rng.uniform(0.45, 0.7))
    wall = colorize(fractal_noise(rng, (h, w), cells=(8, 32, 128)), rng.uniform(60, 230, 3), rng.uniform(0.05, 0.25))
    stripes = fractal_noise(rng, (h, w // 8 + 1), cells=(4, 16, 64))
    stripes = cv2.resize(stripes, (w, h), interpolation=cv2.INTER_LINEAR)  # stretched: wood planks / mats
    floor = colorize(stripes, rng.uniform(50, 200, 3), rng.uniform(0.1, 0.3))
    image = np.where(np.arange(h)[:, None, None] < floor_row, wall, floor)
    for _ in range(rng.integers(0, 7)):  # banners, doors, windows, benches
        x0, y0 = rng.integers(0, w), rng.integers(0, floor_row)
        x1, y1 = x0 + rng.integers(10, w // 3), y0 + rng.integers(10, h // 3)
        cv2.rectangle(image, (int(x0), int(y0)), (int(x1), int(y1)), rng.uniform(0, 255, 3).tolist(), -1)
    if rng.random() < 0.5:
        for _ in range(rng.integers(1, 5)):  # bystanders standing still
            _draw_person(image, rng.uniform(0, w), floor_row + rng.uniform(5, 40), rng.uniform(0.2, 0.4) * h,
                         rng.uniform(0, 255, (4, 3)), Pose(0.0, (0.0, 0.0), np.pi, False), arms_down=True)
    return np.clip(image, 0, 255).astype(np.uint8), floor_row


def _mix(front, side, yaw: float):
    """Return a drawing parameter at yaw (0: front view, 1: side view), linear in between."""
    return front if yaw == 0 else side if yaw == 1 else front + (side - front) * yaw


def _draw_person(image, feet_x, floor_y, size, colours, pose: Pose, arms_down=False, facing=1.0, yaw=0.0):
    """Draw a capsule figure standing at (feet_x, floor_y), size pixels tall, seen from the front (yaw 0), the
    side (yaw 1) or in between (facing +1: looking right); return its hands' (x, y)."""
    skin, shirt, shorts, shoes = (tuple(float(c) for c in colour) for colour in colours)
    lift = pose.body_lift * size
    hip = np.array([feet_x, floor_y - 0.50 * size - lift])
    shoulder = hip + [facing * SIDE_LEAN * size * yaw, -0.30 * size]
    limb = max(2, int(0.055 * size))
    hands = []
    for side, foot_lift in zip((-1, 1), pose.foot_lift):  # turned views: -1 is the far leg, drawn first
        shade = _mix(1.0, SIDE_FAR_SHADE, yaw) if side < 0 else 1.0
        leg_skin, leg_shorts, leg_shoes = (tuple(c * shade for c in colour) for colour in (skin, shorts, shoes))
        spread = _mix(0.06, 0.015, yaw)  # feet apart across the image, fraction of height
        foot = np.array([feet_x + side * spread * size, floor_y - lift - foot_lift * size + 0.3 * lift])
        foot[1] = min(foot[1], floor_y)
        hip_side = hip + [side * _mix(0.05, 0.01, yaw) * size, 0]
        bend = (foot_lift + 0.5 * pose.body_lift) * size * 1.2
        knee = (hip_side + foot) / 2 + [facing * bend * 0.8, 0]
        cv2.line(image, _pt(hip_side), _pt(knee), leg_shorts, limb + 1, cv2.LINE_AA)
        cv2.line(image, _pt(knee), _pt(foot), leg_skin, limb, cv2.LINE_AA)
        cv2.line(image, _pt(foot), _pt(foot + [facing * 0.05 * size, 0]), leg_shoes, limb + 1, cv2.LINE_AA)
        elbow = shoulder + [side * 0.10 * size, 0.14 * size]
        circle = 0.02 * size
        hand = shoulder + [side * 0.17 * size, 0.28 * size] if not arms_down else shoulder + [side * 0.06 * size,
                                                                                            0.30 * size]
        if yaw:  # turned: arms hang forward, hands in front of the hips, one behind the other
            elbow = _mix(elbow, shoulder + [facing * 0.03 * size + side * 0.01 * size, 0.15 * size], yaw)
            hand = _mix(hand, shoulder + [facing * 0.06 * size + side * 0.01 * size, 0.28 * size], yaw)
        if pose.rope_moving:  # wrists turn small circles with the rope
            hand = hand + [side * circle * np.sin(pose.rope_angle), -circle * np.cos(pose.rope_angle)]
        cv2.line(image, _pt(shoulder + [side * 0.06 * size, 0]), _pt(elbow), shirt, limb, cv2.LINE_AA)
        cv2.line(image, _pt(elbow), _pt(hand), skin, max(2, limb - 1), cv2.LINE_AA)
        hands.append(hand)
    cv2.line(image, _pt(hip), _pt(shoulder), shirt, int(limb * 2.6), cv2.LINE_AA)
    cv2.rectangle(image, _pt(hip + [-0.07 * size, -0.02 * size]), _pt(hip + [0.07 * size, 0.08 * size]), shorts, -1)
    cv2.circle(image, _pt(shoulder + [0, -0.09 * size]), int(0.065 * size), skin, -1, cv2.LINE_AA)
    return hands


def _pt(xy) -> tuple[int, int]:
    """Return integer pixel coordinates of a float (x, y)."""
    return int(round(xy[0])), int(round(xy[1]))


def _draw_rope(image, hands, reach_down, reach_up, angle, colour, thickness, swing=0.0):
    """Draw the rope between the hands as a quadratic curve whose sag follows the rope angle (rad, pi = at feet);
    swing (pixels) moves the loop across the image with sin(angle), as the rope circles a side-view athlete."""
    (x0, y0), (x2, y2) = hands
    reach = reach_down if np.cos(angle) < 0 else reach_up
    control = np.array([(x0 + x2) / 2 - 2 * swing * np.sin(angle), (y0 + y2) / 2 - 2 * reach * np.cos(angle)])
    s = np.linspace(0, 1, 24)[:, None]
    curve = (1 - s) ** 2 * np.array([x0, y0]) + 2 * s * (1 - s) * control + s ** 2 * np.array([x2, y2])
    cv2.polylines(image, [np.round(curve).astype(np.int32)], False, colour, thickness, cv2.LINE_AA)


class JumpropeRenderer:
    """Draws the frames of one synthetic clip; the same seed gives the same clip and labels."""

    def __init__(self, seed: int, style: str | None = None, framing: str | None = None, fps: float | None = None,
                 duration_s: float | None = None, view: str = "front", idle: bool = False):
        if view not in VIEWS:
            raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
        self.view = view
        rng = np.random.default_rng(seed)
        self.rng = rng
        framing = framing or str(rng.choice(list(FRAMINGS)))
        if framing not in FRAMINGS:
            raise ValueError(f"framing must be one of {list(FRAMINGS)}, got {framing!r}")
        self.height, self.width = FRAMINGS[framing]
        self.fps = float(fps or rng.choice(FPS_CHOICES))
        duration_s = duration_s or rng.uniform(*DURATION_RANGE_S)
        self.plan: JumpPlan = plan_jumps(rng, duration_s, style)
        if idle:  # seconds of walking, standing or rope turning without a jump around the jumping (zero labels)
            idle_rng = np.random.default_rng(seed + IDLE_SEED_OFFSET)
            before_s, after_s = idle_rng.uniform(*IDLE_SECONDS, 2)
            activities = idle_rng.choice(IDLE_ACTIVITIES, 2)
            while set(activities) == {"stand"}:
                activities = idle_rng.choice(IDLE_ACTIVITIES, 2)
            self.plan.landings_s = self.plan.landings_s + before_s
            self.plan.before, self.plan.after = (str(a) for a in activities)
            self.plan.idle_cadence_hz = float(idle_rng.uniform(*WALK_CADENCE_HZ))
            duration_s += before_s + after_s
        self.n_frames = int(duration_s * self.fps)
        self.background, floor_row = _background(rng, self.height, self.width)
        size = self.height * rng.uniform(*ATHLETE_HEIGHT_RANGE)
        self.size = min(size, 0.9 * self.width / 0.5)
        self.feet_x = MARGIN + rng.uniform(0.25, 0.75) * self.width
        lowest = MARGIN + self.height - 0.02 * self.height
        highest = MARGIN + self.size * 1.05  # keep the head in the frame
        self.floor_y = float(np.clip(floor_row + rng.uniform(0, 0.35) * self.height, highest, lowest))
        self.colours = [rng.uniform(40, 230, 3) for _ in range(4)]  # skin, shirt, shorts, shoes (BGR)
        self.colours[0] = np.array([rng.uniform(60, 180), rng.uniform(90, 200), rng.uniform(130, 230)])
        self.facing = float(rng.choice([-1.0, 1.0]))
        self.rope_colour = rng.uniform(0, 255, 3).tolist()
        self.rope_thickness = max(1, int(round(self.size / 150)))
        shake = rng.uniform(*SHAKE_PX)
        steps = rng.normal(0, shake / 3, (self.n_frames, 2))
        walk = np.zeros_like(steps)
        for i in range(1, self.n_frames):  # mean-reverting random walk: a hand-held camera
            walk[i] = 0.8 * walk[i - 1] + steps[i]
        self.shake = np.clip(walk, -MARGIN + 1, MARGIN - 1)
        self.noise = [rng.integers(-NOISE_LEVEL, NOISE_LEVEL + 1, (self.height, self.width, 3), dtype=np.int16)
                      for _ in range(4)]
        self.yaw = {"front": 0.0, "side": 1.0}[view] if view != "oblique" else float(rng.uniform(*OBLIQUE_YAW))
        # (drawn last: the same seed gives the same athlete, scene and jumps in every view)

    def labels(self) -> np.ndarray:
        """Return the landing frame indices, (J,) int32 ascending."""
        return landing_frames(self.plan, self.fps, self.n_frames)

    def frame(self, index: int) -> np.ndarray:
        """Return frame `index` as (H, W, 3) uint8 BGR."""
        canvas = self.background.copy()
        t = index / self.fps
        pose = pose_at(self.plan, t)
        feet_x = float(np.clip(self.feet_x + self.facing * walked_x(self.plan, t) * self.size, 0, 2 * MARGIN + self.width))
        hands = _draw_person(canvas, feet_x, self.floor_y, self.size, self.colours, pose, facing=self.facing,
                             yaw=self.yaw)
        reach_down = self.floor_y - np.mean([h[1] for h in hands]) + 0.02 * self.size
        swing = self.facing * 0.3 * self.size * self.yaw
        if pose.rope_moving:  # two sub-frame positions: the rope's motion blur
            for offset in (-0.25, 0.0):
                angle = pose.rope_angle + offset * 2 * np.pi * self.plan.turns / (self.plan.period_s * self.fps)
                _draw_rope(canvas, hands, reach_down, 0.6 * self.size, angle, self.rope_colour, self.rope_thickness,
                           swing)
        else:
            _draw_rope(canvas, hands, reach_down, 0.6 * self.size, pose.rope_angle, self.rope_colour,
                       self.rope_thickness, swing)
        dx, dy = np.round(self.shake[index]).astype(int)
        crop = canvas[MARGIN + dy:MARGIN + dy + self.height, MARGIN + dx:MARGIN + dx + self.width]
        noisy = crop.astype(np.int16) + self.noise[index % len(self.noise)]
        return np.clip(noisy, 0, 255).astype(np.uint8)

    def frames(self):
        """Yield every frame in order, (H, W, 3) uint8 BGR."""
        for index in range(self.n_frames):
            yield self.frame(index)


def render_jumprope(out_dir: str | os.PathLike, name: str, seed: int, effect: str = "plain",
                    **options) -> tuple[Path, Path]:
    """Render one clip into OUT/speed_videos/NAME.mp4 + OUT/speed_annotations/NAME.npy; return both paths.
    effect: one of jumprope_framing.FRAMING_EFFECTS (small athlete, picture-in-picture, letterbox, handheld)."""
    from .jumprope_framing import FRAMING_EFFECTS

    if effect not in FRAMING_EFFECTS:
        raise ValueError(f"effect must be one of {list(FRAMING_EFFECTS)}, got {effect!r}")
    out_dir = Path(out_dir)
    renderer = JumpropeRenderer(seed, **options)
    video_path = out_dir / VIDEO_DIR / f"{name}.mp4"
    label_path = out_dir / LABEL_DIR / f"{name}.npy"
    frames = FRAMING_EFFECTS[effect](renderer.frames(), (renderer.height, renderer.width), np.random.default_rng(seed))
    write_video(video_path, frames, renderer.fps)
    save_array_atomic(label_path, renderer.labels())
    return video_path, label_path


def render_jumprope_set(out_dir: str | os.PathLike, videos: int = 20, seed: int = 0, view: str = "front",
                        style: str | None = None, effect: str = "plain", idle: bool = False) -> list[Path]:
    """Render `videos` clips named synth_SEED_I (other views: synth_VIEW_SEED_I; effects: synth_EFFECT_..; idle
    activities around the jumping: synth_idle_..), skipping those already there; return the video paths."""
    if videos < 1:
        raise ValueError(f"videos must be at least 1, got {videos}")
    paths = []
    prefix = "synth" + "".join(f"_{part}" for part in (view, effect) if part not in ("front", "plain")) + (
        "_idle" if idle else "")
    for i in progress_bar(range(videos), desc=f"render jump-rope clips ({view})", unit="clip"):
        name = f"{prefix}_{seed}_{i:03d}"
        video_path = Path(out_dir) / VIDEO_DIR / f"{name}.mp4"
        if not (video_path.exists() and (Path(out_dir) / LABEL_DIR / f"{name}.npy").exists()):
            video_path, _ = render_jumprope(out_dir, name, seed=seed * 100003 + i, view=view, style=style, effect=effect,
                                            idle=idle)
        paths.append(video_path)
    return paths
