/* The JSON-lines request reader (formats.md), shared by "kap eval", the
 * batch entry point and the bindings. SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct kap_request_reader {
    kap_arena arena;
    kap_buf error;
    const char **groups; /* for kap_request */
    kap_str *groups_n;   /* for kap_request_n */
    size_t groups_cap;
};

int kap_request_reader_new(kap_request_reader **out)
{
    if (!out)
        return KAP_EARG;
    *out = kap_calloc(1, sizeof **out);
    return *out ? KAP_OK : KAP_ENOMEM;
}

void kap_request_reader_free(kap_request_reader *r)
{
    if (!r)
        return;
    arena_free(&r->arena);
    buf_free(&r->error);
    kap_free(r->groups);
    kap_free(r->groups_n);
    kap_free(r);
}

const char *kap_request_reader_error(const kap_request_reader *r)
{
    return r && r->error.s ? r->error.s : "";
}

static int parse_error(kap_request_reader *r, const char *fmt, const char *arg)
{
    r->error.len = 0;
    buf_printf(&r->error, fmt, arg);
    return r->error.oom ? KAP_ENOMEM : KAP_EPARSE;
}

/* A copy in the reader's arena, NUL-terminated, with its length. */
static int copy_str(kap_request_reader *r, const jv *v, kap_str *out)
{
    out->ptr = arena_strndup(&r->arena, v->s, v->len);
    out->len = v->len;
    return out->ptr != NULL;
}

enum { RK_NONE, RK_USER, RK_GROUPS, RK_RESREQ, RK_STRING };

static const size_t string_slot[] = {
    offsetof(kap_request_n, verb),     offsetof(kap_request_n, ns),          offsetof(kap_request_n, api_group),
    offsetof(kap_request_n, api_version), offsetof(kap_request_n, resource), offsetof(kap_request_n, subresource),
    offsetof(kap_request_n, name),     offsetof(kap_request_n, path),
};
static const char *const string_key[] = {"verb", "namespace", "apiGroup", "apiVersion",
                                         "resource", "subresource", "name", "path"};

/* Which request field a key names: RK_STRING + index into string_slot. */
static int key_kind(const char *k, size_t n, int python_names)
{
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(k, lit, n) == 0)
    switch (n) {
    case 4:
        if (IS("user")) return RK_USER;
        if (IS("verb")) return RK_STRING + 0;
        if (IS("name")) return RK_STRING + 6;
        if (IS("path")) return RK_STRING + 7;
        break;
    case 6:
        if (IS("groups")) return RK_GROUPS;
        break;
    case 8:
        if (IS("apiGroup")) return RK_STRING + 2;
        if (IS("resource")) return RK_STRING + 4;
        break;
    case 9:
        if (IS("namespace")) return RK_STRING + 1;
        if (python_names && IS("api_group")) return RK_STRING + 2;
        break;
    case 10:
        if (IS("apiVersion")) return RK_STRING + 3;
        break;
    case 11:
        if (IS("subresource")) return RK_STRING + 5;
        if (python_names && IS("api_version")) return RK_STRING + 3;
        break;
    case 15:
        if (IS("resourceRequest")) return RK_RESREQ;
        break;
    case 16:
        if (python_names && IS("resource_request")) return RK_RESREQ;
        break;
    default:
        break;
    }
    return RK_NONE;
#undef IS
}

/* One request object (formats.md) into *out; strings are copied into the
 * reader's arena. python_names: also the binding's keyword names. */
