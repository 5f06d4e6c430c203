/* Releases 1.24 to 1.36: the table of what changed when, Go's printers as
 * kube-apiserver's binaries print, map keys of every YAML type, the other
 * kinds the audit scheme decodes, time parsing, and every release vector of
 * ../shared/conformance/versions. Expected texts follow the spec
 * (semantics.md section 7) and Go's documented behaviour (fmt, strconv,
 * encoding/json, time), not this code's output.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "helpers.h"
#include "internal.h"

#define HDR "apiVersion: audit.k8s.io/v1\nkind: Policy\n"
#define RULE "rules:\n- level: None\n"

static const char *versions_dir;

/* ---- loading under a release --------------------------------------------- */

typedef struct outcome {
    int rc;
    char error[8192];   /* "" when it loads */
    char warning[8192]; /* "" when none */
} outcome;

static outcome load_as(unsigned minor, const char *text, size_t len)
{
    outcome o;
    kap_options opts;
    kap_options_init(&opts);
    opts.kube_minor = minor;
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    o.rc = kap_policy_load_buffer(&p, text, len, "v.yaml", &opts, &d);
    const char *e = kap_diagnostics_error_text(d), *w = kap_diagnostics_warning_text(d);
    snprintf(o.error, sizeof o.error, "%s", e ? e : "");
    snprintf(o.warning, sizeof o.warning, "%s", w ? w : "");
    kap_policy_free(p);
    kap_diagnostics_free(d);
    return o;
}

static const char *err_as(unsigned minor, const char *text)
{
    static outcome o;
    o = load_as(minor, text, strlen(text));
    return o.error;
}

static const char *warn_as(unsigned minor, const char *text)
{
    static outcome o;
    o = load_as(minor, text, strlen(text));
    return o.warning;
}

#define ERR_IS(minor, text, want) ck_assert_str_eq(err_as(minor, text), want)

/* ---- the table of releases -------------------------------------------------- */

static int has(unsigned minor, kap_change c) { return (release_changes(minor) >> c) & 1u; }

START_TEST(release_table)
{
    /* first and last release of each change, as section 0 and 7 date them */
    static const struct {
        kap_change c;
        unsigned first, last;
    } rows[] = {
        {KC_OBJECTMETA_CLUSTERNAME, 24, 24},    {KC_LENIENT_FALLBACK, 26, 36},
        {KC_LISTOPTIONS_SEND_INITIAL_EVENTS, 27, 36}, {KC_GO_UNICODE_15, 29, 36},
        {KC_GO_JSON_SHORT_ESCAPES, 30, 36},     {KC_YAML_MAPKEY_LOWERCASE, 31, 36},
        {KC_DELETEOPTIONS_IGNORE_READ_ERROR, 32, 36}, {KC_FIELD_VALUE_JSON, 34, 36},
        {KC_GROUP_WILDCARD, 36, 36},            {KC_LISTMETA_SHARDINFO, 36, 36},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (unsigned m = KAP_KUBE_MINOR_MIN; m <= KAP_KUBE_MINOR_MAX; m++)
            ck_assert_msg(has(m, rows[i].c) == (m >= rows[i].first && m <= rows[i].last), "change %d in 1.%u",
                          (int)rows[i].c, m);
    /* Go 1.18-1.20 (1.24-1.28): Unicode 13 and \u0008; Go 1.21 (1.29); Go 1.22+ (1.30+) */
    ck_assert_uint_eq(release_gofmt(release_changes(28)), GOFMT_UNICODE13 | GOFMT_JSON_LONG_ESCAPES);
    ck_assert_uint_eq(release_gofmt(release_changes(29)), GOFMT_JSON_LONG_ESCAPES);
    ck_assert_uint_eq(release_gofmt(release_changes(30)), 0);
    ck_assert_uint_eq(release_gofmt(release_changes(36)), 0);
}
END_TEST

/* ---- Go's printers ------------------------------------------------------------ */

typedef void (*quote_fn)(kap_buf *, const char *, size_t, unsigned int);

static const char *quoted(quote_fn f, const char *s, size_t n, unsigned flags)
{
    static char out[512];
    kap_buf b = {0};
    f(&b, s, n, flags);
    ck_assert(!b.oom);
    snprintf(out, sizeof out, "%s", buf_cstr(&b));
    buf_free(&b);
    return out;
}

#define GOQ(lit, flags) quoted(go_quote_as, lit, sizeof(lit) - 1, flags)
#define JSQ(lit, flags) quoted(json_quote_as, lit, sizeof(lit) - 1, flags)

START_TEST(strconv_quote)
{
    /* strconv.Quote: Go escapes, \xNN below space and for DEL */
    ck_assert_str_eq(GOQ("a\x01" "b", 0), "\"a\\x01b\"");
    ck_assert_str_eq(GOQ("\x7f", 0), "\"\\x7f\"");
    ck_assert_str_eq(GOQ("\a\b\f\n\r\t\v", 0), "\"\\a\\b\\f\\n\\r\\t\\v\"");
    ck_assert_str_eq(GOQ("\"\\'", 0), "\"\\\"\\\\'\"");
    ck_assert_str_eq(GOQ("<a&b>", 0), "\"<a&b>\"");
    /* bytes that are not UTF-8, one \xNN each (a surrogate's encoding too) */
    ck_assert_str_eq(GOQ("\xff", 0), "\"\\xff\"");
    ck_assert_str_eq(GOQ("\xe2\x82", 0), "\"\\xe2\\x82\"");
    ck_assert_str_eq(GOQ("\xed\xa0\x80", 0), "\"\\xed\\xa0\\x80\"");
    ck_assert_str_eq(GOQ("\xc0\xaf", 0), "\"\\xc0\\xaf\""); /* overlong */
    /* runes that are not printable: \u, \U above the BMP */
    ck_assert_str_eq(GOQ("\xc2\x80", 0), "\"\\u0080\"");         /* C1 control */
    ck_assert_str_eq(GOQ("\xc2\xa0", 0), "\"\\u00a0\"");         /* no-break space */
    ck_assert_str_eq(GOQ("\xc2\xad", 0), "\"\\u00ad\"");         /* soft hyphen */
    ck_assert_str_eq(GOQ("\xe2\x80\x8b", 0), "\"\\u200b\"");     /* zero width space */
    ck_assert_str_eq(GOQ("\xe2\x80\xa8", 0), "\"\\u2028\"");     /* line separator */
    ck_assert_str_eq(GOQ("\xef\xbb\xbf", 0), "\"\\ufeff\"");     /* byte-order mark */
    ck_assert_str_eq(GOQ("\xee\x80\x80", 0), "\"\\ue000\"");     /* private use */
    ck_assert_str_eq(GOQ("\xf4\x8f\xbf\xbf", 0), "\"\\U0010ffff\""); /* unassigned */
    ck_assert_str_eq(GOQ("\xf3\xa0\x80\x81", 0), "\"\\U000e0001\""); /* language tag */
    /* printable runes as they are */
    ck_assert_str_eq(GOQ("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80", 0), "\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80\"");
    /* Unicode 14.0 and 15.0 runes: printable to Go 1.21 on, unassigned to Go 1.16-1.20 */
    ck_assert_str_eq(GOQ("\xf0\x9f\xab\xa0", 0), "\"\xf0\x9f\xab\xa0\""); /* U+1FAE0, 14.0 */
    ck_assert_str_eq(GOQ("\xf0\x9f\xab\xa0", GOFMT_UNICODE13), "\"\\U0001fae0\"");
    ck_assert_str_eq(GOQ("\xe0\xb3\xb3", 0), "\"\xe0\xb3\xb3\""); /* U+0CF3, 15.0 */
    ck_assert_str_eq(GOQ("\xe0\xb3\xb3", GOFMT_UNICODE13), "\"\\u0cf3\"");
    ck_assert_str_eq(GOQ("\xd8\x9d", GOFMT_UNICODE13), "\"\\u061d\""); /* U+061D, 14.0 */
    /* assigned in 13.0: printable either way */
    ck_assert_str_eq(GOQ("\xf0\x9f\xa5\xb2", GOFMT_UNICODE13), "\"\xf0\x9f\xa5\xb2\""); /* U+1F972 */
    ck_assert_int_eq(go_is_print(0x20, 0), 1);
    ck_assert_int_eq(go_is_print(0x110000, 0), 0);
    /* json's quoteChar for syntax errors */
    kap_buf b = {0};
    go_quote_char(&b, 'x');
    go_quote_char(&b, '\'');
    go_quote_char(&b, '"');
    go_quote_char(&b, 0x01);
    ck_assert_str_eq(buf_cstr(&b), "'x''\\'''\"''\\x01'");
    buf_free(&b);
    ck_assert_str_eq(quoted(go_quote_as, "", 0, 0), "\"\"");
    b = (kap_buf){0};
    go_quote(&b, "\xf0\x9f\xab\xa0", 4); /* the newest Go */
    ck_assert_str_eq(buf_cstr(&b), "\"\xf0\x9f\xab\xa0\"");
    buf_free(&b);
}
END_TEST

START_TEST(json_encoder)
{
    /* encoding/json with its HTML escaping */
    ck_assert_str_eq(JSQ("<a>&", 0), "\"\\u003ca\\u003e\\u0026\"");
    ck_assert_str_eq(JSQ("\"\\", 0), "\"\\\"\\\\\"");
    ck_assert_str_eq(JSQ("\n\r\t", 0), "\"\\n\\r\\t\"");
    ck_assert_str_eq(JSQ("\x01\x1f", 0), "\"\\u0001\\u001f\"");
    /* Go 1.22 writes \b and \f short; before, as \u escapes */
    ck_assert_str_eq(JSQ("a\bb\fc", 0), "\"a\\bb\\fc\"");
    ck_assert_str_eq(JSQ("a\bb\fc", GOFMT_JSON_LONG_ESCAPES), "\"a\\u0008b\\u000cc\"");
    /* DEL and printable or not, runes are kept; U+2028/9 escaped; bad bytes U+FFFD */
    ck_assert_str_eq(JSQ("\x7f", 0), "\"\x7f\"");
    ck_assert_str_eq(JSQ("\xc2\xa0\xc3\xa9", 0), "\"\xc2\xa0\xc3\xa9\"");
    ck_assert_str_eq(JSQ("\xe2\x80\xa8\xe2\x80\xa9", 0), "\"\\u2028\\u2029\"");
    ck_assert_str_eq(JSQ("a\xff" "b", 0), "\"a\\ufffdb\"");
    ck_assert_str_eq(JSQ("\x80", 0), "\"\\ufffd\""); /* the first byte that is not ASCII */
    ck_assert_str_eq(JSQ("\xe2\x82", 0), "\"\\ufffd\\ufffd\"");
    kap_buf b = {0};
    json_quote(&b, "\b", 1); /* the newest Go */
    ck_assert_str_eq(buf_cstr(&b), "\"\\b\"");
    buf_free(&b);
}
END_TEST

static const char *list_text(int json, unsigned flags, size_t n, ...)
{
    static char out[256];
    kstr items[8];
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        items[i].s = va_arg(ap, const char *);
        items[i].len = strlen(items[i].s);
    }
    va_end(ap);
    kstrlist l = {items, n, 0, 0};
    kap_buf b = {0};
    if (json)
        json_strlist(&b, &l, flags);
    else
        go_sharpv_strlist(&b, &l, flags);
    snprintf(out, sizeof out, "%s", buf_cstr(&b));
    buf_free(&b);
    return out;
}

