/* Compiling a validated policy: rules as written (for the reference
 * evaluator and for tools), interned strings, and the decision table.
 *
 * The table gives, for every value a rule can test, the set of rules that
 * accept it, as a bit set over rule indexes. A request is decided by
 * looking up each of its attributes once and taking the lowest rule index
 * present in every attribute's set (match.c).
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "table.h"

uint64_t str_hash(const char *s, size_t n)
{
    if (n <= 16) {
        uint64_t a, b;
        str_words(s, n, &a, &b);
        return words_hash(a, b, n);
    }
    if (n <= 32) {
        /* four (overlapping) words, two multiplications side by side */
        uint64_t a, b, c, d;
        memcpy(&a, s, sizeof a);
        memcpy(&b, s + 8, sizeof b);
        memcpy(&c, s + n - 16, sizeof c);
        memcpy(&d, s + n - 8, sizeof d);
        return words_hash(words_hash(a, b, n), words_hash(c ^ 0x2D358DCCAA6C78A5ULL, d, n), 32);
    }
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, sizeof w);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, s, n);
        h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
        h ^= h >> 29;
    }
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    return h;
}

/* ---- string table --------------------------------------------------------- */

_Static_assert(sizeof(strslot) == 64, "a string slot is one cache line");

static int strtab_grow(kap_strtab *t)
{
    size_t ns = t->nindex ? t->nindex * 2 : 64;
    uint64_t *index = kap_calloc(ns, sizeof *index);
    if (!index)
        return 0;
    kap_prefault(index, ns * sizeof *index); /* probed all over */
    for (uint32_t k = 0; k < t->count; k++) {
        uint64_t h = str_hash(t->slots[k].s, t->slots[k].len);
        size_t j = (size_t)h & (ns - 1);
        while (index[j])
            j = (j + 1) & (ns - 1);
        index[j] = (h >> 32) << 32 | (k + 1);
    }
    kap_free(t->index);
    t->index = index;
    t->nindex = ns;
    return 1;
}

/* The index position of string s (hash h): where it is (*id its id) or
 * where it would go (*id 0). The index must have room. */
static size_t strtab_probe(const kap_strtab *t, uint64_t h, const char *s, size_t n, uint32_t *id)
{
    size_t i = (size_t)h & (t->nindex - 1);
    for (; t->index[i]; i = (i + 1) & (t->nindex - 1)) {
        uint64_t v = t->index[i];
        const strslot *e = &t->slots[(uint32_t)v - 1];
        if (v >> 32 == h >> 32 && e->len == n && memcmp(e->s, s, n) == 0) {
            *id = e->id;
            return i;
        }
    }
    *id = 0;
    return i;
}

/* The id of an interned string, or 0 when it is not there. */
static uint32_t strtab_id(const kap_strtab *t, const char *s, size_t n)
{
    uint32_t id = 0;
    if (t->nindex)
        strtab_probe(t, str_hash(s, n), s, n, &id);
    return id;
}

/* Room for cap slots (more than count), the slots kept; 0 when out of
 * memory. build_table reserves at once as many as the rules can intern
 * strings: the slots are never moved, and the part not filled is never
 * touched (malloc maps a large array apart, its pages come as they are
 * written; strtab_intern asks for them SLOTS_AHEAD at a time). */
static int strtab_reserve(kap_strtab *t, size_t cap)
{
    if (cap > (SIZE_MAX - 63) / sizeof(strslot))
        return 0;
    /* a slot is one cache line: 64-byte aligned */
    void *mem = kap_malloc(cap * sizeof(strslot) + 63);
    if (!mem)
        return 0;
    /* rounding the address up is the point here */
    strslot *slots = (strslot *)(((uintptr_t)mem + 63) & ~(uintptr_t)63); // NOLINT(performance-no-int-to-ptr)
    if (t->count)
        memcpy(slots, t->slots, t->count * sizeof *slots);
    kap_free(t->slots_mem);
    t->slots_mem = mem;
    t->slots = slots;
    t->cap = cap;
    return 1;
}

#define SLOTS_AHEAD 1024 /* 64 KiB of slots */

/* Interns s; returns its id (>= 1) or 0 when out of memory. The table
 * keeps s itself, which must live as long as the policy: the strings
 * interned are the compiled rules' (in the policy's arena) or parts of
 * them, and every reader of a slot's string takes its length (no NUL). */
static uint32_t strtab_intern(kap_strtab *t, const char *s, size_t n)
{
    if (((size_t)t->count + 1) * 2 > t->nindex && !strtab_grow(t))
        return 0;
    if (t->count == t->cap && !strtab_reserve(t, t->cap ? t->cap * 2 : 32))
        return 0;
    uint64_t h = str_hash(s, n);
    uint32_t id;
    size_t i = strtab_probe(t, h, s, n, &id);
    if (id)
        return id;
    if (t->count % SLOTS_AHEAD == 0) /* the next slots' pages in one call */
        kap_prefault(&t->slots[t->count], (t->cap - t->count < SLOTS_AHEAD ? t->cap - t->count : SLOTS_AHEAD) *
                                              sizeof(strslot));
    strslot *e = &t->slots[t->count];
    memset(e, 0, sizeof *e);
    e->s = s; /* (not copied: see above) */
    e->len = (uint32_t)n;
    if (n <= 16)
        str_words(s, n, &e->wa, &e->wb);
    e->id = ++t->count;
    t->index[i] = (h >> 32) << 32 | e->id;
    return e->id;
}

/* ---- building the bit sets -------------------------------------------------- */

/* The sets are built in two passes over the rules' bits. While the rules
 * are read (in increasing position), each bit is logged as its set's
 * index, with where each position's bits begin, and each set's words are
 * counted; then every set's words are written straight into the table's
 * flat arrays, each at its offset (flatten_sets). 4 bytes a bit, no
 * array per set; the log's chunks are small enough for malloc to reuse
 * memory a previous load freed. */
#define LOG_CHUNK ((size_t)16384)
typedef struct builder {
    kap_policy *p;
    kap_table *t;
    uint32_t **log; /* set index per bit, by position, in chunks of LOG_CHUNK */
    size_t nlog, nchunks, chunks_cap;
    size_t *log_start; /* per position: its first bit in log; then the end */
    /* per set: its word count and last word; then its next word's index */
    uint32_t *nw, *last_w;
    size_t *next;
    uint64_t *m1; /* per set: rules 0-63 by index (kap_table.mask1) */
    uint8_t *set_ai; /* per set: the attribute (bit index of its A_* value), 0xFF: none */
    const uint32_t *pos_of; /* rule index -> position */
    size_t nsets, sets_cap, nwords;
    int oom;
} builder;

