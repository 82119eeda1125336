/* Instructions, attributes and whole modules built by hand through ir.h. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"

static hloc_module *m;
static hloc_computation *c;
static hloc_print_options opts;

static void setup(void) {
    m = hloc_module_create("m");
    ck_assert_ptr_nonnull(m);
    c = hloc_computation_create(m, "main");
    ck_assert_ptr_nonnull(c);
    opts = hloc_print_options_default();
}
static void teardown(void) { hloc_module_destroy(m); }

static hloc_shape arr(hloc_type t, uint32_t rank, const int64_t *dims) {
    return hloc_shape_array(t, rank, dims);
}
static hloc_shape f32v(int64_t n) { return arr(HLOC_TYPE_F32, 1, &n); }
static hloc_shape f32s(void) { return hloc_shape_scalar(HLOC_TYPE_F32); }

static hloc_instr *param(hloc_computation *in, int64_t k, hloc_shape s, const char *name) {
    hloc_instr *p = hloc_instr_create(in, HLOC_OP_PARAMETER, &s, NULL, 0, name);
    ck_assert_ptr_nonnull(p);
    p->attrs->index = k;
    ck_assert(hloc_computation_set_param(in, p));
    return p;
}

static hloc_instr *mk(hloc_opcode op, hloc_shape s, const char *name, hloc_instr *a0,
                      hloc_instr *a1) {
    hloc_instr *ops[2] = {a0, a1};
    hloc_instr *i = hloc_instr_create(c, op, &s, ops, a1 ? 2 : a0 ? 1 : 0, name);
    ck_assert_ptr_nonnull(i);
    return i;
}

static hloc_i64_list list(int n, ...) {
    hloc_i64_list l = {HLOC_ARENA_ARRAY(m->arena, int64_t, n ? n : 1), (uint32_t)n};
    va_list ap;
    va_start(ap, n);
    for (int k = 0; k < n; k++)
        l.v[k] = va_arg(ap, int);
    va_end(ap);
    return l;
}

static hloc_computation *scalar_add(const char *name) {
    hloc_computation *r = hloc_computation_create(m, name);
    hloc_instr *x = param(r, 0, f32s(), "x");
    hloc_instr *y = param(r, 1, f32s(), "y");
    hloc_shape s = f32s();
    hloc_instr *ops[2] = {x, y};
    r->root = hloc_instr_create(r, HLOC_OP_ADD, &s, ops, 2, "add");
    return r;
}

#define CK_INSTR(want, i) CK_PRINTS(want, hloc_print_instr(&b_, i, &opts))

START_TEST(test_simple_ops) {
    hloc_instr *p = param(c, 0, f32v(4), "p");
    CK_INSTR("%p = f32[4]{0} parameter(0)", p);
    hloc_instr *n = mk(HLOC_OP_NEGATE, f32v(4), "n", p, NULL);
    CK_INSTR("%n = f32[4]{0} negate(%p)", n);
    opts.print_percent = false;
    CK_INSTR("n = f32[4]{0} negate(p)", n);
    opts.print_percent = true;
    c->root = n;
    CK_INSTR("ROOT %n = f32[4]{0} negate(%p)", n);
    hloc_instr *t = mk(HLOC_OP_TUPLE, hloc_shape_scalar(HLOC_TYPE_TUPLE), "t", p, n);
    for (int k = 0; k < 5; k++)
        ck_assert(hloc_instr_add_operand(t, p));
    CK_INSTR("%t = () tuple(%p, %n, %p, %p, %p, /*index=5*/%p, %p)", t);
    hloc_instr *g = mk(HLOC_OP_GET_TUPLE_ELEMENT, f32v(4), "g", t, NULL);
    g->attrs->index = 1;
    CK_INSTR("%g = f32[4]{0} get-tuple-element(%t), index=1", g);
    int64_t d2[] = {4, 3};
    hloc_instr *io = mk(HLOC_OP_IOTA, arr(HLOC_TYPE_S32, 2, d2), "io", NULL, NULL);
    io->attrs->iota_dimension = 1;
    CK_INSTR("%io = s32[4,3]{1,0} iota(), iota_dimension=1", io);
}
END_TEST

