/* The analysis stage, check by check, on small policies whose findings are
 * written out here from what each check must say (docs/lint.md). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kap.h"
#include "witness_url.h"

#define HEAD "apiVersion: audit.k8s.io/v1\nkind: Policy\n"

static kap_analysis *lint_v(const char *text, unsigned minor, int want_rc)
{
    kap_options o;
    kap_options_init(&o);
    o.kube_minor = minor;
    kap_analysis *a = NULL;
    int rc = kap_analyze_buffer(&a, text, strlen(text), "t.yaml", &o, NULL);
    ck_assert_int_eq(rc, want_rc);
    ck_assert_ptr_nonnull(a);
    return a;
}

static kap_analysis *lint(const char *text) { return lint_v(text, 36, KAP_OK); }

/* The finding of a check at a line (0: any line), or NULL. */
static const kap_finding *find(const kap_analysis *a, const char *id, unsigned line)
{
    for (size_t i = 0; i < kap_analysis_count(a); i++) {
        const kap_finding *f = kap_analysis_get(a, i);
        if (strcmp(f->id, id) == 0 && (!line || f->line == line))
            return f;
    }
    return NULL;
}

static size_t count(const kap_analysis *a, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < kap_analysis_count(a); i++)
        n += strcmp(kap_analysis_get(a, i)->id, id) == 0;
    return n;
}

/* Findings above info. */
static size_t serious(const kap_analysis *a)
{
    size_t n = 0;
    for (size_t i = 0; i < kap_analysis_count(a); i++)
        n += kap_analysis_get(a, i)->severity != KAP_SEVERITY_INFO;
    return n;
}

static const kap_finding *must(const kap_analysis *a, const char *id, unsigned line, unsigned col,
                               kap_severity sev, const char *message_part)
{
    const kap_finding *f = NULL;
    for (size_t i = 0; i < kap_analysis_count(a) && !f; i++) {
        const kap_finding *g = kap_analysis_get(a, i);
        if (strcmp(g->id, id) == 0 && g->line == line && strstr(g->message, message_part))
            f = g;
    }
    ck_assert_msg(f != NULL, "no %s finding at line %u saying \"%s\"", id, line, message_part);
    ck_assert_uint_eq(f->column, col);
    ck_assert_int_eq(f->severity, sev);
    ck_assert_msg(strstr(f->message, message_part), "message of %s: \"%s\" lacks \"%s\"", id, f->message,
                  message_part);
    return f;
}

static void witness_is(const kap_analysis *a, size_t rule, const char *json)
{
    char buf[2048];
    size_t n = kap_analysis_witness_json(a, rule, buf, sizeof buf);
    ck_assert_uint_gt(n, 0);
    ck_assert_str_eq(buf, json);
}

/* ---- ignored keys -------------------------------------------------------------- */

START_TEST(ignored_verbs_in_resources)
{
    /* the Datadog documentation's mistake (Kubernetes issue #110116) */
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: RequestResponse\n"
                                "  resources:\n"
                                "  - group: \"\"\n"
                                "    resources: [\"pods\"]\n"
                                "    verbs: [\"create\", \"delete\"]\n"
                                "- level: Metadata\n"
                                "  omitStages: [RequestReceived]\n");
    const kap_finding *f = must(a, "ignored-key", 8, 5, KAP_SEVERITY_ERROR,
                                "kube-apiserver ignores the key \"verbs\" in a resources entry, so this rule matches "
                                "every verb");
    ck_assert_int_eq(f->rule, 0);
    ck_assert_str_eq(f->field, "rules[0].resources[0].verbs");
    ck_assert_ptr_nonnull(strstr(f->hint, "move verbs up to the rule"));
    ck_assert_uint_eq(serious(a), 1);
    kap_analysis_free(a);
}
END_TEST

START_TEST(ignored_resource_singular)
{
    /* OpenShift's profiles: resource for resources */
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"
                                "  resources:\n"
                                "  - group: \"machineconfiguration.openshift.io\"\n"
                                "    resource: [\"machineconfigs\"]\n"
                                "- level: Metadata\n");
    const kap_finding *f =
        must(a, "ignored-key", 7, 5, KAP_SEVERITY_ERROR,
             "so this entry matches every resource of the API group \"machineconfiguration.openshift.io\"");
    ck_assert_str_eq(f->hint, "write \"resources\"");
    kap_analysis_free(a);
}
END_TEST

START_TEST(ignored_rule_keys)
{
    kap_analysis *a = lint(HEAD "omitStage: [\"RequestReceived\"]\n" /* 3 */
                                "rules:\n"                          /* 4 */
                                "- level: None\n"                   /* 5 */
                                "  verb: [\"get\"]\n"               /* 6 */
                                "  namespace: [\"kube-system\"]\n"  /* 7 */
                                "  resources:\n"                    /* 8 */
                                "  - group: \"\"\n"                 /* 9 */
                                "    resources: [\"pods\"]\n"       /* 10 */
                                "  resourceNames: [\"a\"]\n"        /* 11 */
                                "- level: None\n"                   /* 12 */
                                "  nonResourceURL: [\"/healthz\"]\n" /* 13 */
                                "  user: [\"alice\"]\n"             /* 14 */
                                "  userGroup: [\"system:nodes\"]\n" /* 15 */
                                "- level: Metadata\n"               /* 16 */
                                "  foo: 1\n"                        /* 17 */
                                "metadata:\n"                       /* 18 */
                                "  bar: x\n");                      /* 19 */
    const kap_finding *f = must(a, "ignored-key", 3, 1, KAP_SEVERITY_ERROR, "so no stage is omitted policy-wide");
    ck_assert_str_eq(f->hint, "write \"omitStages\"");
    ck_assert_int_eq(f->rule, -1);
    must(a, "ignored-key", 6, 3, KAP_SEVERITY_ERROR, "the key \"verb\" in a rule, so this rule matches every verb");
    must(a, "ignored-key", 7, 3, KAP_SEVERITY_ERROR, "so this rule matches every namespace");
    f = must(a, "ignored-key", 11, 3, KAP_SEVERITY_ERROR, "so this rule matches objects of every name");
    ck_assert_str_eq(f->hint, "write resourceNames inside an entry of resources");
    must(a, "ignored-key", 13, 3, KAP_SEVERITY_ERROR, "so this rule matches every request, resource or not");
    must(a, "ignored-key", 14, 3, KAP_SEVERITY_ERROR, "so this rule matches every user");
    must(a, "ignored-key", 15, 3, KAP_SEVERITY_ERROR, "so this rule matches every user group");
    f = must(a, "ignored-key", 17, 3, KAP_SEVERITY_WARNING, "the key \"foo\" in a rule, so it has no effect");
    ck_assert_ptr_nonnull(strstr(f->hint, "a rule's keys are level, users"));
    must(a, "ignored-key", 19, 3, KAP_SEVERITY_WARNING, "the key \"bar\" in metadata, so it has no effect");
    ck_assert_uint_eq(count(a, "ignored-key"), 9);
    kap_analysis_free(a);
}
END_TEST

START_TEST(ignored_keys_other_places)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"                 /* 4 */
                                "  resources:\n"                  /* 5 */
                                "  - apiGroups: [\"apps\"]\n"     /* 6 */
                                "    resources: [\"deployments\"]\n" /* 7 */
                                "  - group: \"batch\"\n"          /* 8 */
                                "    level: Request\n"            /* 9 */
                                "  group: \"apps\"\n"             /* 10 */
                                "- level: Metadata\n");
    const kap_finding *f = must(a, "ignored-key", 6, 5, KAP_SEVERITY_ERROR,
                                "so this entry selects the core API group (\"\") only");
    ck_assert_ptr_nonnull(strstr(f->hint, "one API group per entry"));
    f = must(a, "ignored-key", 9, 5, KAP_SEVERITY_ERROR, "the key \"level\" in a resources entry, and the rule's own "
                                                       "level applies");
    ck_assert_str_eq(f->hint, "change the rule's own level, or delete it (a resources entry has only group, resources "
                              "and resourceNames)");
    must(a, "ignored-key", 10, 3, KAP_SEVERITY_ERROR, "API groups are given inside each resources entry");
    kap_analysis_free(a);
}
END_TEST

/* The values an ignored key is compared with, of every shape: null, not
 * strings, the level, omitManagedFields on the rule and the policy, a
 * group left out (""), a resources key on a rule without entries */
START_TEST(ignored_key_value_shapes)
{
    kap_analysis *a = lint(HEAD "omitManagedFields: true\n"
                                "rules:\n"
                                "- level: Metadata\n"
                                "  verbs: [get]\n"
                                "  resources:\n"
                                "  - resources: [pods]\n"
                                "    verbs: null\n"
                                "    level: Metadata\n"
                                "    omitManagedFields: true\n"
                                "  - group: \"\"\n"
                                "    resources: [secrets]\n"
                                "    verbs: [7]\n"
                                "    level: None\n"
                                "- level: None\n"
                                "  group: \"\"\n"
                                "  resourceNames: []\n"
                                "- level: Request\n"
                                "  resources:\n"
                                "  - resources: [nodes]\n"
                                "  group: \"\"\n"
                                "  resourceNames: [a]\n");
    must(a, "ignored-key", 9, 5, KAP_SEVERITY_ERROR, "the rule's own verbs applies"); /* null: every verb */
    must(a, "ignored-key", 10, 5, KAP_SEVERITY_WARNING, "the rule already has the same level");
    must(a, "ignored-key", 11, 5, KAP_SEVERITY_WARNING,
         "the policy-wide omitManagedFields, which the rule takes, is already true");
    must(a, "ignored-key", 14, 5, KAP_SEVERITY_ERROR, "");
    must(a, "ignored-key", 15, 5, KAP_SEVERITY_ERROR, "the rule's own level applies");
    must(a, "ignored-key", 17, 3, KAP_SEVERITY_ERROR, "");
    must(a, "ignored-key", 22, 3, KAP_SEVERITY_WARNING, "every resources entry of the rule already has the same group");
    must(a, "ignored-key", 23, 3, KAP_SEVERITY_ERROR, "so this rule matches objects of every name");
    kap_analysis_free(a);
}
END_TEST

/* The hint where the rule already has the key an entry repeats: merge the
 * lists, change the scalars; every rule key */
START_TEST(ignored_key_rule_has_its_own)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: Metadata\n"
                                "  users: [a]\n"
                                "  userGroups: [g]\n"
                                "  namespaces: [ns]\n"
                                "  omitStages: [RequestReceived]\n"
                                "  omitManagedFields: false\n"
                                "  resources:\n"
                                "  - resources: [pods]\n"
                                "    users: [b]\n"
                                "    userGroups: [h]\n"
                                "    namespaces: [m]\n"
                                "    omitStages: [Panic]\n"
                                "    omitManagedFields: true\n"
                                "- level: None\n"
                                "  resources:\n"
                                "  - resources: [nodes]\n"
                                "    omitManagedFields: true\n"
                                "    namespaces: [x]\n");
    static const struct {
        unsigned line;
        const char *hint;
    } want[] = {
        {12, "merge it into the rule's own users, or delete it"},
        {13, "merge it into the rule's own userGroups, or delete it"},
        {14, "merge it into the rule's own namespaces, or delete it"},
        {15, "merge it into the rule's own omitStages, or delete it"},
        {16, "change the rule's own omitManagedFields, or delete it"},
        {20, "move omitManagedFields up to the rule"},
        {21, "move namespaces up to the rule"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const kap_finding *f = NULL;
        for (size_t k = 0; k < kap_analysis_count(a) && !f; k++) {
            const kap_finding *g = kap_analysis_get(a, k);
            if (!strcmp(g->id, "ignored-key") && g->line == want[i].line)
                f = g;
        }
        ck_assert_msg(f != NULL, "no ignored-key at line %u", want[i].line);
        ck_assert_msg(strstr(f->hint, want[i].hint) == f->hint, "line %u: %s", want[i].line, f->hint);
    }
    kap_analysis_free(a);
}
END_TEST

/* The ignored value found in JSON with the key twice (each judged by its
 * own value), at the top level, and as a number */
START_TEST(ignored_key_values_found)
{
    kap_analysis *a = lint("{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\",\n"
                           "\"omitStages\":[\"RequestReceived\"],\"omitStage\":[\"RequestReceived\"],\n"
                           "\"omitManagedFields\":true,\"omitManagedField\":false,\n"
                           "\"rules\":[{\"level\":\"None\",\"verbs\":[\"get\"],\"resources\":[\n"
                           "{\"resources\":[\"pods\"],\"verbs\":[\"get\"],\"verbs\":[\"list\"]},\n"
                           "{\"resources\":[\"nodes\"],\"verbs\":5}]}]}\n");
    must(a, "ignored-key", 2, 34, KAP_SEVERITY_WARNING, "the policy already has the same omitStages");
    must(a, "ignored-key", 3, 26, KAP_SEVERITY_ERROR, "omitManagedField");
    must(a, "ignored-key", 5, 23, KAP_SEVERITY_WARNING, "the rule already has the same verbs");
    must(a, "ignored-key", 5, 39, KAP_SEVERITY_ERROR, "the rule's own verbs applies");
    must(a, "ignored-key", 6, 24, KAP_SEVERITY_ERROR, "the rule's own verbs applies");
    kap_analysis_free(a);
}
END_TEST

/* Keys of an entry written on the rule, compared with every entry; null
 * and other kinds of values */
START_TEST(ignored_key_on_the_rule_against_entries)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"
                                "  resources:\n"
                                "  - resources: [pods]\n"
                                "    resourceNames: [a, b]\n"
                                "  - group: \"\"\n"
                                "    resources: [nodes]\n"
                                "    resourceNames: [b, a]\n"
                                "  resourceNames: [a, b]\n"
                                "  group: null\n"
                                "- level: None\n"
                                "  resources:\n"
                                "  - resources: [pods]\n"
                                "  resourceNames: []\n"
                                "  group: apps\n"
                                "- level: Metadata\n"
                                "  resources:\n"
                                "  - group: apps\n"
                                "    resources: [deployments]\n"
                                "    level: 5\n"
                                "  group: null\n");
    must(a, "ignored-key", 11, 3, KAP_SEVERITY_WARNING,
         "every resources entry of the rule already has the same resourceNames");
    must(a, "ignored-key", 12, 3, KAP_SEVERITY_WARNING, "every resources entry of the rule already has the same group");
    must(a, "ignored-key", 16, 3, KAP_SEVERITY_WARNING, "it is empty, the same as no resourceNames at all");
    must(a, "ignored-key", 17, 3, KAP_SEVERITY_ERROR, "");
    must(a, "ignored-key", 22, 5, KAP_SEVERITY_ERROR, "the rule's own level applies");
    must(a, "ignored-key", 23, 3, KAP_SEVERITY_ERROR, "");
    kap_analysis_free(a);
    /* an invalid rule past the tenth: its index from the field */
    char text[2048] = HEAD "rules:\n";
    for (int i = 0; i < 12; i++)
        strcat(text, "- level: None\n  users: [u]\n");
    strcat(text, "- level: Bogus\n");
    a = lint_v(text, 36, KAP_EINVALID);
    ck_assert_int_eq(must(a, "invalid-policy", 28, 10, KAP_SEVERITY_ERROR, "rules[12].level")->rule, 12);
    kap_analysis_free(a);
}
END_TEST

