/* Generated policy families for kap-bench and the work-bound test: policies
 * of a given number of rules in several shapes, each with a request maker
 * (a request a given rule accepts) from which the shallow and deep streams
 * are drawn. Header-only and deterministic (a seed per family and size).
 *
 * The families (README "Performance" describes them):
 *   multitenant  system rules first (kube-proxy watches, node leases,
 *                health URLs), then team rules: most with a namespaces list
 *                of one to three team namespaces, about half naming users
 *                or userGroups, most naming verbs, a quarter resourceNames,
 *                a few nonResourceURLs with prefix* forms; omitStages and
 *                omitManagedFields on some; a catch-all last.
 *   wildcard     the same teams, but most rules leave two or more of
 *                users/groups, verbs, namespaces and resources unconstrained.
 *   resnames     most resource rules list resourceNames (one to three).
 *   urls         most rules are nonResourceURLs rules, many prefix* forms of
 *                several depths, requests with deep paths.
 *   groupstar    group "*" and "*" / "* /sub" / "res/ *" resource forms.
 *   adversarial  built against the table: every rule constrains two
 *                attributes, one the deep requests have and one they miss,
 *                alternating, so that every attribute's rule set is dense and
 *                their intersection empty until the catch-all.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_BENCH_FAMILIES_H
#define KAP_BENCH_FAMILIES_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kap.h"

enum { FAM_MULTITENANT, FAM_WILDCARD, FAM_RESNAMES, FAM_URLS, FAM_GROUPSTAR, FAM_ADVERSARIAL, FAM_N };

static const char *const FAM_NAMES[FAM_N] = {"multitenant", "wildcard", "resnames", "urls", "groupstar",
                                             "adversarial"};

/* ---- text and strings ------------------------------------------------------- */

typedef struct fam_buf {
    char *s;
    size_t len, cap;
} fam_buf;

static inline void fam_add(fam_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void fam_add(fam_buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (b->s && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            fprintf(stderr, "families: out of memory\n");
            exit(1);
        }
        b->s = s;
        b->cap = cap;
    }
}

/* Every string a family makes, freed with the family. */
typedef struct fam_pool {
    char **v;
    size_t n, cap;
} fam_pool;

static inline const char *fam_str(fam_pool *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline const char *fam_str(fam_pool *p, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 1024;
        p->v = realloc(p->v, p->cap * sizeof *p->v);
        if (!p->v) {
            fprintf(stderr, "families: out of memory\n");
            exit(1);
        }
    }
    size_t len = strlen(tmp);
    char *s = malloc(len + 1);
    if (s)
        memcpy(s, tmp, len + 1);
    if (!s) {
        fprintf(stderr, "families: out of memory\n");
        exit(1);
    }
    p->v[p->n++] = s;
    return s;
}

/* ---- rules ---------------------------------------------------------------------- */

#define FAM_MAXL 4

typedef struct fam_gr {
    const char *group;
    const char *res[FAM_MAXL];
    int nres;
    const char *names[FAM_MAXL];
    int nnames;
} fam_gr;

typedef struct fam_rule {
    const char *level;
    const char *users[FAM_MAXL], *groups[FAM_MAXL], *verbs[8], *ns[FAM_MAXL], *urls[FAM_MAXL];
    int nusers, ngroups, nverbs, nns, nurls;
    fam_gr gr[2];
    int ngr;
    int omit;       /* omitStages: [RequestReceived, ResponseStarted] */
    int omf;        /* -1: not given; 0/1: omitManagedFields */
    int team;       /* the team whose requests it is written for; -1: none */
    const char *member_group; /* a group the team's people have */
} fam_rule;

typedef struct fam_policy {
    int family;
    unsigned n;
    fam_rule *rules;
    unsigned nsystem; /* the first rules, which the shallow stream hits */
    fam_pool pool;
    fam_buf text;
    uint64_t rng;
} fam_policy;

