/* kap: Kubernetes audit policies from the command line. One table maps a
 * command's name to its function; each command lives in its own file.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "cli.h"

static const cli_command commands[] = {
    {"lint", cmd_lint, "load each policy and report every problem"},
    {"eval", cmd_eval, "decide JSON-lines requests read from standard input"},
    {"explain", cmd_explain, "which rule decides a request (flags, JSON or METHOD URL), and why"},
    {"replay", cmd_replay, "replay audit logs through a policy: what it keeps, drops, costs"},
    {"check-manifest", cmd_check_manifest, "check kube-apiserver's static pod: audit flags, mounts, policy"},
};

static void usage_main(FILE *f)
{
    fprintf(f, "usage: kap [--version] [--help] COMMAND [ARGS]\n"
               "\n"
               "Kubernetes audit policies, read and decided exactly as kube-apiserver does.\n"
               "\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'kap COMMAND --help' for a command's options.\n");
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
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "kap: unknown command '%s'\n", cmd);
    usage_main(stderr);
    return EXIT_USAGE;
}
