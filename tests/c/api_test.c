/* The C API from C: create, score, embed, batch, destroy, and the error paths;
 * options structs of the first published size and of V3; face detection; the
 * detector digest, the model size limit, explicit-only search; fork().
 * Built with -Wall -Wextra -Werror -pedantic and ASan/UBSan by `make c-test`;
 * for Windows with mingw-w64 (no sanitizers) by `make platforms`, run under
 * wine, where only the fork() case is left out (Windows has no fork).
 * Usage: api_test MODEL.onnx LIBONNXRUNTIME.so FAKE_OLD_ORT.so DETECTOR.onnx FACE.ppm FACE.landmarks */
#define _DEFAULT_SOURCE /* mmap's MAP_ANONYMOUS, sysconf */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "serfiq.h"

static int failures = 0;

static void assessment(serfiq_model *m, const serfiq_image *img, const serfiq_image *none, const float *lm);

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                    \
        }                                                                  \
    } while (0)

/* A call must return `want` and leave a non-empty message (or "" on success). */
#define EXPECT(call, want)                                                 \
    do {                                                                   \
        serfiq_status got_ = (call);                                       \
        const char *msg_ = serfiq_last_error();                            \
        if (got_ != (want)) {                                              \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n", __FILE__, __LINE__, #call, \
                    serfiq_status_name(got_), serfiq_status_name(want), msg_); \
            failures++;                                                    \
        } else if ((want) != SERFIQ_OK && msg_[0] == '\0') {               \
            fprintf(stderr, "%s:%d: %s gave no message\n", __FILE__, __LINE__, #call); \
            failures++;                                                    \
        }                                                                  \
    } while (0)

/* A deterministic face-sized test pattern, BGR, with `pad` bytes after each row. */
static unsigned char *pattern(unsigned w, unsigned h, size_t pad, unsigned seed) {
    size_t stride = (size_t)w * 3 + pad;
    unsigned char *p = malloc(stride * h);
    unsigned x, y;
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++) {
            unsigned char *px = p + y * stride + (size_t)x * 3;
            px[0] = (unsigned char)((x * 7 + y * 3 + seed) & 255);
            px[1] = (unsigned char)((x * y + seed * 5) & 255);
            px[2] = (unsigned char)((255 - x - y + seed) & 255);
        }
    return p;
}

static serfiq_image image_of(const unsigned char *data, unsigned w, unsigned h, size_t pad) {
    serfiq_image img;
    img.data = data;
    img.width = w;
    img.height = h;
    img.stride = (size_t)w * 3 + pad;
    img.format = SERFIQ_PIXEL_BGR;
    return img;
}

static void runtime_errors(const char *model_path, const char *fake_ort) {
    serfiq_options o;
    serfiq_model *m = (serfiq_model *)&o; /* sentinel: must stay untouched */
    serfiq_model *const sentinel = m;

    EXPECT(serfiq_options_init(&o, sizeof o), SERFIQ_OK);
    o.model_path = model_path;
    o.ort_library_path = "/nonexistent/libonnxruntime.so.1";
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_RUNTIME_NOT_FOUND);
    CHECK(strstr(serfiq_last_error(), "/nonexistent/libonnxruntime.so.1") != NULL);
    CHECK(m == sentinel);

    o.ort_library_path = fake_ort;
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_RUNTIME_VERSION);
    CHECK(strstr(serfiq_last_error(), "1.16.3") != NULL);
    CHECK(m == sentinel);

    /* Explicit-only search and no path: nothing is searched (SERFIQ_ORT_LIB, the
     * folder of libserfiq and the system loader are not tried). */
    o.ort_library_path = NULL;
    o.search_paths = SERFIQ_SEARCH_EXPLICIT_ONLY;
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_RUNTIME_NOT_FOUND);
    CHECK(strstr(serfiq_last_error(), "explicit-only") != NULL);
    CHECK(m == sentinel);
}

/* The published sizes: each version a prefix of the next, the last the struct. */
static void option_sizes(void) {
    serfiq_options o;
    CHECK(SERFIQ_OPTIONS_SIZE_V1 == offsetof(serfiq_options, detector_path));
    CHECK(SERFIQ_OPTIONS_SIZE_V1 < SERFIQ_OPTIONS_SIZE_V2 && SERFIQ_OPTIONS_SIZE_V2 < SERFIQ_OPTIONS_SIZE_V3);
    CHECK(SERFIQ_OPTIONS_SIZE_V3 < SERFIQ_OPTIONS_SIZE_V4 && SERFIQ_OPTIONS_SIZE_V4 < SERFIQ_OPTIONS_SIZE_V5);
    CHECK(SERFIQ_OPTIONS_SIZE_V5 < SERFIQ_OPTIONS_SIZE_V6 && SERFIQ_OPTIONS_SIZE_V6 == sizeof(serfiq_options));
    CHECK(sizeof(void *) != 8 || SERFIQ_OPTIONS_SIZE_V5 == 216);
    /* V4 was sizeof of the struct that ended with search_paths. */
    CHECK(SERFIQ_OPTIONS_SIZE_V4 >= offsetof(serfiq_options, search_paths) + sizeof(serfiq_search_paths));
    CHECK(SERFIQ_OPTIONS_SIZE_V4 % _Alignof(serfiq_options) == 0);
    CHECK(SERFIQ_OPTIONS_SIZE_V4 <= offsetof(serfiq_options, detector_max_side));
    CHECK(sizeof(void *) != 8 || SERFIQ_OPTIONS_SIZE_V4 == 208);
    /* V3 was sizeof of the struct that ended with cuda_library_path. */
    CHECK(SERFIQ_OPTIONS_SIZE_V3 >= offsetof(serfiq_options, cuda_library_path) + sizeof(const char *));
    CHECK(SERFIQ_OPTIONS_SIZE_V3 % _Alignof(serfiq_options) == 0);
    EXPECT(serfiq_options_init(&o, sizeof o), SERFIQ_OK);
    CHECK(o.struct_size == SERFIQ_OPTIONS_SIZE_V6);
    CHECK(o.feedback_profile == NULL);
    CHECK(o.quality_net_path == NULL && o.quality_net_data == NULL && o.quality_net_size == 0);
    CHECK(o.quality_net_sha256 == NULL && o.quality_net_spec == NULL);
    CHECK(o.input_mode == SERFIQ_INPUT_AUTO && o.detector_max_side == 640);
    CHECK(o.max_model_bytes == (uint64_t)1 << 30 && o.detector_sha256 == NULL);
    CHECK(o.search_paths == SERFIQ_SEARCH_DEFAULT);
    CHECK(o.q100_quality == SERFIQ_Q100_DEFAULT);
}

