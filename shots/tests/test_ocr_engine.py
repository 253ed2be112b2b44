"""How the OCR analyser drives RapidOCR's model: one engine, its threads, the detector's input.

Speed itself is measured by ``bench/ocr.py``, not here (a test must not fail
because the machine is busy); these check the things the speed rests on
without changing what is read.
"""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
import pytest
from django.conf import settings

from shots.analysis.ocr import OcrAnalyser, detect_text, normalised_for_detection, ocr_engine
from shots.images import shrink_upload
from shots.tests.screens import phone_photo, render_screen, spec_for_case


@pytest.fixture(scope="module")
def photo_bgr() -> np.ndarray:
    screen = render_screen(spec_for_case(3))
    shrunk = shrink_upload(io.BytesIO(phone_photo(screen.image, random.Random(3))))
    decoded = cv2.imdecode(np.frombuffer(shrunk.content, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None
    assert decoded.shape[:2] == (1080, 1440)
    return decoded


def test_the_detector_input_is_the_one_rapidocr_computes_bit_for_bit(photo_bgr):
    detector = ocr_engine().text_det
    preprocess = detector.get_preprocess(max(photo_bgr.shape[:2]))
    ours = normalised_for_detection(preprocess.resize(photo_bgr), preprocess)
    theirs = preprocess(photo_bgr)
    assert ours.dtype == theirs.dtype == np.float32
    assert ours.shape == theirs.shape == (1, 3, 1088, 1440)
    assert np.array_equal(ours, theirs)


def test_the_text_boxes_found_are_the_ones_rapidocr_finds(photo_bgr):
    engine = ocr_engine()
    theirs, _ = engine.text_det(photo_bgr)
    ours = detect_text(engine, photo_bgr)
    assert ours is not None
    assert len(ours) > 20
    assert np.array_equal(ours, theirs)


def test_a_tiny_blank_image_has_no_text_boxes_as_in_rapidocr():
    engine = ocr_engine()
    blank = np.full((10, 10, 3), 80, np.uint8)
    theirs, _ = engine.text_det(blank)
    ours = detect_text(engine, blank)
    assert ours is not None
    assert len(ours) == len(theirs) == 0


def test_every_model_session_runs_on_the_configured_threads():
    engine = ocr_engine()
    for session in (
        engine.text_det.infer.session,
        engine.text_rec.session.session,
        engine.text_cls.infer.session,
    ):
        options = session.get_session_options()
        assert options.intra_op_num_threads == settings.OCR_THREADS
        assert options.inter_op_num_threads == 1


def test_one_thread_is_the_default():
    assert settings.OCR_THREADS == 1


def test_analysing_photos_reuses_the_one_engine_and_its_sessions(photo_bgr):
    engine = ocr_engine()
    sessions = (engine.text_det.infer.session, engine.text_rec.session.session)
    _, jpeg = cv2.imencode(".jpg", photo_bgr)
    for _ in range(2):
        OcrAnalyser().analyse(jpeg.tobytes())
    assert ocr_engine() is engine
    assert (engine.text_det.infer.session, engine.text_rec.session.session) == sessions