START_TEST(ignored_key_changes_nothing)
{
    /* docs/lint.md: an error, or a warning when dropping the key changes nothing */
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: RequestResponse\n"                /* 4 */
                                "  verbs: [\"create\", \"update\"]\n"
                                "  resources:\n"
                                "  - group: \"\"\n"
                                "    resources: [\"pods\"]\n"
                                "    verbs: [\"update\", \"create\", \"update\"]\n" /* 9: the same set */
                                "- level: Metadata\n"                       /* 10 */
                                "  resources:\n"
                                "  - group: apps\n"
                                "    resources: [\"deployments\"]\n"
                                "    resource: [\"deployments\"]\n"     /* 14 */
                                "- level: None\n");
    const kap_finding *f = must(a, "ignored-key", 9, 5, KAP_SEVERITY_WARNING,
                                "kube-apiserver ignores the key \"verbs\" in a resources entry, which changes nothing: "
                                "the rule already has the same verbs");
    ck_assert_str_eq(f->hint, "delete it: the rule already has the same verbs");
    f = must(a, "ignored-key", 14, 5, KAP_SEVERITY_WARNING,
             "the key \"resource\" in a resources entry, which changes nothing: the entry already has the same "
             "resources");
    ck_assert_str_eq(f->hint, "delete it: the entry already has the same resources");
    ck_assert_uint_eq(count(a, "ignored-key"), 2);
    kap_analysis_free(a);

    /* where it could decide otherwise, an error still: fewer or other values, or none where it goes */
    a = lint(HEAD "rules:\n"
                  "- level: RequestResponse\n"                        /* 4 */
                  "  verbs: [create, update]\n"
                  "  resources:\n"
                  "  - group: \"\"\n"
                  "    resources: [pods]\n"
                  "    verbs: [create]\n"                             /* 9 */
                  "  - group: apps\n"
                  "    resources: [deployments]\n"
                  "    resource: [deployments, replicasets]\n"       /* 12 */
                  "    resourceName: [a]\n"                          /* 13 */
                  "  - group: batch\n"
                  "    Resources: [jobs]\n"                          /* 15 */
                  "    verbs: create\n"                              /* 16: a string, no list */
                  "- level: None\n"                                  /* 17 */
                  "  verb: [get]\n"                                  /* 18 */
                  "  users: [a]\n"
                  "  user: [b]\n"                                    /* 20 */
                  "- level: None\n");
    f = must(a, "ignored-key", 9, 5, KAP_SEVERITY_ERROR, "the key \"verbs\" in a resources entry, and the rule's own "
                                                       "verbs applies");
    ck_assert_str_eq(f->hint, "merge it into the rule's own verbs, or delete it (a resources entry has only group, "
                              "resources and resourceNames)");
    must(a, "ignored-key", 12, 5, KAP_SEVERITY_ERROR, "and the entry's own resources applies");
    must(a, "ignored-key", 13, 5, KAP_SEVERITY_ERROR, "so this entry matches objects of every name");
    must(a, "ignored-key", 15, 5, KAP_SEVERITY_ERROR, "so this entry matches every resource of the API group");
    must(a, "ignored-key", 16, 5, KAP_SEVERITY_ERROR, "and the rule's own verbs applies");
    must(a, "ignored-key", 18, 3, KAP_SEVERITY_ERROR, "so this rule matches every verb");
    must(a, "ignored-key", 20, 3, KAP_SEVERITY_ERROR, "and the rule's own users applies");
    ck_assert_uint_eq(count(a, "ignored-key"), 7);
    kap_analysis_free(a);
}
END_TEST

START_TEST(ignored_key_changes_nothing_places)
{
    /* the same values in every place a key can be misplaced, misspelt or miscased */
    kap_analysis *a = lint(HEAD "OmitStages: [RequestReceived]\n"           /* 3 */
                                "omitStages: [RequestReceived]\n"
                                "Metadata: {}\n"                            /* 5 */
                                "rules:\n"
                                "- level: None\n"                           /* 7 */
                                "  users: [a]\n"
                                "  user: [a, a]\n"                          /* 9 */
                                "  namespace: []\n"                         /* 10 */
                                "  omitManagedField: false\n"               /* 11 */
                                "  resources:\n"
                                "  - resourceName: []\n"                    /* 13 */
                                "    apiGroups: [\"\"]\n"                   /* 14 */
                                "    Level: None\n"                         /* 15 */
                                "    namespaces: [x]\n"                     /* 16: the rule has none */
                                "  - group: apps\n"
                                "    resources: [deployments]\n"
                                "    Group: apps\n"                         /* 19 */
                                "    resourceNames: [nm]\n"
                                "  group: \"\"\n"                            /* 21: not every entry's */
                                "  resourceNames: [nm]\n"                   /* 22: not every entry's */
                                "- level: None\n"                           /* 23 */
                                "  group: apps\n"                           /* 24 */
                                "  resources: [{group: apps}, {group: apps, resources: [x]}]\n"
                                "- level: Metadata\n"                       /* 26 */
                                "  resources: [{group: apps}]\n"
                                "  Level: Metadata\n"                       /* 28 */
                                "  omitManagedFields: true\n"
                                "  OmitManagedFields: true\n"               /* 30 */
                                "  omitStage: [Panic]\n");                  /* 31 */
    const kap_finding *f = must(a, "ignored-key", 3, 1, KAP_SEVERITY_WARNING,
                                "(keys are case-sensitive), which changes nothing: the policy already has the same "
                                "omitStages");
    ck_assert_str_eq(f->hint, "delete it: the policy already has the same omitStages");
    must(a, "ignored-key", 5, 1, KAP_SEVERITY_WARNING, "which changes nothing: metadata is not used");
    must(a, "ignored-key", 9, 3, KAP_SEVERITY_WARNING, "the rule already has the same users");
    f = must(a, "ignored-key", 10, 3, KAP_SEVERITY_WARNING, "it is empty, the same as no namespaces at all");
    ck_assert_str_eq(f->hint, "delete it: it is empty, the same as no namespaces at all");
    must(a, "ignored-key", 11, 3, KAP_SEVERITY_WARNING,
         "the policy-wide omitManagedFields, which the rule takes, is already false");
    must(a, "ignored-key", 13, 5, KAP_SEVERITY_WARNING, "it is empty, the same as no resourceNames at all");
    must(a, "ignored-key", 14, 5, KAP_SEVERITY_WARNING, "the entry already has the same group");
    must(a, "ignored-key", 15, 5, KAP_SEVERITY_WARNING, "the rule already has the same level");
    must(a, "ignored-key", 16, 5, KAP_SEVERITY_ERROR, "so this rule matches every namespace");
    must(a, "ignored-key", 19, 5, KAP_SEVERITY_WARNING, "the entry already has the same group");
    must(a, "ignored-key", 21, 3, KAP_SEVERITY_ERROR, "API groups are given inside each resources entry");
    must(a, "ignored-key", 22, 3, KAP_SEVERITY_ERROR, "so this rule matches objects of every name");
    f = must(a, "ignored-key", 24, 3, KAP_SEVERITY_WARNING,
             "which changes nothing: every resources entry of the rule already has the same group");
    ck_assert_str_eq(f->hint, "delete it: every resources entry of the rule already has the same group");
    must(a, "ignored-key", 28, 3, KAP_SEVERITY_WARNING, "the rule already has the same level");
    must(a, "ignored-key", 30, 3, KAP_SEVERITY_WARNING, "the rule already has the same omitManagedFields");
    must(a, "ignored-key", 31, 3, KAP_SEVERITY_ERROR, "so this rule omits no stage beyond the policy's");
    ck_assert_uint_eq(count(a, "ignored-key"), 16);
    kap_analysis_free(a);

    /* JSON keeps both of a key given twice: each is judged by its own value */
    a = lint("{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\",\"rules\":[{\"level\":\"None\",\"verbs\":"
             "[\"get\"],\"resources\":[{\"group\":\"\",\"verbs\":[\"get\"],\"verbs\":[\"list\"]}]}]}");
    must(a, "ignored-key", 1, 115, KAP_SEVERITY_WARNING, "the rule already has the same verbs");
    must(a, "ignored-key", 1, 131, KAP_SEVERITY_ERROR, "and the rule's own verbs applies");
    kap_analysis_free(a);

    /* before 1.26: the same judgement, found by decoding as a later release does */
    const char *p = HEAD "rules:\n- level: None\n  verbs: [get]\n  verb: [get]\n- level: None\n  verb: [list]\n";
    a = lint_v(p, 25, KAP_OK);
    must(a, "ignored-key", 6, 3, KAP_SEVERITY_WARNING,
         "kube-apiserver ignores, without a warning, the key \"verb\" in a rule, which changes nothing");
    must(a, "ignored-key", 8, 3, KAP_SEVERITY_ERROR, "so this rule matches every verb");
    kap_analysis_free(a);
}
END_TEST

START_TEST(ignored_key_wrong_case_fails)
{
    /* Level: the rule has no level, kube-apiserver refuses the policy */
    kap_analysis *a = lint_v(HEAD "rules:\n- Level: Metadata\n", 36, KAP_EINVALID);
    ck_assert_ptr_null(kap_analysis_policy(a));
    ck_assert_int_eq(must(a, "invalid-policy", 4, 3, KAP_SEVERITY_ERROR, "rules[0].level: Required value")->rule, 0);
    const kap_finding *f = must(a, "ignored-key", 4, 3, KAP_SEVERITY_ERROR,
                                "(keys are case-sensitive), so the rule has no level and kube-apiserver refuses the "
                                "policy");
    ck_assert_str_eq(f->hint, "write \"level\"");
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 0), -1);
    kap_analysis_free(a);
}
END_TEST

START_TEST(ignored_keys_by_release)
{
    const char *p = HEAD "rules:\n- level: None\n  verb: [get]\n- level: Metadata\n";
    kap_analysis *a = lint_v(p, 25, KAP_OK);
    ck_assert_ptr_null(kap_diagnostics_warning_text(kap_analysis_diagnostics(a)));
    must(a, "ignored-key", 5, 3, KAP_SEVERITY_ERROR, "kube-apiserver ignores, without a warning, the key \"verb\"");
    kap_analysis_free(a);
    a = lint_v(p, 26, KAP_OK);
    ck_assert_ptr_nonnull(kap_diagnostics_warning_text(kap_analysis_diagnostics(a)));
    must(a, "ignored-key", 5, 3, KAP_SEVERITY_ERROR, "kube-apiserver ignores the key \"verb\"");
    kap_analysis_free(a);
    /* 1.24 still knows metadata.clusterName */
    const char *q = HEAD "metadata:\n  clusterName: x\nrules:\n- level: None\n";
    a = lint_v(q, 24, KAP_OK);
    ck_assert_uint_eq(count(a, "ignored-key"), 0);
    kap_analysis_free(a);
    a = lint_v(q, 25, KAP_OK);
    must(a, "ignored-key", 4, 3, KAP_SEVERITY_WARNING, "the key \"clusterName\" in metadata");
    kap_analysis_free(a);
}
END_TEST

START_TEST(ignored_kind_case)
{
    /* APIVersion and Kind: found when the kind is looked up, then dropped with a warning */
    kap_analysis *a = lint("APIVersion: audit.k8s.io/v1\nKind: Policy\nrules:\n- level: None\n");
    const kap_finding *f = must(a, "ignored-key", 1, 1, KAP_SEVERITY_WARNING, "only the warning results");
    ck_assert_str_eq(f->hint, "write \"apiVersion\"");
    must(a, "ignored-key", 2, 1, KAP_SEVERITY_WARNING, "the key \"Kind\" at the top level (keys are case-sensitive)");
    kap_analysis_free(a);
}
END_TEST

START_TEST(duplicate_keys)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"
                                "  verbs: [get]\n"
                                "  level: Metadata\n");
    const kap_finding *f = must(a, "duplicate-key", 6, 3, KAP_SEVERITY_WARNING,
                                "the key \"level\" is given twice in one mapping: kube-apiserver keeps the last value");
    ck_assert_int_eq(f->rule, 0);
    ck_assert_str_eq(f->field, "rules[0]"); /* go-yaml names no field: the rule */
    kap_analysis_free(a);
    a = lint("{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\",\"rules\":[{\"level\":\"None\","
             "\"level\":\"Metadata\"}]}");
    f = find(a, "duplicate-key", 1);
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(f->field, "rules[0].level");
    ck_assert_int_eq(f->rule, 0);
    kap_analysis_free(a);
}
END_TEST

/* ---- unreachable rules and witnesses --------------------------------------------- */

START_TEST(unreachable_after_catch_all)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: Metadata\n"  /* 4 */
                                "- level: None\n"      /* 5 */
                                "  users: [alice]\n");
    const kap_finding *f = must(a, "unreachable-rule", 5, 3, KAP_SEVERITY_WARNING,
                                "this rule never decides a request: rule 0 (line 4) decides every request it matches");
    ck_assert_int_eq(f->rule, 1);
    ck_assert_uint_eq(f->n_related, 1);
    ck_assert_int_eq(f->related[0], 0);
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 0), 1);
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 1), 0);
    kap_request_n w;
    ck_assert_int_eq(kap_analysis_witness(a, 1, &w), KAP_EARG);
    char buf[8];
    ck_assert_uint_eq(kap_analysis_witness_json(a, 1, buf, sizeof buf), 0);
    kap_analysis_free(a);
}
END_TEST

START_TEST(unreachable_joint_cover)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"             /* 4 */
                                "  verbs: [get]\n"
                                "- level: Metadata\n"         /* 6 */
                                "  verbs: [list]\n"
                                "- level: Request\n"          /* 8 */
                                "  verbs: [list, get]\n"
                                "- level: Request\n"          /* 10 */
                                "  verbs: [list, watch]\n");
    const kap_finding *f = must(a, "unreachable-rule", 8, 3, KAP_SEVERITY_WARNING,
                                "rules 0 (line 4) and 1 (line 6) decide every request it matches");
    ck_assert_uint_eq(f->n_related, 2);
    ck_assert_ptr_null(find(a, "unreachable-rule", 10));
    /* rule 3 decides only watch requests: its "list" is dead */
    must(a, "dead-value", 11, 11, KAP_SEVERITY_INFO, "\"list\" in verbs never decides a request");
    witness_is(a, 3,
               "{\"user\":\"alice\",\"groups\":[\"system:authenticated\"],\"verb\":\"watch\",\"namespace\":\"default\","
               "\"apiGroup\":\"\",\"apiVersion\":\"v1\",\"resource\":\"pods\",\"subresource\":\"\",\"name\":\"\","
               "\"resourceRequest\":true,\"path\":\"/api/v1/namespaces/default/pods\",\"witness\":3}");
    kap_analysis_free(a);
}
END_TEST

START_TEST(unreachable_url_prefixes)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"                              /* 4 */
                                "  nonResourceURLs: [\"/healthz*\"]\n"
                                "- level: Metadata\n"                          /* 6 */
                                "  nonResourceURLs: [\"/healthz/etcd\", \"/healthz\"]\n"
                                "- level: Metadata\n"                          /* 8 */
                                "  nonResourceURLs: [\"/health*\", \"/livez\"]\n"
                                "- level: Metadata\n"                          /* 10 */
                                "  nonResourceURLs: [\"*\"]\n");
    must(a, "unreachable-rule", 6, 3, KAP_SEVERITY_WARNING, "rule 0 (line 4)");
    /* /health* still decides /health and /healthy (paths that start with /health but not /healthz),
     * and /livez: a listed value is the witness of choice */
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 2), 1);
    witness_is(a, 2,
               "{\"user\":\"alice\",\"groups\":[\"system:authenticated\"],\"verb\":\"get\",\"resourceRequest\":false,"
               "\"path\":\"/livez\",\"witness\":2}");
    ck_assert_uint_eq(count(a, "dead-value"), 0);
    /* "*" is every path: what the others leave, starting with "/" */
    witness_is(a, 3,
               "{\"user\":\"alice\",\"groups\":[\"system:authenticated\"],\"verb\":\"get\",\"resourceRequest\":false,"
               "\"path\":\"/\",\"witness\":3}");
    ck_assert_uint_eq(count(a, "unreachable-rule"), 1);
    kap_analysis_free(a);
}
END_TEST

