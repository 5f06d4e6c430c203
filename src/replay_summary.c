/* Replay summaries as bytes (to send them between processes and merge
 * them elsewhere) and as text (a table for people, JSON for programs).
 * Both are canonical: maps are written in byte order of their keys, so
 * equal summaries give equal bytes, however the log was cut.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_summary.h"

#define MAGIC "KAPRS\x01"
#define MAGIC_LEN 6

/* ---- writing -------------------------------------------------------------- */

static void put_u(rp_buf *b, uint64_t v)
{
    unsigned char x[10];
    size_t n = 0;
    do {
        x[n] = (unsigned char)(v & 0x7F);
        v >>= 7;
        if (v)
            x[n] |= 0x80;
        n++;
    } while (v);
    rp_buf_add(b, x, n);
}

static void put_i(rp_buf *b, int64_t v)
{
    put_u(b, ((uint64_t)v << 1) ^ ((uint64_t)0 - ((uint64_t)v >> 63)));
}

static void put_s(rp_buf *b, const char *s, size_t n)
{
    put_u(b, n);
    rp_buf_add(b, s, n);
}

static void put_rules(rp_buf *b, const rp_rules *r)
{
    put_u(b, r->n);
    rp_buf_add(b, &r->fingerprint, sizeof r->fingerprint);
    for (size_t i = 0; i <= r->n; i++) {
        put_u(b, r->line[i]);
        put_u(b, (uint64_t)r->dec[i].level);
        put_u(b, r->dec[i].omit_stages);
        put_u(b, (uint64_t)r->dec[i].omit_managed_fields);
        put_i(b, r->dec[i].rule);
    }
}

static void put_frag(rp_buf *b, const rp_frag *f)
{
    put_u(b, f->len);
    put_s(b, f->bytes.s ? f->bytes.s : "", f->bytes.len);
}

static void put_stats(rp_buf *b, const rp_rule_stats *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put_u(b, s[i].requests);
        put_u(b, s[i].events);
        put_u(b, s[i].bytes_in);
        put_u(b, s[i].bytes_out);
    }
}

static int put_top(rp_buf *b, const rp_map *m)
{
    rp_entry **v = rp_map_sorted(m);
    if (m->n && !v)
        return -1;
    put_u(b, m->n);
    for (size_t i = 0; i < m->n; i++) {
        const rp_top *t = rp_val(v[i]);
        put_s(b, rp_key(v[i]), v[i]->klen);
        put_u(b, t->bytes_out);
        put_u(b, t->bytes_in);
        put_u(b, t->events);
    }
    rp_free(v);
    return 0;
}

int kap_replay_summary_save(const kap_replay_summary *s, void **out, size_t *len)
{
    if (!s || !out || !len)
        return KAP_EARG;
    *out = NULL;
    *len = 0;
    rp_buf b = {0};
    rp_buf_add(&b, MAGIC, MAGIC_LEN);
    put_u(&b, s->window);
    put_u(&b, s->max_line);
    put_u(&b, (uint64_t)s->has_compare);
    put_rules(&b, &s->rules_a);
    if (s->has_compare)
        put_rules(&b, &s->rules_b);
    put_u(&b, (uint64_t)s->stream_start);
    put_u(&b, (uint64_t)s->lead_state);
    put_u(&b, (uint64_t)s->lead_nl);
    put_frag(&b, &s->lead);
    put_frag(&b, &s->tail);
    put_u(&b, s->n_pieces);
    for (size_t i = 0; i < s->n_pieces; i++) {
        put_s(&b, s->pieces[i].name, strlen(s->pieces[i].name));
        put_u(&b, (uint64_t)s->pieces[i].begins);
        put_u(&b, (uint64_t)s->pieces[i].ends);
        put_u(&b, s->pieces[i].lines);
    }
    uint64_t counts[] = {s->n, s->requests, s->bad, s->bytes_in, s->bytes_out, s->bytes_out_b, s->events_kept,
                         s->events_kept_b, s->diff_requests, (uint64_t)s->keys_truncated};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        put_u(&b, counts[i]);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            put_u(&b, s->matrix[i][j]);
    for (int i = 0; i < 4; i++)
        put_u(&b, s->levels_b[i]);
    put_stats(&b, s->stats_a, s->rules_a.n + 1);
    if (s->has_compare)
        put_stats(&b, s->stats_b, s->rules_b.n + 1);
    int rc = put_top(&b, &s->users) | put_top(&b, &s->resources) | put_top(&b, &s->verbs);
    /* groups of differing decisions, those still counting, in key order;
     * head entries refer to them by that order */
    rp_entry **gv = rp_map_sorted(&s->groups);
    int *gidx = s->groups.n ? rp_malloc(s->groups.n * sizeof *gidx) : NULL;
    if (s->groups.n && (!gv || !gidx))
        rc = -1;
    size_t ng = 0;
    for (size_t i = 0; !rc && i < s->groups.n; i++) {
        const rp_group *g = rp_val(gv[i]);
        size_t at = (size_t)((unsigned char *)gv[i] - s->groups.ents) / s->groups.esize;
        gidx[at] = g->requests ? (int)ng++ : -1;
    }
    put_u(&b, ng);
    for (size_t i = 0; !rc && i < s->groups.n; i++) {
        const rp_group *g = rp_val(gv[i]);
        if (!g->requests)
            continue;
        put_s(&b, rp_key(gv[i]), gv[i]->klen);
        put_u(&b, g->requests);
        int ne = 0;
        while (ne < RP_EXAMPLES && g->ex[ne])
            ne++;
        put_u(&b, (uint64_t)ne);
        for (int k = 0; k < ne; k++)
            put_s(&b, g->ex[k], strlen(g->ex[k]));
    }
    rp_free(gv);
    rp_entry **ov = rp_map_sorted(&s->open);
    if (s->open.n && !ov)
        rc = -1;
    put_u(&b, s->open.n);
    for (size_t i = 0; !rc && i < s->open.n; i++) {
        put_s(&b, rp_key(ov[i]), ov[i]->klen);
        put_u(&b, ((const rp_open *)rp_val(ov[i]))->last);
    }
    rp_free(ov);
    rp_entry **hv = rp_map_sorted(&s->head);
    if (s->head.n && !hv)
        rc = -1;
    put_u(&b, s->head.n);
    for (size_t i = 0; !rc && i < s->head.n; i++) {
        const rp_head *h = rp_val(hv[i]);
        put_s(&b, rp_key(hv[i]), hv[i]->klen);
        put_u(&b, h->pos);
        put_u(&b, h->kind);
        put_u(&b, h->rec);
        put_i(&b, h->rule_a);
        put_i(&b, h->rule_b);
        put_i(&b, h->group >= 0 ? gidx[h->group] : -1);
    }
    rp_free(hv);
    rp_free(gidx);
    put_u(&b, s->n_bads);
    for (size_t i = 0; i < s->n_bads; i++) {
        put_u(&b, s->bads[i].piece);
        put_u(&b, s->bads[i].line_rel);
        put_s(&b, s->bads[i].msg, strlen(s->bads[i].msg));
    }
    if (rc || b.oom) {
        rp_buf_free(&b);
        return KAP_ENOMEM;
    }
    *out = b.s;
    *len = b.len;
    return KAP_OK;
}

