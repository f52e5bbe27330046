"""serfiq.spark.score_images on a local[2] Spark session: every row equals `serfiq score` on the
same file, bad images give a status row, and each Python worker creates one model."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")

import serfiq
import serfiq.spark
from conftest import FACES, LFW, cli_scores

os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers run this venv's Python


def session(name: str, **conf: str):
    from pyspark.sql import SparkSession

    b = SparkSession.builder.master("local[2]").appName(name)
    quiet = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "4",
        # List LFW's 1680 folders on the driver instead of in a 2000-task Spark job.
        "spark.sql.sources.parallelPartitionDiscovery.threshold": "100000",
    }
    for k, v in {**quiet, **conf}.items():
        b = b.config(k, v)
    s = b.getOrCreate()
    s.sparkContext.setLogLevel("ERROR")
    return s


def python_workers() -> int:
    """Spark's Python worker processes below this one: children of a pyspark daemon that run
    the daemon's own command line (it forks them)."""
    procs = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[1])
                cmd = open(f"/proc/{d}/cmdline", "rb").read()
            except OSError:
                continue
            procs[int(d)] = (ppid, cmd)
    daemons = {p for p, (_, cmd) in procs.items() if b"pyspark.daemon" in cmd}
    return sum(1 for p, (ppid, cmd) in procs.items() if ppid in daemons and procs[ppid][1] == cmd)


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    src = sorted(FACES.glob("*.jpg"))
    if not src:
        pytest.skip("no demo photos (make fetch)")
    d = tmp_path_factory.mktemp("photos")
    for p in src:
        (d / p.name).write_bytes(p.read_bytes())
    (d / "corrupt.jpg").write_bytes(src[0].read_bytes()[:700])
    (d / "zz-not-a-face.jpg").write_bytes(b"GIF89a nothing here")
    return d


@pytest.fixture(scope="module")
def spark():
    # One model per worker is checked first, in a session whose workers are all new.
    s = session("serfiq-tests", **{"spark.sql.execution.arrow.maxRecordsPerBatch": "1"})
    yield s
    s.stop()


def by_path(rows):
    return {r["path"][len("file:"):] if r["path"].startswith("file:") else r["path"]: r for r in rows}


def test_one_model_per_python_worker(spark, photos):
    df = spark.read.format("binaryFile").load(str(photos)).repartition(6)
    created = spark.sparkContext.accumulator(0)
    # Arrow batches of one row, two images per model call: a model per batch or per call
    # would be 7+ creations.
    rows = serfiq.spark.score_images(df, created=created, batch_size=2, embeddings=False).collect()
    assert len(rows) == 6
    workers = python_workers()
    print(f"\nmodel creations: {created.value}, Python workers: {workers}, partitions: 6, batches: 6")
    assert 1 <= created.value == workers <= 2
    # A second job reuses the workers and their models.
    serfiq.spark.score_images(df, created=created, batch_size=2, embeddings=False).count()
    assert created.value == python_workers() <= 2


def test_demo_photos_equal_the_cli_and_bad_images_get_a_status(spark, photos):
    df = spark.read.format("binaryFile").load(str(photos))
    rows = by_path(serfiq.spark.score_images(df).collect())
    good = sorted(p for p in photos.glob("*.jpg") if p.name not in ("corrupt.jpg", "zz-not-a-face.jpg"))
    cli = cli_scores(good)
    local = serfiq.Model().score_files(good, embeddings=True)
    assert len(rows) == len(good) + 2
    for i, p in enumerate(good):
        r = rows[str(p)]
        assert r["status"] == 0 and r["error"] is None
        assert tuple(np.float32(r[k]) for k in ("s", "q", "n", "f", "q100", "l")) == cli[str(p)], p
        assert r["faces"] >= 1
        assert np.array_equal(np.asarray(r["embedding"], np.float32), local.embeddings[i])
        assert set(r.asDict()) == {"path", "modificationTime", "length", "s", "q", "n", "f", "q100", "l", "faces",
                                   "embedding", "status", "error"}
    for name in ("corrupt.jpg", "zz-not-a-face.jpg"):
        r = rows[str(photos / name)]
        assert r["status"] == 4 and "decode" in r["error"]
        assert r["s"] is None and r["q"] is None and r["embedding"] is None and r["faces"] is None


