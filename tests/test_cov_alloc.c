/* Every allocation failing in turn (the allocation-hook build of the
 * library), on the inputs test_manifest_fix.c and test_hardening.c do not
 * sweep: check-manifest on the other fixture roots, --fix on flow, JSON,
 * CRLF and already-mounted manifests, restore, and the batch request
 * readers (JSON lines, JSON arrays, marshal). Each call must either give
 * KAP_ENOMEM with nothing returned, or the very answer it gives when no
 * allocation fails: never another answer, never a crash or a leak. */
#define _GNU_SOURCE
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kap.h"

extern long kap_test_alloc_countdown, kap_test_alloc_calls;
extern int kap_test_alloc_failed;
static const char *fixtures = "manifests";

/* Runs fn with allocation 1, 2, ... failing until a run allocates no more
 * than that; fn returns 1 when its answer is the expected one (or
 * KAP_ENOMEM with nothing returned). Returns the failures injected. */
static long sweep(int (*fn)(void *ctx, int failing), void *ctx, const char *what)
{
    kap_test_alloc_countdown = 0;
    ck_assert_msg(fn(ctx, 0), "%s: the answer without failures", what);
    long failures = 0;
    for (long n = 1;; n++) {
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        int ok = fn(ctx, 1);
        kap_test_alloc_countdown = 0;
        ck_assert_msg(ok, "%s: allocation %ld failed: another answer", what, n);
        if (!kap_test_alloc_failed)
            break;
        failures++;
    }
    return failures;
}

/* ---- check-manifest ---- */

static char *render_report(const kap_manifest_report *r)
{
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    s[0] = 0;
    len += (size_t)snprintf(s + len, cap - len, "%s|%s|%u\n", kap_manifest_report_error(r) ? kap_manifest_report_error(r) : "",
                            kap_manifest_report_policy_file(r) ? kap_manifest_report_policy_file(r) : "",
                            kap_manifest_report_kube_minor(r));
    for (size_t i = 0; i < kap_manifest_report_count(r) && len < cap; i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        len += (size_t)snprintf(s + len, cap - len, "%s %s %s | %s %u:%u\n", kap_manifest_status_name(c->status),
                                c->id, c->message, c->fix, c->line, c->column);
    }
    return s;
}

typedef struct check_ctx {
    kap_manifest_options o;
    const char *manifest;
    int rc;
    char *expected;
} check_ctx;

static int check_once(void *p, int failing)
{
    check_ctx *c = p;
    kap_manifest_report *r = NULL;
    int rc = kap_manifest_check_file(&r, c->manifest, &c->o);
    if (!failing) {
        c->rc = rc;
        c->expected = render_report(r);
        kap_manifest_report_free(r);
        return 1;
    }
    if (rc == KAP_ENOMEM)
        return r == NULL;
    if (rc != c->rc || !r)
        return 0;
    char *got = render_report(r);
    int same = strcmp(got, c->expected) == 0;
    if (!same)
        fprintf(stderr, "got:\n%s\nexpected:\n%s\n", got, c->expected);
    free(got);
    kap_manifest_report_free(r);
    return same;
}

/* the fixture roots test_manifest_fix.c does not sweep */
static const char *const DIRS[] = {
    "webhook-bad", "log-dir-missing", "json-manifest", "symlink-absolute", "subpath-escape", "flags-args",
    "duplicate-flags", "bad-values", "log-file-mount", "no-apiserver", "policy-unmounted", "dotdot-escape",
    "not-a-pod", "wrong-dir", "log-in-manifests", "policy-is-log", "log-readonly", "no-backend", "cis-low",
    "symlink-escape", "policy-missing", "policy-writable", "log-dir-create", "stray-copy", "good-values",
    "kubelet-dropins",
};

START_TEST(check_fixtures)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s/root", fixtures, DIRS[_i]);
    ck_assert_msg(access(dir, F_OK) == 0, "%s: no such fixture", dir);
    check_ctx c = {0};
    kap_manifest_options_init(&c.o);
    c.o.root = dir;
    long f = sweep(check_once, &c, DIRS[_i]);
    ck_assert_int_gt(f, 5);
    free(c.expected);
}
END_TEST

/* ---- --fix ---- */

static char root[256];

