/* kap: helpers the commands share.
 * SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_parse_kube_version(const char *s, unsigned *minor)
{
    char *end;
    if (strncmp(s, "1.", 2) == 0)
        s += 2;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v < KAP_KUBE_MINOR_MIN || v > KAP_KUBE_MINOR_MAX)
        return -1;
    *minor = (unsigned)v;
    return 0;
}

int cli_bad_kube_version(const char *cmd, const char *value)
{
    fprintf(stderr, "kap %s: --kube-version '%s': needs 1.%u to 1.%u\n", cmd, value ? value : "",
            KAP_KUBE_MINOR_MIN, KAP_KUBE_MINOR_MAX);
    return EXIT_USAGE;
}

int cli_bad_option(const char *cmd, int c, int argc, char **argv)
{
    int at = optind - 1 < argc ? optind - 1 : argc - 1;
    const char *arg = at > 0 ? argv[at] : "";
    if (c == ':')
        fprintf(stderr, "kap %s: option '%s' needs a value\n", cmd, arg);
    else if (optopt && arg[0] == '-' && arg[1] != '-')
        fprintf(stderr, "kap %s: unknown option '-%c'\n", cmd, optopt);
    else
        fprintf(stderr, "kap %s: unknown option '%s'\n", cmd, arg);
    fprintf(stderr, "Run 'kap %s --help' for its options.\n", cmd);
    return EXIT_USAGE;
}

int cli_parse_color(const char *s, cli_color_mode *mode)
{
    if (!s || strcmp(s, "always") == 0)
        *mode = CLI_COLOR_ALWAYS;
    else if (strcmp(s, "auto") == 0)
        *mode = CLI_COLOR_AUTO;
    else if (strcmp(s, "never") == 0)
        *mode = CLI_COLOR_NEVER;
    else
        return -1;
    return 0;
}

int cli_use_color(cli_color_mode mode, FILE *f)
{
    if (mode == CLI_COLOR_ALWAYS)
        return 1;
    if (mode == CLI_COLOR_NEVER)
        return 0;
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        return 0;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0)
        return 0;
    return isatty(fileno(f));
}

cli_palette cli_palette_for(int color)
{
    cli_palette p = {"", "", "", "", "", "", ""};
    if (color) {
        p.red = "\033[31m";
        p.yellow = "\033[33m";
        p.green = "\033[32m";
        p.blue = "\033[34m";
        p.bold = "\033[1m";
        p.dim = "\033[2m";
        p.reset = "\033[0m";
    }
    return p;
}

void cli_json_escape_n(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
}

void cli_json_escape(FILE *f, const char *s)
{
    cli_json_escape_n(f, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1 to 4), 0 if there is none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (need >= n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i <= need; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return need + 1;
}

/* Whether the k-byte UTF-8 sequence at s is a C1 control (U+0080 to U+009F). */
static int is_c1(const char *s, size_t k)
{
    return k == 2 && (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] < 0xA0;
}

void cli_json_string_n(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        size_t k = utf8_len((const unsigned char *)s + i, n - i);
        if (k == 0) {
            fputs("\\ufffd", f);
            i++;
        } else if (is_c1(s + i, k)) {
            fprintf(f, "\\u%04x", (unsigned char)s[i + 1]);
            i += k;
        } else {
            cli_json_escape_n(f, s + i, k);
            i += k;
        }
    }
    fputc('"', f);
}

void cli_text_n(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = utf8_len((const unsigned char *)s + i, n - i);
        if (k == 0 || (k == 1 && ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)) || is_c1(s + i, k)) {
            cli_json_string_n(f, s, n);
            return;
        }
        i += k;
    }
    fwrite(s, 1, n, f);
}

int cli_finish_stdout(const char *cmd)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "kap %s: writing standard output: %s\n", cmd, strerror(errno));
        return 1;
    }
    return 0;
}

void cli_print_diagnostics(FILE *f, const char *file, const kap_diagnostics *d)
{
    for (size_t i = 0; i < kap_diagnostics_count(d); i++) {
        const kap_diagnostic *g = kap_diagnostics_get(d, i);
        const char *sev = g->severity == KAP_SEVERITY_ERROR ? "error" : "warning";
        if (g->line && g->column)
            fprintf(f, "%s:%u:%u: %s: %s\n", file, g->line, g->column, sev, g->message);
        else if (g->line)
            fprintf(f, "%s:%u: %s: %s\n", file, g->line, sev, g->message);
        else
            fprintf(f, "%s: %s: %s\n", file, sev, g->message);
    }
}

/* ---- unified diff ---------------------------------------------------------------------- */

typedef struct dline {
    const char *s;
    size_t n; /* with its newline, if any */
} dline;

static size_t split_lines(const char *t, size_t len, dline **out)
{
    size_t n = 0, cap = 64;
    dline *v = malloc(cap * sizeof *v);
    if (!v)
        return (size_t)-1;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(t + i, '\n', len - i);
        size_t k = nl ? (size_t)(nl - (t + i)) + 1 : len - i;
        if (n == cap) {
            dline *w = realloc(v, (cap *= 2) * sizeof *v);
            if (!w) {
                free(v);
                return (size_t)-1;
            }
            v = w;
        }
        v[n].s = t + i;
        v[n].n = k;
        n++;
        i += k;
    }
    *out = v;
    return n;
}

