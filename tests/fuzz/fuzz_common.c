/* The fuzzed code paths, shared by the libFuzzer targets (fuzz_reader.c, fuzz_spec.c,
 * fuzz_journal.c) and the corpus replay (fuzz_replay.c): the CLI's readers
 * (apps/json_input.c, apps/problem_input.c, apps/particles_input.c, apps/ridge_input.c,
 * apps/csv_input.c) on an arbitrary byte string, read as a Gaussian, a particle, a ridge
 * and a problem file and as a CSV table; the sweep's spec reader; the sweep's journal scan
 * with the coordinator's state behind it.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "fuzz_common.h"
#include "sweep/sweep.h"

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
  int accepted = 0;
  memset(&e, 0, sizeof e);
  bw_gaussian *g = cli_read_gaussian_buffer("fuzz.json", (const char *)data, size, &e);
  if (g) check_gaussian(g), accepted = 1;
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
    accepted = 1;
  } else {
    check_message(&e);
  }

  /* a ridge problem (apps/ridge_input.c): a valid problem and initial Gaussian, J finite */
  memset(&e, 0, sizeof e);
  sys = NULL;
  if (cli_read_ridge_buffer("fuzz.json", (const char *)data, size, &sys, &e)) {
    const bw_gaussian *r0 = NULL;
    const bw_ridge_problem *rp = bw_system_ridge(sys, &r0);
    double J;
    if (!rp || bw_ridge_problem_dim(rp) != r0->d || bw_ridge_energy(rp, NULL, r0, &J) != BW_OK) abort();
    check_gaussian(r0);
    bw_system_free(sys);
    accepted = 1;
  } else {
    check_message(&e);
  }

  /* a CSV table (apps/csv_input.c): rectangular, finite */
  cli_csv t;
  memset(&e, 0, sizeof e);
  if (cli_parse_csv("fuzz.csv", (const char *)data, size, &t, &e)) {
    if (t.ncols < 1 || t.nrows < 1 || !t.names) abort();
    for (size_t k = 0; k < (size_t)t.ncols * t.nrows; k++)
      if (!isfinite(t.data[k])) abort();
    cli_csv_free(&t);
    accepted = 1;
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
  return accepted;
}

/* ---- the sweep's spec reader (apps/sweep/sweep_spec.c) ---- */

/* What the spec reader accepted must be a sweep it can run: at least one problem, each a
 * preset or a file; every ladder automatic or at least two distinct positive step sizes
 * that divide its horizon; a name usable in file names; a non-empty subset of the errors. */
static void check_spec(const sweep_spec *s) {
  if (s->nprob < 1 || s->nprob > SWEEP_MAX_PROBLEMS || !s->name[0] || s->name[0] == '.') abort();
  for (const char *c = s->name; *c; c++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", *c)) abort();
  if (!s->mask || (s->mask & ~BW_ORDER_MASK_ALL)) abort();
  if (!(s->fo.rtol > 0) || !(s->fo.atol > 0)) abort();
  for (int p = 0; p < s->nprob; p++) {
    const sweep_problem *q = &s->prob[p];
    if (!q->args.preset == !q->args.path || q->entry < 0 || q->entry >= s->nentries) abort();
    const sweep_ladder *l = sweep_spec_ladder(s, p);
    if (!l->autom) {
      if (l->n < 2 || l->n > SWEEP_MAX_ETAS || !(l->t > 0) || !isfinite(l->t)) abort();
      for (int i = 0; i < l->n; i++) {
        long steps;
        cli_err e;
        if (!(l->etas[i] > 0) || !cli_step_count(l->etas[i], l->t, &steps, &e)) abort();
        for (int k = 0; k < i; k++)
          if (l->etas[k] == l->etas[i]) abort();
      }
    }
    char label[512];
    sweep_problem_label(s, p, label, sizeof label);
    if (strnlen(label, sizeof label) == sizeof label) abort();
  }
}

int bw_fuzz_spec_one(const uint8_t *data, size_t size) {
  sweep_spec s;
  cli_err e;
  memset(&e, 0, sizeof e);
  /* the files a spec names are not read (a fuzzed path could name anything) */
  if (!sweep_spec_parse_buffer("fuzz/spec.json", (const char *)data, size, false, &s, &e)) {
    check_message(&e);
    return 0;
  }
  check_spec(&s);
  sweep_spec_free(&s);
  return 1;
}

/* ---- the sweep's journal (apps/sweep/sweep_journal.c) and the coordinator's state ---- */

/* A fixed spec for the records to land in: an automatic ladder and an explicit one. */
static const char journal_spec[] =
    "{\"name\": \"j\", \"problems\": [{\"preset\": \"ou2d\"}, {\"preset\": \"random\", \"dim\": [2, 3], "
    "\"etas\": [0.1, 0.05, 0.025], \"t\": 1}]}";

static bool take_record(void *ctx, const sweep_result *r) {
  cli_err e;
  memset(&e, 0, sizeof e);
  /* a record read back must print and read back to the same line */
  char line[8192], again[8192];
  sweep_record_format(r, line, sizeof line);
  sweep_result r2;
  if (!sweep_record_parse(line, &r2)) abort();
  sweep_record_format(&r2, again, sizeof again);
  if (strcmp(line, again)) abort();
  if (sweep_state_record(ctx, r, &e)) return true;
  check_message(&e);
  return false;
}

/* The fuzz input as a journal of the fixed spec, twice: as it is (mostly a journal of
 * another sweep) and after the spec's header (records). The good part ends at a line; the
 * state then hands out tasks that belong to the spec. */
int bw_fuzz_journal_one(const uint8_t *data, size_t size) {
  sweep_spec s;
  cli_err e;
  if (!sweep_spec_parse_buffer("fuzz/j.json", journal_spec, sizeof journal_spec - 1, false, &s, &e)) abort();
  char head[256];
  int accepted = 0;
  for (int form = 0; form < 2; form++) {
    size_t hl = 0;
    if (form) {
      sweep_journal_header(head, sizeof head, s.hash);
      hl = strlen(head);
    }
    char *buf = malloc(hl + size + 1);
    if (!buf) return 0;
    memcpy(buf, head, hl);
    memcpy(buf + hl, data, size);
    buf[hl + size] = '\0';
    sweep_state *st = sweep_state_new(&s);
    if (!st) abort();
    size_t good = 0;
    long records = 0, dropped = 0;
    int rc = sweep_journal_scan(buf, hl + size, s.hash, take_record, st, &good, &records, &dropped);
    if (form && rc) abort(); /* it carries the header */
    if (good > hl + size || (good > 0 && good < hl + size && buf[good - 1] != '\0' && buf[good - 1] != '\n')) abort();
    if (!rc) {
      accepted |= records > 0;
      sweep_state_start(st);
      sweep_task t;
      for (int k = 0; k < 64 && sweep_state_next(st, &t); k++) {
        if (t.p < 0 || t.p >= s.nprob) abort();
        if (t.kind == SWEEP_POINT && (!(t.eta > 0) || !(t.t > 0) || t.j < 0)) abort();
      }
    }
    sweep_state_free(st);
    free(buf);
  }
  sweep_spec_free(&s);
  return accepted;
}
