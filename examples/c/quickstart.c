/* The README's C example: score the face of a photo and say what the person should fix.
 *
 *   quickstart MODEL.onnx DETECTOR.onnx PHOTO.ppm [QUALITY_NET.onnx]   (binary PPM, P6, 8-bit RGB)
 *
 * QUALITY_NET.onnx: the second quality network, fused into f and q100 (the shipped one is
 * models/quality/lightqnet-dm025.onnx; C has no default, the other languages carry it).
 * Prints "s S q100 Q" for the face the detector picks, then the message of each
 * feedback code raised under the default (enrolment) profile. */
#include <stdio.h>
#include <stdlib.h>

#include "serfiq.h"

static unsigned char *read_ppm(const char *path, unsigned *w, unsigned *h) {
    FILE *f = fopen(path, "rb");
    unsigned char *data = NULL;
    unsigned maxval = 0;
    if (!f) return NULL;
    if (fscanf(f, "P6 %u %u %u", w, h, &maxval) == 3 && maxval == 255 && fgetc(f) != EOF && *w > 0 && *h > 0 &&
        *w < 65536 && *h < 65536) {
        size_t n = (size_t)*w * *h * 3;
        data = malloc(n);
        if (data && fread(data, 1, n, f) != n) {
            free(data);
            data = NULL;
        }
    }
    fclose(f);
    return data;
}

int main(int argc, char **argv) {
    unsigned w = 0, h = 0;
    unsigned char *rgb = argc == 4 || argc == 5 ? read_ppm(argv[3], &w, &h) : NULL;
    if (!rgb) {
        fprintf(stderr, "usage: %s MODEL.onnx DETECTOR.onnx PHOTO.ppm [QUALITY_NET.onnx]\n", argv[0]);
        return 2;
    }
    /* ANCHOR: readme */
    serfiq_options o;
    serfiq_options_init(&o, sizeof o);
    o.model_path = argv[1];
    o.detector_path = argv[2]; /* finds the face in a photo */
    o.quality_net_path = argc > 4 ? argv[4] : NULL; /* the second quality network */
    serfiq_model *model = NULL;
    serfiq_image img = {rgb, w, h, 0, SERFIQ_PIXEL_RGB};
    serfiq_face face;
    serfiq_components c;
    serfiq_status st = serfiq_create(&o, &model);
    if (st == SERFIQ_OK) st = serfiq_assess(model, &img, NULL, &face, &c);
    if (st == SERFIQ_OK) printf("s %.6f q100 %.1f\n", face.quality.s, face.quality.q100);
    else fprintf(stderr, "%s: %s\n", serfiq_status_name(st), serfiq_last_error());
    for (uint32_t k = 0; st == SERFIQ_OK && k < serfiq_feedback_count(); k++)
        if (c.feedback >> k & 1) printf("%s\n", serfiq_feedback_message(k));
    serfiq_destroy(model);
    /* ANCHOR_END: readme */
    free(rgb);
    return st == SERFIQ_OK ? 0 : 1;
}
