/* The batch request readers of src/request.c on inputs the binding's tests
 * cannot make: marshal bytes built here by hand from the format Python's
 * marshal module documents (type codes, FLAG_REF, little-endian counts),
 * truncated and malformed ones included, and kap_policy_match_pyobjects on
 * a small object model of our own (kap_pyapi's callbacks). Plus the JSON
 * reader (src/read_json.c) on escapes, numbers and surrogates through
 * kap_request_reader_parse_n. The expected rule of each request is worked
 * out by hand from the four-rule policy below (semantics.md: the first rule
 * that matches decides). */
#include <check.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kap.h"

static const char POLICY[] = "apiVersion: audit.k8s.io/v1\n"
                             "kind: Policy\n"
                             "rules:\n"
                             "- level: None\n"                               /* rule 0 */
                             "  users: [alice]\n"
                             "- level: Metadata\n"                           /* rule 1 */
                             "  userGroups: [admins]\n"
                             "- level: Request\n"                            /* rule 2 */
                             "  resources: [{group: \"\", resources: [pods]}]\n"
                             "- level: RequestResponse\n"                    /* rule 3 */
                             "  nonResourceURLs: [/healthz]\n";

static kap_policy *policy(void)
{
    kap_policy *p = NULL;
    ck_assert_int_eq(kap_policy_load_buffer(&p, POLICY, strlen(POLICY), "policy.yaml", NULL, NULL), KAP_OK);
    return p;
}

/* ---- marshal bytes ---- */

typedef struct mb {
    unsigned char b[8192];
    size_t n;
} mb;

static void mb_byte(mb *m, unsigned c) { m->b[m->n++] = (unsigned char)c; }
static void mb_u32(mb *m, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        mb_byte(m, (v >> (8 * i)) & 0xff);
}
/* TYPE_SHORT_ASCII 'z': one length byte */
static void mb_z(mb *m, const char *s)
{
    mb_byte(m, 'z');
    mb_byte(m, (unsigned)strlen(s));
    memcpy(m->b + m->n, s, strlen(s));
    m->n += strlen(s);
}
/* TYPE_UNICODE 'u' (or 'a', 't'...): a 4-byte length; flag: FLAG_REF */
static void mb_s4(mb *m, unsigned code, const char *s)
{
    mb_byte(m, code);
    mb_u32(m, (uint32_t)strlen(s));
    memcpy(m->b + m->n, s, strlen(s));
    m->n += strlen(s);
}
static void mb_list(mb *m, uint32_t n)
{
    mb_byte(m, '[');
    mb_u32(m, n);
}
static void mb_end(mb *m) { mb_byte(m, '0'); } /* TYPE_NULL closes a dict */

static int match_marshal(const kap_policy *p, const mb *m, int32_t *rules, int *status, size_t cap, size_t *n)
{
    return kap_policy_match_marshal(p, m->b, m->n, rules, status, cap, n);
}

