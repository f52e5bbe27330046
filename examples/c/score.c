/* serfiq from C: score one face photo given its 5 landmarks.
 *
 *   score MODEL.onnx FACE.ppm LANDMARKS.txt [--embedding]
 *
 * FACE.ppm is a binary PPM (P6, 8-bit RGB); LANDMARKS.txt holds 10 numbers:
 * x y of left eye, right eye, nose tip, left and right mouth corner.
 * Prints "s q" and, with --embedding, the embedding on a second line.
 * ONNX Runtime is found next to libserfiq.so or through SERFIQ_ORT_LIB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serfiq.h"

static unsigned char *read_ppm(const char *path, unsigned *w, unsigned *h) {
    FILE *f = fopen(path, "rb");
    unsigned char *data = NULL;
    unsigned maxval = 0;
    if (!f) return NULL;
    if (fscanf(f, "P6 %u %u %u", w, h, &maxval) == 3 && maxval == 255 && fgetc(f) != EOF &&
        *w > 0 && *h > 0 && *w < 65536 && *h < 65536) {
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

static int read_landmarks(const char *path, float lm[SERFIQ_LANDMARK_FLOATS]) {
    FILE *f = fopen(path, "r");
    int i, ok = f != NULL;
    for (i = 0; ok && i < SERFIQ_LANDMARK_FLOATS; i++) ok = fscanf(f, "%f", &lm[i]) == 1;
    if (f) fclose(f);
    return ok;
}

int main(int argc, char **argv) {
    serfiq_options options;
    serfiq_model *model = NULL;
    serfiq_image image;
    serfiq_quality quality;
    float landmarks[SERFIQ_LANDMARK_FLOATS];
    float *embedding = NULL;
    size_t dim = 0, len = 0, i;
    unsigned w, h;
    unsigned char *pixels;
    serfiq_status status;
    int want_embedding = argc == 5 && strcmp(argv[4], "--embedding") == 0;

    if (argc != 4 && !want_embedding) {
        fprintf(stderr, "usage: %s MODEL.onnx FACE.ppm LANDMARKS.txt [--embedding]\n", argv[0]);
        return 2;
    }
    pixels = read_ppm(argv[2], &w, &h);
    if (!pixels || !read_landmarks(argv[3], landmarks)) {
        fprintf(stderr, "cannot read %s or %s\n", argv[2], argv[3]);
        free(pixels);
        return 2;
    }

    serfiq_options_init(&options, sizeof options);
    options.model_path = argv[1];
    status = serfiq_create(&options, &model);
    if (status != SERFIQ_OK) {
        fprintf(stderr, "serfiq_create: %s: %s\n", serfiq_status_name(status), serfiq_last_error());
        free(pixels);
        return 1;
    }
    serfiq_embedding_size(model, &dim);
    embedding = malloc(dim * sizeof *embedding);

    image.data = pixels;
    image.width = w;
    image.height = h;
    image.stride = (size_t)w * 3;
    image.format = SERFIQ_PIXEL_RGB;
    status = serfiq_score_embed(model, &image, landmarks, &quality, embedding, dim, &len);
    if (status != SERFIQ_OK) {
        fprintf(stderr, "serfiq_score_embed: %s: %s\n", serfiq_status_name(status), serfiq_last_error());
    } else {
        printf("%.9g %.9g\n", quality.s, quality.q);
        if (want_embedding) {
            for (i = 0; i < len; i++) printf(i ? " %.9g" : "%.9g", embedding[i]);
            printf("\n");
        }
    }
    serfiq_destroy(model);
    free(embedding);
    free(pixels);
    return status == SERFIQ_OK ? 0 : 1;
}
