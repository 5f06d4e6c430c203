/* Explaining a decision: the policy's rules checked one by one in
 * kube-apiserver's order (semantics.md section 4), recording for each rule
 * before the deciding one the first check that rejected the request, where
 * that field is in the file, and why, in one line. The decision itself is
 * the first-match answer kap_policy_match_reference gives; the tests hold
 * the two together on random policies.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "table.h"

typedef struct sv {
    const char *s;
    size_t n;
} sv;

/* A request's strings, measured once. */
typedef struct xreq {
    int has_user, resource_request;
    sv user, verb, ns, group, resource, sub, name, path;
    const sv *groups;
    size_t n_groups;
} xreq;

struct kap_explanation {
    kap_arena arena;
    kap_decision decision;
    kap_explain_step *steps;
    size_t n;
};

static const char *const CHECK_NAMES[] = {"none",       "users",     "userGroups", "verbs",          "resourceScope",
                                          "namespaces", "resources", "urlScope",   "nonResourceURLs"};

const char *kap_check_name(kap_check check)
{
    return (unsigned)check < sizeof CHECK_NAMES / sizeof CHECK_NAMES[0] ? CHECK_NAMES[check] : NULL;
}

/* ---- keeping the fields' positions (called while the policy compiles) ------- */

static cpos at(unsigned line, unsigned col)
{
    cpos p = {line, col};
    return p;
}

static cpos list_at(const kstrlist *l) { return l->n ? at(l->line, l->col) : at(0, 0); }

int keep_positions(kap_policy *p, const kdoc *doc)
{
    p->pos = arena_alloc(&p->arena, (doc->nrules ? doc->nrules : 1) * sizeof *p->pos);
    if (!p->pos)
        return KAP_ENOMEM;
    for (size_t i = 0; i < doc->nrules; i++) {
        const krule *r = &doc->rules[i];
        crule_pos *q = &p->pos[i];
        q->users = list_at(&r->users);
        q->groups = list_at(&r->groups);
        q->verbs = list_at(&r->verbs);
        q->namespaces = list_at(&r->namespaces);
        q->urls = list_at(&r->urls);
        q->resources = r->nres ? at(r->res_line, r->res_col) : at(0, 0);
        if (!r->nres)
            continue;
        q->res = arena_alloc(&p->arena, r->nres * sizeof *q->res);
        if (!q->res)
            return KAP_ENOMEM;
        for (size_t k = 0; k < r->nres; k++) {
            q->res[k].resources = list_at(&r->res[k].resources);
            q->res[k].names = list_at(&r->res[k].names);
        }
    }
    return KAP_OK;
}

/* ---- showing values in a reason ---------------------------------------------- */

#define SHOW_BYTES 200 /* of one value */
#define SHOW_ITEMS 10  /* of one list */

/* Bytes that may stand unquoted: printable ASCII other than quotes,
 * backslashes, commas, brackets and braces (which would read as syntax). */
static int plain(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || strchr("\"'`\\,[]{}", c))
            return 0;
    }
    return 1;
}

/* One value: as it is when plain, else Go-quoted; "" when empty; past
 * SHOW_BYTES cut at a character boundary and followed by its full size. */
static void show(kap_buf *b, const char *s, size_t n)
{
    size_t k = n;
    if (n > SHOW_BYTES) {
        k = SHOW_BYTES;
        while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--;
    }
    if (plain(s, k))
        buf_add(b, s, k);
    else
        go_quote(b, s, k);
    if (k < n)
        buf_printf(b, "... (%zu bytes)", n);
}

static void show_sv(kap_buf *b, sv v) { show(b, v.s, v.n); }

static void show_list(kap_buf *b, const cstrs *l)
{
    buf_addc(b, '[');
    for (uint32_t i = 0; i < l->n && i < SHOW_ITEMS; i++) {
        if (i)
            buf_adds(b, ", ");
        show(b, l->v[i].s, l->v[i].len);
    }
    if (l->n > SHOW_ITEMS)
        buf_printf(b, ", ... (%u more)", (unsigned)(l->n - SHOW_ITEMS));
    buf_addc(b, ']');
}

/* The request's resource as the policy compares it: resource[/subresource]. */
static void show_combined(kap_buf *b, const xreq *q)
{
    if (!q->sub.n) {
        show_sv(b, q->resource);
        return;
    }
    kap_buf t = {0};
    buf_add(&t, q->resource.s, q->resource.n);
    buf_addc(&t, '/');
    buf_add(&t, q->sub.s, q->sub.n);
    if (t.oom)
        b->oom = 1;
    else
        show(b, t.s, t.len);
    buf_free(&t);
}

/* ---- the checks, in kube-apiserver's order ------------------------------------- */

