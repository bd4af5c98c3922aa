"""One vocabulary for what people read: column names, model names, labels, times and numbers.

Every page and the HTML report name and format things through this module, so a column, a
model or a label reads the same everywhere. The API:

- :func:`column` — a table column's display name (``mean_of_sample_means`` → "Mean of sample means").
- :func:`model_name` — a model's display name from the registry (``inception_v3`` → "InceptionV3").
- :func:`label` — an ImageNet label as words (``tobacco_shop`` → "tobacco shop"); :func:`term` a
  regression term (``C(label)[T.tobacco_shop]`` → "tobacco shop").
- :func:`seconds`, :func:`count`, :func:`number`, :func:`confidence`, :func:`percent`, :func:`rate`,
  :func:`p_value`, :func:`yes_no` — one value as text; missing or not finite gives :data:`MISSING`.
- :func:`weights`, :func:`views_source`, :func:`feature` — a setting's or a source's value as
  words (``none`` → "Random (testing only)").
- :func:`cell` and :func:`display_table` — a whole table as text, for HTML and plain text.

Data and CSV exports keep the raw names (``video_id``, ``inception_v3``, ``tobacco_shop``): this
module is only for display. Pages show numbers through ``st.dataframe``'s formats: :data:`KINDS`
says which kind of value each column holds, and ``dashboard.widgets.table`` maps a kind to a format.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from core.inference import BACKBONES, MODELS

MISSING = "—"
"""Shown for a missing, undefined or non-finite value."""

COLUMNS: dict[str, str] = {
    # videos and runs
    "video_id": "Video id",
    "run_id": "Run id",
    "title": "Title",
    "channel": "Channel",
    "views": "Views",
    "group": "Group",
    "frames": "Frames",
    "shots": "Shots",
    "frame": "Frame",
    "sampling": "Sampling",
    "random_weights": "Random weights",
    "model": "Model",
    "time_s": "Time",
    "label": "Label",
    "score": "Confidence",
    "rank": "Rank",
    "count": "Frames",
    "share": "Share of frames",
    "mean_score": "Mean confidence",
    "reused_from": "Reused from",
    "spot_check": "Spot check",
    "thumbnail": "Thumbnail",
    # confidence
    "mean_top1": "Mean confidence",
    "mean_of_sample_means": "Mean of sample means",
    "ci_low": "95% interval from",
    "ci_high": "95% interval to",
    "out_of_domain": "Likely out of domain",
    # popular vs unpopular
    "popular": "Frames · popular",
    "unpopular": "Frames · unpopular",
    "popular_share": "Share · popular",
    "unpopular_share": "Share · unpopular",
    "lift": "Lift",
    # model agreement
    "agreement": "Agreement",
    "top_disagreements": "Most common disagreements",
    # label categories
    "category": "Category",
    "label_count": "Labels",
    "examples": "Examples",
    "wordnet_nodes": "WordNet nodes",
    # regression
    "term": "Term",
    "coef": "Coefficient",
    "std_err": "Std. error",
    "t": "t",
    "p_value": "p-value",
    "r2": "R²",
    "adj_r2": "Adj. R²",
    "f_stat": "F",
    "f_pvalue": "p-value of F",
    "llf": "Log-likelihood",
    "aic": "AIC",
    "bic": "BIC",
    "n_obs": "Observations",
    "df_model": "df model",
    "df_resid": "df residual",
    # the library
    "views_source": "Views from",
    "duration_s": "Duration",
    "last_run": "Last run",
    "url": "Link",
    # workers
    "worker": "Worker",
    "device": "Device",
    "backend": "Backend",
    "batch_size": "Batch size",
    "measured_fps": "Model speed (frames/s)",
    "weights": "Weights",
    "state": "State",
    "job_id": "Job",
    "last_seen": "Last seen",
    # screen time
    "class": "Class",
    "class_id": "Class id",
    "seconds": "Screen time",
    "seconds_raw": "Screen time before smoothing",
    "share_raw": "Share before smoothing",
    "start_s": "Start",
    "end_s": "End",
    "source": "Source",
    "classifier": "Classifier",
    "fps": "Frames per second",
    "K": "Smoothing window K",
    "analysed_s": "Analysed",
    # classifiers and their evaluation
    "backbone": "Backbone",
    "classes": "Classes",
    "val_accuracy": "Validation accuracy",
    "best_epoch": "Best epoch",
    "images": "Images (training / validation)",
    "trained_at": "Trained",
    "precision": "Precision",
    "recall": "Recall",
    "f1": "F1",
    "ap": "Average precision",
    "support": "Examples of the class",
    # YouTube-8M
    "index": "Index",
    "class_index": "Class index",
    "name": "Name",
    "vertical": "Vertical",
    "videos": "Videos",
    "labels": "Labels",
    # people on screen
    "faces": "Faces",
    "persons": "People",
    "face_share": "Frames with a face",
    "person_share": "Frames with people",
    "mean_faces": "Faces per frame",
    "mean_persons": "People per frame",
    # objects on screen
    "objects": "Objects",
    "with_objects": "Frames with objects",
    "mean_objects": "Objects per frame",
    "top_objects": "Top objects",
    "object_classes": "Objects found",
    "group_frames": "Frames of the group",
    "boxes": "Boxes",
}
"""Raw column name → the name people read."""

_CATEGORY_TERM = re.compile(r"C\(label\)\[T\.(.*)\]")
_RANKED = re.compile(r"(label|score)_(\d+)")
"""``label_2``, ``score_2``: the second-ranked label of a frame and its confidence."""
_PER_MODEL = {"mean_top1_": "Mean confidence · {}", "top3_": "Top labels · {}"}
"""Prefixes of per-model columns (``mean_top1_resnet50``) → their display pattern."""
_CLASS_SECONDS = re.compile(r"(.+) \(s\)")
"""``Tom (s)``: a screen-time class's seconds (the leaderboard's per-class columns)."""

KINDS: dict[str, str] = {
    **dict.fromkeys(
        ["views", "frames", "shots", "frame", "count", "label_count", "popular", "unpopular", "rank", "n_obs", "df_model", "df_resid", "reused_from"]
        + ["batch_size", "best_epoch", "support", "videos", "K"],
        "count",
    ),
    **dict.fromkeys(["index", "class_index", "class_id"], "id"),
    **dict.fromkeys(["duration_s", "seconds", "seconds_raw", "start_s", "end_s", "analysed_s"], "seconds"),
    **dict.fromkeys(["fps", "measured_fps"], "rate"),
    **dict.fromkeys(["precision", "recall", "f1", "ap"], "number"),
    "val_accuracy": "percent",
    "share_raw": "percent",
    "weights": "weights",
    "views_source": "views_source",
    "backbone": "model",
    **dict.fromkeys(["faces", "persons", "objects", "boxes", "group_frames"], "count"),
    "with_objects": "percent",
    "mean_objects": "number",
    **dict.fromkeys(["face_share", "person_share"], "percent"),
    **dict.fromkeys(["mean_faces", "mean_persons"], "number"),
    **dict.fromkeys(["score", "mean_score", "mean_top1", "mean_of_sample_means", "ci_low", "ci_high"], "confidence"),
    **dict.fromkeys(["share", "popular_share", "unpopular_share", "agreement"], "percent"),
    **dict.fromkeys(["coef", "std_err", "t", "lift", "r2", "adj_r2", "f_stat", "llf", "aic", "bic"], "number"),
    **dict.fromkeys(["p_value", "f_pvalue"], "p_value"),
    **dict.fromkeys(["random_weights", "out_of_domain", "spot_check"], "yes_no"),
    "time_s": "seconds",
    "label": "label",
    "model": "model",
    "term": "term",
}
"""Column → the kind of value it holds: ``count``, ``confidence``, ``percent``, ``number``,
``p_value``, ``yes_no``, ``seconds``, ``rate``, ``id``, ``label``, ``model``, ``term``, ``weights`` or
``views_source``. Other columns are text."""


SHOT_COLUMNS: dict[str, str] = {
    "person_share": "Shots with people",
    "face_share": "Shots with a face",
    "with_objects": "Shots with objects",
}
"""Display names of the shares that count shots when the unit selector says shots (a shot has people when more than half of its frames do)."""


def column(name: str, unit: str = "frames") -> str:
    """A column's display name: ``ci_low`` → "95% interval from", ``top3_resnet50`` → "Top labels · ResNet50";
    with ``unit == "shots"``, the shares of :data:`SHOT_COLUMNS` name shots.

    Unknown names read as words: ``n_frames`` → "N frames"."""
    if unit == "shots" and name in SHOT_COLUMNS:
        return SHOT_COLUMNS[name]
    if name in COLUMNS:
        return COLUMNS[name]
    for prefix, pattern in _PER_MODEL.items():
        if name.startswith(prefix):
            return pattern.format(model_name(name[len(prefix) :]))
    ranked = _RANKED.fullmatch(name)
    if ranked:
        return f"{COLUMNS[ranked.group(1)]} {ranked.group(2)}"
    per_class = _CLASS_SECONDS.fullmatch(name)
    if per_class:
        return f"Screen time · {per_class.group(1)}"
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def term(name: str) -> str:
    """A regression term as words: ``C(label)[T.tobacco_shop]`` → "tobacco shop",
    ``share_tobacco_shop`` → "share of tobacco shop", ``Intercept`` → "Intercept"."""
    match = _CATEGORY_TERM.fullmatch(str(name))
    if match:
        return label(match.group(1))
    if str(name).startswith("share_"):
        return "share of " + label(str(name)[len("share_") :])
    if str(name) in ("person_share", "face_share", "mean_persons", "mean_faces"):  # people on screen (core.analysis.people)
        return COLUMNS[str(name)].lower()
    return str(name)


def kind(name: str) -> str:
    """The kind of value in column ``name`` (see :data:`KINDS`); ``text`` when unknown."""
    if name in KINDS:
        return KINDS[name]
    if name.startswith("mean_top1_"):
        return "confidence"
    ranked = _RANKED.fullmatch(name)
    if ranked:
        return KINDS[ranked.group(1)]
    if _CLASS_SECONDS.fullmatch(name):
        return "seconds"
    return "text"


def model_name(name: str) -> str:
    """A model's display name from the registry: ``inception_v3`` → "InceptionV3"; unknown names unchanged."""
    spec = MODELS.get(name) or BACKBONES.get(name)
    return spec.display if spec is not None else str(name)


