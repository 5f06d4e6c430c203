/* kap lint: load each policy as kube-apiserver does, analyse it (the
 * library's kap_analyze), and print the findings for people, for programs
 * (JSON), for code scanning (SARIF 2.1.0), or kube-apiserver's own text.
 * SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kap lint [options] POLICY...\n"
            "\n"
            "Loads each policy as kube-apiserver would and reports what is wrong, and what\n"
            "kube-apiserver does not tell: ignored keys, rules that never decide a request,\n"
            "values that never match, secrets in the log, volume (docs/lint.md).\n"
            "  -o, --output human   (default) FILE:LINE:COLUMN: SEVERITY: MESSAGE [ID], then the hint\n"
            "  -o, --output json    one JSON array of findings\n"
            "  -o, --output sarif   SARIF 2.1.0, for code scanning\n"
            "  -o, --output k8s     kube-apiserver's own text only: the error on standard output,\n"
            "                       the lenient-decoding warning on standard error as 'warning: <text>'\n"
            "                       (with several files, each line starts with 'FILE: ')\n"
            "  --witnesses          print, for each rule that decides some request, one such request\n"
            "                       as a JSON line with \"witness\": RULE (replay them with kap eval)\n"
            "  --strict             warnings fail too (exit status 1)\n"
            "  --disable ID         drop the findings of a check ('all' for every check); repeatable\n"
            "  --enable ID          keep them again (after --disable all); repeatable, in order\n"
            "  --color[=WHEN]       colour: auto (on a terminal, unless NO_COLOR is set), always, never\n"
            "  --kube-version 1.N   follow Kubernetes 1.N (1.%u to 1.%u; default 1.%u)\n"
            "  --max-steps N        bound the analysis's work on a policy (default %u), and\n"
            "  --max-rule-steps N   on one rule (default %u); past them it says what it did not decide\n"
            "\n"
            "A '# kap:ignore ID' comment on a rule's first line or right above it silences\n"
            "that check for the rule.\n"
            "Exit status: 0 when no error (nor warning, with --strict) is left and every policy\n"
            "loads, 1 otherwise, 2 for usage errors.\n",
            KAP_KUBE_MINOR_MIN, KAP_KUBE_MINOR_MAX, KAP_KUBE_MINOR_MAX, KAP_DEFAULT_MAX_STEPS,
            KAP_DEFAULT_MAX_RULE_STEPS);
}

enum { OUT_HUMAN, OUT_JSON, OUT_SARIF, OUT_K8S };
enum { OPT_KUBE_VERSION = 256, OPT_STRICT, OPT_DISABLE, OPT_ENABLE, OPT_WITNESSES, OPT_COLOR, OPT_MAX_STEPS,
       OPT_MAX_RULE_STEPS };

typedef struct lint_opts {
    int output, strict, witnesses;
    unsigned char *off; /* per check: dropped */
    cli_palette pal;
} lint_opts;

static const char *severity_name(kap_severity s)
{
    return s == KAP_SEVERITY_ERROR ? "error" : s == KAP_SEVERITY_WARNING ? "warning" : "info";
}

static int check_index(const char *id)
{
    for (size_t i = 0; i < kap_lint_check_count(); i++)
        if (strcmp(kap_lint_check_get(i)->id, id) == 0)
            return (int)i;
    return -1;
}

static int shown(const lint_opts *o, const kap_finding *f)
{
    int k = check_index(f->id);
    return k < 0 || !o->off[k];
}

/* ---- human ------------------------------------------------------------------------ */

static void print_human(const lint_opts *o, const char *file, const kap_analysis *a)
{
    const cli_palette *p = &o->pal;
    for (size_t i = 0; i < kap_analysis_count(a); i++) {
        const kap_finding *f = kap_analysis_get(a, i);
        if (!shown(o, f))
            continue;
        const char *col = f->severity == KAP_SEVERITY_ERROR ? p->red : f->severity == KAP_SEVERITY_WARNING ? p->yellow
                                                                                                          : p->blue;
        printf("%s%s", p->bold, file);
        if (f->line)
            printf(":%u", f->line);
        if (f->line && f->column)
            printf(":%u", f->column);
        printf(":%s %s%s%s: %s %s[%s]%s\n", p->reset, col, severity_name(f->severity), p->reset, f->message, p->dim,
               f->id, p->reset);
        if (f->hint[0])
            printf("    %shint: %s%s\n", p->dim, f->hint, p->reset);
    }
}

