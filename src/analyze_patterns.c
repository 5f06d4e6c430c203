/* Values that can never match a request kube-apiserver builds: the core
 * group written "core", a version as a group, "*" + "/" + "*", misspelled or
 * misplaced built-in resources, verbs no request has, namespaces on
 * cluster-scoped resources. And the built-in resources themselves.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "analyze.h"

/* ---- built-in resources -------------------------------------------------------------
 *
 * The resources kube-apiserver serves itself, by API group, with their scope
 * and subresources, from the Kubernetes API reference
 * (https://kubernetes.io/docs/reference/kubernetes-api/, one page per
 * release) and `kubectl api-resources` of each release; `since` and `until`
 * bound the releases (1.24 to 1.36) that serve a resource, whatever its
 * version (alpha resources count: a cluster may enable them). Aggregated
 * API servers (metrics.k8s.io, ...) and custom resources are not here: a
 * group not in this table is never judged. */

#define NS 0
#define CL 1

static const an_builtin BUILTINS[] = {
    /* the core group: https://kubernetes.io/docs/reference/kubernetes-api/ ("Workload",
     * "Service", "Config and Storage", "Cluster" resources of group "") */
    {"", "bindings", "binding", NS, 0, 0, ""},
    {"", "componentstatuses", "componentstatus", CL, 0, 0, ""},
    {"", "configmaps", "configmap", NS, 0, 0, ""},
    {"", "endpoints", "endpoints", NS, 0, 0, ""},
    {"", "events", "event", NS, 0, 0, ""},
    {"", "limitranges", "limitrange", NS, 0, 0, ""},
    {"", "namespaces", "namespace", CL, 0, 0, "finalize status"},
    {"", "nodes", "node", CL, 0, 0, "proxy status"},
    {"", "persistentvolumeclaims", "persistentvolumeclaim", NS, 0, 0, "status"},
    {"", "persistentvolumes", "persistentvolume", CL, 0, 0, "status"},
    {"", "pods", "pod", NS, 0, 0,
     "attach binding ephemeralcontainers eviction exec log portforward proxy resize status"},
    {"", "podtemplates", "podtemplate", NS, 0, 0, ""},
    {"", "replicationcontrollers", "replicationcontroller", NS, 0, 0, "scale status"},
    {"", "resourcequotas", "resourcequota", NS, 0, 0, "status"},
    {"", "secrets", "secret", NS, 0, 0, ""},
    {"", "serviceaccounts", "serviceaccount", NS, 0, 0, "token"},
    {"", "services", "service", NS, 0, 0, "proxy status"},
    {"admissionregistration.k8s.io", "mutatingadmissionpolicies", "mutatingadmissionpolicy", CL, 32, 0, "status"},
    {"admissionregistration.k8s.io", "mutatingadmissionpolicybindings", "mutatingadmissionpolicybinding", CL, 32,
     0, ""},
    {"admissionregistration.k8s.io", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", CL, 0, 0, ""},
    {"admissionregistration.k8s.io", "validatingadmissionpolicies", "validatingadmissionpolicy", CL, 26, 0,
     "status"},
    {"admissionregistration.k8s.io", "validatingadmissionpolicybindings", "validatingadmissionpolicybinding", CL,
     26, 0, ""},
    {"admissionregistration.k8s.io", "validatingwebhookconfigurations", "validatingwebhookconfiguration", CL, 0, 0,
     ""},
    {"apiextensions.k8s.io", "customresourcedefinitions", "customresourcedefinition", CL, 0, 0, "status"},
    {"apiregistration.k8s.io", "apiservices", "apiservice", CL, 0, 0, "status"},
    {"apps", "controllerrevisions", "controllerrevision", NS, 0, 0, ""},
    {"apps", "daemonsets", "daemonset", NS, 0, 0, "status"},
    {"apps", "deployments", "deployment", NS, 0, 0, "scale status"},
    {"apps", "replicasets", "replicaset", NS, 0, 0, "scale status"},
    {"apps", "statefulsets", "statefulset", NS, 0, 0, "scale status"},
    {"authentication.k8s.io", "selfsubjectreviews", "selfsubjectreview", CL, 26, 0, ""},
    {"authentication.k8s.io", "tokenreviews", "tokenreview", CL, 0, 0, ""},
    {"authorization.k8s.io", "localsubjectaccessreviews", "localsubjectaccessreview", NS, 0, 0, ""},
    {"authorization.k8s.io", "selfsubjectaccessreviews", "selfsubjectaccessreview", CL, 0, 0, ""},
    {"authorization.k8s.io", "selfsubjectrulesreviews", "selfsubjectrulesreview", CL, 0, 0, ""},
    {"authorization.k8s.io", "subjectaccessreviews", "subjectaccessreview", CL, 0, 0, ""},
    {"autoscaling", "horizontalpodautoscalers", "horizontalpodautoscaler", NS, 0, 0, "status"},
    {"batch", "cronjobs", "cronjob", NS, 0, 0, "status"},
    {"batch", "jobs", "job", NS, 0, 0, "status"},
    {"certificates.k8s.io", "certificatesigningrequests", "certificatesigningrequest", CL, 0, 0, "approval status"},
    {"certificates.k8s.io", "clustertrustbundles", "clustertrustbundle", CL, 27, 0, ""},
    {"certificates.k8s.io", "podcertificaterequests", "podcertificaterequest", NS, 34, 0, "status"},
    {"coordination.k8s.io", "leasecandidates", "leasecandidate", NS, 31, 0, ""},
    {"coordination.k8s.io", "leases", "lease", NS, 0, 0, ""},
    {"discovery.k8s.io", "endpointslices", "endpointslice", NS, 0, 0, ""},
    {"events.k8s.io", "events", "event", NS, 0, 0, ""},
    {"flowcontrol.apiserver.k8s.io", "flowschemas", "flowschema", CL, 0, 0, "status"},
    {"flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", "prioritylevelconfiguration", CL, 0, 0,
     "status"},
    {"internal.apiserver.k8s.io", "storageversions", "storageversion", CL, 0, 0, "status"},
    {"networking.k8s.io", "clustercidrs", "clustercidr", CL, 25, 28, ""},
    {"networking.k8s.io", "ingressclasses", "ingressclass", CL, 0, 0, ""},
    {"networking.k8s.io", "ingresses", "ingress", NS, 0, 0, "status"},
    {"networking.k8s.io", "ipaddresses", "ipaddress", CL, 27, 0, ""},
    {"networking.k8s.io", "networkpolicies", "networkpolicy", NS, 0, 0, "status"},
    {"networking.k8s.io", "servicecidrs", "servicecidr", CL, 29, 0, "status"},
    {"node.k8s.io", "runtimeclasses", "runtimeclass", CL, 0, 0, ""},
    {"policy", "poddisruptionbudgets", "poddisruptionbudget", NS, 0, 0, "status"},
    {"policy", "podsecuritypolicies", "podsecuritypolicy", CL, 0, 24, ""},
    {"rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding", CL, 0, 0, ""},
    {"rbac.authorization.k8s.io", "clusterroles", "clusterrole", CL, 0, 0, ""},
    {"rbac.authorization.k8s.io", "rolebindings", "rolebinding", NS, 0, 0, ""},
    {"rbac.authorization.k8s.io", "roles", "role", NS, 0, 0, ""},
    {"resource.k8s.io", "deviceclasses", "deviceclass", CL, 31, 0, ""},
    {"resource.k8s.io", "devicetaintrules", "devicetaintrule", CL, 33, 0, "status"},
    {"resource.k8s.io", "podschedulingcontexts", "podschedulingcontext", NS, 27, 31, "status"},
    {"resource.k8s.io", "podschedulings", "podscheduling", NS, 26, 26, "status"},
    {"resource.k8s.io", "resourceclaimparameters", "resourceclaimparameters", NS, 30, 30, ""},
    {"resource.k8s.io", "resourceclaims", "resourceclaim", NS, 26, 0, "status"},
    {"resource.k8s.io", "resourceclaimtemplates", "resourceclaimtemplate", NS, 26, 0, ""},
    {"resource.k8s.io", "resourceclasses", "resourceclass", CL, 26, 30, ""},
    {"resource.k8s.io", "resourceclassparameters", "resourceclassparameters", NS, 30, 30, ""},
    {"resource.k8s.io", "resourceslices", "resourceslice", CL, 30, 0, ""},
    {"scheduling.k8s.io", "priorityclasses", "priorityclass", CL, 0, 0, ""},
    {"storage.k8s.io", "csidrivers", "csidriver", CL, 0, 0, ""},
    {"storage.k8s.io", "csinodes", "csinode", CL, 0, 0, ""},
    {"storage.k8s.io", "csistoragecapacities", "csistoragecapacity", NS, 0, 0, ""},
    {"storage.k8s.io", "storageclasses", "storageclass", CL, 0, 0, ""},
    {"storage.k8s.io", "volumeattachments", "volumeattachment", CL, 0, 0, "status"},
    {"storage.k8s.io", "volumeattributesclasses", "volumeattributesclass", CL, 29, 0, ""},
    {"storagemigration.k8s.io", "storageversionmigrations", "storageversionmigration", CL, 30, 0, "status"},
};

#define NBUILTINS (sizeof BUILTINS / sizeof *BUILTINS)

static int served(const an_builtin *b, unsigned minor)
{
    return (!b->since || minor >= b->since) && (!b->until || minor <= b->until);
}

static int eq(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    return an == bn && (bn == 0 || memcmp(a, b, bn) == 0);
}

static int eq_fold(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return 1;
}

const an_builtin *an_builtin_find(const char *group, size_t glen, const char *res, size_t rlen, unsigned minor)
{
    for (size_t i = 0; i < NBUILTINS; i++)
        if (eq(group, glen, BUILTINS[i].group) && eq(res, rlen, BUILTINS[i].resource) && served(&BUILTINS[i], minor))
            return &BUILTINS[i];
    return NULL;
}

int an_builtin_group(const char *group, size_t glen, unsigned minor)
{
    for (size_t i = 0; i < NBUILTINS; i++)
        if (eq(group, glen, BUILTINS[i].group) && served(&BUILTINS[i], minor))
            return 1;
    return 0;
}

const an_builtin *an_builtin_nth(const char *group, size_t glen, unsigned minor, size_t n)
{
    for (size_t i = 0; i < NBUILTINS; i++)
        if (group && eq(group, glen, BUILTINS[i].group) && served(&BUILTINS[i], minor) && n-- == 0)
            return &BUILTINS[i];
    return NULL;
}

/* ---- verbs ---------------------------------------------------------------------------
 *
 * Resource requests: the verb comes from the HTTP method, as the Kubernetes
 * documentation's "Determine the Request Verb" says
 * (https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb):
 * POST create, GET/HEAD get, list or watch, PUT update, PATCH patch, DELETE
 * delete or deletecollection. kube-apiserver's request-info code adds the
 * legacy path verbs watch and proxy, and gives other methods the empty verb
 * (../shared/spec/requestinfo.md, section 6).
 *
 * Non-resource requests: "the lower-cased HTTP method of the request as the
 * verb" (the same page). Go's server takes any token as a method (RFC 9110,
 * section 5.6.2: letters, digits and !#$%&'*+-.^_`|~), so the verb is any
 * such token in lower case (PROPFIND /metrics has the verb propfind:
 * ../shared/spec/requestinfo.md, sections 2 and 6); the methods of RFC 9110,
 * section 9, are the ones clients send.
 *
 * Special verbs: the same page's "checks authorization for additional
 * permissions using specialized verbs" (use, bind, escalate, impersonate) and
 * the certificates API's approve and sign
 * (https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/#authorization).
 * kube-apiserver asks the authorizer about them, but the audit policy sees the
 * request's own verb, so a rule listing them never matches. */

static const char *const RESOURCE_VERBS[] = {"get",    "list",   "watch", "create", "update", "patch",
                                             "delete", "deletecollection", "proxy", ""};
static const char *const NONRESOURCE_VERBS[] = {"get",  "post",    "put",     "patch", "delete",
                                                "head", "options", "connect", "trace"};
static const char *const SPECIAL_VERBS[] = {"impersonate", "bind", "escalate", "use", "approve", "sign"};

static int in_list(const char *v, size_t n, const char *const *list, size_t nlist)
{
    for (size_t i = 0; i < nlist; i++)
        if (eq(v, n, list[i]))
            return 1;
    return 0;
}

int an_resource_verb(const char *v, size_t n)
{
    return in_list(v, n, RESOURCE_VERBS, sizeof RESOURCE_VERBS / sizeof *RESOURCE_VERBS);
}

int an_nonresource_verb(const char *v, size_t n)
{
    return in_list(v, n, NONRESOURCE_VERBS, sizeof NONRESOURCE_VERBS / sizeof *NONRESOURCE_VERBS);
}

int an_method_verb(const char *v, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = v[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (ch && strchr("!#$%&'*+-.^_`|~", ch))))
            return 0;
    }
    return 1;
}

