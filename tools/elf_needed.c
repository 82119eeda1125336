/* Reads the DT_NEEDED entries of an ELF64 little-endian shared object from its section headers
 * (the .dynamic section and the string table it links to), so `hloc inspect` and the tests can
 * check what a compiled .so depends on without binutils. Every offset is bounds-checked. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot.h"

static hloc_status *read_all(const char *path, unsigned char **out, size_t *out_len) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return hloc_status_new(errno == ENOENT ? HLOC_STATUS_NOT_FOUND : HLOC_STATUS_IO, "%s: %s",
                               path, strerror(errno));
    hloc_strbuf b = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) hloc_strbuf_putn(&b, buf, n);
    int err = ferror(f);
    fclose(f);
    if (err) {
        hloc_strbuf_free(&b);
        return hloc_status_new(HLOC_STATUS_IO, "%s: read failed", path);
    }
    if (b.oom) {
        hloc_strbuf_free(&b);
        return hloc_status_oom();
    }
    *out_len = b.len;
    *out = (unsigned char *)(b.data ? b.data : calloc(1, 1));
    return *out ? NULL : hloc_status_oom();
}

static int in_bounds(size_t len, uint64_t off, uint64_t size) {
    return off <= len && size <= len - off;
}

hloc_status *hloc_elf_needed(const char *path, char ***out_names, size_t *out_n) {
    *out_names = NULL;
    *out_n = 0;
    unsigned char *d;
    size_t len;
    HLOC_RETURN_IF_ERROR(read_all(path, &d, &len));
    hloc_status *st = NULL;
    Elf64_Ehdr eh;
    if (len < sizeof eh || memcmp(d, ELFMAG, SELFMAG) || d[EI_CLASS] != ELFCLASS64 ||
        d[EI_DATA] != ELFDATA2LSB) {
        st = hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: not a 64-bit little-endian ELF file",
                             path);
        goto done;
    }
    memcpy(&eh, d, sizeof eh);
    if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
        !in_bounds(len, eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr))) {
        st = hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: bad ELF section header table", path);
        goto done;
    }
    /* two passes over DT_NEEDED: sizes, then copies into one block */
    Elf64_Shdr dyn = {0}, strtab = {0};
    int found = 0;
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh;
        memcpy(&sh, d + eh.e_shoff + (uint64_t)i * sizeof sh, sizeof sh);
        if (sh.sh_type != SHT_DYNAMIC) continue;
        if (sh.sh_link >= eh.e_shnum || !in_bounds(len, sh.sh_offset, sh.sh_size)) break;
        memcpy(&strtab, d + eh.e_shoff + (uint64_t)sh.sh_link * sizeof sh, sizeof strtab);
        if (!in_bounds(len, strtab.sh_offset, strtab.sh_size)) break;
        dyn = sh;
        found = 1;
        break;
    }
    if (!found) {
        st = hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: no valid .dynamic section", path);
        goto done;
    }
    size_t n = 0, bytes = 0;
    for (uint64_t off = 0; off + sizeof(Elf64_Dyn) <= dyn.sh_size; off += sizeof(Elf64_Dyn)) {
        Elf64_Dyn e;
        memcpy(&e, d + dyn.sh_offset + off, sizeof e);
        if (e.d_tag == DT_NULL) break;
        if (e.d_tag != DT_NEEDED) continue;
        const char *s = (const char *)d + strtab.sh_offset + e.d_un.d_val;
        if (e.d_un.d_val >= strtab.sh_size ||
            !memchr(s, 0, strtab.sh_size - e.d_un.d_val)) {
            st = hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: bad DT_NEEDED string", path);
            goto done;
        }
        n++;
        bytes += strlen(s) + 1;
    }
    char **names = malloc(n * sizeof(char *) + bytes + 1);
    if (!names) {
        st = hloc_status_oom();
        goto done;
    }
    char *p = (char *)(names + n);
    size_t k = 0;
    for (uint64_t off = 0; off + sizeof(Elf64_Dyn) <= dyn.sh_size; off += sizeof(Elf64_Dyn)) {
        Elf64_Dyn e;
        memcpy(&e, d + dyn.sh_offset + off, sizeof e);
        if (e.d_tag == DT_NULL) break;
        if (e.d_tag != DT_NEEDED) continue;
        const char *s = (const char *)d + strtab.sh_offset + e.d_un.d_val;
        size_t sl = strlen(s) + 1;
        memcpy(p, s, sl);
        names[k++] = p;
        p += sl;
    }
    *out_names = names;
    *out_n = n;
done:
    free(d);
    return st;
}
