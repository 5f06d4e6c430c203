/* Tests written to kill mutants that survived scripts/mutate.py (issue 16):
 * each names the mutant it was written for. Expected values follow the
 * spec (semantics.md) and kube-apiserver's behaviour (Go's time.Parse,
 * encoding/json, unicode.IsSpace), not this code's output. Linked against
 * the library built with KAP_TEST_HOOKS, so allocations can be failed; built
 * a second time with KAP_MUTANTS_WORK against the library that counts its
 * work (KAP_COUNT_WORK, src/table.h), for the mutants that only cost time.
 * SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include "helpers.h"

#include <stdarg.h>

#ifdef KAP_MUTANTS_WORK
extern _Thread_local unsigned long kap_work_count;
#else
#include "alloc_fail.h"
#include "internal.h"
#include "table.h"
#endif

#define HDR "apiVersion: audit.k8s.io/v1\nkind: Policy\n"
#define RULE "rules:\n- level: None\n"

/* A policy of generated rules, written rule by rule into text that grows
 * as it goes (printf formats) and loaded at the end: pt_start writes the
 * header and "rules:", pt_add a rule, pt_load loads it (it must load),
 * frees the text and returns the policy. */
typedef struct {
    char *s;
    size_t len, cap;
} ptext;

static void pt_add(ptext *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pt_add(ptext *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        ck_assert_int_ge(n, 0);
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        t->cap = (t->len + (size_t)n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        ck_assert_ptr_nonnull(t->s);
    }
}

static ptext pt_start(void)
{
    ptext t = {malloc(4096), 0, 4096};
    ck_assert_ptr_nonnull(t.s);
    pt_add(&t, HDR "rules:\n");
    return t;
}

static kap_policy *pt_load(ptext *t, const char *name)
{
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int rc = kap_policy_load_buffer(&p, t->s, t->len, name, NULL, &d);
    ck_assert_msg(rc == KAP_OK, "%s: status %d", name, rc);
    kap_diagnostics_free(d);
    free(t->s);
    *t = (ptext){NULL, 0, 0};
    return p;
}

/* With walked, one more rule for the group just written (verbs and
 * namespaces, and users too with users), in more combinations of value
 * sets than a hashed group's rule may lie in (table.h, HASH_RULE_COMBOS):
 * the group is walked (match.c, group_first1), not hashed */
static void walk_group(ptext *t, int walked, int users)
{
    if (walked)
        pt_add(t, "- level: Metadata\n%s  verbs: [watch, create, delete]\n  namespaces: [c, d, e]\n",
               users ? "  users: [p, q]\n" : "");
}

/* alice's get of pods in namespace ns: a resource request */
static kap_request alice_gets_pods_in(const char *ns)
{
    kap_request q = KAP_REQUEST_INIT;
    q.user = "alice";
    q.verb = "get";
    q.ns = ns;
    q.resource = "pods";
    q.resource_request = 1;
    return q;
}

#ifndef KAP_MUTANTS_WORK
/* ---- decode.c: metav1.Time ------------------------------------------------ */

#define TS(value) HDR "metadata:\n  creationTimestamp: \"" value "\"\n" RULE
#define TERR(value, rest) "failed decoding: parsing time \"" value "\"" rest
#define AS " as \"2006-01-02T15:04:05Z07:00\": cannot parse "

START_TEST(time_leap_years)
{
    /* time.Parse checks the day against the month's length in that year:
     * February 29th only in years divisible by 4, except centuries not
     * divisible by 400. Each year's four digits all count (decode.c, the
     * year's digits weighted 1000, 100, 10, 1). */
    ck_assert_str_eq(error_of(TS("1600-02-29T00:00:00Z")), "(loaded)");
    ck_assert_str_eq(error_of(TS("2012-02-29T00:00:00Z")), "(loaded)");
    ck_assert_str_eq(error_of(TS("2024-02-29T00:00:00Z")), "(loaded)");
    ck_assert_str_eq(error_of(TS("1996-02-29T00:00:00Z")), "(loaded)");
    ck_assert_str_eq(error_of(TS("2100-02-29T00:00:00Z")), TERR("2100-02-29T00:00:00Z", ": day out of range"));
    ck_assert_str_eq(error_of(TS("1700-02-29T00:00:00Z")), TERR("1700-02-29T00:00:00Z", ": day out of range"));
    ck_assert_str_eq(error_of(TS("2013-02-29T00:00:00Z")), TERR("2013-02-29T00:00:00Z", ": day out of range"));
    ck_assert_str_eq(error_of(TS("2026-02-29T00:00:00Z")), TERR("2026-02-29T00:00:00Z", ": day out of range"));
}
END_TEST

START_TEST(time_month_lengths)
{
    /* time.Parse checks the day against its month's length (Go's
     * daysIn: 31 28 31 30 31 30 31 31 30 31 30 31): in a non-leap year,
     * each month's last day loads and the day after it is out of range.
     * Written for decode.c's month lengths (November's 30 as 31 or 29
     * survived, listed equivalent under another line's reason). */
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; m++) {
        char last[160], past[160], want[160];
        snprintf(last, sizeof last, HDR "metadata:\n  creationTimestamp: \"2023-%02d-%02dT00:00:00Z\"\n" RULE, m,
                 days[m - 1]);
        snprintf(past, sizeof past, HDR "metadata:\n  creationTimestamp: \"2023-%02d-%02dT00:00:00Z\"\n" RULE, m,
                 days[m - 1] + 1);
        snprintf(want, sizeof want, "failed decoding: parsing time \"2023-%02d-%02dT00:00:00Z\": day out of range", m,
                 days[m - 1] + 1);
        ck_assert_msg(strcmp(error_of(last), "(loaded)") == 0, "month %d day %d: %s", m, days[m - 1], error_of(last));
        ck_assert_str_eq(error_of(past), want);
    }
}
END_TEST

START_TEST(time_year_digits)
{
    /* the year is exactly four digits, each of them checked */
    ck_assert_str_eq(error_of(TS("x020-01-01T00:00:00Z")),
                     TERR("x020-01-01T00:00:00Z", AS "\"x020-01-01T00:00:00Z\" as \"2006\""));
    ck_assert_str_eq(error_of(TS("2x20-01-01T00:00:00Z")),
                     TERR("2x20-01-01T00:00:00Z", AS "\"2x20-01-01T00:00:00Z\" as \"2006\""));
    ck_assert_str_eq(error_of(TS("202x-01-01T00:00:00Z")),
                     TERR("202x-01-01T00:00:00Z", AS "\"202x-01-01T00:00:00Z\" as \"2006\""));
    ck_assert_str_eq(error_of(TS("2020")), TERR("2020", AS "\"\" as \"-\""));
    ck_assert_str_eq(error_of(TS("202-01-01T00:00:00Z")),
                     TERR("202-01-01T00:00:00Z", AS "\"202-01-01T00:00:00Z\" as \"2006\""));
}
END_TEST

START_TEST(time_zone_digits)
{
    /* Z07:00: the hour and the minute are two digits each (getnum with
     * fixed set); a zero hour does not excuse the minute */
    ck_assert_str_eq(error_of(TS("2020-01-01T00:00:00+00:ab")),
                     TERR("2020-01-01T00:00:00+00:ab", AS "\"+00:ab\" as \"Z07:00\""));
    ck_assert_str_eq(error_of(TS("2020-01-01T00:00:00+1a:00")),
                     TERR("2020-01-01T00:00:00+1a:00", AS "\"+1a:00\" as \"Z07:00\""));
    ck_assert_str_eq(error_of(TS("2020-01-01T00:00:00+01:0a")),
                     TERR("2020-01-01T00:00:00+01:0a", AS "\"+01:0a\" as \"Z07:00\""));
    ck_assert_str_eq(error_of(TS("2020-01-01T00:00:00-00:00")), "(loaded)");
    ck_assert_str_eq(error_of(TS("2020-01-01T00:00:00+09:30")), "(loaded)");
}
END_TEST

START_TEST(time_quote_lead_byte_then_ascii)
{
    /* time's quote() groups a rune's bytes only when they form a valid
     * rune: a lead byte (0xC3) followed by an ASCII byte ('A') is an
     * invalid byte, one U+FFFD of width 1, shown as \xc3, and the 'A' is
     * printable ASCII, shown as itself (Go: for range over "\xc3A" gives
     * RuneError at 0, then 'A'). The bytes come through !!binary ("w0E=" is
     * C3 41), as YAML text is UTF-8. Written for decode.c's continuation
     * test `(p[i + k] & 0xC0) == 0x80` as `!= 0x80` (the 'A' taken as the
     * rune's second byte: "\xc3\x41"). */
    ck_assert_str_eq(error_of(HDR "metadata:\n  creationTimestamp: !!binary w0E=\n" RULE),
                     TERR("\\xc3A", AS "\"\\xc3A\" as \"2006\""));
    /* the same with a three-byte lead (0xE2) before "AB" (4kFC) */
    ck_assert_str_eq(error_of(HDR "metadata:\n  creationTimestamp: !!binary 4kFC\n" RULE),
                     TERR("\\xe2AB", AS "\"\\xe2AB\" as \"2006\""));
}
END_TEST

/* ---- decode.c: every Policy field, in both versions ------------------------------ */

