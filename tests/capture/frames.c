/* Writes the capture test's frame folder from one photo: a sequence whose states are
 * known by construction, shared by the C reference and every binding's test.
 *
 *   frames FACE.ppm OUTDIR
 *
 * 00-02 the photo darkened to a fifth, 03-04 shrunk to half size (2x2 means),
 * 05-12 the photo as is (the face still), 13 an all-black frame (no face). */
#include <stdio.h>
#include <stdlib.h>

static unsigned char *read_ppm(const char *path, unsigned *w, unsigned *h) {
    FILE *f = fopen(path, "rb");
    unsigned char *data = NULL;
    unsigned maxval = 0;
    if (!f) return NULL;
    if (fscanf(f, "P6 %u %u %u", w, h, &maxval) == 3 && maxval == 255 && fgetc(f) != EOF &&
        *w > 1 && *h > 1 && *w < 65536 && *h < 65536) {
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

static int write_ppm(const char *dir, int index, const unsigned char *px, unsigned w, unsigned h) {
    char path[4096];
    FILE *f;
    size_t n = (size_t)w * h * 3;
    int ok;
    snprintf(path, sizeof path, "%s/%02d.ppm", dir, index);
    f = fopen(path, "wb");
    if (!f) return 0;
    ok = fprintf(f, "P6\n%u %u\n255\n", w, h) > 0 && fwrite(px, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

int main(int argc, char **argv) {
    unsigned w, h, x, y, c;
    unsigned char *photo, *out;
    size_t i, n;
    int k, ok = 1;
    if (argc != 3) {
        fprintf(stderr, "usage: %s FACE.ppm OUTDIR\n", argv[0]);
        return 2;
    }
    photo = read_ppm(argv[1], &w, &h);
    if (!photo) {
        fprintf(stderr, "cannot read %s as a binary 8-bit PPM\n", argv[1]);
        return 1;
    }
    n = (size_t)w * h * 3;
    out = malloc(n);
    if (!out) return 1;
    for (i = 0; i < n; i++) out[i] = (unsigned char)(photo[i] / 5);
    for (k = 0; k <= 2; k++) ok = ok && write_ppm(argv[2], k, out, w, h);
    for (y = 0; y < h / 2; y++)
        for (x = 0; x < w / 2; x++)
            for (c = 0; c < 3; c++) {
                size_t a = ((size_t)(2 * y) * w + 2 * x) * 3 + c, b = a + (size_t)w * 3;
                out[((size_t)y * (w / 2) + x) * 3 + c] =
                    (unsigned char)((photo[a] + photo[a + 3] + photo[b] + photo[b + 3] + 2) / 4);
            }
    for (k = 3; k <= 4; k++) ok = ok && write_ppm(argv[2], k, out, w / 2, h / 2);
    for (k = 5; k <= 12; k++) ok = ok && write_ppm(argv[2], k, photo, w, h);
    for (i = 0; i < n; i++) out[i] = 0;
    ok = ok && write_ppm(argv[2], 13, out, w, h);
    free(out);
    free(photo);
    if (!ok) {
        fprintf(stderr, "cannot write the frames into %s\n", argv[2]);
        return 1;
    }
    return 0;
}
