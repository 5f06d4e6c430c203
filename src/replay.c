/* Replay: audit-log lines in, a mergeable summary out.
 *
 * Each event is decided by the policy (and the compare policy) from its
 * own attributes; the bytes it would take under the policy are counted per
 * rule, user, resource and verb. Requests are counted once, at their first
 * event. A request is open from its first event until its ResponseComplete
 * or Panic event; an event whose auditID is open continues it, unless it is
 * a RequestReceived event (always a new request) or more than `window`
 * events came since the request's last one (it expired).
 *
 * Summaries of consecutive pieces merge exactly. What a piece cannot know
 * is what was open before it, so its summary keeps, besides its counts:
 * its open requests with the position of their last event (the tail), and
 * the first event of every auditID within its first `window` events (the
 * head), with what that event counted, so that a merge can take it back
 * when the request turns out to continue one of the previous piece's open
 * requests. A line cut by a piece boundary is kept as bytes at both edges
 * and replayed when the pieces meet.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_summary.h"

struct kap_replay {
    const kap_policy *policy, *compare;
    rp_rules rules_a, rules_b;
    uint64_t window;
    size_t max_line;
    kap_replay_write_fn write;
    void *write_ctx;
    int write_failed;
    kap_replay_summary *sum;
    int in_piece;
    /* the line being assembled across feeds */
    rp_buf pending;
    uint64_t pending_len; /* real length; > max_line: overlong, bytes dropped */
    rp_scan scan;
    rp_buf path, out, key;
    kap_str *groups;
    size_t groups_cap;
    rp_cut *cuts;
    size_t cuts_cap;
};

/* ---- rules ------------------------------------------------------------------ */

static int rules_from_policy(rp_rules *r, const kap_policy *p)
{
    memset(r, 0, sizeof *r);
    if (!p)
        return 0;
    r->n = kap_policy_rule_count(p);
    r->line = rp_calloc(r->n + 1, sizeof *r->line);
    r->dec = rp_calloc(r->n + 1, sizeof *r->dec);
    if (!r->line || !r->dec)
        return -1;
    uint64_t h = rp_hash(&r->n, sizeof r->n);
    for (size_t i = 0; i <= r->n; i++) {
        kap_policy_rule_decision(p, i, &r->dec[i]);
        r->line[i] = i < r->n ? kap_policy_rule_line(p, i) : 0;
        uint64_t v[3] = {((uint64_t)r->line[i] << 32) | kap_policy_rule_column(p, i),
                         (uint64_t)r->dec[i].level << 8 | r->dec[i].omit_stages,
                         (uint64_t)r->dec[i].omit_managed_fields};
        h = rp_hash(v, sizeof v) ^ (h * 0x100000001B3ULL);
    }
    r->fingerprint = h;
    return 0;
}

void rp_rules_free(rp_rules *r)
{
    rp_free(r->line);
    rp_free(r->dec);
    memset(r, 0, sizeof *r);
}

int rp_rules_copy(rp_rules *dst, const rp_rules *src)
{
    *dst = *src;
    dst->line = NULL;
    dst->dec = NULL;
    if (!src->line)
        return 0;
    dst->line = rp_malloc((src->n + 1) * sizeof *dst->line);
    dst->dec = rp_malloc((src->n + 1) * sizeof *dst->dec);
    if (!dst->line || !dst->dec)
        return -1;
    memcpy(dst->line, src->line, (src->n + 1) * sizeof *dst->line);
    memcpy(dst->dec, src->dec, (src->n + 1) * sizeof *dst->dec);
    return 0;
}

/* ---- summaries ------------------------------------------------------------ */

kap_replay_summary *rp_summary_new(const rp_rules *a, const rp_rules *b, uint64_t window, uint64_t max_line)
{
    kap_replay_summary *s = rp_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->window = window;
    s->max_line = max_line;
    s->has_compare = b && b->line != NULL;
    rp_map_init(&s->users, sizeof(rp_top));
    rp_map_init(&s->resources, sizeof(rp_top));
    rp_map_init(&s->verbs, sizeof(rp_top));
    rp_map_init(&s->groups, sizeof(rp_group));
    rp_map_init(&s->open, sizeof(rp_open));
    rp_map_init(&s->head, sizeof(rp_head));
    if (rp_rules_copy(&s->rules_a, a) || (s->has_compare && rp_rules_copy(&s->rules_b, b))) {
        kap_replay_summary_free(s);
        return NULL;
    }
    s->stats_a = rp_calloc(a->n + 1, sizeof *s->stats_a);
    s->stats_b = s->has_compare ? rp_calloc(b->n + 1, sizeof *s->stats_b) : NULL;
    if (!s->stats_a || (s->has_compare && !s->stats_b)) {
        kap_replay_summary_free(s);
        return NULL;
    }
    return s;
}

static void free_groups(rp_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        rp_group *g = rp_val(rp_map_at(m, i));
        for (int k = 0; k < RP_EXAMPLES; k++)
            rp_free(g->ex[k]);
    }
    rp_map_free(m);
}

void kap_replay_summary_free(kap_replay_summary *s)
{
    if (!s)
        return;
    rp_rules_free(&s->rules_a);
    rp_rules_free(&s->rules_b);
    for (size_t i = 0; i < s->n_pieces; i++)
        rp_free(s->pieces[i].name);
    rp_free(s->pieces);
    rp_buf_free(&s->lead.bytes);
    rp_buf_free(&s->tail.bytes);
    rp_free(s->stats_a);
    rp_free(s->stats_b);
    rp_map_free(&s->users);
    rp_map_free(&s->resources);
    rp_map_free(&s->verbs);
    free_groups(&s->groups);
    rp_map_free(&s->open);
    rp_map_free(&s->head);
    for (size_t i = 0; i < s->n_bads; i++)
        rp_free(s->bads[i].msg);
    rp_free(s->bads);
    rp_free(s);
}

