"""YouTube-8M: import video-level TFRecords with their vocabulary, browse labels and verticals, and
train and evaluate multi-label models.

Public modules: :mod:`~core.yt8m.dataset` (import, statistics, filters) and :mod:`~core.yt8m.train`
(training, metrics, outputs). The worker's job kinds: :data:`IMPORT_JOB` and :data:`TRAIN_JOB`.
"""

from core.yt8m import dataset, train
from core.yt8m.dataset import IMPORT_JOB, run_import_job
from core.yt8m.train import TRAIN_JOB, run_train_job

__all__ = ["IMPORT_JOB", "TRAIN_JOB", "dataset", "run_import_job", "run_train_job", "train"]