START_TEST(string_lists)
{
    /* fmt's %#v of a []string; json.Marshal of it */
    ck_assert_str_eq(list_text(0, 0, 2, "/x", "/y"), "[]string{\"/x\", \"/y\"}");
    ck_assert_str_eq(list_text(0, 0, 1, "a\x01<"), "[]string{\"a\\x01<\"}");
    ck_assert_str_eq(list_text(0, 0, 0), "[]string{}");
    ck_assert_str_eq(list_text(1, 0, 2, "/x", "/y"), "[\"/x\",\"/y\"]");
    ck_assert_str_eq(list_text(1, 0, 1, "<\b"), "[\"\\u003c\\b\"]");
    ck_assert_str_eq(list_text(1, 0, 0), "[]");
}
END_TEST

static const char *float_g(double v, int bits)
{
    static char out[64];
    kap_buf b = {0};
    go_format_float_g(&b, v, bits);
    snprintf(out, sizeof out, "%s", buf_cstr(&b));
    buf_free(&b);
    return out;
}

static const char *float_json(double v)
{
    static char out[64];
    kap_buf b = {0};
    go_format_float(&b, v);
    snprintf(out, sizeof out, "%s", buf_cstr(&b));
    buf_free(&b);
    return out;
}

START_TEST(float_formats)
{
    /* strconv.FormatFloat(v, 'g', -1, 64): shortest, %e below 1e-4 and from 1e6 */
    ck_assert_str_eq(float_g(1.5, 64), "1.5");
    ck_assert_str_eq(float_g(100000, 64), "100000");
    ck_assert_str_eq(float_g(1e6, 64), "1e+06");
    ck_assert_str_eq(float_g(123456789, 64), "1.23456789e+08");
    ck_assert_str_eq(float_g(0.0001, 64), "0.0001");
    ck_assert_str_eq(float_g(0.00001, 64), "1e-05");
    ck_assert_str_eq(float_g(0.1, 64), "0.1");
    ck_assert_str_eq(float_g(1e21, 64), "1e+21");
    ck_assert_str_eq(float_g(1e100, 64), "1e+100");
    ck_assert_str_eq(float_g(0, 64), "0");
    ck_assert_str_eq(float_g(-0.0, 64), "-0");
    ck_assert_str_eq(float_g(-2.5, 64), "-2.5");
    ck_assert_str_eq(float_g(NAN, 64), "NaN");
    ck_assert_str_eq(float_g(INFINITY, 64), "+Inf");
    ck_assert_str_eq(float_g(-INFINITY, 64), "-Inf");
    /* 32 bits: the float32's shortest digits */
    ck_assert_str_eq(float_g(0.1, 32), "0.1");
    ck_assert_str_eq(float_g(1.1, 32), "1.1");
    ck_assert_str_eq(float_g(16777217, 32), "1.6777216e+07");
    ck_assert_str_eq(float_g(1234567.0, 32), "1.234567e+06");
    /* past float32's range the float32 is an infinity (a YAML key 1e300
     * in a policy; the digits were read from "inf", past the buffer) */
    ck_assert_str_eq(float_g(1e300, 32), "+Inf");
    ck_assert_str_eq(float_g(-1e300, 32), "-Inf");
    ck_assert_str_eq(float_g(3e38, 32), "3e+38");
    ck_assert_str_eq(float_g(1e-300, 32), "0");
    ck_assert_str_eq(float_g(-1e-300, 32), "-0");
    /* encoding/json: %f from 1e-6 to 1e21, e-07 written e-7 */
    ck_assert_str_eq(float_json(1e6), "1000000");
    ck_assert_str_eq(float_json(1e20), "100000000000000000000");
    ck_assert_str_eq(float_json(1e21), "1e+21");
    ck_assert_str_eq(float_json(1e-7), "1e-7");
    ck_assert_str_eq(float_json(0.000001), "0.000001");
    ck_assert_str_eq(float_json(-0.0), "-0");
    ck_assert_str_eq(float_json(2.5e-10), "2.5e-10");
}
END_TEST

