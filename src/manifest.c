/* The kube-apiserver static pod's audit set-up (kap check-manifest):
 * reads the manifest as kubelet does (sigs.k8s.io/yaml: read_yaml.c,
 * read_json.c), its flags as kube-apiserver's flag parser (pflag) does,
 * maps container paths to host paths through the pod's volumeMounts and
 * hostPath volumes, and looks at the host files under a root directory
 * that no path may leave. Each check is one kap_manifest_check.
 * SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* O_PATH */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "kubelet_cmdline.h"
#include "manifest_internal.h"

/* ---- the report ------------------------------------------------------------ */

struct kap_manifest_report {
    kap_manifest_check *checks;
    size_t n, cap;
    kap_arena a; /* every string of the report */
    char *manifest;
    char *error;
    char *policy_file;
    kap_diagnostics *policy_diags;
    unsigned kube_minor;
    int oom;
};

static char *rstr(kap_manifest_report *r, const char *s)
{
    char *c = arena_strndup(&r->a, s, strlen(s));
    if (!c)
        r->oom = 1;
    return c;
}

static void add_check(kap_manifest_report *r, const char *id, kap_manifest_status st, unsigned line, unsigned col,
                      const char *fix, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void add_check(kap_manifest_report *r, const char *id, kap_manifest_status st, unsigned line, unsigned col,
                      const char *fix, const char *fmt, ...)
{
    if (r->oom)
        return;
    if (kap_grow(&r->checks, &r->cap, r->n + 1, sizeof *r->checks, 32)) {
        r->oom = 1;
        return;
    }
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    char *msg;
    if (n >= 0 && (size_t)n < sizeof small) {
        msg = rstr(r, small);
    } else {
        kap_buf b = {0};
        va_start(ap, fmt);
        char *tmp = NULL;
        if (n > 0 && (tmp = kap_malloc((size_t)n + 1)))
            vsnprintf(tmp, (size_t)n + 1, fmt, ap);
        va_end(ap);
        msg = tmp ? rstr(r, tmp) : NULL;
        kap_free(tmp);
        buf_free(&b);
        if (!tmp)
            r->oom = 1;
    }
    const char *f = rstr(r, fix && st != KAP_MANIFEST_PASS ? fix : "");
    if (!msg || !f)
        return;
    kap_manifest_check *c = &r->checks[r->n++];
    c->id = id;
    c->status = st;
    c->message = msg;
    c->fix = f;
    c->line = line;
    c->column = col;
}

/* A formatted string in the report's arena (for fixes). */
static const char *rfmt(kap_manifest_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *rfmt(kap_manifest_report *r, const char *fmt, ...)
{
    char small[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    return rstr(r, small);
}

/* ---- paths under the root ------------------------------------------------------ */

#define MAX_LINKS 40

/* A path cleaned as Go's path.Clean does on an absolute path: "/a/b" or
 * "/" (a relative path is taken from "/"). */
void clean_path(kap_buf *out, const char *p, size_t n)
{
    out->len = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && p[i] == '/')
            i++;
        size_t s = i;
        while (i < n && p[i] != '/')
            i++;
        size_t k = i - s;
        if (k == 0 || (k == 1 && p[s] == '.'))
            continue;
        if (k == 2 && p[s] == '.' && p[s + 1] == '.') {
            while (out->len > 0 && out->s[out->len - 1] != '/')
                out->len--;
            if (out->len > 0)
                out->len--;
            continue;
        }
        buf_addc(out, '/');
        buf_add(out, p + s, k);
    }
    if (out->len == 0)
        buf_addc(out, '/');
    buf_cstr(out);
    if (out->s)
        out->s[out->len] = '\0';
}

/* Resolves path (a node path: absolute, or taken from "/") under the root
 * the way the kernel would inside a chroot: ".." never goes above the root
 * and an absolute symlink starts again at the root. out receives the node
 * path with no symlink in it ("/a/b"; "/" for the root itself). The last
 * component is followed when it is a symlink. As in the kernel, a
 * component with anything after it, even a '/', '.' or '..' alone, must be
 * a directory (else ENOTDIR), and ".." is taken only from one that exists
 * (a missing one: ENOENT). Returns 0 when the path
 * exists, else an errno value (ENOENT: out holds the path as it would be;
 * ELOOP, ENOTDIR, EACCES, ENAMETOOLONG, ENOMEM). */
int root_resolve(const rootfs *rt, const char *path, kap_buf *out)
{
    kap_buf pend = {0}, tmp = {0};
    char link[PATH_MAX];
    int links = 0, err = 0;
    out->len = 0;
    buf_adds(&pend, path);
    size_t at = 0;
    while (!pend.oom && at < pend.len) {
        while (at < pend.len && pend.s[at] == '/')
            at++;
        size_t s = at;
        while (at < pend.len && pend.s[at] != '/')
            at++;
        size_t k = at - s;
        if (k == 0 || (k == 1 && pend.s[s] == '.'))
            continue; /* (what is before is a directory: else ENOTDIR below) */
        if (k == 2 && pend.s[s] == '.' && pend.s[s + 1] == '.') {
            while (out->len > 0 && out->s[out->len - 1] != '/')
                out->len--;
            if (out->len > 0)
                out->len--;
            continue;
        }
        size_t before = out->len;
        buf_addc(out, '/');
        buf_add(out, pend.s + s, k);
        if (err || out->oom)
            continue; /* a missing component: the rest is lexical */
        struct stat st; /* (out->s holds its NUL: buf_add writes it) */
        if (fstatat(rt->fd, out->s + 1, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            err = errno;
            if (err != ENOENT)
                break;
            continue;
        }
        /* the kernel's last component: nothing after it, not even a '/'
         * (with one, or a '.' or '..', it must be a directory) */
        int last = at == pend.len;
        if (S_ISLNK(st.st_mode)) {
            if (++links > MAX_LINKS) {
                err = ELOOP;
                break;
            }
            ssize_t m = readlinkat(rt->fd, out->s + 1, link, sizeof link - 1);
            if (m < 0) {
                err = errno;
                break;
            }
            out->len = before;
            if (link[0] == '/')
                out->len = 0;
            /* pending: the link's target, then what was left */
            tmp.len = 0;
            buf_add(&tmp, link, (size_t)m);
            buf_add(&tmp, pend.s + at, pend.len - at); /* ("" or from a '/') */
            kap_buf sw = pend;
            pend = tmp;
            tmp = sw;
            at = 0;
            continue;
        }
        if (!last && !S_ISDIR(st.st_mode)) {
            err = ENOTDIR;
            break;
        }
    }
    if (pend.oom || tmp.oom || out->oom)
        err = ENOMEM;
    buf_free(&pend);
    buf_free(&tmp);
    if (out->len == 0)
        buf_addc(out, '/');
    if (!out->oom) {
        buf_cstr(out);
        out->s[out->len] = '\0';
    }
    return out->oom ? ENOMEM : err;
}

/* Opens a resolved node path (no symlink in it) one component at a time,
 * none followed, so that a symlink put there since cannot lead out of the
 * root. Returns the descriptor or -1 with errno. */
int open_beneath(const rootfs *rt, const char *resolved, int flags)
{
    int dir = dup(rt->fd);
    if (dir < 0)
        return -1;
    const char *p = resolved;
    char comp[NAME_MAX + 1];
    for (;;) {
        while (*p == '/')
            p++;
        const char *e = strchr(p, '/');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == 0) {
            /* the root itself */
            int fd = openat(dir, ".", flags | O_CLOEXEC);
            int saved = errno;
            close(dir);
            errno = saved;
            return fd;
        }
        if (k > NAME_MAX) {
            close(dir);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(comp, p, k);
        comp[k] = '\0';
        p += k;
        while (*p == '/')
            p++;
        int fd = *p ? openat(dir, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                    : openat(dir, comp, flags | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        close(dir);
        if (fd < 0 || !*p) {
            errno = saved;
            return fd;
        }
        dir = fd;
    }
}

/* The path as the user sees it on this machine: the root's prefix, then
 * the node path. */
void host_display(const rootfs *rt, kap_buf *out, const char *node)
{
    out->len = 0;
    buf_adds(out, rt->display);
    if (!rt->display[0] || strcmp(node, "/") != 0)
        buf_adds(out, node);
    buf_cstr(out);
    if (out->s)
        out->s[out->len] = '\0';
}

/* What is at a node path: resolved path in res, stat in st. Returns 0 or an
 * errno value. */
int root_stat(const rootfs *rt, const char *path, kap_buf *res, struct stat *st)
{
    int err = root_resolve(rt, path, res);
    if (err)
        return err;
    int fd = open_beneath(rt, res->s, O_PATH);
    if (fd < 0)
        return errno;
    int rc = fstat(fd, st) == 0 ? 0 : errno;
    close(fd);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The directory dir of the node, opened for readdir: 0 or an errno value. */
static int root_opendir(const rootfs *rt, const char *dir, DIR **out)
{
    *out = NULL;
    kap_buf res = {0};
    int err = root_resolve(rt, dir, &res);
    int fd = err ? -1 : open_beneath(rt, res.s, O_RDONLY | O_DIRECTORY);
    if (fd < 0 && !err)
        err = errno;
    buf_free(&res);
    if (err)
        return err;
    if (!(*out = fdopendir(fd))) {
        err = errno;
        close(fd);
    }
    return err;
}

/* The next entry of d, or NULL at its end (*err 0) or on an error (*err
 * the errno value: a listing cut short is not taken for a whole one). */
static struct dirent *next_entry(DIR *d, int *err)
{
    errno = 0;
    struct dirent *e = readdir(d);
    *err = e ? 0 : errno;
    return e;
}

int root_list(const rootfs *rt, const char *dir, const char *suffix, kap_arena *a, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    DIR *d;
    int err = root_opendir(rt, dir, &d);
    if (err)
        return err;
    size_t cap = 0, sl = strlen(suffix);
    struct dirent *e;
    while ((e = next_entry(d, &err)) != NULL) {
        size_t nl = strlen(e->d_name);
        if (e->d_name[0] == '.' || nl <= sl || strcmp(e->d_name + nl - sl, suffix) != 0)
            continue;
        char *s = arena_strndup(a, e->d_name, nl);
        if (!s || kap_grow(names, &cap, *n + 1, sizeof **names, 8) != 0) {
            err = ENOMEM;
            break;
        }
        (*names)[(*n)++] = s;
    }
    closedir(d);
    if (err) {
        kap_free(*names);
        *names = NULL;
        *n = 0;
        return err;
    }
    if (*n > 1)
        qsort(*names, *n, sizeof **names, name_cmp);
    return 0;
}

/* Reads a regular file at a node path. Returns 0, an errno value, or
 * EFBIG past max bytes; EISDIR / EINVAL for a directory / not a regular
 * file. */
int root_read(const rootfs *rt, const char *path, size_t max, kap_buf *res, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    int err = root_resolve(rt, path, res);
    if (err)
        return err;
    int fd = open_beneath(rt, res->s, O_RDONLY | O_NONBLOCK);
    if (fd < 0) /* a socket (or a device without a driver) cannot be opened: ENXIO */
        return errno == ENXIO ? EINVAL : errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        err = errno;
        close(fd);
        return err;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    }
    if ((unsigned long long)st.st_size > (unsigned long long)max) {
        close(fd);
        return EFBIG;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = kap_malloc(cap);
    if (!buf) {
        close(fd);
        return ENOMEM;
    }
    for (;;) {
        if (n + 1 >= cap) {
            if (cap - 1 > max) { /* (max + 1 would wrap at SIZE_MAX) */
                kap_free(buf);
                close(fd);
                return EFBIG;
            }
            char *nb = kap_realloc(buf, cap * 2);
            if (!nb) {
                kap_free(buf);
                close(fd);
                return ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t m = read(fd, buf + n, cap - 1 - n);
        if (m < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            kap_free(buf);
            close(fd);
            return err;
        }
        if (m == 0)
            break;
        n += (size_t)m;
    }
    close(fd);
    if (n > max) {
        kap_free(buf);
        return EFBIG;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

/* Whether node path p is q or inside it. */
int path_within(const char *p, const char *q)
{
    size_t n = strlen(q);
    if (strcmp(q, "/") == 0)
        return 1;
    return strncmp(p, q, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

int log_path_names_dir(const char *p)
{
    const char *slash = strrchr(p, '/');
    const char *base = slash ? slash + 1 : p;
    return !*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0;
}

void path_dirname(kap_buf *out, const char *p)
{
    const char *slash = strrchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : 0;
    out->len = 0;
    if (n == 0)
        buf_addc(out, '/');
    else
        buf_add(out, p, n);
    buf_cstr(out);
    if (out->s)
        out->s[out->len] = '\0';
}

/* ---- JSON-shaped values --------------------------------------------------------- */

static const jv *jget(const jv *o, const char *key)
{
    if (!o || o->kind != JV_OBJECT)
        return NULL;
    size_t n = strlen(key);
    /* a later equal key wins, as in a Go map decoded from JSON */
    const jv *found = NULL;
    for (size_t i = 0; i < o->n; i++)
        if (o->members[i].klen == n && memcmp(o->members[i].key, key, n) == 0)
            found = o->members[i].val;
    return found;
}

/* A string value as a C string in the arena (NULL if not a string; NULL
 * with *oom set when out of memory). */
static const char *jstr_in(kap_arena *a, const jv *v, int *oom)
{
    if (!v || v->kind != JV_STRING)
        return NULL;
    if (memchr(v->s, '\0', v->len))
        return NULL;
    const char *s = arena_strndup(a, v->s, v->len);
    if (!s)
        *oom = 1;
    return s;
}

static int jbool(const jv *v) { return v && v->kind == JV_BOOL && v->b; }

/* Two strings with the same bytes. */
static int same_str(const jv *a, const jv *b)
{
    return a && b && a->kind == JV_STRING && b->kind == JV_STRING && a->len == b->len &&
           memcmp(a->s, b->s, a->len) == 0;
}

/* ---- kube-apiserver's flags (pflag) ----------------------------------------------- */

typedef struct flag {
    const char *name;
    const char *value;
    unsigned line, col;
} flag;

static void image_parts(const char *image, char *name, size_t nsz, char *tag, size_t tsz);

/* Boolean flags of kube-apiserver 1.24 to 1.36 (a bare --name means true,
 * and "--name false" does not take "false" as its value). */
static const char *const bool_flags[] = {
    "add-dir-header", "aggregator-reject-forwarding-redirect", "allow-privileged", "alsologtostderr",
    "anonymous-auth", "audit-log-batch-throttle-enable", "audit-log-compress", "audit-log-truncate-enabled",
    "audit-webhook-batch-throttle-enable", "audit-webhook-truncate-enabled", "authentication-token-webhook-cache-unauthorized",
    "contention-profiling", "disable-http2-serving", "enable-aggregator-routing", "enable-bootstrap-token-auth",
    "enable-garbage-collector", "enable-logs-handler", "enable-priority-and-fairness",
    "encryption-provider-config-automatic-reload", "help", "log-json-split-stream", "log-text-split-stream",
    "logtostderr", "one-output", "permit-address-sharing", "permit-port-sharing", "profiling",
    "service-account-extend-token-expiration", "service-account-lookup", "skip-headers", "skip-log-headers",
    "watch-cache", "enable-swagger-ui", "kubelet-https", "skip-log-headers", "version",
};

/* Flags that may be given more than once, each adding to the list or map. */
static const char *const repeatable_flags[] = {
    "admission-control", "allow-metric-labels", "api-audiences", "authorization-mode", "cors-allowed-origins",
    "disable-admission-plugins", "disabled-metrics", "enable-admission-plugins", "etcd-servers",
    "etcd-servers-overrides", "feature-gates", "kubelet-preferred-address-types", "oidc-required-claim",
    "oidc-signing-algs", "requestheader-allowed-names", "requestheader-extra-headers-prefix",
    "requestheader-group-headers", "requestheader-uid-headers", "requestheader-username-headers",
    "runtime-config", "service-account-issuer", "service-account-key-file", "strict-transport-security-directives",
    "tls-cipher-suites", "tls-sni-cert-key", "watch-cache-sizes", "vmodule",
};

/* Every audit flag kube-apiserver 1.24 to 1.36 knows. */
static const char *const audit_flags[] = {
    "audit-log-batch-buffer-size", "audit-log-batch-max-size", "audit-log-batch-max-wait",
    "audit-log-batch-throttle-burst", "audit-log-batch-throttle-enable", "audit-log-batch-throttle-qps",
    "audit-log-compress", "audit-log-format", "audit-log-maxage", "audit-log-maxbackup", "audit-log-maxsize",
    "audit-log-mode", "audit-log-path", "audit-log-truncate-enabled", "audit-log-truncate-max-batch-size",
    "audit-log-truncate-max-event-size", "audit-log-version", "audit-policy-file",
    "audit-webhook-batch-buffer-size", "audit-webhook-batch-initial-backoff", "audit-webhook-batch-max-size",
    "audit-webhook-batch-max-wait", "audit-webhook-batch-throttle-burst", "audit-webhook-batch-throttle-enable",
    "audit-webhook-batch-throttle-qps", "audit-webhook-config-file", "audit-webhook-initial-backoff",
    "audit-webhook-mode", "audit-webhook-truncate-enabled", "audit-webhook-truncate-max-batch-size",
    "audit-webhook-truncate-max-event-size", "audit-webhook-version",
};

static int in_table(const char *s, const char *const *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, t[i]) == 0)
            return 1;
    return 0;
}
#define IN(s, t) in_table((s), (t), sizeof(t) / sizeof((t)[0]))

int manifest_bool_flag(const char *name) { return IN(name, bool_flags); }
int manifest_repeatable_flag(const char *name) { return IN(name, repeatable_flags); }
static int program_is(const char *path, const char *name)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return path && strcmp(slash ? slash + 1 : path, name) == 0;
}

size_t manifest_apiserver_start(const char *const *argv, size_t n, const char **bad)
{
    *bad = NULL;
    if (n == 0 || program_is(argv[0], "kube-apiserver"))
        return n != 0;
    if (!program_is(argv[0], "go-runner") && !program_is(argv[0], "kube-log-runner"))
        return 0;
    /* go-runner's flags (Go's flag package: -name or --name, a value after
     * '=' or as the next item, a boolean only after '='); "--" ends them */
    static const char *const takes_value[] = {"log-file", "log-file-size", "log-file-age", "flush-interval"};
    static const char *const booleans[] = {"also-stdout", "redirect-stderr"};
    size_t i = 1;
    while (i < n && argv[i] && argv[i][0] == '-' && argv[i][1]) {
        const char *a = argv[i] + (argv[i][1] == '-' ? 2 : 1);
        i++;
        if (!*a)
            break;
        size_t nl = strcspn(a, "=");
        int known = 0, value = 0;
        for (size_t k = 0; k < sizeof takes_value / sizeof takes_value[0] && !known; k++)
            known = value = strlen(takes_value[k]) == nl && strncmp(a, takes_value[k], nl) == 0;
        for (size_t k = 0; k < sizeof booleans / sizeof booleans[0] && !known; k++)
            known = strlen(booleans[k]) == nl && strncmp(a, booleans[k], nl) == 0;
        if (!known && !*bad)
            *bad = argv[i - 1];
        if (value && !a[nl])
            i++;
    }
    return i < n && program_is(argv[i], "kube-apiserver") ? i + 1 : 0;
}

int manifest_apiserver_image(const char *image)
{
    char name[256] = "", tag[128] = "";
    image_parts(image, name, sizeof name, tag, sizeof tag);
    return strcmp(name, "kube-apiserver") == 0;
}

/* strconv.ParseBool */
static int parse_go_bool(const char *s, int *out)
{
    static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};
    if (IN(s, t))
        return *out = 1, 0;
    if (IN(s, f))
        return *out = 0, 0;
    return -1;
}

static int digit_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

/* Go's underscoreOK: underscores only between digits, or between a base
 * prefix and a digit. */
static int underscore_ok(const char *s)
{
    char saw = '^';
    size_t i = 0, n;
    if (*s == '+' || *s == '-')
        s++;
    n = strlen(s);
    int hex = 0;
    if (n >= 2 && s[0] == '0' && strchr("bBoOxX", s[1])) {
        i = 2;
        saw = '0';
        hex = s[1] == 'x' || s[1] == 'X';
    }
    for (; i < n; i++) {
        char ch = s[i];
        if ((ch >= '0' && ch <= '9') || (hex && ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')))) {
            saw = '0';
            continue;
        }
        if (ch == '_') {
            if (saw != '0')
                return 0;
            saw = '_';
            continue;
        }
        if (saw == '_')
            return 0;
        saw = '!';
    }
    return saw != '_';
}

/* strconv.ParseInt(s, 0, 64), as pflag's int flags read their value: a
 * sign, then 0x, 0o, 0b or 0 (octal) prefixes, underscores between digits. */
int parse_go_int(const char *s0, long long *out)
{
    const char *s = s0;
    int neg = 0;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (!*s)
        return -1;
    unsigned base = 10;
    if (s[0] == '0') {
        size_t n = strlen(s);
        if (n >= 3 && strchr("bB", s[1]))
            base = 2, s += 2;
        else if (n >= 3 && strchr("oO", s[1]))
            base = 8, s += 2;
        else if (n >= 3 && strchr("xX", s[1]))
            base = 16, s += 2;
        else
            base = 8, s += 1;
    }
    unsigned long long v = 0;
    int underscores = 0;
    for (; *s; s++) {
        if (*s == '_') {
            underscores = 1;
            continue;
        }
        int d = digit_val(*s);
        if (d < 0 || (unsigned)d >= base)
            return -1;
        if (v > (ULLONG_MAX - (unsigned)d) / base)
            return -1;
        v = v * base + (unsigned)d;
    }
    if (underscores && !underscore_ok(s0))
        return -1;
    if (!neg && v > (unsigned long long)LLONG_MAX)
        return -1;
    if (neg && v > (unsigned long long)LLONG_MAX + 1)
        return -1;
    *out = neg ? (long long)(0 - v) : (long long)v;
    return 0;
}

/* time.ParseDuration, as pflag's duration flags read their value: a sign,
 * then one or more numbers (digits, a '.', digits: a digit on one side at
 * least), each with its unit (ns, us, \u00b5s, \u03bcs, ms, s, m, h); "0" alone.
 * The total must fit in int64 nanoseconds (compared in long double here,
 * so a value within a few nanoseconds of 2^63 may be judged either way). */
static int parse_go_duration(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (strcmp(s, "0") == 0)
        return 0;
    if (!*s)
        return -1;
    long double total = 0;
    while (*s) {
        long double v = 0, scale = 1;
        int digits = 0;
        for (; *s >= '0' && *s <= '9'; s++, digits++)
            v = v * 10 + (*s - '0');
        if (*s == '.')
            for (s++; *s >= '0' && *s <= '9'; s++, digits++)
                v += (*s - '0') * (scale /= 10);
        if (!digits)
            return -1;
        static const struct {
            const char *u;
            long double ns;
        } units[] = {{"ns", 1}, {"us", 1e3L}, {"\xc2\xb5s", 1e3L}, {"\xce\xbcs", 1e3L}, {"ms", 1e6L},
                     {"s", 1e9L}, {"m", 60e9L}, {"h", 3600e9L}};
        size_t k = 0, n = 0;
        for (; k < sizeof units / sizeof units[0]; k++) {
            n = strlen(units[k].u);
            /* the unit runs to the next digit or '.' (Go reads it so: "1mss" has the unit "mss") */
            if (strncmp(s, units[k].u, n) == 0 && (!s[n] || (s[n] >= '0' && s[n] <= '9') || s[n] == '.'))
                break;
        }
        if (k == sizeof units / sizeof units[0])
            return -1;
        total += v * units[k].ns;
        if (total > 9223372036854775807.0L)
            return -1;
        s += n;
    }
    return 0;
}

/* strconv.ParseFloat(s, 32), as pflag's float32 flags read their value:
 * a sign; "inf", "infinity" or "nan" in any case; decimal digits with a
 * '.' and an exponent; or 0x, hex digits with a '.', and a 'p' exponent
 * (required there); underscores only between digits (underscoreOK); a
 * magnitude that rounds beyond float32's largest is out of range, one
 * below half its least subnormal is 0. Judged in long double. */
static int parse_go_float32(const char *s0, double *out)
{
    const char *s = s0;
    int minus = *s == '-';
    if (*s == '+' || *s == '-')
        s++;
    if (strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0)
        return *out = minus ? -HUGE_VAL : HUGE_VAL, 0;
    if (strcasecmp(s, "nan") == 0 && s == s0)
        return *out = NAN, 0; /* (no sign before it) */
    int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    unsigned base = hex ? 16 : 10;
    if (hex)
        s += 2;
    long double v = 0, scale = 1;
    int digits = 0, dot = 0, underscores = 0;
    for (;; s++) {
        if (*s == '_') {
            underscores = 1;
            continue;
        }
        if (*s == '.' && !dot) {
            dot = 1;
            continue;
        }
        int d = digit_val(*s);
        if (d < 0 || (unsigned)d >= base)
            break;
        digits++;
        if (dot)
            v += d * (scale /= base);
        else
            v = v * base + d;
    }
    if (!digits)
        return -1;
    long exp10 = 0;
    if ((hex && (*s == 'p' || *s == 'P')) || (!hex && (*s == 'e' || *s == 'E'))) {
        s++;
        int neg = *s == '-';
        if (*s == '+' || *s == '-')
            s++;
        if (*s < '0' || *s > '9')
            return -1;
        for (; (*s >= '0' && *s <= '9') || *s == '_'; s++)
            if (*s == '_')
                underscores = 1;
            else if (exp10 < 100000)
                exp10 = exp10 * 10 + (*s - '0');
        if (neg)
            exp10 = -exp10;
    } else if (hex) {
        return -1; /* a hex mantissa needs its 'p' exponent */
    }
    /* underscores only between digits (or after the base prefix), in the
     * mantissa and the exponent alike (strconv's underscoreOK) */
    if (*s || (underscores && !underscore_ok(s0)))
        return -1;
    /* float32's largest is 0x1.fffffep127; a magnitude from halfway to the
     * next power (0x1.ffffffp127) rounds to infinity */
    long double mag = v;
    const long double step = hex ? 2.0L : 10.0L;
    /* the whole exponent, stopping once the magnitude is past float32's
     * (too large) or 0 (too small: rounds to 0, which is fine): a mantissa
     * of many places is scaled back as far as it was scaled down */
    for (long e = exp10; e > 0 && mag != 0 && mag < 0x1.ffffffp127L; e--)
        mag *= step;
    for (long e = exp10; e < 0 && mag != 0; e++)
        mag /= step;
    if (mag >= 0x1.ffffffp127L)
        return -1;
    if (mag <= 0x1p-150L)
        mag = 0; /* below half the least float32: it rounds to 0, without an error */
    *out = (double)(minus ? -mag : mag);
    return 0;
}

/* Levenshtein distance, for suggestions (names are short). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 63 || m > 63)
        return (size_t)-1;
    size_t row[64];
    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m];
}

static const char *nearest_audit_flag(const char *name)
{
    const char *best = audit_flags[0];
    size_t bd = (size_t)-1;
    for (size_t i = 0; i < sizeof audit_flags / sizeof audit_flags[0]; i++) {
        size_t d = edit_distance(name, audit_flags[i]);
        if (d < bd)
            bd = d, best = audit_flags[i];
    }
    return best;
}

/* ---- the checker -------------------------------------------------------------------- */

typedef struct mount {
    const char *name, *path, *sub_path;
    const char *expr;       /* subPathExpr as written, NULL when not given */
    const char *expr_var;   /* a variable of expr not known here (see expand_sub_path), or NULL */
    int expr_empty;         /* expr_var is given an empty value, or is "" ("$()"): kubelet does not start the
                             * container */
    int read_only;
    unsigned line, col;
} mount;

typedef struct volume {
    const char *name;
    const char *host_path; /* NULL: not a hostPath volume */
    const char *type;      /* hostPath.type, "" when unset */
    int empty_dir;         /* an emptyDir (given, or no source at all) */
    int in_memory;         /* an emptyDir of medium Memory (tmpfs) */
    unsigned line, col;
} volume;

const char *const kap_volume_sources[] = {
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI",
    "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk",
    "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image"};
const size_t kap_n_volume_sources = sizeof kap_volume_sources / sizeof kap_volume_sources[0];

/* How many sources a volume names (null leaves one unset). */
static size_t volume_sources(const jv *v)
{
    size_t kinds = 0;
    for (size_t k = 0; k < kap_n_volume_sources; k++) {
        const jv *src = jget(v, kap_volume_sources[k]);
        kinds += src && src->kind != JV_NULL;
    }
    return kinds;
}

typedef struct checker {
    kap_manifest_report *r;
    const kap_manifest_options *o;
    rootfs rt;
    kap_arena a; /* manifest values and scratch strings */
    const jv *pod;
    const jv *container;
    flag *flags;
    size_t n_flags;
    mount *mounts;
    size_t n_mounts;
    volume *vols;
    size_t n_vols;
    const char *manifest_node; /* the manifest's node path, resolved */
    const char *manifest_dir;  /* its directory */
    size_t max_file;
    unsigned image_minor; /* the release of the image's tag, as given (0: none) */
} checker;

static int check_run_as(checker *c, const char *id, const volume *v, const char *host, unsigned want,
                        const char *what);
static int run_as_dirs(checker *c, const char *id, const volume *v, const char *mh, const char *host,
                       const char *what);

static int container_dir(checker *c, const char *p);

/* A path a flag gives, as kube-apiserver opens it: a relative one from the
 * container's workingDir (absolute; else "/", the images' working
 * directory), cleaned (clean_path) as the kernel walks it: what cleaning
 * drops (a '.', a '..', a '/' at the end) needs the path before it to be
 * a directory in the container (container_dir). Returns 0, or the
 * kernel's errno (ENOTDIR, ENOENT, ELOOP) with out holding the path
 * cleaned as if each were one, and at (when not NULL) the path of the one
 * that is not. */
static int flag_path(checker *c, kap_buf *out, const char *value, kap_buf *at)
{
    const jv *wd = jget(c->container, "workingDir");
    kap_buf j = {0};
    if (value[0] != '/' && wd && wd->kind == JV_STRING && wd->len && wd->s[0] == '/' &&
        !memchr(wd->s, '\0', wd->len)) {
        buf_add(&j, wd->s, wd->len);
        buf_addc(&j, '/');
    }
    buf_adds(&j, value);
    buf_cstr(&j);
    out->len = 0;
    if (!j.s || j.oom) {
        out->oom = 1;
        buf_free(&j);
        return 0;
    }
    const char *p = j.s;
    size_t n = j.len, i = 0;
    int err = 0, regular = 0; /* regular: the last component was a name */
    buf_addc(out, '/');
    buf_cstr(out);
    while (!err && i < n && out->s && !out->oom) {
        while (i < n && p[i] == '/')
            i++;
        if (i == n) {
            if (regular) /* a '/' after a name: a directory */
                err = container_dir(c, out->s);
            break;
        }
        size_t s = i;
        while (i < n && p[i] != '/')
            i++;
        size_t k = i - s;
        int dot = k == 1 && p[s] == '.', dotdot = k == 2 && p[s] == '.' && p[s + 1] == '.';
        regular = !dot && !dotdot;
        if (!regular) {
            if ((err = container_dir(c, out->s)) != 0)
                break;
            if (dotdot && out->len > 1) {
                while (out->len > 1 && out->s[out->len - 1] != '/')
                    out->len--;
                if (out->len > 1)
                    out->len--;
                out->s[out->len] = '\0';
            }
            continue;
        }
        if (out->len > 1)
            buf_addc(out, '/');
        buf_add(out, p + s, k);
        buf_cstr(out);
    }
    if (err) {
        if (at) {
            at->len = 0;
            buf_adds(at, out->s ? out->s : "/");
            buf_cstr(at);
        }
        clean_path(out, j.s, j.len);
    }
    buf_free(&j);
    return err;
}

static const char *cdup(checker *c, const char *s)
{
    char *d = arena_strndup(&c->a, s, strlen(s));
    if (!d)
        c->r->oom = 1;
    return d ? d : "";
}

/* buf_free(), noting an allocation that failed while b was built. */
static void bfree(checker *c, kap_buf *b)
{
    if (b->oom)
        c->r->oom = 1;
    buf_free(b);
}

/* A YAML file beside the manifest (a webhook's kubeconfig, kubelet's
 * config) as values: 0, or the reader's error with its place in fail;
 * running out of memory is noted in the report. */
static int read_yaml_file(checker *c, kap_arena *a, const char *data, size_t len, jv **root, kap_fail *fail)
{
    kap_limits lim;
    limits_for(NULL, &lim);
    kap_buf strict = {0};
    int rc = yaml_to_jv(a, data, len, &lim, root, &strict, fail);
    if (rc == KAP_ENOMEM || fail->msg.oom)
        c->r->oom = 1;
    bfree(c, &strict);
    return rc;
}

/* An errno value from the root_* functions, noting ENOMEM. */
static int noted(checker *c, int err)
{
    if (err == ENOMEM)
        c->r->oom = 1;
    return err;
}

/* Why a node file could not be read, for a message: EFBIG is this
 * checker's limit, not the file system's. */
static const char *read_error(checker *c, int err)
{
    if (err == EFBIG)
        return rfmt(c->r, "larger than the limit of %zu bytes, max_file_size", c->max_file);
    return strerror(err);
}

/* The fix for a file over that limit. */
static const char *too_large_fix(checker *c, const char *path)
{
    return rfmt(c->r, "check with a larger max_file_size (kap check-manifest --max-file-size) if %s is meant to be "
                      "that large",
                path);
}

/* Why a node file could not be read, where it may also be no regular
 * file (which neither kubelet nor systemd reads). */
static const char *unread_reason(checker *c, int err)
{
    return err == EISDIR ? "it is a directory" : err == EINVAL ? "it is not a regular file" : read_error(c, err);
}

/* The fix for a node file that could not be read: by the cause (what
 * kubelet or systemd, as root and with no size limit, may read where this
 * checker cannot; what no one reads). */
static const char *unread_fix(checker *c, const char *path, int err, const char *reader)
{
    if (err == EISDIR || err == EINVAL)
        return rfmt(c->r, "make %s a regular file, then check again", path);
    if (err == EACCES || err == EPERM)
        return rfmt(c->r, "make %s readable (or run as root: %s reads it as root), then check again", path, reader);
    if (err == EFBIG)
        return too_large_fix(c, path);
    return rfmt(c->r, "check the file system under %s, then check again", path);
}

/* The last value of a flag (kube-apiserver keeps the last), or NULL. */
static const flag *flag_get(const checker *c, const char *name)
{
    const flag *f = NULL;
    for (size_t i = 0; i < c->n_flags; i++)
        if (strcmp(c->flags[i].name, name) == 0)
            f = &c->flags[i];
    return f;
}

static const char *basename_of(const char *s)
{
    const char *slash = strrchr(s, '/');
    return slash ? slash + 1 : s;
}

/* The image's repository's last name and its tag: "registry.k8s.io/kube-apiserver:v1.31.2". */
static void image_parts(const char *image, char *name, size_t nsz, char *tag, size_t tsz)
{
    name[0] = tag[0] = '\0';
    if (!image)
        return;
    size_t n = strcspn(image, "@");
    const char *last = image;
    for (size_t i = 0; i < n; i++)
        if (image[i] == '/')
            last = image + i + 1;
    size_t ln = (size_t)(image + n - last);
    const char *colon = memchr(last, ':', ln);
    size_t namelen = colon ? (size_t)(colon - last) : ln;
    snprintf(name, nsz, "%.*s", (int)namelen, last);
    if (colon)
        snprintf(tag, tsz, "%.*s", (int)(image + n - colon - 1), colon + 1);
}

/* The first container whose command is a shell given a script (-c) that
 * names kube-apiserver, or NULL. */
static const jv *shell_runs_apiserver(const jv *ctrs)
{
    for (size_t i = 0; ctrs && ctrs->kind == JV_ARRAY && i < ctrs->n; i++) {
        const jv *argv[2] = {jget(ctrs->items[i], "command"), jget(ctrs->items[i], "args")};
        int shell = 0, dash_c = 0;
        for (int k = 0; k < 2; k++)
            for (size_t j = 0; argv[k] && argv[k]->kind == JV_ARRAY && j < argv[k]->n; j++) {
                const jv *a = argv[k]->items[j];
                if (!a || a->kind != JV_STRING || memchr(a->s, '\0', a->len))
                    continue;
                const char *base = a->s;
                for (size_t q = 0; q < a->len; q++)
                    if (a->s[q] == '/')
                        base = a->s + q + 1;
                size_t bl = a->len - (size_t)(base - a->s);
                if (k == 0 && j == 0)
                    shell = (bl == 2 && memcmp(base, "sh", 2) == 0) || (bl == 4 && memcmp(base, "bash", 4) == 0) ||
                            (bl == 4 && memcmp(base, "dash", 4) == 0) || (bl == 3 && memcmp(base, "ash", 3) == 0);
                else if (shell && a->len >= 2 && a->s[0] == '-' && memchr(a->s, 'c', a->len))
                    dash_c = 1;
                else if (shell && dash_c)
                    for (size_t q = 0; q + 14 <= a->len; q++)
                        if (memcmp(a->s + q, "kube-apiserver", 14) == 0)
                            return ctrs->items[i];
            }
    }
    return NULL;
}

#define ENTRY_NO_BINARY "\001"
/* Whether the container runs kube-apiserver (manifest_apiserver_start);
 * *start: where its arguments begin among command then args; bad (cap
 * bytes, may be NULL): a flag of go-runner's it does not know, or "". */
static int runs_apiserver(const jv *ctr, size_t *start, char *bad, size_t cap)
{
    if (bad)
        bad[0] = '\0';
    const jv *cmd = jget(ctr, "command"), *args = jget(ctr, "args");
    *start = 0;
    const jv *img = jget(ctr, "image");
    char ib[512];
    snprintf(ib, sizeof ib, "%.*s", img && img->kind == JV_STRING ? (int)(img->len < 511 ? img->len : 511) : 0,
             img && img->kind == JV_STRING ? img->s : "");
    /* no command: the image's entrypoint, go-runner in kube-apiserver's
     * images, runs what args names */
    int entry = !cmd || cmd->kind == JV_NULL || (cmd->kind == JV_ARRAY && cmd->n == 0);
    if (!(cmd && cmd->kind == JV_ARRAY && cmd->n > 0) && !manifest_apiserver_image(ib))
        return 0;
    if (!entry && cmd->kind != JV_ARRAY)
        return 1; /* a command that is no list: reported with the flags */
    {
        char buf[MANIFEST_ARGV_PEEK][256];
        const char *argv[MANIFEST_ARGV_PEEK];
        size_t n = 0;
        const jv *lists[2] = {entry ? NULL : cmd, args && args->kind == JV_ARRAY ? args : NULL};
        if (entry)
            argv[n++] = "/go-runner";
        for (int k = 0; k < 2; k++)
            for (size_t i = 0; lists[k] && i < lists[k]->n && n < MANIFEST_ARGV_PEEK; i++, n++) {
                const jv *v = lists[k]->items[i];
                int str = v && v->kind == JV_STRING && v->len < sizeof buf[n] && !memchr(v->s, '\0', v->len);
                if (str)
                    snprintf(buf[n], sizeof buf[n], "%.*s", (int)v->len, v->s);
                argv[n] = str ? buf[n] : NULL;
            }
        const char *b;
        *start = manifest_apiserver_start(argv, n, &b);
        if (bad && b && *start)
            snprintf(bad, cap, "%s", b);
        if (!entry)
            return *start != 0;
        /* the container of kube-apiserver's image all the same: when go-runner
         * finds no kube-apiserver in args, say so, and read args as flags */
        if (bad && !*start)
            snprintf(bad, cap, "%s", ENTRY_NO_BINARY);
        *start = *start ? *start - 1 : 0;
        return 1;
    }
}

/* ---- kubelet's $(VAR) expansion ---------------------------------------------------- */

/* The container's environment as kubelet expands command and args with
 * it: each env entry with a value, itself expanded with the entries
 * before it; an entry whose value comes from elsewhere (valueFrom) is not
 * known here, and a reference to it stays as written. */
typedef struct envvar {
    const char *name, *value; /* value NULL: not known */
} envvar;

static const char *kubelet_expand(kap_arena *a, int *oom, const char *in, const envvar *env, size_t n);

/* The environment of container, in a; *oom set when memory ran out. */
static size_t container_env(kap_arena *a, int *oom, const jv *container, envvar **out)
{
    const jv *env = jget(container, "env");
    *out = NULL;
    if (!env || env->kind != JV_ARRAY || !env->n)
        return 0;
    envvar *e = arena_alloc(a, env->n * sizeof *e);
    if (!e)
        return *oom = 1, 0;
    size_t n = 0;
    for (size_t i = 0; i < env->n; i++) {
        const jv *nm = jget(env->items[i], "name"), *v = jget(env->items[i], "value");
        if (!nm || nm->kind != JV_STRING || memchr(nm->s, '\0', nm->len))
            continue;
        const char *name = jstr_in(a, nm, oom);
        /* kubelet: a value that is not empty, else valueFrom's (not known
         * here), else "" */
        const char *val = v && v->kind == JV_STRING && v->len && !memchr(v->s, '\0', v->len)
                              ? jstr_in(a, v, oom)
                          : jget(env->items[i], "valueFrom") ? NULL
                                                               : "";
        if (!name)
            return *oom = 1, 0;
        if (val)
            val = kubelet_expand(a, oom, val, e, n); /* NULL when it grows too long: not known */
        /* a later entry of one name replaces the earlier */
        size_t k = 0;
        while (k < n && strcmp(e[k].name, name) != 0)
            k++;
        e[k].name = name;
        e[k].value = val;
        if (k == n)
            n++;
    }
    *out = e;
    return n;
}

/* in with kubelet's expansion (its forked expansion.Expand): $(NAME) is
 * NAME's value, "$$" is "$", anything else stays (a NAME not in env too).
 * NULL when the result is not known here: it uses a variable whose value
 * is not (valueFrom), or it would pass EXPAND_MAX bytes (one argument of
 * Linux's exec may not be longer; env entries that double each other
 * would otherwise grow without end). An argument not known is checked as
 * written. */
#define EXPAND_MAX ((size_t)128 * 1024)
static const char *kubelet_expand(kap_arena *a, int *oom, const char *in, const envvar *env, size_t n)
{
    if (!strchr(in, '$'))
        return in;
    kap_buf b = {0};
    for (const char *p = in; *p; p++) {
        if (b.len > EXPAND_MAX) {
            buf_free(&b);
            return NULL;
        }
        if (p[0] != '$' || !p[1]) {
            buf_add(&b, p, 1);
            continue;
        }
        if (p[1] == '$') {
            buf_add(&b, "$", 1);
            p++;
            continue;
        }
        const char *close = p[1] == '(' ? strchr(p + 2, ')') : NULL;
        if (p[1] != '(' || !close) {
            /* "$x" stays; "$(" without ')' stays, the '(' taken with it */
            buf_add(&b, p, 2);
            p++;
            continue;
        }
        size_t nl = (size_t)(close - p - 2), k = 0;
        while (k < n && !(strlen(env[k].name) == nl && memcmp(env[k].name, p + 2, nl) == 0))
            k++;
        if (k < n && !env[k].value) {
            buf_free(&b); /* a variable whose value is not known here: nor is the result */
            return NULL;
        }
        if (k < n)
            buf_adds(&b, env[k].value);
        else
            buf_add(&b, p, nl + 3);
        p = close;
    }
    if (b.len > EXPAND_MAX) {
        buf_free(&b);
        return NULL;
    }
    const char *outs = b.s ? arena_strndup(a, b.s, b.len) : arena_strndup(a, "", 0);
    if (!outs || b.oom)
        *oom = 1;
    buf_free(&b);
    return outs ? outs : in;
}

/* Check 1: Pod, container, flags. Returns 0 when the container was found
 * and its flags read (the other checks then run). */
static int check_pod(checker *c)
{
    kap_manifest_report *r = c->r;
    const jv *pod = c->pod;
    if (!pod || pod->kind != JV_OBJECT) {
        add_check(r, "manifest-pod", KAP_MANIFEST_FAIL, pod ? pod->line : 0, pod ? pod->col : 0,
                  "write one Pod object (apiVersion: v1, kind: Pod) in the file",
                  "the manifest is %s, not a Pod object", !pod ? "empty" : jv_kind_go_name(pod->kind));
        return -1;
    }
    const jv *av = jget(pod, "apiVersion"), *kind = jget(pod, "kind");
    int ok_av = av && av->kind == JV_STRING && av->len == 2 && memcmp(av->s, "v1", 2) == 0;
    int ok_kind = kind && kind->kind == JV_STRING && kind->len == 3 && memcmp(kind->s, "Pod", 3) == 0;
    if (!ok_av || !ok_kind) {
        const jv *at = !ok_av ? av : kind;
        add_check(r, "manifest-pod", KAP_MANIFEST_FAIL, at ? at->line : 0, at ? at->col : 0,
                  "set 'apiVersion: v1' and 'kind: Pod'", "the manifest is not a v1 Pod (apiVersion %s%.*s%s, kind %s%.*s%s)",
                  av && av->kind == JV_STRING ? "'" : "", av && av->kind == JV_STRING ? (int)av->len : 7,
                  av && av->kind == JV_STRING ? av->s : "missing", av && av->kind == JV_STRING ? "'" : "",
                  kind && kind->kind == JV_STRING ? "'" : "", kind && kind->kind == JV_STRING ? (int)kind->len : 7,
                  kind && kind->kind == JV_STRING ? kind->s : "missing", kind && kind->kind == JV_STRING ? "'" : "");
        return -1;
    }
    add_check(r, "manifest-pod", KAP_MANIFEST_PASS, pod->line, pod->col, NULL, "the manifest is a v1 Pod");

    const jv *spec = jget(pod, "spec");
    const jv *ctrs = jget(spec, "containers");
    size_t found = 0, start = 0, st;
    const jv *ctr = NULL;
    char bad[256], b[256];
    bad[0] = '\0';
    if (ctrs && ctrs->kind == JV_ARRAY)
        for (size_t i = 0; i < ctrs->n; i++)
            if (runs_apiserver(ctrs->items[i], &st, b, sizeof b)) {
                if (!found) {
                    ctr = ctrs->items[i];
                    start = st;
                    memcpy(bad, b, sizeof bad);
                }
                found++;
            }
    if (found != 1) {
        const jv *at = found ? ctrs->items[0] : spec ? spec : pod;
        if (found)
            add_check(r, "manifest-container", KAP_MANIFEST_FAIL, at->line, at->col,
                      "keep one container that runs kube-apiserver",
                      "%zu containers run kube-apiserver; one is expected", found);
        else if ((at = shell_runs_apiserver(ctrs)) != NULL)
            add_check(r, "manifest-container", KAP_MANIFEST_FAIL, at->line, at->col,
                      "write kube-apiserver and its flags as the container's command (and args), without the shell",
                      "a container starts kube-apiserver through a shell script (sh -c): its flags cannot be read, "
                      "so nothing of the audit set-up is checked");
        else
            add_check(r, "manifest-container", KAP_MANIFEST_FAIL, (spec ? spec : pod)->line,
                      (spec ? spec : pod)->col,
                      "give the container 'command: [kube-apiserver, ...]' (or the kube-apiserver image)",
                      "no container in spec.containers runs kube-apiserver");
        return -1;
    }
    c->container = ctr;
    const jv *cname = jget(ctr, "name");
    if (strcmp(bad, ENTRY_NO_BINARY) == 0)
        add_check(r, "manifest-container", KAP_MANIFEST_FAIL, ctr->line, ctr->col,
                  "give the container 'command: [kube-apiserver]' (the flags can stay in args)",
                  "the container has no command: its image's entrypoint, go-runner, reads the flags in args as its "
                  "own and finds no kube-apiserver to run (\"flag provided but not defined\"), so kube-apiserver never "
                  "starts");
    else
        add_check(r, "manifest-container", KAP_MANIFEST_PASS, ctr->line, ctr->col, NULL,
                  "container '%.*s' runs kube-apiserver", cname && cname->kind == JV_STRING ? (int)cname->len : 0,
                  cname && cname->kind == JV_STRING ? cname->s : "");
    if (bad[0] && strcmp(bad, ENTRY_NO_BINARY) != 0)
        add_check(r, "manifest-flags", KAP_MANIFEST_FAIL, ctr->line, ctr->col,
                  rfmt(r, "remove '%s' from go-runner's flags (those before the kube-apiserver binary)", bad),
                  "go-runner, which runs kube-apiserver here, does not know the flag '%s' (\"flag provided but not "
                  "defined\"): it exits before kube-apiserver starts",
                  bad);

    /* the arguments: command then args, from start (after the binary) */
    const jv *cmd = jget(ctr, "command"), *args = jget(ctr, "args");
    size_t n = 0;
    const jv *argv[2] = {cmd, args};
    for (int k = 0; k < 2; k++)
        if (argv[k] && argv[k]->kind == JV_ARRAY)
            n += argv[k]->n;
    const jv **list = arena_alloc(&c->a, (n ? n : 1) * sizeof *list); // NOLINT(bugprone-sizeof-expression): the elements are pointers
    c->flags = arena_alloc(&c->a, (n ? n : 1) * sizeof *c->flags);
    if (!list || !c->flags) {
        r->oom = 1;
        return -1;
    }
    size_t m = 0;
    int bad_type = 0;
    envvar *env = NULL;
    size_t nenv = container_env(&c->a, &c->r->oom, c->container, &env);
    for (int k = 0; k < 2; k++) {
        if (!argv[k] || argv[k]->kind == JV_NULL)
            continue;
        if (argv[k]->kind != JV_ARRAY) {
            add_check(r, "manifest-flags", KAP_MANIFEST_FAIL, argv[k]->line, argv[k]->col,
                      "write the flags as a list of strings", "%s is not a list", k ? "args" : "command");
            bad_type = 1;
            continue;
        }
        for (size_t i = 0; i < argv[k]->n; i++) {
            if (start) {
                start--;
                continue;
            }
            list[m++] = argv[k]->items[i];
        }
    }
    size_t problems = 0;
    for (size_t i = 0; i < m; i++) {
        const jv *v = list[i];
        KAP_ANALYZER_ASSUME(v != NULL); /* (an array's items are values, null included) */
        if (v->kind != JV_STRING || memchr(v->s, '\0', v->len)) {
            add_check(r, "manifest-flags", KAP_MANIFEST_FAIL, v->line, v->col, "quote the value so that it is a string",
                      "an argument is a %s, not a string", jv_kind_go_name(v->kind));
            problems++;
            continue;
        }
        const char *a = jstr_in(&c->a, v, &c->r->oom);
        if (!a) {
            r->oom = 1;
            return -1;
        }
        const char *ax = kubelet_expand(&c->a, &c->r->oom, a, env, nenv);
        a = ax ? ax : a;
        if (!a[0])
            continue; /* an empty argument: kube-apiserver's command refuses only arguments that are not empty */
        if (strcmp(a, "--") == 0) {
            size_t rest = i + 1;
            while (rest < m && list[rest] && list[rest]->kind == JV_STRING && list[rest]->len == 0)
                rest++;
            if (rest < m) {
                add_check(r, "manifest-flags", KAP_MANIFEST_FAIL, v->line, v->col,
                          "remove '--' and what follows it, or make them flags",
                          "'--' ends the flags: kube-apiserver takes no arguments and refuses to start");
                problems++;
            }
            break;
        }
        if (a[0] != '-' || a[1] == '\0') {
            add_check(r, "manifest-flags", KAP_MANIFEST_FAIL, v->line, v->col,
                      rfmt(r, "remove '%s', or write it as --name=value", a),
                      "'%s' is not a flag: kube-apiserver takes no arguments and refuses to start", a);
            problems++;
            continue;
        }
        flag *f = &c->flags[c->n_flags];
        f->line = v->line;
        f->col = v->col;
        if (a[1] != '-') {
            /* shorthand: kube-apiserver has -v (log verbosity) and -h */
            if (a[1] == 'v' || a[1] == 'h') {
                f->name = a[1] == 'v' ? "v" : "help";
                if (a[2] == '=')
                    f->value = a + 3;
                else if (a[2])
                    f->value = a + 2;
                else if (a[1] == 'h')
                    f->value = "true";
                else if (i + 1 < m && list[i + 1] && list[i + 1]->kind == JV_STRING)
                    f->value = jstr_in(&c->a, list[++i], &c->r->oom);
                else {
                    add_check(r, "manifest-flags", KAP_MANIFEST_FAIL, v->line, v->col, "give -v a value (-v=2)",
                              "flag needs an argument: 'v' in -v");
                    problems++;
                    continue;
                }
                if (!f->value)
                    return r->oom = 1, -1;
                c->n_flags++;
                continue;
            }
            add_check(r, "manifest-flags", KAP_MANIFEST_FAIL, v->line, v->col,
                      "write long flags with two dashes: --name=value",
                      "unknown shorthand flag '%c' in %s: kube-apiserver refuses to start", a[1], a);
            problems++;
            continue;
        }
        const char *name = a + 2;
        if (!*name || *name == '-' || *name == '=') {
            add_check(r, "manifest-flags", KAP_MANIFEST_FAIL, v->line, v->col, "write the flag as --name=value",
                      "bad flag syntax: %s", a);
            problems++;
            continue;
        }
        const char *eq = strchr(name, '=');
        /* kube-apiserver's flag names take "_" for "-" (component-base's
         * cli.Run sets cliflag.WordSepNormalizeFunc): --audit_log_path is
         * --audit-log-path */
        char *nn = arena_strndup(&c->a, name, eq ? (size_t)(eq - name) : strlen(name));
        if (!nn)
            return r->oom = 1, -1;
        for (char *u = nn; *u; u++)
            if (*u == '_')
                *u = '-';
        if (eq) {
            f->name = nn;
            f->value = eq + 1;
        } else if (IN(nn, bool_flags)) {
            f->name = nn;
            f->value = "true";
        } else if (i + 1 < m && list[i + 1] && list[i + 1]->kind == JV_STRING) {
            f->name = nn;
            f->value = jstr_in(&c->a, list[++i], &c->r->oom);
            const char *vx = f->value ? kubelet_expand(&c->a, &c->r->oom, f->value, env, nenv) : NULL;
            f->value = vx ? vx : f->value;
        } else {
            add_check(r, "manifest-flags", KAP_MANIFEST_FAIL, v->line, v->col,
                      rfmt(r, "give it a value: --%s=VALUE", name), "flag needs an argument: --%s", name);
            problems++;
            continue;
        }
        if (!f->name || !f->value)
            return r->oom = 1, -1;
        if (strncmp(f->name, "audit-", 6) == 0 && !IN(f->name, audit_flags)) {
            add_check(r, "manifest-flags", KAP_MANIFEST_FAIL, v->line, v->col,
                      rfmt(r, "did you mean --%s?", nearest_audit_flag(f->name)),
                      "unknown flag: --%s (kube-apiserver refuses to start)", f->name);
            problems++;
        }
        c->n_flags++;
    }
    if (!problems && !bad_type)
        add_check(r, "manifest-flags", KAP_MANIFEST_PASS, ctr->line, ctr->col, NULL,
                  "%zu flags, all well formed", c->n_flags);

    /* given twice */
    size_t dups = 0;
    for (size_t i = 0; i < c->n_flags; i++) {
        const flag *f = &c->flags[i];
        if (IN(f->name, repeatable_flags))
            continue;
        for (size_t j = 0; j < i; j++) {
            const flag *g = &c->flags[j];
            if (strcmp(f->name, g->name) != 0)
                continue;
            if (strcmp(f->value, g->value) == 0)
                add_check(r, "manifest-duplicate-flags", KAP_MANIFEST_WARN, f->line, f->col,
                          rfmt(r, "keep one --%s", f->name),
                          "--%s is given twice (lines %u and %u) with the same value", f->name, g->line, f->line);
            else
                add_check(r, "manifest-duplicate-flags", KAP_MANIFEST_FAIL, f->line, f->col,
                          rfmt(r, "keep one --%s, with the value you mean", f->name),
                          "--%s is given twice with different values: '%s' (line %u) and '%s' (line %u); "
                          "kube-apiserver uses the last",
                          f->name, g->value, g->line, f->value, f->line);
            dups++;
            break;
        }
    }
    if (!dups)
        add_check(r, "manifest-duplicate-flags", KAP_MANIFEST_PASS, ctr->line, ctr->col, NULL,
                  "no flag is given twice");
    return 0;
}

/* ---- the types kubelet decodes ------------------------------------------------------ */

/* kubelet decodes a static pod's YAML as JSON into the Pod type: one value of
 * the wrong JSON type anywhere (readOnly: "true", a number where a path
 * goes) and it refuses the whole file, so kube-apiserver does not start.
 * Checked for the fields check-manifest reads; null is allowed everywhere
 * (it decodes to the zero value). */
typedef struct fieldcheck {
    checker *c;
    size_t bad;
} fieldcheck;

static const char *kind_word(jv_kind k)
{
    switch (k) {
    case JV_STRING: return "a string";
    case JV_NUMBER: return "a number";
    case JV_BOOL: return "a boolean";
    case JV_ARRAY: return "a list";
    default: return "a mapping"; /* JV_OBJECT; null is never reported */
    }
}

/* Reports v when it is neither null nor of kind want. Returns 1 when v has
 * kind want (so its parts can be looked at). */
static int want_kind(fieldcheck *fc, const jv *v, jv_kind want, const char *path)
{
    if (!v || v->kind == JV_NULL)
        return 0;
    if (v->kind == want)
        return 1;
    const char *fix = want == JV_BOOL     ? "write true or false, without quotes"
                      : want == JV_STRING ? "quote the value so that it is a string"
                      : want == JV_ARRAY  ? "write a list (items starting with '- ')"
                                          : "write a mapping (name: value lines)";
    add_check(fc->c->r, "manifest-fields", KAP_MANIFEST_FAIL, v->line, v->col, fix,
              "%s is %s where kubelet expects %s: kubelet cannot decode the Pod and does not start it", path,
              kind_word(v->kind), kind_word(want));
    fc->bad++;
    return 0;
}

static void want_fields(fieldcheck *fc, const jv *obj, const char *path, const char *const *names, jv_kind want)
{
    char p[256];
    for (size_t i = 0; names[i]; i++) {
        snprintf(p, sizeof p, "%s.%s", path, names[i]);
        want_kind(fc, jget(obj, names[i]), want, p);
    }
}

static void check_fields(checker *c)
{
    static const char *const ctr_strings[] = {"name", "image", NULL};
    static const char *const env_strings[] = {"name", "value", NULL};
    static const char *const mount_strings[] = {"name",        "mountPath",        "subPath",
                                                "subPathExpr", "mountPropagation", "recursiveReadOnly",
                                                NULL};
    static const char *const mount_bools[] = {"readOnly", NULL};
    static const char *const vol_strings[] = {"name", NULL};
    static const char *const host_strings[] = {"path", "type", NULL};
    static const char *const meta_strings[] = {"name", "namespace", NULL};
    fieldcheck fc = {c, 0};
    char p[64], q[160];
    const jv *meta = jget(c->pod, "metadata");
    if (want_kind(&fc, meta, JV_OBJECT, "metadata"))
        want_fields(&fc, meta, "metadata", meta_strings, JV_STRING);
    const jv *spec = jget(c->pod, "spec");
    if (want_kind(&fc, spec, JV_OBJECT, "spec")) {
        /* the init containers too: kubelet decodes the whole pod */
        for (int l = 0; l < 2; l++) {
            const char *list = l ? "initContainers" : "containers";
            const jv *ctrs = jget(spec, list);
            snprintf(p, sizeof p, "spec.%s", list);
            if (!want_kind(&fc, ctrs, JV_ARRAY, p))
                continue;
            for (size_t i = 0; i < ctrs->n; i++) {
                const jv *ctr = ctrs->items[i];
                snprintf(p, sizeof p, "spec.%s[%zu]", list, i);
                if (!want_kind(&fc, ctr, JV_OBJECT, p))
                    continue;
                want_fields(&fc, ctr, p, ctr_strings, JV_STRING);
                /* env: the $(NAME) references of the arguments and of
                 * subPathExpr are read from it (a name YAML reads as a
                 * boolean, N, yes, off, fails here) */
                snprintf(q, sizeof q, "%s.env", p);
                const jv *env = jget(ctr, "env");
                if (want_kind(&fc, env, JV_ARRAY, q))
                    for (size_t j = 0; j < env->n; j++) {
                        snprintf(q, sizeof q, "%s.env[%zu]", p, j);
                        if (!want_kind(&fc, env->items[j], JV_OBJECT, q))
                            continue;
                        want_fields(&fc, env->items[j], q, env_strings, JV_STRING);
                        snprintf(q + strlen(q), sizeof q - strlen(q), ".valueFrom");
                        want_kind(&fc, jget(env->items[j], "valueFrom"), JV_OBJECT, q);
                    }
                snprintf(q, sizeof q, "%s.volumeMounts", p);
                const jv *mounts = jget(ctr, "volumeMounts");
                if (!want_kind(&fc, mounts, JV_ARRAY, q))
                    continue;
                for (size_t j = 0; j < mounts->n; j++) {
                    snprintf(q, sizeof q, "%s.volumeMounts[%zu]", p, j);
                    if (!want_kind(&fc, mounts->items[j], JV_OBJECT, q))
                        continue;
                    want_fields(&fc, mounts->items[j], q, mount_strings, JV_STRING);
                    want_fields(&fc, mounts->items[j], q, mount_bools, JV_BOOL);
                }
            }
        }
        const jv *vols = jget(spec, "volumes");
        if (want_kind(&fc, vols, JV_ARRAY, "spec.volumes"))
            for (size_t i = 0; i < vols->n; i++) {
                snprintf(p, sizeof p, "spec.volumes[%zu]", i);
                if (!want_kind(&fc, vols->items[i], JV_OBJECT, p))
                    continue;
                want_fields(&fc, vols->items[i], p, vol_strings, JV_STRING);
                snprintf(q, sizeof q, "%s.hostPath", p);
                const jv *hp = jget(vols->items[i], "hostPath");
                if (want_kind(&fc, hp, JV_OBJECT, q))
                    want_fields(&fc, hp, q, host_strings, JV_STRING);
            }
    }
    if (!fc.bad)
        add_check(c->r, "manifest-fields", KAP_MANIFEST_PASS, 0, 0, NULL,
                  "the Pod's metadata, containers, volumeMounts and volumes have the types kubelet expects");
}

/* ---- volumes and mounts ----------------------------------------------------------------- */

/* The container's env value of a variable given literally (value, no
 * valueFrom, no $( in it), or NULL. */
static const jv *env_literal(const checker *c, const char *name, size_t n)
{
    const jv *env = jget(c->container, "env"), *found = NULL;
    for (size_t i = 0; env && env->kind == JV_ARRAY && i < env->n; i++) {
        const jv *k = jget(env->items[i], "name");
        if (k && k->kind == JV_STRING && k->len == n && memcmp(k->s, name, n) == 0)
            found = env->items[i]; /* the last of one name wins */
    }
    const jv *v = jget(found, "value");
    if (!found || jget(found, "valueFrom") || (v && v->kind != JV_STRING) ||
        (v && v->len >= 2 && strstr(v->s, "$(")))
        return NULL;
    return v ? v : found; /* found: no value, an empty one */
}

/* A subPathExpr as kubelet expands it with the container's environment
 * (Kubernetes' expansion: $(NAME) is the variable's value, $$ a '$', a '$'
 * before anything else stays): into m->sub_path where every variable is a
 * literal env value of the container; else m->expr_var names the first
 * that is not (a valueFrom, a value that refers to others, or not in env:
 * kubelet's own, such as the service variables): its value is known only
 * on the node. A literal empty value, or "$()" (a name no env entry
 * can have), sets m->expr_empty (kubelet: "missing value for NAME"); the
 * first such variable is named then, even after one that is not known. */
static void expand_sub_path(checker *c, mount *m)
{
    kap_buf b = {0};
    const char *e = m->expr;
    for (size_t i = 0; e[i]; i++) {
        if (e[i] != '$' || !e[i + 1]) {
            buf_addc(&b, e[i]);
        } else if (e[i + 1] == '$') {
            buf_addc(&b, '$');
            i++;
        } else if (e[i + 1] == '(' && strchr(e + i + 2, ')')) {
            const char *name = e + i + 2, *end = strchr(name, ')');
            const jv *v = env_literal(c, name, (size_t)(end - name));
            if (!v || v->kind != JV_STRING || v->len == 0) {
                /* one kubelet has no value for stops the container, whatever
                 * the others hold: it goes before one known only on the node */
                int empty = v != NULL || end == name;
                if (!m->expr_var || (empty && !m->expr_empty)) {
                    m->expr_var = rfmt(c->r, "%.*s", (int)(end - name), name);
                    m->expr_empty = empty;
                }
            } else {
                buf_add(&b, v->s, v->len);
            }
            i = (size_t)(end - e);
        } else {
            buf_addc(&b, '$'); /* "$(" unclosed, "$x": as written */
        }
    }
    buf_cstr(&b);
    if (!m->expr_var)
        m->sub_path = b.s ? cdup(c, b.s) : (c->r->oom = 1, "");
    bfree(c, &b);
}

static int read_volumes(checker *c)
{
    const jv *vm = jget(c->container, "volumeMounts");
    const jv *vols = jget(jget(c->pod, "spec"), "volumes");
    size_t nm = vm && vm->kind == JV_ARRAY ? vm->n : 0, nv = vols && vols->kind == JV_ARRAY ? vols->n : 0;
    c->mounts = arena_alloc(&c->a, (nm + 1) * sizeof *c->mounts);
    c->vols = arena_alloc(&c->a, (nv + 1) * sizeof *c->vols);
    if (!c->mounts || !c->vols)
        return c->r->oom = 1, -1;
    for (size_t i = 0; i < nm; i++) {
        const jv *m = vm->items[i];
        const char *name = jstr_in(&c->a, jget(m, "name"), &c->r->oom), *path = jstr_in(&c->a, jget(m, "mountPath"), &c->r->oom);
        if (!name || !path)
            continue;
        mount *t = &c->mounts[c->n_mounts++];
        t->name = name;
        kap_buf b = {0};
        clean_path(&b, path, strlen(path));
        t->path = b.s ? cdup(c, b.s) : "/";
        bfree(c, &b);
        t->sub_path = jstr_in(&c->a, jget(m, "subPath"), &c->r->oom);
        t->expr = jstr_in(&c->a, jget(m, "subPathExpr"), &c->r->oom);
        t->expr_var = NULL;
        t->expr_empty = 0;
        if (t->expr && !t->expr[0])
            t->expr = NULL;
        if (t->expr && !(t->sub_path && t->sub_path[0])) /* (both: pod-valid) */
            expand_sub_path(c, t);
        t->read_only = jbool(jget(m, "readOnly"));
        t->line = m->line;
        t->col = m->col;
    }
    for (size_t i = 0; i < nv; i++) {
        const jv *v = vols->items[i];
        const char *name = jstr_in(&c->a, jget(v, "name"), &c->r->oom);
        if (!name)
            continue;
        volume *t = &c->vols[c->n_vols++];
        t->name = name;
        const jv *hp = jget(v, "hostPath");
        t->host_path = jstr_in(&c->a, jget(hp, "path"), &c->r->oom);
        t->type = jstr_in(&c->a, jget(hp, "type"), &c->r->oom);
        if (!t->type)
            t->type = "";
        const jv *ed = jget(v, "emptyDir");
        t->empty_dir = (ed && ed->kind != JV_NULL) || volume_sources(v) == 0;
        const jv *medium = jget(ed, "medium");
        t->in_memory = medium && medium->kind == JV_STRING && medium->len == 6 && memcmp(medium->s, "Memory", 6) == 0;
        t->line = v->line;
        t->col = v->col;
    }
    return 0;
}

/* What kubelet's validation of a static pod (ValidatePodCreate) refuses
 * in its volumes and the kube-apiserver container's mounts: the pod is
 * dropped, no kube-apiserver runs. Only FAILs: what passes is covered by
 * the other checks. */
/* Whether NAME-NODE is a DNS subdomain (IsDNS1123Subdomain) for some node
 * name, as kubelet names a static pod (generatePodName; the node's name is
 * lower-cased, the pod's is not). */
static int static_pod_name_ok(const char *s, size_t n)
{
    if (n > 251 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')) || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
            return 0;
        if (i > 0 && ((ch == '.' && (s[i - 1] == '.' || s[i - 1] == '-')) || (ch == '-' && s[i - 1] == '.')))
            return 0;
    }
    return 1;
}

/* Whether s (n bytes) has an element that is exactly "..", as kubelet's
 * validation splits a path at '/'. */
static int has_dotdot(const char *s, size_t n)
{
    for (size_t k = 0; k + 2 <= n; k++)
        if ((k == 0 || s[k - 1] == '/') && s[k] == '.' && s[k + 1] == '.' && (k + 2 == n || s[k + 2] == '/'))
            return 1;
    return 0;
}

/* A DNS-1123 label: 63 at most lower-case letters, digits and '-', a
 * letter or digit at each end. */
static int dns_label_ok(const char *s, size_t n)
{
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

/* fn for each mount of each container and init container (kubelet
 * validates the whole pod): list is "containers" or "initContainers", k
 * the container's index, i the mount's. */
typedef void (*mount_fn)(checker *c, const char *list, size_t k, size_t i, const jv *m);

static void each_mount(checker *c, mount_fn fn)
{
    static const char *const lists[] = {"containers", "initContainers", NULL};
    for (const char *const *l = lists; *l; l++) {
        const jv *cs = jget(jget(c->pod, "spec"), *l);
        for (size_t k = 0; cs && cs->kind == JV_ARRAY && k < cs->n; k++) {
            const jv *mts = jget(cs->items[k], "volumeMounts");
            for (size_t i = 0; mts && mts->kind == JV_ARRAY && i < mts->n; i++)
                fn(c, *l, k, i, mts->items[i]);
        }
    }
}

/* A mount's subPath and subPathExpr: one at most, relative, without '..'. */
static void sub_paths_valid(checker *c, const char *list, size_t k, size_t i, const jv *m)
{
    kap_manifest_report *r = c->r;
    static const char *const keys[] = {"subPath", "subPathExpr", NULL};
    const jv *sp = NULL;
    for (const char *const *key = keys; *key; key++) {
        const jv *p = jget(m, *key);
        if (!p || p->kind != JV_STRING || !p->len)
            continue;
        if (sp)
            add_check(r, "pod-valid", KAP_MANIFEST_FAIL, p->line, p->col, "keep one of subPath and subPathExpr",
                      "spec.%s[%zu].volumeMounts[%zu] has both subPath and subPathExpr (kubelet: \"subPathExpr and "
                      "subPath are mutually exclusive\"): kubelet refuses the pod",
                      list, k, i);
        sp = p;
        if (p->s[0] == '/' || has_dotdot(p->s, p->len))
            add_check(r, "pod-valid", KAP_MANIFEST_FAIL, p->line, p->col,
                      rfmt(r, "write the %s relative to the volume, without '..'", *key),
                      "the %s '%.*s' (spec.%s[%zu].volumeMounts[%zu]) is %s: kubelet refuses the pod", *key,
                      (int)p->len, p->s, list, k, i, p->s[0] == '/' ? "absolute" : "not below its volume ('..')");
    }
}

static void check_pod_valid(checker *c)
{
    kap_manifest_report *r = c->r;
    const jv *meta = jget(c->pod, "metadata"), *name = jget(meta, "name");
    if ((meta && meta->kind != JV_NULL && meta->kind != JV_OBJECT) ||
        (name && name->kind != JV_NULL && name->kind != JV_STRING))
        ; /* manifest-fields says so: kubelet cannot decode the pod */
    else if (!name || name->kind != JV_STRING || name->len == 0)
        add_check(r, "pod-valid", KAP_MANIFEST_FAIL, meta ? meta->line : 0, meta ? meta->col : 0,
                  "give the pod a name: metadata: {name: kube-apiserver}",
                  "the pod has no metadata.name (kubelet: \"invalid pod: name is needed for the pod\"): kubelet does "
                  "not run it");
    else if (!static_pod_name_ok(name->s, name->len))
        add_check(r, "pod-valid", KAP_MANIFEST_FAIL, name->line, name->col,
                  "name the pod in lower-case letters, digits and '-' (kubeadm: kube-apiserver)",
                  "the pod's name '%.*s' with kubelet's '-NODE' after it is no DNS subdomain (lower-case letters, "
                  "digits, '-' and '.', each part between dots starting and ending with a letter or digit, 253 "
                  "characters at most): kubelet refuses the pod",
                  (int)name->len, name->s);
    const jv *vols = jget(jget(c->pod, "spec"), "volumes");
    for (size_t i = 0; vols && vols->kind == JV_ARRAY && i < vols->n; i++) {
        const jv *v = vols->items[i], *n = jget(v, "name");
        for (size_t j = 0; n && n->kind == JV_STRING && j < i; j++) {
            const jv *o = jget(vols->items[j], "name");
            if (o && o->kind == JV_STRING && o->len == n->len && memcmp(o->s, n->s, n->len) == 0) {
                add_check(r, "pod-valid", KAP_MANIFEST_FAIL, v->line, v->col,
                          rfmt(r, "rename or remove one of the volumes named '%.*s'", (int)n->len, n->s),
                          "two volumes are named '%.*s' (spec.volumes[%zu] and [%zu]): kubelet refuses the pod",
                          (int)n->len, n->s, j, i);
                break;
            }
        }
        const jv *hp = jget(jget(v, "hostPath"), "path");
        if (hp && hp->kind == JV_STRING) {
            if (has_dotdot(hp->s, hp->len))
                add_check(r, "pod-valid", KAP_MANIFEST_FAIL, hp->line, hp->col,
                          "write the hostPath path without '..'",
                          "the hostPath path '%.*s' (spec.volumes[%zu]) contains '..': kubelet refuses the pod",
                          (int)hp->len, hp->s, i);
        }
    }
    /* volumes: a name that is a DNS label, one source at most (none is
     * emptyDir, kubelet's default) */
    for (size_t i = 0; vols && vols->kind == JV_ARRAY && i < vols->n; i++) {
        const jv *v = vols->items[i], *n = jget(v, "name");
        if (n && n->kind == JV_STRING && !dns_label_ok(n->s, n->len))
            add_check(r, "pod-valid", KAP_MANIFEST_FAIL, n->line, n->col,
                      "name the volume in lower-case letters, digits and '-' (63 at most, a letter or digit at each "
                      "end), here and in its volumeMounts",
                      "the volume name '%.*s' (spec.volumes[%zu]) is no DNS label: kubelet refuses the pod",
                      (int)n->len, n->s, i);
        size_t kinds = volume_sources(v);
        if (kinds > 1)
            add_check(r, "pod-valid", KAP_MANIFEST_FAIL, v->line, v->col,
                      "keep one source in the volume (hostPath for the policy and the log)",
                      "the volume spec.volumes[%zu] has %zu sources (kubelet: \"may not specify more than 1 volume "
                      "type\"): kubelet refuses the pod",
                      i, kinds);
    }
    /* every container's subPaths: relative, without '..' (kubelet
     * validates the whole pod) */
    each_mount(c, sub_paths_valid);
    const jv *vm = jget(c->container, "volumeMounts");
    for (size_t i = 0; vm && vm->kind == JV_ARRAY && i < vm->n; i++) {
        const jv *m = vm->items[i], *p = jget(m, "mountPath");
        for (size_t j = 0; p && p->kind == JV_STRING && j < i; j++) {
            const jv *o = jget(vm->items[j], "mountPath");
            if (o && o->kind == JV_STRING && o->len == p->len && memcmp(o->s, p->s, p->len) == 0) {
                add_check(r, "pod-valid", KAP_MANIFEST_FAIL, m->line, m->col,
                          rfmt(r, "keep one volumeMount at %.*s", (int)p->len, p->s),
                          "two volumeMounts have the mountPath %.*s (volumeMounts[%zu] and [%zu]): kubelet refuses "
                          "the pod",
                          (int)p->len, p->s, j, i);
                break;
            }
        }
    }
}

static int jv_str_is(const jv *v, const char *want);

/* recursiveReadOnly on a mount, as kubelet's validation of the pod takes
 * it: Disabled, or Enabled or IfPossible on a mount that is readOnly: true
 * and whose mountPropagation is None or unset. */
static void recursive_ro_valid(checker *c, const char *list, size_t k, size_t i, const jv *m)
{
    kap_manifest_report *r = c->r;
    const jv *rro = jget(m, "recursiveReadOnly");
    if (!rro || rro->kind != JV_STRING || jv_str_is(rro, "Disabled"))
        return; /* (unset; another type is manifest-fields') */
    if (!jv_str_is(rro, "Enabled") && !jv_str_is(rro, "IfPossible")) {
        add_check(r, "pod-valid", KAP_MANIFEST_FAIL, rro->line, rro->col,
                  "write recursiveReadOnly: Disabled, Enabled or IfPossible",
                  "spec.%s[%zu].volumeMounts[%zu].recursiveReadOnly is '%.*s', none of Disabled, Enabled and "
                  "IfPossible: kubelet refuses the pod",
                  list, k, i, (int)rro->len, rro->s);
        return;
    }
    const jv *ro = jget(m, "readOnly"), *mp = jget(m, "mountPropagation");
    if ((!ro || ro->kind == JV_NULL || ro->kind == JV_BOOL) && !jbool(ro))
        add_check(r, "pod-valid", KAP_MANIFEST_FAIL, rro->line, rro->col,
                  "make the mount readOnly: true, or remove recursiveReadOnly",
                  "spec.%s[%zu].volumeMounts[%zu] has recursiveReadOnly: %.*s on a writable mount (kubelet: \"may "
                  "only be specified when readOnly is true\"): kubelet refuses the pod",
                  list, k, i, (int)rro->len, rro->s);
    if (mp && mp->kind == JV_STRING && !jv_str_is(mp, "None"))
        add_check(r, "pod-valid", KAP_MANIFEST_FAIL, rro->line, rro->col,
                  "remove recursiveReadOnly, or the mount's mountPropagation",
                  "spec.%s[%zu].volumeMounts[%zu] has recursiveReadOnly: %.*s with mountPropagation: %.*s (it is "
                  "taken only with None or none given): kubelet refuses the pod",
                  list, k, i, (int)rro->len, rro->s, (int)mp->len, mp->s);
}

/* recursiveReadOnly from Kubernetes 1.30 (an older kubelet does not know
 * the field and drops it) */
static void check_recursive_ro(checker *c)
{
    if (c->r->kube_minor >= 30)
        each_mount(c, recursive_ro_valid);
}

static const volume *volume_named(const checker *c, const char *name)
{
    for (size_t i = 0; i < c->n_vols; i++)
        if (strcmp(c->vols[i].name, name) == 0)
            return &c->vols[i];
    return NULL;
}

/* Where a container path comes from on the host. */
typedef struct hostmap {
    const mount *m;  /* NULL: in the container's own filesystem */
    const volume *v; /* NULL: the mount names no volume */
    kap_buf host;    /* the host path (hostPath volumes) */
    kap_buf mount_host; /* the host path of the mount's root (the volume's path and subPath) */
    kap_buf vol_host;   /* the volume's own host path: what kubelet checks the hostPath type against */
} hostmap;

/* The mount whose mountPath is the longest prefix of path wins, as in the
 * container's mount table. */
static void map_path(const checker *c, const char *path, hostmap *h)
{
    memset(h, 0, sizeof *h);
    size_t best = 0;
    for (size_t i = 0; i < c->n_mounts; i++) {
        const mount *m = &c->mounts[i];
        size_t n = strlen(m->path);
        if (path_within(path, m->path) && (!h->m || n >= best)) {
            h->m = m;
            best = n;
        }
    }
    if (!h->m)
        return;
    h->v = volume_named(c, h->m->name);
    if (!h->v || !h->v->host_path || h->m->expr_var) /* (expr_var: no host path known here) */
        return;
    kap_buf raw = {0};
    buf_adds(&raw, h->v->host_path);
    buf_cstr(&raw);
    if (raw.s)
        clean_path(&h->vol_host, raw.s, raw.len);
    if (h->m->sub_path && h->m->sub_path[0]) {
        buf_addc(&raw, '/');
        buf_adds(&raw, h->m->sub_path);
    }
    buf_cstr(&raw);
    if (raw.s)
        clean_path(&h->mount_host, raw.s, raw.len);
    const char *rest = strcmp(h->m->path, "/") == 0 ? path : path + best;
    buf_adds(&raw, "/");
    buf_adds(&raw, rest);
    buf_cstr(&raw);
    if (raw.s)
        clean_path(&h->host, raw.s, raw.len);
    if (raw.oom)
        h->host.oom = 1;
    buf_free(&raw);
}

static void hostmap_free(checker *c, hostmap *h)
{
    bfree(c, &h->host);
    bfree(c, &h->mount_host);
    bfree(c, &h->vol_host);
}

/* Whether the container path p (clean, absolute) is a directory in the
 * container, for a path that goes on past it: 0, else the kernel's errno
 * (ENOTDIR, ENOENT, ELOOP). The root and a directory above a mountPath
 * are; a path on a hostPath mount, the mountPath itself included (a file
 * mounted is no directory), is looked up on the host (a missing one:
 * ENOENT, unless it is the mount's own, which kubelet creates or refuses);
 * one in the container's own file system (the image: kube-
 * apiserver's hold little more than the program) is taken to be missing;
 * on a mount of another kind, or one this reader cannot look at, it is
 * not known: 0. */
static int container_dir(checker *c, const char *p)
{
    if (strcmp(p, "/") == 0)
        return 0;
    for (size_t i = 0; i < c->n_mounts; i++)
        if (path_within(c->mounts[i].path, p) && strcmp(c->mounts[i].path, p) != 0)
            return 0;
    hostmap h;
    map_path(c, p, &h);
    int own = h.m && strcmp(h.m->path, p) == 0; /* the mount's own path: a file mounted, or a directory */
    int err = 0;
    if (!h.m) {
        err = ENOENT;
    } else if (h.v && h.v->host_path && !h.m->expr_var && h.host.s) {
        kap_buf res = {0};
        struct stat st = {0};
        err = noted(c, root_stat(&c->rt, h.host.s, &res, &st));
        if (!err && !S_ISDIR(st.st_mode))
            err = ENOTDIR;
        if ((err == ENOENT && own) || (err != ENOENT && err != ENOTDIR && err != ELOOP))
            err = 0;
        bfree(c, &res);
    }
    hostmap_free(c, &h);
    return err;
}

/* What kubelet's hostPath type check says about the host path (NULL: fine).
 * exists: 0 missing, else st describes it. */
static const char *hostpath_type_problem(const char *type, int exists, const struct stat *st)
{
    if (!type[0])
        return NULL;
    if (strcmp(type, "DirectoryOrCreate") == 0)
        return exists && !S_ISDIR(st->st_mode) ? "is not a directory (type DirectoryOrCreate)" : NULL;
    if (strcmp(type, "FileOrCreate") == 0)
        return exists && !S_ISREG(st->st_mode) ? "is not a file (type FileOrCreate)" : NULL;
    if (strcmp(type, "Directory") == 0)
        return !exists ? "does not exist (type Directory: kubelet does not create it and will not start the pod)"
               : !S_ISDIR(st->st_mode) ? "is not a directory (type Directory)"
                                       : NULL;
    if (strcmp(type, "File") == 0)
        return !exists ? "does not exist (type File: kubelet does not create it and will not start the pod)"
               : !S_ISREG(st->st_mode) ? "is not a regular file (type File)"
                                       : NULL;
    if (strcmp(type, "Socket") == 0)
        return !exists || !S_ISSOCK(st->st_mode) ? "is not a socket (type Socket)" : NULL;
    if (strcmp(type, "CharDevice") == 0)
        return !exists || !S_ISCHR(st->st_mode) ? "is not a character device (type CharDevice)" : NULL;
    if (strcmp(type, "BlockDevice") == 0)
        return !exists || !S_ISBLK(st->st_mode) ? "is not a block device (type BlockDevice)" : NULL;
    return "has an unknown hostPath type (kubelet refuses the pod)";
}

/* The container path cpath with the symlinks under directory mounts
 * followed as the kernel follows them inside the container: a link's
 * target is a container path (an absolute one from the container's root,
 * a relative one from the link's directory), which may leave the mount.
 * (A file mounted by itself is bind-mounted with its host symlinks
 * followed by kubelet: nothing to do there.) out gets the path; returns
 * the number of links followed (0: cpath as it was), or -1 for a loop. */
static int container_path(checker *c, const char *cpath, kap_buf *out)
{
    int links = 0;
    out->len = 0;
    buf_adds(out, cpath);
    buf_cstr(out);
    for (int changed = 1; changed && out->s && !out->oom;) {
        changed = 0;
        hostmap h;
        map_path(c, out->s, &h);
        if (!h.m || !h.v || !h.v->host_path || !h.mount_host.s || strcmp(h.m->path, out->s) == 0) {
            hostmap_free(c, &h);
            break;
        }
        kap_buf hp = {0};
        (void)noted(c, root_resolve(&c->rt, h.mount_host.s, &hp));
        const char *rest = strcmp(h.m->path, "/") == 0 ? out->s : out->s + strlen(h.m->path);
        size_t at = 0, rl = strlen(rest);
        while (at < rl && hp.s && !hp.oom) {
            while (at < rl && rest[at] == '/')
                at++;
            size_t st0 = at;
            while (at < rl && rest[at] != '/')
                at++;
            if (at == st0)
                break;
            if (hp.len == 1)
                hp.len = 0; /* the root: "/" + name */
            buf_addc(&hp, '/');
            buf_add(&hp, rest + st0, at - st0);
            buf_cstr(&hp);
            struct stat st;
            if (!hp.s || fstatat(c->rt.fd, hp.s[1] ? hp.s + 1 : ".", &st, AT_SYMLINK_NOFOLLOW) != 0)
                break;
            if (!S_ISLNK(st.st_mode))
                continue;
            char link[PATH_MAX];
            ssize_t m = readlinkat(c->rt.fd, hp.s + 1, link, sizeof link - 1);
            if (m <= 0 || ++links > MAX_LINKS) {
                links = m <= 0 ? links : -1;
                break;
            }
            kap_buf np = {0};
            if (link[0] != '/') {
                /* the link's directory in the container */
                buf_add(&np, out->s, (size_t)(rest - out->s) + st0);
            }
            buf_addc(&np, '/');
            buf_add(&np, link, (size_t)m);
            buf_add(&np, rest + at, rl - at);
            buf_cstr(&np);
            if (np.s)
                clean_path(out, np.s, np.len);
            if (np.oom)
                out->oom = 1;
            buf_free(&np);
            changed = 1;
            break;
        }
        bfree(c, &hp);
        hostmap_free(c, &h);
        if (links < 0)
            break;
    }
    if (out->oom)
        c->r->oom = 1;
    return links;
}

/* cp (the path flag f gives) with the symlinks under directory mounts
 * followed in the container (container_path). When they lead off every
 * hostPath mount, or round a loop, a FAIL of check id; returns 1 then. */
static int follow_in_container(checker *c, const char *id, const flag *f, kap_buf *cp)
{
    kap_manifest_report *r = c->r;
    if (!cp->s || cp->oom)
        return 0;
    kap_buf lp = {0};
    int links = container_path(c, cp->s, &lp);
    hostmap lh;
    memset(&lh, 0, sizeof lh);
    if (links > 0 && lp.s)
        map_path(c, lp.s, &lh);
    int bad = links < 0 || (links > 0 && lp.s && (!lh.m || !lh.v || !lh.v->host_path));
    if (bad && links > 0 && strcmp(id, "log-mount") == 0)
        /* kube-apiserver opens the log with O_CREATE at start-up: where
         * the link's directory is missing it stops; where not, the log is
         * written inside the container */
        add_check(r, id, KAP_MANIFEST_FAIL, f->line, f->col,
                  rfmt(r, "point the symlink at a path the container has mounted (a relative target within the "
                          "mount), or mount %s's directory from a writable hostPath volume",
                       lp.s),
                  "%s (--%s) is a symlink, in the container, to %s, which is not on a hostPath volumeMount: "
                  "kube-apiserver stops at start-up or writes the log inside the container, lost when it restarts",
                  cp->s, f->name, lp.s);
    else if (bad)
        add_check(r, id, KAP_MANIFEST_FAIL, f->line, f->col,
                  links < 0 ? "give the file a path without a loop of symlinks"
                            : rfmt(r, "point the symlink at a path the container has mounted (a relative target "
                                      "within the mount), or mount %s",
                                   lp.s),
                  links < 0 ? "%s (--%s) goes round a loop of symlinks in the container"
                            : "%s (--%s) is a symlink, in the container, to %s, which is not on a hostPath "
                              "volumeMount: kube-apiserver cannot open it and stops at start-up",
                  cp->s, f->name, lp.s ? lp.s : "");
    else if (links > 0 && lp.s) {
        cp->len = 0;
        buf_adds(cp, lp.s);
        buf_cstr(cp);
    }
    hostmap_free(c, &lh);
    bfree(c, &lp);
    return bad;
}

int log_dir_others(const rootfs *rt, const char *dir, const char *log, kap_buf *other)
{
    const char *b = strrchr(log, '/') ? strrchr(log, '/') + 1 : log, *dot = strrchr(b, '.');
    size_t stem = dot && dot > b ? (size_t)(dot - b) : strlen(b);
    kap_arena a = {0};
    char **names = NULL;
    size_t n = 0;
    int err = root_list(rt, dir, "", &a, &names, &n);
    if (err == ENOENT)
        err = 0;
    for (size_t i = 0; !err && i < n; i++)
        if (strncmp(names[i], b, stem) != 0) {
            err = EEXIST;
            if (other)
                buf_printf(other, "%s", names[i]);
        }
    kap_free(names);
    arena_free(&a);
    return err;
}

/* Whether the host directory dir, not the host's root, is the log's own
 * (log_dir_others); one that cannot be listed is not. */
static int logs_own_dir(checker *c, const char *dir, const char *log)
{
    if (strcmp(dir, "/") == 0)
        return 0;
    int err = log_dir_others(&c->rt, dir, log, NULL);
    if (err && err != EEXIST)
        noted(c, err);
    return err == 0;
}

/* base, or base-2, base-3... : a name no volume of the pod has. */
static const char *free_volume_name(checker *c, const char *base)
{
    for (unsigned k = 1;; k++) {
        const char *name = k == 1 ? base : rfmt(c->r, "%s-%u", base, k);
        size_t i = 0;
        while (i < c->n_vols && strcmp(c->vols[i].name, name) != 0)
            i++;
        if (i == c->n_vols) /* (one of the first n_vols + 1 names is free) */
            return name;
    }
}

/* What the kernel says of flag f's path when flag_path() found err at
 * bad: the text of a FAIL, and in *fix the change (cp: the path cleaned). */
static const char *walk_refusal(checker *c, const flag *f, int err, const char *bad, const char *cp,
                                const char **fix)
{
    int mounted = 0;
    for (size_t i = 0; i < c->n_mounts; i++)
        mounted |= path_within(bad, c->mounts[i].path);
    *fix = rfmt(c->r, "write the path without '.' or '..' and without a '/' at the end: --%s=%s", f->name, cp);
    return rfmt(c->r,
                "--%s=%s goes on ('/', '.' or '..') past %s, which %s: the kernel refuses the path (\"%s\") and "
                "kube-apiserver stops at start-up",
                f->name, f->value, bad,
                err == ENOTDIR ? "is not a directory"
                : err == ELOOP ? "is a loop of symlinks"
                : mounted      ? "does not exist"
                               : "is on no volumeMount (the image's own file system: kube-apiserver's images have no "
                                 "such directory)",
                strerror(err));
}

/* flag_path() of flag f into cp; where the kernel refuses the path as
 * written, a FAIL of check id (walk_refusal's), cp freed, and 1. */
static int flag_path_or_fail(checker *c, const char *id, const flag *f, kap_buf *cp)
{
    kap_buf bad = {0};
    int werr = flag_path(c, cp, f->value, &bad);
    if (werr && bad.s && cp->s) {
        const char *wfix = NULL, *wbad = walk_refusal(c, f, werr, bad.s, cp->s, &wfix);
        add_check(c->r, id, KAP_MANIFEST_FAIL, f->line, f->col, wfix, "%s", wbad);
        bfree(c, &bad);
        bfree(c, cp);
        return 1;
    }
    bfree(c, &bad);
    return 0;
}

/* A file given by a flag: mounted from a hostPath volume (check id_mount).
 * Returns 0 with h filled when the host path is known. */
static int check_mounted(checker *c, const char *id_mount, const flag *f, const char *cpath, hostmap *h,
                         const char *vol_name, const char *type_hint, int read_only)
{
    kap_manifest_report *r = c->r;
    map_path(c, cpath, h);
    vol_name = free_volume_name(c, vol_name);
    const char *fix = rfmt(r,
                           "add to the container's volumeMounts: {name: %s, mountPath: %s%s} and to the pod's "
                           "volumes: {name: %s, hostPath: {path: %s, type: %s}}",
                           vol_name, cpath, read_only ? ", readOnly: true" : "", vol_name, cpath, type_hint);
    int log = strcmp(id_mount, "log-mount") == 0;
    if (!h->m && log && path_within(cpath, c->manifest_dir))
        /* a writable mount there would let kube-apiserver write static pods */
        fix = rfmt(r, "write the log outside the manifests directory, e.g. --audit-log-path=%s, its directory "
                      "mounted from a writable hostPath volume",
                   KAP_MANIFEST_DEFAULT_LOG_PATH);
    /* a relative path (from kube-apiserver's working directory): a mount
     * of its directory is no fix, least of all a writable one of the
     * host's / (--fix, too, takes absolute paths only) */
    const char *why = "";
    if (!h->m && f->value[0] != '/') {
        const jv *wd = jget(c->container, "workingDir");
        int quoted = strchr(f->value, '"') || strchr(f->value, '\'');
        why = rfmt(r, "; the path is relative: kube-apiserver opens it from its working directory (%s)",
                   wd && wd->kind == JV_STRING && wd->len ? "workingDir" : "/, as workingDir is not set");
        if (f->value[0] == '-')
            why = rfmt(r, "%s; the value looks like a flag: --%s was given no value, and kube-apiserver's flag "
                          "parser took the next argument for it",
                       why, f->name);
        const char *eg = log ? KAP_MANIFEST_DEFAULT_LOG_PATH
                         : strcmp(id_mount, "policy-mount") == 0 ? KAP_MANIFEST_DEFAULT_POLICY_FILE
                                                                  : "/etc/kubernetes/audit-webhook.yaml";
        if (quoted) {
            why = rfmt(r, "%s; its quotes are part of the path: kubelet starts kube-apiserver without a shell, "
                          "which would have removed them",
                       why);
            kap_buf bare = {0}; /* the value without its quotes */
            for (const char *q = f->value; *q; q++)
                if (*q != '"' && *q != '\'')
                    buf_addc(&bare, *q);
            buf_cstr(&bare);
            if (bare.s && bare.s[0] == '/')
                eg = rfmt(r, "%s", bare.s);
            bfree(c, &bare);
        }
        fix = rfmt(r, "give --%s an absolute path%s, e.g. --%s=%s, and mount %s from a %s hostPath volume",
                   f->name, quoted ? " without quotes" : f->value[0] == '-' ? " as its value" : "", f->name, eg,
                   log ? "its directory" : "it", log ? "writable" : "read-only");
    } else if (!h->m && log && strcmp(cpath, "/") == 0) {
        /* a writable mount of the host's / is no fix */
        fix = rfmt(r, "give the log a directory of its own, e.g. --audit-log-path=%s, mounted from a writable "
                      "hostPath volume",
                   KAP_MANIFEST_DEFAULT_LOG_PATH);
    }
    if (!h->m) {
        add_check(r, id_mount, KAP_MANIFEST_FAIL, f->line, f->col, fix,
                  "%s%s (--%s=%s) is not under any volumeMount: kube-apiserver sees the container's own filesystem, "
                  "not the host's%s",
                  log ? "the log's directory " : "", cpath, f->name, f->value, why);
        return -1;
    }
    if (!h->v) {
        add_check(r, id_mount, KAP_MANIFEST_FAIL, h->m->line, h->m->col,
                  rfmt(r, "add a volume named '%s' to the pod's volumes (hostPath)", h->m->name),
                  "%s is mounted at %s from volume '%s', which spec.volumes does not define", cpath, h->m->path,
                  h->m->name);
        return -1;
    }
    if (h->m->expr_var) {
        if (h->m->expr_empty && !h->m->expr_var[0])
            add_check(r, id_mount, KAP_MANIFEST_FAIL, h->m->line, h->m->col,
                      rfmt(r, "write volumeMount '%s''s subPathExpr without $() (or as $$() for the text $())",
                           h->m->name),
                      "the subPathExpr '%s' of volumeMount '%s' uses $(), which names no variable (kubelet: "
                      "\"missing value for \"): the container does not start",
                      h->m->expr, h->m->name);
        else if (h->m->expr_empty)
            add_check(r, id_mount, KAP_MANIFEST_FAIL, h->m->line, h->m->col,
                      rfmt(r, "give the container's env variable %s a value", h->m->expr_var),
                      "the subPathExpr '%s' of volumeMount '%s' uses $(%s), whose value in the container's env is "
                      "empty (kubelet: \"missing value for %s\"): the container does not start",
                      h->m->expr, h->m->name, h->m->expr_var, h->m->expr_var);
        else
            add_check(r, id_mount, KAP_MANIFEST_WARN, h->m->line, h->m->col,
                      rfmt(r, "check on the node that %s is where volumeMount '%s' puts it, or give %s a literal "
                              "value in the container's env",
                           cpath, h->m->name, h->m->expr_var),
                      "%s is mounted at %s with the subPathExpr '%s', whose $(%s) is no literal value of the "
                      "container's env (a valueFrom, or kubelet's own): its host path is known only on the node, "
                      "not checked",
                      cpath, h->m->path, h->m->expr, h->m->expr_var);
        return -1;
    }
    if (h->m->expr && h->m->sub_path && h->m->sub_path[0] &&
        (h->m->sub_path[0] == '/' || has_dotdot(h->m->sub_path, strlen(h->m->sub_path)))) {
        add_check(r, id_mount, KAP_MANIFEST_FAIL, h->m->line, h->m->col,
                  rfmt(r, "make volumeMount '%s''s subPathExpr expand to a relative path without '..'", h->m->name),
                  "the subPathExpr '%s' of volumeMount '%s' expands to '%s', which is %s: kubelet does not start the "
                  "container",
                  h->m->expr, h->m->name, h->m->sub_path,
                  h->m->sub_path[0] == '/' ? "absolute" : "not below its volume ('..')");
        return -1;
    }
    if (h->m->sub_path && (h->m->sub_path[0] == '/' || strcmp(h->m->sub_path, "..") == 0 ||
                           strncmp(h->m->sub_path, "../", 3) == 0 || strstr(h->m->sub_path, "/../") ||
                           (strlen(h->m->sub_path) >= 3 &&
                            strcmp(h->m->sub_path + strlen(h->m->sub_path) - 3, "/..") == 0))) {
        add_check(r, id_mount, KAP_MANIFEST_FAIL, h->m->line, h->m->col,
                  rfmt(r, "give volumeMount '%s' a relative subPath without '..'", h->m->name),
                  "the subPath '%s' of volumeMount '%s' is absolute or contains '..': the pod is refused",
                  h->m->sub_path, h->m->name);
        return -1;
    }
    if (!h->v->host_path && log && h->v->empty_dir && !h->m->read_only) {
        /* kube-apiserver writes the log, but in the pod's scratch space */
        add_check(r, id_mount, KAP_MANIFEST_WARN, h->v->line, h->v->col,
                  rfmt(r, "make volume '%s' a hostPath volume (a directory on the host, type DirectoryOrCreate)",
                       h->v->name),
                  "%s is mounted at %s from volume '%s', an emptyDir: kube-apiserver writes the log there, but not "
                  "on the host, and kubelet deletes it with the pod; only another container of the pod (a log "
                  "shipper) can read it%s",
                  cpath, h->m->path, h->v->name,
                  h->v->in_memory ? "; and it is held in memory (medium: Memory): the log and its rotated copies "
                                    "count against the pod's memory"
                                  : "");
        return -1;
    }
    if (!h->v->host_path) {
        add_check(r, id_mount, KAP_MANIFEST_FAIL, h->v->line, h->v->col,
                  rfmt(r, "make volume '%s' a hostPath volume", h->v->name),
                  "%s is mounted at %s from volume '%s', which is not a hostPath volume", cpath, h->m->path,
                  h->v->name);
        return -1;
    }
    if (!h->host.s || !h->vol_host.s)
        return r->oom = 1, -1;
    return 0;
}

/* ---- check 2: the policy --------------------------------------------------------------- */

unsigned manifest_minor_from_image(const char *image)
{
    char name[256] = "", tag[128] = "";
    image_parts(image, name, sizeof name, tag, sizeof tag);
    const char *t = tag;
    if (*t == 'v')
        t++;
    if (strncmp(t, "1.", 2) != 0)
        return 0;
    t += 2;
    unsigned long v = 0;
    int digits = 0;
    while (*t >= '0' && *t <= '9' && digits < 4)
        v = v * 10 + (unsigned long)(*t++ - '0'), digits++;
    return digits && (*t == '.' || *t == '\0' || *t == '-' || *t == '+') ? (unsigned)v : 0;
}

static void check_policy(checker *c, const char **policy_host)
{
    kap_manifest_report *r = c->r;
    const flag *f = flag_get(c, "audit-policy-file");
    *policy_host = NULL;
    if (!f || !f->value[0]) {
        add_check(r, "policy-flag", KAP_MANIFEST_FAIL, c->container->line, c->container->col,
                  "add --audit-policy-file=/etc/kubernetes/audit-policy.yaml to the kube-apiserver command",
                  f ? "--audit-policy-file is empty: kube-apiserver writes no audit events"
                    : "--audit-policy-file is not set: kube-apiserver writes no audit events");
        return;
    }
    add_check(r, "policy-flag", KAP_MANIFEST_PASS, f->line, f->col, NULL, "--audit-policy-file=%s", f->value);
    kap_buf cp = {0}, bad = {0};
    int werr = flag_path(c, &cp, f->value, &bad);
    const char *wfix = NULL, *wbad = werr && bad.s ? walk_refusal(c, f, werr, bad.s, cp.s ? cp.s : "", &wfix) : NULL;
    bfree(c, &bad);
    if (follow_in_container(c, "policy-mount", f, &cp)) {
        bfree(c, &cp);
        return;
    }
    hostmap h;
    if (!cp.s || check_mounted(c, "policy-mount", f, cp.s, &h, "audit-policy", "File", 1)) {
        if (cp.s)
            hostmap_free(c, &h);
        bfree(c, &cp);
        return;
    }
    add_check(r, "policy-mount", KAP_MANIFEST_PASS, h.m->line, h.m->col, NULL,
              "%s is mounted from the host's %s (volume '%s')", cp.s, h.host.s, h.v->name);
    /* the mount that also holds the log must stay writable */
    const flag *lf = flag_get(c, "audit-log-path");
    int holds_log = 0;
    if (!h.m->read_only && lf && lf->value[0] == '/') {
        kap_buf lp = {0};
        clean_path(&lp, lf->value, strlen(lf->value));
        hostmap lh;
        if (lp.s) {
            map_path(c, lp.s, &lh);
            holds_log = lh.m == h.m;
            hostmap_free(c, &lh);
        }
        bfree(c, &lp);
    }
    if (h.m->read_only)
        add_check(r, "policy-mount-readonly", KAP_MANIFEST_PASS, h.m->line, h.m->col, NULL,
                  "the policy's mount is read-only");
    else if (holds_log)
        add_check(r, "policy-mount-readonly", KAP_MANIFEST_PASS, h.m->line, h.m->col, NULL,
                  "the policy's mount (%s) is writable, as it must be: the log (%s) is written there too", h.m->path,
                  lf->value);
    else if (strcmp(h.m->path, cp.s) == 0)
        add_check(r, "policy-mount-readonly", KAP_MANIFEST_WARN, h.m->line, h.m->col,
                  rfmt(r, "add 'readOnly: true' to the volumeMount '%s' (mountPath %s)", h.m->name, h.m->path),
                  "the policy's mount (%s) is writable: kube-apiserver only reads it", h.m->path);
    else {
        /* a directory's mount: kube-apiserver may write other files there */
        const char *n = free_volume_name(c, "audit-policy");
        add_check(r, "policy-mount-readonly", KAP_MANIFEST_WARN, h.m->line, h.m->col,
                  rfmt(r,
                       "mount the policy by itself, read-only: add to the container's volumeMounts: {name: %s, "
                       "mountPath: %s, readOnly: true} and to the pod's volumes: {name: %s, hostPath: {path: %s, "
                       "type: File}}; or add 'readOnly: true' to the volumeMount '%s' if kube-apiserver writes "
                       "nothing under %s",
                       n, cp.s, n, h.host.s, h.m->name, h.m->path),
                  "the policy's mount (%s) is writable: kube-apiserver only reads the policy", h.m->path);
    }
    if (wbad) {
        /* the file itself is there, but not at the path as written */
        add_check(r, "policy-file", KAP_MANIFEST_FAIL, f->line, f->col, wfix, "%s", wbad);
        hostmap_free(c, &h);
        bfree(c, &cp);
        return;
    }
    *policy_host = cdup(c, h.host.s);

    /* the host file */
    kap_buf res = {0}, disp = {0};
    char *data = NULL;
    size_t len = 0;
    int err = noted(c, root_read(&c->rt, h.host.s, KAP_DEFAULT_MAX_FILE_SIZE, &res, &data, &len));
    /* kubelet checks the hostPath type against the volume's own path: the
     * policy itself where the volume is the file, else the directory it
     * is in (or a subPath's parent) */
    const char *tp = NULL;
    if (h.v->type[0]) {
        struct stat st = {0};
        kap_buf vres = {0};
        int verr = noted(c, root_stat(&c->rt, h.vol_host.s, &vres, &st));
        bfree(c, &vres);
        tp = hostpath_type_problem(h.v->type, verr == 0, &st);
    }
    if (tp && strcmp(h.vol_host.s, h.host.s) != 0) {
        int dir_type = strncmp(h.v->type, "Directory", 9) == 0;
        add_check(r, "policy-file", KAP_MANIFEST_FAIL, h.v->line, h.v->col,
                  dir_type ? rfmt(r, "create the directory %s on the host and write the policy to %s", h.vol_host.s,
                                  h.host.s)
                           : rfmt(r, "give volume '%s' type Directory: it holds the policy at %s", h.v->name,
                                  h.host.s),
                  "volume '%s', which holds the policy (%s), has the host path %s, which %s", h.v->name, h.host.s,
                  h.vol_host.s, tp);
        goto done;
    }
    if (!tp && (err == EACCES || err == EPERM)) {
        /* this checker's permissions, not kube-apiserver's: kubelet
         * mounts it and kube-apiserver reads it as root (a non-root
         * kube-apiserver's own access is checked where it can be read) */
        add_check(r, "policy-file", KAP_MANIFEST_WARN, h.v->line, h.v->col,
                  unread_fix(c, h.host.s, err, "kube-apiserver"),
                  "the policy file on the host, %s, could not be read by this checker (%s): it is not checked",
                  h.host.s, strerror(err));
        goto done;
    }
    if (err || tp) {
        int linked = res.s && res.len && strcmp(res.s, h.host.s) != 0;
        const char *why = err && err != ENOENT ? (err == EISDIR    ? "is a directory"
                                                 : err == EINVAL  ? "is not a regular file"
                                                 : err == EFBIG   ? "is larger than 64 MiB"
                                                 : err == ENOTDIR ? "cannot be there: a path above it is a file"
                                                                  : strerror(err))
                          : tp ? tp
                               : "does not exist";
        add_check(r, "policy-file", KAP_MANIFEST_FAIL, h.v->line, h.v->col,
                  !err && tp ? rfmt(r, "give volume '%s' the type File (or none): the policy %s is a file", h.v->name,
                                    h.host.s)
                             : rfmt(r, "write the policy to %s on the host (then kap lint it)", h.host.s),
                  "the policy file on the host, %s%s%s%s, %s", h.host.s, linked ? " (resolved in the root: " : "",
                  linked ? res.s : "", linked ? ")" : "", why);
        goto done;
    }
    add_check(r, "policy-file", KAP_MANIFEST_PASS, h.v->line, h.v->col, NULL,
              "the policy file %s is a regular file (%zu bytes)", h.host.s, len);
    if (!run_as_dirs(c, "policy-file", h.v, h.mount_host.s ? h.mount_host.s : "/", h.host.s,
                     "reach the policy through the directory"))
        check_run_as(c, "policy-file", h.v, h.host.s, 4, "read the policy");

    /* it loads */
    kap_options lo;
    kap_options_init(&lo);
    lo.kube_minor = r->kube_minor;
    host_display(&c->rt, &disp, res.s ? res.s : h.host.s);
    r->policy_file = disp.s ? rstr(r, disp.s) : NULL;
    kap_policy *p = NULL;
    int rc = kap_policy_load_buffer(&p, data, len, r->policy_file, &lo, &r->policy_diags);
    kap_policy_free(p);
    if (rc == KAP_ENOMEM || !r->policy_diags) {
        r->oom = 1;
    } else if (rc != KAP_OK) {
        const char *e = kap_diagnostics_error_text(r->policy_diags);
        add_check(r, "policy-loads", KAP_MANIFEST_FAIL, 0, 0,
                  rfmt(r, "correct the policy (kap lint %s shows each problem with its line)", r->policy_file),
                  "the policy does not load under Kubernetes 1.%u: kube-apiserver would refuse to start: %s",
                  r->kube_minor, e ? e : kap_status_name(rc));
    } else if (kap_diagnostics_warning_text(r->policy_diags)) {
        add_check(r, "policy-loads", KAP_MANIFEST_WARN, 0, 0,
                  rfmt(r, "correct the policy (kap lint %s)", r->policy_file),
                  "the policy loads under Kubernetes 1.%u with a warning: %s", r->kube_minor,
                  kap_diagnostics_warning_text(r->policy_diags));
    } else {
        add_check(r, "policy-loads", KAP_MANIFEST_PASS, 0, 0, NULL, "the policy loads under Kubernetes 1.%u",
                  r->kube_minor);
    }
done:
    kap_free(data);
    bfree(c, &res);
    bfree(c, &disp);
    hostmap_free(c, &h);
    bfree(c, &cp);
}

/* ---- check 3: the log backend ----------------------------------------------------------- */

/* Host paths of the log directory (or file) for check 7. */
typedef struct logpaths {
    const char *container_dir;
    const char *host_dir; /* NULL when unknown */
    const char *mount_host; /* the host path of the log's mount when it is writable, else NULL */
} logpaths;

/* A number of the manifest written as an integer, into *out: 1, else 0. */
static int jv_int(const jv *v, long long *out)
{
    char b[32];
    if (!v || v->kind != JV_NUMBER || v->len == 0 || v->len >= sizeof b)
        return 0;
    memcpy(b, v->s, v->len);
    b[v->len] = '\0';
    return parse_go_int(b, out) == 0;
}

/* The user kube-apiserver's container runs as: securityContext.runAsUser
 * of the container, else of the pod (-1: not set, root by default), its
 * group likewise (-1: not set: the image's, unknown here). */
static void run_as(const checker *c, long long *uid, long long *gid)
{
    const jv *ps = jget(jget(c->pod, "spec"), "securityContext"), *cs = jget(c->container, "securityContext");
    const char *keys[2] = {"runAsUser", "runAsGroup"};
    long long *out[2] = {uid, gid};
    for (int k = 0; k < 2; k++) {
        long long x;
        if (!jv_int(jget(cs, keys[k]), &x) && !jv_int(jget(ps, keys[k]), &x))
            x = -1;
        *out[k] = x >= 0 && x < 4294967296LL ? x : -1;
    }
}

/* When kube-apiserver runs as a user other than root (runAsUser) that the
 * host path's owner, group and mode do not let do what (bits: 4 read, 2
 * write, 1 search), a FAIL of check id; returns 1 then. Its group counts
 * when runAsGroup or the pod's supplementalGroups give it; without
 * runAsGroup the group is the image's, and the group bits are given the
 * benefit of the doubt. The directories above the path: run_as_dirs. */
static int check_run_as(checker *c, const char *id, const volume *v, const char *host, unsigned want,
                        const char *what)
{
    long long uid = -1, gid = -1;
    run_as(c, &uid, &gid);
    if (uid <= 0)
        return 0;
    kap_buf res = {0};
    struct stat st = {0};
    int err = noted(c, root_stat(&c->rt, host, &res, &st));
    bfree(c, &res);
    if (err)
        return 0;
    unsigned mode = (unsigned)st.st_mode & 07777u;
    /* the kernel's classes: the owner's bits for the owner, else the
     * group's for a member of the file's group, else the others'; a group
     * not known here (no runAsGroup) may be either of the last two */
    int in_group = (long long)st.st_gid == gid;
    const jv *sg = jget(jget(jget(c->pod, "spec"), "securityContext"), "supplementalGroups");
    long long g;
    for (size_t i = 0; sg && sg->kind == JV_ARRAY && i < sg->n; i++)
        in_group |= jv_int(sg->items[i], &g) && g == (long long)st.st_gid;
    unsigned bits = (long long)st.st_uid == uid ? mode >> 6
                    : in_group                 ? mode >> 3
                    : gid < 0                  ? (mode >> 3) | mode
                                               : mode;
    if ((bits & want) == want)
        return 0;
    kap_manifest_report *r = c->r;
    add_check(r, id, KAP_MANIFEST_FAIL, v->line, v->col,
              rfmt(r, "let uid %lld %s %s on the host (chown %lld, or chmod it), or run kube-apiserver as root", uid,
                   want & 2 ? "write to" : want & 4 ? "read" : "search", host, uid),
              "kube-apiserver runs as uid %lld (securityContext.runAsUser) and cannot %s %s (owner %lld, group %lld, "
              "mode %04o): it stops at start-up",
              uid, what, host, (long long)st.st_uid, (long long)st.st_gid, mode);
    return 1;
}

/* The directories on the host from the mount's own, mh, down to the one
 * holding host (below it), those that are there: a non-root kube-apiserver
 * (check_run_as) must search each to reach host, else a FAIL of check id;
 * returns 1 then. (The container's own directories above the mount point
 * are the image's, not looked at.) */
static int run_as_dirs(checker *c, const char *id, const volume *v, const char *mh, const char *host,
                       const char *what)
{
    if (!path_within(host, mh) || strcmp(host, mh) == 0)
        return 0;
    size_t ml = strcmp(mh, "/") == 0 ? 0 : strlen(mh);
    kap_buf d = {0};
    int rc = 0;
    for (size_t i = ml; !rc && host[i]; i++) {
        if (host[i] != '/')
            continue;
        d.len = 0;
        buf_add(&d, host, i ? i : 1);
        buf_cstr(&d);
        if (d.s)
            rc = check_run_as(c, id, v, d.s, 1, what);
    }
    bfree(c, &d);
    return rc;
}

/* What kube-apiserver run as another user than root does with the log at
 * start-up (ensureLogFile): it makes the file's directory (MkdirAll) and
 * opens the file to read and append, creating it. So: the file, when it is
 * there, readable and writable; else the deepest of its directories that
 * is there (the mount's own, mh, at the highest) writable and searchable,
 * in which the missing ones are made. A FAIL (log-dir) returns 1. */
static int log_run_as(checker *c, const volume *v, const char *file, const char *mh)
{
    kap_buf res = {0}, dir = {0};
    struct stat st;
    int rc = run_as_dirs(c, "log-dir", v, mh, file, "reach its log file through the directory");
    if (rc) {
        /* said */
    } else if (noted(c, root_stat(&c->rt, file, &res, &st)) == 0) {
        rc = check_run_as(c, "log-dir", v, file, 6, "open its log file");
    } else {
        /* MkdirAll makes the missing directories in the deepest one that
         * is there (the mount's own at the highest), then the file */
        path_dirname(&dir, file);
        int there = 0;
        while (dir.s && !there) {
            kap_buf dres = {0};
            struct stat dst;
            there = noted(c, root_stat(&c->rt, dir.s, &dres, &dst)) == 0;
            bfree(c, &dres);
            if (there || !path_within(dir.s, mh) || strcmp(dir.s, mh) == 0)
                break;
            kap_buf up = {0};
            path_dirname(&up, dir.s);
            bfree(c, &dir);
            dir = up;
        }
        rc = check_run_as(c, "log-dir", v, there && dir.s ? dir.s : mh, 3, "create its log file in");
    }
    bfree(c, &res);
    bfree(c, &dir);
    return rc;
}

/* Whether the log file's host path is a directory (kube-apiserver opens
 * it to append, and fails). */
static int log_file_is_dir(checker *c, const char *host)
{
    kap_buf res = {0};
    struct stat st = {0};
    int err = noted(c, root_stat(&c->rt, host, &res, &st));
    bfree(c, &res);
    return err == 0 && S_ISDIR(st.st_mode);
}

static void check_log(checker *c, logpaths *lp)
{
    kap_manifest_report *r = c->r;
    const flag *path = flag_get(c, "audit-log-path"), *hook = flag_get(c, "audit-webhook-config-file");
    memset(lp, 0, sizeof *lp);
    int has_path = path && path->value[0], has_hook = hook && hook->value[0];
    if (!has_path && !has_hook) {
        add_check(r, "log-backend", KAP_MANIFEST_FAIL, c->container->line, c->container->col,
                  "add --audit-log-path=/var/log/kubernetes/audit/audit.log (or a webhook backend with "
                  "--audit-webhook-config-file)",
                  "neither --audit-log-path nor --audit-webhook-config-file is set: the policy is loaded but no "
                  "audit event is written anywhere");
        return;
    }
    if (has_path && strcmp(path->value, "-") == 0) {
        add_check(r, "log-backend", KAP_MANIFEST_PASS, path->line, path->col, NULL,
                  "--audit-log-path=-: audit events go to kube-apiserver's standard output%s",
                  has_hook ? ", and to the webhook" : "");
        return;
    }
    if (!has_path) {
        add_check(r, "log-backend", KAP_MANIFEST_PASS, hook->line, hook->col, NULL,
                  "audit events go to the webhook backend (--audit-webhook-config-file)");
        return;
    }
    add_check(r, "log-backend", KAP_MANIFEST_PASS, path->line, path->col, NULL, "--audit-log-path=%s%s",
              path->value, has_hook ? ", and the webhook backend" : "");
    if (log_path_names_dir(path->value)) {
        add_check(r, "log-dir", KAP_MANIFEST_FAIL, path->line, path->col,
                  "name the log file in --audit-log-path: --audit-log-path=/var/log/kubernetes/audit/audit.log",
                  "--audit-log-path=%s names a directory: kube-apiserver cannot open it as its log file and refuses "
                  "to start",
                  path->value);
        return;
    }

    kap_buf cp = {0}, cdir = {0};
    if (flag_path_or_fail(c, "log-dir", path, &cp))
        return;
    if (follow_in_container(c, "log-mount", path, &cp)) {
        bfree(c, &cp);
        return;
    }
    if (!cp.s || cp.oom) {
        bfree(c, &cp);
        c->r->oom = 1;
        return;
    }
    path_dirname(&cdir, cp.s);
    lp->container_dir = cdup(c, cdir.s ? cdir.s : "/");
    hostmap h;
    char fixbuf[64];
    snprintf(fixbuf, sizeof fixbuf, "DirectoryOrCreate");
    map_path(c, cp.s, &h);
    if (h.m && h.v && !h.v->host_path && strcmp(h.m->path, cp.s) == 0) {
        /* a mount at the log file itself, not from the host: an emptyDir
         * there is a directory, a configMap's file read-only */
        add_check(r, "log-mount", KAP_MANIFEST_FAIL, h.m->line, h.m->col,
                  rfmt(r, "remove volumeMount '%s' and mount %s's directory from a writable hostPath volume",
                       h.m->name, cp.s),
                  "the log file %s is itself mounted from volume '%s', which is not a hostPath volume: "
                  "kube-apiserver cannot write it (an emptyDir there is a directory) and stops at start-up",
                  cp.s, h.v->name);
        hostmap_free(c, &h);
        bfree(c, &cp);
        bfree(c, &cdir);
        return;
    }
    if (!h.m || !h.v || !h.v->host_path || !h.host.s || !h.vol_host.s) {
        hostmap_free(c, &h);
        /* the log's directory is what to mount */
        if (check_mounted(c, "log-mount", path, cdir.s ? cdir.s : "/", &h, "audit-log", fixbuf, 0) == 0)
            add_check(r, "log-mount", KAP_MANIFEST_FAIL, path->line, path->col,
                      rfmt(r, "mount %s's directory from a writable hostPath volume", cp.s),
                      "%s is not on a hostPath volume", cp.s);
        hostmap_free(c, &h);
        bfree(c, &cp);
        bfree(c, &cdir);
        return;
    }
    int file_mount = strcmp(h.m->path, cp.s) == 0;
    if (h.m->read_only) {
        kap_buf hd = {0};
        path_dirname(&hd, h.host.s);
        const char *name = free_volume_name(c, "audit-log");
        /* a mount of a directory above the log's (the certificates'):
         * better a writable mount of the log's own directory over it */
        add_check(r, "log-mount", KAP_MANIFEST_FAIL, h.m->line, h.m->col,
                  file_mount || strcmp(h.m->path, lp->container_dir) == 0
                      ? rfmt(r, "remove 'readOnly: true' from the volumeMount '%s' (mountPath %s)", h.m->name,
                             h.m->path)
                      : rfmt(r, "keep volumeMount '%s' read-only and mount the log's directory writable over it: "
                                "{name: %s, mountPath: %s} with hostPath {path: %s, type: DirectoryOrCreate}",
                             h.m->name, name, lp->container_dir, hd.s ? hd.s : "/"),
                  "the log's mount (%s) is read-only: kube-apiserver cannot write %s", h.m->path, cp.s);
        bfree(c, &hd);
    } else {
        add_check(r, "log-mount", KAP_MANIFEST_PASS, h.m->line, h.m->col, NULL,
                  "%s is written to the host's %s (volume '%s', writable)", cp.s, h.host.s, h.v->name);
        lp->mount_host = cdup(c, h.mount_host.s ? h.mount_host.s : "/");
    }
    kap_buf res = {0};
    struct stat st = {0};
    int err = noted(c, root_stat(&c->rt, h.mount_host.s ? h.mount_host.s : "/", &res, &st));
    int exists = err == 0;
    /* the type is checked against the volume's own path; a subPath below
     * it that is missing, kubelet creates (a directory) */
    int sub = strcmp(h.vol_host.s, h.mount_host.s ? h.mount_host.s : "/") != 0;
    struct stat vst = st;
    int vexists = exists;
    if (sub) {
        kap_buf vres = {0};
        vexists = noted(c, root_stat(&c->rt, h.vol_host.s, &vres, &vst)) == 0;
        bfree(c, &vres);
    }
    const char *tp = hostpath_type_problem(h.v->type, vexists, &vst);
    if (file_mount) {
        lp->host_dir = NULL;
        kap_buf hd = {0};
        path_dirname(&hd, h.host.s);
        lp->host_dir = cdup(c, hd.s ? hd.s : "/");
        bfree(c, &hd);
        /* the file's host directory, mounted writable instead, when it is
         * the log's own (nothing in it but the log's files); else one of
         * its own */
        const char *dir_fix =
            logs_own_dir(c, lp->host_dir, cp.s)
                ? rfmt(r, "mount the log's directory instead: {name: %s, mountPath: %s} and hostPath "
                          "{path: %s, type: DirectoryOrCreate}",
                       h.m->name, lp->container_dir, lp->host_dir)
                : rfmt(r, "give the log a directory of its own, mounted writable (%s holds other files): "
                          "--audit-log-path=%s, {name: %s, mountPath: %s} and hostPath {path: %s, type: "
                          "DirectoryOrCreate}",
                       lp->host_dir, KAP_MANIFEST_DEFAULT_LOG_PATH, free_volume_name(c, "audit-log"),
                       "/var/log/kubernetes/audit", "/var/log/kubernetes/audit");
        if (tp || (exists && !S_ISREG(st.st_mode)))
            add_check(r, "log-dir", KAP_MANIFEST_FAIL, h.v->line, h.v->col, dir_fix,
                      "the log file is mounted by itself and the host's %s %s", h.host.s,
                      tp ? tp : "is not a regular file");
        else
            /* lumberjack rotates by renaming the file, which the kernel
             * refuses for a mount point (EBUSY); then every write tries
             * again and fails */
            add_check(r, "log-dir", KAP_MANIFEST_FAIL, h.v->line, h.v->col, dir_fix,
                      "the log file is mounted by itself: kube-apiserver rotates the log by renaming the file, "
                      "which a file's own mount refuses (\"device or resource busy\"), so from the first rotation "
                      "(at --audit-log-maxsize, 100 MB when not set) no audit event is written");
    } else {
        kap_buf hd = {0};
        path_dirname(&hd, h.host.s);
        lp->host_dir = cdup(c, hd.s ? hd.s : "/");
        bfree(c, &hd);
        const char *mh = h.mount_host.s ? h.mount_host.s : "/";
        if (tp)
            add_check(r, "log-dir", KAP_MANIFEST_FAIL, h.v->line, h.v->col,
                      exists || strcmp(h.v->type, "DirectoryOrCreate") == 0
                          ? rfmt(r, "make %s on the host a directory (it is something else now), or point volume '%s' "
                                    "at one",
                                 h.vol_host.s, h.v->name)
                          : rfmt(r, "create %s on the host, or set 'type: DirectoryOrCreate' on volume '%s'",
                                 h.vol_host.s, h.v->name),
                      "the log's host directory %s %s", h.vol_host.s, tp);
        else if (exists && !S_ISDIR(st.st_mode))
            add_check(r, "log-dir", KAP_MANIFEST_FAIL, h.v->line, h.v->col,
                      rfmt(r, "point volume '%s' at a directory", h.v->name),
                      "the log's host path %s is not a directory", mh);
        else if (!exists && err != ENOENT)
            add_check(r, "log-dir", KAP_MANIFEST_FAIL, h.v->line, h.v->col,
                      rfmt(r, "point volume '%s' at a directory under the root", h.v->name),
                      "the log's host directory %s cannot be used: %s", mh, strerror(err));
        else if (!exists && sub && (vexists || strcmp(h.v->type, "DirectoryOrCreate") == 0))
            /* (the volume's path a file: the subPath's stat said ENOTDIR) */
            add_check(r, "log-dir", KAP_MANIFEST_PASS, h.v->line, h.v->col, NULL,
                      "the log's host directory %s does not exist yet; kubelet creates it (subPath '%s' of "
                      "volume '%s')",
                      mh, h.m->sub_path, h.v->name);
        else if (!exists && strcmp(h.v->type, "DirectoryOrCreate") == 0)
            add_check(r, "log-dir", KAP_MANIFEST_PASS, h.v->line, h.v->col, NULL,
                      "the log's host directory %s does not exist yet; kubelet creates it (DirectoryOrCreate)", mh);
        else if (!exists)
            add_check(r, "log-dir", KAP_MANIFEST_WARN, h.v->line, h.v->col,
                      rfmt(r, "set 'type: DirectoryOrCreate' on volume '%s' (or create %s)", h.v->name, mh),
                      "the log's host directory %s does not exist and volume '%s' has no type: whether it is "
                      "created depends on the container runtime",
                      mh, h.v->name);
        else if (exists && log_run_as(c, h.v, h.host.s, mh))
            ;
        else if (log_file_is_dir(c, h.host.s))
            add_check(r, "log-dir", KAP_MANIFEST_FAIL, h.v->line, h.v->col,
                      rfmt(r, "remove the directory %s on the host, or give --audit-log-path another file name",
                           h.host.s),
                      "the log file's host path %s is a directory: kube-apiserver cannot open it (\"is a "
                      "directory\") and refuses to start",
                      h.host.s);
        else
            add_check(r, "log-dir", KAP_MANIFEST_PASS, h.v->line, h.v->col, NULL,
                      "the log's host directory %s exists", mh);
    }
    bfree(c, &res);
    hostmap_free(c, &h);
    bfree(c, &cp);
    bfree(c, &cdir);
}

/* ---- check 4: the values of the audit flags ---------------------------------------------- */

static void check_int_min(checker *c, const char *name, const char *id, long long min, const char *cis)
{
    kap_manifest_report *r = c->r;
    const flag *f = flag_get(c, name);
    long long v = 0;
    if (f && parse_go_int(f->value, &v) != 0) {
        add_check(r, id, KAP_MANIFEST_FAIL, f->line, f->col, rfmt(r, "write --%s=%lld", name, min),
                  "--%s=%s is not an integer: kube-apiserver refuses to start", name, f->value);
        return;
    }
    /* the value as written, and as read where the two differ ("030" is
     * 24: Go's strconv.ParseInt with base 0 reads a leading 0 as octal) */
    char dec[32];
    snprintf(dec, sizeof dec, "%lld", v);
    const char *read_as = f && strcmp(f->value, dec) != 0 ? rfmt(r, " (read as %lld)", v) : "";
    if (f && v < 0)
        add_check(r, id, KAP_MANIFEST_FAIL, f->line, f->col, rfmt(r, "set --%s=%lld", name, min),
                  "--%s=%s%s is negative: kube-apiserver refuses to start (\"--%s %lld can't be a negative number\")",
                  name, f->value, read_as, name, v);
    else if (!f)
        add_check(r, id, KAP_MANIFEST_WARN, c->container->line, c->container->col,
                  rfmt(r, "add --%s=%lld", name, min), "--%s is not set (0: %s); CIS %s asks for at least %lld", name,
                  strcmp(name, "audit-log-maxsize") == 0 ? "rotated at 100 MB, the log writer's default"
                  : strcmp(name, "audit-log-maxage") == 0 ? "old logs kept whatever their age"
                                                          : "every old log kept",
                  cis, min);
    else if (v < min)
        add_check(r, id, KAP_MANIFEST_WARN, f->line, f->col, rfmt(r, "set --%s=%lld", name, min),
                  "--%s=%s%s%s; CIS %s asks for at least %lld", name, f->value, read_as,
                  v ? "" : strcmp(name, "audit-log-maxsize") == 0 ? " (rotated at 100 MB, the log writer's default)"
                                                                   : " (none removed)",
                  cis, min);
    else
        add_check(r, id, KAP_MANIFEST_PASS, f->line, f->col, NULL, "--%s=%s%s (CIS %s: at least %lld)", name,
                  f->value, read_as, cis, min);
}

static void check_enum(checker *c, const char *name, const char *id, const char *const *ok, size_t n,
                       const char *list)
{
    kap_manifest_report *r = c->r;
    const flag *f = flag_get(c, name);
    if (!f)
        return;
    if (in_table(f->value, ok, n))
        add_check(r, id, KAP_MANIFEST_PASS, f->line, f->col, NULL, "--%s=%s", name, f->value);
    else
        add_check(r, id, KAP_MANIFEST_FAIL, f->line, f->col, rfmt(r, "set --%s to %s", name, list),
                  "--%s=%s: kube-apiserver accepts %s only, and refuses to start", name, f->value, list);
}

/* The value of every audit flag pflag reads as a number, duration or
 * boolean: one it cannot read stops kube-apiserver while parsing its flags,
 * whether or not the flag's backend is on (the truncate sizes of a backend
 * that is on are checked with their other rules, check_values). And the
 * flags that make kube-apiserver print something and exit. */
static void check_typed_values(checker *c, int log_on, int webhook_on)
{
    kap_manifest_report *r = c->r;
    enum { FV_INT, FV_DUR, FV_BOOL, FV_F32, FV_LOG_INT, FV_WEBHOOK_INT };
    static const struct {
        const char *name;
        int kind;
    } typed[] = {
        {"audit-log-batch-buffer-size", FV_INT},       {"audit-log-batch-max-size", FV_INT},
        {"audit-log-batch-max-wait", FV_DUR},          {"audit-log-batch-throttle-burst", FV_INT},
        {"audit-log-batch-throttle-enable", FV_BOOL},  {"audit-log-batch-throttle-qps", FV_F32},
        {"audit-log-truncate-enabled", FV_BOOL},       {"audit-log-truncate-max-batch-size", FV_LOG_INT},
        {"audit-log-truncate-max-event-size", FV_LOG_INT},
        {"audit-webhook-batch-buffer-size", FV_INT},   {"audit-webhook-batch-max-size", FV_INT},
        {"audit-webhook-batch-max-wait", FV_DUR},      {"audit-webhook-batch-throttle-burst", FV_INT},
        {"audit-webhook-batch-throttle-enable", FV_BOOL}, {"audit-webhook-batch-throttle-qps", FV_F32},
        {"audit-webhook-truncate-enabled", FV_BOOL},   {"audit-webhook-truncate-max-batch-size", FV_WEBHOOK_INT},
        {"audit-webhook-truncate-max-event-size", FV_WEBHOOK_INT},
        {"audit-webhook-initial-backoff", FV_DUR},     {"audit-webhook-batch-initial-backoff", FV_DUR},
    };
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
        int kind = typed[i].kind;
        if ((kind == FV_LOG_INT && log_on) || (kind == FV_WEBHOOK_INT && webhook_on))
            continue;
        for (size_t k = 0; k < c->n_flags; k++) {
            const flag *f = &c->flags[k];
            if (strcmp(f->name, typed[i].name) != 0)
                continue;
            long long iv;
            int bv;
            double dv;
            const char *what = NULL, *fix = NULL;
            if ((kind == FV_INT || kind == FV_LOG_INT || kind == FV_WEBHOOK_INT) && parse_go_int(f->value, &iv))
                what = "an integer", fix = "write an integer";
            else if (kind == FV_DUR && parse_go_duration(f->value))
                what = "a duration (Go's time.ParseDuration: a number with its unit, 5s, 1m30s, 500ms)",
                fix = "write a duration with its unit (5s, 1m)";
            else if (kind == FV_BOOL && parse_go_bool(f->value, &bv))
                what = "a boolean (true, false, 1, 0, t, f)", fix = "write true or false";
            else if (kind == FV_F32 && parse_go_float32(f->value, &dv))
                what = "a float32", fix = "write a number (10, 2.5)";
            if (what)
                add_check(r, "flag-value", KAP_MANIFEST_FAIL, f->line, f->col, rfmt(r, "%s: --%s=...", fix, f->name),
                          "--%s=%s is not %s: kube-apiserver refuses to start (\"invalid argument\")", f->name,
                          f->value, what);
        }
    }
    const flag *h = flag_get(c, "help"), *v = flag_get(c, "version");
    int on;
    if (h && parse_go_bool(h->value, &on) == 0 && on)
        add_check(r, "flag-value", KAP_MANIFEST_FAIL, h->line, h->col, "remove --help (-h)",
                  "--help: kube-apiserver prints its help and exits, so kubelet restarts it for ever and it never "
                  "serves");
    if (v && (strcmp(v->value, "raw") == 0 || (parse_go_bool(v->value, &on) == 0 && on)))
        add_check(r, "flag-value", KAP_MANIFEST_FAIL, v->line, v->col, "remove --version",
                  "--version=%s: kube-apiserver prints its version and exits, so kubelet restarts it for ever and "
                  "it never serves",
                  v->value);
}

/* A backend's batch settings, in batch mode (its default for the webhook,
 * not for the log), as validateBackendBatchOptions checks them when the
 * backend is on: the first it refuses stops kube-apiserver. Values that
 * do not parse are check_typed_values' FAIL. */
static void check_batch(checker *c, int webhook, int on)
{
    if (!on)
        return;
    kap_manifest_report *r = c->r;
    const char *plug = webhook ? "webhook" : "log";
    const char *id = webhook ? "webhook-batch" : "log-batch";
    char name[64];
    snprintf(name, sizeof name, "audit-%s-mode", plug);
    const flag *mf = flag_get(c, name);
    if (strcmp(mf ? mf->value : webhook ? "batch" : "blocking", "batch") != 0)
        return;
    /* kube-apiserver's defaults: the log's batches are of one event, unthrottled */
    static const char *const keys[] = {"buffer-size", "max-size", "throttle-qps", "throttle-burst"};
    const long long defaults[2][3] = {{10000, 1, 0}, {10000, 400, 15}};
    long long buf = defaults[webhook][0], max = defaults[webhook][1], burst = defaults[webhook][2];
    double qps = webhook ? 10 : 0;
    int throttle = webhook;
    const flag *fl[4] = {NULL};
    for (int k = 0; k < 4; k++) {
        snprintf(name, sizeof name, "audit-%s-batch-%s", plug, keys[k]);
        fl[k] = flag_get(c, name);
    }
    snprintf(name, sizeof name, "audit-%s-batch-throttle-enable", plug);
    const flag *te = flag_get(c, name);
    if ((fl[0] && parse_go_int(fl[0]->value, &buf)) || (fl[1] && parse_go_int(fl[1]->value, &max)) ||
        (fl[2] && parse_go_float32(fl[2]->value, &qps)) || (fl[3] && parse_go_int(fl[3]->value, &burst)) ||
        (te && parse_go_bool(te->value, &throttle)))
        return;
    const flag *bad = NULL;
    const char *msg = NULL;
    if (buf <= 0)
        bad = fl[0], msg = rfmt(r, "invalid audit batch %s buffer size %lld, must be a positive number", plug, buf);
    else if (max <= 0)
        bad = fl[1], msg = rfmt(r, "invalid audit batch %s max batch size %lld, must be a positive number", plug, max);
    else if (throttle && qps <= 0)
        bad = fl[2] ? fl[2] : te,
        msg = rfmt(r, "invalid audit batch %s throttle QPS %g, must be a positive number", plug, qps);
    else if (throttle && burst <= 0)
        bad = fl[3] ? fl[3] : te,
        msg = rfmt(r, "invalid audit batch %s throttle burst %lld, must be a positive number", plug, burst);
    /* (each value refused is given by its flag: the defaults pass, and
     * the log's throttling, off by default, is turned on by one) */
    KAP_ANALYZER_ASSUME(!msg || bad != NULL);
    if (msg)
        add_check(r, id, KAP_MANIFEST_FAIL, bad->line, bad->col,
                  rfmt(r, "give --audit-%s-batch-* positive values%s", plug,
                       throttle ? " (with throttling, --audit-*-batch-throttle-qps and -burst too)" : ""),
                  "batch mode: kube-apiserver refuses to start (\"%s\")", msg);
    else
        add_check(r, id, KAP_MANIFEST_PASS, mf ? mf->line : 0, mf ? mf->col : 0, NULL,
                  "batch mode: buffer %lld events, batches of up to %lld%s", buf, max,
                  throttle ? rfmt(r, ", throttled to %g batches a second (burst %lld)", qps, burst) : "");
}

static void check_values(checker *c)
{
    kap_manifest_report *r = c->r;
    const flag *path = flag_get(c, "audit-log-path");
    if (path && path->value[0] && strcmp(path->value, "-") != 0) {
        check_int_min(c, "audit-log-maxage", "log-maxage", 30, "1.2.17");
        check_int_min(c, "audit-log-maxbackup", "log-maxbackup", 10, "1.2.18");
        check_int_min(c, "audit-log-maxsize", "log-maxsize", 100, "1.2.19");
    } else {
        /* no file to rotate, but a bad number still stops kube-apiserver */
        static const char *const nums[] = {"audit-log-maxage", "audit-log-maxbackup", "audit-log-maxsize"};
        static const char *const ids[] = {"log-maxage", "log-maxbackup", "log-maxsize"};
        for (size_t i = 0; i < 3; i++) {
            const flag *f = flag_get(c, nums[i]);
            long long v;
            if (f && parse_go_int(f->value, &v) != 0)
                add_check(r, ids[i], KAP_MANIFEST_FAIL, f->line, f->col, rfmt(r, "write an integer: --%s=N", nums[i]),
                          "--%s=%s is not an integer: kube-apiserver refuses to start", nums[i], f->value);
            else if (f && v < 0 && path && path->value[0]) /* checked while the log is on, stdout too */
                add_check(r, ids[i], KAP_MANIFEST_FAIL, f->line, f->col, rfmt(r, "write 0 or more: --%s=0", nums[i]),
                          "--%s=%lld is negative: kube-apiserver refuses to start (\"--%s %lld can't be a negative "
                          "number\")",
                          nums[i], v, nums[i], v);
        }
    }
    /* the truncate sizes, validated whether truncating is enabled or not
     * (AuditTruncateOptions.Validate, with the backend on) */
    static const char *const tplug[] = {"log", "webhook"};
    static const char *const tids[] = {"log-truncate", "webhook-truncate"}; /* (a check keeps its id's pointer) */
    const flag *whf = flag_get(c, "audit-webhook-config-file");
    for (size_t i = 0; i < 2; i++) {
        if (!(i == 0 ? path && path->value[0] : whf && whf->value[0]))
            continue;
        char ef[64], bf[64];
        const char *id = tids[i];
        snprintf(ef, sizeof ef, "audit-%s-truncate-max-event-size", tplug[i]);
        snprintf(bf, sizeof bf, "audit-%s-truncate-max-batch-size", tplug[i]);
        const flag *e = flag_get(c, ef), *b = flag_get(c, bf);
        long long ev = TRUNCATE_EVENT_DEFAULT, bv = TRUNCATE_BATCH_DEFAULT; /* kube-apiserver's defaults */
        const flag *bad = e && parse_go_int(e->value, &ev) ? e : b && parse_go_int(b->value, &bv) ? b : NULL;
        if (bad)
            add_check(r, id, KAP_MANIFEST_FAIL, bad->line, bad->col, rfmt(r, "write an integer: --%s=N", bad->name),
                      "--%s=%s is not an integer: kube-apiserver refuses to start", bad->name, bad->value);
        else if (ev <= 0)
            add_check(r, id, KAP_MANIFEST_FAIL, e->line, e->col, rfmt(r, "remove --%s (default 102400)", ef),
                      "--%s=%lld: kube-apiserver refuses to start (\"invalid audit truncate %s max event size %lld, must "
                      "be a positive number\"), whether truncating is enabled or not",
                      ef, ev, tplug[i], ev);
        else if (bv < ev)
            add_check(r, id, KAP_MANIFEST_FAIL, (b ? b : e)->line, (b ? b : e)->col,
                      rfmt(r, "give --%s at least --%s (%lld)", bf, ef, ev),
                      "--%s %lld is below --%s %lld: kube-apiserver refuses to start (\"invalid audit truncate %s max "
                      "batch size %lld, must be greater than max event size (%lld)\"), whether truncating is enabled "
                      "or not",
                      bf, bv, ef, ev, tplug[i], bv, ev);
        else if (e || b)
            add_check(r, id, KAP_MANIFEST_PASS, (e ? e : b)->line, (e ? e : b)->col, NULL,
                      "--%s %lld, --%s %lld", ef, ev, bf, bv);
    }
    /* the version of the events written: audit.k8s.io/v1 is the one kube-apiserver 1.24 and later know */
    static const char *const vflags[] = {"audit-log-version", "audit-webhook-version"};
    static const char *const vids[] = {"log-version", "webhook-version"};
    const flag *wh = flag_get(c, "audit-webhook-config-file");
    for (size_t i = 0; i < 2; i++) {
        const flag *f = flag_get(c, vflags[i]);
        int on = i == 0 ? path && path->value[0] : wh && wh->value[0];
        if (!f || !on)
            continue;
        int old_ok = c->image_minor && c->image_minor < 24 &&
                     (strcmp(f->value, "audit.k8s.io/v1beta1") == 0 || strcmp(f->value, "audit.k8s.io/v1alpha1") == 0);
        if (strcmp(f->value, "audit.k8s.io/v1") == 0 || old_ok)
            add_check(r, vids[i], KAP_MANIFEST_PASS, f->line, f->col, NULL, "--%s=%s", vflags[i], f->value);
        else
            add_check(r, vids[i], KAP_MANIFEST_FAIL, f->line, f->col, rfmt(r, "set --%s=audit.k8s.io/v1", vflags[i]),
                      "--%s=%s: kube-apiserver 1.24 and later know audit.k8s.io/v1 only, and refuse to start",
                      vflags[i], f->value);
    }
    /* the format and modes are validated only for a backend that is on
     * (AuditLogOptions.Validate, AuditWebhookOptions.Validate return
     * early), as are the batch settings */
    static const char *const formats[] = {"json", "legacy"};
    static const char *const modes[] = {"batch", "blocking", "blocking-strict"};
    if (path && path->value[0]) {
        check_enum(c, "audit-log-format", "log-format", formats, 2, "json or legacy");
        check_enum(c, "audit-log-mode", "log-mode", modes, 3, "batch, blocking or blocking-strict");
    }
    if (wh && wh->value[0])
        check_enum(c, "audit-webhook-mode", "webhook-mode", modes, 3, "batch, blocking or blocking-strict");
    check_typed_values(c, path && path->value[0], wh && wh->value[0]);
    check_batch(c, 0, path && path->value[0]);
    check_batch(c, 1, wh && wh->value[0]);
    const flag *z = flag_get(c, "audit-log-compress");
    int b;
    if (z && parse_go_bool(z->value, &b) != 0)
        add_check(r, "log-compress", KAP_MANIFEST_FAIL, z->line, z->col, "write --audit-log-compress=true (or false)",
                  "--audit-log-compress=%s is not a boolean: kube-apiserver refuses to start", z->value);
    else if (z)
        add_check(r, "log-compress", KAP_MANIFEST_PASS, z->line, z->col, NULL, "--audit-log-compress=%s", z->value);
}

/* ---- check 5: the webhook's kubeconfig --------------------------------------------------- */

/* The entry of a kubeconfig list (clusters, contexts, users) with this
 * name: its inner object (key inner), or NULL. */
static const jv *kc_named(const jv *root, const char *list, const char *inner, const jv *name)
{
    const jv *l = jget(root, list);
    if (!l || l->kind != JV_ARRAY)
        return NULL;
    for (size_t i = 0; i < l->n; i++) {
        if (same_str(jget(l->items[i], "name"), name)) {
            const jv *in = jget(l->items[i], inner);
            return in && in->kind == JV_OBJECT ? in : NULL;
        }
    }
    return NULL;
}

/* Why the kubeconfig's current context gives client-go no server (as
 * kube-apiserver's webhook client loads it: the explicit file, no
 * overrides), or NULL; *cluster and *user: what the context uses. */
static const char *kc_context(checker *c, const jv *root, const jv **cluster, const jv **user)
{
    *cluster = *user = NULL;
    const jv *cur = jget(root, "current-context");
    if (!cur || cur->kind != JV_STRING || cur->len == 0)
        return "it has no current-context, so client-go finds no server (\"invalid configuration: no "
               "configuration has been provided\") and kube-apiserver stops at start-up";
    const jv *ctx = kc_named(root, "contexts", "context", cur);
    if (!ctx)
        return rfmt(c->r, "its current-context \"%.*s\" is not among its contexts (or has no context mapping there; "
                          "client-go: \"context was not found for specified context\"): kube-apiserver stops at start-up",
                    (int)cur->len, cur->s);
    const jv *cn = jget(ctx, "cluster");
    *cluster = kc_named(root, "clusters", "cluster", cn);
    if (!*cluster) {
        int named = cn && cn->kind == JV_STRING;
        return rfmt(c->r, "the cluster \"%.*s\" of its current context is not among its clusters, so client-go "
                          "finds no server: kube-apiserver stops at start-up",
                    named ? (int)cn->len : 0, named ? cn->s : "");
    }
    *user = kc_named(root, "users", "user", jget(ctx, "user"));
    return NULL;
}

/* Whether the kubeconfig's object gives key as a non-empty string; a -data
 * key as bytes that are not empty: client-go tests each (and its file) by
 * its length once decoded (HasCA is len(CAData) > 0 || len(CAFile) > 0),
 * and base64 of only line breaks, like "", decodes to none. (The data is
 * base64: kc_types has refused it else.) */
static int kc_has(const jv *obj, const char *key)
{
    const jv *v = jget(obj, key);
    size_t kl = strlen(key);
    if (!v || v->kind != JV_STRING || !v->len)
        return 0;
    if (kl > 5 && strcmp(key + kl - 5, "-data") == 0) {
        for (size_t i = 0; i < v->len; i++)
            if (v->s[i] != '\r' && v->s[i] != '\n')
                return 1;
        return 0;
    }
    return 1;
}

/* A file the kubeconfig's context names (a CA, a client certificate or
 * key, a token file): client-go reads it when kube-apiserver starts, in
 * the container (a relative path is taken from the kubeconfig's
 * directory). Returns why it cannot, or NULL; "" when a FAIL said so
 * (check_run_as). */
/* A path a kubeconfig names, as client-go resolves it (relative to the
 * kubeconfig's directory), cleaned into cp: 1, or 0 when memory ran out. */
static int kc_resolve(checker *c, kap_buf *cp, const char *kc_dir, const char *s, size_t n)
{
    kap_buf raw = {0};
    if (s[0] != '/') {
        buf_adds(&raw, kc_dir);
        buf_addc(&raw, '/');
    }
    buf_add(&raw, s, n);
    if (buf_cstr(&raw))
        clean_path(cp, raw.s, raw.len);
    bfree(c, &raw);
    if (!cp->s)
        c->r->oom = 1;
    return cp->s != NULL;
}

/* A path in the container that a hostPath mount holds, looked up on the
 * host: KC_UNMOUNTED (no hostPath mount holds it), KC_NO_VERDICT (its host
 * path is known only on the node, or memory ran out), else KC_STATED with
 * *e the lookup's errno (0: st is the file's). */
enum { KC_UNMOUNTED, KC_NO_VERDICT, KC_STATED };
static int kc_host_stat(checker *c, const hostmap *h, kap_buf *res, struct stat *st, int *e)
{
    if (!h->m || !h->v || !h->v->host_path)
        return KC_UNMOUNTED;
    if (h->m->expr_var) /* (check_mounted says so) */
        return KC_NO_VERDICT;
    if (!h->host.s) {
        c->r->oom = 1;
        return KC_NO_VERDICT;
    }
    *e = noted(c, root_stat(&c->rt, h->host.s, res, st));
    return KC_STATED;
}

static const char *kc_file(checker *c, const char *kc_dir, const jv *obj, const char *key, const char *instead)
{
    const jv *v = jget(obj, key);
    if (!v || v->kind != JV_STRING || v->len == 0 || memchr(v->s, '\0', v->len))
        return NULL;
    if (kc_has(obj, instead))
        return NULL; /* the inline value is used; the file is not read */
    kap_buf cp = {0};
    const char *why = NULL;
    if (kc_resolve(c, &cp, kc_dir, v->s, v->len)) {
        hostmap h;
        map_path(c, cp.s, &h);
        struct stat st = {0};
        kap_buf res = {0};
        int e = 0, where = kc_host_stat(c, &h, &res, &st, &e);
        if (where == KC_UNMOUNTED)
            why = rfmt(c->r, "its %s %s is not on a hostPath volumeMount: kube-apiserver cannot read it and stops at "
                             "start-up",
                       key, cp.s);
        else if (where == KC_STATED) {
            /* (what this checker may not look at, kubelet's root may: no verdict) */
            if (e != EACCES && e != EPERM && (e || !S_ISREG(st.st_mode)))
                why = rfmt(c->r, "its %s %s is mounted from the host's %s, which is not a file there: kube-apiserver "
                                 "cannot read it and stops at start-up",
                           key, cp.s, h.host.s);
            /* a non-root kube-apiserver must reach and read it too */
            else if (!e && (run_as_dirs(c, "webhook-config", h.v, h.mount_host.s ? h.mount_host.s : "/", h.host.s,
                                        rfmt(c->r, "reach the webhook kubeconfig's %s through the directory", key)) ||
                            check_run_as(c, "webhook-config", h.v, h.host.s, 4,
                                         rfmt(c->r, "read the webhook kubeconfig's %s", key))))
                why = ""; /* said */
        }
        bfree(c, &res);
        hostmap_free(c, &h);
    }
    bfree(c, &cp);
    return why;
}

/* ---- a URL as Go's url.Parse refuses it ----
 * What this takes from Go's net/url (url.go: Parse, parse, getScheme,
 * parseAuthority, parseHost, validOptionalPort, validUserinfo, unescape,
 * shouldEscape), as facts, written here anew: the URL is cut at its first
 * '#' (the fragment) and the rest at its first '?' (the query, which is not
 * looked at); a byte below 0x20 or 0x7f before the '#' is refused ("net/url:
 * invalid control character in URL"; one in the fragment is not); a ':'
 * first is "missing protocol scheme"; with a scheme, what does not start
 * with '/' is opaque and not looked at further; without one, a ':' before
 * the first '/' is refused ("first path segment in URL cannot contain
 * colon"); "//" then starts the authority, up to the next '/', whose last
 * '@' ends the userinfo. The host: one starting with '[' needs a ']' (its
 * last) ("missing ']' in host") and after it nothing or ':' and digits;
 * else after its last ':' only digits ("invalid port %q after host"; an
 * empty port is fine). In the host a byte below 0x80 is a letter, a digit,
 * or one of !$&'()*+,;=:[]<>"-_.~ ("invalid character %q in host name"),
 * and a %-escape there is of a byte 0x80 or more, or %25; inside brackets,
 * from the first "%25" to the ']' (the zone), an escape is of a byte the
 * host may have, or a space, or %25. The userinfo is ASCII letters, digits
 * and -._:~!$&'()*+,;=%@ ("net/url: invalid userinfo"). In the userinfo,
 * host, path and fragment a '%' is followed by two hex digits ("invalid
 * URL escape %q"). Later Go releases refuse more (1.24.8 and 1.25.2 a
 * bracketed host that is no IPv6 address, 1.26 more than one ':' in a host
 * without brackets); those are not refused here, as the kube-apiserver at
 * hand may be built with an earlier Go. */

static int go_hex(char ch)
{
    return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f');
}

/* Whether Go's url.Parse leaves the byte as it is in a host (an ASCII byte
 * shouldEscape does not escape there). */
static int go_host_byte(unsigned char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
        return 1;
    return ch && strchr("!$&'()*+,;=:[]<>\"-_.~", ch) != NULL;
}

enum { GO_PLAIN, GO_HOST, GO_ZONE };

/* Why Go's unescape refuses s[0..n) in the mode, or NULL. */
static const char *go_unescape(const char *s, size_t n, int mode)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '%') {
            if (i + 2 >= n || !go_hex(s[i + 1]) || !go_hex(s[i + 2]))
                return "invalid URL escape";
            int hi = s[i + 1] <= '9' ? s[i + 1] - '0' : (s[i + 1] | 0x20) - 'a' + 10;
            int lo = s[i + 2] <= '9' ? s[i + 2] - '0' : (s[i + 2] | 0x20) - 'a' + 10;
            unsigned char v = (unsigned char)(hi << 4 | lo);
            if (v != '%' && ((mode == GO_HOST && v < 0x80) || (mode == GO_ZONE && v != ' ' && !go_host_byte(v))))
                return "invalid URL escape";
            i += 2;
        } else if (mode != GO_PLAIN && ch < 0x80 && !go_host_byte(ch)) {
            return "invalid character in host name";
        }
    }
    return NULL;
}

/* Whether p[0..n) is "" or ':' and digits (Go's validOptionalPort). */
static int go_port_ok(const char *p, size_t n)
{
    if (n == 0)
        return 1;
    if (p[0] != ':')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

/* Why Go's parseHost refuses h[0..n) (host and port), or NULL. */
static const char *go_host(const char *h, size_t n)
{
    size_t i = n;
    if (n && h[0] == '[') {
        while (i > 0 && h[i - 1] != ']')
            i--;
        if (i == 0)
            return "missing ']' in host";
        i--; /* at the ']' */
        if (!go_port_ok(h + i + 1, n - i - 1))
            return "invalid port after host";
        for (size_t z = 0; z + 2 < i; z++)
            if (h[z] == '%' && h[z + 1] == '2' && h[z + 2] == '5') {
                const char *why = go_unescape(h, z, GO_HOST);
                if (!why)
                    why = go_unescape(h + z, i - z, GO_ZONE);
                return why ? why : go_unescape(h + i, n - i, GO_HOST);
            }
    } else {
        while (i > 0 && h[i - 1] != ':')
            i--;
        if (i > 0 && !go_port_ok(h + i - 1, n - i + 1))
            return "invalid port after host";
    }
    return go_unescape(h, n, GO_HOST);
}

/* A URL cut where Go's url.Parse cuts it, as offsets into its bytes: the
 * fragment after the first '#', the scheme (letters, then also digits,
 * '+', '-', '.', up to a ':' not first), the query after the first '?'
 * that follows, and with "//" (and a scheme, or no third '/') the
 * authority up to the next '/', whose last '@' ends the userinfo. With
 * request, as url.ParseRequestURI cuts it: no fragment, and no authority
 * without a scheme (its caller here asks only of a URL with a scheme,
 * which ParseRequestURI refuses nothing more of). */
typedef struct {
    size_t n;       /* the bytes before the first '#' (all when none) */
    size_t scheme;  /* the scheme's length; 0: none */
    size_t rest;    /* after the scheme's ':' (0 without one) */
    size_t end;     /* where the query's '?' is (n when none) */
    size_t auth;    /* with an authority: its first byte; else rest */
    size_t host;    /* the host's first byte, after the userinfo's '@' */
    size_t path;    /* the path's first byte: the authority's end */
    int authority;  /* "//" starts an authority */
    int ctl;        /* a byte below 0x20 or 0x7f before the '#' */
    int colon0;     /* a ':' first: "missing protocol scheme" */
} go_url;

static void go_url_split(const char *s, size_t len, int request, go_url *u)
{
    memset(u, 0, sizeof *u);
    const char *hash = request ? NULL : memchr(s, '#', len);
    size_t n = hash ? (size_t)(hash - s) : len, i = 0;
    u->n = n;
    for (size_t k = 0; k < n && !u->ctl; k++)
        u->ctl = (unsigned char)s[k] < 0x20 || s[k] == 0x7f;
    while (i < n && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
                     (i > 0 && ((s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.'))))
        i++;
    u->colon0 = n > 0 && s[0] == ':';
    u->scheme = i > 0 && i < n && s[i] == ':' ? i : 0;
    size_t r = u->scheme ? i + 1 : 0;
    const char *q = memchr(s + r, '?', n - r);
    u->end = q ? (size_t)(q - s) : n;
    u->rest = u->auth = u->host = u->path = r;
    if (u->end - r >= 2 && s[r] == '/' && s[r + 1] == '/' &&
        (u->scheme || (!request && (u->end - r < 3 || s[r + 2] != '/')))) {
        size_t a = r + 2, p = a;
        while (p < u->end && s[p] != '/')
            p++;
        size_t at = p;
        while (at > a && s[at - 1] != '@')
            at--;
        u->authority = 1;
        u->auth = a;
        u->host = at;
        u->path = p;
    }
}

/* The index in want[0..k) of the URL's scheme, compared without case, or
 * -1 (no scheme, another one, or a control byte: url.Parse refuses it). */
static int go_url_scheme(const char *s, const go_url *u, const char *const *want, size_t k)
{
    if (u->ctl || !u->scheme)
        return -1;
    for (size_t w = 0; w < k; w++)
        if (strlen(want[w]) == u->scheme && strncasecmp(s, want[w], u->scheme) == 0)
            return (int)w;
    return -1;
}

/* Why Go's url.Parse refuses s (len bytes), in Go's words (without the
 * part quoted), or NULL when it parses; u is s split. */
static const char *go_url_refuses(const char *s, size_t len, const go_url *u)
{
    if (u->ctl)
        return "net/url: invalid control character in URL";
    if (u->colon0)
        return "missing protocol scheme";
    const char *why = NULL;
    if (u->authority) {
        why = go_host(s + u->host, u->path - u->host);
        for (size_t k = u->auth; !why && u->host > u->auth && k < u->host - 1; k++)
            if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9') ||
                  (s[k] && strchr("-._:~!$&'()*+,;=%@", s[k]))))
                why = "net/url: invalid userinfo";
        if (!why && u->host > u->auth)
            why = go_unescape(s + u->auth, u->host - 1 - u->auth, GO_PLAIN);
    } else if (!u->scheme && !(u->rest < u->end && s[u->rest] == '/')) {
        const char *slash = memchr(s + u->rest, '/', u->end - u->rest);
        if (memchr(s + u->rest, ':', slash ? (size_t)(slash - s) - u->rest : u->end - u->rest))
            return "first path segment in URL cannot contain colon";
    }
    /* the path (with a scheme and no '/', opaque: not looked at) */
    if (!why && (!u->scheme || (u->rest < u->end && s[u->rest] == '/')))
        why = go_unescape(s + u->path, u->end - u->path, GO_PLAIN);
    if (!why && u->n < len)
        why = go_unescape(s + u->n + 1, len - u->n - 1, GO_PLAIN);
    return why;
}

/* Why client-go's REST client refuses the cluster's server (rest's
 * DefaultServerURL, when the webhook's client is built at start-up), or
 * NULL: a server that url.Parse refuses, or that has no scheme or no host,
 * is parsed again after "http://" (the scheme client-go's kubeconfig
 * loading finds before it has read the TLS settings; the parse does not
 * depend on it), and that must parse, with a path of "" or "/". */
static const char *kc_server_refused(checker *c, const jv *cl)
{
    const jv *v = jget(cl, "server");
    if (!v || v->kind != JV_STRING || !v->len || memchr(v->s, '\0', v->len))
        return NULL;
    /* clientcmd first writes the server again when url.ParseRequestURI
     * takes it (no fragment there: a '#' is in the path or the query) with
     * a scheme, not opaque, and a path of more than one byte: u.String()
     * without the query, a '#' in the path escaped */
    const char *s = v->s;
    size_t len = v->len;
    kap_buf w = {0};
    go_url ru, su, hu;
    go_url_split(s, len, 1, &ru);
    if (ru.scheme && ru.rest < ru.end && s[ru.rest] == '/' && !go_url_refuses(s, len, &ru)) {
        size_t plen = 0;
        for (size_t k = ru.path; k < ru.end; k += s[k] == '%' ? 3 : 1)
            plen++;
        if (plen > 1) {
            buf_add(&w, s, ru.path);
            for (size_t k = ru.path; k < ru.end; k++)
                if (s[k] == '#')
                    buf_adds(&w, "%23");
                else
                    buf_addc(&w, s[k]);
            if (w.s) {
                s = w.s;
                len = w.len;
            }
        }
    }
    go_url_split(s, len, 0, &su);
    const char *first = go_url_refuses(s, len, &su);
    if (!first && su.scheme && su.authority && su.path > su.host) {
        bfree(c, &w);
        return NULL;
    }
    kap_buf u = {0};
    buf_printf(&u, "http://%.*s", (int)len, s);
    const char *why = NULL;
    int root_path = 0;
    if (u.s) {
        go_url_split(u.s, u.len, 0, &hu);
        why = go_url_refuses(u.s, u.len, &hu);
        size_t pl = hu.end - hu.path;
        root_path = pl == 0 || (pl == 1 && u.s[hu.path] == '/');
    }
    const char *msg = NULL;
    if (why)
        msg = rfmt(c->r, "its cluster's server is not a URL Go's url.Parse takes (%s; client-go: \"parse ...\"): "
                         "kube-apiserver stops at start-up",
                   why);
    else if (u.s && !root_path)
        msg = rfmt(c->r, "its cluster's server %s%s%s, so client-go reads it as a host with http:// before it, and "
                         "then it has a path (client-go: \"host must be a URL or a host:port pair\"): kube-apiserver "
                         "stops at start-up",
                   first ? "is not a URL Go's url.Parse takes (" : "has no scheme or no host", first ? first : "",
                   first ? ")" : "");
    bfree(c, &u);
    bfree(c, &w);
    return msg;
}

/* Whether the cluster's server is an https:// URL with a host: client-go
 * sets up TLS, and reads the token file, only then (a server without a
 * scheme is taken as http). */
static int kc_https(const jv *cl)
{
    static const char *const https[] = {"https"};
    const jv *v = jget(cl, "server");
    if (!v || v->kind != JV_STRING)
        return 0;
    go_url u;
    go_url_split(v->s, v->len, 0, &u);
    return go_url_scheme(v->s, &u, https, 1) == 0 && u.authority && v->len > u.auth;
}

/* Whether s (n bytes) is base64 as encoding/json decodes []byte: the
 * standard alphabet, padded to a multiple of four; line breaks are skipped. */
static int go_base64_ok(const char *s, size_t n)
{
    size_t k = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '\r' || ch == '\n')
            continue;
        if (ch == '=') {
            pad++;
        } else if (pad || !((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                            ch == '+' || ch == '/')) {
            return 0;
        }
        k++;
    }
    return k % 4 == 0 && pad <= 2;
}

/* A field of the kubeconfig's clusters or users that client-go cannot
 * decode into its type (a string, base64 bytes or a bool; null leaves the
 * field unset): the file does not load. Returns why, or NULL. */
/* The types of a user's exec plugin (client-go's ExecConfig): its
 * strings, provideClusterInfo a boolean, args a list of strings, env a
 * list of {name, value} strings. Returns why the file does not load, or
 * NULL. */
static const char *kc_exec_types(checker *c, const jv *users)
{
    static const char *const strs[] = {"command", "apiVersion", "installHint", "interactiveMode"};
    for (size_t i = 0; users && users->kind == JV_ARRAY && i < users->n; i++) {
        const jv *x = jget(jget(users->items[i], "user"), "exec");
        const char *bad = NULL, *want = "a string";
        if (!x || x->kind == JV_NULL)
            continue;
        if (x->kind != JV_OBJECT) {
            bad = "exec", want = "a mapping";
        } else {
            for (size_t k = 0; !bad && k < sizeof strs / sizeof strs[0]; k++) {
                const jv *v = jget(x, strs[k]);
                if (v && v->kind != JV_NULL && v->kind != JV_STRING)
                    bad = strs[k];
            }
            const jv *v = jget(x, "provideClusterInfo");
            if (!bad && v && v->kind != JV_NULL && v->kind != JV_BOOL)
                bad = "provideClusterInfo", want = "a boolean";
            const jv *args = jget(x, "args"), *env = jget(x, "env");
            if (!bad && args && args->kind != JV_NULL && args->kind != JV_ARRAY)
                bad = "args", want = "a list of strings";
            for (size_t k = 0; !bad && args && args->kind == JV_ARRAY && k < args->n; k++)
                if (args->items[k]->kind != JV_STRING && args->items[k]->kind != JV_NULL)
                    bad = "args", want = "a list of strings";
            if (!bad && env && env->kind != JV_NULL && env->kind != JV_ARRAY)
                bad = "env", want = "a list of {name, value}";
            for (size_t k = 0; !bad && env && env->kind == JV_ARRAY && k < env->n; k++) {
                const jv *e = env->items[k], *n = jget(e, "name"), *val = jget(e, "value");
                if ((e->kind != JV_OBJECT && e->kind != JV_NULL) || (n && n->kind != JV_STRING && n->kind != JV_NULL) ||
                    (val && val->kind != JV_STRING && val->kind != JV_NULL))
                    bad = "env", want = "a list of {name, value}";
            }
        }
        if (bad)
            return rfmt(c->r, "a user's exec %s is not %s, so client-go cannot load the file: kube-apiserver stops at "
                              "start-up",
                        strcmp(bad, "exec") == 0 ? "plugin" : bad, want);
    }
    return NULL;
}

static const char *kc_types(checker *c, const jv *root)
{
    /* each list keyed by name (an entry without one is named ""): two of
     * a name, a list or a name of another type, stop the file loading */
    const jv *cur = jget(root, "current-context");
    if (cur && cur->kind != JV_STRING && cur->kind != JV_NULL)
        return "its current-context is not a string, so client-go cannot load the file: kube-apiserver stops at "
               "start-up";
    static const char *const lists[] = {"clusters", "users", "contexts"};
    static const jv none = {.kind = JV_STRING, .s = "", .len = 0};
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        const jv *e = jget(root, lists[l]);
        if (e && e->kind != JV_ARRAY && e->kind != JV_NULL)
            return rfmt(c->r, "its %s is not a list, so client-go cannot load the file: kube-apiserver stops at "
                              "start-up",
                        lists[l]);
        for (size_t i = 0; e && e->kind == JV_ARRAY && i < e->n; i++) {
            const jv *n = jget(e->items[i], "name");
            if (n && n->kind != JV_STRING && n->kind != JV_NULL)
                return rfmt(c->r, "a name among its %s is not a string, so client-go cannot load the file: "
                                  "kube-apiserver stops at start-up",
                            lists[l]);
            n = n && n->kind == JV_STRING ? n : &none;
            for (size_t j = 0; j < i; j++) {
                const jv *o = jget(e->items[j], "name");
                if (same_str(o && o->kind == JV_STRING ? o : &none, n))
                    return rfmt(c->r, "two of its %s are named \"%.*s\" (client-go: \"duplicate name\"), so the "
                                      "file does not load: kube-apiserver stops at start-up",
                                lists[l], (int)n->len, n->s);
            }
        }
    }
    static const struct {
        const char *list, *inner, *key;
        jv_kind kind;
    } fields[] = {
        {"clusters", "cluster", "server", JV_STRING},
        {"clusters", "cluster", "certificate-authority", JV_STRING},
        {"clusters", "cluster", "certificate-authority-data", JV_STRING},
        {"clusters", "cluster", "tls-server-name", JV_STRING},
        {"clusters", "cluster", "proxy-url", JV_STRING},
        {"clusters", "cluster", "insecure-skip-tls-verify", JV_BOOL},
        {"clusters", "cluster", "disable-compression", JV_BOOL},
        {"users", "user", "client-certificate", JV_STRING},
        {"users", "user", "client-certificate-data", JV_STRING},
        {"users", "user", "client-key", JV_STRING},
        {"users", "user", "client-key-data", JV_STRING},
        {"users", "user", "token", JV_STRING},
        {"users", "user", "tokenFile", JV_STRING},
        {"users", "user", "username", JV_STRING},
        {"users", "user", "password", JV_STRING},
    };
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        const jv *l = jget(root, fields[f].list);
        for (size_t i = 0; l && l->kind == JV_ARRAY && i < l->n; i++) {
            const jv *v = jget(jget(l->items[i], fields[f].inner), fields[f].key);
            if (v && v->kind != JV_NULL && v->kind != fields[f].kind)
                return rfmt(c->r, "a %s's %s is not a %s, so client-go cannot load the file: kube-apiserver stops at "
                                  "start-up",
                            fields[f].inner, fields[f].key, fields[f].kind == JV_BOOL ? "boolean" : "string");
            size_t kl = strlen(fields[f].key);
            if (v && v->kind == JV_STRING && kl > 5 && strcmp(fields[f].key + kl - 5, "-data") == 0 &&
                !go_base64_ok(v->s, v->len))
                return rfmt(c->r, "a %s's %s is not base64 (client-go: \"illegal base64 data\"), so the file does not "
                                  "load: kube-apiserver stops at start-up",
                            fields[f].inner, fields[f].key);
        }
    }
    return kc_exec_types(c, jget(root, "users"));
}

/* The value of a string member, "" when missing, null or not a string. */
static const char *kc_str(const jv *obj, const char *key, size_t *len)
{
    const jv *v = jget(obj, key);
    int ok = v && v->kind == JV_STRING;
    *len = ok ? v->len : 0;
    return ok ? v->s : "";
}

/* Whether the n bytes at s are the string lit. */
static int kc_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncmp(s, lit, n) == 0;
}

/* What client-go refuses in the current context's user's exec plugin:
 * clientcmd's validation (with the default interactiveMode of the older
 * plugin versions), then the plugin's version when the transport is made
 * (exec.GetAuthenticator: v1beta1 and v1 only since 1.24). Both happen as
 * the webhook's client is made: kube-apiserver stops at start-up. Returns
 * why, or NULL; *fix gets what to change. */
static const char *kc_exec(kap_manifest_report *r, const jv *us, const char **fix)
{
    const jv *x = jget(us, "exec");
    if (!x || x->kind != JV_OBJECT)
        return NULL;
    const jv *ap = jget(us, "auth-provider");
    size_t cl, vl, ml;
    const char *ver = kc_str(x, "apiVersion", &vl), *mode = kc_str(x, "interactiveMode", &ml);
    (void)kc_str(x, "command", &cl);
    if (ap && ap->kind != JV_NULL) {
        *fix = "keep one of the user's exec plugin and auth-provider";
        return "its user has an exec plugin and an auth-provider (client-go: \"authProvider cannot be provided in "
               "combination with an exec plugin\"): kube-apiserver stops at start-up";
    }
    if (!cl) {
        *fix = "give the user's exec plugin its command";
        return "its user's exec plugin has no command (client-go: \"command must be specified ... to use exec "
               "authentication plugin\"): kube-apiserver stops at start-up";
    }
    if (!vl) {
        *fix = "give the user's exec plugin its apiVersion: client.authentication.k8s.io/v1";
        return "its user's exec plugin has no apiVersion (client-go: \"apiVersion must be specified ... to use exec "
               "authentication plugin\"): kube-apiserver stops at start-up";
    }
    const jv *env = jget(x, "env");
    for (size_t i = 0; env && env->kind == JV_ARRAY && i < env->n; i++) {
        size_t nl;
        (void)kc_str(env->items[i], "name", &nl);
        if (!nl) {
            *fix = "give every variable of the user's exec plugin's env a name";
            return "a variable of its user's exec plugin's env has no name (client-go: \"env variable name must be "
                   "specified ... to use exec authentication plugin\"): kube-apiserver stops at start-up";
        }
    }
    static const char v1beta1[] = "client.authentication.k8s.io/v1beta1", v1alpha1[] =
        "client.authentication.k8s.io/v1alpha1", v1[] = "client.authentication.k8s.io/v1";
    int old_api = kc_is(ver, vl, v1beta1) || kc_is(ver, vl, v1alpha1);
    if (!ml && !old_api) {
        *fix = "give the user's exec plugin interactiveMode: Never (kube-apiserver has no terminal)";
        return "its user's exec plugin has no interactiveMode, which client.authentication.k8s.io/v1 requires "
               "(client-go: \"interactiveMode must be specified ... to use exec authentication plugin\"): "
               "kube-apiserver stops at start-up";
    }
    if (ml && !kc_is(mode, ml, "Never") && !kc_is(mode, ml, "IfAvailable") && !kc_is(mode, ml, "Always")) {
        *fix = "give the user's exec plugin interactiveMode: Never (kube-apiserver has no terminal)";
        return rfmt(r, "its user's exec plugin's interactiveMode is \"%.*s\", not Never, IfAvailable or Always "
                       "(client-go: \"invalid interactiveMode\"): kube-apiserver stops at start-up",
                    (int)ml, mode);
    }
    if (!kc_is(ver, vl, v1beta1) && !kc_is(ver, vl, v1)) {
        *fix = "give the user's exec plugin apiVersion: client.authentication.k8s.io/v1 (or v1beta1), one its plugin "
               "speaks";
        return rfmt(r, "its user's exec plugin's apiVersion \"%.*s\" is not client.authentication.k8s.io/v1 or "
                       "v1beta1 (client-go: \"exec plugin: invalid apiVersion\"; v1alpha1 was removed in 1.24): "
                       "kube-apiserver stops at start-up",
                    (int)vl, ver);
    }
    return NULL;
}

/* What the exec plugin's program (subject names it: "its user's exec
 * plugin PATH"; resolved: its host path) needs from the container to run
 * (exec_format): a script its interpreter, a dynamically linked program
 * its loader (and the C library). One that no hostPath mount holds must be
 * in the image, and kube-apiserver's images hold no shell, no C library
 * and no loader: a WARN (*warn, with *fix), as is a file the kernel does
 * not run. One a mount holds must be an executable file on the host that
 * a non-root kube-apiserver may run, with what it needs in turn (the
 * kernel follows up to 4 levels): else returned, a FAIL, as is a script a
 * non-root kube-apiserver cannot read ("": said). (A relative interpreter
 * is taken from "/", the images' working directory.) ph: the program's
 * mount. */
#define EXEC_LEVELS 4 /* the kernel's BINPRM_MAX_RECURSION */
static const char *kc_exec_needs(checker *c, const char *subject, const char *resolved, const hostmap *ph,
                                 const char **warn, const char **fix, int level)
{
    if (!subject)
        return NULL; /* (out of memory: the report says so) */
    int fd = open_beneath(&c->rt, resolved, O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return NULL; /* (not readable here: no verdict) */
    char interp[PATH_MAX];
    int kind = exec_format(fd, interp, sizeof interp);
    close(fd);
    if (kind == EXEC_NOT_A_PROGRAM) {
        *warn = rfmt(c->r, "%s is neither an ELF program nor a script with a #! line naming its interpreter: the "
                           "kernel refuses to run it (exec format error) unless a binfmt_misc handler takes it, and "
                           "then no audit event reaches the webhook",
                     subject);
        *fix = "give the exec plugin's command a compiled program, or a script whose first line is #! and its "
               "interpreter";
        return NULL;
    }
    if (kind != EXEC_SCRIPT && kind != EXEC_DYNAMIC)
        return NULL;
    /* a script is read by its interpreter, as kube-apiserver's user */
    if (kind == EXEC_SCRIPT &&
        check_run_as(c, "webhook-config", ph->v, ph->host.s, 4,
                     level ? "read (for its interpreter) the script"
                           : "read (for its interpreter) the webhook kubeconfig's exec plugin script"))
        return ""; /* said */
    const char *what = kind == EXEC_SCRIPT ? "a script for" : "dynamically linked, with the loader";
    kap_buf ip = {0}, res = {0};
    const char *why = NULL;
    if (kc_resolve(c, &ip, "", interp, strlen(interp))) {
        hostmap h;
        map_path(c, ip.s, &h);
        struct stat st = {0};
        int e = 0, where = kc_host_stat(c, &h, &res, &st, &e);
        if (where == KC_UNMOUNTED) {
            *warn = rfmt(c->r, "%s is %s %s, which no hostPath volumeMount holds: kube-apiserver's images hold no "
                               "shell, no C library and no loader, so unless this image has it, client-go cannot run "
                               "the plugin and no audit event reaches the webhook",
                         subject, what, ip.s);
            *fix = kind == EXEC_SCRIPT ? "use a compiled plugin, or mount its interpreter from the host (a hostPath "
                                         "volume, read-only)"
                                       : "use a statically linked build of the plugin (Go: CGO_ENABLED=0)";
        } else if (where == KC_STATED && e != EACCES && e != EPERM &&
                   (e || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))) {
            why = rfmt(c->r, "%s is %s %s, mounted from the host's %s, which is not %s there: client-go cannot run "
                             "the plugin, so no audit event reaches the webhook",
                       subject, what, ip.s, h.host.s, e || !S_ISREG(st.st_mode) ? "a file" : "executable");
            *fix = "put that program on the host, executable, or correct the plugin's first line";
        } else if (where == KC_STATED && !e) {
            int script = kind == EXEC_SCRIPT;
            const char *role = script ? "interpreter" : "loader";
            if (run_as_dirs(c, "webhook-config", h.v, h.mount_host.s ? h.mount_host.s : "/", h.host.s,
                            script ? "reach the exec plugin's interpreter through the directory"
                                   : "reach the exec plugin's loader through the directory") ||
                check_run_as(c, "webhook-config", h.v, h.host.s, 1,
                             script ? "run the exec plugin's interpreter" : "run the exec plugin's loader"))
                why = ""; /* said */
            else if (level + 1 < EXEC_LEVELS)
                why = kc_exec_needs(c, rfmt(c->r, "the %s %s of %s", role, ip.s, subject), res.s, &h, warn, fix,
                                    level + 1);
        }
        hostmap_free(c, &h);
    }
    bfree(c, &res);
    bfree(c, &ip);
    return why;
}

/* The program of the current context's user's exec plugin, which client-go
 * runs for each batch the webhook sends (not at start-up): a command with
 * a '/' is a path (relative to the kubeconfig's directory), which must be
 * a file with an execute bit on the host when a hostPath mount holds it
 * (returned: a FAIL), and is in the image otherwise; a bare name is looked
 * up in the container's PATH. kube-apiserver's images hold no program but
 * kube-apiserver and go-runner, so both are a WARN (*warn, with *fix). */
static const char *kc_exec_command(checker *c, const char *kc_dir, const jv *us, const char **warn,
                                   const char **fix)
{
    const jv *x = jget(us, "exec");
    size_t n = 0;
    const char *cmd = x && x->kind == JV_OBJECT ? kc_str(x, "command", &n) : "";
    if (!n || memchr(cmd, '\0', n))
        return NULL;
    *fix = "mount the plugin from the host (a hostPath volume, read-only) and give its path in the container as the "
           "exec plugin's command";
    if (!memchr(cmd, '/', n)) {
        *warn = rfmt(c->r, "its user's exec plugin runs %s, looked up in the container's PATH: kube-apiserver's images "
                           "hold no program but kube-apiserver and go-runner, so unless this image has it, client-go "
                           "cannot run it and no audit event reaches the webhook",
                     cmd);
        return NULL;
    }
    kap_buf cp = {0}, res = {0};
    const char *why = NULL;
    int needs = 0;
    if (kc_resolve(c, &cp, kc_dir, cmd, n)) {
        hostmap h;
        map_path(c, cp.s, &h);
        struct stat st = {0};
        int e = 0, where = kc_host_stat(c, &h, &res, &st, &e);
        if (where == KC_UNMOUNTED)
            *warn = rfmt(c->r, "its user's exec plugin %s is not on a hostPath volumeMount, so it must be in the "
                               "image: kube-apiserver's images hold no program but kube-apiserver and go-runner, and "
                               "without it no audit event reaches the webhook",
                         cp.s);
        else if (where == KC_STATED) {
            if (e != EACCES && e != EPERM && (e || !S_ISREG(st.st_mode)))
                why = rfmt(c->r, "its user's exec plugin %s is mounted from the host's %s, which is not a file there: "
                                 "client-go cannot run it, so no audit event reaches the webhook",
                           cp.s, h.host.s);
            else if (!e && !(st.st_mode & 0111))
                why = rfmt(c->r, "its user's exec plugin %s (the host's %s) is not executable (mode %03o): client-go "
                                 "cannot run it, so no audit event reaches the webhook",
                           cp.s, h.host.s, (unsigned)(st.st_mode & 0777));
            /* a non-root kube-apiserver must reach it and may run it */
            else if (!e && (run_as_dirs(c, "webhook-config", h.v, h.mount_host.s ? h.mount_host.s : "/", h.host.s,
                                        "reach the webhook kubeconfig's exec plugin through the directory") ||
                            check_run_as(c, "webhook-config", h.v, h.host.s, 1,
                                         "run the webhook kubeconfig's exec plugin")))
                why = ""; /* said */
            else if (!e) {
                why = kc_exec_needs(c, rfmt(c->r, "its user's exec plugin %s", cp.s), res.s, &h, warn, fix, 0);
                needs = 1; /* (its own fix) */
            }
            if (why && *why && !needs)
                *fix = "put the plugin's program at that path on the host, executable (chmod 755), or correct the "
                       "exec plugin's command";
        }
        hostmap_free(c, &h);
    }
    bfree(c, &res);
    bfree(c, &cp);
    return why;
}

/* What client-go refuses in the cluster and user the current context uses
 * (clientcmd's validation, then the TLS set-up, which an https server
 * has), other than files it cannot read; *fix gets what to change.
 * Returns why, or NULL. */
static const char *kc_conflict(kap_manifest_report *r, const jv *cl, const jv *us, const char **fix)
{
    int cert = kc_has(us, "client-certificate") || kc_has(us, "client-certificate-data");
    if (kc_has(us, "token") && (kc_has(us, "username") || kc_has(us, "password"))) {
        *fix = "keep one way of authenticating: the token, or the username and password";
        return "its user has a token and a username or password (client-go: \"more than one authentication method "
               "found\"): kube-apiserver stops at start-up";
    }
    if (cert && kc_has(us, "client-certificate") && kc_has(us, "client-certificate-data")) {
        *fix = "keep one of client-certificate and client-certificate-data";
        return "its user gives both client-certificate and client-certificate-data (client-go: \"client-cert-data "
               "and client-cert are both specified\"): kube-apiserver stops at start-up";
    }
    if (cert && kc_has(us, "client-key") && kc_has(us, "client-key-data")) {
        *fix = "keep one of client-key and client-key-data";
        return "its user gives both client-key and client-key-data (client-go: \"client-key-data and client-key are "
               "both specified\"): kube-apiserver stops at start-up";
    }
    if (cert && !kc_has(us, "client-key") && !kc_has(us, "client-key-data")) {
        *fix = "give the user the certificate's key (client-key, a file, or client-key-data)";
        return "its user has a client certificate and no key (client-go: \"client-key-data or client-key must be "
               "specified\"): kube-apiserver stops at start-up";
    }
    if (kc_has(cl, "certificate-authority") && kc_has(cl, "certificate-authority-data")) {
        *fix = "keep one of certificate-authority and certificate-authority-data";
        return "its cluster gives both certificate-authority and certificate-authority-data (client-go: "
               "\"certificate-authority-data and certificate-authority are both specified\"): kube-apiserver stops "
               "at start-up";
    }
    static const char *const proxies[] = {"http", "https", "socks5"};
    const jv *px = jget(cl, "proxy-url");
    go_url pu = {0};
    const char *bad = NULL;
    if (px && px->kind == JV_STRING && px->len) {
        go_url_split(px->s, px->len, 0, &pu);
        bad = go_url_refuses(px->s, px->len, &pu);
    }
    if (bad) {
        *fix = "write proxy-url as a URL: http://, https:// or socks5://, HOST, then :PORT in digits (an IPv6 host in "
               "[ ], a % only as %XX), or remove it";
        return rfmt(r, "its cluster's proxy-url is not a URL Go's url.Parse takes (%s; client-go: \"invalid "
                       "'proxy-url' ...: could not parse\"): kube-apiserver stops at start-up",
                    bad);
    }
    if (px && px->kind == JV_STRING && px->len && go_url_scheme(px->s, &pu, proxies, 3) < 0) {
        *fix = "give proxy-url as http://, https:// or socks5:// HOST:PORT, or remove it";
        return "its cluster's proxy-url has no http, https or socks5 scheme (client-go: \"invalid 'proxy-url'\"): "
               "kube-apiserver stops at start-up";
    }
    return NULL;
}

/* Skipping verification beside a certificate authority: refused when
 * client-go builds the transport (TLSConfigFor), after clientcmd has opened
 * the files the kubeconfig names (ConfirmUsable) and read its token file,
 * so an unreadable certificate authority is what kube-apiserver reports
 * first. Only an https server copies the TLS settings into the client. */
static const char *kc_insecure(const jv *cl, const char **fix)
{
    if (!kc_https(cl) || !jbool(jget(cl, "insecure-skip-tls-verify")) ||
        !(kc_has(cl, "certificate-authority") || kc_has(cl, "certificate-authority-data")))
        return NULL;
    *fix = "drop insecure-skip-tls-verify (the certificate authority verifies the webhook) or the certificate authority";
    return "its cluster sets insecure-skip-tls-verify beside a certificate authority (client-go: \"specifying a root "
           "certificates file with the insecure flag is not allowed\"): kube-apiserver stops at start-up";
}

static void check_webhook(checker *c)
{
    kap_manifest_report *r = c->r;
    const flag *f = flag_get(c, "audit-webhook-config-file");
    if (!f || !f->value[0])
        return;
    kap_buf cp = {0}, res = {0};
    if (flag_path_or_fail(c, "webhook-config", f, &cp))
        return;
    if (follow_in_container(c, "webhook-config", f, &cp)) {
        bfree(c, &cp);
        return;
    }
    hostmap h;
    if (!cp.s || check_mounted(c, "webhook-config", f, cp.s, &h, "audit-webhook", "File", 1)) {
        if (cp.s)
            hostmap_free(c, &h);
        bfree(c, &cp);
        return;
    }
    char *data = NULL;
    size_t len = 0;
    int err = noted(c, root_read(&c->rt, h.host.s, KAP_DEFAULT_MAX_FILE_SIZE, &res, &data, &len));
    if (err) {
        add_check(r, "webhook-config", KAP_MANIFEST_FAIL, f->line, f->col,
                  rfmt(r, "write the webhook's kubeconfig to %s on the host", h.host.s),
                  "the webhook's kubeconfig on the host, %s: %s", h.host.s,
                  err == ENOENT   ? "does not exist"
                  : err == EISDIR ? "is a directory"
                  : err == EINVAL ? "is not a regular file"
                  : err == EFBIG  ? "is larger than 64 MiB"
                                  : strerror(err));
    } else {
        kap_arena a = {0};
        kap_fail fail = {0};
        jv *root = NULL;
        int rc = read_yaml_file(c, &a, data, len, &root, &fail);
        const jv *clusters = rc ? NULL : jget(root, "clusters");
        const char *why = NULL;
        if (rc)
            why = fail.msg.s ? fail.msg.s : "not YAML";
        else if (!root || root->kind != JV_OBJECT)
            why = "it is not a YAML mapping";
        else if (!clusters || clusters->kind != JV_ARRAY || clusters->n == 0)
            why = "it has no clusters";
        const char *use = NULL; /* the file is a kubeconfig that client-go cannot use */
        const char *warn = NULL; /* it may work, or not: its exec plugin's program */
        const char *use_fix = "give the kubeconfig a current-context whose context names a cluster (with its server) "
                              "and a user, and mount every file it names into the container";
        if (!why) {
            const jv *cl = NULL, *us = NULL;
            use = kc_types(c, root);
            if (use)
                use_fix = "write each field of the kubeconfig with its type (paths and data as strings, "
                          "insecure-skip-tls-verify as true or false)";
            if (!use)
                use = kc_context(c, root, &cl, &us);
            if (!use && !kc_has(cl, "server"))
                use = "the cluster of its current context has no server (client-go: \"no server found for "
                      "cluster\"): kube-apiserver stops at start-up";
            if (!use)
                use = kc_conflict(r, cl, us, &use_fix);
            if (!use)
                use = kc_exec(r, us, &use_fix);
            /* a non-root kube-apiserver reads the kubeconfig, then its files */
            if (!use && (run_as_dirs(c, "webhook-config", h.v, h.mount_host.s ? h.mount_host.s : "/", h.host.s,
                                     "reach the webhook's kubeconfig through the directory") ||
                         check_run_as(c, "webhook-config", h.v, h.host.s, 4, "read the webhook's kubeconfig")))
                use = ""; /* said */
            kap_buf kd = {0};
            path_dirname(&kd, cp.s);
            /* the files client-go reads: each where its inline value is not
             * given (both is refused above), the key only with a client
             * certificate, the token file only without a token */
            int cert = kc_has(us, "client-certificate") || kc_has(us, "client-certificate-data");
            if (!use && kd.s)
                use = kc_file(c, kd.s, cl, "certificate-authority", "certificate-authority-data");
            if (!use && kd.s)
                use = kc_file(c, kd.s, us, "client-certificate", "client-certificate-data");
            if (!use && kd.s && cert)
                use = kc_file(c, kd.s, us, "client-key", "client-key-data");
            /* a server the REST client refuses is not taken for TLS
             * (IsConfigTransportTLS): no token file read, no TLS set-up,
             * and then the client is not made */
            const char *srv = use ? NULL : kc_server_refused(c, cl);
            if (!use && !srv && kd.s && kc_https(cl))
                use = kc_file(c, kd.s, us, "tokenFile", "token");
            if (!use && !srv)
                use = kc_insecure(cl, &use_fix);
            if (!use && srv) {
                use = srv;
                use_fix = "write the cluster's server as a URL, https://HOST[:PORT][/PATH] (a port in digits, an "
                          "IPv6 host in [ ], a % only as %XX)";
            }
            if (!use && kd.s)
                use = kc_exec_command(c, kd.s, us, &warn, &use_fix);
            bfree(c, &kd);
        }
        if (use && !*use)
            ; /* said (check_run_as) */
        else if (!use && !why && warn)
            add_check(r, "webhook-config", KAP_MANIFEST_WARN, f->line, f->col, use_fix,
                      "the webhook's kubeconfig %s: %s", h.host.s, warn);
        else if (use)
            add_check(r, "webhook-config", KAP_MANIFEST_FAIL, f->line, f->col, use_fix,
                      "the webhook's kubeconfig %s cannot be used: %s", h.host.s, use);
        else if (why)
            add_check(r, "webhook-config", KAP_MANIFEST_FAIL, rc ? fail.line : 0, rc ? fail.col : 0,
                      "write a kubeconfig: clusters: [{name: ..., cluster: {server: https://...}}], users, contexts, "
                      "current-context",
                      "the webhook's kubeconfig %s is not a kubeconfig: %s", h.host.s, why);
        else
            add_check(r, "webhook-config", KAP_MANIFEST_PASS, f->line, f->col, NULL,
                      "the webhook's kubeconfig %s is mounted and names %zu cluster(s)", h.host.s, clusters->n);
        bfree(c, &fail.msg);
        arena_free(&a);
    }
    kap_free(data);
    bfree(c, &res);
    hostmap_free(c, &h);
    bfree(c, &cp);
}

/* ---- check 6: other files kubelet runs ----------------------------------------------------- */

/* A manifest's bytes as kubelet reads them: JSON when the first non-blank
 * character is '{', else YAML (its first document). *is_json tells which. */
static int read_pod(kap_arena *a, const char *data, size_t len, jv **out, kap_fail *fail, int *is_json)
{
    kap_limits lim;
    limits_for(NULL, &lim);
    kap_buf strict = {0};
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
        i++;
    *is_json = i < len && data[i] == '{';
    int rc = *is_json ? json_to_jv(a, data, len, &lim, out, fail) : yaml_to_jv(a, data, len, &lim, out, &strict, fail);
    buf_free(&strict);
    return rc;
}

/* What a YAML text that holds no node is made of, for the message that
 * says so: MARK_COMMENT and MARK_DOC bits (comments, document markers
 * '---' or '...'); -1 when a line holds anything else, so the text is
 * not such a one (a directive, an explicit null). */
enum { MARK_COMMENT = 1, MARK_DOC = 2 };
static int only_comments(const char *data, size_t len)
{
    int seen = 0;
    size_t i = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < len) {
        size_t end = i;
        while (end < len && data[end] != '\n')
            end++;
        size_t k = i;
        while (k < end && (data[k] == ' ' || data[k] == '\t' || data[k] == '\r'))
            k++;
        /* a marker only at the start of its line, then blanks or a comment */
        if (k == i && end - k >= 3 && (memcmp(data + k, "---", 3) == 0 || memcmp(data + k, "...", 3) == 0) &&
            (k + 3 == end || data[k + 3] == ' ' || data[k + 3] == '\t' || data[k + 3] == '\r')) {
            seen |= MARK_DOC;
            k += 3;
            while (k < end && (data[k] == ' ' || data[k] == '\t' || data[k] == '\r'))
                k++;
        }
        if (k < end && data[k] == '#')
            seen |= MARK_COMMENT;
        else if (k < end)
            return -1;
        i = end + 1;
    }
    return seen;
}

/* The manifest's bytes as kubelet reads them, and a Pod object: 0 (*pod set),
 * else KAP_EINVALID or KAP_ELIMIT with the reason, for people, in why
 * ("MANIFEST:LINE:COL: not a manifest kubelet can read: ..."), or
 * KAP_ENOMEM. */
static int read_manifest(kap_arena *a, const char *manifest, const char *data, size_t len, jv **pod, int *is_json,
                         kap_buf *why)
{
    kap_fail fail = {0};
    *pod = NULL;
    int rc = read_pod(a, data, len, pod, &fail, is_json);
    if (rc == KAP_ENOMEM || fail.msg.oom) {
        buf_free(&fail.msg);
        return KAP_ENOMEM;
    }
    if (rc) {
        const char *msg = fail.msg.s ? fail.msg.s : "cannot be parsed";
        if (fail.line && fail.col)
            buf_printf(why, "%s:%u:%u: not a manifest kubelet can read: %s", manifest, fail.line, fail.col, msg);
        else if (fail.line)
            buf_printf(why, "%s:%u: not a manifest kubelet can read: %s", manifest, fail.line, msg);
        else
            buf_printf(why, "%s: not a manifest kubelet can read: %s", manifest, msg);
        rc = rc == KAP_ELIMIT ? KAP_ELIMIT : KAP_EINVALID;
    } else if (!*pod || (*pod)->kind != JV_OBJECT) {
        /* kubelet cannot decode a list, a scalar or nothing into a Pod */
        int only = !*pod || (*pod)->kind == JV_NULL ? only_comments(data, len) : -1;
        if (only > 0)
            /* kubelet reads it as null ("Object 'Kind' is missing"), logs
             * that it could not process the file, and runs no pod from it */
            buf_printf(why, "%s: not a manifest kubelet can read: the file holds no YAML document, only %s", manifest,
                       only == MARK_COMMENT ? "comments"
                       : only == MARK_DOC   ? "document markers (---)"
                                            : "comments and document markers (---)");
        else if (*pod)
            buf_printf(why, "%s:%u:%u: not a manifest kubelet can read: a %s, not a Pod object", manifest,
                       (*pod)->line, (*pod)->col, (*pod)->kind == JV_ARRAY ? "list" : jv_kind_go_name((*pod)->kind));
        else
            buf_printf(why, "%s: not a manifest kubelet can read: the file is empty", manifest);
        rc = KAP_EINVALID;
    }
    buf_free(&fail.msg);
    return rc && why->oom ? KAP_ENOMEM : rc;
}

int manifest_readable(const char *manifest, const char *data, size_t len, kap_buf *why)
{
    kap_arena a = {0};
    jv *pod;
    int is_json;
    int rc = read_manifest(&a, manifest, data, len, &pod, &is_json, why);
    arena_free(&a);
    return rc;
}

int manifest_apiserver_pod(const char *manifest, const char *data, size_t len, kap_buf *why)
{
    kap_arena a = {0};
    jv *pod;
    int is_json;
    int rc = read_manifest(&a, manifest, data, len, &pod, &is_json, why);
    if (rc == KAP_OK) {
        const jv *av = jget(pod, "apiVersion"), *kind = jget(pod, "kind");
        int ok_av = av && av->kind == JV_STRING && av->len == 2 && memcmp(av->s, "v1", 2) == 0;
        int ok_kind = kind && kind->kind == JV_STRING && kind->len == 3 && memcmp(kind->s, "Pod", 3) == 0;
        const jv *ctrs = jget(jget(pod, "spec"), "containers");
        size_t st;
        int runs = 0;
        if (ctrs && ctrs->kind == JV_ARRAY)
            for (size_t k = 0; k < ctrs->n; k++)
                runs |= runs_apiserver(ctrs->items[k], &st, NULL, 0);
        if (!ok_av || !ok_kind) {
            buf_printf(why, "%s:%u:%u: not a v1 Pod (apiVersion %s, kind %s)", manifest, pod->line, pod->col,
                       ok_av ? "v1" : av && av->kind == JV_STRING ? "other than v1" : "missing",
                       ok_kind ? "Pod" : kind && kind->kind == JV_STRING ? "other than Pod" : "missing");
            rc = KAP_EINVALID;
        } else if (!runs) {
            buf_printf(why, "%s:%u:%u: a Pod with no container that runs kube-apiserver", manifest, pod->line,
                       pod->col);
            rc = KAP_EINVALID;
        }
        if (rc && why->oom)
            rc = KAP_ENOMEM;
    }
    arena_free(&a);
    return rc;
}

int manifest_expand_arg(const char *data, size_t len, const char *in, kap_buf *out)
{
    kap_arena a = {0};
    kap_fail fail = {0};
    jv *pod = NULL;
    int json, oom = 0, rc = read_pod(&a, data, len, &pod, &fail, &json);
    oom |= rc == KAP_ENOMEM || fail.msg.oom;
    const jv *ctr = NULL, *ctrs = rc == KAP_OK ? jget(jget(pod, "spec"), "containers") : NULL;
    size_t st;
    if (ctrs && ctrs->kind == JV_ARRAY)
        for (size_t k = 0; k < ctrs->n && !ctr; k++)
            if (runs_apiserver(ctrs->items[k], &st, NULL, 0))
                ctr = ctrs->items[k];
    rc = KAP_EINVALID;
    if (ctr && !oom) {
        envvar *env;
        size_t n = container_env(&a, &oom, ctr, &env);
        const char *x = oom ? NULL : kubelet_expand(&a, &oom, in, env, n);
        if (x && !oom) {
            buf_adds(out, x);
            oom |= !buf_cstr(out) || out->oom;
            rc = KAP_OK;
        }
    }
    buf_free(&fail.msg);
    arena_free(&a);
    return oom ? KAP_ENOMEM : rc;
}

/* Whether two pods' metadata give kubelet one pod name (name and
 * namespace, "default" when unset): kubelet keeps only the first file of
 * its directory with that name. */
static int same_pod_name(const jv *a, const jv *b)
{
    static const jv dflt = {.kind = JV_STRING, .s = "default", .len = 7};
    const jv *ma = jget(a, "metadata"), *mb = jget(b, "metadata");
    const jv *na = jget(ma, "name"), *sa = jget(ma, "namespace"), *sb = jget(mb, "namespace");
    if (!same_str(na, jget(mb, "name")) || na->len == 0)
        return 0;
    /* no namespace, or "": kubelet's "default" */
    return same_str(sa && sa->kind == JV_STRING && sa->len ? sa : &dflt, sb && sb->kind == JV_STRING && sb->len ? sb : &dflt);
}

/* Whether a file of the manifests directory holds a kube-apiserver pod;
 * *same: it has this manifest's pod name. */
static int is_apiserver_pod(checker *c, const char *data, size_t len, int *same)
{
    kap_arena a = {0};
    kap_fail fail = {0};
    jv *root = NULL;
    int json;
    int rc = read_pod(&a, data, len, &root, &fail, &json);
    if (rc == KAP_ENOMEM || fail.msg.oom)
        c->r->oom = 1;
    int yes = 0;
    size_t st;
    *same = 0;
    const jv *name = rc == KAP_OK ? jget(jget(root, "metadata"), "name") : NULL;
    /* a pod without a name kubelet takes (pod-valid's rules) is refused:
     * it runs nothing */
    if (name && name->kind == JV_STRING && name->len && static_pod_name_ok(name->s, name->len)) {
        const jv *ctrs = jget(jget(root, "spec"), "containers");
        if (ctrs && ctrs->kind == JV_ARRAY)
            for (size_t k = 0; k < ctrs->n; k++)
                yes |= runs_apiserver(ctrs->items[k], &st, NULL, 0);
        *same = same_pod_name(root, c->pod);
    }
    buf_free(&fail.msg);
    arena_free(&a);
    return yes;
}

static void check_dir(checker *c)
{
    kap_manifest_report *r = c->r;
    kap_buf res = {0}, dots = {0}, others = {0}, path = {0};
    const char *self = basename_of(c->manifest_node);
    size_t selflen = strlen(self);
    int err = noted(c, root_resolve(&c->rt, c->manifest_dir, &res));
    int fd = err ? -1 : open_beneath(&c->rt, res.s, O_RDONLY | O_DIRECTORY);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        add_check(r, "manifest-dir", KAP_MANIFEST_WARN, 0, 0, "make the directory readable to check it",
                  "the manifests directory %s cannot be listed: %s", c->manifest_dir,
                  strerror(err ? err : errno));
        bfree(c, &res);
        return;
    }
    size_t bad = 0, unread = 0, n_dots = 0, n_others = 0;
    struct dirent *e;
    int lerr = 0;
    while ((e = next_entry(d, &lerr)) != NULL) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, self) == 0)
            continue;
        if (name[0] == '.') {
            buf_printf(&dots, "%s%s", n_dots++ ? ", " : "", name);
            continue;
        }
        path.len = 0;
        buf_printf(&path, "%s/%s", strcmp(c->manifest_dir, "/") == 0 ? "" : c->manifest_dir, name);
        if (!buf_cstr(&path))
            break;
        kap_buf fres = {0};
        struct stat st = {0};
        int se = noted(c, root_stat(&c->rt, path.s, &fres, &st));
        bfree(c, &fres);
        if (se == EACCES || se == EPERM || se == EIO) {
            /* kubelet (root) may stat it where this checker cannot */
            unread++;
            add_check(r, "manifest-dir", KAP_MANIFEST_WARN, 0, 0, unread_fix(c, path.s, se, "kubelet"),
                      "%s in the manifests directory cannot be looked at here (%s): if it is a file, kubelet runs "
                      "it as a static pod; whether it is a second kube-apiserver is not checked",
                      path.s, strerror(se));
            continue;
        }
        if (se || !S_ISREG(st.st_mode))
            continue; /* kubelet skips directories and what it cannot stat (a dangling link, a loop) */
        /* named after the manifest: a copy, whatever it holds (read for
         * its pod name only) */
        int named = strncmp(name, self, selflen) == 0, copy = named, same = 0;
        {
            char *data = NULL;
            size_t len = 0;
            kap_buf rr = {0};
            int re = noted(c, root_read(&c->rt, path.s, c->max_file, &rr, &data, &len));
            if (re == 0) {
                copy = is_apiserver_pod(c, data, len, &same) || named;
            } else if (named) {
                re = 0; /* taken for a copy unread */
            } else if (re != ENOENT && re != ENOMEM) {
                /* kubelet reads it (as root, with no size limit): it may
                 * be a second kube-apiserver; gone since: nothing to say */
                unread++;
                add_check(r, "manifest-dir", KAP_MANIFEST_WARN, 0, 0, unread_fix(c, path.s, re, "kubelet"),
                          "%s in the manifests directory cannot be read here (%s): kubelet runs it as a static pod; "
                          "whether it is a second kube-apiserver is not checked",
                          path.s, read_error(c, re));
            }
            kap_free(data);
            bfree(c, &rr);
            if (re)
                continue;
        }
        const char *move = rfmt(r, "move %s out of %s (kubelet reads every file there that does not begin with a dot)",
                                path.s, c->manifest_dir);
        if (same) {
            /* kubelet keys static pods by name: one of the two runs */
            bad++;
            add_check(r, "manifest-dir", KAP_MANIFEST_FAIL, 0, 0, move,
                      "%s is in the manifests directory with this manifest's pod name: kubelet runs only one pod of "
                      "a name, and it may be that file's, so editing this manifest may change nothing",
                      path.s);
        } else if (copy) {
            bad++;
            add_check(r, "manifest-dir", KAP_MANIFEST_FAIL, 0, 0, move,
                      "%s is in the manifests directory: kubelet runs it as a second kube-apiserver pod", path.s);
        } else {
            buf_printf(&others, "%s%s", n_others++ ? ", " : "", name);
        }
    }
    closedir(d);
    if (lerr)
        add_check(r, "manifest-dir", KAP_MANIFEST_WARN, 0, 0, "check the directory's file system, then check again",
                  "the manifests directory %s could not be listed whole (%s): the files after the error are not "
                  "checked",
                  c->manifest_dir, strerror(lerr));
    else if (!bad && !unread)
        add_check(r, "manifest-dir", KAP_MANIFEST_PASS, 0, 0, NULL,
                  "no other file in %s runs kube-apiserver%s%s%s%s%s", c->manifest_dir,
                  n_others ? "; other static pods: " : "", n_others && others.s ? others.s : "",
                  n_dots ? "; dot-files kubelet ignores: " : "", n_dots && dots.s ? dots.s : "", "");
    bfree(c, &res);
    bfree(c, &dots);
    bfree(c, &others);
    bfree(c, &path);
}

