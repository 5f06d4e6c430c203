/* Tests of libkap-replay: what an event weighs and how it is written
 * again (expected texts written by hand from the rules of docs/replay.md),
 * requests and their stages, bad input, and the exact merge of summaries
 * at random cuts of the real logs in tests/replay/logs.
 *   test_replay SOURCE_DIR */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

static const char *srcdir = ".";
static int quick; /* KAP_TEST_QUICK: fewer rounds (valgrind) */

#define HDR "apiVersion: audit.k8s.io/v1\nkind: Policy\n"

static kap_policy *pol(const char *text)
{
    kap_policy *p = NULL;
    ck_assert_int_eq(kap_policy_load_buffer(&p, text, strlen(text), "p.yaml", NULL, NULL), KAP_OK);
    return p;
}

static kap_policy *pol_file(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/replay/policies/%s", srcdir, name);
    kap_policy *p = NULL;
    ck_assert_int_eq(kap_policy_load(&p, path, NULL, NULL), KAP_OK);
    return p;
}

typedef struct sink {
    char *s;
    size_t len, cap;
    int refuse;
} sink;

static int to_sink(void *ctx, const char *d, size_t n)
{
    sink *k = ctx;
    if (k->refuse)
        return -1;
    if (k->len + n + 1 > k->cap) {
        k->cap = (k->len + n + 1) * 2;
        k->s = realloc(k->s, k->cap);
    }
    memcpy(k->s + k->len, d, n);
    k->len += n;
    k->s[k->len] = 0;
    return 0;
}

/* Replays text whole (one source, the start of the stream). */
static kap_replay_summary *whole(const kap_policy *p, const kap_replay_options *o, const char *text, size_t len,
                                 sink *out)
{
    kap_replay *r;
    ck_assert_int_eq(kap_replay_new(&r, p, o), KAP_OK);
    if (out)
        kap_replay_set_output(r, to_sink, out);
    ck_assert_int_eq(kap_replay_begin(r, "log", KAP_REPLAY_SOURCE_START | KAP_REPLAY_STREAM_START), KAP_OK);
    ck_assert_int_eq(kap_replay_feed(r, text, len), KAP_OK);
    ck_assert_int_eq(kap_replay_end(r, KAP_REPLAY_SOURCE_END), KAP_OK);
    kap_replay_summary *s;
    ck_assert_int_eq(kap_replay_take_summary(r, &s), KAP_OK);
    kap_replay_free(r);
    return s;
}

static kap_replay_counts counts_of(const kap_replay_summary *s)
{
    kap_replay_counts c;
    ck_assert_int_eq(kap_replay_summary_counts(s, &c), KAP_OK);
    return c;
}

static char *json_of(const kap_replay_summary *s)
{
    char *t = NULL;
    int rc = kap_replay_summary_format(s, KAP_REPLAY_FORMAT_JSON, 0, &t, NULL);
    ck_assert_int_eq(rc, KAP_OK);
    ck_assert_ptr_nonnull(t);
    return t;
}

/* ---- what an event weighs, and how it is written again -------------------------- */

static const char *EV_FULL =
    "{\"kind\":\"Event\",\"level\":\"RequestResponse\",\"auditID\":\"a1\",\"stage\":\"ResponseComplete\","
    "\"requestURI\":\"/api/v1/namespaces/ns/pods/p\",\"verb\":\"get\",\"user\":{\"username\":\"alice\"},"
    "\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"ns\",\"name\":\"p\",\"apiVersion\":\"v1\"},"
    "\"requestObject\":{\"kind\":\"X\"},"
    "\"responseObject\":{\"metadata\":{\"name\":\"p\",\"managedFields\":[{\"manager\":\"m\"}]},\"spec\":{}},"
    "\"stageTimestamp\":\"t\"}\n";

static const char *write_one(const char *policy, const char *event)
{
    static char buf[4096];
    kap_policy *p = pol(policy);
    sink out = {0};
    kap_replay_summary *s = whole(p, NULL, event, strlen(event), &out);
    kap_replay_counts c = counts_of(s);
    /* what is counted is what is written */
    ck_assert_uint_eq(c.bytes_out, out.len);
    ck_assert_uint_eq(c.bytes_in, strlen(event));
    snprintf(buf, sizeof buf, "%s", out.s ? out.s : "");
    free(out.s);
    kap_replay_summary_free(s);
    kap_policy_free(p);
    return buf;
}

START_TEST(write_levels)
{
    /* RequestResponse keeps everything: the line is written as it is */
    ck_assert_str_eq(write_one(HDR "rules:\n- level: RequestResponse\n", EV_FULL), EV_FULL);
    /* Request drops responseObject and says so in level */
    ck_assert_str_eq(write_one(HDR "rules:\n- level: Request\n", EV_FULL),
                     "{\"kind\":\"Event\",\"level\":\"Request\",\"auditID\":\"a1\",\"stage\":\"ResponseComplete\","
                     "\"requestURI\":\"/api/v1/namespaces/ns/pods/p\",\"verb\":\"get\",\"user\":{\"username\":\"alice\"},"
                     "\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"ns\",\"name\":\"p\",\"apiVersion\":\"v1\"},"
                     "\"requestObject\":{\"kind\":\"X\"},\"stageTimestamp\":\"t\"}\n");
    /* Metadata drops both bodies */
    ck_assert_str_eq(write_one(HDR "rules:\n- level: Metadata\n", EV_FULL),
                     "{\"kind\":\"Event\",\"level\":\"Metadata\",\"auditID\":\"a1\",\"stage\":\"ResponseComplete\","
                     "\"requestURI\":\"/api/v1/namespaces/ns/pods/p\",\"verb\":\"get\",\"user\":{\"username\":\"alice\"},"
                     "\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"ns\",\"name\":\"p\",\"apiVersion\":\"v1\"},"
                     "\"stageTimestamp\":\"t\"}\n");
    /* omitManagedFields: metadata.managedFields goes, the rest stays */
    ck_assert_str_eq(write_one(HDR "omitManagedFields: true\nrules:\n- level: RequestResponse\n", EV_FULL),
                     "{\"kind\":\"Event\",\"level\":\"RequestResponse\",\"auditID\":\"a1\",\"stage\":\"ResponseComplete\","
                     "\"requestURI\":\"/api/v1/namespaces/ns/pods/p\",\"verb\":\"get\",\"user\":{\"username\":\"alice\"},"
                     "\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"ns\",\"name\":\"p\",\"apiVersion\":\"v1\"},"
                     "\"requestObject\":{\"kind\":\"X\"},"
                     "\"responseObject\":{\"metadata\":{\"name\":\"p\"},\"spec\":{}},\"stageTimestamp\":\"t\"}\n");
    /* None, or an omitted stage: nothing */
    ck_assert_str_eq(write_one(HDR "rules:\n- level: None\n", EV_FULL), "");
    ck_assert_str_eq(write_one(HDR "omitStages: [ResponseComplete]\nrules:\n- level: Metadata\n", EV_FULL), "");
}
END_TEST

START_TEST(write_edges)
{
    /* bodies first and last in the object: the comma after / before goes */
    ck_assert_str_eq(write_one(HDR "rules:\n- level: Metadata\n",
                               "{\"requestObject\":1,\"level\":\"Request\",\"auditID\":\"a\",\"stage\":\"Panic\"}\n"),
                     "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\"}\n");
    ck_assert_str_eq(write_one(HDR "rules:\n- level: Metadata\n",
                               "{\"level\":\"Request\",\"auditID\":\"a\",\"stage\":\"Panic\",\"requestObject\":[1,2],"
                               "\"responseObject\":{\"x\":\"}\"}}\n"),
                     "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\"}\n");
    /* adjacent bodies at the start */
    ck_assert_str_eq(write_one(HDR "rules:\n- level: Metadata\n",
                               "{\"requestObject\":{},\"responseObject\":{},\"level\":\"Request\",\"auditID\":\"a\","
                               "\"stage\":\"Panic\"}\n"),
                     "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\"}\n");
    /* a level lower than the policy's stays (the body was never logged); CRLF */
    ck_assert_str_eq(write_one(HDR "rules:\n- level: RequestResponse\n",
                               "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\"}\r\n"),
                     "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\"}\n");
    /* managedFields of a list's items and of a Table's row objects */
    ck_assert_str_eq(
        write_one(HDR "rules:\n- level: RequestResponse\n  omitManagedFields: true\n",
                  "{\"level\":\"RequestResponse\",\"auditID\":\"a\",\"stage\":\"ResponseComplete\","
                  "\"responseObject\":{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"managedFields\":[],\"n\":1}},"
                  "{\"metadata\":{\"n\":2,\"managedFields\":null}},{\"spec\":{}}],\"rows\":[{\"object\":{\"metadata\":"
                  "{\"a\":1,\"managedFields\":{},\"b\":2}}}]}}\n"),
        "{\"level\":\"RequestResponse\",\"auditID\":\"a\",\"stage\":\"ResponseComplete\","
        "\"responseObject\":{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"n\":1}},"
        "{\"metadata\":{\"n\":2}},{\"spec\":{}}],\"rows\":[{\"object\":{\"metadata\":{\"a\":1,\"b\":2}}}]}}\n");
    /* a key given twice: every managedFields goes, whichever duplicate a
     * reader takes (Go the last); twice in metadata, apart or side by
     * side, in metadata given twice, in items and rows given twice */
    ck_assert_str_eq(
        write_one(HDR "rules:\n- level: RequestResponse\n  omitManagedFields: true\n",
                  "{\"level\":\"RequestResponse\",\"auditID\":\"a\",\"stage\":\"ResponseComplete\","
                  "\"requestObject\":{\"metadata\":{\"managedFields\":[1],\"n\":1,\"managedFields\":[2]}},"
                  "\"responseObject\":{\"metadata\":{\"managedFields\":[1],\"managedFields\":[2]},"
                  "\"metadata\":{\"n\":2,\"managedFields\":3},"
                  "\"items\":[{\"metadata\":{\"managedFields\":4}}],\"items\":[{\"metadata\":{\"managedFields\":5,\"n\":5}}],"
                  "\"rows\":[{\"object\":{\"metadata\":{\"managedFields\":6}},"
                  "\"object\":{\"metadata\":{\"n\":7,\"managedFields\":7}}}]}}\n"),
        "{\"level\":\"RequestResponse\",\"auditID\":\"a\",\"stage\":\"ResponseComplete\","
        "\"requestObject\":{\"metadata\":{\"n\":1}},"
        "\"responseObject\":{\"metadata\":{},\"metadata\":{\"n\":2},"
        "\"items\":[{\"metadata\":{}}],\"items\":[{\"metadata\":{\"n\":5}}],"
        "\"rows\":[{\"object\":{\"metadata\":{}},\"object\":{\"metadata\":{\"n\":7}}}]}}\n");
    /* an EventList keeps its frame and the items the policy keeps */
    ck_assert_str_eq(
        write_one(HDR "rules:\n- level: None\n  verbs: [list]\n- level: Metadata\n",
                  "{\"kind\":\"EventList\",\"items\":[{\"level\":\"Request\",\"auditID\":\"1\",\"stage\":\"Panic\","
                  "\"verb\":\"list\"},{\"level\":\"Request\",\"auditID\":\"2\",\"stage\":\"Panic\",\"verb\":\"get\","
                  "\"requestObject\":{}},{\"level\":\"None\",\"auditID\":\"3\",\"stage\":\"Panic\"}],\"x\":1}\n"),
        "{\"kind\":\"EventList\",\"items\":[{\"level\":\"Metadata\",\"auditID\":\"2\",\"stage\":\"Panic\","
        "\"verb\":\"get\"},{\"level\":\"None\",\"auditID\":\"3\",\"stage\":\"Panic\"}],\"x\":1}\n");
    ck_assert_str_eq(write_one(HDR "rules:\n- level: None\n",
                               "{\"kind\":\"EventList\",\"items\":[{\"level\":\"Request\",\"auditID\":\"1\","
                               "\"stage\":\"Panic\"}]}\n"),
                     "");
}
END_TEST

