/* JSON reader: recursive descent over the text in memory, values in an arena. */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    hloc_arena *arena;
    const char *name;
    const char *start, *s, *end;
    unsigned depth;
} parser;

static hloc_status *fail(const parser *p, const char *what) {
    int line = 1, col = 1;
    for (const char *c = p->start; c < p->s; c++) {
        if (*c == '\n') line++, col = 1;
        else col++;
    }
    return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s:%d:%d: error: %s", p->name, line, col,
                           what);
}

static void skip_ws(parser *p) {
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
        p->s++;
}

static bool literal(parser *p, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(p->end - p->s) < n || memcmp(p->s, word, n)) return false;
    p->s += n;
    return true;
}

static int hex4(const char *s) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t put_utf8(char *o, unsigned cp) {
    if (cp < 0x80) return o[0] = (char)cp, 1;
    if (cp < 0x800) return o[0] = (char)(0xc0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3f)), 2;
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* At the opening quote. Escapes never lengthen the text, so the raw length bounds the output. */
static hloc_status *parse_string(parser *p, const char **out) {
    p->s++;
    const char *q = p->s;
    while (q < p->end && *q != '"') q += *q == '\\' && q + 1 < p->end ? 2 : 1;
    if (q >= p->end) return fail(p, "unterminated string");
    char *buf = hloc_arena_alloc(p->arena, (size_t)(q - p->s) + 1);
    if (!buf) return hloc_status_oom();
    size_t n = 0;
    while (*p->s != '"') {
        unsigned char c = (unsigned char)*p->s;
        if (c < 0x20) return fail(p, "control character in string");
        if (c != '\\') {
            buf[n++] = (char)c;
            p->s++;
            continue;
        }
        char e = p->s[1];
        p->s += 2;
        switch (e) {
        case '"': buf[n++] = '"'; break;
        case '\\': buf[n++] = '\\'; break;
        case '/': buf[n++] = '/'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'n': buf[n++] = '\n'; break;
        case 'r': buf[n++] = '\r'; break;
        case 't': buf[n++] = '\t'; break;
        case 'u': {
            int cp = q - p->s >= 4 ? hex4(p->s) : -1;
            if (cp < 0) return fail(p, "bad \\u escape");
            p->s += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && q - p->s >= 6 && p->s[0] == '\\' &&
                p->s[1] == 'u') {
                int lo = hex4(p->s + 2);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    p->s += 6;
                }
            }
            if (cp == 0) return fail(p, "NUL character in string");
            if (cp >= 0xd800 && cp < 0xe000) return fail(p, "unpaired surrogate in \\u escape");
            n += put_utf8(buf + n, (unsigned)cp);
            break;
        }
        default: p->s -= 2; return fail(p, "bad escape in string");
        }
    }
    p->s++;
    buf[n] = 0;
    *out = buf;
    return NULL;
}

static hloc_status *parse_number(parser *p, double *out) {
    const char *s = p->s;
    if (s < p->end && *s == '-') s++;
    if (s >= p->end || *s < '0' || *s > '9') return fail(p, "expected a value");
    if (*s == '0') s++;
    else while (s < p->end && *s >= '0' && *s <= '9') s++;
    if (s < p->end && *s == '.') {
        s++;
        if (s >= p->end || *s < '0' || *s > '9') return fail(p, "expected digits after '.'");
        while (s < p->end && *s >= '0' && *s <= '9') s++;
    }
    if (s < p->end && (*s == 'e' || *s == 'E')) {
        s++;
        if (s < p->end && (*s == '+' || *s == '-')) s++;
        if (s >= p->end || *s < '0' || *s > '9') return fail(p, "expected digits in exponent");
        while (s < p->end && *s >= '0' && *s <= '9') s++;
    }
    /* strtod needs a terminated string; numbers are short. */
    char buf[64];
    size_t n = (size_t)(s - p->s);
    if (n >= sizeof buf) return fail(p, "number too long");
    memcpy(buf, p->s, n);
    buf[n] = 0;
    *out = strtod(buf, NULL);
    p->s = s;
    return NULL;
}

static hloc_status *parse_value(parser *p, conf_json *v);

static hloc_status *parse_container(parser *p, conf_json *v, bool object) {
    char close = object ? '}' : ']';
    p->s++;
    uint32_t cap = 0, kcap = 0;
    skip_ws(p);
    if (p->s < p->end && *p->s == close) {
        p->s++;
        return NULL;
    }
    for (;;) {
        if (!hloc_arena_grow(p->arena, (void **)&v->items, &cap, v->n + 1, sizeof(conf_json)))
            return hloc_status_oom();
        skip_ws(p);
        if (object) {
            if (!hloc_arena_grow(p->arena, (void **)&v->keys, &kcap, v->n + 1, sizeof(char *)))
                return hloc_status_oom();
            if (p->s >= p->end || *p->s != '"') return fail(p, "expected a string key");
            HLOC_RETURN_IF_ERROR(parse_string(p, &v->keys[v->n]));
            skip_ws(p);
            if (p->s >= p->end || *p->s != ':') return fail(p, "expected ':' after the key");
            p->s++;
        }
        HLOC_RETURN_IF_ERROR(parse_value(p, &v->items[v->n]));
        v->n++;
        skip_ws(p);
        if (p->s < p->end && *p->s == ',') {
            p->s++;
            continue;
        }
        if (p->s < p->end && *p->s == close) {
            p->s++;
            return NULL;
        }
        return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static hloc_status *parse_value(parser *p, conf_json *v) {
    memset(v, 0, sizeof *v);
    skip_ws(p);
    if (p->s >= p->end) return fail(p, "expected a value, found the end of the text");
    switch (*p->s) {
    case '{':
    case '[': {
        if (++p->depth > 64) return fail(p, "nesting too deep");
        v->kind = *p->s == '{' ? CONF_JSON_OBJECT : CONF_JSON_ARRAY;
        hloc_status *st = parse_container(p, v, v->kind == CONF_JSON_OBJECT);
        p->depth--;
        return st;
    }
    case '"': v->kind = CONF_JSON_STRING; return parse_string(p, &v->string);
    case 't':
    case 'f':
    case 'n':
        if (literal(p, "true")) v->kind = CONF_JSON_BOOL, v->boolean = true;
        else if (literal(p, "false")) v->kind = CONF_JSON_BOOL;
        else if (literal(p, "null")) v->kind = CONF_JSON_NULL;
        else return fail(p, "expected a value");
        return NULL;
    default: v->kind = CONF_JSON_NUMBER; return parse_number(p, &v->number);
    }
}

hloc_status *conf_json_parse(hloc_arena *arena, const char *text, size_t len, const char *name,
                             conf_json **out) {
    *out = NULL;
    parser p = {arena, name ? name : "<json>", text, text, text + len, 0};
    conf_json *v = HLOC_ARENA_NEW(arena, conf_json);
    if (!v) return hloc_status_oom();
    HLOC_RETURN_IF_ERROR(parse_value(&p, v));
    skip_ws(&p);
    if (p.s != p.end) return fail(&p, "text after the value");
    *out = v;
    return NULL;
}

const conf_json *conf_json_get(const conf_json *obj, const char *key) {
    if (!obj || obj->kind != CONF_JSON_OBJECT) return NULL;
    for (uint32_t i = 0; i < obj->n; i++)
        if (!strcmp(obj->keys[i], key)) return &obj->items[i];
    return NULL;
}