/* ---- check 7: policy, log and manifests apart ---------------------------------------------- */

static void check_paths(checker *c, const char *policy_host, const logpaths *lp)
{
    kap_manifest_report *r = c->r;
    const flag *pf = flag_get(c, "audit-policy-file"), *lf = flag_get(c, "audit-log-path");
    if (!lp->host_dir)
        return;
    kap_buf lcp = {0}, pcp = {0};
    clean_path(&lcp, lf->value, strlen(lf->value));
    if (pf)
        clean_path(&pcp, pf->value, strlen(pf->value));
    int problems = 0;
    if (pcp.s && lcp.s && (strcmp(pcp.s, lcp.s) == 0 || strcmp(pcp.s, lp->container_dir) == 0)) {
        add_check(r, "paths-separate", KAP_MANIFEST_FAIL, lf->line, lf->col,
                  "write the log elsewhere: --audit-log-path=/var/log/kubernetes/audit/audit.log",
                  "--audit-policy-file and --audit-log-path name the same path (%s)", pcp.s);
        problems++;
    } else if (policy_host && (strcmp(policy_host, lp->host_dir) == 0 || path_within(policy_host, lp->host_dir))) {
        add_check(r, "paths-separate", KAP_MANIFEST_FAIL, lf->line, lf->col,
                  "keep the policy out of the log directory: /etc/kubernetes/audit-policy.yaml",
                  "the policy %s is inside the log directory %s: kube-apiserver can write over it", policy_host,
                  lp->host_dir);
        problems++;
    }
    /* kubelet runs the regular files of the manifests directory, and does
     * not recurse into its subdirectories (it logs an error for each) */
    if (strcmp(lp->host_dir, c->manifest_dir) == 0 || strcmp(lp->host_dir, "/etc/kubernetes/manifests") == 0) {
        add_check(r, "paths-separate", KAP_MANIFEST_FAIL, lf->line, lf->col,
                  "write the log elsewhere: /var/log/kubernetes/audit/ (hostPath too)",
                  "the log directory %s is the manifests directory: kubelet tries to run each log file as a "
                  "static pod",
                  lp->host_dir);
        problems++;
    } else if (path_within(lp->host_dir, c->manifest_dir) || path_within(lp->host_dir, "/etc/kubernetes/manifests")) {
        add_check(r, "paths-separate", KAP_MANIFEST_WARN, lf->line, lf->col,
                  "write the log elsewhere: /var/log/kubernetes/audit/ (hostPath too)",
                  "the log directory %s is inside the manifests directory: kubelet does not run the files of its "
                  "subdirectories, but logs an error for the directory each time it reads the manifests",
                  lp->host_dir);
        problems++;
    }
    /* a writable mount for the log that holds the manifests directory:
     * kube-apiserver could write the static pods kubelet runs */
    if (lp->mount_host && !path_within(lp->host_dir, c->manifest_dir) &&
        path_within(c->manifest_dir, lp->mount_host)) {
        add_check(r, "paths-separate", KAP_MANIFEST_WARN, lf->line, lf->col,
                  "mount only the log's directory writable: /var/log/kubernetes/audit/ (hostPath too)",
                  "the log's writable mount (the host's %s) holds the manifests directory %s: kube-apiserver can "
                  "write the static pods kubelet runs",
                  lp->mount_host, c->manifest_dir);
        problems++;
    }
    kap_buf pdir = {0};
    if (policy_host)
        path_dirname(&pdir, policy_host);
    if (policy_host && pdir.s && strcmp(pdir.s, c->manifest_dir) == 0) {
        add_check(r, "paths-separate", KAP_MANIFEST_WARN, pf->line, pf->col,
                  "keep the policy beside the manifests directory: /etc/kubernetes/audit-policy.yaml",
                  "the policy %s is inside the manifests directory: kubelet reads it as a static pod (and logs "
                  "an error for it)",
                  policy_host);
        problems++;
    }
    if (!problems)
        add_check(r, "paths-separate", KAP_MANIFEST_PASS, 0, 0, NULL,
                  "the policy, the log directory %s and the manifests directory are apart", lp->host_dir);
    bfree(c, &pdir);
    bfree(c, &lcp);
    bfree(c, &pcp);
}

