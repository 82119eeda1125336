/* The LLVM target features a target machine's code may use, as a feature string "+avx,+avx2,...":
 * the GEMM kernel picks its tile from it and the module's metadata records it (abi.h
 * cpu_features), so that loaders can refuse a CPU that lacks one.
 *
 * For the host the machine is created with LLVMGetHostCPUFeatures, which is the answer. For a named
 * CPU ("znver4") LLVM-C has no call that lists what the name implies, so we ask the inliner: it
 * inlines a callee into a caller only if the callee's features are a subset of the caller's
 * (TargetTransformInfo::areInlineCompatible). A caller with the machine's features calls, per
 * feature F, an empty callee with "+F"; the calls that disappear are the features the CPU has.
 * The names to ask about are those of LLVMGetHostCPUFeatures (it lists every feature it knows,
 * enabled or not). Each probe builds one subtarget (a few ms), so results are kept per CPU name. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Transforms/PassBuilder.h>

#include "cpu_internal.h"

typedef struct cached {
    struct cached *next;
    char *cpu, *features;
} cached;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cached *cache; /* never freed: one entry per CPU name a process compiles for */

static bool has_call(LLVMValueRef fn) {
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
        for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i))
            if (LLVMIsACallInst(i)) return true;
    return false;
}

/* Appends ",+name" (no comma first) to the growing string *s of length *n. */
static bool append(char **s, size_t *n, const char *name, size_t len) {
    char *t = realloc(*s, *n + len + 3);
    if (!t) return false;
    *s = t;
    if (*n) t[(*n)++] = ',';
    t[(*n)++] = '+';
    memcpy(t + *n, name, len);
    *n += len;
    t[*n] = 0;
    return true;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The enabled entries of |fs| ("+b,-c,+a"), sorted: "+a,+b". Deterministic and readable in
 * metadata and messages, whatever order LLVM's tables have. */
static hloc_status *enabled_sorted(const char *fs, char **out) {
    *out = NULL;
    size_t len = strlen(fs), n = 0;
    char *copy = malloc(len + 1), *list = malloc(len + 1);
    const char **names = malloc((len / 2 + 1) * sizeof *names);
    if (!copy || !list || !names) {
        free(copy), free(list), free(names);
        return hloc_status_oom();
    }
    memcpy(copy, fs, len + 1);
    for (char *save = NULL, *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save))
        if (f[0] == '+' && f[1]) names[n++] = f;
    qsort(names, n, sizeof *names, by_name);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) list[k++] = ',';
        size_t l = strlen(names[i]);
        memcpy(list + k, names[i], l);
        k += l;
    }
    list[k] = 0;
    free(copy);
    free(names);
    *out = list;
    return NULL;
}

/* X86's inline check ignores a few features (X86TTIImpl::InlineFeatureIgnoreList: no intrinsics
 * or ABI effect), so every probe says yes to them: a K8 would seem to have CMPXCHG16B and 64-bit
 * LAHF/SAHF. Those are left out of a named CPU's list (unrecorded, so never checked); "64bit",
 * also ignored, stays, since the x86_64 triple needs it anyway. */
static bool blind(const char *name, size_t len) {
    static const char *const ignored[] = {"cx16", "sahf", "nopl", "sse-unaligned-mem"};
    for (size_t k = 0; k < sizeof ignored / sizeof ignored[0]; k++)
        if (strlen(ignored[k]) == len && !memcmp(ignored[k], name, len)) return true;
    return false;
}

/* The features of |vocab| ("+a,-b,...", signs ignored) that |tm|'s CPU has, as "+a,...". */
static hloc_status *probe(LLVMTargetMachineRef tm, const char *vocab, char **out) {
    *out = NULL;
    char *triple = LLVMGetTargetMachineTriple(tm);
    char *base = LLVMGetTargetMachineFeatureString(tm);
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef m = LLVMModuleCreateWithNameInContext("hloc.feature_probe", ctx);
    LLVMSetTarget(m, triple);
    LLVMTypeRef ft = LLVMFunctionType(LLVMVoidTypeInContext(ctx), NULL, 0, 0);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
    /* One caller/callee pair per feature, in the order of |vocab|; name k is vocab's k-th entry. */
    size_t n_names = 0;
    for (const char *p = vocab; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        size_t len = strcspn(p, ",");
        if (len < 2) continue;
        /* A function's features replace the machine's (they are not added to them). */
        char fs[256];
        snprintf(fs, sizeof fs, "%s%s+%.*s", base, *base ? "," : "", (int)(len - 1), p + 1);
        LLVMValueRef callee = LLVMAddFunction(m, "callee", ft);
        LLVMSetLinkage(callee, LLVMInternalLinkage);
        LLVMAddTargetDependentFunctionAttr(callee, "target-features", fs);
        LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, callee, ""));
        LLVMBuildRetVoid(b);
        LLVMValueRef caller = LLVMAddFunction(m, "caller", ft);
        LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, caller, ""));
        LLVMBuildCall2(b, ft, callee, NULL, 0, "");
        LLVMBuildRetVoid(b);
        n_names++;
    }
    LLVMDisposeBuilder(b);
    LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
    LLVMErrorRef e = LLVMRunPasses(m, "cgscc(inline)", tm, po);
    LLVMDisposePassBuilderOptions(po);
    hloc_status *st = e ? hloc_cpu_llvm_error(e, "cannot list the CPU's features") : NULL;
    char *list = NULL;
    size_t n = 0;
    /* The callers come in vocab's order (inlined callees are deleted, callers never are). */
    LLVMValueRef f = LLVMGetFirstFunction(m);
    for (const char *p = vocab; !st && p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        size_t len = strcspn(p, ",");
        if (len < 2) continue;
        while (f && strncmp(LLVMGetValueName(f), "caller", 6)) f = LLVMGetNextFunction(f);
        if (!f) {
            st = hloc_status_new(HLOC_STATUS_INTERNAL, "feature probe lost a function");
            break;
        }
        if (!has_call(f) && !blind(p + 1, len - 1) && !append(&list, &n, p + 1, len - 1))
            st = hloc_status_oom();
        f = LLVMGetNextFunction(f);
    }
    LLVMDisposeModule(m);
    LLVMContextDispose(ctx);
    LLVMDisposeMessage(triple);
    LLVMDisposeMessage(base);
    if (!st) st = enabled_sorted(list ? list : "", out);
    free(list);
    return st;
}

