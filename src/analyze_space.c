/* The request space of a policy: attribute classes, cubes, exact subtraction,
 * and a concrete request from a cube. See analyze.h for the model.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

enum { CL_VALUE, CL_REGION, CL_OTHER, CL_NOUSER };

typedef struct an_class {
    const char *s; /* VALUE: the string; REGION: the URL prefix (stem) */
    size_t len;
    const char *rep; /* REGION, OTHER: a value of the class (OTHER's depends on context) */
    size_t replen;
    uint32_t first; /* VALUE: where the policy first names it (realism: earlier first) */
    uint8_t kind;
} an_class;

/* A URL spec's string, as exact value or prefix (stem), in byte order. */
typedef struct an_pathent {
    const char *s;
    size_t len;
    uint32_t exact;  /* class of the exact value, or AN_NONE */
    uint32_t region; /* class of the region, AN_NONE when not a stem or the region is empty */
    int stem;
} an_pathent;

typedef struct an_dim {
    an_class *cl;
    uint32_t n;
    uint32_t nvalues; /* string dims: classes 0..nvalues-1 are the VALUEs in byte order */
    uint32_t other;   /* AN_NONE when empty */
} an_dim;

typedef struct an_list {
    uint32_t *v;
    uint32_t n, cap;
} an_list;

typedef struct an_rule {
    an_cube *cubes;
    uint32_t n;
    an_set hull[AN_NDIM]; /* union of the cubes: pos, or full */
} an_rule;

typedef struct an_group {
    const char *s;
    size_t len;
    uint32_t first;
} an_group;

struct an_space {
    kap_arena arena;   /* classes, rules: the whole analysis */
    kap_arena scratch; /* cubes of queries */
    size_t scratch_bytes;
    an_dim dim[AN_NDIM];
    an_pathent *pe;
    size_t npe;
    an_group *groups;
    uint32_t ngroups;
    an_rule *rules;
    size_t nrules;
    size_t universal; /* the first rule that matches every request, or nrules */
    an_list *lists[AN_NDIM]; /* per class: rules whose hull holds it */
    an_list wide[AN_NDIM];   /* rules whose hull is every class */
    unsigned kube_minor;
    size_t steps, max_steps, rule_steps, max_rule_steps, max_memory, max_classes, nclasses;
    uint32_t *rank[AN_NDIM][2];  /* per class, for witnesses: lower is more realistic (non-resource, resource) */
    uint32_t *order[AN_NDIM][2]; /* the classes by rank */
    uint32_t *tmp;               /* set operations' work area */
    int other_first;             /* witnesses: "any other value" before the listed ones */
    size_t tmpcap;
    int oom, over_memory;
    unsigned invented; /* counter for invented values */
    an_cube *impossible; /* requests no URL gives (build_impossible) */
    unsigned *impossible_why; /* each one's AN_IMP_ bit */
    size_t nimpossible;
};

static const an_set SET_FULL = {NULL, 0, 1};

/* The verbs tied to a name or a subresource (requestinfo.md 8-10), and the
 * rank of their classes (and of the name ""): after the policy's own
 * values, before "any other value". */
static const char *const TIED_VERBS[] = {"get", "list", "delete", "deletecollection", "proxy"};
#define TIED_FIRST 0x0F000000u
/* The rank of the resources status and finalize and of the namespace ""
 * when the policy does not list them: after "any other value" (0x10000000,
 * class_rank), so that a witness stays "pods" in "default". */
#define UNLISTED_LAST 0x11000000u
/* The other verbs a resource request can have (requestinfo.md 6): with the
 * tied ones, every such verb has a class of its own, so "any other verb" is
 * one no resource request has. */
static const char *const OTHER_RES_VERBS[] = {"watch", "create", "update", "patch", ""};
/* All of them, in the order a witness prefers them. */
static const char *const RES_VERB_RANK[] = {"get",    "list",   "watch",  "create",           "update",
                                            "patch", "delete", "deletecollection", "proxy", ""};
/* The resources read as the Namespace's subresources after namespaces/NS/
 * (requestinfo.md 7): a resource request has them in the namespace "" only. */
static const char *const NS_SUBS[] = {"status", "finalize"};

static int build_ranks(an_space *s);

/* ---- strings --------------------------------------------------------------- */

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

typedef struct an_str {
    const char *s;
    size_t len;
    uint32_t first;
    uint8_t flags; /* paths: 1 exact, 2 stem */
} an_str;

typedef struct an_strs {
    an_str *v;
    size_t n, cap;
} an_strs;

static int strs_add(an_space *s, an_strs *l, const char *str, size_t len, uint32_t first, uint8_t flags)
{
    if (kap_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v, 16))
        return s->oom = 1, -1;
    l->v[l->n].s = str ? str : "";
    l->v[l->n].len = str ? len : 0;
    l->v[l->n].first = first;
    l->v[l->n].flags = flags;
    l->n++;
    return 0;
}

static int str_cmp(const void *a, const void *b)
{
    const an_str *x = a, *y = b;
    int c = bytes_cmp(x->s, x->len, y->s, y->len);
    if (c)
        return c;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* Sorts and merges equal strings (earliest first, flags or-ed). */
static void strs_unique(an_strs *l)
{
    if (!l->n)
        return;
    qsort(l->v, l->n, sizeof *l->v, str_cmp);
    size_t w = 0;
    for (size_t i = 1; i < l->n; i++) {
        if (bytes_cmp(l->v[w].s, l->v[w].len, l->v[i].s, l->v[i].len) == 0)
            l->v[w].flags |= l->v[i].flags;
        else
            l->v[++w] = l->v[i];
    }
    l->n = w + 1;
}

static int starts_with(const char *s, size_t n, const char *p, size_t pn)
{
    return n >= pn && (pn == 0 || memcmp(s, p, pn) == 0);
}

/* ---- scratch memory and work -------------------------------------------------- */

static void *sc_alloc(an_space *s, size_t n)
{
    if (s->scratch_bytes + n > s->max_memory) {
        s->over_memory = 1;
        return NULL;
    }
    void *p = arena_alloc(&s->scratch, n);
    if (!p) {
        s->oom = 1;
        return NULL;
    }
    s->scratch_bytes += (n + 15) & ~(size_t)15;
    return p;
}

void an_scratch_reset(an_space *s)
{
    arena_reset(&s->scratch);
    s->scratch_bytes = 0;
    s->over_memory = 0;
}

static int tmp_reserve(an_space *s, size_t n)
{
    if (n <= s->tmpcap)
        return 0;
    size_t cap = s->tmpcap ? s->tmpcap : 64;
    while (cap < n)
        cap *= 2;
    uint32_t *t = kap_realloc(s->tmp, cap * sizeof *t);
    if (!t)
        return s->oom = 1, -1;
    s->tmp = t;
    s->tmpcap = cap;
    return 0;
}

static void work(an_space *s, size_t units)
{
    s->steps += units;
    s->rule_steps += units;
}

/* ---- sets ------------------------------------------------------------------- */

static int in_sorted(const uint32_t *v, uint32_t n, uint32_t x)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else if (v[mid] > x)
            hi = mid;
        else
            return 1;
    }
    return 0;
}

static int set_has(const an_set *a, uint32_t x)
{
    int in = in_sorted(a->v, a->n, x);
    return a->neg ? !in : in;
}

static uint32_t set_size(const an_set *a, uint32_t N) { return a->neg ? N - a->n : a->n; }

static int set_full(const an_set *a) { return a->neg && a->n == 0; }

/* Does some element of v[0..n) lie outside w[0..m)? */
static int some_outside(an_space *s, const uint32_t *v, uint32_t n, const uint32_t *w, uint32_t m)
{
    if (n > m)
        return 1;
    if (m > 8 * (size_t)n + 8) {
        work(s, n);
        for (uint32_t i = 0; i < n; i++)
            if (!in_sorted(w, m, v[i]))
                return 1;
        return 0;
    }
    work(s, (n + m) / 8 + 1);
    uint32_t j = 0;
    for (uint32_t i = 0; i < n; i++) {
        while (j < m && w[j] < v[i])
            j++;
        if (j == m || w[j] != v[i])
            return 1;
    }
    return 0;
}

static int common(an_space *s, const uint32_t *a, uint32_t n, const uint32_t *b, uint32_t m)
{
    if (n > m) {
        const uint32_t *t = a;
        a = b;
        b = t;
        uint32_t k = n;
        n = m;
        m = k;
    }
    if (m > 8 * (size_t)n + 8) {
        work(s, n);
        for (uint32_t i = 0; i < n; i++)
            if (in_sorted(b, m, a[i]))
                return 1;
        return 0;
    }
    work(s, (n + m) / 8 + 1);
    uint32_t i = 0, j = 0;
    while (i < n && j < m) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else
            return 1;
    }
    return 0;
}

/* Size of the union of two sorted lists. */
static size_t union_size(an_space *s, const uint32_t *a, uint32_t n, const uint32_t *b, uint32_t m)
{
    work(s, (n + m) / 8 + 1);
    size_t i = 0, j = 0, k = 0;
    while (i < n && j < m) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else
            i++, j++;
        k++;
    }
    return k + (n - i) + (m - j);
}

static int set_meets(an_space *s, const an_set *a, const an_set *b, uint32_t N)
{
    if (set_full(a))
        return set_size(b, N) > 0;
    if (set_full(b))
        return set_size(a, N) > 0;
    if (!a->neg && !b->neg)
        return common(s, a->v, a->n, b->v, b->n);
    if (!a->neg)
        return some_outside(s, a->v, a->n, b->v, b->n);
    if (!b->neg)
        return some_outside(s, b->v, b->n, a->v, a->n);
    return union_size(s, a->v, a->n, b->v, b->n) < N;
}

/* The result in s->tmp[0..k) becomes a set, reusing an operand's array when
 * equal. out may be a or b: it is written last. */
static int set_make(an_space *s, uint32_t k, uint32_t neg, const an_set *a, const an_set *b, an_set *out)
{
    const uint32_t *v = NULL;
    if (a && a->neg == neg && a->n == k && (k == 0 || memcmp(a->v, s->tmp, k * sizeof *s->tmp) == 0)) {
        v = a->v;
    } else if (b && b->neg == neg && b->n == k && (k == 0 || memcmp(b->v, s->tmp, k * sizeof *s->tmp) == 0)) {
        v = b->v;
    } else if (k) {
        uint32_t *w = sc_alloc(s, k * sizeof *w);
        if (!w)
            return -1;
        memcpy(w, s->tmp, k * sizeof *w);
        v = w;
    }
    out->v = k ? v : NULL;
    out->n = k;
    out->neg = neg;
    return 0;
}

/* out = a ∩ (bneg ? ¬b : b). */
static int set_op(an_space *s, const an_set *a, const an_set *b, int complement_b, an_set *out)
{
    uint32_t bn = b->neg ^ (complement_b ? 1u : 0u);
    an_set bb = {b->v, b->n, bn};
    if (set_full(&bb)) {
        *out = *a;
        return 0;
    }
    if (set_full(a)) {
        *out = bb;
        return 0;
    }
    if (tmp_reserve(s, (size_t)a->n + b->n + 1))
        return -1;
    uint32_t *t = s->tmp;
    uint32_t i = 0, j = 0, k = 0;
    work(s, (a->n + b->n) / 8 + 1);
    if (!a->neg && !bn) { /* a ∩ b */
        while (i < a->n && j < b->n) {
            if (a->v[i] < b->v[j])
                i++;
            else if (a->v[i] > b->v[j])
                j++;
            else
                t[k++] = a->v[i++], j++;
        }
        return set_make(s, k, 0, a, &bb, out);
    }
    if (!a->neg || !bn) { /* pos minus list */
        const an_set *p = a->neg ? &bb : a, *q = a->neg ? a : &bb;
        while (i < p->n) {
            while (j < q->n && q->v[j] < p->v[i])
                j++;
            if (j == q->n || q->v[j] != p->v[i])
                t[k++] = p->v[i];
            i++;
        }
        return set_make(s, k, 0, p, NULL, out);
    }
    /* neither: the union of the exclusions */
    while (i < a->n || j < b->n) {
        if (j == b->n || (i < a->n && a->v[i] < b->v[j]))
            t[k++] = a->v[i++];
        else if (i == a->n || b->v[j] < a->v[i])
            t[k++] = b->v[j++];
        else
            t[k++] = a->v[i++], j++;
    }
    return set_make(s, k, 1, a, &bb, out);
}

