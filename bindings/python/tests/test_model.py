"""serfiq.Model against the C API's references, every image layout, options and errors."""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import serfiq
from conftest import TOL, read_ppm


def max_diff(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


# ------------------------------------------------------------------------------------------------
# The C API's references


def test_fixture_face_equals_the_c_api(model, photo, landmarks, face_reference):
    q, emb = model.score_embed(photo, landmarks, format="rgb")
    assert abs(q.s - face_reference["s"]) <= TOL and abs(q.q - face_reference["q"]) <= TOL
    assert emb.dtype == np.float32 and emb.shape == (model.embedding_size,) == (512,)
    diff = max_diff(emb, face_reference["embedding"])
    assert diff <= TOL
    print(f"\nfixture face vs C API: |ds| {abs(q.s - face_reference['s']):.2e}, "
          f"|dq| {abs(q.q - face_reference['q']):.2e}, embedding max |d| {diff:.2e}")
    assert model.score(photo, landmarks, format="rgb") == q
    assert max_diff(model.embed(photo, landmarks, format="rgb"), face_reference["embedding"]) <= TOL
    # Landmarks as 10 numbers, a list of pairs, or an array: the same face.
    assert model.score(photo, landmarks.reshape(10).tolist(), format="rgb") == q
    assert model.score(photo, [tuple(p) for p in landmarks], format="rgb") == q


def test_whole_photo_gives_the_faces_of_serfiq_detect_score(model, photo, photo_reference):
    faces = model.detect(photo, format="rgb")
    assert len(faces) == len(photo_reference) >= 1
    for f, ref in zip(faces, photo_reference):
        assert max_diff(f.box, ref["box"]) <= 1e-4
        assert max_diff(f.landmarks, ref["landmarks"]) <= 1e-4
        assert f.box.dtype == np.float32 and f.landmarks.shape == (5, 2)
        assert abs(f.confidence - ref["confidence"]) <= TOL
        assert abs(f.s - ref["s"]) <= TOL and abs(f.q - ref["q"]) <= TOL
        assert max_diff(f.embedding, ref["embedding"]) <= TOL
        assert 0 <= f.q100 <= 100 and f.quality == serfiq.Quality(f.s, f.q, f.n, f.f, f.q100, f.l)
    assert all(f.embedding is None for f in model.detect(photo, format="rgb", embeddings=False))
    # The single-face calls score the face the detector picks.
    q, emb = model.score_embed(photo, format="rgb")
    assert abs(q.s - photo_reference[0]["s"]) <= TOL and abs(q.q - photo_reference[0]["q"]) <= TOL
    assert max_diff(emb, photo_reference[0]["embedding"]) <= TOL


def test_bgr_is_the_default_order(model, photo, photo_reference):
    bgr = np.ascontiguousarray(photo[:, :, ::-1])
    q = model.score(bgr)
    assert abs(q.s - photo_reference[0]["s"]) <= TOL
    assert len(model.detect(bgr)) == len(photo_reference)


def test_photo_without_a_face(model, noface):
    with pytest.raises(serfiq.NoFaceError) as e:
        model.score(noface, format="rgb")
    assert e.value.status == 18 and e.value.status_name == "SERFIQ_ERR_NO_FACE" and e.value.image is None
    assert "no face" in str(e.value)
    assert model.detect(noface, format="rgb") == []


# ------------------------------------------------------------------------------------------------
# Image layouts: views are read where they are, whatever their strides.


def layouts(photo: np.ndarray):
    h, w, _ = photo.shape
    canvas = np.zeros((h + 31, w + 17, 3), np.uint8)
    canvas[20 : 20 + h, 9 : 9 + w] = photo
    yield "crop of a larger array", canvas[20 : 20 + h, 9 : 9 + w], "rgb"
    yield "channels reversed (negative channel stride)", np.ascontiguousarray(photo[:, :, ::-1])[:, :, ::-1], "rgb"
    yield "rows reversed (negative row stride)", np.ascontiguousarray(photo[::-1])[::-1], "rgb"
    yield "columns reversed (negative pixel stride)", np.ascontiguousarray(photo[:, ::-1])[:, ::-1], "rgb"
    yield "every other pixel", np.repeat(photo, 2, axis=1)[:, ::2], "rgb"
    yield "Fortran order", np.asfortranarray(photo), "rgb"
    yield "BGR view of RGB (img[:, :, ::-1])", photo[:, :, ::-1], "bgr"
    ro = photo.copy()
    ro.setflags(write=False)
    yield "read-only", ro, "rgb"


@pytest.mark.parametrize("name", [n for n, _, _ in layouts(np.zeros((4, 4, 3), np.uint8))])
def test_any_strides_give_the_reference(model, photo, landmarks, face_reference, name):
    view, fmt = next((v, f) for n, v, f in layouts(photo) if n == name)
    assert view.dtype == np.uint8
    q = model.score(view, landmarks, format=fmt)
    assert abs(q.s - face_reference["s"]) <= TOL and abs(q.q - face_reference["q"]) <= TOL


def test_gray_and_four_channels(model, photo, landmarks, face_reference):
    gray = photo[:, :, 1].copy()
    as_rgb = np.stack([gray] * 3, axis=-1)
    q_gray = model.score(gray, landmarks)
    assert q_gray == model.score(as_rgb, landmarks, format="rgb")
    assert q_gray == model.score(gray[:, :, None], landmarks)  # H×W×1
    assert model.score(gray[::-1][::-1], landmarks) == q_gray
    alpha = np.full(photo.shape[:2] + (1,), 7, np.uint8)
    bgra = np.concatenate([photo[:, :, ::-1], alpha], axis=-1)
    q = model.score(bgra, landmarks)  # H×W×4 is BGRA by default
    assert abs(q.s - face_reference["s"]) <= TOL
    rgba = np.concatenate([photo, alpha], axis=-1)
    assert model.score(rgba, landmarks, format="rgba") == q


def test_pil_images(model, photo, landmarks, face_reference):
    from PIL import Image

    q = model.score(Image.fromarray(photo), landmarks)
    assert abs(q.s - face_reference["s"]) <= TOL and abs(q.q - face_reference["q"]) <= TOL
    gray = photo[:, :, 1].copy()
    assert model.score(Image.fromarray(gray), landmarks) == model.score(gray, landmarks)
    rgba = Image.fromarray(photo).convert("RGBA")
    assert model.score(rgba, landmarks) == q
    faces = model.detect(Image.fromarray(photo))
    assert len(faces) >= 1 and abs(faces[0].s - q.s) < 0.01
    with pytest.raises(ValueError, match="PIL"):
        model.score(Image.fromarray(photo), format="bgr")


def test_opencv_image(model, face_reference, photo_reference):
    cv2 = pytest.importorskip("cv2")
    from conftest import FACES

    path = FACES / "obama.jpg"
    if not path.is_file():
        pytest.skip("no demo photos (make fetch)")
    img = cv2.imread(str(path))  # BGR
    q = model.score(img)
    assert 0.5 < q.s < 0.7 and len(model.detect(img)) == len(photo_reference)


# ------------------------------------------------------------------------------------------------
# Wrong arguments: TypeError / ValueError before any native call, serfiq.Error from the library.


@pytest.mark.parametrize(
    "bad, error",
    [
        (np.zeros((112, 112, 3), np.float32), TypeError),
        (np.zeros((112, 112, 3), np.uint16), TypeError),
        (np.zeros((112, 112, 3), bool), TypeError),
        (np.zeros((112, 112, 3), np.int8), TypeError),
        ([[0, 0, 0]], TypeError),
        (b"\x00" * 100, TypeError),
        (None, TypeError),
        (np.zeros(112 * 112 * 3, np.uint8), ValueError),
        (np.zeros((1, 112, 112, 3), np.uint8), ValueError),
        (np.zeros((112, 112, 2), np.uint8), ValueError),
        (np.zeros((112, 112, 5), np.uint8), ValueError),
        (np.zeros((0, 112, 3), np.uint8), ValueError),
        (np.zeros((112, 0), np.uint8), ValueError),
        (np.zeros((0, 0, 3), np.uint8), ValueError),
    ],
)
def test_bad_images_raise_before_the_native_call(model, bad, error):
    for call in (model.score, model.embed, model.score_embed, model.detect, model.aligned_crop):
        with pytest.raises(error):
            call(bad)
    with pytest.raises(error):
        model.score_batch([np.zeros((112, 112, 3), np.uint8), bad])


def test_bad_format_and_landmarks(model, photo, landmarks):
    with pytest.raises(ValueError):
        model.score(photo, format="yuv")
    with pytest.raises(ValueError):
        model.score(photo, format="bgra")  # 3 channels
    with pytest.raises(ValueError):
        model.score(photo, landmarks[:4])
    with pytest.raises(TypeError):
        model.score(photo, "eyes")
    nan = landmarks.copy()
    nan[0, 0] = np.nan
    with pytest.raises(serfiq.InvalidLandmarksError) as e:
        model.score(photo, nan, format="rgb")
    assert e.value.status == 5 and isinstance(e.value, ValueError)
    outside = landmarks + 10_000
    with pytest.raises(serfiq.InvalidLandmarksError):
        model.score(photo, outside, format="rgb")


def test_library_image_checks(model, photo):
    # Too large for the library: refused by its size check (no copy of the pixels is made).
    huge = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (1, 40_000, 3))
    with pytest.raises(serfiq.InvalidImageError) as e:
        model.score(huge)
    assert e.value.status == 4 and "exceeds" in str(e.value)
    no_detector = serfiq.Model(detector=False)
    with pytest.raises(serfiq.InvalidImageError) as e:
        no_detector.score(photo, format="rgb")
    assert "landmarks" in str(e.value)
    with pytest.raises(serfiq.InvalidArgumentError):
        no_detector.detect(photo, format="rgb")
    no_detector.close()