static int key_resize(kap_table *t, size_t ns)
{
    keyslot *slots = kap_calloc(ns, sizeof *slots);
    if (!slots)
        return 0;
    for (size_t i = 0; i < t->nkeys_slots; i++) {
        if (!t->keys[i].kind)
            continue;
        size_t j = (size_t)key_hash4(t->keys[i].kind, t->keys[i].a, t->keys[i].b, t->keys[i].c) & (ns - 1);
        while (slots[j].kind)
            j = (j + 1) & (ns - 1);
        slots[j] = t->keys[i];
    }
    kap_free(t->keys);
    t->keys = slots;
    t->nkeys_slots = ns;
    return 1;
}

/* Doubles the key map; build_table sized it first (key_slots_for: at
 * least 64 slots, a power of two). */
static int key_grow(kap_table *t)
{
    return key_resize(t, t->nkeys_slots * 2);
}

/* The key map's first size, from the resource keys the rules can make at
 * most (the other kinds live in the string slots): n, every (resource,
 * name) pair of every rule. Rules repeat pairs: in the generated families
 * of 10,000 rules the distinct keys are 1-12% of n, so a map of 2n slots
 * was ten times too large, and the probes of compiling missed the cache
 * on it (perf, a load of multitenant-10000: add_key, nearly all of it the
 * probes, 9% of the samples; 1.6% with this size, the map's growth
 * included). A quarter of n: the map grows (doubling) where the keys are
 * many. */
static size_t key_slots_for(const kap_policy *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nrules; i++) {
        const crule *r = &p->rules[i];
        for (uint32_t g = 0; g < r->n_res; g++)
            n += ((size_t)r->res[g].resources.n + 1) * ((size_t)r->res[g].names.n + 1);
    }
    size_t ns = 64;
    while (ns < n / 4 && ns < ((size_t)1 << 26))
        ns *= 2;
    return ns;
}

/* The most strings the rules can intern (build_table, add_resource_keys):
 * each listed string, a URL's prefix, the parts of a resource entry
 * around its stars (subresource, resource), a group. */
static size_t strings_for(const kap_policy *p)
{
    size_t n = 32;
    for (size_t i = 0; i < p->nrules; i++) {
        const crule *r = &p->rules[i];
        n += (size_t)r->users.n + r->groups.n + r->verbs.n + r->namespaces.n + 2 * (size_t)r->urls.n;
        for (uint32_t g = 0; g < r->n_res; g++)
            n += 1 + 3 * (size_t)r->res[g].resources.n + r->res[g].names.n; /* ("*" + "/" + "*": three) */
    }
    return n;
}

static int grow_array(void *pp, size_t cap, size_t size)
{
    void *n = kap_realloc(*(void **)pp, cap * size);
    if (!n)
        return 0;
    *(void **)pp = n;
    return 1;
}

static uint32_t new_bitset(builder *b)
{
    if (b->nsets == b->sets_cap) {
        size_t cap = b->sets_cap ? b->sets_cap * 2 : 64;
        if (!grow_array(&b->nw, cap, sizeof *b->nw) || !grow_array(&b->last_w, cap, sizeof *b->last_w) ||
            !grow_array(&b->next, cap, sizeof *b->next) || !grow_array(&b->m1, cap, sizeof *b->m1) ||
            !grow_array(&b->set_ai, cap, sizeof *b->set_ai)) {
            b->oom = 1;
            return 0;
        }
        b->sets_cap = cap;
    }
    b->nw[b->nsets] = 0;
    b->m1[b->nsets] = 0;
    b->set_ai[b->nsets] = 0xFF;
    return (uint32_t)b->nsets++;
}

/* Puts rule (an index) in the set: its index in the set's first word
 * (mask1) when below 64; its position is logged for flatten_sets. Rules
 * arrive in increasing position, so a bit lands in the set's last word
 * or a new one. */
static void set_bit(builder *b, uint32_t set, size_t rule)
{
    if (rule < 64)
        b->m1[set] |= 1ULL << rule;
    uint32_t w = (uint32_t)(b->pos_of[rule] / 64);
    if (!b->nw[set] || b->last_w[set] != w) {
        b->nw[set]++;
        b->last_w[set] = w;
        b->nwords++;
    }
    if (b->nlog == b->nchunks * LOG_CHUNK) {
        if (b->nchunks == b->chunks_cap) {
            size_t cap = b->chunks_cap ? b->chunks_cap * 2 : 16;
            if (!grow_array(&b->log, cap, sizeof *b->log)) {
                b->oom = 1;
                return;
            }
            b->chunks_cap = cap;
        }
        if (!(b->log[b->nchunks] = kap_malloc(LOG_CHUNK * sizeof **b->log))) {
            b->oom = 1;
            return;
        }
        b->nchunks++;
    }
    b->log[b->nlog / LOG_CHUNK][b->nlog % LOG_CHUNK] = set;
    b->nlog++;
}

/* Writes the sets into the table's flat arrays: each set's words at its
 * offset, from the log of bits by position. */
static int flatten_sets(builder *b, size_t npos)
{
    kap_table *t = b->t;
    t->sets = kap_calloc(b->nsets ? b->nsets : 1, sizeof *t->sets);
    t->widx = kap_calloc(b->nwords ? b->nwords : 1, sizeof *t->widx);
    t->wmask = kap_calloc(b->nwords ? b->nwords : 1, sizeof *t->wmask);
    if (!t->sets || !t->widx || !t->wmask)
        return KAP_ENOMEM;
    size_t off = 0;
    for (size_t i = 0; i < b->nsets; i++) {
        t->sets[i].off = (uint32_t)off;
        t->sets[i].nw = b->nw[i];
        b->next[i] = off;
        off += b->nw[i];
    }
    for (size_t pos = 0; pos < npos; pos++) {
        uint32_t w = (uint32_t)(pos / 64);
        uint64_t bit = 1ULL << (pos % 64);
        for (size_t k = b->log_start[pos]; k < b->log_start[pos + 1]; k++) {
            uint32_t set = b->log[k / LOG_CHUNK][k % LOG_CHUNK];
            size_t at = b->next[set];
            if (at > t->sets[set].off && t->widx[at - 1] == w) {
                t->wmask[at - 1] |= bit;
            } else {
                t->widx[at] = w;
                t->wmask[at] = bit;
                b->next[set] = at + 1;
            }
        }
    }
    for (size_t i = 0; i < b->nsets; i++)
        t->sets[i].gi = NOWORD; /* build_group_masks */
    t->nsets = b->nsets;
    t->nentries = off;
    /* every set's first 64 rules, in one small array */
    t->mask1 = kap_calloc(b->nsets ? b->nsets : 1, sizeof *t->mask1);
    if (!t->mask1)
        return KAP_ENOMEM;
    memcpy(t->mask1, b->m1, b->nsets * sizeof *t->mask1);
    return KAP_OK;
}

static void builder_free(builder *b)
{
    for (size_t i = 0; i < b->nchunks; i++)
        kap_free(b->log[i]);
    kap_free(b->log);
    kap_free(b->log_start);
    kap_free(b->nw);
    kap_free(b->last_w);
    kap_free(b->next);
    kap_free(b->m1);
    kap_free(b->set_ai);
}

