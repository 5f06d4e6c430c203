/* kap_manifest_fix_* (src/manifest_fix.c) on what test_manifest_fix.c
 * leaves out: every refusal docs/check-manifest.md lists ("It refuses,
 * writing nothing..."), paths that YAML cannot hold as plain scalars,
 * the --log-* values given, bad enum values, existing mounts that need
 * readOnly or a type changed, tagged sequences, a byte-order mark,
 * restore, and bad arguments. Expected texts are written by hand from the
 * YAML 1.1 plain-scalar rules and the docs' "--fix" section. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kap.h"

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

static void node(const char *manifest)
{
    snprintf(root, sizeof root, "/tmp/kap-covfix-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
    put(MANIFEST, manifest);
}

static void drop(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    ck_assert_int_eq(system(cmd), 0);
}

static kap_manifest_fix *fix_with(const kap_manifest_fix_options *fo, int want)
{
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    kap_manifest_fix *x = NULL;
    int rc = kap_manifest_fix_new(&x, MANIFEST, &o, fo);
    ck_assert_msg(rc == want, "status %d, wanted %d (%s)", rc, want,
                  x && kap_manifest_fix_error(x) ? kap_manifest_fix_error(x) : "");
    ck_assert_ptr_nonnull(x);
    return x;
}

static const char *result(const kap_manifest_fix *x)
{
    const char *t = kap_manifest_fix_result(x, NULL);
    ck_assert_ptr_nonnull(t);
    return t;
}

static void has(const char *text, const char *part)
{
    ck_assert_msg(strstr(text, part) != NULL, "'%s' not in:\n%s", part, text);
}

static void refused(const char *manifest, const char *why)
{
    node(manifest);
    kap_manifest_fix *x = fix_with(NULL, KAP_EINVALID);
    ck_assert_msg(strstr(kap_manifest_fix_error(x), why), "'%s' not in '%s'", why, kap_manifest_fix_error(x));
    ck_assert_ptr_null(kap_manifest_fix_result(x, NULL));
    ck_assert_int_eq(kap_manifest_fix_changed(x), 0);
    kap_manifest_fix_free(x);
    drop();
}

#define HEAD "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
#define CTR "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n"

START_TEST(refusals)
{
    refused("just a sentence\n", "not a manifest kubelet can read");
    refused("apiVersion: apps/v1\nkind: Deployment\nspec: {}\n", "not a v1 Pod");
    refused("apiVersion: v1\nkind: Pod\n", "no list of containers");
    refused("apiVersion: v1\nkind: Pod\nspec: {containers: {a: b}}\n", "no list of containers");
    refused("apiVersion: v1\nkind: Pod\nspec: {}\n", "no list of containers");
    refused(HEAD "  - {name: a, command: [kube-apiserver]}\n  - {name: b, command: [/bin/kube-apiserver]}\n",
            "2 containers run kube-apiserver");
    refused(HEAD "  - {name: a, command: [etcd]}\n  - {name: b, image: etcd:3.5}\n  - {name: c, command: []}\n",
            "no container runs kube-apiserver");
    refused(HEAD CTR "    command: kube-apiserver\n", "command or args is not a list");
    refused(HEAD CTR "    args: {a: b}\n", "command or args is not a list");
    refused(HEAD CTR, "neither command nor args");
    /* keys without ':' whose empty values libyaml places at the next token */
    refused(HEAD CTR "    command: [kube-apiserver]\n    livenessProbe:\n      ? failureThreshold\n    name: x\n",
            "line 9: a mapping key without ':' and value");
    refused(HEAD CTR "    command: [kube-apiserver]\n    resources: {limits}\n", "line 8: a mapping key without ':'");
    /* line breaks the edits do not follow (YAML 1.1 reads each as one) */
    refused(HEAD CTR "    command:\r    - kube-apiserver\n", "line 7: a carriage return not followed by a line feed");
    refused(HEAD CTR "    command: [kube-apiserver]\r", "line 7: a carriage return");
    refused(HEAD CTR "    command:\xC2\x85    - kube-apiserver\n", "line 7: U+0085 (next line)");
    refused(HEAD CTR "    command:\n    - kube-apiserver\xE2\x80\xA8", "line 8: U+2028 (line separator)");
    refused(HEAD CTR "    command:\n    - kube-apiserver\xE2\x80\xA9\n", "line 8: U+2029 (paragraph separator)");
    /* found by its image, with an empty command and no args: nowhere to add flags */
    refused(HEAD CTR "    command: []\n", "no list of arguments to add --audit-policy-file to");
    refused(HEAD CTR "    command: [kube-apiserver]\n    volumeMounts: {a: b}\n", "volumeMounts or volumes is not a list");
    refused(HEAD CTR "    command: [kube-apiserver]\n  volumes: x\n", "volumeMounts or volumes is not a list");
    /* the policy's path mounted from a volume that is not a hostPath */
    refused(HEAD CTR "    command: [kube-apiserver, --audit-policy-file=/etc/kubernetes/audit-policy.yaml]\n"
                     "    volumeMounts:\n    - {name: p, mountPath: /etc/kubernetes/audit-policy.yaml}\n"
                     "  volumes:\n  - {name: p, emptyDir: {}}\n",
            "from a volume that is not a hostPath; change it by hand");
    /* ... from a volume the Pod does not have */
    refused(HEAD CTR "    command: [kube-apiserver, --audit-policy-file=/etc/kubernetes/audit-policy.yaml]\n"
                     "    volumeMounts:\n    - {name: gone, mountPath: /etc/kubernetes/audit-policy.yaml}\n",
            "from a volume the Pod does not have; change it by hand");
    /* ... from a hostPath with a subPath that climbs out */
    refused(HEAD CTR "    command: [kube-apiserver, --audit-policy-file=/etc/kubernetes/audit-policy.yaml]\n"
                     "    volumeMounts:\n    - {name: p, mountPath: /etc/kubernetes/audit-policy.yaml, subPath: ../x}\n"
                     "  volumes:\n  - {name: p, hostPath: {path: /etc/kubernetes}}\n",
            "with a subPath holding '..' (../x); change it by hand");
    /* the policy and the log the same path */
    refused(HEAD CTR "    command: [kube-apiserver, --audit-policy-file=/var/log/a.log, --audit-log-path=/var/log/a.log]\n",
            "would sit where the log is written");
    /* the policy inside the log's directory */
    refused(HEAD CTR "    command: [kube-apiserver, --audit-policy-file=/var/log/k/p.yaml, --audit-log-path=/var/log/k/a.log]\n",
            "would sit where the log is written");
}
END_TEST