static int eq(const cstr *a, sv v) { return a->len == v.n && memcmp(a->s, v.s, v.n) == 0; }
static int eq_lit(const cstr *a, const char *lit) { return a->len == strlen(lit) && memcmp(a->s, lit, a->len) == 0; }

static int has(const cstrs *l, sv v)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (eq(&l->v[i], v))
            return 1;
    return 0;
}

/* What one check found: the field that rejected (a path under rules[i]),
 * where it is, and why (written into a buffer the caller reuses). */
typedef struct verdict {
    kap_check check;
    char field[64];
    cpos where;
    kap_buf *why;
} verdict;

static kap_check reject(verdict *v, kap_check check, const char *field, cpos where)
{
    v->check = check;
    snprintf(v->field, sizeof v->field, "%s", field);
    v->where = where;
    return check;
}

static void list_lacks(verdict *v, const char *key, const cstrs *l, sv value)
{
    buf_printf(v->why, "%s ", key);
    show_list(v->why, l);
    buf_adds(v->why, " does not include ");
    show_sv(v->why, value);
}

/* One resource pattern against the request (semantics.md 4.4). */
static int resource_pattern(const cstr *res, const xreq *q)
{
    if (eq_lit(res, "*"))
        return 1;
    if (q->sub.n == 0 ? eq(res, q->resource)
                      : res->len == q->resource.n + 1 + q->sub.n && memcmp(res->s, q->resource.s, q->resource.n) == 0 &&
                            res->s[q->resource.n] == '/' &&
                            memcmp(res->s + q->resource.n + 1, q->sub.s, q->sub.n) == 0)
        return 1;
    if (q->sub.n && res->len >= 2 && res->s[0] == '*' && res->s[1] == '/' && res->len - 2 == q->sub.n &&
        memcmp(res->s + 2, q->sub.s, q->sub.n) == 0)
        return 1;
    return res->len >= 2 && res->s[res->len - 2] == '/' && res->s[res->len - 1] == '*' &&
           res->len - 2 == q->resource.n && memcmp(res->s, q->resource.s, q->resource.n) == 0;
}

static int any_pattern(const cgr *g, const xreq *q)
{
    for (uint32_t k = 0; k < g->resources.n; k++)
        if (resource_pattern(&g->resources.v[k], q))
            return 1;
    return 0;
}

/* resources: some GroupResources entry takes the request's group, its
 * resource[/subresource] and, when the entry lists resourceNames, its name.
 * When none does, the reason names the entry that came closest: one whose
 * resource matched but whose resourceNames did not, else the first entry
 * of the request's group, else the groups listed. */
static kap_check check_resources(const crule *r, const crule_pos *pos, const xreq *q, int group_any, verdict *v)
{
    long first_group = -1, names_failed = -1;
    for (uint32_t g = 0; g < r->n_res; g++) {
        const cgr *gr = &r->res[g];
        if (!eq(&gr->group, q->group) && !(group_any && eq_lit(&gr->group, "*")))
            continue;
        if (gr->resources.n == 0)
            return KAP_CHECK_NONE;
        if (first_group < 0)
            first_group = g;
        if (!any_pattern(gr, q))
            continue;
        if (gr->names.n && !has(&gr->names, q->name)) {
            if (names_failed < 0)
                names_failed = g;
            continue;
        }
        return KAP_CHECK_NONE;
    }
    char field[64];
    if (names_failed >= 0) {
        const cgr *gr = &r->res[names_failed];
        snprintf(field, sizeof field, "resources[%ld].resourceNames", names_failed);
        list_lacks(v, "resourceNames", &gr->names, q->name);
        buf_adds(v->why, q->name.n ? " (for " : " (a request without a name; for ");
        show_combined(v->why, q);
        buf_adds(v->why, ")");
        return reject(v, KAP_CHECK_RESOURCES, field, pos->res[names_failed].names);
    }
    if (first_group >= 0) {
        const cgr *gr = &r->res[first_group];
        snprintf(field, sizeof field, "resources[%ld].resources", first_group);
        buf_adds(v->why, "resources ");
        show_list(v->why, &gr->resources);
        buf_adds(v->why, " of group ");
        go_quote(v->why, gr->group.s, gr->group.len);
        buf_adds(v->why, " does not include ");
        show_combined(v->why, q);
        for (uint32_t g = (uint32_t)first_group + 1; g < r->n_res; g++) {
            if (eq(&r->res[g].group, q->group) || (group_any && eq_lit(&r->res[g].group, "*"))) {
                buf_adds(v->why, ", nor do the rule's other entries for that group");
                break;
            }
        }
        return reject(v, KAP_CHECK_RESOURCES, field, pos->res[first_group].resources);
    }
    buf_adds(v->why, "resources has no entry for API group ");
    go_quote(v->why, q->group.s, q->group.n);
    buf_adds(v->why, " (its groups: ");
    for (uint32_t g = 0; g < r->n_res && g < SHOW_ITEMS; g++) {
        if (g)
            buf_adds(v->why, ", ");
        go_quote(v->why, r->res[g].group.s, r->res[g].group.len);
    }
    if (r->n_res > SHOW_ITEMS)
        buf_printf(v->why, ", ... (%u more)", (unsigned)(r->n_res - SHOW_ITEMS));
    buf_adds(v->why, ")");
    return reject(v, KAP_CHECK_RESOURCES, "resources", pos->resources);
}