static int line_eq(const dline *a, const dline *b) { return a->n == b->n && memcmp(a->s, b->s, a->n) == 0; }

static void print_dline(FILE *f, char mark, const dline *l)
{
    fputc(mark, f);
    fwrite(l->s, 1, l->n, f);
    if (!l->n || l->s[l->n - 1] != '\n')
        fputs("\n\\ No newline at end of file\n", f);
}

int cli_print_unified_diff(FILE *f, const char *name_a, const char *name_b, const char *a, size_t alen,
                           const char *b, size_t blen)
{
    dline *la = NULL, *lb = NULL;
    size_t na = split_lines(a, alen, &la), nb = split_lines(b, blen, &lb);
    if (na == (size_t)-1 || nb == (size_t)-1) {
        free(la);
        free(lb);
        return -1;
    }
    /* the edit script: 0 same, 1 delete (a), 2 insert (b), as pairs (op, index) */
    size_t pre = 0, suf = 0;
    while (pre < na && pre < nb && line_eq(&la[pre], &lb[pre]))
        pre++;
    while (suf < na - pre && suf < nb - pre && line_eq(&la[na - 1 - suf], &lb[nb - 1 - suf]))
        suf++;
    size_t ma = na - pre - suf, mb = nb - pre - suf;
    size_t cap = na + nb + 1, n_ops = 0;
    unsigned char *op = malloc(cap);
    size_t *ia = malloc(cap * sizeof *ia), *ib = malloc(cap * sizeof *ib);
    unsigned *dp = NULL;
    int ok = op && ia && ib;
    if (ok && ma && mb && (ma + 1) * (mb + 1) <= ((size_t)1 << 22))
        ok = (dp = calloc((ma + 1) * (mb + 1), sizeof *dp)) != NULL;
    if (!ok) {
        free(op), free(ia), free(ib), free(la), free(lb);
        return -1;
    }
    for (size_t i = 0; i < pre; i++)
        op[n_ops] = 0, ia[n_ops] = i, ib[n_ops] = i, n_ops++;
    if (dp) {
        /* LCS of the middles, from the back */
        size_t w = mb + 1;
        for (size_t i = ma; i-- > 0;)
            for (size_t j = mb; j-- > 0;)
                dp[i * w + j] = line_eq(&la[pre + i], &lb[pre + j]) ? dp[(i + 1) * w + j + 1] + 1
                                : dp[(i + 1) * w + j] >= dp[i * w + j + 1] ? dp[(i + 1) * w + j]
                                                                           : dp[i * w + j + 1];
        size_t i = 0, j = 0;
        while (i < ma || j < mb) {
            if (i < ma && j < mb && line_eq(&la[pre + i], &lb[pre + j]))
                op[n_ops] = 0, ia[n_ops] = pre + i, ib[n_ops] = pre + j, n_ops++, i++, j++;
            else if (i < ma && (j == mb || dp[(i + 1) * w + j] >= dp[i * w + j + 1]))
                /* on a tie the deletion first: '-' lines before '+' lines, as diff -u */
                op[n_ops] = 1, ia[n_ops] = pre + i, ib[n_ops] = pre + j, n_ops++, i++;
            else
                op[n_ops] = 2, ia[n_ops] = pre + i, ib[n_ops] = pre + j, n_ops++, j++;
        }
    } else {
        for (size_t i = 0; i < ma; i++)
            op[n_ops] = 1, ia[n_ops] = pre + i, ib[n_ops] = pre, n_ops++;
        for (size_t j = 0; j < mb; j++)
            op[n_ops] = 2, ia[n_ops] = pre + ma, ib[n_ops] = pre + j, n_ops++;
    }
    for (size_t i = 0; i < suf; i++)
        op[n_ops] = 0, ia[n_ops] = na - suf + i, ib[n_ops] = nb - suf + i, n_ops++;
    /* hunks with three lines of context */
    int any = 0;
    for (size_t k = 0; k < n_ops;) {
        if (op[k] == 0) {
            k++;
            continue;
        }
        size_t start = k >= 3 ? k - 3 : 0;
        /* extend while changes are within 6 lines of each other */
        size_t end = k, last_change = k;
        while (end < n_ops && (op[end] != 0 || end - last_change <= 6)) {
            if (op[end] != 0)
                last_change = end;
            end++;
        }
        end = last_change + 4 < n_ops ? last_change + 4 : n_ops;
        if (!any)
            fprintf(f, "--- %s\n+++ %s\n", name_a, name_b);
        any = 1;
        size_t ca = 0, cb = 0;
        for (size_t t = start; t < end; t++) {
            ca += op[t] != 2;
            cb += op[t] != 1;
        }
        size_t sa = ia[start] + (ca ? 1 : 0), sb = ib[start] + (cb ? 1 : 0);
        fprintf(f, "@@ -%zu,%zu +%zu,%zu @@\n", sa, ca, sb, cb);
        for (size_t t = start; t < end; t++)
            print_dline(f, (char)(op[t] == 0 ? ' ' : op[t] == 1 ? '-' : '+'), op[t] == 2 ? &lb[ib[t]] : &la[ia[t]]);
        k = end;
    }
    free(dp), free(op), free(ia), free(ib), free(la), free(lb);
    return any;
}
