/* The analysis proved on thousands of random policies (tests/policygen.h):
 *  - every witness is decided by its rule under kap_policy_match_reference;
 *  - no rule reported unreachable is ever reached by a large random request
 *    stream biased towards the policy's own strings;
 *  - every rule not reported unreachable has a witness (and an
 *    "unreachable-rule" finding exactly for the others);
 *  - removing an entry reported as a dead value changes no decision.
 * Two generators: the realistic one (pg_policy) and the tricky one
 * (pgt_policy: overlapping one-letter strings, slashes and stars inside
 * resource strings, nested URL prefixes). KAP_RANDOM_POLICIES=N sets how
 * many policies of each (default 3000). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kap.h"
#include "policygen.h"
#include "witness_url.h"

/* check records every passing assertion (a write each): the hot loops test
 * first and call it only to fail */
#define REQUIRE(cond, ...)                                                                                          \
    do {                                                                                                            \
        if (!(cond))                                                                                                \
            ck_abort_msg(__VA_ARGS__);                                                                              \
    } while (0)

static unsigned n_policies(void)
{
    const char *e = getenv("KAP_RANDOM_POLICIES");
    return e && atoi(e) > 0 ? (unsigned)atoi(e) : 3000u;
}

/* Requests drawn from the generator's pools (the policies' own strings),
 * with their near misses: URL prefixes extended, resource strings split at
 * their slash, values nobody lists, no user. */
static const char *const EXTRA_PATHS[] = {"/healthzx", "/healthz/", "/api/v1/pods", "/apis/apps", "/logs", "/logs/",
                                          "/readyz/ping", "/openapi", "/metricsx", "/x", "",  "*", "/*",
                                          "/api/v1/", "/api/v1/px", "/api/v1//"};
static const char *const EXTRA_RES[] = {"pods/log", "*", "*/log", "pods/*", "secrets/x", "zzz"};
static const char *const EXTRA_SUBS[] = {"*", "log/x", "zzz"};
static const char *const EXTRA_GROUPS[] = {"zzz", "system:serviceaccounts:x"};

static const char *pick2(pg_rng *r, const char *const *a, unsigned na, const char *const *b, unsigned nb)
{
    unsigned k = pg_below(r, na + nb);
    return k < na ? a[k] : b[k - na];
}

static void biased_request(pg_rng *r, pg_request *q)
{
    pg_random_request(r, q);
    if (pg_chance(r, 30))
        q->path = pick2(r, PG_PATHS, PG_N(PG_PATHS), EXTRA_PATHS, PG_N(EXTRA_PATHS));
    if (pg_chance(r, 20))
        q->resource = pick2(r, PG_RESOURCES, PG_N(PG_RESOURCES), EXTRA_RES, PG_N(EXTRA_RES));
    if (pg_chance(r, 20))
        q->sub = pick2(r, PG_SUBS, PG_N(PG_SUBS), EXTRA_SUBS, PG_N(EXTRA_SUBS));
    for (size_t i = 0; i < q->n_groups; i++)
        if (pg_chance(r, 10))
            q->groups[i] = pick2(r, PG_GROUPS, PG_N(PG_GROUPS), EXTRA_GROUPS, PG_N(EXTRA_GROUPS));
    if (pg_chance(r, 5))
        q->user = "zzz";
    if (pg_chance(r, 5))
        q->verb = "zzz";
    if (pg_chance(r, 5))
        q->ns = "zzz";
    if (pg_chance(r, 5))
        q->group = "zzz";
    if (pg_chance(r, 5))
        q->name = "zzz";
}

typedef void (*request_gen)(pg_rng *, pg_request *);

/* Whether kube-apiserver can see the request: its resource and subresource
 * are single segments of its URL (requestinfo.md 5), so neither holds a '/';
 * its verb has no upper-case letter (section 6: a Kubernetes verb, or the
 * HTTP method lower-cased); a non-resource request's path starts with '/'
 * (section 2) and is not one kube-apiserver reads as a resource request's
 * (section 6); a resource request's verb goes with its name and subresource
 * (sections 8-11: get and delete have a name, deletecollection none, list
 * one a field selector gives, proxy no subresource); a resource request's
 * verb is one request-info gives (section 6: get list watch create update
 * patch delete deletecollection proxy or ""); and the resource status or
 * finalize is in the namespace "" (section 7: after namespaces/NS/ they
 * are the Namespace's subresources). The analysis answers for those
 * requests only. */
