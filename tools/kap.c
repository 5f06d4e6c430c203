/* kap: Kubernetes audit policies from the command line.
 * SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kap.h"

#define EXIT_USAGE 2

static void usage_main(FILE *f)
{
    fprintf(f,
            "usage: kap [--version] [--help] COMMAND [ARGS]\n"
            "\n"
            "Kubernetes audit policies, read and decided exactly as kube-apiserver does.\n"
            "\n"
            "commands:\n"
            "  lint POLICY...   load each policy and report every problem\n"
            "  eval POLICY      decide JSON-lines requests read from standard input\n"
            "\n"
            "Run 'kap COMMAND --help' for a command's options.\n");
}

static void usage_lint(FILE *f)
{
    fprintf(f,
            "usage: kap lint [-o human|k8s] [--kube-version 1.N] POLICY...\n"
            "\n"
            "Loads each policy as kube-apiserver would and reports what is wrong.\n"
            "  -o human   (default) one line per problem: FILE:LINE:COLUMN: error|warning: message\n"
            "  -o k8s     kube-apiserver's own text: the error on standard output (one line),\n"
            "             the lenient-decoding warning on standard error as 'warning: <text>'\n"
            "  --kube-version 1.N   follow Kubernetes 1.N (1.24 to 1.36; default 1.36)\n"
            "\n"
            "Exit status: 0 when every policy loads, 1 when one does not, 2 for usage errors.\n");
}

static void usage_eval(FILE *f)
{
    fprintf(f,
            "usage: kap eval [--format json|table] [--kube-version 1.N] POLICY\n"
            "\n"
            "Reads requests, one JSON object a line, from standard input and writes one\n"
            "decision a line to standard output, in order:\n"
            "  {\"level\":...,\"omitStages\":[...],\"omitManagedFields\":...,\"rule\":N}\n"
            "A blank line gives a blank line; a line that is not a request gives\n"
            "{\"error\":\"line N: ...\"} and makes the exit status 2.\n"
            "  --format table   a readable table instead of JSON lines\n"
            "\n"
            "Exit status: 0, 1 when the policy does not load (nothing is read), 2 for a bad\n"
            "request line or a usage error.\n");
}

static int parse_kube_version(const char *s, unsigned *minor)
{
    char *end;
    if (strncmp(s, "1.", 2) == 0)
        s += 2;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v < KAP_KUBE_MINOR_MIN || v > KAP_KUBE_MINOR_MAX)
        return -1;
    *minor = (unsigned)v;
    return 0;
}

static void print_diags_human(const char *file, const kap_diagnostics *d)
{
    for (size_t i = 0; i < kap_diagnostics_count(d); i++) {
        const kap_diagnostic *g = kap_diagnostics_get(d, i);
        const char *sev = g->severity == KAP_SEVERITY_ERROR ? "error" : "warning";
        if (g->line && g->column)
            printf("%s:%u:%u: %s: %s\n", file, g->line, g->column, sev, g->message);
        else if (g->line)
            printf("%s:%u: %s: %s\n", file, g->line, sev, g->message);
        else
            printf("%s: %s: %s\n", file, sev, g->message);
    }
}

static int cmd_lint(int argc, char **argv)
{
    int k8s = 0;
    kap_options opts;
    kap_options_init(&opts);
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage_lint(stdout);
            return 0;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (++i >= argc) {
                fprintf(stderr, "kap lint: %s needs a value (human or k8s)\n", a);
                return EXIT_USAGE;
            }
            if (strcmp(argv[i], "k8s") == 0)
                k8s = 1;
            else if (strcmp(argv[i], "human") == 0)
                k8s = 0;
            else {
                fprintf(stderr, "kap lint: unknown output format '%s' (human or k8s)\n", argv[i]);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--kube-version") == 0) {
            if (++i >= argc || parse_kube_version(argv[i], &opts.kube_minor)) {
                fprintf(stderr, "kap lint: --kube-version needs 1.%u to 1.%u\n", KAP_KUBE_MINOR_MIN,
                        KAP_KUBE_MINOR_MAX);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "kap lint: unknown option '%s'\n", a);
            usage_lint(stderr);
            return EXIT_USAGE;
        } else {
            break;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "kap lint: no policy file given\n");
        usage_lint(stderr);
        return EXIT_USAGE;
    }
    int status = 0;
    for (; i < argc; i++) {
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        int rc = kap_policy_load(&p, argv[i], &opts, &d);
        if (!d) {
            fprintf(stderr, "kap lint: %s: %s\n", argv[i], kap_status_name(rc));
            status = 1;
            continue;
        }
        if (k8s) {
            const char *w = kap_diagnostics_warning_text(d);
            if (w)
                fprintf(stderr, "warning: %s\n", w);
            if (rc != KAP_OK) {
                const char *e = kap_diagnostics_error_text(d);
                printf("%s\n", e ? e : kap_status_name(rc));
            }
        } else {
            print_diags_human(argv[i], d);
        }
        if (rc != KAP_OK)
            status = 1;
        kap_diagnostics_free(d);
        kap_policy_free(p);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "kap lint: writing standard output: %s\n", strerror(errno));
        return 1;
    }
    return status;
}

static void json_escape(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
}

static void table_row(const kap_request_n *qn, const kap_decision *d, const kap_policy *p, size_t n)
{
    /* shown as C strings (a NUL inside a string ends what is shown) */
    struct {
        const char *user, *verb, *api_group, *resource, *subresource, *name, *path;
        int resource_request;
    } qs = {qn->user.ptr, qn->verb.ptr, qn->api_group.ptr, qn->resource.ptr, qn->subresource.ptr, qn->name.ptr,
            qn->path.ptr, qn->resource_request},
      *q = &qs;
    char what[96];
    if (q->resource_request) {
        snprintf(what, sizeof what, "%s%s%s%s%s%s%s", q->api_group && *q->api_group ? q->api_group : "",
                 q->api_group && *q->api_group ? "/" : "", q->resource ? q->resource : "",
                 q->subresource && *q->subresource ? "/" : "", q->subresource ? q->subresource : "",
                 q->name && *q->name ? " " : "", q->name ? q->name : "");
    } else {
        snprintf(what, sizeof what, "%s", q->path ? q->path : "");
    }
    char stages[80] = "";
    size_t sl = 0;
    for (unsigned bit = 1; bit <= KAP_STAGE_PANIC; bit <<= 1)
        if (d->omit_stages & bit)
            sl += (size_t)snprintf(stages + sl, sizeof stages - sl, "%s%s", sl ? "," : "", kap_stage_name(bit));
    char rule[32];
    if (d->rule >= 0)
        snprintf(rule, sizeof rule, "%d (line %u)", d->rule, kap_policy_rule_line(p, (size_t)d->rule));
    else
        snprintf(rule, sizeof rule, "none");
    printf("%3zu  %-24.24s %-9.9s %-32.32s %-15s %-14s %s\n", n, q->user ? q->user : "(no user)",
           q->verb ? q->verb : "", what, kap_level_name(d->level), rule, stages);
}

