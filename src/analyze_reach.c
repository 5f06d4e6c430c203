/* What the request space answers, rule by rule: which rules never decide a
 * request (and which earlier rules take theirs), the list entries that never
 * decide, a witness request for every other rule, sensitive data and volume
 * a rule really logs (not only what it names), and the requests no rule
 * decides.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "analyze.h"

static const char *kp(const kstr *k) { return k->s ? k->s : ""; }

/* ---- witnesses ------------------------------------------------------------------ */

static kap_str keep(kap_analysis *a, const kstr *k)
{
    kap_str r = {"", 0};
    if (!k->len)
        return r;
    char *p = arena_strndup(&a->arena, k->s, k->len);
    if (!p) {
        a->oom = 1;
        return r;
    }
    r.ptr = p;
    r.len = k->len;
    return r;
}

/* Copies a witness into the result; checks it with the decision table. */
static int keep_witness(an_ctx *c, size_t i, const an_req *q)
{
    kap_analysis *a = c->out;
    kap_request_n *w = &a->witness[i];
    *w = (kap_request_n)KAP_REQUEST_N_INIT;
    if (q->has_user)
        w->user = keep(a, &q->user);
    if (q->ngroups) {
        kap_str *g = arena_alloc(&a->arena, q->ngroups * sizeof *g);
        if (!g)
            return a->oom = 1, -1;
        for (size_t k = 0; k < q->ngroups; k++)
            g[k] = keep(a, &q->groups[k]);
        w->groups = g;
        w->n_groups = q->ngroups;
    }
    w->verb = keep(a, &q->verb);
    w->ns = keep(a, &q->ns);
    w->api_group = keep(a, &q->ag);
    if (q->resource) {
        static const kstr v1 = {"v1", 2, 0, 0};
        w->api_version = keep(a, &v1);
    }
    w->resource = keep(a, &q->res);
    w->subresource = keep(a, &q->sub);
    w->name = keep(a, &q->name);
    w->path = keep(a, &q->path);
    w->resource_request = q->resource;
    if (a->oom)
        return -1;
    /* the table must agree, and a URL must give the request; anything else
     * is a fault of the analysis (or a probe's request no URL gives), which
     * then says it could not decide rather than give a wrong answer */
    if (!an_req_possible(q))
        return 1;
    kap_decision d;
    if (kap_policy_match_n(c->policy, w, &d) != KAP_OK || d.rule != (int)i)
        return 1;
    return 0;
}

/* A request built from the rule's own cubes, realistic first, then made of
 * values the policy does not list: if the rule decides one, it is a witness
 * (the table says so), and no search is needed. 1 found, 0 not, -1 failure. */
static int probe(an_ctx *c, size_t i, const an_cube *cubes, size_t n)
{
    const an_cube *best = NULL;
    int best_other = 0;
    unsigned bo = 0;
    an_cube all;
    an_cube_full(&all);
    for (size_t k = 0; k < n && k < 4; k++) {
        int some = an_cube_meets(c->space, &cubes[k], &all);
        if (some < 0)
            return -1;
        if (!some)
            continue; /* a rule whose list names no value a request has: nothing to build */
        for (int other = 0; other < 2; other++) {
            an_req q;
            unsigned odd;
            if (an_cube_request(c->space, &cubes[k], other, &q, &odd))
                return -1;
            int w = keep_witness(c, i, &q);
            if (w < 0)
                return -1;
            if (w == 0 && (!best || odd < bo))
                best = &cubes[k], best_other = other, bo = odd;
        }
    }
    if (!best)
        return 0;
    an_req q;
    if (an_cube_request(c->space, best, best_other, &q, NULL) || keep_witness(c, i, &q) < 0)
        return -1;
    return 1;
}

/* The least odd piece of what a rule has left. */
static const an_cube *best_piece(an_ctx *c, const an_query *q)
{
    const an_cube *best = &q->left[0];
    unsigned bo = an_cube_oddness(c->space, best);
    for (size_t k = 1; k < q->nleft && bo; k++) {
        unsigned o = an_cube_oddness(c->space, &q->left[k]);
        if (o < bo)
            bo = o, best = &q->left[k];
    }
    return best;
}

/* ---- queries on what a rule has left ---------------------------------------------- */

/* Does rule i decide some request in cube x? 1, 0, or -1 (not decided). */
static int decides_some(an_ctx *c, size_t i, const an_query *left, const an_cube *x)
{
    if (left->complete) {
        for (size_t k = 0; k < left->nleft; k++) {
            int m = an_cube_meets(c->space, &left->left[k], x);
            if (m)
                return m;
        }
        return 0;
    }
    /* what is left was not all collected: ask again, from the rule's cubes within x */
    size_t n;
    const an_cube *rc = an_rule_cubes(c->space, i, &n);
    an_cube *start = NULL;
    size_t ns = 0, cap = 0;
    for (size_t k = 0; k < n; k++) {
        an_cube y;
        int r = an_cube_and(c->space, &rc[k], x, &y);
        if (r < 0 || (r && an_cube_push(c->space, &start, &ns, &cap, &y)))
            return -1;
    }
    an_query q = {0};
    q.start = start;
    q.nstart = ns;
    q.before = i;
    if (an_query_run(c->space, &q) != KAP_OK)
        return -1;
    return q.status;
}

/* ---- dead values ------------------------------------------------------------------- */

static int piece_has(const an_cube *p, int dim, uint32_t cls)
{
    const an_set *s = &p->d[dim];
    int in = 0;
    for (uint32_t k = 0; k < s->n && !in; k++)
        in = s->v[k] == cls;
    return s->neg ? !in : in;
}

enum { DEAD_TWICE, DEAD_INSIDE, DEAD_EARLIER, DEAD_NONE, DEAD_TIED };

#define TIES                                                                                                       \
    "get and delete always have a name, deletecollection never has one, list has one only from a field selector " \
    "and never \".\", \"..\" or one with a '%', and proxy has no subresource (requestinfo.md 8-11)"
