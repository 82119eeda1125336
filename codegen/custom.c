/* custom-call with XLA's legacy CPU ABI: target(void *out, const void **in), where in holds the
 * operand buffers and out is the result buffer or, for a tuple result, an array of the leaf
 * buffers. Only targets registered with an address (JIT) can be called: an AOT object must not
 * depend on symbols beyond libc/libm, so any other target is an error at compile time. */
#include <string.h>

#include "cg.h"

enum { MAX_LEAVES = 256 };

static void leaves(const cg_value *v, const cg_value **out, uint32_t *n) {
    if (v->kind == CGV_TUPLE) {
        for (uint32_t k = 0; k < v->n_elems; k++) leaves(&v->elems[k], out, n);
        return;
    }
    if (*n < MAX_LEAVES) out[(*n)++] = v;
}

static LLVMValueRef ptr_array(cg *c, LLVMValueRef const *ptrs, uint32_t n, const char *name) {
    LLVMValueRef arr = cg_alloca(c, LLVMArrayType2(c->t_ptr, n ? n : 1), name);
    for (uint32_t k = 0; k < n; k++) {
        LLVMValueRef o = cg_const_i64(c, k);
        LLVMBuildStore(c->b, ptrs[k], LLVMBuildGEP2(c->b, c->t_ptr, arr, &o, 1, ""));
    }
    return arr;
}

void cg_emit_custom_call(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    const char *target = i->attrs->custom_call_target;
    if (!target || !*target) {
        cg_unsupported(c, i, "a custom-call without a target");
        return;
    }
    LLVMValueRef in[MAX_LEAVES];
    if (i->n_operands > MAX_LEAVES) {
        cg_unsupported(c, i, "a custom-call with this many operands");
        return;
    }
    for (uint32_t k = 0; k < i->n_operands; k++) {
        cg_value *v = cg_value_of(c, s, i->operands[k]);
        if (v->kind != CGV_BUFFER) {
            cg_unsupported(c, i, "a custom-call with a tuple operand");
            return;
        }
        in[k] = v->ptr;
    }
    LLVMValueRef out;
    if (dst->kind == CGV_TUPLE) {
        const cg_value *l[MAX_LEAVES];
        LLVMValueRef lp[MAX_LEAVES];
        uint32_t n = 0;
        leaves(dst, l, &n);
        for (uint32_t k = 0; k < n; k++) lp[k] = l[k]->ptr;
        out = ptr_array(c, lp, n, "cc.out");
    } else {
        out = dst->ptr;
    }
    LLVMValueRef ins = ptr_array(c, in, i->n_operands, "cc.in");
    LLVMTypeRef at[2] = {c->t_ptr, c->t_ptr};
    LLVMTypeRef ft = LLVMFunctionType(c->t_void, at, 2, 0);
    LLVMValueRef fn = NULL;
    for (uint32_t k = 0; k < c->opts->n_custom_calls && !fn; k++) {
        const hloc_custom_call *cc = &c->opts->custom_calls[k];
        if (cc->target && cc->fn && !strcmp(cc->target, target))
            fn = LLVMConstIntToPtr(LLVMConstInt(c->t_i64, (unsigned long long)(uintptr_t)cc->fn, 0), c->t_ptr);
    }
    if (!fn) {
        cg_fail(c, HLOC_STATUS_NOT_FOUND,
                "%s%s%d:%d: unknown custom-call target \"%s\" (custom-call '%s'): not registered with "
                "the compiler", c->m->file ? c->m->file : "", c->m->file ? ":" : "", i->loc.line,
                i->loc.col, target, i->name);
        return;
    }
    LLVMValueRef args[2] = {out, ins};
    LLVMBuildCall2(c->b, ft, fn, args, 2, "");
}
