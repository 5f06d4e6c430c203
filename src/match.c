/* Deciding a request (semantics.md section 4): through the decision table,
 * and through a plain first-match scan kept beside it for verification.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "internal.h"
#include "table.h"

#ifdef KAP_COUNT_WORK
_Thread_local unsigned long kap_work_count;
#endif

/* A request's strings are read only after measure() has set them (the
 * have bits); gcc cannot follow that through the matcher and warns. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

typedef struct sv {
    const char *s;
    size_t n;
} sv;

/* A request being decided. Its strings are taken (and, given as C
 * strings, measured) as matching needs them: have holds the A_* attributes
 * (table.h) whose strings are there, src or src_n the request they come
 * from. The user's presence and the groups are read from the request
 * itself (has_user(), n_groups(), group_at()). */
typedef struct nreq {
    unsigned have;
    int resource_request;
    sv user, verb, ns, group, resource, sub, name, path;
    const kap_request *src;
    const kap_request_n *src_n;
} nreq;

#define HAVE_ALL (A_USER | A_NS | A_VERB | A_GROUPS | A_URL | A_RES)

static sv mk(const char *s)
{
    sv v = {s ? s : "", s ? strlen(s) : 0};
    return v;
}

static inline sv mk_n(kap_str s)
{
    sv v = {s.ptr ? s.ptr : "", s.ptr ? s.len : 0};
    return v;
}

/* ln: the request came with lengths (src_n). The matcher passes it as a
 * constant, so each entry point gets its own copy of the code; elsewhere
 * it is q->src_n != NULL. */
static inline int has_user(const nreq *q, const int ln)
{
    return ln ? q->src_n->user.ptr != NULL : q->src->user != NULL;
}

static inline size_t n_groups(const nreq *q, const int ln)
{
    if (ln)
        return q->src_n->groups ? q->src_n->n_groups : 0;
    return q->src->groups ? q->src->n_groups : 0;
}

static inline sv group_at(const nreq *q, size_t i, const int ln)
{
    return ln ? mk_n(q->src_n->groups[i]) : mk(q->src->groups[i]);
}

static void measure_all(nreq *q);

/* A C-string request, its strings not yet measured. */
static inline int prepare(const kap_request *r, nreq *n)
{
    if (!r || r->version < 1)
        return KAP_EARG;
    n->resource_request = r->resource_request != 0;
    n->have = 0;
    n->src = r;
    n->src_n = NULL;
    return KAP_OK;
}

/* A request with lengths, its strings not yet taken. */
static inline int prepare_n(const kap_request_n *r, nreq *n)
{
    if (!r || r->version < 1)
        return KAP_EARG;
    n->resource_request = r->resource_request != 0;
    n->have = 0;
    n->src = NULL;
    n->src_n = r;
    return KAP_OK;
}

/* ---- reference: kube-apiserver's checker, rule by rule ------------------------ */

static int eq(const cstr *a, const char *s, size_t n)
{
    return a->len == n && memcmp(a->s, s, n) == 0;
}

static int has(const cstrs *l, const char *s, size_t n)
{
    for (uint32_t i = 0; i < l->n; i++) {
        WORK(1 + n / 8);
        if (eq(&l->v[i], s, n))
            return 1;
    }
    return 0;
}

static int resource_matches(const crule *r, const nreq *q, int group_any_ok)
{
    /* combined = resource or resource/subresource */
    for (uint32_t g = 0; g < r->n_res; g++) {
        const cgr *gr = &r->res[g];
        int group_ok = eq(&gr->group, q->group.s, q->group.n) || (group_any_ok && eq(&gr->group, "*", 1));
        if (!group_ok)
            continue;
        if (gr->resources.n == 0)
            return 1;
        if (gr->names.n && !has(&gr->names, q->name.s, q->name.n))
            continue;
        for (uint32_t k = 0; k < gr->resources.n; k++) {
            const cstr *res = &gr->resources.v[k];
            int combined_eq;
            if (q->sub.n == 0) {
                combined_eq = eq(res, q->resource.s, q->resource.n);
            } else {
                combined_eq = res->len == q->resource.n + 1 + q->sub.n &&
                              memcmp(res->s, q->resource.s, q->resource.n) == 0 &&
                              res->s[q->resource.n] == '/' &&
                              memcmp(res->s + q->resource.n + 1, q->sub.s, q->sub.n) == 0;
            }
            if (combined_eq || eq(res, "*", 1))
                return 1;
            if (q->sub.n && res->len >= 2 && res->s[0] == '*' && res->s[1] == '/' &&
                res->len - 2 == q->sub.n && memcmp(res->s + 2, q->sub.s, q->sub.n) == 0)
                return 1;
            if (res->len >= 2 && res->s[res->len - 2] == '/' && res->s[res->len - 1] == '*' &&
                res->len - 2 == q->resource.n && memcmp(res->s, q->resource.s, q->resource.n) == 0)
                return 1;
        }
    }
    return 0;
}

static int url_matches(const crule *r, const nreq *q)
{
    for (uint32_t k = 0; k < r->urls.n; k++) {
        const cstr *spec = &r->urls.v[k];
        if (spec->stem == CSTR_NOSTAR) {
            if (eq(spec, q->path.s, q->path.n))
                return 1;
        } else if (q->path.n >= spec->stem && memcmp(q->path.s, spec->s, spec->stem) == 0) {
            /* trailing stars: a prefix ("*" matches every path; a path
             * equal to the spec starts with its stem too) */
            return 1;
        }
    }
    return 0;
}

/* who: the request has a user; ng: its groups (read once per request) */
static int rule_matches(const crule *r, const nreq *q, int group_any_ok, const int ln, int who, size_t ng)
{
    WORK(1);
    if (r->users.n && (!who || !has(&r->users, q->user.s, q->user.n)))
        return 0;
    if (r->groups.n) {
        if (!who)
            return 0;
        int any = 0;
        for (size_t i = 0; i < ng && !any; i++) {
            sv g = group_at(q, i, ln);
            any = has(&r->groups, g.s, g.n);
        }
        if (!any)
            return 0;
    }
    if (r->verbs.n && !has(&r->verbs, q->verb.s, q->verb.n))
        return 0;
    if (r->namespaces.n || r->n_res) {
        if (!q->resource_request)
            return 0;
        if (r->namespaces.n && !has(&r->namespaces, q->ns.s, q->ns.n))
            return 0;
        if (r->n_res == 0)
            return 1;
        return resource_matches(r, q, group_any_ok);
    }
    if (r->urls.n) {
        if (q->resource_request)
            return 0;
        return url_matches(r, q);
    }
    return 1;
}

static void result_for(const kap_policy *p, long rule, kap_decision *out)
{
    *out = p->table->results[rule < 0 ? (long)p->nrules : rule];
}

static int reference(const kap_policy *p, const nreq *q, kap_decision *out)
{
    int group_any_ok = p->kube_minor >= 36;
    const int ln = q->src_n != NULL;
    const int who = has_user(q, ln);
    const size_t ng = n_groups(q, ln);
    for (size_t i = 0; i < p->nrules; i++) {
        if (rule_matches(&p->rules[i], q, group_any_ok, ln, who, ng)) {
            result_for(p, (long)i, out);
            return KAP_OK;
        }
    }
    result_for(p, -1, out);
    return KAP_OK;
}

