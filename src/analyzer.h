/* KAP_ANALYZER_ASSUME(cond): tells the static analyzers (clang-tidy's
 * clang-analyzer-* checks and scan-build, which both define
 * __clang_analyzer__) an invariant that holds but that they cannot see across
 * functions. It compiles to nothing in every real build, so it adds no branch
 * to the coverage figures and no cost. Each use says why its condition holds.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef KAP_ANALYZER_H
#define KAP_ANALYZER_H

#ifdef __clang_analyzer__
#define KAP_ANALYZER_ASSUME(cond) \
    do {                          \
        if (!(cond))              \
            __builtin_unreachable(); \
    } while (0)
#else
#define KAP_ANALYZER_ASSUME(cond) ((void)0)
#endif

#endif
