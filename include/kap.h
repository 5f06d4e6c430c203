/*
 * libkap: Kubernetes audit policies, loaded, validated and evaluated offline
 * exactly as kube-apiserver does.
 *
 * Copyright 2026 The libkap Authors. SPDX-License-Identifier: Apache-2.0
 *
 * Conventions
 *  - Every call that can fail returns an int status: KAP_OK (0) or a
 *    negative KAP_E* code. kap_status_name() names a code.
 *  - Out-parameters come first. Objects are opaque handles freed with
 *    their own *_free function; passing NULL to a *_free function is a no-op.
 *  - The library keeps no mutable global state and prints nothing. Problems
 *    are reported through a kap_diagnostics list that the caller owns.
 *  - Thread safety: a loaded kap_policy is immutable. Any number of threads
 *    may call kap_policy_match() and the other const functions on one
 *    policy at the same time without locking. Distinct kap_diagnostics and
 *    kap_request_reader objects may be used in distinct threads; one object
 *    must not be used by two threads at once.
 *  - Strings are NUL-terminated UTF-8 unless a length is given.
 */
#ifndef KAP_H
#define KAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(KAP_STATIC)
#define KAP_API
#elif defined(_WIN32)
#if defined(KAP_BUILDING)
#define KAP_API __declspec(dllexport)
#else
#define KAP_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define KAP_API __attribute__((visibility("default")))
#else
#define KAP_API
#endif

/* ---- Version ---------------------------------------------------------- */

#define KAP_VERSION_MAJOR 0
#define KAP_VERSION_MINOR 1
#define KAP_VERSION_PATCH 0
#define KAP_VERSION_STRING "0.1.0"
/* 0xMMmmpp: compare with kap_version_number() at run time. */
#define KAP_VERSION_HEX \
    ((KAP_VERSION_MAJOR << 16) | (KAP_VERSION_MINOR << 8) | KAP_VERSION_PATCH)

/* The version of the library actually loaded, e.g. "0.1.0". Static string. */
KAP_API const char *kap_version(void);
/* The same as KAP_VERSION_HEX of the loaded library. */
KAP_API unsigned int kap_version_number(void);

/* ---- Status codes ----------------------------------------------------- */

enum {
    KAP_OK = 0,
    KAP_EINVALID = -1, /* the policy is rejected (kube-apiserver would not start) */
    KAP_EIO = -2,      /* the file could not be read */
    KAP_ENOMEM = -3,   /* out of memory */
    KAP_ELIMIT = -4,   /* a libkap limit (kap_options) was exceeded */
    KAP_EARG = -5,     /* bad argument: NULL where an object is needed, bad version field */
    KAP_EPARSE = -6    /* a request line is not a valid request (request reader) */
};

/* "ok", "invalid", "io", "nomem", "limit", "arg", "parse"; "unknown" otherwise. */
KAP_API const char *kap_status_name(int status);

/* ---- Levels and stages ------------------------------------------------ */

typedef enum kap_level {
    KAP_LEVEL_NONE = 0,
    KAP_LEVEL_METADATA = 1,
    KAP_LEVEL_REQUEST = 2,
    KAP_LEVEL_REQUEST_RESPONSE = 3
} kap_level;

/* Stage bits, used in kap_decision.omit_stages. */
#define KAP_STAGE_REQUEST_RECEIVED 0x1u
#define KAP_STAGE_RESPONSE_STARTED 0x2u
#define KAP_STAGE_RESPONSE_COMPLETE 0x4u
#define KAP_STAGE_PANIC 0x8u

/* "None", "Metadata", "Request", "RequestResponse"; NULL for other values. */
KAP_API const char *kap_level_name(kap_level level);
/* Parses the exact (case-sensitive) spelling. Returns KAP_OK or KAP_EARG. */
KAP_API int kap_level_parse(kap_level *out, const char *name);
/* Name of one stage bit ("RequestReceived", ...); NULL unless exactly one known bit. */
KAP_API const char *kap_stage_name(unsigned int stage_bit);
/* Parses a stage name into its bit. Returns KAP_OK or KAP_EARG. */
KAP_API int kap_stage_parse(unsigned int *out_bit, const char *name);

/* ---- Diagnostics ------------------------------------------------------ */

/* Loading reports errors and warnings; the analysis (kap_analyze) also
 * reports information. */
typedef enum kap_severity {
    KAP_SEVERITY_ERROR = 0,
    KAP_SEVERITY_WARNING = 1,
    KAP_SEVERITY_INFO = 2
} kap_severity;

/* One problem found while loading. All strings are owned by the list. */
typedef struct kap_diagnostic {
    kap_severity severity;
    /* kube-apiserver's text for this one problem, e.g.
     * "rules[0].level: Required value" or "unknown field \"rules[0].foo\"". */
    const char *message;
    /* The field path as kube-apiserver writes it ("rules[0].level"), or "". */
    const char *field;
    /* 1-based position in the file of the node concerned; 0 when unknown. */
    unsigned int line;
    unsigned int column;
} kap_diagnostic;

typedef struct kap_diagnostics kap_diagnostics;

KAP_API size_t kap_diagnostics_count(const kap_diagnostics *diags);
/* The i-th diagnostic, in kube-apiserver's order; NULL if i is out of range.
 * Valid until kap_diagnostics_free(). */
KAP_API const kap_diagnostic *kap_diagnostics_get(const kap_diagnostics *diags, size_t i);
/* The error text kube-apiserver reports when it refuses the policy, byte for
 * byte (without its "loading audit policy file: " prefix and ": from file"
 * suffix); NULL when the policy loaded. */
KAP_API const char *kap_diagnostics_error_text(const kap_diagnostics *diags);
/* The warning kube-apiserver logs before falling back to lenient decoding
 * ("Audit policy contains errors, falling back to lenient decoding: ..."),
 * or NULL when it logs none. */
KAP_API const char *kap_diagnostics_warning_text(const kap_diagnostics *diags);
/* The name given at load (the path, or the name passed with a buffer). */
KAP_API const char *kap_diagnostics_source(const kap_diagnostics *diags);
KAP_API void kap_diagnostics_free(kap_diagnostics *diags);

/* ---- Load options ----------------------------------------------------- */

#define KAP_OPTIONS_VERSION 1

/* Set .version to KAP_OPTIONS_VERSION, or call kap_options_init(); fields
 * may be added at the end in later minor releases, and the library reads
 * only the fields that the caller's version has. A zero limit means "the
 * default". */
