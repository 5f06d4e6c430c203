/* kap-bench: ns per decision for the decision table and for the plain
 * first-match evaluator in the same run, load time and table size.
 *
 *   kap-bench                      the built-in cases
 *   kap-bench --policy P --requests R [--runs N] [--json]
 *
 * Not a test: it prints figures; compare ratios measured in one run. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "kap.h"

#include "families.h"

#ifndef KAP_BENCH_DATA
#define KAP_BENCH_DATA "bench/data"
#endif

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

_Noreturn static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "kap-bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

/* ---- text buffers -------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (b->s && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap ? b->cap * 2 : 1 << 16;
        while (b->cap < b->len + (size_t)n + 1)
            b->cap *= 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            die("out of memory");
    }
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open %s", path);
    sbuf b = {0};
    char tmp[65536];
    size_t got;
    sb_add(&b, "%s", "");
    while ((got = fread(tmp, 1, sizeof tmp, f)) > 0) {
        while (b.len + got + 1 > b.cap) {
            b.cap *= 2;
            b.s = realloc(b.s, b.cap);
        }
        memcpy(b.s + b.len, tmp, got);
        b.len += got;
        b.s[b.len] = 0;
    }
    fclose(f);
    *len = b.len;
    return b.s;
}

/* ---- request streams ------------------------------------------------------- */

typedef struct stream {
    kap_request *reqs;
    kap_request_n *reqs_n; /* the same requests with lengths (stream_finish) */
    size_t n, cap;
} stream;

static kap_str str_n(const char *s)
{
    kap_str v = {s, s ? strlen(s) : 0};
    return v;
}

/* The stream's requests again, with lengths, for kap_policy_match_n. */
static void stream_finish(stream *s)
{
    free(s->reqs_n);
    s->reqs_n = calloc(s->n ? s->n : 1, sizeof *s->reqs_n);
    if (!s->reqs_n)
        die("out of memory");
    for (size_t i = 0; i < s->n; i++) {
        const kap_request *q = &s->reqs[i];
        kap_request_n *o = &s->reqs_n[i];
        kap_request_n z = KAP_REQUEST_N_INIT;
        *o = z;
        o->user = str_n(q->user);
        if (q->n_groups) {
            kap_str *g = malloc(q->n_groups * sizeof *g);
            if (!g)
                die("out of memory");
            for (size_t k = 0; k < q->n_groups; k++)
                g[k] = str_n(q->groups[k]);
            o->groups = g;
            o->n_groups = q->n_groups;
        }
        o->verb = str_n(q->verb);
        o->ns = str_n(q->ns);
        o->api_group = str_n(q->api_group);
        o->api_version = str_n(q->api_version);
        o->resource = str_n(q->resource);
        o->subresource = str_n(q->subresource);
        o->name = str_n(q->name);
        o->path = str_n(q->path);
        o->resource_request = q->resource_request;
    }
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void stream_add(stream *s, const kap_request *q)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->reqs = realloc(s->reqs, s->cap * sizeof *s->reqs);
    }
    kap_request c = *q;
    c.user = dup_or_null(q->user);
    c.verb = dup_or_null(q->verb);
    c.ns = dup_or_null(q->ns);
    c.api_group = dup_or_null(q->api_group);
    c.api_version = dup_or_null(q->api_version);
    c.resource = dup_or_null(q->resource);
    c.subresource = dup_or_null(q->subresource);
    c.name = dup_or_null(q->name);
    c.path = dup_or_null(q->path);
    c.groups = NULL;
    if (q->n_groups) {
        const char **g = malloc(q->n_groups * sizeof *g);
        for (size_t i = 0; i < q->n_groups; i++)
            g[i] = strdup(q->groups[i]);
        c.groups = g;
    }
    s->reqs[s->n++] = c;
}