static void create_errors(const char *model_path, const char *ort) {
    serfiq_options o;
    serfiq_model *m = NULL;
    static const unsigned char garbage[] = "this is not an ONNX model at all";

    EXPECT(serfiq_options_init(NULL, sizeof o), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_options_init(&o, SERFIQ_OPTIONS_SIZE_V1 - 8), SERFIQ_ERR_OPTIONS_SIZE);
    EXPECT(serfiq_options_init(&o, sizeof o + 8), SERFIQ_ERR_OPTIONS_SIZE);
    EXPECT(serfiq_create(NULL, &m), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_options_init(&o, sizeof o), SERFIQ_OK);
    o.ort_library_path = ort;
    o.model_path = model_path;
    EXPECT(serfiq_create(&o, NULL), SERFIQ_ERR_NULL_ARGUMENT);

    o.struct_size = SERFIQ_OPTIONS_SIZE_V1 - 8;
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_OPTIONS_SIZE);
    o.struct_size = sizeof o + 8;
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_OPTIONS_SIZE);
    o.struct_size = sizeof o;
    o.face_policy = 7;
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_INVALID_ARGUMENT);
    o.face_policy = SERFIQ_FACE_LARGEST;
    o.detector_path = "/nonexistent/detector.onnx";
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_MODEL_NOT_FOUND);
    CHECK(strstr(serfiq_last_error(), "detector") != NULL);
    o.detector_path = NULL;
    o.detector_data = garbage;
    o.detector_size = sizeof garbage;
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_MODEL_INVALID);
    CHECK(strstr(serfiq_last_error(), "detector") != NULL);
    o.detector_data = NULL;
    o.detector_size = 0;

    o.model_path = NULL;
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_NULL_ARGUMENT);
    o.model_path = "/nonexistent/model.onnx";
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_MODEL_NOT_FOUND);
    o.model_path = NULL;
    o.model_data = garbage;
    o.model_size = 0;
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_MODEL_INVALID);
    o.model_size = sizeof garbage;
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_MODEL_INVALID);

    o.model_path = model_path;
    o.search_paths = 7;
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_INVALID_ARGUMENT);
    CHECK(strstr(serfiq_last_error(), "search_paths") != NULL);
    o.search_paths = SERFIQ_SEARCH_DEFAULT;
    o.max_model_bytes = 4096;
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_UNSUPPORTED_MODEL);
    CHECK(strstr(serfiq_last_error(), "max_model_bytes") != NULL);
    o.max_model_bytes = ((uint64_t)1 << 31);
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_INVALID_ARGUMENT);
    o.max_model_bytes = 0;
    o.detector_sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_INVALID_ARGUMENT);
    CHECK(strstr(serfiq_last_error(), "detector") != NULL);
    o.detector_sha256 = NULL;
    o.samples = 1;
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_INVALID_ARGUMENT);
    o.samples = 100;
    o.dropout = 1.0f;
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_INVALID_ARGUMENT);
    o.dropout = 0.5f;
    o.embedding_layer = "no_such_layer";
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_EMBEDDING_LAYER_NOT_FOUND);
    CHECK(strstr(serfiq_last_error(), "embedding_layer") != NULL);
    CHECK(m == NULL);
}

static void scoring(serfiq_model *m) {
    size_t dim = 0, len = 0;
    uint32_t w = 0, h = 0;
    float *emb, *emb2, *batch_emb;
    serfiq_quality q = {-1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f}, q2, batch_q[3];
    unsigned char *aligned = pattern(112, 112, 0, 1);
    unsigned char *padded = pattern(112, 112, 13, 1);
    unsigned char *photo = pattern(300, 240, 5, 2);
    float lm[SERFIQ_LANDMARK_FLOATS] = {120, 100, 170, 101, 146, 130, 125, 160, 166, 159};
    serfiq_image img = image_of(aligned, 112, 112, 0);
    serfiq_image imgs[3];
    int i;

    EXPECT(serfiq_embedding_size(m, &dim), SERFIQ_OK);
    CHECK(dim == 512);
    EXPECT(serfiq_input_size(m, &w, &h), SERFIQ_OK);
    CHECK(w == 112 && h == 112);
    emb = calloc(dim, sizeof *emb);
    emb2 = calloc(dim, sizeof *emb2);
    batch_emb = calloc(3 * dim, sizeof *batch_emb);

    EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_OK);
    CHECK(q.s > 0.0f && q.s <= 1.0f && q.q > 0.0f && q.q < 1.0f);
    CHECK(q.n > 0.0f && q.f == q.f && q.q100 >= 0.0f && q.q100 <= 100.0f);
    CHECK(isnan(q.l)); /* no quality network named: l is NAN, the only non-finite result */

    /* Padded rows give the same pixels, so the same score, bit for bit. */
    img = image_of(padded, 112, 112, 13);
    EXPECT(serfiq_score(m, &img, NULL, &q2), SERFIQ_OK);
    CHECK(q2.s == q.s && q2.q == q.q && q2.n == q.n && q2.f == q.f && q2.q100 == q.q100);

    /* Too small a buffer: the needed size, nothing written. */
    emb[0] = 42.0f;
    EXPECT(serfiq_embed(m, &img, NULL, emb, dim - 1, &len), SERFIQ_ERR_BUFFER_TOO_SMALL);
    CHECK(len == dim && emb[0] == 42.0f);
    EXPECT(serfiq_embed(m, &img, NULL, emb, dim, &len), SERFIQ_OK);
    CHECK(len == dim);
    EXPECT(serfiq_score_embed(m, &img, NULL, &q2, emb2, dim, NULL), SERFIQ_OK);
    CHECK(q2.s == q.s);
    for (i = 0; i < (int)dim; i++) CHECK(fabsf(emb[i] - emb2[i]) <= 1e-5f);

    /* A batch equals the single calls: two crops and one photo with landmarks. */
    imgs[0] = image_of(aligned, 112, 112, 0);
    imgs[1] = image_of(photo, 300, 240, 5);
    imgs[2] = image_of(padded, 112, 112, 13);
    {
        float lms[3 * SERFIQ_LANDMARK_FLOATS];
        serfiq_image crops[2];
        memset(lms, 0, sizeof lms);
        memcpy(lms + SERFIQ_LANDMARK_FLOATS, lm, sizeof lm);
        /* With landmarks for all, the crops need landmarks too: use their template points. */
        {
            const float tmpl[SERFIQ_LANDMARK_FLOATS] = {38.2946f, 51.6963f, 73.5318f, 51.5014f, 56.0252f,
                                                         71.7366f, 41.5493f, 92.3655f, 70.7299f, 92.2041f};
            memcpy(lms, tmpl, sizeof tmpl);
            memcpy(lms + 2 * SERFIQ_LANDMARK_FLOATS, tmpl, sizeof tmpl);
        }
        EXPECT(serfiq_score_batch(m, imgs, 3, lms, batch_q, batch_emb, 3 * dim), SERFIQ_OK);
        EXPECT(serfiq_score(m, &imgs[1], lm, &q2), SERFIQ_OK);
        CHECK(q2.s == batch_q[1].s);
        /* Without landmarks, only aligned crops are accepted. */
        EXPECT(serfiq_score_batch(m, imgs, 3, NULL, batch_q, NULL, 0), SERFIQ_ERR_INVALID_IMAGE);
        crops[0] = imgs[0];
        crops[1] = imgs[2];
        EXPECT(serfiq_score_batch(m, crops, 2, NULL, batch_q, batch_emb, 2 * dim), SERFIQ_OK);
        CHECK(batch_q[0].s == q.s && batch_q[1].s == q.s);
        for (i = 0; i < (int)dim; i++) CHECK(batch_emb[i] == batch_emb[dim + i]);
        EXPECT(serfiq_score_batch(m, crops, 2, NULL, batch_q, batch_emb, 2 * dim - 1), SERFIQ_ERR_BUFFER_TOO_SMALL);
    }

    free(aligned);
    free(padded);
    free(photo);
    free(emb);
    free(emb2);
    free(batch_emb);
}

