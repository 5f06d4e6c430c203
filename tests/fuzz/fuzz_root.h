/* Shared by the check-manifest fuzz targets (fuzz_manifest, fuzz_kubelet):
 * a node root made once under /tmp with the directories a target lists,
 * removed with the files it lists when the fuzzer or the replay driver
 * exits.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_FUZZ_ROOT_H
#define KAP_FUZZ_ROOT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];
static const char *fuzz_target; /* names the target in must()'s message */
static const char *const *root_dirs, *const *root_files; /* parents before children */
static size_t root_ndirs, root_nfiles;

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "%s: %s\n", fuzz_target, what);
        abort();
    }
}

/* n bytes of text as the file rel of the root */
static void root_put_n(const char *rel, const char *text, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s%s", root, rel);
    FILE *f = fopen(path, "wb");
    must(f != NULL, "cannot write the root");
    must(fwrite(text, 1, n, f) == n, "cannot write the root");
    must(fclose(f) == 0, "cannot write the root");
}

static void root_put(const char *rel, const char *text) { root_put_n(rel, text, strlen(text)); }

static void root_remove(void)
{
    char path[256];
    for (size_t i = 0; i < root_nfiles; i++) {
        snprintf(path, sizeof path, "%s%s", root, root_files[i]);
        unlink(path);
    }
    for (size_t i = root_ndirs; i-- > 0;) {
        snprintf(path, sizeof path, "%s%s", root, root_dirs[i]);
        rmdir(path);
    }
    rmdir(root);
}

/* The root /tmp/kap-TARGET-XXXXXX and its directories; the files are the
 * target's to write (root_put), listed here to be removed. */
static void root_make(const char *target, const char *const *dirs, size_t ndirs, const char *const *files,
                      size_t nfiles)
{
    fuzz_target = target;
    root_dirs = dirs;
    root_ndirs = ndirs;
    root_files = files;
    root_nfiles = nfiles;
    snprintf(root, sizeof root, "/tmp/kap-%s-XXXXXX", target);
    must(mkdtemp(root) != NULL, "mkdtemp");
    atexit(root_remove);
    for (size_t i = 0; i < ndirs; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s%s", root, dirs[i]);
        must(mkdir(path, 0755) == 0, "mkdir");
    }
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#endif