def test_closed_model(photo, landmarks):
    m = serfiq.Model()
    live = serfiq.live_models()
    m.close()
    assert m.closed and serfiq.live_models() == live - 1
    m.close()  # idempotent
    for call in (lambda: m.score(photo, landmarks), lambda: m.detect(photo), lambda: m.options,
                 lambda: m.score_batch([photo]), lambda: m.score_files([b"x"])):
        with pytest.raises(ValueError, match="closed"):
            call()
    with serfiq.Model() as m2:
        assert not m2.closed
    assert m2.closed
    assert "closed" in repr(m2)


def test_model_errors(tmp_path):
    with pytest.raises(serfiq.ModelNotFoundError) as e:
        serfiq.Model(tmp_path / "missing.onnx")
    assert e.value.status == 7 and "missing.onnx" in str(e.value)
    with pytest.raises(serfiq.Error) as e:
        serfiq.Model(b"not an onnx model", detector=False)
    assert e.value.status == 8 and e.value.status_name == "SERFIQ_ERR_MODEL_INVALID"
    with pytest.raises(serfiq.ModelNotFoundError):
        serfiq.Model(detector=tmp_path / "missing-detector.onnx")
    with pytest.raises(TypeError, match="unexpected option"):
        serfiq.Model(no_such_option=1)
    with pytest.raises(TypeError):
        serfiq.Model(samples="many")
    with pytest.raises(TypeError):
        serfiq.Model(model=12)
    for bad in ({"samples": 1}, {"dropout": 1.5}, {"detector_threshold": 1.0}, {"optimization_level": 9},
                {"std": 0.0}, {"model_sha256": "abc"}, {"max_model_bytes": 0}):
        with pytest.raises(serfiq.InvalidArgumentError) as e:
            serfiq.Model(**bad)
        assert e.value.status == 2 and isinstance(e.value, ValueError), bad
    for bad in ({"face_policy": "smallest"}, {"channel_order": "yuv"}, {"execution_provider": "tpu"},
                {"search_paths": "everywhere"}):
        with pytest.raises(ValueError):
            serfiq.Model(**bad)
    with pytest.raises(serfiq.Error) as e:
        serfiq.Model(model_sha256="0" * 64)
    assert e.value.status_name == "SERFIQ_ERR_MODEL_DIGEST_MISMATCH"
    with pytest.raises(serfiq.Error) as e:
        serfiq.Model(max_model_bytes=1000)
    assert e.value.status_name == "SERFIQ_ERR_UNSUPPORTED_MODEL" and "max_model_bytes" in str(e.value)


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e.pop("SERFIQ_ORT_LIB", None)
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e, timeout=120)


