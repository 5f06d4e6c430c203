/* Validation (semantics.md section 3), in kube-apiserver's order and with
 * its messages. SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char SUPPORTED_LEVELS[] =
    "supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"";
static const char ALLOWED_STAGES[] =
    "allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic";
static const char DNS1123_MSG[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

typedef struct verr {
    const kap_limits *lim;
    kap_diagnostics *diags;
    size_t count;
    kap_buf agg;
    int oom;
} verr;

static int kstr_eq(const kstr *s, const char *lit)
{
    size_t n = strlen(lit);
    return s->len == n && (n == 0 || memcmp(s->s, lit, n) == 0);
}

/* The field path buffer as a string; notes running out of memory. */
static const char *fieldc(verr *v, kap_buf *f)
{
    const char *s = buf_cstr(f);
    if (!s || f->oom) {
        v->oom = 1;
        return "";
    }
    return s;
}

static void add(verr *v, const char *field, kap_buf *msg, unsigned line, unsigned col)
{
    if (msg->oom || v->oom) {
        v->oom = 1;
        return;
    }
    const char *m = buf_cstr(msg);
    if (!m) {
        v->oom = 1;
        return;
    }
    /* identical messages are kept once */
    for (size_t i = 0; i < v->diags->n; i++)
        if (v->diags->items[i].severity == KAP_SEVERITY_ERROR && strcmp(v->diags->items[i].message, m) == 0)
            return;
    diags_add(v->diags, KAP_SEVERITY_ERROR, field, m, line, col);
    if (v->count++)
        buf_adds(&v->agg, ", ");
    buf_add(&v->agg, msg->s, msg->len);
}

static int valid_stage(const kstr *s)
{
    return kstr_eq(s, "RequestReceived") || kstr_eq(s, "ResponseStarted") ||
           kstr_eq(s, "ResponseComplete") || kstr_eq(s, "Panic");
}

/* A rejected value in a field error: a plain Go string with %q in every
 * release; another type (the Level, a []string) with %#v, and from 1.34 as
 * JSON. */
static void bad_string(verr *v, kap_buf *m, const kstr *s) { go_quote_as(m, s->s, s->len, v->lim->gofmt); }

static void bad_level(verr *v, kap_buf *m, const kstr *s)
{
    if (release_has(v->lim, KC_FIELD_VALUE_JSON))
        json_quote_as(m, s->s, s->len, v->lim->gofmt);
    else
        go_quote_as(m, s->s, s->len, v->lim->gofmt); /* %#v of a string type */
}

static void bad_list(verr *v, kap_buf *m, const kstrlist *l)
{
    if (release_has(v->lim, KC_FIELD_VALUE_JSON))
        json_strlist(m, l, v->lim->gofmt);
    else
        go_sharpv_strlist(m, l, v->lim->gofmt);
}

/* The policy's omitStages (rule SIZE_MAX) or rule's; the field's path is
 * written only for a stage in error. */
static void check_stages(verr *v, size_t rule, const kstrlist *l)
{
    for (size_t j = 0; j < l->n; j++) {
        if (valid_stage(&l->v[j]))
            continue;
        kap_buf f = {0}, m = {0};
        if (rule == SIZE_MAX)
            buf_printf(&f, "omitStages[%zu]", j);
        else
            buf_printf(&f, "rules[%zu].omitStages[%zu]", rule, j);
        buf_add(&m, f.s, f.len);
        buf_adds(&m, ": Invalid value: ");
        bad_string(v, &m, &l->v[j]);
        buf_adds(&m, ": ");
        buf_adds(&m, ALLOWED_STAGES);
        add(v, fieldc(v, &f), &m, l->v[j].line, l->v[j].col);
        buf_free(&f);
        buf_free(&m);
    }
}

/* IsDNS1123Subdomain: the messages, joined with ",". */
static void dns1123_subdomain(kap_buf *out, const char *s, size_t n)
{
    int first = 1;
    if (n > 253) {
        buf_adds(out, "must be no more than 253 characters");
        first = 0;
    }
    /* [a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)* */
    int ok = n > 0;
    size_t i = 0;
    while (ok && i < n) {
        size_t start = i;
        while (i < n && s[i] != '.')
            i++;
        size_t L = i - start;
        if (L == 0)
            ok = 0;
        for (size_t k = start; ok && k < i; k++) {
            char c = s[k];
            int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (!alnum && !(c == '-' && k != start && k != i - 1))
                ok = 0;
        }
        if (i < n) {
            i++; /* the dot */
            if (i == n)
                ok = 0;
        }
    }
    if (!ok) {
        if (!first)
            buf_addc(out, ',');
        buf_adds(out, DNS1123_MSG);
    }
}