static int from_a_url(const pg_request *q)
{
    for (const char *v = q->verb; v && *v; v++)
        if (*v >= 'A' && *v <= 'Z')
            return 0;
    if (!q->res)
        return q->path && q->path[0] == '/' && !wu_resource_path(q->path);
    if ((q->resource && strchr(q->resource, '/')) || (q->sub && strchr(q->sub, '/')))
        return 0;
    const char *verb = q->verb ? q->verb : "", *name = q->name ? q->name : "", *sub = q->sub ? q->sub : "";
    static const char *const verbs[] = {"get",    "list",   "watch",            "create", "update",
                                        "patch", "delete", "deletecollection", "proxy",  ""};
    size_t v = 0;
    while (v < sizeof verbs / sizeof *verbs && strcmp(verb, verbs[v]))
        v++;
    if (v == sizeof verbs / sizeof *verbs)
        return 0;
    const char *res = q->resource ? q->resource : "";
    if ((!strcmp(res, "status") || !strcmp(res, "finalize")) && q->ns && *q->ns)
        return 0;
    if (!strcmp(verb, "get") || !strcmp(verb, "delete"))
        return *name != 0;
    if (!strcmp(verb, "deletecollection"))
        return *name == 0;
    if (!strcmp(verb, "list"))
        return !*name || (strcmp(name, ".") && strcmp(name, "..") && !strpbrk(name, "/%"));
    if (!strcmp(verb, "proxy"))
        return *sub == 0;
    return 1;
}

/* The text without one entry of a flow list (the quoted value at line,
 * column and its comma), or without one resources entry (the lines of the
 * "- group:" item at line). */
static char *without_entry(const char *text, unsigned line, unsigned col, int whole_item)
{
    size_t len = strlen(text);
    char *out = malloc(len + 1);
    const char *p = text;
    for (unsigned l = 1; l < line; l++)
        p = strchr(p, '\n') + 1;
    size_t head = (size_t)(p - text);
    memcpy(out, text, head);
    if (whole_item) {
        /* the item's line, then its more indented lines */
        const char *q = strchr(p, '\n') + 1;
        while (*q && strncmp(q, "        ", 8) == 0)
            q = strchr(q, '\n') + 1;
        strcpy(out + head, q);
        return out;
    }
    const char *v = p + col - 1; /* the opening quote */
    const char *e = strchr(v + 1, '"') + 1;
    if (strncmp(e, ", ", 2) == 0) {
        e += 2;
    } else if (v - 2 >= p && strncmp(v - 2, ", ", 2) == 0) {
        v -= 2;
    }
    memcpy(out + head, p, (size_t)(v - p));
    strcpy(out + head + (size_t)(v - p), e);
    return out;
}

static int is_item(const char *field)
{
    int a, b, n = 0;
    return sscanf(field, "rules[%d].resources[%d]%n", &a, &b, &n) == 2 && field[n] == 0;
}

/* Removing each dead value changes no decision on the stream. */
static void check_dead_values(const kap_analysis *a, const char *text, unsigned kube_minor, unsigned seed,
                              request_gen gen, unsigned nreq, unsigned *dead_seen)
{
    const kap_policy *p = kap_analysis_policy(a);
    for (size_t k = 0; k < kap_analysis_count(a); k++) {
        const kap_finding *f = kap_analysis_get(a, k);
        if (strcmp(f->id, "dead-value") != 0)
            continue;
        (*dead_seen)++;
        char *cut = without_entry(text, f->line, f->column, is_item(f->field));
        kap_options o;
        kap_options_init(&o);
        o.kube_minor = kube_minor;
        kap_policy *q = NULL;
        int rc = kap_policy_load_buffer(&q, cut, strlen(cut), "cut.yaml", &o, NULL);
        REQUIRE(rc == KAP_OK, "seed %u: the policy without %s does not load\n%s", seed, f->field, cut);
        REQUIRE(kap_policy_rule_count(q) == kap_policy_rule_count(p), "seed %u: rules lost", seed);
        pg_rng r = {seed * 104729u + 7u};
        for (unsigned n = 0; n < nreq; n++) {
            pg_request pr;
            gen(&r, &pr);
            if (!from_a_url(&pr))
                continue;
            kap_request req = pg_to_request(&pr);
            kap_decision d1, d2;
            kap_policy_match_reference(p, &req, &d1);
            kap_policy_match_reference(q, &req, &d2);
            REQUIRE(d1.rule == d2.rule, "seed %u: without the dead value %s (%s) rule %d decides what rule %d "
                    "did\n%s", seed, f->field, f->message, d2.rule, d1.rule, text);
        }
        /* the witnesses too */
        for (size_t i = 0; i < kap_policy_rule_count(p); i++) {
            kap_request_n w;
            if (kap_analysis_witness(a, i, &w) != KAP_OK)
                continue;
            kap_decision d;
            kap_policy_match_reference_n(q, &w, &d);
            REQUIRE(d.rule == (int)i, "seed %u: without %s the witness of rule %zu goes to %d", seed, f->field, i,
                    d.rule);
        }
        kap_policy_free(q);
        free(cut);
    }
}

