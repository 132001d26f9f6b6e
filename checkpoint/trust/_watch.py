"""The signed watch list: confirmed cases and people under a quarantine order, matched by id number without
the list giving those id numbers to whoever holds it (design, threat model and limits: docs/watch-list.md).

Each entry is a memory-hard keyed hash of a normalised id number (Argon2id, with a random salt fresh for every
list version and the parameters in the signed list), and the index of the instruction to follow. A station
computes one hash per scanned id number and looks it up; it never holds an id number of the list. The
instructions (what to do, until when) are not secret: they are the same for many entries.

Same envelope and guarantees as the trust and revocation lists (:mod:`checkpoint.trust._signed`): a pinned
root's signature, the type ``cp1-watch-list``, versions that grow, expiry. Unlike a revocation list, a newer
watch list may drop entries (a person recovers, an order ends).

Pure: bytes, an explicit time and explicit key material (the list's salt and parameters) in; no files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from argon2.low_level import Type, hash_secret_raw

from checkpoint.errors import ListFormatError
from checkpoint.lookup_keys import normalise_id_number
from checkpoint.trust import keys
from checkpoint.trust._records import find_record
from checkpoint.trust._signed import open_list, sign_list, ts

DOC_TYPE = "cp1-watch-list"
WHAT = "watch list"
DIGEST_LEN = 16  # bytes of each entry's hash: collisions between two ids are ~n²/2^129, nothing at any list size
INDEX_LEN = 2  # bytes of each entry's instruction index (big-endian)
RECORD = DIGEST_LEN + INDEX_LEN
MAX_INSTRUCTIONS = 4096
MAX_ENTRIES = 2_000_000  # 36 MB of entries, under the envelope's 64 MiB cap
_DOMAIN = b"checkpoint watch-list v1\x00"  # never the id index's input: the two hashes never coincide


class WatchKind(StrEnum):
    """What a listed person is, and so what the officer does (words: ``why.watch_<kind>``)."""

    CASE = "case"  # a confirmed case: send to the medical desk
    QUARANTINE = "quarantine"  # under a quarantine order until a date: refer to quarantine


@dataclass(frozen=True)
class WatchHashParams:
    """Argon2id's cost: passes, memory (KiB) and lanes. Signed in the list, so a station hashes as the office did."""

    time_cost: int
    memory_kib: int
    lanes: int = 1

    def check(self) -> None:
        # a root-signed list still must not ask a Raspberry Pi for more than it can give on every scan
        if not (1 <= self.time_cost <= 10 and 1 <= self.lanes <= 4 and 8 * self.lanes <= self.memory_kib <= 256 * 1024):
            raise ListFormatError(f"{WHAT}: hash parameters out of range (t={self.time_cost}, m={self.memory_kib} KiB, "
                                  f"p={self.lanes}; at most t=10, 256 MiB, p=4)")


#: The production cost (``bench/watch_hash_cost.py`` measures it): ~70 ms of a core on the reference machine,
#: ~0.3 s estimated on a Raspberry Pi 4, once per scanned id number; 10^6 guesses (one province, birth year and
#: sex) cost ~0.7 core-days, the whole CCCD space ~33 core-years (docs/watch-list.md).
WATCH_PRODUCTION_PARAMS = WatchHashParams(time_cost=2, memory_kib=32 * 1024, lanes=1)


@dataclass(frozen=True)
class Instruction:
    kind: WatchKind
    until: datetime | None = None  # the order ends then: the entry no longer matches (a quarantine order's end)

    def in_force(self, at: datetime) -> bool:
        return self.until is None or at < self.until


@dataclass(frozen=True)
class WatchMatch:
    """A scanned id number is on the list in force: the instruction and the list's version (no id number)."""

    instruction: Instruction
    version: int


def entry_key(normalised: str, salt: bytes, params: WatchHashParams) -> bytes:
    """The hash an entry holds for an already normalised id number (``normalise_id_number``)."""
    return hash_secret_raw(_DOMAIN + normalised.encode("utf-8"), salt, time_cost=params.time_cost,
                           memory_cost=params.memory_kib, parallelism=params.lanes, hash_len=DIGEST_LEN,
                           type=Type.ID)


@dataclass(frozen=True)
class WatchList:
    version: int
    issued: datetime
    expires: datetime
    params: WatchHashParams
    salt: bytes
    instructions: tuple[Instruction, ...]
    entries: bytes  # RECORD-byte records (digest, instruction index), sorted by digest, unique
    raw: bytes

    def __len__(self) -> int:
        return len(self.entries) // RECORD

    def counts(self) -> dict[Instruction, int]:
        """How many entries carry each instruction (what ``checkpoint watch-list show`` prints)."""
        out: dict[Instruction, int] = {}
        for i in range(len(self)):
            ins = self.instructions[int.from_bytes(self.entries[i * RECORD + DIGEST_LEN: (i + 1) * RECORD], "big")]
            out[ins] = out.get(ins, 0) + 1
        return out

    def key_of(self, id_number: str) -> bytes:
        """One Argon2id evaluation: the id number's hash under this list's salt and parameters."""
        return entry_key(normalise_id_number(id_number), self.salt, self.params)

    def find(self, digest: bytes) -> Instruction | None:
        """The instruction of the entry with this hash (bisection over the sorted records), or None."""
        if len(digest) != DIGEST_LEN:
            return None
        at = find_record(self.entries, digest, RECORD, 0, len(self))
        if at < 0:
            return None
        return self.instructions[int.from_bytes(self.entries[at * RECORD + DIGEST_LEN: (at + 1) * RECORD], "big")]

    def match(self, id_number: str | None, at: datetime) -> WatchMatch | None:
        """Whether ``id_number`` is listed with an instruction still in force at ``at`` (one hash, one lookup)."""
        if not id_number or not normalise_id_number(id_number) or not len(self):
            return None
        found = self.find(self.key_of(id_number))
        if found is None or not found.in_force(at):
            return None
        return WatchMatch(found, self.version)