static void input_errors(serfiq_model *m) {
    unsigned char *aligned = pattern(112, 112, 0, 3);
    serfiq_image img = image_of(aligned, 112, 112, 0);
    serfiq_quality q = {-1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f};
    float emb[4];
    size_t len = 0;
    float nan_lm[SERFIQ_LANDMARK_FLOATS] = {40, 50, 70, 50, 56, 70, 42, 90, 70, 90};
    float same_lm[SERFIQ_LANDMARK_FLOATS] = {50, 50, 50, 50, 50, 50, 50, 50, 50, 50};
    float out_lm[SERFIQ_LANDMARK_FLOATS] = {40, 50, 70, 50, 56, 70, 42, 90, 700, 90};
    nan_lm[3] = nanf("");

    EXPECT(serfiq_score(NULL, &img, NULL, &q), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_score(m, NULL, NULL, &q), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_score(m, &img, NULL, NULL), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_embed(m, &img, NULL, NULL, 512, &len), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_embed(m, &img, NULL, emb, 4, &len), SERFIQ_ERR_BUFFER_TOO_SMALL);
    EXPECT(serfiq_embedding_size(m, NULL), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_input_size(NULL, NULL, NULL), SERFIQ_ERR_NULL_ARGUMENT);

    img.data = NULL;
    EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_ERR_NULL_ARGUMENT);
    img = image_of(aligned, 0, 112, 0);
    EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_ERR_INVALID_IMAGE);
    img = image_of(aligned, 112, 0, 0);
    EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_ERR_INVALID_IMAGE);
    img = image_of(aligned, 0xFFFFFFFFu, 0xFFFFFFFFu, 0);
    EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_ERR_INVALID_IMAGE);
    img = image_of(aligned, 112, 112, 0);
    img.stride = 100;
    EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_ERR_INVALID_IMAGE);
    img.stride = (size_t)-1;
    EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_ERR_INVALID_IMAGE);
    img = image_of(aligned, 112, 112, 0);
    img.format = 99;
    EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_ERR_INVALID_IMAGE);
    img = image_of(aligned, 100, 100, 36);
    EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_ERR_INVALID_IMAGE);
    img = image_of(aligned, 112, 112, 0);
    EXPECT(serfiq_score(m, &img, nan_lm, &q), SERFIQ_ERR_INVALID_LANDMARKS);
    EXPECT(serfiq_score(m, &img, same_lm, &q), SERFIQ_ERR_INVALID_LANDMARKS);
    EXPECT(serfiq_score(m, &img, out_lm, &q), SERFIQ_ERR_INVALID_LANDMARKS);
    CHECK(q.s == -1.0f && q.q == -1.0f); /* untouched by every failure */

    EXPECT(serfiq_score_batch(m, &img, 0, NULL, &q, NULL, 0), SERFIQ_ERR_INVALID_ARGUMENT);
    EXPECT(serfiq_score_batch(m, &img, (size_t)1 << 40, NULL, &q, NULL, 0), SERFIQ_ERR_INVALID_ARGUMENT);
    EXPECT(serfiq_score_batch(m, NULL, 1, NULL, &q, NULL, 0), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_score_batch(m, &img, 1, NULL, NULL, NULL, 0), SERFIQ_ERR_NULL_ARGUMENT);

    /* The model still works after all of that. */
    EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_OK);
    free(aligned);
}

/* A binary PPM (P6, maxval 255, no comments) as RGB bytes, or NULL. */
static unsigned char *read_ppm(const char *path, unsigned *w, unsigned *h) {
    FILE *f = fopen(path, "rb");
    unsigned char *p = NULL;
    unsigned maxval = 0;
    if (f == NULL) return NULL;
    if (fscanf(f, "P6 %u %u %u", w, h, &maxval) == 3 && maxval == 255 && fgetc(f) != EOF) {
        size_t n = (size_t)*w * *h * 3;
        p = malloc(n);
        if (p != NULL && fread(p, 1, n, f) != n) {
            free(p);
            p = NULL;
        }
    }
    fclose(f);
    return p;
}

/* Two pages, the second inaccessible: returns the first byte of the second
 * (NULL on failure), so a struct placed just before it has nothing behind it. */
static unsigned char *guarded_end(void) {
#ifdef _WIN32
    SYSTEM_INFO si;
    DWORD old;
    unsigned char *pages;
    GetSystemInfo(&si);
    pages = VirtualAlloc(NULL, 2 * (size_t)si.dwPageSize, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    if (pages == NULL || !VirtualProtect(pages + si.dwPageSize, si.dwPageSize, PAGE_NOACCESS, &old)) return NULL;
    return pages + si.dwPageSize;
#else
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *pages = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED || mprotect(pages + page, (size_t)page, PROT_NONE) != 0) return NULL;
    return pages + page;
#endif
}

static void guarded_free(unsigned char *end) {
#ifdef _WIN32
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    VirtualFree(end - si.dwPageSize, 0, MEM_RELEASE);
#else
    long page = sysconf(_SC_PAGESIZE);
    munmap(end - page, 2 * (size_t)page);
#endif
}

/* A caller compiled against the first header passes a struct of exactly
 * SERFIQ_OPTIONS_SIZE_V1 bytes (as the C# binding does). The struct below ends
 * where an inaccessible page begins, so any byte the library read or wrote past
 * it would crash this test (ASan cannot see loads inlined in the library).
 * Such a model has no detector. */
static void v1_options(const char *model_path, const char *ort) {
    unsigned char *end = guarded_end();
    serfiq_options *o;
    serfiq_model *m = NULL;
    unsigned char *photo = pattern(300, 240, 0, 4);
    serfiq_image img = image_of(photo, 300, 240, 0);
    serfiq_quality q;
    serfiq_face face;
    size_t count = 0;

    CHECK(end != NULL);
    if (end == NULL) return;
    o = (serfiq_options *)(end - SERFIQ_OPTIONS_SIZE_V1);
    EXPECT(serfiq_options_init(o, SERFIQ_OPTIONS_SIZE_V1), SERFIQ_OK);
    CHECK(o->struct_size == SERFIQ_OPTIONS_SIZE_V1 && o->samples == 100);
    o->model_path = model_path;
    o->ort_library_path = ort;
    EXPECT(serfiq_create(o, &m), SERFIQ_OK);
    /* No detector: a photo needs landmarks, and detect_score says why it cannot run. */
    EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_ERR_INVALID_IMAGE);
    EXPECT(serfiq_detect_score(m, &img, &face, 1, &count, NULL, 0), SERFIQ_ERR_INVALID_ARGUMENT);
    serfiq_destroy(m);
    guarded_free(end);
    free(photo);
}