int kap_policy_match_reference(const kap_policy *p, const kap_request *request, kap_decision *out)
{
    nreq q;
    if (!p || !out || prepare(request, &q))
        return KAP_EARG;
    measure_all(&q); /* the scan reads every string */
    return reference(p, &q, out);
}

int kap_policy_match_reference_n(const kap_policy *p, const kap_request_n *request, kap_decision *out)
{
    nreq q;
    if (!p || !out || prepare_n(request, &q))
        return KAP_EARG;
    measure_all(&q);
    return reference(p, &q, out);
}

/* ---- the decision table --------------------------------------------------------- */

#define MAXP 40 /* sets OR-ed for one attribute; more falls back to the scan */

typedef struct field {
    uint32_t s[MAXP]; /* set indexes */
    int n;
} field;

static const strslot *find_h(const kap_strtab *t, uint64_t h, const char *s, size_t n)
{
    size_t i = (size_t)h & (t->nindex - 1);
    for (;;) {
        WORK(1 + n / 8); /* a probe, and the string compared */
        uint64_t v = t->index[i];
        if (!v)
            return NULL;
        if (v >> 32 == h >> 32) {
            const strslot *e = &t->slots[(uint32_t)v - 1];
            if (e->len == n && memcmp(e->s, s, n) == 0)
                return e;
        }
        i = (i + 1) & (t->nindex - 1);
    }
}

static inline const strslot *find(const kap_strtab *t, const char *s, size_t n)
{
    WORK(1 + n / 8); /* the hash */
    if (n > 16)
        return find_h(t, str_hash(s, n), s, n);
    /* short strings compare as two words, no memcmp */
    uint64_t a, b;
    str_words(s, n, &a, &b);
    uint64_t h = words_hash(a, b, n);
    size_t i = (size_t)h & (t->nindex - 1);
    for (;;) {
        WORK(1);
        uint64_t v = t->index[i];
        if (!v)
            return NULL;
        if (v >> 32 == h >> 32) {
            const strslot *e = &t->slots[(uint32_t)v - 1];
            if (e->len == n && e->wa == a && e->wb == b)
                return e;
        }
        i = (i + 1) & (t->nindex - 1);
    }
}

/* The bucket entry of string s in bucket d (LM_DESC, not hashed), or NULL. */
KAP_HOT_INLINE const lment *bucket_find(const kap_table *tb, uint32_t d, const char *s,
                                                                      size_t n)
{
    const lment *m = tb->lm + (d >> 4), *end = m + (d & (LM_HASHED - 1));
    WORK((size_t)(end - m) * (1 + n / 8)); /* at most LM_MAX strings compared */
    if (n <= 16) {
        uint64_t wa, wb;
        str_words(s, n, &wa, &wb);
        for (; m < end; m++)
            if (m->wa == wa && m->wb == wb)
                return m;
        return NULL;
    }
    if (n <= 32) {
        /* the bucket holds this length: compare four (overlapping) words */
        uint64_t w0, w1, w2, w3;
        memcpy(&w0, s, sizeof w0), memcpy(&w1, s + 8, sizeof w1), memcpy(&w2, s + n - 16, sizeof w2),
            memcpy(&w3, s + n - 8, sizeof w3);
        for (; m < end; m++) {
            uint64_t v0, v1, v2, v3;
            memcpy(&v0, m->s, sizeof v0), memcpy(&v1, m->s + 8, sizeof v1), memcpy(&v2, m->s + n - 16, sizeof v2),
                memcpy(&v3, m->s + n - 8, sizeof v3);
            if (((v0 ^ w0) | (v1 ^ w1) | (v2 ^ w2) | (v3 ^ w3)) == 0)
                return m;
        }
        return NULL;
    }
    for (; m < end; m++)
        if (m->len == n && memcmp(m->s, s, n) == 0)
            return m;
    return NULL;
}

/* The bucket of strings of role lr as long as s (n bytes). */
static inline uint32_t bucket(const kap_table *tb, int lr, size_t n)
{
    return tb->lm_desc[lr][n < LM_LONG ? n : LM_LONG];
}

/* The string s as a string of role lr (LR_*), or NULL. */
KAP_HOT_INLINE const strslot *lookup(const kap_table *tb, const kap_strtab *st, int lr, const char *s, size_t n)
{
    uint32_t d = bucket(tb, lr, n);
    if (!d)
        return NULL;
    if (d == LM_HASHED)
        return find(st, s, n);
    const lment *m = bucket_find(tb, d, s, n);
    return m ? &st->slots[m->slot] : NULL;
}

/* The same for the string roles (lr one of LR_USER..LR_URLPREFIX): the
 * first word (rules 0-63) of the string's set in that role, 0 when it has
 * none; *slot is the string's slot, or NULL. */
KAP_HOT_INLINE uint64_t lookup_word0(const kap_table *tb, const kap_strtab *st, int lr,
                                                                   const char *s, size_t n, const strslot **slot)
{
    uint32_t d = bucket(tb, lr, n);
    const lment *m;
    if (d == LM_HASHED) {
        const strslot *e = find(st, s, n);
        *slot = e;
        return e && e->set[lr] ? tb->mask1[e->set[lr] - 1] : 0;
    }
    if (!d || !(m = bucket_find(tb, d, s, n))) {
        *slot = NULL;
        return 0;
    }
    *slot = &st->slots[m->slot];
    return m->word0;
}

#define NOSET 0xFFFFFFFFu

static inline uint32_t role_set(const strslot *e, int role)
{
    return e && e->set[role] ? e->set[role] - 1 : NOSET;
}

static inline void push(field *f, uint32_t set)
{
    if (set != NOSET) {
        if (f->n < MAXP)
            f->s[f->n++] = set;
        else
            f->n = MAXP + 1; /* overflow: the caller falls back to the scan */
    }
}

/* The string resource + "/" + subresource, without building it where it fits. */
static const strslot *combined(const kap_table *tb, const kap_strtab *t, const nreq *q)
{
    size_t n = q->resource.n + 1 + q->sub.n;
    char buf[512];
    if (n <= sizeof buf) {
        memcpy(buf, q->resource.s, q->resource.n);
        buf[q->resource.n] = '/';
        memcpy(buf + q->resource.n + 1, q->sub.s, q->sub.n);
        return lookup(tb, t, LR_RES, buf, n);
    }
    /* rare: compare piecewise against every string of that length (a
     * string table with strings has its slots: compile.c) */
    KAP_ANALYZER_ASSUME(t->count == 0 || t->slots != NULL);
    for (size_t i = 0; i < t->count; i++) {
        const strslot *e = &t->slots[i];
        if (e->len == n && memcmp(e->s, q->resource.s, q->resource.n) == 0 &&
            e->s[q->resource.n] == '/' && memcmp(e->s + q->resource.n + 1, q->sub.s, q->sub.n) == 0)
            return e;
    }
    return NULL;
}

/* The resource entries hung on one string that this request satisfies. */
static void push_entries(field *f, const resentry *e, size_t n, uint32_t kind_a, uint32_t kind_b, uint32_t gid,
                         uint32_t name)
{
    WORK(n);
    for (size_t i = 0; i < n; i++, e++) {
        if ((e->kind == kind_a || e->kind == kind_b) && (e->group == gid || e->group == GROUP_ANY) &&
            (e->name == 0 || e->name == name))
            push(f, e->set);
    }
}