def load_watch_list(data: bytes, roots: Sequence[keys.PublicKey], now: datetime | None, *,
                    previous: WatchList | None = None) -> WatchList:
    """Verify and parse a signed watch list (``now`` None: expiry not judged here, see ``_state``)."""
    opened = open_list(data, roots, DOC_TYPE, now, what=WHAT, previous=previous)
    doc = opened.doc
    params, salt = _hash_of(doc.get("hash"))
    instructions = _instructions(doc.get("instructions"))
    entries = doc.get("entries")
    if not isinstance(entries, bytes) or len(entries) % RECORD:
        raise ListFormatError(f"{WHAT}: 'entries' is missing or not a whole number of {RECORD}-byte records")
    n = len(entries) // RECORD
    if n > MAX_ENTRIES:
        raise ListFormatError(f"{WHAT}: {n} entries, over the cap of {MAX_ENTRIES}")
    mv, prev = memoryview(entries), b""
    for i in range(n):
        digest = mv[i * RECORD: i * RECORD + DIGEST_LEN].tobytes()
        if digest <= prev:
            raise ListFormatError(f"{WHAT}: entries are not sorted by hash and unique")
        if int.from_bytes(mv[i * RECORD + DIGEST_LEN: (i + 1) * RECORD], "big") >= len(instructions):
            raise ListFormatError(f"{WHAT}: entry {i} names an instruction the list does not have")
        prev = digest
    return WatchList(opened.version, opened.issued, opened.expires, params, salt, instructions, entries, data)


def build_watch_list(entries: Iterable[tuple[bytes, Instruction]], *, version: int, issued: datetime,
                     expires: datetime, salt: bytes, params: WatchHashParams, root: keys.PrivateKey) -> bytes:
    """Sign a watch list from entries already hashed with ``salt`` and ``params`` (:func:`entry_key`).

    Entries go in hash order, so the list says nothing of the order the office wrote them in; two entries
    for the same id number keep the first instruction given."""
    params.check()
    _check_salt(salt)
    instructions: list[Instruction] = []
    index_of: dict[Instruction, int] = {}
    by_digest: dict[bytes, int] = {}
    for digest, instruction in entries:
        if len(digest) != DIGEST_LEN:
            raise ValueError(f"an entry's hash is {DIGEST_LEN} bytes")
        if instruction not in index_of:
            if len(instructions) >= MAX_INSTRUCTIONS:
                raise ValueError(f"more than {MAX_INSTRUCTIONS} different instructions")
            index_of[instruction] = len(instructions)
            instructions.append(instruction)
        by_digest.setdefault(digest, index_of[instruction])
    if len(by_digest) > MAX_ENTRIES:
        raise ValueError(f"more than {MAX_ENTRIES} entries")
    blob = b"".join(d + by_digest[d].to_bytes(INDEX_LEN, "big") for d in sorted(by_digest))
    content = {
        "hash": {"alg": "argon2id", "v": 19, "t": params.time_cost, "m": params.memory_kib, "p": params.lanes,
                 "len": DIGEST_LEN, "salt": salt},
        "instructions": [{"kind": i.kind.value, **({"until": int(i.until.timestamp())} if i.until else {})}
                         for i in instructions],
        "entries": blob,
    }
    return sign_list(DOC_TYPE, content, version=version, issued=issued, expires=expires, root=root)


def _check_salt(salt: object) -> bytes:
    if not isinstance(salt, bytes) or not 16 <= len(salt) <= 64:
        raise ListFormatError(f"{WHAT}: the salt must be 16 to 64 random bytes")
    return salt


def _int(doc: Mapping[str, Any], name: str) -> int:
    value = doc.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ListFormatError(f"{WHAT}: hash field {name!r} is missing or not an integer")
    return value


def _hash_of(doc: object) -> tuple[WatchHashParams, bytes]:
    if not isinstance(doc, Mapping):
        raise ListFormatError(f"{WHAT}: 'hash' is missing or not a map")
    if doc.get("alg") != "argon2id" or doc.get("v") != 19 or doc.get("len") != DIGEST_LEN:
        raise ListFormatError(f"{WHAT}: the hash must be argon2id version 19 with {DIGEST_LEN}-byte digests")
    params = WatchHashParams(_int(doc, "t"), _int(doc, "m"), _int(doc, "p"))
    params.check()
    return params, _check_salt(doc.get("salt"))


def _instructions(items: object) -> tuple[Instruction, ...]:
    if not isinstance(items, list) or len(items) > MAX_INSTRUCTIONS:
        raise ListFormatError(f"{WHAT}: 'instructions' is missing, not an array, or over {MAX_INSTRUCTIONS}")
    out = []
    for n, item in enumerate(items):
        if not isinstance(item, Mapping) or set(item) - {"kind", "until"}:
            raise ListFormatError(f"{WHAT}: instruction {n} is not a map of 'kind' and 'until'")
        try:
            kind = WatchKind(str(item.get("kind")))
        except ValueError:
            raise ListFormatError(f"{WHAT}: instruction {n} has an unknown kind {item.get('kind')!r}") from None
        until = ts(item["until"], WHAT, f"instructions[{n}].until") if "until" in item else None
        if kind is WatchKind.QUARANTINE and until is None:
            raise ListFormatError(f"{WHAT}: instruction {n}: a quarantine order needs its end ('until')")
        out.append(Instruction(kind, until))
    return tuple(out)
