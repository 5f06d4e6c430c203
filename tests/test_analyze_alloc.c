#define _POSIX_C_SOURCE 200809L
/* The analysis under allocation failure: every failure, wherever it falls,
 * gives KAP_ENOMEM and no analysis, or (where the memory turns out not to be
 * needed) the same findings and witnesses as without failures; never a crash,
 * a leak (under ASan or valgrind) or another answer.
 * Linked against the library built with KAP_TEST_HOOKS. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kap.h"

extern long kap_test_alloc_countdown, kap_test_alloc_calls;
extern int kap_test_alloc_failed;

static const char *const POLICIES[] = {
    /* ignored keys (several places, some that change nothing), duplicates, suppression, bad directive */
    ("apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStage: [x]\nmetadata:\n  foo: 1\nrules:\n"
    "# kap:ignore unreachable-rule, nosuch\n"
    "- level: RequestResponse\n  resources:\n  - group: \"\"\n    resources: [pods]\n    verbs: [get]\n"
    "    resource: [x]\n  verb: [get]\n  level: None\n- level: None\n  verbs: [get]\n  verb: [get]\n"
    "  resources: [{group: apps, Group: apps, resource: []}]\n"),
    /* every attribute, URL prefixes, groups, names, dead values, sensitive data, volume */
    ("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"
    "- level: None\n  users: [a, b]\n  userGroups: [g1, g2]\n  verbs: [get, list]\n  namespaces: [n1, n2, n1]\n"
    "  resources:\n  - group: \"\"\n    resources: [pods, \"pods/*\", \"*/log\"]\n    resourceNames: [x, z]\n"
    "  - group: apps\n    resources: [deployments]\n- level: Metadata\n  nonResourceURLs: [\"/healthz*\", \"/healthz/x\", \"/api\"]\n"
    "- level: Request\n  userGroups: [g1, g3]\n  verbs: [GET, impersonate]\n  resources: [{group: core}, {group: v1}]\n"
    "- level: None\n  namespaces: [kube-system]\n  resources: [{group: \"\", resources: [nodes, Pods, pod, \"*/*\", deployments, foo]}]\n"
    "- level: RequestResponse\n  users: [a]\n"),
    /* JSON, a catch-all, unreachable rules */
    ("{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\",\"rules\":[{\"level\":\"None\",\"verbs\":[\"get\"],"
    "\"level\":\"Metadata\"},{\"level\":\"Metadata\"},{\"level\":\"None\",\"users\":[\"a\"]}]}"),
    /* URL regions found deep, "*", dead entries of every kind, a rule after a catch-all */
    ("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"
     "- level: None\n  nonResourceURLs: [\"/a\", \"/a/x\", \"/ax\", \"/a/\", \"/axx\"]\n"
     "- level: Metadata\n  nonResourceURLs: [\"/a*\", \"*\", \"/a/x\", \"/a/x\"]\n"
     "- level: None\n  userGroups: [g1]\n- level: None\n  userGroups: [g1, g2, g2]\n  users: [u, u]\n  verbs: [get, get]\n"
     "- level: None\n  resources:\n  - group: \"\"\n    resources: [pods, pods, \"pods/*\"]\n    resourceNames: [a, a, b]\n"
     "  - group: \"\"\n    resources: [pods]\n  - group: apps\n    resources: [deployments, \"deployments/scale\"]\n"
     "    resourceNames: [x, z]\n- level: RequestResponse\n- level: None\n"),
    /* does not load */
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- Level: None\n",
};

/* The findings as one string, to compare runs. */
static char *render(const kap_analysis *a)
{
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    s[0] = 0;
    for (size_t i = 0; i < kap_analysis_count(a); i++) {
        const kap_finding *f = kap_analysis_get(a, i);
        len += (size_t)snprintf(s + len, cap - len, "%u:%u %s %s\n", f->line, f->column, f->id, f->message);
    }
    const kap_policy *p = kap_analysis_policy(a);
    for (size_t i = 0; p && i < kap_policy_rule_count(p); i++) {
        char w[2048];
        kap_analysis_witness_json(a, i, w, sizeof w);
        len += (size_t)snprintf(s + len, cap - len, "%d %s\n", kap_analysis_rule_reachable(a, i), w);
    }
    return s;
}

