/* More decoding cases: YAML tags and key types, JSON escapes, Go's quoting,
 * ObjectMeta's types, the internal version, scheme lookups, the request
 * reader's errors and the batch entry points. Expected texts follow Go's
 * rules (semantics.md, encoding/json, strconv), not this code's output. */
#include <stdint.h>

#include "helpers.h"

#define HDR "apiVersion: audit.k8s.io/v1\nkind: Policy\n"

static int rule_of(const char *policy, const char *verb, const char *user)
{
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int rc = load_str(policy, &p, &d);
    ck_assert_msg(rc == KAP_OK, "%s", d ? kap_diagnostics_error_text(d) : "?");
    kap_request q = KAP_REQUEST_INIT;
    q.verb = verb;
    q.user = user;
    q.path = "/x";
    kap_decision out;
    kap_policy_match(p, &q, &out);
    kap_policy_free(p);
    kap_diagnostics_free(d);
    return out.rule;
}

START_TEST(yaml_tags)
{
    /* !!str keeps a number a string; !!int on a word is an error */
    ck_assert_int_eq(rule_of(HDR "rules:\n- level: None\n  verbs: [!!str 123]\n- level: Request\n", "123", NULL), 0);
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  verbs: [!!int abc]\n"),
                     "failed decoding: yaml: cannot decode !!str `abc` as a !!int");
    /* !!float on an int is a float: a number either way */
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  verbs: [!!float 1]\n"),
                     "failed decoding: json: cannot unmarshal number into Go struct field PolicyRule.rules.verbs of type string");
    /* a local tag leaves the text alone */
    ck_assert_int_eq(rule_of(HDR "rules:\n- level: None\n  verbs: [!custom 12]\n", "12", NULL), 0);
    /* !!binary is base64 */
    ck_assert_int_eq(rule_of(HDR "rules:\n- level: None\n  verbs: [!!binary Z2V0]\n- level: Request\n", "get", NULL), 0);
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  verbs: [!!binary \"@@@\"]\n"),
                     "failed decoding: yaml: !!binary value contains invalid base64 data");
    /* quoted and block scalars are strings */
    ck_assert_int_eq(rule_of(HDR "rules:\n- level: None\n  verbs: ['yes', \"on\"]\n", "on", NULL), 0);
    ck_assert_int_eq(rule_of(HDR "rules:\n- level: None\n  verbs:\n  - |\n    yes\n- level: Request\n", "yes\n", NULL), 0);
    /* a timestamp-looking plain scalar stays a string */
    ck_assert_int_eq(rule_of(HDR "rules:\n- level: None\n  verbs: [2001-12-14]\n", "2001-12-14", NULL), 0);
}
END_TEST

START_TEST(yaml_directives)
{
    ck_assert_str_eq(error_of("%YAML 1.1\n---\n" HDR "rules:\n- level: None\n"), "(loaded)");
    ck_assert_str_eq(error_of("%YAML 1.2\n---\n" HDR "rules:\n- level: None\n"),
                     "failed decoding: yaml: found incompatible YAML document");
    ck_assert_str_eq(error_of("%TAG !k! tag:example.com,2000:\n---\n" HDR "rules:\n- level: !k!x None\n"), "(loaded)");
}
END_TEST

START_TEST(yaml_non_finite_and_keys)
{
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\nx: .inf\n"), "failed decoding: json: unsupported value: +Inf");
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\nx: -.Inf\n"), "failed decoding: json: unsupported value: -Inf");
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\nx: .NaN\n"), "failed decoding: json: unsupported value: NaN");
    /* non-string keys become strings: 1, true, 1.5 are unknown fields */
    ck_assert_str_eq(warning_of(HDR "rules:\n- level: None\n1: a\nyes: b\n1.5: c\n"),
                     "Audit policy contains errors, falling back to lenient decoding: strict decoding error: "
                     "unknown field \"1\", unknown field \"1.5\", unknown field \"true\"");
    /* a collection as a key is refused */
    ck_assert(strncmp(error_of(HDR "rules:\n- level: None\n? [a]\n: b\n"), "failed decoding: yaml: invalid map key: ", 40) == 0);
}
END_TEST