/* One policy: witnesses decided by their rules, unreachable rules never reached. */
static void prove(const char *text, size_t len, unsigned kube_minor, unsigned seed, unsigned nreq, request_gen gen,
                  unsigned *unreachable_seen, unsigned *dead_seen)
{
    kap_options o;
    kap_options_init(&o);
    o.kube_minor = kube_minor;
    kap_analysis *a = NULL;
    int rc = kap_analyze_buffer(&a, text, len, "random.yaml", &o, NULL);
    if (rc != KAP_OK) {
        /* the generator may write group "*", refused before 1.36 */
        REQUIRE(rc == KAP_EINVALID && a, "seed %u: status %d", seed, rc);
        kap_analysis_free(a);
        return;
    }
    const kap_policy *p = kap_analysis_policy(a);
    size_t n = kap_policy_rule_count(p);
    char *unreach = calloc(n, 1);
    for (size_t i = 0; i < n; i++) {
        int reach = kap_analysis_rule_reachable(a, i);
        REQUIRE(reach == 0 || reach == 1, "seed %u rule %zu: not decided\n%s", seed, i, text);
        kap_request_n w;
        int wrc = kap_analysis_witness(a, i, &w);
        if (reach == 1) {
            REQUIRE(wrc == KAP_OK, "seed %u rule %zu: no witness", seed, i);
            kap_decision d;
            REQUIRE(kap_policy_match_reference_n(p, &w, &d) == KAP_OK, "seed %u: match", seed);
            char json[4096];
            kap_analysis_witness_json(a, i, json, sizeof json);
            REQUIRE(d.rule == (int)i, "seed %u: the witness of rule %zu is decided by rule %d\n%s\n%s", seed, i,
                          d.rule, json, text);
            REQUIRE(!w.resource_request || (!memchr(w.resource.ptr, '/', w.resource.len) &&
                                            !memchr(w.subresource.ptr, '/', w.subresource.len)),
                    "seed %u: the witness of rule %zu has a resource no URL gives\n%s\n%s", seed, i, json, text);
            char why[1024];
            REQUIRE(!witness_url_disagrees(&w, why, sizeof why),
                    "seed %u: the witness of rule %zu is not what its URL gives: %s\n%s\n%s", seed, i, why, json,
                    text);
        } else {
            REQUIRE(wrc == KAP_EARG, "seed %u rule %zu: a witness", seed, i);
            unreach[i] = 1;
            (*unreachable_seen)++;
        }
    }
    /* exactly the unreachable rules have an unreachable-rule finding */
    size_t nf = 0;
    for (size_t k = 0; k < kap_analysis_count(a); k++) {
        const kap_finding *f = kap_analysis_get(a, k);
        if (strcmp(f->id, "unreachable-rule") == 0) {
            REQUIRE(f->rule >= 0 && unreach[f->rule], "seed %u: finding on rule %d", seed, f->rule);
            /* no covering rule only for a rule that matches no request at all */
            REQUIRE(f->n_related > 0 || strstr(f->message, "none of its resources matches a request") ||
                        strstr(f->message, "none of its verbs matches a request") ||
                        strstr(f->message, "none of its nonResourceURLs matches a request") ||
                        strstr(f->message, "no request has one of its verbs with one of its resourceNames and "
                                           "subresources") ||
                        strstr(f->message, "no request has its values together"),
                    "seed %u: no covering rule", seed);
            for (size_t r = 0; r < f->n_related; r++)
                REQUIRE(f->related[r] < f->rule, "seed %u: a later rule covers", seed);
            nf++;
        }
    }
    size_t nu = 0;
    for (size_t i = 0; i < n; i++)
        nu += unreach[i];
    REQUIRE(nf == nu, "seed %u: %zu findings for %zu unreachable rules", seed, nf, nu);
    /* a request stream that must never reach an unreachable rule */
    pg_rng r = {seed * 7919u + 17u};
    for (unsigned k = 0; k < nreq; k++) {
        pg_request q;
        gen(&r, &q);
        if (!from_a_url(&q))
            continue;
        kap_request req = pg_to_request(&q);
        kap_decision d;
        REQUIRE(kap_policy_match_reference(p, &req, &d) == KAP_OK, "match");
        REQUIRE(d.rule < 0 || !unreach[d.rule], "seed %u: rule %d was reported unreachable but decides a "
                      "request (user %s verb %s path %s res %s/%s)\n%s",
                      seed, d.rule, q.user ? q.user : "(none)", q.verb, q.path, q.resource, q.sub, text);
    }
    free(unreach);
    if (dead_seen)
        check_dead_values(a, text, kube_minor, seed, gen, nreq / 2, dead_seen);
    kap_analysis_free(a);
}