/* The string role of a key kind (ROLE_* + 1), 0 for the resource kinds. */
static const uint8_t role_of[K_NAMED] = {[K_USER] = ROLE_USER + 1,         [K_GROUP] = ROLE_GROUP + 1,
                                         [K_VERB] = ROLE_VERB + 1,         [K_NS] = ROLE_NS + 1,
                                         [K_URLEXACT] = ROLE_URLEXACT + 1, [K_URLPREFIX] = ROLE_URLPREFIX + 1};

/* The attribute of a key kind: the bit index of its A_* value. */
static uint8_t attr_of(uint32_t kind)
{
    switch (kind) {
    case K_USER: return 0;  /* A_USER */
    case K_NS: return 1;    /* A_NS */
    case K_VERB: return 2;  /* A_VERB */
    case K_GROUP: return 3; /* A_GROUPS */
    case K_URLEXACT:
    case K_URLPREFIX: return 4; /* A_URL */
    default: return 5;          /* A_RES */
    }
}

static void add_key(builder *b, uint32_t kind, uint32_t a, uint32_t c2, uint32_t c3, size_t rule)
{
    kap_table *t = b->t;
    if (b->oom)
        return;
    if (kind < K_NAMED && role_of[kind]) {
        /* a string's set in a simple role lives in its string slot, which
         * interning it just read: no probe of the key map */
        uint32_t *set = &b->p->strtab->slots[a - 1].set[role_of[kind] - 1];
        if (!*set) {
            uint32_t s = new_bitset(b);
            if (b->oom)
                return;
            b->set_ai[s] = attr_of(kind);
            *set = s + 1;
        }
        set_bit(b, *set - 1, rule);
        return;
    }
    if ((t->nkeys + 1) * 2 > t->nkeys_slots && !key_grow(t)) {
        b->oom = 1;
        return;
    }
    /* (a resource kind, K_NAMED or not: below 2 * K_NAMED, table.h; a
     * resource key's a is its group) */
    t->has_kind[kind] |= a == GROUP_ANY ? HK_ANY : HK_GROUP;
    size_t i = (size_t)key_hash4(kind, a, c2, c3) & (t->nkeys_slots - 1);
    while (t->keys[i].kind) {
        keyslot *k = &t->keys[i];
        if (k->kind == kind && k->a == a && k->b == c2 && k->c == c3) {
            set_bit(b, k->set, rule);
            return;
        }
        i = (i + 1) & (t->nkeys_slots - 1);
    }
    uint32_t set = new_bitset(b);
    if (b->oom)
        return;
    b->set_ai[set] = attr_of(kind);
    t->keys[i] = (keyslot){kind, a, c2, c3, set};
    t->nkeys++;
    set_bit(b, set, rule);
}

static uint32_t intern(builder *b, const cstr *s)
{
    uint32_t id = strtab_intern(b->p->strtab, s->s, s->len);
    if (!id)
        b->oom = 1;
    return id;
}

static int cstr_is(const cstr *s, const char *lit)
{
    size_t n = strlen(lit);
    return s->len == n && memcmp(s->s, lit, n) == 0;
}

static void add_resource_keys(builder *b, const cgr *g, size_t rule)
{
    kap_table *t = b->t;
    uint32_t gid = cstr_is(&g->group, "*") && b->p->kube_minor >= 36 ? GROUP_ANY : intern(b, &g->group);
    if (gid == GROUP_ANY)
        t->has_group_any = 1;
    if (g->resources.n == 0) {
        add_key(b, K_RALL, gid, 0, 0, rule);
        return;
    }
    uint32_t nn = g->names.n ? g->names.n : 1;
    if (g->names.n)
        t->has_names = 1;
    for (uint32_t r = 0; r < g->resources.n; r++) {
        const cstr *res = &g->resources.v[r];
        for (uint32_t k = 0; k < nn; k++) {
            uint32_t name = g->names.n ? intern(b, &g->names.v[k]) : 0;
            uint32_t off = g->names.n ? K_NAMED : 0;
            add_key(b, K_REXACT + off, gid, intern(b, res), name, rule);
            if (cstr_is(res, "*"))
                add_key(b, K_RSTAR + off, gid, 0, name, rule);
            if (res->len > 2 && res->s[0] == '*' && res->s[1] == '/') {
                cstr sub = {res->s + 2, res->len - 2, CSTR_NOSTAR};
                add_key(b, K_RSUB + off, gid, intern(b, &sub), name, rule);
            }
            if (res->len >= 2 && res->s[res->len - 2] == '/' && res->s[res->len - 1] == '*') {
                cstr pre = {res->s, res->len - 2, CSTR_NOSTAR};
                add_key(b, K_RRES + off, gid, intern(b, &pre), name, rule);
            }
        }
    }
}

/* Sets bit in string s's entry word kind; 0 when s is not interned. */
static int mark_entry(const kap_strtab *st, uint64_t *ew, const char *s, size_t n, int kind, uint64_t bit)
{
    uint32_t id = strtab_id(st, s, n);
    if (id)
        ew[((size_t)id - 1) * EW_N + (size_t)kind] |= bit;
    return id != 0;
}

/* The entry words of a small policy (table.h, ent_words): every string
 * a resource entry names was interned by add_resource_keys, so the
 * lookups here find it (were one missing, the words are not built and
 * matching takes the general path). Not built for larger policies. */
