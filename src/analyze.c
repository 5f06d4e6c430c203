/* The analysis stage: load a policy as kube-apiserver does, then say what
 * kube-apiserver does not (the checks of docs/lint.md), as findings in file
 * order, with "# kap:ignore ID" comments applied, and a witness request for
 * every rule that decides one.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

/* ---- the checks ------------------------------------------------------------------ */

static const kap_lint_check CHECKS[] = {
    {"invalid-policy", KAP_SEVERITY_ERROR, "kube-apiserver refuses the policy",
     "The policy does not load: kube-apiserver would log this error and stop at startup. The message is "
     "kube-apiserver's own."},
    {"ignored-key", KAP_SEVERITY_ERROR, "a key kube-apiserver ignores",
     "An unknown, misplaced or wrong-case key: kube-apiserver drops it (with a warning since 1.26, silently "
     "before), so the rule matches more than it says. An error when the key looks like one that matters, a "
     "warning when dropping it changes nothing (it means nothing, or says what already applies there)."},
    {"duplicate-key", KAP_SEVERITY_WARNING, "a key given twice",
     "The same key twice in one mapping: kube-apiserver keeps the last value and drops the first."},
    {"unreachable-rule", KAP_SEVERITY_WARNING, "a rule that never decides a request",
     "Every request the rule matches is decided by earlier rules (named in the finding), so its level never "
     "applies. Decided exactly, over every request, not by sampling."},
    {"dead-value", KAP_SEVERITY_INFO, "a list entry that never decides a request",
     "An entry of a rule's list (a user, a namespace, a resource, ...) through which the rule never decides "
     "a request: earlier rules take every such request, or the entry is listed twice."},
    {"group-core", KAP_SEVERITY_WARNING, "group \"core\"",
     "The core API group is written \"\" (empty). No group is named \"core\", so the entry never matches."},
    {"group-version", KAP_SEVERITY_WARNING, "a version as an API group",
     "An API version (v1, v1beta1, ...) written as a group: no request has it as its group."},
    {"resource-star-slash-star", KAP_SEVERITY_WARNING, "\"*/*\" as a resource",
     "\"*/*\" matches only a subresource or resource literally named \"*\"; \"*\" is every resource and "
     "subresource."},
    {"misspelled-resource", KAP_SEVERITY_WARNING, "a built-in resource misspelled",
     "A built-in resource in another letter case (Pods), in the singular or as its kind (pod, Deployment), as "
     "resource.group (deployments.apps), or a close miss of one of its subresources (pods/logs): no request "
     "has it."},
    {"resource-wrong-group", KAP_SEVERITY_WARNING, "a built-in resource under another group",
     "A built-in resource listed under a built-in API group that does not serve it (deployments under the "
     "core group): the entry never matches it."},
    {"unknown-resource", KAP_SEVERITY_INFO, "a resource a built-in group does not serve",
     "A resource that the built-in API group (core, apps, batch, ...) does not serve in the release checked: "
     "no request has it, unless a later release adds it (hence information only)."},
    {"unknown-verb", KAP_SEVERITY_WARNING, "a verb no request has",
     "Resource requests have the verbs get, list, watch, create, update, patch, delete, deletecollection (and "
     "proxy); non-resource requests the HTTP method in lower case, whatever the method. Anything else, upper "
     "case included, never matches; \"*\" and, on a rule for non-resource URLs only, a Kubernetes verb no "
     "standard method gives (list, watch, ...) match only a request sent with that very method."},
    {"authorization-verb", KAP_SEVERITY_INFO, "an authorization-only verb",
     "impersonate, bind, escalate, use, approve and sign are verbs kube-apiserver asks its authorizer about; "
     "only a non-resource request sent with that very method has one as its verb, so the entry never matches "
     "what it means."},
    {"namespaces-cluster-scoped", KAP_SEVERITY_WARNING, "namespaces on cluster-scoped resources",
     "Requests on cluster-scoped resources have the namespace \"\": a rule whose resources are all "
     "cluster-scoped built-ins never matches them through a named namespace."},
    {"sensitive-body", KAP_SEVERITY_WARNING, "secrets and tokens in the log",
     "A rule that decides requests on secrets, configmaps, tokenreviews, serviceaccounts/token or "
     "certificatesigningrequests at Request or RequestResponse writes their contents into the audit log "
     "(Kubernetes issue #88926)."},
    {"uri-leak", KAP_SEVERITY_INFO, "command arguments in the log",
     "pods/exec, pods/attach and pods/portforward carry their arguments in the request URI, which every level "
     "from Metadata up records (Kubernetes issue #97795)."},
    {"high-volume-body", KAP_SEVERITY_INFO, "whole responses of frequent reads",
     "RequestResponse on get, list and watch of events, leases, endpoints, endpointslices, or on /healthz, "
     "/livez, /readyz, /metrics: large, frequent log entries."},
    {"request-received-logged", KAP_SEVERITY_INFO, "RequestReceived not omitted",
     "No rule and no policy-wide omitStages drops the RequestReceived stage, so every logged request is written "
     "at least twice."},
    {"no-catch-all", KAP_SEVERITY_INFO, "requests no rule decides",
     "Some requests match no rule and are silently not logged; the finding gives the share of the request "
     "space that falls through and an example."},
    {"analysis-limit", KAP_SEVERITY_WARNING, "the analysis stopped at a limit",
     "A hostile or very large policy reached one of the analysis limits (kap_analysis_options); the finding "
     "says which rules were not decided."},
    {"bad-directive", KAP_SEVERITY_WARNING, "a kap:ignore comment with an unknown ID",
     "A \"# kap:ignore\" comment names a check that does not exist, so it silences nothing."},
};

