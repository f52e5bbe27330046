"""Scoring a DataFrame of images on Apache Spark: ``serfiq.spark.score_images``.

    from pyspark.sql import SparkSession
    import serfiq.spark

    spark = SparkSession.builder.getOrCreate()
    images = spark.read.format("binaryFile").option("pathGlobFilter", "*.jpg") \\
        .option("recursiveFileLookup", "true").load("/data/enrolment")
    scored = serfiq.spark.score_images(images)          # + s, q, n, f, q100, l, faces, embedding, status, error
    scored.write.parquet("/data/enrolment-quality.parquet")

The images are scored by ``mapInArrow``: each Python worker creates **one** ``serfiq.Model``
when it runs its first task and keeps it for every later batch and task (Spark reuses
its Python workers), and the rows of an Arrow batch are decoded and scored ``batch_size`` at a
time with the GIL released. Images are decoded exactly as ``serfiq score`` decodes them, so
every row equals the CLI's output for the same file. An image that cannot be read, decoded or
scored gets its status and message in its row (``s``, ``q``, ``embedding`` null); the job
never fails because of an image.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any, Dict, Iterator, Optional, Tuple

import numpy as np

import serfiq

__all__ = ["score_images", "OUTPUT_COLUMNS", "COMPONENT_COLUMNS"]

#: The columns ``score_images`` adds, with their Spark SQL types.
OUTPUT_COLUMNS: Tuple[Tuple[str, str], ...] = (
    ("s", "float"),
    ("q", "float"),
    ("n", "float"),
    ("f", "float"),
    ("q100", "float"),
    ("l", "float"),
    ("faces", "int"),
    ("embedding", "array<float>"),
    ("status", "int"),
    ("error", "string"),
)

#: The columns ``score_images(components=True)`` adds after ``q100``: each assessed component's
#: 0–100 value by its ISO/IEC 29794-5 name, and the feedback codes raised.
COMPONENT_COLUMNS: Tuple[Tuple[str, str], ...] = (
    ("components", "map<string,float>"),
    ("feedback", "array<string>"),
)

# One model per Python worker process (and per set of model arguments), made on first use.
_MODELS: Dict[str, "serfiq.Model"] = {}
_LOCK = threading.Lock()


def _worker_model(key: str, args: Dict[str, Any], created: Any) -> "serfiq.Model":
    with _LOCK:
        m = _MODELS.get(key)
        if m is None or m.closed:
            m = serfiq.Model(args.get("model"), args.get("detector"), **args.get("options", {}))
            _MODELS[key] = m
            if created is not None:
                created.add(1)
        return m


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def _local_path(p: str) -> str:
    """A local path from a path or a ``file:`` path as Spark writes them (``binaryFile``'s path
    column holds Hadoop's ``Path.toString()``: ``file:/dir/a b%41#1?.jpg``, nothing
    percent-encoded). The rest after ``file:`` (and an empty or ``localhost`` authority) is the
    path exactly: ``%``, ``#``, ``?``, spaces and non-ASCII are parts of the name."""
    m = _SCHEME.match(p)
    if m is None or len(m.group(1)) == 1:  # no scheme, or a Windows drive letter
        return p
    if m.group(1).lower() != "file":
        raise ValueError(f"{p}: only local paths and file: paths can be read by the workers; load other "
                         "file systems with spark.read.format('binaryFile') and pass the content column")
    rest = p[m.end():]
    if rest.startswith("//"):
        host, slash, path = rest[2:].partition("/")
        if host not in ("", "localhost"):
            raise ValueError(f"{p}: a file: path on another host ({host}) cannot be read by the workers")
        return slash + path
    return rest


class _Scorer:
    """The mapInArrow function (a top-level class, so workers import it from serfiq.spark)."""

    def __init__(self, args: Dict[str, Any], key: str, source: Tuple[str, str], drop: Optional[str],
                 batch_size: int, embeddings: bool, created: Any, components: bool = False) -> None:
        self.args, self.key, self.source, self.drop = args, key, source, drop
        self.batch_size, self.embeddings, self.created = batch_size, embeddings, created
        self.components = components

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        # Made (once per worker process) when the worker's first task starts, even one with an
        # empty partition: one model per Python worker, whatever the data.
        model = _worker_model(self.key, self.args, self.created)
        kind, column = self.source
        for batch in batches:
            for k in range(0, batch.num_rows, self.batch_size):
                part = batch.slice(k, self.batch_size)
                values = part.column(part.schema.get_field_index(column)).to_pylist()
                if kind == "content":
                    items = [b"" if v is None else v for v in values]
                    r = model.score_files(items, embeddings=self.embeddings, batch_size=self.batch_size,
                                          components=self.components)
                else:
                    r = _score_paths(model, values, self.embeddings, self.batch_size, self.components)
                yield _output(pa, part, self.drop, r, model.embedding_size, self.embeddings)


def _score_paths(model: "serfiq.Model", values: list, embeddings: bool, batch_size: int,
                 components: bool = False) -> "serfiq.BatchResult":
    items, bad = [], {}
    for i, v in enumerate(values):
        try:
            items.append(_local_path(v) if v is not None else "")
        except ValueError as e:
            items.append("")
            bad[i] = str(e)
    r = model.score_files(items, embeddings=embeddings, batch_size=batch_size, components=components)
    if bad:
        status = serfiq._STATUS["SERFIQ_ERR_INVALID_IMAGE"]
        for i, message in bad.items():
            r.status[i] = status
            r.errors[i] = serfiq._error(message, status, i)
    return r


