/* The event scanner against jansson, a JSON library that builds the whole
 * tree: on every real event of tests/replay/logs and on mutated copies of
 * each (bytes changed, removed, added; lines cut), both must accept or
 * refuse the same lines, and take the same attributes out of those they
 * accept. Known differences, where the scanner follows Go's encoding/json
 * (which wrote these logs and reads them in kube-apiserver's tools) and
 * jansson does not, are left out: invalid UTF-8, a lone UTF-16 surrogate in
 * a \u escape (Go: U+FFFD), and numbers beyond a double's range.
 *   test_replay_diff SOURCE_DIR [MUTATIONS_PER_LINE]
 * SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_internal.h"

static unsigned long cases, accepted, refused, skipped, failures;

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int streq(rp_str a, const char *b, size_t bn)
{
    return a.n == bn && (bn == 0 || memcmp(a.p, b, bn) == 0);
}

/* A string member of o as jansson has it: 1 string, 0 absent or null, -1 another type. */
static int jstr(json_t *o, const char *k, const char **s, size_t *n)
{
    json_t *v = json_object_get(o, k);
    if (!v || json_is_null(v)) {
        *s = "";
        *n = 0;
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    *s = json_string_value(v);
    *n = json_string_length(v);
    return 1;
}

static void report(const char *what, const char *line, size_t len)
{
    failures++;
    if (failures <= 10)
        fprintf(stderr, "DIFFERENCE (%s) on: %.*s\n", what, (int)(len > 400 ? 400 : len), line);
}

static const char *const STAGES[] = {"RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"};
static const char *const LEVELS[] = {"None", "Metadata", "Request", "RequestResponse"};

static int enum_of(json_t *v, const char *const *names)
{
    if (!json_is_string(v))
        return -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(json_string_value(v), names[i]) == 0 && strlen(names[i]) == json_string_length(v))
            return i;
    return -1;
}

/* Whether o's kind and apiVersion are an audit type's (kind want): each
 * absent, null, "" or that value; apiVersion audit.k8s.io/v1 or v1beta1. */
static int audit_type(json_t *o, const char *want)
{
    const char *sv;
    size_t sn;
    int r = jstr(o, "kind", &sv, &sn);
    if (r < 0 || (r == 1 && sn != 0 && !(sn == strlen(want) && memcmp(sv, want, sn) == 0)))
        return 0;
    r = jstr(o, "apiVersion", &sv, &sn);
    if (r < 0 || (r == 1 && sn != 0 && !streq((rp_str){sv, sn}, "audit.k8s.io/v1", 15) &&
                  !streq((rp_str){sv, sn}, "audit.k8s.io/v1beta1", 20)))
        return 0;
    return 1;
}

