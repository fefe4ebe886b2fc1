"""The Solara page for policy makers."""
