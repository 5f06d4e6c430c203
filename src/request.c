/* The JSON-lines request reader (formats.md), shared by "kap eval", the
 * batch entry point and the bindings. SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct kap_request_reader {
    kap_arena arena;
    kap_buf error;
    const char **groups;
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

static const char *copy_str(kap_request_reader *r, const jv *v)
{
    return arena_strndup(&r->arena, v->s, v->len);
}

enum { RK_NONE, RK_USER, RK_GROUPS, RK_RESREQ, RK_STRING };

static const size_t string_slot[] = {
    offsetof(kap_request, verb),     offsetof(kap_request, ns),          offsetof(kap_request, api_group),
    offsetof(kap_request, api_version), offsetof(kap_request, resource), offsetof(kap_request, subresource),
    offsetof(kap_request, name),     offsetof(kap_request, path),
};
static const char *const string_key[] = {"verb", "namespace", "apiGroup", "apiVersion",
                                         "resource", "subresource", "name", "path"};

/* Which request field a key names: RK_STRING + index into string_slot. */
static int key_kind(const char *k, size_t n, int python_names)
{
#define IS(lit) (n == sizeof lit - 1 && memcmp(k, lit, n) == 0)
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
static int request_from_jv(kap_request_reader *r, const jv *root, kap_request *out, int python_names)
{
    kap_request req = KAP_REQUEST_INIT;
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
                req.user = NULL;
            } else if (v->kind == JV_STRING) {
                if (!(req.user = copy_str(r, v)))
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
                r->groups_cap = v->n;
            }
            for (size_t k = 0; k < v->n; k++) {
                if (v->items[k]->kind != JV_STRING)
                    return parse_error(r, "\"groups\" must be a list of strings, not a list holding %s",
                                       jv_kind_go_name(v->items[k]->kind));
                if (!(r->groups[k] = copy_str(r, v->items[k])))
                    return KAP_ENOMEM;
            }
            req.groups = r->groups;
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
            const char **slot = (const char **)((char *)&req + string_slot[k]);
            if (v->kind == JV_NULL) {
                *slot = NULL;
            } else if (v->kind == JV_STRING) {
                if (!(*slot = copy_str(r, v)))
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

int kap_request_reader_parse(kap_request_reader *r, const char *line, size_t len, kap_request *out)
{
    if (!r || !out || (!line && len))
        return KAP_EARG;
    /* the previous line's strings go; keep one block to reuse */
    arena_reset(&r->arena);
    if (r->error.oom)
        buf_free(&r->error);
    kap_request none = KAP_REQUEST_INIT;
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
                kap_request req;
                int prc = kap_request_reader_parse(r, line, L, &req);
                if (prc == KAP_ENOMEM) {
                    rc = KAP_ENOMEM;
                    break;
                }
                if (prc == KAP_OK)
                    kap_policy_match(p, &req, &out[k]);
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
            kap_request req;
            arena_reset(&r->arena);
            int prc = request_from_jv(r, root->items[k], &req, 0);
            if (prc == KAP_ENOMEM) {
                rc = KAP_ENOMEM;
                break;
            }
            if (prc == KAP_OK)
                kap_policy_match(p, &req, &out[k]);
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
 * of marshal.dumps(), the cheapest serialisation Python has. Only the types
 * a request can hold are read: lists and tuples, dicts, str, None, bool and
 * small ints; anything else ends the parse. */

#define M_FLAG_REF 0x80

typedef struct mreader {
    const unsigned char *p, *end;
    kap_arena *tmp;  /* one request's values, dropped after it is decided */
    kap_arena *keep; /* values a later reference may name, and what is under them */
    int keeping;
    jv **refs;
    size_t nrefs, refs_cap;
    int depth;
} mreader;

static void *m_alloc(mreader *m, size_t n)
{
    return arena_alloc(m->keeping ? m->keep : m->tmp, n);
}

static int m_u32(mreader *m, uint32_t *out)
{
    if (m->end - m->p < 4)
        return 0;
    *out = (uint32_t)m->p[0] | (uint32_t)m->p[1] << 8 | (uint32_t)m->p[2] << 16 | (uint32_t)m->p[3] << 24;
    m->p += 4;
    return 1;
}

static size_t m_reserve(mreader *m)
{
    if (m->nrefs == m->refs_cap) {
        size_t cap = m->refs_cap ? m->refs_cap * 2 : 256;
        jv **r = kap_realloc(m->refs, cap * sizeof *r);
        if (!r)
            return (size_t)-1;
        m->refs = r;
        m->refs_cap = cap;
    }
    m->refs[m->nrefs] = NULL;
    return m->nrefs++;
}

/* Returns KAP_OK, KAP_EPARSE or KAP_ENOMEM. */
static int m_value(mreader *m, jv **out)
{
    if (m->p >= m->end || ++m->depth > 64)
        return KAP_EPARSE;
    unsigned char code = *m->p++;
    int flag = code & M_FLAG_REF;
    code &= (unsigned char)~M_FLAG_REF;
    size_t slot = 0;
    if (flag && (slot = m_reserve(m)) == (size_t)-1)
        return KAP_ENOMEM;
    m->keeping += flag != 0;
    jv *v = NULL;
    int rc = KAP_OK;
    uint32_t n;
    switch (code) {
    case 'r':
        if (!m_u32(m, &n) || n >= m->nrefs || !m->refs[n])
            return KAP_EPARSE;
        *out = m->refs[n];
        m->depth--;
        m->keeping -= flag != 0;
        return KAP_OK;
    case 'N':
    case 'T':
    case 'F':
        v = m_alloc(m, sizeof *v);
        if (!v)
            return KAP_ENOMEM;
        v->kind = code == 'N' ? JV_NULL : JV_BOOL;
        v->b = code == 'T';
        break;
    case 'i': {
        if (!m_u32(m, &n))
            return KAP_EPARSE;
        char tmp[16];
        int len = snprintf(tmp, sizeof tmp, "%d", (int32_t)n);
        v = m_alloc(m, sizeof *v);
        char *text = v ? m_alloc(m, (size_t)len + 1) : NULL;
        if (!text)
            return KAP_ENOMEM;
        memcpy(text, tmp, (size_t)len + 1);
        v->s = text;
        v->kind = JV_NUMBER;
        v->len = (size_t)len;
        break;
    }
    case 'z':
    case 'Z':
    case 'a':
    case 'A':
    case 'u':
    case 't': {
        if (code == 'z' || code == 'Z') {
            if (m->p >= m->end)
                return KAP_EPARSE;
            n = *m->p++;
        } else if (!m_u32(m, &n)) {
            return KAP_EPARSE;
        }
        if ((size_t)(m->end - m->p) < n)
            return KAP_EPARSE;
        v = m_alloc(m, sizeof *v);
        if (!v)
            return KAP_ENOMEM;
        v->kind = JV_STRING;
        v->s = (const char *)m->p; /* NUL-terminated copies are made later */
        v->len = n;
        m->p += n;
        break;
    }
    case '[':
    case '(':
    case ')': {
        if (code == ')') {
            if (m->p >= m->end)
                return KAP_EPARSE;
            n = *m->p++;
        } else if (!m_u32(m, &n)) {
            return KAP_EPARSE;
        }
        if (n > (size_t)(m->end - m->p))
            return KAP_EPARSE; /* every element takes at least a byte */
        v = m_alloc(m, sizeof *v);
        if (!v || (n && !(v->items = m_alloc(m, n * sizeof *v->items))))
            return KAP_ENOMEM;
        v->kind = JV_ARRAY;
        v->n = n;
        if (flag)
            m->refs[slot] = v;
        for (uint32_t i = 0; i < n && rc == KAP_OK; i++)
            rc = m_value(m, &v->items[i]);
        break;
    }
    case '{': {
        v = m_alloc(m, sizeof *v);
        if (!v)
            return KAP_ENOMEM;
        v->kind = JV_OBJECT;
        if (flag)
            m->refs[slot] = v;
        size_t cap = 0;
        for (;;) {
            if (m->p >= m->end)
                return KAP_EPARSE;
            if (*m->p == '0') {
                m->p++;
                break;
            }
            jv *k, *val;
            if ((rc = m_value(m, &k)) != KAP_OK || (rc = m_value(m, &val)) != KAP_OK)
                return rc;
            if (k->kind != JV_STRING)
                return KAP_EPARSE;
            if (v->n == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                jv_member *mm = m_alloc(m, ncap * sizeof *mm);
                if (!mm)
                    return KAP_ENOMEM;
                if (v->n)
                    memcpy(mm, v->members, v->n * sizeof *mm);
                v->members = mm;
                cap = ncap;
            }
            v->members[v->n].key = k->s;
            v->members[v->n].klen = k->len;
            v->members[v->n].val = val;
            v->n++;
        }
        break;
    }
    default:
        return KAP_EPARSE;
    }
    if (rc != KAP_OK)
        return rc;
    if (flag)
        m->refs[slot] = v;
    m->depth--;
    m->keeping -= flag != 0;
    *out = v;
    return KAP_OK;
}

int kap_policy_match_marshal(const kap_policy *p, const void *data, size_t len, int32_t *rules, int *status,
                             size_t capacity, size_t *n_requests)
{
    if (!p || (!data && len) || (!rules && capacity))
        return KAP_EARG;
    kap_request_reader *r;
    int rc = kap_request_reader_new(&r);
    if (rc)
        return rc;
    kap_arena tmp = {0}, keep = {0};
    mreader m = {(const unsigned char *)data, (const unsigned char *)data + len, &tmp, &keep, 0, NULL, 0, 0, 0};
    /* the list itself is read here, its elements one at a time */
    uint32_t n = 0;
    if (m.p < m.end && (*m.p & ~M_FLAG_REF) == '[') {
        if ((*m.p++ & M_FLAG_REF) && m_reserve(&m) == (size_t)-1)
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
        jv *item = NULL;
        arena_reset(&tmp);
        m.depth = 0;
        rc = m_value(&m, &item);
        if (rc != KAP_OK)
            break;
        kap_request req;
        arena_reset(&r->arena);
        int prc = item->kind == JV_OBJECT ? request_from_jv(r, item, &req, 1) : KAP_EPARSE;
        if (prc == KAP_ENOMEM) {
            rc = KAP_ENOMEM;
            break;
        }
        kap_decision d = {KAP_LEVEL_NONE, 0, 0, -1};
        if (prc == KAP_OK)
            kap_policy_match(p, &req, &d);
        rules[k] = d.rule;
        if (status)
            status[k] = prc;
    }
    if (rc == KAP_OK && m.p != m.end)
        rc = KAP_EPARSE;
    if (n_requests)
        *n_requests = rc == KAP_ELIMIT ? n : k;
    kap_free(m.refs);
    arena_free(&tmp);
    arena_free(&keep);
    kap_request_reader_free(r);
    return rc;
}
