/* Runs every vector in ../shared/conformance: decisions, lenient-decoding
 * warnings and error texts must all agree with kube-apiserver's. */
#include <dirent.h>
#include <sys/stat.h>

#include "helpers.h"

static const char *root;

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    snprintf(s, n, "%s/%s", a, b);
    return s;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Text without its final newline. */
static char *read_text(const char *path)
{
    size_t n;
    char *t = read_whole(path, &n);
    if (t && n && t[n - 1] == '\n')
        t[n - 1] = 0;
    return t;
}

static int run_case(const char *dir, int *checked)
{
    char *pol = join(dir, "policy.yaml"), *req = join(dir, "requests.jsonl"), *exp = join(dir, "expected.jsonl"),
         *warn = join(dir, "warning.txt");
    int bad = 0;
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    if (kap_policy_load(&p, pol, NULL, &d) != KAP_OK) {
        fprintf(stderr, "%s: does not load: %s\n", dir, kap_diagnostics_error_text(d));
        bad = 1;
        goto out;
    }
    const char *w = kap_diagnostics_warning_text(d);
    if (exists(warn)) {
        char *want = read_text(warn);
        if (!w || strcmp(w, want) != 0) {
            fprintf(stderr, "%s: warning\n  got:  %s\n  want: %s\n", dir, w ? w : "(none)", want);
            bad = 1;
        }
        free(want);
        (*checked)++;
    } else if (w) {
        fprintf(stderr, "%s: unexpected warning %s\n", dir, w);
        bad = 1;
    }
    char *reqs = read_whole(req, NULL), *exps = read_whole(exp, NULL);
    ck_assert_ptr_nonnull(reqs);
    ck_assert_ptr_nonnull(exps);
    kap_request_reader *r;
    kap_request_reader_new(&r);
    char *rs = reqs, *es = exps;
    size_t line = 0;
    while (*rs && *es) {
        char *rn = strchr(rs, '\n'), *en = strchr(es, '\n');
        if (rn) *rn = 0;
        if (en) *en = 0;
        line++;
        kap_request q;
        ck_assert_int_eq(kap_request_reader_parse(r, rs, strlen(rs), &q), KAP_OK);
        kap_decision a, b;
        kap_policy_match(p, &q, &a);
        kap_policy_match_reference(p, &q, &b);
        char out[256], ref[256];
        kap_decision_format_json(&a, out, sizeof out);
        kap_decision_format_json(&b, ref, sizeof ref);
        if (strcmp(out, ref) != 0) {
            fprintf(stderr, "%s:%zu: table %s, reference %s\n", dir, line, out, ref);
            bad = 1;
        }
        /* the vectors carry no "rule" key */
        char *cut = strstr(out, ",\"rule\":");
        strcpy(cut, "}");
        if (strcmp(out, es) != 0) {
            fprintf(stderr, "%s:%zu:\n  got:  %s\n  want: %s\n", dir, line, out, es);
            bad = 1;
        }
        (*checked)++;
        rs = rn ? rn + 1 : rs + strlen(rs);
        es = en ? en + 1 : es + strlen(es);
    }
    if (*rs || *es) {
        fprintf(stderr, "%s: requests and expected decisions differ in number\n", dir);
        bad = 1;
    }
    kap_request_reader_free(r);
    free(reqs);
    free(exps);
out:
    kap_policy_free(p);
    kap_diagnostics_free(d);
    free(pol), free(req), free(exp), free(warn);
    return bad;
}

START_TEST(evaluated_cases)
{
    char *manifest = join(root, "MANIFEST.tsv");
    char *m = read_whole(manifest, NULL);
    ck_assert_msg(m != NULL, "cannot read %s", manifest);
    int cases = 0, failed = 0, checked = 0;
    char *save = NULL;
    for (char *line = strtok_r(m, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(line, '\t');
        if (!tab || strncmp(line, "name\t", 5) == 0)
            continue;
        *tab = 0;
        char *dir = join(root, line);
        cases++;
        failed += run_case(dir, &checked);
        free(dir);
    }
    free(m);
    free(manifest);
    printf("conformance: %d evaluated cases, %d decisions and warnings checked\n", cases, checked);
    ck_assert_int_gt(cases, 100);
    ck_assert_int_eq(failed, 0);
}
END_TEST

START_TEST(invalid_cases)
{
    char *dir = join(root, "invalid");
    DIR *dd = opendir(dir);
    ck_assert_ptr_nonnull(dd);
    struct dirent *e;
    int cases = 0, failed = 0;
    while ((e = readdir(dd)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".yaml") != 0)
            continue;
        char *pol = join(dir, e->d_name);
        char base[512];
        snprintf(base, sizeof base, "%s/%.*s", dir, (int)(n - 5), e->d_name);
        char errp[600], warnp[600];
        snprintf(errp, sizeof errp, "%s.err", base);
        snprintf(warnp, sizeof warnp, "%s.warn", base);
        kap_policy *p = NULL;
        kap_diagnostics *d = NULL;
        int rc = kap_policy_load(&p, pol, NULL, &d);
        char *want = read_text(errp);
        const char *got = kap_diagnostics_error_text(d);
        if (rc != KAP_EINVALID || !got || strcmp(got, want) != 0) {
            fprintf(stderr, "%s: status %d\n  got:  %s\n  want: %s\n", pol, rc, got ? got : "(none)", want);
            failed++;
        }
        char *wwant = exists(warnp) ? read_text(warnp) : NULL;
        const char *wgot = kap_diagnostics_warning_text(d);
        if ((wwant == NULL) != (wgot == NULL) || (wwant && strcmp(wwant, wgot) != 0)) {
            fprintf(stderr, "%s: warning\n  got:  %s\n  want: %s\n", pol, wgot ? wgot : "(none)",
                    wwant ? wwant : "(none)");
            failed++;
        }
        free(want);
        free(wwant);
        free(pol);
        kap_policy_free(p);
        kap_diagnostics_free(d);
        cases++;
    }
    closedir(dd);
    free(dir);
    printf("conformance: %d invalid policies checked\n", cases);
    ck_assert_int_gt(cases, 10);
    ck_assert_int_eq(failed, 0);
}
END_TEST

int main(int argc, char **argv)
{
    root = getenv("KAP_CONFORMANCE_DIR");
    if (!root && argc > 1)
        root = argv[1];
    if (!root || !exists(root)) {
        printf("SKIP: conformance vectors not found (%s); they live in ../shared/conformance beside the "
               "checkout\n", root ? root : "no directory given");
        return 77;
    }
    Suite *s = suite_create("conformance");
    TCase *tc = tcase_create("vectors");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, evaluated_cases);
    tcase_add_test(tc, invalid_cases);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
