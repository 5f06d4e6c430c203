/* kap check-manifest --fix: the audit flags, volumes and mounts of a
 * kube-apiserver static pod made right by editing the text. libyaml's
 * events give each node's place in the file; the edits replace a scalar or
 * insert new lines (or flow items) after existing ones, so that every
 * other byte of the file stays as it was: comments, order, indentation.
 * Writing replaces the manifest atomically (a temporary file outside the
 * manifests directory, fsync, rename), after a backup.
 * SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "manifest_internal.h"

#ifdef KAP_TEST_HOOKS
/* The step of kap_manifest_fix_write() to fail (1: the temporary file's
 * write, 2: its fsync, 3: the rename, 4: each mkdirat of a backup
 * directory; 6: the rename from the backup directory, with EXDEV, as
 * from another mount of the same file system; 0: none), for the atomicity
 * tests. */
KAP_HIDDEN int kap_test_manifest_fail_step;
#define FAIL_STEP(n) (kap_test_manifest_fail_step == (n))
/* The last write's temporary file: its name, and whether it was made in
 * the backup directory (1) or beside the manifest (0). Step 5 takes the
 * backup directory to be on another file system than the manifest. */
KAP_HIDDEN char kap_test_manifest_tmp_name[300];
KAP_HIDDEN int kap_test_manifest_tmp_in_backup;
#define NOTE_TMP(name, in_backup)                                                                       \
    (snprintf(kap_test_manifest_tmp_name, sizeof kap_test_manifest_tmp_name, "%s", (name)),             \
     kap_test_manifest_tmp_in_backup = (in_backup))
#else
#define FAIL_STEP(n) 0
#define NOTE_TMP(name, in_backup) ((void)0)
#endif

/* ---- the document as nodes with byte ranges ---------------------------------------------- */

enum { FN_SCALAR, FN_SEQ, FN_MAP };

typedef struct fnode {
    int kind;
    int flow;       /* collections: flow style */
    int style;      /* scalars: yaml_scalar_style_t */
    size_t start;   /* byte offset of the node's first character */
    size_t end;     /* scalars and flow collections: just past the node */
    size_t close;   /* flow collections: the offset of ']' or '}' */
    size_t last;    /* the end of the last scalar or flow collection inside (or the node's end) */
    const char *value; /* scalars: NUL-terminated */
    size_t vlen;
    struct fnode **kids; /* sequences: items; mappings: key, value, key, value... */
    size_t n, cap;
    size_t added; /* flow collections: items --fix has added */
} fnode;

typedef struct fixer {
    const char *data;
    size_t len;
    size_t bom;
    /* the character index -> byte offset cache */
    size_t c_index, c_off;
    fnode **all;
    size_t n_all, cap_all;
    fnode *root;
    int oom;
    kap_buf why; /* why it cannot be fixed */
    /* edits */
    struct edit {
        size_t at, end;
        char *text;
        size_t seq;
    } *edits;
    size_t n_edits, cap_edits;
    /* what was changed, for people */
    char **notes;
    size_t n_notes, cap_notes;
    const char *nl; /* "\n" or "\r\n" */
    unsigned kube_minor; /* the release followed (--kube-version, else the image's), 0: not known */
} fixer;

static size_t byte_of(fixer *f, size_t index)
{
    if (index < f->c_index) {
        f->c_index = 0;
        f->c_off = f->bom;
    }
    size_t i = f->c_off;
    for (size_t c = f->c_index; c < index && i < f->len; c++)
        for (i++; i < f->len && ((unsigned char)f->data[i] & 0xC0) == 0x80; i++) {
        }
    f->c_index = index;
    f->c_off = i;
    return i;
}

static fnode *new_node(fixer *f, int kind)
{
    if (kap_grow(&f->all, &f->cap_all, f->n_all + 1, sizeof *f->all, 64)) // NOLINT(bugprone-sizeof-expression): the elements are pointers
        return f->oom = 1, NULL;
    fnode *n = kap_calloc(1, sizeof *n);
    if (!n)
        return f->oom = 1, NULL;
    n->kind = kind;
    f->all[f->n_all++] = n;
    return n;
}

static int add_kid(fixer *f, fnode *p, fnode *k)
{
    if (kap_grow(&p->kids, &p->cap, p->n + 1, sizeof *p->kids, 8)) // NOLINT(bugprone-sizeof-expression): the elements are pointers
        return f->oom = 1, -1;
    p->kids[p->n++] = k;
    return 0;
}

static void cannot(fixer *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cannot(fixer *f, const char *fmt, ...)
{
    if (f->why.len)
        return;
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    buf_adds(&f->why, small);
    if (f->why.oom)
        f->oom = 1;
}

static size_t line_number(const fixer *f, size_t at);

/* Whether the text before at, on its line and past blanks, ends in ':' or
 * '-': where libyaml places an empty (null) value of "key:" or "-". */
static int after_indicator(const fixer *f, size_t at)
{
    while (at > 0 && (f->data[at - 1] == ' ' || f->data[at - 1] == '\t'))
        at--;
    return at > 0 && (f->data[at - 1] == ':' || f->data[at - 1] == '-');
}

/* The first document as nodes. Returns 0, or -1 with f->why set. */
static int build(fixer *f)
{
    yaml_parser_t p;
    yaml_event_t ev;
    if (!yaml_parser_initialize(&p))
        return f->oom = 1, -1;
    yaml_parser_set_input_string(&p, (const unsigned char *)f->data, f->len);
    fnode **stack = NULL;
    size_t depth = 0, cap = 0;
    int rc = 0, done = 0;
    while (!done) {
        if (!yaml_parser_parse(&p, &ev)) {
            cannot(f, "line %zu column %zu: %s", p.problem_mark.line + 1, p.problem_mark.column + 1,
                   p.problem ? p.problem : "not YAML");
            rc = -1;
            break;
        }
        fnode *n = NULL;
        switch (ev.type) {
        case YAML_ALIAS_EVENT:
            cannot(f, "line %zu: the manifest uses a YAML alias (*%s); --fix edits manifests without anchors only",
                   ev.start_mark.line + 1, (const char *)ev.data.alias.anchor);
            rc = -1;
            break;
        case YAML_SCALAR_EVENT:
            n = new_node(f, FN_SCALAR);
            if (!n)
                break;
            n->style = (int)ev.data.scalar.style;
            n->start = byte_of(f, ev.start_mark.index);
            n->end = n->last = byte_of(f, ev.end_mark.index);
            if (ev.data.scalar.style == YAML_LITERAL_SCALAR_STYLE || ev.data.scalar.style == YAML_FOLDED_SCALAR_STYLE)
                /* a block scalar ends (libyaml's end mark) where the next
                 * line's token starts: its last is its last line's end */
                while (n->last > n->start && strchr(" \t\r\n", f->data[n->last - 1]))
                    n->last--;
            n->value = kap_strndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
            n->vlen = ev.data.scalar.length;
            if (!n->value)
                f->oom = 1;
            else if (n->start == n->end && !after_indicator(f, n->start)) {
                /* an empty value libyaml places at the next token: of a
                 * "? key" alone, or of a flow mapping's "{key}" */
                size_t at = n->start;
                while (at > 0 && strchr(" \t\r\n", f->data[at - 1]))
                    at--; /* back to the key's line */
                cannot(f, "line %zu: a mapping key without ':' and value; --fix edits manifests whose keys are "
                          "followed by ':'",
                       line_number(f, at));
                rc = -1;
            }
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            n = new_node(f, ev.type == YAML_SEQUENCE_START_EVENT ? FN_SEQ : FN_MAP);
            if (!n)
                break;
            n->flow = ev.type == YAML_SEQUENCE_START_EVENT
                          ? ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
                          : ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
            n->start = byte_of(f, ev.start_mark.index);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth) {
                fnode *c = stack[--depth];
                if (c->flow) {
                    c->close = byte_of(f, ev.start_mark.index);
                    c->end = c->last = byte_of(f, ev.end_mark.index);
                }
                if (depth && c->last > stack[depth - 1]->last)
                    stack[depth - 1]->last = c->last;
            }
            break;
        case YAML_DOCUMENT_END_EVENT:
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (rc || f->oom)
            break;
        if (n) {
            if (depth) {
                if (add_kid(f, stack[depth - 1], n))
                    break;
                if (n->last > stack[depth - 1]->last)
                    stack[depth - 1]->last = n->last;
            } else if (!f->root) {
                f->root = n;
            }
            if (n->kind != FN_SCALAR) {
                if (kap_grow(&stack, &cap, depth + 1, sizeof *stack, 32)) { // NOLINT(bugprone-sizeof-expression): the elements are pointers
                    f->oom = 1;
                    break;
                }
                stack[depth++] = n;
            }
        }
    }
    kap_free(stack);
    yaml_parser_delete(&p);
    if (f->oom)
        return -1;
    return rc;
}

static void free_nodes(fixer *f)
{
    for (size_t i = 0; i < f->n_all; i++) {
        kap_free((void *)f->all[i]->value);
        kap_free(f->all[i]->kids);
        kap_free(f->all[i]);
    }
    kap_free(f->all);
}

static fnode *map_get(const fnode *m, const char *key)
{
    if (!m || m->kind != FN_MAP)
        return NULL;
    fnode *found = NULL;
    for (size_t i = 0; i + 1 < m->n; i += 2)
        if (m->kids[i]->kind == FN_SCALAR && strcmp(m->kids[i]->value, key) == 0)
            found = m->kids[i + 1];
    return found;
}

static const char *scalar(const fnode *n) { return n && n->kind == FN_SCALAR ? n->value : NULL; }

/* ---- edits ------------------------------------------------------------------------------- */

static void add_edit(fixer *f, size_t at, size_t end, const char *text)
{
    if (!text) {
        f->oom = 1;
        return;
    }
    if (kap_grow(&f->edits, &f->cap_edits, f->n_edits + 1, sizeof *f->edits, 16)) {
        f->oom = 1;
        return;
    }
    char *t = kap_strndup(text, strlen(text));
    if (!t) {
        f->oom = 1;
        return;
    }
    f->edits[f->n_edits].at = at;
    f->edits[f->n_edits].end = end;
    f->edits[f->n_edits].text = t;
    f->edits[f->n_edits].seq = f->n_edits;
    f->n_edits++;
}

/* add_edit() of a buffer's text, unless building it ran out of memory. */
static void add_edit_buf(fixer *f, size_t at, size_t end, kap_buf *b)
{
    if (b->oom || !buf_cstr(b))
        f->oom = 1;
    else
        add_edit(f, at, end, b->s);
}

/* Writes text in place of scalar n. libyaml places an empty (null) scalar
 * right after its indicator ("-" or ":", "- #c" and "key:" at the end of a
 * line); text put there needs a space before it, or "-x" and "key:x" would be
 * read back as one plain scalar. */
static void put_scalar(fixer *f, const fnode *n, const char *text)
{
    if (n->start == n->end && n->start > 0 && !strchr(" \t\r\n", f->data[n->start - 1])) {
        kap_buf b = {0};
        buf_printf(&b, " %s", text);
        add_edit_buf(f, n->start, n->end, &b);
        buf_free(&b);
        return;
    }
    add_edit(f, n->start, n->end, text);
}

static void note(fixer *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(fixer *f, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (kap_grow(&f->notes, &f->cap_notes, f->n_notes + 1, sizeof *f->notes, 8)) {
        f->oom = 1;
        return;
    }
    char *s = kap_strndup(small, strlen(small));
    if (!s) {
        f->oom = 1;
        return;
    }
    f->notes[f->n_notes++] = s;
}

/* Whether s can be written as a plain scalar and read back as this string. */
static int plain_ok(const char *s)
{
    static const char *const words[] = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True",
                                        "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
                                        "null", "Null", "NULL", "~", ""};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(s, words[i]) == 0)
            return 0;
    const char *p = s;
    if (*p == '-' || *p == '+' || *p == '.')
        p++;
    if ((*p >= '0' && *p <= '9') || (s[0] == '.' && (strchr("infINF", s[1]) || s[1] == 'n')))
        return 0; /* looks like a number */
    if (strchr("?:,[]{}#&*!|>'\"%@` \t", s[0]))
        return 0;
    if (s[0] == '-' && (s[1] == ' ' || s[1] == '\0'))
        return 0;
    size_t n = strlen(s);
    if (s[n - 1] == ' ' || s[n - 1] == ':')
        return 0;
    for (const char *q = s; *q; q++) {
        unsigned char c = (unsigned char)*q;
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            return 0;
        if (c == ':' && (q[1] == ' ' || q[1] == ','))
            return 0;
        if (c == '#' && q > s && q[-1] == ' ')
            return 0;
        if (strchr(",[]{}", c))
            return 0; /* also safe inside flow collections */
    }
    return 1;
}

