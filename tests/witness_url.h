/* A witness sent as kube-apiserver would receive it: its path as the URL
 * (percent-encoded where a byte would not stand for itself), with the HTTP
 * method its verb comes from. kube-apiserver's request-info step
 * (kap_requestinfo, requestinfo.md) must give back the witness's kind of
 * request, namespace, group, resource, subresource and name (a non-resource
 * witness: resourceRequest false and the same path), and its verb: the
 * method gives it (get and delete with the witness's name, list and
 * deletecollection without one, create, update, patch, OPTIONS for the
 * empty verb); a list with a name comes from a field selector (the name's
 * segment emptied, requestinfo.md 9, 11), watch and proxy from the legacy
 * segment after the version (section 6). A resource witness with a verb
 * no URL gives a resource request (x, impersonate) disagrees: the analysis
 * gives none.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_TESTS_WITNESS_URL_H
#define KAP_TESTS_WITNESS_URL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kap.h"

static inline int wu_same(kap_str a, kap_str b) { return a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len)); }

static inline int wu_is(kap_str a, const char *s) { return a.len == strlen(s) && (!a.len || !memcmp(a.ptr, s, a.len)); }

enum { WU_PATH, WU_LEGACY, WU_SELECTOR };

/* The method for a resource request's verb, whether the verb is checked,
 * and how the URL gives it (the path as it is, a legacy verb segment, a
 * field selector for a list's name). */
static inline const char *wu_method(const kap_request_n *w, int *verb_back, int *how)
{
    static const struct {
        const char *verb, *method;
        int how;
    } m[] = {{"get", "GET", WU_PATH},          {"list", "GET", WU_PATH},     {"create", "POST", WU_PATH},
             {"update", "PUT", WU_PATH},       {"patch", "PATCH", WU_PATH},  {"delete", "DELETE", WU_PATH},
             {"deletecollection", "DELETE", WU_PATH}, {"watch", "GET", WU_LEGACY}, {"proxy", "GET", WU_LEGACY},
             {"", "OPTIONS", WU_PATH}};
    *verb_back = 0;
    *how = WU_PATH;
    for (size_t i = 0; i < sizeof m / sizeof *m; i++)
        if (wu_is(w->verb, m[i].verb)) {
            *verb_back = 1;
            *how = m[i].how;
            if (wu_is(w->verb, "list") && w->name.len)
                *how = WU_SELECTOR;
            return m[i].method;
        }
    return "GET";
}

/* Appends bytes percent-encoded where they would not stand for themselves. */
static inline size_t wu_encode(char *url, size_t ul, size_t cap, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("/-._~:@", ch))
            url[ul++] = (char)ch;
        else
            ul += (size_t)snprintf(url + ul, cap - ul, "%%%02X", ch);
    }
    url[ul] = 0;
    return ul;
}

/* The URL of a resource witness (url has room for 6 times the path and
 * name, and 64 more); 0 when its path has no place for the name. */
static inline size_t wu_resource_url(const kap_request_n *w, int how, char *url, size_t cap)
{
    const char *p = w->path.ptr;
    size_t n = w->path.len;
    if (how == WU_LEGACY) {
        /* the verb segment right after the version: /api/v1 or /apis/GROUP/v1 */
        size_t at = w->api_group.len ? 6 + w->api_group.len + 3 : 7;
        if (at > n)
            return 0;
        size_t ul = wu_encode(url, 0, cap, p, at);
        ul = wu_encode(url, ul, cap, "/", 1);
        ul = wu_encode(url, ul, cap, w->verb.ptr, w->verb.len);
        return wu_encode(url, ul, cap, p + at, n - at);
    }
    if (how == WU_PATH)
        return wu_encode(url, 0, cap, p, n);
    /* a list's name: the path without its name segment (and a segment past
     * the subresource, so that the empty name counts), the name from a
     * field selector */
    size_t tail = 1 + w->name.len + (w->subresource.len ? 1 + w->subresource.len : 0);
    if (tail > n || p[n - tail] != '/' || memcmp(p + n - tail + 1, w->name.ptr, w->name.len) != 0)
        return 0;
    size_t ul = wu_encode(url, 0, cap, p, n - tail);
    ul = wu_encode(url, ul, cap, "//", 2);
    ul = wu_encode(url, ul, cap, w->subresource.ptr, w->subresource.len);
    ul = wu_encode(url, ul, cap, "/x", 2);
    memcpy(url + ul, "?fieldSelector=", 16); /* and its NUL */
    ul += 15;
    ul = wu_encode(url, ul, cap, "metadata.name=", 14);
    for (size_t i = 0; i < w->name.len; i++) {
        char ch = w->name.ptr[i];
        if (ch == '\\' || ch == ',' || ch == '=')
            ul = wu_encode(url, ul, cap, "\\", 1);
        ul = wu_encode(url, ul, cap, &ch, 1);
    }
    return ul;
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
    int verb_back, how = WU_PATH;
    if (w->resource_request) {
        snprintf(method, sizeof method, "%s", wu_method(w, &verb_back, &how));
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
    if (w->resource_request && !verb_back) {
        snprintf(msg, msglen, "no URL gives a resource request the verb \"%.*s\"", (int)w->verb.len, w->verb.ptr);
        return 1;
    }
    size_t cap = (w->path.len + w->name.len + w->verb.len) * 6 + 64;
    char *url = malloc(cap);
    size_t ul = w->resource_request ? wu_resource_url(w, how, url, cap) : wu_encode(url, 0, cap, w->path.ptr, w->path.len);
    if (!ul) {
        snprintf(msg, msglen, "the path %.*s has no name segment %.*s", (int)w->path.len, w->path.ptr,
                 (int)w->name.len, w->name.ptr);
        free(url);
        return 1;
    }
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
