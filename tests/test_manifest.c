/* kap_manifest_check_file (src/manifest.c) on node roots built here and on
 * the fixtures of tests/manifests: the flags as kube-apiserver reads them,
 * each check's PASS, WARN and FAIL, paths that try to leave the root, and
 * manifests that cannot be read. Expectations are written from the issue's
 * text and docs/check-manifest.md. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>
#include <dlfcn.h>

#include "kap.h"

/* what a kubelet config file or drop-in begins with */
#define KCFG "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"

static const char *fixtures;

/* ---- readdir failing on demand ----
 * This file's readdir stands in for libc's in the library linked into it
 * (statically): when fail_dir is set, listing a directory whose path ends
 * with it fails with EIO after fail_after entries, as a file system can
 * fail in the middle of a listing. */
static const char *fail_dir;
static int fail_after;

/* Whether the path of open file fd ends with suffix (NULL: no). */
static int fd_path_ends(int fd, const char *suffix)
{
    if (!suffix)
        return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    size_t sl = strlen(suffix);
    return n >= (ssize_t)sl && memcmp(path + n - sl, suffix, sl) == 0;
}

struct dirent *readdir(DIR *d)
{
    static struct dirent *(*real)(DIR *);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "readdir");
    static int seen;
    if (fd_path_ends(dirfd(d), fail_dir) && seen++ >= fail_after) {
        seen = 0;
        errno = EIO;
        return NULL;
    }
    return real(d);
}

/* ---- read failing on demand ----
 * The same for read: when fail_read is set, reading a file whose path
 * ends with it fails with fail_errno (an I/O error; EACCES stands in for
 * what a run without root meets when it opens the file). */
static const char *fail_read;
static int fail_errno;

ssize_t read(int fd, void *buf, size_t n)
{
    static ssize_t (*real)(int, void *, size_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "read");
    if (fd_path_ends(fd, fail_read)) {
        errno = fail_errno;
        return -1;
    }
    return real(fd, buf, n);
}

/* ---- fstat failing on demand ----
 * And fstat: when fail_stat is set, it fails with fail_errno for a file
 * whose path ends with it. */
static const char *fail_stat;

int fstat(int fd, struct stat *sb)
{
    static int (*real)(int, struct stat *);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "fstat");
    if (fd_path_ends(fd, fail_stat)) {
        errno = fail_errno;
        return -1;
    }
    return real(fd, sb);
}

/* ---- a node root in a temporary directory ---- */

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

/* n bytes of v at p, little- or big-endian */
static void put_uint(unsigned char *p, unsigned n, uint64_t v, int big)
{
    for (unsigned i = 0; i < n; i++)
        p[big ? n - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

/* An ELF program at node, as a linker lays one out: the file header, a
 * PT_LOAD program header, and when loader is not NULL a PT_INTERP one
 * naming it (a dynamically linked program), the name after the headers.
 * wide: ELFCLASS64, else 32; big: big-endian. Mode 0755. */
static void put_elf(const char *node, const char *loader, int wide, int big)
{
    unsigned char b[512] = {0x7f, 'E', 'L', 'F', (unsigned char)(wide ? 2 : 1), (unsigned char)(big ? 2 : 1), 1};
    unsigned eh = wide ? 64 : 52, ph = wide ? 56 : 32, nph = loader ? 2 : 1;
    put_uint(b + 16, 2, 2, big); /* ET_EXEC */
    put_uint(b + 20, 4, 1, big);
    put_uint(b + (wide ? 32 : 28), wide ? 8 : 4, eh, big); /* e_phoff */
    put_uint(b + (wide ? 52 : 40), 2, eh, big);
    put_uint(b + (wide ? 54 : 42), 2, ph, big);
    put_uint(b + (wide ? 56 : 44), 2, nph, big);
    put_uint(b + eh, 4, 1, big); /* PT_LOAD */
    size_t len = eh + nph * ph;
    if (loader) {
        unsigned char *p = b + eh + ph;
        put_uint(p, 4, 3, big); /* PT_INTERP */
        put_uint(p + (wide ? 8 : 4), wide ? 8 : 4, len, big);
        put_uint(p + (wide ? 32 : 16), wide ? 8 : 4, strlen(loader) + 1, big);
        memcpy(b + len, loader, strlen(loader) + 1);
        len += strlen(loader) + 1;
    }
    put(node, "");
    char path[512];
    snprintf(path, sizeof path, "%s%s", root, node);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, len, f), len);
    fclose(f);
    ck_assert_int_eq(chmod(path, 0755), 0);
}

static void link_at(const char *node, const char *target)
{
    char path[512], dir[512];
    snprintf(path, sizeof path, "%s%s", root, node);
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    mkdirs(dir);
    ck_assert_int_eq(symlink(target, path), 0);
}

static void unlink_in_root(const char *node)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", root, node);
    ck_assert_int_eq(unlink(path), 0);
}

static void rmdir_in_root(const char *node)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", root, node);
    ck_assert_int_eq(rmdir(path), 0);
}

