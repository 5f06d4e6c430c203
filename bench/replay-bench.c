/* kap-bench --replay: libkap-replay's speed beside its limits and its
 * baselines, measured in one run, interleaved, repeated.
 *
 *   kap-bench --replay [--mb N] [--runs R] [--policy P] [--baseline-mb N] [--no-baselines]
 *   kap-bench --replay-gen MB > log.jsonl     (the generated log, for the CLI)
 *
 * The log is the real events of tests/replay/logs repeated to N MB (each
 * copy with its own auditIDs, so requests stay distinct), written to a
 * temporary folder with its gzip and zstd copies. Each round runs every
 * case once, in the same order: memchr over the file (the floor), replay
 * with 1 and 2 threads, gzip decompression alone with libkap-replay's
 * inflater, replay of the gzip file, zstd, then jq and a Python json.loads
 * loop (on the first --baseline-mb MB; they are slow) extracting the same
 * fields. Figures: the median of the rounds, MB/s of the uncompressed log
 * from wall-clock time, and CPU seconds for the single-threaded cases.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kap.h"

#ifdef KAP_REPLAY_ISAL
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

int replay_bench_main(int argc, char **argv);

static double wall(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec +
           (double)u.ru_stime.tv_usec / 1e6;
}

static double child_cpu(void)
{
    struct rusage u;
    getrusage(RUSAGE_CHILDREN, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec +
           (double)u.ru_stime.tv_usec / 1e6;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b)
        *len = (size_t)n;
    return b;
}

/* The real events, repeated until mb MB are written to out. */
static int generate(FILE *out, double mb)
{
    static const char *names[] = {"audit2rbac-demo-original-v1beta1.jsonl", "audit2rbac-demo.jsonl",
                                  "crowdsec-hub-k8s-audit.jsonl", "falco-psp-trace-files.jsonl",
                                  "falco-trace-files.jsonl", "immudb-log-audit-k8s.jsonl",
                                  "panther-analysis-eks-tests.jsonl"};
    char *all = NULL;
    size_t len = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", KAP_REPLAY_LOGS, names[i]);
        size_t n;
        char *b = slurp(path, &n);
        if (!b) {
            fprintf(stderr, "kap-bench: %s: %s\n", path, strerror(errno));
            free(all);
            return -1;
        }
        char *grown = realloc(all, len + n + 1);
        if (!grown) {
            free(all);
            free(b);
            return -1;
        }
        all = grown;
        memcpy(all + len, b, n);
        len += n;
        if (len && all[len - 1] != '\n')
            all[len++] = '\n';
        free(b);
    }
    char *copy = malloc(len);
    if (!copy) {
        free(all);
        return -1;
    }
    double want = mb * 1e6, done = 0;
    for (unsigned c = 0; done < want; c++) {
        memcpy(copy, all, len);
        /* each copy's auditIDs end in the copy's number */
        char tag[9];
        snprintf(tag, sizeof tag, "%08x", c);
        for (char *p = copy; (p = memmem(p, len - (size_t)(p - copy), "\"auditID\":\"", 11)) != NULL;) {
            p += 11;
            char *q = memchr(p, '"', len - (size_t)(p - copy));
            if (q && q - p >= 8)
                memcpy(q - 8, tag, 8);
            if (!q)
                break;
            p = q;
        }
        if (fwrite(copy, 1, len, out) != len)
            return -1;
        done += (double)len;
    }
    free(copy);
    free(all);
    return 0;
}

static double median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the cases -------------------------------------------------------------------- */

static size_t memchr_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    static char buf[1 << 20];
    size_t lines = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (char *p = buf, *e = buf + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
            lines++;
    close(fd);
    return lines;
}

static size_t inflate_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    size_t total = 0;
    static unsigned char in[1 << 20], out[1 << 20];
#ifdef KAP_REPLAY_ISAL
    struct inflate_state st;
    int in_member = 0;
    ssize_t n = 0;
    size_t pos = 0;
    for (;;) {
        if (pos >= (size_t)n) {
            n = read(fd, in, sizeof in);
            pos = 0;
            if (n <= 0)
                break;
        }
        if (!in_member) {
            isal_inflate_init(&st);
            st.crc_flag = ISAL_GZIP;
            in_member = 1;
        }
        st.next_in = in + pos;
        st.avail_in = (uint32_t)((size_t)n - pos);
        st.next_out = out;
        st.avail_out = sizeof out;
        if (isal_inflate(&st) < 0)
            break;
        pos = (size_t)n - st.avail_in;
        total += sizeof out - st.avail_out;
        if (st.block_state == ISAL_BLOCK_FINISH)
            in_member = 0;
    }
