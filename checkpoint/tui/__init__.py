"""The station app (Textual): screens, widgets, workers and messages around :mod:`checkpoint.service`.

A shell: it decides and records nothing itself. Only the CLI's ``checkpoint run`` (and the interactive
demo through it) starts it; nothing outside this package imports it (import-linter contracts in
``pyproject.toml``).
"""
