/* kap-bench-handwritten: how fast can OpenShift's default audit policy
 * be decided in this benchmark's loop at all? Its four rules are written
 * out by hand as plain C (strcmp, or length + memcmp), and timed beside the
 * decision table and the scan on the same requests, through the same
 * call-per-request loop as kap-bench. Every request's handwritten decision
 * is first checked against kap_policy_match_reference: the program refuses
 * to print figures for another policy or a wrong decision.
 *
 * usage: kap-bench-handwritten [POLICY [REQUESTS]]
 * (default: bench/data/openshift-default.yaml and audit-log-requests.jsonl)
 * SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include <kap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static kap_decision rule_decision[5]; /* rules 0-3, then no match */

/* ---- the policy, by hand --------------------------------------------------------- */

static int in_c(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return 1;
    return 0;
}

static const char *const r0_groups[] = {"system:authenticated", "system:unauthenticated"};
static const char *const r0_urls[] = {"/version", "/healthz", "/readyz", "/livez"};
static const char *const r2_verbs[] = {"create", "update", "patch", "delete"};

static int handwritten_c(const kap_policy *p, const kap_request *r, kap_decision *out)
{
    (void)p;
    int rule = 3;
    if (!r->resource_request) {
        int grouped = 0;
        for (size_t i = 0; r->user && i < r->n_groups && !grouped; i++)
            grouped = in_c(r->groups[i], r0_groups, 2);
        if (grouped && (strncmp(r->path, "/api", 4) == 0 || in_c(r->path, r0_urls, 4)))
            rule = 0;
    } else if (r->user && strcmp(r->user, "system:apiserver") == 0 && r->ns[0] == '\0' &&
               strcmp(r->api_group, "apiserver.openshift.io") == 0 && strcmp(r->resource, "apirequestcounts") == 0) {
        rule = 1; /* "apirequestcounts" and "apirequestcounts/(any)": any subresource */
    } else if (in_c(r->verb, r2_verbs, 4) && r->subresource[0] == '\0' &&
               ((strcmp(r->api_group, "user.openshift.io") == 0 && strcmp(r->resource, "identities") == 0) ||
                (strcmp(r->api_group, "oauth.openshift.io") == 0 &&
                 (strcmp(r->resource, "oauthaccesstokens") == 0 || strcmp(r->resource, "oauthauthorizetokens") == 0)))) {
        rule = 2;
    }
    *out = rule_decision[rule];
    return KAP_OK;
}

static int eq_n(kap_str s, const char *lit, size_t n)
{
    return s.len == n && memcmp(s.ptr, lit, n) == 0;
}
#define EQ(s, lit) eq_n((s), (lit), sizeof(lit) - 1)

static int handwritten_n(const kap_policy *p, const kap_request_n *r, kap_decision *out)
{
    (void)p;
    int rule = 3;
    if (!r->resource_request) {
        int grouped = 0;
        for (size_t i = 0; r->user.ptr && i < r->n_groups && !grouped; i++)
            grouped = EQ(r->groups[i], "system:authenticated") || EQ(r->groups[i], "system:unauthenticated");
        kap_str u = r->path;
        if (grouped && ((u.len >= 4 && memcmp(u.ptr, "/api", 4) == 0) || EQ(u, "/version") || EQ(u, "/healthz") ||
                        EQ(u, "/readyz") || EQ(u, "/livez")))
            rule = 0;
    } else if (r->user.ptr && EQ(r->user, "system:apiserver") && r->ns.len == 0 &&
               EQ(r->api_group, "apiserver.openshift.io") && EQ(r->resource, "apirequestcounts")) {
        rule = 1;
    } else if ((EQ(r->verb, "create") || EQ(r->verb, "update") || EQ(r->verb, "patch") || EQ(r->verb, "delete")) &&
               r->subresource.len == 0 &&
               ((EQ(r->api_group, "user.openshift.io") && EQ(r->resource, "identities")) ||
                (EQ(r->api_group, "oauth.openshift.io") &&
                 (EQ(r->resource, "oauthaccesstokens") || EQ(r->resource, "oauthauthorizetokens"))))) {
        rule = 2;
    }
    *out = rule_decision[rule];
    return KAP_OK;
}

/* ---- requests ---------------------------------------------------------------------- */

static char *copy(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (!c) {
        perror("kap-bench-handwritten");
        exit(2);
    }
    memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

/* Both forms of one request, owning their strings; absent strings (but
 * the user) are "", as the matcher reads them. */
static void keep(const kap_request_n *in, kap_request *c, kap_request_n *n)
{
    kap_str *fields[] = {&n->verb, &n->ns, &n->api_group, &n->resource, &n->subresource, &n->name, &n->path};
    const char **cfields[] = {&c->verb, &c->ns, &c->api_group, &c->resource, &c->subresource, &c->name, &c->path};
    *n = *in;
    memset(c, 0, sizeof *c);
    c->version = KAP_REQUEST_VERSION;
    c->resource_request = in->resource_request;
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        kap_str s = *fields[k];
        char *d = copy(s.ptr ? s.ptr : "", s.ptr ? s.len : 0);
        fields[k]->ptr = d;
        fields[k]->len = s.ptr ? s.len : 0;
        *cfields[k] = d;
    }
    if (in->user.ptr) {
        n->user.ptr = c->user = copy(in->user.ptr, in->user.len);
    }
    kap_str *g = calloc(in->n_groups + 1, sizeof *g);
    const char **cg = calloc(in->n_groups + 1, sizeof *cg);
    if (!g || !cg) {
        perror("kap-bench-handwritten");
        exit(2);
    }
    for (size_t i = 0; i < in->n_groups; i++) {
        g[i].ptr = cg[i] = copy(in->groups[i].ptr, in->groups[i].len);
        g[i].len = in->groups[i].len;
    }
    n->groups = g;
    c->groups = cg;
    c->n_groups = in->n_groups;
}