START_TEST(yaml_merges)
{
    /* a sequence of merges: earlier maps win */
    const char *t = HDR "a: &a {level: None, verbs: [get]}\nb: &b {level: Request}\nrules:\n- <<: [*a, *b]\n";
    kap_policy *p = NULL;
    ck_assert_int_eq(load_str(t, &p, NULL), KAP_OK);
    ck_assert_int_eq(kap_policy_rule_level(p, 0), KAP_LEVEL_NONE);
    kap_policy_free(p);
    ck_assert_str_eq(error_of(HDR "rules:\n- <<: 5\n"),
                     "failed decoding: yaml: map merge requires map or sequence of maps as the value");
    ck_assert_str_eq(error_of(HDR "x: &x [1]\nrules:\n- <<: *x\n"),
                     "failed decoding: yaml: map merge requires map or sequence of maps as the value");
    ck_assert_str_eq(error_of(HDR "rules:\n- <<: [5]\n"),
                     "failed decoding: yaml: map merge requires map or sequence of maps as the value");
    /* a merged map that contains itself */
    ck_assert_str_eq(error_of("a: &a\n  b: 1\n  <<: *a\n"), "failed decoding: yaml: anchor 'a' value contains itself");
}
END_TEST

START_TEST(json_escapes)
{
    /* \u escapes, a surrogate pair, and a lone surrogate (U+FFFD) */
    ck_assert_int_eq(rule_of("{\"apiVersion\":\"audit.k8s.io/v1\",\"rules\":[{\"level\":\"None\",\"verbs\":[\"g\\u0065t\"]}]}",
                             "get", NULL), 0);
    ck_assert_int_eq(rule_of("{\"apiVersion\":\"audit.k8s.io/v1\",\"rules\":[{\"level\":\"None\",\"verbs\":[\"\\ud83d\\ude00\"]}]}",
                             "\xF0\x9F\x98\x80", NULL), 0);
    ck_assert_int_eq(rule_of("{\"apiVersion\":\"audit.k8s.io/v1\",\"rules\":[{\"level\":\"None\",\"verbs\":[\"\\ud800x\"]}]}",
                             "\xEF\xBF\xBDx", NULL), 0);
    ck_assert_int_eq(rule_of("{\"apiVersion\":\"audit.k8s.io/v1\",\"rules\":[{\"level\":\"None\",\"verbs\":[\"\\n\\t\\/\\b\\f\\r\"]}]}",
                             "\n\t/\b\f\r", NULL), 0);
    /* invalid UTF-8 in a JSON string reads as U+FFFD */
    ck_assert_int_eq(rule_of("{\"apiVersion\":\"audit.k8s.io/v1\",\"rules\":[{\"level\":\"None\",\"verbs\":[\"a\xff\"]}]}",
                             "a\xEF\xBF\xBD", NULL), 0);
    ck_assert_str_eq(error_of("{\"a\":\"\\u12g4\"}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character 'g' in \\u "
                     "hexadecimal character escape");
    ck_assert_str_eq(error_of("{\"a\":\"x\ny\"}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character '\\n' in string "
                     "literal");
    ck_assert_str_eq(error_of("{\"a\":1.}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character '}' after decimal "
                     "point in numeric literal");
    ck_assert_str_eq(error_of("{\"a\":1e}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character '}' in exponent "
                     "of numeric literal");
    ck_assert_str_eq(error_of("{,}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character ',' looking for "
                     "beginning of object key string");
    ck_assert_str_eq(error_of("{\"a\":[,]}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character ',' looking for "
                     "beginning of value");
    ck_assert_str_eq(error_of("{\"a\":nul}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character '}' in literal "
                     "null (expecting 'l')");
    ck_assert_str_eq(error_of("{\"a\":\"\xc3\xa9\" \"\"}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character '\"' after object "
                     "key:value pair");
    /* numbers: a good one is still a number */
    ck_assert_str_eq(error_of("{\"apiVersion\":\"audit.k8s.io/v1\",\"rules\":[{\"level\":-1.5e+3}]}"),
                     "failed decoding: json: cannot unmarshal number into Go struct field PolicyRule.rules.level of type "
                     "v1.Level");
}
END_TEST

START_TEST(go_quoting_in_messages)
{
    /* %q: control characters escaped, printable Unicode kept, invalid bytes \x */
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  nonResourceURLs: [\"\\x01\\u00e9\\u00a0\"]\n"),
                     "rules[0].nonResourceURLs[0]: Invalid value: \"\\x01\xC3\xA9\\u00a0\": non-resource URL rules must "
                     "begin with a '/' character");
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  nonResourceURLs: [\"\\U0001F600\\a\\v\\\"\"]\n"),
                     "rules[0].nonResourceURLs[0]: Invalid value: \"\xF0\x9F\x98\x80\\a\\v\\\"\": non-resource URL "
                     "rules must begin with a '/' character");
    /* encoding/json in lists: <, >, & and U+2028 escaped */
    ck_assert_str_eq(error_of(HDR "rules:\n- level: None\n  resources: [{resourceNames: [\"<a&b>\\u2028\\x01\"]}]\n"),
                     "rules[0].resources.resourceNames: Invalid value: [\"\\u003ca\\u0026b\\u003e\\u2028\\u0001\"]: using "
                     "resourceNames requires at least one resource");
    /* both group messages, joined with a comma */
    char t[600];
    char longbad[300];
    memset(longbad, 'A', 260);
    longbad[260] = 0;
    snprintf(t, sizeof t, HDR "rules:\n- level: None\n  resources: [{group: %s}]\n", longbad);
    const char *e = error_of(t);
    ck_assert(strstr(e, "must be no more than 253 characters,a lowercase RFC 1123 subdomain") != NULL);
}
END_TEST

START_TEST(objectmeta_types)
{
    ck_assert_str_eq(error_of(HDR "metadata:\n  generation: 1.5\nrules:\n- level: None\n"),
                     "failed decoding: json: cannot unmarshal number 1.5 into Go struct field ObjectMeta.metadata.generation "
                     "of type int64");
    ck_assert_str_eq(error_of(HDR "metadata:\n  generation: 12\n  labels: ~\n  finalizers: [a]\nrules:\n- level: None\n"),
                     "(loaded)");
    ck_assert_str_eq(error_of(HDR "metadata:\n  labels: [a]\nrules:\n- level: None\n"),
                     "failed decoding: json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of "
                     "type map[string]string");
    ck_assert_str_eq(error_of(HDR "metadata:\n  uid: 5\nrules:\n- level: None\n"),
                     "failed decoding: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.uid of type "
                     "types.UID");
    ck_assert_str_eq(error_of(HDR "metadata:\n  creationTimestamp: \"2020-01-02T03:04:05Z\"\nrules:\n- level: None\n"),
                     "(loaded)");
    ck_assert_str_eq(error_of(HDR "metadata:\n  creationTimestamp: 5\nrules:\n- level: None\n"),
                     "failed decoding: json: cannot unmarshal number into Go struct field "
                     "ObjectMeta.metadata.creationTimestamp of type string");
    ck_assert(strncmp(error_of(HDR "metadata:\n  creationTimestamp: yesterday\nrules:\n- level: None\n"),
                      "failed decoding: parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\": cannot parse", 86) == 0);
    ck_assert_str_eq(error_of(HDR "metadata:\n  ownerReferences: [{name: 1}]\nrules:\n- level: None\n"),
                     "failed decoding: json: cannot unmarshal number into Go struct field "
                     "OwnerReference.metadata.ownerReferences.name of type string");
    ck_assert_str_eq(error_of(HDR "metadata:\n  managedFields: [{fieldsV1: {f:a: {}}, operation: Apply}]\nrules:\n- level: None\n"),
                     "(loaded)");
    ck_assert_str_eq(warning_of(HDR "metadata:\n  ownerReferences: [{bogus: 1}]\nrules:\n- level: None\n"),
                     "Audit policy contains errors, falling back to lenient decoding: strict decoding error: unknown "
                     "field \"metadata.ownerReferences[0].bogus\"");
}
END_TEST

START_TEST(internal_version_and_kinds)
{
    /* the internal type reads Go field names: Rules is known, rules is not */
    ck_assert_str_eq(warning_of("apiVersion: audit.k8s.io/__internal\nRules: [{Level: None}]\nname: x\n"), "");
    ck_assert_str_eq(error_of("apiVersion: audit.k8s.io/__internal\nRules: [{Level: None}]\n"),
                     "unknown group version field audit.k8s.io/__internal, Kind=Policy in policy");
    ck_assert_str_eq(error_of("apiVersion: audit.k8s.io/__internal\nRules: 5\n"),
                     "failed decoding: json: cannot unmarshal number into Go struct field Policy.Rules of type "
                     "[]audit.PolicyRule");
    ck_assert_str_eq(error_of("apiVersion: audit.k8s.io/__internal\nkind: Event\n"),
                     "failed decoding: converting (audit.Event) to (audit.Policy): unknown conversion");
    ck_assert_str_eq(error_of("apiVersion: v1\nkind: WatchEvent\n"),
                     "failed decoding: converting (v1.WatchEvent) to (audit.Policy): unknown conversion");
    ck_assert_str_eq(error_of("apiVersion: audit.k8s.io/v1\nkind: ListOptions\n"),
                     "failed decoding: converting (v1.ListOptions) to (audit.Policy): unknown conversion");
    ck_assert_str_eq(error_of("apiVersion: foo/bar\nkind: APIGroup\n"),
                     "failed decoding: converting (v1.APIGroup) to (audit.Policy): unknown conversion");
    ck_assert_str_eq(error_of("apiVersion: __internal\nkind: WatchEvent\n"),
                     "failed decoding: converting (v1.InternalEvent) to (audit.Policy): unknown conversion");
    /* the Kelvin sign folds to k when kind is sniffed */
    ck_assert_str_eq(error_of("apiVersion: audit.k8s.io/v1\n\xE2\x84\xAAind: Event\n"),
                     "failed decoding: converting (v1.Event) to (audit.Policy): unknown conversion");
    /* a whitespace other than JSON's before '{' still means JSON */
    ck_assert_str_eq(error_of("\xC2\xA0{}"),
                     "failed decoding: couldn't get version/kind; json parse error: invalid character '\xC3\x82' "
                     "looking for beginning of value");
}
END_TEST

START_TEST(request_reader_errors)
{
    kap_request_reader *r;
    kap_request q;
    ck_assert_int_eq(kap_request_reader_new(&r), KAP_OK);
    struct {
        const char *line, *err;
    } cases[] = {
        {"{\"user\":1}", "\"user\" must be a string or null, not number"},
        {"{\"groups\":\"a\"}", "\"groups\" must be a list of strings, not string"},
        {"{\"groups\":[1]}", "\"groups\" must be a list of strings, not a list holding number"},
        {"{\"resourceRequest\":\"yes\"}", "\"resourceRequest\" must be true or false, not string"},
        {"{\"namespace\":{}}", "\"namespace\" must be a string, not object"},
        {"5", "a request must be a JSON object, not number"},
        {"", "unexpected end of JSON input"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_int_eq(kap_request_reader_parse(r, cases[i].line, strlen(cases[i].line), &q), KAP_EPARSE);
        ck_assert_str_eq(kap_request_reader_error(r), cases[i].err);
    }
    /* nulls mean absent; unknown keys are ignored */
    const char *ok = "{\"groups\":null,\"verb\":null,\"resourceRequest\":null,\"x\":[1,{\"y\":2}],\"api_group\":\"g\"}";
    ck_assert_int_eq(kap_request_reader_parse(r, ok, strlen(ok), &q), KAP_OK);
    ck_assert_ptr_null(q.verb);
    ck_assert_ptr_null(q.api_group); /* api_group is not a formats.md key */
    ck_assert_uint_eq(q.n_groups, 0);
    kap_request_reader_free(r);
    ck_assert_int_eq(kap_request_reader_new(NULL), KAP_EARG);
    ck_assert_int_eq(kap_request_reader_parse(NULL, "{}", 2, &q), KAP_EARG);
}
END_TEST

START_TEST(batch_entry_points)
{
    kap_policy *p;
    ck_assert_int_eq(load_str(HDR "rules:\n- level: Request\n  verbs: [get]\n", &p, NULL), KAP_OK);
    kap_decision out[4];
    int st[4];
    size_t n;
    const char *arr = "[{\"verb\":\"get\"},{\"verb\":5},{\"verb\":\"list\"}]";
    ck_assert_int_eq(kap_policy_match_json(p, arr, strlen(arr), out, st, 4, &n), KAP_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(out[0].rule, 0);
    ck_assert_int_eq(st[1], KAP_EPARSE);
    ck_assert_int_eq(out[2].rule, -1);
    ck_assert_int_eq(kap_policy_match_json(p, "{}", 2, out, st, 4, &n), KAP_EPARSE);
    ck_assert_int_eq(kap_policy_match_json(p, "[", 1, out, st, 4, &n), KAP_EPARSE);
    ck_assert_int_eq(kap_policy_match_json(p, arr, strlen(arr), out, st, 2, &n), KAP_ELIMIT);
    /* marshal: a list of two dicts, written by hand in Python's format 4:
     * [{'verb': 'get'}, {'verb': 'x', 'resource_request': True}] */
    static const unsigned char m[] = {
        '[', 2, 0, 0, 0,
        '{', 'z', 4, 'v', 'e', 'r', 'b', 'z', 3, 'g', 'e', 't', '0',
        '{', 0x80 | 'z', 4, 'v', 'e', 'r', 'b', 'z', 1, 'x',
        'z', 16, 'r', 'e', 's', 'o', 'u', 'r', 'c', 'e', '_', 'r', 'e', 'q', 'u', 'e', 's', 't', 'T', '0'};
    int32_t rules[2];
    ck_assert_int_eq(kap_policy_match_marshal(p, m, sizeof m, rules, st, 2, &n), KAP_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rules[0], 0);
    ck_assert_int_eq(rules[1], -1);
    ck_assert_int_eq(st[1], KAP_OK);
    ck_assert_int_eq(kap_policy_match_marshal(p, m, sizeof m - 1, rules, st, 2, &n), KAP_EPARSE);
    ck_assert_int_eq(kap_policy_match_marshal(p, "N", 1, rules, st, 2, &n), KAP_EPARSE);
    kap_decision d;
    ck_assert_int_eq(kap_policy_rule_decision(p, 0, &d), KAP_OK);
    ck_assert_int_eq(d.level, KAP_LEVEL_REQUEST);
    ck_assert_int_eq(kap_policy_rule_decision(p, 1, &d), KAP_OK);
    ck_assert_int_eq(d.rule, -1);
    ck_assert_int_eq(kap_policy_rule_decision(p, 2, &d), KAP_EARG);
    kap_policy_free(p);
}
END_TEST

/* Python marshal, written by hand: refs, lists, tuples, skipped values */
typedef struct mbuf {
    unsigned char b[1024];
    size_t n;
} mbuf;
static void mput(mbuf *m, int c) { m->b[m->n++] = (unsigned char)c; }
static void mu32(mbuf *m, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        mput(m, (int)((v >> (8 * i)) & 0xFF));
}
static void mstr(mbuf *m, const char *s, int ref)
{
    mput(m, 'z' | (ref ? 0x80 : 0));
    mput(m, (int)strlen(s));
    for (const char *c = s; *c; c++)
        mput(m, *c);
}

START_TEST(marshal_shapes)
{
    kap_policy *p;
    ck_assert_int_eq(load_str(HDR "rules:\n- level: Request\n  userGroups: [admins]\n  verbs: [get]\n"
                                  "- level: Metadata\n  users: [\"\"]\n- level: None\n  resources: [{resources: [pods]}]\n",
                              &p, NULL),
                     KAP_OK);
    mbuf m = {{0}, 0};
    mput(&m, '[');
    mu32(&m, 6);
    /* 0: {user: alice, groups: [admins], verb: get, extra: {i, g, s, <set>}}, the dict is ref 0 */
    mput(&m, '{' | 0x80);
    mstr(&m, "user", 1); /* ref 1 */
    mstr(&m, "alice", 0);
    mstr(&m, "groups", 1); /* ref 2 */
    mput(&m, '[' | 0x80);  /* ref 3 */
    mu32(&m, 1);
    mstr(&m, "admins", 0);
    mstr(&m, "verb", 1); /* ref 4 */
    mstr(&m, "get", 0);
    mstr(&m, "extra", 0);
    mput(&m, '{');
    mstr(&m, "i", 0);
    mput(&m, 'i');
    mu32(&m, 7);
    mstr(&m, "g", 0);
    mput(&m, 'g');
    for (int i = 0; i < 8; i++)
        mput(&m, 0);
    mstr(&m, "s", 0);
    mput(&m, 's');
    mu32(&m, 2);
    mput(&m, 'x');
    mput(&m, 'y');
    mstr(&m, "set", 0);
    mput(&m, '<');
    mu32(&m, 1);
    mput(&m, 'N');
    mput(&m, '0');
    mput(&m, '0');
    /* 1: the same dict object again */
    mput(&m, 'r');
    mu32(&m, 0);
    /* 2: {user: "", groups: <ref 3>, verb: ("x",)} -> a tuple for verb is refused */
    mput(&m, '{');
    mput(&m, 'r');
    mu32(&m, 1);
    mstr(&m, "", 0);
    mput(&m, 'r');
    mu32(&m, 2);
    mput(&m, 'r');
    mu32(&m, 3);
    mput(&m, 'r');
    mu32(&m, 4);
    mput(&m, ')');
    mput(&m, 1);
    mstr(&m, "x", 0);
    mput(&m, '0');
    /* 3: None is not a request */
    mput(&m, 'N');
    /* 4: {user: "", groups: ("admins",)} -> rule 1 (users: [""]) */
    mput(&m, '{');
    mput(&m, 'r');
    mu32(&m, 1);
    mstr(&m, "", 0);
    mput(&m, 'r');
    mu32(&m, 2);
    mput(&m, ')');
    mput(&m, 1);
    mstr(&m, "admins", 0);
    mput(&m, '0');
    /* 5: {resource: pods, resource_request: True, user: None, groups: None} -> rule 2 */
    mput(&m, '{');
    mstr(&m, "resource", 0);
    mstr(&m, "pods", 0);
    mstr(&m, "resource_request", 0);
    mput(&m, 'T');
    mput(&m, 'r');
    mu32(&m, 1);
    mput(&m, 'N');
    mput(&m, 'r');
    mu32(&m, 2);
    mput(&m, 'N');
    mput(&m, '0');

    int32_t rules[6];
    int st[6];
    size_t n;
    ck_assert_int_eq(kap_policy_match_marshal(p, m.b, m.n, rules, st, 6, &n), KAP_OK);
    ck_assert_uint_eq(n, 6);
    ck_assert_int_eq(st[0], KAP_OK);
    ck_assert_int_eq(rules[0], 0);
    ck_assert_int_eq(st[1], KAP_OK);
    ck_assert_int_eq(rules[1], 0);
    ck_assert_int_eq(st[2], KAP_EPARSE);
    ck_assert_int_eq(st[3], KAP_EPARSE);
    ck_assert_int_eq(st[4], KAP_OK);
    ck_assert_int_eq(rules[4], 1);
    ck_assert_int_eq(st[5], KAP_OK);
    ck_assert_int_eq(rules[5], 2);
    /* too little room, truncated input, a bad reference */
    ck_assert_int_eq(kap_policy_match_marshal(p, m.b, m.n, rules, st, 3, &n), KAP_ELIMIT);
    ck_assert_uint_eq(n, 6);
    for (size_t cut = 1; cut < m.n; cut += 7)
        ck_assert_int_ne(kap_policy_match_marshal(p, m.b, cut, rules, st, 6, &n), KAP_OK);
    unsigned char badref[] = {'[', 1, 0, 0, 0, 'r', 9, 0, 0, 0};
    ck_assert_int_eq(kap_policy_match_marshal(p, badref, sizeof badref, rules, st, 1, &n), KAP_EPARSE);
    unsigned char badcode[] = {'[', 1, 0, 0, 0, '{', 'z', 1, 'a', '?', '0'};
    ck_assert_int_eq(kap_policy_match_marshal(p, badcode, sizeof badcode, rules, st, 1, &n), KAP_EPARSE);
    ck_assert_int_eq(kap_policy_match_marshal(NULL, m.b, m.n, rules, st, 6, &n), KAP_EARG);
    kap_policy_free(p);
}
END_TEST

START_TEST(wide_requests_fall_back)
{
    /* more groups than the table ORs at once: the scan answers, the same */
    kap_policy *p;
    char pol[4096];
    size_t k = (size_t)snprintf(pol, sizeof pol, HDR "rules:\n- level: Request\n  userGroups: [");
    for (int i = 0; i < 60; i++)
        k += (size_t)snprintf(pol + k, sizeof pol - k, "%sg%d", i ? ", " : "", i);
    snprintf(pol + k, sizeof pol - k, "]\n  verbs: [get]\n- level: None\n");
    ck_assert_int_eq(load_str(pol, &p, NULL), KAP_OK);
    const char *groups[60];
    char names[60][8];
    for (int i = 0; i < 60; i++) {
        snprintf(names[i], sizeof names[i], "g%d", i);
        groups[i] = names[i];
    }
    kap_request q = KAP_REQUEST_INIT;
    q.user = "u";
    q.groups = groups;
    q.n_groups = 60;
    q.verb = "list";
    kap_decision a, b;
    kap_policy_match(p, &q, &a);
    kap_policy_match_reference(p, &q, &b);
    ck_assert_int_eq(a.rule, 1);
    ck_assert_int_eq(b.rule, 1);
    q.verb = "get";
    kap_policy_match(p, &q, &a);
    ck_assert_int_eq(a.rule, 0);
    kap_policy_free(p);
}
END_TEST

START_TEST(map_duplicate_keys)
{
    /* a map field (metadata.annotations) with its first key repeated, and
     * with its last: the strict pass reports the duplicate either way, and
     * the lenient load keeps the policy */
    const char *first = "{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\",\"metadata\":"
                        "{\"annotations\":{\"a\":\"1\",\"b\":\"2\",\"a\":\"3\"}},\"rules\":[{\"level\":\"None\"}]}";
    const char *last = "{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\",\"metadata\":"
                       "{\"annotations\":{\"c\":\"1\",\"b\":\"2\",\"b\":\"3\"}},\"rules\":[{\"level\":\"None\"}]}";
    const char *none = "{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\",\"metadata\":"
                       "{\"annotations\":{\"c\":\"1\",\"b\":\"2\"}},\"rules\":[{\"level\":\"None\"}]}";
    ck_assert_str_eq(error_of(first), "(loaded)");
    ck_assert_ptr_nonnull(strstr(warning_of(first), "duplicate field"));
    ck_assert_ptr_nonnull(strstr(warning_of(last), "duplicate field"));
    ck_assert_str_eq(warning_of(none), "");
}
END_TEST

START_TEST(null_list_item_position)
{
    /* a null in a string list is "" (Go's zero value), and a problem with
     * it is reported where the null is: line 3, column 31 */
    const char *text = HDR "omitStages: [RequestReceived, null]\nrules:\n- level: None\n";
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    ck_assert_int_ne(load_str(text, &p, &d), KAP_OK);
    int found = 0;
    for (size_t i = 0; i < kap_diagnostics_count(d); i++) {
        const kap_diagnostic *g = kap_diagnostics_get(d, i);
        if (strcmp(g->field, "omitStages[1]") == 0) {
            ck_assert_uint_eq(g->line, 3);
            ck_assert_uint_eq(g->column, 31);
            found = 1;
        }
    }
    ck_assert_int_eq(found, 1);
    kap_policy_free(p);
    kap_diagnostics_free(d);
}
END_TEST

START_TEST(group_name_characters)
{
    /* an API group is a lowercase RFC 1123 subdomain: a character below
     * '0', between '9' and 'a', above 'z', or a dot at either end fails */
    static const char *const bad[] = {"a/b", "Apps", "a:b", "a~b", "a{b", "apps.", ".apps", "a..b"};
    static const char *const good[] = {"a-b", "apps.k8s.io", "0z", "a.b-c.d"};
    char text[256], want[128];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, HDR "rules:\n- level: None\n  resources:\n  - group: \"%s\"\n", bad[i]);
        snprintf(want, sizeof want, "rules[0].resources.group: Invalid value: \"%s\": a lowercase RFC 1123", bad[i]);
        ck_assert_msg(strncmp(error_of(text), want, strlen(want)) == 0, "%s: %s", bad[i], error_of(text));
    }
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(text, sizeof text, HDR "rules:\n- level: None\n  resources:\n  - group: \"%s\"\n", good[i]);
        ck_assert_msg(strcmp(error_of(text), "(loaded)") == 0, "%s: %s", good[i], error_of(text));
    }
}
END_TEST

START_TEST(repeated_list_keeps_elements)
{
    /* JSON: a key given twice decodes into the same slice, as Go's
     * encoding/json does; a null element of the second list leaves the
     * first list's element there (lenient pass) */
    const char *text = "{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\","
                       "\"omitStages\":[\"RequestReceived\",\"Panic\"],\"omitStages\":[null],"
                       "\"rules\":[{\"level\":\"Metadata\"}]}";
    kap_policy *p = NULL;
    ck_assert_int_eq(load_str(text, &p, NULL), KAP_OK);
    kap_decision d;
    ck_assert_int_eq(kap_policy_rule_decision(p, 0, &d), KAP_OK);
    /* the second list has one element: the slice is cut to length 1 */
    ck_assert_uint_eq(d.omit_stages, KAP_STAGE_REQUEST_RECEIVED);
    kap_policy_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decode-more");
    TCase *tc = tcase_create("more");
    tcase_add_test(tc, yaml_tags);
    tcase_add_test(tc, yaml_directives);
    tcase_add_test(tc, yaml_non_finite_and_keys);
    tcase_add_test(tc, yaml_merges);
    tcase_add_test(tc, json_escapes);
    tcase_add_test(tc, go_quoting_in_messages);
    tcase_add_test(tc, objectmeta_types);
    tcase_add_test(tc, internal_version_and_kinds);
    tcase_add_test(tc, request_reader_errors);
    tcase_add_test(tc, batch_entry_points);
    tcase_add_test(tc, wide_requests_fall_back);
    tcase_add_test(tc, marshal_shapes);
    tcase_add_test(tc, map_duplicate_keys);
    tcase_add_test(tc, null_list_item_position);
    tcase_add_test(tc, group_name_characters);
    tcase_add_test(tc, repeated_list_keeps_elements);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