#define NCHECKS (sizeof CHECKS / sizeof *CHECKS)

size_t kap_lint_check_count(void) { return NCHECKS; }

const kap_lint_check *kap_lint_check_get(size_t i) { return i < NCHECKS ? &CHECKS[i] : NULL; }

const kap_lint_check *kap_lint_check_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < NCHECKS; i++)
        if (strcmp(CHECKS[i].id, id) == 0)
            return &CHECKS[i];
    return NULL;
}

void kap_analysis_options_init(kap_analysis_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->version = KAP_ANALYSIS_OPTIONS_VERSION;
    o->max_steps = KAP_DEFAULT_MAX_STEPS;
    o->max_rule_steps = KAP_DEFAULT_MAX_RULE_STEPS;
    o->max_memory = KAP_DEFAULT_MAX_MEMORY;
    o->max_classes = KAP_DEFAULT_MAX_CLASSES;
}

static int options_from(const kap_analysis_options *in, kap_analysis_options *o)
{
    kap_analysis_options_init(o);
    if (!in)
        return KAP_OK;
    if (in->version < 1)
        return KAP_EARG;
    if (in->max_steps)
        o->max_steps = in->max_steps;
    if (in->max_rule_steps)
        o->max_rule_steps = in->max_rule_steps;
    if (in->max_memory)
        o->max_memory = in->max_memory;
    if (in->max_classes)
        o->max_classes = in->max_classes;
    return KAP_OK;
}

/* ---- findings --------------------------------------------------------------------- */

static const char *keep(kap_analysis *a, const char *s)
{
    char *p = arena_strndup(&a->arena, s ? s : "", s ? strlen(s) : 0);
    if (!p)
        a->oom = 1;
    return p ? p : "";
}

void an_add(an_ctx *c, const char *id, kap_severity sev, int rule, unsigned line, unsigned col, const char *field,
            const int *related, size_t n_related, const char *hint, const char *fmt, ...)
{
    kap_analysis *a = c->out;
    if (a->oom)
        return;
    if (kap_grow(&a->items, &a->cap, a->n + 1, sizeof *a->items, 16)) {
        a->oom = 1;
        return;
    }
    kap_buf m = {0};
    va_list ap;
    va_start(ap, fmt);
    char small[512];
    int len = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (len < 0)
        len = 0;
    if ((size_t)len < sizeof small) {
        buf_add(&m, small, (size_t)len);
    } else {
        char *big = kap_malloc((size_t)len + 1);
        if (big) {
            va_start(ap, fmt);
            vsnprintf(big, (size_t)len + 1, fmt, ap);
            va_end(ap);
            buf_add(&m, big, (size_t)len);
            kap_free(big);
        } else {
            m.oom = 1;
        }
    }
    if (m.oom) {
        a->oom = 1;
        buf_free(&m);
        return;
    }
    kap_finding *f = &a->items[a->n];
    f->id = id; /* a static string of CHECKS */
    f->severity = sev;
    f->rule = rule;
    f->line = line;
    f->column = col;
    f->field = keep(a, field);
    f->message = keep(a, buf_cstr(&m));
    f->hint = keep(a, hint);
    f->related = NULL;
    f->n_related = 0;
    if (n_related) {
        int *r = arena_alloc(&a->arena, n_related * sizeof *r);
        if (!r) {
            a->oom = 1;
        } else {
            memcpy(r, related, n_related * sizeof *r);
            f->related = r;
            f->n_related = n_related;
        }
    }
    buf_free(&m);
    if (!a->oom)
        a->n++;
}

