/* kap explain: which rule decides a request, and why each earlier rule
 * does not. The request comes as flags, as one JSON request (formats.md),
 * or as METHOD URL, whose attributes libkap derives as kube-apiserver does.
 * SPDX-License-Identifier: Apache-2.0 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
    OPT_USER = 256,
    OPT_GROUP,
    OPT_VERB,
    OPT_NAMESPACE,
    OPT_API_GROUP,
    OPT_RESOURCE,
    OPT_NAME,
    OPT_PATH,
    OPT_JSON,
    OPT_COLOR,
    OPT_KUBE_VERSION
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kap explain [options] POLICY METHOD URL\n"
            "       kap explain [options] POLICY --json REQUEST|-\n"
            "       kap explain [options] POLICY [--user U] [--group G]... [--verb V] [--namespace NS]\n"
            "                   [--api-group G] [--resource R[/SUB]] [--name N] [--path P]\n"
            "\n"
            "Shows which rule of POLICY decides the request and, for every earlier rule, the\n"
            "first check that rejected it (in kube-apiserver's order), with its line.\n"
            "\n"
            "The request:\n"
            "  METHOD URL           as sent to kube-apiserver (GET /api/v1/namespaces/default/pods/web/log);\n"
            "                       verb, namespace, group, resource, subresource and name are derived\n"
            "                       as kube-apiserver derives them; also one argument, 'GET /api/v1/pods'.\n"
            "                       Add --user and --group.\n"
            "  --json REQUEST       one request as JSON (the kap eval form); - reads it from standard input\n"
            "  --user U             the authenticated user (without it: no user, as when\n"
            "                       authentication fails)\n"
            "  --group G            one of the user's groups (with --user); repeat for more\n"
            "  --verb V, --namespace NS, --api-group G, --name N, --path P\n"
            "  --resource R[/SUB]   resource and subresource (pods/log)\n"
            "                       with --resource, --namespace, --api-group or --name the request is a\n"
            "                       resource request, otherwise a non-resource request (--path)\n"
            "\n"
            "Output:\n"
            "  -o, --output human   (default) for people\n"
            "  -o, --output json    one JSON object: rule, level, omitStages, omitManagedFields,\n"
            "                       request, rules (each: rule, line, matched, reason)\n"
            "  --color[=WHEN]       auto (default: on a terminal, unless NO_COLOR is set), always, never\n"
            "  --kube-version 1.N   follow Kubernetes 1.N (1.%u to 1.%u; default 1.%u)\n"
            "\n"
            "Exit status: 0, also when kube-apiserver records no audit event for the request;\n"
            "1 when the policy does not load; 2 for usage errors and requests that cannot be read.\n",
            KAP_KUBE_MINOR_MIN, KAP_KUBE_MINOR_MAX, KAP_KUBE_MINOR_MAX);
}

static int fail_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "kap explain: ");
    fprintf(stderr, msg, arg);
    fprintf(stderr, "\nRun 'kap explain --help' for its options.\n");
    return EXIT_USAGE;
}

static kap_str str_of(const char *s)
{
    kap_str v = {s, s ? strlen(s) : 0};
    return v;
}

/* A string, quoted when empty or when it holds anything but printable
 * ASCII other than quotes and backslashes. */
static void print_value(FILE *f, kap_str v)
{
    int plain = v.ptr && v.len > 0;
    for (size_t i = 0; plain && i < v.len; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        plain = c > 0x20 && c < 0x7f && c != '"' && c != '\\';
    }
    if (plain)
        fwrite(v.ptr, 1, v.len, f);
    else
        cli_json_string_n(f, v.ptr ? v.ptr : "", v.ptr ? v.len : 0);
}