START_TEST(marshal_requests)
{
    kap_policy *p = policy();
    mb m = {0};
    mb_list(&m, 12);
    /* 0: {"user": "alice"} -> rule 0; the dict marked for reuse (FLAG_REF), ref 0 */
    mb_byte(&m, '{' | 0x80);
    mb_z(&m, "user");
    mb_byte(&m, 'z' | 0x80); /* "alice" remembered: ref 1 */
    mb_byte(&m, 5);
    memcpy(m.b + m.n, "alice", 5), m.n += 5;
    mb_end(&m);
    /* 1: {"user": "bob", "groups": ["x", "admins"]} -> rule 1 */
    mb_byte(&m, '{');
    mb_s4(&m, 'u', "user");
    mb_s4(&m, 'a', "bob");
    mb_s4(&m, 't', "groups");
    mb_list(&m, 2);
    mb_z(&m, "x");
    mb_byte(&m, 'Z');
    mb_byte(&m, 6);
    memcpy(m.b + m.n, "admins", 6), m.n += 6;
    mb_end(&m);
    /* 2: python names {"verb": "get", "resource": "pods", "api_group": "",
     * "api_version": "v1", "resource_request": True} -> rule 2 */
    mb_byte(&m, '{');
    mb_z(&m, "verb");
    mb_z(&m, "get");
    mb_z(&m, "resource");
    mb_z(&m, "pods");
    mb_z(&m, "api_group");
    mb_z(&m, "");
    mb_z(&m, "api_version");
    mb_z(&m, "v1");
    mb_z(&m, "resource_request");
    mb_byte(&m, 'T');
    mb_end(&m);
    /* 3: {"path": "/healthz", "resourceRequest": False, "extra": {"a": 1.5, "b": 7, "c": b"x"}} -> rule 3 */
    mb_byte(&m, '{');
    mb_z(&m, "path");
    mb_z(&m, "/healthz");
    mb_z(&m, "resourceRequest");
    mb_byte(&m, 'F');
    mb_z(&m, "extra");
    mb_byte(&m, '{');
    mb_z(&m, "a");
    mb_byte(&m, 'g');
    for (int i = 0; i < 8; i++)
        mb_byte(&m, 0);
    mb_z(&m, "b");
    mb_byte(&m, 'i');
    mb_u32(&m, 7);
    mb_z(&m, "c");
    mb_byte(&m, 's');
    mb_u32(&m, 1);
    mb_byte(&m, 'x');
    mb_end(&m);
    mb_end(&m);
    /* 4: {"user": 5} -> not a request */
    mb_byte(&m, '{');
    mb_z(&m, "user");
    mb_byte(&m, 'i');
    mb_u32(&m, 5);
    mb_end(&m);
    /* 5: {1: "x"} -> a key that is not a string */
    mb_byte(&m, '{');
    mb_byte(&m, 'i');
    mb_u32(&m, 1);
    mb_z(&m, "x");
    mb_end(&m);
    /* 6: {"user": "bob", "groups": ("admins",)} (a small tuple) -> rule 1
     * (a request with no user matches no userGroups rule: semantics.md) */
    mb_byte(&m, '{');
    mb_z(&m, "user");
    mb_z(&m, "bob");
    mb_z(&m, "groups");
    mb_byte(&m, ')');
    mb_byte(&m, 1);
    mb_z(&m, "admins");
    mb_end(&m);
    /* 7: {"groups": {"admins"}} (a set) -> not a list of strings */
    mb_byte(&m, '{');
    mb_z(&m, "groups");
    mb_byte(&m, '<');
    mb_u32(&m, 1);
    mb_z(&m, "admins");
    mb_end(&m);
    /* 8: {"resourceRequest": 1} -> not a boolean */
    mb_byte(&m, '{');
    mb_z(&m, "resourceRequest");
    mb_byte(&m, 'i');
    mb_u32(&m, 1);
    mb_end(&m);
    /* 9: the first dict again (a reference): rule 0 */
    mb_byte(&m, 'r');
    mb_u32(&m, 0);
    /* 10: {"user": <ref 1: "alice">, "groups": None, "verb": None, "resource_request": None} -> rule 0 */
    mb_byte(&m, '{');
    mb_z(&m, "user");
    mb_byte(&m, 'r');
    mb_u32(&m, 1);
    mb_z(&m, "groups");
    mb_byte(&m, 'N');
    mb_z(&m, "verb");
    mb_byte(&m, 'N');
    mb_z(&m, "resource_request");
    mb_byte(&m, 'N');
    mb_end(&m);
    /* 11: a string where a dict should be -> not a request */
    mb_z(&m, "alice");

    int32_t rules[12];
    int status[12];
    size_t n = 0;
    ck_assert_int_eq(match_marshal(p, &m, rules, status, 12, &n), KAP_OK);
    ck_assert_uint_eq(n, 12);
    static const int32_t want_rule[12] = {0, 1, 2, 3, -1, -1, 1, -1, -1, 0, 0, -1};
    static const int want_status[12] = {KAP_OK, KAP_OK, KAP_OK, KAP_OK, KAP_EPARSE, KAP_EPARSE,
                                        KAP_OK, KAP_EPARSE, KAP_EPARSE, KAP_OK, KAP_OK, KAP_EPARSE};
    for (int k = 0; k < 12; k++) {
        ck_assert_msg(status[k] == want_status[k], "request %d: status %d", k, status[k]);
        if (want_status[k] == KAP_OK)
            ck_assert_msg(rules[k] == want_rule[k], "request %d: rule %d, wanted %d", k, rules[k], want_rule[k]);
    }
    /* fewer slots than requests: KAP_ELIMIT, the count says how many */
    n = 0;
    ck_assert_int_eq(match_marshal(p, &m, rules, NULL, 3, &n), KAP_ELIMIT);
    ck_assert_uint_eq(n, 12);
    ck_assert_int_eq(rules[2], 2);
    kap_policy_free(p);
}
END_TEST

