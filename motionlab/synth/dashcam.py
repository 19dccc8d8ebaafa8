"""Synthetic dashcam video at known per-frame speeds, in comma.ai's layout (NAME.mp4 + NAME.txt, m/s per frame)."""

from __future__ import annotations

import math
import os
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ..cache import check_output_path
from ..progress import progress_bar
from ..video import load_labels, save_labels, write_video
from .objects import Camera, draw_overpasses, draw_roadside, draw_traffic, make_traffic, place_objects, place_overpasses
from .scene import (
    FOCAL_PER_WIDTH,
    GROUND_PERIOD_M,
    MIP_COUNT,
    SHADOW_PERIOD_M,
    SHADOW_TEXEL_M,
    TEXEL_U_M,
    TEXEL_V_M,
    draw_style,
    ground_mips,
    hood_layer,
    shadow_texture,
    sky_panorama,
)
from .traces import random_speed_trace

MAX_SPEED_MPS = 120.0  # fastest trace rendered, m/s (432 km/h, beyond any road car): faster ones are a units mistake
RENDER_VERSION = 2  # bump when the renderer or the traces change, so stale renders in data/synth are not reused
WIDTH, HEIGHT = 640, 480  # frame size of comma.ai's dashcam, pixels
FPS = 20.0  # comma.ai's frame rate, frames/s
FARTHEST_GROUND_M = 400.0  # ground beyond this distance (m) is left to the sky strip's haze
MAX_HEADING_RAD = 0.35  # the road turns at most this far from its overall direction (the projection assumes small angles)
CURVE_STEP_M = 0.5  # resolution of the road's centre line, m
SENSOR_NOISE = 4  # amplitude of per-pixel sensor noise, grey levels
NOISE_BANK = 12  # sensor-noise images drawn once per video; each frame adds one and subtracts another
SHAKE_PX = 0.8  # camera shake at rest, pixels
SHAKE_PER_MPS = 0.04  # extra shake per m/s of speed, pixels
DEFAULT_FOCAL_PX = WIDTH * FOCAL_PER_WIDTH  # the default camera's focal length, pixels: shake scales with focal length


def _road_centre_line(style, rng: np.random.Generator, length_m: float):
    """Return distances (m), lateral position of the road centre (m) and heading (rad) along the drive."""
    d = np.arange(-50.0, length_m + FARTHEST_GROUND_M + 50.0, CURVE_STEP_M)
    curvature = np.zeros_like(d)
    for _ in range(4):  # a few overlapping bends of different lengths
        wavelength = rng.uniform(150, 900)
        curvature += style.curviness * rng.normal() * np.sin(2 * np.pi * d / wavelength + rng.uniform(0, 6.3))
    heading = np.cumsum(curvature) * CURVE_STEP_M
    heading -= heading.mean()  # the bends wind around one overall direction
    heading *= min(1.0, MAX_HEADING_RAD / max(np.abs(heading).max(), 1e-9))
    lateral = np.cumsum(np.sin(heading)) * CURVE_STEP_M
    return d, lateral, heading


def check_camera(camera) -> None:
    """Raise ValueError unless a camera (any object with the fields of motionlab.speed.camera.Camera) can be rendered:
    it must name its frame size and see the road."""
    if camera.width_px is None or camera.height_px is None:
        raise ValueError("a camera to render needs width_px and height_px (the frame size)")
    if not 0 <= camera.horizon_row < camera.height_px - 8:
        raise ValueError(f"the camera's horizon (row {camera.horizon_row:.1f}) must lie in the top of its "
                         f"{camera.height_px}-row frame for the renderer")


