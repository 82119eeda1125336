/* Loading and storing single elements of any array type in hloc's storage format (types.def):
 * little-endian, one element per storage unit, sub-byte types unpacked one per byte (sign-extended
 * for s2/s4), pred as one byte 0/1, complex as (re, im). Float stores round to nearest even;
 * overflow gives ±inf where the type has it, else NaN (fn/fnuz f8 types) or saturates (f4). */
#ifndef HLOC_HLO_ELEMENT_H
#define HLOC_HLO_ELEMENT_H

#include <stdint.h>

#include "shape.h"

/* As a double: ints convert (large 64-bit values lose precision), complex gives the real part. */
double hloc_elem_load_f64(hloc_type t, const void *p);
/* As an integer: floats truncate toward zero with XLA's saturation (NaN → 0). */
int64_t hloc_elem_load_i64(hloc_type t, const void *p);
uint64_t hloc_elem_load_u64(hloc_type t, const void *p);
void hloc_elem_load_c128(hloc_type t, const void *p, double *re, double *im);

/* Stores with conversion: from double (float rounding to nearest even; to ints XLA's saturating
 * convert), from int64/uint64 (ints wrap to the type's width; floats round), complex parts. */
void hloc_elem_store_f64(hloc_type t, void *p, double v);
void hloc_elem_store_i64(hloc_type t, void *p, int64_t v);
void hloc_elem_store_u64(hloc_type t, void *p, uint64_t v);
void hloc_elem_store_c128(hloc_type t, void *p, double re, double im);

/* Small-float codecs, exposed for codegen tests and the printer. */
uint16_t hloc_f32_to_bf16(float f);
float hloc_bf16_to_f32(uint16_t h);
uint16_t hloc_f64_to_f16(double d);
double hloc_f16_to_f64(uint16_t h);
/* Generic minifloat encode/decode for f16, bf16 and the f8/f4 types. */
uint32_t hloc_minifloat_encode(hloc_type t, double v);
double hloc_minifloat_decode(hloc_type t, uint32_t bits);

#endif
