"""Jobs: the crash-safe work queue. The dashboard and CLI enqueue; workers claim, hold a lease
(extended by heartbeats), and finish, requeue or release; :func:`reap_expired` recovers jobs whose
worker died. Offers the functions of :mod:`core.jobs.queue`, its state names, and
:class:`RunningJob`, what a job function receives while it runs.
"""

from core.jobs.context import RunningJob
from core.jobs.queue import (
    FINAL_STATES,
    STATES,
    cancel,
    claim,
    enqueue,
    extend_lease,
    finish,
    get_job,
    lease_waits,
    list_jobs,
    live_workers,
    reap_expired,
    release,
    requeue,
    retry,
)
from core.store import utcnow

__all__ = [
    "FINAL_STATES", "STATES", "cancel", "claim", "enqueue", "extend_lease", "finish", "get_job", "lease_waits", "list_jobs",
    "live_workers", "RunningJob", "reap_expired", "release", "requeue", "retry", "utcnow",
]  # fmt: skip