#define NS_SUB_WHY                                                                                                 \
    "the resources status and finalize are in the namespace \"\" only (after namespaces/NAME/ they are the "      \
    "Namespace's subresources: requestinfo.md 7)"
#define VERB_WHY                                                                                                   \
    "a resource request's verb is get, list, watch, create, update, patch, delete, deletecollection, proxy or "   \
    "\"\" (any other HTTP method: requestinfo.md 6)"

/* Why requests are impossible beyond the ties of a verb with a name or
 * subresource (AN_IMP_ bits): appends "; " and each reason to b, after
 * ties (the text for those bits, when why has some). */
static void other_reasons(unsigned why, const char *ties, kap_buf *b)
{
    const char *sep = "";
    if (why & AN_IMP_TIES) {
        buf_adds(b, ties);
        sep = "; ";
    }
    if (why & AN_IMP_NS_SUB) {
        buf_printf(b, "%s%s", sep, NS_SUB_WHY);
        sep = "; ";
    }
    if (why & AN_IMP_VERB)
        buf_printf(b, "%s%s", sep, VERB_WHY);
}

/* Why a list entry matches no request (requestinfo.md 5): what the list is,
 * why no request has the value, what to do. */
typedef struct nothing {
    const char *list, *why, *hint;
} nothing;

#define NO_SLASH                                                                                                   \
    "a request's resource and subresource are single segments of its URL, so neither holds a '/' (\"pods/log\" " \
    "is the subresource log of pods, never a resource of that name)"
static const nothing NONE_RES = {"resources", NO_SLASH, "name a subresource as resource/subresource, with one slash"};
static const nothing NONE_NS = {"namespaces",
                                "a request's namespace is a single segment of its URL, so it never holds a '/' "
                                "(/api/v1/namespaces/a/b/pods is the resource b in the namespace a)",
                                "remove it: no namespace name holds a '/'"};
static const nothing NONE_VERB = {"verbs",
                                  "kube-apiserver gives verbs in lower case only (a resource request a Kubernetes "
                                  "verb, a non-resource request its HTTP method lower-cased: GET is get)",
                                  "write the verb in lower case"};
static const nothing NONE_NAME = {"resourceNames",
                                  "a request's name is a single segment of its URL (and kube-apiserver takes no name "
                                  "with a '/' from a field selector), so it never holds a '/'",
                                  "remove it: no object name holds a '/'"};

static const nothing NONE_URL = {"nonResourceURLs",
                                 "kube-apiserver reads such a path as a resource request's (its segments start "
                                 "with api and two more, as /api/v1/pods, or with apis and three more, as "
                                 "/apis/apps/v1/deployments: requestinfo.md 6), and nonResourceURLs match "
                                 "non-resource requests only",
                                 "a rule for this needs resources (and apiGroups), not nonResourceURLs"};

static void dead_value(an_ctx *c, size_t i, const char *list, size_t k, const kstr *v, int why,
                       const nothing *none)
{
    kap_buf f = {0}, q = {0};
    an_field(&f, i, list, (long)k);
    an_quote(&q, kp(v), v->len);
    if (why == DEAD_TWICE)
        an_add(c, "dead-value", KAP_SEVERITY_INFO, (int)i, v->line, v->col, an_cstr(c, &f), NULL, 0,
               "remove the repeated entry", "%s is listed twice in %s; the repeat changes nothing", an_cstr(c, &q),
               list);
    else if (why == DEAD_INSIDE)
        an_add(c, "dead-value", KAP_SEVERITY_INFO, (int)i, v->line, v->col, an_cstr(c, &f), NULL, 0,
               "remove it: the broader entry already says it",
               "%s in %s changes nothing: other entries of this rule match every request it matches",
               an_cstr(c, &q), list);
    else if (why == DEAD_TIED && !(c->impossible & ~(unsigned)AN_IMP_TIES))
        an_add(c, "dead-value", KAP_SEVERITY_INFO, (int)i, v->line, v->col, an_cstr(c, &f), NULL, 0,
               "remove it: no request has it with the rule's other values",
               "%s in %s never decides a request: no request has it with this rule's verbs, resourceNames and "
               "subresources: %s",
               an_cstr(c, &q), list, TIES);
    else if (why == DEAD_TIED) {
        kap_buf w = {0};
        other_reasons(c->impossible, TIES, &w);
        an_add(c, "dead-value", KAP_SEVERITY_INFO, (int)i, v->line, v->col, an_cstr(c, &f), NULL, 0,
               "remove it: no request has it with the rule's other values",
               "%s in %s never decides a request: no request has it with this rule's other values: %s",
               an_cstr(c, &q), list, an_cstr(c, &w));
        buf_free(&w);
    }
    else if (why == DEAD_NONE)
        an_add(c, "dead-value", KAP_SEVERITY_INFO, (int)i, v->line, v->col, an_cstr(c, &f), NULL, 0, none->hint,
               "%s in %s never matches a request: %s", an_cstr(c, &q), list, none->why);
    else
        an_add(c, "dead-value", KAP_SEVERITY_INFO, (int)i, v->line, v->col, an_cstr(c, &f), NULL, 0,
               "remove it, or move the rule before the rules that take these requests",
               "%s in %s never decides a request: earlier rules decide every request this rule would match "
               "through it",
               an_cstr(c, &q), list);
    buf_free(&f);
    buf_free(&q);
}

static int listed_before(const kstrlist *l, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (l->v[j].len == l->v[k].len && (l->v[k].len == 0 || memcmp(l->v[j].s, l->v[k].s, l->v[k].len) == 0))
            return 1;
    return 0;
}

/* Whether the rule's requests with a value of dim (its class) are all ones
 * no URL gives (analyze_space.c, build_impossible): 1, 0, -1 on failure. */