typedef struct kap_options {
    unsigned int version;
    /* Kubernetes minor version (1.x) whose behaviour to follow: 24 to 36.
     * 0 means the newest (36). Which policies load and the error and warning
     * texts follow that release (e.g. before 26 no lenient-decoding warning
     * is logged, before 34 rejected values print in Go's %#v syntax, before
     * 36 the API group "*" fails validation); decisions are the same in
     * every release. */
    unsigned int kube_minor;
    size_t max_file_size;     /* bytes; default 64 MiB */
    size_t max_depth;         /* nesting of YAML/JSON collections; default and maximum 10000
                               * (kube-apiserver's). Loading a document nested that deep
                               * takes about 1 MB of stack: lower it on smaller stacks. */
    size_t max_alias_nodes;   /* nodes produced by alias expansion; default 4,000,000 */
    size_t max_rules;         /* default 100,000 */
    size_t max_string_length; /* bytes in one scalar or key; default 1 MiB */
} kap_options;

#define KAP_DEFAULT_MAX_FILE_SIZE ((size_t)64 << 20)
#define KAP_DEFAULT_MAX_DEPTH 10000u
#define KAP_DEFAULT_MAX_ALIAS_NODES 4000000u
#define KAP_DEFAULT_MAX_RULES 100000u
#define KAP_DEFAULT_MAX_STRING_LENGTH ((size_t)1 << 20)
#define KAP_KUBE_MINOR_MIN 24u
#define KAP_KUBE_MINOR_MAX 36u

/* Fills opts with version KAP_OPTIONS_VERSION and every default. */
KAP_API void kap_options_init(kap_options *opts);

/* ---- Policies --------------------------------------------------------- */

typedef struct kap_policy kap_policy;

/* Reads, decodes, validates and compiles the policy file at path.
 *  out:   receives the policy on KAP_OK, NULL otherwise. Free with kap_policy_free().
 *  opts:  NULL for the defaults.
 *  diags: if not NULL, receives a new diagnostics list (also on success, where
 *         it may hold the lenient-decoding warnings); free it with
 *         kap_diagnostics_free(). It is NULL only when even that list could
 *         not be allocated.
 * Returns KAP_OK, KAP_EINVALID, KAP_EIO, KAP_ENOMEM, KAP_ELIMIT or KAP_EARG. */
KAP_API int kap_policy_load(kap_policy **out, const char *path, const kap_options *opts,
                            kap_diagnostics **diags);

/* The same from a buffer of len bytes (need not be NUL-terminated). name is
 * used in diagnostics (may be NULL). The buffer is not kept. */
KAP_API int kap_policy_load_buffer(kap_policy **out, const void *data, size_t len,
                                   const char *name, const kap_options *opts,
                                   kap_diagnostics **diags);

KAP_API void kap_policy_free(kap_policy *policy);

/* Number of rules, in file order. */
KAP_API size_t kap_policy_rule_count(const kap_policy *policy);
/* 1-based line and column of rule i in the file (0 if i is out of range). */
KAP_API unsigned int kap_policy_rule_line(const kap_policy *policy, size_t i);
KAP_API unsigned int kap_policy_rule_column(const kap_policy *policy, size_t i);
/* Level of rule i (KAP_LEVEL_NONE if out of range). */
KAP_API kap_level kap_policy_rule_level(const kap_policy *policy, size_t i);
/* Bytes used by the compiled decision table. */
KAP_API size_t kap_policy_table_bytes(const kap_policy *policy);

/* ---- Requests and decisions ------------------------------------------- */

#define KAP_REQUEST_VERSION 1

/* A request's attributes. Set .version to KAP_REQUEST_VERSION (or start
 * from KAP_REQUEST_INIT); later minor releases may add fields at the end
 * and read them only when the caller's version has them.
 * NULL strings mean "" except user, where NULL means "no user" (the request
 * failed authentication; groups are then ignored). */
typedef struct kap_request {
    unsigned int version;
    const char *user;
    const char *const *groups; /* n_groups strings; may be NULL when n_groups is 0 */
    size_t n_groups;
    const char *verb;
    const char *ns; /* the namespace attribute ("namespace" is a C++ keyword) */
    const char *api_group;
    const char *api_version; /* carried along; never used by matching */
    const char *resource;
    const char *subresource;
    const char *name;
    const char *path;
    int resource_request; /* non-zero: a request on an API resource */
} kap_request;

#define KAP_REQUEST_INIT \
    { KAP_REQUEST_VERSION, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 }

/* A string with its length; it may hold any bytes, NUL included. A NULL
 * ptr is absent, as NULL is in kap_request (len is then not read). */
typedef struct kap_str {
    const char *ptr;
    size_t len;
} kap_str;

/* The same attributes with lengths, for callers that have them (a JSON
 * parser, another language's strings): nothing is measured, and strings
 * may contain NUL. user.ptr == NULL means "no user"; another absent string
 * is "". */
typedef struct kap_request_n {
    unsigned int version;
    kap_str user;
    const kap_str *groups; /* n_groups strings; may be NULL when n_groups is 0 */
    size_t n_groups;
    kap_str verb;
    kap_str ns;
    kap_str api_group;
    kap_str api_version; /* carried along; never used by matching */
    kap_str resource;
    kap_str subresource;
    kap_str name;
    kap_str path;
    int resource_request;
} kap_request_n;

#define KAP_STR_NONE { NULL, 0 }
#define KAP_REQUEST_N_INIT                                                                            \
    { KAP_REQUEST_VERSION, KAP_STR_NONE, NULL, 0, KAP_STR_NONE, KAP_STR_NONE, KAP_STR_NONE,          \
      KAP_STR_NONE, KAP_STR_NONE, KAP_STR_NONE, KAP_STR_NONE, KAP_STR_NONE, 0 }

typedef struct kap_decision {
    kap_level level;
    unsigned int omit_stages;  /* KAP_STAGE_* bits */
    int omit_managed_fields;   /* 0 or 1 */
    int rule;                  /* 0-based index of the deciding rule, -1 if none */
} kap_decision;

/* Decides one request with the compiled decision table. Allocates nothing,
 * takes no lock. Returns KAP_OK, or KAP_EARG for NULL arguments or an
 * unknown request version. */
KAP_API int kap_policy_match(const kap_policy *policy, const kap_request *request,
                             kap_decision *out);

/* The same answer from a plain first-match scan over the rules, written
 * straight from kube-apiserver's checker. For verification and
 * benchmarks; kap_policy_match is the fast path. */
