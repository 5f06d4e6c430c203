/* kubelet's command line as systemd builds it from the node's files: the
 * kubelet.service unit, its drop-ins, the Environment= and
 * EnvironmentFile= settings they make and the ExecStart= line, with its
 * $VAR and ${VAR} references expanded (systemd.service(5),
 * systemd.exec(5), systemd.unit(5)). Read under check-manifest's root.
 * SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kubelet_cmdline.h"

/* Where systemd looks for system units, highest priority first (the
 * directories a package or an administrator writes; /lib for systems
 * whose /lib is not a link to /usr/lib). */
static const char *const unit_dirs[] = {
    "/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
    "/lib/systemd/system",
};
#define N_UNIT_DIRS (sizeof unit_dirs / sizeof unit_dirs[0])

/* What kubeadm's packages put in place, assumed when the root holds no
 * kubelet unit at all (a copy of a node's /etc/kubernetes and
 * /var/lib/kubelet only): the environment files their drop-in reads and
 * the variables its ExecStart expands. --config is left out so that the
 * default config stays a default (not checked when missing). */
static const char default_dropin[] = "[Service]\n"
                                     "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n"
                                     "EnvironmentFile=-/etc/default/kubelet\n"
                                     "EnvironmentFile=-/etc/sysconfig/kubelet\n"
                                     "ExecStart=/usr/bin/kubelet $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n";

typedef struct var {
    const char *name, *value, *from;
    size_t nl, vl;
    const char **words; /* the value split into words, once it was (split set) */
    size_t *wlen, nwords;
    int split, cut; /* cut: its words alone pass KUBELET_ARGV_MAX (not all kept) */
} var;

typedef struct envfile {
    const char *path, *from;
    int optional; /* written with '-': a missing file is no error */
    int again;    /* named again later: read there (once_each_file) */
} envfile;

typedef struct state {
    kubelet_cmdline *k;
    const rootfs *rt;
    size_t max;
    var *vars;
    size_t nvars, vars_cap;
    var **index; /* the last setting of each variable, by name (expand_exec) */
    size_t nindex;
    envfile *files;
    size_t nfiles, files_cap;
    const char *exec, *exec_from;
    const char *exec_before; /* the file of an ExecStart= still in force when another came */
    int oneshot;             /* Type=oneshot: several ExecStart= allowed */
    int argv0;               /* '@': the next word made is argv[0], counted but not an argument */
} state;

static const char *adup(kubelet_cmdline *k, const char *s, size_t n)
{
    const char *d = arena_strndup(&k->a, s, n);
    if (!d)
        k->oom = 1;
    return d;
}

static void note_read(kubelet_cmdline *k, const char *path)
{
    if (kap_grow(&k->read, &k->read_cap, k->nread + 1, sizeof *k->read, 8) != 0) {
        k->oom = 1;
        return;
    }
    k->read[k->nread++] = path;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The next word of s (from *pos): words are separated by white space;
 * "..." and '...' group (the quotes removed), a backslash takes the next
 * character as it is ("\n" and "\t" as the C escapes). Written to out;
 * returns 0 when no word is left. */
static int next_word(const char *s, size_t len, size_t *pos, kap_buf *out)
{
    size_t i = *pos;
    while (i < len && is_space(s[i]))
        i++;
    if (i >= len) {
        *pos = i;
        return 0;
    }
    out->len = 0;
    char quote = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (!quote && is_space(c))
            break;
        if (c == '\\' && i + 1 < len && quote != '\'') {
            char e = s[++i];
            if (e == 'n')
                e = '\n';
            else if (e == 't')
                e = '\t';
            buf_addc(out, e);
        } else if (quote && c == quote) {
            quote = 0;
        } else if (!quote && (c == '"' || c == '\'')) {
            quote = c;
        } else {
            buf_addc(out, c);
        }
    }
    *pos = i;
    buf_cstr(out);
    return 1;
}

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

static void set_var(state *st, const char *name, size_t nl, const char *value, size_t vl, const char *from)
{
    kubelet_cmdline *k = st->k;
    if (kap_grow(&st->vars, &st->vars_cap, st->nvars + 1, sizeof *st->vars, 16) != 0) {
        k->oom = 1;
        return;
    }
    var *v = &st->vars[st->nvars];
    memset(v, 0, sizeof *v);
    v->name = adup(k, name, nl);
    v->value = adup(k, value, vl);
    v->nl = nl;
    v->vl = v->value ? strlen(v->value) : 0; /* a NUL from the file ends it, as a C string would */
    v->from = from;
    if (v->name && v->value)
        st->nvars++;
}