static int tied_away(an_ctx *c, size_t i, int dim, uint32_t cls)
{
    size_t n;
    const an_cube *rc = an_rule_cubes(c->space, i, &n);
    an_cube *v = NULL;
    size_t nv = 0, cap = 0;
    for (size_t k = 0; k < n; k++) {
        an_cube x = rc[k];
        if (an_cube_pin(c->space, &x, dim, &cls, 1) || an_cube_push(c->space, &v, &nv, &cap, &x))
            return -1;
    }
    int some = an_possible_some(c->space, v, nv);
    if (!some)
        c->impossible = an_impossible_met(c->space, v, nv);
    return some < 0 ? -1 : !some;
}

/* A single-valued attribute: an entry is dead when no piece left holds its
 * class, or when no request has it (none says why; NULL: another check
 * does). -1 on failure. */
static int dead_in_dim(an_ctx *c, size_t i, const an_query *left, const kstrlist *l, int dim, const char *name,
                       const nothing *none)
{
    if (l->n < 2)
        return 0;
    for (size_t k = 0; k < l->n; k++) {
        if (listed_before(l, k)) {
            dead_value(c, i, name, k, &l->v[k], DEAD_TWICE, none);
            continue;
        }
        if (!an_value_possible(dim, kp(&l->v[k]), l->v[k].len)) {
            if (none)
                dead_value(c, i, name, k, &l->v[k], DEAD_NONE, none);
            continue;
        }
        const krule *r = &c->doc->rules[i];
        if (dim == D_VERB && (r->namespaces.n || r->nres) && !an_resource_verb(kp(&l->v[k]), l->v[k].len))
            continue; /* no resource request has it: unknown-verb or authorization-verb says so */
        uint32_t cls = an_class_of(c->space, dim, kp(&l->v[k]), l->v[k].len);
        int live = 0;
        for (size_t p = 0; p < left->nleft && !live; p++)
            live = piece_has(&left->left[p], dim, cls);
        if (!live) {
            int tied = tied_away(c, i, dim, cls);
            if (tied < 0)
                return -1;
            dead_value(c, i, name, k, &l->v[k], tied ? DEAD_TIED : DEAD_EARLIER, none);
        }
    }
    return 0;
}

/* userGroups: a group decides alone where a piece left does not exclude it. */
static void dead_groups(an_ctx *c, size_t i, const an_query *left, const kstrlist *l)
{
    if (l->n < 2)
        return;
    for (size_t k = 0; k < l->n; k++) {
        if (listed_before(l, k)) {
            dead_value(c, i, "userGroups", k, &l->v[k], DEAD_TWICE, NULL);
            continue;
        }
        uint32_t g = an_group_id(c->space, kp(&l->v[k]), l->v[k].len);
        int live = 0;
        for (size_t p = 0; p < left->nleft && !live; p++) {
            const an_cube *pc = &left->left[p];
            live = 1;
            for (uint32_t z = 0; z < pc->nzero; z++)
                if (pc->zero[z] == g)
                    live = 0;
        }
        if (!live)
            dead_value(c, i, "userGroups", k, &l->v[k], DEAD_EARLIER, NULL);
    }
}

/* nonResourceURLs: the paths only this entry matches. */
static int dead_urls(an_ctx *c, size_t i, const an_query *left, const kstrlist *l)
{
    if (l->n < 2)
        return 0;
    for (size_t k = 0; k < l->n; k++) {
        if (listed_before(l, k)) {
            dead_value(c, i, "nonResourceURLs", k, &l->v[k], DEAD_TWICE, NULL);
            continue;
        }
        if (!an_url_possible(kp(&l->v[k]), l->v[k].len)) {
            dead_value(c, i, "nonResourceURLs", k, &l->v[k], DEAD_NONE, &NONE_URL);
            continue;
        }
        const uint32_t *mine;
        uint32_t nmine;
        if (an_url_classes(c->space, &l->v[k], &mine, &nmine))
            return -1;
        int live = 0, alone_any = 0;
        for (uint32_t m = 0; m < nmine && !live; m++) {
            int alone = 1;
            for (size_t j = 0; j < l->n && alone; j++) {
                const uint32_t *v;
                uint32_t n;
                if (j == k)
                    continue;
                if (an_url_classes(c->space, &l->v[j], &v, &n))
                    return -1;
                for (uint32_t t = 0; t < n; t++)
                    if (v[t] == mine[m])
                        alone = 0;
            }
            alone_any |= alone;
            for (size_t p = 0; alone && p < left->nleft && !live; p++)
                live = piece_has(&left->left[p], D_PATH, mine[m]);
        }
        if (!live)
            dead_value(c, i, "nonResourceURLs", k, &l->v[k], alone_any ? DEAD_EARLIER : DEAD_INSIDE, NULL);
    }
    return 0;
}

/* The cubes a resources entry (or one of its patterns or names) takes alone:
 * its own minus every other entry's of the rule. 0 when that is nothing, 1
 * when earlier rules take it all, 2 when some of it is left, 3 when it
 * matches no request at all, 4 when no request has it with the rule's verbs
 * (analyze_space.c, build_impossible); -1 failure. */
