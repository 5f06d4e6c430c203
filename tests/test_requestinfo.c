/* Request-info: the attributes kube-apiserver derives from an HTTP method
 * and URL (../shared/spec/requestinfo.md). Every expected value here comes
 * from that document: its worked examples (section 15, the table below is
 * that table, row for row), its requests that never reach the policy
 * (section 12), and the cases its text states (sections 2 to 11, appendix
 * A). Python's test_explain.py checks the same rows against the document
 * itself, so a row typed wrong here cannot hide. */
#include <stdint.h>

#include "helpers.h"

typedef struct row {
    int num;
    const char *method, *url;
    int res;
    const char *verb, *ns, *group, *version, *resource, *sub, *name, *path;
} row;

/* Section 15, rows 1 to 96: method, URL, resourceRequest, verb, namespace,
 * apiGroup, apiVersion, resource, subresource, name, path. */
static const row EXAMPLES[] = {
    {1, "GET", "/api/v1/namespaces/default/pods/web/log", 1, "get", "default", "", "v1", "pods", "log", "web", "/api/v1/namespaces/default/pods/web/log"},
    {2, "GET", "/api/v1/namespaces/default/pods", 1, "list", "default", "", "v1", "pods", "", "", "/api/v1/namespaces/default/pods"},
    {3, "GET", "/api/v1/pods", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {4, "GET", "/api/v1/namespaces/default/pods/web", 1, "get", "default", "", "v1", "pods", "", "web", "/api/v1/namespaces/default/pods/web"},
    {5, "HEAD", "/api/v1/namespaces/default/pods/web", 1, "get", "default", "", "v1", "pods", "", "web", "/api/v1/namespaces/default/pods/web"},
    {6, "HEAD", "/api/v1/pods", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {7, "POST", "/api/v1/namespaces/default/pods", 1, "create", "default", "", "v1", "pods", "", "", "/api/v1/namespaces/default/pods"},
    {8, "PUT", "/api/v1/namespaces/default/pods/web", 1, "update", "default", "", "v1", "pods", "", "web", "/api/v1/namespaces/default/pods/web"},
    {9, "PATCH", "/api/v1/namespaces/default/pods/web", 1, "patch", "default", "", "v1", "pods", "", "web", "/api/v1/namespaces/default/pods/web"},
    {10, "DELETE", "/api/v1/namespaces/default/pods/web", 1, "delete", "default", "", "v1", "pods", "", "web", "/api/v1/namespaces/default/pods/web"},
    {11, "DELETE", "/api/v1/namespaces/default/pods", 1, "deletecollection", "default", "", "v1", "pods", "", "", "/api/v1/namespaces/default/pods"},
    {12, "POST", "/api/v1/namespaces/default/pods/web/eviction", 1, "create", "default", "", "v1", "pods", "eviction", "web", "/api/v1/namespaces/default/pods/web/eviction"},
    {13, "PUT", "/api/v1/namespaces/default/pods/web/status", 1, "update", "default", "", "v1", "pods", "status", "web", "/api/v1/namespaces/default/pods/web/status"},
    {14, "POST", "/api/v1/namespaces/default/pods/web/exec?command=ls", 1, "create", "default", "", "v1", "pods", "exec", "web", "/api/v1/namespaces/default/pods/web/exec"},
    {15, "GET", "/api/v1/namespaces/default/pods/web/exec?command=ls", 1, "get", "default", "", "v1", "pods", "exec", "web", "/api/v1/namespaces/default/pods/web/exec"},
    {16, "GET", "/api/v1/nodes/n1", 1, "get", "", "", "v1", "nodes", "", "n1", "/api/v1/nodes/n1"},
    {17, "GET", "/api/v1/nodes/n1/proxy/metrics", 1, "get", "", "", "v1", "nodes", "proxy", "n1", "/api/v1/nodes/n1/proxy/metrics"},
    {18, "GET", "/api/v1/namespaces/default/services/https:web:443/proxy/healthz", 1, "get", "default", "", "v1", "services", "proxy", "https:web:443", "/api/v1/namespaces/default/services/https:web:443/proxy/healthz"},
    {19, "OPTIONS", "/api/v1/pods", 1, "", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {20, "get", "/api/v1/pods", 1, "", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {21, "LIST", "/api/v1/pods", 1, "", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {22, "GET", "/apis/apps/v1/namespaces/default/deployments", 1, "list", "default", "apps", "v1", "deployments", "", "", "/apis/apps/v1/namespaces/default/deployments"},
    {23, "PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale", 1, "patch", "default", "apps", "v1", "deployments", "scale", "web", "/apis/apps/v1/namespaces/default/deployments/web/scale"},
    {24, "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin", 1, "get", "", "rbac.authorization.k8s.io", "v1", "clusterroles", "", "admin", "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin"},
    {25, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", 1, "create", "", "authorization.k8s.io", "v1", "subjectaccessreviews", "", "", "/apis/authorization.k8s.io/v1/subjectaccessreviews"},
    {26, "DELETE", "/apis/batch/v1/namespaces/ci/jobs", 1, "deletecollection", "ci", "batch", "v1", "jobs", "", "", "/apis/batch/v1/namespaces/ci/jobs"},
    {27, "GET", "/apis/metrics.k8s.io/v1beta1/nodes", 1, "list", "", "metrics.k8s.io", "v1beta1", "nodes", "", "", "/apis/metrics.k8s.io/v1beta1/nodes"},
    {28, "GET", "/api/v1/namespaces", 1, "list", "", "", "v1", "namespaces", "", "", "/api/v1/namespaces"},
    {29, "GET", "/api/v1/namespaces/kube-system", 1, "get", "kube-system", "", "v1", "namespaces", "", "kube-system", "/api/v1/namespaces/kube-system"},
    {30, "DELETE", "/api/v1/namespaces/kube-system", 1, "delete", "kube-system", "", "v1", "namespaces", "", "kube-system", "/api/v1/namespaces/kube-system"},
    {31, "PUT", "/api/v1/namespaces/kube-system/finalize", 1, "update", "kube-system", "", "v1", "namespaces", "finalize", "kube-system", "/api/v1/namespaces/kube-system/finalize"},
    {32, "PATCH", "/api/v1/namespaces/kube-system/status", 1, "patch", "kube-system", "", "v1", "namespaces", "status", "kube-system", "/api/v1/namespaces/kube-system/status"},
    {33, "POST", "/api/v1/namespaces", 1, "create", "", "", "v1", "namespaces", "", "", "/api/v1/namespaces"},
    {34, "GET", "/api/v1/namespaces/kube-system/Status", 1, "list", "kube-system", "", "v1", "Status", "", "", "/api/v1/namespaces/kube-system/Status"},
    {35, "GET", "/apis/apps/v1/namespaces/foo/status", 1, "get", "foo", "apps", "v1", "namespaces", "status", "foo", "/apis/apps/v1/namespaces/foo/status"},
    {36, "GET", "/api/v1/namespaces/default/pods?watch=1", 1, "watch", "default", "", "v1", "pods", "", "", "/api/v1/namespaces/default/pods"},
    {37, "GET", "/api/v1/pods?watch=true", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {38, "GET", "/api/v1/pods?watch=false", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {39, "GET", "/api/v1/pods?watch=0", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {40, "GET", "/api/v1/pods?watch", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {41, "GET", "/api/v1/pods?watch=no", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {42, "GET", "/api/v1/pods?watch=FALSE", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {43, "GET", "/api/v1/pods?watch=0&watch=1", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {44, "GET", "/api/v1/pods?Watch=true", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {45, "GET", "/api/v1/pods?watch=1;x=y", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {46, "GET", "/api/v1/namespaces/default/pods/web?watch=1", 1, "get", "default", "", "v1", "pods", "", "web", "/api/v1/namespaces/default/pods/web"},
    {47, "DELETE", "/api/v1/pods?watch=1", 1, "deletecollection", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {48, "GET", "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dweb", 1, "list", "default", "", "v1", "pods", "", "web", "/api/v1/namespaces/default/pods"},
    {49, "GET", "/api/v1/namespaces/default/pods?fieldSelector=metadata.name=web&watch=true", 1, "watch", "default", "", "v1", "pods", "", "web", "/api/v1/namespaces/default/pods"},
    {50, "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1,metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    {51, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Db,metadata.name%3Da", 1, "list", "", "", "v1", "pods", "", "a", "/api/v1/pods"},
    {52, "GET", "/api/v1/pods?fieldSelector=metadata.name%3D%3Dweb", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    {53, "GET", "/api/v1/pods?fieldSelector=metadata.name!%3Dweb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {54, "GET", "/api/v1/pods?fieldSelector=metadata.name%3D..", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {55, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Da%5C,b", 1, "list", "", "", "v1", "pods", "", "a,b", "/api/v1/pods"},
    {56, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Da,b", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {57, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Dweb&limit=abc", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {58, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Dweb&labelSelector=app%3D-x", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {59, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Dweb&timeoutSeconds=x&watch=1", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {60, "DELETE", "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dweb", 1, "deletecollection", "default", "", "v1", "pods", "", "", "/api/v1/namespaces/default/pods"},
    {61, "GET", "/api/v1/namespaces/default/pods/web?fieldSelector=metadata.name%3Dother", 1, "get", "default", "", "v1", "pods", "", "web", "/api/v1/namespaces/default/pods/web"},
    {62, "GET", "/api/v1/pods?fieldSelector=metadata.namespace%3Dkube-system", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {63, "GET", "/api/v1/watch/namespaces/default/pods", 1, "watch", "default", "", "v1", "pods", "", "", "/api/v1/watch/namespaces/default/pods"},
    {64, "GET", "/api/v1/watch/namespaces/default/pods/web", 1, "watch", "default", "", "v1", "pods", "", "web", "/api/v1/watch/namespaces/default/pods/web"},
    {65, "GET", "/apis/apps/v1/watch/deployments?watch=false", 1, "watch", "", "apps", "v1", "deployments", "", "", "/apis/apps/v1/watch/deployments"},
    {66, "POST", "/api/v1/watch/pods", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/watch/pods"},
    {67, "GET", "/api/v1/watch/namespaces/default/pods?fieldSelector=metadata.name%3Dweb", 1, "watch", "default", "", "v1", "pods", "", "", "/api/v1/watch/namespaces/default/pods"},
    {68, "GET", "/api/v1/proxy/namespaces/default/pods/web/status", 1, "proxy", "default", "", "v1", "pods", "", "web", "/api/v1/proxy/namespaces/default/pods/web/status"},
    {69, "GET", "/api/v1/proxy/nodes/n1:10250/stats/summary", 1, "proxy", "", "", "v1", "nodes", "", "n1:10250", "/api/v1/proxy/nodes/n1:10250/stats/summary"},
    {70, "GET", "/healthz", 0, "get", "", "", "", "", "", "", "/healthz"},
    {71, "POST", "/healthz", 0, "post", "", "", "", "", "", "", "/healthz"},
    {72, "HEAD", "/version", 0, "head", "", "", "", "", "", "", "/version"},
    {73, "GET", "/api", 0, "get", "", "", "", "", "", "", "/api"},
    {74, "GET", "/api/v1", 0, "get", "", "", "", "", "", "", "/api/v1"},
    {75, "GET", "/apis/apps/v1", 0, "get", "", "", "", "", "", "", "/apis/apps/v1"},
    {76, "GET", "/apis/v1/pods", 0, "get", "", "", "", "", "", "", "/apis/v1/pods"},
    {77, "GET", "/openapi/v3/apis/apps/v1", 0, "get", "", "", "", "", "", "", "/openapi/v3/apis/apps/v1"},
    {78, "GET", "/livez?verbose", 0, "get", "", "", "", "", "", "", "/livez"},
    {79, "GET", "/API/v1/pods", 0, "get", "", "", "", "", "", "", "/API/v1/pods"},
    {80, "get", "/healthz", 0, "get", "", "", "", "", "", "", "/healthz"},
    {81, "PROPFIND", "/metrics", 0, "propfind", "", "", "", "", "", "", "/metrics"},
    {82, "GET", "/api/v1/pods/", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods/"},
    {83, "GET", "//api/v1/pods", 1, "list", "", "", "v1", "pods", "", "", "//api/v1/pods"},
    {84, "GET", "/api/v1/namespaces//pods", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/namespaces//pods"},
    {85, "GET", "/api/v1//pods", 1, "get", "", "", "v1", "", "", "pods", "/api/v1//pods"},
    {86, "GET", "/api//v1/pods", 1, "get", "", "", "", "v1", "", "pods", "/api//v1/pods"},
    {87, "GET", "/api/v1/namespaces/default/pods//log", 1, "list", "default", "", "v1", "pods", "log", "", "/api/v1/namespaces/default/pods//log"},
    {88, "DELETE", "/api/v1/namespaces/default/pods//status", 1, "deletecollection", "default", "", "v1", "pods", "status", "", "/api/v1/namespaces/default/pods//status"},
    {89, "GET", "/api/v1/namespaces/default/pods/a%2Fb", 1, "get", "default", "", "v1", "pods", "b", "a", "/api/v1/namespaces/default/pods/a/b"},
    {90, "GET", "/%61pi/v1/pods", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {91, "GET", "/api/v1/namespaces/default/pods/we%20b", 1, "get", "default", "", "v1", "pods", "", "we b", "/api/v1/namespaces/default/pods/we b"},
    {92, "GET", "/api/v1/namespaces/default/pods/a+b", 1, "get", "default", "", "v1", "pods", "", "a+b", "/api/v1/namespaces/default/pods/a+b"},
    {93, "GET", "/api/v1/namespaces/default/pods/../secrets", 1, "get", "default", "", "v1", "pods", "secrets", "..", "/api/v1/namespaces/default/pods/../secrets"},
    {94, "GET", "/apis/apps/v1/namespaces/default/deployments/web/scale/extra", 1, "get", "default", "apps", "v1", "deployments", "scale", "web", "/apis/apps/v1/namespaces/default/deployments/web/scale/extra"},
    {95, "GET", "/api/v1/namespaces/default/pods%3Fwatch=1", 1, "list", "default", "", "v1", "pods?watch=1", "", "", "/api/v1/namespaces/default/pods?watch=1"},
    {96, "GET", "/apis/apps//deployments", 1, "list", "", "apps", "", "deployments", "", "", "/apis/apps//deployments"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void expect_str(const char *what, const row *r, kap_str got, const char *want)
{
    size_t n = strlen(want);
    ck_assert_msg(got.ptr != NULL, "#%d %s %s: %s absent", r->num, r->method, r->url, what);
    ck_assert_msg(got.len == n && memcmp(got.ptr, want, n) == 0 && got.ptr[n] == 0,
                  "#%d %s %s: %s is \"%.*s\", want \"%s\"", r->num, r->method, r->url, what, (int)got.len, got.ptr, want);
}

static void expect_row(kap_requestinfo *ri, const row *r)
{
    kap_request_n q;
    int rc = kap_requestinfo_parse_n(ri, r->method, strlen(r->method), r->url, strlen(r->url), &q);
    ck_assert_msg(rc == KAP_OK, "#%d %s %s: status %d (%s)", r->num, r->method, r->url, rc, kap_requestinfo_error(ri));
    ck_assert_int_eq(kap_requestinfo_http_status(ri), 0);
    ck_assert_str_eq(kap_requestinfo_error(ri), "");
    ck_assert_msg(q.resource_request == r->res, "#%d %s %s: resourceRequest %d", r->num, r->method, r->url,
                  q.resource_request);
    ck_assert_msg(q.user.ptr == NULL && q.groups == NULL && q.n_groups == 0, "#%d: a user was set", r->num);
    expect_str("verb", r, q.verb, r->verb);
    expect_str("namespace", r, q.ns, r->ns);
    expect_str("apiGroup", r, q.api_group, r->group);
    expect_str("apiVersion", r, q.api_version, r->version);
    expect_str("resource", r, q.resource, r->resource);
    expect_str("subresource", r, q.subresource, r->sub);
    expect_str("name", r, q.name, r->name);
    expect_str("path", r, q.path, r->path);

    /* the C-string entry point gives the same strings */
    kap_request c;
    ck_assert_int_eq(kap_requestinfo_parse(ri, r->method, r->url, &c), KAP_OK);
    ck_assert_int_eq(c.resource_request, r->res);
    ck_assert_ptr_null(c.user);
    ck_assert_str_eq(c.verb, r->verb);
    ck_assert_str_eq(c.ns, r->ns);
    ck_assert_str_eq(c.api_group, r->group);
    ck_assert_str_eq(c.api_version, r->version);
    ck_assert_str_eq(c.resource, r->resource);
    ck_assert_str_eq(c.subresource, r->sub);
    ck_assert_str_eq(c.name, r->name);
    ck_assert_str_eq(c.path, r->path);
}

static void expect_rows(const row *rows, size_t n)
{
    kap_requestinfo *ri;
    ck_assert_int_eq(kap_requestinfo_new(&ri), KAP_OK);
    for (size_t i = 0; i < n; i++)
        expect_row(ri, &rows[i]);
    kap_requestinfo_free(ri);
}

START_TEST(worked_examples)
{
    ck_assert_uint_eq(N(EXAMPLES), 96);
    for (size_t i = 0; i < N(EXAMPLES); i++)
        ck_assert_int_eq(EXAMPLES[i].num, (int)i + 1);
    expect_rows(EXAMPLES, N(EXAMPLES));
}
END_TEST

typedef struct refused {
    const char *method, *url;
    int status;
} refused;

/* Section 12's table, then the other refusals sections 2 and 6 describe. */
static const refused NO_EVENT[] = {
    {"GET", "/api/v1/watch", 500},
    {"GET", "/api/v1/watch/", 500},
    {"GET", "/api/v1/watch//", 500},
    {"GET", "/api/v1/proxy", 500},
    {"DELETE", "/api/v1/proxy/", 500},
    {"GET", "/apis/apps/v1/watch", 500},
    {"POST", "/apis/apps/v1/proxy?x=1", 500},
    {"GET", "/api/v1/namespaces/default/pods/%zz", 400},
    {"GET", "/api/v1/pods%2", 400},
    {"GET", "/healthz%", 400},
    {"GET", "api/v1/pods", 400},
    {"GET", "healthz", 400},
    /* section 2 */
    {"GET", "/x/%zz", 400},
    {"GET", "/x%4", 400},
    {"GET", "", 400},
    {"GET", "/a b", 400},
    {"GET", "/a\tb", 400},
    {"GET", "/a\x7f", 400},
    {"GET", "/a?b=\x01", 400}, /* the whole target, query included */
    {"GET", "/a?b=c d", 400},
    {"GET", "*?x", 400},
    {"GET", "?x", 400},
    {"", "/healthz", 400},    /* Go's server wants a method token */
    {"GE T", "/healthz", 400},
    {"G(T", "/healthz", 400},
    {"GET\x80", "/healthz", 400},
    /* section 6, step 5: only the legacy verb segment */
    {"PUT", "/apis/apps/v1/proxy/", 500},
    {"GET", "/api/v1/watch?watch=1", 500},
};

START_TEST(requests_without_an_audit_event)
{
    kap_requestinfo *ri;
    ck_assert_int_eq(kap_requestinfo_new(&ri), KAP_OK);
    for (size_t i = 0; i < N(NO_EVENT); i++) {
        const refused *r = &NO_EVENT[i];
        kap_request_n q;
        q.verb.ptr = "stale";
        int rc = kap_requestinfo_parse_n(ri, r->method, strlen(r->method), r->url, strlen(r->url), &q);
        ck_assert_msg(rc == KAP_EPARSE, "%s %s: status %d, want KAP_EPARSE", r->method, r->url, rc);
        ck_assert_msg(kap_requestinfo_http_status(ri) == r->status, "%s %s: HTTP %d, want %d", r->method, r->url,
                      kap_requestinfo_http_status(ri), r->status);
        const char *why = kap_requestinfo_error(ri);
        ck_assert_msg(strstr(why, r->status == 400 ? "400 Bad Request" : "500") != NULL, "%s %s: %s", r->method,
                      r->url, why);
        /* *out is all absent after a refusal */
        ck_assert_ptr_null(q.verb.ptr);
        ck_assert_ptr_null(q.path.ptr);
        ck_assert_int_eq(q.resource_request, 0);
        kap_request c;
        ck_assert_int_eq(kap_requestinfo_parse(ri, r->method, r->url, &c), KAP_EPARSE);
        ck_assert_ptr_null(c.verb);
    }
    /* the reasons say what was wrong */
    kap_request_n q;
    kap_requestinfo_parse_n(ri, "GET", 3, "/x/%zz", 6, &q);
    ck_assert_str_eq(kap_requestinfo_error(ri),
                     "Go's HTTP server answers 400 Bad Request before kube-apiserver sees the request: "
                     "invalid URL escape \"%zz\"");
    kap_requestinfo_parse_n(ri, "GET", 3, "/x%4", 4, &q);
    ck_assert(strstr(kap_requestinfo_error(ri), "invalid URL escape \"%4\"") != NULL);
    kap_requestinfo_parse_n(ri, "GET", 3, "healthz", 7, &q);
    ck_assert(strstr(kap_requestinfo_error(ri), "does not start with '/'") != NULL);
    kap_requestinfo_parse_n(ri, "GET", 3, "/api/v1/watch", 13, &q);
    ck_assert_str_eq(kap_requestinfo_error(ri), "kube-apiserver answers 500 (failed to create RequestInfo): unable to "
                                                "determine kind and namespace from url, /api/v1/watch");
    kap_requestinfo_parse_n(ri, "G(T", 3, "/", 1, &q);
    ck_assert(strstr(kap_requestinfo_error(ri), "the method \"G(T\" is not an HTTP token") != NULL);
    /* and a success clears them */
    ck_assert_int_eq(kap_requestinfo_parse_n(ri, "GET", 3, "/", 1, &q), KAP_OK);
    ck_assert_str_eq(kap_requestinfo_error(ri), "");
    ck_assert_int_eq(kap_requestinfo_http_status(ri), 0);
    kap_requestinfo_free(ri);
}
END_TEST

/* Cases the text of sections 2 to 11 states, in the same columns (num is
 * the section). */
static const row STATED[] = {
    /* 2, 3: '#' is an ordinary character; the query ends at the first '?' */
    {2, "GET", "/a#b", 0, "get", "", "", "", "", "", "", "/a#b"},
    {2, "GET", "/api/v1/namespaces/default/pods/a#b", 1, "get", "default", "", "v1", "pods", "", "a#b",
     "/api/v1/namespaces/default/pods/a#b"},
    {2, "GET", "/x?y?z", 0, "get", "", "", "", "", "", "", "/x"},
    {3, "GET", "/%3F", 0, "get", "", "", "", "", "", "", "/?"},
    {3, "GET", "/x%41%62%6a%6A", 0, "get", "", "", "", "", "", "", "/xAbjj"},
    {3, "GET", "/api/v1/namespaces/caf\xc3\xa9/pods", 1, "list", "caf\xc3\xa9", "", "v1", "pods", "", "", "/api/v1/namespaces/caf\xc3\xa9/pods"},
    {3, "GET", "/api/v1/namespaces/caf%C3%A9/pods", 1, "list", "caf\xc3\xa9", "", "v1", "pods", "", "", "/api/v1/namespaces/caf\xc3\xa9/pods"},
    {3, "GET", "/healthz/./../x//", 0, "get", "", "", "", "", "", "", "/healthz/./../x//"},
    /* the target "*" (Go's server takes it as the path "*") */
    {2, "OPTIONS", "*", 0, "options", "", "", "", "", "", "", "*"},
    {2, "GET", "/api/v1/pods?x=%zz", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    /* 5: nothing left after the slashes */
    {5, "GET", "/", 0, "get", "", "", "", "", "", "", "/"},
    {5, "DELETE", "///", 0, "delete", "", "", "", "", "", "", "///"},
    /* 6: methods; the legacy verb segment, only right after the version */
    {6, "M-SEARCH", "/healthz", 0, "m-search", "", "", "", "", "", "", "/healthz"},
    {6, "PoSt", "/healthz", 0, "post", "", "", "", "", "", "", "/healthz"},
    {6, "CONNECT", "/api/v1/namespaces/default/pods/web/exec", 1, "", "default", "", "v1", "pods", "exec", "web",
     "/api/v1/namespaces/default/pods/web/exec"},
    {6, "PUT", "/api/v1/watch/pods", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/watch/pods"},
    {6, "DELETE", "/api/v1/watch/namespaces/default/pods", 1, "watch", "default", "", "v1", "pods", "", "",
     "/api/v1/watch/namespaces/default/pods"},
    {6, "GET", "/api/v1/pods/watch", 1, "get", "", "", "v1", "pods", "", "watch", "/api/v1/pods/watch"},
    {6, "GET", "/api/v1/namespaces/ns1/watch/pods", 1, "get", "ns1", "", "v1", "watch", "", "pods",
     "/api/v1/namespaces/ns1/watch/pods"},
    {6, "GET", "/api/v1/Watch/pods", 1, "get", "", "", "v1", "Watch", "", "pods", "/api/v1/Watch/pods"},
    {6, "GET", "/apis/apps/v1/proxy/namespaces/ns/deployments/d/scale", 1, "proxy", "ns", "apps", "v1", "deployments",
     "", "d", "/apis/apps/v1/proxy/namespaces/ns/deployments/d/scale"},
    {6, "GET", "/api/V1/pods", 1, "list", "", "", "V1", "pods", "", "", "/api/V1/pods"},
    {6, "GET", "/apis/APPS/v1/deployments", 1, "list", "", "APPS", "v1", "deployments", "", "", "/apis/APPS/v1/deployments"},
    /* 7: the Namespace object and its status/finalize, in any group */
    {7, "GET", "/api/v1/namespaces/foo/finalize", 1, "get", "foo", "", "v1", "namespaces", "finalize", "foo",
     "/api/v1/namespaces/foo/finalize"},
    {7, "DELETE", "/api/v1/namespaces/foo/status", 1, "delete", "foo", "", "v1", "namespaces", "status", "foo",
     "/api/v1/namespaces/foo/status"},
    {7, "GET", "/api/v1/namespaces/", 1, "list", "", "", "v1", "namespaces", "", "", "/api/v1/namespaces/"},
    {7, "GET", "/api/v1/namespaces/foo/pods/bar/status", 1, "get", "foo", "", "v1", "pods", "status", "bar",
     "/api/v1/namespaces/foo/pods/bar/status"},
    {7, "GET", "/api/v1/namespaces?fieldSelector=metadata.name%3Dkube-system", 1, "list", "", "", "v1", "namespaces",
     "", "kube-system", "/api/v1/namespaces"},
    /* 4, 9: query decoding, watch */
    {4, "GET", "/api/v1/pods?a=1&watch=1", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {4, "GET", "/api/v1/pods?&&watch", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {4, "GET", "/api/v1/pods?watch=%zz", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {4, "GET", "/api/v1/pods?x=%zz&watch=1", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {4, "GET", "/api/v1/pods?%77atch=1", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {4, "GET", "/api/v1/pods?%zz&watch", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {4, "GET", "/api/v1/pods?%zz=1", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {4, "GET", "/api/v1/pods?watch=%30", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {4, "GET", "/api/v1/pods?watch+=1", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {4, "GET", "/api/v1/pods?", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=off", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=00", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=%2B", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=+", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=0%20", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=False", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=fAlSe", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=falsee", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=fals", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=1&watch=0", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=fal%C5%BFe", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=FAL%C5%BFE", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=fal%C5%BFe&limit=x", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=FALSE&limit=x", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=0&limit=x", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=fa1se&limit=x", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?watch=no&limit=x", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "HEAD", "/api/v1/pods?watch=1", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "PUT", "/api/v1/pods?watch=1", 1, "update", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/namespaces/default/pods//log?watch=1", 1, "watch", "default", "", "v1", "pods", "log", "",
     "/api/v1/namespaces/default/pods//log"},
    /* 9: integers of timeoutSeconds and limit */
    {9, "GET", "/api/v1/pods?limit=-5&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit=%2B5&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit=9223372036854775807&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit=-9223372036854775808&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit=0005&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit=5&limit=x&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit=9223372036854775808&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit=-9223372036854775809&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit=&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit=1e3&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit=1.5&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit=%205&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit=+5&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit=1_000&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?limit=-&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?timeoutSeconds=%2B&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {9, "GET", "/api/v1/pods?timeoutSeconds=30&fieldSelector=metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    /* 9: the string and boolean options never fail */
    {9, "GET", "/api/v1/pods?resourceVersion=x&resourceVersionMatch=y&continue=z&allowWatchBookmarks=maybe&sendInitialEvents=q&shardSelector=%28&fieldSelector=metadata.name%3Dweb",
     1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    /* 9, 11: the name from a field selector */
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3D", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Da%2Fb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Da%25b", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Dwe+b", 1, "list", "", "", "v1", "pods", "", "we b", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3D.", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3D...", 1, "list", "", "", "v1", "pods", "", "...", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Dweb,metadata.name!%3Dweb", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name!%3Dx,metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Dweb&fieldSelector=metadata.name%3Dother", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=%20metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Dweb,bad", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Dweb&watch=1", 1, "watch", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Dweb,bad&watch=1", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Da%5C%3Db", 1, "list", "", "", "v1", "pods", "", "a=b", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Da%5C%5Cb", 1, "list", "", "", "v1", "pods", "", "a\\b", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Da%5Cxb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Da%5C", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Da%3Db", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3D%3D%3Dweb", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3D%3D", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=x%3D1,,metadata.name%3Dweb,", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1", 1, "list", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=a!b%3Dc,metadata.name%3Dweb", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
    /* Go's UnescapeValue reads an escaped value rune by rune and writes a
     * byte that is not UTF-8 back as U+FFFD (WriteRune of RuneError) */
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Da%5C,%FF", 1, "list", "", "", "v1", "pods", "", "a,\xef\xbf\xbd", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Da%5C,%C3%A9", 1, "list", "", "", "v1", "pods", "", "a,\xc3\xa9", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3D%FF", 1, "list", "", "", "v1", "pods", "", "\xff", "/api/v1/pods"},
    {11, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Dweb%00x", 1, "list", "", "", "v1", "pods", "", "web", "/api/v1/pods"},
};

START_TEST(stated_cases)
{
    /* a NUL inside a name is kept (the last STATED row; expect_row compares
     * C strings, so check the length here) */
    kap_requestinfo *ri;
    ck_assert_int_eq(kap_requestinfo_new(&ri), KAP_OK);
    kap_request_n q;
    const char *u = "/api/v1/pods?fieldSelector=metadata.name%3Dweb%00x";
    ck_assert_int_eq(kap_requestinfo_parse_n(ri, "GET", 3, u, strlen(u), &q), KAP_OK);
    ck_assert_uint_eq(q.name.len, 5);
    ck_assert(memcmp(q.name.ptr, "web\0x", 5) == 0);
    u = "/api/v1/namespaces/a%00b/pods/%00";
    ck_assert_int_eq(kap_requestinfo_parse_n(ri, "GET", 3, u, strlen(u), &q), KAP_OK);
    ck_assert_uint_eq(q.ns.len, 3);
    ck_assert(memcmp(q.ns.ptr, "a\0b", 3) == 0);
    ck_assert_uint_eq(q.name.len, 1);
    ck_assert_uint_eq(q.path.len, strlen("/api/v1/namespaces/ab/pods/") + 2); /* two NULs */
    ck_assert_str_eq(q.verb.ptr, "get");
    kap_requestinfo_free(ri);
    expect_rows(STATED, N(STATED) - 1);
}
END_TEST

/* Appendix A through its one effect: an invalid labelSelector throws away
 * the name a fieldSelector gives. sel is as it goes into the URL. */
static const struct {
    const char *sel;
    int valid;
} LABELS[] = {
    {"", 1},
    {"%20%09", 1},
    {"app", 1},
    {"!app", 1},
    {"%20!%20app%20", 1},
    {"app%3Dx", 1},
    {"app%3D%3Dx", 1},
    {"app!%3Dx", 1},
    {"app%3D", 1},
    {"app%3D,b", 1},
    {"app%20in%20(a,b)", 1},
    {"app%20notin%20(a)", 1},
    {"app%20in%20()", 1},
    {"app%20in%20(,)", 1},
    {"app%20in%20(a,,b)", 1},
    {"app%20in%20(,a)", 1},
    {"app%20in%20(a,)", 1},
    {"app%20in%20(in,notin)", 1},
    {"in", 1},
    {"notin%3Dx", 1},
    {"app%3Din", 1},
    {"app%3Dx,tier%20in%20(web),!old", 1},
    {"x%3E5", 1},
    {"x%3C5", 1},
    {"x%3E0005", 1},
    {"x%3E9223372036854775807", 1},
    {"example.com/app", 1},
    {"a.b-c.d/App_1.x", 1},
    {"app%09%3D%0Ax", 1},
    {"a_b%3Dx.y-Z", 1},
    {"%00app%3D%3D%3D", 1}, /* a NUL where a token starts ends the selector */
    {"app%00%3D%3D%3D", 0}, /* one that ends a word does not */
    {"app%20in%20(a%20b)", 0},
    {"app%20in%20(%3D", 0},
    {"app%20in%20(a,%3D)", 0},
    {"a%2Ab", 0},
    {"x%3Da%2Ab", 0},
    {"app%3D%00!!", 0}, /* the NUL after an operator is read as part of it: "!!" still follows */
    {"app,", 0},
    {",app", 0},
    {"app,,b", 0},
    {"!app%3Dx", 0},
    {"!", 0},
    {"!!app", 0},
    {"app%20gt%205", 0},
    {"app%20lt%205", 0},
    {"app%20!%205", 0},
    {"app%3D%3D%3Dx", 0},
    {"app%3D%3Cx", 0},
    {"x%3E-5", 0},
    {"x%3E%2B5", 0},
    {"x%3Ea", 0},
    {"x%3E", 0},
    {"x%3E9223372036854775808", 0},
    {"x%3E5,", 0},
    {"Example_.com/app", 0},
    {"example.com/app/x", 0},
    {"/app", 0},
    {"example.com/", 0},
    {"a.-b/app", 0},
    {"a-.b/app", 0},
    {"a..b/app", 0},
    {"-app", 0},
    {"app-", 0},
    {"app%3D-x", 0},
    {"app%3Dx-", 0},
    {"app%3Dx%20y", 0},
    {"app%20in%20a", 0},
    {"app%20in%20(a", 0},
    {"app%20in%20(a,b", 0},
    {"app%20in%20(a%3D)", 0},
    {"app%20in%20(-a)", 0},
    {"(", 0},
    {"app)", 0},
    {"%3Dx", 0},
    {"app%20x", 0},
    {"in%20in%20(x)", 1},
    {"app%20in", 0},
};

START_TEST(label_selectors)
{
    kap_requestinfo *ri;
    ck_assert_int_eq(kap_requestinfo_new(&ri), KAP_OK);
    for (size_t i = 0; i < N(LABELS); i++) {
        char url[512];
        snprintf(url, sizeof url, "/api/v1/pods?fieldSelector=metadata.name%%3Dweb&labelSelector=%s", LABELS[i].sel);
        kap_request c;
        ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", url, &c), KAP_OK);
        ck_assert_msg(strcmp(c.name, LABELS[i].valid ? "web" : "") == 0, "labelSelector=%s: name \"%s\", want it %s",
                      LABELS[i].sel, c.name, LABELS[i].valid ? "valid" : "invalid");
        ck_assert_str_eq(c.verb, "list");
    }
    /* keys and values: 63 bytes at most */
    char url[1024], part[70];
    memset(part, 'k', 64);
    part[64] = 0;
    snprintf(url, sizeof url, "/api/v1/pods?fieldSelector=metadata.name%%3Dweb&labelSelector=%.63s%%3D%.63s", part, part);
    kap_request c;
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", url, &c), KAP_OK);
    ck_assert_str_eq(c.name, "web");
    snprintf(url, sizeof url, "/api/v1/pods?fieldSelector=metadata.name%%3Dweb&labelSelector=%s", part);
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", url, &c), KAP_OK);
    ck_assert_str_eq(c.name, "");
    snprintf(url, sizeof url, "/api/v1/pods?fieldSelector=metadata.name%%3Dweb&labelSelector=a%%3D%s", part);
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", url, &c), KAP_OK);
    ck_assert_str_eq(c.name, "");
    /* a prefix: 253 bytes at most */
    char prefix[260];
    memset(prefix, 'p', 253);
    for (int i = 60; i < 253; i += 61)
        prefix[i] = '.';
    prefix[253] = 0;
    snprintf(url, sizeof url, "/api/v1/pods?fieldSelector=metadata.name%%3Dweb&labelSelector=%s/app", prefix);
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", url, &c), KAP_OK);
    ck_assert_str_eq(c.name, "web");
    snprintf(url, sizeof url, "/api/v1/pods?fieldSelector=metadata.name%%3Dweb&labelSelector=%sq/app", prefix);
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", url, &c), KAP_OK);
    ck_assert_str_eq(c.name, "");
    kap_requestinfo_free(ri);
}
END_TEST

/* An absolute URL stands for the request a client sends for it (kap's
 * own convenience, documented in kap.h: its path and query). */
static const row ABSOLUTE[] = {
    {0, "GET", "https://10.0.0.1:6443/api/v1/namespaces/default/pods?limit=500", 1, "list", "default", "", "v1", "pods",
     "", "", "/api/v1/namespaces/default/pods"},
    {0, "GET", "HTTP://host/api/v1/pods?watch=1#frag", 1, "watch", "", "", "v1", "pods", "", "", "/api/v1/pods"},
    {0, "GET", "http://host", 0, "get", "", "", "", "", "", "", "/"},
    {0, "GET", "https://host?x=1", 0, "get", "", "", "", "", "", "", "/"},
    {0, "GET", "https://host#/api/v1/pods", 0, "get", "", "", "", "", "", "", "/"},
    {0, "GET", "https://u@h:1/%61pi/v1/pods/p", 1, "get", "", "", "v1", "pods", "", "p", "/api/v1/pods/p"},
};

START_TEST(absolute_urls)
{
    expect_rows(ABSOLUTE, N(ABSOLUTE));
    kap_requestinfo *ri;
    ck_assert_int_eq(kap_requestinfo_new(&ri), KAP_OK);
    kap_request c;
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", "https://h/x/%zz", &c), KAP_EPARSE);
    ck_assert_int_eq(kap_requestinfo_http_status(ri), 400);
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", "://h/x", &c), KAP_EPARSE);
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", "https:/h/x", &c), KAP_EPARSE);
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", "http", &c), KAP_EPARSE);
    kap_requestinfo_free(ri);
}
END_TEST

static char *repeat(const char *head, const char *unit, size_t times, const char *tail)
{
    size_t hn = strlen(head), un = strlen(unit), tn = strlen(tail);
    char *s = malloc(hn + un * times + tn + 1);
    ck_assert_ptr_nonnull(s);
    memcpy(s, head, hn);
    for (size_t i = 0; i < times; i++)
        memcpy(s + hn + i * un, unit, un);
    memcpy(s + hn + un * times, tail, tn + 1);
    return s;
}

START_TEST(huge_and_odd_inputs)
{
    kap_requestinfo *ri;
    ck_assert_int_eq(kap_requestinfo_new(&ri), KAP_OK);
    kap_request_n q;
    kap_request c;

    /* a 4 MiB name */
    char *u = repeat("/api/v1/namespaces/default/pods/", "a", (size_t)4 << 20, "/log");
    ck_assert_int_eq(kap_requestinfo_parse_n(ri, "GET", 3, u, strlen(u), &q), KAP_OK);
    ck_assert_uint_eq(q.name.len, (size_t)4 << 20);
    ck_assert_str_eq(q.subresource.ptr, "log");
    ck_assert_uint_eq(q.path.len, strlen(u));
    free(u);
    /* a million slashes: no segment at all */
    u = repeat("", "/", (size_t)1 << 20, "");
    ck_assert_int_eq(kap_requestinfo_parse_n(ri, "GET", 3, u, strlen(u), &q), KAP_OK);
    ck_assert_int_eq(q.resource_request, 0);
    ck_assert_uint_eq(q.path.len, (size_t)1 << 20);
    free(u);
    /* half a million segments: only the first few count */
    u = repeat("/apis/g/v1", "/x", (size_t)1 << 19, "");
    ck_assert_int_eq(kap_requestinfo_parse(ri, "DELETE", u, &c), KAP_OK);
    ck_assert_str_eq(c.verb, "delete");
    ck_assert_str_eq(c.resource, "x");
    ck_assert_str_eq(c.name, "x");
    ck_assert_str_eq(c.subresource, "x");
    free(u);
    /* 200,000 field selector terms, sorted: the name still found */
    u = repeat("/api/v1/pods?fieldSelector=", "z%3D1,", 200000, "metadata.name%3Dweb");
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", u, &c), KAP_OK);
    ck_assert_str_eq(c.name, "web");
    free(u);
    /* 200,000 label requirements, then a bad one */
    u = repeat("/api/v1/pods?fieldSelector=metadata.name%3Dweb&labelSelector=", "a%3Db,", 200000, "c");
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", u, &c), KAP_OK);
    ck_assert_str_eq(c.name, "web");
    free(u);
    u = repeat("/api/v1/pods?fieldSelector=metadata.name%3Dweb&labelSelector=", "a%3Db,", 200000, "-c");
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", u, &c), KAP_OK);
    ck_assert_str_eq(c.name, "");
    free(u);
    /* 300,000 query pieces: the first watch counts */
    u = repeat("/api/v1/pods?", "a=1&", 300000, "watch=0&watch=1");
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", u, &c), KAP_OK);
    ck_assert_str_eq(c.verb, "list");
    free(u);

    /* a refused request line is not repeated whole in the reason */
    u = repeat("/", "a b", 100000, "");
    ck_assert_int_eq(kap_requestinfo_parse_n(ri, "GET", 3, u, strlen(u), &q), KAP_EPARSE);
    ck_assert_uint_lt(strlen(kap_requestinfo_error(ri)), 400);
    ck_assert_ptr_nonnull(strstr(kap_requestinfo_error(ri), "... (300001 bytes) holds a space"));
    free(u);
    u = repeat("/api/v1/watch", "/", 1000, "");
    ck_assert_int_eq(kap_requestinfo_parse_n(ri, "GET", 3, u, strlen(u), &q), KAP_EPARSE);
    ck_assert_int_eq(kap_requestinfo_http_status(ri), 500);
    ck_assert_ptr_nonnull(strstr(kap_requestinfo_error(ri), "from url, /api/v1/watch//"));
    ck_assert_ptr_nonnull(strstr(kap_requestinfo_error(ri), "... (1013 bytes)"));
    free(u);

    /* bad arguments */
    ck_assert_int_eq(kap_requestinfo_new(NULL), KAP_EARG);
    ck_assert_int_eq(kap_requestinfo_parse_n(NULL, "GET", 3, "/", 1, &q), KAP_EARG);
    ck_assert_int_eq(kap_requestinfo_parse_n(ri, "GET", 3, "/", 1, NULL), KAP_EARG);
    ck_assert_int_eq(kap_requestinfo_parse_n(ri, NULL, 3, "/", 1, &q), KAP_EARG);
    ck_assert_int_eq(kap_requestinfo_parse_n(ri, "GET", 3, NULL, 1, &q), KAP_EARG);
    ck_assert_int_eq(kap_requestinfo_parse_n(ri, "GET", 3, "/", SIZE_MAX, &q), KAP_ELIMIT);
    ck_assert_int_eq(kap_requestinfo_parse(ri, NULL, "/", &c), KAP_EARG);
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", NULL, &c), KAP_EARG);
    ck_assert_int_eq(kap_requestinfo_parse(ri, "GET", "/", NULL), KAP_EARG);
    ck_assert_int_eq(kap_requestinfo_parse(NULL, "GET", "/", &c), KAP_EARG);
    /* NULL with length 0 is the empty string */
    ck_assert_int_eq(kap_requestinfo_parse_n(ri, NULL, 0, "/", 1, &q), KAP_EPARSE);
    ck_assert_int_eq(kap_requestinfo_parse_n(ri, "GET", 3, NULL, 0, &q), KAP_EPARSE);
    ck_assert_str_eq(kap_requestinfo_error(NULL), "");
    ck_assert_int_eq(kap_requestinfo_http_status(NULL), 0);
    kap_requestinfo_free(NULL);
    /* lengths are honoured: what follows is not read */
    ck_assert_int_eq(kap_requestinfo_parse_n(ri, "GETX", 3, "/api/v1/podsXYZ", 12, &q), KAP_OK);
    ck_assert_str_eq(q.verb.ptr, "list");
    ck_assert_str_eq(q.resource.ptr, "pods");
    kap_requestinfo_free(ri);
}
END_TEST

#ifdef KAP_TEST_HOOKS
extern long kap_test_alloc_countdown;
extern int kap_test_alloc_failed;

/* Every allocation that can fail, failed in turn: KAP_ENOMEM, nothing half
 * written, no leak (ASan and valgrind watch the last part). */
START_TEST(allocation_failures)
{
    /* past a quarter of the arena's block, each piece is an allocation of its own */
    char *big_get = repeat("/api/v1/namespaces/default/pods/", "n", 40000, "");
    char *big_path = repeat("/", "h", 40000, "");
    char *big_query = repeat("/api/v1/namespaces/default/pods?fieldSelector=", "a%3Db,", 5000, "metadata.name%3D");
    char *big_list = repeat(big_query, "x", 20000, "");
    free(big_query);
    const char *const urls[] = {
        "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dweb,x%3Dy&labelSelector=a%20in%20(b)",
        "/api/v1/watch",
        "/healthz",
        big_get,
        big_path,
        big_list,
    };
    for (size_t k = 0; k < N(urls); k++) {
        int ok = 0;
        for (long n = 1; n < 100 && !ok; n++) {
            kap_requestinfo *ri = NULL;
            kap_test_alloc_failed = 0;
            kap_test_alloc_countdown = n;
            int rc = kap_requestinfo_new(&ri);
            kap_request_n q;
            if (rc == KAP_OK)
                rc = kap_requestinfo_parse_n(ri, "GET", 3, urls[k], strlen(urls[k]), &q);
            int failed = kap_test_alloc_failed;
            kap_test_alloc_countdown = 0;
            if (!failed) {
                ck_assert_int_eq(rc, k == 1 ? KAP_EPARSE : KAP_OK);
                ok = 1;
            } else {
                ck_assert_msg(rc == KAP_ENOMEM, "%s, allocation %ld failed: status %d", urls[k], n, rc);
                if (ri)
                    ck_assert_ptr_null(q.verb.ptr);
            }
            kap_requestinfo_free(ri);
        }
        ck_assert(ok);
    }
    free(big_get);
    free(big_path);
    free(big_list);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("requestinfo");
    TCase *tc = tcase_create("requestinfo");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, worked_examples);
    tcase_add_test(tc, requests_without_an_audit_event);
    tcase_add_test(tc, stated_cases);
    tcase_add_test(tc, label_selectors);
    tcase_add_test(tc, absolute_urls);
    tcase_add_test(tc, huge_and_odd_inputs);
#ifdef KAP_TEST_HOOKS
    tcase_add_test(tc, allocation_failures);
#endif
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
