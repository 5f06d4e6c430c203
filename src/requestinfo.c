/* From an HTTP method and URL to the attributes the audit policy sees, as
 * kube-apiserver's request-info code derives them (../shared/spec/requestinfo.md;
 * section numbers below are that document's). Go's HTTP server and URL
 * parser run first and refuse some request lines (section 2); the list
 * options decoding of a GET without a name (sections 9 and 11, appendix A)
 * decides between list and watch and may take a name from a field selector.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct sv {
    const char *s;
    size_t n;
} sv;

struct kap_requestinfo {
    kap_arena arena; /* this parse's strings; reset by the next one */
    kap_buf error;
    int http_status;
};

static int sv_is(sv v, const char *lit)
{
    size_t n = strlen(lit);
    return v.n == n && memcmp(v.s, lit, n) == 0;
}

int kap_requestinfo_new(kap_requestinfo **out)
{
    if (!out)
        return KAP_EARG;
    *out = kap_calloc(1, sizeof **out);
    return *out ? KAP_OK : KAP_ENOMEM;
}

void kap_requestinfo_free(kap_requestinfo *ri)
{
    if (!ri)
        return;
    arena_free(&ri->arena);
    buf_free(&ri->error);
    kap_free(ri);
}

const char *kap_requestinfo_error(const kap_requestinfo *ri)
{
    return ri && ri->error.s && ri->http_status ? ri->error.s : "";
}

int kap_requestinfo_http_status(const kap_requestinfo *ri)
{
    return ri ? ri->http_status : 0;
}

/* ---- section 2: what Go's HTTP server refuses ----------------------------- */

/* RFC 7230's tchar: Go's server answers 400 to a method that is not a token. */
static int is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
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

/* Percent-decodes s into out (room for s.n bytes), '+' as a space when
 * query is set (Go's unescape in path and query-component modes). Returns
 * the decoded length, or (size_t)-1 at a '%' not followed by two hex
 * digits; *bad then points at it. */
static size_t unescape(sv s, char *out, int query, const char **bad)
{
    size_t k = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.s[i];
        if (c == '%') {
            if (i + 2 >= s.n || hexval((unsigned char)s.s[i + 1]) < 0 || hexval((unsigned char)s.s[i + 2]) < 0) {
                *bad = s.s + i;
                return (size_t)-1;
            }
            out[k++] = (char)(hexval((unsigned char)s.s[i + 1]) * 16 + hexval((unsigned char)s.s[i + 2]));
            i += 2;
        } else {
            out[k++] = (char)(query && c == '+' ? ' ' : c);
        }
    }
    return k;
}

static int refuse(kap_requestinfo *ri, int status, const char *fmt, const char *arg, size_t n)
{
    ri->error.len = 0;
    if (status == 400)
        buf_adds(&ri->error, "Go's HTTP server answers 400 Bad Request before kube-apiserver sees the request: ");
    else
        buf_adds(&ri->error, "kube-apiserver answers 500 (failed to create RequestInfo): ");
    /* %s: arg Go-quoted; %v: arg as it is; either cut after 200 bytes */
    const char *at = strchr(fmt, '%');
    buf_add(&ri->error, fmt, at ? (size_t)(at - fmt) : strlen(fmt));
    if (at) {
        size_t shown = n > 200 ? 200 : n;
        if (at[1] == 's')
            go_quote(&ri->error, arg, shown);
        else
            buf_add(&ri->error, arg, shown);
        if (shown < n)
            buf_printf(&ri->error, "... (%zu bytes)", n);
        buf_adds(&ri->error, at + 2);
    }
    ri->http_status = status;
    return ri->error.oom ? KAP_ENOMEM : KAP_EPARSE;
}

/* ---- section 4: the query ----------------------------------------------------- */

/* The first value of each list option that can fail to decode, and of watch. */
enum { Q_WATCH, Q_TIMEOUT, Q_LIMIT, Q_LABELS, Q_FIELDS, Q_N };
static const char *const QKEYS[Q_N] = {"watch", "timeoutSeconds", "limit", "labelSelector", "fieldSelector"};

typedef struct query {
    int any;         /* some key survived */
    int has[Q_N];
    sv val[Q_N];
} query;