def test_runtime_not_found_in_a_fresh_process(tmp_path):
    out = run_python(
        "import serfiq\n"
        "try:\n"
        f"    serfiq.Model(ort_library_path={str(tmp_path / 'libonnxruntime.so')!r})\n"
        "except serfiq.RuntimeNotFoundError as e:\n"
        "    print('status', e.status, e.status_name)\n"
    )
    assert out.stdout.strip() == "status 11 SERFIQ_ERR_RUNTIME_NOT_FOUND", out.stderr
    # Explicit only: no ort_library_path means no library at all (not the onnxruntime package's).
    out = run_python(
        "import serfiq\n"
        "try:\n"
        "    serfiq.Model(search_paths='explicit_only')\n"
        "except serfiq.RuntimeNotFoundError as e:\n"
        "    print('status', e.status)\n"
    )
    assert out.stdout.strip() == "status 11", out.stderr


def test_onnxruntime_comes_from_the_onnxruntime_package(model):
    lib = serfiq.onnxruntime_library()
    assert lib is not None and "onnxruntime" in lib and os.path.basename(lib).startswith("libonnxruntime.so")
    assert os.path.samefile(model.runtime_path, lib)
    assert "onnxruntime" not in sys.modules  # found without importing it


def test_a_model_used_after_fork_raises(photo, landmarks):
    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    m = serfiq.Model()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report the status it got, then leave without cleanup
        try:
            m.score(photo, landmarks, format="rgb")
            os.write(w, b"ok")
        except serfiq.Error as e:
            os.write(w, f"{type(e).__name__} {e.status_name}".encode())
        finally:
            os._exit(0)
    os.close(w)
    got = os.read(r, 200).decode()
    os.waitpid(pid, 0)
    assert got == "ForkedError SERFIQ_ERR_FORKED"
    m.close()