static int add_piece(kap_replay_summary *s, const char *name, int begins)
{
    if (s->n_pieces == s->cap_pieces) {
        size_t cap = s->cap_pieces ? s->cap_pieces * 2 : 4;
        rp_piece *p = rp_realloc(s->pieces, cap * sizeof *p);
        if (!p)
            return -1;
        s->pieces = p;
        s->cap_pieces = cap;
    }
    rp_piece *p = &s->pieces[s->n_pieces];
    p->name = rp_strndup(name, strlen(name));
    if (!p->name)
        return -1;
    p->begins = begins;
    p->ends = 0;
    p->lines = 0;
    s->n_pieces++;
    return 0;
}

static int add_bad(kap_replay_summary *s, uint32_t piece, uint64_t line_rel, const char *msg)
{
    s->bad++;
    if (s->n_bads >= RP_MAX_BAD)
        return 0;
    if (!s->bads) {
        s->bads = rp_calloc(RP_MAX_BAD, sizeof *s->bads);
        if (!s->bads)
            return -1;
    }
    rp_bad *b = &s->bads[s->n_bads];
    b->msg = rp_strndup(msg, strlen(msg));
    if (!b->msg)
        return -1;
    b->piece = piece;
    b->line_rel = line_rel;
    s->n_bads++;
    return 0;
}

/* ---- the replay object ------------------------------------------------------ */

void kap_replay_options_init(kap_replay_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->version = KAP_REPLAY_OPTIONS_VERSION;
    o->window = KAP_REPLAY_DEFAULT_WINDOW;
    o->max_line = KAP_REPLAY_DEFAULT_MAX_LINE;
}

int kap_replay_new(kap_replay **out, const kap_policy *policy, const kap_replay_options *opts)
{
    if (!out)
        return KAP_EARG;
    *out = NULL;
    if (!policy || (opts && opts->version != KAP_REPLAY_OPTIONS_VERSION))
        return KAP_EARG;
    kap_replay *r = rp_calloc(1, sizeof *r);
    if (!r)
        return KAP_ENOMEM;
    r->policy = policy;
    r->compare = opts ? opts->compare : NULL;
    r->window = opts && opts->window ? opts->window : KAP_REPLAY_DEFAULT_WINDOW;
    r->max_line = opts && opts->max_line ? opts->max_line : KAP_REPLAY_DEFAULT_MAX_LINE;
    if (rules_from_policy(&r->rules_a, policy) || rules_from_policy(&r->rules_b, r->compare) ||
        !(r->sum = rp_summary_new(&r->rules_a, &r->rules_b, r->window, r->max_line))) {
        kap_replay_free(r);
        return KAP_ENOMEM;
    }
    *out = r;
    return KAP_OK;
}

void kap_replay_free(kap_replay *r)
{
    if (!r)
        return;
    rp_rules_free(&r->rules_a);
    rp_rules_free(&r->rules_b);
    kap_replay_summary_free(r->sum);
    rp_buf_free(&r->pending);
    rp_scan_free(&r->scan);
    rp_buf_free(&r->path);
    rp_buf_free(&r->out);
    rp_buf_free(&r->key);
    rp_free(r->groups);
    rp_free(r->cuts);
    rp_free(r);
}

void kap_replay_set_output(kap_replay *r, kap_replay_write_fn fn, void *ctx)
{
    if (!r)
        return;
    r->write = fn;
    r->write_ctx = ctx;
    r->write_failed = 0;
}

/* ---- one event ------------------------------------------------------------------ */