START_TEST(marshal_many_groups)
{
    /* more groups than the reader keeps on its stack (16, 32), the one that
     * matters last; and a long string needing the scratch area to grow */
    kap_policy *p = policy();
    mb m = {0};
    mb_list(&m, 1);
    mb_byte(&m, '{');
    mb_z(&m, "user");
    mb_z(&m, "bob");
    mb_z(&m, "groups");
    mb_list(&m, 40);
    for (int i = 0; i < 39; i++) {
        char g[16];
        snprintf(g, sizeof g, "group-%d", i);
        mb_z(&m, g);
    }
    mb_z(&m, "admins");
    mb_z(&m, "name");
    char big[3000];
    memset(big, 'n', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mb_s4(&m, 'a', big);
    mb_end(&m);
    int32_t rule = 99;
    int st = 99;
    size_t n = 0;
    ck_assert_int_eq(match_marshal(p, &m, &rule, &st, 1, &n), KAP_OK);
    ck_assert_int_eq(st, KAP_OK);
    ck_assert_int_eq(rule, 1);
    kap_policy_free(p);
}
END_TEST

/* Each of these is not a marshalled list of requests: KAP_EPARSE. */
START_TEST(marshal_malformed)
{
    kap_policy *p = policy();
    int32_t rules[4];
    int status[4];
    size_t n;
    mb m;
#define BAD(build)                                                                         \
    do {                                                                                   \
        memset(&m, 0, sizeof m);                                                           \
        build;                                                                             \
        ck_assert_msg(match_marshal(p, &m, rules, status, 4, &n) == KAP_EPARSE, "%s", #build); \
    } while (0)
    BAD((void)0);                                            /* nothing */
    BAD(mb_byte(&m, '{'));                                   /* a dict, not a list */
    BAD((mb_byte(&m, '['), mb_byte(&m, 1)));                 /* a truncated count */
    BAD(mb_list(&m, 1));                                     /* one element promised, none there */
    BAD((mb_list(&m, 1), mb_byte(&m, '{')));                 /* a dict never closed */
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "user")));               /* a key, no value */
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "user"), mb_byte(&m, 'z'))); /* a length missing */
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "user"), mb_byte(&m, 'u'), mb_u32(&m, 50))); /* short */
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "user"), mb_byte(&m, 'u'), mb_byte(&m, 1)));
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "x"), mb_byte(&m, 'i'), mb_byte(&m, 1)));
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "x"), mb_byte(&m, 'g'), mb_u32(&m, 0)));
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "x"), mb_byte(&m, 's'), mb_u32(&m, 9)));
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "x"), mb_byte(&m, 's')));
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "x"), mb_byte(&m, '['), mb_u32(&m, 1000)));
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "x"), mb_byte(&m, '[')));
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "x"), mb_byte(&m, ')')));
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "x"), mb_byte(&m, '{')));
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "x"), mb_byte(&m, '{'), mb_z(&m, "k")));
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "x"), mb_byte(&m, 'r'), mb_u32(&m, 7))); /* no such ref */
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "x"), mb_byte(&m, 'r')));
    BAD((mb_list(&m, 1), mb_byte(&m, '{'), mb_z(&m, "x"), mb_byte(&m, 'c'))); /* a code objects: unknown here */
    BAD((mb_list(&m, 1), mb_byte(&m, 'r'), mb_u32(&m, 3)));
    BAD((mb_list(&m, 0), mb_byte(&m, 'N')));                 /* bytes after the list */
    /* lists nested deeper than the reader follows */
    BAD(({
        mb_list(&m, 1);
        mb_byte(&m, '{');
        mb_z(&m, "x");
        for (int i = 0; i < 70; i++)
            mb_list(&m, 1);
        mb_byte(&m, 'N');
    }));