/* Go's url.ParseQuery, keeping only what section 9 reads. scratch has room
 * for raw.n bytes. */
static void parse_query(sv raw, char *scratch, query *q)
{
    memset(q, 0, sizeof *q);
    size_t i = 0;
    while (i < raw.n) {
        const char *amp = memchr(raw.s + i, '&', raw.n - i);
        size_t end = amp ? (size_t)(amp - raw.s) : raw.n;
        sv piece = {raw.s + i, end - i};
        i = end + 1;
        if (piece.n == 0 || memchr(piece.s, ';', piece.n))
            continue;
        const char *eq = memchr(piece.s, '=', piece.n);
        sv key = {piece.s, eq ? (size_t)(eq - piece.s) : piece.n};
        sv val = {eq ? eq + 1 : piece.s + piece.n, eq ? piece.n - key.n - 1 : 0};
        const char *bad;
        size_t kn = unescape(key, scratch, 1, &bad);
        if (kn == (size_t)-1)
            continue;
        size_t vn = unescape(val, scratch + kn, 1, &bad);
        if (vn == (size_t)-1)
            continue;
        sv k = {scratch, kn}, v = {scratch + kn, vn};
        scratch += kn + vn;
        q->any = 1;
        for (int j = 0; j < Q_N; j++) {
            if (!q->has[j] && sv_is(k, QKEYS[j])) {
                q->has[j] = 1;
                q->val[j] = v;
            }
        }
    }
}