static int build_entry_words(kap_policy *p)
{
    kap_table *t = p->table;
    const kap_strtab *st = p->strtab;
    size_t nent = 0;
    for (size_t i = 0; i < p->nrules; i++)
        nent += p->rules[i].n_res;
    if (t->W != 1 || nent > 64)
        return KAP_OK;
    uint64_t *ew = kap_calloc((size_t)st->count * EW_N + 1, sizeof *ew);
    if (!ew)
        return KAP_ENOMEM;
    size_t e = 0;
    int ok = 1;
    for (size_t i = 0; i < p->nrules && ok; i++) {
        const crule *r = &p->rules[i];
        for (uint32_t k = 0; k < r->n_res && ok; k++, e++) {
            const cgr *g = &r->res[k];
            uint64_t bit = 1ULL << e;
            t->ent_rule[e] = (uint8_t)i;
            if (cstr_is(&g->group, "*") && p->kube_minor >= 36)
                t->ent_gany |= bit;
            else
                ok = mark_entry(st, ew, g->group.s, g->group.len, EW_GROUP, bit);
            if (g->resources.n == 0) {
                t->ent_rall |= bit; /* any resource, whatever its name */
                continue;
            }
            if (g->names.n == 0)
                t->ent_noname |= bit;
            for (uint32_t n = 0; n < g->names.n && ok; n++)
                ok = mark_entry(st, ew, g->names.v[n].s, g->names.v[n].len, EW_NAME, bit);
            /* the ways resource_matches (match.c) accepts a listed string */
            for (uint32_t n = 0; n < g->resources.n && ok; n++) {
                const cstr *res = &g->resources.v[n];
                if (cstr_is(res, "*"))
                    t->ent_rstar |= bit;
                ok = mark_entry(st, ew, res->s, res->len, EW_REXACT, bit);
                if (ok && res->len > 2 && res->s[0] == '*' && res->s[1] == '/')
                    ok = mark_entry(st, ew, res->s + 2, res->len - 2, EW_SUB, bit);
                if (ok && res->len >= 2 && res->s[res->len - 2] == '/' && res->s[res->len - 1] == '*')
                    ok = mark_entry(st, ew, res->s, res->len - 2, EW_RRES, bit);
            }
        }
    }
    if (!ok) { /* a string add_resource_keys did not intern: not expected */
        kap_free(ew);
        return KAP_OK;
    }
    t->ent_words = ew;
    return KAP_OK;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* The strings of each lookup role, bucketed by length (table.h, lment). */
static int build_lenmap(kap_policy *p)
{
    kap_table *t = p->table;
    kap_strtab *st = p->strtab;
    /* the roles of each string, as LR_* bits */
    uint16_t *roles = kap_calloc((size_t)st->count + 1, sizeof *roles);
    uint32_t *slot_of = kap_calloc((size_t)st->count + 1, sizeof *slot_of);
    if (!roles || !slot_of) {
        kap_free(roles);
        kap_free(slot_of);
        return KAP_ENOMEM;
    }
    for (uint32_t id = 1; id <= st->count; id++)
        slot_of[id] = id - 1;
    /* the simple roles: a string has a set in its slot (LR_* = ROLE_*) */
    for (uint32_t id = 1; id <= st->count; id++)
        for (int r = 0; r < NROLES; r++)
            if (st->slots[slot_of[id]].set[r])
                roles[id] |= (uint16_t)(1u << r);
    /* the resource roles, from the resource keys (the only keys in the map) */
    for (size_t i = 0; i < t->nkeys_slots; i++) {
        const keyslot *k = &t->keys[i];
        uint32_t kind = k->kind & ~(uint32_t)K_NAMED;
        if (!kind)
            continue;
        if (k->a != GROUP_ANY)
            roles[k->a] |= 1u << LR_APIGROUP;
        if (kind == K_REXACT || kind == K_RRES)
            roles[k->b] |= 1u << LR_RES;
        if (kind == K_RSUB)
            roles[k->b] |= 1u << LR_SUB;
        if (k->kind & K_NAMED)
            roles[k->c] |= 1u << LR_NAME;
    }
    /* count per role and bucket; a role with a crowded bucket is hashed */
    uint32_t cnt[NLR][LM_LONG + 1];
    memset(cnt, 0, sizeof cnt);
    for (uint32_t id = 1; id <= st->count; id++) {
        uint32_t len = st->slots[slot_of[id]].len;
        for (int r = 0; r < NLR; r++)
            if (roles[id] & (1u << r))
                cnt[r][len < LM_LONG ? len : LM_LONG]++;
    }
    size_t total = 0;
    for (int r = 0; r < NLR; r++) {
        for (int b = 0; b <= LM_LONG; b++) {
            if (cnt[r][b] > LM_MAX) {
                t->lm_desc[r][b] = LM_HASHED;
            } else {
                t->lm_desc[r][b] = cnt[r][b] ? LM_DESC(total, cnt[r][b]) : 0;
                total += cnt[r][b];
            }
            cnt[r][b] = 0;
        }
    }
    /* at most LM_MAX entries a bucket: total stays far below the 28 bits
     * of offset a descriptor holds */
    _Static_assert((uint64_t)NLR * (LM_LONG + 1) * LM_MAX < (1u << 28), "bucket offsets fit a descriptor");
    t->lm = kap_calloc(total ? total : 1, sizeof *t->lm);
    if (!t->lm) {
        kap_free(roles);
        kap_free(slot_of);
        return KAP_ENOMEM;
    }
    for (uint32_t id = 1; id <= st->count; id++) {
        const strslot *e = &st->slots[slot_of[id]];
        size_t b = e->len < LM_LONG ? e->len : LM_LONG;
        for (int r = 0; r < NLR; r++) {
            if (!(roles[id] & (1u << r)) || t->lm_desc[r][b] == LM_HASHED)
                continue;
            lment *m = &t->lm[(t->lm_desc[r][b] >> 4) + cnt[r][b]++];
            m->wa = e->wa;
            m->wb = e->wb;
            m->s = e->s;
            m->len = e->len;
            m->slot = slot_of[id];
            m->word0 = r < NROLES && e->set[r] ? t->mask1[e->set[r] - 1] : 0;
        }
    }
    t->nlm = total;
    kap_free(roles);
    kap_free(slot_of);
    return KAP_OK;
}

/* The attributes rule r constrains (A_*), and the requests it can
 * match (GS_*). */
static unsigned rule_need(const crule *r, unsigned *scope)
{
    int resource_scoped = r->namespaces.n || r->n_res;
    int any_url = 0;
    for (uint32_t k = 0; k < r->urls.n; k++)
        any_url |= cstr_is(&r->urls.v[k], "*");
    *scope = resource_scoped ? GS_RES : r->urls.n ? GS_NONRES : GS_BOTH;
    return (r->users.n ? A_USER : 0) | (r->groups.n ? A_GROUPS : 0) | (r->verbs.n ? A_VERB : 0) |
           (r->namespaces.n ? A_NS : 0) | (r->n_res ? A_RES : 0) |
           (!resource_scoped && r->urls.n && !any_url ? A_URL : 0);
}

/* Groups the rules (table.h, kap_table.groups): each rule's need bits,
 * the positions (t->pos_rule: position -> rule, then rule -> position
 * after it), and the groups of each scope, by first rule. */
static int group_rules(kap_policy *p)
{
    kap_table *t = p->table;
    size_t n = p->nrules;
    enum { NG = 64 * 3 };
    uint32_t count[NG], first[NG], start[NG];
    memset(count, 0, sizeof count);
    memset(first, 0xff, sizeof first); /* no rule: never equal to a rule's index */
    t->pos_rule = kap_calloc(2 * n + 1, sizeof *t->pos_rule);
    uint8_t *key = kap_calloc(n + 1, 1);
    if (!t->pos_rule || !key) {
        kap_free(key);
        return KAP_ENOMEM;
    }
    size_t nkeys = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned sc;
        unsigned need = rule_need(&p->rules[i], &sc);
        t->need[i] = (uint8_t)need;
        key[i] = (uint8_t)(sc * 64 + need);
        if (!count[key[i]]++) {
            first[key[i]] = (uint32_t)i;
            nkeys++;
        }
    }
    /* a group of GS_BOTH is in both scopes' lists */
    t->group_mem = kap_calloc(2 * nkeys + 1, sizeof *t->group_mem);
    if (!t->group_mem) {
        kap_free(key);
        return KAP_ENOMEM;
    }
    /* positions: the groups in the order of their first rules */
    uint32_t pos = 0, gbit = 0;
    for (size_t i = 0; i < n; i++) {
        if (first[key[i]] != i)
            continue;
        start[key[i]] = pos;
        rgroup g = {pos, pos + count[key[i]], (uint32_t)i, (uint8_t)(key[i] % 64), 0, (uint16_t)gbit++, 0, 0, 0, 0};
        pos += count[key[i]];
        g.ws = g.start / 64;
        g.we = (g.end - 1) / 64;
        g.mfirst = ~0ULL << (g.start % 64);
        g.mlast = g.end % 64 ? ~0ULL >> (64 - g.end % 64) : ~0ULL;
        unsigned sc = key[i] / 64;
        if (sc != GS_NONRES) {
            t->group_mem[t->ngroups[SC_RES]++] = g;
            t->need_all[SC_RES] |= g.need;
        }
        if (sc != GS_RES) {
            t->group_mem[nkeys + t->ngroups[SC_NONRES]++] = g;
            t->need_all[SC_NONRES] |= g.need;
        }
    }
    t->groups[SC_RES] = t->group_mem;
    t->groups[SC_NONRES] = t->group_mem + nkeys;
    uint32_t *rule_pos = t->pos_rule + n;
    for (size_t i = 0; i < n; i++) {
        /* policies decided word by word (match_words) keep rule order */
        uint32_t at = t->W <= KAP_WORDS_LAYOUT ? (uint32_t)i : start[key[i]]++;
        t->pos_rule[at] = (uint32_t)i;
        rule_pos[i] = at;
    }
    kap_free(key);
    return KAP_OK;
}

