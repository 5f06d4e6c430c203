/* What the kernel needs to run a program file: the interpreter a script
 * names on its "#!" line, or the loader (PT_INTERP) of a dynamically
 * linked ELF program. check-manifest asks it of the webhook kubeconfig's
 * exec plugin, which runs in kube-apiserver's container, whose images
 * hold no shell, no C library and no loader.
 * SPDX-License-Identifier: Apache-2.0 */
#include <string.h>
#include <unistd.h>

#include "manifest_internal.h"

/* The kernel reads a script's first line from its first 256 bytes
 * (BINPRM_BUF_SIZE). */
#define HEAD_BYTES 256
#define PT_INTERP_TYPE 3u
#define MAX_PHDRS 4096u /* more program headers: not read (no verdict) */

static uint64_t get_uint(const unsigned char *p, unsigned n, int big)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[big ? i : n - 1 - i] << (8 * (n - 1 - i));
    return v;
}

/* The loader an ELF program names (head: its first bytes, n of them). */
static int elf_interp(int fd, const unsigned char *head, size_t n, char *out, size_t cap)
{
    if (n < 52) /* (a 32-bit file header's size; a 64-bit one's is 64) */
        return EXEC_UNKNOWN;
    int wide = head[4] == 2, big = head[5] == 2;
    if ((head[4] != 1 && !wide) || (head[5] != 1 && !big) || (wide && n < 64))
        return EXEC_UNKNOWN;
    uint64_t phoff = wide ? get_uint(head + 32, 8, big) : get_uint(head + 28, 4, big);
    unsigned phentsize = (unsigned)get_uint(head + (wide ? 54 : 42), 2, big);
    unsigned phnum = (unsigned)get_uint(head + (wide ? 56 : 44), 2, big);
    unsigned need = wide ? 56u : 32u; /* the header's fields read below */
    if (phentsize < need || phnum > MAX_PHDRS || phoff > (uint64_t)INT64_MAX - (uint64_t)phnum * phentsize)
        return EXEC_UNKNOWN;
    for (unsigned i = 0; i < phnum; i++) {
        unsigned char ph[56];
        if (pread(fd, ph, need, (off_t)(phoff + (uint64_t)i * phentsize)) != (ssize_t)need)
            return EXEC_UNKNOWN;
        if (get_uint(ph, 4, big) != PT_INTERP_TYPE)
            continue;
        uint64_t off = wide ? get_uint(ph + 8, 8, big) : get_uint(ph + 4, 4, big);
        uint64_t size = wide ? get_uint(ph + 32, 8, big) : get_uint(ph + 16, 4, big);
        if (size == 0 || size > cap || off > (uint64_t)INT64_MAX)
            return EXEC_UNKNOWN;
        ssize_t got = pread(fd, out, (size_t)size, (off_t)off);
        if (got != (ssize_t)size)
            return EXEC_UNKNOWN;
        size_t len = strnlen(out, (size_t)size);
        if (len == 0 || len == (size_t)size) /* (the kernel wants it NUL-terminated) */
            return EXEC_UNKNOWN;
        return EXEC_DYNAMIC;
    }
    return EXEC_STATIC;
}

int exec_format(int fd, char *interp, size_t cap)
{
    unsigned char head[HEAD_BYTES];
    ssize_t n = pread(fd, head, sizeof head, 0);
    if (n < 0)
        return EXEC_UNKNOWN;
    if (n >= 4 && memcmp(head, "\177ELF", 4) == 0)
        return elf_interp(fd, head, (size_t)n, interp, cap);
    if (n < 2 || head[0] != '#' || head[1] != '!')
        return EXEC_NOT_A_PROGRAM;
    /* "#!", blanks, the interpreter up to a blank or the line's end */
    size_t i = 2;
    while (i < (size_t)n && (head[i] == ' ' || head[i] == '\t'))
        i++;
    size_t start = i;
    while (i < (size_t)n && head[i] != ' ' && head[i] != '\t' && head[i] != '\n' && head[i] != 0)
        i++;
    if (i == start)
        return EXEC_NOT_A_PROGRAM; /* (the kernel: ENOEXEC) */
    if ((i == sizeof head) || i - start >= cap)
        return EXEC_UNKNOWN; /* the line goes on past what the kernel reads */
    memcpy(interp, head + start, i - start);
    interp[i - start] = 0;
    return EXEC_SCRIPT;
}
