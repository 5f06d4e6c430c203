/* kap replay: real audit logs through a candidate policy (libkap-replay).
 * SPDX-License-Identifier: Apache-2.0 */
#define _DEFAULT_SOURCE /* realpath */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_KUBE_VERSION = 256, OPT_COMPARE, OPT_WRITE, OPT_TOP, OPT_WINDOW, OPT_MAX_LINE, OPT_PROGRESS };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kap replay [-o table|json] [--compare OTHER_POLICY] [--write FILE] [-j N]\n"
            "                  [--top N] [--quiet] [--progress auto|always|never] [--kube-version 1.N]\n"
            "                  [--window EVENTS] [--max-line BYTES] POLICY LOG...\n"
            "\n"
            "Replays kube-apiserver audit logs (JSON lines: Event or EventList objects; plain,\n"
            "gzip or zstd, told by their first bytes; '-' is standard input) through POLICY:\n"
            "requests per level beside the level the log recorded, per rule the requests and\n"
            "the bytes kept, the rules that decided nothing, the bytes the log would take, the\n"
            "top users, resources and verbs by bytes kept. Bad lines are counted and reported\n"
            "with their file and line; they never stop the run.\n"
            "\n"
            "  -o, --output FORMAT  table (default) or json (keys in a fixed order; the same\n"
            "                       bytes whatever -j)\n"
            "  --compare POLICY     a second policy decided beside the first: the requests\n"
            "                       whose decision differs, grouped by user, verb and resource\n"
            "  --write FILE         the log as POLICY would have written it (FILE is replaced\n"
            "                       whole, or left alone on a failure)\n"
            "  -j, --jobs N         threads (default: one per core)\n"
            "  --top N              entries in each top list (default 10)\n"
            "  --progress WHEN      a progress bar on standard error: auto (on a terminal),\n"
            "                       always or never\n"
            "  -q, --quiet          no progress bar, no warnings\n"
            "  --window EVENTS      a request still open gets no more events after this many\n"
            "                       events of the log (default %u)\n"
            "  --max-line BYTES     longer lines are bad input (default %zu)\n"
            "\n"
            "Exit status: 0 when the logs were replayed (bad lines included), 1 when a policy\n"
            "does not load, no log could be read, or the output cannot be written, 2 for a\n"
            "usage error.\n",
            KAP_REPLAY_DEFAULT_WINDOW, KAP_REPLAY_DEFAULT_MAX_LINE);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static kap_policy *load(const char *path, const kap_options *opts, int quiet)
{
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int rc = kap_policy_load(&p, path, opts, &d);
    if (!quiet && d && kap_diagnostics_warning_text(d))
        fprintf(stderr, "kap replay: %s: warning: %s\n", path, kap_diagnostics_warning_text(d));
    if (rc != KAP_OK) {
        const char *e = d ? kap_diagnostics_error_text(d) : NULL;
        fprintf(stderr, "kap replay: %s: %s\n", path, e ? e : kap_status_name(rc));
    }
    kap_diagnostics_free(d);
    return p;
}

/* ---- the progress bar --------------------------------------------------------- */

typedef struct bar {
    double t0, last;
    int shown;
} bar;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void mb(char *out, size_t n, double v)
{
    if (v >= 1e9)
        snprintf(out, n, "%.2f GB", v / 1e9);
    else
        snprintf(out, n, "%.1f MB", v / 1e6);
}

static void progress(void *ctx, uint64_t done, uint64_t total)
{
    bar *b = ctx;
    double t = now();
    if (t - b->last < 0.1 && done < total)
        return;
    b->last = t;
    b->shown = 1;
    double el = t - b->t0, rate = el > 0 ? (double)done / el : 0;
    char d[32], r[32];
    mb(d, sizeof d, (double)done);
    mb(r, sizeof r, rate);
    if (total) {
        char tt[32];
        mb(tt, sizeof tt, (double)total);
        double frac = (double)done / (double)total;
        if (frac > 1)
            frac = 1;
        int w = 30, fill = (int)(frac * w);
        char line[40];
        for (int i = 0; i < w; i++)
            line[i] = i < fill ? '=' : ' ';
        line[w] = 0;
        double left = rate > 0 ? (double)(total - (done < total ? done : total)) / rate : 0;
        fprintf(stderr, "\r[%s] %3.0f%%  %s of %s  %s/s  %d:%02d left ", line, frac * 100, d, tt, r,
                (int)left / 60, (int)left % 60);
    } else {
        fprintf(stderr, "\r%s read  %s/s  %d:%02d ", d, r, (int)el / 60, (int)el % 60);
    }
}

