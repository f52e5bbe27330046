"""serfiq: SER-FIQ face image quality (Terhörst et al., CVPR 2020) in your own process.

    import cv2, serfiq
    model = serfiq.Model()                      # the default model and face detector, shipped in the wheel
    q = model.score(cv2.imread("photo.jpg"))    # the face the detector picks; BGR as OpenCV reads it
    print(q.s, q.q, q.q100)

A thin layer over the Rust core (the same one behind libserfiq's C API): every
inference runs with the GIL released, one `Model` may be shared by threads,
and every failure is a `serfiq.Error` carrying the C API's status number.

Images are numpy ``uint8`` arrays: H×W×3 BGR (OpenCV's order; pass
``format="rgb"`` for RGB), H×W×4 BGRA (or ``"rgba"``), H×W gray, with any
strides (views and crops are read in place), or PIL images. Without landmarks,
an image at the model's input size (112×112) is taken as an aligned face crop
and any other image is searched by the face detector, whose face policy picks
the face; with five landmarks (x, y of left eye, right eye, nose tip, left and
right mouth corner), the face is aligned by them.
"""

from __future__ import annotations

import atexit
import glob
import importlib.util
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from . import _native

__all__ = [
    "Model",
    "Quality",
    "Detection",
    "DetectedFace",
    "BatchResult",
    "Component",
    "Feedback",
    "Assessment",
    "COMPONENTS",
    "FEEDBACK",
    "Error",
    "InvalidArgumentError",
    "InvalidImageError",
    "InvalidLandmarksError",
    "ModelNotFoundError",
    "RuntimeNotFoundError",
    "NoFaceError",
    "GpuUnavailableError",
    "ForkedError",
    "STATUS_NAMES",
    "DEFAULT_MODEL",
    "DEFAULT_DETECTOR",
    "DEFAULT_QUALITY_NET",
    "MAX_FACES",
    "onnxruntime_library",
    "live_models",
    "models_created",
    "__version__",
]

__version__ = "0.1.0"
#: The core library's version string (with the ONNX Runtime API it targets).
VERSION: str = _native.VERSION
#: Status number → C name (``SERFIQ_OK``, ``SERFIQ_ERR_NO_FACE``, ...), as in ``serfiq.h``.
STATUS_NAMES: Dict[int, str] = dict(_native.STATUS_NAMES)
#: Most faces one image gives (``SERFIQ_MAX_FACES``).
MAX_FACES: int = _native.MAX_FACES
_STATUS = {name: code for code, name in STATUS_NAMES.items()}
#: Every ISO/IEC 29794-5 component the library defines, by id: (name, unit of its raw value).
COMPONENTS: Tuple[Tuple[str, str], ...] = tuple(tuple(c) for c in _native.COMPONENTS)
#: Every feedback code, by code (its bit in a feedback set): (name, short English message).
FEEDBACK: Tuple[Tuple[str, str], ...] = tuple(tuple(f) for f in _native.FEEDBACK)

#: Seconds the exit hook waits for serfiq calls still running on other threads.
EXIT_WAIT_SECONDS = 120.0
# CPython before 3.14 ends daemon threads with pthread_exit when they take the GIL back during
# finalisation; one inside serfiq then would abort the process. At exit, new calls are refused
# and the ones in flight are waited for.
atexit.register(lambda: _native.wait_for_calls(EXIT_WAIT_SECONDS))

_HERE = os.path.dirname(os.path.abspath(__file__))
#: The recognition model shipped in the wheel (MobileFaceNet, 112×112, 512-d; MIT, see models/).
DEFAULT_MODEL: str = os.path.join(_HERE, "models", "fr_feature.onnx")
#: The face detector shipped in the wheel (RetinaFace mobilenet-0.25, 5 landmarks; MIT, see models/).
DEFAULT_DETECTOR: str = os.path.join(_HERE, "models", "retinaface_mnet025.onnx")
#: The second quality network shipped in the wheel (LightQNet; MIT, see models/), fused into f.
DEFAULT_QUALITY_NET: str = os.path.join(_HERE, "models", "lightqnet-dm025.onnx")


# ---------------------------------------------------------------------------------------------
# Errors