static void new_root(void)
{
    snprintf(root, sizeof root, "/tmp/kap-manifest-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
}

static void drop_root(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    ck_assert_int_eq(system(cmd), 0);
}

#define POLICY "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"

/* A pod with the audit set-up done right; FLAGS and ARGS are inserted as
 * YAML list items (each "    - ...\n"). */
static void pod(const char *flags, const char *args)
{
    char text[8192];
    snprintf(text, sizeof text,
             "apiVersion: v1\n"
             "kind: Pod\n"
             "metadata: {name: kube-apiserver, namespace: kube-system}\n"
             "spec:\n"
             "  containers:\n"
             "  - name: kube-apiserver\n"
             "    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
             "    command:\n"
             "    - kube-apiserver\n"
             "%s"
             "%s%s"
             "    volumeMounts:\n"
             "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
             "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n"
             "  volumes:\n"
             "  - name: audit\n"
             "    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n"
             "  - name: audit-log\n"
             "    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n",
             flags, args ? "    args:\n" : "", args ? args : "");
    put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
}

#define GOOD_FLAGS                                                   \
    "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"  \
    "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"   \
    "    - --audit-log-maxage=30\n"                                  \
    "    - --audit-log-maxbackup=10\n"                               \
    "    - --audit-log-maxsize=100\n"

static kap_manifest_report *check_root(const char *manifest, int want_rc)
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

static kap_manifest_report *check_now(void) { return check_root(NULL, KAP_OK); }

/* The n-th check with this ID (0-based), or NULL. */
static const kap_manifest_check *nth(const kap_manifest_report *r, const char *id, size_t n)
{
    for (size_t i = 0; i < kap_manifest_report_count(r); i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        if (strcmp(c->id, id) == 0 && n-- == 0)
            return c;
    }
    return NULL;
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

/* The check must be there with this status and a message holding part. */
static void must(const kap_manifest_report *r, const char *id, kap_manifest_status st, const char *part)
{
    for (size_t i = 0; i < kap_manifest_report_count(r); i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        if (strcmp(c->id, id) == 0 && c->status == st && (!part || strstr(c->message, part))) {
            ck_assert_int_eq(c->fix[0] != '\0', st != KAP_MANIFEST_PASS);
            /* what is about kubelet's files or the directory has no place
             * in the manifest (kap.h: 0) */
            if (strcmp(id, "kubelet-unit") == 0 || strcmp(id, "static-pod-path") == 0 ||
                strcmp(id, "manifest-dir") == 0)
                ck_assert_msg(c->line == 0 && c->column == 0, "%s at %u:%u", id, c->line, c->column);
            return;
        }
    }
    for (size_t i = 0; i < kap_manifest_report_count(r); i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        fprintf(stderr, "  %s %s: %s\n", kap_manifest_status_name(c->status), c->id, c->message);
    }
    ck_abort_msg("no %s %s check with '%s'", kap_manifest_status_name(st), id, part ? part : "");
}

/* The root as it is now, checked for one check's status and text. */
static void expect_now(const char *id, kap_manifest_status st, const char *part)
{
    kap_manifest_report *r = check_now();
    must(r, id, st, part);
    kap_manifest_report_free(r);
}

/* The first check with this ID, or NULL. */
static const kap_manifest_check *find_check(const kap_manifest_report *r, const char *id)
{
    for (size_t i = 0; i < kap_manifest_report_count(r); i++)
        if (strcmp(kap_manifest_report_get(r, i)->id, id) == 0)
            return kap_manifest_report_get(r, i);
    return NULL;
}

static void pod_with(const char *flags, const char *mounts, const char *volumes);

static void good_node(void)
{
    new_root();
    put("/etc/kubernetes/audit-policy.yaml", POLICY);
    put("/var/log/kubernetes/audit/.keep", "");
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: /etc/kubernetes/manifests/\n");
}

/* ---- the flags ---- */

START_TEST(all_good)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    kap_manifest_report *r = check_now();
    ck_assert_int_eq(kap_manifest_report_worst(r), KAP_MANIFEST_PASS);
    ck_assert_uint_eq(kap_manifest_report_kube_minor(r), 30);
    must(r, "manifest-flags", KAP_MANIFEST_PASS, "5 flags");
    must(r, "policy-loads", KAP_MANIFEST_PASS, "1.30");
    must(r, "static-pod-path", KAP_MANIFEST_PASS, NULL);
    ck_assert_ptr_nonnull(kap_manifest_report_policy_diagnostics(r));
    ck_assert_ptr_null(kap_manifest_report_error(r));
    ck_assert_str_eq(kap_manifest_report_manifest(r), KAP_MANIFEST_DEFAULT_PATH);
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

START_TEST(flags_in_args_and_space_form)
{
    good_node();
    /* "--name value" as pflag reads it, spread over command and args */
    pod("    - --audit-policy-file\n    - /etc/kubernetes/audit-policy.yaml\n",
        "    - --audit-log-path\n    - /var/log/kubernetes/audit/audit.log\n"
        "    - --audit-log-maxage\n    - \"30\"\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n"
        "    - --audit-log-compress\n    - -v\n    - \"2\"\n");
    kap_manifest_report *r = check_now();
    ck_assert_int_eq(kap_manifest_report_worst(r), KAP_MANIFEST_PASS);
    must(r, "manifest-flags", KAP_MANIFEST_PASS, "7 flags");
    must(r, "log-compress", KAP_MANIFEST_PASS, "=true");
    must(r, "policy-loads", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

START_TEST(bool_flag_takes_no_next_argument)
{
    good_node();
    /* a bool flag never takes the next argument: "false" is left over */
    pod(GOOD_FLAGS "    - --profiling\n    - \"false\"\n", NULL);
    expect_now("manifest-flags", KAP_MANIFEST_FAIL, "'false' is not a flag");
    drop_root();
}
END_TEST

START_TEST(flag_needs_argument_and_bad_syntax)
{
    good_node();
    pod(GOOD_FLAGS "    - ---x\n    - --=y\n    - -q\n", "    - --audit-log-format\n");
    kap_manifest_report *r = check_now();
    must(r, "manifest-flags", KAP_MANIFEST_FAIL, "bad flag syntax: ---x");
    must(r, "manifest-flags", KAP_MANIFEST_FAIL, "bad flag syntax: --=y");
    must(r, "manifest-flags", KAP_MANIFEST_FAIL, "shorthand flag 'q'");
    must(r, "manifest-flags", KAP_MANIFEST_FAIL, "needs an argument: --audit-log-format");
    ck_assert_uint_eq(count_status(r, "manifest-flags", KAP_MANIFEST_FAIL), 4);
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

START_TEST(double_dash_and_non_string)
{
    good_node();
    pod(GOOD_FLAGS "    - --\n    - --secure-port=6443\n    - 6443\n", NULL);
    expect_now("manifest-flags", KAP_MANIFEST_FAIL, "'--' ends the flags");
    pod(GOOD_FLAGS "    - 6443\n", NULL);
    expect_now("manifest-flags", KAP_MANIFEST_FAIL, "is a number");
    drop_root();
}
END_TEST

START_TEST(unknown_audit_flag)
{
    good_node();
    pod(GOOD_FLAGS "    - --audit-log-max-backup=10\n", NULL);
    kap_manifest_report *r = check_now();
    must(r, "manifest-flags", KAP_MANIFEST_FAIL, "unknown flag: --audit-log-max-backup");
    const kap_manifest_check *c = nth(r, "manifest-flags", 0);
    ck_assert_ptr_nonnull(strstr(c->fix, "--audit-log-maxbackup"));
    kap_manifest_report_free(r);

    /* a message longer than add_check's 1024-byte first try, kept whole */
    char flag[1600], line[1700];
    snprintf(flag, sizeof flag, "--audit-log-%01500d", 7);
    snprintf(line, sizeof line, "    - %s=1\n", flag);
    pod(line, NULL);
    r = check_now();
    must(r, "manifest-flags", KAP_MANIFEST_FAIL, flag);
    c = nth(r, "manifest-flags", 0);
    ck_assert_uint_gt(strlen(c->message), 1500);
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

START_TEST(duplicates)
{
    good_node();
    pod(GOOD_FLAGS "    - --audit-log-maxage=45\n    - --audit-log-maxsize=100\n"
                   "    - --enable-admission-plugins=NodeRestriction\n"
                   "    - --enable-admission-plugins=PodSecurity\n",
        NULL);
    kap_manifest_report *r = check_now();
    must(r, "manifest-duplicate-flags", KAP_MANIFEST_FAIL, "--audit-log-maxage is given twice with different values");
    must(r, "manifest-duplicate-flags", KAP_MANIFEST_WARN, "--audit-log-maxsize is given twice");
    /* list flags add up: no finding for them */
    ck_assert_uint_eq(count_status(r, "manifest-duplicate-flags", KAP_MANIFEST_FAIL), 1);
    ck_assert_uint_eq(count_status(r, "manifest-duplicate-flags", KAP_MANIFEST_WARN), 1);
    /* the last value counts */
    must(r, "log-maxage", KAP_MANIFEST_PASS, "=45");
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* ---- values as kube-apiserver parses them ---- */

static void one_maxage(const char *value, kap_manifest_status want, const char *part)
{
    char flags[1024];
    snprintf(flags, sizeof flags,
             "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
             "    - \"--audit-log-maxage=%s\"\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n",
             value);
    pod(flags, NULL);
    expect_now("log-maxage", want, part);
}

START_TEST(integers_as_go_parses_them)
{
    good_node();
    /* the value as written, and as read where they differ */
    one_maxage("30", KAP_MANIFEST_PASS, "--audit-log-maxage=30 (CIS 1.2.17");
    one_maxage("+30", KAP_MANIFEST_PASS, "--audit-log-maxage=+30 (read as 30) (CIS");
    one_maxage("0x1e", KAP_MANIFEST_PASS, "=0x1e (read as 30)");
    one_maxage("0o36", KAP_MANIFEST_PASS, "=0o36 (read as 30)");
    one_maxage("0b11110", KAP_MANIFEST_PASS, "=0b11110 (read as 30)");
    one_maxage("3_0", KAP_MANIFEST_PASS, "=3_0 (read as 30)");
    one_maxage("036", KAP_MANIFEST_PASS, "=036 (read as 30)"); /* a leading 0 is octal */
    one_maxage("030", KAP_MANIFEST_WARN, "--audit-log-maxage=030 (read as 24); CIS 1.2.17");
    one_maxage("7", KAP_MANIFEST_WARN, "=7");
    one_maxage("0", KAP_MANIFEST_WARN, "=0 (none removed); CIS 1.2.17");
    pod("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
        "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
        "    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=0\n",
        NULL);
    expect_now("log-maxsize", KAP_MANIFEST_WARN, "=0 (rotated at 100 MB, the log writer's default); CIS 1.2.19");
    one_maxage("-1", KAP_MANIFEST_FAIL, "-1 can't be a negative number");
    one_maxage("", KAP_MANIFEST_FAIL, "not an integer");
    one_maxage("_30", KAP_MANIFEST_FAIL, "not an integer");
    one_maxage("30_", KAP_MANIFEST_FAIL, "not an integer");
    one_maxage("3__0", KAP_MANIFEST_FAIL, "not an integer");
    one_maxage("038", KAP_MANIFEST_FAIL, "not an integer");
    one_maxage("30d", KAP_MANIFEST_FAIL, "not an integer");
    one_maxage("1e2", KAP_MANIFEST_FAIL, "not an integer");
    one_maxage("99999999999999999999", KAP_MANIFEST_FAIL, "not an integer");
    drop_root();
}
END_TEST

START_TEST(enums_and_bools)
{
    good_node();
    pod(GOOD_FLAGS "    - --audit-log-format=legacy\n    - --audit-log-mode=blocking\n"
                   "    - --audit-webhook-mode=batch\n    - --audit-log-compress=T\n",
        NULL);
    kap_manifest_report *r = check_now();
    must(r, "log-format", KAP_MANIFEST_PASS, NULL);
    must(r, "log-mode", KAP_MANIFEST_PASS, NULL);
    must(r, "log-compress", KAP_MANIFEST_PASS, NULL);
    /* the webhook is off: kube-apiserver does not validate its mode */
    ck_assert_ptr_null(find_check(r, "webhook-mode"));
    kap_manifest_report_free(r);
    pod(GOOD_FLAGS "    - --audit-log-format=JSON\n    - --audit-log-mode=Batch\n"
                   "    - --audit-webhook-mode=strict\n    - --audit-log-compress=yes\n",
        NULL);
    r = check_now();
    must(r, "log-format", KAP_MANIFEST_FAIL, "json or legacy");
    must(r, "log-mode", KAP_MANIFEST_FAIL, "blocking-strict");
    ck_assert_ptr_null(find_check(r, "webhook-mode"));
    must(r, "log-compress", KAP_MANIFEST_FAIL, "not a boolean");
    kap_manifest_report_free(r);
    /* without a log path, the log's format and mode are not validated
     * either (AuditLogOptions.Validate returns early): the webhook-only
     * set-up the log flags were left in starts */
    put("/etc/kubernetes/webhook.kubeconfig", "clusters:\n- name: a\n  cluster: {server: https://a}\n"
                                                "contexts:\n- name: c\n  context: {cluster: a}\ncurrent-context: c\n");
    pod_with("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-webhook-config-file=/etc/kubernetes/webhook.kubeconfig\n"
             "    - --audit-log-format=yaml\n    - --audit-log-mode=async\n    - --audit-webhook-mode=strict\n",
             "    - {name: k, mountPath: /etc/kubernetes, readOnly: true}\n",
             "  - {name: k, hostPath: {path: /etc/kubernetes, type: Directory}}\n");
    r = check_now();
    ck_assert_ptr_null(find_check(r, "log-format"));
    ck_assert_ptr_null(find_check(r, "log-mode"));
    must(r, "webhook-mode", KAP_MANIFEST_FAIL, "batch, blocking or blocking-strict");
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* every audit flag pflag reads as a number, a duration or a boolean: a
 * value it cannot read stops kube-apiserver, the backend on or not; the
 * batch settings kube-apiserver validates in batch mode; --help and
 * --version exit; empty arguments are no arguments; "_" in a flag's name
 * is "-" */
START_TEST(typed_flag_values)
{
    good_node();
    static const char *const bad[][2] = {
        {"--audit-log-batch-max-wait=5", "is not a duration"},
        {"--audit-webhook-initial-backoff=10", "is not a duration"},
        {"--audit-webhook-batch-initial-backoff=1x", "is not a duration"},
        {"--audit-log-batch-max-wait=.s", "is not a duration"},
        /* past int64 nanoseconds (9,223,372,036.854775807 s) */
        {"--audit-log-batch-max-wait=9223372037s", "is not a duration"},
        {"--audit-log-batch-max-wait=2562048h", "is not a duration"},
        {"--audit-log-batch-throttle-qps=abc", "is not a float32"},
        {"--audit-log-batch-throttle-qps=1__0", "is not a float32"},
        {"--audit-webhook-batch-throttle-qps=0x1.8", "is not a float32"},
        {"--audit-webhook-batch-throttle-qps=1e39", "is not a float32"},
        {"--audit-log-truncate-enabled=yes", "is not a boolean"},
        {"--audit-webhook-batch-throttle-enable=on", "is not a boolean"},
        {"--audit-log-batch-buffer-size=abc", "is not an integer"},
        {"--audit-webhook-truncate-max-event-size=abc", "is not an integer"},
        {"--help", "prints its help and exits"},
        {"--version", "prints its version and exits"},
        {"--version=raw", "prints its version and exits"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char flags[512];
        snprintf(flags, sizeof flags, GOOD_FLAGS "    - %s\n", bad[i][0]);
        pod(flags, NULL);
        expect_now("flag-value", KAP_MANIFEST_FAIL, bad[i][1]);
    }
    static const char *const good[] = {
        "--audit-log-batch-max-wait=5s", "--audit-webhook-initial-backoff=1m30.5s", "--audit-log-batch-max-wait=0",
        "--audit-log-batch-max-wait=-1.5h", "--audit-log-batch-max-wait=100\u00b5s", "--audit-log-batch-max-wait=.5ms",
        "--audit-log-batch-max-wait=9223372036s", "--audit-log-batch-max-wait=2562047h",
        "--audit-log-batch-throttle-qps=2.5", "--audit-log-batch-throttle-qps=0x1p3",
        "--audit-log-batch-throttle-qps=0x_1p-2", "--audit-log-batch-throttle-qps=-Inf",
        "--audit-log-batch-throttle-qps=3.4e38", "--audit-log-batch-throttle-qps=1e-50",
        "--audit-log-truncate-enabled=T", "--audit-log-batch-buffer-size=0x10", "--version=false", "--help=false",
        "--audit_log_compress", "",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char flags[512];
        snprintf(flags, sizeof flags, GOOD_FLAGS "    - \"%s\"\n", good[i]);
        pod(flags, NULL);
        kap_manifest_report *r = check_now();
        const kap_manifest_check *f = find_check(r, "flag-value");
        ck_assert_msg(f == NULL, "%s: %s", good[i], f ? f->message : "");
        must(r, "manifest-flags", KAP_MANIFEST_PASS, "all well formed");
        kap_manifest_report_free(r);
    }
    /* batch mode's settings (the log's default mode is blocking: then they
     * are not validated; its batches are of one event, unthrottled) */
    static const char *const batch[][2] = {
        {"--audit-log-mode=batch", NULL},
        {"--audit-log-batch-buffer-size=0", NULL},
        {"--audit-log-mode=batch\n    - --audit-log-batch-buffer-size=0", "batch log buffer size 0, must be"},
        {"--audit-log-mode=batch\n    - --audit-log-batch-max-size=-1", "batch log max batch size -1, must be"},
        {"--audit-log-mode=batch\n    - --audit-log-batch-throttle-enable", "batch log throttle QPS 0, must be"},
        {"--audit-log-mode=batch\n    - --audit-log-batch-throttle-enable\n    - --audit-log-batch-throttle-qps=5",
         "batch log throttle burst 0, must be"},
        {"--audit-log-mode=batch\n    - --audit-log-batch-throttle-enable\n    - --audit-log-batch-throttle-qps=nan",
         "batch log throttle burst 0, must be"},
        /* below half float32's least subnormal: 0 */
        {"--audit-log-mode=batch\n    - --audit-log-batch-throttle-enable\n    - --audit-log-batch-throttle-qps=1e-46\n"
         "    - --audit-log-batch-throttle-burst=5",
         "batch log throttle QPS 0, must be"},
    };
    for (size_t i = 0; i < sizeof batch / sizeof batch[0]; i++) {
        char flags[512];
        snprintf(flags, sizeof flags, GOOD_FLAGS "    - %s\n", batch[i][0]);
        pod(flags, NULL);
        kap_manifest_report *r = check_now();
        if (batch[i][1])
            must(r, "log-batch", KAP_MANIFEST_FAIL, batch[i][1]);
        else if (i == 0)
            must(r, "log-batch", KAP_MANIFEST_PASS, "batches of up to 1");
        else
            ck_assert_ptr_null(find_check(r, "log-batch"));
        kap_manifest_report_free(r);
    }
    /* "_" for "-": the flag is there, and given twice */
    pod("    - --audit_policy_file=/etc/kubernetes/audit-policy.yaml\n"
        "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"
        "    - --audit_log_maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n"
        "    - --audit_log_path=/var/log/other.log\n",
        NULL);
    kap_manifest_report *r = check_now();
    must(r, "log-maxage", KAP_MANIFEST_PASS, NULL);
    must(r, "manifest-duplicate-flags", KAP_MANIFEST_FAIL, "--audit-log-path is given twice with different values");
    ck_assert_ptr_null(find_check(r, "policy-flag") && find_check(r, "policy-flag")->status == KAP_MANIFEST_FAIL
                           ? find_check(r, "policy-flag")
                           : NULL);
    kap_manifest_report_free(r);
    /* an empty argument after "--" is no argument either */
    pod(GOOD_FLAGS "    - \"--\"\n    - \"\"\n", NULL);
    expect_now("manifest-flags", KAP_MANIFEST_PASS, "all well formed");
    pod(GOOD_FLAGS "    - \"--\"\n    - \"\"\n    - x\n", NULL);
    expect_now("manifest-flags", KAP_MANIFEST_FAIL, "'--' ends the flags");
    drop_root();
}
END_TEST

/* ---- paths under the root ---- *//* ---- paths under the root ---- */

START_TEST(relative_symlink_cannot_leave_root)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    /* a policy just outside the root, and links that climb to it */
    char outside[512];
    snprintf(outside, sizeof outside, "%s.outside.yaml", root);
    FILE *f = fopen(outside, "w");
    fputs(POLICY, f);
    fclose(f);
    const char *name = strrchr(outside, '/') + 1;
    char target[512];
    snprintf(target, sizeof target, "../../%s", name);
    unlink(strcat(strcpy((char[512]){0}, root), "/etc/kubernetes/audit-policy.yaml"));
    link_at("/etc/kubernetes/audit-policy.yaml", target);
    kap_manifest_report *r = check_now();
    must(r, "policy-file", KAP_MANIFEST_FAIL, "does not exist");
    ck_assert_ptr_null(kap_manifest_report_policy_diagnostics(r));
    kap_manifest_report_free(r);
    /* through a directory link too */
    unlink(strcat(strcpy((char[512]){0}, root), "/etc/kubernetes/audit-policy.yaml"));
    link_at("/etc/kubernetes/up", "../../../../..");
    char t2[600];
    snprintf(t2, sizeof t2, "up/tmp/%s", name);
    link_at("/etc/kubernetes/audit-policy.yaml", t2);
    expect_now("policy-file", KAP_MANIFEST_FAIL, "does not exist");
    unlink(outside);
    drop_root();
}
END_TEST

START_TEST(absolute_symlink_resolves_in_root)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    char p[512];
    snprintf(p, sizeof p, "%s/etc/kubernetes/audit-policy.yaml", root);
    unlink(p);
    put("/srv/policies/audit.yaml", POLICY);
    link_at("/etc/kubernetes/audit-policy.yaml", "/srv/policies/audit.yaml");
    kap_manifest_report *r = check_now();
    must(r, "policy-loads", KAP_MANIFEST_PASS, NULL);
    ck_assert_ptr_nonnull(strstr(kap_manifest_report_policy_file(r), "/srv/policies/audit.yaml"));
    kap_manifest_report_free(r);
    /* /etc/passwd inside the root does not exist, whatever the machine has */
    unlink(p);
    link_at("/etc/kubernetes/audit-policy.yaml", "/etc/passwd");
    expect_now("policy-file", KAP_MANIFEST_FAIL, NULL);
    drop_root();
}
END_TEST

START_TEST(symlink_loop_and_manifest_link)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    char p[512];
    snprintf(p, sizeof p, "%s/etc/kubernetes/audit-policy.yaml", root);
    unlink(p);
    link_at("/etc/kubernetes/a", "b");
    link_at("/etc/kubernetes/b", "a");
    link_at("/etc/kubernetes/audit-policy.yaml", "a");
    expect_now("policy-file", KAP_MANIFEST_FAIL, "symbolic links");
    /* a manifest that is a loop cannot be read: KAP_EIO */
    link_at("/etc/kubernetes/manifests/loop.yaml", "loop.yaml");
    kap_manifest_report *r = check_root("/etc/kubernetes/manifests/loop.yaml", KAP_EIO);
    ck_assert_ptr_nonnull(strstr(kap_manifest_report_error(r), "symbolic links"));
    kap_manifest_report_free(r);
    /* ".." in the manifest's path stops at the root */
    unlink(p);
    put("/etc/kubernetes/audit-policy.yaml", POLICY);
    r = check_root("/../../../../etc/kubernetes/manifests/kube-apiserver.yaml", KAP_OK);
    must(r, "policy-loads", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* ---- one check at a time on the fixtures ---- */

typedef struct fixture_case {
    const char *dir, *manifest, *id;
    kap_manifest_status status;
    const char *part;
} fixture_case;

static const fixture_case cases[] = {
    {"kubeadm-before", NULL, "policy-flag", KAP_MANIFEST_FAIL, "not set"},
    {"kubeadm-before", NULL, "log-backend", KAP_MANIFEST_FAIL, "neither"},
    {"kubeadm-after", NULL, "policy-mount", KAP_MANIFEST_PASS, "volume 'audit'"},
    {"kubeadm-after", NULL, "log-dir", KAP_MANIFEST_PASS, "exists"},
    {"policy-unmounted", NULL, "policy-mount", KAP_MANIFEST_FAIL, "not under any volumeMount"},
    {"policy-missing", NULL, "policy-file", KAP_MANIFEST_FAIL, "does not exist"},
    {"policy-invalid", NULL, "policy-loads", KAP_MANIFEST_FAIL, "Unsupported value: \"Everything\""},
    {"policy-writable", NULL, "policy-mount-readonly", KAP_MANIFEST_WARN, "writable"},
    {"log-readonly", NULL, "log-mount", KAP_MANIFEST_FAIL, "read-only"},
    {"log-emptydir", NULL, "log-mount", KAP_MANIFEST_WARN, "from volume 'audit-log', an emptyDir"},
    {"log-file-mount", NULL, "log-dir", KAP_MANIFEST_FAIL, "type File"},
    {"log-dir-missing", NULL, "log-dir", KAP_MANIFEST_FAIL, "type Directory"},
    {"log-dir-create", NULL, "log-dir", KAP_MANIFEST_PASS, "DirectoryOrCreate"},
    {"no-backend", NULL, "log-backend", KAP_MANIFEST_FAIL, "no audit event"},
    {"cis-low", NULL, "log-maxage", KAP_MANIFEST_WARN, "1.2.17"},
    /* lumberjack rotates at 100 MB when MaxSize is 0 */
    {"cis-low", NULL, "log-maxsize", KAP_MANIFEST_WARN, "not set (0: rotated at 100 MB, the log writer's default)"},
    {"bad-values", NULL, "log-maxage", KAP_MANIFEST_FAIL, "thirty"},
    {"webhook-ok", NULL, "webhook-config", KAP_MANIFEST_PASS, "1 cluster"},
    {"webhook-bad", NULL, "webhook-config", KAP_MANIFEST_FAIL, "no clusters"},
    {"stray-backup", NULL, "manifest-dir", KAP_MANIFEST_FAIL, "kube-apiserver.yaml.bak"},
    {"stray-copy", NULL, "manifest-dir", KAP_MANIFEST_FAIL, "apiserver-old"},
    {"kubeadm-after", NULL, "manifest-dir", KAP_MANIFEST_PASS, "no other file"},
    {"log-in-manifests", NULL, "paths-separate", KAP_MANIFEST_FAIL, "is the manifests directory: kubelet tries to run each log file"},
    {"policy-is-log", NULL, "paths-separate", KAP_MANIFEST_FAIL, "same path"},
    {"wrong-dir", "/root/kube-apiserver.yaml", "static-pod-path", KAP_MANIFEST_FAIL, "changes nothing"},
    {"json-manifest", "/etc/kubernetes/manifests/kube-apiserver.json", "manifest-parse", KAP_MANIFEST_PASS, "JSON"},
    {"json-manifest", "/etc/kubernetes/manifests/kube-apiserver.json", "static-pod-path", KAP_MANIFEST_PASS,
     "not checked"},
    {"not-a-pod", NULL, "manifest-pod", KAP_MANIFEST_FAIL, "Deployment"},
    {"no-apiserver", NULL, "manifest-container", KAP_MANIFEST_FAIL, "no container"},
    {"kubeadm-after", NULL, "kube-version", KAP_MANIFEST_PASS, "1.31"},
    {"kubelet-dropins", NULL, "static-pod-path", KAP_MANIFEST_FAIL,
     "from /etc/kubernetes/pods (staticPodPath in /etc/kubernetes/kubelet.conf.d/20-pods.conf)"},
    {"kubelet-unit-broken", NULL, "kubelet-unit", KAP_MANIFEST_FAIL,
     "a second ExecStart= (in /etc/systemd/system/kubelet.service.d/20-node-ip.conf)"},
};

/* The report on the fixture tests/manifests/NAME: its root (written to
 * dir), the manifest at its default path or at manifest. */
static kap_manifest_report *check_fixture(const char *name, const char *manifest, char *dir, size_t size)
{
    snprintf(dir, size, "%s/%s/root", fixtures, name);
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = dir;
    kap_manifest_report *r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(&r, manifest, &o), KAP_OK);
    return r;
}

START_TEST(fixture)
{
    const fixture_case *fc = &cases[_i];
    char dir[1024];
    kap_manifest_report *r = check_fixture(fc->dir, fc->manifest, dir, sizeof dir);
    must(r, fc->id, fc->status, fc->part);
    kap_manifest_report_free(r);
}
END_TEST

/* The hint for a policy that is not mounted mounts it by itself,
 * read-only (kube-apiserver only reads it), as --fix does. */
START_TEST(unmounted_policy_hint_is_read_only)
{
    char dir[1024];
    kap_manifest_report *r = check_fixture("policy-unmounted", NULL, dir, sizeof dir);
    must(r, "policy-mount", KAP_MANIFEST_FAIL, "not under any volumeMount");
    ck_assert_str_eq(find_check(r, "policy-mount")->fix,
                     "add to the container's volumeMounts: {name: audit-policy, mountPath: "
                     "/etc/kubernetes/audit-policy.yaml, readOnly: true} and to the pod's volumes: {name: "
                     "audit-policy, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}}");
    kap_manifest_report_free(r);
}
END_TEST

START_TEST(stray_dot_files_are_mentioned)
{
    char dir[1024];
    kap_manifest_report *r = check_fixture("stray-backup", NULL, dir, sizeof dir);
    /* etcd.yaml is another static pod, not a second kube-apiserver */
    ck_assert_uint_eq(count_status(r, "manifest-dir", KAP_MANIFEST_FAIL), 1);
    kap_manifest_report_free(r);
    /* the same directory without the .bak: PASS, naming the dot-file */
    new_root();
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp -a '%s/.' '%s' && rm '%s/etc/kubernetes/manifests/kube-apiserver.yaml.bak'", dir,
             root, root);
    ck_assert_int_eq(system(cmd), 0);
    r = check_now();
    must(r, "manifest-dir", KAP_MANIFEST_PASS, ".kube-apiserver.yaml.swp");
    must(r, "manifest-dir", KAP_MANIFEST_PASS, "etcd.yaml");
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* A Pod written by hand in full, for the field types check. */
static void raw_pod(const char *mounts, const char *volumes)
{
    char text[4096];
    snprintf(text, sizeof text,
             "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n"
             "  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
             "    command: [kube-apiserver, --audit-policy-file=/etc/kubernetes/audit-policy.yaml,"
             " --audit-log-path=/var/log/kubernetes/audit/audit.log]\n"
             "%s%s",
             mounts, volumes);
    put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
}

#define GOOD_FLAGS_SHORT                                            \
    "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n" \
    "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n"

/* A Pod written in full: its flags (YAML list items), mounts and volumes. */
static void pod_with(const char *flags, const char *mounts, const char *volumes)
{
    char text[4096];
    snprintf(text, sizeof text,
             "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n"
             "  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
             "    command:\n    - kube-apiserver\n%s    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n"
             "    - --audit-log-maxsize=100\n    volumeMounts:\n%s  volumes:\n%s",
             flags, mounts, volumes);
    put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
}

/* A mount's subPathExpr, expanded as kubelet expands it with the
 * container's env: literal values give the host path; a valueFrom, a
 * variable not in env (kubelet's own) leave it unknown (a WARN, nothing
 * checked through it); an empty value stops the container; subPath and
 * subPathExpr together are refused. */
START_TEST(sub_path_expr)
{
    good_node();
    put("/srv/audit/node-1/policy.yaml", POLICY);
    put("/srv/audit/a$b/policy.yaml", POLICY);
    put("/srv/audit/n$x$(y/policy.yaml", POLICY);
    put("/srv/audit/m$/policy.yaml", POLICY);
    static const char flags[] = "    - --audit-policy-file=/etc/audit/policy.yaml\n"
                                "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n";
    static const char log_mount[] = "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n";
    static const char vols[] = "  - name: audit\n    hostPath: {path: /srv/audit, type: Directory}\n"
                               "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: "
                               "DirectoryOrCreate}\n";
    static const struct {
        const char *mount, *env, *id;
        kap_manifest_status st;
        const char *part;
    } cases[] = {
        {"subPathExpr: $(NODE)", "    - {name: NODE, value: node-0}\n    - {name: NODE, value: node-1}\n",
         "policy-file", KAP_MANIFEST_PASS, "/srv/audit/node-1/policy.yaml"},
        {"subPathExpr: 'a$$b'", "    - {name: X, value: y}\n", "policy-file", KAP_MANIFEST_PASS,
         "/srv/audit/a$b/policy.yaml"},
        /* a '$' before anything else, an unclosed "$(", a last '$': as written */
        {"subPathExpr: 'n$x$(y'", "    - {name: X, value: y}\n", "policy-file", KAP_MANIFEST_PASS,
         "/srv/audit/n$x$(y/policy.yaml"},
        {"subPathExpr: 'm$'", "    - {name: X, value: y}\n", "policy-file", KAP_MANIFEST_PASS,
         "/srv/audit/m$/policy.yaml"},
        /* "$()": kubelet looks up the name "", which no env entry has */
        {"subPathExpr: 'e$()$(X)'", "    - {name: X, value: y}\n", "policy-mount", KAP_MANIFEST_FAIL,
         "the subPathExpr 'e$()$(X)' of volumeMount 'audit' uses $(), which names no variable (kubelet: \"missing "
         "value for \"): the container does not start"},
        /* after a variable known only on the node, one kubelet has no value
         * for still stops the container */
        {"subPathExpr: '$(NODE)$()'", "    - name: NODE\n      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}\n",
         "policy-mount", KAP_MANIFEST_FAIL, "uses $(), which names no variable"},
        {"subPathExpr: '$(NODE)-$(E)-$(F)'",
         "    - name: NODE\n      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}\n    - {name: E, value: ''}\n",
         "policy-mount", KAP_MANIFEST_FAIL, "uses $(E), whose value in the container's env is empty"},
        /* of two known only on the node, the first is named */
        {"subPathExpr: '$(NODE)/$(IP)'", "    - name: NODE\n      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}\n",
         "policy-mount", KAP_MANIFEST_WARN, "whose $(NODE) is no literal value"},
        /* a name runs to the first ')', as in Kubernetes' expansion: "$(X" */
        {"subPathExpr: 'p$($(X)'", "    - {name: X, value: y}\n", "policy-mount", KAP_MANIFEST_WARN,
         "whose $($(X) is no literal value"},
        {"subPathExpr: $(NODE)", "    - {name: NODE, value: 5}\n", "policy-mount", KAP_MANIFEST_WARN,
         "whose $(NODE) is no literal value"},
        {"subPathExpr: $(NODE)", "    - {name: X, value: y}\n", "policy-mount", KAP_MANIFEST_WARN,
         "/etc/audit/policy.yaml is mounted at /etc/audit with the subPathExpr '$(NODE)', whose $(NODE) is no "
         "literal value of the container's env (a valueFrom, or kubelet's own): its host path is known only on the "
         "node, not checked"},
        {"subPathExpr: $(NODE)", "    - name: NODE\n      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}\n",
         "policy-mount", KAP_MANIFEST_WARN, "whose $(NODE) is no literal value"},
        {"subPathExpr: $(NODE)", "    - {name: NODE, value: '$(HOST)'}\n", "policy-mount", KAP_MANIFEST_WARN,
         "whose $(NODE) is no literal value"},
        {"subPathExpr: $(NODE)", "    - {name: NODE, value: ''}\n", "policy-mount", KAP_MANIFEST_FAIL,
         "uses $(NODE), whose value in the container's env is empty (kubelet: \"missing value for NODE\")"},
        {"subPathExpr: $(NODE)", "    - {name: NODE}\n", "policy-mount", KAP_MANIFEST_FAIL,
         "whose value in the container's env is empty"},
        {"subPathExpr: $(NODE)", "    - {name: NODE, value: ..}\n", "policy-mount", KAP_MANIFEST_FAIL,
         "the subPathExpr '$(NODE)' of volumeMount 'audit' expands to '..', which is not below its volume ('..'): "
         "kubelet does not start the container"},
        {"subPathExpr: $(NODE), subPath: node-1", "    - {name: NODE, value: node-1}\n", "pod-valid",
         KAP_MANIFEST_FAIL, "has both subPath and subPathExpr (kubelet: \"subPathExpr and subPath are mutually "
                            "exclusive\"): kubelet refuses the pod"},
        {"subPathExpr: /$(NODE)", "    - {name: NODE, value: node-1}\n", "pod-valid", KAP_MANIFEST_FAIL,
         "the subPathExpr '/$(NODE)' (spec.containers[0].volumeMounts[0]) is absolute"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char mounts[1024];
        snprintf(mounts, sizeof mounts, "    - {name: audit, mountPath: /etc/audit, readOnly: true, %s}\n%s    env:\n%s",
                 cases[i].mount, log_mount, cases[i].env);
        pod_with(flags, mounts, vols);
        kap_manifest_report *r = check_now();
        must(r, cases[i].id, cases[i].st, cases[i].part);
        if (cases[i].st == KAP_MANIFEST_WARN) /* nothing checked through it */
            ck_assert_ptr_null(find_check(r, "policy-file"));
        kap_manifest_report_free(r);
    }
    drop_root();
}
END_TEST

/* recursiveReadOnly as kubelet 1.30 and later validate it: Disabled, or
 * Enabled or IfPossible on a read-only mount whose mountPropagation is
 * None or unset; on any container's or init container's mount. */
START_TEST(recursive_read_only)
{
    good_node();
    static const char flags[] = "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                                "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n";
    static const char vols[] = "  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n"
                               "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: "
                               "DirectoryOrCreate}\n";
    static const struct {
        const char *policy, *log; /* the two mounts' extra fields */
        const char *part;         /* the pod-valid FAIL's text, or NULL: none */
    } cases[] = {
        {"readOnly: true, recursiveReadOnly: Enabled", "recursiveReadOnly: Disabled", NULL},
        {"readOnly: true, recursiveReadOnly: IfPossible, mountPropagation: None", "readOnly: false", NULL},
        {"readOnly: true, recursiveReadOnly: null", "recursiveReadOnly: null", NULL},
        {"readOnly: true", "recursiveReadOnly: Enabled",
         "spec.containers[0].volumeMounts[1] has recursiveReadOnly: Enabled on a writable mount (kubelet: \"may "
         "only be specified when readOnly is true\"): kubelet refuses the pod"},
        {"readOnly: true", "readOnly: false, recursiveReadOnly: IfPossible",
         "volumeMounts[1] has recursiveReadOnly: IfPossible on a writable mount"},
        {"readOnly: null, recursiveReadOnly: IfPossible", "readOnly: false",
         "volumeMounts[0] has recursiveReadOnly: IfPossible on a writable mount"},
        {"readOnly: true, recursiveReadOnly: enabled", "readOnly: false",
         "spec.containers[0].volumeMounts[0].recursiveReadOnly is 'enabled', none of Disabled, Enabled and "
         "IfPossible: kubelet refuses the pod"},
        {"readOnly: true, recursiveReadOnly: ''", "readOnly: false", "recursiveReadOnly is '', none of"},
        {"readOnly: true, recursiveReadOnly: Enabled, mountPropagation: HostToContainer", "readOnly: false",
         "volumeMounts[0] has recursiveReadOnly: Enabled with mountPropagation: HostToContainer (it is taken only "
         "with None or none given): kubelet refuses the pod"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char mounts[1024];
        snprintf(mounts, sizeof mounts,
                 "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, %s}\n"
                 "    - {name: audit-log, mountPath: /var/log/kubernetes/audit, %s}\n",
                 cases[i].policy, cases[i].log);
        pod_with(flags, mounts, vols);
        kap_manifest_report *r = check_now();
        if (cases[i].part)
            must(r, "pod-valid", KAP_MANIFEST_FAIL, cases[i].part);
        else
            ck_assert_msg(!find_check(r, "pod-valid"), "case %zu: %s", i, find_check(r, "pod-valid")->message);
        kap_manifest_report_free(r);
    }
    /* an init container's mount too; a value of another type is
     * manifest-fields' (for init containers too), not pod-valid's */
    put("/etc/kubernetes/manifests/kube-apiserver.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n"
        "  initContainers:\n  - name: init\n    image: busybox\n"
        "    volumeMounts: [{name: audit-log, mountPath: /x, recursiveReadOnly: Enabled},\n"
        "                   {name: audit, mountPath: /y, readOnly: 'true', recursiveReadOnly: Enabled}]\n"
        "  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
        "    command:\n    - kube-apiserver\n" GOOD_FLAGS "    volumeMounts:\n"
        "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
        "    - {name: audit-log, mountPath: /var/log/kubernetes/audit, recursiveReadOnly: true}\n"
        "  volumes:\n  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n"
        "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n");
    kap_manifest_report *r = check_now();
    must(r, "pod-valid", KAP_MANIFEST_FAIL, "spec.initContainers[0].volumeMounts[0] has recursiveReadOnly: Enabled");
    must(r, "manifest-fields", KAP_MANIFEST_FAIL, "spec.containers[0].volumeMounts[1].recursiveReadOnly is");
    must(r, "manifest-fields", KAP_MANIFEST_FAIL, "spec.initContainers[0].volumeMounts[1].readOnly is a string");
    ck_assert_ptr_null(nth(r, "manifest-fields", 2)); /* each once */
    ck_assert_ptr_null(nth(r, "pod-valid", 1));
    kap_manifest_report_free(r);
    /* a kubelet before 1.30 drops the field it does not know */
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    o.kube_minor = 29;
    r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_OK);
    ck_assert_ptr_null(find_check(r, "pod-valid"));
    kap_manifest_report_free(r);
    /* the init containers' list and their own fields, as the containers' */
    static const struct {
        const char *inits, *part;
    } inits[] = {
        {"{a: b}", "spec.initContainers is a mapping where kubelet expects a list"},
        {"[{name: init, image: 5}]", "spec.initContainers[0].image is a number where kubelet expects a string"},
        /* a subPath that is no string is no subPath for pod-valid: not
         * "both subPath and subPathExpr" */
        {"[{name: init, image: busybox, volumeMounts: [{name: audit-log, mountPath: /x, subPath: 5, subPathExpr: "
         "x}]}]",
         "spec.initContainers[0].volumeMounts[0].subPath is a number"},
        /* env, which $(NAME) references are read from: a name YAML reads
         * as a boolean (N, yes, off) is no string */
        {"[{name: init, image: busybox, env: [{name: N, value: x}]}]",
         "spec.initContainers[0].env[0].name is a boolean where kubelet expects a string"},
        {"[{name: init, image: busybox, env: [{name: \"N\", value: x}, {name: P, value: 6443}]}]",
         "spec.initContainers[0].env[1].value is a number where kubelet expects a string"},
        {"[{name: init, image: busybox, env: [{name: X, valueFrom: abc}]}]",
         "spec.initContainers[0].env[0].valueFrom is a string where kubelet expects a mapping"},
        {"[{name: init, image: busybox, env: {a: b}}]",
         "spec.initContainers[0].env is a mapping where kubelet expects a list"},
        {"[{name: init, image: busybox, env: [5]}]",
         "spec.initContainers[0].env[0] is a number where kubelet expects a mapping"},
    };
    for (size_t i = 0; i < sizeof inits / sizeof inits[0]; i++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  initContainers: %s\n"
                 "  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
                 "    command:\n    - kube-apiserver\n" GOOD_FLAGS "    volumeMounts:\n"
                 "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
                 "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n"
                 "  volumes:\n  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n"
                 "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n",
                 inits[i].inits);
        put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
        r = check_now();
        must(r, "manifest-fields", KAP_MANIFEST_FAIL, inits[i].part);
        ck_assert_ptr_null(nth(r, "manifest-fields", 1));
        ck_assert_ptr_null(find_check(r, "pod-valid"));
        kap_manifest_report_free(r);
    }
    drop_root();
}
END_TEST

/* kubelet checks a hostPath volume's type against the volume's own path:
 * a policy in a mounted directory, a log directory under a subPath */
START_TEST(hostpath_type_of_the_volume_not_the_file)
{
    good_node();
    put("/etc/kubernetes/audit/policy.yaml", POLICY);
    static const char flags[] = "    - --audit-policy-file=/etc/kubernetes/audit/policy.yaml\n"
                                "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n";
    static const char log_mount[] = "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n";
    static const char log_vol[] =
        "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n";
    static const char *const types[] = {"Directory", "DirectoryOrCreate", ""};
    for (size_t i = 0; i < 3; i++) {
        char vols[512];
        snprintf(vols, sizeof vols, "  - name: audit\n    hostPath: {path: /etc/kubernetes/audit%s%s}\n%s",
                 types[i][0] ? ", type: " : "", types[i], log_vol);
        pod_with(flags, "    - {name: audit, mountPath: /etc/kubernetes/audit, readOnly: true}\n" "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n", vols);
        kap_manifest_report *r = check_now();
        must(r, "policy-file", KAP_MANIFEST_PASS, "/etc/kubernetes/audit/policy.yaml is a regular file");
        ck_assert_int_eq(kap_manifest_report_worst(r), KAP_MANIFEST_PASS);
        kap_manifest_report_free(r);
    }
    (void)log_mount;
    /* the directory is missing: Directory stops the pod; DirectoryOrCreate
     * makes an empty one, without the policy */
    pod_with("    - --audit-policy-file=/etc/kubernetes/none/policy.yaml\n"
             "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n",
             "    - {name: audit, mountPath: /etc/kubernetes/none, readOnly: true}\n" "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n",
             "  - name: audit\n    hostPath: {path: /etc/kubernetes/none, type: Directory}\n" "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n");
    kap_manifest_report *r = check_now();
    must(r, "policy-file", KAP_MANIFEST_FAIL,
         "volume 'audit', which holds the policy (/etc/kubernetes/none/policy.yaml), has the host path "
         "/etc/kubernetes/none, which does not exist (type Directory");
    ck_assert_str_eq(nth(r, "policy-file", 0)->fix,
                     "create the directory /etc/kubernetes/none on the host and write the policy to "
                     "/etc/kubernetes/none/policy.yaml");
    kap_manifest_report_free(r);
    pod_with("    - --audit-policy-file=/etc/kubernetes/none/policy.yaml\n"
             "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n",
             "    - {name: audit, mountPath: /etc/kubernetes/none, readOnly: true}\n" "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n",
             "  - name: audit\n    hostPath: {path: /etc/kubernetes/none, type: DirectoryOrCreate}\n" "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n");
    expect_now("policy-file", KAP_MANIFEST_FAIL, "/etc/kubernetes/none/policy.yaml, does not exist");
    /* a directory mounted from a volume of type File: the policy cannot be below a file */
    pod_with(flags, "    - {name: audit, mountPath: /etc/kubernetes/audit, readOnly: true}\n" "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n",
             "  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n" "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n");
    expect_now("policy-file", KAP_MANIFEST_FAIL, "cannot be there: a path above it is a file");
    /* a type that does not fit the directory */
    pod_with(flags, "    - {name: audit, mountPath: /etc/kubernetes/audit, readOnly: true}\n" "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n",
             "  - name: audit\n    hostPath: {path: /etc/kubernetes/audit, type: File}\n" "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n");
    r = check_now();
    must(r, "policy-file", KAP_MANIFEST_FAIL, "has the host path /etc/kubernetes/audit, which is not a regular file (type File)");
    ck_assert_str_eq(nth(r, "policy-file", 0)->fix,
                     "give volume 'audit' type Directory: it holds the policy at /etc/kubernetes/audit/policy.yaml");
    kap_manifest_report_free(r);

    /* the log's directory through a subPath of /var/log (type Directory):
     * kubelet checks /var/log and creates the subPath */
    static const char good_policy[] = "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                                      "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n";
    static const char policy_mount[] =
        "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n";
    static const char policy_vol[] =
        "  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n";
    char mounts[512], vols[512];
    snprintf(mounts, sizeof mounts,
             "%s    - {name: audit-log, mountPath: /var/log/kubernetes/audit, subPath: kubernetes/audit}\n",
             policy_mount);
    snprintf(vols, sizeof vols, "%s  - name: audit-log\n    hostPath: {path: /var/log, type: Directory}\n", policy_vol);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/var/log/kubernetes'", root);
    ck_assert_int_eq(system(cmd), 0);
    pod_with(good_policy, mounts, vols);
    r = check_now();
    must(r, "log-dir", KAP_MANIFEST_PASS, "/var/log/kubernetes/audit does not exist yet; kubelet creates it (subPath");
    ck_assert_int_eq(kap_manifest_report_worst(r), KAP_MANIFEST_PASS);
    kap_manifest_report_free(r);
    /* the volume's own path missing: type Directory stops the pod */
    snprintf(vols, sizeof vols, "%s  - name: audit-log\n    hostPath: {path: /var/nolog, type: Directory}\n",
             policy_vol);
    pod_with(good_policy, mounts, vols);
    expect_now("log-dir", KAP_MANIFEST_FAIL, "the log's host directory /var/nolog does not exist (type Directory");
    drop_root();
}
END_TEST

/* One mount for the policy and the log: it must stay writable */
START_TEST(policy_and_log_in_one_mount)
{
    good_node();
    put("/var/lib/audit/policy.yaml", POLICY);
    put("/var/lib/audit/logs/.keep", "");
    static const char flags[] = "    - --audit-policy-file=/var/lib/audit/policy.yaml\n"
                                "    - --audit-log-path=/var/lib/audit/logs/audit.log\n";
    static const char vols[] = "  - name: audit\n    hostPath: {path: /var/lib/audit, type: Directory}\n";
    pod_with(flags, "    - {name: audit, mountPath: /var/lib/audit}\n", vols);
    kap_manifest_report *r = check_now();
    must(r, "policy-mount-readonly", KAP_MANIFEST_PASS,
         "the policy's mount (/var/lib/audit) is writable, as it must be: the log (/var/lib/audit/logs/audit.log) "
         "is written there too");
    ck_assert_int_eq(kap_manifest_report_worst(r), KAP_MANIFEST_PASS);
    kap_manifest_report_free(r);
    /* a log elsewhere: the writable policy mount is a WARN again */
    put("/var/log/kubernetes/audit/.keep", "");
    pod_with("    - --audit-policy-file=/var/lib/audit/policy.yaml\n"
             "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n",
             "    - {name: audit, mountPath: /var/lib/audit}\n    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n",
             "  - name: audit\n    hostPath: {path: /var/lib/audit, type: Directory}\n"
             "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n");
    r = check_now();
    must(r, "policy-mount-readonly", KAP_MANIFEST_WARN,
         "the policy's mount (/var/lib/audit) is writable: kube-apiserver only reads the policy");
    /* a directory's mount: the hint mounts the policy by itself (as --fix
     * does), leaving the directory's as it is */
    const kap_manifest_check *k = find_check(r, "policy-mount-readonly");
    ck_assert_str_eq(k->fix, "mount the policy by itself, read-only: add to the container's volumeMounts: {name: "
                             "audit-policy, mountPath: /var/lib/audit/policy.yaml, readOnly: true} and to the pod's "
                             "volumes: {name: audit-policy, hostPath: {path: /var/lib/audit/policy.yaml, type: "
                             "File}}; or add 'readOnly: true' to the volumeMount 'audit' if kube-apiserver writes "
                             "nothing under /var/lib/audit");
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* What kube-apiserver's audit log options refuse at start-up (its
 * AuditLogOptions.Validate, while a log path is set) */
START_TEST(log_options_refused)
{
    good_node();
    pod(GOOD_FLAGS "    - --audit-log-maxbackup=-2\n    - --audit-log-version=audit.k8s.io/v1beta1\n", NULL);
    kap_manifest_report *r = check_now();
    must(r, "log-maxbackup", KAP_MANIFEST_FAIL, "--audit-log-maxbackup -2 can't be a negative number");
    must(r, "log-version", KAP_MANIFEST_FAIL,
         "--audit-log-version=audit.k8s.io/v1beta1: kube-apiserver 1.24 and later know audit.k8s.io/v1 only");
    ck_assert_str_eq(nth(r, "log-version", 0)->fix, "set --audit-log-version=audit.k8s.io/v1");
    kap_manifest_report_free(r);
    /* to standard output: no rotation, but the values are still checked */
    pod("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n    - --audit-log-path=-\n"
        "    - --audit-log-maxsize=-1\n    - --audit-log-version=v1\n",
        NULL);
    r = check_now();
    must(r, "log-maxsize", KAP_MANIFEST_FAIL, "--audit-log-maxsize -1 can't be a negative number");
    must(r, "log-version", KAP_MANIFEST_FAIL, "--audit-log-version=v1:");
    kap_manifest_report_free(r);
    /* no log: kube-apiserver does not validate them */
    pod("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n    - --audit-log-maxsize=-1\n"
        "    - --audit-log-version=v1\n",
        NULL);
    r = check_now();
    ck_assert_uint_eq(count_status(r, "log-maxsize", KAP_MANIFEST_FAIL), 0);
    ck_assert_ptr_null(nth(r, "log-version", 0));
    kap_manifest_report_free(r);
    /* the right version passes */
    pod(GOOD_FLAGS "    - --audit-log-version=audit.k8s.io/v1\n", NULL);
    r = check_now();
    must(r, "log-version", KAP_MANIFEST_PASS, "--audit-log-version=audit.k8s.io/v1");
    ck_assert_ptr_null(nth(r, "log-truncate", 0)); /* not given: the defaults */
    kap_manifest_report_free(r);
    /* the truncate sizes, validated even with truncating off */
    pod(GOOD_FLAGS "    - --audit-log-truncate-max-event-size=0\n", NULL);
    expect_now("log-truncate", KAP_MANIFEST_FAIL,
               "(\"invalid audit truncate log max event size 0, must be a positive number\"), whether truncating is enabled");
    pod(GOOD_FLAGS "    - --audit-log-truncate-max-event-size=20971520\n", NULL);
    expect_now("log-truncate", KAP_MANIFEST_FAIL,
               "(\"invalid audit truncate log max batch size 10485760, must be greater than max event size (20971520)\")");
    pod(GOOD_FLAGS "    - --audit-log-truncate-max-batch-size=1k\n", NULL);
    expect_now("log-truncate", KAP_MANIFEST_FAIL, "--audit-log-truncate-max-batch-size=1k is not an integer");
    pod(GOOD_FLAGS "    - --audit-log-truncate-max-event-size=2048\n    - --audit-log-truncate-max-batch-size=4096\n",
        NULL);
    expect_now("log-truncate", KAP_MANIFEST_PASS,
               "--audit-log-truncate-max-event-size 2048, --audit-log-truncate-max-batch-size 4096");
    drop_root();
}
END_TEST

START_TEST(field_types_as_kubelet_decodes_them)
{
    good_node();
    /* null is the zero value; yes is a YAML 1.1 boolean; both decode */
    raw_pod("    volumeMounts:\n"
            "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: yes}\n"
            "    - {name: audit-log, mountPath: /var/log/kubernetes/audit, readOnly: null, subPath: ~}\n",
            "  volumes:\n  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: null}\n"
            "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit}\n");
    kap_manifest_report *r = check_now();
    must(r, "manifest-fields", KAP_MANIFEST_PASS, NULL);
    ck_assert_uint_eq(count_status(r, "manifest-fields", KAP_MANIFEST_FAIL), 0);
    must(r, "policy-mount-readonly", KAP_MANIFEST_PASS, NULL); /* yes is true */
    kap_manifest_report_free(r);

    /* each wrong type is one finding, at its own line */
    raw_pod("    volumeMounts:\n"
            "    - name: audit\n      mountPath: /etc/kubernetes/audit-policy.yaml\n      readOnly: 'true'\n"
            "    - name: 7\n      mountPath: [/var/log]\n",
            "  volumes:\n  - name: audit\n    hostPath: [/etc/kubernetes/audit-policy.yaml]\n"
            "  - just-a-string\n");
    r = check_now();
    ck_assert_uint_eq(count_status(r, "manifest-fields", KAP_MANIFEST_FAIL), 5);
    ck_assert_uint_eq(count_status(r, "manifest-fields", KAP_MANIFEST_PASS), 0);
    must(r, "manifest-fields", KAP_MANIFEST_FAIL,
         "spec.containers[0].volumeMounts[0].readOnly is a string where kubelet expects a boolean");
    ck_assert_uint_eq(nth(r, "manifest-fields", 0)->line, 12);
    must(r, "manifest-fields", KAP_MANIFEST_FAIL, "spec.containers[0].volumeMounts[1].name is a number");
    must(r, "manifest-fields", KAP_MANIFEST_FAIL,
         "spec.containers[0].volumeMounts[1].mountPath is a list where kubelet expects a string");
    must(r, "manifest-fields", KAP_MANIFEST_FAIL,
         "spec.volumes[0].hostPath is a list where kubelet expects a mapping");
    must(r, "manifest-fields", KAP_MANIFEST_FAIL, "spec.volumes[1] is a string where kubelet expects a mapping");
    ck_assert_int_eq(kap_manifest_report_worst(r), KAP_MANIFEST_FAIL);
    kap_manifest_report_free(r);

    /* lists that are not lists */
    raw_pod("    volumeMounts: {name: audit}\n", "  volumes: audit\n");
    r = check_now();
    must(r, "manifest-fields", KAP_MANIFEST_FAIL, "spec.containers[0].volumeMounts is a mapping where kubelet expects a list");
    must(r, "manifest-fields", KAP_MANIFEST_FAIL, "spec.volumes is a string where kubelet expects a list");
    kap_manifest_report_free(r);

    /* metadata that is no mapping, a name that is no string: the pod does
     * not decode (said once, not as a pod without a name) */
    static const char *const metas[][2] = {
        {"''", "metadata is a string where kubelet expects a mapping"},
        {"[kube-apiserver]", "metadata is a list where kubelet expects a mapping"},
        {"{name: 5}", "metadata.name is a number where kubelet expects a string"},
        {"{name: kube-apiserver, namespace: [kube-system]}", "metadata.namespace is a list where kubelet expects"},
    };
    for (size_t i = 0; i < sizeof metas / sizeof metas[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "apiVersion: v1\nkind: Pod\nmetadata: %s\nspec:\n  containers:\n  - name: kube-apiserver\n"
                 "    image: registry.k8s.io/kube-apiserver:v1.30.4\n    command: [kube-apiserver]\n",
                 metas[i][0]);
        put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
        r = check_now();
        must(r, "manifest-fields", KAP_MANIFEST_FAIL, metas[i][1]);
        ck_assert_uint_eq(nth(r, "manifest-fields", 0)->line, 3);
        ck_assert_uint_eq(count_status(r, "pod-valid", KAP_MANIFEST_FAIL), 0);
        kap_manifest_report_free(r);
    }
    drop_root();
}
END_TEST

START_TEST(kubelet_config)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    put("/var/lib/kubelet/config.yaml", KCFG);
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "no staticPodPath");
    /* a given config that is missing is a WARN */
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    o.kubelet_config = "/etc/kubernetes/kubelet.conf";
    kap_manifest_report *r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_OK);
    must(r, "static-pod-path", KAP_MANIFEST_WARN, "cannot be read");
    kap_manifest_report_free(r);
    /* staticPodPath through a symlink to the manifests directory */
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: /etc/static\n");
    link_at("/etc/static", "kubernetes/manifests");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, NULL);
    drop_root();
}
END_TEST

/* A static pod path that names a file: kubelet runs that one file (its
 * file source reads a file given there as the pod), so this manifest
 * itself is right and the directory's other files are not run; another
 * file is the pod kubelet runs instead. */
START_TEST(static_pod_path_names_a_file)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    put("/etc/kubernetes/manifests/kube-apiserver.yaml.bak", "kind: Pod\n");
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: /etc/kubernetes/manifests/kube-apiserver.yaml\n");
    kap_manifest_report *r = check_now();
    must(r, "static-pod-path", KAP_MANIFEST_PASS,
         "kubelet's staticPodPath (/etc/kubernetes/manifests/kube-apiserver.yaml, in /var/lib/kubelet/config.yaml) "
         "is this manifest: kubelet runs this one file");
    must(r, "manifest-dir", KAP_MANIFEST_PASS,
         "kubelet reads this manifest only (staticPodPath names the file /etc/kubernetes/manifests/kube-apiserver.yaml)");
    ck_assert_uint_eq(count_status(r, "manifest-dir", KAP_MANIFEST_FAIL), 0);
    ck_assert_int_eq(kap_manifest_report_worst(r), KAP_MANIFEST_PASS);
    kap_manifest_report_free(r);
    /* then the log in the manifests directory is no pod either */
    pod_with("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=/etc/kubernetes/manifests/audit.log\n",
             "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
             "    - {name: m, mountPath: /etc/kubernetes/manifests}\n",
             "  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n"
             "  - name: m\n    hostPath: {path: /etc/kubernetes/manifests, type: Directory}\n");
    r = check_now();
    must(r, "paths-separate", KAP_MANIFEST_PASS, "the policy and the log directory are apart (kubelet reads no other file");
    ck_assert_uint_eq(count_status(r, "paths-separate", KAP_MANIFEST_FAIL), 0);
    kap_manifest_report_free(r);
    /* what is not about the directory stays: the policy is the log */
    pod_with("    - --audit-policy-file=/etc/kubernetes/manifests/audit.log\n"
             "    - --audit-log-path=/etc/kubernetes/manifests/audit.log\n",
             "    - {name: m, mountPath: /etc/kubernetes/manifests}\n",
             "  - name: m\n    hostPath: {path: /etc/kubernetes/manifests, type: Directory}\n");
    put("/etc/kubernetes/manifests/audit.log", POLICY);
    r = check_now();
    must(r, "paths-separate", KAP_MANIFEST_FAIL, "--audit-policy-file and --audit-log-path name the same path");
    ck_assert_uint_eq(count_status(r, "paths-separate", KAP_MANIFEST_PASS), 0);
    kap_manifest_report_free(r);
    pod(GOOD_FLAGS, NULL);
    /* the directory: the .bak is a second kube-apiserver again */
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: /etc/kubernetes/manifests\n");
    expect_now("manifest-dir", KAP_MANIFEST_FAIL, "kube-apiserver.yaml.bak");
    /* another file */
    put("/etc/kubernetes/pods/apiserver.yaml", "kind: Pod\n");
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: /etc/kubernetes/pods/apiserver.yaml\n");
    r = check_now();
    must(r, "static-pod-path", KAP_MANIFEST_FAIL,
         "kubelet runs the one static pod of /etc/kubernetes/pods/apiserver.yaml (staticPodPath in "
         "/var/lib/kubelet/config.yaml), not this manifest");
    ck_assert_str_eq(nth(r, "static-pod-path", 0)->fix,
                     "edit /etc/kubernetes/pods/apiserver.yaml instead (or set staticPodPath in /var/lib/kubelet/config.yaml)");
    kap_manifest_report_free(r);
    /* --pod-manifest-path naming this file, on kubelet's command line */
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --pod-manifest-path=/etc/kubernetes/manifests/kube-apiserver.yaml\n");
    r = check_now();
    must(r, "static-pod-path", KAP_MANIFEST_PASS, "kubelet's --pod-manifest-path (/etc/kubernetes/manifests/kube-apiserver.yaml, in /etc/systemd/system/kubelet.service) is this manifest");
    must(r, "manifest-dir", KAP_MANIFEST_PASS, "(--pod-manifest-path names the file");
    kap_manifest_report_free(r);
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --pod-manifest-path=/etc/kubernetes/pods/apiserver.yaml\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "kubelet runs the one static pod of /etc/kubernetes/pods/apiserver.yaml (--pod-manifest-path in");
    drop_root();
}
END_TEST

/* What kubelet's validation refuses in the volumes and mounts: the pod is
 * dropped (ValidatePodCreate) */
START_TEST(pod_refused_by_validation)
{
    good_node();
    pod_with(GOOD_FLAGS_SHORT,
             "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
             "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n"
             "    - {name: certs, mountPath: /var/log/kubernetes/audit}\n",
             "  - name: audit\n    hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}\n"
             "  - name: audit-log\n    hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}\n"
             "  - name: certs\n    hostPath: {path: /etc/ssl/../ssl/certs}\n"
             "  - name: audit\n    hostPath: {path: /etc/ssl/..certs/x.., type: DirectoryOrCreate}\n");
    kap_manifest_report *r = check_now();
    must(r, "pod-valid", KAP_MANIFEST_FAIL, "two volumes are named 'audit' (spec.volumes[0] and [3]): kubelet refuses the pod");
    must(r, "pod-valid", KAP_MANIFEST_FAIL, "the hostPath path '/etc/ssl/../ssl/certs' (spec.volumes[2]) contains '..'");
    must(r, "pod-valid", KAP_MANIFEST_FAIL,
         "two volumeMounts have the mountPath /var/log/kubernetes/audit (volumeMounts[1] and [2])");
    ck_assert_uint_eq(count_status(r, "pod-valid", KAP_MANIFEST_FAIL), 3); /* '..certs' and 'x..' are names */
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* A pod without a name: kubelet names a static pod NAME-NODE and refuses
 * "-NODE" (an empty name, null, or no metadata at all); a name is enough */
START_TEST(pod_without_a_name)
{
    static const char *const metas[] = {"", "metadata: {namespace: kube-system}\n", "metadata: {name: \"\"}\n",
                                        "metadata: {name: null}\n", "metadata:\n"};
    for (size_t i = 0; i <= sizeof metas / sizeof metas[0]; i++) {
        good_node();
        char text[2048];
        snprintf(text, sizeof text,
                 "apiVersion: v1\nkind: Pod\n%sspec:\n  containers:\n  - name: kube-apiserver\n"
                 "    image: registry.k8s.io/kube-apiserver:v1.30.4\n    command:\n    - kube-apiserver\n%s",
                 i < sizeof metas / sizeof metas[0] ? metas[i] : "metadata: {name: apiserver}\n", GOOD_FLAGS);
        put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
        kap_manifest_report *r = check_now();
        ck_assert_msg(count_status(r, "pod-valid", KAP_MANIFEST_FAIL) == (i < sizeof metas / sizeof metas[0]),
                      "case %zu", i);
        if (i < sizeof metas / sizeof metas[0])
            must(r, "pod-valid", KAP_MANIFEST_FAIL,
                 "the pod has no metadata.name (kubelet: \"invalid pod: name is needed for the pod\")");
        kap_manifest_report_free(r);
        drop_root();
    }
}
END_TEST

/* A name that is no DNS subdomain once kubelet adds "-NODE" (the pod's
 * own name is not lower-cased): kubelet's validation refuses the pod */
/* what kubelet's validation refuses in the volumes and any container's
 * mounts, beyond the policy's and the log's own checks: a volume name that
 * is no DNS label, a volume of two sources, a subPath that is absolute or
 * climbs out (on the log's mount, or an init container's) */
START_TEST(pod_invalid_volumes_and_subpaths)
{
    good_node();
    static const char pol_mount[] = "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n";
    static const char pol_vol[] = "  - {name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}}\n";
    static const struct {
        const char *mounts, *vols, *want;
    } cases[] = {
        {"    - {name: audit_log, mountPath: /var/log/kubernetes/audit}\n",
         "  - {name: audit_log, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n",
         "the volume name 'audit_log' (spec.volumes[1]) is no DNS label"},
        {"    - {name: Audit-Log, mountPath: /var/log/kubernetes/audit}\n",
         "  - {name: Audit-Log, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n",
         "the volume name 'Audit-Log' (spec.volumes[1]) is no DNS label"},
        {"    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n",
         "  - {name: audit-log, emptyDir: {}, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n",
         "has 2 sources (kubelet: \"may not specify more than 1 volume type\")"},
        {"    - {name: audit-log, mountPath: /var/log/kubernetes/audit, subPath: ../x}\n",
         "  - {name: audit-log, hostPath: {path: /var/log/kubernetes, type: DirectoryOrCreate}}\n",
         "the subPath '../x' (spec.containers[0].volumeMounts[1]) is not below its volume"},
        {"    - {name: audit-log, mountPath: /var/log/kubernetes/audit, subPath: /abs}\n",
         "  - {name: audit-log, hostPath: {path: /var/log/kubernetes, type: DirectoryOrCreate}}\n",
         "the subPath '/abs' (spec.containers[0].volumeMounts[1]) is absolute"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char mounts[512], vols[512];
        snprintf(mounts, sizeof mounts, "%s%s", pol_mount, cases[i].mounts);
        snprintf(vols, sizeof vols, "%s%s", pol_vol, cases[i].vols);
        pod_with(GOOD_FLAGS_SHORT, mounts, vols);
        expect_now("pod-valid", KAP_MANIFEST_FAIL, cases[i].want);
    }
    /* an init container's subPath too; a volume with a null source and
     * one without any (kubelet's default, emptyDir) are fine */
    put("/etc/kubernetes/manifests/kube-apiserver.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n"
        "  initContainers:\n  - name: init\n    image: busybox\n"
        "    volumeMounts: [{name: scratch, mountPath: /s, subPath: a/../../b}]\n"
        "  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
        "    command:\n    - kube-apiserver\n" GOOD_FLAGS
        "    volumeMounts:\n    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
        "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n"
        "  volumes:\n  - {name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}, emptyDir: null}\n"
        "  - {name: audit-log, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n"
        "  - {name: scratch}\n");
    kap_manifest_report *r = check_now();
    must(r, "pod-valid", KAP_MANIFEST_FAIL, "the subPath 'a/../../b' (spec.initContainers[0].volumeMounts[0])");
    size_t fails = 0;
    for (size_t i = 0; i < kap_manifest_report_count(r); i++)
        fails += kap_manifest_report_get(r, i)->status == KAP_MANIFEST_FAIL;
    ck_assert_uint_eq(fails, 1);
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* a log path that names a directory: written with a '/' at its end (or
 * '.'), or a directory on the host; kube-apiserver cannot open it to
 * append and stops */
START_TEST(log_path_a_directory)
{
    good_node();
    static const char *const paths[] = {"/var/log/kubernetes/audit/", "/var/log/kubernetes/audit/.",
                                        "/var/log/kubernetes/audit/x/.."};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char flags[512];
        snprintf(flags, sizeof flags,
                 "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n    - --audit-log-path=%s\n"
                 "    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n",
                 paths[i]);
        pod(flags, NULL);
        expect_now("log-dir", KAP_MANIFEST_FAIL, "names a directory: kube-apiserver cannot open it");
    }
    pod(GOOD_FLAGS, NULL);
    expect_now("log-dir", KAP_MANIFEST_PASS, "exists");
    put("/var/log/kubernetes/audit/audit.log/old", "");
    expect_now("log-dir", KAP_MANIFEST_FAIL, "audit/audit.log is a directory: kube-apiserver cannot open it");
    /* a file where the log's directory goes, the type already
     * DirectoryOrCreate: the fix is the directory, not the type */
    drop_root();
    good_node();
    unlink_in_root("/var/log/kubernetes/audit/.keep");
    rmdir_in_root("/var/log/kubernetes/audit");
    put("/var/log/kubernetes/audit", "");
    pod(GOOD_FLAGS, NULL);
    kap_manifest_report *r = check_now();
    must(r, "log-dir", KAP_MANIFEST_FAIL, "is not a directory (type DirectoryOrCreate)");
    const kap_manifest_check *f = find_check(r, "log-dir");
    ck_assert_msg(strstr(f->fix, "a directory (it is something else now)") != NULL, "%s", f->fix);
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* kubelet expands $(NAME) in command and args with the container's env
 * (each entry expanded with those before it); "$$" is "$"; a name it does
 * not know, or one whose value comes from elsewhere, stays as written */
START_TEST(kubelet_expands_env_references)
{
    good_node();
    static const char head[] =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
        "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
        "    env:\n    - {name: DIR, value: /etc/kubernetes}\n    - {name: POL, value: $(DIR)/audit-policy.yaml}\n"
        "    - {name: AGE, value: \"30\"}\n    - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}\n"
        "    command:\n    - kube-apiserver\n";
    static const char tail[] =
        "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n    - --audit-log-maxbackup=10\n"
        "    - --audit-log-maxsize=100\n    - --advertise-address=$(IP)\n"
        "    volumeMounts:\n    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
        "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n  volumes:\n"
        "  - {name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}}\n"
        "  - {name: audit-log, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n";
    char text[4096];
    snprintf(text, sizeof text, "%s    - --audit-policy-file=$(POL)\n    - --audit-log-maxage=$(AGE)\n%s", head, tail);
    put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
    kap_manifest_report *r = check_now();
    must(r, "policy-flag", KAP_MANIFEST_PASS, "/etc/kubernetes/audit-policy.yaml");
    must(r, "log-maxage", KAP_MANIFEST_PASS, "--audit-log-maxage=30");
    ck_assert_int_eq(kap_manifest_report_worst(r), KAP_MANIFEST_PASS);
    kap_manifest_report_free(r);
    /* "$$(AGE)" is the text "$(AGE)"; $(NOPE) is not known */
    snprintf(text, sizeof text, "%s    - --audit-policy-file=$(POL)\n    - --audit-log-maxage=$$(AGE)\n%s", head, tail);
    put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
    expect_now("log-maxage", KAP_MANIFEST_FAIL, "--audit-log-maxage=$(AGE) is not an integer");
    snprintf(text, sizeof text, "%s    - --audit-policy-file=$(NOPE)\n    - --audit-log-maxage=$(AGE\n%s", head, tail);
    put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
    r = check_now();
    must(r, "log-maxage", KAP_MANIFEST_FAIL, "--audit-log-maxage=$(AGE is not an integer");
    must(r, "policy-mount", KAP_MANIFEST_FAIL, "$(NOPE)");
    kap_manifest_report_free(r);
    /* "$()" names no variable and stays as written; the name after it is read */
    snprintf(text, sizeof text, "%s    - --audit-policy-file=$(POL)\n    - --audit-log-maxage=$()$(AGE)\n%s", head, tail);
    put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
    expect_now("log-maxage", KAP_MANIFEST_FAIL, "--audit-log-maxage=$()30 is not an integer");
    drop_root();
}
END_TEST

/* the policy's own volume of a directory type, the file there: the fix is
 * the type, not writing the policy */
START_TEST(policy_volume_of_a_directory_type)
{
    good_node();
    pod_with(GOOD_FLAGS_SHORT,
             "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
             "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n",
             "  - {name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: DirectoryOrCreate}}\n"
             "  - {name: audit-log, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n");
    kap_manifest_report *r = check_now();
    must(r, "policy-file", KAP_MANIFEST_FAIL, "is not a directory (type DirectoryOrCreate)");
    const kap_manifest_check *f = find_check(r, "policy-file");
    ck_assert_msg(strstr(f->fix, "give volume 'audit' the type File") != NULL, "%s", f->fix);
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* A pod with the log and a webhook whose kubeconfig is
 * /etc/kubernetes/webhook.kubeconfig, /etc/kubernetes mounted read-only. */
static void webhook_pod(void)
{
    pod_with(GOOD_FLAGS_SHORT "    - --audit-webhook-config-file=/etc/kubernetes/webhook.kubeconfig\n",
             "    - {name: k, mountPath: /etc/kubernetes, readOnly: true}\n"
             "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n",
             "  - {name: k, hostPath: {path: /etc/kubernetes, type: Directory}}\n"
             "  - {name: audit-log, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n");
}

/* Case i of a table of webhook kubeconfigs, written under the root:
 * webhook_pod() checked, one webhook-config check of status want that
 * says part; the root dropped. */
static void webhook_case(size_t i, kap_manifest_status want, const char *part)
{
    webhook_pod();
    kap_manifest_report *r = check_now();
    ck_assert_msg(count_status(r, "webhook-config", want) == 1, "case %zu", i);
    must(r, "webhook-config", want, part);
    kap_manifest_report_free(r);
    drop_root();
}

/* the policy and the webhook's kubeconfig are read up to 64 MiB (as
 * kap_policy_load reads a policy): a file past it, a FAIL that says so */
START_TEST(policy_and_kubeconfig_past_64_mib)
{
    good_node();
    put("/etc/kubernetes/webhook.kubeconfig", "clusters:\n- name: a\n  cluster: {server: https://a}\n"
                                                "contexts:\n- name: c\n  context: {cluster: a}\ncurrent-context: c\n");
    char path[512];
    snprintf(path, sizeof path, "%s/etc/kubernetes/audit-policy.yaml", root);
    ck_assert_int_eq(truncate(path, (off_t)(64 << 20) + 1), 0); /* (sparse) */
    webhook_pod();
    kap_manifest_report *r = check_now();
    must(r, "policy-file", KAP_MANIFEST_FAIL, "is larger than 64 MiB");
    must(r, "webhook-config", KAP_MANIFEST_PASS, "1 cluster");
    kap_manifest_report_free(r);
    /* exactly 64 MiB is read (and is not a policy) */
    ck_assert_int_eq(truncate(path, (off_t)64 << 20), 0);
    r = check_now();
    ck_assert_ptr_null(strstr(nth(r, "policy-file", 0)->message, "64 MiB"));
    kap_manifest_report_free(r);
    snprintf(path, sizeof path, "%s/etc/kubernetes/webhook.kubeconfig", root);
    ck_assert_int_eq(truncate(path, (off_t)(64 << 20) + 1), 0);
    r = check_now();
    must(r, "webhook-config", KAP_MANIFEST_FAIL, "webhook.kubeconfig: is larger than 64 MiB");
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* the webhook kubeconfig's user with an exec plugin: clientcmd's
 * validation of it and the plugin's version stop kube-apiserver at
 * start-up (FAIL); its program is run for each batch: one on a hostPath
 * mount must be an executable file on the host (FAIL), one elsewhere or
 * looked up in PATH must be in the image (WARN) */
START_TEST(webhook_exec_plugin)
{
    static const struct {
        const char *exec; /* the user's fields, at 4 spaces */
        int plugin_mode;  /* /etc/kubernetes/plugin on the host: 0 none */
        kap_manifest_status want;
        const char *part;
    } cases[] = {
        {"    exec: {command: /etc/kubernetes/plugin, apiVersion: client.authentication.k8s.io/v1, "
         "interactiveMode: Never}\n",
         0755, KAP_MANIFEST_PASS, "1 cluster"},
        {"    exec: {command: ./plugin, apiVersion: client.authentication.k8s.io/v1beta1, args: [a], "
         "env: [{name: A, value: b}], provideClusterInfo: true}\n",
         0700, KAP_MANIFEST_PASS, "1 cluster"},
        {"    exec: {command: /etc/kubernetes/plugin, apiVersion: client.authentication.k8s.io/v1, "
         "interactiveMode: IfAvailable}\n",
         0644, KAP_MANIFEST_FAIL, "plugin) is not executable (mode 644)"},
        {"    exec: {command: plugin/x, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Always}\n", 0755,
         KAP_MANIFEST_FAIL, "exec plugin /etc/kubernetes/plugin/x is mounted from the host's"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}\n", 0,
         KAP_MANIFEST_WARN, "runs aws, looked up in the container's PATH"},
        {"    exec: {command: /usr/local/bin/aws, apiVersion: client.authentication.k8s.io/v1, "
         "interactiveMode: Never}\n",
         0, KAP_MANIFEST_WARN, "exec plugin /usr/local/bin/aws is not on a hostPath volumeMount"},
        {"    exec: {apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}\n", 0, KAP_MANIFEST_FAIL,
         "exec plugin has no command"},
        {"    exec: {command: aws, interactiveMode: Never}\n", 0, KAP_MANIFEST_FAIL, "exec plugin has no apiVersion"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}\n", 0, KAP_MANIFEST_FAIL,
         "has no interactiveMode, which client.authentication.k8s.io/v1 requires"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: never}\n", 0,
         KAP_MANIFEST_FAIL, "interactiveMode is \"never\", not Never, IfAvailable or Always"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1alpha1}\n", 0, KAP_MANIFEST_FAIL,
         "apiVersion \"client.authentication.k8s.io/v1alpha1\" is not"},
        {"    exec: {command: aws, apiVersion: v1, interactiveMode: Never}\n", 0, KAP_MANIFEST_FAIL,
         "apiVersion \"v1\" is not"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, "
         "env: [{value: x}]}\n",
         0, KAP_MANIFEST_FAIL, "env has no name"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}\n"
         "    auth-provider: {name: gcp}\n",
         0, KAP_MANIFEST_FAIL, "an exec plugin and an auth-provider"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, args: a}\n",
         0, KAP_MANIFEST_FAIL, "exec args is not a list of strings"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, "
         "provideClusterInfo: \"yes\"}\n",
         0, KAP_MANIFEST_FAIL, "exec provideClusterInfo is not a boolean"},
        {"    exec: aws\n", 0, KAP_MANIFEST_FAIL, "exec plugin is not a mapping"},
        /* each field's type, as client-go decodes it (null is no value) */
        {"    exec: {command: 1, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}\n", 0,
         KAP_MANIFEST_FAIL, "exec command is not a string"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: [Never]}\n", 0,
         KAP_MANIFEST_FAIL, "exec interactiveMode is not a string"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, "
         "installHint: {a: b}}\n",
         0, KAP_MANIFEST_FAIL, "exec installHint is not a string"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, "
         "args: [a, 1]}\n",
         0, KAP_MANIFEST_FAIL, "exec args is not a list of strings"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, env: x}\n", 0,
         KAP_MANIFEST_FAIL, "exec env is not a list of {name, value}"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, env: [x]}\n", 0,
         KAP_MANIFEST_FAIL, "exec env is not a list of {name, value}"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, "
         "env: [{name: [A]}]}\n",
         0, KAP_MANIFEST_FAIL, "exec env is not a list of {name, value}"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, "
         "env: [{name: A, value: 1}]}\n",
         0, KAP_MANIFEST_FAIL, "exec env is not a list of {name, value}"},
        /* nulls are no values: the plugin as if they were not written */
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, args: [a, null], "
         "env: [{name: A, value: null}], installHint: null, provideClusterInfo: null}\n"
         "    auth-provider: null\n",
         0, KAP_MANIFEST_WARN, "runs aws, looked up"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, args: null, "
         "env: null}\n",
         0, KAP_MANIFEST_WARN, "runs aws, looked up"},
        {"    exec: null\n    token: t\n", 0, KAP_MANIFEST_PASS, "1 cluster"},
        {"    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, env: [null]}\n",
         0, KAP_MANIFEST_FAIL, "env has no name"},
        /* the program: a directory, or executable by its owner only (root runs it) */
        {"    exec: {command: /etc/kubernetes, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}\n",
         0, KAP_MANIFEST_FAIL, "exec plugin /etc/kubernetes is mounted from the host's /etc/kubernetes, which is not a file"},
        {"    exec: {command: /etc/kubernetes/plugin, apiVersion: client.authentication.k8s.io/v1, "
         "interactiveMode: Never}\n",
         0100, KAP_MANIFEST_PASS, "1 cluster"},
        {"    exec: {command: \"a\\0b\", apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}\n", 0,
         KAP_MANIFEST_PASS, "1 cluster"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        good_node();
        char kc[1024], path[512];
        snprintf(kc, sizeof kc,
                 "clusters:\n- name: a\n  cluster: {server: https://a}\ncontexts:\n- name: c\n"
                 "  context: {cluster: a, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user:\n%s",
                 cases[i].exec);
        put("/etc/kubernetes/webhook.kubeconfig", kc);
        if (cases[i].plugin_mode) {
            put_elf("/etc/kubernetes/plugin", NULL, 1, 0);
            snprintf(path, sizeof path, "%s/etc/kubernetes/plugin", root);
            ck_assert_int_eq(chmod(path, (mode_t)cases[i].plugin_mode), 0);
        }
        webhook_case(i, cases[i].want, cases[i].part);
    }
}
END_TEST