static int request_from_jv(kap_request_reader *r, const jv *root, kap_request_n *out, int python_names)
{
    kap_request_n req = KAP_REQUEST_N_INIT;
    kap_str none = KAP_STR_NONE;
    if (root->kind != JV_OBJECT)
        return parse_error(r, "a request must be a JSON object, not %s", jv_kind_go_name(root->kind));
    for (size_t i = 0; i < root->n; i++) {
        const jv_member *m = &root->members[i];
        const jv *v = m->val;
        int kind = key_kind(m->key, m->klen, python_names);
        if (kind == RK_NONE)
            continue;
        if (kind == RK_USER) {
            if (v->kind == JV_NULL) {
                req.user = none;
            } else if (v->kind == JV_STRING) {
                if (!copy_str(r, v, &req.user))
                    return KAP_ENOMEM;
            } else {
                return parse_error(r, "\"user\" must be a string or null, not %s", jv_kind_go_name(v->kind));
            }
        } else if (kind == RK_GROUPS) {
            if (v->kind == JV_NULL) {
                req.groups = NULL;
                req.n_groups = 0;
                continue;
            }
            if (v->kind != JV_ARRAY)
                return parse_error(r, "\"groups\" must be a list of strings, not %s", jv_kind_go_name(v->kind));
            if (v->n > r->groups_cap) {
                const char **g = kap_realloc(r->groups, v->n * sizeof *g);
                if (!g)
                    return KAP_ENOMEM;
                r->groups = g;
                kap_str *gn = kap_realloc(r->groups_n, v->n * sizeof *gn);
                if (!gn)
                    return KAP_ENOMEM;
                r->groups_n = gn;
                r->groups_cap = v->n;
            }
            for (size_t k = 0; k < v->n; k++) {
                if (v->items[k]->kind != JV_STRING)
                    return parse_error(r, "\"groups\" must be a list of strings, not a list holding %s",
                                       jv_kind_go_name(v->items[k]->kind));
                if (!copy_str(r, v->items[k], &r->groups_n[k]))
                    return KAP_ENOMEM;
            }
            req.groups = r->groups_n;
            req.n_groups = v->n;
        } else if (kind == RK_RESREQ) {
            if (v->kind == JV_BOOL)
                req.resource_request = v->b;
            else if (v->kind == JV_NULL)
                req.resource_request = 0;
            else
                return parse_error(r, "\"resourceRequest\" must be true or false, not %s",
                                   jv_kind_go_name(v->kind));
        } else {
            int k = kind - RK_STRING;
            kap_str *slot = (kap_str *)((char *)&req + string_slot[k]);
            if (v->kind == JV_NULL) {
                *slot = none;
            } else if (v->kind == JV_STRING) {
                if (!copy_str(r, v, slot))
                    return KAP_ENOMEM;
            } else {
                r->error.len = 0;
                buf_printf(&r->error, "\"%s\" must be a string, not %s", string_key[k], jv_kind_go_name(v->kind));
                return r->error.oom ? KAP_ENOMEM : KAP_EPARSE;
            }
        }
    }
    *out = req;
    return KAP_OK;
}

int kap_request_reader_parse_n(kap_request_reader *r, const char *line, size_t len, kap_request_n *out)
{
    if (!r || !out || (!line && len))
        return KAP_EARG;
    /* the previous line's strings go; keep one block to reuse */
    arena_reset(&r->arena);
    if (r->error.oom)
        buf_free(&r->error);
    kap_request_n none = KAP_REQUEST_N_INIT;
    *out = none;
    kap_fail fail = {0};
    jv *root = NULL;
    int rc = json_to_jv(&r->arena, line ? line : "", len, NULL, &root, &fail);
    if (rc) {
        r->error.len = 0;
        if (fail.status == KAP_ENOMEM) {
            buf_free(&fail.msg);
            return KAP_ENOMEM;
        }
        buf_add(&r->error, fail.msg.s, fail.msg.len);
        buf_free(&fail.msg);
        return r->error.oom ? KAP_ENOMEM : KAP_EPARSE;
    }
    return request_from_jv(r, root, out, 0);
}

