"""The README's Python example: score the face of a photo and say what the person should fix.

    python quickstart.py PHOTO        (any image OpenCV reads)

Prints "s S q100 Q" for the face the detector picks, then the message of each feedback code
raised under the default (enrolment) profile. The wheel carries the models.
"""
import sys

import cv2
import serfiq

# ANCHOR: readme
model = serfiq.Model()                      # the wheel's models; share it between threads
a = model.assess(cv2.imread(sys.argv[1]))   # BGR, as OpenCV reads it
print(f"s {a.quality.s:.6f} q100 {a.quality.q100:.1f}")
for f in a.feedback:
    print(f.message)
# ANCHOR_END: readme