/* what the exec plugin's program needs in the container to run: a
 * script its interpreter, a dynamically linked program its loader;
 * kube-apiserver's images have neither, so one that no hostPath mount
 * holds is a WARN, one a mount holds must be an executable file on the
 * host (a FAIL); a file that is no program is a WARN */
START_TEST(webhook_exec_plugin_needs)
{
    static const struct {
        const char *script; /* the plugin's text, or NULL: an ELF program */
        const char *loader; /* the ELF program's loader (NULL: static) */
        int wide, big;
        const char *tool; /* /etc/kubernetes/tools/sh on the host: its text, or "ELF" (a static
                             program), "ELF:LOADER" (a dynamic one) */
        int tool_mode;    /* its mode; 0: none; -1: a directory */
        kap_manifest_status want;
        const char *part;
    } cases[] = {
        {NULL, NULL, 1, 0, NULL, 0, KAP_MANIFEST_PASS, "1 cluster"},
        {NULL, NULL, 0, 1, NULL, 0, KAP_MANIFEST_PASS, "1 cluster"},
        {NULL, "/lib64/ld-linux-x86-64.so.2", 1, 0, NULL, 0, KAP_MANIFEST_WARN,
         "exec plugin /etc/kubernetes/plugin is dynamically linked, with the loader /lib64/ld-linux-x86-64.so.2, "
         "which no hostPath volumeMount holds"},
        {NULL, "/lib/ld.so.1", 0, 1, NULL, 0, KAP_MANIFEST_WARN, "with the loader /lib/ld.so.1, which no"},
        {NULL, "/lib/ld-linux.so.3", 0, 0, NULL, 0, KAP_MANIFEST_WARN, "with the loader /lib/ld-linux.so.3, which"},
        {NULL, "/lib64/ld64.so.2", 1, 1, NULL, 0, KAP_MANIFEST_WARN, "with the loader /lib64/ld64.so.2, which"},
        {NULL, "/etc/kubernetes/tools/sh", 1, 0, "ELF", 0755, KAP_MANIFEST_PASS, "1 cluster"},
        {"#!/bin/sh\necho '{}'\n", NULL, 0, 0, NULL, 0, KAP_MANIFEST_WARN,
         "exec plugin /etc/kubernetes/plugin is a script for /bin/sh, which no hostPath volumeMount holds"},
        {"#! \t/usr/bin/env python3\n", NULL, 0, 0, NULL, 0, KAP_MANIFEST_WARN, "a script for /usr/bin/env, which"},
        {"#!/etc/kubernetes/tools/sh -e\n", NULL, 0, 0, "ELF", 0755, KAP_MANIFEST_PASS, "1 cluster"},
        {"#!/etc/kubernetes/tools/sh", NULL, 0, 0, "ELF", 0100, KAP_MANIFEST_PASS, "1 cluster"},
        {"#!/etc/kubernetes/tools/sh\n", NULL, 0, 0, "ELF", 0644, KAP_MANIFEST_FAIL,
         "is a script for /etc/kubernetes/tools/sh, mounted from the host's /etc/kubernetes/tools/sh, which is not "
         "executable there"},
        {"#!/etc/kubernetes/tools/sh\n", NULL, 0, 0, NULL, 0, KAP_MANIFEST_FAIL,
         "tools/sh, which is not a file there"},
        {"#!/etc/kubernetes/tools/sh\n", NULL, 0, 0, NULL, -1, KAP_MANIFEST_FAIL, "tools/sh, which is not a file"},
        {NULL, "/etc/kubernetes/tools/sh", 0, 0, NULL, 0, KAP_MANIFEST_FAIL,
         "is dynamically linked, with the loader /etc/kubernetes/tools/sh, mounted from the host's"},
        /* (a relative interpreter: from "/", the images' working directory) */
        {"#!etc/kubernetes/tools/sh\n", NULL, 0, 0, "ELF", 0755, KAP_MANIFEST_PASS, "1 cluster"},
        /* what the interpreter needs in turn */
        {"#!/etc/kubernetes/tools/sh\n", NULL, 0, 0, "ELF:/lib64/ld-linux-x86-64.so.2", 0755, KAP_MANIFEST_WARN,
         "the interpreter /etc/kubernetes/tools/sh of its user's exec plugin /etc/kubernetes/plugin is dynamically "
         "linked, with the loader /lib64/ld-linux-x86-64.so.2, which no hostPath volumeMount holds"},
        {"#!/etc/kubernetes/tools/sh\n", NULL, 0, 0, "#!/bin/bash\n", 0755, KAP_MANIFEST_WARN,
         "the interpreter /etc/kubernetes/tools/sh of its user's exec plugin /etc/kubernetes/plugin is a script for "
         "/bin/bash, which"},
        {NULL, "/etc/kubernetes/tools/sh", 1, 0, "#!/etc/kubernetes/tools/sh\n", 0755, KAP_MANIFEST_PASS,
         "1 cluster"}, /* (a loop: no verdict past 4 levels) */
        {NULL, "/etc/kubernetes/tools/sh", 1, 0, "text", 0755, KAP_MANIFEST_WARN,
         "the loader /etc/kubernetes/tools/sh of its user's exec plugin /etc/kubernetes/plugin is neither an ELF"},
        {"#!bin/sh\n", NULL, 0, 0, NULL, 0, KAP_MANIFEST_WARN, "a script for /bin/sh, which"},
        {"{\"kind\": \"ExecCredential\"}\n", NULL, 0, 0, NULL, 0, KAP_MANIFEST_WARN,
         "exec plugin /etc/kubernetes/plugin is neither an ELF program nor a script with a #! line"},
        {"#!\n", NULL, 0, 0, NULL, 0, KAP_MANIFEST_WARN, "neither an ELF program nor a script"},
        {"#", NULL, 0, 0, NULL, 0, KAP_MANIFEST_WARN, "neither an ELF program nor a script"},
        {"", NULL, 0, 0, NULL, 0, KAP_MANIFEST_WARN, "neither an ELF program nor a script"},
        /* what is not understood: no verdict */
        {"\177ELF\3\1", NULL, 0, 0, NULL, 0, KAP_MANIFEST_PASS, "1 cluster"},
        {"\177ELF\2\1", NULL, 0, 0, NULL, 0, KAP_MANIFEST_PASS, "1 cluster"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        good_node();
        put("/etc/kubernetes/webhook.kubeconfig",
            "clusters:\n- name: a\n  cluster: {server: https://a}\ncontexts:\n- name: c\n"
            "  context: {cluster: a, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user:\n"
            "    exec: {command: /etc/kubernetes/plugin, apiVersion: client.authentication.k8s.io/v1, "
            "interactiveMode: Never}\n");
        char path[512];
        snprintf(path, sizeof path, "%s/etc/kubernetes/plugin", root);
        if (cases[i].script) {
            put("/etc/kubernetes/plugin", cases[i].script);
            ck_assert_int_eq(chmod(path, 0755), 0);
        } else {
            put_elf("/etc/kubernetes/plugin", cases[i].loader, cases[i].wide, cases[i].big);
        }
        snprintf(path, sizeof path, "%s/etc/kubernetes/tools/sh", root);
        if (cases[i].tool_mode > 0) {
            if (strncmp(cases[i].tool, "ELF", 3) == 0)
                put_elf("/etc/kubernetes/tools/sh", cases[i].tool[3] ? cases[i].tool + 4 : NULL, 1, 0);
            else
                put("/etc/kubernetes/tools/sh", cases[i].tool);
            ck_assert_int_eq(chmod(path, (mode_t)cases[i].tool_mode), 0);
        } else if (cases[i].tool_mode < 0) {
            mkdirs(path);
        }
        webhook_case(i, cases[i].want, cases[i].part);
    }
}
END_TEST

/* the log's directory on an emptyDir volume: kube-apiserver writes the
 * log, but not on the host, and kubelet deletes it with the pod (a WARN);
 * read-only, or another kind of volume, is no log at all (a FAIL); the
 * policy cannot come from an emptyDir (a FAIL) */
START_TEST(log_on_an_emptydir)
{
    good_node();
    static const struct {
        const char *mount, *vol;
        const char *id;
        kap_manifest_status st;
        const char *want;
    } cases[] = {
        {"{name: scratch, mountPath: /var/log/kubernetes/audit}", "{name: scratch, emptyDir: {}}", "log-mount",
         KAP_MANIFEST_WARN,
         "/var/log/kubernetes/audit is mounted at /var/log/kubernetes/audit from volume 'scratch', an emptyDir: "
         "kube-apiserver writes the log there, but not on the host"},
        {"{name: scratch, mountPath: /var/log}", "{name: scratch, emptyDir: {medium: Memory}}", "log-mount",
         KAP_MANIFEST_WARN,
         "mounted at /var/log from volume 'scratch', an emptyDir: kube-apiserver writes the log there, but not on "
         "the host, and kubelet deletes it with the pod; only another container of the pod (a log shipper) can "
         "read it; and it is held in memory (medium: Memory): the log and its rotated copies count against the "
         "pod's memory"},
        /* no source at all: kubelet's default, an emptyDir */
        {"{name: scratch, mountPath: /var/log/kubernetes/audit}", "{name: scratch}", "log-mount", KAP_MANIFEST_WARN,
         "from volume 'scratch', an emptyDir"},
        {"{name: scratch, mountPath: /var/log/kubernetes/audit, readOnly: true}", "{name: scratch, emptyDir: {}}",
         "log-mount", KAP_MANIFEST_FAIL, "from volume 'scratch', which is not a hostPath volume"},
        {"{name: scratch, mountPath: /var/log/kubernetes/audit}", "{name: scratch, configMap: {name: x}}",
         "log-mount", KAP_MANIFEST_FAIL, "from volume 'scratch', which is not a hostPath volume"},
        {"{name: scratch, mountPath: /var/log/kubernetes/audit}", "{name: scratch, emptyDir: null, nfs: {}}",
         "log-mount", KAP_MANIFEST_FAIL, "from volume 'scratch', which is not a hostPath volume"},
        /* the log file itself mounted from elsewhere: a directory there
         * (an emptyDir), or a configMap's read-only file */
        {"{name: scratch, mountPath: /var/log/kubernetes/audit}\n"
         "    - {name: f, mountPath: /var/log/kubernetes/audit/audit.log}",
         "{name: scratch, emptyDir: {}}\n  - {name: f, emptyDir: {}}", "log-mount", KAP_MANIFEST_FAIL,
         "the log file /var/log/kubernetes/audit/audit.log is itself mounted from volume 'f', which is not a "
         "hostPath volume: kube-apiserver cannot write it"},
        {"{name: f, mountPath: /var/log/kubernetes/audit/audit.log, subPath: a}",
         "{name: f, configMap: {name: x}}", "log-mount", KAP_MANIFEST_FAIL,
         "is itself mounted from volume 'f', which is not a hostPath volume"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char mounts[512], vols[512];
        snprintf(mounts, sizeof mounts,
                 "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n    - %s\n",
                 cases[i].mount);
        snprintf(vols, sizeof vols,
                 "  - {name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}}\n  - %s\n",
                 cases[i].vol);
        pod_with("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                 "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n",
                 mounts, vols);
        kap_manifest_report *r = check_now();
        must(r, cases[i].id, cases[i].st, cases[i].want);
        if (cases[i].st == KAP_MANIFEST_WARN) {
            const kap_manifest_check *f = find_check(r, "log-mount");
            ck_assert_msg(strstr(f->fix, "make volume 'scratch' a hostPath volume") != NULL, "%s", f->fix);
            ck_assert_msg((strstr(f->message, "held in memory") != NULL) == (strstr(cases[i].vol, "Memory") != NULL),
                          "%s", f->message);
            must(r, "policy-mount", KAP_MANIFEST_PASS, NULL);
        }
        kap_manifest_report_free(r);
    }
    pod_with("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n",
             "    - {name: audit, mountPath: /etc/kubernetes}\n"
             "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n",
             "  - {name: audit, emptyDir: {}}\n"
             "  - {name: audit-log, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n");
    kap_manifest_report *r = check_now();
    must(r, "policy-mount", KAP_MANIFEST_FAIL,
         "/etc/kubernetes/audit-policy.yaml is mounted at /etc/kubernetes from volume 'audit', which is not a "
         "hostPath volume");
    must(r, "log-mount", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* the hint for a log not on any mount: a volume name the pod does not
 * have yet; inside the manifests directory, not a mount of it (that would
 * let kube-apiserver write static pods) but a log elsewhere */
START_TEST(log_mount_hints)
{
    good_node();
    pod_with("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=/var/log/apiserver/audit.log\n",
             "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
             "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n",
             "  - {name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}}\n"
             "  - {name: audit-log, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n");
    kap_manifest_report *r = check_now();
    must(r, "log-mount", KAP_MANIFEST_FAIL,
         "the log's directory /var/log/apiserver (--audit-log-path=/var/log/apiserver/audit.log) is not under any "
         "volumeMount");
    const kap_manifest_check *f = find_check(r, "log-mount");
    ck_assert_msg(strstr(f->fix, "{name: audit-log-2, mountPath: /var/log/apiserver}") != NULL, "%s", f->fix);
    kap_manifest_report_free(r);
    pod_with("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=/etc/kubernetes/manifests/audit.log\n",
             "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n",
             "  - {name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}}\n");
    r = check_now();
    must(r, "log-mount", KAP_MANIFEST_FAIL, "the log's directory /etc/kubernetes/manifests (--audit-log-path=");
    f = find_check(r, "log-mount");
    ck_assert_msg(strstr(f->fix, "write the log outside the manifests directory, e.g. "
                                 "--audit-log-path=/var/log/kubernetes/audit/audit.log") != NULL,
                  "%s", f->fix);
    kap_manifest_report_free(r);
    /* under a read-only mount of a directory above it: not that mount
     * made writable (the CA's), a mount of the log's own directory */
    put("/srv/pki/audit/.keep", "");
    pod_with("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=/etc/kubernetes/pki/audit/audit.log\n",
             "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
             "    - {name: k8s-certs, mountPath: /etc/kubernetes/pki, readOnly: true}\n",
             "  - {name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}}\n"
             "  - {name: k8s-certs, hostPath: {path: /srv/pki, type: DirectoryOrCreate}}\n");
    r = check_now();
    must(r, "log-mount", KAP_MANIFEST_FAIL, "the log's mount (/etc/kubernetes/pki) is read-only");
    f = find_check(r, "log-mount");
    ck_assert_msg(strstr(f->fix, "keep volumeMount 'k8s-certs' read-only and mount the log's directory writable over "
                                 "it: {name: audit-log, mountPath: /etc/kubernetes/pki/audit} with hostPath {path: "
                                 "/srv/pki/audit, type: DirectoryOrCreate}") != NULL,
                  "%s", f->fix);
    kap_manifest_report_free(r);
    /* the log under a writable mount of /etc/kubernetes: kube-apiserver
     * could write static pods */
    put("/etc/kubernetes/audit/.keep", "");
    pod_with("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-log-path=/etc/kubernetes/audit/audit.log\n",
             "    - {name: k, mountPath: /etc/kubernetes}\n",
             "  - {name: k, hostPath: {path: /etc/kubernetes, type: Directory}}\n");
    expect_now("paths-separate", KAP_MANIFEST_WARN,
               "the log's writable mount (the host's /etc/kubernetes) holds the manifests directory "
               "/etc/kubernetes/manifests: kube-apiserver can write the static pods kubelet runs");
    /* the log file mounted by itself: its host directory mounted instead
     * only when it holds nothing but the log's files */
    put("/srv/alog/kube-apiserver-audit.json", "");
    for (int other = 0; other < 2; other++) {
        if (other)
            put("/srv/alog/syslog", "");
        pod_with("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                 "    - --audit-log-path=/var/log/kube-apiserver-audit.json\n",
                 "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
                 "    - {name: logfile, mountPath: /var/log/kube-apiserver-audit.json}\n",
                 "  - {name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}}\n"
                 "  - {name: logfile, hostPath: {path: /srv/alog/kube-apiserver-audit.json, type: FileOrCreate}}\n");
        r = check_now();
        must(r, "log-dir", KAP_MANIFEST_FAIL, "the log file is mounted by itself");
        f = find_check(r, "log-dir");
        ck_assert_msg(strstr(f->fix, other ? "give the log a directory of its own, mounted writable (/srv/alog holds "
                                             "other files): --audit-log-path=/var/log/kubernetes/audit/audit.log"
                                           : "mount the log's directory instead: {name: logfile, mountPath: /var/log} "
                                             "and hostPath {path: /srv/alog,") != NULL,
                      "%s", f->fix);
        kap_manifest_report_free(r);
    }
    drop_root();
}
END_TEST

/* kube-apiserver started by a shell script: said so, not "no container
 * runs kube-apiserver" */
START_TEST(shell_wrapped_apiserver)
{
    good_node();
    put("/etc/kubernetes/manifests/kube-apiserver.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
        "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
        "    command: [/bin/sh, -c, \"exec /usr/local/bin/kube-apiserver --audit-log-path=/x\"]\n");
    expect_now("manifest-container", KAP_MANIFEST_FAIL, "starts kube-apiserver through a shell script");
    put("/etc/kubernetes/manifests/kube-apiserver.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
        "  - name: x\n    image: busybox\n    command: [/bin/sh, -c, \"sleep 1\"]\n");
    expect_now("manifest-container", KAP_MANIFEST_FAIL, "no container in spec.containers runs kube-apiserver");
    drop_root();
}
END_TEST

/* kube-apiserver run as another user than root (runAsUser): the policy
 * must be readable by it and the log's directory writable, by owner, group
 * (runAsGroup, supplementalGroups; without runAsGroup the image's, given
 * the benefit of the doubt) or others */
/* node given mode bad: a FAIL of webhook-config that says text; given
 * mode good: its PASS */
static void fail_then_pass(const char *node, mode_t bad, mode_t good, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", root, node);
    ck_assert_int_eq(chmod(path, bad), 0);
    expect_now("webhook-config", KAP_MANIFEST_FAIL, text);
    ck_assert_int_eq(chmod(path, good), 0);
    expect_now("webhook-config", KAP_MANIFEST_PASS, NULL);
}

/* The good pod with a pod securityContext psc and a container one sc (each
 * a line, or ""). */
static void put_run_as_pod(const char *psc, const char *sc)
{
    char text[4096];
    snprintf(text, sizeof text,
             "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n%s  containers:\n"
             "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n%s"
             "    command:\n    - kube-apiserver\n" GOOD_FLAGS
             "    volumeMounts:\n    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
             "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n  volumes:\n"
             "  - {name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}}\n"
             "  - {name: audit-log, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n",
             psc, sc);
    put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
}

START_TEST(run_as_non_root)
{
    good_node();
    char p[512], d[512];
    snprintf(p, sizeof p, "%s/etc/kubernetes/audit-policy.yaml", root);
    snprintf(d, sizeof d, "%s/var/log/kubernetes/audit", root);
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    long long other = st.st_uid == 4242 ? 4243 : 4242, g2 = st.st_gid == 777 ? 778 : 777;
    static const struct {
        mode_t pmode, dmode;
        int gid; /* 0: no runAsGroup; 1: the files' group; 2: another group, 3: another, and the files' group as a
                    supplemental group; 4: another, and the files' group as a supplemental group written as a
                    string (kubelet cannot decode it: not taken) */
        const char *pol, *log;
    } cases[] = {
        {0600, 0755, 0, "cannot read the policy", "cannot create its log file in"},
        {0644, 0777, 0, NULL, NULL},
        {0640, 0775, 0, NULL, NULL},
        {0640, 0775, 1, NULL, NULL},
        {0640, 0775, 2, "cannot read the policy", "cannot create its log file in"},
        {0640, 0775, 3, NULL, NULL},
        {0640, 0775, 4, "cannot read the policy", "cannot create its log file in"},
        {0604, 0757, 2, NULL, NULL},
        /* a member of the file's group gets the group's bits, not the others' */
        {0604, 0757, 1, "cannot read the policy", "cannot create its log file in"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_int_eq(chmod(p, cases[i].pmode), 0);
        ck_assert_int_eq(chmod(d, cases[i].dmode), 0);
        char sc[256] = "", psc[256] = "";
        long long gid = cases[i].gid == 1 ? (long long)st.st_gid : g2;
        if (cases[i].gid)
            snprintf(sc, sizeof sc, "    securityContext: {runAsUser: %lld, runAsGroup: %lld}\n", other, gid);
        else
            snprintf(sc, sizeof sc, "    securityContext: {runAsUser: %lld}\n", other);
        if (cases[i].gid == 3)
            snprintf(psc, sizeof psc, "  securityContext: {supplementalGroups: [1, %lld]}\n", (long long)st.st_gid);
        if (cases[i].gid == 4)
            snprintf(psc, sizeof psc, "  securityContext: {supplementalGroups: [\"%lld\"]}\n", (long long)st.st_gid);
        put_run_as_pod(psc, sc);
        kap_manifest_report *r = check_now();
        if (cases[i].pol)
            must(r, "policy-file", KAP_MANIFEST_FAIL, cases[i].pol);
        else
            must(r, "policy-file", KAP_MANIFEST_PASS, NULL);
        if (cases[i].log)
            must(r, "log-dir", KAP_MANIFEST_FAIL, cases[i].log);
        else
            must(r, "log-dir", KAP_MANIFEST_PASS, NULL);
        kap_manifest_report_free(r);
    }
    /* a runAsUser that owns the files gets the owner's bits, not the
     * group's nor the others' (as root, the files are given to another
     * uid first) */
    long long owner = getuid() ? (long long)getuid() : other;
    if (!getuid()) {
        ck_assert_int_eq(chown(p, (uid_t)other, (gid_t)-1), 0);
        ck_assert_int_eq(chown(d, (uid_t)other, (gid_t)-1), 0);
    }
    static const struct {
        mode_t pmode, dmode;
        kap_manifest_status st;
    } owned[] = {{0600, 0700, KAP_MANIFEST_PASS}, {0044, 0577, KAP_MANIFEST_FAIL}};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) {
        ck_assert_int_eq(chmod(p, owned[i].pmode), 0);
        ck_assert_int_eq(chmod(d, owned[i].dmode), 0);
        char sc[256];
        snprintf(sc, sizeof sc, "    securityContext: {runAsUser: %lld}\n", owner);
        put_run_as_pod("", sc);
        kap_manifest_report *r = check_now();
        must(r, "policy-file", owned[i].st, owned[i].st == KAP_MANIFEST_FAIL ? "cannot read the policy" : NULL);
        must(r, "log-dir", owned[i].st, owned[i].st == KAP_MANIFEST_FAIL ? "cannot create its log file in" : NULL);
        kap_manifest_report_free(r);
    }
    if (!getuid()) {
        ck_assert_int_eq(chown(p, 0, (gid_t)-1), 0);
        ck_assert_int_eq(chown(d, 0, (gid_t)-1), 0);
    }
    ck_assert_int_eq(chmod(p, 0644), 0);
    ck_assert_int_eq(chmod(d, 0777), 0);
    /* a log file already there: it must be readable and writable (it is
     * opened to append), whatever its directory allows */
    char lf[512];
    snprintf(lf, sizeof lf, "%s/var/log/kubernetes/audit/audit.log", root);
    put("/var/log/kubernetes/audit/audit.log", "");
    static const struct {
        mode_t fmode, dmode;
        kap_manifest_status st;
    } logs[] = {{0600, 0777, KAP_MANIFEST_FAIL}, {0666, 0755, KAP_MANIFEST_PASS}};
    for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++) {
        ck_assert_int_eq(chmod(lf, logs[i].fmode), 0);
        ck_assert_int_eq(chmod(d, logs[i].dmode), 0);
        ck_assert_int_eq(chmod(p, 0644), 0);
        char sc[256];
        snprintf(sc, sizeof sc, "    securityContext: {runAsUser: %lld}\n", other);
        put_run_as_pod("", sc);
        expect_now("log-dir", logs[i].st, logs[i].st == KAP_MANIFEST_FAIL ? "cannot open its log file" : NULL);
    }
    /* directories between the mount's and the file's must be searchable:
     * the policy under /etc/kubernetes/audit, the log under
     * /var/log/kubernetes/audit/sub, their parents' mode as given */
    put("/etc/kubernetes/audit/policy.yaml", POLICY);
    put("/var/log/kubernetes/audit/sub/.keep", "");
    char pd[512], sd[512];
    snprintf(pd, sizeof pd, "%s/etc/kubernetes/audit", root);
    snprintf(sd, sizeof sd, "%s/var/log/kubernetes/audit/sub", root);
    ck_assert_int_eq(chmod(sd, 0777), 0);
    static const struct {
        mode_t mode;
        const char *pol, *log;
    } dirs[] = {
        {0700, "cannot reach the policy through the directory " , "cannot reach its log file through the directory "},
        {0711, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        ck_assert_int_eq(chmod(pd, dirs[i].mode), 0);
        ck_assert_int_eq(chmod(d, dirs[i].mode), 0);
        char text[4096];
        snprintf(text, sizeof text,
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
                 "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
                 "    securityContext: {runAsUser: %lld}\n"
                 "    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit/policy.yaml\n"
                 "    - --audit-log-path=/var/log/kubernetes/audit/sub/audit.log\n    - --audit-log-maxage=30\n"
                 "    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n"
                 "    volumeMounts:\n    - {name: k, mountPath: /etc/kubernetes, readOnly: true}\n"
                 "    - {name: logs, mountPath: /var/log/kubernetes}\n  volumes:\n"
                 "  - {name: k, hostPath: {path: /etc/kubernetes, type: Directory}}\n"
                 "  - {name: logs, hostPath: {path: /var/log/kubernetes, type: DirectoryOrCreate}}\n",
                 other);
        put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
        kap_manifest_report *r = check_now();
        if (dirs[i].pol) {
            must(r, "policy-file", KAP_MANIFEST_FAIL, dirs[i].pol);
            must(r, "policy-file", KAP_MANIFEST_FAIL, "/etc/kubernetes/audit (owner");
            must(r, "log-dir", KAP_MANIFEST_FAIL, dirs[i].log);
            must(r, "log-dir", KAP_MANIFEST_FAIL, "/var/log/kubernetes/audit (owner");
            ck_assert_msg(strstr(find_check(r, "log-dir")->fix, "search /var/log/kubernetes/audit") != NULL, "%s",
                          find_check(r, "log-dir")->fix);
        } else {
            ck_assert_uint_eq(count_status(r, "policy-file", KAP_MANIFEST_FAIL), 0);
            must(r, "log-dir", KAP_MANIFEST_PASS, NULL);
        }
        kap_manifest_report_free(r);
    }
    ck_assert_int_eq(chmod(pd, 0755), 0);
    ck_assert_int_eq(chmod(d, 0755), 0);
    /* a log directory not there yet: made in the deepest directory that
     * is (MkdirAll), which must be writable, not only the mount's own */
    {
        char vl[512], vk[512];
        snprintf(vl, sizeof vl, "%s/var/log", root);
        snprintf(vk, sizeof vk, "%s/var/log/kubernetes", root);
        ck_assert_int_eq(chmod(vl, 0777), 0);
        char text[4096];
        for (int open_dir = 0; open_dir < 2; open_dir++) {
            ck_assert_int_eq(chmod(vk, open_dir ? 0777 : 0755), 0);
            snprintf(text, sizeof text,
                     "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
                     "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
                     "    securityContext: {runAsUser: %lld}\n    command:\n    - kube-apiserver\n"
                     "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                     "    - --audit-log-path=/var/log/kubernetes/new/deeper/audit.log\n"
                     "    volumeMounts:\n    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
                     "    - {name: varlog, mountPath: /var/log}\n  volumes:\n"
                     "  - {name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}}\n"
                     "  - {name: varlog, hostPath: {path: /var/log, type: DirectoryOrCreate}}\n",
                     other);
            put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
            expect_now("log-dir", open_dir ? KAP_MANIFEST_PASS : KAP_MANIFEST_FAIL,
                       open_dir ? NULL : "cannot create its log file in /var/log/kubernetes (owner");
        }
        ck_assert_int_eq(chmod(vk, 0755), 0);
        ck_assert_int_eq(chmod(vl, 0755), 0);
    }
    /* the webhook's kubeconfig: read by that uid too */
    put("/etc/kubernetes/webhook.kubeconfig", "clusters:\n- name: a\n  cluster: {server: https://a}\n"
                                              "contexts:\n- name: c\n  context: {cluster: a}\ncurrent-context: c\n");
    char kc[512];
    snprintf(kc, sizeof kc, "%s/etc/kubernetes/webhook.kubeconfig", root);
    static const mode_t kmodes[] = {0600, 0644};
    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_eq(chmod(kc, kmodes[i]), 0);
        char text[4096];
        snprintf(text, sizeof text,
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
                 "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
                 "    securityContext: {runAsUser: %lld}\n    command:\n    - kube-apiserver\n"
                 "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                 "    - --audit-webhook-config-file=/etc/kubernetes/webhook.kubeconfig\n"
                 "    volumeMounts:\n    - {name: k, mountPath: /etc/kubernetes, readOnly: true}\n  volumes:\n"
                 "  - {name: k, hostPath: {path: /etc/kubernetes, type: Directory}}\n",
                 other);
        put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
        expect_now("webhook-config", i ? KAP_MANIFEST_PASS : KAP_MANIFEST_FAIL,
                   i ? NULL : "cannot read the webhook's kubeconfig /etc/kubernetes/webhook.kubeconfig (owner");
    }
    /* and search the directories above it in its mount */
    put("/etc/kubernetes/hook/webhook.kubeconfig", "clusters:\n- name: a\n  cluster: {server: https://a}\n"
                                                   "contexts:\n- name: c\n  context: {cluster: a}\n"
                                                   "current-context: c\n");
    char hd[512];
    snprintf(hd, sizeof hd, "%s/etc/kubernetes/hook", root);
    ck_assert_int_eq(chmod(hd, 0700), 0);
    {
        char text[4096];
        snprintf(text, sizeof text,
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
                 "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n"
                 "    securityContext: {runAsUser: %lld}\n    command:\n    - kube-apiserver\n"
                 "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                 "    - --audit-webhook-config-file=/etc/kubernetes/hook/webhook.kubeconfig\n"
                 "    volumeMounts:\n    - {name: k, mountPath: /etc/kubernetes, readOnly: true}\n  volumes:\n"
                 "  - {name: k, hostPath: {path: /etc/kubernetes, type: Directory}}\n",
                 other);
        put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
        expect_now("webhook-config", KAP_MANIFEST_FAIL,
                   "cannot reach the webhook's kubeconfig through the directory /etc/kubernetes/hook (owner");
    }
    ck_assert_int_eq(chmod(hd, 0755), 0);
    /* and read the files the kubeconfig names (a relative path from its
     * directory), reaching them through their directories */
    put("/etc/kubernetes/hook/webhook.kubeconfig",
        "clusters:\n- name: a\n  cluster: {server: https://a, certificate-authority: ca/ca.crt}\n"
        "users:\n- name: u\n  user: {client-certificate: /etc/kubernetes/hook/u.crt, "
        "client-key: /etc/kubernetes/hook/u.key, tokenFile: /etc/kubernetes/hook/token}\n"
        "contexts:\n- name: c\n  context: {cluster: a, user: u}\ncurrent-context: c\n");
    static const char *const named[] = {"ca/ca.crt", "u.crt", "u.key", "token"};
    static const char *const keys[] = {"certificate-authority", "client-certificate", "client-key", "tokenFile"};
    for (size_t i = 0; i < 4; i++) {
        char p[600];
        snprintf(p, sizeof p, "/etc/kubernetes/hook/%s", named[i]);
        put(p, "x");
        snprintf(p, sizeof p, "%s/etc/kubernetes/hook/%s", root, named[i]);
        ck_assert_int_eq(chmod(p, 0600), 0);
        char want[300];
        snprintf(want, sizeof want, "cannot read the webhook kubeconfig's %s /etc/kubernetes/hook/%s (owner", keys[i],
                 named[i]);
        expect_now("webhook-config", KAP_MANIFEST_FAIL, want);
        ck_assert_int_eq(chmod(p, 0644), 0);
    }
    expect_now("webhook-config", KAP_MANIFEST_PASS, NULL);
    snprintf(hd, sizeof hd, "%s/etc/kubernetes/hook/ca", root);
    ck_assert_int_eq(chmod(hd, 0700), 0);
    expect_now("webhook-config", KAP_MANIFEST_FAIL,
               "cannot reach the webhook kubeconfig's certificate-authority through the directory "
               "/etc/kubernetes/hook/ca (owner");
    ck_assert_int_eq(chmod(hd, 0755), 0);
    /* and run its exec plugin */
    put("/etc/kubernetes/hook/webhook.kubeconfig",
        "clusters:\n- name: a\n  cluster: {server: https://a}\nusers:\n- name: u\n  user:\n    exec: "
        "{command: ./plug, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}\n"
        "contexts:\n- name: c\n  context: {cluster: a, user: u}\ncurrent-context: c\n");
    put_elf("/etc/kubernetes/hook/plug", NULL, 1, 0);
    fail_then_pass("/etc/kubernetes/hook/plug", 0700, 0701,
                   "cannot run the webhook kubeconfig's exec plugin /etc/kubernetes/hook/plug (owner");
    /* a script is read by its interpreter too */
    put("/etc/kubernetes/hook/plug", "#!/etc/kubernetes/hook/sh\n");
    put_elf("/etc/kubernetes/hook/sh", NULL, 1, 0);
    fail_then_pass("/etc/kubernetes/hook/plug", 0701, 0705,
                   "cannot read (for its interpreter) the webhook kubeconfig's exec plugin script "
                   "/etc/kubernetes/hook/plug (owner");
    /* and the interpreter is run as that user */
    fail_then_pass("/etc/kubernetes/hook/sh", 0700, 0755,
                   "cannot run the exec plugin's interpreter /etc/kubernetes/hook/sh (owner");
    /* reached through its directories */
    put("/etc/kubernetes/hook/plug", "#!/etc/kubernetes/hook/t/sh\n");
    put_elf("/etc/kubernetes/hook/t/sh", NULL, 1, 0);
    fail_then_pass("/etc/kubernetes/hook/t", 0700, 0755,
                   "cannot reach the exec plugin's interpreter through the directory /etc/kubernetes/hook/t (owner");
    drop_root();
}
END_TEST

/* a relative path in a flag is opened from the container's workingDir */
START_TEST(relative_paths_from_working_dir)
{
    good_node();
    static const char *const wds[] = {"    workingDir: /etc/kubernetes\n", ""};
    for (int i = 0; i < 2; i++) {
        char text[4096];
        snprintf(text, sizeof text,
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
                 "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n%s"
                 "    command:\n    - kube-apiserver\n    - --audit-policy-file=audit-policy.yaml\n"
                 "    - --audit-log-path=../../var/log/kubernetes/audit/audit.log\n    - --audit-log-maxage=30\n"
                 "    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n"
                 "    volumeMounts:\n    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
                 "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n  volumes:\n"
                 "  - {name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}}\n"
                 "  - {name: audit-log, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n",
                 wds[i]);
        put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
        kap_manifest_report *r = check_now();
        if (i == 0) {
            must(r, "policy-file", KAP_MANIFEST_PASS, "/etc/kubernetes/audit-policy.yaml");
            must(r, "log-mount", KAP_MANIFEST_PASS, "/var/log/kubernetes/audit/audit.log");
        } else {
            must(r, "policy-mount", KAP_MANIFEST_FAIL, "/audit-policy.yaml (--audit-policy-file=audit-policy.yaml) is not under");
        }
        kap_manifest_report_free(r);
    }
    drop_root();
}
END_TEST

/* a symlink under a directory mount is followed in the container: its
 * target is a container path, which may be outside every mount */
START_TEST(symlink_followed_in_the_container)
{
    good_node();
    put("/etc/kubernetes/policies/p.yaml", POLICY);
    put("/opt/p.yaml", POLICY);
    char at[512];
    snprintf(at, sizeof at, "%s/etc/kubernetes/audit-policy.yaml", root);
    static const struct {
        const char *target, *want;
        kap_manifest_status st;
    } cases[] = {
        {"/opt/p.yaml", "is a symlink, in the container, to /opt/p.yaml, which is not on a hostPath volumeMount",
         KAP_MANIFEST_FAIL},
        {"policies/p.yaml", NULL, KAP_MANIFEST_PASS},
        {"/etc/kubernetes/policies/p.yaml", NULL, KAP_MANIFEST_PASS},
        {"../../opt/p.yaml", "to /opt/p.yaml, which is not on a hostPath", KAP_MANIFEST_FAIL},
        {"audit-policy.yaml", "goes round a loop of symlinks", KAP_MANIFEST_FAIL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unlink(at);
        ck_assert_int_eq(symlink(cases[i].target, at), 0);
        pod_with(GOOD_FLAGS_SHORT,
                 "    - {name: k, mountPath: /etc/kubernetes, readOnly: true}\n"
                 "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n",
                 "  - {name: k, hostPath: {path: /etc/kubernetes, type: Directory}}\n"
                 "  - {name: audit-log, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n");
        kap_manifest_report *r = check_now();
        if (cases[i].st == KAP_MANIFEST_FAIL)
            must(r, "policy-mount", KAP_MANIFEST_FAIL, cases[i].want);
        else
            must(r, "policy-file", KAP_MANIFEST_PASS, NULL);
        kap_manifest_report_free(r);
    }
    /* the webhook's kubeconfig alike */
    unlink(at);
    put("/etc/kubernetes/audit-policy.yaml", POLICY);
    put("/opt/kc", "clusters:\n- name: a\n  cluster: {server: https://a}\n"
                   "contexts:\n- name: c\n  context: {cluster: a}\ncurrent-context: c\n");
    char kc[512];
    snprintf(kc, sizeof kc, "%s/etc/kubernetes/webhook.kubeconfig", root);
    ck_assert_int_eq(symlink("/opt/kc", kc), 0);
    pod_with("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
             "    - --audit-webhook-config-file=/etc/kubernetes/webhook.kubeconfig\n",
             "    - {name: k, mountPath: /etc/kubernetes, readOnly: true}\n",
             "  - {name: k, hostPath: {path: /etc/kubernetes, type: Directory}}\n");
    expect_now("webhook-config", KAP_MANIFEST_FAIL,
               "(--audit-webhook-config-file) is a symlink, in the container, to /opt/kc, which is not on a hostPath");
    /* and the log's path: its directory a symlink under the mount of
     * /var/log/kubernetes, within it (followed: the log goes to the host's
     * k8s-audit), off it (the log is not on the host), or a loop */
    drop_root();
    good_node();
    char ad[512];
    snprintf(ad, sizeof ad, "%s/var/log/kubernetes/audit", root);
    unlink_in_root("/var/log/kubernetes/audit/.keep");
    rmdir_in_root("/var/log/kubernetes/audit");
    put("/var/log/kubernetes/k8s-audit/.keep", "");
    static const struct {
        const char *target, *want;
        kap_manifest_status st;
    } logs[] = {
        {"k8s-audit", "/var/log/kubernetes/k8s-audit/audit.log is written to the host's "
                      "/var/log/kubernetes/k8s-audit/audit.log", KAP_MANIFEST_PASS},
        {"/data/audit", "is a symlink, in the container, to /data/audit/audit.log, which is not on a hostPath "
                        "volumeMount: kube-apiserver stops at start-up or writes the log inside the container",
         KAP_MANIFEST_FAIL},
        {"audit", "goes round a loop of symlinks in the container", KAP_MANIFEST_FAIL},
    };
    for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++) {
        unlink(ad);
        ck_assert_int_eq(symlink(logs[i].target, ad), 0);
        pod_with(GOOD_FLAGS_SHORT,
                 "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
                 "    - {name: logs, mountPath: /var/log/kubernetes}\n",
                 "  - {name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}}\n"
                 "  - {name: logs, hostPath: {path: /var/log/kubernetes, type: DirectoryOrCreate}}\n");
        kap_manifest_report *r = check_now();
        must(r, "log-mount", logs[i].st, logs[i].want);
        if (logs[i].st == KAP_MANIFEST_PASS)
            must(r, "log-dir", KAP_MANIFEST_PASS, NULL);
        kap_manifest_report_free(r);
    }
    drop_root();
}
END_TEST

START_TEST(pod_name_not_a_subdomain)
{
    char long_name[260];
    memset(long_name, 'a', 252);
    long_name[252] = 0;
    char longest[252]; /* with '-' and a node name of one character: 253 */
    memset(longest, 'a', 251);
    longest[251] = 0;
    static const char *const bad[] = {"KubeAPIServer", "kube_apiserver", "a..b", "a.", ".a", "-a", "a.-b", "a-.b", ""};
    const char *const good[] = {"kube-apiserver.x", "a-", "0a", "a.b-c", longest};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0] + sizeof good / sizeof good[0]; i++) {
        int is_bad = i < sizeof bad / sizeof bad[0];
        const char *name = is_bad ? (bad[i][0] ? bad[i] : long_name) : good[i - sizeof bad / sizeof bad[0]];
        good_node();
        char text[2048];
        snprintf(text, sizeof text,
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: \"%s\"}\nspec:\n  containers:\n  - name: kube-apiserver\n"
                 "    image: registry.k8s.io/kube-apiserver:v1.30.4\n    command:\n    - kube-apiserver\n%s",
                 name, GOOD_FLAGS);
        put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
        kap_manifest_report *r = check_now();
        ck_assert_msg(count_status(r, "pod-valid", KAP_MANIFEST_FAIL) == (size_t)is_bad, "%s", name);
        if (is_bad)
            must(r, "pod-valid", KAP_MANIFEST_FAIL, "with kubelet's '-NODE' after it is no DNS subdomain");
        kap_manifest_report_free(r);
        drop_root();
    }
}
END_TEST

/* go-runner running kube-apiserver, as kops and kube-up write the pod: its
 * own flags (--log-file with its value as the next item, "--") come before
 * the binary, kube-apiserver's after it */
START_TEST(go_runner)
{
    static const char *const cmds[][2] = {
        /* kops: go-runner as the command, the rest in args */
        {"    command: [/go-runner]\n    args:\n    - --log-file=/var/log/kube-apiserver.log\n    - --also-stdout\n"
         "    - /usr/local/bin/kube-apiserver\n",
         NULL},
        /* kube-up: all in the command */
        {"    command:\n    - /go-runner\n    - --log-file\n    - /var/log/kube-apiserver.log\n    - --redirect-stderr\n"
         "    - --\n    - /usr/local/bin/kube-apiserver\n",
         NULL},
        /* kube-log-runner, the same program: flags with values as the next item */
        {"    command: [/usr/local/bin/kube-log-runner]\n    args:\n    - -log-file-size\n    - 100M\n"
         "    - --flush-interval=5s\n    - --log-file-age\n    - 24h\n    - --also-stdout=false\n"
         "    - /usr/local/bin/kube-apiserver\n",
         NULL},
        /* a flag go-runner does not know: it exits */
        {"    command: [/go-runner, --v=2, --log-file=/x.log, -help]\n    args:\n    - /usr/local/bin/kube-apiserver\n",
         "go-runner, which runs kube-apiserver here, does not know the flag '--v=2'"},
        /* no command: the image's entrypoint is go-runner, which runs the
         * binary args names, and takes flags before it for its own */
        {"    args:\n    - /usr/local/bin/kube-apiserver\n", NULL},
        {"    args:\n", "the container has no command: its image's entrypoint, go-runner, reads the flags in args"},
        /* go-runner running something else, or nothing */
        {"    command: [/go-runner, --log-file=/x.log, /usr/local/bin/etcd]\n    args:\n",
         "no container in spec.containers runs kube-apiserver"},
        {"    command: [/go-runner, --log-file]\n    args:\n", "no container in spec.containers runs kube-apiserver"},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        good_node();
        char text[4096];
        snprintf(text, sizeof text,
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n"
                 "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n%s" GOOD_FLAGS
                 "    volumeMounts:\n"
                 "    - {name: audit, mountPath: /etc/kubernetes/audit-policy.yaml, readOnly: true}\n"
                 "    - {name: audit-log, mountPath: /var/log/kubernetes/audit}\n  volumes:\n"
                 "  - {name: audit, hostPath: {path: /etc/kubernetes/audit-policy.yaml, type: File}}\n"
                 "  - {name: audit-log, hostPath: {path: /var/log/kubernetes/audit, type: DirectoryOrCreate}}\n",
                 cmds[i][0]);
        put("/etc/kubernetes/manifests/kube-apiserver.yaml", text);
        kap_manifest_report *r = check_now();
        if (cmds[i][1]) {
            must(r, strstr(cmds[i][1], "does not know") ? "manifest-flags" : "manifest-container", KAP_MANIFEST_FAIL,
                 cmds[i][1]);
        } else {
            must(r, "manifest-container", KAP_MANIFEST_PASS, "container 'kube-apiserver' runs kube-apiserver");
            must(r, "policy-flag", KAP_MANIFEST_PASS, NULL);
            must(r, "log-mount", KAP_MANIFEST_PASS, NULL);
            /* go-runner's flags are not kube-apiserver's */
            for (size_t k = 0; k < kap_manifest_report_count(r); k++)
                ck_assert_msg(kap_manifest_report_get(r, k)->status == KAP_MANIFEST_PASS, "case %zu: %s: %s", i,
                              kap_manifest_report_get(r, k)->id, kap_manifest_report_get(r, k)->message);
        }
        kap_manifest_report_free(r);
        drop_root();
    }
}
END_TEST

/* A copy with this manifest's pod name (name and namespace) is one of two
 * pods kubelet keys by one name; another name is a second kube-apiserver */
START_TEST(copies_by_pod_name)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    static const char same[] = "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\n"
                               "spec:\n  containers:\n  - name: x\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n";
    put("/etc/kubernetes/manifests/kube-apiserver.yaml.bak", same);
    put("/etc/kubernetes/manifests/api-old.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\n"
        "spec:\n  containers:\n  - name: x\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n");
    put("/etc/kubernetes/manifests/0-api.yaml", same);
    kap_manifest_report *r = check_now();
    must(r, "manifest-dir", KAP_MANIFEST_FAIL,
         "/etc/kubernetes/manifests/kube-apiserver.yaml.bak is in the manifests directory with this manifest's pod "
         "name: kubelet runs only one pod of a name");
    must(r, "manifest-dir", KAP_MANIFEST_FAIL, "/etc/kubernetes/manifests/0-api.yaml is in the manifests directory with this manifest's pod name");
    /* namespace "default" when unset: another pod name */
    must(r, "manifest-dir", KAP_MANIFEST_FAIL,
         "/etc/kubernetes/manifests/api-old.yaml is in the manifests directory: kubelet runs it as a second kube-apiserver pod");
    ck_assert_uint_eq(count_status(r, "manifest-dir", KAP_MANIFEST_FAIL), 3);
    kap_manifest_report_free(r);
    /* a pod of this name that runs something else: one of the two runs */
    put("/etc/kubernetes/manifests/kube-apiserver.yaml.bak", "kind: Pod\n");
    put("/etc/kubernetes/manifests/api-old.yaml", "kind: Pod\n");
    put("/etc/kubernetes/manifests/0-api.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\n"
        "spec:\n  containers:\n  - name: web\n    image: nginx\n");
    expect_now("manifest-dir", KAP_MANIFEST_FAIL, "0-api.yaml is in the manifests directory with this manifest's pod name");
    /* "default" written out is the namespace kubelet gives a pod without
     * one: the same pod name */
    put("/etc/kubernetes/manifests/kube-apiserver.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: default}\nspec:\n  containers:\n"
        "  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n    command:\n"
        "    - kube-apiserver\n" GOOD_FLAGS);
    put("/etc/kubernetes/manifests/0-api.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\n"
        "spec:\n  containers:\n  - name: x\n    image: registry.k8s.io/kube-apiserver:v1.30.4\n");
    expect_now("manifest-dir", KAP_MANIFEST_FAIL, "0-api.yaml is in the manifests directory with this manifest's pod name");
    drop_root();
}
END_TEST

