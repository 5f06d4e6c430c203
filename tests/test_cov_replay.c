/* kap_replay_file (src/replay_input.c) on files whose first bytes look
 * almost like gzip or zstd, byte ranges of what has none (compressed
 * files, standard input, an empty file), directories, and truncated
 * streams. Expected counts follow docs/replay.md "Bad input": a file that
 * cannot be read or a byte range that cannot be taken is one bad line,
 * with its reason in the JSON summary's "bad". */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kap.h"

#define POLICY "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"
#define EV(id) "{\"level\":\"Metadata\",\"auditID\":\"" id "\",\"stage\":\"ResponseComplete\"}\n"

static char dir[64];

static const char *file_with(const char *name, const void *data, size_t len)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

typedef struct result {
    kap_replay_counts c;
    char *json;
} result;

static result replay(const char *path, uint64_t offset, uint64_t length, int want_rc)
{
    kap_policy *p = NULL;
    ck_assert_int_eq(kap_policy_load_buffer(&p, POLICY, strlen(POLICY), "p.yaml", NULL, NULL), KAP_OK);
    kap_replay *r = NULL;
    ck_assert_int_eq(kap_replay_new(&r, p, NULL), KAP_OK);
    ck_assert_int_eq(kap_replay_file(r, path, offset, length, offset ? 0 : KAP_REPLAY_STREAM_START), want_rc);
    kap_replay_summary *s = NULL;
    ck_assert_int_eq(kap_replay_take_summary(r, &s), KAP_OK);
    result out;
    ck_assert_int_eq(kap_replay_summary_counts(s, &out.c), KAP_OK);
    ck_assert_int_eq(kap_replay_summary_format(s, KAP_REPLAY_FORMAT_JSON, 10, &out.json, NULL), KAP_OK);
    kap_replay_summary_free(s);
    kap_replay_free(r);
    kap_policy_free(p);
    return out;
}

static void has(const result *r, const char *part)
{
    ck_assert_msg(strstr(r->json, part) != NULL, "'%s' not in %s", part, r->json);
}

START_TEST(magic_numbers_almost)
{
    snprintf(dir, sizeof dir, "/tmp/kap-covr-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    /* one byte, 0x1f without 0x8b, zstd's magic cut short or wrong: plain
     * text, each a line that is not JSON */
    static const struct {
        const char *bytes;
        size_t len;
    } cases[] = {
        {"x", 1}, {"\x1f" "abc\n", 5}, {"\x28\xb5\x2f\n", 4}, {"\x28\xb5\x00\xfd\n", 5}, {"\x28\x00\x2f\xfd\n", 5},
        {"\x28\xb5\x2f", 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        result r = replay(file_with("odd.log", cases[i].bytes, cases[i].len), 0, 0, KAP_OK);
        ck_assert_msg(r.c.bad_lines == 1 && r.c.events == 0, "case %zu: %llu bad, %llu events", i,
                      (unsigned long long)r.c.bad_lines, (unsigned long long)r.c.events);
        ck_assert_uint_eq(r.c.bytes_in, cases[i].len);
        free(r.json);
    }
    /* a plain log after all that still reads */
    result r = replay(file_with("ok.log", EV("a") EV("b"), strlen(EV("a") EV("b"))), 0, 0, KAP_OK);
    ck_assert_uint_eq(r.c.events, 2);
    ck_assert_uint_eq(r.c.bad_lines, 0);
    free(r.json);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(byte_ranges_where_there_are_none)
{
    snprintf(dir, sizeof dir, "/tmp/kap-covr-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char cmd[512];
    char plain[128];
    snprintf(plain, sizeof plain, "%s", file_with("a.log", EV("a") EV("b") EV("c"), strlen(EV("a") EV("b") EV("c"))));
    snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s/a.log.gz'", plain, dir);
    ck_assert_int_eq(system(cmd), 0);
    char gz[128];
    snprintf(gz, sizeof gz, "%s/a.log.gz", dir);
    /* a compressed file is read whole */
    result r = replay(gz, 10, 0, KAP_OK);
    ck_assert_uint_eq(r.c.events, 0);
    ck_assert_uint_eq(r.c.bad_lines, 1);
    has(&r, "a compressed file is read whole, not from an offset");
    free(r.json);
    r = replay(gz, 0, 20, KAP_OK);
    ck_assert_uint_eq(r.c.bad_lines, 1);
    free(r.json);
    /* whole, it is the three events */
    r = replay(gz, 0, 0, KAP_OK);
    ck_assert_uint_eq(r.c.events, 3);
    free(r.json);
    /* an empty file: no range to take, nothing wrong */
    const char *empty = file_with("empty.log", "", 0);
    r = replay(empty, 5, 0, KAP_OK);
    ck_assert_uint_eq(r.c.events, 0);
    ck_assert_uint_eq(r.c.bad_lines, 0);
    free(r.json);
    /* standard input has no byte ranges */
    int saved = dup(0), fd = open(plain, O_RDONLY); /* a regular file: its size is known */
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(dup2(fd, 0), 0);
    close(fd);
    r = replay("-", 3, 0, KAP_OK);
    has(&r, "standard input has no byte ranges");
    free(r.json);
    /* read whole from standard input (a pipe: size unknown) */
    int pfd[2];
    ck_assert_int_eq(pipe(pfd), 0);
    ck_assert_int_eq(write(pfd[1], EV("z"), strlen(EV("z"))), (ssize_t)strlen(EV("z")));
    close(pfd[1]);
    ck_assert_int_eq(dup2(pfd[0], 0), 0);
    close(pfd[0]);
    r = replay("-", 0, 0, KAP_OK);
    ck_assert_uint_eq(r.c.events, 1);
    free(r.json);
    ck_assert_int_eq(dup2(saved, 0), 0);
    close(saved);
    /* a byte range past the end of a plain file: nothing */
    r = replay(plain, 0, 1000, KAP_OK);
    ck_assert_uint_eq(r.c.events, 3);
    free(r.json);
    /* a directory, a missing file */
    r = replay(dir, 0, 0, KAP_OK);
    ck_assert_uint_eq(r.c.bad_lines, 1);
    has(&r, "Is a directory");
    free(r.json);
    snprintf(cmd, sizeof cmd, "%s/none.log", dir);
    r = replay(cmd, 0, 0, KAP_OK);
    ck_assert_uint_eq(r.c.bad_lines, 1);
    has(&r, "cannot open");
    free(r.json);
    /* a gzip stream cut after its header: the data stops, a bad line */
    snprintf(cmd, sizeof cmd, "head -c 12 '%s' > '%s/cut.gz'", gz, dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/cut.gz", dir);
    r = replay(cmd, 0, 0, KAP_OK);
    ck_assert_uint_ge(r.c.bad_lines, 1);
    has(&r, "gzip");
    free(r.json);
    /* a zstd stream cut short, when zstd is there to make one */
    char zst[128];
    snprintf(zst, sizeof zst, "%s/a.log.zst", dir);
    snprintf(cmd, sizeof cmd, "command -v zstd >/dev/null && zstd -q -c '%s' | head -c 9 > '%s'", plain, zst);
    if (system(cmd) == 0) {
        r = replay(zst, 0, 0, KAP_OK);
        ck_assert_uint_ge(r.c.bad_lines, 1);
        has(&r, "zstd");
        free(r.json);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cov_replay");
    TCase *tc = tcase_create("input");
    tcase_add_test(tc, magic_numbers_almost);
    tcase_add_test(tc, byte_ranges_where_there_are_none);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