static void quoted(kap_buf *b, const char *s)
{
    buf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            buf_printf(b, "\\u%04x", *p);
        else
            buf_addc(b, (char)*p);
    }
    buf_addc(b, '"');
}

/* A scalar's text: plain where that reads back the same (and not flow),
 * else double-quoted (valid YAML and JSON). */
static void scalar_text(kap_buf *b, const char *s, int flow)
{
    if (!flow && plain_ok(s))
        buf_adds(b, s);
    else
        quoted(b, s);
}

/* Replaces a scalar's text, in the style it had where that can hold it. */
static void replace_scalar(fixer *f, const fnode *n, const char *value)
{
    kap_buf b = {0};
    if (n->style == YAML_SINGLE_QUOTED_SCALAR_STYLE && !strchr(value, '\'') && !strchr(value, '\n')) {
        buf_printf(&b, "'%s'", value);
    } else if (n->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE || n->style == YAML_SINGLE_QUOTED_SCALAR_STYLE) {
        quoted(&b, value);
    } else {
        /* plain (a block scalar never holds a flag) */
        scalar_text(&b, value, 0);
    }
    if (b.oom || !buf_cstr(&b))
        f->oom = 1;
    else
        put_scalar(f, n, b.s);
    buf_free(&b);
}

/* Replaces a scalar with a YAML/JSON boolean. */
static void replace_bool(fixer *f, const fnode *n, int v) { put_scalar(f, n, v ? "true" : "false"); }

/* The start of the line holding offset at, and the column of at in it. */
static size_t line_start(const fixer *f, size_t at)
{
    while (at > 0 && f->data[at - 1] != '\n')
        at--;
    return at;
}

/* The 1-based line number of offset at. */
static size_t line_number(const fixer *f, size_t at)
{
    size_t n = 1;
    for (size_t i = 0; i < at && i < f->len; i++)
        n += f->data[i] == '\n';
    return n;
}

/* The end of the line holding offset at (the '\r' or '\n', or the end). */
static size_t line_end(const fixer *f, size_t at)
{
    while (at < f->len && f->data[at] != '\n' && f->data[at] != '\r')
        at++;
    return at;
}

static void spaces(kap_buf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_addc(b, ' ');
}

/* One item to append: lines "key: value" (a mapping; value NULL starts a
 * nested mapping whose lines follow with a leading "  ") or one scalar. */
typedef struct item {
    const char *scalar;
    const char *const *lines; /* "key", "value" pairs; a NULL value opens a nested mapping of the next pairs
                               * until a NULL key */
    size_t n;
} item;

static void item_flow(kap_buf *b, const item *it)
{
    if (it->scalar) {
        quoted(b, it->scalar);
        return;
    }
    buf_addc(b, '{');
    int nested = 0, first = 1;
    for (size_t i = 0; i + 1 < it->n; i += 2) {
        const char *k = it->lines[i], *v = it->lines[i + 1];
        if (!k) {
            buf_addc(b, '}');
            nested = 0;
            first = 0;
            continue;
        }
        if (!first)
            buf_adds(b, ", ");
        first = 0;
        quoted(b, k);
        buf_adds(b, ": ");
        if (!v) {
            buf_addc(b, '{');
            nested = 1;
            first = 1;
            continue;
        }
        if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
            buf_adds(b, v);
        else
            quoted(b, v);
    }
    if (nested)
        buf_addc(b, '}');
    buf_addc(b, '}');
}

/* The item's block lines; the first after "- " at column dash, the others at
 * column col. */
static void item_block(fixer *f, kap_buf *b, const item *it, size_t dash, size_t col)
{
    /* the content starts a space after the dash at least (an empty first
     * item, "-" alone, gives no column of its own) */
    if (col < dash + 2)
        col = dash + 2;
    spaces(b, dash);
    buf_addc(b, '-');
    spaces(b, col - dash - 1);
    if (it->scalar) {
        scalar_text(b, it->scalar, 0);
        return;
    }
    size_t indent = col;
    int first = 1;
    for (size_t i = 0; i < it->n; i += 2) {
        const char *k = it->lines[i], *v = it->lines[i + 1];
        if (!k) {
            indent = col;
            continue;
        }
        if (!first) {
            buf_adds(b, f->nl);
            spaces(b, indent);
        }
        first = 0;
        buf_adds(b, k);
        buf_addc(b, ':');
        if (!v) {
            indent = col + 2;
            continue;
        }
        buf_addc(b, ' ');
        if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
            buf_adds(b, v);
        else
            scalar_text(b, v, 0);
    }
}

/* The column of a node's first character. */
static size_t column_of(const fixer *f, size_t at) { return at - line_start(f, at); }

/* Appends an item to a sequence. */
static void seq_append(fixer *f, const fnode *cseq, const item *it)
{
    kap_buf b = {0};
    fnode *seq = (fnode *)cseq; /* counts what is added */
    if (seq->flow) {
        size_t at = seq->n ? seq->kids[seq->n - 1]->last : seq->close;
        if (seq->n || seq->added)
            buf_adds(&b, ", ");
        seq->added++;
        item_flow(&b, it);
        add_edit_buf(f, at, at, &b);
        buf_free(&b);
        return;
    }
    /* block: the first item's dash and content columns */
    size_t col = column_of(f, seq->kids[0]->start);
    size_t ls = line_start(f, seq->start);
    size_t dash = seq->start - ls;
    if (f->data[seq->start] != '-') {
        /* the sequence starts at a tag or at its first item's content: find
         * the dash before the first item, on that item's line */
        size_t k = seq->kids[0]->start, ls0 = line_start(f, k);
        while (k > ls0 && f->data[k - 1] != '-')
            k--;
        dash = k > ls0 ? k - 1 - ls0 : col;
    }
    buf_adds(&b, f->nl);
    item_block(f, &b, it, dash, col);
    add_edit_buf(f, line_end(f, seq->last), line_end(f, seq->last), &b);
    buf_free(&b);
}

/* Adds "key: <sequence of the items>" to a mapping. seq_indent: columns
 * from the key to the sequence's dash. */
static void map_add_seq(fixer *f, const fnode *map, const char *key, const item *its, size_t n, size_t seq_indent)
{
    kap_buf b = {0};
    if (map->flow) {
        if (map->n)
            buf_adds(&b, ", ");
        quoted(&b, key);
        buf_adds(&b, ": [");
        for (size_t i = 0; i < n; i++) {
            if (i)
                buf_adds(&b, ", ");
            item_flow(&b, &its[i]);
        }
        buf_addc(&b, ']');
        size_t at = map->n ? map->kids[map->n - 1]->last : map->close;
        add_edit_buf(f, at, at, &b);
        buf_free(&b);
        return;
    }
    size_t kcol = column_of(f, map->kids[0]->start);
    buf_adds(&b, f->nl);
    spaces(&b, kcol);
    buf_adds(&b, key);
    buf_addc(&b, ':');
    for (size_t i = 0; i < n; i++) {
        buf_adds(&b, f->nl);
        item_block(f, &b, &its[i], kcol + seq_indent, kcol + seq_indent + 2);
    }
    add_edit_buf(f, line_end(f, map->last), line_end(f, map->last), &b);
    buf_free(&b);
}

/* Adds "key: value" (a scalar) to a mapping. */
static void map_add_scalar(fixer *f, const fnode *map, const char *key, const char *value)
{
    kap_buf b = {0};
    if (map->flow) {
        if (map->n)
            buf_adds(&b, ", ");
        quoted(&b, key);
        buf_adds(&b, ": ");
        buf_adds(&b, value);
        size_t at = map->n ? map->kids[map->n - 1]->last : map->close;
        add_edit_buf(f, at, at, &b);
    } else {
        size_t kcol = column_of(f, map->kids[0]->start);
        buf_adds(&b, f->nl);
        spaces(&b, kcol);
        buf_printf(&b, "%s: %s", key, value);
        add_edit_buf(f, line_end(f, map->last), line_end(f, map->last), &b);
    }
    buf_free(&b);
}

