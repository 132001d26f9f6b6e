"""The reference central server: app factory (``app``), storage (``storage``), lists (``lists``)."""
