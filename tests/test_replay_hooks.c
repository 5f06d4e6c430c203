/* libkap-replay built with allocation hooks: every allocation of a replay,
 * a merge, a save and load, a format and a threaded run fails in turn, and
 * each must end in KAP_ENOMEM (never a crash, a leak under valgrind or ASan,
 * or another answer); and the input paths that need odd files: a
 * directory, a compressed file read from an offset, corrupt and truncated
 * gzip and zstd, gzip padding, standard input.
 *   test_replay_hooks SOURCE_DIR
 * SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "kap.h"

extern long rp_alloc_fail_at, rp_alloc_count;

static int failures;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                              \
        }                                                                            \
    } while (0)

static const char *srcdir = ".";
static char *logtext;
static size_t loglen;

static int sink(void *ctx, const char *d, size_t n)
{
    (void)d;
    *(size_t *)ctx += n;
    return 0;
}

/* One run of everything; KAP_OK, or the first status that was not. */
static int scenario(const kap_policy *p, const kap_policy *q)
{
    kap_replay_options o;
    kap_replay_options_init(&o);
    o.compare = q;
    o.window = 20;
    kap_replay *r = NULL;
    kap_replay_summary *a = NULL, *b = NULL, *l = NULL;
    void *bytes = NULL;
    char *text = NULL;
    size_t written = 0, blen = 0;
    int rc = kap_replay_new(&r, p, &o);
    if (rc)
        return rc;
    kap_replay_set_output(r, sink, &written);
    size_t cut = loglen / 2 + 7;
    if ((rc = kap_replay_begin(r, "log", KAP_REPLAY_SOURCE_START | KAP_REPLAY_STREAM_START)) ||
        (rc = kap_replay_feed(r, logtext, cut / 2)) || (rc = kap_replay_feed(r, logtext + cut / 2, cut - cut / 2)) ||
        (rc = kap_replay_end(r, 0)) || (rc = kap_replay_take_summary(r, &a)) || (rc = kap_replay_begin(r, "log", 0)) ||
        (rc = kap_replay_feed(r, logtext + cut, loglen - cut)) || (rc = kap_replay_report(r, "a problem")) ||
        (rc = kap_replay_end(r, KAP_REPLAY_SOURCE_END)) || (rc = kap_replay_take_summary(r, &b)) ||
        (rc = kap_replay_summary_save(b, &bytes, &blen)) || (rc = kap_replay_summary_load(&l, bytes, blen)) ||
        (rc = kap_replay_merge(r, a, l)) || (rc = kap_replay_summary_format(a, KAP_REPLAY_FORMAT_JSON, 5, &text, NULL)))
        goto out;
    kap_replay_bytes_free(text);
    text = NULL;
    rc = kap_replay_summary_format(a, KAP_REPLAY_FORMAT_TABLE, 5, &text, NULL);
out:
    kap_replay_bytes_free(text);
    kap_replay_bytes_free(bytes);
    kap_replay_summary_free(a);
    kap_replay_summary_free(b);
    kap_replay_summary_free(l);
    kap_replay_free(r);
    return rc;
}

static int files_scenario(const kap_policy *p, const char *path, unsigned threads)
{
    kap_replay_summary *s = NULL;
    size_t written = 0;
    const char *paths[] = {path, "/nonexistent/x.log"};
    int rc = kap_replay_files(&s, p, NULL, paths, 2, threads, sink, &written, NULL, NULL);
    kap_replay_summary_free(s);
    return rc;
}

static void allocation_failures(const kap_policy *p, const kap_policy *q, const char *file)
{
    for (int which = 0; which < 3; which++) {
        long n;
        for (n = 0;; n++) {
            rp_alloc_count = 0;
            rp_alloc_fail_at = n;
            int rc = which == 0 ? scenario(p, q) : files_scenario(p, file, which == 1 ? 1 : 2);
            long used = rp_alloc_count;
            rp_alloc_fail_at = -1;
            if (used <= n) { /* nothing failed: the run is whole */
                CHECK(rc == KAP_OK);
                break;
            }
            if (rc != KAP_ENOMEM && rc != KAP_OK) {
                fprintf(stderr, "allocation %ld of scenario %d: status %d\n", n, which, rc);
                failures++;
            }
        }
        printf("scenario %d: %ld allocations, each failed in turn\n", which, n);
    }
}

/* ---- odd inputs --------------------------------------------------------------- */

static char tmpdir[] = "/tmp/kap-replay-hooks-XXXXXX";

static const char *put(const char *name, const void *data, size_t n)
{
    static char path[4][512];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
    return p;
}

static size_t gzip_of(const char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    deflate(&zs, Z_FINISH);
    size_t got = cap - zs.avail_out;
    deflateEnd(&zs);
    return got;
}

/* The JSON summary of one file. */
static char *json_of_file(const kap_policy *p, const char *path, uint64_t off, uint64_t len)
{
    kap_replay *r;
    kap_replay_new(&r, p, NULL);
    int rc = kap_replay_file(r, path, off, len, off == 0 ? KAP_REPLAY_STREAM_START : 0);
    CHECK(rc == KAP_OK);
    kap_replay_summary *s;
    kap_replay_take_summary(r, &s);
    char *t = NULL;
    kap_replay_summary_format(s, KAP_REPLAY_FORMAT_JSON, 0, &t, NULL);
    kap_replay_summary_free(s);
    kap_replay_free(r);
    return t;
}

/* The same counts: the JSON before the bad lines (which name their file). */
static int same_counts(const char *x, const char *y)
{
    const char *bx = strstr(x, ",\"bad\":"), *by = strstr(y, ",\"bad\":");
    return bx && by && bx - x == by - y && memcmp(x, y, (size_t)(bx - x)) == 0;
}

