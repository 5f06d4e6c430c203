/* The decision table's layout, shared by compile.c and match.c.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_TABLE_H
#define KAP_TABLE_H

#include "internal.h"

typedef struct strslot {
    uint64_t h;
    const char *s;
    uint32_t len, id; /* id 0: empty slot */
} strslot;

struct kap_strtab {
    strslot *slots;
    size_t nslots;
    uint32_t count;
};

/* Key kinds. The named variants (resourceNames given) follow at +K_NAMED. */
enum {
    K_USER = 1,
    K_GROUP,
    K_VERB,
    K_NS,
    K_URLEXACT,
    K_URLPREFIX,
    K_RALL,
    K_REXACT,
    K_RSTAR,
    K_RSUB,
    K_RRES,
    K_NAMED = 16
};

#define GROUP_ANY 0xFFFFFFFFu

typedef struct keyslot {
    uint32_t kind, a, b, c; /* kind 0: empty slot */
    uint32_t set;           /* bit set index */
} keyslot;

struct kap_table {
    size_t nrules, W; /* W: 64-bit words per bit set */
    uint64_t *bits;
    size_t nbitsets, bitsets_cap;
    keyslot *keys;
    size_t nkeys, nkeys_slots;
    uint32_t any_user, any_group, any_verb, ns_base, res_base, url_base;
    uint8_t has_users, has_groups, has_verbs, has_ns, has_res, has_urls, has_names, has_group_any;
    uint32_t *pfx_lens; /* distinct URL prefix lengths, ascending */
    size_t n_pfx_lens;
    kap_decision *results; /* per rule, then the no-match decision */
};

static inline uint64_t key_hash4(uint32_t kind, uint32_t a, uint32_t b, uint32_t c)
{
    uint64_t h = ((uint64_t)kind << 32 | a) * 0x9E3779B97F4A7C15ULL;
    h ^= ((uint64_t)b << 32 | c) * 0xC2B2AE3D27D4EB4FULL;
    h ^= h >> 31;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 29;
    return h;
}

#endif