/* The union of two sorted id lists, in scratch. */
static int ids_union(an_space *s, const uint32_t *a, uint32_t n, const uint32_t *b, uint32_t m,
                     const uint32_t **out, uint32_t *outn)
{
    if (!m) {
        *out = a;
        *outn = n;
        return 0;
    }
    if (!n) {
        *out = b;
        *outn = m;
        return 0;
    }
    if (tmp_reserve(s, (size_t)n + m))
        return -1;
    uint32_t i = 0, j = 0, k = 0;
    work(s, (n + m) / 8 + 1);
    while (i < n || j < m) {
        if (j == m || (i < n && a[i] < b[j]))
            s->tmp[k++] = a[i++];
        else if (i == n || b[j] < a[i])
            s->tmp[k++] = b[j++];
        else
            s->tmp[k++] = a[i++], j++;
    }
    if (k == n) {
        *out = a;
        *outn = n;
        return 0;
    }
    uint32_t *v = sc_alloc(s, k * sizeof *v);
    if (!v)
        return -1;
    memcpy(v, s->tmp, k * sizeof *v);
    *out = v;
    *outn = k;
    return 0;
}

/* ---- cubes ------------------------------------------------------------------ */

void an_cube_full(an_cube *c)
{
    memset(c, 0, sizeof *c);
    for (int d = 0; d < AN_NDIM; d++)
        c->d[d] = SET_FULL;
}

uint32_t an_dim_size(const an_space *s, int dim) { return s->dim[dim].n; }

/* A clause is satisfiable while one of its groups is not excluded. */
static int clause_ok(an_space *s, const uint32_t *any, uint32_t nany, const uint32_t *zero, uint32_t nzero)
{
    return !any || some_outside(s, any, nany, zero, nzero);
}

static int cube_feasible(an_space *s, const an_cube *c)
{
    for (int d = 0; d < AN_NDIM; d++)
        if (set_size(&c->d[d], s->dim[d].n) == 0)
            return 0;
    /* a clause comes with its rule's "has a user", which no subtraction undoes */
    return clause_ok(s, c->any, c->nany, c->zero, c->nzero);
}

/* The order in which subtraction splits a cube: the attributes that most
 * often separate rules first, the user last (so that "no user" pieces, the
 * least realistic witnesses, are found last). */
static const int SPLIT_ORDER[AN_NDIM] = {D_KIND, D_VERB, D_NS, D_AG, D_RES, D_SUB, D_NAME, D_PATH, D_USER};

int an_cube_meets(an_space *s, const an_cube *a, const an_cube *b)
{
    work(s, 1);
    for (int k = 0; k < AN_NDIM; k++) {
        int d = SPLIT_ORDER[k];
        if (!set_meets(s, &a->d[d], &b->d[d], s->dim[d].n))
            return 0;
    }
    /* each clause must keep a group outside both zero sets */
    if (a->any || b->any) {
        const uint32_t *z;
        uint32_t nz;
        if (ids_union(s, a->zero, a->nzero, b->zero, b->nzero, &z, &nz))
            return -1;
        if (!clause_ok(s, a->any, a->nany, z, nz) || !clause_ok(s, b->any, b->nany, z, nz))
            return 0;
    }
    return 1;
}

int an_cube_and(an_space *s, const an_cube *a, const an_cube *b, an_cube *out)
{
    an_cube r;
    for (int d = 0; d < AN_NDIM; d++)
        if (set_op(s, &a->d[d], &b->d[d], 0, &r.d[d]))
            return -1;
    if (ids_union(s, a->zero, a->nzero, b->zero, b->nzero, &r.zero, &r.nzero))
        return -1;
    r.any = a->any ? a->any : b->any; /* b has none (see analyze.h) */
    r.nany = a->any ? a->nany : b->nany;
    *out = r;
    return cube_feasible(s, &r);
}

int an_cube_push(an_space *s, an_cube **list, size_t *n, size_t *cap, const an_cube *c)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        an_cube *v = sc_alloc(s, ncap * sizeof *v);
        if (!v)
            return -1;
        if (*n)
            memcpy(v, *list, *n * sizeof *v);
        *list = v;
        *cap = ncap;
    }
    (*list)[(*n)++] = *c;
    return 0;
}

/* a − b, split in the order given. */
static int cube_minus(an_space *s, const an_cube *a, const an_cube *b, const int *order, an_cube **list, size_t *n,
                      size_t *cap);

/* a − b, b without a clause of its own or with one (then b also needs a
 * user; a piece then drops b's groups). Pieces are disjoint. */
int an_cube_minus(an_space *s, const an_cube *a, const an_cube *b, an_cube **list, size_t *n, size_t *cap)
{
    return cube_minus(s, a, b, SPLIT_ORDER, list, n, cap);
}

static int cube_minus(an_space *s, const an_cube *a, const an_cube *b, const int *order, an_cube **list, size_t *n,
                      size_t *cap)
{
    int m = an_cube_meets(s, a, b);
    if (m < 0)
        return -1;
    if (!m)
        return an_cube_push(s, list, n, cap, a);
    an_cube acc = *a;
    for (int k = 0; k < AN_NDIM; k++) {
        int d = order[k];
        if (set_full(&b->d[d]))
            continue;
        an_cube piece = acc;
        if (set_op(s, &acc.d[d], &b->d[d], 1, &piece.d[d]))
            return -1;
        if (cube_feasible(s, &piece) && an_cube_push(s, list, n, cap, &piece))
            return -1;
        if (set_op(s, &acc.d[d], &b->d[d], 0, &acc.d[d]))
            return -1;
    }
    if (b->any) {
        an_cube piece = acc;
        if (ids_union(s, acc.zero, acc.nzero, b->any, b->nany, &piece.zero, &piece.nzero))
            return -1;
        if (cube_feasible(s, &piece) && an_cube_push(s, list, n, cap, &piece))
            return -1;
    }
    return 0;
}

int an_cube_pin(an_space *s, an_cube *c, int dim, const uint32_t *v, uint32_t n)
{
    uint32_t *w = sc_alloc(s, (n ? n : 1) * sizeof *w);
    if (!w)
        return -1;
    memcpy(w, v, n * sizeof *w);
    /* sorted, without repeats */
    for (uint32_t i = 1; i < n; i++)
        for (uint32_t j = i; j > 0 && w[j - 1] > w[j]; j--) {
            uint32_t t = w[j];
            w[j] = w[j - 1];
            w[j - 1] = t;
        }
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!k || w[k - 1] != w[i])
            w[k++] = w[i];
    an_set p = {w, k, 0};
    return set_op(s, &c->d[dim], &p, 0, &c->d[dim]);
}

static int possible_only(an_space *s, const an_cube *v, size_t n, an_cube **out, size_t *nout);

double an_space_measure(an_space *s)
{
    /* the impossible cubes overlap (a status in n1 with the verb x): the
     * measure of the disjoint pieces left of the whole space */
    an_cube all, *left;
    size_t nl;
    an_cube_full(&all);
    if (possible_only(s, &all, 1, &left, &nl))
        return -1.0;
    double m = 0.0;
    for (size_t k = 0; k < nl; k++)
        m += an_cube_measure(s, &left[k]);
    return m;
}

double an_cube_measure(const an_space *s, const an_cube *c)
{
    double m = 1.0;
    for (int d = 0; d < AN_NDIM; d++)
        m *= (double)set_size(&c->d[d], s->dim[d].n) / (double)s->dim[d].n;
    for (uint32_t i = 0; i < c->nzero; i++)
        m *= 0.5;
    if (c->any) {
        double none = 1.0;
        for (uint32_t i = 0; i < c->nany; i++)
            if (!in_sorted(c->zero, c->nzero, c->any[i]))
                none *= 0.5;
        m *= 1.0 - none;
    }
    return m;
}

/* ---- classes -------------------------------------------------------------------- */

static uint32_t value_class(const an_dim *dm, const char *str, size_t len)
{
    uint32_t lo = 0, hi = dm->nvalues;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = bytes_cmp(dm->cl[mid].s, dm->cl[mid].len, str, len);
        if (c < 0)
            lo = mid + 1;
        else if (c > 0)
            hi = mid;
        else
            return mid;
    }
    return AN_NONE;
}

/* The path entries: index of str, or AN_NONE. */
static size_t pe_find(const an_space *s, const char *str, size_t len)
{
    size_t lo = 0, hi = s->npe;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = bytes_cmp(s->pe[mid].s, s->pe[mid].len, str, len);
        if (c < 0)
            lo = mid + 1;
        else if (c > 0)
            hi = mid;
        else
            return mid;
    }
    return (size_t)-1;
}

static int pe_is_stem(const an_space *s, const char *str, size_t len)
{
    size_t i = pe_find(s, str, len);
    return i != (size_t)-1 && s->pe[i].stem;
}

static int pe_is_exact(const an_space *s, const char *str, size_t len)
{
    size_t i = pe_find(s, str, len);
    return i != (size_t)-1 && s->pe[i].exact != AN_NONE;
}

/* The class of a path: its exact value, else the region of its longest
 * stem, else "other" (AN_NONE for a resource request's path that has no
 * class, an_value_possible). */
static uint32_t path_class(const an_space *s, const char *str, size_t len)
{
    size_t i = pe_find(s, str, len);
    if (i != (size_t)-1 && s->pe[i].exact != AN_NONE)
        return s->pe[i].exact;
    for (size_t k = len + 1; k-- > 0;) {
        size_t j = pe_find(s, str, k);
        if (j != (size_t)-1 && s->pe[j].stem)
            return s->pe[j].region; /* not AN_NONE when str is possible: it is in it */
    }
    return s->dim[D_PATH].other;
}

uint32_t an_class_of(const an_space *s, int dim, const char *str, size_t len)
{
    if (dim == D_KIND)
        return len == 1 && str[0] == '1';
    if (dim == D_PATH)
        return path_class(s, str, len);
    uint32_t c = value_class(&s->dim[dim], str, len);
    return c != AN_NONE ? c : s->dim[dim].other;
}

uint32_t an_group_id(const an_space *s, const char *str, size_t len)
{
    uint32_t lo = 0, hi = s->ngroups;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = bytes_cmp(s->groups[mid].s, s->groups[mid].len, str, len);
        if (c < 0)
            lo = mid + 1;
        else if (c > 0)
            hi = mid;
        else
            return mid;
    }
    return AN_NONE;
}

/* Is the string in the region of the stem of length slen (in_region), or
 * outside every stem? In both cases it must not be a listed exact value. */
static int path_in_region(const an_space *s, const char *x, size_t n, size_t slen, int in_region)
{
    if (pe_is_exact(s, x, n) || !an_value_possible(D_PATH, x, n))
        return 0;
    for (size_t k = in_region ? slen + 1 : 0; k <= n; k++)
        if (pe_is_stem(s, x, k))
            return 0;
    return 1;
}

/* A string of the region of a stem (in_region) or outside every stem, or
 * none (0) when there is none. Exact values block one string each, so the
 * search visits at most the exact values that extend the stem, each with
 * its one-byte extensions. */
