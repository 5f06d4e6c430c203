/* kap_manifest_check_file / _check_buffer (src/manifest.c) on the cases
 * test_manifest.c leaves out: shorthand flags, flags that are not lists,
 * Go integers at their limits and with underscores, every hostPath type,
 * subPaths that leave the volume, log path "-", webhook kubeconfigs that
 * are not kubeconfigs, image tags, a policy that loads with a warning,
 * relative manifest paths, and bad arguments. The expected findings are
 * written from docs/check-manifest.md (the checks table, "How the manifest
 * is read") and from Go's strconv / kubelet's hostPath rules it cites. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kap.h"
#include "manifest_internal.h"

/* ---- a node root in a temporary directory ---- */

/* what a kubelet config file or drop-in begins with */
#define KCFG "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"

static char root[256];

static void mkdirs(const char *path)
{
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    mkdir(tmp, 0755);
}

static void put(const char *node, const char *text)
{
    char path[512], dir[512];
    snprintf(path, sizeof path, "%s%s", root, node);
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    mkdirs(dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void new_root(void)
{
    snprintf(root, sizeof root, "/tmp/kap-covm-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
}

static void drop_root(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    ck_assert_int_eq(system(cmd), 0);
}

#define POLICY "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"
#define MANIFEST "/etc/kubernetes/manifests/kube-apiserver.yaml"

static void good_node(void)
{
    new_root();
    put("/etc/kubernetes/audit-policy.yaml", POLICY);
    put("/var/log/kubernetes/audit/.keep", "");
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: /etc/kubernetes/manifests\n");
}

#define GOOD_FLAGS                                                   \
    "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"  \
    "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"   \
    "    - --audit-log-maxage=30\n"                                  \
    "    - --audit-log-maxbackup=10\n"                               \
    "    - --audit-log-maxsize=100\n"

#define POLICY_MOUNT "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
#define LOG_MOUNT "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n"
#define POLICY_VOL "  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n"
#define LOG_VOL "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n"

/* A pod: IMAGE, the container's lines after "image:" (command, args...),
 * then the mounts and the volumes, each as YAML lines. */
static void pod_full(const char *image, const char *body, const char *mounts, const char *vols)
{
    char text[8192];
    snprintf(text, sizeof text,
             "apiVersion: v1\n"
             "kind: Pod\n"
             "metadata: {name: kube-apiserver, namespace: kube-system}\n"
             "spec:\n"
             "  containers:\n"
             "  - name: kube-apiserver\n"
             "    image: %s\n"
             "%s"
             "    volumeMounts:\n"
             "%s"
             "  volumes:\n"
             "%s",
             image, body, mounts, vols);
    put(MANIFEST, text);
}

static void pod(const char *flags)
{
    char body[4096];
    snprintf(body, sizeof body, "    command:\n    - kube-apiserver\n%s", flags);
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4", body, POLICY_MOUNT LOG_MOUNT, POLICY_VOL LOG_VOL);
}

static kap_manifest_report *check_path(const char *manifest, int want_rc)
{
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    kap_manifest_report *r = NULL;
    int rc = kap_manifest_check_file(&r, manifest, &o);
    ck_assert_msg(rc == want_rc, "status %d, wanted %d (%s)", rc, want_rc,
                  r && kap_manifest_report_error(r) ? kap_manifest_report_error(r) : "");
    ck_assert_ptr_nonnull(r);
    return r;
}

static kap_manifest_report *check_now(void) { return check_path(NULL, KAP_OK); }

static void dump(const kap_manifest_report *r)
{
    for (size_t i = 0; i < kap_manifest_report_count(r); i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        fprintf(stderr, "  %s %s: %s\n", kap_manifest_status_name(c->status), c->id, c->message);
    }
}

/* The check must be there with this status and a message holding part. */
static void must(const kap_manifest_report *r, const char *id, kap_manifest_status st, const char *part)
{
    for (size_t i = 0; i < kap_manifest_report_count(r); i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        if (strcmp(c->id, id) == 0 && c->status == st && (!part || strstr(c->message, part))) {
            ck_assert_int_eq(c->fix[0] != '\0', st != KAP_MANIFEST_PASS);
            return;
        }
    }
    dump(r);
    ck_abort_msg("no %s %s check with '%s'", kap_manifest_status_name(st), id, part ? part : "");
}

/* The root as it is now, checked for one check's status and text. */
static void expect_now(const char *id, kap_manifest_status st, const char *part)
{
    kap_manifest_report *r = check_now();
    must(r, id, st, part);
    kap_manifest_report_free(r);
}

/* No check with this ID at all. */
static void absent(const kap_manifest_report *r, const char *id)
{
    for (size_t i = 0; i < kap_manifest_report_count(r); i++)
        if (strcmp(kap_manifest_report_get(r, i)->id, id) == 0) {
            dump(r);
            ck_abort_msg("a %s check, none expected", id);
        }
}

static size_t count_status(const kap_manifest_report *r, const char *id, kap_manifest_status st)
{
    size_t n = 0;
    for (size_t i = 0; i < kap_manifest_report_count(r); i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        n += strcmp(c->id, id) == 0 && c->status == st;
    }
    return n;
}

/* ---- shorthand flags: -v and -h only ---- */

START_TEST(shorthand_flags)
{
    good_node();
    /* -v=2, -v2 and "-v 2" are all verbosity 2; -h is help (a boolean) */
    pod(GOOD_FLAGS "    - -v=2\n    - -v2\n    - -h\n    - -v\n    - \"3\"\n");
    expect_now("manifest-flags", KAP_MANIFEST_PASS, "9 flags");

    /* -v last, with nothing after it */
    pod(GOOD_FLAGS "    - -v\n");
    kap_manifest_report *r = check_now();
    must(r, "manifest-flags", KAP_MANIFEST_FAIL, "flag needs an argument: 'v' in -v");
    ck_assert_uint_eq(count_status(r, "manifest-flags", KAP_MANIFEST_FAIL), 1);
    kap_manifest_report_free(r);

    /* -v followed by a number: not a string, so not its value */
    pod(GOOD_FLAGS "    - -v\n    - 2\n");
    r = check_now();
    must(r, "manifest-flags", KAP_MANIFEST_FAIL, "flag needs an argument: 'v' in -v");
    must(r, "manifest-flags", KAP_MANIFEST_FAIL, "not a string");
    kap_manifest_report_free(r);

    /* --name followed by a non-string: needs an argument */
    pod(GOOD_FLAGS "    - --secure-port\n    - 6443\n");
    expect_now("manifest-flags", KAP_MANIFEST_FAIL, "flag needs an argument: --secure-port");

    /* a lone "-" is not a flag */
    pod(GOOD_FLAGS "    - \"-\"\n");
    expect_now("manifest-flags", KAP_MANIFEST_FAIL, "'-' is not a flag");

    /* "--" as the very last argument ends nothing: no finding */
    pod(GOOD_FLAGS "    - --\n");
    expect_now("manifest-flags", KAP_MANIFEST_PASS, "5 flags");
    drop_root();
}
END_TEST

START_TEST(command_and_args_not_lists)
{
    good_node();
    /* args a string: kubelet would refuse; the check says so */
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4",
             "    command:\n    - kube-apiserver\n" GOOD_FLAGS "    args: --profiling=false\n",
             POLICY_MOUNT LOG_MOUNT, POLICY_VOL LOG_VOL);
    kap_manifest_report *r = check_now();
    must(r, "manifest-flags", KAP_MANIFEST_FAIL, "args is not a list");
    /* the flags of command still count */
    must(r, "policy-flag", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);

    /* command a string: the container is found by its image, then the
     * command is reported; no flag at all */
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4", "    command: kube-apiserver\n", POLICY_MOUNT LOG_MOUNT,
             POLICY_VOL LOG_VOL);
    r = check_now();
    must(r, "manifest-container", KAP_MANIFEST_PASS, "'kube-apiserver'");
    must(r, "manifest-flags", KAP_MANIFEST_FAIL, "command is not a list");
    must(r, "policy-flag", KAP_MANIFEST_FAIL, "not set");
    kap_manifest_report_free(r);

    /* args: null is no args */
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4", "    command:\n    - kube-apiserver\n" GOOD_FLAGS "    args: null\n",
             POLICY_MOUNT LOG_MOUNT, POLICY_VOL LOG_VOL);
    expect_now("manifest-flags", KAP_MANIFEST_PASS, "5 flags");
    drop_root();
}
END_TEST

START_TEST(container_found_by_image)
{
    good_node();
    /* no command: the image named kube-apiserver, by digest too; its
     * entrypoint, go-runner, takes the flags for its own (a FAIL), and the
     * flags are read as kube-apiserver's all the same */
    pod_full("registry.k8s.io/kube-apiserver@sha256:0123456789abcdef", "    args:\n" GOOD_FLAGS,
             POLICY_MOUNT LOG_MOUNT, POLICY_VOL LOG_VOL);
    kap_manifest_report *r = check_now();
    must(r, "manifest-container", KAP_MANIFEST_FAIL, "the container has no command");
    must(r, "manifest-flags", KAP_MANIFEST_PASS, "5 flags");
    /* no tag: no version in the image, so the newest release is followed */
    must(r, "kube-version", KAP_MANIFEST_PASS, "no version in the image");
    kap_manifest_report_free(r);

    /* command[0] not a string: this container does not run kube-apiserver */
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4", "    command:\n    - 1\n", POLICY_MOUNT, POLICY_VOL);
    expect_now("manifest-container", KAP_MANIFEST_FAIL, "no container");

    /* an image without a name kube-apiserver, no command */
    pod_full("registry.k8s.io/etcd:3.5.9-0", "    args:\n" GOOD_FLAGS, POLICY_MOUNT, POLICY_VOL);
    expect_now("manifest-container", KAP_MANIFEST_FAIL, "no container");

    /* the image is a number: nothing runs kube-apiserver */
    pod_full("42", "    args:\n" GOOD_FLAGS, POLICY_MOUNT, POLICY_VOL);
    expect_now("manifest-container", KAP_MANIFEST_FAIL, "no container");
    drop_root();
}
END_TEST

/* ---- the release read from the image's tag ---- */

static void one_image(const char *image, kap_manifest_status st, const char *part, unsigned minor)
{
    pod_full(image, "    command:\n    - /usr/local/bin/kube-apiserver\n" GOOD_FLAGS, POLICY_MOUNT LOG_MOUNT,
             POLICY_VOL LOG_VOL);
    kap_manifest_report *r = check_now();
    must(r, "kube-version", st, part);
    ck_assert_uint_eq(kap_manifest_report_kube_minor(r), minor);
    kap_manifest_report_free(r);
}

START_TEST(release_from_image)
{
    good_node();
    one_image("registry.k8s.io/kube-apiserver:v1.29.0-rc.1", KAP_MANIFEST_PASS, "1.29 (the image", 29);
    one_image("registry.k8s.io/kube-apiserver:v1.28+k3s1", KAP_MANIFEST_PASS, "1.28 (the image", 28);
    one_image("registry.k8s.io/kube-apiserver:1.27", KAP_MANIFEST_PASS, "1.27 (the image", 27);
    /* outside 1.24-1.36: the nearest release, with a warning */
    one_image("registry.k8s.io/kube-apiserver:v1.20.1", KAP_MANIFEST_WARN, "1.20, outside", 24);
    one_image("registry.k8s.io/kube-apiserver:v1.99.0", KAP_MANIFEST_WARN, "1.99, outside", 36);
    /* not a version: the default (1.36) */
    one_image("registry.k8s.io/kube-apiserver:latest", KAP_MANIFEST_PASS, "no version in the image", 36);
    one_image("registry.k8s.io/kube-apiserver:v1.x", KAP_MANIFEST_PASS, "no version in the image", 36);
    one_image("registry.k8s.io/kube-apiserver:v1.31x", KAP_MANIFEST_PASS, "no version in the image", 36);
    one_image("registry.k8s.io/kube-apiserver:v1.12345", KAP_MANIFEST_PASS, "no version in the image", 36);
    drop_root();
}
END_TEST

/* ---- integers as strconv.ParseInt(s, 0, 64) reads them ---- */

static void one_maxage(const char *value, kap_manifest_status want, const char *part)
{
    char flags[1024];
    snprintf(flags, sizeof flags,
             "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
             "    - \"--audit-log-maxage=%s\"\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n",
             value);
    pod(flags);
    expect_now("log-maxage", want, part);
}

START_TEST(integers_at_the_edges)
{
    good_node();
    /* underscores after a sign, after a base prefix, between hex digits */
    one_maxage("+3_0", KAP_MANIFEST_PASS, "(read as 30)");
    one_maxage("-3_0", KAP_MANIFEST_FAIL, "-30 can't be a negative number");
    one_maxage("0x1_e", KAP_MANIFEST_PASS, "(read as 30)");
    one_maxage("0X1_E", KAP_MANIFEST_PASS, "(read as 30)");
    one_maxage("0x_1E", KAP_MANIFEST_PASS, "(read as 30)");
    one_maxage("0b1_1110", KAP_MANIFEST_PASS, "(read as 30)");
    one_maxage("0O3_6", KAP_MANIFEST_PASS, "(read as 30)");
    one_maxage("0_36", KAP_MANIFEST_PASS, "(read as 30)"); /* octal: 0, then 36 */
    one_maxage("0x1__e", KAP_MANIFEST_FAIL, "not an integer");
    one_maxage("0b2", KAP_MANIFEST_FAIL, "not an integer");
    one_maxage("0xg", KAP_MANIFEST_FAIL, "not an integer");
    one_maxage("-", KAP_MANIFEST_FAIL, "not an integer");
    one_maxage("0x", KAP_MANIFEST_FAIL, "not an integer");
    /* int64's limits: 2^63-1 and -2^63 fit, one more does not */
    one_maxage("9223372036854775807", KAP_MANIFEST_PASS, "=9223372036854775807");
    one_maxage("-9223372036854775808", KAP_MANIFEST_FAIL, "-9223372036854775808 can't be a negative number");
    one_maxage("9223372036854775808", KAP_MANIFEST_FAIL, "not an integer");
    one_maxage("-9223372036854775809", KAP_MANIFEST_FAIL, "not an integer");
    one_maxage("0x7fffffffffffffff", KAP_MANIFEST_PASS, "=0x7fffffffffffffff (read as 9223372036854775807)");
    one_maxage("0x10000000000000000", KAP_MANIFEST_FAIL, "not an integer");
    drop_root();
}
END_TEST

