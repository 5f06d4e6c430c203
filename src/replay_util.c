/* libkap-replay's small tools: allocation (with a failure hook for the
 * tests), byte buffers, a hash, and a hash map from byte strings.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_internal.h"

#ifdef KAP_TEST_HOOKS
/* the allocation-failure test fails the Nth allocation */
long rp_alloc_fail_at = -1;
long rp_alloc_count;
#define RP_FAIL() (rp_alloc_fail_at >= 0 && rp_alloc_count++ == rp_alloc_fail_at)
#else
#define RP_FAIL() 0
#endif

void *rp_malloc(size_t n)
{
    return RP_FAIL() ? NULL : malloc(n ? n : 1);
}

void *rp_calloc(size_t n, size_t size)
{
    return RP_FAIL() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *rp_realloc(void *p, size_t n)
{
    return RP_FAIL() ? NULL : realloc(p, n ? n : 1);
}

void rp_free(void *p)
{
    free(p);
}

int rp_grow(void *pp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 16;
    if (n < need)
        n = need;
    void *p = rp_realloc(*(void **)pp, n * elem);
    if (!p)
        return -1;
    *(void **)pp = p;
    *cap = n;
    return 0;
}

char *rp_strndup(const char *s, size_t n)
{
    char *d = rp_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

int rp_buf_reserve(rp_buf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->len + extra <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra)
        cap *= 2;
    char *s = rp_realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void rp_buf_add(rp_buf *b, const void *s, size_t n)
{
    if (n == 0 || rp_buf_reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
}

void rp_buf_addc(rp_buf *b, char c)
{
    if (rp_buf_reserve(b, 1))
        return;
    b->s[b->len++] = c;
}

void rp_buf_adds(rp_buf *b, const char *s)
{
    rp_buf_add(b, s, strlen(s));
}

void rp_buf_printf(rp_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        rp_buf_add(b, small, (size_t)n);
        return;
    }
    if (rp_buf_reserve(b, (size_t)n + 1))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (1 to 4 bytes), 0 if none starts there. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (need >= n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i <= need; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return need + 1;
}

/* A quoted JSON string, valid UTF-8 whatever s holds: each byte that does
 * not start valid UTF-8 is \ufffd, as Go's encoding/json writes it. text:
 * also C1 controls (U+0080 to U+009F) as \u0080 to \u009f, so that nothing
 * in it acts on a terminal; else those pass as they are. */
static void quote(rp_buf *b, const char *s, size_t n, int text)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    rp_buf_addc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t k = 1;
        unsigned cp = c;
        if (c >= 0x80) {
            k = utf8_seq(p + i, n - i);
            if (text && k == 2 && c == 0xC2 && p[i + 1] < 0xA0) {
                cp = p[i + 1];
            } else if (k) {
                i += k;
                continue;
            } else {
                rp_buf_add(b, s + run, i - run);
                rp_buf_add(b, "\\ufffd", 6);
                run = ++i;
                continue;
            }
        } else if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
            i++;
            continue;
        }
        rp_buf_add(b, s + run, i - run);
        i += k;
        run = i;
        switch (cp) {
        case '"': rp_buf_add(b, "\\\"", 2); break;
        case '\\': rp_buf_add(b, "\\\\", 2); break;
        case '\n': rp_buf_add(b, "\\n", 2); break;
        case '\t': rp_buf_add(b, "\\t", 2); break;
        case '\r': rp_buf_add(b, "\\r", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[cp >> 4], hex[cp & 15]};
            rp_buf_add(b, u, 6);
        }
        }
    }
    rp_buf_add(b, s + run, n - run);
    rp_buf_addc(b, '"');
}

void rp_buf_json(rp_buf *b, const char *s, size_t n) { quote(b, s, n, 0); }

void rp_buf_text(rp_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (!k || (k == 1 && (p[i] < 0x20 || p[i] == 0x7f)) || (k == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0)) {
            quote(b, s, n, 1);
            return;
        }
        i += k;
    }
    rp_buf_add(b, s, n);
}

void rp_quote_char(char *out, unsigned char c)
{
    static const char esc[] = "abtnvfr"; /* \a to \r: bytes 7 to 13 */
    if (c == '\'')
        snprintf(out, 12, "'\\''");
    else if (c >= 7 && c <= 13)
        snprintf(out, 12, "'\\%c'", esc[c - 7]);
    else if (c < 0x20 || c == 0x7f)
        snprintf(out, 12, "'\\x%02x'", c);
    else if (c < 0x80)
        snprintf(out, 12, "'%c'", c);
    else if (c < 0xa1 || c == 0xad) /* C1, no-break space, soft hyphen: not printable to Go */
        snprintf(out, 12, "'\\u%04x'", c);
    else
        snprintf(out, 12, "'%c%c'", 0xc0 | (c >> 6), 0x80 | (c & 0x3f));
}

void rp_buf_free(rp_buf *b)
{
    rp_free(b->s);
    memset(b, 0, sizeof *b);
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t rp_hash(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = mix(h ^ w, 0xBF58476D1CE4E5B9ULL);
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    return mix(h ^ w ^ 0x94D049BB133111EBULL, 0x2545F4914F6CDD1DULL);
}

/* ---- the map ------------------------------------------------------------- */

void rp_map_init(rp_map *m, size_t vsize)
{
    memset(m, 0, sizeof *m);
    m->vsize = (vsize + 7) & ~(size_t)7;
    m->esize = sizeof(rp_entry) + m->vsize;
}

static void free_keys(rp_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        rp_entry *e = rp_map_at(m, i);
        if (e->klen > RP_INLINE_KEY)
            rp_free(e->k.heap);
    }
}