const char *an_cstr(an_ctx *c, kap_buf *b)
{
    const char *s = b->oom ? NULL : buf_cstr(b);
    if (!s) {
        c->out->oom = 1;
        return "";
    }
    return s;
}

void an_quote(kap_buf *b, const char *s, size_t n) { go_quote(b, s ? s : "", n); }

void an_rule_list(const an_ctx *c, kap_buf *b, const int *rules, size_t n)
{
    size_t shown = n > 5 ? 4 : n;
    buf_adds(b, n == 1 ? "rule " : "rules ");
    for (size_t i = 0; i < shown; i++) {
        if (i)
            buf_adds(b, i + 1 == n ? " and " : ", ");
        unsigned line = rules[i] >= 0 && (size_t)rules[i] < c->doc->nrules ? c->doc->rules[rules[i]].line : 0;
        buf_printf(b, "%d (line %u)", rules[i], line);
    }
    if (shown < n)
        buf_printf(b, " and %zu others", n - shown);
}

void an_field(kap_buf *b, size_t rule, const char *list, long entry)
{
    buf_printf(b, "rules[%zu].%s", rule, list);
    if (entry >= 0)
        buf_printf(b, "[%ld]", entry);
}

/* ---- inline suppression --------------------------------------------------------------
 *
 * "# kap:ignore ID[, ID...]" silences those checks' findings: on a rule's
 * first line or in the comment lines right above it, for that rule; on any
 * line, for that line; in the comments before the document, for the file.
 * Words after the list (not joined by a comma) are a free remark. */

typedef struct directive {
    unsigned line;
    const char *start; /* of the line */
    const char *ids; /* the list, as written */
    size_t len;
    int comment_only; /* the line holds nothing but the comment */
} directive;

/* The comment of one line, if it is a YAML comment: '#' at the start or
 * after a blank, outside quotes. */
static const char *line_comment(const char *p, const char *eol)
{
    char quote = 0;
    for (const char *q = p; q < eol; q++) {
        if (quote) {
            if (*q == '\\' && quote == '"' && q + 1 < eol)
                q++;
            else if (*q == quote)
                quote = 0;
        } else if (*q == '"' || *q == '\'') {
            if (q == p || q[-1] == ' ' || q[-1] == '\t' || q[-1] == '[' || q[-1] == '{' || q[-1] == ',' ||
                q[-1] == ':' || q[-1] == '-')
                quote = *q;
        } else if (*q == '#' && (q == p || q[-1] == ' ' || q[-1] == '\t')) {
            return q;
        }
    }
    return NULL;
}

static directive *find_directives(const char *src, size_t len, size_t *count, unsigned *header_end)
{
    directive *v = NULL;
    size_t n = 0, cap = 0;
    const char *p = src, *end = src + len;
    unsigned line = 1;
    *header_end = 0;
    int in_header = 1;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *t = p;
        while (t < eol && (*t == ' ' || *t == '\t' || *t == '\r'))
            t++;
        int blank = t == eol;
        const char *cm = line_comment(p, eol);
        if (in_header && !blank && t != cm)
            in_header = 0, *header_end = line;
        if (cm) {
            const char *q = cm + 1;
            while (q < eol && (*q == ' ' || *q == '\t'))
                q++;
            if ((size_t)(eol - q) >= 10 && memcmp(q, "kap:ignore", 10) == 0 &&
                (q + 10 == eol || q[10] == ' ' || q[10] == '\t')) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 8;
                    directive *nv = kap_realloc(v, cap * sizeof *nv);
                    if (!nv) {
                        kap_free(v);
                        *count = (size_t)-1;
                        return NULL;
                    }
                    v = nv;
                }
                v[n].line = line;
                v[n].start = p;
                v[n].ids = q + 10;
                v[n].len = (size_t)(eol - q - 10);
                v[n].comment_only = t == cm;
                n++;
            }
        }
        p = eol + 1;
        line++;
    }
    if (in_header)
        *header_end = line;
    *count = n;
    return v;
}