/* Whether scalar n is YAML's null (plain "", "~", "null"). */
static int null_scalar(const fnode *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    if (n->style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        if (strcmp(n->value, nulls[i]) == 0)
            return 1;
    return 0;
}

/* A pod with no metadata.name (kubelet names a static pod NAME-NODE and
 * refuses "-NODE") gets kubeadm's name for it. In JSON and YAML alike. */
static void name_pod(fixer *f)
{
    static const char name[] = "kube-apiserver";
    const fnode *meta = map_get(f->root, "metadata");
    const fnode *n = meta && meta->kind == FN_MAP ? map_get(meta, "name") : NULL;
    /* named already; or a name or metadata that is no string or mapping
     * (kubelet cannot decode it): not ours to guess */
    if (n ? n->kind != FN_SCALAR || (n->value[0] && !null_scalar(n))
          : meta && meta->kind != FN_MAP && !(meta->kind == FN_SCALAR && null_scalar(meta)))
        return;
    if (n) {
        put_scalar(f, n, f->root->flow ? "\"kube-apiserver\"" : name);
    } else if (meta && meta->kind == FN_MAP) {
        map_add_scalar(f, meta, "name", meta->flow ? "\"kube-apiserver\"" : name);
    } else if (meta) {
        put_scalar(f, meta, "{\"name\": \"kube-apiserver\"}");
    } else {
        /* first in the pod, where kubeadm writes it (at the end, it would
         * meet the volumes --fix adds there) */
        const fnode *root = f->root;
        kap_buf b = {0};
        if (root->flow) {
            /* (before a line break, no blank at the line's end) */
            const char *next = root->start + 1 < f->len ? f->data + root->start + 1 : "";
            buf_printf(&b, "\"metadata\": {\"name\": \"kube-apiserver\"}%s",
                       !root->n ? "" : *next == '\n' || *next == '\r' ? "," : ", ");
            add_edit_buf(f, root->start + 1, root->start + 1, &b);
        } else {
            size_t at = line_start(f, root->kids[0]->start);
            if (at < f->bom)
                at = f->bom;
            spaces(&b, root->kids[0]->start - at);
            buf_printf(&b, "metadata:%s", f->nl);
            spaces(&b, root->kids[0]->start - at + 2);
            buf_printf(&b, "name: %s%s", name, f->nl);
            add_edit_buf(f, at, at, &b);
        }
        buf_free(&b);
    }
    note(f, "named the pod %s (metadata.name): kubelet refuses a static pod without a name", name);
}

/* ---- what to change ---------------------------------------------------------------------- */

typedef struct farg {
    const fnode *node;      /* the argument */
    const fnode *value;     /* "--name value": the value's node; NULL for --name=value */
    char name[128];
    const char *val;        /* the value's text */
    int bare;               /* the last argument, without a value (kube-apiserver refuses to start) */
    int removed;            /* an extra copy --fix removes */
    int touched;            /* set_flag() gave it its value */
} farg;

typedef struct fmount {
    const fnode *node; /* the mount's mapping */
    const char *name, *sub_path;
    const char *sub_path_expr; /* subPathExpr, or NULL */
    char path[4096];
    const fnode *read_only; /* the readOnly value's node, or NULL */
} fmount;

typedef struct fvol {
    const char *name;
    const char *host;   /* hostPath.path or NULL */
    const fnode *type;  /* hostPath.type's value node, or NULL */
    int empty_dir;      /* an emptyDir: given, or no source beside the name */
} fvol;

typedef struct plan {
    const fnode *spec, *ctr, *cmd, *args, *mounts, *vols;
    farg *argv;
    size_t n_args;
    fmount *m;
    size_t n_m;
    fvol *v;
    size_t n_v;
    /* mounts and volumes to add, written out together at the end */
    struct {
        const char *lines[8];
        size_t n;
        char name[64], path[4096];
    } add_m[2], add_v[2];
    size_t n_add;
    int no_binary; /* no command, and go-runner (the image's entrypoint) finds no kube-apiserver in args */
} plan;

static const fmount *covering(const plan *p, const char *path)
{
    const fmount *best = NULL;
    size_t bl = 0;
    for (size_t i = 0; i < p->n_m; i++) {
        size_t l = strlen(p->m[i].path);
        if (path_within(path, p->m[i].path) && (!best || l >= bl))
            best = &p->m[i], bl = l;
    }
    return best;
}

/* Whether a mount lies inside dir, below it (the log file's own, ...). */
static int mount_below(const plan *p, const char *dir)
{
    for (size_t i = 0; i < p->n_m; i++)
        if (path_within(p->m[i].path, dir) && strcmp(p->m[i].path, dir) != 0)
            return 1;
    return 0;
}

static const fvol *vol_named(const plan *p, const char *name)
{
    for (size_t i = 0; i < p->n_v; i++)
        if (strcmp(p->v[i].name, name) == 0)
            return &p->v[i];
    return NULL;
}

/* A volume name not yet taken: base, base-2, base-3... */
static void free_name(const plan *p, const char *base, char *out, size_t n)
{
    snprintf(out, n, "%s", base);
    for (int k = 2; vol_named(p, out) && k < 1000; k++)
        snprintf(out, n, "%s-%d", base, k);
}

static int read_plan(fixer *f, plan *p)
{
    const fnode *root = f->root;
    if (!root || root->kind != FN_MAP) {
        cannot(f, "the manifest is not a mapping (a Pod)");
        return -1;
    }
    const char *kind = scalar(map_get(root, "kind")), *av = scalar(map_get(root, "apiVersion"));
    if (!kind || strcmp(kind, "Pod") != 0 || !av || strcmp(av, "v1") != 0) {
        cannot(f, "the manifest is not a v1 Pod");
        return -1;
    }
    p->spec = map_get(root, "spec");
    const fnode *ctrs = map_get(p->spec, "containers");
    if (!p->spec || p->spec->kind != FN_MAP || p->spec->n == 0 || !ctrs || ctrs->kind != FN_SEQ) {
        cannot(f, "the Pod has no list of containers");
        return -1;
    }
    size_t found = 0, start = 0;
    for (size_t i = 0; i < ctrs->n; i++) {
        const fnode *c = ctrs->kids[i];
        const fnode *cmd = map_get(c, "command"), *args = map_get(c, "args");
        const char *image = scalar(map_get(c, "image"));
        size_t st = 0;
        /* no command: kube-apiserver's image runs go-runner, which runs
         * what args names (check_pod's reading) */
        int has_cmd = cmd && cmd->kind == FN_SEQ && cmd->n, entry = !cmd || cmd->kind == FN_SEQ;
        int runs = has_cmd || (image && manifest_apiserver_image(image)), no_binary = 0;
        if (runs && (has_cmd || entry)) {
            const char *argv[MANIFEST_ARGV_PEEK];
            size_t n = 0;
            const fnode *lists[2] = {has_cmd ? cmd : NULL, args && args->kind == FN_SEQ ? args : NULL};
            if (!has_cmd)
                argv[n++] = "/go-runner";
            for (int k = 0; k < 2; k++)
                for (size_t j = 0; lists[k] && j < lists[k]->n && n < MANIFEST_ARGV_PEEK; j++)
                    argv[n++] = scalar(lists[k]->kids[j]);
            const char *bad;
            st = manifest_apiserver_start(argv, n, &bad);
            runs = has_cmd ? st != 0 : 1;
            no_binary = !has_cmd && !st;
            st = has_cmd || !st ? st : st - 1;
        }
        if (runs) {
            if (!found) {
                p->ctr = c;
                start = st;
                p->no_binary = no_binary;
                if (!f->kube_minor && image)
                    f->kube_minor = manifest_minor_from_image(image);
            }
            found++;
        }
    }
    if (found != 1) {
        if (found)
            cannot(f, "%zu containers run kube-apiserver; --fix does not choose one", found);
        else
            cannot(f, "no container runs kube-apiserver");
        return -1;
    }
    if (p->ctr->kind != FN_MAP || p->ctr->n == 0) {
        cannot(f, "the kube-apiserver container is not a mapping");
        return -1;
    }
    p->cmd = map_get(p->ctr, "command");
    p->args = map_get(p->ctr, "args");
    if ((p->cmd && p->cmd->kind != FN_SEQ) || (p->args && p->args->kind != FN_SEQ)) {
        cannot(f, "the container's command or args is not a list");
        return -1;
    }
    if (!p->cmd && !p->args) {
        cannot(f, "the container has neither command nor args to add flags to");
        return -1;
    }
    size_t n = (p->cmd ? p->cmd->n : 0) + (p->args ? p->args->n : 0);
    p->argv = kap_calloc(n + 1, sizeof *p->argv);
    if (!p->argv)
        return f->oom = 1, -1;
    const fnode *lists[2] = {p->cmd, p->args};
    const fnode **flat = kap_calloc(n + 1, sizeof *flat); // NOLINT(bugprone-sizeof-expression): the elements are pointers
    if (!flat)
        return f->oom = 1, -1;
    size_t m = 0;
    /* kube-apiserver's arguments: command then args, after its binary */
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; lists[k] && i < lists[k]->n; i++) {
            if (start) {
                start--;
                continue;
            }
            flat[m++] = lists[k]->kids[i];
        }
    for (size_t i = 0; i < m; i++) {
        const char *a = scalar(flat[i]);
        if (!a)
            continue;
        if (strcmp(a, "--") == 0)
            break;
        if (strncmp(a, "--", 2) != 0 || !a[2] || a[2] == '-' || a[2] == '=')
            continue;
        farg *g = &p->argv[p->n_args];
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nl = eq ? (size_t)(eq - name) : strlen(name);
        if (nl >= sizeof g->name)
            continue;
        memcpy(g->name, name, nl);
        g->name[nl] = '\0';
        for (char *u = g->name; *u; u++)
            if (*u == '_')
                *u = '-'; /* kube-apiserver's flag names: "_" is "-" (cliflag.WordSepNormalizeFunc) */
        g->node = flat[i];
        if (eq) {
            g->val = eq + 1;
        } else if (manifest_bool_flag(g->name)) {
            g->val = "true";
        } else if (i + 1 < m && scalar(flat[i + 1])) {
            g->value = flat[++i];
            g->val = g->value->value;
        } else if (i + 1 == m) {
            /* set_flag() gives it a value in place; a flag added after it
             * would be taken as its value */
            g->val = "";
            g->bare = 1;
        } else {
            continue;
        }
        p->n_args++;
    }
    kap_free(flat);

    p->mounts = map_get(p->ctr, "volumeMounts");
    p->vols = map_get(p->spec, "volumes");
    if ((p->mounts && p->mounts->kind != FN_SEQ) || (p->vols && p->vols->kind != FN_SEQ)) {
        const fnode *bad = p->mounts && p->mounts->kind != FN_SEQ ? p->mounts : p->vols;
        if (bad->kind == FN_SCALAR && null_scalar(bad))
            cannot(f, "%s is null (line %zu): kubelet reads that as none, but --fix adds to a list; remove the key "
                      "or write [] and run --fix again",
                   bad == p->mounts ? "volumeMounts" : "volumes", line_number(f, bad->start));
        else
            cannot(f, "volumeMounts or volumes is not a list");
        return -1;
    }
    p->m = kap_calloc((p->mounts ? p->mounts->n : 0) + 1, sizeof *p->m);
    p->v = kap_calloc((p->vols ? p->vols->n : 0) + 1, sizeof *p->v);
    if (!p->m || !p->v)
        return f->oom = 1, -1;
    for (size_t i = 0; p->mounts && i < p->mounts->n; i++) {
        const fnode *mn = p->mounts->kids[i];
        const char *name = scalar(map_get(mn, "name")), *path = scalar(map_get(mn, "mountPath"));
        if (!name || !path)
            continue;
        fmount *t = &p->m[p->n_m++];
        t->node = mn;
        t->name = name;
        t->sub_path = scalar(map_get(mn, "subPath"));
        t->sub_path_expr = scalar(map_get(mn, "subPathExpr"));
        kap_buf b = {0};
        clean_path(&b, path, strlen(path));
        if (b.oom || !b.s) {
            buf_free(&b);
            return f->oom = 1, -1;
        }
        snprintf(t->path, sizeof t->path, "%s", b.s);
        buf_free(&b);
        t->read_only = map_get(mn, "readOnly");
    }
    for (size_t i = 0; p->vols && i < p->vols->n; i++) {
        const fnode *vn = p->vols->kids[i];
        const char *name = scalar(map_get(vn, "name"));
        if (!name)
            continue;
        fvol *t = &p->v[p->n_v++];
        t->name = name;
        t->host = scalar(map_get(map_get(vn, "hostPath"), "path"));
        t->type = map_get(map_get(vn, "hostPath"), "type");
        /* as the checker: emptyDir given, or no source (null leaves one
         * unset) */
        size_t sources = 0;
        int empty = 0;
        for (size_t k = 0; k < kap_n_volume_sources; k++) {
            const fnode *src = map_get(vn, kap_volume_sources[k]);
            int set = src && !(src->kind == FN_SCALAR && null_scalar(src));
            sources += (size_t)set;
            if (set && strcmp(kap_volume_sources[k], "emptyDir") == 0)
                empty = 1;
        }
        t->empty_dir = empty || sources == 0;
    }
    return 0;
}

/* A container without a command, whose args go-runner (the image's
 * entrypoint) would read as its own flags, is given command:
 * [kube-apiserver] (an empty command list filled); the flags stay in args.
 * The new key goes where the args key is, args moving to the next line. */
static void add_command(fixer *f, const plan *p)
{
    const fnode *ctr = p->ctr;
    const int json = f->root->flow;
    kap_buf b = {0};
    if (p->cmd) {
        add_edit(f, p->cmd->start, p->cmd->end, json ? "[\"kube-apiserver\"]" : "[kube-apiserver]");
    } else if (ctr->flow) {
        buf_adds(&b, json ? "\"command\": [\"kube-apiserver\"], " : "command: [kube-apiserver], ");
        add_edit_buf(f, ctr->start + 1, ctr->start + 1, &b);
    } else {
        const fnode *key = ctr->kids[0];
        for (size_t i = 0; i + 1 < ctr->n; i += 2)
            if (ctr->kids[i + 1] == p->args)
                key = ctr->kids[i];
        buf_printf(&b, "command: [kube-apiserver]%s", f->nl);
        spaces(&b, column_of(f, key->start));
        add_edit_buf(f, key->start, key->start, &b);
    }
    buf_free(&b);
    note(f, "gave the container command: [kube-apiserver]: without one, its image's entrypoint, go-runner, reads the "
            "flags in args as its own");
}

static const farg *last_arg(const plan *p, const char *name)
{
    const farg *g = NULL;
    for (size_t i = 0; i < p->n_args; i++)
        if (strcmp(p->argv[i].name, name) == 0)
            g = &p->argv[i];
    return g;
}

/* Whether the block sequence item n stands on lines of its own: only "- "
 * (after the indentation) before it, only spaces or a comment from to (its
 * end, or its last scalar's) to the end of that line. */
static int item_alone_to(const fixer *f, const fnode *n, size_t to)
{
    size_t ls = line_start(f, n->start), k = ls;
    while (k < n->start && f->data[k] == ' ')
        k++;
    if (k >= n->start || f->data[k] != '-')
        return 0;
    for (k++; k < n->start; k++)
        if (f->data[k] != ' ')
            return 0;
    size_t le = line_end(f, to);
    for (k = to; k < le && f->data[k] == ' '; k++)
        ;
    return ls > 0 && (k == le || f->data[k] == '#');
}

/* A flag's item (a scalar) alone on its line. */
static int item_alone(const fixer *f, const fnode *n) { return item_alone_to(f, n, n->end); }

