"""Realistic speed traces: highway cruising, city stop-and-go with full stops, traffic crawl."""

from __future__ import annotations

import numpy as np

MAX_ACCEL_MPS2 = 2.5  # strongest acceleration of an ordinary car, m/s^2
MAX_BRAKE_MPS2 = 4.0  # firm but not emergency braking, m/s^2
MAX_JERK_MPS3 = 2.0  # how fast the acceleration itself may change, m/s^3
COMFORT_BRAKE_MPS2 = 1.8  # deceleration planned for ahead of a slower stretch or a stop, m/s^2
LOOKAHEAD_S = 8.0  # how far ahead the driver looks at the target speed, s

# Segment kinds: (target speed range m/s, segment duration range s)
SEGMENTS = {
    "highway": ((22.0, 32.0), (15.0, 45.0)),  # cruising with gentle changes
    "arterial": ((11.0, 19.0), (10.0, 25.0)),  # suburban road
    "city": ((6.0, 13.0), (4.0, 12.0)),  # short drive between lights
    "stop": ((0.0, 0.0), (2.0, 9.0)),  # full stop at a light or in a queue
    "crawl": ((1.5, 6.0), (5.0, 15.0)),  # traffic jam
}
NEXT_SEGMENT = {  # which kinds may follow which, to make plausible drives
    "highway": ["highway", "arterial", "crawl"],
    "arterial": ["highway", "city", "stop", "arterial"],
    "city": ["stop", "city", "arterial"],
    "stop": ["city", "crawl", "arterial"],
    "crawl": ["stop", "crawl", "highway", "arterial"],
}


def target_speeds(n_frames: int, fps: float, rng: np.random.Generator, first: str | None = None) -> np.ndarray:
    """Return a piecewise target speed per frame, (n_frames,) float64 m/s, from a random chain of segments."""
    kind = first or rng.choice(["highway", "arterial", "city", "crawl"])
    targets = np.empty(n_frames)
    frame = 0
    while frame < n_frames:
        (low, high), (short, long) = SEGMENTS[kind]
        length = max(1, int(rng.uniform(short, long) * fps))
        level = rng.uniform(low, high)
        wobble = 0.0 if kind == "stop" else rng.uniform(0.3, 1.5)  # slow speed changes within a segment, m/s
        phase = rng.uniform(0, 2 * np.pi)
        t = np.arange(length) / fps
        segment = level + wobble * np.sin(2 * np.pi * t / rng.uniform(8, 20) + phase)
        targets[frame:frame + length] = np.maximum(segment, 0.0)[: n_frames - frame]
        frame += length
        kind = rng.choice(NEXT_SEGMENT[kind])
    return targets


def follow_targets(targets: np.ndarray, fps: float, initial_speed: float | None = None) -> np.ndarray:
    """Return speeds that chase the targets within acceleration, braking and jerk limits, (N,) float64 m/s."""
    dt = 1.0 / fps
    speed = float(targets[0] if initial_speed is None else initial_speed)
    accel = 0.0
    speeds = np.empty(len(targets))
    for i, target in enumerate(targets):
        # look ahead so braking for a slower stretch starts in time, at a comfortable deceleration
        ahead = targets[i:i + int(LOOKAHEAD_S * fps)]
        frames_to_slowest = int(np.argmin(ahead))
        goal = min(target, ahead[frames_to_slowest] + COMFORT_BRAKE_MPS2 * frames_to_slowest / fps)
        wanted = np.clip(1.2 * (goal - speed), -MAX_BRAKE_MPS2, MAX_ACCEL_MPS2)
        if goal == 0.0:
            wanted = min(wanted, -1.0)  # roll to a full stop rather than creep towards it
        accel += np.clip(wanted - accel, -MAX_JERK_MPS3 * dt, MAX_JERK_MPS3 * dt)
        speed = max(0.0, speed + accel * dt)
        if speed == 0.0:
            accel = max(accel, 0.0)  # at rest: brakes hold, nothing pulls backwards
        speeds[i] = speed
    return speeds


def random_speed_trace(n_frames: int, fps: float, rng: np.random.Generator, first: str | None = None) -> np.ndarray:
    """Return a realistic speed trace, (n_frames,) float32 m/s, with cruising, stop-and-go and full stops."""
    targets = target_speeds(n_frames, fps, rng, first)
    return follow_targets(targets, fps).astype(np.float32)