START_TEST(booleans_as_go_reads_them)
{
    good_node();
    static const char *const yes[] = {"1", "t", "TRUE", "True"};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
    char flags[1024];
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        snprintf(flags, sizeof flags, GOOD_FLAGS "    - \"--audit-log-compress=%s\"\n", yes[i]);
        pod(flags);
        expect_now("log-compress", KAP_MANIFEST_PASS, NULL);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        snprintf(flags, sizeof flags, GOOD_FLAGS "    - \"--audit-log-compress=%s\"\n", no[i]);
        pod(flags);
        expect_now("log-compress", KAP_MANIFEST_PASS, NULL);
    }
    pod(GOOD_FLAGS "    - --audit-log-compress=TrUe\n");
    expect_now("log-compress", KAP_MANIFEST_FAIL, "not a boolean");
    drop_root();
}
END_TEST

/* ---- hostPath types, as kubelet checks them ---- */

static kap_manifest_report *policy_typed(const char *type)
{
    char vol[512];
    snprintf(vol, sizeof vol, "  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: %s}\n",
             type);
    char body[2048];
    snprintf(body, sizeof body, "    command:\n    - kube-apiserver\n%s", GOOD_FLAGS);
    char vols[1024];
    snprintf(vols, sizeof vols, "%s%s", vol, LOG_VOL);
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4", body, POLICY_MOUNT LOG_MOUNT, vols);
    return check_now();
}

START_TEST(hostpath_types_on_the_policy)
{
    good_node();
    /* the policy is a regular file */
    kap_manifest_report *r = policy_typed("Socket");
    must(r, "policy-file", KAP_MANIFEST_FAIL, "is not a socket (type Socket)");
    kap_manifest_report_free(r);
    r = policy_typed("CharDevice");
    must(r, "policy-file", KAP_MANIFEST_FAIL, "is not a character device (type CharDevice)");
    kap_manifest_report_free(r);
    r = policy_typed("BlockDevice");
    must(r, "policy-file", KAP_MANIFEST_FAIL, "is not a block device (type BlockDevice)");
    kap_manifest_report_free(r);
    r = policy_typed("FileOrCreate");
    must(r, "policy-file", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);
    r = policy_typed("DirectoryOrCreate");
    must(r, "policy-file", KAP_MANIFEST_FAIL, "is not a directory (type DirectoryOrCreate)");
    kap_manifest_report_free(r);
    r = policy_typed("Directory");
    must(r, "policy-file", KAP_MANIFEST_FAIL, "is not a directory (type Directory)");
    kap_manifest_report_free(r);
    r = policy_typed("Pipe");
    must(r, "policy-file", KAP_MANIFEST_FAIL, "unknown hostPath type");
    kap_manifest_report_free(r);
    r = policy_typed("\"\"");
    must(r, "policy-file", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);

    /* missing: each type that needs it there says so */
    char p[108];
    ck_assert_int_lt(snprintf(p, sizeof p, "%s/etc/kubernetes/audit-policy.yaml", root), (int)sizeof p);
    ck_assert_int_eq(unlink(p), 0);
    r = policy_typed("Socket");
    must(r, "policy-file", KAP_MANIFEST_FAIL, "is not a socket");
    kap_manifest_report_free(r);
    r = policy_typed("CharDevice");
    must(r, "policy-file", KAP_MANIFEST_FAIL, "is not a character device");
    kap_manifest_report_free(r);
    r = policy_typed("BlockDevice");
    must(r, "policy-file", KAP_MANIFEST_FAIL, "is not a block device");
    kap_manifest_report_free(r);
    r = policy_typed("FileOrCreate");
    must(r, "policy-file", KAP_MANIFEST_FAIL, "does not exist");
    kap_manifest_report_free(r);

    /* a real socket where the policy should be: type Socket is satisfied,
     * but a socket is not a policy file kube-apiserver can read */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_ge(s, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", p);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    r = policy_typed("Socket");
    must(r, "policy-file", KAP_MANIFEST_FAIL, "is not a regular file");
    kap_manifest_report_free(r);
    r = policy_typed("File");
    must(r, "policy-file", KAP_MANIFEST_FAIL, "is not a regular file");
    kap_manifest_report_free(r);
    close(s);

    /* a directory: "is a directory" */
    unlink(p);
    mkdir(p, 0755);
    r = policy_typed("File");
    must(r, "policy-file", KAP_MANIFEST_FAIL, "is a directory");
    kap_manifest_report_free(r);
    r = policy_typed("Directory");
    must(r, "policy-file", KAP_MANIFEST_FAIL, "is a directory");
    kap_manifest_report_free(r);
    rmdir(p);

    /* a path through a regular file: ENOTDIR, as the kernel says */
    put("/etc/kubernetes/audit-policy.yaml", POLICY);
    char vol[512];
    snprintf(vol, sizeof vol, "  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml/x, type: File}\n");
    char vols[1024];
    snprintf(vols, sizeof vols, "%s%s", vol, LOG_VOL);
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4", "    command:\n    - kube-apiserver\n" GOOD_FLAGS,
             POLICY_MOUNT LOG_MOUNT, vols);
    expect_now("policy-file", KAP_MANIFEST_FAIL, "/etc/kubernetes/audit-policy.yaml/x");
    drop_root();
}
END_TEST

/* ---- subPath: relative, without "..", or the pod is refused ---- */

static void one_subpath(const char *sub, kap_manifest_status st)
{
    char mounts[1024];
    snprintf(mounts, sizeof mounts,
             "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, subPath: \"%s\", readOnly: true}\n" LOG_MOUNT,
             sub);
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4", "    command:\n    - kube-apiserver\n" GOOD_FLAGS, mounts,
             "  - name: audit\n    hostPath: {path: /etc/kubernetes, type: Directory}\n" LOG_VOL);
    kap_manifest_report *r = check_now();
    if (st == KAP_MANIFEST_FAIL)
        must(r, "policy-mount", KAP_MANIFEST_FAIL, "absolute or contains '..'");
    else
        must(r, "policy-mount", KAP_MANIFEST_PASS, "/etc/kubernetes/audit-policy.yaml");
    kap_manifest_report_free(r);
}

START_TEST(subpaths)
{
    good_node();
    one_subpath("audit-policy.yaml", KAP_MANIFEST_PASS);
    one_subpath("/audit-policy.yaml", KAP_MANIFEST_FAIL);
    one_subpath("..", KAP_MANIFEST_FAIL);
    one_subpath("../kubernetes/audit-policy.yaml", KAP_MANIFEST_FAIL);
    one_subpath("x/../audit-policy.yaml", KAP_MANIFEST_FAIL);
    one_subpath("x/..", KAP_MANIFEST_FAIL);
    /* ".." inside a name is not a parent */
    one_subpath("a..b/..c", KAP_MANIFEST_PASS);
    drop_root();
}
END_TEST

/* ---- the log backend ---- */

START_TEST(log_to_stdout_and_webhook)
{
    good_node();
    /* "-": standard output; nothing to mount, no rotation to check */
    pod("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n    - --audit-log-path=-\n");
    kap_manifest_report *r = check_now();
    must(r, "log-backend", KAP_MANIFEST_PASS, "standard output");
    absent(r, "log-mount");
    absent(r, "log-maxage");
    kap_manifest_report_free(r);

    /* "-" and a webhook */
    put("/etc/kubernetes/webhook.kubeconfig",
        "apiVersion: v1\nkind: Config\nclusters:\n- name: a\n  cluster: {server: https://audit.example:8443}\n"
        "contexts:\n- name: c\n  context: {cluster: a}\ncurrent-context: c\n");
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4",
             "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=-\n    - --audit-webhook-config-file=/etc/kubernetes/webhook.kubeconfig\n",
             POLICY_MOUNT "    - {name: hook, mountPath: /etc/kubernetes/webhook.kubeconfig, readOnly: true}\n",
             POLICY_VOL "  - name: hook\n    hostPath: {path: /etc/kubernetes/webhook.kubeconfig, type: File}\n");
    r = check_now();
    must(r, "log-backend", KAP_MANIFEST_PASS, "and to the webhook");
    must(r, "webhook-config", KAP_MANIFEST_PASS, "1 cluster");
    kap_manifest_report_free(r);
    /* a bad number still stops kube-apiserver with "-" */
    pod("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n    - --audit-log-path=-\n"
        "    - --audit-log-maxage=x\n");
    expect_now("log-maxage", KAP_MANIFEST_FAIL, "not an integer");
    drop_root();
}
END_TEST

static kap_manifest_report *with_webhook(const char *kubeconfig)
{
    if (kubeconfig)
        put("/etc/kubernetes/webhook.kubeconfig", kubeconfig);
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4",
             "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-webhook-config-file=/etc/kubernetes/webhook.kubeconfig\n",
             POLICY_MOUNT "    - {name: hook, mountPath: /etc/kubernetes/webhook.kubeconfig, readOnly: true}\n",
             POLICY_VOL "  - name: hook\n    hostPath: {path: /etc/kubernetes/webhook.kubeconfig}\n");
    return check_now();
}

/* the value parsers and checks of the audit flags, corner by corner: each
 * value pflag reads (Go's time.ParseDuration, strconv.ParseFloat(s, 32)),
 * as kube-apiserver parses it */
START_TEST(flag_value_corners)
{
    good_node();
    static const struct {
        const char *flag;
        int ok;
    } vals[] = {
        {"--audit-log-batch-throttle-qps=+1.5", 1},    {"--audit-log-batch-throttle-qps=-2", 1},
        {"--audit-log-batch-throttle-qps=1e+5", 1},    {"--audit-log-batch-throttle-qps=1E-5", 1},
        {"--audit-log-batch-throttle-qps=0x1.8p1", 1}, {"--audit-log-batch-throttle-qps=0X1P-1", 1},
        {"--audit-log-batch-throttle-qps=NaN", 1},     {"--audit-log-batch-throttle-qps=infinity", 1},
        {"--audit-log-batch-throttle-qps=-INF", 1},    {"--audit-log-batch-throttle-qps=0x1_0p0", 1},
        {"--audit-log-batch-throttle-qps=1e-400", 1},  {"--audit-log-batch-throttle-qps=5.", 1},
        {"--audit-log-batch-throttle-qps=0", 1},       {"--audit-log-batch-throttle-qps=0e999999", 1},
        {"--audit-log-batch-throttle-qps=1e", 0},      {"--audit-log-batch-throttle-qps=0x1p", 0},
        {"--audit-log-batch-throttle-qps=.", 0},       {"--audit-log-batch-throttle-qps=1.2.3", 0},
        {"--audit-log-batch-throttle-qps=+nan", 0},    {"--audit-log-batch-throttle-qps=1_000", 1},
        {"--audit-log-batch-throttle-qps=1e1_0", 1},   {"--audit-log-batch-throttle-qps=1_e5", 0},
        {"--audit-log-batch-throttle-qps=_1", 0},
        {"--audit-log-batch-throttle-qps=1e400", 0},   {"--audit-log-batch-throttle-qps=3.5e38", 0},
        {"--audit-log-batch-throttle-qps=0x1p128", 0}, {"--audit-log-batch-throttle-qps=", 0},
        {"--audit-log-batch-throttle-qps=e5", 0},      {"--audit-log-batch-throttle-qps=1e+", 0},
        {"--audit-log-batch-throttle-qps=0x_1p0_", 0}, {"--audit-log-batch-throttle-qps=0xg", 0},
        {"--audit-log-batch-max-wait=+5s", 1},         {"--audit-log-batch-max-wait=-0", 1},
        {"--audit-log-batch-max-wait=1h2m3.5s", 1},    {"--audit-log-batch-max-wait=1us", 1},
        {"--audit-log-batch-max-wait=1ns", 1},         {"--audit-log-batch-max-wait=3.ms", 1},
        {"--audit-log-batch-max-wait=", 0},            {"--audit-log-batch-max-wait=5x", 0},
        {"--audit-log-batch-max-wait=9999999999h", 0}, {"--audit-log-batch-max-wait=1m1", 0},
        {"--audit-log-batch-max-wait=1mss", 0},        {"--audit-log-batch-max-wait=-", 0},
        {"--audit-log-batch-max-wait=1.5.5s", 0},
    };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        char flags[512];
        snprintf(flags, sizeof flags, GOOD_FLAGS "    - \"%s\"\n", vals[i].flag);
        pod(flags);
        kap_manifest_report *r = check_now();
        if (vals[i].ok)
            absent(r, "flag-value");
        else
            must(r, "flag-value", KAP_MANIFEST_FAIL, "kube-apiserver refuses to start");
        kap_manifest_report_free(r);
    }
    /* a mantissa of hundreds of places and an exponent that scales it back
     * (0.<zeros>1e400, e401: 1; 1<40 zeros>e-401: 1e-361; 1<300
     * zeros>e-280: 1e20) are float32s as ParseFloat reads them; 1<500
     * zeros>e-450 is 1e50, too large. (Each holds whether long double is
     * 80 bits or, under valgrind, 64: 1e500 is then infinite, 1e-401 0) */
    static const struct {
        const char *head;
        int zeros;
        const char *tail;
        int ok;
    } longs[] = {{"0.", 399, "1e400", 1}, {"0.", 400, "1e401", 1}, {"1", 40, "e-401", 1}, {"1", 500, "e-450", 0},
                 {"1", 300, "e-280", 1}};
    for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++) {
        char big[1024];
        int k = snprintf(big, sizeof big, GOOD_FLAGS "    - \"--audit-log-batch-throttle-qps=%s", longs[i].head);
        for (int z = 0; z < longs[i].zeros; z++)
            big[k++] = '0';
        snprintf(big + k, sizeof big - (size_t)k, "%s\"\n", longs[i].tail);
        pod(big);
        kap_manifest_report *r = check_now();
        if (longs[i].ok)
            absent(r, "flag-value");
        else
            must(r, "flag-value", KAP_MANIFEST_FAIL, "kube-apiserver refuses to start");
        kap_manifest_report_free(r);
    }
    /* the webhook's batch mode, its default: throttled, unless turned off;
     * each setting kube-apiserver refuses; another mode, or a value that
     * does not parse, leaves nothing to validate */
    put("/etc/kubernetes/webhook.kubeconfig", "clusters:\n- name: a\n  cluster: {server: https://a}\n"
                                              "contexts:\n- name: c\n  context: {cluster: a}\ncurrent-context: c\n");
    static const struct {
        const char *flags, *want;
        kap_manifest_status st;
    } hooks[] = {
        {"", "throttled to 10 batches a second (burst 15)", KAP_MANIFEST_PASS},
        {"    - --audit-webhook-batch-throttle-enable=false\n", "batches of up to 400", KAP_MANIFEST_PASS},
        {"    - --audit-webhook-batch-throttle-burst=0\n", "batch webhook throttle burst 0", KAP_MANIFEST_FAIL},
        {"    - --audit-webhook-batch-throttle-qps=-1\n", "batch webhook throttle QPS -1", KAP_MANIFEST_FAIL},
        {"    - --audit-webhook-batch-max-size=0\n", "batch webhook max batch size 0", KAP_MANIFEST_FAIL},
        {"    - --audit-webhook-batch-buffer-size=-5\n", "batch webhook buffer size -5", KAP_MANIFEST_FAIL},
        {"    - --audit-webhook-mode=blocking\n", NULL, KAP_MANIFEST_PASS},
        {"    - --audit-webhook-batch-buffer-size=x\n", NULL, KAP_MANIFEST_PASS},
        {"    - --audit-webhook-batch-throttle-enable=x\n", NULL, KAP_MANIFEST_PASS},
    };
    for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++) {
        char body[1024];
        snprintf(body, sizeof body,
                 "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                 "    - --audit-webhook-config-file=/etc/kubernetes/webhook.kubeconfig\n%s",
                 hooks[i].flags);
        pod_full("registry.k8s.io/kube-apiserver:v1.30.4", body,
                 POLICY_MOUNT "    - {name: hook, mountPath: /etc/kubernetes/webhook.kubeconfig, readOnly: true}\n",
                 POLICY_VOL "  - name: hook\n    hostPath: {path: /etc/kubernetes/webhook.kubeconfig}\n");
        kap_manifest_report *r = check_now();
        if (hooks[i].want)
            must(r, "webhook-batch", hooks[i].st, hooks[i].want);
        else
            absent(r, "webhook-batch");
        kap_manifest_report_free(r);
    }
    drop_root();
}
END_TEST

