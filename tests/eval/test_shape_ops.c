/* Data movement, reduce, map and dot, from HLO text, against values worked out by hand. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tb.h"
#include "text.h"

#define I(...) ((const int64_t[]){__VA_ARGS__}), (int64_t)(sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
#define F(...) ((const double[]){__VA_ARGS__}), (int64_t)(sizeof((const double[]){__VA_ARGS__}) / sizeof(double))

static hloc_arena *arena;
static void setup(void) { arena = hloc_arena_create(); }
static void teardown(void) { hloc_arena_destroy(arena); }

START_TEST(test_broadcast_transpose_reshape) {
    text_check_i(text_eval(arena, "c = s32[3] constant({1,2,3})\n"
                                  "ROOT b = s32[2,3] broadcast(c), dimensions={1}", NULL),
                 I(1, 2, 3, 1, 2, 3));
    text_check_i(text_eval(arena, "c = s32[2] constant({1,2})\n"
                                  "ROOT b = s32[2,3] broadcast(c), dimensions={0}", NULL),
                 I(1, 1, 1, 2, 2, 2));
    text_check_i(text_eval(arena, "c = s32[2,3] constant({{1,2,3},{4,5,6}})\n"
                                  "ROOT t = s32[3,2] transpose(c), dimensions={1,0}", NULL),
                 I(1, 4, 2, 5, 3, 6));
    /* [2,3,2] → permutation {2,0,1}: out[k][i][j] = in[i][j][k]. */
    text_check_i(text_eval(arena, "c = s32[2,3,2] constant({{{0,1},{2,3},{4,5}},{{6,7},{8,9},{10,11}}})\n"
                                  "ROOT t = s32[2,2,3] transpose(c), dimensions={2,0,1}", NULL),
                 I(0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11));
    text_check_i(text_eval(arena, "c = s32[2,3] constant({{1,2,3},{4,5,6}})\n"
                                  "ROOT r = s32[3,2] reshape(c)", NULL),
                 I(1, 2, 3, 4, 5, 6));
}
END_TEST

/* bitcast reinterprets the physical buffer: a {0,1} (column-major) [2,3] array holds 1,4,2,5,3,6,
 * which read as row-major [3,2] is {{1,4},{2,5},{3,6}}: a transpose. */
START_TEST(test_bitcast_layouts) {
    text_check_i(text_eval(arena, "c = s32[2,3]{1,0} constant({{1,2,3},{4,5,6}})\n"
                                  "cp = s32[2,3]{0,1} copy(c)\n"
                                  "ROOT b = s32[3,2]{1,0} bitcast(cp)", NULL),
                 I(1, 4, 2, 5, 3, 6));
    text_check_i(text_eval(arena, "c = s32[2,3]{1,0} constant({{1,2,3},{4,5,6}})\n"
                                  "ROOT b = s32[6]{0} bitcast(c)", NULL),
                 I(1, 2, 3, 4, 5, 6));
    /* Same physical order with both layouts column-major: [2,3]{0,1} → [3,2]{0,1}. Physical
     * 1,4,2,5,3,6 is, column-major [3,2], {{1,5},{4,3},{2,6}}. */
    text_check_i(text_eval(arena, "c = s32[2,3]{1,0} constant({{1,2,3},{4,5,6}})\n"
                                  "cp = s32[2,3]{0,1} copy(c)\n"
                                  "ROOT b = s32[3,2]{0,1} bitcast(cp)", NULL),
                 I(1, 5, 4, 3, 2, 6));
}
END_TEST

START_TEST(test_slice_reverse_concat_iota) {
    text_check_i(text_eval(arena, "c = s32[2,4] constant({{0,1,2,3},{4,5,6,7}})\n"
                                  "ROOT s = s32[2,2] slice(c), slice={[0:2], [1:4:2]}", NULL),
                 I(1, 3, 5, 7));
    text_check_i(text_eval(arena, "c = s32[2,3] constant({{1,2,3},{4,5,6}})\n"
                                  "ROOT r = s32[2,3] reverse(c), dimensions={0,1}", NULL),
                 I(6, 5, 4, 3, 2, 1));
    text_check_i(text_eval(arena, "a = s32[2,1] constant({{1},{2}})\n"
                                  "b = s32[2,2] constant({{3,4},{5,6}})\n"
                                  "ROOT c = s32[2,3] concatenate(a, b), dimensions={1}", NULL),
                 I(1, 3, 4, 2, 5, 6));
    text_check_i(text_eval(arena, "ROOT i = s32[2,3] iota(), iota_dimension=1", NULL), I(0, 1, 2, 0, 1, 2));
    text_check_f(text_eval(arena, "ROOT i = f32[3,2] iota(), iota_dimension=0", NULL), F(0, 0, 1, 1, 2, 2));
}
END_TEST

