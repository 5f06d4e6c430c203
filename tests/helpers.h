/* Small helpers shared by the test programs. */
#ifndef KAP_TEST_HELPERS_H
#define KAP_TEST_HELPERS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kap.h"

/* Loads a policy from a string; returns the status, fills *p and *d. */
static inline int load_str(const char *text, kap_policy **p, kap_diagnostics **d)
{
    return kap_policy_load_buffer(p, text, strlen(text), "test.yaml", NULL, d);
}

/* The error text for a policy that must fail (caller frees nothing; static copy). */
static inline const char *error_of(const char *text)
{
    static char buf[8192];
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    int rc = load_str(text, &p, &d);
    buf[0] = 0;
    if (rc != KAP_OK && d && kap_diagnostics_error_text(d))
        snprintf(buf, sizeof buf, "%s", kap_diagnostics_error_text(d));
    else if (rc == KAP_OK)
        snprintf(buf, sizeof buf, "(loaded)");
    kap_policy_free(p);
    kap_diagnostics_free(d);
    return buf;
}

static inline const char *warning_of(const char *text)
{
    static char buf[8192];
    kap_policy *p = NULL;
    kap_diagnostics *d = NULL;
    load_str(text, &p, &d);
    buf[0] = 0;
    if (d && kap_diagnostics_warning_text(d))
        snprintf(buf, sizeof buf, "%s", kap_diagnostics_warning_text(d));
    kap_policy_free(p);
    kap_diagnostics_free(d);
    return buf;
}

static inline char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        if (len)
            *len = n;
    }
    return buf;
}

#endif
