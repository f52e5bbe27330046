/* Test harness only: wine 8.0's bcryptprimitives.dll lacks ProcessPrng, which
 * Rust's standard library imports on Windows (Windows 10 and later have it).
 * This stand-in exports it over RtlGenRandom (advapi32's SystemFunction036);
 * it is never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
