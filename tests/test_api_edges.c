/* The public API's small functions and argument checks, as include/kap.h
 * documents them: status and name tables, kap_options limits, file errors,
 * the rule accessors out of range, kap_decision_format_json. Each expected
 * value is read from kap.h or formats.md. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "helpers.h"

#define HDR "apiVersion: audit.k8s.io/v1\nkind: Policy\n"
#define TWO_RULES HDR "rules:\n- level: Metadata\n  verbs: [get]\n- level: None\n"

START_TEST(status_names)
{
    ck_assert_str_eq(kap_status_name(KAP_OK), "ok");
    ck_assert_str_eq(kap_status_name(KAP_EINVALID), "invalid");
    ck_assert_str_eq(kap_status_name(KAP_EIO), "io");
    ck_assert_str_eq(kap_status_name(KAP_ENOMEM), "nomem");
    ck_assert_str_eq(kap_status_name(KAP_ELIMIT), "limit");
    ck_assert_str_eq(kap_status_name(KAP_EARG), "arg");
    ck_assert_str_eq(kap_status_name(KAP_EPARSE), "parse");
    ck_assert_str_eq(kap_status_name(12345), "unknown");
}
END_TEST

START_TEST(level_and_stage_names)
{
    kap_level l = KAP_LEVEL_NONE;
    ck_assert_int_eq(kap_level_parse(&l, "RequestResponse"), KAP_OK);
    ck_assert_int_eq(l, KAP_LEVEL_REQUEST_RESPONSE);
    ck_assert_int_eq(kap_level_parse(&l, "None"), KAP_OK);
    ck_assert_int_eq(l, KAP_LEVEL_NONE);
    /* the exact spelling only */
    ck_assert_int_eq(kap_level_parse(&l, "metadata"), KAP_EARG);
    ck_assert_int_eq(kap_level_parse(NULL, "Metadata"), KAP_EARG);
    ck_assert_int_eq(kap_level_parse(&l, NULL), KAP_EARG);

    unsigned int bit = 0;
    ck_assert_int_eq(kap_stage_parse(&bit, "RequestReceived"), KAP_OK);
    ck_assert_uint_eq(bit, KAP_STAGE_REQUEST_RECEIVED);
    ck_assert_int_eq(kap_stage_parse(&bit, "Panic"), KAP_OK);
    ck_assert_uint_eq(bit, KAP_STAGE_PANIC);
    ck_assert_int_eq(kap_stage_parse(&bit, "panic"), KAP_EARG);
    ck_assert_int_eq(kap_stage_parse(NULL, "Panic"), KAP_EARG);
    ck_assert_int_eq(kap_stage_parse(&bit, NULL), KAP_EARG);

    ck_assert_str_eq(kap_stage_name(KAP_STAGE_RESPONSE_STARTED), "ResponseStarted");
    ck_assert_str_eq(kap_stage_name(KAP_STAGE_RESPONSE_COMPLETE), "ResponseComplete");
    /* one bit, not a set of them */
    ck_assert_ptr_null(kap_stage_name(KAP_STAGE_PANIC | KAP_STAGE_REQUEST_RECEIVED));
    ck_assert_ptr_null(kap_stage_name(0));
}
END_TEST

static int load_with(const char *text, const kap_options *o, kap_diagnostics **d)
{
    kap_policy *p = NULL;
    int rc = kap_policy_load_buffer(&p, text, strlen(text), "t.yaml", o, d);
    if (rc == KAP_OK)
        ck_assert_ptr_nonnull(p);
    else
        ck_assert_ptr_null(p);
    kap_policy_free(p);
    return rc;
}