/* ---- attributes, requests, stages ---------------------------------------------- */

/* The level of the one request of a one-line log under policy. */
static kap_level level_of(const char *policy, const char *event)
{
    kap_policy *p = pol(policy);
    kap_replay_summary *s = whole(p, NULL, event, strlen(event), NULL);
    kap_replay_counts c = counts_of(s);
    ck_assert_uint_eq(c.requests, 1);
    ck_assert_uint_eq(c.bad_lines, 0);
    int level = -1;
    for (int i = 0; i < 4; i++)
        if (c.levels[i])
            level = i;
    kap_replay_summary_free(s);
    kap_policy_free(p);
    return (kap_level)level;
}

#define POL_USERS HDR "rules:\n- level: None\n  users: [bob]\n- level: Request\n  users: [alice]\n- level: Metadata\n"

START_TEST(attributes)
{
    /* the authenticated user, never the impersonated one */
    ck_assert_int_eq(level_of(POL_USERS, "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"user\":"
                                         "{\"username\":\"alice\"},\"impersonatedUser\":{\"username\":\"bob\"}}"),
                     KAP_LEVEL_REQUEST);
    /* "user":{}, "user":null or no user: no user */
    ck_assert_int_eq(level_of(HDR "rules:\n- level: None\n  userGroups: [g]\n- level: Request\n",
                              "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"user\":{\"groups\":[\"g\"]}}"),
                     KAP_LEVEL_REQUEST);
    ck_assert_int_eq(level_of(HDR "rules:\n- level: None\n  userGroups: [g]\n- level: Request\n",
                              "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"user\":{\"username\":\"x\","
                              "\"groups\":[\"h\",\"g\"]}}"),
                     KAP_LEVEL_NONE);
    ck_assert_int_eq(level_of(POL_USERS, "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"user\":null}"),
                     KAP_LEVEL_METADATA);
    /* objectRef: a resource request with its fields */
    ck_assert_int_eq(level_of(HDR "rules:\n- level: Request\n  resources: [{group: apps, resources: [deployments/scale],"
                                  " resourceNames: [d]}]\n  namespaces: [ns]\n- level: Metadata\n",
                              "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"objectRef\":{\"resource\":"
                              "\"deployments\",\"subresource\":\"scale\",\"apiGroup\":\"apps\",\"namespace\":\"ns\","
                              "\"name\":\"d\"}}"),
                     KAP_LEVEL_REQUEST);
    /* no objectRef: the path of requestURI, without its query, percent-decoded */
    ck_assert_int_eq(level_of(HDR "rules:\n- level: Request\n  nonResourceURLs: [\"/a b/c\"]\n- level: Metadata\n",
                              "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"requestURI\":"
                              "\"/a%20b/c?x=1\\u0026y=2\",\"verb\":\"get\"}"),
                     KAP_LEVEL_REQUEST);
    /* an objectRef makes it a resource request, whatever the path */
    ck_assert_int_eq(level_of(HDR "rules:\n- level: Request\n  nonResourceURLs: [\"*\"]\n- level: Metadata\n",
                              "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"requestURI\":\"/x\","
                              "\"objectRef\":{}}"),
                     KAP_LEVEL_METADATA);
    /* objectRef given twice, as Go decodes it into its *ObjectReference:
     * a second object fills the same one (fields it lacks stay), null
     * makes it nil (not a resource request), and one after null starts empty */
    ck_assert_int_eq(level_of(HDR "rules:\n- level: Request\n  resources: [{resources: [pods], resourceNames: [p]}]\n"
                                  "  namespaces: [ns]\n- level: Metadata\n",
                              "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"objectRef\":"
                              "{\"resource\":\"pods\",\"namespace\":\"ns\"},\"objectRef\":{\"name\":\"p\"}}"),
                     KAP_LEVEL_REQUEST);
    ck_assert_int_eq(level_of(HDR "rules:\n- level: Request\n  nonResourceURLs: [\"/x\"]\n- level: Metadata\n",
                              "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"requestURI\":\"/x\","
                              "\"objectRef\":{\"resource\":\"pods\"},\"objectRef\":null}"),
                     KAP_LEVEL_REQUEST);
    ck_assert_int_eq(level_of(HDR "rules:\n- level: Request\n  resources: [{resources: [pods]}]\n  namespaces: [ns]\n"
                                  "- level: Metadata\n",
                              "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"objectRef\":"
                              "{\"resource\":\"pods\",\"namespace\":\"ns\"},\"objectRef\":null,\"objectRef\":"
                              "{\"resource\":\"pods\"}}"),
                     KAP_LEVEL_METADATA);
    /* escapes in keys and values are decoded */
    ck_assert_int_eq(level_of(POL_USERS, "{\"level\":\"Metadata\",\"\\u0061uditID\":\"a\",\"stage\":\"Panic\",\"user\":"
                                         "{\"username\":\"\\u0061lice\"}}"),
                     KAP_LEVEL_REQUEST);
}
END_TEST

static kap_replay_counts counts_for(const char *policy, const char *log, uint64_t window)
{
    kap_policy *p = pol(policy);
    kap_replay_options o;
    kap_replay_options_init(&o);
    if (window)
        o.window = window;
    kap_replay_summary *s = whole(p, &o, log, strlen(log), NULL);
    kap_replay_counts c = counts_of(s);
    kap_replay_summary_free(s);
    kap_policy_free(p);
    return c;
}

#define EV(id, stage) "{\"level\":\"Metadata\",\"auditID\":\"" id "\",\"stage\":\"" stage "\"}\n"

START_TEST(requests_and_stages)
{
    const char *P = HDR "rules:\n- level: Metadata\n";
    kap_replay_counts c = counts_for(P, EV("x", "RequestReceived") EV("y", "RequestReceived") EV("x", "ResponseStarted")
                                         EV("y", "ResponseComplete") EV("x", "ResponseComplete"), 0);
    ck_assert_uint_eq(c.events, 5);
    ck_assert_uint_eq(c.requests, 2);
    ck_assert_uint_eq(c.open_requests, 0);
    /* a final stage closes: the same ID again is a new request (a client may
     * send its own Audit-ID) */
    c = counts_for(P, EV("x", "ResponseComplete") EV("x", "ResponseComplete"), 0);
    ck_assert_uint_eq(c.requests, 2);
    /* RequestReceived always starts a request */
    c = counts_for(P, EV("x", "RequestReceived") EV("x", "RequestReceived") EV("x", "Panic"), 0);
    ck_assert_uint_eq(c.requests, 2);
    ck_assert_uint_eq(c.open_requests, 0);
    /* still open at the end */
    c = counts_for(P, EV("x", "RequestReceived") EV("y", "ResponseStarted"), 0);
    ck_assert_uint_eq(c.requests, 2);
    ck_assert_uint_eq(c.open_requests, 2);
    /* the window: a request gets no more events after `window` events */
    const char *log = EV("x", "ResponseStarted") EV("a", "Panic") EV("b", "Panic") EV("x", "ResponseComplete");
    ck_assert_uint_eq(counts_for(P, log, 3).requests, 3);
    ck_assert_uint_eq(counts_for(P, log, 2).requests, 4);
    /* levels: the policy's beside the log's, and those recorded lower */
    c = counts_for(HDR "rules:\n- level: RequestResponse\n  verbs: [get]\n- level: None\n",
                   "{\"level\":\"Metadata\",\"auditID\":\"1\",\"stage\":\"Panic\",\"verb\":\"get\"}\n"
                   "{\"level\":\"RequestResponse\",\"auditID\":\"2\",\"stage\":\"Panic\",\"verb\":\"get\"}\n"
                   "{\"level\":\"Request\",\"auditID\":\"3\",\"stage\":\"Panic\",\"verb\":\"list\"}\n",
                   0);
    ck_assert_uint_eq(c.levels[KAP_LEVEL_REQUEST_RESPONSE], 2);
    ck_assert_uint_eq(c.levels[KAP_LEVEL_NONE], 1);
    ck_assert_uint_eq(c.recorded[KAP_LEVEL_METADATA], 1);
    ck_assert_uint_eq(c.recorded[KAP_LEVEL_REQUEST], 1);
    ck_assert_uint_eq(c.recorded[KAP_LEVEL_REQUEST_RESPONSE], 1);
    ck_assert_uint_eq(c.under_recorded, 1);
    ck_assert_uint_eq(c.events_kept, 2);
}
END_TEST

/* ---- bad input --------------------------------------------------------------------- */

