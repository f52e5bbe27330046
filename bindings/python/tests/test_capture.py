"""The camera loop from Python: the shared frame sequence of the bindings (tests/capture/reference.sh)
prints what examples/c/capture.c printed; the same still-face sequence as the C test
(tests/c/api_test.c, capture_loop) gives the same states and best frame; the generator over
OpenCV-style BGR frames; errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

import numpy as np
import pytest

import serfiq
from conftest import REPO, read_ppm
from serfiq.capture import FEEDBACK_NAMES, Capture, CaptureFrame, capture_frames

#: frames/*.ppm and reference.txt, written by tests/capture/reference.sh (make python-test runs it).
CAPTURE_DIR = Path(os.environ.get("SERFIQ_CAPTURE_DIR", REPO / "target" / "python" / "capture"))

# As in the C test: every face passes, so only steadiness decides (5 still frames).
EVERY_FACE = dict(blocking_feedback=0, min_q100=0.0)
C_STATES = ["HOLD_STILL"] * 5 + ["CAPTURED"] * 3


@pytest.fixture(scope="module")
def model():
    with serfiq.Model() as m:
        yield m


def c_line(f: CaptureFrame) -> str:
    """A frame as examples/c/capture.c prints it (the feedback bits from the names' codes)."""
    bits = sum(1 << FEEDBACK_NAMES.index(name) for name in f.feedback)
    q100 = "-" if f.face is None else f"{f.face.quality.q100:.2f}"
    return f"{f.index} {f.state} {bits:016x} {q100} {int(f.is_best)}"


def test_the_shared_sequence_prints_what_c_printed():
    if not (CAPTURE_DIR / "reference.txt").is_file():
        pytest.fail(f"no reference.txt in {CAPTURE_DIR}: run tests/capture/reference.sh (make python-test does)")
    reference = (CAPTURE_DIR / "reference.txt").read_text().splitlines()
    frames = [read_ppm(p) for p in sorted((CAPTURE_DIR / "frames").glob("*.ppm"))]
    assert len(frames) == len(reference) - 1
    # examples/c/capture.c's model: the C defaults (no quality network) and the "live" profile.
    with serfiq.Model(quality_net=None, feedback_profile="live") as m:
        c = Capture(m)
        lines: List[str] = [c_line(f) for f in capture_frames(c, frames, fps=25, format="rgb")]  # 40 ms apart
        best = c.best()
    if best is None:
        lines.append("best none")
    else:
        lines.append(
            f"best {best.index} {best.state} {best.face.quality.q100:.2f} {best.crop.size} {best.embedding.size}"
        )
    assert lines == reference


def test_the_still_face_sequence_matches_c(model, photo):
    c = Capture(model, **EVERY_FACE)
    assert c.best() is None
    frames = [c.push(photo, 1000 + 40 * i, format="rgb") for i in range(8)]
    assert [f.state for f in frames] == C_STATES
    assert [f.new_track for f in frames] == [True] + [False] * 7
    assert all(f.face is not None and f.face.track == 1 for f in frames)
    best = c.best()
    assert best.index == 5 and best.state == "CAPTURED" and best.timestamp_ms == 1200
    # The crop is the single-face call's for the best frame's landmarks.
    lm = np.asarray(best.face.landmarks, np.float32).reshape(5, 2)
    assert np.array_equal(best.crop, model.aligned_crop(photo, lm, format="rgb", output="rgb"))
    assert best.embedding.shape == (512,)
    assert "InterEyeDistance" in best.face.components


def test_a_generator_over_bgr_frames(model, photo, noface):
    bgr = np.ascontiguousarray(photo[:, :, ::-1])
    c = Capture(model, **EVERY_FACE)
    states = [f.state for f in capture_frames(c, iter([bgr] * 6 + [noface[:, :, ::-1].copy(), None, bgr]))]
    assert states == C_STATES[:6] + ["SEARCHING"]
    assert c.best().index == 5


def test_errors(model, photo):
    with pytest.raises(ValueError, match="unknown capture option"):
        Capture(model, steady=3)
    with pytest.raises(serfiq.InvalidArgumentError, match="steady_frames"):
        Capture(model, steady_frames=0)
    with serfiq.Model(detector=False) as plain:
        with pytest.raises(serfiq.InvalidArgumentError, match="detector"):
            Capture(plain)
    c = Capture(model)
    c.push(photo, 100, format="rgb")
    with pytest.raises(serfiq.InvalidArgumentError, match="timestamp"):
        c.push(photo, 99, format="rgb")
    with pytest.raises(TypeError):
        c.push(photo.astype(np.float32), 200)
    c.reset()
    assert c.best() is None
