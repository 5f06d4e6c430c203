/* Deciding a request (semantics.md section 4): through the decision table,
 * and through a plain first-match scan kept beside it for verification.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "internal.h"
#include "table.h"

typedef struct sv {
    const char *s;
    size_t n;
} sv;

typedef struct nreq {
    int has_user;
    sv user, verb, ns, group, resource, sub, name, path;
    const char *const *groups;
    size_t n_groups;
    int resource_request;
} nreq;

static sv mk(const char *s)
{
    sv v = {s ? s : "", s ? strlen(s) : 0};
    return v;
}

static int normalize(const kap_request *r, nreq *n)
{
    if (!r || r->version < 1)
        return KAP_EARG;
    n->has_user = r->user != NULL;
    n->user = mk(r->user);
    n->verb = mk(r->verb);
    n->ns = mk(r->ns);
    n->group = mk(r->api_group);
    n->resource = mk(r->resource);
    n->sub = mk(r->subresource);
    n->name = mk(r->name);
    n->path = mk(r->path);
    n->groups = r->groups;
    n->n_groups = r->groups ? r->n_groups : 0;
    n->resource_request = r->resource_request != 0;
    return KAP_OK;
}

/* ---- reference: kube-apiserver's checker, rule by rule ------------------------ */

static int eq(const cstr *a, const char *s, size_t n)
{
    return a->len == n && memcmp(a->s, s, n) == 0;
}

static int has(const cstrs *l, const char *s, size_t n)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (eq(&l->v[i], s, n))
            return 1;
    return 0;
}

static int resource_matches(const crule *r, const nreq *q, int group_any_ok)
{
    /* combined = resource or resource/subresource */
    for (uint32_t g = 0; g < r->n_res; g++) {
        const cgr *gr = &r->res[g];
        int group_ok = eq(&gr->group, q->group.s, q->group.n) || (group_any_ok && eq(&gr->group, "*", 1));
        if (!group_ok)
            continue;
        if (gr->resources.n == 0)
            return 1;
        if (gr->names.n && !has(&gr->names, q->name.s, q->name.n))
            continue;
        for (uint32_t k = 0; k < gr->resources.n; k++) {
            const cstr *res = &gr->resources.v[k];
            int combined_eq;
            if (q->sub.n == 0) {
                combined_eq = eq(res, q->resource.s, q->resource.n);
            } else {
                combined_eq = res->len == q->resource.n + 1 + q->sub.n &&
                              memcmp(res->s, q->resource.s, q->resource.n) == 0 &&
                              res->s[q->resource.n] == '/' &&
                              memcmp(res->s + q->resource.n + 1, q->sub.s, q->sub.n) == 0;
            }
            if (combined_eq || eq(res, "*", 1))
                return 1;
            if (q->sub.n && res->len >= 2 && res->s[0] == '*' && res->s[1] == '/' &&
                res->len - 2 == q->sub.n && memcmp(res->s + 2, q->sub.s, q->sub.n) == 0)
                return 1;
            if (res->len >= 2 && res->s[res->len - 2] == '/' && res->s[res->len - 1] == '*' &&
                res->len - 2 == q->resource.n && memcmp(res->s, q->resource.s, q->resource.n) == 0)
                return 1;
        }
    }
    return 0;
}

static int url_matches(const crule *r, const nreq *q)
{
    for (uint32_t k = 0; k < r->urls.n; k++) {
        const cstr *spec = &r->urls.v[k];
        if (eq(spec, "*", 1) || eq(spec, q->path.s, q->path.n))
            return 1;
        if (spec->len && spec->s[spec->len - 1] == '*') {
            size_t L = spec->len;
            while (L && spec->s[L - 1] == '*')
                L--;
            if (q->path.n >= L && memcmp(q->path.s, spec->s, L) == 0)
                return 1;
        }
    }
    return 0;
}

static int rule_matches(const crule *r, const nreq *q, int group_any_ok)
{
    if (r->users.n && (!q->has_user || !has(&r->users, q->user.s, q->user.n)))
        return 0;
    if (r->groups.n) {
        if (!q->has_user)
            return 0;
        int any = 0;
        for (size_t i = 0; i < q->n_groups && !any; i++) {
            const char *g = q->groups[i] ? q->groups[i] : "";
            any = has(&r->groups, g, strlen(g));
        }
        if (!any)
            return 0;
    }
    if (r->verbs.n && !has(&r->verbs, q->verb.s, q->verb.n))
        return 0;
    if (r->namespaces.n || r->n_res) {
        if (!q->resource_request)
            return 0;
        if (r->namespaces.n && !has(&r->namespaces, q->ns.s, q->ns.n))
            return 0;
        if (r->n_res == 0)
            return 1;
        return resource_matches(r, q, group_any_ok);
    }
    if (r->urls.n) {
        if (q->resource_request)
            return 0;
        return url_matches(r, q);
    }
    return 1;
}

