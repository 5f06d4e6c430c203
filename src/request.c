/* The JSON-lines request reader (formats.md), shared by "kap eval", the
 * batch entry point and the bindings. SPDX-License-Identifier: Apache-2.0 */
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

/* One request object (formats.md) into *out; strings are copied into the
 * reader's arena. */
static int request_from_jv(kap_request_reader *r, const jv *root, kap_request *out)
{
    kap_request req = KAP_REQUEST_INIT;
    if (root->kind != JV_OBJECT)
        return parse_error(r, "a request must be a JSON object, not %s", jv_kind_go_name(root->kind));
    static const struct {
        const char *key;
        size_t off;
    } strings[] = {
        {"verb", offsetof(kap_request, verb)},
        {"namespace", offsetof(kap_request, ns)},
        {"apiGroup", offsetof(kap_request, api_group)},
        {"apiVersion", offsetof(kap_request, api_version)},
        {"resource", offsetof(kap_request, resource)},
        {"subresource", offsetof(kap_request, subresource)},
        {"name", offsetof(kap_request, name)},
        {"path", offsetof(kap_request, path)},
    };
    for (size_t i = 0; i < root->n; i++) {
        const jv_member *m = &root->members[i];
        const jv *v = m->val;
        char key[32];
        if (m->klen >= sizeof key)
            continue;
        memcpy(key, m->key, m->klen);
        key[m->klen] = 0;
        if (strcmp(key, "user") == 0) {
            if (v->kind == JV_NULL) {
                req.user = NULL;
            } else if (v->kind == JV_STRING) {
                if (!(req.user = copy_str(r, v)))
                    return KAP_ENOMEM;
            } else {
                return parse_error(r, "\"user\" must be a string or null, not %s", jv_kind_go_name(v->kind));
            }
        } else if (strcmp(key, "groups") == 0) {
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
        } else if (strcmp(key, "resourceRequest") == 0) {
            if (v->kind == JV_BOOL)
                req.resource_request = v->b;
            else if (v->kind == JV_NULL)
                req.resource_request = 0;
            else
                return parse_error(r, "\"resourceRequest\" must be true or false, not %s",
                                   jv_kind_go_name(v->kind));
        } else {
            for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++) {
                if (strcmp(key, strings[k].key) != 0)
                    continue;
                const char **slot = (const char **)((char *)&req + strings[k].off);
                if (v->kind == JV_NULL) {
                    *slot = NULL;
                } else if (v->kind == JV_STRING) {
                    if (!(*slot = copy_str(r, v)))
                        return KAP_ENOMEM;
                } else {
                    r->error.len = 0;
                    buf_printf(&r->error, "\"%s\" must be a string, not %s", strings[k].key,
                               jv_kind_go_name(v->kind));
                    return r->error.oom ? KAP_ENOMEM : KAP_EPARSE;
                }
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
    return request_from_jv(r, root, out);
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
            int prc = request_from_jv(r, root->items[k], &req);
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
