"""Screen time: train a character classifier on labelled frames, then measure each character's
screen time on a video or an image sequence.

Public modules: :mod:`~core.screentime.trainingset` (reading and storing labelled images),
:mod:`~core.screentime.classifier` (training, versioned storage, lookup) and
:mod:`~core.screentime.apply` (screen-time runs, smoothing, segments, outputs). The worker's job
kinds: :data:`TRAIN_JOB` and :data:`APPLY_JOB`.
"""

from core.screentime import apply, classifier, trainingset
from core.screentime.apply import JOB_KIND as APPLY_JOB
from core.screentime.apply import run_screentime_job as run_apply_job
from core.screentime.classifier import JOB_KIND as TRAIN_JOB
from core.screentime.classifier import find_classifier, run_train_job

__all__ = ["APPLY_JOB", "TRAIN_JOB", "apply", "classifier", "find_classifier", "run_apply_job", "run_train_job", "trainingset"]
