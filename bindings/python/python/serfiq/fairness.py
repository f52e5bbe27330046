"""Is the quality gate fair? ``serfiq.fairness.report``: the per-group report of ``serfiq fairness``.

    import pandas as pd, serfiq.fairness
    df = pd.read_csv("scores.csv").merge(pd.read_csv("groups.tsv", sep="\\t"), on="path")
    r = serfiq.fairness.report(df, groups="sex", quality=["s", "f"])

``df`` is a pandas DataFrame or a Spark DataFrame holding one row per image: the quality columns
(``q100`` and those gated on), one column per grouping (the group's label; null = unlabelled) and
optionally components (``<Name>`` next to ``<Name>_raw`` columns, or a Spark ``components`` map of
name → value). The result has the structure of ``serfiq fairness --json`` (and of ``serfiq eval
--groups``'s ``fairness.json`` without the comparisons): counts, nearest-rank percentiles, the
rejection rate of each group at the global gates that discard 1/5/10/20 % of all scored images,
with 95 % Wilson intervals, component means and a max/min summary per grouping.

On Spark nothing per row reaches the driver: order statistics come from histograms of each value's
float32 bit pattern aggregated in Spark (a coarse pass on the high 16 bits, then the low 16 bits of
the few bins that hold a wanted rank), so they are exact, and counts and means are Spark
aggregations.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

__all__ = ["report", "wilson", "PERCENTILES", "DISCARD"]

#: Nearest-rank percentiles of each quality's distribution.
PERCENTILES: Tuple[int, ...] = (5, 25, 50, 75, 95)
#: Fractions of all scored images the gates discard.
DISCARD: Tuple[float, ...] = (0.01, 0.05, 0.10, 0.20)
_Z95 = 1.959963984540054


def wilson(k: int, n: int) -> Optional[List[float]]:
    """The 95 % Wilson score interval of k successes in n trials (None when n is 0)."""
    if n == 0:
        return None
    p = k / n
    z2 = _Z95 * _Z95
    denom = 1.0 + z2 / n
    center = (p + z2 / (2.0 * n)) / denom
    half = _Z95 * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
    return [max(center - half, 0.0), min(center + half, 1.0)]


def _rate(count: int, of: int) -> Dict[str, Any]:
    return {"count": int(count), "of": int(of), "rate": count / of if of else None, "ci": wilson(int(count), int(of))}


def _percentile_rank(p: int, n: int) -> int:
    return max(-(-p * n // 100), 1) - 1


def _discard_rank(x: float, n: int) -> int:
    return int(math.floor(x * n))


def _summary(quality: str, discard: float, groups: List[Tuple[str, Dict[str, Any]]]) -> Optional[Dict[str, Any]]:
    known = [(g, r["rate"], r["ci"]) for g, r in groups if r["rate"] is not None]
    if not known:
        return None
    hi = lo = known[0]
    for k in known[1:]:
        hi = k if k[1] > hi[1] else hi
        lo = k if k[1] < lo[1] else lo
    return {
        "measure": "rejection", "quality": quality, "discard": discard,
        "max_group": hi[0], "max": hi[1], "min_group": lo[0], "min": lo[1],
        "ratio": hi[1] / lo[1] if lo[1] > 0 else None, "real": hi[2][0] > lo[2][1],
    }


def _assemble(n: int, scored: int, qualities: List[str], dist: List[str], thresholds: Dict[str, list],
              overall: Dict[str, List[int]], groupings: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The report from the numbers both back ends compute. Each grouping: column, unlabelled and
    groups, each group: group, images, scored, percentiles {quality: [...]}, rejected {quality: [...]}
    and component_means [(name, mean, count)]."""
    out_groupings = []
    for g in groupings:
        groups = []
        for grp in g["groups"]:
            m = grp["scored"]
            groups.append({
                "group": grp["group"],
                "images": grp["images"],
                "unscored": _rate(grp["images"] - m, grp["images"]),
                "distribution": [{"quality": q, "percentiles": grp["percentiles"][q]} for q in dist],
                "rejection": [{"quality": q, "rejected": [_rate(c, m) for c in grp["rejected"][q]]} for q in qualities],
                "component_means": [{"component": c, "mean": mean, "images": k} for c, mean, k in grp["component_means"]],
            })
        summary = []
        for k, q in enumerate(qualities):
            for d, x in enumerate(DISCARD):
                line = _summary(q, x, [(grp["group"], grp["rejection"][k]["rejected"][d]) for grp in groups])
                if line is not None:
                    summary.append(line)
        out_groupings.append({"column": g["column"], "unlabelled": g["unlabelled"], "groups": groups, "summary": summary})
    return {
        "images": n,
        "unscored": n - scored,
        "qualities": list(qualities),
        "percentiles": list(PERCENTILES),
        "discard": list(DISCARD),
        "gates": [{"quality": q, "thresholds": thresholds[q], "rejected": [_rate(c, scored) for c in overall[q]]}
                  for q in qualities],
        "groupings": out_groupings,
    }


