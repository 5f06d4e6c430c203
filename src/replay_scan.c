/* The audit-event scanner: one line of a kube-apiserver audit log (an
 * Event, or an EventList as the webhook backend sends it) is validated as
 * JSON in one pass, and only what replay needs is taken out of it: the
 * attributes the policy saw, the request's ID, stage and recorded level,
 * and where the bodies are (to drop them when the event is written again).
 * Everything else is skipped, but still checked: a line that Go's
 * encoding/json would refuse is refused. Strings are scanned 16 bytes at a
 * time (SSE2) for their closing quote.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <string.h>

#include "replay_internal.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define MAX_DEPTH 10000 /* Go's encoding/json nesting limit */

/* 1 for the bytes that end the fast part of a string: '"', '\\' and
 * control characters (which JSON does not allow raw in a string). */
static const unsigned char str_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

typedef struct cur {
    rp_scan *s;
    const char *base, *p, *end;
} cur;

static int fail(cur *c, const char *why)
{
    if (!c->s->error) {
        c->s->error = why;
        c->s->error_at = (size_t)(c->p - c->base);
    }
    return -1;
}

static inline void skip_ws(cur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
        c->p++;
}

static int hexval(unsigned char h)
{
    if (h >= '0' && h <= '9')
        return h - '0';
    h |= 0x20;
    if (h >= 'a' && h <= 'f')
        return h - 'a' + 10;
    return -1;
}

/* c->p is just after an opening quote. Leaves c->p just after the closing
 * one; *esc tells whether the string holds escapes. */
static int scan_string(cur *c, int *esc)
{
    const char *p = c->p, *end = c->end;
    for (;;) {
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1f);
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                     _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));
            unsigned bits = (unsigned)_mm_movemask_epi8(m);
            if (bits) {
                p += __builtin_ctz(bits);
                goto special;
            }
            p += 16;
        }
#endif
        while (p < end && !str_special[(unsigned char)*p])
            p++;
        if (p >= end) {
            c->p = p;
            return fail(c, "unexpected end of JSON input in a string");
        }
#if defined(__SSE2__)
    special:
#endif
        if (*p == '"') {
            c->p = p + 1;
            return 0;
        }
        if (*p != '\\') {
            c->p = p;
            return fail(c, "invalid character in string literal");
        }
        *esc = 1;
        if (end - p < 2) {
            c->p = p;
            return fail(c, "unexpected end of JSON input in a string escape");
        }
        switch (p[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            p += 2;
            break;
        case 'u':
            if (end - p < 6 || hexval((unsigned char)p[2]) < 0 || hexval((unsigned char)p[3]) < 0 ||
                hexval((unsigned char)p[4]) < 0 || hexval((unsigned char)p[5]) < 0) {
                c->p = p;
                return fail(c, "invalid \\u escape in string literal");
            }
            p += 6;
            break;
        default:
            c->p = p;
            return fail(c, "invalid escape in string literal");
        }
    }
}

