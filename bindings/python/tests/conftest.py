"""Shared fixtures of the Python package's tests.

The expected values come from outside Python: the C API's output for the fixture face and photo
(`make fixtures`: examples/c/score.c → target/fixtures/face.reference, photo.reference) and the
`serfiq` command's CSV. Paths come from the environment `make python-test` sets, else from the
repository layout.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

import serfiq

REPO = Path(os.environ.get("SERFIQ_REPO", Path(__file__).resolve().parents[3]))
FIXTURES = Path(os.environ.get("SERFIQ_FIXTURES", REPO / "target" / "fixtures"))
CLI = Path(os.environ.get("SERFIQ_CLI", REPO / "target" / "release" / "serfiq"))
FACES = Path(os.environ.get("SERFIQ_FACES", REPO / ".cache" / "faces"))
LFW = Path(os.environ.get("SERFIQ_LFW", REPO.parent / "shared" / "data" / "lfw"))

TOL = 1e-6


def read_ppm(path: Path) -> np.ndarray:
    """A binary P6 PPM as an H×W×3 RGB uint8 array."""
    data = path.read_bytes()
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P6" and parts[3] == b"255", path
    w, h = int(parts[1]), int(parts[2])
    return np.frombuffer(parts[4][: w * h * 3], np.uint8).reshape(h, w, 3).copy()


def floats(line: str) -> np.ndarray:
    return np.array([float(v) for v in line.split()], np.float64)


@pytest.fixture(scope="session")
def fixtures() -> Path:
    if not (FIXTURES / "face.reference").is_file():
        pytest.fail(f"no fixtures in {FIXTURES}: run `make fixtures` (make python-test does)")
    return FIXTURES


@pytest.fixture(scope="session")
def photo(fixtures: Path) -> np.ndarray:
    """obama.jpg as the C API's tests read it: RGB."""
    return read_ppm(fixtures / "face.ppm")


@pytest.fixture(scope="session")
def noface(fixtures: Path) -> np.ndarray:
    return read_ppm(fixtures / "noface.ppm")


@pytest.fixture(scope="session")
def landmarks(fixtures: Path) -> np.ndarray:
    return floats((fixtures / "face.landmarks").read_text()).reshape(5, 2)


@pytest.fixture(scope="session")
def face_reference(fixtures: Path) -> Dict[str, object]:
    """serfiq_score_embed of the photo with its landmarks: s, q, embedding."""
    lines = (fixtures / "face.reference").read_text().splitlines()
    s, q = floats(lines[0])
    return {"s": s, "q": q, "embedding": floats(lines[1])}


@pytest.fixture(scope="session")
def photo_reference(fixtures: Path) -> List[Dict[str, object]]:
    """serfiq_detect_score of the whole photo: every face's box, landmarks, confidence, s, q, embedding."""
    lines = (fixtures / "photo.reference").read_text().splitlines()
    n = int(lines[0].split()[1])
    faces, at = [], 1
    for i in range(n):
        box = lines[at].split()
        assert box[:3] == ["face", str(i), "box"]
        lm = lines[at + 1].split()
        assert lm[0] == "landmarks"
        c = lines[at + 2].split()
        assert c[0] == "confidence" and c[2] == "s" and c[4] == "q"
        faces.append(
            {
                "box": floats(" ".join(box[3:])),
                "landmarks": floats(" ".join(lm[1:])).reshape(5, 2),
                "confidence": float(c[1]),
                "s": float(c[3]),
                "q": float(c[5]),
                "embedding": floats(lines[at + 3]),
            }
        )
        at += 4
    return faces


@pytest.fixture(scope="session")
def model():
    m = serfiq.Model()
    yield m
    m.close()


def cli_scores(paths, *extra: str) -> Dict[str, tuple]:
    """`serfiq score` on `paths`: {path: (s, q, n, f, q100, l)} as float32, the CSV's own digits
    (l NaN where the CSV leaves it empty: no quality network)."""
    if not CLI.is_file():
        pytest.skip(f"no serfiq command at {CLI} (make build)")
    out = subprocess.run([str(CLI), "score", *extra, *map(str, paths)], capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "path,s,q,n,f,q100,l"
    rows = {}
    for line in lines[1:]:
        path, *values = line.rsplit(",", 6)
        rows[path] = tuple(np.float32(v) if v else np.float32("nan") for v in values)
    return rows
