// Shared by the trampolines in this target (EMCore links it, never imports it): open a library on first use and
// look a symbol up in it once.
#ifndef C_DELAY_LOAD_H
#define C_DELAY_LOAD_H

#include <stdatomic.h>

/// A shared library opened on first use: its Debian runtime soname, the Debian package that provides it
/// (named in the error message when it cannot be loaded) and the `dlopen` handle once it is open.
struct delay_library {
    const char *soname;
    const char *package;
    void *_Atomic handle;
};

/// Open `library` if needed and look `name` up in it, caching the address in `*slot`. Prints one line naming the
/// library, its package and `dlerror()` to stderr and exits with status 70 if either step fails.
__attribute__((visibility("hidden"))) void *delay_load_resolve(struct delay_library *library, const char *name,
                                                               void *_Atomic *slot);

/// The cached address in `*slot`, resolving it on the first call.
static inline void *delay_load_symbol(struct delay_library *library, const char *name, void *_Atomic *slot) {
    void *symbol = atomic_load_explicit(slot, memory_order_acquire);
    return symbol ? symbol : delay_load_resolve(library, name, slot);
}

/// `function` as found in `library` (a `struct delay_library`), typed as the header declares it:
/// `LAZY(cairo, cairo_save)(cr)` calls libcairo's `cairo_save`. Each use site has its own cache slot.
#define LAZY(library, function)                                                               \
    ((__typeof__(&function))({                                                                \
        static void *_Atomic slot_;                                                           \
        delay_load_symbol(&(library), #function, &slot_);                                     \
    }))

/// Marks a trampoline: it replaces the library's function inside our own binary only, so the libraries we open
/// still bind to their own definitions and never back to ours.
#define TRAMPOLINE __attribute__((visibility("hidden")))

#endif
