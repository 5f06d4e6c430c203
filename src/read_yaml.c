/* YAML to JSON-shaped values, as kube-apiserver's sigs.k8s.io/yaml (go-yaml
 * v2 underneath) does it: libyaml parses, then this file composes the first
 * document, resolves plain scalars with YAML 1.1 rules, expands aliases and
 * merge keys under go-yaml's aliasing budget, reports duplicate keys as the
 * strict pass does, and turns keys into strings.
 * SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "internal.h"

#define GO_MAX_DEPTH 10000

enum { YN_SCALAR, YN_SEQ, YN_MAP, YN_ALIAS };

typedef struct ynode {
    uint8_t kind;
    uint8_t implicit; /* plain scalar with no tag */
    uint8_t expanding; /* alias nodes: being expanded right now */
    const char *tag;
    const char *value; /* scalar text or alias anchor name */
    size_t len;
    struct ynode **kids;
    size_t n;
    struct ynode *target;
    unsigned int line, col;
} ynode;

/* ---- anchors: name -> node (the latest definition) --------------------- */

typedef struct anchors {
    const char **names;
    ynode **nodes;
    size_t cap, n;
} anchors;

static size_t anchor_slot(const anchors *t, const char *name)
{
    size_t h = (size_t)str_hash(name, strlen(name));
    size_t i = h & (t->cap - 1);
    while (t->names[i] && strcmp(t->names[i], name) != 0)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static int anchor_put(anchors *t, const char *name, ynode *node)
{
    if ((t->n + 1) * 2 > t->cap) {
        anchors bigger = {0};
        bigger.cap = t->cap ? t->cap * 2 : 16;
        bigger.names = kap_calloc(bigger.cap, sizeof *bigger.names);
        bigger.nodes = kap_calloc(bigger.cap, sizeof *bigger.nodes); // NOLINT(bugprone-sizeof-expression): the elements are pointers
        if (!bigger.names || !bigger.nodes) {
            kap_free(bigger.names);
            kap_free(bigger.nodes);
            return 0;
        }
        for (size_t i = 0; i < t->cap; i++) {
            if (t->names[i]) {
                size_t j = anchor_slot(&bigger, t->names[i]);
                bigger.names[j] = t->names[i];
                bigger.nodes[j] = t->nodes[i];
                bigger.n++;
            }
        }
        kap_free(t->names);
        kap_free(t->nodes);
        *t = bigger;
    }
    size_t i = anchor_slot(t, name);
    if (!t->names[i])
        t->n++;
    t->names[i] = name;
    t->nodes[i] = node;
    return 1;
}

static ynode *anchor_get(const anchors *t, const char *name)
{
    if (!t->cap)
        return NULL;
    size_t i = anchor_slot(t, name);
    return t->names[i] ? t->nodes[i] : NULL;
}

/* ---- composing the first document ---------------------------------------- */

typedef struct yframe {
    ynode *node;
    ynode **kids;
    size_t n, cap;
    int flow;
} yframe;

static int fail_msg(kap_fail *f, int status, unsigned line, unsigned col, const char *msg)
{
    f->status = status;
    f->line = line;
    f->col = col;
    buf_adds(&f->msg, msg);
    return status;
}

static int fail_nomem(kap_fail *f) { return fail_msg(f, KAP_ENOMEM, 0, 0, "out of memory"); }

/* The byte offset of a libyaml mark's character index (the reader drops a
 * leading byte-order mark before it counts). */
static size_t mark_offset(const char *data, size_t len, size_t index)
{
    size_t i = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    for (size_t c = 0; c < index && i < len; c++)
        for (i++; i < len && ((unsigned char)data[i] & 0xC0) == 0x80; i++) {
        }
    return i;
}

/* A simple key without its ':' (a key in a block mapping that is alone on
 * its line) found at the end of the input on a last line that holds no
 * token (a byte-order mark, blanks, a comment; no final line break).
 * libyaml checks pending keys each time it reaches a token and reports the
 * key there; go-yaml v2.4 checks them lazily, so it reports the key when it
 * meets the end of input, after it has started a new line: one line later.
 * (Where the plain scalar before the end swallowed the blanks itself, both
 * report it where that scalar stopped.) */
static int key_stale_at_end(const yaml_parser_t *p, const char *data, size_t len)
{
    if (p->error != YAML_SCANNER_ERROR || !p->problem || strcmp(p->problem, "could not find expected ':'") != 0 ||
        p->problem_mark.column == 0 || mark_offset(data, len, p->problem_mark.index) != len)
        return 0;
    if (p->tokens.tail > p->tokens.head) {
        const yaml_token_t *last = p->tokens.tail - 1;
        if (last->type == YAML_SCALAR_TOKEN && last->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
            /* the plain scalar scanner goes on over blanks and line breaks */
            size_t i = mark_offset(data, len, last->end_mark.index);
            while (i < len) {
                unsigned char c = (unsigned char)data[i];
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                    i++;
                else if (c == 0xC2 && i + 1 < len && (unsigned char)data[i + 1] == 0x85)
                    i += 2;
                else if (c == 0xE2 && i + 2 < len && (unsigned char)data[i + 1] == 0x80 &&
                         ((unsigned char)data[i + 2] == 0xA8 || (unsigned char)data[i + 2] == 0xA9))
                    i += 3;
                else
                    break;
            }
            if (i == len)
                return 0;
        }
    }
    return 1;
}

/* go-yaml's parser.fail(): which line it names. */
/* A document's %YAML directive: go-yaml v2 accepts 1.1 only, libyaml 0.2.5
 * also 1.2. Returns KAP_OK or KAP_EINVALID with go-yaml's message. */
static int version_directive(const yaml_event_t *ev, kap_fail *fail)
{
    const yaml_version_directive_t *v = ev->data.document_start.version_directive;
    if (!v || v->minor == 1)
        return KAP_OK;
    unsigned line0 = (unsigned)ev->start_mark.line;
    buf_adds(&fail->msg, "yaml: ");
    if (line0)
        buf_printf(&fail->msg, "line %u: ", line0);
    buf_adds(&fail->msg, "found incompatible YAML document");
    fail->status = KAP_EINVALID;
    fail->line = line0 + 1;
    fail->col = (unsigned)ev->start_mark.column + 1;
    return KAP_EINVALID;
}

static int fail_from_parser(kap_fail *f, const yaml_parser_t *p, const char *data, size_t len)
{
    if (p->error == YAML_MEMORY_ERROR)
        return fail_nomem(f);
    int line = 0;
    if (p->error != YAML_READER_ERROR && p->problem_mark.line != 0) {
        line = (int)p->problem_mark.line;
        if (p->error == YAML_SCANNER_ERROR)
            line++;
        if (key_stale_at_end(p, data, len))
            line++;
    } else if (p->error != YAML_READER_ERROR && p->context_mark.line != 0) {
        line = (int)p->context_mark.line;
    }
    f->status = KAP_EINVALID;
    buf_adds(&f->msg, "yaml: ");
    if (line)
        buf_printf(&f->msg, "line %d: ", line);
    buf_adds(&f->msg, p->problem ? p->problem : "unknown problem parsing YAML content");
    if (p->error == YAML_READER_ERROR) {
        f->line = 0;
        f->col = 0;
    } else {
        f->line = (unsigned)p->problem_mark.line + 1;
        f->col = (unsigned)p->problem_mark.column + 1;
    }
    return KAP_EINVALID;
}

static int compose(kap_arena *a, kap_arena *strs, const char *data, size_t len, const kap_limits *lim,
                   ynode **root, kap_fail *fail)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    anchors anc = {0};
    yframe *stack = NULL;
    size_t depth = 0, cap = 0, flow_depth = 0, block_depth = 0;
    size_t max_depth = lim->max_depth && lim->max_depth < GO_MAX_DEPTH ? lim->max_depth : GO_MAX_DEPTH;
    int rc = KAP_OK, started = 0, done = 0;
    *root = NULL;

    if (!yaml_parser_initialize(&parser))
        return fail_nomem(fail);
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);

    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = fail_from_parser(fail, &parser, data, len);
            break;
        }
        ynode *node = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (started) {
                done = 1;
                break;
            }
            started = 1;
            rc = version_directive(&ev, fail);
            break;
        case YAML_ALIAS_EVENT: {
            const char *name = (const char *)ev.data.alias.anchor;
            ynode *t = anchor_get(&anc, name);
            if (!t) {
                buf_printf(&fail->msg, "yaml: unknown anchor '%s' referenced", name);
                fail->status = rc = KAP_EINVALID;
                fail->line = (unsigned)ev.start_mark.line + 1;
                fail->col = (unsigned)ev.start_mark.column + 1;
                break;
            }
            node = arena_alloc(a, sizeof *node);
            if (!node || !(node->value = arena_strndup(a, name, strlen(name)))) {
                rc = fail_nomem(fail);
                break;
            }
            node->kind = YN_ALIAS;
            node->len = strlen(name);
            node->target = t;
            break;
        }
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            node = arena_alloc(a, sizeof *node);
            if (!node) {
                rc = fail_nomem(fail);
                break;
            }
            const yaml_char_t *tag, *anchor;
            if (ev.type == YAML_SCALAR_EVENT) {
                node->kind = YN_SCALAR;
                tag = ev.data.scalar.tag;
                anchor = ev.data.scalar.anchor;
                node->implicit = (uint8_t)ev.data.scalar.plain_implicit;
                if (ev.data.scalar.length > lim->max_string_length) {
                    fail->status = rc = KAP_ELIMIT;
                    fail->line = (unsigned)ev.start_mark.line + 1;
                    fail->col = (unsigned)ev.start_mark.column + 1;
                    buf_printf(&fail->msg,
                               "scalar of %zu bytes exceeds the limit of %zu bytes (max_string_length)",
                               (size_t)ev.data.scalar.length, lim->max_string_length);
                    break;
                }
                node->value = arena_strndup(strs, (const char *)ev.data.scalar.value, ev.data.scalar.length);
                node->len = ev.data.scalar.length;
                if (!node->value) {
                    rc = fail_nomem(fail);
                    break;
                }
                /* go-yaml ends a plain scalar at any '?' inside a flow
                 * collection (libyaml 0.2.5 only before a blank), and the
                 * parser then finds a key where it wanted ',' or the end */
                const char *q = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && depth > 0 && stack[depth - 1].flow
                                    ? memchr(node->value, '?', node->len)
                                    : NULL;
                if (q && q > node->value) {
                    unsigned line0 = (unsigned)ev.start_mark.line;
                    {
                        fail->status = rc = KAP_EINVALID;
                        buf_adds(&fail->msg, "yaml: ");
                        unsigned ctx0 = (unsigned)stack[depth - 1].node->line - 1;
                        if (line0)
                            buf_printf(&fail->msg, "line %u: ", line0);
                        else if (ctx0)
                            buf_printf(&fail->msg, "line %u: ", ctx0);
                        buf_printf(&fail->msg, "did not find expected ',' or '%c'",
                                   stack[depth - 1].node->kind == YN_SEQ ? ']' : '}');
                        fail->line = line0 + 1;
                        fail->col = (unsigned)ev.start_mark.column + 1 + (unsigned)(q - node->value);
                        break;
                    }
                }
            } else if (ev.type == YAML_SEQUENCE_START_EVENT) {
                node->kind = YN_SEQ;
                tag = ev.data.sequence_start.tag;
                anchor = ev.data.sequence_start.anchor;
            } else {
                node->kind = YN_MAP;
                tag = ev.data.mapping_start.tag;
                anchor = ev.data.mapping_start.anchor;
            }
            if (tag && !(node->tag = arena_strndup(a, (const char *)tag, strlen((const char *)tag)))) {
                rc = fail_nomem(fail);
                break;
            }
            if (anchor) {
                const char *name = arena_strndup(a, (const char *)anchor, strlen((const char *)anchor));
                if (!name || !anchor_put(&anc, name, node)) {
                    rc = fail_nomem(fail);
                    break;
                }
            }
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            /* libyaml emits an end event only after its start event, which
             * pushed a frame */
            KAP_ANALYZER_ASSUME(stack != NULL && depth > 0);
            yframe *f = &stack[--depth];
            if (f->flow)
                flow_depth--;
            else
                block_depth--;
            f->node->n = f->n;
            if (f->n) {
                f->node->kids = arena_alloc(a, f->n * sizeof(ynode *));
                if (!f->node->kids) {
                    /* the frame is popped: the cleanup below no longer sees it */
                    kap_free(f->kids);
                    f->kids = NULL;
                    rc = fail_nomem(fail);
                    break;
                }
                memcpy(f->node->kids, f->kids, f->n * sizeof(ynode *));
            }
            kap_free(f->kids);
            f->kids = NULL;
            node = f->node; /* completed: attach to parent below */
            break;
        }
        default:
            break;
        }
        if (rc == KAP_OK && node && ev.type != YAML_SEQUENCE_END_EVENT &&
            ev.type != YAML_MAPPING_END_EVENT) {
            node->line = (unsigned)ev.start_mark.line + 1;
            node->col = (unsigned)ev.start_mark.column + 1;
        }
        int opens = rc == KAP_OK && (ev.type == YAML_SEQUENCE_START_EVENT ||
                                     ev.type == YAML_MAPPING_START_EVENT);
        if (opens) {
            int flow = ev.type == YAML_SEQUENCE_START_EVENT
                           ? ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
                           : ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
            size_t d = flow ? ++flow_depth : ++block_depth;
            if (d > max_depth) {
                fail->line = (unsigned)ev.start_mark.line + 1;
                fail->col = (unsigned)ev.start_mark.column + 1;
                if (max_depth == GO_MAX_DEPTH) {
                    fail->status = rc = KAP_EINVALID;
                    buf_printf(&fail->msg, "yaml: line %u: exceeded max depth of %d", fail->line,
                               GO_MAX_DEPTH);
                } else {
                    fail->status = rc = KAP_ELIMIT;
                    buf_printf(&fail->msg, "nesting deeper than %zu levels (max_depth)", max_depth);
                }
            }
            if (rc == KAP_OK && depth == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                yframe *s = kap_realloc(stack, ncap * sizeof *s);
                if (!s)
                    rc = fail_nomem(fail);
                else
                    stack = s, cap = ncap;
            }
            if (rc == KAP_OK) {
                yframe *f = &stack[depth++];
                memset(f, 0, sizeof *f);
                f->node = node;
                f->flow = flow;
            }
        } else if (rc == KAP_OK && node) {
            if (depth == 0) {
                *root = node;
            } else {
                yframe *f = &stack[depth - 1];
                if (f->n == f->cap) {
                    size_t ncap = f->cap ? f->cap * 2 : 4;
                    ynode **k = kap_realloc(f->kids, ncap * sizeof *k); // NOLINT(bugprone-sizeof-expression): the elements are pointers
                    if (!k)
                        rc = fail_nomem(fail);
                    else
                        f->kids = k, f->cap = ncap;
                }
                if (rc == KAP_OK)
                    f->kids[f->n++] = node;
            }
        }
        yaml_event_delete(&ev);
        if (rc != KAP_OK)
            break;
    }
    while (depth > 0)
        kap_free(stack[--depth].kids);
    kap_free(stack);
    kap_free(anc.names);
    kap_free(anc.nodes);
    yaml_parser_delete(&parser);
    return rc;
}