START_TEST(test_constants) {
    int64_t d[] = {12};
    hloc_shape s = arr(HLOC_TYPE_S32, 1, d);
    hloc_instr *k = mk(HLOC_OP_CONSTANT, s, "k", NULL, NULL);
    k->attrs->literal = hloc_literal_create(m->arena, &s);
    for (int j = 0; j < 12; j++)
        hloc_literal_set_i64(k->attrs->literal, j, j);
    CK_INSTR("%k = s32[12]{0} constant({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})", k);
    opts.elide_large_constants = true;
    CK_INSTR("%k = s32[12]{0} constant({...})", k);
    hloc_shape sc = hloc_shape_scalar(HLOC_TYPE_PRED);
    hloc_instr *t = mk(HLOC_OP_CONSTANT, sc, "t", NULL, NULL);
    t->attrs->literal = hloc_literal_create(m->arena, &sc);
    hloc_literal_set_i64(t->attrs->literal, 0, 1);
    CK_INSTR("%t = pred[] constant(true)", t);
}
END_TEST

START_TEST(test_shape_attrs) {
    int64_t d23[] = {2, 3}, d32[] = {3, 2}, d6[] = {6};
    hloc_instr *p = param(c, 0, arr(HLOC_TYPE_F32, 2, d23), "p");
    hloc_instr *s = param(c, 1, f32s(), "s");
    hloc_instr *bc = mk(HLOC_OP_BROADCAST, arr(HLOC_TYPE_F32, 2, d23), "bc", s, NULL);
    CK_INSTR("%bc = f32[2,3]{1,0} broadcast(%s), dimensions={}", bc);
    hloc_instr *tr = mk(HLOC_OP_TRANSPOSE, arr(HLOC_TYPE_F32, 2, d32), "tr", p, NULL);
    tr->attrs->dims = list(2, 1, 0);
    CK_INSTR("%tr = f32[3,2]{1,0} transpose(%p), dimensions={1,0}", tr);
    hloc_instr *sl = mk(HLOC_OP_SLICE, arr(HLOC_TYPE_F32, 2, d23), "sl", p, NULL);
    sl->attrs->slice_start = list(2, 0, 1);
    sl->attrs->slice_limit = list(2, 2, 3);
    sl->attrs->slice_stride = list(2, 1, 1);
    CK_INSTR("%sl = f32[2,3]{1,0} slice(%p), slice={[0:2], [1:3]}", sl);
    sl->attrs->slice_stride = list(2, 1, 2);
    CK_INSTR("%sl = f32[2,3]{1,0} slice(%p), slice={[0:2:1], [1:3:2]}", sl);
    hloc_instr *pd = mk(HLOC_OP_PAD, arr(HLOC_TYPE_F32, 2, d23), "pd", p, s);
    hloc_padding_dim pads[2] = {{0, 0, 0}, {1, -2, 0}};
    pd->attrs->padding = pads;
    pd->attrs->n_padding = 2;
    CK_INSTR("%pd = f32[2,3]{1,0} pad(%p, %s), padding=0_0x1_-2", pd);
    pads[0].interior = 3;
    CK_INSTR("%pd = f32[2,3]{1,0} pad(%p, %s), padding=0_0_3x1_-2_0", pd);
    hloc_instr *ds = mk(HLOC_OP_DYNAMIC_SLICE, arr(HLOC_TYPE_F32, 2, d23), "ds", p, s);
    ds->attrs->dynamic_slice_sizes = list(2, 1, 3);
    CK_INSTR("%ds = f32[2,3]{1,0} dynamic-slice(%p, %s), dynamic_slice_sizes={1,3}", ds);
    hloc_instr *rs = mk(HLOC_OP_RESHAPE, arr(HLOC_TYPE_F32, 1, d6), "rs", p, NULL);
    CK_INSTR("%rs = f32[6]{0} reshape(%p)", rs);
    rs->attrs->inferred_dimension = 0;
    CK_INSTR("%rs = f32[6]{0} reshape(%p), inferred_dimension=0", rs);
    hloc_instr *cc = mk(HLOC_OP_CONCATENATE, arr(HLOC_TYPE_F32, 2, d23), "cc", p, p);
    cc->attrs->dims = list(1, 0);
    CK_INSTR("%cc = f32[2,3]{1,0} concatenate(%p, %p), dimensions={0}", cc);
}
END_TEST

