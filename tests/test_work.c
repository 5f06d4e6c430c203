/* The decision table's work per decision, counted (issue 18): in a build of
 * the library with KAP_COUNT_WORK, every word of a rule set read, hash
 * probe, string or entry compared and rule checked adds to a counter
 * (src/table.h, WORK). For every generated family of bench/families.h at
 * 10 to 10,000 rules, for kap-bench's own shape and for random policies of
 * tests/policygen.h, each decision must take at most
 *
 *     WORK_PER_WORD * W + WORK_PER_BYTE * bytes + WORK_FIXED
 *
 * where W is the policy's number of 64-rule words (rules / 64, rounded up)
 * and bytes the request's string bytes (user, groups, verb, namespace, API
 * group, resource, subresource, name, path). Counting is deterministic: the
 * same build gives the same counts on any machine. Every decision is also
 * checked against the plain scan, through both entry points.
 *
 * KAP_WORK_QUICK=1 in the environment: sizes up to 1,000 only (valgrind). */
#include "helpers.h"
#include "policygen.h"

#include "families.h"

extern _Thread_local unsigned long kap_work_count;

/* The constants of the bound. Per word: match_large visits, for each group
 * of rules, the driver's words in the group's range and moves the other
 * attributes' cursors (galloping), each at most about twice the range's
 * words, for each of the few sets a request's values select. Per byte: a
 * string is hashed and compared a word (8 bytes) at a time, and looked up
 * in at most a few roles. Fixed: the lookups' probes and the per-group
 * steps (at most 192 groups). */
#define WORK_PER_WORD 8
#define WORK_PER_BYTE 2
#define WORK_FIXED 400

static size_t slen(const char *s) { return s ? strlen(s) : 0; }

static size_t request_bytes(const kap_request *r)
{
    size_t n = slen(r->user) + slen(r->verb) + slen(r->ns) + slen(r->api_group) + slen(r->resource) +
               slen(r->subresource) + slen(r->name) + slen(r->path);
    for (size_t i = 0; i < r->n_groups; i++)
        n += slen(r->groups[i]);
    return n;
}

typedef struct worst {
    unsigned long work;      /* the largest count seen */
    double ratio;            /* the largest count / bound seen */
    size_t rules, bytes, w;  /* where the largest ratio was seen */
    unsigned long decisions;
} worst;

/* Decides r through both entry points, checks them against the scan, and
 * checks the work of each against the bound. */
static void decide(const kap_policy *p, const kap_request *r, const char *what, worst *wo)
{
    kap_str gn[41];
    ck_assert_uint_le(r->n_groups, 41);
    kap_request_n rn = pg_request_n(r, gn);
    size_t rules = kap_policy_rule_count(p);
    size_t w = rules ? (rules + 63) / 64 : 1;
    size_t bytes = request_bytes(r);
    unsigned long bound = (unsigned long)(WORK_PER_WORD * w + WORK_PER_BYTE * bytes + WORK_FIXED);
    kap_decision a, an, c;
    kap_work_count = 0;
    ck_assert_int_eq(kap_policy_match(p, r, &a), KAP_OK);
    unsigned long work = kap_work_count;
    kap_work_count = 0;
    ck_assert_int_eq(kap_policy_match_n(p, &rn, &an), KAP_OK);
    unsigned long work_n = kap_work_count;
    ck_assert_int_eq(kap_policy_match_reference(p, r, &c), KAP_OK);
    ck_assert_msg(memcmp(&a, &c, sizeof a) == 0 && memcmp(&an, &c, sizeof an) == 0,
                  "%s: table rule %d, with lengths %d, scan rule %d", what, a.rule, an.rule, c.rule);
    for (int k = 0; k < 2; k++) {
        unsigned long x = k ? work_n : work;
        ck_assert_msg(x <= bound, "%s: work %lu over the bound %lu (%zu rules, %zu bytes)%s", what, x, bound, rules,
                      bytes, k ? " with lengths" : "");
        if (x > wo->work)
            wo->work = x;
        double ratio = (double)x / (double)bound;
        if (ratio > wo->ratio) {
            wo->ratio = ratio;
            wo->rules = rules;
            wo->bytes = bytes;
            wo->w = w;
        }
    }
    wo->decisions++;
}

static void report(const char *name, const worst *wo)
{
    printf("work %-12s %7lu decisions, worst %6lu units; worst ratio to the bound %.3f (%zu rules, %zu bytes)\n", name,
           wo->decisions, wo->work, wo->ratio, wo->rules, wo->bytes);
}

static unsigned max_size(void)
{
    const char *q = getenv("KAP_WORK_QUICK");
    return q && *q && strcmp(q, "0") != 0 ? 1000 : 10000;
}

