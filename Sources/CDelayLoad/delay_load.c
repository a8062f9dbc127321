// The slow path of delay_load_symbol: dlopen the library once, dlsym the symbol, or fail with one clear line.
#define _GNU_SOURCE
#include "CDelayLoad.h"

#include <dlfcn.h>
#include <errno.h> // program_invocation_short_name
#include <stdio.h>
#include <stdlib.h>

/// EX_SOFTWARE from sysexits.h: the installation is incomplete, not the user's input wrong.
static const int exit_status = 70;

static _Noreturn void fail(const struct delay_library *library, const char *what) {
    const char *reason = dlerror();
    fprintf(stderr, "%s: %s %s (Debian package %s): %s\n", program_invocation_short_name, what, library->soname,
            library->package, reason ? reason : "unknown error");
    exit(exit_status);
}

void *delay_load_resolve(struct delay_library *library, const char *name, void *_Atomic *slot) {
    void *handle = atomic_load_explicit(&library->handle, memory_order_acquire);
    if (!handle) {
        // Threads racing here each get the same handle (dlopen counts references): the last store is as good as any.
        handle = dlopen(library->soname, RTLD_LAZY | RTLD_LOCAL);
        if (!handle) fail(library, "cannot load");
        atomic_store_explicit(&library->handle, handle, memory_order_release);
    }
    dlerror();
    void *symbol = dlsym(handle, name);
    if (!symbol) fail(library, "cannot find a function in");
    atomic_store_explicit(slot, symbol, memory_order_release);
    return symbol;
}