static void stream_load(stream *s, const char *path)
{
    size_t len;
    char *text = read_file(path, &len);
    kap_request_reader *r;
    kap_request_reader_new(&r);
    char *line = text;
    size_t lineno = 0;
    while (line < text + len) {
        char *nl = memchr(line, '\n', (size_t)(text + len - line));
        size_t L = nl ? (size_t)(nl - line) : (size_t)(text + len - line);
        lineno++;
        if (L) {
            kap_request q;
            if (kap_request_reader_parse(r, line, L, &q) != KAP_OK)
                die("%s:%zu: %s", path, lineno, kap_request_reader_error(r));
            stream_add(s, &q);
        }
        line += L + 1;
    }
    kap_request_reader_free(r);
    free(text);
    stream_finish(s);
}

/* ---- generated policies, shaped like large real ones ----------------------------
 * Rule i belongs to team i: its own users or groups, some verbs, resources in
 * a team API group and namespace, a few URL rules; a catch-all closes it. */

static const char *const VERBS[] = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"};

typedef struct team {
    int user, group, ns, apigroup, res, verbs_mask, kind; /* kind: 0 resource, 1 url, 2 users+resources */
} team;

static uint64_t rng_state;
static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (unsigned)((rng_state * 0x2545F4914F6CDD1DULL) >> 33) % n;
}

static team *gen_teams(unsigned n)
{
    team *t = calloc(n, sizeof *t);
    for (unsigned i = 0; i < n; i++) {
        t[i].user = (int)i;
        t[i].group = (int)(i / 4);
        t[i].ns = (int)(i / 2);
        t[i].apigroup = (int)(i / 8);
        t[i].res = (int)rnd(50);
        t[i].verbs_mask = 1 + (int)rnd(255);
        t[i].kind = rnd(10) < 8 ? (rnd(2) ? 0 : 2) : 1;
    }
    return t;
}

static void gen_policy(sbuf *b, const team *t, unsigned n)
{
    b->len = 0;
    sb_add(b, "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n");
    for (unsigned i = 0; i + 1 < n; i++) {
        const team *r = &t[i];
        sb_add(b, "  - level: %s\n", (const char *[]){"None", "Metadata", "Request", "RequestResponse"}[i % 4]);
        if (r->kind == 2)
            sb_add(b, "    users: [\"user-%d\", \"system:serviceaccount:team-%d:deployer\"]\n", r->user, r->user);
        else
            sb_add(b, "    userGroups: [\"team-%d\", \"team-%d-admins\"]\n", r->group, r->group);
        sb_add(b, "    verbs: [");
        int first = 1;
        for (int v = 0; v < 8; v++)
            if (r->verbs_mask & (1 << v)) {
                sb_add(b, "%s\"%s\"", first ? "" : ", ", VERBS[v]);
                first = 0;
            }
        sb_add(b, "]\n");
        if (r->kind == 1) {
            sb_add(b, "    nonResourceURLs: [\"/apis/team-%d.example.com/*\", \"/metrics/team-%d\"]\n", r->group, r->user);
        } else {
            sb_add(b, "    namespaces: [\"team-%d\", \"team-%d-staging\"]\n", r->ns, r->ns);
            sb_add(b, "    resources:\n");
            sb_add(b, "      - group: \"team-%d.example.com\"\n        resources: [\"widgets-%d\", \"widgets-%d/status\"]\n",
                   r->apigroup, r->res, r->res);
            if (i % 3 == 0)
                sb_add(b, "      - group: \"\"\n        resources: [\"configmaps\"]\n        resourceNames: [\"team-%d-config\"]\n",
                       r->user);
        }
    }
    sb_add(b, "  - level: Metadata\n");
}

/* A request that rule k accepts (and, its values being its own, hardly any
 * earlier rule). */
