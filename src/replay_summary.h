/* The replay summary (internal layout) and the engine's entry points
 * shared by replay.c, replay_summary.c and replay_input.c.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_REPLAY_SUMMARY_H
#define KAP_REPLAY_SUMMARY_H

#include "replay_internal.h"

#define RP_MAX_BAD 100   /* bad lines reported one by one; all are counted */
#define RP_EXAMPLES 3    /* auditIDs shown per group of differing decisions */
#define RP_MAX_KEYS 1000000 /* distinct users, resources, verbs or groups kept */

typedef struct rp_rule_stats {
    uint64_t requests, events, bytes_in, bytes_out;
} rp_rule_stats;

typedef struct rp_piece {
    char *name;
    int begins, ends;
    uint64_t lines; /* newlines in the piece */
} rp_piece;

typedef struct rp_bad {
    uint32_t piece;
    uint64_t line_rel; /* newlines of the piece before the line */
    char *msg;
} rp_bad;

/* The policies' rules, as the summary renders them. */
typedef struct rp_rules {
    size_t n;           /* rules; stats arrays have n + 1 entries (the last: no rule matched) */
    unsigned int *line;
    kap_decision *dec;  /* per rule, and [n] for no match */
    uint64_t fingerprint;
} rp_rules;

/* values of the maps */
typedef struct rp_open {
    uint64_t last; /* position of the request's last event */
} rp_open;

enum { RP_HEAD_ORPHAN = 0, RP_HEAD_BARRIER = 1 };
typedef struct rp_head {
    uint64_t pos;
    int32_t rule_a, rule_b; /* the request as counted (orphans only) */
    int32_t group;          /* index of its group of differing decisions, or -1; an
                             * orphan's auditID is not among the group's examples
                             * until a merge settles that it is a request of its own */
    uint8_t kind, rec;
} rp_head;

typedef struct rp_top {
    uint64_t bytes_out, bytes_in, events;
} rp_top;

typedef struct rp_group {
    uint64_t requests;
    char *ex[RP_EXAMPLES]; /* the smallest auditIDs, NUL-terminated */
} rp_group;

typedef struct rp_frag {
    rp_buf bytes;
    uint64_t len; /* the fragment's real length (bytes beyond max_line are not kept) */
} rp_frag;

enum { RP_LEAD_NONE = 0, RP_LEAD_DONE = 1, RP_LEAD_OPEN = 2 };

struct kap_replay_summary {
    uint64_t window, max_line;
    int has_compare;
    rp_rules rules_a, rules_b;
    int stream_start;
    /* pieces of sources, in order */
    rp_piece *pieces;
    size_t n_pieces, cap_pieces;
    /* the edges */
    int lead_state;  /* RP_LEAD_*: before the first newline, when the first piece continues a source */
    int lead_nl;     /* RP_LEAD_DONE: ended by a newline (else by the end of the source) */
    rp_frag lead, tail;
    /* counts */
    uint64_t n;      /* events (positions) */
    uint64_t requests, bad, bytes_in, bytes_out, bytes_out_b, events_kept, events_kept_b;
    uint64_t matrix[4][4]; /* requests [candidate level][recorded level] */
    uint64_t levels_b[4];
    uint64_t diff_requests;
    rp_rule_stats *stats_a, *stats_b;
    rp_map users, resources, verbs; /* rp_top */
    int keys_truncated;
    rp_map groups; /* rp_group */
    rp_map open;   /* rp_open */
    rp_map head;   /* rp_head */
    rp_bad *bads;
    size_t n_bads;
};

RP_HIDDEN kap_replay_summary *rp_summary_new(const rp_rules *a, const rp_rules *b, uint64_t window,
                                             uint64_t max_line);
/* Byte order of two auditIDs: <0, 0, >0. */
RP_HIDDEN int rp_id_cmp(const char *a, size_t an, const char *b, size_t bn);
/* Where auditID id (n bytes) goes in a group's examples, kept as the
 * RP_EXAMPLES smallest in byte order: its index, or -1 when it is there
 * already or is larger than every example kept. */
RP_HIDDEN int rp_example_slot(const char *const ex[RP_EXAMPLES], const char *id, size_t n);
/* Adds a copy of id to g's examples when it belongs there; -1: no memory. */
RP_HIDDEN int rp_example_add(rp_group *g, const char *id, size_t n);
RP_HIDDEN int rp_rules_copy(rp_rules *dst, const rp_rules *src);
RP_HIDDEN void rp_rules_free(rp_rules *r);

#endif
