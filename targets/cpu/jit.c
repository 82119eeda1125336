/* In-process compilation with ORC LLJIT. Each compiled module gets its own LLJIT instance (and
 * thread-safe context), so that compiles on several threads share nothing but LLVM's one-time
 * initialization; symbols the code needs from libc/libm resolve in the host process. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

#include "cpu_features.h"
#include "cpu_internal.h"

struct hloc_cpu_jit {
    LLVMOrcLLJITRef jit;
    const hloc_module_metadata *md;
};

/* Every external function the module calls (libc, libm) must exist in the process; say which
 * one does not, rather than LLJIT's generic materialization failure. */
static hloc_status *check_externals(LLVMModuleRef mod) {
    for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f)) {
        if (!LLVMIsDeclaration(f) || LLVMGetIntrinsicID(f)) continue;
        size_t len;
        const char *name = LLVMGetValueName2(f, &len);
        if (!dlsym(RTLD_DEFAULT, name))
            return hloc_status_new(HLOC_STATUS_NOT_FOUND,
                                   "the JIT'd code needs \"%s\", which this process does not define",
                                   name);
    }
    return NULL;
}

/* JIT'd code runs here, so a CPU whose features this one lacks would die of SIGILL in the
 * first such instruction: refuse before compiling. (AOT may target any CPU.) */
static hloc_status *check_host(LLVMTargetMachineRef tm, const hloc_cpu_options *o) {
    char *features;
    HLOC_RETURN_IF_ERROR(hloc_cpu_features(tm, &features));
    char lacks[1024];
    size_t n = hloc_rt_cpu_lacks(features, lacks, sizeof lacks);
    free(features);
    if (!n) return NULL;
    const char *cpu = o && o->cpu ? o->cpu : "native";
    return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                           "cannot JIT for cpu '%s': the code would run on this CPU, which lacks "
                           "%s; JIT for cpu 'native' (the default), or build a module for that "
                           "machine with 'hloc compile --cpu %s'",
                           cpu, lacks, cpu);
}

hloc_status *hloc_cpu_jit_compile(const hloc_module *m, const hloc_cpu_options *o, hloc_cpu_jit **out) {
    *out = NULL;
    LLVMTargetMachineRef tm, jtm;
    HLOC_RETURN_IF_ERROR(hloc_cpu_target_machine(o, &tm));
    hloc_status *st = check_host(tm, o);
    if (st) {
        LLVMDisposeTargetMachine(tm);
        return st;
    }
    st = hloc_cpu_target_machine(o, &jtm);
    if (st) {
        LLVMDisposeTargetMachine(tm);
        return st;
    }
    char *name = hloc_cpu_entry_name(m, o);
    hloc_cpu_jit *j = calloc(1, sizeof *j);
    LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContext();
    LLVMModuleRef mod = NULL;
    if (!name || !j) st = hloc_status_oom();
    else st = hloc_cpu_build_module(m, o, name, 0, LLVMOrcThreadSafeContextGetContext(tsc), tm, &mod);
    LLVMDisposeTargetMachine(tm);
    if (!st && (st = check_externals(mod))) LLVMDisposeModule(mod);
    if (st) {
        LLVMDisposeTargetMachine(jtm);
        goto done;
    }
    LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
    /* The builder takes jtm; the JIT takes the builder, even when creation fails. */
    LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(jtm));
    LLVMErrorRef e = LLVMOrcCreateLLJIT(&j->jit, builder);
    if (e) {
        st = hloc_cpu_llvm_error(e, "cannot create the JIT");
        LLVMDisposeModule(mod);
        goto done;
    }
    LLVMOrcDefinitionGeneratorRef gen;
    e = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&gen, LLVMOrcLLJITGetGlobalPrefix(j->jit), NULL, NULL);
    if (e) {
        st = hloc_cpu_llvm_error(e, "cannot search the process for symbols");
        LLVMDisposeModule(mod);
        goto done;
    }
    LLVMOrcJITDylibRef dylib = LLVMOrcLLJITGetMainJITDylib(j->jit);
    LLVMOrcJITDylibAddGenerator(dylib, gen);
    LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(mod, tsc);
    e = LLVMOrcLLJITAddLLVMIRModule(j->jit, dylib, tsm);
    if (e) {
        LLVMOrcDisposeThreadSafeModule(tsm);
        st = hloc_cpu_llvm_error(e, "cannot add the module to the JIT");
        goto done;
    }
    char sym[1024];
    snprintf(sym, sizeof sym, "%s_metadata", name);
    LLVMOrcExecutorAddress addr = 0;
    e = LLVMOrcLLJITLookup(j->jit, &addr, sym);
    if (e) {
        st = hloc_cpu_llvm_error(e, "JIT compilation failed");
        goto done;
    }
    j->md = (const hloc_module_metadata *)(uintptr_t)addr;
done:
    LLVMOrcDisposeThreadSafeContext(tsc);
    free(name);
    if (st) {
        hloc_cpu_jit_destroy(j);
        return st;
    }
    *out = j;
    return NULL;
}

const hloc_module_metadata *hloc_cpu_jit_metadata(const hloc_cpu_jit *j) { return j ? j->md : NULL; }

void hloc_cpu_jit_destroy(hloc_cpu_jit *j) {
    if (!j) return;
    if (j->jit) {
        LLVMErrorRef e = LLVMOrcDisposeLLJIT(j->jit);
        if (e) LLVMConsumeError(e);
    }
    free(j);
}
