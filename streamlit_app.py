"""Reelsight dashboard entry point: navigation and sidebar only. Run with `make run`."""
from pathlib import Path

import streamlit as st

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
            st.Page(PAGES / "results.py", title="Results", icon=":material/insights:"),
        ],
    }
)
sidebar()
with inside_navigation():
    navigation.run()