#undef BAD
    /* the list marked for reuse itself is fine */
    memset(&m, 0, sizeof m);
    mb_byte(&m, '[' | 0x80);
    mb_u32(&m, 1);
    mb_byte(&m, '{');
    mb_z(&m, "user");
    mb_z(&m, "alice");
    mb_end(&m);
    ck_assert_int_eq(match_marshal(p, &m, rules, status, 4, &n), KAP_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(rules[0], 0);
    /* bad arguments */
    ck_assert_int_eq(kap_policy_match_marshal(NULL, m.b, m.n, rules, status, 4, &n), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_marshal(p, NULL, 3, rules, status, 4, &n), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_marshal(p, m.b, m.n, NULL, status, 4, &n), KAP_EARG);
    kap_policy_free(p);
}
END_TEST

/* ---- Python objects, modelled here ---- */

typedef struct obj {
    const void *type;
    const char *s; /* str: its text (NULL: cannot be encoded) */
    size_t n;      /* list, tuple, dict: items; dict: key, value pairs */
    struct obj **items;
    ptrdiff_t size_override; /* list: a size of -1 (an error) when set */
} obj;

static char STR_T, DICT_T, LIST_T, TUPLE_T, INT_T; /* the types: told apart by address */
static obj NONE = {&INT_T, NULL, 0, NULL, 0}, TRUE_O = {&INT_T, NULL, 0, NULL, 0}, FALSE_O = {&INT_T, NULL, 0, NULL, 0};
static int cleared;

static int dict_next(void *d, ptrdiff_t *pos, void **k, void **v)
{
    obj *o = d;
    if ((size_t)*pos >= o->n)
        return 0;
    *k = o->items[2 * *pos];
    *v = o->items[2 * *pos + 1];
    ++*pos;
    return 1;
}
static const char *as_utf8(void *s, ptrdiff_t *size)
{
    obj *o = s;
    if (o->s)
        *size = (ptrdiff_t)strlen(o->s);
    return o->s;
}
static void err_clear(void) { cleared++; }
static ptrdiff_t seq_size(void *l)
{
    obj *o = l;
    return o->size_override ? o->size_override : (ptrdiff_t)o->n;
}
static void *seq_get(void *l, ptrdiff_t i)
{
    obj *o = l;
    return (size_t)i < o->n ? o->items[i] : NULL;
}

static kap_pyapi api(void)
{
    kap_pyapi a = {1, offsetof(obj, type), &STR_T, &DICT_T, &LIST_T, &TUPLE_T, &NONE, &TRUE_O, &FALSE_O,
                   dict_next, as_utf8, err_clear, seq_size, seq_get, seq_size, seq_get};
    return a;
}

/* every object made, freed at the end of the test */
static obj *made[256];
static size_t n_made;

static void free_made(void)
{
    for (size_t i = 0; i < n_made; i++) {
        free(made[i]->items);
        free(made[i]);
    }
    n_made = 0;
}

