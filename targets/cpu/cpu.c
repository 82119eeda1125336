/* The CPU target's compile pipeline: target machine for the host (or a named CPU), IR from
 * codegen/, verification, the new pass manager's default<On> pipeline, dumps, and relocatable
 * object emission for AOT. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Error.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "codegen.h"
#include "cpu_internal.h"

static pthread_once_t llvm_once = PTHREAD_ONCE_INIT;

static void init_once(void) {
    LLVMInitializeNativeTarget();
    LLVMInitializeNativeAsmPrinter();
    LLVMInitializeNativeAsmParser();
}

void hloc_cpu_init_llvm(void) { pthread_once(&llvm_once, init_once); }

hloc_status *hloc_cpu_llvm_error(LLVMErrorRef e, const char *what) {
    char *msg = LLVMGetErrorMessage(e);
    hloc_status *st = hloc_status_new(HLOC_STATUS_INTERNAL, "%s: %s", what, msg ? msg : "unknown error");
    LLVMDisposeErrorMessage(msg);
    return st;
}

hloc_phase_time hloc_phase_clock(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    double cpu = 0;
    const struct timeval *tv[] = {&self.ru_utime, &self.ru_stime, &kids.ru_utime, &kids.ru_stime};
    for (int k = 0; k < 4; k++) cpu += (double)tv[k]->tv_sec + 1e-6 * (double)tv[k]->tv_usec;
    return (hloc_phase_time){(double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec, cpu};
}

void hloc_phase_add(hloc_phase_time *acc, hloc_phase_time t0) {
    hloc_phase_time t = hloc_phase_clock();
    acc->wall += t.wall - t0.wall;
    acc->cpu += t.cpu - t0.cpu;
}

static int opt_level(const hloc_cpu_options *o) {
    int l = o ? o->opt_level : 2;
    return l < 0 ? 2 : l > 3 ? 3 : l;
}

hloc_status *hloc_cpu_target_machine(const hloc_cpu_options *o, LLVMTargetMachineRef *out) {
    *out = NULL;
    hloc_cpu_init_llvm();
    char *triple = LLVMGetDefaultTargetTriple();
    LLVMTargetRef target;
    char *err = NULL;
    if (LLVMGetTargetFromTriple(triple, &target, &err)) {
        hloc_status *st = hloc_status_new(HLOC_STATUS_INTERNAL, "no LLVM target for %s: %s", triple, err);
        LLVMDisposeMessage(err);
        LLVMDisposeMessage(triple);
        return st;
    }
    const char *cpu = o && o->cpu ? o->cpu : "native";
    char *host_cpu = NULL, *host_features = NULL;
    const char *features = "";
    if (strcmp(cpu, "native") == 0) {
        host_cpu = LLVMGetHostCPUName();
        host_features = LLVMGetHostCPUFeatures();
        cpu = host_cpu;
        features = host_features;
    }
    hloc_status *st = NULL;
    if (!host_cpu && !hloc_cpu_known(target, triple, cpu, &st) && !st)
        st = hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                             "unknown cpu '%s': LLVM does not know it for %s (llc -mcpu=help "
                             "lists the names)",
                             cpu, triple);
    if (st) {
        LLVMDisposeMessage(triple);
        return st;
    }
    static const LLVMCodeGenOptLevel levels[] = {LLVMCodeGenLevelNone, LLVMCodeGenLevelLess,
                                                 LLVMCodeGenLevelDefault, LLVMCodeGenLevelAggressive};
    *out = LLVMCreateTargetMachine(target, triple, cpu, features, levels[opt_level(o)], LLVMRelocPIC,
                                   LLVMCodeModelDefault);
    LLVMDisposeMessage(host_cpu);
    LLVMDisposeMessage(host_features);
    LLVMDisposeMessage(triple);
    if (!*out) return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "cannot create a target machine for cpu '%s'",
                                      o && o->cpu ? o->cpu : "native");
    return NULL;
}

char *hloc_cpu_entry_name(const hloc_module *m, const hloc_cpu_options *o) {
    const char *src = o && o->name ? o->name : m->name ? m->name : "module";
    size_t n = strlen(src);
    char *s = malloc(n + 2);
    if (!s) return NULL;
    size_t k = 0;
    if (!isalpha((unsigned char)src[0]) && src[0] != '_') s[k++] = '_';
    for (size_t j = 0; j < n; j++) s[k++] = isalnum((unsigned char)src[j]) ? src[j] : '_';
    s[k] = 0;
    return s;
}

static hloc_status *dump_ir(LLVMModuleRef mod, const char *dir, const char *name, const char *suffix) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, suffix);
    char *err = NULL;
    if (LLVMPrintModuleToFile(mod, path, &err)) {
        hloc_status *st = hloc_status_new(HLOC_STATUS_IO, "cannot write %s: %s", path, err ? err : "");
        LLVMDisposeMessage(err);
        return st;
    }
    return NULL;
}

hloc_status *hloc_cpu_build_module(const hloc_module *m, const hloc_cpu_options *o, const char *name,
                                   int shared, LLVMContextRef ctx, LLVMTargetMachineRef tm,
                                   LLVMModuleRef *out) {
    *out = NULL;
    char *features;
    HLOC_RETURN_IF_ERROR(hloc_cpu_features(tm, &features));
    char *triple = LLVMGetTargetMachineTriple(tm);
    char *cpu = LLVMGetTargetMachineCPU(tm);
    char desc[512];
    snprintf(desc, sizeof desc, "%s %s", triple, cpu);
    hloc_codegen_options co = {.name = name, .target_desc = desc, .shared = shared != 0,
                               .flush_denormals = strncmp(triple, "x86_64", 6) == 0,
                               .custom_calls = o && !shared ? o->custom_calls : NULL,
                               .n_custom_calls = o && !shared ? o->n_custom_calls : 0,
                               .no_inlining = o && o->no_fusion, .target_features = features};
    LLVMModuleRef mod;
    hloc_cpu_timings *tim = o ? o->timings : NULL;
    hloc_phase_time t0 = hloc_phase_clock();
    hloc_status *st = hloc_codegen_emit(m, ctx, &co, &mod);
    free(features);
    if (tim) hloc_phase_add(&tim->codegen, t0);
    if (st) {
        LLVMDisposeMessage(triple);
        LLVMDisposeMessage(cpu);
        return st;
    }
    LLVMSetTarget(mod, triple);
    LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
    LLVMSetModuleDataLayout(mod, td);
    LLVMDisposeTargetData(td);
    LLVMDisposeMessage(triple);
    LLVMDisposeMessage(cpu);

    const char *dump = o ? o->dump_dir : NULL;
    if (dump && (st = dump_ir(mod, dump, name, "ir-no-opt.ll"))) goto fail;
    char *verr = NULL;
    t0 = hloc_phase_clock();
    int bad = LLVMVerifyModule(mod, LLVMReturnStatusAction, &verr);
    if (tim) hloc_phase_add(&tim->verify, t0);
    if (bad) {
        st = hloc_status_new(HLOC_STATUS_INTERNAL, "codegen produced invalid LLVM IR: %s", verr ? verr : "");
        LLVMDisposeMessage(verr);
        goto fail;
    }
    LLVMDisposeMessage(verr);
    char passes[32];
    snprintf(passes, sizeof passes, "default<O%d>", opt_level(o));
    LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
    /* Up to -O2 without LLVM's loop unroller: the loop vectorizer already interleaves the
     * emitted loops and the GEMM micro-kernel is register-blocked by construction. Unrolling
     * took a third of the compile time of gpt2_block (and made object emission slower) for no
     * speedup we could measure (eltwise, softmax, layernorm, gpt2_block, lstm, conv3x3, gemm256);
     * -O3 keeps it. */
    if (opt_level(o) < 3) LLVMPassBuilderOptionsSetLoopUnrolling(po, 0);
    t0 = hloc_phase_clock();
    LLVMErrorRef e = LLVMRunPasses(mod, passes, tm, po);
    if (tim) hloc_phase_add(&tim->optimize, t0);
    LLVMDisposePassBuilderOptions(po);
    if (e) {
        st = hloc_cpu_llvm_error(e, "LLVM optimization failed");
        goto fail;
    }
    if (dump && (st = dump_ir(mod, dump, name, "ir-with-opt.ll"))) goto fail;
    if (dump) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.s", dump, name);
        char *err = NULL;
        if (LLVMTargetMachineEmitToFile(tm, mod, path, LLVMAssemblyFile, &err)) {
            st = hloc_status_new(HLOC_STATUS_IO, "cannot write %s: %s", path, err ? err : "");
            LLVMDisposeMessage(err);
            goto fail;
        }
    }
    *out = mod;
    return NULL;