START_TEST(random_policies)
{
    pg_buf b = {0};
    unsigned total = n_policies(), unreachable = 0, dead = 0;
    for (unsigned s = 0; s < total; s++) {
        pg_rng r = {0x9E3779B97F4A7C15ULL ^ (s * 0x100000001B3ULL) ^ 1};
        unsigned nrules = 1 + pg_below(&r, 12);
        pg_policy(&b, &r, nrules, pg_chance(&r, 30));
        unsigned minor = pg_chance(&r, 80) ? 36 : 24 + pg_below(&r, 13);
        prove(b.s, b.len, minor, s, 600, biased_request, &unreachable, &dead);
    }
    /* the policies must exercise both answers */
    ck_assert_uint_gt(unreachable, total / 20);
    ck_assert_uint_gt(dead, total / 20);
    free(b.s);
}
END_TEST

START_TEST(tricky_policies)
{
    pg_buf b = {0};
    unsigned total = n_policies(), unreachable = 0, dead = 0;
    for (unsigned s = 0; s < total; s++) {
        pg_rng r = {0xD1B54A32D192ED03ULL ^ (s * 0x9E3779B97F4A7C15ULL) ^ 3};
        unsigned nrules = 1 + pg_below(&r, 9);
        int any = pg_chance(&r, 50);
        pgt_policy(&b, &r, nrules, any);
        prove(b.s, b.len, any ? 36 : 24 + pg_below(&r, 13), s, 800, pgt_request, &unreachable, &dead);
    }
    ck_assert_uint_gt(unreachable, total / 10);
    ck_assert_uint_gt(dead, total / 10);
    free(b.s);
}
END_TEST


/* Hostile policies: rules that are random boxes over several attributes,
 * whose complements fragment. The analysis must stop at its limits, say so,
 * and still be right about what it decided. */
static void hostile_policy(pg_buf *b, pg_rng *r, unsigned n)
{
    static const char *const verbs[] = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"};
    b->len = 0;
    pg_add(b, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n");
    for (unsigned i = 0; i < n; i++) {
        pg_add(b, "- level: None\n  users: [");
        for (unsigned k = 0; k < 4; k++)
            pg_add(b, "%s\"u%u\"", k ? ", " : "", pg_below(r, 8));
        pg_add(b, "]\n  userGroups: [\"g%u\", \"g%u\"]\n  verbs: [", pg_below(r, 8), pg_below(r, 8));
        for (unsigned k = 0; k < 4; k++)
            pg_add(b, "%s\"%s\"", k ? ", " : "", verbs[pg_below(r, 8)]);
        pg_add(b, "]\n  namespaces: [\"n%u\", \"n%u\", \"n%u\"]\n", pg_below(r, 8), pg_below(r, 8), pg_below(r, 8));
        pg_add(b, "  resources: [{group: \"\", resources: [\"r%u\", \"r%u\"], resourceNames: [\"m%u\", \"m%u\"]}]\n",
               pg_below(r, 8), pg_below(r, 8), pg_below(r, 8), pg_below(r, 8));
    }
    pg_add(b, "- level: Metadata\n  verbs: [\"get\", \"list\"]\n");
}

START_TEST(hostile_policies)
{
    pg_buf b = {0};
    pg_rng r = {12345};
    hostile_policy(&b, &r, 400);
    kap_analysis_options ao;
    kap_analysis_options_init(&ao);
    ao.max_steps = 3000000;
    kap_analysis *a = NULL;
    ck_assert_int_eq(kap_analyze_buffer(&a, b.s, b.len, "hostile.yaml", NULL, &ao), KAP_OK);
    const kap_policy *p = kap_analysis_policy(a);
    size_t undecided = 0, limit_findings = 0;
    for (size_t i = 0; i < kap_policy_rule_count(p); i++) {
        int reach = kap_analysis_rule_reachable(a, i);
        kap_request_n w;
        if (reach == 1) {
            ck_assert_int_eq(kap_analysis_witness(a, i, &w), KAP_OK);
            kap_decision d;
            kap_policy_match_reference_n(p, &w, &d);
            ck_assert_int_eq(d.rule, (int)i);
        } else {
            ck_assert_int_eq(kap_analysis_witness(a, i, &w), KAP_EARG);
            undecided += reach < 0;
        }
    }
    for (size_t k = 0; k < kap_analysis_count(a); k++)
        limit_findings += strcmp(kap_analysis_get(a, k)->id, "analysis-limit") == 0;
    ck_assert_uint_gt(undecided, 0);
    ck_assert_uint_gt(limit_findings, 0);
    kap_analysis_free(a);
    free(b.s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("analyze_random");
    TCase *tc = tcase_create("proofs");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, random_policies);
    tcase_add_test(tc, tricky_policies);
    suite_add_tcase(s, tc);
    TCase *hostile = tcase_create("hostile");
    tcase_set_timeout(hostile, 600);
    tcase_add_test(hostile, hostile_policies);
    suite_add_tcase(s, hostile);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
