"""One Model shared by Python threads: the same results as one thread, and real concurrency
(the GIL is released while serfiq works)."""

from __future__ import annotations

import hashlib
import os
import threading
import time

import numpy as np
import pytest

import serfiq
from conftest import TOL


def test_four_threads_sharing_a_model_give_the_results_of_one(model, photo, landmarks, face_reference):
    crop = model.aligned_crop(photo, landmarks, format="rgb")
    want_face = model.score_embed(photo, landmarks, format="rgb")
    want_photo = model.score(photo[:, :, ::-1])
    want_crop = model.score_embed(crop)
    failures = []

    def work(k: int) -> None:
        try:
            for i in range(12):
                kind = (i + k) % 3
                if kind == 0:
                    q, e = model.score_embed(photo, landmarks, format="rgb")
                    assert q == want_face[0] and np.array_equal(e, want_face[1])
                elif kind == 1:
                    assert model.score(photo[:, :, ::-1]) == want_photo
                else:
                    r = model.score_batch([crop, crop], embeddings=True)
                    row = (r.s[1], r.q[1], r.n[1], r.f[1], r.q100[1], r.l[1])
                    assert row == want_crop[0] and np.array_equal(r.embeddings[0], want_crop[1])
        except BaseException as e:  # reported in the main thread
            failures.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    assert abs(want_face[0].s - face_reference["s"]) <= TOL


def run_threads(threads: int, work) -> float:
    """Wall seconds for `threads` threads each running `work()`, started together."""
    barrier = threading.Barrier(threads + 1)

    def body() -> None:
        barrier.wait()
        work()

    pool = [threading.Thread(target=body) for _ in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    return time.perf_counter() - t0


def test_two_threads_run_concurrently(photo, landmarks):
    if (os.cpu_count() or 1) < 2:
        pytest.skip("needs 2 cores")
    # One ONNX Runtime thread per call: any speed-up comes from the two Python threads
    # running serfiq at the same time, which they can only do with the GIL released.
    with serfiq.Model(intra_op_threads=1, max_sessions=2, detector=False) as m:
        crop = m.aligned_crop(photo, landmarks, format="rgb")
        def score(calls: int):
            def work() -> None:
                for _ in range(calls):
                    m.score(crop)

            return work

        # The control: sha256 of 4 MB, which releases the GIL too, tells how much of a second
        # core this (shared) machine gives right now.
        data = os.urandom(4 << 20)

        def hashing() -> None:  # about as long as 60 scores
            for _ in range(40):
                hashlib.sha256(data).digest()

        # Python keeps running while serfiq works: a loop in this thread advances during a long
        # batch in another thread (with the GIL held it would stop for the whole batch).
        batch = [crop] * 48
        m.score_batch(batch)
        done = threading.Event()
        worker = threading.Thread(target=lambda: (m.score_batch(batch), done.set()))
        worker.start()
        t0, during = time.perf_counter(), 0
        while not done.is_set():
            during += 1
        span = time.perf_counter() - t0
        worker.join()
        stop, idle = threading.Event(), 0
        timer = threading.Timer(span, stop.set)
        timer.start()
        while not stop.is_set():
            idle += 1
        timer.join()
        progress = during / max(idle, 1)

        run_threads(2, score(5))  # warm both sessions
        def control() -> float:
            return run_threads(1, hashing) / run_threads(2, hashing) * 2

        # (serfiq's 2-vs-1 ratio, the control just before it, the control just after it): a
        # round is quiet when both controls show a free second core around the measurement.
        rounds = []
        before = control()
        for _ in range(12):
            one = 60 / run_threads(1, score(60))
            two = 120 / run_threads(2, score(60))
            after = control()
            rounds.append((two / one, before, after))
            before = after
            if two / one >= 1.6:
                break
        best = max(r for r, _, _ in rounds)
        quiet = [r for r, b, a in rounds if min(b, a) >= 1.8]
        print(f"\n2 threads vs 1: {best:.2f}x the throughput ({len(quiet)} quiet rounds of {len(rounds)}); "
              f"a Python loop ran at {progress:.0%} of its idle speed during a batch")
        # Python runs while serfiq works, whatever the load...
        assert progress >= 0.25
        # ...and two threads get a second core's worth of work done whenever the machine had a
        # second core to give around the measurement (the controls scaled); on a machine busy
        # with other work, the throughput cannot show it and only the check above applies.
        if quiet:
            assert best >= 1.6, rounds
