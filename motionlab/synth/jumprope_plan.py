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
IDLE_ACTIVITIES = ("stand", "walk", "swing")  # what the athlete does before the first and after the last jump:
# stand still, walk (feet take turns, the body moves across, the rope hangs), or turn the rope beside the feet
# without jumping (feet on the floor): the lead-ins and run-outs of real clips where nobody jumps
WALK_CADENCE_HZ = (1.5, 2.2)  # steps per second of a walking athlete; a person's ordinary walking pace
WALK_FOOT_LIFT = 0.06  # a walking step's foot lift, fraction of the athlete's height (a jump's speed step: 0.10)
WALK_SPEED = 0.35  # athlete heights per second walked across the image (about 0.6 m/s for a 1.7 m person)


@dataclass
class JumpPlan:
    """Landing times of one clip (s, ascending), the style, and rope turns per jump (1, or 2 for double-unders)."""

    landings_s: np.ndarray
    style: str
    turns: int
    period_s: float  # nominal time between landings, s
    before: str = "stand"  # IDLE_ACTIVITIES entry: what the athlete does before the first landing
    after: str = "stand"  # and after the last
    idle_cadence_hz: float = 2.0  # steps (walk) or rope turns (swing) per second while idle


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
    if k == 0 or k == len(landings):  # before the first / after the last jump
        return idle_pose(plan.before if k == 0 else plan.after, plan.idle_cadence_hz, t)
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


def idle_pose(activity: str, cadence_hz: float, t: float) -> Pose:
    """Return the Pose at time t (s) of an athlete who is not jumping: standing, walking (feet take turns on the
    floor at cadence_hz steps per second), or turning the rope beside planted feet (cadence_hz turns per second)."""
    if activity == "walk":
        phase = (t * cadence_hz) % 2.0  # two steps: left foot, then right
        foot = WALK_FOOT_LIFT * np.sin(np.pi * (phase % 1.0)) ** 2
        return Pose(0.005 * np.sin(np.pi * (phase % 1.0)), (foot, 0.0) if phase < 1 else (0.0, foot), np.pi * 0.9,
                    False)
    if activity == "swing":
        return Pose(0.0, (0.0, 0.0), np.pi + 2 * np.pi * cadence_hz * t, True)
    if activity != "stand":
        raise ValueError(f"idle activity must be one of {IDLE_ACTIVITIES}, got {activity!r}")
    return Pose(0.0, (0.0, 0.0), np.pi * 0.9, False)


def walked_x(plan: JumpPlan, t: float) -> float:
    """Return how far (athlete heights, signed) a walking athlete has moved from where it jumps at time t (s)."""
    if plan.before == "walk" and len(plan.landings_s) and t < plan.landings_s[0]:
        return -WALK_SPEED * (plan.landings_s[0] - t)  # walks in, stops at the spot where it jumps
    if plan.after == "walk" and len(plan.landings_s) and t > plan.landings_s[-1]:
        return WALK_SPEED * (t - plan.landings_s[-1])  # walks off
    return 0.0


def landing_frames(plan: JumpPlan, fps: float, n_frames: int) -> np.ndarray:
    """Return the frame index of every landing inside the clip, (J,) int32 ascending."""
    frames = np.round(plan.landings_s * fps).astype(np.int64)
    frames = frames[(frames >= 0) & (frames < n_frames)]
    return np.unique(frames).astype(np.int32)
