"""Components and feedback (Model.assess, Model.detect_assess, score_files(components=True)):
the table equals the C API's for the fixture face (`make fixtures`: examples/c/score.c
--components → target/fixtures/face.components), and a bad profile is an invalid argument."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pytest

import serfiq


def c_table(fixtures: Path) -> Tuple[List[Tuple[str, str, float, float]], int, List[str]]:
    """face.components: [(name, unit, raw, value)] by id, the feedback bits and names."""
    path = fixtures / "face.components"
    if not path.is_file():
        pytest.fail(f"no {path}: run `make fixtures`")
    lines = path.read_text().splitlines()
    head = lines[0].split()
    assert head[0] == "components"
    count = int(head[1])
    rows = []
    for i, line in enumerate(lines[1 : 1 + count]):
        parts = line.split()
        # id, name, unit (may contain spaces), raw, value
        assert int(parts[0]) == i
        rows.append((parts[1], " ".join(parts[2:-2]), float(parts[-2]), float(parts[-1])))
    fb = lines[1 + count].split()
    assert fb[0] == "feedback"
    return rows, int(fb[1]), fb[2:]


def same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 1e-5 * max(1.0, abs(b))


def test_tables_come_from_the_library(fixtures):
    rows, _, _ = c_table(fixtures)
    assert [(n, u) for n, u, _, _ in rows] == list(serfiq.COMPONENTS)
    assert serfiq.COMPONENTS[1] == ("InterEyeDistance", "px")
    assert [n for n, _ in serfiq.FEEDBACK][:3] == ["NO_FACE", "MULTIPLE_FACES", "MOVE_CLOSER"]
    assert all(message for _, message in serfiq.FEEDBACK)


def test_assess_equals_c(photo, landmarks, fixtures, face_reference):
    rows, bits, names = c_table(fixtures)
    # The C reference has no quality network, so q100 (the unified score) is of f without l.
    with serfiq.Model(quality_net=None) as model:
        a = model.assess(photo, landmarks, format="rgb")
    assert abs(a.quality.s - face_reference["s"]) < 1e-6
    assert a.detection is None and np.allclose(a.landmarks, landmarks)
    # No detection: the box is the aligned crop's extent, clamped to the image, around the landmarks.
    h, w = photo.shape[:2]
    assert 0 <= a.box[0] < a.box[2] <= w and 0 <= a.box[1] < a.box[3] <= h
    assert (a.box[:2] <= landmarks.min(axis=0)).all() and (landmarks.max(axis=0) <= a.box[2:]).all()
    assert list(a.components) == [n for n, _, _, _ in rows]
    for i, (name, unit, raw, value) in enumerate(rows):
        c = a.components[name]
        assert (c.id, c.unit) == (i, unit)
        assert same(c.raw, raw) and same(c.value, value), (name, c, raw, value)
        assert c.assessed == (not math.isnan(value))
    assert a.feedback_bits == bits and [f.name for f in a.feedback] == names
    assert all(a.has(n) for n in names) and not a.has("NO_SUCH_CODE")
    assert a.components["InterEyeDistance"].assessed and not a.components["EyesOpen"].assessed


def test_detect_assess_and_score_files(model, photo, fixtures):
    faces = model.detect_assess(photo, format="rgb")
    assert len(faces) >= 1 and faces[0].detection is not None
    first = model.assess(photo, format="rgb")  # the detector's face, as score() takes it
    assert first.detection is not None and first.feedback_bits == faces[0].feedback_bits
    for name, c in first.components.items():
        assert same(c.raw, faces[0].components[name].raw), name
    assert faces[0].components["SingleFacePresent"].assessed
    # Encoded: the same face, decoded from the PPM as the CLI decodes it.
    r = model.score_files([fixtures / "face.ppm", b"not an image"], components=True)
    assert r.status.tolist() == [0, 4] and r.components[1] is None and r.feedback[1] is None
    for name, c in first.components.items():
        assert same(r.components[0][name].raw, c.raw), name
    assert [f.name for f in r.feedback[0]] == [f.name for f in first.feedback]
    assert np.float32(r.s[0]) == np.float32(first.quality.s) and r.faces[0] == len(faces)
    plain = model.score_files([fixtures / "face.ppm"])
    assert plain.components is None and plain.feedback is None and plain.s[0] == r.s[0]


def test_no_face(model, noface):
    with pytest.raises(serfiq.NoFaceError):
        model.assess(noface, format="rgb")
    assert model.detect_assess(noface, format="rgb") == []


def test_feedback_profile(photo, landmarks):
    with serfiq.Model(detector=False, feedback_profile="live;max_yaw=20") as m:
        assert m.options["feedback_profile"] == "live;max_yaw=20"
        assert m.assess(photo, landmarks, format="rgb").quality.s > 0
    with serfiq.Model(detector=False) as m:
        assert m.options["feedback_profile"] is None
    for bad in ("no-such-preset", "live;no_such_key=1", "live;max_yaw=abc"):
        with pytest.raises(serfiq.InvalidArgumentError) as e:
            serfiq.Model(detector=False, feedback_profile=bad)
        assert e.value.status == 2, bad
    with pytest.raises(TypeError):
        serfiq.Model(detector=False, feedback_profile=3)