fail:
    LLVMDisposeModule(mod);
    return st;
}

hloc_status *hloc_cpu_compile_object(const hloc_module *m, const hloc_cpu_options *o, int shared,
                                     void **out_obj, size_t *out_len) {
    *out_obj = NULL;
    *out_len = 0;
    LLVMTargetMachineRef tm;
    HLOC_RETURN_IF_ERROR(hloc_cpu_target_machine(o, &tm));
    char *name = hloc_cpu_entry_name(m, o);
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = NULL;
    hloc_status *st = name ? hloc_cpu_build_module(m, o, name, shared, ctx, tm, &mod) : hloc_status_oom();
    if (!st) {
        char *err = NULL;
        LLVMMemoryBufferRef buf;
        hloc_phase_time t0 = hloc_phase_clock();
        LLVMBool bad = LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &err, &buf);
        if (o && o->timings) hloc_phase_add(&o->timings->emit, t0);
        if (bad) {
            st = hloc_status_new(HLOC_STATUS_INTERNAL, "object emission failed: %s", err ? err : "");
            LLVMDisposeMessage(err);
        } else {
            size_t n = LLVMGetBufferSize(buf);
            void *p = malloc(n ? n : 1);
            if (!p) {
                st = hloc_status_oom();
            } else {
                memcpy(p, LLVMGetBufferStart(buf), n);
                *out_obj = p;
                *out_len = n;
            }
            LLVMDisposeMemoryBuffer(buf);
        }
        LLVMDisposeModule(mod);
    }
    free(name);
    LLVMContextDispose(ctx);
    LLVMDisposeTargetMachine(tm);
    return st;
}
