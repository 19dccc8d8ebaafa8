"""Things beside and on the synthetic road: trees, poles, signs, buildings, guardrail posts, overpasses, cars."""

from __future__ import annotations

import cv2
import numpy as np

from .scene import SceneStyle

NEAREST_M = 1.6  # objects closer than this (m ahead of the camera) are behind the windshield's view
FARTHEST_M = 180.0  # objects farther than this (m) are too small to draw
WINDOW_FARTHEST_M = 70.0  # facade windows are drawn up to this distance, m

# kind -> (relative frequency per style kind highway/suburban/city)
KIND_WEIGHTS = {
    "tree": (0.45, 0.45, 0.15),
    "pole": (0.25, 0.25, 0.25),
    "sign": (0.1, 0.08, 0.1),
    "post": (0.2, 0.05, 0.0),
    "building": (0.0, 0.17, 0.5),
}
SPACING_M = {"highway": 9.0, "suburban": 7.0, "city": 6.0}  # mean distance between roadside objects, m


def place_objects(style: SceneStyle, rng: np.random.Generator, length_m: float) -> dict:
    """Return the roadside objects of a drive as arrays sorted by distance along the road.

    Keys: d_m (along), u_m (across, from ego lane centre), kind (int index into KIND_WEIGHTS), size, color (N, 3).
    """
    kinds = list(KIND_WEIGHTS)
    column = ("highway", "suburban", "city").index(style.kind)
    weights = np.array([KIND_WEIGHTS[k][column] for k in kinds])
    count = int(length_m / SPACING_M[style.kind]) + 1
    d = np.sort(rng.uniform(-20, length_m, count))
    kind = rng.choice(len(kinds), count, p=weights / weights.sum())
    right = rng.random(count) < 0.6
    edge = np.where(right, style.road_right_m, style.road_left_m)
    setback = np.where(kinds.index("building") == kind, rng.uniform(3, 9, count), rng.uniform(0.8, 6, count))
    setback = np.where(kind == kinds.index("post"), 0.6, setback)
    u = edge + np.where(right, setback, -setback)
    size = rng.uniform(0.7, 1.4, count)
    base_colors = np.array([(40, 90, 50), (120, 120, 120), (140, 90, 30), (160, 160, 160), (140, 150, 170)], float)
    color = base_colors[kind] * rng.uniform(0.6, 1.3, (count, 1)) + rng.normal(0, 12, (count, 3))
    building_palette = np.array([(120, 130, 150), (90, 100, 160), (170, 170, 165), (80, 90, 110), (150, 180, 200)])
    is_building = kind == kinds.index("building")
    color[is_building] = building_palette[rng.integers(0, len(building_palette), is_building.sum())]
    return {"d_m": d, "u_m": u, "kind": kind, "size": size, "color": np.clip(color, 0, 255),
            "right": right, "names": kinds}


def place_overpasses(style: SceneStyle, rng: np.random.Generator, length_m: float) -> np.ndarray:
    """Return distances (m) of bridges crossing over the road; highways and suburban roads have a few."""
    rate = {"highway": 1 / 500, "suburban": 1 / 900, "city": 1 / 1500}[style.kind]  # per m
    count = rng.poisson(rate * length_m)
    return np.sort(rng.uniform(30, max(31, length_m), count))


class Camera:
    """Projects road coordinates (along d, across u, height h, all m) into pixels for one frame.

    cx is the principal point's column (default: the frame's centre); pitch_rad tilts the camera down by that angle.
    """

    def __init__(self, style: SceneStyle, width: int, curve_offset, cx: float | None = None, pitch_rad: float = 0.0):
        self.f = style.focal_px
        self.cx = width / 2 if cx is None else cx
        self.horizon = style.horizon_px
        self.height_m = style.camera_height_m
        self.curve_offset = curve_offset  # callable: distances ahead (m) -> lateral shift of the road, m
        self.pitch_rad = pitch_rad

    def project(self, ahead_m, u_m, h_m):
        """Return pixel x and y arrays for points ahead_m in front, u_m across and h_m above the road."""
        ahead_m = np.maximum(ahead_m, 0.1)
        if self.pitch_rad != 0.0:
            return self._project_tilted(ahead_m, u_m, h_m)
        x = self.cx + self.f * (u_m + self.curve_offset(ahead_m)) / ahead_m
        y = self.horizon + self.f * (self.height_m - h_m) / ahead_m
        return x, y

    def _project_tilted(self, ahead_m, u_m, h_m):
        """Return pixel x and y arrays as project does, for a camera pitched down by pitch_rad."""
        cos, sin = np.cos(self.pitch_rad), np.sin(self.pitch_rad)
        below = self.height_m - h_m  # m below the lens
        depth = np.maximum(ahead_m * cos + below * sin, 0.1)  # along the optical axis, m
        principal = self.horizon + self.f * np.tan(self.pitch_rad)  # the principal point's row
        x = self.cx + self.f * (u_m + self.curve_offset(ahead_m)) / depth
        y = principal + self.f * (below * cos - ahead_m * sin) / depth
        return x, y


