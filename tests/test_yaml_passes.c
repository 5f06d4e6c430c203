/* read_yaml.c reads a document without anchors, aliases or merge keys in
 * one pass over libyaml's events, and any other in two (a node tree, then
 * the values). The two passes are the reference: this test reads every
 * YAML input it can find both ways and wants the same values, positions,
 * strict messages and errors, and the same load results.
 * SPDX-License-Identifier: Apache-2.0 */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

extern int kap_test_yaml_two_passes;
extern long kap_test_yaml_one_pass_done;
extern long kap_test_yaml_rules_sunk;

static const char *source_dir = ".";
static const char *shared_dir = "../shared";

/* Inputs that reach each branch of the one pass, and the cases where its
 * order could differ from the two passes': a decoding error before a
 * syntax error, before an anchor, in a key; duplicate and odd keys. */
static const char *const INLINE[] = {
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n",
    "",
    "# only a comment\n",
    "---\n...\n",
    "a: !!int x\nb: [\n",          /* decoding error, then a syntax error */
    "a: !!int x\nb: &x 1\nc: *x\n", /* decoding error, then an anchor */
    "a: !!int x\nb: *nope\n",      /* decoding error, then an unknown alias */
    "a: 1\na: 2\nb: {c: 1, c: 2}\n",
    "? [a]\n: 1\n",
    "? {a: 1}\n: 1\n",
    "~: 1\nnull: 2\n",
    "18446744073709551615: x\n",
    "1: a\n\"1\": b\n1.0: c\n.nan: d\n.nan: e\n",
    "a: .inf\nb: -.inf\n",
    "a: [1, .nan]\n",
    "a: !!binary aGVsbG8=\nb: !!binary \"a\"\n",
    "a: !!float 1\nb: !!timestamp 2001-12-14\nc: !!str 1\nd: !!bool x\n",
    "a: {b: c?d}\n",
    "a: [b?c]\n",
    "<<: {a: 1}\nb: 2\n",
    "a: 1\n<<: [{b: 2}, {c: 3}]\n",
    "!!map {a: !!seq [1, 2]}\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: 1\n---\nb: 2\n",
    "a: b: c\n",
    "a:\n  - b\n  c: d\n",
    "[[[[[[[[[[1]]]]]]]]]]\n",
    "{a: [1, {b: [2, {c: 3}]}], d: yes, e: No, f: 0x1F, g: 0o17, h: 1_000, i: -0b101, j: 1e3}\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  verbs: [get, get]\n  bogus: 1\n- "
    "level: None\n  level: Request\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: 1\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: &r\n- level: Metadata\n",
    "kind: Policy\napiVersion: audit.k8s.io/v1\nomitStages: [RequestReceived]\nrules:\n- level: None\n  users: "
    "[\"system:kube-proxy\"]\n  resources:\n  - group: \"\"\n    resources: [endpoints]\n",
    /* the rules decoded as they are read (decode.c, rules_sink): their
     * messages among the document's, in json.Marshal's key order */
    "rules:\n- level: None\n  bogus: 1\napiVersion: audit.k8s.io/v1\nkind: Policy\naaa: 1\nzzz: 2\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  verbs: [1]\nomitStages: [2]\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  verbs: [1]\nomitManagedFields: x\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nmetadata: {name: 5}\nrules:\n- users: {a: 1}\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [~, 1, {level: None}, [a], \"s\"]\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\nrules:\n- level: Metadata\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\nrules: ~\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  x: .nan\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\nx: [.inf]\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n- level: &a Metadata\n  verbs: [*a]\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n- <<: {level: Metadata}\n",
    "apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: None\n  bogus: 1\n",
    "apiVersion: audit.k8s.io/__internal\nkind: Policy\nrules:\n- level: None\n",
    "apiVersion: audit.k8s.io/v1\nkind: Event\nrules:\n- level: None\n",
    "{apiVersion: audit.k8s.io/v1, kind: Policy, rules: [{level: None, verbs: [get]}, {level: Metadata}]}\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nRules:\n- level: Request\nrules:\n- level: None\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  ~: 1\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  ? [a]\n  : 1\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nmetadata: {rules: [{level: None}]}\nrules:\n- level: None\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  resources: [{group: 1, bogus: 2}]\n- "
    "level: Metadata\n  resources: [{resources: [pods], resourceNames: [x], group: \"\", group: a}]\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n- level: Request\n  verbs: [get\n",
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: !!int x\n- level: None\n",
};