START_TEST(unreachable_groups_any_of)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"                   /* 4 */
                                "  userGroups: [a]\n"
                                "- level: None\n"                   /* 6 */
                                "  userGroups: [b]\n"
                                "- level: Metadata\n"               /* 8 */
                                "  userGroups: [a, b]\n"
                                "- level: Metadata\n"               /* 10 */
                                "  userGroups: [b, c]\n"
                                "- level: Request\n"                /* 12 */
                                "  users: [alice]\n");
    must(a, "unreachable-rule", 8, 3, KAP_SEVERITY_WARNING, "rules 0 (line 4) and 1 (line 6)");
    /* rule 3 decides users in c but not in a or b; its b is dead */
    witness_is(a, 3,
               "{\"user\":\"alice\",\"groups\":[\"c\",\"system:authenticated\"],\"verb\":\"get\",\"namespace\":"
               "\"default\",\"apiGroup\":\"\",\"apiVersion\":\"v1\",\"resource\":\"pods\",\"subresource\":\"\","
               "\"name\":\"example\",\"resourceRequest\":true,\"path\":\"/api/v1/namespaces/default/pods/example\","
               "\"witness\":3}");
    must(a, "dead-value", 11, 16, KAP_SEVERITY_INFO, "\"b\" in userGroups never decides a request");
    /* rule 4: alice, in none of a, b, c */
    witness_is(a, 4,
               "{\"user\":\"alice\",\"groups\":[\"system:authenticated\"],\"verb\":\"get\",\"namespace\":\"default\","
               "\"apiGroup\":\"\",\"apiVersion\":\"v1\",\"resource\":\"pods\",\"subresource\":\"\",\"name\":\"example\","
               "\"resourceRequest\":true,\"path\":\"/api/v1/namespaces/default/pods/example\",\"witness\":4}");
    kap_analysis_free(a);
}
END_TEST

START_TEST(no_user_requests)
{
    /* every authenticated user is in one of the two groups, but a request
     * that failed authentication has no user: the second rule decides those */
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"
                                "  userGroups: [\"system:authenticated\", \"system:unauthenticated\"]\n"
                                "- level: Metadata\n"
                                "  users: [alice]\n"
                                "- level: Request\n");
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 1), 1);
    kap_request_n w;
    ck_assert_int_eq(kap_analysis_witness(a, 1, &w), KAP_OK);
    ck_assert_uint_eq(w.user.len, 5);
    ck_assert_uint_eq(w.n_groups, 0); /* alice, in neither group */
    ck_assert_int_eq(kap_analysis_witness(a, 2, &w), KAP_OK);
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 2), 1);
    kap_analysis_free(a);
    /* a rule that needs a user after one that takes every user */
    a = lint(HEAD "rules:\n"
                  "- level: None\n"
                  "  resources: [{group: \"\"}]\n"
                  "- level: Metadata\n"
                  "  users: [\"\"]\n"
                  "  resources: [{group: \"\", resources: [pods]}]\n"
                  "- level: Metadata\n"
                  "  resources: [{group: \"\", resources: [pods]}]\n");
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 1), 0);
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 2), 0);
    kap_analysis_free(a);
}
END_TEST

START_TEST(unreachable_resource_forms)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n" /* 4 */
                                "  resources: [{group: \"\", resources: [\"pods/*\"]}]\n"
                                "- level: Metadata\n" /* 6 */
                                "  resources: [{group: \"\", resources: [\"pods\"]}]\n"
                                "- level: Metadata\n" /* 8 */
                                "  resources: [{group: \"\", resources: [\"pods/log\"]}]\n"
                                "- level: Metadata\n" /* 10 */
                                "  resources: [{group: \"\", resources: [\"*/log\"]}]\n"
                                "- level: Metadata\n" /* 12 */
                                "  resources: [{group: apps, resources: [deployments], resourceNames: [web]}]\n"
                                "- level: Request\n" /* 14 */
                                "  resources: [{group: apps, resources: [deployments]}]\n");
    must(a, "unreachable-rule", 6, 3, KAP_SEVERITY_WARNING, "rule 0 (line 4)");
    /* "pods/log" would also equal a resource literally named "pods/log", but
     * no request has one (requestinfo.md 5: the resource is one URL segment):
     * pods' subresource log is all it matches, and rule 0 takes that */
    must(a, "unreachable-rule", 8, 3, KAP_SEVERITY_WARNING, "rule 0 (line 4)");
    kap_request_n w;
    ck_assert_int_eq(kap_analysis_witness(a, 2, &w), KAP_EARG);
    /* the pattern star-slash-log: every subresource log of the core group but pods' */
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 3), 1);
    ck_assert_int_eq(kap_analysis_witness(a, 3, &w), KAP_OK);
    ck_assert_uint_eq(w.subresource.len, 3);
    ck_assert_int_ne(w.resource.len == 4 && memcmp(w.resource.ptr, "pods", 4) == 0, 1);
    /* deployments named anything but web */
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 5), 1);
    ck_assert_int_eq(kap_analysis_witness(a, 5, &w), KAP_OK);
    ck_assert_int_ne(w.name.len == 3 && memcmp(w.name.ptr, "web", 3) == 0, 1);
    ck_assert_uint_eq(count(a, "unreachable-rule"), 2);
    kap_analysis_free(a);
}
END_TEST

/* The witness's path, sent with the method of its verb and parsed as
 * kube-apiserver parses a URL, gives the witness back (witness_url.h). */
static void witness_url_agrees(const kap_analysis *a, size_t rule, int resource_request)
{
    kap_request_n w;
    ck_assert_int_eq(kap_analysis_witness(a, rule, &w), KAP_OK);
    if (resource_request >= 0) /* -1: either kind */
        ck_assert_int_eq(w.resource_request, resource_request);
    char why[1024];
    ck_assert_msg(!witness_url_disagrees(&w, why, sizeof why), "rule %zu: the witness's path %.*s: %s", rule,
                  (int)w.path.len, w.path.ptr, why);
}

static void witness_path_agrees(const kap_analysis *a, size_t rule) { witness_url_agrees(a, rule, 1); }

/* Requests whose URL needs "namespaces/NS/" before the resource even with
 * NS empty (requestinfo.md 6, 7): a Namespace named in the namespace ""
 * (/api/v1/namespaces/foo would make foo its namespace too), and the
 * resources watch and proxy (right after the version they are the legacy
 * verb segments). Each is a request, and each witness's URL gives it. */
START_TEST(witness_namespace_segment)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: Metadata\n" /* 4 */
                                "  verbs: [get]\n"
                                "  namespaces: [\"\"]\n"
                                "  resources: [{group: \"\", resources: [namespaces], resourceNames: [foo]}]\n"
                                "- level: Metadata\n" /* 8 */
                                "  verbs: [update]\n"
                                "  namespaces: [\"\"]\n"
                                "  resources: [{group: \"\", resources: [namespaces/status]}]\n"
                                "- level: Request\n" /* 12 */
                                "  verbs: [get]\n"
                                "  namespaces: [\"\"]\n"
                                "  resources: [{group: \"\", resources: [watch]}]\n"
                                "- level: Request\n" /* 16 */
                                "  verbs: [list]\n"
                                "  namespaces: [\"\"]\n"
                                "  resources: [{group: apps, resources: [proxy]}]\n"
                                "- level: Request\n" /* 20 */
                                "  verbs: [create]\n"
                                "  namespaces: [\"\", n1]\n"
                                "  resources: [{group: \"\", resources: [namespaces], resourceNames: [n2]}]\n");
    ck_assert_uint_eq(count(a, "unreachable-rule"), 0);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_int_eq(kap_analysis_rule_reachable(a, i), 1);
        witness_path_agrees(a, i);
    }
    kap_request_n w;
    ck_assert_int_eq(kap_analysis_witness(a, 0, &w), KAP_OK);
    ck_assert_str_eq(w.path.ptr, "/api/v1/namespaces//namespaces/foo");
    ck_assert_int_eq(kap_analysis_witness(a, 2, &w), KAP_OK);
    ck_assert_str_eq(w.path.ptr, "/api/v1/namespaces//watch/foo");
    kap_analysis_free(a);
}
END_TEST

/* After namespaces/NS/ the resources status and finalize are the
 * Namespace NS's subresources (requestinfo.md 7): a witness with one of
 * them takes the namespace "" where its rule allows, and a rule that also
 * has other resources gives one of those. */
START_TEST(witness_status_in_namespace)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: Metadata\n"
                                "  namespaces: [n1, \"\"]\n"
                                "  resources: [{group: \"\", resources: [status]}]\n"
                                "- level: Metadata\n"
                                "  resources: [{group: \"\", resources: [finalize]}]\n"
                                "- level: None\n"
                                "  users: [bob]\n"
                                "  namespaces: [\"\"]\n"
                                "- level: Metadata\n"
                                "  users: [bob]\n"
                                "  resources: [{group: \"\", resources: [status, pods]}]\n");
    kap_request_n w;
    for (size_t i = 0; i < 2; i++) {
        witness_path_agrees(a, i);
        ck_assert_int_eq(kap_analysis_witness(a, i, &w), KAP_OK);
        ck_assert_uint_eq(w.ns.len, 0);
    }
    witness_path_agrees(a, 3);
    ck_assert_int_eq(kap_analysis_witness(a, 3, &w), KAP_OK);
    ck_assert_str_eq(w.resource.ptr, "pods");
    kap_analysis_free(a);
}
END_TEST

/* A resource or subresource never holds a slash, so a pattern with one too
 * many matches nothing, and a rule of only such patterns decides nothing. */
START_TEST(slash_in_resource)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n" /* 4 */
                                "  resources: [{group: \"\", resources: [\"pods/*\"]}]\n"
                                "- level: Metadata\n" /* 6 */
                                "  resources: [{group: \"\", resources: [\"a/b/c\", \"pods/\"]}]\n"
                                "- level: Request\n" /* 8 */
                                "  resources: [{group: \"\", resources: [\"pods/log\", \"x/y/z\", \"*/q/r\", "
                                "\"c/d/*\", \"configmaps\"]}]\n"
                                "- level: Request\n" /* 11 */
                                "  resources: [{group: \"\", resources: [\"*/log\"]}]\n");
    const kap_finding *f = must(a, "unreachable-rule", 6, 3, KAP_SEVERITY_WARNING,
                                "none of its resources matches a request: a request's resource and subresource are "
                                "single segments of its URL, so neither holds a '/'");
    ck_assert_uint_eq(f->n_related, 0);
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 1), 0);
    /* rule 2 decides configmaps only: its witness is one, and its path says so */
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 2), 1);
    witness_path_agrees(a, 2);
    kap_request_n w;
    ck_assert_int_eq(kap_analysis_witness(a, 2, &w), KAP_OK);
    ck_assert_uint_eq(w.resource.len, 10);
    ck_assert_int_eq(memcmp(w.resource.ptr, "configmaps", 10), 0);
    must(a, "dead-value", 9, 51, KAP_SEVERITY_INFO, "\"x/y/z\" in resources[0].resources never matches a request");
    must(a, "dead-value", 9, 60, KAP_SEVERITY_INFO, "\"*/q/r\" in resources[0].resources never matches a request");
    must(a, "dead-value", 9, 69, KAP_SEVERITY_INFO, "\"c/d/*\" in resources[0].resources never matches a request");
    /* pods/log: rule 0 takes it */
    must(a, "dead-value", 9, 39, KAP_SEVERITY_INFO, "\"pods/log\" in resources[0].resources never decides a request");
    ck_assert_uint_eq(count(a, "dead-value"), 4);
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 3), 1);
    witness_path_agrees(a, 3);
    ck_assert_uint_eq(count(a, "unreachable-rule"), 1);
    kap_analysis_free(a);
}
END_TEST

/* A namespace or a name is one segment of the URL too: a value with a
 * slash matches no request, and no witness holds one. */
START_TEST(slash_in_namespace_and_name)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: Request\n" /* 4 */
                                "  namespaces: [\"a/b\"]\n"
                                "- level: Metadata\n" /* 6 */
                                "  namespaces: [\"c/d\", x]\n"
                                "  resources: [{group: \"\", resources: [pods], resourceNames: [\"a/b\", web]}]\n"
                                "- level: Request\n" /* 9 */
                                "  resources:\n"
                                "  - {group: \"\", resources: [pods], resourceNames: [\"e/f\"]}\n"
                                "  - {group: apps, resources: [deployments]}\n"
                                "- level: Request\n" /* 13 */
                                "  resources: [{group: \"\", resources: [pods], resourceNames: [\"g/h\"]}]\n"
                                "- level: None\n");
    const kap_finding *f = must(a, "unreachable-rule", 4, 3, KAP_SEVERITY_WARNING,
                                "none of its namespaces matches a request: a request's namespace is a single "
                                "segment of its URL, so it never holds a '/'");
    ck_assert_uint_eq(f->n_related, 0);
    f = must(a, "unreachable-rule", 13, 3, KAP_SEVERITY_WARNING,
             "none of its resourceNames matches a request: a request's name is a single segment of its URL");
    ck_assert_uint_eq(f->n_related, 0);
    ck_assert_uint_eq(count(a, "unreachable-rule"), 2);
    must(a, "dead-value", 7, 16, KAP_SEVERITY_INFO, "\"c/d\" in namespaces never matches a request");
    must(a, "dead-value", 8, 62, KAP_SEVERITY_INFO,
         "\"a/b\" in resources[0].resourceNames never matches a request: a request's name");
    f = must(a, "dead-value", 11, 5, KAP_SEVERITY_INFO,
             "the resources entry for group \"\" never decides a request: none of its resourceNames matches");
    ck_assert_str_eq(f->field, "rules[2].resources[0]");
    ck_assert_uint_eq(count(a, "dead-value"), 3);
    for (size_t i = 1; i < 5; i++) {
        if (i == 3)
            continue;
        ck_assert_int_eq(kap_analysis_rule_reachable(a, i), 1);
        witness_url_agrees(a, i, i == 4 ? -1 : 1); /* the catch-all's may be a non-resource request */
    }
    kap_analysis_free(a);
}
END_TEST

/* Verbs are lower case (requestinfo.md 6): an upper-case verb matches no
 * request, on a resource rule as on a non-resource one, and no witness has
 * one; unknown-verb alone reports the entry. */
