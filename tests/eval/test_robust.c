/* Robustness: every opcode, evaluated over unverified combinations of operand shapes, result
 * shapes, called computations and hostile attributes, must come back with a result or an error,
 * never a crash or an out-of-bounds access (the suite runs under ASan in CI). */
#include <check.h>
#include <string.h>

#include "tb.h"

enum { N_SHAPES = 5 };

static hloc_shape pick_shape(hloc_arena *a, int k) {
    static const int64_t d23[] = {2, 3};
    switch (k) {
    case 0: return tb_shape(HLOC_TYPE_F32, 2);
    case 1: return tb_shape(HLOC_TYPE_S32, -1);
    case 2: return hloc_shape_array(HLOC_TYPE_PRED, 2, d23);
    case 3: {
        hloc_shape *e = HLOC_ARENA_ARRAY(a, hloc_shape, 2);
        e[0] = tb_shape(HLOC_TYPE_F32, 2);
        e[1] = tb_shape(HLOC_TYPE_S32, -1);
        return (hloc_shape){.type = HLOC_TYPE_TUPLE, .n_elems = 2, .elems = e};
    }
    default: return hloc_shape_array(HLOC_TYPE_F32, 2, d23);
    }
}

static int64_t *list(hloc_arena *a, int64_t x, int64_t y) {
    int64_t *v = HLOC_ARENA_ARRAY(a, int64_t, 2);
    v[0] = x;
    v[1] = y;
    return v;
}

/* Hostile attribute variants: out-of-range dimensions, indices, windows, padding. */
static void set_attrs(hloc_arena *a, hloc_attrs *at, int variant) {
    switch (variant) {
    case 0: break;
    case 1:
        at->dims = (hloc_i64_list){list(a, 5, -1), 2};
        at->index = 7;
        at->iota_dimension = 9;
        at->cmp_dir = HLOC_CMP_LT;
        at->k = 5;
        break;
    case 2:
        at->dims = (hloc_i64_list){list(a, 0, 1), 2};
        at->index = 1;
        at->slice_start = (hloc_i64_list){list(a, 1, 0), 2};
        at->slice_limit = (hloc_i64_list){list(a, 9, 3), 2};
        at->slice_stride = (hloc_i64_list){list(a, 0, 1), 2};
        at->dynamic_slice_sizes = (hloc_i64_list){list(a, 3, 1), 2};
        at->padding = HLOC_ARENA_ARRAY(a, hloc_padding_dim, 2);
        at->padding[0] = (hloc_padding_dim){-5, 2, 1};
        at->padding[1] = (hloc_padding_dim){1, -9, -1};
        at->n_padding = 2;
        at->dot.lhs_contracting = (hloc_i64_list){list(a, 0, 0), 1};
        at->dot.rhs_contracting = (hloc_i64_list){list(a, 1, 0), 1};
        at->cmp_dir = HLOC_CMP_EQ;
        at->cmp_type = HLOC_CMPT_TOTALORDER;
        at->exponent_bits = 0;
        at->mantissa_bits = -3;
        at->custom_call_target = "TopK";
        break;
    default:
        at->dims = (hloc_i64_list){list(a, 0, 0), 1};
        at->index = -1;
        at->window.dims = HLOC_ARENA_ARRAY(a, hloc_window_dim, 2);
        at->window.dims[0] = (hloc_window_dim){.size = 3, .stride = 0, .pad_lo = -4, .lhs_dilate = 0, .rhs_dilate = 1};
        at->window.dims[1] = (hloc_window_dim){.size = 1, .stride = 1, .lhs_dilate = 1, .rhs_dilate = 1};
        at->window.n_dims = 2;
        at->exponent_bits = 3;
        at->mantissa_bits = 1;
        break;
    }
}

START_TEST(test_every_opcode) {
    hloc_opcode op = (hloc_opcode)_i;
    if (op == HLOC_OP_PARAMETER) return;
    for (int nops = 0; nops <= 3; nops++)
        for (int os = 0; os < N_SHAPES; os++)
            for (int rs = 0; rs < N_SHAPES; rs++)
                for (int variant = 0; variant < 4; variant++) {
                    tb t;
                    tb_init(&t);
                    /* A scalar f32 adder as the callee of opcodes that call computations. */
                    t.c = hloc_computation_create(t.m, "adder");
                    hloc_shape sf = tb_shape(HLOC_TYPE_F32, -1);
                    hloc_instr *x = tb_sub_param(&t, 0, &sf), *y = tb_sub_param(&t, 1, &sf);
                    t.c->root = tb_op(&t, HLOC_OP_ADD, &sf, x, y, NULL);
                    hloc_computation *adder = t.c;
                    t.c = t.entry;
                    hloc_instr *ops[3];
                    for (int k = 0; k < nops; k++) {
                        hloc_shape s = pick_shape(t.m->arena, (os + k) % N_SHAPES);
                        if (s.type == HLOC_TYPE_TUPLE) {
                            hloc_instr *a = tb_param_f(&t, HLOC_TYPE_F32, 2, TB_F(1, 2));
                            hloc_instr *b = tb_param_i(&t, HLOC_TYPE_S32, -1, TB_I(1));
                            ops[k] = tb_op(&t, HLOC_OP_TUPLE, &s, a, b, NULL);
                        } else {
                            ops[k] = tb_const_i(&t, s.type, -1, TB_I(1));
                            if (s.rank) {
                                ops[k] = tb_op(&t, HLOC_OP_BROADCAST, &s, ops[k], NULL, NULL);
                            }
                        }
                    }
                    hloc_shape r = pick_shape(t.m->arena, rs);
                    hloc_instr *i = tb_opn(&t, op, &r, ops, (uint32_t)nops);
                    set_attrs(t.m->arena, i->attrs, variant);
                    if (hloc_opcode_flags(op) & OPF_CALLS) {
                        ck_assert(hloc_instr_add_called(i, adder));
                        if (variant >= 2) ck_assert(hloc_instr_add_called(i, adder));
                    }
                    if (op == HLOC_OP_CONSTANT && variant == 1) {
                        i->attrs->literal = hloc_literal_create(t.m->arena, &r);
                    }
                    hloc_literal *out = NULL;
                    hloc_status *st = tb_try(&t, i, &out);
                    ck_assert(st != NULL || out != NULL);
                    hloc_status_free(st);
                    tb_fini(&t);
                }
}
END_TEST

Suite *eval_robust_suite(void) {
    Suite *s = suite_create("eval_robust");
    TCase *tc = tcase_create("opcodes");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_every_opcode, 0, HLOC_OP_COUNT);
    suite_add_tcase(s, tc);
    return s;
}
