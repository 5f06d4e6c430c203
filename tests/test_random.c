/* The decision table against the plain first-match evaluator, on
 * thousands of random policies and requests (fixed seed). */
#include "helpers.h"
#include "policygen.h"

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
            kap_decision a, c;
            ck_assert_int_eq(kap_policy_match(p, &r, &a), KAP_OK);
            ck_assert_int_eq(kap_policy_match_reference(p, &r, &c), KAP_OK);
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

START_TEST(small_policies) { run(3000, 12, 60, 0x6B6170ULL, 1); }
END_TEST

START_TEST(large_policies) { run(30, 400, 400, 0x5EED1ULL, 0); }
END_TEST

int main(void)
{
    Suite *s = suite_create("random");
    TCase *tc = tcase_create("table-vs-reference");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, small_policies);
    tcase_add_test(tc, large_policies);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