/* A caller compiled against the V3 header: its struct ends where the V4 fields
 * begin, at an inaccessible page; it gets their defaults and reads back a V3
 * struct. */
static void v3_options(const char *model_path, const char *ort) {
    unsigned char *end = guarded_end();
    serfiq_options *o, full;
    serfiq_model *m = NULL;

    CHECK(end != NULL);
    if (end == NULL) return;
    o = (serfiq_options *)(end - SERFIQ_OPTIONS_SIZE_V3);
    EXPECT(serfiq_options_init(o, SERFIQ_OPTIONS_SIZE_V3), SERFIQ_OK);
    CHECK(o->struct_size == SERFIQ_OPTIONS_SIZE_V3 && o->cuda_library_path == NULL);
    o->model_path = model_path;
    o->ort_library_path = ort;
    EXPECT(serfiq_create(o, &m), SERFIQ_OK);
    if (m == NULL) return;
    o->samples = 0;
    EXPECT(serfiq_get_options(m, o), SERFIQ_OK);
    CHECK(o->struct_size == SERFIQ_OPTIONS_SIZE_V3 && o->samples == 100);
    EXPECT(serfiq_options_init(&full, sizeof full), SERFIQ_OK);
    EXPECT(serfiq_get_options(m, &full), SERFIQ_OK);
    CHECK(full.max_model_bytes == (uint64_t)1 << 30 && full.detector_sha256 == NULL);
    CHECK(full.search_paths == SERFIQ_SEARCH_DEFAULT);
    serfiq_destroy(m);
    guarded_free(end);
}

/* A model inherited through fork(): the child's scoring call fails with
 * SERFIQ_ERR_FORKED (and returns: a deadlock would hang the test); the parent's
 * model keeps working. */
#ifndef _WIN32
static void after_fork(serfiq_model *m) {
    unsigned char *aligned = pattern(112, 112, 0, 6);
    serfiq_image img = image_of(aligned, 112, 112, 0);
    serfiq_quality q = {-1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f};
    int status = 0;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        serfiq_status st = serfiq_score(m, &img, NULL, &q);
        int ok = st == SERFIQ_ERR_FORKED && q.s == -1.0f && strstr(serfiq_last_error(), "fork()") != NULL;
        if (!ok) fprintf(stderr, "child after fork(): %s: %s\n", serfiq_status_name(st), serfiq_last_error());
        _exit(ok ? 0 : 1);
    }
    if (pid > 0) {
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK(strcmp(serfiq_status_name(SERFIQ_ERR_FORKED), "SERFIQ_ERR_FORKED") == 0);
    EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_OK);
    free(aligned);
}
#endif

/* The detector's digest: a wrong pin names the detector and its actual digest;
 * that digest opens it; every new option reads back. */
static void detector_digest(const char *model_path, const char *ort, const char *detector) {
    serfiq_options o, back;
    serfiq_model *m = NULL;
    char digest[65];
    const char *at;

    EXPECT(serfiq_options_init(&o, sizeof o), SERFIQ_OK);
    o.model_path = model_path;
    o.ort_library_path = ort;
    o.detector_path = detector;
    o.detector_sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
    EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_MODEL_DIGEST_MISMATCH);
    CHECK(m == NULL);
    at = strstr(serfiq_last_error(), "detector model SHA-256 is ");
    CHECK(at != NULL);
    if (at == NULL) return;
    memcpy(digest, at + strlen("detector model SHA-256 is "), 64);
    digest[64] = '\0';
    CHECK(strspn(digest, "0123456789abcdef") == 64);
    o.detector_sha256 = digest;
    o.max_model_bytes = 10 * 1000 * 1000;
    o.search_paths = SERFIQ_SEARCH_EXPLICIT_ONLY;
    EXPECT(serfiq_create(&o, &m), SERFIQ_OK);
    if (m == NULL) return;
    EXPECT(serfiq_options_init(&back, sizeof back), SERFIQ_OK);
    EXPECT(serfiq_get_options(m, &back), SERFIQ_OK);
    CHECK(back.detector_sha256 != NULL && strcmp(back.detector_sha256, digest) == 0);
    CHECK(back.max_model_bytes == 10 * 1000 * 1000 && back.search_paths == SERFIQ_SEARCH_EXPLICIT_ONLY);
    serfiq_destroy(m);
}

/* Detection: the demo photo (face.ppm, obama.jpg) has one face, found where its
 * recorded landmarks are; scoring it without landmarks equals scoring it with
 * the detected ones; blank and tiny images have no face. */
/* The per-image batch, the aligned crop, the options read back and the live
 * count, on a model with a detector: `photo` has one face (`face`, with
 * embedding `face_emb`), `blank` none. */
