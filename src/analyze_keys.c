/* Keys kube-apiserver ignores: unknown, misplaced or wrong-case keys, and
 * keys given twice. The loader's strict-decoding warnings say which and
 * where; this says what kube-apiserver does instead, and what was meant.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

enum { CTX_TOP, CTX_RULE, CTX_GR, CTX_META };

static const char *const TOP_KEYS[] = {"apiVersion", "kind", "metadata", "rules", "omitStages", "omitManagedFields", NULL};
static const char *const RULE_KEYS[] = {"level",           "users",      "userGroups",        "verbs",
                                        "resources",       "namespaces", "nonResourceURLs", "omitStages",
                                        "omitManagedFields", NULL};
static const char *const GR_KEYS[] = {"group", "resources", "resourceNames", NULL};

static const char *const *keys_of(int ctx)
{
    return ctx == CTX_TOP ? TOP_KEYS : ctx == CTX_RULE ? RULE_KEYS : ctx == CTX_GR ? GR_KEYS : NULL;
}

static char lower(char c)
{
    if (c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    return c;
}

static int eq_fold(const char *a, size_t an, const char *b)
{
    if (an != strlen(b))
        return 0;
    for (size_t i = 0; i < an; i++)
        if (lower(a[i]) != lower(b[i]))
            return 0;
    return 1;
}

/* Edit distance (case-insensitive), up to a bound. */
static size_t distance(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an > 40 || bn > 40)
        return 99;
    size_t d[41][41];
    for (size_t i = 0; i <= an; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= bn; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= an; i++)
        for (size_t j = 1; j <= bn; j++) {
            size_t sub = d[i - 1][j - 1] + (lower(a[i - 1]) != lower(b[j - 1]));
            size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    return d[an][bn];
}

/* Keys written the way RBAC rules write them, and other common slips. */
static const struct {
    const char *wrong;
    int ctx; /* where the intended key lives */
    const char *right;
} ALIASES[] = {
    {"apiGroups", CTX_GR, "group"},     {"apiGroup", CTX_GR, "group"},
    {"groups", CTX_RULE, "userGroups"}, {"resourceName", CTX_GR, "resourceNames"},
    {"urls", CTX_RULE, "nonResourceURLs"},
};

typedef struct intent {
    const char *key; /* the key meant, or NULL */
    int ctx;         /* where it lives */
    int how;         /* 0 unknown, 1 letter case, 2 misplaced, 3 misspelled */
} intent;

static intent guess(const char *k, size_t n, int ctx)
{
    intent it = {NULL, ctx, 0};
    static const int order[] = {CTX_RULE, CTX_GR, CTX_TOP};
    /* another letter case in the same place */
    const char *const *keys = keys_of(ctx);
    for (size_t i = 0; keys && keys[i]; i++)
        if (eq_fold(k, n, keys[i]))
            return (intent){keys[i], ctx, 1};
    /* the right key in the wrong place */
    if (ctx != CTX_META)
        for (size_t o = 0; o < 3; o++) {
            if (order[o] == ctx)
                continue;
            for (const char *const *p = keys_of(order[o]); *p; p++)
                if (eq_fold(k, n, *p))
                    return (intent){*p, order[o], 2};
        }
    for (size_t i = 0; i < sizeof ALIASES / sizeof *ALIASES; i++)
        if (eq_fold(k, n, ALIASES[i].wrong) && ctx != CTX_META)
            return (intent){ALIASES[i].right, ALIASES[i].ctx, ALIASES[i].ctx == ctx ? 3 : 2};
    /* a slip of a letter or two, or the singular, in the same place, then elsewhere */
    if (ctx == CTX_META)
        return it;
    for (int pass = 0; pass < 2; pass++)
        for (size_t o = 0; o < 3; o++) {
            int c2 = order[o];
            if ((pass == 0) != (c2 == ctx) || (ctx == CTX_TOP && c2 != CTX_TOP))
                continue;
            const char *best = NULL;
            size_t bd = 99;
            for (const char *const *p = keys_of(c2); *p; p++) {
                size_t d = distance(k, n, *p);
                size_t limit = strlen(*p) >= 8 ? 2 : 1;
                if (d <= limit && d < bd)
                    bd = d, best = *p;
            }
            if (best)
                return (intent){best, c2, c2 == ctx ? 3 : 2};
        }
    return it;
}