static void result_for(const kap_policy *p, long rule, kap_decision *out)
{
    *out = p->table->results[rule < 0 ? (long)p->nrules : rule];
}

int kap_policy_match_reference(const kap_policy *p, const kap_request *request, kap_decision *out)
{
    nreq q;
    if (!p || !out || normalize(request, &q))
        return KAP_EARG;
    int group_any_ok = p->kube_minor >= 36;
    for (size_t i = 0; i < p->nrules; i++) {
        if (rule_matches(&p->rules[i], &q, group_any_ok)) {
            result_for(p, (long)i, out);
            return KAP_OK;
        }
    }
    result_for(p, -1, out);
    return KAP_OK;
}

/* ---- the decision table --------------------------------------------------------- */

#define MAXP 40 /* bit sets OR-ed for one attribute; more falls back to the scan */

typedef struct field {
    const uint64_t *p[MAXP];
    int n;
} field;

static uint32_t sid_h(const kap_strtab *t, uint64_t h, const char *s, size_t n)
{
    size_t i = (size_t)h & (t->nslots - 1);
    for (;;) {
        const strslot *e = &t->slots[i];
        if (!e->id)
            return 0;
        if (e->h == h && e->len == n && memcmp(e->s, s, n) == 0)
            return e->id;
        i = (i + 1) & (t->nslots - 1);
    }
}

static uint32_t sid(const kap_strtab *t, const char *s, size_t n)
{
    return sid_h(t, str_hash(s, n), s, n);
}

static const uint64_t *set_of(const kap_table *t, uint32_t kind, uint32_t a, uint32_t b, uint32_t c)
{
    size_t i = (size_t)key_hash4(kind, a, b, c) & (t->nkeys_slots - 1);
    for (;;) {
        const keyslot *k = &t->keys[i];
        if (!k->kind)
            return NULL;
        if (k->kind == kind && k->a == a && k->b == b && k->c == c)
            return t->bits + (size_t)k->set * t->W;
        i = (i + 1) & (t->nkeys_slots - 1);
    }
}

static inline void push(field *f, const uint64_t *s)
{
    if (s && f->n < MAXP)
        f->p[f->n++] = s;
    else if (s)
        f->n = MAXP + 1; /* overflow marker */
}

/* The id of resource + "/" + subresource, without building it where it fits. */
static uint32_t combined_id(const kap_strtab *t, const nreq *q)
{
    size_t n = q->resource.n + 1 + q->sub.n;
    char buf[512];
    if (n <= sizeof buf) {
        memcpy(buf, q->resource.s, q->resource.n);
        buf[q->resource.n] = '/';
        memcpy(buf + q->resource.n + 1, q->sub.s, q->sub.n);
        return sid(t, buf, n);
    }
    /* rare: compare piecewise against every string of that length */
    for (size_t i = 0; i < t->nslots; i++) {
        const strslot *e = &t->slots[i];
        if (e->id && e->len == n && memcmp(e->s, q->resource.s, q->resource.n) == 0 &&
            e->s[q->resource.n] == '/' && memcmp(e->s + q->resource.n + 1, q->sub.s, q->sub.n) == 0)
            return e->id;
    }
    return 0;
}

