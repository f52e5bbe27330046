"""The camera loop: follow one face through a stream of frames, say what the person should
fix, and keep the best frame (``serfiq_capture_*`` in C).

    import cv2, serfiq
    from serfiq.capture import capture_frames

    capture = serfiq.capture.Capture(serfiq.Model())
    camera = cv2.VideoCapture(0)
    frames = iter(lambda: camera.read()[1], None)          # BGR arrays, as OpenCV gives them
    for frame in capture_frames(capture, frames, fps=30):
        print(frame.state, frame.feedback)                 # e.g. ADJUST ['MOVE_CLOSER']
        if frame.state == "CAPTURED":
            break
    best = capture.best()                                  # .crop, .face.quality.q100, ...

States: SEARCHING (no face), ADJUST (feedback to act on, or q100 under ``min_q100``),
HOLD_STILL (good, not yet steady), CAPTURED (good and steady for ``steady_frames`` frames or
``steady_ms`` ms). Options (keywords, defaults as in C): ``min_q100`` (50), ``steady_frames``
(5), ``steady_ms`` (0), ``max_motion`` (0.05), ``redetect_frames`` (15), ``redetect_ms`` (500),
``track_context`` (2), ``track_side`` (256), ``min_overlap`` (0.3), ``min_similarity`` (0.3),
``jump_similarity`` (0.75), ``blocking_feedback`` (all codes).

A Capture belongs to one thread at a time; many captures may share one Model.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, NamedTuple, Optional

import numpy as np

from . import Model, Quality, _native, _pixels

FEEDBACK_NAMES: List[str] = list(_native.Capture.feedback_names())
COMPONENT_NAMES: List[str] = list(_native.Capture.component_names())


def _feedback(bits: int) -> List[str]:
    return [name for k, name in enumerate(FEEDBACK_NAMES) if bits >> k & 1]


class TrackedFace(NamedTuple):
    """The face followed in a frame, in the frame's pixels."""

    track: int
    box: List[float]
    landmarks: List[float]
    confidence: float
    quality: Quality
    #: Component name → 0–100 value (components serfiq does not assess are left out).
    components: Dict[str, float]
    motion: float
    similarity: float
    overlap: float


class CaptureFrame(NamedTuple):
    index: int
    state: str
    feedback: List[str]
    face: Optional[TrackedFace]
    is_best: bool
    new_track: bool
    full_search: bool


class BestFrame(NamedTuple):
    index: int
    timestamp_ms: int
    state: str
    feedback: List[str]
    face: TrackedFace
    #: The aligned crop, H×W×3 RGB, as ``Model.aligned_crop`` gives it.
    crop: np.ndarray
    embedding: np.ndarray


def _face(d: Dict[str, Any]) -> TrackedFace:
    components = {n: v for n, v in zip(COMPONENT_NAMES, d["value"]) if v == v}
    return TrackedFace(
        d["track"], d["box"], d["landmarks"], d["confidence"], Quality(*d["quality"]), components,
        d["motion"], d["similarity"], d["overlap"],
    )


class Capture:
    """A camera loop over ``model`` (which needs its face detector)."""

    def __init__(self, model: Model, **options: Any) -> None:
        self._c = _native.Capture(model._m, options)

    def push(self, frame: Any, timestamp_ms: int, *, format: Optional[str] = None) -> CaptureFrame:
        """Takes the next frame (a numpy array: BGR by default, as OpenCV gives it) taken at
        ``timestamp_ms`` (never earlier than the last one's)."""
        arr, fmt = _pixels(frame, format)
        d = self._c.push(arr, fmt, int(timestamp_ms))
        face = None if d["face"] is None else _face(d["face"])
        return CaptureFrame(
            d["index"], d["state"], _feedback(d["feedback"]), face, d["is_best"], d["new_track"], d["full_search"]
        )

    def best(self) -> Optional[BestFrame]:
        """The best frame of the current track, or None before a face was followed."""
        d = self._c.best()
        if d is None:
            return None
        w, h = d["crop_size"]
        crop = np.frombuffer(d["crop"], np.uint8).reshape(h, w, 3).copy()
        return BestFrame(
            d["index"], d["timestamp_ms"], d["state"], _feedback(d["feedback"]), _face(d["face"]), crop,
            np.asarray(d["embedding"], np.float32),
        )

    def reset(self) -> None:
        """Forgets every frame, the track and the best frame."""
        self._c.reset()


def capture_frames(
    capture: Capture, frames: Iterable[Any], *, fps: float = 30.0, format: Optional[str] = None
) -> Iterator[CaptureFrame]:
    """Pushes each frame of ``frames`` (numpy arrays, e.g. from ``cv2.VideoCapture.read()``; BGR
    unless ``format`` says otherwise) into ``capture``, timestamped at ``fps``, and yields what
    it found. Stops at the end of ``frames`` or at the first None; ``capture.best()`` then has
    the best frame."""
    for k, frame in enumerate(frames):
        if frame is None:
            return
        yield capture.push(frame, round(k * 1000.0 / fps), format=format)