START_TEST(upper_case_verbs)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: Request\n" /* 4 */
                                "  verbs: [GET]\n"
                                "- level: Metadata\n" /* 6 */
                                "  verbs: [LIST, watch]\n"
                                "  resources: [{group: \"\"}]\n"
                                "- level: Request\n" /* 9 */
                                "  verbs: [propfind, PROPFIND]\n"
                                "  nonResourceURLs: [\"/dav/*\"]\n"
                                "- level: Request\n" /* 12 */
                                "  verbs: [Delete]\n"
                                "  nonResourceURLs: [\"/x\"]\n"
                                "- level: None\n");
    const kap_finding *f = must(a, "unreachable-rule", 4, 3, KAP_SEVERITY_WARNING,
                                "none of its verbs matches a request: kube-apiserver gives verbs in lower case only");
    ck_assert_uint_eq(f->n_related, 0);
    must(a, "unreachable-rule", 12, 3, KAP_SEVERITY_WARNING, "none of its verbs matches a request");
    ck_assert_uint_eq(count(a, "unreachable-rule"), 2);
    must(a, "unknown-verb", 7, 11, KAP_SEVERITY_WARNING, "no request has the verb \"LIST\"");
    must(a, "unknown-verb", 10, 21, KAP_SEVERITY_WARNING, "no request has the verb \"PROPFIND\"");
    ck_assert_uint_eq(count(a, "dead-value"), 0);
    static const char *const want[] = {NULL, "watch", "propfind", NULL, NULL};
    for (size_t i = 0; i < 5; i++) {
        kap_request_n w;
        if (i == 0 || i == 3) {
            ck_assert_int_eq(kap_analysis_rule_reachable(a, i), 0);
            ck_assert_int_eq(kap_analysis_witness(a, i, &w), KAP_EARG);
            continue;
        }
        ck_assert_int_eq(kap_analysis_witness(a, i, &w), KAP_OK);
        for (size_t k = 0; k < w.verb.len; k++)
            ck_assert_msg(w.verb.ptr[k] < 'A' || w.verb.ptr[k] > 'Z', "rule %zu: the witness's verb is %.*s", i,
                          (int)w.verb.len, w.verb.ptr);
        if (want[i])
            ck_assert(w.verb.len == strlen(want[i]) && !memcmp(w.verb.ptr, want[i], w.verb.len));
    }
    kap_analysis_free(a);
}
END_TEST

/* Whether GET of a decoded path is a non-resource request, as
 * kube-apiserver's request-info step says (requestinfo.md 6). */
static int non_resource_path(const char *path)
{
    char url[512];
    size_t n = 0;
    for (const char *p = path; *p && n + 4 < sizeof url; p++)
        n += (size_t)(*p == '?' || *p == '%' ? snprintf(url + n, sizeof url - n, "%%%02X", (unsigned char)*p)
                                             : snprintf(url + n, sizeof url - n, "%c", *p));
    kap_requestinfo *ri = NULL;
    kap_request_n u;
    ck_assert_int_eq(kap_requestinfo_new(&ri), KAP_OK);
    int ok = kap_requestinfo_parse_n(ri, "GET", 3, url, n, &u) == KAP_OK && !u.resource_request &&
             u.path.len == strlen(path) && !memcmp(u.path.ptr, path, u.path.len);
    kap_requestinfo_free(ri);
    return ok;
}

/* kube-apiserver reads a path of api and two more segments, or apis and
 * three more, as a resource request (requestinfo.md 5, 6), which
 * nonResourceURLs never match: an exact entry of such a path, or a prefix
 * whose every extension is one, matches no request, and no witness has
 * such a path. */
START_TEST(resource_paths_in_urls)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: Request\n" /* 4 */
                                "  nonResourceURLs: [\"/api/v1/pods\", \"/apis/apps/v1/d*\", \"/healthz\"]\n"
                                "- level: Metadata\n" /* 6 */
                                "  nonResourceURLs: [\"//api/v1/pods/\", \"/api/v1/p*\", "
                                "\"/apis/apps/v1/deployments\"]\n"
                                "- level: Request\n" /* 8 */
                                "  nonResourceURLs: [\"/api/v1/*\"]\n"
                                "- level: Request\n" /* 10 */
                                "  nonResourceURLs: [\"/apis/apps/*\"]\n"
                                "- level: Request\n" /* 12 */
                                "  nonResourceURLs: [\"/api\", \"/apis\", \"/api/v1//x\", \"/api//x*\"]\n"
                                "- level: Metadata\n" /* 14 */
                                "  nonResourceURLs: [\"/api/*\"]\n"
                                "- level: None\n");
    must(a, "dead-value", 5, 21, KAP_SEVERITY_INFO,
         "\"/api/v1/pods\" in nonResourceURLs never matches a request: kube-apiserver reads such a path as a "
         "resource request's");
    const kap_finding *f = must(a, "dead-value", 5, 37, KAP_SEVERITY_INFO,
                                "\"/apis/apps/v1/d*\" in nonResourceURLs never matches a request");
    ck_assert_ptr_nonnull(strstr(f->hint, "resources"));
    must(a, "dead-value", 13, 38, KAP_SEVERITY_INFO, "\"/api/v1//x\" in nonResourceURLs never matches a request");
    must(a, "dead-value", 13, 52, KAP_SEVERITY_INFO, "\"/api//x*\" in nonResourceURLs never matches a request");
    ck_assert_uint_eq(count(a, "dead-value"), 4);
    f = must(a, "unreachable-rule", 6, 3, KAP_SEVERITY_WARNING,
             "none of its nonResourceURLs matches a request: kube-apiserver reads such a path as a resource "
             "request's");
    ck_assert_uint_eq(f->n_related, 0);
    ck_assert_uint_eq(count(a, "unreachable-rule"), 1);
    /* the others match some request, and their witnesses' paths are ones */
    static const char *const want[] = {"/healthz", NULL, "/api/v1/", "/apis/apps/", NULL, "/api/"};
    for (size_t i = 0; i < 7; i++) {
        if (i == 1) {
            ck_assert_int_eq(kap_analysis_rule_reachable(a, i), 0);
            continue;
        }
        ck_assert_int_eq(kap_analysis_rule_reachable(a, i), 1);
        witness_url_agrees(a, i, i == 6);
        kap_request_n w;
        ck_assert_int_eq(kap_analysis_witness(a, i, &w), KAP_OK);
        if (i < 6 && want[i])
            ck_assert_msg(w.path.len == strlen(want[i]) && !memcmp(w.path.ptr, want[i], w.path.len),
                          "rule %zu: the witness's path is %.*s", i, (int)w.path.len, w.path.ptr);
    }
    kap_analysis_free(a);

    /* a listed resource request's path is no path a request has: rule 2's
     * requests are all decided by rules 0 and 1 */
    a = lint(HEAD "rules:\n"
                  "- level: None\n"
                  "  users: [bob]\n"
                  "  resources: [{group: \"*\"}]\n"
                  "- level: None\n"
                  "  users: [bob]\n"
                  "  nonResourceURLs: [\"*\"]\n"
                  "- level: Metadata\n" /* 10 */
                  "  users: [bob]\n"
                  "- level: Request\n" /* 12 */
                  "  nonResourceURLs: [\"/api/v1/pods\"]\n"
                  "- level: Request\n");
    f = must(a, "unreachable-rule", 10, 3, KAP_SEVERITY_WARNING, "rules 0 (line 4) and 1 (line 7) decide");
    ck_assert_uint_eq(f->n_related, 2);
    must(a, "unreachable-rule", 12, 3, KAP_SEVERITY_WARNING, "none of its nonResourceURLs matches a request");
    ck_assert_uint_eq(count(a, "analysis-limit"), 0);
    ck_assert_uint_eq(count(a, "unreachable-rule"), 2);
    kap_analysis_free(a);

    /* each entry alone, against request-info: an exact path matches a
     * request when it is a non-resource request's, a prefix when one of its
     * extensions is (these tails suffice: "" and "/" where the first
     * segment is whole, "x" where it is not) */
    static const char *const stems[] = {
        "/api/v1/pods", "/api/v1/p",     "/api/v1/",      "/api/v1//",   "/api/v1",        "/api/",
        "/api",         "/ap",           "/apis",         "/apis/",      "/apis/apps",     "/apis/apps/",
        "/apis/apps/v1", "/apis/apps/v1/", "/apis/apps/v1//", "/apis/apps/v1/d", "//api/v1/x", "/api//x",
        "/api//",       "/api///",       "/apis//v1/x",   "/apis/a//",   "/apis///x",      "/apix/v1/x",
        "/x/y/z/w",     "/",             "//",            "/api/v1/pods/", "/apis/a/v1/x/", "/api/v1/x/y",
        "/api/v1/pods?x", "/api/v1%2Fpods"};
    static const char *const tails[] = {"", "/", "//", "x", "/x", "x/y", "/x/y", "x/y/z", "/x/y/z", "s"};
    for (size_t i = 0; i < sizeof stems / sizeof *stems; i++)
        for (int prefix = 0; prefix < 2; prefix++) {
            int some = 0;
            char path[128];
            for (size_t t = 0; t < (prefix ? sizeof tails / sizeof *tails : 1); t++) {
                snprintf(path, sizeof path, "%s%s", stems[i], tails[t]);
                some |= non_resource_path(path);
            }
            char text[512];
            snprintf(text, sizeof text, HEAD "rules:\n- level: Request\n  nonResourceURLs: [\"%s%s\"]\n", stems[i],
                     prefix ? "*" : "");
            kap_analysis *b = lint(text);
            ck_assert_msg(kap_analysis_rule_reachable(b, 0) == some, "%s%s: reachable %d, request-info %d",
                          stems[i], prefix ? "*" : "", kap_analysis_rule_reachable(b, 0), some);
            if (some) {
                kap_request_n w;
                ck_assert_int_eq(kap_analysis_witness(b, 0, &w), KAP_OK);
                ck_assert_int_eq(w.resource_request, 0);
                ck_assert(w.path.len >= strlen(stems[i]) && !memcmp(w.path.ptr, stems[i], strlen(stems[i])));
                witness_url_agrees(b, 0, 0);
            } else {
                ck_assert_uint_eq(count(b, "unreachable-rule"), 1);
            }
            kap_analysis_free(b);
        }
}
END_TEST

/* An empty resource is a segment of a URL only with a name or subresource
 * after it (requestinfo.md 5): /api/v1/namespaces/default/ is the
 * Namespace default, so a witness with resource "" gets a name, and a
 * later rule's witness prefers a resource that is not empty. */
START_TEST(empty_resource_witness)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: Metadata\n"
                                "  verbs: [list]\n"
                                "  resources: [{group: \"\", resources: [\"\"]}]\n"
                                "- level: Request\n"
                                "  verbs: [list]\n"
                                "  resources: [{group: b, resources: [\"/x\"]}]\n"
                                "- level: None\n"
                                "  users: [bob]\n"
                                "  resources: [{group: \"\", resources: [\"\"]}]\n"
                                "- level: Metadata\n"
                                "  verbs: [list, create]\n"
                                "  resources: [{group: \"\"}]\n");
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(kap_analysis_rule_reachable(a, i), 1);
        witness_path_agrees(a, i);
    }
    kap_analysis_free(a);
}
END_TEST

/* A rule whose only resource is "" and whose only name is "": the request
 * with resource, name and subresource all empty has a URL, whose empty
 * segments come before one that is not empty and past the subresource
 * (requestinfo.md 5, 8): /api/v1////x. */
START_TEST(empty_resource_and_name)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: Metadata\n"
                                "  verbs: [list]\n"
                                "  namespaces: [\"\"]\n"
                                "  resources: [{group: \"\", resources: [\"\"], resourceNames: [\"\"]}]\n"
                                "- level: Request\n"
                                "  verbs: [create]\n"
                                "  namespaces: [n1]\n"
                                "  resources: [{group: a, resources: [\"\"], resourceNames: [\"\"]}]\n");
    ck_assert_uint_eq(count(a, "unreachable-rule"), 0);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_eq(kap_analysis_rule_reachable(a, i), 1);
        witness_path_agrees(a, i);
    }
    kap_request_n w;
    ck_assert_int_eq(kap_analysis_witness(a, 0, &w), KAP_OK);
    ck_assert_str_eq(w.path.ptr, "/api/v1////x");
    ck_assert_int_eq(kap_analysis_witness(a, 1, &w), KAP_OK);
    ck_assert_str_eq(w.path.ptr, "/apis/a/v1/namespaces/n1////x");
    kap_analysis_free(a);
}
END_TEST

START_TEST(group_star_1_36)
{
    const char *p = HEAD "rules:\n"
                         "- level: None\n"
                         "  resources: [{group: \"*\", resources: [secrets]}]\n"
                         "- level: Metadata\n"
                         "  resources: [{group: \"\", resources: [secrets]}]\n";
    kap_analysis *a = lint(p);
    must(a, "unreachable-rule", 6, 3, KAP_SEVERITY_WARNING, "rule 0 (line 4)");
    kap_analysis_free(a);
    a = lint_v(p, 35, KAP_EINVALID);
    must(a, "invalid-policy", 5, 23, KAP_SEVERITY_ERROR, "rules[0].resources.group: Invalid value: \"*\"");
    kap_analysis_free(a);
}
END_TEST

/* ---- dead values ------------------------------------------------------------------- */

START_TEST(dead_values)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"                                         /* 4 */
                                "  namespaces: [kube-system]\n"                           /* 5 */
                                "- level: Metadata\n"                                     /* 6 */
                                "  namespaces: [kube-system, default, default]\n"         /* 7 */
                                "- level: Metadata\n"                                     /* 8 */
                                "  resources:\n"                                          /* 9 */
                                "  - group: apiserver.openshift.io\n"                     /* 10 */
                                "    resources: [apirequestcounts, \"apirequestcounts/*\"]\n" /* 11 */
                                "  - group: apiserver.openshift.io\n"                     /* 12 */
                                "    resources: [apirequestcounts]\n"                     /* 13 */
                                "    resourceNames: [web, db]\n"                          /* 14 */
                                "- level: Request\n"                                      /* 15 */
                                "  nonResourceURLs: [\"/healthz*\", \"/healthz/etcd\"]\n");
    must(a, "dead-value", 7, 16, KAP_SEVERITY_INFO,
         "\"kube-system\" in namespaces never decides a request: earlier rules decide every request");
    must(a, "dead-value", 7, 38, KAP_SEVERITY_INFO, "\"default\" is listed twice in namespaces");
    must(a, "dead-value", 11, 17, KAP_SEVERITY_INFO,
         "\"apirequestcounts\" in resources[0].resources changes nothing: other entries of this rule match");
    const kap_finding *f = must(a, "dead-value", 12, 5, KAP_SEVERITY_INFO,
                                "the resources entry for group \"apiserver.openshift.io\" never decides a request: "
                                "other entries of this rule");
    ck_assert_str_eq(f->field, "rules[2].resources[1]");
    must(a, "dead-value", 16, 34, KAP_SEVERITY_INFO, "\"/healthz/etcd\" in nonResourceURLs changes nothing");
    /* names are not looked at inside a dead entry */
    ck_assert_ptr_null(find(a, "dead-value", 14));
    ck_assert_uint_eq(count(a, "dead-value"), 5);
    kap_analysis_free(a);
}
END_TEST

/* ---- values that never match ----------------------------------------------------------- */

