"""Screen time: train a character classifier on labelled frames, then measure each character's
screen time on a video or an image sequence.

Public modules: :mod:`~core.screentime.trainingset` (reading and storing labelled images),
:mod:`~core.screentime.classifier` (training, versioned storage, lookup) and
:mod:`~core.screentime.apply` (screen-time runs, smoothing, segments, outputs). The worker's job
kinds: :data:`TRAIN_JOB` (:func:`run_train_job`) and :data:`APPLY_JOB` (:func:`run_apply_job`).
Names load on first use.
"""

from typing import TYPE_CHECKING

from core._lazy import lazy_exports

if TYPE_CHECKING:
    from core.screentime import apply, classifier, trainingset
    from core.screentime.apply import JOB_KIND as APPLY_JOB
    from core.screentime.apply import run_screentime_job as run_apply_job
    from core.screentime.classifier import JOB_KIND as TRAIN_JOB
    from core.screentime.classifier import find_classifier, run_train_job

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "apply": "apply", "classifier": "classifier", "trainingset": "trainingset",
        "APPLY_JOB": "apply:JOB_KIND", "run_apply_job": "apply:run_screentime_job",
        "TRAIN_JOB": "classifier:JOB_KIND", "find_classifier": "classifier", "run_train_job": "classifier",
    },
)  # fmt: skip
