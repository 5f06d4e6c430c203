/* Policy loading (src/decode.c) where kube-apiserver's Go libraries decide
 * in ways easy to get wrong: JSON is recognised after any unicode.IsSpace
 * rune (k8s.io/apimachinery's hasJSONPrefix), apiVersion and kind are found
 * with bytes.EqualFold (which folds U+212A KELVIN SIGN to k and U+017F
 * LONG S to s; the last match wins, as in encoding/json), and int64 fields
 * take what strconv.ParseInt(s, 10, 64) takes. The expected texts are Go's
 * messages for these cases, written out by hand. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kap.h"

static int load(const char *text, kap_diagnostics **d)
{
    kap_options o;
    kap_options_init(&o);
    o.kube_minor = 36;
    kap_policy *p = NULL;
    int rc = kap_policy_load_buffer(&p, text, strlen(text), "p", &o, d);
    kap_policy_free(p);
    return rc;
}

static void fails_with(const char *text, const char *part)
{
    kap_diagnostics *d = NULL;
    ck_assert_int_eq(load(text, &d), KAP_EINVALID);
    const char *e = kap_diagnostics_error_text(d);
    ck_assert_msg(e && strstr(e, part), "'%s' not in '%s'", part, e ? e : "(none)");
    kap_diagnostics_free(d);
}

#define JSON_POLICY "{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Policy\",\"rules\":[{\"level\":\"None\"}]}"

START_TEST(json_after_unicode_spaces)
{
    /* Each of these is a space to unicode.IsSpace: the text is taken as
     * JSON, and Go's JSON scanner then stops at the first byte, which its
     * message shows as the Latin-1 character of that byte. */
    static const struct {
        const char *prefix, *shown;
    } spaces[] = {
        {"\xc2\x85", "'\xc3\x82'"},         /* U+0085 NEL: byte 0xC2, shown as 'Â' */
        {"\xc2\xa0", "'\xc3\x82'"},         /* U+00A0 NO-BREAK SPACE */
        {"\xe1\x9a\x80", "'\xc3\xa1'"},     /* U+1680 OGHAM SPACE MARK: 0xE1, 'á' */
        {"\xe2\x80\x80", "'\xc3\xa2'"},     /* U+2000 EN QUAD: 0xE2, 'â' */
        {"\xe2\x80\x8a", "'\xc3\xa2'"},     /* U+200A HAIR SPACE */
        {"\xe2\x80\xa8", "'\xc3\xa2'"},     /* U+2028 LINE SEPARATOR */
        {"\xe2\x80\xa9", "'\xc3\xa2'"},     /* U+2029 PARAGRAPH SEPARATOR */
        {"\xe2\x80\xaf", "'\xc3\xa2'"},     /* U+202F NARROW NO-BREAK SPACE */
        {"\xe2\x81\x9f", "'\xc3\xa2'"},     /* U+205F MEDIUM MATHEMATICAL SPACE */
        {"\xe3\x80\x80", "'\xc3\xa3'"},     /* U+3000 IDEOGRAPHIC SPACE: 0xE3, 'ã' */
        /* JSON's own spaces first: skipped by the scanner too */
        {" \t\r\n\xe3\x80\x80", "'\xc3\xa3'"},
        /* \v and \f are spaces to unicode.IsSpace, not to JSON */
        {"\v", "'\\v'"},
        {"\f", "'\\f'"},
    };
    for (size_t i = 0; i < sizeof spaces / sizeof spaces[0]; i++) {
        char text[512], want[128];
        snprintf(text, sizeof text, "%s%s", spaces[i].prefix, JSON_POLICY);
        snprintf(want, sizeof want, "couldn't get version/kind; json parse error: invalid character %s looking for "
                                    "beginning of value",
                 spaces[i].shown);
        fails_with(text, want);
    }
    /* plain ASCII spaces before the brace: JSON that loads */
    kap_diagnostics *d = NULL;
    ck_assert_int_eq(load(" \t\r\n" JSON_POLICY, &d), KAP_OK);
    kap_diagnostics_free(d);
    /* not spaces: U+200B ZERO WIDTH SPACE, U+2030, U+200B cut short. The
     * text is YAML then: a string, which cannot be a Policy */
    fails_with("\xe2\x80\x8b" JSON_POLICY, "json: cannot unmarshal string into Go value of type struct");
    fails_with("\xe2\x80\xb0" JSON_POLICY, "json: cannot unmarshal string into Go value of type struct");
    /* libyaml's reader on the bytes then: a sequence cut by the end, or
     * by a byte that cannot continue it */
    fails_with("\xe2\x80\x8b" "\xe2", "yaml: incomplete UTF-8 octet sequence");
    fails_with("\xe2\x80\x8b" "\xe2" JSON_POLICY, "yaml: invalid trailing UTF-8 octet");
}
END_TEST

