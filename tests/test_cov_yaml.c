/* YAML as kube-apiserver reads a policy (sigs.k8s.io/yaml over YAML 1.1,
 * src/read_yaml.c): explicit tags (!!binary, !!timestamp, !!float, tag
 * mismatches), integers with base prefixes and signs, floats in the forms
 * YAML 1.1 resolves. The outcomes are yaml.v2's: a tagged value it cannot
 * decode fails with "yaml: cannot decode !!KIND `VALUE` as a !!TAG", a
 * !!binary value is base64 (encoding/base64's standard alphabet), and a
 * number reaches the int64 field metadata.generation as the JSON text
 * sigs.k8s.io/yaml writes for it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kap.h"

static int load(const char *text, kap_policy **p, kap_diagnostics **d)
{
    kap_options o;
    kap_options_init(&o);
    o.kube_minor = 36;
    return kap_policy_load_buffer(p, text, strlen(text), "p.yaml", &o, d);
}

/* A policy whose rule 0 is for users: [VALUE]: which user it names
 * (checked by matching), or the load error. */
static void user_is(const char *value, const char *user)
{
    char text[512];
    snprintf(text, sizeof text,
             "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: [%s]\n- level: Metadata\n",
             value);
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int rc = load(text, &p, &d);
    ck_assert_msg(rc == KAP_OK, "users: [%s]: %s", value, kap_diagnostics_error_text(d) ? kap_diagnostics_error_text(d) : "");
    kap_request q = KAP_REQUEST_INIT;
    q.user = user;
    q.verb = "get";
    q.path = "/x";
    kap_decision dec;
    ck_assert_int_eq(kap_policy_match(p, &q, &dec), KAP_OK);
    ck_assert_msg(dec.rule == 0, "users: [%s] does not name '%s' (rule %d)", value, user, dec.rule);
    kap_policy_free(p);
    kap_diagnostics_free(d);
}

static void fails_with(const char *value, const char *part)
{
    char text[512];
    snprintf(text, sizeof text,
             "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: [%s]\n- level: Metadata\n",
             value);
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    ck_assert_int_eq(load(text, &p, &d), KAP_EINVALID);
    const char *e = kap_diagnostics_error_text(d);
    ck_assert_msg(e && strstr(e, part), "users: [%s]: '%s' not in '%s'", value, part, e ? e : "(none)");
    ck_assert_uint_ge(kap_diagnostics_count(d), 1);
    ck_assert_uint_eq(kap_diagnostics_get(d, 0)->line, 5);
    kap_diagnostics_free(d);
}

START_TEST(binary)
{
    user_is("!!binary YWxpY2U=", "alice"); /* 7 bytes: one '=' */
    user_is("!!binary YWxp", "ali");       /* 3 bytes: none */
    user_is("!!binary YQ==", "a");         /* 1 byte: two */
    user_is("!!binary \"Pz8+Pg==\"", "\x3f\x3f>>"); /* '+' and... */
    user_is("!!binary Pz8/Pw==", "\x3f\x3f\x3f\x3f");  /* ...'/' of the alphabet */
    user_is("!!binary \"\"", "");
    fails_with("!!binary YWxpY2U", "yaml: !!binary value contains invalid base64 data");
    fails_with("!!binary YW=p", "yaml: !!binary value contains invalid base64 data");
    fails_with("!!binary YW*p", "yaml: !!binary value contains invalid base64 data");
    fails_with("!!binary YW-_", "yaml: !!binary value contains invalid base64 data"); /* the URL alphabet */
    /* Go's decoder skips line breaks anywhere, padding included */
    user_is("!!binary \"YWxp\\nY2U=\"", "alice");
    user_is("!!binary \"YWxp\\r\\nY2U=\\n\"", "alice");
    user_is("!!binary \"YQ=\\n=\"", "a");
    /* padding: none after one character of a group, two after two, nothing after it */
    fails_with("!!binary Y===", "yaml: !!binary value contains invalid base64 data");
    fails_with("!!binary YQ=", "yaml: !!binary value contains invalid base64 data");
    fails_with("!!binary YQ==YQ==", "yaml: !!binary value contains invalid base64 data");
    fails_with("!!binary \"YQ== \"", "yaml: !!binary value contains invalid base64 data"); /* a space is no break */
}
END_TEST