class DashcamRenderer:
    """Renders the frames of one synthetic drive; the same seed and speeds give the same frames.

    camera (fields of motionlab.speed.camera.Camera: focal_px, cx, cy, camera_height_m, pitch_deg, hood_row,
    width_px, height_px) replaces the built-in camera, its frame size, its 1 % ride-height spread and its hood
    (hood_row None: no hood in view); without one the frames are exactly those of earlier versions.
    """

    def __init__(self, speeds_mps: np.ndarray, seed: int, fps: float = FPS, width: int = WIDTH, height: int = HEIGHT,
                 camera=None):
        self.speeds_mps = np.asarray(speeds_mps, np.float64)
        if self.speeds_mps.ndim != 1 or len(self.speeds_mps) < 1:
            raise ValueError("speeds_mps must be a non-empty 1-D array of speeds in m/s")
        if (self.speeds_mps < 0).any():
            raise ValueError("speeds_mps must not be negative: the synthetic car only drives forward")
        if not (math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive number of frames per second, got {fps}")
        if camera is not None:
            check_camera(camera)
            width, height = camera.width_px, camera.height_px
        self.fps, self.width, self.height = fps, width, height
        rng = np.random.default_rng(seed)
        self.style = style = draw_style(rng, width, height)
        self.cx, self.pitch_rad, shake_scale = width / 2, 0.0, 1.0
        if camera is not None:
            self.style = style = replace(style, focal_px=float(camera.focal_px),
                                         camera_height_m=float(camera.camera_height_m),
                                         horizon_px=float(camera.horizon_row) + 0.5)  # ground row r is centred at r+0.5
            self.cx, self.pitch_rad = float(camera.cx), math.radians(camera.pitch_deg)
            shake_scale = camera.focal_px / DEFAULT_FOCAL_PX  # the same angular shake
        step = (self.speeds_mps[1:] + self.speeds_mps[:-1]) / 2 / fps
        self.positions_m = np.concatenate([[0.0], np.cumsum(step)])  # distance driven at each frame, m
        length = self.positions_m[-1] + 1.0
        self.mips = ground_mips(style, rng)
        self.shadows = shadow_texture(style, rng)
        self.sky = sky_panorama(style, rng, height, width)
        self.hood, self.hood_mask = hood_layer(style, rng, width, height)
        if camera is not None:
            self._place_hood(camera.hood_row)
        self.curve_d, self.curve_lateral, self.curve_heading = _road_centre_line(style, rng, length)
        self.objects = place_objects(style, rng, length + 200)
        self.overpasses = place_overpasses(style, rng, length + 200)
        self.cars = make_traffic(style, rng, len(self.speeds_mps), fps, self.positions_m)
        n = len(self.speeds_mps)
        t = np.arange(n) / fps
        # light: slow drifts plus clouds passing over the sun
        self.light = style.light * (1 + 0.06 * np.sin(2 * np.pi * t / rng.uniform(20, 60) + rng.uniform(0, 6.3)))
        for _ in range(rng.poisson(n / fps / 30)):
            centre, width_s = rng.uniform(0, n / fps), rng.uniform(2, 8)
            self.light *= 1 - rng.uniform(0.1, 0.3) * np.exp(-((t - centre) / width_s) ** 2)
        shake = (SHAKE_PX + SHAKE_PER_MPS * self.speeds_mps) * shake_scale
        self.shake_y = shake * rng.standard_normal(n) * 0.7 + shake * np.sin(2 * np.pi * t * rng.uniform(1, 3))
        self.shake_roll_deg = 0.12 * shake * rng.standard_normal(n)
        self.lane_wander_m = 0.25 * np.sin(2 * np.pi * t / rng.uniform(6, 15)) * rng.uniform(0.2, 1)
        self.noise_rng = np.random.default_rng([seed, 11])
        self.noise_bank = self.noise_rng.integers(0, SENSOR_NOISE, (NOISE_BANK, height, width, 3), dtype=np.uint8)
        self._setup_ground()

    def _place_hood(self, hood_row) -> None:
        """Move the hood so its top edge at the centre column is at hood_row, or remove it (None), in place."""
        if hood_row is None:
            self.hood_mask[:] = 0
            return
        top = int(np.argmax(self.hood_mask[:, self.width // 2] > 0))
        shift = int(round(hood_row)) - top
        self.hood, self.hood_mask = np.roll(self.hood, shift, axis=0), np.roll(self.hood_mask, shift, axis=0)
        if shift > 0:
            self.hood_mask[:shift] = 0
        elif shift < 0:
            self.hood_mask[shift:] = 255  # the hood reaches the frame's bottom edge
            self.hood[shift:] = self.hood[shift - 1]

    def _setup_ground(self) -> None:
        """Precompute, per ground row, its depth (m) and mip level, and per pixel its lateral offset in texels."""
        style = self.style
        first_row = int(np.floor(style.horizon_px)) + 1
        rows = np.arange(first_row, self.height)
        x = np.arange(self.width, dtype=np.float64) - self.cx
        if self.pitch_rad == 0.0:
            ahead = style.focal_px * style.camera_height_m / (rows + 0.5 - style.horizon_px)
            depth_scale = None
        else:  # a tilted camera: each row's ray meets the road at pitch + atan(row offset / f) below level
            principal = style.horizon_px + style.focal_px * math.tan(self.pitch_rad)  # cy in row coordinates
            below = self.pitch_rad + np.arctan((rows + 0.5 - principal) / style.focal_px)
            ahead = style.camera_height_m / np.tan(np.maximum(below, 1e-6))
            depth_scale = (ahead * math.cos(self.pitch_rad) + style.camera_height_m * math.sin(self.pitch_rad)) / ahead
        keep = ahead < FARTHEST_GROUND_M
        rows, ahead = rows[keep], ahead[keep]
        metres_per_row = ahead ** 2 / (style.focal_px * style.camera_height_m)
        level = np.clip(np.floor(np.log2(np.maximum(metres_per_row / TEXEL_V_M, 1))), 0, MIP_COUNT - 1).astype(int)
        self.ground = {"rows": rows, "ahead_m": ahead, "level": level}
        self.lateral_m = (x[None, :] * ahead[:, None] / style.focal_px)  # (rows, W) metres left/right of the axis
        if depth_scale is not None:
            self.lateral_m *= depth_scale[keep][:, None]  # distance along the tilted optical axis, not ahead
        self.cols_half = self.mips[0].shape[1] / 2

    def curve_offset(self, frame: int):
        """Return a function: distances ahead (m) -> how far the road centre lies to the side of the camera axis, m."""
        position = self.positions_m[frame]
        heading = np.interp(position, self.curve_d, self.curve_heading)
        lateral = np.interp(position, self.curve_d, self.curve_lateral)
        wander = self.lane_wander_m[frame]

        def offset(ahead_m):
            road = np.interp(position + ahead_m, self.curve_d, self.curve_lateral)
            return road - lateral - np.tan(heading) * ahead_m - wander

        return offset

    def _draw_ground(self, image: np.ndarray, frame: int, offset) -> None:
        """Sample the ground and shadow textures for every ground row, in place."""
        ground = self.ground
        position = self.positions_m[frame]
        shift = offset(ground["ahead_m"])  # (rows,) m
        u = self.lateral_m - shift[:, None]  # (rows, W) m from the ego lane centre
        v = np.mod(position + ground["ahead_m"], GROUND_PERIOD_M) / TEXEL_V_M
        map_x = (u / TEXEL_U_M + self.cols_half).astype(np.float32)
        map_y = np.broadcast_to(v[:, None], map_x.shape).astype(np.float32)
        top = ground["rows"][0]
        out = image[top:top + len(ground["rows"])]
        for level in np.unique(ground["level"]):
            band = np.flatnonzero(ground["level"] == level)
            a, b = band[0], band[-1] + 1
            cv2.remap(self.mips[level], map_x[a:b], map_y[a:b], cv2.INTER_LINEAR, dst=out[a:b],
                      borderMode=cv2.BORDER_REPLICATE)
        shadow_x = (u / SHADOW_TEXEL_M + self.shadows.shape[1] / 2).astype(np.float32)
        shadow_y = np.broadcast_to((np.mod(position + ground["ahead_m"], SHADOW_PERIOD_M) / SHADOW_TEXEL_M)[:, None],
                                   shadow_x.shape).astype(np.float32)
        gain = cv2.remap(self.shadows, shadow_x, shadow_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        cv2.multiply(out, cv2.merge([gain, gain, gain]), dst=out, scale=1 / 255)

    def frame(self, frame: int) -> np.ndarray:
        """Return frame number `frame` of the drive, (H, W, 3) uint8 BGR."""
        style = self.style
        image = np.empty((self.height, self.width, 3), np.uint8)
        heading = np.interp(self.positions_m[frame], self.curve_d, self.curve_heading)
        start = int(round(heading * style.focal_px)) % (self.sky.shape[1] - self.width)
        image[:] = self.sky[:, start:start + self.width]  # the strip carries a wrapped copy of its first columns
        offset = self.curve_offset(frame)
        self._draw_ground(image, frame, offset)
        camera = Camera(style, self.width, offset, self.cx, self.pitch_rad)
        position = self.positions_m[frame]
        draw_overpasses(image, self.ground, camera, self.overpasses, position,
                        (style.road_right_m - style.road_left_m) / 2 + 2)
        draw_roadside(image, camera, self.objects, position)
        draw_traffic(image, camera, self.cars, frame, position)
        shake = cv2.getRotationMatrix2D((self.width / 2, self.height / 2), self.shake_roll_deg[frame], 1.0)
        shake[1, 2] += self.shake_y[frame]
        image = cv2.warpAffine(image, shake, (self.width, self.height), borderMode=cv2.BORDER_REFLECT)
        cv2.copyTo(self.hood, self.hood_mask, image)
        image = cv2.convertScaleAbs(image, alpha=float(self.light[frame]))
        up, down = self.noise_rng.integers(0, len(self.noise_bank), 2)
        cv2.add(image, self.noise_bank[up], dst=image)
        cv2.subtract(image, self.noise_bank[down], dst=image)
        return image

    def __iter__(self) -> Iterator[np.ndarray]:
        """Yield every frame in order, (H, W, 3) uint8 BGR."""
        for index in range(len(self.speeds_mps)):
            yield self.frame(index)


def render_dashcam(out_dir: str | os.PathLike, name: str | None = None, n_frames: int = 1200,
                   speeds_file: str | os.PathLike | None = None, seed: int = 0, fps: float = FPS,
                   progress: bool = True, first_segment: str | None = None, camera=None) -> tuple[Path, Path]:
    """Render a synthetic drive to out_dir/NAME.mp4 and out_dir/NAME.txt (one speed per frame, m/s); return both paths.

    With speeds_file (one speed per line, comma.ai's train.txt format) that exact trace is rendered; otherwise a
    random trace, starting with first_segment ("highway", "city", ...) if given. camera: see DashcamRenderer.
    """
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"--fps must be a positive number of frames per second, got {fps}")
    if camera is not None:
        check_camera(camera)
    if speeds_file is not None:
        speeds = load_labels(speeds_file)
        if len(speeds) < 2:
            raise ValueError(f"{speeds_file}: {len(speeds)} speed; a drive needs at least 2 frames")
        bad = np.flatnonzero((speeds < 0) | (speeds > MAX_SPEED_MPS))
        if len(bad):
            raise ValueError(f"{speeds_file}: speed number {bad[0] + 1}, {speeds[bad[0]]:g} m/s, is outside "
                             f"0-{MAX_SPEED_MPS:g} m/s (speeds are metres per second, one per frame)")
    else:
        if n_frames < 2:
            raise ValueError(f"--frames must be at least 2 to have any motion, got {n_frames}")
        speeds = random_speed_trace(n_frames, fps, np.random.default_rng([seed, 7]), first=first_segment)
    name = name or f"dashcam_{seed}"
    out_dir = Path(out_dir)
    video_path, labels_path = out_dir / f"{name}.mp4", out_dir / f"{name}.txt"
    check_output_path(video_path), check_output_path(labels_path)
    renderer = DashcamRenderer(speeds, seed, fps, camera=camera)
    frames = progress_bar(renderer, total=len(speeds), desc=f"render {name}", unit="frame", enabled=progress)
    write_video(video_path, frames, fps)
    save_labels(labels_path, speeds)
    return video_path, labels_path
