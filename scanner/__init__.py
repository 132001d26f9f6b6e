"""Frames in, QR texts out: camera and file sources, decoders, handheld scanners."""
