/* The AOT packaging around the code generator's object file: linking it into a shared object,
 * reading a shared object's NEEDED entries, generating the C header of a compiled module. None of
 * this needs LLVM; the header is generated from the module's metadata (abi.h). */
#ifndef HLOC_TOOLS_AOT_H
#define HLOC_TOOLS_AOT_H

#include <stddef.h>

#include "hloc/abi.h"
#include "status.h"

/* Links the relocatable object |obj_path| into the shared object |so_path| with the system C
 * compiler driver ($HLOC_CC, else $CC, else "cc"): -shared, --as-needed -lm, static libgcc; the
 * result needs only libc/libm. No symbol may stay undefined but the |n_externs| names of
 * |externs| (custom-call targets, bound by the dynamic loader from the process that loads the
 * .so). On failure the status quotes the command and its output. */
hloc_status *hloc_link_shared(const char *obj_path, const char *so_path,
                              const char *const *externs, size_t n_externs);

/* Writes |len| bytes to |path| (replacing it). */
hloc_status *hloc_write_file(const char *path, const void *data, size_t len);

/* The DT_NEEDED entries of the ELF64 shared object at |path|: *out_names is one malloc'd block
 * (free() it) holding *out_n string pointers followed by the strings. */
hloc_status *hloc_elf_needed(const char *path, char ***out_names, size_t *out_n);

/* A C header for the module |md| compiled into |so_name|: self-contained (it carries abi.h's
 * declarations), declares the typed entry point and NAME_metadata, the shapes in comments and a
 * NAME_PARAMi_BYTES / NAME_RESULTi_BYTES macro per buffer. *out_text is malloc'd (free()). */
hloc_status *hloc_header_generate(const hloc_module_metadata *md, const char *so_name,
                                  char **out_text);

/* The AOT output of `hloc compile` from the code generator's object |obj| (|len| bytes): writes it
 * to |object_path| (NULL: a temporary file, removed afterwards), links it into |so_path|, checks
 * that the .so needs nothing beyond libc/libm, loads it to read back its metadata (every runtime
 * check), and writes the C header to |header_path| unless NULL. |externs|: as for
 * hloc_link_shared(). On failure the status names the step and file. */
hloc_status *hloc_aot_package(const void *obj, size_t len, const char *so_path,
                              const char *header_path, const char *object_path,
                              const char *const *externs, size_t n_externs);

/* The distinct custom-call targets of |m| (borrowed from its arena): the symbols its .so may leave
 * to the dynamic loader. *out_names is malloc'd (free()); NULL when there are none. */
struct hloc_module;
hloc_status *hloc_module_custom_call_targets(const struct hloc_module *m, const char ***out_names,
                                             size_t *out_n);

/* True if |s| is a C identifier and not a C keyword (entry point names). */
int hloc_is_c_identifier(const char *s);

#endif
