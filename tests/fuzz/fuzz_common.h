/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_FUZZ_COMMON_H
#define BW_FUZZ_COMMON_H
#include <stddef.h>
#include <stdint.h>
/* Feed data to both readers; aborts on a violated invariant. Returns 1 when accepted. */
int bw_fuzz_one(const uint8_t *data, size_t size);
#endif