KAP_API int kap_policy_match_reference(const kap_policy *policy, const kap_request *request,
                                       kap_decision *out);

/* kap_policy_match and kap_policy_match_reference for a request with
 * lengths: the same answers for the same strings, none of them measured. */
KAP_API int kap_policy_match_n(const kap_policy *policy, const kap_request_n *request, kap_decision *out);
KAP_API int kap_policy_match_reference_n(const kap_policy *policy, const kap_request_n *request,
                                         kap_decision *out);

/* The decision rule i gives (level, stages with the policy's added,
 * omitManagedFields, rule = i); i == kap_policy_rule_count() gives the
 * decision when no rule matches (rule = -1). Returns KAP_OK or KAP_EARG. */
KAP_API int kap_policy_rule_decision(const kap_policy *policy, size_t i, kap_decision *out);

/* ---- Request reader (JSON lines, as "kap eval" reads them) -------------- */

typedef struct kap_request_reader kap_request_reader;

KAP_API int kap_request_reader_new(kap_request_reader **out);
KAP_API void kap_request_reader_free(kap_request_reader *reader);

/* Parses one JSON object (one line of a JSON-lines request file, without
 * its newline) into *out. The strings in *out point into the reader and stay
 * valid until the next parse or kap_request_reader_free(). Returns KAP_OK,
 * KAP_EPARSE (see kap_request_reader_error()), KAP_ENOMEM or KAP_EARG. */
KAP_API int kap_request_reader_parse(kap_request_reader *reader, const char *line, size_t len,
                                     kap_request *out);
/* The same, with lengths: a string holding NUL (JSON "\u0000") is kept
 * whole, where kap_request_reader_parse's C strings end at the NUL. */
KAP_API int kap_request_reader_parse_n(kap_request_reader *reader, const char *line, size_t len,
                                       kap_request_n *out);
/* What was wrong with the last line that failed, e.g.
 * "invalid character 'x' looking for beginning of value" or
 * "\"verb\" must be a string". Owned by the reader. */
KAP_API const char *kap_request_reader_error(const kap_request_reader *reader);

/* Writes the decision as one JSON object, in the exact form of formats.md
 * ({"level":...,"omitStages":[...],"omitManagedFields":...,"rule":N}),
 * NUL-terminated, into buf of size len. Returns the length it needs
 * (without the NUL), like snprintf. */
KAP_API size_t kap_decision_format_json(const kap_decision *decision, char *buf, size_t len);

/* Evaluates many requests given as JSON lines (text of len bytes), writing
 * one decision per line into out[0..capacity), in one call (for bindings,
 * where each call across the language boundary costs). For each line k: on success out[k] holds the decision and status[k] is
 * KAP_OK; for a blank line status[k] is 1 (and out[k] is untouched); for a
 * bad line status[k] is KAP_EPARSE. status may be NULL. *n_lines receives the
 * number of lines seen (a final line without newline counts). Returns KAP_OK,
 * KAP_ELIMIT when more than capacity lines were given (the first capacity
 * are filled), KAP_ENOMEM or KAP_EARG. */
KAP_API int kap_policy_match_jsonl(const kap_policy *policy, const char *text, size_t len,
                                   kap_decision *out, int *status, size_t capacity,
                                   size_t *n_lines);

/* The same for one JSON array of request objects ("[{...},{...}]"), as a
 * binding can produce with one call of its JSON encoder. status[k] is
 * KAP_OK or KAP_EPARSE for element k. Returns KAP_OK, KAP_EPARSE when text
 * is not a JSON array, KAP_ELIMIT when it has more than capacity elements,
 * KAP_ENOMEM or KAP_EARG. *n_requests receives the array's length. */
KAP_API int kap_policy_match_json(const kap_policy *policy, const char *text, size_t len,
                                  kap_decision *out, int *status, size_t capacity,
                                  size_t *n_requests);

/* For the Python binding: requests as Python's marshal module writes a
 * list of dicts (marshal.dumps(list_of_request_dicts), format version 2 to
 * 4), keys as in formats.md or the binding's api_group, api_version and
 * resource_request. Writes, per request, the index of the deciding rule
 * (-1 for none; see kap_policy_rule_decision()) into rules[k], and KAP_OK or
 * KAP_EPARSE into status[k]. Returns KAP_OK, KAP_EPARSE when data is not a
 * marshalled list, KAP_ELIMIT when it has more than capacity elements,
 * KAP_ENOMEM or KAP_EARG. */
KAP_API int kap_policy_match_marshal(const kap_policy *policy, const void *data, size_t len,
                                     int32_t *rules, int *status, size_t capacity,
                                     size_t *n_requests);

/* For the Python binding: CPython's functions and objects, handed over by
 * address, so requests are read from Python objects in place. */
typedef struct kap_pyapi {
    unsigned int version; /* 1 */
    size_t type_offset;   /* where a PyObject keeps its ob_type pointer */
    const void *str_type, *dict_type, *list_type, *tuple_type;
    const void *none_obj, *true_obj, *false_obj;
    int (*dict_next)(void *dict, ptrdiff_t *pos, void **key, void **value);  /* PyDict_Next */
    const char *(*as_utf8)(void *str, ptrdiff_t *size);                    /* PyUnicode_AsUTF8AndSize */
    void (*err_clear)(void);                                               /* PyErr_Clear */
    ptrdiff_t (*list_size)(void *list);                                    /* PyList_Size */
    void *(*list_get)(void *list, ptrdiff_t i);                            /* PyList_GetItem */
    ptrdiff_t (*tuple_size)(void *tuple);                                  /* PyTuple_Size */
    void *(*tuple_get)(void *tuple, ptrdiff_t i);                          /* PyTuple_GetItem */
} kap_pyapi;

/* The same as kap_policy_match_marshal for a Python list of request dicts
 * read in place. Must be called with the GIL held (ctypes.PyDLL). Returns
 * KAP_OK, KAP_EPARSE when list is not a list, KAP_ELIMIT (with
 * *n_requests set) when it has more than capacity elements, KAP_ENOMEM or
 * KAP_EARG. */
KAP_API int kap_policy_match_pyobjects(const kap_policy *policy, const kap_pyapi *api, void *list,
                                       int32_t *rules, int *status, size_t capacity,
                                       size_t *n_requests);

