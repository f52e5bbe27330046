"""The Spark back end of ``serfiq.fairness.report``: counts, histograms and means are Spark
aggregations; only aggregates reach the driver.

Order statistics (the gates and the percentiles) are exact: each value's float32 bit pattern is
mapped to an order-preserving 32-bit key; a histogram of the keys' high 16 bits per scope
(all images, or one group) locates the bin of each wanted rank, and a histogram of the low 16
bits of those bins only gives the value itself.
"""

from __future__ import annotations

from functools import reduce
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd  # pandas UDFs need it (and Spark resolves the UDF's type hints from here)

from . import fairness as _f


def _key_column(col: Any) -> Any:
    """The order-preserving int32 key of a float column (a vectorised pandas UDF)."""
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("int")
    def order_key(v: pd.Series) -> pd.Series:
        b = v.to_numpy(dtype=np.float32, na_value=np.nan).view(np.int32)
        return pd.Series(np.where(b < 0, b ^ np.int32(0x7FFFFFFF), b).astype(np.int32))

    return order_key(col)


def _value(key: int) -> float:
    b = np.array([key], np.int32)
    b = np.where(b < 0, b ^ np.int32(0x7FFFFFFF), b).astype(np.int32)
    return float(b.view(np.float32)[0])


def _locate(hist: List[Tuple[int, int]], rank: int) -> Tuple[int, int]:
    """The bin holding the rank-th smallest (0-based) of a histogram [(bin, count)], and the rank within it."""
    before = 0
    for b, count in sorted(hist):
        if rank < before + count:
            return b, rank - before
        before += count
    raise ValueError(f"rank {rank} past the {before} values")


def report(df: Any, group_cols: List[str], qualities: List[str], dist: List[str]) -> Dict[str, Any]:
    from pyspark.sql import functions as F
    from pyspark.sql.types import MapType

    cols = list(dict.fromkeys(dist + qualities))
    comp_cols = _f._components_of(list(df.columns))
    comp_map = "components" in df.columns and isinstance(df.schema["components"].dataType, MapType)
    ok = reduce(lambda a, b: a & b, [F.col(c).isNotNull() & ~F.isnan(F.col(c)) for c in cols])

    def label(c: str) -> Any:
        t = F.trim(F.col(c).cast("string"))
        return F.when(t == "", F.lit(None)).otherwise(t)

    g = [f"_g{j}" for j in range(len(group_cols))]
    v = [f"_v{i}" for i in range(len(cols))]
    extra = [F.col(c).cast("double").alias(f"_c{i}") for i, c in enumerate(comp_cols)]
    if comp_map:
        extra.append(F.col("components").alias("_cmap"))
    base = df.select(*[label(c).alias(a) for c, a in zip(group_cols, g)],
                     *[F.col(c).cast("float").alias(a) for c, a in zip(cols, v)], ok.alias("_ok"), *extra)
    base = base.cache()
    try:
        return _report(F, base, group_cols, g, cols, v, qualities, dist, comp_cols, comp_map)
    finally:
        base.unpersist()


def _report(F: Any, base: Any, group_cols: List[str], g: List[str], cols: List[str], v: List[str],
            qualities: List[str], dist: List[str], comp_cols: List[str], comp_map: bool) -> Dict[str, Any]:
    total = base.agg(F.count(F.lit(1)).alias("n"), F.sum(F.col("_ok").cast("long")).alias("m")).first()
    n, m = int(total["n"]), int(total["m"] or 0)
    sizes = []  # per grouping: {label: (images, scored)}, unlabelled
    for a in g:
        rows = base.groupBy(a).agg(F.count(F.lit(1)).alias("n"), F.sum(F.col("_ok").cast("long")).alias("m")).collect()
        sizes.append(({r[a]: (int(r["n"]), int(r["m"] or 0)) for r in rows if r[a] is not None},
                      sum(int(r["n"]) for r in rows if r[a] is None)))

    # Wanted ranks per scope: (grouping index or None, label or None, column index) -> ranks.
    wanted: Dict[Tuple[Optional[int], Optional[str], int], List[int]] = {}
    for q in qualities:
        wanted[(None, None, cols.index(q))] = [_f._discard_rank(x, m) for x in _f.DISCARD if _f._discard_rank(x, m) < m]
    for j, (groups, _) in enumerate(sizes):
        for name, (_, k) in groups.items():
            if k:
                for q in dist:
                    wanted[(j, name, cols.index(q))] = [_f._percentile_rank(p, k) for p in _f.PERCENTILES]
    values = _order_statistics(F, base, g, v, wanted)

    thresholds, overall = {}, {}
    for q in qualities:
        c = cols.index(q)
        t = []
        for x in _f.DISCARD:
            r = _f._discard_rank(x, m)
            t.append(values[(None, None, c, r)] if r < m else None)
        thresholds[q] = t
    scored = base.where("_ok")

    def rejections() -> List[Any]:
        return [F.sum(F.when(F.col(v[cols.index(q)]) < F.lit(t), 1).otherwise(0)).alias(f"_r{k}_{d}")
                for k, q in enumerate(qualities) for d, t in enumerate(thresholds[q]) if t is not None]

    def rejected(row: Any) -> Dict[str, List[int]]:
        return {q: [int(row[f"_r{k}_{d}"] or 0) if t is not None else 0 for d, t in enumerate(thresholds[q])]
                for k, q in enumerate(qualities)}

    aggs = rejections()
    overall = rejected(scored.agg(*aggs).first()) if aggs else rejected({})
    groupings = []
    for j, (a, col) in enumerate(zip(g, group_cols)):
        groups, unlabelled = sizes[j]
        rows = {r[a]: r for r in scored.groupBy(a).agg(*aggs).collect()} if aggs else {}
        means = _component_means(F, scored, a, comp_cols, comp_map)
        names = sorted({c for by in means.values() for c in by}) if comp_map else list(comp_cols)
        out = []
        for name in sorted(groups):
            images, k = groups[name]
            pct = {q: [values[(j, name, cols.index(q), _f._percentile_rank(p, k))] for p in _f.PERCENTILES] if k else []
                   for q in dist}
            mine = means.get(name, {})
            out.append({
                "group": name, "images": images, "scored": k, "percentiles": pct,
                "rejected": rejected(rows[name]) if name in rows else {q: [0] * len(_f.DISCARD) for q in qualities},
                "component_means": [(c, *mine.get(c, (None, 0))) for c in names],
            })
        groupings.append({"column": col, "unlabelled": unlabelled, "groups": out})
    return _f._assemble(n, m, qualities, dist, thresholds, overall, groupings)