/* the container's environment as kubelet builds it for $(NAME), and the
 * shapes it may have; shells that run kube-apiserver; workingDir */
START_TEST(env_shell_and_workdir_corners)
{
    good_node();
    static const struct {
        const char *env, *flag, *want;
        kap_manifest_status st;
    } cases[] = {
        /* entries that are no entry, names that are no string, a later entry of one name replacing the first,
         * a value that is no string (empty), "$x" and "$(" without ')' left, "$" at the end */
        {"    env:\n    - 5\n    - {name: 7, value: x}\n    - {value: y}\n    - {name: A, value: \"1\"}\n"
         "    - {name: A, value: \"30\"}\n    - {name: E, value: 9}\n",
         "--audit-log-maxage=$(A)", "--audit-log-maxage=30", KAP_MANIFEST_PASS},
        {"    env:\n    - {name: E, value: 9}\n", "--audit-log-maxage=3$(E)0", "--audit-log-maxage=30",
         KAP_MANIFEST_PASS},
        {"    env: {A: 1}\n", "--audit-log-maxage=$(A)", "--audit-log-maxage=$(A) is not an integer",
         KAP_MANIFEST_FAIL},
        {"    env: []\n", "--audit-log-maxage=3$x0", "--audit-log-maxage=3$x0 is not an integer", KAP_MANIFEST_FAIL},
        {"", "--audit-log-maxage=30$", "--audit-log-maxage=30$ is not an integer", KAP_MANIFEST_FAIL},
        /* an empty value beside valueFrom: kubelet takes valueFrom's, not known here */
        {"    env:\n    - {name: X, value: \"\", valueFrom: {fieldRef: {fieldPath: status.podIP}}}\n",
         "--audit-log-maxage=$(X)", "--audit-log-maxage=$(X) is not an integer", KAP_MANIFEST_FAIL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[2048];
        snprintf(body, sizeof body,
                 "%s    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                 "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n    - \"%s\"\n"
                 "    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n",
                 cases[i].env, cases[i].flag);
        pod_full("registry.k8s.io/kube-apiserver:v1.30.4", body, POLICY_MOUNT LOG_MOUNT, POLICY_VOL LOG_VOL);
        expect_now("log-maxage", cases[i].st, cases[i].want);
    }
    /* entries that double each other: expansion stops at 128 KiB (a
     * value longer is not known), rather than growing to 16 TiB */
    {
        static char env[4096], body[6144];
        size_t n = (size_t)snprintf(env, sizeof env, "    env:\n    - {name: V0, value: xxxxxxxxxxxxxxxx}\n");
        for (int i = 1; i <= 40; i++)
            n += (size_t)snprintf(env + n, sizeof env - n, "    - {name: V%d, value: \"$(V%d)$(V%d)\"}\n", i, i - 1,
                                  i - 1);
        ck_assert_uint_lt(n, sizeof env);
        snprintf(body, sizeof body,
                 "%s    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                 "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n    - --audit-log-maxage=$(V40)\n"
                 "    - --audit-log-maxbackup=$(V3)\n    - --audit-log-maxsize=100\n",
                 env);
        pod_full("registry.k8s.io/kube-apiserver:v1.30.4", body, POLICY_MOUNT LOG_MOUNT, POLICY_VOL LOG_VOL);
        kap_manifest_report *r = check_now();
        must(r, "log-maxage", KAP_MANIFEST_FAIL, "--audit-log-maxage=$(V40) is not an integer");
        must(r, "log-maxbackup", KAP_MANIFEST_FAIL, "--audit-log-maxbackup=xxxxxxxx");
        kap_manifest_report_free(r);
    }
    /* shells: bash with "-ec" in args, and ones that do not run kube-apiserver or are no shell */
    static const struct {
        const char *body;
        const char *want;
    } shells[] = {
        {"    command: [bash]\n    args: [-ec, \"exec kube-apiserver --v=2\"]\n", "through a shell script"},
        {"    command: [/bin/dash, 5, -c, \"kube-apiserver\"]\n", "through a shell script"},
        {"    command: [ash, \"kube-apiserver\"]\n", "no container in spec.containers runs kube-apiserver"},
        {"    command: [zsh, -c, \"kube-apiserver\"]\n", "no container in spec.containers runs kube-apiserver"},
        {"    command: [sh, -c, \"kube-apiserve\"]\n", "no container in spec.containers runs kube-apiserver"},
        {"    command: 5\n", "no container in spec.containers runs kube-apiserver"},
    };
    for (size_t i = 0; i < sizeof shells / sizeof shells[0]; i++) {
        pod_full("busybox", shells[i].body, POLICY_MOUNT, POLICY_VOL);
        expect_now("manifest-container", KAP_MANIFEST_FAIL, shells[i].want);
    }
    /* a workingDir that is no absolute path, or no string: paths from "/" */
    static const char *const wds[] = {"    workingDir: etc\n", "    workingDir: 5\n", "    workingDir: \"\"\n"};
    for (size_t i = 0; i < sizeof wds / sizeof wds[0]; i++) {
        char body[1024];
        snprintf(body, sizeof body, "%s    command:\n    - kube-apiserver\n" GOOD_FLAGS, wds[i]);
        pod_full("registry.k8s.io/kube-apiserver:v1.30.4", body, POLICY_MOUNT LOG_MOUNT, POLICY_VOL LOG_VOL);
        expect_now("policy-file", KAP_MANIFEST_PASS, NULL);
    }
    /* runAsUser given as what is no integer uid: root (nothing checked) */
    static const char *const users[] = {"    securityContext: {runAsUser: \"1000\"}\n",
                                        "    securityContext: {runAsUser: 1000000000000000000000000000000000000}\n",
                                        "    securityContext: {runAsUser: 1.5}\n",
                                        "    securityContext: {runAsUser: 99999999999}\n",
                                        "    securityContext: {runAsUser: -3}\n", "    securityContext: 5\n"};
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
        char body[1024];
        snprintf(body, sizeof body, "%s    command:\n    - kube-apiserver\n" GOOD_FLAGS, users[i]);
        pod_full("registry.k8s.io/kube-apiserver:v1.30.4", body, POLICY_MOUNT LOG_MOUNT, POLICY_VOL LOG_VOL);
        expect_now("policy-file", KAP_MANIFEST_PASS, NULL);
    }
    /* the uid that owns the files (root can give them away): the owner's
     * bits decide; supplemental groups that are no number count for
     * nothing */
    if (geteuid() == 0) {
        char p[512];
        snprintf(p, sizeof p, "%s/etc/kubernetes/audit-policy.yaml", root);
        ck_assert_int_eq(chown(p, 4242, 4242), 0);
        static const struct {
            mode_t mode;
            kap_manifest_status st;
        } own[] = {{0200, KAP_MANIFEST_FAIL}, {0400, KAP_MANIFEST_PASS}, {0040, KAP_MANIFEST_FAIL}};
        for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
            ck_assert_int_eq(chmod(p, own[i].mode), 0);
            char body[1024];
            snprintf(body, sizeof body,
                     "    securityContext: {runAsUser: 4242}\n    command:\n    - kube-apiserver\n" GOOD_FLAGS);
            pod_full("registry.k8s.io/kube-apiserver:v1.30.4", body, POLICY_MOUNT LOG_MOUNT, POLICY_VOL LOG_VOL);
            expect_now("policy-file", own[i].st, own[i].st == KAP_MANIFEST_FAIL ? "runs as uid 4242" : NULL);
        }
        ck_assert_int_eq(chmod(p, 0640), 0);
        char text[2048];
        snprintf(text, sizeof text,
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n"
                 "  securityContext: {runAsUser: 5000, runAsGroup: 1, supplementalGroups: [x, 7, 4242]}\n"
                 "  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
                 "    command:\n    - kube-apiserver\n" GOOD_FLAGS "    volumeMounts:\n" POLICY_MOUNT LOG_MOUNT
                 "  volumes:\n" POLICY_VOL LOG_VOL);
        put(MANIFEST, text);
        expect_now("policy-file", KAP_MANIFEST_PASS, NULL);
    }
    drop_root();
}
END_TEST