static void team_request(const team *t, unsigned k, kap_request *q, char bufs[8][96], const char **groups)
{
    const team *r = &t[k];
    kap_request z = KAP_REQUEST_INIT;
    *q = z;
    int v = 0;
    while (!(r->verbs_mask & (1 << v)))
        v++;
    snprintf(bufs[0], 96, "user-%d", r->user);
    q->user = bufs[0];
    snprintf(bufs[1], 96, "team-%d", r->group);
    groups[0] = bufs[1];
    groups[1] = "system:authenticated";
    q->groups = groups;
    q->n_groups = 2;
    q->verb = VERBS[v];
    if (r->kind == 1) {
        snprintf(bufs[2], 96, "/apis/team-%d.example.com/v1/things", r->group);
        q->path = bufs[2];
        return;
    }
    q->resource_request = 1;
    snprintf(bufs[3], 96, "team-%d", r->ns);
    q->ns = bufs[3];
    snprintf(bufs[4], 96, "team-%d.example.com", r->apigroup);
    q->api_group = bufs[4];
    snprintf(bufs[5], 96, "widgets-%d", r->res);
    q->resource = bufs[5];
    q->name = "w-1";
    snprintf(bufs[6], 96, "/apis/team-%d.example.com/v1/namespaces/team-%d/widgets-%d/w-1", r->apigroup, r->ns, r->res);
    q->path = bufs[6];
}

/* Requests decided by rules in [lo, hi) (or by none, for misses). */
static void gen_stream(stream *s, const kap_policy *p, const team *t, unsigned n, unsigned lo, unsigned hi,
                       unsigned count, int allow_miss)
{
    char bufs[8][96];
    const char *groups[2];
    unsigned tries = 0;
    while (s->n < count && tries < count * 50) {
        tries++;
        unsigned k = lo + rnd(hi - lo);
        if (k + 1 >= n)
            k = n - 2;
        kap_request q;
        team_request(t, k, &q, bufs, groups);
        if (allow_miss && rnd(4) == 0)
            q.verb = "escalate"; /* no rule lists it: only the catch-all decides */
        kap_decision d;
        kap_policy_match_reference(p, &q, &d);
        if ((d.rule >= (int)lo && d.rule < (int)hi) || (allow_miss && d.rule == (int)n - 1))
            stream_add(s, &q);
    }
}

/* ---- writing the generated cases out ------------------------------------------- */

static const char *write_dir = NULL; /* --write: where the generated cases go */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* Writes text to DIR/name whole: a temporary file renamed into place. */
static FILE *open_out(const char *name, char *tmp, char *final, size_t cap)
{
    snprintf(final, cap, "%s/%s", write_dir, name);
    snprintf(tmp, cap, "%s/.%s.tmp", write_dir, name);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        die("cannot write %s: %s", tmp, strerror(errno));
    return f;
}

static void close_out(FILE *f, const char *tmp, const char *final)
{
    int bad = fflush(f) != 0 || ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, final) != 0) {
        int e = errno;
        remove(tmp);
        die("cannot write %s: %s", final, strerror(e));
    }
}

static void write_policy(const char *name, const char *text, size_t len)
{
    char tmp[4096], final[4096], file[256];
    snprintf(file, sizeof file, "%s.yaml", name);
    FILE *f = open_out(file, tmp, final, sizeof tmp);
    fwrite(text, 1, len, f);
    close_out(f, tmp, final);
}

static void write_stream(const char *name, const char *stream_name, const stream *s)
{
    char tmp[4096], final[4096], file[256];
    snprintf(file, sizeof file, "%s-%s.jsonl", name, stream_name);
    FILE *f = open_out(file, tmp, final, sizeof tmp);
    for (size_t i = 0; i < s->n; i++) {
        const kap_request *q = &s->reqs[i];
        fputs("{\"user\":", f);
        if (q->user)
            json_str(f, q->user);
        else
            fputs("null", f);
        fputs(",\"groups\":[", f);
        for (size_t g = 0; g < q->n_groups; g++) {
            if (g)
                fputc(',', f);
            json_str(f, q->groups[g]);
        }
        fputs("]", f);
        const char *keys[] = {"verb", "namespace", "apiGroup", "resource", "subresource", "name", "path"};
        const char *vals[] = {q->verb, q->ns, q->api_group, q->resource, q->subresource, q->name, q->path};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            fprintf(f, ",\"%s\":", keys[k]);
            json_str(f, vals[k]);
        }
        fprintf(f, ",\"resourceRequest\":%s}\n", q->resource_request ? "true" : "false");
    }
    close_out(f, tmp, final);
}

