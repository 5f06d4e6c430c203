/* Explain: the deciding rule and, for every earlier rule, the first check
 * that rejected the request (semantics.md section 4's order), with the
 * field's line and a one-line reason. The decision must be the reference
 * scan's for every request: that is checked on thousands of random policies
 * (tests/policygen.h), together with the order of the checks. */
#include <stdint.h>

#include "helpers.h"
#include "internal.h"
#include "policygen.h"

static const char *src_dir = ".";

static kap_policy *load(const char *text)
{
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int rc = load_str(text, &p, &d);
    ck_assert_msg(rc == KAP_OK, "%s", d ? kap_diagnostics_error_text(d) : "no diagnostics");
    kap_diagnostics_free(d);
    return p;
}

static kap_explanation *explain(const kap_policy *p, const kap_request *q)
{
    kap_explanation *e = NULL;
    ck_assert_int_eq(kap_policy_explain(&e, p, q), KAP_OK);
    ck_assert_ptr_nonnull(e);
    /* the decision is the matcher's, always */
    kap_decision want;
    ck_assert_int_eq(kap_policy_match(p, q, &want), KAP_OK);
    ck_assert(memcmp(kap_explanation_decision(e), &want, sizeof want) == 0);
    return e;
}

/* Step i must be: rejected by check, at line, in field, for reason. */
static void expect_step(const kap_explanation *e, size_t i, kap_check check, unsigned line, const char *field,
                        const char *reason)
{
    const kap_explain_step *s = kap_explanation_get(e, i);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(s->rule, i);
    ck_assert_msg(s->check == check, "rule %zu: check %s, want %s (%s)", i, kap_check_name(s->check),
                  kap_check_name(check), s->reason);
    ck_assert_int_eq(s->matched, check == KAP_CHECK_NONE);
    ck_assert_msg(s->line == line, "rule %zu: line %u, want %u (%s)", i, s->line, line, s->reason);
    ck_assert_str_eq(s->field, field);
    ck_assert_str_eq(s->reason, reason);
}

/* Line numbers are in the comments. */
static const char POLICY[] = "apiVersion: audit.k8s.io/v1\n"                         /* 1 */
                             "kind: Policy\n"                                        /* 2 */
                             "omitStages: [RequestReceived]\n"                       /* 3 */
                             "rules:\n"                                              /* 4 */
                             "  - level: None\n"                                     /* 5: rule 0 */
                             "    users: [\"system:kube-proxy\"]\n"                  /* 6 */
                             "    verbs: [watch]\n"                                  /* 7 */
                             "  - level: None\n"                                     /* 8: rule 1 */
                             "    userGroups: [\"system:nodes\", \"system:masters\"]\n" /* 9 */
                             "  - level: Request\n"                                  /* 10: rule 2 */
                             "    verbs: [watch, list]\n"                            /* 11 */
                             "  - level: None\n"                                     /* 12: rule 3 */
                             "    nonResourceURLs: [\"/healthz*\", /version]\n"      /* 13 */
                             "  - level: Metadata\n"                                 /* 14: rule 4 */
                             "    namespaces: [kube-system]\n"                       /* 15 */
                             "  - level: RequestResponse\n"                          /* 16: rule 5 */
                             "    resources:\n"                                      /* 17 */
                             "      - group: apps\n"                                 /* 18 */
                             "        resources: [deployments]\n"                    /* 19 */
                             "      - group: \"\"\n"                                 /* 20 */
                             "        resources: [pods]\n"                           /* 21 */
                             "        resourceNames: [a, b]\n"                       /* 22 */
                             "  - level: Metadata\n"                                 /* 23: rule 6 */
                             "    resources: [{group: batch}]\n"                     /* 24 */
                             "  - level: Metadata\n"                                 /* 25: rule 7 */
                             "    omitStages: [Panic]\n";                            /* 26 */

