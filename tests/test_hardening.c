/* Hardening: kap_policy_match allocates nothing; every allocation failure
 * while loading gives a clean KAP_ENOMEM; threads share one policy.
 * Linked against a build of the library with KAP_TEST_HOOKS and with
 * malloc, calloc and realloc wrapped, so a direct libc call would count too. */
#include <pthread.h>
#include <stdint.h>

#include "helpers.h"
#include "policygen.h"

extern long kap_test_alloc_countdown, kap_test_alloc_calls;
extern int kap_test_alloc_failed;

/* --wrap: every malloc the library's objects make comes here */
void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
static long libc_calls;
void *__wrap_malloc(size_t n)
{
    libc_calls++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m)
{
    libc_calls++;
    return __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n)
{
    libc_calls++;
    return __real_realloc(p, n);
}

static const char *src_dir;

static char *path_in(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", src_dir, rel);
    return buf;
}

static const char *const POLICIES[] = {
    "examples/policy.yaml",
    "bench/data/gce-configure-helper.yaml",
    "bench/data/kubespray-default.yaml",
    "bench/data/openshift-default.yaml",
    "tests/fuzz/corpus/load/lenient-unknown-fields.yaml",
    "tests/fuzz/corpus/load/anchors-merge.yaml",
    "tests/fuzz/corpus/load/json-policy.json",
    "tests/fuzz/corpus/load/yaml-features.yaml",
    "tests/fuzz/corpus/load/multiple-errors.yaml",
    "tests/fuzz/corpus/load/bad-indentation.yaml",
    "tests/fuzz/corpus/load/datadog-unknown-field.yaml",
    "tests/fuzz/corpus/load/synth-005.yaml",
    "tests/fuzz/corpus/load/large-mappings.yaml",
};

/* Status a load must give when no allocation fails. */
static int expected_status(const char *name)
{
    return strstr(name, "multiple-errors") || strstr(name, "bad-indentation") ? KAP_EINVALID : KAP_OK;
}

START_TEST(match_allocates_nothing)
{
    pg_rng rng = {42};
    pg_buf b = {0};
    for (int round = 0; round < 40; round++) {
        unsigned n = round < 20 ? 12 : 300; /* both the small and the large path */
        pg_policy(&b, &rng, n, 1);
        kap_policy *p;
        ck_assert_int_eq(kap_policy_load_buffer(&p, b.s, b.len, NULL, NULL, NULL), KAP_OK);
        long before = kap_test_alloc_calls, libc_before = libc_calls;
        for (int k = 0; k < 500; k++) {
            pg_request q;
            pg_random_request(&rng, &q);
            kap_request r = pg_to_request(&q);
            kap_str gn[3];
            kap_request_n rn = pg_request_n(&r, gn);
            kap_decision d;
            kap_policy_match(p, &r, &d);
            kap_policy_match_reference(p, &r, &d);
            kap_policy_match_n(p, &rn, &d);
            kap_policy_match_reference_n(p, &rn, &d);
        }
        /* read both counters before check's own asserts allocate */
        long ours = kap_test_alloc_calls - before, libc = libc_calls - libc_before;
        ck_assert_int_eq(ours, 0);
        ck_assert_int_eq(libc, 0);
        kap_policy_free(p);
    }
    free(b.s);
    /* the counters do count: loading allocates */
    long before = kap_test_alloc_calls, libc_before = libc_calls;
    kap_policy *p;
    int rc = load_str("apiVersion: audit.k8s.io/v1\nrules:\n- level: None\n", &p, NULL);
    long ours = kap_test_alloc_calls - before, libc = libc_calls - libc_before;
    ck_assert_int_eq(rc, KAP_OK);
    ck_assert_int_gt(ours, 0);
    ck_assert_int_gt(libc, 0);
    kap_policy_free(p);
}
END_TEST