static int entry_live(an_ctx *c, const krule *r, const an_query *left, size_t gi, long k, uint32_t name)
{
    an_space *s = c->space;
    an_cube *mine = NULL, *others = NULL;
    size_t nm = 0, cm = 0, no = 0, co = 0;
    if (an_entry_cubes(s, &r->res[gi], k, name, &mine, &nm, &cm))
        return -1;
    if (!nm)
        return 3;
    for (size_t g = 0; g < r->nres; g++) {
        const kgr *e = &r->res[g];
        if (g != gi) {
            if (an_entry_cubes(s, e, -1, AN_NONE, &others, &no, &co))
                return -1;
        } else if (k >= 0) {
            for (size_t j = 0; j < e->resources.n; j++)
                if ((long)j != k && an_entry_cubes(s, e, (long)j, AN_NONE, &others, &no, &co))
                    return -1;
        } else if (name != AN_NONE) {
            for (size_t j = 0; j < e->names.n; j++) {
                uint32_t nc = an_class_of(s, D_NAME, kp(&e->names.v[j]), e->names.v[j].len);
                if (nc != name && an_entry_cubes(s, e, -1, nc, &others, &no, &co))
                    return -1;
            }
        }
    }
    for (size_t o = 0; o < no && nm; o++) {
        an_cube *next = NULL;
        size_t nn = 0, cn = 0;
        for (size_t m = 0; m < nm; m++)
            if (an_cube_minus(s, &mine[m], &others[o], &next, &nn, &cn) < 0)
                return -1;
        mine = next;
        nm = nn;
    }
    if (!nm)
        return 0; /* the rule's other entries take all of it */
    for (size_t m = 0; m < nm; m++)
        for (size_t p = 0; p < left->nleft; p++) {
            int x = an_cube_meets(s, &mine[m], &left->left[p]);
            if (x)
                return x < 0 ? -1 : 2;
        }
    /* no URL gives what is its own with the rule's verbs: 4 */
    size_t nr;
    const an_cube *rc = an_rule_cubes(s, (size_t)(r - c->doc->rules), &nr);
    an_cube *both = NULL;
    size_t nb = 0, cb = 0;
    for (size_t m = 0; m < nm; m++)
        for (size_t j = 0; j < nr; j++) {
            an_cube y;
            int x = an_cube_and(s, &rc[j], &mine[m], &y);
            if (x < 0 || (x && an_cube_push(s, &both, &nb, &cb, &y)))
                return -1;
        }
    int some = an_possible_some(s, both, nb);
    if (!some)
        c->impossible = an_impossible_met(s, both, nb);
    return some < 0 ? -1 : some ? 1 : 4;
}

/* Why a resources entry that matches no request matches none: its names,
 * else its resources. */
static const nothing *entry_nothing(const kgr *g)
{
    for (size_t k = 0; k < g->names.n; k++)
        if (an_value_possible(D_NAME, kp(&g->names.v[k]), g->names.v[k].len))
            return &NONE_RES;
    return g->names.n ? &NONE_NAME : &NONE_RES;
}

static int dead_resources(an_ctx *c, size_t i, const krule *r, const an_query *left)
{
    for (size_t gi = 0; gi < r->nres; gi++) {
        const kgr *g = &r->res[gi];
        if (r->nres > 1) {
            int live = entry_live(c, r, left, gi, -1, AN_NONE);
            if (live < 0)
                return -1;
            if (live != 2) {
                kap_buf f = {0}, q = {0}, m = {0};
                buf_printf(&f, "rules[%zu].resources[%zu]", i, gi);
                an_quote(&q, kp(&g->group), g->group.len);
                const nothing *none = entry_nothing(g);
                if (live == 3)
                    buf_printf(&m, "none of its %s matches a request: %s", none->list, none->why);
                else if (live == 4 && !(c->impossible & ~(unsigned)AN_IMP_TIES))
                    buf_adds(&m, "no request has its names and subresources with this rule's verbs: " TIES);
                else if (live == 4) {
                    buf_adds(&m, "no request has its values with this rule's other values: ");
                    other_reasons(c->impossible, TIES, &m);
                }
                an_add(c, "dead-value", KAP_SEVERITY_INFO, (int)i, g->line, g->col, an_cstr(c, &f), NULL, 0,
                       live == 3   ? none->hint
                       : live == 4 ? "remove it: no request has it with the rule's other values"
                       : live      ? "remove the entry, or move the rule before the rules that take these requests"
                                   : "remove it: the broader entry already says it",
                       "the resources entry for group %s never decides a request: %s", an_cstr(c, &q),
                       live >= 3 ? an_cstr(c, &m)
                       : live    ? "earlier rules decide every request this rule would match through it"
                                 : "other entries of this rule match every request it matches");
                buf_free(&m);
                buf_free(&f);
                buf_free(&q);
                continue;
            }
        }
        if (g->resources.n > 1) {
            for (size_t k = 0; k < g->resources.n; k++) {
                kap_buf f = {0};
                buf_printf(&f, "resources[%zu].resources", gi);
                if (listed_before(&g->resources, k)) {
                    dead_value(c, i, an_cstr(c, &f), k, &g->resources.v[k], DEAD_TWICE, NULL);
                } else {
                    int live = entry_live(c, r, left, gi, (long)k, AN_NONE);
                    if (live < 0) {
                        buf_free(&f);
                        return -1;
                    }
                    if (live != 2)
                        dead_value(c, i, an_cstr(c, &f), k, &g->resources.v[k],
                                   live == 3   ? DEAD_NONE
                                   : live == 4 ? DEAD_TIED
                                   : live      ? DEAD_EARLIER
                                               : DEAD_INSIDE,
                                   &NONE_RES);
                }
                buf_free(&f);
            }
        }
        if (g->resources.n && g->names.n > 1) {
            for (size_t k = 0; k < g->names.n; k++) {
                kap_buf f = {0};
                buf_printf(&f, "resources[%zu].resourceNames", gi);
                if (listed_before(&g->names, k)) {
                    dead_value(c, i, an_cstr(c, &f), k, &g->names.v[k], DEAD_TWICE, NULL);
                } else {
                    uint32_t nc = an_class_of(c->space, D_NAME, kp(&g->names.v[k]), g->names.v[k].len);
                    int live = entry_live(c, r, left, gi, -1, nc);
                    if (live < 0) {
                        buf_free(&f);
                        return -1;
                    }
                    if (live != 2)
                        dead_value(c, i, an_cstr(c, &f), k, &g->names.v[k],
                                   live == 3   ? DEAD_NONE
                                   : live == 4 ? DEAD_TIED
                                   : live      ? DEAD_EARLIER
                                               : DEAD_INSIDE,
                                   &NONE_NAME);
                }
                buf_free(&f);
            }
        }
    }
    return 0;
}

