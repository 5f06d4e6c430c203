/* Loading: read the file, decode, validate, compile. Names, options and
 * versions. SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "table.h"

const char *kap_version(void) { return KAP_VERSION_STRING; }

unsigned int kap_version_number(void) { return KAP_VERSION_HEX; }

const char *kap_status_name(int status)
{
    switch (status) {
    case KAP_OK: return "ok";
    case KAP_EINVALID: return "invalid";
    case KAP_EIO: return "io";
    case KAP_ENOMEM: return "nomem";
    case KAP_ELIMIT: return "limit";
    case KAP_EARG: return "arg";
    case KAP_EPARSE: return "parse";
    default: return "unknown";
    }
}

static const char *const LEVELS[] = {"None", "Metadata", "Request", "RequestResponse"};
static const char *const STAGES[] = {"RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"};

const char *kap_level_name(kap_level level)
{
    if ((unsigned)level > KAP_LEVEL_REQUEST_RESPONSE)
        return NULL;
    return LEVELS[level];
}

int kap_level_parse(kap_level *out, const char *name)
{
    if (!out || !name)
        return KAP_EARG;
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, LEVELS[i]) == 0) {
            *out = (kap_level)i;
            return KAP_OK;
        }
    }
    return KAP_EARG;
}

const char *kap_stage_name(unsigned int bit)
{
    for (int i = 0; i < 4; i++)
        if (bit == (1u << i))
            return STAGES[i];
    return NULL;
}

int kap_stage_parse(unsigned int *out, const char *name)
{
    if (!out || !name)
        return KAP_EARG;
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, STAGES[i]) == 0) {
            *out = 1u << i;
            return KAP_OK;
        }
    }
    return KAP_EARG;
}

void kap_options_init(kap_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->version = KAP_OPTIONS_VERSION;
    o->kube_minor = KAP_KUBE_MINOR_MAX;
    o->max_file_size = KAP_DEFAULT_MAX_FILE_SIZE;
    o->max_depth = KAP_DEFAULT_MAX_DEPTH;
    o->max_alias_nodes = KAP_DEFAULT_MAX_ALIAS_NODES;
    o->max_rules = KAP_DEFAULT_MAX_RULES;
    o->max_string_length = KAP_DEFAULT_MAX_STRING_LENGTH;
}

static int limits_from(const kap_options *o, kap_limits *l)
{
    l->kube_minor = KAP_KUBE_MINOR_MAX;
    l->max_file_size = KAP_DEFAULT_MAX_FILE_SIZE;
    l->max_depth = KAP_DEFAULT_MAX_DEPTH;
    l->max_alias_nodes = KAP_DEFAULT_MAX_ALIAS_NODES;
    l->max_rules = KAP_DEFAULT_MAX_RULES;
    l->max_string_length = KAP_DEFAULT_MAX_STRING_LENGTH;
    if (!o)
        return KAP_OK;
    if (o->version < 1)
        return KAP_EARG;
    if (o->kube_minor) {
        if (o->kube_minor < KAP_KUBE_MINOR_MIN || o->kube_minor > KAP_KUBE_MINOR_MAX)
            return KAP_EARG;
        l->kube_minor = o->kube_minor;
    }
    if (o->max_file_size)
        l->max_file_size = o->max_file_size;
    if (o->max_depth)
        l->max_depth = o->max_depth < KAP_DEFAULT_MAX_DEPTH ? o->max_depth : KAP_DEFAULT_MAX_DEPTH;
    if (o->max_alias_nodes)
        l->max_alias_nodes = o->max_alias_nodes;
    if (o->max_rules)
        l->max_rules = o->max_rules;
    if (o->max_string_length)
        l->max_string_length = o->max_string_length;
    return KAP_OK;
}

int limits_for(const kap_options *o, kap_limits *l)
{
    if (limits_from(o, l))
        return KAP_EARG;
    l->changes = release_changes(l->kube_minor);
    l->gofmt = release_gofmt(l->changes);
    return KAP_OK;
}

/* Go prints system errors in lower case ("no such file or directory"). */
static void go_errno_text(char *buf, size_t n, int err)
{
    snprintf(buf, n, "%s", strerror(err));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
}

static int set_error(kap_diagnostics *d, int status, const char *text)
{
    if (!d)
        return status;
    diags_add(d, KAP_SEVERITY_ERROR, "", text, 0, 0);
    kap_free(d->error_text);
    d->error_text = kap_strndup(text, strlen(text));
    if (!d->error_text || d->oom)
        return KAP_ENOMEM;
    return status;
}