START_TEST(never_matching_patterns)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"                                         /* 4 */
                                "  verbs: [GET, \"*\", frobnicate, impersonate, get]\n"   /* 5 */
                                "  resources:\n"                                          /* 6 */
                                "  - group: core\n"                                       /* 7 */
                                "  - group: v1\n"                                         /* 8 */
                                "  - group: \"\"\n"                                       /* 9 */
                                "    resources: [\"*/*\", Pods, pod, \"pods/logs\", deployments, foo]\n" /* 10 */
                                "  - group: apps\n"                                       /* 11 */
                                "    resources: [Deployment, \"deployments.apps\", \"deployments/scale\"]\n" /* 12 */
                                "- level: None\n"                                         /* 13 */
                                "  verbs: [list, post]\n"                                 /* 14 */
                                "  nonResourceURLs: [\"/metrics\"]\n"                     /* 15 */
                                "- level: None\n"                                         /* 16 */
                                "  verbs: [post, create]\n"                               /* 17 */
                                "  namespaces: [kube-system, \"\"]\n"                     /* 18 */
                                "  resources:\n"                                          /* 19 */
                                "  - group: \"\"\n"                                       /* 20 */
                                "    resources: [nodes, \"nodes/status\"]\n"              /* 21 */
                                "- level: Metadata\n");
    const kap_finding *f = must(a, "unknown-verb", 5, 11, KAP_SEVERITY_WARNING,
                                "no request has the verb \"GET\" (verbs are lower case)");
    ck_assert_str_eq(f->hint, "write \"get\"");
    must(a, "unknown-verb", 5, 16, KAP_SEVERITY_WARNING, "\"*\" is not a wildcard here");
    /* a method in lower case: a non-resource request's verb, no resource request's */
    f = must(a, "unknown-verb", 5, 21, KAP_SEVERITY_WARNING,
             "no request has the verb \"frobnicate\" (resource requests carry Kubernetes verbs: get, list");
    ck_assert_str_eq(f->hint, "a resource request sent with any other HTTP method has the empty verb \"\"");
    must(a, "authorization-verb", 5, 33, KAP_SEVERITY_INFO, "kube-apiserver checks \"impersonate\" when it authorizes");
    f = must(a, "group-core", 7, 12, KAP_SEVERITY_WARNING, "the core API group is \"\" (empty)");
    ck_assert_str_eq(f->field, "rules[0].resources[0].group");
    must(a, "group-version", 8, 12, KAP_SEVERITY_WARNING, "\"v1\" is an API version, not a group");
    must(a, "resource-star-slash-star", 10, 17, KAP_SEVERITY_WARNING, "\"*/*\" matches only a subresource");
    f = must(a, "misspelled-resource", 10, 24, KAP_SEVERITY_WARNING,
             "no request has the resource \"Pods\" (resource names are lower case)");
    ck_assert_str_eq(f->hint, "write \"pods\"");
    must(a, "misspelled-resource", 10, 30, KAP_SEVERITY_WARNING, "\"pod\" (resource names are plural)");
    f = must(a, "misspelled-resource", 10, 35, KAP_SEVERITY_WARNING, "pods has no subresource \"logs\" (it has \"log\")");
    ck_assert_str_eq(f->hint, "write \"pods/log\"");
    f = must(a, "resource-wrong-group", 10, 48, KAP_SEVERITY_WARNING,
             "deployments is served by the API group \"apps\", not \"\" (the core group)");
    ck_assert_str_eq(f->hint, "move it to an entry with group: \"apps\"");
    must(a, "unknown-resource", 10, 61, KAP_SEVERITY_INFO, "Kubernetes 1.36 serves no resource \"foo\" in the API group "
                                                          "\"\" (the core group)");
    must(a, "misspelled-resource", 12, 17, KAP_SEVERITY_WARNING, "\"Deployment\" (resource names are plural)");
    f = must(a, "misspelled-resource", 12, 29, KAP_SEVERITY_WARNING, "(the group goes in the group field)");
    ck_assert_str_eq(f->hint, "write \"deployments\" (the entry's group is already \"apps\")");
    must(a, "unknown-verb", 14, 11, KAP_SEVERITY_WARNING, "non-resource requests carry their HTTP method");
    must(a, "unknown-verb", 17, 11, KAP_SEVERITY_WARNING, "resource requests carry Kubernetes verbs");
    f = must(a, "namespaces-cluster-scoped", 18, 15, KAP_SEVERITY_WARNING,
             "the rule's resources are all cluster-scoped: their requests have the namespace \"\", so namespaces "
             "\"kube-system\" never matches them");
    ck_assert_str_eq(f->field, "rules[2].namespaces");
    /* exactly these */
    ck_assert_uint_eq(count(a, "unknown-verb"), 5);
    ck_assert_uint_eq(count(a, "misspelled-resource"), 5);
    ck_assert_uint_eq(count(a, "resource-wrong-group"), 1);
    kap_analysis_free(a);
}
END_TEST

START_TEST(nonresource_verbs)
{
    /* requestinfo.md: a non-resource request's verb is its method, any token, in lower case */
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"                                                /* 4 */
                                "  verbs: [propfind, m-search, get, PROPFIND, watch, \"*\", \"get list\"]\n" /* 5 */
                                "  nonResourceURLs: [\"/dav/*\"]\n"
                                "- level: None\n"                                                /* 7 */
                                "  verbs: [propfind, mkcol, list, \"*\", impersonate]\n"        /* 8 */
                                "- level: None\n"                                                /* 9 */
                                "  verbs: [propfind, POST, PROPFIND]\n"                         /* 10 */
                                "  resources: [{group: \"\", resources: [pods]}]\n"
                                "- level: None\n"                                                /* 12 */
                                "  verbs: [mkcol]\n"
                                "  namespaces: [default]\n"
                                "- level: None\n"                                                /* 15 */
                                "  verbs: [report]\n"
                                "  nonResourceURLs: [\"/x\"]\n"
                                "- level: None\n"                                                /* 18 */
                                "  verbs: [x1, \"a'b\", X-1]\n"                               /* 19 */
                                "  nonResourceURLs: [\"/y\"]\n");
    /* rule 0: propfind, m-search and get are methods; the upper case one and a Kubernetes verb are not */
    const kap_finding *f = must(a, "unknown-verb", 5, 36, KAP_SEVERITY_WARNING,
                                "no request has the verb \"PROPFIND\" (verbs are lower case)");
    ck_assert_str_eq(f->hint, "write \"propfind\"");
    must(a, "unknown-verb", 5, 46, KAP_SEVERITY_WARNING,
         "only a request sent with the HTTP method \"WATCH\" (in any letter case) has the verb \"watch\" "
         "(non-resource requests carry their HTTP method as the verb: get, post, put, ...), so this entry matches no "
         "request sent with a standard method");
    must(a, "unknown-verb", 5, 53, KAP_SEVERITY_WARNING,
         "only a request sent with the HTTP method \"*\" has the verb \"*\" (\"*\" is not a wildcard here)");
    must(a, "unknown-verb", 5, 58, KAP_SEVERITY_WARNING,
         "no request has the verb \"get list\" (it is none of the verbs kube-apiserver gives requests)");
    /* rule 1 matches requests of both kinds: list is a resource verb, propfind and mkcol methods */
    must(a, "unknown-verb", 8, 34, KAP_SEVERITY_WARNING, "\"*\" is not a wildcard here");
    must(a, "authorization-verb", 8, 39, KAP_SEVERITY_INFO,
         "kube-apiserver checks \"impersonate\" when it authorizes a request, but only a request sent with the HTTP "
         "method \"IMPERSONATE\" (in any letter case) has it as its verb");
    /* rule 2 and 3 match resource requests only: no method but the Kubernetes verbs */
    f = must(a, "unknown-verb", 10, 11, KAP_SEVERITY_WARNING,
             "no request has the verb \"propfind\" (resource requests carry Kubernetes verbs: get, list, watch, create, "
             "update, patch, delete, deletecollection), so this entry never matches");
    ck_assert_str_eq(f->hint, "a resource request sent with any other HTTP method has the empty verb \"\"");
    f = must(a, "unknown-verb", 10, 21, KAP_SEVERITY_WARNING,
             "no request has the verb \"POST\" (resource requests carry Kubernetes verbs");
    ck_assert_str_eq(f->hint, "POST is create, PUT is update");
    must(a, "unknown-verb", 10, 27, KAP_SEVERITY_WARNING,
         "no request has the verb \"PROPFIND\" (it is none of the verbs kube-apiserver gives requests)");
    must(a, "unknown-verb", 13, 11, KAP_SEVERITY_WARNING, "no request has the verb \"mkcol\" (resource requests");
    ck_assert_uint_eq(count(a, "unknown-verb"), 10);
    ck_assert_uint_eq(count(a, "authorization-verb"), 1);
    /* the witness of a rule for an unusual method has that method's verb */
    witness_is(a, 4,
               "{\"user\":\"alice\",\"groups\":[\"system:authenticated\"],\"verb\":\"report\",\"resourceRequest\":false,"
               "\"path\":\"/x\",\"witness\":4}");
    /* method tokens with digits and symbols are methods; upper case is not */
    f = must(a, "unknown-verb", 19, 22, KAP_SEVERITY_WARNING, "no request has the verb \"X-1\" (verbs are lower case)");
    ck_assert_str_eq(f->hint, "write \"x-1\"");
    kap_analysis_free(a);
}
END_TEST

START_TEST(patterns_by_release)
{
    const char *p = HEAD "rules:\n- level: None\n  resources: [{group: admissionregistration.k8s.io, resources: "
                         "[validatingadmissionpolicies]}]\n- level: Metadata\n";
    kap_analysis *a = lint_v(p, 25, KAP_OK);
    must(a, "unknown-resource", 5, 65, KAP_SEVERITY_INFO, "Kubernetes 1.25 serves no resource");
    kap_analysis_free(a);
    a = lint_v(p, 26, KAP_OK);
    ck_assert_uint_eq(count(a, "unknown-resource"), 0);
    kap_analysis_free(a);
    /* a custom group is not judged */
    a = lint(HEAD "rules:\n- level: None\n  resources: [{group: example.com, resources: [Widget]}]\n");
    ck_assert_uint_eq(count(a, "misspelled-resource") + count(a, "unknown-resource"), 0);
    kap_analysis_free(a);
    /* two slashes match no request (a dead value, said once): not judged
     * as the resource before the first slash, nor as a misspelled
     * subresource */
    a = lint(HEAD "rules:\n- level: None\n  resources: [{group: \"\", resources: [a/b/c, pods/log/x, pods/lgo/x, "
                  "configmaps]}]\n- level: Metadata\n");
    ck_assert_uint_eq(count(a, "misspelled-resource") + count(a, "unknown-resource"), 0);
    ck_assert_uint_eq(count(a, "dead-value"), 3);
    kap_analysis_free(a);
}
END_TEST

/* ---- what rules log ------------------------------------------------------------------- */

START_TEST(sensitive_bodies)
{
    kap_analysis *a = lint(HEAD "omitStages: [RequestReceived]\n"
                                "rules:\n"
                                "- level: Request\n"                                 /* 5 */
                                "  verbs: [get, list, watch]\n"
                                "- level: Metadata\n"                                /* 7 */
                                "  resources: [{group: \"\", resources: [secrets]}]\n"
                                "- level: Request\n"                                 /* 9 */
                                "  resources: [{group: \"\"}]\n"
                                "- level: RequestResponse\n");                       /* 11 */
    /* reads at Request carry no body; secrets are taken at Metadata first */
    ck_assert_ptr_null(find(a, "sensitive-body", 5));
    const kap_finding *f = must(a, "sensitive-body", 9, 10, KAP_SEVERITY_WARNING,
                                "this rule logs the bodies of writes (create, update, patch) of configmaps (level "
                                "Request)");
    ck_assert_str_eq(f->field, "rules[2].level");
    must(a, "sensitive-body", 11, 10, KAP_SEVERITY_WARNING,
         "request and response bodies of tokenreviews and certificatesigningrequests (level RequestResponse)");
    /* the reads all go to the first rule */
    ck_assert_uint_eq(count(a, "high-volume-body"), 0);
    ck_assert_uint_eq(count(a, "uri-leak"), 2);
    must(a, "uri-leak", 5, 10, KAP_SEVERITY_INFO, "pods/exec, pods/attach and pods/portforward");
    must(a, "uri-leak", 9, 10, KAP_SEVERITY_INFO, "pods/exec, pods/attach and pods/portforward");
    ck_assert_uint_eq(count(a, "request-received-logged"), 0);
    kap_analysis_free(a);
    a = lint(HEAD "omitStages: [RequestReceived]\nrules:\n- level: RequestResponse\n");
    must(a, "high-volume-body", 5, 10, KAP_SEVERITY_INFO,
         "(get, list, watch of events, leases, endpoints, endpointslices, /healthz, /livez, /readyz and /metrics)");
    must(a, "sensitive-body", 5, 10, KAP_SEVERITY_WARNING,
         "secrets, configmaps, tokenreviews, serviceaccounts/token and certificatesigningrequests");
    kap_analysis_free(a);
}
END_TEST

/* A rule whose omitStages (with the policy's) drop every event that would
 * carry the concern logs none of it: the URI is in every stage's event, bodies
 * never in RequestReceived's (it is sent before the body is read). */
START_TEST(risks_omitted_stages)
{
    kap_analysis *a = lint(HEAD "omitStages: [Panic]\n"
                                "rules:\n"
                                "- level: RequestResponse\n"                          /* 5 */
                                "  resources: [{group: \"\", resources: [secrets]}]\n"
                                "  omitStages: [ResponseStarted, ResponseComplete]\n"
                                "- level: Request\n"                                  /* 8 */
                                "  resources: [{group: \"\", resources: [configmaps]}]\n"
                                "  omitStages: [RequestReceived, ResponseStarted, Panic]\n"
                                "- level: Metadata\n"                                 /* 11 */
                                "  resources: [{group: \"\", resources: [pods/exec]}]\n"
                                "  omitStages: [RequestReceived, ResponseStarted, ResponseComplete]\n"
                                "- level: Metadata\n"                                 /* 14 */
                                "  resources: [{group: \"\", resources: [pods/attach]}]\n"
                                "  omitStages: [ResponseStarted, ResponseComplete]\n"
                                "- level: RequestResponse\n"                          /* 17 */
                                "  resources: [{group: \"\", resources: [serviceaccounts/token]}]\n"
                                "  omitStages: [ResponseStarted, ResponseComplete, RequestReceived]\n"
                                "- level: None\n");
    /* only RequestReceived is left: no body, so no sensitive-body */
    ck_assert_ptr_null(find(a, "sensitive-body", 5));
    ck_assert_ptr_null(find(a, "sensitive-body", 17));
    /* ResponseComplete is kept, with the bodies of writes */
    must(a, "sensitive-body", 8, 10, KAP_SEVERITY_WARNING, "of configmaps (level Request)");
    /* every stage dropped: nothing at all is logged */
    ck_assert_ptr_null(find(a, "uri-leak", 11));
    /* RequestReceived alone still records the URI */
    must(a, "uri-leak", 14, 10, KAP_SEVERITY_INFO, "this rule logs pods/attach requests");
    ck_assert_uint_eq(count(a, "sensitive-body"), 1);
    ck_assert_uint_eq(count(a, "uri-leak"), 1);
    kap_analysis_free(a);
}
END_TEST

/* high-volume-body: the responses come with ResponseComplete (Panic for a
 * failed one); a rule that drops those stages writes no response body */
START_TEST(volume_omitted_stages)
{
    kap_analysis *a = lint(HEAD "omitStages: [Panic]\n"
                                "rules:\n"
                                "- level: RequestResponse\n"                          /* 5 */
                                "  resources: [{group: coordination.k8s.io, resources: [leases]}]\n"
                                "  omitStages: [ResponseStarted, ResponseComplete]\n"
                                "- level: RequestResponse\n"                          /* 8 */
                                "  resources: [{group: \"\", resources: [events]}]\n"
                                "  omitStages: [ResponseStarted]\n"
                                "- level: None\n");
    ck_assert_ptr_null(find(a, "high-volume-body", 5));
    must(a, "high-volume-body", 8, 10, KAP_SEVERITY_INFO, "get, list, watch of events");
    ck_assert_uint_eq(count(a, "high-volume-body"), 1);
    kap_analysis_free(a);
}
END_TEST

