"""Word clouds: one per video and model, from top-1 label counts; pick a label to see its frames."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.analysis import analytics, labels, objects
from dashboard import data, levels, state, widgets
from dashboard.scope import analysis_scope
from dashboard.shell import ensure_shell
from dashboard.text import plain

ensure_shell()
VIDEOS_PER_PAGE = 3
HITS_SHOWN = 500
OBJECTS = "objects"  # the key of a video's object-class cloud beside its models' label clouds

st.title("Word clouds")
st.caption(
    "Each video's top-1 labels, sized by how many frames carry them, one cloud per model, as in the source study; "
    "videos analysed with object detection get a cloud of the objects on screen too."
)

scope = analysis_scope(choose_model=False)
if scope is None:
    st.stop()
weighted = st.toggle("Weight by confidence", help="Size labels by their summed top-1 scores instead of frame counts.")
titles = dict(zip(scope.videos["video_id"], scope.videos["title"]))

video_ids = list(scope.runs)
pages = -(-len(video_ids) // VIDEOS_PER_PAGE)
page = st.number_input(f"Page (of {pages}, {VIDEOS_PER_PAGE} videos each)", min_value=1, max_value=pages, value=1) if pages > 1 else 1
page_videos = video_ids[(page - 1) * VIDEOS_PER_PAGE : page * VIDEOS_PER_PAGE]
shown = [(vid, model) for vid in page_videos for model in scope.models]
freqs = {key: analytics.label_frequencies(scope.counts, key[0], key[1], weighted=weighted) for key in shown}
detected = objects.detected_videos(scope.objects_summary)  # a cloud of COCO object classes too, for runs that detected objects
if detected:
    shares = scope.objects_shares
    for vid in page_videos:
        if vid in detected:
            rows = shares[shares["video_id"] == vid]
            freqs[(vid, OBJECTS)] = dict(zip(rows["label"], rows["frames"].astype(float)))
            shown.append((vid, OBJECTS))
drawn = [key for key in shown if freqs[key]]
pngs = dict(zip(drawn, data.wordclouds(tuple(tuple(sorted(freqs[key].items())) for key in drawn))))
unit = "shots" if scope.unit == "shots" else "frames"
for vid in page_videos:
    st.subheader(plain(titles[vid]))
    clouds = [*scope.models, *([OBJECTS] if vid in detected else [])]
    for column, model in zip(st.columns(len(scope.models) + bool(detected)), clouds):
        with column:
            if model == OBJECTS:
                found = len(freqs[(vid, model)])
                st.markdown(f"**Objects on screen** · {labels.count(found)} COCO {'class' if found == 1 else 'classes'}")
                if (vid, model) not in pngs:
                    st.caption(f"The detector found no object on this video's {unit}.")
                    continue
            else:
                st.markdown(f"**{labels.model_name(model)}** · {labels.count(len(freqs[(vid, model)]))} {levels.noun(scope.level, plural=True)}")
            if (vid, model) not in pngs:
                st.caption("No frames for this model.")
                continue
            st.image(pngs[(vid, model)], width="stretch")
            st.download_button(
                "Download PNG",
                pngs[(vid, model)],
                file_name=f"wordcloud_{vid}_{model}.png",
                mime="image/png",
                icon=":material/download:",
                key=f"wc.{vid}.{model}",
            )
            if model == OBJECTS:
                st.caption(f"Each class sized by the {unit} showing it (not weighted by confidence); Popular vs unpopular compares them.")

st.subheader(f"Frames with a {levels.noun(scope.level)}")
names = sorted(scope.counts["label"].unique(), key=lambda n: labels.label(n).casefold())
state_label = st.query_params.get(state.QP_LABEL)
label = st.selectbox(
    levels.noun(scope.level).capitalize(),
    names,
    index=names.index(state_label) if state_label in names else 0,
    format_func=labels.label,
    help="Every frame whose top-1 label (by either model) is this one.",
)
state.set_params(**{state.QP_LABEL: label})
with_label = scope.counts[scope.counts["label"] == label]
st.caption(f"{labels.count(int(with_label['count'].sum()))} frame predictions · open them with thumbnails in the Frames explorer.")
st.page_link(
    "pages/explorer.py", label="Open in the Frames explorer", icon=":material/grid_view:", query_params={state.QP_LABEL: label, **dict(st.query_params)}
)
hits = []  # the first HITS_SHOWN, video by video: only the runs needed are read
for vid in sorted(with_label["video_id"].unique()):
    frames = scope.run_top1(vid)
    hits.append(frames[frames["label"] == label].sort_values("time_s", kind="stable"))
    if sum(len(h) for h in hits) >= HITS_SHOWN:
        break
shown_hits = pd.concat(hits, ignore_index=True).head(HITS_SHOWN) if hits else pd.DataFrame(columns=analytics.TOP1_COLUMNS)
if len(shown_hits) < with_label["count"].sum():
    st.caption(f"The first {labels.count(len(shown_hits))} are listed.")
widgets.table(shown_hits.assign(title=shown_hits["video_id"].map(titles)), ["title", "model", "time_s", "frame", "score"])