def _quad(image, xs, ys, color):
    """Fill the convex polygon with corners (xs, ys) in pixels."""
    points = np.round(np.stack([xs, ys], axis=-1) * 4).astype(np.int32)
    cv2.fillConvexPoly(image, points, tuple(float(c) for c in color), lineType=cv2.LINE_AA, shift=2)


def draw_roadside(image, camera: Camera, objects: dict, position_m: float) -> None:
    """Draw the roadside objects visible from position_m, far to near, in place."""
    d = objects["d_m"]
    first, last = np.searchsorted(d, [position_m + NEAREST_M, position_m + FARTHEST_M])
    names = objects["names"]
    for i in range(last - 1, first - 1, -1):
        ahead = d[i] - position_m
        u, size, color, kind = objects["u_m"][i], objects["size"][i], objects["color"][i], names[objects["kind"][i]]
        if kind == "tree":
            _draw_tree(image, camera, ahead, u, size, color)
        elif kind == "pole":
            _draw_box(image, camera, ahead, u, 0.12, 0.0, 8.0 * size, color)
            arm = -1.8 if objects["right"][i] else 1.8
            x0, y0 = camera.project(np.array([ahead, ahead]), np.array([u, u + arm]), np.array([8 * size] * 2))
            cv2.line(image, (int(x0[0]), int(y0[0])), (int(x0[1]), int(y0[1])), tuple(float(c) for c in color),
                     max(1, int(camera.f * 0.1 / ahead)))
        elif kind == "sign":
            _draw_box(image, camera, ahead, u, 0.06, 0.0, 2.2, (110, 110, 110))
            _draw_box(image, camera, ahead, u, 0.7 * size, 1.8, 2.8 + 0.6 * size, color)
        elif kind == "post":
            _draw_box(image, camera, ahead, u, 0.08, 0.0, 0.8, (150, 150, 150))
        elif kind == "building":
            _draw_facade(image, camera, ahead, u, size, color, objects["right"][i])


def _draw_box(image, camera, ahead, u, half_width, bottom, top, color):
    """Draw a flat upright rectangle facing the camera: half_width (m) around u, from bottom to top (m)."""
    xs, ys = camera.project(np.full(4, ahead), np.array([u - half_width, u + half_width, u + half_width,
                                                          u - half_width]), np.array([bottom, bottom, top, top]))
    _quad(image, xs, ys, color)