/* The set of one resource key, by hash. */
static uint32_t key_set(const kap_table *t, uint32_t kind, uint32_t a, uint32_t b, uint32_t c)
{
    size_t i = (size_t)key_hash4(kind, a, b, c) & (t->nkeys_slots - 1);
    for (;;) {
        WORK(1);
        const keyslot *k = &t->keys[i];
        if (!k->kind)
            return NOSET;
        if (k->kind == kind && k->a == a && k->b == b && k->c == c)
            return k->set;
        i = (i + 1) & (t->nkeys_slots - 1);
    }
}

/* The keys of one kind (its named variant too, where the request's name
 * is one the policy lists) for the request's group gid and group "*",
 * where such keys exist (has_kind). */
static inline void probe_kind(const kap_table *t, field *f, uint32_t kind, uint32_t b, uint32_t gid, uint32_t name)
{
    const unsigned hk = t->has_kind[kind], hn = name != NOSET ? t->has_kind[kind + K_NAMED] : 0;
    if (gid != NOSET) {
        if (hk & HK_GROUP)
            push(f, key_set(t, kind, gid, b, 0));
        if (hn & HK_GROUP)
            push(f, key_set(t, kind + K_NAMED, gid, b, name));
    }
    if (hk & HK_ANY)
        push(f, key_set(t, kind, GROUP_ANY, b, 0));
    if (hn & HK_ANY)
        push(f, key_set(t, kind + K_NAMED, GROUP_ANY, b, name));
}

/* The same as push_entries for a string with many entries (one resource
 * name used in many API groups, one group with many resourceNames): the
 * few keys this request can satisfy are looked up instead of scanned.
 * (Out of line: inlined, it cost the strings of few entries a few
 * instructions in slot_entries.) */
static __attribute__((noinline)) void probe_entries(const kap_table *t, field *f, uint32_t by, uint32_t kind_a,
                                                    uint32_t kind_b, uint32_t gid, uint32_t name)
{
    probe_kind(t, f, kind_a, kind_a == K_RALL || kind_a == K_RSTAR ? 0 : by, gid, name);
    if (kind_b != kind_a)
        probe_kind(t, f, kind_b, kind_b == K_RALL || kind_b == K_RSTAR ? 0 : by, gid, name);
}

#define SCAN_ENTRIES 8 /* more entries on one string: probe_entries */

static void slot_entries(const kap_table *t, field *f, const strslot *s, uint32_t kind_a, uint32_t kind_b,
                         uint32_t gid, uint32_t name)
{
    if (s->res_n <= SCAN_ENTRIES)
        push_entries(f, t->res + s->res_off, s->res_n, kind_a, kind_b, gid, name);
    else
        probe_entries(t, f, s->id, kind_a, kind_b, gid, name);
}

static void resource_sets(const kap_table *t, const kap_strtab *st, const nreq *q, field *f)
{
    const strslot *g = lookup(t, st, LR_APIGROUP, q->group.s, q->group.n);
    uint32_t gid = g ? g->id : NOSET;
    const strslot *ns = t->has_names ? lookup(t, st, LR_NAME, q->name.s, q->name.n) : NULL;
    uint32_t name = ns ? ns->id : NOSET; /* NOSET matches only entries without names */
    /* group-wide entries: every resource of the group */
    if (g && g->res_n)
        slot_entries(t, f, g, K_RALL, K_RSTAR, gid, name);
    if (t->any_n) {
        if (t->any_n <= SCAN_ENTRIES)
            push_entries(f, t->res + t->any_off, t->any_n, K_RALL, K_RSTAR, GROUP_ANY, name);
        else
            probe_entries(t, f, 0, K_RALL, K_RSTAR, NOSET, name);
    }
    if (!g && !t->has_group_any)
        return;
    const strslot *r = lookup(t, st, LR_RES, q->resource.s, q->resource.n);
    if (r && r->res_n)
        slot_entries(t, f, r, K_RRES, q->sub.n ? K_RRES : K_REXACT, gid, name);
    if (q->sub.n) {
        const strslot *sb = lookup(t, st, LR_SUB, q->sub.s, q->sub.n);
        if (sb && sb->res_n)
            slot_entries(t, f, sb, K_RSUB, K_RSUB, gid, name);
        const strslot *c = combined(t, st, q);
        if (c && c->res_n)
            slot_entries(t, f, c, K_REXACT, K_REXACT, gid, name);
    }
}

/* The slot index of string s in role lr, or NOSET. */
KAP_HOT_INLINE uint32_t slot_index(const kap_table *t, const kap_strtab *st, int lr,
                                                                 const char *s, size_t n)
{
    const strslot *e = lookup(t, st, lr, s, n);
    return e ? (uint32_t)(e - st->slots) : NOSET;
}

/* A small policy's rules whose resources accept the request (as
 * resource_matches does, every entry at once): the entries of the
 * request's group, of which those of any resource, or those whose listed
 * resources accept the resource and subresource and whose names accept
 * the name (table.h, ent_words); then their rules. */
KAP_HOT_INLINE uint64_t res_word_small(const kap_table *t, const kap_strtab *st,
                                                                     const nreq *q)
{
    const uint64_t *ew = t->ent_words;
    uint32_t i = slot_index(t, st, LR_APIGROUP, q->group.s, q->group.n);
    uint64_t ent = t->ent_gany | (i != NOSET ? ew[(size_t)i * EW_N + EW_GROUP] : 0);
    if (ent & ~t->ent_rall) {
        uint64_t res = t->ent_rstar;
        i = slot_index(t, st, LR_RES, q->resource.s, q->resource.n);
        if (i != NOSET)
            res |= ew[(size_t)i * EW_N + EW_RRES] | (q->sub.n ? 0 : ew[(size_t)i * EW_N + EW_REXACT]);
        if (q->sub.n) {
            i = slot_index(t, st, LR_SUB, q->sub.s, q->sub.n);
            if (i != NOSET)
                res |= ew[(size_t)i * EW_N + EW_SUB];
            const strslot *c = combined(t, st, q);
            if (c)
                res |= ew[(size_t)(c - st->slots) * EW_N + EW_REXACT];
        }
        if (res & ~t->ent_noname) {
            uint64_t named = 0;
            if ((i = slot_index(t, st, LR_NAME, q->name.s, q->name.n)) != NOSET)
                named = ew[(size_t)i * EW_N + EW_NAME];
            res &= t->ent_noname | named;
        }
        ent &= t->ent_rall | res;
    } /* else every entry of the group takes any resource */
    uint64_t rules = 0;
    for (; ent; ent &= ent - 1)
        rules |= 1ULL << t->ent_rule[__builtin_ctzll(ent)];
    return rules;
}

/* The sets of the rules whose nonResourceURLs accept the request's path:
 * the path as written, and each of its prefixes as long as a prefix a
 * rule lists (without url_base, the rules that take every path). */
static void url_sets(const kap_table *t, const kap_strtab *st, const nreq *q, field *f)
{
    push(f, role_set(lookup(t, st, LR_URLEXACT, q->path.s, q->path.n), ROLE_URLEXACT));
    for (size_t k = 0; k < t->n_pfx_lens && t->pfx_lens[k] <= q->path.n; k++)
        push(f, role_set(lookup(t, st, LR_URLPREFIX, q->path.s, t->pfx_lens[k]), ROLE_URLPREFIX));
}

