"""Widgets of the scan screen; each takes plain values and renders them (attributes down)."""
