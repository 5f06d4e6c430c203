/* The analysis stage (kap lint beyond kube-apiserver): declarations shared
 * by its files.
 *
 *   analyze.c           the public API: load, run the checks, inline
 *                       suppression, findings in file order, witnesses
 *   analyze_space.c     the request space: attribute classes, cubes, exact
 *                       subtraction, a concrete request from a cube
 *   analyze_reach.c     what the space answers: unreachable rules, dead
 *                       values, witnesses, sensitive data and volume,
 *                       requests no rule decides
 *   analyze_keys.c      keys kube-apiserver ignores
 *   analyze_patterns.c  values that can never match a real request
 *
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_ANALYZE_H
#define KAP_ANALYZE_H

#include "internal.h"

/* ---- The result ------------------------------------------------------------ */

struct kap_analysis {
    kap_arena arena; /* findings' strings, witnesses */
    kap_diagnostics *diags;
    kap_policy *policy;
    kap_finding *items;
    size_t n, cap;
    size_t suppressed;
    size_t nrules;
    signed char *reach;     /* per rule: 1 reachable, 0 unreachable, -1 not decided */
    kap_request_n *witness; /* per rule, when reach is 1 */
    int oom;
};

/* ---- One analysis in progress ---------------------------------------------- */

typedef struct an_space an_space; /* analyze_space.c */

typedef struct an_ctx {
    kap_analysis *out;
    const kdoc *doc;
    const kap_policy *policy;  /* NULL when the policy did not load */
    unsigned kube_minor;
    const kap_limits *lim;     /* the load's, to read the file's values again */
    const kap_analysis_options *opts;
    const kap_diagnostics *key_diags; /* the strict-decoding warnings, whatever the release */
    const char *src;                  /* the file's bytes, for comments and columns */
    size_t srclen;
    an_space *space;           /* NULL until built, or when it could not be */
    unsigned impossible;       /* why the last value found with only impossible requests has them (AN_IMP_) */
} an_ctx;

/* Adds a finding. rule is -1 for the whole policy; field may be NULL; hint
 * may be NULL. The message is printf-formatted. related: n rule indexes. */
KAP_HIDDEN void an_add(an_ctx *c, const char *id, kap_severity sev, int rule, unsigned line, unsigned col,
                       const char *field, const int *related, size_t n_related, const char *hint,
                       const char *fmt, ...) __attribute__((format(printf, 11, 12)));
/* A buffer's text for a finding, "" (and the analysis out of memory) when
 * the buffer ran out of memory. */
KAP_HIDDEN const char *an_cstr(an_ctx *c, kap_buf *b);
/* A string for a finding's text: Go-quoted (one line, escapes shown). */
KAP_HIDDEN void an_quote(kap_buf *b, const char *s, size_t n);
/* "rule 3 (line 20)", "rules 1 (line 8) and 2 (line 12)", a few then "and N others". */
KAP_HIDDEN void an_rule_list(const an_ctx *c, kap_buf *b, const int *rules, size_t n);
/* The field path of a rule's list entry, e.g. rules[2].namespaces[1]. */
KAP_HIDDEN void an_field(kap_buf *b, size_t rule, const char *list, long entry);

/* ---- The request space (analyze_space.c) -----------------------------------
 *
 * Every attribute a rule tests is a membership test over strings with a few
 * wildcard forms, so each attribute's domain splits into the classes the
 * policy's own strings induce: each listed string, each URL prefix's region,
 * "any other string", "no user". Two requests whose attributes fall in the
 * same classes are decided alike by every rule. Groups are a set: a request
 * carries any number of them, so each listed group is a yes/no attribute of
 * its own, and a rule's userGroups says "at least one of these".
 *
 * A cube is a product of class sets (one per attribute), a set of groups the
 * request must not carry (zero) and at most one "carries one of these" clause
 * (any). Every rule is a union of cubes; subtracting cubes from cubes is exact.
 */

enum { D_USER, D_VERB, D_KIND, D_NS, D_AG, D_RES, D_SUB, D_NAME, D_PATH, AN_NDIM };

#define AN_NONE 0xFFFFFFFFu

/* A set of class ids: v[0..n) sorted, or every class except those (neg). */
typedef struct an_set {
    const uint32_t *v;
    uint32_t n;
    uint32_t neg;
} an_set;

typedef struct an_cube {
    an_set d[AN_NDIM];
    const uint32_t *zero; /* groups the request does not carry, sorted */
    const uint32_t *any;  /* the request has a user and carries one of these; NULL: no such clause */
    uint32_t nzero, nany;
} an_cube;

/* A concrete request (strings with lengths; they may hold NUL). */
typedef struct an_req {
    int has_user, resource;
    kstr user, verb, ns, ag, res, sub, name, path;
    kstr groups[2];
    size_t ngroups;
} an_req;