static int id_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

/* Whether a directive's list names id; *bad gets the first name that is no check. */
static int directive_names(const directive *d, const char *id, const char **bad, size_t *badlen)
{
    const char *p = d->ids, *end = d->ids + d->len;
    int first = 1, hit = 0;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (!first) {
            if (p >= end || *p != ',')
                break;
            p++;
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        }
        const char *w = p;
        while (p < end && id_char(*p))
            p++;
        if (p == w)
            break;
        size_t wl = (size_t)(p - w);
        if (id && strlen(id) == wl && memcmp(id, w, wl) == 0)
            hit = 1;
        if (bad && !*bad) {
            int known = 0;
            for (size_t i = 0; i < NCHECKS && !known; i++)
                known = strlen(CHECKS[i].id) == wl && memcmp(CHECKS[i].id, w, wl) == 0;
            if (!known) {
                *bad = w;
                *badlen = wl;
            }
        }
        first = 0;
    }
    return hit;
}

/* ---- running the analysis ---------------------------------------------------------------- */

static kap_analysis *analysis_new(const char *name)
{
    kap_analysis *a = kap_calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->diags = diags_new(name);
    if (!a->diags) {
        kap_free(a);
        return NULL;
    }
    return a;
}

/* The rule a field path is in ("rules[3].level": 3), else -1. */
static int rule_of_field(const char *field)
{
    if (!field || strncmp(field, "rules[", 6) != 0)
        return -1;
    /* (kube-apiserver's field paths: rules[N] with N a decimal index) */
    return (int)strtol(field + 6, NULL, 10);
}

static void load_errors(an_ctx *c)
{
    const kap_diagnostics *d = c->out->diags;
    for (size_t i = 0; i < d->n; i++) {
        const kap_diagnostic *g = &d->items[i];
        if (g->severity != KAP_SEVERITY_ERROR)
            continue;
        an_add(c, "invalid-policy", KAP_SEVERITY_ERROR, rule_of_field(g->field), g->line, g->column, g->field, NULL, 0,
               "kube-apiserver logs this error and stops at startup; fix it before anything else", "%s",
               g->message);
    }
}

static int finding_cmp(const void *x, const void *y)
{
    const kap_finding *a = x, *b = y;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->column != b->column)
        return a->column < b->column ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* Comment-only lines: the suppression needs them between a directive and its rule. */
static int comment_only_line(const char *src, size_t len, unsigned line)
{
    const char *p = src, *end = src + len;
    for (unsigned l = 1; l < line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return 0;
        p = nl + 1;
    }
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p < end && *p == '#';
}

static int apply_directives(an_ctx *c)
{
    kap_analysis *a = c->out;
    size_t nd;
    unsigned header_end;
    directive *ds = find_directives(c->src, c->srclen, &nd, &header_end);
    if (nd == (size_t)-1)
        return KAP_ENOMEM;
    for (size_t i = 0; i < nd; i++) {
        const char *bad = NULL;
        size_t badlen = 0;
        directive_names(&ds[i], NULL, &bad, &badlen);
        if (bad) {
            kap_buf q = {0};
            an_quote(&q, bad, badlen);
            an_add(c, "bad-directive", KAP_SEVERITY_WARNING, -1, ds[i].line, (unsigned)(bad - ds[i].start) + 1, "", NULL,
                   0, "see docs/lint.md for the IDs; separate several with commas",
                   "kap:ignore names %s, which is not a check, so it silences nothing", an_cstr(c, &q));
            buf_free(&q);
        }
    }
    size_t w = 0;
    for (size_t i = 0; i < a->n; i++) {
        kap_finding *f = &a->items[i];
        int s = 0;
        if (strcmp(f->id, "bad-directive") != 0 && strcmp(f->id, "invalid-policy") != 0) {
            const kdoc *doc = c->doc;
            unsigned first = f->rule >= 0 && doc && (size_t)f->rule < doc->nrules ? doc->rules[f->rule].line : 0;
            for (size_t k = 0; k < nd && !s; k++) {
                const directive *d = &ds[k];
                int applies = d->line < header_end || (f->line && d->line == f->line) || (first && d->line == first);
                if (!applies && first && d->comment_only && d->line < first) {
                    applies = 1;
                    for (unsigned l = d->line + 1; l < first && applies; l++)
                        applies = comment_only_line(c->src, c->srclen, l);
                }
                s = applies && directive_names(d, f->id, NULL, NULL);
            }
        }
        if (s)
            a->suppressed++;
        else
            a->items[w++] = *f;
    }
    a->n = w;
    kap_free(ds);
    return KAP_OK;
}

