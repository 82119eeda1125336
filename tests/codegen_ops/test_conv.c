/* Convolutions with batch_group_count > 1 on cpu against the evaluator: 1-D and 2-D, strides,
 * padding, lhs and rhs dilation, window reversal, permuted dim_labels (the weight-gradient form
 * f01b_i01o->01bf), groups equal to the batch, size-1 dims, and f32, f64, f16, bf16, s32, c64. */
#include "ops.h"

#define CONV(NAME, LHS, RHS, OUT, ATTRS, TOL)                                                      \
    {                                                                                              \
        NAME,                                                                                      \
            "HloModule " NAME "\nENTRY main {\n  l = " LHS " parameter(0)\n  r = " RHS             \
            " parameter(1)\n"                                                                      \
            "  ROOT c = " OUT " convolution(l, r), " ATTRS "\n}\n",                                \
            TOL, 0                                                                                 \
    }

static const ops_case cases[] = {
    CONV("bg_1d", "f32[4,5,3]", "f32[2,3,6]", "f32[2,4,6]",
         "window={size=2}, dim_labels=b0f_0io->b0f, batch_group_count=2", 1e-5),
    CONV(
        "bg_2d_stride_pad", "f32[6,7,7,2]", "f32[3,3,2,3]", "f32[2,4,4,3]",
        "window={size=3x3 stride=2x2 pad=1_1x1_1}, dim_labels=b01f_01io->b01f, batch_group_count=3",
        1e-5),
    CONV("bg_weight_grad", "f32[3,5,5,4]", "f32[3,2,2,8]", "f32[4,4,1,8]",
         "window={size=2x2}, dim_labels=f01b_i01o->01bf, batch_group_count=4", 1e-5),
    CONV("bg_dilated", "f32[4,6,2]", "f32[2,2,4]", "f32[2,11,4]",
         "window={size=2 pad=1_1 lhs_dilate=2 rhs_dilate=2}, dim_labels=b0f_0io->b0f, "
         "batch_group_count=2",
         1e-5),
    CONV("bg_reversal", "f32[2,6,3]", "f32[3,3,2]", "f32[1,4,2]",
         "window={size=3 rhs_reversal=1}, dim_labels=b0f_0io->b0f, batch_group_count=2", 1e-5),
    CONV("bg_size1", "f32[2,1,1]", "f32[1,1,2]", "f32[1,1,2]",
         "window={size=1}, dim_labels=b0f_0io->b0f, batch_group_count=2", 1e-5),
    CONV("bg_no_spatial", "f32[4,3]", "f32[3,4]", "f32[2,4]",
         "dim_labels=bf_io->bf, batch_group_count=2", 1e-5),
    CONV("bg_f64", "f64[4,5,3]", "f64[2,3,6]", "f64[2,4,6]",
         "window={size=2}, dim_labels=b0f_0io->b0f, batch_group_count=2", 1e-12),
    CONV("bg_f16", "f16[4,5,3]", "f16[2,3,6]", "f16[2,4,6]",
         "window={size=2}, dim_labels=b0f_0io->b0f, batch_group_count=2", 1e-3),
    CONV("bg_bf16_to_f32", "bf16[4,5,3]", "bf16[2,3,6]", "f32[2,4,6]",
         "window={size=2}, dim_labels=b0f_0io->b0f, batch_group_count=2", 1e-5),
    CONV("bg_s32", "s32[6,5,2]", "s32[2,2,6]", "s32[2,4,6]",
         "window={size=2}, dim_labels=b0f_0io->b0f, batch_group_count=3", 0),
    CONV("bg_c64", "c64[4,5,3]", "c64[2,3,4]", "c64[2,4,4]",
         "window={size=2}, dim_labels=b0f_0io->b0f, batch_group_count=2", 1e-5),
    {"bg_nan",
     "HloModule bg_nan\nENTRY main {\n  l = f32[4,5,3] parameter(0)\n  r = f32[2,3,6] "
     "parameter(1)\n"
     "  ROOT c = f32[2,4,6] convolution(l, r), window={size=2}, dim_labels=b0f_0io->b0f, "
     "batch_group_count=2\n}\n",
     1e-5, OPS_NAN},
    {"bg_fused",
     "HloModule bg_fused\nENTRY main {\n  l = f32[4,5,3] parameter(0)\n  r = f32[2,3,6] "
     "parameter(1)\n"
     "  e = f32[4,5,3] exponential(l)\n"
     "  c = f32[2,4,6] convolution(e, r), window={size=2}, dim_labels=b0f_0io->b0f, "
     "batch_group_count=2\n"
     "  ROOT t = f32[2,4,6] tanh(c)\n}\n",
     1e-5, 0},
};

START_TEST(test_batch_group_conv) { ops_check_all(cases, sizeof cases / sizeof *cases); }
END_TEST

Suite *codegen_ops_conv_suite(void) {
    Suite *s = suite_create("codegen_ops_conv");
    TCase *tc = tcase_create("conv");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_batch_group_conv);
    suite_add_tcase(s, tc);
    return s;
}