static void put_utf8(char *o, size_t *k, unsigned cp)
{
    if (cp < 0x80) {
        o[(*k)++] = (char)cp;
    } else if (cp < 0x800) {
        o[(*k)++] = (char)(0xC0 | (cp >> 6));
        o[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        o[(*k)++] = (char)(0xE0 | (cp >> 12));
        o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        o[(*k)++] = (char)(0xF0 | (cp >> 18));
        o[(*k)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[(*k)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static unsigned hex4(const char *h)
{
    /* validated: four hex digits */
    return (unsigned)hexval((unsigned char)h[0]) << 12 | (unsigned)hexval((unsigned char)h[1]) << 8 |
           (unsigned)hexval((unsigned char)h[2]) << 4 | (unsigned)hexval((unsigned char)h[3]);
}

/* Decodes an already validated string body [a, b) into o (room for b - a
 * bytes: no escape decodes longer than it is written), as Go does (a lone
 * surrogate becomes U+FFFD). Returns the length. */
static size_t decode_into(char *o, const char *a, const char *b)
{
    size_t k = 0;
    while (a < b) {
        if (*a != '\\') {
            o[k++] = *a++;
            continue;
        }
        char e = a[1];
        a += 2;
        switch (e) {
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case 'u': {
            unsigned cp = hex4(a);
            a += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && b - a >= 6 && a[0] == '\\' && a[1] == 'u') {
                unsigned lo = hex4(a + 2);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    a += 6;
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xD800 && cp < 0xE000) {
                cp = 0xFFFD;
            }
            put_utf8(o, &k, cp);
            break;
        }
        default: o[k++] = e; break; /* '"', '\\', '/' */
        }
    }
    return k;
}

/* The scratch was reserved for the whole line, and the event's strings
 * are decoded once each, so it never moves while a line is scanned. */
static rp_str unescape(rp_scan *s, const char *a, const char *b)
{
    char *o = s->scratch.s + s->scratch.len;
    size_t k = decode_into(o, a, b);
    s->scratch.len += k;
    rp_str r = {o, k};
    return r;
}

/* A string value at c->p (the caller saw its '"'), decoded. */
static int get_string(cur *c, rp_str *out)
{
    const char *a = ++c->p;
    int esc = 0;
    if (scan_string(c, &esc))
        return -1;
    if (esc) {
        *out = unescape(c->s, a, c->p - 1);
    } else {
        out->p = a;
        out->n = (size_t)(c->p - 1 - a);
    }
    return 0;
}

static int scan_number(cur *c)
{
    const char *p = c->p, *end = c->end;
    if (p < end && *p == '-')
        p++;
    if (p >= end || *p < '0' || *p > '9') {
        int start = p == c->p;
        c->p = p;
        return fail(c, start ? "invalid character looking for beginning of value"
                             : "invalid character in numeric literal");
    }
    if (*p == '0') {
        p++;
    } else {
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9') {
            c->p = p;
            return fail(c, "invalid character after decimal point in numeric literal");
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9') {
            c->p = p;
            return fail(c, "invalid character in exponent of numeric literal");
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    c->p = p;
    return 0;
}

static int scan_literal(cur *c, const char *lit, size_t n)
{
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
        return fail(c, "invalid literal");
    c->p += n;
    return 0;
}

static int depth_reserve(rp_scan *s, size_t depth)
{
    size_t words = depth / 64 + 1;
    if (words <= s->depth_cap)
        return 0;
    size_t cap = s->depth_cap * 2 > words ? s->depth_cap * 2 : words + 4;
    uint64_t *b = rp_realloc(s->depth_bits, cap * sizeof *b);
    if (!b) {
        s->oom = 1;
        return -1;
    }
    s->depth_bits = b;
    s->depth_cap = cap;
    return 0;
}

/* An object key and its colon, validated and skipped. */
static int skip_key(cur *c)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p != '"')
        return fail(c, "invalid character looking for beginning of object key string");
    c->p++;
    int esc = 0;
    if (scan_string(c, &esc))
        return -1;
    skip_ws(c);
    if (c->p >= c->end || *c->p != ':')
        return fail(c, "invalid character after object key");
    c->p++;
    return 0;
}

/* Any JSON value at c->p, validated and skipped, without recursion: one
 * bit per open container says whether it is an object. */
static int skip_value(cur *c, size_t depth0)
{
    rp_scan *s = c->s;
    size_t depth = 0;
    for (;;) {
        /* a value */
        skip_ws(c);
        if (c->p >= c->end)
            return fail(c, "unexpected end of JSON input");
        switch (*c->p) {
        case '"': {
            c->p++;
            int esc = 0;
            if (scan_string(c, &esc))
                return -1;
            break;
        }
        case '{': case '[': {
            int obj = *c->p == '{';
            if (depth0 + depth + 1 > MAX_DEPTH)
                return fail(c, "exceeded max depth");
            c->p++;
            if (depth_reserve(s, depth + 1))
                return -1;
            uint64_t bit = (uint64_t)1 << (depth & 63);
            if (obj)
                s->depth_bits[depth >> 6] |= bit;
            else
                s->depth_bits[depth >> 6] &= ~bit;
            depth++;
            skip_ws(c);
            if (c->p < c->end && *c->p == (obj ? '}' : ']')) {
                c->p++;
                depth--;
                break;
            }
            if (obj && skip_key(c))
                return -1;
            continue; /* the first element's value */
        }
        case 't': if (scan_literal(c, "true", 4)) return -1; break;
        case 'f': if (scan_literal(c, "false", 5)) return -1; break;
        case 'n': if (scan_literal(c, "null", 4)) return -1; break;
        default:
            if (scan_number(c))
                return -1;
            break;
        }
        /* after a value: close containers or move to the next element */
        for (;;) {
            if (depth == 0)
                return 0;
            int obj = (int)((s->depth_bits[(depth - 1) >> 6] >> ((depth - 1) & 63)) & 1);
            skip_ws(c);
            if (c->p >= c->end)
                return fail(c, "unexpected end of JSON input");
            if (*c->p == ',') {
                c->p++;
                if (obj && skip_key(c))
                    return -1;
                break; /* the next value */
            }
            if (*c->p == (obj ? '}' : ']')) {
                c->p++;
                depth--;
                continue;
            }
            return fail(c, obj ? "invalid character after object key:value pair"
                               : "invalid character after array element");
        }
    }
}

/* ---- objects, member by member ------------------------------------------ */

typedef struct member {
    rp_str key;
    size_t kstart;
    uint32_t idx;
} member;

/* At '{': enters the object. Returns 1 if it has members, 0 if empty. */
static int obj_open(cur *c)
{
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return 0;
    }
    return 1;
}

/* Reads a key and its colon; c->p then is at the value. */
static int obj_key(cur *c, member *m)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p != '"')
        return fail(c, "invalid character looking for beginning of object key string");
    m->kstart = (size_t)(c->p - c->base);
    if (get_string(c, &m->key))
        return -1;
    skip_ws(c);
    if (c->p >= c->end || *c->p != ':')
        return fail(c, "invalid character after object key");
    c->p++;
    skip_ws(c);
    if (c->p >= c->end)
        return fail(c, "unexpected end of JSON input");
    return 0;
}