START_TEST(volume)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"              /* 4 */
                                "  users: [alice]\n");
    const kap_finding *f = must(a, "no-catch-all", 4, 3, KAP_SEVERITY_INFO,
                                "requests that no rule matches are not logged: 67% of the request space");
    ck_assert_ptr_nonnull(strstr(f->message, "such as get \"pods\" in \"default\" by \"bob\""));
    ck_assert_int_eq(f->rule, -1);
    /* level None everywhere: nothing is logged, so nothing logs RequestReceived */
    ck_assert_uint_eq(count(a, "request-received-logged"), 0);
    kap_analysis_free(a);
    a = lint(HEAD "rules:\n- level: Metadata\n  users: [alice]\n- level: Metadata\n");
    ck_assert_uint_eq(count(a, "no-catch-all"), 0);
    must(a, "request-received-logged", 4, 1, KAP_SEVERITY_INFO, "no rule omits the RequestReceived stage");
    kap_analysis_free(a);
    /* one rule omitting it is enough: the others are on purpose */
    a = lint(HEAD "rules:\n- level: Metadata\n  users: [alice]\n  omitStages: [RequestReceived]\n- level: Metadata\n");
    ck_assert_uint_eq(count(a, "request-received-logged"), 0);
    ck_assert_uint_eq(serious(a), 0);
    kap_analysis_free(a);
}
END_TEST

/* ---- suppression, limits, the API --------------------------------------------------------- */

START_TEST(inline_suppression)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: Metadata\n"                        /* 4 */
                                "# kap:ignore unreachable-rule, dead-value  kept for old clusters\n"
                                "# (a remark)\n"
                                "- level: None\n"                            /* 7 */
                                "  users: [alice]\n"
                                "- level: None # kap:ignore unreachable-rule\n" /* 9 */
                                "- level: None\n"                            /* 10 */
                                "  verbs: [GET] # kap:ignore unknown-verb\n"
                                "\n"
                                "# kap:ignore unreachable-rule\n"
                                "\n"
                                "- level: None\n"                            /* 15 */
                                "# kap:ignore unreachabel-rule\n"
                                "- level: None\n");                          /* 17 */
    ck_assert_uint_eq(kap_analysis_suppressed(a), 3);
    ck_assert_ptr_null(find(a, "unreachable-rule", 7));
    ck_assert_ptr_null(find(a, "unreachable-rule", 9));
    ck_assert_ptr_null(find(a, "unknown-verb", 11));
    /* verbs: [GET] matches no request at all, whatever comes before */
    must(a, "unreachable-rule", 10, 3, KAP_SEVERITY_WARNING, "none of its verbs matches a request");
    /* a blank line between: not above the rule */
    must(a, "unreachable-rule", 15, 3, KAP_SEVERITY_WARNING, "rule 0");
    must(a, "bad-directive", 16, 14, KAP_SEVERITY_WARNING, "kap:ignore names \"unreachabel-rule\", which is not a check");
    must(a, "unreachable-rule", 17, 3, KAP_SEVERITY_WARNING, "rule 0");
    kap_analysis_free(a);
    /* the comments before the document: the whole file */
    a = lint("# kap:ignore unreachable-rule,no-catch-all\n" HEAD "rules:\n- level: None\n- level: None\n  users: [a]\n");
    ck_assert_uint_eq(count(a, "unreachable-rule"), 0);
    ck_assert_uint_eq(kap_analysis_suppressed(a), 1);
    kap_analysis_free(a);
    /* a '#' inside a quoted value is no comment */
    a = lint(HEAD "rules:\n- level: None\n- level: None\n  users: [\"a # kap:ignore unreachable-rule\"]\n");
    ck_assert_uint_eq(count(a, "unreachable-rule"), 1);
    kap_analysis_free(a);
}
END_TEST

START_TEST(limits)
{
    const char *p = HEAD "rules:\n"
                         "- level: None\n  verbs: [get]\n"
                         "- level: None\n  verbs: [list]\n  users: [a]\n"
                         "- level: None\n  verbs: [watch]\n  namespaces: [x]\n"
                         "- level: Metadata\n  verbs: [get, list, watch, create]\n  namespaces: [x, z]\n";
    kap_analysis_options ao;
    kap_analysis_options_init(&ao);
    ao.max_rule_steps = 3;
    kap_analysis *a = NULL;
    ck_assert_int_eq(kap_analyze_buffer(&a, p, strlen(p), "t.yaml", NULL, &ao), KAP_OK);
    /* rules 1 and 2 need no search (a request built from them is theirs); rule 3 does */
    must(a, "analysis-limit", 4, 1, KAP_SEVERITY_WARNING,
         "whether rule 3 (line 12) ever decides a request was not decided (limit: max_rule_steps); it has no witness");
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 1), 1);
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 3), -1);
    must(a, "analysis-limit", 4, 1, KAP_SEVERITY_WARNING,
         "whether some request falls through every rule was not decided: the analysis reached its limit max_rule_steps");
    kap_analysis_free(a);
    /* too many classes: nothing that needs the space is checked */
    kap_analysis_options_init(&ao);
    ao.max_classes = 5;
    ck_assert_int_eq(kap_analyze_buffer(&a, p, strlen(p), "t.yaml", NULL, &ao), KAP_OK);
    const kap_finding *f = must(a, "analysis-limit", 4, 1, KAP_SEVERITY_WARNING,
                                "more than 5 attribute classes (max_classes)");
    ck_assert_int_eq(f->rule, -1);
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 0), -1);
    kap_analysis_free(a);
    /* the work space of one rule */
    kap_analysis_options_init(&ao);
    ao.max_memory = 64;
    ck_assert_int_eq(kap_analyze_buffer(&a, p, strlen(p), "t.yaml", NULL, &ao), KAP_OK);
    f = find(a, "analysis-limit", 0);
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(strstr(f->message, "max_memory"));
    kap_analysis_free(a);
}
END_TEST

START_TEST(api_calls)
{
    kap_analysis *a = NULL;
    ck_assert_int_eq(kap_analyze_buffer(NULL, "", 0, NULL, NULL, NULL), KAP_EARG);
    ck_assert_int_eq(kap_analyze_buffer(&a, NULL, 3, NULL, NULL, NULL), KAP_EARG);
    ck_assert_int_eq(kap_analyze(&a, NULL, NULL, NULL), KAP_EARG);
    ck_assert_int_eq(kap_analyze(NULL, "x", NULL, NULL), KAP_EARG);
    kap_analysis_options ao = {0};
    ck_assert_int_eq(kap_analyze_buffer(&a, "", 0, NULL, NULL, &ao), KAP_EARG);
    kap_options o;
    kap_options_init(&o);
    o.kube_minor = 99;
    ck_assert_int_eq(kap_analyze_buffer(&a, "", 0, NULL, &o, NULL), KAP_EARG);
    ck_assert_ptr_null(a);
    /* NULL is harmless */
    kap_analysis_free(NULL);
    ck_assert_uint_eq(kap_analysis_count(NULL), 0);
    ck_assert_ptr_null(kap_analysis_get(NULL, 0));
    ck_assert_uint_eq(kap_analysis_suppressed(NULL), 0);
    ck_assert_ptr_null(kap_analysis_diagnostics(NULL));
    ck_assert_ptr_null(kap_analysis_policy(NULL));
    ck_assert_int_eq(kap_analysis_rule_reachable(NULL, 0), -1);
    kap_analysis_options_init(NULL);
    /* a file that is not there */
    ck_assert_int_eq(kap_analyze(&a, "/nonexistent/p.yaml", NULL, NULL), KAP_EIO);
    ck_assert_int_eq(
        must(a, "invalid-policy", 0, 0, KAP_SEVERITY_ERROR, "failed to read file path \"/nonexistent/p.yaml\"")->rule, -1);
    ck_assert_ptr_null(kap_analysis_policy(a));
    kap_analysis_free(a);
    /* checks */
    ck_assert_uint_ge(kap_lint_check_count(), 20);
    for (size_t i = 0; i < kap_lint_check_count(); i++) {
        const kap_lint_check *c = kap_lint_check_get(i);
        ck_assert_ptr_eq(kap_lint_check_find(c->id), c);
        ck_assert_uint_gt(strlen(c->title), 0);
        ck_assert_uint_gt(strlen(c->description), 20);
    }
    ck_assert_ptr_null(kap_lint_check_get(kap_lint_check_count()));
    ck_assert_ptr_null(kap_lint_check_find("nope"));
    ck_assert_ptr_null(kap_lint_check_find(NULL));
    /* the witness as JSON, cut like snprintf */
    a = lint(HEAD "rules:\n- level: None\n  users: [\"a\\0b\"]\n  nonResourceURLs: [\"/x\"]\n");
    char small[10];
    size_t n = kap_analysis_witness_json(a, 0, small, sizeof small);
    ck_assert_uint_gt(n, sizeof small);
    ck_assert_str_eq(small, "{\"user\":\"");
    ck_assert_uint_eq(kap_analysis_witness_json(a, 0, NULL, 0), n);
    char *big = malloc(n + 1);
    kap_analysis_witness_json(a, 0, big, n + 1);
    ck_assert_str_eq(big, "{\"user\":\"a\\u0000b\",\"groups\":[\"system:authenticated\"],\"verb\":\"get\","
                          "\"resourceRequest\":false,\"path\":\"/x\",\"witness\":0}");
    free(big);
    kap_request_n w;
    ck_assert_int_eq(kap_analysis_witness(a, 0, NULL), KAP_EARG);
    ck_assert_int_eq(kap_analysis_witness(a, 5, &w), KAP_EARG);
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 5), -1);
    ck_assert_int_eq(kap_analysis_witness(a, 0, &w), KAP_OK);
    ck_assert_uint_eq(w.user.len, 3); /* the NUL kept */
    kap_analysis_free(a);
}
END_TEST

START_TEST(clean_policy)
{
    /* a careful policy: nothing above info */
    kap_analysis *a = lint(HEAD "omitStages: [RequestReceived]\n"
                                "rules:\n"
                                "- level: None\n"
                                "  users: [\"system:kube-proxy\"]\n"
                                "  verbs: [watch]\n"
                                "  resources: [{group: \"\", resources: [endpoints, services]}]\n"
                                "- level: None\n"
                                "  nonResourceURLs: [\"/healthz*\", \"/livez*\", \"/readyz*\", \"/version\"]\n"
                                "- level: Metadata\n"
                                "  resources:\n"
                                "  - group: \"\"\n"
                                "    resources: [secrets, configmaps, \"serviceaccounts/token\"]\n"
                                "  - group: authentication.k8s.io\n"
                                "    resources: [tokenreviews]\n"
                                "  - group: certificates.k8s.io\n"
                                "    resources: [certificatesigningrequests]\n"
                                "- level: None\n"
                                "  resources: [{group: \"\", resources: [events]}]\n"
                                "- level: Request\n"
                                "  verbs: [create, update, patch, delete]\n"
                                "- level: Metadata\n");
    ck_assert_msg(serious(a) == 0, "first: %s", kap_analysis_count(a) ? kap_analysis_get(a, 0)->message : "");
    kap_analysis_free(a);
}
END_TEST


START_TEST(path_regions)
{
    /* every short path under /a is listed: the witness of /a* is found deeper */
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"
                                "  nonResourceURLs: [\"/a\", \"/a/x\", \"/ax\", \"/a/\", \"/axx\"]\n"
                                "- level: Metadata\n"
                                "  nonResourceURLs: [\"/a*\"]\n"
                                "- level: Metadata\n"
                                "  nonResourceURLs: [\"*\"]\n");
    witness_is(a, 1,
               "{\"user\":\"alice\",\"groups\":[\"system:authenticated\"],\"verb\":\"get\",\"resourceRequest\":false,"
               "\"path\":\"/axxx\",\"witness\":1}");
    /* "*": everything else, which starts with "/" */
    witness_is(a, 2,
               "{\"user\":\"alice\",\"groups\":[\"system:authenticated\"],\"verb\":\"get\",\"resourceRequest\":false,"
               "\"path\":\"/\",\"witness\":2}");
    kap_analysis_free(a);
    /* "/" listed exactly and as a prefix: every path is under it (a path
     * starts with "/"), so "*" decides nothing more */
    a = lint(HEAD "rules:\n- level: None\n  nonResourceURLs: [\"/\", \"/*\"]\n- level: Metadata\n  nonResourceURLs: [\"*\"]\n");
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 1), 0);
    must(a, "unreachable-rule", 6, 3, KAP_SEVERITY_WARNING, "rule 0 (line 4) decides every request it matches");
    kap_analysis_free(a);
}
END_TEST

START_TEST(star_url_after_slash_star)
{
    /* "*" after "/"+"*" for the same users and verbs: every request's path
     * starts with '/' (requestinfo.md 2), so rule 1 decides nothing */
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"
                                "  users: [alice]\n"
                                "  nonResourceURLs: [\"/*\"]\n"
                                "- level: Metadata\n"               /* 7 */
                                "  users: [alice]\n"
                                "  nonResourceURLs: [\"*\"]\n"
                                "- level: Request\n"                /* 10 */
                                "  nonResourceURLs: [\"/healthz\", \"*\"]\n");
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 1), 0);
    const kap_finding *f = must(a, "unreachable-rule", 7, 3, KAP_SEVERITY_WARNING, "rule 0 (line 4)");
    ck_assert_uint_eq(f->n_related, 1);
    kap_request_n w;
    ck_assert_int_eq(kap_analysis_witness(a, 1, &w), KAP_EARG);
    /* a rule with "*" still has witnesses, and they start with '/' */
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 2), 1);
    ck_assert_int_eq(kap_analysis_witness(a, 2, &w), KAP_OK);
    ck_assert(w.path.len > 0 && w.path.ptr[0] == '/');
    kap_analysis_free(a);
    /* "*" alone, and after "/": its witness is a real path */
    a = lint(HEAD "rules:\n- level: None\n  nonResourceURLs: [\"/\"]\n- level: Metadata\n  nonResourceURLs: [\"*\"]\n");
    ck_assert_int_eq(kap_analysis_witness(a, 1, &w), KAP_OK);
    ck_assert(w.path.len > 1 && w.path.ptr[0] == '/');
    char why[512];
    ck_assert_msg(!witness_url_disagrees(&w, why, sizeof why), "%s", why);
    kap_analysis_free(a);
}
END_TEST

/* A resource request's verb goes with its name and subresource
 * (requestinfo.md 8-11): get and delete have a name, deletecollection
 * none, list only one a field selector gives, proxy no subresource. A rule
 * of only other combinations decides nothing, and says why. */
START_TEST(verb_name_tie_unreachable)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"                   /* 4 */
                                "  verbs: [deletecollection]\n"
                                "  resources: [{group: \"\", resources: [pods], resourceNames: [x]}]\n"
                                "- level: None\n"                   /* 7 */
                                "  verbs: [get, delete]\n"
                                "  resources: [{group: \"\", resources: [pods], resourceNames: [\"\"]}]\n"
                                "- level: None\n"                   /* 10 */
                                "  verbs: [proxy]\n"
                                "  resources: [{group: \"\", resources: [\"pods/log\", \"*/status\"]}]\n"
                                "- level: None\n"                   /* 13 */
                                "  verbs: [list]\n"
                                "  resources: [{group: \"\", resources: [pods], resourceNames: [\".\", \"..\", \"a%b\"]}]\n"
                                "- level: Metadata\n");             /* 16 */
    static const char *const why[] = {"deletecollection never has a name",
                                      "get and delete always have a name (a GET or DELETE without one is list, "
                                      "watch or deletecollection)",
                                      "proxy (the legacy /proxy/ path) has no subresource",
                                      "list has a name only from a field selector, never \".\", \"..\" or one "
                                      "with a '%'"};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(kap_analysis_rule_reachable(a, i), 0);
        const kap_finding *f =
            must(a, "unreachable-rule", 4 + 3 * (unsigned)i, 3, KAP_SEVERITY_WARNING,
                 "this rule never decides a request: no request has one of its verbs with one of its resourceNames "
                 "and subresources: ");
        ck_assert_msg(strstr(f->message, why[i]), "rule %zu: %s", i, f->message);
        ck_assert_uint_eq(f->n_related, 0);
        kap_request_n w;
        ck_assert_int_eq(kap_analysis_witness(a, i, &w), KAP_EARG);
    }
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 4), 1);
    ck_assert_uint_eq(count(a, "unreachable-rule"), 4);
    kap_analysis_free(a);
}
END_TEST

