/* Typed attributes of attrs.h, one instruction each, and raw attributes kept verbatim. */
#include <stdlib.h>
#include <string.h>

#include "hloc/hloc.h"
#include "suites.h"

static hloc_module *mod;
static void teardown(void) {
    hloc_module_destroy(mod);
    mod = NULL;
}

static const char *text =
    "HloModule attrs\n"
    "add_f32 { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT s = f32[] add(a, b) }\n"
    "ge_f32 { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT s = pred[] compare(a, b), "
    "direction=GE }\n"
    "cond { p = (s32[]) parameter(0)\n i = s32[] get-tuple-element(p), index=0\n"
    "  n = s32[] constant(4)\n ROOT lt = pred[] compare(i, n), direction=LT, type=SIGNED }\n"
    "body { p = (s32[]) parameter(0)\n gg = s32[] get-tuple-element(p), index=0\n ROOT t = (s32[]) "
    "tuple(s32[] gg) }\n"
    "ENTRY main {\n"
    "  x = f32[4,8]{1,0} parameter(0)\n"
    "  y = f32[8,16]{1,0} parameter(1), sharding={devices=[2,1]0,1}\n"
    "  img = f32[1,9,9,3]{3,2,1,0} parameter(2)\n"
    "  ker = f32[3,3,3,8]{3,2,1,0} parameter(3)\n"
    "  idx = s32[5,1]{1,0} parameter(4)\n"
    "  z = f32[] constant(0)\n"
    "  dot = f32[4,16]{1,0} dot(x, y), lhs_contracting_dims={1}, rhs_contracting_dims={0}, "
    "operand_precision={highest,DEFAULT}, metadata={op_type=\"dot\" op_name=\"jit(f)/dot\" "
    "source_file=\"a.py\" source_line=12 stack_frame_id=3 profile_type={1,2} foo={a=1}}\n"
    "  bc = f32[4,8,2]{2,1,0} broadcast(x), dimensions={0,1}\n"
    "  tr = f32[8,4]{0,1} transpose(x), dimensions={1,0}\n"
    "  sl = f32[2,4]{1,0} slice(x), slice={[0:4:2], [2:6]}\n"
    "  pd = f32[6,17]{1,0} pad(x, z), padding=1_1x0_-1_2\n"
    "  conv = f32[1,4,4,8]{3,2,1,0} convolution(img, ker), window={size=3x3 stride=2x2 pad=0_1x1_0 "
    "rhs_dilate=1x1 lhs_dilate=1x1 rhs_reversal=0x1}, dim_labels=b01f_01io->b01f, "
    "feature_group_count=1\n"
    "  rw = f32[2,4]{1,0} reduce-window(x, z), window={size=2x2 stride=2x2}, to_apply=add_f32\n"
    "  red = f32[4]{0} reduce(x, z), dimensions={1}, to_apply=add_f32\n"
    "  g = f32[5,8]{1,0} gather(x, idx), offset_dims={1}, collapsed_slice_dims={0}, "
    "start_index_map={0}, "
    "index_vector_dim=1, slice_sizes={1,8}, indices_are_sorted=true\n"
    "  sc = f32[4,8]{1,0} scatter(x, idx, g), update_window_dims={1}, inserted_window_dims={0}, "
    "scatter_dims_to_operand_dims={0}, index_vector_dim=1, unique_indices=true, to_apply=add_f32\n"
    "  srt = f32[4,8]{1,0} sort(x), dimensions={1}, is_stable=true, to_apply=ge_f32\n"
    "  io = s32[3,4]{1,0} iota(), iota_dimension=1\n"
    "  ds = f32[2,2]{1,0} dynamic-slice(x, io2, io2), dynamic_slice_sizes={2,2}\n"
    "  io2 = s32[] constant(1)\n"
    "  w0 = (s32[]) tuple(io2)\n"
    "  w = (s32[]) while(w0), condition=cond, body=body, "
    "backend_config={\"known_trip_count\":{\"n\":\"4\"}}\n"
    "  cc = f32[4,8]{1,0} custom-call(x), custom_call_target=\"foo\", "
    "api_version=API_VERSION_TYPED_FFI, "
    "backend_config=\"cfg\", custom_call_has_side_effect=true, "
    "operand_layout_constraints={f32[4,8]{1,0}}, "
    "frontend_attributes={_xla=\"1\"}, control-predecessors={red}\n"
    "  rp = f32[4,8]{1,0} reduce-precision(x), exponent_bits=5, mantissa_bits=10\n"
    "  rbg = (u64[2]{0}, u32[4]{0}) rng-bit-generator(st), algorithm=rng_philox\n"
    "  st = u64[2]{0} constant({1, 2})\n"
    "  cp = f32[4]{0} compare(red, red), direction=EQ, type=TOTALORDER\n"
    "  ROOT out = (f32[4,16]{1,0}) tuple(dot)\n"
    "}\n";