/* ---- JSON --------------------------------------------------------------------------- */

static void print_json(const lint_opts *o, const char *file, const kap_analysis *a, int *first)
{
    for (size_t i = 0; i < kap_analysis_count(a); i++) {
        const kap_finding *f = kap_analysis_get(a, i);
        if (!shown(o, f))
            continue;
        printf("%s\n  {\"file\":\"", *first ? "" : ",");
        *first = 0;
        cli_json_escape(stdout, file);
        printf("\",\"id\":\"%s\",\"severity\":\"%s\",\"rule\":%d,\"line\":%u,\"column\":%u,\"field\":\"", f->id,
               severity_name(f->severity), f->rule, f->line, f->column);
        cli_json_escape(stdout, f->field);
        fputs("\",\"message\":\"", stdout);
        cli_json_escape(stdout, f->message);
        fputs("\",\"hint\":\"", stdout);
        cli_json_escape(stdout, f->hint);
        fputs("\",\"related\":[", stdout);
        for (size_t k = 0; k < f->n_related; k++)
            printf("%s%d", k ? "," : "", f->related[k]);
        fputs("]}", stdout);
    }
}

/* ---- SARIF 2.1.0 ------------------------------------------------------------------------ */

/* A file name as a URI reference: unreserved bytes and '/' as they are,
 * the rest percent-encoded. */
static void print_uri(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
            putchar(*p);
        else
            printf("%%%02X", *p);
    }
}

static const char *sarif_level(kap_severity s)
{
    return s == KAP_SEVERITY_ERROR ? "error" : s == KAP_SEVERITY_WARNING ? "warning" : "note";
}

static void sarif_rules(void)
{
    for (size_t i = 0; i < kap_lint_check_count(); i++) {
        const kap_lint_check *c = kap_lint_check_get(i);
        printf("%s\n          {\"id\":\"%s\",\"name\":\"", i ? "," : "", c->id);
        /* the ID in PascalCase */
        for (const char *p = c->id; *p; p++) {
            if (*p == '-')
                continue;
            putchar(p == c->id || p[-1] == '-' ? *p - 'a' + 'A' : *p);
        }
        fputs("\",\"shortDescription\":{\"text\":\"", stdout);
        cli_json_escape(stdout, c->title);
        fputs("\"},\"fullDescription\":{\"text\":\"", stdout);
        cli_json_escape(stdout, c->description);
        printf("\"},\"help\":{\"text\":\"See docs/lint.md, section %s.\"},", c->id);
        printf("\"defaultConfiguration\":{\"level\":\"%s\"}}", sarif_level(c->severity));
    }
}