/* ---- map keys and values in Go syntax ----------------------------------------- */

/* the value part of the unsupported-map-key message for "~: <yaml>" */
static const char *nil_key_value(const char *yaml_value)
{
    static char out[8192];
    char doc[4096];
    snprintf(doc, sizeof doc, HDR RULE "~: %s\n", yaml_value);
    const char *e = err_as(36, doc);
    const char *v = strstr(e, ", value: ");
    ck_assert_msg(strncmp(e, "failed decoding: unsupported map key of type: %!s(<nil>), key: <nil>, value: ", 77) == 0,
                  "%s", e);
    snprintf(out, sizeof out, "%s", v ? v + 9 : e);
    return out;
}

START_TEST(go_syntax_values)
{
    /* fmt's %+#v of what go-yaml decodes into interface{} */
    ck_assert_str_eq(nil_key_value("x"), "\"x\"");
    ck_assert_str_eq(nil_key_value("\"a\\x01\\u00a0<\""), "\"a\\x01\\u00a0<\"");
    ck_assert_str_eq(nil_key_value("!!binary /w=="), "\"\\xff\"");
    ck_assert_str_eq(nil_key_value("5"), "5");
    ck_assert_str_eq(nil_key_value("-0x10"), "-16");
    ck_assert_str_eq(nil_key_value("9223372036854775807"), "9223372036854775807");
    ck_assert_str_eq(nil_key_value("9223372036854775808"), "0x8000000000000000"); /* uint64 */
    ck_assert_str_eq(nil_key_value("18446744073709551615"), "0xffffffffffffffff");
    ck_assert_str_eq(nil_key_value("1.5"), "1.5");
    ck_assert_str_eq(nil_key_value("1e6"), "1e+06");
    ck_assert_str_eq(nil_key_value("-.inf"), "-Inf");
    ck_assert_str_eq(nil_key_value(".nan"), "NaN");
    ck_assert_str_eq(nil_key_value("yes"), "true");
    ck_assert_str_eq(nil_key_value("~"), "<nil>");
    ck_assert_str_eq(nil_key_value("[]"), "[]interface {}{}");
    ck_assert_str_eq(nil_key_value("{}"), "map[interface {}]interface {}{}");
    ck_assert_str_eq(nil_key_value("[a, ~, 1, [2]]"), "[]interface {}{\"a\", interface {}(nil), 1, []interface {}{2}}");
    /* maps: keys sorted, ints by value, strings by bytes */
    ck_assert_str_eq(nil_key_value("{b: 1, a: [x]}"), "map[interface {}]interface {}{\"a\":[]interface {}{\"x\"}, \"b\":1}");
    ck_assert_str_eq(nil_key_value("{10: x, 2: w, -1: z}"), "map[interface {}]interface {}{-1:\"z\", 2:\"w\", 10:\"x\"}");
    ck_assert_str_eq(nil_key_value("{2.5: x, .nan: w, 1: z}"),
                     "map[interface {}]interface {}{NaN:\"w\", 2.5:\"x\", 1:\"z\"}");
    /* keys of different types: fmtsort orders them by their type's
     * descriptor address, which this library takes as bool < float64 < int
     * < string < uint64 (the linker's order of the names; a documented
     * choice, not an observed one) */
    ck_assert_str_eq(nil_key_value("{b: 1, 1: 2, true: 3, 1.5: 4, 18446744073709551615: 5}"),
                     "map[interface {}]interface {}{true:3, 1.5:4, 1:2, \"b\":1, 0xffffffffffffffff:5}");
    ck_assert_str_eq(nil_key_value("{a: 1, ~: 2}"), "map[interface {}]interface {}{interface {}(nil):2, \"a\":1}");
    ck_assert_str_eq(nil_key_value("{true: a, false: b}"), "map[interface {}]interface {}{false:\"b\", true:\"a\"}");
    ck_assert_str_eq(nil_key_value("{2.5: a, .nan: b, 0.5: c, .nan: b}"),
                     "map[interface {}]interface {}{NaN:\"b\", NaN:\"b\", 0.5:\"c\", 2.5:\"a\"}");
    ck_assert_str_eq(nil_key_value("{18446744073709551615: a, 9223372036854775808: b}"),
                     "map[interface {}]interface {}{0x8000000000000000:\"b\", 0xffffffffffffffff:\"a\"}");
    ck_assert_str_eq(nil_key_value("{ab: 1, a: 2, \"\": 3}"), "map[interface {}]interface {}{\"\":3, \"a\":2, \"ab\":1}");
    ck_assert_str_eq(nil_key_value("[true, false]"), "[]interface {}{true, false}");
    /* keys that are one JSON key but two Go map keys */
    ck_assert_str_eq(nil_key_value("{1: a, \"1\": b, true: c, \"true\": d}"),
                     "map[interface {}]interface {}{true:\"c\", 1:\"a\", \"1\":\"b\", \"true\":\"d\"}");
    /* a map of 17 keys, given backwards */
    char big[512] = "{", want[1024] = "map[interface {}]interface {}{";
    for (int i = 17; i >= 1; i--)
        snprintf(big + strlen(big), sizeof big - strlen(big), "k%02d: %d%s", i, i, i > 1 ? ", " : "}");
    for (int i = 1; i <= 17; i++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "\"k%02d\":%d%s", i, i, i < 17 ? ", " : "}");
    ck_assert_str_eq(nil_key_value(big), want);
    /* go-yaml's "0b" fallbacks: a sign after the prefix */
    ck_assert_str_eq(nil_key_value("0b+101"), "5");
    ck_assert_str_eq(nil_key_value("0b-101"), "-5");
    ck_assert_str_eq(nil_key_value("-0b101"), "-5");
    ck_assert_str_eq(nil_key_value("-0b+1"), "\"-0b+1\"");
    ck_assert_str_eq(nil_key_value("0b-1000000000000000000000000000000000000000000000000000000000000000"),
                     "-9223372036854775808");
    ck_assert_str_eq(nil_key_value("0b+1111111111111111111111111111111111111111111111111111111111111111"),
                     "\"0b+1111111111111111111111111111111111111111111111111111111111111111\"");
    ck_assert_str_eq(nil_key_value("0b+11111111111111111111111111111111111111111111111111111111111111111"),
                     "\"0b+11111111111111111111111111111111111111111111111111111111111111111\"");
    /* a uint64 is no float: !!float refuses it */
    ERR_IS(36, HDR RULE "x: !!float 18446744073709551615\n",
           "failed decoding: yaml: cannot decode !!int `18446744073709551615` as a !!float");
    /* merged and overridden keys: the map as go-yaml built it */
    ck_assert_str_eq(nil_key_value("{<<: {a: 1, b: 2}, b: 3}"), "map[interface {}]interface {}{\"a\":1, \"b\":3}");
}
END_TEST

