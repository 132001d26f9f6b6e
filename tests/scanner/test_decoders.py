from __future__ import annotations

import logging
import re
from types import ModuleType

import pytest

from scanner import _pipeline as pipeline_mod
from scanner._pipeline import Pipeline, PipelineConfig
from scanner.decoders import OpenCVDecoder, ZbarDecoder, ZxingDecoder, make_decoders
from scanner.synthetic import Distortion, fake_pass_text, make_frame


def test_each_decoder_reads_a_generated_code() -> None:
    text = fake_pass_text(120, seed=3)
    frame = make_frame(text, 3, size=(640, 480), d=Distortion(module_px=5))
    for dec in (ZxingDecoder(), ZbarDecoder(), OpenCVDecoder()):
        if not dec.info().available:
            pytest.skip(f"{dec.name} unavailable here: {dec.info().unavailable}")
        codes = dec.decode(frame).codes
        assert [c.text for c in codes] == [text], dec.name
        assert codes[0].raw == text.encode("ascii")
        assert len(codes[0].corners) == 4


def test_zxing_gives_exact_text_in_plain_mode() -> None:
    # HRI mode would rewrite some payloads (e.g. GS1); plain mode must hand back what is in the code.
    text = "CP1:6BF 5$%*+-./:ABC"
    frame = make_frame(text, 1, size=(400, 400), d=Distortion(module_px=6))
    (code,) = ZxingDecoder().decode(frame).codes
    assert code.text == text and code.raw == text.encode()


def test_available_decoders_report_versions() -> None:
    info = ZxingDecoder().info()
    assert info.available and info.version and info.version[0].isdigit()
    zbar = ZbarDecoder().info()
    if zbar.available:
        assert zbar.version and "libzbar" in zbar.version


def _no_libzbar() -> ModuleType:
    raise ImportError("Unable to find zbar shared library")


def test_missing_libzbar_is_reported_not_raised() -> None:
    info = ZbarDecoder(load=_no_libzbar).info()
    assert not info.available
    assert info.unavailable is not None
    assert info.unavailable.code == "zbar_missing"
    assert "libzbar0" in info.unavailable.text and "Unable to find zbar" in info.unavailable.text


def test_pipeline_without_libzbar_says_so_once_and_still_decodes(caplog: pytest.LogCaptureFixture,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline_mod, "_warned", set())
    text = fake_pass_text(80, seed=4)
    frame = make_frame(text, 4, size=(640, 480), d=Distortion(module_px=5))
    with caplog.at_level(logging.WARNING, logger="scanner"):
        pipes = [Pipeline(decoders=(ZxingDecoder(), ZbarDecoder(load=_no_libzbar), OpenCVDecoder()))
                 for _ in range(2)]
    assert [r.message for r in caplog.records].count(pipes[0].notices[0].text) == 1
    assert [d.name for d in pipes[0].active] == ["zxing", "opencv"]
    assert pipes[1].decode(frame).texts == (text,)


def test_decoder_order_is_configurable() -> None:
    pipe = Pipeline(PipelineConfig(decoders=("opencv", "zxing")))
    text = fake_pass_text(60, seed=5)
    result = pipe.decode(make_frame(text, 5, size=(600, 400), d=Distortion(module_px=5)))
    assert result.texts == (text,)
    assert result.codes[0].decoder == "opencv"
    assert result.timings[1][0].startswith("opencv:")


def test_unknown_decoder_name_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="unknown decoder wechat"):
        make_decoders(("zxing", "wechat"))


def test_libzbar_version_is_asked_with_three_pointers(monkeypatch: pytest.MonkeyPatch) -> None:
    # zbar >= 0.23 writes the patch number through a third pointer that pyzbar's binding does not pass: through
    # whatever the register holds (on arm64 it corrupted Python's thread list: a crash at exit). The station
    # must ask with its own three-pointer prototype, never pyzbar's ``wrapper.zbar_version``.
    zbar = ZbarDecoder()
    if not zbar.info().available:
        pytest.skip("libzbar0 is not installed")
    from pyzbar import wrapper

    def two_pointer_binding(*args: object) -> int:
        raise AssertionError("pyzbar's two-pointer zbar_version was called")

    monkeypatch.setattr(wrapper, "zbar_version", two_pointer_binding)
    version = zbar.info().version or ""
    assert re.search(r"libzbar \d+\.\d+", version), version