START_TEST(policy_field_types)
{
    /* a number where each field wants another type: encoding/json's
     * UnmarshalTypeError names the struct, the field's path and its Go
     * type, so each field must be known (in every release: none of these
     * fields comes or goes with one) and typed as the API declares it */
    static const struct {
        const char *doc, *want;
    } cases[] = {
#define V1 "apiVersion: audit.k8s.io/v1\nkind: Policy\n"
#define IN "apiVersion: audit.k8s.io/__internal\nkind: Policy\n"
#define NUM "failed decoding: json: cannot unmarshal number into Go struct field "
        {V1 "metadata: 5\n", NUM "Policy.metadata of type v1.ObjectMeta"},
        {V1 "rules: 5\n", NUM "Policy.rules of type []v1.PolicyRule"},
        {V1 "omitStages: 5\n", NUM "Policy.omitStages of type []v1.Stage"},
        {V1 "omitManagedFields: 5\n", NUM "Policy.omitManagedFields of type bool"},
        {V1 "rules: [{level: 5}]\n", NUM "PolicyRule.rules.level of type v1.Level"},
        {V1 "rules: [{users: 5}]\n", NUM "PolicyRule.rules.users of type []string"},
        {V1 "rules: [{userGroups: 5}]\n", NUM "PolicyRule.rules.userGroups of type []string"},
        {V1 "rules: [{verbs: 5}]\n", NUM "PolicyRule.rules.verbs of type []string"},
        {V1 "rules: [{resources: 5}]\n", NUM "PolicyRule.rules.resources of type []v1.GroupResources"},
        {V1 "rules: [{namespaces: 5}]\n", NUM "PolicyRule.rules.namespaces of type []string"},
        {V1 "rules: [{nonResourceURLs: 5}]\n", NUM "PolicyRule.rules.nonResourceURLs of type []string"},
        {V1 "rules: [{omitStages: 5}]\n", NUM "PolicyRule.rules.omitStages of type []v1.Stage"},
        {V1 "rules: [{omitManagedFields: 5}]\n", NUM "PolicyRule.rules.omitManagedFields of type bool"},
        {V1 "rules: [{resources: [{group: 5}]}]\n", NUM "GroupResources.rules.resources.group of type string"},
        {V1 "rules: [{resources: [{resources: 5}]}]\n", NUM "GroupResources.rules.resources.resources of type []string"},
        {V1 "rules: [{resources: [{resourceNames: 5}]}]\n",
         NUM "GroupResources.rules.resources.resourceNames of type []string"},
        {IN "name: 5\n", NUM "Policy.name of type string"},
        {IN "Rules: 5\n", NUM "Policy.Rules of type []audit.PolicyRule"},
        {IN "OmitStages: 5\n", NUM "Policy.OmitStages of type []audit.Stage"},
        {IN "OmitManagedFields: 5\n", NUM "Policy.OmitManagedFields of type bool"},
        {IN "Rules: [{Level: 5}]\n", NUM "PolicyRule.Rules.Level of type audit.Level"},
        {IN "Rules: [{Users: 5}]\n", NUM "PolicyRule.Rules.Users of type []string"},
        {IN "Rules: [{UserGroups: 5}]\n", NUM "PolicyRule.Rules.UserGroups of type []string"},
        {IN "Rules: [{Verbs: 5}]\n", NUM "PolicyRule.Rules.Verbs of type []string"},
        {IN "Rules: [{Resources: 5}]\n", NUM "PolicyRule.Rules.Resources of type []audit.GroupResources"},
        {IN "Rules: [{Namespaces: 5}]\n", NUM "PolicyRule.Rules.Namespaces of type []string"},
        {IN "Rules: [{NonResourceURLs: 5}]\n", NUM "PolicyRule.Rules.NonResourceURLs of type []string"},
        {IN "Rules: [{OmitStages: 5}]\n", NUM "PolicyRule.Rules.OmitStages of type []audit.Stage"},
        {IN "Rules: [{OmitManagedFields: 5}]\n", NUM "PolicyRule.Rules.OmitManagedFields of type bool"},
        {IN "Rules: [{Resources: [{Group: 5}]}]\n", NUM "GroupResources.Rules.Resources.Group of type string"},
        {IN "Rules: [{Resources: [{Resources: 5}]}]\n", NUM "GroupResources.Rules.Resources.Resources of type []string"},
        {IN "Rules: [{Resources: [{ResourceNames: 5}]}]\n",
         NUM "GroupResources.Rules.Resources.ResourceNames of type []string"},
#undef V1
#undef IN
#undef NUM
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_str_eq(error_of(cases[i].doc), cases[i].want);
}
END_TEST

/* The decision for alice's get of pods in default. */
static kap_decision alice_gets_pods(const kap_policy *p)
{
    kap_request q = alice_gets_pods_in("default");
    kap_decision out;
    ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
    return out;
}

/* ---- decode.c: integers ----------------------------------------------------- */

#define GEN(n) HDR "metadata:\n  generation: " n "\n" RULE
#define GENERR(n) "failed decoding: json: cannot unmarshal number " n " into Go struct field " \
                  "ObjectMeta.metadata.generation of type int64"

START_TEST(pointer_bool_null_after_value)
{
    /* a rule's omitManagedFields is a *bool: JSON null sets it back to
     * unset (encoding/json: null unmarshals into a pointer as nil), so
     * where a duplicate key (JSON keeps both; the lenient decoding keeps
     * the last) gives true then null, the rule inherits the policy's value
     * (semantics.md: the rule's value if set, else the policy's). Written
     * for decode.c's null branch of T_PBOOL deleted. */
    static const struct {
        const char *policy_omf, *rule;
        int want;
    } cases[] = {
        {"false", "\"omitManagedFields\":true,\"omitManagedFields\":null", 0},
        {"true", "\"omitManagedFields\":false,\"omitManagedFields\":null", 1},
        {"true", "\"omitManagedFields\":null,\"omitManagedFields\":false", 0},
        {"false", "\"omitManagedFields\":null", 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char doc[512];
        snprintf(doc, sizeof doc,
                 "{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\",\"omitManagedFields\":%s,"
                 "\"rules\":[{\"level\":\"Metadata\",%s}]}",
                 cases[k].policy_omf, cases[k].rule);
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        ck_assert_int_eq(kap_policy_load_buffer(&p, doc, strlen(doc), "omf.json", NULL, &d), KAP_OK);
        kap_decision out = alice_gets_pods(p);
        ck_assert_int_eq(out.rule, 0);
        ck_assert_msg(out.omit_managed_fields == cases[k].want, "%s", doc);
        kap_policy_free(p);
        kap_diagnostics_free(d);
    }
}
END_TEST

START_TEST(rule_omf_unset_when_not_streamed)
{
    /* a rule that does not write omitManagedFields inherits the policy's
     * (semantics.md: the rule's value if set, else the policy's) also
     * where the rules are not decoded as they are read: JSON, a second
     * "rules" key with more rules than the first (the new rule after the
     * one kept), and YAML with an anchor (read whole first). Written for
     * decode.c decode_structlist's `((krule *)items)[i].omf = -1;`
     * deleted or as `-0` (a new rule's omf left 0: false, set) */
    static const char *const docs[] = {
        "{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\",\"omitManagedFields\":true,"
        "\"rules\":[{\"level\":\"Metadata\"}]}",
        "{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\",\"omitManagedFields\":true,"
        "\"rules\":[{\"level\":\"Metadata\",\"omitManagedFields\":false}],"
        "\"rules\":[{\"level\":\"None\",\"users\":[\"bob\"],\"omitManagedFields\":false},"
        "{\"level\":\"Metadata\"}]}",
        HDR "omitManagedFields: true\nrules:\n- level: &l Metadata\n",
    };
    static const int rule[] = {0, 1, 0};
    for (size_t k = 0; k < sizeof docs / sizeof docs[0]; k++) {
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        ck_assert_msg(kap_policy_load_buffer(&p, docs[k], strlen(docs[k]), k < 2 ? "omf.json" : "omf.yaml", NULL,
                                             &d) == KAP_OK,
                      "%s", docs[k]);
        kap_decision out = alice_gets_pods(p);
        ck_assert_int_eq(out.rule, rule[k]);
        ck_assert_msg(out.omit_managed_fields == 1, "%s", docs[k]);
        kap_policy_free(p);
        kap_diagnostics_free(d);
    }
}
END_TEST

/* The last error among d's diagnostics, or NULL. */
static const kap_diagnostic *last_error(const kap_diagnostics *d)
{
    const kap_diagnostic *e = NULL;
    for (size_t i = 0; i < kap_diagnostics_count(d); i++)
        if (kap_diagnostics_get(d, i)->severity == KAP_SEVERITY_ERROR)
            e = kap_diagnostics_get(d, i);
    return e;
}

START_TEST(missing_version_at_api_version)
{
    /* an apiVersion with a group and no version ("foo/"): kube-apiserver's
     * "Object 'apiVersion' is missing" error, which libkap places at the
     * apiVersion value (kap.h: the node concerned), quoting the document.
     * A group of one character too ("a/"; written for decode.c's
     * `!group[0]` as `!group[1]`, which took "a/" for no apiVersion at all,
     * the internal version) */
    static const char *const docs[] = {
        "kind: Policy\napiVersion: foo/\nrules:\n- level: None\n",
        "kind: Policy\napiVersion: a/\nrules:\n- level: None\n",
    };
    for (size_t k = 0; k < sizeof docs / sizeof docs[0]; k++) {
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        ck_assert_int_eq(kap_policy_load_buffer(&p, docs[k], strlen(docs[k]), "v.yaml", NULL, &d), KAP_EINVALID);
        ck_assert_msg(strstr(kap_diagnostics_error_text(d), "Object 'apiVersion' is missing in '") != NULL, "%s",
                      kap_diagnostics_error_text(d));
        const kap_diagnostic *e = last_error(d);
        ck_assert_ptr_nonnull(e);
        ck_assert_msg(e->line == 2 && e->column == 13, "at %u:%u", e->line, e->column);
        kap_diagnostics_free(d);
    }
}
END_TEST

/* allocations of a failed load of doc, and its error text */
static long load_allocations(const char *doc, char *err, size_t errcap)
{
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    long before = kap_test_alloc_calls;
    ck_assert_int_eq(kap_policy_load_buffer(&p, doc, strlen(doc), "k.yaml", NULL, &d), KAP_EINVALID);
    long calls = kap_test_alloc_calls - before;
    snprintf(err, errcap, "%s", kap_diagnostics_error_text(d));
    kap_diagnostics_free(d);
    return calls;
}

START_TEST(other_kind_unknown_fields_unread)
{
    /* a kind that decodes into its own type and then fails to convert
     * (semantics.md, decoding 5: the conversion error is reported): its unknown
     * fields give no strict error and no warning, so libkap builds none;
     * a document with five of them costs the allocations one without does.
     * Written for decode.c's `d.quiet = 1` as 0 in decode_other_kind (the
     * strict errors built, into a buffer nobody frees). */
    static const char plain[] = "apiVersion: audit.k8s.io/v1\nkind: Event\nlevel: Metadata\n";
    static const char unknown[] = "apiVersion: audit.k8s.io/v1\nkind: Event\nlevel: Metadata\n"
                                  "aa: 1\nbb: 2\ncc: 3\ndd: 4\nee: 5\n";
    char e1[256], e2[256];
    long a1 = load_allocations(plain, e1, sizeof e1), a2 = load_allocations(unknown, e2, sizeof e2);
    ck_assert_str_eq(e1, "failed decoding: converting (v1.Event) to (audit.Policy): unknown conversion");
    ck_assert_str_eq(e2, e1);
    ck_assert_msg(a2 == a1, "allocations: %ld without unknown fields, %ld with five", a1, a2);
}
END_TEST

/* allocations of a successful load of doc */
static long ok_load_allocations(const char *doc)
{
    kap_policy *p = NULL;
    long before = kap_test_alloc_calls;
    ck_assert_int_eq(kap_policy_load_buffer(&p, doc, strlen(doc), "m.yaml", NULL, NULL), KAP_OK);
    long calls = kap_test_alloc_calls - before;
    kap_policy_free(p);
    return calls;
}

START_TEST(one_key_map_no_duplicate_check)
{
    /* a map's keys are sorted to find duplicates (strict decoding) only
     * when there are two or more; the sort takes two buffers (the keys,
     * their flags), whatever the number of keys. So a map of two keys costs
     * two allocations more than a map of one, a map of three what two do.
     * Written for decode.c's `v->n > 1` as `> 0` in decode_map (one key
     * sorted: a map of one costs what two do). */
    static const char one[] = HDR "metadata:\n  annotations: {a: b}\nrules:\n- level: None\n";
    static const char two[] = HDR "metadata:\n  annotations: {a: b, c: d}\nrules:\n- level: None\n";
    static const char three[] = HDR "metadata:\n  annotations: {a: b, c: d, e: f}\nrules:\n- level: None\n";
    long a1 = ok_load_allocations(one), a2 = ok_load_allocations(two), a3 = ok_load_allocations(three);
    ck_assert_msg(a2 == a1 + 2 && a3 == a2, "allocations: %ld for one key, %ld for two, %ld for three", a1, a2, a3);
}
END_TEST

START_TEST(type_error_drops_strict_warnings)
{
    /* an unknown field, then a type error: the type error is fatal and
     * kube-apiserver logs no strict-decoding warning (semantics.md,
     * decoding 6: only strict errors fall back to lenient decoding, with
     * their warning). Written for decode.c's drop of the warnings gathered
     * so far negated (the warnings kept, the errors freed). */
    static const char doc[] = HDR "fooBar: 1\nrules:\n- level: None\n  verbs: [true]\n";
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    ck_assert_int_eq(kap_policy_load_buffer(&p, doc, strlen(doc), "t.yaml", NULL, &d), KAP_EINVALID);
    ck_assert_ptr_null(p);
    ck_assert_str_eq(kap_diagnostics_error_text(d),
                     "failed decoding: json: cannot unmarshal bool into Go struct field PolicyRule.rules.verbs of type string");
    size_t warnings = 0, errors = 0;
    for (size_t i = 0; i < kap_diagnostics_count(d); i++) {
        warnings += kap_diagnostics_get(d, i)->severity == KAP_SEVERITY_WARNING;
        errors += kap_diagnostics_get(d, i)->severity == KAP_SEVERITY_ERROR;
    }
    ck_assert_uint_eq(warnings, 0);
    ck_assert_uint_eq(errors, 1);
    kap_diagnostics_free(d);

    /* the unknown field alone: a warning, and the policy loads */
    static const char lenient[] = HDR "fooBar: 1\nrules:\n- level: None\n  verbs: [get]\n";
    ck_assert_int_eq(kap_policy_load_buffer(&p, lenient, strlen(lenient), "t.yaml", NULL, &d), KAP_OK);
    warnings = 0;
    for (size_t i = 0; i < kap_diagnostics_count(d); i++)
        warnings += kap_diagnostics_get(d, i)->severity == KAP_SEVERITY_WARNING;
    ck_assert_uint_ge(warnings, 1);
    kap_policy_free(p);
    kap_diagnostics_free(d);
}
END_TEST

START_TEST(strict_path_indexes_of_several_digits)
{
    /* Go's strict decoding names a list element by its decimal index:
     * rules[10], rules[123]. Written for CI's survivor in decode.c's digit
     * loop (`v2 /= 10` changed to `/= 11` gave "rules[0]"; `v2 % 10` to
     * `% 11` gives "rules[1:]"); the indexes of one digit,
     * which every other test uses, cannot tell. Both readers: the YAML
     * reader streams the rules, JSON decodes them as a list. */
    static const size_t at[] = {10, 123};
    for (int json = 0; json < 2; json++)
        for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
            ptext t = pt_start();
            if (json) {
                t.len = 0;
                pt_add(&t, "{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\",\"rules\":[");
            }
            for (size_t i = 0; i <= at[k]; i++) {
                const char *extra = i == at[k] ? (json ? ",\"fooBar\":1" : "\n  fooBar: 1") : "";
                if (json)
                    pt_add(&t, "%s{\"level\":\"Metadata\",\"users\":[\"u%zu\"]%s}", i ? "," : "", i, extra);
                else
                    pt_add(&t, "- level: Metadata\n  users: [u%zu]%s\n", i, extra);
            }
            if (json)
                pt_add(&t, "]}");
            kap_policy *p = NULL;
            kap_diagnostics *d = NULL;
            ck_assert_int_eq(kap_policy_load_buffer(&p, t.s, t.len, json ? "t.json" : "t.yaml", NULL, &d), KAP_OK);
            char want[200];
            snprintf(want, sizeof want,
                     "Audit policy contains errors, falling back to lenient decoding: strict decoding error: "
                     "unknown field \"rules[%zu].fooBar\"",
                     at[k]);
            ck_assert_ptr_nonnull(kap_diagnostics_warning_text(d));
            ck_assert_str_eq(kap_diagnostics_warning_text(d), want);
            kap_policy_free(p);
            kap_diagnostics_free(d);
            free(t.s);
        }
}
END_TEST

START_TEST(int64_digits)
{
    /* strconv.ParseInt(s, 10, 64): 19 digits may fit, 20 never do */
    ck_assert_str_eq(error_of(GEN("9223372036854775807")), "(loaded)");
    ck_assert_str_eq(error_of(GEN("-9223372036854775808")), "(loaded)");
    ck_assert_str_eq(error_of(GEN("1000000000000000000")), "(loaded)");
    ck_assert_str_eq(error_of(GEN("9223372036854775808")), GENERR("9223372036854775808"));
    ck_assert_str_eq(error_of(GEN("10000000000000000000")), GENERR("10000000000000000000"));
    ck_assert_str_eq(error_of(GEN("-10000000000000000000")), GENERR("-10000000000000000000"));
}
END_TEST

/* ---- decode.c: repeated map keys ---------------------------------------------- */

static int has_duplicate_warning(const char *annotations)
{
    char doc[512];
    snprintf(doc, sizeof doc,
             "{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\",\"metadata\":{\"annotations\":%s},"
             "\"rules\":[{\"level\":\"None\"}]}",
             annotations);
    ck_assert_str_eq(error_of(doc), "(loaded)");
    return strstr(warning_of(doc), "duplicate field") != NULL;
}

/* A YAML mapping's keys past its index's last growth: twelve keys (the
 * index grows at the ninth and tenth), then the eleventh again: found, so
 * the repeat is warned about. Written for read_yaml.c ymap_find without
 * `*slot = i;` on a miss (the new key went to slot 0, over another, until
 * the next growth rebuilt the index) */
START_TEST(key_index_after_last_growth)
{
    char doc[1024];
    size_t n = (size_t)snprintf(doc, sizeof doc, "apiVersion: audit.k8s.io/v1\nkind: Policy\nmetadata:\n  labels:\n");
    for (int i = 0; i < 12; i++)
        n += (size_t)snprintf(doc + n, sizeof doc - n, "    k%02d: v\n", i);
    n += (size_t)snprintf(doc + n, sizeof doc - n, "    k10: w\nrules:\n- level: None\n");
    ck_assert_uint_lt(n, sizeof doc);
    ck_assert_str_eq(error_of(doc), "(loaded)");
    /* line 17: four lines of head, twelve keys, then the repeat */
    ck_assert_msg(strstr(warning_of(doc), "line 17: key \"k10\" already set in map") != NULL, "%s", warning_of(doc));
}
END_TEST

START_TEST(map_duplicates_beside_prefixes)
{
    /* a key repeated with a longer key that it is a prefix of between the
     * two: the keys are sorted to find repeats, the shorter first */
    ck_assert(has_duplicate_warning("{\"a\":\"1\",\"ab\":\"2\",\"a\":\"3\"}"));
    ck_assert(has_duplicate_warning("{\"ab\":\"1\",\"a\":\"2\",\"ab\":\"3\"}"));
    ck_assert(has_duplicate_warning("{\"abc\":\"1\",\"a\":\"2\",\"ab\":\"3\",\"a\":\"4\"}"));
    ck_assert(has_duplicate_warning("{\"a\":\"1\",\"abc\":\"2\",\"ab\":\"3\",\"abc\":\"4\"}"));
    ck_assert(!has_duplicate_warning("{\"a\":\"1\",\"ab\":\"2\",\"abc\":\"3\"}"));
    ck_assert(!has_duplicate_warning("{\"abc\":\"1\",\"ab\":\"2\",\"a\":\"3\"}"));
}
END_TEST

/* ---- decode.c: JSON or YAML ---------------------------------------------------- */

START_TEST(format_choice)
{
    /* unicode.IsSpace runs of three bytes are skipped whole before the '{'
     * that chooses JSON; Go's JSON parser then fails on the space's first
     * byte, quoted as the rune of that byte value (0xE3: U+00E3) */
    ck_assert_str_eq(error_of("\xE3\x80\x80{}"), /* U+3000 ideographic space */
                     "failed decoding: couldn't get version/kind; json parse error: invalid character '\xC3\xA3' "
                     "looking for beginning of value");
    ck_assert_str_eq(error_of("\xE2\x80\xA8{}"), /* U+2028 line separator */
                     "failed decoding: couldn't get version/kind; json parse error: invalid character '\xC3\xA2' "
                     "looking for beginning of value");
    /* the byte after the buffer is not looked at: blanks only are an empty
     * YAML document (semantics.md, decoding step 7) */
    static const char blanks_then_brace[] = "  {";
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int rc = kap_policy_load_buffer(&p, blanks_then_brace, 2, "t.yaml", NULL, &d);
    ck_assert_int_ne(rc, KAP_OK);
    ck_assert_str_eq(kap_diagnostics_error_text(d),
                     "unknown group version field audit.k8s.io/__internal, Kind=Policy in policy");
    kap_policy_free(p);
    kap_diagnostics_free(d);
}
END_TEST

START_TEST(format_choice_every_space)
{
    /* every three-byte rune unicode.IsSpace knows is skipped before the '{'
     * (then JSON fails on its first byte, quoted as that byte's rune); a
     * three-byte rune it does not know (U+200B, U+2030) is not, and the
     * buffer is read as YAML */
    static const unsigned spaces[] = {0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
                                      0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
    for (size_t i = 0; i < sizeof spaces / sizeof spaces[0]; i++) {
        unsigned r = spaces[i];
        unsigned char b0 = (unsigned char)(0xE0 | (r >> 12));
        char text[8] = {(char)b0, (char)(0x80 | ((r >> 6) & 0x3F)), (char)(0x80 | (r & 0x3F)), '{', '}', 0};
        char want[160];
        snprintf(want, sizeof want,
                 "failed decoding: couldn't get version/kind; json parse error: invalid character '%c%c' "
                 "looking for beginning of value",
                 (char)(0xC0 | (b0 >> 6)), (char)(0x80 | (b0 & 0x3F)));
        ck_assert_msg(strcmp(error_of(text), want) == 0, "U+%04X: %s", r, error_of(text));
    }
    static const char *const not_spaces[] = {"\xE2\x80\x8B{}", "\xE2\x80\xB0{}"};
    for (size_t i = 0; i < 2; i++)
        /* YAML: a plain scalar, which is a string, not an object */
        ck_assert_ptr_nonnull(strstr(error_of(not_spaces[i]), "json: cannot unmarshal string into Go value of type"));
    /* bytes whose bits would spell U+2000 but are no UTF-8 (utf8.DecodeRune
     * gives RuneError, not a space): a byte that is no continuation in the
     * second or third place, or a four-byte leader; the buffer is YAML,
     * whose reader refuses the sequence (each byte of the sequence is
     * checked: written for decode.c's continuation tests reading one byte
     * twice) */
    static const char *const not_utf8[] = {"\xE2\x40\x80{}", "\xE2\x80\x40{}", "\xE2\xC0\x80{}", "\xF2\x80\x80{}"};
    for (size_t i = 0; i < sizeof not_utf8 / sizeof not_utf8[0]; i++)
        ck_assert_str_eq(error_of(not_utf8[i]), "failed decoding: yaml: invalid trailing UTF-8 octet");
}
END_TEST

/* ---- compile.c: the table's width and "*\/" ---------------------------------------- */

START_TEST(table_width_and_bare_star_slash)
{
    /* 65 rules: the last (index 64) needs a second 64-bit word */
    ptext t = pt_start();
    for (int i = 0; i < 64; i++)
        pt_add(&t, "- level: None\n  users: [n%d]\n", i);
    pt_add(&t, "- level: Metadata\n");
    kap_policy *p = pt_load(&t, "w.yaml");
    kap_request q = KAP_REQUEST_INIT;
    q.user = "alice";
    q.verb = "get";
    q.resource = "pods";
    q.ns = "default";
    q.api_group = "";
    q.resource_request = 1;
    kap_decision d;
    ck_assert_int_eq(kap_policy_match(p, &q, &d), KAP_OK);
    ck_assert_int_eq(d.rule, 64);
    ck_assert_int_eq(d.level, KAP_LEVEL_METADATA);
    kap_policy_free(p);

    /* resources: ["*\/"] names no subresource: kube-apiserver's "*\/sub" form
     * needs a subresource, so neither pods nor pods/log matches it */
    static const char pol[] = HDR "rules:\n- level: None\n  resources:\n  - group: \"\"\n    resources: [\"*/\"]\n"
                                  "- level: Metadata\n";
    ck_assert_int_eq(kap_policy_load_buffer(&p, pol, strlen(pol), "s.yaml", NULL, NULL), KAP_OK);
    ck_assert_int_eq(kap_policy_match(p, &q, &d), KAP_OK);
    ck_assert_int_eq(d.rule, 1);
    q.subresource = "log";
    ck_assert_int_eq(kap_policy_match(p, &q, &d), KAP_OK);
    ck_assert_int_eq(d.rule, 1);
    ck_assert_int_eq(kap_policy_match_reference(p, &q, &d), KAP_OK);
    ck_assert_int_eq(d.rule, 1);
    kap_policy_free(p);
}
END_TEST

/* ---- compile.c: namespaces in the decision table --------------------------------- */

/* n rules no request here matches (users: [nobody]), then rule n with
 * namespaces [a, b], then a catch-all: the deciding rule for a resource
 * request in namespace ns */
static int ns_rule(int n, const char *ns)
{
    ptext t = pt_start();
    for (int i = 0; i < n; i++)
        pt_add(&t, "- level: None\n  users: [nobody%d]\n", i);
    pt_add(&t, "- level: Metadata\n  namespaces: [a, b]\n- level: Request\n");
    kap_policy *p = pt_load(&t, "ns.yaml");
    kap_request q = alice_gets_pods_in(ns);
    kap_decision out;
    ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
    kap_policy_free(p);
    return out.rule;
}

START_TEST(table_namespaces)
{
    /* semantics.md, matching 4.2: the request's namespace must be in the
     * list; "" (cluster-scoped) is not. Past the first 64 rules (one word
     * and more, and past four words) the rule is found through the table. */
    static const int sizes[] = {10, 100, 300};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        int n = sizes[i];
        ck_assert_int_eq(ns_rule(n, "a"), n);
        ck_assert_int_eq(ns_rule(n, "b"), n);
        ck_assert_int_eq(ns_rule(n, "c"), n + 1);
        ck_assert_int_eq(ns_rule(n, ""), n + 1);
    }
}
END_TEST

/* ---- compile.c and match.c: many distinct strings and resource keys ---------------- */

START_TEST(table_many_keys)
{
    /* rule i: user u<i>, namespace ns<i>, resource r<i> of group g<i>,
     * then a catch-all. With hundreds of distinct strings and resource keys
     * the hash tables hold collisions, whose entries sit a probe or more
     * past their home slot; each rule must still be found by its own
     * request (semantics.md, matching: every list names its value), and a
     * request that misses one attribute gets the catch-all. */
    static const int sizes[] = {40, 200, 700};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        int n = sizes[z];
        ptext t = pt_start();
        for (int i = 0; i < n; i++)
            pt_add(&t,
                   "- level: %s\n  users: [u%d]\n  namespaces: [ns%d]\n"
                   "  resources: [{group: g%d, resources: [r%d]}]\n",
                   i % 2 ? "Metadata" : "Request", i, i, i, i);
        pt_add(&t, "- level: None\n");
        kap_policy *p = pt_load(&t, "keys.yaml");
        for (int i = 0; i < n; i++) {
            char u[16], ns[16], g[16], r[16], other[16];
            snprintf(u, sizeof u, "u%d", i);
            snprintf(ns, sizeof ns, "ns%d", i);
            snprintf(g, sizeof g, "g%d", i);
            snprintf(r, sizeof r, "r%d", i);
            snprintf(other, sizeof other, "r%d", (i + 1) % n);
            kap_request q = KAP_REQUEST_INIT;
            q.user = u;
            q.verb = "get";
            q.ns = ns;
            q.api_group = g;
            q.resource = r;
            q.resource_request = 1;
            kap_decision out;
            ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
            ck_assert_msg(out.rule == i, "%d rules: request %d decided by rule %d", n, i, out.rule);
            ck_assert_int_eq(out.level, i % 2 ? KAP_LEVEL_METADATA : KAP_LEVEL_REQUEST);
            q.resource = other; /* another rule's resource, in this rule's group */
            ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
            ck_assert_msg(out.rule == n, "%d rules: request %d with r%d decided by rule %d", n, i, (i + 1) % n,
                          out.rule);
            ck_assert_int_eq(out.level, KAP_LEVEL_NONE);
        }
        kap_policy_free(p);
    }
}
END_TEST