static void per_image(serfiq_model *m, const serfiq_image *photo, const serfiq_image *blank, const serfiq_face *face,
                      const float *face_emb, size_t dim) {
    serfiq_image imgs[3];
    serfiq_quality qs[3] = {{-1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f}, {-1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f}, {-1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f}};
    serfiq_status st[3] = {99, 99, 99};
    float *emb = calloc(3 * dim, sizeof *emb);
    unsigned char *crop = calloc(112 * 112 * 3, 1), *crop_rgb = calloc(112 * 112 * 3, 1);
    size_t i, len = 0;
    serfiq_options back;
    size_t live = serfiq_live_models();

    imgs[0] = *photo;
    imgs[1] = *blank;
    imgs[2] = *photo;
    imgs[2].format = 77;
    for (i = 0; i < 3 * dim; i++) emb[i] = 42.0f;
    EXPECT(serfiq_score_batch_each(m, imgs, 3, NULL, qs, emb, 3 * dim, NULL), SERFIQ_ERR_NULL_ARGUMENT);
    CHECK(st[0] == 99);
    EXPECT(serfiq_score_batch_each(m, imgs, 3, NULL, qs, emb, 3 * dim, st), SERFIQ_ERR_IMAGES_FAILED);
    CHECK(strstr(serfiq_last_error(), "2 of 3 images failed") != NULL);
    CHECK(st[0] == SERFIQ_OK && st[1] == SERFIQ_ERR_NO_FACE && st[2] == SERFIQ_ERR_INVALID_IMAGE);
    CHECK(qs[0].s == face->quality.s && qs[0].q == face->quality.q);
    CHECK(qs[1].s == -1.0f && qs[2].s == -1.0f);
    for (i = 0; i < dim; i++) CHECK(emb[i] == face_emb[i] && emb[dim + i] == 42.0f && emb[2 * dim + i] == 42.0f);
    CHECK(serfiq_image_error(0)[0] == '\0');
    CHECK(strncmp(serfiq_image_error(1), "image 1: no face", 16) == 0);
    CHECK(strncmp(serfiq_image_error(2), "image 2: unknown pixel format", 29) == 0);
    CHECK(serfiq_image_error(3)[0] == '\0');

    /* The crop the scoring calls see: the same quality when scored as a crop. */
    EXPECT(serfiq_aligned_crop(m, photo, NULL, SERFIQ_PIXEL_RGB, crop_rgb, 112 * 112 * 3, &len), SERFIQ_OK);
    CHECK(len == 112 * 112 * 3);
    EXPECT(serfiq_aligned_crop(m, photo, face->landmarks, SERFIQ_PIXEL_BGR, crop, 112 * 112 * 3, &len), SERFIQ_OK);
    for (i = 0; i < len; i += 3) CHECK(crop[i] == crop_rgb[i + 2] && crop[i + 2] == crop_rgb[i]);
    {
        serfiq_image c = {crop_rgb, 112, 112, 0, SERFIQ_PIXEL_RGB};
        serfiq_quality cq;
        EXPECT(serfiq_score(m, &c, NULL, &cq), SERFIQ_OK);
        /* The crop is rounded to 8 bits: close to, not exactly, the photo's score. */
        CHECK(fabsf(cq.s - face->quality.s) < 5e-3f);
    }

    /* Options read back: the ones the model was made with. */
    EXPECT(serfiq_options_init(&back, sizeof back), SERFIQ_OK);
    EXPECT(serfiq_get_options(m, &back), SERFIQ_OK);
    CHECK(back.detector_path != NULL && strstr(back.detector_path, "retinaface") != NULL);
    CHECK(back.samples == 100 && back.detector_threshold == 0.9f && back.face_policy == SERFIQ_FACE_LARGEST);
    CHECK(back.alpha == 118.0 && back.r == 0.576);
    CHECK(live >= 1);
    free(emb);
    free(crop);
    free(crop_rgb);
}


/* The same grey image of the input size as a crop and as a photo (input_mode), with
 * `auto_model` (input_mode auto, a detector) as the control; crop refuses another size. */
static void input_modes(const char *model_path, const char *ort, const char *detector, const serfiq_model *auto_model) {
    static const serfiq_input_mode modes[2] = {SERFIQ_INPUT_CROP, SERFIQ_INPUT_PHOTO};
    unsigned char *grey = malloc(200 * 200 * 3);
    serfiq_image img = {0};
    serfiq_quality by_size, q;
    serfiq_options o;
    size_t count = 99, i;
    memset(grey, 128, 200 * 200 * 3);
    img.data = grey;
    img.width = 112;
    img.height = 112;
    img.format = SERFIQ_PIXEL_RGB;
    EXPECT(serfiq_score(auto_model, &img, NULL, &by_size), SERFIQ_OK); /* auto: a crop, by its size */
    for (i = 0; i < 2; i++) {
        serfiq_model *m = NULL;
        EXPECT(serfiq_options_init(&o, sizeof o), SERFIQ_OK);
        o.model_path = model_path;
        o.ort_library_path = ort;
        o.detector_path = detector;
        o.input_mode = modes[i];
        EXPECT(serfiq_create(&o, &m), SERFIQ_OK);
        if (m == NULL) continue;
        img.width = img.height = 112;
        if (modes[i] == SERFIQ_INPUT_CROP) {
            EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_OK);
            CHECK(q.s == by_size.s && q.q == by_size.q);
            img.width = img.height = 200;
            EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_ERR_INVALID_IMAGE);
            CHECK(strstr(serfiq_last_error(), "input_mode is crop") != NULL);
        } else {
            EXPECT(serfiq_score(m, &img, NULL, &q), SERFIQ_ERR_NO_FACE);
            EXPECT(serfiq_detect_score(m, &img, NULL, 0, &count, NULL, 0), SERFIQ_OK);
            CHECK(count == 0);
        }
        serfiq_destroy(m);
    }
    /* A photo with nothing to find it with. */
    {
        serfiq_model *m = NULL;
        EXPECT(serfiq_options_init(&o, sizeof o), SERFIQ_OK);
        o.model_path = model_path;
        o.ort_library_path = ort;
        o.input_mode = SERFIQ_INPUT_PHOTO;
        EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_INVALID_ARGUMENT);
        CHECK(m == NULL);
    }
    free(grey);
}

/* The capture loop: the fixture face pushed as a still camera would give it,
 * the states it goes through, its best frame against serfiq_aligned_crop and
 * serfiq_score_embed, and every error path. */