static int path_region_rep(an_space *s, const char *stem, size_t slen, int in_region, const char **out,
                           size_t *outlen)
{
    if (!in_region)
        slen = 0;
    if (!in_region && pe_is_stem(s, "", 0))
        return 0; /* every path starts with "" */
    size_t cap = slen + 64;
    char *buf = kap_malloc(cap);
    if (!buf)
        return s->oom = 1, -1;
    if (slen)
        memcpy(buf, stem, slen);
    /* realistic first: the stem itself or a path under it; "/" outside the stems */
    static const char *const in_tails[] = {"", "/x", "x", "/"}, *const out_tails[] = {"/", "/x", ""};
    const char *const *tails = in_region && slen ? in_tails : out_tails;
    size_t ntails = in_region && slen ? 4 : 3;
    for (size_t t = 0; t < ntails; t++) {
        size_t tl = strlen(tails[t]);
        memcpy(buf + slen, tails[t], tl);
        work(s, 1);
        if ((in_region || tl) && path_in_region(s, buf, slen + tl, slen, in_region)) {
            *out = arena_strndup(&s->arena, buf, slen + tl);
            *outlen = slen + tl;
            kap_free(buf);
            return *out ? 1 : (s->oom = 1, -1);
        }
    }
    /* exhaustive: depth first over the exact values that extend the stem */
    typedef struct {
        size_t len;
        int next; /* the next byte to try */
    } rframe;
    size_t nst = 0, stcap = 16;
    rframe *st = kap_malloc(stcap * sizeof *st);
    int rc = st ? 0 : -1, found = 0;
    if (st) {
        if (path_in_region(s, buf, slen, slen, in_region)) {
            found = 1;
            *outlen = slen;
        } else {
            st[nst++] = (rframe){slen, 0};
        }
    }
    while (!rc && nst && !found) {
        rframe *f = &st[nst - 1];
        if (f->next > 255) {
            nst--;
            continue;
        }
        size_t n = f->len + 1;
        buf[f->len] = (char)(unsigned char)('x' + f->next++); /* x, y, z, ... then round */
        work(s, 1);
        if (pe_is_stem(s, buf, n))
            continue; /* a longer stem starts here: another region */
        if (!pe_is_exact(s, buf, n) && !an_value_possible(D_PATH, buf, n))
            continue; /* no request's path (a resource request's, or not after a '/'), nor any longer one */
        if (!pe_is_exact(s, buf, n)) {
            found = 1;
            *outlen = n;
            break;
        }
        if (n + 2 > cap) {
            char *nb = kap_realloc(buf, cap * 2);
            if (!nb) {
                rc = -1;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        if (nst == stcap) {
            rframe *ns = kap_realloc(st, stcap * 2 * sizeof *ns);
            if (!ns) {
                rc = -1;
                break;
            }
            st = ns;
            stcap *= 2;
        }
        st[nst++] = (rframe){n, 0};
    }
    if (!rc && found) {
        *out = arena_strndup(&s->arena, buf, *outlen);
        if (!*out)
            rc = -1;
    }
    kap_free(st);
    kap_free(buf);
    if (rc)
        return s->oom = 1, -1;
    return found;
}

/* Adds the classes of one string dimension from its sorted strings. */
static int dim_strings(an_space *s, int dim, const an_strs *l, int with_other, int with_nouser)
{
    an_dim *dm = &s->dim[dim];
    uint32_t n = (uint32_t)l->n + (with_other ? 1u : 0u) + (with_nouser ? 1u : 0u);
    s->nclasses += n;
    if (s->nclasses > s->max_classes)
        return 1;
    dm->cl = arena_alloc(&s->arena, (n ? n : 1) * sizeof *dm->cl);
    if (!dm->cl)
        return s->oom = 1, -1;
    for (size_t i = 0; i < l->n; i++) {
        dm->cl[i].s = l->v[i].s;
        dm->cl[i].len = l->v[i].len;
        dm->cl[i].first = l->v[i].first;
        dm->cl[i].kind = CL_VALUE;
    }
    dm->nvalues = (uint32_t)l->n;
    dm->n = (uint32_t)l->n;
    dm->other = AN_NONE;
    if (with_other) {
        dm->other = dm->n;
        dm->cl[dm->n++].kind = CL_OTHER;
    }
    if (with_nouser)
        dm->cl[dm->n++].kind = CL_NOUSER;
    return 0;
}

/* Paths: exact values and stems, sorted; classes in that order (a string
 * that is both gives the exact class first). A region no path falls in
 * (every extension is listed or under a longer stem) gets no class. */
static int dim_paths(an_space *s, an_strs *l)
{
    an_dim *dm = &s->dim[D_PATH];
    s->npe = l->n;
    s->pe = arena_alloc(&s->arena, (l->n ? l->n : 1) * sizeof *s->pe);
    size_t n = 2 * l->n + 1;
    s->nclasses += n;
    if (s->nclasses > s->max_classes)
        return 1;
    dm->cl = arena_alloc(&s->arena, n * sizeof *dm->cl);
    const char **reps = kap_calloc(l->n ? l->n : 1, sizeof *reps);
    size_t *replens = kap_calloc(l->n ? l->n : 1, sizeof *replens);
    int rc = 0;
    if (!s->pe || !dm->cl || !reps || !replens)
        rc = -1;
    for (size_t i = 0; i < l->n && !rc; i++) {
        s->pe[i].s = l->v[i].s;
        s->pe[i].len = l->v[i].len;
        /* numbered below; a resource request's path gets no class: no
         * request of a class of this dimension has it */
        s->pe[i].exact = (l->v[i].flags & 1) && an_value_possible(D_PATH, l->v[i].s, l->v[i].len) ? 0 : AN_NONE;
        s->pe[i].region = AN_NONE;
        s->pe[i].stem = (l->v[i].flags & 2) != 0;
    }
    /* which regions hold a path, and one of each */
    int *has = rc ? NULL : kap_calloc(l->n ? l->n : 1, sizeof *has);
    if (!rc && !has)
        rc = -1;
    for (size_t i = 0; i < l->n && !rc; i++) {
        if (!s->pe[i].stem)
            continue;
        int r = path_region_rep(s, s->pe[i].s, s->pe[i].len, 1, &reps[i], &replens[i]);
        if (r < 0)
            rc = -1;
        has[i] = r == 1;
    }
    uint32_t k = 0;
    for (size_t i = 0; i < l->n && !rc; i++) {
        if (s->pe[i].exact != AN_NONE) {
            s->pe[i].exact = k;
            dm->cl[k++] = (an_class){s->pe[i].s, s->pe[i].len, s->pe[i].s, s->pe[i].len, l->v[i].first, CL_VALUE};
        }
        if (has[i]) {
            s->pe[i].region = k;
            dm->cl[k++] = (an_class){s->pe[i].s, s->pe[i].len, reps[i], replens[i], l->v[i].first, CL_REGION};
        }
    }
    dm->n = k;
    dm->nvalues = 0;
    dm->other = AN_NONE;
    if (!rc) {
        const char *rep = NULL;
        size_t replen = 0;
        int r = path_region_rep(s, "", 0, 0, &rep, &replen);
        if (r < 0)
            rc = -1;
        else if (r == 1) {
            dm->other = dm->n;
            dm->cl[dm->n++] = (an_class){NULL, 0, rep, replen, 0, CL_OTHER};
        }
    }
    kap_free(has);
    kap_free(reps);
    kap_free(replens);
    if (rc)
        s->oom = 1;
    return rc;
}

/* The classes a URL spec matches. */
static int url_classes(an_space *s, const kstr *spec, an_strs *scratch_ids, uint32_t **out, uint32_t *nout)
{
    (void)scratch_ids;
    size_t len = spec->len;
    const char *p = spec->s ? spec->s : "";
    int prefix = len > 0 && p[len - 1] == '*';
    size_t stem = len;
    while (stem > 0 && p[stem - 1] == '*')
        stem--;
    if (!an_url_possible(p, len)) {
        /* only resource requests have such paths (requestinfo.md 6), or no
         * request (a path starts with '/', section 2) */
        *out = NULL;
        *nout = 0;
        return 0;
    }
    if (!prefix) {
        size_t i = pe_find(s, p, len);
        uint32_t *v = arena_alloc(&s->arena, sizeof *v);
        if (!v)
            return s->oom = 1, -1;
        v[0] = s->pe[i].exact;
        *out = v;
        *nout = 1;
        return 0;
    }
    /* every entry that starts with the stem: a run in byte order */
    size_t lo = 0, hi = s->npe;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bytes_cmp(s->pe[mid].s, s->pe[mid].len, p, stem) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < s->npe && starts_with(s->pe[end].s, s->pe[end].len, p, stem))
        end++;
    uint32_t *v = arena_alloc(&s->arena, (2 * (end - lo) + 1) * sizeof *v);
    if (!v)
        return s->oom = 1, -1;
    uint32_t k = 0;
    for (size_t i = lo; i < end; i++) {
        if (s->pe[i].exact != AN_NONE)
            v[k++] = s->pe[i].exact;
        if (s->pe[i].region != AN_NONE)
            v[k++] = s->pe[i].region;
    }
    *out = v;
    *nout = k;
    return 0;
}

/* ---- rules as cubes ----------------------------------------------------------------- */

static const char *kptr(const kstr *k) { return k->s ? k->s : ""; }

static int group_is_any(const an_space *s, const kgr *g)
{
    return s->kube_minor >= 36 && g->group.len == 1 && g->group.s[0] == '*';
}

static int sorted_ids(an_space *s, uint32_t *v, uint32_t n, an_set *out)
{
    for (uint32_t i = 1; i < n; i++)
        for (uint32_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint32_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!k || v[k - 1] != v[i])
            v[k++] = v[i];
    out->v = v;
    out->n = k;
    out->neg = 0;
    (void)s;
    return 0;
}

int an_value_possible(int dim, const char *str, size_t len)
{
    switch (dim) {
    case D_NS:
    case D_AG:
    case D_RES:
    case D_SUB:
    case D_NAME: return !len || !memchr(str, '/', len);
    case D_VERB:
        for (size_t i = 0; i < len; i++)
            if (str[i] >= 'A' && str[i] <= 'Z')
                return 0;
        return 1;
    case D_PATH: return len && str[0] == '/' && !an_path_is_resource(str, len);
    default: return 1;
    }
}

int an_path_is_resource(const char *str, size_t len)
{
    /* requestinfo.md 5: trim every leading and trailing '/', split on '/' */
    size_t b = 0, e = len;
    while (b < e && str[b] == '/')
        b++;
    while (e > b && str[e - 1] == '/')
        e--;
    if (b == e)
        return 0;
    size_t nseg = 1, first = e;
    for (size_t i = b; i < e; i++)
        if (str[i] == '/') {
            if (first == e)
                first = i;
            nseg++;
        }
    size_t l0 = first - b;
    if (l0 == 3 && !memcmp(str + b, "api", 3))
        return nseg >= 3;
    if (l0 == 4 && !memcmp(str + b, "apis", 4))
        return nseg >= 4;
    return 0;
}

int an_url_possible(const char *spec, size_t len)
{
    size_t stem = len;
    while (stem > 0 && spec[stem - 1] == '*')
        stem--;
    if (!stem && stem < len)
        return 1; /* "*": every path, "/" among them */
    return an_value_possible(D_PATH, spec, stem);
}

/* The classes of a list's values that a request can have; *none when it
 * names no such value (the set is then the whole list's, for a rule that
 * matches nothing anyway). */
static int list_set(an_space *s, int dim, const kstrlist *l, an_set *out, int *none)
{
    uint32_t *v = arena_alloc(&s->arena, (l->n ? l->n : 1) * sizeof *v);
    if (!v)
        return s->oom = 1, -1;
    uint32_t k = 0;
    for (size_t i = 0; i < l->n; i++)
        if (an_value_possible(dim, kptr(&l->v[i]), l->v[i].len))
            v[k++] = an_class_of(s, dim, kptr(&l->v[i]), l->v[i].len);
    *none = l->n && !k;
    if (*none)
        for (size_t i = 0; i < l->n; i++)
            v[k++] = an_class_of(s, dim, kptr(&l->v[i]), l->v[i].len);
    return sorted_ids(s, v, k, out);
}

typedef struct rs_pair {
    an_set res, sub;
} rs_pair;

static int one_class(an_space *s, int dim, const char *str, size_t len, an_set *out)
{
    uint32_t *v = arena_alloc(&s->arena, sizeof *v);
    if (!v)
        return s->oom = 1, -1;
    v[0] = an_class_of(s, dim, str, len);
    out->v = v;
    out->n = 1;
    out->neg = 0;
    return 0;
}

static int pairs_add(an_space *s, rs_pair **v, size_t *n, size_t *cap, an_set res, an_set sub)
{
    if (kap_grow(v, cap, *n + 1, sizeof **v, 8))
        return s->oom = 1, -1;
    (*v)[*n].res = res;
    (*v)[*n].sub = sub;
    (*n)++;
    return 0;
}

/* Whether a resource or subresource value can come from a request's URL:
 * both are single path segments (requestinfo.md 5), so neither holds a '/'. */
static int segment(const char *p, size_t len) { return !memchr(p, '/', len); }

/* The (resource, subresource) cubes one pattern matches (semantics.md 4.4),
 * among the requests kube-apiserver can see: a resource or subresource with
 * a slash in it (the literal resource "pods/log") is never one of them. */
static int pattern_pairs(an_space *s, const kstr *pat, rs_pair **v, size_t *n, size_t *cap)
{
    const char *p = kptr(pat);
    size_t len = pat->len;
    an_set a, b;
    if (len == 1 && p[0] == '*')
        return pairs_add(s, v, n, cap, SET_FULL, SET_FULL);
    if (len > 2 && p[0] == '*' && p[1] == '/' && segment(p + 2, len - 2)) {
        if (one_class(s, D_SUB, p + 2, len - 2, &b) || pairs_add(s, v, n, cap, SET_FULL, b))
            return -1;
    }
    if (len >= 2 && p[len - 2] == '/' && p[len - 1] == '*' && segment(p, len - 2)) {
        if (one_class(s, D_RES, p, len - 2, &a) || pairs_add(s, v, n, cap, a, SET_FULL))
            return -1;
    }
    /* the exact form: the whole string as the resource, or a split at its slash */
    const char *slash = memchr(p, '/', len);
    if (!slash) {
        if (one_class(s, D_RES, p, len, &a) || one_class(s, D_SUB, "", 0, &b) || pairs_add(s, v, n, cap, a, b))
            return -1;
    } else {
        size_t k = (size_t)(slash - p);
        if (k + 1 < len && segment(p + k + 1, len - k - 1) &&
            (one_class(s, D_RES, p, k, &a) || one_class(s, D_SUB, p + k + 1, len - k - 1, &b) ||
             pairs_add(s, v, n, cap, a, b)))
            return -1;
    }
    return 0;
}

static int set_eq(const an_set *a, const an_set *b)
{
    return a->neg == b->neg && a->n == b->n &&
           (!a->n || (a->v && b->v && memcmp(a->v, b->v, a->n * sizeof *a->v) == 0));
}

/* Union of two positive sets or full, in the main arena. */
static int set_union_main(an_space *s, const an_set *a, const an_set *b, an_set *out)
{
    if (a->neg || b->neg) {
        *out = SET_FULL;
        return 0;
    }
    uint32_t *v = arena_alloc(&s->arena, ((size_t)a->n + b->n + 1) * sizeof *v);
    if (!v)
        return s->oom = 1, -1;
    uint32_t i = 0, j = 0, k = 0;
    while (i < a->n || j < b->n) {
        if (j == b->n || (i < a->n && a->v[i] < b->v[j]))
            v[k++] = a->v[i++];
        else if (i == a->n || b->v[j] < a->v[i])
            v[k++] = b->v[j++];
        else
            v[k++] = a->v[i++], j++;
    }
    out->v = v;
    out->n = k;
    out->neg = 0;
    return 0;
}

typedef struct an_alt {
    an_set ag, name, res, sub;
} an_alt;

/* A rule's cubes: one per resource alternative (group, names, resource and
 * subresource), merged where they differ in one attribute only. */
static int rule_cubes(an_space *s, const krule *r, an_rule *out)
{
    an_cube base;
    an_cube_full(&base);
    int none = 0, nothing = 0; /* a list names no value a request can have */
    if (r->users.n && list_set(s, D_USER, &r->users, &base.d[D_USER], &none))
        return -1;
    if (r->groups.n) {
        uint32_t nouser = s->dim[D_USER].n - 1;
        uint32_t *nu = arena_alloc(&s->arena, sizeof *nu);
        uint32_t *g = arena_alloc(&s->arena, r->groups.n * sizeof *g);
        if (!nu || !g)
            return s->oom = 1, -1;
        nu[0] = nouser;
        if (!r->users.n)
            base.d[D_USER] = (an_set){nu, 1, 1};
        for (size_t i = 0; i < r->groups.n; i++)
            g[i] = an_group_id(s, kptr(&r->groups.v[i]), r->groups.v[i].len);
        an_set gs;
        sorted_ids(s, g, (uint32_t)r->groups.n, &gs);
        base.any = gs.v;
        base.nany = gs.n;
    }
    if (r->verbs.n && list_set(s, D_VERB, &r->verbs, &base.d[D_VERB], &none))
        return -1;
    nothing |= none;
    int resource_scoped = r->namespaces.n || r->nres;
    static const uint32_t kind0[] = {0}, kind1[] = {1};
    if (resource_scoped) {
        base.d[D_KIND] = (an_set){kind1, 1, 0};
        if (r->namespaces.n && list_set(s, D_NS, &r->namespaces, &base.d[D_NS], &none))
            return -1;
        nothing |= none;
    } else if (r->urls.n) {
        base.d[D_KIND] = (an_set){kind0, 1, 0};
        an_set u = {NULL, 0, 0};
        int some = 0;
        for (size_t i = 0; i < r->urls.n; i++)
            some |= an_url_possible(kptr(&r->urls.v[i]), r->urls.v[i].len);
        nothing |= !some; /* only resource requests have its paths */
        for (size_t i = 0; i < r->urls.n; i++) {
            uint32_t *v, n;
            if (url_classes(s, &r->urls.v[i], NULL, &v, &n))
                return -1;
            an_set one;
            sorted_ids(s, v, n, &one);
            if (set_union_main(s, &u, &one, &u))
                return -1;
        }
        base.d[D_PATH] = u;
    }
    /* the resource alternatives */
    an_alt *alts = NULL;
    size_t nalt = 0, capalt = 0;
    rs_pair *pairs = NULL;
    size_t npairs = 0, cappairs = 0;
    int rc = 0;
    for (size_t gi = 0; gi < r->nres && !rc; gi++) {
        const kgr *g = &r->res[gi];
        if (!an_value_possible(D_AG, kptr(&g->group), g->group.len))
            continue; /* kube-apiserver refuses it anyway */
        an_alt alt;
        alt.ag = SET_FULL;
        if (!group_is_any(s, g) && one_class(s, D_AG, kptr(&g->group), g->group.len, &alt.ag)) {
            rc = -1;
            break;
        }
        alt.name = SET_FULL;
        alt.res = SET_FULL;
        alt.sub = SET_FULL;
        npairs = 0;
        if (g->resources.n) {
            if (g->names.n && list_set(s, D_NAME, &g->names, &alt.name, &none)) {
                rc = -1;
                break;
            }
            if (g->names.n && none)
                continue; /* no name a request can have: the entry matches nothing */
            for (size_t k = 0; k < g->resources.n && !rc; k++)
                rc = pattern_pairs(s, &g->resources.v[k], &pairs, &npairs, &cappairs);
            if (rc)
                break;
            /* merge pairs with equal subresource sets (union of resources) */
            for (size_t i = 0; i < npairs; i++) {
                if (pairs[i].res.n == 0 && !pairs[i].res.neg)
                    continue; /* merged away */
                for (size_t j = i + 1; j < npairs; j++) {
                    if (pairs[j].res.n == 0 && !pairs[j].res.neg)
                        continue;
                    if (set_eq(&pairs[i].sub, &pairs[j].sub)) {
                        if (set_union_main(s, &pairs[i].res, &pairs[j].res, &pairs[i].res)) {
                            rc = -1;
                            break;
                        }
                        pairs[j].res = (an_set){NULL, 0, 0};
                    } else if (set_eq(&pairs[i].res, &pairs[j].res)) {
                        if (set_union_main(s, &pairs[i].sub, &pairs[j].sub, &pairs[i].sub)) {
                            rc = -1;
                            break;
                        }
                        pairs[j].res = (an_set){NULL, 0, 0};
                    }
                }
            }
        } else {
            npairs = 0;
            if (pairs_add(s, &pairs, &npairs, &cappairs, SET_FULL, SET_FULL))
                rc = -1;
        }
        for (size_t i = 0; i < npairs && !rc; i++) {
            if (pairs[i].res.n == 0 && !pairs[i].res.neg)
                continue;
            alt.res = pairs[i].res;
            alt.sub = pairs[i].sub;
            if (!g->resources.n)
                alt.name = SET_FULL;
            /* an alternative equal but for the group joins it */
            int merged = 0;
            for (size_t j = 0; j < nalt && !merged; j++) {
                if (set_eq(&alts[j].name, &alt.name) && set_eq(&alts[j].res, &alt.res) &&
                    set_eq(&alts[j].sub, &alt.sub)) {
                    if (set_union_main(s, &alts[j].ag, &alt.ag, &alts[j].ag))
                        rc = -1;
                    merged = 1;
                }
            }
            if (merged)
                continue;
            if (kap_grow(&alts, &capalt, nalt + 1, sizeof *alts, 8)) {
                rc = -1;
                s->oom = 1;
                break;
            }
            alts[nalt++] = alt;
        }
    }
    kap_free(pairs);
    if (rc) {
        kap_free(alts);
        return -1;
    }
    size_t ncubes = nalt ? nalt : 1;
    if ((!nalt && r->nres) || nothing)
        base.d[D_KIND] = (an_set){NULL, 0, 0}; /* no entry or list matches a request: the rule matches none */
    out->cubes = arena_alloc(&s->arena, ncubes * sizeof *out->cubes);
    if (!out->cubes) {
        kap_free(alts);
        return s->oom = 1, -1;
    }
    out->n = (uint32_t)ncubes;
    for (size_t i = 0; i < ncubes; i++) {
        out->cubes[i] = base;
        if (nalt) {
            out->cubes[i].d[D_AG] = alts[i].ag;
            out->cubes[i].d[D_NAME] = alts[i].name;
            out->cubes[i].d[D_RES] = alts[i].res;
            out->cubes[i].d[D_SUB] = alts[i].sub;
        }
    }
    kap_free(alts);
    /* the hull, for the index */
    for (int d = 0; d < AN_NDIM; d++) {
        out->hull[d] = out->cubes[0].d[d];
        for (size_t i = 1; i < ncubes && !out->hull[d].neg; i++)
            if (set_union_main(s, &out->hull[d], &out->cubes[i].d[d], &out->hull[d]))
                return -1;
        if (out->hull[d].neg)
            out->hull[d] = SET_FULL;
    }
    return 0;
}

const an_cube *an_rule_cubes(const an_space *s, size_t rule, size_t *n)
{
    *n = s->rules[rule].n;
    return s->rules[rule].cubes;
}

int an_entry_cubes(an_space *s, const kgr *g, long k, uint32_t name_class, an_cube **list, size_t *n, size_t *cap)
{
    an_cube base;
    an_cube_full(&base);
    if (!an_value_possible(D_AG, kptr(&g->group), g->group.len))
        return 0;
    if (!group_is_any(s, g) && one_class(s, D_AG, kptr(&g->group), g->group.len, &base.d[D_AG]))
        return -1;
    if (!g->resources.n)
        return an_cube_push(s, list, n, cap, &base);
    if (name_class != AN_NONE) {
        const an_class *cl = &s->dim[D_NAME].cl[name_class];
        if (cl->kind == CL_VALUE && !an_value_possible(D_NAME, cl->s, cl->len))
            return 0; /* no request has that name */
        if (an_cube_pin(s, &base, D_NAME, &name_class, 1))
            return -1;
    } else if (g->names.n) {
        int none;
        if (list_set(s, D_NAME, &g->names, &base.d[D_NAME], &none))
            return -1;
        if (none)
            return 0; /* no name a request can have */
    }
    rs_pair *pairs = NULL;
    size_t np = 0, pcap = 0;
    int rc = 0;
    for (size_t i = 0; i < g->resources.n && !rc; i++)
        if (k < 0 || (size_t)k == i)
            rc = pattern_pairs(s, &g->resources.v[i], &pairs, &np, &pcap);
    for (size_t i = 0; i < np && !rc; i++) {
        an_cube c = base;
        c.d[D_RES] = pairs[i].res;
        c.d[D_SUB] = pairs[i].sub;
        rc = an_cube_push(s, list, n, cap, &c);
    }
    kap_free(pairs);
    return rc ? -1 : 0;
}

int an_url_classes(an_space *s, const kstr *spec, const uint32_t **v, uint32_t *n)
{
    uint32_t *w;
    if (url_classes(s, spec, NULL, &w, n))
        return -1;
    an_set one;
    sorted_ids(s, w, *n, &one);
    *v = one.v;
    *n = one.n;
    return 0;
}

/* ---- the rule index --------------------------------------------------------------- */

static const int INDEXED[] = {D_USER, D_VERB, D_NS, D_AG, D_RES, D_NAME, D_PATH};

static int list_push(an_space *s, an_list *l, uint32_t x)
{
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 4;
        uint32_t *v = kap_realloc(l->v, cap * sizeof *v);
        if (!v)
            return s->oom = 1, -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = x;
    return 0;
}

/* Which rules a dimension's index holds: resource attributes only matter to
 * rules that match resource requests, the path only to the others. */
static int dim_relevant(int d, const an_set *kind)
{
    if (d == D_USER || d == D_VERB)
        return 1;
    int want = d == D_PATH ? 0 : 1;
    return set_has(kind, (uint32_t)want);
}

static int build_index(an_space *s)
{
    for (size_t k = 0; k < sizeof INDEXED / sizeof *INDEXED; k++) {
        int d = INDEXED[k];
        s->lists[d] = kap_calloc(s->dim[d].n ? s->dim[d].n : 1, sizeof *s->lists[d]);
        if (!s->lists[d])
            return s->oom = 1, -1;
    }
    for (size_t r = 0; r < s->nrules; r++) {
        const an_rule *ru = &s->rules[r];
        for (size_t k = 0; k < sizeof INDEXED / sizeof *INDEXED; k++) {
            int d = INDEXED[k];
            if (!dim_relevant(d, &ru->hull[D_KIND]))
                continue;
            if (ru->hull[d].neg) {
                if (list_push(s, &s->wide[d], (uint32_t)r))
                    return -1;
            } else {
                for (uint32_t i = 0; i < ru->hull[d].n; i++)
                    if (list_push(s, &s->lists[d][ru->hull[d].v[i]], (uint32_t)r))
                        return -1;
            }
        }
    }
    return 0;
}

/* ---- requests no URL gives ---------------------------------------------------------- */

/* Every class of every attribute holds a value some request has, but a
 * resource request's verb is tied to its name and subresource
 * (requestinfo.md 8-11): get and delete always have a name (a GET or HEAD
 * without one is list or watch, a DELETE without one deletecollection),
 * deletecollection never has one, list has one only from a field selector
 * (never ".", ".." or a name with a '%'), and proxy (the legacy /proxy/
 * segment) never has a subresource. The other verbs take any name and
 * subresource: create, update and patch with or without a name, watch
 * with any name through the legacy /watch/ segment, the empty verb (other
 * methods) alike. Two more ties hold for every resource request: its verb
 * is one of get list watch create update patch delete deletecollection
 * proxy and "" (requestinfo.md 6; a non-resource request has any method
 * lower-cased), and after namespaces/NS/ the segments status and finalize
 * are the Namespace's subresources (section 7, any group, any NS), so the
 * resources status and finalize have the namespace "" only.
 *
 * These are cross-attribute constraints, which a cube (a product of class
 * sets) cannot say alone. So each resource request's verb, the name "",
 * the namespace "" and the resources status and finalize get classes of
 * their own (collect()), the impossible combinations are a few cubes, and
 * every query subtracts them once from its start (an_query_run): what is
 * left, the witnesses, the dead values and the covering rules then concern
 * possible requests only, exactly, while the rules keep their plain cubes
 * (subtracting a superset of a rule's possible requests takes the same
 * possible requests). */
static int build_impossible(an_space *s)
{
    static const uint32_t kind1[] = {1};
    uint32_t *cls = arena_alloc(&s->arena, 8 * sizeof *cls);
    uint32_t *bad = arena_alloc(&s->arena, (s->dim[D_NAME].nvalues + 1) * sizeof *bad);
    uint32_t *verbs = arena_alloc(&s->arena, 10 * sizeof *verbs);
    uint32_t *res = arena_alloc(&s->arena, 2 * sizeof *res);
    s->impossible = arena_alloc(&s->arena, 8 * sizeof *s->impossible);
    s->impossible_why = arena_alloc(&s->arena, 8 * sizeof *s->impossible_why);
    if (!cls || !bad || !verbs || !res || !s->impossible || !s->impossible_why)
        return s->oom = 1, -1;
    for (size_t i = 0; i < sizeof TIED_VERBS / sizeof *TIED_VERBS; i++)
        cls[i] = an_class_of(s, D_VERB, TIED_VERBS[i], strlen(TIED_VERBS[i]));
    /* cls: get, list, delete, deletecollection, proxy (TIED_VERBS), then the name "", the subresource "", the
     * namespace "" */
    cls[5] = an_class_of(s, D_NAME, "", 0);
    cls[6] = an_class_of(s, D_SUB, "", 0);
    cls[7] = an_class_of(s, D_NS, "", 0);
    uint32_t nbad = 0;
    for (uint32_t k = 0; k < s->dim[D_NAME].nvalues; k++) {
        const an_class *cl = &s->dim[D_NAME].cl[k];
        if (cl->len && !an_list_name_possible(cl->s, cl->len))
            bad[nbad++] = k;
    }
    /* every verb a resource request has (its classes sorted: a set's order) */
    uint32_t nv = 0;
    for (size_t i = 0; i < sizeof TIED_VERBS / sizeof *TIED_VERBS; i++)
        verbs[nv++] = cls[i];
    for (size_t i = 0; i < sizeof OTHER_RES_VERBS / sizeof *OTHER_RES_VERBS; i++)
        verbs[nv++] = an_class_of(s, D_VERB, OTHER_RES_VERBS[i], strlen(OTHER_RES_VERBS[i]));
    an_set vset, rset;
    sorted_ids(s, verbs, nv, &vset);
    for (size_t i = 0; i < 2; i++)
        res[i] = an_class_of(s, D_RES, NS_SUBS[i], strlen(NS_SUBS[i]));
    sorted_ids(s, res, 2, &rset);
    an_cube c;
    size_t n = 0;
#define IMPOSSIBLE(why)                                                                                            \
    do {                                                                                                           \
        s->impossible_why[n] = (why);                                                                              \
        s->impossible[n++] = c;                                                                                    \
    } while (0)
    /* get and delete without a name */
    an_cube_full(&c);
    c.d[D_KIND] = (an_set){kind1, 1, 0};
    c.d[D_VERB] = (an_set){&cls[0], 1, 0};
    c.d[D_NAME] = (an_set){&cls[5], 1, 0};
    IMPOSSIBLE(AN_IMP_GET_NAME);
    c.d[D_VERB] = (an_set){&cls[2], 1, 0};
    IMPOSSIBLE(AN_IMP_DELETE_NAME);
    /* deletecollection with a name */
    an_cube_full(&c);
    c.d[D_KIND] = (an_set){kind1, 1, 0};
    c.d[D_VERB] = (an_set){&cls[3], 1, 0};
    c.d[D_NAME] = (an_set){&cls[5], 1, 1};
    IMPOSSIBLE(AN_IMP_DC_NAME);
    /* list with a name no field selector gives */
    if (nbad) {
        an_cube_full(&c);
        c.d[D_KIND] = (an_set){kind1, 1, 0};
        c.d[D_VERB] = (an_set){&cls[1], 1, 0};
        c.d[D_NAME] = (an_set){bad, nbad, 0};
        IMPOSSIBLE(AN_IMP_LIST_NAME);
    }
    /* proxy with a subresource */
    an_cube_full(&c);
    c.d[D_KIND] = (an_set){kind1, 1, 0};
    c.d[D_VERB] = (an_set){&cls[4], 1, 0};
    c.d[D_SUB] = (an_set){&cls[6], 1, 1};
    IMPOSSIBLE(AN_IMP_PROXY_SUB);
    /* the resource status or finalize in a namespace other than "" */
    an_cube_full(&c);
    c.d[D_KIND] = (an_set){kind1, 1, 0};
    c.d[D_RES] = rset;
    c.d[D_NS] = (an_set){&cls[7], 1, 1};
    IMPOSSIBLE(AN_IMP_NS_SUB);
    /* a verb no resource request has */
    an_cube_full(&c);
    c.d[D_KIND] = (an_set){kind1, 1, 0};
    c.d[D_VERB] = (an_set){vset.v, vset.n, 1};
    IMPOSSIBLE(AN_IMP_VERB);
#undef IMPOSSIBLE
    s->nimpossible = n;
    return 0;
}

int an_list_name_possible(const char *name, size_t len)
{
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return 0;
    return !memchr(name, '%', len) && !memchr(name, '/', len);
}

int an_req_possible(const an_req *q)
{
    if (!q->resource)
        return 1;
    if (!an_resource_verb(q->verb.s, q->verb.len)) /* a NULL verb has the length 0 */
        return 0;
    if ((kstr_is(&q->res, "status") || kstr_is(&q->res, "finalize")) && q->ns.len)
        return 0;
    if (kstr_is(&q->verb, "get") || kstr_is(&q->verb, "delete"))
        return q->name.len > 0;
    if (kstr_is(&q->verb, "deletecollection"))
        return q->name.len == 0;
    if (kstr_is(&q->verb, "list"))
        return !q->name.len || an_list_name_possible(q->name.s, q->name.len);
    if (kstr_is(&q->verb, "proxy"))
        return q->sub.len == 0;
    return 1;
}

/* The order in which the impossible cubes split a cube: the name and the
 * subresource before the verb, the resource before the namespace, and the
 * kind of request after them, so that the first piece keeps every verb,
 * every namespace and both kinds (the witness stays get
 * with a name, rather than list without one, or a non-resource request). */
static const int TIE_ORDER[AN_NDIM] = {D_NAME, D_SUB, D_VERB, D_RES, D_NS, D_KIND, D_AG, D_PATH, D_USER};

/* Cubes v[0..n) minus the impossible cubes of the kinds in mask
 * (AN_IMP_ bits), as disjoint pieces in scratch. */
static int minus_kinds(an_space *s, const an_cube *v, size_t n, unsigned mask, an_cube **out, size_t *nout)
{
    an_cube *list = NULL;
    size_t nl = 0, cap = 0;
    for (size_t i = 0; i < n; i++)
        if (an_cube_push(s, &list, &nl, &cap, &v[i]))
            return -1;
    for (size_t k = 0; k < s->nimpossible && nl; k++) {
        if (!(s->impossible_why[k] & mask))
            continue;
        an_cube *next = NULL;
        size_t nn = 0, cn = 0;
        for (size_t i = 0; i < nl; i++)
            if (cube_minus(s, &list[i], &s->impossible[k], TIE_ORDER, &next, &nn, &cn))
                return -1;
        list = next;
        nl = nn;
    }
    *out = list;
    *nout = nl;
    return 0;
}

/* The possible requests of cubes v[0..n): each minus the impossible cubes,
 * as disjoint pieces in scratch. */
static int possible_only(an_space *s, const an_cube *v, size_t n, an_cube **out, size_t *nout)
{
    return minus_kinds(s, v, n, ~0u, out, nout);
}

/* Whether cubes v[0..n) minus the impossible ones of mask hold a request:
 * 1, 0, -1 on failure. */
static int some_left(an_space *s, const an_cube *v, size_t n, unsigned mask)
{
    an_cube *left;
    size_t nl;
    if (minus_kinds(s, v, n, mask, &left, &nl))
        return -1;
    for (size_t i = 0; i < nl; i++)
        if (cube_feasible(s, &left[i]))
            return 1;
    return 0;
}

/* The kinds of mask that cubes v[0..n) meet, in the order built (the ties,
 * then a status in a namespace, then the verb): a kind counts when what the
 * earlier ones leave meets it. */
static unsigned impossible_meets(an_space *s, const an_cube *v, size_t n, unsigned mask)
{
    unsigned why = 0;
    an_cube *list = NULL;
    size_t nl = 0, cap = 0;
    for (size_t i = 0; i < n; i++)
        if (an_cube_push(s, &list, &nl, &cap, &v[i]))
            return why;
    for (size_t k = 0; k < s->nimpossible && nl; k++) {
        if (!(s->impossible_why[k] & mask))
            continue;
        an_cube *next = NULL;
        size_t nn = 0, cn = 0;
        for (size_t i = 0; i < nl; i++) {
            int m = an_cube_meets(s, &list[i], &s->impossible[k]);
            if (m < 0)
                return why;
            if (m)
                why |= s->impossible_why[k];
            if (cube_minus(s, &list[i], &s->impossible[k], TIE_ORDER, &next, &nn, &cn))
                return why;
        }
        list = next;
        nl = nn;
    }
    return why;
}

unsigned an_impossible_met(an_space *s, const an_cube *v, size_t n)
{
    /* one kind alone, else the ties together, when that is enough: a status
     * in n1 is impossible for its namespace, whatever its verb and name */
    static const unsigned alone[] = {AN_IMP_GET_NAME, AN_IMP_DELETE_NAME, AN_IMP_DC_NAME, AN_IMP_LIST_NAME,
                                     AN_IMP_PROXY_SUB, AN_IMP_NS_SUB,      AN_IMP_VERB,    AN_IMP_TIES};
    for (size_t k = 0; k < sizeof alone / sizeof *alone; k++) {
        int x = some_left(s, v, n, alone[k]);
        if (x < 0)
            return 0;
        if (!x)
            return alone[k] == AN_IMP_TIES ? impossible_meets(s, v, n, AN_IMP_TIES) : alone[k];
    }
    return impossible_meets(s, v, n, ~0u);
}

int an_possible_some(an_space *s, const an_cube *v, size_t n)
{
    an_cube *left;
    size_t nl;
    if (possible_only(s, v, n, &left, &nl))
        return -1;
    for (size_t i = 0; i < nl; i++)
        if (cube_feasible(s, &left[i]))
            return 1;
    return 0;
}

/* ---- building the space -------------------------------------------------------------- */

static int collect(an_space *s, const kdoc *doc, an_strs *l)
{
    uint32_t first = 0;
    for (size_t r = 0; r < doc->nrules; r++) {
        const krule *ru = &doc->rules[r];
        for (size_t i = 0; i < ru->users.n; i++)
            if (strs_add(s, &l[D_USER], ru->users.v[i].s, ru->users.v[i].len, first++, 0))
                return -1;
        for (size_t i = 0; i < ru->verbs.n; i++)
            if (strs_add(s, &l[D_VERB], ru->verbs.v[i].s, ru->verbs.v[i].len, first++, 0))
                return -1;
        for (size_t i = 0; i < ru->namespaces.n; i++)
            if (strs_add(s, &l[D_NS], ru->namespaces.v[i].s, ru->namespaces.v[i].len, first++, 0))
                return -1;
        for (size_t i = 0; i < ru->urls.n; i++) {
            const kstr *u = &ru->urls.v[i];
            const char *p = kptr(u);
            size_t stem = u->len;
            while (stem > 0 && p[stem - 1] == '*')
                stem--;
            if (strs_add(s, &l[D_PATH], p, stem, first++, stem < u->len ? 2 : 1))
                return -1;
        }
        for (size_t g = 0; g < ru->nres; g++) {
            const kgr *gr = &ru->res[g];
            if (!group_is_any(s, gr) && strs_add(s, &l[D_AG], gr->group.s, gr->group.len, first++, 0))
                return -1;
            for (size_t i = 0; i < gr->names.n; i++)
                if (strs_add(s, &l[D_NAME], gr->names.v[i].s, gr->names.v[i].len, first++, 0))
                    return -1;
            for (size_t i = 0; i < gr->resources.n; i++) {
                const char *p = kptr(&gr->resources.v[i]);
                size_t len = gr->resources.v[i].len;
                if (len == 1 && p[0] == '*')
                    continue;
                if (len > 2 && p[0] == '*' && p[1] == '/' && strs_add(s, &l[D_SUB], p + 2, len - 2, first, 0))
                    return -1;
                if (len >= 2 && p[len - 2] == '/' && p[len - 1] == '*' &&
                    strs_add(s, &l[D_RES], p, len - 2, first, 0))
                    return -1;
                for (size_t k = 0; k < len; k++) {
                    if (p[k] != '/' || k + 1 == len)
                        continue;
                    if (strs_add(s, &l[D_RES], p, k, first, 0) ||
                        strs_add(s, &l[D_SUB], p + k + 1, len - k - 1, first, 0))
                        return -1;
                    work(s, 1);
                    if (l[D_RES].n + l[D_SUB].n > s->max_classes)
                        return 1;
                }
                if (strs_add(s, &l[D_RES], p, len, first++, 0))
                    return -1;
            }
        }
    }
    if (strs_add(s, &l[D_SUB], "", 0, 0, 0))
        return -1;
    /* the values the ties between a verb and a name or subresource need
     * (an_space's impossible cubes) have classes of their own, ranked after
     * the policy's own values */
    if (strs_add(s, &l[D_NAME], "", 0, TIED_FIRST, 0))
        return -1;
    /* and so does every other verb of resource requests (a verb no resource
     * request has: build_impossible), ranked as a witness would choose them
     * (the order of RES_VERBS), and the resources status and finalize and
     * the namespace "" (a status in a namespace) */
    for (size_t i = 0; i < sizeof RES_VERB_RANK / sizeof *RES_VERB_RANK; i++)
        if (strs_add(s, &l[D_VERB], RES_VERB_RANK[i], strlen(RES_VERB_RANK[i]), TIED_FIRST + (uint32_t)i, 0))
            return -1;
    for (size_t i = 0; i < sizeof NS_SUBS / sizeof *NS_SUBS; i++)
        if (strs_add(s, &l[D_RES], NS_SUBS[i], strlen(NS_SUBS[i]), UNLISTED_LAST + (uint32_t)i, 0))
            return -1;
    if (strs_add(s, &l[D_NS], "", 0, UNLISTED_LAST, 0))
        return -1;
    return 0;
}

static int collect_groups(an_space *s, const kdoc *doc)
{
    an_strs l = {0};
    uint32_t first = 0;
    int rc = 0;
    for (size_t r = 0; r < doc->nrules && !rc; r++)
        for (size_t i = 0; i < doc->rules[r].groups.n && !rc; i++)
            rc = strs_add(s, &l, doc->rules[r].groups.v[i].s, doc->rules[r].groups.v[i].len, first++, 0);
    if (!rc) {
        strs_unique(&l);
        s->ngroups = (uint32_t)l.n;
        s->groups = arena_alloc(&s->arena, (l.n ? l.n : 1) * sizeof *s->groups);
        if (!s->groups)
            rc = -1, s->oom = 1;
        for (size_t i = 0; i < l.n && !rc; i++)
            s->groups[i] = (an_group){l.v[i].s, l.v[i].len, l.v[i].first};
    }
    kap_free(l.v);
    return rc;
}

int an_space_new(an_space **out, const kdoc *doc, unsigned kube_minor, const kap_analysis_options *o)
{
    *out = NULL;
    an_space *s = kap_calloc(1, sizeof *s);
    if (!s)
        return KAP_ENOMEM;
    s->kube_minor = kube_minor;
    s->max_steps = o->max_steps;
    s->max_rule_steps = o->max_rule_steps;
    s->max_memory = o->max_memory;
    s->max_classes = o->max_classes;
    an_strs l[AN_NDIM];
    memset(l, 0, sizeof l);
    int rc = collect(s, doc, l);
    if (!rc)
        rc = collect_groups(s, doc);
    for (int d = 0; d < AN_NDIM && !rc; d++)
        if (d != D_KIND)
            strs_unique(&l[d]);
    if (!rc)
        rc = dim_strings(s, D_USER, &l[D_USER], 1, 1);
    if (!rc)
        rc = dim_strings(s, D_VERB, &l[D_VERB], 1, 0);
    if (!rc)
        rc = dim_strings(s, D_NS, &l[D_NS], 1, 0);
    if (!rc)
        rc = dim_strings(s, D_AG, &l[D_AG], 1, 0);
    if (!rc)
        rc = dim_strings(s, D_RES, &l[D_RES], 1, 0);
    if (!rc)
        rc = dim_strings(s, D_SUB, &l[D_SUB], 1, 0);
    if (!rc)
        rc = dim_strings(s, D_NAME, &l[D_NAME], 1, 0);
    if (!rc) {
        an_strs kinds = {0};
        rc = strs_add(s, &kinds, "0", 1, 0, 0) || strs_add(s, &kinds, "1", 1, 1, 0) ? -1 : 0;
        if (!rc)
            rc = dim_strings(s, D_KIND, &kinds, 0, 0);
        kap_free(kinds.v);
    }
    if (!rc)
        rc = dim_paths(s, &l[D_PATH]);
    for (int d = 0; d < AN_NDIM; d++)
        kap_free(l[d].v);
    if (!rc) {
        s->nrules = doc->nrules;
        s->rules = arena_alloc(&s->arena, (doc->nrules ? doc->nrules : 1) * sizeof *s->rules);
        if (!s->rules)
            rc = -1, s->oom = 1;
        for (size_t r = 0; r < doc->nrules && !rc; r++)
            rc = rule_cubes(s, &doc->rules[r], &s->rules[r]);
    }
    if (!rc)
        rc = build_index(s);
    if (!rc)
        rc = build_impossible(s);
    if (!rc)
        rc = build_ranks(s);
    s->universal = s->nrules;
    for (size_t r = 0; r < s->nrules && !rc && s->universal == s->nrules; r++) {
        const an_rule *ru = &s->rules[r];
        int all = ru->n == 1 && !ru->cubes[0].any;
        for (int d = 0; d < AN_NDIM && all; d++)
            all = set_full(&ru->cubes[0].d[d]);
        if (all)
            s->universal = r;
    }
    if (rc) {
        int status = s->oom || rc < 0 ? KAP_ENOMEM : KAP_ELIMIT;
        an_space_free(s);
        return status;
    }
    *out = s;
    return KAP_OK;
}

void an_space_free(an_space *s)
{
    if (!s)
        return;
    for (size_t k = 0; k < sizeof INDEXED / sizeof *INDEXED; k++) {
        int d = INDEXED[k];
        if (s->lists[d])
            for (uint32_t c = 0; c < s->dim[d].n; c++)
                kap_free(s->lists[d][c].v);
        kap_free(s->lists[d]);
        kap_free(s->wide[d].v);
    }
    kap_free(s->tmp);
    arena_free(&s->scratch);
    arena_free(&s->arena);
    kap_free(s);
}

size_t an_space_steps(const an_space *s) { return s->steps; }

/* ---- queries ------------------------------------------------------------------------ */

/* The candidate rules of a query, in rule order, produced as needed: a merge
 * of the index lists of the query's most selective attribute. */
typedef struct cand_iter {
    const an_list **lists;
    uint32_t *pos;
    size_t nlists;
    uint32_t *heap; /* list indexes, by their next value */
    size_t nheap;
    size_t before;
    uint32_t all; /* no index: every rule before `before`, this one next */
    int use_all;
    uint32_t *v; /* produced so far */
    size_t n, cap;
    uint32_t last;
} cand_iter;

static uint32_t ci_head(const cand_iter *it, uint32_t li) { return it->lists[li]->v[it->pos[li]]; }

static void ci_sift(cand_iter *it, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < it->nheap && ci_head(it, it->heap[l]) < ci_head(it, it->heap[m]))
            m = l;
        if (r < it->nheap && ci_head(it, it->heap[r]) < ci_head(it, it->heap[m]))
            m = r;
        if (m == i)
            return;
        uint32_t t = it->heap[i];
        it->heap[i] = it->heap[m];
        it->heap[m] = t;
        i = m;
    }
}