static inline unsigned fam_rnd(fam_policy *f, unsigned n)
{
    f->rng ^= f->rng >> 12;
    f->rng ^= f->rng << 25;
    f->rng ^= f->rng >> 27;
    return n ? (unsigned)((f->rng * 0x2545F4914F6CDD1DULL) >> 33) % n : 0;
}

static inline int fam_pct(fam_policy *f, unsigned p) { return fam_rnd(f, 100) < p; }

static const char *const FAM_VERBS[] = {"get", "list", "watch", "create", "update", "patch", "delete",
                                        "deletecollection"};
static const char *const FAM_CORE[] = {"pods", "services", "configmaps", "secrets", "endpoints",
                                       "persistentvolumeclaims", "serviceaccounts", "events"};
static const char *const FAM_SUBS[] = {"log", "status", "exec", "scale", "portforward"};
static const char *const FAM_APPS[] = {"deployments", "statefulsets", "daemonsets", "replicasets"};

static inline void fam_verbs(fam_policy *f, fam_rule *r)
{
    unsigned mask = 1 + fam_rnd(f, 255);
    for (int v = 0; v < 8; v++)
        if (mask & (1u << v))
            r->verbs[r->nverbs++] = FAM_VERBS[v];
}

/* A resource entry of team t, in one of the usual forms. */
static inline void fam_resources(fam_policy *f, fam_gr *g, unsigned t, int names_pct, int own_group)
{
    switch (own_group ? 3 : fam_rnd(f, 4)) {
    case 0:
        g->group = "";
        g->nres = 1 + (int)fam_rnd(f, 3);
        for (int k = 0; k < g->nres; k++) {
            const char *r = FAM_CORE[fam_rnd(f, 8)];
            g->res[k] = fam_rnd(f, 4) ? r : fam_str(&f->pool, "%s/%s", r, FAM_SUBS[fam_rnd(f, 5)]);
        }
        break;
    case 1:
        g->group = "apps";
        g->nres = 1 + (int)fam_rnd(f, 2);
        for (int k = 0; k < g->nres; k++) {
            const char *r = FAM_APPS[fam_rnd(f, 4)];
            g->res[k] = fam_rnd(f, 3) ? r : fam_str(&f->pool, "%s/*", r);
        }
        break;
    case 2:
        g->group = "batch";
        g->nres = 1;
        g->res[0] = fam_rnd(f, 2) ? "jobs" : "cronjobs";
        break;
    default:
        g->group = fam_str(&f->pool, "team-%u.example.com", t);
        g->nres = 1 + (int)fam_rnd(f, 2);
        for (int k = 0; k < g->nres; k++)
            g->res[k] = fam_str(&f->pool, "widgets-%u%s", fam_rnd(f, 20), k ? "/status" : "");
        break;
    }
    if (fam_pct(f, (unsigned)names_pct)) {
        g->nnames = 1 + (int)fam_rnd(f, 3);
        for (int k = 0; k < g->nnames; k++)
            g->names[k] = fam_str(&f->pool, "team-%u-obj-%u", t, fam_rnd(f, 6));
    }
}

/* The system rules every family starts with (as real policies do): the
 * first max of them. */