START_TEST(bad_lines)
{
    const char *log =
        "{\"level\":\"Metadata\",\"auditID\":\"ok\",\"stage\":\"Panic\"}\n"   /* 1 */
        "{\"level\":\"Metadata\",\"auditID\":\"t\",\"stage\":\"Pa\n"          /* 2 truncated */
        "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"verb\":5}\n" /* 3 */
        "\x01\x02\xff garbage\n"                                                /* 4 */
        "{\"level\":\"Metadata\",\"stage\":\"Panic\"}\n"                        /* 5 */
        "{\"level\":\"Metadata\",\"auditID\":\"\",\"stage\":\"Panic\"}\n"       /* 6 */
        "{\"level\":\"Metadata\",\"auditID\":\"b\",\"stage\":\"Done\"}\n"       /* 7 */
        "{\"auditID\":\"c\",\"stage\":\"Panic\"}\n"                             /* 8 */
        "[1,2]\n"                                                               /* 9 */
        "\n"                                                                    /* 10 blank: fine */
        "{\"level\":\"Metadata\",\"auditID\":\"d\",\"stage\":\"Panic\",\"user\":\"x\"}\n" /* 11 */
        "{\"level\":\"Metadata\",\"auditID\":\"e\",\"stage\":\"Panic\"} x\n"    /* 12 */
        "{\"level\":\"Metadata\",\"auditID\":\"f\\q\",\"stage\":\"Panic\"}\n"   /* 13 */
        "{\"kind\":\"EventList\",\"items\":[{\"level\":\"Metadata\",\"auditID\":\"g\",\"stage\":\"Panic\"},7]}\n" /* 14 */
        "{\"level\":\"Metadata\",\"auditID\":\"h\",\"stage\":\"Panic\",\"user\":{\"groups\":[1]}}\n" /* 15 */
        "{\"level\":\"Metadata\",\"auditID\":\"i\",\"stage\":\"Panic\",\"objectRef\":{\"name\":1}}\n" /* 16 */
        "{\"level\":\"Metadata\",\"auditID\":\"j\",\"stage\":\"Panic\",\"x\":[1,}\n" /* 17 */
        "{\"level\":\"Metadata\",\"auditID\":\"k\",\"stage\":\"Panic\",\"x\":01}\n" /* 18 */
        "{\"level\":\"Metadata\",\"auditID\":\"l\",\"stage\":\"Panic\",\"pad\":\"012345678901234567890123456789012345678901\"}\n" /* 19 overlong */
        "{\"level\":\"Metadata\",\"auditID\":\"m\",\"stage\":\"Panic\"}";        /* 20, no newline: fine */
    kap_policy *p = pol(HDR "rules:\n- level: Metadata\n");
    kap_replay_options o;
    kap_replay_options_init(&o);
    o.max_line = 100;
    kap_replay_summary *s = whole(p, &o, log, strlen(log), NULL);
    kap_replay_counts c = counts_of(s);
    ck_assert_uint_eq(c.events, 3); /* ok, g, m */
    ck_assert_uint_eq(c.bad_lines, 17);
    ck_assert_uint_eq(c.bytes_in, strlen(log));
    char *j = json_of(s);
    const char *want[] = {
        "{\"source\":\"log\",\"line\":2,\"error\":\"column 46: unexpected end of JSON input in a string\"}",
        "{\"source\":\"log\",\"line\":3,\"error\":\"\\\"verb\\\" must be a string\"}",
        "{\"source\":\"log\",\"line\":4,\"error\":\"column 1: invalid character '\\\\x01' looking for beginning of value\"}",
        "{\"source\":\"log\",\"line\":5,\"error\":\"no \\\"auditID\\\"\"}",
        "{\"source\":\"log\",\"line\":6,\"error\":\"empty \\\"auditID\\\"\"}",
        "{\"source\":\"log\",\"line\":7,\"error\":\"unknown \\\"stage\\\"\"}",
        "{\"source\":\"log\",\"line\":8,\"error\":\"no \\\"level\\\"\"}",
        "{\"source\":\"log\",\"line\":9,\"error\":\"column 1: an audit event must be a JSON object\"}",
        "{\"source\":\"log\",\"line\":11,\"error\":\"\\\"user\\\" must be an object\"}",
        "{\"source\":\"log\",\"line\":12,\"error\":\"column 52: invalid character 'x' after top-level value\"}",
        "{\"source\":\"log\",\"line\":13,\"error\":\"column 33: invalid escape in string literal\"}",
        "{\"source\":\"log\",\"line\":14,\"error\":\"item 1: an EventList item must be an object\"}",
        "{\"source\":\"log\",\"line\":15,\"error\":\"\\\"user.groups\\\" must be a list of strings\"}",
        "{\"source\":\"log\",\"line\":16,\"error\":\"\\\"objectRef\\\" fields must be strings\"}",
        "{\"source\":\"log\",\"line\":17,\"error\":\"column 58: invalid character '}' looking for beginning of value\"}",
        "{\"source\":\"log\",\"line\":18,\"error\":\"column 56: invalid character '1' after object key:value pair\"}",
        "{\"source\":\"log\",\"line\":19,\"error\":\"line of 101 bytes, longer than the limit of 100\"}",
    };
    const char *at = strstr(j, "\"bad\":[");
    ck_assert_ptr_nonnull(at);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *hit = strstr(at, want[i]);
        if (!hit)
            ck_abort_msg("missing %s in %s", want[i], at);
        at = hit;
    }
    free(j);
    kap_replay_summary_free(s);
    kap_policy_free(p);
}
END_TEST

START_TEST(bad_kinds)
{
    /* kind and apiVersion: absent, null or "" pass (webhook EventList items
     * carry neither); anything but an audit Event (EventList for the line's
     * list) is a bad line, not an event; a key given twice counts with its
     * last value, as in Go */
#define E(more) "{\"level\":\"Metadata\",\"stage\":\"Panic\"," more "}"
    const char *log =
        E("\"auditID\":\"1\",\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\"") "\n"       /* 1 */
        E("\"auditID\":\"2\",\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1beta1\"") "\n"  /* 2 */
        E("\"auditID\":\"3\"") "\n"                                                              /* 3 */
        E("\"auditID\":\"4\",\"kind\":null,\"apiVersion\":\"\"") "\n"                            /* 4 */
        E("\"auditID\":\"5\",\"kind\":\"Pod\",\"apiVersion\":\"v1\"") "\n"                       /* 5 */
        E("\"auditID\":\"6\",\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v2\"") "\n"       /* 6 */
        E("\"auditID\":\"7\",\"kind\":5") "\n"                                                   /* 7 */
        E("\"auditID\":\"8\",\"kind\":\"Event\",\"apiVersion\":[\"audit.k8s.io/v1\"]") "\n"     /* 8 */
        E("\"auditID\":\"9\",\"kind\":\"event\"") "\n"                                           /* 9 */
        E("\"auditID\":\"10\",\"kind\":\"Ev\\u0065nt\",\"apiVersion\":\"audit.k8s.io\\/v1\"") "\n" /* 10 */
        E("\"auditID\":\"11\",\"kind\":\"Pod\",\"kind\":\"Event\"") "\n"                         /* 11 */
        E("\"auditID\":\"12\",\"kind\":\"Event\",\"kind\":\"Pod\"") "\n"                         /* 12 */
        "{\"kind\":\"PodList\",\"items\":[" E("\"auditID\":\"13\"") "]}\n"                       /* 13 */
        "{\"kind\":\"EventList\",\"apiVersion\":\"v1\",\"items\":[" E("\"auditID\":\"14\"") "]}\n" /* 14 */
        "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[" E("\"auditID\":\"15a\"") ","
        E("\"auditID\":\"15b\",\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\"") ","
        E("\"auditID\":\"15c\",\"kind\":\"Pod\"") "]}\n"                                         /* 15 */
        "{\"kind\":5,\"verb\":[],\"items\":[" E("\"auditID\":\"16\"") "]}\n"                      /* 16 */
        "{\"kind\":\"Event\",\"items\":[" E("\"auditID\":\"17\"") "]}\n"                          /* 17 */
        "{\"kind\":\"PodList\",\"items\":[]}\n"                                                  /* 18 */
        E("\"auditID\":\"19\",\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\"") "\n";   /* 19 */
#undef E
    kap_policy *p = pol(HDR "rules:\n- level: Metadata\n");
    sink out = {0};
    kap_replay_summary *s = whole(p, NULL, log, strlen(log), &out);
    kap_replay_counts c = counts_of(s);
    ck_assert_uint_eq(c.events, 8); /* 1, 2, 3, 4, 10, 11, 15a, 15b */
    ck_assert_uint_eq(c.requests, 8);
    ck_assert_uint_eq(c.bad_lines, 13);
    /* nothing of a bad line is written */
    ck_assert_ptr_null(strstr(out.s, "\"auditID\":\"5\""));
    ck_assert_ptr_null(strstr(out.s, "\"auditID\":\"15c\""));
    ck_assert_ptr_null(strstr(out.s, "\"auditID\":\"13\""));
    ck_assert_ptr_nonnull(strstr(out.s, "\"auditID\":\"15b\""));
    free(out.s);
    char *j = json_of(s);
    const char *kind = "\\\"kind\\\" must be \\\"Event\\\"\"}";
    const char *list = "\\\"kind\\\" must be \\\"EventList\\\"\"}";
    const char *version = "\\\"apiVersion\\\" must be audit.k8s.io/v1 or audit.k8s.io/v1beta1\"}";
    struct {
        int line;
        const char *prefix, *error;
    } want[] = {
        {5, "", kind},
        {6, "", version},
        {7, "", "\\\"kind\\\" must be a string\"}"},
        {8, "", "\\\"apiVersion\\\" must be a string\"}"},
        {9, "", kind},
        {12, "", kind},
        {13, "", list},
        {14, "", version},
        {15, "item 2: ", kind},
        {16, "", "\\\"kind\\\" must be a string\"}"},
        {17, "", list},
        {18, "", list},
        {19, "", "an EventList without an \\\"items\\\" list\"}"},
    };
    const char *at = strstr(j, "\"bad\":[");
    ck_assert_ptr_nonnull(at);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char one[256];
        snprintf(one, sizeof one, "{\"source\":\"log\",\"line\":%d,\"error\":\"%s%s", want[i].line, want[i].prefix,
                 want[i].error);
        const char *hit = strstr(at, one);
        if (!hit)
            ck_abort_msg("missing %s in %s", one, at);
        at = hit;
    }
    ck_assert_ptr_null(strstr(at + 1, "{\"source\""));
    free(j);
    kap_replay_summary_free(s);
    kap_policy_free(p);
}
END_TEST

START_TEST(bad_deep_and_many)
{
    /* nesting beyond Go's 10000 levels (the event object is the first: the
     * 10000th "[" at column 10054 is level 10001), and more bad lines than listed */
    size_t n = 20050;
    char *log = malloc(n + 4096);
    size_t k = (size_t)sprintf(log, "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"x\":");
    for (size_t i = 0; i < 10001; i++)
        log[k++] = '[';
    for (size_t i = 0; i < 10001; i++)
        log[k++] = ']';
    k += (size_t)sprintf(log + k, "}\n");
    for (int i = 0; i < 150; i++)
        k += (size_t)sprintf(log + k, "x\n");
    kap_policy *p = pol(HDR "rules:\n- level: Metadata\n");
    kap_replay_summary *s = whole(p, NULL, log, k, NULL);
    kap_replay_counts c = counts_of(s);
    ck_assert_uint_eq(c.bad_lines, 151);
    char *j = json_of(s);
    ck_assert_ptr_nonnull(strstr(j, "\"line\":1,\"error\":\"column 10054: exceeded max depth\""));
    ck_assert_ptr_nonnull(strstr(j, "\"line\":100,"));
    ck_assert_ptr_null(strstr(j, "\"line\":101,"));
    free(j);
    char *t;
    ck_assert_int_eq(kap_replay_summary_format(s, KAP_REPLAY_FORMAT_TABLE, 0, &t, NULL), KAP_OK);
    ck_assert_ptr_nonnull(strstr(t, "151 bad lines:\n  log:1: column 10054: exceeded max depth\n"));
    ck_assert_ptr_nonnull(strstr(t, "  ... and 51 more\n"));
    free(t);
    kap_replay_summary_free(s);
    kap_policy_free(p);
    free(log);
}
END_TEST

