/* The arena (util.c): blocks that grow, blocks in huge pages, prefaulted
 * blocks, and a failed block allocation. What is written must read back,
 * arena_alloc's memory must be zeroed and 16-byte aligned, and a failed
 * allocation must leave the arena usable and freeable (the sanitizer and
 * valgrind runs of this test see a block lost or freed twice). Linked
 * against the allocation-hook build of the library.
 * SPDX-License-Identifier: Apache-2.0 */
#define _DEFAULT_SOURCE /* mincore, MAP_ANONYMOUS */
#include <check.h>
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

extern long kap_test_alloc_countdown, kap_test_alloc_calls;
extern int kap_test_alloc_failed;

/* Fills n pieces of size bytes each (piece i holds bytes i + k, mod 251),
 * checking each arrives zeroed and aligned; returns the pieces. (Loops
 * test bytes in C and assert once: each passing ck_assert is a write to
 * check's pipe.) */
static unsigned char **fill(kap_arena *a, size_t n, size_t size)
{
    unsigned char **v = malloc(n * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < n; i++) {
        v[i] = arena_alloc(a, size);
        ck_assert_ptr_nonnull(v[i]);
        ck_assert_uint_eq((uintptr_t)v[i] % 16, 0);
        size_t k = 0;
        while (k < size && v[i][k] == 0)
            k++;
        ck_assert_msg(k == size, "piece %zu byte %zu not zeroed", i, k);
        for (k = 0; k < size; k++)
            v[i][k] = (unsigned char)((i + k) % 251);
    }
    return v;
}

static void check(unsigned char **v, size_t n, size_t size)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < size && v[i][k] == (unsigned char)((i + k) % 251))
            k++;
        ck_assert_msg(k == size, "piece %zu byte %zu overwritten", i, k);
    }
}

START_TEST(small_blocks)
{
    /* 64 KiB blocks: 3 MB in pieces of 1000 bytes (prefaulted from the
     * fifth block on) */
    kap_arena a = {0};
    size_t n = 3000, size = 1000;
    unsigned char **v = fill(&a, n, size);
    check(v, n, size);
    ck_assert_uint_ge(a.nblocks, 40);
    arena_free(&a);
    ck_assert_ptr_null(a.head);
    ck_assert_uint_eq(a.nblocks, 0);
    free(v);
}
END_TEST

START_TEST(merged_arenas)
{
    /* arena_merge: what was allocated in from stays readable and is freed
     * with to (ASan and valgrind see a block lost or freed twice); to
     * keeps allocating from its own block; from is left empty, its
     * max_block kept. Into an empty arena, into one with blocks, from an
     * empty one. */
    kap_arena to = {0}, from = {0};
    from.max_block = KAP_ARENA_HUGE;
    size_t n = 300, size = 1000;
    unsigned char **v = fill(&from, n, size); /* five blocks */
    size_t nb = from.nblocks;
    arena_merge(&to, &from);
    ck_assert_ptr_null(from.head);
    ck_assert_uint_eq(from.nblocks, 0);
    ck_assert_uint_eq(from.max_block, KAP_ARENA_HUGE);
    ck_assert_uint_eq(to.nblocks, nb);
    ck_assert_uint_eq(to.max_block, 0);
    check(v, n, size);
    unsigned char **w = fill(&from, n, size);
    unsigned char **x = fill(&to, n, size);
    size_t nto = to.nblocks, nfrom = from.nblocks;
    arena_merge(&to, &from);
    ck_assert_ptr_null(from.head);
    ck_assert_uint_eq(to.nblocks, nto + nfrom);
    check(v, n, size);
    check(w, n, size);
    check(x, n, size);
    unsigned char **y = fill(&to, n, size); /* still allocates */
    check(x, n, size);
    check(y, n, size);
    arena_merge(&to, &from); /* from empty: nothing moves */
    check(y, n, size);
    arena_free(&to);
    ck_assert_ptr_null(to.head);
    free(v);
    free(w);
    free(x);
    free(y);
}
END_TEST