/* Only ".", ".." and names with '%' (or '/') are names no field selector
 * gives a list: one- and two-byte names with dots, and longer ones made of
 * dots, are still names a list has, each the witness of its rule. */
START_TEST(list_names_a_field_selector_gives)
{
    static const char *const names[] = {"a", "ab", ".a", "a.", "...", ".b.", "-"};
    static const char *const res[] = {"pods", "secrets", "configmaps", "services", "nodes", "events", "leases"};
    char text[2048];
    size_t n = (size_t)snprintf(text, sizeof text, HEAD "rules:\n");
    for (size_t i = 0; i < 7; i++)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "- level: None\n  verbs: [list]\n"
                              "  resources: [{group: \"\", resources: [%s], resourceNames: [\"%s\"]}]\n",
                              res[i], names[i]);
    snprintf(text + n, sizeof text - n, "- level: Metadata\n");
    kap_analysis *a = lint(text);
    ck_assert_uint_eq(count(a, "unreachable-rule"), 0);
    for (size_t i = 0; i < 7; i++) {
        ck_assert_msg(kap_analysis_rule_reachable(a, i) == 1, "rule %zu (%s)", i, names[i]);
        kap_request_n w;
        ck_assert_int_eq(kap_analysis_witness(a, i, &w), KAP_OK);
        ck_assert_msg(w.name.len == strlen(names[i]) && memcmp(w.name.ptr, names[i], w.name.len) == 0,
                      "rule %zu: witness name %.*s", i, (int)w.name.len, w.name.ptr);
    }
    kap_analysis_free(a);
}
END_TEST

/* The impossible combinations shadow nothing and are no way around an
 * earlier rule: get of pods named "" is no request, so a rule of get pods
 * named "" or web after one of get pods named web decides nothing. */
START_TEST(verb_name_tie_shadowing)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"                   /* 4 */
                                "  verbs: [get]\n"
                                "  resources: [{group: \"\", resources: [pods], resourceNames: [web]}]\n"
                                "- level: Metadata\n"               /* 7 */
                                "  verbs: [get]\n"
                                "  resources: [{group: \"\", resources: [pods], resourceNames: [\"\", web]}]\n"
                                "- level: None\n"                   /* 10 */
                                "  verbs: [get, list, deletecollection]\n"
                                "  resources: [{group: \"\", resources: [secrets], resourceNames: [\"\"]}]\n"
                                "- level: Request\n"                /* 13 */
                                "  verbs: [list, deletecollection]\n"
                                "  resources: [{group: \"\", resources: [secrets]}]\n");
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 1), 0);
    const kap_finding *f = must(a, "unreachable-rule", 7, 3, KAP_SEVERITY_WARNING,
                                "this rule never decides a request: rule 0 (line 4) decides every request it matches");
    ck_assert_uint_eq(f->n_related, 1);
    /* rule 2 takes list and deletecollection of secrets without a name: rule 3
     * keeps only a list with a name (from a field selector) */
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 3), 1);
    kap_request_n w;
    ck_assert_int_eq(kap_analysis_witness(a, 3, &w), KAP_OK);
    ck_assert_str_eq(w.verb.ptr, "list");
    ck_assert_uint_gt(w.name.len, 0);
    witness_path_agrees(a, 3);
    kap_analysis_free(a);
}
END_TEST

/* Every witness is a request a URL gives: the verb that goes with the
 * rule's names and subresources, and the URL round trip checks the verb. */
START_TEST(verb_name_tie_witnesses)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"                   /* 4 */
                                "  verbs: [delete, deletecollection]\n"
                                "  resources: [{group: \"\", resources: [pods], resourceNames: [\"\"]}]\n"
                                "- level: None\n"                   /* 7 */
                                "  verbs: [deletecollection, get]\n"
                                "  resources: [{group: \"\", resources: [pods], resourceNames: [web]}]\n"
                                "- level: None\n"                   /* 10 */
                                "  verbs: [proxy, get]\n"
                                "  resources: [{group: \"\", resources: [\"pods/log\"]}]\n"
                                "- level: None\n"                   /* 13 */
                                "  verbs: [list, get]\n"
                                "  resources: [{group: \"\", resources: [pods], resourceNames: [\".\"]}]\n"
                                "- level: None\n"                   /* 16 */
                                "  verbs: [get, list]\n"
                                "  resources: [{group: \"\", resources: [configmaps], resourceNames: [\"\"]}]\n");
    static const char *const verbs[] = {"deletecollection", "get", "get", "get", "list"};
    for (size_t i = 0; i < 5; i++) {
        kap_request_n w;
        ck_assert_int_eq(kap_analysis_witness(a, i, &w), KAP_OK);
        ck_assert_msg(w.verb.len == strlen(verbs[i]) && memcmp(w.verb.ptr, verbs[i], w.verb.len) == 0,
                      "rule %zu: the witness's verb is %.*s", i, (int)w.verb.len, w.verb.ptr);
        witness_path_agrees(a, i);
    }
    kap_analysis_free(a);
}
END_TEST

/* A value through which the rule has only requests no URL gives is dead,
 * and says so. */
START_TEST(verb_name_tie_dead_values)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"                   /* 4 */
                                "  verbs: [get, list]\n"
                                "  resources: [{group: \"\", resources: [pods], resourceNames: [\"\"]}]\n"
                                "- level: None\n"                   /* 7 */
                                "  verbs: [get]\n"
                                "  resources: [{group: \"\", resources: [secrets], resourceNames: [\"\", web]}]\n"
                                "- level: None\n"                   /* 10 */
                                "  verbs: [proxy]\n"
                                "  resources: [{group: \"\", resources: [services, \"services/proxy\"]}]\n"
                                "- level: None\n"                   /* 13 */
                                "  verbs: [delete]\n"
                                "  resources: [{group: \"\", resources: [nodes], resourceNames: [\"\"]}, "
                                "{group: apps, resources: [deployments]}]\n");
    const char *tied = "never decides a request: no request has it with this rule's verbs, resourceNames and "
                       "subresources: get and delete always have a name";
    must(a, "dead-value", 5, 11, KAP_SEVERITY_INFO, tied);
    must(a, "dead-value", 9, 65, KAP_SEVERITY_INFO, tied);
    must(a, "dead-value", 12, 49, KAP_SEVERITY_INFO, tied);
    must(a, "dead-value", 15, 15, KAP_SEVERITY_INFO,
         "the resources entry for group \"\" never decides a request: no request has its names and subresources "
         "with this rule's verbs");
    ck_assert_uint_eq(count(a, "dead-value"), 4);
    ck_assert_uint_eq(count(a, "unreachable-rule"), 0);
    kap_analysis_free(a);
}
END_TEST

/* After namespaces/NS/ the segments status and finalize are the Namespace
 * NS's subresources (requestinfo.md 7, any group): the resources status and
 * finalize are in the namespace "" only. A rule of only such requests in
 * another namespace decides none, the ones in "" make a later rule for them
 * unreachable, and a namespace or resource through which a rule has only
 * such requests is a dead value that says why. */
START_TEST(ns_subresource_unreachable)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n" /* 4 */
                                "  namespaces: [n1]\n"
                                "  resources: [{group: \"\", resources: [status, \"finalize/x\"]}]\n"
                                "- level: None\n" /* 7 */
                                "  namespaces: [n1, n2]\n"
                                "  resources: [{group: apps, resources: [finalize]}]\n"
                                "- level: None\n" /* 10 */
                                "  namespaces: [\"\"]\n"
                                "  resources: [{group: b, resources: [status]}]\n"
                                "- level: Metadata\n" /* 13 */
                                "  resources: [{group: b, resources: [status]}]\n"
                                "- level: None\n" /* 15 */
                                "  namespaces: [n1, \"\"]\n"
                                "  resources: [{group: c, resources: [status]}]\n"
                                "- level: None\n" /* 18 */
                                "  namespaces: [n1]\n"
                                "  resources: [{group: d, resources: [pods, finalize]}]\n"
                                "- level: Metadata\n"); /* 21 */
    const char *why = "the resources status and finalize are in the namespace \"\" only (after namespaces/NAME/ "
                      "they are the Namespace's subresources: requestinfo.md 7)";
    kap_request_n w;
    for (size_t i = 0; i < 2; i++) {
        const kap_finding *f = must(a, "unreachable-rule", 4 + 3 * (unsigned)i, 3, KAP_SEVERITY_WARNING,
                                    "this rule never decides a request: no request has its values together: ");
        ck_assert_msg(strstr(f->message, why), "rule %zu: %s", i, f->message);
        ck_assert_uint_eq(f->n_related, 0);
        ck_assert_int_eq(kap_analysis_rule_reachable(a, i), 0);
        ck_assert_int_eq(kap_analysis_witness(a, i, &w), KAP_EARG);
    }
    /* status of group b in "" takes every status of group b */
    const kap_finding *f = must(a, "unreachable-rule", 13, 3, KAP_SEVERITY_WARNING, "rule 2 (line 10) decides");
    ck_assert_uint_eq(f->n_related, 1);
    ck_assert_uint_eq(count(a, "unreachable-rule"), 3);
    /* n1 in namespaces, finalize in resources */
    f = must(a, "dead-value", 16, 16, KAP_SEVERITY_INFO,
             "\"n1\" in namespaces never decides a request: no request has it with this rule's other values: ");
    ck_assert_msg(strstr(f->message, why), "%s", f->message);
    f = must(a, "dead-value", 20, 44, KAP_SEVERITY_INFO,
             "\"finalize\" in resources[0].resources never decides a request: no request has it with this rule's "
             "other values: ");
    ck_assert_msg(strstr(f->message, why), "%s", f->message);
    ck_assert_uint_eq(count(a, "dead-value"), 2);
    for (size_t i = 4; i < 7; i++) {
        ck_assert_int_eq(kap_analysis_rule_reachable(a, i), 1);
        witness_url_agrees(a, i, i == 6 ? -1 : 1);
    }
    ck_assert_int_eq(kap_analysis_witness(a, 4, &w), KAP_OK);
    ck_assert_uint_eq(w.ns.len, 0);
    kap_analysis_free(a);
}
END_TEST

/* A resource request's verb is one request-info gives (requestinfo.md 6):
 * get list watch create update patch delete deletecollection proxy or "".
 * A rule for resources with only other verbs decides nothing; one with no
 * resources and no nonResourceURLs still decides non-resource requests
 * (their verb is any method lower-cased); a rule of every such verb takes
 * every resource request; and a verb the rule lists beside them is left to
 * unknown-verb and authorization-verb, not repeated as a dead value. */
START_TEST(resource_verb_unreachable)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n" /* 4 */
                                "  verbs: [impersonate, x]\n"
                                "  resources: [{group: \"\", resources: [pods]}]\n"
                                "- level: None\n" /* 7 */
                                "  verbs: [x]\n"
                                "  namespaces: [n1]\n"
                                "- level: None\n" /* 10 */
                                "  verbs: [x, impersonate]\n"
                                "- level: None\n" /* 12 */
                                "  verbs: [x, create]\n"
                                "  resources: [{group: \"\", resources: [secrets], resourceNames: [\"\", web]}]\n"
                                "- level: None\n" /* 15 */
                                "  verbs: [get, list, watch, create, update, patch, delete, deletecollection, proxy, "
                                "\"\"]\n"
                                "  resources: [{group: apps, resources: [deployments]}]\n"
                                "- level: Metadata\n" /* 18 */
                                "  resources: [{group: apps, resources: [deployments]}]\n"
                                "- level: Metadata\n"); /* 20 */
    const char *why = "a resource request's verb is get, list, watch, create, update, patch, delete, "
                      "deletecollection, proxy or \"\" (any other HTTP method: requestinfo.md 6)";
    kap_request_n w;
    for (size_t i = 0; i < 2; i++) {
        const kap_finding *f = must(a, "unreachable-rule", i ? 7 : 4, 3, KAP_SEVERITY_WARNING,
                                    "this rule never decides a request: no request has its values together: ");
        ck_assert_msg(strstr(f->message, why), "rule %zu: %s", i, f->message);
        ck_assert_uint_eq(f->n_related, 0);
        ck_assert_int_eq(kap_analysis_witness(a, i, &w), KAP_EARG);
    }
    /* x and impersonate as the methods X and IMPERSONATE */
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 2), 1);
    witness_url_agrees(a, 2, 0);
    /* create of secrets, named "" or web */
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 3), 1);
    witness_url_agrees(a, 3, 1);
    const kap_finding *f = must(a, "unreachable-rule", 18, 3, KAP_SEVERITY_WARNING, "rule 4 (line 15) decides");
    ck_assert_uint_eq(f->n_related, 1);
    ck_assert_uint_eq(count(a, "unreachable-rule"), 3);
    ck_assert_uint_eq(count(a, "dead-value"), 0);
    must(a, "unknown-verb", 13, 11, KAP_SEVERITY_WARNING, "no request has the verb \"x\"");
    kap_analysis_free(a);
}
END_TEST

/* A value through which a rule has only requests of verbs no resource
 * request has, or with a verb tied to another name, says both reasons. */
START_TEST(resource_verb_dead_value)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n" /* 4 */
                                "  verbs: [get, impersonate]\n"
                                "  resources: [{group: \"\", resources: [pods], resourceNames: [\"\", web]}]\n"
                                "- level: Metadata\n");
    const kap_finding *f = must(a, "dead-value", 6, 62, KAP_SEVERITY_INFO,
                                "\"\" in resources[0].resourceNames never decides a request: no request has it with "
                                "this rule's other values: get and delete always have a name");
    ck_assert_msg(strstr(f->message, "; a resource request's verb is get, list, watch"), "%s", f->message);
    ck_assert_uint_eq(count(a, "dead-value"), 1);
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 0), 1);
    witness_url_agrees(a, 0, 1);
    kap_analysis_free(a);
}
END_TEST

START_TEST(versions_as_groups)
{
    kap_analysis *a = lint(HEAD "rules:\n- level: None\n  resources:\n"
                                "  - group: v1beta1\n  - group: v2alpha3\n  - group: v1x\n  - group: v10\n"
                                "  - group: vbeta1\n  - group: v1beta\n  - group: v1gamma2\n");
    ck_assert_ptr_nonnull(find(a, "group-version", 6));
    ck_assert_ptr_nonnull(find(a, "group-version", 7));
    ck_assert_ptr_null(find(a, "group-version", 8));  /* v1x */
    ck_assert_ptr_nonnull(find(a, "group-version", 9)); /* v10 */
    ck_assert_ptr_null(find(a, "group-version", 10));
    ck_assert_ptr_null(find(a, "group-version", 11)); /* v1beta: a beta without its number */
    ck_assert_ptr_null(find(a, "group-version", 12));
    kap_analysis_free(a);
}
END_TEST