/* os.ReadFile's error as LoadPolicyFromFile wraps it: the path %q-quoted. */
static int read_error(kap_diagnostics *d, const kap_limits *lim, const char *path, const char *op,
                      const char *why)
{
    kap_buf b = {0};
    buf_adds(&b, "failed to read file path ");
    go_quote_as(&b, path, strlen(path), lim->gofmt);
    buf_printf(&b, ": %s %s: %s", op, path, why);
    int rc = b.oom ? KAP_ENOMEM : set_error(d, KAP_EIO, b.s);
    buf_free(&b);
    return rc;
}

/* policy_load_doc; and where *owned holds the input's bytes, they are freed
 * (and *owned set to NULL) once decoding no longer needs them. */
static int load_doc(kap_policy **out, const char *data, size_t len, const kap_limits *lim, kap_diagnostics *diags,
                    kap_arena *work, kdoc *doc, int *decoded, char **owned)
{
    *decoded = 0;
    if (len > lim->max_file_size) {
        char msg[160];
        snprintf(msg, sizeof msg, "the file has %zu bytes, more than the limit of %zu (max_file_size)", len,
                 lim->max_file_size);
        return set_error(diags, KAP_ELIMIT, msg);
    }
    /* the strings of a YAML document are decoded where the policy keeps
     * them: its rules point at them, no copy (compile_policy) */
    kap_arena strs = {0};
    int rc = decode_policy(work, &strs, data, len, lim, doc, diags);
    if (owned && *owned && !doc->borrows_input) {
        kap_free(*owned);
        *owned = NULL;
    }
    if (rc == KAP_OK) {
        *decoded = 1;
        rc = validate_policy(doc, lim, diags);
    }
    if (rc == KAP_OK) {
        kap_policy *p = kap_calloc(1, sizeof *p);
        if (!p) {
            rc = KAP_ENOMEM;
        } else {
            p->kube_minor = lim->kube_minor;
            p->arena = strs;
            memset(&strs, 0, sizeof strs);
            rc = compile_policy(p, doc, !doc->borrows_input);
            if (rc == KAP_OK) {
                *out = p;
            } else {
                table_free(p);
                arena_free(&p->arena);
                kap_free(p);
            }
        }
    }
    /* no policy: the document's strings live as long as the rest of it */
    arena_merge(work, &strs);
    if (rc == KAP_ENOMEM && diags && !diags->error_text)
        set_error(diags, KAP_ENOMEM, "out of memory");
    return rc;
}

int policy_load_doc(kap_policy **out, const char *data, size_t len, const kap_limits *lim,
                    kap_diagnostics *diags, kap_arena *work, kdoc *doc, int *decoded)
{
    return load_doc(out, data, len, lim, diags, work, doc, decoded, NULL);
}

static int load(kap_policy **out, const char *data, size_t len, const kap_limits *lim, kap_diagnostics *diags,
                char **owned)
{
    kap_arena work = {0};
    kdoc doc;
    int decoded;
    int rc = load_doc(out, data, len, lim, diags, &work, &doc, &decoded, owned);
    arena_free(&work);
    return rc;
}

int kap_policy_load_buffer(kap_policy **out, const void *data, size_t len, const char *name,
                           const kap_options *opts, kap_diagnostics **diags_out)
{
    kap_limits lim;
    if (diags_out)
        *diags_out = NULL;
    if (!out)
        return KAP_EARG;
    *out = NULL;
    if (!data && len)
        return KAP_EARG;
    if (limits_for(opts, &lim))
        return KAP_EARG;
    kap_diagnostics *d = diags_new(name);
    if (!d)
        return KAP_ENOMEM;
    int rc = load(out, data ? data : "", len, &lim, d, NULL);
    if (diags_out)
        *diags_out = d;
    else
        kap_diagnostics_free(d);
    return rc;
}