/* The event as the scanner should have it, from jansson's tree. */
static void compare_event(const rp_scan *s, const rp_event *e, json_t *o, const char *line, size_t len)
{
    /* does the reference find the event wrong? */
    const char *sv;
    size_t sn;
    int bad = 0;
    json_t *user = json_object_get(o, "user"), *ref = json_object_get(o, "objectRef");
    const char *fields[] = {"verb", "requestURI"};
    for (int i = 0; i < 2; i++)
        bad |= jstr(o, fields[i], &sv, &sn) < 0;
    if (user && !json_is_null(user)) {
        if (!json_is_object(user)) {
            bad = 1;
        } else {
            bad |= jstr(user, "username", &sv, &sn) < 0;
            json_t *g = json_object_get(user, "groups");
            if (g && !json_is_null(g)) {
                if (!json_is_array(g))
                    bad = 1;
                for (size_t i = 0; json_is_array(g) && i < json_array_size(g); i++)
                    bad |= !json_is_string(json_array_get(g, i));
            }
        }
    }
    if (ref && !json_is_null(ref)) {
        if (!json_is_object(ref)) {
            bad = 1;
        } else {
            const char *rf[] = {"namespace", "apiGroup", "apiVersion", "resource", "subresource", "name"};
            for (int i = 0; i < 6; i++)
                bad |= jstr(ref, rf[i], &sv, &sn) < 0;
        }
    }
    bad |= !audit_type(o, "Event");
    json_t *id = json_object_get(o, "auditID");
    bad |= !json_is_string(id) || json_string_length(id) == 0;
    bad |= enum_of(json_object_get(o, "stage"), STAGES) < 0;
    bad |= enum_of(json_object_get(o, "level"), LEVELS) < 0;
    if (bad != (e->error != NULL)) {
        report(bad ? "the scanner took a wrong event" : e->error, line, len);
        return;
    }
    if (bad)
        return;
    int ok = streq(e->audit_id, json_string_value(id), json_string_length(id));
    ok &= e->stage == enum_of(json_object_get(o, "stage"), STAGES);
    ok &= e->level == enum_of(json_object_get(o, "level"), LEVELS);
    jstr(o, "verb", &sv, &sn);
    ok &= streq(e->verb, sv, sn);
    jstr(o, "requestURI", &sv, &sn);
    ok &= streq(e->uri, sv, sn);
    int has_user = json_is_object(user) && jstr(user, "username", &sv, &sn) == 1;
    ok &= e->has_user == has_user;
    if (has_user)
        ok &= streq(e->user, sv, sn);
    json_t *g = json_is_object(user) ? json_object_get(user, "groups") : NULL;
    size_t ng = json_is_array(g) ? json_array_size(g) : 0;
    ok &= e->n_groups == ng;
    for (size_t i = 0; ok && i < ng; i++)
        ok &= streq(s->groups[e->groups_off + i], json_string_value(json_array_get(g, i)),
                    json_string_length(json_array_get(g, i)));
    ok &= e->has_ref == (json_is_object(ref) ? 1 : 0);
    if (json_is_object(ref)) {
        const char *rf[] = {"namespace", "apiGroup", "apiVersion", "resource", "subresource", "name"};
        const rp_str *mine[] = {&e->ns, &e->api_group, &e->api_version, &e->resource, &e->subresource, &e->name};
        for (int i = 0; i < 6; i++) {
            jstr(ref, rf[i], &sv, &sn);
            ok &= streq(*mine[i], sv, sn);
        }
    }
    int bodies = (json_object_get(o, "requestObject") != NULL) + (json_object_get(o, "responseObject") != NULL);
    ok &= e->n_cuts == (size_t)bodies;
    if (!ok)
        report("attributes differ", line, len);
}

/* A difference Go and jansson are known to have (see the top). */
static int known_difference(const json_error_t *err)
{
    return strstr(err->text, "UTF-8") || strstr(err->text, "unable to decode byte") || strstr(err->text, "surrogate") || strstr(err->text, "overflow") ||
           strstr(err->text, "Unicode") || strstr(err->text, "\\u0000");
}

static void check_line(rp_scan *s, const char *line, size_t len)
{
    cases++;
    json_error_t err;
    json_t *root = json_loadb(line, len, JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, &err);
    int rc = rp_scan_line(s, line, len);
    if (rc == -2) {
        report("out of memory", line, len);
        return;
    }
    int mine = rc == 0;
    int theirs = root && json_is_object(root);
    if (!root && mine && known_difference(&err)) {
        skipped++;
        return;
    }
    if (mine != theirs) {
        char what[300];
        snprintf(what, sizeof what, "scanner %s, jansson %s", mine ? "accepts" : s->error,
                 theirs ? "accepts" : root ? "not an object" : err.text);
        report(what, line, len);
    } else if (mine) {
        accepted++;
        json_t *items = json_object_get(root, "items");
        if (json_is_array(items)) {
            if (!s->is_list || s->n_events != json_array_size(items)) {
                report("EventList items differ", line, len);
            } else if (!audit_type(root, "EventList") != (s->list_error != NULL)) {
                report(s->list_error ? s->list_error : "the scanner took a list of something else", line, len);
            } else if (!s->list_error) {
                for (size_t i = 0; i < s->n_events; i++) {
                    json_t *it = json_array_get(items, i);
                    if (json_is_object(it))
                        compare_event(s, &s->events[i], it, line, len);
                    else if (!s->events[i].error)
                        report("an item that is not an object", line, len);
                }
            }
        } else if (s->is_list || s->n_events != 1) {
            report("an event taken as a list", line, len);
        } else {
            compare_event(s, &s->events[0], root, line, len);
        }
    } else {
        refused++;
    }
    json_decref(root);
}

static const char SIGNIFICANT[] = "{}[]\",:\\0123456789-+.eEtfnul \t\r/ub";

