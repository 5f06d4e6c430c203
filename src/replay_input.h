/* Reading audit logs, plain or compressed (internal).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_REPLAY_INPUT_H
#define KAP_REPLAY_INPUT_H

#include <sys/types.h>

#include "replay_internal.h"

#define RP_INPUT_BUF ((size_t)1 << 20)
#define RP_MAP_WINDOW ((uint64_t)16 << 20)

enum { RP_PLAIN, RP_GZIP, RP_ZSTD };

typedef struct rp_input {
    int fd, is_stdin, kind, failed, zstd_open;
    uint64_t size;        /* of a regular file; 0 when unknown */
    uint64_t raw;         /* bytes read from the file so far */
    unsigned char *cbuf;  /* bytes read, not yet used */
    size_t cpos, clen;
    struct rp_gz *gz;
    struct ZSTD_DCtx_s *zstd;
    char error[160];
} rp_input;

/* Opens path ("-": standard input) and detects its compression from its
 * first bytes. 0, -1 (in->error says why) or -2 out of memory;
 * rp_input_close() in every case. */
RP_HIDDEN int rp_input_open(rp_input *in, const char *path);
/* Up to cap decompressed bytes; 0 at the end, -1 on an error (in->error). */
RP_HIDDEN ssize_t rp_input_read(rp_input *in, void *buf, size_t cap);
RP_HIDDEN void rp_input_close(rp_input *in);

#endif