static int url_matches(const cstr *spec, sv path)
{
    if (spec->stem == CSTR_NOSTAR)
        return eq(spec, path);
    return path.n >= spec->stem && memcmp(path.s, spec->s, spec->stem) == 0;
}

/* The checks of one rule. Returns KAP_CHECK_NONE when it matches. */
static kap_check check_rule(const crule *r, const crule_pos *pos, const xreq *q, int group_any, verdict *v)
{
    if (r->users.n) {
        if (!q->has_user) {
            buf_adds(v->why, "users ");
            show_list(v->why, &r->users);
            buf_adds(v->why, " does not match a request without a user");
            return reject(v, KAP_CHECK_USERS, "users", pos->users);
        }
        if (!has(&r->users, q->user)) {
            list_lacks(v, "users", &r->users, q->user);
            return reject(v, KAP_CHECK_USERS, "users", pos->users);
        }
    }
    if (r->groups.n) {
        int any = 0;
        for (size_t i = 0; q->has_user && i < q->n_groups && !any; i++)
            any = has(&r->groups, q->groups[i]);
        if (!any) {
            buf_adds(v->why, "userGroups ");
            show_list(v->why, &r->groups);
            if (!q->has_user) {
                buf_adds(v->why, " does not match a request without a user");
            } else if (!q->n_groups) {
                buf_adds(v->why, " does not match a user without groups");
            } else {
                buf_adds(v->why, " includes none of the user's groups [");
                for (size_t i = 0; i < q->n_groups && i < SHOW_ITEMS; i++) {
                    if (i)
                        buf_adds(v->why, ", ");
                    show_sv(v->why, q->groups[i]);
                }
                if (q->n_groups > SHOW_ITEMS)
                    buf_printf(v->why, ", ... (%zu more)", q->n_groups - SHOW_ITEMS);
                buf_adds(v->why, "]");
            }
            return reject(v, KAP_CHECK_USER_GROUPS, "userGroups", pos->groups);
        }
    }
    if (r->verbs.n && !has(&r->verbs, q->verb)) {
        list_lacks(v, "verbs", &r->verbs, q->verb);
        return reject(v, KAP_CHECK_VERBS, "verbs", pos->verbs);
    }
    if (r->namespaces.n || r->n_res) {
        if (!q->resource_request) {
            const char *key = r->n_res ? "resources" : "namespaces";
            buf_printf(v->why, "%s makes the rule match resource requests only, and this is a non-resource request (path ",
                       key);
            show_sv(v->why, q->path);
            buf_adds(v->why, ")");
            return reject(v, KAP_CHECK_RESOURCE_SCOPE, key, r->n_res ? pos->resources : pos->namespaces);
        }
        if (r->namespaces.n && !has(&r->namespaces, q->ns)) {
            list_lacks(v, "namespaces", &r->namespaces, q->ns);
            if (!q->ns.n)
                buf_adds(v->why, " (the request is cluster-scoped or across namespaces)");
            return reject(v, KAP_CHECK_NAMESPACES, "namespaces", pos->namespaces);
        }
        return r->n_res ? check_resources(r, pos, q, group_any, v) : KAP_CHECK_NONE;
    }
    if (r->urls.n) {
        if (q->resource_request) {
            buf_adds(v->why, "nonResourceURLs makes the rule match non-resource requests only, and this is a "
                              "resource request (");
            show_combined(v->why, q);
            buf_adds(v->why, ")");
            return reject(v, KAP_CHECK_URL_SCOPE, "nonResourceURLs", pos->urls);
        }
        for (uint32_t k = 0; k < r->urls.n; k++)
            if (url_matches(&r->urls.v[k], q->path))
                return KAP_CHECK_NONE;
        buf_adds(v->why, "nonResourceURLs ");
        show_list(v->why, &r->urls);
        buf_adds(v->why, " does not match ");
        show_sv(v->why, q->path);
        return reject(v, KAP_CHECK_NON_RESOURCE_URLS, "nonResourceURLs", pos->urls);
    }
    return KAP_CHECK_NONE;
}