START_TEST(bad_arguments)
{
    node(HEAD CTR "    command: [kube-apiserver]\n");
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    kap_manifest_fix_options fo;
    kap_manifest_fix_options_init(&fo);
    kap_manifest_fix *x = NULL;
    /* options never initialised */
    fo.version = 0;
    ck_assert_int_eq(kap_manifest_fix_new(&x, MANIFEST, &o, &fo), KAP_EARG);
    ck_assert_ptr_null(x);
    kap_manifest_fix_options_init(&fo);
    o.version = 0;
    ck_assert_int_eq(kap_manifest_fix_new(&x, MANIFEST, &o, &fo), KAP_EARG);
    ck_assert_ptr_null(x);
    ck_assert_int_eq(kap_manifest_restore_new(&x, MANIFEST, "/b", &o), KAP_EARG);
    kap_manifest_options_init(&o);
    o.root = root;
    /* relative policy or log paths */
    fo.policy_file = "audit-policy.yaml";
    x = fix_with(&fo, KAP_EARG);
    ck_assert_ptr_nonnull(strstr(kap_manifest_fix_error(x), "the policy file audit-policy.yaml is not an absolute path "
                                                            "as written: --fix edits the arguments as they are written"));
    kap_manifest_fix_free(x);
    fo.policy_file = NULL;
    fo.log_path = "audit.log";
    x = fix_with(&fo, KAP_EARG);
    ck_assert_ptr_nonnull(strstr(kap_manifest_fix_error(x), "the log path audit.log is not an absolute path"));
    kap_manifest_fix_free(x);
    /* a root that cannot be opened */
    o.root = "/nonexistent/kap-root";
    x = NULL;
    ck_assert_int_eq(kap_manifest_fix_new(&x, MANIFEST, &o, NULL), KAP_EIO);
    ck_assert_ptr_nonnull(strstr(kap_manifest_fix_error(x), "cannot use as the root"));
    kap_manifest_fix_free(x);
    /* the manifest a directory; larger than the limit */
    o.root = root;
    x = NULL;
    ck_assert_int_eq(kap_manifest_fix_new(&x, "/etc/kubernetes/manifests", &o, NULL), KAP_EIO);
    ck_assert_ptr_nonnull(strstr(kap_manifest_fix_error(x), "is a directory"));
    kap_manifest_fix_free(x);
    o.max_file_size = 10;
    x = NULL;
    ck_assert_int_eq(kap_manifest_fix_new(&x, MANIFEST, &o, NULL), KAP_ELIMIT);
    ck_assert_ptr_nonnull(strstr(kap_manifest_fix_error(x), "cannot read: larger than 10 bytes (max_file_size, kap check-manifest --max-file-size)"));
    kap_manifest_fix_free(x);
    o.max_file_size = 0;
    x = NULL;
    ck_assert_int_eq(kap_manifest_fix_new(&x, "/etc/kubernetes/missing.yaml", &o, NULL), KAP_EIO);
    kap_manifest_fix_free(x);
    /* restore with no backup named */
    ck_assert_int_eq(kap_manifest_restore_new(&x, MANIFEST, NULL, &o), KAP_EARG);
    /* accessors on nothing */
    size_t len = 99;
    ck_assert_ptr_null(kap_manifest_fix_error(NULL));
    ck_assert_ptr_null(kap_manifest_fix_original(NULL, &len));
    ck_assert_uint_eq(len, 0);
    len = 99;
    ck_assert_ptr_null(kap_manifest_fix_result(NULL, &len));
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(kap_manifest_fix_changed(NULL), 0);
    ck_assert_uint_eq(kap_manifest_fix_count(NULL), 0);
    ck_assert_ptr_null(kap_manifest_fix_change(NULL, 0));
    ck_assert_ptr_null(kap_manifest_fix_backup(NULL));
    ck_assert_int_eq(kap_manifest_fix_write(NULL, NULL), KAP_EARG);
    kap_manifest_fix_free(NULL);
    kap_manifest_fix_options_init(NULL);
    drop();
}
END_TEST

