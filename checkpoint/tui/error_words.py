"""An error said on the app's screen in the catalogue's words; the exception's own words go to app.log.

An exception's message is English (and technical: a path, the operating system's words, what a server
said): it is for the command line and the log, never for the officer's screen. :func:`error_words` picks the
catalogue entry for an error, in this order, and logs the English detail:

1. a crossing-log error (:class:`checkpoint.log.LogError`): its code, as the status bar says it (``logerr.*``);
2. a :class:`checkpoint.errors.CheckpointError` raised with a ``code``: ``error.<code>`` (the sync client's
   refusals carry the server's error code: ``error.refused.<code>``); a ConfigError's setting:
   ``error.config.<key>`` (for the few a person types on the first run);
3. an operating-system error, the error itself or the one it was raised from (``raise ... from None`` keeps
   it as the context): by its errno (no permission, disk full, read-only, not found, else a storage error);
4. the error's class (a refused signed list, a config or key file, the server, the camera source);
5. otherwise ``error.unknown`` (which sends the supervisor to app.log).

Same pattern as the wedge problems and the verdict reasons: a code on screen, the words from the catalogue.
"""

from __future__ import annotations

import errno
import logging

from checkpoint.display import shown
from checkpoint.errors import CheckpointError, ConfigError
from checkpoint.log import LogError
from checkpoint.tui.i18n import Texts

log = logging.getLogger(__name__)

#: operating-system errors by errno (anything else is ``error.io``)
ERRNO: dict[int, str] = {
    errno.EACCES: "permission", errno.EPERM: "permission", errno.ENOSPC: "disk_full", errno.EDQUOT: "disk_full",
    errno.EROFS: "read_only", errno.ENOENT: "not_found", errno.ENOTDIR: "not_found", errno.EISDIR: "is_folder",
}

#: errors by class, named ``module.Class`` so this module imports neither the scanner nor the sync client
CLASSES: dict[str, str] = {
    "checkpoint.errors.ListExpiredError": "list_expired",
    "checkpoint.errors.ListFromFutureError": "list_from_future",
    "checkpoint.errors.ListRollbackError": "list_rollback",
    "checkpoint.errors.ListSignatureError": "list_signature",
    "checkpoint.errors.ListNotSignedError": "list_signature",
    "checkpoint.errors.ListFormatError": "list_format",
    "checkpoint.errors.ConfigError": "config",
    "checkpoint.errors.KeyLoadError": "key_file",
    "sync.errors.Unauthenticated": "server_refused",
    "sync.errors.Unreachable": "server_unreachable",
    "sync.errors.Refused": "server_refused",
    "sync.errors.TamperDetected": "server_tamper",
    "sync.errors.NotEnrolled": "not_enrolled",
    "sync.protocol.ProtocolError": "server_reply",
    "scanner._errors.SourceError": "camera_source",
    "scanner._errors.ScannerError": "camera_source",
}


def error_key(error: BaseException, t: Texts) -> str:
    """The catalogue key that says ``error`` (see the module's docstring for the order)."""
    if isinstance(error, LogError):
        return f"logerr.{error.code.value}"
    code = error.code if isinstance(error, CheckpointError) else None
    if code is not None and t.has(f"error.{code}"):
        return f"error.{code}"
    key = getattr(error, "key", None)  # a ConfigError names the setting: words for a few a person types
    if isinstance(error, ConfigError) and key is not None and t.has(f"error.config.{key}"):
        return f"error.config.{key}"
    os_error = _os_error(error)
    if os_error is not None:
        return f"error.{ERRNO.get(os_error.errno or 0, 'io')}"
    for cls in type(error).__mro__:
        name = CLASSES.get(f"{cls.__module__}.{cls.__qualname__}")
        if name is not None:
            return f"error.{name}"
    return "error.unknown"


def _os_error(error: BaseException) -> OSError | None:
    """The error itself, or one it was raised from or while handling (a few links at most)."""
    seen: BaseException | None = error
    for _ in range(4):
        if seen is None:
            return None
        if isinstance(seen, OSError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def error_words(t: Texts, error: BaseException, what: str) -> str:
    """The words for ``error`` in ``t``'s language; ``what`` (English: what was being done) and the error's
    own message go to the log (app.log while the app runs), sanitised."""
    log.warning("%s: %s: %s", what, type(error).__name__, shown(str(error)))
    return t(error_key(error, t))