KAP_HIDDEN int an_space_new(an_space **out, const kdoc *doc, unsigned kube_minor, const kap_analysis_options *o);
KAP_HIDDEN void an_space_free(an_space *s);
KAP_HIDDEN size_t an_space_steps(const an_space *s);

/* Whether a value a policy lists can be a request's attribute of dim
 * (requestinfo.md 5, 6): a namespace, API group, resource, subresource or
 * name is one segment of the URL, so it never holds a '/'; a verb has no
 * upper-case letter (a Kubernetes verb, or the HTTP method lower-cased); a
 * non-resource request's path starts with '/' (section 2: Go's server
 * refuses any other target) and is not a resource request's (below). A
 * rule's list entry that cannot be matches no request. */
KAP_HIDDEN int an_value_possible(int dim, const char *str, size_t len);
/* Whether kube-apiserver reads a decoded path as a resource request's
 * (requestinfo.md 5, 6: api and at least 2 more segments, or apis and at
 * least 3), which no nonResourceURLs entry matches. Such a path is not
 * possible in D_PATH; nor is a prefix's stem of that kind, since every
 * extension of it is one too. */
KAP_HIDDEN int an_path_is_resource(const char *str, size_t len);
/* Whether a nonResourceURLs entry (exact, or a stem and '*') can match a
 * request ("*" can: its stem "" is no path, but "/" extends it). */
KAP_HIDDEN int an_url_possible(const char *spec, size_t len);
/* Whether a list request can have the name (requestinfo.md 9, 11): only a
 * field selector gives a list one, and kube-apiserver takes no name ".",
 * ".." or with a '/' or '%' from it. */
KAP_HIDDEN int an_list_name_possible(const char *name, size_t len);
/* Whether a URL gives the resource request: its verb is one request-info
 * gives (requestinfo.md 6), and goes with its name and subresource (8-10:
 * get and delete have a name, deletecollection none, list one a field
 * selector gives, proxy no subresource), and the resource status or
 * finalize is in the namespace "" (7). The analysis's space leaves out the
 * others (analyze_space.c, build_impossible). */
KAP_HIDDEN int an_req_possible(const an_req *q);
/* Whether cubes v[0..n) hold a request a URL gives (an_req_possible): 1,
 * 0, or -1 on failure (scratch). */
KAP_HIDDEN int an_possible_some(an_space *s, const an_cube *v, size_t n);
/* Why requests are impossible (build_impossible): one bit per kind. */
enum {
    AN_IMP_GET_NAME = 1,     /* get without a name */
    AN_IMP_DELETE_NAME = 2,  /* delete without a name */
    AN_IMP_DC_NAME = 4,      /* deletecollection with a name */
    AN_IMP_LIST_NAME = 8,    /* list with a name no field selector gives */
    AN_IMP_PROXY_SUB = 16,   /* proxy with a subresource */
    AN_IMP_NS_SUB = 32,      /* the resource status or finalize in a namespace */
    AN_IMP_VERB = 64,        /* a verb no resource request has */
    AN_IMP_TIES = 31         /* a verb tied to a name or subresource */
};
/* The kinds of impossible requests that cubes v[0..n) meet (AN_IMP_ bits). */
KAP_HIDDEN unsigned an_impossible_met(an_space *s, const an_cube *v, size_t n);
/* The class of a concrete value in a dimension (D_KIND: "0" or "1"). */
KAP_HIDDEN uint32_t an_class_of(const an_space *s, int dim, const char *str, size_t len);
/* The id of a listed group, or AN_NONE. */
KAP_HIDDEN uint32_t an_group_id(const an_space *s, const char *str, size_t len);
KAP_HIDDEN uint32_t an_dim_size(const an_space *s, int dim);
/* The classes a rule's URL spec matches, and the (RES, SUB) cubes of one
 * resources entry's pattern: for checks that look at one entry. */
KAP_HIDDEN const an_cube *an_rule_cubes(const an_space *s, size_t rule, size_t *n);

/* Cubes made while answering queries live in the scratch space, dropped by
 * an_scratch_reset(). These return 0 when out of memory or over the memory limit. */
KAP_HIDDEN void an_scratch_reset(an_space *s);
/* *out = a ∩ b, b without a clause; returns 1 when non-empty, 0 when empty,
 * -1 on failure. */
KAP_HIDDEN int an_cube_and(an_space *s, const an_cube *a, const an_cube *b, an_cube *out);
KAP_HIDDEN int an_cube_meets(an_space *s, const an_cube *a, const an_cube *b);
/* a − b as disjoint cubes appended to *list (scratch); -1 on failure. */
KAP_HIDDEN int an_cube_minus(an_space *s, const an_cube *a, const an_cube *b, an_cube **list, size_t *n,
                             size_t *cap);