/* ---- the checks ----------------------------------------------------------------------- */

static const char *kp(const kstr *k) { return k->s ? k->s : ""; }

/* Whether a rule's verb is one its author can mean: a resource request's verb
 * (rules that can match resource requests), or any method in lower case
 * (rules that can match non-resource requests: PROPFIND /metrics has the verb
 * propfind). Not "*", the authorizer's verbs, nor, on a rule for
 * non-resource URLs only, a Kubernetes verb no standard method gives (list,
 * watch, create, ...): only a request sent with that very method has them. */
static int verb_ok(const char *s, size_t n, int resource_scoped, int url_scoped)
{
    if (an_resource_verb(s, n) && !url_scoped)
        return 1;
    return an_method_verb(s, n) && !resource_scoped && !eq(s, n, "*") &&
           !in_list(s, n, SPECIAL_VERBS, sizeof SPECIAL_VERBS / sizeof *SPECIAL_VERBS) &&
           !(url_scoped && an_resource_verb(s, n) && !an_nonresource_verb(s, n));
}

/* The HTTP method whose requests have a verb, as clients write it: "WATCH"
 * (in any letter case). */
static void method_of(kap_buf *b, const char *s, size_t n)
{
    kap_buf up = {0};
    int letters = 0;
    for (size_t j = 0; j < n; j++) {
        letters |= s[j] >= 'a' && s[j] <= 'z';
        buf_addc(&up, (char)(s[j] >= 'a' && s[j] <= 'z' ? s[j] - 'a' + 'A' : s[j]));
    }
    an_quote(b, up.s ? up.s : "", up.len);
    if (letters)
        buf_adds(b, " (in any letter case)");
    buf_free(&up);
}

