"""Results (first cut): per video, run and model, the frame table with thumbnails and the label counts."""

from __future__ import annotations

import streamlit as st

from core.analysis import labels
from core.analysis.charts import label_counts_spec
from core.analysis.results import label_counts
from core.exports import to_csv
from core.inference.dedup import ReuseReport
from dashboard import data, shots, state, widgets
from dashboard.objects import HELP as OBJECTS_HELP
from dashboard.objects import objects_section
from dashboard.people import people_section
from dashboard.shell import ensure_shell

PAGE_SIZE = 25

ensure_shell()

st.title("Results by run")
st.caption("Every sampled frame's top labels, per model. Pick a video; its latest finished run is shown unless you choose another.")

db = data.db_key()
videos = data.videos(db)
all_runs = data.runs(db)
if videos.empty or all_runs.empty:
    st.info("Nothing analysed yet. Add a video and queue an analysis on the Videos page.", icon=":material/insights:")
    st.page_link("pages/videos.py", label="Go to Videos", icon=":material/movie:")
    st.stop()

analysed = [v for v in videos["video_id"] if v in set(all_runs["video_id"])]
titles = dict(zip(videos["video_id"], videos["title"].fillna("(untitled)")))
video_id = state.url_choice(st.selectbox, "Video", analysed, state.QP_VIDEO, format_func=lambda v: f"{titles[v]} · {v}")

runs = all_runs[all_runs["video_id"] == video_id].reset_index(drop=True)
done = runs[runs["state"] == "done"]
default_run = (done if not done.empty else runs)["run_id"].iloc[0]
run_labels = {
    r.run_id: f"{r.created_at:%Y-%m-%d %H:%M} · {r.fps if isinstance(r.fps, str) else f'{r.fps:g} fps'} · {r.state}{' · random weights' if r.random_weights else ''} · {r.run_id}"
    for r in runs.itertuples()
}
col_run, col_model = st.columns([3, 1])
run_id = state.url_choice(col_run.selectbox, "Run", list(run_labels), state.QP_RUN, default=default_run, format_func=run_labels.get)
run = data.run_doc(run_id) or {}
models = list(run.get("settings", {}).get("models", []))
model = state.url_choice(col_model.segmented_control, "Model", models, state.QP_MODEL, format_func=labels.model_name, required=True)

widgets.random_weights_notice(int(bool(run.get("random_weights"))))
if run.get("warning"):
    st.warning(run["warning"], icon=":material/broken_image:")
run_row = runs.set_index("run_id").loc[run_id]
n_stored = data.stored_frames(run_id)
if run_row["state"] != "done":
    st.info(f"This run is **{run_row['state']}**: {n_stored} frames stored so far. Progress is on the Jobs page.", icon=":material/hourglass_top:")
if n_stored == 0:
    st.stop()

table = data.frame_table(db, run_id, model, n_stored)
counts = label_counts(table)
s = run.get("settings", {})
m1, m2, m3, m4 = st.columns(4)
reuse = ReuseReport.from_run(run)
m1.metric("Frames analysed", labels.count(len(table)), help=None if reuse and reuse.reused else "Every frame went through the models.")
m2.metric("Mean top-1 confidence", labels.confidence(table["score_1"].mean()))
m3.metric("Distinct top-1 labels", labels.count(counts.shape[0]))
m4.metric(
    "Sampling",
    "every frame" if s.get("fps") is None else f"{s['fps']:g} fps",
    help=f"Trim start {s.get('trim_start_s', 0):g} s, trim end {s.get('trim_end_s', 0):g} s, top-{s.get('top_k')}",
)
if reuse is not None and reuse.reused:
    st.caption(f":material/content_copy: {reuse.describe(s['reuse_threshold'])}")

left, right = st.columns([2, 3], gap="large")
with left:
    widgets.vega_chart(label_counts_spec(counts, f"Top-1 labels · {labels.model_name(model)}"), f"labels_{video_id}_{run_id}_{model}")
    widgets.table(counts, config={"share": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)})
with right:
    st.markdown(f"**Frames** · {labels.count(len(table))} rows")
    pages = max(1, -(-len(table) // PAGE_SIZE))
    page = st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, key=f"{state.RESULTS_PAGE}.{run_id}.{model}")
    counted = data.people_counts(db, ((video_id, run_id),)).set_index("frame")  # empty when the run did not count people
    found = data.objects_per_frame(db, ((video_id, run_id),)).set_index("frame")  # empty when the run did not detect objects
    found_columns = {"persons": counted["persons"], "faces": counted["faces"], "object_classes": found["object_classes"]}
    table = table.assign(**{name: table["frame"].map(values) for name, values in found_columns.items() if len(values)})  # the CSV below holds them too
    view = table.iloc[(page - 1) * PAGE_SIZE : page * PAGE_SIZE].copy()
    boxed = len(counted) or len(found)
    thumbs = (data.thumbnails_with_boxes if boxed else data.thumbnails)(db, run_id, tuple(int(f) for f in view["frame"]))
    view.insert(0, "thumbnail", view["frame"].map(thumbs))
    view = view.reindex(columns=[*view.columns, *(name for name in found_columns if name not in view.columns)])  # a run without them: empty, hidden
    k = int(s.get("top_k", 5))
    reuse_columns = ["reused_from", "spot_check"] if s.get("reuse_threshold") is not None else []
    shown = (
        ["thumbnail", "time_s", "frame", *reuse_columns]
        + [c for r in range(1, min(k, 3) + 1) for c in (f"label_{r}", f"score_{r}")]
        + ["persons", "faces", "object_classes"]
    )
    widgets.table(
        view,
        shown,
        row_height=64,
        config={
            "thumbnail": st.column_config.ImageColumn(width="small"),
            **{f"score_{r}": st.column_config.ProgressColumn(format="%.3f", min_value=0.0, max_value=1.0) for r in range(1, k + 1)},
            "reused_from": st.column_config.NumberColumn(help="The frame whose labels this near duplicate copied; empty when the models ran on this frame."),
            "spot_check": st.column_config.TextColumn(help="A near duplicate classified anyway, to check that reuse keeps the labels."),
            "object_classes": {"help": OBJECTS_HELP},
        },
    )
    st.download_button(
        "Download all frames (CSV)",
        to_csv(table).encode(),
        file_name=f"frames_{video_id}_{run_id}_{model}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
shots.section(db, video_id, run_id, model, table)

people_section(video_id, run_id, titles[video_id])
objects_section(video_id, run_id, titles[video_id])
