/* kap_replay_files: many files, many threads, one summary.
 *
 * A producer thread cuts the input into chunks: byte ranges of plain files
 * (read by the workers themselves), or blocks of decompressed bytes (gzip,
 * zstd, standard input), cut anywhere, lines included. Worker threads
 * replay chunks into summaries; the calling thread merges them in order
 * (replaying the lines cut between two chunks), writes their output in
 * order, and reports progress. At most a few chunks are in flight, so
 * memory stays bounded whatever the input's size.
 * SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay_input.h"

#define CHUNK ((size_t)4 << 20)

enum { JOB_RANGE, JOB_DATA, JOB_REPORT };

typedef struct job {
    int kind;
    const char *path;
    uint64_t off, len;    /* JOB_RANGE */
    unsigned char *data;  /* JOB_DATA */
    size_t n;
    char msg[160];        /* JOB_REPORT, or an error after the data */
    unsigned bflags, eflags;
    uint64_t raw;         /* input bytes this chunk stands for (progress) */
    kap_replay_summary *sum;
    rp_buf out;
    int rc, done;
    struct job *next;
} job;

typedef struct run {
    const kap_policy *policy;
    const kap_replay_options *opts;
    const char *const *paths;
    size_t n_paths;
    int writing;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *head, *tail;      /* all jobs not yet merged, in order */
    job *next_todo;        /* the first job no worker took */
    size_t inflight, max_inflight;
    int produced_all, stop;
    uint64_t total;
    /* CHUNK-sized blocks the workers are done with, for the producer to
     * fill again: fresh ones would be page-faulted in for every chunk
     * (a sixth of the CPU time on gzip input) */
    unsigned char **spare;
    size_t n_spare, cap_spare;
} run;

static unsigned char *take_block(run *R)
{
    unsigned char *b = NULL;
    pthread_mutex_lock(&R->mu);
    if (R->n_spare)
        b = R->spare[--R->n_spare];
    pthread_mutex_unlock(&R->mu);
    return b ? b : rp_malloc(CHUNK);
}

static void give_block(run *R, unsigned char *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&R->mu);
    if (R->n_spare < R->cap_spare) {
        R->spare[R->n_spare++] = b;
        b = NULL;
    }
    pthread_mutex_unlock(&R->mu);
    rp_free(b);
}

static void push_job(run *R, job *j)
{
    pthread_mutex_lock(&R->mu);
    while (R->inflight >= R->max_inflight && !R->stop)
        pthread_cond_wait(&R->cv, &R->mu);
    if (R->tail)
        R->tail->next = j;
    else
        R->head = j;
    R->tail = j;
    if (!R->next_todo)
        R->next_todo = j;
    R->inflight++;
    pthread_cond_broadcast(&R->cv);
    pthread_mutex_unlock(&R->mu);
}

static job *new_job(int kind, const char *path, unsigned bflags)
{
    job *j = rp_calloc(1, sizeof *j);
    if (j) {
        j->kind = kind;
        j->path = path;
        j->bflags = bflags;
    }
    return j;
}

static int stopping(run *R)
{
    pthread_mutex_lock(&R->mu);
    int s = R->stop;
    pthread_mutex_unlock(&R->mu);
    return s;
}

static void *producer(void *arg)
{
    run *R = arg;
    for (size_t f = 0; f < R->n_paths && !stopping(R); f++) {
        const char *path = R->paths[f];
        unsigned start = KAP_REPLAY_SOURCE_START | (f == 0 ? KAP_REPLAY_STREAM_START : 0);
        rp_input in;
        int orc = rp_input_open(&in, path);
        if (orc) {
            job *j = new_job(JOB_REPORT, path, start);
            if (!j) {
                rp_input_close(&in);
                break;
            }
            snprintf(j->msg, sizeof j->msg, "%s", in.error);
            j->eflags = KAP_REPLAY_SOURCE_END;
            rp_input_close(&in);
            push_job(R, j);
            continue;
        }
        if (in.kind == RP_PLAIN && !in.is_stdin && in.size) {
            /* byte ranges; the workers read them */
            uint64_t size = in.size;
            rp_input_close(&in);
            for (uint64_t off = 0; off < size && !stopping(R); off += CHUNK) {
                job *j = new_job(JOB_RANGE, path, off == 0 ? start : 0);
                if (!j)
                    goto out;
                j->off = off;
                j->len = size - off < CHUNK ? size - off : CHUNK;
                j->raw = j->len;
                j->eflags = off + j->len >= size ? KAP_REPLAY_SOURCE_END : 0;
                push_job(R, j);
            }
            continue;
        }
        /* decompressed (or unseekable) bytes, in blocks */
        unsigned flags = start;
        uint64_t raw0 = 0;
        for (;;) {
            job *j = new_job(JOB_DATA, path, flags);
            if (!j || !(j->data = take_block(R))) {
                rp_free(j);
                rp_input_close(&in);
                goto out;
            }
            ssize_t n = 0;
            while (j->n < CHUNK && (n = rp_input_read(&in, j->data + j->n, CHUNK - j->n)) > 0)
                j->n += (size_t)n;
            int last = n <= 0;
            if (in.error[0])
                snprintf(j->msg, sizeof j->msg, "%s", in.error);
            j->eflags = last ? KAP_REPLAY_SOURCE_END : 0;
            j->raw = in.raw - raw0;
            raw0 = in.raw;
            push_job(R, j);
            flags = 0;
            if (last || stopping(R))
                break;
        }
        rp_input_close(&in);
    }
out:
    pthread_mutex_lock(&R->mu);
    R->produced_all = 1;
    pthread_cond_broadcast(&R->cv);
    pthread_mutex_unlock(&R->mu);
    return NULL;
}