/* After a member's value: 1 another member follows, 0 the object closed. */
static int obj_next(cur *c)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ',') {
        c->p++;
        return 1;
    }
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return 0;
    }
    return fail(c, c->p >= c->end ? "unexpected end of JSON input" : "invalid character after object key:value pair");
}

#define KEY_IS(k, lit) ((k).n == sizeof(lit) - 1 && memcmp((k).p, (lit), sizeof(lit) - 1) == 0)

static int push_cut(rp_scan *s, const rp_cut *cut)
{
    if (rp_grow(&s->cuts, &s->cap_cuts, s->n_cuts + 1, sizeof *s->cuts)) {
        s->oom = 1;
        return -1;
    }
    s->cuts[s->n_cuts++] = *cut;
    return 0;
}

static int push_group(rp_scan *s, rp_str g)
{
    if (rp_grow(&s->groups, &s->cap_groups, s->n_groups + 1, sizeof *s->groups)) {
        s->oom = 1;
        return -1;
    }
    s->groups[s->n_groups++] = g;
    return 0;
}

/* A string or null (null and absent are ""); a value of another type
 * makes the event wrong, with msg, but the line is still scanned. */
static int opt_string(cur *c, rp_str *out, rp_event *ev, const char *msg, size_t depth)
{
    if (c->p < c->end && *c->p == '"')
        return get_string(c, out);
    if (c->p < c->end && *c->p == 'n' && c->end - c->p >= 4 && memcmp(c->p, "null", 4) == 0) {
        c->p += 4;
        out->p = "";
        out->n = 0;
        return 0;
    }
    if (!ev->error)
        ev->error = msg;
    return skip_value(c, depth);
}