class Error(Exception):
    """A serfiq failure. ``status`` is the C API's status number (``serfiq_status``),
    ``status_name`` its C name, ``image`` the index of the failing image in a batch (else None),
    ``message`` the reason; ``str(error)`` is "image N: reason" in a batch, as in C."""

    def __init__(self, message: str, status: int, image: Optional[int] = None) -> None:
        super().__init__(message if image is None else f"image {image}: {message}")
        self.message = message
        self.status = int(status)
        self.image = image

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, "SERFIQ_ERR_UNKNOWN")

    def __reduce__(self):  # picklable, e.g. across Spark's processes
        return (type(self), (self.message, self.status, self.image))


class InvalidArgumentError(Error, ValueError):
    """An option or argument is out of range (``SERFIQ_ERR_INVALID_ARGUMENT``)."""


class InvalidImageError(Error, ValueError):
    """The image is unusable: empty, too large, undecodable, or not an aligned crop when there
    are no landmarks and no detector (``SERFIQ_ERR_INVALID_IMAGE``)."""


class InvalidLandmarksError(Error, ValueError):
    """Landmarks are NaN, infinite, outside the image or degenerate (``SERFIQ_ERR_INVALID_LANDMARKS``)."""


class ModelNotFoundError(Error):
    """The model or detector file could not be read (``SERFIQ_ERR_MODEL_NOT_FOUND``)."""


class RuntimeNotFoundError(Error):
    """ONNX Runtime could not be loaded (``SERFIQ_ERR_RUNTIME_NOT_FOUND``)."""


class NoFaceError(Error):
    """The detector found no usable face in the image (``SERFIQ_ERR_NO_FACE``)."""


class GpuUnavailableError(Error):
    """The CUDA execution provider could not be used (``SERFIQ_ERR_GPU_UNAVAILABLE``)."""


class ForkedError(Error):
    """The model was created in another process (this one was forked from it): create models
    after fork(), in the process that uses them (``SERFIQ_ERR_FORKED``)."""


_CLASSES = {
    _STATUS[name]: cls
    for name, cls in [
        ("SERFIQ_ERR_INVALID_ARGUMENT", InvalidArgumentError),
        ("SERFIQ_ERR_INVALID_IMAGE", InvalidImageError),
        ("SERFIQ_ERR_INVALID_LANDMARKS", InvalidLandmarksError),
        ("SERFIQ_ERR_MODEL_NOT_FOUND", ModelNotFoundError),
        ("SERFIQ_ERR_RUNTIME_NOT_FOUND", RuntimeNotFoundError),
        ("SERFIQ_ERR_NO_FACE", NoFaceError),
        ("SERFIQ_ERR_GPU_UNAVAILABLE", GpuUnavailableError),
        ("SERFIQ_ERR_FORKED", ForkedError),
    ]
    if name in _STATUS
}
_native._set_error_classes(Error, _CLASSES)


def _error(message: str, status: int, image: Optional[int]) -> Error:
    return _CLASSES.get(status, Error)(message, status, image)


# ---------------------------------------------------------------------------------------------
# Results


class Quality(NamedTuple):
    """``s``: the raw SER-FIQ score in (0, 1] (higher is better); ``q``: s mapped by
    q = 1 / (1 + exp(−α (s − r))) into (0, 1); ``n``: the L2 norm of the embedding layer's
    output (unmasked, before any normalisation); ``f``: the fused quality ½·(ŝ + n̂) with the
    model's calibration percentiles (about 0 for a typical image); ``q100``: the percentile
    (0–100) of the image's quality (f or s, the ``q100_quality`` option) in the model's
    calibration sample, so "reject below 10" rejects what scores below its worst 10 %;
    ``l``: the second quality network's value (higher is better; NaN without one), which f
    then fuses too."""

    s: float
    q: float
    n: float
    f: float
    q100: float
    l: float = float("nan")


class Detection(NamedTuple):
    """A face found by the detector, in the image's pixel coordinates: ``box`` (x0, y0, x1, y1)
    float32 (4,), ``landmarks`` float32 (5, 2) (left eye, right eye, nose tip, left and right
    mouth corner), ``confidence`` in (threshold, 1]."""

    box: np.ndarray
    landmarks: np.ndarray
    confidence: float


