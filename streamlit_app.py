"""Reelsight dashboard entry point: navigation and sidebar only. Run with `make run`."""

from pathlib import Path

import streamlit as st

from core.errors import StoreError
from dashboard import warmup
from dashboard.shell import inside_navigation
from dashboard.widgets import sidebar

HERE = Path(__file__).parent
PAGES = HERE / "pages"

st.set_page_config(page_title="Reelsight", page_icon="🎬", layout="wide")
navigation = st.navigation(
    {
        "Library": [
            st.Page(PAGES / "videos.py", title="Videos", icon=":material/movie:", default=True),
            st.Page(PAGES / "jobs.py", title="Jobs", icon=":material/pending_actions:"),
        ],
        "Explore": [
            st.Page(PAGES / "overview.py", title="Overview", icon=":material/dashboard:"),
            st.Page(PAGES / "confidence.py", title="Confidence", icon=":material/speed:"),
            st.Page(PAGES / "popularity.py", title="Popular vs unpopular", icon=":material/trending_up:"),
            st.Page(PAGES / "wordclouds.py", title="Word clouds", icon=":material/cloud:"),
            st.Page(PAGES / "regression.py", title="Regression", icon=":material/functions:"),
            st.Page(PAGES / "explorer.py", title="Frames explorer", icon=":material/grid_view:"),
            st.Page(PAGES / "results.py", title="Results by run", icon=":material/table_rows:"),
            st.Page(PAGES / "search.py", title="Label search", icon=":material/search:"),
            st.Page(PAGES / "categories.py", title="Label categories", icon=":material/category:"),
        ],
        "Screen time": [
            st.Page(PAGES / "screentime.py", title="Screen time", icon=":material/timer:"),
            st.Page(PAGES / "classifiers.py", title="Screen-time classifiers", icon=":material/model_training:"),
        ],
        "Datasets": [
            st.Page(PAGES / "yt8m.py", title="YouTube-8M", icon=":material/dataset:"),
        ],
    }
)
warmup.start()  # once per process: the fits' and word clouds' libraries load while the first page is read
try:
    sidebar()
    with inside_navigation():
        navigation.run()
except StoreError as err:  # the database is unreachable: one message (credentials redacted), no traceback
    st.error(str(err), icon=":material/database:")