hloc_status *hloc_cpu_features(LLVMTargetMachineRef tm, char **out) {
    *out = NULL;
    char *fs = LLVMGetTargetMachineFeatureString(tm);
    /* hloc_cpu_target_machine gives the host CPU its whole feature list and a named CPU none. */
    if (fs && *fs) {
        hloc_status *st = enabled_sorted(fs, out);
        LLVMDisposeMessage(fs);
        return st;
    }
    LLVMDisposeMessage(fs);
    char *cpu = LLVMGetTargetMachineCPU(tm);
    hloc_status *st = NULL;
    pthread_mutex_lock(&cache_lock);
    cached *c = cache;
    while (c && strcmp(c->cpu, cpu)) c = c->next;
    if (!c) {
        char *features = NULL;
        char *vocab = LLVMGetHostCPUFeatures();
        st = probe(tm, vocab, &features);
        LLVMDisposeMessage(vocab);
        c = st ? NULL : calloc(1, sizeof *c);
        char *name = c ? strdup(cpu) : NULL;
        if (name) {
            *c = (cached){cache, name, features};
            cache = c;
        } else {
            if (!st) st = hloc_status_oom();
            free(features);
            free(c);
            c = NULL;
        }
    }
    if (c && !(*out = strdup(c->features))) st = hloc_status_oom();
    pthread_mutex_unlock(&cache_lock);
    LLVMDisposeMessage(cpu);
    return st;
}

/* The x86 CPUs LLVM knows that have no 64-bit mode (those without FEATURE_64BIT in the
 * Processors table of llvm/lib/TargetParser/X86TargetParser.cpp, LLVM 19). The inliner's probe
 * cannot tell them (it ignores "64bit"), and a machine made for one makes LLVM abort the process. */
static bool cpu_is_32bit(const char *cpu) {
    static const char *const names[] = {
        "i386", "i486", "i586", "pentium", "pentium-mmx", "pentiumpro", "i686", "pentium2", "pentium3",
        "pentium3m", "pentium-m", "pentium4", "pentium4m", "prescott", "yonah", "lakemont", "k6", "k6-2",
        "k6-3", "athlon", "athlon-tbird", "athlon-xp", "athlon-mp", "athlon-4", "geode", "winchip-c6",
        "winchip2", "c3", "c3-2",
        /* the CPU-dispatch spellings of the same */
        "pentium_mmx", "pentium_pro", "pentium_ii", "pentium_iii", "pentium_iii_no_xmm_regs", "pentium_m",
        "pentium_4", "pentium_4_sse3"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (!strcmp(cpu, names[k])) return true;
    return false;
}

/* An x86 CPU name LLVM does not know leaves the subtarget without 64-bit support, and LLVM then
 * aborts the process ("64-bit code requested on a subtarget that doesn't support it"). A machine
 * given "+64bit" explicitly survives that. Every CPU LLVM knows from the Pentium on, "generic"
 * included, has CMPXCHG8B; an unknown name gets only what 64-bit mode implies (SSE2, LAHF/SAHF),
 * so that tells them apart before the real machine is used. A known 32-bit CPU (i686) is an
 * error here too, named as one. */
bool hloc_cpu_known(LLVMTargetRef target, const char *triple, const char *cpu, hloc_status **err) {
    *err = NULL;
    if (strncmp(triple, "x86_64", 6)) return true;
    if (cpu_is_32bit(cpu)) {
        *err = hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "cpu '%s' has no 64-bit mode: it cannot run code for %s (x86-64 CPUs: "
                               "x86-64, x86-64-v2, x86-64-v3, x86-64-v4, znver4, skylake-avx512, ...)",
                               cpu, triple);
        return false;
    }
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, triple, cpu, "+64bit",
                                                      LLVMCodeGenLevelNone, LLVMRelocPIC,
                                                      LLVMCodeModelDefault);
    if (!tm) return false;
    char *has = NULL;
    *err = probe(tm, "+cx8", &has);
    LLVMDisposeTargetMachine(tm);
    bool known = has && !strcmp(has, "+cx8");
    free(has);
    return known || *err;
}