START_TEST(table_strings_by_length)
{
    /* user names of one length, more of them than a length bucket holds
     * (LM_MAX, table.h), so that length is looked up by hash; at the
     * lengths where the hash and the comparison change (16, 17, 32, 33
     * bytes) and past them. Rule i names user i only (semantics.md,
     * matching 1). */
    static const int widths[] = {8, 16, 17, 24, 32, 33, 40};
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        int width = widths[w], n = 30;
        ptext t = pt_start();
        for (int i = 0; i < n; i++)
            pt_add(&t, "- level: Metadata\n  users: [\"u%0*d\"]\n", width - 1, i);
        pt_add(&t, "- level: None\n");
        kap_policy *p = pt_load(&t, "len.yaml");
        for (int i = 0; i < n; i++) {
            char u[64];
            snprintf(u, sizeof u, "u%0*d", width - 1, i);
            ck_assert_int_eq((int)strlen(u), width);
            kap_request q = KAP_REQUEST_INIT;
            q.user = u;
            q.verb = "get";
            q.path = "/x";
            kap_decision out;
            ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
            ck_assert_msg(out.rule == i, "width %d: user %d decided by rule %d", width, i, out.rule);
            u[1] = 'x'; /* same length, in no rule */
            ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
            ck_assert_int_eq(out.rule, n);
        }
        kap_policy_free(p);
    }
}
END_TEST

START_TEST(table_string_index_never_full)
{
    /* compile.c's string index grows before it is half full (the mutant
     * `* 2` -> `* 1` let it fill up, and a probe for a string it does not
     * hold then never ends). Policies of 1 to 140 users of one length, so
     * that some of them intern exactly 64 and 128 strings; a user in no
     * rule, of the same length, is looked up and gets the catch-all. */
    for (int n = 1; n <= 140; n++) {
        ptext t = pt_start();
        for (int i = 0; i < n; i++)
            pt_add(&t, "- level: Metadata\n  users: [\"user-%011d\"]\n", i);
        pt_add(&t, "- level: None\n");
        kap_policy *p = pt_load(&t, "index.yaml");
        kap_request q = KAP_REQUEST_INIT;
        q.user = "user-x0000000000";
        q.verb = "get";
        q.path = "/x";
        kap_decision out;
        ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
        ck_assert_int_eq(out.rule, n);
        q.user = "user-00000000000";
        ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
        ck_assert_int_eq(out.rule, 0);
        kap_policy_free(p);
    }
}
END_TEST

START_TEST(table_resource_names_on_a_shared_resource)
{
    /* one resource (pods) in many groups, each rule with its own
     * resourceName: the string pods carries more entries than are scanned
     * (match.c, probe_entries; past the first 64 rules, where the sets are
     * looked up). Rule i: group g<i>, pods, name n<i> (semantics.md,
     * matching 4.4: the name must be in resourceNames). */
    int n = 100;
    ptext t = pt_start();
    for (int i = 0; i < n; i++)
        pt_add(&t, "- level: Metadata\n  resources: [{group: g%d, resources: [pods], resourceNames: [n%d]}]\n", i, i);
    pt_add(&t, "- level: None\n");
    kap_policy *p = pt_load(&t, "names.yaml");
    for (int i = 0; i < n; i++) {
        char g[16], nm[16], other[16];
        snprintf(g, sizeof g, "g%d", i);
        snprintf(nm, sizeof nm, "n%d", i);
        snprintf(other, sizeof other, "n%d", (i + 1) % n);
        kap_request q = KAP_REQUEST_INIT;
        q.user = "alice";
        q.verb = "get";
        q.ns = "default";
        q.api_group = g;
        q.resource = "pods";
        q.name = nm;
        q.resource_request = 1;
        kap_decision out;
        ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
        ck_assert_msg(out.rule == i, "name %s in %s decided by rule %d", nm, g, out.rule);
        q.name = other; /* another rule's name, not in this group's list */
        ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
        ck_assert_int_eq(out.rule, n);
        q.name = "";
        ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
        ck_assert_int_eq(out.rule, n);
    }
    kap_policy_free(p);
}
END_TEST

