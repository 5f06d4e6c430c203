/* Unit tests, one suite per stage: read, decode, validate, compile/match,
 * diagnostics, limits, API. Expected values come from semantics.md and
 * formats.md, not from running this code. */
#include "helpers.h"

#define HDR "apiVersion: audit.k8s.io/v1\nkind: Policy\n"

/* ---- helpers for matching ---------------------------------------------------- */

typedef struct rq {
    const char *user;
    const char *groups[4];
    const char *verb, *ns, *group, *resource, *sub, *name, *path;
    int res;
} rq;

static kap_request to_req(const rq *r)
{
    kap_request q = KAP_REQUEST_INIT;
    size_t n = 0;
    while (n < 4 && r->groups[n])
        n++;
    q.user = r->user;
    q.groups = r->groups;
    q.n_groups = n;
    q.verb = r->verb;
    q.ns = r->ns;
    q.api_group = r->group;
    q.resource = r->resource;
    q.subresource = r->sub;
    q.name = r->name;
    q.path = r->path;
    q.resource_request = r->res;
    return q;
}

/* rule index that decides r under policy text (both evaluators must agree) */
static int decide(const char *policy, const rq *r, kap_decision *out)
{
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int rc = load_str(policy, &p, &d);
    ck_assert_msg(rc == KAP_OK, "policy failed: %s", d ? kap_diagnostics_error_text(d) : "?");
    kap_request q = to_req(r);
    kap_decision a, b;
    ck_assert_int_eq(kap_policy_match(p, &q, &a), KAP_OK);
    ck_assert_int_eq(kap_policy_match_reference(p, &q, &b), KAP_OK);
    ck_assert_int_eq(a.rule, b.rule);
    ck_assert_int_eq(a.level, b.level);
    ck_assert_int_eq(a.omit_stages, b.omit_stages);
    ck_assert_int_eq(a.omit_managed_fields, b.omit_managed_fields);
    if (out)
        *out = a;
    kap_policy_free(p);
    kap_diagnostics_free(d);
    return a.rule;
}

/* A one-rule policy followed by nothing: does the rule match? */
static int matches(const char *rule_yaml, const rq *r)
{
    char buf[2048];
    snprintf(buf, sizeof buf, HDR "rules:\n%s", rule_yaml);
    return decide(buf, r, NULL) == 0;
}

#define POD(verb_, ns_, res_, sub_, name_) \
    (rq) { "alice", {"dev", NULL}, verb_, ns_, "", res_, sub_, name_, NULL, 1 }

/* ---- read: YAML typing and structure --------------------------------------------- */

START_TEST(read_yaml11_booleans_fail_in_string_lists)
{
    ck_assert_str_eq(error_of(HDR "rules:\n- level: Metadata\n  verbs: [get, on]\n"),
                     "failed decoding: json: cannot unmarshal bool into Go struct field "
                     "PolicyRule.rules.verbs of type string");
    ck_assert_str_eq(error_of(HDR "rules:\n- level: Metadata\n  namespaces: [Y]\n"),
                     "failed decoding: json: cannot unmarshal bool into Go struct field "
                     "PolicyRule.rules.namespaces of type string");
    /* quoted, they are strings */
    ck_assert_str_eq(error_of(HDR "rules:\n- level: Metadata\n  verbs: [get, \"on\"]\n"), "(loaded)");
}
END_TEST

START_TEST(read_numbers_are_numbers)
{
    /* (a prefix and one digit: "0xF", "0o7", "+0b1", none a float, and
     * go-yaml's own "0b" retry takes no sign: base 0's prefixes alone) */
    const char *cases[] = {"123", "0x1F", "1_000", "1.5", "1e3", ".5", "-7", "0o17", "0xF", "0o7", "+0b1",
                           "-.0", "+.9", "1.0", "1.9", "1e0", "1e9",
                           /* go-yaml's "0b" retry, its digits with a sign; base 0 reads "-0b" */
                           "0b+1", "0b-1", "-0b101",
                           "-0b1000000000000000000000000000000000000000000000000000000000000000"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, HDR "rules:\n- level: Metadata\n  users: [%s]\n", cases[i]);
        ck_assert_msg(strcmp(error_of(buf), "failed decoding: json: cannot unmarshal number into Go struct "
                                            "field PolicyRule.rules.users of type string") == 0,
                      "%s: %s", cases[i], error_of(buf));
    }
    /* not numbers in YAML 1.1 as go-yaml reads it */
    const char *strings[] = {"1.2.3", "0x", "12:30", "+", "1e", "--1", "0b12", "0o8", "-inf", "+nan", "0x1p3", "0b+", "-0b-1", "-0b+1", "1b+1", "00+1",
                             "0b-1000000000000000000000000000000000000000000000000000000000000001"};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, HDR "rules:\n- level: Metadata\n  users: [%s]\n", strings[i]);
        ck_assert_msg(strcmp(error_of(buf), "(loaded)") == 0, "%s: %s", strings[i], error_of(buf));
    }
    /* however long: a number of hundreds of digits (too large for 64 bits)
     * is a float, as Go's ParseFloat reads it; past float64's range
     * (1e309: ParseFloat's range error) it is a string */
    static const struct {
        const char *head;
        int zeros;
        const char *tail;
        int number;
    } longs[] = {{"1", 199, ".5", 1}, {"1", 299, "", 1}, {"-1", 300, "", 1}, {"1_", 0, "", 1},
                 {".5", 300, "", 1},  {"1", 309, "", 0}, {"1", 600, "e-300", 1}};
    for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++) {
        char num[1300], buf[1500];
        size_t k = (size_t)snprintf(num, sizeof num, "%s", longs[i].head);
        for (int z = 0; z < longs[i].zeros; z++)
            num[k++] = '0';
        if (longs[i].zeros == 0) /* 1_ 150 times: 150 ones once the underscores go */
            for (int z = 0; z < 149; z++)
                k += (size_t)snprintf(num + k, sizeof num - k, "1_");
        snprintf(num + k, sizeof num - k, "%s1", longs[i].tail);
        snprintf(buf, sizeof buf, HDR "rules:\n- level: Metadata\n  users: [%s]\n", num);
        const char *want = longs[i].number ? "failed decoding: json: cannot unmarshal number into Go struct field "
                                             "PolicyRule.rules.users of type string"
                                           : "(loaded)";
        ck_assert_msg(strcmp(error_of(buf), want) == 0, "case %zu (%zu bytes): %s", i, strlen(num), error_of(buf));
    }
    /* a float's digits end where the scalar does, not at a digit that a
     * longer string just before it left in the resolver's buffer (the
     * integer part, with an underscore: too large for 64 bits; the
     * fraction; the exponent), nor at a '.' or an 'e' it left there */
    const char *after[][2] = {{"1_0000000000000000000000009x", "1_000000000000000000000000"},
                              {"-.59x", "-.5"},
                              {"1.59x", "1.5"},
                              {"1e59x", "1e5"},
                              {"1_000000000000000000000000.x", "1_000000000000000000000000"},
                              {"1.5ex", "1.5"}};
    for (size_t i = 0; i < sizeof after / sizeof after[0]; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, HDR "rules:\n- level: Metadata\n  users: [a, %s, %s]\n", after[i][0], after[i][1]);
        ck_assert_msg(strcmp(error_of(buf), "failed decoding: json: cannot unmarshal number into Go struct "
                                            "field PolicyRule.rules.users of type string") == 0,
                      "%s after %s: %s", after[i][1], after[i][0], error_of(buf));
    }
}
END_TEST