START_TEST(map_keys)
{
    /* ints, floats and bools become strings (float keys as float32 'g') */
    ck_assert_str_eq(warn_as(36, HDR RULE "12: x\n0x10: x\n1.5: x\n1e6: x\nno: x\n"),
                     "Audit policy contains errors, falling back to lenient decoding: strict decoding error: "
                     "unknown field \"1.5\", unknown field \"12\", unknown field \"16\", unknown field \"1e+06\", "
                     "unknown field \"false\"");
    ck_assert_str_eq(warn_as(36, HDR RULE ".inf: x\n-.inf: y\n.nan: z\n.nan: w\n"),
                     "Audit policy contains errors, falling back to lenient decoding: strict decoding error: "
                     "unknown field \"-.inf\", unknown field \".inf\", unknown field \".nan\"");
    /* nil and uint64 keys stop the load; "Unsupported" before 1.31 */
    ERR_IS(31, HDR RULE "~: x\n", "failed decoding: unsupported map key of type: %!s(<nil>), key: <nil>, value: \"x\"");
    ERR_IS(30, HDR RULE "null: x\n", "failed decoding: Unsupported map key of type: %!s(<nil>), key: <nil>, value: \"x\"");
    ERR_IS(24, HDR RULE "9223372036854775808: [a]\n",
           "failed decoding: Unsupported map key of type: uint64, key: 0x8000000000000000, value: []interface {}{\"a\"}");
    ERR_IS(36, HDR RULE "0xffffffffffffffff: ~\n",
           "failed decoding: unsupported map key of type: uint64, key: 0xffffffffffffffff, value: <nil>");
    /* the value the key ends with; an inner map is checked after its key */
    ERR_IS(36, HDR RULE "~: a\nnull: b\n",
           "failed decoding: unsupported map key of type: %!s(<nil>), key: <nil>, value: \"b\"");
    ERR_IS(36, HDR RULE "~: {~: 1}\n",
           "failed decoding: unsupported map key of type: %!s(<nil>), key: <nil>, value: map[interface {}]interface "
           "{}{interface {}(nil):1}");
    ERR_IS(36, HDR "rules:\n- level: None\n  ~: {a: 1}\n",
           "failed decoding: unsupported map key of type: %!s(<nil>), key: <nil>, value: map[interface {}]interface "
           "{}{\"a\":1}");
    /* sequences and mappings as keys: go-yaml refuses them, in %#v */
    ERR_IS(36, HDR RULE "? [a, 1]\n: x\n", "failed decoding: yaml: invalid map key: []interface {}{\"a\", 1}");
    ERR_IS(24, HDR RULE "? {b: [1], a: ~}\n: x\n",
           "failed decoding: yaml: invalid map key: map[interface {}]interface {}{\"a\":interface {}(nil), "
           "\"b\":[]interface {}{1}}");
    /* go-yaml's errors come first: the key conversion runs after it */
    ERR_IS(36, HDR RULE "~: x\nb: *nope\n", "failed decoding: yaml: unknown anchor 'nope' referenced");
    /* a NaN value fails json.Marshal, after the keys; first in key order */
    ERR_IS(36, HDR RULE "b: .nan\na: -.inf\n", "failed decoding: json: unsupported value: -Inf");
    ERR_IS(36, HDR RULE "a: .nan\n~: x\n",
           "failed decoding: unsupported map key of type: %!s(<nil>), key: <nil>, value: \"x\"");
    /* a value overwritten is gone; a NaN key is no error */
    ck_assert_str_eq(err_as(36, HDR RULE "a: .nan\na: 1\n"), "");
    /* duplicate keys in the strict pass, printed with %#v */
    ck_assert_str_eq(warn_as(36, HDR RULE "1e6: a\n1000000.0: b\ntrue: c\nyes: d\n7: e\n0o7: f\n"),
                     "Audit policy contains errors, falling back to lenient decoding: strict decoding error: "
                     "yaml: unmarshal errors:\n  line 6: key 1e+06 already set in map\n  line 8: key true already "
                     "set in map\n  line 10: key 7 already set in map, unknown field \"1e+06\", unknown field "
                     "\"7\", unknown field \"true\"");
    /* -0 and 0 are one key; the first one stays */
    ck_assert_str_eq(warn_as(36, HDR RULE "-0.0: a\n0.0: b\n"),
                     "Audit policy contains errors, falling back to lenient decoding: strict decoding error: "
                     "yaml: unmarshal errors:\n  line 6: key 0 already set in map, unknown field \"-0\"");
    /* NaN keys in a map large enough to be hashed */
    ck_assert_str_eq(warn_as(36, HDR RULE "a: 1\nb: 1\nc: 1\nd: 1\ne: 1\nf: 1\n.nan: 1\n.nan: 2\ng: 1\n.nan: 3\n"),
                     "Audit policy contains errors, falling back to lenient decoding: strict decoding error: "
                     "unknown field \".nan\", unknown field \"a\", unknown field \"b\", unknown field \"c\", "
                     "unknown field \"d\", unknown field \"e\", unknown field \"f\", unknown field \"g\"");
    ck_assert_str_eq(warn_as(28, HDR RULE "\"\\U0001FAE0\": a\n\"\\U0001FAE0\": b\n"),
                     "Audit policy contains errors, falling back to lenient decoding: strict decoding error: "
                     "yaml: unmarshal errors:\n  line 6: key \"\\U0001fae0\" already set in map, unknown field "
                     "\"\\U0001fae0\"");
}
END_TEST

/* ---- validation values by release ------------------------------------------------- */

