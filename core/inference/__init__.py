"""Inference: the ImageNet models and everything that runs them.

- Model registry: :data:`MODELS`, :data:`MODEL_NAMES`, :data:`BACKBONES`, :func:`build_model`, :func:`imagenet_labels`, :func:`imagenet_classes` (with WordNet ids).
- The inference runtime, uint8 batches in and top-k out by the fastest path per backend and device:
  :class:`InferenceRuntime`, :class:`ModelRunner`, :func:`run_batches`, :func:`plan_runtime`, :func:`current_plan`.
- COCO object detectors, a registry and their runner (public module :mod:`core.inference.detectors`).
- Model inputs from decoded frames (public module :mod:`core.inference.feed`) and near-duplicate
  reuse (public module :mod:`core.inference.dedup`).
- Analysis runs: :func:`request_analysis` (dashboard, CLI) and :func:`run_analyze_job` (worker, :data:`ANALYZE_JOB`).

Names load on first use; no deep-learning framework loads before a model is built.
"""

from typing import TYPE_CHECKING

from core._lazy import lazy_exports

if TYPE_CHECKING:
    from core.inference import dedup, detectors, feed
    from core.inference.models import BACKBONES, MODEL_NAMES, MODELS, ModelSpec, build_model, imagenet_classes, imagenet_labels, parse_model_names
    from core.inference.runs import JOB_KIND as ANALYZE_JOB
    from core.inference.runs import RunSettings, request_analysis, reuse_report, run_analyze_job
    from core.inference.runtime import (
        InferenceRuntime,
        ModelRunner,
        NullRuntime,
        RuntimePlan,
        TopK,
        current_plan,
        describe_device,
        plan_runtime,
        run_batches,
        top_k,
    )

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "dedup": "dedup", "detectors": "detectors", "feed": "feed", "ANALYZE_JOB": "runs:JOB_KIND",
        **dict.fromkeys(["BACKBONES", "MODEL_NAMES", "MODELS", "ModelSpec", "build_model", "imagenet_classes", "imagenet_labels", "parse_model_names"], "models"),
        **dict.fromkeys(["RunSettings", "request_analysis", "reuse_report", "run_analyze_job"], "runs"),
        **dict.fromkeys(["InferenceRuntime", "ModelRunner", "NullRuntime", "RuntimePlan", "TopK", "current_plan", "describe_device", "plan_runtime", "run_batches", "top_k"], "runtime"),
    },
)  # fmt: skip