/* Whether a list names values and no request has any of them. */
static int none_possible(const kstrlist *l, int dim)
{
    for (size_t k = 0; k < l->n; k++)
        if (an_value_possible(dim, kp(&l->v[k]), l->v[k].len))
            return 0;
    return l->n > 0;
}

/* Why a rule that matches no request matches none. */
static const nothing *rule_nothing(const krule *r)
{
    if (none_possible(&r->verbs, D_VERB))
        return &NONE_VERB;
    if (none_possible(&r->namespaces, D_NS))
        return &NONE_NS;
    if (!r->namespaces.n && !r->nres && r->urls.n) {
        size_t k = 0;
        while (k < r->urls.n && !an_url_possible(kp(&r->urls.v[k]), r->urls.v[k].len))
            k++;
        if (k == r->urls.n)
            return &NONE_URL;
    }
    for (size_t g = 0; g < r->nres; g++)
        if (entry_nothing(&r->res[g]) != &NONE_NAME)
            return &NONE_RES;
    return r->nres ? &NONE_NAME : &NONE_RES;
}

/* Why a rule whose lists each name values some request has matches none:
 * its verbs never come with its names and subresources (requestinfo.md
 * 8-11; analyze_space.c, build_impossible). Names the ties its requests
 * meet (AN_IMP_ bits). */
static void tie_reason(unsigned why, kap_buf *b)
{
    const char *part[4];
    size_t n = 0;
    int get = !!(why & AN_IMP_GET_NAME), del = !!(why & AN_IMP_DELETE_NAME);
    if (get && del)
        part[n++] = "get and delete always have a name (a GET or DELETE without one is list, watch or "
                    "deletecollection)";
    else if (get)
        part[n++] = "get always has a name (a GET without one is list or watch)";
    else if (del)
        part[n++] = "delete always has a name (a DELETE without one is deletecollection)";
    if (why & AN_IMP_DC_NAME)
        part[n++] = "deletecollection never has a name";
    if (why & AN_IMP_LIST_NAME)
        part[n++] = "list has a name only from a field selector, never \".\", \"..\" or one with a '%'";
    if (why & AN_IMP_PROXY_SUB)
        part[n++] = "proxy (the legacy /proxy/ path) has no subresource";
    for (size_t k = 0; k < n; k++)
        buf_printf(b, "%s%s", k == 0 ? "" : k + 1 == n ? ", and " : ", ", part[k]);
    buf_adds(b, " (requestinfo.md 8-11)");
}

/* Whether some of the cubes holds a request, each attribute alone. */
static int matches_some(an_space *s, const an_cube *cubes, size_t n)
{
    an_cube all;
    an_cube_full(&all);
    for (size_t k = 0; k < n; k++) {
        int m = an_cube_meets(s, &cubes[k], &all);
        if (m)
            return m;
    }
    return 0;
}

/* Whether a rule has a list where an entry could be dead. */
static int has_lists(const krule *r)
{
    if (r->users.n > 1 || r->groups.n > 1 || r->verbs.n > 1 || r->namespaces.n > 1 || r->urls.n > 1 || r->nres > 1)
        return 1;
    for (size_t g = 0; g < r->nres; g++)
        if (r->res[g].resources.n > 1 || r->res[g].names.n > 1)
            return 1;
    return 0;
}

static int dead_values(an_ctx *c, size_t i, const an_query *left)
{
    const krule *r = &c->doc->rules[i];
    if (dead_in_dim(c, i, left, &r->users, D_USER, "users", NULL))
        return -1;
    dead_groups(c, i, left, &r->groups);
    /* an upper-case verb: unknown-verb says so already */
    if (dead_in_dim(c, i, left, &r->verbs, D_VERB, "verbs", NULL))
        return -1;
    int resource_scoped = r->namespaces.n || r->nres;
    if (resource_scoped) {
        if (dead_in_dim(c, i, left, &r->namespaces, D_NS, "namespaces", &NONE_NS))
            return -1;
        return dead_resources(c, i, r, left);
    }
    return dead_urls(c, i, left, &r->urls);
}

/* ---- what a rule logs --------------------------------------------------------------- */

typedef struct target {
    const char *group, *resource, *sub; /* a resource request */
    const char *path;                   /* or a non-resource one */
    int request_body;                   /* the request's body carries it (else only the response) */
} target;

/* Requests whose bodies hold credentials or other secrets (Kubernetes issue
 * #88926): logged at Request (the writes' bodies) or RequestResponse (every
 * response too), they put them in the log. */
static const target SENSITIVE[] = {
    {"", "secrets", "", NULL, 1},
    {"", "configmaps", "", NULL, 1},
    {"authentication.k8s.io", "tokenreviews", "", NULL, 1},
    {"", "serviceaccounts", "token", NULL, 0},
    {"certificates.k8s.io", "certificatesigningrequests", "", NULL, 1},
};

/* Whose arguments travel in the URL, logged at every level but None
 * (Kubernetes issue #97795). */
static const target URI_ARGS[] = {
    {"", "pods", "exec", NULL, 0},
    {"", "pods", "attach", NULL, 0},
    {"", "pods", "portforward", NULL, 0},
};

/* Reads that happen all the time: their responses are large and frequent. */
static const target VOLUME[] = {
    {"", "events", "", NULL, 0},
    {"events.k8s.io", "events", "", NULL, 0},
    {"coordination.k8s.io", "leases", "", NULL, 0},
    {"", "endpoints", "", NULL, 0},
    {"discovery.k8s.io", "endpointslices", "", NULL, 0},
    {NULL, NULL, NULL, "/healthz", 0},
    {NULL, NULL, NULL, "/livez", 0},
    {NULL, NULL, NULL, "/readyz", 0},
    {NULL, NULL, NULL, "/metrics", 0},
};