static int buf_write(void *ctx, const char *data, size_t len)
{
    rp_buf *b = ctx;
    rp_buf_add(b, data, len);
    return b->oom ? -1 : 0;
}

/* A plain file's byte range, mapped (so its bytes are not copied once more). */
static int feed_range(kap_replay *r, job *j)
{
    char msg[160];
    int fd = open(j->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, sizeof msg, "cannot open: %s", strerror(errno));
        return kap_replay_report(r, msg);
    }
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), start = j->off - j->off % page;
    size_t span = (size_t)(j->off + j->len - start);
    void *map = mmap(NULL, span, PROT_READ, MAP_PRIVATE, fd, (off_t)start);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(msg, sizeof msg, "cannot map at offset %llu: %s", (unsigned long long)start, strerror(errno));
        return kap_replay_report(r, msg);
    }
    madvise(map, span, MADV_SEQUENTIAL);
    int rc = kap_replay_feed(r, (const char *)map + (j->off - start), (size_t)j->len);
    munmap(map, span);
    return rc;
}

static void do_job(run *R, kap_replay *r, job *j)
{
    if (R->writing)
        kap_replay_set_output(r, buf_write, &j->out);
    int rc = kap_replay_begin(r, j->path, j->bflags);
    if (rc == KAP_OK) {
        if (j->kind == JOB_RANGE)
            rc = feed_range(r, j);
        else if (j->kind == JOB_DATA)
            rc = kap_replay_feed(r, j->data, j->n);
    }
    if (rc == KAP_OK && j->msg[0])
        rc = kap_replay_report(r, j->msg);
    if (rc == KAP_OK)
        rc = kap_replay_end(r, j->eflags);
    if (rc == KAP_EIO && j->out.oom)
        rc = KAP_ENOMEM; /* the chunk's output buffer, not the caller's output */
    kap_replay_summary *s = NULL;
    int trc = kap_replay_take_summary(r, &s);
    j->sum = s;
    j->rc = rc ? rc : trc;
    give_block(R, j->data);
    j->data = NULL;
}

typedef struct worker {
    run *R;
    kap_replay *r;
    pthread_t th;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    run *R = w->R;
    for (;;) {
        pthread_mutex_lock(&R->mu);
        while (!R->next_todo && !R->produced_all && !R->stop)
            pthread_cond_wait(&R->cv, &R->mu);
        job *j = R->next_todo;
        if (!j || R->stop) {
            pthread_mutex_unlock(&R->mu);
            break;
        }
        R->next_todo = j->next;
        pthread_mutex_unlock(&R->mu);
        do_job(R, w->r, j);
        pthread_mutex_lock(&R->mu);
        j->done = 1;
        pthread_cond_broadcast(&R->cv);
        pthread_mutex_unlock(&R->mu);
    }
    return NULL;
}

static unsigned cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

static uint64_t total_size(const char *const *paths, size_t n)
{
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") == 0)
            return 0;
        if (stat(paths[i], &st) == 0 && S_ISREG(st.st_mode))
            t += (uint64_t)st.st_size;
    }
    return t;
}

/* One thread: the files one after the other through one replay. */
static int run_single(kap_replay *r, const char *const *paths, size_t n, kap_replay_progress_fn progress,
                      void *pctx, uint64_t total, kap_replay_summary **out)
{
    int rc = KAP_OK;
    uint64_t done = 0;
    for (size_t i = 0; i < n && rc == KAP_OK; i++) {
        rc = kap_replay_file(r, paths[i], 0, 0, i == 0 ? KAP_REPLAY_STREAM_START : 0);
        struct stat st;
        if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0)
            done += (uint64_t)st.st_size;
        if (progress)
            progress(pctx, done, total);
    }
    int trc = kap_replay_take_summary(r, out);
    return rc ? rc : trc;
}