START_TEST(test_all) {
    mod = test_parse(text);
    hloc_instr *i = test_find(mod, "dot");
    ck_assert_uint_eq(i->attrs->dot.lhs_contracting.n, 1);
    ck_assert_int_eq(i->attrs->dot.lhs_contracting.v[0], 1);
    ck_assert_int_eq(i->attrs->dot.rhs_contracting.v[0], 0);
    ck_assert_uint_eq(i->attrs->n_precision, 2);
    ck_assert_int_eq(i->attrs->precision[0], HLOC_PRECISION_HIGHEST);
    ck_assert_int_eq(i->attrs->precision[1], HLOC_PRECISION_DEFAULT);
    ck_assert(i->attrs->metadata.present);
    ck_assert_str_eq(i->attrs->metadata.op_type, "dot");
    ck_assert_str_eq(i->attrs->metadata.op_name, "jit(f)/dot");
    ck_assert_str_eq(i->attrs->metadata.source_file, "a.py");
    ck_assert_int_eq(i->attrs->metadata.source_line, 12);
    ck_assert_int_eq(i->attrs->metadata.stack_frame_id, 3);
    ck_assert_str_eq(i->attrs->metadata.profile_type, "1,2");

    i = test_find(mod, "y");
    ck_assert_str_eq(hloc_attrs_extra(i->attrs, "sharding"), "{devices=[2,1]0,1}");
    ck_assert_int_eq(i->attrs->index, 1);
    ck_assert_ptr_eq(mod->entry->params[1], i);

    i = test_find(mod, "bc");
    ck_assert(i->attrs->has_dims);
    ck_assert_uint_eq(i->attrs->dims.n, 2);
    i = test_find(mod, "sl");
    ck_assert_int_eq(i->attrs->slice_start.v[0], 0);
    ck_assert_int_eq(i->attrs->slice_limit.v[0], 4);
    ck_assert_int_eq(i->attrs->slice_stride.v[0], 2);
    ck_assert_int_eq(i->attrs->slice_stride.v[1], 1);
    i = test_find(mod, "pd");
    ck_assert_uint_eq(i->attrs->n_padding, 2);
    ck_assert_int_eq(i->attrs->padding[1].hi, -1);
    ck_assert_int_eq(i->attrs->padding[1].interior, 2);

    i = test_find(mod, "conv");
    ck_assert_uint_eq(i->attrs->window.n_dims, 2);
    ck_assert_int_eq(i->attrs->window.dims[0].stride, 2);
    ck_assert_int_eq(i->attrs->window.dims[0].pad_hi, 1);
    ck_assert_int_eq(i->attrs->window.dims[1].pad_lo, 1);
    ck_assert(!i->attrs->window.dims[0].reversal);
    ck_assert(i->attrs->window.dims[1].reversal);
    ck_assert(i->attrs->conv.present);
    ck_assert_int_eq(i->attrs->conv.in_batch, 0);
    ck_assert_int_eq(i->attrs->conv.in_feature, 3);
    ck_assert_int_eq(i->attrs->conv.k_in_feature, 2);
    ck_assert_int_eq(i->attrs->conv.k_out_feature, 3);
    ck_assert_int_eq(i->attrs->conv.in_spatial[1], 2);
    ck_assert_uint_eq(i->attrs->conv.n_spatial, 2);

    i = test_find(mod, "rw");
    ck_assert_int_eq(i->attrs->window.dims[1].lhs_dilate, 1);
    ck_assert_uint_eq(i->n_called, 1);
    ck_assert_str_eq(i->called[0]->name, "add_f32");

    i = test_find(mod, "g");
    ck_assert_int_eq(i->attrs->gather.index_vector_dim, 1);
    ck_assert_int_eq(i->attrs->gather.slice_sizes.v[1], 8);
    ck_assert(i->attrs->gather.indices_are_sorted);
    i = test_find(mod, "sc");
    ck_assert_int_eq(i->attrs->scatter.index_vector_dim, 1);
    ck_assert(i->attrs->scatter.unique_indices);
    ck_assert(!i->attrs->scatter.indices_are_sorted);
    i = test_find(mod, "srt");
    ck_assert(i->attrs->is_stable);
    ck_assert_str_eq(i->called[0]->name, "ge_f32");
    ck_assert_int_eq(test_find(mod, "io")->attrs->iota_dimension, 1);
    ck_assert_int_eq(test_find(mod, "ds")->attrs->dynamic_slice_sizes.v[1], 2);

    i = test_find(mod, "w");
    ck_assert_uint_eq(i->n_called, 2);
    ck_assert_str_eq(i->called[0]->name, "cond");
    ck_assert_str_eq(i->called[1]->name, "body");
    ck_assert_str_eq(i->attrs->backend_config, "{\"known_trip_count\":{\"n\":\"4\"}}");

    i = test_find(mod, "cc");
    ck_assert_str_eq(i->attrs->custom_call_target, "foo");
    ck_assert_str_eq(i->attrs->api_version, "API_VERSION_TYPED_FFI");
    ck_assert_str_eq(i->attrs->backend_config, "\"cfg\"");
    ck_assert(i->attrs->custom_call_has_side_effect);
    ck_assert_uint_eq(i->attrs->n_operand_layout_constraints, 1);
    ck_assert_str_eq(hloc_attrs_extra(i->attrs, "frontend_attributes"), "{_xla=\"1\"}");
    ck_assert_uint_eq(i->n_control_preds, 1);
    ck_assert_str_eq(i->control_preds[0]->name, "red");

    i = test_find(mod, "rp");
    ck_assert_int_eq(i->attrs->exponent_bits, 5);
    ck_assert_int_eq(i->attrs->mantissa_bits, 10);
    ck_assert_int_eq(test_find(mod, "rbg")->attrs->rng_algorithm, HLOC_RNG_PHILOX);
    i = test_find(mod, "cp");
    ck_assert_int_eq(i->attrs->cmp_dir, HLOC_CMP_EQ);
    ck_assert_int_eq(i->attrs->cmp_type, HLOC_CMPT_TOTALORDER);
    i = test_find(mod, "lt");
    ck_assert_int_eq(i->attrs->cmp_type, HLOC_CMPT_SIGNED);
    ck_assert_ptr_eq(test_find(mod, "t")->operands[0], test_find(mod, "gg"));
}
END_TEST