/* The table quotes, as JSON strings, the users, verbs, resources, paths and
 * auditIDs that hold control characters (C0, DEL, C1) or bytes that are not
 * UTF-8, so nothing from a client acts on a terminal; other strings, UTF-8
 * included, stand as they are. The JSON output is as it was. */
START_TEST(table_escapes_controls)
{
    static const char log[] =
        "{\"level\":\"Metadata\",\"auditID\":\"e\\u001b1\",\"stage\":\"ResponseComplete\","
        "\"requestURI\":\"/%1b]0;t%07%ff%c2%9b\",\"verb\":\"g\\net\",\"user\":{\"username\":\"a\\u001b[31m\\u007f\"}}\n"
        "{\"level\":\"Metadata\",\"auditID\":\"e2\",\"stage\":\"ResponseComplete\","
        "\"requestURI\":\"/api/v1/namespaces/d\\u00e9v/pods\",\"verb\":\"list\",\"user\":{\"username\":\"\\u00e9l\\u00e8ve\"},"
        "\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"d\\u00e9v\",\"apiVersion\":\"v1\"}}\n";
    kap_policy *p = pol(HDR "rules:\n- level: Metadata\n");
    kap_policy *q = pol(HDR "rules:\n- level: None\n");
    kap_replay_options o;
    kap_replay_options_init(&o);
    o.compare = q;
    kap_replay_summary *s = whole(p, &o, log, sizeof log - 1, NULL);
    char *t;
    ck_assert_int_eq(kap_replay_summary_format(s, KAP_REPLAY_FORMAT_TABLE, 0, &t, NULL), KAP_OK);
    ck_assert_ptr_null(strchr(t, '\033'));
    ck_assert_ptr_null(strchr(t, '\007'));
    ck_assert_ptr_null(strchr(t, '\177'));
    ck_assert_ptr_null(strstr(t, "\xc2\x9b"));
    ck_assert_ptr_null(strstr(t, "\xff"));
    ck_assert_ptr_nonnull(strstr(t, " events  \"a\\u001b[31m\\u007f\"\n"));
    ck_assert_ptr_nonnull(strstr(t, " events  \"/\\u001b]0;t\\u0007\\ufffd\\u009b\"\n"));
    ck_assert_ptr_nonnull(strstr(t, " events  \"g\\net\"\n"));
    ck_assert_ptr_nonnull(strstr(t, " events  \xc3\xa9l\xc3\xa8ve\n"));
    ck_assert_ptr_nonnull(strstr(t, " events  pods\n"));
    ck_assert_ptr_nonnull(strstr(t, " events  list\n"));
    ck_assert_ptr_nonnull(
        strstr(t, "  Metadata -> None  \"a\\u001b[31m\\u007f\" \"g\\net\" \"/\\u001b]0;t\\u0007\\ufffd\\u009b\"  "
                  "e.g. \"e\\u001b1\"\n"));
    ck_assert_ptr_nonnull(strstr(t, "  Metadata -> None  \xc3\xa9l\xc3\xa8ve list pods  e.g. e2\n"));
    free(t);
    /* JSON: its own escapes, as before */
    char *j = json_of(s);
    ck_assert_ptr_nonnull(strstr(j, "{\"user\":\"a\\u001b[31m\\u007f\",\"events\":1,"));
    ck_assert_ptr_nonnull(strstr(j, "{\"resource\":\"/\\u001b]0;t\\u0007"));
    free(j);
    kap_replay_summary_free(s);
    kap_policy_free(q);
    kap_policy_free(p);
}
END_TEST

/* Whether s is valid UTF-8 (RFC 3629: no overlong form, no surrogate,
 * nothing past U+10FFFF), decoded here apart from the code under test. */
