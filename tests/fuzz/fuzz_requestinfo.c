/* Fuzz target: a request line ("METHOD URL"; without a space, the method is
 * GET) -> request-info, then explain on a fixed policy. Checks what must
 * hold for any input: a status and its reason agree; every attribute of a
 * resource request but the name (which a field selector may give) is a
 * piece of the decoded path; a non-resource request has the method in lower
 * case and nothing else; the explanation decides as the reference scan does. */
#include "fuzz_common.h"

static const char POLICY[] =
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n"
    "- level: None\n  nonResourceURLs: [\"/healthz*\", /version]\n"
    "- level: Request\n  verbs: [watch, deletecollection, \"\"]\n"
    "  resources: [{group: \"\", resources: [\"pods/*\", \"*/status\"], resourceNames: [web, \"\"]}]\n"
    "- level: Metadata\n  namespaces: [kube-system, \"\"]\n"
    "- level: RequestResponse\n  resources: [{group: \"*\", resources: [\"deployments/scale\", namespaces]}]\n"
    "- level: None\n  verbs: [get, list, proxy, patch]\n"
    "- level: Metadata\n  verbs: [post, propfind]\n  nonResourceURLs: [\"*\"]\n";

static kap_policy *policy;

/* part occurs in whole (a segment of the decoded path). */
static int occurs(kap_str part, kap_str whole)
{
    if (part.len == 0)
        return 1;
    for (size_t i = 0; i + part.len <= whole.len; i++)
        if (memcmp(whole.ptr + i, part.ptr, part.len) == 0)
            return 1;
    return 0;
}

static int is(kap_str s, const char *lit)
{
    return s.len == strlen(lit) && memcmp(s.ptr, lit, s.len) == 0;
}

static void check_str(kap_str s)
{
    if (!s.ptr || s.ptr[s.len] != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!policy && kap_policy_load_buffer(&policy, POLICY, sizeof POLICY - 1, NULL, NULL, NULL) != KAP_OK)
        abort();
    const char *text = (const char *)data;
    const char *sp = memchr(text, ' ', size);
    const char *method = sp ? text : "GET";
    size_t mlen = sp ? (size_t)(sp - text) : 3;
    const char *url = sp ? sp + 1 : text;
    size_t ulen = sp ? size - mlen - 1 : size;

    kap_requestinfo *ri;
    if (kap_requestinfo_new(&ri) != KAP_OK)
        abort();
    kap_request_n q;
    int rc = kap_requestinfo_parse_n(ri, method, mlen, url, ulen, &q);
    if (rc == KAP_EPARSE) {
        int st = kap_requestinfo_http_status(ri);
        if ((st != 400 && st != 500) || !kap_requestinfo_error(ri)[0] || q.verb.ptr)
            abort();
    } else if (rc == KAP_OK) {
        if (kap_requestinfo_http_status(ri) != 0 || kap_requestinfo_error(ri)[0] || q.user.ptr)
            abort();
        kap_str *all[] = {&q.verb, &q.ns, &q.api_group, &q.api_version, &q.resource, &q.subresource, &q.name, &q.path};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            check_str(*all[i]);
        if (q.path.len > (ulen ? ulen : 1))
            abort();
        if (q.resource_request) {
            static const char *const verbs[] = {"get", "list", "watch", "create", "update", "patch", "delete",
                                                "deletecollection", "proxy", ""};
            int known = 0;
            for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
                known |= is(q.verb, verbs[i]);
            if (!known || !occurs(q.ns, q.path) || !occurs(q.api_group, q.path) || !occurs(q.api_version, q.path) ||
                !occurs(q.resource, q.path) || !occurs(q.subresource, q.path))
                abort();
            if (q.resource.len == 0 && q.api_version.len == 0 && q.subresource.len == 0 && q.name.len == 0 &&
                q.ns.len == 0 && q.api_group.len == 0 && q.path.len < 3)
                abort(); /* a resource request has at least api/VERSION/RESOURCE in its path */
        } else {
            if (q.ns.len || q.api_group.len || q.api_version.len || q.resource.len || q.subresource.len || q.name.len ||
                q.verb.len != mlen)
                abort();
            for (size_t i = 0; i < mlen; i++) {
                char c = method[i] >= 'A' && method[i] <= 'Z' ? (char)(method[i] - 'A' + 'a') : method[i];
                if (q.verb.ptr[i] != c)
                    abort();
            }
        }
        /* the explanation decides as the reference does */
        kap_str groups[1] = {{"system:authenticated", 20}};
        q.user.ptr = "alice";
        q.user.len = 5;
        q.groups = groups;
        q.n_groups = 1;
        kap_explanation *e = NULL;
        kap_decision want;
        int erc = kap_policy_explain_n(&e, policy, &q);
        if (erc == KAP_OK) {
            kap_policy_match_reference_n(policy, &q, &want);
            if (memcmp(kap_explanation_decision(e), &want, sizeof want) != 0)
                abort();
            size_t n = kap_explanation_count(e);
            for (size_t i = 0; i < n; i++) {
                const kap_explain_step *s = kap_explanation_get(e, i);
                if (!s->reason || !s->field || (s->check == KAP_CHECK_NONE) != (i + 1 == n && want.rule >= 0))
                    abort();
            }
        } else if (erc != KAP_ENOMEM) {
            abort();
        }
        kap_explanation_free(e);
        check_agree_n(policy, &q);
    } else if (rc != KAP_ENOMEM) {
        abort();
    }
    kap_requestinfo_free(ri);
    return 0;
}