def label(name: Any) -> str:
    """An ImageNet label as words: ``tobacco_shop`` → "tobacco shop", ``German_shepherd`` → "German shepherd"."""
    if _missing(name):
        return MISSING
    return " ".join(str(name).replace("_", " ").split())


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return isinstance(value, float | int) and not isinstance(value, bool) and not math.isfinite(value)
    except TypeError:
        return False


def _finite(value: Any) -> float | None:
    if _missing(value):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def seconds(value: Any) -> str:
    """A time in a video, in seconds with two decimals: ``23.4901`` → "23.49 s"."""
    v = _finite(value)
    return MISSING if v is None else f"{v:,.2f} s"


def rate(value: Any) -> str:
    """A rate (frames per second) with one decimal and thousands separators: ``1312.04`` → "1,312.0"."""
    v = _finite(value)
    return MISSING if v is None else f"{v:,.1f}"


def identifier(value: Any) -> str:
    """A numeric id as written, without separators: ``3862.0`` → "3862"."""
    v = _finite(value)
    return MISSING if v is None else f"{round(v)}"


WEIGHTS = {"none": "Random (testing only)", "imagenet": "ImageNet"}
"""A worker's or model's weights setting → words; any other value is a folder of weight files, shown as is."""


def weights(value: Any) -> str:
    """The weights a worker or model uses: ``none`` → "Random (testing only)", ``imagenet`` → "ImageNet"."""
    return MISSING if _missing(value) else WEIGHTS.get(str(value), str(value))