static void capture_loop(serfiq_model *m, const char *model_path, const char *ort, const char *detector,
                         const serfiq_image *img, const serfiq_image *blank) {
    serfiq_capture_options co;
    serfiq_capture *c = NULL, *sentinel = (serfiq_capture *)&co;
    serfiq_capture_frame f;
    serfiq_capture_best_frame best;
    serfiq_options o;
    serfiq_model *m2 = NULL;
    serfiq_quality q;
    unsigned char crop[112 * 112 * 3], crop2[112 * 112 * 3];
    float emb[512], emb2[512];
    size_t len = 0, elen = 0;
    const serfiq_capture_state want[8] = {SERFIQ_CAPTURE_HOLD_STILL, SERFIQ_CAPTURE_HOLD_STILL, SERFIQ_CAPTURE_HOLD_STILL,
                                          SERFIQ_CAPTURE_HOLD_STILL, SERFIQ_CAPTURE_HOLD_STILL, SERFIQ_CAPTURE_CAPTURED,
                                          SERFIQ_CAPTURE_CAPTURED,   SERFIQ_CAPTURE_CAPTURED};
    int i;

    EXPECT(serfiq_capture_options_init(NULL, sizeof co), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_capture_options_init(&co, sizeof co - 1), SERFIQ_ERR_OPTIONS_SIZE);
    EXPECT(serfiq_capture_options_init(&co, sizeof co), SERFIQ_OK);
    CHECK(co.struct_size == SERFIQ_CAPTURE_OPTIONS_SIZE_V1 && co.struct_size == sizeof co);
    CHECK(co.min_q100 == 50.0f && co.steady_frames == 5 && co.steady_ms == 0 && co.redetect_frames == 15);
    CHECK(co.track_side == 256 && co.blocking_feedback == UINT64_MAX);
    /* Bad options: nothing created, the output untouched. */
    co.steady_frames = 0;
    c = sentinel;
    EXPECT(serfiq_capture_create(m, &co, &c), SERFIQ_ERR_INVALID_ARGUMENT);
    CHECK(strstr(serfiq_last_error(), "steady_frames") != NULL && c == sentinel);
    co.steady_frames = 5;
    co.struct_size = 8;
    EXPECT(serfiq_capture_create(m, &co, &c), SERFIQ_ERR_OPTIONS_SIZE);
    co.struct_size = sizeof co;
    EXPECT(serfiq_capture_create(NULL, &co, &c), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_capture_create(m, &co, NULL), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_capture_push(NULL, img, 0, &f), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_capture_reset(NULL), SERFIQ_ERR_NULL_ARGUMENT);
    serfiq_capture_destroy(NULL);

    /* Every face passes (no blocking feedback, threshold 0): only steadiness decides. */
    co.blocking_feedback = 0;
    co.min_q100 = 0.0f;
    EXPECT(serfiq_capture_create(m, &co, &c), SERFIQ_OK);
    if (c == NULL || c == sentinel) return;
    EXPECT(serfiq_capture_best(c, &best, SERFIQ_PIXEL_BGR, NULL, 0, NULL, NULL, 0, NULL), SERFIQ_ERR_NO_FACE);
    for (i = 0; i < 8; i++) {
        EXPECT(serfiq_capture_push(c, img, 1000 + 40 * i, &f), SERFIQ_OK);
        CHECK(f.index == (uint64_t)i && f.has_face == 1 && f.track == 1 && f.state == want[i]);
        CHECK(f.new_track == (i == 0) && f.full_search == (i == 0));
        CHECK(f.face.quality.q100 >= 0.0f && f.face.quality.q100 <= 100.0f && f.face.confidence > 0.9f);
        if (i > 0) CHECK(f.motion >= 0.0f && f.motion < 0.05f && f.similarity > 0.9f && f.overlap > 0.5f);
        /* The frame's feedback holds the components' (the profile's) codes. */
        CHECK((f.feedback & f.components.feedback) == f.components.feedback);
        CHECK(f.components.count == serfiq_component_count() && f.components.raw[1] > 10.0f); /* InterEyeDistance */
        CHECK(f.components.raw[0] == f.face.quality.q100);                                   /* UnifiedQualityScore */
    }
    /* A timestamp that goes back: refused, nothing written, the frame not counted. */
    f.index = 999;
    EXPECT(serfiq_capture_push(c, img, 10, &f), SERFIQ_ERR_INVALID_ARGUMENT);
    CHECK(f.index == 999 && strstr(serfiq_last_error(), "timestamp") != NULL);
    EXPECT(serfiq_capture_push(c, NULL, 2000, &f), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_capture_push(c, img, 2000, NULL), SERFIQ_ERR_NULL_ARGUMENT);
    {
        serfiq_image bad = *img;
        bad.format = 99;
        EXPECT(serfiq_capture_push(c, &bad, 2000, &f), SERFIQ_ERR_INVALID_IMAGE);
    }
    /* The best frame is the first CAPTURED one; buffers too small say what they need. */
    EXPECT(serfiq_capture_best(c, &best, SERFIQ_PIXEL_BGR, crop, 10, &len, emb, 512, &elen), SERFIQ_ERR_BUFFER_TOO_SMALL);
    CHECK(len == sizeof crop);
    EXPECT(serfiq_capture_best(c, &best, SERFIQ_PIXEL_GRAY, crop, sizeof crop, &len, NULL, 0, NULL),
           SERFIQ_ERR_INVALID_ARGUMENT);
    EXPECT(serfiq_capture_best(c, &best, SERFIQ_PIXEL_BGR, crop, sizeof crop, &len, emb, 512, &elen), SERFIQ_OK);
    CHECK(best.index == 5 && best.state == SERFIQ_CAPTURE_CAPTURED && best.track == 1 && best.timestamp_ms == 1200);
    CHECK(len == sizeof crop && elen == 512);
    /* Its crop and embedding are what the single-face calls give for its landmarks. */
    EXPECT(serfiq_aligned_crop(m, img, best.face.landmarks, SERFIQ_PIXEL_BGR, crop2, sizeof crop2, NULL), SERFIQ_OK);
    CHECK(memcmp(crop, crop2, sizeof crop) == 0);
    EXPECT(serfiq_score_embed(m, img, best.face.landmarks, &q, emb2, 512, NULL), SERFIQ_OK);
    CHECK(q.s == best.face.quality.s && q.q100 == best.face.quality.q100);
    for (i = 0; i < 512; i++) CHECK(emb[i] == emb2[i]);
    /* No face: SEARCHING with NO_FACE (code 0); the best frame stays. */
    EXPECT(serfiq_capture_push(c, blank, 3000, &f), SERFIQ_OK);
    CHECK(f.state == SERFIQ_CAPTURE_SEARCHING && f.has_face == 0 && f.feedback == 1);
    CHECK(strcmp(serfiq_feedback_name(0), "NO_FACE") == 0 && f.components.raw[1] != f.components.raw[1]);
    EXPECT(serfiq_capture_best(c, &best, SERFIQ_PIXEL_RGB, NULL, 0, NULL, NULL, 0, NULL), SERFIQ_OK);
    /* Reset forgets it all. */
    EXPECT(serfiq_capture_reset(c), SERFIQ_OK);
    EXPECT(serfiq_capture_best(c, &best, SERFIQ_PIXEL_RGB, NULL, 0, NULL, NULL, 0, NULL), SERFIQ_ERR_NO_FACE);
    EXPECT(serfiq_capture_push(c, img, 0, &f), SERFIQ_OK);
    CHECK(f.index == 0 && f.new_track == 1 && f.track == 1);
    serfiq_capture_destroy(c);

    /* A model without a detector cannot capture; a capture outlives its model's handle. */
    EXPECT(serfiq_options_init(&o, sizeof o), SERFIQ_OK);
    o.model_path = model_path;
    o.ort_library_path = ort;
    EXPECT(serfiq_create(&o, &m2), SERFIQ_OK);
    c = sentinel;
    EXPECT(serfiq_capture_create(m2, NULL, &c), SERFIQ_ERR_INVALID_ARGUMENT);
    CHECK(strstr(serfiq_last_error(), "detector") != NULL && c == sentinel);
    serfiq_destroy(m2);
    m2 = NULL;
    o.detector_path = detector;
    EXPECT(serfiq_create(&o, &m2), SERFIQ_OK);
    c = NULL;
    EXPECT(serfiq_capture_create(m2, NULL, &c), SERFIQ_OK);
    serfiq_destroy(m2);
    EXPECT(serfiq_capture_push(c, img, 0, &f), SERFIQ_OK);
    CHECK(f.has_face == 1);
    serfiq_capture_destroy(c);
}