/* ---- scalar resolution (go-yaml v2 resolve.go) ------------------------------- */

#define TAG_PREFIX "tag:yaml.org,2002:"

enum { R_NULL, R_BOOL, R_INT, R_UINT64, R_FLOAT, R_STR };

typedef struct resolved {
    int kind;
    int b;
    double f;
    char num[32]; /* decimal text for ints */
} resolved;

static int tag_is(const char *tag, const char *shortname)
{
    return tag && strncmp(tag, TAG_PREFIX, sizeof TAG_PREFIX - 1) == 0 &&
           strcmp(tag + sizeof TAG_PREFIX - 1, shortname) == 0;
}

static int in_list(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && memcmp(*list, s, n) == 0)
            return 1;
    return 0;
}

/* strconv.ParseInt / ParseUint with base 0 (underscores already gone). */
static int go_parse_int(const char *s, size_t n, int allow_sign, int *neg_out, unsigned long long *mag)
{
    size_t i = 0;
    int neg = 0;
    if (allow_sign && i < n && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    int base = 10;
    if (i < n && s[i] == '0') {
        if (i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X'))
            base = 16, i += 2;
        else if (i + 1 < n && (s[i + 1] == 'o' || s[i + 1] == 'O'))
            base = 8, i += 2;
        else if (i + 1 < n && (s[i + 1] == 'b' || s[i + 1] == 'B'))
            base = 2, i += 2;
        else if (i + 1 < n)
            base = 8, i += 1;
    }
    if (i >= n)
        return 0;
    unsigned long long v = 0;
    for (; i < n; i++) {
        int d;
        char c = s[i];
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'z')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'Z')
            d = c - 'A' + 10;
        else
            return 0;
        if (d >= base)
            return 0;
        if (v > (~0ULL - (unsigned)d) / (unsigned)base)
            return 0;
        v = v * (unsigned)base + (unsigned)d;
    }
    *neg_out = neg;
    *mag = v;
    return 1;
}