START_TEST(reasons_of_every_check)
{
    kap_policy *p = load(POLICY);
    const char *dev[] = {"dev"};

    /* alice (dev) reads the log of pod web */
    kap_request q = KAP_REQUEST_INIT;
    q.user = "alice";
    q.groups = dev;
    q.n_groups = 1;
    q.verb = "get";
    q.ns = "default";
    q.resource = "pods";
    q.subresource = "log";
    q.name = "web";
    q.resource_request = 1;
    kap_explanation *e = explain(p, &q);
    ck_assert_uint_eq(kap_explanation_count(e), 8);
    expect_step(e, 0, KAP_CHECK_USERS, 6, "rules[0].users", "users [system:kube-proxy] does not include alice");
    expect_step(e, 1, KAP_CHECK_USER_GROUPS, 9, "rules[1].userGroups",
                "userGroups [system:nodes, system:masters] includes none of the user's groups [dev]");
    expect_step(e, 2, KAP_CHECK_VERBS, 11, "rules[2].verbs", "verbs [watch, list] does not include get");
    expect_step(e, 3, KAP_CHECK_URL_SCOPE, 13, "rules[3].nonResourceURLs",
                "nonResourceURLs makes the rule match non-resource requests only, and this is a resource request "
                "(pods/log)");
    expect_step(e, 4, KAP_CHECK_NAMESPACES, 15, "rules[4].namespaces", "namespaces [kube-system] does not include default");
    expect_step(e, 5, KAP_CHECK_RESOURCES, 21, "rules[5].resources[1].resources",
                "resources [pods] of group \"\" does not include pods/log");
    expect_step(e, 6, KAP_CHECK_RESOURCES, 24, "rules[6].resources",
                "resources has no entry for API group \"\" (its groups: \"batch\")");
    expect_step(e, 7, KAP_CHECK_NONE, 25, "rules[7]", "matches");
    const kap_decision *d = kap_explanation_decision(e);
    ck_assert_int_eq(d->rule, 7);
    ck_assert_int_eq(d->level, KAP_LEVEL_METADATA);
    ck_assert_uint_eq(d->omit_stages, KAP_STAGE_REQUEST_RECEIVED | KAP_STAGE_PANIC);
    ck_assert_ptr_null(kap_explanation_get(e, 8));
    kap_explanation_free(e);

    /* an unauthenticated GET /metrics */
    kap_request n = KAP_REQUEST_INIT;
    n.verb = "get";
    n.path = "/metrics";
    e = explain(p, &n);
    expect_step(e, 0, KAP_CHECK_USERS, 6, "rules[0].users",
                "users [system:kube-proxy] does not match a request without a user");
    expect_step(e, 1, KAP_CHECK_USER_GROUPS, 9, "rules[1].userGroups",
                "userGroups [system:nodes, system:masters] does not match a request without a user");
    expect_step(e, 2, KAP_CHECK_VERBS, 11, "rules[2].verbs", "verbs [watch, list] does not include get");
    expect_step(e, 3, KAP_CHECK_NON_RESOURCE_URLS, 13, "rules[3].nonResourceURLs",
                "nonResourceURLs [/healthz*, /version] does not match /metrics");
    expect_step(e, 4, KAP_CHECK_RESOURCE_SCOPE, 15, "rules[4].namespaces",
                "namespaces makes the rule match resource requests only, and this is a non-resource request (path "
                "/metrics)");
    expect_step(e, 5, KAP_CHECK_RESOURCE_SCOPE, 18, "rules[5].resources",
                "resources makes the rule match resource requests only, and this is a non-resource request (path "
                "/metrics)");
    expect_step(e, 7, KAP_CHECK_NONE, 25, "rules[7]", "matches");
    kap_explanation_free(e);

    /* bob, no groups, gets pod c across namespaces; then lists pods */
    q.user = "bob";
    q.n_groups = 0;
    q.ns = "";
    q.subresource = "";
    q.name = "c";
    e = explain(p, &q);
    expect_step(e, 1, KAP_CHECK_USER_GROUPS, 9, "rules[1].userGroups",
                "userGroups [system:nodes, system:masters] does not match a user without groups");
    expect_step(e, 4, KAP_CHECK_NAMESPACES, 15, "rules[4].namespaces",
                "namespaces [kube-system] does not include \"\" (the request is cluster-scoped or across namespaces)");
    expect_step(e, 5, KAP_CHECK_RESOURCES, 22, "rules[5].resources[1].resourceNames",
                "resourceNames [a, b] does not include c (for pods)");
    kap_explanation_free(e);
    q.name = "";
    q.verb = "list";
    e = explain(p, &q);
    ck_assert_uint_eq(kap_explanation_count(e), 3);
    expect_step(e, 2, KAP_CHECK_NONE, 10, "rules[2]", "matches");
    kap_explanation_free(e);
    q.verb = "create";
    e = explain(p, &q);
    expect_step(e, 5, KAP_CHECK_RESOURCES, 22, "rules[5].resources[1].resourceNames",
                "resourceNames [a, b] does not include \"\" (a request without a name; for pods)");
    kap_explanation_free(e);

    /* apps: deployments decide at rule 5, pods do not */
    q.api_group = "apps";
    q.resource = "deployments";
    q.ns = "default";
    e = explain(p, &q);
    expect_step(e, 5, KAP_CHECK_NONE, 16, "rules[5]", "matches");
    ck_assert_int_eq(kap_explanation_decision(e)->level, KAP_LEVEL_REQUEST_RESPONSE);
    kap_explanation_free(e);
    q.resource = "pods";
    e = explain(p, &q);
    expect_step(e, 5, KAP_CHECK_RESOURCES, 19, "rules[5].resources[0].resources",
                "resources [deployments] of group \"apps\" does not include pods");
    kap_explanation_free(e);

    /* the first rule decides: one step */
    q.user = "system:kube-proxy";
    q.verb = "watch";
    e = explain(p, &q);
    ck_assert_uint_eq(kap_explanation_count(e), 1);
    expect_step(e, 0, KAP_CHECK_NONE, 5, "rules[0]", "matches");
    ck_assert_int_eq(kap_explanation_decision(e)->level, KAP_LEVEL_NONE);
    kap_explanation_free(e);
    kap_policy_free(p);
}
END_TEST