START_TEST(test_pad) {
    text_check_i(text_eval(arena, "c = s32[3] constant({1,2,3})\n"
                                  "z = s32[] constant(0)\n"
                                  "ROOT p = s32[8] pad(c, z), padding=1_2_1", NULL),
                 I(0, 1, 0, 2, 0, 3, 0, 0));
    /* Negative edges cut into the interior-padded array 1 0 2 0 3. */
    text_check_i(text_eval(arena, "c = s32[3] constant({1,2,3})\n"
                                  "z = s32[] constant(9)\n"
                                  "ROOT p = s32[3] pad(c, z), padding=-1_-1_1", NULL),
                 I(9, 2, 9));
    text_check_i(text_eval(arena, "c = s32[2,2] constant({{1,2},{3,4}})\n"
                                  "z = s32[] constant(0)\n"
                                  "ROOT p = s32[3,1] pad(c, z), padding=1_0x0_-1", NULL),
                 I(0, 1, 3));
}
END_TEST

START_TEST(test_dynamic_slices) {
    /* Starts clamp to [0, dim - size]: 5 → 2, -3 → 0. */
    text_check_i(text_eval(arena, "c = s32[4] constant({10,11,12,13})\n"
                                  "i = s32[] constant(5)\n"
                                  "ROOT d = s32[2] dynamic-slice(c, i), dynamic_slice_sizes={2}", NULL),
                 I(12, 13));
    text_check_i(text_eval(arena, "c = s32[2,3] constant({{1,2,3},{4,5,6}})\n"
                                  "i = s32[] constant(-3)\n"
                                  "j = s64[] constant(1)\n"
                                  "ROOT d = s32[1,2] dynamic-slice(c, i, j), dynamic_slice_sizes={1,2}", NULL),
                 I(2, 3));
    text_check_i(text_eval(arena, "c = s32[4] constant({1,2,3,4})\n"
                                  "u = s32[2] constant({8,9})\n"
                                  "i = s32[] constant(3)\n"
                                  "ROOT d = s32[4] dynamic-update-slice(c, u, i)", NULL),
                 I(1, 2, 8, 9));
    text_check_i(text_eval(arena, "c = u8[2,2] constant({{1,2},{3,4}})\n"
                                  "u = u8[1,1] constant({{7}})\n"
                                  "i = u32[] constant(1)\n"
                                  "j = u32[] constant(0)\n"
                                  "ROOT d = u8[2,2] dynamic-update-slice(c, u, i, j)", NULL),
                 I(1, 2, 7, 4));
}
END_TEST

static const char *reducers =
    "HloModule t\n\n"
    "add { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT s = f32[] add(a, b) }\n"
    "maxs { a = s32[] parameter(0)\n b = s32[] parameter(1)\n ROOT s = s32[] maximum(a, b) }\n"
    "maxf { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT s = f32[] maximum(b, a) }\n"
    "mind { a = f64[] parameter(0)\n b = f64[] parameter(1)\n ROOT s = f64[] minimum(a, b) }\n"
    /* Not a single instruction: runs through the general interpreter. */
    "sumsq { a = f32[] parameter(0)\n b = f32[] parameter(1)\n m = f32[] multiply(b, b)\n ROOT s = f32[] add(a, m) }\n"
    /* argmax: (value, index) pairs, the first index on ties. */
    "argmax { av = f32[] parameter(0)\n ai = s32[] parameter(1)\n bv = f32[] parameter(2)\n bi = s32[] parameter(3)\n"
    "  gt = pred[] compare(av, bv), direction=GT\n eq = pred[] compare(av, bv), direction=EQ\n"
    "  lt = pred[] compare(ai, bi), direction=LT\n tie = pred[] and(eq, lt)\n pick = pred[] or(gt, tie)\n"
    "  v = f32[] select(pick, av, bv)\n i = s32[] select(pick, ai, bi)\n ROOT r = (f32[], s32[]) tuple(v, i) }\n";

static hloc_literal *eval_with_reducers(const char *entry) {
    static char buf[4096];
    snprintf(buf, sizeof buf, "%sENTRY e {\n%s\n}\n", reducers, entry);
    return text_eval(arena, buf, NULL);
}