START_TEST(webhook_kubeconfigs)
{
    good_node();
    kap_manifest_report *r = with_webhook(NULL);
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "does not exist");
    kap_manifest_report_free(r);
    r = with_webhook("- a\n- b\n");
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "not a YAML mapping");
    kap_manifest_report_free(r);
    r = with_webhook("apiVersion: v1\nclusters: []\n");
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "has no clusters");
    kap_manifest_report_free(r);
    r = with_webhook("apiVersion: v1\nclusters: {a: b}\n");
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "has no clusters");
    kap_manifest_report_free(r);
    /* a server is needed by the current context's cluster only (clientcmd
     * validates that one); one of another type stops the file loading */
    static const char two[] = "clusters:\n- name: a\n  cluster: {server: https://a}\n- name: b\n  cluster: {server: \"\"}\n"
                              "- name: c\n  cluster: {}\ncontexts:\n- name: x\n  context: {cluster: %s}\ncurrent-context: x\n";
    char kc2[512];
    snprintf(kc2, sizeof kc2, two, "a");
    r = with_webhook(kc2);
    must(r, "webhook-config", KAP_MANIFEST_PASS, "names 3 cluster(s)");
    kap_manifest_report_free(r);
    snprintf(kc2, sizeof kc2, two, "b");
    r = with_webhook(kc2);
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "the cluster of its current context has no server");
    kap_manifest_report_free(r);
    snprintf(kc2, sizeof kc2, two, "c");
    r = with_webhook(kc2);
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "the cluster of its current context has no server");
    kap_manifest_report_free(r);
    r = with_webhook("clusters:\n- name: a\n  cluster: {server: 443}\n");
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "a cluster's server is not a string");
    kap_manifest_report_free(r);
    r = with_webhook("clusters:\n- name: a\ncontexts:\n- name: x\n  context: {cluster: a}\ncurrent-context: x\n");
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "the cluster \"a\" of its current context is not among its clusters");
    kap_manifest_report_free(r);
    r = with_webhook("clusters: [\n");
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "not a kubeconfig");
    kap_manifest_report_free(r);
    /* what client-go needs to use it (kube-apiserver stops at start-up
     * without): a current context that names a cluster of the file, and
     * the files that context names, readable in the container */
    static const char cl[] = "clusters:\n- name: a\n  cluster: {server: https://a, certificate-authority: %s}\n"
                             "users:\n- name: u\n  user: {client-certificate: %s, client-key-data: Zm9v}\n";
    char kc[1024];
    snprintf(kc, sizeof kc, "%s", "clusters:\n- name: a\n  cluster: {server: https://a}\n");
    r = with_webhook(kc);
    must(r, "webhook-config", KAP_MANIFEST_FAIL,
         "cannot be used: it has no current-context, so client-go finds no server");
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "(\"invalid configuration: no configuration has been provided\")");
    kap_manifest_report_free(r);
    r = with_webhook("clusters:\n- name: a\n  cluster: {server: https://a}\ncurrent-context: c\n");
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "its current-context \"c\" is not among its contexts");
    kap_manifest_report_free(r);
    r = with_webhook("clusters:\n- name: a\n  cluster: {server: https://a}\n"
                     "contexts:\n- name: c\n  context: {cluster: b}\ncurrent-context: c\n");
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "the cluster \"b\" of its current context is not among its clusters");
    kap_manifest_report_free(r);
    /* a CA beside the kubeconfig (relative to its directory), not mounted */
    put("/etc/kubernetes/pki/audit-ca.crt", "x\n");
    snprintf(kc, sizeof kc, cl, "pki/audit-ca.crt", "/etc/kubernetes/webhook.kubeconfig");
    strcat(kc, "contexts:\n- name: c\n  context: {cluster: a, user: u}\ncurrent-context: c\n");
    r = with_webhook(kc);
    must(r, "webhook-config", KAP_MANIFEST_FAIL,
         "its certificate-authority /etc/kubernetes/pki/audit-ca.crt is not on a hostPath volumeMount");
    kap_manifest_report_free(r);
    /* mounted, but the user's certificate is missing on the host */
    put("/etc/kubernetes/webhook.kubeconfig", kc);
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4",
             "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-webhook-config-file=/etc/kubernetes/hook/webhook.kubeconfig\n",
             POLICY_MOUNT "    - {name: hook, mountPath: /etc/kubernetes/hook, readOnly: true}\n",
             POLICY_VOL "  - name: hook\n    hostPath: {path: /etc/kubernetes}\n");
    snprintf(kc, sizeof kc, cl, "pki/audit-ca.crt", "/etc/kubernetes/hook/pki/client.crt");
    strcat(kc, "contexts:\n- name: c\n  context: {cluster: a, user: u}\ncurrent-context: c\n");
    put("/etc/kubernetes/webhook.kubeconfig", kc);
    expect_now("webhook-config", KAP_MANIFEST_FAIL,
               "its client-certificate /etc/kubernetes/hook/pki/client.crt is mounted from the host's "
               "/etc/kubernetes/pki/client.crt, which is not a file there");
    put("/etc/kubernetes/pki/client.crt", "x\n");
    expect_now("webhook-config", KAP_MANIFEST_PASS, "names 1 cluster");
    /* skipping verification beside that certificate authority: refused
     * once the file is read, and only then (client-go opens the files the
     * kubeconfig names before it builds the transport) */
    snprintf(kc, sizeof kc, cl, "pki/audit-ca.crt, insecure-skip-tls-verify: true",
             "/etc/kubernetes/hook/pki/client.crt");
    strcat(kc, "contexts:\n- name: c\n  context: {cluster: a, user: u}\ncurrent-context: c\n");
    put("/etc/kubernetes/webhook.kubeconfig", kc);
    expect_now("webhook-config", KAP_MANIFEST_FAIL, "insecure-skip-tls-verify beside a certificate authority");
    char ca[512];
    snprintf(ca, sizeof ca, "%s/etc/kubernetes/pki/audit-ca.crt", root);
    ck_assert_int_eq(unlink(ca), 0);
    expect_now("webhook-config", KAP_MANIFEST_FAIL,
               "its certificate-authority /etc/kubernetes/hook/pki/audit-ca.crt is mounted from the host's "
               "/etc/kubernetes/pki/audit-ca.crt, which is not a file there");
    /* a directory */
    char p[512];
    snprintf(p, sizeof p, "%s/etc/kubernetes/webhook.kubeconfig", root);
    unlink(p);
    mkdir(p, 0755);
    r = with_webhook(NULL);
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "is a directory");
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* ---- the policy loads, with kube-apiserver's lenient-decoding warning ---- */

START_TEST(policy_loads_with_a_warning)
{
    good_node();
    /* an unknown field: strict decoding fails, lenient decoding succeeds
     * (1.26 and later log the warning) */
    put("/etc/kubernetes/audit-policy.yaml", POLICY "colour: blue\n");
    pod(GOOD_FLAGS);
    expect_now("policy-loads", KAP_MANIFEST_WARN, "falling back to lenient decoding");
    /* an empty --audit-policy-file is the same as none */
    pod("    - --audit-policy-file=\n    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n");
    expect_now("policy-flag", KAP_MANIFEST_FAIL, "is empty");
    drop_root();
}
END_TEST

/* ---- where the manifest is given ---- */

START_TEST(relative_manifest_paths)
{
    good_node();
    pod(GOOD_FLAGS);
    char cwd[PATH_MAX], dir[512];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    snprintf(dir, sizeof dir, "%s/etc/kubernetes", root);
    ck_assert_int_eq(chdir(dir), 0);
    /* relative to the working directory, inside the root */
    kap_manifest_report *r = check_path("manifests/kube-apiserver.yaml", KAP_OK);
    must(r, "manifest-parse", KAP_MANIFEST_PASS, NULL);
    must(r, "static-pod-path", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);
    r = check_path("./manifests/../manifests/kube-apiserver.yaml", KAP_OK);
    must(r, "policy-loads", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);
    /* leaving the root: refused */
    r = check_path("../../../kube-apiserver.yaml", KAP_EARG);
    ck_assert_ptr_nonnull(strstr(kap_manifest_report_error(r), "outside the root"));
    kap_manifest_report_free(r);
    ck_assert_int_eq(chdir(cwd), 0);

    /* a root given with trailing slashes is the same root */
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    char slashed[512];
    snprintf(slashed, sizeof slashed, "%s///", root);
    o.root = slashed;
    r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(&r, MANIFEST, &o), KAP_OK);
    must(r, "policy-loads", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);

    /* the root "/" with a relative manifest: the path from the working directory */
    o.root = "/";
    ck_assert_int_eq(chdir(root), 0);
    r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(&r, "etc/kubernetes/manifests/kube-apiserver.yaml", &o), KAP_OK);
    must(r, "manifest-parse", KAP_MANIFEST_PASS, NULL);
    ck_assert_str_eq(kap_manifest_report_manifest(r), "etc/kubernetes/manifests/kube-apiserver.yaml");
    kap_manifest_report_free(r);
    /* a file whose size stat gives as 0, though it has bytes (procfs): read
     * to its end all the same */
    if (access("/proc/sys/kernel/ostype", R_OK) == 0) {
        o.kubelet_config = "/proc/sys/kernel/ostype";
        r = NULL;
        ck_assert_int_eq(kap_manifest_check_file(&r, "etc/kubernetes/manifests/kube-apiserver.yaml", &o), KAP_OK);
        must(r, "static-pod-path", KAP_MANIFEST_FAIL, "/proc/sys/kernel/ostype is no KubeletConfiguration kubelet "
                                                      "decodes (it is not a mapping)");
        kap_manifest_report_free(r);
        o.kubelet_config = NULL;
    }
    ck_assert_int_eq(chdir(cwd), 0);
    drop_root();
}
END_TEST

START_TEST(bad_arguments)
{
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    kap_manifest_report *r = NULL;
    /* an options struct never initialised */
    o.version = 0;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_EARG);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(kap_manifest_check_buffer(&r, NULL, "x", 1, &o), KAP_EARG);
    ck_assert_ptr_null(r);
    kap_manifest_options_init(&o);
    /* no data but a length */
    ck_assert_int_eq(kap_manifest_check_buffer(&r, NULL, NULL, 5, &o), KAP_EARG);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(kap_manifest_check_file(NULL, NULL, &o), KAP_EARG);
    /* a root that is not a directory */
    o.root = "/dev/null";
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_EIO);
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_nonnull(strstr(kap_manifest_report_error(r), "cannot use as the root"));
    kap_manifest_report_free(r);
    /* accessors on no report */
    ck_assert_ptr_null(kap_manifest_report_manifest(NULL));
    ck_assert_ptr_null(kap_manifest_report_policy_file(NULL));
    ck_assert_ptr_null(kap_manifest_report_policy_diagnostics(NULL));
    ck_assert_ptr_null(kap_manifest_report_error(NULL));
    ck_assert_uint_eq(kap_manifest_report_kube_minor(NULL), 0);
    ck_assert_uint_eq(kap_manifest_report_count(NULL), 0);
    ck_assert_ptr_null(kap_manifest_report_get(NULL, 0));
    kap_manifest_report_free(NULL);
    kap_manifest_options_init(NULL);
}
END_TEST

START_TEST(buffers_that_are_not_pods)
{
    good_node();
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    static const struct {
        const char *text, *part;
    } cases[] = {
        {"", "the file is empty"},
        {"\n  \n", "the file is empty"},
        /* no node, only comments or markers: said so, not "empty" */
        {"# kube-apiserver: moved to kube-apiserver.yaml.d\n\n  # indented\n",
         "the file holds no YAML document, only comments"},
        {"---\n", "the file holds no YAML document, only document markers (---)"},
        {"# a\n---\n# b\n", "the file holds no YAML document, only comments and document markers (---)"},
        {"\xEF\xBB\xBF# a\r\n--- # b\r\n...\r\n", "only comments and document markers (---)"},
        {"---\t# after a tab\n...\t\n", "only comments and document markers (---)"},
        /* a null written out is one: not taken for nothing */
        {"# a\n---\nnull\n", "a null, not a Pod object"},
        {"# a\n---\n~\n", "a null, not a Pod object"},
        {"- a\n- b\n", "a list, not a Pod object"},
        {"  [1, 2]", "a list, not a Pod object"},
        {"just words\n", "not a Pod object"},
        {" \t\r\n{\"kind\": ", "not a manifest kubelet can read"},
        {"a: [\n", "not a manifest kubelet can read"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kap_manifest_report *r = NULL;
        ck_assert_int_eq(kap_manifest_check_buffer(&r, MANIFEST, cases[i].text, strlen(cases[i].text), &o),
                         KAP_EINVALID);
        const char *e = kap_manifest_report_error(r);
        ck_assert_msg(e && strstr(e, cases[i].part), "case %zu: %s", i, e ? e : "(none)");
        ck_assert_uint_eq(kap_manifest_report_count(r), 1);
        ck_assert_int_eq(kap_manifest_report_worst(r), KAP_MANIFEST_FAIL);
        ck_assert_str_eq(kap_manifest_report_get(r, 0)->id, "manifest-parse");
        kap_manifest_report_free(r);
    }
    /* JSON after blank lines: read as JSON */
    const char *json = "\n\n  {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"spec\": {\"containers\": "
                       "[{\"name\": \"a\", \"command\": [\"kube-apiserver\"]}]}}";
    kap_manifest_report *r = NULL;
    ck_assert_int_eq(kap_manifest_check_buffer(&r, MANIFEST, json, strlen(json), &o), KAP_OK);
    must(r, "manifest-parse", KAP_MANIFEST_PASS, "JSON");
    must(r, "manifest-container", KAP_MANIFEST_PASS, "'a'");
    kap_manifest_report_free(r);
    /* a container with no name */
    const char *noname = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"spec\": {\"containers\": "
                         "[{\"command\": [\"kube-apiserver\"]}]}}";
    r = NULL;
    ck_assert_int_eq(kap_manifest_check_buffer(&r, MANIFEST, noname, strlen(noname), &o), KAP_OK);
    must(r, "manifest-container", KAP_MANIFEST_PASS, "container ''");
    kap_manifest_report_free(r);
    /* kind and apiVersion not strings */
    const char *notpod = "{\"apiVersion\": 1, \"kind\": [\"Pod\"]}";
    r = NULL;
    ck_assert_int_eq(kap_manifest_check_buffer(&r, MANIFEST, notpod, strlen(notpod), &o), KAP_OK);
    must(r, "manifest-pod", KAP_MANIFEST_FAIL, "(apiVersion missing, kind missing)");
    kap_manifest_report_free(r);
    /* larger than max_file_size: KAP_ELIMIT (kap.h) */
    o.max_file_size = 4;
    r = NULL;
    ck_assert_int_eq(kap_manifest_check_buffer(&r, MANIFEST, json, strlen(json), &o), KAP_ELIMIT);
    ck_assert_ptr_nonnull(kap_manifest_report_error(r));
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

START_TEST(kubelet_config_edges)
{
    good_node();
    pod(GOOD_FLAGS);
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    kap_manifest_report *r;
    /* staticPodPath empty */
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: \"\"\n");
    r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_OK);
    must(r, "static-pod-path", KAP_MANIFEST_FAIL, "sets no staticPodPath");
    kap_manifest_report_free(r);
    /* not YAML: kubelet stops, if it reads the file; no unit names it
     * here (the default path), so a WARN; named, a FAIL */
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: [\n");
    r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_OK);
    must(r, "static-pod-path", KAP_MANIFEST_WARN,
         "is not YAML (/var/lib/kubelet/config.yaml:4:1: yaml: line 3: did not find expected node content)");
    must(r, "static-pod-path", KAP_MANIFEST_WARN, "(if kubelet reads this file: no kubelet command line here names it)");
    kap_manifest_report_free(r);
    put("/var/lib/kubelet/config.yaml", "kind: KubeletConfiguration\n");
    expect_now("static-pod-path", KAP_MANIFEST_WARN, "(it has no apiVersion): kubelet stops at start-up and runs no "
                                                     "static pod, this one included (if kubelet reads this file");
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: [\n");
    o.kubelet_config = "/var/lib/kubelet/config.yaml";
    r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_OK);
    must(r, "static-pod-path", KAP_MANIFEST_FAIL, "is not YAML");
    kap_manifest_report_free(r);
    o.kubelet_config = NULL;
    /* a directory that does not exist: another directory than the manifest's */
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: /etc/kubernetes/nowhere\n");
    r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_OK);
    must(r, "static-pod-path", KAP_MANIFEST_FAIL, "editing this manifest changes nothing");
    kap_manifest_report_free(r);
    /* the default config missing: not checked, a PASS */
    char p[512];
    snprintf(p, sizeof p, "%s/var/lib/kubelet/config.yaml", root);
    unlink(p);
    r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_OK);
    must(r, "static-pod-path", KAP_MANIFEST_PASS, "not checked");
    kap_manifest_report_free(r);
    /* a given config that is a directory */
    o.kubelet_config = "/var/lib";
    r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_OK);
    must(r, "static-pod-path", KAP_MANIFEST_WARN, "cannot be read");
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

