/* While bodies whose results codegen computes straight into the loop state (codegen/control.c):
 * an LSTM-like step where that is safe (h read by a dot before the new h is computed, c read by
 * its own update at the same element), and bodies where it would not be (the old value read
 * again later, read transposed, reversed or sliced, passed to another state position), against
 * the evaluator, on 1 and 2 threads (which must agree bit for bit). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "vs_eval.h"

/* i < clamp(n, 3, 6) with n a parameter: a trip count the passes cannot know, so the loop stays. */
#define COND(T) \
    "cond {\n cp = " T " parameter(0)\n ci = s32[] get-tuple-element(cp), index=0\n" \
    " cnn = s32[] get-tuple-element(cp), index=4\n lo = s32[] constant(3)\n hi = s32[] constant(6)\n" \
    " cn = s32[] clamp(lo, cnn, hi)\n ROOT lt = pred[] compare(ci, cn), direction=LT\n}\n"
#define STATE "(s32[], f32[6,8], f32[6,8], f32[8,8], s32[])"
/* The body's head: i + 1, and h, c, w out of the state. */
#define HEAD \
    " p = " STATE " parameter(0)\n i = s32[] get-tuple-element(p), index=0\n one = s32[] constant(1)\n" \
    " i1 = s32[] add(i, one)\n h = f32[6,8] get-tuple-element(p), index=1\n" \
    " c = f32[6,8] get-tuple-element(p), index=2\n w = f32[8,8] get-tuple-element(p), index=3\n" \
    " n = s32[] get-tuple-element(p), index=4\n" \
    " half = f32[] constant(0.5)\n halfb = f32[6,8] broadcast(half), dimensions={}\n"
#define ENTRY \
    "ENTRY e {\n h0 = f32[6,8] parameter(0)\n c0 = f32[6,8] parameter(1)\n w0 = f32[8,8] parameter(2)\n" \
    " n0 = s32[] parameter(3)\n z = s32[] constant(0)\n t = " STATE " tuple(z, h0, c0, w0, n0)\n" \
    " ROOT r = " STATE " while(t), condition=cond, body=body\n}\n"

static const char *const modules[] = {
    /* safe: the dot reads h first; c's update reads c at its own element */
    "HloModule lstm_like\n" COND(STATE) "body {\n" HEAD
    " d = f32[6,8] dot(h, w), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    " cm = f32[6,8] multiply(c, halfb)\n td = f32[6,8] tanh(d)\n c1 = f32[6,8] add(cm, td)\n"
    " tc = f32[6,8] tanh(c1)\n h1 = f32[6,8] multiply(tc, td)\n"
    " ROOT o = " STATE " tuple(i1, h1, c1, w, n)\n}\n" ENTRY,
    /* the old c is read again after the new c exists */
    "HloModule read_later\n" COND(STATE) "body {\n" HEAD
    " d = f32[6,8] dot(h, w), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    " c1 = f32[6,8] add(c, d)\n e = f32[6,8] exponential(c1)\n h1 = f32[6,8] multiply(e, c)\n"
    " ROOT o = " STATE " tuple(i1, h1, c1, w, n)\n}\n" ENTRY,
    /* the new c reads the old c at other elements: reversed rows, shifted slice */
    "HloModule reversed\n" COND(STATE) "body {\n" HEAD
    " rc = f32[6,8] reverse(c), dimensions={0,1}\n c1 = f32[6,8] add(rc, halfb)\n"
    " pc = f32[7,8] pad(c, half), padding=1_0x0_0\n sc = f32[6,8] slice(pc), slice={[0:6], [0:8]}\n"
    " h1 = f32[6,8] add(sc, h)\n"
    " ROOT o = " STATE " tuple(i1, h1, c1, w, n)\n}\n" ENTRY,
    /* the new h feeds a dot that also reads the old h; the old h moves to c */
    "HloModule swap\n" COND(STATE) "body {\n" HEAD
    " d = f32[6,8] dot(h, w), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    " h1 = f32[6,8] tanh(d)\n"
    " ROOT o = " STATE " tuple(i1, h1, h, w, n)\n}\n" ENTRY,
    /* square state read transposed */
    "HloModule transposed\n"
    COND("(s32[], f32[8,8], f32[8,8], f32[8,8], s32[])")
    "body {\n p = (s32[], f32[8,8], f32[8,8], f32[8,8], s32[]) parameter(0)\n i = s32[] get-tuple-element(p), index=0\n"
    " one = s32[] constant(1)\n i1 = s32[] add(i, one)\n h = f32[8,8] get-tuple-element(p), index=1\n"
    " c = f32[8,8] get-tuple-element(p), index=2\n w = f32[8,8] get-tuple-element(p), index=3\n"
    " n = s32[] get-tuple-element(p), index=4\n"
    " ct = f32[8,8] transpose(c), dimensions={1,0}\n c1 = f32[8,8] add(ct, h)\n"
    " d = f32[8,8] dot(c1, w), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n h1 = f32[8,8] tanh(d)\n"
    " ROOT o = (s32[], f32[8,8], f32[8,8], f32[8,8], s32[]) tuple(i1, h1, c1, w, n)\n}\n"
    "ENTRY e {\n h0 = f32[8,8] parameter(0)\n c0 = f32[8,8] parameter(1)\n w0 = f32[8,8] parameter(2)\n"
    " n0 = s32[] parameter(3)\n z = s32[] constant(0)\n"
    " t = (s32[], f32[8,8], f32[8,8], f32[8,8], s32[]) tuple(z, h0, c0, w0, n0)\n"
    " ROOT r = (s32[], f32[8,8], f32[8,8], f32[8,8], s32[]) while(t), condition=cond, body=body\n}\n",
};
enum { N_MODULES = sizeof modules / sizeof modules[0] };

START_TEST(test_while_vs_eval) {
    tb_check_vs_eval(modules[_i], _i, 0x3a11 + (uint64_t)_i, 1e-4);
}
END_TEST

int main(void) {
    Suite *s = suite_create("while_in_place");
    TCase *tc = tcase_create("while_in_place");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_while_vs_eval, 0, N_MODULES);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