static inline unsigned fam_system_rules(fam_policy *f, unsigned max)
{
    fam_rule r[6];
    memset(r, 0, sizeof r);
    unsigned k = 0;
    r[k].level = "None";
    r[k].users[r[k].nusers++] = "system:kube-proxy";
    r[k].verbs[r[k].nverbs++] = "watch";
    r[k].gr[0] = (fam_gr){"", {"endpoints", "services", "services/status"}, 3, {0}, 0};
    r[k].ngr = 1;
    k++;
    r[k].level = "None";
    r[k].groups[r[k].ngroups++] = "system:nodes";
    r[k].verbs[r[k].nverbs++] = "get";
    r[k].verbs[r[k].nverbs++] = "update";
    r[k].ns[r[k].nns++] = "kube-node-lease";
    r[k].gr[0] = (fam_gr){"coordination.k8s.io", {"leases"}, 1, {0}, 0};
    r[k].ngr = 1;
    k++;
    r[k].level = "None";
    r[k].urls[r[k].nurls++] = "/healthz*";
    r[k].urls[r[k].nurls++] = "/livez*";
    r[k].urls[r[k].nurls++] = "/readyz*";
    r[k].urls[r[k].nurls++] = "/version";
    k++;
    r[k].level = "None";
    r[k].users[r[k].nusers++] = "system:kube-controller-manager";
    r[k].users[r[k].nusers++] = "system:kube-scheduler";
    r[k].verbs[r[k].nverbs++] = "get";
    r[k].verbs[r[k].nverbs++] = "update";
    r[k].ns[r[k].nns++] = "kube-system";
    r[k].gr[0] = (fam_gr){"", {"endpoints", "configmaps"}, 2, {0}, 0};
    r[k].gr[1] = (fam_gr){"coordination.k8s.io", {"leases"}, 1, {0}, 0};
    r[k].ngr = 2;
    k++;
    r[k].level = "None";
    r[k].groups[r[k].ngroups++] = "system:nodes";
    r[k].verbs[r[k].nverbs++] = "get";
    r[k].verbs[r[k].nverbs++] = "watch";
    r[k].gr[0] = (fam_gr){"", {"nodes", "nodes/status"}, 2, {0}, 0};
    r[k].ngr = 1;
    k++;
    r[k].level = "Metadata";
    r[k].gr[0] = (fam_gr){"", {"secrets", "configmaps"}, 2, {0}, 0};
    r[k].gr[1] = (fam_gr){"authentication.k8s.io", {"tokenreviews"}, 1, {0}, 0};
    r[k].ngr = 2;
    r[k].omit = 1;
    k++;
    if (k > max)
        k = max;
    for (unsigned i = 0; i < k; i++) {
        r[i].team = -1;
        r[i].omf = -1;
        f->rules[i] = r[i];
    }
    return k;
}

/* Shapes of the team rules, in percent. */
typedef struct fam_shape {
    int ns, who, verbs, res, names, url, groupstar;
} fam_shape;