/* Makes v[k] available; returns 0 when there are no more candidates. */
static int ci_get(an_space *s, cand_iter *it, size_t k, uint32_t *out)
{
    while (it->n <= k) {
        uint32_t next;
        if (it->use_all) {
            if (it->all >= it->before)
                return 0;
            next = it->all++;
        } else {
            for (;;) {
                if (!it->nheap)
                    return 0;
                uint32_t li = it->heap[0];
                next = ci_head(it, li);
                if (next >= it->before)
                    return 0;
                it->pos[li]++;
                if (it->pos[li] == it->lists[li]->n)
                    it->heap[0] = it->heap[--it->nheap];
                ci_sift(it, 0);
                work(s, 1);
                if (it->n == 0 || next != it->last)
                    break;
            }
        }
        if (kap_grow(&it->v, &it->cap, it->n + 1, sizeof *it->v, 64))
            return s->oom = 1, -1;
        it->v[it->n++] = next;
        it->last = next;
    }
    *out = it->v[k];
    return 1;
}

static int ci_init(an_space *s, cand_iter *it, const an_query *q)
{
    memset(it, 0, sizeof *it);
    it->before = q->before;
    it->use_all = 1;
    /* the query's hull */
    an_set hull[AN_NDIM];
    for (int d = 0; d < AN_NDIM; d++) {
        hull[d] = q->start[0].d[d];
        for (size_t i = 1; i < q->nstart; i++) {
            if (hull[d].neg || q->start[i].d[d].neg) {
                hull[d] = SET_FULL;
                break;
            }
            const uint32_t *v;
            uint32_t n;
            if (ids_union(s, hull[d].v, hull[d].n, q->start[i].d[d].v, q->start[i].d[d].n, &v, &n))
                return -1;
            hull[d] = (an_set){v, n, 0};
        }
    }
    size_t best = q->before;
    int bestd = -1;
    for (size_t k = 0; k < sizeof INDEXED / sizeof *INDEXED; k++) {
        int d = INDEXED[k];
        if (hull[d].neg)
            continue;
        /* resource attributes sort out resource requests only, the path the others */
        if (d == D_PATH ? set_has(&hull[D_KIND], 1) : (d != D_USER && d != D_VERB && set_has(&hull[D_KIND], 0)))
            continue;
        size_t est = s->wide[d].n;
        for (uint32_t i = 0; i < hull[d].n && est < best; i++)
            est += s->lists[d][hull[d].v[i]].n;
        work(s, hull[d].n / 8 + 1);
        if (est < best) {
            best = est;
            bestd = d;
        }
    }
    if (bestd < 0)
        return 0;
    int d = bestd;
    size_t nl = hull[d].n + 1;
    it->lists = kap_malloc(nl * sizeof *it->lists); // NOLINT(bugprone-sizeof-expression): the elements are pointers
    it->pos = kap_calloc(nl, sizeof *it->pos);
    it->heap = kap_malloc(nl * sizeof *it->heap);
    if (!it->lists || !it->pos || !it->heap)
        return s->oom = 1, -1;
    for (uint32_t i = 0; i < hull[d].n; i++)
        if (s->lists[d][hull[d].v[i]].n)
            it->lists[it->nlists++] = &s->lists[d][hull[d].v[i]];
    if (s->wide[d].n)
        it->lists[it->nlists++] = &s->wide[d];
    for (size_t i = 0; i < it->nlists; i++)
        it->heap[it->nheap++] = (uint32_t)i;
    for (size_t i = it->nheap / 2 + 1; i-- > 0;)
        ci_sift(it, i);
    it->use_all = 0;
    return 0;
}