/* ---- Request info: attributes from an HTTP method and URL ---------------
 *
 * kube-apiserver derives every attribute the policy reads, except the user
 * and the groups, from the request's HTTP method and URL (its request-info
 * code). These functions do the same: the verb (get, list, watch,
 * deletecollection, ..., or the method in lower case for a non-resource
 * URL), namespace, API group and version, resource, subresource, name,
 * resourceRequest and the percent-decoded path. Some request lines never
 * reach the audit policy (Go's HTTP server answers 400, or request-info
 * fails with 500): those are reported as KAP_EPARSE with the reason and
 * the HTTP status. An absolute URL (https://host:6443/api/v1/pods?limit=5,
 * as kubectl -v=8 prints it) is taken as the request a client sends for it:
 * its path and query. */

typedef struct kap_requestinfo kap_requestinfo;

/* A reusable parser. Free it with kap_requestinfo_free(). One object must
 * not be used by two threads at once; distinct objects may. Returns KAP_OK,
 * KAP_ENOMEM or KAP_EARG. */
KAP_API int kap_requestinfo_new(kap_requestinfo **out);
KAP_API void kap_requestinfo_free(kap_requestinfo *ri);

/* Derives the attributes of the request "METHOD URL" into *out. method is
 * the HTTP method exactly as sent (case-sensitive: GET and get differ); url
 * is the request target (a path starting with '/', optionally "?query").
 * out->user is set to "no user" and out->groups to none: set them after the
 * call. The strings in *out are NUL-terminated copies owned by ri, valid
 * until the next parse or kap_requestinfo_free(); a decoded path may hold
 * NUL (from %00), which len keeps. Returns KAP_OK; KAP_EPARSE when
 * kube-apiserver records no audit event for this request line
 * (kap_requestinfo_error() says why, kap_requestinfo_http_status() gives
 * 400 or 500; *out is then all absent); KAP_ENOMEM; KAP_ELIMIT for lengths
 * above SIZE_MAX / 8; KAP_EARG for NULL arguments. */
KAP_API int kap_requestinfo_parse_n(kap_requestinfo *ri, const char *method, size_t method_len, const char *url,
                                    size_t url_len, kap_request_n *out);
/* The same with C strings in and out (a string holding NUL ends there). */
KAP_API int kap_requestinfo_parse(kap_requestinfo *ri, const char *method, const char *url, kap_request *out);

/* After KAP_EPARSE: why no audit event is recorded, e.g. "Go's HTTP server
 * answers 400 Bad Request before kube-apiserver sees the request: invalid
 * URL escape \"%zz\"". "" after success. Owned by ri. */
KAP_API const char *kap_requestinfo_error(const kap_requestinfo *ri);
/* After KAP_EPARSE: 400 (Go's HTTP server refuses the request line) or 500
 * (kube-apiserver's request-info step fails); 0 after success. */
KAP_API int kap_requestinfo_http_status(const kap_requestinfo *ri);

/* ---- Explain: which rule decides a request, and why the earlier ones do not
 *
 * kube-apiserver checks each rule's fields in a fixed order (users,
 * userGroups, verbs, then resources and namespaces or nonResourceURLs) and
 * takes the first rule whose checks all pass. An explanation walks the same
 * order and records, for every rule up to the deciding one (every rule when
 * none decides), the first check that rejected the request, where that
 * field is in the file, and a one-line reason such as
 * "verbs [watch] does not include get". Its decision is always the one
 * kap_policy_match() and kap_policy_match_reference() give. */

typedef enum kap_check {
    KAP_CHECK_NONE = 0,           /* nothing rejected: the rule matches */
    KAP_CHECK_USERS = 1,          /* users: no user, or the user is not listed */
    KAP_CHECK_USER_GROUPS = 2,    /* userGroups: no user, or none of its groups is listed */
    KAP_CHECK_VERBS = 3,          /* verbs: the verb is not listed */
    KAP_CHECK_RESOURCE_SCOPE = 4, /* the rule has resources or namespaces; the request is a non-resource request */
    KAP_CHECK_NAMESPACES = 5,     /* namespaces: the namespace is not listed */
    KAP_CHECK_RESOURCES = 6,      /* resources: no entry takes the group, resource[/subresource] and name */
    KAP_CHECK_URL_SCOPE = 7,      /* the rule has nonResourceURLs; the request is a resource request */
    KAP_CHECK_NON_RESOURCE_URLS = 8 /* nonResourceURLs: no entry matches the path */
} kap_check;

/* "none", "users", "userGroups", "verbs", "resourceScope", "namespaces",
 * "resources", "urlScope", "nonResourceURLs"; NULL for other values. Static. */
KAP_API const char *kap_check_name(kap_check check);

/* One rule examined. Strings are owned by the explanation. */
typedef struct kap_explain_step {
    size_t rule;      /* 0-based index, in file order */
    int matched;      /* 1 for the deciding rule (the last step), else 0 */
    kap_check check;  /* the first check that rejected the request; KAP_CHECK_NONE when matched */
    /* That check's field as kube-apiserver writes paths, e.g. "rules[2].verbs" or
     * "rules[0].resources[1].resourceNames"; "rules[N]" when matched. */
    const char *field;
    /* 1-based position of that field's value in the file (of the rule itself
     * when matched); 0 when unknown. */
    unsigned int line, column;
    /* One line: "verbs [watch] does not include get", "matches". Lists and
     * values are shortened past a few hundred bytes. */
    const char *reason;
} kap_explain_step;

typedef struct kap_explanation kap_explanation;

/* Explains the decision for request. *out receives a new explanation
 * (free with kap_explanation_free()), NULL on failure. It does not depend on
 * the policy afterwards. Allocates; safe to call from many threads on one
 * policy. Returns KAP_OK, KAP_ENOMEM or KAP_EARG (NULL arguments, unknown
 * request version). */
KAP_API int kap_policy_explain(kap_explanation **out, const kap_policy *policy, const kap_request *request);
/* The same for a request with lengths (strings may hold NUL). */
KAP_API int kap_policy_explain_n(kap_explanation **out, const kap_policy *policy, const kap_request_n *request);
KAP_API void kap_explanation_free(kap_explanation *e);

/* The decision (the same as kap_policy_match()'s). Owned by e. */
KAP_API const kap_decision *kap_explanation_decision(const kap_explanation *e);
/* Rules examined: decision->rule + 1, or every rule when none decides. */
KAP_API size_t kap_explanation_count(const kap_explanation *e);
/* Step i (rule i); NULL if out of range. Valid until kap_explanation_free(). */
KAP_API const kap_explain_step *kap_explanation_get(const kap_explanation *e, size_t i);
/* ---- Analysis: what kube-apiserver does not tell ("kap lint") ----------- */

/* One finding of the analysis. All strings and arrays are owned by the
 * kap_analysis and valid until kap_analysis_free(). */