/* kubelet's command line, where kubeadm and the packages keep it: the
 * drop-in's $KUBELET_CONFIG_ARGS, kubeadm-flags.env, /etc/default/kubelet.
 * --pod-manifest-path wins over the config's staticPodPath (kubelet's flags
 * override its config file); --config names the config; of a flag given
 * twice, the last counts (pflag). */
START_TEST(kubelet_flags)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    /* kubeadm's own files: --config as the default, no manifest path flag */
    put("/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "[Service]\n"
        "Environment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf "
        "--kubeconfig=/etc/kubernetes/kubelet.conf\"\n"
        "Environment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\n"
        "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n"
        "EnvironmentFile=-/etc/default/kubelet\n"
        "ExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS "
        "$KUBELET_EXTRA_ARGS\n");
    put("/var/lib/kubelet/kubeadm-flags.env",
        "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock "
        "--pod-infra-container-image=registry.k8s.io/pause:3.10\"\n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, "staticPodPath (/etc/kubernetes/manifests/, in /var/lib/kubelet/config.yaml)");

    /* --config elsewhere: that file is read (here it sets another path) */
    put("/etc/default/kubelet", "# extra\nKUBELET_EXTRA_ARGS='--config /etc/kubelet/conf.yaml --config-dir=/etc/kubelet.d'\n");
    put("/etc/kubelet/conf.yaml", KCFG "staticPodPath: /etc/kubelet/pods\n");
    put("/etc/kubelet.d/README", "(no drop-in config yet)\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /etc/kubelet/pods (staticPodPath in /etc/kubelet/conf.yaml)");
    /* --kubelet-config given wins over the flag */
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    o.kubelet_config = "/var/lib/kubelet/config.yaml";
    kap_manifest_report *r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_OK);
    must(r, "static-pod-path", KAP_MANIFEST_PASS, "in /var/lib/kubelet/config.yaml)");
    kap_manifest_report_free(r);
    /* a --config that names a missing file: WARN, naming where it came from */
    put("/etc/default/kubelet", "KUBELET_EXTRA_ARGS=--config=/etc/kubelet/missing.yaml\n");
    expect_now("static-pod-path", KAP_MANIFEST_WARN, "/etc/kubelet/missing.yaml (--config in /etc/default/kubelet) cannot be read");

    /* flags given empty, last: their defaults, none; kubelet reads no
     * config file then, and --pod-manifest-path= sets no path */
    put("/etc/default/kubelet", "KUBELET_EXTRA_ARGS=\"--config= --pod-manifest-path=\"\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "gives --pod-manifest-path empty last (in /etc/default/kubelet)");
    put("/etc/default/kubelet", "KUBELET_EXTRA_ARGS=\"--config=\"\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "has neither --pod-manifest-path nor --config");
    /* --pod-manifest-path in kubeadm-flags.env, then again in /etc/default/kubelet: the last counts */
    put("/var/lib/kubelet/kubeadm-flags.env", "KUBELET_KUBEADM_ARGS=\"--pod-manifest-path=/etc/kubernetes/manifests\"\n");
    put("/etc/default/kubelet", "KUBELET_EXTRA_ARGS=\n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, "--pod-manifest-path (/etc/kubernetes/manifests, in /var/lib/kubelet/kubeadm-flags.env)");
    put("/etc/default/kubelet", "#KUBELET_EXTRA_ARGS=--pod-manifest-path=/ignored\nKUBELET_EXTRA_ARGS=\"--v=2 --pod-manifest-path /srv/pods\"\n");
    r = check_now();
    must(r, "static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/pods (--pod-manifest-path in /etc/default/kubelet)");
    ck_assert_ptr_nonnull(strstr(nth(r, "static-pod-path", 0)->fix, "edit /srv/pods/kube-apiserver.yaml instead"));
    kap_manifest_report_free(r);
    /* the flag wins over a config that agrees with the manifest */
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: /etc/kubernetes/manifests\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "/srv/pods");
    drop_root();
}
END_TEST

/* kubeadm's drop-in as its deb package installs it (kubernetes/release,
 * 10-kubeadm.conf) */
#define KUBEADM_DROPIN                                                                                          \
    "# Note: This dropin only works with kubeadm and kubelet v1.11+\n"                                          \
    "[Service]\n"                                                                                               \
    "Environment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf "      \
    "--kubeconfig=/etc/kubernetes/kubelet.conf\"\n"                                                             \
    "Environment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\n"                               \
    "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n"                                                     \
    "EnvironmentFile=-/etc/default/kubelet\n"                                                                   \
    "ExecStart=\n"                                                                                              \
    "ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n"

/* kubelet's command line as systemd builds it (systemd.unit(5),
 * systemd.service(5), systemd.exec(5)): the unit, then its drop-ins in the
 * order of their names, one in /etc hiding one of the same name in
 * /usr/lib; the last ExecStart= runs, an empty one clearing those before;
 * EnvironmentFile= settings win over Environment= ones; "$VAR" alone is
 * split into words, "${VAR}" inside a word is replaced; a variable the
 * command line does not name is not read. */
START_TEST(kubelet_unit_files)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    put("/lib/systemd/system/kubelet.service",
        "[Unit]\nDescription=kubelet\n[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n");
    put("/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", KUBEADM_DROPIN);
    /* a variable no ExecStart names: not read */
    put("/etc/default/kubelet", "KUBELET_EXTRA=--pod-manifest-path=/srv/unused\n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, "staticPodPath (/etc/kubernetes/manifests/, in /var/lib/kubelet/config.yaml)");

    /* a drop-in named after kubeadm's 10- comes after it: its ExecStart runs,
     * with a flag written out and a line continued */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf",
        "[Service]\n; pods from elsewhere\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS \\\n"
        "  --pod-manifest-path=/srv/pods\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL,
               "kubelet reads static pods from /srv/pods (--pod-manifest-path in /etc/systemd/system/kubelet.service.d/20-pods.conf)");

    /* "${PODS}" inside a word, from Environment=; then overridden by an
     * EnvironmentFile= (its settings win, wherever the lines stand) */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf",
        "[Service]\nEnvironmentFile=/etc/kubelet.env\nEnvironment=PODS=/srv/a \"OTHER=x y\"\nExecStart=\n"
        "ExecStart=-/usr/bin/kubelet --pod-manifest-path=${PODS} $KUBELET_CONFIG_ARGS\n");
    put("/etc/kubelet.env", "# set by hand\nOTHER=z\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL,
               "kubelet reads static pods from /srv/a (--pod-manifest-path in /etc/systemd/system/kubelet.service.d/20-pods.conf)");
    put("/etc/kubelet.env", "PODS='/etc/kubernetes/manifests'  \n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, "--pod-manifest-path (/etc/kubernetes/manifests, in /etc/kubelet.env)");

    /* a drop-in of the same name in /etc hides /usr/lib's: kubeadm's
     * variables are gone, and so is its --config; the unit's own ExecStart
     * runs when no drop-in sets one, and kubelet without --config reads
     * no config file: no static pod at all */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf", "[Service]\nRestart=always\n");
    put("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "[Service]\nEnvironment=\"KUBELET_CONFIG_ARGS=--config /etc/kubelet/conf.yaml\"\n");
    put("/etc/kubelet/conf.yaml", KCFG "staticPodPath: /etc/kubelet/pods\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL,
               "kubelet's command line (ExecStart= in /lib/systemd/system/kubelet.service) has neither --pod-manifest-path nor "
               "--config: kubelet runs no static pod");
    put("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "[Service]\nEnvironment=\"KUBELET_CONFIG_ARGS=--config /etc/kubelet/conf.yaml\"\n"
        "ExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL,
               "kubelet reads static pods from /etc/kubelet/pods (staticPodPath in /etc/kubelet/conf.yaml)");
    /* an empty Environment= in a later drop-in clears every assignment
     * before it: no --config */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf", "[Service]\nEnvironment=\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL,
               "(ExecStart= in /etc/systemd/system/kubelet.service.d/10-kubeadm.conf) has neither --pod-manifest-path nor --config");
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf", "[Service]\nRestart=always\n");
    /* the same words outside [Service], or in a comment, are not settings */
    put("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "[Unit]\nExecStart=/usr/bin/kubelet --config=/etc/kubelet/conf.yaml\n[Service]\n"
        "# ExecStart=/usr/bin/kubelet --config=/etc/kubelet/conf.yaml\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "(ExecStart= in /lib/systemd/system/kubelet.service) has neither");
    drop_root();
}
END_TEST