/* ---- measuring ------------------------------------------------------------------ */

typedef struct figures {
    double med, min, max;
} figures;

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef int (*match_fn)(const kap_policy *, const kap_request *, kap_decision *);
typedef int (*match_n_fn)(const kap_policy *, const kap_request_n *, kap_decision *);

static volatile int sink;

/* One pass over the stream, through the C-string or the length entry point. */
static inline void pass(match_fn fn, match_n_fn fn_n, const kap_policy *p, const stream *s, kap_decision *d)
{
    if (fn) {
        for (size_t i = 0; i < s->n; i++) {
            fn(p, &s->reqs[i], d);
            sink += d->rule;
        }
    } else {
        for (size_t i = 0; i < s->n; i++) {
            fn_n(p, &s->reqs_n[i], d);
            sink += d->rule;
        }
    }
}

/* Passes for about 40 ms a run of fn over s. */
static size_t calibrate(match_fn fn, match_n_fn fn_n, const kap_policy *p, const stream *s)
{
    double t0 = now_ns();
    kap_decision d;
    size_t passes = 0;
    do {
        pass(fn, fn_n, p, s, &d);
        passes++;
    } while (now_ns() - t0 < 4e6);
    double per_pass = (now_ns() - t0) / (double)passes;
    return (size_t)(40e6 / per_pass) + 1;
}

/* The n matchers, timed in interleaved runs: run k of every matcher,
 * then run k + 1 of every matcher, so that a slow spell of the machine
 * falls on all of them alike. */
static void measure_all(int n, const match_fn *fn, const match_n_fn *fn_n, const kap_policy *p, const stream *s,
                        int nruns, figures *out)
{
    size_t reps[4];
    double *r = malloc((size_t)(n * nruns) * sizeof *r);
    if (!r)
        die("out of memory");
    for (int m = 0; m < n; m++)
        reps[m] = calibrate(fn[m], fn_n[m], p, s);
    kap_decision d;
    for (int k = 0; k < nruns; k++) {
        for (int m = 0; m < n; m++) {
            double a = now_ns();
            for (size_t rep = 0; rep < reps[m]; rep++)
                pass(fn[m], fn_n[m], p, s, &d);
            r[m * nruns + k] = (now_ns() - a) / (double)(reps[m] * s->n);
        }
    }
    for (int m = 0; m < n; m++) {
        double *x = r + m * nruns;
        qsort(x, (size_t)nruns, sizeof *x, cmp_d);
        out[m] = (figures){x[nruns / 2], x[0], x[nruns - 1]};
    }
    free(r);
}

/* One load in a fresh process (this program, run again with --load-once
 * MODE): the peak RSS of a process that loads the policy from a file once
 * and exits, as /usr/bin/time -f %M reports it, and the time the load took
 * there (MODE "load"); or the time libyaml alone takes there to read the
 * file and parse it into events (MODE "yaml"). A fresh process, because a
 * fork of this one would inherit its resident pages and its malloc's state:
 * a first load pays for every page it touches, where a later load in the
 * same process may reuse pages malloc kept (how many depends on glibc's
 * adaptive thresholds, which the earlier loads set). */
typedef struct once {
    double peak_mb, ms;
} once;