def test_paths_column_and_parquet(spark, photos, tmp_path):
    paths = sorted(str(p) for p in photos.glob("*.jpg")) + [str(photos / "missing.jpg"), "hdfs://x/y.jpg"]
    df = spark.createDataFrame([(p, i) for i, p in enumerate(paths)], "path string, id int")
    out = serfiq.spark.score_images(df, embeddings=False)
    assert "embedding" not in out.columns
    target = tmp_path / "scores.parquet"
    out.write.parquet(str(target))
    rows = {r["path"]: r for r in spark.read.parquet(str(target)).collect()}
    assert len(rows) == len(paths)
    direct = by_path(serfiq.spark.score_images(spark.read.format("binaryFile").load(str(photos))).collect())
    for p in paths[:-2]:
        assert rows[p]["s"] == direct[p]["s"] and rows[p]["status"] == direct[p]["status"]
    assert rows[paths[-2]]["status"] == 4 and "cannot read" in rows[paths[-2]]["error"]
    assert rows[paths[-1]]["status"] == 4 and "file:" in rows[paths[-1]]["error"]


def test_odd_file_names_get_their_own_score_with_the_content_dropped(spark, photos, tmp_path):
    # Issue 27: binaryFile paths are not percent-encoded; x%41.jpg (text) got xA.jpg's score.
    src = sorted(photos.glob("*.jpg"))
    names = {"xA.jpg": src[0], "a b.jpg": src[1], "n#1.jpg": src[2], "q?.jpg": src[0], "é日本.jpg": src[1]}
    for name, s in names.items():
        (tmp_path / name).write_bytes(s.read_bytes())
    (tmp_path / "x%41.jpg").write_text("not an image")
    files = spark.read.format("binaryFile").load(str(tmp_path))
    with_content = by_path(serfiq.spark.score_images(files, embeddings=False).collect())
    from_paths = by_path(serfiq.spark.score_images(files.drop("content"), embeddings=False).collect())
    assert len(from_paths) == len(names) + 1
    for p, row in from_paths.items():
        assert (row["status"], row["s"]) == (with_content[p]["status"], with_content[p]["s"]), p
    bad = [row for p, row in from_paths.items() if p.endswith("x%41.jpg")]
    assert len(bad) == 1 and bad[0]["status"] == 4, bad


def test_arguments_are_checked_on_the_driver(spark):
    df = spark.createDataFrame([("a",)], "name string")
    with pytest.raises(ValueError, match="content"):
        serfiq.spark.score_images(df)
    df2 = spark.createDataFrame([("a", 1.0)], "path string, s double")
    with pytest.raises(ValueError, match="already has"):
        serfiq.spark.score_images(df2)
    with pytest.raises(ValueError):
        serfiq.spark.score_images(df2.drop("s"), batch_size=0)


def test_lfw_rows_equal_the_cli(spark):
    aligned = LFW / "aligned112"
    if not aligned.is_dir():
        pytest.skip(f"no LFW at {aligned} (../shared/data)")
    df = (
        spark.read.format("binaryFile")
        .option("recursiveFileLookup", "true")
        .option("pathGlobFilter", "*.jpg")
        .load(str(aligned))
    )
    rows = by_path(serfiq.spark.score_images(df, embeddings=False).collect())
    cli = cli_scores([aligned])
    assert len(rows) == len(cli) == 3811
    bad = [p for p, r in rows.items() if r["status"] != 0 or (np.float32(r["s"]), np.float32(r["q"])) != cli[p][:2]]
    assert not bad, bad[:5]
    assert all(r["faces"] is None for r in rows.values())  # aligned crops: the detector does not run


def test_components_columns(spark, photos):
    df = spark.read.format("binaryFile").load(str(photos))
    plain = serfiq.spark.score_images(df, embeddings=False)
    assert "components" not in plain.columns and "feedback" not in plain.columns
    out = serfiq.spark.score_images(df, embeddings=False, components=True)
    assert out.columns[out.columns.index("faces") + 1 : out.columns.index("faces") + 3] == ["components", "feedback"]
    rows = by_path(out.collect())
    model = serfiq.Model()
    for p in sorted(photos.glob("*.jpg")):
        r = rows[str(p)]
        if p.name in ("corrupt.jpg", "zz-not-a-face.jpg"):
            assert r["status"] == 4 and r["components"] is None and r["feedback"] is None
            continue
        a = model.score_files([p], components=True)
        want = {k: np.float32(c.value) for k, c in a.components[0].items() if c.assessed}
        assert {k: np.float32(v) for k, v in r["components"].items()} == want, p
        assert r["feedback"] == [f.name for f in a.feedback[0]]