static int name_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

/* Variables by name, then in the order they were set. */
static int var_cmp(const void *x, const void *y)
{
    const var *a = *(var *const *)x, *b = *(var *const *)y;
    int c = name_cmp(a->name, a->nl, b->name, b->nl);
    return c ? c : (a > b) - (a < b);
}

/* st->index: the last setting of each variable (EnvironmentFile= comes
 * after Environment=, so a file's setting wins), sorted by name. */
static void index_vars(state *st)
{
    st->index = st->nvars ? kap_malloc(st->nvars * sizeof *st->index) : NULL; // NOLINT(bugprone-sizeof-expression): an array of pointers
    if (st->nvars && !st->index) {
        st->k->oom = 1;
        return;
    }
    for (size_t i = 0; i < st->nvars; i++)
        st->index[i] = &st->vars[i];
    if (st->nvars > 1)
        qsort(st->index, st->nvars, sizeof *st->index, var_cmp); // NOLINT(bugprone-sizeof-expression): an array of pointers
    size_t n = 0;
    for (size_t i = 0; i < st->nvars; i++) {
        if (n > 0 && name_cmp(st->index[n - 1]->name, st->index[n - 1]->nl, st->index[i]->name,
                              st->index[i]->nl) == 0)
            n--;
        st->index[n++] = st->index[i];
    }
    st->nindex = n;
}

