"""Spark throughput on LFW: serfiq.spark.score_images on local[1] and local[2] next to
`serfiq score` on the same images with 1 and 2 cores, all measured in one run (so the ratios
hold on a shared, noisy machine).

    python bindings/python/bench/spark_lfw.py [--lfw DIR] [--cli PATH] [--rounds N] [--out FILE]

Every configuration is pinned with taskset to its cores (core 0; cores 0 and 1): Spark's JVM,
its Python workers and the CLI get the same CPUs. Times are wall clock of the whole job and
include the model creations: `serfiq score` from process start to exit (2 cores: two
processes on half the images each, until both end); Spark from the action's start to its end
(the session is started first, not timed), writing to the `noop` sink so that only the
scoring is measured, then the same job again to Parquet. Each round runs every configuration
once; the best round of each is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(os.environ.get("SERFIQ_REPO", Path(__file__).resolve().parents[3]))

# For many small files: partitions of a few hundred images (Spark's default packs ~32 images,
# since it counts 4 MB of "open cost" per file), so task overheads stay small.
SPARK_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.sources.parallelPartitionDiscovery.threshold": "100000",
    "spark.sql.files.openCostInBytes": "16384",
    "spark.sql.files.maxPartitionBytes": "4194304",
}


def images(root: Path):
    found = [str(p) for p in root.rglob("*.jpg")]
    return sorted(found, key=lambda p: p.split(os.sep))


def cli_run(cli: str, paths, cores: int) -> float:
    """Seconds for `serfiq score` on `paths` split over `cores` pinned processes."""
    parts = [paths[i::cores] for i in range(cores)]
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(["taskset", "-c", str(i), cli, "score", *part], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
        for i, part in enumerate(parts)
    ]
    for p in procs:
        _, err = p.communicate()
        assert p.returncode == 0, err.decode()[-2000:]
    return time.perf_counter() - t0


def spark_child(lfw: str, cores: int, parquet: str) -> None:
    """Runs in its own process (pinned by the parent): prints JSON with the timings."""
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    import serfiq.spark

    b = SparkSession.builder.master(f"local[{cores}]").appName("serfiq-bench")
    for k, v in SPARK_CONF.items():
        b = b.config(k, v)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.format("binaryFile").option("recursiveFileLookup", "true") \
        .option("pathGlobFilter", "*.jpg").load(lfw)
    n = df.count()
    parts = df.rdd.getNumPartitions()
    created = spark.sparkContext.accumulator(0)
    t0 = time.perf_counter()
    serfiq.spark.score_images(df, created=created).write.format("noop").mode("overwrite").save()
    noop = time.perf_counter() - t0
    t0 = time.perf_counter()
    serfiq.spark.score_images(df).write.mode("overwrite").parquet(parquet)
    pq = time.perf_counter() - t0
    bad = spark.read.parquet(parquet).where("status != 0").count()
    print(json.dumps({"images": n, "partitions": parts, "noop_s": noop, "parquet_s": pq,
                      "model_creations": created.value, "failed_rows": bad}))
    spark.stop()


def spark_run(lfw: str, cores: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cpus = ",".join(str(i) for i in range(cores))
        out = subprocess.run(
            ["taskset", "-c", cpus, sys.executable, __file__, "--spark-child", str(cores), "--lfw", lfw,
             "--parquet", os.path.join(tmp, "scores.parquet")],
            capture_output=True, text=True, timeout=900,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a.add_argument("--lfw", default=os.environ.get("SERFIQ_LFW", str(REPO.parent / "shared/data/lfw")))
    a.add_argument("--cli", default=os.environ.get("SERFIQ_CLI", str(REPO / "target/release/serfiq")))
    a.add_argument("--rounds", type=int, default=3)
    a.add_argument("--out")
    a.add_argument("--spark-child", type=int)
    a.add_argument("--parquet")
    args = a.parse_args()
    lfw = str(Path(args.lfw) / "aligned112") if (Path(args.lfw) / "aligned112").is_dir() else args.lfw
    if args.spark_child:
        spark_child(lfw, args.spark_child, args.parquet)
        return 0
    if not Path(lfw).is_dir():
        print(f"no LFW crops at {lfw}", file=sys.stderr)
        return 2
    paths = images(Path(lfw))
    for p in paths:  # warm the page cache for everyone
        Path(p).read_bytes()
    n = len(paths)
    best = {}
    for r in range(args.rounds):
        for name, run in [
            ("cli_1", lambda: cli_run(args.cli, paths, 1)),
            ("spark_1", lambda: spark_run(lfw, 1)),
            ("cli_2", lambda: cli_run(args.cli, paths, 2)),
            ("spark_2", lambda: spark_run(lfw, 2)),
        ]:
            res = run()
            secs = res["noop_s"] if isinstance(res, dict) else res
            print(f"round {r + 1}: {name:8s} {secs:6.2f} s  {n / secs:6.1f} images/s"
                  + (f"  (parquet {res['parquet_s']:.2f} s, {res['partitions']} partitions, "
                     f"{res['model_creations']} model creations, {res['failed_rows']} failed rows)"
                     if isinstance(res, dict) else ""), flush=True)
            if name not in best or secs < best[name]["seconds"]:
                best[name] = {"seconds": secs, "images_per_s": n / secs, **(res if isinstance(res, dict) else {})}
    ips = {k: v["images_per_s"] for k, v in best.items()}
    summary = {
        "images": n,
        "best": best,
        "spark_2_over_spark_1": ips["spark_2"] / ips["spark_1"],
        "spark_1_over_cli_1": ips["spark_1"] / ips["cli_1"],
        "spark_2_over_cli_2": ips["spark_2"] / ips["cli_2"],
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "best"}, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