/* ---- --write --------------------------------------------------------------------- */

/* The temporary file, while it exists. A signal that would end kap removes
 * it first, then ends kap as it would have: the handler only reads this
 * buffer, armed from mkstemp to the rename. */
static char tmp_path[PATH_MAX + 8];
static const int stop_signals[] = {SIGHUP, SIGINT, SIGPIPE, SIGTERM};
#define N_STOP (sizeof stop_signals / sizeof *stop_signals)
static struct sigaction stop_old[N_STOP];
static int stop_armed[N_STOP];

static void remove_tmp(int sig)
{
    if (tmp_path[0])
        unlink(tmp_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void stop_set(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < N_STOP; i++)
        sigaddset(set, stop_signals[i]);
}

static void block_stops(sigset_t *old)
{
    sigset_t set;
    stop_set(&set);
    sigprocmask(SIG_BLOCK, &set, old);
}

/* A signal ignored when kap started (nohup) stays ignored. */
static void arm_stops(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = remove_tmp;
    stop_set(&sa.sa_mask);
    for (size_t i = 0; i < N_STOP; i++) {
        stop_armed[i] = sigaction(stop_signals[i], NULL, &stop_old[i]) == 0 && stop_old[i].sa_handler != SIG_IGN &&
                        sigaction(stop_signals[i], &sa, NULL) == 0;
    }
}

static void disarm_stops(void)
{
    for (size_t i = 0; i < N_STOP; i++) {
        if (stop_armed[i])
            sigaction(stop_signals[i], &stop_old[i], NULL);
        stop_armed[i] = 0;
    }
    tmp_path[0] = 0;
}

typedef struct out_file {
    FILE *f;
    char *target; /* the file renamed over: FILE, or the file its symlink names */
    int failed;
} out_file;

static int write_out(void *ctx, const char *data, size_t len)
{
    out_file *o = ctx;
    if (fwrite(data, 1, len, o->f) != len) {
        o->failed = errno ? errno : EIO;
        return -1;
    }
    return 0;
}

static const char *file_kind(mode_t m)
{
    return S_ISFIFO(m) ? "a FIFO"
           : S_ISDIR(m) ? "a directory"
           : S_ISCHR(m) ? "a character device"
           : S_ISBLK(m) ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "of another type";
}

/* The file to replace: path, or the file a symlink at path names (the link
 * stays); NULL, told on standard error, when it is not a regular file or a
 * symlink leads to no directory. *mode is the new file's: the replaced
 * file's mode, or 0666 less the umask. */
static char *out_target(const char *path, mode_t *mode)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            fprintf(stderr, "kap replay: --write %s: not a regular file (%s)\n", path, file_kind(st.st_mode));
            return NULL;
        }
        *mode = st.st_mode & 0777; /* the permission bits: no set-id bit carried to a new file */
        char *real = realpath(path, NULL);
        if (!real)
            fprintf(stderr, "kap replay: --write %s: %s\n", path, strerror(errno));
        return real;
    }
    if (errno != ENOENT) {
        fprintf(stderr, "kap replay: --write %s: %s\n", path, strerror(errno));
        return NULL;
    }
    mode_t mask = umask(0);
    umask(mask);
    *mode = 0666 & ~mask;
    /* a new file, or a dangling symlink: follow it to the name it makes */
    char *cur = strdup(path);
    for (int hops = 0; cur; hops++) {
        char link[PATH_MAX];
        ssize_t n = readlink(cur, link, sizeof link);
        if (n < 0 && errno == EINVAL)
            return cur;
        if (n < 0 && errno == ENOENT && hops == 0)
            return cur; /* mkstemp tells what is missing */
        if (n < 0 && errno == ENOENT) {
            /* the end of a dangling symlink: written if its directory is there */
            const char *slash = strrchr(cur, '/');
            char *dir = slash ? strndup(cur, slash == cur ? 1 : (size_t)(slash - cur)) : strdup(".");
            int there = dir && stat(dir, &st) == 0;
            int err = !dir ? ENOMEM : !there ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
            free(dir);
            if (!err)
                return cur;
            if (err == ENOENT || err == ENOTDIR)
                fprintf(stderr, "kap replay: --write %s: a symlink to %s, whose directory does not exist\n", path,
                        cur);
            else
                fprintf(stderr, "kap replay: --write %s: a symlink to %s: %s\n", path, cur, strerror(err));
            free(cur);
            return NULL;
        }
        if (n < 0 || n == (ssize_t)sizeof link || hops == 40) {
            fprintf(stderr, "kap replay: --write %s: %s\n", path,
                    strerror(n < 0 ? errno : n == (ssize_t)sizeof link ? ENAMETOOLONG : ELOOP));
            free(cur);
            return NULL;
        }
        link[n] = 0;
        char *slash = strrchr(cur, '/');
        size_t keep = link[0] == '/' || !slash ? 0 : (size_t)(slash - cur) + 1;
        char *next = malloc(keep + (size_t)n + 1);
        if (next) {
            memcpy(next, cur, keep);
            memcpy(next + keep, link, (size_t)n + 1);
        }
        free(cur);
        cur = next;
    }
    fprintf(stderr, "kap replay: out of memory\n");
    return NULL;
}

