#ifndef HEAPVIEW_CELF_SHIM_H
#define HEAPVIEW_CELF_SHIM_H
#include <libelf.h>
#include <gelf.h>
#include <elf.h>
#endif