static void print_stages(FILE *f, unsigned stages, int json)
{
    /* formats.md's order: byte order of the names */
    static const unsigned order[] = {KAP_STAGE_PANIC, KAP_STAGE_REQUEST_RECEIVED, KAP_STAGE_RESPONSE_COMPLETE,
                                     KAP_STAGE_RESPONSE_STARTED};
    int first = 1;
    fputc('[', f);
    for (size_t i = 0; i < 4; i++) {
        if (!(stages & order[i]))
            continue;
        fprintf(f, json ? "%s\"%s\"" : "%s%s", first ? "" : json ? "," : ", ", kap_stage_name(order[i]));
        first = 0;
    }
    fputc(']', f);
}

static void json_request(FILE *f, const kap_request_n *q)
{
    fputs("{\"user\":", f);
    if (q->user.ptr)
        cli_json_string_n(f, q->user.ptr, q->user.len);
    else
        fputs("null", f);
    fputs(",\"groups\":[", f);
    for (size_t i = 0; q->groups && i < q->n_groups; i++) {
        if (i)
            fputc(',', f);
        cli_json_string_n(f, q->groups[i].ptr ? q->groups[i].ptr : "", q->groups[i].ptr ? q->groups[i].len : 0);
    }
    fputc(']', f);
    const struct {
        const char *key;
        kap_str v;
    } fields[] = {{"verb", q->verb},   {"namespace", q->ns},       {"apiGroup", q->api_group},
                  {"apiVersion", q->api_version}, {"resource", q->resource}, {"subresource", q->subresource},
                  {"name", q->name}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        fprintf(f, ",\"%s\":", fields[i].key);
        cli_json_string_n(f, fields[i].v.ptr ? fields[i].v.ptr : "", fields[i].v.ptr ? fields[i].v.len : 0);
    }
    fprintf(f, ",\"resourceRequest\":%s,\"path\":", q->resource_request ? "true" : "false");
    cli_json_string_n(f, q->path.ptr ? q->path.ptr : "", q->path.ptr ? q->path.len : 0);
    fputc('}', f);
}

static void print_json(FILE *f, const kap_request_n *q, const kap_explanation *e)
{
    const kap_decision *d = kap_explanation_decision(e);
    fprintf(f, "{\"rule\":%d,\"level\":\"%s\",\"omitStages\":", d->rule, kap_level_name(d->level));
    print_stages(f, d->omit_stages, 1);
    fprintf(f, ",\"omitManagedFields\":%s,\"request\":", d->omit_managed_fields ? "true" : "false");
    json_request(f, q);
    fputs(",\"rules\":[", f);
    for (size_t i = 0; i < kap_explanation_count(e); i++) {
        const kap_explain_step *s = kap_explanation_get(e, i);
        fprintf(f, "%s{\"rule\":%zu,\"line\":%u,\"matched\":%s,\"reason\":", i ? "," : "", s->rule, s->line,
                s->matched ? "true" : "false");
        cli_json_string_n(f, s->reason, strlen(s->reason));
        fputc('}', f);
    }
    fputs("]}\n", f);
}

