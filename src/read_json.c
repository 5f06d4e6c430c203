/* JSON text to values, accepting exactly what Go's encoding/json accepts and
 * failing with its SyntaxError texts. Iterative, so deep nesting costs heap,
 * not stack. SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef struct jframe {
    jv *node;
    jv **items;          /* arrays */
    jv_member *members;  /* objects */
    size_t n, cap;
} jframe;

typedef struct jparser {
    kap_arena *a;
    const unsigned char *p, *end;
    unsigned int line, col;
    kap_fail *fail;
    const kap_limits *lim;
    kap_arena *strs; /* unescaped strings */
} jparser;

static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void advance(jparser *j, size_t n)
{
    while (n--) {
        unsigned char c = *j->p++;
        if (c == '\n') {
            j->line++;
            j->col = 1;
        } else if ((c & 0xC0) != 0x80) {
            j->col++;
        }
    }
}

static void skip_ws(jparser *j)
{
    while (j->p < j->end && is_ws(*j->p))
        advance(j, 1);
}

static int syntax(jparser *j, const char *context)
{
    j->fail->status = KAP_EINVALID;
    j->fail->line = j->line;
    j->fail->col = j->col;
    if (j->p >= j->end) {
        buf_adds(&j->fail->msg, "unexpected end of JSON input");
    } else {
        buf_adds(&j->fail->msg, "invalid character ");
        go_quote_char(&j->fail->msg, *j->p);
        buf_addc(&j->fail->msg, ' ');
        buf_adds(&j->fail->msg, context);
    }
    if (j->fail->msg.oom)
        j->fail->status = KAP_ENOMEM;
    return j->fail->status;
}

