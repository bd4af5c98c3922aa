"""Objects on screen per popularity group: the classes shown on most frames of popular and of
unpopular videos, and their lift (:mod:`core.analysis.objects` reads the per-video tables)."""

from __future__ import annotations

import pandas as pd

from core.analysis.analytics import LIFT_SMOOTHING, AnalysisUnavailable

GROUP_COLUMNS = ["group", "label", "frames", "group_frames", "share"]
"""Per popularity group and class: frames showing it, the group's detected frames, and their ratio."""


def _detected(summary: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """``video_id, group, frames`` of the videos in a popularity group whose runs detected objects on at least one frame."""
    detected = summary.dropna(subset=["frames"]).merge(groups[["video_id", "group"]], on="video_id")
    return detected[detected["group"].isin(["popular", "unpopular"]) & (detected["frames"] > 0)][["video_id", "group", "frames"]]


def group_frames(summary: pd.DataFrame, groups: pd.DataFrame) -> pd.Series:
    """Popularity group → frames detected on, over its videos analysed with object detection (a
    group with none is absent). ``summary``: :func:`core.analysis.objects.summary_table`;
    ``groups``: :func:`core.analysis.analytics.split_popularity` output (``video_id, group``)."""
    return _detected(summary, groups).groupby("group")["frames"].sum().astype("int64")


def group_table(shares: pd.DataFrame, summary: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Per popularity group (``popular``, ``unpopular``) and class shown in it: :data:`GROUP_COLUMNS`,
    most shown first. Only videos whose runs detected objects count, in the numerator and the
    denominator (:func:`group_frames`)."""
    detected = _detected(summary, groups)
    totals = detected.groupby("group")["frames"].sum()
    merged = shares.merge(detected[["video_id", "group"]], on="video_id")
    table = merged.groupby(["group", "label"], as_index=False)["frames"].sum()
    table["group_frames"] = table["group"].map(totals).astype("int64")
    table["share"] = table["frames"] / table["group_frames"]
    return table.sort_values(["group", "frames", "label"], ascending=[True, False, True], ignore_index=True)[GROUP_COLUMNS]


def top_by_group(table: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """The ``n`` classes shown on most frames per group: ``group, rank, label, frames, share`` (ties alphabetical)."""
    ranked = table.assign(rank=table.groupby("group").cumcount() + 1)
    return ranked[ranked["rank"] <= n][["group", "rank", "label", "frames", "share"]].reset_index(drop=True)


def lift(table: pd.DataFrame, frames: pd.Series) -> pd.DataFrame:
    """Classes over- or under-represented among popular videos' frames: ``label, popular, unpopular``
    (frames showing it), ``popular_share, unpopular_share`` (of the group's detected frames) and
    ``lift`` = (popular + s) / (popular frames + 2s) ÷ (unpopular + s) / (unpopular frames + 2s),
    s = :data:`~core.analysis.analytics.LIFT_SMOOTHING` (a frame shows a class or not, so each
    share is smoothed as a proportion). Highest lift first. ``table``: :func:`group_table`;
    ``frames``: :func:`group_frames` (a group whose frames show no object still counts)."""
    totals = frames.reindex(["popular", "unpopular"])
    if totals.isna().any():
        raise AnalysisUnavailable(
            "Lift needs videos analysed with object detection in both groups. Queue analyses with “Detect objects” on for popular and "
            "unpopular videos, or change the threshold."
        )
    if table.empty:
        raise AnalysisUnavailable(f"The detector found no object on any of the {int(totals.sum()):,} frames of these videos, so there is nothing to compare.")
    wide = table.pivot_table(index="label", columns="group", values="frames", aggfunc="sum", fill_value=0).reindex(
        columns=["popular", "unpopular"], fill_value=0
    )
    out = pd.DataFrame({"label": wide.index.astype(str), "popular": wide["popular"].to_numpy("int64"), "unpopular": wide["unpopular"].to_numpy("int64")})
    out["popular_share"] = out["popular"] / totals["popular"]
    out["unpopular_share"] = out["unpopular"] / totals["unpopular"]
    s = LIFT_SMOOTHING
    out["lift"] = ((out["popular"] + s) / (totals["popular"] + 2 * s)) / ((out["unpopular"] + s) / (totals["unpopular"] + 2 * s))
    return out.sort_values(["lift", "label"], ascending=[False, True], ignore_index=True)


def _row(unit: str) -> str:
    return "shot" if unit == "shots" else "frame"


def top_caption(unit: str, detected: int, total: int) -> str:
    """What the top-20 objects per group count, for the page and the report (``detected`` of ``total`` videos analysed with detection)."""
    row = _row(unit)
    return (
        f"Per group, the COCO object classes shown on most {row}s of its videos (a {row} counts once per class"
        + ("; a shot shows a class when more than half of its frames do" if row == "shot" else "")
        + f"), over the videos analysed with object detection ({detected:,} of {total:,})."
    )


def axis_title(unit: str) -> str:
    """The count axis of the top-20 objects charts: ``Frames showing this object`` (or ``Shots …``)."""
    return f"{_row(unit).capitalize()}s showing this object"


def lift_caption(unit: str) -> str:
    """How :func:`lift` is computed, in words, counting ``frames`` or ``shots``."""
    row = _row(unit)
    return (
        f"Lift = share of popular videos' {row}s showing the object ÷ the same share for unpopular videos "
        f"(each smoothed by {LIFT_SMOOTHING:g} {row}). Above 1: more typical of popular videos."
    )
