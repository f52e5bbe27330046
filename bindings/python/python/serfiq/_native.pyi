"""Type hints of serfiq._native, the extension module under the `serfiq` package.

Not an API of its own: `serfiq.Model` checks every argument (dtype, shape, format) and shapes
every result; these are the calls it makes. Arrays travel as bytes (native-endian float32,
int32, uint8) and images as numpy arrays read through ``__array_interface__``.
"""

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

VERSION: str
MAX_BATCH: int
DEFAULT_ALPHA: float
DEFAULT_R: float
ORT_LIBRARY_ENV: str
STATUS_NAMES: Dict[int, str]
COMPONENTS: List[Tuple[str, str]]  # by id: (name, unit)
FEEDBACK: List[Tuple[str, str]]  # by code: (name, message)

_Detection = Tuple[List[float], List[float], float]
# (feedback bits per image (None: failed), raw float32 bytes, value float32 bytes), N x len(COMPONENTS)
_RowComponents = Tuple[List[Optional[int]], bytes, bytes]
# (s, q, n, f, q100, embeddings | None, status, messages, detections, faces, components | None)
_Rows = Tuple[
    bytes,
    bytes,
    bytes,
    bytes,
    bytes,
    Optional[bytes],
    bytes,
    List[Optional[str]],
    List[Optional[_Detection]],
    bytes,
    Optional[_RowComponents],
]
# (s, q, n, f, q100, detection | None, box (4), landmarks (10), feedback bits, raw, value), raw/value by id
_Assessed = Tuple[
    float, float, float, float, float, Optional[_Detection], List[float], List[float], int, List[float], List[float]
]

def _set_error_classes(base: type, by_status: Dict[int, type]) -> None: ...
def live_models() -> int: ...
def models_created() -> int: ...
def shown_path(path: str) -> Tuple[str, str, str]: ...
def shown_text(text: str) -> str: ...
def wait_for_calls(timeout_s: float) -> bool: ...

class Model:
    def __init__(self, model: Union[str, bytes], detector: Optional[Union[str, bytes]], options: Dict[str, Any]) -> None: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def info(self) -> Dict[str, Any]: ...
    def one(
        self, image: np.ndarray, format: str, landmarks: Optional[Sequence[float]], want: str
    ) -> Tuple[float, float, float, float, float, Optional[bytes]]: ...
    def batch(
        self,
        images: List[np.ndarray],
        formats: List[str],
        landmarks: Optional[List[Optional[Sequence[float]]]],
        want: str,
        each: bool,
    ) -> _Rows: ...
    def encoded(
        self,
        items: List[Union[str, bytes]],
        landmarks: Optional[List[Optional[Sequence[float]]]],
        want: str,
        count_faces: bool,
        first: int,
        assess: bool = False,
    ) -> _Rows: ...
    def assess(self, image: np.ndarray, format: str, landmarks: Optional[Sequence[float]]) -> _Assessed: ...
    def detect_assess(self, image: np.ndarray, format: str) -> List[_Assessed]: ...
    def detect(
        self, image: np.ndarray, format: str, embeddings: bool
    ) -> List[Tuple[List[float], List[float], float, float, float, float, float, float, Optional[bytes]]]: ...
    def aligned_crop(
        self, image: np.ndarray, format: str, landmarks: Optional[Sequence[float]], bgr: bool
    ) -> Tuple[int, int, bytes, Optional[_Detection]]: ...