static int target_cube(an_ctx *c, const target *t, const char *const *verbs, size_t nverbs, an_cube *x)
{
    an_space *s = c->space;
    an_cube_full(x);
    uint32_t v[8];
    for (size_t k = 0; k < nverbs; k++)
        v[k] = an_class_of(s, D_VERB, verbs[k], strlen(verbs[k]));
    if (nverbs && an_cube_pin(s, x, D_VERB, v, (uint32_t)nverbs))
        return -1;
    uint32_t kind = t->path ? 0 : 1;
    if (an_cube_pin(s, x, D_KIND, &kind, 1))
        return -1;
    if (t->path) {
        uint32_t p = an_class_of(s, D_PATH, t->path, strlen(t->path));
        return an_cube_pin(s, x, D_PATH, &p, 1);
    }
    uint32_t g = an_class_of(s, D_AG, t->group, strlen(t->group));
    uint32_t r = an_class_of(s, D_RES, t->resource, strlen(t->resource));
    uint32_t sb = an_class_of(s, D_SUB, t->sub, strlen(t->sub));
    if (an_cube_pin(s, x, D_AG, &g, 1) || an_cube_pin(s, x, D_RES, &r, 1) || an_cube_pin(s, x, D_SUB, &sb, 1))
        return -1;
    return 0;
}

/* The targets of a list this rule decides some request of, as "a, b and c". */
static int logged(an_ctx *c, size_t i, const an_query *left, const target *ts, size_t n, const char *const *verbs,
                  size_t nverbs, int request_bodies, kap_buf *names)
{
    size_t hits = 0;
    const char *hit[16];
    for (size_t k = 0; k < n; k++) {
        an_cube x;
        if (request_bodies && !ts[k].request_body)
            continue;
        if (target_cube(c, &ts[k], verbs, nverbs, &x))
            return -1;
        int d = decides_some(c, i, left, &x);
        if (d < 0)
            return -1;
        if (d == 1) {
            const char *nm = ts[k].path;
            if (!nm) {
                kap_buf t = {0};
                buf_printf(&t, "%s%s%s", ts[k].resource, ts[k].sub[0] ? "/" : "", ts[k].sub);
                nm = t.oom ? NULL : arena_strndup(&c->out->arena, t.s, t.len);
                buf_free(&t);
                if (!nm)
                    return -1;
            }
            int dup = 0;
            for (size_t j = 0; j < hits; j++)
                dup |= !strcmp(hit[j], nm);
            if (!dup)
                hit[hits++] = nm;
        }
    }
    for (size_t j = 0; j < hits; j++)
        buf_printf(names, "%s%s", j == 0 ? "" : j + 1 == hits ? " and " : ", ", hit[j]);
    return (int)hits;
}

static const char *level_name(uint8_t l) { return kap_level_name((kap_level)l); }

/* The stages whose events can carry what a check is about. Every event has
 * the request URI. RequestReceived is sent before the handler reads the body,
 * so bodies come only with ResponseStarted, ResponseComplete and Panic. */
#define STAGES_ALL                                                                                                     \
    (KAP_STAGE_REQUEST_RECEIVED | KAP_STAGE_RESPONSE_STARTED | KAP_STAGE_RESPONSE_COMPLETE | KAP_STAGE_PANIC)
#define STAGES_BODY (KAP_STAGE_RESPONSE_STARTED | KAP_STAGE_RESPONSE_COMPLETE | KAP_STAGE_PANIC)

/* Whether a rule writes any event of those stages (its omitStages, with the
 * policy's, may drop them all). */
static int writes_stage(const an_ctx *c, size_t i, unsigned stages)
{
    return (stages & ~(unsigned)c->policy->rules[i].omit_stages) != 0;
}

static int risks(an_ctx *c, size_t i, const an_query *left)
{
    const krule *r = &c->doc->rules[i];
    uint8_t level = c->policy->rules[i].level;
    kap_buf b = {0};
    unsigned line = r->level.line ? r->level.line : r->line, col = r->level.line ? r->level.col : r->col;
    kap_buf f = {0};
    buf_printf(&f, "rules[%zu].level", i);
    int n = 0;
    if (level >= KAP_LEVEL_REQUEST && writes_stage(c, i, STAGES_BODY)) {
        /* Request: the bodies of writes; RequestResponse: every response too */
        static const char *const writes[] = {"create", "update", "patch"};
        int req = level == KAP_LEVEL_REQUEST;
        n = logged(c, i, left, SENSITIVE, sizeof SENSITIVE / sizeof *SENSITIVE, req ? writes : NULL, req ? 3 : 0, req,
                   &b);
        if (n > 0)
            an_add(c, "sensitive-body", KAP_SEVERITY_WARNING, (int)i, line, col, an_cstr(c, &f), NULL, 0,
                   "put a rule before it that logs these at Metadata (Kubernetes issue #88926)",
                   "this rule logs %s of %s (level %s): the secrets and tokens they carry end up in the audit log",
                   level == KAP_LEVEL_REQUEST ? "the bodies of writes (create, update, patch)"
                                              : "request and response bodies",
                   an_cstr(c, &b), level_name(level));
        b.len = 0;
    }
    if (n >= 0 && level >= KAP_LEVEL_METADATA && writes_stage(c, i, STAGES_ALL)) {
        static const char *const opens[] = {"create", "get"}; /* POST, or GET for a websocket */
        n = logged(c, i, left, URI_ARGS, sizeof URI_ARGS / sizeof *URI_ARGS, opens, 2, 0, &b);
        if (n > 0)
            an_add(c, "uri-leak", KAP_SEVERITY_INFO, (int)i, line, col, an_cstr(c, &f), NULL, 0,
                   "log them at None if their arguments must not be kept (Kubernetes issue #97795)",
                   "this rule logs %s requests: their commands and arguments are in the request URI, which every "
                   "level from Metadata up records",
                   an_cstr(c, &b));
        b.len = 0;
    }
    if (n >= 0 && level == KAP_LEVEL_REQUEST_RESPONSE && writes_stage(c, i, STAGES_BODY)) {
        static const char *const reads[] = {"get", "list", "watch"};
        n = logged(c, i, left, VOLUME, sizeof VOLUME / sizeof *VOLUME, reads, 3, 0, &b);
        if (n > 0)
            an_add(c, "high-volume-body", KAP_SEVERITY_INFO, (int)i, line, col, an_cstr(c, &f), NULL, 0,
                   "log these reads at Metadata (or None) in a rule before this one",
                   "this rule logs whole responses of frequent reads (get, list, watch of %s), which makes the "
                   "audit log large",
                   an_cstr(c, &b));
    }
    buf_free(&b);
    buf_free(&f);
    return n < 0 ? -1 : 0;
}

