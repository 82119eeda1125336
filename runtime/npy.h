/* NumPy .npy files: reading and writing dense little-endian C-order arrays (format versions 1.0,
 * 2.0 and 3.0). The runtime's own dtype list keeps it free of the compiler's type tables. */
#ifndef HLOC_RUNTIME_NPY_H
#define HLOC_RUNTIME_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Element types. BF16 has no standard .npy spelling: it is held in memory as 2-byte bfloat16 and
 * written to disk as '<f4' (every bf16 value is exact in f32), as the JAX corpus stores it. */
typedef enum hloc_npy_dtype {
    HLOC_NPY_INVALID = 0,
    HLOC_NPY_BOOL, /* '|b1', one byte 0 or 1 */
    HLOC_NPY_I8,
    HLOC_NPY_I16,
    HLOC_NPY_I32,
    HLOC_NPY_I64,
    HLOC_NPY_U8,
    HLOC_NPY_U16,
    HLOC_NPY_U32,
    HLOC_NPY_U64,
    HLOC_NPY_F16,
    HLOC_NPY_BF16,
    HLOC_NPY_F32,
    HLOC_NPY_F64,
    HLOC_NPY_C64,  /* (re, im) f32 pairs */
    HLOC_NPY_C128, /* (re, im) f64 pairs */
    HLOC_NPY_DTYPE_COUNT
} hloc_npy_dtype;

enum { HLOC_NPY_MAX_RANK = 32 }; /* NumPy's own limit */

/* One array. data holds nbytes = elements × hloc_npy_dtype_size(dtype) bytes in C order, host
 * (little-endian) byte order; it is malloc'ed and owned by whoever owns the struct. */
typedef struct hloc_npy_array {
    hloc_npy_dtype dtype;
    uint32_t rank;
    int64_t dims[HLOC_NPY_MAX_RANK];
    void *data;
    size_t nbytes;
} hloc_npy_array;

/* Bytes of one element; 0 for INVALID. */
size_t hloc_npy_dtype_size(hloc_npy_dtype t);
/* NumPy's names ("bool", "int8", ..., "float32", "bfloat16", "complex64"), as case.json spells
 * them; "invalid" for out-of-range values. */
const char *hloc_npy_dtype_name(hloc_npy_dtype t);
/* Inverse of hloc_npy_dtype_name; HLOC_NPY_INVALID if unknown. */
hloc_npy_dtype hloc_npy_dtype_from_name(const char *name);
/* Product of dims (1 for rank 0); -1 if it overflows. */
int64_t hloc_npy_elements(const hloc_npy_array *a);

/* Reads the .npy file at |path| into *out (cleared first; on failure left empty with data NULL).
 * Big-endian files are byte-swapped. Errors name the file and the fault: missing file, bad magic,
 * unsupported version, malformed or truncated header, unsupported dtype (structured, object,
 * strings, ...), Fortran order, truncated data or trailing bytes. A '<f4' file is returned as F32:
 * callers that expect bf16 narrow it with hloc_npy_convert(). */
HLOC_MUST_USE hloc_status *hloc_npy_read(const char *path, hloc_npy_array *out);

/* Writes |a| to |path| as format 1.0 (2.0 if the header needs it), C order, little-endian.
 * BF16 arrays are widened to '<f4'. Errors (I/O, invalid dtype or dims) name the file. */
HLOC_MUST_USE hloc_status *hloc_npy_write(const char *path, const hloc_npy_array *a);

/* Frees a->data and clears *a; NULL and empty arrays are fine. */
void hloc_npy_free(hloc_npy_array *a);

/* Converts |a| in place to |to| when the conversion is exact in meaning: F32 → BF16 (round to
 * nearest even) and BF16 → F32. Other pairs give INVALID_ARGUMENT naming both dtypes; to == from
 * is a no-op. */
HLOC_MUST_USE hloc_status *hloc_npy_convert(hloc_npy_array *a, hloc_npy_dtype to);

/* bfloat16 codecs (round to nearest even; NaN stays NaN). */
uint16_t hloc_npy_f32_to_bf16(float f);
float hloc_npy_bf16_to_f32(uint16_t h);

#endif