static int hexd(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* requestURI's path: up to '?', percent-decoded as Go's url.Parse decodes
 * URL.Path. An invalid escape (which kube-apiserver's HTTP server would
 * have refused) leaves the path as it is written. */
static int uri_path(kap_replay *r, rp_str uri, kap_str *path)
{
    const char *q = memchr(uri.p, '?', uri.n);
    size_t n = q ? (size_t)(q - uri.p) : uri.n;
    kap_str out = {uri.p, n};
    *path = out;
    const char *pct = memchr(uri.p, '%', n);
    if (!pct)
        return 0;
    r->path.len = 0;
    if (rp_buf_reserve(&r->path, n))
        return -1;
    char *o = r->path.s;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (uri.p[i] == '%') {
            int hi = i + 2 < n ? hexd((unsigned char)uri.p[i + 1]) : -1;
            int lo = hi >= 0 ? hexd((unsigned char)uri.p[i + 2]) : -1;
            if (lo < 0)
                return 0;
            o[k++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            o[k++] = uri.p[i];
        }
    }
    path->ptr = o;
    path->len = k;
    return 0;
}

static const char *const level_json[] = {"\"None\"", "\"Metadata\"", "\"Request\"", "\"RequestResponse\""};

/* The bytes the event takes when written under decision d (0 when it is
 * not written), its text appended to out when out is not NULL. */
static int64_t written(kap_replay *r, const char *line, const rp_event *ev, const kap_decision *d, rp_buf *out)
{
    if (d->level == KAP_LEVEL_NONE || (d->omit_stages & (1u << ev->stage)))
        return 0;
    int level = (int)d->level < ev->level ? (int)d->level : ev->level;
    rp_scan *s = &r->scan;
    size_t n = 0, mf0 = s->n_cuts;
    /* bodies the level does not keep; managedFields inside those it keeps */
    for (size_t i = 0; i < ev->n_cuts; i++) {
        const rp_cut *c = &s->cuts[ev->cuts_off + i];
        int drop = level <= KAP_LEVEL_METADATA || (level == KAP_LEVEL_REQUEST && c->which == 1);
        if (!drop && d->omit_managed_fields && rp_scan_managed_fields(s, line, c->vstart, c->vend))
            return -1;
    }
    size_t need = ev->n_cuts + (s->n_cuts - mf0);
    if (need > r->cuts_cap) {
        rp_cut *c = rp_realloc(r->cuts, need * sizeof *c);
        if (!c)
            return -1;
        r->cuts = c;
        r->cuts_cap = need;
    }
    for (size_t i = 0; i < ev->n_cuts; i++) {
        const rp_cut *c = &s->cuts[ev->cuts_off + i];
        if (level <= KAP_LEVEL_METADATA || (level == KAP_LEVEL_REQUEST && c->which == 1))
            r->cuts[n++] = *c;
    }
    for (size_t i = mf0; i < s->n_cuts; i++)
        r->cuts[n++] = s->cuts[i];
    s->n_cuts = mf0;
    const char *rep = level != ev->level ? level_json[level] : NULL;
    return (int64_t)rp_rewrite(out, line, ev->start, ev->end, r->cuts, n, ev->level_vstart, ev->level_vend, rep);
}

static int top_add(kap_replay_summary *s, rp_map *m, const char *k, size_t n, uint64_t in, uint64_t out)
{
    /* consecutive events often share a user, a resource, a verb: the entry
     * of the last key is tried first (entries never move: top maps only grow
     * at their end, and the index survives a realloc) */
    if (m->last_hit < m->n) {
        rp_entry *e = rp_map_at(m, m->last_hit);
        if (e->klen == n && memcmp(rp_key(e), k, n) == 0) {
            rp_top *t = rp_val(e);
            t->bytes_in += in;
            t->bytes_out += out;
            t->events++;
            return 0;
        }
    }
    uint64_t h = rp_hash(k, n);
    rp_entry *e = rp_map_find(m, k, n, h);
    if (!e) {
        if (m->n >= RP_MAX_KEYS) {
            s->keys_truncated = 1;
            k = "\x01(other)";
            n = 8;
            h = rp_hash(k, n);
        }
        e = rp_map_upsert(m, k, n, h, NULL);
        if (!e)
            return -1;
    }
    m->last_hit = (size_t)((unsigned char *)e - m->ents) / m->esize;
    rp_top *t = rp_val(e);
    t->bytes_in += in;
    t->bytes_out += out;
    t->events++;
    return 0;
}

/* "R" group \x1f resource \x1f subresource, or "N" path: a resource or a
 * non-resource URL as the summary groups them. */
static void what_key(rp_buf *b, const rp_event *ev, kap_str path)
{
    if (ev->has_ref) {
        rp_buf_addc(b, 'R');
        rp_buf_add(b, ev->api_group.p, ev->api_group.n);
        rp_buf_addc(b, '\x1f');
        rp_buf_add(b, ev->resource.p, ev->resource.n);
        rp_buf_addc(b, '\x1f');
        rp_buf_add(b, ev->subresource.p, ev->subresource.n);
    } else {
        rp_buf_addc(b, 'N');
        rp_buf_add(b, path.ptr, path.len);
    }
}

static void key_str(rp_buf *b, const char *s, size_t n)
{
    uint32_t len = (uint32_t)n;
    rp_buf_add(b, &len, sizeof len);
    rp_buf_add(b, s, n);
}

static void key_decision(rp_buf *b, const kap_decision *d)
{
    char x[3] = {(char)d->level, (char)d->omit_stages, (char)d->omit_managed_fields};
    rp_buf_add(b, x, 3);
}

int rp_id_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : an < bn ? -1 : an > bn;
}

int rp_example_slot(const char *const ex[RP_EXAMPLES], const char *id, size_t n)
{
    for (int i = 0; i < RP_EXAMPLES; i++) {
        if (!ex[i])
            return i;
        int c = rp_id_cmp(id, n, ex[i], strlen(ex[i]));
        if (c == 0)
            return -1; /* already there */
        if (c < 0)
            return i;
    }
    return -1;
}

int rp_example_add(rp_group *g, const char *id, size_t n)
{
    int i = rp_example_slot((const char *const *)g->ex, id, n);
    if (i < 0)
        return 0;
    char *d = rp_strndup(id, n);
    if (!d)
        return -1;
    rp_free(g->ex[RP_EXAMPLES - 1]);
    memmove(&g->ex[i + 1], &g->ex[i], (size_t)(RP_EXAMPLES - 1 - i) * sizeof g->ex[0]);
    g->ex[i] = d;
    return 0;
}

/* The group of differing decisions a request falls in: its index. With
 * defer, its auditID is not made an example (yet): see rp_head. */
static int group_add(kap_replay *r, kap_replay_summary *s, const rp_event *ev, kap_str path,
                     const kap_decision *a, const kap_decision *b, int defer)
{
    rp_buf *k = &r->key;
    k->len = 0;
    rp_buf_addc(k, (char)(ev->has_user ? 1 : 0));
    key_str(k, ev->has_user ? ev->user.p : "", ev->has_user ? ev->user.n : 0);
    key_str(k, ev->verb.p ? ev->verb.p : "", ev->verb.n);
    size_t at = k->len;
    what_key(k, ev, path);
    uint32_t wl = (uint32_t)(k->len - at);
    rp_buf_add(k, &wl, sizeof wl);
    key_decision(k, a);
    key_decision(k, b);
    if (k->oom)
        return -2;
    uint64_t h = rp_hash(k->s, k->len);
    rp_entry *e = rp_map_find(&s->groups, k->s, k->len, h);
    if (!e) {
        if (s->groups.n >= RP_MAX_KEYS) {
            s->keys_truncated = 1;
            return -1;
        }
        e = rp_map_upsert(&s->groups, k->s, k->len, h, NULL);
        if (!e)
            return -2;
    }
    rp_group *g = rp_val(e);
    g->requests++;
    /* keep the smallest auditIDs: the same whatever the order of the log */
    if (!defer && rp_example_add(g, ev->audit_id.p, ev->audit_id.n))
        return -2;
    return (int)((size_t)((unsigned char *)e - s->groups.ents) / s->groups.esize);
}