START_TEST(test_compare_and_misc) {
    hloc_instr *a = param(c, 0, f32v(4), "a");
    int64_t four = 4;
    hloc_instr *cmp = mk(HLOC_OP_COMPARE, arr(HLOC_TYPE_PRED, 1, &four), "cmp", a, a);
    CK_INSTR("%cmp = pred[4]{0} compare(%a, %a)", cmp); /* nothing to say: the text stays as read */
    cmp->attrs->cmp_dir = HLOC_CMP_LT;
    CK_INSTR("%cmp = pred[4]{0} compare(%a, %a), direction=LT", cmp);
    cmp->attrs->cmp_type = HLOC_CMPT_TOTALORDER;
    CK_INSTR("%cmp = pred[4]{0} compare(%a, %a), direction=LT, type=TOTALORDER", cmp);
    hloc_instr *rp = mk(HLOC_OP_REDUCE_PRECISION, f32v(4), "rp", a, NULL);
    rp->attrs->exponent_bits = 5;
    rp->attrs->mantissa_bits = 10;
    CK_INSTR("%rp = f32[4]{0} reduce-precision(%a), exponent_bits=5, mantissa_bits=10", rp);
    hloc_instr *rng = mk(HLOC_OP_RNG, f32v(4), "rng", a, a);
    rng->attrs->rng_distribution = HLOC_RNG_DIST_UNIFORM;
    CK_INSTR("%rng = f32[4]{0} rng(%a, %a), distribution=rng_uniform", rng);
    hloc_instr *rbg = mk(HLOC_OP_RNG_BIT_GENERATOR, f32v(4), "rbg", a, NULL);
    rbg->attrs->rng_algorithm = HLOC_RNG_THREE_FRY;
    CK_INSTR("%rbg = f32[4]{0} rng-bit-generator(%a), algorithm=rng_three_fry", rbg);
    hloc_instr *fft = mk(HLOC_OP_FFT, f32v(4), "fft", a, NULL);
    fft->attrs->fft_type = HLOC_FFT_RFFT;
    fft->attrs->fft_length = list(1, 4);
    CK_INSTR("%fft = f32[4]{0} fft(%a), fft_type=RFFT, fft_length={4}", fft);
    hloc_instr *ts = mk(HLOC_OP_TRIANGULAR_SOLVE, f32v(4), "ts", a, a);
    ts->attrs->triangular_solve =
        (hloc_triangular_solve){true, true, false, HLOC_TRANSPOSE_ADJOINT};
    CK_INSTR(
        "%ts = f32[4]{0} triangular-solve(%a, %a), left_side=true, lower=true, transpose_a=ADJOINT",
        ts);
    ts->attrs->triangular_solve = (hloc_triangular_solve){false, false, true, HLOC_TRANSPOSE_NO};
    CK_INSTR(
        "%ts = f32[4]{0} triangular-solve(%a, %a), unit_diagonal=true, transpose_a=NO_TRANSPOSE",
        ts);
    hloc_instr *ch = mk(HLOC_OP_CHOLESKY, f32v(4), "ch", a, NULL);
    ch->attrs->cholesky_lower = true;
    CK_INSTR("%ch = f32[4]{0} cholesky(%a), lower=true", ch);
    hloc_instr *bn = mk(HLOC_OP_BATCH_NORM_TRAINING, f32v(4), "bn", a, a);
    ck_assert(hloc_instr_add_operand(bn, a));
    bn->attrs->epsilon = (float)0.001;
    bn->attrs->feature_index = 0;
    CK_INSTR("%bn = f32[4]{0} batch-norm-training(%a, %a, %a), epsilon=0.001, feature_index=0", bn);
    hloc_instr *tk = mk(HLOC_OP_TOPK, f32v(4), "tk", a, NULL);
    tk->attrs->k = 2;
    CK_INSTR("%tk = f32[4]{0} topk(%a), k=2, largest=true", tk);
}
END_TEST

