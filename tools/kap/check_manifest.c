/* kap check-manifest: the kube-apiserver static pod's audit set-up, checked
 * by the library (kap_manifest_check_file) and printed one line a check, or
 * as one JSON document.
 * SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
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
            "  --max-file-size SIZE   the largest file read of the manifest, its directory, kubelet's\n"
            "                         config, unit, drop-ins and environment files: bytes, or with K, M\n"
            "                         or G (KiB, MiB, GiB; any case); default 8M (the policy: 64M)\n"
            "  --color[=WHEN]         colour: auto (on a terminal, unless NO_COLOR is set), always, never\n"
            "\n"
            "Making it right:\n"
            "  --fix                  add or correct the audit flags, the policy's read-only hostPath\n"
            "                         mount and the log directory's writable one; nothing else in the\n"
            "                         file changes. The original goes to --backup-dir, the new file\n"
            "                         replaces the manifest in one rename; the checks then run again\n"
            "  --dry-run              with --fix: print the change as a unified diff, write nothing\n"
            "  --policy-file PATH     the policy (default: the manifest's, else %s)\n"
            "  --log-path PATH        the log, or - for kube-apiserver's standard output\n"
            "                         (default: the manifest's, else %s)\n"
            "  --log-maxage N, --log-maxbackup N, --log-maxsize N\n"
            "                         rotation (default: raised to 30, 10, 100 where lower)\n"
            "  --backup-dir DIR       where the original goes (default %s, under --root)\n"
            "  --restore BACKUP       put a backup back, the same way\n"
            "  --wait[=SECONDS]       after writing, watch crictl until a new kube-apiserver pod runs\n"
            "                         and stays up (default 120 s); else show its log and how to restore\n"
            "\n"
            "Exit status: 0 when no check fails, 1 when one does, 2 for usage errors and a\n"
            "manifest that cannot be read or parsed.\n",
            KAP_MANIFEST_DEFAULT_PATH, KAP_MANIFEST_DEFAULT_KUBELET_CONFIG, KAP_KUBE_MINOR_MIN, KAP_KUBE_MINOR_MAX,
            KAP_KUBE_MINOR_MAX, KAP_MANIFEST_DEFAULT_POLICY_FILE, KAP_MANIFEST_DEFAULT_LOG_PATH,
            KAP_MANIFEST_DEFAULT_BACKUP_DIR);
}

enum { OUT_TEXT, OUT_JSON };
enum { OPT_ROOT = 256, OPT_KUBELET_CONFIG, OPT_KUBE_VERSION, OPT_COLOR, OPT_FIX, OPT_DRY_RUN, OPT_POLICY_FILE,
       OPT_LOG_PATH, OPT_LOG_MAXAGE, OPT_LOG_MAXBACKUP, OPT_LOG_MAXSIZE, OPT_BACKUP_DIR, OPT_RESTORE, OPT_WAIT,
       OPT_MAX_FILE_SIZE };

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
        /* messages quote the manifest's values: one with a control
         * character is printed as a JSON string (cli_text_n) */
        printf("%s%s%s %-24s ", col, kap_manifest_status_name(c->status), p->reset, c->id);
        cli_text_n(stdout, c->message, strlen(c->message));
        if (c->line)
            printf(" %s(line %u)%s", p->dim, c->line, p->reset);
        putchar('\n');
        if (c->fix[0]) {
            printf("     %sfix:%s ", p->bold, p->reset);
            cli_text_n(stdout, c->fix, strlen(c->fix));
            putchar('\n');
        }
        if (strcmp(c->id, "policy-loads") == 0 && kap_manifest_report_policy_diagnostics(r))
            cli_print_diagnostics(stdout, kap_manifest_report_policy_file(r),
                                  kap_manifest_report_policy_diagnostics(r));
    }
    printf("%zu passed, %zu warning%s, %zu failed\n", count[0], count[1], count[1] == 1 ? "" : "s", count[2]);
}

/* The checks on the manifest as it is now, printed; the exit status they
 * call for. */