static int nomem(jparser *j)
{
    j->fail->status = KAP_ENOMEM;
    return KAP_ENOMEM;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Appends rune r as UTF-8 to a fixed buffer. */
static size_t put_rune(char *o, int32_t r)
{
    if (r < 0x80) {
        o[0] = (char)r;
        return 1;
    }
    if (r < 0x800) {
        o[0] = (char)(0xC0 | (r >> 6));
        o[1] = (char)(0x80 | (r & 0x3F));
        return 2;
    }
    if (r < 0x10000) {
        o[0] = (char)(0xE0 | (r >> 12));
        o[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        o[2] = (char)(0x80 | (r & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (r >> 18));
    o[1] = (char)(0x80 | ((r >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((r >> 6) & 0x3F));
    o[3] = (char)(0x80 | (r & 0x3F));
    return 4;
}

/* Length of a valid UTF-8 sequence at s, or 0. */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t need;
    uint32_t r, min;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1, r = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, r = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, r = c & 0x07, min = 0x10000;
    else
        return 0;
    if (need >= n)
        return 0;
    for (size_t i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        r = (r << 6) | (s[i] & 0x3F);
    }
    if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        return 0;
    return need + 1;
}

static int read_hex4(const unsigned char *p, int32_t *out)
{
    int32_t r = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return 0;
        r = r * 16 + h;
    }
    *out = r;
    return 1;
}

/* Scans a string starting at the opening quote. */
static int scan_string(jparser *j, const char **out, size_t *outlen)
{
    advance(j, 1); /* " */
    const unsigned char *start = j->p;
    int simple = 1;
    for (;;) {
        if (j->p >= j->end)
            return syntax(j, "in string literal");
        unsigned char c = *j->p;
        if (c == '"')
            break;
        if (c < 0x20)
            return syntax(j, "in string literal");
        if (c == '\\') {
            simple = 0;
            advance(j, 1);
            if (j->p >= j->end)
                return syntax(j, "in string escape code");
            c = *j->p;
            if (c == 'u') {
                advance(j, 1);
                for (int i = 0; i < 4; i++) {
                    if (j->p >= j->end || hexval(*j->p) < 0)
                        return syntax(j, "in \\u hexadecimal character escape");
                    advance(j, 1);
                }
                continue;
            }
            if (!strchr("bfnrt\\/\"", c) || c == 0)
                return syntax(j, "in string escape code");
            advance(j, 1);
            continue;
        }
        if (c >= 0x80)
            simple = 0;
        advance(j, 1);
    }
    size_t rawlen = (size_t)(j->p - start);
    advance(j, 1); /* closing quote */
    if (j->lim && rawlen > j->lim->max_string_length) {
        j->fail->status = KAP_ELIMIT;
        j->fail->line = j->line;
        j->fail->col = j->col;
        buf_printf(&j->fail->msg, "string of %zu bytes exceeds the limit of %zu bytes (max_string_length)",
                   rawlen, j->lim->max_string_length);
        return KAP_ELIMIT;
    }
    if (simple) {
        *out = (const char *)start;
        *outlen = rawlen;
        return KAP_OK;
    }
    /* Unescape; the result is never longer than 3x... bound: each byte can
     * become U+FFFD (3 bytes). */
    char *o = arena_alloc_raw(j->strs, rawlen * 3 + 1);
    if (!o)
        return nomem(j);
    size_t k = 0, i = 0;
    while (i < rawlen) {
        unsigned char c = start[i];
        if (c == '\\') {
            unsigned char e = start[i + 1];
            i += 2;
            switch (e) {
            case 'b': o[k++] = '\b'; break;
            case 'f': o[k++] = '\f'; break;
            case 'n': o[k++] = '\n'; break;
            case 'r': o[k++] = '\r'; break;
            case 't': o[k++] = '\t'; break;
            case 'u': {
                int32_t r = 0;
                read_hex4(start + i, &r);
                i += 4;
                if (r >= 0xD800 && r < 0xDC00) {
                    int32_t r2;
                    if (i + 6 <= rawlen && start[i] == '\\' && start[i + 1] == 'u' &&
                        read_hex4(start + i + 2, &r2) && r2 >= 0xDC00 && r2 < 0xE000) {
                        r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
                        i += 6;
                    } else {
                        r = 0xFFFD;
                    }
                } else if (r >= 0xDC00 && r < 0xE000) {
                    r = 0xFFFD;
                }
                k += put_rune(o + k, r);
                break;
            }
            default: o[k++] = (char)e; break;
            }
            continue;
        }
        if (c < 0x80) {
            o[k++] = (char)c;
            i++;
            continue;
        }
        size_t L = utf8_valid_len(start + i, rawlen - i);
        if (L == 0) {
            k += put_rune(o + k, 0xFFFD);
            i++;
        } else {
            memcpy(o + k, start + i, L);
            k += L;
            i += L;
        }
    }
    o[k] = 0;
    *out = o;
    *outlen = k;
    return KAP_OK;
}

static int scan_number(jparser *j)
{
    if (*j->p == '-') {
        advance(j, 1);
        if (j->p >= j->end || !(*j->p >= '0' && *j->p <= '9'))
            return syntax(j, "in numeric literal");
    }
    if (*j->p == '0') {
        advance(j, 1);
    } else {
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            advance(j, 1);
    }
    if (j->p < j->end && *j->p == '.') {
        advance(j, 1);
        if (j->p >= j->end || !(*j->p >= '0' && *j->p <= '9'))
            return syntax(j, "after decimal point in numeric literal");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            advance(j, 1);
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        advance(j, 1);
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            advance(j, 1);
        if (j->p >= j->end || !(*j->p >= '0' && *j->p <= '9'))
            return syntax(j, "in exponent of numeric literal");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            advance(j, 1);
    }
    return KAP_OK;
}

static int scan_literal(jparser *j, const char *word)
{
    /* the first letter is already known to match */
    advance(j, 1);
    for (size_t i = 1; word[i]; i++) {
        if (j->p >= j->end || *j->p != (unsigned char)word[i]) {
            char ctx[64];
            snprintf(ctx, sizeof ctx, "in literal %s (expecting '%c')", word, word[i]);
            return syntax(j, ctx);
        }
        advance(j, 1);
    }
    return KAP_OK;
}

static int frame_push_item(jparser *j, jframe *f, jv *v)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 4;
        jv **items = kap_realloc(f->items, cap * sizeof *items); // NOLINT(bugprone-sizeof-expression): the elements are pointers
        if (!items)
            return nomem(j);
        f->items = items;
        f->cap = cap;
    }
    f->items[f->n++] = v;
    return KAP_OK;
}

static int frame_push_member(jparser *j, jframe *f, const char *k, size_t kl, unsigned line,
                             unsigned col)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 4;
        jv_member *m = kap_realloc(f->members, cap * sizeof *m);
        if (!m)
            return nomem(j);
        f->members = m;
        f->cap = cap;
    }
    jv_member *m = &f->members[f->n++];
    m->key = k;
    m->klen = kl;
    m->line = line;
    m->col = col;
    m->val = NULL;
    return KAP_OK;
}