START_TEST(read_null_forms)
{
    /* ~, null and empty are null: in a list, null becomes "" */
    kap_decision d;
    rq r = {"", {NULL}, "get", "", "", "pods", "", "", NULL, 1};
    ck_assert_int_eq(decide(HDR "rules:\n- level: Request\n  users: [~, null, Null]\n- level: None\n", &r, &d), 0);
    r.user = "x";
    ck_assert_int_eq(decide(HDR "rules:\n- level: Request\n  users: [~]\n- level: None\n", &r, &d), 1);
    /* a null level is "Required" */
    ck_assert_str_eq(error_of(HDR "rules:\n- level:\n"), "rules[0].level: Required value");
}
END_TEST

START_TEST(read_anchors_aliases_merge)
{
    kap_decision d;
    rq r = POD("list", "default", "pods", "", "");
    const char *pol = HDR "rules:\n- &r\n  level: Request\n  verbs: [get]\n- <<: *r\n  verbs: [list]\n- level: None\n";
    ck_assert_int_eq(decide(pol, &r, &d), 1);
    ck_assert_int_eq(d.level, KAP_LEVEL_REQUEST); /* merged level */
    ck_assert_str_eq(warning_of(pol), "Audit policy contains errors, falling back to lenient decoding: "
                                      "strict decoding error: yaml: unmarshal errors:\n  line 8: key "
                                      "\"verbs\" already set in map");
    /* alias of a list */
    const char *pol2 = HDR "x: &v [list, watch]\nrules:\n- level: Metadata\n  verbs: *v\n- level: None\n";
    ck_assert_int_eq(decide(pol2, &r, &d), 0);
    ck_assert_str_eq(error_of(HDR "rules:\n- level: *nope\n"), "failed decoding: yaml: unknown anchor 'nope' referenced");
}
END_TEST

START_TEST(read_large_mappings)
{
    /* a rule mapping past 8 keys (searched by hash from there on), with two
     * keys set again: the last value wins, each repeat is reported */
    const char *pol = HDR "rules:\n"
                          "- level: Request\n"
                          "  users: [alice]\n"
                          "  userGroups: [dev]\n"
                          "  verbs: [get]\n"
                          "  namespaces: [default]\n"
                          "  resources: [{group: \"\", resources: [pods]}]\n"
                          "  omitStages: [RequestReceived]\n"
                          "  omitManagedFields: true\n"
                          "  verbs: [list]\n"
                          "  users: [bob, alice]\n"
                          "- level: None\n";
    kap_decision d;
    rq r = POD("list", "default", "pods", "", "");
    ck_assert_int_eq(decide(pol, &r, &d), 0);
    ck_assert_int_eq(d.omit_managed_fields, 1);
    r.verb = "get";
    ck_assert_int_eq(decide(pol, &r, &d), 1);
    ck_assert_str_eq(warning_of(pol), "Audit policy contains errors, falling back to lenient decoding: "
                                      "strict decoding error: yaml: unmarshal errors:\n"
                                      "  line 12: key \"verbs\" already set in map\n"
                                      "  line 13: key \"users\" already set in map");
    /* twenty labels (more than the small sort takes), then one set again */
    char buf[2048];
    size_t k = (size_t)snprintf(buf, sizeof buf, HDR "metadata:\n  labels:\n");
    for (int i = 19; i >= 0; i--)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "    l%02d: v\n", i);
    k += (size_t)snprintf(buf + k, sizeof buf - k, "    l07: w\nrules:\n- level: None\n");
    ck_assert_str_eq(warning_of(buf), "Audit policy contains errors, falling back to lenient decoding: "
                                      "strict decoding error: yaml: unmarshal errors:\n"
                                      "  line 25: key \"l07\" already set in map");
}
END_TEST

START_TEST(read_first_document_only_and_bom)
{
    ck_assert_str_eq(error_of("---\n" HDR "rules:\n- level: None\n---\n: : : [\n"), "(loaded)");
    ck_assert_str_eq(error_of("\xEF\xBB\xBF" HDR "rules:\n- level: None\n"), "(loaded)");
    ck_assert_str_eq(error_of(""), "unknown group version field audit.k8s.io/__internal, Kind=Policy in policy");
    ck_assert_str_eq(error_of("---\n"), "unknown group version field audit.k8s.io/__internal, Kind=Policy in policy");
}
END_TEST

START_TEST(read_yaml_syntax_errors)
{
    /* scanner errors name the 1-based line of the problem */
    ck_assert_str_eq(error_of(HDR "rules:\n\t- level: None\n"),
                     "failed decoding: yaml: line 4: found character that cannot start any token");
    ck_assert_str_eq(error_of("a: \"x\n"), "failed decoding: yaml: line 2: found unexpected end of stream");
    /* parser errors name go-yaml's 0-based mark line: the ':' on the 4th
     * line, which ends the flow sequence's last entry, is reported as line 3 */
    ck_assert_str_eq(error_of(HDR "rules: [a, b\nfoo: 1\n"),
                     "failed decoding: yaml: line 3: did not find expected ',' or ']'");
    /* go-yaml ends a plain scalar at '?' inside flow collections */
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  nonResourceURLs: [/healthz?verbose]\n"),
                     "failed decoding: yaml: line 4: did not find expected ',' or ']'");
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  nonResourceURLs:\n  - /healthz?verbose\n"),
                     "(loaded)");
}
END_TEST

