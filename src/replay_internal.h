/* Internal declarations of libkap-replay (audit-log replay): the event
 * scanner, the hash maps and byte buffers it uses, and the summary.
 * libkap-replay is its own shared library on top of libkap's public API,
 * so nothing here reaches into libkap's internals.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_REPLAY_INTERNAL_H
#define KAP_REPLAY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer.h"
#include "kap.h"

#define RP_HIDDEN __attribute__((visibility("hidden")))
#define RP_LIKELY(x) __builtin_expect(!!(x), 1)
#define RP_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- allocation (hooks for the allocation-failure test) ----------------- */
RP_HIDDEN void *rp_malloc(size_t n);
RP_HIDDEN void *rp_calloc(size_t n, size_t size);
RP_HIDDEN void *rp_realloc(void *p, size_t n);
RP_HIDDEN void rp_free(void *p);
RP_HIDDEN char *rp_strndup(const char *s, size_t n); /* NUL-terminated copy */
/* Makes room for need elements of elem bytes in the array *pp of *cap
 * (doubling). 0, or -1 out of memory (the array is left as it was). */
RP_HIDDEN int rp_grow(void *pp, size_t *cap, size_t need, size_t elem);

/* A growable byte string; oom is sticky. */
typedef struct rp_buf {
    char *s;
    size_t len, cap;
    int oom;
} rp_buf;
RP_HIDDEN int rp_buf_reserve(rp_buf *b, size_t extra);
RP_HIDDEN void rp_buf_add(rp_buf *b, const void *s, size_t n);
RP_HIDDEN void rp_buf_addc(rp_buf *b, char c);
RP_HIDDEN void rp_buf_adds(rp_buf *b, const char *s);
RP_HIDDEN void rp_buf_printf(rp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string, quoted; bytes that are not UTF-8 as \ufffd (as Go). */
RP_HIDDEN void rp_buf_json(rp_buf *b, const char *s, size_t n);
/* A value from the input in text output: as it is when it is valid UTF-8
 * without control characters (C0, DEL, C1), else quoted as a JSON string
 * with those escaped (\u001b) and bytes that are not UTF-8 as \ufffd. */
RP_HIDDEN void rp_buf_text(rp_buf *b, const char *s, size_t n);
/* Byte c as Go's JSON decoder names it in "invalid character ...": quoted
 * with ' as strconv.Quote writes the rune U+00cc ('x', '\x01', '\u0085',
 * '\'', '"', 'ÿ'); out holds at least 12 bytes. */
RP_HIDDEN void rp_quote_char(char *out, unsigned char c);
RP_HIDDEN void rp_buf_free(rp_buf *b);

RP_HIDDEN uint64_t rp_hash(const void *s, size_t n);

/* ---- a hash map from byte strings to fixed-size values ------------------
 * Entries live in one dense array (insertion order, holes never), found
 * through an open-addressing index; removal moves the last entry into the
 * hole. Keys of up to RP_INLINE_KEY bytes are kept in the entry. */
#define RP_INLINE_KEY 40
typedef struct rp_entry {
    uint64_t hash;
    uint32_t klen;
    union {
        char in[RP_INLINE_KEY];
        char *heap;
    } k;
    /* the value follows, vsize bytes, 8-aligned */
} rp_entry;

typedef struct rp_map {
    unsigned char *ents; /* n entries of esize bytes */
    uint32_t *index;     /* entry number + 1, or 0 */
    size_t n, cap, icap, esize, vsize;
    size_t last_hit; /* a cache for callers: an entry number, or >= n */
} rp_map;

RP_HIDDEN void rp_map_init(rp_map *m, size_t vsize);
RP_HIDDEN void rp_map_free(rp_map *m);
RP_HIDDEN void rp_map_clear(rp_map *m);
static inline rp_entry *rp_map_at(const rp_map *m, size_t i)
{
    return (rp_entry *)(void *)(m->ents + i * m->esize);
}
static inline void *rp_val(rp_entry *e)
{
    return (unsigned char *)e + sizeof(rp_entry);
}
static inline const char *rp_key(const rp_entry *e)
{
    return e->klen <= RP_INLINE_KEY ? e->k.in : e->k.heap;
}
RP_HIDDEN rp_entry *rp_map_find(const rp_map *m, const char *k, size_t n, uint64_t h);
/* Finds or adds (value zeroed). *added tells which. NULL when out of memory. */
RP_HIDDEN rp_entry *rp_map_upsert(rp_map *m, const char *k, size_t n, uint64_t h, int *added);
/* Adds a key known to be absent (value zeroed). NULL when out of memory. */
RP_HIDDEN rp_entry *rp_map_insert(rp_map *m, const char *k, size_t n, uint64_t h);
RP_HIDDEN void rp_map_remove(rp_map *m, rp_entry *e);
/* Entries in byte order of their keys (for canonical output): an array of
 * n pointers the caller frees, or NULL (n == 0 or out of memory). */
RP_HIDDEN rp_entry **rp_map_sorted(const rp_map *m);

/* ---- the event scanner -------------------------------------------------- */

typedef struct rp_str {
    const char *p; /* into the line, or into the scanner's scratch */
    size_t n;
} rp_str;

enum { RP_STAGE_RR = 0, RP_STAGE_RS = 1, RP_STAGE_RC = 2, RP_STAGE_PANIC = 3 };

/* A member of an object to remove when the event is written, with what
 * is needed to take a separating comma with it. */
typedef struct rp_cut {
    size_t kstart, vend;   /* the member: key's opening quote .. after its value */
    size_t prev_vend;      /* end of the previous member's value; SIZE_MAX if first */
    size_t next_kstart;    /* start of the next member's key; SIZE_MAX if last */
    size_t vstart;         /* the value */
    uint32_t obj, idx;     /* which object (scanner's count) and member index */
    int which;             /* 0 requestObject, 1 responseObject, 2 managedFields */
} rp_cut;

typedef struct rp_event {
    size_t start, end;         /* the event object in the line */
    rp_str audit_id, verb, uri, user, ns, api_group, api_version, resource, subresource, name;
    rp_str kind, type_version;       /* the event's own kind and apiVersion (p NULL: absent) */
    int has_user, has_ref, stage, level;
    size_t level_vstart, level_vend; /* the level's string value, quotes included */
    size_t groups_off, n_groups;     /* into the scanner's group list */
    size_t cuts_off, n_cuts;         /* bodies, into the scanner's cut list */
    const char *error;               /* NULL, or why this event is not one */
    const char *type_error;          /* NULL, or kind or apiVersion is not a string */
} rp_event;

typedef struct rp_scan {
    /* per line */
    int is_list;
    size_t items_open, items_close; /* EventList: positions of '[' and ']' */
    rp_event *events;
    size_t n_events, cap_events;
    rp_str *groups;
    size_t n_groups, cap_groups;
    rp_cut *cuts;
    size_t n_cuts, cap_cuts;
    uint32_t n_objects;
    rp_buf scratch; /* unescaped strings */
    /* an EventList whose kind or apiVersion is not one (its items are not
     * events): why, else NULL */
    const char *list_error;
    /* the error of the line, and its byte offset */
    const char *error;
    size_t error_at;
    int oom;
    uint64_t *depth_bits;
    size_t depth_cap;
} rp_scan;

RP_HIDDEN void rp_scan_free(rp_scan *s);
/* Scans one line (no newline). Returns 0 when the line is a JSON object
 * (an Event, or an EventList whose items are scanned); each event may
 * still carry its own error. -1: the line is not valid JSON or not an
 * object (s->error says why), -2: out of memory. */
RP_HIDDEN int rp_scan_line(rp_scan *s, const char *line, size_t len);
/* The managedFields members to drop inside a body value [vstart, vend)
 * of line (metadata.managedFields, items[].metadata.managedFields,
 * rows[].object.metadata.managedFields), appended to s->cuts. */
RP_HIDDEN int rp_scan_managed_fields(rp_scan *s, const char *line, size_t vstart, size_t vend);
/* Writes line[start, end) with the cuts removed (sorted here, in place)
 * and [rep_start, rep_end) replaced by rep (rep may be NULL). Returns the
 * bytes written (or that would be written when out is NULL). */
RP_HIDDEN size_t rp_rewrite(rp_buf *out, const char *line, size_t start, size_t end, rp_cut *cuts,
                            size_t n_cuts, size_t rep_start, size_t rep_end, const char *rep);

#endif