int kap_replay_files(kap_replay_summary **out, const kap_policy *policy, const kap_replay_options *opts,
                     const char *const *paths, size_t n_paths, unsigned int threads, kap_replay_write_fn write,
                     void *write_ctx, kap_replay_progress_fn progress, void *progress_ctx)
{
    if (!out || !policy || (!paths && n_paths))
        return KAP_EARG;
    *out = NULL;
    for (size_t i = 0; i < n_paths; i++)
        if (!paths[i])
            return KAP_EARG;
    if (!threads)
        threads = cores();
    if (threads > 256)
        threads = 256;
    kap_replay *ctx;
    int rc = kap_replay_new(&ctx, policy, opts);
    if (rc)
        return rc;
    kap_replay_set_output(ctx, write, write_ctx);
    uint64_t total = total_size(paths, n_paths);
    if (threads == 1) {
        rc = run_single(ctx, paths, n_paths, progress, progress_ctx, total, out);
        kap_replay_free(ctx);
        return rc;
    }
    run R;
    memset(&R, 0, sizeof R);
    R.policy = policy;
    R.opts = opts;
    R.paths = paths;
    R.n_paths = n_paths;
    R.writing = write != NULL;
    R.max_inflight = threads * 2 + 2;
    R.total = total;
    R.cap_spare = R.max_inflight;
    R.spare = rp_calloc(R.cap_spare, sizeof *R.spare);
    if (!R.spare)
        R.cap_spare = 0; /* then every block is allocated afresh */
    pthread_mutex_init(&R.mu, NULL);
    pthread_cond_init(&R.cv, NULL);
    worker *ws = rp_calloc(threads, sizeof *ws);
    kap_replay_summary *sum = NULL;
    rc = ws ? kap_replay_take_summary(ctx, &sum) : KAP_ENOMEM;
    unsigned started = 0;
    pthread_t prod;
    int prod_started = 0;
    for (unsigned i = 0; rc == KAP_OK && i < threads; i++) {
        ws[i].R = &R;
        if ((rc = kap_replay_new(&ws[i].r, policy, opts)) != KAP_OK)
            break;
        if (pthread_create(&ws[i].th, NULL, work, &ws[i]) != 0) {
            kap_replay_free(ws[i].r);
            ws[i].r = NULL;
            rc = KAP_ENOMEM;
            break;
        }
        started++;
    }
    if (rc == KAP_OK) {
        if (pthread_create(&prod, NULL, producer, &R) != 0)
            rc = KAP_ENOMEM;
        else
            prod_started = 1;
    }
    /* merge in order */
    uint64_t done = 0;
    while (rc == KAP_OK) {
        pthread_mutex_lock(&R.mu);
        while (!(R.head && R.head->done) && !(R.produced_all && !R.head))
            pthread_cond_wait(&R.cv, &R.mu);
        job *j = R.head;
        pthread_mutex_unlock(&R.mu);
        if (!j)
            break;
        if (j->rc == KAP_OK)
            rc = kap_replay_merge(ctx, sum, j->sum);
        else
            rc = j->rc;
        if (rc == KAP_OK && write && j->out.len && write(write_ctx, j->out.s, j->out.len))
            rc = KAP_EIO;
        if (rc == KAP_OK && j->out.oom)
            rc = KAP_ENOMEM;
        done += j->raw;
        if (progress)
            progress(progress_ctx, done, total);
        pthread_mutex_lock(&R.mu);
        R.head = j->next;
        if (!R.head)
            R.tail = NULL;
        R.inflight--;
        pthread_cond_broadcast(&R.cv);
        pthread_mutex_unlock(&R.mu);
        kap_replay_summary_free(j->sum);
        rp_buf_free(&j->out);
        rp_free(j);
    }
    pthread_mutex_lock(&R.mu);
    R.stop = 1;
    pthread_cond_broadcast(&R.cv);
    pthread_mutex_unlock(&R.mu);
    if (prod_started)
        pthread_join(prod, NULL);
    for (unsigned i = 0; i < started; i++)
        pthread_join(ws[i].th, NULL);
    for (job *j = R.head; j;) {
        job *nx = j->next;
        kap_replay_summary_free(j->sum);
        rp_buf_free(&j->out);
        rp_free(j->data);
        rp_free(j);
        j = nx;
    }
    for (unsigned i = 0; ws && i < threads; i++)
        kap_replay_free(ws[i].r);
    for (size_t i = 0; i < R.n_spare; i++)
        rp_free(R.spare[i]);
    rp_free(R.spare);
    rp_free(ws);
    pthread_mutex_destroy(&R.mu);
    pthread_cond_destroy(&R.cv);
    kap_replay_free(ctx);
    if (rc != KAP_OK) {
        kap_replay_summary_free(sum);
        return rc;
    }
    *out = sum;
    return KAP_OK;
}