START_TEST(read_json_input)
{
    ck_assert_str_eq(error_of("  {\"apiVersion\":\"audit.k8s.io/v1\",\"rules\":[{\"level\":\"None\"}]}"), "(loaded)");
    ck_assert_str_eq(error_of("{\"apiVersion\":\"audit.k8s.io/v1\",\"rules\":[{\"level\":\"None\"}]} x"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character 'x' after "
                     "top-level value");
    ck_assert_str_eq(error_of("{\"a\":tru}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character '}' in "
                     "literal true (expecting 'e')");
    ck_assert_str_eq(error_of("{\"a\":1"),
                     "failed decoding: couldn't get version/kind; json parse error: unexpected end of JSON input");
    ck_assert_str_eq(error_of("{\"a\":\"\\q\"}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character 'q' in "
                     "string escape code");
    ck_assert_str_eq(error_of("{\"a\":01}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character '1' after "
                     "object key:value pair");
    ck_assert_str_eq(error_of("{\"a\" 1}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character '1' after "
                     "object key");
    ck_assert_str_eq(error_of("{\"a\":[1 2]}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character '2' after "
                     "array element");
    ck_assert_str_eq(error_of("{\"a\":-x}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character 'x' in "
                     "numeric literal");
}
END_TEST

/* ---- decode ------------------------------------------------------------------------ */

START_TEST(decode_group_version_and_kind)
{
    ck_assert_str_eq(error_of("apiVersion: a/b/c\nkind: Policy\n"),
                     "failed decoding: unexpected GroupVersion string: a/b/c");
    ck_assert_str_eq(error_of("apiVersion: audit.k8s.io/v1\nkind: Status\n"),
                     "failed decoding: converting (v1.Status) to (audit.Policy): unknown conversion");
    ck_assert_str_eq(error_of("apiVersion: audit.k8s.io/v1\nkind: PolicyList\n"),
                     "failed decoding: converting (v1.PolicyList) to (audit.Policy): unknown conversion");
    ck_assert_str_eq(error_of("apiVersion: foo/__internal\nkind: Policy\n"),
                     "failed decoding: no kind \"Policy\" is registered for the internal version of group "
                     "\"foo\" in scheme \"k8s.io/apiserver/pkg/audit/scheme.go:30\"");
    /* kind may be omitted; apiVersion/kind keys match case-insensitively here */
    ck_assert_str_eq(error_of("apiVersion: audit.k8s.io/v1\nrules:\n- level: None\n"), "(loaded)");
    ck_assert_str_eq(error_of("APIVERSION: audit.k8s.io/v1\nrules:\n- level: None\n"), "(loaded)");
    ck_assert_str_eq(error_of("kind: Policy\n"),
                     "unknown group version field audit.k8s.io/__internal, Kind=Policy in policy");
}
END_TEST

START_TEST(decode_type_errors_first_in_key_order)
{
    /* YAML keys are sorted before decoding, so "level" comes before "verbs" */
    ck_assert_str_eq(error_of(HDR "rules:\n- verbs: [1]\n  level: 2\n"),
                     "failed decoding: json: cannot unmarshal number into Go struct field PolicyRule.rules.level "
                     "of type v1.Level");
    ck_assert_str_eq(error_of(HDR "metadata:\n  labels: {a: 1}\nrules:\n- level: None\n"),
                     "failed decoding: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels "
                     "of type string");
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  resources: [{group: \"\", resources: pods}]\n"),
                     "failed decoding: json: cannot unmarshal string into Go struct field "
                     "GroupResources.rules.resources.resources of type []string");
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  omitManagedFields: \"yes\"\n"),
                     "failed decoding: json: cannot unmarshal string into Go struct field "
                     "PolicyRule.rules.omitManagedFields of type bool");
}
END_TEST

START_TEST(decode_lenient_warnings)
{
    ck_assert_str_eq(warning_of(HDR "rules:\n- level: None\n  Verbs: [get]\n  zzz: 1\n"),
                     "Audit policy contains errors, falling back to lenient decoding: strict decoding error: "
                     "unknown field \"rules[0].Verbs\", unknown field \"rules[0].zzz\"");
    /* JSON keeps document order and reports duplicates */
    ck_assert_str_eq(warning_of("{\"apiVersion\":\"audit.k8s.io/v1\",\"zz\":1,\"rules\":[{\"level\":\"None\"}],"
                                "\"aa\":2,\"rules\":[{\"level\":\"None\"}]}"),
                     "Audit policy contains errors, falling back to lenient decoding: strict decoding error: "
                     "unknown field \"zz\", unknown field \"aa\", duplicate field \"rules\"");
    /* before 1.26 nothing is logged */
    kap_options o;
    kap_options_init(&o);
    o.kube_minor = 25;
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    const char *t = HDR "rules:\n- level: None\n  foo: 1\n";
    ck_assert_int_eq(kap_policy_load_buffer(&p, t, strlen(t), NULL, &o, &d), KAP_OK);
    ck_assert_ptr_null(kap_diagnostics_warning_text(d));
    ck_assert_uint_eq(kap_diagnostics_count(d), 0);
    kap_policy_free(p);
    kap_diagnostics_free(d);
}
END_TEST

START_TEST(decode_json_duplicate_last_wins)
{
    kap_decision d;
    rq r = POD("get", "default", "pods", "", "");
    ck_assert_int_eq(decide("{\"apiVersion\":\"audit.k8s.io/v1\",\"rules\":[{\"level\":\"None\",\"level\":\"Request\"}]}",
                            &r, &d), 0);
    ck_assert_int_eq(d.level, KAP_LEVEL_REQUEST);
}
END_TEST

/* ---- validate ----------------------------------------------------------------------- */

START_TEST(validate_messages)
{
    ck_assert_str_eq(error_of(HDR "rules:\n- level: \"a<b\"\n"),
                     "rules[0].level: Unsupported value: \"a\\u003cb\": supported values: \"None\", \"Metadata\", "
                     "\"Request\", \"RequestResponse\"");
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  nonResourceURLs: [\"/a\\tb*c\"]\n"),
                     "rules[0].nonResourceURLs[0]: Invalid value: \"/a\\tb*c\": non-resource URL wildcards '*' must be "
                     "the final character of the rule");
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  resources: [{group: \"-a\"}, {group: \"-a\"}]\n"),
                     "rules[0].resources.group: Invalid value: \"-a\": a lowercase RFC 1123 subdomain must consist of "
                     "lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
                     "character (e.g. 'example.com', regex used for validation is "
                     "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  nonResourceURLs: [\"*\", /ok, /x*]\n"), "(loaded)");
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  resources: [{group: a.b-c.d}]\n"), "(loaded)");
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  resources: [{group: a..b}]\n") + 0,
                     error_of(HDR "rules:\n- level: None\n  resources: [{group: a..b}]\n"));
    ck_assert(strstr(error_of(HDR "rules:\n- level: None\n  resources: [{group: a..b}]\n"), "RFC 1123") != NULL);
}
END_TEST

START_TEST(validate_group_star_by_version)
{
    const char *t = HDR "rules:\n- level: None\n  resources: [{group: \"*\"}]\n";
    ck_assert_str_eq(error_of(t), "(loaded)");
    kap_options o;
    kap_options_init(&o);
    o.kube_minor = 35;
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    ck_assert_int_eq(kap_policy_load_buffer(&p, t, strlen(t), NULL, &o, &d), KAP_EINVALID);
    ck_assert(strncmp(kap_diagnostics_error_text(d), "rules[0].resources.group: Invalid value: \"*\": a lowercase",
                      57) == 0);
    kap_diagnostics_free(d);
}
END_TEST

/* ---- compile: what the compiled policy keeps -------------------------------------- */

START_TEST(compile_rules_and_decisions)
{
    kap_policy *p;
    const char *t = HDR "omitStages: [Panic]\nomitManagedFields: true\nrules:\n"
                        "- level: Request\n  omitStages: [RequestReceived]\n  omitManagedFields: false\n"
                        "- level: RequestResponse\n"
                        "- level: None\n";
    ck_assert_int_eq(load_str(t, &p, NULL), KAP_OK);
    ck_assert_uint_eq(kap_policy_rule_count(p), 3);
    ck_assert_int_eq(kap_policy_rule_level(p, 1), KAP_LEVEL_REQUEST_RESPONSE);
    ck_assert_int_eq(kap_policy_rule_level(p, 9), KAP_LEVEL_NONE);
    ck_assert_uint_eq(kap_policy_rule_line(p, 2), 10);
    kap_decision d;
    /* rule stages are the union with the policy's; omitManagedFields inherits */
    ck_assert_int_eq(kap_policy_rule_decision(p, 0, &d), KAP_OK);
    ck_assert_uint_eq(d.omit_stages, KAP_STAGE_PANIC | KAP_STAGE_REQUEST_RECEIVED);
    ck_assert_int_eq(d.omit_managed_fields, 0);
    ck_assert_int_eq(kap_policy_rule_decision(p, 1, &d), KAP_OK);
    ck_assert_uint_eq(d.omit_stages, KAP_STAGE_PANIC);
    ck_assert_int_eq(d.omit_managed_fields, 1);
    ck_assert_int_eq(d.rule, 1);
    ck_assert_int_eq(kap_policy_rule_decision(p, 3, &d), KAP_OK);
    ck_assert_int_eq(d.rule, -1);
    ck_assert_int_eq(d.level, KAP_LEVEL_NONE);
    ck_assert_uint_gt(kap_policy_table_bytes(p), 0);
    kap_policy_free(p);
}
END_TEST

START_TEST(compile_table_grows_linearly)
{
    /* the same rule shape, 10x the rules: the table grows about 10x, not 100x */
    size_t bytes[2];
    for (int k = 0; k < 2; k++) {
        int n = k ? 2000 : 200;
        size_t cap = (size_t)n * 120 + 100;
        char *t = malloc(cap);
        size_t len = (size_t)snprintf(t, cap, HDR "rules:\n");
        for (int i = 0; i < n; i++)
            len += (size_t)snprintf(t + len, cap - len, "- level: None\n  users: [u%d]\n  namespaces: [n%d]\n", i, i);
        kap_policy *p;
        ck_assert_int_eq(kap_policy_load_buffer(&p, t, len, NULL, NULL, NULL), KAP_OK);
        bytes[k] = kap_policy_table_bytes(p);
        kap_policy_free(p);
        free(t);
    }
    ck_assert_msg(bytes[1] < bytes[0] * 20, "200 rules: %zu bytes, 2000 rules: %zu bytes", bytes[0], bytes[1]);
}
END_TEST

/* ---- match: the edge cases of semantics.md section 5 ----------------------------------- */

START_TEST(match_resource_forms)
{
    const char *podstar = "- level: Request\n  resources: [{group: \"\", resources: [\"pods/*\"]}]\n";
    ck_assert(matches(podstar, &POD("get", "d", "pods", "", "")));          /* 1 */
    ck_assert(matches(podstar, &POD("get", "d", "pods", "log", "")));       /* 2 */
    ck_assert(!matches(podstar, &POD("get", "d", "deployments", "scale", "")));
    const char *starstar = "- level: Request\n  resources: [{group: \"\", resources: [\"*/*\"]}]\n";
    ck_assert(!matches(starstar, &POD("get", "d", "pods", "status", ""))); /* 3 */
    ck_assert(matches(starstar, &POD("get", "d", "*", "", "")));
    ck_assert(!matches("- level: Request\n  resources: [{resources: [pods]}]\n", &POD("get", "d", "pods", "log", ""))); /* 4 */
    ck_assert(matches("- level: Request\n  resources: [{resources: [\"*\"]}]\n", &POD("get", "d", "pods", "log", ""))); /* 5 */
    const char *substatus = "- level: Request\n  resources: [{resources: [\"*/status\"]}]\n";
    ck_assert(!matches(substatus, &POD("get", "d", "pods", "", "")));       /* 6 */
    ck_assert(matches(substatus, &POD("get", "d", "deployments", "status", "")));
    rq apps = {"a", {NULL}, "get", "d", "apps", "deployments", "", "", NULL, 1};
    ck_assert(!matches("- level: Request\n  resources: [{group: \"\"}]\n", &apps)); /* 7 */
    ck_assert(!matches("- level: Request\n  resources: [{group: core}]\n", &POD("get", "d", "pods", "", ""))); /* 8 */
    ck_assert(matches("- level: Request\n  resources: [{group: \"*\"}]\n", &apps)); /* 9 */
    const char *named = "- level: Request\n  resources: [{group: apps, resources: [deployments], resourceNames: [a]}]\n";
    apps.name = "";
    ck_assert(!matches(named, &apps)); /* 10 */
    apps.name = "a";
    ck_assert(matches(named, &apps));
    apps.sub = "scale";
    ck_assert(!matches(named, &apps));
    const char *noname = "- level: Request\n  resources: [{resources: [pods], resourceNames: [\"\"]}]\n";
    ck_assert(matches(noname, &POD("list", "d", "pods", "", ""))); /* 11 */
    ck_assert(!matches(noname, &POD("get", "d", "pods", "", "x")));
    ck_assert(!matches("- level: Request\n  resources: [{resources: [\"\"]}]\n", &POD("get", "d", "pods", "", ""))); /* 13 */
    ck_assert(matches("- level: Request\n  resources: [{resources: [\"\"]}]\n", &POD("get", "d", "", "", "")));
    ck_assert(!matches("- level: Request\n  resources: [{resources: [\"p*ds\"]}]\n", &POD("get", "d", "pods", "", ""))); /* 43 */
    ck_assert(matches("- level: Request\n  resources: [{resources: [\"p*ds\"]}]\n", &POD("get", "d", "p*ds", "", "")));
}
END_TEST

/* resource/subresource longer than the matcher's stack buffer (512
 * bytes): compared piecewise, in a small policy and in a large one */
START_TEST(match_long_resource_and_subresource)
{
    char res[301], sub[301], other[301];
    memset(res, 'r', 300), res[300] = 0;
    memset(sub, 's', 300), sub[300] = 0;
    memcpy(other, sub, sizeof other), other[299] = 't';
    size_t cap = 16 * 1024;
    char *small = malloc(cap), *large = malloc(cap);
    snprintf(small, cap, HDR "rules:\n- level: Request\n  resources: [{resources: [\"%s/%s\"]}]\n- level: None\n", res,
             sub);
    size_t n = (size_t)snprintf(large, cap, HDR "rules:\n");
    for (int i = 0; i < 70; i++)
        n += (size_t)snprintf(large + n, cap - n, "- level: None\n  verbs: [v%d]\n", i);
    snprintf(large + n, cap - n, "- level: Request\n  resources: [{resources: [\"%s/%s\"]}]\n- level: None\n", res, sub);
    rq hit = {"a", {NULL}, "get", "d", "", res, sub, "", NULL, 1};
    rq miss = hit;
    miss.sub = other;
    ck_assert_int_eq(decide(small, &hit, NULL), 0);
    ck_assert_int_eq(decide(small, &miss, NULL), 1);
    ck_assert_int_eq(decide(large, &hit, NULL), 70);
    ck_assert_int_eq(decide(large, &miss, NULL), 71);
    /* group "*" (1.36) interns no group: the long string is the table's
     * first, which the piecewise comparison must not pass over (a list
     * of 17, too long for the first rule's direct check: the table
     * decides) */
    snprintf(small, cap,
             HDR "rules:\n- level: Request\n  resources: [{group: \"*\", resources: [\"%s/%s\", r1, r2, r3, r4, r5, "
                 "r6, r7, r8, r9, r10, r11, r12, r13, r14, r15, r16]}]\n- level: None\n",
             res, sub);
    ck_assert_int_eq(decide(small, &hit, NULL), 0);
    ck_assert_int_eq(decide(small, &miss, NULL), 1);
    free(small);
    free(large);
}
END_TEST

START_TEST(match_namespaces_and_urls)
{
    rq n = {"a", {NULL}, "get", "", "", "", "", "", "/healthz", 0};
    ck_assert(!matches("- level: Request\n  namespaces: [\"\"]\n", &n)); /* 14 */
    ck_assert(matches("- level: Request\n  namespaces: [\"\"]\n", &POD("list", "", "pods", "", "")));
    ck_assert(!matches("- level: Request\n  namespaces: [default]\n", &n)); /* 15 */
    const char *api = "- level: Request\n  nonResourceURLs: [\"/api*\"]\n";
    const char *paths[] = {"/api", "/apis", "/api/v1", "/apix"};
    for (int i = 0; i < 4; i++) {
        n.path = paths[i];
        ck_assert(matches(api, &n)); /* 17 */
    }
    rq r = POD("get", "d", "pods", "", "");
    r.path = "/api/v1/pods";
    ck_assert(!matches(api, &r));
    const char *hz = "- level: Request\n  nonResourceURLs: [/healthz]\n";
    n.path = "/healthz/";
    ck_assert(!matches(hz, &n)); /* 18 */
    n.path = "/healthz";
    ck_assert(matches(hz, &n));
    n.path = "";
    ck_assert(matches("- level: Request\n  nonResourceURLs: [\"*\"]\n", &n)); /* 19 */
    ck_assert(!matches("- level: Request\n  nonResourceURLs: [\"/*\"]\n", &n));
    n.path = "/x";
    ck_assert(matches("- level: Request\n  nonResourceURLs: [\"/*\"]\n", &n));
    /* a rule with only a level matches resource and non-resource requests */
    ck_assert(matches("- level: Request\n", &n)); /* 21 */
    ck_assert(matches("- level: Request\n  resources: []\n  users: []\n", &r));
}
END_TEST

START_TEST(match_users_groups_verbs)
{
    rq r = POD("get", "d", "pods", "", "");
    r.user = NULL;
    ck_assert(!matches("- level: Request\n  users: [alice]\n", &r)); /* 22 */
    ck_assert(!matches("- level: Request\n  users: [\"\"]\n", &r));
    r.user = "";
    ck_assert(matches("- level: Request\n  users: [\"\"]\n", &r));
    r.user = "bob";
    r.groups[0] = NULL;
    ck_assert(!matches("- level: Request\n  userGroups: [\"system:authenticated\"]\n", &r)); /* 23 */
    r.groups[0] = "system:authenticated";
    ck_assert(matches("- level: Request\n  userGroups: [x, \"system:authenticated\"]\n", &r));
    r.user = NULL;
    ck_assert(!matches("- level: Request\n  userGroups: [\"system:authenticated\"]\n", &r));
    ck_assert(matches("- level: Request\n  verbs: [get]\n", &r)); /* 24 */
    ck_assert(!matches("- level: Request\n  verbs: [GET]\n", &r)); /* 25 */
    ck_assert(!matches("- level: Request\n  verbs: [\"*\"]\n", &r));
    r.user = "x";
    ck_assert(!matches("- level: Request\n  users: [\"*\"]\n", &r)); /* 26 */
    ck_assert(!matches("- level: Request\n  namespaces: [\"*\"]\n", &r));
}
END_TEST

START_TEST(match_results)
{
    kap_decision d;
    rq r = POD("get", "d", "pods", "", "");
    /* 27: first of two identical rules */
    ck_assert_int_eq(decide(HDR "rules:\n- level: Request\n- level: Metadata\n", &r, &d), 0);
    ck_assert_int_eq(d.level, KAP_LEVEL_REQUEST);
    /* 28: union of stages */
    decide(HDR "omitStages: [RequestReceived]\nrules:\n- level: None\n  omitStages: [Panic, Panic]\n", &r, &d);
    ck_assert_uint_eq(d.omit_stages, KAP_STAGE_PANIC | KAP_STAGE_REQUEST_RECEIVED);
    /* 29, 30: managed fields and no match */
    const char *omf = HDR "omitManagedFields: true\nrules:\n- level: Request\n  verbs: [list]\n"
                          "  omitManagedFields: false\n- level: Metadata\n  verbs: [get]\n";
    decide(omf, &r, &d);
    ck_assert_int_eq(d.rule, 1);
    ck_assert_int_eq(d.omit_managed_fields, 1);
    r.verb = "list";
    decide(omf, &r, &d);
    ck_assert_int_eq(d.omit_managed_fields, 0);
    r.verb = "watch";
    decide(omf, &r, &d);
    ck_assert_int_eq(d.rule, -1);
    ck_assert_int_eq(d.level, KAP_LEVEL_NONE);
    ck_assert_int_eq(d.omit_managed_fields, 1);
    decide(HDR "omitStages: [Panic, ResponseStarted]\nrules:\n- level: Request\n  verbs: [x]\n", &r, &d);
    ck_assert_uint_eq(d.omit_stages, KAP_STAGE_PANIC | KAP_STAGE_RESPONSE_STARTED);
}
END_TEST

/* More sets for one attribute than the table ORs (a request in 45 groups
 * that 45 rules name): the answer comes from the plain scan, the same. */
START_TEST(match_many_sets_fall_back)
{
    static char names[45][8];
    const char *groups[45];
    for (int i = 0; i < 45; i++) {
        snprintf(names[i], sizeof names[i], "g%d", i);
        groups[i] = names[i];
    }
    /* big 0: one word of rules; 1: the group rules past the first 64;
     * 2: the group rules among the first 64 of a larger policy */
    for (int big = 0; big < 3; big++) {
        size_t cap = 64 * 1024, n;
        char *buf = malloc(cap);
        n = (size_t)snprintf(buf, cap, HDR "rules:\n");
        /* first rules no request here matches, so the groups are looked up */
        int first = big == 1 ? 100 : 3;
        for (int i = 0; i < first; i++)
            n += (size_t)snprintf(buf + n, cap - n, "- level: None\n  users: [someone-%d]\n", i);
        for (int i = 0; i < 45; i++)
            n += (size_t)snprintf(buf + n, cap - n, "- level: Request\n  userGroups: [g%d]\n  verbs: [v%d]\n", i, i);
        n += (size_t)snprintf(buf + n, cap - n, "- level: Metadata\n  nonResourceURLs: [\"/x*\"]\n");
        for (int i = 0; big == 2 && i < 30; i++)
            n += (size_t)snprintf(buf + n, cap - n, "- level: None\n  users: [later-%d]\n", i);
        kap_policy *p;
        ck_assert_int_eq(kap_policy_load_buffer(&p, buf, n, NULL, NULL, NULL), KAP_OK);
        for (int v = 0; v < 45; v += 11) {
            char verb[8];
            snprintf(verb, sizeof verb, "v%d", v);
            kap_request r = KAP_REQUEST_INIT;
            r.user = "u";
            r.groups = groups;
            r.n_groups = 45;
            r.verb = verb;
            r.path = "/x/y";
            kap_decision a, c;
            ck_assert_int_eq(kap_policy_match(p, &r, &a), KAP_OK);
            ck_assert_int_eq(kap_policy_match_reference(p, &r, &c), KAP_OK);
            ck_assert_int_eq(a.rule, first + v);
            ck_assert_int_eq(c.rule, first + v);
            r.verb = "other"; /* only the URL rule */
            ck_assert_int_eq(kap_policy_match(p, &r, &a), KAP_OK);
            ck_assert_int_eq(a.rule, first + 45);
        }
        kap_policy_free(p);
        free(buf);
    }
}
END_TEST

START_TEST(match_many_rules_deep)
{
    /* 300 rules; only the last matches; both evaluators agree on every verb */
    size_t cap = 64 * 1024;
    char *buf = malloc(cap);
    size_t n = (size_t)snprintf(buf, cap, HDR "rules:\n");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(buf + n, cap - n, "- level: Metadata\n  verbs: [v%d]\n  users: [u%d]\n", i, i % 7);
    kap_decision d;
    char verb[16];
    for (int i = 0; i < 300; i += 37) {
        snprintf(verb, sizeof verb, "v%d", i);
        char user[8];
        snprintf(user, sizeof user, "u%d", i % 7);
        rq r = {user, {NULL}, verb, "", "", "", "", "", "/", 0};
        ck_assert_int_eq(decide(buf, &r, &d), i);
        r.user = "nobody";
        ck_assert_int_eq(decide(buf, &r, &d), -1);
    }
    free(buf);
}
END_TEST

/* ---- diagnostics carry positions ------------------------------------------------------- */

START_TEST(diag_positions)
{
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    /* line 4 col 10 is the value "Foo"; line 5 col 22 the "bad" URL */
    const char *t = HDR "rules:\n- level: Foo\n  nonResourceURLs: [/ok, bad]\n";
    ck_assert_int_eq(load_str(t, &p, &d), KAP_EINVALID);
    ck_assert_uint_eq(kap_diagnostics_count(d), 2);
    const kap_diagnostic *g = kap_diagnostics_get(d, 0);
    ck_assert_str_eq(g->field, "rules[0].level");
    ck_assert_uint_eq(g->line, 4);
    ck_assert_uint_eq(g->column, 10);
    g = kap_diagnostics_get(d, 1);
    ck_assert_str_eq(g->field, "rules[0].nonResourceURLs[1]");
    ck_assert_uint_eq(g->line, 5);
    ck_assert_uint_eq(g->column, 26);
    ck_assert_ptr_null(kap_diagnostics_get(d, 2));
    kap_diagnostics_free(d);

    /* unknown field: the key's position */
    t = HDR "rules:\n- level: None\n  bogus: 1\n";
    ck_assert_int_eq(load_str(t, &p, &d), KAP_OK);
    ck_assert_uint_eq(kap_diagnostics_count(d), 1);
    g = kap_diagnostics_get(d, 0);
    ck_assert_int_eq(g->severity, KAP_SEVERITY_WARNING);
    ck_assert_str_eq(g->field, "rules[0].bogus");
    ck_assert_uint_eq(g->line, 5);
    ck_assert_uint_eq(g->column, 3);
    /* rules keep their source lines */
    ck_assert_uint_eq(kap_policy_rule_line(p, 0), 4);
    ck_assert_uint_eq(kap_policy_rule_column(p, 0), 3);
    ck_assert_uint_eq(kap_policy_rule_line(p, 1), 0);
    kap_policy_free(p);
    kap_diagnostics_free(d);

    /* type error: the offending value */
    t = HDR "rules:\n- level: None\n  users: [a, 5]\n";
    ck_assert_int_eq(load_str(t, &p, &d), KAP_EINVALID);
    g = kap_diagnostics_get(d, 0);
    ck_assert_uint_eq(g->line, 5);
    ck_assert_uint_eq(g->column, 14);
    kap_diagnostics_free(d);

    /* JSON: line and column too */
    t = "{\"apiVersion\": \"audit.k8s.io/v1\",\n \"rules\": [{\"level\": \"X\"}]}";
    ck_assert_int_eq(load_str(t, &p, &d), KAP_EINVALID);
    g = kap_diagnostics_get(d, 0);
    ck_assert_uint_eq(g->line, 2);
    ck_assert_uint_eq(g->column, 22);
    kap_diagnostics_free(d);
}
END_TEST

/* ---- limits ---------------------------------------------------------------------------- */

static int load_with(const char *t, size_t len, const kap_options *o, char *err, size_t errlen)
{
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int rc = kap_policy_load_buffer(&p, t, len, NULL, o, &d);
    snprintf(err, errlen, "%s", d && kap_diagnostics_error_text(d) ? kap_diagnostics_error_text(d) : "");
    kap_policy_free(p);
    kap_diagnostics_free(d);
    return rc;
}

START_TEST(limit_file_size)
{
    kap_options o;
    kap_options_init(&o);
    o.max_file_size = 32;
    char err[512];
    const char *t = HDR "rules:\n- level: None\n";
    ck_assert_int_eq(load_with(t, strlen(t), &o, err, sizeof err), KAP_ELIMIT);
    ck_assert(strstr(err, "max_file_size") != NULL);
    o.max_file_size = 4096;
    ck_assert_int_eq(load_with(t, strlen(t), &o, err, sizeof err), KAP_OK);
}
END_TEST

START_TEST(limit_depth)
{
    /* kube-apiserver's own limit: 10000 open flow collections */
    size_t n = 10001;
    char *t = malloc(2 * n + 16);
    size_t k = (size_t)sprintf(t, "a: ");
    memset(t + k, '[', n);
    memset(t + k + n, ']', n);
    t[k + 2 * n] = 0;
    char err[512];
    ck_assert_int_eq(load_with(t, strlen(t), NULL, err, sizeof err), KAP_EINVALID);
    ck_assert_str_eq(err, "failed decoding: yaml: line 1: exceeded max depth of 10000");
    {
        /* N is the line where the limit is crossed, not the first */
        char *v = malloc(2 * n + 96);
        size_t kv = (size_t)sprintf(v, "apiVersion: audit.k8s.io/v1\nkind: Policy\na: ");
        memset(v + kv, '[', n);
        memset(v + kv + n, ']', n);
        v[kv + 2 * n] = 0;
        ck_assert_int_eq(load_with(v, strlen(v), NULL, err, sizeof err), KAP_EINVALID);
        ck_assert_str_eq(err, "failed decoding: yaml: line 3: exceeded max depth of 10000");
        /* the same where an anchor sends the document through the
         * composer (read_yaml.c, compose) instead of the one pass */
        kv = (size_t)sprintf(v, "apiVersion: audit.k8s.io/v1\nkind: Policy\nb: &x []\na: ");
        memset(v + kv, '[', n);
        memset(v + kv + n, ']', n);
        v[kv + 2 * n] = 0;
        ck_assert_int_eq(load_with(v, strlen(v), NULL, err, sizeof err), KAP_EINVALID);
        ck_assert_str_eq(err, "failed decoding: yaml: line 4: exceeded max depth of 10000");
        free(v);
    }
    /* block and flow levels add up in the JSON kube-apiserver decodes: more
     * than 10000 together fail there */
    {
        size_t bl = 6000, fl = 6000;
        char *u = malloc(2 * bl + 2 * fl + 64);
        size_t k2 = (size_t)sprintf(u, "x:\n");
        for (size_t i = 0; i < bl; i++)
            u[k2++] = '-', u[k2++] = ' ';
        memset(u + k2, '[', fl);
        memset(u + k2 + fl, ']', fl);
        k2 += 2 * fl;
        u[k2] = 0;
        ck_assert_int_eq(load_with(u, k2, NULL, err, sizeof err), KAP_EINVALID);
        ck_assert_str_eq(err, "failed decoding: couldn't get version/kind; json parse error: exceeded max depth");
        free(u);
    }
    /* 9999 is fine as YAML (then fails later for other reasons) */
    kap_options o;
    kap_options_init(&o);
    o.max_depth = 50;
    ck_assert_int_eq(load_with(t, strlen(t), &o, err, sizeof err), KAP_ELIMIT);
    ck_assert(strstr(err, "max_depth") != NULL);
    /* JSON: Go's decoder stops at 10000 too */
    free(t);
    t = malloc(2 * n + 16);
    k = (size_t)sprintf(t, "{\"a\":");
    memset(t + k, '[', n);
    memset(t + k + n, ']', n);
    strcpy(t + k + 2 * n, "}");
    ck_assert_int_eq(load_with(t, strlen(t), NULL, err, sizeof err), KAP_EINVALID);
    ck_assert_str_eq(err, "failed decoding: couldn't get version/kind; json parse error: exceeded max depth");
    free(t);
}
END_TEST

START_TEST(limit_aliases)
{
    /* billion laughs: go-yaml's ratio rule stops it quickly */
    char t[4096];
    size_t k = (size_t)sprintf(t, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 10; i++) {
        k += (size_t)sprintf(t + k, "a%d: &a%d [", i, i);
        for (int j = 0; j < 10; j++)
            k += (size_t)sprintf(t + k, "%s*a%d", j ? ", " : "", i - 1);
        k += (size_t)sprintf(t + k, "]\n");
    }
    char err[512];
    ck_assert_int_eq(load_with(t, k, NULL, err, sizeof err), KAP_EINVALID);
    ck_assert_str_eq(err, "failed decoding: yaml: document contains excessive aliasing");
    /* small alias use passes go-yaml's rule; our own cap can be lowered */
    const char *s = HDR "v: &v [get, list]\nw: [*v, *v, *v]\nrules:\n- level: None\n  verbs: *v\n";
    ck_assert_int_eq(load_with(s, strlen(s), NULL, err, sizeof err), KAP_OK);
    kap_options o;
    kap_options_init(&o);
    o.max_alias_nodes = 5;
    ck_assert_int_eq(load_with(s, strlen(s), &o, err, sizeof err), KAP_ELIMIT);
    ck_assert(strstr(err, "max_alias_nodes") != NULL);
}
END_TEST

START_TEST(limit_rules_and_strings)
{
    kap_options o;
    kap_options_init(&o);
    o.max_rules = 2;
    char err[512];
    const char *t = HDR "rules:\n- level: None\n- level: None\n- level: None\n";
    ck_assert_int_eq(load_with(t, strlen(t), &o, err, sizeof err), KAP_ELIMIT);
    ck_assert(strstr(err, "max_rules") != NULL);
    o.max_rules = 3;
    ck_assert_int_eq(load_with(t, strlen(t), &o, err, sizeof err), KAP_OK);
    kap_options_init(&o);
    o.max_string_length = 8;
    const char *s = HDR "rules:\n- level: None\n  users: [abcdefghijk]\n";
    ck_assert_int_eq(load_with(s, strlen(s), &o, err, sizeof err), KAP_ELIMIT);
    ck_assert(strstr(err, "max_string_length") != NULL);
    const char *j = "{\"apiVersion\":\"audit.k8s.io/v1\",\"rules\":[{\"level\":\"None\"}]}";
    o.max_string_length = 12;
    ck_assert_int_eq(load_with(j, strlen(j), &o, err, sizeof err), KAP_ELIMIT);
}
END_TEST

START_TEST(hostile_bytes)
{
    char err[512];
    const char nul[] = "apiVersion: audit.k8s.io/v1\nkind: Po\0licy\n";
    ck_assert_int_eq(load_with(nul, sizeof nul - 1, NULL, err, sizeof err), KAP_EINVALID);
    ck_assert_str_eq(err, "failed decoding: yaml: control characters are not allowed");
    const char bad[] = "apiVersion: audit.k8s.io/v1\nkind: \xff\n";
    ck_assert_int_eq(load_with(bad, sizeof bad - 1, NULL, err, sizeof err), KAP_EINVALID);
    ck_assert_str_eq(err, "failed decoding: yaml: invalid leading UTF-8 octet");
    ck_assert_int_eq(load_with("a: &a [*a]\n", 11, NULL, err, sizeof err), KAP_EINVALID);
    ck_assert_str_eq(err, "failed decoding: yaml: anchor 'a' value contains itself");
}
END_TEST

/* ---- API ------------------------------------------------------------------------------------ */

START_TEST(api_names_and_versions)
{
    ck_assert_str_eq(kap_version(), KAP_VERSION_STRING);
    ck_assert_uint_eq(kap_version_number(), KAP_VERSION_HEX);
    ck_assert_str_eq(kap_level_name(KAP_LEVEL_REQUEST_RESPONSE), "RequestResponse");
    ck_assert_ptr_null(kap_level_name((kap_level)7));
    kap_level l;
    ck_assert_int_eq(kap_level_parse(&l, "Metadata"), KAP_OK);
    ck_assert_int_eq(l, KAP_LEVEL_METADATA);
    ck_assert_int_eq(kap_level_parse(&l, "metadata"), KAP_EARG);
    unsigned b;
    ck_assert_int_eq(kap_stage_parse(&b, "Panic"), KAP_OK);
    ck_assert_uint_eq(b, KAP_STAGE_PANIC);
    ck_assert_str_eq(kap_stage_name(KAP_STAGE_RESPONSE_STARTED), "ResponseStarted");
    ck_assert_ptr_null(kap_stage_name(3));
    ck_assert_str_eq(kap_status_name(KAP_ELIMIT), "limit");
}
END_TEST

START_TEST(api_bad_arguments)
{
    kap_policy *p = NULL;
    kap_decision d;
    kap_request q = KAP_REQUEST_INIT;
    ck_assert_int_eq(kap_policy_load(NULL, "x", NULL, NULL), KAP_EARG);
    ck_assert_int_eq(kap_policy_load(&p, NULL, NULL, NULL), KAP_EARG);
    kap_options o;
    kap_options_init(&o);
    o.kube_minor = 12;
    ck_assert_int_eq(kap_policy_load_buffer(&p, "x", 1, NULL, &o, NULL), KAP_EARG);
    ck_assert_int_eq(kap_policy_match(NULL, &q, &d), KAP_EARG);
    ck_assert_int_eq(load_str(HDR "rules:\n- level: None\n", &p, NULL), KAP_OK);
    q.version = 0;
    ck_assert_int_eq(kap_policy_match(p, &q, &d), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_reference(p, &q, &d), KAP_EARG);
    kap_request_n qn = KAP_REQUEST_N_INIT;
    qn.version = 0;
    ck_assert_int_eq(kap_policy_match_reference_n(p, &qn, &d), KAP_EARG);
    ck_assert_int_eq(kap_policy_match(p, NULL, &d), KAP_EARG);
    kap_policy_free(p);
    kap_policy_free(NULL);
    kap_diagnostics_free(NULL);
    /* missing file: kube-apiserver's read error */
    kap_diagnostics *dg = NULL;
    ck_assert_int_eq(kap_policy_load(&p, "/nonexistent/x.yaml", NULL, &dg), KAP_EIO);
    ck_assert_str_eq(kap_diagnostics_error_text(dg),
                     "failed to read file path \"/nonexistent/x.yaml\": open /nonexistent/x.yaml: no such file or "
                     "directory");
    kap_diagnostics_free(dg);
}
END_TEST

START_TEST(api_request_reader)
{
    kap_request_reader *r;
    kap_request q;
    ck_assert_int_eq(kap_request_reader_new(&r), KAP_OK);
    const char *line = "{\"user\":\"alice\",\"groups\":[\"a\",\"b\"],\"verb\":\"get\",\"namespace\":\"ns\","
                       "\"resource\":\"pods\",\"resourceRequest\":true,\"extra\":{\"x\":[1]}}";
    ck_assert_int_eq(kap_request_reader_parse(r, line, strlen(line), &q), KAP_OK);
    ck_assert_str_eq(q.user, "alice");
    ck_assert_uint_eq(q.n_groups, 2);
    ck_assert_str_eq(q.groups[1], "b");
    ck_assert_str_eq(q.ns, "ns");
    ck_assert_int_eq(q.resource_request, 1);
    ck_assert_ptr_null(q.path);
    ck_assert_int_eq(kap_request_reader_parse(r, "{\"user\":null}", 13, &q), KAP_OK);
    ck_assert_ptr_null(q.user);
    ck_assert_int_eq(q.resource_request, 0);
    ck_assert_int_eq(kap_request_reader_parse(r, "{\"verb\":1}", 10, &q), KAP_EPARSE);
    ck_assert_str_eq(kap_request_reader_error(r), "\"verb\" must be a string, not number");
    ck_assert_int_eq(kap_request_reader_parse(r, "[1]", 3, &q), KAP_EPARSE);
    ck_assert_int_eq(kap_request_reader_parse(r, "{\"a\":", 5, &q), KAP_EPARSE);
    ck_assert_str_eq(kap_request_reader_error(r), "unexpected end of JSON input");
    kap_request_reader_free(r);
}
END_TEST

START_TEST(api_requests_with_lengths)
{
    /* a user name holding NUL: only a request with lengths can carry it */
    kap_policy *p;
    ck_assert_int_eq(load_str(HDR "rules:\n- level: None\n  users: [\"a\\0b\"]\n"
                                  "- level: Metadata\n  verbs: [\"\"]\n",
                              &p, NULL),
                     KAP_OK);
    kap_request_n n = KAP_REQUEST_N_INIT;
    kap_decision d, r;
    n.user.ptr = "a\0b";
    n.user.len = 3;
    ck_assert_int_eq(kap_policy_match_n(p, &n, &d), KAP_OK);
    ck_assert_int_eq(d.rule, 0);
    ck_assert_int_eq(kap_policy_match_reference_n(p, &n, &r), KAP_OK);
    ck_assert_int_eq(r.rule, 0);
    n.user.len = 1; /* "a" */
    ck_assert_int_eq(kap_policy_match_n(p, &n, &d), KAP_OK);
    ck_assert_int_eq(d.rule, 1); /* the absent verb is "" */
    kap_request c = KAP_REQUEST_INIT;
    c.user = "a\0b"; /* as a C string this is "a" */
    ck_assert_int_eq(kap_policy_match(p, &c, &d), KAP_OK);
    ck_assert_int_eq(d.rule, 1);
    /* absent strings: NULL ptr, whatever the length */
    kap_request_n none = KAP_REQUEST_N_INIT;
    none.user.len = 7;
    none.verb.len = 3;
    ck_assert_int_eq(kap_policy_match_n(p, &none, &d), KAP_OK);
    ck_assert_int_eq(d.rule, 1);
    n.verb.ptr = "get";
    n.verb.len = 2; /* "ge": the length decides, not the NUL */
    ck_assert_int_eq(kap_policy_match_n(p, &n, &d), KAP_OK);
    ck_assert_int_eq(d.rule, -1);
    ck_assert_int_eq(kap_policy_match_n(NULL, &n, &d), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_n(p, NULL, &d), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_n(p, &n, NULL), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_reference_n(p, NULL, &d), KAP_EARG);
    /* each argument on its own: the reference forms too */
    ck_assert_int_eq(kap_policy_match_reference_n(NULL, &n, &d), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_reference_n(p, &n, NULL), KAP_EARG);
    kap_request cq = KAP_REQUEST_INIT;
    ck_assert_int_eq(kap_policy_match_reference(NULL, &cq, &d), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_reference(p, &cq, NULL), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_reference(p, NULL, &d), KAP_EARG);
    n.version = 0;
    ck_assert_int_eq(kap_policy_match_n(p, &n, &d), KAP_EARG);

    /* the reader keeps what the C-string form cuts */
    kap_request_reader *rd;
    ck_assert_int_eq(kap_request_reader_new(&rd), KAP_OK);
    const char *line = "{\"user\":\"a\\u0000b\",\"groups\":[\"x\\u0000\"],\"verb\":null}";
    ck_assert_int_eq(kap_request_reader_parse_n(rd, line, strlen(line), &n), KAP_OK);
    ck_assert_uint_eq(n.user.len, 3);
    ck_assert_int_eq(memcmp(n.user.ptr, "a\0b", 3), 0);
    ck_assert_uint_eq(n.n_groups, 1);
    ck_assert_uint_eq(n.groups[0].len, 2);
    ck_assert_ptr_null(n.verb.ptr);
    ck_assert_int_eq(kap_policy_match_n(p, &n, &d), KAP_OK);
    ck_assert_int_eq(d.rule, 0);
    ck_assert_int_eq(kap_request_reader_parse(rd, line, strlen(line), &c), KAP_OK);
    ck_assert_str_eq(c.user, "a");
    ck_assert_str_eq(c.groups[0], "x");
    ck_assert_int_eq(kap_policy_match(p, &c, &d), KAP_OK);
    ck_assert_int_eq(d.rule, 1);
    ck_assert_int_eq(kap_request_reader_parse_n(rd, "{", 1, &n), KAP_EPARSE);
    ck_assert_int_eq(kap_request_reader_parse_n(NULL, "{}", 2, &n), KAP_EARG);
    kap_request_reader_free(rd);
    kap_policy_free(p);
}
END_TEST

/* A request whose groups pointer is NULL has no groups, whatever n_groups
 * says (kap.h), through both entry points, small and large policies. */
START_TEST(api_null_groups_with_count)
{
    char large[8192];
    size_t len = (size_t)snprintf(large, sizeof large, HDR "rules:\n");
    for (int i = 0; i < 70; i++)
        len += (size_t)snprintf(large + len, sizeof large - len, "- level: None\n  userGroups: [\"g%d\"]\n", i);
    snprintf(large + len, sizeof large - len, "- level: Metadata\n");
    const char *small = HDR "rules:\n- level: None\n  userGroups: [\"g0\", \"\"]\n- level: Metadata\n";
    const char *policies[] = {small, large};
    const int want[] = {1, 70};
    for (int k = 0; k < 2; k++) {
        kap_policy *p;
        ck_assert_int_eq(load_str(policies[k], &p, NULL), KAP_OK);
        kap_request c = KAP_REQUEST_INIT;
        c.user = "u";
        c.groups = NULL;
        c.n_groups = 5;
        kap_request_n n = KAP_REQUEST_N_INIT;
        n.user.ptr = "u";
        n.user.len = 1;
        n.groups = NULL;
        n.n_groups = 5;
        kap_decision d;
        ck_assert_int_eq(kap_policy_match(p, &c, &d), KAP_OK);
        ck_assert_int_eq(d.rule, want[k]);
        ck_assert_int_eq(kap_policy_match_reference(p, &c, &d), KAP_OK);
        ck_assert_int_eq(d.rule, want[k]);
        ck_assert_int_eq(kap_policy_match_n(p, &n, &d), KAP_OK);
        ck_assert_int_eq(d.rule, want[k]);
        ck_assert_int_eq(kap_policy_match_reference_n(p, &n, &d), KAP_OK);
        ck_assert_int_eq(d.rule, want[k]);
        kap_policy_free(p);
    }
}
END_TEST

START_TEST(api_decision_json_and_batch)
{
    kap_decision d = {KAP_LEVEL_METADATA, KAP_STAGE_RESPONSE_STARTED | KAP_STAGE_PANIC | KAP_STAGE_REQUEST_RECEIVED, 1, 3};
    char buf[256];
    size_t n = kap_decision_format_json(&d, buf, sizeof buf);
    ck_assert_str_eq(buf, "{\"level\":\"Metadata\",\"omitStages\":[\"Panic\",\"RequestReceived\",\"ResponseStarted\"],"
                          "\"omitManagedFields\":true,\"rule\":3}");
    ck_assert_uint_eq(n, strlen(buf));
    char small[8];
    ck_assert_uint_eq(kap_decision_format_json(&d, small, sizeof small), n);
    ck_assert_str_eq(small, "{\"level");

    kap_policy *p;
    ck_assert_int_eq(load_str(HDR "rules:\n- level: Request\n  verbs: [get]\n", &p, NULL), KAP_OK);
    const char *text = "{\"verb\":\"get\"}\n\n{\"verb\":5}\n{\"verb\":\"list\"}";
    kap_decision out[4];
    int st[4];
    size_t lines;
    ck_assert_int_eq(kap_policy_match_jsonl(p, text, strlen(text), out, st, 4, &lines), KAP_OK);
    ck_assert_uint_eq(lines, 4);
    ck_assert_int_eq(st[0], KAP_OK);
    ck_assert_int_eq(out[0].rule, 0);
    ck_assert_int_eq(st[1], 1);
    ck_assert_int_eq(st[2], KAP_EPARSE);
    ck_assert_int_eq(st[3], KAP_OK);
    ck_assert_int_eq(out[3].rule, -1);
    ck_assert_int_eq(kap_policy_match_jsonl(p, text, strlen(text), out, st, 2, &lines), KAP_ELIMIT);
    kap_policy_free(p);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("libkap");
    struct {
        const char *name;
        const TTest *tests[16];
    } groups[] = {
        {"read", {read_yaml11_booleans_fail_in_string_lists, read_numbers_are_numbers, read_null_forms,
                  read_anchors_aliases_merge, read_large_mappings, read_first_document_only_and_bom, read_yaml_syntax_errors,
                  read_json_input}},
        {"decode", {decode_group_version_and_kind, decode_type_errors_first_in_key_order, decode_lenient_warnings,
                    decode_json_duplicate_last_wins}},
        {"validate", {validate_messages, validate_group_star_by_version}},
        {"compile", {compile_rules_and_decisions, compile_table_grows_linearly}},
        {"match", {match_resource_forms, match_long_resource_and_subresource, match_namespaces_and_urls, match_users_groups_verbs, match_results,
                   match_many_sets_fall_back, match_many_rules_deep}},
        {"diagnostics", {diag_positions}},
        {"limits", {limit_file_size, limit_depth, limit_aliases, limit_rules_and_strings, hostile_bytes}},
        {"api", {api_names_and_versions, api_bad_arguments, api_request_reader, api_requests_with_lengths,
                 api_null_groups_with_count,
                 api_decision_json_and_batch}},
    };
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        TCase *tc = tcase_create(groups[g].name);
        tcase_set_timeout(tc, 60);
        for (size_t i = 0; i < 16 && groups[g].tests[i]; i++)
            tcase_add_test(tc, groups[g].tests[i]);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