static void jv_equal(const jv *a, const jv *b, const char *what)
{
    if (!a || !b) {
        ck_assert_msg(a == b, "%s: one value is missing", what);
        return;
    }
    ck_assert_msg(a->kind == b->kind && a->line == b->line && a->col == b->col, "%s: kind/position %d %u:%u vs %d %u:%u",
                  what, a->kind, a->line, a->col, b->kind, b->line, b->col);
    switch (a->kind) {
    case JV_BOOL: ck_assert_msg(a->b == b->b, "%s: bool", what); break;
    case JV_NUMBER:
    case JV_STRING:
        ck_assert_msg(a->b == b->b && a->len == b->len && memcmp(a->s, b->s, a->len) == 0, "%s: text", what);
        break;
    case JV_ARRAY:
        ck_assert_msg(a->n == b->n, "%s: length", what);
        for (size_t i = 0; i < a->n; i++)
            jv_equal(a->items[i], b->items[i], what);
        break;
    case JV_OBJECT:
        ck_assert_msg(a->n == b->n && !a->gomap == !b->gomap && (!a->gomap || a->gomap->n == b->gomap->n), "%s: members", what);
        for (size_t i = 0; i < a->n; i++) {
            const jv_member *x = &a->members[i], *y = &b->members[i];
            ck_assert_msg(x->klen == y->klen && memcmp(x->key, y->key, x->klen) == 0 && x->line == y->line &&
                              x->col == y->col && !x->okey == !y->okey,
                          "%s: key %zu", what, i);
            if (x->okey)
                jv_equal(x->okey, y->okey, what);
            jv_equal(x->val, y->val, what);
        }
        for (size_t i = 0; a->gomap && i < a->gomap->n; i++) {
            ck_assert_msg(a->gomap->m[i].klen == b->gomap->m[i].klen, "%s: Go map key %zu", what, i);
            jv_equal(a->gomap->m[i].val, b->gomap->m[i].val, what);
        }
        break;
    default: break;
    }
}

typedef struct one_read {
    int rc;
    jv *root;
    kap_buf strict;
    kap_fail fail;
    kap_arena a, strs;
} one_read;

static void read_yaml(one_read *r, const char *text, size_t len, const kap_limits *lim, int two)
{
    memset(r, 0, sizeof *r);
    kap_test_yaml_two_passes = two;
    r->rc = yaml_to_jv_split(&r->a, &r->strs, text, len, lim, &r->root, &r->strict, &r->fail);
    kap_test_yaml_two_passes = 0;
}

static void one_read_free(one_read *r)
{
    buf_free(&r->strict);
    buf_free(&r->fail.msg);
    arena_free(&r->a);
    arena_free(&r->strs);
}

static const char *nz(const char *s) { return s ? s : ""; }

static void load(const char *text, size_t len, unsigned minor, int two, int *rc, kap_diagnostics **d)
{
    kap_options o;
    kap_options_init(&o);
    o.kube_minor = minor;
    kap_policy *p = NULL;
    kap_test_yaml_two_passes = two;
    *rc = kap_policy_load_buffer(&p, text, len, "p.yaml", &o, d);
    kap_test_yaml_two_passes = 0;
    kap_policy_free(p);
}

static long compared;

