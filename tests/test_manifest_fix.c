/* kap_manifest_fix_* (src/manifest_fix.c): edits in YAML block and flow
 * style, JSON and CRLF files, and writes that fail at each step (write,
 * fsync, rename, injected through the test-hook build) leaving the
 * manifest byte for byte as it was and no file beside it. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kap.h"

extern int kap_test_manifest_fail_step;
extern char kap_test_manifest_tmp_name[300];
extern int kap_test_manifest_tmp_in_backup;
extern long kap_test_alloc_countdown, kap_test_alloc_calls;
extern int kap_test_alloc_failed;
static const char *fixtures = "manifests";

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

static char *slurp(const char *node)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", root, node);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strdup(buf);
}

/* The names in a directory, sorted, one string. */
static char *listing(const char *node)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -A '%s%s' 2>/dev/null", root, node);
    FILE *p = popen(cmd, "r");
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    pclose(p);
    return strdup(buf);
}

#define POLICY "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"
#define MANIFEST "/etc/kubernetes/manifests/kube-apiserver.yaml"

static void node(const char *manifest)
{
    snprintf(root, sizeof root, "/tmp/kap-fix-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
    put("/etc/kubernetes/audit-policy.yaml", POLICY);
    put(MANIFEST, manifest);
}

static void drop(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    ck_assert_int_eq(system(cmd), 0);
}

static kap_manifest_fix *fix_now(int want)
{
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    kap_manifest_fix *x = NULL;
    int rc = kap_manifest_fix_new(&x, MANIFEST, &o, NULL);
    ck_assert_msg(rc == want, "status %d (%s)", rc, x && kap_manifest_fix_error(x) ? kap_manifest_fix_error(x) : "");
    ck_assert_ptr_nonnull(x);
    return x;
}

/* The result passes the checks (no FAIL). */
/* Whether a change of x says part. */
static int has_change(const kap_manifest_fix *x, const char *part)
{
    for (size_t i = 0; i < kap_manifest_fix_count(x); i++)
        if (strstr(kap_manifest_fix_change(x, i), part))
            return 1;
    return 0;
}

static void passes(const kap_manifest_fix *x)
{
    size_t len;
    const char *t = kap_manifest_fix_result(x, &len);
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    kap_manifest_report *r = NULL;
    ck_assert_int_eq(kap_manifest_check_buffer(&r, MANIFEST, t, len, &o), KAP_OK);
    for (size_t i = 0; i < kap_manifest_report_count(r); i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        ck_assert_msg(c->status != KAP_MANIFEST_FAIL, "%s: %s\n%s", c->id, c->message, t);
    }
    kap_manifest_report_free(r);
}

/* Every line of a is in b, in order. */
static void lines_kept(const char *a, const char *b)
{
    const char *p = a, *q = b;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
        int found = 0;
        while (*q) {
            const char *f = strchr(q, '\n');
            size_t m = f ? (size_t)(f - q) + 1 : strlen(q);
            int same = m == n && memcmp(p, q, n) == 0;
            /* the last line may have gained a newline */
            same |= !e && m == n + 1 && memcmp(p, q, n) == 0;
            q += m;
            if (same) {
                found = 1;
                break;
            }
        }
        ck_assert_msg(found, "line lost: %.*s\nin:\n%s", (int)n, p, b);
        p += n;
    }
}

#define BARE                                           \
    "apiVersion: v1\n"                                 \
    "kind: Pod\n"                                      \
    "metadata:\n"                                      \
    "  name: kube-apiserver # the API server\n"        \
    "spec:\n"                                          \
    "  containers:\n"                                  \
    "    - name: kube-apiserver\n"                     \
    "      image: registry.k8s.io/kube-apiserver:v1.33.1\n" \
    "      command:\n"                                 \
    "        - kube-apiserver\n"                       \
    "        # etcd\n"                                 \
    "        - --etcd-servers=https://127.0.0.1:2379\n"

