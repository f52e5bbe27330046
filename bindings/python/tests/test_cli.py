"""`python -m serfiq score` prints what `serfiq score` prints."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import CLI, FACES


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def test_python_m_serfiq_score_mirrors_the_cli(tmp_path):
    photos = sorted(FACES.glob("*.jpg"))
    if not photos or not CLI.is_file():
        pytest.skip("needs the demo photos and the serfiq command (make build)")
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    for p in photos[:2]:
        (folder / p.name).write_bytes(p.read_bytes())
    (folder / "sub" / photos[2].name).write_bytes(photos[2].read_bytes())
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    (folder / "notes.txt").write_text("not an image")
    args = [str(photos[3]), str(folder), str(tmp_path / "missing.jpg")]
    for extra in ([], ["--json"]):
        ours = run([sys.executable, "-m", "serfiq", "score", *extra, *args])
        theirs = run([str(CLI), "score", *extra, *args])
        assert ours.stdout == theirs.stdout, (ours.stdout, theirs.stdout)
        assert ours.returncode == theirs.returncode == 1
        bad = lambda err: sorted(line.split(": ")[1] for line in err.splitlines() if line.startswith("serfiq: "))
        assert bad(ours.stderr) == bad(theirs.stderr)
    ok = run([sys.executable, "-m", "serfiq", "score", str(photos[0])])
    assert ok.returncode == 0 and ok.stdout.count("\n") == 2
