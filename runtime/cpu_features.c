/* The running CPU's features, read with cpuid and xgetbv, under LLVM's feature names, so that the
 * loader can refuse a module compiled for a CPU this one is not (it would die of SIGILL in the
 * first instruction this CPU lacks). A feature counts as present only if the CPU reports it and,
 * for AVX and AVX-512, the OS saves its registers (XCR0): a kernel that does not would fault too.
 * The table lists instruction-set features that LLVM may use in ordinary code and whose cpuid bit
 * is reliable; system features (fsgsbase, xsave, rdrnd, ...) are left out on purpose. */
#include "cpu_features.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HAVE_CPUID 1
#else
#define HAVE_CPUID 0
#endif

/* Where a feature's bit lives: cpuid leaf and subleaf, register, bit, and which register state
 * the OS must enable (XCR0 bits). */
enum { EAX, EBX, ECX, EDX };
enum { REGS_LEGACY = 0, REGS_AVX = 0x6, REGS_AVX512 = 0xe6 };
typedef struct feature_bit {
    const char *name;
    uint32_t leaf, subleaf;
    uint8_t reg, bit;
    uint8_t xcr0; /* REGS_*: XCR0 bits that must all be set */
} feature_bit;

#define EXT 0x80000001u
static const feature_bit features[] = {
    {"64bit", EXT, 0, EDX, 29, REGS_LEGACY},
    {"cmov", 1, 0, EDX, 15, REGS_LEGACY},
    {"cx8", 1, 0, EDX, 8, REGS_LEGACY},
    {"sse", 1, 0, EDX, 25, REGS_LEGACY},
    {"sse2", 1, 0, EDX, 26, REGS_LEGACY},
    {"sse3", 1, 0, ECX, 0, REGS_LEGACY},
    {"pclmul", 1, 0, ECX, 1, REGS_LEGACY},
    {"ssse3", 1, 0, ECX, 9, REGS_LEGACY},
    {"fma", 1, 0, ECX, 12, REGS_AVX},
    {"cx16", 1, 0, ECX, 13, REGS_LEGACY},
    {"sse4.1", 1, 0, ECX, 19, REGS_LEGACY},
    {"sse4.2", 1, 0, ECX, 20, REGS_LEGACY},
    {"crc32", 1, 0, ECX, 20, REGS_LEGACY}, /* LLVM splits crc32 off sse4.2; cpuid does not */
    {"movbe", 1, 0, ECX, 22, REGS_LEGACY},
    {"popcnt", 1, 0, ECX, 23, REGS_LEGACY},
    {"aes", 1, 0, ECX, 25, REGS_LEGACY},
    {"avx", 1, 0, ECX, 28, REGS_AVX},
    {"f16c", 1, 0, ECX, 29, REGS_AVX},
    {"bmi", 7, 0, EBX, 3, REGS_LEGACY},
    {"avx2", 7, 0, EBX, 5, REGS_AVX},
    {"bmi2", 7, 0, EBX, 8, REGS_LEGACY},
    {"avx512f", 7, 0, EBX, 16, REGS_AVX512},
    {"evex512", 7, 0, EBX, 16, REGS_AVX512}, /* 512-bit EVEX: every AVX-512 CPU has it */
    {"avx512dq", 7, 0, EBX, 17, REGS_AVX512},
    {"adx", 7, 0, EBX, 19, REGS_LEGACY},
    {"avx512ifma", 7, 0, EBX, 21, REGS_AVX512},
    {"avx512cd", 7, 0, EBX, 28, REGS_AVX512},
    {"sha", 7, 0, EBX, 29, REGS_LEGACY},
    {"avx512bw", 7, 0, EBX, 30, REGS_AVX512},
    {"avx512vl", 7, 0, EBX, 31, REGS_AVX512},
    {"avx512vbmi", 7, 0, ECX, 1, REGS_AVX512},
    {"avx512vbmi2", 7, 0, ECX, 6, REGS_AVX512},
    {"gfni", 7, 0, ECX, 8, REGS_LEGACY},
    {"vaes", 7, 0, ECX, 9, REGS_AVX},
    {"vpclmulqdq", 7, 0, ECX, 10, REGS_AVX},
    {"avx512vnni", 7, 0, ECX, 11, REGS_AVX512},
    {"avx512bitalg", 7, 0, ECX, 12, REGS_AVX512},
    {"avx512vpopcntdq", 7, 0, ECX, 14, REGS_AVX512},
    {"avx512vp2intersect", 7, 0, EDX, 8, REGS_AVX512},
    {"avx512fp16", 7, 0, EDX, 23, REGS_AVX512},
    {"avxvnni", 7, 1, EAX, 4, REGS_AVX},
    {"avx512bf16", 7, 1, EAX, 5, REGS_AVX512},
    {"avxifma", 7, 1, EAX, 23, REGS_AVX},
    {"avxvnniint8", 7, 1, EDX, 4, REGS_AVX},
    {"avxneconvert", 7, 1, EDX, 5, REGS_AVX},
    {"avxvnniint16", 7, 1, EDX, 10, REGS_AVX},
    {"sahf", EXT, 0, ECX, 0, REGS_LEGACY},
    {"lzcnt", EXT, 0, ECX, 5, REGS_LEGACY},
    {"sse4a", EXT, 0, ECX, 6, REGS_LEGACY},
    {"prfchw", EXT, 0, ECX, 8, REGS_LEGACY},
    {"xop", EXT, 0, ECX, 11, REGS_AVX},
    {"fma4", EXT, 0, ECX, 16, REGS_AVX},
    {"tbm", EXT, 0, ECX, 21, REGS_LEGACY},
};
#define N_FEATURES (sizeof features / sizeof features[0])