/* ---- match.c: groups of two attributes whose sets are dense ------------------- */

/* The rule deciding (verb, ns) under n rules of one group of verbs and
 * namespaces, by the table and by the scan, which must agree; rule i
 * lists verb verb_of(i) and namespace ns_of(i), then comes a catch-all. */
typedef const char *(*rule_value)(int i, int special);

static int pair_rule_in(int n, int special, rule_value verb_of, rule_value ns_of, const char *verb, const char *ns,
                        int walked)
{
    ptext t = pt_start();
    for (int i = 0; i < n; i++)
        pt_add(&t, "- level: Metadata\n  verbs: [%s]\n  namespaces: [%s]\n", verb_of(i, special), ns_of(i, special));
    walk_group(&t, walked, 0);
    pt_add(&t, "- level: Request\n");
    kap_policy *p = pt_load(&t, "dense.yaml");
    /* the group of rule 0 is hashed, or walked, as asked */
    const kap_table *tb = p->table;
    uint32_t pos = tb->pos_rule[tb->nrules], groups = 0;
    for (int sc = 0; sc < 2; sc++)
        for (uint32_t k = 0; k < tb->ngroups[sc]; k++) {
            const rgroup *g = &tb->groups[sc][k];
            if (pos >= g->start && pos < g->end) {
                ck_assert_int_eq(g->hashed, !walked);
                groups++;
            }
        }
    ck_assert_uint_gt(groups, 0);
    kap_request q = KAP_REQUEST_INIT;
    q.user = "alice";
    q.verb = verb;
    q.ns = ns;
    q.resource = "pods";
    q.resource_request = 1;
    kap_decision out, ref;
    ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
    ck_assert_int_eq(kap_policy_match_reference(p, &q, &ref), KAP_OK);
    ck_assert_msg(out.rule == ref.rule, "%s in %s (special rule %d): table %d, scan %d", verb, ns, special, out.rule,
                  ref.rule);
    kap_policy_free(p);
    return out.rule == n + walked ? n : out.rule;
}

/* The same, with the group hashed (hundreds of rules of one combination
 * each) and walked: both must give the rule */
static int pair_rule(int n, int special, rule_value verb_of, rule_value ns_of, const char *verb, const char *ns)
{
    int hashed = pair_rule_in(n, special, verb_of, ns_of, verb, ns, 0);
    int walked = pair_rule_in(n, special, verb_of, ns_of, verb, ns, 1);
    ck_assert_msg(hashed == walked, "%s in %s (special rule %d): hashed %d, walked %d", verb, ns, special, hashed,
                  walked);
    return hashed;
}

/* get at the even rules and the special one, a at the odd rules and the
 * special one: get in a is the special rule only */
static const char *verb_even(int i, int special)
{
    return i % 2 == 0 || i == special ? "get" : "list";
}

static const char *ns_odd(int i, int special)
{
    return i % 2 == 1 || i == special ? "a" : "b";
}

/* the same, but no get and no a in rules 64 to 127 (the second word) */
static const char *verb_even_gap(int i, int special)
{
    return i / 64 != 1 && (i % 2 == 0 || i == special) ? "get" : "list";
}

static const char *ns_even_gap(int i, int special)
{
    return i / 64 != 1 && (i % 2 == 0 || i == special) ? "a" : "b";
}

static const char *verb_odd(int i, int special)
{
    return i % 2 == 1 || i == special ? "get" : "list";
}

START_TEST(dense_pair_group_decided_deep)
{
    /* 600 rules of one group (verbs and namespaces) in which the sets of
     * get and of a are dense (a word in every 64 rules) and share one rule,
     * the special one. match_large ANDs such runs of words straight along,
     * four words at a time after the first (match.c, group_first1): the
     * words before the special rule's are passed over, and the group is
     * searched while no rule has decided yet (semantics.md, matching 1: the
     * first rule that matches decides). The special rule in each word from
     * the second to the last (an odd rule, so that no other word's mask
     * holds its bit). Written for match.c's `j == run` negated (a run with
     * a match passed over), `b->i += j` deleted (the cursors out of step
     * after a run: word 0's even rules ANDed with word 9's odd ones, and
     * word 9 the group's last), `bounded &&` as `||` (the group left
     * unsearched) and `ma[j + 1]` as `ma[j + 2]` (a block of four whose
     * only common word is its second: words 2 and 6) */
    int n = 600;
    for (int w = 1; w < 10; w++) {
        int special = w * 64 + 5 < n ? w * 64 + 5 : n - 5;
        ck_assert_int_eq(pair_rule(n, special, verb_even, ns_odd, "get", "a"), special);
        ck_assert_int_eq(pair_rule(n, special, verb_even, ns_odd, "get", "b"), 0);
        ck_assert_int_eq(pair_rule(n, special, verb_even, ns_odd, "list", "a"), 1);
        ck_assert_int_eq(pair_rule(n, special, verb_even, ns_odd, "list", "b"), n);
        /* an even special rule: get holds it in every word's mask, a in
         * word w's alone. Written for `ma[j + 1]` as `ma[j + 0]` (word 1 of
         * the namespaces' cursor, the first, ANDed with word 2 of the
         * verbs': the odd rules of one with the even of the other, nothing
         * found and word 2 passed over); the odd special above hides it,
         * its bit being in the namespaces' every word */
        int even = w * 64 + 4 < n ? w * 64 + 4 : n - 6;
        ck_assert_int_eq(pair_rule(n, even, verb_even, ns_odd, "get", "a"), even);
    }

    /* One set has no word for rules 64 to 127, the other has every word:
     * a run of as many words as the shorter set holds from word 0 is not
     * dense, and must not be ANDed word by word against the other (word 2
     * of one against word 1 of the other). Each way round, as either
     * attribute may come first. Written for match.c's density test
     * `a->wi[a->i + run - 1]` as `run - 2`. */
    for (int w = 2; w < 10; w++) {
        int special = w * 64 + 5 < n ? w * 64 + 5 : n - 5;
        ck_assert_int_eq(pair_rule(n, special, verb_even_gap, ns_odd, "get", "a"), special);
        ck_assert_int_eq(pair_rule(n, special, verb_odd, ns_even_gap, "get", "a"), special);
    }

    /* the same pair group at the even rules, and a group of users at the
     * odd ones: for u301, get, a the pair group (visited first, its first
     * rule being 0) finds rule 500, and the users' group must still be
     * searched below it, where rule 301 decides */
    ptext t = pt_start();
    for (int i = 0; i < n; i++) {
        if (i % 2)
            pt_add(&t, "- level: Request\n  users: [u%d]\n", i);
        else
            pt_add(&t, "- level: Metadata\n  verbs: [%s]\n  namespaces: [%s]\n", i % 4 == 0 ? "get" : "list",
                   i % 4 == 2 || i == 500 ? "a" : "b");
    }
    pt_add(&t, "- level: None\n");
    kap_policy *p = pt_load(&t, "dense2.yaml");
    static const struct {
        const char *user;
        int rule;
    } users[] = {{"u301", 301}, {"u501", 500}, {"u599", 500}, {"u1", 1}, {"bob", 500}};
    for (size_t k = 0; k < sizeof users / sizeof users[0]; k++) {
        kap_request q = KAP_REQUEST_INIT;
        q.user = users[k].user;
        q.verb = "get";
        q.ns = "a";
        q.resource = "pods";
        q.resource_request = 1;
        kap_decision out, ref;
        ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
        ck_assert_int_eq(kap_policy_match_reference(p, &q, &ref), KAP_OK);
        ck_assert_msg(out.rule == users[k].rule && ref.rule == users[k].rule, "%s: rule %d (scan %d), want %d",
                      users[k].user, out.rule, ref.rule, users[k].rule);
    }
    kap_policy_free(p);
}
END_TEST

/* The rule deciding alice, get in namespace x (a resource request for
 * pods) by the table and by the scan, which must agree; the policy is
 * pt's rules and a catch-all, rule `n`. */
static int alice_get_x(ptext *t, const char *name)
{
    pt_add(t, "- level: Request\n");
    kap_policy *p = pt_load(t, name);
    kap_request q = alice_gets_pods_in("x");
    kap_decision out, ref;
    ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
    ck_assert_int_eq(kap_policy_match_reference(p, &q, &ref), KAP_OK);
    ck_assert_msg(out.rule == ref.rule, "%s: table %d, scan %d", name, out.rule, ref.rule);
    kap_policy_free(p);
    return out.rule;
}

START_TEST(dense_triple_group_in_step)
{
    /* 640 rules of one group of three attributes (users, namespaces,
     * verbs), each with one value set for the request: alice at the even
     * rules, x at the odd ones and rule 196 (word 3), get at rules 0 to 63
     * only. alice and x meet at rule 196 alone, whose verb is list: no
     * rule of the group matches and the catch-all decides (semantics.md,
     * matching 1). Three cursors are stepped together word by word
     * (match.c, group_first1); the straight run is for two cursors only,
     * as it moves those two alone. Written for match.c's `if (nc == 2)`
     * as `nc == 3` (the users' and namespaces' cursors, the first two, run
     * to word 3, the verbs' left at word 0, whose mask holds rule 196's
     * bit: rule 196 decided) */
    int n = 640;
    for (int walked = 0; walked < 2; walked++) {
        ptext t = pt_start();
        for (int i = 0; i < n; i++)
            pt_add(&t, "- level: Metadata\n  users: [%s]\n  namespaces: [%s]\n  verbs: [%s]\n",
                   i % 2 ? "bob" : "alice", i % 2 || i == 196 ? "x" : "w", i < 64 ? "get" : "list");
        walk_group(&t, walked, 1);
        ck_assert_int_eq(alice_get_x(&t, "triple.yaml"), n + walked);
        /* and with rule 196's verb get too, it decides */
        t = pt_start();
        for (int i = 0; i < n; i++)
            pt_add(&t, "- level: Metadata\n  users: [%s]\n  namespaces: [%s]\n  verbs: [%s]\n",
                   i % 2 ? "bob" : "alice", i % 2 || i == 196 ? "x" : "w", i < 64 || i == 196 ? "get" : "list");
        walk_group(&t, walked, 1);
        ck_assert_int_eq(alice_get_x(&t, "triple196.yaml"), 196);
    }
}
END_TEST

START_TEST(dense_pair_group_starting_mid_word)
{
    /* Rules 0 to 9 (users nobody, namespace x) make a group of their
     * own; rules 10 to 639 a group of verbs and namespaces, which starts
     * at bit 10 of word 0. The set of x holds word 0 (rules 0 to 9 only)
     * and every word after it (the even rules from 64, and rule 69); the
     * set of get holds rules 10 to 63 and the odd rules from 64. Both are
     * dense, and within the group they meet at rule 69 alone: the run
     * ANDs the two sets' words (match.c, group_first1: x's word 0 masked
     * to the group gives nothing, word 1 holds rule 69). Written for
     * match.c's `*b = cs[1]` as `cs[0]` (the run ANDing x with itself:
     * x's cursor moved twice, to word 2, and ANDed with get's word 0:
     * rule 74 decided) */
    int n = 640;
    for (int walked = 0; walked < 2; walked++) {
        ptext t = pt_start();
        for (int i = 0; i < 10; i++)
            pt_add(&t, "- level: Metadata\n  users: [nobody]\n  namespaces: [x]\n");
        for (int i = 10; i < n; i++)
            pt_add(&t, "- level: Metadata\n  verbs: [%s]\n  namespaces: [%s]\n", i < 64 || i % 2 ? "get" : "list",
                   i >= 64 && (i % 2 == 0 || i == 69) ? "x" : "w");
        walk_group(&t, walked, 0);
        ck_assert_int_eq(alice_get_x(&t, "midword.yaml"), 69);
    }
}
END_TEST

/* The rule deciding alice getting pods in x under the policy rules (then
 * a catch-all), by the table and by the scan, which must agree; the
 * group of the first rule must be walked. */
static int walked_rule(ptext *t)
{
    pt_add(t, "- level: Request\n");
    kap_policy *p = pt_load(t, "run.yaml");
    const kap_table *tb = p->table;
    uint32_t pos = tb->pos_rule[tb->nrules];
    for (int sc = 0; sc < 2; sc++)
        for (uint32_t k = 0; k < tb->ngroups[sc]; k++)
            if (pos >= tb->groups[sc][k].start && pos < tb->groups[sc][k].end)
                ck_assert(!tb->groups[sc][k].hashed);
    kap_request q = alice_gets_pods_in("x");
    kap_decision out, ref;
    ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
    ck_assert_int_eq(kap_policy_match_reference(p, &q, &ref), KAP_OK);
    ck_assert_msg(out.rule == ref.rule, "table %d, scan %d", out.rule, ref.rule);
    kap_policy_free(p);
    return out.rule;
}