/* strconv.ParseInt(s, 10, 64) succeeds. */
static int is_int64(sv s)
{
    size_t i = 0;
    int neg = 0;
    if (s.n && (s.s[0] == '+' || s.s[0] == '-')) {
        neg = s.s[0] == '-';
        i = 1;
    }
    if (i == s.n)
        return 0;
    uint64_t v = 0, max = neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
    for (; i < s.n; i++) {
        if (s.s[i] < '0' || s.s[i] > '9')
            return 0;
        unsigned d = (unsigned)(s.s[i] - '0');
        if (v > (max - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    return 1;
}

/* ---- appendix A: label selectors ------------------------------------------------ */

typedef enum {
    T_EOS, T_IDENT, T_IN, T_NOTIN, T_NOT, T_EQ, T_DEQ, T_NEQ, T_GT, T_LT, T_LPAR, T_RPAR, T_COMMA
} ltok;

typedef struct ltoken {
    ltok t;
    sv lit;
} ltoken;

static int is_label_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static int is_label_special(unsigned char c) { return c && strchr("=!(),><", c) != NULL; }

/* One token of the label selector lexer. A NUL byte reads as the end, as
 * the Go lexer's read() returning 0 does: where a token starts it ends the
 * selector; right after a word or an operator it ends that token and is
 * consumed, so lexing goes on after it. */
static ltoken label_lex(sv s, size_t *pos)
{
    ltoken k = {T_EOS, {s.s + *pos, 0}};
    while (*pos < s.n && is_label_space((unsigned char)s.s[*pos]))
        (*pos)++;
    if (*pos >= s.n || s.s[*pos] == 0) {
        if (*pos < s.n)
            (*pos)++;
        return k;
    }
    const char *p = s.s + *pos;
    unsigned char c = (unsigned char)*p;
    if (is_label_special(c)) {
        int two = *pos + 1 < s.n && p[1] == '=' && (c == '!' || c == '=');
        k.lit.s = p;
        k.lit.n = two ? 2 : 1;
        *pos += k.lit.n;
        if (*pos < s.n && s.s[*pos] == 0)
            (*pos)++; /* read() gave 0 and nothing was unread */
        switch (c) {
        case '!': k.t = two ? T_NEQ : T_NOT; break;
        case '=': k.t = two ? T_DEQ : T_EQ; break;
        case '>': k.t = T_GT; break;
        case '<': k.t = T_LT; break;
        case '(': k.t = T_LPAR; break;
        case ')': k.t = T_RPAR; break;
        default: k.t = T_COMMA; break;
        }
        return k;
    }
    size_t start = *pos;
    while (*pos < s.n && s.s[*pos] != 0 && !is_label_special((unsigned char)s.s[*pos]) &&
           !is_label_space((unsigned char)s.s[*pos]))
        (*pos)++;
    k.lit.s = s.s + start;
    k.lit.n = *pos - start;
    if (*pos < s.n && s.s[*pos] == 0)
        (*pos)++; /* the NUL that ended the word is consumed */
    k.t = sv_is(k.lit, "in") ? T_IN : sv_is(k.lit, "notin") ? T_NOTIN : T_IDENT;
    return k;
}

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63 bytes: a label
 * value (which may also be empty) and the name part of a key. */
static int is_qualified_part(sv v)
{
    if (v.n == 0 || v.n > 63 || !is_alnum((unsigned char)v.s[0]) || !is_alnum((unsigned char)v.s[v.n - 1]))
        return 0;
    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.s[i];
        if (!is_alnum(c) && c != '-' && c != '_' && c != '.')
            return 0;
    }
    return 1;
}

static int is_label_value(sv v) { return v.n == 0 || is_qualified_part(v); }

/* An RFC 1123 subdomain of at most 253 bytes. */
static int is_dns_subdomain(sv v)
{
    if (v.n == 0 || v.n > 253)
        return 0;
    size_t label = 0;
    for (size_t i = 0; i <= v.n; i++) {
        if (i == v.n || v.s[i] == '.') {
            if (label == 0 || v.s[i - 1] == '-')
                return 0;
            label = 0;
            continue;
        }
        unsigned char c = (unsigned char)v.s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
        if (label == 0 && c == '-')
            return 0;
        label++;
    }
    return 1;
}

static int is_label_key(sv k)
{
    const char *slash = memchr(k.s, '/', k.n);
    if (!slash)
        return is_qualified_part(k);
    sv prefix = {k.s, (size_t)(slash - k.s)}, name = {slash + 1, k.n - prefix.n - 1};
    if (memchr(name.s, '/', name.n))
        return 0;
    return is_dns_subdomain(prefix) && is_qualified_part(name);
}

/* The Go parser looks ahead and consumes tokens from a list it lexed first;
 * this one lexes as it goes, keeping one token of lookahead. In "values"
 * context the keywords in and notin are identifiers. */
typedef struct lparser {
    sv s;
    size_t pos;
    ltoken ahead;
} lparser;

static ltok as_value(ltok t) { return t == T_IN || t == T_NOTIN ? T_IDENT : t; }
static ltok peek(const lparser *p) { return as_value(p->ahead.t); }

static ltoken take(lparser *p)
{
    ltoken k = p->ahead;
    if (k.t != T_EOS)
        p->ahead = label_lex(p->s, &p->pos);
    return k;
}

/* ( values ): Go's parseValues and parseIdentifiersList. Empty items are
 * the empty value; every value must be a valid label value. */
static int label_values(lparser *p)
{
    if (take(p).t != T_LPAR)
        return 0;
    ltok t = peek(p);
    if (t == T_RPAR) {
        take(p);
        return 1;
    }
    if (t != T_IDENT && t != T_COMMA)
        return 0;
    for (;;) {
        ltoken k = take(p);
        if (as_value(k.t) == T_IDENT) {
            if (!is_label_value(k.lit))
                return 0;
            t = peek(p);
            if (t == T_COMMA)
                continue;
            if (t != T_RPAR)
                return 0;
            break;
        }
        if (k.t != T_COMMA)
            return 0;
        t = peek(p);
        if (t == T_RPAR)
            break;
        if (t == T_COMMA)
            take(p);
    }
    return take(p).t == T_RPAR;
}

/* One requirement: [!]key, or key OP value(s). */
static int label_requirement(lparser *p)
{
    ltoken k = take(p);
    int not = 0;
    if (as_value(k.t) == T_NOT) {
        not = 1;
        k = take(p);
    }
    if (as_value(k.t) != T_IDENT || !is_label_key(k.lit))
        return 0;
    ltok t = peek(p);
    if (t == T_EOS || t == T_COMMA)
        return 1; /* exists, or does not exist */
    if (not)
        return 0;
    ltoken op = take(p); /* keywords stay operators here */
    switch (op.t) {
    case T_IN:
    case T_NOTIN:
        return label_values(p);
    case T_EQ:
    case T_DEQ:
    case T_NEQ:
    case T_GT:
    case T_LT: {
        sv value = {"", 0};
        t = peek(p);
        if (t != T_EOS && t != T_COMMA) {
            ltoken v = take(p);
            if (as_value(v.t) != T_IDENT)
                return 0;
            value = v.lit;
        }
        if (!is_label_value(value))
            return 0;
        /* > and < need an integer too: with the value rule, digits only */
        return (op.t != T_GT && op.t != T_LT) || is_int64(value);
    }
    default:
        return 0;
    }
}

/* labels.Parse succeeds. */
static int label_selector_valid(sv s)
{
    lparser p = {s, 0, {T_EOS, {"", 0}}};
    p.ahead = label_lex(s, &p.pos);
    if (peek(&p) == T_EOS)
        return 1;
    for (;;) {
        ltok t = peek(&p);
        if (t != T_IDENT && t != T_NOT)
            return 0;
        if (!label_requirement(&p))
            return 0;
        ltoken sep = take(&p);
        if (sep.t == T_EOS)
            return 1;
        if (sep.t != T_COMMA)
            return 0;
    }
}

/* ---- section 11: field selectors ---------------------------------------------- */

static int sv_cmp(const void *a, const void *b)
{
    const sv *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = n ? memcmp(x->s, y->s, n) : 0;
    if (c)
        return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

/* One rune as Go's range loop reads it: an invalid byte reads as U+FFFD,
 * one byte wide. */
static size_t rune_len(const unsigned char *s, size_t n, int *valid)
{
    size_t size;
    *valid = utf8_decode(s, n, &size) >= 0;
    return size;
}

/* fields.UnescapeValue into out (room for 3 * v.n bytes). Returns the
 * length or (size_t)-1 for an invalid value. Without any of \ , = the value
 * is kept as it is; otherwise it is read rune by rune, and bytes that are
 * not UTF-8 come out as U+FFFD, as Go's WriteRune writes them. */
static size_t unescape_value(sv v, char *out)
{
    size_t k = 0;
    int slow = 0;
    for (size_t i = 0; i < v.n && !slow; i++)
        slow = v.s[i] == '\\' || v.s[i] == ',' || v.s[i] == '=';
    if (!slow) {
        if (v.n)
            memcpy(out, v.s, v.n);
        return v.n;
    }
    int in_slash = 0;
    for (size_t i = 0; i < v.n;) {
        int valid;
        size_t len = rune_len((const unsigned char *)v.s + i, v.n - i, &valid);
        char c = v.s[i];
        if (in_slash) {
            if (len != 1 || (c != '\\' && c != ',' && c != '='))
                return (size_t)-1;
            out[k++] = c;
            in_slash = 0;
        } else if (c == '\\') {
            in_slash = 1;
        } else if (c == ',' || c == '=') {
            return (size_t)-1;
        } else if (valid) {
            memcpy(out + k, v.s + i, len);
            k += len;
        } else {
            out[k++] = (char)0xEF; /* U+FFFD */
            out[k++] = (char)0xBF;
            out[k++] = (char)0xBD;
        }
        i += len;
    }
    return in_slash ? (size_t)-1 : k;
}

/* fields.ParseSelector succeeds; *name receives the value of the first
 * metadata.name term with = or == in sorted order (name->s NULL if none).
 * Returns 1 valid, 0 invalid, -1 out of memory. */
static int field_selector(kap_arena *a, sv s, sv *name)
{
    name->s = NULL;
    name->n = 0;
    if (s.n == 0)
        return 1;
    size_t nterms = 1;
    for (size_t i = 0; i < s.n; i++) {
        if (s.s[i] == '\\')
            i++;
        else if (s.s[i] == ',')
            nterms++;
    }
    sv *terms = arena_alloc(a, nterms * sizeof *terms);
    char *out = arena_alloc(a, s.n * 3 + 1);
    if (!terms || !out)
        return -1;
    size_t t = 0, start = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.s[i] == '\\') {
            i++;
        } else if (s.s[i] == ',') {
            terms[t].s = s.s + start;
            terms[t++].n = i - start;
            start = i + 1;
        }
    }
    terms[t].s = s.s + start;
    terms[t].n = s.n - start;
    qsort(terms, nterms, sizeof *terms, sv_cmp);
    for (size_t i = 0; i < nterms; i++) {
        sv term = terms[i];
        if (term.n == 0)
            continue;
        size_t at = 0, oplen = 0;
        int neq = 0;
        for (; at < term.n; at++) {
            if (term.s[at] == '!' && at + 1 < term.n && term.s[at + 1] == '=') {
                oplen = 2, neq = 1;
                break;
            }
            if (term.s[at] == '=') {
                oplen = at + 1 < term.n && term.s[at + 1] == '=' ? 2 : 1;
                break;
            }
        }
        if (!oplen)
            return 0;
        sv field = {term.s, at}, raw = {term.s + at + oplen, term.n - at - oplen};
        size_t vn = unescape_value(raw, out);
        if (vn == (size_t)-1)
            return 0;
        if (!name->s && !neq && sv_is(field, "metadata.name")) {
            name->s = out;
            name->n = vn;
            out += vn;
        }
    }
    return 1;
}

/* Go's strings.EqualFold(v, "false"): ASCII case aside, the s may also be
 * U+017F LATIN SMALL LETTER LONG S, which folds to s. */
static int equal_fold_false(sv v)
{
    static const char word[] = "false";
    size_t i = 0;
    for (int k = 0; k < 5; k++) {
        if (i >= v.n)
            return 0;
        unsigned char c = (unsigned char)v.s[i];
        if (k == 3 && c == 0xC5 && i + 1 < v.n && (unsigned char)v.s[i + 1] == 0xBF) {
            i += 2;
            continue;
        }
        if ((c | 0x20) != (unsigned char)word[k])
            return 0;
        i++;
    }
    return i == v.n;
}

/* strings.ToLower(v) is "false" (no other rune lower-cases into these letters). */
static int lower_is_false(sv v)
{
    if (v.n != 5)
        return 0;
    for (size_t i = 0; i < 5; i++)
        if (((unsigned char)v.s[i] | 0x20) != (unsigned char)"false"[i])
            return 0;
    return 1;
}

/* Section 9: a GET or HEAD without a name. Sets *watch and maybe *name. */
static int list_or_watch(kap_arena *a, const query *q, int *watch, sv *name)
{
    *watch = 0;
    if (!q->any)
        return KAP_OK;
    int ok = 1;
    sv selected = {NULL, 0};
    if (q->has[Q_TIMEOUT] && !is_int64(q->val[Q_TIMEOUT]))
        ok = 0;
    if (ok && q->has[Q_LIMIT] && !is_int64(q->val[Q_LIMIT]))
        ok = 0;
    if (ok && q->has[Q_LABELS] && !label_selector_valid(q->val[Q_LABELS]))
        ok = 0;
    if (ok && q->has[Q_FIELDS]) {
        int rc = field_selector(a, q->val[Q_FIELDS], &selected);
        if (rc < 0)
            return KAP_ENOMEM;
        ok = rc;
    }
    if (q->has[Q_WATCH]) {
        sv w = q->val[Q_WATCH];
        int is_false = sv_is(w, "0") || (ok ? equal_fold_false(w) : lower_is_false(w));
        *watch = !is_false;
    }
    if (ok && selected.s && selected.n && !sv_is(selected, ".") && !sv_is(selected, "..") &&
        !memchr(selected.s, '/', selected.n) && !memchr(selected.s, '%', selected.n))
        *name = selected;
    return KAP_OK;
}

/* ---- sections 5 to 10 ----------------------------------------------------------- */

typedef struct attrs {
    int resource_request;
    sv verb, ns, group, version, resource, sub, name, path;
} attrs;

static int method_verb(sv method, sv *verb)
{
    static const struct {
        const char *method, *verb;
    } map[] = {{"POST", "create"}, {"GET", "get"},   {"HEAD", "get"},
               {"PUT", "update"},  {"PATCH", "patch"}, {"DELETE", "delete"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (sv_is(method, map[i].method)) {
            verb->s = map[i].verb;
            verb->n = strlen(map[i].verb);
            return 1;
        }
    }
    verb->s = "";
    verb->n = 0;
    return 0;
}

/* Splits the decoded path into segments (section 5); seg has room for
 * path.n / 2 + 1 of them. */
static size_t split_path(sv path, sv *seg)
{
    size_t b = 0, e = path.n, n = 0;
    while (b < e && path.s[b] == '/')
        b++;
    while (e > b && path.s[e - 1] == '/')
        e--;
    if (b == e)
        return 0;
    size_t start = b;
    for (size_t i = b; i <= e; i++) {
        if (i == e || path.s[i] == '/') {
            seg[n].s = path.s + start;
            seg[n++].n = i - start;
            start = i + 1;
        }
    }
    return n;
}

static int derive(kap_requestinfo *ri, sv method, sv path, sv rawquery, sv url, char *scratch, attrs *at)
{
    kap_arena *a = &ri->arena;
    memset(at, 0, sizeof *at);
    at->path = path;
    sv *seg = arena_alloc(a, (path.n / 2 + 1) * sizeof *seg);
    if (!seg)
        return KAP_ENOMEM;
    size_t n = split_path(path, seg);
    int apis = n && sv_is(seg[0], "apis");
    if (n < 3 || !(apis || sv_is(seg[0], "api")) || (apis && n < 4)) {
        /* a non-resource request: the method in lower case (it is a token: ASCII) */
        char *verb = arena_strndup(a, method.s, method.n);
        if (!verb)
            return KAP_ENOMEM;
        for (size_t i = 0; i < method.n; i++)
            if (verb[i] >= 'A' && verb[i] <= 'Z')
                verb[i] = (char)(verb[i] - 'A' + 'a');
        at->verb.s = verb;
        at->verb.n = method.n;
        return KAP_OK;
    }
    at->resource_request = 1;
    size_t i = 1;
    if (apis)
        at->group = seg[i++];
    at->version = seg[i++];
    sv *r = seg + i;
    size_t nr = n - i;
    int by_method = 0;
    if (sv_is(r[0], "watch") || sv_is(r[0], "proxy")) {
        if (nr < 2)
            return refuse(ri, 500, "unable to determine kind and namespace from url, %v", url.s, url.n);
        at->verb = r[0];
        r++, nr--;
    } else {
        by_method = 1;
        method_verb(method, &at->verb);
    }
    if (sv_is(r[0], "namespaces") && nr > 1) {
        at->ns = r[1];
        if (nr > 2 && !sv_is(r[2], "status") && !sv_is(r[2], "finalize"))
            r += 2, nr -= 2;
    }
    at->resource = r[0];
    if (nr >= 2)
        at->name = r[1];
    if (nr >= 3 && !sv_is(at->verb, "proxy"))
        at->sub = r[2];
    if (by_method && at->name.n == 0 && sv_is(at->verb, "get")) {
        query q;
        int watch;
        parse_query(rawquery, scratch, &q);
        if (list_or_watch(a, &q, &watch, &at->name) != KAP_OK)
            return KAP_ENOMEM;
        at->verb.s = watch ? "watch" : "list";
        at->verb.n = strlen(at->verb.s);
    }
    if (at->name.n == 0 && sv_is(at->verb, "delete")) {
        at->verb.s = "deletecollection";
        at->verb.n = strlen(at->verb.s);
    }
    return KAP_OK;
}

/* ---- the entry points -------------------------------------------------------------- */

/* A NUL-terminated copy (in the arena) as a kap_str. */
static int out_str(kap_arena *a, sv v, kap_str *out)
{
    char *s = arena_strndup(a, v.s ? v.s : "", v.s ? v.n : 0);
    out->ptr = s;
    out->len = v.s ? v.n : 0;
    return s != NULL;
}

/* An absolute URL (https://host:6443/api/v1/pods?limit=500, as kubectl -v=8
 * prints it) stands for the request line a client sends for it: its path
 * and query, "/" for an empty path, without the fragment. Returns 0 when
 * url is not absolute. */
static int origin_form(sv url, sv *out)
{
    size_t i = 0;
    while (i < url.n && ((url.s[i] >= 'a' && url.s[i] <= 'z') || (url.s[i] >= 'A' && url.s[i] <= 'Z')))
        i++;
    if (i == 0 || url.n - i < 3 || memcmp(url.s + i, "://", 3) != 0)
        return 0;
    i += 3;
    while (i < url.n && url.s[i] != '/' && url.s[i] != '?' && url.s[i] != '#')
        i++;
    const char *hash = memchr(url.s + i, '#', url.n - i);
    out->s = url.s + i;
    out->n = (hash ? (size_t)(hash - url.s) : url.n) - i;
    return 1;
}

int kap_requestinfo_parse_n(kap_requestinfo *ri, const char *method, size_t method_len, const char *url,
                            size_t url_len, kap_request_n *out)
{
    if (!ri || !out || (!method && method_len) || (!url && url_len))
        return KAP_EARG;
    kap_request_n empty = KAP_REQUEST_N_INIT;
    *out = empty;
    arena_reset(&ri->arena);
    ri->error.len = 0;
    ri->http_status = 0;
    if (url_len > SIZE_MAX / 8 || method_len > SIZE_MAX / 8)
        return KAP_ELIMIT;
    sv m = {method ? method : "", method_len}, u = {url ? url : "", url_len};

    for (size_t i = 0; i < m.n; i++)
        if (!is_tchar((unsigned char)m.s[i]))
            return refuse(ri, 400, "the method %s is not an HTTP token", m.s, m.n);
    if (m.n == 0)
        return refuse(ri, 400, "the method is empty", NULL, 0);
    for (size_t i = 0; i < u.n; i++) {
        unsigned char c = (unsigned char)u.s[i];
        if (c < 0x20 || c == 0x7f || c == ' ')
            return refuse(ri, 400, "the URL %s holds a space or a control character", u.s, u.n);
    }
    if (u.n == 0)
        return refuse(ri, 400, "the URL is empty", NULL, 0);
    sv target = u;
    int absolute = origin_form(u, &target);
    int star = !absolute && sv_is(u, "*"); /* OPTIONS *: the path is "*" */
    if (!absolute && !star && u.s[0] != '/')
        return refuse(ri, 400, "the URL %s does not start with '/'", u.s, u.n);

    const char *qmark = star ? NULL : memchr(target.s, '?', target.n);
    sv rawpath = {target.s, qmark ? (size_t)(qmark - target.s) : target.n};
    sv rawquery = {qmark ? qmark + 1 : "", qmark ? target.n - rawpath.n - 1 : 0};
    char *buf = arena_alloc(&ri->arena, rawpath.n + 1 + rawquery.n + 1);
    if (!buf)
        return KAP_ENOMEM;
    const char *bad = NULL;
    size_t pn;
    if (rawpath.n == 0) { /* https://host or https://host?x: the client sends "/" */
        buf[0] = '/';
        pn = 1;
    } else {
        pn = unescape(rawpath, buf, 0, &bad);
    }
    if (pn == (size_t)-1) {
        size_t left = (size_t)(rawpath.s + rawpath.n - bad);
        return refuse(ri, 400, "invalid URL escape %s", bad, left < 3 ? left : 3);
    }
    sv path = {buf, pn};
    attrs at;
    int rc = derive(ri, m, path, rawquery, u, buf + rawpath.n + 1, &at);
    if (rc != KAP_OK)
        return rc;
    kap_arena *a = &ri->arena;
    out->resource_request = at.resource_request;
    if (!out_str(a, at.verb, &out->verb) || !out_str(a, at.ns, &out->ns) || !out_str(a, at.group, &out->api_group) ||
        !out_str(a, at.version, &out->api_version) || !out_str(a, at.resource, &out->resource) ||
        !out_str(a, at.sub, &out->subresource) || !out_str(a, at.name, &out->name) ||
        !out_str(a, at.path, &out->path)) {
        *out = empty;
        return KAP_ENOMEM;
    }
    return KAP_OK;
}

int kap_requestinfo_parse(kap_requestinfo *ri, const char *method, const char *url, kap_request *out)
{
    if (!out || !method || !url)
        return KAP_EARG;
    kap_request empty = KAP_REQUEST_INIT;
    *out = empty;
    kap_request_n n;
    int rc = kap_requestinfo_parse_n(ri, method, strlen(method), url, strlen(url), &n);
    if (rc != KAP_OK)
        return rc;
    out->verb = n.verb.ptr;
    out->ns = n.ns.ptr;
    out->api_group = n.api_group.ptr;
    out->api_version = n.api_version.ptr;
    out->resource = n.resource.ptr;
    out->subresource = n.subresource.ptr;
    out->name = n.name.ptr;
    out->path = n.path.ptr;
    out->resource_request = n.resource_request;
    return KAP_OK;
}