static int check_and_print(const char *manifest, const kap_manifest_options *o, int output, cli_color_mode color)
{
    kap_manifest_report *r = NULL;
    int rc = kap_manifest_check_file(&r, manifest, o);
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
        print_json(r, o->root);
    } else if (rc == KAP_OK) {
        cli_palette p = cli_palette_for(cli_use_color(color, stdout));
        print_text(r, o->root, &p);
    }
    kap_manifest_report_free(r);
    return status;
}

/* ---- --wait: watching kubelet restart kube-apiserver through crictl ---- */

extern char **environ;

/* Runs argv (found on PATH), its standard output into out (NUL-terminated,
 * cut at n - 1 bytes). Returns its exit status, or -1. */
static int run_capture(char *const argv[], char *out, size_t n)
{
    int fds[2];
    out[0] = '\0';
    if (pipe(fds) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return -1;
    }
    size_t len = 0;
    for (;;) {
        char tmp[4096];
        ssize_t m = read(fds[0], tmp, sizeof tmp);
        if (m < 0 && errno == EINTR)
            continue;
        if (m <= 0)
            break;
        size_t k = (size_t)m < n - 1 - len ? (size_t)m : n - 1 - len;
        memcpy(out + len, tmp, k);
        len += k;
    }
    out[len] = '\0';
    close(fds[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first whitespace-separated word of s into w. */
static void first_word(const char *s, char *w, size_t n)
{
    s += strspn(s, " \t\r\n");
    size_t k = strcspn(s, " \t\r\n");
    if (k >= n)
        k = n - 1;
    memcpy(w, s, k);
    w[k] = '\0';
}

/* Whether word occurs as a line of s. */
static int has_line(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = s; (p = strstr(p, word)) != NULL; p += n)
        if ((p == s || p[-1] == '\n') && (p[n] == '\0' || p[n] == '\n' || p[n] == '\r'))
            return 1;
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Polls crictl until a kube-apiserver pod not in before runs a container
 * that stays up for `stable` seconds, or `seconds` pass. 0 when it came
 * up, 1 when not (its log printed), 2 when crictl cannot be run. */
static int wait_for_pod(const char *before, unsigned seconds, const char *restore_cmd)
{
    static char out[1 << 16];
    double start = now_s(), up_since = 0;
    double stable = seconds >= 30 ? 10 : seconds / 3.0;
    char running[256] = "";
    fprintf(stderr, "waiting up to %u s for kubelet to restart kube-apiserver (crictl)...\n", seconds);
    for (;;) {
        char *pods[] = {"crictl", "pods", "--name", "kube-apiserver", "--state", "ready", "-q", NULL};
        int rc = run_capture(pods, out, sizeof out);
        if (rc < 0) {
            fprintf(stderr, "kap check-manifest: --wait: cannot run crictl: is it on PATH?\n");
            return 2;
        }
        char pod[256] = "";
        /* the newest ready pod that was not there before */
        for (const char *p = out; *p;) {
            char w[256];
            first_word(p, w, sizeof w);
            if (w[0] && !has_line(before, w)) {
                snprintf(pod, sizeof pod, "%s", w);
                break;
            }
            const char *nl = strchr(p, '\n');
            if (!nl)
                break;
            p = nl + 1;
        }
        char ctr[256] = "";
        if (pod[0]) {
            char *ps[] = {"crictl", "ps", "--pod", pod, "--name", "kube-apiserver", "--state", "running", "-q", NULL};
            if (run_capture(ps, out, sizeof out) == 0)
                first_word(out, ctr, sizeof ctr);
        }
        double t = now_s();
        if (ctr[0] && strcmp(ctr, running) == 0) {
            if (t - up_since >= stable) {
                printf("kube-apiserver is running again: pod %s, container %s (up %.0f s)\n", pod, ctr, t - up_since);
                return 0;
            }
        } else if (ctr[0]) {
            snprintf(running, sizeof running, "%s", ctr);
            up_since = t;
        } else {
            running[0] = '\0';
        }
        if (t - start >= seconds)
            break;
        struct timespec d = {0, 500000000L};
        nanosleep(&d, NULL);
    }
    printf("kube-apiserver did not come back within %u s\n", seconds);
    char *psa[] = {"crictl", "ps", "-a", "--name", "kube-apiserver", "-q", NULL};
    char last[256] = "";
    if (run_capture(psa, out, sizeof out) == 0)
        first_word(out, last, sizeof last);
    if (last[0]) {
        char *logs[] = {"crictl", "logs", "--tail", "20", last, NULL};
        run_capture(logs, out, sizeof out);
        printf("the last lines of container %s's log (crictl logs --tail 20 %s):\n%s", last, last, out);
        if (out[0] && out[strlen(out) - 1] != '\n')
            putchar('\n');
    }
    printf("to put the previous manifest back: %s\n", restore_cmd);
    return 1;
}

static int fix(const char *manifest, const kap_manifest_options *o, const kap_manifest_fix_options *fo,
               const char *restore, const char *backup_dir, int dry_run, int output, cli_color_mode color,
               int wait_s)
{
    kap_manifest_fix *x = NULL;
    int rc = restore ? kap_manifest_restore_new(&x, manifest, restore, o) : kap_manifest_fix_new(&x, manifest, o, fo);
    if (!x) {
        fprintf(stderr, "kap check-manifest: %s: %s\n", manifest,
                rc == KAP_EARG ? "--fix and --restore take an absolute manifest path (under --root)"
                               : kap_status_name(rc));
        return EXIT_USAGE;
    }
    if (rc != KAP_OK) {
        const char *e = kap_manifest_fix_error(x);
        fprintf(stderr, "kap check-manifest: %s\n", e ? e : kap_status_name(rc));
        fprintf(stderr, "kap check-manifest: nothing written\n");
        kap_manifest_fix_free(x);
        return rc == KAP_EIO || rc == KAP_ELIMIT ? EXIT_USAGE : EXIT_FINDING;
    }
    size_t olen, nlen;
    const char *old = kap_manifest_fix_original(x, &olen), *new = kap_manifest_fix_result(x, &nlen);
    FILE *info = output == OUT_JSON ? stderr : stdout;
    if (!kap_manifest_fix_changed(x)) {
        /* the checks follow, so that what --fix does not change (a policy
         * that does not load, a value of the wrong type) is not hidden */
        fprintf(info, "%s: nothing to change\n", manifest);
        kap_manifest_fix_free(x);
        return check_and_print(manifest, o, output, color);
    }
    /* the result must pass what --fix is about before it is written */
    const char *why = NULL;
    if (kap_manifest_fix_refusal(x, o, &why) == KAP_ENOMEM) {
        fprintf(stderr, "kap check-manifest: out of memory; nothing written\n");
        kap_manifest_fix_free(x);
        return 1;
    }
    if (why) {
        fprintf(stderr, "kap check-manifest: not written: ");
        cli_text_n(stderr, why, strlen(why));
        fputc('\n', stderr);
        kap_manifest_fix_free(x);
        return EXIT_FINDING;
    }
    if (dry_run) {
        char a[4200], b[4200];
        snprintf(a, sizeof a, "a%s", manifest);
        snprintf(b, sizeof b, "b%s", manifest);
        if (cli_print_unified_diff(stdout, a, b, old, olen, new, nlen) < 0) {
            fprintf(stderr, "kap check-manifest: out of memory\n");
            kap_manifest_fix_free(x);
            return 1;
        }
        for (size_t i = 0; i < kap_manifest_fix_count(x); i++) {
            fputs("change: ", stderr);
            cli_text_n(stderr, kap_manifest_fix_change(x, i), strlen(kap_manifest_fix_change(x, i)));
            fputc('\n', stderr);
        }
        fprintf(stderr, "dry run: nothing written\n");
        kap_manifest_fix_free(x);
        return 0;
    }
    static char before[1 << 14];
    if (wait_s >= 0) {
        char *pods[] = {"crictl", "pods", "--name", "kube-apiserver", "-q", NULL};
        if (run_capture(pods, before, sizeof before) < 0) {
            fprintf(stderr, "kap check-manifest: --wait: cannot run crictl: is it on PATH? nothing written\n");
            kap_manifest_fix_free(x);
            return EXIT_USAGE;
        }
    }
    rc = kap_manifest_fix_write(x, backup_dir);
    if (rc != KAP_OK) {
        const char *e = kap_manifest_fix_error(x);
        fprintf(stderr, "kap check-manifest: %s%s\n", e ? e : kap_status_name(rc), e ? "" : "; nothing written");
        kap_manifest_fix_free(x);
        return EXIT_FINDING;
    }
    for (size_t i = 0; i < kap_manifest_fix_count(x); i++) {
        fputs("changed: ", info);
        cli_text_n(info, kap_manifest_fix_change(x, i), strlen(kap_manifest_fix_change(x, i)));
        fputc('\n', info);
    }
    fprintf(info, "backup: %s%s\n", o->root ? o->root : "", kap_manifest_fix_backup(x));
    char undo[8700], size[48] = "";
    if (o->max_file_size)
        snprintf(size, sizeof size, " --max-file-size %zu", o->max_file_size);
    snprintf(undo, sizeof undo, "kap check-manifest%s%s%s --restore %s %s", o->root ? " --root " : "",
             o->root ? o->root : "", size, kap_manifest_fix_backup(x), manifest);
    fprintf(info, "wrote %s; to undo: %s\n", manifest, undo);
    kap_manifest_fix_free(x);
    int st = check_and_print(manifest, o, output, color);
    if (wait_s >= 0) {
        fflush(stdout);
        int w = wait_for_pod(before, (unsigned)wait_s, undo);
        if (w)
            st = w == 2 ? EXIT_USAGE : EXIT_FINDING;
    }
    return st;
}

/* A non-negative integer option. */
static int parse_count(const char *opt, const char *s, long long *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < 0 || s[0] == '-') {
        fprintf(stderr, "kap check-manifest: --%s '%s': a number of 0 or more\n", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* A size in bytes of 1 or more, with an optional K, M or G (powers of
 * 1024). */
static int parse_size(const char *opt, const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = s[0] >= '0' && s[0] <= '9' ? strtoull(s, &end, 10) : 0;
    unsigned shift = 0;
    int ok = v > 0 && errno == 0;
    if (ok && *end) {
        shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' || *end == 'm' ? 20 : *end == 'G' || *end == 'g' ? 30 : 64;
        ok = shift < 64 && end[1] == '\0';
    }
    if (!ok || v > (unsigned long long)SIZE_MAX >> shift) {
        fprintf(stderr, "kap check-manifest: --%s '%s': a size of 1 byte or more (e.g. 16777216 or 16M)\n", opt, s);
        return -1;
    }
    *out = (size_t)(v << shift);
    return 0;
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
        {"fix", no_argument, NULL, OPT_FIX},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"policy-file", required_argument, NULL, OPT_POLICY_FILE},
        {"log-path", required_argument, NULL, OPT_LOG_PATH},
        {"log-maxage", required_argument, NULL, OPT_LOG_MAXAGE},
        {"log-maxbackup", required_argument, NULL, OPT_LOG_MAXBACKUP},
        {"log-maxsize", required_argument, NULL, OPT_LOG_MAXSIZE},
        {"backup-dir", required_argument, NULL, OPT_BACKUP_DIR},
        {"restore", required_argument, NULL, OPT_RESTORE},
        {"wait", optional_argument, NULL, OPT_WAIT},
        {"max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    kap_manifest_fix_options fo;
    kap_manifest_fix_options_init(&fo);
    int do_fix = 0, dry_run = 0, fix_opts = 0, wait_s = -1;
    const char *backup_dir = NULL, *restore = NULL;
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    cli_color_mode color = CLI_COLOR_AUTO;
    int output = OUT_TEXT, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        /* every option that takes one has its argument (getopt_long) */
        const char *arg = optarg ? optarg : ""; /* not for --color, --wait: optional */
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'o':
            if (strcmp(arg, "text") == 0 || strcmp(arg, "human") == 0)
                output = OUT_TEXT;
            else if (strcmp(arg, "json") == 0)
                output = OUT_JSON;
            else {
                fprintf(stderr, "kap check-manifest: unknown output format '%s' (text or json)\n", arg);
                return EXIT_USAGE;
            }
            break;
        case OPT_ROOT:
            if (!arg[0]) {
                fprintf(stderr, "kap check-manifest: --root needs a directory\n");
                return EXIT_USAGE;
            }
            o.root = arg;
            break;
        case OPT_KUBELET_CONFIG:
            o.kubelet_config = arg;
            break;
        case OPT_MAX_FILE_SIZE:
            if (parse_size("max-file-size", arg, &o.max_file_size))
                return EXIT_USAGE;
            break;
        case OPT_KUBE_VERSION:
            if (cli_parse_kube_version(arg, &o.kube_minor))
                return cli_bad_kube_version("check-manifest", arg);
            break;
        case OPT_COLOR:
            if (cli_parse_color(optarg, &color)) {
                fprintf(stderr, "kap check-manifest: --color '%s': auto, always or never\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_FIX:
            do_fix = 1;
            break;
        case OPT_DRY_RUN:
            dry_run = 1;
            break;
        case OPT_POLICY_FILE:
        case OPT_LOG_PATH:
            if (arg[0] != '/' && (c == OPT_POLICY_FILE || strcmp(arg, "-") != 0)) {
                fprintf(stderr, "kap check-manifest: --%s '%s': an absolute path%s\n",
                        c == OPT_POLICY_FILE ? "policy-file" : "log-path", arg,
                        c == OPT_POLICY_FILE ? "" : ", or - (kube-apiserver's standard output)");
                return EXIT_USAGE;
            }
            if (c == OPT_POLICY_FILE)
                fo.policy_file = arg;
            else
                fo.log_path = arg;
            fix_opts = 1;
            break;
        case OPT_LOG_MAXAGE:
            if (parse_count("log-maxage", arg, &fo.log_maxage))
                return EXIT_USAGE;
            fix_opts = 1;
            break;
        case OPT_LOG_MAXBACKUP:
            if (parse_count("log-maxbackup", arg, &fo.log_maxbackup))
                return EXIT_USAGE;
            fix_opts = 1;
            break;
        case OPT_LOG_MAXSIZE:
            if (parse_count("log-maxsize", arg, &fo.log_maxsize))
                return EXIT_USAGE;
            fix_opts = 1;
            break;
        case OPT_BACKUP_DIR:
            backup_dir = arg;
            fix_opts = 1;
            break;
        case OPT_RESTORE:
            restore = arg;
            break;
        case OPT_WAIT: {
            long long v = 120;
            if (optarg && (parse_count("wait", optarg, &v) || v < 1 || v > 86400)) {
                fprintf(stderr, "kap check-manifest: --wait: 1 to 86400 seconds\n");
                return EXIT_USAGE;
            }
            wait_s = (int)v;
            break;
        }
        default:
            return cli_bad_option("check-manifest", c, argc, argv);
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "kap check-manifest: one manifest at a time ('%s' is one too many)\n", argv[optind + 1]);
        return EXIT_USAGE;
    }
    const char *manifest = optind < argc ? argv[optind] : KAP_MANIFEST_DEFAULT_PATH;
    if ((dry_run || fix_opts) && !do_fix && !(restore && !dry_run && !fix_opts) && !(restore && backup_dir)) {
        fprintf(stderr, "kap check-manifest: --dry-run, --policy-file, --log-* and --backup-dir go with --fix\n");
        return EXIT_USAGE;
    }
    if (wait_s >= 0 && !do_fix && !restore) {
        fprintf(stderr, "kap check-manifest: --wait goes with --fix or --restore\n");
        return EXIT_USAGE;
    }
    if (do_fix && restore) {
        fprintf(stderr, "kap check-manifest: --fix or --restore, not both\n");
        return EXIT_USAGE;
    }
    if (do_fix || restore) {
        int st = fix(manifest, &o, &fo, restore, backup_dir, dry_run, output, color, dry_run ? -1 : wait_s);
        if (cli_finish_stdout("check-manifest"))
            return 1;
        return st;
    }
    int status = check_and_print(manifest, &o, output, color);
    if (cli_finish_stdout("check-manifest"))
        return 1;
    return status;
}
