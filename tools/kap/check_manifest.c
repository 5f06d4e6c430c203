/* kap check-manifest: the kube-apiserver static pod's audit set-up, checked
 * by the library (kap_manifest_check_file) and printed one line a check, or
 * as one JSON document.
 * SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kap check-manifest [options] [MANIFEST]\n"
            "\n"
            "Checks kube-apiserver's static pod manifest (default %s) for a working\n"
            "audit set-up: the flags, the policy (mounted, present, loading), the log and its\n"
            "mount, the values CIS asks for, the webhook's kubeconfig, stray copies kubelet\n"
            "would also run, and kubelet's staticPodPath (docs/check-manifest.md).\n"
            "  -o, --output text      (default) one line a check: PASS, WARN or FAIL, its ID, what\n"
            "                         was found, and for WARN and FAIL what to change\n"
            "  -o, --output json      one JSON document\n"
            "  --root DIR             look every host path up under DIR instead of / (a copy of a\n"
            "                         node's files); no path leads out of it\n"
            "  --kubelet-config PATH  kubelet's config, for staticPodPath (default %s)\n"
            "  --kube-version 1.N     load the policy as 1.N does (1.%u to 1.%u; default: the image's\n"
            "                         tag, else 1.%u)\n"
            "  --color[=WHEN]         colour: auto (on a terminal, unless NO_COLOR is set), always, never\n"
            "\n"
            "Exit status: 0 when no check fails, 1 when one does, 2 for usage errors and a\n"
            "manifest that cannot be read or parsed.\n",
            KAP_MANIFEST_DEFAULT_PATH, KAP_MANIFEST_DEFAULT_KUBELET_CONFIG, KAP_KUBE_MINOR_MIN, KAP_KUBE_MINOR_MAX,
            KAP_KUBE_MINOR_MAX);
}

enum { OUT_TEXT, OUT_JSON };
enum { OPT_ROOT = 256, OPT_KUBELET_CONFIG, OPT_KUBE_VERSION, OPT_COLOR };

static void json_str(const char *s)
{
    if (!s)
        fputs("null", stdout);
    else
        cli_json_string_n(stdout, s, strlen(s));
}

static const char *severity_name(kap_severity s)
{
    return s == KAP_SEVERITY_ERROR ? "error" : s == KAP_SEVERITY_WARNING ? "warning" : "info";
}

static void print_json(const kap_manifest_report *r, const char *root)
{
    fputs("{\"manifest\":", stdout);
    json_str(kap_manifest_report_manifest(r));
    fputs(",\"root\":", stdout);
    json_str(root ? root : "/");
    printf(",\"kubeVersion\":\"1.%u\",\"error\":", kap_manifest_report_kube_minor(r));
    json_str(kap_manifest_report_error(r));
    fputs(",\"checks\":[", stdout);
    for (size_t i = 0; i < kap_manifest_report_count(r); i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        printf("%s\n  {\"id\":\"%s\",\"status\":\"%s\",\"message\":", i ? "," : "", c->id,
               kap_manifest_status_name(c->status));
        json_str(c->message);
        fputs(",\"fix\":", stdout);
        json_str(c->fix);
        printf(",\"line\":%u,\"column\":%u}", c->line, c->column);
    }
    fputs("],\n\"policy\":", stdout);
    const kap_diagnostics *d = kap_manifest_report_policy_diagnostics(r);
    if (!d) {
        fputs("null}\n", stdout);
        return;
    }
    fputs("{\"file\":", stdout);
    json_str(kap_manifest_report_policy_file(r));
    printf(",\"loaded\":%s,\"error\":", kap_diagnostics_error_text(d) ? "false" : "true");
    json_str(kap_diagnostics_error_text(d));
    fputs(",\"warning\":", stdout);
    json_str(kap_diagnostics_warning_text(d));
    fputs(",\"diagnostics\":[", stdout);
    for (size_t i = 0; i < kap_diagnostics_count(d); i++) {
        const kap_diagnostic *g = kap_diagnostics_get(d, i);
        printf("%s{\"severity\":\"%s\",\"message\":", i ? "," : "", severity_name(g->severity));
        json_str(g->message);
        fputs(",\"field\":", stdout);
        json_str(g->field);
        printf(",\"line\":%u,\"column\":%u}", g->line, g->column);
    }
    fputs("]}}\n", stdout);
}

static void print_text(const kap_manifest_report *r, const char *root, const cli_palette *p)
{
    size_t count[3] = {0, 0, 0};
    printf("%s%s%s", p->bold, kap_manifest_report_manifest(r), p->reset);
    if (root)
        printf(" (under %s)", root);
    putchar('\n');
    for (size_t i = 0; i < kap_manifest_report_count(r); i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        const char *col = c->status == KAP_MANIFEST_FAIL ? p->red : c->status == KAP_MANIFEST_WARN ? p->yellow
                                                                                                   : p->green;
        count[c->status]++;
        printf("%s%s%s %-24s %s", col, kap_manifest_status_name(c->status), p->reset, c->id, c->message);
        if (c->line)
            printf(" %s(line %u)%s", p->dim, c->line, p->reset);
        putchar('\n');
        if (c->fix[0])
            printf("     %sfix:%s %s\n", p->bold, p->reset, c->fix);
        if (strcmp(c->id, "policy-loads") == 0 && kap_manifest_report_policy_diagnostics(r))
            cli_print_diagnostics(stdout, kap_manifest_report_policy_file(r),
                                  kap_manifest_report_policy_diagnostics(r));
    }
    printf("%zu passed, %zu warnings, %zu failed\n", count[0], count[1], count[2]);
}

int cmd_check_manifest(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"root", required_argument, NULL, OPT_ROOT},
        {"kubelet-config", required_argument, NULL, OPT_KUBELET_CONFIG},
        {"kube-version", required_argument, NULL, OPT_KUBE_VERSION},
        {"color", optional_argument, NULL, OPT_COLOR},
        {"colour", optional_argument, NULL, OPT_COLOR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    cli_color_mode color = CLI_COLOR_AUTO;
    int output = OUT_TEXT, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'o':
            if (strcmp(optarg, "text") == 0 || strcmp(optarg, "human") == 0)
                output = OUT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                output = OUT_JSON;
            else {
                fprintf(stderr, "kap check-manifest: unknown output format '%s' (text or json)\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_ROOT:
            if (!optarg[0]) {
                fprintf(stderr, "kap check-manifest: --root needs a directory\n");
                return EXIT_USAGE;
            }
            o.root = optarg;
            break;
        case OPT_KUBELET_CONFIG:
            o.kubelet_config = optarg;
            break;
        case OPT_KUBE_VERSION:
            if (cli_parse_kube_version(optarg, &o.kube_minor))
                return cli_bad_kube_version("check-manifest", optarg);
            break;
        case OPT_COLOR:
            if (cli_parse_color(optarg, &color)) {
                fprintf(stderr, "kap check-manifest: --color '%s': auto, always or never\n", optarg);
                return EXIT_USAGE;
            }
            break;
        default:
            return cli_bad_option("check-manifest", c, argc, argv);
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "kap check-manifest: one manifest at a time ('%s' is one too many)\n", argv[optind + 1]);
        return EXIT_USAGE;
    }
    const char *manifest = optind < argc ? argv[optind] : KAP_MANIFEST_DEFAULT_PATH;
    kap_manifest_report *r = NULL;
    int rc = kap_manifest_check_file(&r, manifest, &o);
    if (!r) {
        fprintf(stderr, "kap check-manifest: %s: %s\n", manifest, kap_status_name(rc));
        return EXIT_USAGE;
    }
    int status;
    if (rc != KAP_OK) {
        const char *e = kap_manifest_report_error(r);
        fprintf(stderr, "kap check-manifest: %s\n", e ? e : kap_status_name(rc));
        status = EXIT_USAGE;
    } else {
        status = kap_manifest_report_worst(r) == KAP_MANIFEST_FAIL ? EXIT_FINDING : 0;
    }
    if (output == OUT_JSON) {
        print_json(r, o.root);
    } else if (rc == KAP_OK) {
        cli_palette p = cli_palette_for(cli_use_color(color, stdout));
        print_text(r, o.root, &p);
    }
    kap_manifest_report_free(r);
    if (cli_finish_stdout("check-manifest"))
        return 1;
    return status;
}
