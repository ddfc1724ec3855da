/*
 * image/elf.h - the part of `strip` an image needs (see elf.c for the rules it keeps).
 */
#ifndef DS_IMAGE_ELF_H
#define DS_IMAGE_ELF_H

#include "core/buf.h"
#include "core/error.h"

/* Read the ELF file at path and put a copy without .symtab, .strtab and .debug_* sections
 * into out. Returns 1 when out holds the stripped file, 0 when there was nothing to drop or
 * the layout is not one it rewrites safely (use the file as it is), -1 with e on failure. */
int image_elf_strip(const char *path, struct ds_buf *out, struct ds_error *e);

#endif
