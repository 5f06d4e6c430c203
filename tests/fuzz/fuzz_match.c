/* Fuzz target: differential matching. Input "POLICY\n#--requests--\nJSONL"
 * gives a policy and requests; any other input seeds the policy generator.
 * The decision table and the reference must agree on every request. */
#include "fuzz_common.h"
#include "../policygen.h"

static const char SEP[] = "\n#--requests--\n";

static void generated(const uint8_t *data, size_t size)
{
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < size; i++)
        seed = (seed ^ data[i]) * 0x100000001B3ULL;
    pg_rng rng = {seed | 1};
    pg_buf b = {0};
    unsigned n = 1 + (size ? data[0] % 80 : 5);
    pg_policy(&b, &rng, n, pg_chance(&rng, 50));
    kap_policy *p = NULL;
    if (kap_policy_load_buffer(&p, b.s, b.len, NULL, NULL, NULL) != KAP_OK)
        abort(); /* the generator only writes valid policies */
    for (int k = 0; k < 200; k++) {
        pg_request q;
        pg_random_request(&rng, &q);
        kap_request r = pg_to_request(&q);
        check_agree(p, &r);
        kap_str gn[3];
        kap_request_n rn = pg_request_n(&r, gn);
        check_agree_n(p, &rn);
        /* both forms give one answer for strings without NUL */
        kap_decision a, c;
        kap_policy_match(p, &r, &a);
        kap_policy_match_n(p, &rn, &c);
        if (memcmp(&a, &c, sizeof a) != 0)
            abort();
    }
    kap_policy_free(p);
    free(b.s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *sep = NULL;
    for (size_t i = 0; i + sizeof SEP - 1 <= size; i++)
        if (memcmp(text + i, SEP, sizeof SEP - 1) == 0) {
            sep = text + i;
            break;
        }
    if (!sep) {
        generated(data, size);
        return 0;
    }
    kap_policy *p = NULL;
    if (kap_policy_load_buffer(&p, text, (size_t)(sep - text), NULL, NULL, NULL) != KAP_OK)
        return 0;
    probe_requests(p);
    kap_request_reader *r;
    if (kap_request_reader_new(&r) != KAP_OK)
        abort();
    const char *line = sep + sizeof SEP - 1, *end = text + size;
    while (line < end) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
        kap_request q;
        if (kap_request_reader_parse(r, line, len, &q) == KAP_OK)
            check_agree(p, &q);
        kap_request_n qn;
        if (kap_request_reader_parse_n(r, line, len, &qn) == KAP_OK)
            check_agree_n(p, &qn);
        line += len + 1;
    }
    kap_request_reader_free(r);
    kap_policy_free(p);
    return 0;
}
