"""The real-photograph corpus in ../shared: the pipeline must read at least 193 of 201 and never misread."""

from __future__ import annotations

import cv2

from bench.scanner_corpus import judge, samples
from scanner._pipeline import Pipeline
from tests.conftest import shared_path


def test_pipeline_reads_at_least_193_of_the_corpus_with_no_wrong_payload() -> None:
    root = shared_path("corpus", "qr")
    items = list(samples(root))
    assert len(items) == 201
    pipe = Pipeline()
    verdicts = {}
    for s in items:
        codes = pipe.decode(cv2.imread(str(s.path), cv2.IMREAD_GRAYSCALE), thorough=True).codes
        verdicts[str(s.path)] = judge(s, [(c.text, c.raw) for c in codes])
    right = sum(v in ("text", "bytes") for v in verdicts.values())
    wrong = [k for k, v in verdicts.items() if v == "wrong"]
    assert wrong == []
    assert right >= 193
