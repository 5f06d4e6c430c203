/* Decoding (semantics.md section 2): format choice, kind sniffing, group
 * and version defaults, scheme lookup, the strict typed decode with its
 * lenient fallback, and the group-version check.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SCHEME_NAME "k8s.io/apiserver/pkg/audit/scheme.go:30"

/* ---- the Go types, as tables -------------------------------------------- */

typedef enum {
    T_STRING,
    T_BOOL,
    T_PBOOL,
    T_INT64,
    T_STRLIST,
    T_STRMAP,
    T_STRUCT,
    T_STRUCTLIST,
    T_TIME,
    T_ANY
} tkind;

typedef struct tstruct tstruct;
typedef struct tfield {
    const char *name;
    tkind kind;
    const char *go_type;   /* as Go prints the field's type */
    const char *elem_type; /* element type, for lists */
    const tstruct *sub;
    int offset;     /* where the value goes in the C struct, -1: nowhere */
    int pos_offset; /* where the value node's line/col go, -1: nowhere */
    int nullable;   /* pointer types: null resets */
} tfield;

struct tstruct {
    const char *go_name;
    const tfield *fields;
    size_t n;
    size_t size;    /* C size of one element in lists */
    int pos_offset; /* where an element's line/col go */
};

typedef struct anylist {
    void *items;
    size_t n;
} anylist;

#define OFF(type, field) ((int)offsetof(type, field))
#define NOWHERE -1
#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static const tfield owner_ref_fields[] = {
    {"apiVersion", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},
    {"kind", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},
    {"name", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},
    {"uid", T_STRING, "types.UID", NULL, NULL, NOWHERE, NOWHERE, 0},
    {"controller", T_PBOOL, "bool", NULL, NULL, NOWHERE, NOWHERE, 1},
    {"blockOwnerDeletion", T_PBOOL, "bool", NULL, NULL, NOWHERE, NOWHERE, 1},
};
static const tstruct owner_ref = {"OwnerReference", owner_ref_fields, NFIELDS(owner_ref_fields), 0, NOWHERE};

static const tfield mf_fields[] = {
    {"manager", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},
    {"operation", T_STRING, "v1.ManagedFieldsOperationType", NULL, NULL, NOWHERE, NOWHERE, 0},
    {"apiVersion", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},
    {"time", T_TIME, "v1.Time", NULL, NULL, NOWHERE, NOWHERE, 1},
    {"fieldsType", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},
    {"fieldsV1", T_ANY, "v1.FieldsV1", NULL, NULL, NOWHERE, NOWHERE, 1},
    {"subresource", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},
};
static const tstruct managed_fields = {"ManagedFieldsEntry", mf_fields, NFIELDS(mf_fields), 0, NOWHERE};

#define OBJECTMETA_FIELDS                                                                   \
    {"name", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},                          \
        {"generateName", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},              \
        {"namespace", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},                 \
        {"selfLink", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},                  \
        {"uid", T_STRING, "types.UID", NULL, NULL, NOWHERE, NOWHERE, 0},                    \
        {"resourceVersion", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},           \
        {"generation", T_INT64, "int64", NULL, NULL, NOWHERE, NOWHERE, 0},                  \
        {"creationTimestamp", T_TIME, "v1.Time", NULL, NULL, NOWHERE, NOWHERE, 0},          \
        {"deletionTimestamp", T_TIME, "v1.Time", NULL, NULL, NOWHERE, NOWHERE, 1},          \
        {"deletionGracePeriodSeconds", T_INT64, "int64", NULL, NULL, NOWHERE, NOWHERE, 1},  \
        {"labels", T_STRMAP, "map[string]string", "string", NULL, NOWHERE, NOWHERE, 1},     \
        {"annotations", T_STRMAP, "map[string]string", "string", NULL, NOWHERE, NOWHERE, 1},\
        {"ownerReferences", T_STRUCTLIST, "[]v1.OwnerReference", "v1.OwnerReference",       \
         &owner_ref, NOWHERE, NOWHERE, 1},                                                  \
        {"finalizers", T_STRLIST, "[]string", "string", NULL, NOWHERE, NOWHERE, 1},         \
        {"managedFields", T_STRUCTLIST, "[]v1.ManagedFieldsEntry", "v1.ManagedFieldsEntry", \
         &managed_fields, NOWHERE, NOWHERE, 1}

static const tfield objectmeta_fields[] = {OBJECTMETA_FIELDS};
static const tstruct objectmeta = {"ObjectMeta", objectmeta_fields, NFIELDS(objectmeta_fields), 0, NOWHERE};

/* audit.k8s.io/v1 */
static const tfield v1_gr_fields[] = {
    {"group", T_STRING, "string", NULL, NULL, OFF(kgr, group), NOWHERE, 0},
    {"resources", T_STRLIST, "[]string", "string", NULL, OFF(kgr, resources), NOWHERE, 1},
    {"resourceNames", T_STRLIST, "[]string", "string", NULL, OFF(kgr, names), NOWHERE, 1},
};
static const tstruct v1_gr = {"GroupResources", v1_gr_fields, NFIELDS(v1_gr_fields), sizeof(kgr), OFF(kgr, line)};