/* A unit of its own (no kubeadm): kubelet.service in /etc/systemd/system
 * with its flags in an environment file, as kubespray writes it. */
START_TEST(kubelet_own_unit)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nEnvironmentFile=-/etc/kubernetes/kubelet.env\n"
        "ExecStart=/usr/local/bin/kubelet $KUBE_LOGTOSTDERR $KUBELET_ARGS $KUBELET_CONFIG\n");
    put("/etc/kubernetes/kubelet.env",
        "KUBE_LOGTOSTDERR=\"--logtostderr=true\"\nKUBELET_ARGS=\"--v=2 \\\n  --node-ip=10.0.0.1\"\n"
        "KUBELET_CONFIG=--config=/etc/kubernetes/kubelet-config.yaml\n");
    put("/etc/kubernetes/kubelet-config.yaml", KCFG "staticPodPath: /etc/kubernetes/manifests\n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, "in /etc/kubernetes/kubelet-config.yaml)");
    /* kubeadm's flag files are not read when the unit does not name them */
    put("/var/lib/kubelet/kubeadm-flags.env", "KUBELET_KUBEADM_ARGS=--pod-manifest-path=/srv/unused\n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, "in /etc/kubernetes/kubelet-config.yaml)");
    drop_root();
}
END_TEST

/* --config-dir: the *.conf files there, in the order of their names, each
 * setting what it names over the config file (kubelet's drop-in configs) */