START_TEST(field_values_by_release)
{
    const char *level = HDR "rules:\n- level: \"<N>\\b\\u00a0\"\n";
    ERR_IS(33, level, "rules[0].level: Unsupported value: \"<N>\\b\\u00a0\": supported values: \"None\", "
                      "\"Metadata\", \"Request\", \"RequestResponse\"");
    ERR_IS(34, level, "rules[0].level: Unsupported value: \"\\u003cN\\u003e\\b\xc2\xa0\": supported values: "
                      "\"None\", \"Metadata\", \"Request\", \"RequestResponse\"");
    const char *urls = HDR "rules:\n- level: None\n  namespaces: [a]\n  nonResourceURLs: [\"/a\", \"/\\x7f\"]\n";
    ERR_IS(24, urls, "rules[0].nonResourceURLs: Invalid value: []string{\"/a\", \"/\\x7f\"}: rules cannot apply to "
                     "both regular resources and non-resource URLs");
    ERR_IS(36, urls, "rules[0].nonResourceURLs: Invalid value: [\"/a\",\"/\x7f\"]: rules cannot apply to both "
                     "regular resources and non-resource URLs");
    /* a plain string with %q in every release, by that release's Unicode */
    const char *group = HDR "rules:\n- level: None\n  resources: [{group: \"\\U0001FAE0\"}]\n";
    const char *msg = ": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
                      "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
                      "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    char want[1024];
    snprintf(want, sizeof want, "rules[0].resources.group: Invalid value: \"\\U0001fae0\"%s", msg);
    ERR_IS(28, group, want);
    snprintf(want, sizeof want, "rules[0].resources.group: Invalid value: \"\xf0\x9f\xab\xa0\"%s", msg);
    ERR_IS(29, group, want);
    /* group "*": refused before 1.36 */
    snprintf(want, sizeof want, "rules[0].resources.group: Invalid value: \"*\"%s", msg);
    ERR_IS(35, HDR "rules:\n- level: None\n  resources: [{group: \"*\"}]\n", want);
    ERR_IS(36, HDR "rules:\n- level: None\n  resources: [{group: \"*\"}]\n", "");
    /* the lenient warning from 1.26 */
    ck_assert_str_eq(warn_as(25, HDR RULE "x: 1\n"), "");
    ck_assert_str_eq(warn_as(26, HDR RULE "x: 1\n"),
                     "Audit policy contains errors, falling back to lenient decoding: strict decoding error: "
                     "unknown field \"x\"");
}
END_TEST

/* ---- other kinds, decoded before they fail to convert ------------------------------ */

#define CONV(kind) "failed decoding: converting (" kind ") to (audit.Policy): unknown conversion"

