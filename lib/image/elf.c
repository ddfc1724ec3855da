/*
 * image/elf.c - drop an ELF file's symbol table and debug sections for the image.
 *
 * The loader never reads .symtab, .strtab or .debug_*: they sit after everything that is
 * loaded, for debuggers only. libduckdb.so carries 10 MB of them (2 MB compressed), the
 * difference between an image under 30 MB and one over it. Dropping them is the part of
 * `strip` an image needs, done here so that building an image needs no binutils:
 *
 *   - the file must be ELF64 little-endian with its section header table at the end and
 *     every dropped section after the end of every segment; anything else (an unusual
 *     layout, a kept section that links to a dropped one) is left exactly as it was;
 *   - bytes before the first non-loaded section are copied unchanged, the kept non-loaded
 *     sections (.comment, .shstrtab, ...) follow, re-aligned, then a section header table
 *     without the dropped entries, their links renumbered.
 */
#include "image/elf.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int dropped_name(const char *name)
{
	return !strncmp(name, ".debug", 6) || !strncmp(name, ".zdebug", 7) ||
	       !strcmp(name, ".symtab") || !strcmp(name, ".strtab");
}

static int pad_to(struct ds_buf *b, uint64_t align)
{
	static const char zeros[64];

	while (align > 1 && b->len % align) {
		size_t n = (size_t)(align - b->len % align);

		if (ds_buf_add(b, zeros, n > sizeof(zeros) ? sizeof(zeros) : n))
			return -1;
	}
	return 0;
}

/* The strip itself, on a mapped file of size n. 1 with out filled, 0 when not applicable. */
static int strip_mapped(const unsigned char *p, size_t n, struct ds_buf *out, struct ds_error *e)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)p;
	const Elf64_Shdr *sh;
	const Elf64_Phdr *ph;
	const char *shstr;
	uint64_t load_end = 0, first_na = UINT64_MAX;
	int *map = NULL, kept = 0, any = 0, i, rc = 0;
	Elf64_Ehdr neh;

	if (n < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    !eh->e_shnum || eh->e_shstrndx >= eh->e_shnum ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > n ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > n)
		return 0;
	sh = (const Elf64_Shdr *)(p + eh->e_shoff);
	ph = (const Elf64_Phdr *)(p + eh->e_phoff);
	if (sh[eh->e_shstrndx].sh_offset + sh[eh->e_shstrndx].sh_size > n)
		return 0;
	shstr = (const char *)p + sh[eh->e_shstrndx].sh_offset;

	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_offset + ph[i].p_filesz > load_end)
			load_end = ph[i].p_offset + ph[i].p_filesz;
	map = calloc(eh->e_shnum, sizeof(*map));
	if (!map)
		return ds_error_set(e, 0, "out of memory");
	for (i = 0; i < eh->e_shnum; i++) {
		const char *name = sh[i].sh_name < sh[eh->e_shstrndx].sh_size ? shstr + sh[i].sh_name : "";

		if (sh[i].sh_offset + (sh[i].sh_type == SHT_NOBITS ? 0 : sh[i].sh_size) > n)
			goto out;
		if (i && !(sh[i].sh_flags & SHF_ALLOC) && sh[i].sh_type != SHT_NOBITS &&
		    sh[i].sh_offset < first_na)
			first_na = sh[i].sh_offset;
		if (i && !(sh[i].sh_flags & SHF_ALLOC) && dropped_name(name)) {
			map[i] = -1;
			any = 1;
		} else {
			map[i] = kept++;
		}
	}
	/* Only a layout we fully understand: every non-loaded section after every segment,
	 * the section headers last, and no kept section pointing at a dropped one. */
	if (!any || first_na == UINT64_MAX || first_na < load_end || eh->e_shoff < first_na ||
	    map[eh->e_shstrndx] < 0)
		goto out;
	for (i = 0; i < eh->e_shnum; i++)
		if (map[i] >= 0 && ((sh[i].sh_link && sh[i].sh_link < eh->e_shnum && map[sh[i].sh_link] < 0) ||
				    ((sh[i].sh_flags & SHF_INFO_LINK) && sh[i].sh_info < eh->e_shnum &&
				     map[sh[i].sh_info] < 0)))
			goto out;

	ds_buf_reset(out);
	if (ds_buf_add(out, p, (size_t)first_na))
		goto oom;
	{
		Elf64_Shdr *nsh = calloc((size_t)kept, sizeof(*nsh));

		if (!nsh)
			goto oom;
		for (i = 0; i < eh->e_shnum; i++) {
			Elf64_Shdr s = sh[i];

			if (map[i] < 0)
				continue;
			if (i && !(s.sh_flags & SHF_ALLOC) && s.sh_type != SHT_NOBITS &&
			    s.sh_offset >= first_na) {
				if (pad_to(out, s.sh_addralign ? s.sh_addralign : 1) ||
				    ds_buf_add(out, p + s.sh_offset, (size_t)s.sh_size)) {
					free(nsh);
					goto oom;
				}
				s.sh_offset = out->len - s.sh_size;
			}
			if (s.sh_link && s.sh_link < eh->e_shnum)
				s.sh_link = (Elf64_Word)map[s.sh_link];
			if ((s.sh_flags & SHF_INFO_LINK) && s.sh_info < eh->e_shnum)
				s.sh_info = (Elf64_Word)map[s.sh_info];
			nsh[map[i]] = s;
		}
		if (pad_to(out, 8)) {
			free(nsh);
			goto oom;
		}
		neh = *eh;
		neh.e_shoff = out->len;
		neh.e_shnum = (Elf64_Half)kept;
		neh.e_shstrndx = (Elf64_Half)map[eh->e_shstrndx];
		if (ds_buf_add(out, nsh, (size_t)kept * sizeof(*nsh))) {
			free(nsh);
			goto oom;
		}
		free(nsh);
		memcpy(out->data, &neh, sizeof(neh));
	}
	rc = 1;
	goto out;
oom:
	rc = ds_error_set(e, 0, "out of memory stripping an ELF file");
out:
	free(map);
	return rc;
}

int image_elf_strip(const char *path, struct ds_buf *out, struct ds_error *e)
{
	struct stat st;
	void *m;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ds_error_errno(e, errno, "open '%s'", path);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		close(fd);
		return 0;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return ds_error_errno(e, errno, "mmap '%s'", path);
	rc = strip_mapped(m, (size_t)st.st_size, out, e);
	munmap(m, (size_t)st.st_size);
	return rc;
}
