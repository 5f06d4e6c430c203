/* A policy loaded with each of its allocations failed in turn, for the
 * test programs linked against the library built with KAP_TEST_HOOKS. */
#ifndef KAP_TEST_ALLOC_FAIL_H
#define KAP_TEST_ALLOC_FAIL_H

#include "helpers.h"

extern long kap_test_alloc_countdown, kap_test_alloc_calls;
extern int kap_test_alloc_failed;

/* Loads doc (len bytes, with options o, NULL for the defaults) once without
 * failures, then with its first, second, ... allocation failed until a load
 * makes no failing allocation. Every failure must give KAP_ENOMEM and no
 * policy; the load without failures, the status and error text of the
 * first load. Returns the failures injected; *status (if not NULL) gets
 * the status of a load without failures. */
static inline long each_allocation_failed_o(const char *doc, size_t len, const kap_options *o, int *status)
{
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int want = kap_policy_load_buffer(&p, doc, len, "a.yaml", o, &d);
    char *want_text = strdup(kap_diagnostics_error_text(d) ? kap_diagnostics_error_text(d) : "");
    ck_assert_ptr_nonnull(want_text);
    kap_policy_free(p);
    kap_diagnostics_free(d);
    long injected = 0;
    for (long n = 1;; n++) {
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        p = NULL;
        d = NULL;
        int rc = kap_policy_load_buffer(&p, doc, len, "a.yaml", o, &d);
        kap_test_alloc_countdown = 0;
        if (!kap_test_alloc_failed) {
            ck_assert_int_eq(rc, want);
            ck_assert_str_eq(kap_diagnostics_error_text(d) ? kap_diagnostics_error_text(d) : "", want_text);
            kap_policy_free(p);
            kap_diagnostics_free(d);
            break;
        }
        injected++;
        ck_assert_msg(rc == KAP_ENOMEM, "kube 1.%u: allocation %ld failed, status %d (%s)", o ? o->kube_minor : 0,
                      n, rc, d && kap_diagnostics_error_text(d) ? kap_diagnostics_error_text(d) : "");
        ck_assert_ptr_null(p);
        kap_diagnostics_free(d);
    }
    free(want_text);
    if (status)
        *status = want;
    return injected;
}

#endif
