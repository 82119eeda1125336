/* The module-level driver: the internal body function (parameters, results and scratch as
 * noalias pointers), the ABI entry point that finds or allocates scratch and calls it, and the
 * metadata of include/hloc/abi.h. */
#include <stdio.h>
#include <string.h>

#include "cg.h"
#include "hloc/abi.h"

static void add_attr(cg *c, LLVMValueRef fn, unsigned idx, const char *name, uint64_t val) {
    unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
    LLVMAddAttributeAtIndex(fn, idx, LLVMCreateEnumAttribute(c->ctx, kind, val));
}

static void collect_leaves(const hloc_shape *s, const hloc_shape **out, uint32_t *n) {
    if (s->type == HLOC_TYPE_TUPLE) {
        for (uint32_t k = 0; k < s->n_elems; k++) collect_leaves(&s->elems[k], out, n);
        return;
    }
    out[(*n)++] = s;
}

/* The value tree of result pointers for shape |s|, consuming params from *next. */
static cg_value *result_tree(cg *c, const hloc_shape *s, LLVMValueRef fn, unsigned *next) {
    if (s->type == HLOC_TYPE_TUPLE) {
        cg_value *v = HLOC_ARENA_NEW(c->arena, cg_value);
        cg_value *e = s->n_elems ? HLOC_ARENA_ARRAY(c->arena, cg_value, s->n_elems) : NULL;
        if (!v || (s->n_elems && !e)) return NULL;
        v->kind = CGV_TUPLE;
        v->elems = e;
        v->n_elems = s->n_elems;
        for (uint32_t k = 0; k < s->n_elems; k++) {
            cg_value *ek = result_tree(c, &s->elems[k], fn, next);
            if (!ek) return NULL;
            e[k] = *ek;
        }
        return v;
    }
    return cg_buffer_value(c, LLVMGetParam(fn, (*next)++), s);
}

static LLVMValueRef str_global(cg *c, const char *s) {
    LLVMValueRef init = LLVMConstStringInContext(c->ctx, s, (unsigned)strlen(s), 0);
    LLVMValueRef g = LLVMAddGlobal(c->mod, LLVMTypeOf(init), "str");
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    return g;
}

static LLVMValueRef i64_array_global(cg *c, const int64_t *v, uint32_t n) {
    LLVMValueRef el[HLOC_MAX_RANK + 1];
    for (uint32_t k = 0; k < n; k++) el[k] = cg_const_i64(c, v[k]);
    if (n == 0) el[n++] = cg_const_i64(c, 0); /* never empty: keeps the pointer valid */
    LLVMValueRef init = LLVMConstArray2(c->t_i64, el, n);
    LLVMValueRef g = LLVMAddGlobal(c->mod, LLVMTypeOf(init), "dims");
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    return g;
}

static LLVMTypeRef desc_type(cg *c) {
    LLVMTypeRef f[] = {c->t_ptr, c->t_i32, c->t_i32, c->t_ptr, c->t_ptr, c->t_i64};
    return LLVMStructTypeInContext(c->ctx, f, 6, 0);
}

static LLVMValueRef buffer_desc(cg *c, const char *name, const hloc_shape *s) {
    int64_t dims[HLOC_MAX_RANK], m2m[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < s->rank; d++) {
        dims[d] = s->dims[d];
        m2m[d] = s->has_layout ? s->minor_to_major[d] : (int64_t)(s->rank - 1 - d);
    }
    LLVMValueRef f[] = {
        str_global(c, name),
        LLVMConstInt(c->t_i32, (unsigned)s->type, 0),
        LLVMConstInt(c->t_i32, s->rank, 0),
        i64_array_global(c, dims, s->rank),
        i64_array_global(c, m2m, s->rank),
        cg_const_i64(c, (int64_t)hloc_shape_bytes(s)),
    };
    return LLVMConstNamedStruct(desc_type(c), f, 6);
}

static LLVMValueRef desc_array(cg *c, LLVMValueRef *descs, uint32_t n, const char *name) {
    if (!n) return LLVMConstNull(c->t_ptr);
    LLVMValueRef init = LLVMConstArray2(desc_type(c), descs, n);
    LLVMValueRef g = LLVMAddGlobal(c->mod, LLVMTypeOf(init), name);
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    return g;
}

