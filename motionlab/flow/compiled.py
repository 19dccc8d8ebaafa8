"""Farneback optical flow over a stream of frames, each frame's polynomial expansion computed once.

cv2.calcOpticalFlowFarneback expands both images of every pair into local quadratic polynomials, so along a
video each frame is expanded twice. This module is the same algorithm as OpenCV 4's CPU code (optflowgf.cpp,
box-filter variant, flags=0: pyramid, polynomial expansion, matrix update, blur and solve), written so that
every frame's expansion is kept and reused by the next pair, compiled with Numba (nogil, so worker threads run in
parallel) apart from the separable filters, which are OpenCV's. Its flow matches cv2.calcOpticalFlowFarneback to
within 1e-3 pixels (tests/test_flow.py compares them); on one core here it took 1.85 ms a pair at 66x220
against OpenCV's 2.37 ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from numba import njit

MIN_LEVEL_SIZE = 32  # OpenCV stops adding pyramid levels when a side would drop below this, pixels
BORDER_WEIGHTS = (0.14, 0.14, 0.4472, 0.4472, 0.4472)  # OpenCV's down-weighting of the outermost 5 pixels
DETERMINANT_FLOOR = 1e-3  # added to the 2x2 system's determinant before inverting it (OpenCV's value)


@dataclass(frozen=True)
class Level:
    """One pyramid level: its size, and the Gaussian that smooths the image before resizing to it."""

    height: int  # pixels
    width: int  # pixels
    blur_size: int  # Gaussian kernel side, pixels (odd)
    blur_sigma: float  # Gaussian sigma, pixels (0: OpenCV derives it from the size)


def pyramid_levels(height: int, width: int, pyr_scale: float, levels: int) -> list[Level]:
    """Return the pyramid levels OpenCV uses for an image of this size, coarsest first (levels + 1 at most)."""
    usable, scale = 0, 1.0
    while usable < levels:
        scale *= pyr_scale
        if width * scale < MIN_LEVEL_SIZE or height * scale < MIN_LEVEL_SIZE:
            break
        usable += 1
    result = []
    for k in range(usable, -1, -1):
        scale = pyr_scale ** k
        sigma = (1 / scale - 1) * 0.5
        size = max(int(np.round(sigma * 5)) | 1, 3)
        result.append(Level(int(np.round(height * scale)), int(np.round(width * scale)), size, sigma))
    return result


@lru_cache(maxsize=8)
def _expansion_kernels(poly_n: int, poly_sigma: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
    """Return OpenCV's polynomial-expansion kernels g, x*g, x*x*g, (2n+1,) float32, and the inverse-moment weights."""
    offsets = np.arange(-poly_n, poly_n + 1)
    sigma = poly_sigma if poly_sigma >= np.finfo(np.float32).eps else poly_n * 0.3
    g = np.exp(-offsets ** 2 / (2 * sigma * sigma)).astype(np.float32).astype(np.float64)
    g = (g / g.sum()).astype(np.float32)
    xg, xxg = (offsets * g).astype(np.float32), (offsets * offsets * g).astype(np.float32)
    gy, gx = np.meshgrid(g.astype(np.float64), g.astype(np.float64), indexing="ij")
    y, x = np.meshgrid(offsets, offsets, indexing="ij")
    moments = np.zeros((6, 6))
    moments[0, 0] = np.sum(gy * gx)
    moments[1, 1] = moments[2, 2] = moments[0, 3] = moments[0, 4] = moments[3, 0] = moments[4, 0] = np.sum(
        gy * gx * x * x)
    moments[3, 3] = moments[4, 4] = np.sum(gy * gx * x ** 4)
    moments[5, 5] = moments[3, 4] = moments[4, 3] = np.sum(gy * gx * x * x * y * y)
    inverse = np.linalg.inv(moments)
    return g, xg, xxg, (inverse[1, 1], inverse[0, 3], inverse[3, 3], inverse[5, 5])


@njit(cache=True, nogil=True, fastmath=True)
def _combine(b1, b2, b3, b4, b5, b6, ig11, ig03, ig33, ig55):  # pragma: no cover (compiled)
    """Return OpenCV's five stored coefficients from the six filtered images: (H, W, 5) float32."""
    height, width = b1.shape
    out = np.empty((height, width, 5), np.float32)
    for y in range(height):
        for x in range(width):
            out[y, x, 0] = b3[y, x] * ig11
            out[y, x, 1] = b2[y, x] * ig11
            out[y, x, 2] = b1[y, x] * ig03 + b5[y, x] * ig33
            out[y, x, 3] = b1[y, x] * ig03 + b4[y, x] * ig33
            out[y, x, 4] = b6[y, x] * ig55
    return out