/* Up to 64 rules (and the first 64 of larger policies): every set is
 * one word. The first candidate rule is checked directly, as the plain
 * scan would. Then the lowest rule still possible names the attributes it
 * constrains; the first of those not yet looked up is looked up, which
 * removes every rule that rejects its value at once, until the lowest
 * rule left has all its attributes looked up: it decides. A request's
 * strings are measured only when an attribute needs them. */
static inline sv lazy(const char *s)
{
    return mk(s);
}

/* ln: the request came with lengths (a constant where it is inlined, so
 * each entry point gets its own copy of the matcher). */
KAP_HOT_INLINE void measure(nreq *q, unsigned a, const int ln)
{
    if (ln) {
        /* nothing to measure: taking a string again costs less than
         * remembering it was taken */
        const kap_request_n *rn = q->src_n;
        switch (a) {
        case A_USER: q->user = mk_n(rn->user); break;
        case A_VERB: q->verb = mk_n(rn->verb); break;
        case A_NS: q->ns = mk_n(rn->ns); break;
        case A_URL: q->path = mk_n(rn->path); break;
        default:
            if (q->have & A_RES)
                break;
            q->have |= A_RES;
            q->group = mk_n(rn->api_group);
            q->resource = mk_n(rn->resource);
            q->sub = mk_n(rn->subresource);
            q->name = mk_n(rn->name);
            break;
        }
        return;
    }
    if (q->have & a)
        return;
    q->have |= a;
    const kap_request *r = q->src;
    switch (a) {
    case A_USER: q->user = lazy(r->user); break;
    case A_VERB: q->verb = lazy(r->verb); break;
    case A_NS: q->ns = lazy(r->ns); break;
    case A_URL: q->path = lazy(r->path); break;
    default:
        q->group = lazy(r->api_group);
        q->resource = lazy(r->resource);
        q->sub = lazy(r->subresource);
        q->name = lazy(r->name);
        break;
    }
}

/* Every string matching may use (all the scan reads). */
static void measure_all(nreq *q)
{
    if (q->have == HAVE_ALL)
        return;
    const int ln = q->src_n != NULL;
    measure(q, A_USER, ln); /* no user: "" (has_user() tells) */
    measure(q, A_VERB, ln);
    if (q->resource_request) {
        measure(q, A_NS, ln);
        measure(q, A_RES, ln);
        q->path = lazy(NULL);
    } else {
        measure(q, A_URL, ln);
        q->ns = q->group = q->resource = q->sub = q->name = lazy(NULL);
    }
    q->have = HAVE_ALL;
}

/* Whether rule r accepts the request on the attributes in need (the rule's
 * scope already known to fit the request), checked as the plain scan
 * does, measuring the request's strings as they are needed. */
KAP_HOT_INLINE int rule_direct(const crule *r, nreq *q, unsigned need,
                                                             int group_any_ok, const int ln)
{
    if (need & A_USER) {
        if (!has_user(q, ln))
            return 0;
        measure(q, A_USER, ln);
        if (!has(&r->users, q->user.s, q->user.n))
            return 0;
    }
    if (need & A_GROUPS) {
        if (!has_user(q, ln))
            return 0;
        int any = 0;
        for (size_t i = 0; i < n_groups(q, ln) && !any; i++) {
            sv g = group_at(q, i, ln);
            any = has(&r->groups, g.s, g.n);
        }
        if (!any)
            return 0;
    }
    if (need & A_VERB) {
        measure(q, A_VERB, ln);
        if (!has(&r->verbs, q->verb.s, q->verb.n))
            return 0;
    }
    if (need & A_NS) {
        measure(q, A_NS, ln);
        if (!has(&r->namespaces, q->ns.s, q->ns.n))
            return 0;
    }
    if (need & A_RES) {
        measure(q, A_RES, ln);
        if (!resource_matches(r, q, group_any_ok))
            return 0;
    }
    if (need & A_URL) {
        measure(q, A_URL, ln);
        if (!url_matches(r, q))
            return 0;
    }
    return 1;
}

/* The first 64 rules' word of a set: all of it for small policies. */
#define word0(t, set) ((t)->mask1[(set)])

/* Field slots for the attributes match_first64 looks up, kept for
 * match_words: index = bit position of the A_* value. */
enum { AI_USER, AI_NS, AI_VERB, AI_GROUPS, AI_URL, AI_RES, NAI };

/* Decides among the first 64 rules. Returns 1 with *out set, or 0 when
 * none of them matches and the policy has more (for match_words). */
KAP_HOT_INLINE int match_first64(const kap_policy *p, nreq *qp,
                                                               kap_decision *out, const int small, field *fl,
                                                               unsigned *done_out, const int ln)
{
    const kap_table *t = p->table;
    const kap_strtab *st = p->strtab;
    const uint8_t *needs = t->need;
#define q (*qp)
    uint64_t x = word0(t, q.resource_request ? t->scope_res : t->scope_nonres);
    unsigned done = 0;
    const strslot *e;
    /* the first rules, as the scan would check them: when one decides,
     * nothing is looked up */
    for (uint64_t d = x & ((1ULL << t->ndirect) - 1); d; d &= d - 1) {
        unsigned r = (unsigned)__builtin_ctzll(d);
        if (rule_direct(&p->rules[r], &q, needs[r], p->kube_minor >= 36, ln)) {
            *out = t->results[r];
            return 1;
        }
        x &= ~(1ULL << r);
    }

    /* one block per attribute, cheapest first; each ends by taking the
     * lowest rule again */
#define KEEP(ai, set)                        \
    do {                                     \
        if (!small)                          \
            push(&fl[ai], (set));            \
    } while (0)
    for (;;) {
        if (!x)
            break;
        size_t lo = (size_t)__builtin_ctzll(x);
        unsigned need = needs[lo] & ~done;
        if (!need) {
            *out = t->results[lo];
            return 1;
        }
        if (need & A_USER) {
            done |= A_USER;
            uint64_t y = word0(t, t->any_user);
            if (has_user(&q, ln)) {
                measure(&q, A_USER, ln);
                y |= lookup_word0(t, st, LR_USER, q.user.s, q.user.n, &e);
                KEEP(AI_USER, role_set(e, ROLE_USER));
            }
            x &= y;
            continue;
        }
        if (need & A_NS) {
            done |= A_NS;
            measure(&q, A_NS, ln);
            x &= word0(t, t->ns_base) | lookup_word0(t, st, LR_NS, q.ns.s, q.ns.n, &e);
            KEEP(AI_NS, role_set(e, ROLE_NS));
            continue;
        }
        if (need & A_VERB) {
            done |= A_VERB;
            measure(&q, A_VERB, ln);
            x &= word0(t, t->any_verb) | lookup_word0(t, st, LR_VERB, q.verb.s, q.verb.n, &e);
            KEEP(AI_VERB, role_set(e, ROLE_VERB));
            continue;
        }
        if (need & A_GROUPS) {
            done |= A_GROUPS;
            uint64_t y = word0(t, t->any_group);
            if (has_user(&q, ln)) {
                size_t ng = n_groups(&q, ln);
                for (size_t k = 0; k < ng; k++) {
                    sv g = group_at(&q, k, ln);
                    y |= lookup_word0(t, st, LR_GROUP, g.s, g.n, &e);
                    KEEP(AI_GROUPS, role_set(e, ROLE_GROUP));
                }
            }
            if (!small && KAP_UNLIKELY(fl[AI_GROUPS].n > MAXP))
                return (measure_all(&q), reference(p, &q, out) == KAP_OK);
            x &= y;
            continue;
        }
        if (small && t->ent_words && !(need & A_URL)) {
            done |= A_RES;
            measure(&q, A_RES, ln);
            x &= word0(t, t->res_base) | res_word_small(t, st, &q);
            continue;
        }
        field fs; /* f->n is set next, before any read: not initialised, hot path */
        // cppcheck-suppress uninitvar
        field *f = small ? &fs : &fl[need & A_URL ? AI_URL : AI_RES];
        f->n = 0;
        uint64_t y;
        if (need & A_URL) {
            done |= A_URL;
            measure(&q, A_URL, ln);
            y = word0(t, t->url_base);
            url_sets(t, st, &q, f);
        } else { /* A_RES */
            done |= A_RES;
            measure(&q, A_RES, ln);
            y = word0(t, t->res_base);
            resource_sets(t, st, &q, f);
        }
        if (KAP_UNLIKELY(f->n > MAXP))
            return (measure_all(&q), reference(p, &q, out) == KAP_OK);
        WORK(f->n);
        for (int k = 0; k < f->n; k++)
            y |= word0(t, f->s[k]);
        x &= y;
    }
#undef KEEP
#undef q
    if (!small) {
        *done_out = done;
        return 0;
    }
    *out = t->results[t->nrules];
    return 1;
}
#undef word0