/* ---- timing, as kap-bench does ----------------------------------------------------- */

typedef int (*match_fn)(const kap_policy *, const kap_request *, kap_decision *);
typedef int (*match_n_fn)(const kap_policy *, const kap_request_n *, kap_decision *);

static volatile int sink;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One pass over the requests, through the C-string or the length entry point. */
static void pass(match_fn fn, match_n_fn fn_n, const kap_policy *p, const kap_request *c, const kap_request_n *n,
                 size_t count)
{
    kap_decision d;
    for (size_t i = 0; i < count; i++) {
        if (fn)
            fn(p, &c[i], &d);
        else
            fn_n(p, &n[i], &d);
        sink += d.rule;
    }
}

/* Median ns per decision over 5 runs of at least 40 ms. */
static double time_it(match_fn fn, match_n_fn fn_n, const kap_policy *p, const kap_request *c,
                      const kap_request_n *n, size_t count)
{
    double r[5];
    size_t reps = 1;
    for (;;) { /* calibrate: reps passes take over 4 ms */
        double t0 = now_ns();
        for (size_t rep = 0; rep < reps; rep++)
            pass(fn, fn_n, p, c, n, count);
        if (now_ns() - t0 > 4e6)
            break;
        reps *= 2;
    }
    reps *= 10;
    for (int k = 0; k < 5; k++) {
        double t0 = now_ns();
        for (size_t rep = 0; rep < reps; rep++)
            pass(fn, fn_n, p, c, n, count);
        r[k] = (now_ns() - t0) / (double)(reps * count);
    }
    qsort(r, 5, sizeof r[0], cmp_d);
    return r[2];
}

int main(int argc, char **argv)
{
    const char *policy_path = argc > 1 ? argv[1] : KAP_BENCH_DATA "/openshift-default.yaml";
    const char *req_path = argc > 2 ? argv[2] : KAP_BENCH_DATA "/audit-log-requests.jsonl";
    if (argc > 3 || (argc > 1 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: kap-bench-handwritten [POLICY [REQUESTS]]\n");
        return 2;
    }
    kap_policy *p = NULL;
    kap_diagnostics *diags = NULL;
    if (kap_policy_load(&p, policy_path, NULL, &diags) != KAP_OK) {
        fprintf(stderr, "kap-bench-handwritten: %s: %s\n", policy_path,
                diags ? kap_diagnostics_error_text(diags) : "cannot load");
        return 1;
    }
    kap_diagnostics_free(diags);
    if (kap_policy_rule_count(p) != 4) {
        fprintf(stderr, "kap-bench-handwritten: %s is not OpenShift's four-rule policy\n", policy_path);
        return 1;
    }
    for (size_t i = 0; i <= 4; i++)
        kap_policy_rule_decision(p, i, &rule_decision[i]);

    FILE *f = fopen(req_path, "r");
    if (!f) {
        perror(req_path);
        return 1;
    }
    kap_request_reader *rd = NULL;
    if (kap_request_reader_new(&rd) != KAP_OK)
        return 2;
    size_t cap = 256, count = 0, lineno = 0;
    kap_request *c = malloc(cap * sizeof *c);
    kap_request_n *n = malloc(cap * sizeof *n);
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    while (c && n && (len = getline(&line, &line_cap, f)) > 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len == 0)
            continue;
        kap_request_n in = KAP_REQUEST_N_INIT;
        if (kap_request_reader_parse_n(rd, line, (size_t)len, &in) != KAP_OK) {
            fprintf(stderr, "%s:%zu: %s\n", req_path, lineno, kap_request_reader_error(rd));
            return 1;
        }
        if (count == cap) {
            cap *= 2;
            c = realloc(c, cap * sizeof *c);
            n = realloc(n, cap * sizeof *n);
            if (!c || !n)
                break;
        }
        keep(&in, &c[count], &n[count]);
        count++;
    }
    if (!c || !n) {
        perror("kap-bench-handwritten");
        return 2;
    }
    free(line);
    fclose(f);
    kap_request_reader_free(rd);
    if (count == 0) {
        fprintf(stderr, "kap-bench-handwritten: %s: no requests\n", req_path);
        return 1;
    }

    /* the handwritten matchers must decide as kube-apiserver does */
    for (size_t i = 0; i < count; i++) {
        kap_decision want, got_c, got_n;
        kap_policy_match_reference(p, &c[i], &want);
        handwritten_c(p, &c[i], &got_c);
        handwritten_n(p, &n[i], &got_n);
        if (got_c.rule != want.rule || got_n.rule != want.rule) {
            fprintf(stderr, "kap-bench-handwritten: request %zu: rule %d / %d by hand, %d by the scan\n", i + 1,
                    got_c.rule, got_n.rule, want.rule);
            return 1;
        }
    }

    printf("%zu requests; ns per decision (median of 5), C strings / with lengths\n", count);
    for (int round = 0; round < 2; round++) {
        printf("handwritten  %6.1f  %6.1f\n", time_it(handwritten_c, NULL, p, c, n, count),
               time_it(NULL, handwritten_n, p, c, n, count));
        printf("table        %6.1f  %6.1f\n", time_it(kap_policy_match, NULL, p, c, n, count),
               time_it(NULL, kap_policy_match_n, p, c, n, count));
        printf("scan         %6.1f  %6.1f\n", time_it(kap_policy_match_reference, NULL, p, c, n, count),
               time_it(NULL, kap_policy_match_reference_n, p, c, n, count));
    }
    kap_policy_free(p);
    return 0;
}