void kap_replay_bytes_free(void *p)
{
    rp_free(p);
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct rd {
    const unsigned char *p, *end;
    int bad;
} rd;

static uint64_t get_u(rd *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->bad = 1;
            return 0;
        }
        unsigned char c = *r->p++;
        v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80))
            return v;
    }
    r->bad = 1;
    return 0;
}

static int64_t get_i(rd *r)
{
    uint64_t u = get_u(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static const char *get_s(rd *r, size_t *n)
{
    uint64_t len = get_u(r);
    if (r->bad || len > (uint64_t)(r->end - r->p)) {
        r->bad = 1;
        *n = 0;
        return "";
    }
    const char *s = (const char *)r->p;
    r->p += len;
    *n = (size_t)len;
    return s;
}

static uint64_t get_max(rd *r, uint64_t max)
{
    uint64_t v = get_u(r);
    if (v > max)
        r->bad = 1;
    return r->bad ? 0 : v;
}

static int get_rules(rd *r, rp_rules *x)
{
    /* each rule takes at least 6 bytes: a count beyond the bytes left is a lie */
    uint64_t n = get_max(r, (uint64_t)(r->end - r->p) / 6);
    if (r->bad)
        return -1;
    x->n = (size_t)n;
    if ((size_t)(r->end - r->p) < sizeof x->fingerprint)
        return r->bad = 1, -1;
    memcpy(&x->fingerprint, r->p, sizeof x->fingerprint);
    r->p += sizeof x->fingerprint;
    x->line = rp_calloc(x->n + 1, sizeof *x->line);
    x->dec = rp_calloc(x->n + 1, sizeof *x->dec);
    if (!x->line || !x->dec)
        return -2;
    for (size_t i = 0; i <= x->n; i++) {
        x->line[i] = (unsigned)get_max(r, UINT32_MAX);
        x->dec[i].level = (kap_level)get_max(r, 3);
        x->dec[i].omit_stages = (unsigned)get_max(r, 15);
        x->dec[i].omit_managed_fields = (int)get_max(r, 1);
        int64_t rule = get_i(r);
        if (rule < -1 || rule >= (int64_t)x->n)
            r->bad = 1;
        x->dec[i].rule = (int)rule;
    }
    return r->bad ? -1 : 0;
}

static int get_frag(rd *r, rp_frag *f, uint64_t max)
{
    f->len = get_u(r);
    size_t n;
    const char *s = get_s(r, &n);
    if (r->bad || (f->len <= max ? n != f->len : n != 0))
        return r->bad = 1, -1;
    rp_buf_add(&f->bytes, s, n);
    return f->bytes.oom ? -2 : 0;
}

static void get_stats(rd *r, rp_rule_stats *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s[i].requests = get_u(r);
        s[i].events = get_u(r);
        s[i].bytes_in = get_u(r);
        s[i].bytes_out = get_u(r);
    }
}

/* Keys in strictly increasing byte order: a canonical summary's. */
static int key_after(const char *prev, size_t pn, const char *k, size_t kn, size_t i)
{
    if (i == 0)
        return 1;
    size_t m = pn < kn ? pn : kn;
    int c = memcmp(prev, k, m);
    return c < 0 || (c == 0 && pn < kn);
}

static int get_top(rd *r, rp_map *m)
{
    uint64_t n = get_max(r, (uint64_t)(r->end - r->p) / 4);
    const char *prev = NULL;
    size_t pn = 0;
    for (uint64_t i = 0; !r->bad && i < n; i++) {
        size_t kn;
        const char *k = get_s(r, &kn);
        if (!key_after(prev, pn, k, kn, (size_t)i))
            return r->bad = 1, -1;
        rp_entry *e = rp_map_upsert(m, k, kn, rp_hash(k, kn), NULL);
        if (!e)
            return -2;
        rp_top *t = rp_val(e);
        t->bytes_out = get_u(r);
        t->bytes_in = get_u(r);
        t->events = get_u(r);
        prev = k;
        pn = kn;
    }
    return r->bad ? -1 : 0;
}

/* A group key as group_add() writes it: has_user, user, verb, what, what's
 * length, two decisions. */
static int group_key_ok(const char *k, size_t n)
{
    uint32_t un, vn, wn;
    if (n < 1 + 4 + 4 + 4 + 6 || (unsigned char)k[0] > 1)
        return 0;
    memcpy(&un, k + 1, 4);
    if (un > n - 19)
        return 0;
    size_t off = 5 + un;
    memcpy(&vn, k + off, 4);
    if (vn > n - 19 - un)
        return 0;
    off += 4 + vn;
    memcpy(&wn, k + n - 10, 4);
    if (off + wn != n - 10)
        return 0;
    const unsigned char *d = (const unsigned char *)k + n - 6;
    return d[0] <= 3 && d[1] <= 15 && d[2] <= 1 && d[3] <= 3 && d[4] <= 15 && d[5] <= 1;
}

static int load(rd *r, kap_replay_summary **out)
{
    rp_rules a = {0}, b = {0};
    kap_replay_summary *s = NULL;
    int rc = -1;
    uint64_t window = get_u(r), max_line = get_u(r), has_b = get_max(r, 1);
    if (r->bad || window == 0 || max_line == 0 || max_line > SIZE_MAX)
        goto out;
    if ((rc = get_rules(r, &a)) != 0 || (has_b && (rc = get_rules(r, &b)) != 0))
        goto out;
    rc = -2;
    if (!(s = rp_summary_new(&a, has_b ? &b : NULL, window, max_line)))
        goto out;
    s->stream_start = (int)get_max(r, 1);
    s->lead_state = (int)get_max(r, 2);
    s->lead_nl = (int)get_max(r, 1);
    if ((rc = get_frag(r, &s->lead, max_line)) || (rc = get_frag(r, &s->tail, max_line)))
        goto out;
    uint64_t np = get_max(r, (uint64_t)(r->end - r->p) / 4);
    for (uint64_t i = 0; !r->bad && i < np; i++) {
        size_t nn;
        const char *name = get_s(r, &nn);
        if (memchr(name, 0, nn)) {
            r->bad = 1;
            break;
        }
        if (s->n_pieces == s->cap_pieces) {
            size_t cap = s->cap_pieces ? s->cap_pieces * 2 : 4;
            rp_piece *p = rp_realloc(s->pieces, cap * sizeof *p);
            if (!p)
                goto oom;
            s->pieces = p;
            s->cap_pieces = cap;
        }
        rp_piece *p = &s->pieces[s->n_pieces];
        if (!(p->name = rp_strndup(name, nn)))
            goto oom;
        s->n_pieces++;
        p->begins = (int)get_max(r, 1);
        p->ends = (int)get_max(r, 1);
        p->lines = get_u(r);
    }
    uint64_t *counts[] = {&s->n, &s->requests, &s->bad, &s->bytes_in, &s->bytes_out, &s->bytes_out_b,
                          &s->events_kept, &s->events_kept_b, &s->diff_requests};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        *counts[i] = get_u(r);
    s->keys_truncated = (int)get_max(r, 1);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            s->matrix[i][j] = get_u(r);
    for (int i = 0; i < 4; i++)
        s->levels_b[i] = get_u(r);
    get_stats(r, s->stats_a, s->rules_a.n + 1);
    if (has_b)
        get_stats(r, s->stats_b, s->rules_b.n + 1);
    if ((rc = get_top(r, &s->users)) || (rc = get_top(r, &s->resources)) || (rc = get_top(r, &s->verbs)))
        goto out;
    uint64_t ng = get_max(r, (uint64_t)(r->end - r->p) / 3);
    const char *prev = NULL;
    size_t pn = 0;
    for (uint64_t i = 0; !r->bad && i < ng; i++) {
        size_t kn;
        const char *k = get_s(r, &kn);
        if (!key_after(prev, pn, k, kn, (size_t)i) || !group_key_ok(k, kn)) {
            r->bad = 1;
            break;
        }
        rp_entry *e = rp_map_upsert(&s->groups, k, kn, rp_hash(k, kn), NULL);
        if (!e)
            goto oom;
        rp_group *g = rp_val(e);
        g->requests = get_u(r);
        uint64_t ne = get_max(r, RP_EXAMPLES);
        for (uint64_t x = 0; !r->bad && x < ne; x++) {
            size_t en;
            const char *ex = get_s(r, &en);
            if (!(g->ex[x] = rp_strndup(ex, en)))
                goto oom;
        }
        prev = k;
        pn = kn;
    }
    uint64_t no = get_max(r, (uint64_t)(r->end - r->p) / 2);
    prev = NULL;
    for (uint64_t i = 0; !r->bad && i < no; i++) {
        size_t kn;
        const char *k = get_s(r, &kn);
        uint64_t last = get_u(r);
        if (!key_after(prev, pn, k, kn, (size_t)i) || last >= s->n) {
            r->bad = 1;
            break;
        }
        rp_entry *e = rp_map_upsert(&s->open, k, kn, rp_hash(k, kn), NULL);
        if (!e)
            goto oom;
        ((rp_open *)rp_val(e))->last = last;
        prev = k;
        pn = kn;
    }
    uint64_t nh = get_max(r, (uint64_t)(r->end - r->p) / 7);
    prev = NULL;
    for (uint64_t i = 0; !r->bad && i < nh; i++) {
        size_t kn;
        const char *k = get_s(r, &kn);
        if (!key_after(prev, pn, k, kn, (size_t)i)) {
            r->bad = 1;
            break;
        }
        rp_entry *e = rp_map_upsert(&s->head, k, kn, rp_hash(k, kn), NULL);
        if (!e)
            goto oom;
        rp_head *h = rp_val(e);
        h->pos = get_u(r);
        h->kind = (uint8_t)get_max(r, 1);
        h->rec = (uint8_t)get_max(r, 3);
        int64_t ra = get_i(r), rb = get_i(r), g = get_i(r);
        if (h->pos >= s->n || h->pos >= window || ra < 0 || ra > (int64_t)s->rules_a.n ||
            (has_b ? (rb < 0 || rb > (int64_t)s->rules_b.n) : rb != -1) || g < -1 || g >= (int64_t)s->groups.n)
            r->bad = 1;
        h->rule_a = (int32_t)ra;
        h->rule_b = (int32_t)rb;
        h->group = (int32_t)g;
        prev = k;
        pn = kn;
    }
    uint64_t nb = get_max(r, RP_MAX_BAD);
    if (!r->bad && nb && !(s->bads = rp_calloc(RP_MAX_BAD, sizeof *s->bads)))
        goto oom;
    for (uint64_t i = 0; !r->bad && i < nb; i++) {
        rp_bad *x = &s->bads[i];
        x->piece = (uint32_t)get_max(r, s->n_pieces ? s->n_pieces - 1 : 0);
        x->line_rel = get_u(r);
        size_t mn;
        const char *m = get_s(r, &mn);
        if (!(x->msg = rp_strndup(m, mn)))
            goto oom;
        s->n_bads++;
    }
    if (!r->bad && (r->p != r->end || s->n_bads > s->bad || (s->n_pieces == 0 && s->n_bads)))
        r->bad = 1;
    rc = r->bad ? -1 : 0;
    goto out;
oom:
    rc = -2;
out:
    rp_rules_free(&a);
    rp_rules_free(&b);
    if (rc) {
        kap_replay_summary_free(s);
        return rc == -2 ? KAP_ENOMEM : KAP_EPARSE;
    }
    *out = s;
    return KAP_OK;
}

int kap_replay_summary_load(kap_replay_summary **out, const void *data, size_t len)
{
    if (!out || (!data && len))
        return KAP_EARG;
    *out = NULL;
    if (len < MAGIC_LEN || memcmp(data, MAGIC, MAGIC_LEN) != 0)
        return KAP_EPARSE;
    rd r = {(const unsigned char *)data + MAGIC_LEN, (const unsigned char *)data + len, 0};
    return load(&r, out);
}

/* ---- counts -------------------------------------------------------------------- */

int kap_replay_summary_counts(const kap_replay_summary *s, kap_replay_counts *o)
{
    if (!s || !o)
        return KAP_EARG;
    memset(o, 0, sizeof *o);
    o->events = s->n;
    o->requests = s->requests;
    o->bad_lines = s->bad;
    o->bytes_in = s->bytes_in;
    o->bytes_out = s->bytes_out;
    o->events_kept = s->events_kept;
    o->open_requests = s->open.n;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            o->levels[i] += s->matrix[i][j];
            o->recorded[j] += s->matrix[i][j];
            if (i > j)
                o->under_recorded += s->matrix[i][j];
        }
    return KAP_OK;
}