/* Moves a finished frame's children into the arena. */
static int frame_close(jparser *j, jframe *f)
{
    jv *v = f->node;
    v->n = f->n;
    if (v->kind == JV_ARRAY && f->n) {
        v->items = arena_alloc(j->a, f->n * sizeof *v->items); // NOLINT(bugprone-sizeof-expression): the elements are pointers
        if (!v->items)
            return nomem(j);
        memcpy(v->items, f->items, f->n * sizeof *v->items); // NOLINT(bugprone-sizeof-expression): the elements are pointers
    } else if (v->kind == JV_OBJECT && f->n) {
        v->members = arena_alloc(j->a, f->n * sizeof *v->members);
        if (!v->members)
            return nomem(j);
        memcpy(v->members, f->members, f->n * sizeof *v->members);
    }
    kap_free(f->items);
    kap_free(f->members);
    f->items = NULL;
    f->members = NULL;
    return KAP_OK;
}

int json_to_jv_split(kap_arena *a, kap_arena *strs, const char *data, size_t len, const kap_limits *lim,
                     jv **out, kap_fail *fail)
{
    jparser j = {a, (const unsigned char *)data, (const unsigned char *)data + len, 1, 1, fail, lim, strs};
    jframe *stack = NULL;
    size_t depth = 0, stack_cap = 0;
    size_t max_depth = lim && lim->max_depth ? lim->max_depth : KAP_DEFAULT_MAX_DEPTH;
    int rc = KAP_OK;
    jv *root = NULL;
    *out = NULL;

    skip_ws(&j);
    for (;;) {
        /* expecting a value */
        jv *v = NULL;
        if (j.p >= j.end) {
            rc = syntax(&j, "");
            goto done;
        }
        unsigned char c = *j.p;
        v = arena_alloc(a, sizeof *v);
        if (!v) {
            rc = nomem(&j);
            goto done;
        }
        v->line = j.line;
        v->col = j.col;
        if (c == '{' || c == '[') {
            if (depth + 1 > max_depth) {
                rc = syntax(&j, "");
                buf_free(&fail->msg);
                buf_adds(&fail->msg, "exceeded max depth");
                if (fail->msg.oom)
                    rc = fail->status = KAP_ENOMEM;
                goto done;
            }
            if (depth == stack_cap) {
                size_t cap = stack_cap ? stack_cap * 2 : 16;
                jframe *s = kap_realloc(stack, cap * sizeof *s);
                if (!s) {
                    rc = nomem(&j);
                    goto done;
                }
                stack = s;
                stack_cap = cap;
            }
            v->kind = c == '{' ? JV_OBJECT : JV_ARRAY;
            jframe *f = &stack[depth++];
            memset(f, 0, sizeof *f);
            f->node = v;
            advance(&j, 1);
            skip_ws(&j);
            if (c == '{') {
                if (j.p < j.end && *j.p == '}') {
                    advance(&j, 1);
                    depth--;
                    goto value_done;
                }
                if (j.p >= j.end || *j.p != '"') {
                    rc = syntax(&j, "looking for beginning of object key string");
                    goto done;
                }
                goto read_key;
            } else {
                if (j.p < j.end && *j.p == ']') {
                    advance(&j, 1);
                    depth--;
                    goto value_done;
                }
                /* the element value, pushed when complete */
                continue;
            }
        } else if (c == '"') {
            v->kind = JV_STRING;
            if ((rc = scan_string(&j, &v->s, &v->len)) != KAP_OK)
                goto done;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            const unsigned char *s = j.p;
            v->kind = JV_NUMBER;
            if ((rc = scan_number(&j)) != KAP_OK)
                goto done;
            v->s = (const char *)s;
            v->len = (size_t)(j.p - s);
        } else if (c == 't' || c == 'f' || c == 'n') {
            const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
            if ((rc = scan_literal(&j, word)) != KAP_OK)
                goto done;
            v->kind = c == 'n' ? JV_NULL : JV_BOOL;
            v->b = c == 't';
        } else {
            rc = syntax(&j, "looking for beginning of value");
            goto done;
        }

    value_done:
        /* attach v to its parent, then look for what follows */
        for (;;) {
            if (depth == 0) {
                root = v;
                skip_ws(&j);
                if (j.p < j.end) {
                    rc = syntax(&j, "after top-level value");
                    goto done;
                }
                *out = root;
                rc = KAP_OK;
                goto done;
            }
            jframe *f = &stack[depth - 1];
            if (f->node->kind == JV_ARRAY) {
                if (v != f->node && (rc = frame_push_item(&j, f, v)) != KAP_OK)
                    goto done;
                skip_ws(&j);
                if (j.p < j.end && *j.p == ',') {
                    advance(&j, 1);
                    skip_ws(&j);
                    goto next_value;
                }
                if (j.p < j.end && *j.p == ']') {
                    advance(&j, 1);
                    if ((rc = frame_close(&j, f)) != KAP_OK)
                        goto done;
                    v = f->node;
                    depth--;
                    continue;
                }
                rc = syntax(&j, "after array element");
                goto done;
            } else {
                if (v != f->node)
                    f->members[f->n - 1].val = v;
                skip_ws(&j);
                if (j.p < j.end && *j.p == ',') {
                    advance(&j, 1);
                    skip_ws(&j);
                    if (j.p >= j.end || *j.p != '"') {
                        rc = syntax(&j, "looking for beginning of object key string");
                        goto done;
                    }
                    goto read_key;
                }
                if (j.p < j.end && *j.p == '}') {
                    advance(&j, 1);
                    if ((rc = frame_close(&j, f)) != KAP_OK)
                        goto done;
                    v = f->node;
                    depth--;
                    continue;
                }
                rc = syntax(&j, "after object key:value pair");
                goto done;
            }
        }

    read_key: {
        jframe *f = &stack[depth - 1];
        unsigned kl = j.line, kc = j.col;
        const char *k = NULL; /* scan_string sets both unless it fails */
        size_t klen = 0;
        if ((rc = scan_string(&j, &k, &klen)) != KAP_OK)
            goto done;
        if ((rc = frame_push_member(&j, f, k, klen, kl, kc)) != KAP_OK)
            goto done;
        skip_ws(&j);
        if (j.p >= j.end || *j.p != ':') {
            rc = syntax(&j, "after object key");
            goto done;
        }
        advance(&j, 1);
        skip_ws(&j);
    }
    next_value:;
    }

done:
    while (depth > 0) {
        depth--;
        kap_free(stack[depth].items);
        kap_free(stack[depth].members);
    }
    kap_free(stack);
    return rc;
}

int json_to_jv(kap_arena *a, const char *data, size_t len, const kap_limits *lim, jv **out,
               kap_fail *fail)
{
    return json_to_jv_split(a, a, data, len, lim, out, fail);
}