# ------------------------------------------------------------------------------------------------
# Options: every one reachable, read back as given.


def test_every_option_is_read_back(fixtures):
    digest = hashlib.sha256(open(serfiq.DEFAULT_MODEL, "rb").read()).hexdigest()
    ddigest = hashlib.sha256(open(serfiq.DEFAULT_DETECTOR, "rb").read()).hexdigest()
    given = dict(
        samples=40, dropout=0.4, seed=7, alpha=90.0, r=0.55, channel_order="rgb", mean=[127.5, 127.0, 126.5],
        std=128.0, intra_op_threads=2, max_sessions=3, optimization_level=2, model_sha256=digest.upper(),
        detector_sha256=ddigest, max_model_bytes=50_000_000, face_policy="most_central", detector_threshold=0.8,
        execution_provider="cpu", device_id=0, gpu_fallback=False, search_paths="default",
    )
    with serfiq.Model(**given) as m:
        o = m.options
        assert set(o) >= set(given) | {"model", "detector", "ort_library_path", "embedding_layer", "cuda_library_path"}
        for k, v in given.items():
            if k == "std":
                assert o[k] == [128.0] * 3
            elif k == "model_sha256":
                assert o[k].lower() == digest
            elif isinstance(v, float):
                assert abs(o[k] - v) < 1e-6, k
            elif isinstance(v, list):
                assert o[k] == pytest.approx(v), k
            else:
                assert o[k] == v, k
        assert o["model"] == serfiq.DEFAULT_MODEL and o["detector"] == serfiq.DEFAULT_DETECTOR
        assert (m.alpha, m.r, m.calibration_source) == (90.0, 0.55, "options")
        info = m.info
        assert (info["samples"], info["seed"]) == (40, 7) and abs(info["dropout"] - 0.4) < 1e-9
        assert m.input_size == (112, 112) and m.embedding_size == 512 and m.provider == "cpu"
        assert m.has_detector and info["embedding_layer"]


