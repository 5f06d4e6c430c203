/* kap eval: decide JSON-lines requests read from standard input.
 * SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* wcwidth, newlocale */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <wchar.h>

#include "cli.h"

enum { OPT_KUBE_VERSION = 256 };

static void usage(FILE *f)
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

/* s as cli_text_n shows it, in a string to free; NULL when out of memory. */
static char *shown(const char *s)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    if (!f)
        return NULL;
    cli_text_n(f, s, strlen(s));
    if (fclose(f)) {
        free(out);
        return NULL;
    }
    return out;
}

/* The terminal columns of the character whose UTF-8 bytes (valid: s as
 * shown) start at s, of which there are n: wcwidth() in the C.UTF-8
 * locale the table is printed in (East Asian wide characters 2, combining
 * marks 0); 1 for a character without a width, or without that locale. */
static size_t char_cols(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 1)
        return 1;
    wchar_t wc = u[0] & (0x7F >> n); /* the lead byte's bits */
    for (size_t k = 1; k < n; k++)
        wc = (wchar_t)((wc << 6) | (u[k] & 0x3F));
    int w = wcwidth(wc);
    return w < 0 ? 1 : (size_t)w;
}

/* The bytes and terminal columns of the unit of s that starts at s: a
 * character, or in a quoted value (a JSON string: cli_text_n) an escape,
 * \uNNNN or a backslash and one character, which is never cut. */
static size_t unit_at(const char *s, int quoted, size_t *cols)
{
    size_t n = 1;
    if (quoted && s[0] == '\\') {
        n = s[1] == 'u' ? 6 : 2;
        *cols = n; /* ASCII: one column a byte */
        return n;
    }
    while (((unsigned char)s[n] & 0xC0) == 0x80)
        n++; /* continuation bytes: part of this character */
    *cols = char_cols(s, n);
    return n;
}

/* s (as shown: valid UTF-8, or ASCII when quoted; an escape whole) in a
 * cell of width terminal columns: cut before the first character or
 * escape that would not fit, then padded with spaces. */
static void cell(const char *s, size_t width)
{
    size_t cols = 0, end = 0, c;
    const int quoted = s[0] == '"';
    while (s[end]) {
        size_t n = unit_at(s + end, quoted, &c);
        if (cols + c > width)
            break;
        cols += c;
        end += n;
    }
    fwrite(s, 1, end, stdout);
    for (; cols < width; cols++)
        putchar(' ');
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
    char *what = NULL;
    size_t what_len = 0;
    FILE *wf = open_memstream(&what, &what_len);
    if (wf) {
        if (q->resource_request)
            fprintf(wf, "%s%s%s%s%s%s%s", q->api_group && *q->api_group ? q->api_group : "",
                    q->api_group && *q->api_group ? "/" : "", q->resource ? q->resource : "",
                    q->subresource && *q->subresource ? "/" : "", q->subresource ? q->subresource : "",
                    q->name && *q->name ? " " : "", q->name ? q->name : "");
        else
            fputs(q->path ? q->path : "", wf);
        if (fclose(wf)) {
            free(what);
            what = NULL;
        }
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
    /* values from the request with control characters come quoted and escaped */
    char *user = q->user ? shown(q->user) : NULL, *verb = shown(q->verb ? q->verb : "");
    char *what_shown = what ? shown(what) : NULL;
    printf("%3zu  ", n);
    cell(user ? user : q->user ? "?" : "(no user)", 24);
    putchar(' ');
    cell(verb ? verb : "?", 9);
    putchar(' ');
    cell(what_shown ? what_shown : "?", 32);
    printf(" %-15s %-14s %s\n", kap_level_name(d->level), rule, stages);
    free(user);
    free(verb);
    free(what);
    free(what_shown);
}

int cmd_eval(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"kube-version", required_argument, NULL, OPT_KUBE_VERSION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int table = 0;
    kap_options opts;
    kap_options_init(&opts);
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0) {
                fprintf(stderr, "kap eval: --format takes json or table, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            table = strcmp(optarg, "table") == 0;
            break;
        case OPT_KUBE_VERSION:
            if (cli_parse_kube_version(optarg, &opts.kube_minor))
                return cli_bad_kube_version("eval", optarg);
            break;
        default:
            return cli_bad_option("eval", c, argc, argv);
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "kap eval: no policy file given\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (optind + 1 < argc) {
        fprintf(stderr, "kap eval: one policy only\n");
        return EXIT_USAGE;
    }
    const char *path = argv[optind];
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
    /* the table's widths: the C library's, in its built-in UTF-8 locale */
    locale_t wl = table ? newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0) : (locale_t)0;
    locale_t old_locale = wl ? uselocale(wl) : (locale_t)0;
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
                cli_json_escape(stdout, kap_request_reader_error(r));
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
    if (wl) {
        uselocale(old_locale);
        freelocale(wl);
    }
    if (cli_finish_stdout("eval"))
        return 1;
    return status;
}