/* A decision as it takes effect on what is written: at None nothing is,
 * so omitted stages and omitManagedFields change nothing; at Metadata no
 * body is, so omitManagedFields changes nothing. Two policies whose
 * decisions differ only there write the same bytes. */
static kap_decision in_effect(const kap_decision *d)
{
    kap_decision e = *d;
    if (e.level == KAP_LEVEL_NONE)
        e.omit_stages = 0;
    if (e.level <= KAP_LEVEL_METADATA)
        e.omit_managed_fields = 0;
    return e;
}

static int same_decision(const kap_decision *a, const kap_decision *b)
{
    return a->level == b->level && a->omit_stages == b->omit_stages &&
           a->omit_managed_fields == b->omit_managed_fields;
}

/* Requests that can no longer be continued leave the open table. */
static void sweep_open(kap_replay_summary *s)
{
    for (size_t i = 0; i < s->open.n;) {
        rp_entry *e = rp_map_at(&s->open, i);
        if (s->n - ((rp_open *)rp_val(e))->last > s->window)
            rp_map_remove(&s->open, e);
        else
            i++;
    }
}

/* Decides and counts one event; its text as written goes to out (when
 * not NULL). *out_len: its written length, 0 when it is not written. */
static int event(kap_replay *r, kap_replay_summary *s, const char *line, const rp_event *ev, uint64_t bytes_in,
                 rp_buf *outbuf, int64_t *out_len, int64_t *out_len_b)
{
    /* the request as kube-apiserver's policy evaluator saw it */
    size_t ng = ev->n_groups;
    if (ng > r->groups_cap) {
        kap_str *g = rp_realloc(r->groups, ng * sizeof *g);
        if (!g)
            return -2;
        r->groups = g;
        r->groups_cap = ng;
    }
    for (size_t i = 0; i < ng; i++) {
        r->groups[i].ptr = r->scan.groups[ev->groups_off + i].p;
        r->groups[i].len = r->scan.groups[ev->groups_off + i].n;
    }
    kap_request_n q = KAP_REQUEST_N_INIT;
    if (ev->has_user) {
        q.user.ptr = ev->user.p;
        q.user.len = ev->user.n;
        q.groups = r->groups;
        q.n_groups = ng;
    }
    q.verb.ptr = ev->verb.p;
    q.verb.len = ev->verb.n;
    kap_str path = KAP_STR_NONE;
    if (ev->uri.p && uri_path(r, ev->uri, &path))
        return -2;
    q.path = path;
    if (ev->has_ref) {
        q.resource_request = 1;
        q.ns = (kap_str){ev->ns.p, ev->ns.n};
        q.api_group = (kap_str){ev->api_group.p, ev->api_group.n};
        q.api_version = (kap_str){ev->api_version.p, ev->api_version.n};
        q.resource = (kap_str){ev->resource.p, ev->resource.n};
        q.subresource = (kap_str){ev->subresource.p, ev->subresource.n};
        q.name = (kap_str){ev->name.p, ev->name.n};
    }
    kap_decision da, db;
    kap_policy_match_n(r->policy, &q, &da);
    if (r->compare)
        kap_policy_match_n(r->compare, &q, &db);
    int ra = da.rule < 0 ? (int)r->rules_a.n : da.rule;
    int rb = r->compare ? (db.rule < 0 ? (int)r->rules_b.n : db.rule) : -1;

    /* a new request, or the next stage of an open one */
    uint64_t t = s->n;
    const char *id = ev->audit_id.p;
    size_t idn = ev->audit_id.n;
    uint64_t h = rp_hash(id, idn);
    rp_entry *oe = rp_map_find(&s->open, id, idn, h);
    int is_new = !(oe && ev->stage != RP_STAGE_RR && t - ((rp_open *)rp_val(oe))->last <= s->window);
    if (is_new) {
        if (oe) {
            rp_map_remove(&s->open, oe);
            oe = NULL;
        }
        s->requests++;
        s->matrix[da.level][ev->level]++;
        s->stats_a[ra].requests++;
        /* among the first events of a piece that does not start the stream:
         * the piece before may hold its earlier stages (see merge_core) */
        rp_head *hd = NULL;
        if (!s->stream_start && t < s->window) {
            int added;
            rp_entry *he = rp_map_upsert(&s->head, id, idn, h, &added);
            if (!he)
                return -2;
            if (added) {
                hd = rp_val(he);
                hd->pos = t;
                hd->kind = ev->stage == RP_STAGE_RR ? RP_HEAD_BARRIER : RP_HEAD_ORPHAN;
                hd->rule_a = ra;
                hd->rule_b = rb;
                hd->group = -1;
                hd->rec = (uint8_t)ev->level;
            }
        }
        if (r->compare) {
            /* r->compare makes r->rules_b.line non-NULL (rules_from_policy),
             * so every summary of r has has_compare and stats_b */
            KAP_ANALYZER_ASSUME(s->stats_b != NULL);
            s->levels_b[db.level]++;
            s->stats_b[rb].requests++;
            kap_decision ea = in_effect(&da), eb = in_effect(&db);
            if (!same_decision(&ea, &eb)) {
                s->diff_requests++;
                int grp = group_add(r, s, ev, path, &ea, &eb, hd && hd->kind == RP_HEAD_ORPHAN);
                if (grp == -2)
                    return -2;
                if (hd)
                    hd->group = grp;
            }
        }
    }
    if (ev->stage == RP_STAGE_RC || ev->stage == RP_STAGE_PANIC) {
        if (oe)
            rp_map_remove(&s->open, oe);
    } else {
        if (!oe && !(oe = rp_map_insert(&s->open, id, idn, h)))
            return -2;
        ((rp_open *)rp_val(oe))->last = t;
    }
    s->n++;
    if ((s->n & 0xFFFF) == 0)
        sweep_open(s);

    /* what it would weigh */
    int64_t wa = written(r, line, ev, &da, outbuf);
    if (wa < 0)
        return -2;
    uint64_t out = wa ? (uint64_t)wa + 1 : 0; /* a line of its own: its newline too */
    if (r->scan.is_list)
        out = (uint64_t)wa;
    *out_len = wa;
    *out_len_b = 0;
    s->events_kept += wa > 0;
    rp_rule_stats *st = &s->stats_a[ra];
    st->events++;
    st->bytes_in += bytes_in;
    st->bytes_out += out;
    if (r->compare) {
        int64_t wb = written(r, line, ev, &db, NULL);
        if (wb < 0)
            return -2;
        uint64_t ob = r->scan.is_list ? (uint64_t)wb : wb ? (uint64_t)wb + 1 : 0;
        *out_len_b = wb;
        s->stats_b[rb].events++;
        s->stats_b[rb].bytes_in += bytes_in;
        s->stats_b[rb].bytes_out += ob;
        s->events_kept_b += wb > 0;
    }
    rp_buf *k = &r->key;
    k->len = 0;
    rp_buf_addc(k, (char)(ev->has_user ? 1 : 0));
    if (ev->has_user)
        rp_buf_add(k, ev->user.p, ev->user.n);
    if (k->oom || top_add(s, &s->users, k->s, k->len, bytes_in, out))
        return -2;
    k->len = 0;
    what_key(k, ev, path);
    if (k->oom || top_add(s, &s->resources, k->s, k->len, bytes_in, out))
        return -2;
    if (top_add(s, &s->verbs, ev->verb.p ? ev->verb.p : "", ev->verb.n, bytes_in, out))
        return -2;
    return 0;
}