START_TEST(options_checked)
{
    kap_options o;
    kap_options_init(NULL); /* does nothing, does not crash */
    kap_options_init(&o);
    ck_assert_uint_eq(o.version, KAP_OPTIONS_VERSION);
    ck_assert_int_eq(load_with(TWO_RULES, &o, NULL), KAP_OK);
    /* a version field of 0 is a caller that did not initialise */
    o.version = 0;
    ck_assert_int_eq(load_with(TWO_RULES, &o, NULL), KAP_EARG);
    /* kube_minor: 24 to 36, 0 meaning the newest */
    kap_options_init(&o);
    o.kube_minor = KAP_KUBE_MINOR_MIN - 1;
    ck_assert_int_eq(load_with(TWO_RULES, &o, NULL), KAP_EARG);
    o.kube_minor = KAP_KUBE_MINOR_MAX + 1;
    ck_assert_int_eq(load_with(TWO_RULES, &o, NULL), KAP_EARG);
    o.kube_minor = KAP_KUBE_MINOR_MIN;
    ck_assert_int_eq(load_with(TWO_RULES, &o, NULL), KAP_OK);
    o.kube_minor = 0;
    ck_assert_int_eq(load_with(TWO_RULES, &o, NULL), KAP_OK);
}
END_TEST

START_TEST(limits_applied)
{
    kap_options o;
    kap_diagnostics *d = NULL;
    /* max_rules: two rules against a limit of one */
    kap_options_init(&o);
    o.max_rules = 1;
    ck_assert_int_eq(load_with(TWO_RULES, &o, &d), KAP_ELIMIT);
    ck_assert_ptr_nonnull(kap_diagnostics_error_text(d));
    kap_diagnostics_free(d);
    o.max_rules = 2;
    ck_assert_int_eq(load_with(TWO_RULES, &o, NULL), KAP_OK);
    /* max_file_size: the buffer is longer than 16 bytes */
    kap_options_init(&o);
    o.max_file_size = 16;
    ck_assert_int_eq(load_with(TWO_RULES, &o, &d), KAP_ELIMIT);
    ck_assert_ptr_nonnull(strstr(kap_diagnostics_error_text(d), "max_file_size"));
    kap_diagnostics_free(d);
    /* max_string_length: "Metadata" has 8 bytes */
    kap_options_init(&o);
    o.max_string_length = 4;
    ck_assert_int_eq(load_with(TWO_RULES, &o, NULL), KAP_ELIMIT);
    /* max_depth counts collections: the policy mapping 1, its rules list
     * 2, a rule's mapping 3, the rule's verbs list 4 */
    kap_options_init(&o);
    o.max_depth = 3;
    ck_assert_int_eq(load_with(TWO_RULES, &o, NULL), KAP_ELIMIT);
    o.max_depth = 4;
    ck_assert_int_eq(load_with(TWO_RULES, &o, NULL), KAP_OK);
    /* max_depth above the default is the default */
    o.max_depth = (size_t)KAP_DEFAULT_MAX_DEPTH * 10;
    ck_assert_int_eq(load_with(TWO_RULES, &o, NULL), KAP_OK);
}
END_TEST

START_TEST(load_arguments)
{
    kap_policy *p = (kap_policy *)&p; /* not NULL: must be reset or untouched */
    kap_diagnostics *d = (kap_diagnostics *)&d;
    ck_assert_int_eq(kap_policy_load_buffer(NULL, "x", 1, "t", NULL, &d), KAP_EARG);
    ck_assert_ptr_null(d);
    ck_assert_int_eq(kap_policy_load_buffer(&p, NULL, 3, "t", NULL, NULL), KAP_EARG);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(kap_policy_load(&p, NULL, NULL, NULL), KAP_EARG);
    ck_assert_int_eq(kap_policy_load(NULL, "x.yaml", NULL, NULL), KAP_EARG);
    kap_options o;
    kap_options_init(&o);
    o.version = 0;
    ck_assert_int_eq(kap_policy_load(&p, "x.yaml", &o, NULL), KAP_EARG);
}
END_TEST

