"""Issue 27 (round 3) through the Python package: Spark paths mapped exactly, FIFOs refused
without blocking, the CLI's pixel budget, escaping and loop detection, typed errors, usage
errors, truncated JPEGs and a clean exit with calls in flight."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import serfiq
import serfiq.spark
from conftest import CLI, FACES

INVALID_IMAGE = serfiq._STATUS["SERFIQ_ERR_INVALID_IMAGE"]


def photos():
    found = sorted(FACES.glob("*.jpg"))
    if not found:
        pytest.skip("needs the demo photos (make fetch)")
    return found


def run(cmd, timeout=120, **kw):
    """A child that must finish within `timeout` seconds: a hang fails the test."""
    try:
        return subprocess.run(cmd, capture_output=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hung: {cmd}")


ODD_NAMES = ["x%41.jpg", "a b.jpg", "n#1.jpg", "q?.jpg", "é日本.jpg", "100%.jpg", "%2F.jpg"]


def test_spark_paths_are_mapped_exactly_as_spark_gives_them(model, tmp_path):
    photo = photos()[0]
    for name in ODD_NAMES:
        (tmp_path / name).write_bytes(photo.read_bytes())
    (tmp_path / "xA.jpg").write_bytes(photo.read_bytes())
    (tmp_path / "x%41.jpg").write_text("not an image")  # %41 is 'A': must not become xA.jpg
    for name in ODD_NAMES:
        p = str(tmp_path / name)
        for given in (p, "file:" + p, "file://" + p, "file://localhost" + p):
            assert serfiq.spark._local_path(given) == p, given
    with pytest.raises(ValueError):
        serfiq.spark._local_path("hdfs://nn/x.jpg")
    with pytest.raises(ValueError):
        serfiq.spark._local_path("file://otherhost/x.jpg")
    paths = ["file:" + str(tmp_path / n) for n in ["xA.jpg", *ODD_NAMES]]
    r = serfiq.spark._score_paths(model, paths, False, 4)
    status = dict(zip([Path(p).name for p in paths], r.status.tolist()))
    assert status.pop("x%41.jpg") == INVALID_IMAGE, "x%41.jpg was scored as another file"
    assert all(v == 0 for v in status.values()), status
    assert len(set(np.round(r.s[r.status == 0], 6))) == 1  # the same photo everywhere else


def test_fifos_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    code = textwrap.dedent(
        f"""
        import serfiq, serfiq.spark
        m = serfiq.Model()
        r = m.score_files([{str(fifo)!r}])
        assert r.status[0] == {INVALID_IMAGE}, r.errors
        assert "not a regular file" in r.errors[0].message, r.errors[0].message
        r = serfiq.spark._score_paths(m, ["file:" + {str(fifo)!r}], False, 16)
        assert r.status[0] == {INVALID_IMAGE}, r.errors
        print("ok")
        """
    )
    r = run([sys.executable, "-c", code], timeout=90)
    assert r.returncode == 0 and b"ok" in r.stdout, r.stderr.decode()
    r = run([sys.executable, "-m", "serfiq", "score", str(fifo)], timeout=90)
    assert r.returncode == 1 and b"not a regular file" in r.stderr, r.stderr.decode()


def test_score_files_keeps_the_clis_pixel_budget(tmp_path):
    from PIL import Image

    big = tmp_path / "z0.png"
    Image.fromarray(np.zeros((8000, 8000), np.uint8)).save(big)
    files = [big] + [tmp_path / f"z{i}.png" for i in range(1, 16)]
    for f in files[1:]:
        shutil.copyfile(big, f)
    code = f"import serfiq; r = serfiq.Model().score_files({[str(f) for f in files]!r}, batch_size=16); print(len(r.s))"
    with open(tmp_path / "err", "wb") as err:
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak RSS
        child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, (tmp_path / "err").read_text()
    rss = usage.ru_maxrss * 1024
    assert rss < 1 << 30, f"{rss >> 20} MiB for 16 images of 64 megapixels"


def test_python_m_serfiq_escapes_as_the_cli_does(tmp_path):
    crop = photos()[0]
    names = ["=1+2.jpg", "a\x1b]0;owned\x07.jpg", "tab\there.jpg", "@x.jpg"]
    for n in names:
        (tmp_path / n).write_bytes(crop.read_bytes())
    ours = run([sys.executable, "-m", "serfiq", "score", *names, "gone\x1b[2J.jpg"], cwd=tmp_path)
    assert b"\x1b" not in ours.stdout + ours.stderr, (ours.stdout, ours.stderr)
    cells = [r.split(",")[0] for r in ours.stdout.decode().splitlines()[1:]]
    assert cells == ["\"'=1+2.jpg\"", "a\\x1b]0;owned\\x07.jpg", "tab\\x09here.jpg", "\"'@x.jpg\""], cells
    if CLI.is_file():
        for extra in ([], ["--json"]):
            args = ["score", *extra, *names, "gone\x1b[2J.jpg"]
            theirs = run([str(CLI), *args], cwd=tmp_path)
            again = run([sys.executable, "-m", "serfiq", *args], cwd=tmp_path)
            said = lambda err: sorted(line for line in err.splitlines() if line.startswith(b"serfiq: "))
            assert again.stdout == theirs.stdout
            assert said(again.stderr) == said(theirs.stderr)


def test_python_m_serfiq_score_dir_reports_symlink_loops(tmp_path):
    photo = photos()[0]
    d = tmp_path / "d"
    d.mkdir()
    (d / "one.jpg").write_bytes(photo.read_bytes())
    os.symlink("..", d / "up")
    os.symlink(".", d / "here")
    r = run([sys.executable, "-m", "serfiq", "score", str(d)], timeout=120)
    rows = r.stdout.decode().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == [f"{d}/one.jpg"], rows
    assert b"File system loop found" in r.stderr, r.stderr.decode()
    assert r.returncode == 1


def test_a_wrong_format_type_is_a_type_error(model):
    img = np.zeros((112, 112, 3), np.uint8)
    with pytest.raises(TypeError):
        model.score(img, format=3)
    with pytest.raises(TypeError):
        model.score_batch([img], format=b"rgb")


def test_batch_0_is_a_usage_error():
    for bad in ("0", "-3", "5000", "x"):
        r = run([sys.executable, "-m", "serfiq", "score", "--batch", bad, "x.jpg"], timeout=60)
        assert r.returncode == 2, r.stderr.decode()
        assert b"Traceback" not in r.stderr and b"usage:" in r.stderr, r.stderr.decode()


def test_a_truncated_jpeg_is_refused_by_score_files(model, tmp_path):
    data = photos()[0].read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) * 2 // 3])
    r = model.score_files([str(cut), data[: len(data) * 2 // 3], data])
    assert r.status.tolist()[:2] == [INVALID_IMAGE, INVALID_IMAGE], r.errors
    assert "truncated" in r.errors[0].message
    assert r.status[2] == 0


def test_exit_with_daemon_threads_inside_serfiq_is_clean():
    code = textwrap.dedent(
        """
        import threading, time, numpy as np, serfiq
        m = serfiq.Model(detector=False)
        img = np.random.default_rng(0).integers(0, 255, (112, 112, 3), dtype=np.uint8)
        def spin():
            while True:
                try:
                    m.score_batch([img] * 8)
                except Exception:
                    return
        for _ in range(4):
            threading.Thread(target=spin, daemon=True).start()
        time.sleep(1.0)
        print("exiting", flush=True)
        """
    )
    for _ in range(3):
        r = run([sys.executable, "-c", code], timeout=180)
        assert r.returncode == 0, (r.returncode, r.stderr.decode()[-2000:])
        assert b"exiting" in r.stdout