def test_q_is_the_logistic_of_s(photo, landmarks):
    with serfiq.Model(alpha=50.0, r=0.6, detector=False) as m:
        q = m.score(photo, landmarks, format="rgb")
        assert abs(q.q - 1 / (1 + math.exp(-50.0 * (q.s - 0.6)))) <= 1e-6
        assert 0 <= q.q100 <= 100
    with serfiq.Model(detector=False) as m:
        assert (m.alpha, m.r, m.calibration_source) == (118.0, 0.576, "default")


def test_seed_and_samples_change_s_reproducibly(photo, landmarks, face_reference):
    with serfiq.Model(seed=1, detector=False) as a, serfiq.Model(seed=1, detector=False) as b:
        qa, qb = a.score(photo, landmarks, format="rgb"), b.score(photo, landmarks, format="rgb")
        assert qa == qb and abs(qa.s - face_reference["s"]) > 1e-6


def test_model_and_detector_as_bytes(photo, landmarks, face_reference, photo_reference):
    with serfiq.Model(open(serfiq.DEFAULT_MODEL, "rb").read(), open(serfiq.DEFAULT_DETECTOR, "rb").read()) as m:
        assert m.options["model"] is None and m.options["detector"] is None and m.has_detector
        q = m.score(photo, landmarks, format="rgb")
        assert abs(q.s - face_reference["s"]) <= TOL
        assert abs(m.detect(photo, format="rgb")[0].s - photo_reference[0]["s"]) <= TOL


def test_face_policy_and_threshold_reach_the_detector(photo, photo_reference):
    # A canvas with the photo twice, the second half-size: largest picks the first, the
    # threshold above the face's confidence finds nothing.
    small = photo[::2, ::2]
    canvas = np.zeros((photo.shape[0], photo.shape[1] + small.shape[1], 3), np.uint8)
    canvas[:, : photo.shape[1]] = photo
    canvas[: small.shape[0], photo.shape[1] :] = small
    with serfiq.Model(face_policy="largest") as m:
        faces = m.detect(canvas, format="rgb")
        assert len(faces) >= 1 and faces[0].box[2] <= photo.shape[1]  # the large face first
    strict = (photo_reference[0]["confidence"] + 1) / 2
    with serfiq.Model(detector_threshold=strict) as m:
        assert m.detect(photo, format="rgb") == []
        with pytest.raises(serfiq.NoFaceError):
            m.score(photo, format="rgb")


def test_gpu_option(photo, landmarks):
    try:
        m = serfiq.Model(execution_provider="cuda", gpu_fallback=True)
    except serfiq.GpuUnavailableError:
        pytest.fail("gpu_fallback=True must not raise GpuUnavailableError")
    with m:
        if m.provider == "cpu":
            assert m.gpu_fallback_reason
            assert m.options["execution_provider"] == "cuda"
        m.score(photo, landmarks, format="rgb")
    try:
        with serfiq.Model(execution_provider="cuda", device_id=0) as m:
            assert m.provider == "cuda"
    except serfiq.GpuUnavailableError as e:
        assert e.status == 19


# ------------------------------------------------------------------------------------------------
# Crops and batches


def test_aligned_crop(model, photo, landmarks, face_reference):
    bgr = model.aligned_crop(photo, landmarks, format="rgb")
    rgb = model.aligned_crop(photo, landmarks, format="rgb", output="rgb")
    assert bgr.shape == (112, 112, 3) and bgr.dtype == np.uint8
    assert np.array_equal(bgr, rgb[:, :, ::-1])
    # The crop is the model's input, rounded to 8 bits: it scores close to the face.
    assert abs(model.score(bgr).s - face_reference["s"]) < 0.01
    assert np.array_equal(model.aligned_crop(photo, format="rgb"), model.aligned_crop(photo[:, :, ::-1]))
    with pytest.raises(ValueError):
        model.aligned_crop(photo, output="gray")