START_TEST(load_file_errors)
{
    /* os.ReadFile's errors as LoadPolicyFromFile wraps them (formats.md) */
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    ck_assert_int_eq(kap_policy_load(&p, "/nonexistent-kap/policy.yaml", NULL, &d), KAP_EIO);
    ck_assert_ptr_null(p);
    ck_assert_str_eq(kap_diagnostics_error_text(d),
                     "failed to read file path \"/nonexistent-kap/policy.yaml\": open "
                     "/nonexistent-kap/policy.yaml: no such file or directory");
    kap_diagnostics_free(d);
    ck_assert_int_eq(kap_policy_load(&p, "/", NULL, &d), KAP_EIO);
    ck_assert_str_eq(kap_diagnostics_error_text(d), "failed to read file path \"/\": read /: is a directory");
    kap_diagnostics_free(d);
    ck_assert_int_eq(kap_policy_load(&p, "/", NULL, NULL), KAP_EIO);

    /* a file over max_file_size, read in pieces */
    char path[] = "/tmp/kap-api-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, TWO_RULES, strlen(TWO_RULES)), (ssize_t)strlen(TWO_RULES));
    close(fd);
    ck_assert_int_eq(kap_policy_load(&p, path, NULL, NULL), KAP_OK);
    ck_assert_uint_eq(kap_policy_rule_count(p), 2);
    kap_policy_free(p);
    p = NULL;
    kap_options o;
    kap_options_init(&o);
    o.max_file_size = 8;
    ck_assert_int_eq(kap_policy_load(&p, path, &o, &d), KAP_ELIMIT);
    ck_assert_ptr_nonnull(strstr(kap_diagnostics_error_text(d), "max_file_size"));
    kap_diagnostics_free(d);
    unlink(path);
}
END_TEST

START_TEST(rule_accessors)
{
    kap_policy *p = NULL;
    ck_assert_int_eq(load_str(TWO_RULES, &p, NULL), KAP_OK);
    ck_assert_uint_eq(kap_policy_rule_count(p), 2);
    /* rule 0 is "- level: Metadata" on line 4, column 3 (1-based) */
    ck_assert_uint_eq(kap_policy_rule_line(p, 0), 4);
    ck_assert_uint_eq(kap_policy_rule_column(p, 0), 3);
    ck_assert_int_eq(kap_policy_rule_level(p, 0), KAP_LEVEL_METADATA);
    ck_assert_int_eq(kap_policy_rule_level(p, 1), KAP_LEVEL_NONE);
    /* out of range, and no policy */
    ck_assert_uint_eq(kap_policy_rule_line(p, 2), 0);
    ck_assert_uint_eq(kap_policy_rule_column(p, 2), 0);
    ck_assert_int_eq(kap_policy_rule_level(p, 2), KAP_LEVEL_NONE);
    ck_assert_uint_eq(kap_policy_rule_count(NULL), 0);
    ck_assert_uint_eq(kap_policy_rule_line(NULL, 0), 0);
    ck_assert_uint_eq(kap_policy_rule_column(NULL, 0), 0);
    ck_assert_int_eq(kap_policy_rule_level(NULL, 0), KAP_LEVEL_NONE);
    ck_assert_uint_eq(kap_policy_table_bytes(NULL), 0);
    ck_assert_uint_gt(kap_policy_table_bytes(p), 0);

    kap_decision dec;
    ck_assert_int_eq(kap_policy_rule_decision(p, 0, &dec), KAP_OK);
    ck_assert_int_eq(dec.level, KAP_LEVEL_METADATA);
    ck_assert_int_eq(dec.rule, 0);
    /* i == count: the decision when no rule matches */
    ck_assert_int_eq(kap_policy_rule_decision(p, 2, &dec), KAP_OK);
    ck_assert_int_eq(dec.level, KAP_LEVEL_NONE);
    ck_assert_int_eq(dec.rule, -1);
    ck_assert_int_eq(kap_policy_rule_decision(p, 3, &dec), KAP_EARG);
    ck_assert_int_eq(kap_policy_rule_decision(p, 0, NULL), KAP_EARG);
    ck_assert_int_eq(kap_policy_rule_decision(NULL, 0, &dec), KAP_EARG);
    kap_policy_free(p);
    kap_policy_free(NULL);
}
END_TEST

START_TEST(decision_json)
{
    kap_decision d = {KAP_LEVEL_REQUEST, KAP_STAGE_REQUEST_RECEIVED | KAP_STAGE_PANIC, 1, 3};
    const char *want = "{\"level\":\"Request\",\"omitStages\":[\"Panic\",\"RequestReceived\"],"
                       "\"omitManagedFields\":true,\"rule\":3}";
    char buf[256];
    ck_assert_uint_eq(kap_decision_format_json(&d, buf, sizeof buf), strlen(want));
    ck_assert_str_eq(buf, want);
    /* the length it needs, without writing */
    ck_assert_uint_eq(kap_decision_format_json(&d, NULL, 0), strlen(want));
    /* cut to fit, NUL-terminated, like snprintf */
    char small[8];
    ck_assert_uint_eq(kap_decision_format_json(&d, small, sizeof small), strlen(want));
    ck_assert_str_eq(small, "{\"level");
    ck_assert_uint_eq(kap_decision_format_json(NULL, buf, sizeof buf), 0);
    kap_decision none = {KAP_LEVEL_NONE, 0, 0, -1};
    kap_decision_format_json(&none, buf, sizeof buf);
    ck_assert_str_eq(buf, "{\"level\":\"None\",\"omitStages\":[],\"omitManagedFields\":false,\"rule\":-1}");
}
END_TEST