START_TEST(every_allocation_failure_is_clean)
{
    long total_injected = 0;
    for (size_t i = 0; i < sizeof POLICIES / sizeof POLICIES[0]; i++) {
        size_t len;
        char *text = read_whole(path_in(POLICIES[i]), &len);
        ck_assert_msg(text != NULL, "cannot read %s", POLICIES[i]);
        for (long n = 1;; n++) {
            kap_test_alloc_failed = 0;
            kap_test_alloc_countdown = n;
            kap_policy *p = NULL;
            kap_diagnostics *d = NULL;
            int rc = kap_policy_load_buffer(&p, text, len, POLICIES[i], NULL, &d);
            kap_test_alloc_countdown = 0;
            if (!kap_test_alloc_failed) {
                /* no allocation left to fail: the load must have its usual result */
                ck_assert_msg(rc == expected_status(POLICIES[i]), "%s: status %d", POLICIES[i], rc);
                kap_policy_free(p);
                kap_diagnostics_free(d);
                break;
            }
            total_injected++;
            ck_assert_msg(rc == KAP_ENOMEM, "%s: allocation %ld failed, status %d", POLICIES[i], n, rc);
            ck_assert_ptr_null(p);
            kap_diagnostics_free(d);
        }
        free(text);
    }
    /* the same through the file path */
    for (long n = 1;; n++) {
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        int rc = kap_policy_load(&p, path_in(POLICIES[0]), NULL, &d);
        kap_test_alloc_countdown = 0;
        kap_policy_free(p);
        kap_diagnostics_free(d);
        if (!kap_test_alloc_failed) {
            ck_assert_int_eq(rc, KAP_OK);
            break;
        }
        total_injected++;
        ck_assert_int_eq(rc, KAP_ENOMEM);
    }
    /* and the request reader */
    for (long n = 1;; n++) {
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        kap_request_reader *r = NULL;
        kap_request q;
        int rc = kap_request_reader_new(&r);
        if (rc == KAP_OK) {
            const char *line = "{\"user\":\"a\",\"groups\":[\"g\"],\"verb\":\"get\"} x";
            rc = kap_request_reader_parse(r, line, strlen(line) - 2, &q);
        }
        kap_test_alloc_countdown = 0;
        kap_request_reader_free(r);
        if (!kap_test_alloc_failed) {
            ck_assert_int_eq(rc, KAP_OK);
            break;
        }
        total_injected++;
        ck_assert_int_eq(rc, KAP_ENOMEM);
    }
    /* and on a line that is refused: the refusal, or KAP_ENOMEM */
    for (long n = 1;; n++) {
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        kap_request_reader *r = NULL;
        kap_request q;
        int rc = kap_request_reader_new(&r);
        if (rc == KAP_OK)
            rc = kap_request_reader_parse(r, "{\"verb\":[1", 10, &q);
        kap_test_alloc_countdown = 0;
        if (!kap_test_alloc_failed) {
            ck_assert_int_eq(rc, KAP_EPARSE);
            ck_assert_str_eq(kap_request_reader_error(r), "unexpected end of JSON input");
            kap_request_reader_free(r);
            break;
        }
        kap_request_reader_free(r);
        total_injected++;
        ck_assert_int_eq(rc, KAP_ENOMEM);
    }
    /* the batch entry points */
    {
        kap_policy *p = NULL;
        size_t len = 0;
        char *text = read_whole(path_in(POLICIES[0]), &len);
        ck_assert_ptr_nonnull(text);
        ck_assert_int_eq(kap_policy_load_buffer(&p, text, len, NULL, NULL, NULL), KAP_OK);
        free(text);
        static const char lines[] = "{\"user\":\"a\",\"groups\":[\"g\"],\"verb\":\"get\"}\n\n{\"verb\":1}\n";
        static const char array[] = "[{\"user\":\"a\",\"groups\":[\"g\"]},{\"verb\":\"get\",\"resourceRequest\":true}]";
        static const unsigned char marshal[] = {'[', 1, 0, 0, 0, '{', 'z', 4, 'u', 's', 'e', 'r', 'z', 1, 'a',
                                                'z', 6, 'g', 'r', 'o', 'u', 'p', 's', '[', 1, 0, 0, 0, 'z', 1,
                                                'g', '0'};
        for (int form = 0; form < 3; form++) {
            for (long n = 1;; n++) {
                kap_decision out[4];
                int32_t rules[4];
                int st[4];
                size_t count;
                kap_test_alloc_failed = 0;
                kap_test_alloc_countdown = n;
                int rc = form == 0   ? kap_policy_match_jsonl(p, lines, sizeof lines - 1, out, st, 4, &count)
                         : form == 1 ? kap_policy_match_json(p, array, sizeof array - 1, out, st, 4, &count)
                                     : kap_policy_match_marshal(p, marshal, sizeof marshal, rules, st, 4, &count);
                kap_test_alloc_countdown = 0;
                if (!kap_test_alloc_failed) {
                    ck_assert_int_eq(rc, KAP_OK);
                    break;
                }
                total_injected++;
                ck_assert_msg(rc == KAP_ENOMEM, "batch form %d, allocation %ld: status %d", form, n, rc);
            }
        }
        kap_policy_free(p);
    }
    printf("allocation failures injected: %ld, each gave KAP_ENOMEM\n", total_injected);
    ck_assert_int_gt(total_injected, 100);
}
END_TEST

