/* What src/manifest.c and src/manifest_fix.c share: host paths looked up
 * under a root directory that no path leaves.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_MANIFEST_INTERNAL_H
#define KAP_MANIFEST_INTERNAL_H

#include <sys/stat.h>

#include "internal.h"

typedef struct rootfs {
    int fd;              /* the root directory */
    const char *display; /* "" for "/", else the root as given without a trailing '/' */
} rootfs;

/* Go's path.Clean of an absolute path ("/a/b", or "/"). */
KAP_HIDDEN void clean_path(kap_buf *out, const char *p, size_t n);
/* Resolves a node path under the root as a chroot would, by the kernel's
 * rules (a component followed by a '/', '.' or '..' must be a directory:
 * ENOTDIR); out: the path with no symlink in it. 0 when it exists, else an
 * errno value (ENOENT: out holds the path it would have). */
KAP_HIDDEN int root_resolve(const rootfs *rt, const char *path, kap_buf *out);
/* Opens a resolved node path one component at a time, none followed. */
KAP_HIDDEN int open_beneath(const rootfs *rt, const char *resolved, int flags);
/* The root's prefix and the node path: the path on this machine. */
KAP_HIDDEN void host_display(const rootfs *rt, kap_buf *out, const char *node);
KAP_HIDDEN int root_stat(const rootfs *rt, const char *path, kap_buf *res, struct stat *st);
/* A regular file's bytes (NUL-terminated), at most max. 0 or an errno
 * value (EISDIR, EINVAL: not a regular file, EFBIG: too large). */
KAP_HIDDEN int root_read(const rootfs *rt, const char *path, size_t max, kap_buf *res, char **data, size_t *len);
/* The names in a node directory that end in suffix (not the dot-files),
 * sorted, in a, the array allocated (kap_free it). 0 or an errno value. */
KAP_HIDDEN int root_list(const rootfs *rt, const char *dir, const char *suffix, kap_arena *a, char ***names,
                         size_t *n);
KAP_HIDDEN int path_within(const char *p, const char *q);
/* Whether a log path names a directory as kube-apiserver opens it: a
 * trailing '/', or a last name of "." or "..". */
KAP_HIDDEN int log_path_names_dir(const char *p);
/* Whether the node directory dir holds nothing but the files of the log
 * log (a container path): names starting with the log's name without its
 * extension, as its rotated copies are named. 0 when it does or is not
 * there yet; EEXIST with another name copied to *other (when other is not
 * NULL); else the errno value of listing it. */
KAP_HIDDEN int log_dir_others(const rootfs *rt, const char *dir, const char *log, kap_buf *other);
/* strconv.ParseInt(s, 0, 64), as kube-apiserver's int flags read their
 * value: 0, or -1 when s is not such a number. */
KAP_HIDDEN int parse_go_int(const char *s, long long *out);

/* What the kernel needs to run the program file fd (src/exec_format.c):
 * EXEC_SCRIPT, with the interpreter its "#!" line names in interp;
 * EXEC_DYNAMIC, an ELF program, with its loader (PT_INTERP) in interp;
 * EXEC_STATIC, an ELF program that needs nothing; EXEC_NOT_A_PROGRAM,
 * neither ELF nor a "#!" line naming an interpreter (execve: ENOEXEC,
 * unless a binfmt_misc handler takes it); EXEC_UNKNOWN, not read or not
 * understood (no verdict). interp holds cap bytes; it is set for
 * EXEC_SCRIPT and EXEC_DYNAMIC only. */
enum { EXEC_UNKNOWN, EXEC_STATIC, EXEC_DYNAMIC, EXEC_SCRIPT, EXEC_NOT_A_PROGRAM };
KAP_HIDDEN int exec_format(int fd, char *interp, size_t cap);

/* The sources a Pod's volume may name (one at most; none is an emptyDir,
 * kubelet's default), and how many there are (src/manifest.c). */
KAP_HIDDEN extern const char *const kap_volume_sources[];
KAP_HIDDEN extern const size_t kap_n_volume_sources;

/* kube-apiserver's defaults for --audit-*-truncate-max-event-size and
 * -max-batch-size. */
#define TRUNCATE_EVENT_DEFAULT 102400LL
#define TRUNCATE_BATCH_DEFAULT 10485760LL
KAP_HIDDEN void path_dirname(kap_buf *out, const char *p);

/* Whether kubelet can read data as a manifest (a Pod object, in JSON when
 * it starts with '{', else YAML), as kap_manifest_check_file() decides: 0,
 * else KAP_EINVALID or KAP_ELIMIT with its error text in why (manifest is
 * the path it names), or KAP_ENOMEM. */
KAP_HIDDEN int manifest_readable(const char *manifest, const char *data, size_t len, kap_buf *why);
/* manifest_readable(), and the object a v1 Pod with a container that runs
 * kube-apiserver (as manifest-pod and manifest-container find one): what
 * --restore may put in the manifest's place. 0, else KAP_EINVALID or
 * KAP_ELIMIT with the reason in why, or KAP_ENOMEM. */
KAP_HIDDEN int manifest_apiserver_pod(const char *manifest, const char *data, size_t len, kap_buf *why);
/* An argument of the kube-apiserver container of the manifest data as
 * kubelet gives it to kube-apiserver: $(NAME) expanded with the
 * container's env, "$$" as "$" (kap check-manifest's reading). 0 with the
 * result in out; KAP_EINVALID when it is not known here (a variable set by
 * valueFrom, no such container) or KAP_ENOMEM. */
KAP_HIDDEN int manifest_expand_arg(const char *data, size_t len, const char *in, kap_buf *out);
/* Whether kube-apiserver's flag is a boolean (a bare --name is true). */
KAP_HIDDEN int manifest_bool_flag(const char *name);
/* kube-apiserver's flags that add to a list or map each time they are given. */
KAP_HIDDEN int manifest_repeatable_flag(const char *name);
/* A container given a command runs kube-apiserver when the command is the
 * kube-apiserver binary, or go-runner (kube-log-runner; kops, kube-up)
 * running it: argv is its command then its args (the first
 * MANIFEST_ARGV_PEEK of them at most; NULL where an item is no string).
 * Returns where kube-apiserver's own arguments begin (1 after the binary;
 * past go-runner, its flags and the binary), or 0 when it runs no
 * kube-apiserver; *bad: the first of go-runner's flags it does not know
 * (it then exits), or NULL. */
#define MANIFEST_ARGV_PEEK 16
KAP_HIDDEN size_t manifest_apiserver_start(const char *const *argv, size_t n, const char **bad);
/* Whether a container without a command, of this image, runs kube-apiserver. */
KAP_HIDDEN int manifest_apiserver_image(const char *image);
/* The minor release in an image's tag (v1.30.4: 30), or 0 when it has none. */
KAP_HIDDEN unsigned manifest_minor_from_image(const char *image);

#endif