typedef struct kap_finding {
    const char *id;        /* the check's stable ID, e.g. "unreachable-rule" (docs/lint.md) */
    kap_severity severity;
    int rule;              /* 0-based index of the rule concerned; -1 for the whole policy */
    unsigned int line;     /* 1-based position of the node concerned; 0 when unknown */
    unsigned int column;
    const char *field;     /* the node's path, e.g. "rules[2].namespaces[1]"; "" for none */
    const char *message;   /* one line: what kube-apiserver does, and its effect */
    const char *hint;      /* one line: how to fix it; "" when there is nothing to say */
    const int *related;    /* rules the finding names (the covering rules of an */
    size_t n_related;      /* unreachable rule), in file order */
} kap_finding;

/* One check: the metadata of an ID (docs/lint.md has an example of each). */
typedef struct kap_lint_check {
    const char *id;
    kap_severity severity;   /* the usual severity of its findings */
    const char *title;       /* a few words */
    const char *description; /* a paragraph */
} kap_lint_check;

/* The checks, in a fixed order: i from 0 to kap_lint_check_count() - 1. Static data. */
KAP_API size_t kap_lint_check_count(void);
KAP_API const kap_lint_check *kap_lint_check_get(size_t i);
/* The check with this ID, or NULL. */
KAP_API const kap_lint_check *kap_lint_check_find(const char *id);

#define KAP_ANALYSIS_OPTIONS_VERSION 1

/* Bounds on the exact analysis, for hostile policies; 0 means the default.
 * When one is reached, the analysis says which rules it could not decide
 * (finding "analysis-limit") and decides the others. */
typedef struct kap_analysis_options {
    unsigned int version;
    size_t max_steps;      /* units of work for the whole policy; default 100,000,000 (about 2 s) */
    size_t max_rule_steps; /* units of work for one rule; default 10,000,000 */
    size_t max_memory;     /* bytes of work space for one rule; default 256 MiB */
    size_t max_classes;    /* attribute classes the policy's strings make; default 4,000,000 */
} kap_analysis_options;

#define KAP_DEFAULT_MAX_STEPS 100000000u
#define KAP_DEFAULT_MAX_RULE_STEPS 10000000u
#define KAP_DEFAULT_MAX_MEMORY ((size_t)256 << 20)
#define KAP_DEFAULT_MAX_CLASSES 4000000u

/* Fills o with version KAP_ANALYSIS_OPTIONS_VERSION and every default. */
KAP_API void kap_analysis_options_init(kap_analysis_options *o);

typedef struct kap_analysis kap_analysis;

/* Loads the policy file at path as kap_policy_load() does, then analyses it.
 *  out:   receives the analysis, also when the policy does not load (it then
 *         holds the load's diagnostics, an "invalid-policy" finding per error
 *         and the keys kube-apiserver ignored); free it with kap_analysis_free().
 *         NULL only for KAP_ENOMEM and KAP_EARG.
 *  opts:  load options (kube_minor: the release whose behaviour to follow); NULL
 *         for the defaults. aopts: NULL for the defaults.
 * Returns KAP_OK when the policy loaded (whatever was found), else the load's
 * status (KAP_EINVALID, KAP_EIO, KAP_ELIMIT), KAP_ENOMEM or KAP_EARG.
 * Inline "# kap:ignore ID" comments in the file silence findings (docs/lint.md).
 * Thread safety: distinct analyses may run in distinct threads; the result is
 * immutable, so any number of threads may read one. */
KAP_API int kap_analyze(kap_analysis **out, const char *path, const kap_options *opts,
                        const kap_analysis_options *aopts);
/* The same for a buffer of len bytes; name is used in diagnostics (may be NULL). */
KAP_API int kap_analyze_buffer(kap_analysis **out, const void *data, size_t len, const char *name,
                               const kap_options *opts, const kap_analysis_options *aopts);
KAP_API void kap_analysis_free(kap_analysis *analysis);

/* Findings, in file order (line, column). Valid until kap_analysis_free(). */
KAP_API size_t kap_analysis_count(const kap_analysis *analysis);
KAP_API const kap_finding *kap_analysis_get(const kap_analysis *analysis, size_t i);
/* How many findings inline "# kap:ignore" comments silenced. */
KAP_API size_t kap_analysis_suppressed(const kap_analysis *analysis);
/* The load's diagnostics and the loaded policy (NULL when it did not load);
 * both owned by the analysis. */
KAP_API const kap_diagnostics *kap_analysis_diagnostics(const kap_analysis *analysis);
KAP_API const kap_policy *kap_analysis_policy(const kap_analysis *analysis);

/* Whether some request is decided by rule i: 1 yes (it has a witness), 0 no
 * (the earlier rules decide every request it matches, or it matches none:
 * an "unreachable-rule" finding), -1 not decided (a limit was reached, or the
 * policy did not load). The requests are those kube-apiserver can see: a
 * resource or subresource never holds a '/' (docs/lint.md). */
KAP_API int kap_analysis_rule_reachable(const kap_analysis *analysis, size_t i);
/* A request that rule i decides (kap_policy_match_reference_n gives rule i),
 * preferring the policy's own values and real-looking ones. Its strings
 * (with lengths: a policy's string may hold NUL) are owned by the analysis.
 * Returns KAP_OK, or KAP_EARG when rule i has none. */
KAP_API int kap_analysis_witness(const kap_analysis *analysis, size_t i, kap_request_n *out);
/* The witness as one JSON line in the request form of formats.md plus
 * "witness": i, NUL-terminated, into buf of size len (no newline). Returns the
 * length it needs (without the NUL), like snprintf; 0 when rule i has none. */
KAP_API size_t kap_analysis_witness_json(const kap_analysis *analysis, size_t i, char *buf, size_t len);