/* ---- text ------------------------------------------------------------------------- */

static const char *const LEVELS[] = {"None", "Metadata", "Request", "RequestResponse"};
static const char *const STAGES[] = {"RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"};

/* A group's examples as shown: those kept, and the auditIDs of s's orphans
 * in that group, which stay out of the kept ones until a merge settles
 * them (a summary that starts the stream has none). */
typedef struct example {
    const char *p;
    size_t n;
} example;

static int shown_examples(const kap_replay_summary *s, const rp_entry *ge, example ex[RP_EXAMPLES])
{
    const rp_group *gr = rp_val((rp_entry *)ge);
    int n = 0;
    for (; n < RP_EXAMPLES && gr->ex[n]; n++)
        ex[n] = (example){gr->ex[n], strlen(gr->ex[n])};
    int32_t gi = (int32_t)((size_t)((const unsigned char *)ge - s->groups.ents) / s->groups.esize);
    for (size_t i = 0; i < s->head.n; i++) {
        const rp_entry *e = rp_map_at(&s->head, i);
        const rp_head *h = rp_val((rp_entry *)e);
        if (h->kind != RP_HEAD_ORPHAN || h->group != gi)
            continue;
        const char *id = rp_key(e);
        size_t idn = e->klen;
        int at = 0, dup = 0;
        for (; at < n; at++) {
            int c = rp_id_cmp(id, idn, ex[at].p, ex[at].n);
            dup = c == 0;
            if (c <= 0)
                break;
        }
        if (dup || at == RP_EXAMPLES)
            continue;
        memmove(&ex[at + 1], &ex[at], (size_t)((n < RP_EXAMPLES ? n : RP_EXAMPLES - 1) - at) * sizeof ex[0]);
        ex[at] = (example){id, idn};
        if (n < RP_EXAMPLES)
            n++;
    }
    return n;
}

