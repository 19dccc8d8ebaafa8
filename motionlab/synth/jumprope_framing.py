"""Framings users film jump rope with, applied to a rendered clip's frames: a small athlete in a wide scene,
picture-in-picture on a black frame with text, black borders with burnt-in captions and a logo, a handheld phone
that shakes and zooms. The jump frames do not move, so the clip's labels stay as rendered.

Each effect is a function (frames iterator, frame size, rng) -> frames iterator; the same seed gives the same clip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import cv2
import numpy as np

SMALL_SCALE = (0.25, 0.4)  # "small": the rendered picture shrinks to this share of the frame (the athlete, who
# fills 0.3-0.8 of it, to 0.08-0.3 of the frame's height: the "a tenth of the frame" and up)
PIP_DIAMETER = (0.4, 0.55)  # "pip": the circular inset's diameter, share of the frame's height
LETTERBOX_BAR = (0.1, 0.18)  # "letterbox": each black bar's height, share of the frame's height
SHAKE_SHARE = 0.03  # "handheld": standard deviation of the picture's drift, share of the frame's short side
SHAKE_SMOOTHING = 0.9  # "handheld": how much of each frame's drift carries to the next (a smooth random walk)
ZOOM_RANGE = (1.0, 1.25)  # "handheld": the slow zoom in and out between these factors
TEXT_COLOUR = (255, 255, 255)  # captions and overlays, BGR


def _caption(image: np.ndarray, text: str, row: int, scale: float, column: int | None = None) -> None:
    """Write white text with a dark outline at a row (and column, default near the left edge) of the image, in place."""
    column = int(0.04 * image.shape[1]) if column is None else column
    for colour, thickness in (((0, 0, 0), 4), (TEXT_COLOUR, 1)):
        cv2.putText(image, text, (column, row), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA)


def plain(frames: Iterator[np.ndarray], size: tuple[int, int], rng: np.random.Generator) -> Iterator[np.ndarray]:
    """The rendered clip as it is."""
    return frames


def small(frames, size, rng):
    """The whole rendered picture shrunk into a wide, still scene (its own first frame enlarged and blurred)."""
    height, width = size
    scale = rng.uniform(*SMALL_SCALE)
    inner_h, inner_w = int(height * scale), int(width * scale)
    top, left = int(rng.uniform(0.3, 1.0) * (height - inner_h)), int(rng.uniform(0, 1) * (width - inner_w))
    background = None
    for frame in frames:
        if background is None:
            background = cv2.GaussianBlur(frame, (0, 0), 6)
        out = background.copy()
        out[top:top + inner_h, left:left + inner_w] = cv2.resize(frame, (inner_w, inner_h), interpolation=cv2.INTER_AREA)
        yield out


def pip(frames, size, rng):
    """A circular picture-in-picture of the clip on a black frame, with a title and a running timer burnt in."""
    height, width = size
    diameter = int(height * rng.uniform(*PIP_DIAMETER))
    top = int(rng.uniform(0.15, 0.85) * (height - diameter))
    left = int(rng.uniform(0.2, 0.8) * (width - diameter))
    side = min(height, width)  # the centre square of the picture fills the circle
    mask = np.zeros((diameter, diameter), np.uint8)
    cv2.circle(mask, (diameter // 2, diameter // 2), diameter // 2, 255, -1)
    for number, frame in enumerate(frames):
        square = frame[(height - side) // 2:(height + side) // 2, (width - side) // 2:(width + side) // 2]
        inset = cv2.resize(square, (diameter, diameter), interpolation=cv2.INTER_AREA)
        out = np.zeros_like(frame)
        out[top:top + diameter, left:left + diameter] = np.where(mask[..., None] > 0, inset, 0)
        _caption(out, "DOUBLE UNDERS", int(0.1 * height), 0.8 * height / 480)
        _caption(out, f"00:{number // 30:02d}.{number % 30:02d}", int(0.95 * height), 0.6 * height / 480)
        yield out


def letterbox(frames, size, rng):
    """Black bars above and below the picture, a caption in the lower bar and a logo in a corner."""
    height, width = size
    bar = int(height * rng.uniform(*LETTERBOX_BAR))
    for frame in frames:
        out = np.zeros_like(frame)
        out[bar:height - bar] = cv2.resize(frame, (width, height - 2 * bar))
        _caption(out, "speed step 30 s  @club", height - bar // 3, 0.5 * height / 480)
        cv2.rectangle(out, (width - 60, bar + 8), (width - 12, bar + 40), TEXT_COLOUR, 2)
        _caption(out, "TV", bar + 32, 0.6 * height / 480, column=width - 52)
        yield out


def handheld(frames, size, rng):
    """A phone held by hand: the picture drifts and shakes (a smooth random walk) and zooms slowly in and out."""
    height, width = size
    shift = np.zeros(2)
    zoom_phase, zoom_rate = rng.uniform(0, 2 * np.pi), rng.uniform(0.01, 0.03)  # radians per frame
    step_px = SHAKE_SHARE * min(height, width) * np.sqrt(1 - SHAKE_SMOOTHING ** 2)  # keeps the drift's spread
    for number, frame in enumerate(frames):
        shift = SHAKE_SMOOTHING * shift + rng.normal(0, step_px, 2)
        low, high = ZOOM_RANGE
        zoom = low + (high - low) * 0.5 * (1 + np.sin(zoom_phase + zoom_rate * number))
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 0.0, zoom)
        matrix[:, 2] += shift
        yield cv2.warpAffine(frame, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)


FRAMING_EFFECTS: dict[str, Callable] = {"plain": plain, "small": small, "pip": pip, "letterbox": letterbox,
                                        "handheld": handheld}