START_TEST(test_conv_dot) {
    int64_t din[] = {2, 16, 16, 8}, dk[] = {3, 3, 8, 16}, dout[] = {2, 8, 8, 16};
    hloc_instr *x = param(c, 0, arr(HLOC_TYPE_F32, 4, din), "x");
    hloc_instr *w = param(c, 1, arr(HLOC_TYPE_F32, 4, dk), "w");
    hloc_instr *cv = mk(HLOC_OP_CONVOLUTION, arr(HLOC_TYPE_F32, 4, dout), "cv", x, w);
    hloc_window_dim wd[2] = {{3, 2, 0, 1, 1, 1, false}, {3, 2, 0, 1, 1, 1, false}};
    cv->attrs->window = (hloc_window){wd, 2};
    hloc_conv_dnums *cd = &cv->attrs->conv;
    *cd = (hloc_conv_dnums){.present = true,
                            .in_batch = 0,
                            .in_feature = 3,
                            .k_in_feature = 2,
                            .k_out_feature = 3,
                            .out_batch = 0,
                            .out_feature = 3,
                            .n_spatial = 2};
    cd->in_spatial[0] = 1, cd->in_spatial[1] = 2;
    cd->k_spatial[0] = 0, cd->k_spatial[1] = 1;
    cd->out_spatial[0] = 1, cd->out_spatial[1] = 2;
    CK_INSTR("%cv = f32[2,8,8,16]{3,2,1,0} convolution(%x, %w), window={size=3x3 stride=2x2 "
             "pad=0_1x0_1}, "
             "dim_labels=b01f_01io->b01f",
             cv);
    wd[1].lhs_dilate = 2;
    wd[0].rhs_dilate = 3;
    wd[1].reversal = true;
    cv->attrs->feature_group_count = 2;
    hloc_precision prec[2] = {HLOC_PRECISION_DEFAULT, HLOC_PRECISION_HIGHEST};
    cv->attrs->precision = prec;
    cv->attrs->n_precision = 2;
    CK_INSTR(
        "%cv = f32[2,8,8,16]{3,2,1,0} convolution(%x, %w), window={size=3x3 stride=2x2 pad=0_1x0_1 "
        "lhs_dilate=1x2 rhs_dilate=3x1 rhs_reversal=0x1}, dim_labels=b01f_01io->b01f, "
        "feature_group_count=2, operand_precision={default,highest}",
        cv);
    int64_t d234[] = {2, 3, 4}, d245[] = {2, 4, 5}, d235[] = {2, 3, 5};
    hloc_instr *l = param(c, 2, arr(HLOC_TYPE_F32, 3, d234), "l");
    hloc_instr *r = param(c, 3, arr(HLOC_TYPE_F32, 3, d245), "r");
    hloc_instr *dt = mk(HLOC_OP_DOT, arr(HLOC_TYPE_F32, 3, d235), "dt", l, r);
    dt->attrs->dot.lhs_batch = list(1, 0);
    dt->attrs->dot.rhs_batch = list(1, 0);
    dt->attrs->dot.lhs_contracting = list(1, 2);
    dt->attrs->dot.rhs_contracting = list(1, 1);
    CK_INSTR("%dt = f32[2,3,5]{2,1,0} dot(%l, %r), lhs_batch_dims={0}, lhs_contracting_dims={2}, "
             "rhs_batch_dims={0}, rhs_contracting_dims={1}",
             dt);
    hloc_precision defaults[2] = {HLOC_PRECISION_DEFAULT, HLOC_PRECISION_DEFAULT};
    dt->attrs->precision = defaults;
    dt->attrs->n_precision = 2;
    dt->attrs->dot.lhs_batch.n = dt->attrs->dot.rhs_batch.n = 0;
    CK_INSTR(
        "%dt = f32[2,3,5]{2,1,0} dot(%l, %r), lhs_contracting_dims={2}, rhs_contracting_dims={1}",
        dt);
}
END_TEST

