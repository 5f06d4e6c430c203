/* What changed in kube-apiserver's policy loading from release 1.24 to 1.36:
 * one row per change, with the first and last release that has it. The
 * loader's stages ask release_has() about a change; nothing else in the
 * library compares release numbers. The rows were checked by running each
 * release's own loader (../shared/conformance/versions). The rows marked
 * "Go" follow the Go release that built each 1.N.0 binary; patch releases
 * were at times rebuilt with a newer Go, which this table does not follow.
 * SPDX-License-Identifier: Apache-2.0 */
#include "internal.h"

#define ALWAYS_AFTER KAP_KUBE_MINOR_MAX

static const struct release_row {
    kap_change change;
    uint8_t first, last;
} RELEASE_ROWS[] = {
    /* ObjectMeta.clusterName, removed in 1.25: a typed field before, an
     * unknown one after */
    {KC_OBJECTMETA_CLUSTERNAME, 24, 24},
    /* strict decoding first, then the lenient fallback with its warning
     * (apiserver 0547548a); before, lenient decoding only and no warning */
    {KC_LENIENT_FALLBACK, 26, ALWAYS_AFTER},
    /* ListOptions.sendInitialEvents */
    {KC_LISTOPTIONS_SEND_INITIAL_EVENTS, 27, ALWAYS_AFTER},
    /* Go 1.21 (1.29's): strconv's printable runes from Unicode 15.0, 13.0 before */
    {KC_GO_UNICODE_15, 29, ALWAYS_AFTER},
    /* Go 1.22 (1.30's): encoding/json writes \b and \f, not \u0008 and \u000c */
    {KC_GO_JSON_SHORT_ESCAPES, 30, ALWAYS_AFTER},
    /* sigs.k8s.io/yaml v1.4.0: "unsupported map key", "Unsupported" before */
    {KC_YAML_MAPKEY_LOWERCASE, 31, ALWAYS_AFTER},
    /* DeleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential */
    {KC_DELETEOPTIONS_IGNORE_READ_ERROR, 32, ALWAYS_AFTER},
    /* field errors print a rejected value that is not a plain string (the
     * level, URL and name lists) as JSON; with Go's %#v before */
    {KC_FIELD_VALUE_JSON, 34, ALWAYS_AFTER},
    /* resources[].group "*" matches every group and passes validation
     * (apiserver 6728d949) */
    {KC_GROUP_WILDCARD, 36, ALWAYS_AFTER},
    /* ListMeta.shardInfo */
    {KC_LISTMETA_SHARDINFO, 36, ALWAYS_AFTER},
};

uint32_t release_changes(unsigned int kube_minor)
{
    uint32_t set = 0;
    for (size_t i = 0; i < sizeof RELEASE_ROWS / sizeof RELEASE_ROWS[0]; i++)
        if (kube_minor >= RELEASE_ROWS[i].first && kube_minor <= RELEASE_ROWS[i].last)
            set |= 1u << RELEASE_ROWS[i].change;
    return set;
}

unsigned int release_gofmt(uint32_t changes)
{
    unsigned int f = 0;
    if (!(changes & (1u << KC_GO_UNICODE_15)))
        f |= GOFMT_UNICODE13;
    if (!(changes & (1u << KC_GO_JSON_SHORT_ESCAPES)))
        f |= GOFMT_JSON_LONG_ESCAPES;
    return f;
}