static void check_verbs(an_ctx *c, size_t i, const krule *r)
{
    int resource_scoped = r->namespaces.n || r->nres;
    int url_scoped = !resource_scoped && r->urls.n;
    for (size_t k = 0; k < r->verbs.n; k++) {
        const kstr *v = &r->verbs.v[k];
        const char *s = kp(v);
        if (verb_ok(s, v->len, resource_scoped, url_scoped))
            continue;
        kap_buf f = {0}, q = {0}, h = {0}, mq = {0};
        an_field(&f, i, "verbs", (long)k);
        an_quote(&q, s, v->len);
        /* a verb only a request sent with an unusual method has: the rule
         * can match non-resource requests, and it is a method in lower case */
        int odd_method = !resource_scoped && an_method_verb(s, v->len);
        if (odd_method)
            method_of(&mq, s, v->len);
        if (in_list(s, v->len, SPECIAL_VERBS, sizeof SPECIAL_VERBS / sizeof *SPECIAL_VERBS)) {
            const char *hint = "match the requests themselves: an impersonated request has its own verb (get, create, "
                               "...), and so do role bindings and certificate approvals";
            if (odd_method)
                an_add(c, "authorization-verb", KAP_SEVERITY_INFO, (int)i, v->line, v->col, an_cstr(c, &f), NULL, 0,
                       hint,
                       "kube-apiserver checks %s when it authorizes a request, but only a request sent with the HTTP "
                       "method %s has it as its verb, so this entry matches no request sent with a standard method",
                       an_cstr(c, &q), an_cstr(c, &mq));
            else
                an_add(c, "authorization-verb", KAP_SEVERITY_INFO, (int)i, v->line, v->col, an_cstr(c, &f), NULL, 0,
                       hint,
                       "kube-apiserver checks %s when it authorizes a request, but no request has it as its verb, "
                       "so this entry never matches",
                       an_cstr(c, &q));
        } else {
            /* what the author probably meant */
            char low[32];
            int lower_ok = 0, low_method = 0;
            if (v->len < sizeof low) {
                for (size_t j = 0; j < v->len; j++)
                    low[j] = (char)(s[j] >= 'A' && s[j] <= 'Z' ? s[j] - 'A' + 'a' : s[j]);
                low[v->len] = 0;
                lower_ok = strcmp(low, s) != 0 && verb_ok(low, v->len, resource_scoped, url_scoped);
                low_method = an_nonresource_verb(low, v->len);
            }
            const char *why;
            if (lower_ok) {
                why = "verbs are lower case";
                buf_printf(&h, "write \"%s\"", low);
            } else if (eq(s, v->len, "*")) {
                why = "\"*\" is not a wildcard here";
                buf_adds(&h, "leave verbs out to match every verb");
            } else if (an_resource_verb(s, v->len) && url_scoped) {
                why = "non-resource requests carry their HTTP method as the verb: get, post, put, ...";
                buf_adds(&h, "use HTTP methods in lower case on nonResourceURLs rules");
            } else if (resource_scoped && (an_method_verb(s, v->len) || low_method)) {
                why = "resource requests carry Kubernetes verbs: get, list, watch, create, update, patch, delete, "
                      "deletecollection";
                buf_adds(&h, low_method ? "POST is create, PUT is update"
                                        : "a resource request sent with any other HTTP method has the empty verb \"\"");
            } else {
                why = "it is none of the verbs kube-apiserver gives requests";
                buf_adds(&h, "resource requests: get list watch create update patch delete deletecollection; "
                             "others: their HTTP method in lower case (get post put patch delete head options ...)");
            }
            if (odd_method)
                an_add(c, "unknown-verb", KAP_SEVERITY_WARNING, (int)i, v->line, v->col, an_cstr(c, &f), NULL, 0,
                       an_cstr(c, &h),
                       "only a request sent with the HTTP method %s has the verb %s (%s), so this entry matches no "
                       "request sent with a standard method",
                       an_cstr(c, &mq), an_cstr(c, &q), why);
            else
                an_add(c, "unknown-verb", KAP_SEVERITY_WARNING, (int)i, v->line, v->col, an_cstr(c, &f), NULL, 0,
                       an_cstr(c, &h), "no request has the verb %s (%s), so this entry never matches", an_cstr(c, &q),
                       why);
        }
        buf_free(&f);
        buf_free(&q);
        buf_free(&h);
        buf_free(&mq);
    }
}