static void put(const char *node, const char *text)
{
    char path[512], cmd[600];
    snprintf(path, sizeof path, "%s%s", root, node);
    snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", path);
    ck_assert_int_eq(system(cmd), 0);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

#define MANIFEST "/etc/kubernetes/manifests/kube-apiserver.yaml"

typedef struct fix_ctx {
    kap_manifest_options o;
    kap_manifest_fix_options fo;
    const char *backup; /* restore when set */
    int rc;
    char *expected;
} fix_ctx;

static char *render_fix(const kap_manifest_fix *x)
{
    size_t len = 0;
    const char *t = kap_manifest_fix_result(x, &len);
    const char *e = kap_manifest_fix_error(x);
    size_t cap = len + 4096;
    char *s = malloc(cap);
    size_t n = (size_t)snprintf(s, cap, "%s\n%.*s\n", e ? e : "", (int)len, t ? t : "");
    for (size_t i = 0; i < kap_manifest_fix_count(x) && n < cap; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s\n", kap_manifest_fix_change(x, i));
    return s;
}

static int fix_once(void *p, int failing)
{
    fix_ctx *c = p;
    kap_manifest_fix *x = NULL;
    int rc = c->backup ? kap_manifest_restore_new(&x, MANIFEST, c->backup, &c->o)
                       : kap_manifest_fix_new(&x, MANIFEST, &c->o, &c->fo);
    if (!failing) {
        c->rc = rc;
        c->expected = render_fix(x);
        kap_manifest_fix_free(x);
        return 1;
    }
    if (rc == KAP_ENOMEM)
        return x == NULL;
    if (rc != c->rc || !x)
        return 0;
    char *got = render_fix(x);
    int same = strcmp(got, c->expected) == 0;
    if (!same)
        fprintf(stderr, "got:\n%s\nexpected:\n%s\n", got, c->expected);
    free(got);
    kap_manifest_fix_free(x);
    return same;
}

#define HEAD "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
#define CTR "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n"

static const char *const MANIFESTS[] = {
    /* flow style, the policy's path needing quotes */
    HEAD CTR "    command: [kube-apiserver, --audit-log-maxage=3, '--audit-log-format=yaml']\n"
             "    volumeMounts: [{name: pol, mountPath: /etc/kubernetes/audit-policy.yaml}]\n"
             "  volumes: [{name: pol, hostPath: {path: /etc/kubernetes/audit-policy.yaml}}]\n",
    /* JSON */
    "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"spec\": {\"containers\": [{\"name\": \"a\", "
    "\"command\": [\"kube-apiserver\", \"--audit-log-path=/etc/kubernetes/manifests/a.log\"]}]}}\n",
    /* CRLF, block style, mounts there already, read-only log, Directory type */
    "apiVersion: v1\r\nkind: Pod\r\nspec:\r\n  containers:\r\n  - name: kube-apiserver\r\n    command:\r\n"
    "    - kube-apiserver\r\n    - --audit-log-path\r\n    - /var/log/kubernetes/audit/audit.log\r\n"
    "    - --audit-log-compress=maybe\r\n    - --audit-webhook-mode=x\r\n"
    "    volumeMounts:\r\n    - name: log\r\n      mountPath: /var/log/kubernetes/audit\r\n      readOnly: true\r\n"
    "  volumes:\r\n  - name: log\r\n    hostPath:\r\n      path: /var/log/kubernetes/audit\r\n      type: Directory\r\n",
    /* refused: two kube-apiserver containers */
    HEAD "  - {name: a, command: [kube-apiserver]}\n  - {name: b, command: [kube-apiserver]}\n",
    /* the log moved out of the manifests directory: its old mount and
     * volume removed; a second such mount (its volume shared) stays */
    HEAD CTR "    command:\n    - kube-apiserver\n    - --audit-log-path=/etc/kubernetes/manifests/a/audit.log\n"
             "    volumeMounts:\n    - name: old\n      mountPath: /etc/kubernetes/manifests/a\n"
             "  - name: side\n    volumeMounts: [{name: old, mountPath: /x}]\n"
             "  volumes:\n  - name: old\n    hostPath:\n      path: /etc/kubernetes/manifests/a\n",
    HEAD CTR "    command:\n    - kube-apiserver\n    - --audit-log-path=/etc/kubernetes/manifests/a/audit.log\n"
             "    volumeMounts:\n    - name: old\n      mountPath: /etc/kubernetes/manifests/a\n"
             "  volumes:\n  - name: old\n    hostPath:\n      path: /etc/kubernetes/manifests/a\n",
};

START_TEST(fix_manifests)
{
    snprintf(root, sizeof root, "/tmp/kap-covalloc-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
    put(MANIFEST, MANIFESTS[_i]);
    fix_ctx c = {0};
    kap_manifest_options_init(&c.o);
    c.o.root = root;
    kap_manifest_fix_options_init(&c.fo);
    if (_i == 0) {
        c.fo.policy_file = "/etc/kubernetes/a: b.yaml";
        c.fo.log_maxsize = 200;
    }
    long f = sweep(fix_once, &c, "fix");
    ck_assert_int_gt(f, 5);
    free(c.expected);
    /* restore from a backup */
    put("/etc/kubernetes/manifest-backups/old.yaml", HEAD CTR "    command: [kube-apiserver]\n");
    fix_ctx rc = {0};
    kap_manifest_options_init(&rc.o);
    rc.o.root = root;
    rc.backup = "/etc/kubernetes/manifest-backups/old.yaml";
    f = sweep(fix_once, &rc, "restore");
    ck_assert_int_gt(f, 0);
    free(rc.expected);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ---- the batch request readers ---- */

static const char POLICY[] = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"
                             "- level: None\n  users: [alice]\n"
                             "- level: Metadata\n  userGroups: [admins]\n"
                             "- level: Request\n  resources: [{group: \"\", resources: [pods]}]\n";

typedef struct batch_ctx {
    const kap_policy *p;
    int kind; /* 0 JSON lines, 1 JSON array, 2 marshal */
    const void *data;
    size_t len;
    int rc;
    int32_t rules[64];
    int status[64];
    size_t n;
} batch_ctx;

static int batch_once(void *p, int failing)
{
    batch_ctx *c = p;
    kap_decision d[64];
    int32_t rules[64];
    int status[64];
    size_t n = 0;
    int rc;
    memset(status, 0x55, sizeof status);
    if (c->kind == 2) {
        rc = kap_policy_match_marshal(c->p, c->data, c->len, rules, status, 64, &n);
    } else {
        rc = c->kind == 0 ? kap_policy_match_jsonl(c->p, c->data, c->len, d, status, 64, &n)
                          : kap_policy_match_json(c->p, c->data, c->len, d, status, 64, &n);
        for (size_t k = 0; k < n && k < 64; k++)
            rules[k] = status[k] == KAP_OK ? d[k].rule : -7;
    }
    if (!failing) {
        c->rc = rc;
        c->n = n;
        memcpy(c->rules, rules, sizeof rules);
        memcpy(c->status, status, sizeof status);
        return rc == KAP_OK;
    }
    if (rc == KAP_ENOMEM)
        return 1;
    if (rc != c->rc || n != c->n)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (rules[k] != c->rules[k] || status[k] != c->status[k])
            return 0;
    return 1;
}

static void mb_str(unsigned char *b, size_t *n, const char *s)
{
    size_t l = strlen(s);
    b[(*n)++] = 'a';
    for (int i = 0; i < 4; i++)
        b[(*n)++] = (unsigned char)((l >> (8 * i)) & 0xff);
    memcpy(b + *n, s, l);
    *n += l;
}

START_TEST(batch_readers)
{
    kap_policy *p = NULL;
    ck_assert_int_eq(kap_policy_load_buffer(&p, POLICY, strlen(POLICY), "p.yaml", NULL, NULL), KAP_OK);
    batch_ctx c = {p, 0, NULL, 0, 0, {0}, {0}, 0};
    /* JSON lines with escapes, groups, a bad line and a blank one */
    const char *lines = "{\"user\": \"al\\u0069ce\"}\n\n{\"user\": \"bob\", \"groups\": [\"x\", \"admins\"]}\n"
                        "{\"verb\": \"get\", \"resource\": \"pods\", \"resourceRequest\": true, \"namespace\": null}\n"
                        "{\"user\": 3}\n";
    c.data = lines;
    c.len = strlen(lines);
    ck_assert_int_gt(sweep(batch_once, &c, "jsonl"), 3);
    ck_assert_int_eq(c.rules[0], 0);
    ck_assert_int_eq(c.rules[2], 1);
    ck_assert_int_eq(c.rules[3], 2);
    /* the same as one JSON array */
    const char *arr = "[{\"user\": \"alice\"}, {\"user\": \"bob\", \"groups\": [\"admins\"]}, {\"user\": []}]";
    c.kind = 1;
    c.data = arr;
    c.len = strlen(arr);
    ck_assert_int_gt(sweep(batch_once, &c, "json"), 3);
    ck_assert_int_eq(c.rules[0], 0);
    ck_assert_int_eq(c.rules[1], 1);
    ck_assert_int_eq(c.status[2], KAP_EPARSE);
    /* marshal: [{"user": "bob", "groups": [20 groups, "admins"], "name": <2000 bytes>}] x 2, the
     * second a reference to the first */
    static unsigned char m[8192];
    size_t n = 0;
    m[n++] = '[';
    m[n++] = 2, m[n++] = 0, m[n++] = 0, m[n++] = 0;
    m[n++] = '{' | 0x80;
    mb_str(m, &n, "user");
    mb_str(m, &n, "bob");
    mb_str(m, &n, "groups");
    m[n++] = '[';
    m[n++] = 21, m[n++] = 0, m[n++] = 0, m[n++] = 0;
    for (int i = 0; i < 20; i++)
        mb_str(m, &n, "g");
    mb_str(m, &n, "admins");
    mb_str(m, &n, "name");
    char big[2001];
    memset(big, 'x', 2000);
    big[2000] = 0;
    mb_str(m, &n, big);
    m[n++] = '0';
    m[n++] = 'r';
    m[n++] = 0, m[n++] = 0, m[n++] = 0, m[n++] = 0;
    c.kind = 2;
    c.data = m;
    c.len = n;
    ck_assert_int_gt(sweep(batch_once, &c, "marshal"), 1);
    ck_assert_uint_eq(c.n, 2);
    ck_assert_int_eq(c.rules[0], 1);
    ck_assert_int_eq(c.rules[1], 1);
    kap_policy_free(p);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1)
        fixtures = argv[1];
    Suite *s = suite_create("cov_alloc");
    TCase *tc = tcase_create("alloc");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, check_fixtures, 0, (int)(sizeof DIRS / sizeof DIRS[0]));
    tcase_add_loop_test(tc, fix_manifests, 0, (int)(sizeof MANIFESTS / sizeof MANIFESTS[0]));
    tcase_add_test(tc, batch_readers);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