static once load_once(const char *text, size_t len, const char *mode)
{
    once r = {-1, -1};
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/kap-bench-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return r;
    int ok = write(fd, text, len) == (ssize_t)len;
    close(fd);
    int out[2];
    if (!ok || pipe(out) != 0) {
        unlink(path);
        return r;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(out[0]);
        if (dup2(out[1], 1) < 0)
            _exit(127);
        execl("/proc/self/exe", "kap-bench", "--load-once", mode, path, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char got[64] = "";
    ssize_t n = pid > 0 ? read(out[0], got, sizeof got - 1) : -1;
    close(out[0]);
    int status = 1;
    if (pid > 0)
        waitpid(pid, &status, 0);
    if (n > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        got[n] = 0;
        char *end;
        r.peak_mb = strtod(got, &end) / 1024.0;
        r.ms = strtod(end, NULL);
    }
    unlink(path);
    return r;
}

/* The best of three fresh-process loads (and libyaml parses), and the
 * loads' peak RSS. */
static void load_fresh(const char *text, size_t len, double *peak_mb, double *load_ms, double *yaml_ms)
{
    *peak_mb = *load_ms = *yaml_ms = -1;
    for (int i = 0; i < 3; i++) {
        once l = load_once(text, len, "load"), y = load_once(text, len, "yaml");
        if (l.peak_mb > *peak_mb)
            *peak_mb = l.peak_mb;
        if (l.ms >= 0 && (*load_ms < 0 || l.ms < *load_ms))
            *load_ms = l.ms;
        if (y.ms >= 0 && (*yaml_ms < 0 || y.ms < *yaml_ms))
            *yaml_ms = y.ms;
    }
}

/* libyaml alone: the time to parse the text into events and drop them (the
 * floor of a load), best of three. */
static void yaml_parse_once(const char *text, size_t len)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        die("libyaml: out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev))
            break;
        int end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (end)
            break;
    }
    yaml_parser_delete(&parser);
}

static double yaml_parse_ms(const char *text, size_t len)
{
    double best = 1e30;
    for (int i = 0; i < 3; i++) {
        double a = now_ns();
        yaml_parse_once(text, len);
        double t = now_ns() - a;
        if (t < best)
            best = t;
    }
    return best / 1e6;
}

static int json_out = 0, runs = 5, with_memory = 0;
static const char *only = NULL; /* --only: the cases of this policy name */
static int no_reference = 0; /* --no-reference: table only, for profiling */

static void run_case(const char *name, const char *text, size_t len, const char *stream_name, const stream *s)
{
    if (only && strcmp(name, only) != 0)
        return;
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    double best = 1e30;
    for (int i = 0; i < 3; i++) {
        kap_policy_free(p);
        kap_diagnostics_free(d);
        double a = now_ns();
        int rc = kap_policy_load_buffer(&p, text, len, name, NULL, &d);
        double t = now_ns() - a;
        if (rc != KAP_OK)
            die("%s does not load: %s", name, kap_diagnostics_error_text(d));
        if (t < best)
            best = t;
    }
    kap_diagnostics_free(d);
    static const match_fn fns[4] = {kap_policy_match, NULL, kap_policy_match_reference, NULL};
    static const match_n_fn fns_n[4] = {NULL, kap_policy_match_n, NULL, kap_policy_match_reference_n};
    figures fig[4] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
    measure_all(no_reference ? 2 : 4, fns, fns_n, p, s, runs, fig);
    figures table = fig[0], table_n = fig[1], ref = fig[2], ref_n = fig[3];
    double mem = -1, cold_ms = -1, cold_yaml_ms = -1;
    if (with_memory)
        load_fresh(text, len, &mem, &cold_ms, &cold_yaml_ms);
    double yaml_ms = yaml_parse_ms(text, len);
    size_t rules = kap_policy_rule_count(p);
    if (json_out) {
        printf("{\"policy\": \"%s\", \"rules\": %zu, \"stream\": \"%s\", \"requests\": %zu, \"ns_per_match\": %.1f, "
               "\"ns_min\": %.1f, \"ns_max\": %.1f, \"reference_ns_per_match\": %.1f, \"load_ms\": %.3f, "
               "\"table_bytes\": %zu, \"n_ns_per_match\": %.1f, \"n_ns_min\": %.1f, \"n_ns_max\": %.1f, "
               "\"reference_n_ns_per_match\": %.1f, \"yaml_parse_ms\": %.3f",
               name, rules, stream_name, s->n, table.med, table.min, table.max, ref.med, best / 1e6,
               kap_policy_table_bytes(p), table_n.med, table_n.min, table_n.max, ref_n.med, yaml_ms);
        if (with_memory)
            printf(", \"load_peak_mb\": %.1f, \"fresh_load_ms\": %.3f, \"fresh_yaml_parse_ms\": %.3f", mem,
                   cold_ms, cold_yaml_ms);
        printf("}\n");
    } else {
        printf("%-18s %6zu %-10s %5zu %7.1f %7.1f %7.1f %9.1f %6.1fx %7.1f %9.1f %6.1fx %9.3f %8.3f %11zu", name,
               rules, stream_name, s->n, table.med, table.min, table.max, ref.med, ref.med / table.med, table_n.med,
               ref_n.med, ref_n.med / table_n.med, best / 1e6, yaml_ms, kap_policy_table_bytes(p));
        if (with_memory)
            printf(" %8.1f %13.3f %13.3f", mem, cold_ms, cold_yaml_ms);
        printf("\n");
    }
    fflush(stdout);
    kap_policy_free(p);
}

static void header(void)
{
    if (json_out)
        return;
    printf("%-18s %6s %-10s %5s %7s %7s %7s %9s %7s %7s %9s %7s %9s %8s %11s%s\n", "policy", "rules", "stream",
           "reqs", "ns", "min", "max", "reference", "speedup", "ns (n)", "ref (n)", "speedup", "load ms", "yaml ms",
           "table bytes",
           with_memory ? "  peak MB fresh load ms fresh yaml ms" : "");
}

static void stream_free(stream *s)
{
    for (size_t i = 0; i < s->n; i++) {
        kap_request *q = &s->reqs[i];
        free((char *)q->user), free((char *)q->verb), free((char *)q->ns), free((char *)q->api_group);
        free((char *)q->api_version), free((char *)q->resource), free((char *)q->subresource);
        free((char *)q->name), free((char *)q->path);
        for (size_t g = 0; g < q->n_groups; g++)
            free((char *)q->groups[g]);
        free((void *)q->groups);
    }
    for (size_t i = 0; i < s->n && s->reqs_n; i++)
        free((void *)s->reqs_n[i].groups);
    free(s->reqs_n);
    s->reqs_n = NULL;
    free(s->reqs);
    s->reqs = NULL;
    s->n = s->cap = 0;
}

static void builtin(const char *data)
{
    char path[4096];
    header();
    struct {
        const char *name, *file;
    } real[] = {
        {"k8s-docs-example", "k8s-website-example.yaml"},
        {"gke", "gce-configure-helper.yaml"},
        {"kubespray", "kubespray-default.yaml"},
        {"openshift", "openshift-default.yaml"},
    };
    stream audit = {0}, docs = {0};
    snprintf(path, sizeof path, "%s/audit-log-requests.jsonl", data);
    stream_load(&audit, path);
    snprintf(path, sizeof path, "%s/k8s-docs-requests.jsonl", data);
    stream_load(&docs, path);
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++) {
        size_t len;
        snprintf(path, sizeof path, "%s/%s", data, real[i].file);
        char *text = read_file(path, &len);
        if (i == 0)
            run_case(real[i].name, text, len, "docs-requests", &docs);
        run_case(real[i].name, text, len, "audit-log", &audit);
        free(text);
    }
    stream_free(&audit);
    stream_free(&docs);

    unsigned sizes[] = {10, 100, 1000, 10000};
    for (size_t i = 0; i < 4; i++) {
        unsigned n = sizes[i];
        rng_state = 0x6B6170BE4C4ULL + n;
        team *t = gen_teams(n);
        sbuf b = {0};
        gen_policy(&b, t, n);
        kap_policy *p;
        if (kap_policy_load_buffer(&p, b.s, b.len, NULL, NULL, NULL) != KAP_OK)
            die("generated policy of %u rules does not load", n);
        char name[32];
        snprintf(name, sizeof name, "generated-%u", n);
        stream shallow = {0}, deep = {0};
        unsigned head = n / 10 > 2 ? n / 10 : 2;
        gen_stream(&shallow, p, t, n, 0, head, 2000, 0);
        gen_stream(&deep, p, t, n, n - head > 0 ? n - head - 1 : 0, n - 1, 2000, 1);
        stream_finish(&shallow);
        stream_finish(&deep);
        kap_policy_free(p);
        if (write_dir) {
            write_policy(name, b.s, b.len);
            write_stream(name, "shallow", &shallow);
            write_stream(name, "deep", &deep);
        }
        run_case(name, b.s, b.len, "shallow", &shallow);
        run_case(name, b.s, b.len, "deep", &deep);
        stream_free(&shallow);
        stream_free(&deep);
        free(b.s);
        free(t);
    }
}