/* kap_table.set_gmask, g_without, scope_gmask and group_by_bit (table.h),
 * for the policies that match_large decides. A group is a scope and the
 * attributes its rules constrain: a resource rule any of user, groups and
 * verb with namespaces, resources or both (24), a non-resource one any of
 * the three with or without nonResourceURLs to look up (16), a rule of
 * both any of the three (8): at most 48 groups, numbered by gbit in
 * position order. The groups and a set's words both ascend, so one pass
 * over each set's words finds the groups it touches. */
static int build_group_masks(kap_table *t)
{
    if (t->W <= KAP_WORDS_LAYOUT)
        return KAP_OK;
    uint32_t gstart[64], gend[64];
    size_t ngb = 0;
    for (int sc = 0; sc < 2; sc++)
        for (uint32_t k = 0; k < t->ngroups[sc]; k++) {
            const rgroup *g = &t->groups[sc][k];
            gstart[g->gbit] = g->start;
            gend[g->gbit] = g->end;
            t->scope_gmask[sc] |= 1ULL << g->gbit;
            if (t->pos_rule[g->end - 1] < t->ndirect)
                t->g_direct |= 1ULL << g->gbit;
            if (g->gbit + 1u > ngb)
                ngb = g->gbit + 1u;
            for (int a = 0; a < 6; a++)
                if (!(g->need & (1u << a)))
                    t->g_without[a] |= 1ULL << g->gbit;
        }
    t->group_by_bit = kap_calloc(ngb, sizeof *t->group_by_bit);
    if (!t->group_by_bit)
        return KAP_ENOMEM;
    for (int sc = 0; sc < 2; sc++)
        for (uint32_t k = 0; k < t->ngroups[sc]; k++)
            t->group_by_bit[t->groups[sc][k].gbit] = t->groups[sc][k];
    t->set_gmask = kap_calloc(t->nsets ? t->nsets : 1, sizeof *t->set_gmask);
    if (!t->set_gmask)
        return KAP_ENOMEM;
    for (size_t s = 0; s < t->nsets; s++) {
        const kset *k = &t->sets[s];
        uint64_t gm = 0;
        size_t g = 0;
        for (uint32_t j = 0; j < k->nw; j++) {
            uint64_t w = t->widx[k->off + j], m = t->wmask[k->off + j];
            uint64_t lo = w * 64, hi = lo + 64;
            while (g < ngb && gend[g] <= lo)
                g++;
            for (size_t h = g; h < ngb && gstart[h] < hi && m; h++) {
                uint64_t r = ~0ULL;
                if (gstart[h] > lo)
                    r &= ~0ULL << (gstart[h] - lo);
                if (gend[h] < hi)
                    r &= ~0ULL >> (hi - gend[h]);
                if (m & r)
                    gm |= 1ULL << h;
            }
        }
        t->set_gmask[s] = gm;
    }
    /* the entries per group of the sets of GIDX_MIN words or more
     * (table.h, gidx): one pass over each such set's words */
    size_t nidx = 0;
    for (size_t s = 0; s < t->nsets; s++)
        if (t->sets[s].nw >= GIDX_MIN && t->sets[s].nw < t->W)
            nidx++;
    if (!nidx || !ngb)
        return KAP_OK;
    t->gidx = kap_malloc(nidx * (ngb + 1) * sizeof *t->gidx);
    if (!t->gidx)
        return KAP_ENOMEM;
    t->ngidx = nidx * (ngb + 1);
    size_t at = 0;
    for (size_t s = 0; s < t->nsets; s++) {
        kset *k = &t->sets[s];
        if (k->nw < GIDX_MIN || k->nw >= t->W)
            continue; /* (a set of every word is dense everywhere: cursor_init) */
        k->gi = (uint32_t)at;
        const uint32_t *wi = t->widx + k->off;
        uint32_t j = 0;
        for (size_t g = 0; g < ngb; g++) {
            uint32_t ws = gstart[g] / 64, we = (gend[g] - 1) / 64;
            while (j < k->nw && wi[j] < ws)
                j++;
            uint32_t e = j;
            if (j < k->nw && wi[j] == ws && j + (we - ws) < k->nw && wi[j + (we - ws)] == we)
                e |= GIDX_DENSE; /* the words ascend: every word in between is there */
            t->gidx[at + g] = e;
        }
        t->gidx[at + ngb] = k->nw; /* (so that a group's words are the next entry's index less its own) */
        at += ngb + 1;
    }
    return KAP_OK;
}

/* The value sets the rule at position pos lies in, per attribute of need
 * (by A_* bit), without repeats, from the builder's log; returns the
 * number of their combinations (one set per attribute), or more than
 * HASH_RULE_COMBOS where they are more (the lists then stop short). */
static size_t rule_combos(const builder *b, size_t pos, unsigned need, uint32_t sets[6][HASH_RULE_COMBOS],
                          unsigned cnt[6])
{
    memset(cnt, 0, 6 * sizeof *cnt);
    for (size_t k = b->log_start[pos]; k < b->log_start[pos + 1]; k++) {
        uint32_t set = b->log[k / LOG_CHUNK][k % LOG_CHUNK];
        unsigned ai = b->set_ai[set];
        if (ai >= 6 || !(need & (1u << ai)))
            continue;
        unsigned j = 0;
        while (j < cnt[ai] && sets[ai][j] != set)
            j++;
        if (j < cnt[ai])
            continue; /* listed twice */
        if (cnt[ai] == HASH_RULE_COMBOS)
            return HASH_RULE_COMBOS + 1;
        sets[ai][cnt[ai]++] = set;
    }
    size_t n = 1;
    for (unsigned a = need; a; a &= a - 1) {
        n *= cnt[__builtin_ctz(a)];
        if (n > HASH_RULE_COMBOS)
            return n;
    }
    return n;
}