/* The C-string form: the same strings, which end at their first NUL. */
static void to_cstrings(kap_request_reader *r, const kap_request_n *n, kap_request *out)
{
    kap_request req = KAP_REQUEST_INIT;
    req.user = n->user.ptr;
    for (size_t k = 0; k < n->n_groups; k++)
        r->groups[k] = n->groups[k].ptr;
    req.groups = n->groups ? r->groups : NULL;
    req.n_groups = n->n_groups;
    req.verb = n->verb.ptr;
    req.ns = n->ns.ptr;
    req.api_group = n->api_group.ptr;
    req.api_version = n->api_version.ptr;
    req.resource = n->resource.ptr;
    req.subresource = n->subresource.ptr;
    req.name = n->name.ptr;
    req.path = n->path.ptr;
    req.resource_request = n->resource_request;
    *out = req;
}

int kap_request_reader_parse(kap_request_reader *r, const char *line, size_t len, kap_request *out)
{
    if (!r || !out || (!line && len))
        return KAP_EARG;
    kap_request_n n;
    int rc = kap_request_reader_parse_n(r, line, len, &n);
    kap_request none = KAP_REQUEST_INIT;
    *out = none;
    if (rc == KAP_OK)
        to_cstrings(r, &n, out);
    return rc;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

int kap_policy_match_jsonl(const kap_policy *p, const char *text, size_t len, kap_decision *out,
                           int *status, size_t capacity, size_t *n_lines)
{
    if (!p || (!text && len) || (!out && capacity))
        return KAP_EARG;
    kap_request_reader *r;
    int rc = kap_request_reader_new(&r);
    if (rc)
        return rc;
    size_t k = 0, pos = 0;
    rc = KAP_OK;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (k < capacity) {
            const char *line = text + pos;
            size_t L = end - pos;
            if (is_blank(line, L)) {
                if (status)
                    status[k] = 1;
            } else {
                kap_request_n req;
                int prc = kap_request_reader_parse_n(r, line, L, &req);
                if (prc == KAP_ENOMEM) {
                    rc = KAP_ENOMEM;
                    break;
                }
                if (prc == KAP_OK)
                    kap_policy_match_n(p, &req, &out[k]);
                if (status)
                    status[k] = prc;
            }
        } else {
            rc = KAP_ELIMIT;
        }
        k++;
        pos = end + 1;
    }
    if (n_lines)
        *n_lines = k;
    kap_request_reader_free(r);
    return rc;
}

int kap_policy_match_json(const kap_policy *p, const char *text, size_t len, kap_decision *out, int *status,
                          size_t capacity, size_t *n_requests)
{
    if (!p || (!text && len) || (!out && capacity))
        return KAP_EARG;
    kap_request_reader *r;
    int rc = kap_request_reader_new(&r);
    if (rc)
        return rc;
    kap_arena doc = {0};
    kap_fail fail = {0};
    jv *root = NULL;
    rc = json_to_jv(&doc, text ? text : "", len, NULL, &root, &fail);
    if (rc == KAP_OK && root->kind != JV_ARRAY) {
        r->error.len = 0;
        buf_printf(&r->error, "the requests must be a JSON array, not %s", jv_kind_go_name(root->kind));
        rc = KAP_EPARSE;
    } else if (rc != KAP_OK) {
        r->error.len = 0;
        buf_add(&r->error, fail.msg.s, fail.msg.len);
        rc = rc == KAP_ENOMEM ? KAP_ENOMEM : KAP_EPARSE;
    }
    buf_free(&fail.msg);
    size_t k = 0;
    if (rc == KAP_OK) {
        for (; k < root->n; k++) {
            if (k >= capacity) {
                rc = KAP_ELIMIT;
                break;
            }
            kap_request_n req;
            arena_reset(&r->arena);
            int prc = request_from_jv(r, root->items[k], &req, 0);
            if (prc == KAP_ENOMEM) {
                rc = KAP_ENOMEM;
                break;
            }
            if (prc == KAP_OK)
                kap_policy_match_n(p, &req, &out[k]);
            if (status)
                status[k] = prc;
        }
        k = root->n;
    }
    if (n_requests)
        *n_requests = k;
    arena_free(&doc);
    kap_request_reader_free(r);
    return rc;
}