/* The variable's last setting, or NULL. */
static var *get_var(const state *st, const char *name, size_t nl)
{
    size_t lo = 0, hi = st->nindex;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(st->index[mid]->name, st->index[mid]->nl, name, nl);
        if (c == 0)
            return st->index[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Environment=: assignments separated by white space, each quoted or not. */
static void parse_environment(state *st, const char *v, size_t len, const char *from)
{
    kap_buf w = {0};
    size_t pos = 0;
    if (len == 0)
        st->nvars = 0; /* an empty assignment resets the list */
    while (next_word(v, len, &pos, &w)) {
        if (w.oom)
            break;
        const char *eq = memchr(w.s, '=', w.len);
        if (eq && valid_name(w.s, (size_t)(eq - w.s)))
            set_var(st, w.s, (size_t)(eq - w.s), eq + 1, w.len - (size_t)(eq - w.s) - 1, from);
    }
    if (w.oom)
        st->k->oom = 1;
    buf_free(&w);
}

static void add_envfile(state *st, const char *v, size_t len, const char *from)
{
    if (len == 0) {
        st->nfiles = 0;
        return;
    }
    int optional = v[0] == '-'; /* missing is no error: read as empty here too */
    if (optional) {
        v++;
        len--;
    }
    if (kap_grow(&st->files, &st->files_cap, st->nfiles + 1, sizeof *st->files, 8) != 0) {
        st->k->oom = 1;
        return;
    }
    envfile *f = &st->files[st->nfiles];
    f->path = adup(st->k, v, len);
    f->from = from;
    f->optional = optional;
    f->again = 0;
    if (f->path)
        st->nfiles++;
}

/* One unit file or drop-in: its [Service] section's Environment=,
 * EnvironmentFile= and ExecStart= (an empty ExecStart= clears the ones
 * before; the last one runs). Lines end in a backslash to go on; '#' and
 * ';' start comments. */
static void parse_unit(state *st, const char *text, size_t len, const char *from)
{
    kap_buf line = {0};
    int service = 0;
    size_t i = 0;
    while (i < len) {
        line.len = 0;
        /* one logical line; a comment line inside a continued one is
         * skipped and the continuation goes on (systemd.syntax(7)) */
        for (int continued = 0;;) {
            size_t e = i;
            while (e < len && text[e] != '\n')
                e++;
            size_t s = i;
            while (s < e && is_space(text[s]))
                s++;
            int comment = s < e && (text[s] == '#' || text[s] == ';');
            size_t t = e;
            while (t > s && is_space(text[t - 1]))
                t--;
            int more = comment ? continued : t > s && text[t - 1] == '\\';
            if (!comment) {
                buf_add(&line, text + s, t - s - (more ? 1 : 0));
                if (more)
                    buf_addc(&line, ' ');
            }
            i = e < len ? e + 1 : e;
            if (!more || i >= len)
                break;
            continued = 1;
        }
        if (line.oom || !buf_cstr(&line)) {
            st->k->oom = 1;
            break;
        }
        const char *l = line.s;
        size_t n = line.len;
        if (n == 0 || l[0] == '#' || l[0] == ';')
            continue;
        if (l[0] == '[') {
            service = n == 9 && memcmp(l, "[Service]", 9) == 0;
            continue;
        }
        const char *eq = memchr(l, '=', n);
        if (!service || !eq)
            continue;
        size_t kl = (size_t)(eq - l);
        while (kl > 0 && is_space(l[kl - 1]))
            kl--;
        const char *v = eq + 1;
        while (*v && is_space(*v))
            v++;
        size_t vl = n - (size_t)(v - l);
        while (vl > 0 && is_space(v[vl - 1]))
            vl--;
        if (kl == 11 && memcmp(l, "Environment", 11) == 0) {
            parse_environment(st, v, vl, from);
        } else if (kl == 15 && memcmp(l, "EnvironmentFile", 15) == 0) {
            add_envfile(st, v, vl, from);
        } else if (kl == 9 && memcmp(l, "ExecStart", 9) == 0) {
            /* a second one without an empty ExecStart= between: systemd
             * refuses the unit unless it is Type=oneshot */
            if (vl && st->exec && !st->exec_before)
                st->exec_before = st->exec_from;
            if (!vl)
                st->exec_before = NULL;
            st->exec = vl ? adup(st->k, v, vl) : NULL;
            st->exec_from = vl ? from : NULL;
        } else if (kl == 4 && memcmp(l, "Type", 4) == 0) {
            /* a value systemd does not know is ignored, the type kept */
            static const char *const types[] = {"simple", "exec", "forking", "dbus", "notify", "notify-reload",
                                                "idle"};
            int oneshot = vl == 7 && memcmp(v, "oneshot", 7) == 0, known = oneshot;
            for (size_t t = 0; t < sizeof types / sizeof types[0] && !known; t++)
                known = vl == strlen(types[t]) && memcmp(v, types[t], vl) == 0;
            if (known)
                st->oneshot = oneshot;
        }
    }
    buf_free(&line);
}

/* An environment file: KEY=VALUE lines, '#' and ';' comments; values in
 * "..." (backslash escapes) or '...' (as written) may span lines; outside
 * quotes a backslash takes the next character and trailing blanks go. */
static void parse_envfile(state *st, const char *t, size_t len, const char *from)
{
    kap_buf key = {0}, val = {0};
    size_t i = 0;
    while (i < len) {
        while (i < len && is_space(t[i]))
            i++;
        if (i >= len)
            break;
        if (t[i] == '#' || t[i] == ';') {
            while (i < len && t[i] != '\n')
                i++;
            continue;
        }
        key.len = 0;
        while (i < len && t[i] != '=' && t[i] != '\n')
            buf_addc(&key, t[i++]);
        while (key.len > 0 && is_space(key.s[key.len - 1]))
            key.len--;
        if (i >= len || t[i] != '=') {
            continue; /* no '=': not an assignment */
        }
        i++;
        while (i < len && (t[i] == ' ' || t[i] == '\t'))
            i++;
        val.len = 0;
        size_t keep = 0; /* the value's length up to its last quoted or escaped byte */
        char quote = 0;
        for (; i < len; i++) {
            char c = t[i];
            if (!quote && c == '\n')
                break;
            if (quote == '\'') {
                if (c == '\'')
                    quote = 0;
                else
                    buf_addc(&val, c);
                keep = val.len;
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < len) {
                    char e = t[++i];
                    if (e != '\n') /* a backslash before a newline joins the lines */
                        buf_addc(&val, e);
                } else {
                    buf_addc(&val, c);
                }
                keep = val.len;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '\\' && i + 1 < len) {
                char e = t[++i];
                if (e != '\n')
                    buf_addc(&val, e);
                keep = val.len;
            } else {
                buf_addc(&val, c);
                if (!is_space(c))
                    keep = val.len;
            }
        }
        if (key.oom || val.oom) {
            st->k->oom = 1;
            break;
        }
        if (valid_name(key.s ? key.s : "", key.len))
            set_var(st, key.s, key.len, val.s ? val.s : "", keep, from);
    }
    buf_free(&key);
    buf_free(&val);
}

static void add_word(state *st, const char *s, size_t n, const char *from)
{
    kubelet_cmdline *k = st->k;
    if (k->too_long || n + 1 > KUBELET_ARGV_MAX - k->argv_bytes) {
        k->too_long = 1; /* exec would fail (E2BIG): words beyond are not kept */
        return;
    }
    k->argv_bytes += n + 1;
    if (st->argv0) {
        st->argv0 = 0;
        return;
    }
    if (kap_grow(&k->words, &k->words_cap, k->nwords + 1, sizeof *k->words, 16) != 0) {
        k->oom = 1;
        return;
    }
    const char *w = adup(k, s, n);
    if (!w)
        return;
    k->words[k->nwords].s = w;
    k->words[k->nwords].from = from;
    k->nwords++;
}

/* v's value split into words, kept in v (in the arena): read twice, to
 * count and to keep. */
static void split_var(state *st, var *v, kap_buf *sub)
{
    kubelet_cmdline *k = st->k;
    v->split = 1;
    /* the words exec could take: beyond KUBELET_ARGV_MAX any use of the
     * variable is too long, and more are not kept */
    size_t pos = 0, n = 0, bytes = 0;
    while (next_word(v->value, v->vl, &pos, sub) && !sub->oom) {
        if (sub->len + 1 > KUBELET_ARGV_MAX - bytes) {
            v->cut = 1;
            break;
        }
        bytes += sub->len + 1;
        n++;
    }
    if (sub->oom || n == 0)
        return;
    v->words = arena_alloc(&k->a, n * sizeof *v->words);
    v->wlen = arena_alloc(&k->a, n * sizeof *v->wlen);
    if (!v->words || !v->wlen) {
        k->oom = 1;
        return;
    }
    pos = 0;
    while (v->nwords < n && next_word(v->value, v->vl, &pos, sub) && !sub->oom) {
        const char *w = adup(k, sub->s ? sub->s : "", sub->len);
        if (!w)
            return;
        v->words[v->nwords] = w;
        v->wlen[v->nwords++] = sub->len;
    }
}

/* ExecStart's words with the variables expanded: a word that is "$NAME"
 * alone becomes the variable's value split into words (none when it is
 * unset or blank); "${NAME}" anywhere in a word is replaced by the value
 * as it is; "$$" is a '$'. A word from a variable comes from the file
 * that set it. The program is taken as written (systemd substitutes no
 * variable there), its prefixes '-', '@', ':', '+', '!' gone; with '@' the
 * first word the second makes (after substitution) is argv[0], not an
 * argument, and the program is not in argv. */
static void expand_exec(state *st)
{
    kubelet_cmdline *k = st->k;
    index_vars(st);
    kap_buf w = {0}, x = {0}, sub = {0};
    size_t pos = 0, len = strlen(st->exec), idx = 0;
    int at = 0, literal = 0;
    while (!k->oom && !k->too_long && next_word(st->exec, len, &pos, &w) && !w.oom) {
        const char *s = w.s;
        size_t n = w.len;
        if (idx++ == 0) {
            while (n > 0 && strchr("-@:+!", s[0])) {
                at |= s[0] == '@';
                literal |= s[0] == ':'; /* ':': no variable is substituted */
                s++;
                n--;
            }
            add_word(st, s, n, st->exec_from);
            if (at && k->nwords == 1) {
                k->argv_bytes -= n + 1; /* not in argv: argv[0] comes next */
                st->argv0 = 1;
            }
            continue;
        }
        if (literal) {
            add_word(st, s, n, st->exec_from);
            continue;
        }
        if (n > 1 && s[0] == '$' && s[1] != '{' && s[1] != '$' && valid_name(s + 1, n - 1)) {
            var *v = get_var(st, s + 1, n - 1);
            if (v && !v->split)
                split_var(st, v, &sub); /* once: a value named many times is not read again */
            for (size_t j = 0; v && j < v->nwords && !k->oom && !k->too_long; j++)
                add_word(st, v->words[j], v->wlen[j], v->from);
            if (v && v->cut)
                k->too_long = 1;
            continue;
        }
        x.len = 0;
        const char *from = st->exec_from;
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '$' && i + 1 < n && s[i + 1] == '$') {
                buf_addc(&x, '$');
                i++;
            } else if (s[i] == '$' && i + 1 < n && s[i + 1] == '{') {
                const char *end = memchr(s + i + 2, '}', n - i - 2);
                if (!end) {
                    buf_add(&x, s + i, n - i);
                    break;
                }
                const var *v = get_var(st, s + i + 2, (size_t)(end - (s + i + 2)));
                if (v && v->vl > KUBELET_ARGV_MAX - x.len) {
                    k->too_long = 1;
                    break;
                }
                if (v) {
                    buf_add(&x, v->value, v->vl);
                    from = v->from;
                }
                i = (size_t)(end - s);
            } else {
                buf_addc(&x, s[i]);
            }
        }
        if (x.oom || k->too_long)
            break;
        add_word(st, x.s ? x.s : "", x.len, from);
    }
    if (w.oom || x.oom || sub.oom)
        k->oom = 1;
    buf_free(&w);
    buf_free(&x);
    buf_free(&sub);
}