/* Removes an extra copy of a flag (and its value item, "--name value") when
 * its items are whole lines of a block sequence: from the end of the line
 * before to the end of its last line, so the next line's break stays and an
 * insertion at either end does not overlap. Returns 0 when it cannot. */
static int remove_arg(fixer *f, const farg *g)
{
    const fnode *last = g->value ? g->value : g->node;
    if (!item_alone(f, g->node) || (g->value && !item_alone(f, g->value)))
        return 0;
    if (g->value && line_start(f, g->value->start) != line_end(f, g->node->end) + 1 +
                                                          (f->data[line_end(f, g->node->end)] == '\r'))
        return 0; /* the value is not on the next line */
    size_t from = line_end(f, line_start(f, line_start(f, g->node->start) - 1));
    add_edit(f, from, line_end(f, last->end), "");
    return 1;
}

/* Removes the extra copies of every flag given more than once (but those
 * that add to a list each time): kube-apiserver uses the last, so the last
 * stays. Copies that are not whole lines keep their place (and get the
 * value set_flag() gives). */
static void remove_duplicates(fixer *f, plan *p)
{
    for (size_t i = 0; i < p->n_args; i++) {
        farg *g = &p->argv[i];
        if (manifest_repeatable_flag(g->name))
            continue;
        size_t j = i + 1;
        while (j < p->n_args && strcmp(p->argv[j].name, g->name) != 0)
            j++;
        if (j < p->n_args && remove_arg(f, g)) {
            g->removed = 1;
            note(f, "--%s: an extra copy removed (line %zu; kube-apiserver used the last)", g->name,
                 line_number(f, g->node->start));
        }
    }
}

/* Gives one copy of a flag another value, in the form it is written in. */
static void set_arg(fixer *f, const farg *g, const char *value)
{
    if (g->value) {
        replace_scalar(f, g->value, value);
    } else {
        kap_buf b = {0};
        buf_printf(&b, "--%s=%s", g->name, value);
        if (b.oom || !buf_cstr(&b))
            f->oom = 1;
        else
            replace_scalar(f, g->node, b.s);
        buf_free(&b);
    }
    note(f, "--%s: '%s' becomes '%s'", g->name, g->val, value);
}

/* The copies remove_duplicates() could not remove (in a flow list, or not
 * alone on their lines) and set_flag() did not set take the value of the
 * last copy, the one kube-apiserver uses: the same flag twice with one value
 * is only a warning. */
static void align_copies(fixer *f, const plan *p)
{
    for (size_t i = 0; i < p->n_args; i++) {
        const farg *g = &p->argv[i];
        if (g->removed || g->touched || manifest_repeatable_flag(g->name))
            continue;
        const farg *last = last_arg(p, g->name);
        if (last != g && strcmp(g->val, last->val) != 0)
            set_arg(f, g, last->val);
    }
}

/* Sets a flag: each copy left gets the value; none: one is added. */
static void set_flag(fixer *f, plan *p, const char *name, const char *value)
{
    int seen = 0;
    for (size_t i = 0; i < p->n_args; i++) {
        farg *g = &p->argv[i];
        if (strcmp(g->name, name) != 0 || g->removed)
            continue;
        seen = 1;
        g->touched = 1;
        if (strcmp(g->val, value) != 0)
            set_arg(f, g, value);
    }
    if (seen)
        return;
    /* add it where the flags are: after the last argument */
    const fnode *seq = p->args && p->args->n ? p->args : p->cmd;
    if (!seq || seq->n == 0) {
        cannot(f, "no list of arguments to add --%s to", name);
        return;
    }
    kap_buf b = {0};
    buf_printf(&b, "--%s=%s", name, value);
    item it = {buf_cstr(&b), NULL, 0};
    if (b.oom || !b.s)
        f->oom = 1;
    else
        seq_append(f, seq, &it);
    buf_free(&b);
    note(f, "--%s=%s added", name, value);
}

/* The columns from a key to its sequence's dash, as the file writes them
 * (containers under spec). */
static size_t seq_indent_of(fixer *f, const plan *p)
{
    const fnode *ctrs = map_get(p->spec, "containers");
    if (!ctrs || ctrs->flow || !ctrs->n || p->spec->flow)
        return 0;
    size_t kcol = column_of(f, p->spec->kids[0]->start);
    size_t ls = line_start(f, ctrs->kids[0]->start);
    size_t k = ctrs->kids[0]->start;
    while (k > ls && f->data[k - 1] != '-')
        k--;
    size_t dash = k > ls ? k - 1 - ls : kcol;
    return dash >= kcol ? dash - kcol : 0;
}

/* Whether a plain scalar is true as kubelet's YAML 1.1 decoder reads it. */
static int yaml11_true(const char *s)
{
    static const char *const yes[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcmp(s, yes[i]) == 0)
            return 1;
    return 0;
}

/* Whether a mount has a recursiveReadOnly other than Disabled, which
 * kubelet takes only on a read-only mount ("may only be specified when
 * readOnly is true"): such a mount is not made writable here, nor left
 * writable. Before Kubernetes 1.30 kubelet does not know the field and
 * drops it (check-manifest's pod-valid alike). */
static int recursive_ro(const fixer *f, const fmount *m)
{
    if (f->kube_minor && f->kube_minor < 30)
        return 0;
    const fnode *r = map_get(m->node, "recursiveReadOnly");
    const char *s = scalar(r);
    return r && !(s && (null_scalar(r) || strcmp(s, "Disabled") == 0));
}

static void cannot_unset_recursive(fixer *f, const fmount *m)
{
    cannot(f, "volumeMount '%s' (%s) must be writable, and its recursiveReadOnly needs it read-only; change it by "
              "hand",
           m->name, m->path);
}

/* A hostPath mount for a container path, read-only or writable. */
static void ensure_mount(fixer *f, plan *p, const char *cpath, const char *host, const char *base, const char *type,
                         int read_only)
{
    const fmount *m = covering(p, cpath);
    const fvol *v = m ? vol_named(p, m->name) : NULL;
    char below[4096]; /* where cpath is on the host through m */
    if (m && m->sub_path_expr && m->sub_path_expr[0]) {
        cannot(f, "volumeMount '%s' mounts %s with a subPathExpr (%s), which kubelet expands on the node; change it "
                  "by hand",
               m->name, cpath, m->sub_path_expr);
        return;
    }
    if (m && v && v->host && !(m->sub_path && strstr(m->sub_path, ".."))) {
        /* (cpath is absolute: past a mount at "/" it loses its leading '/', and the format writes one) */
        size_t ml = strlen(m->path);
        kap_buf raw = {0}, mapped = {0};
        buf_printf(&raw, "%s/%s/%s", v->host, m->sub_path ? m->sub_path : "", cpath + ml);
        if (raw.s)
            clean_path(&mapped, raw.s, raw.len);
        int fits = mapped.s && !mapped.oom && mapped.len < sizeof below;
        if (fits)
            memcpy(below, mapped.s, mapped.len + 1);
        f->oom |= raw.oom | mapped.oom;
        buf_free(&raw);
        buf_free(&mapped);
        if (!fits) {
            cannot(f, "the host path of %s through volumeMount '%s' is too long", cpath, m->name);
            return;
        }
        /* mounted from the host already: only readOnly may need a change */
        const char *ro = scalar(m->read_only);
        /* quoted, "true" is a string: kubelet cannot decode it (manifest-fields) */
        int quoted = ro && m->read_only->style != YAML_PLAIN_SCALAR_STYLE;
        int is_ro = ro && !quoted && yaml11_true(ro);
        /* a read-only mount of a directory above the log's (the
         * certificates', /etc/kubernetes) stays read-only, and the log's
         * directory gets a writable mount of its own over it; so does a
         * directory the host path given must come from */
        int ro_parent = !read_only && ro && yaml11_true(ro) && strcmp(m->path, cpath) != 0;
        /* and a writable mount of a directory above the policy's stays
         * writable (kube-apiserver may write there: its --cert-dir, a
         * token file): the policy gets a read-only mount of its own */
        int rw_parent = read_only && !(ro && yaml11_true(ro)) && strcmp(m->path, cpath) != 0;
        int elsewhere = host && strcmp(host, below) != 0;
        if (elsewhere && strcmp(m->path, cpath) == 0) {
            cannot(f, "volumeMount '%s' mounts %s from %s, and the log is on the host in %s; change it by hand",
                   m->name, cpath, below, host);
            return;
        }
        if (ro_parent || rw_parent || elsewhere) {
            if ((ro_parent || rw_parent) && quoted)
                replace_bool(f, m->read_only, ro_parent);
            if (ro_parent)
                note(f, "volumeMount '%s' (%s) stays read-only: the log's directory %s gets a writable mount of its "
                        "own",
                     m->name, m->path, cpath);
            if (rw_parent)
                note(f, "volumeMount '%s' (%s) stays writable: the policy %s gets a read-only mount of its own",
                     m->name, m->path, cpath);
            if (!host)
                host = below;
            m = NULL; /* add one below */
        } else if (read_only && !is_ro) {
            if (m->read_only)
                replace_bool(f, m->read_only, 1);
            else
                map_add_scalar(f, m->node, "readOnly", "true");
            note(f, "volumeMount '%s' (%s) made read-only", m->name, m->path);
        } else if (!read_only && (is_ro || quoted || recursive_ro(f, m))) {
            /* (writable already, a recursiveReadOnly is refused too) */
            if (recursive_ro(f, m)) {
                cannot_unset_recursive(f, m);
                return;
            }
            replace_bool(f, m->read_only, 0);
            note(f, "volumeMount '%s' (%s) made writable", m->name, m->path);
        }
        /* a log directory kubelet will not create */
        const char *t = scalar(v->type);
        if (m && !read_only && t && strcmp(t, "Directory") == 0 && strcmp(m->path, cpath) == 0) {
            replace_scalar(f, v->type, "DirectoryOrCreate");
            note(f, "volume '%s' gets type DirectoryOrCreate (was Directory)", v->name);
        }
        if (m)
            return;
    }
    if (m && v && !v->host && v->empty_dir && !read_only && !host && strcmp(m->path, cpath) == 0 &&
        !(m->sub_path && (m->sub_path[0] == '/' || strstr(m->sub_path, ".."))) && !mount_below(p, cpath)) {
        const char *ro = scalar(m->read_only);
        int quoted = ro && m->read_only->style != YAML_PLAIN_SCALAR_STYLE;
        /* kube-apiserver writes the log there (a log shipper beside it may
         * read it): a working set-up, a log-mount WARN, left as it is but
         * writable, as a hostPath mount of the log is made; a quoted
         * readOnly is a string kubelet cannot decode (manifest-fields),
         * which the checker reads as not read-only: written as the boolean
         * false */
        if (recursive_ro(f, m)) {
            cannot_unset_recursive(f, m); /* (writable, or to be made so) */
            return;
        }
        if (ro && !quoted && yaml11_true(ro)) {
            replace_bool(f, m->read_only, 0);
            note(f, "volumeMount '%s' (%s) made writable", m->name, m->path);
        } else if (quoted) {
            replace_bool(f, m->read_only, 0);
        }
        note(f, "volumeMount '%s' (%s) stays on the emptyDir volume '%s': the log is written there, not on the "
                "host; make the volume a hostPath by hand to keep it",
             m->name, cpath, v->name);
        return;
    }
    if (!host)
        host = cpath;
    if (m && strcmp(m->path, cpath) == 0) {
        if (v && v->host)
            cannot(f, "volumeMount '%s' mounts %s with a subPath holding '..' (%s); change it by hand", m->name,
                   cpath, m->sub_path);
        else
            cannot(f, "volumeMount '%s' mounts %s from %s; change it by hand", m->name, cpath,
                   v ? "a volume that is not a hostPath" : "a volume the Pod does not have");
        return;
    }
    char name[64];
    free_name(p, base, name, sizeof name);
    if (p->n_add >= 2) {
        cannot(f, "internal error: too many mounts to add");
        return;
    }
    size_t k = p->n_add++;
    snprintf(p->add_m[k].name, sizeof p->add_m[k].name, "%s", name);
    snprintf(p->add_m[k].path, sizeof p->add_m[k].path, "%s", cpath);
    snprintf(p->add_v[k].path, sizeof p->add_v[k].path, "%s", host);
    const char *n2 = p->add_m[k].name, *c2 = p->add_m[k].path, *h2 = p->add_v[k].path;
    const char *ml[] = {"mountPath", c2, "name", n2, "readOnly", "true"};
    memcpy(p->add_m[k].lines, ml, sizeof ml);
    p->add_m[k].n = read_only ? 6 : 4;
    const char *vl[] = {"name", n2, "hostPath", NULL, "path", h2, "type", type};
    memcpy(p->add_v[k].lines, vl, sizeof vl);
    p->add_v[k].n = 8;
    note(f, "volume '%s' (hostPath %s, type %s) mounted at %s%s", name, h2, type, cpath,
         read_only ? ", read-only" : "");
    /* record it so that a second ensure_mount for the same path finds it */
    fmount *nm = kap_realloc(p->m, (p->n_m + 1) * sizeof *nm);
    if (!nm) {
        f->oom = 1;
        return;
    }
    p->m = nm;
    fvol *nv = kap_realloc(p->v, (p->n_v + 1) * sizeof *nv);
    if (!nv) {
        f->oom = 1;
        return;
    }
    p->v = nv;
    memset(&p->m[p->n_m], 0, sizeof p->m[0]);
    snprintf(p->m[p->n_m].path, sizeof p->m[0].path, "%s", cpath);
    p->m[p->n_m].name = p->add_m[k].name;
    p->n_m++;
    memset(&p->v[p->n_v], 0, sizeof p->v[0]);
    p->v[p->n_v].name = p->add_m[k].name;
    p->v[p->n_v].host = p->add_v[k].path;
    p->n_v++;
}

