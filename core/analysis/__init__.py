"""Analysis: what the analytics pages, the CLI and the HTML report compute from stored runs.

Public modules: :mod:`~core.analysis.analytics` (top-1 and label-count tables, confidence, popularity, lift,
agreement), :mod:`~core.analysis.aggregates` (per-run aggregates the pages combine), :mod:`~core.analysis.regression` (statsmodels OLS of views on labels),
:mod:`~core.analysis.results` (run and frame tables, CSV export), :mod:`~core.analysis.charts`
(Plotly figures), :mod:`~core.analysis.people` (faces and people on screen), :mod:`~core.analysis.objects` and
:mod:`~core.analysis.objects_by_group` (COCO objects on screen, per video and per popularity group), :mod:`~core.analysis.on_screen` (people and objects counted per shot or with segments left out), :mod:`~core.analysis.thumbnails`
(thumbnails with what was found drawn), :mod:`~core.analysis.wordclouds`, :mod:`~core.analysis.report` (one-file HTML),
:mod:`~core.analysis.search` (library-wide label search), :mod:`~core.analysis.categories` (labels rolled up into business categories), :mod:`~core.analysis.scenes` (shots and segments of runs), :mod:`~core.analysis.units` (count shots instead of frames, leave segments out) and :mod:`~core.analysis.labels` (display names and
formats: the one vocabulary of pages and report).
Each loads on first use, so an export does not load statsmodels.
"""

from typing import TYPE_CHECKING

from core._lazy import lazy_exports

if TYPE_CHECKING:
    from core.analysis import (
        aggregates,
        analytics,
        categories,
        charts,
        labels,
        objects,
        objects_by_group,
        on_screen,
        people,
        regression,
        report,
        results,
        scenes,
        search,
        thumbnails,
        units,
        wordclouds,
    )

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        m: m
        for m in (
            "aggregates",
            "analytics",
            "categories",
            "charts",
            "labels",
            "objects",
            "objects_by_group",
            "on_screen",
            "people",
            "regression",
            "report",
            "results",
            "scenes",
            "search",
            "thumbnails",
            "units",
            "wordclouds",
        )
    },
)