static obj *mk(const void *type, const char *s, size_t n)
{
    obj *o = calloc(1, sizeof *o);
    ck_assert_uint_lt(n_made, sizeof made / sizeof made[0]);
    made[n_made++] = o;
    o->type = type;
    o->s = s;
    o->n = n;
    o->items = calloc(n ? 2 * n : 1, sizeof *o->items);
    return o;
}
static obj *str(const char *s) { return mk(&STR_T, s, 0); }
/* a dict of n pairs: key, value, key, value... */
static obj *dict(size_t n, ...)
{
    obj *o = mk(&DICT_T, NULL, n);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < 2 * n; i++)
        o->items[i] = va_arg(ap, obj *);
    va_end(ap);
    return o;
}

START_TEST(python_objects)
{
    kap_policy *p = policy();
    kap_pyapi a = api();
    obj *groups40 = mk(&LIST_T, NULL, 40);
    for (int i = 0; i < 39; i++)
        groups40->items[i] = str("someone");
    groups40->items[39] = str("admins");
    obj *tuple = mk(&TUPLE_T, NULL, 1);
    tuple->items[0] = str("admins");
    obj *badlist = mk(&LIST_T, NULL, 1);
    badlist->items[0] = &NONE;
    obj *neg = mk(&LIST_T, NULL, 0);
    neg->size_override = -1;
    obj *reqs[] = {
        dict(1, str("user"), str("alice")),                                        /* 0 */
        dict(2, str("user"), str("bob"), str("groups"), groups40),                 /* 1: grown once */
        dict(2, str("groups"), tuple, str("user"), str("bob")),                    /* 1 */
        dict(4, str("verb"), str("get"), str("resource"), str("pods"), str("api_group"), &NONE,
             str("resource_request"), &TRUE_O),                                    /* 2 */
        dict(3, str("path"), str("/healthz"), str("resourceRequest"), &FALSE_O, str("other"), &TRUE_O), /* 3 */
        dict(3, str("groups"), &NONE, str("resourceRequest"), &NONE, str("user"), &NONE), /* none: -1 */
        dict(1, str("user"), mk(&INT_T, NULL, 0)),                                 /* bad */
        dict(1, mk(&INT_T, NULL, 0), str("x")),                                    /* bad key */
        dict(1, str("resourceRequest"), str("yes")),                               /* bad */
        dict(1, str("groups"), str("admins")),                                     /* bad */
        dict(1, str("groups"), badlist),                                           /* bad */
        dict(1, str("groups"), neg),                                               /* bad */
        dict(1, str("user"), str(NULL)),                                           /* bad: not encodable */
        str("alice"),                                                              /* not a dict */
    };
    size_t n = sizeof reqs / sizeof reqs[0];
    obj *list = mk(&LIST_T, NULL, n);
    for (size_t i = 0; i < n; i++)
        list->items[i] = reqs[i];
    list->n = n;
    int32_t rules[32];
    int status[32];
    size_t count = 0;
    cleared = 0;
    ck_assert_int_eq(kap_policy_match_pyobjects(p, &a, list, rules, status, 32, &count), KAP_OK);
    ck_assert_uint_eq(count, n);
    static const int32_t want[] = {0, 1, 1, 2, 3, -1};
    for (size_t k = 0; k < 6; k++) {
        ck_assert_msg(status[k] == KAP_OK, "request %zu: status %d", k, status[k]);
        ck_assert_msg(rules[k] == want[k], "request %zu: rule %d, wanted %d", k, rules[k], want[k]);
    }
    for (size_t k = 6; k < n; k++)
        ck_assert_msg(status[k] == KAP_EPARSE && rules[k] == -1, "request %zu: status %d", k, status[k]);
    ck_assert_int_eq(cleared, 1);
    /* too many for the slots */
    ck_assert_int_eq(kap_policy_match_pyobjects(p, &a, list, rules, status, 2, &count), KAP_ELIMIT);
    ck_assert_uint_eq(count, n);
    /* not a list; a list whose size fails */
    ck_assert_int_eq(kap_policy_match_pyobjects(p, &a, reqs[0], rules, status, 32, &count), KAP_EPARSE);
    ck_assert_int_eq(kap_policy_match_pyobjects(p, &a, neg, rules, status, 32, &count), KAP_EPARSE);
    /* bad arguments */
    a.version = 2;
    ck_assert_int_eq(kap_policy_match_pyobjects(p, &a, list, rules, status, 32, &count), KAP_EARG);
    a.version = 1;
    ck_assert_int_eq(kap_policy_match_pyobjects(p, NULL, list, rules, status, 32, &count), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_pyobjects(p, &a, NULL, rules, status, 32, &count), KAP_EARG);
    ck_assert_int_eq(kap_policy_match_pyobjects(p, &a, list, NULL, status, 32, &count), KAP_EARG);
    kap_policy_free(p);
    free_made();
}
END_TEST

