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

typedef struct kubelet_cmdline {
    kap_arena a;
    kubelet_word *words; /* ExecStart= expanded: words[0] the program */
    size_t nwords, words_cap;
    const char *exec_from;       /* the file whose ExecStart= runs, or NULL: none */
    const char **read;           /* the files read, in order */
    size_t nread, read_cap;
    int defaults;                /* no kubelet unit or drop-in: kubeadm's files assumed */
    int oom;
} kubelet_cmdline;

/* Reads kubelet.service and its drop-ins under the root (files of at most
 * max_file bytes), then the environment files they name, and expands the
 * ExecStart= that runs. KAP_OK or KAP_ENOMEM; free with
 * kubelet_cmdline_free() either way. */
KAP_HIDDEN int kubelet_cmdline_read(const rootfs *rt, size_t max_file, kubelet_cmdline *k);
KAP_HIDDEN void kubelet_cmdline_free(kubelet_cmdline *k);
/* The value of kubelet's --name (the last one given, as pflag keeps; an
 * empty value is not taken), with the file it came from; NULL when not
 * given. */
KAP_HIDDEN const char *kubelet_cmdline_flag(const kubelet_cmdline *k, const char *name, const char **from);

#endif