static int scan_user(cur *c, rp_event *ev, size_t depth)
{
    if (c->p < c->end && *c->p == 'n')
        return skip_value(c, depth); /* null: no user */
    if (c->p >= c->end || *c->p != '{') {
        if (!ev->error)
            ev->error = "\"user\" must be an object";
        return skip_value(c, depth);
    }
    if (!obj_open(c))
        return 0;
    member m;
    do {
        if (obj_key(c, &m))
            return -1;
        if (KEY_IS(m.key, "username")) {
            if (*c->p == 'n') {
                ev->has_user = 0;
                if (skip_value(c, depth + 1))
                    return -1;
            } else {
                if (opt_string(c, &ev->user, ev, "\"user.username\" must be a string", depth + 1))
                    return -1;
                ev->has_user = 1;
            }
        } else if (KEY_IS(m.key, "groups")) {
            ev->groups_off = c->s->n_groups;
            ev->n_groups = 0;
            if (*c->p == '[') {
                c->p++;
                skip_ws(c);
                if (c->p < c->end && *c->p == ']') {
                    c->p++;
                } else {
                    for (;;) {
                        skip_ws(c);
                        rp_str g;
                        if (c->p < c->end && *c->p == '"') {
                            if (get_string(c, &g) || push_group(c->s, g))
                                return -1;
                            ev->n_groups++;
                        } else {
                            if (!ev->error)
                                ev->error = "\"user.groups\" must be a list of strings";
                            if (skip_value(c, depth + 2))
                                return -1;
                        }
                        skip_ws(c);
                        if (c->p < c->end && *c->p == ',') {
                            c->p++;
                            continue;
                        }
                        if (c->p < c->end && *c->p == ']') {
                            c->p++;
                            break;
                        }
                        return fail(c, c->p >= c->end ? "unexpected end of JSON input"
                                                      : "invalid character after array element");
                    }
                }
            } else {
                if (*c->p != 'n' && !ev->error)
                    ev->error = "\"user.groups\" must be a list of strings";
                if (skip_value(c, depth + 1))
                    return -1;
            }
        } else if (skip_value(c, depth + 1)) {
            return -1;
        }
    } while (obj_next(c) == 1);
    return c->s->error ? -1 : 0;
}

static int scan_ref(cur *c, rp_event *ev, size_t depth)
{
    if (c->p < c->end && *c->p == 'n') {
        /* null: not a resource request. Go sets the pointer to nil, also
         * after an objectRef given before: a later one starts empty */
        ev->has_ref = 0;
        ev->ns = ev->api_group = ev->api_version = ev->resource = ev->subresource = ev->name = (rp_str){NULL, 0};
        return skip_value(c, depth);
    }
    if (c->p >= c->end || *c->p != '{') {
        if (!ev->error)
            ev->error = "\"objectRef\" must be an object";
        return skip_value(c, depth);
    }
    ev->has_ref = 1;
    if (!obj_open(c))
        return 0;
    member m;
    do {
        if (obj_key(c, &m))
            return -1;
        rp_str *slot = NULL;
        switch (m.key.n) {
        case 4: if (KEY_IS(m.key, "name")) slot = &ev->name; break;
        case 8:
            if (KEY_IS(m.key, "resource")) slot = &ev->resource;
            else if (KEY_IS(m.key, "apiGroup")) slot = &ev->api_group;
            break;
        case 9: if (KEY_IS(m.key, "namespace")) slot = &ev->ns; break;
        case 10: if (KEY_IS(m.key, "apiVersion")) slot = &ev->api_version; break;
        case 11: if (KEY_IS(m.key, "subresource")) slot = &ev->subresource; break;
        default: break;
        }
        if (slot) {
            if (opt_string(c, slot, ev, "\"objectRef\" fields must be strings", depth + 1))
                return -1;
        } else if (skip_value(c, depth + 1)) {
            return -1;
        }
    } while (obj_next(c) == 1);
    return c->s->error ? -1 : 0;
}

static int parse_enum(rp_str v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == v.n && memcmp(names[i], v.p, v.n) == 0)
            return i;
    return -1;
}

static const char *const stage_names[] = {"RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"};
static const char *const level_names[] = {"None", "Metadata", "Request", "RequestResponse"};

static rp_event *new_event(rp_scan *s)
{
    if (rp_grow(&s->events, &s->cap_events, s->n_events + 1, sizeof *s->events)) {
        s->oom = 1;
        return NULL;
    }
    rp_event *ev = &s->events[s->n_events++];
    memset(ev, 0, sizeof *ev);
    ev->stage = -1;
    ev->level = -1;
    ev->groups_off = s->n_groups;
    return ev;
}

static int scan_event_members(cur *c, rp_event *ev, size_t depth, int top);

/* kind and apiVersion: absent, null or "" pass (the webhook backend's
 * EventList items carry neither, some tools drop them), as Go's decoder
 * cannot tell those apart; any other value must be an audit event's. */