START_TEST(test_gather_scatter) {
    int64_t d[] = {5, 4}, di[] = {3, 1}, dout[] = {3, 4};
    hloc_instr *op = param(c, 0, arr(HLOC_TYPE_F32, 2, d), "op");
    hloc_instr *ix = param(c, 1, arr(HLOC_TYPE_S32, 2, di), "ix");
    hloc_instr *g = mk(HLOC_OP_GATHER, arr(HLOC_TYPE_F32, 2, dout), "g", op, ix);
    hloc_gather_dnums *gd = &g->attrs->gather;
    gd->offset_dims = list(1, 1);
    gd->collapsed_slice_dims = list(1, 0);
    gd->start_index_map = list(1, 0);
    gd->index_vector_dim = 1;
    gd->slice_sizes = list(2, 1, 4);
    CK_INSTR("%g = f32[3,4]{1,0} gather(%op, %ix), offset_dims={1}, collapsed_slice_dims={0}, "
             "start_index_map={0}, index_vector_dim=1, slice_sizes={1,4}",
             g);
    gd->indices_are_sorted = true;
    gd->operand_batching_dims = list(0);
    CK_INSTR("%g = f32[3,4]{1,0} gather(%op, %ix), offset_dims={1}, collapsed_slice_dims={0}, "
             "start_index_map={0}, index_vector_dim=1, slice_sizes={1,4}, indices_are_sorted=true",
             g);
    hloc_computation *add = scalar_add("add_f32");
    hloc_instr *up = param(c, 2, arr(HLOC_TYPE_F32, 2, dout), "up");
    hloc_instr *sc = mk(HLOC_OP_SCATTER, arr(HLOC_TYPE_F32, 2, d), "sc", op, ix);
    ck_assert(hloc_instr_add_operand(sc, up));
    ck_assert(hloc_instr_add_called(sc, add));
    hloc_scatter_dnums *sd = &sc->attrs->scatter;
    sd->update_window_dims = list(1, 1);
    sd->inserted_window_dims = list(1, 0);
    sd->scatter_dims_to_operand_dims = list(1, 0);
    sd->index_vector_dim = 1;
    sd->unique_indices = true;
    CK_INSTR("%sc = f32[5,4]{1,0} scatter(%op, %ix, %up), update_window_dims={1}, "
             "inserted_window_dims={0}, "
             "scatter_dims_to_operand_dims={0}, index_vector_dim=1, unique_indices=true, "
             "to_apply=%add_f32",
             sc);
}
END_TEST