/* ---- check 8: where kubelet looks ------------------------------------------------------------ */

/* What kubelet's static pod path (pmp: --pod-manifest-path, else the
 * config's staticPodPath) names: 1 this manifest itself (kubelet reads a
 * file given there as the one static pod), 2 another regular file, 0 a
 * directory or nothing. */
static int pod_path_file(checker *c, const char *path)
{
    kap_buf sp = {0};
    struct stat st = {0};
    int e = noted(c, root_stat(&c->rt, path, &sp, &st));
    int kind = e || !S_ISREG(st.st_mode) ? 0 : sp.s && strcmp(sp.s, c->manifest_node) == 0 ? 1 : 2;
    bfree(c, &sp);
    return kind;
}

/* kubelet reads only this manifest (its static pod path names the file):
 * the other files of the directory are not run, so manifest-dir's
 * findings are replaced by one PASS. */
static void single_file(checker *c, const char *path, const char *what)
{
    kap_manifest_report *r = c->r;
    size_t k = 0, seps = 0;
    int had_sep = 0;
    for (size_t i = 0; i < r->n; i++) {
        const kap_manifest_check ck = r->checks[i];
        /* paths-separate's findings about kubelet reading the directory */
        int about_dir = strcmp(ck.id, "paths-separate") == 0 && strstr(ck.message, "manifests directory");
        had_sep |= about_dir;
        seps += strcmp(ck.id, "paths-separate") == 0 && !about_dir;
        if (strcmp(ck.id, "manifest-dir") != 0 && !about_dir)
            r->checks[k++] = ck;
    }
    r->n = k;
    if (had_sep && !seps)
        add_check(r, "paths-separate", KAP_MANIFEST_PASS, 0, 0, NULL,
                  "the policy and the log directory are apart (kubelet reads no other file of %s)", c->manifest_dir);
    add_check(r, "manifest-dir", KAP_MANIFEST_PASS, 0, 0, NULL,
              "kubelet reads this manifest only (%s names the file %s): the other files of %s are not run", what,
              path, c->manifest_dir);
}

