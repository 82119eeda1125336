/* The buffer plan's donation decisions, apart from the runtime's header (both name a type
 * hloc_buffer). */
#ifndef HLOC_TESTS_DONATE_PLAN_H
#define HLOC_TESTS_DONATE_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "ir.h"

/* Fills in_place[k] and why[k] for each of |m|'s io_alias pairs, as codegen plans them. Returns
 * the number of pairs, or -1 with the status message in why[0]. */
int donation_decisions(const hloc_module *m, bool *in_place, const char **why, uint32_t cap);

#endif
