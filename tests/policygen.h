/* A deterministic generator of audit policies and requests shaped like real
 * ones (users, groups, verbs, namespaces, resources with resourceNames and
 * subresources, URL rules, a catch-all last). Used by the random
 * differential test, the benchmark and the fuzzers. Header-only. */
#ifndef KAP_POLICYGEN_H
#define KAP_POLICYGEN_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kap.h"

typedef struct pg_rng {
    uint64_t s;
} pg_rng;

static inline uint64_t pg_next(pg_rng *r)
{
    /* xorshift64* */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}

static inline unsigned pg_below(pg_rng *r, unsigned n) { return n ? (unsigned)(pg_next(r) % n) : 0; }
static inline int pg_chance(pg_rng *r, unsigned percent) { return pg_below(r, 100) < percent; }

static const char *const PG_USERS[] = {"alice", "bob", "system:kube-proxy", "system:kube-scheduler",
                                       "system:kube-controller-manager", "kubelet", "system:apiserver",
                                       "system:serviceaccount:kube-system:default", "", "*"};
static const char *const PG_GROUPS[] = {"system:authenticated", "system:unauthenticated", "system:nodes",
                                        "system:serviceaccounts", "system:masters", "developers", "", "*"};
static const char *const PG_VERBS[] = {"get", "list", "watch", "create", "update", "patch", "delete",
                                       "deletecollection", "", "*", "GET"};
static const char *const PG_NAMESPACES[] = {"default", "kube-system", "kube-public", "prod", "", "*"};
static const char *const PG_APIGROUPS[] = {"", "apps", "batch", "rbac.authorization.k8s.io",
                                           "coordination.k8s.io", "extensions", "core", "policy"};
static const char *const PG_RESOURCES[] = {"pods", "secrets", "configmaps", "deployments", "nodes",
                                           "endpoints", "services", "leases", "events", "tokenreviews", ""};
static const char *const PG_SUBS[] = {"", "log", "status", "exec", "scale", "proxy", "binding"};
static const char *const PG_NAMES[] = {"", "a", "controller-leader", "kube-scheduler", "web-1", "busybox"};
static const char *const PG_PATHS[] = {"/healthz", "/healthz/etcd", "/api", "/apis", "/api/v1", "/version",
                                       "/metrics", "/livez", "/readyz", "/logs/x", "/", "", "/openapi/v2"};
static const char *const PG_URLSPECS[] = {"/healthz", "/healthz*", "/api*", "/apis/*", "/version", "/metrics",
                                          "/livez", "/readyz*", "/logs/*", "*", "/", "/*", "/openapi*",
                                          "/api/v1/pods", "/api/v1/p*", "/api/v1/*"};

#define PG_N(a) (sizeof(a) / sizeof((a)[0]))
#define PG_PICK(r, a) ((a)[pg_below((r), (unsigned)PG_N(a))])

typedef struct pg_buf {
    char *s;
    size_t len, cap;
} pg_buf;