/* kubelet's static pod path (path, the setting what, in the file from)
 * names a file, pod_path_file's pf: 1 this manifest (then the directory's
 * other files are not run; not said where unread names a file of kubelet's
 * unit that could not be read), 2 another file; verb is how the fix changes
 * the setting. */
static void names_a_file(checker *c, int pf, const char *path, const char *from, const char *what, const char *verb,
                         const char *unread)
{
    kap_manifest_report *r = c->r;
    if (pf == 1) {
        add_check(r, "static-pod-path", KAP_MANIFEST_PASS, 0, 0, NULL,
                  "kubelet's %s (%s, in %s) is this manifest: kubelet runs this one file", what, path, from);
        if (!unread)
            single_file(c, path, what);
        return;
    }
    add_check(r, "static-pod-path", KAP_MANIFEST_FAIL, 0, 0,
              rfmt(r, "edit %s instead (or %s %s in %s)", path, verb, what, from),
              "kubelet runs the one static pod of %s (%s in %s), not this manifest: editing it changes nothing", path,
              what, from);
}

/* Whether node path dir (of kubelet's) is the manifest's directory. */
static int is_manifest_dir(checker *c, const char *dir)
{
    kap_buf sp = {0};
    int e = noted(c, root_resolve(&c->rt, dir, &sp));
    int same = !e && sp.s && strcmp(sp.s, c->manifest_dir) == 0;
    bfree(c, &sp);
    return same;
}