START_TEST(version_and_kind_fold_case)
{
    kap_diagnostics *d = NULL;
    /* "apiVerſion" (long s) and "KIND" are apiVersion and kind to EqualFold */
    ck_assert_int_eq(load("apiVer\xc5\xbfion: audit.k8s.io/v1\nKIND: Policy\nrules:\n- level: None\n", &d), KAP_OK);
    kap_diagnostics_free(d);
    d = NULL;
    /* "\u212Aind" (Kelvin sign) is kind */
    ck_assert_int_eq(load("apiVersion: audit.k8s.io/v1\n\xe2\x84\xaaind: Policy\nrules:\n- level: None\n", &d), KAP_OK);
    kap_diagnostics_free(d);
    d = NULL;
    /* a Kelvin sign alone is not kind: the real one still counts */
    ck_assert_int_eq(load("apiVersion: audit.k8s.io/v1\nkind: Policy\n\xe2\x84\xaa: x\nrules:\n- level: None\n", &d),
                     KAP_OK);
    kap_diagnostics_free(d);
    /* the last of two matching keys wins: Event, which is not a Policy */
    fails_with("apiVersion: audit.k8s.io/v1\nkind: Policy\n\xe2\x84\xaaind: Event\nrules:\n- level: None\n",
               "converting (v1.Event) to (audit.Policy): unknown conversion");
    /* "apiVer\u017Eion" (z caron, C5 BE: the byte after the long s's C5
     * is not BF) is not apiVersion: the v9 after the real one is only an
     * unknown field */
    d = NULL;
    ck_assert_int_eq(load("apiVersion: audit.k8s.io/v1\nkind: Policy\napiVer\xc5\xbe"
                          "ion: audit.k8s.io/v9\nrules:\n- level: None\n",
                          &d),
                     KAP_OK);
    kap_diagnostics_free(d);
    /* "ki\xc5\xbfd" is not kind (ſ folds to s, not n): no kind at all,
     * which kube-apiserver takes from the type it decodes into */
    d = NULL;
    ck_assert_int_eq(load("apiVersion: audit.k8s.io/v1\nki\xc5\xbf" "d: Policy\nrules:\n- level: None\n", &d), KAP_OK);
    kap_diagnostics_free(d);
    /* non-ASCII bytes that fold to nothing, and a key one byte short */
    d = NULL;
    ck_assert_int_eq(load("apiVersion: audit.k8s.io/v1\nkind: Policy\nkin\xc3\xa9: x\nkin: y\nrules:\n- level: None\n", &d),
                     KAP_OK);
    kap_diagnostics_free(d);
}
END_TEST

static void generation(const char *value, int ok, const char *shown)
{
    char text[512];
    snprintf(text, sizeof text,
             "apiVersion: audit.k8s.io/v1\nkind: Policy\nmetadata:\n  generation: %s\nrules:\n- level: None\n", value);
    if (ok) {
        kap_diagnostics *d = NULL;
        ck_assert_msg(load(text, &d) == KAP_OK, "generation %s: %s", value,
                      kap_diagnostics_error_text(d) ? kap_diagnostics_error_text(d) : "");
        kap_diagnostics_free(d);
        return;
    }
    char want[256];
    snprintf(want, sizeof want, "json: cannot unmarshal number %s into Go struct field ObjectMeta.metadata.generation of type int64",
             shown);
    fails_with(text, want);
}

START_TEST(int64_fields)
{
    generation("0", 1, NULL);
    generation("-5", 1, NULL);
    generation("9223372036854775807", 1, NULL);
    generation("-9223372036854775808", 1, NULL);
    generation("1000000000000000000", 1, NULL);
    /* one past int64's top: YAML reads it as uint64, JSON then holds it whole */
    generation("9223372036854775808", 0, "9223372036854775808");
    generation("9300000000000000000", 0, "9300000000000000000");
    generation("12345678901234567890", 0, "12345678901234567890");
    /* one past int64's bottom: a float64 for YAML, printed as Go prints one */
    generation("-9223372036854775809", 0, "-9223372036854776000");
    generation("1.5", 0, "1.5");
    /* 1e3 is a float to YAML, 1000 in the JSON sigs.k8s.io/yaml writes: an integer */
    generation("1e3", 1, NULL);
    generation("1e30", 0, "1e+30");
    /* null is no value */
    generation("null", 1, NULL);
    fails_with("apiVersion: audit.k8s.io/v1\nkind: Policy\nmetadata:\n  generation: \"3\"\nrules:\n- level: None\n",
               "json: cannot unmarshal string into Go struct field ObjectMeta.metadata.generation of type int64");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cov_decode");
    TCase *tc = tcase_create("decode");
    tcase_add_test(tc, json_after_unicode_spaces);
    tcase_add_test(tc, version_and_kind_fold_case);
    tcase_add_test(tc, int64_fields);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