START_TEST(other_kinds)
{
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: PolicyList\nitems: [{metadata: {labels: {a: 1}}}]\n",
           "failed decoding: json: cannot unmarshal number into Go struct field ObjectMeta.items.metadata.labels of "
           "type string");
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: PolicyList\nitems: [5]\n",
           "failed decoding: json: cannot unmarshal number into Go struct field PolicyList.items of type v1.Policy");
    ERR_IS(30, "apiVersion: audit.k8s.io/v1\nkind: PolicyList\nmetadata: {remainingItemCount: 1.5}\n",
           "failed decoding: json: cannot unmarshal number 1.5 into Go struct field ListMeta.metadata."
           "remainingItemCount of type int64");
    /* unknown fields do not matter; the conversion error wins */
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: PolicyList\nrules: [x]\nitems: [{rules: []}]\n",
           CONV("v1.PolicyList"));
    /* the internal version: Go field names, the list's metadata promoted */
    ERR_IS(36, "apiVersion: audit.k8s.io/__internal\nkind: PolicyList\nresourceVersion: 5\n",
           "failed decoding: json: cannot unmarshal number into Go struct field PolicyList.resourceVersion of type "
           "string");
    ERR_IS(36, "kind: PolicyList\nItems: [{Rules: [{Level: 5}]}]\n",
           "failed decoding: json: cannot unmarshal number into Go struct field PolicyRule.Items.Rules.Level of "
           "type audit.Level");
    ERR_IS(35, "kind: PolicyList\nshardInfo: {selector: 5}\n", CONV("audit.PolicyList"));
    ERR_IS(36, "kind: PolicyList\nshardInfo: {selector: 5}\n",
           "failed decoding: json: cannot unmarshal number into Go struct field ShardInfo.shardInfo.selector of "
           "type string");
    /* audit events */
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: EventList\nitems: [{level: 5}]\n",
           "failed decoding: json: cannot unmarshal number into Go struct field Event.items.level of type v1.Level");
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nuser: {extra: {a: b}}\n",
           "failed decoding: json: cannot unmarshal string into Go struct field UserInfo.user.extra of type "
           "v1.ExtraValue");
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nimpersonatedUser: {extra: {a: [1]}}\n",
           "failed decoding: json: cannot unmarshal number into Go struct field UserInfo.impersonatedUser.extra of "
           "type string");
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nresponseStatus: {code: 3000000000}\n",
           "failed decoding: json: cannot unmarshal number 3000000000 into Go struct field Status.responseStatus.code "
           "of type int32");
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nrequestObject: [1, {a: b}]\nobjectRef: {uid: 1}\n",
           "failed decoding: json: cannot unmarshal number into Go struct field ObjectReference.objectRef.uid of type "
           "types.UID");
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nstageTimestamp: \"2020-01-01T00:00:00Z\"\n",
           "failed decoding: parsing time \"2020-01-01T00:00:00Z\" as \"2006-01-02T15:04:05.000000Z07:00\": "
           "cannot parse \"Z\" as \".000000\"");
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nstageTimestamp: \"2020-01-01T00:00:00.-00001Z\"\n",
           "failed decoding: parsing time \"2020-01-01T00:00:00.-00001Z\": fractional second out of range");
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nstageTimestamp: \"2020-01-01T00:00:00,+12345Z\"\n",
           CONV("v1.Event"));
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nstageTimestamp: \"2020-01-01T00:00:00.-00000Z\"\n",
           CONV("v1.Event"));
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nstageTimestamp: \"2020-01-01T00:00:00x123456Z\"\n",
           "failed decoding: parsing time \"2020-01-01T00:00:00x123456Z\" as \"2006-01-02T15:04:05.000000Z07:00\": "
           "cannot parse \"x123456Z\" as \".000000\"");
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nstageTimestamp: \"2020-01-01T00:00:00.12x456Z\"\n",
           "failed decoding: parsing time \"2020-01-01T00:00:00.12x456Z\" as \"2006-01-02T15:04:05.000000Z07:00\": "
           "cannot parse \".12x456Z\" as \".000000\"");
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nresponseStatus: {code: 2147483647, details: {retryAfterSeconds: -2147483648}}\n",
           CONV("v1.Event"));
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nresponseStatus: {details: {retryAfterSeconds: -2147483649}}\n",
           "failed decoding: json: cannot unmarshal number -2147483649 into Go struct field StatusDetails.responseStatus."
           "details.retryAfterSeconds of type int32");
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nuser: {extra: {a: ~, b: [~, x]}}\n", CONV("v1.Event"));
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nuser: {extra: []}\n",
           "failed decoding: json: cannot unmarshal array into Go struct field UserInfo.user.extra of type "
           "map[string]v1.ExtraValue");
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: Event\nstageTimestamp: 5\n",
           "failed decoding: json: cannot unmarshal number into Go struct field Event.stageTimestamp of type string");
    ERR_IS(36, "kind: Event\nObjectRef: {UID: [1]}\n",
           "failed decoding: json: cannot unmarshal array into Go struct field ObjectReference.ObjectRef.UID of type "
           "types.UID");
    ERR_IS(36, "kind: EventList\nItems: [{RequestReceivedTimestamp: x}]\n",
           "failed decoding: parsing time \"x\" as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse \"x\" as "
           "\"2006\"");
    /* watch events */
    ERR_IS(36, "apiVersion: v1\nkind: WatchEvent\ntype: 5\nobject: [1]\n",
           "failed decoding: json: cannot unmarshal number into Go struct field WatchEvent.type of type string");
    ERR_IS(36, "kind: WatchEvent\nObject: {}\n",
           "failed decoding: json: cannot unmarshal object into Go struct field InternalEvent.Object of type "
           "runtime.Object");
    ERR_IS(36, "kind: WatchEvent\nType: x\nObject: ~\n", CONV("v1.InternalEvent"));
    /* options kinds, fields added by release */
    ERR_IS(26, "apiVersion: audit.k8s.io/v1\nkind: ListOptions\nsendInitialEvents: x\n", CONV("v1.ListOptions"));
    ERR_IS(27, "apiVersion: audit.k8s.io/v1\nkind: ListOptions\nsendInitialEvents: x\n",
           "failed decoding: json: cannot unmarshal string into Go struct field ListOptions.sendInitialEvents of type "
           "bool");
    ERR_IS(31, "apiVersion: v1\nkind: DeleteOptions\nignoreStoreReadErrorWithClusterBreakingPotential: 1\n",
           CONV("v1.DeleteOptions"));
    ERR_IS(32, "apiVersion: v1\nkind: DeleteOptions\nignoreStoreReadErrorWithClusterBreakingPotential: 1\n",
           "failed decoding: json: cannot unmarshal number into Go struct field "
           "DeleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential of type bool");
    ERR_IS(36, "apiVersion: v1\nkind: DeleteOptions\npreconditions: {uid: 1}\n",
           "failed decoding: json: cannot unmarshal number into Go struct field Preconditions.preconditions.uid of "
           "type types.UID");
    ERR_IS(36, "apiVersion: v1\nkind: PatchOptions\nforce: x\n",
           "failed decoding: json: cannot unmarshal string into Go struct field PatchOptions.force of type bool");
    /* a float that is a whole number is written as an integer (json.Marshal) */
    ERR_IS(36, "apiVersion: v1\nkind: ListOptions\nlimit: 1e3\n", CONV("v1.ListOptions"));
    ERR_IS(36, "apiVersion: v1\nkind: ListOptions\nlimit: 1.5\n",
           "failed decoding: json: cannot unmarshal number 1.5 into Go struct field ListOptions.limit of type "
           "int64");
    ERR_IS(36, "apiVersion: audit.k8s.io/v1\nkind: GetOptions\nresourceVersion: [1]\n",
           "failed decoding: json: cannot unmarshal array into Go struct field GetOptions.resourceVersion of type "
           "string");
    ERR_IS(36, "apiVersion: v1\nkind: CreateOptions\ndryRun: [1]\n",
           "failed decoding: json: cannot unmarshal number into Go struct field CreateOptions.dryRun of type string");
    ERR_IS(36, "apiVersion: v1\nkind: UpdateOptions\nfieldManager: true\n",
           "failed decoding: json: cannot unmarshal bool into Go struct field UpdateOptions.fieldManager of type "
           "string");
    /* discovery kinds, under any version */
    ERR_IS(36, "apiVersion: x/y\nkind: Status\ndetails: {causes: [{reason: 1}]}\n",
           "failed decoding: json: cannot unmarshal number into Go struct field StatusCause.details.causes.reason of "
           "type v1.CauseType");
    ERR_IS(36, "apiVersion: v9\nkind: APIGroupList\ngroups: [{preferredVersion: {version: 1}}]\n",
           "failed decoding: json: cannot unmarshal number into Go struct field GroupVersionForDiscovery.groups."
           "preferredVersion.version of type string");
    ERR_IS(36, "apiVersion: v1\nkind: APIResourceList\nresources: [{verbs: get}]\n",
           "failed decoding: json: cannot unmarshal string into Go struct field APIResource.resources.verbs of type "
           "v1.Verbs");
    ERR_IS(36, "apiVersion: v1\nkind: APIVersions\nserverAddressByClientCIDRs: [{clientCIDR: 1}]\n",
           "failed decoding: json: cannot unmarshal number into Go struct field "
           "ServerAddressByClientCIDR.serverAddressByClientCIDRs.clientCIDR of type string");
    ERR_IS(36, "apiVersion: v1\nkind: APIGroup\nversions: {}\n",
           "failed decoding: json: cannot unmarshal object into Go struct field APIGroup.versions of type "
           "[]v1.GroupVersionForDiscovery");
    ERR_IS(36, "apiVersion: v1\nkind: APIGroup\nname: x\n", CONV("v1.APIGroup"));
    /* a kind only the internal version has, with a JSON file */
    ERR_IS(36, "{\"apiVersion\": \"audit.k8s.io/__internal\", \"kind\": \"EventList\", \"remainingItemCount\": \"x\"}",
           "failed decoding: json: cannot unmarshal string into Go struct field EventList.remainingItemCount of type "
           "int64");
}
END_TEST

START_TEST(cluster_name)
{
    /* 1.24's ObjectMeta.clusterName; without apiVersion it is a top-level field */
    ERR_IS(24, HDR "metadata: {clusterName: [a]}\n" RULE,
           "failed decoding: json: cannot unmarshal array into Go struct field ObjectMeta.metadata.clusterName of "
           "type string");
    ERR_IS(24, "kind: Policy\nclusterName: 5\n",
           "failed decoding: json: cannot unmarshal number into Go struct field Policy.clusterName of type string");
    ERR_IS(25, "kind: Policy\nclusterName: 5\n",
           "unknown group version field audit.k8s.io/__internal, Kind=Policy in policy");
    ERR_IS(24, HDR "metadata: {clusterName: a}\n" RULE, "");
}
END_TEST

