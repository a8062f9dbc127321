// Guarding memory-mapped files against shrinking while they are read.
//
// Reading a page of a mapping that lies past the end of its file raises SIGBUS, which kills the process: it
// happens when another program truncates or rewrites a map while emtools reads it (RELION rewriting a class
// average, a copy being replaced). Registered mappings are protected instead: the signal handler puts
// zero-filled memory in place of the vanished pages, from the faulting page to the end of the mapping, and
// marks the mapping as damaged; the read then completes (seeing zeros) and the owner checks the mark
// afterwards and reports an error. Faults outside registered mappings go to the handler that was installed
// before (the Swift runtime's crash reporter, or the default action).
#ifndef C_MAPPED_FILES_H
#define C_MAPPED_FILES_H

#include <stddef.h>

/// Protect the mapping `[base, base + size)` (page-aligned `base`, as mmap returns it). Installs the SIGBUS
/// handler on first use. Returns a slot number for `emt_mapping_damaged` and `emt_mapping_release`, or -1
/// when all slots are taken (the mapping is then unprotected; reading it still works).
int emt_mapping_protect(const void *base, size_t size);

/// 1 when a page of the mapping in `slot` was found missing (the file shrank) since `emt_mapping_protect`,
/// else 0. -1 is accepted and answers 0.
int emt_mapping_damaged(int slot);

/// Stop protecting the mapping in `slot` (call before munmap). -1 is accepted and ignored.
void emt_mapping_release(int slot);

/// The number of slots (mappings protected at once).
int emt_mapping_slot_count(void);

#endif