/* The generated families (bench/families.h), each at 10 to 10,000 rules:
 * a shallow stream decided by the system rules at the top, a deep one by
 * the last tenth of the rules or only by the catch-all. */
static void gen_family_stream(stream *s, fam_policy *f, const kap_policy *p, unsigned lo, unsigned hi,
                              unsigned count, int deep)
{
    unsigned tries = 0;
    fam_req o;
    while (s->n < count && tries < count * 50) {
        tries++;
        unsigned k = lo + fam_rnd(f, hi - lo);
        int miss = deep && fam_rnd(f, 4) == 0;
        fam_request(f, k, &o, miss);
        kap_decision d;
        kap_policy_match_reference(p, &o.q, &d);
        if ((d.rule >= (int)lo && d.rule < (int)hi) || (deep && d.rule == (int)f->n - 1))
            stream_add(s, &o.q);
    }
    stream_finish(s);
}

static const char *family_only = NULL; /* --family: only this family */
static int families_only = 0;        /* --families-only: no built-in cases */

static void families(void)
{
    unsigned sizes[] = {10, 100, 1000, 10000};
    for (int fam = 0; fam < FAM_N; fam++) {
        if (family_only && strcmp(family_only, FAM_NAMES[fam]) != 0)
            continue;
        for (size_t i = 0; i < 4; i++) {
            unsigned n = sizes[i];
            char name[48];
            snprintf(name, sizeof name, "%s-%u", FAM_NAMES[fam], n);
            if (only && strcmp(name, only) != 0)
                continue;
            fam_policy f;
            fam_make(&f, fam, n);
            kap_policy *p;
            if (kap_policy_load_buffer(&p, f.text.s, f.text.len, name, NULL, NULL) != KAP_OK)
                die("generated policy %s does not load", name);
            stream shallow = {0}, deep = {0};
            unsigned head = f.nsystem ? f.nsystem : 1;
            unsigned tail = n / 10 > 1 ? n / 10 : 1;
            gen_family_stream(&shallow, &f, p, 0, head, 2000, 0);
            gen_family_stream(&deep, &f, p, n - 1 - tail, n - 1, 2000, 1);
            kap_policy_free(p);
            if (write_dir) {
                write_policy(name, f.text.s, f.text.len);
                write_stream(name, "shallow", &shallow);
                write_stream(name, "deep", &deep);
            }
            if (shallow.n)
                run_case(name, f.text.s, f.text.len, "shallow", &shallow);
            if (deep.n)
                run_case(name, f.text.s, f.text.len, "deep", &deep);
            stream_free(&shallow);
            stream_free(&deep);
            fam_free(&f);
        }
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: kap-bench [--json] [--runs N] [--memory] [--only NAME] [--family F] [--families-only]\n"
               "                 [--write DIR] [--data DIR]\n"
               "       kap-bench [--json] [--runs N] [--memory] --policy FILE --requests FILE\n"
               "Prints ns per decision (median, min, max over N runs, default 5) for the decision\n"
               "table and the plain first-match evaluator, load time and table size.\n"
               "--only NAME runs the built-in cases of policy NAME (e.g. gke, generated-1000,\n"
               "multitenant-10000); --family F only the generated family F (multitenant, wildcard,\n"
               "resnames, urls, groupstar, adversarial); --families-only the families, not the\n"
               "real policies and kap-bench's own generator;\n"
               "runs are interleaved: run k of every matcher, then run k + 1;\n"
               "--write DIR also writes each generated policy and its two request streams there\n"
               "(NAME.yaml, NAME-shallow.jsonl, NAME-deep.jsonl), for --policy/--requests;\n"
               "--no-reference skips the plain evaluator (for profiling; its figures print as 0);\n"
               "--memory adds \"peak MB\": the peak RSS of a fresh process that loads the policy\n"
               "from a file once (kap_policy_load) and exits, as /usr/bin/time -f %%M reports it;\n"
               "\"fresh load ms\": that load's time, and \"fresh yaml ms\": libyaml's read and parse\n"
               "of the file in a fresh process (each the best of three processes): a first load\n"
               "pays for every page it touches, where \"load ms\" (the best of three in one\n"
               "process) may reuse pages malloc kept.\n");
}

