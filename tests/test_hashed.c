/* The hashed groups of the decision table (table.h, hkeys; match.c,
 * group_hashed) against the plain first-match evaluator: random policies
 * of a few large groups (hundreds of rules sharing the attributes they
 * constrain), values drawn from small pools so that requests hit, lists
 * with repeats, within the 8 combinations a hashed group's rules may lie
 * in and above it (those groups are walked), resourceNames,
 * subresources, group "*", nonResourceURLs with prefix* forms. Every
 * decision is compared through both entry points, and the test checks
 * that the table hashed groups and that those groups decided many of the
 * requests. SPDX-License-Identifier: Apache-2.0 */
#include "helpers.h"
#include "policygen.h"

#include "internal.h"
#include "table.h"

static const char *const USERS[] = {"u0", "u1", "u2", "u3", "u4", "u5"};
static const char *const GROUPS[] = {"g0", "g1", "g2", "g3", "g4", "g5"};
static const char *const VERBS[] = {"get", "list", "watch", "create", "delete"};
static const char *const NSS[] = {"n0", "n1", "n2", "n3", "n4", "n5"};
static const char *const APIGROUPS[] = {"", "apps", "x.io", "*"};
static const char *const RESOURCES[] = {"r0", "r1", "r2", "r0/s", "r1/t", "*/s", "r2/*", "*"};
static const char *const NAMES[] = {"a", "b", "c"};
static const char *const URLS[] = {"/p0", "/p1", "/p2*", "/q/*", "/q/r*", "*"};

/* A list of 1..max items from pool (with repeats). */
static void list(pg_buf *b, pg_rng *r, const char *indent, const char *key, const char *const *pool, unsigned n,
                 unsigned max)
{
    unsigned k = 1 + pg_below(r, max);
    pg_add(b, "%s%s: [", indent, key);
    for (unsigned i = 0; i < k; i++)
        pg_add(b, "%s\"%s\"", i ? ", " : "", pool[pg_below(r, n)]);
    pg_add(b, "]\n");
}

/* A shape: who (bits: users, userGroups, verbs), kind (0: namespaces,
 * 1: resources, 2: both, 3: nonResourceURLs, 4: neither) and how long its
 * lists may be (1: every rule one combination; 2 and 3: more, up to
 * beyond the hashed groups' cap). */
typedef struct shape {
    unsigned who, kind, lmax;
} shape;

static void rule(pg_buf *b, pg_rng *r, const shape *s)
{
    static const char *const levels[] = {"None", "Metadata", "Request", "RequestResponse"};
    pg_add(b, "- level: %s\n", levels[pg_below(r, 4)]);
    if (pg_chance(r, 10))
        pg_add(b, "  omitStages: [RequestReceived]\n");
    if (pg_chance(r, 10))
        pg_add(b, "  omitManagedFields: %s\n", pg_chance(r, 50) ? "true" : "false");
    unsigned m = s->lmax;
    if (s->who & 1)
        list(b, r, "  ", "users", USERS, PG_N(USERS), m);
    if (s->who & 2)
        list(b, r, "  ", "userGroups", GROUPS, PG_N(GROUPS), m);
    if (s->who & 4)
        list(b, r, "  ", "verbs", VERBS, PG_N(VERBS), m);
    if (s->kind == 0 || s->kind == 2)
        list(b, r, "  ", "namespaces", NSS, PG_N(NSS), m);
    if (s->kind == 1 || s->kind == 2) {
        unsigned ne = 1 + pg_below(r, m > 1 ? 2 : 1);
        pg_add(b, "  resources:\n");
        for (unsigned e = 0; e < ne; e++) {
            pg_add(b, "  - group: \"%s\"\n", APIGROUPS[pg_below(r, PG_N(APIGROUPS))]);
            if (pg_chance(r, 10))
                continue; /* the whole group */
            /* resources of one set each where lmax is 1 (not "*" nor r2 with a star,
             * which make two) */
            list(b, r, "    ", "resources", RESOURCES, m == 1 ? 5 : PG_N(RESOURCES), m);
            if (pg_chance(r, 30))
                list(b, r, "    ", "resourceNames", NAMES, PG_N(NAMES), m);
        }
    }
    if (s->kind == 3)
        list(b, r, "  ", "nonResourceURLs", URLS, m == 1 ? 2 : PG_N(URLS), m);
}