/* ---- requests serialised by Python's marshal module --------------------------
 * The Python binding hands over a whole list of request dicts with one call
 * of marshal.dumps() (format 2 to 4), the cheapest serialisation Python has.
 * Each dict is read straight into a kap_request, without building values:
 * strings stay in the buffer until they are copied, NUL-terminated, into a
 * scratch area. Objects marshal marks for reuse are remembered by kind, so a
 * later reference to a string, a list of strings or a whole request dict
 * (the same dict object again) is resolved without parsing it twice. */

#define M_FLAG_REF 0x80

enum { MR_OTHER, MR_STR, MR_NONE, MR_TRUE, MR_FALSE, MR_STRLIST, MR_REQUEST };

typedef struct mref {
    uint8_t kind;
    uint32_t len;
    const unsigned char *s; /* MR_STR */
    uint32_t off, n;        /* MR_STRLIST: strings at refs_strs[off..off+n) */
    int32_t rule;           /* MR_REQUEST: its decision's rule; status in n */
} mref;

typedef struct mstr {
    const unsigned char *s;
    uint32_t len;
} mstr;

typedef struct mreader {
    const unsigned char *p, *end;
    mref *refs;
    size_t nrefs, refs_cap;
    mstr *strs; /* the strings of remembered lists */
    size_t nstrs, strs_cap;
    int depth;
} mreader;

static int m_u32(mreader *m, uint32_t *out)
{
    if (m->end - m->p < 4)
        return 0;
    *out = (uint32_t)m->p[0] | (uint32_t)m->p[1] << 8 | (uint32_t)m->p[2] << 16 | (uint32_t)m->p[3] << 24;
    m->p += 4;
    return 1;
}

static int m_reserve(mreader *m, size_t *slot)
{
    if (kap_grow(&m->refs, &m->refs_cap, m->nrefs + 1, sizeof *m->refs, 256))
        return KAP_ENOMEM;
    memset(&m->refs[m->nrefs], 0, sizeof *m->refs);
    *slot = m->nrefs++;
    return KAP_OK;
}

static int m_str_push(mreader *m, const unsigned char *s, uint32_t len)
{
    if (kap_grow(&m->strs, &m->strs_cap, m->nstrs + 1, sizeof *m->strs, 256))
        return KAP_ENOMEM;
    m->strs[m->nstrs].s = s;
    m->strs[m->nstrs].len = len;
    m->nstrs++;
    return KAP_OK;
}

/* A value as far as a request needs it. Lists of strings land in m->strs
 * from *list_off on. */
typedef struct mval {
    uint8_t kind;
    const unsigned char *s;
    uint32_t len;
    uint32_t list_off, list_n;
} mval;

static int m_value(mreader *m, mval *out);

static int m_string_body(mreader *m, unsigned char code, mval *v)
{
    uint32_t n;
    if (code == 'z' || code == 'Z') {
        if (m->p >= m->end)
            return KAP_EPARSE;
        n = *m->p++;
    } else if (!m_u32(m, &n)) {
        return KAP_EPARSE;
    }
    if ((size_t)(m->end - m->p) < n)
        return KAP_EPARSE;
    v->kind = MR_STR;
    v->s = m->p;
    v->len = n;
    m->p += n;
    return KAP_OK;
}

