/* kap: what the commands share (option helpers, output helpers).
 * The library does the work; a command parses its options, calls the
 * library and prints.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_CLI_H
#define KAP_CLI_H

#include <stdio.h>

#include "kap.h"

/* Exit statuses every command keeps to: 0 clean, 1 a finding or a failure,
 * 2 a usage error (or input the command cannot read at all). */
#define EXIT_FINDING 1
#define EXIT_USAGE 2

/* One command: its name, its entry point (argv[0] is the command's name)
 * and the one line "kap --help" prints for it. */
typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_command;

int cmd_lint(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_check_manifest(int argc, char **argv);

/* "1.N" or "N" for a Kubernetes minor release libkap follows; -1 if outside
 * KAP_KUBE_MINOR_MIN..KAP_KUBE_MINOR_MAX or not a number. */
int cli_parse_kube_version(const char *s, unsigned *minor);

/* Prints "kap CMD: needs 1.24 to 1.36" style usage message for a bad
 * --kube-version and returns EXIT_USAGE. */
int cli_bad_kube_version(const char *cmd, const char *value);

/* For getopt_long's '?' (unknown option) or ':' (missing value; the
 * option string starts with ':'): one message form for every command,
 * "kap CMD: unknown option '--x'", and where to find the options.
 * Returns EXIT_USAGE. */
int cli_bad_option(const char *cmd, int c, int argc, char **argv);

/* --color=auto|always|never and the NO_COLOR convention
 * (https://no-color.org): colour only when asked, or on a terminal
 * when NO_COLOR is unset or empty. */
typedef enum { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER } cli_color_mode;
/* Parses "auto", "always" or "never" (NULL means "always", as for a bare
 * --color). Returns -1 for anything else. */
int cli_parse_color(const char *s, cli_color_mode *mode);
/* Whether to colour what goes to f under mode. */
int cli_use_color(cli_color_mode mode, FILE *f);

/* ANSI colours, or "" when colour is off. */
typedef struct cli_palette {
    const char *red, *yellow, *green, *blue, *bold, *dim, *reset;
} cli_palette;
cli_palette cli_palette_for(int color);

/* Writes s as the inside of a JSON string (quotes, backslashes and control
 * bytes escaped; other bytes as they are). */
void cli_json_escape(FILE *f, const char *s);
/* The same for n bytes (a NUL inside is written \u0000). */
void cli_json_escape_n(FILE *f, const char *s, size_t n);

/* n bytes as a whole JSON string, quotes included, always valid UTF-8:
 * escapes as cli_json_escape_n, C1 controls (U+0080 to U+009F) as \u0080
 * to \u009f, and a byte that does not start valid UTF-8 as \ufffd. */
void cli_json_string_n(FILE *f, const char *s, size_t n);
/* A value from the input in text output: as it is when it is valid UTF-8
 * without control characters (C0, DEL, C1), else as cli_json_string_n writes
 * it, so that nothing in it acts on a terminal. */
void cli_text_n(FILE *f, const char *s, size_t n);

/* Flushes standard output and reports a write error (a full disk, a closed
 * pipe) as "kap CMD: writing standard output: ...". Returns 0 or 1. */
int cli_finish_stdout(const char *cmd);

/* A policy's load diagnostics as "kap lint" prints them, one a line:
 * FILE:LINE:COLUMN: error|warning: message. */
void cli_print_diagnostics(FILE *f, const char *file, const kap_diagnostics *d);

/* A unified diff (three lines of context) from a to b, headed by the two
 * names; nothing when they are equal. Returns 1 when something was
 * printed, 0 when they are equal, -1 out of memory. */
int cli_print_unified_diff(FILE *f, const char *name_a, const char *name_b, const char *a, size_t alen,
                           const char *b, size_t blen);

#endif