/* ---- one line --------------------------------------------------------------------- */

static int emit(kap_replay *r, const char *s, size_t n)
{
    if (!r->write || r->write_failed)
        return 0;
    if (r->write(r->write_ctx, s, n)) {
        r->write_failed = 1;
        return -1;
    }
    return 0;
}

/* Replays one line (without its newline; nl: it had one) into s, its bad
 * input reported at (piece, line_rel). Returns 0, -2 out of memory, -3
 * output refused. */
static int line(kap_replay *r, kap_replay_summary *s, const char *text, size_t len, uint64_t real_len, int nl,
                uint32_t piece, uint64_t line_rel)
{
    s->bytes_in += real_len + (nl ? 1 : 0);
    if (real_len > r->max_line) {
        char msg[96];
        snprintf(msg, sizeof msg, "line of %llu bytes, longer than the limit of %zu",
                 (unsigned long long)real_len, r->max_line);
        return add_bad(s, piece, line_rel, msg) ? -2 : 0;
    }
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'))
        i++;
    if (i == len)
        return 0; /* blank */
    rp_scan *sc = &r->scan;
    int rc = rp_scan_line(sc, text, len);
    if (rc == -2)
        return -2;
    if (rc == -1) {
        char msg[160], q[12];
        /* Go's wording: the character found, quoted */
        if (strncmp(sc->error, "invalid character ", 18) == 0 && sc->error_at < len) {
            rp_quote_char(q, (unsigned char)text[sc->error_at]);
            snprintf(msg, sizeof msg, "column %zu: invalid character %s %s", sc->error_at + 1, q, sc->error + 18);
        } else {
            snprintf(msg, sizeof msg, "column %zu: %s", sc->error_at + 1, sc->error);
        }
        return add_bad(s, piece, line_rel, msg) ? -2 : 0;
    }
    if (sc->list_error) /* a list of something else: its items are not events */
        return add_bad(s, piece, line_rel, sc->list_error) ? -2 : 0;
    if (sc->is_list && sc->n_events == 0)
        return 0;
    int writing = r->write && !r->write_failed;
    rp_buf *out = writing ? &r->out : NULL;
    size_t kept = 0, kept_b = 0;
    r->out.len = 0;
    if (out && sc->is_list)
        rp_buf_add(out, text, sc->items_open + 1);
    for (size_t k = 0; k < sc->n_events; k++) {
        rp_event *ev = &sc->events[k];
        if (ev->error) {
            char msg[160];
            if (sc->is_list)
                snprintf(msg, sizeof msg, "item %zu: %s", k, ev->error);
            else
                snprintf(msg, sizeof msg, "%s", ev->error);
            if (add_bad(s, piece, line_rel, msg))
                return -2;
            continue;
        }
        uint64_t in = sc->is_list ? ev->end - ev->start : len + (nl ? 1 : 0);
        size_t mark = r->out.len;
        if (out && sc->is_list && kept)
            rp_buf_addc(out, ',');
        int64_t out_len, out_len_b;
        if (event(r, s, text, ev, in, out, &out_len, &out_len_b))
            return -2;
        if (out_len_b > 0) {
            s->bytes_out_b += (uint64_t)out_len_b + (sc->is_list && kept_b ? 1 : 0);
            kept_b++;
        }
        if (out_len > 0) {
            s->bytes_out += (uint64_t)out_len + (sc->is_list && kept ? 1 : 0);
            kept++;
        } else if (out) {
            r->out.len = mark;
        }
    }
    if (kept_b)
        s->bytes_out_b += (sc->is_list ? sc->items_open + 1 + (len - sc->items_close) : 0) + 1;
    if (!kept)
        return 0;
    if (sc->is_list)
        s->bytes_out += sc->items_open + 1 + (len - sc->items_close);
    s->bytes_out++;
    if (out) {
        if (sc->is_list)
            rp_buf_add(out, text + sc->items_close, len - sc->items_close);
        rp_buf_addc(out, '\n');
        if (r->out.oom)
            return -2;
        if (emit(r, r->out.s, r->out.len))
            return -3;
    }
    return 0;
}

/* ---- feeding ------------------------------------------------------------------------ */

static void frag_clear(rp_frag *f)
{
    f->len = 0;
    f->bytes.len = 0;
    if (f->bytes.cap > ((size_t)1 << 20))
        rp_buf_free(&f->bytes);
}