static int m_value(mreader *m, mval *out)
{
    if (m->p >= m->end || ++m->depth > 64)
        return KAP_EPARSE;
    unsigned char code = *m->p++;
    int flag = code & M_FLAG_REF;
    code &= (unsigned char)~M_FLAG_REF;
    size_t slot = 0;
    int rc;
    if (flag && (rc = m_reserve(m, &slot)) != KAP_OK)
        return rc;
    memset(out, 0, sizeof *out);
    uint32_t n;
    rc = KAP_OK;
    switch (code) {
    case 'r': {
        if (!m_u32(m, &n) || n >= m->nrefs)
            return KAP_EPARSE;
        const mref *r = &m->refs[n];
        out->kind = r->kind;
        out->s = r->s;
        out->len = r->len;
        out->list_off = r->off;
        out->list_n = r->n;
        if (r->kind == MR_REQUEST) {
            out->list_off = (uint32_t)r->rule;
            out->list_n = r->n;
        }
        m->depth--;
        return KAP_OK;
    }
    case 'N': out->kind = MR_NONE; break;
    case 'T': out->kind = MR_TRUE; break;
    case 'F': out->kind = MR_FALSE; break;
    case 'i':
        if (!m_u32(m, &n))
            return KAP_EPARSE;
        out->kind = MR_OTHER;
        break;
    case 'g':
        if (m->end - m->p < 8)
            return KAP_EPARSE;
        m->p += 8;
        out->kind = MR_OTHER;
        break;
    case 'z': case 'Z': case 'a': case 'A': case 'u': case 't':
        rc = m_string_body(m, code, out);
        break;
    case 's': /* bytes: not a request value, skipped */
        if (!m_u32(m, &n) || (size_t)(m->end - m->p) < n)
            return KAP_EPARSE;
        m->p += n;
        out->kind = MR_OTHER;
        break;
    case '[': case '(': case ')': case '<': case '>': {
        if (code == ')') {
            if (m->p >= m->end)
                return KAP_EPARSE;
            n = *m->p++;
        } else if (!m_u32(m, &n)) {
            return KAP_EPARSE;
        }
        if (n > (size_t)(m->end - m->p))
            return KAP_EPARSE;
        /* strings of the list are collected; anything else makes it MR_OTHER */
        size_t start = m->nstrs;
        int all_strings = code == '[' || code == '(' || code == ')';
        for (uint32_t i = 0; i < n && rc == KAP_OK; i++) {
            mval item;
            rc = m_value(m, &item);
            if (rc == KAP_OK && item.kind == MR_STR && all_strings)
                rc = m_str_push(m, item.s, item.len);
            else if (rc == KAP_OK)
                all_strings = 0;
        }
        out->kind = all_strings ? MR_STRLIST : MR_OTHER;
        out->list_off = (uint32_t)start;
        out->list_n = all_strings ? n : 0;
        break;
    }
    case '{':
        /* a dict below a request: skipped, its references remembered */
        for (;;) {
            if (m->p >= m->end)
                return KAP_EPARSE;
            if (*m->p == '0') {
                m->p++;
                break;
            }
            mval k, v;
            if ((rc = m_value(m, &k)) != KAP_OK || (rc = m_value(m, &v)) != KAP_OK)
                return rc;
        }
        out->kind = MR_OTHER;
        break;
    default:
        return KAP_EPARSE;
    }
    if (rc != KAP_OK)
        return rc;
    if (flag) {
        mref *r = &m->refs[slot];
        r->kind = out->kind;
        r->s = out->s;
        r->len = out->len;
        r->off = out->list_off;
        r->n = out->list_n;
    }
    m->depth--;
    return KAP_OK;
}

/* Scratch space for one request's NUL-terminated strings. */
typedef struct mscratch {
    char *buf;
    size_t len, cap;
    kap_str *groups;
    size_t groups_cap;
} mscratch;

static int m_copy(mscratch *sc, const unsigned char *s, uint32_t len, size_t *at)
{
    if (sc->len + len + 1 > sc->cap) {
        size_t cap = sc->cap ? sc->cap : 1024;
        while (cap < sc->len + len + 1)
            cap *= 2;
        char *b = kap_realloc(sc->buf, cap);
        if (!b)
            return KAP_ENOMEM;
        sc->buf = b;
        sc->cap = cap;
    }
    memcpy(sc->buf + sc->len, s, len);
    sc->buf[sc->len + len] = 0;
    *at = sc->len;
    sc->len += len + 1;
    return KAP_OK;
}

/* One request dict, after its '{'. Strings go into sc as offsets first
 * (the buffer may move), pointers are set at the end. */
