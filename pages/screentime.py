"""Screen time: apply a trained classifier to a video or an image sequence; timeline, totals, segments, leaderboard."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from core.analysis import charts
from core.analysis import labels as vocab
from core.errors import ReelsightError
from core.screentime import apply as screentime
from core.screentime import trainingset
from dashboard import data, moment, state, widgets
from dashboard.shell import ensure_shell
from dashboard.text import plain

ensure_shell()

st.title("Screen time")
st.caption(
    "How long each character is on screen. A trained classifier labels sampled frames; a rolling mean over K samples "
    "smooths out one-frame flips before the seconds are added up."
)
state.show_flash(state.SCREENTIME_FLASH)

classifiers = data.classifiers(data.db_key())
if not classifiers:
    st.info("No classifier yet. Train one on the **Screen-time classifiers** page from labelled frames, then come back here.", icon=":material/school:")
    st.page_link("pages/classifiers.py", label="Train a classifier", icon=":material/model_training:")
    st.stop()
NAMES = {
    d["_id"]: f"{d['name']} v{d['version']} · {', '.join(c['name'] for c in d['classes'])}" + (" · random weights" if d.get("random_weights") else "")
    for d in classifiers
}


def measure_form() -> None:
    videos = data.videos(data.db_key())
    kinds = {"video": "A video in the library", "images": "A ZIP of images (an image sequence)"}
    with st.form("screentime.measure"):
        classifier_id = st.selectbox("Classifier", list(NAMES), format_func=NAMES.get)
        kind = st.radio("Measure on", list(kinds), format_func=kinds.get, horizontal=True)
        c1, c2 = st.columns(2)
        video_id = c1.selectbox(
            "Video",
            list(videos["video_id"]) if len(videos) else [],
            format_func=dict(zip(videos["video_id"], videos["title"])).get if len(videos) else str,
            help="Used when measuring on a video.",
        )
        images = c2.file_uploader("Images (ZIP), played in name order", type=["zip"], help="Used when measuring on images.")
        c1, c2, c3 = st.columns(3)
        fps = c1.number_input("Frames sampled per second", 0.1, 60.0, 1.0, 0.5, help="Each sample stands for 1/fps seconds of screen time.")
        seconds_per_image = c2.number_input("Seconds per image", 0.04, 3600.0, 1.0, help="For image sequences: the time each image stands for.")
        smooth = c3.number_input(
            "Smoothing window K (samples)",
            1,
            screentime.MAX_SMOOTH,
            5,
            help="Rolling mean of the class probabilities over K samples; 1 turns smoothing off. You can change it afterwards.",
        )
        labels = st.file_uploader("Optional: true labels CSV for accuracy (Image_ID,Class for images; frame,Class for a video)", type=["csv"])
        annotate = st.checkbox("Make an annotated video (label and confidence on every frame)", value=True)
        submitted = st.form_submit_button("Measure screen time", type="primary", icon=":material/timer:")
    if not submitted:
        return

    def queue() -> tuple[str, str | None]:
        """Queue the run: ``(run id, a sentence when some labels name no image of the sequence)``."""
        store = data.store()
        if kind == "video":
            if not video_id:
                raise ReelsightError("Add a video on the Videos page first, or measure on a ZIP of images.")
            source = screentime.video_source(store, video_id)
        else:
            if images is None:
                raise ReelsightError("Upload a ZIP of images, or measure on a video.")
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / Path(images.name).name
                path.write_bytes(images.getvalue())
                source = screentime.images_source(store, path, float(seconds_per_image), limits=trainingset.Limits.from_settings(data.settings()))
        truth, note = None, None
        if labels is not None:
            classes = [c["name"] for c in data.classifier(data.db_key(), classifier_id)["classes"]]
            truth = screentime.read_labels(labels.getvalue().decode("utf-8-sig", errors="replace"), source, classes, labels.name)
            if truth and source["kind"] == "images":
                note = screentime.image_label_match(source, truth).accuracy_note()
        settings = screentime.ApplySettings(fps=float(fps), smooth=int(smooth), annotate=annotate)
        return screentime.request_apply(store, classifier_id, source, settings, truth)[0], note

    queued = widgets.guarded(queue)
    if queued:
        run_id, note = queued
        if note:
            state.flash(state.SCREENTIME_FLASH, "warning", plain(note))
        state.show_new(state.QP_ST_RUN, run_id, state.SCREENTIME_FLASH, "Queued. The results appear below when the worker has finished.")


def _run_label(run: dict) -> str:
    c = run["classifier"]
    when = run["created_at"].strftime("%Y-%m-%d %H:%M")
    status = "" if run.get("finished_at") else " · in progress"
    return f"{run['source'].get('name')} · {c['name']} v{c['version']} · {when}{status}"


@st.fragment(run_every=2)
def pending(run: dict) -> None:
    job_state = widgets.job_progress(data.job(run["job_id"]) if run.get("job_id") else None, "Screen time")
    if job_state is None:
        st.warning("This run has no job; start it again above.")
    elif job_state == "done":
        st.rerun()


def results() -> None:
    runs = data.screentime_runs(data.db_key())
    if not runs:
        st.info("No screen-time run yet. Choose a classifier and a video above.", icon=":material/info:")
        return
    ids = [r["_id"] for r in runs]
    labels = {r["_id"]: _run_label(r) for r in runs}
    run_id = state.url_choice(st.selectbox, "Run", ids, state.QP_ST_RUN, format_func=labels.get)
    summary = next(r for r in runs if r["_id"] == run_id)
    if not summary.get("finished_at"):
        pending(summary)
        return
    default_k = int(summary["settings"]["smooth"])
    k = int(
        st.slider(
            "Smoothing window K (samples)",
            1,
            max(31, default_k),
            int(widgets.float_param(state.QP_SMOOTH) or default_k),
            key=f"screentime.k.{run_id}",
            help=f"Change it to see how smoothing moves the totals; the run itself used K = {default_k}.",
        )
    )
    state.set_params(**{state.QP_SMOOTH: k if k != default_k else None})
    run, result = data.screentime_result(data.db_key(), run_id, str(summary["finished_at"]), k)
    if run["classifier"].get("random_weights"):
        st.warning(
            "**Random weights.** The classifier was built on an untrained backbone (random weights), so these numbers only test the pipeline.",
            icon=":material/science:",
        )
        st.caption("Why, and how to get real numbers", help=widgets.RANDOM_WEIGHTS_HELP)
    classes = run["classes"]
    st.caption(
        f"{vocab.count(len(result.frames))} samples, one every {vocab.seconds(result.interval_s)} · analysed {vocab.seconds(result.duration_s)} · K = {k}"
    )
    cols = st.columns(len(classes))
    for col, row in zip(cols, result.totals.itertuples()):
        delta = row.seconds - row.seconds_raw
        col.metric(
            f"{plain(row[1])} · {vocab.percent(row.share, 0)}",
            vocab.seconds(row.seconds),
            f"{'-' if delta < 0 else '+'}{vocab.seconds(abs(delta))} from smoothing" if k > 1 and delta else None,
            delta_color="off",
            help=f"{vocab.percent(row.share)} of the analysed time",
        )
    name = f"screentime_{run_id}_k{k}"
    event = widgets.chart(
        charts.screentime_timeline(result.frames, result.segments, classes, "Who is on screen"), f"{name}_timeline", on_select=run["source"]["kind"] == "video"
    )
    if run["source"]["kind"] == "video":
        st.caption("Click a segment or a sample on the timeline, or a row under Appearances, to watch that moment.")
        picked = moment.clicked_time(event, f"screentime.click.{name}")
        if picked is not None:
            st.session_state[f"screentime.moment.{run_id}"] = picked
    left, right = st.columns(2)
    with left:
        widgets.chart(charts.screentime_comparison(result.totals, "Screen time before and after smoothing"), f"{name}_comparison")
    with right:
        widgets.table(result.totals, ["class", "seconds", "share", "seconds_raw", "share_raw"], hide_empty=False)
        d1, d2, d3 = st.columns(3)
        with d1:
            widgets.download_csv(result.totals[["class", "seconds", "share"]], "screentime.csv", "screentime.csv")
        with d2:
            widgets.download_csv(screentime.frames_export(result), "frames.csv", "frames.csv")
        with d3:
            widgets.download_csv(result.segments[["class", "start_s", "end_s"]], "segments.csv", "segments.csv")
    if result.accuracy:
        acc = result.accuracy
        if acc.get("matched"):
            a1, a2 = st.columns(2)
            a1.metric(
                "Accuracy per frame",
                vocab.percent(acc["raw"]["accuracy"]),
                help=f"On {vocab.count(acc['matched'])} of {vocab.count(acc['given'])} labelled samples",
            )
            a2.metric("Accuracy after smoothing", vocab.percent(acc["smoothed"]["accuracy"]))
            if acc.get("note"):
                st.caption(f":material/info: {plain(acc['note'])}")
            widgets.chart(charts.confusion_heatmap(acc["smoothed"]["confusion"], classes, "Confusion after smoothing (labelled samples)"), f"{name}_confusion")
        else:
            st.warning(plain(acc["note"]), icon=":material/label_off:")
    with st.expander(f"Appearances ({len(result.segments)} segment{'s' if len(result.segments) != 1 else ''})"):
        video = run["source"]["kind"] == "video"
        table = widgets.table(
            result.segments,
            hide_empty=False,
            key=f"screentime.segments.{name}",
            **({"on_select": "rerun", "selection_mode": "single-row"} if video else {}),
        )
        rows = table.selection.rows if video and table is not None else []
        if rows and st.session_state.get(f"screentime.row.{name}") != rows[0]:
            st.session_state[f"screentime.row.{name}"] = rows[0]
            st.session_state[f"screentime.moment.{run_id}"] = float(result.segments.iloc[rows[0]]["start_s"])
    if run["source"]["kind"] == "video" and f"screentime.moment.{run_id}" in st.session_state:
        at_s = st.session_state[f"screentime.moment.{run_id}"]
        here = result.frames.iloc[int((result.frames["time_s"] - at_s).abs().to_numpy().argmin())] if len(result.frames) else None
        who = f" · {plain(here['class'])} on screen" if here is not None else ""
        moment.play_at(
            run["source"]["video_id"],
            at_s,
            f"{plain(run['source'].get('name') or '')} at {vocab.seconds(at_s)}{who}",
            on_close=lambda: st.session_state.pop(f"screentime.moment.{run_id}", None),
        )
    if run.get("video_blob"):
        with st.expander("Annotated video", expanded=False):
            video_bytes = data.blob_bytes(run["video_blob"])
            st.video(video_bytes, format="video/mp4")
            st.download_button(
                "Download annotated video (MP4)", video_bytes, file_name=f"screentime_{run_id}.mp4", mime="video/mp4", icon=":material/download:"
            )
            st.caption(f"Labels drawn with the run's own K = {default_k}.")


def leaderboard() -> None:
    finished = tuple(r["_id"] for r in data.screentime_runs(data.db_key()) if r.get("finished_at"))
    board = data.leaderboard(data.db_key(), finished)
    if board.empty:
        st.info("The leaderboard fills as classifiers are applied to videos.", icon=":material/leaderboard:")
        return
    widgets.table(board.drop(columns=["run_id"]), hide_empty=False)
    widgets.download_csv(board, "screentime_leaderboard.csv")


with st.expander("Measure screen time", expanded=not data.screentime_runs(data.db_key()), icon=":material/timer:"):
    measure_form()
results_tab, board_tab = st.tabs(["Results", "Leaderboard"])
with results_tab:
    results()
with board_tab:
    leaderboard()
