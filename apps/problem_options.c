/* bwflow command-line tool: the options every problem command shares (the problem file or
 * preset, the CVODE options) and the trajectory kinds. SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <getopt.h>
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

int cli_problem_command_args(const char *cmd, const char *usage, int argc, char **argv,
                             const struct option *opts, cli_option_fn own, void *ctx,
                             cli_problem_args *pa, bw_jkoflow_opts *fo, FILE *out) {
  *pa = (cli_problem_args)CLI_PROBLEM_ARGS_INIT;
  bw_jkoflow_opts_default(fo);
  cli_err e;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    bool ok;
    switch (c) {
    case 'h': fputs(usage, out); return EXIT_OK;
    case '?':
    case ':': cli_bad_option(cmd, c, argv); return EXIT_USAGE;
    case OPT_PRESET:
    case OPT_DIM:
    case OPT_SEED:
    case OPT_PARTICLES: ok = problem_option(c, optarg, pa, &e); break;
    case OPT_RTOL:
    case OPT_ATOL:
    case OPT_LINSOL: ok = cli_flow_option(c, optarg, fo, &e); break;
    default: ok = own(c, optarg, ctx, &e); break;
    }
    if (!ok) {
      fprintf(stderr, "bwflow %s: %s\n", cmd, e.msg);
      return EXIT_USAGE;
    }
  }
  if (argc - optind > 1) {
    fprintf(stderr, "bwflow %s: unexpected argument '%s'\n", cmd, argv[optind + 1]);
    return EXIT_USAGE;
  }
  pa->path = optind < argc ? argv[optind] : NULL;
  return -1;
}

bool cli_check_flow_options(const bw_system *sys, const bw_jkoflow_opts *fo, const char *opt, cli_err *e) {
  if (fo->linsol == BW_LINSOL_AUTO || bw_system_gaussian(sys, NULL) || bw_system_ridge(sys, NULL)) return true;
  return cli_fail(e, "%s %s: the linear solver is a choice for Gaussian problems; this is a %s problem "
                  "(its flows always use a band solver): leave it at auto", opt, cli_linsol_name(fo->linsol),
                  bw_system_name(sys));
}

const char *cli_kind_list(char *buf, size_t n) {
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < BW_TRAJ_KIND_COUNT && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", bw_traj_kind_name((bw_traj_kind)i));
  return buf;
}

bool cli_parse_kind(const char *opt, const char *s, bw_traj_kind *kind, cli_err *e) {
  for (int k = 0; k < BW_TRAJ_KIND_COUNT; k++)
    if (!strcmp(s, bw_traj_kind_name((bw_traj_kind)k))) {
      *kind = (bw_traj_kind)k;
      return true;
    }
  char known[256];
  return cli_fail(e, "%s: unknown method '%s' (known: %s)", opt, s, cli_kind_list(known, sizeof known));
}