static int m_request(mreader *m, mscratch *sc, kap_request_n *req, int *bad)
{
    size_t off[RK_STRING + 8] = {0}, slen[RK_STRING + 8] = {0};
    uint8_t set[RK_STRING + 8] = {0};
    size_t groups_n = 0;
    uint32_t list_off = 0;
    int has_groups = 0, has_user = 0, rr = 0;
    sc->len = 0;
    *bad = 0;
    for (;;) {
        if (m->p >= m->end)
            return KAP_EPARSE;
        if (*m->p == '0') {
            m->p++;
            break;
        }
        mval k, v;
        int rc;
        if ((rc = m_value(m, &k)) != KAP_OK || (rc = m_value(m, &v)) != KAP_OK)
            return rc;
        if (k.kind != MR_STR) {
            *bad = 1;
            continue;
        }
        int kind = key_kind((const char *)k.s, k.len, 1);
        if (kind == RK_NONE)
            continue;
        if (kind == RK_USER) {
            if (v.kind == MR_NONE) {
                has_user = 0;
            } else if (v.kind == MR_STR) {
                if ((rc = m_copy(sc, v.s, v.len, &off[RK_USER])) != KAP_OK)
                    return rc;
                slen[RK_USER] = v.len;
                has_user = 1;
            } else {
                *bad = 1;
            }
        } else if (kind == RK_GROUPS) {
            if (v.kind == MR_NONE) {
                has_groups = 0;
            } else if (v.kind == MR_STRLIST) {
                has_groups = 1;
                list_off = v.list_off;
                groups_n = v.list_n;
            } else {
                *bad = 1;
            }
        } else if (kind == RK_RESREQ) {
            if (v.kind == MR_TRUE || v.kind == MR_FALSE || v.kind == MR_NONE)
                rr = v.kind == MR_TRUE;
            else
                *bad = 1;
        } else if (v.kind == MR_STR) {
            if ((rc = m_copy(sc, v.s, v.len, &off[kind])) != KAP_OK)
                return rc;
            slen[kind] = v.len;
            set[kind] = 1;
        } else if (v.kind == MR_NONE) {
            set[kind] = 0;
        } else {
            *bad = 1;
        }
    }
    if (*bad)
        return KAP_OK;
    if (has_groups) {
        if (groups_n > sc->groups_cap) {
            kap_str *g = kap_realloc(sc->groups, groups_n * sizeof *g);
            if (!g)
                return KAP_ENOMEM;
            sc->groups = g;
            sc->groups_cap = groups_n;
        }
        /* copy each group after the other strings */
        size_t *goff = NULL;
        size_t tmp[16];
        goff = groups_n <= 16 ? tmp : kap_malloc(groups_n * sizeof *goff);
        if (!goff)
            return KAP_ENOMEM;
        for (size_t i = 0; i < groups_n; i++) {
            int rc = m_copy(sc, m->strs[list_off + i].s, m->strs[list_off + i].len, &goff[i]);
            if (rc != KAP_OK) {
                if (goff != tmp)
                    kap_free(goff);
                return rc;
            }
        }
        for (size_t i = 0; i < groups_n; i++) {
            sc->groups[i].ptr = sc->buf + goff[i];
            sc->groups[i].len = m->strs[list_off + i].len;
        }
        if (goff != tmp)
            kap_free(goff);
    }
    kap_request_n q = KAP_REQUEST_N_INIT;
    if (has_user) {
        q.user.ptr = sc->buf + off[RK_USER];
        q.user.len = slen[RK_USER];
    }
    q.groups = has_groups ? sc->groups : NULL;
    q.n_groups = has_groups ? groups_n : 0;
    for (int k = 0; k < 8; k++) {
        kap_str *slot = (kap_str *)((char *)&q + string_slot[k]);
        if (set[RK_STRING + k]) {
            slot->ptr = sc->buf + off[RK_STRING + k];
            slot->len = slen[RK_STRING + k];
        }
    }
    q.resource_request = rr;
    *req = q;
    return KAP_OK;
}

