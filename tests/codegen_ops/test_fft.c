/* fft on cpu against the evaluator: FFT, IFFT, RFFT and IRFFT over 1, 2 and 3 dims, power-of-two
 * lengths (radix 2) and others (prime, even non-power-of-two, 1), batch dims, c64 and c128, and a
 * NaN input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

typedef struct fft_spec {
    const char *type; /* FFT, IFFT, RFFT, IRFFT */
    const char *in, *out, *len;
    unsigned fill;
} fft_spec;

static const fft_spec specs[] = {
    {"FFT", "c64[8]", "c64[8]", "8", 0},
    {"FFT", "c64[7]", "c64[7]", "7", 0},
    {"FFT", "c64[12]", "c64[12]", "12", 0},
    {"FFT", "c64[1]", "c64[1]", "1", 0},
    {"FFT", "c64[3,5]", "c64[3,5]", "5", 0},
    {"FFT", "c64[2,6,4]", "c64[2,6,4]", "6,4", 0},
    {"FFT", "c64[2,3,4,5]", "c64[2,3,4,5]", "3,4,5", 0},
    {"FFT", "c64[2,1,4]", "c64[2,1,4]", "1,4", 0},
    {"FFT", "c128[32]", "c128[32]", "32", 0},
    {"FFT", "c128[2,9]", "c128[2,9]", "9", 0},
    {"FFT", "c64[64]", "c64[64]", "64", OPS_NAN},
    {"FFT", "c64[0,4]", "c64[0,4]", "4", 0},
    /* longer than the direct DFT's limit and not a power of two: Bluestein */
    {"FFT", "c64[3,100]", "c64[3,100]", "100", 0},
    {"FFT", "c64[257]", "c64[257]", "257", 0},
    {"FFT", "c128[2,1000]", "c128[2,1000]", "1000", 0},
    {"FFT", "c64[40,36]", "c64[40,36]", "40,36", 0},
    {"FFT", "c64[2,33]", "c64[2,33]", "33", OPS_NAN},
    {"IFFT", "c64[4,45]", "c64[4,45]", "45", 0},
    {"RFFT", "f32[2,66]", "c64[2,34]", "66", 0},
    {"IRFFT", "c64[2,50]", "f32[2,98]", "98", 0},
    {"IRFFT", "c64[48,3]", "f32[48,4]", "48,4", 0},
    {"IFFT", "c64[8]", "c64[8]", "8", 0},
    {"IFFT", "c64[5]", "c64[5]", "5", 0},
    {"IFFT", "c64[4,8]", "c64[4,8]", "4,8", 0},
    {"IFFT", "c128[3,2,6]", "c128[3,2,6]", "3,2,6", 0},
    {"RFFT", "f32[8]", "c64[5]", "8", 0},
    {"RFFT", "f32[6]", "c64[4]", "6", 0},
    {"RFFT", "f32[3,7]", "c64[3,4]", "3,7", 0},
    {"RFFT", "f32[2,4,6]", "c64[2,4,4]", "4,6", 0},
    {"RFFT", "f64[2,2,4,5]", "c128[2,2,4,3]", "2,4,5", 0},
    {"RFFT", "f32[1]", "c64[1]", "1", 0},
    {"IRFFT", "c64[5]", "f32[8]", "8", 0},
    {"IRFFT", "c64[4]", "f32[7]", "7", 0},
    {"IRFFT", "c64[3,4]", "f32[3,6]", "3,6", 0},
    {"IRFFT", "c64[2,4,3]", "f32[2,4,4]", "4,4", 0},
    {"IRFFT", "c128[2,3,4,3]", "f64[2,3,4,5]", "3,4,5", 0},
    {"IRFFT", "c64[1]", "f32[1]", "1", 0},
    {"IRFFT", "c64[2,9]", "f32[2,16]", "16", 0},
};

START_TEST(test_fft) {
    enum { N = sizeof specs / sizeof *specs };
    ops_case cs[N];
    static char names[N][96], texts[N][512];
    for (unsigned k = 0; k < N; k++) {
        const fft_spec *f = &specs[k];
        snprintf(names[k], sizeof names[k], "fft_%u_%s_%s_%s", k, f->type, f->in, f->len);
        snprintf(texts[k], sizeof texts[k],
                 "HloModule m\nENTRY main {\n  x = %s parameter(0)\n"
                 "  ROOT f = %s fft(x), fft_type=%s, fft_length={%s}\n}\n",
                 f->in, f->out, f->type, f->len);
        double tol = strstr(f->in, "128") || strstr(f->in, "f64") ? 1e-10 : 1e-5;
        cs[k] = (ops_case){names[k], texts[k], tol, f->fill};
    }
    ops_check_all(cs, N);
}
END_TEST

/* An fft consumed by elementwise ops and feeding another fft: round trip through IFFT. */
static const ops_case chain[] = {
    {"fft_roundtrip",
     "HloModule m\nENTRY main {\n  x = c64[4,6] parameter(0)\n"
     "  f = c64[4,6] fft(x), fft_type=FFT, fft_length={4,6}\n"
     "  g = c64[4,6] multiply(f, f)\n"
     "  ROOT h = c64[4,6] fft(g), fft_type=IFFT, fft_length={4,6}\n}\n",
     1e-5, 0},
    {"fft_layouts",
     "HloModule m\nENTRY main {\n  x = c64[3,4,6]{0,2,1} parameter(0)\n"
     "  ROOT f = c64[3,4,6]{1,0,2} fft(x), fft_type=FFT, fft_length={4,6}\n}\n",
     1e-5, 0},
    {"rfft_irfft",
     "HloModule m\nENTRY main {\n  x = f32[3,10] parameter(0)\n"
     "  f = c64[3,6] fft(x), fft_type=RFFT, fft_length={10}\n"
     "  ROOT h = f32[3,10] fft(f), fft_type=IRFFT, fft_length={10}\n}\n",
     1e-5, 0},
};

START_TEST(test_fft_chain) { ops_check_all(chain, sizeof chain / sizeof *chain); }
END_TEST

Suite *codegen_ops_fft_suite(void) {
    Suite *s = suite_create("codegen_ops_fft");
    TCase *tc = tcase_create("fft");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_fft);
    tcase_add_test(tc, test_fft_chain);
    suite_add_tcase(s, tc);
    return s;
}
