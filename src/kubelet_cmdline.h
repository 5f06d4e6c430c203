/* kubelet's command line as systemd builds it from the unit files under
 * check-manifest's root (src/kubelet_cmdline.c).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_KUBELET_CMDLINE_H
#define KAP_KUBELET_CMDLINE_H

#include "manifest_internal.h"

typedef struct kubelet_word {
    const char *s;    /* the argument */
    const char *from; /* the file that gave it: the unit with ExecStart=, or the one setting its variable */
} kubelet_word;

/* The most bytes of arguments kept (with their NULs): Linux's exec refuses
 * more by default (ARG_MAX, a quarter of an 8 MiB stack), and expanding
 * variables could otherwise grow as the square of a file's size. */
#define KUBELET_ARGV_MAX ((size_t)2 << 20)

typedef struct kubelet_cmdline {
    kap_arena a;
    kubelet_word *words; /* ExecStart= expanded: words[0] the program */
    size_t nwords, words_cap;
    const char *exec_from;       /* the file whose ExecStart= runs, or NULL: none */
    const char *exec_before;     /* a file whose ExecStart= was in force when exec_from's came (no empty
                                  * ExecStart= between): systemd refuses the unit; NULL: none */
    const char *env_missing;     /* the first EnvironmentFile= without '-' that cannot be read (systemd
                                  * does not start the service), the file naming it, errno; NULL: none */
    const char *env_missing_from;
    const char *unit_file;       /* the kubelet.service read, or NULL: none (drop-ins only, or defaults) */
    const char *unit_unreadable; /* the first kubelet.service, there but not readable here (errno unit_err):
                                  * nothing else is read; NULL: none */
    int unit_err;
    const char *dropin_unreadable; /* the first drop-in directory (dropin_dir) or drop-in this reader cannot
                                    * read where systemd may (permissions, over max_file, an I/O error;
                                    * errno dropin_err): the rest is read without it; NULL: none */
    int dropin_err;
    int dropin_dir;
    const char *env_unreadable;  /* the first EnvironmentFile= (optional or not) there but not readable here
                                  * (permissions, over max_file, an I/O error; errno env_err), the file naming
                                  * it: the command line is expanded without it; NULL: none */
    const char *env_unreadable_from;
    int env_err;
    const char *masked;          /* the kubelet.service that masks the unit (a link to /dev/null or empty):
                                  * nothing else is read; NULL: not masked */
    int env_missing_err;
    const char **read;           /* the files read, in order */
    size_t nread, read_cap;
    size_t argv_bytes;           /* the words' bytes, with a NUL each */
    int too_long;                /* the command line passed KUBELET_ARGV_MAX: cut there */
    int defaults;                /* no kubelet unit or drop-in: kubeadm's files assumed */
    int oom;
} kubelet_cmdline;

/* Reads kubelet.service and its drop-ins under the root (files of at most
 * max_file bytes), then the environment files they name, and expands the
 * ExecStart= that runs. KAP_OK or KAP_ENOMEM; free with
 * kubelet_cmdline_free() either way. */
KAP_HIDDEN int kubelet_cmdline_read(const rootfs *rt, size_t max_file, kubelet_cmdline *k);
KAP_HIDDEN void kubelet_cmdline_free(kubelet_cmdline *k);
/* The value of kubelet's --name (the last one given, as pflag keeps;
 * '_' in the name given as '-'), with the file it came from; NULL when
 * not given or given empty (for --config and --config-dir both the
 * default, none). *empty (when not NULL): 1 when the last one given is
 * empty, *from then its file (--pod-manifest-path= sets staticPodPath to
 * "" over the config's). */
KAP_HIDDEN const char *kubelet_cmdline_flag(const kubelet_cmdline *k, const char *name, const char **from,
                                            int *empty);

#endif