static const tfield v1_rule_fields[] = {
    {"level", T_STRING, "v1.Level", NULL, NULL, OFF(krule, level), NOWHERE, 0},
    {"users", T_STRLIST, "[]string", "string", NULL, OFF(krule, users), NOWHERE, 1},
    {"userGroups", T_STRLIST, "[]string", "string", NULL, OFF(krule, groups), NOWHERE, 1},
    {"verbs", T_STRLIST, "[]string", "string", NULL, OFF(krule, verbs), NOWHERE, 1},
    {"resources", T_STRUCTLIST, "[]v1.GroupResources", "v1.GroupResources", &v1_gr, OFF(krule, res),
     OFF(krule, res_line), 1},
    {"namespaces", T_STRLIST, "[]string", "string", NULL, OFF(krule, namespaces), NOWHERE, 1},
    {"nonResourceURLs", T_STRLIST, "[]string", "string", NULL, OFF(krule, urls), NOWHERE, 1},
    {"omitStages", T_STRLIST, "[]v1.Stage", "v1.Stage", NULL, OFF(krule, stages), NOWHERE, 1},
    {"omitManagedFields", T_PBOOL, "bool", NULL, NULL, OFF(krule, omf), OFF(krule, omf_line), 1},
};
static const tstruct v1_rule = {"PolicyRule", v1_rule_fields, NFIELDS(v1_rule_fields), sizeof(krule), OFF(krule, line)};

static const tfield v1_policy_fields[] = {
    {"kind", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},
    {"apiVersion", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},
    {"metadata", T_STRUCT, "v1.ObjectMeta", NULL, &objectmeta, NOWHERE, NOWHERE, 0},
    {"rules", T_STRUCTLIST, "[]v1.PolicyRule", "v1.PolicyRule", &v1_rule, OFF(kdoc, rules),
     OFF(kdoc, rules_line), 1},
    {"omitStages", T_STRLIST, "[]v1.Stage", "v1.Stage", NULL, OFF(kdoc, stages), NOWHERE, 1},
    {"omitManagedFields", T_BOOL, "bool", NULL, NULL, OFF(kdoc, omf), NOWHERE, 0},
};
static const tstruct v1_policy = {"Policy", v1_policy_fields, NFIELDS(v1_policy_fields), 0, NOWHERE};

/* audit.k8s.io/__internal: no JSON tags, so Go field names, and the
 * embedded TypeMeta and ObjectMeta fields promoted to the top. */
static const tfield int_gr_fields[] = {
    {"Group", T_STRING, "string", NULL, NULL, OFF(kgr, group), NOWHERE, 0},
    {"Resources", T_STRLIST, "[]string", "string", NULL, OFF(kgr, resources), NOWHERE, 1},
    {"ResourceNames", T_STRLIST, "[]string", "string", NULL, OFF(kgr, names), NOWHERE, 1},
};
static const tstruct int_gr = {"GroupResources", int_gr_fields, NFIELDS(int_gr_fields), sizeof(kgr), OFF(kgr, line)};

static const tfield int_rule_fields[] = {
    {"Level", T_STRING, "audit.Level", NULL, NULL, OFF(krule, level), NOWHERE, 0},
    {"Users", T_STRLIST, "[]string", "string", NULL, OFF(krule, users), NOWHERE, 1},
    {"UserGroups", T_STRLIST, "[]string", "string", NULL, OFF(krule, groups), NOWHERE, 1},
    {"Verbs", T_STRLIST, "[]string", "string", NULL, OFF(krule, verbs), NOWHERE, 1},
    {"Resources", T_STRUCTLIST, "[]audit.GroupResources", "audit.GroupResources", &int_gr,
     OFF(krule, res), OFF(krule, res_line), 1},
    {"Namespaces", T_STRLIST, "[]string", "string", NULL, OFF(krule, namespaces), NOWHERE, 1},
    {"NonResourceURLs", T_STRLIST, "[]string", "string", NULL, OFF(krule, urls), NOWHERE, 1},
    {"OmitStages", T_STRLIST, "[]audit.Stage", "audit.Stage", NULL, OFF(krule, stages), NOWHERE, 1},
    {"OmitManagedFields", T_PBOOL, "bool", NULL, NULL, OFF(krule, omf), OFF(krule, omf_line), 1},
};
static const tstruct int_rule = {"PolicyRule", int_rule_fields, NFIELDS(int_rule_fields), sizeof(krule), OFF(krule, line)};

static const tfield int_policy_fields[] = {
    {"kind", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},
    {"apiVersion", T_STRING, "string", NULL, NULL, NOWHERE, NOWHERE, 0},
    OBJECTMETA_FIELDS,
    {"Rules", T_STRUCTLIST, "[]audit.PolicyRule", "audit.PolicyRule", &int_rule, OFF(kdoc, rules),
     OFF(kdoc, rules_line), 1},
    {"OmitStages", T_STRLIST, "[]audit.Stage", "audit.Stage", NULL, OFF(kdoc, stages), NOWHERE, 1},
    {"OmitManagedFields", T_BOOL, "bool", NULL, NULL, OFF(kdoc, omf), NOWHERE, 0},
};
static const tstruct int_policy = {"Policy", int_policy_fields, NFIELDS(int_policy_fields), 0, NOWHERE};