typedef struct ranked {
    const rp_entry *e;
    uint64_t v;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    size_t m = x->e->klen < y->e->klen ? x->e->klen : y->e->klen;
    int c = memcmp(rp_key(x->e), rp_key(y->e), m);
    if (c)
        return c;
    return x->e->klen < y->e->klen ? -1 : x->e->klen > y->e->klen;
}

/* The map's entries, largest value first (ties in key order). */
static ranked *rank(const rp_map *m, int groups)
{
    if (!m->n)
        return NULL;
    ranked *v = rp_malloc(m->n * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < m->n; i++) {
        v[i].e = rp_map_at(m, i);
        v[i].v = groups ? ((const rp_group *)rp_val((rp_entry *)v[i].e))->requests
                        : ((const rp_top *)rp_val((rp_entry *)v[i].e))->bytes_out;
    }
    qsort(v, m->n, sizeof *v, cmp_ranked);
    return v;
}

/* A "what" key ('R' group \x1f resource \x1f subresource, or 'N' path) as
 * shown: group/resource/subresource (no group: the core group), or the path. */
static void what_text(rp_buf *b, const char *k, size_t n)
{
    if (n == 0)
        return;
    if (k[0] == 'N') {
        rp_buf_add(b, k + 1, n - 1);
        return;
    }
    const char *end = k + n, *g = k + 1;
    const char *s1 = memchr(g, '\x1f', (size_t)(end - g));
    if (!s1) {
        rp_buf_add(b, g, (size_t)(end - g));
        return;
    }
    const char *res = s1 + 1;
    const char *s2 = memchr(res, '\x1f', (size_t)(end - res));
    const char *sub = s2 ? s2 + 1 : end;
    if (s1 > g) {
        rp_buf_add(b, g, (size_t)(s1 - g));
        rp_buf_addc(b, '/');
    }
    rp_buf_add(b, res, (size_t)((s2 ? s2 : end) - res));
    if (sub < end) {
        rp_buf_addc(b, '/');
        rp_buf_add(b, sub, (size_t)(end - sub));
    }
}