#define BAD_VERSION "\"apiVersion\" must be audit.k8s.io/v1 or audit.k8s.io/v1beta1"

/* kind or apiVersion: as opt_string, a value of another type also kept
 * apart in type_error (a list's frame has no other error that counts). */
static int type_string(cur *c, rp_str *out, rp_event *ev, const char *msg, size_t depth)
{
    int is_string = c->p < c->end && *c->p == '"';
    int is_null = c->end - c->p >= 4 && memcmp(c->p, "null", 4) == 0;
    if (!is_string && !is_null && !ev->type_error)
        ev->type_error = msg;
    return opt_string(c, out, ev, msg, depth);
}

static int type_is(rp_str v, const char *want)
{
    return v.n == 0 || (v.n == strlen(want) && memcmp(v.p, want, v.n) == 0);
}

static int audit_version(rp_str v)
{
    return type_is(v, "audit.k8s.io/v1") || type_is(v, "audit.k8s.io/v1beta1");
}

/* The items of an EventList, each an event. */
static int scan_items(cur *c, size_t depth)
{
    rp_scan *s = c->s;
    s->is_list = 1;
    s->items_open = (size_t)(c->p - c->base);
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == ']') {
        s->items_close = (size_t)(c->p - c->base);
        c->p++;
        return 0;
    }
    for (;;) {
        skip_ws(c);
        rp_event *ev = new_event(s);
        if (!ev)
            return -1;
        size_t k = s->n_events - 1;
        ev->start = (size_t)(c->p - c->base);
        if (c->p < c->end && *c->p == '{') {
            if (scan_event_members(c, ev, depth + 1, 0))
                return -1;
        } else {
            ev->error = "an EventList item must be an object";
            if (skip_value(c, depth + 1))
                return -1;
        }
        s->events[k].end = (size_t)(c->p - c->base);
        skip_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == ']') {
            s->items_close = (size_t)(c->p - c->base);
            c->p++;
            return 0;
        }
        return fail(c, c->p >= c->end ? "unexpected end of JSON input" : "invalid character after array element");
    }
}