def test_score_batch(model, photo, landmarks, noface, face_reference):
    crop = model.aligned_crop(photo, landmarks, format="rgb")
    crop_q, crop_e = model.score_embed(crop)
    r = model.score_batch([crop, photo[:, :, ::-1], crop], [None, landmarks, None], embeddings=True)
    assert r.s.dtype == np.float32 and r.embeddings.shape == (3, 512) and r.embeddings.dtype == np.float32
    assert r.ok.all() and r.errors == [None] * 3
    assert (r.s[0], r.q[0], r.n[0], r.f[0], r.q100[0], r.l[0]) == crop_q and np.array_equal(r.embeddings[2], crop_e)
    assert abs(r.s[1] - face_reference["s"]) <= TOL
    assert max_diff(r.embeddings[1], face_reference["embedding"]) <= TOL
    assert r.q100.dtype == np.float32 and r.q100[0] == crop_q.q100
    # An N×H×W×3 array is a batch of views.
    stack = np.stack([crop, crop[:, ::-1]])
    r2 = model.score_batch(stack)
    assert r2.s[0] == crop_q.s and r2.embeddings is None
    assert r2.s[1] == model.score(crop[:, ::-1]).s
    e = model.embed_batch([crop, crop])
    assert np.array_equal(e.embeddings[0], model.embed(crop)) and np.isnan(e.s).all()


def test_score_batch_errors(model, photo, noface):
    crop = model.aligned_crop(photo, format="rgb")
    with pytest.raises(serfiq.NoFaceError) as e:
        model.score_batch([crop, noface, crop])
    assert e.value.image == 1 and str(e.value).startswith("image 1: ") and e.value.status == 18
    r = model.score_batch([crop, noface, photo, crop], errors="return", embeddings=True)
    assert list(r.status) == [0, 18, 0, 0] and list(r.ok) == [True, False, True, True]
    assert isinstance(r.errors[1], serfiq.NoFaceError) and r.errors[1].image == 1
    assert np.isnan(r.s[1]) and np.isnan(r.embeddings[1]).all() and np.isnan(r.q100[1]) and np.isnan(r.n[1])
    assert r.s[0] == model.score(crop).s == r.s[3]
    assert r.detections[0] is None and r.detections[2] is not None
    assert abs(r.s[2] - model.score(photo).s) <= TOL
    with pytest.raises(serfiq.InvalidArgumentError):
        model.score_batch([])
    with pytest.raises(ValueError):
        model.score_batch([crop], errors="ignore")
    with pytest.raises(ValueError):
        model.score_batch([crop, crop], [None])
    with pytest.raises(ValueError):
        model.score_batch(crop)  # one image is not a batch
    with pytest.raises(TypeError):
        model.score_batch(crop.tobytes())


def test_score_files_equal_the_cli(model, tmp_path):
    from conftest import FACES, cli_scores

    photos = sorted(FACES.glob("*.jpg"))
    if not photos:
        pytest.skip("no demo photos (make fetch)")
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(photos[0].read_bytes()[:500])
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    paths = photos + [corrupt, empty, tmp_path / "missing.jpg"]
    cli = cli_scores(photos)
    by_path = model.score_files(paths)
    by_bytes = model.score_files([p.read_bytes() if p.exists() else b"" for p in paths], batch_size=2)
    for r in (by_path, by_bytes):
        for i, p in enumerate(photos):
            assert tuple(np.float32(getattr(r, k)[i]) for k in "s q n f q100 l".split()) == cli[str(p)], p
            assert r.faces[i] >= 1 and r.detections[i] is not None
        assert list(r.status[len(photos):]) == [4, 4, 4]
        assert all(isinstance(e, serfiq.InvalidImageError) for e in r.errors[len(photos):])
        assert [e.image for e in r.errors[len(photos):]] == [len(photos), len(photos) + 1, len(photos) + 2]
    assert "empty" in by_path.errors[-2].message and "cannot read" in by_path.errors[-1].message