/* ---- Replay (libkap-replay) ---------------------------------------------
 * Replays kube-apiserver audit logs through a candidate policy: what it
 * would stop or start logging and how large the log would be. These
 * functions live in their own library, libkap-replay (pkg-config
 * kap-replay, CMake kap::kap-replay), which also links zlib or ISA-L and
 * libzstd for compressed logs; programs that only load and match policies
 * link libkap alone and pull in nothing more.
 *
 * Input: JSON lines, one audit.k8s.io Event a line as the log backend
 * writes them, or EventList objects as the webhook backend sends them.
 * Each event is decided with the attributes kube-apiserver evaluated: the
 * authenticated user (user.username and user.groups; never
 * impersonatedUser), objectRef for resource requests, the verb, and the
 * path of requestURI (without its query, percent-decoded). A request is
 * identified by its auditID: it starts with its first event (always with a
 * RequestReceived event) and ends with a ResponseComplete or Panic event,
 * or when no event of it came for `window` events (bounded memory: only
 * the requests still open are kept).
 *
 * A kap_replay is fed bytes in chunks of any size (a line may span
 * chunks) and hands back a kap_replay_summary. Summaries merge exactly:
 * the merge of the summaries of consecutive pieces of a log, cut anywhere,
 * even inside a line, equals the summary of the whole log. A summary keeps
 * what it needs at its edges for that (the bytes of a line cut in two, the
 * requests still open at its end, the first events of the requests that
 * may have begun before it). Summaries serialise to bytes and back, so
 * they can be made on other machines and merged in any tree, in order.
 *
 * Threads: a kap_replay and a kap_replay_summary are each used by one
 * thread at a time; distinct objects may be used in distinct threads, and
 * any number of kap_replay objects may share one policy. */

typedef struct kap_replay kap_replay;
typedef struct kap_replay_summary kap_replay_summary;

#define KAP_REPLAY_OPTIONS_VERSION 1
#define KAP_REPLAY_DEFAULT_WINDOW 1000000u
#define KAP_REPLAY_DEFAULT_MAX_LINE ((size_t)16 << 20)

typedef struct kap_replay_options {
    unsigned int version;       /* KAP_REPLAY_OPTIONS_VERSION (kap_replay_options_init) */
    const kap_policy *compare;  /* a second policy decided beside the first, or NULL */
    uint64_t window;            /* a request left open gets no more events after this
                                 * many events of the log; 0: the default */
    size_t max_line;            /* longer lines are bad input, never held in memory;
                                 * 0: the default (16 MiB) */
} kap_replay_options;

KAP_API void kap_replay_options_init(kap_replay_options *opts);

/* A replay through policy (and opts->compare). The policies must outlive
 * the replay object. opts may be NULL. Returns KAP_OK, KAP_ENOMEM or
 * KAP_EARG. Free with kap_replay_free(). */
KAP_API int kap_replay_new(kap_replay **out, const kap_policy *policy, const kap_replay_options *opts);
KAP_API void kap_replay_free(kap_replay *replay);

/* Where the log as the policy would have written it goes (events at None
 * or in an omitted stage dropped, bodies the level does not keep removed,
 * managedFields removed under omitManagedFields, the level field set to
 * the level the event is written at): fn is called with whole lines, in
 * order, each ending in a newline. A non-zero return from fn stops the
 * replay (the feeding call returns KAP_EIO). fn NULL: nothing written. */
typedef int (*kap_replay_write_fn)(void *ctx, const char *data, size_t len);
KAP_API void kap_replay_set_output(kap_replay *replay, kap_replay_write_fn fn, void *ctx);

/* Flags of kap_replay_begin() and kap_replay_end(). */
#define KAP_REPLAY_SOURCE_START 0x1u /* the bytes start at the first byte of their source */
#define KAP_REPLAY_STREAM_START 0x2u /* and nothing comes before that source (no request
                                      * can have begun before): saves memory */
#define KAP_REPLAY_SOURCE_END 0x4u   /* the source ends here: a last line without newline counts */

/* Starts a piece of the source named name (a file name; used in the
 * reports of bad lines): KAP_REPLAY_SOURCE_START when the piece begins at
 * the source's first byte, else it continues the source (a later byte
 * range of it, or the next chunk after kap_replay_end() without
 * KAP_REPLAY_SOURCE_END). Returns KAP_OK, KAP_ENOMEM or KAP_EARG. */
KAP_API int kap_replay_begin(kap_replay *replay, const char *name, unsigned int flags);
/* Replays len bytes. Returns KAP_OK, KAP_ENOMEM, KAP_EIO (the output
 * function refused) or KAP_EARG (no kap_replay_begin()). Bad lines are not
 * errors: they are counted and reported in the summary. */
KAP_API int kap_replay_feed(kap_replay *replay, const void *data, size_t len);
/* Ends the piece begun last, with KAP_REPLAY_SOURCE_END or 0. */
KAP_API int kap_replay_end(kap_replay *replay, unsigned int flags);
/* Records a problem with the current source that is not a line (a file
 * that cannot be read, a truncated gzip member), at the current line; it
 * is counted with the bad lines. */
KAP_API int kap_replay_report(kap_replay *replay, const char *message);

/* Replays a file whole, or the byte range [offset, offset + length) of a
 * plain file (length 0: to its end), under the name path ("-" is standard
 * input). Compression is detected from the first bytes: gzip (members
 * concatenated as log rotation makes them) and zstd; a compressed file can
 * only be read whole. A file that cannot be read or is truncated is
 * reported in the summary (kap_replay_report()), not an error. flags may
 * add KAP_REPLAY_STREAM_START. Returns KAP_OK, KAP_ENOMEM, KAP_EIO (the
 * output function refused) or KAP_EARG. */
KAP_API int kap_replay_file(kap_replay *replay, const char *path, uint64_t offset, uint64_t length,
                            unsigned int flags);

/* The summary of everything replayed since kap_replay_new() or the last
 * call, which starts the next summary (pieces then continue: call
 * kap_replay_begin() again). Free with kap_replay_summary_free(). Returns
 * KAP_OK, KAP_ENOMEM or KAP_EARG. */
KAP_API int kap_replay_take_summary(kap_replay *replay, kap_replay_summary **out);

/* Merges next, the summary of the bytes that follow into's, into into.
 * The summaries must come from replays through the same policies and
 * options; a line cut between them is replayed here through replay's
 * policies (and written to its output). Returns KAP_OK, KAP_ENOMEM, KAP_EIO
 * (output refused), KAP_EINVALID (not the same policies or options, or not
 * consecutive: a source left open must be continued by the same source) or
 * KAP_EARG. On an error into is unusable. */
KAP_API int kap_replay_merge(kap_replay *replay, kap_replay_summary *into, const kap_replay_summary *next);

KAP_API void kap_replay_summary_free(kap_replay_summary *summary);

/* The summary as bytes (canonical: equal summaries give equal bytes).
 * *out is freed with kap_replay_bytes_free(). Returns KAP_OK, KAP_ENOMEM
 * or KAP_EARG. */
KAP_API int kap_replay_summary_save(const kap_replay_summary *summary, void **out, size_t *len);
/* A summary from kap_replay_summary_save()'s bytes. Returns KAP_OK,
 * KAP_EPARSE (not such bytes, or from another version), KAP_ENOMEM or
 * KAP_EARG. */