/* The path of an unknown field: its place and the key. */
typedef struct place {
    int ctx;
    long rule, entry;
    const char *key;
    size_t klen;
} place;

static int parse_index(const char **p, long *out)
{
    if (**p != '[')
        return 0;
    char *e;
    long v = strtol(*p + 1, &e, 10);
    if (*e != ']' || e == *p + 1)
        return 0;
    *out = v;
    *p = e + 1;
    return 1;
}

static place parse_path(const char *path)
{
    place pl = {CTX_TOP, -1, -1, path, strlen(path)};
    const char *p = path;
    if (strncmp(p, "metadata.", 9) == 0) {
        pl.ctx = CTX_META;
        pl.key = p + 9;
        pl.klen = strlen(pl.key);
        return pl;
    }
    if (strncmp(p, "rules", 5) != 0)
        return pl;
    p += 5;
    long r;
    if (!parse_index(&p, &r) || *p != '.')
        return pl;
    p++;
    pl.ctx = CTX_RULE;
    pl.rule = r;
    pl.key = p;
    pl.klen = strlen(p);
    if (strncmp(p, "resources", 9) == 0) {
        const char *q = p + 9;
        long e;
        if (parse_index(&q, &e) && *q == '.') {
            pl.ctx = CTX_GR;
            pl.entry = e;
            pl.key = q + 1;
            pl.klen = strlen(pl.key);
        }
    }
    return pl;
}

static const char *kp(const kstr *k) { return k->s ? k->s : ""; }

/* What kube-apiserver does without the key meant, said as its effect. */
static int effect(an_ctx *c, const place *pl, const intent *it, kap_buf *b)
{
    const kdoc *doc = c->doc;
    const krule *r = pl->rule >= 0 && (size_t)pl->rule < doc->nrules ? &doc->rules[pl->rule] : NULL;
    const char *k = it->key;
    if (it->ctx == CTX_TOP) {
        if (pl->ctx != CTX_TOP)
            return 0; /* a top-level key inside a rule: the top level's own applies */
        if (!strcmp(k, "rules"))
            buf_adds(b, "so the policy has no rules and kube-apiserver refuses it");
        else if (!strcmp(k, "omitStages"))
            buf_adds(b, "so no stage is omitted policy-wide");
        else if (!strcmp(k, "omitManagedFields"))
            buf_adds(b, "so managed fields are logged unless a rule drops them");
        else if (!strcmp(k, "metadata"))
            buf_adds(b, "which changes nothing: metadata is not used");
        else
            return 0; /* apiVersion, kind: found anyway when kube-apiserver looks up the version */
        return 1;
    }
    if (it->ctx == CTX_GR && r) {
        const kgr *g = pl->ctx == CTX_GR && (size_t)pl->entry < r->nres ? &r->res[pl->entry] : NULL;
        if (!g) {
            /* a resources entry's key written on the rule */
            if (!strcmp(k, "group"))
                buf_adds(b, "which selects nothing: API groups are given inside each resources entry");
            else if (!strcmp(k, "resourceNames"))
                buf_adds(b, r->nres ? "so this rule matches objects of every name"
                                    : "which selects nothing: names are given inside a resources entry");
            else
                buf_adds(b, "which selects nothing outside a resources entry");
            return 1;
        }
        kap_buf q = {0};
        an_quote(&q, kp(&g->group), g->group.len);
        if (!strcmp(k, "resources") && !g->resources.n)
            buf_printf(b, "so this entry matches every resource of the API group %s", an_cstr(c, &q));
        else if (!strcmp(k, "resourceNames") && !g->names.n)
            buf_adds(b, "so this entry matches objects of every name");
        else if (!strcmp(k, "group") && !g->group.line)
            buf_adds(b, "so this entry selects the core API group (\"\") only");
        else
            buf_printf(b, "and the entry's own %s applies", k);
        buf_free(&q);
        return 1;
    }
    if (it->ctx == CTX_RULE && r) {
        const kstrlist *own = NULL;
        const char *what = NULL;
        if (!strcmp(k, "users"))
            own = &r->users, what = "every user";
        else if (!strcmp(k, "userGroups"))
            own = &r->groups, what = "every user group";
        else if (!strcmp(k, "verbs"))
            own = &r->verbs, what = "every verb";
        else if (!strcmp(k, "namespaces"))
            own = &r->namespaces, what = "every namespace";
        else if (!strcmp(k, "nonResourceURLs"))
            own = &r->urls, what = r->nres || r->namespaces.n ? "every path" : "every request, resource or not";
        if (own) {
            if (own->n)
                buf_printf(b, "and the rule's own %s applies", k);
            else
                buf_printf(b, "so this rule matches %s", what);
        } else if (!strcmp(k, "resources")) {
            if (r->nres)
                buf_adds(b, "and the rule's own resources apply");
            else if (r->namespaces.n)
                buf_adds(b, "so this rule matches every resource in its namespaces");
            else if (r->urls.n)
                buf_adds(b, "so this rule matches only its non-resource URLs");
            else
                buf_adds(b, "so this rule matches every request, resource or not");
        } else if (!strcmp(k, "level")) {
            buf_adds(b, r->level.len ? "and the rule's own level applies" : "so the rule has no level and "
                                                                             "kube-apiserver refuses the policy");
        } else if (!strcmp(k, "omitStages")) {
            buf_adds(b, "so this rule omits no stage beyond the policy's");
        } else {
            buf_adds(b, "so the policy-wide omitManagedFields applies to this rule");
        }
        return 1;
    }
    return 0;
}