/* hloc_alias_desc[]: {u32 result, u32 param, u32 must_alias} per pair; NULL when there are none. */
static LLVMValueRef alias_array(cg *c) {
    if (!c->n_aliases) return LLVMConstNull(c->t_ptr);
    LLVMTypeRef f[] = {c->t_i32, c->t_i32, c->t_i32};
    LLVMTypeRef t = LLVMStructTypeInContext(c->ctx, f, 3, 0);
    LLVMValueRef el[256];
    for (uint32_t k = 0; k < c->n_aliases; k++) {
        LLVMValueRef v[] = {LLVMConstInt(c->t_i32, c->aliases[k].result, 0),
                            LLVMConstInt(c->t_i32, c->aliases[k].param, 0),
                            LLVMConstInt(c->t_i32, c->aliases[k].must_alias, 0)};
        el[k] = LLVMConstStructInContext(c->ctx, v, 3, 0);
    }
    LLVMValueRef init = LLVMConstArray2(t, el, c->n_aliases);
    LLVMValueRef g = LLVMAddGlobal(c->mod, LLVMTypeOf(init), "aliases");
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    return g;
}

/* The entry's input_output_alias pairs and what the buffer plan decided for each (before the body
 * is emitted: copies into a result computed in place check for the source being that buffer).
 * Pairs of empty arrays need nothing: there is nothing to overwrite. An in-place pair's two body
 * arguments may be the same buffer, so neither is noalias. */
static hloc_status *plan_aliases(cg *c, const hloc_module *m, LLVMValueRef body) {
    c->aliases = m->n_io_aliases ? HLOC_ARENA_ARRAY(c->arena, cg_alias, m->n_io_aliases) : NULL;
    if (m->n_io_aliases && !c->aliases) return hloc_status_oom();
    const hloc_shape *root = &m->entry->root->shape;
    unsigned noalias = LLVMGetEnumAttributeKindForName("noalias", 7);
    for (uint32_t k = 0; k < m->n_io_aliases; k++) {
        const hloc_io_alias *a = &m->io_aliases[k];
        if (a->param_index.n)
            return hloc_status_new(HLOC_STATUS_UNIMPLEMENTED,
                                   "input_output_alias into tuple parameter %lld: cpu codegen takes "
                                   "array parameters only", (long long)a->param_number);
        const hloc_shape *s = hloc_shape_subshape(root, a->output_index.v, a->output_index.n);
        uint64_t bytes = s ? hloc_shape_bytes(s) : 0;
        if (!bytes) continue;
        uint32_t res = (uint32_t)hloc_shape_leaf_number(root, a->output_index.v, a->output_index.n);
        bool in_place = c->plan && k < c->plan->n_donations && c->plan->donations[k].in_place;
        c->aliases[c->n_aliases++] = (cg_alias){res, (uint32_t)a->param_number, 0, bytes, a->must_alias,
                                                in_place, LLVMGetParam(body, c->n_entry_params + res)};
        if (in_place) {
            LLVMRemoveEnumAttributeAtIndex(body, (unsigned)a->param_number + 1, noalias);
            LLVMRemoveEnumAttributeAtIndex(body, c->n_entry_params + res + 1, noalias);
        }
    }
    return NULL;
}

/* Stand-ins go after all other scratch, which is known once the body is emitted. */
static void place_stand_ins(cg *c) {
    for (uint32_t k = 0; k < c->n_aliases; k++) {
        cg_alias *a = &c->aliases[k];
        if (a->in_place) continue;
        a->offset = c->scratch_bytes;
        c->scratch_bytes += (a->bytes + 63) & ~(uint64_t)63;
    }
}

static LLVMValueRef declare(cg *c, const char *name, LLVMTypeRef ret, LLVMTypeRef *args, unsigned n) {
    LLVMValueRef f = LLVMGetNamedFunction(c->mod, name);
    if (f) return f;
    return LLVMAddFunction(c->mod, name, LLVMFunctionType(ret, args, n, 0));
}