/* ---- the whole policy ------------------------------------------------------------------ */

/* "get pods/log in default by alice", "post /healthz without a user". */
static void describe(kap_buf *b, const an_req *q)
{
    buf_add(b, q->verb.len ? q->verb.s : "(no verb)", q->verb.len ? q->verb.len : 9);
    buf_addc(b, ' ');
    if (q->resource) {
        kap_buf t = {0};
        buf_add(&t, q->res.s, q->res.len);
        if (q->sub.len)
            buf_addc(&t, '/'), buf_add(&t, q->sub.s, q->sub.len);
        if (t.oom)
            b->oom = 1; /* the finding fails with it (an_cstr) */
        an_quote(b, t.s ? t.s : "", t.len);
        buf_free(&t);
        if (q->ag.len)
            buf_adds(b, " of "), an_quote(b, q->ag.s, q->ag.len);
        if (q->ns.len)
            buf_adds(b, " in "), an_quote(b, q->ns.s, q->ns.len);
    } else {
        an_quote(b, q->path.s, q->path.len);
    }
    if (q->has_user)
        buf_adds(b, " by "), an_quote(b, q->user.s, q->user.len);
    else
        buf_adds(b, " without a user");
}

static int fall_through(an_ctx *c)
{
    an_space *s = c->space;
    size_t n = c->doc->nrules;
    an_cube all;
    an_cube_full(&all);
    an_query q = {0};
    q.start = &all;
    q.nstart = 1;
    q.before = n;
    q.want_all = 1;
    q.max_pieces = 4096;
    if (an_query_run(s, &q) != KAP_OK)
        return -1;
    if (q.status == 1) {
        double m = 0, all_m = an_space_measure(s); /* of the requests a URL gives */
        if (all_m <= 0)
            return -1;
        for (size_t k = 0; k < q.nleft; k++)
            m += an_cube_measure(s, &q.left[k]);
        an_req ex;
        if (an_cube_request(s, best_piece(c, &q), 0, &ex, NULL))
            return -1;
        kap_buf d = {0};
        describe(&d, &ex);
        const krule *last = &c->doc->rules[n - 1];
        char pct[32];
        double p = m / all_m * 100.0;
        if (p >= 1.0)
            snprintf(pct, sizeof pct, "%.0f%%", p);
        else
            snprintf(pct, sizeof pct, "%.2g%%", p);
        an_add(c, "no-catch-all", KAP_SEVERITY_INFO, -1, last->line, last->col, "", NULL, 0,
               "end the policy with a rule that has only a level (None to say so, Metadata to log the rest)",
               "requests that no rule matches are not logged: %s%s of the request space (each listed value and "
               "\"any other value\" of every attribute counted alike), such as %s",
               q.complete ? "" : "at least ", pct, an_cstr(c, &d));
        buf_free(&d);
    } else if (q.status < 0) {
        an_add(c, "analysis-limit", KAP_SEVERITY_WARNING, -1, c->doc->rules_line, c->doc->rules_col, "", NULL, 0,
               "raise the limit (kap_analysis_options) if the policy is meant to be this large",
               "whether some request falls through every rule was not decided: the analysis reached its limit "
               "%s",
               q.limit ? q.limit : "");
    }
    an_scratch_reset(s);
    return 0;
}

static void request_received(an_ctx *c)
{
    const kap_policy *p = c->policy;
    if (p->policy_stages & KAP_STAGE_REQUEST_RECEIVED)
        return;
    int logs = 0;
    for (size_t i = 0; i < p->nrules; i++) {
        if (p->rules[i].level == KAP_LEVEL_NONE || c->out->reach[i] == 0)
            continue;
        if (p->rules[i].omit_stages & KAP_STAGE_REQUEST_RECEIVED)
            return; /* the author knows the stage: the others keep it on purpose */
        logs = 1;
    }
    if (!logs)
        return;
    an_add(c, "request-received-logged", KAP_SEVERITY_INFO, -1, c->doc->rules_line, c->doc->rules_col, "", NULL, 0,
           "add omitStages: [\"RequestReceived\"] at the top level of the policy",
           "no rule omits the RequestReceived stage, so every request logged is written at least twice: when it "
           "arrives and when it completes");
}