/* Whether s (a JSON string) is want. */
static int jv_str_is(const jv *v, const char *want)
{
    return v && v->kind == JV_STRING && v->len == strlen(want) && memcmp(v->s, want, v->len) == 0;
}

/* said of kubelet's config when no command line named it */
#define GUESSED_CONFIG " (if kubelet reads this file: no kubelet command line here names it)"

/* Whether kubelet decodes a config file (or a drop-in) read as root (len
 * bytes) as a KubeletConfiguration: not empty, a mapping with apiVersion
 * kubelet.config.k8s.io/v1beta1 (the one version of that kind kubelet
 * registers) and kind KubeletConfiguration. Else a FAIL: kubelet stops at
 * start-up ("failed to load kubelet config file", "failed to merge kubelet
 * configs"), and no static pod runs. */
static int kubelet_config_kind(checker *c, const jv *root, size_t len, const char *path, const char *what,
                               kap_manifest_status st)
{
    const jv *av = root && root->kind == JV_OBJECT ? jget(root, "apiVersion") : NULL;
    const jv *kv = root && root->kind == JV_OBJECT ? jget(root, "kind") : NULL;
    if (len && jv_str_is(av, "kubelet.config.k8s.io/v1beta1") && jv_str_is(kv, "KubeletConfiguration"))
        return 1;
    const char *why = !len                               ? "it is empty"
                      : !root || root->kind != JV_OBJECT ? "it is not a mapping"
                      : !kv                              ? "it has no kind"
                      : !jv_str_is(kv, "KubeletConfiguration") ? "its kind is not KubeletConfiguration"
                      : !av                                    ? "it has no apiVersion"
                                                               : "its apiVersion is not kubelet.config.k8s.io/v1beta1";
    add_check(c->r, "static-pod-path", st, 0, 0,
              rfmt(c->r, "begin %s with apiVersion: kubelet.config.k8s.io/v1beta1 and kind: KubeletConfiguration",
                   path),
              "%s %s is no KubeletConfiguration kubelet decodes (%s): kubelet stops at start-up and runs no static "
              "pod, this one included%s",
              what, path, why, st == KAP_MANIFEST_WARN ? GUESSED_CONFIG : "");
    return 0;
}