static int frag_move(rp_frag *dst, rp_frag *src)
{
    rp_buf_free(&dst->bytes);
    *dst = *src;
    memset(src, 0, sizeof *src);
    return 0;
}

static void pending_add(kap_replay *r, const char *s, size_t n)
{
    r->pending_len += n;
    if (r->pending_len > r->max_line) {
        /* an overlong line is counted, never held */
        r->pending.len = 0;
        return;
    }
    rp_buf_add(&r->pending, s, n);
}

static void pending_clear(kap_replay *r)
{
    r->pending_len = 0;
    r->pending.len = 0;
    if (r->pending.cap > ((size_t)1 << 20))
        rp_buf_free(&r->pending);
}

/* The pending bytes become a fragment of the summary. */
static void pending_to(kap_replay *r, rp_frag *f)
{
    rp_buf_free(&f->bytes);
    f->bytes = r->pending;
    f->len = r->pending_len;
    if (f->len > r->max_line)
        f->bytes.len = 0;
    memset(&r->pending, 0, sizeof r->pending);
    r->pending_len = 0;
}

static int status_of(kap_replay *r, int rc)
{
    if (rc == -3 || r->write_failed)
        return KAP_EIO;
    if (rc || r->pending.oom || r->sum->lead.bytes.oom)
        return KAP_ENOMEM;
    return KAP_OK;
}

int kap_replay_begin(kap_replay *r, const char *name, unsigned int flags)
{
    if (!r || !name || (flags & ~(KAP_REPLAY_SOURCE_START | KAP_REPLAY_STREAM_START)) ||
        ((flags & KAP_REPLAY_STREAM_START) && !(flags & KAP_REPLAY_SOURCE_START)))
        return KAP_EARG;
    kap_replay_summary *s = r->sum;
    int begins = (flags & KAP_REPLAY_SOURCE_START) != 0;
    if (r->in_piece)
        return KAP_EARG;
    if (s->n_pieces) {
        rp_piece *last = &s->pieces[s->n_pieces - 1];
        if (!last->ends) {
            /* the next chunk of the source left open */
            if (begins || strcmp(last->name, name) != 0)
                return KAP_EARG;
            r->in_piece = 1;
            return KAP_OK;
        }
        if (!begins)
            return KAP_EARG;
    } else {
        s->stream_start = (flags & KAP_REPLAY_STREAM_START) != 0;
        s->lead_state = begins ? RP_LEAD_NONE : RP_LEAD_OPEN;
    }
    if (add_piece(s, name, begins))
        return KAP_ENOMEM;
    r->in_piece = 1;
    return KAP_OK;
}

int kap_replay_feed(kap_replay *r, const void *data, size_t len)
{
    if (!r || (!data && len) || !r->in_piece)
        return KAP_EARG;
    kap_replay_summary *s = r->sum;
    uint32_t piece = (uint32_t)(s->n_pieces - 1);
    const char *p = data;
    int rc = 0;
    while (len) {
        const char *nl = memchr(p, '\n', len);
        if (!nl) {
            pending_add(r, p, len);
            break;
        }
        size_t seg = (size_t)(nl - p);
        rp_piece *pc = &s->pieces[piece];
        if (s->lead_state == RP_LEAD_OPEN) {
            pending_add(r, p, seg);
            pending_to(r, &s->lead);
            s->lead_state = RP_LEAD_DONE;
            s->lead_nl = 1;
        } else if (r->pending_len == 0) {
            rc = line(r, s, p, seg, seg, 1, piece, pc->lines);
        } else {
            pending_add(r, p, seg);
            rc = line(r, s, r->pending.s, r->pending.len, r->pending_len, 1, piece, pc->lines);
            pending_clear(r);
        }
        s->pieces[piece].lines++;
        if (rc)
            break;
        p = nl + 1;
        len -= seg + 1;
    }
    return status_of(r, rc);
}

int kap_replay_end(kap_replay *r, unsigned int flags)
{
    if (!r || !r->in_piece || (flags & ~KAP_REPLAY_SOURCE_END))
        return KAP_EARG;
    kap_replay_summary *s = r->sum;
    r->in_piece = 0;
    int rc = 0;
    if (flags & KAP_REPLAY_SOURCE_END) {
        uint32_t piece = (uint32_t)(s->n_pieces - 1);
        s->pieces[piece].ends = 1;
        if (s->lead_state == RP_LEAD_OPEN) {
            pending_to(r, &s->lead);
            s->lead_state = RP_LEAD_DONE;
            s->lead_nl = 0;
        } else if (r->pending_len) {
            rc = line(r, s, r->pending.s, r->pending.len, r->pending_len, 0, piece, s->pieces[piece].lines);
            pending_clear(r);
        }
    }
    return status_of(r, rc);
}

int kap_replay_report(kap_replay *r, const char *message)
{
    if (!r || !message || !r->sum->n_pieces)
        return KAP_EARG;
    kap_replay_summary *s = r->sum;
    uint32_t piece = (uint32_t)(s->n_pieces - 1);
    return add_bad(s, piece, s->pieces[piece].lines, message) ? KAP_ENOMEM : KAP_OK;
}

int kap_replay_take_summary(kap_replay *r, kap_replay_summary **out)
{
    if (!r || !out)
        return KAP_EARG;
    *out = NULL;
    if (r->in_piece)
        kap_replay_end(r, 0);
    kap_replay_summary *next = rp_summary_new(&r->rules_a, &r->rules_b, r->window, r->max_line);
    if (!next)
        return KAP_ENOMEM;
    kap_replay_summary *s = r->sum;
    if (s->n_pieces && !s->pieces[s->n_pieces - 1].ends)
        pending_to(r, s->lead_state == RP_LEAD_OPEN ? &s->lead : &s->tail);
    pending_clear(r);
    sweep_open(s);
    r->sum = next;
    *out = s;
    return KAP_OK;
}