/* Calls the body; with flush_denormals, inside MXCSR |= FTZ|DAZ, restored afterwards. */
static void call_body(cg *c, LLVMValueRef body, LLVMValueRef *args, unsigned n) {
    LLVMBuilderRef b = c->b;
    LLVMValueRef saved = NULL, fn_st = NULL, fn_ld = NULL;
    LLVMTypeRef ft = LLVMFunctionType(c->t_void, &c->t_ptr, 1, 0);
    if (c->opts->flush_denormals) {
        fn_st = LLVMGetIntrinsicDeclaration(c->mod, LLVMLookupIntrinsicID("llvm.x86.sse.stmxcsr", 20), NULL, 0);
        fn_ld = LLVMGetIntrinsicDeclaration(c->mod, LLVMLookupIntrinsicID("llvm.x86.sse.ldmxcsr", 20), NULL, 0);
        saved = cg_alloca(c, c->t_i32, "mxcsr");
        LLVMValueRef mod = cg_alloca(c, c->t_i32, "mxcsr.ftz");
        LLVMBuildCall2(b, ft, fn_st, &saved, 1, "");
        LLVMValueRef v = LLVMBuildLoad2(b, c->t_i32, saved, "");
        LLVMBuildStore(b, LLVMBuildOr(b, v, LLVMConstInt(c->t_i32, 0x8040, 0), ""), mod);
        LLVMBuildCall2(b, ft, fn_ld, &mod, 1, "");
    }
    LLVMBuildCall2(b, LLVMGlobalGetValueType(body), body, args, n, "");
    if (saved) LLVMBuildCall2(b, ft, fn_ld, &saved, 1, "");
}

/* NAME(params..., results..., opts): scratch from opts when it is big enough, else malloc'd. */
static LLVMValueRef emit_wrapper(cg *c, LLVMValueRef body, unsigned n_bufs, const char *name) {
    LLVMTypeRef args[256 + 1];
    for (unsigned k = 0; k <= n_bufs; k++) args[k] = c->t_ptr;
    LLVMValueRef fn = LLVMAddFunction(c->mod, name, LLVMFunctionType(c->t_void, args, n_bufs + 1, 0));
    LLVMSetVisibility(fn, LLVMDefaultVisibility);
    c->fn = fn;
    LLVMBuilderRef b = c->b;
    LLVMPositionBuilderAtEnd(b, cg_block(c, "entry"));
    LLVMValueRef call_args[256 + 2];
    for (unsigned k = 0; k < n_bufs; k++) call_args[k] = LLVMGetParam(fn, k);
    call_args[n_bufs + 1] = LLVMGetParam(fn, n_bufs);
    /* the plan's arena, internal scratch and the aliased results' stand-ins, all aligned */
    uint64_t need = c->scratch_bytes;
    if (need == 0) {
        call_args[n_bufs] = LLVMConstNull(c->t_ptr);
        call_body(c, body, call_args, n_bufs + 2);
        LLVMBuildRetVoid(b);
        return fn;
    }
    /* hloc_run_options: {u32 version; ptr scratch @8; u64 scratch_bytes @16; ...} */
    LLVMValueRef opts = LLVMGetParam(fn, n_bufs);
    LLVMBasicBlockRef check = cg_block(c, "check"), use = cg_block(c, "use"),
                      alloc = cg_block(c, "alloc"), run = cg_block(c, "run"),
                      fail = cg_block(c, "fail");
    LLVMBuildCondBr(b, LLVMBuildIsNull(b, opts, ""), alloc, check);
    LLVMPositionBuilderAtEnd(b, check);
    LLVMValueRef o8 = cg_const_i64(c, 8), o16 = cg_const_i64(c, 16);
    LLVMValueRef sp = LLVMBuildLoad2(b, c->t_ptr, LLVMBuildGEP2(b, c->t_i8, opts, &o8, 1, ""), "");
    LLVMValueRef sn = LLVMBuildLoad2(b, c->t_i64, LLVMBuildGEP2(b, c->t_i8, opts, &o16, 1, ""), "");
    LLVMValueRef ok = LLVMBuildAnd(b, LLVMBuildIsNotNull(b, sp, ""),
                                   LLVMBuildICmp(b, LLVMIntUGE, sn, cg_const_i64(c, (int64_t)need), ""), "");
    LLVMBuildCondBr(b, ok, use, alloc);
    LLVMPositionBuilderAtEnd(b, use);
    LLVMBuildBr(b, run);
    LLVMPositionBuilderAtEnd(b, alloc);
    LLVMTypeRef aa[] = {c->t_i64, c->t_i64};
    LLVMValueRef af = declare(c, "aligned_alloc", c->t_ptr, aa, 2);
    LLVMValueRef av[] = {cg_const_i64(c, 64), cg_const_i64(c, (int64_t)need)};
    LLVMValueRef mem = LLVMBuildCall2(b, LLVMGlobalGetValueType(af), af, av, 2, "scratch");
    LLVMBuildCondBr(b, LLVMBuildIsNull(b, mem, ""), fail, run);
    LLVMPositionBuilderAtEnd(b, fail);
    LLVMBuildRetVoid(b); /* out of memory: the results are left untouched */
    LLVMPositionBuilderAtEnd(b, run);
    LLVMValueRef scratch = LLVMBuildPhi(b, c->t_ptr, "");
    LLVMValueRef owned = LLVMBuildPhi(b, c->t_ptr, "");
    LLVMValueRef in_s[] = {sp, mem}, in_o[] = {LLVMConstNull(c->t_ptr), mem};
    LLVMBasicBlockRef in_b[] = {use, alloc};
    LLVMAddIncoming(scratch, in_s, in_b, 2);
    LLVMAddIncoming(owned, in_o, in_b, 2);
    call_args[n_bufs] = scratch;
    /* A result given its aliased parameter's buffer is computed into a stand-in in the scratch
     * and copied over the parameter once the body has read everything: the body keeps its
     * noalias buffers and every schedule stays legal. */
    LLVMValueRef same[256], stand_in[256];
    for (uint32_t k = 0; k < c->n_aliases; k++) {
        const cg_alias *a = &c->aliases[k];
        if (a->in_place) continue; /* the body writes the parameter's buffer itself */
        LLVMValueRef res = LLVMGetParam(fn, c->n_entry_params + a->result), par = LLVMGetParam(fn, a->param);
        LLVMValueRef off = cg_const_i64(c, (int64_t)a->offset);
        same[k] = LLVMBuildICmp(b, LLVMIntEQ, res, par, "aliased");
        stand_in[k] = LLVMBuildGEP2(b, c->t_i8, scratch, &off, 1, "stand_in");
        call_args[c->n_entry_params + a->result] = LLVMBuildSelect(b, same[k], stand_in[k], res, "");
    }
    call_body(c, body, call_args, n_bufs + 2);
    for (uint32_t k = 0; k < c->n_aliases; k++) {
        const cg_alias *a = &c->aliases[k];
        if (a->in_place) continue;
        LLVMBasicBlockRef copy = cg_block(c, "alias.copy"), next = cg_block(c, "alias.next");
        LLVMBuildCondBr(b, same[k], copy, next);
        LLVMPositionBuilderAtEnd(b, copy);
        LLVMBuildMemCpy(b, LLVMGetParam(fn, c->n_entry_params + a->result), 1, stand_in[k], 64,
                        cg_const_i64(c, (int64_t)a->bytes));
        LLVMBuildBr(b, next);
        LLVMPositionBuilderAtEnd(b, next);
    }
    LLVMTypeRef fa[] = {c->t_ptr};
    LLVMValueRef ff = declare(c, "free", c->t_void, fa, 1);
    LLVMBuildCall2(b, LLVMGlobalGetValueType(ff), ff, &owned, 1, "");
    LLVMBuildRetVoid(b);
    return fn;
}

/* metadata cpu_features: the enabled entries of LLVM's feature string ("+avx2,-avx512f,+fma")
 * without their '+', "avx2,fma". */
static const char *feature_names(cg *c) {
    const char *fs = c->opts->target_features ? c->opts->target_features : "";
    char *out = hloc_arena_alloc(c->arena, strlen(fs) + 1);
    if (!out) return "";
    size_t n = 0;
    for (const char *p = fs; *p;) {
        size_t len = strcspn(p, ",");
        if (*p == '+' && len > 1) {
            if (n) out[n++] = ',';
            memcpy(out + n, p + 1, len - 1);
            n += len - 1;
        }
        p += len + (p[len] == ',');
    }
    out[n] = 0;
    return out;
}

static void emit_metadata(cg *c, const hloc_computation *entry, const hloc_shape **leaves,
                          uint32_t n_res, LLVMValueRef wrapper, const char *name) {
    LLVMValueRef pd[256], rd[256];
    for (uint32_t k = 0; k < entry->n_params; k++)
        pd[k] = buffer_desc(c, entry->params[k]->name, &entry->params[k]->shape);
    for (uint32_t k = 0; k < n_res; k++) {
        char rn[32];
        snprintf(rn, sizeof rn, "out%u", k);
        rd[k] = buffer_desc(c, rn, leaves[k]);
    }
    LLVMTypeRef mf[] = {c->t_i32, c->t_i32, c->t_ptr, c->t_ptr, c->t_i32, c->t_i32,
                        c->t_ptr, c->t_ptr, c->t_i64, c->t_ptr, c->t_i32, c->t_ptr, c->t_ptr};
    LLVMTypeRef mt = LLVMStructTypeInContext(c->ctx, mf, 13, 0);
    LLVMValueRef v[] = {
        LLVMConstInt(c->t_i32, HLOC_ABI_MAGIC, 0),
        LLVMConstInt(c->t_i32, HLOC_ABI_VERSION, 0),
        str_global(c, name),
        str_global(c, c->opts->target_desc ? c->opts->target_desc : ""),
        LLVMConstInt(c->t_i32, entry->n_params, 0),
        LLVMConstInt(c->t_i32, n_res, 0),
        desc_array(c, pd, entry->n_params, "params"),
        desc_array(c, rd, n_res, "results"),
        cg_const_i64(c, (int64_t)c->scratch_bytes),
        wrapper,
        LLVMConstInt(c->t_i32, c->n_aliases, 0),
        alias_array(c),
        str_global(c, feature_names(c)),
    };
    char *mname = hloc_arena_printf(c->arena, "%s_metadata", name);
    if (!mname) return;
    LLVMValueRef g = LLVMAddGlobal(c->mod, mt, mname);
    LLVMSetInitializer(g, LLVMConstStructInContext(c->ctx, v, 13, 0));
    LLVMSetGlobalConstant(g, 1);
    LLVMSetAlignment(g, 8);
    if (c->opts->shared) {
        LLVMValueRef f = LLVMAddFunction(c->mod, "hloc_module_info", LLVMFunctionType(c->t_ptr, NULL, 0, 0));
        c->fn = f;
        LLVMPositionBuilderAtEnd(c->b, cg_block(c, "entry"));
        LLVMBuildRet(c->b, g);
    }
}

static void init_types(cg *c, LLVMContextRef ctx) {
    c->ctx = ctx;
    c->t_i1 = LLVMInt1TypeInContext(ctx);
    c->t_i8 = LLVMInt8TypeInContext(ctx);
    c->t_i16 = LLVMInt16TypeInContext(ctx);
    c->t_i32 = LLVMInt32TypeInContext(ctx);
    c->t_i64 = LLVMInt64TypeInContext(ctx);
    c->t_f32 = LLVMFloatTypeInContext(ctx);
    c->t_f64 = LLVMDoubleTypeInContext(ctx);
    c->t_ptr = LLVMPointerTypeInContext(ctx, 0);
    c->t_void = LLVMVoidTypeInContext(ctx);
}

/* The entry's buffer plan, made from codegen's own choices for it (what it inlines, what it
 * computes straight into the result buffers |dst|) so that the two agree. */
static hloc_status *make_plan(cg *c, const cg_value *dst) {
    uint32_t n_ids = hloc_module_id_bound(c->m);
    const cg_value **hints = HLOC_ARENA_ARRAY(c->arena, const cg_value *, n_ids + 1);
    bool *inl = HLOC_ARENA_ARRAY(c->arena, bool, n_ids + 1);
    bool *direct = HLOC_ARENA_ARRAY(c->arena, bool, n_ids + 1);
    if (!hints || !inl || !direct) return hloc_status_oom();
    cg_scope_choices(c, c->m->entry, dst, hints, inl);
    for (uint32_t k = 0; k < n_ids; k++) direct[k] = hints[k] != NULL;
    /* Members of row groups that live in blocks on the stack take no storage. */
    bool *row_block = NULL;
    if (!c->opts->no_inlining) {
        row_block = HLOC_ARENA_ARRAY(c->arena, bool, n_ids + 1);
        if (!row_block) return hloc_status_oom();
        memset(row_block, 0, n_ids + 1);
        cg_rows_temps(c, c->m->entry, hints, inl, row_block);
    }
    hloc_buffer_plan_options po = {.inlined = inl, .direct_output = direct,
                                   .row_groups = !c->opts->no_inlining, .row_block = row_block};
    HLOC_RETURN_IF_ERROR(hloc_buffer_plan_create_with(c->m, &po, &c->plan));
    c->plan_bytes = ((uint64_t)c->plan->arena_size + 63) & ~(uint64_t)63;
    cg_plan_index(c);
    c->scratch_bytes = c->plan_bytes;
    return NULL;
}

static hloc_status *emit_module(cg *c, const hloc_module *m, const char *name) {
    const hloc_computation *entry = m->entry;
    if (!entry || !entry->root)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "module '%s' has no entry computation",
                               m->name);
    for (uint32_t k = 0; k < entry->n_params; k++) {
        const hloc_instr *p = entry->params[k];
        if (!p || !hloc_shape_is_array(&p->shape) || !cg_type_supported(p->shape.type))
            return hloc_status_new(HLOC_STATUS_UNIMPLEMENTED,
                                   "entry parameter %u: cpu codegen needs an array of a supported "
                                   "element type, not %s", k, p ? hloc_type_name(p->shape.type) : "?");
    }
    uint32_t n_res_total = hloc_shape_n_leaves(&entry->root->shape);
    if (entry->n_params + n_res_total > 256)
        return hloc_status_new(HLOC_STATUS_UNIMPLEMENTED, "entry has more than 256 buffers");
    const hloc_shape *leaves[256];
    uint32_t n_res = 0;
    collect_leaves(&entry->root->shape, leaves, &n_res);
    for (uint32_t k = 0; k < n_res; k++)
        if (!cg_type_supported(leaves[k]->type))
            return hloc_status_new(HLOC_STATUS_UNIMPLEMENTED,
                                   "entry result %u: cpu codegen does not support element type %s", k,
                                   hloc_type_name(leaves[k]->type));

    /* body(buffers..., scratch, opts) */
    unsigned n_bufs = entry->n_params + n_res;
    LLVMTypeRef args[256 + 2];
    for (unsigned k = 0; k <= n_bufs + 1; k++) args[k] = c->t_ptr;
    char *bname = hloc_arena_printf(c->arena, "%s.body", name);
    if (!bname) return hloc_status_oom();
    LLVMValueRef body = LLVMAddFunction(c->mod, bname, LLVMFunctionType(c->t_void, args, n_bufs + 2, 0));
    LLVMSetLinkage(body, LLVMInternalLinkage);
    cg_fn_attrs(c, body);
    for (unsigned k = 0; k < n_bufs; k++) {
        const hloc_shape *s = k < entry->n_params ? &entry->params[k]->shape : leaves[k - entry->n_params];
        add_attr(c, body, k + 1, "noalias", 0);
        add_attr(c, body, k + 1, "nocapture", 0);
        add_attr(c, body, k + 1, "align", hloc_type_bytes(s->type));
    }
    add_attr(c, body, n_bufs + 1, "noalias", 0);
    add_attr(c, body, n_bufs + 1, "align", 64);
    c->fn = body;
    LLVMPositionBuilderAtEnd(c->b, cg_block(c, "entry"));
    c->scratch = LLVMGetParam(body, n_bufs);
    c->body_opts = LLVMGetParam(body, n_bufs + 1);
    c->n_bufs = n_bufs;
    for (unsigned k = 0; k < n_bufs; k++) cg_note_origin(c, LLVMGetParam(body, k), (int32_t)k, 0);

    cg_value **params = HLOC_ARENA_ARRAY(c->arena, cg_value *, entry->n_params + 1);
    if (!params) return hloc_status_oom();
    for (uint32_t k = 0; k < entry->n_params; k++)
        params[k] = cg_buffer_value(c, LLVMGetParam(body, k), &entry->params[k]->shape);
    unsigned next = entry->n_params;
    cg_value *dst = result_tree(c, &entry->root->shape, body, &next);
    if (!dst) return hloc_status_oom();
    HLOC_RETURN_IF_ERROR(make_plan(c, dst));
    c->n_entry_params = entry->n_params;
    HLOC_RETURN_IF_ERROR(plan_aliases(c, m, body));
    cg_emit_computation_into(c, entry, params, dst);
    if (c->err) return c->err;
    LLVMBuildRetVoid(c->b);
    place_stand_ins(c);
    LLVMValueRef wrapper = emit_wrapper(c, body, n_bufs, name);
    emit_metadata(c, entry, leaves, n_res, wrapper, name);
    return c->err;
}