static const char *place_name(int ctx)
{
    return ctx == CTX_RULE ? "in a rule" : ctx == CTX_GR ? "in a resources entry" : ctx == CTX_META ? "in metadata"
                                                                                                : "at the top level";
}

static void ignored(an_ctx *c, const kap_diagnostic *g)
{
    place pl = parse_path(g->field);
    if (c->kube_minor == 24 && !strcmp(g->field, "metadata.clusterName"))
        return; /* a field of 1.24's object metadata */
    intent it = guess(pl.key, pl.klen, pl.ctx);
    kap_buf m = {0}, h = {0}, kq = {0}, eff = {0};
    an_quote(&kq, pl.key, pl.klen);
    int has_effect = it.key && effect(c, &pl, &it, &eff);
    const char *who = c->kube_minor >= 26 ? "kube-apiserver ignores" : "kube-apiserver ignores, without a warning,";
    buf_printf(&m, "%s the key %s %s", who, an_cstr(c, &kq), place_name(pl.ctx));
    if (it.how == 1)
        buf_adds(&m, " (keys are case-sensitive)");
    if (has_effect)
        buf_printf(&m, ", %s", an_cstr(c, &eff));
    else if (it.key && (!strcmp(it.key, "apiVersion") || !strcmp(it.key, "kind")))
        buf_adds(&m, "; it still finds it when it reads the API version and kind, so only the warning results");
    else
        buf_adds(&m, ", so it has no effect");
    if (it.key && it.how == 2 && it.ctx == CTX_RULE && pl.ctx == CTX_GR)
        buf_printf(&h, "move %s up to the rule (a resources entry has only group, resources and resourceNames)",
                   it.key);
    else if (it.key && it.how == 2 && it.ctx == CTX_GR)
        buf_printf(&h, "write %s inside an entry of resources", it.key);
    else if (it.key && it.how == 2)
        buf_printf(&h, "move %s to the %s", it.key, it.ctx == CTX_TOP ? "top level" : "rule");
    else if (it.key && eq_fold(pl.key, pl.klen, "apiGroups"))
        buf_adds(&h, "write group, with one API group per entry (RBAC's apiGroups is a list, an audit policy's "
                     "group one string)");
    else if (it.key)
        buf_printf(&h, "write \"%s\"", it.key);
    else if (pl.ctx == CTX_RULE)
        buf_adds(&h, "a rule's keys are level, users, userGroups, verbs, resources, namespaces, nonResourceURLs, "
                     "omitStages and omitManagedFields");
    else if (pl.ctx == CTX_GR)
        buf_adds(&h, "a resources entry's keys are group, resources and resourceNames");
    else
        buf_adds(&h, "remove it");
    kap_severity sev = has_effect && pl.ctx != CTX_META ? KAP_SEVERITY_ERROR : KAP_SEVERITY_WARNING;
    an_add(c, "ignored-key", sev, pl.rule >= 0 ? (int)pl.rule : -1, g->line, g->column, g->field, NULL, 0,
           an_cstr(c, &h), "%s", an_cstr(c, &m));
    buf_free(&m);
    buf_free(&h);
    buf_free(&kq);
    buf_free(&eff);
}