/* At '{' of an event (or of the line's object when top): its members. */
static int scan_event_members(cur *c, rp_event *ev_in, size_t depth, int top)
{
    rp_scan *s = c->s;
    size_t evi = (size_t)(ev_in - s->events); /* s->events may move (EventList) */
#define EV (&s->events[evi])
    uint32_t obj = s->n_objects++;
    size_t cuts0 = s->n_cuts;
    if (!obj_open(c))
        goto done;
    member m;
    uint32_t idx = 0;
    size_t prev_vend = SIZE_MAX;
    int more;
    do {
        if (obj_key(c, &m))
            return -1;
        /* the member before, if it is a cut, learns where this one starts */
        if (s->n_cuts > cuts0 && s->cuts[s->n_cuts - 1].obj == obj && s->cuts[s->n_cuts - 1].idx == idx - 1)
            s->cuts[s->n_cuts - 1].next_kstart = m.kstart;
        size_t vstart = (size_t)(c->p - c->base);
        rp_str v;
        int r = 0;
        switch (m.key.n) {
        case 4:
            if (KEY_IS(m.key, "verb"))
                r = opt_string(c, &EV->verb, EV, "\"verb\" must be a string", depth + 1);
            else if (KEY_IS(m.key, "kind"))
                r = type_string(c, &EV->kind, EV, "\"kind\" must be a string", depth + 1);
            else if (KEY_IS(m.key, "user"))
                r = scan_user(c, EV, depth + 1);
            else
                r = skip_value(c, depth + 1);
            break;
        case 5:
            if (KEY_IS(m.key, "level")) {
                if (*c->p == '"') {
                    r = get_string(c, &v);
                    EV->level = r ? -1 : parse_enum(v, level_names, 4);
                    EV->level_vstart = vstart;
                    EV->level_vend = (size_t)(c->p - c->base);
                    if (!r && EV->level < 0 && !EV->error)
                        EV->error = "unknown \"level\"";
                } else {
                    if (!EV->error)
                        EV->error = "\"level\" must be a string";
                    r = skip_value(c, depth + 1);
                }
            } else if (KEY_IS(m.key, "stage")) {
                if (*c->p == '"') {
                    r = get_string(c, &v);
                    EV->stage = r ? -1 : parse_enum(v, stage_names, 4);
                    if (!r && EV->stage < 0 && !EV->error)
                        EV->error = "unknown \"stage\"";
                } else {
                    if (!EV->error)
                        EV->error = "\"stage\" must be a string";
                    r = skip_value(c, depth + 1);
                }
            } else if (top && KEY_IS(m.key, "items") && *c->p == '[') {
                r = scan_items(c, depth + 1);
            } else {
                r = skip_value(c, depth + 1);
            }
            break;
        case 7:
            if (KEY_IS(m.key, "auditID")) {
                if (*c->p == '"') {
                    r = get_string(c, &EV->audit_id);
                } else {
                    if (!EV->error)
                        EV->error = "\"auditID\" must be a string";
                    r = skip_value(c, depth + 1);
                }
            } else {
                r = skip_value(c, depth + 1);
            }
            break;
        case 9:
            if (KEY_IS(m.key, "objectRef"))
                r = scan_ref(c, EV, depth + 1);
            else
                r = skip_value(c, depth + 1);
            break;
        case 10:
            if (KEY_IS(m.key, "requestURI"))
                r = opt_string(c, &EV->uri, EV, "\"requestURI\" must be a string", depth + 1);
            else if (KEY_IS(m.key, "apiVersion"))
                r = type_string(c, &EV->type_version, EV, "\"apiVersion\" must be a string", depth + 1);
            else
                r = skip_value(c, depth + 1);
            break;
        case 13:
        case 14: {
            int which = KEY_IS(m.key, "requestObject") ? 0 : KEY_IS(m.key, "responseObject") ? 1 : -1;
            r = skip_value(c, depth + 1);
            if (!r && which >= 0) {
                rp_cut cut = {m.kstart, (size_t)(c->p - c->base), prev_vend, SIZE_MAX, vstart, obj, idx, which};
                r = push_cut(s, &cut);
            }
            break;
        }
        default:
            r = skip_value(c, depth + 1);
            break;
        }
        if (r)
            return -1;
        prev_vend = (size_t)(c->p - c->base);
        idx++;
        more = obj_next(c);
        if (more < 0)
            return -1;
    } while (more);
done:
    EV->cuts_off = cuts0;
    EV->n_cuts = s->n_cuts - cuts0;
    if (top && s->is_list) {
        /* the line's own object is the list */
        if (EV->type_error)
            s->list_error = EV->type_error;
        else if (!type_is(EV->kind, "EventList"))
            s->list_error = "\"kind\" must be \"EventList\"";
        else if (!audit_version(EV->type_version))
            s->list_error = BAD_VERSION;
        return 0;
    }
    if (!EV->error) {
        if (EV->kind.n && type_is(EV->kind, "EventList"))
            EV->error = "an EventList without an \"items\" list";
        else if (!type_is(EV->kind, "Event"))
            EV->error = "\"kind\" must be \"Event\"";
        else if (!audit_version(EV->type_version))
            EV->error = BAD_VERSION;
        else if (!EV->audit_id.p)
            EV->error = "no \"auditID\"";
        else if (EV->audit_id.n == 0)
            EV->error = "empty \"auditID\"";
        else if (EV->stage < 0)
            EV->error = "no \"stage\"";
        else if (EV->level < 0)
            EV->error = "no \"level\"";
    }
    return 0;
#undef EV
}

void rp_scan_free(rp_scan *s)
{
    rp_free(s->events);
    rp_free(s->groups);
    rp_free(s->cuts);
    rp_free(s->depth_bits);
    rp_buf_free(&s->scratch);
    memset(s, 0, sizeof *s);
}