void rp_map_free(rp_map *m)
{
    free_keys(m);
    rp_free(m->ents);
    rp_free(m->index);
    size_t vs = m->vsize;
    rp_map_init(m, vs);
}

void rp_map_clear(rp_map *m)
{
    free_keys(m);
    m->n = 0;
    if (m->index)
        memset(m->index, 0, m->icap * sizeof *m->index);
}

rp_entry *rp_map_find(const rp_map *m, const char *k, size_t n, uint64_t h)
{
    if (!m->icap)
        return NULL;
    size_t mask = m->icap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        uint32_t x = m->index[i];
        if (!x)
            return NULL;
        rp_entry *e = rp_map_at(m, x - 1);
        if (e->hash == h && e->klen == n && memcmp(rp_key(e), k, n) == 0)
            return e;
    }
}

static int grow_index(rp_map *m)
{
    size_t icap = m->icap ? m->icap * 2 : 64;
    uint32_t *ix = rp_calloc(icap, sizeof *ix);
    if (!ix)
        return -1;
    for (size_t i = 0; i < m->n; i++) {
        size_t j = (size_t)rp_map_at(m, i)->hash & (icap - 1);
        while (ix[j])
            j = (j + 1) & (icap - 1);
        ix[j] = (uint32_t)(i + 1);
    }
    rp_free(m->index);
    m->index = ix;
    m->icap = icap;
    return 0;
}

rp_entry *rp_map_upsert(rp_map *m, const char *k, size_t n, uint64_t h, int *added)
{
    rp_entry *e = rp_map_find(m, k, n, h);
    if (added)
        *added = e == NULL;
    if (e)
        return e;
    return rp_map_insert(m, k, n, h);
}

rp_entry *rp_map_insert(rp_map *m, const char *k, size_t n, uint64_t h)
{
    rp_entry *e;
    if (n > UINT32_MAX || m->n >= UINT32_MAX - 1)
        return NULL;
    if ((m->n + 1) * 4 > m->icap * 3 && grow_index(m))
        return NULL;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        unsigned char *ents = rp_realloc(m->ents, cap * m->esize);
        if (!ents)
            return NULL;
        m->ents = ents;
        m->cap = cap;
    }
    e = rp_map_at(m, m->n);
    memset(e, 0, m->esize);
    e->hash = h;
    e->klen = (uint32_t)n;
    if (n > RP_INLINE_KEY) {
        e->k.heap = rp_malloc(n);
        if (!e->k.heap)
            return NULL;
        memcpy(e->k.heap, k, n);
    } else {
        memcpy(e->k.in, k, n);
    }
    size_t mask = m->icap - 1;
    size_t j = (size_t)h & mask;
    while (m->index[j])
        j = (j + 1) & mask;
    m->index[j] = (uint32_t)(m->n + 1);
    m->n++;
    return e;
}

/* The index slot that points at entry number i. */
static size_t slot_of(const rp_map *m, size_t i, uint64_t h)
{
    size_t mask = m->icap - 1;
    size_t j = (size_t)h & mask;
    while (m->index[j] != i + 1)
        j = (j + 1) & mask;
    return j;
}

void rp_map_remove(rp_map *m, rp_entry *e)
{
    size_t i = (size_t)((unsigned char *)e - m->ents) / m->esize;
    size_t mask = m->icap - 1;
    size_t j = slot_of(m, i, e->hash);
    /* backward-shift deletion keeps every probe sequence unbroken */
    for (;;) {
        m->index[j] = 0;
        size_t k = j;
        for (;;) {
            k = (k + 1) & mask;
            uint32_t x = m->index[k];
            if (!x)
                goto shifted;
            size_t home = (size_t)rp_map_at(m, x - 1)->hash & mask;
            /* x may move to j if j lies cyclically in [home, k) */
            if ((k > j && (home <= j || home > k)) || (k < j && home <= j && home > k)) {
                m->index[j] = x;
                j = k;
                break;
            }
        }
    }
shifted:
    if (e->klen > RP_INLINE_KEY)
        rp_free(e->k.heap);
    size_t last = m->n - 1;
    if (i != last) {
        rp_entry *l = rp_map_at(m, last);
        m->index[slot_of(m, last, l->hash)] = (uint32_t)(i + 1);
        memcpy(e, l, m->esize);
    }
    m->n--;
}

static int cmp_entries(const void *a, const void *b)
{
    const rp_entry *x = *(rp_entry *const *)a, *y = *(rp_entry *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(rp_key(x), rp_key(y), n);
    if (c)
        return c;
    return x->klen < y->klen ? -1 : x->klen > y->klen;
}

rp_entry **rp_map_sorted(const rp_map *m)
{
    if (!m->n)
        return NULL;
    rp_entry **v = rp_malloc(m->n * sizeof *v); // NOLINT(bugprone-sizeof-expression): the elements are pointers
    if (!v)
        return NULL;
    for (size_t i = 0; i < m->n; i++)
        v[i] = rp_map_at(m, i);
    qsort(v, m->n, sizeof *v, cmp_entries); // NOLINT(bugprone-sizeof-expression): the elements are pointers
    return v;
}