START_TEST(manifests_dir_listing)
{
    good_node();
    pod(GOOD_FLAGS);
    /* other static pods and a file that is not YAML: kubelet runs the pods,
     * ignores what it cannot read as one */
    put("/etc/kubernetes/manifests/etcd.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: etcd\n    command: [etcd]\n");
    put("/etc/kubernetes/manifests/notes.txt", "a: [\n");
    put("/etc/kubernetes/manifests/apiserver.json",
        "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"old\"}, "
        "\"spec\": {\"containers\": [{\"image\": \"kube-apiserver:v1.30.0\"}]}}");
    expect_now("manifest-dir", KAP_MANIFEST_FAIL, "apiserver.json");
    drop_root();
}
END_TEST

START_TEST(manifest_places)
{
    good_node();
    pod(GOOD_FLAGS);
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    char text[8192];
    char path[512];
    snprintf(path, sizeof path, "%s" MANIFEST, root);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = 0;
    /* the bytes given as a manifest in a directory that is not there: the
     * directory cannot be listed (a warning), the rest is checked */
    kap_manifest_report *r = NULL;
    ck_assert_int_eq(kap_manifest_check_buffer(&r, "/nowhere/kube-apiserver.yaml", text, len, &o), KAP_OK);
    must(r, "manifest-dir", KAP_MANIFEST_WARN, "cannot be listed");
    must(r, "policy-loads", KAP_MANIFEST_PASS, NULL);
    must(r, "static-pod-path", KAP_MANIFEST_FAIL, "not from /nowhere");
    kap_manifest_report_free(r);
    /* a manifest at the root itself */
    r = NULL;
    ck_assert_int_eq(kap_manifest_check_buffer(&r, "/kube-apiserver.yaml", text, len, &o), KAP_OK);
    must(r, "manifest-dir", KAP_MANIFEST_PASS, NULL);
    must(r, "static-pod-path", KAP_MANIFEST_FAIL, "not from /:");
    kap_manifest_report_free(r);
    /* staticPodPath through a regular file */
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: /etc/kubernetes/audit-policy.yaml/manifests\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "editing this manifest changes nothing");
    drop_root();
}
END_TEST

START_TEST(log_paths)
{
    good_node();
    /* a log file at the top: its directory is "/", which nothing mounts */
    pod("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n    - --audit-log-path=/audit.log\n");
    expect_now("log-mount", KAP_MANIFEST_FAIL, "not under any volumeMount");
    /* the log directory inside the manifests directory */
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4",
             "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=/etc/kubernetes/manifests/audit/audit.log\n",
             POLICY_MOUNT "    - {name: l, mountPath: /etc/kubernetes/manifests/audit}\n",
             POLICY_VOL "  - name: l\n    hostPath: {path: /etc/kubernetes/manifests/audit, type: DirectoryOrCreate}\n");
    kap_manifest_report *r = check_now();
    must(r, "paths-separate", KAP_MANIFEST_WARN,
         "the log directory /etc/kubernetes/manifests/audit is inside the manifests directory: kubelet does not run "
         "the files of its subdirectories");
    ck_assert_uint_eq(count_status(r, "paths-separate", KAP_MANIFEST_FAIL), 0);
    kap_manifest_report_free(r);
    /* the log directory is the manifests directory; the policy in a
     * subdirectory of it is not read as a pod */
    put("/etc/kubernetes/manifests/sub/policy.yaml", POLICY);
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4",
             "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/manifests/sub/policy.yaml\n"
             "    - --audit-log-path=/etc/kubernetes/manifests/audit.log\n",
             "    - {name: m, mountPath: /etc/kubernetes/manifests}\n",
             "  - name: m\n    hostPath: {path: /etc/kubernetes/manifests, type: Directory}\n");
    r = check_now();
    must(r, "paths-separate", KAP_MANIFEST_FAIL,
         "the log directory /etc/kubernetes/manifests is the manifests directory: kubelet tries to run each log file");
    ck_assert_uint_eq(count_status(r, "paths-separate", KAP_MANIFEST_WARN), 0);
    kap_manifest_report_free(r);
    /* the policy in the log's directory */
    put("/var/log/kubernetes/audit/policy.yaml", POLICY);
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4",
             "    command:\n    - kube-apiserver\n    - --audit-policy-file=/var/log/kubernetes/audit/policy.yaml\n"
             "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n",
             LOG_MOUNT, LOG_VOL);
    expect_now("paths-separate", KAP_MANIFEST_FAIL, NULL);
    drop_root();
}
END_TEST

/* A path is walked as the kernel walks it: a component with anything
 * after it, even a '/', '.' or '..' alone, must be a directory (ENOTDIR),
 * and '..' is taken only from one that exists (ENOENT); root_resolve on
 * the host, the flags' paths in the container */
static int resolve(const char *path)
{
    rootfs rt = {open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), ""};
    ck_assert_int_ge(rt.fd, 0);
    kap_buf out = {0};
    int err = root_resolve(&rt, path, &out);
    buf_free(&out);
    close(rt.fd);
    return err;
}

START_TEST(paths_as_the_kernel_walks_them)
{
    good_node();
    char at[512];
    snprintf(at, sizeof at, "%s/etc/kubernetes/link", root);
    ck_assert_int_eq(symlink("audit-policy.yaml", at), 0);
    snprintf(at, sizeof at, "%s/etc/kubernetes/slash", root);
    ck_assert_int_eq(symlink("audit-policy.yaml/", at), 0);
    ck_assert_int_eq(resolve("/etc/kubernetes/audit-policy.yaml"), 0);
    ck_assert_int_eq(resolve("/etc/kubernetes/./audit-policy.yaml"), 0);
    ck_assert_int_eq(resolve("/etc/kubernetes/../kubernetes/audit-policy.yaml"), 0);
    ck_assert_int_eq(resolve("/etc/kubernetes/"), 0);
    ck_assert_int_eq(resolve("/etc/kubernetes/link"), 0);
    ck_assert_int_eq(resolve("/etc/kubernetes/audit-policy.yaml/"), ENOTDIR);
    ck_assert_int_eq(resolve("/etc/kubernetes/audit-policy.yaml/."), ENOTDIR);
    ck_assert_int_eq(resolve("/etc/kubernetes/audit-policy.yaml/.."), ENOTDIR);
    ck_assert_int_eq(resolve("/etc/kubernetes/audit-policy.yaml/../audit-policy.yaml"), ENOTDIR);
    ck_assert_int_eq(resolve("/etc/kubernetes/link/"), ENOTDIR);
    ck_assert_int_eq(resolve("/etc/kubernetes/slash"), ENOTDIR);
    ck_assert_int_eq(resolve("/etc/nonexist/../kubernetes/audit-policy.yaml"), ENOENT);

    /* the policy's flag: its file is mounted by itself */
    static const struct {
        const char *value, *text;
    } bad[] = {
        {"/etc/kubernetes/audit-policy.yaml/", "past /etc/kubernetes/audit-policy.yaml, which is not a directory"},
        {"/etc/kubernetes/audit-policy.yaml/.", "(\"Not a directory\")"},
        {"/etc/kubernetes/audit-policy.yaml/../audit-policy.yaml", "(\"Not a directory\")"},
        {"/etc/nonexist/../kubernetes/audit-policy.yaml",
         "past /etc/nonexist, which is on no volumeMount (the image's own file system"},
    };
    char flags[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(flags, sizeof flags,
                 "    - --audit-policy-file=%s\n    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n",
                 bad[i].value);
        pod(flags);
        kap_manifest_report *r = check_now();
        must(r, "policy-file", KAP_MANIFEST_FAIL, bad[i].text);
        must(r, "policy-mount", KAP_MANIFEST_PASS, NULL);
        ck_assert_int_eq(kap_manifest_report_worst(r), KAP_MANIFEST_FAIL);
        kap_manifest_report_free(r);
    }
    /* what the kernel takes: '..' from a directory, '.' */
    pod("    - --audit-policy-file=/etc/kubernetes/../kubernetes/./audit-policy.yaml\n"
        "    - --audit-log-path=/var/log/kubernetes/audit/../audit/audit.log\n");
    kap_manifest_report *r = check_now();
    must(r, "policy-file", KAP_MANIFEST_PASS, NULL);
    must(r, "log-dir", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);
    /* the log's: a directory missing before '..' */
    pod("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
        "    - --audit-log-path=/var/log/kubernetes/audit/gone/../audit.log\n");
    expect_now("log-dir", KAP_MANIFEST_FAIL,
               "past /var/log/kubernetes/audit/gone, which does not exist: the kernel refuses the path (\"No such "
               "file or directory\")");
    /* the webhook's kubeconfig: past the policy, a file */
    pod("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
        "    - --audit-webhook-config-file=/etc/kubernetes/audit-policy.yaml/.\n");
    expect_now("webhook-config", KAP_MANIFEST_FAIL,
               "--audit-webhook-config-file=/etc/kubernetes/audit-policy.yaml/. goes on ('/', '.' or '..') "
               "past /etc/kubernetes/audit-policy.yaml, which is not a directory");
    drop_root();
}
END_TEST

/* A relative path on no mount: the FAIL names the cause (relative, a
 * value that is the next flag, quotes kept), and its fix is an absolute
 * path, never a mount of the host's / */
static void fix_must(const kap_manifest_report *r, const char *id, const char *msg, const char *fix)
{
    for (size_t i = 0; i < kap_manifest_report_count(r); i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        if (strcmp(c->id, id) == 0 && c->status == KAP_MANIFEST_FAIL && strstr(c->message, msg)) {
            ck_assert_msg(strstr(c->fix, fix), "fix: %s", c->fix);
            ck_assert_msg(!strstr(c->fix, "mountPath: /}") && !strstr(c->fix, "path: /,"), "fix: %s", c->fix);
            return;
        }
    }
    dump(r);
    ck_abort_msg("no FAIL %s with '%s'", id, msg);
}

