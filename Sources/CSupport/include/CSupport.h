#ifndef HEAPVIEW_CSUPPORT_H
#define HEAPVIEW_CSUPPORT_H

/// Asks the CPU to start loading the cache line at `p` for reading. A hint only: it never
/// faults, whatever `p` is, so it may be given addresses that are not known to be mapped.
static inline void hv_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