static void request(pg_rng *r, char bufs[4][16], const char *groups[3], kap_request *q)
{
    static const char *const res[] = {"r0", "r1", "r2", "r3"};
    static const char *const subs[] = {"", "", "s", "t"};
    static const char *const names[] = {"", "a", "b", "c", "d"};
    static const char *const paths[] = {"/p0", "/p1", "/p2", "/p2x", "/q/", "/q/r", "/q/rz", "/z"};
    static const char *const apigroups[] = {"", "apps", "x.io", "y.io"};
    kap_request z = KAP_REQUEST_INIT;
    *q = z;
    snprintf(bufs[0], 16, "u%u", pg_below(r, 7));
    q->user = pg_chance(r, 95) ? bufs[0] : NULL;
    q->n_groups = q->user ? pg_below(r, 4) : 0;
    for (size_t i = 0; i < q->n_groups; i++) {
        snprintf(bufs[1 + i], 16, "g%u", pg_below(r, 7));
        groups[i] = bufs[1 + i];
    }
    q->groups = groups;
    q->verb = pg_chance(r, 95) ? VERBS[pg_below(r, PG_N(VERBS))] : "patch";
    q->resource_request = pg_chance(r, 75);
    if (q->resource_request) {
        q->ns = pg_chance(r, 90) ? NSS[pg_below(r, PG_N(NSS))] : pg_chance(r, 50) ? "" : "n9";
        q->api_group = apigroups[pg_below(r, 4)];
        q->resource = res[pg_below(r, 4)];
        q->subresource = subs[pg_below(r, 4)];
        q->name = names[pg_below(r, 5)];
    } else {
        q->path = paths[pg_below(r, 8)];
    }
}

/* The group (as a copy in group_by_bit) that holds rule i, or NULL. */
static const rgroup *group_of(const kap_policy *p, int i)
{
    const kap_table *t = p->table;
    if (i < 0 || !t->group_by_bit)
        return NULL;
    uint32_t pos = t->pos_rule[t->nrules + (size_t)i];
    for (int sc = 0; sc < 2; sc++)
        for (uint32_t k = 0; k < t->ngroups[sc]; k++) {
            const rgroup *g = &t->groups[sc][k];
            if (pos >= g->start && pos < g->end)
                return g;
        }
    return NULL;
}

/* kap_table.set_gmask exactly: bit h of a set's mask when the set holds
 * a rule at a position of the group numbered h, worked out bit by bit. */
static void check_group_masks(const kap_policy *p, unsigned pi)
{
    const kap_table *t = p->table;
    if (!t->set_gmask)
        return;
    for (size_t s = 0; s < t->nsets; s++) {
        const kset *k = &t->sets[s];
        uint64_t want = 0;
        for (uint32_t j = 0; j < k->nw; j++)
            for (unsigned b = 0; b < 64; b++) {
                if (!(t->wmask[k->off + j] >> b & 1))
                    continue;
                uint64_t pos = (uint64_t)t->widx[k->off + j] * 64 + b;
                for (int sc = 0; sc < 2; sc++)
                    for (uint32_t gi = 0; gi < t->ngroups[sc]; gi++) {
                        const rgroup *g = &t->groups[sc][gi];
                        if (pos >= g->start && pos < g->end)
                            want |= 1ULL << g->gbit;
                    }
            }
        ck_assert_msg(t->set_gmask[s] == want, "policy %u set %zu: group mask %#llx, its rules give %#llx", pi, s,
                      (unsigned long long)t->set_gmask[s], (unsigned long long)want);
    }
}

/* kap_table.gidx exactly (table.h): every set of GIDX_MIN words or more,
 * not of every word, has an entry per group, worked out word by word: the
 * index of its first word at or after the group's first word (nw where
 * there is none), with GIDX_DENSE when it holds every word from there to
 * the group's last; then nw. Returns the dense entries seen. */