/* The hashed groups (table.h, hkeys) of a policy that match_large
 * decides: a group of more than HASH_GROUP_MIN rules, each lying in at
 * most HASH_RULE_COMBOS combinations of value sets. Every combination of
 * every rule is a key to the lowest rule with it (positions ascend in rule
 * order within a group, so the first one inserted). */
static int build_hashed(builder *b)
{
    kap_table *t = b->t;
    if (t->W <= KAP_WORDS_LAYOUT)
        return KAP_OK;
    uint32_t sets[6][HASH_RULE_COMBOS];
    unsigned cnt[6];
    uint64_t seen = 0, hashed = 0;
    size_t total = 0;
    for (int sc = 0; sc < 2; sc++)
        for (uint32_t k = 0; k < t->ngroups[sc]; k++) {
            const rgroup *g = &t->groups[sc][k];
            if (g->gbit >= 64 || (seen & (1ULL << g->gbit)))
                continue;
            seen |= 1ULL << g->gbit;
            /* (a group of one attribute is not hashed: any of the
             * request's sets that falls in it holds its first match, which
             * the walk finds in its first word) */
            if (__builtin_popcount(g->need) < 2 || g->end - g->start <= HASH_GROUP_MIN)
                continue;
            size_t n = 0, c = 0;
            for (size_t pos = g->start; pos < g->end; pos++) {
                c = rule_combos(b, pos, g->need, sets, cnt);
                if (c == 0 || c > HASH_RULE_COMBOS)
                    break;
                n += c;
            }
            if (c == 0 || c > HASH_RULE_COMBOS)
                continue;
            hashed |= 1ULL << g->gbit;
            total += n;
        }
    if (!hashed)
        return KAP_OK;
    size_t ns = 16;
    while (ns < total * 2)
        ns *= 2;
    t->hkeys = kap_calloc(ns, sizeof *t->hkeys);
    if (!t->hkeys)
        return KAP_ENOMEM;
    t->nhkeys_slots = ns;
    for (int sc = 0; sc < 2; sc++)
        for (uint32_t k = 0; k < t->ngroups[sc]; k++) {
            rgroup *g = &t->groups[sc][k];
            if (g->gbit >= 64 || !(hashed & (1ULL << g->gbit)))
                continue;
            g->hashed = 1;
            /* a group of both scopes is in both lists: its keys go in once */
            if (!(seen & (1ULL << g->gbit)))
                continue;
            seen &= ~(1ULL << g->gbit);
            for (size_t pos = g->start; pos < g->end; pos++) {
                rule_combos(b, pos, g->need, sets, cnt);
                uint32_t rule = t->pos_rule[pos];
                unsigned ai[6], na = 0, idx[6] = {0};
                uint32_t key[6] = {0};
                for (unsigned a = g->need; a; a &= a - 1) {
                    ai[na] = (unsigned)__builtin_ctz(a);
                    key[na] = sets[ai[na]][0];
                    na++;
                }
                for (;;) {
                    size_t i = (size_t)hkey_hash(g->gbit, key, (int)na) & (ns - 1);
                    for (;; i = (i + 1) & (ns - 1)) {
                        hkey *e = &t->hkeys[i];
                        if (!e->g) {
                            e->g = g->gbit + 1u;
                            e->rule = rule;
                            memcpy(e->s, key, sizeof e->s);
                            break;
                        }
                        if (e->g == g->gbit + 1u && memcmp(e->s, key, sizeof e->s) == 0)
                            break; /* a lower rule has it */
                    }
                    unsigned j = 0;
                    for (; j < na; j++) {
                        if (++idx[j] < cnt[ai[j]]) {
                            key[j] = sets[ai[j]][idx[j]];
                            break;
                        }
                        idx[j] = 0;
                        key[j] = sets[ai[j]][0];
                    }
                    if (j == na)
                        break;
                }
            }
        }
    return KAP_OK;
}