int replay_bench_main(int argc, char **argv); /* bench/replay-bench.c */

int main(int argc, char **argv)
{
    if (argc > 1 && strncmp(argv[1], "--replay", 8) == 0)
        return replay_bench_main(argc - 1, argv + 1);
    if (argc == 4 && strcmp(argv[1], "--load-once") == 0) { /* load_once's child */
        int rc = KAP_OK;
        double a = now_ns();
        if (strcmp(argv[2], "yaml") == 0) {
            /* libyaml alone, from the file read as kap_policy_load reads
             * it: one buffer of the file's size */
            FILE *f = fopen(argv[3], "rb");
            struct stat st;
            if (!f || fstat(fileno(f), &st) != 0)
                die("cannot open %s", argv[3]);
            char *text = malloc((size_t)st.st_size + 1);
            size_t len = text ? fread(text, 1, (size_t)st.st_size + 1, f) : 0;
            fclose(f);
            if (!text || len != (size_t)st.st_size)
                die("cannot read %s", argv[3]);
            yaml_parse_once(text, len);
            free(text);
        } else {
            kap_policy *p = NULL;
            rc = kap_policy_load(&p, argv[3], NULL, NULL);
            kap_policy_free(p);
        }
        double ms = (now_ns() - a) / 1e6;
        /* VmHWM: this image's peak (ru_maxrss would also count the pages
         * the fork had before exec) */
        long kib = -1;
        char line[256];
        FILE *st = fopen("/proc/self/status", "r");
        while (st && fgets(line, sizeof line, st))
            if (strncmp(line, "VmHWM:", 6) == 0)
                kib = strtol(line + 6, NULL, 10);
        if (st)
            fclose(st);
        printf("%ld %.3f\n", kib, ms);
        return rc == KAP_OK && kib > 0 ? 0 : 1;
    }
    const char *policy = NULL, *requests = NULL, *data = KAP_BENCH_DATA;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json_out = 1;
        else if (strcmp(argv[i], "--memory") == 0)
            with_memory = 1;
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
            policy = argv[++i];
        else if (strcmp(argv[i], "--requests") == 0 && i + 1 < argc)
            requests = argv[++i];
        else if (strcmp(argv[i], "--write") == 0 && i + 1 < argc)
            write_dir = argv[++i];
        else if (strcmp(argv[i], "--no-reference") == 0)
            no_reference = 1;
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(argv[i], "--family") == 0 && i + 1 < argc)
            family_only = argv[++i];
        else if (strcmp(argv[i], "--families-only") == 0)
            families_only = 1;
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            data = argv[++i];
        else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (runs < 1)
        runs = 5;
    if (!!policy != !!requests) {
        usage(stderr);
        return 2;
    }
    if (policy) {
        size_t len;
        char *text = read_file(policy, &len);
        stream s = {0};
        stream_load(&s, requests);
        if (!s.n)
            die("%s has no requests", requests);
        header();
        const char *base = strrchr(policy, '/') ? strrchr(policy, '/') + 1 : policy;
        const char *rbase = strrchr(requests, '/') ? strrchr(requests, '/') + 1 : requests;
        run_case(base, text, len, rbase, &s);
        stream_free(&s);
        free(text);
        return 0;
    }
    if (!families_only && !family_only)
        builtin(data);
    else
        header();
    families();
    return 0;
}