static int run(kap_analysis *a, const char *data, size_t len, const kap_limits *lim, const kap_analysis_options *ao)
{
    kap_arena work = {0}, kwork = {0};
    kdoc doc;
    int decoded = 0;
    kap_diagnostics *kd = NULL;
    int rc = policy_load_doc(&a->policy, data, len, lim, a->diags, &work, &doc, &decoded);
    an_ctx c = {0};
    c.out = a;
    c.doc = decoded ? &doc : NULL;
    c.policy = a->policy;
    c.kube_minor = lim->kube_minor;
    c.lim = lim;
    c.opts = ao;
    c.src = data;
    c.srclen = len;
    c.key_diags = a->diags;
    int status = rc;
    if (rc == KAP_ENOMEM)
        goto out;
    load_errors(&c);
    if (decoded && lim->kube_minor < 26) {
        /* before 1.26 kube-apiserver drops unknown keys without a word: decode
         * as a later release does to learn which */
        kap_limits l2 = *lim;
        l2.kube_minor = KAP_KUBE_MINOR_MAX;
        l2.changes = release_changes(l2.kube_minor);
        l2.gofmt = release_gofmt(l2.changes);
        kdoc d2;
        kd = diags_new(a->diags->source);
        if (!kd || decode_policy(&kwork, &kwork, data, len, &l2, &d2, kd) == KAP_ENOMEM) {
            status = KAP_ENOMEM;
            goto out;
        }
        c.key_diags = kd;
    }
    if (decoded)
        an_check_keys(&c);
    if (rc == KAP_OK) {
        a->nrules = doc.nrules;
        a->reach = kap_calloc(doc.nrules ? doc.nrules : 1, 1);
        a->witness = kap_calloc(doc.nrules ? doc.nrules : 1, sizeof *a->witness);
        if (!a->reach || !a->witness) {
            status = KAP_ENOMEM;
            goto out;
        }
        memset(a->reach, -1, doc.nrules);
        an_check_patterns(&c);
        if (an_check_reach(&c) != KAP_OK) {
            status = KAP_ENOMEM;
            goto out;
        }
    }
    if (apply_directives(&c) != KAP_OK)
        status = KAP_ENOMEM;
    if (a->n)
        qsort(a->items, a->n, sizeof *a->items, finding_cmp);
out:
    an_space_free(c.space);
    kap_diagnostics_free(kd);
    arena_free(&kwork);
    arena_free(&work);
    if (a->oom || a->diags->oom)
        status = KAP_ENOMEM;
    return status;
}

static int finish(kap_analysis **out, kap_analysis *a, int rc)
{
    if (rc == KAP_ENOMEM) {
        kap_analysis_free(a);
        return rc;
    }
    *out = a;
    return rc;
}

int kap_analyze_buffer(kap_analysis **out, const void *data, size_t len, const char *name, const kap_options *opts,
                       const kap_analysis_options *aopts)
{
    kap_limits lim;
    kap_analysis_options ao;
    if (!out)
        return KAP_EARG;
    *out = NULL;
    if ((!data && len) || limits_for(opts, &lim) || options_from(aopts, &ao))
        return KAP_EARG;
    kap_analysis *a = analysis_new(name);
    if (!a)
        return KAP_ENOMEM;
    return finish(out, a, run(a, data ? data : "", len, &lim, &ao));
}

