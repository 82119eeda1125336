#include "plan.h"

#include "buffer_assignment.h"
#include "codegen.h"

int donation_decisions(const hloc_module *m, bool *in_place, const char **why, uint32_t cap) {
    hloc_codegen_options cgo = {.name = "donate"};
    hloc_buffer_plan *plan = NULL;
    hloc_status *st = hloc_codegen_plan_buffers(m, &cgo, &plan);
    if (st) {
        why[0] = "planning failed";
        hloc_status_free(st);
        return -1;
    }
    uint32_t n = plan->n_donations < cap ? plan->n_donations : cap;
    for (uint32_t k = 0; k < n; k++) {
        in_place[k] = plan->donations[k].in_place;
        why[k] = plan->donations[k].why; /* static text */
    }
    hloc_buffer_plan_destroy(plan);
    return (int)n;
}