/* Every family at every size: requests for random rules (a quarter of
 * them changed to miss their rule), for the last tenth of the rules, and
 * for the first (system) rules. */
START_TEST(families)
{
    static const unsigned sizes[] = {10, 100, 1000, 10000};
    for (int fam = 0; fam < FAM_N; fam++) {
        worst wo = {0};
        for (size_t si = 0; si < 4 && sizes[si] <= max_size(); si++) {
            unsigned n = sizes[si];
            fam_policy f;
            fam_make(&f, fam, n);
            kap_policy *p;
            kap_diagnostics *d = NULL;
            int rc = kap_policy_load_buffer(&p, f.text.s, f.text.len, FAM_NAMES[fam], NULL, &d);
            ck_assert_msg(rc == KAP_OK, "%s-%u does not load: %s", FAM_NAMES[fam], n, kap_diagnostics_error_text(d));
            kap_diagnostics_free(d);
            unsigned tail = n / 10 > 1 ? n / 10 : 1;
            for (unsigned k = 0; k < 600; k++) {
                unsigned rule = k % 3 == 0   ? fam_rnd(&f, n)
                                : k % 3 == 1 ? n - 1 - tail + fam_rnd(&f, tail)
                                             : fam_rnd(&f, f.nsystem ? f.nsystem : 1);
                fam_req o;
                fam_request(&f, rule, &o, fam_rnd(&f, 4) == 0);
                char what[96];
                snprintf(what, sizeof what, "%s-%u request %u (for rule %u)", FAM_NAMES[fam], n, k, rule);
                decide(p, &o.q, what, &wo);
            }
            kap_policy_free(p);
            fam_free(&f);
        }
        report(FAM_NAMES[fam], &wo);
        ck_assert_uint_gt(wo.decisions, 0);
    }
}
END_TEST

/* Random policies of tests/policygen.h, up to 2,000 rules, and random requests. */
START_TEST(random_policies)
{
    pg_rng rng = {0x776F726BULL};
    pg_buf b = {0};
    worst wo = {0};
    static const unsigned sizes[] = {5, 60, 64, 65, 130, 700, 2000};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        for (int rep = 0; rep < 4; rep++) {
            pg_policy(&b, &rng, sizes[si], rep % 2);
            kap_policy *p;
            ck_assert_int_eq(kap_policy_load_buffer(&p, b.s, b.len, "random.yaml", NULL, NULL), KAP_OK);
            for (int k = 0; k < 200; k++) {
                pg_request q;
                pg_random_request(&rng, &q);
                kap_request r = pg_to_request(&q);
                char what[64];
                snprintf(what, sizeof what, "random %u rules #%d request %d", sizes[si], rep, k);
                decide(p, &r, what, &wo);
            }
            kap_policy_free(p);
        }
    }
    free(b.s);
    report("random", &wo);
}
END_TEST

/* The counter and the bound tell the table from a scan: the plain scan's
 * work on the deep requests of a 10,000-rule policy (1,000 under
 * KAP_WORK_QUICK) is far over the bound the table keeps. */
START_TEST(scan_exceeds_bound)
{
    unsigned n = max_size();
    fam_policy f;
    fam_make(&f, FAM_MULTITENANT, n);
    kap_policy *p;
    ck_assert_int_eq(kap_policy_load_buffer(&p, f.text.s, f.text.len, NULL, NULL, NULL), KAP_OK);
    unsigned over = 0, total = 0;
    for (unsigned k = 0; k < 100; k++) {
        fam_req o;
        fam_request(&f, n - 2 - fam_rnd(&f, n / 10), &o, 1);
        size_t bytes = request_bytes(&o.q);
        unsigned long bound = (unsigned long)(WORK_PER_WORD * ((n + 63) / 64) + WORK_PER_BYTE * bytes + WORK_FIXED);
        kap_decision c;
        kap_work_count = 0;
        ck_assert_int_eq(kap_policy_match_reference(p, &o.q, &c), KAP_OK);
        over += kap_work_count > 4 * bound;
        total++;
    }
    printf("work scan: %u of %u deep requests cost the scan more than 4x the bound\n", over, total);
    ck_assert_uint_gt(over, total / 2);
    kap_policy_free(p);
    fam_free(&f);
}
END_TEST