static int build_table(kap_policy *p)
{
    kap_table *t = kap_calloc(1, sizeof *t);
    if (!t)
        return KAP_ENOMEM;
    p->table = t;
    builder b = {0};
    b.p = p;
    b.t = t;
    t->nrules = p->nrules;
    t->W = (p->nrules + 63) / 64;
    if (t->W == 0)
        t->W = 1;

    t->need = kap_calloc(p->nrules ? p->nrules : 1, 1);
    if (!t->need || !key_resize(t, key_slots_for(p)) || (!p->strtab->nindex && !strtab_grow(p->strtab)) ||
        (!p->strtab->cap && !strtab_reserve(p->strtab, strings_for(p))))
        return KAP_ENOMEM;
    t->any_user = new_bitset(&b);
    t->any_group = new_bitset(&b);
    t->any_verb = new_bitset(&b);
    t->ns_base = new_bitset(&b);
    t->res_base = new_bitset(&b);
    t->url_base = new_bitset(&b);
    t->scope_res = new_bitset(&b);
    t->scope_nonres = new_bitset(&b);
    uint32_t *pfx = NULL;
    size_t npfx = 0, pfx_cap = 0;

    if (group_rules(p) != KAP_OK) {
        builder_free(&b);
        return KAP_ENOMEM;
    }
    b.pos_of = t->pos_rule + p->nrules;
    /* the first rules are checked directly, as the scan would (a request
     * they decide costs what the scan costs), while their lists are short */
    /* (in policies of up to 64 rules only the first: there the lookups of
     * the table cost less than checking more rules, on the real policies) */
    size_t max_direct = t->W == 1 ? 1 : KAP_DIRECT_RULES;
    while (t->ndirect < max_direct && t->ndirect < p->nrules) {
        const crule *r0 = &p->rules[t->ndirect];
        size_t items = (size_t)r0->users.n + r0->groups.n + r0->verbs.n + r0->namespaces.n + r0->urls.n;
        for (uint32_t k = 0; k < r0->n_res; k++)
            items += 1 + (size_t)r0->res[k].resources.n + r0->res[k].names.n;
        if (items > 16)
            break; /* longer lists: the lookups cost less */
        t->ndirect++;
    } /* group_rules: the inverse after it */
    b.log_start = kap_malloc((p->nrules + 1) * sizeof *b.log_start);
    if (!b.log_start)
        b.oom = 1;
    for (size_t pos = 0; pos < p->nrules && !b.oom; pos++) {
        size_t i = t->pos_rule[pos];
        b.log_start[pos] = b.nlog;
        const crule *r = &p->rules[i];
        if (r->users.n) {
            for (uint32_t k = 0; k < r->users.n; k++)
                add_key(&b, K_USER, intern(&b, &r->users.v[k]), 0, 0, i);
        } else {
            set_bit(&b, t->any_user, i);
        }
        if (r->groups.n) {
            for (uint32_t k = 0; k < r->groups.n; k++)
                add_key(&b, K_GROUP, intern(&b, &r->groups.v[k]), 0, 0, i);
        } else {
            set_bit(&b, t->any_group, i);
        }
        if (r->verbs.n) {
            for (uint32_t k = 0; k < r->verbs.n; k++)
                add_key(&b, K_VERB, intern(&b, &r->verbs.v[k]), 0, 0, i);
        } else {
            set_bit(&b, t->any_verb, i);
        }
        int resource_scoped = r->namespaces.n || r->n_res;
        if (resource_scoped || !r->urls.n)
            set_bit(&b, t->scope_res, i);
        if (!resource_scoped)
            set_bit(&b, t->scope_nonres, i);
        if (resource_scoped) {
            if (r->namespaces.n) {
                for (uint32_t k = 0; k < r->namespaces.n; k++)
                    add_key(&b, K_NS, intern(&b, &r->namespaces.v[k]), 0, 0, i);
            } else {
                set_bit(&b, t->ns_base, i);
            }
            if (r->n_res) {
                for (uint32_t k = 0; k < r->n_res; k++)
                    add_resource_keys(&b, &r->res[k], i);
            } else {
                set_bit(&b, t->res_base, i);
            }
        } else if (r->urls.n) {
            for (uint32_t k = 0; k < r->urls.n; k++) {
                const cstr *u = &r->urls.v[k];
                if (cstr_is(u, "*")) {
                    set_bit(&b, t->url_base, i);
                    continue;
                }
                add_key(&b, K_URLEXACT, intern(&b, u), 0, 0, i);
                if (u->len && u->s[u->len - 1] == '*') {
                    cstr pre = *u;
                    while (pre.len && pre.s[pre.len - 1] == '*')
                        pre.len--;
                    add_key(&b, K_URLPREFIX, intern(&b, &pre), 0, 0, i);
                    if (npfx == pfx_cap) {
                        pfx_cap = pfx_cap ? pfx_cap * 2 : 8;
                        uint32_t *np = kap_realloc(pfx, pfx_cap * sizeof *np);
                        if (!np) {
                            b.oom = 1;
                            break;
                        }
                        pfx = np;
                    }
                    pfx[npfx++] = pre.len;
                }
            }
        } else {
            /* matches every request, resource or not */
            set_bit(&b, t->ns_base, i);
            set_bit(&b, t->res_base, i);
            set_bit(&b, t->url_base, i);
        }
    }
    if (!b.oom && npfx) {
        qsort(pfx, npfx, sizeof *pfx, cmp_u32);
        size_t k = 0;
        for (size_t i = 0; i < npfx; i++)
            if (k == 0 || pfx[k - 1] != pfx[i])
                pfx[k++] = pfx[i];
        t->pfx_lens = pfx;
        t->n_pfx_lens = k;
        pfx = NULL;
    }
    kap_free(pfx);
    if (!b.oom)
        b.log_start[p->nrules] = b.nlog;
    if (b.oom || flatten_sets(&b, p->nrules) != KAP_OK || build_hashed(&b) != KAP_OK) {
        builder_free(&b);
        return KAP_ENOMEM;
    }
    builder_free(&b);
    if (build_group_masks(t) != KAP_OK)
        return KAP_ENOMEM;

    /* a string's sets in the simple roles are in its string slot already
     * (add_key), so one probe finds them; the resource entries are hung
     * on the strings here */
    {
        kap_strtab *st = p->strtab;
        uint32_t *slot_of = kap_calloc((size_t)st->count + 1, sizeof *slot_of);
        if (!slot_of)
            return KAP_ENOMEM;
        for (uint32_t id = 1; id <= st->count; id++)
            slot_of[id] = id - 1;
        size_t nres = 0;
        for (size_t i = 0; i < t->nkeys_slots; i++)
            nres += t->keys[i].kind >= K_RALL;
        /* resource entries, hung on the string each is looked up by */
        t->res = kap_calloc(nres ? nres : 1, sizeof *t->res);
        resentry *tmp = kap_calloc(nres ? nres : 1, sizeof *tmp);
        uint32_t *owner = kap_calloc(nres ? nres : 1, sizeof *owner);
        if (!t->res || !tmp || !owner) {
            kap_free(tmp);
            kap_free(owner);
            kap_free(slot_of);
            return KAP_ENOMEM;
        }
        size_t k2 = 0;
        for (size_t i = 0; i < t->nkeys_slots; i++) {
            const keyslot *k = &t->keys[i];
            if (!k->kind || k->kind < K_RALL)
                continue;
            uint32_t kind = k->kind & ~(uint32_t)K_NAMED;
            uint32_t by = kind == K_RALL || kind == K_RSTAR ? k->a : k->b;
            tmp[k2] = (resentry){kind, k->a, k->c, k->set};
            owner[k2] = by == GROUP_ANY ? UINT32_MAX : slot_of[by];
            k2++;
        }
        /* counting sort by owning slot; "*" group entries at the end */
        for (size_t i = 0; i < nres; i++)
            if (owner[i] != UINT32_MAX)
                st->slots[owner[i]].res_n++;
        size_t off = 0;
        for (size_t i = 0; i < st->count; i++) {
            st->slots[i].res_off = (uint32_t)off;
            off += st->slots[i].res_n;
            st->slots[i].res_n = 0;
        }
        t->any_off = off;
        t->any_n = 0;
        for (size_t i = 0; i < nres; i++) {
            if (owner[i] == UINT32_MAX) {
                t->res[t->any_off + t->any_n++] = tmp[i];
            } else {
                strslot *e = &st->slots[owner[i]];
                t->res[e->res_off + e->res_n++] = tmp[i];
            }
        }
        t->nres = nres;
        kap_free(tmp);
        kap_free(owner);
        kap_free(slot_of);
    }

    if (build_lenmap(p) != KAP_OK || build_entry_words(p) != KAP_OK)
        return KAP_ENOMEM;

    /* decisions per rule, and for no match */
    t->results = kap_calloc(p->nrules + 1, sizeof *t->results);
    if (!t->results)
        return KAP_ENOMEM;
    for (size_t i = 0; i < p->nrules; i++) {
        t->results[i].level = (kap_level)p->rules[i].level;
        t->results[i].omit_stages = p->rules[i].omit_stages;
        t->results[i].omit_managed_fields = p->rules[i].omf;
        t->results[i].rule = (int)i;
    }
    t->results[p->nrules].level = KAP_LEVEL_NONE;
    t->results[p->nrules].omit_stages = p->policy_stages;
    t->results[p->nrules].omit_managed_fields = p->policy_omf;
    t->results[p->nrules].rule = -1;

    /* the resource keys stay, in a map of their own: strings with many
     * resource entries are looked up through it (match.c, probe_entries);
     * the other keys live on in the string slots */
    {
        size_t nres_keys = 0;
        for (size_t i = 0; i < t->nkeys_slots; i++)
            nres_keys += (t->keys[i].kind & ~(uint32_t)K_NAMED) >= K_RALL;
        size_t ns = 16;
        while (ns < nres_keys * 2)
            ns *= 2;
        keyslot *keys = kap_calloc(ns, sizeof *keys);
        if (!keys)
            return KAP_ENOMEM;
        for (size_t i = 0; i < t->nkeys_slots; i++) {
            const keyslot *k = &t->keys[i];
            if ((k->kind & ~(uint32_t)K_NAMED) < K_RALL)
                continue;
            size_t j = (size_t)key_hash4(k->kind, k->a, k->b, k->c) & (ns - 1);
            while (keys[j].kind)
                j = (j + 1) & (ns - 1);
            keys[j] = *k;
        }
        kap_free(t->keys);
        t->keys = keys;
        t->nkeys_slots = ns;
        t->nkeys = nres_keys;
    }
    p->table_bytes = t->nkeys_slots * sizeof(keyslot);
    p->table_bytes += t->nlm * sizeof(lment) + p->nrules + p->nrules * 2 * sizeof(uint32_t) +
                      (t->ngroups[SC_RES] + t->ngroups[SC_NONRES]) * sizeof(rgroup);
    p->table_bytes += sizeof *t + t->nsets * sizeof(kset) + t->nentries * 12 + t->nsets * 8 +
                     t->nres * sizeof(resentry) +
                     (p->nrules + 1) * sizeof *t->results + t->n_pfx_lens * 4 +
                     p->strtab->count * sizeof(strslot) + p->strtab->nindex * sizeof(uint64_t);
    if (t->ent_words)
        p->table_bytes += (size_t)p->strtab->count * EW_N * sizeof(uint64_t);
    if (t->set_gmask)
        p->table_bytes += t->nsets * sizeof(uint64_t) + 64 * sizeof(rgroup) + t->ngidx * sizeof(uint32_t);
    p->table_bytes += t->nhkeys_slots * sizeof(hkey);
    return KAP_OK;
}

