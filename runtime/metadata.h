/* Checks on module metadata (abi.h) that the loader runs before trusting anything in it. */
#ifndef HLOC_RUNTIME_METADATA_H
#define HLOC_RUNTIME_METADATA_H

#include <stddef.h>

#include "hloc/abi.h"
#include "status.h"

/* Limits that no real module reaches; beyond them the metadata is taken to be corrupt. */
#define HLOC_RT_MAX_BUFFERS 65536u
#define HLOC_RT_MAX_RANK 64u

/* The oldest metadata this runtime reads: version 2 lacks only cpu_features. */
#define HLOC_RT_MIN_ABI_VERSION 2u

/* NULL if |md| is a well-formed metadata block of this ABI version; otherwise INVALID_ARGUMENT
 * with a message starting with |origin| (a file name, or "metadata"). */
hloc_status *hloc_rt_metadata_check(const hloc_module_metadata *md, const char *origin);

/* The CPU features a checked |md| records ("" for version 2 or none). */
const char *hloc_rt_metadata_cpu_features(const hloc_module_metadata *md);

/* The CPU name of md->target ("triple cpu"), or "another CPU", into |buf|. */
void hloc_rt_metadata_cpu(const hloc_module_metadata *md, char *buf, size_t cap);

/* Elements of a checked description (product of its dims; 1 for rank 0). */
uint64_t hloc_rt_desc_elements(const hloc_buffer_desc *d);

#endif
