/* Internal declarations shared by the stages of libkap.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_INTERNAL_H
#define KAP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer.h"
#include "kap.h"

#define KAP_HIDDEN __attribute__((visibility("hidden")))

/* Hot-path helpers are forced inline (the matcher's entry points each get
 * their own copy, specialised on constant arguments). The coverage build
 * (KAP_COVERAGE) keeps one out-of-line copy instead, so that gcov counts each
 * source branch once rather than once per inlined copy. */
#ifdef KAP_COVERAGE_BUILD
#define KAP_HOT_INLINE static __attribute__((noinline))
#else
#define KAP_HOT_INLINE static inline __attribute__((always_inline))
#endif

/* ---- Allocation ---------------------------------------------------------
 * Every allocation goes through these so a test can make the Nth one fail. */
KAP_HIDDEN void *kap_malloc(size_t n);
KAP_HIDDEN void *kap_calloc(size_t n, size_t size);
KAP_HIDDEN void *kap_realloc(void *p, size_t n);
KAP_HIDDEN void kap_free(void *p);
KAP_HIDDEN char *kap_strndup(const char *s, size_t n);
/* Makes room for need elements of elem bytes in the array whose address is
 * pp (a T ** passed as void *), *cap of them allocated: the capacity doubles,
 * starting at first. Returns 0, or -1 (array and *cap untouched) when out of
 * memory or when the size would overflow. */
KAP_HIDDEN int kap_grow(void *pp, size_t *cap, size_t need, size_t elem, size_t first);

/* A region freed all at once; used for everything a load builds and drops. */
typedef struct kap_arena_block kap_arena_block;
typedef struct kap_arena {
    kap_arena_block *head;
    size_t used, cap;
    /* 0: blocks of 64 KiB; else each block twice the last, up to this
     * (big blocks are mappings of their own, unmapped when freed; blocks
     * of nearly 2 MiB are in huge pages: util.c, Pages) */
    size_t max_block;
    size_t nblocks; /* from the fifth on, a block is prefaulted */
} kap_arena;
/* max_block for an arena whose blocks grow into huge pages (util.c maps
 * a block of HUGE_PAGE - 4096 bytes or more in huge pages: a block header
 * and this fit one) */
#define KAP_ARENA_HUGE (((size_t)2 << 20) - 64)
/* Faults in the pages within [p, p + n) at once (n of 64 KiB or more), for
 * memory about to be written whole or all over (util.c, Pages). */
KAP_HIDDEN void kap_prefault(void *p, size_t n);
KAP_HIDDEN void *arena_alloc(kap_arena *a, size_t n); /* zeroed, 16-aligned; NULL on failure */
/* Not zeroed, 8-aligned: for what the caller fills whole. */
KAP_HIDDEN void *arena_alloc_raw(kap_arena *a, size_t n);
KAP_HIDDEN char *arena_strndup(kap_arena *a, const char *s, size_t n);
KAP_HIDDEN void arena_free(kap_arena *a);
/* Keeps one block for reuse, drops the rest. */
KAP_HIDDEN void arena_reset(kap_arena *a);
/* Moves from's blocks into to: what was allocated in from is freed with to.
 * from is left empty. */
KAP_HIDDEN void arena_merge(kap_arena *to, kap_arena *from);

