"""Streamlit helpers: pages in ``lab.ui.pages``, charts and the flow's logic beside them."""