static void detection(const char *model_path, const char *ort, const char *detector, const char *ppm,
                      const char *lm_path) {
    serfiq_options o;
    serfiq_model *m = NULL;
    unsigned w = 0, h = 0;
    unsigned char *rgb = read_ppm(ppm, &w, &h);
    unsigned char *blank = calloc(640 * 480, 3);
    float lm[SERFIQ_LANDMARK_FLOATS];
    FILE *lf = fopen(lm_path, "r");
    serfiq_image img, none;
    serfiq_face faces[2];
    serfiq_quality q = {-1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f}, q_lm;
    size_t count = 0, dim = 0;
    float *emb, *emb1;
    int i;

    CHECK(rgb != NULL && lf != NULL);
    if (rgb == NULL || lf == NULL) return;
    for (i = 0; i < SERFIQ_LANDMARK_FLOATS; i++) CHECK(fscanf(lf, "%f", &lm[i]) == 1);
    fclose(lf);
    img.data = rgb;
    img.width = w;
    img.height = h;
    img.stride = 0;
    img.format = SERFIQ_PIXEL_RGB;

    EXPECT(serfiq_options_init(&o, sizeof o), SERFIQ_OK);
    CHECK(o.detector_path == NULL && o.face_policy == SERFIQ_FACE_LARGEST && o.detector_threshold == 0.9f);
    o.model_path = model_path;
    o.ort_library_path = ort;
    o.detector_path = detector;
    EXPECT(serfiq_create(&o, &m), SERFIQ_OK);
    if (m == NULL) return;
    EXPECT(serfiq_embedding_size(m, &dim), SERFIQ_OK);
    emb = calloc(2 * dim, sizeof *emb);
    emb1 = calloc(dim, sizeof *emb1);

    /* How many faces: a count query (no buffer) is OK, with faces or without. */
    EXPECT(serfiq_detect_score(m, &img, NULL, 0, &count, NULL, 0), SERFIQ_OK);
    CHECK(count == 1);
    EXPECT(serfiq_detect_score(m, &img, faces, 0, &count, NULL, 0), SERFIQ_ERR_BUFFER_TOO_SMALL);
    CHECK(count == 1);
    faces[0].confidence = -1.0f;
    EXPECT(serfiq_detect_score(m, &img, faces, 2, &count, emb, dim - 1), SERFIQ_ERR_BUFFER_TOO_SMALL);
    CHECK(count == 1 && faces[0].confidence == -1.0f);
    EXPECT(serfiq_detect_score(m, &img, faces, 2, &count, emb, 2 * dim), SERFIQ_OK);
    CHECK(count == 1);
    CHECK(faces[0].confidence > 0.9f && faces[0].confidence <= 1.0f);
    CHECK(faces[0].box[0] < lm[0] && lm[2] < faces[0].box[2] && faces[0].box[1] < lm[1] && lm[9] < faces[0].box[3]);
    for (i = 0; i < SERFIQ_LANDMARK_FLOATS; i++) CHECK(fabsf(faces[0].landmarks[i] - lm[i]) < 1.0f);

    /* The single-face calls find the same face. */
    EXPECT(serfiq_score_embed(m, &img, NULL, &q, emb1, dim, NULL), SERFIQ_OK);
    CHECK(q.s == faces[0].quality.s && q.q == faces[0].quality.q);
    for (i = 0; i < (int)dim; i++) CHECK(emb1[i] == emb[i]);
    EXPECT(serfiq_score(m, &img, faces[0].landmarks, &q_lm), SERFIQ_OK);
    CHECK(q_lm.s == q.s);
    /* Given landmarks win over the detector. */
    EXPECT(serfiq_score(m, &img, lm, &q_lm), SERFIQ_OK);
    CHECK(fabsf(q_lm.s - q.s) < 2e-3f);

    /* No face: its own status, outputs untouched; detect_score reports 0 faces. */
    none.data = blank;
    none.width = 640;
    none.height = 480;
    none.stride = 0;
    none.format = SERFIQ_PIXEL_BGR;
    q.s = -1.0f;
    EXPECT(serfiq_score(m, &none, NULL, &q), SERFIQ_ERR_NO_FACE);
    CHECK(q.s == -1.0f);
    CHECK(strcmp(serfiq_status_name(SERFIQ_ERR_NO_FACE), "SERFIQ_ERR_NO_FACE") == 0);
    EXPECT(serfiq_detect_score(m, &none, faces, 2, &count, NULL, 0), SERFIQ_OK);
    CHECK(count == 0);
    count = 99;
    EXPECT(serfiq_detect_score(m, &none, NULL, 0, &count, NULL, 0), SERFIQ_OK); /* the count query, no face */
    CHECK(count == 0);
    input_modes(model_path, ort, detector, m);
    none.width = 8;
    none.height = 8;
    EXPECT(serfiq_score(m, &none, NULL, &q), SERFIQ_ERR_NO_FACE);
    per_image(m, &img, &none, &faces[0], emb1, dim);
    assessment(m, &img, &none, lm);
    none.width = 640;
    none.height = 480;
    capture_loop(m, model_path, ort, detector, &img, &none);

    serfiq_destroy(m);
    free(rgb);
    free(blank);
    free(emb);
    free(emb1);
}

/* The table a binding builds once: names, units and messages, NULL past the end. */
static void component_tables(void) {
    uint32_t n = serfiq_component_count(), k;
    CHECK(n >= 27 && n <= SERFIQ_MAX_COMPONENTS);
    CHECK(strcmp(serfiq_component_name(0), "UnifiedQualityScore") == 0);
    CHECK(strcmp(serfiq_component_name(1), "InterEyeDistance") == 0);
    CHECK(strcmp(serfiq_component_unit(1), "px") == 0);
    CHECK(strcmp(serfiq_component_name(18), "SingleFacePresent") == 0);
    CHECK(strcmp(serfiq_component_name(26), "BackgroundUniformity") == 0);
    for (k = 0; k < n; k++) CHECK(serfiq_component_name(k) != NULL && serfiq_component_unit(k) != NULL);
    CHECK(serfiq_component_name(n) == NULL && serfiq_component_unit(n) == NULL);
    CHECK(serfiq_component_name(UINT32_MAX) == NULL);
    CHECK(serfiq_feedback_count() == 12);
    CHECK(strcmp(serfiq_feedback_name(0), "NO_FACE") == 0);
    CHECK(strcmp(serfiq_feedback_name(7), "TOO_DARK") == 0);
    CHECK(strcmp(serfiq_feedback_name(11), "LOW_QUALITY") == 0);
    for (k = 0; k < serfiq_feedback_count(); k++) CHECK(strlen(serfiq_feedback_message(k)) > 5);
    CHECK(serfiq_feedback_name(12) == NULL && serfiq_feedback_message(12) == NULL);
}

/* serfiq_assess and serfiq_detect_assess on the fixture photo: the same face
 * and quality as the score calls, every assessed component finite and in
 * range, the rest NAN; outputs untouched on failure. */