START_TEST(test_called) {
    hloc_computation *add = scalar_add("add_f32");
    hloc_computation *other = scalar_add("other");
    hloc_instr *a = param(c, 0, f32v(4), "a");
    hloc_instr *z = param(c, 1, f32s(), "z");
    hloc_instr *r = mk(HLOC_OP_REDUCE, f32s(), "r", a, z);
    r->attrs->dims = list(1, 0);
    ck_assert(hloc_instr_add_called(r, add));
    CK_INSTR("%r = f32[] reduce(%a, %z), dimensions={0}, to_apply=%add_f32", r);
    hloc_instr *rw = mk(HLOC_OP_REDUCE_WINDOW, f32v(4), "rw", a, z);
    hloc_window_dim wd = {2, 1, 0, 1, 1, 1, false};
    rw->attrs->window = (hloc_window){&wd, 1};
    ck_assert(hloc_instr_add_called(rw, add));
    CK_INSTR("%rw = f32[4]{0} reduce-window(%a, %z), window={size=2 pad=0_1}, to_apply=%add_f32",
             rw);
    hloc_instr *wl = mk(HLOC_OP_WHILE, f32v(4), "wl", a, NULL);
    ck_assert(hloc_instr_add_called(wl, add) && hloc_instr_add_called(wl, other));
    CK_INSTR("%wl = f32[4]{0} while(%a), condition=%add_f32, body=%other", wl);
    hloc_instr *pr = param(c, 2, hloc_shape_scalar(HLOC_TYPE_PRED), "pr");
    hloc_instr *cd = mk(HLOC_OP_CONDITIONAL, f32s(), "cd", pr, z);
    ck_assert(hloc_instr_add_operand(cd, z));
    ck_assert(hloc_instr_add_called(cd, add) && hloc_instr_add_called(cd, other));
    CK_INSTR(
        "%cd = f32[] conditional(%pr, %z, %z), true_computation=%add_f32, false_computation=%other",
        cd);
    hloc_instr *ix = param(c, 3, hloc_shape_scalar(HLOC_TYPE_S32), "ix");
    hloc_instr_set_operand(cd, 0, ix);
    CK_INSTR("%cd = f32[] conditional(%ix, %z, %z), branch_computations={%add_f32, %other}", cd);
    hloc_instr *fu = mk(HLOC_OP_FUSION, f32s(), "fu", z, z);
    fu->attrs->fusion_kind = HLOC_FUSION_LOOP;
    ck_assert(hloc_instr_add_called(fu, add));
    CK_INSTR("%fu = f32[] fusion(%z, %z), kind=kLoop, calls=%add_f32", fu);
    hloc_instr *so = mk(HLOC_OP_SORT, f32v(4), "so", a, NULL);
    so->attrs->dims = list(1, 0);
    so->attrs->is_stable = true;
    ck_assert(hloc_instr_add_called(so, add));
    CK_INSTR("%so = f32[4]{0} sort(%a), dimensions={0}, is_stable=true, to_apply=%add_f32", so);
    hloc_instr *ca = mk(HLOC_OP_CALL, f32s(), "ca", z, z);
    ck_assert(hloc_instr_add_called(ca, add));
    hloc_raw_attr fa = {"frontend_attributes", "{xla_cpu_small_call=\"true\"}"};
    ca->attrs->extra = &fa;
    ca->attrs->n_extra = 1;
    ca->attrs->metadata.present = true;
    ca->attrs->metadata.op_name = "jit(f)/while";
    ca->attrs->metadata.stack_frame_id = 4;
    CK_INSTR("%ca = f32[] call(%z, %z), to_apply=%add_f32, "
             "frontend_attributes={xla_cpu_small_call=\"true\"}, "
             "metadata={op_name=\"jit(f)/while\" stack_frame_id=4}",
             ca);
    opts.print_metadata = false;
    CK_INSTR("%ca = f32[] call(%z, %z), to_apply=%add_f32, "
             "frontend_attributes={xla_cpu_small_call=\"true\"}",
             ca);
}
END_TEST