START_TEST(kubelet_config_dir)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    put("/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", KUBEADM_DROPIN);
    put("/etc/default/kubelet", "KUBELET_EXTRA_ARGS=--config-dir=/etc/kubernetes/kubelet.conf.d\n");
    put("/etc/kubernetes/kubelet.conf.d/20-pods.conf", KCFG "staticPodPath: /srv/pods\n");
    put("/etc/kubernetes/kubelet.conf.d/10-base.conf", KCFG "staticPodPath: /srv/base\nmaxPods: 50\n");
    put("/etc/kubernetes/kubelet.conf.d/30-other.conf", KCFG "maxPods: 60\n");
    put("/etc/kubernetes/kubelet.conf.d/99-ignored.yaml", KCFG "staticPodPath: /etc/kubernetes/manifests\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL,
               "kubelet reads static pods from /srv/pods (staticPodPath in /etc/kubernetes/kubelet.conf.d/20-pods.conf)");
    put("/etc/kubernetes/kubelet.conf.d/40-back.conf", KCFG "staticPodPath: /etc/kubernetes/manifests\n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS,
               "staticPodPath (/etc/kubernetes/manifests, in /etc/kubernetes/kubelet.conf.d/40-back.conf)");
    /* a drop-in that is not YAML: kubelet stops at start-up; said where */
    put("/etc/kubernetes/kubelet.conf.d/50-bad.conf", KCFG "staticPodPath: [\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL,
               "kubelet's drop-in config /etc/kubernetes/kubelet.conf.d/50-bad.conf is not YAML");
    drop_root();
}
END_TEST

/* The syntax of unit and environment files, and of ExecStart=
 * (systemd.service(5) "Command lines", systemd.exec(5) EnvironmentFile=) */
START_TEST(kubelet_command_line_syntax)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    /* '@': the second word is argv[0], not an argument; "${PODS}" comes
     * from an environment file, in double quotes continued over a line */
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nEnvironmentFile=/etc/k/env\n"
        "ExecStart=@/usr/bin/kubelet --pod-manifest-path=/srv/argv0 \"--node-labels=a=b c\" "
        "--pod-manifest-path=${PODS}\n");
    put("/etc/k/env", "; comment\nnot an assignment\n  PODS=\"/srv/\\\npods\"\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/pods (--pod-manifest-path in /etc/k/env)");
    /* "$$" is a '$'; an unset "${X}" is nothing; single quotes keep
     * everything as written, and splitting "$P" into words takes a
     * backslash's next character as it is */
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nEnvironmentFile=/etc/k/env\nExecStart=/usr/bin/kubelet ${UNSET}--pod-manifest-path=/srv/$$x $P\n");
    put("/etc/k/env", "P='--v=2 --pod-manifest-path=/srv/a\\\\b'\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/a\\b (--pod-manifest-path in /etc/k/env)");
    put("/etc/k/env", "P=\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL,
               "kubelet reads static pods from /srv/$x (--pod-manifest-path in /etc/systemd/system/kubelet.service)");
    /* "$VAR" split into words: --config and its value; nothing after "--"
     * is a flag */
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nEnvironment='CFG=--config /etc/k/c.yaml'\n"
        "ExecStart=/usr/bin/kubelet $CFG -- --pod-manifest-path=/srv/after\n");
    put("/etc/k/c.yaml", KCFG "staticPodPath: /etc/kubernetes/manifests\n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, "staticPodPath (/etc/kubernetes/manifests, in /etc/k/c.yaml)");
    /* '@' with argv[0] from a variable: its first word is argv[0], the
     * others are arguments */
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nEnvironment='A=kubelet --pod-manifest-path=/srv/fromvar'\nExecStart=@/usr/bin/kubelet $A\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/fromvar");
    /* a program of prefixes alone (an empty path, which systemd refuses):
     * read to its end, no further */
    put("/etc/systemd/system/kubelet.service", "[Service]\nExecStart=-@ kubelet --pod-manifest-path=/srv/x\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/x");
    /* argv[0] written out that looks like a flag is none */
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=@/usr/bin/kubelet --pod-manifest-path=/srv/argv0 --config=/etc/k/c.yaml\n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, "staticPodPath (/etc/kubernetes/manifests, in /etc/k/c.yaml)");
    /* the program is taken as written: systemd substitutes no variable
     * there, so nothing of K is an argument */
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nEnvironment='K=/usr/bin/kubelet --pod-manifest-path=/srv/prog'\nExecStart=$K\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "has neither --pod-manifest-path nor --config");
    /* and that unit does not run kubelet: systemd looks for a program
     * named "$K"; nor does one whose program is empty or a relative path
     * (systemd refuses the line); a name without '/' is looked up, and
     * runs */
    static const struct {
        const char *exec, *part; /* part NULL: kubelet-unit PASS */
    } progs[] = {
        {"$K", "kubelet.service's ExecStart= (in /etc/systemd/system/kubelet.service) runs '$K', a variable, which "
               "systemd does not substitute in the program"},
        {"${K}/kubelet --v=2", "runs '${K}/kubelet', a variable"},
        {"-@ kubelet", "runs '', no program (the prefixes alone): systemd refuses the line"},
        {"usr/bin/kubelet", "runs 'usr/bin/kubelet', a relative path, which systemd refuses"},
        {"!!kubelet --v=2", NULL},
        {"/usr/bin/kubelet $K", NULL},
    };
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        char unit[256];
        snprintf(unit, sizeof unit, "[Service]\nEnvironment='K=/usr/bin'\nExecStart=%s\n", progs[i].exec);
        put("/etc/systemd/system/kubelet.service", unit);
        expect_now("kubelet-unit", progs[i].part ? KAP_MANIFEST_FAIL : KAP_MANIFEST_PASS, progs[i].part);
    }
    drop_root();
}
END_TEST

/* The corners of those files: a name that is no variable name, an empty
 * EnvironmentFile= clearing the files before it, blanks around '=', an
 * environment file's key and value trimmed and a backslash outside quotes
 * taking the next character; "${" never closed is kept as written; the C
 * escapes in a quoted word; a flag that ends the line has no value. */
START_TEST(kubelet_command_line_corners)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nEnvironment=\"1BAD=/srv/x\" GOOD=/srv/good\nEnvironmentFile=/etc/k/one.env\n"
        "EnvironmentFile=\nEnvironmentFile=/etc/k/two.env\n"
        "ExecStart = /usr/bin/kubelet \"--node-labels=a\\tb\\nc\" --pod-manifest-path=${GOOD}   \n");
    put("/etc/k/one.env", "GOOD=/srv/one\n");
    put("/etc/k/two.env", "  GOOD =   /srv/a\\ b  \n1X=y\nnot-a-name=z\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/a b (--pod-manifest-path in /etc/k/two.env)");
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --pod-manifest-path=/srv/${OPEN\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL,
               "kubelet reads static pods from /srv/${OPEN (--pod-manifest-path in /etc/systemd/system/kubelet.service)");
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --config=/etc/k/c.yaml --config\n");
    put("/etc/k/c.yaml", KCFG "staticPodPath: /srv/c\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/c (staticPodPath in /etc/k/c.yaml)");
    drop_root();
}
END_TEST

/* More of the unit's and the environment files' text, as systemd reads
 * it: ';' comments; keys of the same length as the ones read (LimitNOFILE,
 * TimeoutStartSec, LimitCORE, User) and a line with no key are skipped;
 * Type=forking is not oneshot; in Environment= a carriage return parts
 * words, a word with no '=' or an empty name sets nothing, and a
 * backslash in single quotes is kept. An environment file written with
 * CRLF line ends loses the carriage returns, blanks after '=' go, a
 * backslash before a line end joins the lines outside quotes too, a line
 * "=x" sets nothing, and a comment may end the file. */