/* ---- the typed decode (sigs.k8s.io/json, case-sensitive, strict) ------------- */

typedef struct tdec {
    kap_arena *a;
    kap_buf field;  /* Go's errorContext.FieldStack, names joined with '.' */
    const char *struct_name;
    kap_buf path;   /* strict path with indexes */
    kap_buf type_err; /* first UnmarshalTypeError */
    unsigned te_line, te_col;
    int has_type_err;
    kap_buf abort_err; /* an error that stops decoding at once */
    int aborted;
    unsigned ab_line, ab_col;
    /* strict errors, each with its position */
    kap_buf strict;
    int nstrict;
    kap_diagnostics *diags;
    int oom;
} tdec;

static void type_error(tdec *d, const jv *v, const char *value_desc, const char *go_type)
{
    if (d->has_type_err)
        return;
    d->has_type_err = 1;
    d->te_line = v->line;
    d->te_col = v->col;
    buf_adds(&d->type_err, "json: cannot unmarshal ");
    buf_adds(&d->type_err, value_desc);
    if (d->struct_name || d->field.len) {
        buf_adds(&d->type_err, " into Go struct field ");
        buf_adds(&d->type_err, d->struct_name ? d->struct_name : "");
        buf_addc(&d->type_err, '.');
        buf_add(&d->type_err, d->field.s, d->field.len);
    } else {
        buf_adds(&d->type_err, " into Go value");
    }
    buf_adds(&d->type_err, " of type ");
    buf_adds(&d->type_err, go_type);
}

static void strict_error(tdec *d, const char *what, const char *name, size_t nlen, unsigned line,
                         unsigned col)
{
    kap_buf item = {0};
    size_t base = d->path.len;
    if (base)
        buf_addc(&d->path, '.');
    buf_add(&d->path, name, nlen);
    buf_adds(&item, what);
    buf_adds(&item, " field ");
    go_quote(&item, d->path.s, d->path.len);
    if (d->nstrict++)
        buf_adds(&d->strict, ", ");
    buf_add(&d->strict, item.s, item.len);
    if (item.oom || d->path.oom)
        d->oom = 1;
    else
        diags_add(d->diags, KAP_SEVERITY_WARNING, buf_cstr(&d->path), buf_cstr(&item), line, col);
    buf_free(&item);
    d->path.len = base;
    if (d->path.s)
        d->path.s[base] = 0;
}

static void set_pos(void *target, int pos_offset, const jv *v)
{
    if (target && pos_offset >= 0) {
        unsigned *p = (unsigned *)((char *)target + pos_offset);
        p[0] = v->line;
        p[1] = v->col;
    }
}

static void decode_value(tdec *d, const tfield *f, void *target, const jv *v);

static void set_kstr(kstr *s, const jv *v)
{
    s->s = v->s;
    s->len = v->len;
    s->line = v->line;
    s->col = v->col;
}

/* RFC 3339 as time.Parse reads it, enough for its error messages. */
static void check_time(tdec *d, const jv *v)
{
    static const struct {
        const char *elem;
        int digits; /* 0: literal */
    } layout[] = {{"2006", 4}, {"-", 0}, {"01", 2}, {"-", 0}, {"02", 2}, {"T", 0}, {"15", 2},
                  {":", 0},    {"04", 2}, {":", 0}, {"05", 2}};
    const char *s = v->s, *end = v->s + v->len;
    const char *p = s;
    const char *bad_elem = NULL;
    for (size_t i = 0; i < sizeof layout / sizeof layout[0]; i++) {
        if (layout[i].digits) {
            for (int k = 0; k < layout[i].digits; k++)
                if (p + k >= end || p[k] < '0' || p[k] > '9') {
                    bad_elem = layout[i].elem;
                    goto bad;
                }
            p += layout[i].digits;
        } else {
            if (p >= end || *p != layout[i].elem[0]) {
                bad_elem = layout[i].elem;
                goto bad;
            }
            p++;
        }
    }
    if (p < end && (*p == '.' || *p == ',') && p + 1 < end && p[1] >= '0' && p[1] <= '9') {
        p++;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && *p == 'Z') {
        p++;
    } else if (p + 6 <= end && (*p == '+' || *p == '-') && p[3] == ':') {
        p += 6;
    } else {
        bad_elem = "Z07:00";
        goto bad;
    }
    if (p != end) {
        d->aborted = 1;
        d->ab_line = v->line, d->ab_col = v->col;
        buf_adds(&d->abort_err, "parsing time ");
        go_quote(&d->abort_err, s, v->len);
        buf_adds(&d->abort_err, " as \"2006-01-02T15:04:05Z07:00\": extra text: ");
        go_quote(&d->abort_err, p, (size_t)(end - p));
    }
    return;
bad:
    d->aborted = 1;
    d->ab_line = v->line, d->ab_col = v->col;
    buf_adds(&d->abort_err, "parsing time ");
    go_quote(&d->abort_err, s, v->len);
    buf_adds(&d->abort_err, " as \"2006-01-02T15:04:05Z07:00\": cannot parse ");
    go_quote(&d->abort_err, p, (size_t)(end - p));
    buf_adds(&d->abort_err, " as ");
    go_quote(&d->abort_err, bad_elem, strlen(bad_elem));
}