static void resource_sets(const kap_table *t, const kap_strtab *st, const nreq *q, field *f)
{
    uint32_t res = sid(st, q->resource.s, q->resource.n);
    uint32_t combined = q->sub.n ? combined_id(st, q) : res;
    uint32_t sub = q->sub.n ? sid(st, q->sub.s, q->sub.n) : 0;
    uint32_t name = t->has_names ? sid(st, q->name.s, q->name.n) : 0;
    uint32_t groups[2];
    int ng = 0;
    uint32_t gid = sid(st, q->group.s, q->group.n);
    if (gid)
        groups[ng++] = gid;
    if (t->has_group_any)
        groups[ng++] = GROUP_ANY;
    for (int i = 0; i < ng; i++) {
        uint32_t g = groups[i];
        push(f, set_of(t, K_RALL, g, 0, 0));
        push(f, set_of(t, K_RSTAR, g, 0, 0));
        if (combined)
            push(f, set_of(t, K_REXACT, g, combined, 0));
        if (sub)
            push(f, set_of(t, K_RSUB, g, sub, 0));
        if (res)
            push(f, set_of(t, K_RRES, g, res, 0));
        if (name) {
            push(f, set_of(t, K_RSTAR + K_NAMED, g, 0, name));
            if (combined)
                push(f, set_of(t, K_REXACT + K_NAMED, g, combined, name));
            if (sub)
                push(f, set_of(t, K_RSUB + K_NAMED, g, sub, name));
            if (res)
                push(f, set_of(t, K_RRES + K_NAMED, g, res, name));
        }
    }
}

static void url_sets(const kap_table *t, const kap_strtab *st, const nreq *q, field *f)
{
    uint32_t id = sid(st, q->path.s, q->path.n);
    if (id)
        push(f, set_of(t, K_URLEXACT, id, 0, 0));
    for (size_t i = 0; i < t->n_pfx_lens && t->pfx_lens[i] <= q->path.n; i++) {
        uint32_t pid = sid(st, q->path.s, t->pfx_lens[i]);
        if (pid)
            push(f, set_of(t, K_URLPREFIX, pid, 0, 0));
    }
}

int kap_policy_match(const kap_policy *p, const kap_request *request, kap_decision *out)
{
    nreq q;
    if (!p || !out || normalize(request, &q))
        return KAP_EARG;
    const kap_table *t = p->table;
    const kap_strtab *st = p->strtab;
    field f[5];
    int nf = 0;

    if (t->has_users) {
        field *u = &f[nf++];
        u->n = 0;
        push(u, t->bits + (size_t)t->any_user * t->W);
        if (q.has_user) {
            uint32_t id = sid(st, q.user.s, q.user.n);
            if (id)
                push(u, set_of(t, K_USER, id, 0, 0));
        }
    }
    if (t->has_groups) {
        field *g = &f[nf++];
        g->n = 0;
        push(g, t->bits + (size_t)t->any_group * t->W);
        if (q.has_user) {
            for (size_t i = 0; i < q.n_groups; i++) {
                const char *s = q.groups[i] ? q.groups[i] : "";
                uint32_t id = sid(st, s, strlen(s));
                if (id)
                    push(g, set_of(t, K_GROUP, id, 0, 0));
            }
        }
    }
    if (t->has_verbs) {
        field *v = &f[nf++];
        v->n = 0;
        push(v, t->bits + (size_t)t->any_verb * t->W);
        uint32_t id = sid(st, q.verb.s, q.verb.n);
        if (id)
            push(v, set_of(t, K_VERB, id, 0, 0));
    }
    if (q.resource_request) {
        field *n = &f[nf++];
        n->n = 0;
        push(n, t->bits + (size_t)t->ns_base * t->W);
        if (t->has_ns) {
            uint32_t id = sid(st, q.ns.s, q.ns.n);
            if (id)
                push(n, set_of(t, K_NS, id, 0, 0));
        }
        if (t->has_res) {
            field *r = &f[nf++];
            r->n = 0;
            push(r, t->bits + (size_t)t->res_base * t->W);
            resource_sets(t, st, &q, r);
        }
    } else {
        field *u = &f[nf++];
        u->n = 0;
        push(u, t->bits + (size_t)t->url_base * t->W);
        if (t->has_urls)
            url_sets(t, st, &q, u);
    }
    for (int i = 0; i < nf; i++)
        if (KAP_UNLIKELY(f[i].n > MAXP))
            return kap_policy_match_reference(p, request, out);

    for (size_t w = 0; w < t->W; w++) {
        uint64_t x = ~0ULL;
        for (int i = 0; i < nf && x; i++) {
            uint64_t y = 0;
            for (int k = 0; k < f[i].n; k++)
                y |= f[i].p[k][w];
            x &= y;
        }
        if (x) {
            size_t rule = w * 64 + (size_t)__builtin_ctzll(x);
            if (rule < t->nrules) {
                *out = t->results[rule];
                return KAP_OK;
            }
        }
    }
    *out = t->results[t->nrules];
    return KAP_OK;
}
