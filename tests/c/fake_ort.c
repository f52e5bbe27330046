/* A stand-in for an old libonnxruntime: it exports OrtGetApiBase and reports
 * version 1.16.3, so serfiq must refuse it with SERFIQ_ERR_RUNTIME_VERSION. */
#include <stddef.h>

typedef struct FakeApiBase {
    const void *(*GetApi)(unsigned int version);
    const char *(*GetVersionString)(void);
} FakeApiBase;

static const void *get_api(unsigned int version) {
    (void)version;
    return NULL;
}

static const char *version_string(void) { return "1.16.3"; }

static const FakeApiBase base = {get_api, version_string};

const FakeApiBase *OrtGetApiBase(void) { return &base; }
