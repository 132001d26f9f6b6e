"""Globally unique crossing ids: UUIDv7 (RFC 9562), time-ordered so ids from many stations sort by time.

Python 3.11 has no ``uuid.uuid7``; this is the RFC layout: 48-bit Unix milliseconds, version 7,
12 random bits, variant 10, 62 random bits. Uniqueness rests on the 74 random bits, not the clock,
so a station whose clock is wrong still makes unique ids.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime


def uuid7(at: datetime) -> str:
    ms = int(at.timestamp() * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big")  # 80 bits, 74 used
    rand_a = rand >> 68 & 0xFFF
    rand_b = rand & ((1 << 62) - 1)
    value = ms << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))