START_TEST(ignored_key_effects)
{
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- level: None\n"                   /* 4 */
                                "  verbs: [get]\n"
                                "  verb: [list]\n"                  /* 6: the rule's own verbs apply */
                                "  namespaces: [a]\n"
                                "  resource: [{group: apps}]\n"     /* 8 */
                                "- level: None\n"                   /* 9 */
                                "  nonResourceURLs: [\"/x\"]\n"
                                "  resource: [{group: apps}]\n"     /* 11 */
                                "  omitStage: [Panic]\n"            /* 12 */
                                "  omitManagedField: true\n"        /* 13 */
                                "- level: None\n"                   /* 14 */
                                "  resources: [{group: apps}]\n"
                                "  resource: [{group: batch}]\n"    /* 16 */
                                "  nonResourceURL: [\"/y\"]\n"      /* 17 */
                                "- level: None\n"                   /* 18 */
                                "  resource: [{group: batch}]\n"    /* 19 */
                                "  resources:\n"
                                "  - group: apps\n"
                                "    resourceName: [a]\n"           /* 22 */
                                "    groups: [x]\n"                 /* 23 */
                                "    resources: [deployments]\n"
                                "    resourceNames: [b]\n"
                                "    Resources: [jobs]\n"           /* 26 */
                                "rule: []\n");                      /* 27 */
    must(a, "ignored-key", 6, 3, KAP_SEVERITY_ERROR, "and the rule's own verbs applies");
    must(a, "ignored-key", 8, 3, KAP_SEVERITY_ERROR, "so this rule matches every resource in its namespaces");
    must(a, "ignored-key", 11, 3, KAP_SEVERITY_ERROR, "so this rule matches only its non-resource URLs");
    must(a, "ignored-key", 12, 3, KAP_SEVERITY_ERROR, "so this rule omits no stage beyond the policy's");
    must(a, "ignored-key", 13, 3, KAP_SEVERITY_ERROR, "so the policy-wide omitManagedFields applies to this rule");
    must(a, "ignored-key", 16, 3, KAP_SEVERITY_ERROR, "and the rule's own resources apply");
    must(a, "ignored-key", 17, 3, KAP_SEVERITY_ERROR, "so this rule matches every path");
    must(a, "ignored-key", 19, 3, KAP_SEVERITY_ERROR, "and the rule's own resources apply");
    must(a, "ignored-key", 22, 5, KAP_SEVERITY_ERROR, "and the entry's own resourceNames applies");
    const kap_finding *f = must(a, "ignored-key", 23, 5, KAP_SEVERITY_ERROR, "so this rule matches every user group");
    ck_assert_str_eq(f->hint, "move userGroups up to the rule (a resources entry has only group, resources and "
                              "resourceNames)");
    must(a, "ignored-key", 26, 5, KAP_SEVERITY_ERROR, "(keys are case-sensitive), and the entry's own resources");
    f = must(a, "ignored-key", 27, 1, KAP_SEVERITY_ERROR,
             "so the rules under it are not the policy's: kube-apiserver reads only those under \"rules\"");
    ck_assert_str_eq(f->hint, "move its rules into \"rules\", where you mean them to be checked, and delete it");
    kap_analysis_free(a);
    /* with no "rules" at all, the policy has none */
    a = lint_v(HEAD "Rules:\n- level: None\n", 36, KAP_EINVALID);
    f = must(a, "ignored-key", 3, 1, KAP_SEVERITY_ERROR, "so the policy has no rules and kube-apiserver refuses it");
    ck_assert_str_eq(f->hint, "write \"rules\"");
    kap_analysis_free(a);
    /* keys of a rule and of the top level in the wrong place */
    a = lint(HEAD "omitManagedFields: true\nrules:\n- level: None\n  rules: []\n  metadata: {}\n  kind: x\n"
                  "level: None\nresourceNames: [a]\nnamespaces: [a]\n");
    f = must(a, "ignored-key", 6, 3, KAP_SEVERITY_WARNING, "the key \"rules\" in a rule, so it has no effect");
    ck_assert_str_eq(f->hint, "move rules to the top level");
    must(a, "ignored-key", 7, 3, KAP_SEVERITY_WARNING, "the key \"metadata\" in a rule, so it has no effect");
    must(a, "ignored-key", 9, 1, KAP_SEVERITY_WARNING, "the key \"level\" at the top level, so it has no effect");
    f = must(a, "ignored-key", 10, 1, KAP_SEVERITY_WARNING, "the key \"resourceNames\" at the top level");
    ck_assert_str_eq(f->hint, "write resourceNames inside an entry of resources");
    f = must(a, "ignored-key", 11, 1, KAP_SEVERITY_WARNING, "the key \"namespaces\" at the top level");
    ck_assert_str_eq(f->hint, "move namespaces to the rule");
    kap_analysis_free(a);
}
END_TEST

START_TEST(odd_keys)
{
    /* YAML: quoted and flow-style duplicates, a long unknown key, unknown keys without a guess */
    kap_analysis *a = lint(HEAD "rules:\n"
                                "- {level: None, \"level\": None}\n"                                /* 4 */
                                "- \"level\": Metadata\n"                                          /* 5 */
                                "  'level': Metadata\n"                                            /* 6 */
                                "  aVeryLongKeyThatLooksLikeNothingAKeyNeedsToLookLike: 1\n"       /* 7 */
                                "  resources:\n"
                                "  - Group: apps\n"                                                /* 9 */
                                "    zzz: 1\n"                                                     /* 10 */
                                "somethingElse: 1\n");                                             /* 11 */
    const kap_finding *f = must(a, "duplicate-key", 4, 17, KAP_SEVERITY_WARNING, "the key \"level\" is given twice");
    ck_assert_int_eq(f->rule, 0);
    must(a, "duplicate-key", 6, 3, KAP_SEVERITY_WARNING, "the key \"level\"");
    f = must(a, "ignored-key", 7, 3, KAP_SEVERITY_WARNING, "so it has no effect");
    ck_assert_ptr_nonnull(strstr(f->hint, "a rule's keys are"));
    f = must(a, "ignored-key", 9, 5, KAP_SEVERITY_ERROR, "(keys are case-sensitive), so this entry selects the core");
    f = must(a, "ignored-key", 10, 5, KAP_SEVERITY_WARNING, "the key \"zzz\" in a resources entry, so it has no effect");
    ck_assert_str_eq(f->hint, "a resources entry's keys are group, resources and resourceNames");
    f = must(a, "ignored-key", 11, 1, KAP_SEVERITY_WARNING, "the key \"somethingElse\" at the top level");
    ck_assert_str_eq(f->hint, "remove it");
    kap_analysis_free(a);
    /* JSON: a duplicate at the top level, an unknown key deep in metadata */
    a = lint("{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\",\"kind\":\"Policy\",\"metadata\":{\"managedFields\":"
             "[{\"x\":1}]},\"rules\":[{\"level\":\"None\",\"resources\":[{\"group\":\"\",\"x\":1}]}]}");
    f = find(a, "duplicate-key", 0);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->rule, -1);
    ck_assert_str_eq(f->field, "kind");
    ck_assert_ptr_nonnull(find(a, "ignored-key", 0));
    kap_analysis_free(a);
}
END_TEST

START_TEST(long_values_and_options)
{
    /* a message longer than the small buffer */
    char text[4096];
    char ns[801];
    memset(ns, 'n', 800);
    ns[800] = 0;
    snprintf(text, sizeof text, HEAD "rules:\n- level: None\n  namespaces: [\"%s\"]\n- level: None\n  namespaces: [\"%s\", b]\n",
             ns, ns);
    kap_analysis *a = lint(text);
    const kap_finding *f = find(a, "dead-value", 7);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_gt(strlen(f->message), 800);
    kap_analysis_free(a);
    /* every option given */
    kap_analysis_options ao;
    kap_analysis_options_init(&ao);
    ao.max_steps = 1000000;
    ao.max_rule_steps = 100000;
    ao.max_memory = 1 << 20;
    ao.max_classes = 1000;
    ck_assert_int_eq(kap_analyze_buffer(&a, text, strlen(text), NULL, NULL, &ao), KAP_OK);
    ck_assert_str_eq(kap_diagnostics_source(kap_analysis_diagnostics(a)), "<buffer>");
    ck_assert_ptr_nonnull(find(a, "dead-value", 7));
    kap_analysis_free(a);
    /* directives: not quite, in quotes, after an escaped quote */
    a = lint(HEAD "rules:\n- level: None\n"
                  "- level: None # kap:ignored unreachable-rule\n"
                  "- level: None\n  users: ['a # kap:ignore unreachable-rule', \"b\\\" # kap:ignore unreachable-rule\"]\n"
                  "- level: None  #kap:ignore unreachable-rule\n  users: [c]\n");
    ck_assert_uint_eq(count(a, "unreachable-rule"), 2);
    ck_assert_uint_eq(kap_analysis_suppressed(a), 1);
    kap_analysis_free(a);
}
END_TEST

START_TEST(many_covering_rules)
{
    kap_analysis *a = lint(HEAD "rules:\n- level: None\n  verbs: [a]\n- level: None\n  verbs: [b]\n- level: None\n  verbs: [c]\n"
                                "- level: None\n  verbs: [d]\n- level: None\n  verbs: [e]\n- level: None\n  verbs: [f]\n"
                                "- level: Metadata\n  verbs: [a, b, c, d, e, f]\n");
    const kap_finding *f = must(a, "unreachable-rule", 16, 3, KAP_SEVERITY_WARNING,
                                "rules 0 (line 4), 1 (line 6), 2 (line 8), 3 (line 10) and 2 others decide");
    ck_assert_uint_eq(f->n_related, 6);
    kap_analysis_free(a);
    /* options given as zeros: the defaults */
    kap_analysis_options ao = {KAP_ANALYSIS_OPTIONS_VERSION, 0, 0, 0, 0};
    const char *p = HEAD "rules:\n- level: None\n";
    ck_assert_int_eq(kap_analyze_buffer(&a, p, strlen(p), "t.yaml", NULL, &ao), KAP_OK);
    ck_assert_int_eq(kap_analysis_rule_reachable(a, 0), 1);
    kap_analysis_free(a);
}
END_TEST

START_TEST(pattern_corners)
{
    kap_analysis *a = lint(HEAD "rules:\n- level: None\n"
                                "  verbs: [\"aVeryLongVerbThatIsNotAVerbAtAllReally\", List]\n"     /* 5 */
                                "  resources:\n"
                                "  - group: x\n  - group: v0\n  - group: vx\n  - group: \"v1.2\"\n"  /* 7-10 */
                                "  - group: apps\n    resources: [\"deploymentsx.apps\", \"deployments.batch\", "
                                "\"deployments/Scale\", \"deployments/x\", \"*\", \"*/status\"]\n"     /* 11-12 */
                                "- level: None\n  verbs: [Post]\n  nonResourceURLs: [\"/x\"]\n");   /* 13-15 */
    must(a, "unknown-verb", 5, 11, KAP_SEVERITY_WARNING, "it is none of the verbs kube-apiserver gives requests");
    must(a, "unknown-verb", 5, 53, KAP_SEVERITY_WARNING, "(verbs are lower case)");
    ck_assert_uint_eq(count(a, "group-version"), 0);
    const kap_finding *f = must(a, "misspelled-resource", 12, 59, KAP_SEVERITY_WARNING, "deployments has no subresource "
                                                                                         "\"Scale\" (it has \"scale\")");
    ck_assert_str_eq(f->hint, "write \"deployments/scale\"");
    /* neither the kubectl form of another group nor an unknown subresource far from any is judged */
    ck_assert_uint_eq(count(a, "misspelled-resource"), 1);
    must(a, "unknown-resource", 12, 17, KAP_SEVERITY_INFO, "\"deploymentsx.apps\"");
    must(a, "unknown-verb", 14, 11, KAP_SEVERITY_WARNING, "(verbs are lower case)");
    kap_analysis_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("analyze");
    TCase *keys = tcase_create("keys");
    tcase_add_test(keys, ignored_verbs_in_resources);
    tcase_add_test(keys, ignored_resource_singular);
    tcase_add_test(keys, ignored_rule_keys);
    tcase_add_test(keys, ignored_keys_other_places);
    tcase_add_test(keys, ignored_key_wrong_case_fails);
    tcase_add_test(keys, ignored_keys_by_release);
    tcase_add_test(keys, ignored_kind_case);
    tcase_add_test(keys, duplicate_keys);
    tcase_add_test(keys, ignored_key_effects);
    tcase_add_test(keys, odd_keys);
    tcase_add_test(keys, ignored_key_changes_nothing);
    tcase_add_test(keys, ignored_key_value_shapes);
    tcase_add_test(keys, ignored_key_rule_has_its_own);
    tcase_add_test(keys, ignored_key_values_found);
    tcase_add_test(keys, ignored_key_on_the_rule_against_entries);
    tcase_add_test(keys, ignored_key_changes_nothing_places);
    suite_add_tcase(s, keys);
    TCase *reach = tcase_create("reach");
    tcase_add_test(reach, unreachable_after_catch_all);
    tcase_add_test(reach, unreachable_joint_cover);
    tcase_add_test(reach, unreachable_url_prefixes);
    tcase_add_test(reach, unreachable_groups_any_of);
    tcase_add_test(reach, no_user_requests);
    tcase_add_test(reach, unreachable_resource_forms);
    tcase_add_test(reach, slash_in_resource);
    tcase_add_test(reach, slash_in_namespace_and_name);
    tcase_add_test(reach, witness_namespace_segment);
    tcase_add_test(reach, witness_status_in_namespace);
    tcase_add_test(reach, upper_case_verbs);
    tcase_add_test(reach, resource_paths_in_urls);
    tcase_add_test(reach, empty_resource_witness);
    tcase_add_test(reach, empty_resource_and_name);
    tcase_add_test(reach, group_star_1_36);
    tcase_add_test(reach, dead_values);
    tcase_add_test(reach, path_regions);
    tcase_add_test(reach, star_url_after_slash_star);
    tcase_add_test(reach, verb_name_tie_unreachable);
    tcase_add_test(reach, list_names_a_field_selector_gives);
    tcase_add_test(reach, verb_name_tie_shadowing);
    tcase_add_test(reach, verb_name_tie_witnesses);
    tcase_add_test(reach, verb_name_tie_dead_values);
    tcase_add_test(reach, ns_subresource_unreachable);
    tcase_add_test(reach, resource_verb_unreachable);
    tcase_add_test(reach, resource_verb_dead_value);
    tcase_add_test(reach, many_covering_rules);
    suite_add_tcase(s, reach);
    TCase *pat = tcase_create("patterns");
    tcase_add_test(pat, never_matching_patterns);
    tcase_add_test(pat, patterns_by_release);
    tcase_add_test(pat, nonresource_verbs);
    tcase_add_test(pat, versions_as_groups);
    tcase_add_test(pat, pattern_corners);
    tcase_add_test(pat, sensitive_bodies);
    tcase_add_test(pat, risks_omitted_stages);
    tcase_add_test(pat, volume_omitted_stages);
    tcase_add_test(pat, volume);
    suite_add_tcase(s, pat);
    TCase *api = tcase_create("api");
    tcase_add_test(api, inline_suppression);
    tcase_add_test(api, limits);
    tcase_add_test(api, api_calls);
    tcase_add_test(api, clean_policy);
    tcase_add_test(api, long_values_and_options);
    suite_add_tcase(s, api);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
