"""Frames explorer: thumbnails with every model's labels, filters, a label timeline and model agreement."""

from __future__ import annotations

import streamlit as st

from core.analysis import labels, objects
from core.analysis.charts import TIMELINE_PICK, label_timeline
from dashboard import data, levels, moment, shots, state, widgets
from dashboard.objects import objects_section
from dashboard.people import people_section
from dashboard.scope import analysis_scope
from dashboard.shell import ensure_shell

ensure_shell()
GRID_COLUMNS, PER_PAGE = 6, 24

st.title("Frames explorer")
st.caption("Browse sampled frames with what each model saw. Filter by label, confidence and time.")

scope = analysis_scope()
if scope is None:
    st.stop()
titles = dict(zip(scope.videos["video_id"], scope.videos["title"]))
vid = state.url_choice(st.selectbox, "Video", list(scope.runs), state.QP_VIDEO, format_func=titles.get)
run_id = scope.runs[vid]
if st.session_state.get("explorer.moment_video", vid) != vid:  # another video: its moment does not apply
    moment.open_moment(None)
st.session_state["explorer.moment_video"] = vid
frames = scope.run_top1(vid)
model = scope.model
mine = frames[frames["model"] == model]

shot_bands, segment_bands = shots.bands(data.db_key(), run_id, vid)
event = widgets.vega_chart(
    label_timeline(frames, f"Top-1 label along the video · {titles[vid]}", shots=shot_bands, segments=segment_bands), f"timeline_{vid}", select=TIMELINE_PICK
)
clicked = moment.clicked_time(event, f"explorer.click.{vid}")
if clicked is not None:
    moment.open_moment(clicked)
st.caption("Click a point on the timeline, or Play under a frame, to watch that moment.")
moment.show_moment(vid, run_id, frames, scope.models)
people_section(vid, run_id, titles[vid])
objects_section(vid, run_id, titles[vid])

f1, f2, f3 = st.columns([2, 2, 2])
names = sorted(mine["label"].unique(), key=lambda n: labels.label(n).casefold())
wanted = [name for name in (st.query_params.get(state.QP_LABEL) or "").split(",") if name in names]
noun = levels.noun(scope.level)
chosen = f1.multiselect(
    f"Top-1 {noun} ({labels.model_name(model)})", names, default=wanted, format_func=labels.label, placeholder=f"All {levels.noun(scope.level, True)}"
)
state.set_params(**{state.QP_LABEL: ",".join(chosen) or None})
low, high = f2.slider("Top-1 confidence", 0.0, 1.0, (0.0, 1.0), 0.01)
end = float(frames["time_s"].max()) if not frames.empty else 0.0
t0, t1 = f3.slider("Time (s)", 0.0, max(end, 0.1), (0.0, max(end, 0.1)), 0.5)
keep = mine[(mine["score"] >= low) & (mine["score"] <= high) & (mine["time_s"] >= t0) & (mine["time_s"] <= t1)]
if chosen:
    keep = keep[keep["label"].isin(chosen)]
st.markdown(f"**{labels.count(len(keep))}** of {labels.count(len(mine))} frames match.")

if not keep.empty:
    pages = max(1, -(-len(keep) // PER_PAGE))
    page = st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, key=f"explorer.page.{run_id}.{model}") if pages > 1 else 1
    shown = keep.iloc[(page - 1) * PER_PAGE : page * PER_PAGE]
    shown_frames = tuple(int(f) for f in shown["frame"])
    boxes = st.toggle(
        "Draw people, faces and objects",
        value=True,
        help="Blue boxes: people; amber boxes: faces; green boxes: objects, listed under each frame. Runs that detected none of them show plain frames.",
    )
    thumbs = (data.thumbnails_with_boxes if boxes else data.thumbnails)(data.db_key(), run_id, shown_frames)
    preds = data.frame_predictions(data.db_key(), run_id, shown_frames)
    found = data.frame_objects(data.db_key(), run_id, shown_frames)
    for start in range(0, len(shown), GRID_COLUMNS):
        for cell, row in zip(st.columns(GRID_COLUMNS), shown.iloc[start : start + GRID_COLUMNS].itertuples()):
            with cell:
                if row.frame in thumbs:
                    st.image(thumbs[row.frame], width="stretch")
                lines = [f"**{labels.seconds(row.time_s)}**"]
                for m in scope.models:
                    top = preds.get(row.frame, {}).get(m)
                    if top:
                        lines.append(f"{labels.model_name(m)}: " + " · ".join(f"{labels.label(label)} {labels.confidence(score)}" for label, score in top))
                if found.get(row.frame):
                    lines.append("Objects: " + objects.describe(found[row.frame]))
                st.caption("  \n".join(lines))
                if st.button("Play", key=f"play.{run_id}.{row.frame}", icon=":material/play_arrow:", type="tertiary"):
                    moment.open_moment(float(row.time_s))
                    st.rerun()

if len(scope.models) >= 2:
    st.subheader("Model agreement")
    a, b = scope.models[0], scope.models[1]
    agree = scope.agreement(a, b)
    agree.insert(0, "title", agree["video_id"].map(titles))
    st.caption(f"Share of frames on which {labels.model_name(a)} and {labels.model_name(b)} give the same top-1 label, and their most common disagreements.")
    widgets.table(
        agree,
        ["title", "frames", "agreement", "top_disagreements"],
        config={"agreement": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)},
    )
    widgets.download_csv(agree, "agreement.csv")
