"""Media: everything that reads or writes video files.

- Probing and sampling (public module :mod:`core.media.frames`: ``probe``, ``SamplePlan``, ``iter_samples``).
- Video sources, frames in order from a registered decoder: :func:`open_source`, :data:`SOURCES`.
- Adding videos (:func:`add_url`, :func:`add_file`, :func:`add_upload`, :func:`add_source`) and a
  job's local copy of one (:func:`video_file`).
- The video catalogue: :func:`list_videos`, :func:`set_views`, :func:`delete_video`, :func:`effective_views`.
- Annotated output (public module :mod:`core.media.annotate`).

Names load on first use, so importing the package costs nothing.
"""

from typing import TYPE_CHECKING

from core._lazy import lazy_exports

if TYPE_CHECKING:
    from core.media import annotate, frames
    from core.media.ingest import VIDEO_EXTENSIONS, add_file, add_source, add_upload, add_url, check_url, download, is_url, video_file
    from core.media.sources import SOURCES, OpenCVSource, VideoSource, default_workers, keyframe_indices, open_source
    from core.media.videos import VIDEO_COLUMNS, delete_video, effective_views, get_video, list_videos, set_views

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "annotate": "annotate", "frames": "frames",
        **dict.fromkeys(["VIDEO_EXTENSIONS", "add_file", "add_source", "add_upload", "add_url", "check_url", "download", "is_url", "video_file"], "ingest"),
        **dict.fromkeys(["SOURCES", "OpenCVSource", "VideoSource", "default_workers", "keyframe_indices", "open_source"], "sources"),
        **dict.fromkeys(["VIDEO_COLUMNS", "delete_video", "effective_views", "get_video", "list_videos", "set_views"], "videos"),
    },
)  # fmt: skip