/* A mount's or volume's item (a mapping, block or flow) on lines of its
 * own, up to its last scalar. */
static int item_lines_alone(const fixer *f, const fnode *n) { return item_alone_to(f, n, n->last); }

/* How many volumeMounts of the Pod's containers (init and ephemeral ones
 * too) name volume name. */
static size_t mounts_of_volume(const plan *p, const char *name)
{
    static const char *const lists[] = {"containers", "initContainers", "ephemeralContainers"};
    size_t n = 0;
    for (size_t l = 0; l < 3; l++) {
        const fnode *cs = map_get(p->spec, lists[l]);
        for (size_t i = 0; cs && cs->kind == FN_SEQ && i < cs->n; i++) {
            const fnode *ms = map_get(cs->kids[i], "volumeMounts");
            for (size_t j = 0; ms && ms->kind == FN_SEQ && j < ms->n; j++) {
                const char *mn = scalar(map_get(ms->kids[j], "name"));
                n += mn && strcmp(mn, name) == 0;
            }
        }
    }
    return n;
}

/* The item of spec.volumes that defines v, or NULL. */
static const fnode *volume_node(const plan *p, const fvol *v)
{
    for (size_t i = 0; v && p->vols && i < p->vols->n; i++) {
        const char *name = scalar(map_get(p->vols->kids[i], "name"));
        if (name && strcmp(name, v->name) == 0)
            return p->vols->kids[i];
    }
    return NULL;
}

/* Mount m and its volume v (item vn) leave the plan (their volume's name
 * is free again), their items into gone[] for remove_items() once every
 * other edit is made, with a note saying why. */
static void take_out(fixer *f, plan *p, const fmount *m, const fvol *v, const fnode *vn, const fnode *gone[2],
                     const char *why)
{
    note(f, "volumeMount '%s' (%s, lines %zu-%zu) and volume '%s' (hostPath %s, lines %zu-%zu) removed: %s", m->name,
         m->path, line_number(f, m->node->start), line_number(f, m->node->last), v->name, v->host,
         line_number(f, vn->start), line_number(f, vn->last), why);
    gone[0] = m->node;
    gone[1] = vn;
    size_t mi = (size_t)(m - p->m), vi = (size_t)(v - p->v);
    p->m[mi] = p->m[--p->n_m];
    p->v[vi] = p->v[--p->n_v];
}

/* After the log moved out of the manifests directory: the mount that gave
 * kube-apiserver the old log directory (a writable mount inside the
 * directory kubelet runs static pods from), and its volume, go when
 * nothing else needs them: the mount lies inside the manifests directory,
 * no flag left names a path under it, no other mount of the Pod names its
 * volume, and both are items on lines of their own. Otherwise they stay,
 * and a note says so. keep: the paths the fixed flags name. When they go,
 * they leave the plan (their volume's name is free again) and gone[] gets
 * their nodes, for remove_items() once every other edit is made. */
static int drop_old_log_mount(fixer *f, plan *p, const char *old_dir, const char *md, const char *const keep[2],
                              const fnode *gone[2])
{
    const fmount *m = covering(p, old_dir);
    if (!m || !m->node || !(path_within(m->path, md) || path_within(m->path, "/etc/kubernetes/manifests")))
        return 0;
    const fvol *v = vol_named(p, m->name);
    if (v && v->host && !(path_within(v->host, md) || path_within(v->host, "/etc/kubernetes/manifests")))
        return 0; /* the old log went elsewhere on the host: not the manifests directory's mount */
    const fnode *vn = volume_node(p, v);
    const char *why = NULL;
    for (size_t i = 0; i < 2; i++)
        if (path_within(keep[i], m->path))
            why = "a flag still names a path under it";
    for (size_t i = 0; i < p->n_args && !why; i++) {
        const farg *g = &p->argv[i];
        if (!g->removed && strcmp(g->name, "audit-log-path") != 0 && strcmp(g->name, "audit-policy-file") != 0 &&
            g->val[0] == '/' && path_within(g->val, m->path))
            why = "a flag still names a path under it";
    }
    if (!why && (!v || !vn || !v->host))
        why = "its volume is not a hostPath of the Pod";
    if (!why && mounts_of_volume(p, m->name) != 1)
        why = "another mount uses its volume";
    if (!why && (!item_lines_alone(f, m->node) || !item_lines_alone(f, vn)))
        why = "it is not on lines of its own";
    if (why) {
        note(f, "volumeMount '%s' (%s) stays: %s; remove it by hand if kube-apiserver no longer needs it", m->name,
             m->path, why);
        return 0;
    }
    take_out(f, p, m, v, vn, gone, "the old log directory, inside the manifests directory");
    return 1;
}

static int open_root(const char *root, rootfs *rt, kap_buf *disp);

/* Why the host directory dir cannot be given to kube-apiserver for the
 * log lc (it holds other files than the log's: its name without the
 * extension starts each of the log's and its rotated copies'), in out;
 * 0 when it can (it holds only those, or is not there yet); out->oom set
 * when memory ran out (1). */
static int not_the_logs_own(const char *root, const char *dir, const char *lc, kap_buf *out)
{
    rootfs rt;
    kap_buf disp = {0};
    int err = open_root(root, &rt, &disp); /* (rt.display points into disp) */
    if (err) {
        buf_free(&disp);
        buf_printf(out, "the root cannot be opened (%s)", strerror(err));
        return 1;
    }
    kap_buf other = {0};
    err = log_dir_others(&rt, dir, lc, &other);
    close(rt.fd);
    buf_free(&disp);
    if (err == ENOMEM) /* out of memory, not a directory that cannot be listed */
        out->oom = 1;
    else if (err == EEXIST)
        buf_printf(out, "its host directory %s holds other files (%s): mounting it writable would give "
                        "kube-apiserver those too",
                   dir, other.s ? other.s : "");
    else if (err)
        buf_printf(out, "its host directory %s cannot be listed (%s)", dir, strerror(err));
    out->oom |= other.oom;
    buf_free(&other);
    return out->len > 0 || out->oom;
}

/* The log file mounted by itself (a mount whose path is the log, lc):
 * kube-apiserver cannot rotate it (a mount point is not renamed), so the
 * mount and its hostPath volume go, when nothing else uses the volume,
 * both stand on lines of their own, and the volume's host directory holds
 * nothing but the log's files (not_the_logs_own); *host_dir gets that
 * directory, for the mount that replaces them. Otherwise a reason not to
 * fix (cannot). gone[] and the plan as drop_old_log_mount(). */
static int drop_file_log_mount(fixer *f, plan *p, const char *root, const char *lc, kap_buf *host_dir,
                               const fnode *gone[2])
{
    const fmount *m = NULL;
    for (size_t i = 0; i < p->n_m && !m; i++)
        if (strcmp(p->m[i].path, lc) == 0 && p->m[i].node)
            m = &p->m[i];
    if (!m)
        return 0;
    const fvol *v = vol_named(p, m->name);
    const fnode *vn = volume_node(p, v);
    const char *why = NULL;
    if (!v || !vn || !v->host)
        why = "its volume is not a hostPath of the Pod";
    else if (m->sub_path && m->sub_path[0])
        why = "it has a subPath";
    else if (m->sub_path_expr && m->sub_path_expr[0])
        why = "it has a subPathExpr";
    else if (mounts_of_volume(p, m->name) != 1)
        why = "another mount uses its volume";
    else if (!item_lines_alone(f, m->node) || !item_lines_alone(f, vn))
        why = "it is not on lines of its own";
    kap_buf own = {0};
    if (!why) {
        path_dirname(host_dir, v->host);
        if (host_dir->s && not_the_logs_own(root, host_dir->s, lc, &own))
            why = own.s ? own.s : "out of memory";
    }
    if (why) {
        cannot(f, "the log file %s is mounted by itself (volumeMount '%s'), which kube-apiserver cannot rotate, and %s; "
                  "give the log a directory of its own (--log-path, e.g. %s) or mount one by hand",
               lc, m->name, why, KAP_MANIFEST_DEFAULT_LOG_PATH);
        f->oom |= own.oom;
        buf_free(&own);
        return 0;
    }
    buf_free(&own);
    take_out(f, p, m, v, vn, gone,
             "the log file mounted by itself, which kube-apiserver cannot rotate; its directory is mounted instead");
    return 1;
}

/* Removes block sequence items that stand on lines of their own: from the
 * end of the line before to the end of the last line, as remove_arg(). */
static void remove_items(fixer *f, const fnode *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t from = line_end(f, line_start(f, line_start(f, items[i]->start) - 1));
        add_edit(f, from, line_end(f, items[i]->last), "");
    }
}

/* Writes out the mounts and volumes ensure_mount() decided on. */
static void add_mounts(fixer *f, plan *p)
{
    if (!p->n_add)
        return;
    size_t ind = seq_indent_of(f, p);
    for (int which = 0; which < 2; which++) {
        const fnode *seq = which ? p->vols : p->mounts;
        const fnode *map = which ? p->spec : p->ctr;
        const char *key = which ? "volumes" : "volumeMounts";
        item its[2];
        for (size_t k = 0; k < p->n_add; k++) {
            its[k].scalar = NULL;
            its[k].lines = which ? p->add_v[k].lines : p->add_m[k].lines;
            its[k].n = which ? p->add_v[k].n : p->add_m[k].n;
        }
        if (seq) {
            for (size_t k = 0; k < p->n_add; k++)
                seq_append(f, seq, &its[k]);
        } else {
            map_add_seq(f, map, key, its, p->n_add, ind);
        }
    }
}