static int parse_line(kap_request_reader *r, const char *line, kap_request_n *q)
{
    return kap_request_reader_parse_n(r, line, strlen(line), q);
}

START_TEST(request_reader_errors)
{
    kap_request_reader *r = NULL;
    ck_assert_int_eq(kap_request_reader_new(&r), KAP_OK);
    kap_request_n q;
    ck_assert_int_eq(kap_request_reader_parse_n(NULL, "{}", 2, &q), KAP_EARG);
    ck_assert_int_eq(kap_request_reader_parse_n(r, "{}", 2, NULL), KAP_EARG);
    ck_assert_int_eq(kap_request_reader_parse_n(r, NULL, 2, &q), KAP_EARG);
    kap_request q1;
    ck_assert_int_eq(kap_request_reader_parse(NULL, "{}", 2, &q1), KAP_EARG);
    ck_assert_int_eq(kap_request_reader_parse(r, "{}", 2, NULL), KAP_EARG);
    /* the field's type, named as Go's JSON decoder names it */
    ck_assert_int_eq(parse_line(r, "{\"verb\":1}", &q), KAP_EPARSE);
    ck_assert_str_eq(kap_request_reader_error(r), "\"verb\" must be a string, not number");
    ck_assert_int_eq(parse_line(r, "{\"path\":[\"/x\"]}", &q), KAP_EPARSE);
    ck_assert_str_eq(kap_request_reader_error(r), "\"path\" must be a string, not array");
    ck_assert_int_eq(parse_line(r, "{\"groups\":[\"a\",true]}", &q), KAP_EPARSE);
    ck_assert_ptr_nonnull(strstr(kap_request_reader_error(r), "\"groups\" must be a list of strings"));
    ck_assert_int_eq(parse_line(r, "{\"resourceRequest\":\"yes\"}", &q), KAP_EPARSE);
    ck_assert_ptr_nonnull(strstr(kap_request_reader_error(r), "\"resourceRequest\" must be true or false"));
    ck_assert_int_eq(parse_line(r, "not json", &q), KAP_EPARSE);
    /* null is the field unset */
    ck_assert_int_eq(parse_line(r, "{\"verb\":null,\"resourceRequest\":null,\"user\":\"u\"}", &q), KAP_OK);
    ck_assert_ptr_null(q.verb.ptr);
    ck_assert_int_eq(q.resource_request, 0);
    ck_assert_uint_eq(q.user.len, 1);
    ck_assert_int_eq(parse_line(r, "{\"resourceRequest\":true,\"verb\":\"get\"}", &q), KAP_OK);
    ck_assert_int_eq(q.resource_request, 1);
    ck_assert_uint_eq(q.verb.len, 3);
    /* keys not listed in formats.md are ignored, whatever their length or
     * however close to a listed one (case, the Python binding's names) */
    ck_assert_int_eq(parse_line(r, "{\"USER\":\"x\",\"vErb\":\"delete\",\"Groups\":[\"a\"],\"apigroup\":\"x\","
                                   "\"resourcE\":\"x\",\"namespacE\":\"x\",\"api_group\":\"apps\",\"apiVersioN\":\"x\","
                                   "\"subresourcE\":\"x\",\"api_version\":\"v2\",\"resourceRequesT\":true,"
                                   "\"resource_request\":true,\"zz\":1,\"verb\":\"get\"}",
                                &q),
                     KAP_OK);
    ck_assert_uint_eq(q.verb.len, 3);
    ck_assert_int_eq(memcmp(q.verb.ptr, "get", 3), 0);
    ck_assert_ptr_null(q.user.ptr);
    ck_assert_uint_eq(q.n_groups, 0);
    ck_assert_uint_eq(q.api_group.len, 0);
    ck_assert_uint_eq(q.api_version.len, 0);
    ck_assert_uint_eq(q.ns.len, 0);
    ck_assert_uint_eq(q.resource.len, 0);
    ck_assert_uint_eq(q.subresource.len, 0);
    ck_assert_int_eq(q.resource_request, 0);
    kap_request_reader_free(r);
    kap_request_reader_free(NULL);
}
END_TEST