class DetectedFace(NamedTuple):
    """One face of ``Model.detect``: where it is, its quality and (when asked) its embedding."""

    box: np.ndarray
    landmarks: np.ndarray
    confidence: float
    s: float
    q: float
    n: float
    f: float
    q100: float
    embedding: Optional[np.ndarray]
    l: float = float("nan")

    @property
    def quality(self) -> Quality:
        return Quality(self.s, self.q, self.n, self.f, self.q100, self.l)


@dataclass(frozen=True)
class Component:
    """One ISO/IEC 29794-5 quality component of a face: ``raw`` in ``unit``, ``value`` 0–100
    (higher is better); both NaN when serfiq does not assess it."""

    id: int
    name: str
    unit: str
    raw: float
    value: float

    @property
    def assessed(self) -> bool:
        return not math.isnan(self.value)


@dataclass(frozen=True)
class Feedback:
    """A feedback code the person in front of the camera can act on: ``code`` (its bit in
    ``Assessment.feedback_bits``), ``name`` ("TOO_DARK") and a short English ``message``."""

    code: int
    name: str
    message: str


@dataclass(frozen=True)
class Assessment:
    """A face with its quality, components and feedback (``Model.assess``,
    ``Model.detect_assess``). ``components`` holds every component the library defines, by
    name; ``feedback`` the codes raised, in code order; ``detection`` is the detector's face
    (None for a face given by landmarks or as an aligned crop); ``box`` (x0, y0, x1, y1) is the
    detector's box, else the aligned crop's extent in the image; ``landmarks`` (5, 2) are the
    points the components were measured from."""

    quality: Quality
    detection: Optional["Detection"]
    box: np.ndarray
    landmarks: np.ndarray
    components: Dict[str, Component] = field(repr=False)
    feedback: List[Feedback]
    feedback_bits: int

    def has(self, name: str) -> bool:
        """Whether feedback ``name`` ("TOO_DARK") was raised."""
        return any(f.name == name for f in self.feedback)


def _components(raw: Sequence[float], value: Sequence[float]) -> Dict[str, Component]:
    return {
        name: Component(i, name, unit, float(raw[i]), float(value[i])) for i, (name, unit) in enumerate(COMPONENTS)
    }


def _feedback(bits: int) -> List[Feedback]:
    return [Feedback(code, name, message) for code, (name, message) in enumerate(FEEDBACK) if bits >> code & 1]


def _assessment(t) -> Assessment:
    s, q, n, f, q100, l, det, box, lm, bits, raw, value = t
    return Assessment(
        Quality(s, q, n, f, q100, l),
        _detection(det),
        np.asarray(box, np.float32),
        np.asarray(lm, np.float32).reshape(5, 2),
        _components(raw, value),
        _feedback(bits),
        int(bits),
    )


class BatchResult(NamedTuple):
    """Per-image results of a batch, in input order. Arrays have one entry per image; where an
    image failed, ``s``/``q``/``n``/``f``/``q100``/embedding rows are NaN, ``status`` is its status
    number and ``errors`` holds the exception it would have raised."""

    s: np.ndarray  # float32 (N,)
    q: np.ndarray  # float32 (N,)
    n: np.ndarray  # float32 (N,)
    f: np.ndarray  # float32 (N,)
    q100: np.ndarray  # float32 (N,), 0-100
    embeddings: Optional[np.ndarray]  # float32 (N, D), None unless asked for
    status: np.ndarray  # int32 (N,), 0 = OK
    errors: List[Optional[Error]]
    detections: List[Optional[Detection]]  # the face the detector found and the model scored
    faces: Optional[np.ndarray]  # int32 (N,): faces found (-1: the detector did not run); score_files only
    # score_files(components=True) only, else None: per image its components by name and the
    # feedback raised (None where the image failed).
    components: Optional[List[Optional[Dict[str, Component]]]] = None
    feedback: Optional[List[Optional[List[Feedback]]]] = None
    l: Optional[np.ndarray] = None  # float32 (N,): the second quality network's value (NaN without one)

    @property
    def ok(self) -> np.ndarray:
        """Boolean (N,): which images were scored."""
        return self.status == 0

    def __repr__(self) -> str:
        return f"BatchResult({len(self.s)} images, {int(self.ok.sum())} ok)"