/* "v1", "v1beta1", "v2alpha3": a version, not a group. */
static int looks_like_version(const char *s, size_t n)
{
    if (n < 2 || s[0] != 'v' || s[1] < '1' || s[1] > '9')
        return 0;
    size_t i = 1;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == n)
        return 1;
    size_t rest = n - i;
    if (rest > 5 && memcmp(s + i, "alpha", 5) == 0)
        i += 5;
    else if (rest > 4 && memcmp(s + i, "beta", 4) == 0)
        i += 4;
    else
        return 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i == n;
}

/* The built-in a misspelled resource name was meant to be, in this group (or
 * any group for "*"): another letter case, the singular (the kind), or
 * "resource.group" as kubectl writes it. */
static const an_builtin *meant(const char *group, size_t glen, int any_group, const char *r, size_t rlen,
                               unsigned minor, const char **how)
{
    for (size_t i = 0; i < NBUILTINS; i++) {
        const an_builtin *b = &BUILTINS[i];
        if (!served(b, minor) || (!any_group && !eq(group, glen, b->group)))
            continue;
        if (eq_fold(r, rlen, b->resource)) {
            *how = "resource names are lower case";
            return b;
        }
        if (eq_fold(r, rlen, b->singular)) {
            *how = "resource names are plural";
            return b;
        }
        size_t bl = strlen(b->resource);
        if (b->group[0] && rlen > bl + 1 && memcmp(r, b->resource, bl) == 0 && r[bl] == '.' &&
            eq(r + bl + 1, rlen - bl - 1, b->group)) {
            *how = "the group goes in the group field";
            return b;
        }
    }
    return NULL;
}