START_TEST(times)
{
    /* metav1.Time: time.Parse with RFC 3339; its errors use time's quoting */
#define TS(value) HDR "metadata:\n  creationTimestamp: \"" value "\"\n" RULE
#define TERR(value, rest) "failed decoding: parsing time \"" value "\"" rest
#define AS " as \"2006-01-02T15:04:05Z07:00\": cannot parse "
    ERR_IS(36, TS("2020-01-01T00:00:00Z"), "");
    ERR_IS(36, TS("2020-01-01T00:00:00.123456789+02:00"), "");
    ERR_IS(36, TS("2020-02-29T1:00:00Z"), "");
    ERR_IS(36, TS("2000-02-29T00:00:00Z"), "");
    ERR_IS(36, TS("1900-02-29T00:00:00Z"), TERR("1900-02-29T00:00:00Z", ": day out of range"));
    ERR_IS(36, TS("2020-04-31T00:00:00Z"), TERR("2020-04-31T00:00:00Z", ": day out of range"));
    ERR_IS(36, TS("2020-01-00T00:00:00Z"), TERR("2020-01-00T00:00:00Z", ": day out of range"));
    ERR_IS(36, TS("2020-00-01T00:00:00Z"), TERR("2020-00-01T00:00:00Z", ": month out of range"));
    ERR_IS(36, TS("2020-x1-01T00:00:00Z"), TERR("2020-x1-01T00:00:00Z", AS "\"x1-01T00:00:00Z\" as \"01\""));
    ERR_IS(36, TS("2020-01-01Tx:00:00Z"), TERR("2020-01-01Tx:00:00Z", AS "\"x:00:00Z\" as \"15\""));
    ERR_IS(36, TS("2020-01-01T00:00:00,5-01:30"), "");
    ERR_IS(36, TS("2020-01-01T00:00:00+01-00"), TERR("2020-01-01T00:00:00+01-00", AS "\"+01-00\" as \"Z07:00\""));
    ERR_IS(36, TS("2020-01-01T00:00:00+ab:00"), TERR("2020-01-01T00:00:00+ab:00", AS "\"+ab:00\" as \"Z07:00\""));
    ERR_IS(36, TS("2020-01-01T00:00:00+01:ab"), TERR("2020-01-01T00:00:00+01:ab", AS "\"+01:ab\" as \"Z07:00\""));
    ERR_IS(36, TS("2020-01-01T00:00:00"), TERR("2020-01-01T00:00:00", AS "\"\" as \"Z07:00\""));
    ERR_IS(36, TS("a\\\\b"), TERR("a\\\\b", AS "\"a\\\\b\" as \"2006\""));
    ERR_IS(36, TS("2020-13-01T00:00:00Z"), TERR("2020-13-01T00:00:00Z", ": month out of range"));
    ERR_IS(36, TS("2021-02-29T00:00:00Z"), TERR("2021-02-29T00:00:00Z", ": day out of range"));
    /* the last valid value of each field, then one more */
    ERR_IS(36, TS("2020-12-31T23:59:59Z"), "");
    ERR_IS(36, TS("2020-01-01T00:00:00+24:59"), "");
    ERR_IS(36, TS("2020-01-01T24:00:00Z"), TERR("2020-01-01T24:00:00Z", ": hour out of range"));
    ERR_IS(36, TS("2020-01-01T00:60:00Z"), TERR("2020-01-01T00:60:00Z", ": minute out of range"));
    ERR_IS(36, TS("2020-01-01T00:00:60Z"), TERR("2020-01-01T00:00:60Z", ": second out of range"));
    ERR_IS(36, TS("2020-01-01T00:00:00+25:00"), TERR("2020-01-01T00:00:00+25:00", ": time zone offset hour out of range"));
    ERR_IS(36, TS("2020-01-01T00:00:00+01:61"), TERR("2020-01-01T00:00:00+01:61", ": time zone offset minute out of range"));
    ERR_IS(36, TS("2020-01-01T00:00:00Zx"), TERR("2020-01-01T00:00:00Zx", ": extra text: \"x\""));
    ERR_IS(36, TS("2020-01-01T00:00:00*01:00"), TERR("2020-01-01T00:00:00*01:00", AS "\"*01:00\" as \"Z07:00\""));
    ERR_IS(36, TS("2020-01-01T00:00:00+0100"), TERR("2020-01-01T00:00:00+0100", AS "\"+0100\" as \"Z07:00\""));
    ERR_IS(36, TS("2020-01-01 00:00:00Z"), TERR("2020-01-01 00:00:00Z", AS "\" 00:00:00Z\" as \"T\""));
    ERR_IS(36, TS("2020-1-01T00:00:00Z"), TERR("2020-1-01T00:00:00Z", AS "\"1-01T00:00:00Z\" as \"01\""));
    ERR_IS(36, TS("20x0-01-01T00:00:00Z"), TERR("20x0-01-01T00:00:00Z", AS "\"20x0-01-01T00:00:00Z\" as \"2006\""));
    /* non-ASCII and control bytes as \x, DEL and quotes as they are */
    ERR_IS(36, TS("\xc3\xa9\\x01\\x7f\\\""), TERR("\\xc3\\xa9\\x01\x7f\\\"", AS "\"\\xc3\\xa9\\x01\x7f\\\"\" as \"2006\""));
    /* bytes that are not UTF-8 (a !!binary string): one \\x each; U+FFFD's three */
    ERR_IS(36, HDR "metadata:\n  creationTimestamp: !!binary 7aCA77+98J+YgMD0kICA\n" RULE,
           TERR("\\xed\\xa0\\x80\\xef\\xbf\\xbd\\xf0\\x9f\\x98\\x80\\xc0\\xf4\\x90\\x80\\x80",
                AS "\"\\xed\\xa0\\x80\\xef\\xbf\\xbd\\xf0\\x9f\\x98\\x80\\xc0\\xf4\\x90\\x80\\x80\" as \"2006\""));
    ERR_IS(36, HDR "metadata:\n  creationTimestamp: !!binary 4oI=\n" RULE,
           TERR("\\xe2\\x82", AS "\"\\xe2\\x82\" as \"2006\""));
    ERR_IS(36, HDR "metadata:\n  creationTimestamp: 5\n" RULE,
           "failed decoding: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp "
           "of type string");
    ERR_IS(36, HDR "metadata:\n  managedFields: [{time: \"2020\"}]\n" RULE,
           TERR("2020", AS "\"\" as \"-\""));
#undef TS
#undef TERR
#undef AS
}
END_TEST

START_TEST(yaml_key_at_end)
{
    /* a key without ':' met at the end of input on a line with no token:
     * go-yaml reports it one line further than libyaml */
    ck_assert_str_eq(err_as(36, "apiVersion: v1\n\"kind\"\n\xef\xbb\xbf"),
                     "failed decoding: yaml: line 4: could not find expected ':'");
    ck_assert_str_eq(err_as(36, "apiVersion: v1\n'kind'\n  # c"),
                     "failed decoding: yaml: line 4: could not find expected ':'");
    /* with a final line break, or when the plain scalar took the blanks, the same line */
    ck_assert_str_eq(err_as(36, "apiVersion: v1\n\"kind\"\n\xef\xbb\xbf\n"),
                     "failed decoding: yaml: line 4: could not find expected ':'");
    ck_assert_str_eq(err_as(36, "apiVersion: v1\nkind\n  "),
                     "failed decoding: yaml: line 3: could not find expected ':'");
    ck_assert_str_eq(err_as(36, "apiVersion: v1\nkind\n\xef\xbb\xbf"),
                     "failed decoding: yaml: line 3: could not find expected ':'");
    ck_assert_str_eq(err_as(36, "\xef\xbb\xbf" "apiVersion: v1\n\"kind\"\n  "),
                     "failed decoding: yaml: line 4: could not find expected ':'");
    /* line breaks the plain scalar takes: NEL, LS, PS */
    ck_assert_str_eq(err_as(36, "apiVersion: v1\nkind\xc2\x85\xe2\x80\xa8\xe2\x80\xa9 "),
                     "failed decoding: yaml: line 5: could not find expected ':'");
    ck_assert_str_eq(err_as(36, "apiVersion: v1\n\"kind\"\xc2\x85 "),
                     "failed decoding: yaml: line 4: could not find expected ':'");
    ck_assert_str_eq(err_as(36, "apiVersion: v1\nkind\xe2\x80\xa8\xef\xbb\xbf"),
                     "failed decoding: yaml: line 3: could not find expected ':'");
    /* a byte-order mark at the start of a later line counts as a column */
    ck_assert_str_eq(err_as(36, "apiVersion: v1\n\xef\xbb\xbfkind: Policy\n"),
                     "failed decoding: yaml: line 1: did not find expected key");
}
END_TEST