int rp_scan_line(rp_scan *s, const char *line, size_t len)
{
    s->is_list = 0;
    s->list_error = NULL;
    s->n_events = s->n_groups = s->n_cuts = 0;
    s->n_objects = 0;
    s->error = NULL;
    s->error_at = 0;
    s->oom = 0;
    s->scratch.len = 0;
    if (rp_buf_reserve(&s->scratch, len + 1))
        return -2;
    cur c = {s, line, line, line + len};
    skip_ws(&c);
    if (c.p >= c.end) {
        fail(&c, "unexpected end of JSON input");
        return -1;
    }
    if (*c.p != '{') {
        /* a JSON value that is not an object, or not JSON at all */
        const char *at = c.p;
        if (skip_value(&c, 0) == 0) {
            s->error = NULL;
            c.p = at;
            fail(&c, "an audit event must be a JSON object");
        }
        return s->oom ? -2 : -1;
    }
    rp_event *ev = new_event(s);
    if (!ev)
        return -2;
    ev->start = (size_t)(c.p - line);
    if (scan_event_members(&c, ev, 0, 1))
        return s->oom ? -2 : -1;
    s->events[0].end = (size_t)(c.p - line);
    skip_ws(&c);
    if (c.p < c.end) {
        fail(&c, "invalid character after top-level value");
        return -1;
    }
    if (s->is_list) {
        /* the line's own object is the list, not an event */
        memmove(s->events, s->events + 1, (s->n_events - 1) * sizeof *s->events);
        s->n_events--;
    }
    return 0;
}

/* ---- managedFields inside a body ---------------------------------------- */

/* What to do with each member of an object that has the key looked for. */
typedef int (*member_fn)(rp_scan *s, const char *line, const rp_cut *m, void *arg);

/* Calls fn for every member named key of the object at c->p, in order,
 * each described as a cut. Every one, not only the last that Go keeps: a
 * key given twice is walked twice, so that no managedFields is left in
 * the bytes written, whichever duplicate a reader of them takes. fn is
 * called once the member after is known (a cut needs it). 0, or -1. */
static int each_member(cur *c, const char *key, size_t klen, member_fn fn, void *arg)
{
    rp_scan *s = c->s;
    skip_ws(c);
    if (c->p >= c->end || *c->p != '{')
        return 0;
    uint32_t obj = s->n_objects++;
    if (!obj_open(c))
        return 0;
    int pending = 0, more;
    uint32_t idx = 0;
    size_t prev_vend = SIZE_MAX;
    rp_cut cut;
    do {
        /* the key, compared without the scratch (the event's strings live there) */
        skip_ws(c);
        if (c->p >= c->end || *c->p != '"')
            return fail(c, "invalid character looking for beginning of object key string");
        size_t kstart = (size_t)(c->p - c->base);
        const char *ka = ++c->p;
        int esc = 0;
        if (scan_string(c, &esc))
            return -1;
        const char *kb = c->p - 1;
        int match;
        if (!esc) {
            match = (size_t)(kb - ka) == klen && memcmp(ka, key, klen) == 0;
        } else {
            char tmp[96];
            match = (size_t)(kb - ka) <= sizeof tmp && decode_into(tmp, ka, kb) == klen && memcmp(tmp, key, klen) == 0;
        }
        skip_ws(c);
        if (c->p >= c->end || *c->p != ':')
            return fail(c, "invalid character after object key");
        c->p++;
        if (pending) {
            cut.next_kstart = kstart;
            pending = 0;
            if (fn(s, c->base, &cut, arg) < 0)
                return -1;
        }
        skip_ws(c);
        size_t vstart = (size_t)(c->p - c->base);
        if (skip_value(c, 1))
            return -1;
        if (match) {
            rp_cut m = {kstart, (size_t)(c->p - c->base), prev_vend, SIZE_MAX, vstart, obj, idx, 2};
            cut = m;
            pending = 1;
        }
        prev_vend = (size_t)(c->p - c->base);
        idx++;
        more = obj_next(c);
        if (more < 0)
            return -1;
    } while (more);
    return pending ? fn(s, c->base, &cut, arg) : 0;
}

static int cut_member(rp_scan *s, const char *line, const rp_cut *m, void *arg)
{
    (void)line;
    (void)arg;
    return push_cut(s, m);
}

/* managedFields of the metadata member m. */
static int cut_metadata_mf(rp_scan *s, const char *line, const rp_cut *m, void *arg)
{
    (void)arg;
    cur c = {s, line, line + m->vstart, line + m->vend};
    return each_member(&c, "managedFields", 13, cut_member, NULL);
}

/* metadata.managedFields of the object at [start, end). */
static int cut_object_mf(rp_scan *s, const char *line, size_t start, size_t end)
{
    cur c = {s, line, line + start, line + end};
    return each_member(&c, "metadata", 8, cut_metadata_mf, NULL);
}