static int is_int_literal(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n || n - i > 19)
        return 0;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    /* range of int64 */
    char tmp[24];
    memcpy(tmp, s, n);
    tmp[n] = 0;
    if (n - (s[0] == '-') == 19) {
        const char *digits = tmp + (s[0] == '-');
        const char *lim = s[0] == '-' ? "9223372036854775808" : "9223372036854775807";
        if (strcmp(digits, lim) > 0)
            return 0;
    }
    return 1;
}

/* Sorted-key check for repeated keys of a JSON object decoded into a map. */
typedef struct keyref {
    const char *k;
    size_t n, idx;
} keyref;

static int keyref_cmp(const void *x, const void *y)
{
    const keyref *a = x, *b = y;
    size_t n = a->n < b->n ? a->n : b->n;
    int c = n ? memcmp(a->k, b->k, n) : 0;
    if (c)
        return c;
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void decode_map(tdec *d, const tfield *f, const jv *v)
{
    if (v->kind == JV_NULL)
        return;
    if (v->kind != JV_OBJECT) {
        type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        return;
    }
    unsigned char *dup = NULL;
    if (v->n > 1) {
        keyref *refs = kap_malloc(v->n * sizeof *refs);
        dup = kap_calloc(v->n, 1);
        if (!refs || !dup) {
            kap_free(refs);
            kap_free(dup);
            d->oom = 1;
            return;
        }
        for (size_t i = 0; i < v->n; i++)
            refs[i] = (keyref){v->members[i].key, v->members[i].klen, i};
        qsort(refs, v->n, sizeof *refs, keyref_cmp);
        for (size_t i = 1; i < v->n; i++)
            if (refs[i].n == refs[i - 1].n && memcmp(refs[i].k, refs[i - 1].k, refs[i].n) == 0)
                dup[refs[i].idx] = 1;
        kap_free(refs);
    }
    for (size_t i = 0; i < v->n; i++) {
        const jv_member *m = &v->members[i];
        if (dup && dup[i])
            strict_error(d, "duplicate", m->key, m->klen, m->line, m->col);
        const jv *e = m->val;
        if (e->kind != JV_STRING && e->kind != JV_NULL)
            type_error(d, e, jv_kind_go_name(e->kind), "string");
    }
    kap_free(dup);
}

static void decode_strlist(tdec *d, const tfield *f, kstrlist *t, const jv *v)
{
    if (v->kind == JV_NULL) {
        if (t) {
            t->v = NULL;
            t->n = 0;
        }
        return;
    }
    if (v->kind != JV_ARRAY) {
        type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        return;
    }
    kstr *items = NULL;
    if (t && v->n) {
        size_t keep = t->n < v->n ? t->n : v->n;
        items = arena_alloc(d->a, v->n * sizeof *items);
        if (!items) {
            d->oom = 1;
            return;
        }
        if (keep)
            memcpy(items, t->v, keep * sizeof *items);
    }
    for (size_t i = 0; i < v->n; i++) {
        const jv *e = v->items[i];
        if (e->kind == JV_STRING) {
            if (items)
                set_kstr(&items[i], e);
        } else if (e->kind == JV_NULL) {
            /* null leaves the element as it was: "" for a new one */
            if (items && !items[i].s) {
                items[i].s = "";
                items[i].line = e->line;
                items[i].col = e->col;
            }
        } else {
            type_error(d, e, jv_kind_go_name(e->kind), f->elem_type);
            if (items && !items[i].s)
                items[i].s = "";
        }
    }
    if (t) {
        t->v = items;
        t->n = v->n;
        t->line = v->line;
        t->col = v->col;
    }
}

static void decode_struct(tdec *d, const tstruct *st, void *target, const jv *v);

static void decode_structlist(tdec *d, const tfield *f, anylist *t, const jv *v)
{
    if (v->kind == JV_NULL) {
        if (t) {
            t->items = NULL;
            t->n = 0;
        }
        return;
    }
    if (v->kind != JV_ARRAY) {
        type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        return;
    }
    const tstruct *st = f->sub;
    char *items = NULL;
    if (t && v->n) {
        size_t keep = t->n < v->n ? t->n : v->n;
        items = arena_alloc(d->a, v->n * st->size);
        if (!items) {
            d->oom = 1;
            return;
        }
        if (keep)
            memcpy(items, t->items, keep * st->size);
        if (st == &v1_rule || st == &int_rule)
            for (size_t i = keep; i < v->n; i++)
                ((krule *)items)[i].omf = -1;
    }
    size_t base = d->path.len;
    for (size_t i = 0; i < v->n && !d->aborted; i++) {
        char idx[24]; /* "[i]", written without printf: once per list element */
        size_t k = sizeof idx;
        idx[--k] = ']';
        size_t v2 = i;
        do
            idx[--k] = (char)('0' + v2 % 10);
        while (v2 /= 10);
        idx[--k] = '[';
        buf_add(&d->path, idx + k, sizeof idx - k);
        const jv *e = v->items[i];
        void *elem = items ? items + i * st->size : NULL;
        if (e->kind == JV_OBJECT) {
            set_pos(elem, st->pos_offset, e);
            decode_struct(d, st, elem, e);
        } else if (e->kind != JV_NULL) {
            type_error(d, e, jv_kind_go_name(e->kind), f->elem_type);
        } else if (elem) {
            set_pos(elem, st->pos_offset, e);
        }
        d->path.len = base;
        if (d->path.s)
            d->path.s[base] = 0;
    }
    if (t) {
        t->items = items;
        t->n = v->n;
    }
}

static void decode_value(tdec *d, const tfield *f, void *target, const jv *v)
{
    void *slot = target && f->offset >= 0 ? (char *)target + f->offset : NULL;
    switch (f->kind) {
    case T_STRING:
        if (v->kind == JV_STRING) {
            if (slot)
                set_kstr(slot, v);
        } else if (v->kind != JV_NULL) {
            type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        }
        break;
    case T_BOOL:
    case T_PBOOL:
        if (v->kind == JV_BOOL) {
            if (slot)
                *(int *)slot = v->b;
            set_pos(target, f->pos_offset, v);
        } else if (v->kind == JV_NULL) {
            if (slot && f->kind == T_PBOOL)
                *(int *)slot = -1;
        } else {
            type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        }
        break;
    case T_INT64:
        if (v->kind == JV_NUMBER) {
            if (!is_int_literal(v->s, v->len)) {
                kap_buf desc = {0};
                buf_adds(&desc, "number ");
                buf_add(&desc, v->s, v->len);
                type_error(d, v, buf_cstr(&desc) ? desc.s : "number", f->go_type);
                buf_free(&desc);
            }
        } else if (v->kind != JV_NULL) {
            type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        }
        break;
    case T_TIME:
        /* metav1.Time has its own UnmarshalJSON: its errors stop decoding */
        if (v->kind == JV_STRING) {
            check_time(d, v);
        } else if (v->kind != JV_NULL) {
            /* its inner json.Unmarshal into a string fails; the decoder then
             * adds the field it was in to that UnmarshalTypeError */
            d->aborted = 1;
            d->ab_line = v->line, d->ab_col = v->col;
            buf_printf(&d->abort_err, "json: cannot unmarshal %s into Go struct field %s.", jv_kind_go_name(v->kind),
                       d->struct_name ? d->struct_name : "");
            buf_add(&d->abort_err, d->field.s, d->field.len);
            buf_adds(&d->abort_err, " of type string");
        }
        break;
    case T_ANY:
        break;
    case T_STRMAP:
        decode_map(d, f, v);
        break;
    case T_STRLIST:
        decode_strlist(d, f, slot, v);
        break;
    case T_STRUCT:
        if (v->kind == JV_OBJECT)
            decode_struct(d, f->sub, slot, v);
        else if (v->kind != JV_NULL)
            type_error(d, v, jv_kind_go_name(v->kind), f->go_type);
        break;
    case T_STRUCTLIST:
        set_pos(target, f->pos_offset, v);
        decode_structlist(d, f, slot, v);
        break;
    }
}

static void decode_struct(tdec *d, const tstruct *st, void *target, const jv *v)
{
    uint64_t seen = 0;
    for (size_t i = 0; i < v->n && !d->aborted; i++) {
        const jv_member *m = &v->members[i];
        const tfield *f = NULL;
        size_t fi;
        for (fi = 0; fi < st->n; fi++) {
            const char *name = st->fields[fi].name;
            if (m->klen && name[0] == m->key[0] && strlen(name) == m->klen && memcmp(name, m->key, m->klen) == 0) {
                f = &st->fields[fi];
                break;
            }
        }
        if (!f) {
            strict_error(d, "unknown", m->key, m->klen, m->line, m->col);
            continue;
        }
        if (seen & (1ULL << fi))
            strict_error(d, "duplicate", m->key, m->klen, m->line, m->col);
        seen |= 1ULL << fi;

        /* errorContext for type errors: struct name and field names */
        const char *saved_struct = d->struct_name;
        size_t saved_field = d->field.len;
        if (d->field.len)
            buf_addc(&d->field, '.');
        buf_adds(&d->field, f->name);
        d->struct_name = st->go_name;
        size_t saved_path = d->path.len;
        if (d->path.len)
            buf_addc(&d->path, '.');
        buf_adds(&d->path, f->name);

        decode_value(d, f, target, m->val);

        d->struct_name = saved_struct;
        d->field.len = saved_field;
        if (d->field.s)
            d->field.s[saved_field] = 0;
        d->path.len = saved_path;
        if (d->path.s)
            d->path.s[saved_path] = 0;
    }
}

/* ---- kind sniffing ------------------------------------------------------ */

/* bytes.EqualFold against an ASCII name, with Go's two non-ASCII folds
 * that reach ASCII letters (U+212A KELVIN SIGN, U+017F LONG S). */
static int equal_fold(const char *s, size_t n, const char *ascii)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    for (; *ascii; ascii++) {
        char want = (char)(*ascii | 0x20);
        if (i >= n)
            return 0;
        if (p[i] < 0x80) {
            if ((char)(p[i] | 0x20) != want || !((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z'))
                return 0;
            i++;
        } else if (i + 2 < n + 0 && p[i] == 0xE2 && p[i + 1] == 0x84 && p[i + 2] == 0xAA && want == 'k') {
            i += 3;
        } else if (i + 1 < n && p[i] == 0xC5 && p[i + 1] == 0xBF && want == 's') {
            i += 2;
        } else {
            return 0;
        }
    }
    return i == n;
}

static const char SNIFF_TYPE[] =
    "struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string "
    "\"json:\\\"kind,omitempty\\\"\" }";

/* ---- scheme lookup --------------------------------------------------------- */

enum { TARGET_V1, TARGET_INTERNAL, TARGET_CONVERSION, TARGET_UNKNOWN };

static int lookup_kind(const char *group, const char *version, const char *kind, const char **go_type)
{
    static const char *const unversioned[] = {"Status", "APIVersions", "APIGroupList", "APIGroup",
                                              "APIResourceList", NULL};
    static const char *const options[] = {"ListOptions", "GetOptions", "DeleteOptions", "CreateOptions",
                                          "UpdateOptions", "PatchOptions", NULL};
    int audit = strcmp(group, "audit.k8s.io") == 0, core = group[0] == 0;
    int v1 = strcmp(version, "v1") == 0, internal = strcmp(version, "__internal") == 0;
    *go_type = NULL;
    if (audit && v1 && strcmp(kind, "Policy") == 0)
        return TARGET_V1;
    if (audit && internal && strcmp(kind, "Policy") == 0)
        return TARGET_INTERNAL;
    if ((audit || core) && internal && strcmp(kind, "WatchEvent") == 0) {
        *go_type = "v1.InternalEvent";
        return TARGET_CONVERSION;
    }
    if (audit && internal) {
        if (strcmp(kind, "Event") == 0) *go_type = "audit.Event";
        if (strcmp(kind, "EventList") == 0) *go_type = "audit.EventList";
        if (strcmp(kind, "PolicyList") == 0) *go_type = "audit.PolicyList";
    }
    if ((audit || core) && v1) {
        if (strcmp(kind, "WatchEvent") == 0)
            *go_type = "v1.WatchEvent";
        for (const char *const *o = options; *o; o++)
            if (strcmp(kind, *o) == 0)
                *go_type = *o;
        if (audit) {
            if (strcmp(kind, "Event") == 0) *go_type = "v1.Event";
            if (strcmp(kind, "EventList") == 0) *go_type = "v1.EventList";
            if (strcmp(kind, "PolicyList") == 0) *go_type = "v1.PolicyList";
        }
    }
    for (const char *const *u = unversioned; *u; u++)
        if (strcmp(kind, *u) == 0)
            *go_type = *u;
    return *go_type ? TARGET_CONVERSION : TARGET_UNKNOWN;
}

/* ---- the whole decode ---------------------------------------------------- */

static int is_unicode_space(const unsigned char *p, size_t n, size_t *size)
{
    *size = 1;
    if (n == 0)
        return 0;
    unsigned char c = p[0];
    if (c == ' ' || (c >= '\t' && c <= '\r'))
        return 1;
    if (c == 0xC2 && n >= 2 && (p[1] == 0x85 || p[1] == 0xA0)) {
        *size = 2;
        return 1;
    }
    if (n >= 3) {
        uint32_t r = 0;
        if ((c & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80)
            r = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        if (r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 || r == 0x2029 ||
            r == 0x202F || r == 0x205F || r == 0x3000) {
            *size = 3;
            return 1;
        }
    }
    return 0;
}

static int report_error(kap_diagnostics *diags, int status, const char *field, const char *text,
                        unsigned line, unsigned col)
{
    diags_add(diags, KAP_SEVERITY_ERROR, field, text, line, col);
    if (!diags->error_text)
        diags->error_text = kap_strndup(text, strlen(text));
    if (!diags->error_text || diags->oom)
        return KAP_ENOMEM;
    return status;
}

static int report_fail(kap_diagnostics *diags, kap_fail *fail, const char *prefix)
{
    if (fail->status == KAP_ENOMEM || fail->msg.oom)
        return KAP_ENOMEM;
    kap_buf t = {0};
    if (fail->status == KAP_EINVALID)
        buf_adds(&t, prefix);
    buf_add(&t, fail->msg.s, fail->msg.len);
    int rc = t.oom ? KAP_ENOMEM : report_error(diags, fail->status, "", t.s, fail->line, fail->col);
    buf_free(&t);
    return rc;
}

int decode_policy(kap_arena *a, const char *data, size_t len, const kap_limits *lim, kdoc *doc,
                  kap_diagnostics *diags)
{
    memset(doc, 0, sizeof *doc);
    doc->omf = 0;
    kap_fail fail = {0};
    kap_buf strict_yaml = {0};
    jv *root = NULL;
    int rc;
    int is_json = 0;

    /* 1. JSON if the first non-space character is '{' */
    {
        const unsigned char *p = (const unsigned char *)data;
        size_t i = 0, sz;
        while (i < len && is_unicode_space(p + i, len - i, &sz))
            i += sz;
        is_json = i < len && p[i] == '{';
    }

    if (is_json) {
        rc = json_to_jv(a, data, len, lim, &root, &fail);
        if (rc) {
            rc = report_fail(diags, &fail,
                             "failed decoding: couldn't get version/kind; json parse error: ");
            goto out;
        }
    } else {
        rc = yaml_to_jv(a, data, len, lim, &root, &strict_yaml, &fail);
        if (rc) {
            rc = report_fail(diags, &fail, "failed decoding: ");
            goto out;
        }
        /* (Go's JSON depth limit, 10000 nested collections, is enforced
         * while the YAML is turned into values: read_yaml.c, too_deep.) */
    }

    /* 3. apiVersion and kind, case-insensitively */
    const jv *apiversion = NULL, *kind = NULL;
    if (root && root->kind != JV_NULL) {
        if (root->kind != JV_OBJECT) {
            kap_buf t = {0};
            buf_printf(&t,
                       "failed decoding: couldn't get version/kind; json parse error: json: cannot "
                       "unmarshal %s into Go value of type %s",
                       jv_kind_go_name(root->kind), SNIFF_TYPE);
            rc = t.oom ? KAP_ENOMEM : report_error(diags, KAP_EINVALID, "", t.s, root->line, root->col);
            buf_free(&t);
            goto out;
        }
        const jv *bad = NULL;
        const char *bad_name = NULL;
        for (size_t i = 0; i < root->n; i++) {
            const jv_member *m = &root->members[i];
            const char *name = NULL;
            const jv **slot = NULL;
            if (equal_fold(m->key, m->klen, "apiVersion"))
                name = "apiVersion", slot = &apiversion;
            else if (equal_fold(m->key, m->klen, "kind"))
                name = "kind", slot = &kind;
            if (!slot)
                continue;
            if (m->val->kind == JV_STRING)
                *slot = m->val;
            else if (m->val->kind != JV_NULL && !bad)
                bad = m->val, bad_name = name;
        }
        if (bad) {
            kap_buf t = {0};
            buf_printf(&t,
                       "failed decoding: couldn't get version/kind; json parse error: json: cannot "
                       "unmarshal %s into Go struct field .%s of type string",
                       jv_kind_go_name(bad->kind), bad_name);
            rc = t.oom ? KAP_ENOMEM : report_error(diags, KAP_EINVALID, bad_name, t.s, bad->line, bad->col);
            buf_free(&t);
            goto out;
        }
    }

    /* group/version parse and defaults */
    char *group, *version, *kindname;
    {
        const char *av = apiversion ? apiversion->s : "";
        size_t avl = apiversion ? apiversion->len : 0;
        size_t slashes = 0, slash_at = 0;
        for (size_t i = 0; i < avl; i++)
            if (av[i] == '/')
                slashes++, slash_at = i;
        if ((avl == 1 && av[0] == '/') || avl == 0) {
            group = arena_strndup(a, "", 0);
            version = arena_strndup(a, "", 0);
        } else if (slashes == 0) {
            group = arena_strndup(a, "", 0);
            version = arena_strndup(a, av, avl);
        } else if (slashes == 1) {
            group = arena_strndup(a, av, slash_at);
            version = arena_strndup(a, av + slash_at + 1, avl - slash_at - 1);
        } else {
            kap_buf t = {0};
            buf_adds(&t, "failed decoding: unexpected GroupVersion string: ");
            buf_add(&t, av, avl);
            rc = t.oom ? KAP_ENOMEM
                       : report_error(diags, KAP_EINVALID, "apiVersion", t.s, apiversion->line, apiversion->col);
            buf_free(&t);
            goto out;
        }
        kindname = kind && kind->len ? arena_strndup(a, kind->s, kind->len) : arena_strndup(a, "Policy", 6);
        if (!group || !version || !kindname) {
            rc = KAP_ENOMEM;
            goto out;
        }
        if (!version[0] && !group[0]) {
            group = "audit.k8s.io";
            version = "__internal";
        }
        if (!version[0] && strcmp(group, "audit.k8s.io") == 0)
            version = "__internal";
        if (!version[0]) {
            kap_buf t = {0};
            buf_adds(&t, "failed decoding: Object 'apiVersion' is missing in '");
            buf_add(&t, data, len);
            buf_adds(&t, "'");
            rc = t.oom ? KAP_ENOMEM
                       : report_error(diags, KAP_EINVALID, "apiVersion", t.s,
                                      apiversion ? apiversion->line : 0, apiversion ? apiversion->col : 0);
            buf_free(&t);
            goto out;
        }
    }

    /* 5. scheme lookup */
    const char *go_type;
    int target = lookup_kind(group, version, kindname, &go_type);
    unsigned kline = kind ? kind->line : apiversion ? apiversion->line : 0;
    unsigned kcol = kind ? kind->col : apiversion ? apiversion->col : 0;
    if (target == TARGET_UNKNOWN) {
        kap_buf t = {0};
        buf_adds(&t, "failed decoding: no kind ");
        go_quote(&t, kindname, strlen(kindname));
        if (strcmp(version, "__internal") == 0) {
            buf_adds(&t, " is registered for the internal version of group ");
            go_quote(&t, group, strlen(group));
        } else {
            kap_buf gv = {0};
            if (group[0]) {
                buf_adds(&gv, group);
                buf_addc(&gv, '/');
            }
            buf_adds(&gv, version);
            buf_adds(&t, " is registered for version ");
            go_quote(&t, gv.s, gv.len);
            buf_free(&gv);
        }
        buf_adds(&t, " in scheme \"" SCHEME_NAME "\"");
        rc = t.oom ? KAP_ENOMEM : report_error(diags, KAP_EINVALID, "kind", t.s, kline, kcol);
        buf_free(&t);
        goto out;
    }
    if (target == TARGET_CONVERSION) {
        kap_buf t = {0};
        buf_printf(&t, "failed decoding: converting (%s%s) to (audit.Policy): unknown conversion",
                   strchr(go_type, '.') ? "" : "v1.", go_type);
        rc = t.oom ? KAP_ENOMEM : report_error(diags, KAP_EINVALID, "kind", t.s, kline, kcol);
        buf_free(&t);
        goto out;
    }

    /* 6. strict decode, lenient fallback */
    tdec d = {0};
    d.a = a;
    d.diags = diags;
    int strict_on = release_has(lim, KC_LENIENT_FALLBACK);
    if (strict_yaml.len) {
        /* go-yaml's strict error comes first, as one item */
        kap_buf item = {0};
        buf_adds(&item, "yaml: unmarshal errors:");
        buf_add(&item, strict_yaml.s, strict_yaml.len);
        buf_add(&d.strict, item.s, item.len);
        d.nstrict = 1;
        /* one diagnostic per duplicate key, with its line */
        const char *p = strict_yaml.s;
        while (p && (p = strstr(p, "\n  line ")) != NULL) {
            p += 8;
            unsigned line = (unsigned)strtoul(p, NULL, 10);
            const char *e = strchr(p, '\n');
            size_t L = e ? (size_t)(e - p) : strlen(p);
            kap_buf one = {0};
            buf_adds(&one, "yaml: line ");
            buf_add(&one, p, L);
            if (one.oom)
                d.oom = 1;
            else
                diags_add(diags, KAP_SEVERITY_WARNING, "", buf_cstr(&one), line, 0);
            buf_free(&one);
        }
        if (item.oom)
            d.oom = 1;
        buf_free(&item);
    }
    if (root && root->kind == JV_OBJECT)
        decode_struct(&d, target == TARGET_V1 ? &v1_policy : &int_policy, doc, root);

    if (d.oom || d.path.oom || d.field.oom || d.strict.oom || d.type_err.oom || d.abort_err.oom) {
        rc = KAP_ENOMEM;
    } else if (d.aborted || d.has_type_err) {
        /* fatal: drop the strict warnings gathered so far, none is logged */
        size_t w = 0;
        for (size_t i = 0; i < diags->n; i++) {
            if (diags->items[i].severity == KAP_SEVERITY_WARNING) {
                kap_free((void *)diags->items[i].field);
                kap_free((void *)diags->items[i].message);
            } else {
                diags->items[w++] = diags->items[i];
            }
        }
        diags->n = w;
        kap_buf t = {0};
        buf_adds(&t, "failed decoding: ");
        if (d.aborted)
            buf_add(&t, d.abort_err.s, d.abort_err.len);
        else
            buf_add(&t, d.type_err.s, d.type_err.len);
        rc = t.oom ? KAP_ENOMEM
                   : report_error(diags, KAP_EINVALID, d.aborted ? "" : "", t.s,
                                  d.aborted ? d.ab_line : d.te_line, d.aborted ? d.ab_col : d.te_col);
        buf_free(&t);
    } else {
        rc = KAP_OK;
        if (d.nstrict && strict_on) {
            kap_buf w = {0};
            buf_adds(&w, "Audit policy contains errors, falling back to lenient decoding: strict decoding error: ");
            buf_add(&w, d.strict.s, d.strict.len);
            diags->warning_text = w.oom ? NULL : kap_strndup(w.s, w.len);
            if (!diags->warning_text)
                rc = KAP_ENOMEM;
            buf_free(&w);
        } else if (d.nstrict) {
            /* before 1.26 decoding was lenient only: nothing is logged */
            size_t w = 0;
            for (size_t i = 0; i < diags->n; i++) {
                if (diags->items[i].severity == KAP_SEVERITY_WARNING) {
                    kap_free((void *)diags->items[i].field);
                    kap_free((void *)diags->items[i].message);
                } else {
                    diags->items[w++] = diags->items[i];
                }
            }
            diags->n = w;
        }
    }
    buf_free(&d.field);
    buf_free(&d.path);
    buf_free(&d.type_err);
    buf_free(&d.abort_err);
    buf_free(&d.strict);
    if (rc)
        goto out;

    /* 7. group-version check */
    if (target != TARGET_V1) {
        rc = report_error(diags, KAP_EINVALID, "",
                          "unknown group version field audit.k8s.io/__internal, Kind=Policy in policy",
                          apiversion ? apiversion->line : 0, apiversion ? apiversion->col : 0);
        goto out;
    }
    if (doc->nrules > lim->max_rules) {
        kap_buf t = {0};
        buf_printf(&t, "the policy has %zu rules, more than the limit of %zu (max_rules)", doc->nrules,
                   lim->max_rules);
        rc = t.oom ? KAP_ENOMEM : report_error(diags, KAP_ELIMIT, "rules", t.s, doc->rules_line, doc->rules_col);
        buf_free(&t);
        goto out;
    }
    rc = KAP_OK;
out:
    buf_free(&fail.msg);
    buf_free(&strict_yaml);
    if (diags->oom)
        rc = KAP_ENOMEM;
    return rc;
}