/* Present[k]: features[k] is usable here; state_off[k]: the CPU has it but the OS does not save
 * its registers (said in the message, since the fix is the kernel's, not the CPU's). */
static bool present[N_FEATURES], state_off[N_FEATURES];
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

#if HAVE_CPUID
static bool cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4]) {
    uint32_t max = __get_cpuid_max(leaf & 0x80000000u, NULL);
    if (max < leaf) return false;
    __cpuid_count(leaf, subleaf, r[EAX], r[EBX], r[ECX], r[EDX]);
    return true;
}

static uint64_t xcr0(void) {
    uint32_t r[4];
    if (!cpuid(1, 0, r) || !(r[ECX] >> 27 & 1)) return 0; /* no OSXSAVE: xgetbv would fault */
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}
#endif

static void detect(void) {
#if HAVE_CPUID
    uint64_t state = xcr0();
    for (size_t k = 0; k < N_FEATURES; k++) {
        const feature_bit *f = &features[k];
        uint32_t r[4];
        if (!cpuid(f->leaf, f->subleaf, r) || !(r[f->reg] >> f->bit & 1)) continue;
        /* A subleaf beyond leaf 7's maximum reads as zeros on some CPUs, garbage on none we know
         * of; check it anyway. */
        if (f->leaf == 7 && f->subleaf) {
            uint32_t r0[4];
            if (!cpuid(7, 0, r0) || r0[EAX] < f->subleaf) continue;
        }
        if ((state & f->xcr0) != f->xcr0) state_off[k] = true;
        else present[k] = true;
    }
#endif
}

static const feature_bit *find(const char *name, size_t len, size_t *index) {
#if HAVE_CPUID
    for (size_t k = 0; k < N_FEATURES; k++)
        if (strlen(features[k].name) == len && !memcmp(features[k].name, name, len)) {
            *index = k;
            return &features[k];
        }
#else
    (void)name, (void)len, (void)index;
#endif
    return NULL;
}

bool hloc_rt_cpu_checkable(const char *feature) {
    size_t k;
    return find(feature, strlen(feature), &k) != NULL;
}

bool hloc_rt_cpu_has(const char *feature) {
    pthread_once(&host_once, detect);
    size_t k;
    return find(feature, strlen(feature), &k) && present[k];
}

size_t hloc_rt_cpu_lacks(const char *list, char *buf, size_t cap) {
    pthread_once(&host_once, detect);
    size_t n_lacks = 0, used = 0;
    if (cap) buf[0] = 0;
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *name = p;
        p = end ? end + 1 : p + len;
        if (len && *name == '-') continue;
        if (len && *name == '+') name++, len--;
        size_t k;
        if (!len || !find(name, len, &k) || present[k]) continue;
        if (used < cap) {
            int w = snprintf(buf + used, cap - used, "%s%.*s%s", n_lacks ? ", " : "", (int)len,
                             name, state_off[k] ? " (its registers are not enabled by the OS)" : "");
            used = w < 0 ? cap : used + (size_t)w;
        }
        n_lacks++;
    }
    return n_lacks;
}