/* ---- beyond the first 64 rules -------------------------------------------------
 * Rules are grouped by the attributes they constrain (table.h, groups): a
 * rule of a group that constrains attributes C matches when, for every
 * attribute in C, it is in the set of the request's value (value sets
 * hold only rules that name that attribute). The rules of a group lie at
 * consecutive positions, so within a group's range no other group's rules
 * appear: no wildcard makes a set dense there. For each group, by first
 * rule, only the request's sets that fall in it (set_gmask) take part, as
 * cursors set up when first needed; the attribute whose sets have the
 * fewest words in the group drives: only its non-zero words within the
 * range are visited, each ANDed with the other attributes' words there,
 * found through cursors that only move forward (galloping; a large set
 * starts each group at its first word there, and where it holds every word
 * of the group a word's place is known: table.h, gidx). The first word
 * left non-zero holds the group's first matching rule; groups whose first
 * rule comes after the best rule found so far are not visited.
 *
 * Work, per decision: per group, the driver's words in its range and the
 * other cursors' moves, each at most about twice the range's words; the
 * ranges do not overlap, so a constant times W (the policy's 64-rule words,
 * plus one per group: at most 192) for each set the request's values
 * select, plus the lookups, which follow the request's bytes
 * (tests/test_work.c counts it). */

/* A forward-only cursor over one set's words. */
typedef struct cursor {
    const uint32_t *wi;
    const uint64_t *wm;
    uint32_t i, n, dense;
    uint32_t doff;       /* dense: word w is at index w + doff */
    const uint32_t *gi;  /* the set's entries per group (table.h, gidx), or NULL */
} cursor;

static inline void cursor_init(cursor *c, const kap_table *t, uint32_t set)
{
    const kset *k = &t->sets[set];
    c->wi = t->widx + k->off;
    c->wm = t->wmask + k->off;
    c->i = 0;
    c->n = k->nw;
    c->dense = k->nw == t->W;
    c->doff = 0;
    c->gi = k->gi != NOWORD ? t->gidx + k->gi : NULL;
}

/* A visit to group g starts: a cursor whose set has entries per group
 * goes to its first word at or after the group's first word, and knows
 * whether its set holds every word of the group's range from there. */
static inline void cursor_enter(cursor *c, const rgroup *g)
{
    if (c->gi) {
        uint32_t e = c->gi[g->gbit];
        WORK(1);
        c->i = e & ~GIDX_DENSE;
        c->dense = e >> 31;
        c->doff = c->i - g->ws;
    }
}

/* Moves the cursor to its first word at or after w (i == n: none). The
 * cursors of a decision serve every group in turn: the groups' ranges
 * ascend, and two touch in one word at most, so the cursor steps back at
 * most one word, to where the last group ended. (A cursor with entries
 * per group is put at the group's first word by cursor_enter instead,
 * backwards or forwards.) */
static inline void cursor_seek(cursor *c, uint32_t w)
{
    uint32_t lo = c->i, n = c->n;
    WORK(1);
    if (c->dense) {
        uint32_t i = w + c->doff;
        c->i = i < n ? i : n;
        return;
    }
    if (lo > 0 && c->wi[lo - 1] >= w)
        c->i = --lo;
    if (lo >= n || c->wi[lo] >= w)
        return;
    /* gallop: wi[lo] < w; find hi with wi[hi] >= w (or n) */
    uint32_t step = 1, hi;
    for (;;) {
        hi = lo + step;
        WORK(1);
        if (hi >= n || c->wi[hi] >= w)
            break;
        lo = hi;
        step *= 2;
    }
    if (hi > n)
        hi = n;
    while (hi - lo > 1) { /* wi[lo] < w <= wi[hi] */
        uint32_t mid = lo + (hi - lo) / 2;
        WORK(1);
        if (c->wi[mid] < w)
            lo = mid;
        else
            hi = mid;
    }
    c->i = hi;
}

/* Word w of the cursor's set; w is never less than a word asked before
 * (but for the one step back of cursor_seek). */
static inline uint64_t cursor_word(cursor *c, uint32_t w)
{
    if (c->dense) {
        WORK(1);
        return c->wm[w + c->doff];
    }
    cursor_seek(c, w);
    return c->i < c->n && c->wi[c->i] == w ? c->wm[c->i] : 0;
}

/* One attribute's value sets, as cursors (words: their words in all,
 * for an attribute of more than GSEL_MAX sets). */
typedef struct fcur {
    cursor c[MAXP];
    int n;
    uint32_t words;
} fcur;

static void fcur_init(fcur *f, const kap_table *t, const field *fl)
{
    f->n = fl->n;
    for (int k = 0; k < fl->n; k++)
        cursor_init(&f->c[k], t, fl->s[k]);
}

/* A group visit's cursors: per attribute the group constrains, those of
 * its value sets that fall in the group (set_gmask), set up and entered
 * (cursor_enter); the others cannot hold a rule of the group. An
 * attribute of more than GSEL_MAX sets (a user in dozens of groups) keeps
 * all of them, set up once a decision and never entered, as before the
 * index: picking them per group would cost every visit a pass over them
 * all. (Which way an attribute goes depends on its number of sets only,
 * so its cursors are entered in every group of a decision or in none.) */
#define GSEL_MAX 8
#define GSEL_ALL (1ULL << 63) /* inited[]: every set of the attribute set up, in sel (MAXP < 63) */
typedef struct gsel {
    cursor *c[NAI][MAXP];
    int n[NAI];
} gsel;

