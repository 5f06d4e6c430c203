/* Shared by the fuzz targets: compare the decision table with the plain
 * first-match evaluator and abort with both answers when they differ. */
#ifndef KAP_FUZZ_COMMON_H
#define KAP_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kap.h"

static inline void check_agree(const kap_policy *p, const kap_request *q)
{
    kap_decision a, b;
    int ra = kap_policy_match(p, q, &a), rb = kap_policy_match_reference(p, q, &b);
    if (ra != rb || (ra == KAP_OK && memcmp(&a, &b, sizeof a) != 0)) {
        char x[160], y[160];
        kap_decision_format_json(&a, x, sizeof x);
        kap_decision_format_json(&b, y, sizeof y);
        fprintf(stderr, "decision table and reference disagree:\n  table:     %s (status %d)\n  reference: %s (status %d)\n",
                x, ra, y, rb);
        abort();
    }
}

/* The same for a request with lengths (kap_policy_match_n and its scan). */
static inline void check_agree_n(const kap_policy *p, const kap_request_n *q)
{
    kap_decision a, b;
    int ra = kap_policy_match_n(p, q, &a), rb = kap_policy_match_reference_n(p, q, &b);
    if (ra != rb || (ra == KAP_OK && memcmp(&a, &b, sizeof a) != 0)) {
        char x[160], y[160];
        kap_decision_format_json(&a, x, sizeof x);
        kap_decision_format_json(&b, y, sizeof y);
        fprintf(stderr, "with lengths, decision table and reference disagree:\n  table:     %s (status %d)\n"
                        "  reference: %s (status %d)\n", x, ra, y, rb);
        abort();
    }
}

/* Load invariants: a status and a policy go together, an error has a text. */
static inline void check_load(int rc, const kap_policy *p, const kap_diagnostics *d)
{
    if ((rc == KAP_OK) != (p != NULL))
        abort();
    if (d && rc != KAP_OK && rc != KAP_ENOMEM && !kap_diagnostics_error_text(d))
        abort();
    if (d && rc == KAP_OK && kap_diagnostics_error_text(d))
        abort();
    for (size_t i = 0; d && i < kap_diagnostics_count(d); i++) {
        const kap_diagnostic *g = kap_diagnostics_get(d, i);
        if (!g || !g->message || !g->field)
            abort();
    }
}

/* A few requests of every shape, decided by both evaluators. */
static inline void probe_requests(const kap_policy *p)
{
    static const char *const groups[] = {"system:authenticated", "system:nodes", "", "*"};
    static const char *const verbs[] = {"get", "list", "watch", "", "*"};
    static const char *const resources[] = {"pods", "", "*", "nodes", "configmaps"};
    static const char *const subs[] = {"", "status", "*", "log"};
    static const char *const paths[] = {"/healthz", "/api", "", "/apis/x"};
    for (int i = 0; i < 40; i++) {
        kap_request q = KAP_REQUEST_INIT;
        q.user = i % 7 == 0 ? NULL : i % 3 ? "system:kube-proxy" : "";
        q.groups = groups;
        q.n_groups = (size_t)(i % 5);
        q.verb = verbs[i % 5];
        q.ns = i % 2 ? "kube-system" : "";
        q.api_group = i % 4 ? "" : "apps";
        q.resource = resources[i % 5];
        q.subresource = subs[i % 4];
        q.name = i % 6 ? "" : "controller-leader";
        q.path = paths[i % 4];
        q.resource_request = i % 3 != 1;
        check_agree(p, &q);
    }
}

#endif