/* ---- merging --------------------------------------------------------------------------- */

static void uncount(kap_replay_summary *a, const rp_head *h, const int *gmap)
{
    a->requests--;
    a->matrix[a->rules_a.dec[h->rule_a].level][h->rec]--;
    a->stats_a[h->rule_a].requests--;
    if (a->has_compare) {
        a->levels_b[a->rules_b.dec[h->rule_b].level]--;
        a->stats_b[h->rule_b].requests--;
        if (h->group >= 0 && gmap[h->group] >= 0) {
            a->diff_requests--;
            ((rp_group *)rp_val(rp_map_at(&a->groups, (size_t)gmap[h->group])))->requests--;
        }
    }
}

static int merge_examples(rp_group *g, const rp_group *o)
{
    for (int k = 0; k < RP_EXAMPLES && o->ex[k]; k++)
        if (rp_example_add(g, o->ex[k], strlen(o->ex[k])))
            return -1;
    return 0;
}

static int merge_top(kap_replay_summary *a, rp_map *dst, const rp_map *src)
{
    for (size_t i = 0; i < src->n; i++) {
        rp_entry *e = rp_map_at(src, i);
        const rp_top *t = rp_val(e);
        rp_entry *d = rp_map_find(dst, rp_key(e), e->klen, e->hash);
        if (!d) {
            if (dst->n >= RP_MAX_KEYS) {
                a->keys_truncated = 1;
                d = rp_map_upsert(dst, "\x01(other)", 8, rp_hash("\x01(other)", 8), NULL);
            } else {
                d = rp_map_upsert(dst, rp_key(e), e->klen, e->hash, NULL);
            }
            if (!d)
                return -1;
        }
        rp_top *x = rp_val(d);
        x->bytes_in += t->bytes_in;
        x->bytes_out += t->bytes_out;
        x->events += t->events;
    }
    return 0;
}

/* a, then b: counts, request edges. */
static int merge_core(kap_replay_summary *a, const kap_replay_summary *b)
{
    a->requests += b->requests;
    a->bytes_in += b->bytes_in;
    a->bytes_out += b->bytes_out;
    a->bytes_out_b += b->bytes_out_b;
    a->events_kept += b->events_kept;
    a->events_kept_b += b->events_kept_b;
    a->diff_requests += b->diff_requests;
    a->keys_truncated |= b->keys_truncated;
    for (int i = 0; i < 4; i++) {
        a->levels_b[i] += b->levels_b[i];
        for (int j = 0; j < 4; j++)
            a->matrix[i][j] += b->matrix[i][j];
    }
    for (size_t i = 0; i <= a->rules_a.n; i++) {
        a->stats_a[i].requests += b->stats_a[i].requests;
        a->stats_a[i].events += b->stats_a[i].events;
        a->stats_a[i].bytes_in += b->stats_a[i].bytes_in;
        a->stats_a[i].bytes_out += b->stats_a[i].bytes_out;
    }
    for (size_t i = 0; a->has_compare && i <= a->rules_b.n; i++) {
        a->stats_b[i].requests += b->stats_b[i].requests;
        a->stats_b[i].events += b->stats_b[i].events;
        a->stats_b[i].bytes_in += b->stats_b[i].bytes_in;
        a->stats_b[i].bytes_out += b->stats_b[i].bytes_out;
    }
    if (merge_top(a, &a->users, &b->users) || merge_top(a, &a->resources, &b->resources) ||
        merge_top(a, &a->verbs, &b->verbs))
        return -1;
    int *gmap = b->groups.n ? rp_malloc(b->groups.n * sizeof *gmap) : NULL;
    if (b->groups.n && !gmap)
        return -1;
    for (size_t i = 0; i < b->groups.n; i++) {
        rp_entry *e = rp_map_at(&b->groups, i);
        rp_entry *d = rp_map_find(&a->groups, rp_key(e), e->klen, e->hash);
        if (!d && a->groups.n >= RP_MAX_KEYS) {
            a->keys_truncated = 1;
            gmap[i] = -1;
            continue;
        }
        if (!d && !(d = rp_map_upsert(&a->groups, rp_key(e), e->klen, e->hash, NULL))) {
            rp_free(gmap);
            return -1;
        }
        rp_group *g = rp_val(d);
        const rp_group *o = rp_val(e);
        g->requests += o->requests;
        if (merge_examples(g, o)) {
            rp_free(gmap);
            return -1;
        }
        gmap[i] = (int)((size_t)((unsigned char *)d - a->groups.ents) / a->groups.esize);
    }
    /* b's first events: the next stage of a request a left open, or new.
     * An orphan that is new after all (not a's request continued) becomes
     * an example of its group now, unless it is still among a's first
     * events and a does not start the stream either: then it stays a head. */
    uint64_t n1 = a->n, W = a->window;
    for (size_t i = 0; i < b->head.n; i++) {
        rp_entry *e = rp_map_at(&b->head, i);
        const rp_head *h = rp_val(e);
        rp_entry *o = rp_map_find(&a->open, rp_key(e), e->klen, e->hash);
        int continued = o && n1 - ((rp_open *)rp_val(o))->last + h->pos <= W;
        if (continued) {
            if (h->kind == RP_HEAD_ORPHAN)
                uncount(a, h, gmap);
            rp_map_remove(&a->open, o);
        }
        int group = h->group >= 0 ? gmap[h->group] : -1;
        int still_head = 0;
        if (!a->stream_start && n1 + h->pos < W) {
            int added;
            rp_entry *d = rp_map_upsert(&a->head, rp_key(e), e->klen, e->hash, &added);
            if (!d) {
                rp_free(gmap);
                return -1;
            }
            if (added) {
                rp_head *x = rp_val(d);
                *x = *h;
                x->pos = n1 + h->pos;
                x->group = group;
                still_head = 1;
            }
        }
        if (h->kind == RP_HEAD_ORPHAN && group >= 0 && !continued && !still_head) {
            rp_group *g = rp_val(rp_map_at(&a->groups, (size_t)group));
            if (rp_example_add(g, rp_key(e), e->klen)) {
                rp_free(gmap);
                return -1;
            }
        }
    }
    rp_free(gmap);
    a->n += b->n;
    sweep_open(a);
    for (size_t i = 0; i < b->open.n; i++) {
        rp_entry *e = rp_map_at(&b->open, i);
        rp_entry *d = rp_map_upsert(&a->open, rp_key(e), e->klen, e->hash, NULL);
        if (!d)
            return -1;
        ((rp_open *)rp_val(d))->last = n1 + ((const rp_open *)rp_val(e))->last;
    }
    return 0;
}

