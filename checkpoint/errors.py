"""Exceptions: each means "could not evaluate", never "the pass is bad".

A pass that fails a check is a :class:`checkpoint.decision.Decision` with a reason, not an exception.
These are for the station itself being unable to work, and each message says what to do::

    CheckpointError                 anything the station cannot do; the message is for a person
    ├── ConfigError                 a station config file is missing, unreadable or wrong (names file and key)
    ├── KeyLoadError                a key or certificate file cannot be read or is not a supported key
    └── SignedListError             a signed trust list or revocation list is refused; the old one stays
        ├── ListNotSignedError      not a signed document at all
        ├── ListSignatureError      signed, but not by a pinned root key
        ├── ListExpiredError        past its own expiry
        ├── ListFromFutureError     issued later than the station's trusted time plus the allowed skew
        ├── ListRollbackError       older than (or as old as) the list in place, or drops entries
        └── ListFormatError         signed correctly but its content is broken

``MalformedPass`` is internal to the format parsers and always becomes the ``MALFORMED`` reason.
"""

from __future__ import annotations


class CheckpointError(Exception):
    """The station could not do something; ``str(error)`` is a message a person can act on (in English, for
    the command line and the log). ``code``, when given, names it in the words catalogue (``error.<code>`` in
    :mod:`checkpoint.words`), so the app says it in the officer's language and keeps the English for its log."""

    code: str | None = None

    def __init__(self, *args: object, code: str | None = None) -> None:
        super().__init__(*args)
        if code is not None:
            self.code = code


class ConfigError(CheckpointError):
    """A configuration file is missing, unreadable, or has a wrong value."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None) -> None:
        where = ""
        if path and key:
            where = f"{path}: [{key}] "
        elif path:
            where = f"{path}: "
        elif key:
            where = f"[{key}] "
        super().__init__(f"{where}{message}")
        self.path = path
        self.key = key


class KeyLoadError(CheckpointError):
    """A key or certificate file could not be loaded."""


class SignedListError(CheckpointError):
    """A signed list (trust list, revocation list) was refused; the list in place stays in force."""


class ListNotSignedError(SignedListError):
    pass


class ListSignatureError(SignedListError):
    pass


class ListExpiredError(SignedListError):
    pass


class ListFromFutureError(SignedListError):
    """Issued later than trusted time plus the allowed clock skew: refused, and the clock guard is not moved."""


class ListRollbackError(SignedListError):
    pass


class ListFormatError(SignedListError):
    pass


class MalformedPass(Exception):
    """Raised inside the parsers; the verifier turns it into the MALFORMED reason."""
