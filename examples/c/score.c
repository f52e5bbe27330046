/* serfiq from C: score every face of a photo, or one face given its landmarks.
 *
 *   score MODEL.onnx PHOTO.ppm --detector DETECTOR.onnx [--embedding]
 *   score MODEL.onnx FACE.ppm LANDMARKS.txt [--embedding]
 *   score MODEL.onnx FACE.ppm LANDMARKS.txt --components
 *   score MODEL.onnx FACE.ppm LANDMARKS.txt --quality-net NET.onnx
 *
 * PHOTO.ppm / FACE.ppm is a binary PPM (P6, 8-bit RGB). With --detector it
 * prints "faces N", then for every face the detector finds three lines
 *   face I box X0 Y0 X1 Y1
 *   landmarks X Y X Y X Y X Y X Y     (eyes, nose tip, mouth corners)
 *   confidence C s S q Q
 * With LANDMARKS.txt (10 numbers: x y of left eye, right eye, nose tip, left
 * and right mouth corner) it prints "s q". --embedding adds each face's
 * embedding on the line after it. --components prints the face's quality
 * components and feedback (serfiq_assess) instead, the table every binding
 * must reproduce. --quality-net (options.quality_net_path) adds the second
 * quality network and prints "s q l f" for the face:
 *   components N                      (serfiq_component_count)
 *   ID NAME UNIT RAW VALUE            (one line per id; NaN = not assessed)
 *   feedback BITS NAME...             (the raised codes, in code order)
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

static void print_float(float v) {
    if (v != v)
        printf(" NaN"); /* one spelling every binding's parser reads */
    else
        printf(" %.9g", v);
}

/* The face's components and feedback under the model's profile. */
static serfiq_status print_components(const serfiq_model *model, const serfiq_image *image, const float *landmarks) {
    serfiq_face face;
    serfiq_components c;
    uint32_t id;
    serfiq_status status = serfiq_assess(model, image, landmarks, &face, &c);
    if (status != SERFIQ_OK) return status;
    printf("components %u\n", (unsigned)c.count);
    for (id = 0; id < c.count && id < SERFIQ_MAX_COMPONENTS; id++) {
        printf("%u %s %s", (unsigned)id, serfiq_component_name(id), serfiq_component_unit(id));
        print_float(c.raw[id]);
        print_float(c.value[id]);
        printf("\n");
    }
    printf("feedback %llu", (unsigned long long)c.feedback);
    for (id = 0; id < serfiq_feedback_count() && id < 64; id++)
        if (c.feedback >> id & 1u) printf(" %s", serfiq_feedback_name(id));
    printf("\n");
    return SERFIQ_OK;
}

static void print_floats(const float *v, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) printf(i ? " %.9g" : "%.9g", v[i]);
    printf("\n");
}

/* Every face of the photo: count them first (a count query: OK, 0 to SERFIQ_MAX_FACES
 * faces, nothing scored), then score them all in one call (the detector runs again). */
static serfiq_status print_faces(const serfiq_model *model, const serfiq_image *image, size_t dim, int embeddings) {
    size_t count = 0, i;
    serfiq_face *faces = NULL;
    float *emb = NULL;
    serfiq_status status = serfiq_detect_score(model, image, NULL, 0, &count, NULL, 0);
    if (status != SERFIQ_OK) return status;
    faces = calloc(count ? count : 1, sizeof *faces);
    emb = embeddings ? calloc(count ? count * dim : 1, sizeof *emb) : NULL;
    if (!faces || (embeddings && !emb)) {
        free(faces);
        free(emb);
        return SERFIQ_ERR_INTERNAL;
    }
    status = serfiq_detect_score(model, image, faces, count, &count, emb, embeddings ? count * dim : 0);
    if (status == SERFIQ_OK) {
        printf("faces %zu\n", count);
        for (i = 0; i < count; i++) {
            const serfiq_face *f = &faces[i];
            printf("face %zu box ", i);
            print_floats(f->box, 4);
            printf("landmarks ");
            print_floats(f->landmarks, SERFIQ_LANDMARK_FLOATS);
            printf("confidence %.9g s %.9g q %.9g\n", f->confidence, f->quality.s, f->quality.q);
            if (embeddings) print_floats(emb + i * dim, dim);
        }
    }
    free(faces);
    free(emb);
    return status;
}