def _draw_tree(image, camera, ahead, u, size, color):
    """Draw a trunk and a two-tone canopy."""
    _draw_box(image, camera, ahead, u, 0.18 * size, 0.0, 2.5 * size, (40, 60, 80))
    x, y = camera.project(np.array([ahead]), np.array([u]), np.array([4.2 * size]))
    radius = max(1, int(camera.f * 2.2 * size / ahead))
    center = (int(x[0]), int(y[0]))
    cv2.ellipse(image, center, (radius, int(radius * 1.15)), 0, 0, 360, tuple(float(c) * 0.7 for c in color), -1)
    cv2.ellipse(image, (center[0] - radius // 4, center[1] - radius // 4), (radius * 3 // 4, radius * 3 // 4), 0, 0,
                360, tuple(float(c) for c in color), -1)


def _draw_facade(image, camera, ahead, u, size, color, right_side):
    """Draw a building wall parallel to the road, with a grid of windows when near enough."""
    length, height = 14.0 * size, 9.0 * size
    near, far = ahead, ahead + length
    xs, ys = camera.project(np.array([near, far, far, near]), np.full(4, u), np.array([0, 0, height, height]))
    _quad(image, xs, ys, color)
    if ahead > WINDOW_FARTHEST_M:
        return
    floors = int(height // 3)
    columns = int(length // 3)
    along = near + 3 * np.arange(columns) + 0.8
    for floor in range(floors):
        low, high = 3 * floor + 1.0, 3 * floor + 2.2
        for a in along:
            xs, ys = camera.project(np.array([a, a + 1.4, a + 1.4, a]), np.full(4, u),
                                    np.array([low, low, high, high]))
            _quad(image, xs, ys, (color[0] * 0.45 + 40, color[1] * 0.45 + 30, color[2] * 0.4 + 20))


def draw_overpasses(image, ground_rows, camera: Camera, overpasses, position_m, road_half_width_m) -> None:
    """Draw bridges over the road and darken the ground in their shadow, in place."""
    depths = ground_rows["ahead_m"]
    for d in overpasses[::-1]:
        ahead = d - position_m
        if not NEAREST_M < ahead < FARTHEST_M:
            continue
        in_shadow = (depths > ahead - 2.0) & (depths < ahead + 9.0)
        rows = ground_rows["rows"][in_shadow]
        if len(rows):
            image[rows[0]:rows[-1] + 1] = (image[rows[0]:rows[-1] + 1] * 0.45).astype(np.uint8)
        xs, ys = camera.project(np.full(4, ahead), np.array([-80, 80, 80, -80]), np.array([5.0, 5.0, 6.6, 6.6]))
        _quad(image, xs, ys, (95, 100, 105))
        for side in (-road_half_width_m - 1.5, road_half_width_m + 1.5):
            _draw_box(image, camera, ahead + 1, side, 0.6, 0.0, 5.0, (80, 85, 90))


def make_traffic(style: SceneStyle, rng: np.random.Generator, n_frames: int, fps: float, positions_m: np.ndarray):
    """Return other cars' positions along the road per frame and their looks.

    Returns a list of dicts: d_m (n_frames,) along the road, u_m across, oncoming flag, color.
    """
    cars = []
    t = np.arange(n_frames) / fps
    same_lanes = style.lane_centers(False)
    for lane in same_lanes:
        for _ in range(int(rng.integers(0, 3))):
            # a car in our direction keeps a slowly changing gap to us; in our lane it stays ahead
            base = rng.uniform(12, 90) if lane == 0 else rng.uniform(-20, 110)
            swing = rng.uniform(2, 25)
            gap = base + swing * np.sin(2 * np.pi * t / rng.uniform(25, 80) + rng.uniform(0, 6.3))
            if lane == 0:
                gap = np.maximum(gap, 9.0)
            cars.append({"d_m": positions_m + gap, "u_m": lane + rng.normal(0, 0.15), "oncoming": False,
                         "color": rng.uniform(20, 230, 3)})
    total_s = n_frames / fps
    for lane in style.lane_centers(True):
        count = rng.poisson(total_s / rng.uniform(4, 12))
        for _ in range(count):
            speed = rng.uniform(8, 28)
            start = rng.uniform(0, positions_m[-1] + speed * total_s + 200)
            cars.append({"d_m": start - speed * t, "u_m": lane + rng.normal(0, 0.15), "oncoming": True,
                         "color": rng.uniform(20, 230, 3)})
    return cars


def draw_traffic(image, camera: Camera, cars, frame: int, position_m: float) -> None:
    """Draw the cars visible in this frame, far to near, each as a body with its near side, cabin and lights."""
    visible = [(car["d_m"][frame] - position_m, car) for car in cars]
    visible = [(ahead, car) for ahead, car in visible if NEAREST_M + 2 < ahead < FARTHEST_M]
    for ahead, car in sorted(visible, key=lambda item: -item[0]):
        u, color = car["u_m"], car["color"]
        side_u = u + 0.9 if u < 0 else u - 0.9
        xs, ys = camera.project(np.array([ahead, ahead + 4.5, ahead + 4.5, ahead]), np.full(4, side_u),
                                np.array([0.25, 0.25, 1.35, 1.35]))
        _quad(image, xs, ys, color * 0.7)
        _draw_box(image, camera, ahead - 0.05, u, 1.1, -0.05, 0.05, (20, 20, 20))  # shadow under the car
        _draw_box(image, camera, ahead, u, 0.9, 0.2, 0.95, color)
        _draw_box(image, camera, ahead + 0.3, u, 0.75, 0.95, 1.45, color * 0.5 + 20)
        light = (200, 230, 240) if car["oncoming"] else (30, 30, 200)
        for side in (-0.7, 0.55):
            _draw_box(image, camera, ahead - 0.01, u + side + 0.075, 0.075, 0.6, 0.75, light)