int validate_policy(const kdoc *doc, const kap_limits *lim, kap_diagnostics *diags)
{
    verr v = {0};
    v.lim = lim;
    v.diags = diags;
    check_stages(&v, SIZE_MAX, &doc->stages);
    for (size_t i = 0; i < doc->nrules; i++) {
        const krule *r = &doc->rules[i];
        /* level */
        if (r->level.len == 0) {
            kap_buf f = {0}, m = {0};
            buf_printf(&f, "rules[%zu].level", i);
            buf_printf(&m, "%s: Required value", fieldc(&v, &f));
            add(&v, fieldc(&v, &f), &m, r->level.line ? r->level.line : r->line,
                r->level.line ? r->level.col : r->col);
            buf_free(&f);
            buf_free(&m);
        } else if (!kstr_eq(&r->level, "None") && !kstr_eq(&r->level, "Metadata") &&
                   !kstr_eq(&r->level, "Request") && !kstr_eq(&r->level, "RequestResponse")) {
            kap_buf f = {0}, m = {0};
            buf_printf(&f, "rules[%zu].level", i);
            buf_add(&m, f.s, f.len);
            buf_adds(&m, ": Unsupported value: ");
            bad_level(&v, &m, &r->level);
            buf_adds(&m, ": ");
            buf_adds(&m, SUPPORTED_LEVELS);
            add(&v, fieldc(&v, &f), &m, r->level.line, r->level.col);
            buf_free(&f);
            buf_free(&m);
        }
        /* nonResourceURLs entries */
        for (size_t j = 0; j < r->urls.n; j++) {
            const kstr *u = &r->urls.v[j];
            if (kstr_eq(u, "*"))
                continue;
            int bad_start = u->len == 0 || u->s[0] != '/';
            int bad_star = u->len > 0 && memchr(u->s, '*', u->len - 1) != NULL;
            if (!bad_start && !bad_star)
                continue;
            kap_buf f = {0};
            buf_printf(&f, "rules[%zu].nonResourceURLs[%zu]", i, j);
            if (bad_start) {
                kap_buf m = {0};
                buf_add(&m, f.s, f.len);
                buf_adds(&m, ": Invalid value: ");
                bad_string(&v, &m, u);
                buf_adds(&m, ": non-resource URL rules must begin with a '/' character");
                add(&v, fieldc(&v, &f), &m, u->line, u->col);
                buf_free(&m);
            }
            if (bad_star) {
                kap_buf m = {0};
                buf_add(&m, f.s, f.len);
                buf_adds(&m, ": Invalid value: ");
                bad_string(&v, &m, u);
                buf_adds(&m, ": non-resource URL wildcards '*' must be the final character of the rule");
                add(&v, fieldc(&v, &f), &m, u->line, u->col);
                buf_free(&m);
            }
            buf_free(&f);
        }
        /* resources entries */
        for (size_t j = 0; j < r->nres; j++) {
            const kgr *g = &r->res[j];
            int wildcard_ok = release_has(lim, KC_GROUP_WILDCARD) && kstr_eq(&g->group, "*");
            if (g->group.len != 0 && !wildcard_ok) {
                kap_buf msgs = {0};
                dns1123_subdomain(&msgs, g->group.s, g->group.len);
                if (msgs.len) {
                    kap_buf f = {0}, m = {0};
                    buf_printf(&f, "rules[%zu].resources.group", i);
                    buf_add(&m, f.s, f.len);
                    buf_adds(&m, ": Invalid value: ");
                    bad_string(&v, &m, &g->group);
                    buf_adds(&m, ": ");
                    buf_add(&m, msgs.s, msgs.len);
                    add(&v, fieldc(&v, &f), &m, g->group.line, g->group.col);
                    buf_free(&f);
                    buf_free(&m);
                }
                if (msgs.oom)
                    v.oom = 1;
                buf_free(&msgs);
            }
            if (g->names.n > 0 && g->resources.n == 0) {
                kap_buf f = {0}, m = {0};
                buf_printf(&f, "rules[%zu].resources.resourceNames", i);
                buf_add(&m, f.s, f.len);
                buf_adds(&m, ": Invalid value: ");
                bad_list(&v, &m, &g->names);
                buf_adds(&m, ": using resourceNames requires at least one resource");
                add(&v, fieldc(&v, &f), &m, g->names.line, g->names.col);
                buf_free(&f);
                buf_free(&m);
            }
        }
        check_stages(&v, i, &r->stages);
        if (r->urls.n > 0 && (r->nres > 0 || r->namespaces.n > 0)) {
            kap_buf f = {0}, m = {0};
            buf_printf(&f, "rules[%zu].nonResourceURLs", i);
            buf_add(&m, f.s, f.len);
            buf_adds(&m, ": Invalid value: ");
            bad_list(&v, &m, &r->urls);
            buf_adds(&m, ": rules cannot apply to both regular resources and non-resource URLs");
            add(&v, fieldc(&v, &f), &m, r->urls.line, r->urls.col);
            buf_free(&f);
            buf_free(&m);
        }
    }
    int rc = KAP_OK;
    if (v.oom || v.agg.oom || diags->oom) {
        rc = KAP_ENOMEM;
    } else if (v.count == 1) {
        diags->error_text = kap_strndup(v.agg.s, v.agg.len);
        rc = diags->error_text ? KAP_EINVALID : KAP_ENOMEM;
    } else if (v.count > 1) {
        kap_buf t = {0};
        buf_addc(&t, '[');
        buf_add(&t, v.agg.s, v.agg.len);
        buf_addc(&t, ']');
        diags->error_text = t.oom ? NULL : kap_strndup(t.s, t.len);
        rc = diags->error_text ? KAP_EINVALID : KAP_ENOMEM;
        buf_free(&t);
    } else if (doc->nrules == 0) {
        diags_add(diags, KAP_SEVERITY_ERROR, "rules", "loaded illegal policy with 0 rules",
                  doc->rules_line, doc->rules_col);
        diags->error_text = kap_strndup("loaded illegal policy with 0 rules", 34);
        rc = diags->error_text && !diags->oom ? KAP_EINVALID : KAP_ENOMEM;
    }
    buf_free(&v.agg);
    return rc;
}