typedef struct gkey {
    int has_user;
    const char *user, *verb, *what;
    uint32_t un, vn, wn;
    kap_decision a, b;
} gkey;

static void gkey_parse(const rp_entry *e, gkey *g)
{
    const char *k = rp_key(e);
    size_t off = 0;
    g->has_user = (unsigned char)k[off++];
    memcpy(&g->un, k + off, 4);
    off += 4;
    g->user = k + off;
    off += g->un;
    memcpy(&g->vn, k + off, 4);
    off += 4;
    g->verb = k + off;
    off += g->vn;
    size_t wl_at = e->klen - 6 - 4;
    memcpy(&g->wn, k + wl_at, 4);
    g->what = k + off;
    const unsigned char *d = (const unsigned char *)k + e->klen - 6;
    g->a.level = (kap_level)d[0];
    g->a.omit_stages = d[1];
    g->a.omit_managed_fields = d[2];
    g->b.level = (kap_level)d[3];
    g->b.omit_stages = d[4];
    g->b.omit_managed_fields = d[5];
}

static void json_decision(rp_buf *b, const kap_decision *d)
{
    rp_buf_printf(b, "{\"level\":\"%s\",\"omitStages\":[", LEVELS[d->level & 3]);
    int first = 1;
    /* byte order of the names, as formats.md */
    static const int order[] = {3, 0, 2, 1};
    for (int i = 0; i < 4; i++)
        if (d->omit_stages & (1u << order[i])) {
            rp_buf_printf(b, "%s\"%s\"", first ? "" : ",", STAGES[order[i]]);
            first = 0;
        }
    rp_buf_printf(b, "],\"omitManagedFields\":%s}", d->omit_managed_fields ? "true" : "false");
}

/* A decision of the compare table: its level, and where the two sides
 * differ in them, its omitted stages and omitManagedFields. */
static void text_decision(rp_buf *b, const kap_decision *d, const kap_decision *other)
{
    rp_buf_printf(b, "%s", LEVELS[d->level & 3]);
    if (d->omit_stages != other->omit_stages) {
        rp_buf_printf(b, " (omitStages:");
        int first = 1;
        for (int i = 0; i < 4; i++)
            if (d->omit_stages & (1u << i)) {
                rp_buf_printf(b, "%s%s", first ? " " : ",", STAGES[i]);
                first = 0;
            }
        rp_buf_printf(b, "%s)", first ? " none" : "");
    }
    /* where either level writes no body, the levels say it all */
    if (!d->omit_managed_fields != !other->omit_managed_fields && d->level >= KAP_LEVEL_REQUEST &&
        other->level >= KAP_LEVEL_REQUEST)
        rp_buf_printf(b, " (omitManagedFields: %s)", d->omit_managed_fields ? "true" : "false");
}

static void json_rules(rp_buf *b, const rp_rules *r, const rp_rule_stats *st)
{
    rp_buf_adds(b, "[");
    for (size_t i = 0; i <= r->n; i++) {
        rp_buf_printf(b,
                      "%s{\"rule\":%d,\"line\":%u,\"level\":\"%s\",\"requests\":%llu,\"events\":%llu,"
                      "\"bytes_in\":%llu,\"bytes\":%llu}",
                      i ? "," : "", i < r->n ? (int)i : -1, r->line[i], LEVELS[r->dec[i].level & 3],
                      (unsigned long long)st[i].requests, (unsigned long long)st[i].events,
                      (unsigned long long)st[i].bytes_in, (unsigned long long)st[i].bytes_out);
    }
    rp_buf_adds(b, "]");
}

