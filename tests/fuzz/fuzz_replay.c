/* Fuzz target: bytes -> libkap-replay, with the properties it promises
 * checked on every input (it aborts when one fails):
 *  - fed in chunks of any size, the summary is the same;
 *  - cut in two anywhere and merged (also through bytes), the same again;
 *  - the bytes written are the bytes counted, and the written log, replayed
 *    again, is written again the same;
 *  - a summary loads back from its bytes unchanged.
 * The first byte picks the window, the cut and the chunk size. With its top
 * bit set, the rest is given to kap_replay_summary_load() instead (it must
 * refuse garbage, never crash).
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kap.h"

static const char POLICY[] =
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n"
    "- level: None\n  users: [\"system:kube-proxy\"]\n"
    "- level: Request\n  resources: [{group: \"\", resources: [configmaps]}]\n  omitManagedFields: true\n"
    "- level: Metadata\n  nonResourceURLs: [\"/api*\"]\n"
    "- level: RequestResponse\n  verbs: [create, update]\n  omitManagedFields: true\n"
    "- level: Metadata\n";
static const char OTHER[] = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n";

static kap_policy *policy, *other;

typedef struct sink {
    char *s;
    size_t len, cap;
} sink;

static int to_sink(void *ctx, const char *d, size_t n)
{
    sink *k = ctx;
    if (k->len + n > k->cap) {
        k->cap = (k->len + n) * 2;
        k->s = realloc(k->s, k->cap);
        if (!k->s)
            abort();
    }
    memcpy(k->s + k->len, d, n);
    k->len += n;
    return 0;
}

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_replay: %s\n", what);
        abort();
    }
}

static kap_replay_summary *replay(const kap_replay_options *o, const uint8_t *d, size_t a, size_t b,
                                  size_t chunk, sink *out, int begins, int ends)
{
    kap_replay *r;
    must(kap_replay_new(&r, policy, o) == KAP_OK, "new");
    if (out)
        kap_replay_set_output(r, to_sink, out);
    unsigned flags = begins ? KAP_REPLAY_SOURCE_START | KAP_REPLAY_STREAM_START : 0;
    must(kap_replay_begin(r, "fuzz", flags) == KAP_OK, "begin");
    for (size_t at = a; at < b; at += chunk)
        must(kap_replay_feed(r, d + at, b - at < chunk ? b - at : chunk) == KAP_OK, "feed");
    must(kap_replay_end(r, ends ? KAP_REPLAY_SOURCE_END : 0) == KAP_OK, "end");
    kap_replay_summary *s;
    must(kap_replay_take_summary(r, &s) == KAP_OK, "take");
    kap_replay_free(r);
    return s;
}

static void same(const kap_replay_summary *x, const kap_replay_summary *y, const char *what)
{
    void *a, *b;
    size_t an, bn;
    must(kap_replay_summary_save(x, &a, &an) == KAP_OK && kap_replay_summary_save(y, &b, &bn) == KAP_OK, "save");
    must(an == bn && memcmp(a, b, an) == 0, what);
    kap_replay_bytes_free(a);
    kap_replay_bytes_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!policy) {
        must(kap_policy_load_buffer(&policy, POLICY, sizeof POLICY - 1, NULL, NULL, NULL) == KAP_OK, "policy");
        must(kap_policy_load_buffer(&other, OTHER, sizeof OTHER - 1, NULL, NULL, NULL) == KAP_OK, "policy");
    }
    if (size < 1)
        return 0;
    uint8_t op = data[0];
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    if (op & 0x80) {
        kap_replay_summary *s = NULL;
        if (kap_replay_summary_load(&s, d, n) == KAP_OK) {
            char *t;
            must(kap_replay_summary_format(s, KAP_REPLAY_FORMAT_JSON, 3, &t, NULL) == KAP_OK, "format");
            kap_replay_bytes_free(t);
            must(kap_replay_summary_format(s, KAP_REPLAY_FORMAT_TABLE, 3, &t, NULL) == KAP_OK, "format");
            kap_replay_bytes_free(t);
            kap_replay_summary_free(s);
        }
        return 0;
    }
    kap_replay_options o;
    kap_replay_options_init(&o);
    o.window = 1 + (op & 7);
    o.max_line = 64 + (size_t)(op & 0x38) * 16;
    o.compare = op & 0x40 ? other : NULL;
    size_t chunk = 1 + (size_t)(op & 0x1f) * 7;
    size_t cut = n ? (size_t)((op * 2654435761u) % (n + 1)) : 0;

    sink w = {0};
    kap_replay_summary *whole = replay(&o, d, 0, n, n ? n : 1, &w, 1, 1);
    kap_replay_counts c;
    kap_replay_summary_counts(whole, &c);
    must(c.bytes_in == n, "bytes_in is the input's size");
    must(c.bytes_out == w.len, "bytes_out is what was written");
    kap_replay_summary *chunked = replay(&o, d, 0, n, chunk, NULL, 1, 1);
    same(whole, chunked, "chunked feeds give another summary");

    /* cut in two, merged directly and through bytes */
    sink wa = {0}, wb = {0}, wm = {0};
    kap_replay_summary *a = replay(&o, d, 0, cut, chunk, &wa, 1, 0);
    kap_replay_summary *b = replay(&o, d, cut, n, chunk, &wb, 0, 1);
    void *bytes;
    size_t blen;
    must(kap_replay_summary_save(b, &bytes, &blen) == KAP_OK, "save");
    kap_replay_summary *b2;
    must(kap_replay_summary_load(&b2, bytes, blen) == KAP_OK, "load back");
    same(b, b2, "a summary changed through its bytes");
    kap_replay_bytes_free(bytes);
    kap_replay *ctx;
    must(kap_replay_new(&ctx, policy, &o) == KAP_OK, "new");
    kap_replay_set_output(ctx, to_sink, &wm);
    must(kap_replay_merge(ctx, a, b2) == KAP_OK, "merge");
    same(whole, a, "a merge at a cut differs from the whole");
    /* the output: a's, then the line at the cut, then b's */
    must(wa.len + wm.len + wb.len == w.len, "written sizes");
    must((!wa.len || memcmp(w.s, wa.s, wa.len) == 0) && (!wm.len || memcmp(w.s + wa.len, wm.s, wm.len) == 0) &&
             (!wb.len || memcmp(w.s + wa.len + wm.len, wb.s, wb.len) == 0),
         "written bytes");

    /* the written log, replayed again, is written again the same (given
     * room for its lines: an event written at a lower level can be longer
     * than it was, "Request" becoming "Metadata", docs/replay.md) */
    o.compare = NULL;
    for (size_t i = 0, start = 0; i < w.len; i++)
        if (w.s[i] == '\n') {
            if (i - start > o.max_line)
                o.max_line = i - start;
            start = i + 1;
        }
    sink w2 = {0};
    kap_replay_summary *again = replay(&o, (const uint8_t *)w.s, 0, w.len, 4096, &w2, 1, 1);
    kap_replay_counts c2;
    kap_replay_summary_counts(again, &c2);
    must(w2.len == w.len && (w.len == 0 || memcmp(w.s, w2.s, w.len) == 0), "the written log is not stable");
    must(c2.bad_lines == 0 && c2.bytes_out == c2.bytes_in, "the written log replays with changes");

    kap_replay_free(ctx);
    kap_replay_summary_free(whole);
    kap_replay_summary_free(chunked);
    kap_replay_summary_free(a);
    kap_replay_summary_free(b);
    kap_replay_summary_free(b2);
    kap_replay_summary_free(again);
    free(w.s);
    free(wa.s);
    free(wb.s);
    free(wm.s);
    free(w2.s);
    return 0;
}