static int cut_member_object_mf(rp_scan *s, const char *line, const rp_cut *m, void *arg)
{
    (void)arg;
    return cut_object_mf(s, line, m->vstart, m->vend);
}

/* The member sub of each element of an array (items, rows), or with no
 * sub, each element: its metadata.managedFields. */
static int cut_elements_mf(rp_scan *s, const char *line, const rp_cut *arr, void *arg)
{
    const char *sub = *(const char *const *)arg;
    cur a = {s, line, line + arr->vstart, line + arr->vend};
    if (*a.p != '[')
        return 0;
    a.p++;
    skip_ws(&a);
    if (*a.p == ']')
        return 0;
    for (;;) {
        skip_ws(&a);
        size_t es = (size_t)(a.p - line);
        if (skip_value(&a, 1))
            return -1;
        size_t ee = (size_t)(a.p - line);
        if (sub) {
            cur e = {s, line, line + es, line + ee};
            if (each_member(&e, sub, strlen(sub), cut_member_object_mf, NULL) < 0)
                return -1;
        } else if (cut_object_mf(s, line, es, ee) < 0) {
            return -1;
        }
        skip_ws(&a);
        if (*a.p != ',')
            return 0;
        a.p++;
    }
}

/* Each element of the array member key of the object at [start, end),
 * or, with sub, the member sub of each element: its metadata.managedFields. */
static int cut_list_mf(rp_scan *s, const char *line, size_t start, size_t end, const char *key, size_t klen,
                       const char *sub)
{
    cur c = {s, line, line + start, line + end};
    return each_member(&c, key, klen, cut_elements_mf, &sub);
}

int rp_scan_managed_fields(rp_scan *s, const char *line, size_t vstart, size_t vend)
{
    /* as kube-apiserver's copyWithoutManagedFields: the object itself, the
     * items of a list, the row objects of a Table */
    if (cut_object_mf(s, line, vstart, vend) < 0 ||
        cut_list_mf(s, line, vstart, vend, "items", 5, NULL) < 0 ||
        cut_list_mf(s, line, vstart, vend, "rows", 4, "object") < 0)
        return -1;
    return 0;
}

/* ---- writing an event again ---------------------------------------------- */

static void sort_cuts(rp_cut *c, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        rp_cut x = c[i];
        size_t j = i;
        while (j > 0 && c[j - 1].kstart > x.kstart) {
            c[j] = c[j - 1];
            j--;
        }
        c[j] = x;
    }
}

size_t rp_rewrite(rp_buf *out, const char *line, size_t start, size_t end, rp_cut *cuts, size_t n_cuts,
                  size_t rep_start, size_t rep_end, const char *rep)
{
    sort_cuts(cuts, n_cuts);
    size_t total = 0, pos = start, i = 0;
    size_t rep_len = rep ? strlen(rep) : 0;
    for (;;) {
        /* the next span to delete: a run of adjacent members of one object
         * goes with the comma before it, or, at the start of the object,
         * with the comma after it */
        size_t da = end, db = end, j = i;
        if (i < n_cuts) {
            while (j + 1 < n_cuts && cuts[j + 1].obj == cuts[i].obj && cuts[j + 1].idx == cuts[j].idx + 1)
                j++;
            if (cuts[i].prev_vend != SIZE_MAX) {
                da = cuts[i].prev_vend;
                db = cuts[j].vend;
            } else if (cuts[j].next_kstart != SIZE_MAX) {
                da = cuts[i].kstart;
                db = cuts[j].next_kstart;
            } else {
                da = cuts[i].kstart;
                db = cuts[j].vend;
            }
        }
        if (rep && rep_start >= pos && rep_start < da) {
            if (out) {
                rp_buf_add(out, line + pos, rep_start - pos);
                rp_buf_add(out, rep, rep_len);
            }
            total += rep_start - pos + rep_len;
            pos = rep_end;
            rep = NULL;
            continue;
        }
        if (out)
            rp_buf_add(out, line + pos, da - pos);
        total += da - pos;
        if (i >= n_cuts)
            return total;
        pos = db;
        i = j + 1;
    }
}
