/* Fuzz target: bytes -> the JSON-lines request reader behind "kap eval",
 * and the batch entry points, each request decided by both evaluators. */
#include "fuzz_common.h"

static const char POLICY[] =
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n"
    "- level: None\n  users: [\"system:kube-proxy\"]\n  verbs: [watch]\n"
    "  resources: [{group: \"\", resources: [endpoints, services, \"services/status\"]}]\n"
    "- level: None\n  userGroups: [\"system:authenticated\"]\n  nonResourceURLs: [\"/api*\", /version]\n"
    "- level: Request\n  resources: [{group: \"\", resources: [configmaps], resourceNames: [a, \"\"]}]\n"
    "  namespaces: [kube-system, \"\"]\n"
    "- level: Metadata\n  resources: [{group: \"*\", resources: [\"*/status\", \"pods/*\"]}]\n"
    "- level: RequestResponse\n  omitManagedFields: true\n";

static kap_policy *policy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!policy && kap_policy_load_buffer(&policy, POLICY, sizeof POLICY - 1, NULL, NULL, NULL) != KAP_OK)
        abort();
    const char *text = (const char *)data, *end = text + size;
    kap_request_reader *r;
    if (kap_request_reader_new(&r) != KAP_OK)
        abort();
    size_t lines = 0;
    const char *line = text;
    while (line < end) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
        kap_request q;
        int rc = kap_request_reader_parse(r, line, len, &q);
        if (rc == KAP_OK)
            check_agree(policy, &q);
        else if (rc == KAP_EPARSE && !kap_request_reader_error(r)[0])
            abort(); /* a refusal always says why */
        lines++;
        line += len + 1;
    }
    kap_request_reader_free(r);
    /* the batch forms on the same bytes */
    size_t cap = lines + 1, n = 0;
    kap_decision *out = malloc(cap * sizeof *out);
    int *st = malloc(cap * sizeof *st);
    if (!out || !st)
        abort();
    int rc = kap_policy_match_jsonl(policy, text, size, out, st, cap, &n);
    if (rc != KAP_OK && rc != KAP_ELIMIT && rc != KAP_ENOMEM)
        abort();
    rc = kap_policy_match_json(policy, text, size, out, st, cap, &n);
    if (rc != KAP_OK && rc != KAP_ELIMIT && rc != KAP_EPARSE && rc != KAP_ENOMEM)
        abort();
    free(out);
    free(st);
    return 0;
}