static int cmd_eval(int argc, char **argv)
{
    int table = 0;
    kap_options opts;
    kap_options_init(&opts);
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage_eval(stdout);
            return 0;
        } else if (strcmp(a, "--format") == 0) {
            if (++i >= argc || (strcmp(argv[i], "json") && strcmp(argv[i], "table"))) {
                fprintf(stderr, "kap eval: --format takes json or table\n");
                return EXIT_USAGE;
            }
            table = strcmp(argv[i], "table") == 0;
        } else if (strcmp(a, "--kube-version") == 0) {
            if (++i >= argc || parse_kube_version(argv[i], &opts.kube_minor)) {
                fprintf(stderr, "kap eval: --kube-version needs 1.%u to 1.%u\n", KAP_KUBE_MINOR_MIN,
                        KAP_KUBE_MINOR_MAX);
                return EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "kap eval: unknown option '%s'\n", a);
            usage_eval(stderr);
            return EXIT_USAGE;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "kap eval: one policy only\n");
            return EXIT_USAGE;
        }
    }
    if (!path) {
        fprintf(stderr, "kap eval: no policy file given\n");
        usage_eval(stderr);
        return EXIT_USAGE;
    }
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int rc = kap_policy_load(&p, path, &opts, &d);
    if (d && kap_diagnostics_warning_text(d))
        fprintf(stderr, "kap eval: %s: warning: %s\n", path, kap_diagnostics_warning_text(d));
    if (rc != KAP_OK) {
        const char *e = d ? kap_diagnostics_error_text(d) : NULL;
        fprintf(stderr, "kap eval: %s: %s\n", path, e ? e : kap_status_name(rc));
        kap_diagnostics_free(d);
        return 1;
    }
    kap_diagnostics_free(d);

    kap_request_reader *r;
    if (kap_request_reader_new(&r) != KAP_OK) {
        fprintf(stderr, "kap eval: out of memory\n");
        kap_policy_free(p);
        return 1;
    }
    if (table)
        printf("%3s  %-24s %-9s %-32s %-15s %-14s %s\n", "#", "user", "verb", "resource or path", "level",
               "rule", "omitted stages");
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    size_t lineno = 0;
    int status = 0;
    while ((got = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        size_t len = (size_t)got;
        if (len && line[len - 1] == '\n')
            len--;
        size_t k = 0;
        while (k < len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'))
            k++;
        if (k == len) {
            if (!table)
                putchar('\n');
            continue;
        }
        kap_request_n q;
        int prc = kap_request_reader_parse_n(r, line, len, &q);
        if (prc == KAP_ENOMEM) {
            fprintf(stderr, "kap eval: out of memory\n");
            status = 1;
            break;
        }
        if (prc != KAP_OK) {
            if (table) {
                printf("%3zu  error: %s\n", lineno, kap_request_reader_error(r));
            } else {
                printf("{\"error\":\"line %zu: ", lineno);
                json_escape(stdout, kap_request_reader_error(r));
                printf("\"}\n");
            }
            status = 2;
            continue;
        }
        kap_decision dec;
        kap_policy_match_n(p, &q, &dec);
        if (table) {
            table_row(&q, &dec, p, lineno);
        } else {
            char out[200];
            size_t n = kap_decision_format_json(&dec, out, sizeof out);
            fwrite(out, 1, n, stdout);
            putchar('\n');
        }
    }
    if (ferror(stdin)) {
        fprintf(stderr, "kap eval: reading standard input: %s\n", strerror(errno));
        status = 1;
    }
    free(line);
    kap_request_reader_free(r);
    kap_policy_free(p);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "kap eval: writing standard output: %s\n", strerror(errno));
        return 1;
    }
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_main(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage_main(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("kap %s (libkap %s)\n", KAP_VERSION_STRING, kap_version());
        return 0;
    }
    if (strcmp(cmd, "lint") == 0)
        return cmd_lint(argc - 1, argv + 1);
    if (strcmp(cmd, "eval") == 0)
        return cmd_eval(argc - 1, argv + 1);
    fprintf(stderr, "kap: unknown command '%s'\n", cmd);
    usage_main(stderr);
    return EXIT_USAGE;
}