static void json_unused(rp_buf *b, const rp_rules *r, const rp_rule_stats *st)
{
    rp_buf_adds(b, "[");
    int first = 1;
    for (size_t i = 0; i < r->n; i++)
        if (!st[i].events) {
            rp_buf_printf(b, "%s%zu", first ? "" : ",", i);
            first = 0;
        }
    rp_buf_adds(b, "]");
}

static int json_top(rp_buf *b, const rp_map *m, const char *name, size_t top, int kind)
{
    ranked *v = rank(m, 0);
    if (m->n && !v)
        return -1;
    rp_buf_printf(b, ",\"%s\":[", name);
    rp_buf tmp = {0};
    for (size_t i = 0; i < m->n && i < top; i++) {
        const rp_top *t = rp_val((rp_entry *)v[i].e);
        const char *k = rp_key(v[i].e);
        size_t n = v[i].e->klen;
        rp_buf_printf(b, "%s{\"%s\":", i ? "," : "", kind == 0 ? "user" : kind == 1 ? "resource" : "verb");
        if (kind == 0) {
            if (n && k[0] == 0)
                rp_buf_adds(b, "null");
            else
                rp_buf_json(b, k + 1, n ? n - 1 : 0);
        } else if (kind == 1) {
            tmp.len = 0;
            what_text(&tmp, k, n);
            rp_buf_json(b, tmp.s ? tmp.s : "", tmp.len);
        } else {
            rp_buf_json(b, k, n);
        }
        rp_buf_printf(b, ",\"events\":%llu,\"bytes_in\":%llu,\"bytes\":%llu}", (unsigned long long)t->events,
                      (unsigned long long)t->bytes_in, (unsigned long long)t->bytes_out);
    }
    rp_buf_adds(b, "]");
    rp_buf_free(&tmp);
    rp_free(v);
    return 0;
}

static const char *piece_name(const kap_replay_summary *s, uint32_t i)
{
    return i < s->n_pieces ? s->pieces[i].name : "";
}

/* A piece's first line number: 1 when it begins its source (or the count
 * of the lines before it in the same source, when earlier pieces of it
 * are in the summary). */
static uint64_t piece_line0(const kap_replay_summary *s, uint32_t i)
{
    uint64_t base = 0;
    while (i > 0 && !s->pieces[i].begins && !s->pieces[i - 1].ends && strcmp(s->pieces[i - 1].name, s->pieces[i].name) == 0) {
        base += s->pieces[i - 1].lines;
        i--;
    }
    return base;
}

static void levels_json(rp_buf *b, const uint64_t *v)
{
    rp_buf_printf(b, "{\"None\":%llu,\"Metadata\":%llu,\"Request\":%llu,\"RequestResponse\":%llu}",
                  (unsigned long long)v[0], (unsigned long long)v[1], (unsigned long long)v[2],
                  (unsigned long long)v[3]);
}

static int format_json(const kap_replay_summary *s, size_t top, rp_buf *b)
{
    kap_replay_counts c;
    kap_replay_summary_counts(s, &c);
    rp_buf_printf(b,
                  "{\"events\":%llu,\"requests\":%llu,\"bad_lines\":%llu,\"bytes_in\":%llu,\"bytes_out\":%llu,"
                  "\"events_kept\":%llu,\"open_requests\":%llu,\"levels\":",
                  (unsigned long long)c.events, (unsigned long long)c.requests, (unsigned long long)c.bad_lines,
                  (unsigned long long)c.bytes_in, (unsigned long long)c.bytes_out,
                  (unsigned long long)c.events_kept, (unsigned long long)c.open_requests);
    levels_json(b, c.levels);
    rp_buf_adds(b, ",\"recorded_levels\":");
    levels_json(b, c.recorded);
    rp_buf_printf(b, ",\"under_recorded\":%llu,\"level_changes\":[", (unsigned long long)c.under_recorded);
    int first = 1;
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < 4; i++)
            if (s->matrix[i][j]) {
                rp_buf_printf(b, "%s{\"recorded\":\"%s\",\"level\":\"%s\",\"requests\":%llu}", first ? "" : ",",
                              LEVELS[j], LEVELS[i], (unsigned long long)s->matrix[i][j]);
                first = 0;
            }
    rp_buf_adds(b, "],\"rules\":");
    json_rules(b, &s->rules_a, s->stats_a);
    rp_buf_adds(b, ",\"unused_rules\":");
    json_unused(b, &s->rules_a, s->stats_a);
    if (json_top(b, &s->users, "top_users", top, 0) || json_top(b, &s->resources, "top_resources", top, 1) ||
        json_top(b, &s->verbs, "top_verbs", top, 2))
        return -1;
    rp_buf_printf(b, ",\"top_truncated\":%s,\"bad\":[", s->keys_truncated ? "true" : "false");
    for (size_t i = 0; i < s->n_bads; i++) {
        const rp_bad *x = &s->bads[i];
        rp_buf_printf(b, "%s{\"source\":", i ? "," : "");
        const char *nm = piece_name(s, x->piece);
        rp_buf_json(b, nm, strlen(nm));
        rp_buf_printf(b, ",\"line\":%llu,\"error\":", (unsigned long long)piece_line0(s, x->piece) + x->line_rel + 1);
        rp_buf_json(b, x->msg, strlen(x->msg));
        rp_buf_adds(b, "}");
    }
    rp_buf_adds(b, "]");
    if (s->has_compare) {
        uint64_t lb[4];
        memcpy(lb, s->levels_b, sizeof lb);
        rp_buf_printf(b, ",\"compare\":{\"bytes_out\":%llu,\"events_kept\":%llu,\"levels\":",
                      (unsigned long long)s->bytes_out_b, (unsigned long long)s->events_kept_b);
        levels_json(b, lb);
        rp_buf_adds(b, ",\"rules\":");
        json_rules(b, &s->rules_b, s->stats_b);
        rp_buf_adds(b, ",\"unused_rules\":");
        json_unused(b, &s->rules_b, s->stats_b);
        ranked *v = rank(&s->groups, 1);
        if (s->groups.n && !v)
            return -1;
        size_t live = 0;
        for (size_t i = 0; i < s->groups.n; i++)
            live += v[i].v > 0;
        rp_buf_printf(b, ",\"differences\":%llu,\"groups\":%zu,\"differing\":[",
                      (unsigned long long)s->diff_requests, live);
        rp_buf tmp = {0};
        for (size_t i = 0; i < s->groups.n && i < top && v[i].v; i++) {
            gkey g;
            gkey_parse(v[i].e, &g);
            const rp_group *gr = rp_val((rp_entry *)v[i].e);
            rp_buf_printf(b, "%s{\"user\":", i ? "," : "");
            if (g.has_user)
                rp_buf_json(b, g.user, g.un);
            else
                rp_buf_adds(b, "null");
            rp_buf_adds(b, ",\"verb\":");
            rp_buf_json(b, g.verb, g.vn);
            rp_buf_adds(b, ",\"resource\":");
            tmp.len = 0;
            what_text(&tmp, g.what, g.wn);
            rp_buf_json(b, tmp.s ? tmp.s : "", tmp.len);
            rp_buf_printf(b, ",\"requests\":%llu,\"policy\":", (unsigned long long)gr->requests);
            json_decision(b, &g.a);
            rp_buf_adds(b, ",\"other\":");
            json_decision(b, &g.b);
            rp_buf_adds(b, ",\"examples\":[");
            example ex[RP_EXAMPLES];
            int nex = shown_examples(s, v[i].e, ex);
            for (int k = 0; k < nex; k++) {
                if (k)
                    rp_buf_addc(b, ',');
                rp_buf_json(b, ex[k].p, ex[k].n);
            }
            rp_buf_adds(b, "]}");
        }
        rp_buf_free(&tmp);
        rp_free(v);
        rp_buf_adds(b, "]}");
    }
    rp_buf_adds(b, "}\n");
    return 0;
}

