/* bwflow command-line tool: the options every problem command shares (the problem file or
 * preset, the CVODE options) and the trajectory kinds. SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static bool problem_option(int code, const char *arg, cli_problem_args *a, cli_err *e) {
  long v;
  switch (code) {
  case OPT_PRESET: a->preset = arg; return true;
  case OPT_DIM:
    if (!cli_parse_int("--dim", arg, 1, 46340, &v, e)) return false;
    a->dim = v;
    return true;
  case OPT_PARTICLES:
    if (!cli_parse_int("--particles", arg, 2, 10000000, &v, e)) return false;
    a->particles = v;
    return true;
  case OPT_SEED: {
    char *end = NULL;
    errno = 0;
    unsigned long long s = strtoull(arg, &end, 10);
    if (end == arg || *end || errno == ERANGE || arg[0] == '-')
      return cli_fail(e, "--seed: '%s' is not a non-negative integer", arg);
    a->seed = s;
    a->seed_given = true;
    return true;
  }
  default: return cli_fail(e, "internal: unexpected option code %d", code);
  }
}

bool cli_shared_option(int code, const char *arg, cli_problem_args *pa, bw_jkoflow_opts *fo,
                       bool *ok, cli_err *e) {
  switch (code) {
  case OPT_PRESET:
  case OPT_DIM:
  case OPT_SEED:
  case OPT_PARTICLES: *ok = problem_option(code, arg, pa, e); return true;
  case OPT_RTOL:
  case OPT_ATOL:
  case OPT_LINSOL: *ok = cli_flow_option(code, arg, fo, e); return true;
  default: return false;
  }
}

bool cli_problem_path(int argc, char **argv, cli_problem_args *pa, cli_err *e) {
  extern int optind;
  if (argc - optind > 1) return cli_fail(e, "unexpected argument '%s'", argv[optind + 1]);
  pa->path = optind < argc ? argv[optind] : NULL;
  return true;
}

bool cli_parse_kind(const char *opt, const char *s, bw_traj_kind *kind, cli_err *e) {
  for (int k = 0; k < BW_TRAJ_KIND_COUNT; k++)
    if (!strcmp(s, bw_traj_kind_name((bw_traj_kind)k))) {
      *kind = (bw_traj_kind)k;
      return true;
    }
  return cli_fail(e, "%s: unknown method '%s' (known: jko, forward, wgf, jkoflow, forwardflow, jkoflow2)", opt, s);
}
