"""Scanner exceptions: they mean "could not evaluate" (a file or device is unusable), never "no code".

    ScannerError
    ├── ImageUnreadable      an image file is missing or not an image
    └── SourceError          a frame source could not be opened or read (the loop reconnects)
"""

from __future__ import annotations


class ScannerError(Exception):
    pass


class ImageUnreadable(ScannerError):
    pass


class SourceError(ScannerError):
    pass