/* A KubeletConfiguration file's staticPodPath: 0 with *spp (in a; NULL
 * when the file does not set it), else an errno value from reading it
 * (nothing added) or -1 when it is not YAML or not a
 * KubeletConfiguration (a FAIL added). */
static int config_static_pod_path(checker *c, kap_arena *a, const char *path, const char *what,
                                  kap_manifest_status st, const char **spp)
{
    kap_buf res = {0};
    char *data = NULL;
    size_t len = 0;
    *spp = NULL;
    /* kubelet reads filepath.Abs(path), cleaned: a '/', '.' or '..' in it
     * is lexical there, not the kernel's (root_resolve) */
    kap_buf abs = {0};
    clean_path(&abs, path, strlen(path));
    int err = abs.s ? noted(c, root_read(&c->rt, abs.s, c->max_file, &res, &data, &len)) : ENOMEM;
    bfree(c, &abs);
    bfree(c, &res);
    if (err)
        return err;
    kap_fail fail = {0};
    jv *root = NULL;
    int rc = read_yaml_file(c, a, data, len, &root, &fail);
    if (rc) {
        /* the place is in kubelet's file, not in the manifest: said in
         * the message (a check's line and column are the manifest's) */
        add_check(c->r, "static-pod-path", st, 0, 0, rfmt(c->r, "correct %s", path),
                  "%s %s is not YAML (%s:%u:%u: %s): kubelet cannot decode it, stops at start-up and runs no "
                  "static pod, this one included%s",
                  what, path, path, fail.line, fail.col, fail.msg.s ? fail.msg.s : "",
                  st == KAP_MANIFEST_WARN ? GUESSED_CONFIG : "");
        err = -1;
    } else if (!kubelet_config_kind(c, root, len, path, what, st)) {
        err = -1;
    } else {
        const jv *v = jget(root, "staticPodPath");
        *spp = v ? jstr_in(a, v, &c->r->oom) : NULL;
        if (v && !*spp)
            *spp = ""; /* null, or not a string: kubelet's default, none */
    }
    bfree(c, &fail.msg);
    kap_free(data);
    return err;
}

