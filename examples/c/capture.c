/* The camera loop over a folder of frames: the C reference of every binding's
 * capture example.
 *
 *   capture MODEL.onnx DETECTOR.onnx FRAMES_DIR
 *
 * Pushes each *.ppm of FRAMES_DIR (binary PPM, 8-bit RGB), sorted by name, as the
 * next camera frame, 40 ms apart, through a capture with the default options over
 * a model with the "live" feedback profile, and prints one line per frame:
 *   INDEX STATE FEEDBACK_BITS(hex) Q100(2 decimals, "-" without a face) IS_BEST
 * then the best frame:
 *   best INDEX STATE Q100 CROP_BYTES EMBEDDING_FLOATS      (or "best none")
 * ONNX Runtime is found next to libserfiq.so or through SERFIQ_ORT_LIB. */
#define _DEFAULT_SOURCE /* scandir, alphasort */
#include <dirent.h>
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

static const char *state_name(serfiq_capture_state s) {
    switch (s) {
        case SERFIQ_CAPTURE_SEARCHING: return "SEARCHING";
        case SERFIQ_CAPTURE_ADJUST: return "ADJUST";
        case SERFIQ_CAPTURE_HOLD_STILL: return "HOLD_STILL";
        case SERFIQ_CAPTURE_CAPTURED: return "CAPTURED";
        default: return "UNKNOWN";
    }
}

static int is_ppm(const struct dirent *e) {
    size_t n = strlen(e->d_name);
    return n > 4 && strcmp(e->d_name + n - 4, ".ppm") == 0;
}

static int fail(const char *what, serfiq_status st) {
    fprintf(stderr, "%s: %s: %s\n", what, serfiq_status_name(st), serfiq_last_error());
    return 1;
}

/* Prints the best frame; its crop has the model's input size, its embedding the model's. */
static int print_best(const serfiq_model *model, const serfiq_capture *capture) {
    serfiq_capture_best_frame best;
    size_t crop_len = 0, emb_len = 0;
    uint32_t w = 0, h = 0;
    unsigned char *crop;
    float *emb;
    serfiq_status st = serfiq_input_size(model, &w, &h);
    if (st == SERFIQ_OK) st = serfiq_embedding_size(model, &emb_len);
    if (st != SERFIQ_OK) return fail("model sizes", st);
    crop_len = (size_t)w * h * 3;
    crop = malloc(crop_len);
    emb = malloc(emb_len * sizeof *emb);
    st = crop && emb ? serfiq_capture_best(capture, &best, SERFIQ_PIXEL_RGB, crop, crop_len, &crop_len, emb,
                                           emb_len, &emb_len)
                     : SERFIQ_ERR_INTERNAL;
    if (st == SERFIQ_ERR_NO_FACE) {
        free(crop);
        free(emb);
        printf("best none\n");
        return 0;
    }
    free(crop);
    free(emb);
    if (st != SERFIQ_OK) return fail("serfiq_capture_best", st);
    printf("best %llu %s %.2f %zu %zu\n", (unsigned long long)best.index, state_name(best.state),
           best.face.quality.q100, crop_len, emb_len);
    return 0;
}

int main(int argc, char **argv) {
    serfiq_options options;
    serfiq_model *model = NULL;
    serfiq_capture *capture = NULL;
    struct dirent **names = NULL;
    serfiq_status st;
    int count, i, rc = 0;
    if (argc != 4) {
        fprintf(stderr, "usage: %s MODEL.onnx DETECTOR.onnx FRAMES_DIR\n", argv[0]);
        return 2;
    }
    count = scandir(argv[3], &names, is_ppm, alphasort);
    if (count < 0) {
        perror(argv[3]);
        return 1;
    }
    serfiq_options_init(&options, sizeof options);
    options.model_path = argv[1];
    options.detector_path = argv[2];
    options.feedback_profile = "live";
    st = serfiq_create(&options, &model);
    if (st != SERFIQ_OK) rc = fail("serfiq_create", st);
    if (rc == 0 && (st = serfiq_capture_create(model, NULL, &capture)) != SERFIQ_OK)
        rc = fail("serfiq_capture_create", st);
    for (i = 0; rc == 0 && i < count; i++) {
        char path[4096];
        unsigned w, h;
        unsigned char *px;
        serfiq_image image = {0};
        serfiq_capture_frame frame;
        snprintf(path, sizeof path, "%s/%s", argv[3], names[i]->d_name);
        px = read_ppm(path, &w, &h);
        if (!px) {
            fprintf(stderr, "cannot read %s as a binary 8-bit PPM\n", path);
            rc = 1;
            break;
        }
        image.data = px;
        image.width = w;
        image.height = h;
        image.format = SERFIQ_PIXEL_RGB;
        st = serfiq_capture_push(capture, &image, 40 * (int64_t)i, &frame);
        free(px);
        if (st != SERFIQ_OK) {
            rc = fail(path, st);
            break;
        }
        if (frame.has_face)
            printf("%llu %s %016llx %.2f %u\n", (unsigned long long)frame.index, state_name(frame.state),
                   (unsigned long long)frame.feedback, frame.face.quality.q100, frame.is_best);
        else
            printf("%llu %s %016llx - %u\n", (unsigned long long)frame.index, state_name(frame.state),
                   (unsigned long long)frame.feedback, frame.is_best);
    }
    if (rc == 0) rc = print_best(model, capture);
    serfiq_capture_destroy(capture);
    serfiq_destroy(model);
    for (i = 0; i < count; i++) free(names[i]);
    free(names);
    return rc;
}