/* A request whose strings are long: the per-byte part of the bound. */
START_TEST(long_strings)
{
    fam_policy f;
    fam_make(&f, FAM_MULTITENANT, 1000);
    kap_policy *p;
    ck_assert_int_eq(kap_policy_load_buffer(&p, f.text.s, f.text.len, NULL, NULL, NULL), KAP_OK);
    worst wo = {0};
    static char big[4][4096];
    for (int i = 0; i < 4; i++) {
        memset(big[i], 'a' + i, sizeof big[i] - 1);
        big[i][sizeof big[i] - 1] = 0;
    }
    const char *groups[] = {big[1], "system:authenticated"};
    kap_request r = KAP_REQUEST_INIT;
    r.user = big[0];
    r.groups = groups;
    r.n_groups = 2;
    r.verb = "get";
    r.ns = big[2];
    r.api_group = "";
    r.resource = "pods";
    r.name = big[3];
    r.resource_request = 1;
    decide(p, &r, "long strings, resource request", &wo);
    r.resource_request = 0;
    r.path = big[3];
    decide(p, &r, "long strings, non-resource request", &wo);
    report("long", &wo);
    kap_policy_free(p);
    fam_free(&f);
    /* a first rule with a long list: not checked string by string */
    wo = (worst){0};
    fam_buf b = {0};
    fam_add(&b, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: [");
    for (int i = 0; i < 5000; i++)
        fam_add(&b, "%s\"user-%d\"", i ? ", " : "", i);
    fam_add(&b, "]\n- level: Metadata\n");
    ck_assert_int_eq(kap_policy_load_buffer(&p, b.s, b.len, NULL, NULL, NULL), KAP_OK);
    r = (kap_request)KAP_REQUEST_INIT;
    r.user = "user-4999";
    r.verb = "get";
    r.path = "/x";
    decide(p, &r, "a first rule of 5,000 users, the last", &wo);
    r.user = "someone";
    decide(p, &r, "a first rule of 5,000 users, none", &wo);
    free(b.s);
    report("long-list", &wo);
    kap_policy_free(p);
}
END_TEST

/* A request with exactly 40 groups that rules name (MAXP in match.c: the
 * most value sets one attribute ORs; a 41st sends the request to the
 * scan). With 40 the table decides: at 40 rules (the small layout), 200
 * (word by word) and 1,000 (the groups), each rule naming one of the 40
 * groups and a verb of its own, the request's verb named by the last rule
 * before the catch-all, its work is under a quarter of the scan's; again
 * with the first 64 rules naming the request's verb and groups it lacks
 * (its groups are then looked up among the first 64 rules, which none
 * names). With 41
 * groups known the decision is the scan's, at the scan's work. Written for
 * match.c's `fl[ai].n > MAXP` as `>= MAXP` (in match_words and
 * match_large) and `fl[AI_GROUPS].n > MAXP` as `>=` in match_first64. */
START_TEST(forty_values)
{
    static const unsigned sizes[] = {40, 200, 1000};
    char names[41][8];
    const char *groups[41];
    kap_str gn[41];
    for (int i = 0; i < 41; i++) {
        snprintf(names[i], sizeof names[i], "g-%02d", i);
        groups[i] = names[i];
        gn[i] = (kap_str){names[i], strlen(names[i])};
    }
    for (size_t k = 0; k < 2 * sizeof sizes / sizeof *sizes; k++) {
        unsigned n = sizes[k / 2];
        int early = k % 2;
        if (early && n < 200)
            continue;
        fam_buf b = {0};
        fam_add(&b, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n");
        for (unsigned i = 0; i + 1 < n; i++) {
            if (early && i < 64) /* the request's verb, other groups */
                fam_add(&b, "- level: Request\n  userGroups: [\"x-%u\"]\n  verbs: [\"v-%u\"]\n", i, n - 2);
            else
                fam_add(&b, "- level: Request\n  userGroups: [\"g-%02u\"]\n  verbs: [\"v-%u\"]\n", i % 41, i);
        }
        fam_add(&b, "- level: Metadata\n");
        kap_policy *p;
        ck_assert_int_eq(kap_policy_load_buffer(&p, b.s, b.len, NULL, NULL, NULL), KAP_OK);
        free(b.s);
        for (size_t ng = 40; ng <= 41; ng++) {
            char verb[16];
            snprintf(verb, sizeof verb, "v-%u", n - 2);
            kap_request r = KAP_REQUEST_INIT;
            r.user = "someone";
            r.groups = groups;
            r.n_groups = ng;
            r.verb = verb;
            r.path = "/x";
            kap_request_n rn = KAP_REQUEST_N_INIT;
            rn.user = (kap_str){r.user, strlen(r.user)};
            rn.groups = gn;
            rn.n_groups = ng;
            rn.verb = (kap_str){verb, strlen(verb)};
            rn.path = (kap_str){r.path, strlen(r.path)};
            kap_decision a, an, c;
            kap_work_count = 0;
            ck_assert_int_eq(kap_policy_match(p, &r, &a), KAP_OK);
            unsigned long work = kap_work_count;
            kap_work_count = 0;
            ck_assert_int_eq(kap_policy_match_n(p, &rn, &an), KAP_OK);
            unsigned long work_n = kap_work_count;
            kap_work_count = 0;
            ck_assert_int_eq(kap_policy_match_reference(p, &r, &c), KAP_OK);
            unsigned long scan = kap_work_count;
            ck_assert_int_eq(c.rule, (int)n - 2); /* its group is among the first 40 */
            ck_assert_msg(memcmp(&a, &c, sizeof a) == 0 && memcmp(&an, &c, sizeof an) == 0,
                          "%u rules, %zu groups: table rule %d, with lengths %d, scan rule %d", n, ng, a.rule, an.rule,
                          c.rule);
            printf("work %u rules%s, %zu groups: %lu units, with lengths %lu, the scan %lu\n", n, early ? " (the first 64 with the verb)" : "", ng, work, work_n, scan);
            if (ng == 40)
                ck_assert_msg(4 * work < scan && 4 * work_n < scan,
                              "%u rules, 40 groups: work %lu, with lengths %lu, not under a quarter of the scan's %lu", n,
                              work, work_n, scan);
        }
        kap_policy_free(p);
    }
}
END_TEST

/* A request in many groups, each named by rules of every group of rules
 * it reaches (users and userGroups, with verbs, namespaces, resources or
 * both): per shape, reps times, a rule of the request's ng groups that
 * misses the rest, one of its user that misses the rest, one that hits
 * the rest only; then the catch-all decides. After fill rules of other
 * users. Every visited group then holds the request's ng group sets:
 * the visit must not cost a pass over them each (match.c, GSEL_MAX), nor
 * read a word of each for every word of the user's set (the attributes
 * of fewer sets are ANDed first). */
START_TEST(many_sets_in_every_group)
{
    static const unsigned cases[][3] = {{9, 300, 25}, {20, 0, 40}, {40, 300, 3}, {40, 300, 25}, {40, 10, 40},
                                        {40, 300, 50}, {40, 0, 100}};
    char names[40][8];
    const char *groups[40];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof names[i], "g%d", i);
        groups[i] = names[i];
    }
    worst wo = {0};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        unsigned ng = cases[c][0], fill = cases[c][1], reps = cases[c][2];
        fam_buf b = {0};
        fam_add(&b, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n");
        for (unsigned i = 0; i < fill; i++)
            fam_add(&b, "- level: None\n  users: [filler%u]\n", i);
        char list[512];
        size_t ln = 0;
        for (unsigned k = 0; k < ng; k++)
            ln += (size_t)snprintf(list + ln, sizeof list - ln, "%s%s", k ? ", " : "", names[k]);
        for (unsigned shape = 1; shape < 8; shape++) {
            int v = shape & 1, ns = shape >> 1 & 1, res = shape >> 2 & 1;
            for (unsigned rep = 0; rep < reps; rep++)
                for (int who = 0; who < 3; who++) {
                    fam_add(&b, "- level: Metadata\n  users: [%s]\n  userGroups: [%s]\n", who == 1 ? "alice" : "nobody",
                            who == 0 ? list : "zz");
                    if (v)
                        fam_add(&b, "  verbs: [%s]\n", who == 2 ? "get" : "nope");
                    if (ns)
                        fam_add(&b, "  namespaces: [%s]\n", who == 2 ? "default" : "nons");
                    if (res)
                        fam_add(&b, "  resources: [{group: \"\", resources: [%s]}]\n", who == 2 ? "pods" : "nores");
                }
        }
        fam_add(&b, "- level: Request\n");
        kap_policy *p = NULL;
        ck_assert_int_eq(kap_policy_load_buffer(&p, b.s, b.len, "sets.yaml", NULL, NULL), KAP_OK);
        free(b.s);
        kap_request r = KAP_REQUEST_INIT;
        r.user = "alice";
        r.groups = groups;
        r.n_groups = ng;
        r.verb = "get";
        r.ns = "default";
        r.api_group = "";
        r.resource = "pods";
        r.resource_request = 1;
        char what[64];
        snprintf(what, sizeof what, "%u groups, %u fill, %u reps", ng, fill, reps);
        decide(p, &r, what, &wo);
        kap_policy_free(p);
    }
    report("many-sets", &wo);
    /* well under the bound: before the index it was at most 0.30 of it;
     * the group sets read before the user's one set clears the bits made
     * it 0.92 */
    ck_assert_msg(wo.ratio < 0.5, "worst ratio to the bound %.3f", wo.ratio);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("work");
    TCase *tc = tcase_create("bound");
    tcase_set_timeout(tc, 1200);
    tcase_add_test(tc, families);
    tcase_add_test(tc, random_policies);
    tcase_add_test(tc, long_strings);
    tcase_add_test(tc, scan_exceeds_bound);
    tcase_add_test(tc, forty_values);
    tcase_add_test(tc, many_sets_in_every_group);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
