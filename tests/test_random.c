/* The decision table against the plain first-match evaluator, on
 * thousands of random policies and requests (fixed seed). */
#include "helpers.h"
#include "policygen.h"

#include "families.h"

static void run(unsigned policies, unsigned max_rules, unsigned requests, uint64_t seed, int expect_misses)
{
    pg_rng rng = {seed};
    pg_buf b = {0};
    unsigned loaded = 0, matched = 0, total = 0;
    for (unsigned i = 0; i < policies; i++) {
        unsigned n = 1 + pg_below(&rng, max_rules);
        pg_policy(&b, &rng, n, pg_chance(&rng, 50));
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        int rc = kap_policy_load_buffer(&p, b.s, b.len, "random.yaml", NULL, &d);
        ck_assert_msg(rc == KAP_OK, "policy %u does not load: %s\n%s", i, kap_diagnostics_error_text(d), b.s);
        loaded++;
        for (unsigned k = 0; k < requests; k++) {
            pg_request q;
            pg_random_request(&rng, &q);
            kap_request r = pg_to_request(&q);
            kap_decision a, c, an, cn;
            kap_str gn[3];
            kap_request_n rn = pg_request_n(&r, gn);
            ck_assert_int_eq(kap_policy_match(p, &r, &a), KAP_OK);
            ck_assert_int_eq(kap_policy_match_reference(p, &r, &c), KAP_OK);
            ck_assert_int_eq(kap_policy_match_n(p, &rn, &an), KAP_OK);
            ck_assert_int_eq(kap_policy_match_reference_n(p, &rn, &cn), KAP_OK);
            if (memcmp(&a, &an, sizeof a) != 0 || memcmp(&c, &cn, sizeof c) != 0)
                ck_abort_msg("policy %u request %u: the C-string and length entry points differ", i, k);
            if (a.rule != c.rule || a.level != c.level || a.omit_stages != c.omit_stages ||
                a.omit_managed_fields != c.omit_managed_fields) {
                ck_abort_msg("policy %u request %u: table rule %d, reference rule %d\n%s", i, k, a.rule, c.rule,
                             b.s);
            }
            matched += a.rule >= 0;
            total++;
        }
        kap_policy_free(p);
        kap_diagnostics_free(d);
    }
    free(b.s);
    printf("random: %u policies, %u requests, %u matched a rule\n", loaded, total, matched);
    /* the generator must exercise matches and misses alike */
    ck_assert_uint_gt(matched, total / 10);
    if (expect_misses)
        ck_assert_uint_lt(matched, total);
}

/* Policies whose values come from numbered pools of equal length (so
 * that many strings of a role share a length, which the table hashes
 * instead of comparing) and where one resource name is listed under many
 * API groups and with many resourceNames (which the table probes by key
 * instead of scanning). Requests draw from the same pools. */
static void wide_value(pg_buf *b, pg_rng *r, const char *fmt, unsigned pool)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, fmt, pg_below(r, pool));
    pg_add(b, "\"%s\"", tmp);
}

static void wide_list(pg_buf *b, pg_rng *r, const char *key, const char *fmt, unsigned pool, unsigned max)
{
    unsigned k = 1 + pg_below(r, max);
    pg_add(b, "%s%s: [", strcmp(key, "resourceNames") == 0 ? "        " : "    ", key);
    for (unsigned i = 0; i < k; i++) {
        if (i)
            pg_add(b, ", ");
        wide_value(b, r, fmt, pool);
    }
    pg_add(b, "]\n");
}