START_TEST(straight_run_edges)
{
    /* the straight run of two cursors (match.c, group_first1) within a
     * walked group of verbs and namespaces whose sets hold get at the
     * even rules, x at the odd ones (dense, no rule of both) */
    /* 1. the run stops at the group's end, though the cursors go on into
     * the next group (users, verbs and namespaces: bob gets in x there),
     * which starts on a word of its own: the catch-all decides. Written
     * for the run's length `we - w + 1` as `+ 2` (rule 640, bob's) */
    ptext t = pt_start();
    for (int i = 0; i < 639; i++)
        pt_add(&t, "- level: Metadata\n  verbs: [%s]\n  namespaces: [%s]\n", i % 2 ? "list" : "get",
               i % 2 ? "x" : "w");
    walk_group(&t, 1, 0);
    for (int i = 0; i < 10; i++)
        pt_add(&t, "- level: Metadata\n  users: [bob]\n  verbs: [get]\n  namespaces: [x]\n");
    ck_assert_int_eq(walked_rule(&t), 650);
    /* 2. a run that starts past the group's first word (x only from word
     * 3 on) and whose first word's bit 0 decides (rule 192). Written for
     * the first word's mask `~0ULL` as `~1ULL` (the catch-all) */
    t = pt_start();
    for (int i = 0; i < 511; i++)
        pt_add(&t, "- level: Metadata\n  verbs: [%s]\n  namespaces: [%s]\n", i % 2 ? "list" : "get",
               i == 192 || (i > 192 && i % 2) ? "x" : "w");
    walk_group(&t, 1, 0);
    ck_assert_int_eq(walked_rule(&t), 192);
}
END_TEST

/* ---- validate.c: API group names ---------------------------------------------- */

static int group_rejected(const char *group)
{
    char doc[256], want[128];
    snprintf(doc, sizeof doc, HDR "rules:\n- level: None\n  resources: [{group: \"%s\"}]\n", group);
    snprintf(want, sizeof want, "rules[0].resources.group: Invalid value: \"%s\": a lowercase RFC 1123 subdomain ",
             group);
    const char *e = error_of(doc);
    if (strcmp(e, "(loaded)") == 0)
        return 0;
    ck_assert_msg(strncmp(e, want, strlen(want)) == 0, "group %s: %s", group, e);
    return 1;
}

START_TEST(quoted_value_keeps_its_spaces)
{
    /* a value quoted in a validation message keeps its spaces as they are
     * (encoding/json escapes only what is below 0x20, quotes, backslash
     * and <>&). Written for util.c json_quote_as with `c >= 0x21` (a
     * space came out as \u0020) */
    ck_assert_str_eq(error_of("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: \" Meta data\"\n"),
                     "rules[0].level: Unsupported value: \" Meta data\": supported values: "
                     "\"None\", \"Metadata\", \"Request\", \"RequestResponse\"");
}
END_TEST

START_TEST(group_dns_subdomain)
{
    /* IsDNS1123Subdomain: each dot-separated label starts and ends with
     * a lowercase letter or digit, '-' only inside */
    ck_assert(!group_rejected("a-b"));
    ck_assert(!group_rejected("a-b.c-d"));
    ck_assert(!group_rejected("a"));
    ck_assert(group_rejected("a-"));
    ck_assert(group_rejected("-a"));
    ck_assert(group_rejected("a-.b"));
    ck_assert(group_rejected("a.-b"));
    ck_assert(group_rejected("a..b"));
    ck_assert(group_rejected("a."));
}
END_TEST

static long each_allocation_failed(const char *doc)
{
    return each_allocation_failed_o(doc, strlen(doc), NULL, NULL);
}

/* ---- validate.c: every allocation failure ------------------------------------------ */

START_TEST(validate_allocation_failures)
{
    /* each validation message's pieces, failed one allocation at a time:
     * always KAP_ENOMEM and no policy, never a message with a piece lost */
    static const char *const inputs[] = {
        HDR "rules:\n- level: None\n  resources: [{resourceNames: [x]}]\n",
        HDR "rules:\n- level: None\n  resources: [{group: \"a/b\", resources: [\"x\"]}]\n",
        HDR "rules:\n- level: None\n  nonResourceURLs: [\"/a\"]\n  namespaces: [ns1]\n",
        HDR "rules:\n- users: [u]\n  omitStages: [Nope]\n",
        HDR "omitStages: [Nope]\nrules:\n- level: None\n",
        HDR "rules:\n- level: Bad\n  omitStages: [Nope]\n",
        /* valid: the URL's field name is built before it is known to be needed */
        HDR "rules:\n- level: None\n  nonResourceURLs: [\"/a\", \"*\", \"/b*\"]\n",
    };
    long injected = 0;
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        int status = -1;
        injected += each_allocation_failed_o(inputs[i], strlen(inputs[i]), NULL, &status);
        ck_assert_int_eq(status, i + 1 < sizeof inputs / sizeof inputs[0] ? KAP_EINVALID : KAP_OK);
    }
    ck_assert_int_gt(injected, 20);
}
END_TEST

#else /* KAP_MUTANTS_WORK */

/* The work counted for deciding q under p (then freed), whose decision
 * must be rule, by the table and by the scan alike. */
static unsigned long decided_work(kap_policy *p, const kap_request *q, long rule)
{
    kap_decision out, ref;
    kap_work_count = 0;
    ck_assert_int_eq(kap_policy_match(p, q, &out), KAP_OK);
    unsigned long work = kap_work_count;
    ck_assert_int_eq(kap_policy_match_reference(p, q, &ref), KAP_OK);
    ck_assert_int_eq(out.rule, rule);
    ck_assert_int_eq(ref.rule, rule);
    kap_policy_free(p);
    return work;
}

/* ---- match.c: the driver of a group ------------------------------------------ */

/* n rules (n - 10 of them the request's, by the other attribute) and a
 * catch-all; the sparse attribute's value is in rule n - 10 only. The work
 * counted for the request, whose decision must be rule n - 10. */
static unsigned long sparse_work(int n, int users_sparse)
{
    ptext t = pt_start();
    for (int i = 0; i < n; i++) {
        int v = i == n - 10 ? -1 : i;
        if (users_sparse)
            pt_add(&t, "- level: Metadata\n  users: [u%d]\n  verbs: [get]\n", v);
        else
            pt_add(&t, "- level: Metadata\n  users: [alice]\n  verbs: [v%d]\n", v);
    }
    pt_add(&t, "- level: Request\n");
    kap_policy *p = pt_load(&t, "w.yaml");
    kap_request q = KAP_REQUEST_INIT;
    q.user = users_sparse ? "u-1" : "alice";
    q.verb = users_sparse ? "get" : "v-1";
    q.path = "/x";
    return decided_work(p, &q, n - 10);
}

/* The work of deciding a URL no rule names, under n rules of
 * nonResourceURLs "/pNNN/" with a star (every stem six bytes long). */
static unsigned long prefix_work(int n)
{
    ptext t = pt_start();
    for (int i = 0; i < n; i++)
        pt_add(&t, "- level: Metadata\n  nonResourceURLs: [\"/p%03d/*\"]\n", 100 + i);
    pt_add(&t, "- level: Request\n");
    kap_policy *p = pt_load(&t, "urls.yaml");
    kap_request q = KAP_REQUEST_INIT;
    q.user = "alice";
    q.verb = "get";
    q.path = "/zzzz/healthz";
    return decided_work(p, &q, n);
}

START_TEST(prefix_lengths_once)
{
    /* a URL is looked up once per distinct stem length of the policy's
     * prefix rules (compile.c keeps each length once): forty rules
     * whose stems all have one length cost about what four do. Written
     * for compile.c's `k == 0 ||` as `k != 0 ||` (no length dropped) */
    unsigned long few = prefix_work(4), many = prefix_work(40);
    ck_assert_msg(many < 2 * few, "work %lu with 4 prefix rules, %lu with 40", few, many);
}
END_TEST

START_TEST(driver_fewest_words)
{
    /* beyond 4 words (match_large) a group is driven by the attribute whose
     * sets have the fewest words: where one attribute's value selects a
     * single rule, ten times the rules cost about the same work, whichever
     * attribute that is (match.c, order) */
    for (int users_sparse = 0; users_sparse < 2; users_sparse++) {
        unsigned long small = sparse_work(640, users_sparse), large = sparse_work(6400, users_sparse);
        ck_assert_msg(large < 2 * small, "users sparse %d: work %lu at 640 rules, %lu at 6400", users_sparse, small,
                      large);
    }
}
END_TEST

/* n rules of users and groups (users u<i>, alice at rules 0 and n - 10;
 * userGroups g1 at the even rules, g2 at the odd ones, g3 at rule 0), a
 * rule of nonResourceURLs "/p" and a catch-all. The work counted for
 * alice in groups g1 and g2 getting /p, decided by rule n - 10. */
static unsigned long several_sets_work(int n)
{
    ptext t = pt_start();
    pt_add(&t, "- level: Metadata\n  users: [alice]\n  userGroups: [g3]\n");
    for (int i = 1; i < n; i++) {
        if (i == n - 10)
            pt_add(&t, "- level: Metadata\n  users: [alice]\n  userGroups: [g%d]\n", 1 + i % 2);
        else
            pt_add(&t, "- level: Metadata\n  users: [u%d]\n  userGroups: [g%d]\n", i, 1 + i % 2);
    }
    pt_add(&t, "- level: Request\n  nonResourceURLs: [\"/p\"]\n- level: None\n");
    kap_policy *p = pt_load(&t, "sets.yaml");
    const char *groups[] = {"g1", "g2"};
    kap_request q = KAP_REQUEST_INIT;
    q.user = "alice";
    q.groups = groups;
    q.n_groups = 2;
    q.verb = "get";
    q.path = "/p";
    return decided_work(p, &q, n - 10);
}

START_TEST(driver_fewest_words_of_several_sets)
{
    /* a group where an attribute has several value sets (the request's
     * two groups) is driven by the attribute of the fewest words in the
     * group among those it constrains (match.c, visit_group): alice's
     * two words, not the words of g1 and g2, dense, so ten times the
     * rules cost about the same work. (Written for the insertion sort of
     * the attributes by their words that chose the driver once a
     * decision, before the group index; the driver is now chosen per
     * group.) */
    unsigned long small = several_sets_work(640), large = several_sets_work(6400);
    ck_assert_msg(large < 2 * small, "work %lu at 640 rules, %lu at 6400", small, large);
}
END_TEST

/* 300 rules of users u1 and u2 with verb list, a catch-all (rule 300),
 * then 100 rules of users [later]. The work counted for u1 getting /x,
 * which the catch-all decides. */
static unsigned long catch_all_work(const char *later)
{
    ptext t = pt_start();
    for (int i = 0; i < 300; i++)
        pt_add(&t, "- level: Metadata\n  users: [u1, u2]\n  verbs: [list]\n");
    pt_add(&t, "- level: Request\n");
    for (int i = 0; i < 100; i++)
        pt_add(&t, "- level: Metadata\n  users: [%s]\n", later);
    kap_policy *p = pt_load(&t, "catchall.yaml");
    kap_request q = KAP_REQUEST_INIT;
    q.user = "u1";
    q.verb = "get";
    q.path = "/x";
    return decided_work(p, &q, 300);
}

START_TEST(catch_all_ends_the_visits)
{
    /* a group of rules constraining nothing decides by its first rule,
     * and no later group is visited (match.c, visit_group returning 1):
     * the group of users after the catch-all costs nothing, whether the
     * request's user is in it (u1) or not (u2; the strings and their
     * roles are the same in both policies, so the lookups are too).
     * Written for visit_group's `return 1` as `return 0` (the next group
     * visited, one unit more, only when the user's set reaches it) */
    unsigned long in = catch_all_work("u1"), out = catch_all_work("u2");
    ck_assert_msg(in == out, "work %lu with the user's group after the catch-all, %lu without", in, out);
}
END_TEST

/* Rules 0 to 9 (users nobody, namespace x, verb first_verb) a group of
 * their own, rules 10 to 639 a group of verbs and namespaces starting at
 * bit 10 of word 0: get at rules 10 to 63 and the odd rules from 64, x at
 * the even rules from 64 and rule 581. The work counted for alice getting
 * in x, decided by rule 581 (word 9). */
static unsigned long midword_run_work(const char *first_verb, int walked)
{
    ptext t = pt_start();
    for (int i = 0; i < 10; i++)
        pt_add(&t, "- level: Metadata\n  users: [nobody]\n  namespaces: [x]\n  verbs: [%s]\n", first_verb);
    for (int i = 10; i < 640; i++)
        pt_add(&t, "- level: Metadata\n  verbs: [%s]\n  namespaces: [%s]\n", i < 64 || i % 2 ? "get" : "list",
               i >= 64 && (i % 2 == 0 || i == 581) ? "x" : "w");
    walk_group(&t, walked, 0);
    pt_add(&t, "- level: Request\n");
    kap_policy *p = pt_load(&t, "midrun.yaml");
    kap_request q = alice_gets_pods_in("x");
    return decided_work(p, &q, 581);
}

START_TEST(straight_run_skips_bits_before_the_group)
{
    /* the straight run of two cursors (match.c, group_first1) ANDs the
     * first word masked to the group, the rest from the second word on:
     * whether the request's get and x meet before the group (rules 0 to
     * 9 of verb get) or not (verb list), it skips to word 9 alike, so the
     * work is the same (the strings and the sets' words are too). Written
     * for the run's `j = 1` as `j = 0` (word 0's unmasked bits of rules 0
     * to 9 stop the run at once: the words stepped one by one) */
    for (int walked = 0; walked < 2; walked++) {
        unsigned long met = midword_run_work("get", walked), apart = midword_run_work("list", walked);
        ck_assert_msg(met == apart, "work %lu with get and x meeting before the group, %lu without (%s)", met, apart,
                      walked ? "walked" : "hashed");
    }
}
END_TEST

/* A walked group of verbs and namespaces: words 64-rule words dense for
 * both of the request's sets (get at the even rules, x at the odd ones:
 * every word holds both, none a rule of both) up to its last rule, get in
 * x with match; then tail words of rules with the one value tail_ns
 * names (x, with list; else get, with w), and the rule that makes the
 * group walked. With bound, a rule of users [bob] first and one of users
 * [alice] after the group, which decides before the catch-all: the group
 * is visited with a bound beyond its rules. The work counted for alice
 * getting pods in x. */
