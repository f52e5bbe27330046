"""The book's Python example (docs/src/getting-started/python.md) runs as written in this (fresh) venv."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import FACES, REPO


def test_readme_python_example(tmp_path):
    page = (REPO / "docs" / "src" / "getting-started" / "python.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    code = next(b for b in blocks if "serfiq.Model()" in b and "PIL" in b)
    assert "serfiq.Model()" in code and "cv2" in code and "PIL" in code
    if not (FACES / "obama.jpg").is_file():
        pytest.skip("no demo photos (make fetch)")
    (tmp_path / "photo.jpg").write_bytes((FACES / "obama.jpg").read_bytes())
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    s, q, q100 = lines[0].split()
    assert 0.5 < float(s) < 0.7 and 0 <= float(q100) <= 100
    assert lines[1].startswith("Quality(s=") and "(512,)" in lines[2]
