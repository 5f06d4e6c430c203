/* Keys kube-apiserver ignores: unknown, misplaced or wrong-case keys, and
 * keys given twice. The loader's strict-decoding warnings say which and
 * where; this says what kube-apiserver does instead, and what was meant.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "analyzer.h"

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
        if (!strcmp(k, "rules") && doc->rules_line)
            buf_adds(b, "so the rules under it are not the policy's: kube-apiserver reads only those under \"rules\"");
        else if (!strcmp(k, "rules"))
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

/* ---- whether the key says what already applies -------------------------------
 *
 * kube-apiserver keeps no unknown key, so its value is read again from the
 * file's values (once, and only for a key that would matter). */

typedef struct values {
    kap_arena arena;
    jv *root;
    int read; /* 1 read, -1 could not be */
} values;

/* The last member named key, exactly (Go's decoders keep the last one). */
static const jv *member(const jv *o, const char *key, size_t klen)
{
    const jv *v = NULL;
    if (o && o->kind == JV_OBJECT)
        for (size_t i = 0; i < o->n; i++)
            if (o->members[i].klen == klen && memcmp(o->members[i].key, key, klen) == 0)
                v = o->members[i].val;
    return v;
}

static const jv *item(const jv *a, long i)
{
    return a && a->kind == JV_ARRAY && i >= 0 && (size_t)i < a->n ? a->items[i] : NULL;
}

/* The value of the ignored key a warning names, or NULL. */
static const jv *ignored_value(an_ctx *c, values *vs, const kap_diagnostic *g, const place *pl)
{
    if (!vs->read) {
        int rc = c->lim ? policy_values(&vs->arena, c->src, c->srclen, c->lim, &vs->root) : KAP_EARG;
        if (rc == KAP_ENOMEM)
            c->out->oom = 1;
        vs->read = rc == KAP_OK ? 1 : -1;
    }
    if (vs->read < 0)
        return NULL;
    const jv *o = vs->root;
    if (pl->ctx != CTX_TOP)
        o = item(member(o, "rules", 5), pl->rule);
    if (pl->ctx == CTX_GR)
        o = item(member(o, "resources", 9), pl->entry);
    if (!o || o->kind != JV_OBJECT)
        return NULL;
    for (size_t i = 0; i < o->n; i++) {
        const jv_member *m = &o->members[i];
        if (m->klen == pl->klen && memcmp(m->key, pl->key, pl->klen) == 0 && m->line == g->line && m->col == g->column)
            return m->val;
    }
    return member(o, pl->key, pl->klen);
}

/* Beyond this many comparisons, two lists are not compared (the key is
 * taken to matter). */
#define MAX_COMPARE 65536

static int strlist_value(const jv *v)
{
    if (v->kind == JV_NULL)
        return 1;
    if (v->kind != JV_ARRAY)
        return 0;
    for (size_t i = 0; i < v->n; i++)
        if (v->items[i]->kind != JV_STRING)
            return 0;
    return 1;
}

static size_t value_count(const jv *v) { return v->kind == JV_ARRAY ? v->n : 0; }

static int same_str(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* Whether a value (a list of strings, or null) holds the same strings as a
 * list, as sets: every list an audit policy tests is a membership test, and
 * an empty list means the same as none. */
static int same_set(const jv *v, const kstrlist *l)
{
    if (!strlist_value(v))
        return 0;
    size_t n = value_count(v);
    if (n && l->n > MAX_COMPARE / n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const jv *s = v->items[i];
        size_t k = 0;
        while (k < l->n && !same_str(s->s, s->len, l->v[k].s, l->v[k].len))
            k++;
        if (k == l->n)
            return 0;
    }
    for (size_t k = 0; k < l->n; k++) {
        size_t i = 0;
        while (i < n && !same_str(v->items[i]->s, v->items[i]->len, l->v[k].s, l->v[k].len))
            i++;
        if (i == n)
            return 0;
    }
    return 1;
}

/* Whether a group (a string, null for "", or RBAC's list) names only the
 * entry's group ("" when the entry gives none). */
static int same_group(const jv *v, const kgr *g)
{
    size_t n = v->kind == JV_ARRAY ? v->n : 1;
    if (!n || n > MAX_COMPARE)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const jv *s = v->kind == JV_ARRAY ? v->items[i] : v;
        if (s->kind == JV_NULL && s == v) {
            if (g->group.len)
                return 0;
        } else if (s->kind != JV_STRING || !same_str(s->s, s->len, g->group.s, g->group.len)) {
            return 0;
        }
    }
    return 1;
}

/* omitManagedFields: the value's (null: unset, the policy's applies) against what applies. */
static int same_omf(const jv *v, int applies, int unset_means)
{
    if (v->kind == JV_NULL)
        return unset_means == applies;
    return v->kind == JV_BOOL && (v->b != 0) == (applies != 0);
}

/* Whether kube-apiserver, had it read the key where its author meant it,
 * would decide and log every request as it does without it: the key says
 * what already applies there. *why says so. */
