/* Fuzz target: differential matching. Input "POLICY\n#--requests--\nJSONL"
 * gives a policy and requests; any other input seeds the policy generator.
 * The decision table and the reference must agree on every request. The
 * policy is loaded as several Kubernetes releases: each must load it or
 * refuse it where src/release.c says they differ, and every release that
 * loads it must decide every request alike. */
#include "fuzz_common.h"
#include "../policygen.h"

static const char SEP[] = "\n#--requests--\n";

static void generated(const uint8_t *data, size_t size)
{
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < size; i++)
        seed = (seed ^ data[i]) * 0x100000001B3ULL;
    pg_rng rng = {seed | 1};
    pg_buf b = {0};
    unsigned n = 1 + (size ? data[0] % 80 : 5);
    pg_policy(&b, &rng, n, pg_chance(&rng, 50));
    kap_policy *p = NULL;
    if (kap_policy_load_buffer(&p, b.s, b.len, NULL, NULL, NULL) != KAP_OK)
        abort(); /* the generator only writes valid policies */
    for (int k = 0; k < 200; k++) {
        pg_request q;
        pg_random_request(&rng, &q);
        kap_request r = pg_to_request(&q);
        check_agree(p, &r);
        kap_str gn[3];
        kap_request_n rn = pg_request_n(&r, gn);
        check_agree_n(p, &rn);
        /* both forms give one answer for strings without NUL */
        kap_decision a, c;
        kap_policy_match(p, &r, &a);
        kap_policy_match_n(p, &rn, &c);
        if (memcmp(&a, &c, sizeof a) != 0)
            abort();
    }
    kap_policy_free(p);
    free(b.s);
}

/* A release at each side of every change that decides whether a policy
 * loads (1.24's ObjectMeta.clusterName, 1.36's group "*"), and between. */
static const unsigned RELEASES[] = {36, 24, 25, 30, 33, 35};
#define NREL (sizeof RELEASES / sizeof RELEASES[0])

static int load_as(kap_policy **p, const char *text, size_t len, unsigned minor, char *err, size_t errlen)
{
    kap_options o;
    kap_options_init(&o);
    o.kube_minor = minor;
    kap_diagnostics *d = NULL;
    int rc = kap_policy_load_buffer(p, text, len, NULL, &o, &d);
    check_load(rc, *p, d);
    snprintf(err, errlen, "%s", d && kap_diagnostics_error_text(d) ? kap_diagnostics_error_text(d) : "");
    kap_diagnostics_free(d);
    return rc;
}

static void same_decision(const kap_policy *a, const kap_policy *b, const kap_request *q)
{
    kap_decision x, y;
    if (kap_policy_match(a, q, &x) != KAP_OK || kap_policy_match(b, q, &y) != KAP_OK || memcmp(&x, &y, sizeof x) != 0) {
        fprintf(stderr, "two releases decide a request differently\n");
        abort();
    }
}

/* Every release that loads the policy decides q as the first one does. */
static void same_everywhere(kap_policy *const p[NREL], const kap_request *q)
{
    const kap_policy *first = NULL;
    for (size_t i = 0; i < NREL; i++) {
        if (!p[i])
            continue;
        if (first)
            same_decision(first, p[i], q);
        else
            first = p[i];
    }
}

/* Loads the policy as every release of RELEASES into p (NULL where it does
 * not load) and checks the outcomes against each other. */
static void load_releases(kap_policy *p[NREL], const char *text, size_t len)
{
    int rc[NREL];
    static char err[NREL][4096];
    for (size_t i = 0; i < NREL; i++)
        rc[i] = load_as(&p[i], text, len, RELEASES[i], err[i], sizeof err[i]);
    /* 1.25 to 1.35 load the same policies; 1.24 may refuse a clusterName
     * 1.25 ignores; 1.36 may take a group "*" 1.35 refuses */
    for (size_t i = 3; i < NREL; i++)
        if (rc[i] != rc[2])
            abort();
    if (rc[1] != rc[2] && (rc[1] == KAP_OK || !strstr(err[1], "clusterName")))
        abort();
    if (rc[0] != rc[5] && (rc[0] != KAP_OK || !strstr(err[5], "resources.group: Invalid value: \"*\"")))
        abort();
    static const char *const groups[] = {"system:authenticated", "g"};
    for (int k = 0; k < 64; k++) {
        kap_request q = KAP_REQUEST_INIT;
        q.user = k % 5 ? "u" : NULL;
        q.groups = groups;
        q.n_groups = (size_t)(k % 3);
        q.verb = k & 1 ? "get" : "list";
        q.ns = k & 2 ? "default" : "";
        q.api_group = k & 4 ? "apps" : "";
        q.resource = k & 8 ? "pods" : "deployments";
        q.subresource = k & 16 ? "status" : "";
        q.path = "/healthz";
        q.resource_request = (k & 32) != 0;
        same_everywhere(p, &q);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *sep = NULL;
    for (size_t i = 0; i + sizeof SEP - 1 <= size; i++)
        if (memcmp(text + i, SEP, sizeof SEP - 1) == 0) {
            sep = text + i;
            break;
        }
    if (!sep) {
        generated(data, size);
        return 0;
    }
    kap_policy *all[NREL];
    load_releases(all, text, (size_t)(sep - text));
    kap_policy *p = NULL;
    for (size_t i = 0; i < NREL && !p; i++)
        p = all[i];
    if (!p)
        return 0;
    probe_requests(p);
    kap_request_reader *r;
    if (kap_request_reader_new(&r) != KAP_OK)
        abort();
    const char *line = sep + sizeof SEP - 1, *end = text + size;
    while (line < end) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
        kap_request q;
        if (kap_request_reader_parse(r, line, len, &q) == KAP_OK) {
            check_agree(p, &q);
            same_everywhere(all, &q);
        }
        kap_request_n qn;
        if (kap_request_reader_parse_n(r, line, len, &qn) == KAP_OK)
            check_agree_n(p, &qn);
        line += len + 1;
    }
    kap_request_reader_free(r);
    for (size_t i = 0; i < NREL; i++)
        kap_policy_free(all[i]);
    return 0;
}