START_TEST(relative_flag_paths)
{
    good_node();
    static const struct {
        const char *flags, *id, *msg, *fix;
    } cases[] = {
        {"    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n    - --audit-log-path\n"
         "    - --audit-log-maxage=30\n",
         "log-mount",
         "(--audit-log-path=--audit-log-maxage=30) is not under any volumeMount: kube-apiserver sees the "
         "container's own filesystem, not the host's; the path is relative: kube-apiserver opens it from its "
         "working directory (/, as workingDir is not set); the value looks like a flag: --audit-log-path was given "
         "no value",
         "give --audit-log-path an absolute path as its value, e.g. --audit-log-path=/var/log/kubernetes/audit/"
         "audit.log, and mount its directory from a writable hostPath volume"},
        {"    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n    - --audit-log-path=audit.log\n",
         "log-mount", "(--audit-log-path=audit.log) is not under any volumeMount: kube-apiserver sees the "
         "container's own filesystem, not the host's; the path is relative: kube-apiserver opens it from its working",
         "give --audit-log-path an absolute path, e.g. --audit-log-path=/var/log/kubernetes/audit/audit.log"},
        {"    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n    - '--audit-log-path=\"/var/log/x.log\"'\n",
         "log-mount", "its quotes are part of the path: kubelet starts kube-apiserver without a shell",
         "give --audit-log-path an absolute path without quotes, e.g. --audit-log-path=/var/log/x.log,"},
        {"    - --audit-policy-file=audit-policy.yaml\n    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n",
         "policy-mount", "(--audit-policy-file=audit-policy.yaml) is not under any volumeMount: kube-apiserver sees "
         "the container's own filesystem, not the host's; the path is relative",
         "give --audit-policy-file an absolute path, e.g. --audit-policy-file=/etc/kubernetes/audit-policy.yaml, "
         "and mount it from a read-only hostPath volume"},
        /* absolute, but in /: no mount of the host's / either */
        {"    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n    - --audit-log-path=/audit.log\n",
         "log-mount", "the log's directory / (--audit-log-path=/audit.log) is not under any volumeMount",
         "give the log a directory of its own, e.g. --audit-log-path=/var/log/kubernetes/audit/audit.log"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pod(cases[i].flags);
        kap_manifest_report *r = check_now();
        fix_must(r, cases[i].id, cases[i].msg, cases[i].fix);
        kap_manifest_report_free(r);
    }
    drop_root();
}
END_TEST

/* The new checks' corners: versions by release and backend, kubeconfig
 * shapes client-go cannot use, pod names, validation of hostPath paths,
 * a subPath under a volume path that is a file */
START_TEST(corners_of_later_checks)
{
    good_node();
    /* an image before 1.24 may still write v1beta1 */
    pod_full("registry.k8s.io/kube-apiserver:v1.23.4",
             "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
             "    - --audit-log-version=audit.k8s.io/v1beta1\n    - --audit-webhook-version=audit.k8s.io/v1alpha1\n",
             POLICY_MOUNT LOG_MOUNT, POLICY_VOL LOG_VOL);
    kap_manifest_report *r = check_now();
    must(r, "log-version", KAP_MANIFEST_PASS, "audit.k8s.io/v1beta1");
    ck_assert_uint_eq(count_status(r, "webhook-version", KAP_MANIFEST_FAIL) + count_status(r, "webhook-version", KAP_MANIFEST_PASS), 0); /* no webhook */
    kap_manifest_report_free(r);
    pod_full("registry.k8s.io/kube-apiserver:v1.23.4",
             "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
             "    - --audit-log-version=audit.k8s.io/v2\n",
             POLICY_MOUNT LOG_MOUNT, POLICY_VOL LOG_VOL);
    expect_now("log-version", KAP_MANIFEST_FAIL, "audit.k8s.io/v2");
    /* the webhook's version, with a webhook */
    put("/etc/kubernetes/webhook.kubeconfig",
        "clusters:\n- name: a\n  cluster: {server: https://a}\ncontexts:\n- name: c\n  context: {cluster: a}\n"
        "current-context: c\n");
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4",
             "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-webhook-config-file=/etc/kubernetes/webhook.kubeconfig\n"
             "    - --audit-webhook-version=audit.k8s.io/v1beta1\n    - --audit-log-maxage=-3\n",
             POLICY_MOUNT "    - {name: hook, mountPath: /etc/kubernetes/webhook.kubeconfig, readOnly: true}\n",
             POLICY_VOL "  - name: hook\n    hostPath: {path: /etc/kubernetes/webhook.kubeconfig}\n");
    r = check_now();
    must(r, "webhook-version", KAP_MANIFEST_FAIL, "--audit-webhook-version=audit.k8s.io/v1beta1");
    ck_assert_uint_eq(count_status(r, "log-truncate", KAP_MANIFEST_PASS) + count_status(r, "log-truncate", KAP_MANIFEST_FAIL), 0); /* no log */
    ck_assert_uint_eq(count_status(r, "webhook-truncate", KAP_MANIFEST_PASS) + count_status(r, "webhook-truncate", KAP_MANIFEST_FAIL), 0); /* not given */
    ck_assert_uint_eq(count_status(r, "log-version", KAP_MANIFEST_FAIL) + count_status(r, "log-version", KAP_MANIFEST_PASS), 0);
    must(r, "webhook-config", KAP_MANIFEST_PASS, NULL);
    ck_assert_uint_eq(count_status(r, "log-maxage", KAP_MANIFEST_FAIL), 0); /* no log: not validated */
    kap_manifest_report_free(r);

    /* the webhook's truncate sizes: an event size over the default batch,
     * with no batch given; a batch alone */
    static const char *const trunc[][3] = {
        {"    - --audit-webhook-truncate-max-event-size=20971520\n", "FAIL",
         "--audit-webhook-truncate-max-batch-size 10485760 is below --audit-webhook-truncate-max-event-size 20971520"},
        {"    - --audit-webhook-truncate-max-batch-size=204800\n", "PASS",
         "--audit-webhook-truncate-max-event-size 102400, --audit-webhook-truncate-max-batch-size 204800"},
        {"    - --audit-webhook-truncate-max-event-size=0x\n", "FAIL", "is not an integer"},
    };
    for (size_t i = 0; i < sizeof trunc / sizeof trunc[0]; i++) {
        char body[1024];
        snprintf(body, sizeof body,
                 "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                 "    - --audit-webhook-config-file=/etc/kubernetes/webhook.kubeconfig\n%s",
                 trunc[i][0]);
        pod_full("registry.k8s.io/kube-apiserver:v1.30.4", body,
                 POLICY_MOUNT "    - {name: hook, mountPath: /etc/kubernetes/webhook.kubeconfig, readOnly: true}\n",
                 POLICY_VOL "  - name: hook\n    hostPath: {path: /etc/kubernetes/webhook.kubeconfig}\n");
        expect_now("webhook-truncate", strcmp(trunc[i][1], "FAIL") == 0 ? KAP_MANIFEST_FAIL : KAP_MANIFEST_PASS,
                   trunc[i][2]);
    }

    /* kubeconfig shapes */
    static const char *const bad[][2] = {
        {"clusters:\n- name: a\n  cluster: {server: https://a}\ncurrent-context: 7\n", "its current-context is not a string"},
        {"clusters:\n- name: a\n  cluster: {server: https://a}\ncontexts: {c: x}\ncurrent-context: c\n",
         "its contexts is not a list, so client-go cannot load the file"},
        {"clusters:\n- name: a\n  cluster: {server: https://a}\n- cluster: {server: https://b}\n- cluster: {}\n"
         "contexts:\n- name: c\n  context: {cluster: a}\ncurrent-context: c\n",
         "two of its clusters are named \"\" (client-go: \"duplicate name\")"},
        {"clusters:\n- name: a\n  cluster: {server: https://a}\nusers:\n- name: [u]\n"
         "contexts:\n- name: c\n  context: {cluster: a}\ncurrent-context: c\n",
         "a name among its users is not a string"},
        {"clusters:\n- name: a\n  cluster: {server: https://a}\ncontexts:\n- name: c\n  context: 5\n"
         "current-context: c\n",
         "is not among its contexts"},
        {"clusters:\n- name: a\n  cluster: {server: https://a}\ncontexts:\n- name: c\n  context: {cluster: 1}\n"
         "current-context: c\n",
         "the cluster \"\" of its current context"},
        {"clusters:\n- name: a\n  cluster: {server: https://a}\ncontexts:\n- name: c\n  context: {cluster: a, user: u}\n"
         "users:\n- name: u\n  user: {tokenFile: tok}\ncurrent-context: c\n",
         "its tokenFile /etc/kubernetes/tok is not on a hostPath volumeMount"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = with_webhook(bad[i][0]);
        must(r, "webhook-config", KAP_MANIFEST_FAIL, bad[i][1]);
        kap_manifest_report_free(r);
    }
    /* files client-go does not read: the token file beside a token, a key without a certificate */
    r = with_webhook("clusters:\n- name: a\n  cluster: {server: https://a, certificate-authority-data: Zm9v}\n"
                     "contexts:\n- name: c\n  context: {cluster: a, user: u}\n"
                     "users:\n- name: u\n  user: {token: abc, tokenFile: /no/tok, client-key: /no/key}\n"
                     "current-context: c\n");
    must(r, "webhook-config", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);
    r = with_webhook("clusters:\n- name: a\n  cluster: {server: https://a}\n"
                     "contexts:\n- name: c\n  context: {cluster: a, user: u}\n"
                     "users:\n- name: u\n  user: {client-certificate-data: Zm9v, client-key: /no/key}\n"
                     "current-context: c\n");
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "its client-key /no/key is not on a hostPath volumeMount");
    kap_manifest_report_free(r);
    /* what clientcmd's validation and the TLS set-up refuse (each
     * message is client-go's): a file beside its inline value, a
     * certificate without a key, two ways of authenticating, skipping
     * verification beside a certificate authority */
    static const char *const refused[][3] = {
        {"certificate-authority: /no/ca, certificate-authority-data: Zm9v", "token: t",
         "both certificate-authority and certificate-authority-data"},
        {"certificate-authority-data: Zm9v", "client-certificate: /c, client-certificate-data: Zm9v, client-key-data: Zm9v",
         "both client-certificate and client-certificate-data"},
        {"insecure-skip-tls-verify: false", "client-certificate-data: Zm9v, client-key: /k, client-key-data: Zm9v",
         "both client-key and client-key-data"},
        {"insecure-skip-tls-verify: false", "client-certificate-data: Zm9v, client-key: \"\"",
         "a client certificate and no key"},
        {"insecure-skip-tls-verify: false", "token: t, username: u", "a token and a username or password"},
        {"insecure-skip-tls-verify: false", "token: t, password: p", "a token and a username or password"},
        {"insecure-skip-tls-verify: true, certificate-authority-data: Zm9v", "token: t",
         "insecure-skip-tls-verify beside a certificate authority"},
        /* the file is opened first (ConfirmUsable), the conflict found
         * after, when the transport is built (TLSConfigFor) */
        {"insecure-skip-tls-verify: yes, certificate-authority: /no/ca", "token: t",
         "its certificate-authority /no/ca is not on a hostPath volumeMount"},
        {"proxy-url: proxy.internal:3128", "token: t", "proxy-url has no http, https or socks5 scheme"},
        {"proxy-url: ftp://proxy.internal", "token: t", "proxy-url has no http, https or socks5 scheme"},
        {"proxy-url: proxy.internal", "token: t", "proxy-url has no http, https or socks5 scheme"},
        /* what Go's url.Parse refuses (client-go: "could not parse") */
        {"proxy-url: 1http://proxy.internal", "token: t",
         "url.Parse takes (first path segment in URL cannot contain colon"},
        {"proxy-url: \"http://proxy\\tinternal\"", "token: t",
         "url.Parse takes (net/url: invalid control character in URL"},
        {"proxy-url: \"http://proxy:3128/\\x7f\"", "token: t", "url.Parse takes (net/url: invalid control character"},
        {"proxy-url: \"://proxy.internal\"", "token: t", "url.Parse takes (missing protocol scheme"},
        {"proxy-url: \"http://proxy:31a8\"", "token: t", "proxy-url is not a URL Go's url.Parse takes (invalid port "
         "after host; client-go: \"invalid 'proxy-url' ...: could not parse\")"},
        {"proxy-url: \"socks5://proxy:1080:x\"", "token: t", "url.Parse takes (invalid port after host"},
        {"proxy-url: \"http://[::1\"", "token: t", "url.Parse takes (missing ']' in host"},
        {"proxy-url: \"http://[::1]3128\"", "token: t", "url.Parse takes (invalid port after host"},
        {"proxy-url: \"http://[::1]:31a8/\"", "token: t", "url.Parse takes (invalid port after host"},
        {"proxy-url: \"http://pr%zzoxy:3128\"", "token: t", "url.Parse takes (invalid URL escape"},
        {"proxy-url: \"http://proxy:3128%41\"", "token: t", "url.Parse takes (invalid port after host"},
        {"proxy-url: \"http://proxy%4\"", "token: t", "url.Parse takes (invalid URL escape"},
        {"proxy-url: \"http://pr%41xy:3128\"", "token: t", "url.Parse takes (invalid URL escape"},
        {"proxy-url: \"http://[fe80::1%25en%2F0]:3128\"", "token: t", "url.Parse takes (invalid URL escape"},
        {"proxy-url: \"http://[fe80::1%en0]:3128\"", "token: t", "url.Parse takes (invalid URL escape"},
        {"proxy-url: \"http://u%zz@proxy:3128\"", "token: t", "url.Parse takes (invalid URL escape"},
        {"proxy-url: \"http://proxy:3128/a%2\"", "token: t", "url.Parse takes (invalid URL escape"},
        {"proxy-url: \"http://proxy:3128#%g0\"", "token: t", "url.Parse takes (invalid URL escape"},
        {"proxy-url: \"http:proxy#%\"", "token: t", "url.Parse takes (invalid URL escape"},
        {"proxy-url: \"http://prox y:3128\"", "token: t", "url.Parse takes (invalid character in host name"},
        {"proxy-url: \"http://proxy{1}:3128\"", "token: t", "url.Parse takes (invalid character in host name"},
        {"proxy-url: \"http://[fe80::1%25e|0]:3128\"", "token: t", "url.Parse takes (invalid character in host name"},
        {"proxy-url: \"http://us er@proxy:3128\"", "token: t", "url.Parse takes (net/url: invalid userinfo"},
        {"proxy-url: \"http://us\u00e9r@proxy:3128\"", "token: t", "url.Parse takes (net/url: invalid userinfo"},
        /* the last character before '@' is checked too */
        {"proxy-url: \"http://user^@proxy:3128\"", "token: t", "url.Parse takes (net/url: invalid userinfo"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char kc[1024];
        snprintf(kc, sizeof kc,
                 "clusters:\n- name: a\n  cluster: {server: https://a, %s}\n"
                 "contexts:\n- name: c\n  context: {cluster: a, user: u}\n"
                 "users:\n- name: u\n  user: {%s}\ncurrent-context: c\n",
                 refused[i][0], refused[i][1]);
        r = with_webhook(kc);
        must(r, "webhook-config", KAP_MANIFEST_FAIL, refused[i][2]);
        kap_manifest_report_free(r);
    }
    /* without an https server client-go sets up no TLS and reads no token
     * file: skipping verification beside a CA, a token file not there,
     * are no matter (a server without a scheme is http; Go's scheme may
     * have digits after its first letter, 9 too) */
    static const char *const plain[] = {"http://a:8080", "a.example:8443", "https:8443", "HTTP://a", "x9://a:8080"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        char kc[1024];
        snprintf(kc, sizeof kc,
                 "clusters:\n- name: a\n  cluster: {server: \"%s\", insecure-skip-tls-verify: true, "
                 "certificate-authority-data: Zm9v}\n"
                 "contexts:\n- name: c\n  context: {cluster: a, user: u}\n"
                 "users:\n- name: u\n  user: {tokenFile: /no/tok}\ncurrent-context: c\n",
                 plain[i]);
        r = with_webhook(kc);
        must(r, "webhook-config", KAP_MANIFEST_PASS, NULL);
        kap_manifest_report_free(r);
    }
    /* nor with an https server the REST client refuses (not taken for
     * TLS, IsConfigTransportTLS): that is what kube-apiserver reports */
    static const char *const refused_tls[] = {"tokenFile: /no/tok", "token: t"};
    for (size_t i = 0; i < 2; i++) {
        char kc[1024];
        snprintf(kc, sizeof kc,
                 "clusters:\n- name: a\n  cluster: {server: \"https://a:8a\", insecure-skip-tls-verify: true, "
                 "certificate-authority-data: Zm9v}\n"
                 "contexts:\n- name: c\n  context: {cluster: a, user: u}\n"
                 "users:\n- name: u\n  user: {%s}\ncurrent-context: c\n",
                 refused_tls[i]);
        r = with_webhook(kc);
        must(r, "webhook-config", KAP_MANIFEST_FAIL, "cannot be used: its cluster's server");
        kap_manifest_report_free(r);
    }
    r = with_webhook("clusters:\n- name: a\n  cluster: {server: \"HTTPS://a\"}\n"
                     "contexts:\n- name: c\n  context: {cluster: a, user: u}\n"
                     "users:\n- name: u\n  user: {tokenFile: /no/tok}\ncurrent-context: c\n");
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "its tokenFile /no/tok is not on a hostPath volumeMount");
    kap_manifest_report_free(r);
    /* what stops the file loading, in any entry: two entries of one name,
     * data that is not base64 */
    static const char *const unloadable[][2] = {
        {"clusters:\n- name: a\n  cluster: {server: https://a}\n- name: a\n  cluster: {server: https://b}\n",
         "two of its clusters are named \"a\" (client-go: \"duplicate name\")"},
        {"clusters:\n- name: a\n  cluster: {server: https://a}\nusers:\n- name: u\n- name: u\n",
         "two of its users are named \"u\""},
        {"clusters:\n- name: a\n  cluster: {server: https://a}\nusers:\n- name: x\n- name: w\n- name: x\n",
         "two of its users are named \"x\""},
        {"clusters:\n- name: a\n  cluster: {server: https://a, certificate-authority-data: /etc/ca.crt}\n",
         "a cluster's certificate-authority-data is not base64"},
        {"clusters:\n- name: a\n  cluster: {server: https://a}\nusers:\n- name: v\n  user: {client-key-data: Zm9}\n",
         "a user's client-key-data is not base64"},
        {"clusters:\n- name: a\n  cluster: {server: https://a}\nusers:\n- name: v\n  user: {client-certificate-data: Zg=v}\n",
         "a user's client-certificate-data is not base64"},
        {"clusters:\n- name: a\n  cluster: {server: https://a}\nusers:\n- name: v\n  user: {client-key-data: Z===}\n",
         "a user's client-key-data is not base64"},
    };
    for (size_t i = 0; i < sizeof unloadable / sizeof unloadable[0]; i++) {
        char kc[1024];
        snprintf(kc, sizeof kc, "%scontexts:\n- name: x\n  context: {cluster: a}\ncurrent-context: x\n", unloadable[i][0]);
        r = with_webhook(kc);
        must(r, "webhook-config", KAP_MANIFEST_FAIL, unloadable[i][1]);
        kap_manifest_report_free(r);
    }
    r = with_webhook("clusters:\n- name: a\n  cluster: {server: https://a}\n"
                     "contexts:\n- name: x\n  context: {cluster: a}\n- name: x\n  context: {cluster: a}\n"
                     "current-context: x\n");
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "two of its contexts are named \"x\"");
    kap_manifest_report_free(r);
    /* base64 over lines, padded, or empty: loads */
    r = with_webhook("clusters:\n- name: a\n  cluster: {server: https://a, certificate-authority-data: \"Zm9v\\nYmE=\"}\n"
                     "users:\n- name: v\n  user: {client-key-data: \"\", client-certificate-data: Zg==}\n"
                     "contexts:\n- name: x\n  context: {cluster: a}\ncurrent-context: x\n");
    must(r, "webhook-config", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);
    /* proxies client-go takes (the scheme without case) */
    static const char *const proxies[] = {
        "HTTP://p:3128", "https://p", "socks5://p:1080", "Socks5://p",
        /* and what Go's url.Parse takes: an empty port, IPv6 in brackets with
         * a zone, escapes of non-ASCII bytes (and %25) in the host, the query
         * unread, a fragment's control byte, no "//" (opaque) */
        "http://p:", "http://[::1]:3128", "http://[fe80::1%25eth0%20x]:3128", "socks5://[::1]",
        "http://pr%C3%A9xy:3128",
        "http://p%25x:3128", "http://u:p%40ss@10.0.0.1:3128", "http://u@v@p:1", "http://p:3128/a%20b?%zz#x%41",
        "http://p:3128#\\t", "http:p:31a8", "https://pr\u00e9xy:3128/", "http://<p>:1"};
    for (size_t i = 0; i < sizeof proxies / sizeof proxies[0]; i++) {
        char kc[1024];
        snprintf(kc, sizeof kc,
                 "clusters:\n- name: a\n  cluster: {server: https://a, proxy-url: \"%s\"}\n"
                 "contexts:\n- name: c\n  context: {cluster: a}\ncurrent-context: c\n",
                 proxies[i]);
        r = with_webhook(kc);
        must(r, "webhook-config", KAP_MANIFEST_PASS, NULL);
        kap_manifest_report_free(r);
    }
    /* servers client-go's REST client takes (rest.DefaultServerURL): a URL
     * with a scheme and a host, whatever its path; without a scheme, a host
     * and port with no path but "/" (parsed again after "http://") */
    static const char *const servers_ok[] = {"https://a", "http://10.0.0.1:8443/k8s-audit", "10.0.0.1:8443",
                                             "x+y.z-1://host:1/p", "https://u@h", "h?x=/y", "h#/z",
                                             "localhost:8443", "audit.example.com", "https://a/", "a/",
                                             "[::1]:8443", "https://a/x?%zz",
                                             /* clientcmd drops the query and the fragment first (a path
                                              * of more than one byte): a bad escape after '#' is gone */
                                             "https://a/x?b#%zz", "https://a/%41?#%zz",
                                             /* a '#' before the '?' is in the path it keeps (as %23) */
                                             "https://a/x#y?z"};
    /* and those it refuses, in Go's words: a port not in digits (with or
     * without a scheme), a path without a scheme, an IPv6 host without its
     * ']' */
    static const char *const servers_bad[][2] = {
        {"https://a:84x3", "server is not a URL Go's url.Parse takes (invalid port after host), so client-go reads it "
                           "as a host with http:// before it, and then it has a path"},
        {"10.0.0.1:84x3", "server is not a URL Go's url.Parse takes (invalid port after host"},
        {"a/k8s-audit", "server has no scheme or no host, so client-go reads it as a host with http:// before it, "
                        "and then it has a path (client-go: \"host must be a URL or a host:port pair\")"},
        {"audit.example.com:8443/x", "server has no scheme or no host"},
        /* a host and no scheme: parsed again as http:////h, whose path is //h */
        {"//h", "server has no scheme or no host"},
        {"[::1:8443", "server is not a URL Go's url.Parse takes (missing ']' in host"},
        /* a scheme without "//" has no host: parsed again as http://https:a */
        {"https:a", "server is not a URL Go's url.Parse takes (invalid port after host"},
        /* not rewritten by clientcmd: its ParseRequestURI refuses the path, or the path is "/" */
        {"https://a/x#%zz", "server is not a URL Go's url.Parse takes (invalid URL escape"},
        {"https://a/?b#%zz", "server is not a URL Go's url.Parse takes (invalid URL escape"},
    };
    for (size_t i = 0; i < sizeof servers_ok / sizeof servers_ok[0] + sizeof servers_bad / sizeof servers_bad[0]; i++) {
        size_t nok = sizeof servers_ok / sizeof servers_ok[0];
        char kc[1024];
        snprintf(kc, sizeof kc,
                 "clusters:\n- name: a\n  cluster: {server: \"%s\"}\n"
                 "contexts:\n- name: c\n  context: {cluster: a}\ncurrent-context: c\n",
                 i < nok ? servers_ok[i] : servers_bad[i - nok][0]);
        r = with_webhook(kc);
        if (i < nok)
            must(r, "webhook-config", KAP_MANIFEST_PASS, NULL);
        else
            must(r, "webhook-config", KAP_MANIFEST_FAIL, servers_bad[i - nok][1]);
        kap_manifest_report_free(r);
    }
    /* what the file says without those: skipping verification with no
     * certificate authority, a username with its password */
    r = with_webhook("clusters:\n- name: a\n  cluster: {server: https://a, insecure-skip-tls-verify: true}\n"
                     "contexts:\n- name: c\n  context: {cluster: a, user: u}\n"
                     "users:\n- name: u\n  user: {username: u, password: p, token: \"\"}\ncurrent-context: c\n");
    must(r, "webhook-config", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);
    /* a control byte in the server's fragment: url.Parse takes it (it
     * refuses those before the '#' only), so the server is https and skipping
     * verification beside a certificate authority is refused */
    r = with_webhook("clusters:\n- name: a\n  cluster: {server: \"https://a#\\x01\", insecure-skip-tls-verify: true, "
                     "certificate-authority-data: Zm9v}\ncontexts:\n- name: c\n  context: {cluster: a}\n"
                     "current-context: c\n");
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "insecure-skip-tls-verify beside a certificate authority");
    kap_manifest_report_free(r);
    /* fields of a type client-go cannot decode, in any entry (the file
     * does not load); null leaves a field unset */
    static const char *const mistyped[][2] = {
        {"clusters:\n- name: a\n  cluster: {server: https://a, certificate-authority: 5}\n",
         "a cluster's certificate-authority is not a string"},
        {"clusters:\n- name: a\n  cluster: {server: https://a, insecure-skip-tls-verify: \"true\"}\n",
         "a cluster's insecure-skip-tls-verify is not a boolean"},
        {"clusters:\n- name: a\n  cluster: {server: https://a}\nusers:\n- name: v\n  user: {tokenFile: 7}\n",
         "a user's tokenFile is not a string"},
        {"clusters:\n- name: a\n  cluster: {server: https://a}\nusers:\n- name: v\n  user: {client-key-data: [x]}\n",
         "a user's client-key-data is not a string"},
    };
    for (size_t i = 0; i < sizeof mistyped / sizeof mistyped[0]; i++) {
        char kc[1024];
        snprintf(kc, sizeof kc, "%scontexts:\n- name: c\n  context: {cluster: a}\ncurrent-context: c\n", mistyped[i][0]);
        r = with_webhook(kc);
        must(r, "webhook-config", KAP_MANIFEST_FAIL, mistyped[i][1]);
        kap_manifest_report_free(r);
    }
    /* values that are no file: null, empty strings beside empty data */
    r = with_webhook("clusters:\n- name: a\n  cluster: {server: https://a, certificate-authority: null,"
                     " certificate-authority-data: \"\", insecure-skip-tls-verify: null}\n"
                     "contexts:\n- name: c\n  context: {cluster: a, user: u}\n"
                     "users:\n- name: u\n  user: {client-certificate: \"\", client-certificate-data: \"\","
                     " client-key: /no/key, token: \"\", tokenFile: ~}\n"
                     "current-context: c\n");
    must(r, "webhook-config", KAP_MANIFEST_PASS, NULL); /* no certificate: the key is not read */
    kap_manifest_report_free(r);
    /* -data of line breaks only decodes to no bytes, as "" does (client-go
     * tests the decoded length, HasCA len(CAData) > 0 || len(CAFile) > 0):
     * no certificate authority beside insecure-skip-tls-verify, not given
     * beside its file (which is then read), no client certificate; an
     * empty path is no file either */
    static const char *const no_data[][3] = {
        {"insecure-skip-tls-verify: true, certificate-authority-data: \"\\n\"", "token: t", NULL},
        {"insecure-skip-tls-verify: true, certificate-authority-data: \"\\r\\n\\n\", certificate-authority: \"\"",
         "token: t", NULL},
        {"insecure-skip-tls-verify: true, certificate-authority: \"\"", "token: t", NULL},
        {"certificate-authority: /no/ca, certificate-authority-data: \"\\n\"", "token: t",
         "its certificate-authority /no/ca is not on a hostPath volumeMount"},
        {"insecure-skip-tls-verify: true, certificate-authority: /no/ca, certificate-authority-data: \"\\n\"",
         "token: t", "its certificate-authority /no/ca is not on a hostPath volumeMount"},
        {"insecure-skip-tls-verify: false", "client-certificate-data: \"\\n\"", NULL},
        {"insecure-skip-tls-verify: false", "client-certificate-data: \"\\n\", client-key: /no/key", NULL},
        {"insecure-skip-tls-verify: false",
         "client-certificate: /no/crt, client-certificate-data: \"\\n\", client-key-data: Zm9v",
         "its client-certificate /no/crt is not on a hostPath volumeMount"},
        {"insecure-skip-tls-verify: false",
         "client-certificate-data: Zm9v, client-key: /no/key, client-key-data: \"\\n\"",
         "its client-key /no/key is not on a hostPath volumeMount"},
        {"insecure-skip-tls-verify: false", "client-certificate-data: Zm9v, client-key-data: \"\\r\\n\"",
         "a client certificate and no key"},
    };
    for (size_t i = 0; i < sizeof no_data / sizeof no_data[0]; i++) {
        char kc[1024];
        snprintf(kc, sizeof kc,
                 "clusters:\n- name: a\n  cluster: {server: https://a, %s}\n"
                 "contexts:\n- name: c\n  context: {cluster: a, user: u}\n"
                 "users:\n- name: u\n  user: {%s}\ncurrent-context: c\n",
                 no_data[i][0], no_data[i][1]);
        r = with_webhook(kc);
        must(r, "webhook-config", no_data[i][2] ? KAP_MANIFEST_FAIL : KAP_MANIFEST_PASS, no_data[i][2]);
        kap_manifest_report_free(r);
    }
    /* a context entry without its context, before the current one */
    r = with_webhook("clusters:\n- name: a\n  cluster: {server: https://a}\n- name: b\n  cluster: {server: https://b}\n"
                     "contexts:\n- name: old\n- name: c\n  context: {cluster: a}\ncurrent-context: c\n");
    must(r, "webhook-config", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);
    /* files named by the user that are empty, or on the kubeconfig's own mount */
    r = with_webhook("clusters:\n- name: a\n  cluster: {server: https://a, certificate-authority: \"\"}\n"
                     "contexts:\n- name: c\n  context: {cluster: a, user: u}\n"
                     "users:\n- name: u\n  user: {client-certificate-data: Zm9v, client-key: /etc/kubernetes/webhook.kubeconfig}\n"
                     "current-context: c\n");
    must(r, "webhook-config", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);

    /* pod names: namespace unset and "" are both "default"; another
     * namespace is another pod */
    static const char *const metas[][2] = {
        {"{name: kube-apiserver, namespace: kube-system}", "with this manifest's pod name"},
        {"{name: kube-apiserver, namespace: other}", "runs it as a second kube-apiserver"},
        {"{name: kube-apiserver-x, namespace: kube-system}", "runs it as a second kube-apiserver"},
        {"{name: \"\"}", NULL}, /* refused by kubelet: no name */
        {"{}", NULL},
        {"{name: Kube-APIServer}", NULL}, /* refused: no DNS subdomain */
    };
    for (size_t i = 0; i < sizeof metas / sizeof metas[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "apiVersion: v1\nkind: Pod\nmetadata: %s\n"
                 "spec:\n  containers:\n  - name: x\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n",
                 metas[i][0]);
        put("/etc/kubernetes/manifests/other.yaml", text);
        pod("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n");
        r = check_now();
        if (metas[i][1])
            must(r, "manifest-dir", KAP_MANIFEST_FAIL, metas[i][1]);
        else
            must(r, "manifest-dir", KAP_MANIFEST_PASS, "no other file in /etc/kubernetes/manifests runs kube-apiserver");
        kap_manifest_report_free(r);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -f '%s/etc/kubernetes/manifests/other.yaml'", root);
    ck_assert_int_eq(system(cmd), 0);
    /* both without a namespace */
    put("/etc/kubernetes/manifests/a.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: \"\"}\n"
        "spec:\n  containers:\n  - name: x\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n");
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4",
             "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n",
             POLICY_MOUNT LOG_MOUNT, POLICY_VOL LOG_VOL);
    put(MANIFEST, "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
                  "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
                  "    command: [kube-apiserver, --audit-policy-file=/etc/kubernetes/audit-policy.yaml]\n"
                  "    volumeMounts:\n" POLICY_MOUNT "  volumes:\n" POLICY_VOL);
    expect_now("manifest-dir", KAP_MANIFEST_FAIL, "a.yaml is in the manifests directory with this manifest's pod name");
    snprintf(cmd, sizeof cmd, "rm -f '%s/etc/kubernetes/manifests/a.yaml'", root);
    ck_assert_int_eq(system(cmd), 0);

    /* '..' as a whole element only, first or last */
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4",
             "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n",
             POLICY_MOUNT,
             POLICY_VOL "  - name: a\n    hostPath: {path: ../x}\n  - name: b\n    hostPath: {path: /x/..}\n"
                        "  - name: c\n    hostPath: {path: /x/.., type: 7}\n  - name: d\n    hostPath: {path: /...}\n"
                        "  - name: 9\n  - name: 9\n");
    r = check_now();
    must(r, "pod-valid", KAP_MANIFEST_FAIL, "'../x' (spec.volumes[1])");
    must(r, "pod-valid", KAP_MANIFEST_FAIL, "'/x/..' (spec.volumes[2])");
    ck_assert_uint_eq(count_status(r, "pod-valid", KAP_MANIFEST_FAIL), 3); /* c too; not '/...', not the numbers */
    kap_manifest_report_free(r);

    /* the log's directory under a subPath of a volume whose path is a file */
    put("/var/lib/afile", "x\n");
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4",
             "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n",
             POLICY_MOUNT "    - {name: l, mountPath: /var/log/kubernetes/audit, subPath: logs}\n",
             POLICY_VOL "  - name: l\n    hostPath: {path: /var/lib/afile}\n");
    expect_now("log-dir", KAP_MANIFEST_FAIL, "the log's host directory /var/lib/afile/logs cannot be used: Not a directory");
    /* DirectoryOrCreate over a missing path: both made */
    pod_full("registry.k8s.io/kube-apiserver:v1.30.4",
             "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n",
             POLICY_MOUNT "    - {name: l, mountPath: /var/log/kubernetes/audit, subPath: logs}\n",
             POLICY_VOL "  - name: l\n    hostPath: {path: /var/lib/none, type: DirectoryOrCreate}\n");
    r = check_now();
    must(r, "log-dir", KAP_MANIFEST_PASS, "/var/lib/none/logs does not exist yet; kubelet creates it (subPath 'logs'");
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* exec_format on n bytes of b, written to a temporary file */
static int format_of(const unsigned char *b, size_t n, char *interp, size_t cap)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, n, f), n);
    ck_assert_int_eq(fflush(f), 0);
    int kind = exec_format(fileno(f), interp, cap);
    fclose(f);
    return kind;
}