START_TEST(test_more_opcodes) {
    mod = test_parse(
        "HloModule m\n"
        "ENTRY e {\n"
        "  a = f32[4,4]{1,0} parameter(0)\n"
        "  b = f32[4,2]{1,0} parameter(1)\n"
        "  ts = f32[4,2]{1,0} triangular-solve(a, b), left_side=true, lower=true, "
        "unit_diagonal=false, "
        "transpose_a=ADJOINT\n"
        "  ch = f32[4,4]{1,0} cholesky(a), lower=true\n"
        "  f = c64[4,4]{1,0} fft(c), fft_type=RFFT, fft_length={4}\n"
        "  c = c64[4,4]{1,0} convert(a)\n"
        "  r = f32[4,4]{1,0} rng(z, o), distribution=rng_normal\n"
        "  z = f32[] constant(0)\n"
        "  o = f32[] constant(1)\n"
        "  tk = (f32[4,2]{1,0}, s32[4,2]{1,0}) topk(a), k=2, largest=false\n"
        "  bn = f32[4,4]{1,0} batch-norm-inference(a, s, s, s, s), epsilon=0.001, feature_index=1\n"
        "  s = f32[4]{0} parameter(2)\n"
        "  rs = f32[16]{0} reshape(a), inferred_dimension=0\n"
        "  st = s64[] rng-get-and-update-state(), delta=8\n"
        "  ROOT t = (f32[4,2]{1,0}, f32[4,4]{1,0}) tuple(ts, ch)\n"
        "}\n");
    hloc_instr *i = test_find(mod, "ts");
    ck_assert(i->attrs->triangular_solve.left_side);
    ck_assert(i->attrs->triangular_solve.lower);
    ck_assert_int_eq(i->attrs->triangular_solve.transpose_a, HLOC_TRANSPOSE_ADJOINT);
    ck_assert(test_find(mod, "ch")->attrs->cholesky_lower);
    i = test_find(mod, "f");
    ck_assert_int_eq(i->attrs->fft_type, HLOC_FFT_RFFT);
    ck_assert_int_eq(i->attrs->fft_length.v[0], 4);
    ck_assert_int_eq(test_find(mod, "r")->attrs->rng_distribution, HLOC_RNG_DIST_NORMAL);
    i = test_find(mod, "tk");
    ck_assert_int_eq(i->attrs->k, 2);
    ck_assert(!i->attrs->largest);
    i = test_find(mod, "bn");
    ck_assert_double_eq(i->attrs->epsilon, 0.001);
    ck_assert_int_eq(i->attrs->feature_index, 1);
    ck_assert_int_eq(test_find(mod, "rs")->attrs->inferred_dimension, 0);
    ck_assert_int_eq(test_find(mod, "st")->attrs->delta, 8);
    /* Operands defined later are wired up and the order is made valid. */
    hloc_computation *c = mod->entry;
    for (uint32_t k = 0; k < c->n_instrs; k++)
        for (uint32_t j = 0; j < c->instrs[k]->n_operands; j++) {
            hloc_instr *o = c->instrs[k]->operands[j];
            uint32_t pos = 0;
            while (c->instrs[pos] != o)
                pos++;
            ck_assert_uint_lt(pos, k);
        }
}
END_TEST

Suite *attrs_suite(void) {
    Suite *s = suite_create("attrs");
    TCase *tc = tcase_create("attrs");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_all);
    tcase_add_test(tc, test_more_opcodes);
    suite_add_tcase(s, tc);
    return s;
}