static void ci_free(cand_iter *it)
{
    kap_free(it->lists);
    kap_free(it->pos);
    kap_free(it->heap);
    kap_free(it->v);
}

typedef struct frame {
    an_cube c;
    uint32_t ci, ck; /* next candidate, next cube of it */
} frame;

static int rule_hull_meets(an_space *s, const an_cube *c, const an_rule *r)
{
    for (int k = 0; k < AN_NDIM; k++) {
        int d = SPLIT_ORDER[k];
        if (!set_meets(s, &c->d[d], &r->hull[d], s->dim[d].n))
            return 0;
    }
    return 1;
}

static int int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

int an_query_run(an_space *s, an_query *q)
{
    q->left = NULL;
    q->nleft = 0;
    q->complete = 0;
    q->status = -1;
    q->limit = NULL;
    q->covering = NULL;
    q->ncovering = 0;
    s->rule_steps = 0;
    size_t leftcap = 0;
    uint8_t *marks = NULL;
    int *taken = NULL; /* the rules that took part, as they come */
    size_t ntaken = 0, takencap = 0;
    int add_universal = 0;
    frame *st = NULL;
    size_t nst = 0, stcap = 0;
    cand_iter it;
    int rc = KAP_OK;
    memset(&it, 0, sizeof it);
    if (!q->nstart) {
        q->status = 0;
        q->complete = 1;
        return KAP_OK;
    }
    size_t universal = s->universal < q->before ? s->universal : (size_t)-1;
    if (universal != (size_t)-1) {
        /* a rule that matches everything decides whatever is left: the
         * search only says which rules before it take part */
        if (!q->need_covering) {
            q->status = 0;
            q->complete = 1;
            return KAP_OK;
        }
        q->before = universal;
        q->want_all = 1;
        q->max_pieces = (size_t)-1;
    }
    if (ci_init(s, &it, q))
        goto fail;
    marks = kap_calloc(s->nrules / 8 + 1, 1);
    if (!marks)
        goto fail;
    /* only the requests a URL gives: no rule takes the others */
    an_cube *start;
    size_t nstart;
    if (possible_only(s, q->start, q->nstart, &start, &nstart))
        goto fail_or_limit;
    stcap = nstart + 16;
    st = kap_malloc(stcap * sizeof *st);
    if (!st)
        goto fail;
    for (size_t i = nstart; i-- > 0;) {
        if (!cube_feasible(s, &start[i]))
            continue;
        st[nst++] = (frame){start[i], 0, 0};
    }
    while (nst) {
        if (s->steps > s->max_steps) {
            q->limit = "max_steps";
            break;
        }
        if (s->rule_steps > s->max_rule_steps) {
            q->limit = "max_rule_steps";
            break;
        }
        frame f = st[--nst];
        for (;;) {
            uint32_t r;
            int got = ci_get(s, &it, f.ci, &r);
            if (got < 0)
                goto fail;
            if (!got) {
                /* nothing earlier takes this piece: it is left */
                if (universal != (size_t)-1) {
                    q->nleft++; /* for the rule that matches everything: not kept */
                    break;
                }
                if (an_cube_push(s, &q->left, &q->nleft, &leftcap, &f.c))
                    goto fail_or_limit;
                break;
            }
            const an_rule *ru = &s->rules[r];
            if (f.ck == 0 && !rule_hull_meets(s, &f.c, ru)) {
                f.ci++;
                continue;
            }
            int m = an_cube_meets(s, &f.c, &ru->cubes[f.ck]);
            if (m < 0)
                goto fail_or_limit;
            if (!m) {
                if (++f.ck == ru->n)
                    f.ci++, f.ck = 0;
                continue;
            }
            if (!((marks[r / 8] >> (r % 8)) & 1)) {
                marks[r / 8] |= (uint8_t)(1u << (r % 8));
                if (kap_grow(&taken, &takencap, ntaken + 1, sizeof *taken, 16))
                    goto fail;
                taken[ntaken++] = (int)r;
            }
            an_cube *pieces = NULL;
            size_t np = 0, pcap = 0;
            if (an_cube_minus(s, &f.c, &ru->cubes[f.ck], &pieces, &np, &pcap))
                goto fail_or_limit;
            uint32_t nci = f.ci, nck = f.ck + 1;
            if (nck == ru->n)
                nci++, nck = 0;
            if (nst + np > stcap) {
                size_t cap = (nst + np) * 2;
                if (cap * sizeof *st > s->max_memory) {
                    s->over_memory = 1;
                    goto fail_or_limit;
                }
                frame *ns = kap_realloc(st, cap * sizeof *ns);
                if (!ns)
                    goto fail;
                st = ns;
                stcap = cap;
            }
            for (size_t i = np; i-- > 0;)
                st[nst++] = (frame){pieces[i], nci, nck};
            break;
        }
        if (q->nleft && (!q->want_all || q->nleft >= q->max_pieces))
            break;
    }
    if (universal != (size_t)-1) {
        /* the rule that matches everything takes what is left */
        if (q->nleft || q->limit)
            add_universal = 1;
        q->before = universal + 1;
        q->nleft = 0;
        q->limit = NULL;
        q->status = 0;
        q->complete = 1;
    } else if (q->limit) {
        q->status = q->nleft ? 1 : -1; /* something is left, whatever the rest holds */
    } else {
        q->status = q->nleft ? 1 : 0;
        q->complete = nst == 0;
    }
    if (q->status == 0 || q->status == 1) {
        /* the rules that took part, in order */
        q->covering = sc_alloc(s, (ntaken + 1) * sizeof *q->covering);
        if (!q->covering)
            goto fail_or_limit;
        if (ntaken)
            memcpy(q->covering, taken, ntaken * sizeof *taken);
        q->ncovering = ntaken;
        if (add_universal)
            q->covering[q->ncovering++] = (int)universal;
        qsort(q->covering, q->ncovering, sizeof *q->covering, int_cmp);
    }
    goto done;
fail_or_limit:
    if (s->over_memory && !s->oom && universal != (size_t)-1) {
        /* out of room while naming the rules: the one that matches everything suffices */
        an_scratch_reset(s);
        q->covering = sc_alloc(s, sizeof *q->covering);
        if (!q->covering)
            goto fail;
        q->covering[0] = (int)universal;
        q->ncovering = 1;
        q->nleft = 0;
        q->status = 0;
        q->complete = 1;
        goto done;
    }
    if (s->over_memory && !s->oom) {
        q->limit = "max_memory";
        q->status = q->nleft ? 1 : -1;
        q->complete = 0;
        q->covering = NULL;
        q->ncovering = 0;
        goto done;
    }
fail:
    rc = KAP_ENOMEM;
done:
    kap_free(st);
    kap_free(marks);
    kap_free(taken);
    ci_free(&it);
    return rc;
}

