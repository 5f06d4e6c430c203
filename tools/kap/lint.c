/* kap lint: load each policy as kube-apiserver does and report its problems.
 * SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kap lint [-o human|k8s] [--kube-version 1.N] POLICY...\n"
            "\n"
            "Loads each policy as kube-apiserver would and reports what is wrong.\n"
            "  -o, --output human   (default) one line per problem: FILE:LINE:COLUMN: error|warning: message\n"
            "  -o, --output k8s     kube-apiserver's own text: the error on standard output (one line),\n"
            "                       the lenient-decoding warning on standard error as 'warning: <text>'\n"
            "  --kube-version 1.N   follow Kubernetes 1.N (1.%u to 1.%u; default 1.%u)\n"
            "\n"
            "Exit status: 0 when every policy loads, 1 when one does not, 2 for usage errors.\n",
            KAP_KUBE_MINOR_MIN, KAP_KUBE_MINOR_MAX, KAP_KUBE_MINOR_MAX);
}

enum { OPT_KUBE_VERSION = 256 };

int cmd_lint(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"kube-version", required_argument, NULL, OPT_KUBE_VERSION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int k8s = 0;
    kap_options opts;
    kap_options_init(&opts);
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'o':
            if (strcmp(optarg, "k8s") == 0)
                k8s = 1;
            else if (strcmp(optarg, "human") == 0)
                k8s = 0;
            else {
                fprintf(stderr, "kap lint: unknown output format '%s' (human or k8s)\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_KUBE_VERSION:
            if (cli_parse_kube_version(optarg, &opts.kube_minor))
                return cli_bad_kube_version("lint", optarg);
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
    int status = 0;
    for (int i = optind; i < argc; i++) {
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
            cli_print_diagnostics(stdout, argv[i], d);
        }
        if (rc != KAP_OK)
            status = 1;
        kap_diagnostics_free(d);
        kap_policy_free(p);
    }
    if (cli_finish_stdout("lint"))
        return 1;
    return status;
}