/* A node file's bytes, noted as read; NULL when it cannot be read (errno
 * value in *err). */
static char *read_file(state *st, const char *path, size_t *len, int *err)
{
    kap_buf res = {0};
    char *data = NULL;
    *err = root_read(st->rt, path, st->max, &res, &data, len);
    buf_free(&res);
    if (*err == ENOMEM)
        st->k->oom = 1;
    if (*err) {
        kap_free(data);
        return NULL;
    }
    note_read(st->k, path);
    return data;
}

static int envfile_cmp(const void *x, const void *y)
{
    const envfile *a = *(envfile *const *)x, *b = *(envfile *const *)y;
    int c = strcmp(a->path, b->path);
    return c ? c : (a > b) - (a < b);
}

/* A file named by several EnvironmentFile= lines is read once, where it
 * is named last: its settings then win over the files between as they
 * would (and a unit naming one large file many times is not read as many
 * times); it is required if any line requires it. */
static void once_each_file(state *st)
{
    if (st->nfiles < 2)
        return;
    envfile **by = kap_malloc(st->nfiles * sizeof *by); // NOLINT(bugprone-sizeof-expression): an array of pointers
    if (!by) {
        st->k->oom = 1;
        return;
    }
    for (size_t i = 0; i < st->nfiles; i++)
        by[i] = &st->files[i];
    qsort(by, st->nfiles, sizeof *by, envfile_cmp); // NOLINT(bugprone-sizeof-expression): an array of pointers
    for (size_t i = 0; i + 1 < st->nfiles; i++) {
        if (strcmp(by[i]->path, by[i + 1]->path) == 0) {
            by[i]->again = 1;
            by[i + 1]->optional &= by[i]->optional;
        }
    }
    kap_free(by);
}

