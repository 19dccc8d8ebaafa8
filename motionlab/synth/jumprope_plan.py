"""When the synthetic athlete lands, and where feet, body and rope are at any instant (the renderer's kinematics)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STYLES = ("bounce", "alternate", "double_under")  # two-foot bounce, speed step (each foot counts), double-under
CADENCE_RANGE = {  # jumps per second drawn for each style
    "bounce": (1.5, 3.2),
    "alternate": (3.0, 8.0),
    "double_under": (1.5, 2.4),
}
PAUSE_PROB = 0.35  # chance that a clip contains a pause (athlete stands, rope still)
MISS_PROB = 0.35  # chance that a clip contains a miss (rope stops at the feet, no landing counted)
ROPE_BOTTOM_PHASE = 0.85  # fraction of a jump's interval at which the rope passes under the feet
CONTACT_FRACTION = 0.3  # fraction of a two-foot jump's interval spent on the ground


@dataclass
class JumpPlan:
    """Landing times of one clip (s, ascending), the style, and rope turns per jump (1, or 2 for double-unders)."""

    landings_s: np.ndarray
    style: str
    turns: int
    period_s: float  # nominal time between landings, s


def plan_jumps(rng: np.random.Generator, duration_s: float, style: str | None = None) -> JumpPlan:
    """Return a JumpPlan: a lead-in, jumps at a drifting cadence, and maybe one pause and one miss."""
    style = style or str(rng.choice(STYLES, p=[0.3, 0.5, 0.2]))
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    low, high = CADENCE_RANGE[style]
    cadence = rng.uniform(low, high)
    period = 1.0 / cadence
    t = rng.uniform(0.2, 1.0)  # athlete stands still before the first jump, s
    end = duration_s - rng.uniform(0.0, 0.8)
    landings = []
    pause_at = rng.uniform(0.3, 0.7) * duration_s if rng.random() < PAUSE_PROB else None
    miss_at = rng.uniform(0.2, 0.8) * duration_s if rng.random() < MISS_PROB else None
    drift = 0.0
    while True:
        drift = 0.9 * drift + rng.normal(0, 0.03)  # slow change of cadence
        t += period * (1.0 + drift) * rng.uniform(0.95, 1.05)
        if pause_at is not None and t > pause_at:  # stop, stand, start again
            t += rng.uniform(0.8, 1.8)
            pause_at = None
        if miss_at is not None and t > miss_at:  # rope caught: this landing does not happen
            t += rng.uniform(0.5, 1.2)
            miss_at = None
        if t > end:
            break
        landings.append(t)
    return JumpPlan(np.asarray(landings), style, 2 if style == "double_under" else 1, period)


@dataclass
class Pose:
    """Pose at one instant: body lift (fraction of height), foot lifts (left, right), rope angle (rad) and
    whether the rope turns (False while standing)."""

    body_lift: float
    foot_lift: tuple[float, float]
    rope_angle: float
    rope_moving: bool


def pose_at(plan: JumpPlan, t: float) -> Pose:
    """Return the Pose at time t (s); the rope passes the feet just before each landing."""
    landings = plan.landings_s
    k = int(np.searchsorted(landings, t))  # the next landing is landings[k]
    if k == 0 or k == len(landings):
        return Pose(0.0, (0.0, 0.0), np.pi * 0.9, False)  # before the first / after the last jump
    start, stop = landings[k - 1], landings[k]
    interval = stop - start
    if interval > 1.6 * plan.period_s:  # pause or miss: stand, then start again one period before landing
        start = stop - plan.period_s
        if t < start:
            return Pose(0.0, (0.0, 0.0), np.pi * 0.9, False)
        interval = plan.period_s
    u = (t - start) / interval  # phase within this jump, 0 at the last landing, 1 at the next
    rope_angle = np.pi + 2 * np.pi * plan.turns * (u - ROPE_BOTTOM_PHASE)
    if plan.style == "alternate":
        landing_foot = k % 2  # feet take turns; the foot that lands at landings[k] is lifted now
        lift = np.sin(np.pi * u) ** 1.5
        feet = [0.0, 0.0]
        feet[landing_foot] = 0.10 * lift
        return Pose(0.015 * np.sin(np.pi * u), (feet[0], feet[1]), rope_angle, True)
    air = max(0.0, (u - CONTACT_FRACTION) / (1 - CONTACT_FRACTION))
    height = (0.09 if plan.turns == 2 else 0.05) * np.sin(np.pi * air)
    return Pose(height, (0.3 * height, 0.3 * height), rope_angle, True)


def landing_frames(plan: JumpPlan, fps: float, n_frames: int) -> np.ndarray:
    """Return the frame index of every landing inside the clip, (J,) int32 ascending."""
    frames = np.round(plan.landings_s * fps).astype(np.int64)
    frames = frames[(frames >= 0) & (frames < n_frames)]
    return np.unique(frames).astype(np.int32)