def polynomial_expansion(image: np.ndarray, poly_n: int, poly_sigma: float) -> np.ndarray:
    """Return the local quadratic fit of a float32 image: (H, W, 5) float32, coefficients of y, x, yy, xx, xy.

    OpenCV's FarnebackPolyExp as nine separable 1-D correlations with replicated borders (OpenCV's SIMD filters).
    """
    g, xg, xxg, weights = _expansion_kernels(poly_n, poly_sigma)
    one, replicate = np.ones(1, np.float32), cv2.BORDER_REPLICATE

    def correlate(source, along_x, along_y):
        """Return source filtered by along_x across and along_y down: (H, W) float32."""
        return cv2.sepFilter2D(source, cv2.CV_32F, along_x, along_y, borderType=replicate)

    by_g, by_xg, by_xxg = (correlate(image, one, kernel) for kernel in (g, xg, xxg))  # along y
    return _combine(correlate(by_g, g, one), correlate(by_g, xg, one), correlate(by_xg, g, one),
                    correlate(by_g, xxg, one), correlate(by_xxg, g, one), correlate(by_xg, xg, one),
                    *(np.float32(w) for w in weights))


def expand_frame(gray: np.ndarray, levels: list[Level], poly_n: int, poly_sigma: float) -> list[np.ndarray]:
    """Return a uint8 frame's polynomial expansion at every pyramid level, coarsest first: [(h, w, 5) float32]."""
    image = gray.astype(np.float32)
    expansions = []
    for level in levels:
        blurred = cv2.GaussianBlur(image, (level.blur_size, level.blur_size), level.blur_sigma, level.blur_sigma)
        if blurred.shape != (level.height, level.width):
            blurred = cv2.resize(blurred, (level.width, level.height), interpolation=cv2.INTER_LINEAR)
        expansions.append(polynomial_expansion(blurred, poly_n, poly_sigma))
    return expansions


@njit(cache=True, nogil=True, fastmath=True)
def _update_matrices(r0, r1, flow, matrices):  # pragma: no cover (compiled)
    """Fill matrices (H, W, 5) float32 with each pixel's system for the current flow, as OpenCV does."""
    height, width = flow.shape[0], flow.shape[1]
    border = np.array(BORDER_WEIGHTS, np.float32)
    for y in range(height):
        for x in range(width):
            dx, dy = flow[y, x, 0], flow[y, x, 1]
            fx, fy = np.float32(x) + dx, np.float32(y) + dy
            x1, y1 = int(np.floor(fx)), int(np.floor(fy))
            fx -= np.float32(x1)
            fy -= np.float32(y1)
            if 0 <= x1 < width - 1 and 0 <= y1 < height - 1:
                a00, a01 = (np.float32(1) - fx) * (np.float32(1) - fy), fx * (np.float32(1) - fy)
                a10, a11 = (np.float32(1) - fx) * fy, fx * fy
                r2 = a00 * r1[y1, x1, 0] + a01 * r1[y1, x1 + 1, 0] + a10 * r1[y1 + 1, x1, 0] + a11 * r1[y1 + 1, x1 + 1, 0]
                r3 = a00 * r1[y1, x1, 1] + a01 * r1[y1, x1 + 1, 1] + a10 * r1[y1 + 1, x1, 1] + a11 * r1[y1 + 1, x1 + 1, 1]
                r4 = a00 * r1[y1, x1, 2] + a01 * r1[y1, x1 + 1, 2] + a10 * r1[y1 + 1, x1, 2] + a11 * r1[y1 + 1, x1 + 1, 2]
                r5 = a00 * r1[y1, x1, 3] + a01 * r1[y1, x1 + 1, 3] + a10 * r1[y1 + 1, x1, 3] + a11 * r1[y1 + 1, x1 + 1, 3]
                r6 = a00 * r1[y1, x1, 4] + a01 * r1[y1, x1 + 1, 4] + a10 * r1[y1 + 1, x1, 4] + a11 * r1[y1 + 1, x1 + 1, 4]
                r4 = (r0[y, x, 2] + r4) * np.float32(0.5)
                r5 = (r0[y, x, 3] + r5) * np.float32(0.5)
                r6 = (r0[y, x, 4] + r6) * np.float32(0.25)
            else:
                r2 = r3 = np.float32(0)
                r4, r5, r6 = r0[y, x, 2], r0[y, x, 3], r0[y, x, 4] * np.float32(0.5)
            r2 = (r0[y, x, 0] - r2) * np.float32(0.5)
            r3 = (r0[y, x, 1] - r3) * np.float32(0.5)
            r2 += r4 * dy + r6 * dx
            r3 += r6 * dy + r5 * dx
            if x < 5 or x >= width - 5 or y < 5 or y >= height - 5:
                scale = np.float32(1)
                if x < 5:
                    scale *= border[x]
                if x >= width - 5:
                    scale *= border[width - x - 1]
                if y < 5:
                    scale *= border[y]
                if y >= height - 5:
                    scale *= border[height - y - 1]
                r2 *= scale
                r3 *= scale
                r4 *= scale
                r5 *= scale
                r6 *= scale
            matrices[y, x, 0] = r4 * r4 + r6 * r6
            matrices[y, x, 1] = (r4 + r5) * r6
            matrices[y, x, 2] = r5 * r5 + r6 * r6
            matrices[y, x, 3] = r4 * r2 + r6 * r3
            matrices[y, x, 4] = r6 * r2 + r5 * r3