static void compare(const char *name, const char *text, size_t len)
{
    kap_limits lim;
    kap_options o;
    kap_options_init(&o);
    ck_assert_int_eq(limits_for(&o, &lim), KAP_OK);
    one_read one, two;
    read_yaml(&one, text, len, &lim, 0);
    read_yaml(&two, text, len, &lim, 1);
    ck_assert_msg(one.rc == two.rc, "%s: status %d (one pass) vs %d (two)", name, one.rc, two.rc);
    ck_assert_msg(strcmp(nz(one.fail.msg.s), nz(two.fail.msg.s)) == 0 && one.fail.line == two.fail.line &&
                      one.fail.col == two.fail.col,
                  "%s: error \"%s\" %u:%u (one pass) vs \"%s\" %u:%u (two)", name, nz(one.fail.msg.s),
                  one.fail.line, one.fail.col, nz(two.fail.msg.s), two.fail.line, two.fail.col);
    ck_assert_msg(strcmp(nz(one.strict.s), nz(two.strict.s)) == 0, "%s: strict \"%s\" vs \"%s\"", name,
                  nz(one.strict.s), nz(two.strict.s));
    if (one.rc == KAP_OK)
        jv_equal(one.root, two.root, name);
    one_read_free(&one);
    one_read_free(&two);

    static const unsigned minors[] = {24, 36};
    for (size_t m = 0; m < 2; m++) {
        int rc1, rc2;
        kap_diagnostics *d1 = NULL, *d2 = NULL;
        load(text, len, minors[m], 0, &rc1, &d1);
        load(text, len, minors[m], 1, &rc2, &d2);
        ck_assert_msg(rc1 == rc2, "%s on 1.%u: load status %d vs %d", name, minors[m], rc1, rc2);
        ck_assert_msg(strcmp(nz(kap_diagnostics_error_text(d1)), nz(kap_diagnostics_error_text(d2))) == 0,
                      "%s on 1.%u: \"%s\" vs \"%s\"", name, minors[m], nz(kap_diagnostics_error_text(d1)),
                      nz(kap_diagnostics_error_text(d2)));
        ck_assert_msg(strcmp(nz(kap_diagnostics_warning_text(d1)), nz(kap_diagnostics_warning_text(d2))) == 0,
                      "%s on 1.%u: warnings differ", name, minors[m]);
        size_t n = kap_diagnostics_count(d1);
        ck_assert_msg(n == kap_diagnostics_count(d2), "%s on 1.%u: %zu vs %zu diagnostics", name, minors[m], n,
                      kap_diagnostics_count(d2));
        for (size_t i = 0; i < n; i++) {
            const kap_diagnostic *x = kap_diagnostics_get(d1, i), *y = kap_diagnostics_get(d2, i);
            ck_assert_msg(x->severity == y->severity && strcmp(x->field, y->field) == 0 &&
                              strcmp(x->message, y->message) == 0 && x->line == y->line && x->column == y->column,
                          "%s on 1.%u: diagnostic %zu: \"%s\" %u:%u vs \"%s\" %u:%u", name, minors[m], i,
                          x->message, x->line, x->column, y->message, y->line, y->column);
        }
        kap_diagnostics_free(d1);
        kap_diagnostics_free(d2);
    }
    compared++;
}

static int compare_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type != FTW_F)
        return 0;
    size_t n = strlen(path);
    const char *dot = strrchr(path, '.');
    /* YAML, and the fuzz corpora's inputs, which have no extension */
    if (dot && strcmp(dot, ".yaml") != 0 && strcmp(dot, ".yml") != 0 && strchr(dot, '/') == NULL)
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            text = realloc(text, cap);
            ck_assert_ptr_nonnull(text);
        }
        got = fread(text + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    fclose(f);
    (void)n;
    compare(path, text, len);
    free(text);
    return 0;
}

START_TEST(inline_inputs)
{
    long before = kap_test_yaml_one_pass_done;
    for (size_t i = 0; i < sizeof INLINE / sizeof INLINE[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "inline %zu", i);
        compare(name, INLINE[i], strlen(INLINE[i]));
    }
    /* the one pass did run (and the two-pass switch did not stick) */
    ck_assert_int_gt(kap_test_yaml_one_pass_done - before, 10);
}
END_TEST

/* Items of "rules" handed to decode.c's sink while reading one document:
 * the top-level map's "rules" only (test_yaml_passes' comparisons cannot
 * see whether a document was streamed: both ways give the same results). */
static long sunk(const char *text)
{
    long before = kap_test_yaml_rules_sunk;
    kap_policy *p = NULL;
    kap_diagnostics *dg = NULL;
    (void)kap_policy_load_buffer(&p, text, strlen(text), "sunk", NULL, &dg);
    kap_policy_free(p);
    kap_diagnostics_free(dg);
    return kap_test_yaml_rules_sunk - before;
}