static int edit_cmp(const void *x, const void *y)
{
    const struct edit *a = x, *b = y;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The text with the edits made. */
static int apply(fixer *f, kap_buf *out)
{
    if (f->n_edits)
        qsort(f->edits, f->n_edits, sizeof *f->edits, edit_cmp);
    size_t at = 0;
    for (size_t i = 0; i < f->n_edits; i++) {
        const struct edit *e = &f->edits[i];
        if (e->at < at) {
            cannot(f, "two changes overlap (an internal error); nothing written");
            return -1;
        }
        buf_add(out, f->data + at, e->at - at);
        buf_adds(out, e->text);
        at = e->end;
    }
    buf_add(out, f->data + at, f->len - at);
    buf_cstr(out);
    return out->oom ? -1 : 0;
}

/* ---- the public side ---------------------------------------------------------------------- */

struct kap_manifest_fix {
    char *path;       /* the manifest's node path */
    char *root;
    char *original;
    size_t original_len;
    char *result;
    size_t result_len;
    char *error;
    char **notes;
    size_t n_notes;
    char *backup;
    size_t max_file;
    unsigned kube_minor; /* --kube-version, or 0: the image's */
    char *refusal;       /* kap_manifest_fix_refusal's reason */
    int restoring;       /* from kap_manifest_restore_new */
};

void kap_manifest_fix_options_init(kap_manifest_fix_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->version = KAP_MANIFEST_FIX_OPTIONS_VERSION;
    o->log_maxage = o->log_maxbackup = o->log_maxsize = -1;
}

static char *dupz(const char *s) { return s ? kap_strndup(s, strlen(s)) : NULL; }

static int set_fix_error(kap_manifest_fix *x, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_fix_error(kap_manifest_fix *x, int rc, const char *fmt, ...)
{
    char small[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    kap_free(x->error);
    x->error = dupz(small);
    return x->error ? rc : KAP_ENOMEM;
}

/* Opens the root; display set from it. */
static int open_root(const char *root, rootfs *rt, kap_buf *disp)
{
    rt->fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rt->fd < 0)
        return errno;
    size_t rl = strlen(root);
    while (rl > 0 && root[rl - 1] == '/')
        rl--;
    buf_add(disp, root, rl);
    rt->display = buf_cstr(disp) ? disp->s : "";
    return 0;
}

/* YAML also breaks lines at a lone CR and at U+0085, U+2028 and U+2029;
 * the edits find lines by LF, so such a manifest is refused (-1). */
static int odd_break(fixer *f)
{
    size_t line = 1;
    for (size_t i = 0; i < f->len; i++) {
        const unsigned char *d = (const unsigned char *)f->data + i;
        const char *what = NULL;
        if (d[0] == '\n')
            line++;
        else if (d[0] == '\r' && (i + 1 == f->len || d[1] != '\n'))
            what = "a carriage return not followed by a line feed";
        else if (d[0] == 0xC2 && i + 1 < f->len && d[1] == 0x85)
            what = "U+0085 (next line)";
        else if (d[0] == 0xE2 && i + 2 < f->len && d[1] == 0x80 && (d[2] == 0xA8 || d[2] == 0xA9))
            what = d[2] == 0xA8 ? "U+2028 (line separator)" : "U+2029 (paragraph separator)";
        if (what) {
            cannot(f, "line %zu: %s, which YAML reads as a line break; --fix edits manifests whose lines end in LF or CRLF only",
                   line, what);
            return -1;
        }
    }
    return 0;
}

static int fix_text(kap_manifest_fix *x, const kap_manifest_fix_options *fo)
{
    fixer f = {0};
    f.data = x->original;
    f.len = x->original_len;
    f.bom = f.len >= 3 && memcmp(f.data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    f.c_off = f.bom;
    const char *crlf = memchr(f.data, '\n', f.len);
    f.nl = crlf && crlf > f.data && crlf[-1] == '\r' ? "\r\n" : "\n";
    f.kube_minor = x->kube_minor;
    plan p = {0};
    int rc = KAP_OK;
    if (odd_break(&f) || build(&f) || read_plan(&f, &p)) {
        rc = f.oom ? KAP_ENOMEM : KAP_EINVALID;
        goto out;
    }
    const farg *pf = last_arg(&p, "audit-policy-file"), *lf = last_arg(&p, "audit-log-path");
    const char *policy = fo && fo->policy_file ? fo->policy_file
                         : pf && pf->val[0] ? pf->val
                                            : KAP_MANIFEST_DEFAULT_POLICY_FILE;
    const char *log = fo && fo->log_path ? fo->log_path
                      : lf && lf->val[0] ? lf->val
                                         : KAP_MANIFEST_DEFAULT_LOG_PATH;
    /* The manifest's own paths as kube-apiserver is given them: kubelet
     * expands $(NAME) with the container's env in the arguments (never in
     * a mount's mountPath or hostPath), so the mounts are planned from the
     * expansion and the flag stays as written. A path given to the fix is
     * written as it is, and kubelet would expand it too: taken as written,
     * and refused below when it holds a reference. */
    kap_buf pxb = {0}, lxb = {0};
    const char *policy_x = policy, *log_x = log;
    int xrc = KAP_OK;
    if (!(fo && fo->policy_file) && strchr(policy, '$') &&
        (xrc = manifest_expand_arg(x->original, x->original_len, policy, &pxb)) == KAP_OK)
        policy_x = pxb.s;
    if (xrc != KAP_ENOMEM && !(fo && fo->log_path) && strchr(log, '$') &&
        (xrc = manifest_expand_arg(x->original, x->original_len, log, &lxb)) == KAP_OK)
        log_x = lxb.s;
    if (xrc == KAP_ENOMEM) {
        buf_free(&pxb), buf_free(&lxb);
        rc = KAP_ENOMEM;
        goto out;
    }
    /* "-": the log goes to kube-apiserver's standard output (no file, no mount) */
    const int to_stdout = strcmp(log_x, "-") == 0;
    if (policy_x[0] != '/' || (log_x[0] != '/' && !to_stdout)) {
        const char *bad = policy_x[0] != '/' ? policy_x : log_x;
        const char *written = bad == policy_x ? policy : log;
        cannot(&f,
               "%s%s is not an absolute path%s %s%s%s: --fix edits the arguments as they are written, without "
               "workingDir applied; write the path out, or give it to the fix (kap check-manifest --fix "
               "--policy-file, --log-path)",
               bad == policy_x ? "the policy file " : "the log path ", bad,
               bad == policy_x ? "" : " (nor '-', standard output)",
               bad == written ? "as written" : "with its $(NAME) references expanded from the container's env (",
               bad == written ? "" : written, bad == written ? "" : ")");
        buf_free(&pxb), buf_free(&lxb);
        rc = KAP_EARG;
        goto out;
    }
    if (strstr(policy_x, "$(") || strstr(log_x, "$(")) {
        /* kubelet expands $(NAME) in the arguments, never in a mount's
         * mountPath or a hostPath: written there as it stands, the mount
         * would miss the file */
        const char *bad = strstr(policy_x, "$(") ? policy_x : log_x;
        cannot(&f,
               "%s%s holds a $(NAME) reference whose value is not known here (no such name in the container's "
               "env, a value from valueFrom, or a path given to the fix), which kubelet expands in the arguments "
               "but not in a mount's paths: write the path out, or give it to the fix (kap check-manifest --fix "
               "--policy-file, --log-path)",
               bad == policy_x ? "the policy file " : "the log path ", bad);
        buf_free(&pxb), buf_free(&lxb);
        rc = KAP_EARG;
        goto out;
    }
    kap_buf pc = {0}, lc = {0}, ld = {0}, md = {0};
    clean_path(&pc, policy_x, strlen(policy_x));
    if (to_stdout) {
        buf_adds(&lc, "-");
        buf_cstr(&lc);
        buf_adds(&ld, "-");
        buf_cstr(&ld);
    } else {
        clean_path(&lc, log_x, strlen(log_x));
        path_dirname(&ld, lc.s ? lc.s : "/");
    }
    path_dirname(&md, x->path);
    if (!pc.s || !lc.s || !ld.s || !md.s || pc.oom || lc.oom || ld.oom || md.oom) {
        buf_free(&pc), buf_free(&lc), buf_free(&ld), buf_free(&md);
        rc = KAP_ENOMEM;
        goto out;
    }
    kap_buf old_ld = {0};
    const int log_is_dir = !to_stdout && log_path_names_dir(log_x);
    buf_free(&pxb), buf_free(&lxb); /* policy_x and log_x are not used below */
    const int log_in_manifests =
        !to_stdout && (path_within(ld.s, md.s) || path_within(ld.s, "/etc/kubernetes/manifests"));
    if (fo && fo->log_path && (log_is_dir || log_in_manifests)) {
        if (log_is_dir)
            cannot(&f,
                   "the log path %s names a directory: kube-apiserver cannot open it as its log file and refuses "
                   "to start; give --log-path a file's path (default %s)",
                   log, KAP_MANIFEST_DEFAULT_LOG_PATH);
        else
            cannot(&f,
                   "the log path %s is in the manifests directory (%s): kubelet would try to run each log file "
                   "as a static pod; give --log-path a path outside it (default %s)",
                   log, ld.s, KAP_MANIFEST_DEFAULT_LOG_PATH);
        buf_free(&pc), buf_free(&lc), buf_free(&ld), buf_free(&md);
        rc = KAP_EARG;
        goto out;
    }
    if (log_is_dir || log_in_manifests) {
        /* the manifest's own log path is among the static pods, or names
         * a directory (kube-apiserver refuses to start): move it */
        if (log_in_manifests) {
            note(&f, "the log moves out of the manifests directory (%s) to %s", ld.s, KAP_MANIFEST_DEFAULT_LOG_PATH);
            buf_adds(&old_ld, ld.s);
        } else {
            note(&f, "the log path %s names a directory, which kube-apiserver cannot open as its log file: the log "
                     "goes to %s", log, KAP_MANIFEST_DEFAULT_LOG_PATH);
        }
        log = KAP_MANIFEST_DEFAULT_LOG_PATH;
        clean_path(&lc, log, strlen(log));
        path_dirname(&ld, lc.s ? lc.s : "/");
        if (!lc.s || !ld.s || lc.oom || ld.oom || old_ld.oom) {
            buf_free(&pc), buf_free(&lc), buf_free(&ld), buf_free(&md), buf_free(&old_ld);
            rc = KAP_ENOMEM;
            goto out;
        }
    }
    if (!to_stdout && (strcmp(pc.s, lc.s) == 0 || path_within(pc.s, ld.s))) {
        cannot(&f, "the policy %s would sit where the log is written (%s); give --log-path (default %s)", pc.s,
               lc.s, KAP_MANIFEST_DEFAULT_LOG_PATH);
        buf_free(&pc), buf_free(&lc), buf_free(&ld), buf_free(&md), buf_free(&old_ld);
        rc = KAP_EINVALID;
        goto out;
    }
    remove_duplicates(&f, &p);
    name_pod(&f);
    if (p.no_binary)
        add_command(&f, &p);
    set_flag(&f, &p, "audit-policy-file", policy);
    set_flag(&f, &p, "audit-log-path", log);
    static const char *const nums[] = {"audit-log-maxage", "audit-log-maxbackup", "audit-log-maxsize"};
    long long want[3] = {fo ? fo->log_maxage : -1, fo ? fo->log_maxbackup : -1, fo ? fo->log_maxsize : -1};
    static const long long mins[3] = {30, 10, 100};
    for (int i = 0; i < 3; i++) {
        const farg *g = last_arg(&p, nums[i]);
        char num[32];
        if (want[i] >= 0) {
            snprintf(num, sizeof num, "%lld", want[i]);
            set_flag(&f, &p, nums[i], num);
            continue;
        }
        /* the CIS minimum where the value is missing, not a number as
         * kube-apiserver reads one (the check's own parser), or lower; to
         * standard output nothing rotates: only what kube-apiserver refuses */
        long long v = 0;
        if (to_stdout ? g && (parse_go_int(g->val, &v) != 0 || v < 0)
                      : !g || parse_go_int(g->val, &v) != 0 || v < mins[i]) {
            snprintf(num, sizeof num, "%lld", mins[i]);
            set_flag(&f, &p, nums[i], num);
        }
    }
    /* values kube-apiserver refuses, set to its defaults */
    static const char *const enums[][4] = {
        {"audit-log-format", "json", "json", "legacy"},
        {"audit-log-mode", "batch", "blocking", "blocking-strict"},
        {"audit-webhook-mode", "batch", "blocking", "blocking-strict"},
        /* audit.k8s.io/v1 also where an older kube-apiserver knew v1beta1 */
        {"audit-log-version", "audit.k8s.io/v1", "audit.k8s.io/v1", "audit.k8s.io/v1"},
        {"audit-webhook-version", "audit.k8s.io/v1", "audit.k8s.io/v1", "audit.k8s.io/v1"},
    };
    for (size_t i = 0; i < sizeof enums / sizeof enums[0]; i++) {
        const farg *g = last_arg(&p, enums[i][0]);
        if (g && strcmp(g->val, enums[i][1]) != 0 && strcmp(g->val, enums[i][2]) != 0 &&
            strcmp(g->val, enums[i][3]) != 0)
            set_flag(&f, &p, enums[i][0], enums[i][1]);
    }
    /* the truncate sizes kube-apiserver refuses (checked whether truncating
     * is enabled or not): its defaults, the batch at least the event */
    static const char *const tsz[][2] = {
        {"audit-log-truncate-max-event-size", "audit-log-truncate-max-batch-size"},
        {"audit-webhook-truncate-max-event-size", "audit-webhook-truncate-max-batch-size"},
    };
    for (size_t i = 0; i < 2; i++) {
        const farg *e = last_arg(&p, tsz[i][0]), *b = last_arg(&p, tsz[i][1]);
        long long ev = TRUNCATE_EVENT_DEFAULT, bv = TRUNCATE_BATCH_DEFAULT;
        char num[32];
        if (e && (parse_go_int(e->val, &ev) != 0 || ev <= 0)) {
            ev = TRUNCATE_EVENT_DEFAULT;
            set_flag(&f, &p, tsz[i][0], "102400");
        }
        if (b && (parse_go_int(b->val, &bv) != 0 || bv < ev)) {
            snprintf(num, sizeof num, "%lld", ev > TRUNCATE_BATCH_DEFAULT ? ev : TRUNCATE_BATCH_DEFAULT);
            set_flag(&f, &p, tsz[i][1], num);
        } else if (!b && bv < ev) {
            snprintf(num, sizeof num, "%lld", ev);
            set_flag(&f, &p, tsz[i][1], num);
        }
    }
    const farg *z = last_arg(&p, "audit-log-compress");
    if (z) {
        static const char *const bools[] = {"1", "t", "T", "TRUE", "true", "True",
                                            "0", "f", "F", "FALSE", "false", "False"};
        int ok = 0;
        for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
            ok |= strcmp(z->val, bools[i]) == 0;
        if (!ok)
            set_flag(&f, &p, "audit-log-compress", "true");
    }
    align_copies(&f, &p);
    for (size_t i = 0; i < p.n_args; i++)
        if (p.argv[i].bare && !p.argv[i].touched)
            cannot(&f,
                   "--%s (line %zu) has no value (kube-apiserver refuses to start: \"flag needs an argument\"), "
                   "and a flag added after it would be taken as its value: give it a value, or remove it",
                   p.argv[i].name, line_number(&f, p.argv[i].node->start));
    const fnode *gone[2], *gone_file[2];
    const char *keep[2] = {pc.s, lc.s};
    int drop = old_ld.s && drop_old_log_mount(&f, &p, old_ld.s, md.s, keep, gone);
    kap_buf lhd = {0}; /* the host directory of a log file mounted by itself */
    int drop_file = !to_stdout && drop_file_log_mount(&f, &p, x->root, lc.s, &lhd, gone_file);
    /* a mount that holds the log too stays writable (kube-apiserver writes
     * the log there): the log's ensure_mount below is the one it gets */
    const fmount *pm = covering(&p, pc.s);
    const fvol *pv = pm ? vol_named(&p, pm->name) : NULL;
    int shared = pm && pm == covering(&p, ld.s) && pv && pv->host && !(pm->sub_path && strstr(pm->sub_path, ".."));
    if (to_stdout || !shared)
        ensure_mount(&f, &p, pc.s, NULL, "audit-policy", "File", 1);
    if (!to_stdout)
        ensure_mount(&f, &p, ld.s, drop_file ? lhd.s : NULL, "audit-log", "DirectoryOrCreate", 0);
    if (drop) /* after the edits ensure_mount() made at their ends */
        remove_items(&f, gone, 2);
    if (drop_file)
        remove_items(&f, gone_file, 2);
    add_mounts(&f, &p);
    f.oom |= lhd.oom;
    buf_free(&pc), buf_free(&lc), buf_free(&ld), buf_free(&md), buf_free(&old_ld), buf_free(&lhd);
    if (f.oom) {
        rc = KAP_ENOMEM;
        goto out;
    }
    if (f.why.len) {
        rc = KAP_EINVALID;
        goto out;
    }
    kap_buf res = {0};
    if (apply(&f, &res)) {
        rc = f.oom || res.oom ? KAP_ENOMEM : KAP_EINVALID;
        buf_free(&res);
        goto out;
    }
    x->result = res.s;
    x->result_len = res.len;
    x->notes = f.notes;
    x->n_notes = f.n_notes;
    f.notes = NULL;
    f.n_notes = 0;
out:
    if (rc == KAP_EINVALID || rc == KAP_EARG)
        rc = set_fix_error(x, rc, "%s: cannot fix: %s", x->path, f.why.s ? f.why.s : "unknown reason");
    for (size_t i = 0; i < f.n_edits; i++)
        kap_free(f.edits[i].text);
    kap_free(f.edits);
    for (size_t i = 0; i < f.n_notes; i++)
        kap_free(f.notes[i]);
    kap_free(f.notes);
    kap_free(p.argv);
    kap_free(p.m);
    kap_free(p.v);
    buf_free(&f.why);
    free_nodes(&f);
    return rc;
}

/* Reads a node path under the root into *data. */
static int read_under(kap_manifest_fix *x, const char *path, char **data, size_t *len)
{
    rootfs rt;
    kap_buf disp = {0}, res = {0};
    int err = open_root(x->root, &rt, &disp);
    if (err) {
        buf_free(&disp);
        return set_fix_error(x, KAP_EIO, "%s: cannot use as the root: %s", x->root, strerror(err));
    }
    err = root_read(&rt, path, x->max_file, &res, data, len);
    close(rt.fd);
    buf_free(&disp);
    buf_free(&res);
    if (err == ENOMEM)
        return KAP_ENOMEM;
    if (err == EFBIG)
        return set_fix_error(x, KAP_ELIMIT, "%s: cannot read: larger than %zu bytes (max_file_size, kap check-manifest "
                                                  "--max-file-size)", path,
                             x->max_file);
    if (err)
        return set_fix_error(x, KAP_EIO, "%s: cannot read: %s", path,
                             err == EISDIR ? "is a directory" : err == EINVAL ? "not a regular file" : strerror(err));
    return KAP_OK;
}

static int fix_new(kap_manifest_fix **out, const char *path, const kap_manifest_options *opts)
{
    if (!out)
        return KAP_EARG;
    *out = NULL;
    if (opts && opts->version < 1)
        return KAP_EARG;
    if (path && path[0] != '/')
        return KAP_EARG;
    kap_manifest_fix *x = kap_calloc(1, sizeof *x);
    if (!x)
        return KAP_ENOMEM;
    kap_buf b = {0};
    clean_path(&b, path ? path : KAP_MANIFEST_DEFAULT_PATH, strlen(path ? path : KAP_MANIFEST_DEFAULT_PATH));
    x->path = b.oom ? NULL : b.s;
    if (b.oom)
        buf_free(&b);
    x->root = dupz(opts && opts->root && opts->root[0] ? opts->root : "/");
    x->max_file = opts && opts->max_file_size ? opts->max_file_size : KAP_MANIFEST_DEFAULT_MAX_FILE_SIZE;
    x->kube_minor = opts ? opts->kube_minor : 0;
    if (!x->path || !x->root) {
        kap_manifest_fix_free(x);
        return KAP_ENOMEM;
    }
    *out = x;
    return KAP_OK;
}

int kap_manifest_fix_new(kap_manifest_fix **out, const char *path, const kap_manifest_options *opts,
                         const kap_manifest_fix_options *fo)
{
    if (fo && fo->version < 1)
        return KAP_EARG;
    int rc = fix_new(out, path, opts);
    if (rc)
        return rc;
    kap_manifest_fix *x = *out;
    rc = read_under(x, x->path, &x->original, &x->original_len);
    if (rc == KAP_OK) {
        /* what kap check-manifest refuses is not fixed either (libyaml alone
         * reads more than kubelet: a JSON string across lines, say) */
        kap_buf why = {0};
        rc = manifest_readable(x->path, x->original, x->original_len, &why);
        if (rc == KAP_EINVALID || rc == KAP_ELIMIT)
            rc = set_fix_error(x, rc, "%s", why.s);
        buf_free(&why);
    }
    if (rc == KAP_OK)
        rc = fix_text(x, fo);
    if (rc == KAP_ENOMEM) {
        kap_manifest_fix_free(x);
        *out = NULL;
    }
    return rc;
}

int kap_manifest_restore_new(kap_manifest_fix **out, const char *path, const char *backup,
                             const kap_manifest_options *opts)
{
    if (!backup)
        return KAP_EARG;
    int rc = fix_new(out, path, opts);
    if (rc)
        return rc;
    kap_manifest_fix *x = *out;
    x->restoring = 1;
    rc = read_under(x, x->path, &x->original, &x->original_len);
    if (rc == KAP_OK) {
        kap_buf b = {0};
        clean_path(&b, backup, strlen(backup));
        rc = b.s ? read_under(x, b.s, &x->result, &x->result_len) : KAP_ENOMEM;
        if (rc == KAP_OK) {
            /* what is put back must be a manifest kubelet runs as
             * kube-apiserver: not a file named by mistake, cut short, or
             * of another pod */
            kap_buf why = {0};
            rc = manifest_apiserver_pod(b.s, x->result, x->result_len, &why);
            if (rc == KAP_EINVALID || rc == KAP_ELIMIT)
                rc = set_fix_error(x, rc, "cannot restore: %s", why.s);
            buf_free(&why);
            if (rc != KAP_OK) {
                /* nothing for kap_manifest_fix_write() to write */
                kap_free(x->result);
                x->result = NULL;
                x->result_len = 0;
            }
        }
        buf_free(&b);
        if (rc == KAP_OK) {
            x->notes = kap_calloc(1, sizeof *x->notes);
            char small[4200];
            snprintf(small, sizeof small, "restored from %s", backup);
            if (!x->notes || !(x->notes[0] = dupz(small)))
                rc = KAP_ENOMEM;
            else
                x->n_notes = 1;
        }
    }
    if (rc == KAP_ENOMEM) {
        kap_manifest_fix_free(x);
        *out = NULL;
    }
    return rc;
}

const char *kap_manifest_fix_error(const kap_manifest_fix *x) { return x ? x->error : NULL; }

const char *kap_manifest_fix_original(const kap_manifest_fix *x, size_t *len)
{
    if (len)
        *len = x ? x->original_len : 0;
    return x ? x->original : NULL;
}

const char *kap_manifest_fix_result(const kap_manifest_fix *x, size_t *len)
{
    if (len)
        *len = x && x->result ? x->result_len : 0;
    return x ? x->result : NULL;
}

int kap_manifest_fix_changed(const kap_manifest_fix *x)
{
    return x && x->result &&
           (x->result_len != x->original_len || memcmp(x->result, x->original, x->result_len) != 0);
}

size_t kap_manifest_fix_count(const kap_manifest_fix *x) { return x ? x->n_notes : 0; }

const char *kap_manifest_fix_change(const kap_manifest_fix *x, size_t i)
{
    return x && i < x->n_notes ? x->notes[i] : NULL;
}

const char *kap_manifest_fix_backup(const kap_manifest_fix *x) { return x ? x->backup : NULL; }

void kap_manifest_fix_free(kap_manifest_fix *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->n_notes; i++)
        kap_free(x->notes[i]);
    kap_free(x->notes);
    kap_free(x->path);
    kap_free(x->root);
    kap_free(x->original);
    kap_free(x->result);
    kap_free(x->error);
    kap_free(x->backup);
    kap_free(x->refusal);
    kap_free(x);
}

/* ---- whether to write: the result checked as it will run ------------------------------------- */

/* A failing check of what --fix is about (the policy missing or not
 * loading, the manifest's own fields), or NULL. */
static const kap_manifest_check *fails_its_purpose(const kap_manifest_report *r)
{
    for (size_t i = 0; i < kap_manifest_report_count(r); i++) {
        const kap_manifest_check *c = kap_manifest_report_get(r, i);
        if (c->status == KAP_MANIFEST_FAIL &&
            (strcmp(c->id, "policy-loads") == 0 || strcmp(c->id, "policy-file") == 0 ||
             strncmp(c->id, "manifest-", 9) == 0))
            return c;
    }
    return NULL;
}

/* A check that fails on the result (after) and not on the manifest as it
 * is (before), or NULL. */
static const kap_manifest_check *fails_anew(const kap_manifest_report *after, const kap_manifest_report *before)
{
    for (size_t i = 0; i < kap_manifest_report_count(after); i++) {
        const kap_manifest_check *c = kap_manifest_report_get(after, i);
        if (c->status != KAP_MANIFEST_FAIL)
            continue;
        int failed_before = 0;
        for (size_t j = 0; j < kap_manifest_report_count(before) && !failed_before; j++) {
            const kap_manifest_check *b = kap_manifest_report_get(before, j);
            failed_before = b->status == KAP_MANIFEST_FAIL && strcmp(b->id, c->id) == 0;
        }
        if (!failed_before)
            return c;
    }
    return NULL;
}

int kap_manifest_fix_refusal(kap_manifest_fix *x, const kap_manifest_options *opts, const char **why)
{
    if (!x || !why)
        return KAP_EARG;
    *why = NULL;
    kap_free(x->refusal);
    x->refusal = NULL;
    if (x->restoring || !kap_manifest_fix_changed(x))
        return KAP_OK;
    kap_manifest_report *after = NULL, *before = NULL;
    int rc = kap_manifest_check_buffer(&after, x->path, x->result, x->result_len, opts);
    kap_buf b = {0};
    if (!after)
        return rc; /* KAP_ENOMEM; KAP_EARG: opts of no version */
    if (rc != KAP_OK) {
        buf_printf(&b, "%s", kap_manifest_report_error(after));
    } else {
        const kap_manifest_check *c = fails_its_purpose(after);
        if (c)
            buf_printf(&b, "%s", c->message);
        else {
            rc = kap_manifest_check_buffer(&before, x->path, x->original, x->original_len, opts);
            if (rc == KAP_ENOMEM) {
                kap_manifest_report_free(after);
                return rc;
            }
            if (rc == KAP_OK && (c = fails_anew(after, before)) != NULL)
                buf_printf(&b, "the fixed manifest fails %s, which the manifest as it is does not: %s", c->id,
                        c->message);
        }
    }
    kap_manifest_report_free(after);
    kap_manifest_report_free(before);
    if (b.oom || (b.len && !buf_cstr(&b))) {
        buf_free(&b);
        return KAP_ENOMEM;
    }
    x->refusal = b.s; /* NULL: nothing refused */
    *why = x->refusal;
    return KAP_OK;
}

/* ---- writing, whole or not at all -------------------------------------------------------------- */

/* mkdir -p of a node path under the root; the resolved path in res. */
static int mkdirs_under(const rootfs *rt, const char *path, kap_buf *res)
{
    int err = root_resolve(rt, path, res);
    if (err != ENOENT) /* there (0), or not to be made */
        return err;
    /* create each missing component, from the top */
    kap_buf part = {0}, pres = {0};
    const char *p = res->s;
    int rc = 0;
    while (*p && !rc) {
        const char *slash = strchr(p + 1, '/');
        size_t n = slash ? (size_t)(slash - res->s) : strlen(res->s);
        part.len = 0;
        buf_add(&part, res->s, n);
        if (!buf_cstr(&part)) {
            rc = ENOMEM;
            break;
        }
        int e = root_resolve(rt, part.s, &pres);
        if (e == ENOENT) {
            kap_buf parent = {0};
            path_dirname(&parent, pres.s);
            if (!parent.s) {
                rc = ENOMEM;
            } else {
                int dfd = open_beneath(rt, parent.s, O_PATH | O_DIRECTORY);
                const char *base = strrchr(pres.s, '/') + 1;
                if (dfd < 0 ||
                    ((FAIL_STEP(4) ? (errno = EROFS, -1) : mkdirat(dfd, base, 0700)) != 0 && errno != EEXIST))
                    rc = errno ? errno : EIO;
                if (dfd >= 0)
                    close(dfd);
            }
            buf_free(&parent);
        } else if (e) {
            rc = e;
        }
        p = slash ? slash : p + strlen(p);
    }
    buf_free(&part);
    buf_free(&pres);
    return rc ? rc : root_resolve(rt, path, res);
}

/* Writes data to a new file dirfd/name (O_EXCL), fsync'd, with the mode,
 * owner and group of like (the mode whatever the umask; the owner and
 * group where this process may give them: as root). */
static int write_new(int dirfd, const char *name, const char *data, size_t len, const struct stat *like, int hooked)
{
    mode_t mode = like->st_mode & 07777;
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return errno;
    int err = 0;
    /* the owner first: a chown clears the set-id bits the mode then sets;
     * where this process may not give the owner (not root, an owner not
     * mapped in its user namespace), the file stays the writer's */
    if (fchown(fd, like->st_uid, like->st_gid) != 0) {
        /* not permitted here: the writer's owner and group stay */
    }
    if (fchmod(fd, mode) != 0)
        err = errno;
    size_t done = 0;
    while (done < len && !err) {
        ssize_t m = hooked && FAIL_STEP(1) ? (errno = ENOSPC, -1) : write(fd, data + done, len - done);
        if (m < 0 && errno != EINTR)
            err = errno;
        else if (m > 0)
            done += (size_t)m;
    }
    if (!err && (hooked && FAIL_STEP(2) ? (errno = EIO, -1) : fsync(fd)) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (err)
        unlinkat(dirfd, name, 0);
    return err;
}

/* A name for a new file in a directory: prefix + UTC time [+ .N]. */
static int unused_name(int dirfd, const char *prefix, char *out, size_t n)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    for (int k = 0; k < 1000; k++) {
        if (k)
            snprintf(out, n, "%s.%s.%d", prefix, stamp, k);
        else
            snprintf(out, n, "%s.%s", prefix, stamp);
        struct stat st;
        if (fstatat(dirfd, out, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
            return 0;
    }
    return EEXIST;
}

int kap_manifest_fix_write(kap_manifest_fix *x, const char *backup_dir)
{
    if (!x || !x->result)
        return KAP_EARG;
    rootfs rt = {-1, ""};
    kap_buf disp = {0}, mres = {0}, mdir = {0}, bres = {0}, kdir = {0}, kres = {0};
    int mfd = -1, bfd = -1, rc = KAP_OK, err;
    char tmpname[300], bname[300];
    char *now = NULL;
    size_t now_len = 0;
    if ((err = open_root(x->root, &rt, &disp)) != 0) {
        rc = set_fix_error(x, KAP_EIO, "%s: cannot use as the root: %s", x->root, strerror(err));
        goto out;
    }
    /* the manifest is still what was read */
    err = root_read(&rt, x->path, x->max_file, &mres, &now, &now_len);
    if (err || now_len != x->original_len || memcmp(now, x->original, now_len) != 0) {
        rc = set_fix_error(x, err == ENOMEM ? KAP_ENOMEM : KAP_EIO, "%s: %s; nothing written", x->path,
                           err ? strerror(err) : "changed since it was read");
        goto out;
    }
    struct stat mst;
    path_dirname(&mdir, mres.s);
    if (!mdir.s) {
        rc = set_fix_error(x, KAP_ENOMEM, "%s: %s; nothing written", x->path, strerror(ENOMEM));
        goto out;
    }
    mfd = open_beneath(&rt, mdir.s, O_PATH | O_DIRECTORY);
    if (mfd < 0 || fstatat(mfd, strrchr(mres.s, '/') + 1, &mst, AT_SYMLINK_NOFOLLOW) != 0) {
        rc = set_fix_error(x, KAP_EIO, "%s: %s; nothing written", x->path, strerror(errno));
        goto out;
    }
    const char *base = strrchr(mres.s, '/') + 1;
    /* the backup directory, outside the manifests directory (the one
     * kubelet reads: the manifest's own, where a symlinked manifest's
     * target may lie elsewhere), refused before any of it is made */
    const char *bd = backup_dir && backup_dir[0] ? backup_dir : KAP_MANIFEST_DEFAULT_BACKUP_DIR;
    path_dirname(&kdir, x->path);
    err = kdir.s ? root_resolve(&rt, kdir.s, &kres) : ENOMEM;
    if (!err && !kres.oom) {
        err = root_resolve(&rt, bd, &bres);
        err = bres.oom ? ENOMEM : err == ENOENT ? 0 : err;
    }
    if (err == ENOMEM || kres.oom) {
        rc = set_fix_error(x, KAP_ENOMEM, "%s: %s; nothing written", x->path, strerror(ENOMEM));
        goto out;
    }
    if (!err && path_within(bres.s, kres.s)) {
        rc = set_fix_error(x, KAP_EARG,
                           "the backup directory %s is inside the manifests directory %s, where kubelet would run "
                           "the backup as a pod; nothing written",
                           bres.s, kres.s);
        goto out;
    }
    if ((err = mkdirs_under(&rt, bd, &bres)) != 0) {
        rc = set_fix_error(x, err == ENOMEM ? KAP_ENOMEM : KAP_EIO, "backup directory %s: %s; nothing written", bd,
                           strerror(err));
        goto out;
    }
    bfd = open_beneath(&rt, bres.s, O_PATH | O_DIRECTORY);
    if (bfd < 0) {
        rc = set_fix_error(x, KAP_EIO, "backup directory %s: %s; nothing written", bres.s, strerror(errno));
        goto out;
    }
    /* 1. the backup, its node path named first (no backup left unnamed) */
    {
        kap_buf b = {0};
        if ((err = unused_name(bfd, base, bname, sizeof bname)) == 0) {
            buf_printf(&b, "%s/%s", strcmp(bres.s, "/") == 0 ? "" : bres.s, bname);
            err = b.s ? write_new(bfd, bname, x->original, x->original_len, &mst, 0) : ENOMEM;
        }
        if (err) {
            buf_free(&b);
            rc = set_fix_error(x, err == ENOMEM ? KAP_ENOMEM : KAP_EIO, "backup in %s: %s; nothing written", bres.s,
                               strerror(err));
            goto out;
        }
        kap_free(x->backup);
        x->backup = b.s;
    }
    /* 2. the new text in a temporary file on the manifest's file system,
     * outside the manifests directory when the backup directory is on it */
    struct stat bst;
    int tdir = mfd;
    snprintf(tmpname, sizeof tmpname, ".%s.kap-new.%ld", base, (long)getpid());
    if (!FAIL_STEP(5) && fstat(bfd, &bst) == 0 && bst.st_dev == mst.st_dev) {
        tdir = bfd;
        snprintf(tmpname, sizeof tmpname, "%s.kap-new.%ld", base, (long)getpid());
    }
    for (;;) {
        NOTE_TMP(tmpname, tdir == bfd);
        unlinkat(tdir, tmpname, 0);
        if ((err = write_new(tdir, tmpname, x->result, x->result_len, &mst, 1)) != 0) {
            rc = set_fix_error(x, KAP_EIO, "writing the new manifest: %s; %s left as it was", strerror(err),
                               x->path);
            goto out;
        }
        /* 3. one rename: kubelet sees the old file or the new, never a part */
        if ((FAIL_STEP(3)                   ? (errno = EROFS, -1)
             : tdir == bfd && FAIL_STEP(6) ? (errno = EXDEV, -1)
                                           : renameat(tdir, tmpname, mfd, base)) == 0)
            break;
        err = errno;
        unlinkat(tdir, tmpname, 0);
        if (err == EXDEV && tdir == bfd) {
            /* the backup directory on another mount of the manifest's file
             * system (a bind mount): the dot-file beside the manifest */
            tdir = mfd;
            snprintf(tmpname, sizeof tmpname, ".%s.kap-new.%ld", base, (long)getpid());
            continue;
        }
        rc = set_fix_error(x, KAP_EIO, "replacing %s: %s; it is left as it was", x->path, strerror(err));
        goto out;
    }
    {
        int dfd = openat(mfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
out:
    /* a backup made before an error stays: it is the original, and harmless */
    kap_free(now);
    if (mfd >= 0)
        close(mfd);
    if (bfd >= 0)
        close(bfd);
    if (rt.fd >= 0)
        close(rt.fd);
    buf_free(&disp);
    buf_free(&mres);
    buf_free(&mdir);
    buf_free(&bres);
    buf_free(&kdir);
    buf_free(&kres);
    return rc;
}
