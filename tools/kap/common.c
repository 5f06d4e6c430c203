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

void cli_json_string_n(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        size_t k = utf8_len((const unsigned char *)s + i, n - i);
        if (k == 0) {
            fputs("\\ufffd", f);
            i++;
        } else {
            cli_json_escape_n(f, s + i, k);
            i += k;
        }
    }
    fputc('"', f);
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
