/* A witness sent as kube-apiserver would receive it: its path as the URL
 * (percent-encoded where a byte would not stand for itself), with the HTTP
 * method its verb comes from. kube-apiserver's request-info step
 * (kap_requestinfo, requestinfo.md) must give back the witness's kind of
 * request, namespace, group, resource, subresource and name (a non-resource
 * witness: resourceRequest false and the same path), and its verb
 * where a method and a path without query give that verb alone (not watch,
 * proxy or the empty verb; get and delete need a name, list and
 * deletecollection none).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_TESTS_WITNESS_URL_H
#define KAP_TESTS_WITNESS_URL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kap.h"

static inline int wu_same(kap_str a, kap_str b) { return a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len)); }

static inline int wu_is(kap_str a, const char *s) { return a.len == strlen(s) && (!a.len || !memcmp(a.ptr, s, a.len)); }

/* The method for a resource request's verb, and whether the verb then comes
 * back as it is. */
static inline const char *wu_method(const kap_request_n *w, int *verb_back)
{
    static const struct {
        const char *verb, *method;
        int named; /* 1: needs a name, 0: needs none, -1: either */
    } m[] = {{"get", "GET", 1},       {"list", "GET", 0},   {"create", "POST", -1},
             {"update", "PUT", -1},   {"patch", "PATCH", -1}, {"delete", "DELETE", 1},
             {"deletecollection", "DELETE", 0}};
    *verb_back = 0;
    for (size_t i = 0; i < sizeof m / sizeof *m; i++)
        if (wu_is(w->verb, m[i].verb)) {
            *verb_back = m[i].named < 0 || m[i].named == (w->name.len > 0);
            return m[i].method;
        }
    return "GET";
}

/* Whether kube-apiserver reads GET of the path (plain bytes, no '%' or '?')
 * as a resource request, or fails on it: then no non-resource request has
 * it. A path that does not start with '/' is not a URL: 0. */
static inline int wu_resource_path(const char *path)
{
    if (!path || path[0] != '/')
        return 0;
    kap_requestinfo *ri = NULL;
    kap_request_n u;
    int res = 0;
    if (kap_requestinfo_new(&ri) == KAP_OK)
        res = kap_requestinfo_parse_n(ri, "GET", 3, path, strlen(path), &u) != KAP_OK || u.resource_request;
    kap_requestinfo_free(ri);
    return res;
}

/* 0 when the URL gives the witness back; else 1 and why in msg. */
static inline int witness_url_disagrees(const kap_request_n *w, char *msg, size_t msglen)
{
    char method[64];
    int verb_back;
    if (w->resource_request) {
        snprintf(method, sizeof method, "%s", wu_method(w, &verb_back));
    } else {
        /* the method lower-cased is the verb: send it in upper case */
        size_t n = w->verb.len < sizeof method - 1 ? w->verb.len : sizeof method - 1;
        for (size_t i = 0; i < n; i++) {
            char ch = w->verb.ptr[i];
            method[i] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
        }
        method[n] = 0;
        verb_back = n > 0 && n == w->verb.len;
        if (!n)
            snprintf(method, sizeof method, "GET");
    }
    size_t cap = w->path.len * 3 + 1;
    char *url = malloc(cap);
    size_t ul = 0;
    for (size_t i = 0; i < w->path.len; i++) {
        unsigned char ch = (unsigned char)w->path.ptr[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("/-._~:@", ch))
            url[ul++] = (char)ch;
        else
            ul += (size_t)snprintf(url + ul, cap - ul, "%%%02X", ch);
    }
    url[ul] = 0;
    kap_requestinfo *ri = NULL;
    kap_request_n u;
    int bad = 0;
    if (kap_requestinfo_new(&ri) != KAP_OK) {
        snprintf(msg, msglen, "no parser");
        bad = 1;
    } else if (kap_requestinfo_parse_n(ri, method, strlen(method), url, ul, &u) != KAP_OK) {
        snprintf(msg, msglen, "%s %s gives no audit event: %s", method, url, kap_requestinfo_error(ri));
        bad = 1;
    } else if (u.resource_request != w->resource_request || !wu_same(u.ns, w->ns) ||
               !wu_same(u.api_group, w->api_group) || !wu_same(u.resource, w->resource) ||
               !wu_same(u.subresource, w->subresource) || !wu_same(u.name, w->name) ||
               (verb_back && !wu_same(u.verb, w->verb)) || (!w->resource_request && !wu_same(u.path, w->path))) {
        snprintf(msg, msglen,
                 "%s %s gives resourceRequest %d, verb \"%.*s\", namespace \"%.*s\", apiGroup \"%.*s\", resource "
                 "\"%.*s\", subresource \"%.*s\", name \"%.*s\", path \"%.*s\"",
                 method, url, u.resource_request, (int)u.verb.len, u.verb.ptr, (int)u.ns.len, u.ns.ptr,
                 (int)u.api_group.len, u.api_group.ptr, (int)u.resource.len, u.resource.ptr, (int)u.subresource.len,
                 u.subresource.ptr, (int)u.name.len, u.name.ptr, (int)u.path.len, u.path.ptr);
        bad = 1;
    }
    kap_requestinfo_free(ri);
    free(url);
    return bad;
}

#endif