#else
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    inflateInit2(&zs, 15 + 16);
    ssize_t n;
    while ((n = read(fd, in, sizeof in)) > 0) {
        zs.next_in = in;
        zs.avail_in = (uInt)n;
        while (zs.avail_in) {
            zs.next_out = out;
            zs.avail_out = sizeof out;
            int rc = inflate(&zs, Z_NO_FLUSH);
            total += sizeof out - zs.avail_out;
            if (rc == Z_STREAM_END)
                inflateReset(&zs);
            else if (rc != Z_OK && rc != Z_BUF_ERROR)
                break;
        }
    }
    inflateEnd(&zs);
#endif
    close(fd);
    return total;
}

static kap_replay_summary *replay(const kap_policy *p, const char *path, unsigned threads)
{
    kap_replay_summary *s = NULL;
    const char *paths[] = {path};
    if (kap_replay_files(&s, p, NULL, paths, 1, threads, NULL, NULL, NULL, NULL) != KAP_OK) {
        fprintf(stderr, "kap-bench: replay failed\n");
        exit(1);
    }
    return s;
}

static int shell(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "kap-bench: '%s' failed (%d)\n", cmd, rc);
    return rc;
}

static int have(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

enum { C_MEMCHR, C_J1, C_J2, C_GUNZIP, C_GZ_J1, C_GZ, C_ZST, C_JQ, C_PY, N_CASES };
static const char *case_name[] = {"memchr over the file (floor)", "replay, 1 thread", "replay, 2 threads",
                                  "gzip decompression alone", "replay gzip, 1 thread", "replay gzip, 2 threads",
                                  "replay zstd, 2 threads", "jq (same fields)", "python3 json.loads loop"};

int replay_bench_main(int argc, char **argv)
{
    double mb = 200, base_mb = 40;
    int runs = 3, baselines = 1;
    const char *policy_path = KAP_REPLAY_POLICY, *log = NULL;
    if (strcmp(argv[0], "--replay-gen") == 0)
        return argc > 1 && generate(stdout, atof(argv[1])) == 0 ? 0 : 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mb") == 0 && i + 1 < argc)
            mb = atof(argv[++i]);
        else if (strcmp(argv[i], "--baseline-mb") == 0 && i + 1 < argc)
            base_mb = atof(argv[++i]);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
            policy_path = argv[++i];
        else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
            log = argv[++i];
        else if (strcmp(argv[i], "--no-baselines") == 0)
            baselines = 0;
        else {
            fprintf(stderr, "usage: kap-bench --replay [--mb N] [--runs R] [--policy P] [--log FILE] "
                            "[--baseline-mb N] [--no-baselines]\n       kap-bench --replay-gen MB\n");
            return 2;
        }
    }
    if (runs < 1 || runs > 50)
        runs = 3;
    kap_policy *p = NULL;
    if (kap_policy_load(&p, policy_path, NULL, NULL) != KAP_OK) {
        fprintf(stderr, "kap-bench: %s does not load\n", policy_path);
        return 1;
    }
    char dir[] = "/tmp/kap-bench-replay-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char plain[256], gz[256], zst[256], small[256], cmd[1024];
    snprintf(plain, sizeof plain, "%s/audit.log", dir);
    snprintf(gz, sizeof gz, "%s/audit.log.gz", dir);
    snprintf(zst, sizeof zst, "%s/audit.log.zst", dir);
    snprintf(small, sizeof small, "%s/small.log", dir);
    if (log) {
        snprintf(cmd, sizeof cmd, "cp '%s' %s", log, plain);
        shell(cmd);
    } else {
        FILE *f = fopen(plain, "wb");
        if (!f || generate(f, mb) || fclose(f))
            return 1;
    }
    struct stat st;
    stat(plain, &st);
    double bytes = (double)st.st_size;
    snprintf(cmd, sizeof cmd, "gzip -6 -c %s > %s", plain, gz);
    int has_gz = shell(cmd) == 0;
    snprintf(cmd, sizeof cmd, "zstd -q -3 -c %s > %s", plain, zst);
    int has_zst = have("zstd") && shell(cmd) == 0;
    snprintf(cmd, sizeof cmd, "head -c %.0f %s | head -n -1 > %s", base_mb * 1e6, plain, small);
    shell(cmd);
    stat(small, &st);
    double small_bytes = (double)st.st_size;
    int has_jq = baselines && have("jq"), has_py = baselines && have("python3");
    printf("log: %.1f MB of real events repeated (%s), policy %s, %d rounds, inflater %s\n", bytes / 1e6,
           log ? log : "tests/replay/logs", policy_path,
           runs,
#ifdef KAP_REPLAY_ISAL
           "ISA-L igzip"
#else
           "zlib"
#endif
    );
    double t[N_CASES][50], c[N_CASES][50];
    memset(t, 0, sizeof t);
    memset(c, 0, sizeof c);
    int ran[N_CASES] = {0};
    for (int r = 0; r < runs; r++) {
        for (int k = 0; k < N_CASES; k++) {
            double w0 = wall(), c0 = cpu(), cc0 = child_cpu();
            kap_replay_summary *s = NULL;
            switch (k) {
            case C_MEMCHR: memchr_file(plain); break;
            case C_J1: s = replay(p, plain, 1); break;
            case C_J2: s = replay(p, plain, 2); break;
            case C_GUNZIP: if (!has_gz) continue; inflate_file(gz); break;
            case C_GZ_J1: if (!has_gz) continue; s = replay(p, gz, 1); break;
            case C_GZ: if (!has_gz) continue; s = replay(p, gz, 2); break;
            case C_ZST: if (!has_zst) continue; s = replay(p, zst, 2); break;
            case C_JQ:
                if (!has_jq)
                    continue;
                snprintf(cmd, sizeof cmd,
                         "jq -c '[.auditID,.stage,.level,.verb,.requestURI,.user.username,.user.groups,.objectRef]'"
                         " %s > /dev/null", small);
                shell(cmd);
                break;
            case C_PY:
                if (!has_py)
                    continue;
                snprintf(cmd, sizeof cmd,
                         "python3 -c 'import json,sys\nfor l in open(sys.argv[1],\"rb\"):\n e=json.loads(l); "
                         "u=e.get(\"user\") or {}; (e.get(\"auditID\"),e.get(\"stage\"),e.get(\"level\"),"
                         "e.get(\"verb\"),e.get(\"requestURI\"),u.get(\"username\"),u.get(\"groups\"),"
                         "e.get(\"objectRef\"))' %s",
                         small);
                shell(cmd);
                break;
            default: break;
            }
            t[k][r] = wall() - w0;
            c[k][r] = (cpu() - c0) + (child_cpu() - cc0);
            ran[k] = 1;
            kap_replay_summary_free(s);
        }
    }
    double med[N_CASES], cmed[N_CASES];
    printf("\n%-32s %10s %10s %12s %14s\n", "case", "MB/s", "s (median)", "CPU s", "MB/s per CPU s");
    for (int k = 0; k < N_CASES; k++) {
        if (!ran[k])
            continue;
        double b = k == C_JQ || k == C_PY ? small_bytes : bytes;
        med[k] = median(t[k], runs);
        cmed[k] = median(c[k], runs);
        printf("%-32s %10.0f %10.3f %12.3f %14.0f\n", case_name[k], b / 1e6 / med[k], med[k], cmed[k],
               b / 1e6 / cmed[k]);
    }
    printf("\nreplay 2 threads / 1 thread: %.2fx (wall)\n", med[C_J1] / med[C_J2]);
    if (ran[C_GZ])
        printf("replay gzip / decompression alone: %.2fx (2 threads), %.2fx (1 thread)\n", med[C_GZ] / med[C_GUNZIP],
               med[C_GZ_J1] / med[C_GUNZIP]);
    if (ran[C_JQ])
        printf("replay 1 thread / jq: %.0fx\n", (bytes / med[C_J1]) / (small_bytes / med[C_JQ]));
    if (ran[C_PY])
        printf("replay 1 thread / python json.loads: %.0fx\n", (bytes / med[C_J1]) / (small_bytes / med[C_PY]));
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    printf("peak RSS of this process: %.1f MB\n", (double)u.ru_maxrss / 1024);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    shell(cmd);
    kap_policy_free(p);
    return 0;
}