START_TEST(tags)
{
    user_is("!!str 12", "12");
    user_is("!!timestamp 2001-12-14", "2001-12-14");
    user_is("!<tag:yaml.org,2002:str> bob", "bob");
    fails_with("!!int abc", "yaml: cannot decode !!str `abc` as a !!int");
    fails_with("!<tag:yaml.org,2002:int> abc", "yaml: cannot decode !!str `abc` as a !!int");
    fails_with("!!bool 1", "yaml: cannot decode !!int `1` as a !!bool");
    fails_with("!!timestamp abc", "yaml: cannot decode !!str `abc` as a !!timestamp");
    fails_with("!!timestamp 2001/12/14", "yaml: cannot decode !!str `2001/12/14` as a !!timestamp");
    fails_with("!!float yes", "yaml: cannot decode !!bool `yes` as a !!float");
    fails_with("!!float ~", "yaml: cannot decode !!null `~` as a !!float");
    fails_with("!!int ~", "yaml: cannot decode !!null `~` as a !!int");
    fails_with("!!int 1.5", "yaml: cannot decode !!float `1.5` as a !!int");
    fails_with("!!bool .inf", "yaml: cannot decode !!float `.inf` as a !!bool");
    /* a number where a string is wanted, through its tag */
    fails_with("!!float 3", "cannot unmarshal number into Go struct field PolicyRule.rules.users of type string");
}
END_TEST

static void generation(const char *value, int ok, const char *shown)
{
    char text[512];
    snprintf(text, sizeof text,
             "apiVersion: audit.k8s.io/v1\nkind: Policy\nmetadata:\n  generation: %s\nrules:\n- level: None\n", value);
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int rc = load(text, &p, &d);
    kap_policy_free(p);
    if (ok) {
        ck_assert_msg(rc == KAP_OK, "generation: %s: %s", value,
                      kap_diagnostics_error_text(d) ? kap_diagnostics_error_text(d) : "");
    } else {
        ck_assert_int_eq(rc, KAP_EINVALID);
        ck_assert_msg(strstr(kap_diagnostics_error_text(d), shown), "generation: %s: '%s' not in '%s'", value, shown,
                      kap_diagnostics_error_text(d));
    }
    kap_diagnostics_free(d);
}

START_TEST(numbers)
{
    /* integers: signs, base prefixes in either case, underscores */
    generation("0X1F", 1, NULL);
    generation("+0x1f", 1, NULL);
    generation("-0x1F", 1, NULL);
    generation("0o17", 1, NULL);
    generation("0O17", 1, NULL);
    /* a leading 0 alone is octal too: 21 sevens are 2^63 - 1, an int64
     * (as decimal or as a float, 7.8e20 would not fit) */
    generation("0777777777777777777777", 1, NULL);
    generation("0b101", 1, NULL);
    generation("0B101", 1, NULL);
    generation("-0b1", 1, NULL);
    generation("1_000", 1, NULL);
    generation("+12", 1, NULL);
    /* floats with an integral value become integers in the JSON */
    generation("1.5e+3", 1, NULL);
    generation("-1E2", 1, NULL);
    generation("!!float 3", 1, NULL);
    generation("+.5e1", 1, NULL);
    /* and the others do not fit an int64 */
    generation("1.5e-3", 0, "cannot unmarshal number 0.0015 into Go struct field");
    generation("-.5", 0, "cannot unmarshal number -0.5 into Go struct field");
    generation("2.5E+0", 0, "cannot unmarshal number 2.5 into Go struct field");
    /* not numbers: strings */
    generation("0x", 0, "cannot unmarshal string into Go struct field");
    generation("0b2", 0, "cannot unmarshal string into Go struct field");
    generation("1e", 0, "cannot unmarshal string into Go struct field");
    generation("1.5e+", 0, "cannot unmarshal string into Go struct field");
    generation("+", 0, "cannot unmarshal string into Go struct field");
    /* special floats and booleans */
    generation("yes", 0, "cannot unmarshal bool into Go struct field");
    generation("Off", 0, "cannot unmarshal bool into Go struct field");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cov_yaml");
    TCase *tc = tcase_create("yaml");
    tcase_add_test(tc, binary);
    tcase_add_test(tc, tags);
    tcase_add_test(tc, numbers);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