/* ---- the JSON reader ---- */

static void parse_ok(kap_request_reader *r, const char *line, const char *user)
{
    kap_request_n q;
    int rc = kap_request_reader_parse_n(r, line, strlen(line), &q);
    ck_assert_msg(rc == KAP_OK, "%s: %s", line, kap_request_reader_error(r));
    ck_assert_uint_eq(q.user.len, strlen(user));
    ck_assert_msg(memcmp(q.user.ptr, user, q.user.len) == 0, "%s: user '%.*s', wanted '%s'", line, (int)q.user.len,
                  q.user.ptr, user);
}

static void parse_bad(kap_request_reader *r, const char *line, const char *part)
{
    kap_request_n q;
    ck_assert_int_eq(kap_request_reader_parse_n(r, line, strlen(line), &q), KAP_EPARSE);
    ck_assert_msg(strstr(kap_request_reader_error(r), part), "%s: '%s' has no '%s'", line,
                  kap_request_reader_error(r), part);
}

START_TEST(json_strings_and_numbers)
{
    kap_request_reader *r;
    ck_assert_int_eq(kap_request_reader_new(&r), KAP_OK);
    /* \u escapes: hex digits in either case, 2- and 3-byte UTF-8 */
    parse_ok(r, "{\"user\": \"\\u0041\\u00e9\\u00E9\\u20AC\"}", "A\xc3\xa9\xc3\xa9\xe2\x82\xac");
    /* a surrogate pair; a lone low surrogate and a high one without its
     * pair become U+FFFD, as Go's encoding/json does */
    parse_ok(r, "{\"user\": \"\\ud83d\\ude00\"}", "\xf0\x9f\x98\x80");
    parse_ok(r, "{\"user\": \"\\ude00x\"}", "\xef\xbf\xbdx");
    parse_ok(r, "{\"user\": \"\\ud83dx\"}", "\xef\xbf\xbdx");
    parse_ok(r, "{\"user\": \"\\ud83d\\u0041\"}", "\xef\xbf\xbd" "A");
    parse_ok(r, "{\"user\": \"\\ud83d\\\\\"}", "\xef\xbf\xbd\\");
    /* the other escapes */
    parse_ok(r, "{\"user\": \"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", "\"\\/\b\f\n\r\t");
    /* numbers in every form JSON has, for a key that is not read */
    parse_ok(r, "{\"x\": [0, -1, 1.5, -0.25e+3, 2E-2, 10e5], \"user\": \"u\"}", "u");
    parse_bad(r, "{\"x\": 01}", "");
    parse_bad(r, "{\"x\": 1.}", "");
    parse_bad(r, "{\"x\": 1e}", "");
    parse_bad(r, "{\"x\": 1e+}", "");
    parse_bad(r, "{\"x\": -}", "");
    parse_bad(r, "{\"x\": .5}", "");
    /* bad escapes and words */
    parse_bad(r, "{\"user\": \"\\u12\"}", "");
    parse_bad(r, "{\"user\": \"\\uZZZZ\"}", "");
    parse_bad(r, "{\"user\": \"\\q\"}", "");
    parse_bad(r, "{\"user\": \"abc\\", "");
    parse_bad(r, "{\"user\": tru}", "");
    parse_bad(r, "{\"user\": nul}", "");
    parse_bad(r, "{\"user\": falsy}", "");
    parse_bad(r, "{\"user\" 1}", "");
    parse_bad(r, "{1: 2}", "");
    parse_bad(r, "{\"a\": 1,}", "");
    parse_bad(r, "[1,]", "");
    /* the request's own checks */
    parse_bad(r, "[]", "must be a JSON object");
    parse_bad(r, "{\"user\": 1}", "\"user\" must be a string or null");
    parse_bad(r, "{\"groups\": \"a\"}", "\"groups\" must be a list of strings");
    parse_bad(r, "{\"groups\": [1]}", "a list holding");
    parse_bad(r, "{\"resourceRequest\": \"yes\"}", "\"resourceRequest\" must be true or false");
    parse_bad(r, "{\"verb\": 1}", "\"verb\" must be a string");
    kap_request_n q;
    ck_assert_int_eq(kap_request_reader_parse_n(r, NULL, 3, &q), KAP_EARG);
    ck_assert_int_eq(kap_request_reader_parse_n(NULL, "{}", 2, &q), KAP_EARG);
    kap_request cq;
    ck_assert_int_eq(kap_request_reader_parse(r, NULL, 3, &cq), KAP_EARG);
    ck_assert_int_eq(kap_request_reader_parse(r, "{\"groups\": null, \"resourceRequest\": null}", 41, &cq), KAP_OK);
    ck_assert_ptr_null(cq.groups);
    ck_assert_int_eq(cq.resource_request, 0);
    ck_assert_str_eq(kap_request_reader_error(NULL), "");
    kap_request_reader_free(r);
}
END_TEST