START_TEST(huge_blocks)
{
    /* blocks that double up to nearly 2 MiB (as the value tree's do:
     * mapped apart, in huge pages): 9 MB in pieces of 4000 bytes, a piece
     * larger than a huge page on its own block, then a reset and more */
    kap_arena a = {0};
    a.max_block = ((size_t)2 << 20) - 64;
    size_t n = 2300, size = 4000;
    unsigned char **v = fill(&a, n, size);
    unsigned char *big = arena_alloc(&a, (size_t)5 << 20);
    ck_assert_ptr_nonnull(big);
    memset(big, 0x5a, (size_t)5 << 20);
    unsigned char *after = arena_alloc(&a, 100); /* the current block goes on */
    ck_assert_ptr_nonnull(after);
    check(v, n, size);
    size_t k = 0;
    while (k < ((size_t)5 << 20) && big[k] == 0x5a)
        k++;
    ck_assert_uint_eq(k, (size_t)5 << 20);
    arena_reset(&a);
    ck_assert_uint_eq(a.nblocks, 1);
    free(v);
    v = fill(&a, n, size);
    check(v, n, size);
    arena_free(&a);
    free(v);
}
END_TEST

START_TEST(failed_block)
{
    /* each allocation of the library failing in turn while the arena
     * grows through its huge blocks: arena_alloc gives NULL, what was
     * written before stays, and the arena frees cleanly; or, where the
     * allocation that failed was a huge block's mapping, the block comes
     * from malloc instead and every allocation succeeds */
    /* the allocations of the whole run, none failing */
    long before = kap_test_alloc_calls, calls_whole;
    {
        kap_arena a = {0};
        a.max_block = ((size_t)2 << 20) - 64;
        for (size_t i = 0; i < 6000; i++)
            ck_assert_ptr_nonnull(arena_alloc(&a, 2000));
        arena_free(&a);
        calls_whole = kap_test_alloc_calls - before;
    }
    ck_assert_int_ge(calls_whole, 7); /* blocks of 64 KiB up to 2 MiB */
    int fallbacks = 0;
    for (long fail = 1;; fail++) {
        kap_arena a = {0};
        a.max_block = ((size_t)2 << 20) - 64;
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = fail;
        unsigned char *kept[64];
        size_t nkept = 0, got = 0;
        int failed = 0;
        for (size_t i = 0; i < 6000; i++) {
            unsigned char *p = arena_alloc(&a, 2000);
            if (!p) {
                failed = 1;
                break;
            }
            memset(p, (int)(i % 256), 2000);
            if (i % 100 == 0 && nkept < 64)
                kept[nkept++] = p;
            got++;
        }
        kap_test_alloc_countdown = 0;
        for (size_t k = 0; k < nkept; k++)
            ck_assert_uint_eq(kept[k][1999], (unsigned char)((k * 100) % 256));
        arena_free(&a);
        ck_assert_int_eq(kap_test_alloc_failed, failed || fail <= calls_whole);
        if (!failed) {
            ck_assert_uint_eq(got, 6000);
            if (fail > calls_whole)
                break;
            fallbacks++;
        }
    }
#ifdef __linux__
    ck_assert_int_ge(fallbacks, 1); /* the huge blocks were mapped apart */
#endif
}
END_TEST

START_TEST(prefault_any_range)
{
    /* kap_prefault only hints: any range, aligned or not, small or large,
     * leaves the memory as it was */
    size_t n = (size_t)1 << 20;
    unsigned char *m = malloc(n);
    ck_assert_ptr_nonnull(m);
    memset(m, 7, n);
    kap_prefault(m + 1, n - 3);
    kap_prefault(m, 10);
    kap_prefault(m + 5, 0);
    size_t k = 0;
    while (k < n && m[k] == 7)
        k++;
    ck_assert_uint_eq(k, n);
    free(m);
}
END_TEST

#ifdef __linux__
/* the process's mapped size in pages (/proc/self/statm) */
static long mapped_pages(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    ck_assert_ptr_nonnull(f);
    long size = -1;
    ck_assert_int_eq(fscanf(f, "%ld", &size), 1);
    fclose(f);
    return size;
}