static unsigned long dense_run_work(int words, int match, int tail, int tail_ns, int bound)
{
    int n = 64 * words;
    ptext t = pt_start();
    if (bound)
        pt_add(&t, "- level: Metadata\n  users: [bob]\n");
    for (int i = 0; i < n; i++)
        pt_add(&t, "- level: Metadata\n  verbs: [%s]\n  namespaces: [%s]\n", i % 2 && i < n - 1 ? "list" : "get",
               i == n - 1 ? (match ? "x" : "w") : i % 2 ? "x" : "w");
    for (int i = 0; i < 64 * tail; i++)
        pt_add(&t, "- level: Metadata\n  verbs: [%s]\n  namespaces: [%s]\n", tail_ns ? "list" : "get",
               tail_ns ? "x" : "w");
    walk_group(&t, 1, 0);
    if (bound)
        pt_add(&t, "- level: Metadata\n  users: [alice]\n");
    pt_add(&t, "- level: Request\n");
    kap_policy *p = pt_load(&t, "dense.yaml");
    kap_request q = alice_gets_pods_in("x");
    long before = bound + n + 64 * tail + 1; /* the rule after the group */
    return decided_work(p, &q, match ? bound + n - 1 : before);
}

START_TEST(straight_run_one_unit_a_word)
{
    /* two cursors dense over the same words are ANDed straight along
     * (match.c, group_first1): a unit of work a word (WORK(run)), where
     * stepping them together costs two (WORK(nc)). So 70 words more cost
     * 70 units more: whether the run ends on the deciding rule or holds
     * nothing (the cursors then go past it at once); whether one cursor
     * holds words past the run (the other's end bounds it); and under a
     * bound beyond the group. Written for the straight run's set-up (its
     * survivors, docs/quality-gates.md): a run not taken, or taken
     * short, leaves words to the stepping loop, which finds the same
     * rule at twice the work */
    static const int cases[][4] = {{1, 0, 0, 0}, {0, 0, 0, 0}, {0, 3, 0, 0}, {0, 3, 1, 0}, {0, 0, 0, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const int *k = cases[c];
        unsigned long few = dense_run_work(10, k[0], k[1], k[2], k[3]);
        unsigned long many = dense_run_work(80, k[0], k[1], k[2], k[3]);
        ck_assert_msg(many > few && many - few == 70, "case %zu: work %lu over 10 words, %lu over 80", c, few, many);
    }
}
END_TEST

/* A walked group of verbs and namespaces over 10 x xwords words: get at
 * every rule (its set dense in the group, of at least 8 words: indexed,
 * table.h gidx), x with list at rule 5 of every tenth word, x with get at
 * the rule before the last (deciding), the last the one that makes the
 * group walked (in the group's last word, which get's set must hold);
 * then 100 rules of users [bob], so that get's set is not of every word.
 * The work counted for alice getting pods in x. */
static unsigned long dense_index_work(int xwords)
{
    int n = 640 * xwords - 1;
    ptext t = pt_start();
    for (int i = 0; i < n; i++)
        pt_add(&t, "- level: Metadata\n  verbs: [%s]\n  namespaces: [%s]\n", i % 640 == 5 ? "list" : "get",
               i % 640 == 5 || i == n - 1 ? "x" : "w");
    walk_group(&t, 1, 0);
    for (int i = 0; i < 100; i++)
        pt_add(&t, "- level: Metadata\n  users: [bob]\n");
    kap_policy *p = pt_load(&t, "dense.yaml");
    kap_request q = alice_gets_pods_in("x");
    return decided_work(p, &q, n - 1);
}

START_TEST(dense_in_the_group_seeks_at_once)
{
    /* get's set holds every word of the group: entering the group, its
     * cursor learns so (cursor_enter, GIDX_DENSE), and each seek to x's
     * next word, ten words on, is one unit, not a gallop. Written for
     * cursor_enter's `c->dense = e >> 31` deleted (a gallop of about
     * seven units for each of x's words) */
    unsigned long few = dense_index_work(2), many = dense_index_work(12);
    ck_assert_msg(many > few && many - few <= 10 * 5, "work %lu over 20 words, %lu over 120", few, many);
}
END_TEST

/* tests/test_work's many_sets_in_every_group, one case: alice in 40
 * groups, each named (with the rest missing) in every group of rules
 * beside a rule of hers and a rule that hits the rest; the catch-all
 * decides. The work counted. */
static unsigned long many_sets_work(size_t *rules)
{
    char names[40][8], list[400];
    const char *groups[40];
    size_t ln = 0;
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof names[i], "g%d", i);
        groups[i] = names[i];
        ln += (size_t)snprintf(list + ln, sizeof list - ln, "%s%s", i ? ", " : "", names[i]);
    }
    ptext t = pt_start();
    for (int i = 0; i < 300; i++)
        pt_add(&t, "- level: None\n  users: [filler%d]\n", i);
    for (unsigned shape = 1; shape < 8; shape++)
        for (int rep = 0; rep < 25; rep++)
            for (int who = 0; who < 3; who++) {
                pt_add(&t, "- level: Metadata\n  users: [%s]\n  userGroups: [%s]\n", who == 1 ? "alice" : "nobody",
                       who == 0 ? list : "zz");
                if (shape & 1)
                    pt_add(&t, "  verbs: [%s]\n", who == 2 ? "get" : "nope");
                if (shape & 2)
                    pt_add(&t, "  namespaces: [%s]\n", who == 2 ? "default" : "nons");
                if (shape & 4)
                    pt_add(&t, "  resources: [{group: \"\", resources: [%s]}]\n", who == 2 ? "pods" : "nores");
            }
    pt_add(&t, "- level: Request\n");
    kap_policy *p = pt_load(&t, "sets.yaml");
    *rules = kap_policy_rule_count(p);
    kap_request q = KAP_REQUEST_INIT;
    q.user = "alice";
    q.groups = groups;
    q.n_groups = 40;
    q.verb = "get";
    q.ns = "default";
    q.api_group = "";
    q.resource = "pods";
    q.resource_request = 1;
    return decided_work(p, &q, (long)*rules - 1);
}

START_TEST(fewest_sets_anded_first)
{
    /* in a group visit the attributes other than the driver are ANDed
     * fewest sets first (match.c, group_first): the verb's, namespace's
     * or resource's one set clears the bits of alice's rules before the
     * 40 group sets are read, so the work stays under half of
     * tests/test_work's bound (8 W + 2 bytes + 400; it was 0.30 of it
     * before the group index). With the group sets read first, or with
     * every group set picked per visit (match.c, GSEL_MAX), it is 0.77
     * to 1.04 of the bound. Written for the insertion sort's `j > 0` as
     * `j > 1` */
    size_t rules = 0;
    unsigned long work = many_sets_work(&rules);
    size_t bytes = 5 + 3 + 7 + 4, w = (rules + 63) / 64;
    for (int i = 0; i < 40; i++)
        bytes += i < 10 ? 2 : 3;
    unsigned long bound = (unsigned long)(8 * w + 2 * bytes + 400);
    ck_assert_msg(2 * work < bound, "work %lu, bound %lu (%zu rules)", work, bound, rules);
}
END_TEST

/* A group of 1,280 rules of verbs and user groups (one combination each:
 * hashed, table.h), get at the odd rules with groups h0 to h15, list at
 * the even ones with g0 to g15, so no rule of the group is get in a g
 * group; the catch-all after it decides. The work counted for alice's get
 * in groups g0 to g(ngroups - 1). */
static unsigned long probes_work(int ngroups)
{
    char names[16][8];
    const char *groups[16];
    for (int i = 0; i < ngroups; i++) {
        snprintf(names[i], sizeof names[i], "g%d", i);
        groups[i] = names[i];
    }
    ptext t = pt_start();
    for (int i = 0; i < 1280; i++)
        pt_add(&t, "- level: Metadata\n  verbs: [%s]\n  userGroups: [%c%d]\n", i % 2 ? "get" : "list",
               i % 2 ? 'h' : 'g', i / 2 % 16);
    pt_add(&t, "- level: Request\n");
    kap_policy *p = pt_load(&t, "probes.yaml");
    kap_request q = alice_gets_pods_in("default");
    q.groups = groups;
    q.n_groups = (size_t)ngroups;
    return decided_work(p, &q, 1280);
}