hloc_status *hloc_codegen_emit(const hloc_module *m, LLVMContextRef ctx,
                               const hloc_codegen_options *o, LLVMModuleRef *out) {
    *out = NULL;
    cg c;
    memset(&c, 0, sizeof c);
    init_types(&c, ctx);
    c.m = m;
    c.opts = o;
    c.arena = hloc_arena_create();
    if (!c.arena) return hloc_status_oom();
    c.scalar_fns = HLOC_ARENA_ARRAY(c.arena, LLVMValueRef, m->next_comp_id + 1);
    const char *name = o->name ? o->name : m->name;
    c.mod = LLVMModuleCreateWithNameInContext(m->name, ctx);
    c.b = LLVMCreateBuilderInContext(ctx);
    hloc_status *st = c.scalar_fns ? emit_module(&c, m, name) : hloc_status_oom();
    if (!st && o->arena) *o->arena = (hloc_codegen_arena){c.plan_bytes, c.scratch_bytes - c.plan_bytes,
                                                          c.scratch_bytes};
    hloc_buffer_plan_destroy(c.plan);
    LLVMDisposeBuilder(c.b);
    hloc_arena_destroy(c.arena);
    if (st) {
        LLVMDisposeModule(c.mod);
        return st;
    }
    *out = c.mod;
    return NULL;
}

/* The plan's value tree for |s| without pointers: enough for cg_scope_choices. */
static cg_value *shape_tree(cg *c, const hloc_shape *s) {
    cg_value *v = HLOC_ARENA_NEW(c->arena, cg_value);
    if (!v) return NULL;
    if (s->type != HLOC_TYPE_TUPLE) {
        v->kind = CGV_BUFFER;
        v->shape = s;
        return v;
    }
    v->kind = CGV_TUPLE;
    v->n_elems = s->n_elems;
    v->elems = s->n_elems ? HLOC_ARENA_ARRAY(c->arena, cg_value, s->n_elems) : NULL;
    if (s->n_elems && !v->elems) return NULL;
    for (uint32_t k = 0; k < s->n_elems; k++) {
        cg_value *e = shape_tree(c, &s->elems[k]);
        if (!e) return NULL;
        v->elems[k] = *e;
    }
    return v;
}

hloc_status *hloc_codegen_plan_buffers(const hloc_module *m, const hloc_codegen_options *o,
                                       hloc_buffer_plan **out) {
    *out = NULL;
    if (!m->entry || !m->entry->root)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "module '%s' has no entry computation", m->name);
    cg c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.opts = o;
    c.arena = hloc_arena_create();
    if (!c.arena) return hloc_status_oom();
    cg_value *dst = shape_tree(&c, &m->entry->root->shape);
    hloc_status *st = dst ? make_plan(&c, dst) : hloc_status_oom();
    hloc_arena_destroy(c.arena);
    if (!st) *out = c.plan;
    return st;
}
