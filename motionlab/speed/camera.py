"""A dashcam's geometry (focal length, principal point, height above the road, pitch, hood) read from a JSON file,
and the road rows it implies: where the flow stage crops and what a pixel of road motion means in metres."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from ..cache import MODELS_DIR

CAMERAS_DIR = MODELS_DIR / "cameras"  # shipped camera files (models/cameras/README.md says where each number comes from)
DEFAULT_CAMERA_PATH = CAMERAS_DIR / "default.json"  # the synthetic renderer's own camera
MAX_PITCH_DEG = 30.0  # a dashcam tilted further than this up or down sees no usable road (or no horizon), degrees
ASPECT_TOLERANCE = 0.01  # a video may differ from the camera file's frame size only by a uniform scale, within 1 %
NEAREST_ROAD_M = 8.0  # the road crop ends this close ahead (or at the hood): nearer asphalt moves too far per frame
FARTHEST_ROAD_M = 40.0  # ... and starts this far ahead: farther rows hold cars and roadside and move under a pixel


@dataclass(frozen=True)
class Camera:
    """A forward dashcam over a flat road, in pixels of the full frame (OpenCV's convention: pixel centres at
    integer coordinates) and metres.

    pitch_deg > 0 tilts the camera down, which lifts the horizon above cy; hood_row is the first row of the car's
    own hood (None: no hood in view); width_px and height_px, when given, are the frame size the numbers refer to
    (a video of another size with the same aspect ratio gets them scaled).
    """

    focal_px: float
    cx: float
    cy: float
    camera_height_m: float
    pitch_deg: float = 0.0
    hood_row: float | None = None
    width_px: int | None = None
    height_px: int | None = None

    def __post_init__(self):
        """Refuse values no real dashcam has, in one line."""
        for name in ("focal_px", "camera_height_m"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        for name in ("cx", "cy", "pitch_deg"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value)):
                raise ValueError(f"{name} must be a number, got {value!r}")
        if abs(self.pitch_deg) > MAX_PITCH_DEG:
            raise ValueError(f"pitch_deg must be within +-{MAX_PITCH_DEG:g} degrees, got {self.pitch_deg}")
        for name in ("width_px", "height_px"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int) and value >= 16):
                raise ValueError(f"{name} must be a whole number of pixels >= 16, got {value!r}")
        if self.hood_row is not None and not (isinstance(self.hood_row, (int, float)) and self.hood_row > self.horizon_row):
            raise ValueError(f"hood_row must be a row below the horizon (row {self.horizon_row:.1f}), got "
                             f"{self.hood_row!r}")

    @property
    def horizon_row(self) -> float:
        """Return the image row of the flat road's horizon, pixels (cy when the camera looks level)."""
        return self.cy - self.focal_px * math.tan(math.radians(self.pitch_deg))

    def for_frame(self, width: int, height: int, source: str = "camera") -> "Camera":
        """Return this camera for frames of width x height pixels: scaled if the file gives another size of the same
        aspect ratio; ValueError naming `source` if the aspect ratio differs."""
        if self.width_px is None or self.height_px is None or (self.width_px, self.height_px) == (width, height):
            return self
        scale_x, scale_y = width / self.width_px, height / self.height_px
        if abs(scale_x / scale_y - 1) > ASPECT_TOLERANCE:
            raise ValueError(f"{source}: the camera is for {self.width_px}x{self.height_px} frames, the video is "
                             f"{width}x{height} (another aspect ratio: calibrate for this video)")
        hood = None if self.hood_row is None else self.hood_row * scale_y
        return replace(self, focal_px=self.focal_px * scale_x, cx=self.cx * scale_x, cy=self.cy * scale_y,
                       hood_row=hood, width_px=width, height_px=height)

    def road_rows(self, frame_height: int, nearest_m: float = NEAREST_ROAD_M,
                  farthest_m: float = FARTHEST_ROAD_M) -> tuple[int, int]:
        """Return the (first, last + 1) rows of road between farthest_m and nearest_m ahead, above the hood.

        ValueError if no such row is in a frame of this height (the horizon below the frame, or the hood above it).
        """
        rise = self.focal_px * self.camera_height_m  # rows below the horizon times metres ahead, px*m
        top = max(0, math.ceil(self.horizon_row + rise / farthest_m))
        bottom = min(frame_height, math.floor(self.horizon_row + rise / nearest_m) + 1)
        if self.hood_row is not None:
            bottom = min(bottom, math.floor(self.hood_row))
        if bottom - top < 8:
            raise ValueError(f"the camera sees no road {nearest_m:g}-{farthest_m:g} m ahead in a {frame_height}-row "
                             f"frame (rows {top}-{bottom}; horizon at row {self.horizon_row:.1f})")
        return top, bottom

    def as_dict(self) -> dict:
        """Return the camera's fields by name (what a JSON file holds)."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


def load_camera(path: str | os.PathLike = DEFAULT_CAMERA_PATH) -> Camera:
    """Return the Camera a JSON file describes (unknown keys ignored); ValueError naming the file if it is missing,
    not JSON, lacks a required key or holds a value no camera has."""
    path = Path(path)
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: camera file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: not a camera file (JSON): {' '.join(str(error).split())}") from None
    if not isinstance(values, dict):
        raise ValueError(f"{path}: not a camera file: a JSON object with focal_px, cx, cy, camera_height_m expected")
    known = {field.name for field in fields(Camera)}
    required = [name for name in ("focal_px", "cx", "cy", "camera_height_m") if name not in values]
    if required:
        raise ValueError(f"{path}: camera file lacks {', '.join(required)}")
    try:
        return Camera(**{key: value for key, value in values.items() if key in known})
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: {error}") from None