/* ---- paths YAML cannot hold as plain scalars ---- */

static void quoted_policy(const char *path, const char *flag_text, const char *mount_text)
{
    node(HEAD CTR "    command:\n    - kube-apiserver\n");
    kap_manifest_fix_options fo;
    kap_manifest_fix_options_init(&fo);
    fo.policy_file = path;
    kap_manifest_fix *x = fix_with(&fo, KAP_OK);
    const char *t = result(x);
    has(t, flag_text);
    has(t, mount_text);
    /* and it reads back as the same path */
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    kap_manifest_report *r = NULL;
    ck_assert_int_eq(kap_manifest_check_buffer(&r, MANIFEST, t, strlen(t), &o), KAP_OK);
    int found = 0;
    for (size_t i = 0; i < kap_manifest_report_count(r); i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        if (strcmp(c->id, "policy-flag") == 0) {
            char want[600];
            snprintf(want, sizeof want, "--audit-policy-file=%s", path);
            ck_assert_str_eq(c->message, want);
            found = 1;
        }
    }
    ck_assert(found);
    kap_manifest_report_free(r);
    kap_manifest_fix_free(x);
    drop();
}

START_TEST(paths_that_need_quotes)
{
    /* ": " would start a mapping value */
    quoted_policy("/etc/k/a: b.yaml", "    - \"--audit-policy-file=/etc/k/a: b.yaml\"\n",
                  "mountPath: \"/etc/k/a: b.yaml\"");
    /* " #" would start a comment */
    quoted_policy("/etc/k/a #b.yaml", "    - \"--audit-policy-file=/etc/k/a #b.yaml\"\n",
                  "mountPath: \"/etc/k/a #b.yaml\"");
    /* a final ':' or ' ' */
    quoted_policy("/etc/k/p:", "    - \"--audit-policy-file=/etc/k/p:\"\n", "mountPath: \"/etc/k/p:\"");
    quoted_policy("/etc/k/p ", "    - \"--audit-policy-file=/etc/k/p \"\n", "mountPath: \"/etc/k/p \"");
    /* flow indicators, quotes and backslashes, control characters */
    quoted_policy("/etc/k/[p].yaml", "    - \"--audit-policy-file=/etc/k/[p].yaml\"\n",
                  "mountPath: \"/etc/k/[p].yaml\"");
    quoted_policy("/etc/k/a,b", "    - \"--audit-policy-file=/etc/k/a,b\"\n", "mountPath: \"/etc/k/a,b\"");
    quoted_policy("/etc/k/\"p\"", "    - \"--audit-policy-file=/etc/k/\\\"p\\\"\"\n",
                  "mountPath: \"/etc/k/\\\"p\\\"\"");
    quoted_policy("/etc/k/a\\b", "    - \"--audit-policy-file=/etc/k/a\\\\b\"\n", "mountPath: \"/etc/k/a\\\\b\"");
    quoted_policy("/etc/k/a\tb", "    - \"--audit-policy-file=/etc/k/a\\u0009b\"\n",
                  "mountPath: \"/etc/k/a\\u0009b\"");
    /* ':' and '#' elsewhere need nothing */
    quoted_policy("/etc/k/a:b#c.yaml", "    - --audit-policy-file=/etc/k/a:b#c.yaml\n",
                  "mountPath: /etc/k/a:b#c.yaml");
}
END_TEST