KAP_API int kap_replay_summary_load(kap_replay_summary **out, const void *data, size_t len);
KAP_API void kap_replay_bytes_free(void *bytes);

#define KAP_REPLAY_FORMAT_JSON 0
#define KAP_REPLAY_FORMAT_TABLE 1
/* The summary for people (KAP_REPLAY_FORMAT_TABLE) or as one JSON object
 * with keys in a fixed order (KAP_REPLAY_FORMAT_JSON; see docs/replay.md),
 * NUL-terminated, top entries in each top list (0: 10). Nothing in it
 * depends on how the log was cut or how many threads replayed it. *out is
 * freed with kap_replay_bytes_free(). Returns KAP_OK, KAP_ENOMEM or
 * KAP_EARG. */
KAP_API int kap_replay_summary_format(const kap_replay_summary *summary, int format, size_t top, char **out,
                                      size_t *len);

/* The main counts, for programs. */
typedef struct kap_replay_counts {
    uint64_t events, requests, bad_lines, bytes_in, bytes_out;
    uint64_t levels[4];     /* requests per level under the policy */
    uint64_t recorded[4];   /* requests per level the log recorded */
    uint64_t under_recorded; /* requests recorded below the policy's level */
    uint64_t open_requests; /* requests whose last stage was not seen */
    uint64_t events_kept;
} kap_replay_counts;
KAP_API int kap_replay_summary_counts(const kap_replay_summary *summary, kap_replay_counts *out);

/* Replays files (as kap_replay_file(), the first starting the stream) with
 * threads threads (0: one per core), each on its own chunk, summaries
 * merged in order; output as kap_replay_set_output(). progress, if not
 * NULL, is called from the calling thread now and then with the bytes read
 * so far and the total (0 when unknown, as for compressed input or
 * standard input). Returns KAP_OK, KAP_ENOMEM, KAP_EIO or KAP_EARG, and
 * the summary in *out. */
typedef void (*kap_replay_progress_fn)(void *ctx, uint64_t done, uint64_t total);
KAP_API int kap_replay_files(kap_replay_summary **out, const kap_policy *policy, const kap_replay_options *opts,
                             const char *const *paths, size_t n_paths, unsigned int threads,
                             kap_replay_write_fn write, void *write_ctx, kap_replay_progress_fn progress,
                             void *progress_ctx);

/* ---- The kube-apiserver static pod's audit set-up (kap check-manifest) ----
 *
 * Checks a kube-apiserver static-pod manifest as kubelet and kube-apiserver
 * will read it: the Pod and its kube-apiserver container, the flags (as
 * kube-apiserver's flag parser reads them, from command and args), the
 * audit policy (mounted from the host, present, loading with libkap), the
 * log backend and its mount, the audit flags' values, the webhook's
 * kubeconfig, the other files of the manifests directory, and kubelet's
 * staticPodPath. Every host path is looked up under a root directory that
 * no path leaves: ".." stops at the root and absolute symlinks start again
 * at it. docs/check-manifest.md lists the checks and their IDs. */

typedef enum kap_manifest_status {
    KAP_MANIFEST_PASS = 0,
    KAP_MANIFEST_WARN = 1,
    KAP_MANIFEST_FAIL = 2
} kap_manifest_status;

/* One check's result. Strings are owned by the report. */
typedef struct kap_manifest_check {
    const char *id;             /* stable ID, e.g. "policy-mount" */
    kap_manifest_status status;
    const char *message;        /* what was checked and found */
    const char *fix;            /* for WARN and FAIL, what to change; "" for PASS */
    unsigned int line, column;  /* in the manifest, 1-based; 0 when not about one place */
} kap_manifest_check;

#define KAP_MANIFEST_OPTIONS_VERSION 1
#define KAP_MANIFEST_DEFAULT_PATH "/etc/kubernetes/manifests/kube-apiserver.yaml"
#define KAP_MANIFEST_DEFAULT_KUBELET_CONFIG "/var/lib/kubelet/config.yaml"
#define KAP_MANIFEST_DEFAULT_MAX_FILE_SIZE ((size_t)8 << 20)

/* Set .version (kap_manifest_options_init()); fields may be added at the end. */
typedef struct kap_manifest_options {
    unsigned int version;
    const char *root;           /* host paths are looked up under it; NULL or "": "/" */
    const char *kubelet_config; /* node path of kubelet's config; NULL: the default, not
                                 * checked when missing (a given path that is missing: WARN) */
    unsigned int kube_minor;    /* load the policy as 1.N does (24-36); 0: from the image tag
                                 * (registry.k8s.io/kube-apiserver:v1.31.2 is 31), else 36 */
    size_t max_file_size;       /* manifest and other files read, bytes; 0: 8 MiB */
} kap_manifest_options;

KAP_API void kap_manifest_options_init(kap_manifest_options *opts);

typedef struct kap_manifest_report kap_manifest_report;

/* Checks the manifest at path (NULL: KAP_MANIFEST_DEFAULT_PATH). An absolute
 * path is a node path, looked up under opts->root; a relative one is taken
 * from the working directory and must lie under the root.
 * Returns KAP_OK when every check ran (some may have failed), KAP_EIO when
 * the manifest (or the root) cannot be read, KAP_EINVALID when it is not
 * YAML or JSON, KAP_ELIMIT when it is too large or too deep, KAP_EARG for a
 * bad argument (a relative manifest outside the root); in these cases *out
 * holds a report whose kap_manifest_report_error() says what and where
 * (file:line:column). KAP_ENOMEM leaves *out NULL. */
KAP_API int kap_manifest_check_file(kap_manifest_report **out, const char *path,
                                    const kap_manifest_options *opts);
KAP_API void kap_manifest_report_free(kap_manifest_report *report);

/* The checks in the order they ran; NULL past the end. */
KAP_API size_t kap_manifest_report_count(const kap_manifest_report *report);
KAP_API const kap_manifest_check *kap_manifest_report_get(const kap_manifest_report *report, size_t i);
/* The worst status of all checks (KAP_MANIFEST_PASS when there are none). */
KAP_API kap_manifest_status kap_manifest_report_worst(const kap_manifest_report *report);
/* Why the manifest could not be checked at all, or NULL. */
KAP_API const char *kap_manifest_report_error(const kap_manifest_report *report);
/* The manifest's path as given. */
KAP_API const char *kap_manifest_report_manifest(const kap_manifest_report *report);
/* The policy file loaded (its path on this machine, root included) and its
 * load diagnostics as kap_policy_load() gives them; NULL when the policy
 * was not reached. */