static inline void fam_team_rule(fam_policy *f, fam_rule *r, unsigned i, const fam_shape *s)
{
    unsigned t = i / 4; /* about four rules a team */
    static const char *const levels[] = {"None", "Metadata", "Request", "RequestResponse"};
    r->level = levels[fam_rnd(f, 4)];
    r->team = (int)t;
    r->omf = fam_pct(f, 5) ? (int)fam_rnd(f, 2) : -1;
    r->omit = fam_pct(f, 10);
    r->member_group = fam_str(&f->pool, "oidc:team-%u-devs", t);
    if (fam_pct(f, (unsigned)s->who)) {
        if (fam_rnd(f, 2)) {
            r->users[r->nusers++] = fam_str(&f->pool, "system:serviceaccount:team-%u:deployer", t);
            if (fam_rnd(f, 2))
                r->users[r->nusers++] = fam_str(&f->pool, "person-%u@example.com", t);
        } else {
            r->groups[r->ngroups++] = r->member_group;
            if (fam_rnd(f, 3) == 0)
                r->groups[r->ngroups++] = fam_str(&f->pool, "oidc:team-%u-admins", t);
        }
    }
    if (fam_pct(f, (unsigned)s->verbs))
        fam_verbs(f, r);
    if (fam_pct(f, (unsigned)s->url)) {
        unsigned d = fam_rnd(f, 4);
        if (d == 0)
            r->urls[r->nurls++] = fam_str(&f->pool, "/apis/team-%u.example.com/*", t);
        else if (d == 1)
            r->urls[r->nurls++] = fam_str(&f->pool, "/metrics/team-%u", t);
        else if (d == 2)
            r->urls[r->nurls++] = fam_str(&f->pool, "/logs/team-%u/app/*", t);
        else
            r->urls[r->nurls++] = fam_str(&f->pool, "/debug/team-%u*", t);
        if (fam_rnd(f, 2))
            r->urls[r->nurls++] = fam_str(&f->pool, "/proxy/team-%u/v%u/*", t, fam_rnd(f, 3));
        return;
    }
    if (fam_pct(f, (unsigned)s->ns)) {
        r->ns[r->nns++] = fam_str(&f->pool, "team-%u", t);
        unsigned extra = fam_rnd(f, 3);
        if (extra >= 1)
            r->ns[r->nns++] = fam_str(&f->pool, "team-%u-staging", t);
        if (extra >= 2)
            r->ns[r->nns++] = fam_str(&f->pool, "team-%u-ci", t);
    }
    /* a rule for no namespace and nobody in particular is still the
     * team's: it names the team's API group */
    int own = !r->nns && !r->nusers && !r->ngroups;
    if (own || fam_pct(f, (unsigned)s->res)) {
        fam_resources(f, &r->gr[0], t, s->names, own);
        r->ngr = 1;
        if (!own && fam_pct(f, (unsigned)s->groupstar)) {
            fam_gr *g = &r->gr[0];
            g->group = "*";
            switch (fam_rnd(f, 3)) {
            case 0: g->res[0] = "*/status"; break;
            case 1: g->res[0] = fam_str(&f->pool, "widgets-%u/*", fam_rnd(f, 20)); break;
            default: g->res[0] = fam_rnd(f, 2) ? "*" : "*/scale"; break;
            }
        }
        if (fam_pct(f, 20)) {
            fam_resources(f, &r->gr[1], t, s->names, 0);
            r->ngr = 2;
        }
    }
}

/* The adversarial family: rule i constrains two attributes (a pair that
 * rotates over the rules); of the pair, one is set to what the deep
 * requests carry and the other to a value they lack, alternately. */
static inline void fam_adversarial_rule(fam_policy *f, fam_rule *r, unsigned i)
{
    static const int pairs[][2] = {{0, 1}, {0, 2}, {1, 2}, {2, 3}, {0, 3}, {3, 4}, {1, 4}, {2, 4}};
    unsigned pi = (i / 2) % 8, odd = i & 1;
    r->level = "Request";
    r->team = 0;
    r->omf = -1;
    r->member_group = "adv-group";
    for (int k = 0; k < 2; k++) {
        int hit = (int)odd == k; /* one of the two hits the deep requests */
        switch (pairs[pi][k]) {
        case 0: r->users[r->nusers++] = hit ? "adv-user" : fam_str(&f->pool, "other-user-%u", fam_rnd(f, 64)); break;
        case 1: r->verbs[r->nverbs++] = hit ? "get" : "list"; break;
        case 2: r->ns[r->nns++] = hit ? "adv-ns" : fam_str(&f->pool, "other-ns-%u", fam_rnd(f, 64)); break;
        case 3: r->groups[r->ngroups++] = hit ? "adv-group" : fam_str(&f->pool, "other-group-%u", fam_rnd(f, 64)); break;
        default:
            r->gr[0].group = "";
            r->gr[0].res[0] = hit ? "pods" : "secrets";
            r->gr[0].nres = 1;
            r->ngr = 1;
            break;
        }
    }
}

static inline void fam_list(fam_buf *b, const char *indent, const char *key, const char *const *v, int n)
{
    if (!n)
        return;
    fam_add(b, "%s%s: [", indent, key);
    for (int i = 0; i < n; i++)
        fam_add(b, "%s\"%s\"", i ? ", " : "", v[i]);
    fam_add(b, "]\n");
}