static void le(unsigned char *p, unsigned n, uint64_t v)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* A 64-bit little-endian ELF header with nph program headers of phent
 * bytes at phoff; the second (when there are two) is PT_INTERP of size
 * bytes at off, which hold "/ld.so" and a NUL. */
static size_t elf64(unsigned char *b, uint64_t phoff, unsigned phent, unsigned nph, uint64_t off, uint64_t size)
{
    memset(b, 0, 512);
    memcpy(b, "\177ELF\2\1\1", 7);
    le(b + 32, 8, phoff);
    le(b + 54, 2, phent);
    le(b + 56, 2, nph);
    le(b + 64, 4, 1);
    le(b + 64 + 56, 4, 3);
    le(b + 64 + 56 + 8, 8, off);
    le(b + 64 + 56 + 32, 8, size);
    memcpy(b + 300, "/ld.so", 7);
    return 400;
}

/* exec_format's corners that check-manifest's tests do not reach: what is
 * not understood, or not read, gives no verdict (EXEC_UNKNOWN) */
START_TEST(exec_format_corners)
{
    unsigned char b[512];
    char in[300];
    size_t n = elf64(b, 64, 56, 2, 300, 7);
    ck_assert_int_eq(format_of(b, n, in, sizeof in), EXEC_DYNAMIC);
    ck_assert_str_eq(in, "/ld.so");
    ck_assert_int_eq(format_of(b, n, in, 6), EXEC_UNKNOWN); /* longer than interp */
    n = elf64(b, 64, 56, 0, 300, 7);
    ck_assert_int_eq(format_of(b, n, in, sizeof in), EXEC_STATIC);
    /* the headers counted, and only those: a PT_INTERP after them is not
     * the program's */
    n = elf64(b, 64, 56, 1, 300, 7);
    ck_assert_int_eq(format_of(b, n, in, sizeof in), EXEC_STATIC);
    /* each header read whole: the last cut short by a byte */
    ck_assert_int_eq(format_of(b, 64 + 56, in, sizeof in), EXEC_STATIC);
    ck_assert_int_eq(format_of(b, 64 + 55, in, sizeof in), EXEC_UNKNOWN);
    /* the counts are two bytes: the section header size beside them
     * (e_shentsize, 64 in a real program) is not part of them */
    n = elf64(b, 64, 56, 2, 300, 7);
    le(b + 58, 2, 64);
    ck_assert_int_eq(format_of(b, n, in, sizeof in), EXEC_DYNAMIC);
    /* up to 4096 program headers are read */
    {
        size_t big = 64 + 4096 * 56;
        unsigned char *m = calloc(1, big + 56);
        ck_assert_ptr_nonnull(m);
        elf64(b, 64, 56, 4096, 300, 7);
        memcpy(m, b, 64);
        ck_assert_int_eq(format_of(m, big, in, sizeof in), EXEC_STATIC);
        le(m + 56, 2, 4097);
        ck_assert_int_eq(format_of(m, big + 56, in, sizeof in), EXEC_UNKNOWN);
        free(m);
    }
    static const struct {
        uint64_t phoff;
        unsigned phent, nph;
        uint64_t off, size;
        size_t len; /* of the file: 0, all 400 bytes */
    } bad[] = {
        {64, 56, 2, 300, 7, 60},                   /* shorter than its header */
        {64, 40, 2, 300, 7, 0},                    /* headers too short */
        {64, 56, 5000, 300, 7, 0},                 /* too many */
        {UINT64_MAX - 8, 56, 2, 300, 7, 0},        /* past any offset */
        {380, 56, 2, 300, 7, 0},                   /* headers past the end */
        {64, 56, 2, 300, 0, 0},                    /* an empty name */
        {64, 56, 2, (uint64_t)1 << 63, 7, 0},      /* past any offset */
        {64, 56, 2, 396, 7, 0},                    /* the name past the end */
        {64, 56, 2, 300, 6, 0},                    /* no NUL */
        {64, 56, 2, 299, 7, 0},                    /* a NUL first */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = elf64(b, bad[i].phoff, bad[i].phent, bad[i].nph, bad[i].off, bad[i].size);
        b[299] = 0;
        ck_assert_msg(format_of(b, bad[i].len ? bad[i].len : n, in, sizeof in) == EXEC_UNKNOWN, "case %zu", i);
    }
    /* the class and byte order: none other than 1 and 2 */
    n = elf64(b, 64, 56, 2, 300, 7);
    b[5] = 3;
    ck_assert_int_eq(format_of(b, n, in, sizeof in), EXEC_UNKNOWN);
    /* a #! line past the 256 bytes the kernel reads, or past cap */
    memset(b, 'a', 300);
    memcpy(b, "#!/", 3);
    ck_assert_int_eq(format_of(b, 300, in, sizeof in), EXEC_UNKNOWN);
    ck_assert_int_eq(format_of((const unsigned char *)"#!/bin/sh\n", 10, in, 4), EXEC_UNKNOWN);
    ck_assert_int_eq(format_of((const unsigned char *)"#!/bin/sh\n", 10, in, 8), EXEC_SCRIPT);
    ck_assert_str_eq(in, "/bin/sh");
    /* a file header whole, no program header: 64 bytes (52 for 32-bit) */
    n = elf64(b, 64, 56, 0, 300, 7);
    ck_assert_int_eq(format_of(b, 64, in, sizeof in), EXEC_STATIC);
    ck_assert_int_eq(format_of(b, 63, in, sizeof in), EXEC_UNKNOWN);
    memset(b, 0, 64);
    memcpy(b, "\177ELF\1\1\1", 7);
    le(b + 28, 4, 52);
    le(b + 42, 2, 32);
    ck_assert_int_eq(format_of(b, 52, in, sizeof in), EXEC_STATIC);
    ck_assert_int_eq(format_of(b, 51, in, sizeof in), EXEC_UNKNOWN);
    /* a 32-bit program header of 32 bytes, read whole */
    le(b + 44, 2, 1);
    le(b + 52, 4, 1);
    ck_assert_int_eq(format_of(b, 52 + 32, in, sizeof in), EXEC_STATIC);
    ck_assert_int_eq(format_of(b, 52 + 31, in, sizeof in), EXEC_UNKNOWN);
    /* the magic alone is an ELF file, not understood; less is no program */
    ck_assert_int_eq(format_of((const unsigned char *)"\177ELF", 4, in, sizeof in), EXEC_UNKNOWN);
    ck_assert_int_eq(format_of((const unsigned char *)"\177EL", 3, in, sizeof in), EXEC_NOT_A_PROGRAM);
    /* a NUL ends the interpreter's name, as the kernel reads it */
    memset(b, 'a', 300);
    memcpy(b, "#!/bin/sh", 10);
    ck_assert_int_eq(format_of(b, 300, in, sizeof in), EXEC_SCRIPT);
    ck_assert_str_eq(in, "/bin/sh");
    /* not readable: a directory */
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(exec_format(fd, in, sizeof in), EXEC_UNKNOWN);
    close(fd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cov_manifest");
    TCase *tc = tcase_create("manifest");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, shorthand_flags);
    tcase_add_test(tc, command_and_args_not_lists);
    tcase_add_test(tc, container_found_by_image);
    tcase_add_test(tc, release_from_image);
    tcase_add_test(tc, integers_at_the_edges);
    tcase_add_test(tc, booleans_as_go_reads_them);
    tcase_add_test(tc, hostpath_types_on_the_policy);
    tcase_add_test(tc, subpaths);
    tcase_add_test(tc, paths_as_the_kernel_walks_them);
    tcase_add_test(tc, relative_flag_paths);
    tcase_add_test(tc, log_to_stdout_and_webhook);
    tcase_add_test(tc, webhook_kubeconfigs);
    tcase_add_test(tc, policy_loads_with_a_warning);
    tcase_add_test(tc, relative_manifest_paths);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, buffers_that_are_not_pods);
    tcase_add_test(tc, kubelet_config_edges);
    tcase_add_test(tc, manifests_dir_listing);
    tcase_add_test(tc, manifest_places);
    tcase_add_test(tc, log_paths);
    tcase_add_test(tc, corners_of_later_checks);
    tcase_add_test(tc, flag_value_corners);
    tcase_add_test(tc, env_shell_and_workdir_corners);
    tcase_add_test(tc, exec_format_corners);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