/* The driver's next word at or after its cursors' positions (NOSET:
 * none). */
static inline uint32_t driver_peek(cursor *const *c, int n)
{
    uint32_t w = NOSET;
    WORK(n);
    for (int k = 0; k < n; k++)
        if (c[k]->i < c[k]->n && c[k]->wi[c[k]->i] < w)
            w = c[k]->wi[c[k]->i];
    return w;
}

/* The driver's mask at word w (its next word); the cursors move past it. */
static inline uint64_t driver_take(cursor *const *c, int n, uint32_t w)
{
    uint64_t m = 0;
    for (int k = 0; k < n; k++)
        if (c[k]->i < c[k]->n && c[k]->wi[c[k]->i] == w)
            m |= c[k]->wm[c[k]->i++];
    return m;
}

/* The bits of group g's positions in word w (one of its words). */
static inline uint64_t range_mask(const rgroup *g, uint32_t w)
{
    return (w == g->ws ? g->mfirst : ~0ULL) & (w == g->we ? g->mlast : ~0ULL);
}

/* group_first where every attribute of the group has one value set in it
 * (the common case: one user, one verb, one namespace...; cs[0..nc), one
 * cursor per attribute, entered): the sets' words are
 * intersected by leapfrogging, each cursor sought to the highest word any
 * of them is at; where they meet, their masks are ANDed. Runs of words
 * the cursors all hold in turn cost a few instructions a word. */
static inline void group_first1(const kap_table *t, const rgroup *g, cursor *const *cs, int nc, size_t *best)
{
    KAP_ANALYZER_ASSUME(nc > 0); /* a group that constrains nothing is decided by visit_group */
    const int bounded = *best < t->nrules;
    const uint32_t ws = g->ws, we = g->we;
    const uint64_t mfirst = g->mfirst, mlast = g->mlast;
    uint32_t w = ws;
    for (;;) {
        /* every cursor at its first word at or after w, w the highest */
        for (int k = 0; k < nc;) {
            if (w > we)
                return;
            cursor *c = cs[k];
            cursor_seek(c, w);
            if (c->i >= c->n)
                return;
            uint32_t cw = c->wi[c->i];
            if (cw > w) {
                w = cw;
                k = k ? 0 : 1; /* the others must reach w too */
                continue;
            }
            k++;
        }
        if (w > we)
            return;
        /* all at w. Where every cursor holds the next words in a row
         * (dense within the group, as wildcard-heavy and adversarial
         * policies make them), the masks are ANDed straight along */
        if (nc == 2) {
            cursor *a = cs[0], *b = cs[1];
            uint32_t run = we - w + 1;
            if (a->n - a->i < run)
                run = a->n - a->i;
            if (b->n - b->i < run)
                run = b->n - b->i;
            if (run > 2 && a->wi[a->i + run - 1] == w + run - 1 && b->wi[b->i + run - 1] == w + run - 1 &&
                (!bounded || t->pos_rule[(size_t)(w + run - 1) * 64] < *best)) {
                const uint64_t *ma = a->wm + a->i, *mb = b->wm + b->i;
                uint64_t first = ma[0] & mb[0] & (w == ws ? mfirst : ~0ULL);
                uint32_t j = 1;
                if (!first) {
                    WORK(run);
                    for (; j + 4 <= run; j += 4)
                        if ((ma[j] & mb[j]) | (ma[j + 1] & mb[j + 1]) | (ma[j + 2] & mb[j + 2]) |
                            (ma[j + 3] & mb[j + 3]))
                            break;
                    for (; j < run && !(ma[j] & mb[j]); j++)
                        ;
                    if (j == run) {
                        /* nothing in the run: on past it */
                        a->i += run;
                        b->i += run;
                        w += run;
                        continue;
                    }
                } else {
                    j = 0;
                }
                a->i += j;
                b->i += j;
                w += j;
            }
        }
        /* step together while they stay in step */
        for (;;) {
            WORK(nc);
            /* positions from w on hold rules after *best: stop (a
             * group's positions are in rule order) */
            if (bounded && t->pos_rule[w == ws ? g->start : (size_t)w * 64] >= *best)
                return;
            uint64_t m = cs[0]->wm[cs[0]->i];
            for (int k = 1; k < nc; k++)
                m &= cs[k]->wm[cs[k]->i];
            if (w == ws)
                m &= mfirst;
            if (w == we)
                m &= mlast;
            if (m) {
                size_t r = t->pos_rule[(size_t)w * 64 + (size_t)__builtin_ctzll(m)];
                if (r < *best)
                    *best = r;
                return;
            }
            if (++w > we)
                return;
            int k = 0;
            for (; k < nc; k++) {
                cursor *c = cs[k];
                if (++c->i >= c->n)
                    return;
                if (c->wi[c->i] != w)
                    break;
            }
            if (k < nc) {
                /* cursor k is past w (the ones before it are at w) */
                w = cs[k]->wi[cs[k]->i];
                break;
            }
        }
    }
}

/* The first rule of group g (which constrains the attributes need) that
 * every attribute's cursors in sel hold, when lower than *best; *best
 * becomes that rule. d: the driver, one of need's attributes: only its
 * words are visited, each ANDed with the others' words there. */
static inline void group_first(const kap_table *t, const rgroup *g, gsel *sel, unsigned need, int d, size_t *best)
{
    cursor *const *dc = sel->c[d];
    const int dn = sel->n[d];
    /* the other attributes, those of fewer sets first: an attribute of
     * one set clears the driver's bits at the cost of one word, where
     * one of dozens of sets (a user's groups) reads a word of each set
     * its bits are not yet in */
    int oa[NAI], no = 0;
    for (unsigned o = need & ~(1u << d); o; o &= o - 1) {
        const int ai = __builtin_ctz(o);
        int j = no++;
        for (; j > 0 && sel->n[oa[j - 1]] > sel->n[ai]; j--)
            oa[j] = oa[j - 1];
        oa[j] = ai;
    }
    const uint32_t ws = g->ws, we = g->we;
    for (int k = 0; k < dn; k++)
        cursor_seek(dc[k], ws);
    for (;;) {
        uint32_t w = driver_peek(dc, dn);
        if (w == NOSET || w > we)
            return;
        uint64_t m = driver_take(dc, dn, w) & range_mask(g, w);
        if (!m)
            continue;
        /* the rules at positions from here on come after *best: stop */
        if (t->pos_rule[(size_t)w * 64 + (size_t)__builtin_ctzll(m)] >= *best)
            return;
        for (int x = 0; x < no && m; x++) {
            const int ai = oa[x];
            cursor *const *c = sel->c[ai];
            uint64_t y = 0;
            for (int k = 0; k < sel->n[ai] && (m & ~y); k++)
                y |= cursor_word(c[k], w);
            m &= y;
        }
        if (m) {
            size_t r = t->pos_rule[(size_t)w * 64 + (size_t)__builtin_ctzll(m)];
            if (r < *best)
                *best = r;
            return;
        }
    }
}

/* The value sets of attribute ai (AI_*) for the request, into f. (Inlined:
 * out of line, its calls cost the large policies' decisions about 100
 * instructions.) */
