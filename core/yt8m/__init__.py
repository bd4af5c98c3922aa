"""YouTube-8M: import video-level TFRecords with their vocabulary, browse labels and verticals, and
train and evaluate multi-label models.

Public modules: :mod:`~core.yt8m.dataset` (import, statistics, filters), :mod:`~core.yt8m.train`
(training, outputs) and :mod:`~core.yt8m.evaluation` (the test set, official and in-vocabulary metrics). The worker's job kinds: :data:`IMPORT_JOB` (:func:`run_import_job`)
and :data:`TRAIN_JOB` (:func:`run_train_job`). Names load on first use.
"""

from typing import TYPE_CHECKING

from core._lazy import lazy_exports

if TYPE_CHECKING:
    from core.yt8m import dataset, evaluation, train
    from core.yt8m.dataset import IMPORT_JOB, run_import_job
    from core.yt8m.train import TRAIN_JOB, run_train_job

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "dataset": "dataset",
        "evaluation": "evaluation",
        "train": "train",
        "IMPORT_JOB": "dataset",
        "run_import_job": "dataset",
        "TRAIN_JOB": "train",
        "run_train_job": "train",
    },
)
