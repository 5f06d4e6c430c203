/* Fuzz target: bytes -> kap check-manifest and --fix, on a node root made
 * once (a policy that loads, kubelet's config, the log directory). The
 * input is the kube-apiserver manifest. Checked on every input:
 *  - the report is well formed: a known status and an ID for every check,
 *    a fix for every WARN and FAIL, or an error saying why none ran;
 *  - a fix that was computed yields a manifest that parses again, and
 *    kap_manifest_check_buffer() on the original bytes gives the same
 *    checks as kap_manifest_check_file().
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

static char manifest[160];

static const char *const dirs[] = {"/etc", "/etc/kubernetes", "/etc/kubernetes/manifests", "/var", "/var/lib",
                                   "/var/lib/kubelet", "/var/log", "/var/log/kubernetes", "/var/log/kubernetes/audit"};
static const char *const files[] = {"/etc/kubernetes/audit-policy.yaml", "/var/lib/kubelet/config.yaml",
                                    "/etc/kubernetes/manifests/kube-apiserver.yaml"};

static void make_root(void)
{
    root_make("fuzz_manifest", dirs, COUNT(dirs), files, COUNT(files));
    root_put(files[0], "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n");
    root_put(files[1], "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
                       "staticPodPath: /etc/kubernetes/manifests\n");
    snprintf(manifest, sizeof manifest, "%s%s", root, files[2]);
}

static void well_formed(const kap_manifest_report *r, int rc)
{
    must(r != NULL, "no report");
    size_t n = kap_manifest_report_count(r);
    if (rc != KAP_OK) {
        const char *e = kap_manifest_report_error(r);
        must(e && *e, "a failed check without an error");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        must(c && c->id && *c->id && c->message && c->fix, "a check without its strings");
        must(kap_manifest_status_name(c->status) != NULL, "an unknown status");
        must(c->status == KAP_MANIFEST_PASS || *c->fix, "a WARN or FAIL without a fix");
    }
    must(kap_manifest_report_get(r, n) == NULL, "a check past the end");
}

static void same_checks(const kap_manifest_report *a, const kap_manifest_report *b)
{
    size_t n = kap_manifest_report_count(a);
    must(n == kap_manifest_report_count(b), "file and buffer: another number of checks");
    for (size_t i = 0; i < n; i++) {
        const kap_manifest_check *x = kap_manifest_report_get(a, i), *y = kap_manifest_report_get(b, i);
        must(strcmp(x->id, y->id) == 0 && x->status == y->status && strcmp(x->message, y->message) == 0 &&
                 x->line == y->line && x->column == y->column,
             "file and buffer: another check");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!root[0])
        make_root();
    FILE *f = fopen(manifest, "wb");
    must(f != NULL, "cannot write the manifest");
    must(fwrite(data, 1, size, f) == size, "cannot write the manifest");
    must(fclose(f) == 0, "cannot write the manifest");

    kap_manifest_options o;
    kap_manifest_options_init(&o);
    o.root = root;
    o.max_file_size = 1 << 16;
    const char *node = files[2];
    kap_manifest_report *fr = NULL, *br = NULL;
    int frc = kap_manifest_check_file(&fr, node, &o);
    if (frc == KAP_ENOMEM)
        return 0;
    well_formed(fr, frc);
    int brc = kap_manifest_check_buffer(&br, node, data, size, &o);
    if (brc != KAP_ENOMEM) {
        well_formed(br, brc);
        must(frc == brc, "file and buffer: another status");
        if (frc == KAP_OK)
            same_checks(fr, br);
    }
    kap_manifest_report_free(fr);
    kap_manifest_report_free(br);

    kap_manifest_fix_options fo;
    kap_manifest_fix_options_init(&fo);
    kap_manifest_fix *fx = NULL;
    int xrc = kap_manifest_fix_new(&fx, node, &o, &fo);
    if (xrc == KAP_ENOMEM)
        return 0;
    must(fx != NULL, "no fix object");
    size_t len = 0;
    const char *fixed = kap_manifest_fix_result(fx, &len);
    if (xrc == KAP_OK && fixed) {
        kap_manifest_report *after = NULL;
        int arc = kap_manifest_check_buffer(&after, node, fixed, len, &o);
        if (arc != KAP_ENOMEM) {
            well_formed(after, arc);
            if (arc == KAP_EINVALID) {
                fprintf(stderr, "the fixed manifest does not parse: %s\n--- fixed:\n%.*s\n",
                        kap_manifest_report_error(after), (int)len, fixed);
                abort();
            }
        }
        kap_manifest_report_free(after);
    } else if (xrc != KAP_OK) {
        const char *e = kap_manifest_fix_error(fx);
        must(e && *e, "a refused fix without a reason");
    }
    kap_manifest_fix_free(fx);
    return 0;
}
