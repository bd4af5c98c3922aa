"""Streamlit-side building blocks: cached data access, URL/session state, shared widgets."""