static int parse_int_in(const char *s, size_t n, int allow_sign, resolved *r)
{
    int neg;
    unsigned long long mag;
    if (!go_parse_int(s, n, allow_sign, &neg, &mag))
        return 0;
    if (allow_sign) {
        if (neg ? mag > (1ULL << 63) : mag > (unsigned long long)INT64_MAX)
            return 0;
        if (neg)
            snprintf(r->num, sizeof r->num, "-%llu", mag);
        else
            snprintf(r->num, sizeof r->num, "%llu", mag);
    } else {
        /* beyond int64: go-yaml's uint64 */
        snprintf(r->num, sizeof r->num, "%llu", mag);
        r->kind = R_UINT64;
        return 1;
    }
    r->kind = R_INT;
    return 1;
}

/* go-yaml's "0b" fallback, for what base 0 refused: after "0b",
 * ParseInt(s, 2, 64), a sign allowed (its "-0b" one, ParseInt("-" + s, 2,
 * 64), reads only what base 0 read before it: not kept). */
static int parse_binary(const char *s, size_t n, resolved *r)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (i >= n)
        return 0;
    unsigned long long v = 0;
    for (; i < n; i++) {
        if (s[i] != '0' && s[i] != '1')
            return 0;
        if (v >> 63)
            return 0; /* beyond 64 bits */
        v = v * 2 + (unsigned)(s[i] - '0');
    }
    if (neg ? v > (1ULL << 63) : v > (unsigned long long)INT64_MAX)
        return 0; /* (ParseUint's uint64 is base 0's, tried before) */
    snprintf(r->num, sizeof r->num, neg ? "-%llu" : "%llu", v);
    r->kind = R_INT;
    return 1;
}

static int yaml_style_float(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    if (i < n && s[i] == '.') {
        i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return 0;
    } else {
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return 0;
        if (i < n && s[i] == '.') {
            i++;
            while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
        }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return 0;
    }
    return i == n;
}

/* Go's strconv.ParseFloat(s, 64) succeeding, s NUL-terminated at n (any
 * length: a float of hundreds of digits is still one): finite, the whole
 * text read. */
static int parse_float(const char *s, size_t n, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (n == 0 || end != s + n || isinf(v) || isnan(v))
        return 0;
    *out = v;
    return 1;
}