/* The group that serves a built-in resource of that name, if it is unique. */
static const an_builtin *other_group(const char *r, size_t rlen, unsigned minor)
{
    const an_builtin *found = NULL;
    for (size_t i = 0; i < NBUILTINS; i++) {
        if (served(&BUILTINS[i], minor) && eq(r, rlen, BUILTINS[i].resource)) {
            if (found)
                return NULL; /* events: in two groups */
            found = &BUILTINS[i];
        }
    }
    return found;
}

static int has_word(const char *list, const char *w, size_t n)
{
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && memcmp(p, w, n) == 0)
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

/* A subresource of b close to w: another case, or one letter off. */
static int close_sub(const an_builtin *b, const char *w, size_t n, char *out, size_t outcap)
{
    const char *p = b->subresources;
    while (*p) {
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char cand[40];
        if (l < sizeof cand) {
            memcpy(cand, p, l);
            cand[l] = 0;
            int close = eq_fold(w, n, cand);
            if (!close && (n == l + 1 || l == n + 1)) {
                /* one letter added or dropped at the end: logs, statuses */
                size_t m = n < l ? n : l;
                close = memcmp(w, cand, m) == 0;
            }
            if (close && l < outcap) {
                memcpy(out, cand, l + 1);
                return 1;
            }
        }
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static void check_resource(an_ctx *c, size_t i, const kgr *g, size_t gi, size_t k)
{
    const kstr *pat = &g->resources.v[k];
    const char *p = kp(pat);
    size_t len = pat->len;
    kap_buf f = {0}, q = {0}, h = {0};
    buf_printf(&f, "rules[%zu].resources[%zu].resources[%zu]", i, gi, k);
    an_quote(&q, p, len);
    if (eq(p, len, "*/*")) {
        an_add(c, "resource-star-slash-star", KAP_SEVERITY_WARNING, (int)i, pat->line, pat->col, an_cstr(c, &f), NULL,
               0, "write \"*\" for every resource and subresource of the group",
               "\"*/*\" matches only a subresource (or resource) literally named \"*\", which no request has, so "
               "this entry never matches");
        goto out;
    }
    const char *slash = memchr(p, '/', len);
    size_t rlen = slash ? (size_t)(slash - p) : len;
    const char *sub = slash ? slash + 1 : NULL;
    size_t sublen = slash ? len - rlen - 1 : 0;
    if (rlen == 0 || (rlen == 1 && p[0] == '*'))
        goto out;
    if (sub && memchr(sub, '/', sublen))
        goto out; /* a slash too many: no request has it (analyze_reach: dead-value) */
    int any_group = c->kube_minor >= 36 && kstr_is(&g->group, "*");
    const char *grp = kp(&g->group);
    if (!any_group && !an_builtin_group(grp, g->group.len, c->kube_minor))
        goto out; /* a group of custom or aggregated resources: not judged */
    const an_builtin *b = any_group ? NULL : an_builtin_find(grp, g->group.len, p, rlen, c->kube_minor);
    if (any_group) {
        for (size_t j = 0; j < NBUILTINS && !b; j++)
            if (served(&BUILTINS[j], c->kube_minor) && eq(p, rlen, BUILTINS[j].resource))
                b = &BUILTINS[j];
    }
    if (b) {
        /* a known resource: look at its subresource */
        char good[40];
        if (sub && !(sublen == 1 && sub[0] == '*') && !has_word(b->subresources, sub, sublen) &&
            close_sub(b, sub, sublen, good, sizeof good)) {
            buf_printf(&h, "write \"%s/%s\"", b->resource, good);
            kap_buf sq = {0};
            an_quote(&sq, sub, sublen);
            an_add(c, "misspelled-resource", KAP_SEVERITY_WARNING, (int)i, pat->line, pat->col, an_cstr(c, &f), NULL, 0,
                   an_cstr(c, &h), "%s has no subresource %s (it has \"%s\"), so %s never matches a request",
                   b->resource, an_cstr(c, &sq), good, an_cstr(c, &q));
            buf_free(&sq);
        }
        goto out;
    }
    const char *how = NULL;
    const an_builtin *m = meant(grp, g->group.len, any_group, p, rlen, c->kube_minor, &how);
    if (m) {
        buf_printf(&h, "write \"%s%s%.*s\"", m->resource, sub ? "/" : "", (int)sublen, sub ? sub : "");
        if (!any_group && strcmp(how, "the group goes in the group field") == 0)
            buf_printf(&h, " (the entry's group is already \"%s\")", m->group);
        an_add(c, "misspelled-resource", KAP_SEVERITY_WARNING, (int)i, pat->line, pat->col, an_cstr(c, &f), NULL, 0,
               an_cstr(c, &h), "no request has the resource %s (%s), so this entry never matches", an_cstr(c, &q), how);
        goto out;
    }
    if (!any_group) {
        const an_builtin *o = other_group(p, rlen, c->kube_minor);
        if (!o) {
            kap_buf gq = {0}, rq = {0};
            an_quote(&gq, grp, g->group.len);
            an_quote(&rq, p, rlen);
            buf_printf(&h, "check the name: kubectl api-resources --api-group='%s'", grp);
            an_add(c, "unknown-resource", KAP_SEVERITY_INFO, (int)i, pat->line, pat->col, an_cstr(c, &f), NULL, 0,
                   an_cstr(c, &h), "Kubernetes 1.%u serves no resource %s in the API group %s%s, so this entry never "
                   "matches a request",
                   c->kube_minor, an_cstr(c, &rq), an_cstr(c, &gq), g->group.len ? "" : " (the core group)");
            buf_free(&gq);
            buf_free(&rq);
        } else {
            kap_buf gq = {0}, oq = {0};
            an_quote(&gq, grp, g->group.len);
            an_quote(&oq, o->group, strlen(o->group));
            buf_printf(&h, "move it to an entry with group: %s", an_cstr(c, &oq));
            an_add(c, "resource-wrong-group", KAP_SEVERITY_WARNING, (int)i, pat->line, pat->col, an_cstr(c, &f), NULL,
                   0, an_cstr(c, &h), "%s is served by the API group %s, not %s%s, so this entry never matches it",
                   o->resource, an_cstr(c, &oq), an_cstr(c, &gq), g->group.len ? "" : " (the core group)");
            buf_free(&gq);
            buf_free(&oq);
        }
    }
out:
    buf_free(&f);
    buf_free(&q);
    buf_free(&h);
}

static void check_groups(an_ctx *c, size_t i, const krule *r)
{
    for (size_t gi = 0; gi < r->nres; gi++) {
        const kgr *g = &r->res[gi];
        const char *grp = kp(&g->group);
        kap_buf f = {0}, q = {0};
        buf_printf(&f, "rules[%zu].resources[%zu].group", i, gi);
        an_quote(&q, grp, g->group.len);
        unsigned line = g->group.line ? g->group.line : g->line, col = g->group.line ? g->group.col : g->col;
        if (kstr_is(&g->group, "core")) {
            an_add(c, "group-core", KAP_SEVERITY_WARNING, (int)i, line, col, an_cstr(c, &f), NULL, 0,
                   "write group: \"\" for the core group (pods, secrets, configmaps, ...)",
                   "the core API group is \"\" (empty), and no API group is named \"core\", so this entry never "
                   "matches");
        } else if (looks_like_version(grp, g->group.len)) {
            an_add(c, "group-version", KAP_SEVERITY_WARNING, (int)i, line, col, an_cstr(c, &f), NULL, 0,
                   "write the group alone (\"\" for the core group, \"apps\", ...): versions are not matched",
                   "%s is an API version, not a group: no request has it as its API group, so this entry never "
                   "matches",
                   an_cstr(c, &q));
        }
        buf_free(&f);
        buf_free(&q);
        for (size_t k = 0; k < g->resources.n; k++)
            check_resource(c, i, g, gi, k);
    }
}

/* namespaces on a rule whose resources are all cluster-scoped built-ins
 * (the Namespace object itself excepted: its namespace attribute is its name). */
static void check_cluster_scoped(an_ctx *c, size_t i, const krule *r)
{
    if (!r->namespaces.n || !r->nres)
        return;
    const an_builtin *example = NULL;
    for (size_t gi = 0; gi < r->nres; gi++) {
        const kgr *g = &r->res[gi];
        if (!g->resources.n)
            return;
        for (size_t k = 0; k < g->resources.n; k++) {
            const char *p = kp(&g->resources.v[k]);
            size_t len = g->resources.v[k].len;
            const char *slash = memchr(p, '/', len);
            size_t rlen = slash ? (size_t)(slash - p) : len;
            const an_builtin *b = an_builtin_find(kp(&g->group), g->group.len, p, rlen, c->kube_minor);
            if (!b || !b->cluster_scoped || strcmp(b->resource, "namespaces") == 0)
                return;
            if (!example)
                example = b;
        }
    }
    size_t named = 0;
    for (size_t k = 0; k < r->namespaces.n; k++)
        named += r->namespaces.v[k].len > 0;
    if (!named)
        return;
    kap_buf f = {0}, l = {0};
    an_field(&f, i, "namespaces", -1);
    for (size_t k = 0, shown = 0; k < r->namespaces.n; k++) {
        if (!r->namespaces.v[k].len)
            continue;
        if (shown++)
            buf_adds(&l, ", ");
        an_quote(&l, kp(&r->namespaces.v[k]), r->namespaces.v[k].len);
    }
    an_add(c, "namespaces-cluster-scoped", KAP_SEVERITY_WARNING, (int)i, r->namespaces.line, r->namespaces.col,
           an_cstr(c, &f), NULL, 0,
           "leave namespaces out (or write namespaces: [\"\"]) for cluster-scoped resources",
           "%s %s cluster-scoped: %s requests have the namespace \"\", so namespaces %s never match%s them",
           r->nres == 1 && r->res[0].resources.n == 1 ? example->resource : "the rule's resources",
           r->nres == 1 && r->res[0].resources.n == 1 ? "is" : "are all",
           r->nres == 1 && r->res[0].resources.n == 1 ? "its" : "their", an_cstr(c, &l), named == 1 ? "es" : "");
    buf_free(&f);
    buf_free(&l);
}

void an_check_patterns(an_ctx *c)
{
    for (size_t i = 0; i < c->doc->nrules; i++) {
        const krule *r = &c->doc->rules[i];
        check_verbs(c, i, r);
        check_groups(c, i, r);
        check_cluster_scoped(c, i, r);
    }
}