/* The rule whose text holds a line (YAML duplicates carry only a line). */
static int rule_at_line(const kdoc *doc, unsigned line)
{
    int r = -1;
    for (size_t i = 0; i < doc->nrules; i++)
        if (doc->rules[i].line && doc->rules[i].line <= line)
            r = (int)i;
    return r;
}

/* The column where key starts on a line of the source (the last such key:
 * in a flow mapping the repeated key comes later), or 0. */
static unsigned key_column(const an_ctx *c, unsigned line, const char *key, size_t klen)
{
    const char *p = c->src, *end = c->src + c->srclen;
    for (unsigned l = 1; l < line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return 0;
        p = nl + 1;
    }
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol)
        eol = end;
    unsigned col = 0;
    for (const char *q = p; q + klen <= eol; q++) {
        int quoted = (*q == '"' || *q == '\'') && q + klen + 1 < eol && q[klen + 1] == *q;
        const char *k = quoted ? q + 1 : q;
        if (memcmp(k, key, klen) != 0 || (q > p && !quoted && q[-1] != ' ' && q[-1] != '\t' && q[-1] != '{' &&
                                           q[-1] != ',' && q[-1] != '-'))
            continue;
        const char *a = k + klen + quoted;
        while (a < eol && (*a == ' ' || *a == '\t'))
            a++;
        if (a < eol && *a == ':')
            col = (unsigned)(q - p) + 1;
    }
    return col;
}

static void duplicate(an_ctx *c, const kap_diagnostic *g)
{
    const char *msg = g->message;
    const char *key = NULL;
    size_t klen = 0;
    int rule = -1;
    unsigned col = g->column;
    const char *field = g->field;
    const char *k = strstr(msg, "key \"");
    if (!strncmp(msg, "yaml: line ", 11) && k) {
        /* go-yaml: key "level" already set in map (its own quoting) */
        key = k + 5;
        const char *e = strstr(key, "\" already set");
        klen = e ? (size_t)(e - key) : 0;
        rule = rule_at_line(c->doc, g->line);
        if (!col && klen)
            col = key_column(c, g->line, key, klen);
    } else {
        place pl = parse_path(g->field);
        key = pl.key;
        klen = pl.klen;
        rule = pl.rule >= 0 ? (int)pl.rule : -1;
    }
    kap_buf q = {0};
    an_quote(&q, key ? key : "", klen);
    an_add(c, "duplicate-key", KAP_SEVERITY_WARNING, rule, g->line, col, field, NULL, 0,
           "keep one of them, with the value you mean",
           "the key %s is given twice in one mapping: kube-apiserver keeps the last value and ignores the other",
           an_cstr(c, &q));
    buf_free(&q);
}

void an_check_keys(an_ctx *c)
{
    const kap_diagnostics *d = c->key_diags;
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        const kap_diagnostic *g = &d->items[i];
        if (g->severity != KAP_SEVERITY_WARNING)
            continue;
        if (!strncmp(g->message, "unknown field ", 14))
            ignored(c, g);
        else if (!strncmp(g->message, "duplicate field ", 16) || !strncmp(g->message, "yaml: line ", 11))
            duplicate(c, g);
    }
}
