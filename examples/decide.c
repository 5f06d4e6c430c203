/* decide: reads a policy and a JSON-lines request file, prints each
 * request's decision. A small program built against an installed libkap:
 *   cc decide.c $(pkg-config --cflags --libs kap) -o decide
 *   ./decide policy.yaml requests.jsonl */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kap.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s POLICY REQUESTS.jsonl\n", argv[0]);
        return 2;
    }
    kap_policy *policy;
    kap_diagnostics *diags;
    if (kap_policy_load(&policy, argv[1], NULL, &diags) != KAP_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], diags ? kap_diagnostics_error_text(diags) : "out of memory");
        kap_diagnostics_free(diags);
        return 1;
    }
    kap_diagnostics_free(diags);

    FILE *in = fopen(argv[2], "r");
    if (!in) {
        perror(argv[2]);
        kap_policy_free(policy);
        return 1;
    }
    kap_request_reader *reader;
    if (kap_request_reader_new(&reader) != KAP_OK)
        return 1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long n = 0;
    int status = 0;
    while ((len = getline(&line, &cap, in)) > 0) {
        n++;
        if (line[len - 1] == '\n')
            line[--len] = 0;
        if (len == 0)
            continue;
        kap_request req;
        if (kap_request_reader_parse(reader, line, (size_t)len, &req) != KAP_OK) {
            fprintf(stderr, "%s:%lu: %s\n", argv[2], n, kap_request_reader_error(reader));
            status = 1;
            continue;
        }
        kap_decision d;
        kap_policy_match(policy, &req, &d);
        printf("%lu %s rule=%d\n", n, kap_level_name(d.level), d.rule);
    }
    free(line);
    fclose(in);
    kap_request_reader_free(reader);
    kap_policy_free(policy);
    return status;
}
