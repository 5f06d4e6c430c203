/* The decision table's layout, shared by compile.c and match.c.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_TABLE_H
#define KAP_TABLE_H

#include "internal.h"

/* What a string means in each role, as bit set index + 1 (0: nothing). */
enum { ROLE_USER, ROLE_GROUP, ROLE_VERB, ROLE_NS, ROLE_URLEXACT, ROLE_URLPREFIX, NROLES };

typedef struct strslot {
    uint32_t len, id;  /* id: the string's id (>= 1) */
    uint64_t wa, wb;   /* strings of up to 16 bytes: str_words() */
    uint32_t set[NROLES];
    uint32_t res_off, res_n; /* resource entries that name this string */
    const char *s; /* len bytes of a compiled rule's string, no NUL after them */
} strslot; /* one cache line: the slots are 64-byte aligned */

/* A resource key hung on the string it is looked up by: the group for
 * K_RALL/K_RSTAR, the combined resource for K_REXACT, the subresource for
 * K_RSUB, the resource for K_RRES. */
typedef struct resentry {
    uint32_t kind; /* K_* without K_NAMED */
    uint32_t group; /* string id, or GROUP_ANY */
    uint32_t name;  /* string id of the resourceName, 0 when the entry has none */
    uint32_t set;
} resentry;

/* Interned strings: string id k (>= 1) lives at slots[k - 1]. The hash
 * index is kept apart and small (8 bytes an entry: the hash's high half
 * and the id), so a lookup of a string the policy does not have touches
 * only the index, and a large policy's index stays in the cache. */