/* ---- values ---- */

START_TEST(values_given_and_corrected)
{
    node(HEAD CTR "    command:\n    - kube-apiserver\n"
                  "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                  "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
                  "    - --audit-log-maxage=abc\n"
                  "    - --audit-log-maxbackup=\n"
                  "    - --audit-log-maxsize=500\n"
                  "    - --audit-webhook-mode=async\n"
                  "    - --audit-log-mode=blocking-strict\n"
                  "    - --audit-log-format=legacy\n"
                  "    - --audit-log-compress=yes\n");
    kap_manifest_fix *x = fix_with(NULL, KAP_OK);
    const char *t = result(x);
    has(t, "    - --audit-log-maxage=30\n");
    has(t, "    - --audit-log-maxbackup=10\n");
    has(t, "    - --audit-log-maxsize=500\n"); /* above the minimum: kept */
    has(t, "    - --audit-webhook-mode=batch\n");
    has(t, "    - --audit-log-mode=blocking-strict\n");
    has(t, "    - --audit-log-format=legacy\n");
    has(t, "    - --audit-log-compress=true\n");
    kap_manifest_fix_free(x);

    /* the --log-* values given win, even below the minimums */
    kap_manifest_fix_options fo;
    kap_manifest_fix_options_init(&fo);
    fo.log_maxage = 7;
    fo.log_maxbackup = 0;
    fo.log_maxsize = 1000;
    x = fix_with(&fo, KAP_OK);
    t = result(x);
    has(t, "    - --audit-log-maxage=7\n");
    has(t, "    - --audit-log-maxbackup=0\n");
    has(t, "    - --audit-log-maxsize=1000\n");
    ck_assert_ptr_nonnull(kap_manifest_fix_change(x, 0));
    ck_assert_ptr_null(kap_manifest_fix_change(x, kap_manifest_fix_count(x)));
    kap_manifest_fix_free(x);
    drop();

    /* a compress value Go reads as a boolean is kept */
    node(HEAD CTR "    command:\n    - kube-apiserver\n    - --audit-log-compress=F\n");
    x = fix_with(NULL, KAP_OK);
    has(result(x), "    - --audit-log-compress=F\n");
    kap_manifest_fix_free(x);
    drop();

    /* a single-quoted value that cannot stay single-quoted */
    node(HEAD CTR "    command:\n    - kube-apiserver\n    - --audit-policy-file\n    - '/etc/kubernetes/p.yaml'\n");
    kap_manifest_fix_options_init(&fo);
    fo.policy_file = "/etc/kubernetes/it's.yaml";
    x = fix_with(&fo, KAP_OK);
    has(result(x), "    - --audit-policy-file\n    - \"/etc/kubernetes/it's.yaml\"\n");
    kap_manifest_fix_free(x);
    drop();
    /* a plain one that needs quotes now */
    node(HEAD CTR "    command:\n    - kube-apiserver\n    - --audit-policy-file\n    - /etc/kubernetes/p.yaml\n");
    fo.policy_file = "/etc/kubernetes/a: b.yaml";
    x = fix_with(&fo, KAP_OK);
    has(result(x), "    - --audit-policy-file\n    - \"/etc/kubernetes/a: b.yaml\"\n");
    kap_manifest_fix_free(x);
    drop();
    /* the log moves out of the manifests directory unless given there */
    node(HEAD CTR "    command:\n    - kube-apiserver\n    - --audit-log-path=/etc/kubernetes/manifests/audit.log\n");
    x = fix_with(NULL, KAP_OK);
    has(result(x), "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n");
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* A flag's value or a readOnly left empty (YAML null): libyaml places the
 * empty scalar right after "-" or ":", and the value written there must be
 * apart from it, or "-30" / "readOnly:true" are read back as one scalar
 * (CI's fuzz_manifest crash of stop 20). Each result is checked again. */
START_TEST(empty_values_filled)
{
    node(HEAD CTR "    command:\n    - kube-apiserver\n"
                  "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                  "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
                  "    - --audit-log-maxage\n"
                  "    - #30\n"
                  "    - --audit-log-maxbackup\n"
                  "    -\n"
                  "    volumeMounts:\n"
                  "    - name: audit\n"
                  "      mountPath: /etc/kubernetes/audit-policy.yaml\n"
                  "      readOnly:\n"
                  "  volumes:\n"
                  "  - name: audit\n"
                  "    hostPath:\n"
                  "      path: /etc/kubernetes/audit-policy.yaml\n"
                  "      type: File\n");
    kap_manifest_fix *x = fix_with(NULL, KAP_OK);
    const char *t = result(x);
    has(t, "    - --audit-log-maxage\n    - \"30\" #30\n");
    has(t, "    - --audit-log-maxbackup\n    - \"10\"\n");
    has(t, "      readOnly: true\n");
    kap_manifest_report *r = NULL;
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    ck_assert_int_eq(kap_manifest_check_buffer(&r, MANIFEST, t, strlen(t), &o), KAP_OK);
    kap_manifest_report_free(r);
    kap_manifest_fix_free(x);
    drop();

    /* a list whose only item is empty ("-" alone, at the end of the file):
     * the mounts added after it put their keys a space after the dash, in
     * one column (fuzz_manifest, this session) */
    node(HEAD CTR "    command:\n    - kube-apiserver\n    volumeMounts:\n    -");
    x = fix_with(NULL, KAP_OK);
    t = result(x);
    has(t, "    volumeMounts:\n    -\n    - mountPath: /etc/kubernetes/audit-policy.yaml\n      name: ");
    r = NULL;
    ck_assert_int_eq(kap_manifest_check_buffer(&r, MANIFEST, t, strlen(t), &o), KAP_OK);
    kap_manifest_report_free(r);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* ---- mounts there already ---- */

START_TEST(existing_mounts)
{
    /* the policy mounted without readOnly; the log's directory read-only,
     * of type Directory: readOnly added, made writable, DirectoryOrCreate */
    node(HEAD CTR "    command:\n    - kube-apiserver\n"
                  "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                  "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
                  "    volumeMounts:\n"
                  "    - name: pol\n      mountPath: /etc/kubernetes/audit-policy.yaml\n"
                  "    - name: log\n      mountPath: /var/log/kubernetes/audit\n      readOnly: True\n"
                  "  volumes:\n"
                  "  - name: pol\n    hostPath:\n      path: /etc/kubernetes/audit-policy.yaml\n"
                  "  - name: log\n    hostPath:\n      path: /var/log/kubernetes/audit\n      type: Directory\n");
    kap_manifest_fix *x = fix_with(NULL, KAP_OK);
    const char *t = result(x);
    has(t, "      mountPath: /etc/kubernetes/audit-policy.yaml\n      readOnly: true\n");
    has(t, "      mountPath: /var/log/kubernetes/audit\n      readOnly: false\n");
    has(t, "      type: DirectoryOrCreate\n");
    kap_manifest_fix_free(x);
    drop();

    /* flow-style mounts: readOnly added inside the braces */
    node(HEAD CTR "    command: [kube-apiserver, --audit-policy-file=/etc/kubernetes/audit-policy.yaml]\n"
                  "    volumeMounts: [{name: pol, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: \"no\"}]\n"
                  "  volumes: [{name: pol, hostPath: {path: /etc/kubernetes/audit-policy.yaml}}]\n");
    x = fix_with(NULL, KAP_OK);
    t = result(x);
    has(t, "readOnly: true}");
    /* the log's mount added to the flow lists */
    has(t, "{\"mountPath\": \"/var/log/kubernetes/audit\", \"name\": \"audit-log\"}]");
    has(t, "{\"name\": \"audit-log\", \"hostPath\": {\"path\": \"/var/log/kubernetes/audit\", \"type\": "
           "\"DirectoryOrCreate\"}}]");
    kap_manifest_fix_free(x);
    drop();

    /* a volume named audit-policy taken already: audit-policy-2 */
    node(HEAD CTR "    command: [kube-apiserver]\n"
                  "    volumeMounts: [{name: audit-policy, mountPath: /srv}]\n"
                  "  volumes: [{name: audit-policy, emptyDir: {}}]\n");
    x = fix_with(NULL, KAP_OK);
    t = result(x);
    has(t, "\"name\": \"audit-policy-2\"");
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* ---- layouts ---- */

START_TEST(tagged_sequences_and_bom)
{
    /* "command: !!seq" starts at the tag, not the dash: items still go
     * under the dashes */
    node(HEAD CTR "    command: !!seq\n      - kube-apiserver\n      - --secure-port=6443\n");
    kap_manifest_fix *x = fix_with(NULL, KAP_OK);
    has(result(x), "      - --secure-port=6443\n      - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n");
    kap_manifest_fix_free(x);
    drop();

    /* a byte-order mark is kept, and edits land in the right places */
    node("\xEF\xBB\xBF" HEAD CTR "    command:\n    - kube-apiserver\n    - --audit-log-maxage=3\n");
    x = fix_with(NULL, KAP_OK);
    const char *t = result(x);
    /* (the pod has no name: one is added first, after the mark) */
    static const char start[] = "\xEF\xBB\xBF" "metadata:\n  name: kube-apiserver\napiVersion: v1\n";
    ck_assert_int_eq(memcmp(t, start, sizeof start - 1), 0);
    has(t, "    - --audit-log-maxage=30\n");
    kap_manifest_fix_free(x);
    drop();

    /* args holds the flags: new ones go there */
    node(HEAD CTR "    command: [kube-apiserver]\n    args:\n    - --secure-port=6443\n");
    x = fix_with(NULL, KAP_OK);
    has(result(x), "    args:\n    - --secure-port=6443\n    - --audit-policy-file=");
    kap_manifest_fix_free(x);
    drop();

    /* a manifest needing nothing (named, too): unchanged */
    node("apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n" CTR
         "    command:\n    - kube-apiserver\n"
                  "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                  "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
                  "    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n"
                  "    volumeMounts:\n"
                  "    - {name: p, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
                  "    - {name: l, mountPath: /var/log/kubernetes/audit}\n"
                  "  volumes:\n"
                  "  - {name: p, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}}\n"
                  "  - {name: l, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n");
    x = fix_with(NULL, KAP_OK);
    ck_assert_int_eq(kap_manifest_fix_changed(x), 0);
    ck_assert_uint_eq(kap_manifest_fix_count(x), 0);
    size_t a, b;
    ck_assert_str_eq(kap_manifest_fix_original(x, &a), kap_manifest_fix_result(x, &b));
    ck_assert_uint_eq(a, b);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* ---- restore ---- */

START_TEST(restore)
{
    const char *old = HEAD CTR "    command: [kube-apiserver, --secure-port=6443]\n";
    node(HEAD CTR "    command: [kube-apiserver]\n");
    put("/etc/kubernetes/manifest-backups/kube-apiserver.yaml.1", old);
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    kap_manifest_fix *x = NULL;
    ck_assert_int_eq(kap_manifest_restore_new(&x, MANIFEST, "/etc/kubernetes/manifest-backups/kube-apiserver.yaml.1", &o),
                     KAP_OK);
    ck_assert_str_eq(kap_manifest_fix_result(x, NULL), old);
    ck_assert(kap_manifest_fix_changed(x));
    ck_assert_uint_eq(kap_manifest_fix_count(x), 1);
    has(kap_manifest_fix_change(x, 0), "restored from /etc/kubernetes/manifest-backups/kube-apiserver.yaml.1");
    kap_manifest_fix_free(x);
    /* a backup that is not there */
    x = NULL;
    ck_assert_int_eq(kap_manifest_restore_new(&x, MANIFEST, "/etc/kubernetes/manifest-backups/none", &o), KAP_EIO);
    has(kap_manifest_fix_error(x), "cannot read");
    ck_assert_ptr_null(kap_manifest_fix_result(x, NULL));
    kap_manifest_fix_free(x);
    /* a backup that is no kube-apiserver pod is refused, and nothing is
     * left to write */
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"apiVersion: v1\nkind: Pod\nspec: [\n", "cannot restore: /b/bad:"},
        {"", "the file is empty"},
        {"# a note, not a manifest\n", "the file holds no YAML document, only comments"},
        {"- a\n- b\n", "a list, not a Pod object"},
        {"[Service]\nExecStart=/usr/bin/kubelet\n", "not a manifest kubelet can read"},
        {"apiVersion: apps/v1\nkind: Deployment\n", "/b/bad:1:1: not a v1 Pod (apiVersion other than v1, kind other "
                                                    "than Pod)"},
        {"kind: Pod\n", "not a v1 Pod (apiVersion missing, kind Pod)"},
        {HEAD "  - name: etcd\n    command: [etcd]\n", "/b/bad:1:1: a Pod with no container that runs kube-apiserver"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        put("/b/bad", bad[i].text);
        x = NULL;
        ck_assert_int_eq(kap_manifest_restore_new(&x, MANIFEST, "/b/bad", &o), KAP_EINVALID);
        ck_assert_msg(strstr(kap_manifest_fix_error(x), bad[i].why), "case %zu: %s", i, kap_manifest_fix_error(x));
        ck_assert_ptr_null(kap_manifest_fix_result(x, NULL));
        ck_assert_int_eq(kap_manifest_fix_write(x, NULL), KAP_EARG);
        kap_manifest_fix_free(x);
    }
    /* one in JSON is taken */
    put("/b/ok.json", "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"spec\": {\"containers\": "
                      "[{\"name\": \"a\", \"command\": [\"kube-apiserver\"]}]}}");
    x = NULL;
    ck_assert_int_eq(kap_manifest_restore_new(&x, MANIFEST, "/b/ok.json", &o), KAP_OK);
    kap_manifest_fix_free(x);
    /* the manifest not there */
    x = NULL;
    ck_assert_int_eq(kap_manifest_restore_new(&x, "/etc/kubernetes/manifests/none.yaml",
                                              "/etc/kubernetes/manifest-backups/kube-apiserver.yaml.1", &o),
                     KAP_EIO);
    kap_manifest_fix_free(x);
    drop();
}
END_TEST

/* ---- writing ---- */

static char *slurp(const char *node)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", root, node);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strdup(buf);
}

START_TEST(writes)
{
    const char *before = HEAD CTR "    command:\n    - kube-apiserver\n";
    node(before);
    put("/srv/file", "not a directory\n");
    kap_manifest_fix *x = fix_with(NULL, KAP_OK);
    char *after = strdup(result(x));
    /* a backup directory inside the manifests directory: refused */
    ck_assert_int_eq(kap_manifest_fix_write(x, "/etc/kubernetes/manifests/backups"), KAP_EARG);
    has(kap_manifest_fix_error(x), "inside the manifests directory");
    /* one under a regular file: cannot be made */
    ck_assert_int_eq(kap_manifest_fix_write(x, "/srv/file/backups"), KAP_EIO);
    has(kap_manifest_fix_error(x), "backup directory /srv/file/backups");
    char *now = slurp(MANIFEST);
    ck_assert_str_eq(now, before);
    free(now);
    /* three levels to create: made, the backup in it, the manifest replaced */
    ck_assert_int_eq(kap_manifest_fix_write(x, "/srv/a/b/c"), KAP_OK);
    ck_assert_ptr_nonnull(kap_manifest_fix_backup(x));
    char b[512];
    snprintf(b, sizeof b, "%s", kap_manifest_fix_backup(x));
    ck_assert_int_eq(strncmp(b, "/srv/a/b/c/kube-apiserver.yaml.", 31), 0);
    now = slurp(b);
    ck_assert_str_eq(now, before);
    free(now);
    now = slurp(MANIFEST);
    ck_assert_str_eq(now, after);
    free(now);
    /* written again: the manifest changed since it was read */
    ck_assert_int_eq(kap_manifest_fix_write(x, "/srv/a/b/c"), KAP_EIO);
    has(kap_manifest_fix_error(x), "changed since it was read");
    kap_manifest_fix_free(x);
    /* a second backup in the same directory gets a name of its own */
    x = fix_with(NULL, KAP_OK);
    ck_assert_int_eq(kap_manifest_fix_changed(x), 0);
    ck_assert_int_eq(kap_manifest_fix_write(x, "/srv/a/b/c"), KAP_OK);
    ck_assert_str_ne(kap_manifest_fix_backup(x), b);
    kap_manifest_fix_free(x);
    /* the manifest gone since it was read */
    x = fix_with(NULL, KAP_OK);
    char path[512];
    snprintf(path, sizeof path, "%s%s", root, MANIFEST);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(kap_manifest_fix_write(x, NULL), KAP_EIO);
    has(kap_manifest_fix_error(x), "nothing written");
    kap_manifest_fix_free(x);
    free(after);
    drop();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cov_fix");
    TCase *tc = tcase_create("fix");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, paths_that_need_quotes);
    tcase_add_test(tc, values_given_and_corrected);
    tcase_add_test(tc, empty_values_filled);
    tcase_add_test(tc, existing_mounts);
    tcase_add_test(tc, tagged_sequences_and_bom);
    tcase_add_test(tc, restore);
    tcase_add_test(tc, writes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
