"""The synthetic dashcam's world: road layout, style, ground texture and roadside objects, all drawn from a seed."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .textures import colorize, fractal_noise, mip_levels, tileable_noise

TEXEL_U_M = 0.08  # ground texture cell across the road, m
TEXEL_V_M = 0.05  # ground texture cell along the road, m
GROUND_HALF_WIDTH_M = 48.0  # ground texture covers this far left and right of the ego lane, m
GROUND_PERIOD_M = 96.0  # ground texture repeats along the road after this distance, m (a multiple of DASH_PERIOD_M)
SHADOW_PERIOD_M = 136.0  # shadow texture period, m (not a multiple of the ground period, to hide repetition)
SHADOW_TEXEL_M = 0.2  # shadow texture cell, m
DASH_PERIOD_M = 12.0  # lane dash plus gap, m (US: 10 ft dash, 30 ft gap)
DASH_LENGTH_M = 3.0  # painted part of a lane dash, m
LINE_WIDTH_M = 0.15  # painted line width, m
MIP_COUNT = 8  # blur levels of the ground texture for far, squeezed rows
# One car, one camera mount, as in the comma.ai data (train and test videos come from the same car): the
# geometry that turns flow in pixels into metres is fixed, apart from the ride height changing with the load.
CAMERA_HEIGHT_M = 1.35  # lens above the road, m
RIDE_HEIGHT_SPREAD = 0.01  # per drive, the camera height varies by up to this fraction
FOCAL_PER_WIDTH = 0.84  # focal length, in frame widths (about 62 degrees horizontal field of view)
HORIZON_PER_HEIGHT = 0.445  # the flat road's horizon, fraction of frame height from the top

SCENE_KINDS = ("highway", "suburban", "city")


@dataclass
class SceneStyle:
    """Everything about one synthetic drive that is fixed for the whole video, drawn from the seed."""

    kind: str
    lane_width_m: float
    lanes_ours: int
    ego_lane: int
    lanes_oncoming: int
    median_m: float  # grass between directions (0: painted double yellow)
    camera_height_m: float
    focal_px: float
    horizon_px: float
    asphalt_bgr: tuple
    verge_bgr: tuple
    sky_top_bgr: tuple
    sky_bottom_bgr: tuple
    light: float  # overall brightness, 1 = midday
    curviness: float  # 1/m, typical curvature
    extras: dict = field(default_factory=dict)

    @property
    def road_left_m(self) -> float:
        """Left edge of the whole carriageway, m from the ego lane centre (negative is left)."""
        ours_left = -(self.ego_lane + 0.5) * self.lane_width_m
        return ours_left - self.median_m - self.lanes_oncoming * self.lane_width_m

    @property
    def road_right_m(self) -> float:
        """Right edge of the carriageway, m from the ego lane centre."""
        return (self.lanes_ours - self.ego_lane - 0.5) * self.lane_width_m

    def lane_centers(self, oncoming: bool) -> list[float]:
        """Return lane centres, m from the ego lane centre, for our direction or the oncoming one."""
        w = self.lane_width_m
        if not oncoming:
            return [(i - self.ego_lane) * w for i in range(self.lanes_ours)]
        ours_left = -(self.ego_lane + 0.5) * w
        return [ours_left - self.median_m - (i + 0.5) * w for i in range(self.lanes_oncoming)]


def draw_style(rng: np.random.Generator, width: int, height: int) -> SceneStyle:
    """Return a random SceneStyle: kind of road, lanes, camera, palette and lighting."""
    kind = str(rng.choice(SCENE_KINDS, p=[0.4, 0.35, 0.25]))
    lanes_ours = int(rng.integers(2, 4)) if kind == "highway" else int(rng.integers(1, 3))
    gray = rng.uniform(70, 120)
    tint = rng.uniform(-8, 8)
    verge = {"highway": (40, 110, 70), "suburban": (50, 120, 80), "city": (150, 150, 145)}[kind]
    verge = tuple(float(c) * rng.uniform(0.75, 1.15) for c in verge)
    light = rng.uniform(0.55, 1.1)
    sky_top = (rng.uniform(150, 230), rng.uniform(110, 170), rng.uniform(60, 110))
    haze = rng.uniform(170, 235)
    return SceneStyle(
        kind=kind,
        lane_width_m=rng.uniform(3.3, 3.8),
        lanes_ours=lanes_ours,
        ego_lane=int(rng.integers(0, lanes_ours)),
        lanes_oncoming=lanes_ours if kind != "city" else int(rng.integers(1, 3)),
        median_m=rng.uniform(4.0, 12.0) if kind == "highway" else 0.0,
        camera_height_m=CAMERA_HEIGHT_M * rng.uniform(1 - RIDE_HEIGHT_SPREAD, 1 + RIDE_HEIGHT_SPREAD),
        focal_px=width * FOCAL_PER_WIDTH,
        horizon_px=height * HORIZON_PER_HEIGHT,
        asphalt_bgr=(gray + tint, gray, gray - tint),
        verge_bgr=verge,
        sky_top_bgr=sky_top,
        sky_bottom_bgr=(haze, haze * 0.98, haze * 0.93),
        light=light,
        curviness={"highway": 1 / 900, "suburban": 1 / 350, "city": 1 / 250}[kind] * rng.uniform(0.5, 1.5),
    )


def _paint_band(texture: np.ndarray, u_from: float, u_to: float, color, rows=slice(None)) -> None:
    """Paint the texture columns between lateral positions u_from..u_to (m) with a colour, in place."""
    cols = texture.shape[1]
    a = int(round(u_from / TEXEL_U_M + cols / 2))
    b = max(a + 1, int(round(u_to / TEXEL_U_M + cols / 2)))
    texture[rows, max(a, 0):min(b, cols)] = color


def ground_texture(style: SceneStyle, rng: np.random.Generator) -> np.ndarray:
    """Return the tileable ground (road, markings, verges) seen from above, (rows along, cols across, 3) uint8."""
    rows = int(GROUND_PERIOD_M / TEXEL_V_M)
    cols = int(2 * GROUND_HALF_WIDTH_M / TEXEL_U_M)
    u = (np.arange(cols) - cols / 2) * TEXEL_U_M
    verge = colorize(fractal_noise(rng, (rows, cols), cells=(3, 12, 60), weights=(0.35, 0.35, 0.3)),
                     style.verge_bgr, 0.35)
    asphalt = colorize(fractal_noise(rng, (rows, cols), cells=(2, 10, 40), weights=(0.3, 0.4, 0.3)),
                       style.asphalt_bgr, rng.uniform(0.25, 0.4))
    on_road = ((u >= style.road_left_m) & (u <= style.road_right_m))[None, :, None]
    texture = np.where(on_road, asphalt, verge)
    # tyre tracks: darker, polished bands in every lane
    for center in style.lane_centers(False) + style.lane_centers(True):
        for side in (-0.85, 0.85):
            track = np.exp(-((u - center - side) / 0.35) ** 2)[None, :, None]
            texture *= 1.0 - 0.12 * track
    # patches and stains, fixed in the world
    for _ in range(int(rng.integers(20, 50))):
        v0 = int(rng.integers(0, rows))
        length = int(rng.uniform(0.5, 6.0) / TEXEL_V_M)
        u0 = rng.uniform(style.road_left_m, style.road_right_m)
        span = rng.uniform(0.4, 3.0)
        rows_idx = np.arange(v0, v0 + length) % rows
        a = int((u0 + GROUND_HALF_WIDTH_M) / TEXEL_U_M)
        b = min(cols, a + int(span / TEXEL_U_M))
        texture[rows_idx, a:b] *= rng.uniform(0.7, 1.2)
    # cracks: thin dark random walks
    for _ in range(int(rng.integers(30, 80))):
        v, col = rng.uniform(0, rows), (rng.uniform(style.road_left_m, style.road_right_m) + GROUND_HALF_WIDTH_M) / TEXEL_U_M
        points = [(col, v)]
        for _ in range(int(rng.integers(5, 25))):
            col += rng.normal(0, 3)
            v += rng.normal(0, 8)
            points.append((col, v))
        cv2.polylines(texture, [np.int32(points)], False, tuple(float(c) * 0.5 for c in style.asphalt_bgr),
                      int(rng.integers(1, 4)))
    _paint_markings(texture, style, rng, verge)
    return np.clip(texture, 0, 255).astype(np.uint8)


def _paint_markings(texture: np.ndarray, style: SceneStyle, rng: np.random.Generator, verge: np.ndarray) -> None:
    """Paint edge lines, lane dashes and the centre line onto the ground texture, in place."""
    rows = texture.shape[0]
    white = (rng.uniform(200, 240),) * 3
    yellow = (60, 190, 220)
    dash_rows = np.zeros(rows, bool)
    v = np.arange(rows) * TEXEL_V_M
    dash_rows[(v % DASH_PERIOD_M) < DASH_LENGTH_M] = True
    w, half = style.lane_width_m, LINE_WIDTH_M / 2
    ours_left = -(style.ego_lane + 0.5) * w
    _paint_band(texture, style.road_right_m - 0.4 - half, style.road_right_m - 0.4 + half, white)
    for i in range(1, style.lanes_ours):
        x = ours_left + i * w
        _paint_band(texture, x - half, x + half, white, dash_rows)
    if style.median_m > 0:
        _paint_band(texture, ours_left + 0.3 - half, ours_left + 0.3 + half, yellow)
        oncoming_right = ours_left - style.median_m
        _paint_band(texture, oncoming_right - 0.3 - half, oncoming_right - 0.3 + half, yellow)
        centre = texture.shape[1] / 2
        median = slice(int(oncoming_right / TEXEL_U_M + centre), int(ours_left / TEXEL_U_M + centre))
        texture[:, median] = verge[:, median]  # grass between the carriageways
    else:
        for offset in (-0.12, 0.12):
            _paint_band(texture, ours_left + offset - half, ours_left + offset + half, yellow)
    for i in range(1, style.lanes_oncoming):
        x = ours_left - style.median_m - i * w
        _paint_band(texture, x - half, x + half, white, dash_rows)
    _paint_band(texture, style.road_left_m + 0.4 - half, style.road_left_m + 0.4 + half, white)


def ground_mips(style: SceneStyle, rng: np.random.Generator) -> list[np.ndarray]:
    """Return the ground texture and its blurred mip levels, each with one extra wrapped row for interpolation."""
    texture = ground_texture(style, rng)
    return [np.concatenate([level, level[:1]]) for level in mip_levels(texture, MIP_COUNT)]


def shadow_texture(style: SceneStyle, rng: np.random.Generator) -> np.ndarray:
    """Return soft shadows cast on the ground by trees and buildings, (rows, cols) uint8 gain (255 = no shadow)."""
    rows = int(SHADOW_PERIOD_M / SHADOW_TEXEL_M)
    cols = int(2 * GROUND_HALF_WIDTH_M / SHADOW_TEXEL_M)
    u = (np.arange(cols) - cols / 2) * SHADOW_TEXEL_M
    blobs = tileable_noise(rng, (rows, cols), 25) + 0.5 * tileable_noise(rng, (rows, cols), 6)
    # shadows gather near the road edges, where trees and buildings stand
    edge = np.exp(-((u - style.road_right_m - 3) / 6) ** 2) + np.exp(-((u - style.road_left_m + 3) / 6) ** 2)
    density = {"highway": 0.35, "suburban": 0.9, "city": 0.8}[style.kind]
    shade = np.clip((blobs - 0.3) * 2.0, 0, 1) * np.clip(edge * 1.5 * density + 0.15 * density, 0, 1)[None, :]
    gain = 1.0 - 0.55 * shade
    gain = np.concatenate([gain, gain[:1]])
    return np.clip(gain * 255, 0, 255).astype(np.uint8)


def sky_panorama(style: SceneStyle, rng: np.random.Generator, height: int, width_extra: int = 0) -> np.ndarray:
    """Return a 360-degree strip of sky, clouds and far hills or skyline, (height, f*2*pi + width_extra, 3) uint8.

    The last width_extra columns repeat the first ones, so any window of that width is one slice.
    """
    width = int(round(2 * np.pi * style.focal_px))
    horizon = int(style.horizon_px)
    t = np.clip(np.arange(height) / max(horizon, 1), 0, 1)[:, None, None]
    top, bottom = np.asarray(style.sky_top_bgr, np.float32), np.asarray(style.sky_bottom_bgr, np.float32)
    sky = np.broadcast_to(top * (1 - t) + bottom * t, (height, width, 3)).copy()
    clouds = np.clip(tileable_noise(rng, (height, width), 40) + 0.4 * tileable_noise(rng, (height, width), 10), 0, None)
    sky += (np.float32(245) - sky) * np.clip(clouds * rng.uniform(0.3, 0.9), 0, 1)[..., None]
    # distant hills or a city skyline, cut against the sky
    profile = tileable_noise(rng, (1, width), 160)[0] * 0.6 + tileable_noise(rng, (1, width), 30)[0] * 0.2
    if style.kind == "city":
        blocks = np.repeat(rng.uniform(0.2, 1.0, width // 40 + 1), 40)[:width]
        profile = blocks * 1.4
    top_of_land = horizon - (np.abs(profile) * rng.uniform(12, 30) + 2).astype(int)
    land_color = np.asarray(style.verge_bgr, np.float32) * 0.55 + 60 if style.kind != "city" else np.float32(135)
    rows = np.arange(height)[:, None]
    land = rows >= top_of_land[None, :]
    sky[land] = sky[land] * 0.35 + np.asarray(land_color, np.float32) * 0.65
    sky = np.clip(sky, 0, 255).astype(np.uint8)
    return np.concatenate([sky, sky[:, :width_extra]], axis=1) if width_extra else sky


def hood_layer(style: SceneStyle, rng: np.random.Generator, width: int, height: int):
    """Return the car's hood image (H, W, 3) uint8 and its mask (H, W) uint8, fixed to the camera."""
    x = (np.arange(width) - width / 2) / (width / 2)
    top = (height * rng.uniform(0.8, 0.86) + height * 0.08 * x ** 2).astype(int)
    rows = np.arange(height)[:, None]
    mask = (rows >= top[None, :]).astype(np.uint8) * 255
    paint = np.asarray(rng.choice([(40, 40, 45), (25, 25, 110), (90, 90, 95), (120, 60, 20), (200, 200, 205)]),
                       np.float32)
    depth = np.clip((rows - top[None, :]) / (height * 0.15), 0, 1)[..., None]
    hood = paint * (0.55 + 0.6 * (1 - depth)) * (0.9 + 0.1 * np.cos(x * 2))[None, :, None]
    # the windshield's reflection of the sky: a bright soft band near the hood's edge
    hood += 40 * np.exp(-((rows - top[None, :] - 6) / 5.0) ** 2)[..., None]
    return np.clip(hood, 0, 255).astype(np.uint8), mask