static void print_human(FILE *f, const char *method, const char *url, const kap_request_n *q,
                        const kap_explanation *e, const kap_policy *p, cli_palette c)
{
    if (method)
        fprintf(f, "%srequest%s %s %s\n", c.bold, c.reset, method, url);
    else
        fprintf(f, "%srequest%s\n", c.bold, c.reset);
    fprintf(f, "  %-16s ", "user");
    if (q->user.ptr)
        print_value(f, q->user);
    else
        fprintf(f, "%s(none: unauthenticated; rules with users or userGroups do not match)%s", c.dim, c.reset);
    fprintf(f, "\n  %-16s ", "groups");
    for (size_t i = 0; q->groups && i < q->n_groups; i++) {
        if (i)
            fputs(", ", f);
        print_value(f, q->groups[i]);
    }
    if (!q->groups || !q->n_groups)
        fprintf(f, "%s(none)%s", c.dim, c.reset);
    fprintf(f, "\n  %-16s %s\n", "resourceRequest", q->resource_request ? "true" : "false");
    const struct {
        const char *key;
        kap_str v;
        int res_only;
    } fields[] = {{"verb", q->verb, 0},          {"namespace", q->ns, 1},
                  {"apiGroup", q->api_group, 1}, {"apiVersion", q->api_version, 1},
                  {"resource", q->resource, 1},  {"subresource", q->subresource, 1},
                  {"name", q->name, 1},          {"path", q->path, 0}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (fields[i].res_only && !q->resource_request && !(fields[i].v.ptr && fields[i].v.len))
            continue;
        fprintf(f, "  %-16s ", fields[i].key);
        print_value(f, fields[i].v);
        if (strcmp(fields[i].key, "apiGroup") == 0 && !(fields[i].v.ptr && fields[i].v.len))
            fprintf(f, " %s(the core group)%s", c.dim, c.reset);
        fputc('\n', f);
    }

    const kap_decision *d = kap_explanation_decision(e);
    fprintf(f, "\n%sdecision%s\n", c.bold, c.reset);
    const char *lc = d->level == KAP_LEVEL_NONE ? c.dim : c.green;
    fprintf(f, "  %-18s %s%s%s%s\n", "level", lc, kap_level_name(d->level), c.reset,
            d->level == KAP_LEVEL_NONE ? " (no audit event is written)" : "");
    fprintf(f, "  %-18s ", "omitStages");
    print_stages(f, d->omit_stages, 0);
    fprintf(f, "\n  %-18s %s\n", "omitManagedFields", d->omit_managed_fields ? "true" : "false");
    if (d->rule >= 0)
        fprintf(f, "  %-18s %d, line %u\n", "rule", d->rule, kap_policy_rule_line(p, (size_t)d->rule));
    else
        fprintf(f, "  %-18s %snone: no rule matches, so the policy's defaults apply%s\n", "rule", c.yellow, c.reset);

    fprintf(f, "\n%srules%s\n", c.bold, c.reset);
    for (size_t i = 0; i < kap_explanation_count(e); i++) {
        const kap_explain_step *s = kap_explanation_get(e, i);
        if (s->matched)
            fprintf(f, "  %srule %zu, line %u: %s -> %s%s\n", c.green, s->rule, s->line, s->reason,
                    kap_level_name(d->level), c.reset);
        else
            fprintf(f, "  %srule %zu, line %u:%s %s\n", c.dim, s->rule, s->line, c.reset, s->reason);
    }
}