static void sarif_location(const char *file, unsigned line, unsigned col)
{
    fputs("{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"", stdout);
    print_uri(file);
    fputs("\"}", stdout);
    if (line) {
        printf(",\"region\":{\"startLine\":%u", line);
        if (col)
            printf(",\"startColumn\":%u", col);
        putchar('}');
    }
    fputs("}}", stdout);
}

static void print_sarif(const lint_opts *o, const char *file, const kap_analysis *a, int *first)
{
    const kap_policy *pol = kap_analysis_policy(a);
    for (size_t i = 0; i < kap_analysis_count(a); i++) {
        const kap_finding *f = kap_analysis_get(a, i);
        if (!shown(o, f))
            continue;
        printf("%s\n        {\"ruleId\":\"%s\",\"ruleIndex\":%d,\"level\":\"%s\",\"message\":{\"text\":\"",
               *first ? "" : ",", f->id, check_index(f->id), sarif_level(f->severity));
        *first = 0;
        cli_json_escape(stdout, f->message);
        fputs("\"},\"locations\":[", stdout);
        sarif_location(file, f->line, f->column);
        putchar(']');
        if (f->n_related && pol) {
            fputs(",\"relatedLocations\":[", stdout);
            for (size_t k = 0; k < f->n_related; k++) {
                int r = f->related[k];
                printf("%s{\"id\":%zu,\"message\":{\"text\":\"rule %d\"},", k ? "," : "", k, r);
                fputs("\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"", stdout);
                print_uri(file);
                printf("\"},\"region\":{\"startLine\":%u,\"startColumn\":%u}}}",
                       kap_policy_rule_line(pol, (size_t)r), kap_policy_rule_column(pol, (size_t)r));
            }
            putchar(']');
        }
        fputs(",\"properties\":{\"hint\":\"", stdout);
        cli_json_escape(stdout, f->hint);
        printf("\",\"rule\":%d}}", f->rule);
    }
}

/* ---- options ---------------------------------------------------------------------------- */

static int set_check(lint_opts *o, const char *id, unsigned char off)
{
    if (strcmp(id, "all") == 0) {
        memset(o->off, off, kap_lint_check_count());
        return 0;
    }
    int k = check_index(id);
    if (k < 0) {
        fprintf(stderr, "kap lint: unknown check '%s' (docs/lint.md lists them)\n", id);
        return -1;
    }
    o->off[k] = off;
    return 0;
}

/* The exit status a file's findings call for. */
static int failing(const lint_opts *o, const kap_analysis *a, int rc)
{
    if (rc != KAP_OK)
        return 1;
    for (size_t i = 0; i < kap_analysis_count(a); i++) {
        const kap_finding *f = kap_analysis_get(a, i);
        if (shown(o, f) &&
            (f->severity == KAP_SEVERITY_ERROR || (o->strict && f->severity == KAP_SEVERITY_WARNING)))
            return 1;
    }
    return 0;
}

/* One file: kube-apiserver's text, byte for byte. Several: each line starts
 * with its file, as grep does, so that the lines can be told apart. */
static int lint_k8s(const char *file, const kap_options *opts, int name_file)
{
    const char *tag = name_file ? file : "", *sep = name_file ? ": " : "";
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int rc = kap_policy_load(&p, file, opts, &d);
    if (!d) {
        fprintf(stderr, "kap lint: %s: %s\n", file, kap_status_name(rc));
        return 1;
    }
    const char *w = kap_diagnostics_warning_text(d);
    if (w)
        fprintf(stderr, "%s%swarning: %s\n", tag, sep, w);
    if (rc != KAP_OK) {
        const char *e = kap_diagnostics_error_text(d);
        printf("%s%s%s\n", tag, sep, e ? e : kap_status_name(rc));
    }
    kap_diagnostics_free(d);
    kap_policy_free(p);
    return rc != KAP_OK;
}

/* One witness line; with several policies, a "file" key names the policy
 * (kap eval ignores it, as it ignores "witness"). */
static void put_witness(const char *json, size_t n, const char *file, int named)
{
    if (!named || n == 0 || json[n - 1] != '}') {
        puts(json);
        return;
    }
    fwrite(json, 1, n - 1, stdout);
    fputs(",\"file\":", stdout);
    cli_json_string_n(stdout, file, strlen(file));
    fputs("}\n", stdout);
}

static int print_witnesses(const char *file, const kap_analysis *a, int rc, int named)
{
    if (rc != KAP_OK) {
        const char *e = kap_diagnostics_error_text(kap_analysis_diagnostics(a));
        fprintf(stderr, "kap lint: %s: %s\n", file, e ? e : kap_status_name(rc));
        return 1;
    }
    const kap_policy *p = kap_analysis_policy(a);
    char small[1024];
    for (size_t i = 0; i < kap_policy_rule_count(p); i++) {
        size_t n = kap_analysis_witness_json(a, i, small, sizeof small);
        if (!n)
            continue;
        if (n < sizeof small) {
            put_witness(small, n, file, named);
            continue;
        }
        char *big = malloc(n + 1);
        if (!big) {
            fprintf(stderr, "kap lint: out of memory\n");
            return 1;
        }
        kap_analysis_witness_json(a, i, big, n + 1);
        put_witness(big, n, file, named);
        free(big);
    }
    return 0;
}

int cmd_lint(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"kube-version", required_argument, NULL, OPT_KUBE_VERSION},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"disable", required_argument, NULL, OPT_DISABLE},
        {"enable", required_argument, NULL, OPT_ENABLE},
        {"witnesses", no_argument, NULL, OPT_WITNESSES},
        {"color", optional_argument, NULL, OPT_COLOR},
        {"colour", optional_argument, NULL, OPT_COLOR},
        {"max-steps", required_argument, NULL, OPT_MAX_STEPS},
        {"max-rule-steps", required_argument, NULL, OPT_MAX_RULE_STEPS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    lint_opts o = {0};
    unsigned char off[64] = {0};
    if (kap_lint_check_count() > sizeof off) {
        fprintf(stderr, "kap lint: this kap knows fewer checks than its libkap has\n");
        return 1;
    }
    o.off = off;
    cli_color_mode color = CLI_COLOR_AUTO;
    kap_options opts;
    kap_options_init(&opts);
    kap_analysis_options aopts;
    kap_analysis_options_init(&aopts);
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'o':
            if (strcmp(optarg, "human") == 0)
                o.output = OUT_HUMAN;
            else if (strcmp(optarg, "json") == 0)
                o.output = OUT_JSON;
            else if (strcmp(optarg, "sarif") == 0)
                o.output = OUT_SARIF;
            else if (strcmp(optarg, "k8s") == 0)
                o.output = OUT_K8S;
            else {
                fprintf(stderr, "kap lint: unknown output format '%s' (human, json, sarif or k8s)\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_KUBE_VERSION:
            if (cli_parse_kube_version(optarg, &opts.kube_minor))
                return cli_bad_kube_version("lint", optarg);
            break;
        case OPT_STRICT:
            o.strict = 1;
            break;
        case OPT_DISABLE:
        case OPT_ENABLE:
            if (set_check(&o, optarg, c == OPT_DISABLE))
                return EXIT_USAGE;
            break;
        case OPT_WITNESSES:
            o.witnesses = 1;
            break;
        case OPT_MAX_STEPS:
        case OPT_MAX_RULE_STEPS: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || *end || !*optarg || optarg[0] == '-' || v == 0) {
                fprintf(stderr, "kap lint: --%s '%s': a positive number\n",
                        c == OPT_MAX_STEPS ? "max-steps" : "max-rule-steps", optarg);
                return EXIT_USAGE;
            }
            if (c == OPT_MAX_STEPS)
                aopts.max_steps = (size_t)v;
            else
                aopts.max_rule_steps = (size_t)v;
            break;
        }
        case OPT_COLOR:
            if (cli_parse_color(optarg, &color)) {
                fprintf(stderr, "kap lint: --color '%s': auto, always or never\n", optarg);
                return EXIT_USAGE;
            }
            break;
        default:
            return cli_bad_option("lint", c, argc, argv);
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "kap lint: no policy file given\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (o.witnesses && o.output != OUT_HUMAN) {
        fprintf(stderr, "kap lint: --witnesses prints JSON lines of its own; it takes no -o\n");
        return EXIT_USAGE;
    }
    o.pal = cli_palette_for(o.output == OUT_HUMAN && !o.witnesses && cli_use_color(color, stdout));
    int status = 0, first = 1;
    if (o.output == OUT_JSON)
        fputs("[", stdout);
    if (o.output == OUT_SARIF) {
        printf("{\n  \"$schema\": \"https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/"
               "sarif-schema-2.1.0.json\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n"
               "      \"tool\": {\"driver\": {\"name\": \"kap\", \"version\": \"%s\", \"semanticVersion\": \"%s\", "
               "\"rules\": [",
               kap_version(), kap_version());
        sarif_rules();
        fputs("]}},\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [", stdout);
    }
    for (int i = optind; i < argc; i++) {
        const char *file = argv[i];
        if (o.output == OUT_K8S) {
            status |= lint_k8s(file, &opts, argc - optind > 1);
            continue;
        }
        kap_analysis *a = NULL;
        int rc = kap_analyze(&a, file, &opts, &aopts);
        if (!a) {
            fprintf(stderr, "kap lint: %s: %s\n", file, kap_status_name(rc));
            status = 1;
            continue;
        }
        if (o.witnesses)
            status |= print_witnesses(file, a, rc, argc - optind > 1);
        else if (o.output == OUT_HUMAN)
            print_human(&o, file, a);
        else if (o.output == OUT_JSON)
            print_json(&o, file, a, &first);
        else
            print_sarif(&o, file, a, &first);
        if (!o.witnesses)
            status |= failing(&o, a, rc);
        kap_analysis_free(a);
    }
    if (o.output == OUT_JSON)
        fputs(first ? "]\n" : "\n]\n", stdout);
    if (o.output == OUT_SARIF)
        fputs("\n      ]\n    }\n  ]\n}\n", stdout);
    if (cli_finish_stdout("lint"))
        return 1;
    return status;
}