START_TEST(test_custom_call_and_extras) {
    hloc_computation *cmp = scalar_add("cmp");
    hloc_instr *a = param(c, 0, f32v(4), "a");
    hloc_instr *cc = mk(HLOC_OP_CUSTOM_CALL, f32v(4), "cc", a, NULL);
    cc->attrs->custom_call_target = "TopK";
    ck_assert(hloc_instr_add_called(cc, cmp));
    cc->attrs->backend_config = "{is_stable = true}";
    CK_INSTR(
        "%cc = f32[4]{0} custom-call(%a), custom_call_target=\"TopK\", called_computations={%cmp}, "
        "backend_config={is_stable = true}",
        cc);
    opts.print_backend_config = false;
    CK_INSTR(
        "%cc = f32[4]{0} custom-call(%a), custom_call_target=\"TopK\", called_computations={%cmp}",
        cc);
    hloc_instr *sb = mk(HLOC_OP_CUSTOM_CALL, f32v(4), "sb", a, NULL);
    sb->attrs->custom_call_target = "Set\"Bound";
    sb->attrs->custom_call_has_side_effect = true;
    hloc_shape s = hloc_shape_scalar(HLOC_TYPE_S32);
    sb->attrs->literal = hloc_literal_create(m->arena, &s);
    hloc_literal_set_i64(sb->attrs->literal, 0, 1);
    hloc_shape olc = f32v(4);
    sb->attrs->operand_layout_constraints = &olc;
    sb->attrs->n_operand_layout_constraints = 1;
    sb->attrs->has_operand_layout_constraints = true;
    sb->attrs->api_version = "API_VERSION_TYPED_FFI";
    hloc_raw_attr ex[3] = {
        {"sharding", "{replicated}"}, {"schedule", "SCHEDULE_LATEST"}, {"origin", "{{\"a\"}}"}};
    sb->attrs->extra = ex;
    sb->attrs->n_extra = 3;
    sb->control_preds = &a;
    sb->n_control_preds = 1;
    CK_INSTR("%sb = f32[4]{0} custom-call(%a), custom_call_target=\"Set\\\"Bound\", "
             "operand_layout_constraints={f32[4]{0}}, custom_call_has_side_effect=true, "
             "literal=s32[] 1, "
             "schedule=SCHEDULE_LATEST, api_version=API_VERSION_TYPED_FFI, sharding={replicated}, "
             "control-predecessors={%a}, origin={{\"a\"}}",
             sb);
}
END_TEST

START_TEST(test_collectives) {
    int64_t d[] = {4, 8}, dout[] = {4, 16};
    hloc_instr *a = param(c, 0, arr(HLOC_TYPE_F32, 2, d), "a");
    hloc_instr *ag = mk(HLOC_OP_ALL_GATHER, arr(HLOC_TYPE_F32, 2, dout), "ag", a, NULL);
    ag->attrs->dims = list(1, 1);
    ag->attrs->has_dims = true;
    hloc_raw_attr ex[3] = {
        {"channel_id", "1"}, {"use_global_device_ids", "true"}, {"replica_groups", "{{0,1}}"}};
    ag->attrs->extra = ex;
    ag->attrs->n_extra = 3;
    CK_INSTR("%ag = f32[4,16]{1,0} all-gather(%a), channel_id=1, replica_groups={{0,1}}, "
             "dimensions={1}, "
             "use_global_device_ids=true",
             ag);
    hloc_instr *ng = mk(HLOC_OP_NEGATE, arr(HLOC_TYPE_F32, 2, d), "ng", a, NULL);
    ng->attrs->extra = ex;
    ng->attrs->n_extra = 3;
    CK_INSTR("%ng = f32[4,8]{1,0} negate(%a), channel_id=1, use_global_device_ids=true, "
             "replica_groups={{0,1}}",
             ng);
}
END_TEST

