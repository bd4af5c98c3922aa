"""Jobs: live progress, cancel and retry; the workers that run them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import jobs as core_jobs
from dashboard import data, state
from dashboard.job_kinds import JobKind, Library, job_kind, timing
from dashboard.shell import ensure_shell
from dashboard.text import plain
from dashboard.widgets import ago, succeeded, table, worker_status

STATE_ICONS = {
    "queued": ":orange[:material/schedule:]",
    "running": ":blue[:material/play_circle:]",
    "done": ":green[:material/check_circle:]",
    "failed": ":red[:material/error:]",
    "cancelled": ":gray[:material/cancel:]",
}
REFRESH_S = 2
LEASE_HELP = (
    "A running job belongs to one worker for a lease, which its heartbeat renews. If the worker stops "
    "without handing the job back (a crash, a killed process), no other worker may take it until the lease runs out."
)
# What a stage's progress counts; any other stage counts frames. (A bare string here would be drawn on the page.)
STAGE_UNITS = {
    "download": "bytes", "train head": "epochs", "fine-tune": "epochs", "features": "images", "read images": "images",
    "annotate": "video frames", "import": "videos", "scan": "videos", "train": "epochs", "browser copy": "seconds of video",
}  # fmt: skip

ensure_shell()

st.title("Jobs")
st.caption(f"Analyses run by the workers. This page refreshes every {REFRESH_S} seconds.")

states = state.url_multi_choice(st.pills, "Show", core_jobs.STATES, state.QP_JOB_STATES, selection_mode="multi", format_func=lambda s: f"{STATE_ICONS[s]} {s}")


def _progress_text(job: dict, kind: JobKind, lib: Library) -> tuple[float, str]:
    p = job.get("progress") or {}
    done, total = int(p.get("done") or 0), p.get("total")
    stage = p.get("stage") or job["state"]
    if job["state"] == "done":
        made = kind.summary(job, lib)
        return 1.0, f"done · {made}" if made else "done"
    unit = STAGE_UNITS.get(stage, "frames")
    rate = f" · {p['rate']:,.1f} {unit}/s" if p.get("rate") and job["state"] == "running" and unit != "bytes" else ""
    if total:
        return min(done / total, 1.0), f"{stage} · {done:,}/{total:,} {unit}{rate}"
    if rate:
        return 0.0, f"{stage} · {done:,} {unit}{rate}"
    return 0.0, stage


@st.fragment(run_every=REFRESH_S)
def live_jobs() -> None:
    core_jobs.reap_expired(data.store())  # a dead worker's job goes back to the queue even if no worker is alive
    st.subheader("Workers")
    live = worker_status()
    if live:
        columns = ["device", "backend", "batch_size", "measured_fps", "weights", "state", "job_id"]
        rows = [{"worker": w["_id"], **{c: w.get(c) for c in columns}, "last_seen": ago(w.get("last_seen"))} for w in live]
        table(pd.DataFrame(rows), config={"measured_fps": {"help": "Frames per second the worker's models classified when it started."}})

    st.subheader("Queue")
    if not states:
        st.info("Choose at least one state above.")
        return
    job_rows = data.job_list(tuple(states))
    if not job_rows:
        st.info("No jobs to show. Queue an analysis on the Videos page.", icon=":material/inbox:")
        return
    lib = Library(data.db_key())
    waits = data.lease_waits()
    for job in job_rows:
        kind = job_kind(job["kind"])
        with st.container(border=True):
            head, actions = st.columns([5, 1], vertical_alignment="center")
            with head:
                st.markdown(
                    f"{STATE_ICONS.get(job['state'], '')} **{plain(kind.title(job, lib))}** · `{job['_id']}` · {job['state']} · attempt {job.get('attempts', 0)} · {timing(job)}"
                )
                fraction, text = _progress_text(job, kind, lib)
                st.progress(fraction, text=text)
                if job.get("error") and job["state"] != "done":
                    (st.error if job["state"] == "failed" else st.caption)(plain(job["error"]))
                if job.get("warning") and job["state"] == "done":
                    st.warning(plain(job["warning"]), icon=":material/broken_image:")
                if job["_id"] in waits:
                    st.caption(waits[job["_id"]].replace("`python -m core worker`", "a running worker"), help=LEASE_HELP)
            with actions:
                if job["state"] in ("queued", "running"):
                    label = "Stopping…" if job.get("cancel_requested") else "Cancel"
                    clicked = st.button(label, key=f"cancel.{job['_id']}", disabled=bool(job.get("cancel_requested")), icon=":material/stop_circle:")
                    if clicked and succeeded(lambda j=job["_id"]: core_jobs.cancel(data.store(), j)):
                        st.rerun(scope="fragment")
                elif job["state"] in ("failed", "cancelled"):
                    clicked = st.button("Retry", key=f"retry.{job['_id']}", icon=":material/replay:")
                    if clicked and succeeded(lambda j=job["_id"]: core_jobs.retry(data.store(), j)):
                        st.rerun(scope="fragment")
                elif job["state"] == "done" and (link := kind.results(job, lib)) is not None:
                    st.page_link(link.page, label="Results", icon=":material/insights:", query_params=link.query)


live_jobs()