/* The files kubelet merges from its --config-dir, in its order: it walks
 * the directory (filepath.WalkDir: every entry, dot-files too, in the
 * order of their names, a subdirectory's entries where it stands; links
 * to directories not followed) and takes the files named *.conf. Paths in
 * a, the array allocated (kap_free it). 0 or an errno value. */
static int config_dir_walk(checker *c, const char *dir, int depth, kap_arena *a, char ***paths, size_t *n,
                           size_t *cap)
{
    if (depth > 32)
        return ELOOP;
    DIR *d;
    int err = root_opendir(&c->rt, dir, &d);
    if (err)
        return err;
    char **names = NULL;
    size_t nn = 0, ncap = 0;
    struct dirent *e;
    while (!err && (e = next_entry(d, &err)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *nm = arena_strndup(a, e->d_name, strlen(e->d_name));
        if (!nm || kap_grow(&names, &ncap, nn + 1, sizeof *names, 16) != 0)
            err = ENOMEM;
        else
            names[nn++] = nm;
    }
    if (nn > 1)
        qsort(names, nn, sizeof *names, name_cmp);
    kap_buf path = {0};
    for (size_t i = 0; i < nn && !err; i++) {
        struct stat st;
        if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        path.len = 0;
        buf_printf(&path, "%s/%s", dir, names[i]);
        if (path.oom || !buf_cstr(&path)) {
            err = ENOMEM;
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            err = config_dir_walk(c, path.s, depth + 1, a, paths, n, cap);
            continue;
        }
        size_t l = strlen(names[i]);
        if (l < 5 || strcmp(names[i] + l - 5, ".conf") != 0)
            continue;
        char *keep = arena_strndup(a, path.s, path.len);
        if (!keep || kap_grow(paths, cap, *n + 1, sizeof **paths, 8) != 0)
            err = ENOMEM;
        else
            (*paths)[(*n)++] = keep;
    }
    bfree(c, &path);
    kap_free(names);
    closedir(d);
    return err;
}

/* What keeps systemd from starting kubelet, in the unit and drop-ins the
 * node has (systemd.service(5), systemd.exec(5)). */
static void check_kubelet_unit(checker *c, const kubelet_cmdline *k)
{
    kap_manifest_report *r = c->r;
    /* the program (its prefixes gone), which systemd takes as written: an
     * absolute path, or a name without '/' that it looks up in its own
     * search path (systemd.service(5), "Command lines") */
    const char *prog = k->nwords ? k->words[0].s : "", *prog_bad = NULL;
    if (!prog[0])
        prog_bad = "no program (the prefixes alone): systemd refuses the line";
    else if (prog[0] == '$')
        prog_bad = "a variable, which systemd does not substitute in the program: it looks for a program of that "
                   "name, or refuses the line when the name has a '/'";
    else if (prog[0] != '/' && strchr(prog, '/'))
        prog_bad = "a relative path, which systemd refuses (\"Neither a valid executable name nor an absolute "
                   "path\")";
    if (k->unit_unreadable) {
        add_check(r, "kubelet-unit", KAP_MANIFEST_WARN, 0, 0,
                  unread_fix(c, k->unit_unreadable, k->unit_err, "systemd"),
                  "kubelet.service (%s) cannot be read (%s): kubelet's unit and command line not checked",
                  k->unit_unreadable, unread_reason(c, k->unit_err));
    } else if (k->masked) {
        add_check(r, "kubelet-unit", KAP_MANIFEST_FAIL, 0, 0,
                  rfmt(r, "unmask kubelet (systemctl unmask kubelet removes %s)", k->masked),
                  "kubelet.service is masked (%s is empty or a link to /dev/null): systemd does not start kubelet",
                  k->masked);
    } else if (!k->unit_file) {
        add_check(r, "kubelet-unit", KAP_MANIFEST_WARN, 0, 0,
                  "install kubelet.service (or give --root a whole copy of the node's unit directories)",
                  "the root has drop-ins for kubelet.service but no kubelet.service file in /etc/systemd/system, "
                  "/run/systemd/system, /usr/local/lib/systemd/system, /usr/lib/systemd/system or "
                  "/lib/systemd/system: systemd does not load a service from drop-ins alone");
    } else if (k->dropin_unreadable) {
        /* a drop-in can reset ExecStart= and EnvironmentFile=: nothing of
         * the unit is certain without it */
        int e = k->dropin_err;
        add_check(r, "kubelet-unit", KAP_MANIFEST_WARN, 0, 0, unread_fix(c, k->dropin_unreadable, e, "systemd"),
                  "kubelet.service's %s %s cannot be %s here (%s): kubelet's unit is not checked, and its "
                  "command line is read without it",
                  k->dropin_dir ? "drop-in directory" : "drop-in", k->dropin_unreadable,
                  k->dropin_dir ? "listed" : "read", read_error(c, e));
    } else if (!k->exec_from) {
        add_check(r, "kubelet-unit", KAP_MANIFEST_FAIL, 0, 0,
                  "give kubelet's command line with ExecStart= in kubelet.service or a drop-in",
                  "kubelet.service and its drop-ins have no ExecStart= (or an empty one last): systemd does not "
                  "run kubelet");
    } else if (k->exec_before) {
        add_check(r, "kubelet-unit", KAP_MANIFEST_FAIL, 0, 0,
                  rfmt(r, "put an empty \"ExecStart=\" line before the ExecStart= in %s", k->exec_from),
                  "kubelet.service has a second ExecStart= (in %s) while the one in %s is in force, with no empty "
                  "ExecStart= between them: systemd refuses the unit (more than one ExecStart= is allowed only "
                  "for Type=oneshot services) and kubelet does not start",
                  k->exec_from, k->exec_before);
    } else if (k->env_missing) {
        add_check(r, "kubelet-unit", KAP_MANIFEST_FAIL, 0, 0,
                  rfmt(r, "create %s, or write EnvironmentFile=-%s in %s if it may be missing", k->env_missing,
                       k->env_missing, k->env_missing_from),
                  "kubelet.service's EnvironmentFile=%s (in %s) cannot be read (%s) and is not marked optional "
                  "with '-': systemd does not start kubelet",
                  k->env_missing, k->env_missing_from,
                  k->env_missing_err == ENOENT ? "it does not exist" : strerror(k->env_missing_err));
    } else if (prog_bad) {
        add_check(r, "kubelet-unit", KAP_MANIFEST_FAIL, 0, 0,
                  "write kubelet's absolute path as ExecStart='s program (ExecStart=/usr/bin/kubelet ...)",
                  "kubelet.service's ExecStart= (in %s) runs '%s', %s: kubelet does not start", k->exec_from, prog,
                  prog_bad);
    } else if (k->env_unreadable) {
        /* an EnvironmentFile= line resets no other: what is checked above
         * stands; only the variables it sets are not known */
        add_check(r, "kubelet-unit", KAP_MANIFEST_WARN, 0, 0,
                  unread_fix(c, k->env_unreadable, k->env_err, "systemd"),
                  "kubelet.service's EnvironmentFile=%s (in %s) cannot be read here (%s): kubelet's command line "
                  "(ExecStart= in %s) is expanded without the variables it sets",
                  k->env_unreadable, k->env_unreadable_from, read_error(c, k->env_err), k->exec_from);
    } else {
        add_check(r, "kubelet-unit", KAP_MANIFEST_PASS, 0, 0, NULL,
                  "kubelet's ExecStart= (in %s) is the one in force, and every EnvironmentFile= it needs is "
                  "there",
                  k->exec_from);
    }
}

static void check_static_pod_path(checker *c)
{
    kap_manifest_report *r = c->r;
    kubelet_cmdline k;
    if (kubelet_cmdline_read(&c->rt, c->max_file, &k) != KAP_OK)
        r->oom = 1;
    const char *pmp_file, *cfg_file, *dir_file;
    int pmp_empty;
    const char *pmp = kubelet_cmdline_flag(&k, "pod-manifest-path", &pmp_file, &pmp_empty);
    const char *flag_cfg = kubelet_cmdline_flag(&k, "config", &cfg_file, NULL);
    const char *cfg_dir = kubelet_cmdline_flag(&k, "config-dir", &dir_file, NULL);
    /* the unit's ExecStart= is read: what it leaves out, kubelet does
     * without (no --config: no config file) */
    int known = !k.defaults && k.exec_from && !k.dropin_unreadable && !k.env_unreadable;
    /* what this reader could not read may hold --config, --config-dir or
     * --pod-manifest-path: what the rest says is no PASS or FAIL */
    const char *unread = k.unit_unreadable ? k.unit_unreadable
                         : k.dropin_unreadable ? k.dropin_unreadable
                                               : k.env_unreadable;
    const int unread_err = k.unit_unreadable ? k.unit_err : k.dropin_unreadable ? k.dropin_err : k.env_err;
    if (!k.defaults && !k.oom)
        check_kubelet_unit(c, &k);
    const size_t first = r->n; /* this check's results from here */
    kap_arena a = {0};
    kap_buf sp = {0};
    char **paths = NULL;
    size_t npaths = 0, paths_cap = 0;
    if (k.too_long) {
        add_check(r, "static-pod-path", KAP_MANIFEST_WARN, 0, 0, "shorten kubelet's command line",
                  "kubelet's command line (ExecStart= in %s) is longer than %zu bytes once its variables are "
                  "expanded: exec refuses it; staticPodPath not checked",
                  k.exec_from ? k.exec_from : "its unit", KUBELET_ARGV_MAX);
        goto done;
    }
    int pf;
    if (pmp_empty) {
        /* the flag, re-read over the config, sets staticPodPath to "" */
        add_check(r, "static-pod-path", KAP_MANIFEST_FAIL, 0, 0,
                  rfmt(r, "remove the empty --pod-manifest-path= from %s (or give it %s)", pmp_file, c->manifest_dir),
                  "kubelet's command line gives --pod-manifest-path empty last (in %s), which sets staticPodPath to "
                  "\"\" over any config: kubelet runs no static pod, this one included",
                  pmp_file);
        goto done;
    }
    if (pmp && (pf = pod_path_file(c, pmp)) != 0) {
        names_a_file(c, pf, pmp, pmp_file, "--pod-manifest-path", "change", unread);
        goto done;
    }
    if (pmp) {
        /* a flag given on kubelet's command line wins over its config */
        if (is_manifest_dir(c, pmp))
            add_check(r, "static-pod-path", KAP_MANIFEST_PASS, 0, 0, NULL,
                      "kubelet's --pod-manifest-path (%s, in %s) is the manifest's directory", pmp, pmp_file);
        else
            add_check(r, "static-pod-path", KAP_MANIFEST_FAIL, 0, 0,
                      rfmt(r, "edit %s/%s instead (or change --pod-manifest-path in %s)", pmp,
                           basename_of(c->manifest_node), pmp_file),
                      "kubelet reads static pods from %s (--pod-manifest-path in %s), not from %s: editing this "
                      "manifest changes nothing",
                      pmp, pmp_file, c->manifest_dir);
        goto done;
    }
    const char *cfg = c->o && c->o->kubelet_config ? c->o->kubelet_config
                      : flag_cfg                   ? flag_cfg
                      : known                      ? NULL
                                                   : KAP_MANIFEST_DEFAULT_KUBELET_CONFIG;
    int cfg_given = (c->o && c->o->kubelet_config) || flag_cfg;
    const char *spp = NULL, *spp_from = cfg;
    int have = 0;
    if (!cfg && !cfg_dir) {
        add_check(r, "static-pod-path", KAP_MANIFEST_FAIL, 0, 0,
                  rfmt(r, "give kubelet --config=/var/lib/kubelet/config.yaml (with staticPodPath: %s) in %s",
                       c->manifest_dir, k.exec_from),
                  "kubelet's command line (ExecStart= in %s) has neither --pod-manifest-path nor --config: kubelet "
                  "runs no static pod, this one included",
                  k.exec_from);
        goto done;
    }
    if (cfg) {
        /* the default path, with no command line naming it: kubelet may
         * not read it */
        int err = config_static_pod_path(c, &a, cfg, "kubelet's config",
                                         cfg_given || known ? KAP_MANIFEST_FAIL : KAP_MANIFEST_WARN, &spp);
        have = !err;
        if (!err && spp && spp[0] && spp[0] != '/') {
            /* kubelet makes the config file's relative paths absolute from
             * the file's directory (a drop-in's stay as written: from its
             * working directory, /) */
            kap_buf d = {0}, j = {0};
            /* the config's path as filepath.Abs makes it: from /, cleaned */
            buf_printf(&j, "/%s", cfg);
            if (j.s)
                clean_path(&sp, j.s, j.len);
            if (sp.s)
                path_dirname(&d, sp.s);
            j.len = 0;
            buf_printf(&j, "%s/%s", d.s ? d.s : "", spp);
            sp.len = 0;
            if (j.s)
                clean_path(&sp, j.s, j.len);
            const char *abs = sp.s && !sp.oom ? arena_strndup(&a, sp.s, sp.len) : NULL;
            if (abs)
                spp = abs;
            else
                r->oom = 1;
            bfree(c, &d);
            bfree(c, &j);
        }
        if (err > 0 && !(err == ENOENT && !cfg_given)) {
            add_check(r, "static-pod-path", KAP_MANIFEST_WARN, 0, 0,
                      err == ENOENT ? "give kubelet's config with --kubelet-config" : unread_fix(c, cfg, err, "kubelet"),
                      "kubelet's config %s%s%s%s cannot be read (%s): staticPodPath not checked", cfg,
                      cfg == flag_cfg ? " (--config in " : "", cfg == flag_cfg ? cfg_file : "",
                      cfg == flag_cfg ? ")" : "", err == ENOENT ? "it does not exist" : unread_reason(c, err));
            goto done;
        }
        if (err < 0)
            goto done;
    }
    if (cfg_dir) {
        /* --config-dir: its *.conf files, in kubelet's order, each setting
         * what it names over the config file's (over the defaults without
         * one) */
        int le = noted(c, config_dir_walk(c, cfg_dir, 0, &a, &paths, &npaths, &paths_cap));
        if (le) {
            add_check(r, "static-pod-path", KAP_MANIFEST_WARN, 0, 0,
                      rfmt(r, "create %s or correct --config-dir in %s", cfg_dir, dir_file),
                      "kubelet's --config-dir %s (in %s) cannot be read (%s): kubelet stops at start-up when it "
                      "cannot walk it; staticPodPath not checked",
                      cfg_dir, dir_file, le == ENOENT ? "it does not exist" : strerror(le));
            goto done;
        }
        if (!cfg)
            have = 1; /* the defaults, and the drop-ins over them */
        for (size_t i = 0; i < npaths; i++) {
            const char *v;
            int de = config_static_pod_path(c, &a, paths[i], "kubelet's drop-in config", KAP_MANIFEST_FAIL, &v);
            if (de < 0)
                goto done;
            if (de) {
                add_check(r, "static-pod-path", KAP_MANIFEST_WARN, 0, 0, unread_fix(c, paths[i], de, "kubelet"),
                          "kubelet's drop-in config %s cannot be read (%s): staticPodPath not checked", paths[i],
                          unread_reason(c, de));
                goto done;
            }
            have = 1;
            if (v) {
                spp = v;
                spp_from = paths[i];
            }
        }
    }
    if (!have) {
        add_check(r, "static-pod-path", KAP_MANIFEST_PASS, 0, 0, NULL,
                  "no kubelet config at %s: staticPodPath not checked", cfg);
    } else if (!spp || !spp[0]) {
        const char *where = spp_from ? spp_from : cfg_dir;
        add_check(r, "static-pod-path", KAP_MANIFEST_FAIL, 0, 0,
                  rfmt(r, "set 'staticPodPath: %s' in %s", c->manifest_dir, where),
                  "kubelet's config %s%s%s sets no staticPodPath: kubelet runs no static pod, this one included",
                  cfg ? cfg : "(none: the defaults)", npaths ? " with its drop-ins in " : "", npaths ? cfg_dir : "");
    } else if ((pf = pod_path_file(c, spp)) != 0) {
        names_a_file(c, pf, spp, spp_from, "staticPodPath", "set", unread);
    } else {
        int e2 = noted(c, root_resolve(&c->rt, spp, &sp));
        if (!e2 && sp.s && strcmp(sp.s, c->manifest_dir) == 0)
            add_check(r, "static-pod-path", KAP_MANIFEST_PASS, 0, 0, NULL,
                      "kubelet's staticPodPath (%s, in %s) is the manifest's directory", spp, spp_from);
        else
            add_check(r, "static-pod-path", KAP_MANIFEST_FAIL, 0, 0,
                      rfmt(r, "edit %s/%s instead (or set staticPodPath in %s)", spp, basename_of(c->manifest_node),
                           spp_from),
                      "kubelet reads static pods from %s (staticPodPath in %s), not from %s: editing this manifest "
                      "changes nothing",
                      spp, spp_from, c->manifest_dir);
    }
done:
    for (size_t i = first; unread && i < r->n && !r->oom; i++) {
        kap_manifest_check *ck = &r->checks[i];
        if (ck->status == KAP_MANIFEST_WARN)
            continue;
        kap_buf m = {0}, f = {0};
        buf_printf(&m, "%s; but %s could not be read%s (%s%s), and a --config, --config-dir or --pod-manifest-path "
                       "there would change this",
                   ck->message, unread, unread_err == EISDIR || unread_err == EINVAL ? "" : " here",
                   unread_reason(c, unread_err), k.defaults ? "" : "; see kubelet-unit");
        buf_printf(&f, "%s%s%s", unread_fix(c, unread, unread_err, "systemd"), ck->fix[0] ? "; " : "", ck->fix);
        if (m.oom || f.oom || !buf_cstr(&m) || !buf_cstr(&f)) {
            r->oom = 1;
        } else {
            ck->status = KAP_MANIFEST_WARN;
            ck->message = rstr(r, m.s);
            ck->fix = rstr(r, f.s);
        }
        buf_free(&m);
        buf_free(&f);
    }
    kap_free(paths);
    bfree(c, &sp);
    arena_free(&a);
    kubelet_cmdline_free(&k);
}

/* ---- the entry point --------------------------------------------------------------------------- */

void kap_manifest_options_init(kap_manifest_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->version = KAP_MANIFEST_OPTIONS_VERSION;
}

static void set_error_v(kap_manifest_report *r, const char *fix, const char *fmt, va_list ap)
{
    char small[2048];
    vsnprintf(small, sizeof small, fmt, ap);
    r->error = rstr(r, small);
    add_check(r, "manifest-parse", KAP_MANIFEST_FAIL, 0, 0,
              fix ? fix : "give a readable manifest: one v1 Pod, in YAML or JSON", "%s", small);
}

static void set_error(kap_manifest_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(kap_manifest_report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error_v(r, NULL, fmt, ap);
    va_end(ap);
}

/* set_error() with a fix of its own (NULL: the general one). */
static void set_error_fix(kap_manifest_report *r, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_error_fix(kap_manifest_report *r, const char *fix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error_v(r, fix, fmt, ap);
    va_end(ap);
}

/* The manifest's node path: absolute paths are under the root; a relative
 * path is taken from the working directory and must lie under the root. */
static int manifest_node_path(kap_manifest_report *r, const char *root, const char *manifest, kap_buf *out)
{
    if (manifest[0] == '/') {
        clean_path(out, manifest, strlen(manifest));
        return out->s && !out->oom ? 0 : -1;
    }
    char cwd[PATH_MAX], rootreal[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd) || !realpath(root, rootreal)) {
        set_error(r, "%s: cannot find the working directory or the root: %s", manifest, strerror(errno));
        return -1;
    }
    kap_buf abs = {0}, clean = {0};
    buf_printf(&abs, "%s/%s", cwd, manifest);
    if (!buf_cstr(&abs))
        return -1;
    clean_path(&clean, abs.s, abs.len);
    buf_free(&abs);
    if (clean.oom) {
        buf_free(&clean);
        return -1;
    }
    if (!clean.s || !path_within(clean.s, rootreal)) {
        set_error(r, "%s: the manifest is outside the root %s; give its path inside the root (e.g. %s)", manifest,
                  root, KAP_MANIFEST_DEFAULT_PATH);
        buf_free(&clean);
        return -1;
    }
    const char *rest = strcmp(rootreal, "/") == 0 ? clean.s : clean.s + strlen(rootreal);
    clean_path(out, rest, strlen(rest));
    buf_free(&clean);
    return out->s && !out->oom ? 0 : -1;
}

static int check_manifest(kap_manifest_report **out, const char *manifest, const kap_manifest_options *opts,
                          const char *given, size_t given_len)
{
    if (!out)
        return KAP_EARG;
    *out = NULL;
    if (opts && opts->version < 1)
        return KAP_EARG;
    kap_manifest_report *r = kap_calloc(1, sizeof *r);
    if (!r)
        return KAP_ENOMEM;
    *out = r;
    if (!manifest || !manifest[0])
        manifest = KAP_MANIFEST_DEFAULT_PATH;
    r->manifest = rstr(r, manifest);
    r->kube_minor = KAP_KUBE_MINOR_MAX;
    const char *root = opts && opts->root && opts->root[0] ? opts->root : "/";

    checker c = {0};
    c.r = r;
    c.o = opts;
    c.max_file = opts && opts->max_file_size ? opts->max_file_size : KAP_MANIFEST_DEFAULT_MAX_FILE_SIZE;
    kap_buf disp = {0}, node = {0}, res = {0}, dir = {0}, dres = {0};
    char *data = NULL;
    size_t len = 0;
    int rc = KAP_OK;
    c.rt.fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (c.rt.fd < 0) {
        set_error(r, "%s: cannot use as the root: %s", root, strerror(errno));
        rc = KAP_EIO;
        goto out;
    }
    size_t rl = strlen(root);
    while (rl > 0 && root[rl - 1] == '/')
        rl--;
    buf_add(&disp, root, rl);
    c.rt.display = buf_cstr(&disp) ? disp.s : "";

    if (manifest_node_path(r, root, manifest, &node)) {
        rc = r->error ? KAP_EARG : KAP_ENOMEM;
        goto out;
    }
    /* the directory resolved, the name kept (kubelet lists the directory) */
    path_dirname(&dir, node.s);
    int derr = dir.s ? root_resolve(&c.rt, dir.s, &dres) : ENOMEM;
    if (derr == ENOMEM) {
        rc = KAP_ENOMEM;
        goto out;
    }
    c.manifest_dir = cdup(&c, dres.s);
    {
        kap_buf t = {0};
        buf_printf(&t, "%s/%s", strcmp(c.manifest_dir, "/") == 0 ? "" : c.manifest_dir, basename_of(node.s));
        c.manifest_node = cdup(&c, buf_cstr(&t) ? t.s : "/");
        bfree(&c, &t);
    }
    int err = 0;
    if (given) {
        if (given_len > c.max_file) {
            err = EFBIG;
        } else if (!(data = kap_malloc(given_len + 1))) {
            err = ENOMEM;
        } else {
            memcpy(data, given, given_len);
            data[given_len] = '\0';
            len = given_len;
        }
    } else {
        err = root_read(&c.rt, node.s, c.max_file, &res, &data, &len);
    }
    if (err) {
        if (err == ENOMEM) {
            rc = KAP_ENOMEM;
            goto out;
        }
        const char *why = err == EISDIR ? "is a directory"
                          : err == EINVAL ? "is not a regular file"
                          : err == EFBIG  ? "is larger than the limit (max_file_size)"
                                          : strerror(err);
        if (err == EFBIG)
            /* the limit by both its names: the field (C, Python) and the
             * option of kap check-manifest, the one a reader of the
             * command's error can pass */
            set_error_fix(r,
                          rfmt(r, "check with a larger max_file_size (kap check-manifest --max-file-size) if %s is "
                                  "meant to be that large",
                               manifest),
                          "%s: cannot read the manifest: it is larger than %zu bytes (max_file_size, kap "
                          "check-manifest --max-file-size)",
                          manifest, c.max_file);
        else
            set_error(r, "%s: cannot read the manifest: %s", manifest, why);
        rc = err == EFBIG ? KAP_ELIMIT : KAP_EIO;
        goto out;
    }

    jv *pod = NULL;
    int is_json;
    kap_buf why = {0};
    int prc = read_manifest(&c.a, manifest, data, len, &pod, &is_json, &why);
    if (prc) {
        if (prc != KAP_ENOMEM)
            set_error(r, "%s", why.s);
        buf_free(&why);
        rc = prc;
        goto out;
    }
    add_check(r, "manifest-parse", KAP_MANIFEST_PASS, 0, 0, NULL, "%s parses as %s", c.manifest_node,
              is_json ? "JSON" : "YAML");
    c.pod = pod;
    if (check_pod(&c) == 0 && !r->oom) {
        check_fields(&c);
        read_volumes(&c);
        check_pod_valid(&c);
        /* which release to follow */
        const char *image = jstr_in(&c.a, jget(c.container, "image"), &r->oom);
        unsigned from_image = image ? manifest_minor_from_image(image) : 0;
        c.image_minor = from_image;
        if (opts && opts->kube_minor) {
            r->kube_minor = opts->kube_minor;
            add_check(r, "kube-version", KAP_MANIFEST_PASS, 0, 0, NULL, "following Kubernetes 1.%u (as asked)",
                      r->kube_minor);
        } else if (from_image >= KAP_KUBE_MINOR_MIN && from_image <= KAP_KUBE_MINOR_MAX) {
            r->kube_minor = from_image;
            add_check(r, "kube-version", KAP_MANIFEST_PASS, 0, 0, NULL,
                      "following Kubernetes 1.%u (the image %s)", r->kube_minor, image);
        } else if (from_image) {
            r->kube_minor = from_image < KAP_KUBE_MINOR_MIN ? KAP_KUBE_MINOR_MIN : KAP_KUBE_MINOR_MAX;
            add_check(r, "kube-version", KAP_MANIFEST_WARN, 0, 0, "give --kube-version",
                      "the image %s is Kubernetes 1.%u, outside the releases libkap follows (1.%u to 1.%u): "
                      "following 1.%u",
                      image, from_image, KAP_KUBE_MINOR_MIN, KAP_KUBE_MINOR_MAX, r->kube_minor);
        } else {
            add_check(r, "kube-version", KAP_MANIFEST_PASS, 0, 0, NULL,
                      "following Kubernetes 1.%u (no version in the image%s%s)", r->kube_minor, image ? " " : "",
                      image ? image : "");
        }
        check_recursive_ro(&c);
        const char *policy_host = NULL;
        logpaths lp;
        check_policy(&c, &policy_host);
        check_log(&c, &lp);
        check_values(&c);
        check_webhook(&c);
        check_dir(&c);
        check_paths(&c, policy_host, &lp);
    } else {
        check_dir(&c);
    }
    check_static_pod_path(&c);
out:
    if (c.rt.fd >= 0)
        close(c.rt.fd);
    kap_free(data);
    bfree(&c, &disp);
    bfree(&c, &node);
    bfree(&c, &res);
    bfree(&c, &dir);
    bfree(&c, &dres);
    arena_free(&c.a);
    if (r->oom)
        rc = KAP_ENOMEM;
    if (rc == KAP_ENOMEM) {
        kap_manifest_report_free(r);
        *out = NULL;
    }
    return rc;
}

int kap_manifest_check_file(kap_manifest_report **out, const char *manifest, const kap_manifest_options *opts)
{
    return check_manifest(out, manifest, opts, NULL, 0);
}

int kap_manifest_check_buffer(kap_manifest_report **out, const char *manifest, const void *data, size_t len,
                              const kap_manifest_options *opts)
{
    if (!data && len)
        return KAP_EARG;
    return check_manifest(out, manifest, opts, data ? (const char *)data : "", len);
}

size_t kap_manifest_report_count(const kap_manifest_report *r) { return r ? r->n : 0; }

const kap_manifest_check *kap_manifest_report_get(const kap_manifest_report *r, size_t i)
{
    return r && i < r->n ? &r->checks[i] : NULL;
}

kap_manifest_status kap_manifest_report_worst(const kap_manifest_report *r)
{
    kap_manifest_status w = KAP_MANIFEST_PASS;
    for (size_t i = 0; r && i < r->n; i++)
        if (r->checks[i].status > w)
            w = r->checks[i].status;
    return w;
}

const char *kap_manifest_report_error(const kap_manifest_report *r) { return r ? r->error : NULL; }
const char *kap_manifest_report_manifest(const kap_manifest_report *r) { return r ? r->manifest : NULL; }
const char *kap_manifest_report_policy_file(const kap_manifest_report *r) { return r ? r->policy_file : NULL; }

const kap_diagnostics *kap_manifest_report_policy_diagnostics(const kap_manifest_report *r)
{
    return r ? r->policy_diags : NULL;
}

unsigned int kap_manifest_report_kube_minor(const kap_manifest_report *r) { return r ? r->kube_minor : 0; }

const char *kap_manifest_status_name(kap_manifest_status s)
{
    return s == KAP_MANIFEST_PASS ? "PASS" : s == KAP_MANIFEST_WARN ? "WARN" : s == KAP_MANIFEST_FAIL ? "FAIL" : NULL;
}

void kap_manifest_report_free(kap_manifest_report *r)
{
    if (!r)
        return;
    kap_free(r->checks);
    kap_diagnostics_free(r->policy_diags);
    arena_free(&r->a);
    kap_free(r);
}