static inline void fam_write(fam_policy *f)
{
    fam_buf *b = &f->text;
    b->len = 0;
    fam_add(b, "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [\"RequestReceived\"]\nrules:\n");
    for (unsigned i = 0; i < f->n; i++) {
        const fam_rule *r = &f->rules[i];
        fam_add(b, "  - level: %s\n", r->level);
        fam_list(b, "    ", "users", r->users, r->nusers);
        fam_list(b, "    ", "userGroups", r->groups, r->ngroups);
        fam_list(b, "    ", "verbs", r->verbs, r->nverbs);
        fam_list(b, "    ", "namespaces", r->ns, r->nns);
        if (r->ngr) {
            fam_add(b, "    resources:\n");
            for (int g = 0; g < r->ngr; g++) {
                fam_add(b, "      - group: \"%s\"\n", r->gr[g].group);
                fam_list(b, "        ", "resources", r->gr[g].res, r->gr[g].nres);
                fam_list(b, "        ", "resourceNames", r->gr[g].names, r->gr[g].nnames);
            }
        }
        fam_list(b, "    ", "nonResourceURLs", r->urls, r->nurls);
        if (r->omit)
            fam_add(b, "    omitStages: [\"RequestReceived\", \"ResponseStarted\"]\n");
        if (r->omf >= 0)
            fam_add(b, "    omitManagedFields: %s\n", r->omf ? "true" : "false");
    }
}

/* A policy of family fam with n rules (n >= 2); its text in f->text. */
static inline void fam_make(fam_policy *f, int fam, unsigned n)
{
    memset(f, 0, sizeof *f);
    f->family = fam;
    f->n = n;
    f->rng = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)fam << 32) ^ n;
    f->rules = calloc(n, sizeof *f->rules);
    if (!f->rules) {
        fprintf(stderr, "families: out of memory\n");
        exit(1);
    }
    static const fam_shape shapes[FAM_N] = {
        [FAM_MULTITENANT] = {85, 50, 80, 90, 25, 5, 0},
        [FAM_WILDCARD] = {30, 25, 30, 40, 10, 5, 0},
        [FAM_RESNAMES] = {80, 40, 70, 95, 90, 0, 0},
        [FAM_URLS] = {80, 40, 60, 90, 10, 60, 0},
        [FAM_GROUPSTAR] = {70, 40, 70, 95, 10, 5, 50},
    };
    unsigned k = fam_system_rules(f, n > 10 ? 6 : n > 4 ? 2 : 0);
    f->nsystem = k;
    for (unsigned i = k; i + 1 < n; i++) {
        if (fam == FAM_ADVERSARIAL)
            fam_adversarial_rule(f, &f->rules[i], i);
        else
            fam_team_rule(f, &f->rules[i], i, &shapes[fam]);
    }
    f->rules[n - 1].level = "Metadata"; /* the catch-all */
    f->rules[n - 1].team = -1;
    f->rules[n - 1].omf = -1;
    fam_write(f);
}

static inline void fam_free(fam_policy *f)
{
    for (size_t i = 0; i < f->pool.n; i++)
        free(f->pool.v[i]);
    free(f->pool.v);
    free(f->rules);
    free(f->text.s);
    memset(f, 0, sizeof *f);
}

/* ---- requests -------------------------------------------------------------------- */

/* Room for one request's strings. */
typedef struct fam_req {
    kap_request q;
    const char *groups[3];
    char buf[6][512];
} fam_req;

/* Resource string (as a rule lists it) to a request's resource and
 * subresource that it accepts. */
static inline void fam_resource_of(const char *spec, fam_req *o, fam_policy *f)
{
    const char *slash = strchr(spec, '/');
    if (strcmp(spec, "*") == 0) {
        o->q.resource = "pods";
        o->q.subresource = NULL;
    } else if (spec[0] == '*' && slash) {
        o->q.resource = FAM_CORE[fam_rnd(f, 8)];
        o->q.subresource = slash + 1;
    } else if (slash) {
        snprintf(o->buf[3], sizeof o->buf[3], "%.*s", (int)(slash - spec), spec);
        o->q.resource = o->buf[3];
        o->q.subresource = strcmp(slash + 1, "*") == 0 ? FAM_SUBS[fam_rnd(f, 5)] : slash + 1;
    } else {
        o->q.resource = spec;
        o->q.subresource = NULL;
    }
}