/* ---- the explanation ---------------------------------------------------------------- */

static int explain(kap_explanation **out, const kap_policy *p, const xreq *q)
{
    kap_explanation *e = kap_calloc(1, sizeof *e);
    if (!e)
        return KAP_ENOMEM;
    kap_buf why = {0};
    size_t n = 0;
    while (n < p->nrules) {
        verdict v = {KAP_CHECK_NONE, "", {0, 0}, &why};
        const crule *r = &p->rules[n];
        why.len = 0;
        kap_check c = check_rule(r, &p->pos[n], q, p->kube_minor >= 36, &v);
        /* steps go into a growing array: most requests stop early */
        if (!e->steps || (n & (n - 1)) == 0) {
            kap_explain_step *s = kap_realloc(e->steps, (n ? 2 * n : 1) * sizeof *s);
            if (!s)
                goto oom;
            e->steps = s;
        }
        kap_explain_step *st = &e->steps[n];
        char field[96];
        snprintf(field, sizeof field, "rules[%zu]%s%s", n, c == KAP_CHECK_NONE ? "" : ".", v.field);
        st->rule = n;
        st->matched = c == KAP_CHECK_NONE;
        st->check = c;
        cpos where = c == KAP_CHECK_NONE || !v.where.line ? at(r->line, r->col) : v.where;
        st->line = where.line;
        st->column = where.col;
        st->field = arena_strndup(&e->arena, field, strlen(field));
        st->reason = why.oom ? NULL : c == KAP_CHECK_NONE ? "matches" : arena_strndup(&e->arena, why.s, why.len);
        n++;
        if (!st->field || !st->reason)
            goto oom;
        if (c == KAP_CHECK_NONE)
            break;
    }
    buf_free(&why);
    e->n = n;
    int matched = n && e->steps[n - 1].matched;
    e->decision = p->table->results[matched ? n - 1 : p->nrules];
    *out = e;
    return KAP_OK;
oom:
    buf_free(&why);
    kap_explanation_free(e);
    return KAP_ENOMEM;
}

static sv from_c(const char *s)
{
    sv v = {s ? s : "", s ? strlen(s) : 0};
    return v;
}

static sv from_n(kap_str s)
{
    sv v = {s.ptr ? s.ptr : "", s.ptr ? s.len : 0};
    return v;
}

/* The request's groups, measured once (gc: C strings, else gn). */
static int with_groups(kap_explanation **out, const kap_policy *p, xreq *q, const char *const *gc, const kap_str *gn,
                       size_t ng)
{
    sv small[8], *groups = ng > 8 ? kap_malloc(ng * sizeof *groups) : small;
    if (!groups)
        return KAP_ENOMEM;
    for (size_t i = 0; i < ng; i++)
        groups[i] = gc ? from_c(gc[i]) : from_n(gn[i]);
    q->groups = groups;
    q->n_groups = ng;
    int rc = explain(out, p, q);
    q->groups = NULL;
    if (groups != small)
        kap_free(groups);
    return rc;
}

int kap_policy_explain(kap_explanation **out, const kap_policy *p, const kap_request *r)
{
    if (out)
        *out = NULL;
    if (!out || !p || !r || r->version < 1)
        return KAP_EARG;
    xreq q = {r->user != NULL, r->resource_request != 0, from_c(r->user), from_c(r->verb), from_c(r->ns),
              from_c(r->api_group), from_c(r->resource), from_c(r->subresource), from_c(r->name), from_c(r->path),
              NULL, 0};
    return with_groups(out, p, &q, r->groups, NULL, r->groups ? r->n_groups : 0);
}

int kap_policy_explain_n(kap_explanation **out, const kap_policy *p, const kap_request_n *r)
{
    if (out)
        *out = NULL;
    if (!out || !p || !r || r->version < 1)
        return KAP_EARG;
    xreq q = {r->user.ptr != NULL, r->resource_request != 0, from_n(r->user), from_n(r->verb), from_n(r->ns),
              from_n(r->api_group), from_n(r->resource), from_n(r->subresource), from_n(r->name), from_n(r->path),
              NULL, 0};
    return with_groups(out, p, &q, NULL, r->groups, r->groups ? r->n_groups : 0);
}

void kap_explanation_free(kap_explanation *e)
{
    if (!e)
        return;
    kap_free(e->steps);
    arena_free(&e->arena);
    kap_free(e);
}

const kap_decision *kap_explanation_decision(const kap_explanation *e) { return e ? &e->decision : NULL; }

size_t kap_explanation_count(const kap_explanation *e) { return e ? e->n : 0; }

const kap_explain_step *kap_explanation_get(const kap_explanation *e, size_t i)
{
    return e && i < e->n ? &e->steps[i] : NULL;
}