@njit(cache=True, nogil=True, fastmath=True)
def _update_flow(r0, r1, flow, matrices, block_size, update_matrices):  # pragma: no cover (compiled)
    """Solve each pixel's box-averaged system into flow, in place, then (optionally) refresh the matrices.

    OpenCV's FarnebackUpdateFlow_Blur: running box sums with replicated borders, in float64.
    """
    height, width = flow.shape[0], flow.shape[1]
    m = block_size // 2
    scale = 1.0 / (block_size * block_size)
    rows = matrices.reshape(height, width * 5)  # (G11, G12, G22, h1, h2) of each pixel, side by side
    padded = np.zeros((width + 2 * m + 2) * 5)  # column sums, with m + 1 replicated columns each side
    first, last = (m + 1) * 5, (m + 1 + width) * 5
    column = padded[first:last]
    for j in range(width * 5):
        column[j] = rows[0, j] * (m + 2)
    for y in range(1, m):
        source = rows[min(y, height - 1)]
        for j in range(width * 5):
            column[j] += source[j]
    for y in range(height):
        added, removed = rows[min(y + m, height - 1)], rows[max(y - m - 1, 0)]
        for j in range(width * 5):
            column[j] += added[j] - removed[j]
        for j in range(first):
            padded[j] = padded[first + j % 5]
            padded[last + j] = padded[last - 5 + j % 5]
        s0, s1, s2, s3, s4 = (column[0] * (m + 2), column[1] * (m + 2), column[2] * (m + 2),
                              column[3] * (m + 2), column[4] * (m + 2))
        for x in range(1, m):
            s0 += column[x * 5]
            s1 += column[x * 5 + 1]
            s2 += column[x * 5 + 2]
            s3 += column[x * 5 + 3]
            s4 += column[x * 5 + 4]
        for x in range(width):
            entering, leaving = (m + 1 + x + m) * 5, x * 5
            s0 += padded[entering] - padded[leaving]
            s1 += padded[entering + 1] - padded[leaving + 1]
            s2 += padded[entering + 2] - padded[leaving + 2]
            s3 += padded[entering + 3] - padded[leaving + 3]
            s4 += padded[entering + 4] - padded[leaving + 4]
            g11, g12, g22, h1, h2 = s0 * scale, s1 * scale, s2 * scale, s3 * scale, s4 * scale
            inverse_determinant = 1.0 / (g11 * g22 - g12 * g12 + DETERMINANT_FLOOR)
            flow[y, x, 0] = (g11 * h2 - g12 * h1) * inverse_determinant  # the blur reads matrices, not flow
            flow[y, x, 1] = (g22 * h1 - g12 * h2) * inverse_determinant
    if update_matrices:
        _update_matrices(r0, r1, flow, matrices)


def flow_between(first: list[np.ndarray], second: list[np.ndarray], levels: list[Level], pyr_scale: float,
                 winsize: int, iterations: int) -> np.ndarray:
    """Return Farneback flow of one pair from its expansions (lists by level of (h, w, 5)): (H, W, 2) float32."""
    flow = None
    for level, r0, r1 in zip(levels, first, second):
        if flow is None:
            flow = np.zeros((*r0.shape[:2], 2), np.float32)
        else:
            flow = cv2.resize(flow, (level.width, level.height), interpolation=cv2.INTER_LINEAR)
            flow *= np.float32(1 / pyr_scale)
        matrices = np.empty(r0.shape, np.float32)
        _update_matrices(r0, r1, flow, matrices)
        for iteration in range(iterations):
            _update_flow(r0, r1, flow, matrices, winsize, iteration < iterations - 1)
    return flow


def stream_flow(frames_gray: np.ndarray, pyr_scale: float = 0.5, levels: int = 1, winsize: int = 15,
                iterations: int = 2, poly_n: int = 5, poly_sigma: float = 1.3) -> np.ndarray:
    """Return Farneback flow from each frame to the next of (K+1, H, W) uint8 frames: (K, H, W, 2) float32 px/frame.

    The same flow as cv2.calcOpticalFlowFarneback(frames[i], frames[i + 1], None, pyr_scale, levels, winsize,
    iterations, poly_n, poly_sigma, 0) for each i, with each frame expanded once.
    """
    frames_gray = np.asarray(frames_gray)
    if frames_gray.ndim != 3 or len(frames_gray) < 2:
        raise ValueError(f"need (K+1, H, W) gray frames with K >= 1, got shape {frames_gray.shape}")
    pyramid = pyramid_levels(*frames_gray.shape[1:], pyr_scale, levels)
    flows = np.empty((len(frames_gray) - 1, *frames_gray.shape[1:], 2), np.float32)
    previous = expand_frame(frames_gray[0], pyramid, poly_n, poly_sigma)
    for index in range(len(flows)):  # two frames' expansions at a time stay in the CPU's cache
        current = expand_frame(frames_gray[index + 1], pyramid, poly_n, poly_sigma)
        flows[index] = flow_between(previous, current, pyramid, pyr_scale, winsize, iterations)
        previous = current
    return flows
