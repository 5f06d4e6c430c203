/* Fuzz target: bytes -> kap_policy_load_buffer. The first byte picks the
 * options (Kubernetes version, tight limits); the rest is the file. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kap_options o;
    kap_options_init(&o);
    uint8_t sel = data[0];
    o.kube_minor = 24 + sel % 13;
    if (sel & 0x80) {
        o.max_depth = 32;
        o.max_alias_nodes = 500;
        o.max_string_length = 256;
        o.max_rules = 16;
        o.max_file_size = 4096;
    }
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int rc = kap_policy_load_buffer(&p, data + 1, size - 1, "fuzz.yaml", &o, &d);
    check_load(rc, p, d);
    if (p)
        probe_requests(p);
    kap_policy_free(p);
    kap_diagnostics_free(d);
    return 0;
}