int main(int argc, char **argv) {
    serfiq_options options;
    serfiq_model *model = NULL;
    serfiq_image image;
    serfiq_quality quality;
    float landmarks[SERFIQ_LANDMARK_FLOATS];
    float *embedding = NULL;
    size_t dim = 0, len = 0;
    unsigned w, h;
    unsigned char *pixels;
    serfiq_status status;
    const char *quality_net = NULL;
    int photo = argc >= 5 && strcmp(argv[3], "--detector") == 0;
    int last = photo ? 5 : 4;
    int want_embedding = argc == last + 1 && strcmp(argv[last], "--embedding") == 0;
    int want_components = !photo && argc == last + 1 && strcmp(argv[last], "--components") == 0;

    if (!photo && argc == 6 && strcmp(argv[4], "--quality-net") == 0) quality_net = argv[5];
    if (argc != last && !want_embedding && !want_components && !quality_net) {
        fprintf(stderr, "usage: %s MODEL.onnx PHOTO.ppm --detector DETECTOR.onnx [--embedding]\n"
                        "       %s MODEL.onnx FACE.ppm LANDMARKS.txt [--embedding | --components]\n"
                        "       %s MODEL.onnx FACE.ppm LANDMARKS.txt --quality-net NET.onnx\n",
                argv[0], argv[0], argv[0]);
        return 2;
    }
    pixels = read_ppm(argv[2], &w, &h);
    if (!pixels || (!photo && !read_landmarks(argv[3], landmarks))) {
        fprintf(stderr, "cannot read %s or %s\n", argv[2], argv[3]);
        free(pixels);
        return 2;
    }

    serfiq_options_init(&options, sizeof options);
    options.model_path = argv[1];
    if (photo) options.detector_path = argv[4];
    options.quality_net_path = quality_net; /* NULL: no second network, l is NAN */
    status = serfiq_create(&options, &model);
    if (status != SERFIQ_OK) {
        fprintf(stderr, "serfiq_create: %s: %s\n", serfiq_status_name(status), serfiq_last_error());
        free(pixels);
        return 1;
    }
    serfiq_embedding_size(model, &dim);

    image.data = pixels;
    image.width = w;
    image.height = h;
    image.stride = (size_t)w * 3;
    image.format = SERFIQ_PIXEL_RGB; /* PPM is RGB; the default (0) is BGR, OpenCV's order */
    if (want_components) {
        status = print_components(model, &image, landmarks);
        if (status != SERFIQ_OK)
            fprintf(stderr, "serfiq_assess: %s: %s\n", serfiq_status_name(status), serfiq_last_error());
    } else if (photo) {
        status = print_faces(model, &image, dim, want_embedding);
        if (status != SERFIQ_OK)
            fprintf(stderr, "serfiq_detect_score: %s: %s\n", serfiq_status_name(status), serfiq_last_error());
    } else {
        embedding = malloc(dim * sizeof *embedding);
        status = embedding ? serfiq_score_embed(model, &image, landmarks, &quality, embedding, dim, &len)
                           : SERFIQ_ERR_INTERNAL;
        if (status != SERFIQ_OK) {
            fprintf(stderr, "serfiq_score_embed: %s: %s\n", serfiq_status_name(status), serfiq_last_error());
        } else {
            if (quality_net)
                printf("%.9g %.9g %.9g %.9g\n", quality.s, quality.q, quality.l, quality.f);
            else
                printf("%.9g %.9g\n", quality.s, quality.q);
            if (want_embedding) print_floats(embedding, len);
        }
    }
    serfiq_destroy(model);
    free(embedding);
    free(pixels);
    return status == SERFIQ_OK ? 0 : 1;
}