/* ---- the table ---------------------------------------------------------------------- */

static void human_bytes(char *out, size_t n, uint64_t v)
{
    if (v < 10000)
        snprintf(out, n, "%llu B", (unsigned long long)v);
    else if (v < 1000000)
        snprintf(out, n, "%.1f kB", (double)v / 1e3);
    else if (v < 1000000000ULL)
        snprintf(out, n, "%.1f MB", (double)v / 1e6);
    else
        snprintf(out, n, "%.1f GB", (double)v / 1e9);
}

static double pct(uint64_t a, uint64_t b)
{
    return b ? 100.0 * (double)a / (double)b : 0.0;
}

static void table_rules(rp_buf *b, const rp_rules *r, const rp_rule_stats *st)
{
    rp_buf_adds(b, "rule  line  level            requests     events    bytes kept\n");
    for (size_t i = 0; i <= r->n; i++) {
        char kept[32];
        human_bytes(kept, sizeof kept, st[i].bytes_out);
        if (i < r->n)
            rp_buf_printf(b, "%4zu  %4u", i, r->line[i]);
        else
            rp_buf_adds(b, "none     -");
        rp_buf_printf(b, "  %-15s %9llu  %9llu  %12s\n", LEVELS[r->dec[i].level & 3],
                      (unsigned long long)st[i].requests, (unsigned long long)st[i].events, kept);
    }
    int first = 1;
    for (size_t i = 0; i < r->n; i++)
        if (!st[i].events) {
            rp_buf_printf(b, "%s%zu (line %u)", first ? "rules that decided nothing: " : ", ", i, r->line[i]);
            first = 0;
        }
    rp_buf_adds(b, first ? "every rule decided some request\n" : "\n");
}

static int table_top(rp_buf *b, const rp_map *m, const char *title, size_t top, int kind)
{
    ranked *v = rank(m, 0);
    if (m->n && !v)
        return -1;
    rp_buf_printf(b, "\ntop %s by bytes kept\n", title);
    rp_buf tmp = {0};
    for (size_t i = 0; i < m->n && i < top; i++) {
        const rp_top *t = rp_val((rp_entry *)v[i].e);
        const char *k = rp_key(v[i].e);
        size_t n = v[i].e->klen;
        tmp.len = 0;
        if (kind == 0) {
            if (n && k[0] == 0)
                rp_buf_adds(&tmp, "(no user)");
            else
                rp_buf_add(&tmp, k + 1, n ? n - 1 : 0);
        } else if (kind == 1) {
            what_text(&tmp, k, n);
        } else {
            rp_buf_add(&tmp, k, n);
        }
        char kept[32], in[32];
        human_bytes(kept, sizeof kept, t->bytes_out);
        human_bytes(in, sizeof in, t->bytes_in);
        /* the first 200 bytes, cut at a character boundary */
        size_t show = tmp.len;
        if (show > 200) {
            show = 200;
            while (show > 0 && ((unsigned char)tmp.s[show] & 0xC0) == 0x80)
                show--;
        }
        rp_buf_printf(b, "  %12s  of %12s  %9llu events  ", kept, in, (unsigned long long)t->events);
        rp_buf_text(b, tmp.s ? tmp.s : "", show);
        rp_buf_addc(b, '\n');
    }
    rp_buf_free(&tmp);
    rp_free(v);
    return 0;
}

