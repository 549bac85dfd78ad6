/* The fuzzed code path: the CLI's JSON readers (apps/json_input.c, apps/problem_input.c)
 * on an arbitrary byte string, read both as a Gaussian file and as a problem file. Shared by
 * the libFuzzer target (fuzz_reader.c) and the corpus replay (fuzz_replay.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "fuzz_common.h"

/* One line: no control character, not empty, NUL-terminated within the buffer. */
static void check_message(const cli_err *e) {
  size_t n = strnlen(e->msg, sizeof e->msg);
  if (n == 0 || n == sizeof e->msg) abort();
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)e->msg[i] < 0x20) abort();
}

/* What a reader accepted must be a valid Gaussian: finite, symmetric, positive definite. */
static void check_gaussian(const bw_gaussian *g) {
  if (!g || g->d < 1 || g->ld < g->d) abort();
  bw_gaussian *c = bw_gaussian_alloc(g->d);
  if (!c) return;
  if (bw_gaussian_copy(c, g) != BW_OK || bw_gaussian_validate(c, 0.0, NULL) != BW_OK) abort();
  bw_gaussian_free(c);
}

int bw_fuzz_one(const uint8_t *data, size_t size) {
  cli_err e;
  memset(&e, 0, sizeof e);
  bw_gaussian *g = cli_read_gaussian_buffer("fuzz.json", (const char *)data, size, &e);
  if (g) check_gaussian(g);
  else check_message(&e);
  bw_gaussian_free(g);

  /* a particle problem (apps/particles_input.c): accepted positions are finite and ordered */
  bw_system *sys = NULL;
  memset(&e, 0, sizeof e);
  if (cli_read_particles_buffer("fuzz.json", (const char *)data, size, &sys, &e)) {
    const double *x0 = NULL;
    const bw_particles *pp = bw_system_particles(sys, &x0);
    if (!pp || bw_particles_check(pp, x0) != BW_OK) abort();
    bw_system_free(sys);
  } else {
    check_message(&e);
  }

  bw_problem *pb = NULL;
  bw_gaussian *g0 = NULL;
  memset(&e, 0, sizeof e);
  if (cli_read_problem_buffer("fuzz.json", (const char *)data, size, &pb, &g0, &e)) {
    if (!pb || bw_problem_dim(pb) != g0->d || !(bw_problem_tau(pb) >= 0) || !isfinite(bw_problem_tau(pb))) abort();
    check_gaussian(g0);
    bw_problem_free(pb);
    bw_gaussian_free(g0);
    return 1;
  }
  check_message(&e);
  return g != NULL;
}
