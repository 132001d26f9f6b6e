"""One id mask: screens, ``checkpoint scan`` and masked exports hide the same characters (only the fill differs)."""

from __future__ import annotations

import pytest

from checkpoint.export._masking import mask_id_number
from checkpoint.model import Subject, mask_id


@pytest.mark.parametrize(("number", "screen", "file"), [
    ("001085012345", "••••••••2345", "********2345"),
    ("12345", "•2345", "*2345"),
    ("1234", "••34", "**34"),  # the screen mask showed a short number whole ("1234")
    ("123", "••3", "**3"),
    ("12", "••", "**"),
    (" 001085012345 ", "••••••••2345", "********2345"),  # stray spaces are not digits (the screen counted them)
])
def test_screen_and_export_hide_the_same_characters(number: str, screen: str, file: str) -> None:
    assert mask_id(number) == screen and mask_id_number(number) == file
    assert Subject("Nguyễn Văn An", number, "1985", "resident").masked_id == screen