static int open_out(out_file *o, const char *path)
{
    mode_t mode;
    o->target = out_target(path, &mode);
    if (!o->target)
        return -1;
    if ((size_t)snprintf(tmp_path, sizeof tmp_path, "%s.XXXXXX", o->target) >= sizeof tmp_path) {
        fprintf(stderr, "kap replay: --write %s: %s\n", path, strerror(ENAMETOOLONG));
        tmp_path[0] = 0;
        free(o->target);
        return -1;
    }
    /* no signal between the file made and the handler that removes it */
    sigset_t old;
    block_stops(&old);
    int fd = mkstemp(tmp_path), err = errno;
    if (fd >= 0)
        arm_stops();
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        fprintf(stderr, "kap replay: --write %s: %s\n", path, strerror(err));
        tmp_path[0] = 0;
        free(o->target);
        return -1;
    }
    if (fchmod(fd, mode) || !(o->f = fdopen(fd, "w"))) {
        fprintf(stderr, "kap replay: --write %s: %s\n", path, strerror(errno));
        close(fd);
        block_stops(&old);
        unlink(tmp_path);
        disarm_stops();
        sigprocmask(SIG_SETMASK, &old, NULL);
        free(o->target);
        return -1;
    }
    return 0;
}

/* Renames the whole file into place, or removes it. */
static int close_out(out_file *o, const char *path, int ok)
{
    if (!o->f)
        return 0;
    int rc = 0;
    if (fflush(o->f) || ferror(o->f) || fsync(fileno(o->f))) {
        if (!o->failed)
            o->failed = errno ? errno : EIO;
    }
    if (fclose(o->f) && !o->failed)
        o->failed = errno ? errno : EIO;
    /* a signal now waits until the file is in place or removed */
    sigset_t old;
    block_stops(&old);
    if (ok && !o->failed) {
        if (rename(tmp_path, o->target)) {
            fprintf(stderr, "kap replay: --write %s: %s\n", path, strerror(errno));
            rc = -1;
        }
    } else {
        if (o->failed)
            fprintf(stderr, "kap replay: --write %s: %s (nothing written)\n", path, strerror(o->failed));
        rc = -1;
    }
    if (rc)
        unlink(tmp_path);
    disarm_stops();
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(o->target);
    return rc;
}