/* ---- a concrete request ------------------------------------------------------------------ */

/* Is str a listed value of dim? */
static int listed(const an_space *s, int dim, const char *str, size_t len)
{
    return value_class(&s->dim[dim], str, len) != AN_NONE;
}

/* A value of dim that the policy does not list: the first of prefs, else invented. */
static kstr invent(an_space *s, int dim, const char *const *prefs, size_t nprefs, const char *stem)
{
    kstr k = {0};
    for (size_t i = 0; i < nprefs; i++) {
        if (!listed(s, dim, prefs[i], strlen(prefs[i]))) {
            k.s = prefs[i];
            k.len = strlen(prefs[i]);
            return k;
        }
    }
    char buf[64];
    for (unsigned n = 1;; n++) {
        int len = snprintf(buf, sizeof buf, "%s-%u", stem, n);
        if (!listed(s, dim, buf, (size_t)len)) {
            k.s = arena_strndup(&s->arena, buf, (size_t)len);
            k.len = k.s ? (size_t)len : 0;
            if (!k.s)
                s->oom = 1;
            return k;
        }
    }
}

static const char *const RES_VERBS[] = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"};
static const char *const URL_VERBS[] = {"get", "post", "put", "patch", "delete", "head", "options"};

/* How good a class is as a witness value (lower first). */
static unsigned class_rank(const an_space *s, int dim, uint32_t c, int resource)
{
    const an_class *cl = &s->dim[dim].cl[c];
    switch (cl->kind) {
    case CL_NOUSER: return 0xF0000000u;
    case CL_OTHER: return 0x10000000u;
    case CL_REGION: return 0x08000000u + cl->first;
    default: break;
    }
    unsigned r = cl->first;
    if (!an_value_possible(dim, cl->s, cl->len))
        r += 0x20000000u; /* after "any other value": no request has it */
    if (dim == D_VERB) {
        int real = resource ? an_resource_verb(cl->s, cl->len) : an_nonresource_verb(cl->s, cl->len);
        if (!real)
            r += 0x20000000u;
    } else if (dim == D_RES || dim == D_SUB) {
        if (an_value_possible(dim, cl->s, cl->len) && memchr(cl->s, '*', cl->len))
            r += 0x20000000u;
        if (dim == D_RES && cl->len == 0)
            r += 0x20000000u; /* a URL gives it only with more segments after it: rare */
        if (dim == D_SUB && cl->len == 0)
            r = 0; /* no subresource: the usual request */
    }
    if (cl->len && memchr(cl->s, 0, cl->len))
        r += 0x40000000u; /* a NUL inside: last among values */
    return r;
}