START_TEST(no_rule_decides)
{
    kap_policy *p = load("apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [Panic, Panic]\n"
                         "omitManagedFields: true\nrules:\n"
                         "- level: Metadata\n  verbs: [get]\n"
                         "- level: Request\n  nonResourceURLs: [/x]\n");
    kap_request q = KAP_REQUEST_INIT;
    q.verb = "list";
    q.path = "/y";
    kap_explanation *e = explain(p, &q);
    ck_assert_uint_eq(kap_explanation_count(e), 2);
    expect_step(e, 0, KAP_CHECK_VERBS, 7, "rules[0].verbs", "verbs [get] does not include list");
    expect_step(e, 1, KAP_CHECK_NON_RESOURCE_URLS, 9, "rules[1].nonResourceURLs",
                "nonResourceURLs [/x] does not match /y");
    const kap_decision *d = kap_explanation_decision(e);
    ck_assert_int_eq(d->rule, -1);
    ck_assert_int_eq(d->level, KAP_LEVEL_NONE);
    ck_assert_uint_eq(d->omit_stages, KAP_STAGE_PANIC);
    ck_assert_int_eq(d->omit_managed_fields, 1);
    kap_explanation_free(e);
    kap_policy_free(p);
}
END_TEST

START_TEST(groups_wildcards_and_entries)
{
    kap_policy *p = load("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"
                         "- level: None\n" /* 4: rule 0 */
                         "  resources:\n"
                         "  - group: \"\"\n"
                         "    resources: [\"pods/*\", \"*/status\"]\n" /* 7 */
                         "  - group: \"\"\n"
                         "    resources: [configmaps]\n"
                         "- level: Request\n" /* 10: rule 1 */
                         "  resources:\n"
                         "  - group: \"*\"\n"
                         "    resources: [secrets]\n" /* 13 */
                         "- level: Metadata\n"       /* 14: rule 2 */
                         "  resources:\n"
                         "  - {group: \"\", resources: [services], resourceNames: [x]}\n" /* 16 */
                         "  - {group: \"\", resources: [services], resourceNames: [w]}\n");
    kap_request q = KAP_REQUEST_INIT;
    q.verb = "get";
    q.resource_request = 1;
    q.resource = "services";
    q.subresource = "proxy";
    q.name = "z";
    kap_explanation *e = explain(p, &q);
    ck_assert_int_eq(kap_explanation_decision(e)->rule, -1);
    expect_step(e, 0, KAP_CHECK_RESOURCES, 7, "rules[0].resources[0].resources",
                "resources [pods/*, */status] of group \"\" does not include services/proxy, nor do the rule's other "
                "entries for that group");
    expect_step(e, 1, KAP_CHECK_RESOURCES, 13, "rules[1].resources[0].resources",
                "resources [secrets] of group \"*\" does not include services/proxy");
    expect_step(e, 2, KAP_CHECK_RESOURCES, 16, "rules[2].resources[0].resources",
                "resources [services] of group \"\" does not include services/proxy, nor do the rule's other entries "
                "for that group");
    kap_explanation_free(e);
    q.subresource = "";
    e = explain(p, &q);
    /* the first entry whose resource matched names the names */
    expect_step(e, 2, KAP_CHECK_RESOURCES, 16, "rules[2].resources[0].resourceNames",
                "resourceNames [x] does not include z (for services)");
    kap_explanation_free(e);
    q.name = "w";
    e = explain(p, &q);
    expect_step(e, 2, KAP_CHECK_NONE, 14, "rules[2]", "matches");
    kap_explanation_free(e);
    /* the group "*" takes every group (1.36) */
    q.api_group = "apps";
    q.resource = "secrets";
    e = explain(p, &q);
    expect_step(e, 0, KAP_CHECK_RESOURCES, 6, "rules[0].resources",
                "resources has no entry for API group \"apps\" (its groups: \"\", \"\")");
    expect_step(e, 1, KAP_CHECK_NONE, 10, "rules[1]", "matches");
    kap_explanation_free(e);
    /* a star-slash-status entry takes any resource's status; pods-slash-star takes pods itself */
    q.api_group = "";
    q.resource = "nodes";
    q.subresource = "status";
    e = explain(p, &q);
    expect_step(e, 0, KAP_CHECK_NONE, 4, "rules[0]", "matches");
    kap_explanation_free(e);
    q.resource = "pods";
    q.subresource = "";
    e = explain(p, &q);
    expect_step(e, 0, KAP_CHECK_NONE, 4, "rules[0]", "matches");
    kap_explanation_free(e);
    kap_policy_free(p);

    /* before 1.36 the group "*" does not load; the same policy without it
     * shows the entry count once the list is long */
    kap_buf b = {0};
    buf_adds(&b, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  resources:\n");
    for (int i = 0; i < 12; i++)
        buf_printf(&b, "  - group: g%d\n", i);
    p = load(b.s);
    buf_free(&b);
    q.api_group = "apps";
    e = explain(p, &q);
    expect_step(e, 0, KAP_CHECK_RESOURCES, 6, "rules[0].resources",
                "resources has no entry for API group \"apps\" (its groups: \"g0\", \"g1\", \"g2\", \"g3\", \"g4\", "
                "\"g5\", \"g6\", \"g7\", \"g8\", \"g9\", ... (2 more))");
    kap_explanation_free(e);
    q.api_group = "g11";
    e = explain(p, &q);
    expect_step(e, 0, KAP_CHECK_NONE, 4, "rules[0]", "matches");
    kap_explanation_free(e);
    kap_policy_free(p);
}
END_TEST

START_TEST(values_shown_plainly_quoted_or_cut)
{
    kap_buf b = {0};
    buf_adds(&b, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: [");
    for (int i = 0; i < 15; i++)
        buf_printf(&b, "%su%d", i ? ", " : "", i);
    buf_adds(&b, "]\n- level: None\n  verbs: [\"a b\", \"q\\\"x\", \"\", \"t\\tx\", \"caf\xc3\xa9\"]\n"
                 "- level: None\n  userGroups: [g]\n- level: Metadata\n");
    kap_policy *p = load(b.s);
    buf_free(&b);
    const char *groups[12] = {"h0", "h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9", "h10", "h11"};
    char verb[400];
    memset(verb, 'v', 300);
    verb[300] = 0;
    kap_request q = KAP_REQUEST_INIT;
    q.user = "x,y";
    q.groups = groups;
    q.n_groups = 12;
    q.verb = verb;
    kap_explanation *e = explain(p, &q);
    expect_step(e, 0, KAP_CHECK_USERS, 5, "rules[0].users",
                "users [u0, u1, u2, u3, u4, u5, u6, u7, u8, u9, ... (5 more)] does not include \"x,y\"");
    char want[600];
    snprintf(want, sizeof want, "verbs [\"a b\", \"q\\\"x\", \"\", \"t\\tx\", \"caf\xc3\xa9\"] does not include %.200s... (300 bytes)",
             verb);
    expect_step(e, 1, KAP_CHECK_VERBS, 7, "rules[1].verbs", want);
    expect_step(e, 2, KAP_CHECK_USER_GROUPS, 9, "rules[2].userGroups",
                "userGroups [g] includes none of the user's groups [h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, ... (2 more)]");
    kap_explanation_free(e);
    /* a cut never splits a character: "x" and 150 two-byte characters */
    char v2[400] = "x";
    for (int i = 0; i < 150; i++)
        strcat(v2, "\xc3\xa9");
    q.verb = v2;
    e = explain(p, &q);
    const char *r = kap_explanation_get(e, 1)->reason;
    const char *tail = strstr(r, "does not include \"x");
    ck_assert_ptr_nonnull(tail);
    tail += strlen("does not include \"x");
    for (int i = 0; i < 99; i++, tail += 2)
        ck_assert(memcmp(tail, "\xc3\xa9", 2) == 0);
    ck_assert_str_eq(tail, "\"... (301 bytes)");
    kap_explanation_free(e);
    kap_policy_free(p);
}
END_TEST

START_TEST(lengths_and_nul)
{
    kap_policy *p = load("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: [\"a\\0b\"]\n"
                         "- level: Metadata\n  userGroups: [\"g\\0\"]\n- level: Request\n");
    kap_str groups[2] = {{"g", 1}, {"g\0", 2}};
    kap_request_n q = KAP_REQUEST_N_INIT;
    q.user.ptr = "a\0b";
    q.user.len = 3;
    kap_explanation *e = NULL;
    ck_assert_int_eq(kap_policy_explain_n(&e, p, &q), KAP_OK);
    ck_assert_int_eq(kap_explanation_decision(e)->rule, 0);
    kap_explanation_free(e);
    q.user.len = 1;
    q.groups = groups;
    q.n_groups = 1;
    ck_assert_int_eq(kap_policy_explain_n(&e, p, &q), KAP_OK);
    ck_assert_int_eq(kap_explanation_decision(e)->rule, 2);
    expect_step(e, 0, KAP_CHECK_USERS, 5, "rules[0].users", "users [\"a\\x00b\"] does not include a");
    expect_step(e, 1, KAP_CHECK_USER_GROUPS, 7, "rules[1].userGroups",
                "userGroups [\"g\\x00\"] includes none of the user's groups [g]");
    kap_explanation_free(e);
    q.n_groups = 2;
    ck_assert_int_eq(kap_policy_explain_n(&e, p, &q), KAP_OK);
    ck_assert_int_eq(kap_explanation_decision(e)->rule, 1);
    kap_explanation_free(e);
    /* groups NULL with a count: none */
    q.groups = NULL;
    ck_assert_int_eq(kap_policy_explain_n(&e, p, &q), KAP_OK);
    ck_assert_int_eq(kap_explanation_decision(e)->rule, 2);
    kap_explanation_free(e);
    kap_request c = KAP_REQUEST_INIT;
    c.user = "u";
    c.n_groups = 3;
    ck_assert_int_eq(kap_policy_explain(&e, p, &c), KAP_OK);
    ck_assert_int_eq(kap_explanation_decision(e)->rule, 2);
    kap_explanation_free(e);
    /* more than a few groups */
    const char *many[20];
    for (int i = 0; i < 20; i++)
        many[i] = "x";
    c.groups = many;
    c.n_groups = 20;
    ck_assert_int_eq(kap_policy_explain(&e, p, &c), KAP_OK);
    expect_step(e, 1, KAP_CHECK_USER_GROUPS, 7, "rules[1].userGroups",
                "userGroups [\"g\\x00\"] includes none of the user's groups [x, x, x, x, x, x, x, x, x, x, ... (10 more)]");
    kap_explanation_free(e);
    kap_str gn[20];
    for (int i = 0; i < 20; i++)
        gn[i] = groups[1];
    q.groups = gn;
    q.n_groups = 20;
    ck_assert_int_eq(kap_policy_explain_n(&e, p, &q), KAP_OK);
    ck_assert_int_eq(kap_explanation_decision(e)->rule, 1);
    kap_explanation_free(e);
    kap_policy_free(p);
}
END_TEST

START_TEST(bad_arguments_and_names)
{
    kap_policy *p = load("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n");
    kap_request q = KAP_REQUEST_INIT;
    kap_request_n qn = KAP_REQUEST_N_INIT;
    kap_explanation *e = (kap_explanation *)&q;
    ck_assert_int_eq(kap_policy_explain(&e, NULL, &q), KAP_EARG);
    ck_assert_ptr_null(e);
    ck_assert_int_eq(kap_policy_explain(&e, p, NULL), KAP_EARG);
    ck_assert_int_eq(kap_policy_explain(NULL, p, &q), KAP_EARG);
    ck_assert_int_eq(kap_policy_explain_n(&e, NULL, &qn), KAP_EARG);
    ck_assert_int_eq(kap_policy_explain_n(&e, p, NULL), KAP_EARG);
    ck_assert_int_eq(kap_policy_explain_n(NULL, p, &qn), KAP_EARG);
    q.version = 0;
    qn.version = 0;
    ck_assert_int_eq(kap_policy_explain(&e, p, &q), KAP_EARG);
    ck_assert_int_eq(kap_policy_explain_n(&e, p, &qn), KAP_EARG);
    ck_assert_ptr_null(kap_explanation_decision(NULL));
    ck_assert_uint_eq(kap_explanation_count(NULL), 0);
    ck_assert_ptr_null(kap_explanation_get(NULL, 0));
    kap_explanation_free(NULL);
    static const char *const names[] = {"none",       "users",     "userGroups", "verbs",          "resourceScope",
                                        "namespaces", "resources", "urlScope",   "nonResourceURLs"};
    for (int i = 0; i <= KAP_CHECK_NON_RESOURCE_URLS; i++)
        ck_assert_str_eq(kap_check_name((kap_check)i), names[i]);
    ck_assert_ptr_null(kap_check_name((kap_check)9));
    ck_assert_ptr_null(kap_check_name((kap_check)-1));
    kap_policy_free(p);
}
END_TEST

/* JSON policies carry positions too. */
START_TEST(json_policy_lines)
{
    kap_policy *p = load("{\"apiVersion\": \"audit.k8s.io/v1\", \"kind\": \"Policy\", \"rules\": [\n"
                         "  {\"level\": \"None\",\n"
                         "   \"verbs\": [\"watch\"]},\n"
                         "  {\"level\": \"Metadata\"}]}\n");
    kap_request q = KAP_REQUEST_INIT;
    q.verb = "get";
    kap_explanation *e = explain(p, &q);
    const kap_explain_step *s = kap_explanation_get(e, 0);
    ck_assert_uint_eq(s->line, 3);
    ck_assert_uint_eq(s->column, 13);
    expect_step(e, 1, KAP_CHECK_NONE, 4, "rules[1]", "matches");
    kap_explanation_free(e);
    kap_policy_free(p);
}
END_TEST

/* ---- URLs through request-info into explain ------------------------------- */

static const char URL_POLICY[] = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"
                                 "- level: None\n" /* 0 */
                                 "  nonResourceURLs: [\"/healthz*\", \"/livez*\", \"/readyz*\", /version]\n"
                                 "- level: Request\n" /* 1 */
                                 "  verbs: [watch]\n"
                                 "- level: RequestResponse\n" /* 2 */
                                 "  resources: [{group: \"\", resources: [\"pods/log\", \"pods/exec\"]}]\n"
                                 "- level: RequestResponse\n" /* 3 */
                                 "  namespaces: [default]\n"
                                 "  resources: [{group: apps, resources: [\"deployments/scale\"]}]\n"
                                 "- level: Metadata\n" /* 4 */
                                 "  resources: [{group: \"\", resources: [namespaces], resourceNames: [kube-system]}]\n"
                                 "- level: Request\n" /* 5 */
                                 "  verbs: [delete, deletecollection]\n"
                                 "- level: Metadata\n" /* 6 */
                                 "  resources: [{group: rbac.authorization.k8s.io}]\n"
                                 "- level: None\n" /* 7 */
                                 "  namespaces: [\"\"]\n"
                                 "  verbs: [list, get]\n"
                                 "- level: Request\n" /* 8 */
                                 "  verbs: [get, post]\n"
                                 "  nonResourceURLs: [\"/*\"]\n"
                                 "- level: Metadata\n"; /* 9 */

static const struct {
    const char *method, *url;
    int rule;
    kap_check first; /* what rejected rule 0 */
} URLS[] = {
    {"GET", "/api/v1/namespaces/default/pods/web/log", 2, KAP_CHECK_URL_SCOPE},      /* example 1 */
    {"POST", "/api/v1/namespaces/default/pods/web/exec?command=ls", 2, KAP_CHECK_URL_SCOPE},
    {"GET", "/api/v1/namespaces/default/pods/web/exec?command=ls", 2, KAP_CHECK_URL_SCOPE},
    {"GET", "/api/v1/namespaces/default/pods", 9, KAP_CHECK_URL_SCOPE},               /* example 2: list in default */
    {"GET", "/api/v1/pods", 7, KAP_CHECK_URL_SCOPE},                                  /* example 3: namespace "" */
    {"GET", "/api/v1/pods?watch=true", 1, KAP_CHECK_URL_SCOPE},                       /* example 37 */
    {"GET", "/api/v1/watch/namespaces/default/pods", 1, KAP_CHECK_URL_SCOPE},         /* example 63 */
    {"GET", "/api/v1/pods?watch=false", 7, KAP_CHECK_URL_SCOPE},                      /* example 38 */
    {"PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale", 3, KAP_CHECK_URL_SCOPE}, /* 23 */
    {"PATCH", "/apis/apps/v1/namespaces/prod/deployments/web/scale", 9, KAP_CHECK_URL_SCOPE},
    {"GET", "/api/v1/namespaces/kube-system", 4, KAP_CHECK_URL_SCOPE},                /* example 29 */
    {"GET", "/api/v1/namespaces?fieldSelector=metadata.name%3Dkube-system", 4, KAP_CHECK_URL_SCOPE},
    {"DELETE", "/api/v1/namespaces/default/pods", 5, KAP_CHECK_URL_SCOPE},            /* example 11 */
    {"DELETE", "/api/v1/namespaces/default/pods/web", 5, KAP_CHECK_URL_SCOPE},        /* example 10 */
    {"GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin", 6, KAP_CHECK_URL_SCOPE}, /* 24 */
    {"GET", "/api/v1/nodes/n1", 7, KAP_CHECK_URL_SCOPE},                              /* example 16 */
    {"GET", "/healthz", 0, KAP_CHECK_NONE},                                           /* example 70 */
    {"GET", "/livez?verbose", 0, KAP_CHECK_NONE},                                     /* example 78 */
    {"POST", "/metrics", 8, KAP_CHECK_NON_RESOURCE_URLS},
    {"PUT", "/metrics", 9, KAP_CHECK_NON_RESOURCE_URLS},
    {"GET", "/api/v1", 8, KAP_CHECK_NON_RESOURCE_URLS},                              /* example 74 */
    {"GET", "/apis/v1/pods", 8, KAP_CHECK_NON_RESOURCE_URLS},                        /* example 76 */
    {"get", "/api/v1/pods", 9, KAP_CHECK_URL_SCOPE},                                  /* example 20: verb "" */
    {"GET", "/api/v1/namespaces/default/pods%3Fwatch=1", 9, KAP_CHECK_URL_SCOPE},     /* example 95 */
};

START_TEST(urls_explained)
{
    kap_policy *p = load(URL_POLICY);
    kap_requestinfo *ri;
    ck_assert_int_eq(kap_requestinfo_new(&ri), KAP_OK);
    const char *groups[] = {"system:authenticated"};
    for (size_t i = 0; i < sizeof URLS / sizeof URLS[0]; i++) {
        kap_request_n q;
        int rc = kap_requestinfo_parse_n(ri, URLS[i].method, strlen(URLS[i].method), URLS[i].url, strlen(URLS[i].url),
                                         &q);
        ck_assert_int_eq(rc, KAP_OK);
        kap_str g = {groups[0], strlen(groups[0])};
        q.user.ptr = "alice";
        q.user.len = 5;
        q.groups = &g;
        q.n_groups = 1;
        kap_explanation *e = NULL;
        ck_assert_int_eq(kap_policy_explain_n(&e, p, &q), KAP_OK);
        kap_decision want;
        kap_policy_match_reference_n(p, &q, &want);
        ck_assert(memcmp(kap_explanation_decision(e), &want, sizeof want) == 0);
        ck_assert_msg(want.rule == URLS[i].rule, "%s %s: rule %d, want %d", URLS[i].method, URLS[i].url, want.rule,
                      URLS[i].rule);
        ck_assert_int_eq(kap_explanation_get(e, 0)->check, URLS[i].first);
        kap_explanation_free(e);
    }
    kap_requestinfo_free(ri);
    kap_policy_free(p);
}
END_TEST

/* ---- random policies: the reference's decision, the checks' order -------- */

/* The position given for a rejection is where the generator wrote that
 * field: the line holds its key and the column its value. */
static void expect_position(const char *text, const kap_explain_step *s)
{
    static const char *const keys[] = {NULL,   "users:", "userGroups:", "verbs:", NULL, "namespaces:",
                                       NULL, NULL,     "nonResourceURLs:"};
    const char *key = keys[s->check];
    if (!key)
        return;
    const char *line = text;
    for (unsigned l = 1; l < s->line && line; l++) {
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    ck_assert_ptr_nonnull(line);
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    int has_key = 0;
    for (size_t i = 0; i + strlen(key) <= len && !has_key; i++)
        has_key = memcmp(line + i, key, strlen(key)) == 0;
    ck_assert_msg(len > s->column && has_key && line[s->column - 1] == '[',
                  "%s at %u:%u: %.*s", s->field, s->line, s->column, (int)len, line);
}

/* Changes the request so that rule r passes check c (where the rule's first
 * value allows). Returns 0 when it cannot. */
static int satisfy(const crule *r, kap_check c, pg_request *q)
{
    switch (c) {
    case KAP_CHECK_USERS:
        q->user = r->users.v[0].s;
        return 1;
    case KAP_CHECK_USER_GROUPS:
        if (!q->user)
            q->user = "someone";
        q->groups[0] = r->groups.v[0].s;
        if (!q->n_groups)
            q->n_groups = 1;
        return 1;
    case KAP_CHECK_VERBS:
        q->verb = r->verbs.v[0].s;
        return 1;
    case KAP_CHECK_RESOURCE_SCOPE:
        q->res = 1;
        return 1;
    case KAP_CHECK_NAMESPACES:
        q->ns = r->namespaces.v[0].s;
        return 1;
    case KAP_CHECK_URL_SCOPE:
        q->res = 0;
        return 1;
    default:
        return 0; /* the last check of its branch */
    }
}

static int order_of(kap_check c)
{
    return c == KAP_CHECK_NONE ? 100 : (int)c;
}

static void random_run(uint64_t seed, unsigned policies, unsigned max_rules, unsigned requests, unsigned kube)
{
    pg_rng rng = {seed};
    pg_buf b = {0};
    kap_options o;
    kap_options_init(&o);
    o.kube_minor = kube;
    unsigned steps = 0, advanced = 0, decided = 0, total = 0;
    unsigned seen[KAP_CHECK_NON_RESOURCE_URLS + 1] = {0};
    for (unsigned i = 0; i < policies; i++) {
        pg_policy(&b, &rng, 1 + pg_below(&rng, max_rules), pg_chance(&rng, 50));
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        int rc = kap_policy_load_buffer(&p, b.s, b.len, "random.yaml", &o, &d);
        kap_diagnostics_free(d);
        if (rc != KAP_OK) {
            ck_assert_uint_lt(kube, 36); /* group "*" before 1.36 */
            continue;
        }
        for (unsigned k = 0; k < requests; k++) {
            pg_request g;
            pg_random_request(&rng, &g);
            kap_request q = pg_to_request(&g);
            kap_decision ref;
            ck_assert_int_eq(kap_policy_match_reference(p, &q, &ref), KAP_OK);
            kap_explanation *e = NULL;
            ck_assert_int_eq(kap_policy_explain(&e, p, &q), KAP_OK);
            if (memcmp(kap_explanation_decision(e), &ref, sizeof ref) != 0)
                ck_abort_msg("policy %u request %u: explain decides rule %d, the reference %d\n%s", i, k,
                             kap_explanation_decision(e)->rule, ref.rule, b.s);
            size_t n = kap_explanation_count(e);
            ck_assert_uint_eq(n, ref.rule >= 0 ? (size_t)ref.rule + 1 : p->nrules);
            total++;
            decided += ref.rule >= 0;
            for (size_t s = 0; s < n; s++) {
                const kap_explain_step *st = kap_explanation_get(e, s);
                ck_assert_int_eq(st->matched, ref.rule == (int)s);
                ck_assert_int_eq(st->matched, st->check == KAP_CHECK_NONE);
                ck_assert_ptr_nonnull(st->reason);
                ck_assert(strchr(st->reason, '\n') == NULL);
                seen[st->check]++;
                if (st->matched)
                    continue;
                steps++;
                expect_position(b.s, st);
                /* passing the rejecting check moves the rule on to a later one */
                pg_request g2 = g;
                if (!satisfy(&p->rules[s], st->check, &g2))
                    continue;
                kap_request q2 = pg_to_request(&g2);
                kap_explanation *e2 = NULL;
                ck_assert_int_eq(kap_policy_explain(&e2, p, &q2), KAP_OK);
                const kap_explain_step *st2 = kap_explanation_get(e2, s);
                if (st2) {
                    ck_assert_msg(order_of(st2->check) > order_of(st->check),
                                  "policy %u request %u rule %zu: after passing %s, %s rejects it\n%s", i, k, s,
                                  kap_check_name(st->check), kap_check_name(st2->check), b.s);
                    advanced++;
                }
                kap_explanation_free(e2);
            }
            kap_explanation_free(e);
        }
        kap_policy_free(p);
    }
    free(b.s);
    printf("explain (1.%u): %u requests (%u decided by a rule), %u rejections, %u re-checked\n", kube, total, decided,
           steps, advanced);
    /* every check was exercised */
    for (int c = 0; c <= KAP_CHECK_NON_RESOURCE_URLS; c++)
        ck_assert_msg(seen[c] > 0, "check %s never seen", kap_check_name((kap_check)c));
    ck_assert_uint_gt(advanced, steps / 4);
}

START_TEST(random_policies_agree_with_the_reference)
{
    /* KAP_TEST_QUICK (valgrind in CI): a tenth of the policies */
    unsigned scale = getenv("KAP_TEST_QUICK") ? 10 : 1;
    random_run(0x13e, 1500 / scale, 24, 20, 36);
    random_run(0x13f, 300 / scale, 12, 20, 35);
}
END_TEST

/* ---- allocation failures --------------------------------------------------- */

extern long kap_test_alloc_countdown;
extern int kap_test_alloc_failed;

START_TEST(allocation_failures)
{
    kap_policy *p = load(POLICY);
    const char *groups[12] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"};
    kap_request q = KAP_REQUEST_INIT;
    q.user = "alice";
    q.groups = groups;
    q.n_groups = 12;
    q.verb = "get";
    q.resource = "pods";
    q.resource_request = 1;
    int done = 0;
    for (long n = 1; n < 400 && !done; n++) {
        kap_explanation *e = NULL;
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        int rc = kap_policy_explain(&e, p, &q);
        int failed = kap_test_alloc_failed;
        kap_test_alloc_countdown = 0;
        if (failed) {
            ck_assert_msg(rc == KAP_ENOMEM, "allocation %ld failed: status %d", n, rc);
            ck_assert_ptr_null(e);
        } else {
            ck_assert_int_eq(rc, KAP_OK);
            ck_assert_uint_eq(kap_explanation_count(e), 8);
            done = 1;
        }
        kap_explanation_free(e);
    }
    ck_assert(done);
    kap_policy_free(p);
    /* a load that fails while keeping positions cleans up */
    done = 0;
    for (long n = 1; n < 4000 && !done; n++) {
        kap_policy *lp = NULL;
        kap_diagnostics *d = NULL;
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        int rc = load_str(URL_POLICY, &lp, &d);
        int failed = kap_test_alloc_failed;
        kap_test_alloc_countdown = 0;
        ck_assert_int_eq(rc, failed ? KAP_ENOMEM : KAP_OK);
        done = !failed;
        kap_policy_free(lp);
        kap_diagnostics_free(d);
    }
    ck_assert(done);
}
END_TEST

/* The real policies of bench/data, each with the requests of a real audit
 * log (bench/data): explain agrees with the matcher on every one. */
START_TEST(real_policies_and_requests)
{
    static const char *const policies[] = {"bench/data/gce-configure-helper.yaml", "bench/data/kubespray-default.yaml",
                                           "bench/data/openshift-default.yaml", "examples/policy.yaml"};
    char path[4096];
    snprintf(path, sizeof path, "%s/bench/data/audit-log-requests.jsonl", src_dir);
    size_t len;
    char *reqs = read_whole(path, &len);
    if (!reqs) {
        snprintf(path, sizeof path, "%s/examples/requests.jsonl", src_dir);
        reqs = read_whole(path, &len);
    }
    ck_assert_ptr_nonnull(reqs);
    kap_request_reader *r;
    ck_assert_int_eq(kap_request_reader_new(&r), KAP_OK);
    unsigned checked = 0;
    for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", src_dir, policies[i]);
        kap_policy *p = NULL;
        ck_assert_int_eq(kap_policy_load(&p, path, NULL, NULL), KAP_OK);
        for (char *line = reqs; *line;) {
            char *nl = strchr(line, '\n');
            size_t n = nl ? (size_t)(nl - line) : strlen(line);
            kap_request_n q;
            if (n && kap_request_reader_parse_n(r, line, n, &q) == KAP_OK) {
                kap_explanation *e = NULL;
                kap_decision want;
                ck_assert_int_eq(kap_policy_explain_n(&e, p, &q), KAP_OK);
                kap_policy_match_n(p, &q, &want);
                ck_assert(memcmp(kap_explanation_decision(e), &want, sizeof want) == 0);
                kap_explanation_free(e);
                checked++;
            }
            line += n + (nl ? 1 : 0);
        }
        kap_policy_free(p);
    }
    printf("explain: %u requests of real policies\n", checked);
    ck_assert_uint_gt(checked, 10);
    kap_request_reader_free(r);
    free(reqs);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1)
        src_dir = argv[1];
    Suite *s = suite_create("explain");
    TCase *tc = tcase_create("explain");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, reasons_of_every_check);
    tcase_add_test(tc, no_rule_decides);
    tcase_add_test(tc, groups_wildcards_and_entries);
    tcase_add_test(tc, values_shown_plainly_quoted_or_cut);
    tcase_add_test(tc, lengths_and_nul);
    tcase_add_test(tc, bad_arguments_and_names);
    tcase_add_test(tc, json_policy_lines);
    tcase_add_test(tc, urls_explained);
    tcase_add_test(tc, random_policies_agree_with_the_reference);
    tcase_add_test(tc, allocation_failures);
    tcase_add_test(tc, real_policies_and_requests);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
