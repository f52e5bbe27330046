"""serfiq.fairness.report on pandas and on Spark local[2] equals `serfiq fairness --json` on the same
scores (CSV as `serfiq score` writes it, and the Parquet Spark writes); Wilson intervals by hand."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import numpy as np
import pytest

import serfiq.fairness
from conftest import CLI

pd = pytest.importorskip("pandas")


def same(a: Any, b: Any, where: str = "report") -> None:
    """Equal structure and values; numbers to 1e-9 (means and interval ends are sums in another order)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a) == sorted(b), f"{where}: keys {sorted(a)} vs {sorted(b)}"
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{where}: {a} vs {b}"
        if a and isinstance(a[0], dict) and "component" in a[0]:
            a, b = sorted(a, key=lambda x: x["component"]), sorted(b, key=lambda x: x["component"])
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), f"{where}: {a} vs {b}"
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def test_wilson_by_hand():
    # 2 of 10: centre 0.2832598, half 0.2265777 (z = 1.959964); published 0.0567-0.5098.
    lo, hi = serfiq.fairness.wilson(2, 10)
    assert abs(lo - 0.0566822) < 1e-6 and abs(hi - 0.5098375) < 1e-6
    assert serfiq.fairness.wilson(0, 0) is None


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> Dict[str, Any]:
    """3000 synthetic images: s, f, q100 (float32 values, as serfiq writes them) whose level depends
    on the group, a luminance component, some unscored and unlabelled rows; the CSV and TSV files."""
    rng = np.random.default_rng(25)
    n = 3000
    sex = np.where(rng.random(n) < 0.3, "female", "male")
    age = rng.choice(["18-30", "31-50", "51+", ""], n, p=[0.3, 0.4, 0.2, 0.1])
    shift = np.where(sex == "female", -0.03, 0.0)
    s = (rng.normal(0.85, 0.05, n) + shift).astype(np.float32)
    f = (rng.normal(0.0, 1.0, n) + 10 * shift).astype(np.float32)
    q100 = np.clip((s - 0.7) * 400, 0, 100).astype(np.float32)
    lum = rng.normal(50, 10, n).astype(np.float32)
    unscored = rng.random(n) < 0.01
    d = tmp_path_factory.mktemp("fairness")
    paths = [f"/data/enrol/{i // 100:03d}/img{i:05d}.jpg" for i in range(n)]

    def cell(v: np.float32, bad: bool) -> str:
        return "" if bad else repr(float(v))

    lines = ["path,s,q,n,f,q100,LuminanceMean,LuminanceMean_raw,feedback"]
    for i in range(n):
        b = bool(unscored[i])
        lines.append(f"{paths[i]},{cell(s[i], b)},,,{cell(f[i], b)},{cell(q100[i], b)},{cell(lum[i], b)},"
                     f"{cell(lum[i] * 2, b)},")
    (d / "scores.csv").write_text("\n".join(lines) + "\n")
    tsv = ["path\tsex\tage"] + [f"{p.split('/enrol/')[1]}\t{x}\t{a}" for p, x, a in zip(paths, sex, age)]
    (d / "groups.tsv").write_text("\n".join(tsv) + "\n")
    nan = np.float32("nan")
    df = pd.DataFrame({
        "path": paths,
        "s": np.where(unscored, nan, s), "f": np.where(unscored, nan, f), "q100": np.where(unscored, nan, q100),
        "LuminanceMean": np.where(unscored, nan, lum), "LuminanceMean_raw": np.where(unscored, nan, lum * 2),
        "sex": sex, "age": [a or None for a in age],
    })
    return {"dir": d, "df": df}


def cli_report(scores: Path, groups: Path, out: Path) -> Dict[str, Any]:
    r = subprocess.run([str(CLI), "fairness", str(scores), str(groups), "--json", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(out.read_text())


def test_pandas_equals_cli(table):
    d = table["dir"]
    want = cli_report(d / "scores.csv", d / "groups.tsv", d / "cli.json")
    got = serfiq.fairness.report(table["df"], groups=["sex", "age"], quality=["s", "f"])
    same(got, want)
    female = got["groupings"][0]["groups"][0]
    assert female["group"] == "female" and female["component_means"][0]["component"] == "LuminanceMean"
    # The gate rejects more of the group whose quality was shifted down.
    assert female["rejection"][0]["rejected"][2]["rate"] > got["groupings"][0]["groups"][1]["rejection"][0]["rejected"][2]["rate"]


def test_default_quality_is_q100(table):
    r = serfiq.fairness.report(table["df"], groups="sex")
    assert r["qualities"] == ["q100"] and [d["quality"] for d in r["groupings"][0]["groups"][0]["distribution"]] == ["q100"]
    with pytest.raises(ValueError, match="no column"):
        serfiq.fairness.report(table["df"], groups="skin")


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    pytest.importorskip("pyarrow")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    s = (SparkSession.builder.master("local[2]").appName("serfiq-fairness")
         .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
         .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def test_spark_equals_cli(table, spark):
    d = table["dir"]
    want = cli_report(d / "scores.csv", d / "groups.tsv", d / "cli.json")
    sdf = spark.createDataFrame(table["df"]).repartition(3)
    same(serfiq.fairness.report(sdf, groups=["sex", "age"], quality=["s", "f"]), want)


def test_cli_reads_spark_parquet(table, spark):
    """The layout of serfiq.spark.score_images (float columns, a components map, nulls where not
    scored) written by Spark, read by `serfiq fairness`, equals the report computed in Spark."""
    from pyspark.sql import functions as F

    d = table["dir"]
    df = table["df"]
    sdf = spark.createDataFrame(df.drop(columns=["LuminanceMean_raw"]))
    sdf = sdf.select(
        F.concat(F.lit("file:"), "path").alias("path"),
        *[F.when(~F.isnan(c), F.col(c).cast("float")).alias(c) for c in ["s", "f", "q100"]],
        F.when(~F.isnan("LuminanceMean"), F.create_map(F.lit("LuminanceMean"), F.col("LuminanceMean").cast("float"))).alias("components"),
        "sex", "age",
    )
    out = d / "scores.parquet"
    sdf.drop("sex", "age").repartition(2).write.mode("overwrite").parquet(str(out))
    want = cli_report(out, d / "groups.tsv", d / "parquet.json")
    back = spark.read.parquet(str(out)).withColumn("path", F.expr("substring(path, 6)"))
    labels = spark.createDataFrame(df[["path", "sex", "age"]])
    got = serfiq.fairness.report(back.join(labels, "path"), groups=["sex", "age"], quality=["s", "f"])
    same(got, want)
    assert got["unscored"] == int(df["s"].isna().sum())