static inline void pg_add(pg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void pg_add(pg_buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (b->s && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        b->s = realloc(b->s, cap);
        b->cap = cap;
    }
}

static inline void pg_list(pg_buf *b, pg_rng *r, const char *key, const char *const *vocab, unsigned n,
                           unsigned max)
{
    unsigned k = 1 + pg_below(r, max);
    pg_add(b, "    %s: [", key);
    for (unsigned i = 0; i < k; i++)
        pg_add(b, "%s\"%s\"", i ? ", " : "", vocab[pg_below(r, n)]);
    pg_add(b, "]\n");
}

static const char *const PG_LEVELS[] = {"None", "Metadata", "Request", "RequestResponse"};
static const char *const PG_STAGES[] = {"RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"};

/* The resource string of a GroupResources entry, in one of the forms. */
static inline void pg_resource(pg_buf *b, pg_rng *r)
{
    switch (pg_below(r, 8)) {
    case 0: pg_add(b, "\"*\""); break;
    case 1: pg_add(b, "\"*/%s\"", PG_PICK(r, PG_SUBS)); break;
    case 2: pg_add(b, "\"%s/*\"", PG_PICK(r, PG_RESOURCES)); break;
    case 3: pg_add(b, "\"%s/%s\"", PG_PICK(r, PG_RESOURCES), PG_PICK(r, PG_SUBS)); break;
    default: pg_add(b, "\"%s\"", PG_PICK(r, PG_RESOURCES)); break;
    }
}

/* Writes a policy of n rules. wide: larger value pools (for big policies,
 * so rules differ as they would in a real large policy). */
static inline void pg_policy(pg_buf *b, pg_rng *r, unsigned n, int catch_all_last)
{
    b->len = 0;
    pg_add(b, "apiVersion: audit.k8s.io/v1\nkind: Policy\n");
    if (pg_chance(r, 40))
        pg_add(b, "omitStages: [\"%s\"]\n", PG_PICK(r, PG_STAGES));
    if (pg_chance(r, 20))
        pg_add(b, "omitManagedFields: %s\n", pg_chance(r, 50) ? "true" : "false");
    pg_add(b, "rules:\n");
    for (unsigned i = 0; i < n; i++) {
        pg_add(b, "  - level: %s\n", PG_PICK(r, PG_LEVELS));
        if (catch_all_last && i == n - 1)
            break;
        if (pg_chance(r, 30))
            pg_list(b, r, "users", PG_USERS, PG_N(PG_USERS), 3);
        if (pg_chance(r, 30))
            pg_list(b, r, "userGroups", PG_GROUPS, PG_N(PG_GROUPS), 2);
        if (pg_chance(r, 50))
            pg_list(b, r, "verbs", PG_VERBS, PG_N(PG_VERBS), 4);
        unsigned scope = pg_below(r, 10);
        if (scope < 6) {
            if (pg_chance(r, 80)) {
                unsigned k = 1 + pg_below(r, 3);
                pg_add(b, "    resources:\n");
                for (unsigned g = 0; g < k; g++) {
                    const char *grp = pg_chance(r, 5) ? "*" : PG_PICK(r, PG_APIGROUPS);
                    pg_add(b, "      - group: \"%s\"\n", grp);
                    if (pg_chance(r, 80)) {
                        unsigned m = 1 + pg_below(r, 3);
                        pg_add(b, "        resources: [");
                        for (unsigned j = 0; j < m; j++) {
                            if (j)
                                pg_add(b, ", ");
                            pg_resource(b, r);
                        }
                        pg_add(b, "]\n");
                        if (pg_chance(r, 25)) {
                            unsigned q = 1 + pg_below(r, 2);
                            pg_add(b, "        resourceNames: [");
                            for (unsigned j = 0; j < q; j++)
                                pg_add(b, "%s\"%s\"", j ? ", " : "", PG_PICK(r, PG_NAMES));
                            pg_add(b, "]\n");
                        }
                    }
                }
            }
            if (pg_chance(r, 40))
                pg_list(b, r, "namespaces", PG_NAMESPACES, PG_N(PG_NAMESPACES), 3);
        } else if (scope < 9) {
            pg_list(b, r, "nonResourceURLs", PG_URLSPECS, PG_N(PG_URLSPECS), 3);
        }
        if (pg_chance(r, 20))
            pg_add(b, "    omitStages: [\"%s\"]\n", PG_PICK(r, PG_STAGES));
        if (pg_chance(r, 10))
            pg_add(b, "    omitManagedFields: %s\n", pg_chance(r, 50) ? "true" : "false");
    }
}

/* A request drawn from the same pools; strings live in static pools. */
typedef struct pg_request {
    const char *user;
    const char *groups[3];
    size_t n_groups;
    const char *verb, *ns, *group, *resource, *sub, *name, *path;
    int res;
} pg_request;

static inline void pg_random_request(pg_rng *r, pg_request *q)
{
    q->user = pg_chance(r, 10) ? NULL : PG_PICK(r, PG_USERS);
    q->n_groups = pg_below(r, 4);
    for (size_t i = 0; i < q->n_groups; i++)
        q->groups[i] = PG_PICK(r, PG_GROUPS);
    q->verb = PG_PICK(r, PG_VERBS);
    q->res = pg_chance(r, 70);
    q->ns = PG_PICK(r, PG_NAMESPACES);
    q->group = PG_PICK(r, PG_APIGROUPS);
    q->resource = pg_chance(r, 3) ? "*" : PG_PICK(r, PG_RESOURCES);
    q->sub = pg_chance(r, 60) ? "" : pg_chance(r, 3) ? "*" : PG_PICK(r, PG_SUBS);
    q->name = PG_PICK(r, PG_NAMES);
    q->path = PG_PICK(r, PG_PATHS);
}

/* The request as libkap takes it; the strings stay q's. */
static inline kap_request pg_to_request(const pg_request *q)
{
    kap_request r = KAP_REQUEST_INIT;
    r.user = q->user;
    r.groups = q->groups;
    r.n_groups = q->n_groups;
    r.verb = q->verb;
    r.ns = q->ns;
    r.api_group = q->group;
    r.resource = q->resource;
    r.subresource = q->sub;
    r.name = q->name;
    r.path = q->path;
    r.resource_request = q->res;
    return r;
}

/* The same request with lengths (groups: room for r->n_groups). */
static inline kap_str pg_str(const char *s)
{
    kap_str v = {s, s ? strlen(s) : 0};
    return v;
}

static inline kap_request_n pg_request_n(const kap_request *r, kap_str *groups)
{
    kap_request_n n = KAP_REQUEST_N_INIT;
    n.user = pg_str(r->user);
    for (size_t i = 0; i < r->n_groups; i++)
        groups[i] = pg_str(r->groups[i]);
    n.groups = r->groups ? groups : NULL;
    n.n_groups = r->n_groups;
    n.verb = pg_str(r->verb);
    n.ns = pg_str(r->ns);
    n.api_group = pg_str(r->api_group);
    n.api_version = pg_str(r->api_version);
    n.resource = pg_str(r->resource);
    n.subresource = pg_str(r->subresource);
    n.name = pg_str(r->name);
    n.path = pg_str(r->path);
    n.resource_request = r->resource_request;
    return n;
}

/* ---- Tricky policies, for the analysis's proofs (issue 13) ----------------
 * Small pools that overlap on purpose: one-letter strings, slashes and stars
 * inside resource strings, nested URL prefixes (the same string exact and as
 * a prefix), several groups per rule, "" as a user, name or namespace, the
 * verbs tied to a name or subresource and a name a list cannot have, verbs
 * no resource request has (x, impersonate) and the resources status and
 * finalize, which a resource request has in the namespace "" only. Lists
 * are written in flow style, one list a line, every value quoted. */

static const char *const PGT_USERS[] = {"a", "b", "", "*"};
static const char *const PGT_GROUPS[] = {"g1", "g2", "g3", ""};
static const char *const PGT_VERBS[] = {"get", "list", "x", "", "delete", "deletecollection", "proxy", "impersonate"};
static const char *const PGT_NAMESPACES[] = {"n1", "n2", ""};
static const char *const PGT_APIGROUPS[] = {"", "a", "b", "*"};
static const char *const PGT_RESOURCES[] = {"r", "s", "r/x", "r/*", "*/x", "*", "*/*", "r/x/y", "x", "r/", "/x",
                                           "namespaces", "watch", "status", "finalize", "finalize/*"};
static const char *const PGT_NAMES[] = {"", "n", "m", "."};
static const char *const PGT_URLSPECS[] = {"/", "/a", "/a*", "/ab", "/ab*", "/a/b", "*", "/*", "/b*"};

/* Request values: the pools' strings and their near misses. */
static const char *const PGT_REQ_USERS[] = {"a", "b", "", "*", "c"};
static const char *const PGT_REQ_GROUPS[] = {"g1", "g2", "g3", "", "g4"};
static const char *const PGT_REQ_VERBS[] = {"get",   "list",  "x",     "", "watch", "delete", "deletecollection",
                                            "proxy", "create", "impersonate"};
static const char *const PGT_REQ_NAMESPACES[] = {"n1", "n2", "", "n3"};
static const char *const PGT_REQ_APIGROUPS[] = {"", "a", "b", "*", "c"};
static const char *const PGT_REQ_RESOURCES[] = {"r", "s", "x", "r/x", "*", "r/x/y", "/x", "", "r/", "t", "*/x",
                                               "namespaces", "watch", "status", "finalize"};
static const char *const PGT_REQ_SUBS[] = {"", "x", "y", "*", "x/y", "r", "z"};
static const char *const PGT_REQ_NAMES[] = {"", "n", "m", "o", ".", "a%b"};
static const char *const PGT_REQ_PATHS[] = {"/", "/a", "/ab", "/abc", "/a/b", "/a/", "/b", "/bc", "", "/x", "a", "/ab/"};

static inline void pgt_list(pg_buf *b, pg_rng *r, const char *indent, const char *key, const char *const *vocab,
                            unsigned n, unsigned max)
{
    unsigned k = 1 + pg_below(r, max);
    pg_add(b, "%s%s: [", indent, key);
    for (unsigned i = 0; i < k; i++)
        pg_add(b, "%s\"%s\"", i ? ", " : "", vocab[pg_below(r, n)]);
    pg_add(b, "]\n");
}

/* A tricky policy of n rules; group "*" only when any_group (Kubernetes 1.36). */
static inline void pgt_policy(pg_buf *b, pg_rng *r, unsigned n, int any_group)
{
    b->len = 0;
    pg_add(b, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n");
    for (unsigned i = 0; i < n; i++) {
        pg_add(b, "  - level: %s\n", PG_PICK(r, PG_LEVELS));
        if (pg_chance(r, 25))
            pgt_list(b, r, "    ", "users", PGT_USERS, PG_N(PGT_USERS), 2);
        if (pg_chance(r, 35))
            pgt_list(b, r, "    ", "userGroups", PGT_GROUPS, PG_N(PGT_GROUPS), 3);
        if (pg_chance(r, 40))
            pgt_list(b, r, "    ", "verbs", PGT_VERBS, PG_N(PGT_VERBS), 3);
        unsigned scope = pg_below(r, 10);
        if (scope < 6) {
            if (pg_chance(r, 80)) {
                unsigned k = 1 + pg_below(r, 3);
                pg_add(b, "    resources:\n");
                for (unsigned g = 0; g < k; g++) {
                    const char *grp = PGT_APIGROUPS[pg_below(r, any_group ? 4 : 3)];
                    pg_add(b, "      - group: \"%s\"\n", grp);
                    if (pg_chance(r, 85)) {
                        pgt_list(b, r, "        ", "resources", PGT_RESOURCES, PG_N(PGT_RESOURCES), 3);
                        if (pg_chance(r, 30))
                            pgt_list(b, r, "        ", "resourceNames", PGT_NAMES, PG_N(PGT_NAMES), 2);
                    }
                }
            }
            if (pg_chance(r, 40))
                pgt_list(b, r, "    ", "namespaces", PGT_NAMESPACES, PG_N(PGT_NAMESPACES), 2);
        } else if (scope < 9) {
            pgt_list(b, r, "    ", "nonResourceURLs", PGT_URLSPECS, PG_N(PGT_URLSPECS), 3);
        }
    }
}

/* A request from the tricky pools (strings are static). */
static inline void pgt_request(pg_rng *r, pg_request *q)
{
    q->user = pg_chance(r, 15) ? NULL : PG_PICK(r, PGT_REQ_USERS);
    q->n_groups = pg_below(r, 4);
    for (size_t i = 0; i < q->n_groups; i++)
        q->groups[i] = PG_PICK(r, PGT_REQ_GROUPS);
    q->verb = PG_PICK(r, PGT_REQ_VERBS);
    q->res = pg_chance(r, 60);
    q->ns = PG_PICK(r, PGT_REQ_NAMESPACES);
    q->group = PG_PICK(r, PGT_REQ_APIGROUPS);
    q->resource = PG_PICK(r, PGT_REQ_RESOURCES);
    q->sub = PG_PICK(r, PGT_REQ_SUBS);
    q->name = PG_PICK(r, PGT_REQ_NAMES);
    q->path = PG_PICK(r, PGT_REQ_PATHS);
}

#endif