static int changes_nothing(an_ctx *c, values *vs, const kap_diagnostic *g, const place *pl, const intent *it,
                           kap_buf *why)
{
    const kdoc *doc = c->doc;
    if (!doc)
        return 0;
    const krule *r = pl->rule >= 0 && (size_t)pl->rule < doc->nrules ? &doc->rules[pl->rule] : NULL;
    const char *k = it->key;
    if (it->ctx == CTX_TOP && pl->ctx == CTX_TOP && strcmp(k, "metadata") == 0)
        return 1; /* effect() says why */
    const kstrlist *own = NULL;
    const kgr *entry = NULL;      /* a resources entry's group */
    const krule *entries = NULL; /* a group or resourceNames written on the rule */
    const char *whose = NULL;
    if (it->ctx == CTX_TOP && pl->ctx == CTX_TOP) {
        if (strcmp(k, "omitStages") == 0)
            own = &doc->stages;
        else if (strcmp(k, "omitManagedFields") != 0)
            return 0;
        whose = "the policy";
    } else if (it->ctx == CTX_RULE && r) {
        if (strcmp(k, "users") == 0)
            own = &r->users;
        else if (strcmp(k, "userGroups") == 0)
            own = &r->groups;
        else if (strcmp(k, "verbs") == 0)
            own = &r->verbs;
        else if (strcmp(k, "namespaces") == 0)
            own = &r->namespaces;
        else if (strcmp(k, "nonResourceURLs") == 0)
            own = &r->urls;
        else if (strcmp(k, "omitStages") == 0)
            own = &r->stages;
        else if (strcmp(k, "level") != 0 && strcmp(k, "omitManagedFields") != 0)
            return 0; /* resources: a list of entries, not compared */
        whose = "the rule";
    } else if (it->ctx == CTX_GR && r && pl->ctx == CTX_GR) {
        if ((size_t)pl->entry >= r->nres)
            return 0;
        const kgr *e = &r->res[pl->entry];
        if (strcmp(k, "resources") == 0)
            own = &e->resources;
        else if (strcmp(k, "resourceNames") == 0)
            own = &e->names;
        else if (strcmp(k, "group") == 0)
            entry = e;
        else
            return 0;
        whose = "the entry";
    } else if (it->ctx == CTX_GR && r && pl->ctx == CTX_RULE) {
        if (!r->nres || (strcmp(k, "group") != 0 && strcmp(k, "resourceNames") != 0))
            return 0; /* without entries, the key would have narrowed the rule */
        entries = r;
        whose = "every resources entry of the rule";
    } else {
        return 0;
    }
    const jv *v = ignored_value(c, vs, g, pl);
    if (!v)
        return 0;
    int same;
    if (entries) {
        same = 1;
        for (size_t e = 0; e < entries->nres && same; e++)
            same = strcmp(k, "group") == 0 ? same_group(v, &entries->res[e]) : same_set(v, &entries->res[e].names);
    } else if (own) {
        same = same_set(v, own);
    } else if (entry) {
        same = same_group(v, entry);
    } else if (r && strcmp(k, "level") == 0) {
        same = v->kind == JV_STRING && r->level.len && same_str(v->s, v->len, r->level.s, r->level.len);
    } else if (r) {
        same = same_omf(v, r->omf >= 0 ? r->omf : doc->omf, doc->omf);
        if (same && r->omf < 0) {
            buf_printf(why, "the policy-wide omitManagedFields, which the rule takes, is already %s",
                       doc->omf ? "true" : "false");
            return 1;
        }
    } else {
        same = same_omf(v, doc->omf, 0);
    }
    if (!same)
        return 0;
    if ((own || (entries && strcmp(k, "resourceNames") == 0)) && !value_count(v))
        buf_printf(why, "it is empty, the same as no %s at all", k);
    else
        buf_printf(why, "%s already has the same %s", whose, k);
    return 1;
}

static const char *place_name(int ctx)
{
    return ctx == CTX_RULE ? "in a rule" : ctx == CTX_GR ? "in a resources entry" : ctx == CTX_META ? "in metadata"
                                                                                                : "at the top level";
}

/* Whether rule i already gives the rule key k (a list with items, or its
 * level or omitManagedFields). */
static int rule_has(const an_ctx *c, long i, const char *k)
{
    const kdoc *doc = c->doc;
    if (!doc || i < 0 || (size_t)i >= doc->nrules)
        return 0;
    KAP_ANALYZER_ASSUME(doc->rules != NULL); /* nrules > i >= 0: the decoder allocated them */
    const krule *r = &doc->rules[i];
    const kstrlist *l = !strcmp(k, "users")             ? &r->users
                        : !strcmp(k, "userGroups")      ? &r->groups
                        : !strcmp(k, "verbs")           ? &r->verbs
                        : !strcmp(k, "namespaces")      ? &r->namespaces
                        : !strcmp(k, "nonResourceURLs") ? &r->urls
                        : !strcmp(k, "omitStages")      ? &r->stages
                                                        : NULL;
    if (l)
        return l->n > 0;
    return !strcmp(k, "level") ? r->level.len > 0 : !strcmp(k, "omitManagedFields") && r->omf >= 0;
}