static const char *const Y_TRUE[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL};
static const char *const Y_FALSE[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", NULL};
static const char *const Y_NULL[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const Y_NAN[] = {".nan", ".NaN", ".NAN", NULL};
static const char *const Y_PINF[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
static const char *const Y_NINF[] = {"-.inf", "-.Inf", "-.INF", NULL};

/* resolve() for an untagged plain scalar or a resolvable tag; work: n + 1
 * bytes of scratch (the text without its underscores, NUL-terminated). */
static void resolve_plain(const char *s, size_t n, resolved *r, char *work)
{
    r->kind = R_STR;
    char hint = 'N';
    if (n) {
        unsigned char c = (unsigned char)s[0];
        if (c == '+' || c == '-')
            hint = 'S';
        else if (c >= '0' && c <= '9')
            hint = 'D';
        else if (strchr("yYnNtTfFoO~", c) && c)
            hint = 'M';
        else if (c == '.')
            hint = '.';
        else
            hint = 0;
    }
    if (!hint)
        return;
    /* (no word of the lists is longer than 5 bytes) */
    if (n > 5 && hint == 'M')
        return;
    if (n <= 5 && in_list(s, n, Y_TRUE)) {
        r->kind = R_BOOL, r->b = 1;
        return;
    }
    if (in_list(s, n, Y_FALSE)) {
        r->kind = R_BOOL, r->b = 0;
        return;
    }
    if (in_list(s, n, Y_NULL)) {
        r->kind = R_NULL;
        return;
    }
    if (in_list(s, n, Y_NAN)) {
        r->kind = R_FLOAT, r->f = NAN;
        return;
    }
    if (in_list(s, n, Y_PINF)) {
        r->kind = R_FLOAT, r->f = INFINITY;
        return;
    }
    if (in_list(s, n, Y_NINF)) {
        r->kind = R_FLOAT, r->f = -INFINITY;
        return;
    }
    char *tmp = work;
    size_t k = 0;
    if (hint == '.') {
        double v;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        if (parse_float(tmp, n, &v))
            r->kind = R_FLOAT, r->f = v;
        return;
    }
    if (hint != 'D' && hint != 'S')
        return;
    /* remove underscores */
    for (size_t i = 0; i < n; i++)
        if (s[i] != '_')
            tmp[k++] = s[i];
    tmp[k] = '\0';
    if (parse_int_in(tmp, k, 1, r))
        return;
    if (parse_int_in(tmp, k, 0, r))
        return;
    if (yaml_style_float(tmp, k)) {
        double v;
        if (parse_float(tmp, k, &v)) {
            r->kind = R_FLOAT, r->f = v;
            return;
        }
    }
    /* go-yaml's own "0b" (the digits after it read alone, a sign
     * included: "0b+1", "0b-1"); its "-0b" retry takes no sign after the
     * prefix, so base 0's ParseInt above has read every text it takes */
    if (k >= 2 && tmp[0] == '0' && tmp[1] == 'b')
        parse_binary(tmp + 2, k - 2, r);
}

static const char *const RESOLVABLE[] = {"str", "bool", "int", "float", "timestamp", NULL};

static const char *short_tag_name(int kind)
{
    switch (kind) {
    case R_NULL: return "!!null";
    case R_BOOL: return "!!bool";
    case R_INT:
    case R_UINT64: return "!!int";
    case R_FLOAT: return "!!float";
    default: return "!!str";
    }
}

static void short_tag(kap_buf *b, const char *tag)
{
    if (strncmp(tag, TAG_PREFIX, sizeof TAG_PREFIX - 1) == 0) {
        buf_adds(b, "!!");
        buf_adds(b, tag + sizeof TAG_PREFIX - 1);
    } else {
        buf_adds(b, tag);
    }
}

static int looks_like_timestamp(const char *s, size_t n)
{
    /* YYYY-M-D at least */
    return n >= 8 && s[0] >= '0' && s[0] <= '9' && s[4] == '-';
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* ---- decoding into values (go-yaml decode.go, into interface{}) -------------- */

typedef struct ydec {
    kap_arena *a;    /* the values */
    kap_arena *strs; /* the strings values hold (they outlive the values) */
    const kap_limits *lim;
    long long decodes, alias_decodes;
    int alias_depth;
    kap_buf *strict;
    int nstrict;
    kap_fail *fail;
    /* sigs.k8s.io/yaml's conversion to JSON, which runs after go-yaml has
     * decoded everything: a map key that is not a string, int, float or
     * bool stops it. It checks a key before it descends into the key's
     * value, so the first such key is taken when decoding reaches it
     * (key_mp, key_jv), and its message written once its map is whole. */
    const struct ymap *key_mp;
    const jv *key_jv;
    kap_buf conv; /* the conversion's error text */
    int has_conv;
    unsigned conv_line, conv_col;
    int nonfinite; /* a NaN or infinite float was seen: json.Marshal refuses it */
    kap_arena *copy_to; /* one pass: where a string value's bytes go (else the node's are kept) */
    jv *scratch;        /* one pass: where the next value goes instead of the arena (a key's) */
    size_t depth;  /* collections open while decoding, aliases followed */
    /* one pass: the rules' sink (yaml_to_jv_rules) */
    yaml_rule_sink sink;
    void *sink_ctx;
} ydec;

static double allowed_alias_ratio(long long decodes)
{
    const long long low = 400000, high = 4000000;
    if (decodes <= low)
        return 0.99;
    if (decodes >= high)
        return 0.10;
    return 0.99 - 0.89 * ((double)(decodes - low) / (double)(high - low));
}

static int count_decode(ydec *d, const ynode *n)
{
    d->decodes++;
    if (d->alias_depth > 0)
        d->alias_decodes++;
    if (d->alias_decodes > 100 && d->decodes > 1000 &&
        (double)d->alias_decodes / (double)d->decodes > allowed_alias_ratio(d->decodes)) {
        return fail_msg(d->fail, KAP_EINVALID, n->line, n->col,
                        "yaml: document contains excessive aliasing");
    }
    if ((size_t)d->alias_decodes > d->lim->max_alias_nodes) {
        d->fail->status = KAP_ELIMIT;
        d->fail->line = n->line;
        d->fail->col = n->col;
        buf_printf(&d->fail->msg, "alias expansion produced more than %zu nodes (max_alias_nodes)",
                   d->lim->max_alias_nodes);
        return KAP_ELIMIT;
    }
    return KAP_OK;
}

static jv *new_jv(ydec *d, jv_kind k, const ynode *n)
{
    jv *v = d->scratch;
    if (v) {
        d->scratch = NULL;
        *v = (jv){.kind = k, .line = n->line, .col = n->col};
        return v;
    }
    v = arena_alloc_raw(d->a, sizeof *v);
    if (v)
        *v = (jv){.kind = k, .line = n->line, .col = n->col};
    return v;
}

static int decode_node(ydec *d, ynode *n, jv **out);

/* kept out of decode_node, whose frame every nesting level pays for */
static __attribute__((noinline)) int decode_scalar(ydec *d, ynode *n, jv **out)
{
    resolved r = {0};
    const char *tag = n->tag;
    if (!tag && !n->implicit) {
        r.kind = R_STR;
    } else {
        int resolvable = !tag;
        for (const char *const *t = RESOLVABLE; !resolvable && *t; t++)
            resolvable = tag_is(tag, *t);
        int binary = tag_is(tag, "binary");
        if (binary) {
            /* base64 decode into a string */
            size_t cap = n->len / 4 * 3 + 3;
            char *o = arena_alloc(d->strs, cap + 1);
            if (!o)
                return fail_nomem(d->fail);
            /* as Go's base64.StdEncoding.DecodeString: line breaks are
             * skipped anywhere, a last group of 2 or 3 characters needs its
             * "==" or "=", nothing but line breaks may follow the padding */
            size_t k = 0, q = 0;
            unsigned acc = 0;
            int bad = 0, done = 0;
            for (size_t i = 0; i < n->len && !bad; i++) {
                unsigned char c = (unsigned char)n->value[i];
                if (c == '\n' || c == '\r')
                    continue;
                if (done) {
                    bad = 1;
                } else if (c == '=') {
                    if (q < 2) {
                        bad = 1;
                    } else if (q == 2) { /* a second '=' must follow */
                        for (i++; i < n->len && (n->value[i] == '\n' || n->value[i] == '\r'); i++)
                            ;
                        bad = i >= n->len || n->value[i] != '=';
                    }
                    done = 1;
                } else {
                    int v = b64val(c);
                    if (v < 0) {
                        bad = 1;
                        break;
                    }
                    acc = (acc << 6) | (unsigned)v;
                    if (++q == 4) {
                        o[k++] = (char)(acc >> 16);
                        o[k++] = (char)(acc >> 8);
                        o[k++] = (char)acc;
                        q = 0;
                        acc = 0;
                    }
                }
            }
            if (!bad && !done && q != 0)
                bad = 1; /* a group cut short without its padding */
            if (!bad && q == 2)
                o[k++] = (char)(acc >> 4);
            else if (!bad && q == 3) {
                o[k++] = (char)(acc >> 10);
                o[k++] = (char)(acc >> 2);
            }
            if (bad)
                return fail_msg(d->fail, KAP_EINVALID, n->line, n->col,
                                "yaml: !!binary value contains invalid base64 data");
            jv *v = new_jv(d, JV_STRING, n);
            if (!v)
                return fail_nomem(d->fail);
            v->s = o;
            v->len = k;
            *out = v;
            return KAP_OK;
        }
        if (!resolvable || tag_is(tag, "str")) {
            r.kind = R_STR;
        } else {
            /* the resolver's scratch: on the stack, or for a long number
             * (hundreds of digits are still a float) from the arena */
            char small[256], *work = small;
            if (n->len >= sizeof small && n->len && strchr("+-.0123456789", n->value[0]) &&
                !(work = arena_alloc_raw(d->a, n->len + 1)))
                return fail_nomem(d->fail);
            resolve_plain(n->value, n->len, &r, work);
            if (tag && !tag_is(tag, short_tag_name(r.kind) + 2)) {
                int ok = 0;
                if (tag_is(tag, "float") && r.kind == R_INT) { /* not a uint64 */
                    r.kind = R_FLOAT;
                    r.f = strtod(r.num, NULL);
                    ok = 1;
                } else if (tag_is(tag, "timestamp") && looks_like_timestamp(n->value, n->len)) {
                    r.kind = R_STR;
                    ok = 1;
                }
                if (!ok) {
                    kap_buf *m = &d->fail->msg;
                    buf_printf(m, "yaml: cannot decode %s `", short_tag_name(r.kind));
                    buf_add(m, n->value, n->len);
                    buf_adds(m, "` as a ");
                    short_tag(m, tag);
                    d->fail->status = KAP_EINVALID;
                    d->fail->line = n->line;
                    d->fail->col = n->col;
                    return KAP_EINVALID;
                }
            }
        }
    }
    jv *v;
    switch (r.kind) {
    case R_NULL:
        v = new_jv(d, JV_NULL, n);
        break;
    case R_BOOL:
        v = new_jv(d, JV_BOOL, n);
        if (v)
            v->b = r.b;
        break;
    case R_INT:
    case R_UINT64:
        v = new_jv(d, JV_NUMBER, n);
        if (v && !(v->s = arena_strndup(d->a, r.num, strlen(r.num))))
            v = NULL;
        if (v) {
            v->len = strlen(r.num);
            v->b = r.kind == R_UINT64 ? JV_NUM_UINT64 : JV_NUM_INT;
        }
        break;
    case R_FLOAT: {
        v = new_jv(d, JV_NUMBER, n);
        if (!v)
            break;
        v->b = JV_NUM_FLOAT;
        if (isnan(r.f) || isinf(r.f)) {
            d->nonfinite = 1;
            v->s = isnan(r.f) ? ".nan" : r.f > 0 ? ".inf" : "-.inf";
            v->len = strlen(v->s);
            break;
        }
        kap_buf t = {0};
        go_format_float(&t, r.f);
        if (t.oom) {
            v = NULL;
            break;
        }
        v->s = arena_strndup(d->a, t.s, t.len);
        v->len = t.len;
        buf_free(&t);
        if (!v->s)
            v = NULL;
        break;
    }
    default:
        v = new_jv(d, JV_STRING, n);
        if (v) {
            v->s = n->value;
            v->len = n->len;
            /* (one pass: n->value is libyaml's, gone with its event) */
            if (d->copy_to && !(v->s = arena_strndup(d->copy_to, n->value, n->len)))
                v = NULL;
        }
        break;
    }
    if (!v)
        return fail_nomem(d->fail);
    *out = v;
    return KAP_OK;
}

/* A mapping being filled: members in arrival order plus an index on the
 * key identity go-yaml uses (type and value). */
typedef struct ymap {
    jv_member *m;
    uint8_t *ktype; /* key_type(): the Go type of the key */
    size_t n, cap;
    size_t *slots; /* open addressing over m, value index+1 */
    size_t nslots;
} ymap;

static uint64_t key_hash(int kt, const char *s, size_t n) { return str_hash(s, n) * 31 + (uint64_t)kt; }

#define YMAP_SCAN 8 /* mappings this small are searched without a hash table */

KAP_HOT_INLINE int ymap_find(const ymap *mp, int kt, const char *s, size_t n, size_t *slot)
{
    if (!mp->nslots) {
        for (size_t k = 0; k < mp->n; k++)
            if (mp->ktype[k] == kt && mp->m[k].klen == n && (n == 0 || memcmp(mp->m[k].key, s, n) == 0))
                return (int)k;
        *slot = 0;
        return -1;
    }
    size_t i = (size_t)key_hash(kt, s, n) & (mp->nslots - 1);
    while (mp->slots[i]) {
        size_t k = mp->slots[i] - 1;
        if (mp->ktype[k] == kt && mp->m[k].klen == n && memcmp(mp->m[k].key, s, n) == 0) {
            *slot = i;
            return (int)k;
        }
        i = (i + 1) & (mp->nslots - 1);
    }
    *slot = i;
    return -1;
}

static int ymap_rehash(ymap *mp)
{
    size_t ns = mp->nslots ? mp->nslots * 2 : 16;
    size_t *slots = kap_calloc(ns, sizeof *slots);
    if (!slots)
        return 0;
    kap_free(mp->slots);
    mp->slots = slots;
    mp->nslots = ns;
    for (size_t k = 0; k < mp->n; k++) {
        size_t i = (size_t)key_hash(mp->ktype[k], mp->m[k].key, mp->m[k].klen) & (ns - 1);
        while (mp->slots[i])
            i = (i + 1) & (ns - 1);
        mp->slots[i] = k + 1;
    }
    return 1;
}

/* A key's Go type, for its identity in the map: the jv kind, and for
 * numbers JV_NUM_* above it. */
static int key_type(const jv *key) { return (int)key->kind + (key->kind == JV_NUMBER ? 8 * key->b : 0); }

/* A key's identity text: equal Go keys of one type have equal texts. */
static void key_identity(const jv *key, const char **ks, size_t *kn)
{
    *ks = key->s;
    *kn = key->len;
    if (key->kind == JV_BOOL)
        *ks = key->b ? "true" : "false", *kn = strlen(*ks);
    else if (key->kind == JV_NULL)
        *ks = "", *kn = 0;
    else if (key->kind == JV_NUMBER && key->b == JV_NUM_FLOAT && key->len == 2 && memcmp(key->s, "-0", 2) == 0)
        *ks = "0", *kn = 1; /* -0 == 0 */
}

/* setMapIndex(): strict mode reports a key set twice; the lenient result
 * keeps the last value. */
static int ymap_set(ydec *d, ymap *mp, jv *key, unsigned kline, unsigned kcol, jv *val, unsigned vline)
{
    int kt = key_type(key);
    const char *ks;
    size_t kn;
    key_identity(key, &ks, &kn);
    if (mp->n + 1 > YMAP_SCAN && (mp->n + 1) * 2 > mp->nslots && !ymap_rehash(mp))
        return fail_nomem(d->fail);
    size_t slot = 0;
    /* NaN is no Go map key's equal, not even NaN's */
    int nan = key->kind == JV_NUMBER && key->b == JV_NUM_FLOAT && strcmp(key->s, ".nan") == 0;
    int found = ymap_find(mp, kt, ks, kn, &slot);
    if (found >= 0 && !nan) {
        KAP_ANALYZER_ASSUME(mp->m != NULL); /* ymap_find found it in mp->m */
        kap_buf *b = d->strict;
        buf_printf(b, "\n  line %u: key ", vline);
        go_sharpv_value(b, key, d->lim->gofmt);
        buf_adds(b, " already set in map");
        d->nstrict++;
        mp->m[found].val = val; /* lenient: last wins */
        return KAP_OK;
    }
    if (mp->n == mp->cap) {
        size_t cap = mp->cap ? mp->cap * 2 : 8;
        jv_member *m = kap_realloc(mp->m, cap * sizeof *m);
        if (!m)
            return fail_nomem(d->fail);
        mp->m = m;
        uint8_t *kty = kap_realloc(mp->ktype, cap);
        if (!kty)
            return fail_nomem(d->fail);
        mp->ktype = kty;
        mp->cap = cap;
    }
    jv_member *m = &mp->m[mp->n];
    m->key = ks;
    m->klen = kn;
    m->line = kline;
    m->col = kcol;
    m->val = val;
    m->okey = key->kind == JV_STRING ? NULL : key;
    mp->ktype[mp->n] = (uint8_t)kt;
    if (mp->nslots && !nan)
        mp->slots[slot] = mp->n + 1;
    mp->n++;
    return KAP_OK;
}

static int decode_mapping_into(ydec *d, ynode *n, ymap *mp);

static int is_merge(const ynode *k)
{
    return k->kind == YN_SCALAR && k->len == 2 && memcmp(k->value, "<<", 2) == 0 &&
           (k->implicit || tag_is(k->tag, "merge"));
}

static int fail_want_map(ydec *d, const ynode *n)
{
    return fail_msg(d->fail, KAP_EINVALID, n->line, n->col,
                    "yaml: map merge requires map or sequence of maps as the value");
}

/* d.unmarshal(node, out) where out is the map being built. */
static int merge_one(ydec *d, ynode *n, ymap *mp)
{
    int rc = count_decode(d, n);
    if (rc)
        return rc;
    if (n->kind == YN_ALIAS) {
        if (n->expanding) {
            kap_buf *m = &d->fail->msg;
            buf_printf(m, "yaml: anchor '%s' value contains itself", n->value);
            d->fail->status = KAP_EINVALID;
            d->fail->line = n->line;
            d->fail->col = n->col;
            return KAP_EINVALID;
        }
        n->expanding = 1;
        d->alias_depth++;
        rc = merge_one(d, n->target, mp);
        d->alias_depth--;
        n->expanding = 0;
        return rc;
    }
    return decode_mapping_into(d, n, mp);
}

static int decode_merge(ydec *d, ynode *v, ymap *mp)
{
    switch (v->kind) {
    case YN_MAP:
        return merge_one(d, v, mp);
    case YN_ALIAS:
        if (v->target->kind != YN_MAP)
            return fail_want_map(d, v);
        return merge_one(d, v, mp);
    case YN_SEQ:
        for (size_t i = v->n; i-- > 0;) {
            ynode *c = v->kids[i];
            if (c->kind == YN_ALIAS) {
                if (c->target->kind != YN_MAP)
                    return fail_want_map(d, c);
            } else if (c->kind != YN_MAP) {
                return fail_want_map(d, c);
            }
            int rc = merge_one(d, c, mp);
            if (rc)
                return rc;
        }
        return KAP_OK;
    default:
        return fail_want_map(d, v);
    }
}

static __attribute__((noinline)) int decode_mapping_into(ydec *d, ynode *n, ymap *mp)
{
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        ynode *kn = n->kids[i], *vn = n->kids[i + 1];
        int rc;
        if (is_merge(kn)) {
            if ((rc = decode_merge(d, vn, mp)))
                return rc;
            continue;
        }
        jv *k, *v;
        if ((rc = decode_node(d, kn, &k)))
            return rc;
        if (k->kind == JV_ARRAY || k->kind == JV_OBJECT) {
            d->fail->status = KAP_EINVALID;
            d->fail->line = kn->line;
            d->fail->col = kn->col;
            buf_adds(&d->fail->msg, "yaml: invalid map key: ");
            go_sharpv_value(&d->fail->msg, k, d->lim->gofmt);
            return KAP_EINVALID;
        }
        /* a nil or uint64 key: JSON has no such key (sigs.k8s.io/yaml) */
        if (!d->key_jv && (k->kind == JV_NULL || (k->kind == JV_NUMBER && k->b == JV_NUM_UINT64))) {
            d->key_mp = mp;
            d->key_jv = k;
        }
        if ((rc = decode_node(d, vn, &v)))
            return rc;
        if ((rc = ymap_set(d, mp, k, kn->line, kn->col, v, vn->line)))
            return rc;
    }
    return KAP_OK;
}


static int key_cmp(const jv_member *a, const jv_member *b)
{
    size_t n = a->klen < b->klen ? a->klen : b->klen;
    int c = n ? memcmp(a->key, b->key, n) : 0;
    if (c)
        return c;
    return a->klen < b->klen ? -1 : a->klen > b->klen;
}

/* A member of the mapping being sorted: where it stands in it. */
typedef struct mref {
    const jv_member *m;
} mref;

/* Members by key, equal keys in their order in the mapping (their
 * addresses in it tell). */
static int member_ptr_cmp(const void *x, const void *y)
{
    const jv_member *a = ((const mref *)x)->m, *b = ((const mref *)y)->m;
    int c = key_cmp(a, b);
    if (c)
        return c;
    return a < b ? -1 : a > b;
}

/* Key to JSON string as convertToJSONableObject does. */
/* The JSON key sigs.k8s.io/yaml makes of a key: ints and bools as their text
 * (their identity already is), a float with strconv.FormatFloat(f, 'g', -1,
 * 32) and ".inf", "-.inf", ".nan" for the special values. (Nil and uint64
 * keys fail the load: decode_mapping.) */
static int key_to_string(ydec *d, jv_member *m)
{
    const jv *k = m->okey;
    if (k->kind != JV_NUMBER || k->b != JV_NUM_FLOAT)
        return KAP_OK;
    if (k->s[0] == '.' || (k->s[0] == '-' && k->s[1] == '.')) {
        m->key = k->s, m->klen = k->len;
        return KAP_OK;
    }
    kap_buf t = {0};
    go_format_float_g(&t, strtod(k->s, NULL), 32);
    char *s = t.oom ? NULL : arena_strndup(d->a, t.s, t.len);
    buf_free(&t);
    if (!s)
        return fail_nomem(d->fail);
    m->key = s;
    m->klen = strlen(s);
    return KAP_OK;
}

/* sigs.k8s.io/yaml's message for a nil or uint64 map key (mp's key d->key_jv),
 * with the value the key ended up with. */
static void unsupported_key(ydec *d, const ymap *mp)
{
    const jv *k = d->key_jv;
    const char *ks;
    size_t kn, slot;
    key_identity(k, &ks, &kn);
    /* the key went into this map (ymap_set) when its value was decoded */
    size_t i = (size_t)ymap_find(mp, key_type(k), ks, kn, &slot);
    kap_buf *b = &d->conv;
    d->has_conv = 1;
    d->conv_line = k->line;
    d->conv_col = k->col;
    /* sigs.k8s.io/yaml before v1.4.0 began it with a capital */
    buf_adds(b, release_has(d->lim, KC_YAML_MAPKEY_LOWERCASE) ? "u" : "U");
    buf_adds(b, "nsupported map key of type: ");
    /* %s of the key's reflect.Type; a nil key has none */
    buf_adds(b, k->kind == JV_NULL ? "%!s(<nil>)" : "uint64");
    buf_adds(b, ", key: ");
    go_sharpv_value(b, k, d->lim->gofmt);
    buf_adds(b, ", value: ");
    go_sharpv_value(b, mp->m[i].val, d->lim->gofmt);
}

static int finish_mapping(ydec *d, ynode *n, ymap *mp, jv **out)
{
    jv *v = new_jv(d, JV_OBJECT, n);
    if (!v)
        return fail_nomem(d->fail);
    for (size_t i = 0; i < mp->n; i++) {
        int rc = mp->m[i].okey ? key_to_string(d, &mp->m[i]) : KAP_OK;
        if (rc)
            return rc;
    }
    /* sorted by key as json.Marshal writes maps; keys that became equal
     * strings keep the last value */
    size_t k = 0;
    if (mp->n) {
        jv_member *sorted = arena_alloc_raw(d->a, mp->n * sizeof *sorted); /* (k of them written) */
        if (!sorted)
            return fail_nomem(d->fail);
        /* more than 16 keys (rare in a policy): the index in the arena too */
        mref small[16];
        mref *tmp = mp->n <= sizeof small / sizeof *small ? small : arena_alloc_raw(d->a, mp->n * sizeof *tmp);
        if (!tmp)
            return fail_nomem(d->fail);
        for (size_t i = 0; i < mp->n; i++)
            tmp[i].m = &mp->m[i];
        if (tmp == small) {
            /* insertion sort: few keys */
            for (size_t i = 1; i < mp->n; i++) {
                mref x = tmp[i];
                size_t j = i;
                for (; j > 0 && member_ptr_cmp(&tmp[j - 1], &x) > 0; j--)
                    tmp[j] = tmp[j - 1];
                tmp[j] = x;
            }
        } else {
            qsort(tmp, mp->n, sizeof *tmp, member_ptr_cmp);
        }
        for (size_t i = 0; i < mp->n; i++) {
            if (k > 0 && key_cmp(&sorted[k - 1], tmp[i].m) == 0)
                sorted[k - 1] = *tmp[i].m;
            else
                sorted[k++] = *tmp[i].m;
        }
        if (k < mp->n) { /* the Go map had more entries than the JSON object */
            jv_gomap *all = arena_alloc(d->a, sizeof *all + mp->n * sizeof *all->m);
            if (!all)
                return fail_nomem(d->fail);
            all->n = mp->n;
            memcpy(all->m, mp->m, mp->n * sizeof *all->m);
            v->gomap = all;
        }
        v->members = sorted;
    }
    v->n = k;
    *out = v;
    return KAP_OK;
}

static __attribute__((noinline)) int decode_mapping(ydec *d, ynode *n, jv **out)
{
    ymap mp = {0};
    int rc = decode_mapping_into(d, n, &mp);
    if (rc == KAP_OK && d->key_mp == &mp) {
        unsupported_key(d, &mp);
        d->key_mp = NULL;
    }
    if (rc == KAP_OK)
        rc = finish_mapping(d, n, &mp, out);
    kap_free(mp.m);
    kap_free(mp.ktype);
    kap_free(mp.slots);
    return rc;
}

/* The decoded document feeds Go's JSON decoder, which refuses more than
 * 10000 nested collections; stopping here also bounds this recursion. */
static int too_deep(ydec *d, const ynode *n)
{
    size_t max = d->lim->max_depth && d->lim->max_depth < GO_MAX_DEPTH ? d->lim->max_depth : GO_MAX_DEPTH;
    if (d->depth <= max)
        return KAP_OK;
    d->fail->line = n->line;
    d->fail->col = n->col;
    if (max == GO_MAX_DEPTH) {
        d->fail->status = KAP_EINVALID;
        buf_adds(&d->fail->msg, "couldn't get version/kind; json parse error: exceeded max depth");
    } else {
        d->fail->status = KAP_ELIMIT;
        buf_printf(&d->fail->msg, "nesting deeper than %zu levels (max_depth)", max);
    }
    return d->fail->status;
}

static int decode_node(ydec *d, ynode *n, jv **out)
{
    int rc = count_decode(d, n);
    if (rc)
        return rc;
    switch (n->kind) {
    case YN_ALIAS:
        if (n->expanding) {
            buf_printf(&d->fail->msg, "yaml: anchor '%s' value contains itself", n->value);
            d->fail->status = KAP_EINVALID;
            d->fail->line = n->line;
            d->fail->col = n->col;
            return KAP_EINVALID;
        }
        n->expanding = 1;
        d->alias_depth++;
        rc = decode_node(d, n->target, out);
        d->alias_depth--;
        n->expanding = 0;
        return rc;
    case YN_SCALAR:
        return decode_scalar(d, n, out);
    case YN_SEQ: {
        d->depth++;
        if ((rc = too_deep(d, n)))
            return rc;
        jv *v = new_jv(d, JV_ARRAY, n);
        if (!v)
            return fail_nomem(d->fail);
        if (n->n) {
            v->items = arena_alloc(d->a, n->n * sizeof *v->items); // NOLINT(bugprone-sizeof-expression): the elements are pointers
            if (!v->items)
                return fail_nomem(d->fail);
        }
        for (size_t i = 0; i < n->n; i++)
            if ((rc = decode_node(d, n->kids[i], &v->items[i])))
                return rc;
        v->n = n->n;
        d->depth--;
        *out = v;
        return KAP_OK;
    }
    default:
        d->depth++;
        if ((rc = too_deep(d, n)))
            return rc;
        rc = decode_mapping(d, n, out);
        d->depth--;
        return rc;
    }
}

/* ---- one pass: composing and decoding together ----------------------------
 * Where a document has no anchor, no alias and no merge key, decoding the
 * node tree visits the nodes in the order libyaml's events bring them, so
 * the values can be built as the events come, without the tree. What the
 * composer reports (syntax, limits) still wins over a decoding error, as it
 * does when the whole tree is built first: the first decoding error is kept
 * aside and the events are read on to the end of the document. A document
 * with an anchor, an alias or a merge key goes the two-pass way. */

#define ONE_PASS_NO 1000 /* not a status: take the two-pass way */

typedef struct sframe {
    ynode node;   /* the collection's kind, position and (for keys) flags */
    int flow;
    int has_key;  /* maps: a key is waiting for its value */
    int key_here; /* maps: the first nil or uint64 key went into this map */
    jv *key;      /* the key waiting, or NULL for a string key, kept in keyv */
    jv keyv;
    jv **items; /* sequences */
    size_t n, cap;
    ymap mp;      /* maps */
    int streamed; /* the top-level "rules" sequence: its items go to the sink */
} sframe;

static void sframe_free(sframe *f)
{
    kap_free(f->items);
    kap_free(f->mp.m);
    kap_free(f->mp.ktype);
    kap_free(f->mp.slots);
    memset(f, 0, sizeof *f);
}

/* A frame opens for a new collection at its depth: the item and member
 * buffers the last collection at this depth grew are kept (a policy's
 * tens of thousands of small collections then allocate nothing: the
 * values are copied out when a collection closes) */
static void sframe_open(sframe *f, const ynode *node, int flow, int streamed)
{
    if (f->mp.slots) {
        kap_free(f->mp.slots); /* (a map of more than YMAP_SCAN keys: rare) */
        f->mp.slots = NULL;
        f->mp.nslots = 0;
    }
    /* field by field: a memset of the frame cost more than the rest of
     * the event (keyv is written before it is read: has_key) */
    f->node = *node;
    f->flow = flow;
    f->has_key = 0;
    f->key_here = 0;
    f->key = NULL;
    f->n = 0;
    f->mp.n = 0;
    f->streamed = streamed;
}

/* A value is whole: it goes into its parent (or is the document). */
static int one_pass_attach(ydec *d, sframe *stack, size_t depth, jv *v, jv **root)
{
    if (depth == 0) {
        *root = v;
        return KAP_OK;
    }
    sframe *f = &stack[depth - 1];
    if (f->node.kind == YN_SEQ) {
        if (f->n == f->cap) {
            size_t cap = f->cap ? f->cap * 2 : 8;
            jv **items = kap_realloc(f->items, cap * sizeof *items); // NOLINT(bugprone-sizeof-expression): the elements are pointers
            if (!items)
                return fail_nomem(d->fail);
            f->items = items;
            f->cap = cap;
        }
        f->items[f->n++] = v;
        return KAP_OK;
    }
    if (!f->has_key) {
        if (v->kind == JV_ARRAY || v->kind == JV_OBJECT) {
            d->fail->status = KAP_EINVALID;
            d->fail->line = v->line;
            d->fail->col = v->col;
            buf_adds(&d->fail->msg, "yaml: invalid map key: ");
            go_sharpv_value(&d->fail->msg, v, d->lim->gofmt);
            return KAP_EINVALID;
        }
        if (!d->key_jv && (v->kind == JV_NULL || (v->kind == JV_NUMBER && v->b == JV_NUM_UINT64))) {
            d->key_jv = v;
            f->key_here = 1;
        }
        f->keyv = *v;
        f->key = v->kind == JV_STRING ? NULL : v;
        f->has_key = 1;
        return KAP_OK;
    }
    f->has_key = 0;
    jv *k = f->key ? f->key : &f->keyv;
    return ymap_set(d, &f->mp, k, k->line, k->col, v, v->line);
}

/* A collection ends: its value. */
static int one_pass_close(ydec *d, sframe *f, jv **out)
{
    if (f->node.kind == YN_SEQ) {
        jv *v = new_jv(d, JV_ARRAY, &f->node);
        if (!v)
            return fail_nomem(d->fail);
        if (f->n && !f->streamed) {
            v->items = arena_alloc_raw(d->a, f->n * sizeof *v->items); // NOLINT(bugprone-sizeof-expression): the elements are pointers
            if (!v->items)
                return fail_nomem(d->fail);
            memcpy(v->items, f->items, f->n * sizeof *v->items); // NOLINT(bugprone-sizeof-expression): the elements are pointers
        }
        v->n = f->n;
        *out = v;
        return KAP_OK;
    }
    if (f->key_here)
        unsupported_key(d, &f->mp);
    return finish_mapping(d, &f->node, &f->mp, out);
}

#ifdef KAP_TEST_HOOKS
/* Test builds only (tests/test_yaml_passes.c): set, every document takes
 * the two-pass way, to compare the two. */
int kap_test_yaml_two_passes = 0;
long kap_test_yaml_one_pass_done = 0; /* documents the one pass took whole */
#define TWO_PASSES_ONLY kap_test_yaml_two_passes
#define ONE_PASS_DONE() (kap_test_yaml_one_pass_done++)
long kap_test_yaml_rules_sunk = 0; /* items of "rules" handed to the sink */
#define RULE_SUNK() (kap_test_yaml_rules_sunk++)
#else
#define TWO_PASSES_ONLY 0
#define ONE_PASS_DONE() ((void)0)
#define RULE_SUNK() ((void)0)
#endif

#define ONE_PASS_AGAIN 1001 /* not a status: read again without the sink */

/* Whether a collection starting now, depth frames open, is the top-level
 * mapping's "rules" sequence (the key as written, as Go's JSON decoding
 * matches a struct field in strict mode). */
static int rules_sequence(const sframe *stack, size_t depth)
{
    if (depth != 1 || stack[0].node.kind != YN_MAP || !stack[0].has_key || stack[0].key)
        return 0;
    const jv *k = &stack[0].keyv;
    return k->kind == JV_STRING && k->len == 5 && memcmp(k->s, "rules", 5) == 0;
}

/* one_pass with a sink: the values of one rule (an item of the "rules"
 * sequence) live in their own arena, emptied when the sink has the rule. */
typedef struct rstate {
    kap_arena rule;  /* the values of the rule being read */
    jv *streamed;    /* the "rules" sequence's value, once closed */
    size_t next;     /* the next rule's index */
    int used, again; /* a "rules" sequence was streamed; a second one came */
} rstate;

static int one_pass(kap_arena *a, kap_arena *strs, const char *data, size_t len, const kap_limits *lim, ydec *d,
                    jv **root, kap_fail *fail, rstate *rs)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    sframe *stack = NULL;
    size_t depth = 0, cap = 0, flow_depth = 0, block_depth = 0;
    size_t opened = 0; /* frames ever opened (their buffers kept) */
    size_t max_depth = lim->max_depth && lim->max_depth < GO_MAX_DEPTH ? lim->max_depth : GO_MAX_DEPTH;
    int rc = KAP_OK, started = 0, done = 0, decoding = 1;
    *root = NULL;
    kap_arena *va = a; /* where values and keys go: a, or the rule's arena */

    if (!yaml_parser_initialize(&parser))
        return fail_nomem(fail);
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);

    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = fail_from_parser(fail, &parser, data, len);
            break;
        }
        ynode node;
        jv keyv;
        memset(&node, 0, sizeof node);
        node.line = (unsigned)ev.start_mark.line + 1;
        node.col = (unsigned)ev.start_mark.column + 1;
        jv *value = NULL; /* a value made whole by this event */
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (started) {
                done = 1;
                break;
            }
            started = 1;
            rc = version_directive(&ev, fail);
            break;
        case YAML_ALIAS_EVENT:
            rc = ONE_PASS_NO;
            break;
        case YAML_SCALAR_EVENT: {
            if (ev.data.scalar.anchor) {
                rc = ONE_PASS_NO;
                break;
            }
            if (ev.data.scalar.length > lim->max_string_length) {
                fail->status = rc = KAP_ELIMIT;
                fail->line = node.line;
                fail->col = node.col;
                buf_printf(&fail->msg, "scalar of %zu bytes exceeds the limit of %zu bytes (max_string_length)",
                           (size_t)ev.data.scalar.length, lim->max_string_length);
                break;
            }
            node.kind = YN_SCALAR;
            node.implicit = (uint8_t)ev.data.scalar.plain_implicit;
            node.tag = (const char *)ev.data.scalar.tag;
            node.value = (const char *)ev.data.scalar.value;
            node.len = ev.data.scalar.length;
            const char *q = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && depth > 0 && stack[depth - 1].flow
                                ? memchr(node.value, '?', node.len)
                                : NULL;
            if (q && q > node.value) {
                unsigned line0 = (unsigned)ev.start_mark.line;
                fail->status = rc = KAP_EINVALID;
                buf_adds(&fail->msg, "yaml: ");
                unsigned ctx0 = stack[depth - 1].node.line - 1;
                if (line0)
                    buf_printf(&fail->msg, "line %u: ", line0);
                else if (ctx0)
                    buf_printf(&fail->msg, "line %u: ", ctx0);
                buf_printf(&fail->msg, "did not find expected ',' or '%c'",
                           stack[depth - 1].node.kind == YN_SEQ ? ']' : '}');
                fail->line = line0 + 1;
                fail->col = (unsigned)ev.start_mark.column + 1 + (unsigned)(q - node.value);
                break;
            }
            if (!decoding)
                break;
            int is_key = depth > 0 && stack[depth - 1].node.kind == YN_MAP && !stack[depth - 1].has_key;
            if (is_key && is_merge(&node)) {
                rc = ONE_PASS_NO;
                break;
            }
            /* a key's text goes with the values; a value's is kept */
            d->copy_to = is_key ? va : strs;
            /* a string key is copied into its map's frame (one_pass_attach):
             * it is made here, and any other key moved to the arena */
            d->scratch = is_key ? &keyv : NULL;
            int drc = count_decode(d, &node);
            if (!drc)
                drc = decode_scalar(d, &node, &value);
            d->scratch = NULL;
            if (!drc && value == &keyv && keyv.kind != JV_STRING) {
                value = arena_alloc_raw(va, sizeof *value);
                if (value)
                    *value = keyv;
                else
                    drc = fail_nomem(d->fail);
            }
            if (drc)
                decoding = 0;
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            int seq = ev.type == YAML_SEQUENCE_START_EVENT;
            if (seq ? ev.data.sequence_start.anchor != NULL : ev.data.mapping_start.anchor != NULL) {
                rc = ONE_PASS_NO;
                break;
            }
            int flow = seq ? ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
                           : ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
            size_t dd = flow ? ++flow_depth : ++block_depth;
            if (dd > max_depth) {
                fail->line = node.line;
                fail->col = node.col;
                if (max_depth == GO_MAX_DEPTH) {
                    fail->status = rc = KAP_EINVALID;
                    buf_printf(&fail->msg, "yaml: line %u: exceeded max depth of %d", fail->line, GO_MAX_DEPTH);
                } else {
                    fail->status = rc = KAP_ELIMIT;
                    buf_printf(&fail->msg, "nesting deeper than %zu levels (max_depth)", max_depth);
                }
                break;
            }
            if (depth == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                sframe *ns = kap_realloc(stack, ncap * sizeof *ns);
                if (!ns) {
                    rc = fail_nomem(fail);
                    break;
                }
                stack = ns;
                cap = ncap;
            }
            if (rs && depth == 2 && stack[1].streamed)
                d->a = va = &rs->rule; /* a rule begins */
            int streamed = 0;
            if (rs && seq && rules_sequence(stack, depth)) {
                if (rs->used)
                    rs->again = 1; /* a second "rules": the last one counts */
                else
                    streamed = rs->used = 1;
            }
            sframe *f = &stack[depth++];
            if (depth > opened) {
                memset(f, 0, sizeof *f);
                opened = depth;
            }
            node.kind = seq ? YN_SEQ : YN_MAP;
            sframe_open(f, &node, flow, streamed);
            if (decoding) {
                int drc = count_decode(d, &node);
                if (!drc) {
                    d->depth++;
                    drc = too_deep(d, &node);
                }
                if (drc)
                    decoding = 0;
            }
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            /* libyaml emits an end event only after its start event */
            KAP_ANALYZER_ASSUME(stack != NULL && depth > 0);
            sframe *f = &stack[--depth];
            if (f->flow)
                flow_depth--;
            else
                block_depth--;
            if (decoding) {
                int drc = one_pass_close(d, f, &value);
                d->depth--;
                if (drc)
                    decoding = 0;
                else if (f->streamed)
                    rs->streamed = value;
            }
            break;
        }
        default:
            break;
        }
        if (rs && depth == 2 && stack[1].streamed && (value || va != a)) {
            /* an item of "rules" is whole (or, decoding stopped, over):
             * to the sink, then its values go */
            if (rc == KAP_OK && decoding && value) {
                RULE_SUNK();
                if (d->sink(d->sink_ctx, value, rs->next++) != KAP_OK) {
                    (void)fail_nomem(d->fail);
                    decoding = 0;
                }
                stack[1].n++;
            }
            value = NULL;
            if (va != a) {
                arena_reset(&rs->rule);
                d->a = va = a;
            }
        }
        if (rc == KAP_OK && decoding && value && one_pass_attach(d, stack, depth, value, root))
            decoding = 0;
        yaml_event_delete(&ev);
        if (rc != KAP_OK)
            break;
    }
    while (opened > 0)
        sframe_free(&stack[--opened]);
    kap_free(stack);
    yaml_parser_delete(&parser);
    d->copy_to = NULL;
    return rc;
}

/* The NaN or infinity json.Marshal meets first: maps in key order. */
static const jv *first_nonfinite(const jv *v)
{
    if (v->kind == JV_NUMBER && v->b == JV_NUM_FLOAT && (v->s[0] == '.' || (v->s[0] == '-' && v->s[1] == '.')))
        return v;
    size_t n = v->kind == JV_ARRAY || v->kind == JV_OBJECT ? v->n : 0;
    for (size_t i = 0; i < n; i++) {
        const jv *f = first_nonfinite(v->kind == JV_ARRAY ? v->items[i] : v->members[i].val);
        if (f)
            return f;
    }
    return NULL;
}

static double strtod_special(const char *s)
{
    if (strcmp(s, ".nan") == 0)
        return NAN;
    return s[0] == '-' ? -INFINITY : INFINITY;
}


int yaml_to_jv_rules(kap_arena *a, kap_arena *strs, const char *data, size_t len, const kap_limits *lim,
                     jv **out, kap_buf *strict_errs, kap_fail *fail, yaml_rule_sink sink, void *ctx,
                     const jv **streamed)
{
    *out = NULL;
    if (streamed)
        *streamed = NULL;
    ydec d = {0};
    d.a = a;
    d.strs = strs;
    d.lim = lim;
    d.strict = strict_errs;
    /* the document node counts as one decode */
    d.decodes = 1;
    kap_fail dfail = {0};
    d.fail = &dfail;
    jv *root = NULL;
    rstate rs = {0};
    int rc;
    if (TWO_PASSES_ONLY) {
        rc = ONE_PASS_NO;
    } else {
        d.sink = sink;
        d.sink_ctx = ctx;
        rc = one_pass(a, strs, data, len, lim, &d, &root, fail, sink ? &rs : NULL);
        arena_free(&rs.rule);
        /* the rules' values are gone; where the document needs them
         * whole, it is read again (first_nonfinite walks every value) */
        if (rc == KAP_OK && !dfail.status && !dfail.msg.oom && !d.conv.oom && !strict_errs->oom && rs.used &&
            (rs.again || d.nonfinite))
            rc = ONE_PASS_AGAIN;
    }
    if (rc == ONE_PASS_AGAIN) {
        buf_free(&dfail.msg);
        buf_free(&d.conv);
        buf_free(strict_errs);
        buf_free(&fail->msg);
        memset(fail, 0, sizeof *fail);
        memset(&dfail, 0, sizeof dfail);
        memset(&d, 0, sizeof d);
        d.a = a;
        d.strs = strs;
        d.lim = lim;
        d.strict = strict_errs;
        d.decodes = 1;
        d.fail = &dfail;
        rs = (rstate){0};
        rc = one_pass(a, strs, data, len, lim, &d, &root, fail, NULL);
    }
    if (rc != KAP_OK && (dfail.status == KAP_ENOMEM || dfail.msg.oom || d.conv.oom || strict_errs->oom)) {
        /* memory ran out while decoding: that is the outcome, whatever
         * the rest of the document holds */
        buf_free(&fail->msg);
        memset(fail, 0, sizeof *fail);
        rc = fail_nomem(fail);
    }
    if (rc != KAP_OK) {
        /* a syntax error (nothing was decoded then), or a document for
         * the two passes */
        buf_free(&dfail.msg);
        buf_free(&d.conv);
        buf_free(strict_errs);
        if (rc != ONE_PASS_NO)
            return rc;
        /* (what the first pass left in the arenas stays there, unused) */
        buf_free(&fail->msg);
        memset(fail, 0, sizeof *fail);
        ynode *tree = NULL;
        rc = compose(a, strs, data, len, lim, &tree, fail);
        if (rc)
            return rc;
        if (!tree)
            return KAP_OK; /* empty document: JSON null */
        memset(&d, 0, sizeof d);
        d.a = a;
        d.strs = strs;
        d.lim = lim;
        d.fail = fail;
        d.strict = strict_errs;
        d.decodes = 1;
        rc = decode_node(&d, tree, out);
    } else if (dfail.status) {
        ONE_PASS_DONE();
        rc = dfail.status; /* a decoding error in a document whose syntax is right */
        buf_free(&fail->msg);
        *fail = dfail;
    } else {
        ONE_PASS_DONE();
        buf_free(&dfail.msg);
        if (!root) {
            buf_free(&d.conv);
            return KAP_OK; /* empty document: JSON null */
        }
        *out = root;
        if (streamed)
            *streamed = rs.streamed;
    }
    if (rc == KAP_OK && !d.has_conv && d.nonfinite) {
        /* json.Marshal refuses the first NaN or infinity it writes, in
         * the order it writes the maps' keys */
        const jv *bad = first_nonfinite(*out); /* none when they were keys or overwritten */
        if (bad) {
            d.has_conv = 1;
            d.conv_line = bad->line;
            d.conv_col = bad->col;
            buf_adds(&d.conv, "json: unsupported value: ");
            go_format_float_g(&d.conv, strtod_special(bad->s), 64);
        }
    }
    if (rc == KAP_OK && ((d.has_conv && d.conv.oom) || strict_errs->oom)) {
        rc = fail_nomem(fail); /* (a strict message lost is lost memory too) */
    } else if (rc == KAP_OK && d.has_conv) {
        fail->status = rc = KAP_EINVALID;
        fail->line = d.conv_line;
        fail->col = d.conv_col;
        buf_add(&fail->msg, d.conv.s, d.conv.len);
    }
    buf_free(&d.conv);
    return rc;
}

int yaml_to_jv_split(kap_arena *a, kap_arena *strs, const char *data, size_t len, const kap_limits *lim,
                     jv **out, kap_buf *strict_errs, kap_fail *fail)
{
    return yaml_to_jv_rules(a, strs, data, len, lim, out, strict_errs, fail, NULL, NULL, NULL);
}

int yaml_to_jv(kap_arena *a, const char *data, size_t len, const kap_limits *lim, jv **out,
               kap_buf *strict_errs, kap_fail *fail)
{
    return yaml_to_jv_split(a, a, data, len, lim, out, strict_errs, fail);
}