static int merge_bads(kap_replay_summary *a, const kap_replay_summary *b, uint32_t piece_shift, uint64_t line_shift)
{
    a->bad += b->bad - b->n_bads;
    for (size_t i = 0; i < b->n_bads; i++) {
        const rp_bad *x = &b->bads[i];
        uint32_t piece = x->piece + piece_shift;
        uint64_t lr = x->line_rel + (x->piece == 0 ? line_shift : 0);
        if (add_bad(a, piece, lr, x->msg))
            return -1;
    }
    return 0;
}

static int frag_cat(rp_frag *dst, const rp_frag *src, uint64_t max)
{
    uint64_t len = dst->len + src->len;
    if (len > max) {
        rp_buf_free(&dst->bytes);
        dst->len = len;
        return 0;
    }
    rp_buf_add(&dst->bytes, src->bytes.s, src->bytes.len);
    dst->len = len;
    return dst->bytes.oom ? -1 : 0;
}

static int same_rules(const rp_rules *x, const rp_rules *y)
{
    return x->n == y->n && x->fingerprint == y->fingerprint;
}

int kap_replay_merge(kap_replay *r, kap_replay_summary *a, const kap_replay_summary *b)
{
    if (!r || !a || !b || a == b)
        return KAP_EARG;
    if (a->window != b->window || a->max_line != b->max_line || a->has_compare != b->has_compare ||
        !same_rules(&a->rules_a, &b->rules_a) || !same_rules(&a->rules_a, &r->rules_a) ||
        (a->has_compare && (!same_rules(&a->rules_b, &b->rules_b) || !same_rules(&a->rules_b, &r->rules_b))) ||
        (!a->has_compare && r->compare) || a->window != r->window || a->max_line != r->max_line)
        return KAP_EINVALID;
    if (!b->n_pieces)
        return KAP_OK;
    rp_piece *alast = a->n_pieces ? &a->pieces[a->n_pieces - 1] : NULL;
    const rp_piece *bfirst = &b->pieces[0];
    int cont = alast && !alast->ends;
    if (cont && (bfirst->begins || strcmp(alast->name, bfirst->name) != 0))
        return KAP_EINVALID;
    if (alast && alast->ends && !bfirst->begins)
        return KAP_EINVALID;

    /* the line cut between them */
    kap_replay_summary *joined = NULL;
    int rc = 0;
    if (!alast) {
        a->stream_start = b->stream_start;
        a->lead_state = b->lead_state;
        a->lead_nl = b->lead_nl;
        if (frag_cat(&a->lead, &b->lead, a->max_line))
            return KAP_ENOMEM;
    } else if (cont && a->lead_state == RP_LEAD_OPEN) {
        if (frag_cat(&a->lead, &b->lead, a->max_line))
            return KAP_ENOMEM;
        a->lead_state = b->lead_state;
        a->lead_nl = b->lead_nl;
    } else if (cont) {
        if (frag_cat(&a->tail, &b->lead, a->max_line))
            return KAP_ENOMEM;
        if (b->lead_state != RP_LEAD_OPEN) {
            joined = rp_summary_new(&r->rules_a, &r->rules_b, r->window, r->max_line);
            if (!joined)
                return KAP_ENOMEM;
            uint32_t piece = (uint32_t)(a->n_pieces - 1);
            rc = line(r, joined, a->tail.bytes.s ? a->tail.bytes.s : "", a->tail.bytes.len, a->tail.len,
                      b->lead_nl, piece, alast->lines);
            frag_clear(&a->tail);
        }
    }
    if (!rc && joined && (merge_core(a, joined) || merge_bads(a, joined, 0, 0)))
        rc = -2;
    kap_replay_summary_free(joined);
    if (rc)
        return rc == -3 ? KAP_EIO : KAP_ENOMEM;

    /* pieces: b's first continues a's last, or follows it */
    uint64_t line_shift = cont && alast ? alast->lines : 0;
    uint32_t piece_shift = (uint32_t)(cont ? a->n_pieces - 1 : a->n_pieces);
    if (b->lead_state != RP_LEAD_OPEN || !cont) {
        rp_frag t = {{0}, 0};
        if (frag_cat(&t, &b->tail, a->max_line)) {
            rp_buf_free(&t.bytes);
            return KAP_ENOMEM;
        }
        if (b->lead_state != RP_LEAD_OPEN || !alast)
            frag_move(&a->tail, &t);
        else
            rp_buf_free(&t.bytes);
    }
    size_t from = 0;
    if (cont && alast) {
        alast->lines += bfirst->lines;
        alast->ends = bfirst->ends;
        from = 1;
    }
    for (size_t i = from; i < b->n_pieces; i++) {
        if (add_piece(a, b->pieces[i].name, b->pieces[i].begins))
            return KAP_ENOMEM;
        a->pieces[a->n_pieces - 1].ends = b->pieces[i].ends;
        a->pieces[a->n_pieces - 1].lines = b->pieces[i].lines;
    }
    if (merge_core(a, b) || merge_bads(a, b, piece_shift, line_shift))
        return KAP_ENOMEM;
    return KAP_OK;
}