static void odd_inputs(const kap_policy *p)
{
    CHECK(mkdtemp(tmpdir) != NULL);
    size_t cap = loglen + 4096;
    unsigned char *gz = malloc(cap * 2), *zs = malloc(ZSTD_compressBound(loglen));
    char *t;

    t = json_of_file(p, tmpdir, 0, 0); /* a directory */
    CHECK(strstr(t, "\"error\":\"cannot read: Is a directory\"") != NULL);
    kap_replay_bytes_free(t);

    size_t g = gzip_of(logtext, loglen, gz, cap);
    const char *gzpath = put("a.gz", gz, g);
    t = json_of_file(p, gzpath, 10, 0); /* compressed, from an offset */
    CHECK(strstr(t, "\"error\":\"a compressed file is read whole, not from an offset\"") != NULL);
    kap_replay_bytes_free(t);

    /* the same events plain, gzip with zero padding after it, zstd */
    char *plain = json_of_file(p, put("p.log", logtext, loglen), 0, 0);
    memset(gz + g, 0, 512);
    char *padded = json_of_file(p, put("pad.gz", gz, g + 512), 0, 0);
    CHECK(same_counts(plain, padded));
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    size_t z = ZSTD_compress2(cc, zs, ZSTD_compressBound(loglen), logtext, loglen);
    ZSTD_freeCCtx(cc);
    char *zst = json_of_file(p, put("a.zst", zs, z), 0, 0);
    CHECK(same_counts(plain, zst));
    /* standard input */
    int saved = dup(0), fd = open(put("in.log", logtext, loglen), O_RDONLY);
    dup2(fd, 0);
    close(fd);
    char *in = json_of_file(p, "-", 0, 0);
    dup2(saved, 0);
    close(saved);
    CHECK(same_counts(plain, in));
    free(padded);
    free(zst);
    free(in);

    /* truncated zstd, corrupt gzip, corrupt zstd */
    t = json_of_file(p, put("cut.zst", zs, z / 2), 0, 0);
    CHECK(strstr(t, "zstd: unexpected end of data (truncated file)") != NULL);
    kap_replay_bytes_free(t);
    for (size_t i = g / 3; i < g / 3 + 64; i++)
        gz[i] ^= 0x5a;
    t = json_of_file(p, put("bad.gz", gz, g), 0, 0);
    CHECK(strstr(t, "\"error\":\"gzip: ") != NULL);
    kap_replay_bytes_free(t);
    for (size_t i = z / 3; i < z / 3 + 64; i++)
        zs[i] ^= 0x5a;
    t = json_of_file(p, put("bad.zst", zs, z), 0, 0);
    CHECK(strstr(t, "\"error\":\"zstd: ") != NULL);
    kap_replay_bytes_free(t);

    /* a byte range past the end, and ranges that end before it */
    t = json_of_file(p, put("p2.log", logtext, loglen), loglen + 100, 10);
    CHECK(strstr(t, "\"events\":0,") != NULL);
    kap_replay_bytes_free(t);
    free(plain);
    free(gz);
    free(zs);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    CHECK(system(cmd) == 0);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    fclose(f);
    return b;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        srcdir = argv[1];
    char path[1024], pp[1024], qp[1024];
    /* a log with everything: stages, bodies, managedFields, bad lines, an EventList */
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/replay/falco-psp-managedfields", srcdir);
    size_t n1, n2, n3;
    char *a = slurp(path, &n1);
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/replay/immudb-stages", srcdir);
    char *b = slurp(path, &n2);
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/replay/eventlist", srcdir);
    char *c = slurp(path, &n3);
    if (!a || !b || !c) {
        fprintf(stderr, "test data missing under %s\n", srcdir);
        return 1;
    }
    const char *extra = "{\"auditID\":\nnot json\n{\"level\":\"Metadata\",\"auditID\":\"q\",\"stage\":\"Panic\","
                        "\"requestURI\":\"/a%20b?x\"}\n";
    loglen = (n1 - 1) + (n2 - 1) + (n3 - 1) + strlen(extra);
    logtext = malloc(loglen);
    size_t k = 0;
    memcpy(logtext + k, a + 1, n1 - 1), k += n1 - 1; /* the seeds' first byte is the fuzzer's */
    memcpy(logtext + k, b + 1, n2 - 1), k += n2 - 1;
    memcpy(logtext + k, c + 1, n3 - 1), k += n3 - 1;
    memcpy(logtext + k, extra, strlen(extra));
    free(a);
    free(b);
    free(c);
    snprintf(pp, sizeof pp, "%s/tests/replay/policies/gce-configure-helper.yaml", srcdir);
    snprintf(qp, sizeof qp, "%s/tests/replay/policies/openshift-default.yaml", srcdir);
    kap_policy *p = NULL, *q = NULL;
    if (kap_policy_load(&p, pp, NULL, NULL) || kap_policy_load(&q, qp, NULL, NULL))
        return 1;
    char *file = NULL;
    {
        char tmpl[] = "/tmp/kap-replay-hooks-log-XXXXXX";
        int fd = mkstemp(tmpl);
        CHECK(fd >= 0 && write(fd, logtext, loglen) == (ssize_t)loglen);
        close(fd);
        file = strdup(tmpl);
    }
    CHECK(scenario(p, q) == KAP_OK);
    allocation_failures(p, q, file);
    odd_inputs(p);
    unlink(file);
    free(file);
    free(logtext);
    kap_policy_free(p);
    kap_policy_free(q);
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures ? 1 : 0;
}