int an_check_reach(an_ctx *c)
{
    kap_analysis *a = c->out;
    size_t n = c->doc->nrules;
    int rc = an_space_new(&c->space, c->doc, c->kube_minor, c->opts);
    if (rc == KAP_ELIMIT) {
        an_add(c, "analysis-limit", KAP_SEVERITY_WARNING, -1, c->doc->rules_line, c->doc->rules_col, "", NULL, 0,
               "raise max_classes (kap_analysis_options) if the policy is meant to be this large",
               "the policy's strings make more than %zu attribute classes (max_classes): unreachable rules, dead "
               "values and witnesses were not checked",
               c->opts->max_classes);
        return KAP_OK;
    }
    if (rc != KAP_OK)
        return rc;
    an_space *s = c->space;
    int *undecided = kap_malloc((n ? n : 1) * sizeof *undecided);
    size_t nund = 0, nopen = 0;
    const char *limit = NULL;
    if (!undecided)
        return KAP_ENOMEM;
    rc = KAP_OK;
    for (size_t i = 0; i < n && rc == KAP_OK; i++) {
        size_t nc;
        const an_cube *cubes = an_rule_cubes(s, i, &nc);
        const krule *r = &c->doc->rules[i];
        if (!has_lists(r)) {
            /* nothing to look for but a witness: try the obvious requests first */
            int p = probe(c, i, cubes, nc);
            if (p < 0) {
                rc = KAP_ENOMEM;
                break;
            }
            if (p > 0) {
                an_query none = {0};
                a->reach[i] = 1;
                if (risks(c, i, &none))
                    rc = KAP_ENOMEM;
                an_scratch_reset(s);
                continue;
            }
        }
        an_query q = {0};
        q.start = cubes;
        q.nstart = nc;
        q.before = i;
        q.want_all = 1;
        q.need_covering = 1;
        q.max_pieces = has_lists(&c->doc->rules[i]) ? 256 : 16;
        if (an_query_run(s, &q) != KAP_OK) {
            rc = KAP_ENOMEM;
            break;
        }
        if (q.status == 0) {
            a->reach[i] = 0;
            kap_buf l = {0};
            an_rule_list(c, &l, q.covering, q.ncovering);
            kap_buf f = {0};
            buf_printf(&f, "rules[%zu]", i);
            int some = q.ncovering ? 0 : matches_some(s, cubes, nc);
            if (some < 0) {
                buf_free(&l);
                buf_free(&f);
                rc = KAP_ENOMEM;
                break;
            }
            unsigned bits = some ? an_impossible_met(s, cubes, nc) : 0;
            if (some && !(bits & ~(unsigned)AN_IMP_TIES)) { /* no URL gives its verbs with its names and subresources */
                kap_buf why = {0};
                tie_reason(bits, &why);
                an_add(c, "unreachable-rule", KAP_SEVERITY_WARNING, (int)i, r->line, r->col, an_cstr(c, &f), NULL, 0,
                       "give the rule the names and subresources its verbs have, or remove it",
                       "this rule never decides a request: no request has one of its verbs with one of its "
                       "resourceNames and subresources: %s",
                       an_cstr(c, &why));
                buf_free(&why);
            } else if (some) { /* a verb no resource request has, a status in a namespace */
                kap_buf why = {0}, ties = {0};
                tie_reason(bits, &ties);
                other_reasons(bits, an_cstr(c, &ties), &why);
                an_add(c, "unreachable-rule", KAP_SEVERITY_WARNING, (int)i, r->line, r->col, an_cstr(c, &f), NULL, 0,
                       "give the rule values a request has together, or remove it",
                       "this rule never decides a request: no request has its values together: %s",
                       an_cstr(c, &why));
                buf_free(&ties);
                buf_free(&why);
            } else if (!q.ncovering) { /* it matches nothing: one of its lists names no value a request has */
                const nothing *none = rule_nothing(r);
                an_add(c, "unreachable-rule", KAP_SEVERITY_WARNING, (int)i, r->line, r->col, an_cstr(c, &f), NULL, 0,
                       none->hint, "this rule never decides a request: none of its %s matches a request: %s",
                       none->list, none->why);
            } else
                an_add(c, "unreachable-rule", KAP_SEVERITY_WARNING, (int)i, r->line, r->col, an_cstr(c, &f),
                       q.covering, q.ncovering, "remove the rule, or move it before the rules that take its requests",
                       "this rule never decides a request: %s %s every request it matches", an_cstr(c, &l),
                       q.ncovering == 1 ? "decides" : "decide");
            buf_free(&l);
            buf_free(&f);
        } else if (q.status == 1) {
            an_req w;
            if (an_cube_request(s, best_piece(c, &q), 0, &w, NULL)) {
                rc = KAP_ENOMEM;
                break;
            }
            int k = keep_witness(c, i, &w);
            if (k < 0) {
                rc = KAP_ENOMEM;
                break;
            }
            if (k > 0) {
                a->reach[i] = -1;
                undecided[nund++] = (int)i;
                limit = "an internal check";
            } else {
                a->reach[i] = 1;
                if (q.complete) {
                    if (dead_values(c, i, &q)) {
                        rc = KAP_ENOMEM;
                        break;
                    }
                } else if (has_lists(r)) {
                    nopen++;
                }
                if (risks(c, i, &q))
                    rc = KAP_ENOMEM;
            }
        } else {
            a->reach[i] = -1;
            undecided[nund++] = (int)i;
            limit = q.limit;
        }
        an_scratch_reset(s);
    }
    if (rc == KAP_OK && fall_through(c))
        rc = KAP_ENOMEM;
    if (rc == KAP_OK)
        request_received(c);
    if (rc == KAP_OK && nund) {
        kap_buf l = {0};
        an_rule_list(c, &l, undecided, nund);
        an_add(c, "analysis-limit", KAP_SEVERITY_WARNING, -1, c->doc->rules_line, c->doc->rules_col, "", undecided,
               nund, "raise the limit (kap_analysis_options) if the policy is meant to be this hard",
               "whether %s ever decide%s a request was not decided (limit: %s); %s no witness", an_cstr(c, &l),
               nund == 1 ? "s" : "", limit ? limit : "", nund == 1 ? "it has" : "they have");
        buf_free(&l);
    }
    if (rc == KAP_OK && nopen) {
        an_add(c, "analysis-limit", KAP_SEVERITY_INFO, -1, c->doc->rules_line, c->doc->rules_col, "", NULL, 0,
               "raise max_rule_steps (kap_analysis_options) for a complete answer",
               "the dead values of %zu rule%s were not looked for: what the earlier rules leave them is too "
               "fragmented to list whole",
               nopen, nopen == 1 ? "" : "s");
    }
    kap_free(undecided);
    return rc;
}