/* ---- the release vectors ------------------------------------------------------------ */

/* A JSON string literal at *p (after its opening quote) as UTF-8. */
static char *json_string(const char **p)
{
    size_t cap = 256, n = 0;
    char *out = malloc(cap);
    const char *s = *p;
    while (*s && *s != '"') {
        if (n + 8 > cap)
            out = realloc(out, cap *= 2);
        if (*s != '\\') {
            out[n++] = *s++;
            continue;
        }
        s++;
        char e = *s++;
        if (e == 'u') {
            unsigned r = (unsigned)strtoul((char[5]){s[0], s[1], s[2], s[3], 0}, NULL, 16);
            s += 4;
            if (r >= 0xD800 && r < 0xDC00 && s[0] == '\\' && s[1] == 'u') {
                unsigned lo = (unsigned)strtoul((char[5]){s[2], s[3], s[4], s[5], 0}, NULL, 16);
                r = 0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00);
                s += 6;
            }
            if (r < 0x80) {
                out[n++] = (char)r;
            } else if (r < 0x800) {
                out[n++] = (char)(0xC0 | (r >> 6));
                out[n++] = (char)(0x80 | (r & 0x3F));
            } else if (r < 0x10000) {
                out[n++] = (char)(0xE0 | (r >> 12));
                out[n++] = (char)(0x80 | ((r >> 6) & 0x3F));
                out[n++] = (char)(0x80 | (r & 0x3F));
            } else {
                out[n++] = (char)(0xF0 | (r >> 18));
                out[n++] = (char)(0x80 | ((r >> 12) & 0x3F));
                out[n++] = (char)(0x80 | ((r >> 6) & 0x3F));
                out[n++] = (char)(0x80 | (r & 0x3F));
            }
            continue;
        }
        out[n++] = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
    }
    out[n] = 0;
    *p = *s ? s + 1 : s;
    return out;
}

/* The value of key in a one-line JSON object: a new string, NULL for null;
 * *is_true set for booleans. */
static char *json_field(const char *line, const char *key, int *is_true)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(line, pat);
    ck_assert_msg(p != NULL, "no %s in %s", key, line);
    p += strlen(pat);
    if (*p == '"') {
        p++;
        return json_string(&p);
    }
    if (is_true)
        *is_true = strncmp(p, "true", 4) == 0;
    return NULL;
}

START_TEST(release_vectors)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/expected.jsonl", versions_dir);
    char *all = read_whole(path, NULL);
    ck_assert_msg(all != NULL, "cannot read %s", path);
    int lines = 0, failed = 0, per_release[KAP_KUBE_MINOR_MAX + 1] = {0}, ok_release[KAP_KUBE_MINOR_MAX + 1] = {0};
    char *save = NULL;
    for (char *line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int loads = 0;
        char *name = json_field(line, "case", NULL), *release = json_field(line, "release", NULL);
        char *want_err = json_field(line, "error", NULL), *want_warn = json_field(line, "warning", NULL);
        json_field(line, "loads", &loads);
        unsigned minor = (unsigned)strtoul(release + 2, NULL, 10);
        snprintf(path, sizeof path, "%s/cases/%s", versions_dir, name);
        size_t len = 0;
        char *text = read_whole(path, &len);
        ck_assert_msg(text != NULL, "cannot read %s", path);
        outcome o = load_as(minor, text, len);
        /* the vectors keep a warning's first line only (the log line), so
         * a longer warning is compared up to its first line break */
        char *nl = want_warn && !strchr(want_warn, '\n') ? strchr(o.warning, '\n') : NULL;
        if (nl)
            *nl = 0;
        int good = (o.rc == KAP_OK) == loads && strcmp(o.error, want_err ? want_err : "") == 0 &&
                   strcmp(o.warning, want_warn ? want_warn : "") == 0;
        if (!good) {
            fprintf(stderr, "%s under %s:\n  error   got  %s\n          want %s\n  warning got  %s\n          want %s\n",
                    name, release, o.error, want_err ? want_err : "", o.warning, want_warn ? want_warn : "");
            failed++;
        }
        if (minor <= KAP_KUBE_MINOR_MAX) {
            per_release[minor]++;
            ok_release[minor] += good;
        }
        lines++;
        free(text);
        free(name), free(release), free(want_err), free(want_warn);
    }
    free(all);
    printf("release vectors:");
    for (unsigned m = KAP_KUBE_MINOR_MIN; m <= KAP_KUBE_MINOR_MAX; m++)
        printf(" 1.%u %d/%d", m, ok_release[m], per_release[m]);
    printf("\n");
    ck_assert_int_gt(lines, 1000);
    for (unsigned m = KAP_KUBE_MINOR_MIN; m <= KAP_KUBE_MINOR_MAX; m++)
        ck_assert_int_gt(per_release[m], 100);
    ck_assert_int_eq(failed, 0);
}
END_TEST

int main(int argc, char **argv)
{
    versions_dir = getenv("KAP_VERSIONS_DIR");
    if (!versions_dir && argc > 1)
        versions_dir = argv[1];
    Suite *s = suite_create("versions");
    TCase *tc = tcase_create("releases");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, release_table);
    tcase_add_test(tc, strconv_quote);
    tcase_add_test(tc, json_encoder);
    tcase_add_test(tc, string_lists);
    tcase_add_test(tc, float_formats);
    tcase_add_test(tc, go_syntax_values);
    tcase_add_test(tc, map_keys);
    tcase_add_test(tc, field_values_by_release);
    tcase_add_test(tc, other_kinds);
    tcase_add_test(tc, cluster_name);
    tcase_add_test(tc, times);
    tcase_add_test(tc, yaml_key_at_end);
    struct stat st;
    if (versions_dir && stat(versions_dir, &st) == 0)
        tcase_add_test(tc, release_vectors);
    else
        printf("release vectors not found (%s): only the unit tests run; they live in "
               "../shared/conformance/versions beside the checkout\n", versions_dir ? versions_dir : "no directory");
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