def _concat(parts: List[BatchResult], dim: int, embeddings: bool) -> BatchResult:
    """One result of several batches'."""
    cat = lambda name, dtype: np.concatenate([getattr(p, name) for p in parts]) if parts else np.zeros(0, dtype)
    return BatchResult(
        s=cat("s", np.float32),
        q=cat("q", np.float32),
        n=cat("n", np.float32),
        f=cat("f", np.float32),
        q100=cat("q100", np.float32),
        embeddings=(np.concatenate([p.embeddings for p in parts]) if parts else np.zeros((0, dim), np.float32))
        if embeddings
        else None,
        status=cat("status", np.int32),
        errors=[e for p in parts for e in p.errors],
        detections=[d for p in parts for d in p.detections],
        faces=cat("faces", np.int32),
        components=[c for p in parts for c in p.components] if parts and parts[0].components is not None else None,
        feedback=[c for p in parts for c in p.feedback] if parts and parts[0].feedback is not None else None,
        l=cat("l", np.float32),
    )


def _detection(t) -> Optional[Detection]:
    if t is None:
        return None
    box, lm, conf = t
    return Detection(np.asarray(box, np.float32), np.asarray(lm, np.float32).reshape(5, 2), float(conf))


def _rows(t, dim: int, with_faces: bool, first: int = 0) -> BatchResult:
    s, q, norm, f, q100, emb, status, messages, detections, faces, assessed, l = t
    status = np.frombuffer(status, np.int32).copy()
    count = len(status)
    f32 = lambda b: np.frombuffer(b, np.float32).copy()
    components = feedback = None
    if assessed is not None:
        bits, raw, value = assessed
        raw, value = (np.frombuffer(a, np.float32).reshape(count, len(COMPONENTS)) for a in (raw, value))
        components = [None if b is None else _components(raw[i], value[i]) for i, b in enumerate(bits)]
        feedback = [None if b is None else _feedback(b) for b in bits]
    return BatchResult(
        s=f32(s),
        q=f32(q),
        n=f32(norm),
        f=f32(f),
        q100=f32(q100),
        embeddings=None if emb is None else np.frombuffer(emb, np.float32).reshape(count, dim).copy(),
        status=status,
        errors=[None if m is None else _error(m, int(st), first + i) for i, (m, st) in enumerate(zip(messages, status))],
        detections=[_detection(d) for d in detections],
        faces=np.frombuffer(faces, np.int32).copy() if with_faces else None,
        components=components,
        feedback=feedback,
        l=f32(l),
    )


# ---------------------------------------------------------------------------------------------
# Images and landmarks: checked here (TypeError / ValueError) before any native call.

_FORMATS = {"bgr": 3, "rgb": 3, "bgra": 4, "rgba": 4, "gray": 1}
Image = Any  # numpy.ndarray (uint8) or PIL.Image.Image


def _is_pil(image: Any) -> bool:
    pil = sys.modules.get("PIL.Image")
    return pil is not None and isinstance(image, pil.Image)


