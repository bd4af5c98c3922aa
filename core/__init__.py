"""Reelsight's engine: everything but the Streamlit pages. Never imports streamlit."""

from __future__ import annotations

import os

# Keep third-party chatter off stderr, so that a CLI error stays one line. Set before cv2/TF load.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