def report(df: Any, groups: Union[str, Sequence[str]], quality: Union[str, Sequence[str]] = "q100") -> Dict[str, Any]:
    """The fairness report of ``df`` (pandas or Spark) by the grouping column(s) ``groups``,
    gating on the quality column(s) ``quality``; the structure of ``serfiq fairness --json``."""
    group_cols = [groups] if isinstance(groups, str) else list(groups)
    qualities = [quality] if isinstance(quality, str) else list(quality)
    if not group_cols or not qualities:
        raise ValueError("report needs at least one grouping column and one quality")
    missing = [c for c in group_cols + qualities if c not in df.columns]
    if missing:
        raise ValueError(f"the DataFrame has no column(s) {missing}")
    dist = (["q100"] if "q100" in df.columns else []) + [q for q in qualities if q != "q100"]
    if type(df).__module__.startswith("pyspark"):
        from . import _fairness_spark

        return _fairness_spark.report(df, group_cols, qualities, dist)
    return _pandas(df, group_cols, qualities, dist)


def _components_of(columns: Sequence[str]) -> List[str]:
    return [c for c in columns if f"{c}_raw" in columns]


def _pandas(df: Any, group_cols: List[str], qualities: List[str], dist: List[str]) -> Dict[str, Any]:
    def values(c: str) -> np.ndarray:
        # float32, the precision serfiq writes and the CLI and Spark read.
        return df[c].to_numpy(dtype=np.float64, na_value=np.nan).astype(np.float32).astype(np.float64)

    n = len(df)
    cols = {c: values(c) for c in set(dist) | set(qualities)}
    scored = np.ones(n, bool)
    for c in cols.values():
        scored &= np.isfinite(c)
    m = int(scored.sum())
    thresholds, overall = {}, {}
    for q in qualities:
        v = np.sort(cols[q][scored])
        t = [float(v[_discard_rank(x, m)]) if _discard_rank(x, m) < m else None for x in DISCARD]
        thresholds[q] = t
        overall[q] = [int((v < x).sum()) if x is not None else 0 for x in t]
    components = [(c, values(c)) for c in _components_of(list(df.columns))]
    groupings = []
    for col in group_cols:
        labels = np.array([None if _missing(x) else str(x).strip() for x in df[col].tolist()], dtype=object)
        labels[labels == ""] = None
        names = sorted({x for x in labels if x is not None})
        groups = []
        for name in names:
            members = labels == name
            ok = members & scored
            k = int(ok.sum())
            pct = {}
            for q in dist:
                v = np.sort(cols[q][ok])
                pct[q] = [float(v[_percentile_rank(p, k)]) for p in PERCENTILES] if k else []
            rejected = {q: [int((cols[q][ok] < t).sum()) if t is not None else 0 for t in thresholds[q]]
                        for q in qualities}
            means = []
            for c, v in components:
                have = v[ok][np.isfinite(v[ok])]
                means.append((c, float(have.sum() / len(have)) if len(have) else None, int(len(have))))
            groups.append({"group": name, "images": int(members.sum()), "scored": k, "percentiles": pct,
                           "rejected": rejected, "component_means": means})
        groupings.append({"column": col, "unlabelled": int(sum(x is None for x in labels)), "groups": groups})
    return _assemble(n, m, qualities, dist, thresholds, overall, groupings)


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))
