#ifndef HEAPVIEW_CDWARF_SHIM_H
#define HEAPVIEW_CDWARF_SHIM_H
#include <elfutils/libdw.h>
#include <dwarf.h>
#include <libelf.h>
#include <gelf.h>
#endif