START_TEST(test_module) {
    hloc_computation *add = scalar_add("add_comp");
    /* Definition order puts callees first: move main behind add_comp. */
    m->comps[0] = add;
    m->comps[1] = c;
    c->is_entry = true;
    m->entry = c;
    m->is_scheduled = 1;
    m->has_entry_layout = true;
    hloc_shape ps[2] = {f32v(4), f32v(4)};
    m->entry_param_shapes = ps;
    m->n_entry_params = 2;
    m->entry_result_shape = f32s();
    hloc_raw_attr hx = {"allow_spmd_sharding_propagation_to_output", "{true}"};
    m->extra = &hx;
    m->n_extra = 1;
    const char *files[] = {"a.py"}, *funcs[] = {"<module>", "f"};
    m->file_names = files;
    m->n_file_names = 1;
    m->function_names = funcs;
    m->n_function_names = 2;
    hloc_file_location fl = {1, 2, 3, 3, 8, 19};
    m->file_locations = &fl;
    m->n_file_locations = 1;
    hloc_stack_frame sf = {1, 0};
    m->stack_frames = &sf;
    m->n_stack_frames = 1;
    hloc_instr *p0 = param(c, 0, f32v(4), "p0");
    p0->attrs->metadata.op_name = "p0";
    hloc_instr *p1 = param(c, 1, f32v(4), "p1");
    hloc_instr *mul = mk(HLOC_OP_MULTIPLY, f32v(4), "mul", p0, p1);
    mul->control_preds = &p1;
    mul->n_control_preds = 1;
    hloc_shape ss = f32s();
    hloc_instr *zero = mk(HLOC_OP_CONSTANT, ss, "zero", NULL, NULL);
    zero->attrs->literal = hloc_literal_create(m->arena, &ss);
    hloc_instr *sum = mk(HLOC_OP_REDUCE, ss, "sum", mul, zero);
    sum->attrs->dims = list(1, 0);
    ck_assert(hloc_instr_add_called(sum, add));
    hloc_metadata *md = &sum->attrs->metadata;
    md->op_type = "Sum";
    md->op_name = "jit(f)/sum";
    md->source_file = "a.py";
    md->source_line = 3;
    md->stack_frame_id = 1;
    c->root = sum;
    const char *want =
        "HloModule m, is_scheduled=true, entry_computation_layout={(f32[4]{0}, f32[4]{0})->f32[]}, "
        "allow_spmd_sharding_propagation_to_output={true}\n"
        "\n"
        "FileNames\n1 \"a.py\"\n\n"
        "FunctionNames\n1 \"<module>\"\n2 \"f\"\n\n"
        "FileLocations\n1 {file_name_id=1 function_name_id=2 line=3 end_line=3 column=8 "
        "end_column=19}\n\n"
        "StackFrames\n1 {file_location_id=1 parent_frame_id=0}\n\n\n"
        "%add_comp (x: f32[], y: f32[]) -> f32[] {\n"
        "  %x = f32[] parameter(0)\n"
        "  %y = f32[] parameter(1)\n"
        "  ROOT %add = f32[] add(%x, %y)\n"
        "}\n\n"
        "ENTRY %main (p0: f32[4], p1: f32[4]) -> f32[] {\n"
        "  %p0 = f32[4]{0} parameter(0), metadata={op_name=\"p0\"}\n"
        "  %p1 = f32[4]{0} parameter(1)\n"
        "  %mul = f32[4]{0} multiply(%p0, %p1), control-predecessors={%p1}\n"
        "  %zero = f32[] constant(0)\n"
        "  ROOT %sum = f32[] reduce(%mul, %zero), dimensions={0}, to_apply=%add_comp, "
        "metadata={op_type=\"Sum\" "
        "op_name=\"jit(f)/sum\" source_file=\"a.py\" source_line=3 stack_frame_id=1}\n"
        "}\n\n";
    char *text = NULL;
    hloc_status *st = hloc_module_print(m, &text);
    ck_assert_ptr_null(st);
    ck_assert_str_eq(text, want);
    free(text);
    st = hloc_module_print(NULL, &text);
    ck_assert_ptr_nonnull(st);
    ck_assert_ptr_null(text);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    hloc_status_free(st);
}
END_TEST

Suite *print_module_suite(void) {
    Suite *s = suite_create("print_module");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_simple_ops);
    tcase_add_test(tc, test_constants);
    tcase_add_test(tc, test_shape_attrs);
    tcase_add_test(tc, test_compare_and_misc);
    tcase_add_test(tc, test_conv_dot);
    tcase_add_test(tc, test_gather_scatter);
    tcase_add_test(tc, test_called);
    tcase_add_test(tc, test_custom_call_and_extras);
    tcase_add_test(tc, test_collectives);
    tcase_add_test(tc, test_module);
    suite_add_tcase(s, tc);
    return s;
}
