"""Media: everything that reads or writes video files.

- Probing and sampling (public module :mod:`core.media.frames`: ``probe``, ``SamplePlan``, ``iter_samples``).
- Video sources, frames in order from a registered decoder: :func:`open_source`, :data:`SOURCES`.
- Adding videos (:func:`add_url`, :func:`add_file`, :func:`add_upload`, :func:`add_source`); every
  URL request goes through yt-dlp with the host allowlist checked on each request (:mod:`core.media.fetch`).
- A job's local copy of a video (:func:`video_file`, :func:`download`) and the clean-up of
  downloads (:func:`sweep_downloads` at worker start-up, :func:`remove_download`).
- The video catalogue: :func:`list_videos`, :func:`set_views`, :func:`delete_video`, :func:`effective_views`.
- Annotated output (public module :mod:`core.media.annotate`) and boxes drawn on thumbnails (public module :mod:`core.media.boxes`).
- Browser copies of uploads that browsers cannot play, for the moment player (public module :mod:`core.media.preview`).
- People and faces on a frame, counts and boxes, from detectors inside the OpenCV wheel (public module :mod:`core.media.people`).
- Scene structure from decoded frames (public module :mod:`core.media.scenes`): shots with PySceneDetect's
  content detector, black and static segments, fed inside the analysis decode pass; intro and outro trims
  suggested from them and from the channel's other videos (public module :mod:`core.media.trims`).

Names load on first use, so importing the package costs nothing.
"""

from typing import TYPE_CHECKING

from core._lazy import lazy_exports

if TYPE_CHECKING:
    from core.media import annotate, boxes, frames, people, preview, scenes, trims
    from core.media.downloads import download, remove_download, sweep_downloads, video_file
    from core.media.fetch import check_url, host_allowed
    from core.media.ingest import VIDEO_EXTENSIONS, add_file, add_source, add_upload, add_url, is_url
    from core.media.sources import SOURCES, OpenCVSource, VideoSource, default_workers, keyframe_indices, open_source
    from core.media.videos import VIDEO_COLUMNS, delete_video, effective_views, get_video, list_videos, set_views

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "annotate": "annotate", "boxes": "boxes", "frames": "frames", "people": "people", "preview": "preview", "scenes": "scenes", "trims": "trims",
        **dict.fromkeys(["VIDEO_EXTENSIONS", "add_file", "add_source", "add_upload", "add_url", "is_url"], "ingest"),
        **dict.fromkeys(["download", "remove_download", "sweep_downloads", "video_file"], "downloads"),
        **dict.fromkeys(["check_url", "host_allowed"], "fetch"),
        **dict.fromkeys(["SOURCES", "OpenCVSource", "VideoSource", "default_workers", "keyframe_indices", "open_source"], "sources"),
        **dict.fromkeys(["VIDEO_COLUMNS", "delete_video", "effective_views", "get_video", "list_videos", "set_views"], "videos"),
    },
)  # fmt: skip
