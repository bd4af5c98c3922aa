"""Videos: add YouTube links or files, set view counts, queue analyses, delete."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from core.analysis import labels
from core.errors import ReelsightError
from core.inference import MODEL_NAMES, RunSettings, request_analysis
from core.inference.dedup import AUDIT_EVERY, TARGET_AGREEMENT
from core.inference.dedup import DEFAULT_THRESHOLD as REUSE_THRESHOLD
from core.inference.detectors import DEFAULT_DETECTOR
from core.media import VIDEO_EXTENSIONS, add_upload, add_url, delete_video, set_views
from core.media.scenes import SceneSettings
from dashboard import data, scene_settings, state, trims, widgets
from dashboard.shell import ensure_shell
from dashboard.text import plain, safe_link
from dashboard.widgets import guarded, no_views_notice, succeeded

ensure_shell()

st.title("Videos")
st.caption("Add videos, enter the view counts your business uses, and queue them for frame-by-frame analysis.")
state.apply_next_run()

store, settings = data.store(), data.settings()
videos = data.videos(data.db_key())
titles = dict(zip(videos["video_id"], videos["title"].fillna("(untitled)")))

VIEWS_HELP = "The view count your business uses, applied to every video being added. Leave it empty to use YouTube's count; change it later under View count."


def _added(video_ids: list[str]) -> None:
    """After an add: preselect the videos in the Analyze box and offer "Analyze now" for them."""
    if video_ids:
        state.set_next_run(state.VIDEOS_ANALYZE_SELECTION, list(dict.fromkeys(video_ids)))
        st.session_state[state.VIDEOS_JUST_ADDED] = list(dict.fromkeys(video_ids))
    data.clear_video_caches()
    st.rerun()


def _added_text(title: str, created: bool, views: int | None) -> tuple[str, str]:
    if created:
        return "success", f"Added {plain(title)}" + (f" with {views:,} views." if views is not None else ".")
    kept = " Its views were not changed; edit them under View count." if views is not None else ""
    return "info", f"Already in the library: {plain(title)}.{kept}"


state.show_flash(state.VIDEOS_FLASH)
just_added = [v for v in st.session_state.get(state.VIDEOS_JUST_ADDED, []) if v in titles]
analyze_now = False
if just_added:
    with st.container(border=True):
        text, go = st.columns([4, 1], vertical_alignment="center")
        text.markdown(
            f":material/play_circle: **Ready to analyze:** {', '.join(plain(titles[v]) for v in just_added)}. "
            "**Analyze now** uses the settings in the Analyze box below."
        )
        analyze_now = go.button("Analyze now", type="primary", icon=":material/rocket_launch:", width="stretch")

# ------------------------------------------------------------------ add
links_left = bool(st.session_state.get(state.VIDEOS_URLS))  # links that failed stay in view, to fix or retry
with st.expander("**Add videos**", expanded=videos.empty or links_left, icon=":material/add_circle:"):
    tab_urls, tab_files = st.tabs(["YouTube links", "Upload files"])
    with tab_urls:
        with st.form("add_urls", border=False):
            links_col, views_col = st.columns([3, 1])
            urls = links_col.text_area("YouTube links, one per line", key=state.VIDEOS_URLS, placeholder="https://www.youtube.com/watch?v=…", height=110)
            url_views = views_col.number_input(
                "Views (optional)", min_value=0, value=None, step=1000, placeholder="YouTube's", key=state.VIDEOS_URL_VIEWS, help=VIEWS_HELP
            )
            submitted = st.form_submit_button("Add links", type="primary", icon=":material/link:")
        if submitted:
            lines = list(dict.fromkeys(u.strip() for u in urls.splitlines() if u.strip()))
            if not lines:
                state.flash(state.VIDEOS_FLASH, "warning", "Paste at least one link, one per line.")
            added, failed = [], []
            for url in lines:
                with st.spinner(f"Reading {plain(url)}…"):
                    try:
                        video_id, created = add_url(store, settings, url, views=url_views)
                    except ReelsightError as err:
                        state.flash(state.VIDEOS_FLASH, "error", plain(str(err)), getattr(err, "detail", None))
                        failed.append(url)
                        continue
                added.append(video_id)
                state.flash(state.VIDEOS_FLASH, *_added_text(store.videos.get(video_id)["title"] or url, created, url_views))
            if failed:
                state.flash(
                    state.VIDEOS_FLASH,
                    "warning",
                    f"The link{'s' if len(failed) > 1 else ''} that could not be added {'are' if len(failed) > 1 else 'is'} still in the box.",
                )
            state.set_next_run(state.VIDEOS_URLS, "\n".join(failed))  # what failed stays, to fix or retry
            if not failed:
                state.set_next_run(state.VIDEOS_URL_VIEWS, None)
            _added(added)
    with tab_files:
        upload_round = st.session_state.get(state.VIDEOS_UPLOADS_ROUND, 0)
        files_col, views_col = st.columns([3, 1])
        files = files_col.file_uploader(
            f"Video files ({', '.join(VIDEO_EXTENSIONS)}; up to {settings.max_upload_mb} MB each)",
            type=list(VIDEO_EXTENSIONS),
            accept_multiple_files=True,
            key=f"{state.VIDEOS_UPLOADS}.{upload_round}",
        )
        file_views = views_col.number_input(
            "Views (optional)", min_value=0, value=None, step=1000, placeholder="none", key=f"{state.VIDEOS_UPLOAD_VIEWS}.{upload_round}", help=VIEWS_HELP
        )
        if st.button("Add uploaded files", disabled=not files, icon=":material/upload:"):
            added = []
            for file in files or []:
                try:
                    video_id, created = add_upload(store, settings, file.name, file.getvalue(), views=file_views)
                except ReelsightError as err:
                    state.flash(state.VIDEOS_FLASH, "error", plain(str(err)), getattr(err, "detail", None))
                    continue
                added.append(video_id)
                state.flash(state.VIDEOS_FLASH, *_added_text(file.name, created, file_views))
            st.session_state[state.VIDEOS_UPLOADS_ROUND] = upload_round + 1  # empty the uploader and its views
            _added(added)

# ------------------------------------------------------------------ library
if videos.empty:
    st.info("No videos yet. Add YouTube links or upload files above to get started.", icon=":material/movie:")
    st.stop()

runs = data.runs(data.db_key())
latest = runs.drop_duplicates("video_id").set_index("video_id") if not runs.empty else None
table = videos.copy()
table["last_run"] = table["video_id"].map(latest["state"]) if latest is not None else None
table["frames"] = table["video_id"].map(latest["frames"]) if latest is not None else None
table["url"] = table["url"].map(lambda u: safe_link(u, settings.allowed_hosts))  # no javascript: or off-list link

st.subheader(f"Library · {len(videos)} video{'s' if len(videos) != 1 else ''}")
widgets.table(  # names and formats from core.analysis.labels; empty columns hidden, missing values as "—", as on every page
    table,
    ["title", "channel", "views", "views_source", "duration_s", "last_run", "frames", "url", "video_id"],
    config={
        "title": {"width": "large"},
        "views": {"help": "The analyst's figure when entered, else YouTube's count."},
        "frames": {"help": "Frames analysed by the latest run."},
        "url": st.column_config.LinkColumn(display_text="open"),
    },
)


def _label(video_id: str) -> str:
    return f"{titles[video_id]} · {video_id}"


col_analyze, col_edit = st.columns([3, 2], gap="large")

# ------------------------------------------------------------------ analyze
with col_analyze, st.container(border=True):
    st.markdown("##### :material/play_circle: Analyze")
    remembered = st.session_state.get(state.VIDEOS_ANALYZE_SELECTION)
    if remembered is None or any(v not in titles for v in remembered):  # first visit, or a video was deleted
        st.session_state[state.VIDEOS_ANALYZE_SELECTION] = [v for v in remembered or list(titles)[:1] if v in titles]
    chosen = st.multiselect("Videos", list(titles), format_func=_label, key=state.VIDEOS_ANALYZE_SELECTION)
    no_views_notice(videos, chosen, where="under View count")
    every = st.toggle("Every frame", help="Classify every frame instead of sampling. Slow on long videos.")
    reuse = st.toggle(
        "Reuse labels of near-duplicate frames",
        value=True,
        help=f"A frame that differs from the last classified frame by less than {REUSE_THRESHOLD:g} grey levels on average (at 32×32 pixels) gets its labels without running the models. Frame counts do not change. Every {AUDIT_EVERY}th such frame is classified anyway as a spot check; when they find changed labels too often (estimated agreement under {TARGET_AGREEMENT:.0%}), the threshold is halved.",
    )
    count_people = st.toggle(
        "Count faces and people",
        value=True,
        help="Counts the faces and people on every sampled frame, with their boxes, with detectors that ship with OpenCV. Costs about 25–50 ms of one processor core per sampled frame.",
    )
    find_objects = st.toggle(
        "Detect objects",
        value=False,
        key="videos.find_objects",
        help="Finds the 80 everyday object classes of the COCO dataset (person, car, dog, cup, laptop, …) with their boxes, with a RetinaNet detector on every classified frame. "
        "About 0.9 s per frame on a 2-processor machine without a GPU (a 1-minute video at 1 frame per second: about a minute more); a GPU should be far faster (not yet measured).",
    )
    find_shots = st.toggle(
        "Find shots, black and still pictures",
        value=True,
        key="videos.find_shots",
        help="In the same pass over the video: shot changes (for counting shots and the timeline bands) and black or still segments (for the suggested intro and outro trims). Costs about 4–10% more processor time (BENCHMARKS.md).",
    )
    scene_values = scene_settings.settings_inputs(disabled=not find_shots)
    c1, c2, c3 = st.columns(3)
    fps = c1.number_input("Frames per second", min_value=0.1, max_value=60.0, value=1.0, step=0.5, disabled=every, help="The source study used 24.")
    trim_start = c2.number_input("Trim start (s)", min_value=0.0, value=0.0, step=1.0, help="Skip title cards.")
    trim_end = c3.number_input("Trim end (s)", min_value=0.0, value=0.0, step=1.0, help="Skip end screens.")
    use_saved = st.toggle(
        "Use each video's saved intro and outro trims",
        value=True,
        key=trims.USE_SAVED,
        help="Saved in the Intro and outro box below; other videos use the trims above.",
    )
    c4, c5 = st.columns([2, 1])
    models = c4.multiselect("Models", list(MODEL_NAMES), default=list(MODEL_NAMES), format_func=labels.model_name)
    top_k = c5.number_input("Top-k labels", min_value=1, max_value=20, value=5)
    if analyze_now:
        chosen = just_added
    if (st.button("Queue analysis", type="primary", disabled=not chosen or not models, icon=":material/rocket_launch:") or analyze_now) and chosen and models:
        rs = guarded(
            lambda: RunSettings(
                fps=None if every else float(fps),
                trim_start_s=trim_start,
                trim_end_s=trim_end,
                models=tuple(models),
                top_k=int(top_k),
                reuse_threshold=REUSE_THRESHOLD if reuse else None,
                people=count_people,
                scenes=SceneSettings(**scene_values) if find_shots else None,
                objects=DEFAULT_DETECTOR if find_objects else None,
            )
        )
        if rs is not None:
            per_video = {
                v: dataclasses.replace(rs, **dict(zip(("trim_start_s", "trim_end_s"), trims.trims_for(store, v, trim_start, trim_end, use_saved))))
                for v in chosen
            }
            queued, refused = [], []
            for v in chosen:
                try:
                    queued.append(request_analysis(store, v, per_video[v]))
                except ReelsightError as err:  # e.g. trims longer than this video: said for it, the others still queue
                    refused.append(f"{plain(titles[v])} was not queued: {plain(str(err))}")
            if queued:
                state.flash(
                    state.VIDEOS_FLASH,
                    "success",
                    f"Queued {len(queued)} analysis run{'s' if len(queued) > 1 else ''}. Follow {'them' if len(queued) > 1 else 'it'} on the Jobs page; earlier runs are kept.",
                )
                for message in refused:
                    state.flash(state.VIDEOS_FLASH, "error", message)
                st.session_state.pop(state.VIDEOS_JUST_ADDED, None)
                data.clear_video_caches()
                st.rerun()
            for message in refused:
                st.error(message, icon=":material/error:")

with st.container(border=True):
    trims.panel(store, titles)

# ------------------------------------------------------------------ edit / delete
with col_edit, st.container(border=True):
    st.markdown("##### :material/edit: View count")
    target = st.selectbox("Video", list(titles), format_func=_label, key=state.VIDEOS_EDIT_TARGET)
    row = videos.set_index("video_id").loc[target]
    youtube = int(row["view_count"]) if pd.notna(row["view_count"]) else None
    st.caption(f"YouTube reports {youtube:,} views." if youtube is not None else "YouTube gives no view count for this video.")
    current = int(row["views"]) if pd.notna(row["views"]) else 0
    views = st.number_input("Business view count", min_value=0, step=1000, value=current, key=f"{state.VIDEOS_VIEWS}.{target}")
    b1, b2 = st.columns(2)
    if b1.button("Save views", icon=":material/save:") and succeeded(lambda: set_views(store, target, int(views))):
        state.flash(state.VIDEOS_FLASH, "success", f"Views of {plain(titles[target])} set to {int(views):,}.")
        data.clear_video_caches()
        st.rerun()
    if b2.button("Use YouTube's", disabled=youtube is None) and succeeded(lambda: set_views(store, target, None)):
        data.clear_video_caches()
        st.rerun()

    st.divider()
    st.markdown("##### :material/delete: Delete")
    sure = st.checkbox("Also delete all its runs and results", key=state.VIDEOS_DELETE_CONFIRM)
    if st.button("Delete video", disabled=not sure, icon=":material/delete_forever:"):
        counts = guarded(lambda: delete_video(store, settings, target))
        if counts is not None:
            state.flash(
                state.VIDEOS_FLASH,
                "success",
                f"Deleted {plain(titles[target])} with {labels.count(counts['runs'])} run(s) and {labels.count(counts['frames'])} frame result(s).",
            )
            data.clear_video_caches()
            st.rerun()