static int valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp, min;
        int more;
        if (*p < 0x80) {
            p++;
            continue;
        } else if ((*p & 0xE0) == 0xC0) {
            cp = *p & 0x1F, more = 1, min = 0x80;
        } else if ((*p & 0xF0) == 0xE0) {
            cp = *p & 0x0F, more = 2, min = 0x800;
        } else if ((*p & 0xF8) == 0xF0) {
            cp = *p & 0x07, more = 3, min = 0x10000;
        } else {
            return 0;
        }
        p++;
        for (; more > 0; more--, p++) {
            if ((*p & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (*p & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
    }
    return 1;
}

START_TEST(compare_in_effect)
{
    /* differences are counted as they take effect: at None nothing is
     * written (omitStages and omitManagedFields change nothing), at
     * Metadata no body (omitManagedFields changes nothing) */
    kap_policy *p = pol(HDR "rules:\n"
                            "- level: None\n  verbs: [get]\n"
                            "- level: Metadata\n  verbs: [list]\n"
                            "- level: RequestResponse\n  verbs: [create]\n"
                            "- level: Request\n  verbs: [update]\n"
                            "- level: None\n  verbs: [watch]\n"
                            "- level: Request\n  verbs: [patch]\n  omitManagedFields: true\n"
                            "- level: Request\n");
    kap_policy *q = pol(HDR "rules:\n"
                            "- level: None\n  verbs: [get]\n  omitStages: [RequestReceived]\n"
                            "- level: Metadata\n  verbs: [list]\n  omitManagedFields: true\n"
                            "- level: RequestResponse\n  verbs: [create]\n  omitManagedFields: true\n"
                            "- level: Request\n  verbs: [update]\n  omitStages: [ResponseStarted]\n"
                            "- level: Metadata\n  verbs: [watch]\n  omitManagedFields: true\n"
                            "- level: Metadata\n  verbs: [patch]\n"
                            "- level: Request\n");
#define V(id, verb) "{\"level\":\"RequestResponse\",\"auditID\":\"" id "\",\"stage\":\"ResponseComplete\",\"verb\":\"" verb "\"}\n"
    static const char log[] = V("1", "get") V("2", "list") V("3", "create") V("4", "update") V("5", "watch")
        V("6", "patch") V("7", "delete");
#undef V
    kap_replay_options o;
    kap_replay_options_init(&o);
    o.compare = q;
    kap_replay_summary *s = whole(p, &o, log, sizeof log - 1, NULL);
    char *j = json_of(s);
    ck_assert_msg(strstr(j, "\"differences\":4,\"groups\":4,") != NULL, "%s", j);
    ck_assert_msg(strstr(j, "\"verb\":\"create\",\"resource\":\"\",\"requests\":1,"
                            "\"policy\":{\"level\":\"RequestResponse\",\"omitStages\":[],\"omitManagedFields\":false},"
                            "\"other\":{\"level\":\"RequestResponse\",\"omitStages\":[],\"omitManagedFields\":true}") != NULL,
                  "%s", j);
    ck_assert_msg(strstr(j, "\"verb\":\"watch\",\"resource\":\"\",\"requests\":1,"
                            "\"policy\":{\"level\":\"None\",\"omitStages\":[],\"omitManagedFields\":false},"
                            "\"other\":{\"level\":\"Metadata\",\"omitStages\":[],\"omitManagedFields\":false}") != NULL,
                  "%s", j);
    const char *differing = strstr(j, "\"differing\":");
    ck_assert_ptr_nonnull(differing);
    ck_assert_ptr_null(strstr(differing, "\"verb\":\"get\""));
    ck_assert_ptr_null(strstr(differing, "\"verb\":\"list\""));
    free(j);
    char *t;
    ck_assert_int_eq(kap_replay_summary_format(s, KAP_REPLAY_FORMAT_TABLE, 0, &t, NULL), KAP_OK);
    ck_assert_msg(strstr(t, "; 4 requests decided differently\n") != NULL, "%s", t);
    /* the list has a header line, right above it */
    ck_assert_msg(strstr(t, "\n  requests  this policy -> the other  user verb resource-or-path  e.g. auditID\n"
                            "         1  ") != NULL, "%s", t);
    ck_assert_msg(strstr(t, "  RequestResponse (omitManagedFields: false) -> RequestResponse (omitManagedFields: true)  "
                            "(no user) create   e.g. 3\n") != NULL, "%s", t);
    ck_assert_msg(strstr(t, "  Request (omitStages: none) -> Request (omitStages: ResponseStarted)  (no user) update   e.g. 4\n") != NULL,
                  "%s", t);
    ck_assert_msg(strstr(t, "  None -> Metadata  (no user) watch   e.g. 5\n") != NULL, "%s", t);
    ck_assert_msg(strstr(t, "  Request -> Metadata  (no user) patch   e.g. 6\n") != NULL, "%s", t);
    free(t);
    kap_replay_summary_free(s);
    kap_policy_free(q);
    kap_policy_free(p);
}
END_TEST

START_TEST(table_utf8_whole_or_quoted)
{
    /* valid UTF-8 of 2, 3 and 4 bytes stands as it is; a path with bytes
     * that are not UTF-8 (a bad second byte, an overlong form, a
     * surrogate, past U+10FFFF, cut short) is quoted, each such byte a
     * \ufffd, a C1 control \u0085 */
    static const char log[] =
        "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"ResponseComplete\","
        "\"requestURI\":\"/a%c3%a9%e2%82%ac%f0%9f%98%80\",\"verb\":\"get\",\"user\":{\"username\":\"u\"}}\n"
        "{\"level\":\"Metadata\",\"auditID\":\"b\",\"stage\":\"ResponseComplete\","
        "\"requestURI\":\"/b%e2%28%a1%e0%80%80%ed%a0%80%f4%90%80%80%c2%85\",\"verb\":\"get\",\"user\":{\"username\":\"u\"}}\n"
        "{\"level\":\"Metadata\",\"auditID\":\"c\",\"stage\":\"ResponseComplete\","
        "\"requestURI\":\"/c%e2%82\",\"verb\":\"get\",\"user\":{\"username\":\"u\"}}\n"
        "{\"level\":\"Metadata\",\"auditID\":\"d\",\"stage\":\"ResponseComplete\","
        "\"requestURI\":\"/a%c3%a9%e2%82%ac%f0%9f%98%80\",\"verb\":\"get\",\"user\":{\"username\":\"v\xfew\xc0\xaf\"}}\n";
    kap_policy *p = pol(HDR "rules:\n- level: Metadata\n");
    kap_replay_options o;
    kap_replay_options_init(&o);
    kap_replay_summary *s = whole(p, &o, log, sizeof log - 1, NULL);
    char *t;
    ck_assert_int_eq(kap_replay_summary_format(s, KAP_REPLAY_FORMAT_TABLE, 0, &t, NULL), KAP_OK);
    ck_assert_msg(strstr(t, " events  /a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n") != NULL, "%s", t);
    ck_assert_msg(strstr(t, " events  \"/b\\ufffd(\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
                            "\\ufffd\\ufffd\\u0085\"\n") != NULL,
                  "%s", t);
    ck_assert_msg(strstr(t, " events  \"/c\\ufffd\\ufffd\"\n") != NULL, "%s", t);
    free(t);
    /* JSON is valid UTF-8 too, each byte that is not a \ufffd as Go's
     * encoding/json writes it; a C1 control is valid and stays as it is */
    char *j = json_of(s);
    ck_assert_msg(valid_utf8(j), "%s", j);
    ck_assert_msg(strstr(j, "{\"resource\":\"/a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",") != NULL, "%s", j);
    ck_assert_msg(strstr(j, "{\"resource\":\"/b\\ufffd(\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
                            "\\ufffd\\ufffd\\ufffd\xc2\x85\",") != NULL,
                  "%s", j);
    ck_assert_msg(strstr(j, "{\"resource\":\"/c\\ufffd\\ufffd\",") != NULL, "%s", j);
    ck_assert_msg(strstr(j, "{\"user\":\"v\\ufffdw\\ufffd\\ufffd\",") != NULL, "%s", j);
    free(j);
    kap_replay_summary_free(s);
    kap_policy_free(p);
}
END_TEST

/* ---- the real logs: merges at random cuts --------------------------------------- */

typedef struct src {
    char name[256];
    char *data;
    size_t len;
} src;

static src logs[16];
static size_t n_logs;

static void load_logs(void)
{
    if (n_logs)
        return;
    static const char *names[] = {"audit2rbac-demo-original-v1beta1.jsonl", "audit2rbac-demo.jsonl",
                                  "crowdsec-hub-k8s-audit.jsonl", "falco-psp-trace-files.jsonl",
                                  "falco-trace-files.jsonl", "immudb-log-audit-k8s.jsonl",
                                  "panther-analysis-eks-tests.jsonl"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/tests/replay/logs/%s", srcdir, names[i]);
        snprintf(logs[i].name, sizeof logs[i].name, "%s", names[i]);
        logs[i].data = read_whole(path, &logs[i].len);
        ck_assert_ptr_nonnull(logs[i].data);
    }
    n_logs = sizeof names / sizeof names[0];
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* The summary of stream bytes [a, b) (the logs one after the other). */
static kap_replay_summary *piece(kap_replay *r, size_t a, size_t b, sink *out)
{
    kap_replay_set_output(r, out ? to_sink : NULL, out);
    size_t base = 0;
    for (size_t i = 0; i < n_logs; i++) {
        size_t s0 = base, s1 = base + logs[i].len;
        base = s1;
        if (b <= s0 || a >= s1)
            continue;
        size_t from = a > s0 ? a - s0 : 0, to = b < s1 ? b - s0 : logs[i].len;
        unsigned flags = from == 0 ? KAP_REPLAY_SOURCE_START | (i == 0 ? KAP_REPLAY_STREAM_START : 0) : 0;
        ck_assert_int_eq(kap_replay_begin(r, logs[i].name, flags), KAP_OK);
        /* fed in two uneven parts: lines across feeds too */
        size_t mid = from + (to - from) / 3;
        ck_assert_int_eq(kap_replay_feed(r, logs[i].data + from, mid - from), KAP_OK);
        ck_assert_int_eq(kap_replay_feed(r, logs[i].data + mid, to - mid), KAP_OK);
        ck_assert_int_eq(kap_replay_end(r, to == logs[i].len ? KAP_REPLAY_SOURCE_END : 0), KAP_OK);
    }
    kap_replay_summary *s;
    ck_assert_int_eq(kap_replay_take_summary(r, &s), KAP_OK);
    return s;
}

static void saved(const kap_replay_summary *s, void **b, size_t *n)
{
    ck_assert_int_eq(kap_replay_summary_save(s, b, n), KAP_OK);
}

static void assert_same(const kap_replay_summary *x, const kap_replay_summary *y)
{
    void *a, *b;
    size_t an, bn;
    saved(x, &a, &an);
    saved(y, &b, &bn);
    if (an != bn || memcmp(a, b, an) != 0) {
        char *ja = json_of(x), *jb = json_of(y);
        ck_abort_msg("summaries differ (%zu vs %zu bytes)\n%s\n%s", an, bn, ja, jb);
    }
    kap_replay_bytes_free(a);
    kap_replay_bytes_free(b);
}

static void merge_property(const kap_policy *p, const kap_policy *q, uint64_t window, size_t max_line, int rounds)
{
    load_logs();
    size_t total = 0;
    for (size_t i = 0; i < n_logs; i++)
        total += logs[i].len;
    kap_replay_options o;
    kap_replay_options_init(&o);
    o.compare = q;
    if (window)
        o.window = window;
    if (max_line)
        o.max_line = max_line;
    kap_replay *r;
    ck_assert_int_eq(kap_replay_new(&r, p, &o), KAP_OK);
    sink wout = {0};
    kap_replay_summary *all = piece(r, 0, total, &wout);
    kap_replay_counts c = counts_of(all);
    ck_assert_uint_eq(c.bytes_in, total);
    ck_assert_uint_eq(c.bytes_out, wout.len);
    for (int round = 0; round < rounds; round++) {
        size_t cuts[10];
        size_t nc = 1 + next_rand() % 8;
        cuts[0] = 0;
        for (size_t i = 1; i < nc; i++)
            cuts[i] = (size_t)(next_rand() % total);
        cuts[nc] = total;
        for (size_t i = 1; i < nc; i++) /* sort */
            for (size_t j = i; j > 0 && cuts[j] < cuts[j - 1]; j--) {
                size_t t = cuts[j];
                cuts[j] = cuts[j - 1];
                cuts[j - 1] = t;
            }
        kap_replay_summary *parts[10];
        sink outs[10];
        memset(outs, 0, sizeof outs);
        for (size_t i = 0; i < nc; i++)
            parts[i] = piece(r, cuts[i], cuts[i + 1], &outs[i]);
        /* in order, the output of each piece after the lines cut before it */
        sink mout = {0};
        kap_replay_set_output(r, to_sink, &mout);
        kap_replay_summary *m;
        ck_assert_int_eq(kap_replay_take_summary(r, &m), KAP_OK); /* empty */
        for (size_t i = 0; i < nc; i++) {
            ck_assert_int_eq(kap_replay_merge(r, m, parts[i]), KAP_OK);
            if (outs[i].len)
                to_sink(&mout, outs[i].s, outs[i].len);
        }
        assert_same(all, m);
        ck_assert_uint_eq(mout.len, wout.len);
        ck_assert_int_eq(memcmp(mout.s, wout.s, wout.len), 0);
        kap_replay_set_output(r, NULL, NULL);
        /* a tree, through bytes: ((p0 p1) (p2 p3)) ... */
        kap_replay_summary *level[10];
        size_t nl = nc;
        for (size_t i = 0; i < nc; i++) {
            void *b;
            size_t bn;
            saved(parts[i], &b, &bn);
            ck_assert_int_eq(kap_replay_summary_load(&level[i], b, bn), KAP_OK);
            kap_replay_bytes_free(b);
        }
        while (nl > 1) {
            size_t k = 0;
            for (size_t i = 0; i < nl; i += 2) {
                if (i + 1 < nl) {
                    ck_assert_int_eq(kap_replay_merge(r, level[i], level[i + 1]), KAP_OK);
                    kap_replay_summary_free(level[i + 1]);
                }
                level[k++] = level[i];
            }
            nl = k;
        }
        assert_same(all, level[0]);
        kap_replay_summary_free(level[0]);
        kap_replay_summary_free(m);
        free(mout.s);
        for (size_t i = 0; i < nc; i++) {
            kap_replay_summary_free(parts[i]);
            free(outs[i].s);
        }
    }
    free(wout.s);
    kap_replay_summary_free(all);
    kap_replay_free(r);
}

START_TEST(merge_random_cuts)
{
    static const char *names[] = {"gce-configure-helper.yaml", "openshift-default.yaml", "kubespray-default.yaml",
                                  "k8s-website-example.yaml", "falco-k8saudit-plugin.yaml"};
    if (quick && _i > 1)
        return;
    kap_policy *p = pol_file(names[_i]);
    kap_policy *q = pol_file(names[(_i + 1) % 5]);
    int k = quick ? 8 : 1;
    merge_property(p, NULL, 0, 0, 12 / k);
    merge_property(p, q, 0, 0, 8 / k + quick);
    merge_property(p, q, 40, 0, 8 / k + quick);     /* requests expire across cuts */
    merge_property(p, NULL, 3, 2000, 8 / k + quick); /* and lines beyond max_line, cut or not */
    kap_policy_free(p);
    kap_policy_free(q);
}
END_TEST


/* Many small pieces around the boundary of two logs: pieces inside one line,
 * pieces that end a source, lines cut several times, merged in order and
 * as a tree. */
START_TEST(merge_fine_cuts)
{
    load_logs();
    size_t total = 0;
    for (size_t i = 0; i < n_logs; i++)
        total += logs[i].len;
    kap_policy *p = pol_file("kubespray-default.yaml"), *q = pol_file("openshift-default.yaml");
    kap_replay_options o;
    kap_replay_options_init(&o);
    o.compare = q;
    o.window = 30;
    o.max_line = 700 + (size_t)_i * 400;
    kap_replay *r;
    ck_assert_int_eq(kap_replay_new(&r, p, &o), KAP_OK);
    kap_replay_summary *all = piece(r, 0, total, NULL);
    size_t edge = logs[0].len + logs[1].len, from = edge - 15000, to = edge + 15000;
    size_t cuts[512], nc = 0;
    cuts[nc++] = 0;
    for (size_t at = from; at < to && nc < 510; at += 1 + next_rand() % (_i ? 40 : 300))
        cuts[nc++] = at;
    cuts[nc++] = edge; /* exactly at the boundary too */
    for (size_t i = nc - 1; i > 0 && cuts[i] < cuts[i - 1]; i--) {
        size_t t = cuts[i];
        cuts[i] = cuts[i - 1];
        cuts[i - 1] = t;
    }
    cuts[nc] = total;
    kap_replay_summary *m;
    ck_assert_int_eq(kap_replay_take_summary(r, &m), KAP_OK);
    kap_replay_summary *parts[512];
    size_t np = 0;
    for (size_t i = 0; i < nc; i++) {
        if (cuts[i + 1] == cuts[i])
            continue;
        parts[np++] = piece(r, cuts[i], cuts[i + 1], NULL);
    }
    for (size_t i = 0; i < np; i++)
        ck_assert_int_eq(kap_replay_merge(r, m, parts[i]), KAP_OK);
    assert_same(all, m);
    /* a tree: neighbours, then neighbours of those */
    size_t nl = np;
    while (nl > 1) {
        size_t k = 0;
        for (size_t i = 0; i < nl; i += 2) {
            if (i + 1 < nl) {
                ck_assert_int_eq(kap_replay_merge(r, parts[i], parts[i + 1]), KAP_OK);
                kap_replay_summary_free(parts[i + 1]);
            }
            parts[k++] = parts[i];
        }
        nl = k;
    }
    assert_same(all, parts[0]);
    kap_replay_summary_free(parts[0]);
    kap_replay_summary_free(m);
    kap_replay_summary_free(all);
    kap_replay_free(r);
    kap_policy_free(p);
    kap_policy_free(q);
}
END_TEST


/* A small stream of three sources, one ending without a newline, one empty
 * line, one line across a source's end: cut at every byte (and at every
 * pair of bytes in a smaller window), merged, against the whole. */
static const char *small_src[3] = {
    ("{\"level\":\"Request\",\"auditID\":\"a\",\"stage\":\"RequestReceived\",\"verb\":\"get\"}\n"
    "{\"level\":\"Request\",\"auditID\":\"b\",\"stage\":\"ResponseStarted\",\"requestObject\":{\"x\":1}}\n"
    "{\"level\":\"Request\",\"auditID\":\"a\",\"stage\":\"ResponseComplete\",\"verb\":\"get\"}"),
    ("\n{\"level\":\"Request\",\"auditID\":\"b\",\"stage\":\"ResponseComplete\"}\nnot json\n"
    "{\"kind\":\"EventList\",\"items\":[{\"level\":\"Metadata\",\"auditID\":\"c\",\"stage\":\"Panic\"}]}"),
    "{\"level\":\"Metadata\",\"auditID\":\"d\",\"stage\":\"ResponseStarted\",\"pad\":\"0123456789012345678901234567890123456789\"}\n",
};

static kap_replay_summary *small_piece(kap_replay *r, size_t a, size_t b, sink *out)
{
    kap_replay_set_output(r, out ? to_sink : NULL, out);
    size_t base = 0;
    for (int i = 0; i < 3; i++) {
        size_t len = strlen(small_src[i]), s0 = base, s1 = base + len;
        base = s1;
        if (b <= s0 || a >= s1 || (a == b))
            continue;
        size_t from = a > s0 ? a - s0 : 0, to = b < s1 ? b - s0 : len;
        ck_assert_int_eq(kap_replay_begin(r, i == 0 ? "one" : i == 1 ? "two" : "three",
                                          from == 0 ? KAP_REPLAY_SOURCE_START | (i == 0 ? KAP_REPLAY_STREAM_START : 0) : 0),
                         KAP_OK);
        ck_assert_int_eq(kap_replay_feed(r, small_src[i] + from, to - from), KAP_OK);
        ck_assert_int_eq(kap_replay_end(r, to == len ? KAP_REPLAY_SOURCE_END : 0), KAP_OK);
    }
    kap_replay_summary *s;
    ck_assert_int_eq(kap_replay_take_summary(r, &s), KAP_OK);
    return s;
}

START_TEST(merge_every_byte)
{
    kap_policy *p = pol(HDR "rules:\n- level: None\n  verbs: [list]\n- level: Metadata\n"), *q = pol(HDR "rules:\n- level: Request\n");
    kap_replay_options o;
    kap_replay_options_init(&o);
    o.compare = q;
    o.window = 2;
    o.max_line = 100;
    kap_replay *r;
    ck_assert_int_eq(kap_replay_new(&r, p, &o), KAP_OK);
    size_t total = strlen(small_src[0]) + strlen(small_src[1]) + strlen(small_src[2]);
    sink wall = {0};
    kap_replay_summary *all = small_piece(r, 0, total, &wall);
    ck_assert_uint_eq(counts_of(all).bad_lines, 2); /* "not json" and the long line */
    for (size_t c1 = 0; c1 <= total; c1++) {
        if (quick && c1 % 13)
            continue;
        for (size_t c2 = c1; c2 <= total; c2 += c1 % 7 == 0 ? 1 + (size_t)quick * 6 : total) {
            sink w[3] = {{0}}, wm = {0};
            kap_replay_summary *x = small_piece(r, 0, c1, &w[0]), *y = small_piece(r, c1, c2, &w[1]),
                               *z = small_piece(r, c2, total, &w[2]);
            kap_replay_set_output(r, to_sink, &wm);
            if (c1 % 2) { /* (x y) z */
                ck_assert_int_eq(kap_replay_merge(r, x, y), KAP_OK);
                ck_assert_int_eq(kap_replay_merge(r, x, z), KAP_OK);
            } else { /* x (y z) */
                ck_assert_int_eq(kap_replay_merge(r, y, z), KAP_OK);
                ck_assert_int_eq(kap_replay_merge(r, x, y), KAP_OK);
            }
            assert_same(all, x);
            ck_assert_uint_eq(w[0].len + w[1].len + w[2].len + wm.len, wall.len);
            kap_replay_summary_free(x);
            kap_replay_summary_free(y);
            kap_replay_summary_free(z);
            for (int i = 0; i < 3; i++)
                free(w[i].s);
            free(wm.s);
        }
    }
    free(wall.s);
    kap_replay_summary_free(all);
    kap_replay_free(r);
    kap_policy_free(p);
    kap_policy_free(q);
}
END_TEST

/* One auditID whose stages name two users (a corrupt or hand-made log):
 * kube-apiserver's request is the first stage's, so the whole stream has
 * one request, alice's, and bob's group holds only his other request, z. Cut between the stages, the
 * last piece sees bob's orphan stage as a request of its own until the
 * merge settles it; its auditID must not stay among bob's examples. When
 * the stages are further apart than the window, bob's request is real and
 * its auditID is an example of bob's group beside z. Checked against the whole,
 * and by what the JSON says. */
static const char *orphan_log =
    "{\"level\":\"Metadata\",\"auditID\":\"x\",\"stage\":\"RequestReceived\",\"verb\":\"get\","
    "\"user\":{\"username\":\"alice\"},\"requestURI\":\"/healthz\"}\n"
    "{\"level\":\"Metadata\",\"auditID\":\"y\",\"stage\":\"ResponseComplete\",\"verb\":\"get\","
    "\"user\":{\"username\":\"carol\"},\"requestURI\":\"/readyz\"}\n"
    "{\"level\":\"Metadata\",\"auditID\":\"x\",\"stage\":\"ResponseComplete\",\"verb\":\"get\","
    "\"user\":{\"username\":\"bob\"},\"requestURI\":\"/healthz\"}\n"
    "{\"level\":\"Metadata\",\"auditID\":\"z\",\"stage\":\"ResponseComplete\",\"verb\":\"get\","
    "\"user\":{\"username\":\"bob\"},\"requestURI\":\"/healthz\"}\n";

START_TEST(merge_orphan_examples)
{
    kap_policy *p = pol(HDR "rules:\n- level: Metadata\n"), *q = pol(HDR "rules:\n- level: Request\n");
    size_t len = strlen(orphan_log);
    /* cuts inside the first and the second line: each piece after the
     * first begins with the end of a line, which the merge joins */
    size_t eol1 = (size_t)(strchr(orphan_log, '\n') - orphan_log) + 1;
    size_t cut1 = eol1 / 2, cut2 = eol1 + 10;
    for (uint64_t window = 1; window <= 3; window++) {
        kap_replay_options o;
        kap_replay_options_init(&o);
        o.compare = q;
        o.window = window;
        kap_replay_summary *all = whole(p, &o, orphan_log, len, NULL);
        char *j = json_of(all);
        /* window 1: x's second stage is two events on, a new request */
        int bob_real = window < 2;
        ck_assert_msg(strstr(j, bob_real ? "\"user\":\"bob\",\"verb\":\"get\",\"resource\":\"/healthz\",\"requests\":2"
                                         : "\"user\":\"bob\",\"verb\":\"get\",\"resource\":\"/healthz\",\"requests\":1"),
                      "window %d: %s", (int)window, j);
        ck_assert_msg(strstr(j, bob_real ? "\"examples\":[\"x\",\"z\"]" : "\"examples\":[\"z\"]"), "window %d: %s",
                      (int)window, j);
        ck_assert_ptr_nonnull(strstr(j, "\"user\":\"alice\",\"verb\":\"get\",\"resource\":\"/healthz\",\"requests\":1"));
        kap_replay_bytes_free(j);
        kap_replay *r;
        ck_assert_int_eq(kap_replay_new(&r, p, &o), KAP_OK);
        size_t cuts[][2] = {{cut1, cut2}, {cut2, cut2}, {cut1, cut1}};
        for (size_t c = 0; c < 3; c++) {
            size_t at[4] = {0, cuts[c][0], cuts[c][1], len};
            kap_replay_summary *s[3];
            for (int i = 0; i < 3; i++) {
                ck_assert_int_eq(kap_replay_begin(r, "log", i == 0 ? KAP_REPLAY_SOURCE_START | KAP_REPLAY_STREAM_START
                                                                   : (at[i] == 0 ? KAP_REPLAY_SOURCE_START : 0)),
                                 KAP_OK);
                ck_assert_int_eq(kap_replay_feed(r, orphan_log + at[i], at[i + 1] - at[i]), KAP_OK);
                ck_assert_int_eq(kap_replay_end(r, at[i + 1] == len ? KAP_REPLAY_SOURCE_END : 0), KAP_OK);
                ck_assert_int_eq(kap_replay_take_summary(r, &s[i]), KAP_OK);
            }
            /* the last piece alone shows bob's orphan among his examples */
            j = json_of(s[2]);
            ck_assert_msg(strstr(j, "\"user\":\"bob\",\"verb\"") && strstr(j, "\"examples\":[\"x\",\"z\"]"),
                          "window %d cut %d: %s", (int)window, (int)c, j);
            kap_replay_bytes_free(j);
            /* (s1 s2) first: bob's orphan stays a head through s1 */
            ck_assert_int_eq(kap_replay_merge(r, s[1], s[2]), KAP_OK);
            ck_assert_int_eq(kap_replay_merge(r, s[0], s[1]), KAP_OK);
            assert_same(all, s[0]);
            for (int i = 0; i < 3; i++)
                kap_replay_summary_free(s[i]);
        }
        kap_replay_free(r);
        kap_replay_summary_free(all);
    }
    kap_policy_free(p);
    kap_policy_free(q);
}
END_TEST

START_TEST(files_and_threads)
{
    load_logs();
    kap_policy *p = pol_file("gce-configure-helper.yaml");
    kap_policy *q = pol_file("openshift-default.yaml");
    kap_replay_options o;
    kap_replay_options_init(&o);
    o.compare = q;
    const char *paths[16];
    char storage[16][4400];
    for (size_t i = 0; i < n_logs; i++) {
        snprintf(storage[i], sizeof storage[i], "%s/tests/replay/logs/%s", srcdir, logs[i].name);
        paths[i] = storage[i];
    }
    char *first = NULL;
    sink out1 = {0};
    for (unsigned t = 1; t <= (quick ? 2u : 4u); t++) {
        kap_replay_summary *s;
        sink out = {0};
        ck_assert_int_eq(kap_replay_files(&s, p, &o, paths, n_logs, t, to_sink, &out, NULL, NULL), KAP_OK);
        char *j = json_of(s);
        if (!first) {
            first = j;
            out1 = out;
        } else {
            ck_assert_str_eq(first, j);
            ck_assert_uint_eq(out.len, out1.len);
            ck_assert_int_eq(memcmp(out.s, out1.s, out.len), 0);
            free(j);
            free(out.s);
        }
        kap_replay_summary_free(s);
    }
    /* an unreadable file is reported, the others replayed */
    paths[n_logs] = "/nonexistent/audit.log";
    kap_replay_summary *s;
    ck_assert_int_eq(kap_replay_files(&s, p, &o, paths, n_logs + 1, 2, NULL, NULL, NULL, NULL), KAP_OK);
    char *j = json_of(s);
    ck_assert_ptr_nonnull(strstr(j, "{\"source\":\"/nonexistent/audit.log\",\"line\":1,\"error\":\"cannot open: No such file or directory\"}"));
    ck_assert_uint_eq(counts_of(s).bad_lines, 1);
    free(j);
    kap_replay_summary_free(s);
    /* gzip input larger than a chunk: decompressed blocks go from the
     * producer to the workers and back to be filled again; any number of
     * threads gives one thread's summary */
    char gz[] = "/tmp/kap-replay-gz-XXXXXX";
    int gfd = mkstemp(gz);
    ck_assert_int_ge(gfd, 0);
    close(gfd);
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "for i in $(seq %d); do cat '%s'/tests/replay/logs/*.jsonl; done | gzip -1 > '%s'",
             quick ? 2 : 6, srcdir, gz);
    ck_assert_int_eq(system(cmd), 0);
    const char *gzp[] = {gz};
    char *gfirst = NULL;
    for (unsigned t = 1; t <= 3; t++) {
        ck_assert_int_eq(kap_replay_files(&s, p, &o, gzp, 1, t, NULL, NULL, NULL, NULL), KAP_OK);
        ck_assert_uint_gt(counts_of(s).bytes_in, (uint64_t)4 << 20);
        j = json_of(s);
        if (!gfirst)
            gfirst = j;
        else {
            ck_assert_str_eq(gfirst, j);
            free(j);
        }
        kap_replay_summary_free(s);
    }
    free(gfirst);
    unlink(gz);
    /* the written log, replayed again, is written again the same */
    char tmp[] = "/tmp/kap-replay-test-XXXXXX";
    int fd = mkstemp(tmp);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq((int)write(fd, out1.s, out1.len), (int)out1.len);
    close(fd);
    const char *again[] = {tmp};
    sink out2 = {0};
    o.compare = NULL;
    ck_assert_int_eq(kap_replay_files(&s, p, &o, again, 1, 2, to_sink, &out2, NULL, NULL), KAP_OK);
    kap_replay_counts c = counts_of(s);
    ck_assert_uint_eq(c.bytes_in, out1.len);
    ck_assert_uint_eq(c.bytes_out, out1.len);
    ck_assert_uint_eq(out2.len, out1.len);
    ck_assert_int_eq(memcmp(out2.s, out1.s, out1.len), 0);
    kap_replay_summary_free(s);
    unlink(tmp);
    free(out1.s);
    free(out2.s);
    free(first);
    kap_policy_free(p);
    kap_policy_free(q);
}
END_TEST

/* ---- the API's refusals ------------------------------------------------------------- */

START_TEST(api_errors)
{
    kap_policy *p = pol(HDR "rules:\n- level: Metadata\n");
    kap_policy *q = pol(HDR "rules:\n- level: None\n");
    kap_replay *r = NULL, *r2 = NULL;
    kap_replay_options o;
    kap_replay_options_init(&o);
    ck_assert_int_eq(kap_replay_new(NULL, p, NULL), KAP_EARG);
    ck_assert_int_eq(kap_replay_new(&r, NULL, NULL), KAP_EARG);
    o.version = 99;
    ck_assert_int_eq(kap_replay_new(&r, p, &o), KAP_EARG);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(kap_replay_new(&r, p, NULL), KAP_OK);
    ck_assert_int_eq(kap_replay_new(&r2, q, NULL), KAP_OK);
    ck_assert_int_eq(kap_replay_feed(r, "x", 1), KAP_EARG); /* no begin */
    ck_assert_int_eq(kap_replay_end(r, 0), KAP_EARG);
    ck_assert_int_eq(kap_replay_report(r, "x"), KAP_EARG);
    ck_assert_int_eq(kap_replay_begin(r, "a", KAP_REPLAY_STREAM_START), KAP_EARG);
    ck_assert_int_eq(kap_replay_begin(r, "a", 0x80), KAP_EARG);
    ck_assert_int_eq(kap_replay_begin(r, "a", KAP_REPLAY_SOURCE_START), KAP_OK);
    ck_assert_int_eq(kap_replay_begin(r, "a", KAP_REPLAY_SOURCE_START), KAP_EARG); /* still in a piece */
    ck_assert_int_eq(kap_replay_end(r, 0x80), KAP_EARG);
    ck_assert_int_eq(kap_replay_end(r, 0), KAP_OK);
    ck_assert_int_eq(kap_replay_begin(r, "b", 0), KAP_EARG);                      /* a must go on */
    ck_assert_int_eq(kap_replay_begin(r, "b", KAP_REPLAY_SOURCE_START), KAP_EARG); /* a left open */
    ck_assert_int_eq(kap_replay_begin(r, "a", 0), KAP_OK);
    ck_assert_int_eq(kap_replay_end(r, KAP_REPLAY_SOURCE_END), KAP_OK);
    ck_assert_int_eq(kap_replay_begin(r, "c", 0), KAP_EARG); /* a middle piece after an end */
    kap_replay_summary *s1, *s2, *x;
    ck_assert_int_eq(kap_replay_take_summary(r, &s1), KAP_OK);
    ck_assert_int_eq(kap_replay_begin(r2, "z", KAP_REPLAY_SOURCE_START), KAP_OK);
    ck_assert_int_eq(kap_replay_take_summary(r2, &x), KAP_OK);
    ck_assert_int_eq(kap_replay_merge(r, s1, x), KAP_EINVALID); /* another policy */
    ck_assert_int_eq(kap_replay_begin(r, "z", 0), KAP_OK);
    ck_assert_int_eq(kap_replay_take_summary(r, &s2), KAP_OK);
    ck_assert_int_eq(kap_replay_merge(r, s1, s2), KAP_EINVALID); /* "a" ended; "z" does not begin */
    ck_assert_int_eq(kap_replay_merge(r, s1, s1), KAP_EARG);
    ck_assert_int_eq(kap_replay_merge(NULL, s1, s2), KAP_EARG);
    /* bytes that are not a summary */
    kap_replay_summary *l;
    ck_assert_int_eq(kap_replay_summary_load(&l, "nope", 4), KAP_EPARSE);
    void *b;
    size_t bn;
    ck_assert_int_eq(kap_replay_summary_save(s1, &b, &bn), KAP_OK);
    for (size_t cut = 0; cut < bn; cut++)
        ck_assert_int_eq(kap_replay_summary_load(&l, b, cut), KAP_EPARSE);
    ck_assert_int_eq(kap_replay_summary_load(&l, b, bn), KAP_OK);
    assert_same(l, s1);
    kap_replay_summary_free(l);
    kap_replay_bytes_free(b);
    char *t;
    ck_assert_int_eq(kap_replay_summary_format(s1, 7, 0, &t, NULL), KAP_EARG);
    ck_assert_int_eq(kap_replay_summary_counts(NULL, NULL), KAP_EARG);
    ck_assert_int_eq(kap_replay_file(r, "/nonexistent", 0, 0, 0x80), KAP_EARG);
    kap_replay_summary_free(s1);
    kap_replay_summary_free(s2);
    kap_replay_summary_free(x);
    /* an output that refuses stops the replay */
    sink no = {0};
    no.refuse = 1;
    kap_replay_set_output(r, to_sink, &no);
    ck_assert_int_eq(kap_replay_begin(r, "w", KAP_REPLAY_SOURCE_START), KAP_OK);
    ck_assert_int_eq(kap_replay_feed(r, EV("x", "Panic"), strlen(EV("x", "Panic"))), KAP_EIO);
    kap_replay_free(r);
    kap_replay_free(r2);
    kap_policy_free(p);
    kap_policy_free(q);
    kap_replay_free(NULL);
    kap_replay_summary_free(NULL);
}
END_TEST


/* ---- corners --------------------------------------------------------------------- */

static int progress_calls;
static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    ck_assert_uint_le(done, total);
    progress_calls++;
}

START_TEST(corners)
{
    /* a lone surrogate is U+FFFD, as Go decodes it; a null verb is "" */
    ck_assert_int_eq(level_of(HDR "rules:\n- level: Request\n  users: [\"\\ufffdx\\ufffd\"]\n  verbs: [\"\"]\n"
                                  "- level: Metadata\n",
                              "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"verb\":null,"
                              "\"user\":{\"username\":\"\\ud800x\\udc00\"}}"),
                     KAP_LEVEL_REQUEST);
    ck_assert_int_eq(level_of(HDR "rules:\n- level: Request\n  users: [\"\\ufffd\"]\n- level: Metadata\n",
                              "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"user\":"
                              "{\"username\":\"\\ud800\\u0041\"}}"),
                     KAP_LEVEL_METADATA); /* U+FFFD then "A" */
    /* bodies that are not objects, metadata that is not an object, escaped keys */
    ck_assert_str_eq(
        write_one(HDR "omitManagedFields: true\nrules:\n- level: RequestResponse\n",
                  "{\"level\":\"RequestResponse\",\"auditID\":\"a\",\"stage\":\"Panic\",\"requestObject\":\"s\","
                  "\"responseObject\":{\"metadata\":5,\"items\":7,\"rows\":[5,{\"object\":3},{\"x\":1}]}}\n"),
        "{\"level\":\"RequestResponse\",\"auditID\":\"a\",\"stage\":\"Panic\",\"requestObject\":\"s\","
        "\"responseObject\":{\"metadata\":5,\"items\":7,\"rows\":[5,{\"object\":3},{\"x\":1}]}}\n");
    ck_assert_str_eq(
        write_one(HDR "omitManagedFields: true\nrules:\n- level: RequestResponse\n",
                  "{\"level\":\"RequestResponse\",\"auditID\":\"a\",\"stage\":\"Panic\",\"responseObject\":"
                  "{\"metad\\u0061ta\":{\"managedFields\":[1],\"x\":{}},\"items\":[],\"rows\":[]}}\n"),
        "{\"level\":\"RequestResponse\",\"auditID\":\"a\",\"stage\":\"Panic\",\"responseObject\":"
        "{\"metad\\u0061ta\":{\"x\":{}},\"items\":[],\"rows\":[]}}\n");
    /* EventLists cut short or badly written */
    kap_replay_counts c = counts_for(HDR "rules:\n- level: Metadata\n",
                                     "{\"items\":[{\"auditID\":\"x\"\n{\"items\":[1 2]}\n{\"items\":[],\"k\":1}\n"
                                     "{\"items\":[\n",
                                     0);
    ck_assert_uint_eq(c.bad_lines, 3);
    ck_assert_uint_eq(c.events, 0);

    /* names that JSON must escape, and names longer than a table's column */
    {
        char ev[1024];
        char longname[301];
        memset(longname, 'u', 300);
        longname[300] = 0;
        snprintf(ev, sizeof ev,
                 "{\"level\":\"Metadata\",\"auditID\":\"a\",\"stage\":\"Panic\",\"user\":{\"username\":"
                 "\"q\\\"\\\\\\r\\t\\n\\u0001\\u007f\"},\"verb\":\"%s\"}\n",
                 longname);
        kap_policy *mp = pol(HDR "rules:\n- level: Metadata\n");
        kap_replay_summary *es = whole(mp, NULL, ev, strlen(ev), NULL);
        char *j = json_of(es);
        ck_assert_ptr_nonnull(strstr(j, "{\"user\":\"q\\\"\\\\\\r\\t\\n\\u0001\\u007f\",\"events\":1,"));
        free(j);
        char *t;
        ck_assert_int_eq(kap_replay_summary_format(es, KAP_REPLAY_FORMAT_TABLE, 0, &t, NULL), KAP_OK);
        ck_assert_ptr_nonnull(strstr(t, "uuuuuuuuuu\n")); /* cut at 200 */
        ck_assert_ptr_null(strstr(t, longname));
        free(t);
        kap_replay_summary_free(es);
        kap_policy_free(mp);
    }

    /* kap_replay_files: arguments, thread counts, progress */
    kap_policy *p = pol(HDR "rules:\n- level: Metadata\n");
    kap_replay_summary *s;
    const char *none[] = {NULL};
    ck_assert_int_eq(kap_replay_files(NULL, p, NULL, none, 0, 1, NULL, NULL, NULL, NULL), KAP_EARG);
    ck_assert_int_eq(kap_replay_files(&s, NULL, NULL, none, 0, 1, NULL, NULL, NULL, NULL), KAP_EARG);
    ck_assert_int_eq(kap_replay_files(&s, p, NULL, none, 1, 1, NULL, NULL, NULL, NULL), KAP_EARG);
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/replay/logs/immudb-log-audit-k8s.jsonl", srcdir);
    const char *paths[] = {path, path};
    char *first = NULL;
    unsigned threads[] = {1, 0, 1000};
    for (int i = 0; i < 3; i++) {
        progress_calls = 0;
        ck_assert_int_eq(kap_replay_files(&s, p, NULL, paths, 2, threads[i], NULL, NULL, on_progress, NULL), KAP_OK);
        ck_assert_int_gt(progress_calls, 0);
        ck_assert_uint_eq(counts_of(s).events, 2 * 2971);
        char *j = json_of(s);
        if (first) {
            ck_assert_str_eq(first, j);
            free(j);
        } else {
            first = j;
        }
        kap_replay_summary_free(s);
    }
    free(first);
    /* standard input has no offset */
    kap_replay *r;
    ck_assert_int_eq(kap_replay_new(&r, p, NULL), KAP_OK);
    ck_assert_int_eq(kap_replay_file(r, "-", 5, 0, 0), KAP_OK);
    ck_assert_int_eq(kap_replay_take_summary(r, &s), KAP_OK);
    char *j = json_of(s);
    ck_assert_ptr_nonnull(strstr(j, "\"error\":\"standard input has no byte ranges\""));
    free(j);
    kap_replay_summary_free(s);
    kap_replay_free(r);
    kap_policy_free(p);
}
END_TEST


/* Summaries from other options do not merge; bytes changed at random load
 * as a summary or are refused, never crash. */
START_TEST(merge_refusals_and_garbage)
{
    kap_policy *p = pol(HDR "rules:\n- level: Metadata\n"), *q = pol(HDR "rules:\n- level: None\n");
    const char *log = EV("x", "RequestReceived") EV("y", "ResponseComplete") "{\"items\":[";
    kap_replay_options o[5];
    for (int i = 0; i < 5; i++)
        kap_replay_options_init(&o[i]);
    o[1].window = 7;
    o[2].max_line = 1000;
    o[3].compare = q;
    o[4].compare = p;
    kap_replay *r[5];
    kap_replay_summary *s[5];
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(kap_replay_new(&r[i], p, &o[i]), KAP_OK);
        ck_assert_int_eq(kap_replay_begin(r[i], "l", 0), KAP_OK);
        ck_assert_int_eq(kap_replay_feed(r[i], log, strlen(log)), KAP_OK);
        ck_assert_int_eq(kap_replay_take_summary(r[i], &s[i]), KAP_OK);
    }
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            kap_replay_summary *t;
            void *b;
            size_t bn;
            ck_assert_int_eq(kap_replay_summary_save(s[j], &b, &bn), KAP_OK);
            ck_assert_int_eq(kap_replay_summary_load(&t, b, bn), KAP_OK);
            kap_replay_bytes_free(b);
            int want = i == j ? KAP_OK : KAP_EINVALID;
            /* through the replay of i, into a copy of i's summary */
            kap_replay_summary *into;
            ck_assert_int_eq(kap_replay_summary_save(s[i], &b, &bn), KAP_OK);
            ck_assert_int_eq(kap_replay_summary_load(&into, b, bn), KAP_OK);
            kap_replay_bytes_free(b);
            ck_assert_int_eq(kap_replay_merge(r[i], into, t), want);
            kap_replay_summary_free(into);
            kap_replay_summary_free(t);
        }
    /* the replay of one merging the summaries of another */
    ck_assert_int_eq(kap_replay_merge(r[0], s[3], s[3]), KAP_EARG);
    ck_assert_int_eq(kap_replay_merge(r[0], s[1], s[1]), KAP_EARG);
    kap_replay_summary *t;
    void *b;
    size_t bn;
    ck_assert_int_eq(kap_replay_summary_save(s[3], &b, &bn), KAP_OK);
    ck_assert_int_eq(kap_replay_summary_load(&t, b, bn), KAP_OK);
    ck_assert_int_eq(kap_replay_merge(r[0], s[3], t), KAP_EINVALID);
    ck_assert_int_eq(kap_replay_merge(r[4], s[3], t), KAP_EINVALID);
    kap_replay_summary_free(t);
    /* garbage: every byte changed, bytes cut, bytes added */
    unsigned char *g = malloc(bn + 8);
    for (int round = 0; round < 4000; round++) {
        memcpy(g, b, bn);
        size_t n = bn;
        int edits = 1 + (int)(next_rand() % 3);
        for (int e = 0; e < edits; e++) {
            size_t at = 6 + (size_t)(next_rand() % (n - 6));
            int how = (int)(next_rand() % 3);
            if (how == 0)
                g[at] = (unsigned char)next_rand();
            else if (how == 1)
                g[at] ^= (unsigned char)(1u << (next_rand() % 8));
            else
                g[at] = (unsigned char)(g[at] + 1);
        }
        if (round % 5 == 0)
            n = 6 + (size_t)(next_rand() % (bn - 6));
        kap_replay_summary *x = NULL;
        int rc = kap_replay_summary_load(&x, g, n);
        ck_assert(rc == KAP_OK || rc == KAP_EPARSE);
        if (rc == KAP_OK) {
            char *text;
            ck_assert_int_eq(kap_replay_summary_format(x, KAP_REPLAY_FORMAT_TABLE, 3, &text, NULL), KAP_OK);
            kap_replay_bytes_free(text);
            ck_assert_int_eq(kap_replay_summary_format(x, KAP_REPLAY_FORMAT_JSON, 3, &text, NULL), KAP_OK);
            kap_replay_bytes_free(text);
            kap_replay_summary_free(x);
        }
    }
    free(g);
    kap_replay_bytes_free(b);
    for (int i = 0; i < 5; i++) {
        kap_replay_summary_free(s[i]);
        kap_replay_free(r[i]);
    }
    kap_policy_free(p);
    kap_policy_free(q);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("replay");
    TCase *tc = tcase_create("events");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, write_levels);
    tcase_add_test(tc, write_edges);
    tcase_add_test(tc, attributes);
    tcase_add_test(tc, requests_and_stages);
    tcase_add_test(tc, bad_lines);
    tcase_add_test(tc, bad_kinds);
    tcase_add_test(tc, bad_deep_and_many);
    tcase_add_test(tc, table_escapes_controls);
    tcase_add_test(tc, table_utf8_whole_or_quoted);
    tcase_add_test(tc, compare_in_effect);
    tcase_add_test(tc, api_errors);
    tcase_add_test(tc, corners);
    tcase_add_test(tc, merge_refusals_and_garbage);
    tcase_add_test(tc, merge_orphan_examples);
    suite_add_tcase(s, tc);
    TCase *big = tcase_create("real logs");
    tcase_set_timeout(big, 600);
    tcase_add_loop_test(big, merge_random_cuts, 0, 5);
    tcase_add_loop_test(big, merge_fine_cuts, 0, 2);
    tcase_add_test(big, merge_every_byte);
    tcase_add_test(big, files_and_threads);
    suite_add_tcase(s, big);
    return s;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        srcdir = argv[1];
    quick = getenv("KAP_TEST_QUICK") != NULL;
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