void table_free(kap_policy *p)
{
    if (p->table) {
        kap_free(p->table->sets);
        kap_free(p->table->widx);
        kap_free(p->table->wmask);
        kap_free(p->table->mask1);
        kap_free(p->table->res);
        kap_free(p->table->keys);
        kap_free(p->table->pfx_lens);
        kap_free(p->table->results);
        kap_free(p->table->need);
        kap_free(p->table->lm);
        kap_free(p->table->ent_words);
        kap_free(p->table->pos_rule);
        kap_free(p->table->group_mem);
        kap_free(p->table->set_gmask);
        kap_free(p->table->gidx);
        kap_free(p->table->group_by_bit);
        kap_free(p->table->hkeys);
        kap_free(p->table);
        p->table = NULL;
    }
    if (p->strtab) {
        kap_free(p->strtab->slots_mem);
        kap_free(p->strtab->index);
        kap_free(p->strtab);
        p->strtab = NULL;
    }
}

/* ---- rules as written --------------------------------------------------------- */

/* A rule's string: the document's own where it is kept in the policy's
 * arena (kept), else a copy there. */
static const char *rule_string(kap_arena *a, const kstr *s, int kept)
{
    if (!s->s)
        return "";
    return kept ? s->s : arena_strndup(a, s->s, s->len);
}

static int copy_list(kap_arena *a, cstrs *out, const kstrlist *in, int kept)
{
    out->n = (uint32_t)in->n;
    if (!in->n)
        return KAP_OK;
    out->v = arena_alloc(a, in->n * sizeof *out->v);
    if (!out->v)
        return KAP_ENOMEM;
    for (size_t i = 0; i < in->n; i++) {
        cstr *c = &out->v[i];
        c->s = rule_string(a, &in->v[i], kept);
        c->len = (uint32_t)in->v[i].len;
        if (!c->s)
            return KAP_ENOMEM;
        c->stem = CSTR_NOSTAR;
        if (c->len && c->s[c->len - 1] == '*')
            for (c->stem = c->len; c->stem && c->s[c->stem - 1] == '*';)
                c->stem--;
    }
    return KAP_OK;
}

static uint8_t stage_bits(const kstrlist *l)
{
    uint8_t bits = 0;
    for (size_t i = 0; i < l->n; i++) {
        unsigned bit;
        char tmp[32];
        if (l->v[i].len >= sizeof tmp)
            continue;
        memcpy(tmp, l->v[i].s, l->v[i].len);
        tmp[l->v[i].len] = 0;
        if (kap_stage_parse(&bit, tmp) == KAP_OK)
            bits |= (uint8_t)bit;
    }
    return bits;
}

int compile_policy(kap_policy *p, const kdoc *doc, int kept)
{
    kap_arena *a = &p->arena;
    p->nrules = doc->nrules;
    p->policy_stages = stage_bits(&doc->stages);
    p->policy_omf = doc->omf ? 1 : 0;
    p->rules = arena_alloc(a, (doc->nrules ? doc->nrules : 1) * sizeof *p->rules);
    if (!p->rules)
        return KAP_ENOMEM;
    for (size_t i = 0; i < doc->nrules; i++) {
        const krule *in = &doc->rules[i];
        crule *r = &p->rules[i];
        char lvl[32] = {0};
        memcpy(lvl, in->level.s, in->level.len < 31 ? in->level.len : 31);
        kap_level level = KAP_LEVEL_NONE;
        kap_level_parse(&level, lvl);
        r->level = (uint8_t)level;
        r->omit_stages = (uint8_t)(p->policy_stages | stage_bits(&in->stages));
        r->omf = (uint8_t)(in->omf >= 0 ? in->omf : p->policy_omf);
        r->line = in->line;
        r->col = in->col;
        if (copy_list(a, &r->users, &in->users, kept) || copy_list(a, &r->groups, &in->groups, kept) ||
            copy_list(a, &r->verbs, &in->verbs, kept) || copy_list(a, &r->namespaces, &in->namespaces, kept) ||
            copy_list(a, &r->urls, &in->urls, kept))
            return KAP_ENOMEM;
        r->n_res = (uint32_t)in->nres;
        if (in->nres) {
            r->res = arena_alloc(a, in->nres * sizeof *r->res);
            if (!r->res)
                return KAP_ENOMEM;
            for (size_t k = 0; k < in->nres; k++) {
                const kgr *g = &in->res[k];
                r->res[k].group.s = rule_string(a, &g->group, kept);
                r->res[k].group.len = (uint32_t)g->group.len;
                r->res[k].group.stem = CSTR_NOSTAR;
                if (!r->res[k].group.s || copy_list(a, &r->res[k].resources, &g->resources, kept) ||
                    copy_list(a, &r->res[k].names, &g->names, kept))
                    return KAP_ENOMEM;
            }
        }
    }
    if (keep_positions(p, doc) != KAP_OK)
        return KAP_ENOMEM;
    p->strtab = kap_calloc(1, sizeof *p->strtab);
    if (!p->strtab)
        return KAP_ENOMEM;
    return build_table(p);
}
