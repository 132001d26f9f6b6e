from __future__ import annotations

import numpy as np

from scanner._regions import Region, likely_region, zoom
from tests.scanner.helpers import pass_frame


def test_the_densest_patch_of_edges_is_the_code() -> None:
    _text, frame = pass_frame(seed=3, chars=280)
    from scanner.decoders import ZxingDecoder

    (code,) = ZxingDecoder().decode(frame).codes
    xs, ys = [x for x, _ in code.corners], [y for _, y in code.corners]
    r = likely_region(frame)
    assert r is not None
    grown = r.grown(0.12, (frame.shape[1], frame.shape[0]))
    assert grown.x <= min(xs) and grown.y <= min(ys)
    assert max(xs) <= grown.x + grown.width and max(ys) <= grown.y + grown.height


def test_flat_and_tiny_images_have_no_region() -> None:
    assert likely_region(np.full((720, 1280), 128, np.uint8)) is None
    assert likely_region(np.zeros((20, 20), np.uint8)) is None


def test_zoom_enlarges_up_to_the_cap_and_stays_inside_the_frame() -> None:
    g = np.arange(100 * 200, dtype=np.uint32).reshape(100, 200).astype(np.uint8)
    img, f = zoom(g, Region(10, 10, 80, 60), max_side=720)
    assert (f, img.shape) == (2.0, (120, 160))
    img, f = zoom(g, Region(0, 0, 200, 100), max_side=300)
    assert f == 1.5 and img.shape == (150, 300)
    img, f = zoom(g, Region(0, 0, 200, 100), max_side=220)
    assert f == 1.0 and img.shape == (100, 200)
    assert Region(5, 5, 100, 100).grown(0.5, (80, 90)) == Region(0, 0, 80, 90)