int kap_policy_match_marshal(const kap_policy *p, const void *data, size_t len, int32_t *rules, int *status,
                             size_t capacity, size_t *n_requests)
{
    if (!p || (!data && len) || (!rules && capacity))
        return KAP_EARG;
    mreader m = {(const unsigned char *)data, (const unsigned char *)data + len, NULL, 0, 0, NULL, 0, 0, 0};
    mscratch sc = {0};
    int rc = KAP_OK;
    /* the list itself is read here, its elements one at a time */
    uint32_t n = 0;
    size_t slot;
    if (m.p < m.end && (*m.p & ~M_FLAG_REF) == '[') {
        if ((*m.p++ & M_FLAG_REF) && m_reserve(&m, &slot) != KAP_OK)
            rc = KAP_ENOMEM;
        else if (!m_u32(&m, &n))
            rc = KAP_EPARSE;
    } else {
        rc = KAP_EPARSE;
    }
    size_t k = 0;
    for (; rc == KAP_OK && k < n; k++) {
        if (k >= capacity) {
            rc = KAP_ELIMIT;
            break;
        }
        if (m.p >= m.end) {
            rc = KAP_EPARSE;
            break;
        }
        unsigned char code = *m.p;
        int32_t rule = -1;
        int st = KAP_OK;
        if ((code & ~M_FLAG_REF) == '{') {
            m.p++;
            size_t dslot = 0;
            if ((code & M_FLAG_REF) && (rc = m_reserve(&m, &dslot)) != KAP_OK)
                break;
            kap_request_n req;
            int bad;
            m.depth = 1;
            rc = m_request(&m, &sc, &req, &bad);
            if (rc != KAP_OK)
                break;
            if (bad) {
                st = KAP_EPARSE;
            } else {
                kap_decision d;
                kap_policy_match_n(p, &req, &d);
                rule = d.rule;
            }
            if (code & M_FLAG_REF) {
                /* the same dict object again later: the same answer */
                m.refs[dslot].kind = MR_REQUEST;
                m.refs[dslot].rule = rule;
                m.refs[dslot].n = (uint32_t)(st == KAP_OK ? 0 : 1);
            }
        } else {
            mval v;
            m.depth = 0;
            rc = m_value(&m, &v);
            if (rc != KAP_OK)
                break;
            if (v.kind == MR_REQUEST) {
                rule = (int32_t)v.list_off;
                st = v.list_n ? KAP_EPARSE : KAP_OK;
            } else {
                st = KAP_EPARSE;
            }
        }
        rules[k] = rule;
        if (status)
            status[k] = st;
    }
    if (rc == KAP_OK && m.p != m.end)
        rc = KAP_EPARSE;
    if (n_requests)
        *n_requests = rc == KAP_ELIMIT ? n : k;
    kap_free(m.refs);
    kap_free(m.strs);
    kap_free(sc.buf);
    kap_free(sc.groups);
    return rc;
}

/* ---- requests as Python objects -----------------------------------------------
 * For the Python binding, called with the GIL held: walks a list of dicts
 * through CPython's own functions, handed over as pointers, so nothing is
 * serialised and strings are read in place (CPython keeps str as
 * NUL-terminated UTF-8). Types are told apart by the ob_type pointer. */

static inline const void *py_type(const kap_pyapi *api, const void *o)
{
    return *(const void *const *)((const char *)o + api->type_offset);
}

/* A str's UTF-8, or NULL (not a str, or not encodable). */
static const char *py_str(const kap_pyapi *api, void *o, ptrdiff_t *len)
{
    if (py_type(api, o) != api->str_type)
        return NULL;
    const char *s = api->as_utf8(o, len);
    if (!s)
        api->err_clear();
    return s;
}

