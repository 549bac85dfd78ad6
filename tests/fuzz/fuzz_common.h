/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_FUZZ_COMMON_H
#define BW_FUZZ_COMMON_H
#include <stddef.h>
#include <stdint.h>
/* Feed data to the input file readers; aborts on a violated invariant. Returns 1 when
 * accepted. */
int bw_fuzz_one(const uint8_t *data, size_t size);
/* The same for the sweep's spec reader (1: a valid spec). */
int bw_fuzz_spec_one(const uint8_t *data, size_t size);
/* The same for the sweep's journal (1: at least one record kept). */
int bw_fuzz_journal_one(const uint8_t *data, size_t size);
#endif