FEATURES = {"rgb": "Mean RGB", "audio": "Mean audio"}
"""A YouTube-8M video-level feature (``mean_rgb``, ``mean_audio`` in the records) → words."""


def feature(name: Any) -> str:
    """A YouTube-8M feature: ``rgb`` → "Mean RGB", ``audio`` → "Mean audio"; others unchanged."""
    return MISSING if _missing(name) else FEATURES.get(str(name), str(name))


VIEWS_SOURCES = {"analyst": "Your figure", "YouTube": "YouTube", "none": MISSING}
"""Where a video's view count comes from (``views_source``) → words."""


def views_source(value: Any) -> str:
    """Where a view count comes from: ``analyst`` → "Your figure", ``YouTube`` → "YouTube"."""
    return MISSING if _missing(value) else VIEWS_SOURCES.get(str(value), str(value))


def count(value: Any) -> str:
    """A whole number with thousands separators: ``870000.0`` → "870,000"."""
    v = _finite(value)
    return MISSING if v is None else f"{round(v):,}"


def number(value: Any, decimals: int = 3) -> str:
    """A statistic with ``decimals`` decimals and thousands separators, never in exponent notation:
    ``1234.5678`` → "1,234.568", ``-1e-14`` → "0.000" (the dashboard's tables use the same format)."""
    v = _finite(value)
    if v is None:
        return MISSING
    text = f"{v:,.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def confidence(value: Any) -> str:
    """A confidence (0–1) with three decimals: "0.423"."""
    v = _finite(value)
    return MISSING if v is None else f"{v:.3f}"