START_TEST(test_reduce) {
    text_check_f(eval_with_reducers("c = f32[2,3] constant({{1,2,3},{4,5,6}})\n z = f32[] constant(0)\n"
                                    "ROOT r = f32[2] reduce(c, z), dimensions={1}, to_apply=add"),
                 F(6, 15));
    text_check_f(eval_with_reducers("c = f32[2,3] constant({{1,2,3},{4,5,6}})\n z = f32[] constant(10)\n"
                                    "ROOT r = f32[3] reduce(c, z), dimensions={0}, to_apply=add"),
                 F(15, 17, 19));
    text_check_f(eval_with_reducers("c = f32[2,3] constant({{1,2,3},{4,5,6}})\n z = f32[] constant(0)\n"
                                    "ROOT r = f32[] reduce(c, z), dimensions={0,1}, to_apply=sumsq"),
                 F(91));
    text_check_i(eval_with_reducers("c = s32[2,2,2] constant({{{1,8},{3,4}},{{5,2},{7,0}}})\n"
                                    "z = s32[] constant(-2147483648)\n"
                                    "ROOT r = s32[2] reduce(c, z), dimensions={0,2}, to_apply=maxs"),
                 I(8, 7));
    /* The inline reducers keep the elementwise semantics: NaN wins, -0 < +0. */
    text_check_f(eval_with_reducers("c = f32[2,3] constant({{1,nan,3},{-0,-5,-1}})\n z = f32[] constant(-inf)\n"
                                    "ROOT r = f32[2] reduce(c, z), dimensions={1}, to_apply=maxf"),
                 F(NAN, -0.0));
    hloc_literal *md = eval_with_reducers("c = f64[3] constant({0, -0, 2})\n z = f64[] constant(inf)\n"
                                          "ROOT r = f64[] reduce(c, z), dimensions={0}, to_apply=mind");
    ck_assert(signbit(hloc_literal_get_f64(md, 0)) && hloc_literal_get_f64(md, 0) == 0);
    hloc_literal *r = eval_with_reducers(
        "c = f32[2,4] constant({{1,9,3,9},{-1,-5,-1,-2}})\n i = s32[2,4] iota(), iota_dimension=1\n"
        "zv = f32[] constant(-inf)\n zi = s32[] constant(0)\n"
        "ROOT r = (f32[2], s32[2]) reduce(c, i, zv, zi), dimensions={1}, to_apply=argmax");
    ck_assert_uint_eq(r->n_elems, 2);
    text_check_f(&r->elems[0], F(9, -1));
    text_check_i(&r->elems[1], I(1, 0));
}
END_TEST

START_TEST(test_map) {
    text_check_f(eval_with_reducers("a = f32[3] constant({1,2,3})\n b = f32[3] constant({10,20,30})\n"
                                    "ROOT m = f32[3] map(a, b), dimensions={0}, to_apply=sumsq"),
                 F(101, 402, 903));
}
END_TEST

START_TEST(test_dot) {
    text_check_f(text_eval(arena, "a = f32[2,3] constant({{1,2,3},{4,5,6}})\n"
                                  "b = f32[3,2] constant({{1,0},{0,1},{1,1}})\n"
                                  "ROOT d = f32[2,2] dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}", NULL),
                 F(4, 5, 10, 11));
    /* Batch dims first, then lhs free, then rhs free; contracting lhs 1 with rhs 2. */
    text_check_f(text_eval(arena, "a = f32[2,2,1] constant({{{1},{2}},{{3},{4}}})\n"
                                  "b = f32[2,1,2] constant({{{1,10}},{{100,1000}}})\n"
                                  "ROOT d = f32[2,1,1] dot(a, b), lhs_batch_dims={0}, rhs_batch_dims={0}, "
                                  "lhs_contracting_dims={1}, rhs_contracting_dims={2}", NULL),
                 F(21, 4300));
    /* No contracting dims: an outer product. */
    text_check_i(text_eval(arena, "a = s32[2] constant({1,2})\n b = s32[3] constant({1,10,100})\n"
                                  "ROOT d = s32[2,3] dot(a, b)", NULL),
                 I(1, 10, 100, 2, 20, 200));
    /* s8 operands, s32 result: products do not wrap at 8 bits. */
    text_check_i(text_eval(arena, "a = s8[2] constant({100,100})\n b = s8[2] constant({100,-2})\n"
                                  "ROOT d = s32[] dot(a, b), lhs_contracting_dims={0}, rhs_contracting_dims={0}", NULL),
                 I(9800));
    /* Integer accumulation wraps at the result width. */
    text_check_i(text_eval(arena, "a = s32[2] constant({65536,65536})\n b = s32[2] constant({32768,32768})\n"
                                  "ROOT d = s32[] dot(a, b), lhs_contracting_dims={0}, rhs_contracting_dims={0}", NULL),
                 I(0));
    /* bf16 result: accumulated exactly, rounded once (1 + 2^-9 + 2^-9 = 1 + 2^-8 ties to 1). */
    text_check_f(text_eval(arena, "a = f32[3] constant({1, 0.001953125, 0.001953125})\n b = f32[3] constant({1,1,1})\n"
                                  "ROOT d = bf16[] dot(a, b), lhs_contracting_dims={0}, rhs_contracting_dims={0}", NULL),
                 F(1));
}
END_TEST

