/* libFuzzer target for the sweep's journal scan and coordinator state (apps/sweep/sweep_journal.c, sweep_state.c) (build:
 * -Dfuzz=true with clang; run: see tests/fuzz/README.md). SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1u << 20)) return 0; /* larger inputs only cost time */
  bw_fuzz_journal_one(data, size);
  return 0;
}