def _order_statistics(F: Any, base: Any, g: List[str], v: List[str],
                      wanted: Dict[Tuple[Optional[int], Optional[str], int], List[int]]) -> Dict[tuple, float]:
    """{(grouping, label, column, rank): value} for every wanted rank, from two histogram passes."""
    keyed = base.where("_ok").select(*g, *[_key_column(F.col(c)).alias(f"_k{i}") for i, c in enumerate(v)])
    long = keyed.select(*g, F.explode(F.array(*[F.struct(F.lit(i).alias("c"), F.col(f"_k{i}").alias("k"))
                                                for i in range(len(v))])).alias("x"))
    long = long.select(*g, F.col("x.c").alias("c"), F.shiftright(F.col("x.k"), 16).alias("hi"),
                       F.col("x.k").bitwiseAND(0xFFFF).alias("lo")).cache()
    try:
        scopes: List[Tuple[Optional[int], List[Any]]] = [(None, [])] + [(j, [g[j]]) for j in range(len(g))]
        located: Dict[tuple, Tuple[int, int]] = {}
        for j, by in scopes:
            hist: Dict[Tuple[Optional[str], int], List[Tuple[int, int]]] = {}
            for r in long.groupBy(*by, "c", "hi").count().collect():
                lab = r[by[0]] if by else None
                hist.setdefault((lab, r["c"]), []).append((r["hi"], r["count"]))
            for (sj, lab, c), ranks in wanted.items():
                if sj == j:
                    for rank in ranks:
                        located[(sj, lab, c, rank)] = _locate(hist[(lab, c)], rank)
        values: Dict[tuple, float] = {}
        for j, by in scopes:
            need = {(lab, c, hi) for (sj, lab, c, _), (hi, _) in located.items() if sj == j}
            if not need:
                continue
            conds = []
            for lab, c, hi in need:
                cond = (F.col("c") == c) & (F.col("hi") == hi)
                conds.append(cond & (F.col(by[0]) == lab) if by else cond)
            hist2: Dict[Tuple[Optional[str], int, int], List[Tuple[int, int]]] = {}
            rows = long.where(reduce(lambda a, b: a | b, conds)).groupBy(*by, "c", "hi", "lo").count().collect()
            for r in rows:
                lab = r[by[0]] if by else None
                hist2.setdefault((lab, r["c"], r["hi"]), []).append((r["lo"], r["count"]))
            for (sj, lab, c, rank), (hi, within) in located.items():
                if sj == j:
                    lo, _ = _locate(hist2[(lab, c, hi)], within)
                    values[(sj, lab, c, rank)] = _value(hi * 65536 + lo)
        return values
    finally:
        long.unpersist()


def _component_means(F: Any, scored: Any, a: str, comp_cols: List[str], comp_map: bool) -> Dict[str, Dict[str, Tuple[Optional[float], int]]]:
    """{label: {component: (mean, images)}} over the scored rows with a finite value."""
    out: Dict[str, Dict[str, Tuple[Optional[float], int]]] = {}
    if comp_map:
        e = scored.select(a, F.explode("_cmap").alias("name", "value")).where(F.col(a).isNotNull())
        e = e.where(F.col("value").isNotNull() & ~F.isnan(F.col("value").cast("double")))
        for r in e.groupBy(a, "name").agg(F.avg(F.col("value").cast("double")).alias("mean"), F.count(F.lit(1)).alias("k")).collect():
            out.setdefault(r[a], {})[r["name"]] = (float(r["mean"]), int(r["k"]))
        return out
    if not comp_cols:
        return out
    finite = [F.col(f"_c{i}").isNotNull() & ~F.isnan(F.col(f"_c{i}")) for i in range(len(comp_cols))]
    aggs = []
    for i in range(len(comp_cols)):
        aggs += [F.avg(F.when(finite[i], F.col(f"_c{i}"))).alias(f"_m{i}"), F.sum(F.when(finite[i], 1).otherwise(0)).alias(f"_n{i}")]
    for r in scored.where(F.col(a).isNotNull()).groupBy(a).agg(*aggs).collect():
        out[r[a]] = {c: (None if r[f"_m{i}"] is None else float(r[f"_m{i}"]), int(r[f"_n{i}"])) for i, c in enumerate(comp_cols)}
    return out
