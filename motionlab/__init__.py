"""motionlab: reading motion in video (dashcam speed from optical flow, jump-rope counting)."""

__version__ = "0.1.0"
