/* Fuzz target: bytes -> kubelet's command line as systemd builds it
 * (src/kubelet_cmdline.c), through kap check-manifest. The input is a
 * kubelet.service drop-in and, after the first NUL byte, the environment
 * file it names; the node root around them (a good manifest, a policy,
 * kubelet's config and a --config-dir with one drop-in) is made once.
 * Checked on every input: the report is well formed and holds exactly one
 * static-pod-path check, whose file names (where a flag came from) are
 * among the files the root holds.
 * SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_root.h"
#include "kap.h"

static const char *const dirs[] = {"/etc",
                                   "/etc/kubernetes",
                                   "/etc/kubernetes/manifests",
                                   "/etc/kubelet.d",
                                   "/etc/systemd",
                                   "/etc/systemd/system",
                                   "/etc/systemd/system/kubelet.service.d",
                                   "/var",
                                   "/var/lib",
                                   "/var/lib/kubelet",
                                   "/var/log",
                                   "/var/log/kubernetes",
                                   "/var/log/kubernetes/audit"};
#define DROPIN "/etc/systemd/system/kubelet.service.d/10-fuzz.conf"
#define ENVFILE "/etc/kubelet.env"
static const char *const files[] = {"/etc/kubernetes/audit-policy.yaml", "/var/lib/kubelet/config.yaml",
                                    "/etc/kubernetes/manifests/kube-apiserver.yaml", "/etc/kubelet.d/10-a.conf",
                                    DROPIN, ENVFILE};

static void make_root(void)
{
    root_make("fuzz_kubelet", dirs, COUNT(dirs), files, COUNT(files));
    root_put(files[0], "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n");
    root_put(files[1], "staticPodPath: /etc/kubernetes/manifests\n");
    root_put(files[2], "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n"
                       "    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command:\n    - kube-apiserver\n"
                       "    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
                       "    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n");
    root_put(files[3], "staticPodPath: /etc/kubernetes/manifests\n");
}

/* The file a static-pod-path message says --pod-manifest-path came from,
 * or NULL for a message of another kind. The flag's value comes before the
 * file and may hold anything (a marker such as "--pod-manifest-path in "
 * too), so the file is found from the message's end: a fixed tail, the
 * file, and before it the words that say whose file it is. */
static char pmp_from[4096];
static const char *pmp_file(const char *msg)
{
    static const char *const tails[] = {
        "), not this manifest: editing it changes nothing",
        "), not from /etc/kubernetes/manifests: editing this manifest changes nothing",
        ") is this manifest: kubelet runs this one file",
        ") is the manifest's directory",
    };
    static const char lead[] = "kubelet's --pod-manifest-path (";
    size_t n = strlen(msg);
    for (size_t t = 0; t < COUNT(tails); t++) {
        size_t tl = strlen(tails[t]);
        if (n < tl || strcmp(msg + n - tl, tails[t]) != 0)
            continue;
        /* the file runs back to the last " in " (no file of the root has
         * a space in its name) */
        size_t end = n - tl, b = end;
        while (b > 0 && msg[b - 1] != ' ')
            b--;
        if (b < 4 || strncmp(msg + b - 4, " in ", 4) != 0 || end - b >= sizeof pmp_from)
            return NULL;
        int flag = (b >= 24 && strncmp(msg + b - 24, "(--pod-manifest-path in ", 24) == 0) ||
                   (strncmp(msg, lead, sizeof lead - 1) == 0 && msg[b - 5] == ',');
        if (!flag)
            return NULL;
        memcpy(pmp_from, msg + b, end - b);
        pmp_from[end - b] = 0;
        return pmp_from;
    }
    return NULL;
}

/* whether a and b (paths in the root) name one file */
static int same_file(const char *a, const char *b)
{
    char pa[4200], pb[4200];
    struct stat sa, sb;
    snprintf(pa, sizeof pa, "%s%s", root, a);
    snprintf(pb, sizeof pb, "%s%s", root, b);
    return stat(pa, &sa) == 0 && stat(pb, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!root[0])
        make_root();
    const char *text = (const char *)data;
    const char *nul = memchr(text, 0, size);
    size_t unit_len = nul ? (size_t)(nul - text) : size;
    char head[] = "[Service]\nEnvironmentFile=-" ENVFILE "\n";
    char *unit = malloc(sizeof head + unit_len);
    must(unit != NULL, "malloc");
    memcpy(unit, head, sizeof head - 1);
    memcpy(unit + sizeof head - 1, text, unit_len);
    root_put_n(DROPIN, unit, sizeof head - 1 + unit_len);
    free(unit);
    root_put_n(ENVFILE, nul ? nul + 1 : "", nul ? size - unit_len - 1 : 0);

    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    o.max_file_size = 1 << 16;
    kap_manifest_report *r = NULL;
    int rc = kap_manifest_check_file(&r, files[2], &o);
    if (rc == KAP_ENOMEM) {
        kap_manifest_report_free(r);
        return 0;
    }
    must(rc == KAP_OK, "the manifest did not check");
    size_t n = kap_manifest_report_count(r), spp = 0;
    for (size_t i = 0; i < n; i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        must(c && c->id && *c->id && c->message && c->fix, "a check without its strings");
        must(kap_manifest_status_name(c->status) != NULL, "an unknown status");
        must(c->status == KAP_MANIFEST_PASS || *c->fix, "a WARN or FAIL without a fix");
        if (strcmp(c->id, "static-pod-path") != 0)
            continue;
        spp++;
        /* where --pod-manifest-path came from is the drop-in or the
         * environment file */
        const char *from = pmp_file(c->message);
        if (from)
            must(same_file(from, DROPIN) || same_file(from, ENVFILE),
                 "--pod-manifest-path from a file the root does not give it in");
    }
    must(spp == 1, "not one static-pod-path check");
    kap_manifest_report_free(r);
    return 0;
}