typedef struct dropin {
    const char *name, *path;
} dropin;

/* Whether err is what this reader meets where systemd (as root, with no
 * size limit) may not: permissions, the size limit, or an I/O error that
 * cut the file or the listing short. What systemd meets as well (missing,
 * a link loop, a name too long, not a directory, not a regular file)
 * makes it skip the drop-in too: so does this reader, in silence. */
static int only_here(int err)
{
    return err == EACCES || err == EPERM || err == EFBIG || err == EIO;
}

/* The first drop-in directory (dir) or file this reader cannot read. */
static void dropin_unreadable(kubelet_cmdline *k, const char *path, int err, int dir)
{
    if (k->dropin_unreadable)
        return;
    k->dropin_unreadable = adup(k, path, strlen(path));
    k->dropin_err = err;
    k->dropin_dir = dir;
}

/* Whether path, which could not be opened here, is not a regular file
 * (a directory named *.conf that this reader may not open and systemd
 * skips, as it skips one this reader can open). */
static int not_a_file(const rootfs *rt, const char *path, kubelet_cmdline *k)
{
    struct stat sb;
    kap_buf res = {0};
    int other = root_stat(rt, path, &res, &sb) == 0 && !S_ISREG(sb.st_mode);
    if (res.oom)
        k->oom = 1;
    buf_free(&res);
    return other;
}

static int dropin_cmp(const void *a, const void *b)
{
    return strcmp(((const dropin *)a)->name, ((const dropin *)b)->name);
}