START_TEST(json_batches)
{
    kap_policy *p = policy();
    kap_decision out[4];
    int status[4];
    size_t n = 0;
    /* JSON lines: a blank line (spaces, tab, CR) gets status 1 */
    const char *lines = "{\"user\": \"alice\"}\n \t\r\n{\"user\": 1}\n{\"user\": \"bob\", \"groups\": [\"admins\"]}";
    ck_assert_int_eq(kap_policy_match_jsonl(p, lines, strlen(lines), out, status, 4, &n), KAP_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(status[0], KAP_OK);
    ck_assert_int_eq(out[0].rule, 0);
    ck_assert_int_eq(status[1], 1);
    ck_assert_int_eq(status[2], KAP_EPARSE);
    ck_assert_int_eq(out[3].rule, 1);
    ck_assert_int_eq(kap_policy_match_jsonl(p, lines, strlen(lines), out, NULL, 2, NULL), KAP_ELIMIT);
    ck_assert_int_eq(kap_policy_match_jsonl(p, NULL, 2, out, status, 4, &n), KAP_EARG);
    /* a JSON array */
    const char *arr = "[{\"path\": \"/healthz\"}, {\"user\": []}, {\"user\": \"alice\"}]";
    ck_assert_int_eq(kap_policy_match_json(p, arr, strlen(arr), out, status, 4, &n), KAP_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(out[0].rule, 3);
    ck_assert_int_eq(status[1], KAP_EPARSE);
    ck_assert_int_eq(out[2].rule, 0);
    ck_assert_int_eq(kap_policy_match_json(p, arr, strlen(arr), out, NULL, 1, &n), KAP_ELIMIT);
    ck_assert_int_eq(kap_policy_match_json(p, "{}", 2, out, status, 4, &n), KAP_EPARSE);
    ck_assert_int_eq(kap_policy_match_json(p, "[", 1, out, status, 4, &n), KAP_EPARSE);
    ck_assert_int_eq(kap_policy_match_json(p, NULL, 1, out, status, 4, &n), KAP_EARG);
    kap_policy_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cov_input");
    TCase *tc = tcase_create("input");
    tcase_add_test(tc, marshal_requests);
    tcase_add_test(tc, marshal_many_groups);
    tcase_add_test(tc, marshal_malformed);
    tcase_add_test(tc, python_objects);
    tcase_add_test(tc, json_strings_and_numbers);
    tcase_add_test(tc, json_batches);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