/* A request rule k accepts. miss: change it so that the rules of its team
 * are unlikely to accept it (another verb), for the catch-all. */
static inline void fam_request(fam_policy *f, unsigned k, fam_req *o, int miss)
{
    const fam_rule *r = &f->rules[k];
    kap_request z = KAP_REQUEST_INIT;
    o->q = z;
    int t = r->team >= 0 ? r->team : (int)fam_rnd(f, f->n / 4 + 1);
    if (f->family == FAM_ADVERSARIAL) {
        /* every rule misses by one attribute: the deep requests carry the
         * "hit" values everywhere, so only the catch-all decides */
        o->q.user = "adv-user";
        o->groups[0] = "adv-group";
        o->groups[1] = "system:authenticated";
        o->q.groups = o->groups;
        o->q.n_groups = 2;
        o->q.verb = "get";
        o->q.resource_request = 1;
        o->q.ns = "adv-ns";
        o->q.api_group = "";
        o->q.resource = "pods";
        o->q.name = "p-1";
        if (k < f->nsystem) /* the shallow stream: a system rule's request */
            goto system;
        return;
    }
system:
    if (r->nusers)
        o->q.user = r->users[fam_rnd(f, (unsigned)r->nusers)];
    else {
        snprintf(o->buf[0], sizeof o->buf[0], "person-%d@example.com", t);
        o->q.user = o->buf[0];
    }
    o->groups[0] = r->ngroups ? r->groups[0] : (r->member_group ? r->member_group : "system:serviceaccounts");
    o->groups[1] = "system:authenticated";
    o->q.groups = o->groups;
    o->q.n_groups = 2;
    o->q.verb = r->nverbs ? r->verbs[fam_rnd(f, (unsigned)r->nverbs)] : FAM_VERBS[fam_rnd(f, 8)];
    if (miss)
        o->q.verb = "escalate";
    if (r->nurls) {
        const char *u = r->urls[fam_rnd(f, (unsigned)r->nurls)];
        size_t n = strlen(u);
        if (n && u[n - 1] == '*')
            snprintf(o->buf[1], sizeof o->buf[1], "%.*s%s", (int)(n - 1), u,
                     fam_rnd(f, 2) ? "v1/namespaces/x/deep/path/segment" : "z");
        else
            snprintf(o->buf[1], sizeof o->buf[1], "%s", u);
        o->q.path = o->buf[1];
        return;
    }
    o->q.resource_request = 1;
    if (r->nns)
        o->q.ns = r->ns[fam_rnd(f, (unsigned)r->nns)];
    else {
        snprintf(o->buf[2], sizeof o->buf[2], "team-%d", t);
        o->q.ns = o->buf[2];
    }
    if (r->ngr) {
        const fam_gr *g = &r->gr[fam_rnd(f, (unsigned)r->ngr)];
        o->q.api_group = strcmp(g->group, "*") == 0 ? "apps" : g->group;
        fam_resource_of(g->nres ? g->res[fam_rnd(f, (unsigned)g->nres)] : "*", o, f);
        o->q.name = g->nnames ? g->names[fam_rnd(f, (unsigned)g->nnames)] : "obj-1";
    } else {
        o->q.api_group = "";
        o->q.resource = FAM_CORE[fam_rnd(f, 8)];
        o->q.name = "obj-1";
    }
    snprintf(o->buf[4], sizeof o->buf[4], "/api/v1/namespaces/%.100s/%.100s/%.100s", o->q.ns, o->q.resource, o->q.name);
    o->q.path = o->buf[4];
}

#endif