START_TEST(kubelet_unit_text_corners)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    put("/etc/systemd/system/kubelet.service",
        "[Service]\n; a comment\nLimitNOFILE=1048576\nTimeoutStartSec=0\nLimitCORE=infinity\nUser=root\n"
        "Type=forking\n=nothing\n"
        "Environment=JUSTAWORD =/srv/no A=one\rB=cr 'Q=a\\b'\n"
        "EnvironmentFile=/etc/k/crlf.env\n"
        "ExecStart=/usr/bin/kubelet --pod-manifest-path=/srv/${B}-${Q}-${E1}-${E2}-${E3}${JUSTAWORD}\n"
        "ExecStart=\nExecStart=/usr/bin/kubelet --pod-manifest-path=/srv/${B}-${Q}-${E1}-${E2}-${E3}${JUSTAWORD}\n");
    put("/etc/k/crlf.env", "E1=crlf\r\nE2=\t tab\r\n=orphan\r\nE3=a\\\nb\r\n# the end, with no line end");
    kap_manifest_report *r = check_now();
    must(r, "static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/cr-a\\b-crlf-tab-ab (");
    must(r, "kubelet-unit", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* What a review of the first version found, each against systemd's and
 * kubelet's documented behaviour: a comment line inside a continued line
 * is skipped and the line goes on; ':' before the program substitutes no
 * variable; '_' in a flag's name reads as '-'; the last value of a flag
 * counts even when empty; --config-dir is walked as kubelet walks it
 * (subdirectories, dot-files), and a missing one stops kubelet. */
START_TEST(kubelet_review_cases)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml \\\n# a comment\n"
        "  --pod-manifest-path=/srv/continued\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "from /srv/continued (--pod-manifest-path in /etc/systemd/system/kubelet.service)");
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nEnvironment=P=/etc/kubernetes/manifests\nExecStart=:/usr/bin/kubelet --pod-manifest-path=${P}\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from ${P} (--pod-manifest-path in");
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --pod_manifest_path=/srv/under --pod-manifest-path=/srv/a --config=x "
        "--pod-manifest-path=\n");
    /* --pod-manifest-path= last, over a config: staticPodPath "" (kubelet's
     * flag precedence re-reads the command line over the config) */
    expect_now("static-pod-path", KAP_MANIFEST_FAIL,
               "gives --pod-manifest-path empty last (in /etc/systemd/system/kubelet.service), which sets "
               "staticPodPath to \"\" over any config");
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --pod-manifest-path=/srv/a --config=x\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "from /srv/a (--pod-manifest-path in");
    put("/etc/systemd/system/kubelet.service", "[Service]\nExecStart=/usr/bin/kubelet --config=x\n");
    expect_now("static-pod-path", KAP_MANIFEST_WARN, "kubelet's config x (--config in /etc/systemd/system/kubelet.service) cannot be read");
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --pod_manifest_path=/srv/under\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/under");

    /* --config-dir: a subdirectory's drop-in and a dot-file count, in the
     * order of their paths; a missing directory is a WARN */
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --config-dir=/etc/kc.d\n");
    put("/etc/kc.d/10-a.conf", KCFG "staticPodPath: /srv/a\n");
    put("/etc/kc.d/20-sub/50.conf", KCFG "staticPodPath: /srv/sub\n");
    put("/etc/kc.d/.hidden.conf", KCFG "staticPodPath: /srv/hidden\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "from /srv/sub (staticPodPath in /etc/kc.d/20-sub/50.conf)");
    put("/etc/kc.d/30-b.conf", KCFG "maxPods: 10\n");
    put("/etc/kc.d/20-sub/60.conf", KCFG "staticPodPath: /etc/kubernetes/manifests\n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, "(/etc/kubernetes/manifests, in /etc/kc.d/20-sub/60.conf)");
    /* a drop-in's relative path stays as written: from kubelet's working
     * directory, / */
    put("/etc/kc.d/20-sub/60.conf", KCFG "staticPodPath: etc/kubernetes/manifests\n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, "(etc/kubernetes/manifests, in /etc/kc.d/20-sub/60.conf)");
    /* a drop-in kubelet does not decode as a KubeletConfiguration: it
     * stops at start-up */
    static const char *const not_kc[][2] = {
        {"maxPods: 10\n", "(it has no kind)"},
        {"", "(it is empty)"},
        {"kind: KubeletConfiguration\nmaxPods: 10\n", "(it has no apiVersion)"},
        {"apiVersion: kubelet.config.k8s.io/v1\nkind: KubeletConfiguration\n",
         "(its apiVersion is not kubelet.config.k8s.io/v1beta1)"},
        {"apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeProxyConfiguration\n",
         "(its kind is not KubeletConfiguration)"},
        {"# nothing but a comment\n", "(it is not a mapping)"},
    };
    for (size_t i = 0; i < sizeof not_kc / sizeof not_kc[0]; i++) {
        put("/etc/kc.d/30-b.conf", not_kc[i][0]);
        char want[256];
        snprintf(want, sizeof want, "kubelet's drop-in config /etc/kc.d/30-b.conf is no KubeletConfiguration kubelet "
                                    "decodes %s: kubelet stops at start-up", not_kc[i][1]);
        expect_now("static-pod-path", KAP_MANIFEST_FAIL, want);
    }
    unlink_in_root("/etc/kc.d/30-b.conf");
    /* and the config file itself */
    put("/var/lib/kubelet/config.yaml", "staticPodPath: /etc/kubernetes/manifests\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL,
               "kubelet's config /var/lib/kubelet/config.yaml is no KubeletConfiguration kubelet decodes (it has no "
               "kind)");
    /* its relative staticPodPath is from its own directory */
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml\n");
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: ../../../etc/kubernetes/manifests\n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, "(/etc/kubernetes/manifests, in /var/lib/kubelet/config.yaml)");
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: etc/kubernetes/manifests\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL,
               "reads static pods from /var/lib/kubelet/etc/kubernetes/manifests (staticPodPath in");
    /* a relative --config is from kubelet's working directory, /, and its
     * staticPodPath from the config's directory */
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --config=var/lib/kubelet/config.yaml\n");
    put("/var/lib/kubelet/config.yaml", KCFG "staticPodPath: ../../../etc/kubernetes/manifests\n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, "(/etc/kubernetes/manifests, in var/lib/kubelet/config.yaml)");
    /* filepath.Abs cleans the config's path: a '/' after it changes nothing */
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml/\n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, "(/etc/kubernetes/manifests, in /var/lib/kubelet/config.yaml/)");
    put("/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --config-dir=/etc/missing.d\n");
    expect_now("static-pod-path", KAP_MANIFEST_WARN, "--config-dir /etc/missing.d (in /etc/systemd/system/kubelet.service) cannot be read (it does not exist)");
    drop_root();
}
END_TEST

/* A long, mostly blank variable named many times, and many variables:
 * each value is split once and each name found by a search, not a scan
 * (the two grew as the product of the files' sizes). */
START_TEST(kubelet_command_line_many_variables)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    size_t blank = (size_t)1 << 20, refs = 20000, nvars = 50000;
    size_t envcap = blank + 64 + nvars * 24, unitcap = refs * 3 + nvars * 12 + 256;
    char *env = malloc(envcap), *unit = malloc(unitcap);
    ck_assert_ptr_nonnull(env);
    ck_assert_ptr_nonnull(unit);
    size_t e = (size_t)sprintf(env, "V=\"--pod-manifest-path=/srv/x");
    memset(env + e, ' ', blank);
    e += blank;
    e += (size_t)sprintf(env + e, "\"\n");
    for (size_t i = 0; i < nvars; i++)
        e += (size_t)sprintf(env + e, "W%zu=w%zu\n", i, i);
    /* the last setting of a name wins */
    e += (size_t)sprintf(env + e, "W7=--pod-manifest-path=/srv/y\n");
    size_t u = (size_t)sprintf(unit, "[Service]\nEnvironmentFile=/etc/v.env\nExecStart=/usr/bin/kubelet");
    for (size_t i = 0; i < refs; i++)
        u += (size_t)sprintf(unit + u, " $V");
    for (size_t i = 0; i < nvars; i++)
        u += (size_t)sprintf(unit + u, " $W%zu", i);
    u += (size_t)sprintf(unit + u, "\n");
    ck_assert_uint_lt(e, envcap);
    ck_assert_uint_lt(u, unitcap);
    put("/etc/v.env", env);
    put("/etc/systemd/system/kubelet.service", unit);
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/y (--pod-manifest-path in /etc/v.env)");
    /* the words of V, without W7's: V's last value wins */
    e = (size_t)(strstr(env, "W7=--pod") - env);
    env[e] = '\0';
    put("/etc/v.env", env);
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/x (--pod-manifest-path in /etc/v.env)");
    free(env);
    free(unit);
    drop_root();
}
END_TEST

/* What keeps systemd from starting kubelet (systemd.service(5): more than
 * one ExecStart= only for Type=oneshot, none at all refused;
 * systemd.exec(5): an EnvironmentFile= without '-' must be readable). */
START_TEST(kubelet_unit_refused)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    /* no unit: kubeadm's layout assumed, nothing to say of a unit */
    kap_manifest_report *r = check_now();
    ck_assert_ptr_null(nth(r, "kubelet-unit", 0));
    kap_manifest_report_free(r);

    put("/lib/systemd/system/kubelet.service", "[Unit]\nDescription=kubelet\n[Service]\nExecStart=/usr/bin/kubelet\n");
    put("/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", KUBEADM_DROPIN);
    r = check_now();
    must(r, "kubelet-unit", KAP_MANIFEST_PASS, "ExecStart= (in /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf) is the one in force");
    ck_assert_ptr_null(nth(r, "kubelet-unit", 1));
    kap_manifest_report_free(r);

    /* masked: an empty kubelet.service, or a link to /dev/null, in a
     * directory before /lib's */
    put("/etc/systemd/system/kubelet.service", "");
    r = check_now();
    must(r, "kubelet-unit", KAP_MANIFEST_FAIL,
         "kubelet.service is masked (/etc/systemd/system/kubelet.service is empty or a link to /dev/null)");
    ck_assert_uint_eq(count_status(r, "kubelet-unit", KAP_MANIFEST_FAIL), 1);
    kap_manifest_report_free(r);
    unlink(strcat(strcpy((char[512]){0}, root), "/etc/systemd/system/kubelet.service"));
    link_at("/run/systemd/system/kubelet.service", "/dev/null");
    expect_now("kubelet-unit", KAP_MANIFEST_FAIL, "kubelet.service is masked (/run/systemd/system/kubelet.service");
    /* the same where the root has a /dev/null (as a node's / does) */
    put("/dev/null", "[Service]\nExecStart=/usr/bin/kubelet\n");
    expect_now("kubelet-unit", KAP_MANIFEST_FAIL, "kubelet.service is masked (/run/systemd/system/kubelet.service");
    unlink(strcat(strcpy((char[512]){0}, root), "/run/systemd/system/kubelet.service"));
    unlink(strcat(strcpy((char[512]){0}, root), "/dev/null"));
    /* a link to another unit file: that file is the unit */
    put("/opt/kubelet/kubelet.service", "[Service]\nExecStart=/usr/bin/kubelet\n");
    link_at("/etc/systemd/system/kubelet.service", "../../../opt/kubelet/kubelet.service");
    expect_now("kubelet-unit", KAP_MANIFEST_PASS, NULL);
    unlink(strcat(strcpy((char[512]){0}, root), "/etc/systemd/system/kubelet.service"));
    /* there but not readable here: said so, not taken for missing */
    put("/etc/systemd/system/kubelet.service/x", "");
    r = check_now();
    must(r, "kubelet-unit", KAP_MANIFEST_WARN,
         "kubelet.service (/etc/systemd/system/kubelet.service) cannot be read (it is a directory)");
    ck_assert_str_eq(nth(r, "kubelet-unit", 0)->fix,
                     "make /etc/systemd/system/kubelet.service a regular file, then check again");
    must(r, "static-pod-path", KAP_MANIFEST_WARN,
         "but /etc/systemd/system/kubelet.service could not be read (it is a directory; see kubelet-unit)");
    kap_manifest_report_free(r);
    unlink(strcat(strcpy((char[512]){0}, root), "/etc/systemd/system/kubelet.service/x"));
    rmdir(strcat(strcpy((char[512]){0}, root), "/etc/systemd/system/kubelet.service"));
    /* a FIFO: not a regular file, the same (not a device: not masked) */
    ck_assert_int_eq(mkfifo(strcat(strcpy((char[512]){0}, root), "/etc/systemd/system/kubelet.service"), 0644), 0);
    r = check_now();
    must(r, "kubelet-unit", KAP_MANIFEST_WARN,
         "kubelet.service (/etc/systemd/system/kubelet.service) cannot be read (it is not a regular file)");
    ck_assert_str_eq(nth(r, "kubelet-unit", 0)->fix,
                     "make /etc/systemd/system/kubelet.service a regular file, then check again");
    must(r, "static-pod-path", KAP_MANIFEST_WARN,
         "but /etc/systemd/system/kubelet.service could not be read (it is not a regular file; see kubelet-unit)");
    ck_assert_str_eq(nth(r, "static-pod-path", 0)->fix,
                     "make /etc/systemd/system/kubelet.service a regular file, then check again");
    kap_manifest_report_free(r);
    unlink(strcat(strcpy((char[512]){0}, root), "/etc/systemd/system/kubelet.service"));
    /* a blank line is not empty: not masked */
    put("/etc/systemd/system/kubelet.service", "\n");
    expect_now("kubelet-unit", KAP_MANIFEST_PASS, NULL);
    unlink(strcat(strcpy((char[512]){0}, root), "/etc/systemd/system/kubelet.service"));
    /* drop-ins and no unit file */
    unlink(strcat(strcpy((char[512]){0}, root), "/lib/systemd/system/kubelet.service"));
    expect_now("kubelet-unit", KAP_MANIFEST_WARN, "drop-ins for kubelet.service but no kubelet.service file");
    put("/lib/systemd/system/kubelet.service", "[Unit]\nDescription=kubelet\n[Service]\nExecStart=/usr/bin/kubelet\n");

    /* a drop-in that forgot the empty ExecStart= */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf",
        "[Service]\nExecStart=/usr/bin/kubelet --pod-manifest-path=/etc/kubernetes/manifests\n");
    r = check_now();
    must(r, "kubelet-unit", KAP_MANIFEST_FAIL,
         "a second ExecStart= (in /etc/systemd/system/kubelet.service.d/20-pods.conf) while the one in "
         "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf is in force");
    ck_assert_str_eq(nth(r, "kubelet-unit", 0)->fix,
                     "put an empty \"ExecStart=\" line before the ExecStart= in "
                     "/etc/systemd/system/kubelet.service.d/20-pods.conf");
    ck_assert_uint_eq(count_status(r, "kubelet-unit", KAP_MANIFEST_PASS), 0);
    kap_manifest_report_free(r);
    /* the same in one file, and allowed for Type=oneshot */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf",
        "[Service]\nExecStart=\nExecStart=/usr/bin/true\nExecStart=/usr/bin/kubelet\n");
    expect_now("kubelet-unit", KAP_MANIFEST_FAIL,
               "a second ExecStart= (in /etc/systemd/system/kubelet.service.d/20-pods.conf) while the one in "
               "/etc/systemd/system/kubelet.service.d/20-pods.conf is in force");
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf",
        "[Service]\nType=oneshot\nExecStart=\nExecStart=/usr/bin/true\nExecStart=/usr/bin/kubelet\n");
    expect_now("kubelet-unit", KAP_MANIFEST_PASS, NULL);
    /* Type=oneshot taken back by a later Type=simple; an unknown Type=
     * value is ignored */
    put("/etc/systemd/system/kubelet.service.d/30-type.conf", "[Service]\nType=simple\n");
    expect_now("kubelet-unit", KAP_MANIFEST_FAIL, "a second ExecStart=");
    put("/etc/systemd/system/kubelet.service.d/30-type.conf", "[Service]\nType=Simple\nType=\n");
    expect_now("kubelet-unit", KAP_MANIFEST_PASS, NULL);
    put("/etc/systemd/system/kubelet.service.d/30-type.conf", "\n");
    /* two in force, then an empty one and a third: fine */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf",
        "[Service]\nExecStart=/usr/bin/true\nExecStart=\nExecStart=/usr/bin/kubelet\n");
    expect_now("kubelet-unit", KAP_MANIFEST_PASS, NULL);
    /* an ExecStart= outside [Service] is not one */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf", "[Install]\nExecStart=/usr/bin/kubelet\n");
    expect_now("kubelet-unit", KAP_MANIFEST_PASS, NULL);
    /* the last ExecStart= empty: none runs */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf", "[Service]\nExecStart=\n");
    expect_now("kubelet-unit", KAP_MANIFEST_FAIL, "have no ExecStart= (or an empty one last)");

    /* EnvironmentFile= without '-' that is missing; with '-', or a
     * pattern, not reported */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf", "[Service]\nEnvironmentFile=/etc/kubelet.env\n");
    r = check_now();
    must(r, "kubelet-unit", KAP_MANIFEST_FAIL,
         "EnvironmentFile=/etc/kubelet.env (in /etc/systemd/system/kubelet.service.d/20-pods.conf) cannot be read "
         "(it does not exist) and is not marked optional with '-'");
    ck_assert_str_eq(nth(r, "kubelet-unit", 0)->fix,
                     "create /etc/kubelet.env, or write EnvironmentFile=-/etc/kubelet.env in "
                     "/etc/systemd/system/kubelet.service.d/20-pods.conf if it may be missing");
    kap_manifest_report_free(r);
    /* the first of two missing is named */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf",
        "[Service]\nEnvironmentFile=/etc/kubelet.env\nEnvironmentFile=/etc/other.env\n");
    expect_now("kubelet-unit", KAP_MANIFEST_FAIL, "EnvironmentFile=/etc/kubelet.env");
    /* a relative path or a specifier: systemd drops or expands it, not
     * looked into */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf",
        "[Service]\nEnvironmentFile=kubelet.env\nEnvironmentFile=/etc/sysconfig/%p\n");
    expect_now("kubelet-unit", KAP_MANIFEST_PASS, NULL);
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf", "[Service]\nEnvironmentFile=/etc/kubelet.env\n");
    put("/etc/kubelet.env", "A=b\n");
    expect_now("kubelet-unit", KAP_MANIFEST_PASS, NULL);
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf",
        "[Service]\nEnvironmentFile=-/etc/none.env\nEnvironmentFile=/etc/kubelet.d/*.env\n");
    expect_now("kubelet-unit", KAP_MANIFEST_PASS, NULL);
    /* a file named twice is required if one line requires it, and its
     * settings win over a file named between the two */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf",
        "[Service]\nEnvironmentFile=/etc/none.env\nEnvironmentFile=-/etc/none.env\n");
    expect_now("kubelet-unit", KAP_MANIFEST_FAIL, "EnvironmentFile=/etc/none.env");
    put("/etc/a.env", "P=/srv/a\n");
    put("/etc/b.env", "P=/srv/b\n");
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf",
        "[Service]\nEnvironmentFile=/etc/a.env\nEnvironmentFile=/etc/b.env\nEnvironmentFile=/etc/a.env\n"
        "ExecStart=\nExecStart=/usr/bin/kubelet --pod-manifest-path=${P}\n");
    r = check_now();
    must(r, "kubelet-unit", KAP_MANIFEST_PASS, NULL);
    must(r, "static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/a");
    kap_manifest_report_free(r);
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf",
        "[Service]\nEnvironmentFile=/etc/b.env\nEnvironmentFile=/etc/a.env\nEnvironmentFile=/etc/b.env\n"
        "ExecStart=\nExecStart=/usr/bin/kubelet --pod-manifest-path=${P}\n");
    expect_now("static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/b");
    /* one below a file: systemd fails on ENOTDIR as on ENOENT */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf", "[Service]\nEnvironmentFile=/etc/a.env/kubelet.env\n");
    expect_now("kubelet-unit", KAP_MANIFEST_FAIL, "EnvironmentFile=/etc/a.env/kubelet.env (in "
               "/etc/systemd/system/kubelet.service.d/20-pods.conf) cannot be read (Not a directory)");
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf", "[Service]\nEnvironmentFile=-/etc/a.env/kubelet.env\n");
    expect_now("kubelet-unit", KAP_MANIFEST_PASS, NULL);
    /* an empty EnvironmentFile= drops the missing one named before */
    put("/etc/systemd/system/kubelet.service.d/20-pods.conf",
        "[Service]\nEnvironmentFile=/etc/none.env\nEnvironmentFile=\n");
    expect_now("kubelet-unit", KAP_MANIFEST_PASS, NULL);
    drop_root();
}
END_TEST

/* A check with max_file_size set (the manifest itself must fit). */
static kap_manifest_report *check_max(size_t max)
{
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    o.max_file_size = max;
    kap_manifest_report *r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_OK);
    return r;
}

