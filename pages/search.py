"""Label search: every frame in the library where a model saw a label, with thumbnails and a CSV."""

from __future__ import annotations

import streamlit as st

from core.analysis import labels
from core.analysis.search import matching_labels, summary_by_video
from core.inference import MODELS, imagenet_labels
from dashboard import data, state, widgets
from dashboard.shell import ensure_shell
from dashboard.text import plain

ensure_shell()
GRID_COLUMNS, PER_PAGE = 6, 24

st.title("Label search")
st.caption("Find every frame, across all analysed videos, where a model saw a label. Each video's latest finished run is searched.")

db = data.db_key()
runs = data.library_runs(db)
if not runs:
    st.info(
        "Nothing analysed yet. Add a video and queue an analysis on the Videos page; its frames can be searched when its job is done.", icon=":material/search:"
    )
    st.page_link("pages/videos.py", label="Go to Videos", icon=":material/movie:")
    st.stop()

if state.SEARCH_QUERY not in st.session_state:
    st.session_state[state.SEARCH_QUERY] = st.query_params.get(state.QP_QUERY, "")
query = st.text_input(
    "Label", key=state.SEARCH_QUERY, placeholder="e.g. car, dog, guitar", help="Words of an ImageNet label: car finds sports car, car wheel and passenger car."
)
state.set_params(**{state.QP_QUERY: query.strip() or None})
options = matching_labels(query, imagenet_labels())
if not query.strip():
    st.info("Type a label to search for.", icon=":material/search:")
    st.stop()
if not options:
    st.warning(
        f"No ImageNet label contains the word(s) {plain(query)!r}. Try a more general word (dog, car, ball), or a singular form.", icon=":material/search_off:"
    )
    st.stop()

chosen = state.url_multi_choice(st.multiselect, "Matching labels", options, state.QP_LABELS, format_func=labels.label, placeholder="Choose labels")
c1, c2, c3 = st.columns([2, 2, 2])
from_url = widgets.float_param(state.QP_MIN_SCORE)
min_score = c1.slider(
    "Confidence at least", 0.0, 1.0, 0.5 if from_url is None else min(max(from_url, 0.0), 1.0), 0.05, help="The model's score for the label (0–1)."
)
state.set_params(**{state.QP_MIN_SCORE: f"{min_score:g}"})
with c2:
    models = state.url_multi_choice(st.pills, "Models", list(MODELS), state.QP_MODELS, selection_mode="multi", format_func=labels.model_name)
any_rank = c3.toggle(
    "Also below the top label",
    value=st.query_params.get(state.QP_ANY_RANK) == "1",
    help="Search every label stored for a frame (its top-k), not only the top one. Slower on a large library. "
    "At a confidence of 0.5 or more it finds the same frames: only a frame's top label can score that high.",
)
state.set_params(**{state.QP_ANY_RANK: "1" if any_rank else None})
if not chosen or not models:
    st.info("Choose at least one label and one model.")
    st.stop()

hits = data.search(db, tuple(sorted(runs.items())), tuple(chosen), float(min_score), tuple(models), any_rank)
videos = data.videos(db)
titles = dict(zip(videos["video_id"], videos["title"].fillna("(untitled)")))
frames = hits.drop_duplicates(["video_id", "run_id", "frame"])
st.markdown(f"**{len(frames):,}** frames in **{hits['video_id'].nunique():,}** of {len(runs):,} videos.")
if hits.empty:
    st.info("No frame matches. Lower the confidence, add labels, or search below the top label.", icon=":material/search_off:")
    st.stop()

summary = summary_by_video(hits)
summary.insert(1, "title", summary["video_id"].map(titles))
st.dataframe(
    summary,
    hide_index=True,
    width="stretch",
    column_config={
        "video_id": None,
        "title": "Video",
        "frames": st.column_config.NumberColumn("Frames", format="%d"),
        "first_s": st.column_config.NumberColumn("First (s)", format="%.1f"),
        "last_s": st.column_config.NumberColumn("Last (s)", format="%.1f"),
        "labels": "Labels found",
    },
)
export = hits.assign(title=hits["video_id"].map(titles))[["video_id", "title", "run_id", "model", "frame", "time_s", "rank", "label", "score"]]
widgets.download_csv(export, "label_search.csv", label="Download all matches (CSV)")

pages = max(1, -(-len(frames) // PER_PAGE))
page = st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, key=state.SEARCH_PAGE) if pages > 1 else 1
shown = frames.iloc[(page - 1) * PER_PAGE : page * PER_PAGE]
thumbs: dict[tuple[str, int], str] = {}
for run_id, group in shown.groupby("run_id", sort=False):
    for frame, uri in data.thumbnails(db, run_id, tuple(int(f) for f in group["frame"])).items():
        thumbs[(run_id, frame)] = uri
found = hits.groupby(["run_id", "frame"])
for start in range(0, len(shown), GRID_COLUMNS):
    for cell, row in zip(st.columns(GRID_COLUMNS), shown.iloc[start : start + GRID_COLUMNS].itertuples()):
        with cell:
            if (row.run_id, row.frame) in thumbs:
                st.image(thumbs[(row.run_id, row.frame)], width="stretch")
            lines = [f"**{plain(titles.get(row.video_id, row.video_id))}** · {labels.seconds(row.time_s)}"]
            for hit in found.get_group((row.run_id, row.frame)).itertuples():
                lines.append(f"{labels.model_name(hit.model)}: {plain(labels.label(hit.label))} {labels.confidence(hit.score)}")
            st.caption("  \n".join(lines))
