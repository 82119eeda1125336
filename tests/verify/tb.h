/* Builds small modules by hand for the verifier tests: shapes from text ("f32[2,3]",
 * "(s32[], f32[4])"), instructions with operands, and checks of inference results and errors. */
#ifndef HLOC_TESTS_VERIFY_TB_H
#define HLOC_TESTS_VERIFY_TB_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "ir.h"
#include "verify.h"

typedef struct tb {
    hloc_module *m;
    hloc_computation *c; /* where tb_param/tb_op add instructions */
    hloc_diag d;
    char last[512]; /* the last inferred shape, or the diagnostics */
} tb;

void tb_init(tb *t); /* module "t" with an entry computation "main" */
void tb_free(tb *t);
/* Opens a new computation; later instructions go there until tb_enter(t, other). */
hloc_computation *tb_comp(tb *t, const char *name);
void tb_enter(tb *t, hloc_computation *c);
hloc_shape tb_shape(tb *t, const char *text);
hloc_instr *tb_param(tb *t, const char *shape);
/* An instruction of |op| with declared shape |shape| and |n| operands. */
hloc_instr *tb_op(tb *t, hloc_opcode op, const char *shape, uint32_t n, ...);
hloc_i64_list tb_list(tb *t, const int64_t *v, uint32_t n);
#define LIST(t, ...)                                                                               \
    tb_list((t), (const int64_t[]){__VA_ARGS__},                                                   \
            sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
#define NOLIST(t) tb_list((t), NULL, 0)

/* Infers |i|'s shape: true if it succeeds and prints as |want| (no layout). */
bool tb_infers(tb *t, hloc_instr *i, const char *want);
/* Inference fails with a message containing |substr|. */
bool tb_fails(tb *t, hloc_instr *i, const char *substr);
/* Verifies the module: true if it has no error (want NULL) or an error containing |want|. */
bool tb_verify(tb *t, const char *want);

#endif