START_TEST(manifests_dir_file_unreadable)
{
    /* a file of the manifests directory this checker cannot read (here:
     * over max_file_size) is a WARN that says so, not a file taken for
     * another static pod under "no other file runs kube-apiserver":
     * kubelet reads it, and this one is a second kube-apiserver */
    good_node();
    pod(GOOD_FLAGS, NULL);
    char path[512], copy[24000];
    snprintf(path, sizeof path, "%s/etc/kubernetes/manifests/kube-apiserver.yaml", root);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(copy, 1, sizeof copy - 1, f);
    fclose(f);
    ck_assert(n > 0 && n < 4000);
    memset(copy + n, '#', 20000 - n); /* a comment line: about 20,000 bytes in all */
    copy[20000] = '\n';
    copy[20001] = '\0';
    copy[n] = '\n'; /* a blank line after the pod's last */
    put("/etc/kubernetes/manifests/apiserver-old.yaml", copy);
    kap_manifest_report *r = check_now(); /* read whole: a copy */
    must(r, "manifest-dir", KAP_MANIFEST_FAIL, "/etc/kubernetes/manifests/apiserver-old.yaml is in the manifests");
    kap_manifest_report_free(r);
    r = check_max(16384);
    must(r, "manifest-dir", KAP_MANIFEST_WARN,
         "/etc/kubernetes/manifests/apiserver-old.yaml in the manifests directory cannot be read here (larger than "
         "the limit of 16384 bytes, max_file_size): kubelet runs it as a static pod; whether it is a second "
         "kube-apiserver is not checked");
    ck_assert_ptr_nonnull(strstr(nth(r, "manifest-dir", 0)->fix, "check with a larger max_file_size"));
    ck_assert(nth(r, "manifest-dir", 0)->line == 0 && nth(r, "manifest-dir", 0)->column == 0); /* no place in the manifest */
    ck_assert_uint_eq(count_status(r, "manifest-dir", KAP_MANIFEST_PASS), 0);
    ck_assert_uint_eq(count_status(r, "manifest-dir", KAP_MANIFEST_FAIL), 0);
    kap_manifest_report_free(r);
    /* a file gone between the listing and the read (ENOENT): nothing to
     * say of it; a directory: kubelet skips it, so does the check */
    char sub[512];
    snprintf(sub, sizeof sub, "%s/etc/kubernetes/manifests/old.d", root);
    mkdirs(sub);
    fail_read = "/apiserver-old.yaml";
    fail_errno = ENOENT;
    r = check_now();
    fail_read = NULL;
    must(r, "manifest-dir", KAP_MANIFEST_PASS, "no other file in /etc/kubernetes/manifests runs kube-apiserver");
    ck_assert_uint_eq(count_status(r, "manifest-dir", KAP_MANIFEST_WARN), 0);
    kap_manifest_report_free(r);
    ck_assert_int_eq(rmdir(sub), 0);
    /* an I/O error, and (standing in for a run without root) EACCES:
     * the fix by cause */
    static const struct {
        int err;
        const char *why, *fix;
    } causes[] = {{EIO, "(Input/output error)", "check the file system under"},
                  {EACCES, "(Permission denied)", "(or run as root: kubelet reads it as root)"}};
    for (size_t k = 0; k < sizeof causes / sizeof causes[0]; k++) {
        fail_read = "/apiserver-old.yaml";
        fail_errno = causes[k].err;
        r = check_now();
        fail_read = NULL;
        must(r, "manifest-dir", KAP_MANIFEST_WARN, causes[k].why);
        ck_assert_ptr_nonnull(strstr(nth(r, "manifest-dir", 0)->fix, causes[k].fix));
        ck_assert_uint_eq(count_status(r, "manifest-dir", KAP_MANIFEST_PASS), 0);
        kap_manifest_report_free(r);
    }
    /* the drop-in of kubelet.service, the same */
    put("/lib/systemd/system/kubelet.service", "[Service]\nExecStart=/usr/bin/kubelet\n");
    put("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", KUBEADM_DROPIN);
    fail_read = "/10-kubeadm.conf";
    fail_errno = EACCES;
    r = check_now();
    fail_read = NULL;
    must(r, "kubelet-unit", KAP_MANIFEST_WARN,
         "kubelet.service's drop-in /etc/systemd/system/kubelet.service.d/10-kubeadm.conf cannot be read here "
         "(Permission denied)");
    ck_assert_ptr_nonnull(strstr(nth(r, "kubelet-unit", 0)->fix, "(or run as root: systemd reads it as root)"));
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

START_TEST(policy_unreadable_here_warns)
{
    /* a policy this checker may not read (EACCES: a run without root, as
     * the fail_read hook stands in for it) is a WARN with the way out:
     * kube-apiserver reads it as root; an I/O error stays a FAIL */
    good_node();
    pod(GOOD_FLAGS, NULL);
    fail_read = "/audit-policy.yaml";
    fail_errno = EACCES;
    kap_manifest_report *r = check_now();
    must(r, "policy-file", KAP_MANIFEST_WARN,
         "the policy file on the host, /etc/kubernetes/audit-policy.yaml, could not be read by this checker "
         "(Permission denied): it is not checked");
    ck_assert_ptr_nonnull(strstr(nth(r, "policy-file", 0)->fix, "(or run as root: kube-apiserver reads it as root)"));
    ck_assert_uint_eq(count_status(r, "policy-file", KAP_MANIFEST_FAIL), 0);
    ck_assert_uint_eq(count_status(r, "policy-loads", KAP_MANIFEST_PASS), 0);
    kap_manifest_report_free(r);
    fail_errno = EIO;
    r = check_now();
    fail_read = NULL;
    must(r, "policy-file", KAP_MANIFEST_FAIL, "Input/output error");
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

/* Runs the check as an unprivileged user (nobody), in a child when this
 * process is root; returns the count of check id's results of status st,
 * or -1. */
static int count_unprivileged(const char *id, kap_manifest_status st)
{
    const int child = geteuid() == 0;
    pid_t pid = child ? fork() : 0;
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (child && (chmod(root, 0755) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
            _exit(100);
        kap_manifest_options o;
        kap_manifest_options_init(&o);
        o.root = root;
        kap_manifest_report *r = NULL;
        int n = -1;
        if (kap_manifest_check_file(&r, NULL, &o) == KAP_OK)
            n = (int)count_status(r, id, st);
        kap_manifest_report_free(r);
        if (child)
            _exit(n < 0 ? 100 : n);
        return n;
    }
    int ws = 0;
    if (waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) || WEXITSTATUS(ws) == 100)
        return -1;
    return WEXITSTATUS(ws);
}

static int warns_unprivileged(const char *id) { return count_unprivileged(id, KAP_MANIFEST_WARN); }

START_TEST(dropin_directory_unopenable)
{
    /* a directory named *.conf among kubelet's drop-ins that this reader
     * may not even open (mode 000, not root): systemd skips it as it
     * skips any directory, so no WARN; a drop-in file it may not read
     * still is one */
    good_node();
    pod(GOOD_FLAGS, NULL);
    put("/lib/systemd/system/kubelet.service", "[Service]\nExecStart=/usr/bin/kubelet\n");
    put("/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", KUBEADM_DROPIN);
    char path[512];
    snprintf(path, sizeof path, "%s/etc/systemd/system/kubelet.service.d/20-dir.conf", root);
    mkdirs(path);
    ck_assert_int_eq(chmod(path, 0), 0);
    ck_assert_int_eq(warns_unprivileged("kubelet-unit"), 0);
    ck_assert_int_eq(rmdir(path), 0);
    put("/etc/systemd/system/kubelet.service.d/20-file.conf", "[Service]\n");
    snprintf(path, sizeof path, "%s/etc/systemd/system/kubelet.service.d/20-file.conf", root);
    ck_assert_int_eq(chmod(path, 0), 0);
    ck_assert_int_eq(warns_unprivileged("kubelet-unit"), 1);
    drop_root();
}
END_TEST

START_TEST(manifests_dir_entry_unstattable)
{
    /* an entry of the manifests directory this checker may not even look
     * at (a link into a directory it may not search, not root): kubelet,
     * as root, may run it, so a WARN, and no PASS "no other file runs
     * kube-apiserver" */
    good_node();
    pod(GOOD_FLAGS, NULL);
    put("/srv/pods/old.yaml", "apiVersion: v1\nkind: Pod\n");
    link_at("/etc/kubernetes/manifests/old-apiserver.yaml", "/srv/pods/old.yaml");
    ck_assert_int_eq(warns_unprivileged("manifest-dir"), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/srv/pods", root);
    ck_assert_int_eq(chmod(path, 0), 0);
    ck_assert_int_eq(warns_unprivileged("manifest-dir"), 1);
    ck_assert_int_eq(count_unprivileged("manifest-dir", KAP_MANIFEST_PASS), 0);
    ck_assert_int_eq(chmod(path, 0755), 0);
    /* an I/O error when it is looked at: the same */
    fail_stat = "/srv/pods/old.yaml";
    fail_errno = EIO;
    kap_manifest_report *r = check_now();
    fail_stat = NULL;
    must(r, "manifest-dir", KAP_MANIFEST_WARN,
         "/etc/kubernetes/manifests/old-apiserver.yaml in the manifests directory cannot be looked at here "
         "(Input/output error)");
    ck_assert_ptr_nonnull(strstr(nth(r, "manifest-dir", 0)->fix, "check the file system under"));
    ck_assert_uint_eq(count_status(r, "manifest-dir", KAP_MANIFEST_PASS), 0);
    kap_manifest_report_free(r);
    /* named after the manifest: taken for a copy without being read (the
     * fix, moving it out, is harmless where it is not one) */
    put("/etc/kubernetes/manifests/kube-apiserver.yaml.orig", "not a pod\n");
    expect_now("manifest-dir", KAP_MANIFEST_FAIL, "/etc/kubernetes/manifests/kube-apiserver.yaml.orig is in the");
    /* and where it cannot be read either: a copy all the same, no WARN */
    fail_read = "/kube-apiserver.yaml.orig";
    fail_errno = EIO;
    r = check_now();
    fail_read = NULL;
    must(r, "manifest-dir", KAP_MANIFEST_FAIL, "/etc/kubernetes/manifests/kube-apiserver.yaml.orig is in the");
    ck_assert_uint_eq(count_status(r, "manifest-dir", KAP_MANIFEST_WARN), 0);
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

START_TEST(kubelet_envfile_unreadable)
{
    /* an EnvironmentFile= this reader cannot read where systemd may (over
     * max_file_size; EACCES, as a run without root meets it), '-' or not:
     * its variables may hold --config-dir, so the command line is not
     * taken as known: a kubelet-unit WARN naming it, and static-pod-path's
     * answer from the rest a WARN, not a PASS. Read, /etc/default/kubelet
     * moves static pods to /srv/pods: a FAIL */
    good_node();
    pod(GOOD_FLAGS, NULL);
    put("/lib/systemd/system/kubelet.service", "[Service]\nExecStart=/usr/bin/kubelet\n");
    put("/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", KUBEADM_DROPIN);
    char env[20000];
    memset(env, '#', sizeof env - 2);
    memcpy(env, "KUBELET_EXTRA_ARGS=--pod-manifest-path=/srv/pods\n", 49);
    env[sizeof env - 2] = '\n';
    env[sizeof env - 1] = '\0';
    put("/etc/default/kubelet", env);
    kap_manifest_report *r = check_now();
    must(r, "static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/pods");
    must(r, "kubelet-unit", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);
    r = check_max(16384);
    must(r, "kubelet-unit", KAP_MANIFEST_WARN,
         "kubelet.service's EnvironmentFile=/etc/default/kubelet (in "
         "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf) cannot be read here (larger than the limit of "
         "16384 bytes, max_file_size): kubelet's command line (ExecStart= in "
         "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf) is expanded without the variables it sets");
    ck_assert_ptr_nonnull(strstr(nth(r, "kubelet-unit", 0)->fix, "check with a larger max_file_size"));
    must(r, "static-pod-path", KAP_MANIFEST_WARN,
         "is the manifest's directory; but /etc/default/kubelet could not be read here (larger than the limit of "
         "16384 bytes, max_file_size; see kubelet-unit)");
    ck_assert_uint_eq(count_status(r, "static-pod-path", KAP_MANIFEST_FAIL), 0);
    kap_manifest_report_free(r);
    fail_read = "/etc/default/kubelet";
    fail_errno = EACCES;
    r = check_now();
    fail_read = NULL;
    must(r, "kubelet-unit", KAP_MANIFEST_WARN, "cannot be read here (Permission denied)");
    ck_assert_ptr_nonnull(strstr(nth(r, "kubelet-unit", 0)->fix, "(or run as root: systemd reads it as root)"));
    must(r, "static-pod-path", KAP_MANIFEST_WARN, "but /etc/default/kubelet could not be read here");
    kap_manifest_report_free(r);

    /* kubelet.service itself over the limit: said so, and nothing of the
     * command line is known */
    char unit[20000];
    memset(unit, ';', sizeof unit - 2);
    memcpy(unit, "[Service]\nExecStart=/usr/bin/kubelet\n", 37);
    unit[sizeof unit - 2] = '\n';
    unit[sizeof unit - 1] = '\0';
    put("/lib/systemd/system/kubelet.service", unit);
    put("/etc/default/kubelet", "KUBELET_EXTRA_ARGS=--pod-manifest-path=/srv/pods\n");
    r = check_max(16384);
    must(r, "kubelet-unit", KAP_MANIFEST_WARN,
         "kubelet.service (/lib/systemd/system/kubelet.service) cannot be read (larger than the limit of 16384 "
         "bytes, max_file_size): kubelet's unit and command line not checked");
    ck_assert_ptr_nonnull(strstr(nth(r, "kubelet-unit", 0)->fix, "check with a larger max_file_size"));
    must(r, "static-pod-path", KAP_MANIFEST_WARN, "but /lib/systemd/system/kubelet.service could not be read here");
    ck_assert_uint_eq(count_status(r, "static-pod-path", KAP_MANIFEST_FAIL), 0);
    kap_manifest_report_free(r);
    /* the largest limit there is: no wrap, every file read */
    r = check_max(SIZE_MAX);
    must(r, "kubelet-unit", KAP_MANIFEST_PASS, NULL);
    must(r, "static-pod-path", KAP_MANIFEST_FAIL, "kubelet reads static pods from /srv/pods");
    kap_manifest_report_free(r);

    /* a required environment file missing stops systemd whatever an
     * unread one holds (an EnvironmentFile= line resets no other): the
     * FAIL, not the WARN */
    put("/lib/systemd/system/kubelet.service",
        "[Service]\nEnvironmentFile=/etc/kubernetes/missing.env\nExecStart=/usr/bin/kubelet\n");
    put("/etc/default/kubelet", env);
    r = check_max(16384);
    must(r, "kubelet-unit", KAP_MANIFEST_FAIL,
         "EnvironmentFile=/etc/kubernetes/missing.env (in /lib/systemd/system/kubelet.service) cannot be read (it "
         "does not exist)");
    ck_assert_uint_eq(count_status(r, "kubelet-unit", KAP_MANIFEST_WARN), 0);
    kap_manifest_report_free(r);

    /* an unread file whose variables no ExecStart= names: nothing is
     * missing from the command line */
    put("/lib/systemd/system/kubelet.service",
        "[Service]\nEnvironmentFile=-/etc/default/kubelet\nExecStart=/usr/bin/kubelet "
        "--config=/var/lib/kubelet/config.yaml\n");
    unlink(strcat(strcpy((char[512]){0}, root), "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"));
    r = check_max(16384);
    must(r, "kubelet-unit", KAP_MANIFEST_PASS, NULL);
    must(r, "static-pod-path", KAP_MANIFEST_PASS, NULL);
    kap_manifest_report_free(r);

    /* no kubelet unit at all (kubeadm's files assumed): the WARN names the
     * file, and no kubelet-unit check it could point to */
    unlink(strcat(strcpy((char[512]){0}, root), "/lib/systemd/system/kubelet.service"));
    put("/var/lib/kubelet/kubeadm-flags.env", env);
    r = check_max(16384);
    ck_assert_ptr_null(nth(r, "kubelet-unit", 0));
    must(r, "static-pod-path", KAP_MANIFEST_WARN,
         "but /var/lib/kubelet/kubeadm-flags.env could not be read here (larger than the limit of 16384 bytes, "
         "max_file_size), and");
    ck_assert_ptr_nonnull(strstr(nth(r, "static-pod-path", 0)->fix, "check with a larger max_file_size"));
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

START_TEST(envfile_directory_unopenable)
{
    /* a required EnvironmentFile= that is a directory systemd cannot read
     * either: a FAIL, also where this reader may not even open it (mode
     * 000, not root) */
    good_node();
    pod(GOOD_FLAGS, NULL);
    put("/lib/systemd/system/kubelet.service",
        "[Service]\nEnvironmentFile=/etc/kubelet.env\nExecStart=/usr/bin/kubelet $ARGS\n");
    char path[512];
    snprintf(path, sizeof path, "%s/etc/kubelet.env", root);
    mkdirs(path);
    ck_assert_int_eq(count_unprivileged("kubelet-unit", KAP_MANIFEST_FAIL), 1);
    ck_assert_int_eq(chmod(path, 0), 0);
    ck_assert_int_eq(count_unprivileged("kubelet-unit", KAP_MANIFEST_FAIL), 1);
    ck_assert_int_eq(count_unprivileged("kubelet-unit", KAP_MANIFEST_WARN), 0);
    ck_assert_int_eq(rmdir(path), 0);
    drop_root();
}
END_TEST

START_TEST(listing_cut_short)
{
    /* a directory whose listing fails half-way (EIO) is not taken for
     * one listed whole: the manifests directory, kubelet's drop-ins, its
     * --config-dir */
    good_node();
    pod(GOOD_FLAGS, NULL);
    put("/etc/kubernetes/manifests/etcd.yaml", "apiVersion: v1\nkind: Pod\n");
    expect_now("manifest-dir", KAP_MANIFEST_PASS, "other static pods: etcd.yaml");
    fail_dir = "/etc/kubernetes/manifests";
    fail_after = 2;
    kap_manifest_report *r = check_now();
    fail_dir = NULL;
    must(r, "manifest-dir", KAP_MANIFEST_WARN,
         "the manifests directory /etc/kubernetes/manifests could not be listed whole (Input/output error)");
    ck_assert_uint_eq(count_status(r, "manifest-dir", KAP_MANIFEST_PASS), 0);
    kap_manifest_report_free(r);

    put("/lib/systemd/system/kubelet.service", "[Service]\nExecStart=/usr/bin/kubelet\n");
    put("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", KUBEADM_DROPIN);
    fail_dir = "/etc/systemd/system/kubelet.service.d";
    fail_after = 1;
    r = check_now();
    fail_dir = NULL;
    must(r, "kubelet-unit", KAP_MANIFEST_WARN,
         "drop-in directory /etc/systemd/system/kubelet.service.d cannot be listed here (Input/output error)");
    ck_assert_ptr_nonnull(strstr(nth(r, "kubelet-unit", 0)->fix, "check the file system"));
    kap_manifest_report_free(r);

    put("/etc/default/kubelet", "KUBELET_EXTRA_ARGS=--config-dir=/etc/kubernetes/kubelet.conf.d\n");
    put("/etc/kubernetes/kubelet.conf.d/50-pods.conf", KCFG "staticPodPath: /etc/kubernetes/manifests\n");
    expect_now("static-pod-path", KAP_MANIFEST_PASS, NULL);
    fail_dir = "/etc/kubernetes/kubelet.conf.d";
    fail_after = 1;
    r = check_now();
    fail_dir = NULL;
    must(r, "static-pod-path", KAP_MANIFEST_WARN,
         "--config-dir /etc/kubernetes/kubelet.conf.d (in /etc/default/kubelet) cannot be read (Input/output error)");
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

START_TEST(kubelet_dropin_unreadable)
{
    /* a drop-in this reader cannot read where systemd can (over
     * max_file_size here; permissions when not run as root): said so, and
     * kubelet's command line not taken as known; what systemd skips as
     * well (a link loop, a directory or a FIFO named *.conf, a
     * kubelet.service.d that is a file or a loop) is skipped in silence */
    good_node();
    pod(GOOD_FLAGS, NULL);
    put("/lib/systemd/system/kubelet.service", "[Service]\nExecStart=/usr/bin/kubelet\n");
    put("/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", KUBEADM_DROPIN);
    char big[20000];
    memset(big, '#', sizeof big - 2);
    big[sizeof big - 2] = '\n';
    big[sizeof big - 1] = '\0';
    put("/etc/systemd/system/kubelet.service.d/20-big.conf", big);
    kap_manifest_report *r = check_max(16384);
    must(r, "kubelet-unit", KAP_MANIFEST_WARN,
         "kubelet.service's drop-in /etc/systemd/system/kubelet.service.d/20-big.conf cannot be read here (larger "
         "than the limit of 16384 bytes, max_file_size): kubelet's unit is not checked");
    ck_assert_ptr_nonnull(strstr(nth(r, "kubelet-unit", 0)->fix, "check with a larger max_file_size"));
    ck_assert_ptr_null(nth(r, "kubelet-unit", 1));
    kap_manifest_report_free(r);
    r = check_now(); /* the default limit: read, nothing in it */
    must(r, "kubelet-unit", KAP_MANIFEST_PASS, "(in /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf)");
    kap_manifest_report_free(r);
    /* the --config that kubelet.service lacks may be in the unread
     * drop-in: not a FAIL for kubelet running no static pod (kubeadm's
     * config path is read instead), nor a PASS: what kubeadm's config
     * says is a WARN that names the file left unread */
    unlink(strcat(strcpy((char[512]){0}, root), "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"));
    r = check_max(16384);
    must(r, "kubelet-unit", KAP_MANIFEST_WARN, "20-big.conf cannot be read here");
    must(r, "static-pod-path", KAP_MANIFEST_WARN,
         "kubelet's staticPodPath (/etc/kubernetes/manifests/, in /var/lib/kubelet/config.yaml) is the manifest's "
         "directory; but /etc/systemd/system/kubelet.service.d/20-big.conf could not be read here (larger than the "
         "limit of 16384 bytes, max_file_size; see kubelet-unit), and a --config, --config-dir or "
         "--pod-manifest-path there would change this");
    ck_assert_str_eq(nth(r, "static-pod-path", 0)->fix,
                     "check with a larger max_file_size (kap check-manifest --max-file-size) if "
                     "/etc/systemd/system/kubelet.service.d/20-big.conf is meant to be that large");
    ck_assert_uint_eq(count_status(r, "static-pod-path", KAP_MANIFEST_PASS), 0);
    kap_manifest_report_free(r);
    r = check_now(); /* read: no --config at all, which is a FAIL */
    must(r, "static-pod-path", KAP_MANIFEST_FAIL, "has neither --pod-manifest-path nor --config");
    kap_manifest_report_free(r);
    /* with no kubelet.service: that is said first */
    unlink(strcat(strcpy((char[512]){0}, root), "/lib/systemd/system/kubelet.service"));
    r = check_max(16384);
    must(r, "kubelet-unit", KAP_MANIFEST_WARN, "no kubelet.service file");
    ck_assert_ptr_null(nth(r, "kubelet-unit", 1));
    kap_manifest_report_free(r);
    unlink(strcat(strcpy((char[512]){0}, root), "/etc/systemd/system/kubelet.service.d/20-big.conf"));
    rmdir(strcat(strcpy((char[512]){0}, root), "/etc/systemd/system/kubelet.service.d"));
    /* skipped as systemd skips them: a drop-in that is a link loop, a
     * directory or a FIFO named *.conf, a kubelet.service.d that is a
     * link loop or a file */
    put("/lib/systemd/system/kubelet.service", "[Service]\nExecStart=/usr/bin/kubelet\n");
    link_at("/etc/systemd/system/kubelet.service.d/30-loop.conf", "30-loop.conf");
    put("/etc/systemd/system/kubelet.service.d/40-dir.conf/x", "");
    ck_assert_int_eq(mkfifo(strcat(strcpy((char[512]){0}, root), "/etc/systemd/system/kubelet.service.d/50-fifo.conf"),
                            0600),
                     0);
    link_at("/run/systemd/system/kubelet.service.d", "kubelet.service.d");
    put("/usr/local/lib/systemd/system/kubelet.service.d", "x\n");
    expect_now("kubelet-unit", KAP_MANIFEST_PASS, "(in /lib/systemd/system/kubelet.service)");
    drop_root();
}
END_TEST

/* Variables expanded past what exec takes: cut there, with a WARN, in
 * time linear in the files (it grew as their square). */
START_TEST(kubelet_command_line_too_long)
{
    good_node();
    pod(GOOD_FLAGS, NULL);
    size_t n = 20000;
    char *env = malloc(n * 2 + 16), *unit = malloc(n * 3 + 128);
    ck_assert_ptr_nonnull(env);
    ck_assert_ptr_nonnull(unit);
    memcpy(env, "V=\"", 3);
    for (size_t i = 0; i < n; i++)
        memcpy(env + 3 + 2 * i, "a ", 2);
    strcpy(env + 3 + 2 * n, "\"\n");
    strcpy(unit, "[Service]\nEnvironmentFile=/etc/v.env\nExecStart=/usr/bin/kubelet");
    size_t u = strlen(unit);
    for (size_t i = 0; i < n; i++) {
        memcpy(unit + u, " $V", 3);
        u += 3;
    }
    strcpy(unit + u, "\n");
    put("/etc/v.env", env);
    put("/etc/systemd/system/kubelet.service", unit);
    free(env);
    free(unit);
    expect_now("static-pod-path", KAP_MANIFEST_WARN, "is longer than 2097152 bytes once its variables are expanded");
    /* one variable whose words alone pass the limit, named once */
    size_t m = 1100000; /* words of 2 bytes with their NULs: 2,200,000 > 2 MiB */
    env = malloc(m * 2 + 16);
    ck_assert_ptr_nonnull(env);
    memcpy(env, "V=\"", 3);
    for (size_t i = 0; i < m; i++)
        memcpy(env + 3 + 2 * i, "a ", 2);
    strcpy(env + 3 + 2 * m, "\"\n");
    put("/etc/v.env", env);
    free(env);
    put("/etc/systemd/system/kubelet.service", "[Service]\nEnvironmentFile=/etc/v.env\nExecStart=/usr/bin/kubelet $V\n");
    expect_now("static-pod-path", KAP_MANIFEST_WARN, "is longer than 2097152 bytes once its variables are expanded");
    /* at the limit: the words of argv with their NULs exactly 2 MiB fit,
     * one byte more does not; the program (its prefix '-' not counted) and
     * a variable's words, and with
     * '@' a variable's words alone (its first is argv[0], the program is
     * not in argv) */
    for (int k = 0; k < 6; k++) {
        int at = k >= 2, tail = k >= 4; /* tail: a word "x" after $V */
        size_t extra = (size_t)(k % 2);
        const char *head = at ? "kubelet --config=/var/lib/kubelet/config.yaml" : "--config=/var/lib/kubelet/config.yaml";
        size_t hl = strlen(head), rest = ((size_t)2 << 20) - (hl + 1) + extra;
        if (!at)
            rest -= sizeof "/usr/bin/kubelet";
        if (tail)
            rest -= sizeof "x";
        env = malloc(hl + rest + 16);
        ck_assert_ptr_nonnull(env);
        size_t e = (size_t)sprintf(env, "V=\"%s", head);
        if (rest % 2) { /* one word of 2 bytes and its NUL */
            memcpy(env + e, " bb", 3);
            e += 3;
            rest -= 3;
        }
        for (size_t i = 0; i < rest / 2; i++, e += 2)
            memcpy(env + e, " a", 2); /* a word of 1 byte and its NUL */
        strcpy(env + e, "\"\n");
        put("/etc/v.env", env);
        free(env);
        put("/etc/systemd/system/kubelet.service",
            tail ? "[Service]\nEnvironmentFile=/etc/v.env\nExecStart=@/usr/bin/kubelet $V x\n"
            : at ? "[Service]\nEnvironmentFile=/etc/v.env\nExecStart=@/usr/bin/kubelet $V\n"
                 : "[Service]\nEnvironmentFile=/etc/v.env\nExecStart=-/usr/bin/kubelet $V\n");
        if (extra)
            expect_now("static-pod-path", KAP_MANIFEST_WARN,
                       "is longer than 2097152 bytes once its variables are expanded");
        else
            expect_now("static-pod-path", KAP_MANIFEST_PASS, NULL);
    }
    drop_root();
}
END_TEST

/* ---- manifests that cannot be checked ---- */

START_TEST(unreadable)
{
    new_root();
    kap_manifest_report *r = check_root(NULL, KAP_EIO);
    ck_assert_ptr_nonnull(strstr(kap_manifest_report_error(r), "No such file"));
    must(r, "manifest-parse", KAP_MANIFEST_FAIL, NULL);
    kap_manifest_report_free(r);
    put("/etc/kubernetes/manifests/kube-apiserver.yaml", "spec: [\n  a: {\n");
    r = check_root(NULL, KAP_EINVALID);
    ck_assert_ptr_nonnull(strstr(kap_manifest_report_error(r), "kube-apiserver.yaml:"));
    kap_manifest_report_free(r);
    put("/etc/kubernetes/manifests/kube-apiserver.yaml", "apiVersion: v1\nkind: Pod\n");
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    o.max_file_size = 10;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_ELIMIT);
    ck_assert_ptr_nonnull(strstr(kap_manifest_report_error(r), "larger than 10 bytes"));
    kap_manifest_report_free(r);
    drop_root();
}
END_TEST

START_TEST(api_arguments)
{
    kap_manifest_report *r = NULL;
    ck_assert_int_eq(kap_manifest_check_file(NULL, NULL, NULL), KAP_EARG);
    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.version = 0;
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_EARG);
    ck_assert_ptr_null(r);
    ck_assert_uint_eq(kap_manifest_report_count(NULL), 0);
    ck_assert_ptr_null(kap_manifest_report_get(NULL, 0));
    ck_assert_ptr_null(kap_manifest_report_error(NULL));
    kap_manifest_report_free(NULL);
    ck_assert_str_eq(kap_manifest_status_name(KAP_MANIFEST_PASS), "PASS");
    ck_assert_str_eq(kap_manifest_status_name(KAP_MANIFEST_WARN), "WARN");
    ck_assert_str_eq(kap_manifest_status_name(KAP_MANIFEST_FAIL), "FAIL");
    ck_assert_ptr_null(kap_manifest_status_name((kap_manifest_status)7));
    /* a root that is not a directory */
    kap_manifest_options_init(&o);
    o.root = "/dev/null";
    ck_assert_int_eq(kap_manifest_check_file(&r, NULL, &o), KAP_EIO);
    ck_assert_ptr_nonnull(strstr(kap_manifest_report_error(r), "root"));
    kap_manifest_report_free(r);
}
END_TEST

int main(int argc, char **argv)
{
    fixtures = argc > 1 ? argv[1] : "manifests";
    Suite *s = suite_create("manifest");
    TCase *tc = tcase_create("manifest");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, all_good);
    tcase_add_test(tc, flags_in_args_and_space_form);
    tcase_add_test(tc, bool_flag_takes_no_next_argument);
    tcase_add_test(tc, flag_needs_argument_and_bad_syntax);
    tcase_add_test(tc, double_dash_and_non_string);
    tcase_add_test(tc, unknown_audit_flag);
    tcase_add_test(tc, duplicates);
    tcase_add_test(tc, integers_as_go_parses_them);
    tcase_add_test(tc, enums_and_bools);
    tcase_add_test(tc, typed_flag_values);
    tcase_add_test(tc, relative_symlink_cannot_leave_root);
    tcase_add_test(tc, absolute_symlink_resolves_in_root);
    tcase_add_test(tc, symlink_loop_and_manifest_link);
    tcase_add_loop_test(tc, fixture, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, stray_dot_files_are_mentioned);
    tcase_add_test(tc, unmounted_policy_hint_is_read_only);
    tcase_add_test(tc, field_types_as_kubelet_decodes_them);
    tcase_add_test(tc, kubelet_config);
    tcase_add_test(tc, kubelet_flags);
    tcase_add_test(tc, kubelet_unit_files);
    tcase_add_test(tc, kubelet_own_unit);
    tcase_add_test(tc, kubelet_config_dir);
    tcase_add_test(tc, kubelet_command_line_syntax);
    tcase_add_test(tc, kubelet_command_line_corners);
    tcase_add_test(tc, kubelet_unit_text_corners);
    tcase_add_test(tc, kubelet_review_cases);
    tcase_add_test(tc, kubelet_command_line_too_long);
    tcase_add_test(tc, kubelet_unit_refused);
    tcase_add_test(tc, kubelet_dropin_unreadable);
    tcase_add_test(tc, listing_cut_short);
    tcase_add_test(tc, manifests_dir_file_unreadable);
    tcase_add_test(tc, dropin_directory_unopenable);
    tcase_add_test(tc, policy_unreadable_here_warns);
    tcase_add_test(tc, kubelet_envfile_unreadable);
    tcase_add_test(tc, manifests_dir_entry_unstattable);
    tcase_add_test(tc, envfile_directory_unopenable);
    tcase_add_test(tc, hostpath_type_of_the_volume_not_the_file);
    tcase_add_test(tc, sub_path_expr);
    tcase_add_test(tc, recursive_read_only);
    tcase_add_test(tc, policy_and_log_in_one_mount);
    tcase_add_test(tc, log_options_refused);
    tcase_add_test(tc, static_pod_path_names_a_file);
    tcase_add_test(tc, pod_refused_by_validation);
    tcase_add_test(tc, pod_without_a_name);
    tcase_add_test(tc, pod_name_not_a_subdomain);
    tcase_add_test(tc, symlink_followed_in_the_container);
    tcase_add_test(tc, relative_paths_from_working_dir);
    tcase_add_test(tc, run_as_non_root);
    tcase_add_test(tc, shell_wrapped_apiserver);
    tcase_add_test(tc, policy_volume_of_a_directory_type);
    tcase_add_test(tc, policy_and_kubeconfig_past_64_mib);
    tcase_add_test(tc, webhook_exec_plugin);
    tcase_add_test(tc, webhook_exec_plugin_needs);
    tcase_add_test(tc, kubelet_expands_env_references);
    tcase_add_test(tc, log_path_a_directory);
    tcase_add_test(tc, pod_invalid_volumes_and_subpaths);
    tcase_add_test(tc, log_mount_hints);
    tcase_add_test(tc, log_on_an_emptydir);
    tcase_add_test(tc, go_runner);
    tcase_add_test(tc, copies_by_pod_name);
    tcase_add_test(tc, kubelet_command_line_many_variables);
    tcase_add_test(tc, unreadable);
    tcase_add_test(tc, api_arguments);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