KAP_API const char *kap_manifest_report_policy_file(const kap_manifest_report *report);
KAP_API const kap_diagnostics *kap_manifest_report_policy_diagnostics(const kap_manifest_report *report);
/* The Kubernetes minor release the policy was loaded as. */
KAP_API unsigned int kap_manifest_report_kube_minor(const kap_manifest_report *report);
/* "PASS", "WARN", "FAIL"; NULL for other values. */
KAP_API const char *kap_manifest_status_name(kap_manifest_status status);

/* ---- Making the static pod's audit set-up right (kap check-manifest --fix) ----
 *
 * The manifest's text is edited, not re-emitted: the audit flags are added
 * or corrected, and a read-only hostPath volume and mount for the policy,
 * a writable one (DirectoryOrCreate) for the log directory are added where
 * none covers them; every other byte of the file stays as it was. */

#define KAP_MANIFEST_FIX_OPTIONS_VERSION 1
#define KAP_MANIFEST_DEFAULT_POLICY_FILE "/etc/kubernetes/audit-policy.yaml"
#define KAP_MANIFEST_DEFAULT_LOG_PATH "/var/log/kubernetes/audit/audit.log"
#define KAP_MANIFEST_DEFAULT_BACKUP_DIR "/etc/kubernetes/manifest-backups"

typedef struct kap_manifest_fix_options {
    unsigned int version;
    /* The policy file and the log (each the same path in the container and on
     * the host). NULL: the path the manifest's flag already gives, else
     * KAP_MANIFEST_DEFAULT_POLICY_FILE / KAP_MANIFEST_DEFAULT_LOG_PATH. */
    const char *policy_file;
    const char *log_path;
    /* --audit-log-maxage, -maxbackup, -maxsize; negative: raised to the CIS
     * minimums (30, 10, 100) where missing or lower, else kept. */
    long long log_maxage, log_maxbackup, log_maxsize;
} kap_manifest_fix_options;

KAP_API void kap_manifest_fix_options_init(kap_manifest_fix_options *opts);

typedef struct kap_manifest_fix kap_manifest_fix;

/* Reads the manifest at path (a node path under opts->root; NULL: the
 * default) and computes the fixed text. Returns KAP_OK, KAP_EIO (it cannot
 * be read), KAP_ELIMIT, KAP_EINVALID (it cannot be fixed: not YAML, no or
 * two kube-apiserver containers, YAML aliases, ...: kap_manifest_fix_error()
 * says why), KAP_EARG (a relative path), KAP_ENOMEM (*out NULL). */
KAP_API int kap_manifest_fix_new(kap_manifest_fix **out, const char *path, const kap_manifest_options *opts,
                                 const kap_manifest_fix_options *fix);
/* The same with a backup's bytes (a node path under the root) as the result,
 * for putting a backup back with kap_manifest_fix_write(). A backup that is
 * not a v1 Pod with a container running kube-apiserver, as kubelet reads
 * it (not YAML or JSON, empty, comments alone, another kind, another pod),
 * is KAP_EINVALID (KAP_ELIMIT: too deep), with the reason in
 * kap_manifest_fix_error() and no result to write. */
KAP_API int kap_manifest_restore_new(kap_manifest_fix **out, const char *path, const char *backup,
                                     const kap_manifest_options *opts);
KAP_API void kap_manifest_fix_free(kap_manifest_fix *fix);
KAP_API const char *kap_manifest_fix_error(const kap_manifest_fix *fix);
/* The manifest as read, and as it would be written (NULL when not computed). */
KAP_API const char *kap_manifest_fix_original(const kap_manifest_fix *fix, size_t *len);
KAP_API const char *kap_manifest_fix_result(const kap_manifest_fix *fix, size_t *len);
/* Whether the result differs from the original. */
KAP_API int kap_manifest_fix_changed(const kap_manifest_fix *fix);
/* Each change made, for people ("--audit-log-maxage=30 added"). */
KAP_API size_t kap_manifest_fix_count(const kap_manifest_fix *fix);
KAP_API const char *kap_manifest_fix_change(const kap_manifest_fix *fix, size_t i);
/* Writes the result over the manifest, whole or not at all: the manifest
 * must still hold the bytes read; the original goes to a new file in
 * backup_dir (a node path under the root; NULL or "":
 * KAP_MANIFEST_DEFAULT_BACKUP_DIR, created; refused inside the manifests
 * directory); the result to a temporary file in the backup directory when
 * it is on the manifest's file system (else a dot-file beside the manifest,
 * which kubelet ignores), fsync'd, then renamed over the manifest. On an
 * error the manifest is unchanged and no temporary file is left. Returns
 * KAP_OK, KAP_EIO, KAP_EARG, KAP_ENOMEM (kap_manifest_fix_error() says
 * what, where it could be kept). */
KAP_API int kap_manifest_fix_write(kap_manifest_fix *fix, const char *backup_dir);
/* Whether the fix should be written, as kap check-manifest --fix decides
 * before it writes: the result is checked as it will run
 * (kap_manifest_check_buffer() with opts, the options the fix was made
 * with) and refused where a check that --fix is about fails (policy-file,
 * policy-loads, manifest-*: the policy missing or not loading, a field of
 * the wrong type) or where a check fails that passes on the manifest as it
 * is (the fix would make things worse: a flag taken as another's value, a
 * log path kube-apiserver cannot open). Sets *why to the reason (valid
 * until the next call or kap_manifest_fix_free()), or to NULL: write it. A
 * fix that changes nothing and a restore (kap_manifest_restore_new()) are
 * never refused. Returns KAP_OK, KAP_EARG (fix or why NULL, opts of no
 * version), KAP_ENOMEM.
 * kap_manifest_fix_write() does not call it: call it first. */
KAP_API int kap_manifest_fix_refusal(kap_manifest_fix *fix, const kap_manifest_options *opts, const char **why);
/* The backup's node path after kap_manifest_fix_write(), or NULL. */
KAP_API const char *kap_manifest_fix_backup(const kap_manifest_fix *fix);

/* kap_manifest_check_file() on bytes given as the manifest at path (its
 * directory, the root and kubelet's config are looked at as for a file):
 * to check a fix before writing it. */
KAP_API int kap_manifest_check_buffer(kap_manifest_report **out, const char *path, const void *data, size_t len,
                                      const kap_manifest_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* KAP_H */
