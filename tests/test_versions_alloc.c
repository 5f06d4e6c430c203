/* Every allocation failure while loading the release-specific inputs (map
 * key messages with values in Go syntax, other kinds' type errors, time
 * errors, %#v and JSON field values, the key-at-end line) gives a clean
 * KAP_ENOMEM and no policy; with no failure the load gives its usual text.
 * Linked against the library built with KAP_TEST_HOOKS.
 * SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include "alloc_fail.h"

#define HDR "apiVersion: audit.k8s.io/v1\nkind: Policy\n"
#define RULE "rules:\n- level: None\n"

static const char *const INPUTS[] = {
    HDR RULE "~: [a, ~, 1.5, 18446744073709551615, {b: 1, 1: 2, true: 3, .nan: 4}, {1: a, \"1\": b}]\n",
    HDR RULE "~: {k01: 1, k02: 2, k03: 3, k04: 4, k05: 5, k06: 6, k07: 7, k08: 8, k09: 9, k10: 10, k11: 11, "
             "k12: 12, k13: 13, k14: 14, k15: 15, k16: 16, k17: 17}\n",
    HDR RULE "18446744073709551615: x\n",
    HDR RULE "? {a: [1, 2], b: ~}\n: x\n",
    HDR RULE "a: .nan\nb: [1.5, -.inf]\n1e6: x\n-0.0: y\n0.0: z\n",
    HDR "rules:\n- level: \"<N>\\x01\"\n  namespaces: [a]\n  nonResourceURLs: [\"/a\", \"/b\"]\n"
        "  resources: [{resourceNames: [x]}]\n",
    "apiVersion: audit.k8s.io/v1\nkind: PolicyList\nmetadata: {shardInfo: {selector: 5}}\n",
    "apiVersion: audit.k8s.io/v1\nkind: EventList\nitems: [{user: {extra: {a: [1]}}}]\n",
    "apiVersion: audit.k8s.io/v1\nkind: Event\nstageTimestamp: \"2020-01-01T00:00:00Z\"\n",
    HDR "metadata: {creationTimestamp: \"2020-13-01T00:00:00\\u00e9\"}\n" RULE,
    HDR "metadata: {clusterName: 5}\n" RULE,
    "apiVersion: v1\n\"kind\"\n\xef\xbb\xbf",
};
static const unsigned RELEASES[] = {24, 30, 33, 36};

START_TEST(every_allocation_failure_is_clean)
{
    long injected = 0;
    for (size_t i = 0; i < sizeof INPUTS / sizeof INPUTS[0]; i++) {
        for (size_t r = 0; r < sizeof RELEASES / sizeof RELEASES[0]; r++) {
            kap_options o;
            kap_options_init(&o);
            o.kube_minor = RELEASES[r];
            injected += each_allocation_failed_o(INPUTS[i], strlen(INPUTS[i]), &o, NULL);
        }
    }
    ck_assert_int_gt(injected, 1000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("versions_alloc");
    TCase *tc = tcase_create("alloc");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, every_allocation_failure_is_clean);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