START_TEST(every_failure)
{
    const char *text = POLICIES[_i];
    kap_analysis *a = NULL;
    kap_test_alloc_countdown = 0;
    int want = kap_analyze_buffer(&a, text, strlen(text), "p.yaml", NULL, NULL);
    ck_assert(want == KAP_OK || want == KAP_EINVALID);
    char *expected = render(a);
    kap_analysis_free(a);
    long failures = 0;
    for (long n = 1;; n++) {
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        a = NULL;
        int rc = kap_analyze_buffer(&a, text, strlen(text), "p.yaml", NULL, NULL);
        kap_test_alloc_countdown = 0;
        if (!kap_test_alloc_failed) {
            ck_assert_int_eq(rc, want);
            char *got = render(a);
            ck_assert_str_eq(got, expected);
            free(got);
            kap_analysis_free(a);
            break;
        }
        failures++;
        if (rc != KAP_ENOMEM) {
            /* survived (the memory was not needed after all): then the same answer */
            ck_assert_msg(rc == want && a, "policy %d, allocation %ld failed: status %d", _i, n, rc);
            char *got = render(a);
            ck_assert_msg(strcmp(got, expected) == 0, "policy %d, allocation %ld failed: another answer:\n%s", _i,
                          n, got);
            free(got);
            kap_analysis_free(a);
            continue;
        }
        ck_assert_ptr_null(a);
    }
    ck_assert_int_gt(failures, 30);
    free(expected);
}
END_TEST

START_TEST(old_release_failures)
{
    /* before 1.26 the keys are learned by decoding again: failures there too */
    const char *text = POLICIES[0];
    kap_options o;
    kap_options_init(&o);
    o.kube_minor = 25;
    kap_analysis *a0 = NULL;
    kap_test_alloc_countdown = 0;
    ck_assert_int_eq(kap_analyze_buffer(&a0, text, strlen(text), "p.yaml", &o, NULL), KAP_OK);
    char *expected = render(a0);
    kap_analysis_free(a0);
    for (long n = 1;; n++) {
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        kap_analysis *a = NULL;
        int rc = kap_analyze_buffer(&a, text, strlen(text), "p.yaml", &o, NULL);
        kap_test_alloc_countdown = 0;
        if (!kap_test_alloc_failed) {
            ck_assert_int_eq(rc, KAP_OK);
            ck_assert_uint_gt(kap_analysis_count(a), 3);
            char *got = render(a);
            ck_assert_str_eq(got, expected);
            free(got);
            kap_analysis_free(a);
            break;
        }
        ck_assert(rc == KAP_ENOMEM ? a == NULL : (rc == KAP_OK && a != NULL));
        if (rc == KAP_OK) {
            /* the memory was not needed: the same findings, none lost with
             * a warning the second decoding could not keep (decode.c ends
             * with KAP_ENOMEM when its diagnostics ran out) */
            char *got = render(a);
            ck_assert_msg(strcmp(got, expected) == 0, "allocation %ld failed: another answer:\n%s", n, got);
            free(got);
        }
        kap_analysis_free(a);
    }
    free(expected);
}
END_TEST

START_TEST(file_failures)
{
    char path[] = "/tmp/kap-analyze-alloc-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs(POLICIES[1], f);
    fclose(f);
    for (long n = 1;; n++) {
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        kap_analysis *a = NULL;
        int rc = kap_analyze(&a, path, NULL, NULL);
        kap_test_alloc_countdown = 0;
        if (!kap_test_alloc_failed) {
            ck_assert_int_eq(rc, KAP_OK);
            kap_analysis_free(a);
            break;
        }
        ck_assert(rc == KAP_ENOMEM || rc == KAP_OK);
        ck_assert(rc == KAP_OK ? a != NULL : a == NULL);
        kap_analysis_free(a);
    }
    /* a missing file, with failures too */
    for (long n = 1;; n++) {
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        kap_analysis *a = NULL;
        int rc = kap_analyze(&a, "/nonexistent/p.yaml", NULL, NULL);
        kap_test_alloc_countdown = 0;
        if (!kap_test_alloc_failed) {
            ck_assert_int_eq(rc, KAP_EIO);
            kap_analysis_free(a);
            break;
        }
        ck_assert_int_eq(rc, KAP_ENOMEM);
        ck_assert_ptr_null(a);
    }
    remove(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("analyze_alloc");
    TCase *tc = tcase_create("alloc");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, every_failure, 0, (int)(sizeof POLICIES / sizeof *POLICIES));
    tcase_add_test(tc, file_failures);
    tcase_add_test(tc, old_release_failures);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