int policy_read_file(const char *path, const kap_limits *lim, kap_diagnostics *d, char **out_data,
                     size_t *out_len)
{
    char *data = NULL;
    size_t len = 0;
    *out_data = NULL;
    *out_len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        char e[128];
        go_errno_text(e, sizeof e, errno);
        return read_error(d, lim, path, "open", e);
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return read_error(d, lim, path, "read", "is a directory");
    }
    /* a regular file's size is known: one buffer of that size (and one byte
     * more, to see the end), unless the file grows meanwhile */
    size_t cap = 0, first = 65536;
    int sized = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
                (unsigned long long)st.st_size < (unsigned long long)lim->max_file_size;
    if (sized)
        first = (size_t)st.st_size + 1;
    int rc = KAP_OK;
    for (;;) {
        if (len == cap) {
            if (cap > lim->max_file_size) {
                char msg[160];
                snprintf(msg, sizeof msg, "the file has more than %zu bytes, the limit (max_file_size)",
                         lim->max_file_size);
                rc = set_error(d, KAP_ELIMIT, msg);
                break;
            }
            size_t ncap = cap ? cap * 2 : first;
            char *nd = kap_realloc(data, ncap);
            if (!nd) {
                rc = set_error(d, KAP_ENOMEM, "out of memory");
                break;
            }
            data = nd;
            cap = ncap;
            if (sized && len == 0)
                kap_prefault(data, cap); /* the file's size: read whole */
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                char e[128];
                go_errno_text(e, sizeof e, errno);
                rc = read_error(d, lim, path, "read", e);
            }
            break;
        }
    }
    fclose(f);
    if (rc != KAP_OK) {
        kap_free(data);
        return rc;
    }
    *out_data = data;
    *out_len = len;
    return KAP_OK;
}

int kap_policy_load(kap_policy **out, const char *path, const kap_options *opts,
                    kap_diagnostics **diags_out)
{
    kap_limits lim;
    if (diags_out)
        *diags_out = NULL;
    if (!out || !path)
        return KAP_EARG;
    *out = NULL;
    if (limits_for(opts, &lim))
        return KAP_EARG;
    kap_diagnostics *d = diags_new(path);
    if (!d)
        return KAP_ENOMEM;
    char *data;
    size_t len;
    int rc = policy_read_file(path, &lim, d, &data, &len);
    if (rc == KAP_OK)
        rc = load(out, data ? data : "", len, &lim, d, &data);
    kap_free(data);
    if (diags_out)
        *diags_out = d;
    else
        kap_diagnostics_free(d);
    return rc;
}

void kap_policy_free(kap_policy *p)
{
    if (!p)
        return;
    table_free(p);
    arena_free(&p->arena);
    kap_free(p);
}

size_t kap_policy_rule_count(const kap_policy *p) { return p ? p->nrules : 0; }

unsigned int kap_policy_rule_line(const kap_policy *p, size_t i)
{
    return p && i < p->nrules ? p->rules[i].line : 0;
}

unsigned int kap_policy_rule_column(const kap_policy *p, size_t i)
{
    return p && i < p->nrules ? p->rules[i].col : 0;
}

kap_level kap_policy_rule_level(const kap_policy *p, size_t i)
{
    return p && i < p->nrules ? (kap_level)p->rules[i].level : KAP_LEVEL_NONE;
}

size_t kap_policy_table_bytes(const kap_policy *p) { return p ? p->table_bytes : 0; }

int kap_policy_rule_decision(const kap_policy *p, size_t i, kap_decision *out)
{
    if (!p || !out || i > p->nrules)
        return KAP_EARG;
    *out = p->table->results[i];
    return KAP_OK;
}

size_t kap_decision_format_json(const kap_decision *d, char *buf, size_t len)
{
    char tmp[160];
    int n;
    if (!d)
        return 0;
    /* byte order: Panic, RequestReceived, ResponseComplete, ResponseStarted */
    static const struct {
        unsigned bit;
        const char *name;
    } order[] = {{KAP_STAGE_PANIC, "Panic"},
                 {KAP_STAGE_REQUEST_RECEIVED, "RequestReceived"},
                 {KAP_STAGE_RESPONSE_COMPLETE, "ResponseComplete"},
                 {KAP_STAGE_RESPONSE_STARTED, "ResponseStarted"}};
    char stages[96] = "";
    size_t sl = 0;
    for (int i = 0; i < 4; i++) {
        if (d->omit_stages & order[i].bit) {
            sl += (size_t)snprintf(stages + sl, sizeof stages - sl, "%s\"%s\"", sl ? "," : "", order[i].name);
        }
    }
    const char *level = kap_level_name(d->level);
    n = snprintf(tmp, sizeof tmp, "{\"level\":\"%s\",\"omitStages\":[%s],\"omitManagedFields\":%s,\"rule\":%d}",
                 level ? level : "None", stages, d->omit_managed_fields ? "true" : "false", d->rule);
    if (n < 0)
        return 0;
    if (buf && len) {
        size_t c = (size_t)n < len - 1 ? (size_t)n : len - 1;
        memcpy(buf, tmp, c);
        buf[c] = 0;
    }
    return (size_t)n;
}
