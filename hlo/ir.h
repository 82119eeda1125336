/* The HLO IR: opcodes, instructions, computations, modules.
 * A module owns one arena; every instruction, computation, name, shape and literal lives in it and
 * is freed with the module. Instructions have dense ids (module-wide, stable), operand and user
 * lists, and sit in their computation's `instrs` array in a valid (topological) order. Passes append
 * new instructions and mark old ones `dead`; hloc_computation_cleanup() drops the dead and restores
 * the order. */
#ifndef HLOC_HLO_IR_H
#define HLOC_HLO_IR_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "attrs.h"
#include "diag.h"
#include "shape.h"

typedef enum hloc_opcode {
#define OP(e, name, arity, flags) HLOC_OP_##e,
#include "opcodes.def"
#undef OP
    HLOC_OP_COUNT
} hloc_opcode;

enum {
    OPF_EW = 1 << 0,    /* elementwise */
    OPF_COMM = 1 << 1,  /* commutative */
    OPF_CALLS = 1 << 2, /* calls computations */
    OPF_SIDE = 1 << 3,  /* side effects: never removed */
    OPF_COLL = 1 << 4,  /* needs several devices */
    OPF_TRANS = 1 << 5, /* transcendental: expensive per element */
};

const char *hloc_opcode_name(hloc_opcode op);
bool hloc_opcode_from_name(const char *s, size_t n, hloc_opcode *out);
int hloc_opcode_arity(hloc_opcode op); /* -1 = variadic */
unsigned hloc_opcode_flags(hloc_opcode op);

typedef struct hloc_instr hloc_instr;
typedef struct hloc_computation hloc_computation;
typedef struct hloc_module hloc_module;

struct hloc_instr {
    uint32_t id;                 /* dense within the module */
    hloc_opcode op;
    hloc_shape shape;
    hloc_instr **operands;
    uint32_t n_operands;
    hloc_instr **users;          /* each user once, even if it uses this several times */
    uint32_t n_users, cap_users;
    hloc_computation **called;   /* called computations in XLA's attribute order: while
                                  * {condition, body}; conditional {true, false} or branches;
                                  * select-and-scatter {select, scatter}; fusion {calls};
                                  * reduce/map/sort/scatter/... {to_apply}; custom-call
                                  * called_computations or to_apply; async-start {calls} */
    uint32_t n_called;
    hloc_instr **control_preds;  /* control-predecessors={...} */
    uint32_t n_control_preds;
    hloc_computation *parent;
    const char *name;            /* without '%' */
    hloc_loc loc;
    hloc_attrs *attrs;           /* never NULL */
    unsigned dead : 1;
};

struct hloc_computation {
    uint32_t id;
    const char *name;
    hloc_loc loc;
    hloc_module *parent;
    hloc_instr **instrs;         /* valid order: operands before users */
    uint32_t n_instrs, cap_instrs;
    hloc_instr **params;         /* by parameter number; n_params = count */
    uint32_t n_params;
    hloc_instr *root;
    const char *execution_thread; /* `, execution_thread="..."` after the body; NULL = main */
    bool is_entry;
    bool has_signature;          /* `name (p: f32[2]) -> f32[2] {` was written */
};

typedef struct hloc_file_location {
    int64_t file_name_id, function_name_id, line, end_line, column, end_column;
} hloc_file_location;

typedef struct hloc_stack_frame {
    int64_t file_location_id, parent_frame_id;
} hloc_stack_frame;

/* One entry of input_output_alias={ {1}: (0, {}, may-alias) }: the result leaf at output_index
 * may share its buffer with parameter param_number (at param_index inside a tuple parameter).
 * must_alias: the caller promises to pass the same buffer; may-alias (the default): it may. */
typedef struct hloc_io_alias {
    hloc_i64_list output_index, param_index;
    int64_t param_number;
    bool must_alias;
} hloc_io_alias;

struct hloc_module {
    hloc_arena *arena;
    const char *name;
    const char *file;            /* for diagnostics; may be NULL */
    hloc_computation **comps;    /* in definition order: callees come before their callers */
    uint32_t n_comps, cap_comps;
    hloc_computation *entry;
    uint32_t next_instr_id, next_comp_id;

    /* HloModule header attributes. */
    int is_scheduled;            /* -1 absent, 0 false, 1 true */
    bool has_entry_layout;       /* entry_computation_layout={(params)->result} */
    hloc_shape *entry_param_shapes;
    uint32_t n_entry_params;
    hloc_shape entry_result_shape;
    const char *input_output_alias; /* raw text of the {...} value, NULL = absent */
    hloc_io_alias *io_aliases;   /* the same, parsed */
    uint32_t n_io_aliases;
    const char *buffer_donor;
    const char *frontend_attributes;
    int64_t replica_count, num_partitions; /* -1 absent */
    hloc_raw_attr *extra;        /* other header attributes, raw, in order */
    uint32_t n_extra;

    /* Stack-frame tables (FileNames, FunctionNames, FileLocations, StackFrames); 1-based ids in
     * the text map to index id-1 here. */
    const char **file_names;
    uint32_t n_file_names;
    const char **function_names;
    uint32_t n_function_names;
    hloc_file_location *file_locations;
    uint32_t n_file_locations;
    hloc_stack_frame *stack_frames;
    uint32_t n_stack_frames;
};

/* Creation. All return NULL on out-of-memory. */
hloc_module *hloc_module_create(const char *name);
hloc_computation *hloc_computation_create(hloc_module *m, const char *name);
/* Appends a new instruction to |c|; the shape is deep-copied, operands' user lists updated, attrs
 * set to defaults (hloc_attrs_init). The name is copied; NULL gives "<opcode>.<id>". */
hloc_instr *hloc_instr_create(hloc_computation *c, hloc_opcode op, const hloc_shape *shape,
                              hloc_instr *const *operands, uint32_t n_operands, const char *name);
bool hloc_instr_add_operand(hloc_instr *i, hloc_instr *operand);
bool hloc_instr_add_called(hloc_instr *i, hloc_computation *callee);
void hloc_instr_set_operand(hloc_instr *i, uint32_t k, hloc_instr *operand);
/* Makes every user of |old| (and the root, if it is |old|) use |with| instead. */
void hloc_instr_replace_uses(hloc_instr *old, hloc_instr *with);
/* Marks |i| dead and removes it from its operands' user lists. It must have no users. */
void hloc_instr_kill(hloc_instr *i);
/* Records |p| as parameter number |i->attrs->index| of its computation. */
bool hloc_computation_set_param(hloc_computation *c, hloc_instr *p);
/* Drops dead instructions and reorders the rest topologically (stable: keeps the existing order
 * where it is valid). Returns false if there is a cycle. */
bool hloc_computation_cleanup(hloc_computation *c);
hloc_computation *hloc_module_find_computation(const hloc_module *m, const char *name);
hloc_instr *hloc_computation_find_instr(const hloc_computation *c, const char *name);
/* Number of instructions ever created: an upper bound for ids (sizes side tables). */
static inline uint32_t hloc_module_id_bound(const hloc_module *m) { return m->next_instr_id; }

#endif