static void ignored(an_ctx *c, values *vs, const kap_diagnostic *g)
{
    place pl = parse_path(g->field);
    if (c->kube_minor == 24 && !strcmp(g->field, "metadata.clusterName"))
        return; /* a field of 1.24's object metadata */
    intent it = guess(pl.key, pl.klen, pl.ctx);
    kap_buf m = {0}, h = {0}, kq = {0}, eff = {0}, same = {0};
    an_quote(&kq, pl.key, pl.klen);
    int has_effect = it.key && effect(c, &pl, &it, &eff);
    int no_op = has_effect && changes_nothing(c, vs, g, &pl, &it, &same);
    int said = same.len || same.oom; /* why it changes nothing, where effect() does not say it */
    const char *who = c->kube_minor >= 26 ? "kube-apiserver ignores" : "kube-apiserver ignores, without a warning,";
    buf_printf(&m, "%s the key %s %s", who, an_cstr(c, &kq), place_name(pl.ctx));
    if (it.how == 1)
        buf_adds(&m, " (keys are case-sensitive)");
    if (said)
        buf_printf(&m, ", which changes nothing: %s", an_cstr(c, &same));
    else if (has_effect)
        buf_printf(&m, ", %s", an_cstr(c, &eff));
    else if (it.key && (!strcmp(it.key, "apiVersion") || !strcmp(it.key, "kind")))
        buf_adds(&m, "; it still finds it when it reads the API version and kind, so only the warning results");
    else
        buf_adds(&m, ", so it has no effect");
    if (said)
        buf_printf(&h, "delete it: %s", an_cstr(c, &same));
    else if (it.key && it.how == 2 && it.ctx == CTX_RULE && pl.ctx == CTX_GR && rule_has(c, pl.rule, it.key))
        buf_printf(&h, "%s the rule's own %s, or delete it (a resources entry has only group, resources and "
                       "resourceNames)",
                   !strcmp(it.key, "level") || !strcmp(it.key, "omitManagedFields") ? "change" : "merge it into",
                   it.key);
    else if (it.key && it.how == 2 && it.ctx == CTX_RULE && pl.ctx == CTX_GR)
        buf_printf(&h, "move %s up to the rule (a resources entry has only group, resources and resourceNames)",
                   it.key);
    else if (it.key && it.how == 2 && it.ctx == CTX_GR)
        buf_printf(&h, "write %s inside an entry of resources", it.key);
    else if (it.key && it.how == 2)
        buf_printf(&h, "move %s to the %s", it.key, it.ctx == CTX_TOP ? "top level" : "rule");
    else if (it.key && !strcmp(it.key, "rules") && pl.ctx == CTX_TOP && c->doc && c->doc->rules_line)
        buf_adds(&h, "move its rules into \"rules\", where you mean them to be checked, and delete it");
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
    kap_severity sev = has_effect && !no_op && pl.ctx != CTX_META ? KAP_SEVERITY_ERROR : KAP_SEVERITY_WARNING;
    an_add(c, "ignored-key", sev, pl.rule >= 0 ? (int)pl.rule : -1, g->line, g->column, g->field, NULL, 0,
           an_cstr(c, &h), "%s", an_cstr(c, &m));
    buf_free(&m);
    buf_free(&h);
    buf_free(&kq);
    buf_free(&eff);
    buf_free(&same);
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
    kap_buf q = {0}, fb = {0};
    if ((!field || !field[0]) && rule >= 0) {
        /* go-yaml names no field: the rule it is in */
        buf_printf(&fb, "rules[%d]", rule);
        field = an_cstr(c, &fb);
    }
    an_quote(&q, key ? key : "", klen);
    an_add(c, "duplicate-key", KAP_SEVERITY_WARNING, rule, g->line, col, field, NULL, 0,
           "keep one of them, with the value you mean",
           "the key %s is given twice in one mapping: kube-apiserver keeps the last value and ignores the other",
           an_cstr(c, &q));
    buf_free(&q);
    buf_free(&fb);
}

void an_check_keys(an_ctx *c)
{
    const kap_diagnostics *d = c->key_diags;
    if (!d)
        return;
    values vs = {0};
    for (size_t i = 0; i < d->n; i++) {
        const kap_diagnostic *g = &d->items[i];
        if (g->severity != KAP_SEVERITY_WARNING)
            continue;
        if (!strncmp(g->message, "unknown field ", 14))
            ignored(c, &vs, g);
        else if (!strncmp(g->message, "duplicate field ", 16) || !strncmp(g->message, "yaml: line ", 11))
            duplicate(c, g);
    }
    arena_free(&vs.arena);
}