int cmd_replay(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"compare", required_argument, NULL, OPT_COMPARE},
        {"write", required_argument, NULL, OPT_WRITE},
        {"jobs", required_argument, NULL, 'j'},
        {"top", required_argument, NULL, OPT_TOP},
        {"quiet", no_argument, NULL, 'q'},
        {"progress", required_argument, NULL, OPT_PROGRESS},
        {"kube-version", required_argument, NULL, OPT_KUBE_VERSION},
        {"window", required_argument, NULL, OPT_WINDOW},
        {"max-line", required_argument, NULL, OPT_MAX_LINE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, quiet = 0;
    cli_color_mode prog = CLI_COLOR_AUTO;
    const char *compare = NULL, *write_path = NULL;
    uint64_t jobs = 0, top = 10, window = 0, max_line = 0;
    kap_options opts;
    kap_options_init(&opts);
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:j:q", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'o':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0) {
                fprintf(stderr, "kap replay: --output takes table or json, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            json = strcmp(optarg, "json") == 0;
            break;
        case OPT_COMPARE:
            compare = optarg;
            break;
        case OPT_WRITE:
            write_path = optarg;
            break;
        case 'j':
            if (parse_u64(optarg, &jobs) || jobs < 1 || jobs > 256) {
                fprintf(stderr, "kap replay: --jobs takes 1 to 256, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_TOP:
            if (parse_u64(optarg, &top) || top < 1 || top > 100000) {
                fprintf(stderr, "kap replay: --top takes 1 to 100000, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_WINDOW:
            if (parse_u64(optarg, &window) || window < 1) {
                fprintf(stderr, "kap replay: --window takes a number of events, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_MAX_LINE:
            if (parse_u64(optarg, &max_line) || max_line < 1 || max_line > ((uint64_t)1 << 40)) {
                fprintf(stderr, "kap replay: --max-line takes a number of bytes, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'q':
            quiet = 1;
            break;
        case OPT_PROGRESS:
            if (cli_parse_color(optarg, &prog)) {
                fprintf(stderr, "kap replay: --progress takes auto, always or never, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_KUBE_VERSION:
            if (cli_parse_kube_version(optarg, &opts.kube_minor))
                return cli_bad_kube_version("replay", optarg);
            break;
        default:
            return cli_bad_option("replay", c, argc, argv);
        }
    }
    if (argc - optind < 2) {
        fprintf(stderr, "kap replay: %s\n", optind >= argc ? "no policy file given" : "no log given ('-' reads standard input)");
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *policy_path = argv[optind];
    kap_policy *p = load(policy_path, &opts, quiet), *q = NULL;
    if (!p)
        return 1;
    if (compare && !(q = load(compare, &opts, quiet))) {
        kap_policy_free(p);
        return 1;
    }
    kap_replay_options ro;
    kap_replay_options_init(&ro);
    ro.compare = q;
    if (window)
        ro.window = window;
    if (max_line)
        ro.max_line = (size_t)max_line;

    out_file of = {NULL, NULL, 0};
    int status = 0;
    if (write_path && open_out(&of, write_path)) {
        kap_policy_free(p);
        kap_policy_free(q);
        return 1;
    }
    bar b = {now(), 0, 0};
    int show = !quiet && prog != CLI_COLOR_NEVER && (prog == CLI_COLOR_ALWAYS || isatty(STDERR_FILENO));
    kap_replay_summary *sum = NULL;
    int rc = kap_replay_files(&sum, p, &ro, (const char *const *)argv + optind + 1, (size_t)(argc - optind - 1),
                              (unsigned)jobs, of.f ? write_out : NULL, &of, show ? progress : NULL, &b);
    if (b.shown)
        fprintf(stderr, "\r\033[K");
    if (close_out(&of, write_path, rc == KAP_OK))
        status = 1;
    if (rc != KAP_OK) {
        fprintf(stderr, "kap replay: %s\n", rc == KAP_EIO ? "writing the output failed" : kap_status_name(rc));
        status = 1;
    } else {
        char *text = NULL;
        size_t len = 0;
        if (kap_replay_summary_format(sum, json ? KAP_REPLAY_FORMAT_JSON : KAP_REPLAY_FORMAT_TABLE, (size_t)top, &text,
                                      &len) != KAP_OK) {
            fprintf(stderr, "kap replay: out of memory\n");
            status = 1;
        } else {
            fwrite(text, 1, len, stdout);
        }
        kap_replay_bytes_free(text);
        kap_replay_counts cnt;
        kap_replay_summary_counts(sum, &cnt);
        if (!quiet && cnt.bad_lines && json)
            fprintf(stderr, "kap replay: %llu bad lines (see \"bad\")\n", (unsigned long long)cnt.bad_lines);
        if (cnt.bytes_in == 0 && cnt.bad_lines) {
            /* not one byte read, and bad lines: every log failed to open or read */
            fprintf(stderr, "kap replay: no log could be read (see the bad lines)\n");
            status = 1;
        }
    }
    kap_replay_summary_free(sum);
    kap_policy_free(p);
    kap_policy_free(q);
    if (cli_finish_stdout("replay"))
        return 1;
    return status;
}
