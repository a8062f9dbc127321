// See CMappedFiles.h. The handler only reads a fixed table of atomics and calls mmap and sigaction, both
// async-signal-safe.
#define _GNU_SOURCE
#include "CMappedFiles.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SLOTS 256

struct slot {
    _Atomic uintptr_t lo, hi;  // [lo, hi) while in use; lo == hi == 0 when free
    _Atomic int damaged;
    _Atomic int taken;
};

static struct slot slots[SLOTS];
static struct sigaction previous;
static pthread_once_t installed = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *info, void *context) {
    uintptr_t addr = (uintptr_t)info->si_addr;
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t lo = atomic_load(&slots[i].lo), hi = atomic_load(&slots[i].hi);
        if (lo == 0 || addr < lo || addr >= hi) continue;
        uintptr_t page = addr & ~((uintptr_t)sysconf(_SC_PAGESIZE) - 1);
        // Zeros from the faulting page to the end of the mapping: one signal however much of the file went.
        void *p = mmap((void *)page, hi - page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (p == MAP_FAILED) break;
        atomic_store(&slots[i].damaged, 1);
        return;  // the faulting read is retried and now sees zeros
    }
    // Not ours: hand the signal to whoever had it before.
    if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction) {
        previous.sa_sigaction(sig, info, context);
        return;
    }
    if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
        return;
    }
    // Default action: restore it and return, so the retried access raises SIGBUS again and ends the process.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGBUS, &dfl, NULL);
}

static void install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &previous);
}

int emt_mapping_protect(const void *base, size_t size) {
    if (base == NULL || size == 0) return -1;
    pthread_once(&installed, install);
    for (int i = 0; i < SLOTS; i++) {
        int expected = 0;
        if (!atomic_compare_exchange_strong(&slots[i].taken, &expected, 1)) continue;
        atomic_store(&slots[i].damaged, 0);
        atomic_store(&slots[i].hi, (uintptr_t)base + size);
        atomic_store(&slots[i].lo, (uintptr_t)base);
        return i;
    }
    return -1;
}

int emt_mapping_damaged(int slot) {
    if (slot < 0 || slot >= SLOTS) return 0;
    return atomic_load(&slots[slot].damaged);
}

void emt_mapping_release(int slot) {
    if (slot < 0 || slot >= SLOTS) return;
    atomic_store(&slots[slot].lo, 0);
    atomic_store(&slots[slot].hi, 0);
    atomic_store(&slots[slot].taken, 0);
}

int emt_mapping_slot_count(void) { return SLOTS; }