/* All of standard input, for --json -. */
static char *read_stdin(size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, stdin);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    if (buf && ferror(stdin)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

typedef struct flags {
    const char *user, *verb, *ns, *api_group, *resource, *name, *path;
    const char **groups;
    size_t n_groups;
    const char *json;
    int attrs; /* attribute options given (not --user or --group) */
} flags;

/* The request from the attribute options. sub receives the copy that
 * --resource R/SUB was split into (the caller frees it). */
static void request_from_flags(const flags *fl, kap_request_n *q, char **sub)
{
    *sub = NULL;
    q->verb = str_of(fl->verb);
    q->ns = str_of(fl->ns);
    q->api_group = str_of(fl->api_group);
    q->name = str_of(fl->name);
    q->path = str_of(fl->path);
    q->resource_request = fl->resource || fl->ns || fl->api_group || fl->name;
    if (fl->resource) {
        const char *slash = strchr(fl->resource, '/');
        if (slash) {
            *sub = strdup(fl->resource);
            if (*sub)
                (*sub)[slash - fl->resource] = 0;
            q->resource = str_of(*sub);
            q->subresource = str_of(slash + 1);
        } else {
            q->resource = str_of(fl->resource);
        }
    }
}

int cmd_explain(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"user", required_argument, NULL, OPT_USER},
        {"group", required_argument, NULL, OPT_GROUP},
        {"verb", required_argument, NULL, OPT_VERB},
        {"namespace", required_argument, NULL, OPT_NAMESPACE},
        {"api-group", required_argument, NULL, OPT_API_GROUP},
        {"resource", required_argument, NULL, OPT_RESOURCE},
        {"name", required_argument, NULL, OPT_NAME},
        {"path", required_argument, NULL, OPT_PATH},
        {"json", required_argument, NULL, OPT_JSON},
        {"output", required_argument, NULL, 'o'},
        {"color", optional_argument, NULL, OPT_COLOR},
        {"kube-version", required_argument, NULL, OPT_KUBE_VERSION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    flags fl;
    memset(&fl, 0, sizeof fl);
    int json_out = 0;
    cli_color_mode color = CLI_COLOR_AUTO;
    kap_options opts;
    kap_options_init(&opts);
    fl.groups = calloc((size_t)argc + 1, sizeof *fl.groups);
    if (!fl.groups) {
        fprintf(stderr, "kap explain: out of memory\n");
        return 1;
    }
    int c, status = EXIT_USAGE;
    char *line = NULL; /* "GET /api/v1/pods" as one argument, as a log shows it */
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            free(fl.groups);
            return 0;
        case 'o':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "human") != 0) {
                status = fail_usage("unknown output format '%s' (human or json)", optarg);
                goto out;
            }
            json_out = strcmp(optarg, "json") == 0;
            break;
        case OPT_COLOR:
            if (cli_parse_color(optarg, &color)) {
                status = fail_usage("--color takes auto, always or never, not '%s'", optarg);
                goto out;
            }
            break;
        case OPT_KUBE_VERSION:
            if (cli_parse_kube_version(optarg, &opts.kube_minor)) {
                status = cli_bad_kube_version("explain", optarg);
                goto out;
            }
            break;
        case OPT_USER: fl.user = optarg; break;
        case OPT_GROUP: fl.groups[fl.n_groups++] = optarg; break;
        case OPT_JSON: fl.json = optarg; break;
        case OPT_VERB: fl.verb = optarg, fl.attrs++; break;
        case OPT_NAMESPACE: fl.ns = optarg, fl.attrs++; break;
        case OPT_API_GROUP: fl.api_group = optarg, fl.attrs++; break;
        case OPT_RESOURCE: fl.resource = optarg, fl.attrs++; break;
        case OPT_NAME: fl.name = optarg, fl.attrs++; break;
        case OPT_PATH: fl.path = optarg, fl.attrs++; break;
        default:
            status = cli_bad_option("explain", c, argc, argv);
            goto out;
        }
    }
    int npos = argc - optind;
    if (npos < 1) {
        status = fail_usage("no policy file given%s", "");
        goto out;
    }
    const char *policy_path = argv[optind];
    const char *method = npos >= 3 ? argv[optind + 1] : NULL, *url = npos >= 3 ? argv[optind + 2] : NULL;
    if (npos == 2 && strchr(argv[optind + 1], ' ')) {
        line = strdup(argv[optind + 1]);
        if (!line) {
            fprintf(stderr, "kap explain: out of memory\n");
            status = 1;
            goto out;
        }
        char *sp = strchr(line, ' ');
        *sp = 0;
        method = line;
        url = sp + 1;
        npos = 3;
    }
    if (npos == 2 || npos > 3) {
        status = fail_usage(npos == 2 ? "give the request as METHOD URL (GET /api/v1/pods), not '%s' alone"
                                      : "too many arguments: '%s' and more after METHOD URL",
                            argv[optind + (npos == 2 ? 1 : 3)]);
        goto out;
    }
    if (method && (fl.attrs || fl.json)) {
        status = fail_usage("METHOD URL gives the request's attributes: only --user and --group go with it%s", "");
        goto out;
    }
    if (fl.n_groups && !fl.user) {
        /* a request without a user failed authentication: its groups are
         * ignored, so the explanation would not be of the request meant */
        status = fail_usage("--group needs --user: a request without a user has no groups%s", "");
        goto out;
    }
    if (fl.json && (fl.attrs || fl.user || fl.n_groups)) {
        status = fail_usage("--json gives the whole request: no other request option goes with it%s", "");
        goto out;
    }
    if (!method && !fl.json && !fl.attrs && !fl.user && !fl.n_groups) {
        status = fail_usage("no request given: METHOD URL, --json, or options such as --verb and --resource%s", "");
        goto out;
    }

    /* the policy first: a policy that does not load is the answer */
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int rc = kap_policy_load(&p, policy_path, &opts, &d);
    if (rc != KAP_OK) {
        if (d)
            cli_print_diagnostics(stderr, policy_path, d);
        else
            fprintf(stderr, "kap explain: %s: %s\n", policy_path, kap_status_name(rc));
        kap_diagnostics_free(d);
        status = 1;
        goto out;
    }
    cli_print_diagnostics(stderr, policy_path, d); /* the lenient-decoding warnings, if any */
    kap_diagnostics_free(d);

    kap_request_n q = KAP_REQUEST_N_INIT;
    kap_requestinfo *ri = NULL;
    kap_request_reader *reader = NULL;
    kap_str *groups = calloc(fl.n_groups + 1, sizeof *groups);
    char *text = NULL, *sub = NULL;
    kap_explanation *e = NULL;
    cli_palette pal = cli_palette_for(!json_out && cli_use_color(color, stdout));
    if (!groups)
        goto oom;
    if (method) {
        if (kap_requestinfo_new(&ri) != KAP_OK)
            goto oom;
        rc = kap_requestinfo_parse_n(ri, method, strlen(method), url, strlen(url), &q);
        if (rc == KAP_EPARSE) {
            const char *why = kap_requestinfo_error(ri);
            if (json_out) {
                printf("{\"noAuditEvent\":true,\"httpStatus\":%d,\"reason\":", kap_requestinfo_http_status(ri));
                cli_json_string_n(stdout, why, strlen(why));
                printf("}\n");
            } else {
                printf("%srequest%s %s %s\n%sno audit event%s: %s\n", pal.bold, pal.reset, method, url, pal.yellow,
                       pal.reset, why);
            }
            status = 0;
            goto done;
        }
        if (rc != KAP_OK)
            goto oom;
    } else if (fl.json) {
        size_t len = strlen(fl.json);
        const char *src = fl.json;
        if (strcmp(fl.json, "-") == 0) {
            text = read_stdin(&len);
            if (!text) {
                fprintf(stderr, "kap explain: reading standard input: %s\n", strerror(errno));
                status = 1;
                goto done;
            }
            src = text;
        }
        if (kap_request_reader_new(&reader) != KAP_OK)
            goto oom;
        rc = kap_request_reader_parse_n(reader, src, len, &q);
        if (rc == KAP_EPARSE) {
            fprintf(stderr, "kap explain: --json: not a request: %s\n", kap_request_reader_error(reader));
            status = EXIT_USAGE;
            goto done;
        }
        if (rc != KAP_OK)
            goto oom;
    } else {
        request_from_flags(&fl, &q, &sub);
        if (fl.resource && strchr(fl.resource, '/') && !sub)
            goto oom;
    }
    if (!fl.json) {
        q.user = str_of(fl.user);
        for (size_t i = 0; i < fl.n_groups; i++)
            groups[i] = str_of(fl.groups[i]);
        q.groups = groups;
        q.n_groups = fl.n_groups;
    }
    if (kap_policy_explain_n(&e, p, &q) != KAP_OK)
        goto oom;
    if (json_out)
        print_json(stdout, &q, e);
    else
        print_human(stdout, method, url, &q, e, p, pal);
    status = cli_finish_stdout("explain");
    goto done;
oom:
    fprintf(stderr, "kap explain: out of memory\n");
    status = 1;
done:
    kap_explanation_free(e);
    kap_requestinfo_free(ri);
    kap_request_reader_free(reader);
    free(groups);
    free(text);
    free(sub);
    kap_policy_free(p);
out:
    free(line);
    free(fl.groups);
    return status;
}