KAP_HOT_INLINE void value_sets(const kap_table *t, const kap_strtab *st, const nreq *q, int ai, field *f)
{
    const int ln = q->src_n != NULL;
    f->n = 0;
    switch (ai) {
    case AI_USER:
        if (has_user(q, ln))
            push(f, role_set(lookup(t, st, LR_USER, q->user.s, q->user.n), ROLE_USER));
        break;
    case AI_GROUPS:
        if (has_user(q, ln)) {
            for (size_t k = 0; k < n_groups(q, ln); k++) {
                sv g = group_at(q, k, ln);
                push(f, role_set(lookup(t, st, LR_GROUP, g.s, g.n), ROLE_GROUP));
            }
        }
        break;
    case AI_VERB: push(f, role_set(lookup(t, st, LR_VERB, q->verb.s, q->verb.n), ROLE_VERB)); break;
    case AI_NS: push(f, role_set(lookup(t, st, LR_NS, q->ns.s, q->ns.n), ROLE_NS)); break;
    case AI_URL: url_sets(t, st, q, f); break;
    default: resource_sets(t, st, q, f); break;
    }
}

/* One probe of the hashed groups' map: the lowest rule of group g with
 * the value sets key[0..na) (one per attribute g constrains, by A_* bit),
 * into *best when lower. */
static inline void hprobe(const kap_table *t, const rgroup *g, const uint32_t *key, unsigned na, size_t *best)
{
    const size_t mask = t->nhkeys_slots - 1;
    const uint32_t gid = g->gbit + 1u;
    for (size_t i = (size_t)hkey_hash(g->gbit, key, (int)na) & mask;; i = (i + 1) & mask) {
        const hkey *e = &t->hkeys[i];
        WORK(1);
        if (!e->g)
            return;
        if (e->g == gid) {
            unsigned j = 0;
            while (j < na && e->s[j] == key[j])
                j++;
            if (j == na) {
                if (e->rule < *best)
                    *best = e->rule;
                return;
            }
        }
    }
}

/* Group g, hashed (table.h, hkeys): each combination of the request's
 * value sets that fall in g, one per attribute g constrains, is probed;
 * the lowest rule found, when lower than *best, becomes *best. Returns 0
 * where the combinations are more than HASH_PROBES: the group is then
 * walked. (Out of line: inlined, it cost the policies without hashed
 * groups a few instructions a group in the walks.) */
static __attribute__((noinline)) int group_hashed_n(const kap_table *t, const rgroup *g, const field *fl,
                                                    size_t *best)
{
    uint32_t key[6] = {0};
    unsigned na = 0;
    uint32_t ls[NAI][HASH_PROBES];
    unsigned cnt[NAI], idx[NAI], prod = 1;
    const uint64_t bit = 1ULL << g->gbit;
    for (unsigned a = g->need; a; a &= a - 1) {
        const field *f = &fl[__builtin_ctz(a)];
        unsigned c = 0;
        WORK(f->n);
        for (int k = 0; k < f->n; k++) {
            if (t->set_gmask[f->s[k]] & bit) {
                if (c == HASH_PROBES)
                    return 0;
                ls[na][c++] = f->s[k];
            }
        }
        if (!c)
            return 1; /* no rule of g holds this attribute's values */
        prod *= c;
        if (prod > HASH_PROBES)
            return 0;
        cnt[na] = c;
        idx[na] = 0;
        key[na] = ls[na][0];
        na++;
    }
    for (;;) {
        hprobe(t, g, key, na, best);
        unsigned j = 0;
        for (; j < na; j++) {
            if (++idx[j] < cnt[j]) {
                key[j] = ls[j][idx[j]];
                break;
            }
            idx[j] = 0;
            key[j] = ls[j][0];
        }
        if (j == na)
            return 1;
    }
}

/* group_hashed_n, or one probe where every attribute g constrains has one
 * set (single: such attributes; that set falls in g, which is viable). */
static inline int group_hashed(const kap_table *t, const rgroup *g, const field *fl, unsigned single,
                               size_t *best)
{
    if (g->need & ~single)
        return group_hashed_n(t, g, fl, best);
    /* every attribute one set: one probe */
    uint32_t key[6] = {0};
    unsigned na = 0;
    for (unsigned a = g->need; a; a &= a - 1)
        key[na++] = fl[__builtin_ctz(a)].s[0];
    hprobe(t, g, key, na, best);
    return 1;
}

/* Cursor k of attribute ai (its set fl[ai].s[k]), set up the first time
 * it is asked for in a decision (inited: per attribute, bit k). */
static inline cursor *cursor_get(const kap_table *t, const field *fl, fcur *fc, uint64_t *inited, int ai, int k)
{
    cursor *c = &fc[ai].c[k];
    if (!(inited[ai] & (1ULL << k))) {
        inited[ai] |= 1ULL << k;
        cursor_init(c, t, fl[ai].s[k]);
    }
    return c;
}

/* Group g's first matching rule into *best, when lower. Every attribute g
 * constrains has a value set that falls in g. Returns 1 when g constrains
 * nothing: its first rule decides, and no later group needs a visit. Only
 * the cursors of the sets that fall in g are set up and entered; where
 * each attribute has one such set, the group is leapfrogged
 * (group_first1), else the attribute with the fewest words in g (at most:
 * a set without entries per group counts all its words) drives
 * (group_first). */
static inline int visit_group(const kap_table *t, const rgroup *g, const field *fl, fcur *fc, uint64_t *inited,
                              gsel *sel, size_t *best)
{
    if (!g->need) {
        *best = g->first;
        return 1;
    }
    const uint64_t bit = 1ULL << g->gbit;
    unsigned many = 0; /* attributes of more than one set in g */
    int nc = 0;
    cursor *cs[NAI];
    for (unsigned a = g->need; a; a &= a - 1) {
        const int ai = __builtin_ctz(a);
        const field *f = &fl[ai];
        if (f->n == 1) {
            /* (g is viable: the attribute's one set falls in it) */
            cursor *c = cursor_get(t, fl, fc, inited, ai, 0);
            cursor_enter(c, g);
            sel->c[ai][0] = cs[nc++] = c;
            sel->n[ai] = 1;
            continue;
        }
        if (f->n > GSEL_MAX) {
            if (!(inited[ai] & GSEL_ALL)) {
                inited[ai] = GSEL_ALL;
                fc[ai].words = 0;
                WORK(f->n);
                for (int k = 0; k < f->n; k++) {
                    cursor_init(&fc[ai].c[k], t, f->s[k]);
                    fc[ai].words += fc[ai].c[k].n;
                    sel->c[ai][k] = &fc[ai].c[k];
                }
                sel->n[ai] = f->n;
            }
            cs[nc++] = sel->c[ai][0];
            many |= 1u << ai;
            continue;
        }
        int n = 0;
        WORK(f->n);
        for (int k = 0; k < f->n; k++) {
            if (t->set_gmask[f->s[k]] & bit) {
                cursor *c = cursor_get(t, fl, fc, inited, ai, k);
                cursor_enter(c, g);
                sel->c[ai][n++] = c;
            }
        }
        KAP_ANALYZER_ASSUME(n > 0); /* g is viable */
        sel->n[ai] = n;
        cs[nc++] = sel->c[ai][0];
        if (n > 1)
            many |= 1u << ai;
    }
    if (!many) {
        group_first1(t, g, cs, nc, best);
        return 0;
    }
    int d = __builtin_ctz(g->need); /* (one of need's: sel has its cursors) */
    uint32_t dw = NOSET;
    for (unsigned a = g->need; a; a &= a - 1) {
        const int ai = __builtin_ctz(a);
        uint32_t words = 0;
        if (fl[ai].n > GSEL_MAX)
            words = fc[ai].words;
        else
            for (int k = 0; k < sel->n[ai]; k++) {
                const cursor *c = sel->c[ai][k];
                words += c->gi ? (c->gi[g->gbit + 1] & ~GIDX_DENSE) - (c->gi[g->gbit] & ~GIDX_DENSE) + 1
                               : c->dense ? g->we - g->ws + 1 : c->n;
            }
        if (words < dw) {
            dw = words;
            d = ai;
        }
    }
    group_first(t, g, sel, g->need, d, best);
    return 0;
}