static void mutate(rp_scan *s, const char *line, size_t len, int n)
{
    char *buf = malloc(len + 16);
    for (int m = 0; m < n; m++) {
        size_t k = len;
        memcpy(buf, line, len);
        int edits = 1 + (int)(rnd() % 3);
        for (int e = 0; e < edits && k > 0; e++) {
            size_t at = (size_t)(rnd() % k);
            switch (rnd() % 5) {
            case 0: /* a byte that matters to JSON */
                buf[at] = SIGNIFICANT[rnd() % (sizeof SIGNIFICANT - 1)];
                break;
            case 1: /* any byte */
                buf[at] = (char)(rnd() & 0xff);
                break;
            case 2: /* removed */
                memmove(buf + at, buf + at + 1, k - at - 1);
                k--;
                break;
            case 3: /* added */
                if (k < len + 15) {
                    memmove(buf + at + 1, buf + at, k - at);
                    buf[at] = SIGNIFICANT[rnd() % (sizeof SIGNIFICANT - 1)];
                    k++;
                }
                break;
            default: /* cut */
                k = at;
                break;
            }
        }
        /* an exact-size copy, so that reading past the line is caught */
        char *exact = malloc(k ? k : 1);
        memcpy(exact, buf, k);
        check_line(s, exact, k);
        free(exact);
    }
    free(buf);
}

int main(int argc, char **argv)
{
    const char *src = argc > 1 ? argv[1] : ".";
    int per_line = argc > 2 ? atoi(argv[2]) : 30;
    static const char *names[] = {"audit2rbac-demo-original-v1beta1.jsonl", "audit2rbac-demo.jsonl",
                                  "crowdsec-hub-k8s-audit.jsonl", "falco-psp-trace-files.jsonl",
                                  "falco-trace-files.jsonl", "immudb-log-audit-k8s.jsonl",
                                  "panther-analysis-eks-tests.jsonl"};
    rp_scan s;
    memset(&s, 0, sizeof s);
    unsigned long lines = 0;
    for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/tests/replay/logs/%s", src, names[f]);
        FILE *fp = fopen(path, "rb");
        if (!fp) {
            perror(path);
            return 1;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, fp)) > 0) {
            size_t len = (size_t)n;
            if (line[len - 1] == '\n')
                len--;
            if (!len)
                continue;
            unsigned long before = failures;
            char *exact = malloc(len);
            memcpy(exact, line, len);
            check_line(&s, exact, len);
            free(exact);
            if (failures != before || s.n_events < 1) {
                fprintf(stderr, "a real event of %s is not taken as it is\n", names[f]);
                failures++;
            }
            lines++;
            mutate(&s, line, len, per_line);
        }
        free(line);
        fclose(fp);
    }
    /* escapes, numbers, nesting, written by hand */
    static const char *extra[] = {
        "{\"auditID\":\"a\\u00e9\\ud83d\\ude00\\n\\\"\",\"stage\":\"Panic\",\"level\":\"None\"}",
        "{\"auditID\":\"x\",\"stage\":\"Panic\",\"level\":\"None\",\"n\":[-0.5e+10,0,1E3,-0,12.25]}",
        "{\"auditID\":\"x\",\"stage\":\"Panic\",\"level\":\"None\",\"n\":[1.]}",
        "{\"auditID\":\"x\",\"stage\":\"Panic\",\"level\":\"None\",\"n\":[-]}",
        "{\"auditID\":\"x\",\"stage\":\"Panic\",\"level\":\"None\",\"n\":[1e]}",
        "{\"auditID\":\"x\",\"stage\":\"Panic\",\"level\":\"None\",\"n\":[[[[{\"a\":[{}]}]]]]}",
        "{\"auditID\":\"x\",\"stage\":\"Panic\",\"level\":\"None\",\"user\":{\"username\":null,\"groups\":null}}",
        "{\"auditID\":\"x\",\"stage\":\"Panic\",\"level\":\"None\",\"objectRef\":null,\"user\":null}",
        "{\"kind\":\"EventList\",\"items\":[]}",
        "{\"kind\":\"EventList\",\"items\":[{\"auditID\":\"x\",\"stage\":\"Panic\",\"level\":\"None\"},null]}",
        " {\"auditID\":\"x\",\"stage\":\"Panic\",\"level\":\"None\"} \r",
        "{\"auditID\":\"x\",\"stage\":\"Panic\",\"level\":\"None\",}",
        "{\"auditID\":\"x\" \"stage\":\"Panic\"}",
        "{\"auditID\":\"x\",\"stage\":\"Panic\",\"level\":\"None\",\"t\":tru}",
        "{\"auditID\":\"\\u12\"}",
        "{}",
        "",
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        check_line(&s, extra[i], strlen(extra[i]));
    rp_scan_free(&s);
    printf("%lu real events, %lu cases: %lu accepted by both, %lu refused by both, %lu known differences, "
           "%lu failures\n",
           lines, cases, accepted, refused, skipped, failures);
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures ? 1 : 0;
}