START_TEST(block_style_indented_sequences)
{
    node(BARE);
    kap_manifest_fix *x = fix_now(KAP_OK);
    ck_assert(kap_manifest_fix_changed(x));
    const char *t = kap_manifest_fix_result(x, NULL);
    lines_kept(BARE, t);
    /* the sequences' indentation of the file is kept */
    ck_assert_ptr_nonnull(strstr(t, "\n        - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"));
    ck_assert_ptr_nonnull(strstr(t, "\n      volumeMounts:\n        - mountPath: /etc/kubernetes/audit-policy.yaml\n"
                                    "          name: audit-policy\n          readOnly: true\n"));
    ck_assert_ptr_nonnull(strstr(t, "\n  volumes:\n    - name: audit-policy\n      hostPath:\n"
                                    "        path: /etc/kubernetes/audit-policy.yaml\n        type: File\n"));
    passes(x);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

START_TEST(flow_style_and_no_final_newline)
{
    const char *m = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: api, image: k8s/kube-apiserver:v1.30.0,\n"
                    "    command: [kube-apiserver, --secure-port=6443]}]";
    node(m);
    kap_manifest_fix *x = fix_now(KAP_OK);
    const char *t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_nonnull(strstr(t, "--secure-port=6443, \"--audit-policy-file=/etc/kubernetes/audit-policy.yaml\""));
    ck_assert_ptr_nonnull(strstr(t, "\"volumeMounts\": [{\"mountPath\": \"/etc/kubernetes/audit-policy.yaml\""));
    passes(x);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

START_TEST(json_manifest)
{
    const char *m = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"spec\": {\n    \"containers\": [\n"
                    "      {\"name\": \"kube-apiserver\", \"image\": \"registry.k8s.io/kube-apiserver:v1.28.3\",\n"
                    "       \"command\": [\"kube-apiserver\", \"--secure-port=6443\"],\n"
                    "       \"volumeMounts\": []}\n    ],\n    \"volumes\": []\n  }\n}\n";
    node(m);
    kap_manifest_fix *x = fix_now(KAP_OK);
    size_t len;
    const char *t = kap_manifest_fix_result(x, &len);
    /* still JSON: the check reads it as JSON */
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    kap_manifest_report *r = NULL;
    ck_assert_int_eq(kap_manifest_check_buffer(&r, MANIFEST, t, len, &o), KAP_OK);
    ck_assert_ptr_nonnull(strstr(kap_manifest_report_get(r, 0)->message, "JSON"));
    kap_manifest_report_free(r);
    passes(x);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

START_TEST(crlf_and_corrections)
{
    const char *m = "apiVersion: v1\r\nkind: Pod\r\nspec:\r\n  containers:\r\n  - name: kube-apiserver\r\n"
                    "    image: registry.k8s.io/kube-apiserver:v1.31.0\r\n    command:\r\n    - kube-apiserver\r\n"
                    "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\r\n"
                    "    - --audit-log-maxage\r\n    - '7'\r\n"
                    "    - \"--audit-log-format=yaml\"\r\n"
                    "    volumeMounts:\r\n    - mountPath: /etc/kubernetes/audit-policy.yaml\r\n"
                    "      name: pol\r\n      readOnly: false\r\n"
                    "  volumes:\r\n  - name: pol\r\n    hostPath:\r\n      path: /etc/kubernetes/audit-policy.yaml\r\n";
    node(m);
    kap_manifest_fix *x = fix_now(KAP_OK);
    const char *t = kap_manifest_fix_result(x, NULL);
    /* quoting styles kept, CRLF for new lines, no bare LF */
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-log-maxage\r\n    - '30'\r\n"));
    ck_assert_ptr_nonnull(strstr(t, "    - \"--audit-log-format=json\"\r\n"));
    ck_assert_ptr_nonnull(strstr(t, "      readOnly: true\r\n"));
    for (const char *p = strchr(t, '\n'); p; p = strchr(p + 1, '\n'))
        ck_assert_msg(p > t && p[-1] == '\r', "a bare LF in:\n%s", t);
    ck_assert_uint_ge(kap_manifest_fix_count(x), 4);
    passes(x);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* One mount for the policy and the log stays writable (it was made
 * read-only, and the log could no longer be written); readOnly as YAML 1.1
 * reads it; numbers and versions as kube-apiserver reads them. */
START_TEST(shared_mount_bools_numbers_versions)
{
    const char *m = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n"
                    "    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command:\n    - kube-apiserver\n"
                    "    - --audit-policy-file=/var/lib/audit/policy.yaml\n"
                    "    - --audit-log-path=/var/lib/audit/logs/audit.log\n"
                    "    - --audit-log-maxage=99999999999999999999\n    - --audit-log-maxbackup=0x0a\n"
                    "    - --audit-log-maxsize= 100\n    - --audit-log-version=audit.k8s.io/v1beta1\n"
                    "    - --audit-log-truncate-max-event-size=-1\n    - --audit-webhook-truncate-max-event-size=20971520\n"
                    "    - --audit-webhook-truncate-max-batch-size=5\n"
                    "    volumeMounts:\n    - mountPath: /var/lib/audit\n      name: audit\n"
                    "  volumes:\n  - name: audit\n    hostPath:\n      path: /var/lib/audit\n";
    node(m);
    put("/var/lib/audit/policy.yaml", POLICY);
    put("/var/lib/audit/logs/.keep", "");
    kap_manifest_fix *x = fix_now(KAP_OK);
    const char *t = kap_manifest_fix_result(x, NULL);
    ck_assert_msg(!strstr(t, "readOnly"), "the shared mount made read-only:\n%s", t);
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-log-maxage=30\n"));
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-log-maxbackup=0x0a\n")); /* 10, as Go reads it */
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-log-maxsize=100\n"));
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-log-version=audit.k8s.io/v1\n"));
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-log-truncate-max-event-size=102400\n"));
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-webhook-truncate-max-event-size=20971520\n"));
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-webhook-truncate-max-batch-size=20971520\n"));
    passes(x);
    kap_manifest_fix_free(x);
    drop();

    /* readOnly: yes (true to kubelet) on the log's mount is made writable */
    m = "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n  - name: kube-apiserver\n"
        "    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command:\n    - kube-apiserver\n"
        "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
        "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
        "    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n"
        "    volumeMounts:\n    - {mountPath: /etc/kubernetes/audit-policy.yaml, name: audit, readOnly: On}\n"
        "    - {mountPath: /var/log/kubernetes/audit, name: audit-log, readOnly: yes}\n"
        "  volumes:\n  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n"
        "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n";
    node(m);
    x = fix_now(KAP_OK);
    t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_nonnull(strstr(t, "name: audit-log, readOnly: false}"));
    ck_assert_ptr_nonnull(strstr(t, "name: audit, readOnly: On}")); /* already read-only */
    ck_assert_uint_eq(kap_manifest_fix_count(x), 1);
    passes(x);
    kap_manifest_fix_free(x);
    drop();

    /* but not with a recursiveReadOnly kubelet takes only on a read-only
     * mount (Disabled, or null, is no such one), on a hostPath or an
     * emptyDir volume, quoted or not; nor on a mount writable already
     * (kubelet refuses that pod: pod-valid), whatever the value */
    static const struct {
        const char *ro, *rro, *vol;
        int kept; /* 1: kept and made writable; 29: so, under image 1.29; 129: under --kube-version 1.29;
                   * 0: refused (image 1.31); 130: refused under image 1.30 */
    } rcases[] = {
        {"yes", "Enabled", "hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}", 0},
        {"\"true\"", "IfPossible", "hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}", 0},
        {"true", "Enabled", "emptyDir: {}", 0},
        {"\"true\"", "Enabled", "emptyDir: {}", 0},
        {"true", "Disabled", "hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}", 1},
        {"true", "null", "emptyDir: {}", 1},
        {"false", "Enabled", "hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}", 0},
        {"false", "enabled", "hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}", 0},
        {"null", "IfPossible", "emptyDir: {}", 0},
        /* before 1.30 kubelet drops the field it does not know (the image's
         * release, or --kube-version's) */
        {"false", "Enabled", "hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}", 29},
        {"true", "Enabled", "hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}", 29},
        {"true", "Enabled", "emptyDir: {}", 129},
        /* from 1.30 it does */
        {"false", "IfPossible", "hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}", 130},
    };
    for (size_t i = 0; i < sizeof rcases / sizeof rcases[0]; i++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
                 "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.%d.0\n    command:\n"
                 "    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                 "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
                 "    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n"
                 "    volumeMounts:\n    - {mountPath: /etc/kubernetes/audit-policy.yaml, name: audit, readOnly: true}\n"
                 "    - {mountPath: /var/log/kubernetes/audit, name: audit-log, readOnly: %s, recursiveReadOnly: %s}\n"
                 "  volumes:\n  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n"
                 "  - name: audit-log\n    %s\n",
                 rcases[i].kept == 29 ? 29 : rcases[i].kept == 130 ? 30 : 31, rcases[i].ro, rcases[i].rro,
                 rcases[i].vol);
        node(text);
        if (rcases[i].kept == 129) {
            kap_manifest_options o;
            kap_manifest_options_init(&o);
            o.root = root;
            o.kube_minor = 29;
            x = NULL;
            ck_assert_int_eq(kap_manifest_fix_new(&x, MANIFEST, &o, NULL), KAP_OK);
            t = kap_manifest_fix_result(x, NULL);
            ck_assert_msg(strstr(t, "name: audit-log, readOnly: false, recursiveReadOnly: ") != NULL, "case %zu: %s",
                          i, t);
        } else if (!rcases[i].kept || rcases[i].kept == 130) {
            x = fix_now(KAP_EINVALID);
            ck_assert_msg(strstr(kap_manifest_fix_error(x), "volumeMount 'audit-log' (/var/log/kubernetes/audit) must "
                                                            "be writable, and its recursiveReadOnly needs it "
                                                            "read-only; change it by hand") != NULL,
                          "case %zu: %s", i, kap_manifest_fix_error(x));
        } else {
            x = fix_now(KAP_OK);
            t = kap_manifest_fix_result(x, NULL);
            ck_assert_msg(strstr(t, "name: audit-log, readOnly: false, recursiveReadOnly: ") != NULL, "case %zu: %s",
                          i, t);
        }
        kap_manifest_fix_free(x);
        drop();
    }
}
END_TEST

/* the log under a read-only mount of a directory above it (kubeadm's
 * certificates): that mount stays read-only (kube-apiserver must not
 * write the CA), and the log's directory gets a writable mount of its own
 * from the same host path; a quoted "true" there is read as meant */
START_TEST(read_only_parent_stays)
{
    static const char *const ro[] = {"true", "\"true\""};
    for (size_t i = 0; i < 2; i++) {
        char m[2048];
        snprintf(m, sizeof m,
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
                 "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command:\n"
                 "    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                 "    - --audit-log-path=/etc/kubernetes/pki/audit/audit.log\n"
                 "    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n"
                 "    volumeMounts:\n    - {mountPath: /etc/kubernetes/audit-policy.yaml, name: audit, readOnly: true}\n"
                 "    - {mountPath: /etc/kubernetes/pki, name: k8s-certs, readOnly: %s}\n"
                 "  volumes:\n  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n"
                 "  - name: k8s-certs\n    hostPath: {path: /srv/pki, type: DirectoryOrCreate}\n",
                 ro[i]);
        node(m);
        put("/srv/pki/ca.crt", "x");
        kap_manifest_fix *x = fix_now(KAP_OK);
        const char *t = kap_manifest_fix_result(x, NULL);
        ck_assert_msg(strstr(t, "{mountPath: /etc/kubernetes/pki, name: k8s-certs, readOnly: true}") != NULL, "%s", t);
        ck_assert_msg(strstr(t, "- mountPath: /etc/kubernetes/pki/audit\n      name: audit-log\n") != NULL, "%s", t);
        ck_assert_msg(strstr(t, "      path: /srv/pki/audit\n      type: DirectoryOrCreate\n") != NULL, "%s", t);
        passes(x);
        kap_manifest_fix_free(x);
        drop();
    }
}
END_TEST

/* the policy under a writable mount of a directory above it (one
 * kube-apiserver may write: its --cert-dir, a token file): that mount
 * stays writable, and the policy gets a read-only mount of its own from
 * the same host path; a quoted "false" there is made a boolean */
START_TEST(writable_parent_stays)
{
    static const char *const rw[] = {"false", "\"false\"", "null"};
    for (size_t i = 0; i < 3; i++) {
        char m[2048];
        snprintf(m, sizeof m,
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
                 "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command:\n"
                 "    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit/policy.yaml\n"
                 "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
                 "    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n"
                 "    volumeMounts:\n    - {mountPath: /etc/kubernetes, name: k8s, readOnly: %s}\n"
                 "    - {mountPath: /var/log/kubernetes/audit, name: audit-log}\n"
                 "  volumes:\n  - name: k8s\n    hostPath: {path: /srv/k8s, type: Directory}\n"
                 "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n",
                 rw[i]);
        node(m);
        put("/srv/k8s/audit/policy.yaml", POLICY);
        kap_manifest_fix *x = fix_now(KAP_OK);
        const char *t = kap_manifest_fix_result(x, NULL);
        ck_assert_msg(strstr(t, i == 2 ? "{mountPath: /etc/kubernetes, name: k8s, readOnly: null}"
                                       : "{mountPath: /etc/kubernetes, name: k8s, readOnly: false}") != NULL,
                      "%s", t);
        ck_assert_msg(strstr(t, "- mountPath: /etc/kubernetes/audit/policy.yaml\n      name: audit-policy\n"
                                "      readOnly: true\n") != NULL,
                      "%s", t);
        ck_assert_msg(strstr(t, "      path: /srv/k8s/audit/policy.yaml\n      type: File\n") != NULL, "%s", t);
        ck_assert(has_change(x, "volumeMount 'k8s' (/etc/kubernetes) stays writable: the policy "
                                "/etc/kubernetes/audit/policy.yaml gets a read-only mount of its own"));
        ck_assert(!has_change(x, "made read-only"));
        passes(x);
        kap_manifest_fix_free(x);
        drop();
    }
}
END_TEST

/* the log file mounted by itself from a directory of its own, under a
 * writable mount of a directory above the log's: the log's directory is
 * mounted from the file's host directory, over it (not left to the parent
 * mount, which would move the log on the host) */
START_TEST(file_mount_under_a_parent_mount)
{
    node("apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
         "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command:\n"
         "    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
         "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
         "    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n"
         "    volumeMounts:\n    - {mountPath: /etc/kubernetes/audit-policy.yaml, name: audit, readOnly: true}\n"
         "    - mountPath: /var/log\n      name: varlog\n"
         "    - mountPath: /var/log/kubernetes/audit/audit.log\n      name: logfile\n"
         "  volumes:\n  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n"
         "  - name: varlog\n    hostPath: {path: /var/log}\n"
         "  - name: logfile\n    hostPath:\n      path: /srv/audit/audit.log\n      type: FileOrCreate\n");
    put("/srv/audit/audit.log", "");
    put("/var/log/syslog", "");
    kap_manifest_fix *x = fix_now(KAP_OK);
    const char *t = kap_manifest_fix_result(x, NULL);
    ck_assert_msg(strstr(t, "name: logfile") == NULL, "%s", t);
    ck_assert_msg(strstr(t, "- mountPath: /var/log\n      name: varlog\n") != NULL, "%s", t);
    ck_assert_msg(strstr(t, "mountPath: /var/log/kubernetes/audit\n      name: audit-log\n") != NULL, "%s", t);
    ck_assert_msg(strstr(t, "      path: /srv/audit\n      type: DirectoryOrCreate\n") != NULL, "%s", t);
    passes(x);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* go-runner running kube-apiserver (kops): the flags go after the last of
 * kube-apiserver's, go-runner's are left alone */
START_TEST(go_runner_flags)
{
    node("apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
         "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command: [/go-runner]\n"
         "    args:\n    - --log-file=/var/log/kube-apiserver.log\n    - --also-stdout\n"
         "    - /usr/local/bin/kube-apiserver\n    - --secure-port=443\n    - --audit-log-maxage=3\n");
    kap_manifest_fix *x = fix_now(KAP_OK);
    const char *t = kap_manifest_fix_result(x, NULL);
    ck_assert_msg(strstr(t, "    - --log-file=/var/log/kube-apiserver.log\n    - --also-stdout\n"
                            "    - /usr/local/bin/kube-apiserver\n    - --secure-port=443\n    - --audit-log-maxage=30\n"
                            "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n") != NULL,
                  "%s", t);
    passes(x);
    kap_manifest_fix_free(x);
    drop();

    /* no command: the image's go-runner would take the flags for its own;
     * the container gets command: [kube-apiserver] where args is */
    static const struct {
        const char *ctr, *want;
    } cases[] = {
        {"  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.31.0\n    args:\n    - --secure-port=443\n",
         "    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command: [kube-apiserver]\n    args:\n    - --secure-port=443\n"},
        {"  - args:\n    - --secure-port=443\n    name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.31.0\n",
         "  - command: [kube-apiserver]\n    args:\n    - --secure-port=443\n"},
        {"  - {name: kube-apiserver, image: \"registry.k8s.io/kube-apiserver:v1.31.0\", args: [--secure-port=443]}\n",
         "  - {command: [kube-apiserver], name: kube-apiserver"},
        {"  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command: []\n    args:\n"
         "    - --secure-port=443\n",
         "    command: [kube-apiserver]\n    args:\n"},
        /* the binary named in args: go-runner runs it; nothing to add */
        {"  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.31.0\n    args:\n"
         "    - /usr/local/bin/kube-apiserver\n    - --secure-port=443\n",
         "    args:\n    - /usr/local/bin/kube-apiserver\n    - --secure-port=443\n    - --audit-policy-file="},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char m[2048];
        snprintf(m, sizeof m, "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n%s",
                 cases[i].ctr);
        node(m);
        x = fix_now(KAP_OK);
        t = kap_manifest_fix_result(x, NULL);
        ck_assert_msg(strstr(t, cases[i].want) != NULL, "case %zu:\n%s", i, t);
        ck_assert_msg((strstr(t, "command") != NULL) == (i < 4), "case %zu:\n%s", i, t);
        passes(x);
        kap_manifest_fix_free(x);
        drop();
    }
    /* JSON */
    node("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"kube-apiserver\"}, \"spec\": "
         "{\"containers\": [{\"name\": \"kube-apiserver\", \"image\": \"registry.k8s.io/kube-apiserver:v1.31.0\", "
         "\"args\": [\"--secure-port=443\"]}]}}\n");
    x = fix_now(KAP_OK);
    t = kap_manifest_fix_result(x, NULL);
    ck_assert_msg(strstr(t, "[{\"command\": [\"kube-apiserver\"], \"name\"") != NULL, "%s", t);
    passes(x);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* A pod without metadata.name (kubelet refuses it) is named, in YAML and
 * JSON, whatever of the metadata is there; a name is kept. */
START_TEST(pod_named)
{
    static const char ctr[] = "spec:\n  containers:\n  - name: kube-apiserver\n"
                              "    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command:\n    - kube-apiserver\n";
    static const struct {
        const char *head, *want;
    } cases[] = {
        {"apiVersion: v1\nkind: Pod\n", "metadata:\n  name: kube-apiserver\napiVersion: v1\nkind: Pod\n"},
        {"\xEF\xBB\xBF" "apiVersion: v1\nkind: Pod\n", "\xEF\xBB\xBF" "metadata:\n  name: kube-apiserver\napiVersion: v1\n"},
        {"apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: kube-system\n",
         "metadata:\n  namespace: kube-system\n  name: kube-apiserver\n"},
        {"apiVersion: v1\nkind: Pod\nmetadata: {}\n", "metadata: {\"name\": \"kube-apiserver\"}\n"},
        {"apiVersion: v1\nkind: Pod\nmetadata: {namespace: kube-system}\n",
         "metadata: {namespace: kube-system, \"name\": \"kube-apiserver\"}\n"},
        {"apiVersion: v1\nkind: Pod\nmetadata:\n", "metadata: {\"name\": \"kube-apiserver\"}\n"},
        {"apiVersion: v1\nkind: Pod\nmetadata: ~\n", "metadata: {\"name\": \"kube-apiserver\"}\n"},
        {"apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"\"\n", "metadata:\n  name: kube-apiserver\n"},
        {"apiVersion: v1\nkind: Pod\nmetadata:\n  name: null\n", "metadata:\n  name: kube-apiserver\n"},
        {"apiVersion: v1\nkind: Pod\nmetadata:\n  name: apiserver\n", "metadata:\n  name: apiserver\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char m[1024];
        snprintf(m, sizeof m, "%s%s", cases[i].head, ctr);
        node(m);
        kap_manifest_fix *x = fix_now(KAP_OK);
        const char *t = kap_manifest_fix_result(x, NULL);
        ck_assert_msg(strstr(t, cases[i].want) != NULL, "case %zu:\n%s", i, t);
        passes(x);
        kap_manifest_fix_free(x);
        drop();
    }
    /* JSON: the member goes first, and the file stays JSON */
    node("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"spec\": {\"containers\": [{\"name\": \"kube-apiserver\", "
         "\"image\": \"registry.k8s.io/kube-apiserver:v1.31.0\", \"command\": [\"kube-apiserver\"]}]}}\n");
    kap_manifest_fix *x = fix_now(KAP_OK);
    const char *t = kap_manifest_fix_result(x, NULL);
    static const char first[] = "{\"metadata\": {\"name\": \"kube-apiserver\"}, \"apiVersion\"";
    ck_assert_msg(strncmp(t, first, sizeof first - 1) == 0, "%s", t);
    passes(x);
    kap_manifest_fix_free(x);
    drop();
    /* indented JSON: no blank left at the first line's end */
    node("{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"spec\": {\"containers\": [{\"name\": \"kube-apiserver\", "
         "\"image\": \"registry.k8s.io/kube-apiserver:v1.31.0\", \"command\": [\"kube-apiserver\"]}]}\n}\n");
    x = fix_now(KAP_OK);
    t = kap_manifest_fix_result(x, NULL);
    ck_assert_msg(strncmp(t, "{\"metadata\": {\"name\": \"kube-apiserver\"},\n  \"apiVersion\"", 55) == 0, "%s", t);
    passes(x);
    kap_manifest_fix_free(x);
    drop();
    /* a JSON null name: a JSON string in its place */
    node("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": null}, \"spec\": {\"containers\": "
         "[{\"name\": \"kube-apiserver\", \"image\": \"registry.k8s.io/kube-apiserver:v1.31.0\", "
         "\"command\": [\"kube-apiserver\"]}]}}\n");
    x = fix_now(KAP_OK);
    t = kap_manifest_fix_result(x, NULL);
    ck_assert_msg(strstr(t, "\"metadata\": {\"name\": \"kube-apiserver\"}, ") != NULL, "%s", t);
    passes(x);
    kap_manifest_fix_free(x);
    drop();
    /* metadata or a name that is no mapping or string: left as it is (the
     * check still fails on it) */
    static const char *const odd[] = {"metadata: {name: [a]}\n", "metadata: [a]\n", "metadata: 5\n"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        char m[1024];
        snprintf(m, sizeof m, "apiVersion: v1\nkind: Pod\n%s%s", odd[i], ctr);
        node(m);
        x = fix_now(KAP_OK);
        t = kap_manifest_fix_result(x, NULL);
        ck_assert_msg(strstr(t, odd[i]) != NULL, "%s", t);
        for (size_t k = 0; k < kap_manifest_fix_count(x); k++)
            ck_assert_msg(strstr(kap_manifest_fix_change(x, k), "metadata.name") == NULL, "%s",
                          kap_manifest_fix_change(x, k));
        kap_manifest_fix_free(x);
        drop();
    }
}
END_TEST

/* The log's own directory on an emptyDir (a log-mount WARN: the log is
 * written, not on the host): left on it, with a note, made writable if it
 * was read-only, and the rest fixed; with a subPath kubelet refuses, a
 * mount below it, or a volume whose source is not an emptyDir, it is
 * refused as before */
START_TEST(log_on_an_emptydir_stays)
{
    static const char head[] =
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n"
        "    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command:\n    - kube-apiserver\n"
        "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
        "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
        "    volumeMounts:\n    - {mountPath: /etc/kubernetes/audit-policy.yaml, name: audit, readOnly: true}\n"
        "    - {mountPath: /var/log/kubernetes/audit, name: scratch%s}\n"
        "  volumes:\n  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n"
        "  - name: scratch%s\n";
    static const struct {
        const char *ro, *vol;
        int kept;
    } cases[] = {
        {"", "\n    emptyDir: {}", 1},
        {", readOnly: false", "\n    emptyDir: {medium: Memory}", 1},
        {"", "", 1}, /* no source: kubelet's default, an emptyDir */
        /* read-only: made writable */
        {", readOnly: true", "\n    emptyDir: {}", 1},
        /* quoted, a string kubelet cannot decode, read as not read-only */
        {", readOnly: \"false\"", "\n    emptyDir: {}", 1},
        {", readOnly: \"true\"", "\n    emptyDir: {}", 1},
        {", readOnly: null", "\n    emptyDir: ~\n    hostPath: null", 1}, /* no source set */
        {", readOnly: yes", "\n    emptyDir: {}", 1},
        {"", "\n    emptyDir: null\n    configMap: {name: x}", 0},
        {", subPath: ../x", "\n    emptyDir: {}", 0},
        /* a hostPath without its path: a source set, no emptyDir */
        {"", "\n    hostPath: {type: DirectoryOrCreate}", 0},
        /* the log file mounted by itself below it, from another emptyDir */
        {"}\n    - {mountPath: /var/log/kubernetes/audit/audit.log, name: f", "\n    emptyDir: {}\n  - name: f\n"
         "    emptyDir: {}", 0},
        {", subPath: /x", "\n    emptyDir: {}", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char m[2048];
        snprintf(m, sizeof m, head, cases[i].ro, cases[i].vol);
        node(m);
        put("/etc/kubernetes/audit-policy.yaml", POLICY);
        if (!cases[i].kept) {
            kap_manifest_fix *x = fix_now(KAP_EINVALID);
            ck_assert_msg(strstr(kap_manifest_fix_error(x), "by hand") != NULL, "%s",
                          kap_manifest_fix_error(x));
            kap_manifest_fix_free(x);
            drop();
            continue;
        }
        kap_manifest_fix *x = fix_now(KAP_OK);
        const char *t = kap_manifest_fix_result(x, NULL);
        ck_assert_msg(has_change(x, "volumeMount 'scratch' (/var/log/kubernetes/audit) stays on the emptyDir "
                                    "volume 'scratch'"),
                      "%s", t);
        ck_assert_ptr_nonnull(strstr(t, "    - --audit-log-maxage=30\n"));
        ck_assert_ptr_nonnull(strstr(t, "{mountPath: /var/log/kubernetes/audit, name: scratch"));
        ck_assert_ptr_null(strstr(t, "hostPath: {path: /var/log"));
        ck_assert_ptr_null(strstr(t, "path: /var/log/kubernetes/audit\n"));
        int quoted = strstr(cases[i].ro, "readOnly: \"") != NULL;
        int ro = strstr(cases[i].ro, "readOnly: true") || strstr(cases[i].ro, "readOnly: yes");
        if (quoted || ro)
            ck_assert_msg(strstr(t, "name: scratch, readOnly: false}") != NULL, "%s", t);
        ck_assert_msg(ro == has_change(x, "volumeMount 'scratch' (/var/log/kubernetes/audit) made writable"), "%s",
                      t);
        passes(x);
        kap_manifest_fix_free(x);
        drop();
    }
}
END_TEST

/* A mount over both paths that is not a hostPath (an emptyDir): the policy
 * still gets a mount of its own, as does the log's directory */
START_TEST(shared_mount_not_hostpath)
{
    const char *m = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n"
                    "    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command:\n    - kube-apiserver\n"
                    "    - --audit-policy-file=/etc/kubernetes/audit/policy.yaml\n"
                    "    - --audit-log-path=/etc/kubernetes/audit/logs/audit.log\n"
                    "    volumeMounts:\n    - {mountPath: /etc/kubernetes/audit, name: scratch}\n"
                    "  volumes:\n  - name: scratch\n    emptyDir: {}\n";
    node(m);
    put("/etc/kubernetes/audit/policy.yaml", POLICY);
    kap_manifest_fix *x = fix_now(KAP_OK);
    const char *t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_nonnull(strstr(t, "mountPath: /etc/kubernetes/audit/policy.yaml"));
    ck_assert_ptr_nonnull(strstr(t, "mountPath: /etc/kubernetes/audit/logs"));
    passes(x);
    kap_manifest_fix_free(x);
    drop();

    /* truncate sizes that are no numbers get the defaults; a batch at
     * least the event is kept as written */
    m = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n"
        "    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command:\n    - kube-apiserver\n"
        "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
        "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
        "    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n"
        "    - --audit-log-truncate-max-event-size=big\n    - --audit-log-truncate-max-batch-size=lots\n"
        "    - --audit-webhook-truncate-max-event-size=2048\n    - --audit-webhook-truncate-max-batch-size=0x1000\n"
        "    volumeMounts:\n    - {mountPath: /etc/kubernetes/audit-policy.yaml, name: audit, readOnly: true}\n"
        "    - {mountPath: /var/log/kubernetes/audit, name: audit-log}\n"
        "  volumes:\n  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n"
        "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n";
    node(m);
    x = fix_now(KAP_OK);
    t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-log-truncate-max-event-size=102400\n"));
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-log-truncate-max-batch-size=10485760\n"));
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-webhook-truncate-max-event-size=2048\n"));
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-webhook-truncate-max-batch-size=0x1000\n"));
    passes(x);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* A log to standard output (--audit-log-path=-): no log mount, no
 * rotation flags added; a negative value is still raised, and the
 * policy's mount is made read-only. */
START_TEST(log_to_stdout)
{
    const char *m = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n"
                    "    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command:\n    - kube-apiserver\n"
                    "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n    - --audit-log-path=-\n"
                    "    - --audit-log-maxsize=-5\n    - --audit-log-maxage=thirty\n    - --audit-log-maxbackup=3\n"
                    "    - --audit-log-truncate-max-event-size=20971520\n"
                    "    volumeMounts:\n    - {mountPath: /etc/kubernetes/audit-policy.yaml, name: audit}\n"
                    "  volumes:\n  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n";
    node(m);
    kap_manifest_fix *x = fix_now(KAP_OK);
    const char *t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-log-path=-\n"));
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-log-maxsize=100\n"));
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-log-maxage=30\n")); /* not a number: refused */
    ck_assert_ptr_nonnull(strstr(t, "    - --audit-log-maxbackup=3\n")); /* no rotation: kept */
    /* an event size over the default batch: the batch given as large */
    ck_assert_ptr_nonnull(strstr(t, "--audit-log-truncate-max-batch-size=20971520\n"));
    ck_assert_ptr_null(strstr(t, "audit-log,"));
    ck_assert_ptr_null(strstr(t, "name: audit-log"));
    ck_assert_ptr_nonnull(strstr(t, "name: audit, \"readOnly\": true}"));
    passes(x);
    kap_manifest_fix_free(x);
    drop();

    /* --log-path - turns a file log into standard output */
    node(BARE);
    kap_manifest_fix_options fo;
    kap_manifest_fix_options_init(&fo);
    fo.log_path = "-";
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    x = NULL;
    ck_assert_int_eq(kap_manifest_fix_new(&x, MANIFEST, &o, &fo), KAP_OK);
    t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_nonnull(strstr(t, "--audit-log-path=-\n"));
    ck_assert_ptr_null(strstr(t, "/var/log/kubernetes/audit"));
    passes(x);
    kap_manifest_fix_free(x);
    /* a relative log path is refused */
    fo.log_path = "audit.log";
    x = NULL;
    ck_assert_int_eq(kap_manifest_fix_new(&x, MANIFEST, &o, &fo), KAP_EARG);
    ck_assert_ptr_nonnull(strstr(kap_manifest_fix_error(x), "the log path audit.log is not an absolute path (nor '-', standard output) as written"));
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* A log path that names a directory (kube-apiserver cannot open it as its
 * log file and refuses to start): the manifest's own is replaced by the
 * default; one given to the fix is refused, as is one given in the
 * manifests directory (kubelet would run each log file as a static pod) */
START_TEST(log_path_naming_a_directory)
{
    static const char *const own[] = {"/var/log/kubernetes/audit/", "/var/log/kubernetes/audit/.",
                                      "/var/log/kubernetes/.."};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        char m[1024];
        snprintf(m, sizeof m, BARE "        - --audit-log-path=%s\n", own[i]);
        node(m);
        kap_manifest_fix *x = fix_now(KAP_OK);
        const char *t = kap_manifest_fix_result(x, NULL);
        ck_assert_msg(strstr(t, "        - --audit-log-path=/var/log/kubernetes/audit/audit.log\n") != NULL, "%s:\n%s",
                      own[i], t);
        char why[256];
        snprintf(why, sizeof why, "the log path %s names a directory", own[i]);
        ck_assert_msg(has_change(x, why), "%s", own[i]);
        passes(x);
        kap_manifest_fix_free(x);
        drop();
    }
    static const char *const given[][2] = {
        {"/var/log/kubernetes/audit/", "the log path /var/log/kubernetes/audit/ names a directory: kube-apiserver "
                                       "cannot open it as its log file"},
        {"/var/log/audit/..", "the log path /var/log/audit/.. names a directory"},
        {"/etc/kubernetes/manifests/audit.log", "the log path /etc/kubernetes/manifests/audit.log is in the "
                                                "manifests directory (/etc/kubernetes/manifests): kubelet would try "
                                                "to run each log file as a static pod"},
        {"/etc/kubernetes/manifests/logs/audit.log", "is in the manifests directory (/etc/kubernetes/manifests/logs)"},
    };
    for (size_t i = 0; i < sizeof given / sizeof given[0]; i++) {
        node(BARE);
        kap_manifest_fix_options fo;
        kap_manifest_fix_options_init(&fo);
        fo.log_path = given[i][0];
        kap_manifest_options o;
        kap_manifest_options_init(&o);
        o.root = root;
        kap_manifest_fix *x = NULL;
        ck_assert_int_eq(kap_manifest_fix_new(&x, MANIFEST, &o, &fo), KAP_EARG);
        ck_assert_msg(strstr(kap_manifest_fix_error(x), given[i][1]) != NULL, "%s: %s", given[i][0],
                      kap_manifest_fix_error(x));
        ck_assert_ptr_null(kap_manifest_fix_result(x, NULL));
        kap_manifest_fix_free(x);
        drop();
    }
}
END_TEST

/* The last argument a flag the fix sets, without its value (kube-apiserver
 * refuses to start): it is given its value where it stands, since a flag
 * added after it would be taken as its value */
START_TEST(bare_last_flag_given_its_value)
{
    static const char *const bare[][2] = {
        {"--audit-log-maxage", "        - --audit-log-maxage=30\n"},
        {"--audit-log-path", "        - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"},
        {"--audit-policy-file", "        - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"},
    };
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++) {
        char m[1024];
        snprintf(m, sizeof m, BARE "        - %s\n", bare[i][0]);
        node(m);
        kap_manifest_fix *x = fix_now(KAP_OK);
        const char *t = kap_manifest_fix_result(x, NULL);
        const char *at = strstr(t, bare[i][1]);
        ck_assert_msg(at && strstr(at + strlen(bare[i][1]), bare[i][1] + 10) == NULL, "%s:\n%s", bare[i][0], t);
        char bare_line[128];
        snprintf(bare_line, sizeof bare_line, "        - %s\n", bare[i][0]);
        ck_assert_msg(strstr(t, bare_line) == NULL, "%s:\n%s", bare[i][0], t);
        passes(x);
        kap_manifest_fix_free(x);
        drop();
    }
}
END_TEST

/* A value written where a plain scalar stood is quoted where YAML would
 * read it as another type: --log-maxage 0 over "--audit-log-maxage thirty"
 * gives "0", a string (a plain 0 is a number, which kubelet refuses in
 * the arguments) */
START_TEST(value_quoted_where_plain_is_a_number)
{
    node(BARE "        - --audit-log-maxage\n        - thirty\n");
    kap_manifest_fix_options fo;
    kap_manifest_fix_options_init(&fo);
    fo.log_maxage = 0;
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    kap_manifest_fix *x = NULL;
    ck_assert_int_eq(kap_manifest_fix_new(&x, MANIFEST, &o, &fo), KAP_OK);
    const char *t = kap_manifest_fix_result(x, NULL);
    ck_assert_msg(strstr(t, "        - --audit-log-maxage\n        - \"0\"\n") != NULL, "%s", t);
    passes(x);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* Extra copies of a flag: whole-line items go (the last copy stays, the one
 * kube-apiserver uses), "--name value" with both its lines; flags that add
 * to a list each time stay; a copy inside a flow list keeps its place. */
START_TEST(duplicates_removed)
{
    const char *m = "apiVersion: v1\r\nkind: Pod\r\nspec:\r\n  containers:\r\n  - name: kube-apiserver\r\n"
                    "    image: registry.k8s.io/kube-apiserver:v1.31.0\r\n    command:\r\n    - kube-apiserver\r\n"
                    "    - --audit-log-maxage\r\n    - '60'\r\n"
                    "    - --enable-admission-plugins=NodeRestriction\r\n"
                    "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml   # the old one\r\n"
                    "    - --enable-admission-plugins=PodSecurity\r\n"
                    "    - --audit-log-maxage=45\r\n"
                    "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\r\n";
    node(m);
    kap_manifest_fix *x = fix_now(KAP_OK);
    const char *t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_null(strstr(t, "'60'"));
    ck_assert_ptr_null(strstr(t, "# the old one"));
    ck_assert_ptr_nonnull(strstr(t, "    - kube-apiserver\r\n    - --enable-admission-plugins=NodeRestriction\r\n"
                                    "    - --enable-admission-plugins=PodSecurity\r\n    - --audit-log-maxage=45\r\n"
                                    "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\r\n"));
    for (const char *p = strchr(t, '\n'); p; p = strchr(p + 1, '\n'))
        ck_assert_msg(p > t && p[-1] == '\r', "a bare LF in:\n%s", t);
    int n_removed = 0;
    for (size_t i = 0; i < kap_manifest_fix_count(x); i++)
        n_removed += strstr(kap_manifest_fix_change(x, i), "an extra copy removed") != NULL;
    ck_assert_int_eq(n_removed, 2);
    ck_assert_ptr_nonnull(strstr(kap_manifest_fix_change(x, 0), "--audit-log-maxage: an extra copy removed (line 9;"));
    passes(x);
    kap_manifest_fix_free(x);
    drop();

    /* flow style: the copies stay, set to the value used */
    node("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n"
         "    image: registry.k8s.io/kube-apiserver:v1.31.0\n"
         "    command: [kube-apiserver, --audit-log-maxage=12, --audit-log-maxage=40,\n"
         "      --audit-policy-file=/etc/kubernetes/audit-policy.yaml]\n");
    x = fix_now(KAP_OK);
    t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_nonnull(strstr(t, "--audit-log-maxage=40, --audit-log-maxage=40,"));
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* The log moved out of the manifests directory: the writable mount that
 * gave kube-apiserver the manifests directory goes with its volume, unless
 * something else needs it. */
#define OLD_LOG_HEAD                                                                                          \
    "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n"                             \
    "    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command:\n    - kube-apiserver\n"              \
    "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"                                         \
    "    - --audit-log-path=/etc/kubernetes/manifests/audit/audit.log\n"
#define OLD_LOG_MOUNTS                                                                                        \
    "    volumeMounts:\n    - mountPath: /etc/kubernetes/audit-policy.yaml\n      name: audit\n"              \
    "      readOnly: true\n    - mountPath: /etc/kubernetes/manifests/audit\n      name: old-log\n"         \
    "      readOnly: false # the log's\n"
#define OLD_LOG_VOLUMES                                                                                       \
    "  volumes:\n  - name: audit\n    hostPath:\n      path: /etc/kubernetes/audit-policy.yaml\n"           \
    "      type: File\n  - name: old-log # the log, once\n    hostPath:\n"                                  \
    "      path: /etc/kubernetes/manifests/audit\n      type: DirectoryOrCreate\n"

START_TEST(old_log_mount_removed)
{
    node(OLD_LOG_HEAD OLD_LOG_MOUNTS OLD_LOG_VOLUMES);
    kap_manifest_fix *x = fix_now(KAP_OK);
    const char *t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_null(strstr(t, "old-log"));
    ck_assert_ptr_null(strstr(t, "/etc/kubernetes/manifests/audit"));
    ck_assert_ptr_nonnull(strstr(t, "      readOnly: true\n    - mountPath: /var/log/kubernetes/audit\n"
                                    "      name: audit-log\n  volumes:\n"));
    ck_assert_ptr_nonnull(strstr(t, "      type: File\n  - name: audit-log\n    hostPath:\n"
                                    "      path: /var/log/kubernetes/audit\n      type: DirectoryOrCreate\n"));
    ck_assert(has_change(x, "volumeMount 'old-log' (/etc/kubernetes/manifests/audit, lines 15-17) and volume "
                            "'old-log' (hostPath /etc/kubernetes/manifests/audit, lines 23-26) removed"));
    passes(x);
    kap_manifest_fix_free(x);
    drop();

    /* another container mounts the volume too: it stays */
    node(OLD_LOG_HEAD OLD_LOG_MOUNTS "  - name: shipper\n    image: fluent-bit\n    volumeMounts:\n"
                                     "    - {name: old-log, mountPath: /logs}\n" OLD_LOG_VOLUMES);
    x = fix_now(KAP_OK);
    t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_nonnull(strstr(t, "    - mountPath: /etc/kubernetes/manifests/audit\n      name: old-log\n"));
    ck_assert(has_change(x, "volumeMount 'old-log' (/etc/kubernetes/manifests/audit) stays: another mount uses"));
    kap_manifest_fix_free(x);
    drop();

    /* a flag still names a path under it: it stays */
    node(OLD_LOG_HEAD "    - --audit-webhook-config-file=/etc/kubernetes/manifests/audit/hook.conf\n" OLD_LOG_MOUNTS
             OLD_LOG_VOLUMES);
    x = fix_now(KAP_OK);
    t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_nonnull(strstr(t, "    - mountPath: /etc/kubernetes/manifests/audit\n      name: old-log\n"));
    ck_assert(has_change(x, "stays: a flag still names a path under it"));
    kap_manifest_fix_free(x);
    drop();

    /* the mount before it ends in a block scalar (libyaml ends that at
     * the next line) and gains readOnly: the two edits do not overlap */
    node(OLD_LOG_HEAD "    volumeMounts:\n    - mountPath: /etc/kubernetes/audit-policy.yaml\n      name: >-\n"
                      "        audit\n    - mountPath: /etc/kubernetes/manifests/audit\n      name: old-log\n"
                      OLD_LOG_VOLUMES);
    x = fix_now(KAP_OK);
    t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_nonnull(strstr(t, "      name: >-\n        audit\n      readOnly: true\n"));
    ck_assert_ptr_null(strstr(t, "old-log"));
    passes(x);
    kap_manifest_fix_free(x);
    drop();

    /* the old log's host directory is elsewhere: not the manifests
     * directory's mount, untouched */
    node(OLD_LOG_HEAD OLD_LOG_MOUNTS
         "  volumes:\n  - name: audit\n    hostPath:\n      path: /etc/kubernetes/audit-policy.yaml\n"
         "      type: File\n  - name: old-log\n    hostPath:\n      path: /var/log/apiserver\n");
    x = fix_now(KAP_OK);
    t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_nonnull(strstr(t, "      path: /var/log/apiserver\n"));
    ck_assert(!has_change(x, "old-log"));
    kap_manifest_fix_free(x);
    drop();

    /* the policy is under it: it stays */
    node(OLD_LOG_HEAD OLD_LOG_MOUNTS OLD_LOG_VOLUMES);
    put("/etc/kubernetes/manifests/audit/policy.yaml", POLICY);
    kap_manifest_fix_options fo;
    kap_manifest_fix_options_init(&fo);
    fo.policy_file = "/etc/kubernetes/manifests/audit/policy.yaml";
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    x = NULL;
    ck_assert_int_eq(kap_manifest_fix_new(&x, MANIFEST, &o, &fo), KAP_OK);
    ck_assert(has_change(x, "volumeMount 'old-log' (/etc/kubernetes/manifests/audit) stays: a flag still names"));
    kap_manifest_fix_free(x);
    drop();

    /* its volume is no hostPath (the log went nowhere on the host): --fix
     * refuses to mount over it, the note says why it stays */
    node(OLD_LOG_HEAD OLD_LOG_MOUNTS
         "  volumes:\n  - name: audit\n    hostPath:\n      path: /etc/kubernetes/audit-policy.yaml\n"
         "      type: File\n  - name: old-log\n    emptyDir: {}\n");
    x = fix_now(KAP_OK);
    ck_assert(has_change(x, "volumeMount 'old-log' (/etc/kubernetes/manifests/audit) stays: its volume is not a hostPath"));
    kap_manifest_fix_free(x);
    drop();

    /* a mount of more than the manifests directory (/etc/kubernetes) is
     * not the log's own: untouched, no note */
    node(OLD_LOG_HEAD "    volumeMounts:\n    - mountPath: /etc/kubernetes\n      name: etc\n"
                      "  volumes:\n  - name: etc\n    hostPath:\n      path: /etc/kubernetes\n");
    x = fix_now(KAP_OK);
    t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_nonnull(strstr(t, "    - mountPath: /etc/kubernetes\n      name: etc\n"));
    ck_assert(!has_change(x, "stays: "));
    /* (it stays writable, the policy under it mounted read-only by itself) */
    ck_assert(has_change(x, "volumeMount 'etc' (/etc/kubernetes) stays writable: the policy"));
    ck_assert(!has_change(x, "removed"));
    kap_manifest_fix_free(x);
    drop();

    /* the volume in a flow list: not on lines of its own, it stays */
    node(OLD_LOG_HEAD OLD_LOG_MOUNTS
         "  volumes: [{name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}},\n"
         "    {name: old-log, hostPath: {path: /etc/kubernetes/manifests/audit}}]\n");
    x = fix_now(KAP_OK);
    t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_nonnull(strstr(t, "{name: old-log, hostPath: {path: /etc/kubernetes/manifests/audit}}"));
    ck_assert(has_change(x, "stays: it is not on lines of its own"));
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

START_TEST(refusals)
{
    node(BARE "        - --audit-policy-file=/etc/$(D)/audit-policy.yaml\n"
              "      env:\n        - {name: D, value: kubernetes}\n");
    /* a path with a $(NAME) reference kubelet expands (in the arguments,
     * not in mounts) from the container's env: the flag stays as written,
     * the mount is planned from the expansion (written with the reference
     * it would miss the file) */
    {
        kap_manifest_fix *y = fix_now(KAP_OK);
        const char *t = kap_manifest_fix_result(y, NULL);
        ck_assert_ptr_nonnull(strstr(t, "\n        - --audit-policy-file=/etc/$(D)/audit-policy.yaml\n"));
        ck_assert_ptr_nonnull(strstr(t, "\n        - mountPath: /etc/kubernetes/audit-policy.yaml\n"
                                        "          name: audit-policy\n          readOnly: true\n"));
        ck_assert_ptr_nonnull(strstr(t, "\n        path: /etc/kubernetes/audit-policy.yaml\n        type: File\n"));
        ck_assert(!has_change(y, "audit-policy-file"));
        ck_assert_ptr_null(strstr(strstr(t, "audit-policy.yaml\n") + 1, "$(D)"));
        kap_manifest_fix_free(y);
        /* $$ is a '$' and the log's directory is mounted as expanded */
        put(MANIFEST, BARE "        - --audit-log-path=/var/log/$(D)/$$audit.log\n"
                      "      env:\n        - {name: D, value: kubernetes}\n");
        y = fix_now(KAP_OK);
        t = kap_manifest_fix_result(y, NULL);
        ck_assert_ptr_nonnull(strstr(t, "\n        - --audit-log-path=/var/log/$(D)/$$audit.log\n"));
        ck_assert_ptr_nonnull(strstr(t, "\n        - mountPath: /var/log/kubernetes\n          name: audit-log\n"));
        ck_assert_ptr_nonnull(strstr(t, "\n        path: /var/log/kubernetes\n        type: DirectoryOrCreate\n"));
        kap_manifest_fix_free(y);
        /* a reference whose value is not known here (no such env entry,
         * valueFrom, an entry that uses one): refused, nothing written */
        static const char *const unknown[] = {
            "      env:\n        - {name: E, value: kubernetes}\n",
            "      env:\n        - name: D\n          valueFrom: {fieldRef: {fieldPath: metadata.namespace}}\n",
            ("      env:\n        - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}\n"
             "        - {name: D, value: $(NODE)}\n"),
        };
        for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
            char text[2048];
            snprintf(text, sizeof text, "%s%s%s", BARE, "        - --audit-log-path=/var/log/$(D)/audit.log\n",
                     unknown[i]);
            put(MANIFEST, text);
            y = fix_now(KAP_EARG);
            ck_assert_msg(strstr(kap_manifest_fix_error(y), "the log path /var/log/$(D)/audit.log holds a $(NAME) "
                                                            "reference whose value is not known here"),
                          "case %zu: %s", i, kap_manifest_fix_error(y));
            ck_assert_ptr_null(kap_manifest_fix_result(y, NULL));
            kap_manifest_fix_free(y);
        }
        /* one that expands to a relative path: refused as relative */
        put(MANIFEST, BARE "        - --audit-policy-file=$(D)/audit-policy.yaml\n"
                      "      env:\n        - {name: D, value: kubernetes}\n");
        y = fix_now(KAP_EARG);
        ck_assert_ptr_nonnull(strstr(kap_manifest_fix_error(y), "the policy file kubernetes/audit-policy.yaml is not an "
                                                                 "absolute path"));
        kap_manifest_fix_free(y);
    }
    drop();
    node("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - &c {name: a, command: [kube-apiserver]}\n"
         "  - *c\n");
    kap_manifest_fix *x = fix_now(KAP_EINVALID);
    ck_assert_ptr_nonnull(strstr(kap_manifest_fix_error(x), "alias"));
    ck_assert_ptr_null(kap_manifest_fix_result(x, NULL));
    ck_assert_int_eq(kap_manifest_fix_write(x, NULL), KAP_EARG);
    kap_manifest_fix_free(x);
    put(MANIFEST, "- a\n- b\n");
    x = fix_now(KAP_EINVALID);
    kap_manifest_fix_free(x);
    put(MANIFEST, "\x01\x02\xff binary");
    x = fix_now(KAP_EINVALID);
    kap_manifest_fix_free(x);
    /* the log file mounted by itself, in a way --fix does not undo: said
     * why (a subPath; a volume another mount uses; a flow-style list) */
    static const char *const file_mounts[][3] = {
        {"    volumeMounts:\n    - mountPath: /var/log/kubernetes/audit/audit.log\n      name: logs\n"
         "      subPath: audit.log\n",
         "  volumes:\n  - name: logs\n    hostPath:\n      path: /var/log/kubernetes/audit\n",
         "it has a subPath"},
        {"    volumeMounts:\n    - mountPath: /var/log/kubernetes/audit/audit.log\n      name: logs\n"
         "      subPathExpr: $(NODE)/audit.log\n",
         "  volumes:\n  - name: logs\n    hostPath:\n      path: /var/log/kubernetes/audit\n",
         "it has a subPathExpr"},
        {"    volumeMounts:\n    - mountPath: /var/log/kubernetes/audit/audit.log\n      name: logs\n"
         "    - mountPath: /srv/logs\n      name: logs\n",
         "  volumes:\n  - name: logs\n    hostPath:\n      path: /var/log/kubernetes/audit/audit.log\n",
         "another mount uses its volume"},
        /* an ephemeral container's mount counts too */
        {"    volumeMounts:\n    - mountPath: /var/log/kubernetes/audit/audit.log\n      name: logs\n",
         "  ephemeralContainers:\n  - name: debug\n    image: busybox\n    volumeMounts: [{name: logs, mountPath: /x}]\n"
         "  volumes:\n  - name: logs\n    hostPath:\n      path: /var/log/kubernetes/audit/audit.log\n",
         "another mount uses its volume"},
        {"    volumeMounts: [{mountPath: /var/log/kubernetes/audit/audit.log, name: logs}]\n",
         "  volumes: [{name: logs, hostPath: {path: /var/log/kubernetes/audit/audit.log}}]\n",
         "it is not on lines of its own"},
    };
    for (size_t i = 0; i < sizeof file_mounts / sizeof file_mounts[0]; i++) {
        char m[2048];
        snprintf(m, sizeof m,
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
                 "  - name: kube-apiserver\n    command:\n    - kube-apiserver\n"
                 "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n%s%s",
                 file_mounts[i][0], file_mounts[i][1]);
        put(MANIFEST, m);
        x = fix_now(KAP_EINVALID);
        ck_assert_msg(strstr(kap_manifest_fix_error(x), "is mounted by itself (volumeMount 'logs'), which "
                                                        "kube-apiserver cannot rotate") != NULL &&
                          strstr(kap_manifest_fix_error(x), file_mounts[i][2]) != NULL,
                      "%s", kap_manifest_fix_error(x));
        kap_manifest_fix_free(x);
    }
    /* a directory mounted with a subPathExpr (expanded on the node): not
     * changed */
    put(MANIFEST, "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
                  "  - name: kube-apiserver\n    command:\n    - kube-apiserver\n"
                  "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
                  "    volumeMounts:\n    - mountPath: /var/log/kubernetes/audit\n      name: logs\n"
                  "      subPathExpr: $(NODE)\n"
                  "  volumes:\n  - name: logs\n    hostPath:\n      path: /var/log/kubernetes\n");
    x = fix_now(KAP_EINVALID);
    ck_assert_msg(strstr(kap_manifest_fix_error(x), "volumeMount 'logs' mounts /var/log/kubernetes/audit with a "
                                                    "subPathExpr ($(NODE)), which kubelet expands on the node; "
                                                    "change it by hand") != NULL,
                  "%s", kap_manifest_fix_error(x));
    kap_manifest_fix_free(x);
    /* the file mount's host directory holds other files: not mounted
     * writable (it would give kube-apiserver the host's /var/log) */
    put("/var/log/kube-apiserver-audit.json", "");
    put("/var/log/syslog", "");
    put(MANIFEST, "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
                  "  - name: kube-apiserver\n    command:\n    - kube-apiserver\n"
                  "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
                  "    volumeMounts:\n    - mountPath: /var/log/kubernetes/audit/audit.log\n      name: logs\n"
                  "  volumes:\n  - name: logs\n    hostPath:\n      path: /var/log/kube-apiserver-audit.json\n");
    x = fix_now(KAP_EINVALID);
    ck_assert_msg(strstr(kap_manifest_fix_error(x), "its host directory /var/log holds other files (") != NULL,
                  "%s", kap_manifest_fix_error(x));
    kap_manifest_fix_free(x);
    /* a null list: said so, with its line */
    put(MANIFEST, "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
                  "  - name: a\n    command: [kube-apiserver]\n    volumeMounts: ~\n");
    x = fix_now(KAP_EINVALID);
    ck_assert_ptr_nonnull(strstr(kap_manifest_fix_error(x), "volumeMounts is null (line 8)"));
    kap_manifest_fix_free(x);
    put(MANIFEST, "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  volumes: null\n"
                  "  containers:\n  - name: a\n    command: [kube-apiserver]\n");
    x = fix_now(KAP_EINVALID);
    ck_assert_ptr_nonnull(strstr(kap_manifest_fix_error(x), "volumes is null (line 5)"));
    kap_manifest_fix_free(x);
    drop();
    kap_manifest_fix *y = NULL;
    ck_assert_int_eq(kap_manifest_fix_new(&y, "relative.yaml", NULL, NULL), KAP_EARG);
    ck_assert_int_eq(kap_manifest_fix_new(NULL, NULL, NULL, NULL), KAP_EARG);
}
END_TEST

/* ---- writing ---- */

static void write_fails_at(int step)
{
    node(BARE);
    char *before = slurp(MANIFEST);
    char *files = listing("/etc/kubernetes/manifests");
    kap_manifest_fix *x = fix_now(KAP_OK);
    kap_test_manifest_fail_step = step;
    int rc = kap_manifest_fix_write(x, NULL);
    kap_test_manifest_fail_step = 0;
    ck_assert_int_eq(rc, KAP_EIO);
    static const char *const why[] = {"", "writing the new manifest: No space left on device; " MANIFEST " left as it was",
                                      "writing the new manifest: Input/output error; " MANIFEST " left as it was",
                                      "replacing " MANIFEST ": Read-only file system; it is left as it was"};
    ck_assert_str_eq(kap_manifest_fix_error(x), why[step]);
    char *after = slurp(MANIFEST);
    ck_assert_str_eq(after, before);
    char *files2 = listing("/etc/kubernetes/manifests");
    ck_assert_str_eq(files2, files);
    /* no temporary file left in the backup directory either: only the backup */
    char *b = listing("/etc/kubernetes/manifest-backups");
    ck_assert_ptr_null(strstr(b, "kap-new"));
    ck_assert_ptr_nonnull(strstr(b, "kube-apiserver.yaml."));
    free(before), free(after), free(files), free(files2), free(b);
    kap_manifest_fix_free(x);
    drop();
}

START_TEST(write_error)
{
    write_fails_at(1);
}
END_TEST

START_TEST(fsync_error)
{
    write_fails_at(2);
}
END_TEST

START_TEST(rename_error)
{
    write_fails_at(3);
}
END_TEST

/* The descriptors this process has open. */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* not the listing's own */
}

/* The mode bits of the node path's directory. */
static unsigned dir_mode(const char *node_path)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s%s", root, node_path);
    ck_assert_msg(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "%s: not a directory", node_path);
    return (unsigned)(st.st_mode & 07777);
}

START_TEST(backup_directories_made)
{
    /* /var and below are missing under the root: each is made, from the
     * top, with mode 0700 (the backups hold the manifest, and its
     * secrets); one that cannot be made stops the write with the reason */
    node(BARE);
    mode_t old_mask = umask(022);
    int fds = open_fds();
    kap_manifest_fix *x = fix_now(KAP_OK);
    kap_test_manifest_fail_step = 4; /* mkdirat fails with EROFS */
    int rc = kap_manifest_fix_write(x, "/var/backups/kap/a");
    kap_test_manifest_fail_step = 0;
    ck_assert_int_eq(rc, KAP_EIO);
    ck_assert_str_eq(kap_manifest_fix_error(x),
                     "backup directory /var/backups/kap/a: Read-only file system; nothing written");
    char path[512];
    snprintf(path, sizeof path, "%s/var", root);
    ck_assert_int_ne(access(path, F_OK), 0);
    char *now = slurp(MANIFEST);
    ck_assert_str_eq(now, BARE);
    free(now);
    ck_assert_int_eq(kap_manifest_fix_write(x, "/var/backups/kap/a"), KAP_OK);
    static const char *const made[] = {"/var", "/var/backups", "/var/backups/kap", "/var/backups/kap/a"};
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
        ck_assert_msg(dir_mode(made[i]) == 0700, "%s: mode %o", made[i], dir_mode(made[i]));
    now = slurp(MANIFEST);
    ck_assert_str_eq(now, kap_manifest_fix_result(x, NULL));
    free(now);
    kap_manifest_fix_free(x);
    /* "" is the default directory, as NULL is; "/" is the root itself */
    static const char *const dirs[] = {"", "/"}, *const backups[] = {KAP_MANIFEST_DEFAULT_BACKUP_DIR "/", "/"};
    for (size_t i = 0; i < 2; i++) {
        x = fix_now(KAP_OK);
        ck_assert_int_eq(kap_manifest_fix_write(x, dirs[i]), KAP_OK);
        const char *b = kap_manifest_fix_backup(x);
        size_t n = strlen(backups[i]);
        ck_assert_msg(strncmp(b, backups[i], n) == 0 && strncmp(b + n, "kube-apiserver.yaml.", 20) == 0,
                      "backup directory '%s': the backup is %s", dirs[i], b);
        kap_manifest_fix_free(x);
    }
    /* run with fd 0 closed, the root's descriptor is 0: closed after */
    int saved = dup(0);
    close(0);
    x = fix_now(KAP_OK);
    ck_assert_int_eq(kap_manifest_fix_write(x, NULL), KAP_OK);
    ck_assert_int_lt(fcntl(0, F_GETFD), 0);
    kap_manifest_fix_free(x);
    if (saved >= 0) {
        dup2(saved, 0);
        close(saved);
    }
    umask(old_mask);
    /* no descriptor left open, by the failure or the writes */
    ck_assert_int_eq(open_fds(), fds);
    drop();
}
END_TEST

START_TEST(backup_directory_inside_refused_before_made)
{
    /* a backup directory in the manifests directory, or reached there
     * through a symlink, is refused before any of it is made */
    node(BARE);
    char path[512], target[512];
    snprintf(path, sizeof path, "%s/var", root);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/var/bk", root);
    ck_assert_int_eq(symlink("/etc/kubernetes/manifests", path), 0);
    char *before = listing("/etc/kubernetes/manifests");
    static const char *const inside[][2] = {
        {"/etc/kubernetes/manifests/bk/sub", "/etc/kubernetes/manifests/bk/sub"},
        {"/var/bk/old", "/etc/kubernetes/manifests/old"},
        {"/etc/kubernetes/manifests", "/etc/kubernetes/manifests"},
    };
    for (size_t i = 0; i < sizeof inside / sizeof inside[0]; i++) {
        kap_manifest_fix *x = fix_now(KAP_OK);
        ck_assert_int_eq(kap_manifest_fix_write(x, inside[i][0]), KAP_EARG);
        char want[512];
        snprintf(want, sizeof want,
                 "the backup directory %s is inside the manifests directory /etc/kubernetes/manifests, where "
                 "kubelet would run the backup as a pod; nothing written",
                 inside[i][1]);
        ck_assert_str_eq(kap_manifest_fix_error(x), want);
        kap_manifest_fix_free(x);
        char *now = listing("/etc/kubernetes/manifests");
        ck_assert_msg(strcmp(now, before) == 0, "%s: the manifests directory holds %s", inside[i][0], now);
        free(now);
    }
    free(before);
    drop();

    /* a symlinked manifest: the manifests directory is the link's, not
     * its target's; the target is written, the link stays */
    node(BARE);
    snprintf(path, sizeof path, "%s%s", root, MANIFEST);
    snprintf(target, sizeof target, "%s/etc/kubernetes/real-apiserver.yaml", root);
    ck_assert_int_eq(rename(path, target), 0);
    ck_assert_int_eq(symlink("../real-apiserver.yaml", path), 0);
    kap_manifest_fix *x = fix_now(KAP_OK);
    ck_assert_int_eq(kap_manifest_fix_write(x, NULL), KAP_OK);
    ck_assert_ptr_nonnull(strstr(kap_manifest_fix_backup(x), KAP_MANIFEST_DEFAULT_BACKUP_DIR "/real-apiserver.yaml."));
    struct stat st;
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    char *now = slurp("/etc/kubernetes/real-apiserver.yaml");
    ck_assert_str_eq(now, kap_manifest_fix_result(x, NULL));
    free(now);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

START_TEST(temporary_file_placed)
{
    /* the new text goes to a temporary file in the backup directory when
     * that is on the manifest's file system (as here), else (step 5
     * takes it to be on another) to a dot-file beside the manifest, which
     * kubelet ignores: never a file kubelet would run as a pod. So it
     * does when the rename from the backup directory fails with EXDEV
     * (step 6: another mount of the same file system, a bind mount) */
    char want[300];
    for (int mode = 0; mode < 3; mode++) {
        const int other_fs = mode != 0; /* the temporary file ends beside the manifest */
        node(BARE);
        kap_manifest_fix *x = fix_now(KAP_OK);
        /* one left by an earlier write of a process of this pid that died:
         * replaced (the new one is made with O_EXCL) */
        char stale[400];
        snprintf(stale, sizeof stale, "%s/%skube-apiserver.yaml.kap-new.%ld",
                 mode == 1 ? "/etc/kubernetes/manifests" : "/var/backups/kap", mode == 1 ? "." : "", (long)getpid());
        put(stale, "stale\n");
        memset(kap_test_manifest_tmp_name, 0, sizeof kap_test_manifest_tmp_name);
        kap_test_manifest_tmp_in_backup = -1;
        kap_test_manifest_fail_step = mode == 1 ? 5 : mode == 2 ? 6 : 0;
        int rc = kap_manifest_fix_write(x, "/var/backups/kap");
        kap_test_manifest_fail_step = 0;
        ck_assert_msg(rc == KAP_OK, "mode %d: %s", mode, kap_manifest_fix_error(x));
        snprintf(want, sizeof want, "%skube-apiserver.yaml.kap-new.%ld", other_fs ? "." : "", (long)getpid());
        ck_assert_str_eq(kap_test_manifest_tmp_name, want);
        ck_assert_int_eq(kap_test_manifest_tmp_in_backup, !other_fs);
        char *files = listing("/etc/kubernetes/manifests"), *now = slurp(MANIFEST);
        ck_assert_str_eq(files, "kube-apiserver.yaml\n");
        ck_assert_str_eq(now, kap_manifest_fix_result(x, NULL));
        free(files), free(now);
        files = listing("/var/backups/kap");
        ck_assert_ptr_null(strstr(files, "kap-new"));
        free(files);
        kap_manifest_fix_free(x);
        drop();
    }
}
END_TEST

START_TEST(write_refused_when_changed_or_rootless)
{
    /* the manifest changed since it was read, to the same length or to a
     * prefix of what was read: refused, nothing written */
    static const char *const changed[] = {"apiVersion: v2\n", "apiVersion: v"};
    for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++) {
        node(BARE);
        kap_manifest_fix *x = fix_now(KAP_OK);
        char text[sizeof BARE];
        snprintf(text, sizeof text, "%s", BARE);
        memcpy(text, changed[i], strlen(changed[i]) + (i ? 1 : 0));
        ck_assert_uint_eq(strlen(text), i ? strlen(changed[i]) : strlen(BARE));
        put(MANIFEST, text);
        ck_assert_int_eq(kap_manifest_fix_write(x, NULL), KAP_EIO);
        ck_assert_str_eq(kap_manifest_fix_error(x), MANIFEST ": changed since it was read; nothing written");
        char *now = slurp(MANIFEST);
        ck_assert_str_eq(now, text);
        free(now);
        kap_manifest_fix_free(x);
        drop();
    }
    /* the root gone since the manifest was read: refused, and no
     * descriptor closed that was not its own (fd 0 among them) */
    node(BARE);
    kap_manifest_fix *x = fix_now(KAP_OK);
    char gone[300];
    snprintf(gone, sizeof gone, "%s", root);
    drop();
    if (fcntl(0, F_GETFD) < 0) /* run with no stdin: give it one */
        ck_assert_int_eq(open("/dev/null", O_RDONLY), 0);
    int fds = open_fds();
    ck_assert_int_eq(kap_manifest_fix_write(x, NULL), KAP_EIO);
    char want[400];
    snprintf(want, sizeof want, "%s: cannot use as the root: No such file or directory", gone);
    ck_assert_str_eq(kap_manifest_fix_error(x), want);
    ck_assert_int_eq(open_fds(), fds);
    ck_assert_int_ge(fcntl(0, F_GETFD), 0);
    kap_manifest_fix_free(x);
}
END_TEST

START_TEST(write_then_restore)
{
    node(BARE);
    /* the new file and the backup keep the manifest's mode whatever the
     * umask, and its owner and group (where this process may give them) */
    char mp[1024];
    snprintf(mp, sizeof mp, "%s%s", root, MANIFEST);
    int owned = chown(mp, 1234, 5678) == 0;
    ck_assert_int_eq(chmod(mp, 0664), 0);
    mode_t old_mask = umask(077);
    kap_manifest_fix *x = fix_now(KAP_OK);
    ck_assert_int_eq(kap_manifest_fix_write(x, "/var/backups/kap"), KAP_OK);
    umask(old_mask);
    const char *backup = kap_manifest_fix_backup(x);
    struct stat st, bst;
    char bp[1024];
    snprintf(bp, sizeof bp, "%s%s", root, backup);
    ck_assert_int_eq(stat(mp, &st), 0);
    ck_assert_int_eq(stat(bp, &bst), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0664);
    ck_assert_uint_eq(bst.st_mode & 07777, 0664);
    if (owned) {
        ck_assert_msg(st.st_uid == 1234 && st.st_gid == 5678, "%u:%u", (unsigned)st.st_uid, (unsigned)st.st_gid);
        ck_assert_msg(bst.st_uid == 1234 && bst.st_gid == 5678, "%u:%u", (unsigned)bst.st_uid, (unsigned)bst.st_gid);
    }
    ck_assert_ptr_nonnull(strstr(backup, "/var/backups/kap/kube-apiserver.yaml."));
    char *now = slurp(MANIFEST), *saved = slurp(backup);
    ck_assert_str_eq(now, kap_manifest_fix_result(x, NULL));
    ck_assert_str_eq(saved, BARE);
    char *files = listing("/etc/kubernetes/manifests");
    ck_assert_str_eq(files, "kube-apiserver.yaml\n");
    free(files);
    /* idempotent */
    kap_manifest_fix *y = fix_now(KAP_OK);
    ck_assert(!kap_manifest_fix_changed(y));
    kap_manifest_fix_free(y);
    /* restore */
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    ck_assert_int_eq(kap_manifest_restore_new(&y, MANIFEST, backup, &o), KAP_OK);
    ck_assert_int_eq(kap_manifest_fix_write(y, "/var/backups/kap"), KAP_OK);
    char *back = slurp(MANIFEST);
    ck_assert_str_eq(back, BARE);
    kap_manifest_fix_free(y);
    /* the file changed since it was read: refused */
    kap_manifest_fix *z = fix_now(KAP_OK);
    put(MANIFEST, BARE "        - --v=2\n");
    ck_assert_int_eq(kap_manifest_fix_write(z, NULL), KAP_EIO);
    ck_assert_ptr_nonnull(strstr(kap_manifest_fix_error(z), "changed since it was read"));
    kap_manifest_fix_free(z);
    free(now), free(saved), free(back);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST


/* ---- every allocation failing in turn ---- */

static char *render_report(const kap_manifest_report *r)
{
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    s[0] = 0;
    for (size_t i = 0; i < kap_manifest_report_count(r); i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        size_t n = (size_t)snprintf(NULL, 0, "%s %s %s | %s\n", kap_manifest_status_name(c->status), c->id,
                                    c->message, c->fix);
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            s = realloc(s, cap);
            ck_assert_ptr_nonnull(s);
        }
        len += (size_t)snprintf(s + len, cap - len, "%s %s %s | %s\n", kap_manifest_status_name(c->status), c->id,
                                c->message, c->fix);
    }
    return s;
}

/* The check of the node at dir with each allocation failing in turn:
 * KAP_ENOMEM and no report, or the report it gives with none failing. */
static void each_allocation_fails(const char *dir, const char *name)
{
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = dir;
    kap_manifest_report *r = NULL;
    kap_test_alloc_countdown = 0;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_OK);
    char *expected = render_report(r);
    kap_manifest_report_free(r);
    long failures = 0;
    for (long n = 1;; n++) {
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        r = NULL;
        int rc = kap_manifest_check_file(&r, NULL, &o);
        kap_test_alloc_countdown = 0;
        if (!kap_test_alloc_failed) {
            ck_assert_int_eq(rc, KAP_OK);
            kap_manifest_report_free(r);
            break;
        }
        failures++;
        if (rc == KAP_ENOMEM) {
            ck_assert_ptr_null(r);
            continue;
        }
        ck_assert_msg(rc == KAP_OK && r, "%s: allocation %ld failed: status %d", name, n, rc);
        char *got = render_report(r);
        /* the first line that differs */
        size_t k = 0, line = 0;
        while (got[k] && got[k] == expected[k])
            if (got[k++] == '\n')
                line = k;
        ck_assert_msg(strcmp(got, expected) == 0, "%s: allocation %ld failed: another answer:\n%.300s\ninstead of\n%.300s",
                      name, n, got + line, expected + line);
        free(got);
        kap_manifest_report_free(r);
    }
    ck_assert_int_gt(failures, 20);
    free(expected);
}

START_TEST(check_under_allocation_failure)
{
    static const char *const dirs[] = {"kubeadm-after", "policy-invalid", "flags-bad",
                                       "stray-backup",  "webhook-ok",     "kubelet-dropins"};
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s/root", fixtures, dirs[_i]);
    each_allocation_fails(dir, dirs[_i]);
}
END_TEST

/* A string longer than the arena's block (64 KiB) takes an allocation of
 * its own when it is copied out of the manifest: a mountPath of the log
 * directory padded with "/." to 80 KB (clean_path drops the padding),
 * whose copy failing must not drop the mount (jstr_in sets oom: no "not
 * mounted" FAIL in place of KAP_ENOMEM). */
START_TEST(long_strings_under_allocation_failure)
{
    size_t pad = 40000;
    char *m = malloc(4096 + 2 * pad);
    int n = snprintf(m, 4096,
                     "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n"
                     "  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
                     "    command:\n    - kube-apiserver\n"
                     "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                     "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
                     "    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n"
                     "    volumeMounts:\n"
                     "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
                     "    - {name: audit-log, mountPath: /var/log/kubernetes/audit");
    for (size_t i = 0; i < pad; i++) {
        m[n++] = '/';
        m[n++] = '.';
    }
    snprintf(m + n, 4096 + 2 * pad - (size_t)n, "}\n  volumes:\n  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n"
                          "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n");
    node(m);
    free(m);
    put("/var/log/kubernetes/audit/.keep", "");
    put("/var/lib/kubelet/config.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
                                        "staticPodPath: /etc/kubernetes/manifests/\n");
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    kap_manifest_report *r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_OK);
    ck_assert_int_eq(kap_manifest_report_worst(r), KAP_MANIFEST_PASS);
    kap_manifest_report_free(r);
    each_allocation_fails(root, "long mountPath");
    drop();
}
END_TEST

/* A fix's changes, one per line (free()). */
static char *changes_of(const kap_manifest_fix *x)
{
    size_t cap = 1, n = kap_manifest_fix_count(x);
    for (size_t i = 0; i < n; i++)
        cap += strlen(kap_manifest_fix_change(x, i)) + 1;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    s[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(s, kap_manifest_fix_change(x, i));
        strcat(s, "\n");
    }
    return s;
}

/* The refusal of a fix as the result is checked: reason, or NULL. */
static const char *refusal_now(kap_manifest_fix *x)
{
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    const char *why = "(unset)";
    ck_assert_int_eq(kap_manifest_fix_refusal(x, &o, &why), KAP_OK);
    return why;
}

/* kap_manifest_fix_refusal: what kap check-manifest --fix refuses to
 * write, in the library (Python's ManifestFix.write asks it too). */
START_TEST(refusal_before_writing)
{
    /* the policy on the host: written */
    node(BARE);
    kap_manifest_fix *x = fix_now(KAP_OK);
    ck_assert_ptr_null(refusal_now(x));
    /* no policy on the host: the policy-file check's FAIL */
    char cmd[1000];
    snprintf(cmd, sizeof cmd, "rm '%s/etc/kubernetes/audit-policy.yaml'", root);
    ck_assert_int_eq(system(cmd), 0);
    const char *why = refusal_now(x);
    ck_assert_msg(why && strstr(why, "/etc/kubernetes/audit-policy.yaml"), "%s", why ? why : "(null)");
    /* asked again: the same answer, the old one freed */
    char *first = strdup(why);
    ck_assert_str_eq(refusal_now(x), first);
    free(first);
    /* a policy that does not load: policy-loads */
    put("/etc/kubernetes/audit-policy.yaml", "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n");
    why = refusal_now(x);
    ck_assert_msg(why && strstr(why, "does not load"), "%s", why ? why : "(null)");
    put("/etc/kubernetes/audit-policy.yaml", POLICY);
    ck_assert_ptr_null(refusal_now(x));
    /* worse than before: the log directory's parent a file on the host */
    snprintf(cmd, sizeof cmd, "rm -rf '%s/var/log' && mkdir -p '%s/var' && echo x > '%s/var/log'", root, root, root);
    ck_assert_int_eq(system(cmd), 0);
    why = refusal_now(x);
    ck_assert_msg(why && strncmp(why, "the fixed manifest fails log-dir, which the manifest as it is does not: ", 72) == 0 &&
                      strstr(why, "Not a directory"),
                  "%s", why ? why : "(null)");
    ck_assert_int_eq(kap_manifest_fix_refusal(x, NULL, NULL), KAP_EARG);
    ck_assert_int_eq(kap_manifest_fix_refusal(NULL, NULL, &why), KAP_EARG);
    /* nothing to change: nothing refused, whatever the checks say */
    put(MANIFEST, kap_manifest_fix_result(x, NULL));
    kap_manifest_fix_free(x);
    x = fix_now(KAP_OK);
    ck_assert(!kap_manifest_fix_changed(x));
    ck_assert_ptr_null(refusal_now(x));
    kap_manifest_fix_free(x);
    /* a restore is never refused: the backup is put back as it was */
    put("/var/backups/b.yaml", BARE);
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    ck_assert_int_eq(kap_manifest_restore_new(&x, MANIFEST, "/var/backups/b.yaml", &o), KAP_OK);
    ck_assert(kap_manifest_fix_changed(x));
    ck_assert_ptr_null(refusal_now(x));
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* The message of the FAIL check id when text is checked as the manifest
 * (free()), or NULL. */
static char *fail_message(const char *text, const char *id)
{
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    kap_manifest_report *r = NULL;
    ck_assert_int_eq(kap_manifest_check_buffer(&r, MANIFEST, text, strlen(text), &o), KAP_OK);
    char *m = NULL;
    for (size_t i = 0; i < kap_manifest_report_count(r) && !m; i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        if (c->status == KAP_MANIFEST_FAIL && strcmp(c->id, id) == 0)
            m = strdup(c->message);
    }
    kap_manifest_report_free(r);
    return m;
}

/* The reasons, word for word: the failing check's own message where it is
 * one --fix is about (not "the fixed manifest fails ...", though it fails
 * there anew too); a check failing before and after is no reason; a
 * result over the size limit is refused with the limit's error. */
START_TEST(refusal_reasons)
{
    node(BARE);
    char cmd[1000];
    snprintf(cmd, sizeof cmd, "rm '%s/etc/kubernetes/audit-policy.yaml'", root);
    ck_assert_int_eq(system(cmd), 0);
    kap_manifest_fix *x = fix_now(KAP_OK);
    char *want = fail_message(kap_manifest_fix_result(x, NULL), "policy-file");
    ck_assert_ptr_nonnull(want);
    ck_assert_str_eq(refusal_now(x), want);
    free(want);
    put("/etc/kubernetes/audit-policy.yaml", "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n");
    want = fail_message(kap_manifest_fix_result(x, NULL), "policy-loads");
    ck_assert_ptr_nonnull(want);
    ck_assert_str_eq(refusal_now(x), want);
    free(want);
    put("/etc/kubernetes/audit-policy.yaml", POLICY);
    /* over the size limit once fixed */
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    o.max_file_size = strlen(BARE) + 10;
    const char *why = NULL;
    ck_assert_int_eq(kap_manifest_fix_refusal(x, &o, &why), KAP_OK);
    ck_assert_msg(why && strstr(why, "max_file_size"), "%s", why ? why : "(null)");
    /* options of no version: the caller's error, no reason */
    o.version = 0;
    why = "(unset)";
    ck_assert_int_eq(kap_manifest_fix_refusal(x, &o, &why), KAP_EARG);
    ck_assert_ptr_null(why);
    kap_manifest_fix_free(x);
    drop();

    /* a field kubelet cannot decode, kept by the fix: manifest-fields's
     * message, though it failed before too */
    node(BARE "      env:\n      - name: N\n        value: \"1\"\n");
    x = fix_now(KAP_OK);
    want = fail_message(kap_manifest_fix_result(x, NULL), "manifest-fields");
    ck_assert_ptr_nonnull(want);
    ck_assert_str_eq(refusal_now(x), want);
    free(want);
    kap_manifest_fix_free(x);
    drop();

    /* the log directory unusable before and after (its parent a file on
     * the host): no reason to refuse what else the fix does */
    node(BARE "        - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
              "      volumeMounts:\n      - mountPath: /var/log/kubernetes/audit\n        name: audit-log\n"
              "  volumes:\n  - name: audit-log\n    hostPath:\n      path: /var/log/kubernetes/audit\n"
              "      type: DirectoryOrCreate\n");
    snprintf(cmd, sizeof cmd, "rm -rf '%s/var/log' && mkdir -p '%s/var' && echo x > '%s/var/log'", root, root, root);
    ck_assert_int_eq(system(cmd), 0);
    x = fix_now(KAP_OK);
    want = fail_message(kap_manifest_fix_original(x, NULL), "log-dir");
    ck_assert_ptr_nonnull(want); /* it fails before */
    free(want);
    want = fail_message(kap_manifest_fix_result(x, NULL), "log-dir");
    ck_assert_ptr_nonnull(want); /* and after */
    free(want);
    ck_assert_ptr_null(refusal_now(x));
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* The same under allocation failure: KAP_ENOMEM, or the same reason. */
START_TEST(refusal_under_allocation_failure_each)
{
    node(BARE);
    char cmd[1000];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/var/log' && mkdir -p '%s/var' && echo x > '%s/var/log'", root, root, root);
    ck_assert_int_eq(system(cmd), 0);
    kap_manifest_fix *x = fix_now(KAP_OK);
    char *expected = strdup(refusal_now(x));
    long failures = 0;
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    for (long n = 1;; n++) {
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        const char *why = NULL;
        int rc = kap_manifest_fix_refusal(x, &o, &why);
        kap_test_alloc_countdown = 0;
        if (!kap_test_alloc_failed) {
            ck_assert_int_eq(rc, KAP_OK);
            ck_assert_str_eq(why, expected);
            break;
        }
        failures++;
        if (rc == KAP_ENOMEM)
            continue;
        ck_assert_msg(rc == KAP_OK && why && strcmp(why, expected) == 0, "allocation %ld failed: status %d, %s", n, rc,
                      why ? why : "(null)");
    }
    ck_assert_int_gt(failures, 20);
    free(expected);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* kap_manifest_fix_new on MANIFEST with each allocation failing in turn:
 * each gives KAP_ENOMEM and no fix, or what it gives with no failure:
 * status want, with expected as its result (KAP_OK) or its error, and
 * the same changes (a change whose copy failed is not dropped). */
static void fix_each_allocation_fails(int want, const char *expected)
{
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    kap_manifest_fix *first = NULL;
    ck_assert_int_eq(kap_manifest_fix_new(&first, MANIFEST, &o, NULL), want);
    char *changes = changes_of(first);
    kap_manifest_fix_free(first);
    long failures = 0;
    for (long n = 1;; n++) {
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        kap_manifest_fix *x = NULL;
        int rc = kap_manifest_fix_new(&x, MANIFEST, &o, NULL);
        kap_test_alloc_countdown = 0;
        if (!kap_test_alloc_failed) {
            ck_assert_int_eq(rc, want);
            kap_manifest_fix_free(x);
            break;
        }
        failures++;
        if (rc == KAP_ENOMEM) {
            ck_assert_ptr_null(x);
            continue;
        }
        ck_assert_msg(rc == want && x, "allocation %ld failed: status %d (%s)", n, rc, x ? kap_manifest_fix_error(x) : "");
        ck_assert_str_eq(want == KAP_OK ? kap_manifest_fix_result(x, NULL) : kap_manifest_fix_error(x), expected);
        char *got = changes_of(x);
        ck_assert_msg(strcmp(got, changes) == 0, "allocation %ld failed: changes\n%s\ninstead of\n%s", n, got, changes);
        free(got);
        kap_manifest_fix_free(x);
    }
    ck_assert_int_gt(failures, 20);
    free(changes);
}

START_TEST(fix_under_allocation_failure)
{
    node(BARE);
    kap_manifest_fix *x = fix_now(KAP_OK);
    char *expected = strdup(kap_manifest_fix_result(x, NULL));
    kap_manifest_fix_free(x);
    fix_each_allocation_fails(KAP_OK, expected);
    free(expected);
    drop();
}
END_TEST

/* A refusal under allocation failure: the log file mounted by itself from
 * a directory that holds another file. Each allocation failing gives
 * KAP_ENOMEM or the same refusal, never a refusal that says "out of
 * memory" (drop_file_log_mount passes not_the_logs_own's oom on). */
START_TEST(refusal_under_allocation_failure)
{
    node("apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
         "  - name: kube-apiserver\n    command:\n    - kube-apiserver\n"
         "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
         "    volumeMounts:\n    - mountPath: /var/log/kubernetes/audit/audit.log\n      name: logs\n"
         "  volumes:\n  - name: logs\n    hostPath:\n      path: /var/log/kubernetes/audit/audit.log\n");
    put("/var/log/kubernetes/audit/audit.log", "");
    put("/var/log/kubernetes/audit/notes.txt", "");
    kap_manifest_fix *x = fix_now(KAP_EINVALID);
    char *expected = strdup(kap_manifest_fix_error(x));
    kap_manifest_fix_free(x);
    ck_assert_msg(strstr(expected, "its host directory /var/log/kubernetes/audit holds other files (notes.txt)"),
                  "%s", expected);
    fix_each_allocation_fails(KAP_EINVALID, expected);
    free(expected);
    drop();
}
END_TEST

/* kap_manifest_fix_write with each allocation failing in turn, where it
 * has three levels of the backup directory to make: KAP_ENOMEM and an
 * error that names the step (not another errno's text: 6 said "No such
 * file or directory"), the manifest left as it was and no file of ours
 * beside it; or, where the allocation is one it does without, written.
 * With none failing, it is written. */
START_TEST(write_under_allocation_failure)
{
    node(BARE);
    kap_manifest_fix *x = fix_now(KAP_OK);
    char *expected = strdup(kap_manifest_fix_result(x, NULL));
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/var/backups'", root);
    long failures = 0;
    for (long n = 1;; n++) {
        ck_assert_int_eq(system(cmd), 0);
        kap_test_alloc_failed = 0;
        kap_test_alloc_countdown = n;
        int rc = kap_manifest_fix_write(x, "/var/backups/kap/a/b");
        kap_test_alloc_countdown = 0;
        char *now = slurp(MANIFEST), *files = listing("/etc/kubernetes/manifests");
        ck_assert_str_eq(files, "kube-apiserver.yaml\n");
        free(files);
        if (!kap_test_alloc_failed) {
            ck_assert_int_eq(rc, KAP_OK);
            ck_assert_str_eq(now, expected);
            free(now);
            break;
        }
        failures++;
        if (rc == KAP_OK) { /* an allocation it does without (the root's name for messages) */
            ck_assert_str_eq(now, expected);
            put(MANIFEST, BARE);
            free(now);
            continue;
        }
        ck_assert_msg(rc == KAP_ENOMEM, "allocation %ld failed: status %d (%s)", n, rc, kap_manifest_fix_error(x));
        ck_assert_ptr_nonnull(strstr(kap_manifest_fix_error(x), "Cannot allocate memory; nothing written"));
        ck_assert_str_eq(now, BARE);
        free(now);
    }
    ck_assert_int_ge(failures, 8);
    free(expected);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1)
        fixtures = argv[1];
    Suite *s = suite_create("manifest_fix");
    TCase *tc = tcase_create("fix");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, block_style_indented_sequences);
    tcase_add_test(tc, flow_style_and_no_final_newline);
    tcase_add_test(tc, json_manifest);
    tcase_add_test(tc, crlf_and_corrections);
    tcase_add_test(tc, duplicates_removed);
    tcase_add_test(tc, shared_mount_bools_numbers_versions);
    tcase_add_test(tc, read_only_parent_stays);
    tcase_add_test(tc, writable_parent_stays);
    tcase_add_test(tc, file_mount_under_a_parent_mount);
    tcase_add_test(tc, pod_named);
    tcase_add_test(tc, go_runner_flags);
    tcase_add_test(tc, log_to_stdout);
    tcase_add_test(tc, log_path_naming_a_directory);
    tcase_add_test(tc, bare_last_flag_given_its_value);
    tcase_add_test(tc, value_quoted_where_plain_is_a_number);
    tcase_add_test(tc, shared_mount_not_hostpath);
    tcase_add_test(tc, log_on_an_emptydir_stays);
    tcase_add_test(tc, old_log_mount_removed);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, write_error);
    tcase_add_test(tc, fsync_error);
    tcase_add_test(tc, rename_error);
    tcase_add_test(tc, backup_directories_made);
    tcase_add_test(tc, backup_directory_inside_refused_before_made);
    tcase_add_test(tc, write_refused_when_changed_or_rootless);
    tcase_add_test(tc, temporary_file_placed);
    tcase_add_test(tc, write_then_restore);
    tcase_add_loop_test(tc, check_under_allocation_failure, 0, 6);
    tcase_add_test(tc, fix_under_allocation_failure);
    tcase_add_test(tc, refusal_before_writing);
    tcase_add_test(tc, refusal_reasons);
    tcase_add_test(tc, refusal_under_allocation_failure_each);
    tcase_add_test(tc, long_strings_under_allocation_failure);
    tcase_add_test(tc, refusal_under_allocation_failure);
    tcase_add_test(tc, write_under_allocation_failure);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