/* ---- threads ---------------------------------------------------------------- */

#define NREQ 2000
static kap_policy *shared;
static kap_request reqs[NREQ];
static kap_decision single[NREQ];
static pg_request raw[NREQ];

static void *worker(void *arg)
{
    long bad = 0;
    for (int rep = 0; rep < 5; rep++)
        for (int i = 0; i < NREQ; i++) {
            kap_decision d;
            if (rep & 1) {
                kap_str gn[3];
                kap_request_n rn = pg_request_n(&reqs[i], gn);
                kap_policy_match_n(shared, &rn, &d);
            } else {
                kap_policy_match(shared, &reqs[i], &d);
            }
            if (memcmp(&d, &single[i], sizeof d) != 0)
                bad++;
        }
    (void)arg;
    return (void *)bad;
}

START_TEST(threads_share_one_policy)
{
    pg_rng rng = {7};
    pg_buf b = {0};
    for (int round = 0; round < 2; round++) {
        pg_policy(&b, &rng, round ? 300 : 15, 1);
        ck_assert_int_eq(kap_policy_load_buffer(&shared, b.s, b.len, NULL, NULL, NULL), KAP_OK);
        for (int i = 0; i < NREQ; i++) {
            pg_random_request(&rng, &raw[i]);
            kap_request r = pg_to_request(&raw[i]);
            reqs[i] = r;
            kap_policy_match(shared, &reqs[i], &single[i]);
        }
        pthread_t th[8];
        for (int k = 0; k < 8; k++)
            ck_assert_int_eq(pthread_create(&th[k], NULL, worker, NULL), 0);
        long bad = 0;
        for (int k = 0; k < 8; k++) {
            void *r;
            pthread_join(th[k], &r);
            bad += (long)r;
        }
        ck_assert_int_eq(bad, 0);
        kap_policy_free(shared);
    }
    free(b.s);
}
END_TEST

/* The library's array growth (src/util.c kap_grow): doubles from the first
 * capacity, keeps what was there, and refuses sizes that would overflow or
 * an allocation that fails, leaving the array and its capacity as they were. */
int kap_grow(void *pp, size_t *cap, size_t need, size_t elem, size_t first);

START_TEST(grow_doubles_keeps_and_refuses)
{
    int *v = NULL;
    size_t cap = 0;
    ck_assert_int_eq(kap_grow(&v, &cap, 1, sizeof *v, 4), 0);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(cap, 4);
    for (int i = 0; i < 4; i++)
        v[i] = 100 + i;
    ck_assert_int_eq(kap_grow(&v, &cap, 4, sizeof *v, 4), 0); /* room already */
    ck_assert_uint_eq(cap, 4);
    ck_assert_int_eq(kap_grow(&v, &cap, 5, sizeof *v, 4), 0);
    ck_assert_uint_eq(cap, 8);
    ck_assert_int_eq(kap_grow(&v, &cap, 30, sizeof *v, 4), 0); /* 8 -> 16 -> 32 */
    ck_assert_uint_eq(cap, 32);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(v[i], 100 + i);

    int *before = v;
    ck_assert_int_eq(kap_grow(&v, &cap, SIZE_MAX / 2 + 2, sizeof *v, 4), -1); /* count overflows */
    ck_assert_int_eq(kap_grow(&v, &cap, SIZE_MAX / 4 + 1, sizeof *v, 4), -1); /* bytes overflow */
    ck_assert_ptr_eq(v, before);
    ck_assert_uint_eq(cap, 32);

    kap_test_alloc_countdown = 1; /* the next allocation fails */
    ck_assert_int_eq(kap_grow(&v, &cap, 33, sizeof *v, 4), -1);
    kap_test_alloc_countdown = 0;
    ck_assert_ptr_eq(v, before);
    ck_assert_uint_eq(cap, 32);
    ck_assert_int_eq(v[3], 103);
    free(v);

    char *c = NULL; /* first 0 starts at one element */
    size_t ccap = 0;
    ck_assert_int_eq(kap_grow(&c, &ccap, 3, 1, 0), 0);
    ck_assert_uint_eq(ccap, 4);
    free(c);
}
END_TEST

int main(int argc, char **argv)
{
    src_dir = argc > 1 ? argv[1] : ".";
    Suite *s = suite_create("hardening");
    TCase *tc = tcase_create("hardening");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, match_allocates_nothing);
    tcase_add_test(tc, every_allocation_failure_is_clean);
    tcase_add_test(tc, threads_share_one_policy);
    tcase_add_test(tc, grow_doubles_keeps_and_refuses);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