static unsigned check_group_index(const kap_policy *p, unsigned pi)
{
    const kap_table *t = p->table;
    unsigned dense = 0;
    size_t indexed = 0;
    if (!t->set_gmask)
        return 0;
    uint32_t ngb = 0; /* (a group of rules of both scopes is in both lists, with one gbit) */
    for (int sc = 0; sc < 2; sc++)
        for (uint32_t k = 0; k < t->ngroups[sc]; k++)
            if (t->groups[sc][k].gbit + 1u > ngb)
                ngb = t->groups[sc][k].gbit + 1u;
    for (size_t s = 0; s < t->nsets; s++) {
        const kset *k = &t->sets[s];
        int want = k->nw >= GIDX_MIN && k->nw < t->W;
        ck_assert_msg((k->gi != NOWORD) == want, "policy %u set %zu of %u words (W %zu): index %u", pi, s, k->nw,
                      t->W, k->gi);
        if (!want)
            continue;
        ck_assert_uint_le((size_t)k->gi + ngb + 1, t->ngidx);
        const uint32_t *wi = t->widx + k->off, *e = t->gidx + k->gi;
        for (uint32_t gb = 0; gb < ngb; gb++) {
            const rgroup *g = &t->group_by_bit[gb];
            uint32_t ws = g->start / 64, we = (g->end - 1) / 64, j = 0;
            while (j < k->nw && wi[j] < ws)
                j++;
            uint32_t have = 0;
            for (uint32_t x = j; x < k->nw && wi[x] <= we; x++)
                have++;
            uint32_t entry = j | (have == we - ws + 1 ? GIDX_DENSE : 0);
            ck_assert_msg(e[gb] == entry, "policy %u set %zu group %u: entry %#x, its words give %#x", pi, s, gb,
                          e[gb], entry);
            dense += have == we - ws + 1;
        }
        ck_assert_uint_eq(e[ngb], k->nw);
        indexed++;
    }
    /* the index is sized for those sets exactly */
    ck_assert_uint_eq(t->ngidx, indexed * (ngb + 1));
    return dense;
}