/* Policies of more than KAP_WORDS_LAYOUT words whose first rules, checked
 * directly, do not match: the groups of rules (see above), each
 * attribute's value sets looked up once into fl. */
static __attribute__((noinline)) int match_large(const kap_policy *p, const nreq *q, kap_decision *out, field *fl)
{
    const kap_table *t = p->table;
    const int sc = q->resource_request ? SC_RES : SC_NONRES;
    fcur fc[NAI];
    gsel sel; /* (filled per visit; for an attribute of more than GSEL_MAX sets, once) */
    memset(sel.n, 0, sizeof sel.n);
    uint64_t inited[NAI] = {0}; /* per attribute, the cursors set up (fc[ai].c[k]: bit k; GSEL_ALL) */
    /* every attribute some group of this scope constrains, looked up; and
     * the groups where every attribute they constrain has a set of the
     * request's values (table.h, set_gmask): only those are visited, by
     * their bits (gbit follows the groups' first rules). An attribute no
     * rule accepts the value of leaves no group that constrains it. */
    unsigned single = 0; /* attributes of one value set */
    /* (groups of rules checked directly already, decide() did not match) */
    uint64_t viable = t->scope_gmask[sc] & ~t->g_direct;
    for (unsigned all = t->need_all[sc]; all; all &= all - 1) {
        int ai = __builtin_ctz(all);
        value_sets(t, p->strtab, q, ai, &fl[ai]);
        if (KAP_UNLIKELY(fl[ai].n > MAXP))
            return reference(p, q, out);
        uint64_t m = t->g_without[ai];
        WORK(fl[ai].n);
        for (int k = 0; k < fl[ai].n; k++)
            m |= t->set_gmask[fl[ai].s[k]];
        viable &= m;
        if (fl[ai].n == 1)
            single |= 1u << ai;
    }
    size_t best = t->nrules;
    for (; viable; viable &= viable - 1) {
        const rgroup *g = &t->group_by_bit[__builtin_ctzll(viable)];
        WORK(1);
        if (g->first >= best)
            break;
        if (g->hashed && group_hashed(t, g, fl, single, &best))
            continue;
        if (visit_group(t, g, fl, fc, inited, &sel, &best))
            break;
    }
    *out = t->results[best];
    return KAP_OK;
}

/* Policies of a few words (up to KAP_WORDS_LAYOUT, table.h): there the
 * groups cost more to visit than the words, and rules keep their order
 * (compile.c, group_rules). Word by word from the second (match_first64
 * decided the first): the rules in scope that every attribute accepts,
 * through its value sets or as a rule that leaves it unconstrained (the
 * attribute's wildcard set); the first word left non-zero holds the
 * deciding rule. */
static __attribute__((noinline)) int match_words(const kap_policy *p, const nreq *q, kap_decision *out, field *fl,
                                                unsigned done)
{
    const kap_table *t = p->table;
    const int res = q->resource_request;
    unsigned attrs = (1u << AI_USER) | (1u << AI_GROUPS) | (1u << AI_VERB) |
                     (res ? (1u << AI_NS) | (1u << AI_RES) : (1u << AI_URL));
    const uint32_t wild[NAI] = {[AI_USER] = t->any_user, [AI_GROUPS] = t->any_group, [AI_VERB] = t->any_verb,
                                [AI_NS] = t->ns_base, [AI_RES] = t->res_base, [AI_URL] = t->url_base};
    fcur fc[NAI];
    cursor wc[NAI], scope;
    for (unsigned a = attrs; a; a &= a - 1) {
        int ai = __builtin_ctz(a);
        if (!(done & (1u << ai))) {
            value_sets(t, p->strtab, q, ai, &fl[ai]);
            if (KAP_UNLIKELY(fl[ai].n > MAXP))
                return reference(p, q, out);
        }
        fcur_init(&fc[ai], t, &fl[ai]);
        cursor_init(&wc[ai], t, wild[ai]);
    }
    cursor_init(&scope, t, res ? t->scope_res : t->scope_nonres);
    size_t best = t->nrules;
    for (uint32_t w = 1; w < t->W; w++) {
        uint64_t m = cursor_word(&scope, w);
        for (unsigned a = attrs; a && m; a &= a - 1) {
            int ai = __builtin_ctz(a);
            uint64_t y = cursor_word(&wc[ai], w);
            for (int k = 0; k < fc[ai].n && (m & ~y); k++)
                y |= cursor_word(&fc[ai].c[k], w);
            m &= y;
        }
        if (m) {
            best = (size_t)w * 64 + (size_t)__builtin_ctzll(m);
            break;
        }
    }
    *out = t->results[best];
    return KAP_OK;
}

KAP_HOT_INLINE int decide(const kap_policy *p, nreq *q, kap_decision *out,
                                                         const int ln)
{
    if (p->table->W == 1) {
        match_first64(p, q, out, 1, NULL, NULL, ln);
        return KAP_OK;
    }
    field fl[NAI];
    unsigned done = 0;
    for (int i = 0; i < NAI; i++)
        fl[i].n = 0;
    if (p->table->W > KAP_WORDS_LAYOUT) {
        /* large policies: the first rules checked directly, as the scan
         * would; then every rule by the groups (the first 64 rules'
         * words would be lookups made twice) */
        const kap_table *t = p->table;
        uint64_t x = t->mask1[q->resource_request ? t->scope_res : t->scope_nonres] & ((1ULL << t->ndirect) - 1);
        for (; x; x &= x - 1) {
            unsigned r = (unsigned)__builtin_ctzll(x);
            if (rule_direct(&p->rules[r], q, t->need[r], p->kube_minor >= 36, ln)) {
                *out = t->results[r];
                return KAP_OK;
            }
        }
        measure_all(q);
        return match_large(p, q, out, fl);
    }
    if (match_first64(p, q, out, 0, fl, &done, ln))
        return KAP_OK;
    measure_all(q);
    return match_words(p, q, out, fl, done);
}

int kap_policy_match(const kap_policy *p, const kap_request *request, kap_decision *out)
{
    nreq q;
    if (!p || !out || prepare(request, &q))
        return KAP_EARG;
    return decide(p, &q, out, 0);
}

int kap_policy_match_n(const kap_policy *p, const kap_request_n *request, kap_decision *out)
{
    nreq q;
    if (!p || !out || prepare_n(request, &q))
        return KAP_EARG;
    return decide(p, &q, out, 1);
}
