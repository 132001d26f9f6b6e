"""The crossing's field table: the one place a crossing field is declared.

Every copy of the crossing's shape comes from :data:`FIELDS` (or is checked against it by
``tests/test_crossing_fields.py``): the chain's field order (:mod:`checkpoint.crossing.chain`), the
station log's columns (``checkpoint.log._rows``; the released migrations in ``checkpoint.log._schema`` are
checked, never rewritten), the wire form (``Crossing.to_wire``), the export columns
(``checkpoint.export``), and the central server's validation and columns (``sync.server``).

The table's order is the station log's column order. Two orders are fixed by released formats and are
*not* the table order: the chain hashes the ``chain`` fields in table order (which it is by construction,
``docs/crossing-log.md``), and the wire object keeps the :class:`~checkpoint.crossing.Crossing` dataclass
order (``id`` first): the server signs and stores canonical, key-sorted JSON, so wire key order is only
pinned by the compatibility test, not relied on.

Adding a field: add a row here, a field to ``Crossing``, and (for the station log) a new migration; the
agreement test names every consumer that still needs it.

**Extension fields** (``extension=True``). A crossing row never changes once recorded, and every crossing
already recorded (and the released fixture in ``tests/data/crossing_schema``) must hash, upload and verify
as before. So a field added after the first release is an extension field: nullable, at the end of the
table (after every fixed field), with a ``Crossing`` attribute at the end defaulting to None. The chain
hashes it only when it is not None, as its name then its value after the fixed fields
(:func:`checkpoint.crossing.chain.crossing_hash`), and the wire form leaves it out when it is None: a
crossing that sets no extension field hashes and travels byte for byte as it did before the field existed.
The central server checks the hash the same way (``sync.server.validate``) and keeps the value in the
crossing's JSON body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: How a field is held. ``hex``: a digest, hex text in Python and on the wire, a BLOB in the log;
#: ``blob``: raw bytes, base64 on the wire; ``texts``: a tuple of strings, a JSON list on the wire and
#: JSON text in the log; ``bool``: an INTEGER 0/1 in the log.
Kind = Literal["text", "int", "bool", "texts", "hex", "blob"]
#: Special forms the server checks beyond the type: 64 lowercase hex digits, an ISO-8601 instant.
Form = Literal["", "hex64", "instant"]

MAX_TEXT = 1024  # any text field on the wire but the sealed blob
MAX_LIST = 64  # items of a list field (rules applied, flags)
MAX_SEALED_CHARS = 64 * 1024  # = sync.protocol.MAX_CROSSING_BYTES (the base64 of a sealed record)


@dataclass(frozen=True)
class Check:
    """The central server's rule for one wire value (``sync.server.validate``).

    ``required``: of its wire type (``Field.wire_types``: absent counts as null, so a nullable required
    field may be left out); a field that is not required is stored as it comes, within the size caps (old
    and new stations send different sets). The caps and ``form``/``choices`` apply whenever the value is
    a string.
    """

    required: bool = False
    max_chars: int = MAX_TEXT
    min_chars: int = 0
    choices: tuple[str, ...] = ()
    form: Form = ""


@dataclass(frozen=True)
class Field:
    name: str  # the Crossing attribute, wire key and log column
    kind: Kind
    nullable: bool  # may be None/NULL (the log column has no NOT NULL)
    chain: bool  # hashed into the crossing's chain hash (in table order)
    personal: bool = False  # personal data: hashed through ``personal_digest``, erased by retention
    retention: bool = False  # changed by retention after upload (the server does not call it tampering)
    wire: bool = True  # uploaded to the central server
    export: str | None = None  # the export column key (``checkpoint.export._columns``) it feeds, if any
    check: Check = Check()
    server_column: bool = False  # a column of its own on the central server (the rest is in the JSON body)
    default_none: bool = False  # the Crossing attribute defaults to None (set later by the log)
    extension: bool = False  # added after release: hashed and sent only when not None (module docstring)

    @property
    def sql_type(self) -> str:
        """The column type in the station log (SQLite)."""
        return _SQL[self.kind]

    @property
    def wire_types(self) -> tuple[type, ...]:
        """The JSON types the value may have on the wire (``type(None)`` when nullable)."""
        base: tuple[type, ...] = (_WIRE[self.kind],)
        return (*base, type(None)) if self.nullable else base

    def server_sql_type(self, dialect: Literal["sqlite", "postgresql"] = "sqlite") -> str:
        """The central server's column type for this field (hex digests stay text there)."""
        if self.kind == "int":
            return "BIGINT" if dialect == "postgresql" else "INTEGER"
        return "TEXT"


_SQL: dict[Kind, str] = {"text": "TEXT", "int": "INTEGER", "bool": "INTEGER", "texts": "TEXT", "hex": "BLOB",
                         "blob": "BLOB"}
_WIRE: dict[Kind, type] = {"text": str, "int": int, "bool": bool, "texts": list, "hex": str, "blob": str}

_T: Kind = "text"
_I: Kind = "int"
_B: Kind = "bool"
_L: Kind = "texts"
_H: Kind = "hex"
_X: Kind = "blob"
_TIME = Check(required=True, form="instant")
_HASH = Check(required=True, form="hex64")