def _pixels(image: Any, format: Optional[str]) -> Tuple[np.ndarray, str]:
    """(array, pixel format) of an image; raises TypeError/ValueError for what cannot be one."""
    if _is_pil(image):
        if format is not None:
            raise ValueError("format applies to numpy arrays; a PIL image carries its own mode")
        mode = image.mode
        if mode in ("RGB", "RGBA", "L"):
            arr = np.asarray(image)
        elif mode in ("1", "I;16", "I;16B", "I;16L", "I", "F"):
            arr, mode = np.asarray(image.convert("L")), "L"
        elif "A" in mode or "a" in mode or mode == "P" and "transparency" in image.info:
            arr, mode = np.asarray(image.convert("RGBA")), "RGBA"
        else:
            arr, mode = np.asarray(image.convert("RGB")), "RGB"
        return arr, {"RGB": "rgb", "RGBA": "rgba", "L": "gray"}[mode]
    if not isinstance(image, np.ndarray):
        raise TypeError(f"an image must be a numpy uint8 array or a PIL image, not {type(image).__name__}")
    if image.dtype != np.uint8:
        raise TypeError(f"an image array must have dtype uint8, not {image.dtype}")
    if image.ndim == 2:
        channels = 1
    elif image.ndim == 3:
        channels = image.shape[2]
    else:
        raise ValueError(f"an image array must be H×W, H×W×3 or H×W×4, got {image.ndim} dimensions {image.shape}")
    if channels not in (1, 3, 4):
        raise ValueError(f"an image array must have 1, 3 or 4 channels, got shape {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"the image is empty: shape {image.shape}")
    if format is None:
        format = {1: "gray", 3: "bgr", 4: "bgra"}[channels]
    if not isinstance(format, str):
        raise TypeError(f"format must be a str (one of {sorted(_FORMATS)}), not {type(format).__name__}")
    fmt = format.lower()
    if fmt not in _FORMATS:
        raise ValueError(f"format must be one of {sorted(_FORMATS)}, got {format!r}")
    if _FORMATS[fmt] != channels:
        raise ValueError(f"a {fmt} image has {_FORMATS[fmt]} channels, but the array has shape {image.shape}")
    if image.ndim == 3 and channels == 1:
        image = image[:, :, 0]
    return image, fmt


def _landmarks(landmarks: Any) -> Optional[List[float]]:
    """Five (x, y) points, as 10 floats; None passes through."""
    if landmarks is None:
        return None
    try:
        arr = np.asarray(landmarks, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"landmarks must be five (x, y) points: {e}") from None
    if arr.size != 10 or arr.shape not in ((5, 2), (10,)):
        raise ValueError(f"landmarks must be five (x, y) points, shape (5, 2) or (10,), got shape {arr.shape}")
    return [float(v) for v in arr.reshape(10)]


def _batch(images: Any, format: Optional[str]) -> Tuple[List[np.ndarray], List[str]]:
    if isinstance(images, np.ndarray):
        if images.ndim != 4:
            raise ValueError(
                f"a batch array must be N×H×W×C (C = 1, 3 or 4), got shape {images.shape}; score one image with score()"
            )
        images = list(images)  # views, no copy
    elif _is_pil(images) or not isinstance(images, (list, tuple)):
        raise TypeError("images must be a list or tuple of images, or an N×H×W×C uint8 array")
    arrays, formats = [], []
    for i, im in enumerate(images):
        try:
            a, f = _pixels(im, format)
        except (TypeError, ValueError) as e:
            raise type(e)(f"image {i}: {e}") from None
        arrays.append(a)
        formats.append(f)
    return arrays, formats


def _batch_landmarks(landmarks: Any, n: int) -> Optional[List[Optional[List[float]]]]:
    if landmarks is None:
        return None
    if len(landmarks) != n:
        raise ValueError(f"{n} images but {len(landmarks)} landmark entries")
    return [_landmarks(lm) for lm in landmarks]


# ---------------------------------------------------------------------------------------------
# ONNX Runtime


def onnxruntime_library() -> Optional[str]:
    """The ``libonnxruntime.so`` of the installed ``onnxruntime`` package (a dependency of
    serfiq's wheel), found without importing it; None when it is not installed."""
    try:
        spec = importlib.util.find_spec("onnxruntime")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        found = sorted(glob.glob(os.path.join(folder, "capi", "libonnxruntime.so*")), key=len)
        if found:
            return found[-1]  # the versioned file, libonnxruntime.so.1.31.1
    return None


def live_models() -> int:
    """Models created in this process and not yet closed or freed."""
    return _native.live_models()


def models_created() -> int:
    """Models created in this process so far."""
    return _native.models_created()


Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]


def _source(src: Any, what: str) -> Union[str, bytes]:
    if isinstance(src, (bytes, bytearray, memoryview)):
        return bytes(src)
    try:
        return os.fspath(src)
    except TypeError:
        raise TypeError(f"{what} must be a path (str or os.PathLike) or bytes, not {type(src).__name__}") from None


# ---------------------------------------------------------------------------------------------
# The model