/* A growable byte string. On allocation failure it sets oom and stops. */
typedef struct kap_buf {
    char *s;
    size_t len, cap;
    int oom;
} kap_buf;
KAP_HIDDEN void buf_add(kap_buf *b, const char *s, size_t n);
KAP_HIDDEN void buf_adds(kap_buf *b, const char *s);
KAP_HIDDEN void buf_addc(kap_buf *b, char c);
KAP_HIDDEN void buf_printf(kap_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
KAP_HIDDEN void buf_free(kap_buf *b);
/* The contents as a NUL-terminated string (never NULL unless oom). */
KAP_HIDDEN const char *buf_cstr(kap_buf *b);

/* ---- Releases ------------------------------------------------------------
 * What changed between kube-apiserver 1.24 and 1.36 (release.c holds the
 * table of which release has what). */
typedef enum kap_change {
    KC_OBJECTMETA_CLUSTERNAME,          /* ObjectMeta.clusterName is a field */
    KC_LENIENT_FALLBACK,                /* strict decoding, lenient fallback, its warning */
    KC_LISTOPTIONS_SEND_INITIAL_EVENTS, /* ListOptions.sendInitialEvents is a field */
    KC_GO_UNICODE_15,                   /* Go's printable runes from Unicode 15.0 */
    KC_GO_JSON_SHORT_ESCAPES,           /* encoding/json writes \b and \f */
    KC_YAML_MAPKEY_LOWERCASE,           /* "unsupported map key", not "Unsupported" */
    KC_DELETEOPTIONS_IGNORE_READ_ERROR, /* DeleteOptions.ignoreStoreReadError... is a field */
    KC_FIELD_VALUE_JSON,                /* rejected non-string values printed as JSON, not %#v */
    KC_GROUP_WILDCARD,                  /* group "*" is every group */
    KC_LISTMETA_SHARDINFO               /* ListMeta.shardInfo is a field */
} kap_change;

/* The set of changes (bit 1 << kap_change) a release has. */
KAP_HIDDEN uint32_t release_changes(unsigned int kube_minor);
/* The GOFMT_* flags of the Go release a set of changes implies. */
KAP_HIDDEN unsigned int release_gofmt(uint32_t changes);

/* ---- Go's printing, as kube-apiserver's messages use it ------------------
 * flags (0: the newest Go) say which Go release printed the text. */
#define GOFMT_UNICODE13 1u         /* printable runes from Unicode 13.0 (Go 1.16-1.20), not 15.0 */
#define GOFMT_JSON_LONG_ESCAPES 2u /* encoding/json writes \u0008 and \u000c (Go before 1.22) */

KAP_HIDDEN void go_quote(kap_buf *b, const char *s, size_t n);   /* strconv.Quote / %q */
KAP_HIDDEN void go_quote_as(kap_buf *b, const char *s, size_t n, unsigned int flags);
KAP_HIDDEN void json_quote(kap_buf *b, const char *s, size_t n); /* encoding/json string */
KAP_HIDDEN void json_quote_as(kap_buf *b, const char *s, size_t n, unsigned int flags);
KAP_HIDDEN void go_quote_char(kap_buf *b, unsigned char c);      /* json's quoteChar */
KAP_HIDDEN void go_format_float(kap_buf *b, double v);           /* encoding/json float64 */
/* strconv.FormatFloat(v, 'g', -1, bits) for bits 32 or 64: shortest digits
 * that read back as the value, exponent form below 1e-4 and from 1e6 ("1e+06");
 * "NaN", "+Inf", "-Inf". fmt's %v and %#v of a float64 print the same. */
KAP_HIDDEN void go_format_float_g(kap_buf *b, double v, int bits);
/* Go's strconv.IsPrint for one rune, under flags' Unicode version. */
KAP_HIDDEN int go_is_print(int32_t r, unsigned int flags);
/* One rune as Go's utf8.DecodeRune reads it: the code point and its
 * length in *size, or -1 with *size 1 for a byte that does not start valid
 * UTF-8. n must be at least 1. */
KAP_HIDDEN int32_t utf8_decode(const unsigned char *s, size_t n, size_t *size);

/* ---- JSON-shaped values ------------------------------------------------- */

typedef enum { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT } jv_kind;

typedef struct jv jv;
typedef struct jv_gomap jv_gomap;
typedef struct jv_member {
    const char *key;
    size_t klen;
    unsigned int line, col; /* of the key */
    jv *val;
    const jv *okey; /* a YAML key that was not a string: the key as go-yaml typed it; else NULL */
} jv_member;

struct jv_gomap {
    size_t n;
    jv_member m[];
};

/* JV_NUMBER's b for values from YAML: the Go type go-yaml gave the number. */
enum { JV_NUM_INT = 0, JV_NUM_FLOAT = 1, JV_NUM_UINT64 = 2 };

struct jv {
    jv_kind kind;
    unsigned int line, col; /* 1-based; 0 when unknown */
    int b;                  /* JV_BOOL; JV_NUMBER: JV_NUM_* */
    /* (one of each pair, by kind: a load holds hundreds of thousands) */
    union {
        const char *s;      /* JV_STRING: bytes; JV_NUMBER: literal text */
        jv **items;         /* JV_ARRAY */
        jv_member *members; /* JV_OBJECT, in document order (JSON) or sorted (YAML) */
    };
    union {
        size_t len; /* JV_STRING, JV_NUMBER */
        size_t n;   /* JV_ARRAY, JV_OBJECT */
    };
    /* JV_OBJECT from YAML whose keys became equal JSON keys (1 and "1",
     * two NaNs): every entry of the Go map; else NULL (rare: kept apart so
     * that a value takes 40 bytes) */
    const jv_gomap *gomap;
};

KAP_HIDDEN const char *jv_kind_go_name(jv_kind k); /* "string", "number", "bool", "array", "object", "null" */

/* ---- Diagnostics (internal side) --------------------------------------- */

struct kap_diagnostics {
    kap_diagnostic *items;
    size_t n, cap;
    char *error_text;   /* kube-apiserver's error, or NULL */
    char *warning_text; /* the lenient-decoding warning, or NULL */
    char *source;
    int oom;
};

KAP_HIDDEN kap_diagnostics *diags_new(const char *source);
KAP_HIDDEN void diags_add(kap_diagnostics *d, kap_severity sev, const char *field,
                          const char *message, unsigned int line, unsigned int col);

/* ---- Decoding ------------------------------------------------------------ */

/* Limits and switches in force for one load. */
typedef struct kap_limits {
    unsigned int kube_minor;
    uint32_t changes;   /* release_changes(kube_minor) */
    unsigned int gofmt; /* release_gofmt(changes) */
    size_t max_file_size, max_depth, max_alias_nodes, max_rules, max_string_length;
} kap_limits;

/* Whether the release being followed has a change. */
static inline int release_has(const kap_limits *lim, kap_change c) { return (int)((lim->changes >> c) & 1u); }

/* What a reader hands back on failure: the message without "failed
 * decoding: " and where it happened. */
typedef struct kap_fail {
    int status; /* KAP_EINVALID, KAP_ENOMEM or KAP_ELIMIT */
    kap_buf msg;
    unsigned int line, col;
} kap_fail;

/* YAML (first document) to a JSON-shaped value, as sigs.k8s.io/yaml does.
 * *out may be NULL for an empty document (JSON null). strict_errs receives
 * go-yaml's strict message ("yaml: unmarshal errors:\n  line N: ...") or stays
 * empty. Returns KAP_OK or fills *fail. */
KAP_HIDDEN int yaml_to_jv(kap_arena *a, const char *data, size_t len, const kap_limits *lim,
                          jv **out, kap_buf *strict_errs, kap_fail *fail);

/* The same with the values in a (dropped once they are read) and the
 * strings they hold in strs (kept). */
KAP_HIDDEN int yaml_to_jv_split(kap_arena *a, kap_arena *strs, const char *data, size_t len,
                                const kap_limits *lim, jv **out, kap_buf *strict_errs, kap_fail *fail);

/* The same, handing each element of the top-level mapping's "rules"
 * sequence to sink as soon as it is whole (index: its place in the list),
 * then dropping its values: a large policy's rules never exist as values
 * all at once. The "rules" sequence itself is then an array of n items
 * whose items are NULL, *streamed. Where the document needs its values
 * whole (a second "rules" key, NaN or infinity anywhere, an anchor, an
 * alias or a merge key) it is read again without the sink, *streamed NULL,
 * and what the sink was given is not the document's. */
typedef int (*yaml_rule_sink)(void *ctx, const jv *elem, size_t index);
KAP_HIDDEN int yaml_to_jv_rules(kap_arena *a, kap_arena *strs, const char *data, size_t len,
                                const kap_limits *lim, jv **out, kap_buf *strict_errs, kap_fail *fail,
                                yaml_rule_sink sink, void *ctx, const jv **streamed);

/* Parses JSON text as Go's encoding/json would accept it. On a syntax error
 * fills fail->msg with Go's SyntaxError text. */
KAP_HIDDEN int json_to_jv(kap_arena *a, const char *data, size_t len, const kap_limits *lim,
                          jv **out, kap_fail *fail);
/* The same with the values in a and the unescaped strings in strs (strings
 * without escapes point into data). */
KAP_HIDDEN int json_to_jv_split(kap_arena *a, kap_arena *strs, const char *data, size_t len,
                                const kap_limits *lim, jv **out, kap_fail *fail);

/* ---- The decoded policy (the typed form, positions kept) ----------------- */

typedef struct kstr {
    const char *s;
    size_t len;
    unsigned int line, col;
} kstr;

typedef struct kstrlist {
    kstr *v;
    size_t n;
    unsigned int line, col; /* of the list node */
} kstrlist;

typedef struct kgr {
    kstr group;
    kstrlist resources, names;
    unsigned int line, col;
} kgr;

typedef struct krule {
    kstr level;
    kstrlist users, groups, verbs, namespaces, urls, stages;
    kgr *res;
    size_t nres;
    unsigned int res_line, res_col;
    int omf; /* -1 unset, 0 false, 1 true */
    unsigned int omf_line, omf_col;
    unsigned int line, col;
} krule;

typedef struct kdoc {
    krule *rules;
    size_t nrules;
    unsigned int rules_line, rules_col;
    kstrlist stages;
    int omf;
    int borrows_input; /* strings point into the input's bytes (JSON): keep them */
} kdoc;

/* More of Go's printing, for the values above. */
/* fmt's %#v (and %+#v) of a value decoded from YAML into interface{}:
 * "x" as "\"x\"", []interface {}{...}, map[interface {}]interface {}{...}
 * with fmt's key order, 0x... for uint64, <nil> (interface {}(nil) inside). */
KAP_HIDDEN void go_sharpv_value(kap_buf *b, const jv *v, unsigned int flags);
/* fmt's %#v of a []string: []string{"a", "b"}. */
KAP_HIDDEN void go_sharpv_strlist(kap_buf *b, const kstrlist *l, unsigned int flags);
/* encoding/json's text for a []string: ["a","b"]. */
KAP_HIDDEN void json_strlist(kap_buf *b, const kstrlist *l, unsigned int flags);

/* Runs the decoding steps of semantics.md section 2 on the file's bytes.
 * On success *doc is filled (in a; the strings its values hold in strs,
 * which may be a) and warnings are in diags. On failure, the error text
 * goes to diags and a status is returned. */
KAP_HIDDEN int decode_policy(kap_arena *a, kap_arena *strs, const char *data, size_t len,
                             const kap_limits *lim, kdoc *doc, kap_diagnostics *diags);

/* The file's values as step 1 reads them (JSON or YAML), in a, for what the
 * typed decode leaves out (the values of unknown keys). Returns KAP_OK,
 * KAP_ENOMEM, or the reader's status when the text does not parse. */
KAP_HIDDEN int policy_values(kap_arena *a, const char *data, size_t len, const kap_limits *lim, jv **root);

/* Section 3: validation. Returns KAP_OK or KAP_EINVALID (errors in diags). */
KAP_HIDDEN int validate_policy(const kdoc *doc, const kap_limits *lim, kap_diagnostics *diags);

/* ---- Loading, for stages that need more than the compiled policy -------- */

/* kap_options to the limits and release texts of one load; KAP_OK or KAP_EARG. */
KAP_HIDDEN int limits_for(const kap_options *o, kap_limits *l);
/* Reads a policy file whole, with kube-apiserver's read errors (and the
 * max_file_size limit) in d. *data (kap_free) is NULL for an empty file. */
KAP_HIDDEN int policy_read_file(const char *path, const kap_limits *lim, kap_diagnostics *d, char **data,
                                size_t *len);
/* What kap_policy_load_buffer does, also handing back the decoded document:
 * it lives in *work (the caller frees it with arena_free), and *decoded says
 * whether decoding got that far (the document may then hold a policy that
 * failed validation). */
KAP_HIDDEN int policy_load_doc(kap_policy **out, const char *data, size_t len, const kap_limits *lim,
                               kap_diagnostics *diags, kap_arena *work, kdoc *doc, int *decoded);

/* ---- The compiled policy ------------------------------------------------- */

typedef struct cstr {
    const char *s; /* NUL-terminated copy in the policy's arena */
    uint32_t len;
    uint32_t stem; /* ends in '*': its length without the stars; else CSTR_NOSTAR */
} cstr;

#define CSTR_NOSTAR 0xFFFFFFFFu

typedef struct cstrs {
    cstr *v;
    uint32_t n;
} cstrs;

typedef struct cgr {
    cstr group;
    cstrs resources, names;
} cgr;

/* A rule as written, for the reference evaluator and for tools. */
typedef struct crule {
    cstrs users, groups, verbs, namespaces, urls;
    cgr *res;
    uint32_t n_res;
    uint8_t level, omit_stages, omf; /* omf: the effective value */
    unsigned int line, col;
} crule;

/* Where a rule's fields were in the file (1-based; 0 when absent), kept
 * for kap_policy_explain. */
typedef struct cpos {
    unsigned int line, col;
} cpos;

typedef struct cgr_pos {
    cpos resources, names; /* the lists' values */
} cgr_pos;

typedef struct crule_pos {
    cpos users, groups, verbs, namespaces, urls, resources;
    cgr_pos *res; /* n_res entries */
} crule_pos;

typedef struct kap_strtab kap_strtab;
typedef struct kap_table kap_table;

struct kap_policy {
    kap_arena arena; /* rules and strings live here */
    crule *rules;
    size_t nrules;
    crule_pos *pos; /* nrules entries: where each rule's fields are */
    uint8_t policy_stages; /* policy omitStages as a set */
    uint8_t policy_omf;
    unsigned int kube_minor;
    kap_strtab *strtab;
    kap_table *table;
    size_t table_bytes;
};

/* Builds the rules, the string table and the decision table. strings_kept:
 * the document's strings are in p->arena (decoded there), NUL-terminated,
 * and the rules may point at them; else they are copied there. */
KAP_HIDDEN int compile_policy(kap_policy *p, const kdoc *doc, int strings_kept);
/* Keeps where each rule's fields are (p->pos), in the policy's arena
 * (explain.c). Returns KAP_OK or KAP_ENOMEM. */
KAP_HIDDEN int keep_positions(kap_policy *p, const kdoc *doc);
KAP_HIDDEN void table_free(kap_policy *p);

/* The hash every lookup uses (word at a time). */
KAP_HIDDEN uint64_t str_hash(const char *s, size_t n);

/* A string of at most 16 bytes as two words that together hold every byte
 * (overlapping loads): equal (n, a, b) means equal strings. */
static inline void str_words(const char *s, size_t n, uint64_t *a, uint64_t *b)
{
    const unsigned char *p = (const unsigned char *)s;
    if (n >= 8) {
        __builtin_memcpy(a, p, 8);
        __builtin_memcpy(b, p + n - 8, 8);
    } else if (n >= 4) {
        uint32_t x, y;
        __builtin_memcpy(&x, p, 4);
        __builtin_memcpy(&y, p + n - 4, 4);
        *a = x;
        *b = y;
    } else if (n > 0) {
        *a = ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1];
        *b = 0;
    } else {
        *a = *b = 0;
    }
}

static inline uint64_t words_hash(uint64_t a, uint64_t b, size_t n)
{
    __uint128_t r = (__uint128_t)(a ^ 0xA0761D6478BD642FULL) * (b ^ 0xE7037ED1A0B428DBULL ^ n);
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

#define KAP_LIKELY(x) __builtin_expect(!!(x), 1)
#define KAP_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif
