/* Runs the example model through its generated header, like any C function: build it with
 *   hloc compile examples/mlp.hlo -o mlp.so --header mlp.h --name mlp
 *   cc -O2 -I. examples/main.c ./mlp.so -lm -o mlp_main
 * It fills the inputs with a fixed pattern, calls mlp() (once with NULL options, then with its own
 * scratch), checks the result against a plain C version of the same network, prints it and the
 * time per call. Exit status 1 if the compiled model disagrees. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlp.h"

enum { B = 8, IN = 16, H = 32, OUT = 4 };

_Static_assert(MLP_NUM_PARAMS == 5 && MLP_NUM_RESULTS == 1, "mlp.hlo's signature changed");
_Static_assert(MLP_PARAM0_BYTES == B * IN * sizeof(float), "x is f32[8,16]");
_Static_assert(MLP_PARAM1_BYTES == IN * H * sizeof(float), "w1 is f32[16,32]");
_Static_assert(MLP_RESULT0_BYTES == B * OUT * sizeof(float), "y is f32[8,4]");

static float x[B * IN], w1[IN * H], b1[H], w2[H * OUT], b2[OUT], y[B * OUT], want[B * OUT];

static void fill(float *a, int n, float scale, int seed) {
    for (int i = 0; i < n; i++) a[i] = scale * sinf(0.37f * (float)(i + 1) + (float)seed);
}

/* The network of mlp.hlo in plain C, accumulating in double. */
static void reference(void) {
    float hidden[B * H];
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++) {
            double s = b1[j];
            for (int k = 0; k < IN; k++) s += (double)x[b * IN + k] * w1[k * H + j];
            double u = 0.797884583 * (s + 0.044715 * s * s * s);
            hidden[b * H + j] = (float)(0.5 * s * (1 + tanh(u)));
        }
    for (int b = 0; b < B; b++)
        for (int j = 0; j < OUT; j++) {
            double s = b2[j];
            for (int k = 0; k < H; k++) s += (double)hidden[b * H + k] * w2[k * OUT + j];
            want[b * OUT + j] = (float)s;
        }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int check(const char *how) {
    double worst = 0;
    for (int i = 0; i < B * OUT; i++) {
        double err = fabs((double)y[i] - want[i]) / (1 + fabs((double)want[i]));
        if (!(err <= worst)) worst = err; /* NaN counts as worst */
    }
    if (!(worst < 1e-4)) {
        fprintf(stderr, "mlp (%s): result differs from the reference (worst error %g)\n", how,
                worst);
        return 1;
    }
    return 0;
}

int main(void) {
    fill(x, B * IN, 1.0f, 0);
    fill(w1, IN * H, 0.25f, 1);
    fill(b1, H, 0.1f, 2);
    fill(w2, H * OUT, 0.25f, 3);
    fill(b2, OUT, 0.1f, 4);
    reference();

    memset(y, 0xff, sizeof y); /* NaNs: a result the model did not write fails the check */
    mlp(x, w1, b1, w2, b2, y, NULL);
    int bad = check("NULL options");

    /* the same with scratch we own and no threads */
    void *scratch = MLP_SCRATCH_BYTES ? aligned_alloc(64, (MLP_SCRATCH_BYTES + 63) / 64 * 64) : NULL;
    hloc_run_options opts = {.version = HLOC_ABI_VERSION, .scratch = scratch,
                             .scratch_bytes = MLP_SCRATCH_BYTES, .n_threads = 1};
    memset(y, 0xff, sizeof y);
    mlp(x, w1, b1, w2, b2, y, &opts);
    bad |= check("caller scratch");

    int reps = 20000;
    double t0 = now();
    for (int r = 0; r < reps; r++) mlp(x, w1, b1, w2, b2, y, &opts);
    double per_call = (now() - t0) / reps;
    free(scratch);

    printf("mlp: y = gelu(x @ w1 + b1) @ w2 + b2, x f32[%d,%d] -> y f32[%d,%d] (%s)\n", B, IN, B,
           OUT, mlp_metadata.target);
    for (int b = 0; b < B; b++) {
        printf("  y[%d] =", b);
        for (int j = 0; j < OUT; j++) printf(" %10.6f", y[b * OUT + j]);
        printf("\n");
    }
    printf("matches the C reference: %s\n", bad ? "NO" : "yes");
    printf("time: %.2f us per call (mean of %d calls)\n", per_call * 1e6, reps);
    return bad;
}