int kap_analyze(kap_analysis **out, const char *path, const kap_options *opts, const kap_analysis_options *aopts)
{
    kap_limits lim;
    kap_analysis_options ao;
    if (!out)
        return KAP_EARG;
    *out = NULL;
    if (!path || limits_for(opts, &lim) || options_from(aopts, &ao))
        return KAP_EARG;
    kap_analysis *a = analysis_new(path);
    if (!a)
        return KAP_ENOMEM;
    char *data;
    size_t len;
    int rc = policy_read_file(path, &lim, a->diags, &data, &len);
    if (rc == KAP_OK) {
        rc = run(a, data ? data : "", len, &lim, &ao);
    } else if (rc != KAP_ENOMEM) {
        an_ctx c = {0};
        c.out = a;
        c.kube_minor = lim.kube_minor;
        load_errors(&c);
        if (a->oom)
            rc = KAP_ENOMEM;
    }
    kap_free(data);
    return finish(out, a, rc);
}

void kap_analysis_free(kap_analysis *a)
{
    if (!a)
        return;
    kap_policy_free(a->policy);
    kap_diagnostics_free(a->diags);
    kap_free(a->items);
    kap_free(a->reach);
    kap_free(a->witness);
    arena_free(&a->arena);
    kap_free(a);
}

size_t kap_analysis_count(const kap_analysis *a) { return a ? a->n : 0; }

const kap_finding *kap_analysis_get(const kap_analysis *a, size_t i) { return a && i < a->n ? &a->items[i] : NULL; }

size_t kap_analysis_suppressed(const kap_analysis *a) { return a ? a->suppressed : 0; }

const kap_diagnostics *kap_analysis_diagnostics(const kap_analysis *a) { return a ? a->diags : NULL; }

const kap_policy *kap_analysis_policy(const kap_analysis *a) { return a ? a->policy : NULL; }

int kap_analysis_rule_reachable(const kap_analysis *a, size_t i)
{
    if (!a || !a->reach || i >= a->nrules)
        return -1;
    return a->reach[i];
}

int kap_analysis_witness(const kap_analysis *a, size_t i, kap_request_n *out)
{
    if (!out || kap_analysis_rule_reachable(a, i) != 1)
        return KAP_EARG;
    *out = a->witness[i];
    return KAP_OK;
}

static void json_str(kap_buf *b, const char *key, const kap_str *s)
{
    buf_printf(b, ",\"%s\":", key);
    json_quote(b, s->ptr ? s->ptr : "", s->ptr ? s->len : 0);
}

size_t kap_analysis_witness_json(const kap_analysis *a, size_t i, char *buf, size_t len)
{
    kap_request_n w;
    if (kap_analysis_witness(a, i, &w) != KAP_OK)
        return 0;
    kap_buf b = {0};
    buf_adds(&b, "{\"user\":");
    if (w.user.ptr) {
        json_quote(&b, w.user.ptr, w.user.len);
        buf_adds(&b, ",\"groups\":[");
        for (size_t k = 0; k < w.n_groups; k++) {
            if (k)
                buf_addc(&b, ',');
            json_quote(&b, w.groups[k].ptr, w.groups[k].len);
        }
        buf_addc(&b, ']');
    } else {
        buf_adds(&b, "null");
    }
    json_str(&b, "verb", &w.verb);
    if (w.resource_request) {
        json_str(&b, "namespace", &w.ns);
        json_str(&b, "apiGroup", &w.api_group);
        json_str(&b, "apiVersion", &w.api_version);
        json_str(&b, "resource", &w.resource);
        json_str(&b, "subresource", &w.subresource);
        json_str(&b, "name", &w.name);
    }
    buf_printf(&b, ",\"resourceRequest\":%s", w.resource_request ? "true" : "false");
    json_str(&b, "path", &w.path);
    buf_printf(&b, ",\"witness\":%zu}", i);
    size_t n = b.oom ? 0 : b.len;
    if (buf && len) {
        size_t c = n < len - 1 ? n : len - 1;
        if (c)
            memcpy(buf, b.s, c);
        buf[c] = 0;
    }
    buf_free(&b);
    return n;
}