static void assessment(serfiq_model *m, const serfiq_image *img, const serfiq_image *none, const float *lm) {
    serfiq_face face, faces[2];
    serfiq_components c, cs[2];
    serfiq_quality q;
    size_t count = 0;
    uint32_t k;

    component_tables();
    EXPECT(serfiq_score(m, img, NULL, &q), SERFIQ_OK);
    EXPECT(serfiq_assess(m, img, NULL, &face, &c), SERFIQ_OK);
    CHECK(face.quality.s == q.s && face.quality.q100 == q.q100 && face.confidence > 0.9f);
    CHECK(c.count == serfiq_component_count());
    CHECK(c.raw[0] == q.q100 && c.value[0] == q.q100);
    for (k = 0; k < SERFIQ_MAX_COMPONENTS; k++) {
        int assessed = k <= 18;
        CHECK(assessed ? isfinite(c.raw[k]) && c.value[k] >= 0.0f && c.value[k] <= 100.0f
                       : isnan(c.raw[k]) && isnan(c.value[k]));
    }
    CHECK(c.raw[1] > 20.0f); /* inter-eye distance, px */
    CHECK(c.raw[18] == 0.0f); /* one face */
    CHECK((c.feedback >> serfiq_feedback_count()) == 0);

    /* Landmarks given: the same components but SingleFacePresent (no detector ran). */
    EXPECT(serfiq_assess(m, img, lm, &face, &cs[0]), SERFIQ_OK);
    CHECK(face.confidence == 0.0f && fabsf(cs[0].raw[1] - c.raw[1]) < 2.0f && isnan(cs[0].raw[18]));

    /* Every face: a count query, too small, then the table. */
    EXPECT(serfiq_detect_assess(m, img, NULL, NULL, 0, &count), SERFIQ_OK);
    CHECK(count == 1);
    faces[0].confidence = -1.0f;
    EXPECT(serfiq_detect_assess(m, img, faces, cs, 0, &count), SERFIQ_ERR_BUFFER_TOO_SMALL);
    CHECK(count == 1 && faces[0].confidence == -1.0f);
    EXPECT(serfiq_detect_assess(m, img, faces, NULL, 2, &count), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_detect_assess(m, img, NULL, NULL, 2, &count), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_detect_assess(m, img, faces, cs, 2, NULL), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_detect_assess(m, img, faces, cs, 2, &count), SERFIQ_OK);
    CHECK(count == 1 && faces[0].quality.s == q.s);
    CHECK(cs[0].feedback == c.feedback && cs[0].count == c.count);
    for (k = 0; k < SERFIQ_MAX_COMPONENTS; k++)
        CHECK((cs[0].raw[k] == c.raw[k] || (isnan(cs[0].raw[k]) && isnan(c.raw[k])))
              && (cs[0].value[k] == c.value[k] || (isnan(cs[0].value[k]) && isnan(c.value[k]))));

    /* Failures leave the outputs as they were. */
    c.feedback = 12345;
    EXPECT(serfiq_assess(m, none, NULL, &face, &c), SERFIQ_ERR_NO_FACE);
    CHECK(c.feedback == 12345);
    EXPECT(serfiq_assess(m, img, NULL, NULL, &c), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_assess(m, img, NULL, &face, NULL), SERFIQ_ERR_NULL_ARGUMENT);
    EXPECT(serfiq_assess(NULL, img, NULL, &face, &c), SERFIQ_ERR_NULL_ARGUMENT);
    CHECK(c.feedback == 12345);
    EXPECT(serfiq_detect_assess(m, none, faces, cs, 2, &count), SERFIQ_OK);
    CHECK(count == 0);
}

/* A profile: a preset with overrides is taken, bad text refused at create. */
static void feedback_profiles(const char *model_path, const char *ort) {
    static const char *bad[] = {"passport", "live;max_yaw", "live;max_yaw=-1", "live;max_yaw=nan",
                                "live;nosuchkey=1", "live;max_yaw=1;max_yaw=2", ""};
    serfiq_options o, back;
    serfiq_model *m = NULL;
    size_t i;
    EXPECT(serfiq_options_init(&o, sizeof o), SERFIQ_OK);
    o.model_path = model_path;
    o.ort_library_path = ort;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.feedback_profile = bad[i];
        EXPECT(serfiq_create(&o, &m), SERFIQ_ERR_INVALID_ARGUMENT);
        CHECK(m == NULL && strstr(serfiq_last_error(), "profile") != NULL);
    }
    o.feedback_profile = "live;max_yaw=25; min_inter_eye_distance = 60";
    EXPECT(serfiq_create(&o, &m), SERFIQ_OK);
    if (m == NULL) return;
    EXPECT(serfiq_options_init(&back, sizeof back), SERFIQ_OK);
    EXPECT(serfiq_get_options(m, &back), SERFIQ_OK);
    CHECK(back.feedback_profile != NULL && strcmp(back.feedback_profile, o.feedback_profile) == 0);
    serfiq_destroy(m);
}

int main(int argc, char **argv) {
    serfiq_options o;
    serfiq_model *m = NULL;
    /* Set by the emulated (qemu) run: the error paths only, not the scoring
     * rounds, which take seconds each there. */
    int errors_only = getenv("SERFIQ_ERRORS_ONLY") != NULL;
    if (argc != 7) {
        fprintf(stderr, "usage: %s MODEL.onnx LIBONNXRUNTIME.so FAKE_OLD_ORT.so DETECTOR.onnx FACE.ppm FACE.landmarks\n",
                argv[0]);
        return 2;
    }
    CHECK(serfiq_abi_version() == SERFIQ_ABI_VERSION);
    CHECK(strncmp(serfiq_version(), "serfiq ", 7) == 0);
    CHECK(strcmp(serfiq_status_name(SERFIQ_ERR_INVALID_IMAGE), "SERFIQ_ERR_INVALID_IMAGE") == 0);
    CHECK(strcmp(serfiq_status_name(12345), "SERFIQ_UNKNOWN_STATUS") == 0);
    serfiq_destroy(NULL);

    option_sizes();
    /* Before any library is loaded: missing and too old ONNX Runtime. */
    runtime_errors(argv[1], argv[3]);
    create_errors(argv[1], argv[2]);

    EXPECT(serfiq_options_init(&o, sizeof o), SERFIQ_OK);
    o.model_path = argv[1];
    o.ort_library_path = argv[2];
    EXPECT(serfiq_create(&o, &m), SERFIQ_OK);
    if (m == NULL) return 1;
    CHECK(serfiq_last_error()[0] == '\0');
    if (!errors_only) scoring(m);
    input_errors(m);
#ifndef _WIN32
    if (!errors_only) after_fork(m);
#endif
    serfiq_destroy(m);
    v1_options(argv[1], argv[2]);
    v3_options(argv[1], argv[2]);
    feedback_profiles(argv[1], argv[2]);
    detector_digest(argv[1], argv[2], argv[4]);
    if (!errors_only) detection(argv[1], argv[2], argv[4], argv[5], argv[6]);
    CHECK(serfiq_live_models() == 0); /* every model above was destroyed */

    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("C API test: all checks passed%s\n", errors_only ? " (error paths only: SERFIQ_ERRORS_ONLY)" : "");
    return 0;
}