START_TEST(test_errors_name_instruction) {
    hloc_status *st = NULL;
    hloc_literal *r = text_eval(arena, "c = f32[2] constant({1,2})\n"
                                       "ROOT cc = f32[2] custom-call(c), custom_call_target=\"nope\"", &st);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_NOT_FOUND);
    ck_assert_msg(strstr(hloc_status_message(st), "test.hlo:5:6: cc (custom-call): unknown custom-call target \"nope\""),
                  "%s", hloc_status_message(st));
    hloc_status_free(st);
    /* A reducer whose types differ from the reduce's must not read or write past its scalars. */
    char buf[2048];
    snprintf(buf, sizeof buf, "%sENTRY e {\n c = s32[2] constant({1,2})\n z = s32[] constant(0)\n"
             " ROOT r = s32[] reduce(c, z), dimensions={0}, to_apply=add\n}\n", reducers);
    r = text_eval(arena, buf, &st);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    ck_assert_msg(strstr(hloc_status_message(st), "r (reduce): parameter 0 of computation add must be s32[]"),
                  "%s", hloc_status_message(st));
    hloc_status_free(st);
    /* A callee's parameter of another shape than the caller's value is an error, not a misread. */
    r = text_eval(arena, "HloModule t\n\nf { p = s32[3] parameter(0)\n ROOT n = s32[3] negate(p) }\n"
                         "ENTRY e {\n c = s32[2] constant({1,2})\n ROOT k = s32[3] call(c), to_apply=f\n}\n", &st);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(hloc_status_message(st), "p (parameter): parameter is s32[3] but got a s32[2] value"),
                  "%s", hloc_status_message(st));
    hloc_status_free(st);
}
END_TEST

START_TEST(test_async_and_dims) {
    hloc_literal *r = text_eval(arena,
        "HloModule t\n\nneg { p = f32[2] parameter(0)\n ROOT n = f32[2] negate(p) }\n"
        "ENTRY e {\n c = f32[2] constant({1,-2})\n"
        " s = ((f32[2]), f32[2], s32[]) async-start(c), calls=neg\n"
        " ROOT d = f32[2] async-done(s)\n}\n", NULL);
    text_check_f(r, F(-1, 2));
    text_check_i(text_eval(arena, "c = f32[4,3] constant({{1,2,3},{4,5,6},{7,8,9},{1,1,1}})\n"
                                  "ROOT g = s32[] get-dimension-size(c), dimensions={0}", NULL),
                 I(4));
    text_check_i(text_eval(arena, "c = s32[3] constant({7,8,9})\n"
                                  "s = (s32[3], s32[3], u32[]) copy-start(c)\n"
                                  "ROOT d = s32[3] copy-done(s)", NULL),
                 I(7, 8, 9));
    /* Collectives over the one replica the evaluator models. */
    text_check_f(text_eval(arena, "HloModule t\n\nadd { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT s = f32[] add(a, b) }\n"
                                  "ENTRY e {\n c = f32[2] constant({1,2})\n"
                                  " r = f32[2] all-reduce(c), replica_groups={}, to_apply=add\n"
                                  " g = (f32[2], f32[2]) all-gather-start(r), replica_groups={}, dimensions={0}\n"
                                  " d = f32[2] all-gather-done(g)\n"
                                  " p = (f32[2], f32[2], u32[], u32[]) collective-permute-start(d), source_target_pairs={{0,0}}\n"
                                  " ROOT q = f32[2] collective-permute-done(p)\n}\n", NULL),
                 F(1, 2));
    text_check_f(text_eval(arena, "c = f32[2] constant({1,2})\n"
                                  "ROOT p = f32[2] collective-permute(c), source_target_pairs={{0,1}}", NULL),
                 F(0, 0));
    /* An unsigned start index beyond INT64_MAX still clamps to the top. */
    text_check_i(text_eval(arena, "c = s32[4] constant({10,11,12,13})\n"
                                  "i = u64[] constant(18446744073709551615)\n"
                                  "ROOT d = s32[1] dynamic-slice(c, i), dynamic_slice_sizes={1}", NULL),
                 I(13));
}
END_TEST

Suite *eval_shape_ops_suite(void) {
    Suite *s = suite_create("eval_shape_ops");
    TCase *tc = tcase_create("text");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_broadcast_transpose_reshape);
    tcase_add_test(tc, test_bitcast_layouts);
    tcase_add_test(tc, test_slice_reverse_concat_iota);
    tcase_add_test(tc, test_pad);
    tcase_add_test(tc, test_dynamic_slices);
    tcase_add_test(tc, test_reduce);
    tcase_add_test(tc, test_map);
    tcase_add_test(tc, test_dot);
    tcase_add_test(tc, test_errors_name_instruction);
    tcase_add_test(tc, test_async_and_dims);
    suite_add_tcase(s, tc);
    return s;
}