static void wide_policy(pg_buf *b, pg_rng *r, unsigned n)
{
    b->len = 0;
    pg_add(b, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n");
    for (unsigned i = 0; i < n; i++) {
        pg_add(b, "  - level: %s\n", PG_PICK(r, PG_LEVELS));
        if (i == n - 1 && pg_chance(r, 50))
            break;
        if (pg_chance(r, 40))
            wide_list(b, r, "users", "u-%02u", 30, 3);
        if (pg_chance(r, 40))
            wide_list(b, r, "userGroups", "g-%02u", 20, 2);
        if (pg_chance(r, 40))
            pg_list(b, r, "verbs", PG_VERBS, PG_N(PG_VERBS), 3);
        if (pg_chance(r, 80)) {
            if (pg_chance(r, 50))
                wide_list(b, r, "namespaces", "ns-%02u", 20, 2);
            pg_add(b, "    resources:\n");
            unsigned k = 1 + pg_below(r, 2);
            for (unsigned g = 0; g < k; g++) {
                pg_add(b, "      - group: ");
                if (pg_chance(r, 8))
                    pg_add(b, "\"*\""); /* any group (kube-apiserver 1.36) */
                else
                    wide_value(b, r, "grp-%02u.example.com", 16);
                pg_add(b, "\n        resources: [");
                switch (pg_below(r, 6)) {
                case 0: wide_value(b, r, "res-%02u/*", 4); break;
                case 1: wide_value(b, r, "*/sub-%u", 4); break;
                case 2: wide_value(b, r, "res-%02u/sub-1", 4); break;
                case 3: pg_add(b, "\"*\""); break;
                default: wide_value(b, r, "res-%02u", 4); break;
                }
                pg_add(b, "]\n");
                if (pg_chance(r, 40))
                    wide_list(b, r, "resourceNames", "name-%02u", 20, 3);
            }
        } else if (pg_chance(r, 50)) {
            if (pg_chance(r, 30))
                wide_list(b, r, "nonResourceURLs", "/p/%u*", 3, 2); /* prefixes */
            else
                wide_list(b, r, "nonResourceURLs", "/p/%02u", 20, 2);
        }
    }
}

static void wide_request(pg_rng *r, char bufs[9][64], const char *groups[3], kap_request *q)
{
    kap_request z = KAP_REQUEST_INIT;
    *q = z;
    snprintf(bufs[0], 64, "u-%02u", pg_below(r, 32));
    q->user = pg_chance(r, 10) ? NULL : bufs[0];
    q->n_groups = pg_below(r, 4);
    for (size_t i = 0; i < q->n_groups; i++) {
        snprintf(bufs[1 + i], 64, "g-%02u", pg_below(r, 22));
        groups[i] = bufs[1 + i];
    }
    q->groups = groups;
    q->verb = PG_PICK(r, PG_VERBS);
    q->resource_request = pg_chance(r, 80);
    snprintf(bufs[4], 64, "ns-%02u", pg_below(r, 22));
    q->ns = bufs[4];
    snprintf(bufs[5], 64, "grp-%02u.example.com", pg_below(r, 17));
    q->api_group = bufs[5];
    snprintf(bufs[6], 64, "res-%02u", pg_below(r, 5));
    q->resource = bufs[6];
    q->subresource = pg_chance(r, 60) ? "" : pg_chance(r, 50) ? "sub-1" : "sub-2";
    snprintf(bufs[7], 64, "name-%02u", pg_below(r, 22));
    q->name = pg_chance(r, 20) ? "" : bufs[7];
    snprintf(bufs[8], 64, "/p/%02u", pg_below(r, 22));
    q->path = bufs[8];
}

static void run_wide(unsigned policies, unsigned max_rules, unsigned requests, uint64_t seed)
{
    pg_rng rng = {seed};
    pg_buf b = {0};
    unsigned matched = 0, total = 0;
    for (unsigned i = 0; i < policies; i++) {
        wide_policy(&b, &rng, 1 + pg_below(&rng, max_rules));
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        int rc = kap_policy_load_buffer(&p, b.s, b.len, "wide.yaml", NULL, &d);
        if (rc != KAP_OK)
            fprintf(stderr, "%s\n", b.s);
        ck_assert_msg(rc == KAP_OK, "wide policy %u does not load: %.200s", i, kap_diagnostics_error_text(d));
        for (unsigned k = 0; k < requests; k++) {
            char bufs[9][64];
            const char *groups[3];
            kap_request r;
            wide_request(&rng, bufs, groups, &r);
            kap_decision a, c, an;
            kap_str gn[3];
            kap_request_n rn = pg_request_n(&r, gn);
            ck_assert_int_eq(kap_policy_match(p, &r, &a), KAP_OK);
            ck_assert_int_eq(kap_policy_match_reference(p, &r, &c), KAP_OK);
            ck_assert_int_eq(kap_policy_match_n(p, &rn, &an), KAP_OK);
            if (memcmp(&a, &an, sizeof a) != 0)
                ck_abort_msg("wide policy %u request %u: the C-string and length entry points differ", i, k);
            if (memcmp(&a, &c, sizeof a) != 0) {
                fprintf(stderr, "%s\nrequest: user %s groups %zu [%s %s %s] verb %s res %d ns %s group %s "
                                "resource %s sub %s name %s path %s\n",
                        b.s, r.user ? r.user : "(none)", r.n_groups, r.n_groups > 0 ? groups[0] : "",
                        r.n_groups > 1 ? groups[1] : "", r.n_groups > 2 ? groups[2] : "", r.verb,
                        r.resource_request, r.ns, r.api_group, r.resource, r.subresource, r.name, r.path);
                ck_abort_msg("wide policy %u request %u: table rule %d, reference rule %d (policy above)", i, k,
                             a.rule, c.rule);
            }
            matched += a.rule >= 0 && a.rule + 1 < (int)kap_policy_rule_count(p);
            total++;
        }
        kap_policy_free(p);
        kap_diagnostics_free(d);
    }
    free(b.s);
    printf("wide: %u policies, %u requests, %u decided by a rule other than the last\n", policies, total, matched);
    ck_assert_uint_gt(matched, total / 20);
}

/* A policy of 3,000 rules whose users, namespaces and API groups share
 * their lengths by the thousand (all looked up by hash), most requests
 * decided late. */
/* Every kind of group the table forms beyond 256 rules (compile.c,
 * build_group_masks: a scope and the attributes its rules constrain, 48 in
 * all), each eight times in a shuffled order, with the rules that match
 * everything last: the decisions of the groups' pruning and of the
 * leapfrog within each group, against the reference, on requests drawn
 * from the same small pools. */
static void shape_rule(pg_buf *b, pg_rng *r, unsigned shape)
{
    static const char *const verbs[] = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"};
    unsigned who = shape % 8, kind = shape / 8;
    pg_add(b, "- level: %s\n", pg_chance(r, 50) ? "Metadata" : "Request");
    if (who & 1)
        pg_add(b, "  users: [u%u, u%u]\n", pg_below(r, 8), pg_below(r, 8));
    if (who & 2)
        pg_add(b, "  userGroups: [g%u]\n", pg_below(r, 8));
    if (who & 4)
        pg_add(b, "  verbs: [%s, %s]\n", verbs[pg_below(r, 8)], verbs[pg_below(r, 8)]);
    if (kind == 0 || kind == 2)
        pg_add(b, "  namespaces: [n%u]\n", pg_below(r, 8));
    if (kind == 1 || kind == 2)
        pg_add(b, "  resources: [{group: \"\", resources: [r%u, \"r%u/s\"]}]\n", pg_below(r, 8), pg_below(r, 8));
    if (kind == 3)
        pg_add(b, "  nonResourceURLs: [\"/p%u/*\", /q%u]\n", pg_below(r, 8), pg_below(r, 8));
    if (kind == 4)
        pg_add(b, "  nonResourceURLs: [\"*\"]\n");
}

START_TEST(every_group_shape)
{
    static const char *const verbs[] = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"};
    pg_rng rng = {4848};
    pg_buf b = {0};
    for (int round = 0; round < 4; round++) {
        unsigned order[384], n = 0, last[2], nlast = 0;
        for (unsigned k = 0; k < 8; k++)
            for (unsigned shape = 0; shape < 48; shape++) {
                /* match everything of their scope: last */
                if (shape % 8 == 0 && (shape / 8 == 4 || shape / 8 == 5)) {
                    if (k == 0)
                        last[nlast++] = shape;
                    continue;
                }
                order[n++] = shape;
            }
        for (unsigned i = n; i > 1; i--) {
            unsigned j = pg_below(&rng, i), t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        b.len = 0;
        pg_add(&b, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n");
        for (unsigned i = 0; i < n; i++)
            shape_rule(&b, &rng, order[i]);
        for (unsigned i = 0; i < nlast; i++)
            shape_rule(&b, &rng, last[i]);
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        ck_assert_msg(kap_policy_load_buffer(&p, b.s, b.len, "shapes.yaml", NULL, &d) == KAP_OK, "%s",
                      kap_diagnostics_error_text(d));
        unsigned late = 0, shapes_seen = 0;
        uint64_t seen = 0;
        for (unsigned k = 0; k < 20000; k++) {
            char user[8], g0[8], g1[8], ns[8], res[8], path[16];
            const char *groups[2] = {g0, g1};
            snprintf(user, sizeof user, "u%u", pg_below(&rng, 9));
            snprintf(g0, sizeof g0, "g%u", pg_below(&rng, 9));
            snprintf(g1, sizeof g1, "g%u", pg_below(&rng, 9));
            snprintf(ns, sizeof ns, "n%u", pg_below(&rng, 9));
            snprintf(res, sizeof res, "r%u", pg_below(&rng, 9));
            snprintf(path, sizeof path, "/%c%u%s", pg_chance(&rng, 50) ? 'p' : 'q', pg_below(&rng, 9),
                     pg_chance(&rng, 50) ? "/x" : "");
            kap_request r = KAP_REQUEST_INIT;
            r.user = pg_chance(&rng, 90) ? user : NULL;
            r.groups = groups;
            r.n_groups = r.user ? pg_below(&rng, 3) : 0;
            r.verb = verbs[pg_below(&rng, 8)];
            r.resource_request = pg_chance(&rng, 60);
            if (r.resource_request) {
                r.ns = pg_chance(&rng, 80) ? ns : "";
                r.api_group = "";
                r.resource = res;
                r.subresource = pg_chance(&rng, 30) ? "s" : "";
            } else {
                r.path = path;
            }
            kap_str gn[3];
            kap_request_n rn = pg_request_n(&r, gn);
            kap_decision a, c, an;
            ck_assert_int_eq(kap_policy_match(p, &r, &a), KAP_OK);
            ck_assert_int_eq(kap_policy_match_n(p, &rn, &an), KAP_OK);
            ck_assert_int_eq(kap_policy_match_reference(p, &r, &c), KAP_OK);
            ck_assert_msg(a.rule == c.rule && an.rule == c.rule, "round %d request %u: table %d, with lengths %d, reference %d",
                          round, k, a.rule, an.rule, c.rule);
            if (c.rule >= 64) {
                late++;
                unsigned shape = c.rule < (int)n ? order[c.rule] : last[c.rule - (int)n];
                if (!(seen >> shape & 1))
                    shapes_seen++;
                seen |= 1ULL << shape;
            }
        }
        printf("group shapes, round %d: %u of 20000 decided beyond rule 64, by %u of the 48 shapes\n", round, late, shapes_seen);
        /* the test reaches deep into the policy, through most of the shapes */
        ck_assert_uint_gt(late, 2000);
        ck_assert_uint_ge(shapes_seen, 24);
        kap_policy_free(p);
        kap_diagnostics_free(d);
    }
    free(b.s);
}
END_TEST

START_TEST(huge_policy)
{
    size_t cap = 1 << 20, n;
    char *buf = malloc(cap);
    n = (size_t)snprintf(buf, cap, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n");
    for (int i = 0; i < 3000; i++)
        n += (size_t)snprintf(buf + n, cap - n,
                              "- level: Request\n  users: [user-%05d]\n  namespaces: [ns-%05d]\n"
                              "  resources: [{group: grp-%03d.example.com, resources: [res-%02d]}]\n",
                              i, i / 2, i / 20, i % 17);
    n += (size_t)snprintf(buf + n, cap - n, "- level: Metadata\n");
    kap_policy *p;
    ck_assert_int_eq(kap_policy_load_buffer(&p, buf, n, NULL, NULL, NULL), KAP_OK);
    pg_rng rng = {99};
    for (int k = 0; k < 3000; k++) {
        int i = (int)pg_below(&rng, 3000);
        char user[16], ns[16], grp[32], res[16];
        snprintf(user, sizeof user, "user-%05d", pg_chance(&rng, 80) ? i : i + 1);
        snprintf(ns, sizeof ns, "ns-%05d", pg_chance(&rng, 80) ? i / 2 : i);
        snprintf(grp, sizeof grp, "grp-%03d.example.com", i / 20);
        snprintf(res, sizeof res, "res-%02d", pg_chance(&rng, 80) ? i % 17 : 0);
        const char *groups[] = {"system:authenticated"};
        kap_request r = KAP_REQUEST_INIT;
        r.user = user;
        r.groups = groups;
        r.n_groups = 1;
        r.verb = "get";
        r.ns = ns;
        r.api_group = grp;
        r.resource = res;
        r.resource_request = pg_chance(&rng, 95);
        r.path = "/apis/x";
        kap_decision a, c, an;
        kap_str gn[1];
        kap_request_n rn = pg_request_n(&r, gn);
        ck_assert_int_eq(kap_policy_match(p, &r, &a), KAP_OK);
        ck_assert_int_eq(kap_policy_match_n(p, &rn, &an), KAP_OK);
        ck_assert_int_eq(kap_policy_match_reference(p, &r, &c), KAP_OK);
        ck_assert_msg(memcmp(&a, &c, sizeof a) == 0 && memcmp(&a, &an, sizeof a) == 0,
                      "request %d (%s %s %s %s): table rule %d, with lengths %d, reference rule %d", k, user, ns,
                      grp, res, a.rule, an.rule, c.rule);
    }
    kap_policy_free(p);
    free(buf);
}
END_TEST

START_TEST(wide_small_policies) { run_wide(1500, 64, 80, 0x77696465ULL); }
END_TEST

START_TEST(wide_large_policies) { run_wide(40, 600, 400, 0x57494445ULL); }
END_TEST

START_TEST(small_policies) { run(3000, 12, 60, 0x6B6170ULL, 1); }
END_TEST

START_TEST(large_policies) { run(30, 400, 400, 0x5EED1ULL, 0); }
END_TEST

/* The generated families of kap-bench (bench/families.h) at 100 and 1,000
 * rules: requests for every part of the policy, a quarter changed to miss
 * the rule they were made for. */
START_TEST(families)
{
    static const unsigned sizes[] = {100, 1000};
    unsigned total = 0, late = 0;
    for (int fam = 0; fam < FAM_N; fam++) {
        for (size_t si = 0; si < 2; si++) {
            unsigned n = sizes[si];
            fam_policy f;
            fam_make(&f, fam, n);
            kap_policy *p;
            ck_assert_int_eq(kap_policy_load_buffer(&p, f.text.s, f.text.len, NULL, NULL, NULL), KAP_OK);
            for (unsigned k = 0; k < 400; k++) {
                unsigned rule = k % 2 ? fam_rnd(&f, n) : n - 1 - fam_rnd(&f, n / 5);
                fam_req o;
                fam_request(&f, rule, &o, fam_rnd(&f, 4) == 0);
                kap_decision a, an, c;
                kap_str gn[3];
                kap_request_n rn = pg_request_n(&o.q, gn);
                ck_assert_int_eq(kap_policy_match(p, &o.q, &a), KAP_OK);
                ck_assert_int_eq(kap_policy_match_n(p, &rn, &an), KAP_OK);
                ck_assert_int_eq(kap_policy_match_reference(p, &o.q, &c), KAP_OK);
                ck_assert_msg(memcmp(&a, &c, sizeof a) == 0 && memcmp(&an, &c, sizeof an) == 0,
                              "%s-%u request %u (for rule %u): table rule %d, with lengths %d, scan rule %d",
                              FAM_NAMES[fam], n, k, rule, a.rule, an.rule, c.rule);
                total++;
                late += c.rule >= 64;
            }
            kap_policy_free(p);
            fam_free(&f);
        }
    }
    printf("families: %u requests, %u decided beyond the first 64 rules\n", total, late);
    ck_assert_uint_gt(late, total / 4);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("random");
    TCase *tc = tcase_create("table-vs-reference");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, small_policies);
    tcase_add_test(tc, large_policies);
    tcase_add_test(tc, wide_small_policies);
    tcase_add_test(tc, wide_large_policies);
    tcase_add_test(tc, huge_policy);
    tcase_add_test(tc, every_group_shape);
    tcase_add_test(tc, families);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
