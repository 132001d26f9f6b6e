from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from scanner import ImageUnreadable, decode_image_file
from scanner._pipeline import Pipeline, PipelineConfig
from scanner.decoders import ZxingDecoder
from scanner.synthetic import Distortion, make_frame
from tests.scanner.helpers import damaged, data_images, pass_frame, truth


@pytest.mark.parametrize("image", data_images(), ids=lambda p: p.name)
def test_real_photographs_decode_to_their_ground_truth(image: Path) -> None:
    assert truth(image) in [t.removesuffix("\n") for t in decode_image_file(image)]


def test_a_photo_zxing_alone_misses_is_read_by_a_fallback() -> None:
    # qrcode-4-09 (a code on a t-shirt): zxing-cpp's default binarizer fails; the global one reads it.
    img = cv2.imread(str(data_images()[0].parent / "qrcode-4-09.png"), cv2.IMREAD_GRAYSCALE)
    assert ZxingDecoder().decode(img).codes == ()
    result = Pipeline().decode(img, thorough=True)
    assert result.fallback_ran and result.texts


DISTORTIONS = {
    "clean": Distortion(),
    "sensor-noise": Distortion(noise=10),
    "perspective-blur": Distortion(perspective=0.08, blur=0.8, noise=6),
    "glare": Distortion(glare=120, noise=6),
    "low-contrast": Distortion(contrast=0.3, noise=5),
    "inverted-screen": Distortion(inverted=True, noise=6),
    "small-code": Distortion(module_px=2.5, noise=4),
}


@pytest.mark.parametrize("name", DISTORTIONS)
def test_dense_pass_in_a_720p_frame_decodes_on_the_fast_path(name: str) -> None:
    text, frame = pass_frame(seed=11, d=DISTORTIONS[name])
    result = Pipeline().decode(frame)
    assert result.texts == (text,)
    assert not result.fallback_ran
    assert [s for s, _ in result.timings] == ["prepare", "zxing:denoised"]


def test_colour_frames_are_accepted() -> None:
    text, gray = pass_frame(seed=2, size=(640, 480), chars=100, d=Distortion(module_px=4))
    assert Pipeline().decode(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)).texts == (text,)


def test_empty_frames_run_one_fallback_stage_every_nth_frame_taking_turns() -> None:
    pipe = Pipeline(PipelineConfig(fallback_every=2, other_decoders_every=6, zoom=False))
    frame = make_frame(None, 7, d=Distortion(noise=8))
    results = [pipe.decode(frame) for _ in range(12)]
    assert [r.fallback_ran for r in results] == [False, True] * 6
    extra = [r.timings[2][0] for r in results if r.fallback_ran]
    assert all(len(r.timings) == 3 for r in results if r.fallback_ran)  # one extra stage at a time
    assert extra == ["zxing:raw", "zxing-global:raw", "zbar:raw", "zxing:median3", "zxing:median5", "zbar:inverted"]


def test_with_zoom_the_other_decoders_see_only_the_likely_code_region_never_the_whole_frame() -> None:
    # pyzbar and OpenCV cost ~10x zxing-cpp on a 720p frame: on a live camera that made the loop drop
    # the next frames, right when a pass came into view. Now they take turns on the likeliest code region.
    pipe = Pipeline(PipelineConfig(fallback_every=2, other_decoders_every=3))
    frame = make_frame(None, 7, d=Distortion(noise=8))
    stages = [s for _ in range(12) for s, _ in pipe.decode(frame).timings]
    assert not [s for s in stages if s in ("zbar:raw", "zbar:inverted", "opencv:raw")]
    assert [s for s in stages if s.startswith(("zbar", "opencv"))] == [
        "zbar:region-raw", "zbar:region-inverted", "opencv:region-raw", "zbar:region-raw"]


def test_a_code_the_blur_hides_is_read_on_a_following_frame() -> None:
    # Small modules with optical blur: the fast pass's extra 3x3 blur loses them; the raw frame reads.
    text, frame = pass_frame(seed=0, d=Distortion(noise=15, module_px=2.5, blur=0.7))
    pipe = Pipeline(PipelineConfig(fallback_every=2, zoom=False))
    assert pipe.decode(frame).texts == ()
    assert pipe.decode(frame).texts == (text,)


def test_a_code_the_blur_hides_is_read_at_once_by_the_zoom() -> None:
    text, frame = pass_frame(seed=0, d=Distortion(noise=15, module_px=2.5, blur=0.7))
    result = Pipeline().decode(frame)
    assert result.texts == (text,)
    assert [s for s, _ in result.timings] == ["prepare", "zxing:denoised", "find", "zxing:zoom"]


def test_a_located_but_unreadable_code_gets_every_fallback_on_a_still_image_but_not_on_a_live_frame() -> None:
    # A live frame that ran every fallback cost ~150 ms here (pyzbar twice, OpenCV, medians): on a Pi
    # the loop then dropped ~18 frames, and the pass was read that much later. Live frames get the
    # zoom and at most one turn; a still image (thorough) still gets everything.
    _text, frame = pass_frame(seed=3, chars=100, size=(640, 480), d=Distortion(module_px=5))
    (code,) = Pipeline().decode(frame).codes
    spoiled = damaged(frame, code.corners)
    result = Pipeline(PipelineConfig(fallback_every=0)).decode(spoiled)
    assert result.texts == ()
    assert [s for s, _ in result.timings] == ["prepare", "zxing:denoised", "find", "zxing:zoom"]
    thorough = Pipeline().decode(spoiled, thorough=True)
    assert thorough.located and thorough.fallback_ran and thorough.texts == ()
    assert {"zbar:raw", "opencv:raw"} <= {s for s, _ in thorough.timings}


def test_huge_frames_are_downscaled_first() -> None:
    text, frame = pass_frame(seed=4, chars=100, size=(3840, 2160), d=Distortion(module_px=12))
    result = Pipeline().decode(frame)
    assert result.texts == (text,)


def test_unreadable_image_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ImageUnreadable, match="no such image file"):
        decode_image_file(tmp_path / "missing.png")
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    with pytest.raises(ImageUnreadable, match=r"notes\.png: not an image"):
        decode_image_file(bad)


def test_image_without_a_code_gives_no_texts(tmp_path: Path) -> None:
    p = tmp_path / "blank.png"
    cv2.imwrite(str(p), np.full((200, 300), 200, np.uint8))
    assert decode_image_file(p) == []


def test_decode_image_file_from_several_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    images = data_images() * 4
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(decode_image_file, images))
    assert [truth(p) in [t.removesuffix("\n") for t in texts] for p, texts in zip(images, got, strict=True)] == [
        True
    ] * len(images)
