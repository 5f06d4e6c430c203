/* Reading audit logs: plain files (whole or a byte range), standard input,
 * gzip (members concatenated, as log rotation writes them) and zstd,
 * told apart by their first bytes. gzip is inflated by ISA-L's igzip when
 * libkap-replay was built with it (README: 3x zlib's speed here),
 * else by zlib.
 * SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay_input.h"

#ifdef KAP_REPLAY_ISAL
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif
#include <zstd.h>

struct rp_gz {
#ifdef KAP_REPLAY_ISAL
    struct inflate_state st;
#else
    z_stream zs;
#endif
    int in_member; /* inside a member (not between two) */
};

static ssize_t read_fd(rp_input *in, void *buf, size_t cap)
{
    ssize_t n;
    do
        n = read(in->fd, buf, cap);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        in->raw += (uint64_t)n;
    return n;
}

/* Refills the compressed-input buffer when it is empty. 0 at the end. */
static ssize_t fill(rp_input *in)
{
    if (in->cpos < in->clen)
        return (ssize_t)(in->clen - in->cpos);
    ssize_t n = read_fd(in, in->cbuf, RP_INPUT_BUF);
    if (n < 0) {
        snprintf(in->error, sizeof in->error, "read: %s", strerror(errno));
        return -1;
    }
    in->cpos = 0;
    in->clen = (size_t)n;
    return n;
}