START_TEST(match_many)
{
    kap_policy *p = NULL;
    ck_assert_int_eq(load_str(TWO_RULES, &p, NULL), KAP_OK);
    kap_decision out[3];
    int st[3];
    size_t n = 0;
    /* JSON lines: a match, a blank line, a bad line, a line over capacity */
    const char *jl = "{\"verb\":\"get\"}\n  \n{\"verb\":2}\n{\"verb\":\"list\"}";
    memset(st, 0x55, sizeof st);
    ck_assert_int_eq(kap_policy_match_jsonl(p, jl, strlen(jl), out, st, 3, &n), KAP_ELIMIT);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(st[0], KAP_OK);
    ck_assert_int_eq(out[0].rule, 0);
    ck_assert_int_eq(out[0].level, KAP_LEVEL_METADATA);
    ck_assert_int_eq(st[1], 1);
    ck_assert_int_eq(st[2], KAP_EPARSE);
    ck_assert_int_eq(kap_policy_match_jsonl(p, jl, 14, out, NULL, 3, &n), KAP_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(kap_policy_match_jsonl(NULL, jl, 1, out, st, 3, &n), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_jsonl(p, NULL, 1, out, st, 3, &n), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_jsonl(p, jl, 1, NULL, st, 3, &n), KAP_EARG);

    /* one JSON array */
    const char *ja = "[{\"verb\":\"list\"}, 7, {\"verb\":\"get\"}]";
    ck_assert_int_eq(kap_policy_match_json(p, ja, strlen(ja), out, st, 3, &n), KAP_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(st[0], KAP_OK);
    ck_assert_int_eq(out[0].rule, 1);
    ck_assert_int_eq(out[0].level, KAP_LEVEL_NONE);
    ck_assert_int_eq(st[1], KAP_EPARSE);
    ck_assert_int_eq(st[2], KAP_OK);
    ck_assert_int_eq(out[2].rule, 0);
    /* more elements than capacity: the array's length still given */
    ck_assert_int_eq(kap_policy_match_json(p, ja, strlen(ja), out, NULL, 2, &n), KAP_ELIMIT);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(kap_policy_match_json(p, "{}", 2, out, st, 3, &n), KAP_EPARSE);
    ck_assert_int_eq(kap_policy_match_json(p, "[", 1, out, st, 3, &n), KAP_EPARSE);
    ck_assert_int_eq(kap_policy_match_json(NULL, ja, 1, out, st, 3, &n), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_json(p, NULL, 1, out, st, 3, &n), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_json(p, ja, 1, NULL, st, 3, &n), KAP_EARG);
    kap_policy_free(p);
}
END_TEST

START_TEST(binding_entry_arguments)
{
    /* the Python binding's entry points refuse what kap.h calls bad
     * arguments before reading anything */
    kap_policy *p = NULL;
    ck_assert_int_eq(load_str(TWO_RULES, &p, NULL), KAP_OK);
    int32_t rules[2];
    int st[2];
    size_t n = 99;
    ck_assert_int_eq(kap_policy_match_marshal(NULL, "[", 1, rules, st, 2, &n), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_marshal(p, NULL, 1, rules, st, 2, &n), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_marshal(p, "[", 1, NULL, st, 2, &n), KAP_EARG);
    /* not a marshalled list: a parse error */
    ck_assert_int_eq(kap_policy_match_marshal(p, "", 0, rules, st, 2, &n), KAP_EPARSE);
    ck_assert_int_eq(kap_policy_match_marshal(p, "{", 1, rules, st, 2, &n), KAP_EPARSE);
    kap_pyapi api;
    memset(&api, 0, sizeof api);
    api.version = 1;
    int list = 0;
    ck_assert_int_eq(kap_policy_match_pyobjects(NULL, &api, &list, rules, st, 2, &n), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_pyobjects(p, NULL, &list, rules, st, 2, &n), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_pyobjects(p, &api, NULL, rules, st, 2, &n), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_pyobjects(p, &api, &list, NULL, st, 2, &n), KAP_EARG);
    api.version = 2; /* a table this library does not know */
    ck_assert_int_eq(kap_policy_match_pyobjects(p, &api, &list, rules, st, 2, &n), KAP_EARG);
    kap_policy_free(p);
}
END_TEST

START_TEST(zero_options_are_defaults)
{
    /* kap.h: "A zero limit means the default" -- a version-1 struct with
     * every other field 0 loads like no options at all */
    kap_options o;
    memset(&o, 0, sizeof o);
    o.version = KAP_OPTIONS_VERSION;
    ck_assert_int_eq(load_with(TWO_RULES, &o, NULL), KAP_OK);
    /* a NULL buffer of length 0 is the empty buffer */
    kap_policy *p = NULL;
    kap_diagnostics *d1 = NULL, *d2 = NULL;
    int r1 = kap_policy_load_buffer(&p, NULL, 0, "t", NULL, &d1);
    kap_policy_free(p);
    p = NULL;
    int r2 = kap_policy_load_buffer(&p, "", 0, "t", NULL, &d2);
    kap_policy_free(p);
    ck_assert_int_ne(r1, KAP_EARG);
    ck_assert_int_eq(r1, r2);
    ck_assert_str_eq(kap_diagnostics_error_text(d1) ? kap_diagnostics_error_text(d1) : "",
                     kap_diagnostics_error_text(d2) ? kap_diagnostics_error_text(d2) : "");
    kap_diagnostics_free(d1);
    kap_diagnostics_free(d2);
}
END_TEST

START_TEST(decision_json_edges)
{
    /* len 0: nothing written, the length still returned */
    kap_decision d = {KAP_LEVEL_METADATA, 0, 0, 1};
    char buf[4] = "xyz";
    const char *want = "{\"level\":\"Metadata\",\"omitStages\":[],\"omitManagedFields\":false,\"rule\":1}";
    ck_assert_uint_eq(kap_decision_format_json(&d, buf, 0), strlen(want));
    ck_assert_str_eq(buf, "xyz");
    /* a level outside the enum is printed as None, not as garbage */
    kap_decision bad = {(kap_level)9, KAP_STAGE_RESPONSE_STARTED | KAP_STAGE_RESPONSE_COMPLETE, 0, 2};
    char out[256];
    kap_decision_format_json(&bad, out, sizeof out);
    ck_assert_str_eq(out, "{\"level\":\"None\",\"omitStages\":[\"ResponseComplete\",\"ResponseStarted\"],"
                          "\"omitManagedFields\":false,\"rule\":2}");
}
END_TEST

START_TEST(request_reader_cstrings)
{
    /* kap_request_reader_parse: the same request as C strings */
    kap_request_reader *r = NULL;
    ck_assert_int_eq(kap_request_reader_new(&r), KAP_OK);
    const char *line = "{\"user\":\"alice\",\"groups\":[\"dev\",\"ops\"],\"verb\":\"get\",\"namespace\":\"default\","
                       "\"apiGroup\":\"apps\",\"apiVersion\":\"v1\",\"resource\":\"deployments\",\"subresource\":\"scale\","
                       "\"name\":\"web\",\"resourceRequest\":true,\"path\":\"/apis/apps/v1\"}";
    kap_request q;
    ck_assert_int_eq(kap_request_reader_parse(r, line, strlen(line), &q), KAP_OK);
    ck_assert_str_eq(q.user, "alice");
    ck_assert_uint_eq(q.n_groups, 2);
    ck_assert_str_eq(q.groups[0], "dev");
    ck_assert_str_eq(q.groups[1], "ops");
    ck_assert_str_eq(q.verb, "get");
    ck_assert_str_eq(q.ns, "default");
    ck_assert_str_eq(q.api_group, "apps");
    ck_assert_str_eq(q.api_version, "v1");
    ck_assert_str_eq(q.resource, "deployments");
    ck_assert_str_eq(q.subresource, "scale");
    ck_assert_str_eq(q.name, "web");
    ck_assert_str_eq(q.path, "/apis/apps/v1");
    ck_assert_int_eq(q.resource_request, 1);
    /* a bad line leaves an empty request */
    ck_assert_int_eq(kap_request_reader_parse(r, "[]", 2, &q), KAP_EPARSE);
    ck_assert_ptr_null(q.user);
    ck_assert_uint_eq(q.n_groups, 0);
    kap_request_reader_free(r);
}
END_TEST

/* A policy of `rules` rules: rule 0 given, then filler rules for users
 * nobody is, then a catch-all None rule. */
static kap_policy *padded(const char *rule0, int rules)
{
    static char text[65536];
    size_t n = (size_t)snprintf(text, sizeof text, HDR "rules:\n%s", rule0);
    for (int i = 1; i < rules - 1; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "- level: Request\n  users: [filler-%d]\n", i);
    snprintf(text + n, sizeof text - n, "- level: None\n");
    kap_policy *p = NULL;
    ck_assert_int_eq(load_str(text, &p, NULL), KAP_OK);
    return p;
}

static int rule_for(const kap_policy *p, const char *user, const char *resource, const char *name)
{
    kap_request q = KAP_REQUEST_INIT;
    q.user = user;
    q.verb = "get";
    q.ns = "default";
    q.api_group = "";
    q.resource = resource;
    q.name = name;
    q.resource_request = 1;
    kap_decision d;
    kap_policy_match(p, &q, &d);
    return d.rule;
}

START_TEST(match_boundaries)
{
    /* small (3 rules) and large (100 rules) policies take different paths
     * through the matcher; both must give the first matching rule */
    static const int sizes[] = {3, 100};
    for (int k = 0; k < 2; k++) {
        int last = sizes[k] - 1;
        /* user names of 16, 17 and 24 bytes: equal, or differing only in
         * their last byte */
        kap_policy *p = padded("- level: Metadata\n  users: [aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbb, cccccccccccccccccccccccc]\n",
                               sizes[k]);
        ck_assert_int_eq(rule_for(p, "aaaaaaaaaaaaaaaa", "pods", NULL), 0);
        ck_assert_int_eq(rule_for(p, "aaaaaaaaaaaaaaaX", "pods", NULL), last);
        ck_assert_int_eq(rule_for(p, "bbbbbbbbbbbbbbbbb", "pods", NULL), 0);
        ck_assert_int_eq(rule_for(p, "bbbbbbbbbbbbbbbbX", "pods", NULL), last);
        ck_assert_int_eq(rule_for(p, "cccccccccccccccccccccccc", "pods", NULL), 0);
        ck_assert_int_eq(rule_for(p, "cccccccccccccccccccccccX", "pods", NULL), last);
        ck_assert_int_eq(rule_for(p, "filler-1", "pods", NULL), 1);
        kap_policy_free(p);
        /* resourceNames: the name must be one of them */
        p = padded("- level: Metadata\n  resources:\n  - resources: [pods]\n    resourceNames: [web]\n", sizes[k]);
        ck_assert_int_eq(rule_for(p, "u", "pods", "web"), 0);
        ck_assert_int_eq(rule_for(p, "u", "pods", "db"), last);
        ck_assert_int_eq(rule_for(p, "u", "pods", NULL), last);
        ck_assert_int_eq(rule_for(p, "u", "services", "web"), last);
        kap_policy_free(p);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("api_edges");
    TCase *tc = tcase_create("api");
    tcase_add_test(tc, status_names);
    tcase_add_test(tc, level_and_stage_names);
    tcase_add_test(tc, options_checked);
    tcase_add_test(tc, limits_applied);
    tcase_add_test(tc, load_arguments);
    tcase_add_test(tc, load_file_errors);
    tcase_add_test(tc, rule_accessors);
    tcase_add_test(tc, decision_json);
    tcase_add_test(tc, request_reader_errors);
    tcase_add_test(tc, match_many);
    tcase_add_test(tc, binding_entry_arguments);
    tcase_add_test(tc, zero_options_are_defaults);
    tcase_add_test(tc, decision_json_edges);
    tcase_add_test(tc, request_reader_cstrings);
    tcase_add_test(tc, match_boundaries);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