static int format_table(const kap_replay_summary *s, size_t top, rp_buf *b)
{
    kap_replay_counts c;
    kap_replay_summary_counts(s, &c);
    char in[32], out[32];
    human_bytes(in, sizeof in, c.bytes_in);
    human_bytes(out, sizeof out, c.bytes_out);
    rp_buf_printf(b, "%llu events, %llu requests (%llu still open at the end), %llu bad lines\n",
                  (unsigned long long)c.events, (unsigned long long)c.requests, (unsigned long long)c.open_requests,
                  (unsigned long long)c.bad_lines);
    rp_buf_printf(b, "bytes in the log %s, under the policy %s (%.1f%%), %llu of the events kept\n\n", in, out,
                  pct(c.bytes_out, c.bytes_in), (unsigned long long)c.events_kept);
    rp_buf_adds(b, s->has_compare ? "level             requests  recorded     other\n"
                                  : "level             requests  recorded\n");
    for (int i = 0; i < 4; i++) {
        rp_buf_printf(b, "%-15s %10llu %9llu", LEVELS[i], (unsigned long long)c.levels[i],
                      (unsigned long long)c.recorded[i]);
        if (s->has_compare)
            rp_buf_printf(b, " %9llu", (unsigned long long)s->levels_b[i]);
        rp_buf_addc(b, '\n');
    }
    if (c.under_recorded)
        rp_buf_printf(b,
                      "%llu requests were recorded at a lower level than the policy asks for: their bodies are not\n"
                      "in the log, so the bytes under the policy are an underestimate.\n",
                      (unsigned long long)c.under_recorded);
    rp_buf_addc(b, '\n');
    table_rules(b, &s->rules_a, s->stats_a);
    if (table_top(b, &s->users, "users", top, 0) || table_top(b, &s->resources, "resources and paths", top, 1) ||
        table_top(b, &s->verbs, "verbs", top, 2))
        return -1;
    if (s->has_compare) {
        char ob[32];
        human_bytes(ob, sizeof ob, s->bytes_out_b);
        rp_buf_printf(b, "\nthe other policy: %s (%.1f%%), %llu events kept; %llu requests decided differently\n",
                      ob, pct(s->bytes_out_b, c.bytes_in), (unsigned long long)s->events_kept_b,
                      (unsigned long long)s->diff_requests);
        table_rules(b, &s->rules_b, s->stats_b);
        ranked *v = rank(&s->groups, 1);
        if (s->groups.n && !v)
            return -1;
        rp_buf tmp = {0}, da = {0}, db = {0};
        if (s->groups.n && v[0].v)
            rp_buf_adds(b, "\n  requests  this policy -> the other  user verb resource-or-path  e.g. auditID\n");
        for (size_t i = 0; i < s->groups.n && i < top && v[i].v; i++) {
            gkey g;
            gkey_parse(v[i].e, &g);
            const rp_group *gr = rp_val((rp_entry *)v[i].e);
            tmp.len = 0;
            what_text(&tmp, g.what, g.wn);
            example ex[RP_EXAMPLES];
            int nex = shown_examples(s, v[i].e, ex);
            da.len = db.len = 0;
            text_decision(&da, &g.a, &g.b);
            text_decision(&db, &g.b, &g.a);
            rp_buf_printf(b, "  %8llu  %.*s -> %.*s  ", (unsigned long long)gr->requests, (int)da.len,
                          da.s ? da.s : "", (int)db.len, db.s ? db.s : "");
            if (g.has_user)
                rp_buf_text(b, g.user, g.un);
            else
                rp_buf_adds(b, "(no user)");
            rp_buf_addc(b, ' ');
            rp_buf_text(b, g.verb, g.vn);
            rp_buf_addc(b, ' ');
            rp_buf_text(b, tmp.s ? tmp.s : "", tmp.len);
            rp_buf_adds(b, "  e.g. ");
            if (nex)
                rp_buf_text(b, ex[0].p, ex[0].n);
            rp_buf_addc(b, '\n');
        }
        rp_buf_free(&tmp);
        rp_buf_free(&da);
        rp_buf_free(&db);
        rp_free(v);
    }
    if (c.bad_lines) {
        rp_buf_printf(b, "\n%llu bad lines:\n", (unsigned long long)c.bad_lines);
        for (size_t i = 0; i < s->n_bads; i++) {
            const rp_bad *x = &s->bads[i];
            rp_buf_printf(b, "  %s:%llu: %s\n", piece_name(s, x->piece),
                          (unsigned long long)piece_line0(s, x->piece) + x->line_rel + 1, x->msg);
        }
        if (s->bad > s->n_bads)
            rp_buf_printf(b, "  ... and %llu more\n", (unsigned long long)(s->bad - s->n_bads));
    }
    return 0;
}

int kap_replay_summary_format(const kap_replay_summary *s, int format, size_t top, char **out, size_t *len)
{
    if (!s || !out || (format != KAP_REPLAY_FORMAT_JSON && format != KAP_REPLAY_FORMAT_TABLE))
        return KAP_EARG;
    *out = NULL;
    if (len)
        *len = 0;
    if (!top)
        top = 10;
    rp_buf b = {0};
    int rc = format == KAP_REPLAY_FORMAT_JSON ? format_json(s, top, &b) : format_table(s, top, &b);
    rp_buf_addc(&b, 0);
    if (rc || b.oom) {
        rp_buf_free(&b);
        return KAP_ENOMEM;
    }
    *out = b.s;
    if (len)
        *len = b.len - 1;
    return KAP_OK;
}