int kubelet_cmdline_read(const rootfs *rt, size_t max_file, kubelet_cmdline *k)
{
    memset(k, 0, sizeof *k);
    state st = {0};
    st.k = k;
    st.rt = rt;
    st.max = max_file;
    int found = 0;
    /* the unit: the first kubelet.service of the search path */
    for (size_t d = 0; d < N_UNIT_DIRS && !found && !k->oom; d++) {
        kap_buf p = {0};
        buf_printf(&p, "%s/kubelet.service", unit_dirs[d]);
        const char *path = !p.oom && buf_cstr(&p) ? adup(k, p.s, p.len) : NULL;
        if (p.oom)
            k->oom = 1;
        buf_free(&p);
        /* masked (systemd.unit(5)): a link to /dev/null or an empty file */
        kap_buf res = {0};
        int rerr = path ? root_resolve(rt, path, &res) : 0;
        if (res.oom)
            k->oom = 1;
        int devnull = path && (rerr == 0 || rerr == ENOENT) && res.s && strcmp(res.s, "/dev/null") == 0;
        buf_free(&res);
        size_t len = 0;
        int err = 0;
        char *data = path && !devnull ? read_file(&st, path, &len, &err) : NULL;
        if (!data && err == EINVAL) {
            /* not a regular file: a device masks the unit as /dev/null does */
            struct stat sb;
            kap_buf sres = {0};
            devnull = root_stat(rt, path, &sres, &sb) == 0 && (S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode));
            if (sres.oom)
                k->oom = 1;
            buf_free(&sres);
        }
        if (!data && !devnull && path && err && err != ENOENT && err != ENOTDIR && err != ENOMEM) {
            /* there but not readable here (permissions, size, a directory):
             * systemd would take this one; nothing below it counts */
            k->unit_unreadable = path;
            k->unit_err = err;
            return k->oom ? KAP_ENOMEM : KAP_OK;
        }
        if (devnull || (data && len == 0)) {
            /* nothing of the unit is read: systemd does not start it */
            k->masked = path;
            kap_free(data);
            return k->oom ? KAP_ENOMEM : KAP_OK;
        }
        if (data) {
            found = 1;
            k->unit_file = path;
            parse_unit(&st, data, len, path);
        }
        kap_free(data);
    }
    /* the drop-ins: every *.conf of kubelet.service.d in each directory,
     * a name in a higher directory hiding the same name in a lower one,
     * applied in the order of their names */
    dropin *ds = NULL;
    size_t nds = 0, ds_cap = 0;
    for (size_t d = 0; d < N_UNIT_DIRS && !k->oom; d++) {
        kap_buf dir = {0};
        buf_printf(&dir, "%s/kubelet.service.d", unit_dirs[d]);
        char **names = NULL;
        size_t n = 0;
        int err = !dir.oom && buf_cstr(&dir) ? root_list(rt, dir.s, ".conf", &k->a, &names, &n) : ENOMEM;
        if (err == ENOMEM)
            k->oom = 1;
        else if (only_here(err))
            dropin_unreadable(k, dir.s, err, 1);
        for (size_t i = 0; i < n && !k->oom; i++) {
            int seen = 0;
            for (size_t j = 0; j < nds && !seen; j++)
                seen = strcmp(ds[j].name, names[i]) == 0;
            if (seen)
                continue;
            if (kap_grow(&ds, &ds_cap, nds + 1, sizeof *ds, 8) != 0) {
                k->oom = 1;
                break;
            }
            kap_buf p = {0};
            buf_printf(&p, "%s/%s", dir.s, names[i]);
            ds[nds].name = names[i];
            ds[nds].path = !p.oom && buf_cstr(&p) ? adup(k, p.s, p.len) : NULL;
            if (p.oom)
                k->oom = 1;
            if (ds[nds].path)
                nds++;
            buf_free(&p);
        }
        kap_free(names);
        buf_free(&dir);
    }
    if (nds > 1)
        qsort(ds, nds, sizeof *ds, dropin_cmp);
    for (size_t i = 0; i < nds && !k->oom; i++) {
        size_t len;
        int err;
        char *data = read_file(&st, ds[i].path, &len, &err);
        if (data) {
            found = 1;
            parse_unit(&st, data, len, ds[i].path);
        } else if (only_here(err) && !((err == EACCES || err == EPERM) && not_a_file(rt, ds[i].path, k))) {
            dropin_unreadable(k, ds[i].path, err, 0);
        }
        kap_free(data);
    }
    kap_free(ds);
    if (!found && !k->oom && !k->dropin_unreadable) { /* (one there unread: not kubeadm's files) */
        k->defaults = 1;
        parse_unit(&st, default_dropin, sizeof default_dropin - 1, "kubeadm's default drop-in");
    }
    /* EnvironmentFile=, in order, after Environment= (their settings win) */
    size_t nfiles = st.nfiles;
    once_each_file(&st);
    for (size_t i = 0; i < nfiles && !k->oom; i++) {
        if (st.files[i].again)
            continue;
        size_t len;
        int err;
        char *data = read_file(&st, st.files[i].path, &len, &err);
        if (!data && (err == EACCES || err == EPERM) && not_a_file(rt, st.files[i].path, k))
            err = EISDIR; /* what systemd meets: not a file it can read */
        if (data) {
            parse_envfile(&st, data, len, st.files[i].path);
        } else if (only_here(err) && st.files[i].path[0] == '/' && !strpbrk(st.files[i].path, "*?[%")) {
            /* systemd (as root, no size limit) reads it, '-' or not */
            if (!k->env_unreadable) {
                k->env_unreadable = st.files[i].path;
                k->env_unreadable_from = st.files[i].from;
                k->env_err = err;
            }
        } else if (!st.files[i].optional && !k->env_missing &&
                 (err == ENOENT || err == ENOTDIR || err == ELOOP || err == EISDIR) &&
                 st.files[i].path[0] == '/' && !strpbrk(st.files[i].path, "*?[%")) {
            /* what systemd would fail on too (not what only this reader
             * meets: no permission, over max_file); patterns, specifiers
             * and relative paths (systemd drops those) not looked into */
            k->env_missing = st.files[i].path;
            k->env_missing_from = st.files[i].from;
            k->env_missing_err = err;
        }
        kap_free(data);
    }
    if (k->env_unreadable && (!st.exec || !strchr(st.exec, '$')))
        k->env_unreadable = NULL; /* no variable reaches the command line */
    if (st.exec && st.exec_before && !st.oneshot)
        k->exec_before = st.exec_before;
    if (st.exec && !k->oom) {
        k->exec_from = st.exec_from;
        expand_exec(&st);
    }
    kap_free(st.vars);
    kap_free(st.index);
    kap_free(st.files);
    return k->oom ? KAP_ENOMEM : KAP_OK;
}