int rp_input_open(rp_input *in, const char *path)
{
    memset(in, 0, sizeof *in);
    in->fd = -1;
    struct stat st;
    if (strcmp(path, "-") == 0) {
        in->fd = STDIN_FILENO;
        in->is_stdin = 1;
    } else if ((in->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        snprintf(in->error, sizeof in->error, "cannot open: %s", strerror(errno));
        return -1;
    } else if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(in->error, sizeof in->error, "cannot read: %s", strerror(EISDIR));
        return -1;
    } else if (S_ISREG(st.st_mode)) {
        in->size = (uint64_t)st.st_size;
    }
    if (!(in->cbuf = rp_malloc(RP_INPUT_BUF)))
        return -2;
    ssize_t n = fill(in);
    if (n < 0)
        return -1;
    const unsigned char *b = in->cbuf;
    if (in->clen >= 2 && b[0] == 0x1f && b[1] == 0x8b)
        in->kind = RP_GZIP;
    else if (in->clen >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
        in->kind = RP_ZSTD;
    else
        in->kind = RP_PLAIN;
    if (in->kind == RP_GZIP) {
        in->gz = rp_calloc(1, sizeof *in->gz);
        if (!in->gz)
            return -2;
#ifndef KAP_REPLAY_ISAL
        if (inflateInit2(&in->gz->zs, 15 + 16) != Z_OK) {
            rp_free(in->gz);
            in->gz = NULL;
            return -2;
        }
#endif
    } else if (in->kind == RP_ZSTD) {
        in->zstd = ZSTD_createDStream();
        if (!in->zstd)
            return -2;
        ZSTD_initDStream(in->zstd);
    }
    return 0;
}

static ssize_t read_gzip(rp_input *in, unsigned char *buf, size_t cap)
{
    struct rp_gz *g = in->gz;
    size_t got = 0;
    while (got < cap) {
        ssize_t n = fill(in);
        if (n < 0)
            return -1;
        if (n == 0) {
            if (g->in_member) {
                snprintf(in->error, sizeof in->error, "gzip: unexpected end of data (truncated file)");
                return got ? (ssize_t)got : -1;
            }
            break;
        }
        if (!g->in_member) {
            /* between members: another member, or zero padding at the end */
            if (in->cbuf[in->cpos] == 0) {
                in->cpos++;
                continue;
            }
#ifdef KAP_REPLAY_ISAL
            isal_inflate_init(&g->st);
            g->st.crc_flag = ISAL_GZIP;
#else
            inflateReset(&g->zs);
#endif
            g->in_member = 1;
        }
#ifdef KAP_REPLAY_ISAL
        g->st.next_in = in->cbuf + in->cpos;
        g->st.avail_in = (uint32_t)(in->clen - in->cpos);
        g->st.next_out = buf + got;
        g->st.avail_out = (uint32_t)(cap - got);
        int rc = isal_inflate(&g->st);
        got = cap - g->st.avail_out;
        in->cpos = in->clen - g->st.avail_in;
        if (rc < 0) {
            snprintf(in->error, sizeof in->error, "gzip: %s",
                     rc == ISAL_INCORRECT_CHECKSUM ? "incorrect checksum" : "invalid compressed data");
            return got ? (ssize_t)got : -1;
        }
        if (g->st.block_state == ISAL_BLOCK_FINISH)
            g->in_member = 0;
#else
        g->zs.next_in = in->cbuf + in->cpos;
        g->zs.avail_in = (uInt)(in->clen - in->cpos);
        g->zs.next_out = buf + got;
        g->zs.avail_out = (uInt)(cap - got);
        int rc = inflate(&g->zs, Z_NO_FLUSH);
        got = cap - g->zs.avail_out;
        in->cpos = in->clen - g->zs.avail_in;
        if (rc == Z_STREAM_END) {
            g->in_member = 0;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            snprintf(in->error, sizeof in->error, "gzip: %s", g->zs.msg ? g->zs.msg : "invalid compressed data");
            return got ? (ssize_t)got : -1;
        }
#endif
    }
    return (ssize_t)got;
}

/* buf is written through ZSTD_outBuffer, which the check does not follow */
static ssize_t read_zstd(rp_input *in, unsigned char *buf, size_t cap) // NOLINT(readability-non-const-parameter)
{
    ZSTD_outBuffer out = {buf, cap, 0};
    while (out.pos < out.size) {
        ssize_t n = fill(in);
        if (n < 0)
            return -1;
        if (n == 0) {
            if (in->zstd_open) {
                snprintf(in->error, sizeof in->error, "zstd: unexpected end of data (truncated file)");
                return out.pos ? (ssize_t)out.pos : -1;
            }
            break;
        }
        ZSTD_inBuffer zin = {in->cbuf, in->clen, in->cpos};
        size_t rc = ZSTD_decompressStream(in->zstd, &out, &zin);
        in->cpos = zin.pos;
        if (ZSTD_isError(rc)) {
            snprintf(in->error, sizeof in->error, "zstd: %s", ZSTD_getErrorName(rc));
            return out.pos ? (ssize_t)out.pos : -1;
        }
        in->zstd_open = rc != 0;
    }
    return (ssize_t)out.pos;
}

ssize_t rp_input_read(rp_input *in, void *buf, size_t cap)
{
    if (in->failed)
        return -1;
    ssize_t n;
    if (in->kind == RP_GZIP) {
        n = read_gzip(in, buf, cap);
    } else if (in->kind == RP_ZSTD) {
        n = read_zstd(in, buf, cap);
    } else if (in->cpos < in->clen) {
        n = (ssize_t)(in->clen - in->cpos < cap ? in->clen - in->cpos : cap);
        memcpy(buf, in->cbuf + in->cpos, (size_t)n);
        in->cpos += (size_t)n;
    } else {
        n = read_fd(in, buf, cap);
        if (n < 0)
            snprintf(in->error, sizeof in->error, "read: %s", strerror(errno));
    }
    /* an error after some bytes: those bytes first, the error next time */
    if (in->error[0])
        in->failed = 1;
    if (n < 0)
        in->failed = 1;
    return n;
}

void rp_input_close(rp_input *in)
{
    if (in->gz) {
#ifndef KAP_REPLAY_ISAL
        inflateEnd(&in->gz->zs);
#endif
        rp_free(in->gz);
    }
    if (in->zstd)
        ZSTD_freeDStream(in->zstd);
    rp_free(in->cbuf);
    if (in->fd >= 0 && !in->is_stdin)
        close(in->fd);
    in->fd = -1;
    in->gz = NULL;
    in->zstd = NULL;
    in->cbuf = NULL;
}

/* ---- kap_replay_file --------------------------------------------------------- */

int kap_replay_file(kap_replay *r, const char *path, uint64_t offset, uint64_t length, unsigned int flags)
{
    if (!r || !path || (flags & ~KAP_REPLAY_STREAM_START))
        return KAP_EARG;
    rp_input in;
    int orc = rp_input_open(&in, path);
    unsigned bflags = offset == 0 ? KAP_REPLAY_SOURCE_START | (flags & KAP_REPLAY_STREAM_START) : 0;
    int rc = kap_replay_begin(r, path, bflags);
    if (rc) {
        rp_input_close(&in);
        return rc;
    }
    if (orc) {
        rc = orc == -2 ? KAP_ENOMEM : kap_replay_report(r, in.error);
        rp_input_close(&in);
        if (rc == KAP_OK)
            rc = kap_replay_end(r, KAP_REPLAY_SOURCE_END);
        return rc;
    }
    if (in.kind == RP_PLAIN && in.size && !in.is_stdin) {
        /* a plain file: mapped, a window at a time (so the pages mapped stay
         * few), so its bytes are not copied once more */
        uint64_t end = length ? offset + length : in.size;
        if (end > in.size)
            end = in.size;
        uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), at = offset;
        while (rc == KAP_OK && at < end) {
            uint64_t start = at - at % page;
            size_t span = (size_t)(end - start < RP_MAP_WINDOW ? end - start : RP_MAP_WINDOW);
            void *map = mmap(NULL, span, PROT_READ, MAP_PRIVATE, in.fd, (off_t)start);
            if (map == MAP_FAILED) {
                char msg[160];
                snprintf(msg, sizeof msg, "cannot map at offset %llu: %s", (unsigned long long)start, strerror(errno));
                rc = kap_replay_report(r, msg);
                break;
            }
            madvise(map, span, MADV_SEQUENTIAL);
            rc = kap_replay_feed(r, (const char *)map + (at - start), (size_t)(start + span - at));
            munmap(map, span);
            at = start + span;
        }
        rp_input_close(&in);
        if (rc == KAP_OK)
            rc = kap_replay_end(r, end >= in.size ? KAP_REPLAY_SOURCE_END : 0);
        return rc;
    }
    if (offset || length) {
        /* a byte range: only of a plain file (an empty one has nothing in it) */
        if (in.is_stdin || in.kind != RP_PLAIN)
            rc = kap_replay_report(r, in.is_stdin ? "standard input has no byte ranges"
                                                  : "a compressed file is read whole, not from an offset");
        rp_input_close(&in);
        return rc == KAP_OK ? kap_replay_end(r, KAP_REPLAY_SOURCE_END) : rc;
    }
    unsigned char *buf = rp_malloc(RP_INPUT_BUF);
    if (!buf) {
        rp_input_close(&in);
        return KAP_ENOMEM;
    }
    ssize_t n;
    while (rc == KAP_OK && (n = rp_input_read(&in, buf, RP_INPUT_BUF)) > 0)
        rc = kap_replay_feed(r, buf, (size_t)n);
    if (rc == KAP_OK && in.error[0])
        rc = kap_replay_report(r, in.error);
    rp_free(buf);
    rp_input_close(&in);
    if (rc == KAP_OK)
        rc = kap_replay_end(r, KAP_REPLAY_SOURCE_END);
    return rc;
}