def test_score_files_refuses_huge_images_from_their_header(model):
    # Headers that promise more pixels than serfiq decodes (as the CLI): refused before any
    # pixel is decoded, with a status in the image's row.
    huge = b"P6\n9000 9000\n255\n" + b"\0" * 16
    wide = b"P5\n40000 2\n255\n" + b"\0" * 16
    r = model.score_files([huge, wide, b"P6\n2 2\n255\n" + b"\0" * 5])
    assert list(r.status) == [4, 4, 4]
    assert "64 megapixels" in r.errors[0].message and "per side" in r.errors[1].message
    assert "decode" in r.errors[2].message  # truncated pixels


# ------------------------------------------------------------------------------------------------
# What an image is (input_mode) and the detector's working size


def test_same_sized_image_as_crop_and_as_photo(model, photo):
    """A grey image of exactly the input size: "auto" and "crop" score it as an aligned crop (the
    same s), "photo" searches it and finds no face; "crop" refuses another size; "photo" needs a
    detector."""
    grey = np.full((112, 112, 3), 128, np.uint8)
    assert model.options["input_mode"] == "auto"
    with serfiq.Model(input_mode="crop") as crop, serfiq.Model(input_mode="photo") as as_photo:
        assert crop.options["input_mode"] == "crop" and as_photo.options["input_mode"] == "photo"
        q = crop.score(grey)
        assert q.s > 0 and model.score(grey) == q
        with pytest.raises(serfiq.NoFaceError):
            as_photo.score(grey)
        assert as_photo.detect(grey) == []
        assert as_photo.score(photo, format="rgb") == model.score(photo, format="rgb")
        with pytest.raises(serfiq.InvalidImageError) as e:
            crop.score(photo, format="rgb")
        assert "input_mode is crop" in str(e.value)
    with pytest.raises(serfiq.InvalidArgumentError):
        serfiq.Model(detector=False, input_mode="photo")
    with pytest.raises(ValueError):
        serfiq.Model(input_mode="guess")


def test_detector_max_side_default_range_and_off(model, photo, photo_reference):
    assert model.options["detector_max_side"] == 640
    assert serfiq.Model(detector_max_side=0).options["detector_max_side"] == 640
    with serfiq.Model(detector_max_side=32768) as off:
        faces = off.detect(photo, format="rgb", embeddings=False)
        assert len(faces) == len(photo_reference)
        assert max_diff(faces[0].landmarks, photo_reference[0]["landmarks"]) <= 1.0
    for bad in (1, 31, 32769):
        with pytest.raises(serfiq.InvalidArgumentError):
            serfiq.Model(detector_max_side=bad)
    assert serfiq.MAX_FACES == 750
def test_n_f_q100_and_the_q100_quality_option(photo, landmarks):
    with serfiq.Model(detector=False) as d, serfiq.Model(detector=False, q100_quality="s") as by_s:
        q, e = d.score_embed(photo, landmarks, format="rgb")
        # n is the norm of the embedding layer's output: for the default model, of the embedding.
        norm = float(np.sqrt(np.sum(e.astype(np.float64) ** 2)))
        assert abs(q.n - norm) <= 1e-5 * norm
        assert math.isfinite(q.f) and 0 <= q.q100 <= 100
        s = by_s.score(photo, landmarks, format="rgb")
        assert (s.s, s.n, s.f) == (q.s, q.n, q.f) and s.q100 != q.q100
        assert d.options["q100_quality"] == "f" and by_s.options["q100_quality"] == "s"
    with pytest.raises(ValueError, match="q100_quality"):
        serfiq.Model(detector=False, q100_quality="median")
    with pytest.raises(TypeError, match="q100_quality"):
        serfiq.Model(detector=False, q100_quality=2)