#: The crossing's fields, in the station log's column order.
FIELDS: tuple[Field, ...] = (
    Field("seq", _I, False, True, export="seq", check=Check(required=True), server_column=True),
    Field("id", _T, False, True, export="crossing_id", check=Check(required=True, min_chars=1, max_chars=64),
          server_column=True),
    Field("station_id", _T, False, True, export="station", check=Check(required=True), server_column=True),
    Field("officer_id", _T, True, True, export="officer"),
    Field("lane", _T, False, True, export="lane"),
    Field("direction", _T, False, True, export="direction"),
    Field("recorded_at", _T, False, True, export="time", check=_TIME, server_column=True),
    Field("system_time", _T, False, True),
    Field("clock_suspect", _B, False, True, export="flags"),
    Field("format", _T, True, True, export="format"),
    Field("kid", _T, True, True),
    Field("verdict", _T, False, True, export="verdict", check=Check(required=True, choices=("accept", "reject")),
          server_column=True),
    Field("reason", _T, True, True, export="reason"),
    Field("display", _T, False, True, export="result"),
    Field("rule", _T, True, True, export="rule"),
    Field("rules_applied", _L, False, True),
    Field("flags", _L, False, True, export="flags"),
    Field("manual", _B, False, True, export="flags"),
    Field("category", _T, True, True, export="category"),
    Field("expires", _T, True, True),
    Field("pass_id_hash", _H, True, False, personal=True, retention=True),
    Field("id_number_hash", _H, True, False, personal=True, retention=True),
    Field("sealed", _X, True, False, personal=True, retention=True,
          check=Check(required=True, max_chars=MAX_SEALED_CHARS)),
    Field("personal_digest", _H, False, True, default_none=True),
    Field("prev_hash", _H, False, True, check=_HASH),
    Field("hash", _H, False, False, export="hash", check=_HASH, server_column=True),
    Field("erased_at", _T, True, False, retention=True, default_none=True),
    # -- extension fields (module docstring): hashed and sent only when set --
    # vehicles: the vehicle a crossing was an occupant of (a UUID grouping its occupants) and its role there
    Field("vehicle_id", _T, True, True, export="vehicle_id", check=Check(max_chars=36), extension=True,
          default_none=True),
    Field("vehicle_role", _T, True, True, export="vehicle_role", check=Check(choices=("driver", "passenger")),
          extension=True, default_none=True),
    # -- extension fields (module docstring) --
    # lane policy (issue 15): the centre's policy bundle applied (checkpoint.policy): the origin's risk level
    # ("1".."9", "unknown"), the rule applied ("L4:*:test72"), the bundle's version
    Field("origin_level", _T, True, True, export="origin_level", default_none=True, extension=True,
          check=Check(max_chars=16)),
    Field("policy_rule", _T, True, True, export="policy_rule", default_none=True, extension=True,
          check=Check(max_chars=64)),
    Field("policy_version", _I, True, True, export="policy_version", default_none=True, extension=True),
)

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}


def _check_extensions(fields: tuple[Field, ...]) -> None:
    """Extension fields are nullable chain fields after every fixed field (a mistake here fails at import)."""
    seen = False
    for f in fields:
        if f.extension:
            assert f.nullable and f.chain and not f.personal and not f.retention, f"extension field {f.name}"
            assert f.kind != "blob", f"extension field {f.name}: blobs are not supported"
            seen = True
        else:
            assert not seen, f"fixed field {f.name} after an extension field"


_check_extensions(FIELDS)


@dataclass(frozen=True)
class PersonalField:
    """A field of the sealed personal record (``PersonalData``): never in clear in the log or on the wire."""

    name: str
    export: str  # the export column key when a supervisor key opens it


#: The sealed record's fields, in ``PersonalData`` (and export column) order. ``id_number`` is the
#: person's national id (CP1 ``idn``, or typed by the officer), never a document's id; ``document_id`` is
#: the pass's own id (HC1 UVCI, CP1 cti, ...), kept apart for the supervisor. The last four are the manual
#: entry's declaration (address, places in the last 14 days, contact with a case, symptoms): added later, so a
#: record sealed before opens with them None.
SEALED_FIELDS: tuple[PersonalField, ...] = tuple(PersonalField(n, n) for n in (
    "name", "id_number", "birth_date", "phone", "vehicle", "origin", "destination", "purpose", "document_id",
    "address", "places_visited", "case_contact", "symptoms"))

# -- derived views: what each consumer uses ------------------------------------------------------------

#: Log columns (``crossings`` table), in order.
COLUMNS = tuple(f.name for f in FIELDS)
#: The chain's fields, in hashing order (docs/crossing-log.md): the fixed ones, then the extension ones.
CHAIN_FIELDS = tuple(f.name for f in FIELDS if f.chain)
#: The extension fields (a suffix of ``CHAIN_FIELDS``): hashed and sent only when not None.
EXTENSION_FIELDS = tuple(f.name for f in FIELDS if f.extension)
#: The fields ``personal_digest`` covers, in its order.
PERSONAL_DIGEST_FIELDS = tuple(f.name for f in FIELDS if f.personal)
#: Fields retention erases or sets once a crossing is uploaded.
RETENTION_FIELDS = tuple(f.name for f in FIELDS if f.retention)
#: Fields on the wire.
WIRE_FIELDS = tuple(f.name for f in FIELDS if f.wire)
#: The central server's own columns for a crossing (besides its station, the JSON body and the time received).
SERVER_COLUMNS = tuple(f for f in FIELDS if f.server_column)
#: Personal (sealed) field names, in ``PersonalData`` order.
PERSONAL_FIELDS = tuple(p.name for p in SEALED_FIELDS)


def server_column_definitions(dialect: Literal["sqlite", "postgresql"] = "sqlite") -> tuple[str, ...]:
    """``CREATE TABLE`` column definitions of a crossing's own columns on a central server, in table order
    (a storage adds its keys, the JSON ``body`` and ``received_at``; ``sync.server.storage`` shows how)."""
    return tuple(f"{f.name} {f.server_sql_type(dialect)}{'' if f.nullable else ' NOT NULL'}" for f in SERVER_COLUMNS)