START_TEST(hashed_groups)
{
    pg_rng rng = {0x48415348ULL};
    pg_buf b = {0};
    unsigned total = 0, by_hashed = 0, hashed_groups = 0, walked_large = 0, policies = 40, indexed_dense = 0;
    for (unsigned pi = 0; pi < policies; pi++) {
        shape shapes[6];
        unsigned nshapes = 2 + pg_below(&rng, 5);
        for (unsigned k = 0; k < nshapes; k++) {
            shapes[k].who = pg_below(&rng, 8);
            shapes[k].kind = pg_below(&rng, 5);
            /* most shapes hashable; some with lists long enough that
             * their groups are walked */
            shapes[k].lmax = pg_chance(&rng, 50) ? 1 : pg_chance(&rng, 60) ? 2 : 3;
        }
        unsigned n = 300 * nshapes + pg_below(&rng, 800);
        b.len = 0;
        pg_add(&b, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n");
        for (unsigned i = 0; i < n; i++)
            rule(&b, &rng, &shapes[pg_below(&rng, nshapes)]);
        if (pg_chance(&rng, 50))
            pg_add(&b, "- level: Metadata\n");
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        int rc = kap_policy_load_buffer(&p, b.s, b.len, "hashed.yaml", NULL, &d);
        ck_assert_msg(rc == KAP_OK, "policy %u does not load: %s", pi, kap_diagnostics_error_text(d));
        check_group_masks(p, pi);
        indexed_dense += check_group_index(p, pi);
        const kap_table *t = p->table;
        for (int sc = 0; sc < 2; sc++)
            for (uint32_t k = 0; k < t->ngroups[sc]; k++) {
                const rgroup *g = &t->groups[sc][k];
                hashed_groups += g->hashed;
                walked_large += !g->hashed && g->end - g->start > HASH_GROUP_MIN;
            }
        for (unsigned k = 0; k < 3000; k++) {
            char bufs[4][16];
            const char *groups[3];
            kap_request r;
            request(&rng, bufs, groups, &r);
            kap_str gn[3];
            kap_request_n rn = pg_request_n(&r, gn);
            kap_decision a, an, c, cn;
            ck_assert_int_eq(kap_policy_match(p, &r, &a), KAP_OK);
            ck_assert_int_eq(kap_policy_match_n(p, &rn, &an), KAP_OK);
            ck_assert_int_eq(kap_policy_match_reference(p, &r, &c), KAP_OK);
            ck_assert_int_eq(kap_policy_match_reference_n(p, &rn, &cn), KAP_OK);
            if (memcmp(&a, &c, sizeof a) != 0 || memcmp(&an, &c, sizeof an) != 0 ||
                memcmp(&cn, &c, sizeof cn) != 0) {
                fprintf(stderr, "%s\nrequest: user %s groups %zu [%s %s %s] verb %s res %d ns %s group %s "
                                "resource %s sub %s name %s path %s\n",
                        b.s, r.user ? r.user : "(none)", r.n_groups, r.n_groups > 0 ? groups[0] : "",
                        r.n_groups > 1 ? groups[1] : "", r.n_groups > 2 ? groups[2] : "", r.verb,
                        r.resource_request, r.ns ? r.ns : "", r.api_group ? r.api_group : "",
                        r.resource ? r.resource : "", r.subresource ? r.subresource : "", r.name ? r.name : "",
                        r.path ? r.path : "");
                ck_abort_msg("policy %u request %u: table rule %d (level %d), with lengths %d, reference rule %d "
                             "(level %d)",
                             pi, k, a.rule, (int)a.level, an.rule, c.rule, (int)c.level);
            }
            const rgroup *g = group_of(p, c.rule);
            by_hashed += g && g->hashed;
            total++;
        }
        kap_policy_free(p);
        kap_diagnostics_free(d);
    }
    free(b.s);
    printf("hashed groups: %u policies, %u hashed groups, %u large groups walked, %u requests, %u decided by a "
           "hashed group\n",
           policies, hashed_groups, walked_large, total, by_hashed);
    /* the test exercises the hashed groups, and large groups that are not */
    ck_assert_uint_gt(hashed_groups, policies);
    ck_assert_uint_gt(walked_large, 5);
    ck_assert_uint_gt(by_hashed, total / 5);
    /* and sets dense in a group, through the index */
    ck_assert_uint_gt(indexed_dense, policies);
}
END_TEST

START_TEST(hashed_counts_a_repeated_value_once)
{
    /* 300 rules of one group (users and verbs), rule i listing its own
     * user a<i> twice beside b<i>, and four verbs: 2 x 4 = 8 combinations
     * of value sets, within the 8 a hashed group's rule may lie in
     * (table.h, HASH_RULE_COMBOS), so the group is hashed. a<i>'s set is
     * in the builder's log twice for rule i and must be counted once.
     * Written for compile.c rule_combos's duplicate search from `j = 1`
     * (the first set listed seen as new again: 12 combinations, the group
     * walked) */
    pg_buf b = {0};
    pg_add(&b, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n");
    for (unsigned i = 0; i < 300; i++)
        pg_add(&b, "- level: Request\n  users: [a%u, b%u, a%u]\n  verbs: [get, list, watch, create]\n", i, i, i);
    pg_add(&b, "- level: Metadata\n");
    kap_policy *p = NULL;
    ck_assert_int_eq(kap_policy_load_buffer(&p, b.s, b.len, "repeat.yaml", NULL, NULL), KAP_OK);
    const rgroup *g = group_of(p, 0);
    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(g->end - g->start, 300);
    ck_assert_msg(g->hashed, "a group of 300 rules in 8 combinations each is not hashed");
    static const struct {
        const char *user, *verb;
        int rule;
    } reqs[] = {{"a7", "get", 7}, {"b299", "create", 299}, {"a150", "delete", 300}, {"c1", "get", 300}};
    for (size_t k = 0; k < sizeof reqs / sizeof reqs[0]; k++) {
        kap_request q = KAP_REQUEST_INIT;
        q.user = reqs[k].user;
        q.verb = reqs[k].verb;
        q.ns = "n";
        q.resource = "pods";
        q.resource_request = 1;
        kap_decision out, ref;
        ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
        ck_assert_int_eq(kap_policy_match_reference(p, &q, &ref), KAP_OK);
        ck_assert_msg(out.rule == reqs[k].rule && ref.rule == reqs[k].rule, "%s %s: rule %d (scan %d), want %d",
                      reqs[k].user, reqs[k].verb, out.rule, ref.rule, reqs[k].rule);
    }
    kap_policy_free(p);
    free(b.s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hashed");
    TCase *tc = tcase_create("hashed-vs-reference");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, hashed_groups);
    tcase_add_test(tc, hashed_counts_a_repeated_value_once);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