static int py_request(const kap_pyapi *api, void *dict, kap_request_n *req, kap_str *groups, size_t cap,
                      size_t *need)
{
    kap_request_n q = KAP_REQUEST_N_INIT;
    ptrdiff_t pos = 0;
    void *k, *v;
    *need = 0;
    while (api->dict_next(dict, &pos, &k, &v)) {
        ptrdiff_t kl;
        const char *ks = py_str(api, k, &kl);
        if (!ks)
            return KAP_EPARSE;
        int kind = key_kind(ks, (size_t)kl, 1);
        if (kind == RK_NONE)
            continue;
        if (kind == RK_RESREQ) {
            if (v == api->true_obj)
                q.resource_request = 1;
            else if (v == api->false_obj || v == api->none_obj)
                q.resource_request = 0;
            else
                return KAP_EPARSE;
            continue;
        }
        if (kind == RK_GROUPS) {
            if (v == api->none_obj) {
                q.groups = NULL;
                q.n_groups = 0;
                continue;
            }
            const void *t = py_type(api, v);
            int is_list = t == api->list_type, is_tuple = t == api->tuple_type;
            if (!is_list && !is_tuple)
                return KAP_EPARSE;
            ptrdiff_t n = is_list ? api->list_size(v) : api->tuple_size(v);
            if (n < 0)
                return KAP_EPARSE;
            if ((size_t)n > cap) {
                *need = (size_t)n;
                return KAP_ELIMIT;
            }
            for (ptrdiff_t i = 0; i < n; i++) {
                void *g = is_list ? api->list_get(v, i) : api->tuple_get(v, i);
                ptrdiff_t gl;
                if (!g || !(groups[i].ptr = py_str(api, g, &gl)))
                    return KAP_EPARSE;
                groups[i].len = (size_t)gl;
            }
            q.groups = groups;
            q.n_groups = (size_t)n;
            continue;
        }
        kap_str s = KAP_STR_NONE;
        if (v != api->none_obj) {
            ptrdiff_t sl;
            if (!(s.ptr = py_str(api, v, &sl)))
                return KAP_EPARSE;
            s.len = (size_t)sl;
        }
        if (kind == RK_USER)
            q.user = s;
        else
            *(kap_str *)((char *)&q + string_slot[kind - RK_STRING]) = s;
    }
    *req = q;
    return KAP_OK;
}

int kap_policy_match_pyobjects(const kap_policy *p, const kap_pyapi *api, void *list, int32_t *rules, int *status,
                               size_t capacity, size_t *n_requests)
{
    if (!p || !api || api->version != 1 || !list || (!rules && capacity))
        return KAP_EARG;
    if (py_type(api, list) != api->list_type)
        return KAP_EPARSE;
    ptrdiff_t n = api->list_size(list);
    if (n < 0)
        return KAP_EPARSE;
    if (n_requests)
        *n_requests = (size_t)n;
    if ((size_t)n > capacity)
        return KAP_ELIMIT;
    kap_str small[32];
    kap_str *groups = small;
    size_t cap = sizeof small / sizeof small[0];
    int rc = KAP_OK;
    for (ptrdiff_t k = 0; k < n; k++) {
        void *item = api->list_get(list, k);
        kap_request_n req;
        int st = item && py_type(api, item) == api->dict_type ? KAP_OK : KAP_EPARSE;
        size_t need = 0;
        if (st == KAP_OK) {
            st = py_request(api, item, &req, groups, cap, &need);
            if (st == KAP_ELIMIT) {
                /* more groups than fit: grow once and read again */
                kap_str *g = kap_malloc(need * sizeof *g);
                if (!g) {
                    rc = KAP_ENOMEM;
                    break;
                }
                if (groups != small)
                    kap_free(groups);
                groups = g;
                cap = need;
                st = py_request(api, item, &req, groups, cap, &need);
            }
        }
        kap_decision d = {KAP_LEVEL_NONE, 0, 0, -1};
        if (st == KAP_OK)
            kap_policy_match_n(p, &req, &d);
        rules[k] = d.rule;
        if (status)
            status[k] = st;
    }
    if (groups != small)
        kap_free(groups);
    return rc;
}