START_TEST(rules_streamed_where_they_are)
{
    const char *head = "apiVersion: audit.k8s.io/v1\nkind: Policy\n";
    char doc[512];
    snprintf(doc, sizeof doc, "%srules:\n- level: None\n- level: Metadata\n- level: Request\n", head);
    ck_assert_int_eq(sunk(doc), 3);
    snprintf(doc, sizeof doc, "%srules: [{level: None}, {level: Metadata}]\n", head);
    ck_assert_int_eq(sunk(doc), 2);
    /* another key's "rules", and a key that is not "rules" */
    snprintf(doc, sizeof doc, "%smetadata:\n  rules:\n  - level: None\nrules:\n- level: Metadata\n", head);
    ck_assert_int_eq(sunk(doc), 1);
    snprintf(doc, sizeof doc, "%srulez:\n- level: None\n", head);
    ck_assert_int_eq(sunk(doc), 0);
    snprintf(doc, sizeof doc, "%sruled:\n- level: None\n", head);
    ck_assert_int_eq(sunk(doc), 0);
    /* a document that is a sequence */
    ck_assert_int_eq(sunk("- rules:\n  - level: None\n"), 0);
    /* the two passes (an anchor) hand nothing to the sink */
    snprintf(doc, sizeof doc, "%srules:\n- &a {level: None}\n", head);
    ck_assert_int_eq(sunk(doc), 0);
}
END_TEST

/* max_depth counts collections open at once: block and flow ones each
 * (as Go's yaml does), closed ones no longer count. Many sibling
 * collections under a small limit load, both ways; one too deep does not. */
static int load_depth(const char *text, size_t max_depth)
{
    kap_options o;
    kap_options_init(&o);
    o.max_depth = max_depth;
    kap_policy *p = NULL;
    kap_diagnostics *dg = NULL;
    int rc = kap_policy_load_buffer(&p, text, strlen(text), "depth", &o, &dg);
    kap_policy_free(p);
    kap_diagnostics_free(dg);
    return rc;
}

START_TEST(closed_collections_leave_the_depth)
{
    const char *block = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n";
    const char *two_pass = "apiVersion: audit.k8s.io/v1\nkind: Policy\nx: &a 1\nrules:\n";
    char doc[4096];
    for (int pass = 0; pass < 2; pass++) {
        /* eight block rules, each a mapping with a block list: at most
         * three block collections open at once (map, rules, rule; then
         * its list: four) */
        size_t n = (size_t)snprintf(doc, sizeof doc, "%s", pass ? two_pass : block);
        for (int i = 0; i < 8; i++)
            n += (size_t)snprintf(doc + n, sizeof doc - n, "- level: None\n  verbs:\n  - get\n");
        ck_assert_int_eq(load_depth(doc, 4), KAP_OK);
        ck_assert_int_eq(load_depth(doc, 3), KAP_ELIMIT);
        /* the same in flow collections inside one block rule list */
        n = (size_t)snprintf(doc, sizeof doc, "%s", pass ? two_pass : block);
        for (int i = 0; i < 8; i++)
            n += (size_t)snprintf(doc + n, sizeof doc - n, "- {level: None, verbs: [get]}\n");
        ck_assert_int_eq(load_depth(doc, 4), KAP_OK);
        ck_assert_int_eq(load_depth(doc, 3), KAP_ELIMIT);
    }
}
END_TEST

START_TEST(corpora)
{
    char path[4096];
    const char *dirs[][2] = {{source_dir, "tests/fuzz/corpus/load"},
                             {source_dir, "tests/fuzz/corpus/regressions"},
                             {source_dir, "tests/fuzz/corpus/manifest"},
                             {source_dir, "examples"},
                             {shared_dir, "conformance"},
                             {shared_dir, "corpus/policies"}};
    compared = 0;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dirs[i][0], dirs[i][1]);
        nftw(path, compare_file, 16, FTW_PHYS);
    }
    printf("yaml passes: %ld inputs read both ways\n", compared);
    ck_assert_int_gt(compared, 19); /* the fuzz corpus alone has more */
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1)
        source_dir = argv[1];
    if (argc > 2)
        shared_dir = argv[2];
    Suite *s = suite_create("yaml_passes");
    TCase *tc = tcase_create("passes");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, inline_inputs);
    tcase_add_test(tc, rules_streamed_where_they_are);
    tcase_add_test(tc, closed_collections_leave_the_depth);
    tcase_add_test(tc, corpora);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