START_TEST(hashed_group_probes_each_combination)
{
    /* the request's sets in a hashed group make one combination a group
     * set (one verb set, ngroups group sets): up to HASH_PROBES of them
     * are probed, and one group more costs its look-up and one probe
     * more (9 to 12 units) at every count up to 16 (match.c,
     * group_hashed_n). Written for the product's `prod = 1` as `prod =
     * 2`: from 9 groups on, the group is walked, its 20 words at about 380
     * units more */
    for (int n = 2; n < 16; n++) {
        unsigned long less = probes_work(n), more = probes_work(n + 1);
        ck_assert_msg(more > less && more - less <= 16, "work %lu with %d groups, %lu with %d", less, n, more, n + 1);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mutants_work");
    TCase *tc = tcase_create("work");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, driver_fewest_words);
    tcase_add_test(tc, prefix_lengths_once);
    tcase_add_test(tc, driver_fewest_words_of_several_sets);
    tcase_add_test(tc, catch_all_ends_the_visits);
    tcase_add_test(tc, straight_run_skips_bits_before_the_group);
    tcase_add_test(tc, straight_run_one_unit_a_word);
    tcase_add_test(tc, dense_in_the_group_seeks_at_once);
    tcase_add_test(tc, fewest_sets_anded_first);
    tcase_add_test(tc, hashed_group_probes_each_combination);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif

#ifndef KAP_MUTANTS_WORK
/* ---- decode.c: allocation failures in long lists ------------------------------------ */

START_TEST(decode_allocation_failures)
{
    /* lists long enough that the decoder's arena takes a block of their
     * own for them (rules, and one rule's users and resources): failing
     * any one allocation gives KAP_ENOMEM and no policy */
    size_t cap = 65536, len = 0;
    char *b = malloc(cap);
    ck_assert_ptr_nonnull(b);
    len += (size_t)snprintf(b + len, cap - len, HDR "rules:\n- level: None\n  users: [");
    for (int i = 0; i < 800; i++)
        len += (size_t)snprintf(b + len, cap - len, "%su%d", i ? ", " : "", i);
    len += (size_t)snprintf(b + len, cap - len, "]\n  resources: [");
    for (int i = 0; i < 400; i++)
        len += (size_t)snprintf(b + len, cap - len, "%s{}", i ? ", " : "");
    len += (size_t)snprintf(b + len, cap - len, "]\n");
    for (int i = 0; i < 120; i++)
        len += (size_t)snprintf(b + len, cap - len, "- level: Metadata\n");
    int status = -1;
    long injected = each_allocation_failed_o(b, len, NULL, &status);
    ck_assert_int_eq(status, KAP_OK);
    ck_assert_int_gt(injected, 10);
    free(b);
}
END_TEST

START_TEST(other_kind_allocation_failures)
{
    /* another kind the scheme knows, decoded into its own type for its
     * type error (a PolicyList's items a number) or its error that stops
     * decoding (an Event's bad time): failing the allocation of either
     * error's text gives KAP_ENOMEM, never "failed decoding: " with the
     * error lost. Written for decode_other_kind's `d.type_err.oom ||
     * d.abort_err.oom` as `&&` (either alone then reported as the
     * truncated text, status KAP_EINVALID) */
    ck_assert_int_gt(each_allocation_failed("apiVersion: audit.k8s.io/v1\nkind: PolicyList\nitems: 5\n"), 2);
    ck_assert_int_gt(
        each_allocation_failed("apiVersion: audit.k8s.io/v1\nkind: Event\nrequestReceivedTimestamp: \"nope\"\n"), 2);
}
END_TEST

START_TEST(rules_streamed_allocation_failures)
{
    /* a YAML document's top-level "rules" are decoded as they are read
     * (decode.c, rules_sink), before the kind is known; the kind here is
     * an Event, so the conversion error is the answer and the rules are
     * not used. Failing any allocation of that streaming, the field and
     * path names "rules" included, still gives KAP_ENOMEM. Written for
     * rules_sink's `r->d.field.oom || r->d.path.oom` as `&&` (the path's
     * allocation failed alone, the reading went on and the load answered
     * the conversion error, KAP_EINVALID) */
    ck_assert_int_gt(each_allocation_failed("apiVersion: audit.k8s.io/v1\nkind: Event\nrules:\n- level: None\n"
                                            "  users: [a]\n- level: Metadata\n"),
                     2);
}
END_TEST

START_TEST(large_map_keys_sorted)
{
    /* a map's keys are sorted as json.Marshal writes them before the
     * strict decoding meets them, so unknown fields are reported in key
     * order; a map of more than 16 keys is sorted by qsort (read_yaml.c,
     * finish_mapping). Written for that qsort deleted (the document's
     * order, k16 first) */
    static char doc[1024];
    size_t n = (size_t)snprintf(doc, sizeof doc, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n");
    for (int i = 16; i >= 1; i--)
        n += (size_t)snprintf(doc + n, sizeof doc - n, "  k%02d: 1\n", i);
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    ck_assert_int_eq(kap_policy_load_buffer(&p, doc, n, "keys.yaml", NULL, &d), KAP_OK);
    const char *w = kap_diagnostics_warning_text(d);
    ck_assert_ptr_nonnull(w);
    const char *first = strstr(w, "k01"), *last = strstr(w, "k16");
    ck_assert_msg(first && last && first < last, "warnings not in key order: %s", w);
    kap_policy_free(p);
    kap_diagnostics_free(d);
}
END_TEST

START_TEST(streamed_rules_array_allocation_failures)
{
    /* the streamed rules are copied into the policy's arena at their
     * count (decode.c, splice_rules); for 300 rules that takes a block of
     * its own, and its allocation failing gives KAP_ENOMEM. Written for
     * splice_rules' `d->oom = 1` as `= 0` there (the load went on with no
     * rules: KAP_OK) */
    static char doc[300 * 32 + 64];
    size_t n = (size_t)snprintf(doc, sizeof doc, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(doc + n, sizeof doc - n, "- level: None\n  users: [u%d]\n", i);
    ck_assert_int_gt(each_allocation_failed(doc), 2);
}
END_TEST

/* The error diagnostic of doc, which must not load: its line, column and
 * text. */
static void yaml_error_at(const char *doc, unsigned line, unsigned col, const char *text)
{
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    ck_assert_int_eq(kap_policy_load_buffer(&p, doc, strlen(doc), "bad.yaml", NULL, &d), KAP_EINVALID);
    const kap_diagnostic *e = NULL;
    for (size_t i = 0; i < kap_diagnostics_count(d); i++)
        if (kap_diagnostics_get(d, i)->severity == KAP_SEVERITY_ERROR)
            e = kap_diagnostics_get(d, i);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(kap_diagnostics_error_text(d), text);
    ck_assert_msg(e->line == line && e->column == col, "%s: at %u:%u, want %u:%u", text, e->line, e->column, line,
                  col);
    kap_diagnostics_free(d);
}

START_TEST(yaml_error_positions)
{
    /* a syntax error is placed where libyaml found it: the second ']'
     * (line 5, column 16), the '@' that starts no token (column 14). A
     * reader error (a byte that is not UTF-8) comes with no position from
     * libyaml: 0:0, unknown. Written for read_yaml.c fail_from_parser's
     * reader-error test negated (the syntax errors at 0:0, the reader
     * error at 1:1) */
    yaml_error_at(HDR "rules:\n- level: None\n  users: [a, b]]\n", 5, 16,
                  "failed decoding: yaml: line 4: did not find expected key");
    yaml_error_at(HDR "rules:\n- level: None\n  users: [a, @b]\n", 5, 14,
                  "failed decoding: yaml: line 5: found character that cannot start any token");
    yaml_error_at(HDR "rules:\n- level: \"\xff\"\n", 0, 0, "failed decoding: yaml: invalid leading UTF-8 octet");
}
END_TEST

extern size_t kap_test_arena_block;

START_TEST(every_arena_allocation_failed)
{
    /* with an arena block an allocation (kap_test_arena_block = 1), each
     * arena allocation asks malloc for its block, so failing the
     * allocations one by one fails each arena allocation in turn, wherever
     * it is (a collection's children, a float's text, a rule's fields, the
     * table's): KAP_ENOMEM and no policy, every time. Written for
     * read_yaml.c compose's `rc = fail_nomem(fail)` deleted where a
     * collection's children could not be copied, and the float's `v =
     * NULL` deleted where its text could not be */
    static const char *const docs[] = {
        HDR "rules:\n- level: None\n  users: [a, b]\n  x: 1.5\n  y: {p: [2.25, -0.0], q: &A [1, 2]}\n  z: *A\n",
        "{\"apiVersion\": \"audit.k8s.io/v1\", \"kind\": \"Policy\", \"rules\": [{\"level\": \"None\", \"x\": 1.5, "
        "\"users\": [\"a\"]}]}",
        HDR "metadata: {name: p}\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n  resources: [{group: "
            "\"\", resources: [pods, pods/log], resourceNames: [x]}]\n  namespaces: [a]\n  verbs: [get]\n"
            "- level: Request\n  nonResourceURLs: [/healthz, \"/api/*\"]\n  userGroups: [g]\n- level: None\n",
        HDR "rules:\n- level: None\n  users: [a]\n  omitManagedFields: 1.5\n",
    };
    kap_test_arena_block = 1;
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        ck_assert_int_gt(each_allocation_failed(docs[i]), 10);
    kap_test_arena_block = 0;
}
END_TEST

START_TEST(prefix_lengths_distinct)
{
    /* the table keeps each URL stem length once, ascending (table.h,
     * pfx_lens): the prefix rules "/a/" and "/b/" (a star after each)
     * have stems of 3 bytes, "/cc/" and "/dd/" of 4. Written for
     * compile.c's `k == 0 ||` as `k == 1 ||` (the second length kept
     * without comparing it: 3, 3, 4) */
    ptext t = pt_start();
    pt_add(&t, "- level: None\n  nonResourceURLs: [\"/a/*\", \"/cc/*\"]\n");
    pt_add(&t, "- level: Request\n  nonResourceURLs: [\"/dd/*\", \"/b/*\", \"/b/*\"]\n");
    kap_policy *p = pt_load(&t, "stems.yaml");
    const kap_table *tb = p->table;
    ck_assert_uint_eq(tb->n_pfx_lens, 2);
    ck_assert_uint_eq(tb->pfx_lens[0], 3);
    ck_assert_uint_eq(tb->pfx_lens[1], 4);
    kap_request q = KAP_REQUEST_INIT;
    q.user = "alice";
    q.verb = "get";
    q.path = "/dd/x";
    kap_decision out;
    ck_assert_int_eq(kap_policy_match(p, &q, &out), KAP_OK);
    ck_assert_int_eq(out.rule, 1);
    kap_policy_free(p);
}
END_TEST

START_TEST(float_text_allocation_failures)
{
    /* a float is written back as Go writes it (util.c, go_format_float)
     * into a growable buffer: that allocation failing gives KAP_ENOMEM.
     * Written for read_yaml.c's `v = NULL` deleted after the buffer's
     * failure (the float kept with no text) */
    ck_assert_int_gt(each_allocation_failed(HDR "rules:\n- level: None\n  x: 1.5\n  y: [2.25e-300, -0.0]\n"), 2);
    /* a number of 300 digits: the resolver's scratch comes from the arena,
     * and that failing is out of memory too, never the number read as a
     * string */
    char doc[600];
    int k = snprintf(doc, sizeof doc, HDR "rules:\n- level: None\n  x: 1");
    for (int i = 0; i < 300; i++)
        doc[k++] = '0';
    snprintf(doc + k, sizeof doc - (size_t)k, "\n");
    ck_assert_int_gt(each_allocation_failed(doc), 2);
}
END_TEST

START_TEST(sharpv_large_map_allocation_failures)
{
    /* "unsupported map key" shows the value with Go's %#v; a map of more
     * than 16 keys is sorted through an allocated index (util.c,
     * sharpv_map). That allocation failing gives KAP_ENOMEM like any
     * other. Written for sharpv_map's `b->oom = 1` as `= 0` (the message
     * went out without the map's entries, KAP_EINVALID) */
    ck_assert_int_gt(each_allocation_failed("18446744073709551615: {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, "
                                            "i: 9, j: 10, k: 11, l: 12, m: 13, o: 14, p: 15, q: 16, r: 17}\n"),
                     2);
}
END_TEST

START_TEST(conversion_oom_before_syntax_error)
{
    /* memory that ran out while writing the "unsupported map key" text
     * (read_yaml.c, unsupported_key into d.conv) or the rule's unknown
     * field warning (decode.c, strict_error in rules_sink) is the outcome
     * even when the document then fails to parse: KAP_ENOMEM, never the
     * syntax error. Written for read_yaml.c's `dfail.msg.oom ||
     * d.conv.oom` as `&&` (the conversion's lost text gave way to the
     * syntax error); it found rules_sink going on after a strict error's
     * text or warning was lost (the syntax error came out) */
    static const char doc[] = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n"
                              "  ~: {a: 1, b: [2, 3]}\n- level: [\n";
    int status = 0;
    ck_assert_int_gt(each_allocation_failed_o(doc, strlen(doc), NULL, &status), 2);
    ck_assert_int_eq(status, KAP_EINVALID);
}
END_TEST

START_TEST(other_audit_versions_unregistered)
{
    /* Event, EventList and PolicyList are registered in the audit scheme
     * under audit.k8s.io/v1 and __internal only (semantics.md, type
     * lookup); under v1beta1, gone since 1.24, they are not registered at
     * all. Written for lookup_kind's `audit && internal` as `||` (the
     * three took the conversion error's path under any audit version) */
    static const char *const kinds[] = {"Event", "EventList", "PolicyList"};
    for (size_t i = 0; i < 3; i++) {
        char doc[128], want[256];
        snprintf(doc, sizeof doc, "apiVersion: audit.k8s.io/v1beta1\nkind: %s\n", kinds[i]);
        snprintf(want, sizeof want,
                 "failed decoding: no kind \"%s\" is registered for version \"audit.k8s.io/v1beta1\" in scheme "
                 "\"k8s.io/apiserver/pkg/audit/scheme.go:30\"",
                 kinds[i]);
        ck_assert_str_eq(error_of(doc), want);
    }
}
END_TEST

START_TEST(nonfinite_value_position)
{
    /* the NaN or infinity json.Marshal refuses is pointed at where it
     * stands: line 6, column 12 (the .nan inside the flow map's list).
     * Written for read_yaml.c's `d.conv_line = bad->line` deleted (the
     * column was right, the line 0) */
    const char *doc = HDR "rules:\n- level: None\n  users: [a]\nx: {y: [1, .nan]}\n";
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    ck_assert_int_eq(load_str(doc, &p, &d), KAP_EINVALID);
    ck_assert_str_eq(kap_diagnostics_error_text(d), "failed decoding: json: unsupported value: NaN");
    const kap_diagnostic *e = kap_diagnostics_get(d, 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->line, 6);
    ck_assert_uint_eq(e->column, 12);
    kap_diagnostics_free(d);
}
END_TEST

START_TEST(bucket_every_byte_compared)
{
    /* a user found through its length's bucket (match.c, bucket_find)
     * matches only when every byte is the same: for each length from 17
     * to 40, a request differing from the policy's user in one byte, at
     * each position, falls to the catch-all. Written for bucket_find's
     * `n <= 32` as `<= 33` (the four words then miss byte 16 of a 33-byte
     * string) */
    for (size_t n = 17; n <= 40; n++) {
        char user[48], other[48];
        memset(user, 'a', n);
        user[n] = '\0';
        ptext t = pt_start();
        pt_add(&t, "- level: None\n  users: [x]\n- level: Metadata\n  users: [\"%s\"]\n- level: Request\n", user);
        kap_policy *p = pt_load(&t, "bucket");
        kap_request q = KAP_REQUEST_INIT;
        q.user = user;
        q.verb = "get";
        q.path = "/x";
        kap_decision d;
        ck_assert_int_eq(kap_policy_match(p, &q, &d), KAP_OK);
        ck_assert_int_eq(d.rule, 1);
        for (size_t k = 0; k < n; k++) {
            memcpy(other, user, n + 1);
            other[k] = 'b';
            q.user = other;
            ck_assert_int_eq(kap_policy_match(p, &q, &d), KAP_OK);
            ck_assert_msg(d.rule == 2, "length %zu, byte %zu: rule %ld", n, k, (long)d.rule);
            kap_request_n qn = KAP_REQUEST_N_INIT;
            qn.user = (kap_str){other, n};
            qn.verb = (kap_str){"get", 3};
            qn.path = (kap_str){"/x", 2};
            ck_assert_int_eq(kap_policy_match_n(p, &qn, &d), KAP_OK);
            ck_assert_msg(d.rule == 2, "with lengths, length %zu, byte %zu: rule %ld", n, k, (long)d.rule);
        }
        kap_policy_free(p);
    }
}
END_TEST

START_TEST(intern_hash_collision)
{
    /* two users whose 64-bit hashes agree in the top 32 bits and in the
     * low 6 (the slot they start from in a string table of 64 slots):
     * found by a search over "user-N" (every N below 3,000,000, sorted
     * by those 38 bits). Interned, they stay two strings. Written for
     * compile.c strtab_probe's `v >> 32 == h >> 32 && e->len == n` with
     * `||` (the second was taken for the first) */
    static const char a[] = "user-205992", b[] = "user-2386887";
    uint64_t ha = str_hash(a, sizeof a - 1), hb = str_hash(b, sizeof b - 1);
    ck_assert(ha >> 32 == hb >> 32 && (ha & 63) == (hb & 63));
    ck_assert(ha != hb);
    ptext t = pt_start();
    pt_add(&t, "- level: None\n  users: [x]\n- level: Metadata\n  users: [\"%s\"]\n- level: Request\n"
               "  users: [\"%s\"]\n- level: RequestResponse\n",
           a, b);
    kap_policy *p = pt_load(&t, "collision");
    kap_request q = KAP_REQUEST_INIT;
    q.verb = "get";
    q.path = "/x";
    kap_decision d;
    q.user = a;
    ck_assert_int_eq(kap_policy_match(p, &q, &d), KAP_OK);
    ck_assert_int_eq(d.rule, 1);
    q.user = b;
    ck_assert_int_eq(kap_policy_match(p, &q, &d), KAP_OK);
    ck_assert_int_eq(d.rule, 2);
    ck_assert_int_eq(kap_policy_match_reference(p, &q, &d), KAP_OK);
    ck_assert_int_eq(d.rule, 2);
    kap_policy_free(p);
}
END_TEST

START_TEST(unsupported_key_then_sibling_map)
{
    /* a map with a nil key, then another map at the same depth (a sibling
     * field's value, the next rule): the error names the first map's key
     * and value; the second map is not taken for the one holding it.
     * Written for read_yaml.c sframe_open without `f->key_here = 0;` (a
     * frame reused at that depth looked the key up in the second map,
     * found nothing and read before its members: a crash) */
    static const char *const docs[] = {
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nmetadata:\n  ~: 1\nspec:\n  a: 1\nrules:\n- level: None\n",
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  ~: 1\n- level: Metadata\n  users: [a]\n",
    };
    static const unsigned lines[] = {4, 5};
    for (size_t k = 0; k < sizeof docs / sizeof docs[0]; k++) {
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        ck_assert_int_eq(kap_policy_load_buffer(&p, docs[k], strlen(docs[k]), "k.yaml", NULL, &d), KAP_EINVALID);
        ck_assert_str_eq(kap_diagnostics_error_text(d),
                         "failed decoding: unsupported map key of type: %!s(<nil>), key: <nil>, value: 1");
        const kap_diagnostic *e = last_error(d);
        ck_assert_ptr_nonnull(e);
        ck_assert_msg(e->line == lines[k] && e->column == 3, "doc %zu at %u:%u", k, e->line, e->column);
        kap_diagnostics_free(d);
    }
}
END_TEST

START_TEST(anchor_table_never_full)
{
    /* sixteen anchors (the anchor table's first size), then an alias of
     * a name none of them has: the error, not a search that never ends.
     * Written for read_yaml.c anchor_put growing at `(t->n + 1) * 1 >
     * t->cap` instead of `* 2` (the table filled up, and a look-up of an
     * absent name went round it for ever) */
    char doc[1024];
    size_t n = (size_t)snprintf(doc, sizeof doc, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: [");
    for (int i = 0; i < 16; i++)
        n += (size_t)snprintf(doc + n, sizeof doc - n, "%s&a%d u%d", i ? ", " : "", i, i);
    n += (size_t)snprintf(doc + n, sizeof doc - n, "]\n  userGroups: [*a15, *nope]\n");
    ck_assert_uint_lt(n, sizeof doc);
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    ck_assert_int_eq(kap_policy_load_buffer(&p, doc, n, "k.yaml", NULL, &d), KAP_EINVALID);
    ck_assert_ptr_null(p);
    ck_assert_str_eq(kap_diagnostics_error_text(d), "failed decoding: yaml: unknown anchor 'nope' referenced");
    kap_diagnostics_free(d);
}
END_TEST

START_TEST(alias_ratio_at_its_first_bound)
{
    /* yaml.v2 counts every node it decodes, and those decoded through an
     * alias; over 1,000 decodes and 100 alias decodes, more than 99% of
     * them through aliases is "excessive aliasing" up to 400,000 decodes
     * (the ratio then falls to 10% at 4,000,000). Counted by hand as
     * yaml.v2 counts: the document, the top mapping and its keys and values
     * (apiVersion, kind, rules and its one rule of one key: 11 decodes),
     * z's list (2 + F), x's anchored list of 999 (2 + 999) and y's list
     * (2) of 396 aliases (396 decodes), each expanding into 1,000 alias
     * decodes: 396,000 of 1,412 + F + 396,000. With F = 2,588 the last
     * decode is the 400,000th, exactly 99% through aliases: not over it,
     * the policy loads; with F = 2,587 it is over 99% and refused. Written
     * for read_yaml.c allowed_alias_ratio's `low = 400000` as `399999`
     * (the ratio allowed at 400,000 decodes fell just under 99%) */
    static const size_t k = 999, m = 396;
    size_t cap = 16384;
    char *doc = malloc(cap);
    ck_assert_ptr_nonnull(doc);
    for (size_t f = 2587; f <= 2588; f++) {
        size_t n = (size_t)snprintf(doc, cap, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\nz: [");
        for (size_t i = 0; i < f; i++)
            n += (size_t)snprintf(doc + n, cap - n, "%sf", i ? "," : "");
        n += (size_t)snprintf(doc + n, cap - n, "]\nx: &a [");
        for (size_t i = 0; i < k; i++)
            n += (size_t)snprintf(doc + n, cap - n, "%sv", i ? "," : "");
        n += (size_t)snprintf(doc + n, cap - n, "]\ny: [");
        for (size_t i = 0; i < m; i++)
            n += (size_t)snprintf(doc + n, cap - n, "%s*a", i ? "," : "");
        n += (size_t)snprintf(doc + n, cap - n, "]\n");
        ck_assert_uint_lt(n, cap);
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        int rc = kap_policy_load_buffer(&p, doc, n, "r.yaml", NULL, &d);
        if (f == 2588) {
            ck_assert_msg(rc == KAP_OK, "F = %zu: %s", f, kap_diagnostics_error_text(d));
            kap_policy_free(p);
        } else {
            ck_assert_int_eq(rc, KAP_EINVALID);
            ck_assert_str_eq(kap_diagnostics_error_text(d),
                             "failed decoding: yaml: document contains excessive aliasing");
        }
        kap_diagnostics_free(d);
    }
    free(doc);
}
END_TEST

START_TEST(limit_error_positions)
{
    /* a limit's error is placed at the node concerned, 1-based, in the
     * one-pass reader and in the composer a document with an anchor goes
     * through: a scalar over max_string_length at its first byte (line 5,
     * column 11; with "&u " before it, column 14); alias expansion over
     * max_alias_nodes at the anchored node the third "*v" expands, which
     * begins at its anchor (libyaml's start mark: "&v get", line 3
     * column 4). Written for read_yaml.c's composer
     * `ev.start_mark.column + 1` as `+ 0`, and count_decode without
     * `d->fail->col = n->col;` */
    static const struct {
        const char *doc;
        size_t max_string, max_alias;
        unsigned line, col;
        const char *what;
    } cases[] = {
        {"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: [abcdefghijklmnopq]\n", 16, 0,
         5, 11, "max_string_length"},
        {"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: &u [abcdefghijklmnopq]\n", 16,
         0, 5, 14, "max_string_length"},
        {"apiVersion: audit.k8s.io/v1\nkind: Policy\nv: &v get\nw: [*v, *v, *v]\nrules:\n- level: None\n", 0, 2, 3,
         4, "max_alias_nodes"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        kap_options o;
        kap_options_init(&o);
        if (cases[k].max_string)
            o.max_string_length = cases[k].max_string;
        if (cases[k].max_alias)
            o.max_alias_nodes = cases[k].max_alias;
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        ck_assert_int_eq(kap_policy_load_buffer(&p, cases[k].doc, strlen(cases[k].doc), "l.yaml", &o, &d),
                         KAP_ELIMIT);
        ck_assert_msg(strstr(kap_diagnostics_error_text(d), cases[k].what) != NULL, "%s",
                      kap_diagnostics_error_text(d));
        const kap_diagnostic *e = last_error(d);
        ck_assert_ptr_nonnull(e);
        ck_assert_msg(e->line == cases[k].line && e->column == cases[k].col, "case %zu at %u:%u", k, e->line,
                      e->column);
        kap_diagnostics_free(d);
        /* one less than the limit's trigger loads */
        if (cases[k].max_string)
            o.max_string_length = cases[k].max_string + 1;
        else
            o.max_alias_nodes = cases[k].max_alias + 1;
        ck_assert_int_eq(kap_policy_load_buffer(&p, cases[k].doc, strlen(cases[k].doc), "l.yaml", &o, NULL), KAP_OK);
        kap_policy_free(p);
    }
}
END_TEST

START_TEST(quoted_four_byte_runes)
{
    /* a printable rune above U+FFFF in a quoted field name goes back out as
     * the same four UTF-8 bytes, every bit of each: U+1F601 and U+20BB7
     * (odd low bits), U+1F600. Written for util.c utf8_encode's last
     * `r & 0x3F` as `& 0x3e` (U+1F601 came out as U+1F600) */
    static const char *const keys[] = {"x\xF0\x9F\x98\x81", "y\xF0\xA0\xAE\xB7", "z\xF0\x9F\x98\x80"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char doc[128], want[64];
        snprintf(doc, sizeof doc, "apiVersion: audit.k8s.io/v1\nkind: Policy\n%s: 1\nrules:\n- level: None\n", keys[k]);
        snprintf(want, sizeof want, "unknown field \"%s\"", keys[k]);
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        ck_assert_int_eq(kap_policy_load_buffer(&p, doc, strlen(doc), "r.yaml", NULL, &d), KAP_OK);
        int found = 0;
        for (size_t i = 0; i < kap_diagnostics_count(d); i++)
            found |= strstr(kap_diagnostics_get(d, i)->message, want) != NULL;
        ck_assert_msg(found, "no warning with %s", want);
        kap_policy_free(p);
        kap_diagnostics_free(d);
    }
}
END_TEST

/* The rule a request of user u decides, through both entry points; the
 * reference scan must agree. */
static long user_rule(const kap_policy *p, const char *u)
{
    kap_request q = KAP_REQUEST_INIT;
    q.user = u;
    q.verb = "get";
    q.path = "/x";
    kap_decision d, r;
    ck_assert_int_eq(kap_policy_match(p, &q, &d), KAP_OK);
    ck_assert_int_eq(kap_policy_match_reference(p, &q, &r), KAP_OK);
    ck_assert_msg(d.rule == r.rule, "%s: rule %ld, the scan's %ld", u, (long)d.rule, (long)r.rule);
    kap_request_n qn = KAP_REQUEST_N_INIT;
    qn.user = (kap_str){u, strlen(u)};
    qn.verb = (kap_str){"get", 3};
    qn.path = (kap_str){"/x", 2};
    ck_assert_int_eq(kap_policy_match_n(p, &qn, &d), KAP_OK);
    ck_assert_msg(d.rule == r.rule, "%s with lengths: rule %ld, the scan's %ld", u, (long)d.rule, (long)r.rule);
    return (long)d.rule;
}

START_TEST(hashed_length_miss)
{
    /* more than LM_MAX users of one length: that length is looked up in
     * the string table (match.c lookup_word0, LM_HASHED). A user of that
     * length the policy does not name, or names only in another role
     * (a group), matches no users rule. The first rule's list is longer
     * than a rule checked directly may be (compile.c, ndirect), so the
     * table decides it too. Written for lookup_word0's `: 0` as `: 1` (a
     * miss then matched the first rule) */
    ptext t = pt_start();
    pt_add(&t, "- level: Metadata\n  users: [");
    for (int i = 0; i < 17; i++)
        pt_add(&t, "%su%02d", i ? ", " : "", i);
    pt_add(&t, "]\n- level: Request\n  userGroups: [abc]\n- level: RequestResponse\n");
    kap_policy *p = pt_load(&t, "hashed");
    ck_assert_uint_eq(p->table->ndirect, 0);
    ck_assert_int_eq(user_rule(p, "u03"), 0);
    ck_assert_int_eq(user_rule(p, "u99"), 2);
    ck_assert_int_eq(user_rule(p, "abc"), 2);
    kap_policy_free(p);
}
END_TEST

START_TEST(short_probe_whole_string)
{
    /* two 16-byte users with the same last eight bytes whose hashes share
     * the top 32 bits and the low 6 (the starting slot in a table of 64):
     * found by a search over "uNNNNNNN@example" below 4,000,000. Looked
     * up through the string table (five users of that length: hashed),
     * the one the policy does not name is not taken for the one it does.
     * Written for match.c find's `e->len == n && e->wa == a && e->wb == b`
     * with its second `&&` as `||` (the same last word was enough) */
    static const char a[] = "u1501567@example", b[] = "u2942310@example";
    uint64_t ha = str_hash(a, 16), hb = str_hash(b, 16);
    ck_assert(ha >> 32 == hb >> 32 && (ha & 63) == (hb & 63) && ha != hb);
    ptext t = pt_start();
    pt_add(&t, "- level: None\n  users: [x]\n- level: Metadata\n  users: [\"%s\", u0000001@example, "
               "u0000002@example, u0000003@example, u0000004@example]\n- level: Request\n", a);
    kap_policy *p = pt_load(&t, "short-probe");
    ck_assert_uint_eq(p->strtab->nindex, 64);
    ck_assert_int_eq(user_rule(p, a), 1);
    ck_assert_int_eq(user_rule(p, b), 2);
    kap_policy_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mutants");
    TCase *tc = tcase_create("decode");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, time_leap_years);
    tcase_add_test(tc, time_month_lengths);
    tcase_add_test(tc, time_year_digits);
    tcase_add_test(tc, time_zone_digits);
    tcase_add_test(tc, time_quote_lead_byte_then_ascii);
    tcase_add_test(tc, int64_digits);
    tcase_add_test(tc, other_kind_unknown_fields_unread);
    tcase_add_test(tc, type_error_drops_strict_warnings);
    tcase_add_test(tc, strict_path_indexes_of_several_digits);
    tcase_add_test(tc, one_key_map_no_duplicate_check);
    tcase_add_test(tc, policy_field_types);
    tcase_add_test(tc, pointer_bool_null_after_value);
    tcase_add_test(tc, rule_omf_unset_when_not_streamed);
    tcase_add_test(tc, missing_version_at_api_version);
    tcase_add_test(tc, map_duplicates_beside_prefixes);
    tcase_add_test(tc, format_choice);
    tcase_add_test(tc, format_choice_every_space);
    suite_add_tcase(s, tc);
    TCase *tt = tcase_create("table");
    tcase_set_timeout(tt, 120);
    tcase_add_test(tt, table_namespaces);
    tcase_add_test(tt, table_width_and_bare_star_slash);
    tcase_add_test(tt, table_many_keys);
    tcase_add_test(tt, table_strings_by_length);
    tcase_add_test(tt, table_resource_names_on_a_shared_resource);
    tcase_add_test(tt, table_string_index_never_full);
    tcase_add_test(tt, dense_pair_group_decided_deep);
    tcase_add_test(tt, dense_triple_group_in_step);
    tcase_add_test(tt, dense_pair_group_starting_mid_word);
    tcase_add_test(tt, straight_run_edges);
    suite_add_tcase(s, tt);
    TCase *tv = tcase_create("validate");
    tcase_set_timeout(tv, 120);
    tcase_add_test(tv, group_dns_subdomain);
    tcase_add_test(tv, quoted_value_keeps_its_spaces);
    tcase_add_test(tv, validate_allocation_failures);
    tcase_add_test(tv, decode_allocation_failures);
    tcase_add_test(tv, other_kind_allocation_failures);
    tcase_add_test(tv, rules_streamed_allocation_failures);
    tcase_add_test(tv, sharpv_large_map_allocation_failures);
    tcase_add_test(tv, streamed_rules_array_allocation_failures);
    tcase_add_test(tv, large_map_keys_sorted);
    tcase_add_test(tv, other_audit_versions_unregistered);
    tcase_add_test(tv, nonfinite_value_position);
    tcase_add_test(tv, bucket_every_byte_compared);
    tcase_add_test(tv, intern_hash_collision);
    tcase_add_test(tv, hashed_length_miss);
    tcase_add_test(tv, short_probe_whole_string);
    tcase_add_test(tv, unsupported_key_then_sibling_map);
    tcase_add_test(tv, quoted_four_byte_runes);
    tcase_add_test(tv, limit_error_positions);
    tcase_add_test(tv, anchor_table_never_full);
    tcase_add_test(tv, key_index_after_last_growth);
    tcase_add_test(tv, alias_ratio_at_its_first_bound);
    tcase_add_test(tv, conversion_oom_before_syntax_error);
    tcase_add_test(tv, yaml_error_positions);
    tcase_add_test(tv, float_text_allocation_failures);
    tcase_add_test(tv, every_arena_allocation_failed);
    tcase_add_test(tv, prefix_lengths_distinct);
    suite_add_tcase(s, tv);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif
