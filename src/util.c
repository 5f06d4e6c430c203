/* Memory, strings, Go-compatible formatting and the diagnostics list.
 * SPDX-License-Identifier: Apache-2.0 */
#define _DEFAULT_SOURCE /* madvise, MAP_ANONYMOUS */
#include <math.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "unicode_print.h"

/* ---- Allocation ---------------------------------------------------------- */

#ifdef KAP_TEST_HOOKS
/* Test builds only (tests/test_hardening.c): count allocations, and fail
 * the Nth one from now (0 = never). Not thread-safe, not in the real library. */
long kap_test_alloc_countdown = 0;
long kap_test_alloc_calls = 0;
int kap_test_alloc_failed = 0;
static int alloc_should_fail(void)
{
    kap_test_alloc_calls++;
    if (kap_test_alloc_countdown > 0 && --kap_test_alloc_countdown == 0) {
        kap_test_alloc_failed = 1;
        return 1;
    }
    return 0;
}
#else
#define alloc_should_fail() 0
#endif

void *kap_malloc(size_t n)
{
    if (alloc_should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *kap_calloc(size_t n, size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *kap_realloc(void *p, size_t n)
{
    if (alloc_should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void kap_free(void *p) { free(p); }

char *kap_strndup(const char *s, size_t n)
{
    char *r = kap_malloc(n + 1);
    if (!r)
        return NULL;
    if (n)
        memcpy(r, s, n);
    r[n] = 0;
    return r;
}

/* ---- Pages ------------------------------------------------------------------
 * A load of a large policy touches tens of megabytes it has just allocated.
 * Each first touch of a 4 KiB page is a page fault, and on this project's
 * machine kind (a virtual machine) a fault costs about 10 us: `perf` put
 * 30% of a first load of a 10,000-rule policy in the kernel. Memory that will be
 * written whole is asked for in one call instead (MADV_POPULATE_WRITE,
 * about 6 us a page), and the large blocks of the arenas in 2 MiB huge
 * pages where the kernel gives them (MADV_HUGEPAGE: one fault, or one
 * populate, for 512 pages). docs/performance.md has the figures. Both are
 * hints: where the kernel lacks them, pages fault in as before. */

#define PREFAULT_MIN ((size_t)64 * 1024) /* smaller: the faults cost less than a call */
#define HUGE_PAGE ((size_t)2 * 1024 * 1024)

void kap_prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
    if (n < PREFAULT_MIN)
        return;
    long pg = sysconf(_SC_PAGESIZE);
    if (pg <= 0)
        return;
    uintptr_t mask = (uintptr_t)pg - 1;
    uintptr_t a = ((uintptr_t)p + mask) & ~mask, e = ((uintptr_t)p + n) & ~mask;
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_POPULATE_WRITE); // NOLINT(performance-no-int-to-ptr)
#else
    (void)p, (void)n;
#endif
}

/* len bytes (a multiple of HUGE_PAGE) at an address aligned to HUGE_PAGE,
 * in huge pages where the kernel gives them, prefaulted; NULL on failure */
static void *map_huge(size_t len)
{
#if defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE)
    if (alloc_should_fail())
        return NULL;
    /* map one huge page more than needed, then unmap what lies outside
     * the aligned part */
    char *m = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    char *p = (char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1)); // NOLINT(performance-no-int-to-ptr)
    if (p > m)
        (void)munmap(m, (size_t)(p - m));
    (void)munmap(p + len, (size_t)(m + HUGE_PAGE - p)); /* (p - m < HUGE_PAGE) */
    (void)madvise(p, len, MADV_HUGEPAGE);
    kap_prefault(p, len);
    return p;
#else
    (void)len;
    return NULL;
#endif
}

/* ---- Arena ----------------------------------------------------------------- */

struct kap_arena_block {
    kap_arena_block *next;
    size_t size;
    size_t mapped; /* the bytes mapped for it by map_huge, or 0: from malloc */
    max_align_t data[];
};

/* A block of at least bytes. fill: the arena is large already, so this
 * block will most likely be filled (prefaulted); a block of nearly a huge
 * page or more is mapped in huge pages. */
static kap_arena_block *block_new(size_t bytes, int fill)
{
    kap_arena_block *b;
    if (bytes >= HUGE_PAGE - 4096) {
        size_t len = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        if (len >= bytes && (b = map_huge(len)) != NULL) {
            b->mapped = len;
            return b;
        }
    }
    b = kap_malloc(bytes);
    if (!b)
        return NULL;
    if (fill || bytes >= 4 * PREFAULT_MIN)
        kap_prefault(b, bytes);
    b->mapped = 0;
    return b;
}

static void block_free(kap_arena_block *b)
{
    if (b->mapped)
        (void)munmap(b, b->mapped);
    else
        kap_free(b);
}

#define ARENA_BLOCK ((size_t)64 * 1024)
#ifdef KAP_TEST_HOOKS
/* Test builds only: with a size other than 0, an arena's every block is
 * of that size, not doubled (1: an allocation a block, so that failing
 * allocations one by one reaches every arena allocation) */
size_t kap_test_arena_block = 0;
#endif

/* n bytes at an offset that is a multiple of align (a power of two, at
 * most 16), not zeroed. */
static void *arena_take(kap_arena *a, size_t n, size_t align)
{
    size_t off = (a->used + align - 1) & ~(align - 1);
    if (!a->head || off > a->cap || n > a->cap - off) {
        size_t block = ARENA_BLOCK;
        if (a->max_block && a->head) {
            block = a->head->size * 2;
            if (block > a->max_block)
                block = a->max_block;
        }
#ifdef KAP_TEST_HOOKS
        if (kap_test_arena_block)
            block = kap_test_arena_block;
#endif
        size_t size = n > block / 4 ? n : block;
        kap_arena_block *b = block_new(sizeof *b + size, a->nblocks >= 4);
        if (!b)
            return NULL;
        a->nblocks++;
        b->size = size;
        if (a->head && n > block / 4) {
            /* a big block goes behind the current one so the rest of the
             * current block stays in use */
            b->next = a->head->next;
            a->head->next = b;
            return b->data;
        }
        b->next = a->head;
        a->head = b;
        a->cap = size;
        off = 0;
    }
    char *p = (char *)a->head->data + off;
    a->used = off + n;
    return p;
}

void *arena_alloc(kap_arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    void *p = arena_take(a, n, 16);
    if (p)
        memset(p, 0, n);
    return p;
}

void *arena_alloc_raw(kap_arena *a, size_t n) { return arena_take(a, n ? n : 1, 8); }

char *arena_strndup(kap_arena *a, const char *s, size_t n)
{
    char *r = arena_take(a, n + 1, 1);
    if (!r)
        return NULL;
    if (n)
        memcpy(r, s, n);
    r[n] = 0;
    return r;
}

void arena_merge(kap_arena *to, kap_arena *from)
{
    if (!from->head)
        return;
    if (!to->head) {
        size_t max_block = to->max_block;
        *to = *from;
        to->max_block = max_block;
    } else { /* behind to's current block, which stays in use */
        kap_arena_block *tail = from->head;
        while (tail->next)
            tail = tail->next;
        tail->next = to->head->next;
        to->head->next = from->head;
        to->nblocks += from->nblocks;
    }
    size_t max_block = from->max_block;
    memset(from, 0, sizeof *from);
    from->max_block = max_block;
}

void arena_reset(kap_arena *a)
{
    if (!a->head)
        return;
    kap_arena_block *b = a->head->next;
    while (b) {
        kap_arena_block *n = b->next;
        block_free(b);
        b = n;
    }
    a->head->next = NULL;
    a->nblocks = 1;
    a->used = 0;
    a->cap = a->head->size;
}

void arena_free(kap_arena *a)
{
    kap_arena_block *b = a->head;
    while (b) {
        kap_arena_block *n = b->next;
        block_free(b);
        b = n;
    }
    a->head = NULL;
    a->nblocks = 0;
    a->used = a->cap = 0;
}

/* ---- Growable strings ------------------------------------------------------ */

static int buf_grow(kap_buf *b, size_t extra)
{
    if (b->oom)
        return 0;
    if (b->len + extra + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = kap_realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return 0;
    }
    b->s = s;
    b->cap = cap;
    return 1;
}

void buf_add(kap_buf *b, const char *s, size_t n)
{
    if (!buf_grow(b, n))
        return;
    if (n)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void buf_adds(kap_buf *b, const char *s) { buf_add(b, s, strlen(s)); }

void buf_addc(kap_buf *b, char c) { buf_add(b, &c, 1); }

void buf_printf(kap_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        buf_add(b, tmp, (size_t)n);
        return;
    }
    if (!buf_grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_free(kap_buf *b)
{
    kap_free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

const char *buf_cstr(kap_buf *b)
{
    if (!b->s && !b->oom)
        buf_add(b, "", 0);
    return b->s;
}

/* ---- UTF-8 and Go's printing rules ----------------------------------------- */

/* Decodes one rune as Go's utf8.DecodeRune does: invalid input gives
 * (-1, 1). */
int32_t utf8_decode(const unsigned char *s, size_t n, size_t *size)
{
    unsigned char c = s[0];
    *size = 1;
    if (c < 0x80)
        return c;
    int need;
    int32_t r, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1, r = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2, r = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3, r = c & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if ((size_t)need >= n)
        return -1;
    for (int i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        r = (r << 6) | (s[i] & 0x3F);
    }
    if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        return -1;
    *size = (size_t)need + 1;
    return r;
}

static void utf8_encode(kap_buf *b, int32_t r)
{
    char t[4];
    if (r < 0x80) {
        t[0] = (char)r;
        buf_add(b, t, 1);
    } else if (r < 0x800) {
        t[0] = (char)(0xC0 | (r >> 6));
        t[1] = (char)(0x80 | (r & 0x3F));
        buf_add(b, t, 2);
    } else if (r < 0x10000) {
        t[0] = (char)(0xE0 | (r >> 12));
        t[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        t[2] = (char)(0x80 | (r & 0x3F));
        buf_add(b, t, 3);
    } else {
        t[0] = (char)(0xF0 | (r >> 18));
        t[1] = (char)(0x80 | ((r >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((r >> 6) & 0x3F));
        t[3] = (char)(0x80 | (r & 0x3F));
        buf_add(b, t, 4);
    }
}

static int in_ranges(uint32_t r, const uint32_t (*ranges)[2], size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r < ranges[mid][0])
            hi = mid;
        else if (r > ranges[mid][1])
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

#define NRANGES(a) (sizeof(a) / sizeof((a)[0]))

int go_is_print(int32_t r, unsigned int flags)
{
    if (r < 0x80)
        return r >= 0x20 && r < 0x7F;
    if (r > 0x10FFFF || in_ranges((uint32_t)r, kap_nonprint_ranges, NRANGES(kap_nonprint_ranges)))
        return 0;
    /* Go 1.16 to 1.20 knew Unicode 13.0: what 14.0 and 15.0 assigned was
     * unassigned, so not printable, to them */
    return !(flags & GOFMT_UNICODE13) ||
           !in_ranges((uint32_t)r, kap_print_since_14_ranges, NRANGES(kap_print_since_14_ranges));
}

static const char HEX[] = "0123456789abcdef";

/* strconv's appendEscapedRune for a rune r inside a Go quoted literal. */
static void go_quote_rune(kap_buf *b, int32_t r, char quote, unsigned int flags)
{
    char t[12];
    if (r == quote || r == '\\') {
        t[0] = '\\';
        t[1] = (char)r;
        buf_add(b, t, 2);
        return;
    }
    if (go_is_print(r, flags)) {
        utf8_encode(b, r);
        return;
    }
    switch (r) {
    case '\a': buf_adds(b, "\\a"); return;
    case '\b': buf_adds(b, "\\b"); return;
    case '\f': buf_adds(b, "\\f"); return;
    case '\n': buf_adds(b, "\\n"); return;
    case '\r': buf_adds(b, "\\r"); return;
    case '\t': buf_adds(b, "\\t"); return;
    case '\v': buf_adds(b, "\\v"); return;
    default: break;
    }
    if (r < ' ' || r == 0x7F) {
        t[0] = '\\', t[1] = 'x', t[2] = HEX[(r >> 4) & 15], t[3] = HEX[r & 15];
        buf_add(b, t, 4);
    } else if (r < 0x10000) {
        t[0] = '\\', t[1] = 'u';
        for (int i = 0; i < 4; i++)
            t[2 + i] = HEX[(r >> (12 - 4 * i)) & 15];
        buf_add(b, t, 6);
    } else {
        t[0] = '\\', t[1] = 'U';
        for (int i = 0; i < 8; i++)
            t[2 + i] = HEX[(r >> (28 - 4 * i)) & 15];
        buf_add(b, t, 10);
    }
}

void go_quote_as(kap_buf *b, const char *s, size_t n, unsigned int flags)
{
    const unsigned char *p = (const unsigned char *)s;
    buf_addc(b, '"');
    size_t i = 0;
    while (i < n) {
        size_t size;
        int32_t r = utf8_decode(p + i, n - i, &size);
        if (r < 0) { /* a byte that is not UTF-8: \xNN */
            char t[4] = {'\\', 'x', HEX[p[i] >> 4], HEX[p[i] & 15]};
            buf_add(b, t, 4);
            i++;
            continue;
        }
        go_quote_rune(b, r, '"', flags);
        i += size;
    }
    buf_addc(b, '"');
}

void go_quote(kap_buf *b, const char *s, size_t n) { go_quote_as(b, s, n, 0); }

void go_quote_char(kap_buf *b, unsigned char c)
{
    if (c == '\'') {
        buf_adds(b, "'\\''");
        return;
    }
    if (c == '"') {
        buf_adds(b, "'\"'");
        return;
    }
    buf_addc(b, '\'');
    go_quote_rune(b, c, '"', 0);
    buf_addc(b, '\'');
}

void json_quote_as(kap_buf *b, const char *s, size_t n, unsigned int flags)
{
    const unsigned char *p = (const unsigned char *)s;
    buf_addc(b, '"');
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
                buf_addc(b, (char)c);
            } else {
                switch (c) {
                case '"': buf_adds(b, "\\\""); break;
                case '\\': buf_adds(b, "\\\\"); break;
                case '\n': buf_adds(b, "\\n"); break;
                case '\r': buf_adds(b, "\\r"); break;
                case '\t': buf_adds(b, "\\t"); break;
                default:
                    if ((c == '\b' || c == '\f') && !(flags & GOFMT_JSON_LONG_ESCAPES)) {
                        buf_adds(b, c == '\b' ? "\\b" : "\\f"); /* Go 1.22 on */
                    } else {
                        char t[6] = {'\\', 'u', '0', '0', HEX[c >> 4], HEX[c & 15]};
                        buf_add(b, t, 6);
                    }
                }
            }
            i++;
            continue;
        }
        size_t size;
        int32_t r = utf8_decode(p + i, n - i, &size);
        if (r < 0) {
            buf_adds(b, "\\ufffd");
            i++;
            continue;
        }
        if (r == 0x2028 || r == 0x2029)
            buf_adds(b, r == 0x2028 ? "\\u2028" : "\\u2029");
        else
            buf_add(b, s + i, size);
        i += size;
    }
    buf_addc(b, '"');
}

void json_quote(kap_buf *b, const char *s, size_t n) { json_quote_as(b, s, n, 0); }

/* The shortest decimal digits that read back as v (as a float32 when bits is
 * 32): digits[0..*nd) and the decimal exponent of the first digit. v is
 * finite and not zero. */
static void shortest_digits(double v, int bits, char digits[32], int *nd, int *exp10)
{
    char tmp[64];
    int prec;
    for (prec = 1; prec < 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        double back = strtod(tmp, NULL);
        if (bits == 32 ? (float)back == (float)v : back == v)
            break;
    }
    if (prec == 17)
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
    /* tmp is [-]d.ddde±XX */
    const char *q = tmp;
    *nd = 0;
    for (; *q && *q != 'e'; q++)
        if (*q >= '0' && *q <= '9')
            digits[(*nd)++] = *q;
    *exp10 = (int)strtol(q + 1, NULL, 10);
    /* the shortest digits never end in 0: one digit fewer would read back too */
}

void go_format_float_g(kap_buf *b, double v, int bits)
{
    /* as float32 first (strconv does): a double past float32's range is
     * an infinity there */
    if (bits == 32)
        v = (float)v;
    if (isnan(v)) {
        buf_adds(b, "NaN");
        return;
    }
    if (isinf(v)) {
        buf_adds(b, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    if (signbit(v))
        buf_addc(b, '-');
    if (v == 0) {
        buf_addc(b, '0');
        return;
    }
    char digits[32] = {0};
    int nd, exp;
    shortest_digits(fabs(v), bits, digits, &nd, &exp);
    if (exp < -4 || exp >= 6) { /* %e with the shortest digits */
        buf_addc(b, digits[0]);
        if (nd > 1) {
            buf_addc(b, '.');
            buf_add(b, digits + 1, (size_t)nd - 1);
        }
        buf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
        return;
    }
    /* %f with as many decimals as there are digits after the point */
    int point = exp + 1;
    if (point <= 0) {
        buf_adds(b, "0.");
        for (int i = 0; i < -point; i++)
            buf_addc(b, '0');
        buf_add(b, digits, (size_t)nd);
    } else if (point >= nd) {
        buf_add(b, digits, (size_t)nd);
        for (int i = nd; i < point; i++)
            buf_addc(b, '0');
    } else {
        buf_add(b, digits, (size_t)point);
        buf_addc(b, '.');
        buf_add(b, digits + point, (size_t)(nd - point));
    }
}

void go_format_float(kap_buf *b, double v)
{
    /* encoding/json: the shortest digits, 'f' notation unless the exponent
     * is < -6 or >= 21, where it is 'e' with the exponent's digits as
     * they come ("1e-7", "1e+21"). v is finite (the caller rejects NaN and
     * ±Inf, as encoding/json does). */
    if (signbit(v))
        buf_addc(b, '-');
    double av = fabs(v);
    if (av == 0) {
        buf_addc(b, '0');
        return;
    }
    char digits[32] = {0};
    int nd, exp;
    shortest_digits(av, 64, digits, &nd, &exp);
    if (av < 1e-6 || av >= 1e21) {
        buf_addc(b, digits[0]);
        if (nd > 1) {
            buf_addc(b, '.');
            buf_add(b, digits + 1, (size_t)nd - 1);
        }
        buf_printf(b, "e%c%d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
        return;
    }
    int point = exp + 1;
    if (point <= 0) {
        buf_adds(b, "0.");
        for (int i = 0; i < -point; i++)
            buf_addc(b, '0');
        buf_add(b, digits, (size_t)nd);
    } else if (point >= nd) {
        buf_add(b, digits, (size_t)nd);
        for (int i = nd; i < point; i++)
            buf_addc(b, '0');
    } else {
        buf_add(b, digits, (size_t)point);
        buf_addc(b, '.');
        buf_add(b, digits + point, (size_t)(nd - point));
    }
}

/* ---- fmt's %#v of decoded values ------------------------------------------- */

/* A value's float64, from the text read_yaml.c left in it: encoding/json's
 * for a finite value, ".inf", "-.inf" or ".nan" for the others. */
static double jv_float(const jv *v)
{
    if (v->s[0] == '.')
        return v->s[1] == 'n' ? NAN : INFINITY;
    if (v->s[0] == '-' && v->s[1] == '.')
        return -INFINITY;
    char tmp[64];
    size_t n = v->len < sizeof tmp - 1 ? v->len : sizeof tmp - 1;
    memcpy(tmp, v->s, n);
    tmp[n] = 0;
    return strtod(tmp, NULL);
}

/* fmtsort's order of interface keys: nil first, then by the concrete type
 * (by the address of its type descriptor; the linker lays the basic types
 * out in the order of their names), then by value. */
static int key_type_rank(const jv *k)
{
    switch (k->kind) {
    case JV_NULL: return 0;
    case JV_BOOL: return 1;
    case JV_NUMBER: return k->b == JV_NUM_FLOAT ? 2 : k->b == JV_NUM_UINT64 ? 5 : 3;
    default: return 4; /* string */
    }
}

static int key_compare(const jv *a, const jv *b)
{
    int ra = key_type_rank(a), rb = key_type_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    switch (ra) {
    case 0: return 0; /* nil, one per map */
    case 1: return a->b - b->b;
    case 2: {
        double x = jv_float(a), y = jv_float(b);
        if (isnan(x) || isnan(y)) /* NaN first */
            return isnan(x) && isnan(y) ? 0 : isnan(x) ? -1 : 1;
        return x < y ? -1 : x > y;
    }
    case 3: {
        long long x = strtoll(a->s, NULL, 10), y = strtoll(b->s, NULL, 10);
        return x < y ? -1 : x > y;
    }
    case 5: {
        unsigned long long x = strtoull(a->s, NULL, 10), y = strtoull(b->s, NULL, 10);
        return x < y ? -1 : x > y;
    }
    default: { /* strings, by their bytes */
        size_t n = a->len < b->len ? a->len : b->len;
        int c = n ? memcmp(a->s, b->s, n) : 0;
        return c ? c : a->len < b->len ? -1 : a->len > b->len;
    }
    }
}

/* A member's key as go-yaml typed it. */
static jv member_key(const jv_member *m)
{
    if (m->okey)
        return *m->okey;
    jv k;
    memset(&k, 0, sizeof k);
    k.kind = JV_STRING;
    k.s = m->key;
    k.len = m->klen;
    return k;
}

static void sharpv(kap_buf *b, const jv *v, unsigned int flags, int depth);

static void sharpv_map(kap_buf *b, const jv *v, unsigned int flags, int depth)
{
    buf_adds(b, "map[interface {}]interface {}{");
    const jv_member *members = v->gomap ? v->gomap->m : v->members;
    size_t n = v->gomap ? v->gomap->n : v->n;
    /* fmtsort: few entries, an insertion sort of indexes */
    size_t small[16];
    size_t *order = n <= sizeof small / sizeof *small ? small : kap_malloc(n * sizeof *order);
    if (!order) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        jv ki = member_key(&members[i]);
        size_t j = i;
        for (; j > 0; j--) {
            jv kj = member_key(&members[order[j - 1]]);
            if (key_compare(&kj, &ki) <= 0)
                break;
            order[j] = order[j - 1];
        }
        order[j] = i;
    }
    for (size_t i = 0; i < n; i++) {
        const jv_member *m = &members[order[i]];
        if (i)
            buf_adds(b, ", ");
        jv k = member_key(m);
        sharpv(b, &k, flags, depth + 1);
        buf_addc(b, ':');
        sharpv(b, m->val, flags, depth + 1);
    }
    if (order != small)
        kap_free(order);
    buf_addc(b, '}');
}

static void sharpv(kap_buf *b, const jv *v, unsigned int flags, int depth)
{
    if (v->kind == JV_NULL) {
        /* a nil interface: <nil> as an argument, typed inside a value */
        buf_adds(b, depth ? "interface {}(nil)" : "<nil>");
        return;
    }
    switch (v->kind) {
    case JV_BOOL: buf_adds(b, v->b ? "true" : "false"); return;
    case JV_STRING: go_quote_as(b, v->s, v->len, flags); return;
    case JV_NUMBER:
        if (v->b == JV_NUM_FLOAT)
            go_format_float_g(b, jv_float(v), 64);
        else if (v->b == JV_NUM_UINT64)
            buf_printf(b, "0x%llx", strtoull(v->s, NULL, 10));
        else
            buf_add(b, v->s, v->len);
        return;
    case JV_ARRAY:
        buf_adds(b, "[]interface {}{");
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                buf_adds(b, ", ");
            sharpv(b, v->items[i], flags, depth + 1);
        }
        buf_addc(b, '}');
        return;
    default: sharpv_map(b, v, flags, depth); return;
    }
}

void go_sharpv_value(kap_buf *b, const jv *v, unsigned int flags) { sharpv(b, v, flags, 0); }

void go_sharpv_strlist(kap_buf *b, const kstrlist *l, unsigned int flags)
{
    buf_adds(b, "[]string{");
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            buf_adds(b, ", ");
        go_quote_as(b, l->v[i].s, l->v[i].len, flags);
    }
    buf_addc(b, '}');
}

void json_strlist(kap_buf *b, const kstrlist *l, unsigned int flags)
{
    buf_addc(b, '[');
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            buf_addc(b, ',');
        json_quote_as(b, l->v[i].s, l->v[i].len, flags);
    }
    buf_addc(b, ']');
}

const char *jv_kind_go_name(jv_kind k)
{
    switch (k) {
    case JV_STRING: return "string";
    case JV_NUMBER: return "number";
    case JV_BOOL: return "bool";
    case JV_ARRAY: return "array";
    case JV_OBJECT: return "object";
    default: return "null";
    }
}

/* ---- Diagnostics ----------------------------------------------------------- */

kap_diagnostics *diags_new(const char *source)
{
    kap_diagnostics *d = kap_calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->source = kap_strndup(source ? source : "<buffer>", strlen(source ? source : "<buffer>"));
    if (!d->source) {
        kap_free(d);
        return NULL;
    }
    return d;
}

void diags_add(kap_diagnostics *d, kap_severity sev, const char *field, const char *message,
               unsigned int line, unsigned int col)
{
    if (!d || d->oom)
        return;
    if (!message) { /* a caller's text ran out of memory */
        d->oom = 1;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        kap_diagnostic *items = kap_realloc(d->items, cap * sizeof *items);
        if (!items) {
            d->oom = 1;
            return;
        }
        d->items = items;
        d->cap = cap;
    }
    char *f = kap_strndup(field ? field : "", strlen(field ? field : ""));
    char *m = kap_strndup(message, strlen(message));
    if (!f || !m) {
        kap_free(f);
        kap_free(m);
        d->oom = 1;
        return;
    }
    kap_diagnostic *it = &d->items[d->n++];
    it->severity = sev;
    it->field = f;
    it->message = m;
    it->line = line;
    it->column = col;
}

size_t kap_diagnostics_count(const kap_diagnostics *d) { return d ? d->n : 0; }

const kap_diagnostic *kap_diagnostics_get(const kap_diagnostics *d, size_t i)
{
    if (!d || i >= d->n)
        return NULL;
    return &d->items[i];
}

const char *kap_diagnostics_error_text(const kap_diagnostics *d) { return d ? d->error_text : NULL; }

const char *kap_diagnostics_warning_text(const kap_diagnostics *d)
{
    return d ? d->warning_text : NULL;
}

const char *kap_diagnostics_source(const kap_diagnostics *d) { return d ? d->source : NULL; }

void kap_diagnostics_free(kap_diagnostics *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        kap_free((void *)d->items[i].field);
        kap_free((void *)d->items[i].message);
    }
    kap_free(d->items);
    kap_free(d->error_text);
    kap_free(d->warning_text);
    kap_free(d->source);
    kap_free(d);
}

/* ---- Growing arrays ------------------------------------------------------- */

int kap_grow(void *pp, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : (first ? first : 1);
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return -1;
        n *= 2;
    }
    if (elem && n > SIZE_MAX / elem)
        return -1;
    void *old;
    memcpy(&old, pp, sizeof old);
    void *p = kap_realloc(old, n * elem);
    if (!p)
        return -1;
    memcpy(pp, &p, sizeof p);
    *cap = n;
    return 0;
}