/* Appends a cube to a list in scratch; -1 on failure. */
KAP_HIDDEN int an_cube_push(an_space *s, an_cube **list, size_t *n, size_t *cap, const an_cube *c);
/* A cube with every attribute free. */
KAP_HIDDEN void an_cube_full(an_cube *c);
/* The cube "attribute dim is in the classes v[0..n)". */
KAP_HIDDEN int an_cube_pin(an_space *s, an_cube *c, int dim, const uint32_t *v, uint32_t n);
/* The share of the request space a cube covers (each class of an attribute
 * weighs the same, each listed group is present half of the time). */
KAP_HIDDEN double an_cube_measure(const an_space *s, const an_cube *c);
/* The share of the request space that a URL gives (an_req_possible), in
 * the same measure: the share of a region of possible requests is its
 * measure divided by this. Negative on failure (scratch). */
KAP_HIDDEN double an_space_measure(an_space *s);

/* What is left of a region once rules [0, before) have decided theirs. */
typedef struct an_query {
    const an_cube *start;
    size_t nstart;
    size_t before;
    int want_all;      /* every piece of what is left (else stop at the first) */
    int need_covering; /* name the rules that decide the region (else a rule that matches
                        * everything answers at once) */
    size_t max_pieces; /* stop collecting after this many (the answer is then incomplete) */
    /* results, valid until an_scratch_reset() */
    an_cube *left;
    size_t nleft;
    int complete;      /* left is all that is left */
    int status;        /* 1 something is left, 0 nothing, -1 not decided (a limit; see limit) */
    const char *limit; /* which limit: "max_steps", "max_rule_steps", "max_memory" */
    int *covering;     /* rules that decided part of the region, in order (scratch) */
    size_t ncovering;
} an_query;

/* Returns KAP_OK or KAP_ENOMEM; the answer is in q. */
KAP_HIDDEN int an_query_run(an_space *s, an_query *q);

/* A concrete request in cube c, as realistic as the classes allow (or made
 * of values the policy does not list, where the cube allows: other_first).
 * Strings live in the space. *odd (may be NULL): how unrealistic it is. */
KAP_HIDDEN int an_cube_request(an_space *s, const an_cube *c, int other_first, an_req *out, unsigned *odd);
/* How unrealistic a request from that cube would be (lower is better). */
KAP_HIDDEN unsigned an_cube_oddness(an_space *s, const an_cube *c);
/* The cubes of one resources entry g of a rule (group, names, resource and
 * subresource only; the rest free): all its patterns (k < 0) or pattern k;
 * with name_class != AN_NONE, that name only. Appended to *list (scratch). */
KAP_HIDDEN int an_entry_cubes(an_space *s, const kgr *g, long k, uint32_t name_class, an_cube **list, size_t *n,
                              size_t *cap);
/* The classes a URL spec matches (main arena). */
KAP_HIDDEN int an_url_classes(an_space *s, const kstr *spec, const uint32_t **v, uint32_t *n);

/* ---- The checks ------------------------------------------------------------ */

KAP_HIDDEN void an_check_keys(an_ctx *c);     /* ignored-key, duplicate-key */
KAP_HIDDEN void an_check_patterns(an_ctx *c); /* values that never match a real request */
/* Builds the request space and runs every check that needs it: unreachable
 * rules, dead values, witnesses, sensitive data, volume, requests that fall
 * through. Returns KAP_OK or KAP_ENOMEM. */
KAP_HIDDEN int an_check_reach(an_ctx *c);

/* ---- Built-in resources (analyze_patterns.c) ------------------------------ */

typedef struct an_builtin {
    const char *group;
    const char *resource;
    const char *singular; /* the kind in lower case */
    unsigned char cluster_scoped;
    unsigned char since, until; /* Kubernetes minor versions, both included; 0: no bound */
    const char *subresources;   /* space-separated */
} an_builtin;

/* The built-in resource of group in release kube_minor, or NULL. */
KAP_HIDDEN const an_builtin *an_builtin_find(const char *group, size_t glen, const char *res, size_t rlen,
                                             unsigned kube_minor);
/* Whether group is served by kube-apiserver itself in that release. */
KAP_HIDDEN int an_builtin_group(const char *group, size_t glen, unsigned kube_minor);
/* The i-th built-in resource of group in that release (for realistic
 * witnesses), or NULL past the end. */
KAP_HIDDEN const an_builtin *an_builtin_nth(const char *group, size_t glen, unsigned kube_minor, size_t i);

/* Verbs kube-apiserver gives requests (analyze_patterns.c). */
KAP_HIDDEN int an_resource_verb(const char *v, size_t n);
KAP_HIDDEN int an_nonresource_verb(const char *v, size_t n); /* the methods clients send, lower case */
/* Any verb a non-resource request can have: an HTTP method token in lower case. */
KAP_HIDDEN int an_method_verb(const char *v, size_t n);

static inline int kstr_is(const kstr *k, const char *s)
{
    size_t n = __builtin_strlen(s);
    return k->len == n && __builtin_memcmp(k->s, s, n) == 0;
}

#endif