START_TEST(mappings_released)
{
    /* the huge blocks are mappings of their own, which sanitizers and
     * valgrind do not track: twenty arenas of 12 MB each, built twice and
     * freed, must leave the process's mapped size about where it was. A
     * huge block mapped and not unmapped, or its alignment's slack left
     * mapped, leaves 2 MB or more for each of the ten or more huge blocks
     * of a round (390-800 MB over the rounds); what stays below 128 MB is
     * the allocator's own keeping (ASan's quarantine of freed blocks: about
     * 40 MB here) */
    long before = 0;
    for (int round = 0; round < 20; round++) {
        kap_arena a = {0};
        a.max_block = ((size_t)2 << 20) - 64;
        for (size_t i = 0; i < 6000; i++)
            ck_assert_ptr_nonnull(arena_alloc(&a, 2000));
        arena_reset(&a);
        for (size_t i = 0; i < 6000; i++)
            ck_assert_ptr_nonnull(arena_alloc(&a, 2000));
        arena_free(&a);
        if (round == 0)
            before = mapped_pages();
    }
    long growth = (mapped_pages() - before) * sysconf(_SC_PAGESIZE);
    ck_assert_msg(growth < (128L << 20), "mapped size grew by %ld bytes", growth);
}
END_TEST
#endif

#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
/* pages of [p, p + n) (page-aligned) in memory */
static size_t resident(void *p, size_t n, size_t pg)
{
    unsigned char vec[512];
    ck_assert_uint_le(n / pg, sizeof vec);
    ck_assert_int_eq(mincore(p, n, vec), 0);
    size_t r = 0;
    for (size_t i = 0; i < n / pg; i++)
        r += vec[i] & 1;
    return r;
}

START_TEST(prefault_makes_resident)
{
    /* memory kap_prefault is given is in memory at once, every whole page
     * of it; under 64 KiB it is left alone (util.c, Pages) */
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), n = 128 * pg;
    unsigned char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(m, MAP_FAILED);
    if (madvise(m, pg, MADV_POPULATE_WRITE) != 0 && errno == EINVAL) {
        munmap(m, n); /* a kernel before 5.14: only a hint, nothing to see */
        return;
    }
    munmap(m, n);
    m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(m, MAP_FAILED);
    ck_assert_uint_eq(resident(m, n, pg), 0);
    kap_prefault(m + 1, 64 * pg - 1);             /* pages 1 to 63: whole */
    ck_assert_uint_eq(resident(m, n, pg), 63 * pg >= 65536 ? 63 : 0);
    ck_assert_uint_eq(resident(m, pg, pg), 0);    /* page 0: partly given */
    kap_prefault(m + 64 * pg, 65536 - 1);        /* under 64 KiB: left */
    ck_assert_uint_eq(resident(m + 64 * pg, 64 * pg, pg), 0);
    munmap(m, n);
}
END_TEST
#endif

/* util.c's growing buffer: buf_printf's output longer than its 256-byte
 * scratch is written straight into the buffer, after what it held; an
 * empty output leaves an empty string. */
START_TEST(buffers)
{
    char big[301];
    memset(big, 'x', 300);
    big[300] = 0;
    kap_buf b = {0};
    buf_adds(&b, "ab");
    buf_printf(&b, "<%s>%d", big, 7);
    ck_assert(!b.oom);
    ck_assert_uint_eq(b.len, 2 + 1 + 300 + 1 + 1);
    ck_assert_int_eq(memcmp(b.s, "ab<", 3), 0);
    for (size_t i = 3; i < 303; i++)
        ck_assert_int_eq(b.s[i], 'x');
    ck_assert_str_eq(b.s + 303, ">7");
    buf_printf(&b, "%s", "-short");
    ck_assert_str_eq(b.s + 305, "-short");
    buf_free(&b);
    kap_buf e = {0};
    buf_printf(&e, "%s", "");
    ck_assert_uint_eq(e.len, 0);
    ck_assert_ptr_nonnull(e.s); /* (as buf_add leaves it) */
    ck_assert_str_eq(buf_cstr(&e), "");
    buf_free(&e);
}
END_TEST


int main(void)
{
    Suite *s = suite_create("arena");
    TCase *tc = tcase_create("arena");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, small_blocks);
    tcase_add_test(tc, buffers);
    tcase_add_test(tc, huge_blocks);
    tcase_add_test(tc, merged_arenas);
    tcase_add_test(tc, failed_block);
    tcase_add_test(tc, prefault_any_range);
#ifdef __linux__
    tcase_add_test(tc, mappings_released);
#endif
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    tcase_add_test(tc, prefault_makes_resident);
#endif
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