def percent(value: Any, decimals: int = 1) -> str:
    """A share (0–1) as a percentage: ``0.4231`` → "42.3%"."""
    v = _finite(value)
    return MISSING if v is None else f"{v:.{decimals}%}"


def p_value(value: Any) -> str:
    """A p-value: "0.023", or "< 0.001" below one in a thousand."""
    v = _finite(value)
    if v is None:
        return MISSING
    return "< 0.001" if v < 0.001 else f"{v:.3f}"


def yes_no(value: Any) -> str:
    """``True`` → "Yes", ``False`` → "No", missing → :data:`MISSING`."""
    return MISSING if _missing(value) else ("Yes" if bool(value) else "No")


def text(value: Any) -> str:
    """Any other value as text; missing or empty → :data:`MISSING`."""
    if _missing(value) or (isinstance(value, str) and not value.strip()):
        return MISSING
    return str(value)


FORMATTERS: dict[str, Callable[[Any], str]] = {
    "count": count,
    "confidence": confidence,
    "percent": percent,
    "number": number,
    "p_value": p_value,
    "yes_no": yes_no,
    "seconds": seconds,
    "rate": rate,
    "id": identifier,
    "weights": weights,
    "views_source": views_source,
    "label": label,
    "model": model_name,
    "term": term,
    "text": text,
}
"""Kind (see :data:`KINDS`) → the function that formats one value of it."""


def cell(name: str, value: Any) -> str:
    """One value of column ``name`` as text, by the column's kind."""
    if _missing(value):
        return MISSING
    return FORMATTERS[kind(name)](value)


def random_weights(random: int, total: int) -> str:
    """The plain sentence for ``random`` of ``total`` runs made with untrained models (no
    Markdown, no setting names): "All 5 runs used untrained models (random weights), …"."""
    if total <= 1:
        who, whose = "This run", "its"
    elif random >= total:
        who, whose = ("Both runs" if total == 2 else f"All {total} runs"), "their"
    else:
        who, whose = f"{random} of {total} runs", "their"
    return f"{who} used untrained models (random weights), so {whose} labels and scores are meaningless except for testing."


def drop_empty(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the columns in which every value is missing or blank text."""
    empty = [c for c in frame.columns if frame[c].map(lambda v: _missing(v) or (isinstance(v, str) and not v.strip())).all()]
    return frame.drop(columns=empty)


def display_table(frame: pd.DataFrame, columns: Iterable[str] | None = None, hide_empty: bool = True, unit: str = "frames") -> pd.DataFrame:
    """``frame`` as people read it: every cell formatted as text by :func:`cell`, columns renamed
    by :func:`column` (for ``unit``), in the order of ``columns`` when given, and (``hide_empty``) without columns
    that hold nothing. For the HTML report and plain-text output; pages keep numbers numeric."""
    table = frame[list(columns)] if columns is not None else frame
    if hide_empty:
        table = drop_empty(table)
    out = pd.DataFrame({column(c, unit): [cell(c, v) for v in table[c]] for c in table.columns}, index=range(len(table)))
    return out