void kubelet_cmdline_free(kubelet_cmdline *k)
{
    kap_free(k->words);
    kap_free(k->read);
    arena_free(&k->a);
    memset(k, 0, sizeof *k);
}

/* Whether flag word w (after its "--") names flag name: kubelet's flag set
 * reads '_' as '-' (WordSepNormalizeFunc). Returns the length matched, 0
 * when it is another flag. */
static size_t flag_named(const char *w, const char *name)
{
    size_t i = 0;
    for (; name[i]; i++)
        if (w[i] != name[i] && !(w[i] == '_' && name[i] == '-'))
            return 0;
    return w[i] == '=' || w[i] == '\0' ? i : 0;
}

const char *kubelet_cmdline_flag(const kubelet_cmdline *k, const char *name, const char **from, int *empty)
{
    const char *found = NULL;
    *from = NULL;
    if (empty)
        *empty = 0;
    for (size_t i = 1; i < k->nwords; i++) {
        const char *w = k->words[i].s;
        if (strcmp(w, "--") == 0)
            break; /* pflag: the arguments after are not flags */
        size_t nl;
        if (w[0] != '-' || w[1] != '-' || (nl = flag_named(w + 2, name)) == 0)
            continue; /* another flag (--config-dir for --config) */
        const char *v;
        const char *vfrom = k->words[i].from;
        if (w[2 + nl] == '=') {
            v = w + 3 + nl;
        } else if (i + 1 < k->nwords) {
            v = k->words[++i].s; /* pflag takes the next argument, whatever it is */
            vfrom = k->words[i].from;
        } else {
            continue; /* no value: pflag refuses the command line */
        }
        found = v; /* the last one counts, empty or not */
        *from = vfrom;
    }
    if (found && !found[0]) {
        if (empty)
            *empty = 1;
        else
            *from = NULL;
        found = NULL; /* an empty value: the flag's default, none */
    }
    return found;
}