/* The best class of a set. */
static uint32_t pick(an_space *s, int dim, const an_set *set, int resource)
{
    uint32_t other = s->dim[dim].other;
    if (s->other_first && dim == D_VERB && resource) {
        /* "any other verb" is none a resource request has (build_impossible):
         * the best of the verbs the policy does not list (ranked from
         * TIED_FIRST, collect()) */
        const uint32_t *order = s->order[dim][1];
        for (uint32_t k = 0; k < s->dim[dim].n; k++) {
            const an_class *cl = &s->dim[dim].cl[order[k]];
            work(s, 1);
            if (cl->kind == CL_VALUE && cl->first >= TIED_FIRST && set_has(set, order[k]))
                return order[k];
        }
    } else if (s->other_first && dim != D_SUB && dim != D_NAME && other != AN_NONE && set_has(set, other))
        return other; /* subresource and name stay usual: they rarely tell rules apart */
    const uint32_t *rank = s->rank[dim][resource ? 1 : 0];
    uint32_t best = AN_NONE, br = 0xFFFFFFFFu;
    if (!set->neg) {
        for (uint32_t i = 0; i < set->n; i++)
            if (rank[set->v[i]] < br)
                br = rank[set->v[i]], best = set->v[i];
        return best;
    }
    const uint32_t *order = s->order[dim][resource ? 1 : 0];
    for (uint32_t k = 0; k < s->dim[dim].n; k++) {
        work(s, 1);
        if (!in_sorted(set->v, set->n, order[k]))
            return order[k];
    }
    return AN_NONE;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Each class's rank and the classes in rank order, for both kinds of request. */
static int build_ranks(an_space *s)
{
    for (int d = 0; d < AN_NDIM; d++) {
        uint32_t n = s->dim[d].n;
        for (int res = 0; res < 2; res++) {
            if (res && d != D_VERB) {
                s->rank[d][1] = s->rank[d][0];
                s->order[d][1] = s->order[d][0];
                continue;
            }
            uint32_t *rank = arena_alloc(&s->arena, (n ? n : 1) * sizeof *rank);
            uint32_t *order = arena_alloc(&s->arena, (n ? n : 1) * sizeof *order);
            uint64_t *pairs = kap_malloc((n ? n : 1) * sizeof *pairs);
            if (!rank || !order || !pairs) {
                kap_free(pairs);
                return s->oom = 1, -1;
            }
            for (uint32_t c = 0; c < n; c++) {
                rank[c] = class_rank(s, d, c, res);
                pairs[c] = (uint64_t)rank[c] << 32 | c;
            }
            qsort(pairs, n, sizeof *pairs, u64_cmp);
            for (uint32_t c = 0; c < n; c++)
                order[c] = (uint32_t)pairs[c];
            kap_free(pairs);
            s->rank[d][res] = rank;
            s->order[d][res] = order;
        }
    }
    return 0;
}

static kstr class_value(an_space *s, int dim, uint32_t c)
{
    const an_class *cl = &s->dim[dim].cl[c];
    kstr k = {0};
    if (cl->kind == CL_VALUE) {
        k.s = cl->s;
        k.len = cl->len;
    } else if (cl->kind == CL_REGION || (dim == D_PATH && cl->kind == CL_OTHER)) {
        k.s = cl->rep;
        k.len = cl->replen;
    }
    return k;
}

static void req_path(an_space *s, an_req *q)
{
    /* the URL kube-apiserver would have been asked, where the values allow it */
    kap_buf b = {0};
    if (q->ag.len)
        buf_adds(&b, "/apis/"), buf_add(&b, q->ag.s, q->ag.len), buf_adds(&b, "/v1");
    else
        buf_adds(&b, "/api/v1");
    /* requestinfo.md 5, 7: right after the version, watch and proxy are the
     * legacy verb segments, and namespaces with a segment after it names
     * the namespace; after "namespaces/NS/" neither holds, even with NS
     * empty (/api/v1/namespaces//namespaces/foo is the Namespace foo in the
     * namespace "") */
    int ns_first = kstr_is(&q->res, "watch") || kstr_is(&q->res, "proxy") ||
                   (kstr_is(&q->res, "namespaces") && (q->name.len || q->sub.len));
    if (q->ns.len || ns_first)
        buf_adds(&b, "/namespaces/"), buf_add(&b, q->ns.s, q->ns.len);
    buf_addc(&b, '/');
    buf_add(&b, q->res.s, q->res.len);
    if (q->name.len || q->sub.len)
        buf_addc(&b, '/'), buf_add(&b, q->name.s, q->name.len);
    if (q->sub.len)
        buf_addc(&b, '/'), buf_add(&b, q->sub.s, q->sub.len);
    if (!q->res.len && !q->name.len && !q->sub.len)
        /* trailing slashes are trimmed (requestinfo.md 5): empty resource,
         * name and subresource segments count only before one that is not
         * empty, and a segment past the subresource is ignored (section 8) */
        buf_adds(&b, "///x");
    if (b.oom) {
        s->oom = 1;
    } else {
        q->path.s = arena_strndup(&s->arena, b.s, b.len);
        q->path.len = q->path.s ? b.len : 0;
        if (!q->path.s)
            s->oom = 1;
    }
    buf_free(&b);
}

static int verb_names_object(const kstr *v)
{
    static const char *const named[] = {"get", "update", "patch", "delete", "put"};
    for (size_t i = 0; i < sizeof named / sizeof *named; i++)
        if (v->len == strlen(named[i]) && memcmp(v->s, named[i], v->len) == 0)
            return 1;
    return 0;
}

/* Builds the request and counts how odd it is. */
static unsigned build_request(an_space *s, const an_cube *c, an_req *q)
{
    unsigned odd = 0;
    memset(q, 0, sizeof *q);
    q->resource = set_has(&c->d[D_KIND], 1);
    int res = q->resource;
    /* user and groups */
    uint32_t u = pick(s, D_USER, &c->d[D_USER], res);
    const an_class *uc = &s->dim[D_USER].cl[u];
    if (uc->kind == CL_NOUSER) {
        odd += 8;
    } else {
        q->has_user = 1;
        if (uc->kind == CL_VALUE) {
            q->user.s = uc->s;
            q->user.len = uc->len;
        } else {
            static const char *const users[] = {"alice", "bob", "carol"};
            q->user = invent(s, D_USER, users, 3, "kap-user");
            odd += 1;
        }
        if (c->any) {
            uint32_t best = AN_NONE;
            for (uint32_t i = 0; i < c->nany; i++) {
                uint32_t g = c->any[i];
                if (in_sorted(c->zero, c->nzero, g))
                    continue;
                if (best == AN_NONE || s->groups[g].first < s->groups[best].first)
                    best = g;
            }
            q->groups[q->ngroups].s = s->groups[best].s;
            q->groups[q->ngroups++].len = s->groups[best].len;
        }
        /* every authenticated user carries system:authenticated */
        const char *sa = "system:authenticated";
        uint32_t g = an_group_id(s, sa, strlen(sa));
        int taken = q->ngroups && q->groups[0].len == strlen(sa) && memcmp(q->groups[0].s, sa, strlen(sa)) == 0;
        if (!taken && (g == AN_NONE || !in_sorted(c->zero, c->nzero, g))) {
            q->groups[q->ngroups].s = sa;
            q->groups[q->ngroups++].len = strlen(sa);
        }
    }
    /* verb */
    uint32_t v = pick(s, D_VERB, &c->d[D_VERB], res);
    if (s->dim[D_VERB].cl[v].kind == CL_VALUE) {
        q->verb = class_value(s, D_VERB, v);
        if (!(res ? an_resource_verb(q->verb.s, q->verb.len) : an_nonresource_verb(q->verb.s, q->verb.len)))
            odd += 2;
    } else {
        q->verb = res ? invent(s, D_VERB, RES_VERBS, 8, "kap-verb") : invent(s, D_VERB, URL_VERBS, 7, "kap-verb");
    }
    if (!res) {
        uint32_t p = pick(s, D_PATH, &c->d[D_PATH], res);
        q->path = class_value(s, D_PATH, p);
        if (!q->path.len || q->path.s[0] != '/')
            odd += 2;
        return odd;
    }
    /* group, resource, namespace (none for a cluster-scoped resource), subresource, name */
    uint32_t ag = pick(s, D_AG, &c->d[D_AG], res);
    if (s->dim[D_AG].cl[ag].kind == CL_VALUE) {
        q->ag = class_value(s, D_AG, ag);
    } else {
        static const char *const ags[] = {"", "apps", "batch", "example.com"};
        q->ag = invent(s, D_AG, ags, 4, "kap-group.example.com");
    }
    uint32_t rs = pick(s, D_RES, &c->d[D_RES], res);
    if (s->dim[D_RES].cl[rs].kind == CL_VALUE) {
        q->res = class_value(s, D_RES, rs);
        if (memchr(q->res.s, '/', q->res.len) || memchr(q->res.s, '*', q->res.len))
            odd += 2;
    } else {
        /* a typical built-in resource of the group, else a made-up one */
        static const struct {
            const char *group, *resource;
        } typical[] = {{"", "pods"}, {"", "configmaps"}, {"apps", "deployments"}, {"batch", "jobs"}};
        const char *prefs[10];
        size_t np = 0;
        for (size_t i = 0; i < sizeof typical / sizeof *typical; i++)
            if (q->ag.len == strlen(typical[i].group) && memcmp(q->ag.s, typical[i].group, q->ag.len) == 0)
                prefs[np++] = typical[i].resource;
        for (size_t i = 0; np < 8; i++) {
            const an_builtin *b = an_builtin_nth(q->ag.s, q->ag.len, s->kube_minor, i);
            if (!b)
                break;
            prefs[np++] = b->resource;
        }
        prefs[np++] = "widgets";
        q->res = invent(s, D_RES, prefs, np, "kap-resource");
    }
    const an_builtin *b = an_builtin_find(q->ag.s, q->ag.len, q->res.s, q->res.len, s->kube_minor);
    uint32_t ns = pick(s, D_NS, &c->d[D_NS], res);
    /* (the resources status and finalize come in the namespace "" only:
     * the impossible cubes took the others away, build_impossible) */
    if (b && b->cluster_scoped && strcmp(b->resource, "namespaces") != 0 &&
        set_has(&c->d[D_NS], an_class_of(s, D_NS, "", 0))) {
        q->ns.s = "";
        q->ns.len = 0;
    } else if (s->dim[D_NS].cl[ns].kind == CL_VALUE) {
        q->ns = class_value(s, D_NS, ns);
    } else {
        static const char *const nss[] = {"default", "kube-system", "team-a"};
        q->ns = invent(s, D_NS, nss, 3, "kap-namespace");
    }
    uint32_t sb = pick(s, D_SUB, &c->d[D_SUB], res);
    if (s->dim[D_SUB].cl[sb].kind == CL_VALUE) {
        q->sub = class_value(s, D_SUB, sb);
    } else {
        static const char *const subs[] = {"status", "scale", "log"};
        q->sub = invent(s, D_SUB, subs, 3, "kap-subresource");
        odd += 1;
    }
    /* the name: the policy's own where the cube has one; else, as usual, one
     * for the verbs that name an object and for a subresource, none for the
     * others; and an empty resource is a URL segment only with a segment
     * after it. "" is a class of its own (collect()), "any other value" a
     * name that is not empty. The cube holds possible requests only
     * (an_query_run), so get and delete have a name here, deletecollection
     * none. */
    static const char *const names[] = {"example", "web-1", "kap-name"};
    uint32_t nm = pick(s, D_NAME, &c->d[D_NAME], res);
    uint32_t empty = an_class_of(s, D_NAME, "", 0), other = s->dim[D_NAME].other;
    int can_invent = other != AN_NONE && set_has(&c->d[D_NAME], other);
    int want_name = verb_names_object(&q->verb) || q->sub.len || !q->res.len;
    if (nm == other && !want_name && set_has(&c->d[D_NAME], empty)) {
        q->name.s = "";
        q->name.len = 0;
    } else if (s->dim[D_NAME].cl[nm].kind == CL_VALUE && !(nm == empty && want_name && can_invent)) {
        q->name = class_value(s, D_NAME, nm);
    } else {
        q->name = invent(s, D_NAME, names, 3, "kap-name");
    }
    req_path(s, q);
    return odd;
}

int an_cube_request(an_space *s, const an_cube *c, int other_first, an_req *out, unsigned *odd)
{
    s->other_first = other_first;
    unsigned o = build_request(s, c, out);
    s->other_first = 0;
    if (odd)
        *odd = o;
    return s->oom ? -1 : 0;
}

unsigned an_cube_oddness(an_space *s, const an_cube *c)
{
    an_req q;
    return build_request(s, c, &q);
}
