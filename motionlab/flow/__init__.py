"""Dense optical flow: settings (params), encodings, the compiled Farneback, the whole-video pipeline and its cache,
and figures. The names most callers need are importable from here: `from motionlab.flow import FlowParams, video_flow`.
"""

from .encodings import (
    RAW_SCALE,
    change_brightness,
    flow_hsv_rgb,
    flow_raw,
    magnitude_angle,
    representation_statistics,
    seed_hsv_rgb,
)
from .params import FlowParams, farneback, pair_flow, prepare

_PIPELINE = ("flow_cache_path", "iter_video_flow", "video_flow", "write_video_flow")  # in pipeline.py, which loads
# Numba: imported on first use so that `from motionlab.flow import FlowParams` stays quick


def __getattr__(name: str):
    """Return a whole-video function of pipeline.py, importing it on first use."""
    if name in _PIPELINE:
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["RAW_SCALE", "FlowParams", "change_brightness", "farneback", "flow_cache_path", "flow_hsv_rgb", "flow_raw",
           "iter_video_flow", "magnitude_angle", "pair_flow", "prepare", "representation_statistics", "seed_hsv_rgb",
           "video_flow", "write_video_flow"]