struct kap_strtab {
    strslot *slots;
    void *slots_mem; /* the allocation slots lies in */
    size_t cap;
    uint64_t *index; /* (hash >> 32) << 32 | id; 0: empty */
    size_t nindex;   /* a power of two */
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
_Static_assert(K_RRES < K_NAMED, "a named kind (kind + K_NAMED) stays below 2 * K_NAMED");

#define GROUP_ANY 0xFFFFFFFFu

/* kap_table.has_kind: keys of the kind exist for a named API group
 * (HK_GROUP), for group "*" (HK_ANY) */
enum { HK_GROUP = 1, HK_ANY = 2 };

/* The roles a request string is looked up in. Where a length holds few
 * strings of a role, the lookup compares the strings of the request's
 * length instead of hashing (no hash of a long user name to compute). */
enum { LR_USER, LR_GROUP, LR_VERB, LR_NS, LR_URLEXACT, LR_URLPREFIX, LR_APIGROUP, LR_RES, LR_SUB, LR_NAME, NLR };
_Static_assert((int)LR_USER == (int)ROLE_USER && (int)LR_GROUP == (int)ROLE_GROUP &&
                   (int)LR_VERB == (int)ROLE_VERB && (int)LR_NS == (int)ROLE_NS &&
                   (int)LR_URLEXACT == (int)ROLE_URLEXACT && (int)LR_URLPREFIX == (int)ROLE_URLPREFIX,
               "the first lookup roles are the string roles, in the same order");
#define LM_LONG 64   /* bucket of every string this long or longer */
#define LM_MAX 4     /* more strings of one length (in one role): that length is hashed */
/* A bucket, in one word: its first entry's index in lm (off), how many
 * entries it holds (0..LM_MAX), or LM_HASHED when its length is looked up
 * by hash instead. 0: no string of that role has that length. */
#define LM_HASHED 8u
#define LM_DESC(off, n) ((uint32_t)(off) << 4 | (uint32_t)(n))
_Static_assert(LM_MAX < LM_HASHED, "a bucket's count fits below the hashed bit");

typedef struct lment {
    uint64_t wa, wb; /* str_words(), for strings of up to 16 bytes */
    const char *s;
    uint32_t len, slot; /* slot: index in the string table */
    uint64_t word0;     /* roles LR_USER..LR_URLPREFIX: the first word of
                         * the string's set in that role (rules 0-63) */
} lment;

/* A group of rules (kap_table.groups): positions [start, end). */
typedef struct rgroup {
    uint32_t start, end;
    uint32_t first; /* its first rule's index */
    uint8_t need;   /* A_* bits */
    uint8_t hashed; /* decided by probing kap_table.hkeys (match.c, group_hashed) */
    uint16_t gbit;  /* the group's number in position order (kap_table.set_gmask) */
    uint32_t ws, we;       /* its first and last words: start / 64, (end - 1) / 64 */
    uint64_t mfirst, mlast; /* the bits of its positions in words ws and we */
} rgroup;

/* The attributes a rule constrains (kap_table.need), in the order the
 * small matcher looks them up: cheapest first. */
enum { A_USER = 1, A_NS = 2, A_VERB = 4, A_GROUPS = 8, A_URL = 16, A_RES = 32 };

/* How a string selects a resource entry (kap_table.ent_words). */
enum {
    EW_GROUP,  /* the entry's group */
    EW_REXACT, /* listed as is: the request's resource, or resource/subresource */
    EW_RRES,   /* listed as the string, a slash, a star: the request's resource */
    EW_SUB,    /* listed as a star, a slash, the string: the request's subresource */
    EW_NAME,   /* one of the entry's resourceNames */
    EW_N
};

typedef struct keyslot {
    uint32_t kind, a, b, c; /* kind 0: empty slot */
    uint32_t set;           /* bit set index */
} keyslot;

/* A set of rules, stored sparsely: the 64-rule words that are not zero,
 * as word indexes (ascending) and masks, at [off, off + nw) of the
 * table's widx/wmask arrays. A set with nw == W is dense. */
typedef struct kset {
    uint32_t off, nw;
    uint32_t gi; /* where the set's entry per group starts in kap_table.gidx, or NOWORD */
} kset;

#define NOWORD 0xFFFFFFFFu

/* Sets of at least GIDX_MIN words (but not every word), in the policies
 * match_large decides, have an entry per group (by gbit) in
 * kap_table.gidx: the index, among the set's words, of its first word at
 * or after the group's first word (the set's nw where there is none), with
 * GIDX_DENSE where the set holds every word of the group's range from
 * there; then one more entry, nw. A visit to a group puts such a set's
 * cursor there at once, and where the set is dense in the group a word's
 * index is its distance from the group's first word: no galloping over
 * the words of the groups before, or within. The next entry less this
 * one bounds the set's words in the group (the driver's choice). */
#define GIDX_MIN 8
#define GIDX_DENSE 0x80000000u

struct kap_table {
    size_t nrules, W; /* W: 64-rule words in a full set */
    kset *sets;
    size_t nsets;
    uint32_t *widx;
    uint64_t *wmask;
    size_t nentries;
    uint64_t *mask1; /* each set's first word (rules 0-63): the whole set when W == 1 */
    keyslot *keys;
    size_t nkeys, nkeys_slots;
    uint32_t any_user, any_group, any_verb, ns_base, res_base, url_base;
    uint8_t has_names, has_group_any;
    uint8_t has_kind[K_NAMED * 2]; /* which resource key kinds exist: HK_* bits */
    resentry *res; /* grouped by string; entries with group "*" and kind RALL/RSTAR last */
    size_t nres, any_off, any_n;
    uint32_t *pfx_lens; /* distinct URL prefix lengths, ascending */
    size_t n_pfx_lens;
    kap_decision *results; /* per rule, then the no-match decision */
    uint8_t *need;         /* per rule: A_* bits of the attributes it constrains */
    uint32_t scope_res, scope_nonres; /* sets: rules a resource / non-resource request can match */
    uint32_t lm_desc[NLR][LM_LONG + 1]; /* role r, bucket b: LM_DESC() */
    /* Small policies (W == 1) with at most 64 resource entries (the
     * items of the rules' resources lists, numbered in order): for each
     * string, as bits over entries, the entries it selects in each way
     * (EW_*); see match.c, res_word_small. NULL when not built. */
    uint64_t *ent_words;    /* string slot i: ent_words[i * EW_N + EW_*] */
    uint64_t ent_gany;      /* entries of group "*" (1.36 and later) */
    uint64_t ent_rall;      /* entries without resources: the whole group */
    uint64_t ent_rstar;     /* entries listing "*" */
    uint64_t ent_noname;    /* entries without resourceNames */
    uint8_t ent_rule[64];   /* each entry's rule */
    lment *lm;
    size_t nlm;
    /* Rules grouped by what they constrain, for deciding beyond the first
     * 64 rules (match.c, match_large). A rule's group: its need bits and
     * the requests it can match (GS_*). The sets' words (widx/wmask) number
     * rules by position, not by index: the rules of a group lie at
     * consecutive positions, in rule order, so a group is a range of
     * positions and no wildcard makes a value's set dense within another
     * group's range. mask1 numbers the first 64 rules by index. */
    uint8_t ndirect;     /* rules 0 .. ndirect - 1 are checked directly first, as the scan
                          * would: the first rules, while their lists are short */
    uint32_t *pos_rule;  /* position -> rule index; then, at [nrules], rule index -> position */
    rgroup *groups[2];   /* per scope (SC_*): the groups that can match, by first rule */
    uint32_t ngroups[2];
    unsigned need_all[2]; /* per scope: the attributes its groups constrain */
    rgroup *group_mem;
    /* Pruning the groups (match.c, match_large), where there are at most
     * 64: per set, the groups its positions fall in (bit gbit); per
     * attribute (bit position of its A_* value), the groups that do not
     * constrain it. A group can match only where, for every attribute it
     * constrains, one of the request's sets falls in it. NULL: not built
     * (policies decided word by word, or more than 64 groups). */
    uint64_t *set_gmask;
    uint32_t *gidx;       /* kset.gi: the sets' entries per group (GIDX_MIN) */
    size_t ngidx;
    uint64_t g_without[6];
    uint64_t scope_gmask[2]; /* per scope: its groups */
    uint64_t g_direct;       /* the groups whose rules are all checked directly (ndirect) */
    rgroup *group_by_bit;    /* the groups by gbit */
    /* Hashed groups (rgroup.hashed): groups of more than HASH_GROUP_MIN
     * rules whose every rule lies in at most HASH_RULE_COMBOS combinations
     * of value sets, one set per attribute the group constrains. Each
     * combination is a key (group, the sets in the order of the A_* bits)
     * to the lowest rule that lies in all of them; a request's
     * combinations of its sets are probed instead of walking the group's
     * words. NULL: no hashed group. */
    struct hkey *hkeys;
    size_t nhkeys_slots; /* a power of two */
};

#define HASH_GROUP_MIN 256  /* groups of more rules (4 words) may be hashed */
#define HASH_RULE_COMBOS 8  /* a hashed group's rules lie in at most this many combinations */
#define HASH_PROBES 16      /* more combinations of a request's sets: the group is walked */

typedef struct hkey {
    uint32_t g;    /* the group's gbit + 1; 0: an empty slot */
    uint32_t rule; /* the lowest rule with this combination */
    uint32_t s[6]; /* the value sets, one per constrained attribute, by A_* bit */
} hkey;

static inline uint64_t hkey_hash(uint32_t g, const uint32_t *s, int n)
{
    uint64_t h = ((uint64_t)g + 1) * 0x9E3779B97F4A7C15ULL;
    for (int k = 0; k < n; k++)
        h = (h ^ s[k]) * 0xC2B2AE3D27D4EB4FULL;
    h ^= h >> 31;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 29;
    return h;
}

enum { SC_RES, SC_NONRES };

/* Policies of up to this many 64-rule words are decided beyond their
 * first 64 rules word by word (match.c, match_words), larger ones group by
 * group (match_large): measured on kap-bench's families, the groups' fixed
 * cost is larger than reading every word up to about 4 words. */
#ifndef KAP_WORDS_LAYOUT
#define KAP_WORDS_LAYOUT 4
#endif

#ifndef KAP_DIRECT_RULES
#define KAP_DIRECT_RULES 8
#endif
enum { GS_BOTH, GS_RES, GS_NONRES };
_Static_assert((A_USER | A_NS | A_VERB | A_GROUPS | A_URL | A_RES) < 64, "need values index 64-entry arrays");

/* The work counter of the instrumented build (tests/test_work.c): words
 * of rule sets read, hash probes, string and entry comparisons, rule
 * checks. Compiled in only with KAP_COUNT_WORK; in other builds WORK()
 * is nothing. */
#ifdef KAP_COUNT_WORK
extern _Thread_local unsigned long kap_work_count;
#define WORK(n) ((void)(kap_work_count += (unsigned long)(n)))
#else
#define WORK(n) ((void)0)
#endif

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