class Model:
    """A face-recognition model with SER-FIQ quality, and a face detector.

    ``Model()`` uses the recognition model and detector shipped in the wheel and ONNX Runtime
    from the ``onnxruntime`` package. ``model``/``detector`` take a path or the ONNX bytes;
    ``detector=False`` makes a model without a detector (images must then be aligned crops or
    come with landmarks). Every option of serfiq (``serfiq_options`` in C) is a keyword:

    ``samples`` (T, default 100), ``dropout`` (p, 0.5), ``seed`` (0), ``alpha``/``r`` (the
    q mapping; default: the model's calibration, else 118 / 0.576), ``channel_order``
    ("rgb"/"bgr": what the model takes), ``mean``/``std`` (its normalisation, a float or 3),
    ``embedding_layer``, ``intra_op_threads`` (1), ``max_sessions`` (0: one per CPU),
    ``optimization_level`` (1–3), ``model_sha256``, ``detector_sha256``, ``max_model_bytes``,
    ``face_policy`` ("largest"/"most_central"), ``detector_threshold`` (0.9),
    ``execution_provider`` ("cpu"/"cuda"), ``device_id``, ``gpu_fallback``,
    ``cuda_library_path``, ``ort_library_path``, ``search_paths``
    ("default"/"explicit_only"), ``input_mode`` ("auto": an image of exactly the input size
    is an aligned crop, even a photo of that size, any other a photo; "crop": always an aligned
    crop, another size raises InvalidImageError; "photo": always searched by the detector) and
    ``detector_max_side`` (640: longer photos are shrunk for detection only, the face is
    aligned from full-resolution pixels; 32–32768, 32768 turns it off; 0 = the default) and
    ``feedback_profile`` (the thresholds of ``assess``'s feedback: "enrolment", strict ICAO/ISO,
    the default, or "live", tolerant, optionally followed by ";key=value" overrides, e.g.
    "live;max_yaw=20"; bad text raises InvalidArgumentError).

    ``quality_net`` is the second quality network (a path or ONNX bytes), fused into f; by
    default the LightQNet shipped in the wheel, ``quality_net=None`` turns it off (l is then
    NaN and f is s and n's alone). ``quality_net_sha256`` pins it, ``quality_net_spec`` gives
    its input ("side=96;layout=nhwc;channels=rgb;mean=128;std=128"; default: its metadata).

    ONNX Runtime comes from ``ort_library_path`` when given, else ``$SERFIQ_ORT_LIB``, else
    the ``onnxruntime`` package's ``libonnxruntime.so``, else serfiq's own search. With
    ``search_paths="explicit_only"`` only ``ort_library_path`` is used.

    Thread safety: every method may be called from many threads at once; the GIL is released
    while serfiq works. ``close()`` (or ``with Model() as m:``) frees the model at once (after
    calls in flight end); later calls raise ``ValueError``. Models are not fork-safe: create
    them in the process that uses them.
    """

    def __init__(self, model: Optional[Source] = None, detector: Union[Source, None, bool] = None, **options: Any) -> None:
        model = _source(DEFAULT_MODEL if model is None else model, "model")
        if detector is None or detector is True:
            detector = DEFAULT_DETECTOR
        detector = None if detector is False else _source(detector, "detector")
        if "quality_net" not in options:
            options["quality_net"] = DEFAULT_QUALITY_NET
        if options["quality_net"] is not None:
            options["quality_net"] = _source(options["quality_net"], "quality_net")
        if (
            options.get("ort_library_path") is None
            and options.get("search_paths", "default") == "default"
            and not os.environ.get(_native.ORT_LIBRARY_ENV)
        ):
            lib = onnxruntime_library()
            if lib is not None:
                options["ort_library_path"] = lib
        for key in ("ort_library_path", "cuda_library_path"):
            if options.get(key) is not None:
                options[key] = os.fspath(options[key])
        self._m = _native.Model(model, detector, options)
        info = self._m.info()
        self._dim: int = info["embedding_size"]

    # -- life cycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Frees the model once calls in flight have ended; idempotent."""
        self._m.close()

    @property
    def closed(self) -> bool:
        return self._m.closed

    def __enter__(self) -> "Model":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        if self.closed:
            return "<serfiq.Model (closed)>"
        i = self._m.info()
        return (
            f"<serfiq.Model {i['options']['model'] or '(bytes)'} {i['input_size'][0]}x{i['input_size'][1]}, "
            f"{i['embedding_size']}-d, {i['provider']}, detector {'yes' if i['has_detector'] else 'no'}>"
        )

    # -- what the model is -----------------------------------------------------------------------

    @property
    def info(self) -> Dict[str, Any]:
        """Everything below in one dict (plus the model's input/output names and embedding layer)."""
        return self._m.info()

    @property
    def options(self) -> Dict[str, Any]:
        """The options the model was made with, under the keyword names; models given as bytes
        show None, ``alpha``/``r`` are the values in use."""
        return self._m.info()["options"]

    @property
    def embedding_size(self) -> int:
        return self._dim

    @property
    def input_size(self) -> Tuple[int, int]:
        """(width, height) of an aligned face crop."""
        return tuple(self._m.info()["input_size"])  # type: ignore[return-value]

    @property
    def provider(self) -> str:
        """Where inferences run: "cpu" or "cuda" ("cpu" after a GPU fallback)."""
        return self._m.info()["provider"]

    @property
    def gpu_fallback_reason(self) -> Optional[str]:
        return self._m.info()["gpu_fallback_reason"]

    @property
    def runtime_path(self) -> str:
        """The ONNX Runtime library in use."""
        return self._m.info()["runtime_path"]

    @property
    def alpha(self) -> float:
        return self._m.info()["alpha"]

    @property
    def r(self) -> float:
        return self._m.info()["r"]

    @property
    def calibration_source(self) -> str:
        """Where alpha and r came from: "options", "model" (its metadata) or "default"."""
        return self._m.info()["calibration_source"]

    @property
    def has_detector(self) -> bool:
        return self._m.info()["has_detector"]

    # -- one image -------------------------------------------------------------------------------

    def score(self, image: Image, landmarks: Any = None, *, format: Optional[str] = None) -> Quality:
        """The quality of the face in ``image``. Raises NoFaceError, InvalidImageError,
        InvalidLandmarksError (all serfiq.Error)."""
        arr, fmt = _pixels(image, format)
        s, q, n, f, q100, _, l = self._m.one(arr, fmt, _landmarks(landmarks), "score")
        return Quality(s, q, n, f, q100, l)

    def embed(self, image: Image, landmarks: Any = None, *, format: Optional[str] = None) -> np.ndarray:
        """The face's embedding: float32 (embedding_size,), the model's own output."""
        arr, fmt = _pixels(image, format)
        *_, emb, _ = self._m.one(arr, fmt, _landmarks(landmarks), "embedding")
        return np.frombuffer(emb, np.float32).copy()

    def score_embed(self, image: Image, landmarks: Any = None, *, format: Optional[str] = None) -> Tuple[Quality, np.ndarray]:
        """Quality and embedding from one inference."""
        arr, fmt = _pixels(image, format)
        s, q, n, f, q100, emb, l = self._m.one(arr, fmt, _landmarks(landmarks), "both")
        return Quality(s, q, n, f, q100, l), np.frombuffer(emb, np.float32).copy()

    def detect(self, image: Image, *, format: Optional[str] = None, embeddings: bool = True) -> List[DetectedFace]:
        """Every face in a photo, the one the face policy picks first: box, landmarks,
        confidence, s, q and (unless ``embeddings=False``) the embedding. No face: []."""
        arr, fmt = _pixels(image, format)
        out = []
        for box, lm, conf, s, q, n, f, q100, emb, l in self._m.detect(arr, fmt, embeddings):
            out.append(
                DetectedFace(
                    np.asarray(box, np.float32),
                    np.asarray(lm, np.float32).reshape(5, 2),
                    float(conf),
                    s,
                    q,
                    n,
                    f,
                    q100,
                    None if emb is None else np.frombuffer(emb, np.float32).copy(),
                    l,
                )
            )
        return out

    def assess(self, image: Image, landmarks: Any = None, *, format: Optional[str] = None) -> Assessment:
        """The face ``score`` would take, with its quality, ISO/IEC 29794-5 components and the
        feedback raised under the model's ``feedback_profile``. Raises as ``score`` does."""
        arr, fmt = _pixels(image, format)
        return _assessment(self._m.assess(arr, fmt, _landmarks(landmarks)))

    def detect_assess(self, image: Image, *, format: Optional[str] = None) -> List[Assessment]:
        """Every face in a photo, as ``detect`` orders them, each assessed. No face: []."""
        arr, fmt = _pixels(image, format)
        return [_assessment(t) for t in self._m.detect_assess(arr, fmt)]

    def aligned_crop(
        self, image: Image, landmarks: Any = None, *, format: Optional[str] = None, output: str = "bgr"
    ) -> np.ndarray:
        """The face as the model sees it: uint8 H×W×3 at the model's input size, in ``output``
        order ("bgr", for cv2.imwrite, or "rgb")."""
        if output not in ("bgr", "rgb"):
            raise ValueError(f"output must be 'bgr' or 'rgb', got {output!r}")
        arr, fmt = _pixels(image, format)
        w, h, data, _ = self._m.aligned_crop(arr, fmt, _landmarks(landmarks), output == "bgr")
        return np.frombuffer(data, np.uint8).reshape(h, w, 3).copy()

    # -- batches ---------------------------------------------------------------------------------

    def score_batch(
        self,
        images: Union[Sequence[Image], np.ndarray],
        landmarks: Optional[Sequence[Any]] = None,
        *,
        format: Optional[str] = None,
        embeddings: bool = False,
        errors: str = "raise",
    ) -> BatchResult:
        """Scores N images (a list, or an N×H×W×C array) in batched inferences.

        ``errors="raise"``: all or nothing, the first bad image raises its serfiq.Error (its
        index in ``.image``). ``errors="return"``: every image on its own; a bad image gets its
        status and error in the result and the others their scores. ``embeddings=True`` adds
        the N×D embeddings from the same inferences."""
        return self._batch(images, landmarks, format, "both" if embeddings else "score", errors)

    def embed_batch(
        self,
        images: Union[Sequence[Image], np.ndarray],
        landmarks: Optional[Sequence[Any]] = None,
        *,
        format: Optional[str] = None,
        errors: str = "raise",
    ) -> BatchResult:
        """The embeddings (N×D) of N images, without the quality head (``s``/``q`` are NaN)."""
        return self._batch(images, landmarks, format, "embedding", errors)

    def _batch(self, images: Any, landmarks: Any, format: Optional[str], want: str, errors: str) -> BatchResult:
        if errors not in ("raise", "return"):
            raise ValueError(f"errors must be 'raise' or 'return', got {errors!r}")
        arrays, formats = _batch(images, format)
        lms = _batch_landmarks(landmarks, len(arrays))
        return _rows(self._m.batch(arrays, formats, lms, want, errors == "return"), self._dim, False)

    def score_files(
        self,
        items: Iterable[Union[str, "os.PathLike[str]", bytes]],
        landmarks: Optional[Sequence[Any]] = None,
        *,
        embeddings: bool = False,
        count_faces: bool = True,
        batch_size: int = 16,
        components: bool = False,
    ) -> BatchResult:
        """Scores encoded images (JPEG, PNG, PPM), given as file paths or their bytes, each on its
        own, decoded exactly as ``serfiq score`` decodes them (so the scores equal the CLI's).
        An unreadable or undecodable image gets InvalidImageError in the result. ``faces``
        counts the faces the detector found in each photo (-1 where it did not run). Images are
        decoded and scored ``batch_size`` at a time, which bounds memory. ``components=True``
        assesses each image as ``assess`` does and fills ``components`` and ``feedback``."""
        items = [i if isinstance(i, (bytes, bytearray)) else os.fspath(i) for i in items]
        lms = _batch_landmarks(landmarks, len(items))
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        want = "both" if embeddings else "score"
        parts = [
            _rows(
                self._m.encoded(
                    items[k : k + batch_size],
                    None if lms is None else lms[k : k + batch_size],
                    want,
                    count_faces,
                    k,
                    components,
                ),
                self._dim,
                True,
                k,
            )
            for k in range(0, len(items), batch_size)
        ]
        return _concat(parts, self._dim, embeddings)
