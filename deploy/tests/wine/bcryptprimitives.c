/* Test-only shim for Wine 8 (Debian 12), which lacks bcryptprimitives.dll: Rust's std on
 * Windows asks it for ProcessPrng. Forwards to RtlGenRandom (advapi32!SystemFunction036).
 * Built and placed next to bms.exe by deploy/tests/test-windows.sh only; never shipped. */
#include <windows.h>
BOOLEAN NTAPI SystemFunction036(PVOID buffer, ULONG length);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