def _output(pa: Any, part: Any, drop: Optional[str], r: "serfiq.BatchResult", dim: int, embeddings: bool) -> Any:
    ok = r.status == 0
    bad = ~ok
    cols, names = [], []
    for name, col in zip(part.schema.names, part.columns):
        if name != drop:
            cols.append(col)
            names.append(name)
    faces = r.faces if r.faces is not None else np.full(len(ok), -1, np.int32)
    cols += [
        pa.array(r.s, pa.float32(), mask=bad),
        pa.array(r.q, pa.float32(), mask=bad),
        pa.array(r.n, pa.float32(), mask=bad),
        pa.array(r.f, pa.float32(), mask=bad),
        pa.array(r.q100, pa.float32(), mask=bad),
        pa.array(r.l, pa.float32(), mask=bad | np.isnan(r.l)),
        pa.array(faces, pa.int32(), mask=faces < 0),
    ]
    names += ["s", "q", "n", "f", "q100", "l", "faces"]
    if r.components is not None:
        cols += _component_columns(pa, r, ok)
        names += [n for n, _ in COMPONENT_COLUMNS]
    if embeddings:
        counts = np.where(ok, dim, 0).astype(np.int32)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        values = r.embeddings[ok].reshape(-1) if r.embeddings is not None else np.zeros(0, np.float32)
        cols.append(pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, pa.float32()), mask=pa.array(bad)))
        names.append("embedding")
    cols += [
        pa.array(r.status, pa.int32()),
        pa.array([None if e is None else str(e.message) for e in r.errors], pa.string()),
    ]
    names += ["status", "error"]
    return pa.RecordBatch.from_arrays(cols, names=names)


def _component_columns(pa: Any, r: "serfiq.BatchResult", ok: np.ndarray) -> list:
    """The components (assessed ones, name → value) and feedback (names) of each row; null where
    the image failed."""
    comps, feedback = [], []
    for i, good in enumerate(ok):
        c, f = r.components[i], r.feedback[i]
        if not good or c is None or f is None:
            comps.append(None)
            feedback.append(None)
            continue
        comps.append([(k.name, k.value) for k in c.values() if k.assessed])
        feedback.append([x.name for x in f])
    return [
        pa.array(comps, pa.map_(pa.string(), pa.float32())),
        pa.array(feedback, pa.list_(pa.string())),
    ]


def score_images(
    df: Any,
    *,
    content_col: str = "content",
    path_col: str = "path",
    model: Optional[str] = None,
    detector: Any = None,
    batch_size: int = 16,
    embeddings: bool = True,
    keep_content: bool = False,
    created: Any = None,
    components: bool = False,
    **options: Any,
) -> Any:
    """The DataFrame ``df`` with each image's quality, faces found, embedding and status.

    ``df`` holds the images as encoded bytes in ``content_col`` (Spark's ``binaryFile``
    source: columns path, modificationTime, length, content) or, without that column, as
    local paths or ``file:`` URIs in ``path_col`` (read by the workers). Every other column
    passes through; the bytes column is dropped unless ``keep_content``. Added columns
    (``OUTPUT_COLUMNS``): ``s``, ``q``, ``n``, ``f``, ``q100`` (float; q100 0–100), ``l`` (float, null without a quality network), ``faces`` (int: faces the
    detector found; null where it did not run, e.g. 112×112 aligned crops), ``embedding``
    (array<float>, unless ``embeddings=False``), ``status`` (int, the C API's status; 0 = OK)
    and ``error`` (the reason, null when OK); s, q, n, f, q100 and embedding are null where status
    is not 0. ``components=True`` (opt-in: it measures each face) adds ``COMPONENT_COLUMNS`` after
    ``faces``: ``components`` (map<string, float>: each assessed ISO/IEC 29794-5 component's 0–100
    value by name) and ``feedback`` (array<string>: the codes raised under the model's
    ``feedback_profile`` option), null where status is not 0.

    ``model``, ``detector`` and ``**options`` are ``serfiq.Model``'s (paths as the executors
    see them; default: the model and detector in the wheel). Each Python worker creates one
    model when it runs its first task and reuses it for every later batch and task;
    ``created``, a numeric Accumulator (``spark.sparkContext.accumulator(0)``), counts those
    creations. ``batch_size`` images (16, as ``serfiq score``) are decoded and scored per model call.
    """
    from pyspark.sql.types import StructField, StructType, _parse_datatype_string

    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    names = df.columns
    if content_col in names:
        source, drop = ("content", content_col), (None if keep_content else content_col)
    elif path_col in names:
        source, drop = ("path", path_col), None
    else:
        raise ValueError(f"the DataFrame has neither a {content_col!r} (image bytes) nor a {path_col!r} column")
    added = [(n, t) for n, t in OUTPUT_COLUMNS if embeddings or n != "embedding"]
    if components:
        at = [n for n, _ in added].index("faces") + 1
        added[at:at] = list(COMPONENT_COLUMNS)
    clash = [n for n, _ in added if n in names]
    if clash:
        raise ValueError(f"the DataFrame already has the column(s) {clash}; rename them first")
    fields = [f for f in df.schema.fields if f.name != drop]
    fields += [StructField(n, _parse_datatype_string(t), True) for n, t in added]
    args = {"model": None if model is None else os.fspath(model), "detector": detector, "options": dict(options)}
    key = repr(sorted((k, repr(v)) for k, v in args.items()))
    scorer = _Scorer(args, key, source, drop, batch_size, embeddings, created, components)
    return df.mapInArrow(scorer, StructType(fields))
