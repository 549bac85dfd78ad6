/* bwflow order: convergence-order study of the JKO scheme (and of forward Euler), for any
 * system. SPDX-License-Identifier: BSD-3-Clause */
#include <getopt.h>
#include <pthread.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const char usage[] =
    "usage: bwflow order PROBLEM.json [--t T] [--etas e1,e2,...] [--json] [--out DIR]\n"
    "       bwflow order --preset NAME [--dim d] [--seed s] [--particles N] [...]\n"
    "\n"
    "Convergence-order study. For each step eta, run n = T/eta JKO steps and n forward Euler\n"
    "steps from the problem's initial state and measure the largest W2 distance over the\n"
    "steps k = 1..n between the iterate and a reference at time k eta:\n"
    "  err_wgf           JKO iterates vs the Wasserstein gradient flow              O(eta)\n"
    "  err_jkoflow       JKO iterates vs JKO-Flow, the flow of J - eta/4 |grad J|^2  O(eta^2)\n"
    "  err_forward_wgf   forward Euler iterates vs the gradient flow                O(eta)\n"
    "  err_forward_flow  forward Euler iterates vs the flow of J + eta/4 |grad J|^2  O(eta^2)\n"
    "  err_jkoflow2      JKO iterates vs JKO-Flow of order 2 (docs/order2.md)        O(eta^3)\n"
    "  err_fb_wgf        forward-backward iterates vs the gradient flow (docs/vi.md) O(eta)\n"
    "and print them with the local slopes (between consecutive etas), the least-squares\n"
    "slopes of log(error) against log(eta), the asymptotic orders (the local slope at the\n"
    "two smallest etas) and the leading constants lim err/eta^p (Richardson extrapolation).\n"
    "An error whose trajectories the system does not provide (particles: fb; ridges:\n"
    "jkoflow2) reads n/a (nan in the CSV, null in the JSON, with the reason under\n"
    "\"unavailable\"); it is neither computed nor a failure.\n"
    "A step size whose modified flow collapses or turns ill-posed, or whose forward Euler\n"
    "iterates diverge, is a row saying so (null in the JSON); it is left out of the fits.\n"
    "Each integrated reference also runs at 10 x the tolerances; an error below 20 times the\n"
    "resulting estimate of its integration error is marked \"unres.\" and left out of the fits\n"
    "(larger --etas or a smaller --rtol resolve it).\n"
    "For particles each comparison has its own ladder of step sizes (a blank cell: that eta\n"
    "is not in the column's ladder), the flows' tolerances are tightened for the smallest\n"
    "error asked for, and a comparison that cannot be resolved is skipped: the header says\n"
    "so with the numbers (docs/order-study.md).\n"
    "\n"
    "options:\n"
    "  --t T          horizon (default: ~1.5 / the problem's slowest rate, at most 5);\n"
    "                 every eta must divide it\n"
    "  --etas LIST    comma-separated step sizes, at least two, all different, for every\n"
    "                 error (default: 1-2-5 values from the largest step safely inside the\n"
    "                 region where the modified flows are meaningful, seven for Gaussians, a\n"
    "                 ladder per comparison for particles; the table's header says how they\n"
    "                 were chosen)\n"
    CLI_PRESET_HELP
    "  --rtol R       CVODE relative tolerance of the flows (default 1e-12; for particles\n"
    "                 tightened, down to 1e-14, where the ladders need it)\n"
    "  --atol A       CVODE absolute tolerance (default 1e-14, or rtol/100 when tightened)\n"
    "  --linsol L     auto, dense or krylov: CVODE's linear solver for Gaussians (default\n"
    "                 auto: dense for d <= 7, krylov above)\n"
    "  --out DIR      where to write order-NAME.csv and its sidecar order-NAME.json\n"
    "                 (default notebooks-data; NAME is the preset or the file's base name;\n"
    "                 stderr names the files written)\n"
    "  --jobs N       threads computing step sizes in parallel (default: the number of\n"
    "                 processors; BLAS runs single-threaded, so the numbers do not depend on N)\n"
    "  --progress     show progress on stderr even when it is not a terminal (a line a second)\n"
    "  --json         print {\"t\", \"etas\", \"steps\", \"status\", \"fail_time\", \"err_wgf\",\n"
    "                 \"err_jkoflow\", \"err_forward_wgf\", \"err_forward_flow\", \"err_jkoflow2\",\n"
    "                 \"err_fb_wgf\", \"res_*\" (the errors' resolutions), \"slope_*\", \"order_*\",\n"
    "                 \"c1_wgf\", \"c2_jkoflow\", \"c1_forward_wgf\", \"c2_forward_flow\",\n"
    "                 \"c3_jkoflow2\", \"c1_fb_wgf\", \"unavailable\", \"eta_max\", \"eta_safe\",\n"
    "                 \"eta_bound\", \"rtol\", \"atol\", \"ladders\"}\n"
    "                 (\"status\" per eta: \"ok\" or what failed, e.g. \"collapse\"; errors\n"
    "                 null where they failed or are not in the eta's ladders; \"ladders\": per\n"
    "                 error its \"etas\", \"top\", \"bound\", \"constant\", \"floor\",\n"
    "                 \"skipped\", \"size_max\")\n"
    "  -h, --help     this help\n"
    "\n"
    CLI_PROBLEM_FORMAT_HELP
    "\n"
    "exit status: 0 success (also with a comparison skipped by the defaults), 1 numerical\n"
    "or I/O failure, 2 bad input, 3 fewer than three usable step sizes for some error (the modified\n"
    "flows collapse or turn ill-posed, or forward Euler diverges, at the others: use smaller\n"
    "--etas)\n";

/* --rtol and --atol are order's own: it needs to know whether they were given (otherwise the
 * defaults' tolerances apply). */
enum { OPT_JOBS = OPT_COMMAND_BASE, OPT_ORDER_RTOL, OPT_ORDER_ATOL };

/* An error's title in the table and messages ("JKO vs WGF") and its description in the
 * sidecar ("max_k W2(JKO_k, WGF at k eta)"), from the two trajectories it compares: every
 * error of the library has them. */
static const char *kind_title(bw_traj_kind k, bool brief) {
  switch (k) {
  case BW_TRAJ_JKO: return "JKO";
  case BW_TRAJ_FORWARD: return brief ? "FE" : "forward Euler";
  case BW_TRAJ_WGF: return "WGF";
  case BW_TRAJ_JKOFLOW: return "JKO-Flow";
  case BW_TRAJ_FORWARDFLOW: return brief ? "FE-flow" : "forward modified flow";
  case BW_TRAJ_JKOFLOW2: return brief ? "JKO-Flow2" : "JKO-Flow of order 2";
  case BW_TRAJ_FB: return brief ? "FB" : "forward-backward";
  default: return bw_traj_kind_name(k);
  }
}

static const char *err_title(int e, char *buf, size_t n, bool description) {
  bw_traj_kind it = BW_TRAJ_JKO, ref = BW_TRAJ_WGF;
  bw_order_err_pair((bw_order_err)e, &it, &ref);
  if (description) snprintf(buf, n, "max_k W2(%s_k, %s at k eta)", kind_title(it, false), kind_title(ref, false));
  else snprintf(buf, n, "%s vs %s", kind_title(it, true), kind_title(ref, true));
  return buf;
}

typedef struct {
  int n;
  double *etas;
  unsigned *masks; /* per eta: the errors it computes */
  bw_order_point *pts;
  bw_order_fit fit;
  unsigned mask;   /* the errors of the table: those some eta computes, and the n/a ones */
  unsigned na;     /* the errors the system does not provide (n/a: never computed) */
  const bw_system *sys;
} study;

static bool in_mask(unsigned mask, int e) { return mask >> e & 1u; }
/* The row of the last eta before i that computed error e (-1: none). */
static int prev_row(const study *s, int i, int e) {
  while (--i >= 0 && !in_mask(s->masks[i], e)) {}
  return i;
}
/* An error below BW_ORDER_RESOLVED x its resolution (the fits leave it out). */
static bool unresolved(const bw_order_point *p, int e) { return p->err[e] < BW_ORDER_RESOLVED * p->resolution[e]; }

static void print_json_errors(FILE *f, const study *s, int e, bool resolution) {
  fputc('[', f);
  for (int i = 0; i < s->n; i++) {
    if (i) fputs(", ", f);
    cli_print_double(f, resolution ? s->pts[i].resolution[e] : s->pts[i].err[e]); /* null where it failed */
  }
  fputc(']', f);
}

/* "status": the first failure of each eta ("ok"), "fail_time": its time (null). */
static void print_json_status(FILE *f, const study *s, bool times) {
  fputc('[', f);
  for (int i = 0; i < s->n; i++) {
    bw_order_err which = BW_ORDER_WGF;
    bw_status st = bw_order_point_status(&s->pts[i], &which);
    if (i) fputs(", ", f);
    if (times) cli_print_double(f, st ? s->pts[i].fail_time[which] : NAN);
    else fprintf(f, "\"%s\"", bw_order_status_word(st));
  }
  fputc(']', f);
}

static void print_json_fit(FILE *f, const study *s) {
  static const char *const what[3] = {"slope", "order", "c"};
  for (int q = 0; q < 3; q++)
    for (int e = 0; e < BW_ORDER_NERR; e++) {
      const double v = q == 0 ? s->fit.slope[e] : q == 1 ? s->fit.order[e] : s->fit.constant[e];
      if (q == 2) fprintf(f, ", \"c%d_%s\": ", bw_order_err_nominal((bw_order_err)e), bw_order_err_name((bw_order_err)e));
      else fprintf(f, ", \"%s_%s\": ", what[q], bw_order_err_name((bw_order_err)e));
      cli_print_double(f, v);
    }
}

/* "ladders": per error, the step sizes that computed it and, with default step sizes, how
 * they were chosen (docs/order-study.md). */
static void print_json_ladders(FILE *f, const study *s, const bw_order_defaults *def) {
  static const char *const skip[4] = {"null", "\"resolution\"", "\"steps\"", "\"n/a\""};
  fputs(", \"ladders\": {", f);
  for (int e = 0; e < BW_ORDER_NERR; e++) {
    const bw_order_ladder *L = &def->ladder[e];
    fprintf(f, "%s\"%s\": {\"etas\": [", e ? ", " : "", bw_order_err_name((bw_order_err)e));
    for (int i = 0, first = 1; i < s->n; i++)
      if (in_mask(s->masks[i], e)) {
        if (!first) fputs(", ", f);
        cli_print_double(f, s->etas[i]);
        first = 0;
      }
    fputs("], \"top\": ", f);
    cli_print_double(f, L->top);
    fprintf(f, ", \"bound\": \"%s\", \"constant\": ", bw_eta_bound_name(L->bound));
    cli_print_double(f, L->constant);
    fputs(", \"floor\": ", f);
    cli_print_double(f, L->floor);
    fprintf(f, ", \"skipped\": %s, \"size_max\": ", skip[in_mask(s->na, e) ? BW_ORDER_SKIP_NOT_PROVIDED : L->skipped <= BW_ORDER_SKIP_STEPS ? L->skipped : 0]);
    cli_print_double(f, L->size_max);
    fputc('}', f);
  }
  fputc('}', f);
}

static void print_json(FILE *f, const study *s, double T, const bw_jkoflow_opts *fo, const bw_order_defaults *def) {
  fputs("{\"t\": ", f);
  cli_print_double(f, T);
  fputs(", \"etas\": ", f);
  cli_print_vector(f, s->n, s->etas);
  fputs(", \"steps\": [", f);
  for (int i = 0; i < s->n; i++) fprintf(f, "%s%ld", i ? ", " : "", s->pts[i].steps);
  fputs("], \"status\": ", f);
  print_json_status(f, s, false);
  fputs(", \"fail_time\": ", f);
  print_json_status(f, s, true);
  for (int q = 0; q < 2; q++)
    for (int e = 0; e < BW_ORDER_NERR; e++) {
      fprintf(f, ", \"%s_%s\": ", q ? "res" : "err", bw_order_err_name((bw_order_err)e));
      print_json_errors(f, s, e, q);
    }
  print_json_fit(f, s);
  fputs(", \"unavailable\": {", f); /* the n/a errors, with the reason */
  for (int e = 0, first = 1; e < BW_ORDER_NERR; e++) {
    if (!in_mask(s->na, e)) continue;
    bw_traj_kind it, ref;
    bw_order_err_pair((bw_order_err)e, &it, &ref);
    const bw_traj_kind k = bw_system_provides(s->sys, it) ? ref : it;
    fprintf(f, "%s\"%s\": \"the %s system does not provide %s\"", first ? "" : ", ", bw_order_err_name((bw_order_err)e),
            bw_system_name(s->sys), bw_traj_kind_name(k));
    first = 0;
  }
  fputc('}', f);
  fputs(", \"eta_max\": ", f);
  cli_print_double(f, def->eta_max);
  fputs(", \"eta_safe\": ", f);
  cli_print_double(f, def->eta_safe);
  fprintf(f, ", \"eta_bound\": \"%s\", \"rtol\": ", bw_eta_bound_name(def->bound));
  cli_print_double(f, fo->rtol);
  fputs(", \"atol\": ", f);
  cli_print_double(f, fo->atol);
  print_json_ladders(f, s, def);
  fputc('}', f);
}

static const char *const bound_why[BW_BOUND_COUNT] = {
    [BW_BOUND_HORIZON] = "at least 10 steps over T",
    [BW_BOUND_RATE] = "eta x the fastest rate <= 1/2",
    [BW_BOUND_PLAN] = "half the largest step for which the JKO step exists",
    [BW_BOUND_MEAN] = "eta a_max <= 1, half the mean's stability limit",
    [BW_BOUND_COLLAPSE] = "every variance >= 4 x the collapse threshold tau eta/(2 - p eta)",
    [BW_BOUND_ILL_POSED] = "eta lambda_max(H) well below 2 along the way",
    [BW_BOUND_STABILITY] = "forward Euler stable: eta lambda_max(H) well below 2 along the way"};

/* One error's ladder in the header: its step sizes below its bound and its expected constant,
 * or why it is skipped, with the numbers (size: what the system's size is called, and its
 * value). */
static void describe_ladder(FILE *f, const study *s, int e, const bw_order_defaults *def, const char *size,
                            int size_value) {
  const bw_order_ladder *L = &def->ladder[e];
  const int p = bw_order_err_nominal((bw_order_err)e);
  char title[64];
  fprintf(f, "\n  %-17s ", err_title(e, title, sizeof title, false));
  if (L->skipped == BW_ORDER_SKIP_NOT_PROVIDED) {
    bw_traj_kind it, ref;
    bw_order_err_pair((bw_order_err)e, &it, &ref);
    fprintf(f, "n/a: the %s system does not provide %s", bw_system_name(s->sys),
            bw_traj_kind_name(bw_system_provides(s->sys, it) ? ref : it));
    return;
  }
  if (L->skipped == BW_ORDER_SKIP_RESOLUTION) {
    fprintf(f, "skipped, not resolvable in double precision at %s = %d: below the %s bound %.3g (eta_max %.3g) "
            "C%d eta^%d (C%d ~ %.3g) is at most %.2g, and a slope needs %.2g (%g x the flows' floor %.2g) "
            "at three step sizes", size, size_value, bw_eta_bound_name(L->bound), L->top, def->eta_max, p, p, p,
            L->constant, L->constant * pow(L->top, p), BW_ORDER_MARGIN * BW_ORDER_RESOLVED * L->floor,
            BW_ORDER_MARGIN * BW_ORDER_RESOLVED, L->floor);
    if (isfinite(L->size_max)) fprintf(f, "; %s <= %.0f resolves it", size, L->size_max);
    return;
  }
  if (L->skipped == BW_ORDER_SKIP_STEPS) {
    fprintf(f, "skipped: below its %s bound %.3g, three step sizes need more than %ld steps each (--etas runs them)",
            bw_eta_bound_name(L->bound), L->top, BW_ORDER_MAX_STEPS);
    return;
  }
  int n = 0, first = -1, last = -1;
  for (int i = 0; i < s->n; i++)
    if (in_mask(s->masks[i], e)) n++, last = i, first = first < 0 ? i : first;
  if (n) fprintf(f, "%s ... %s (%d), ", CLI_NUM(s->etas[first]), CLI_NUM(s->etas[last]), n);
  if (L->bound == BW_BOUND_RATE) fprintf(f, "below %.3g: eta x the fastest rate <= %.2g", L->top, L->top * def->rate_fast);
  else fprintf(f, "below %.3g: %s", L->top, bound_why[L->bound]);
  if (isfinite(L->constant)) fprintf(f, "; C%d ~ %.3g", p, L->constant);
}

/* The fastest growth rate of the initial state's linearisation (0 when nothing grows); when
 * something grows, *why says what that means, and *slow_grows whether the slowest rate the
 * horizon comes from (bw_order_defaults.rate_slow, a magnitude) is that growth rate.
 * Gaussians: the mean's rates a_k, the covariance's 2 p_k (eigenvalues of A and P = A + K); a
 * negative one grows, and then the problem has no equilibrium. Particles: the eigenvalues of
 * H(x0) (V confines: an equilibrium exists; a negative eigenvalue means the initial state is
 * unstable). Ridges: the eigenvalues of E hess V at the initial Gaussian (the mean's rates;
 * the covariance's are twice them); with a negative one, no equilibrium when the VI optimum
 * cannot be found, else an unstable initial Gaussian. */
static double growth_rate(const bw_system *sys, double rate_slow, bool *slow_grows, const char **why) {
  double grow = 0.0;
  *slow_grows = false;
  *why = "no equilibrium";
  const bw_gaussian *g0 = NULL;
  const double *x0 = NULL;
  const bw_problem *pb = bw_system_gaussian(sys, &g0);
  const bw_particles *pp = bw_system_particles(sys, &x0);
  const bw_ridge_problem *rp = bw_system_ridge(sys, &g0);
  if (pb) {
    const int d = bw_problem_dim(pb);
    const double *a = bw_problem_A_eigvals(pb), *p = bw_problem_P_eigvals(pb);
    for (int i = 0; i < 2 * d; i++) {
      const double r = i < d ? a[i] : 2.0 * p[i - d];
      if (r < 0) grow = fmax(grow, -r), *slow_grows |= -r == rate_slow;
    }
  } else if (pp) {
    double lmin, lmax;
    *why = "x0 is unstable";
    if (!bw_particles_hessian_extremes(pp, NULL, x0, &lmin, &lmax) && lmin < 0)
      grow = -lmin, *slow_grows = -lmin == rate_slow;
  } else if (rp) {
    const int d = bw_ridge_problem_dim(rp);
    double *H = malloc(sizeof(double) * (size_t)d * (2 * (size_t)d + 1)), *V = H + (size_t)d * d, *w = V + (size_t)d * d;
    bw_gaussian *opt = bw_gaussian_alloc(d);
    if (H && opt && !bw_ridge_expected_hessian(rp, NULL, g0, H, d) && !bw_sym_eig(NULL, d, H, d, w, V, d) && w[0] < 0) {
      grow = -w[0], *slow_grows = -w[0] == rate_slow;
      if (bw_ridge_vi_optimum(rp, NULL, g0, opt, NULL) != BW_ERR_NO_CONVERGENCE) *why = "the initial Gaussian is unstable";
    }
    free(H);
    bw_gaussian_free(opt);
  }
  return grow;
}

/* How the horizon and the step sizes were chosen, for the table's header and the sidecar:
 * one line for a ladder shared by every error; else a line per error (describe_ladder).
 * grows: the slowest rate is a growth rate, and grows_why says what it means (growth_rate): no
 * equilibrium, or an unstable initial state; not a relaxation rate. */
static void describe_choice(FILE *f, const study *s, double T, bool t_given, bool etas_given, const bw_order_defaults *def,
                            const bw_jkoflow_opts *fo, bool tol_given, const char *size, int size_value, bool grows,
                            const char *grows_why) {
  const char *rate = grows ? "the slowest rate" : "the slowest relaxation rate";
  char why[96] = "";
  if (grows) snprintf(why, sizeof why, ", a growth rate: %s", grows_why);
  if (t_given) fprintf(f, "T = %s (--t)", CLI_NUM(T));
  else if (def->rate_slow <= 0) fprintf(f, "T = %s: the cap (nothing relaxes)", CLI_NUM(T));
  else if (def->t_capped) fprintf(f, "T = %s: the cap (%s is %.3g%s)", CLI_NUM(T), rate, def->rate_slow, why);
  else fprintf(f, "T = %s: about 1.5 / %s %.3g%s", CLI_NUM(T), rate, def->rate_slow, why);
  bool shared = true;
  for (int e = 0; e < BW_ORDER_NERR; e++)
    shared = shared && (!def->ladder[e].skipped || def->ladder[e].skipped == BW_ORDER_SKIP_NOT_PROVIDED);
  for (int i = 0; i < s->n; i++) shared = shared && s->masks[i] == (BW_ORDER_MASK_ALL & ~s->na);
  if (etas_given) fputs("\netas from --etas", f);
  else if (shared) fprintf(f, "\netas: 1-2-5 values from %s down; the safe step is %.3g (%s)", CLI_NUM(def->etas[0]),
                           def->eta_safe, bound_why[def->bound]);
  else fputs("\netas: 1-2-5 values below each comparison's bound", f);
  if (isfinite(def->eta_max)) fprintf(f, "; the modified flows fail beyond eta ~ %.3g", def->eta_max);
  /* the flows' tolerances when the system knows its floor (then they were chosen for it) */
  double floor = NAN;
  for (int e = 0; e < BW_ORDER_NERR && isnan(floor); e++) floor = def->ladder[e].floor;
  if (isfinite(floor) || tol_given) {
    fprintf(f, "\nreference flows: rtol %s, atol %s (%s)", CLI_NUM(fo->rtol), CLI_NUM(fo->atol),
            tol_given ? "--rtol, --atol" : "for the default ladders");
    if (!tol_given) fprintf(f, ", integration error about %.2g", floor);
  }
  if (etas_given || shared) return;
  for (int e = 0; e < BW_ORDER_NERR; e++) describe_ladder(f, s, e, def, size, size_value);
}

static void print_table(FILE *f, const study *s, const char *header) {
  fprintf(f, "%s\n", header);
  char title[64];
  bool any_unres = false;
  fprintf(f, "%-9s %7s ", "eta", "steps");
  for (int e = 0; e < BW_ORDER_NERR; e++)
    if (in_mask(s->mask, e)) fprintf(f, " %-17s", err_title(e, title, sizeof title, false));
  fprintf(f, "\n%-9s %7s ", "", "");
  for (int e = 0; e < BW_ORDER_NERR; e++)
    if (in_mask(s->mask, e)) fprintf(f, " %-17s", "error    slope");
  fputc('\n', f);
  for (int i = 0; i < s->n; i++) {
    const bw_order_point *p = &s->pts[i];
    fprintf(f, "%-9.4g %7ld ", p->eta, p->steps);
    for (int e = 0; e < BW_ORDER_NERR; e++) {
      if (!in_mask(s->mask, e)) continue;
      if (!in_mask(s->masks[i], e)) { /* n/a, or not in this error's ladder */
        fprintf(f, " %-17s", in_mask(s->na, e) ? "n/a" : "");
        continue;
      }
      if (p->status[e]) {
        char cell[32];
        if (isfinite(p->fail_time[e]) && p->fail_time[e] > 0)
          snprintf(cell, sizeof cell, "%s t=%.3g", bw_order_status_word(p->status[e]), p->fail_time[e]);
        else snprintf(cell, sizeof cell, "%s", bw_order_status_word(p->status[e]));
        fprintf(f, " %-17s", cell);
        continue;
      }
      const int j = prev_row(s, i, e);
      const double err = p->err[e], prev = j >= 0 ? s->pts[j].err[e] : NAN;
      if (unresolved(p, e)) {
        fprintf(f, " %-8.2e %-8s", err, "unres.");
        any_unres = true;
      } else if (j >= 0 && isfinite(prev) && prev > 0 && err > 0 && !unresolved(&s->pts[j], e))
        fprintf(f, " %-8.2e %5.2f   ", err, log(err / prev) / log(p->eta / s->pts[j].eta));
      else fprintf(f, " %-8.2e %5s   ", err, "");
    }
    fputc('\n', f);
  }
  static const char *const rows[3] = {"least squares", "asymptotic order", "constant"};
  for (int q = 0; q < 3; q++) {
    fprintf(f, "%-17s ", rows[q]);
    for (int e = 0; e < BW_ORDER_NERR; e++) {
      if (!in_mask(s->mask, e)) continue;
      const double v = q == 0 ? s->fit.slope[e] : q == 1 ? s->fit.order[e] : s->fit.constant[e];
      if (in_mask(s->na, e)) fprintf(f, "          %5s   ", "n/a");
      else if (!isfinite(v)) fprintf(f, "          %5s   ", "-");
      else if (q < 2) fprintf(f, "          %5.2f   ", v);
      else fprintf(f, "       C%d=%-8.3g", bw_order_err_nominal((bw_order_err)e), v);
    }
    fputc('\n', f);
  }
  fputs("(expected slopes:", f);
  for (int e = 0, first = 1; e < BW_ORDER_NERR; e++)
    if (in_mask(s->mask & ~s->na, e)) fprintf(f, "%s %d", first ? "" : ",", bw_order_err_nominal((bw_order_err)e)), first = 0;
  fputs("; constant: lim err/eta^p)\n", f);
  if (any_unres)
    fputs("(unres.: below 20 x the reference's integration error, estimated by a second integration at 10 x\n"
          " the tolerances; left out of the fits: larger --etas or a smaller --rtol resolve it)\n", f);
}

static bool write_files(const char *dir, const char *name, const cli_problem_args *pa, const bw_system *sys,
                        double T, const bw_jkoflow_opts *fo, const study *s, const char *choice,
                        const bw_order_defaults *def, cli_err *e) {
  char csv[512], side[512];
  snprintf(csv, sizeof csv, "order-%s.csv", name);
  snprintf(side, sizeof side, "order-%s.json", name);
  cli_fileset fs;
  cli_files_init(&fs, "order");
  FILE *f = cli_files_add(&fs, dir, csv, e), *j = f ? cli_files_add(&fs, dir, side, e) : NULL;
  if (!j) return false;
  fputs("eta,steps", f);
  for (int k = 0; k < BW_ORDER_NERR; k++) fprintf(f, ",err_%s", bw_order_err_name((bw_order_err)k));
  fputs(",status,fail_time\n", f);
  for (int i = 0; i < s->n; i++) {
    const bw_order_point *p = &s->pts[i];
    cli_print_csv_double(f, p->eta);
    fprintf(f, ",%ld", p->steps);
    for (int k = 0; k < BW_ORDER_NERR; k++) {
      fputc(',', f);
      cli_print_csv_double(f, p->err[k]); /* nan where it failed or is not in the ladder */
    }
    bw_order_err which = BW_ORDER_WGF;
    bw_status st = bw_order_point_status(p, &which);
    fprintf(f, ",%s,", bw_order_status_word(st));
    cli_print_csv_double(f, st ? p->fail_time[which] : NAN);
    fputc('\n', f);
  }
  cli_write_sidecar_head(j, "order", csv);
  fputs(", \"problem\": ", j);
  cli_write_problem_json(j, pa, sys);
  fprintf(j, ", \"system\": \"%s\", \"choice\": ", bw_system_name(sys));
  json_t *js = json_string(choice);
  char *enc = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;
  fputs(enc ? enc : "null", j);
  free(enc);
  json_decref(js);
  fprintf(j, ", \"cvode\": {\"rtol\": %s, \"atol\": %s, \"linsol\": \"%s\"}", CLI_NUM(fo->rtol), CLI_NUM(fo->atol),
          cli_linsol_name(fo->linsol));
  fputs(", \"columns\": {\"eta\": \"step size\", \"steps\": \"n = t/eta\", ", j);
  for (int k = 0; k < BW_ORDER_NERR; k++) {
    char title[128];
    fprintf(j, "\"err_%s\": \"%s\", ", bw_order_err_name((bw_order_err)k), err_title(k, title, sizeof title, true));
  }
  fputs("\"status\": \"ok, or the first failure of this eta (collapse, ill-posed, diverged, ...); failed errors, and "
        "errors outside this eta's ladders, and n/a errors, are nan\", "
        "\"fail_time\": \"time of that failure\"}, ",
        j);
  fputs("\"results\": ", j);
  print_json(j, s, T, fo, def);
  fputs("}\n", j);
  return cli_files_commit(&fs, e);
}

/* The points of a study, computed by `jobs` threads, each taking the next step size in
 * decreasing cost; every point is computed as it would be alone (BLAS single-threaded), so
 * the numbers do not depend on the number of threads. Progress on a terminal: the step
 * sizes done, the share of the work and an estimate of the time left. A point's work is
 * its steps times the trajectories its errors run (a flow twice: the resolution's copy). */
typedef struct {
  const bw_system *sys;
  double T;
  const bw_jkoflow_opts *fo;
  study *s;
  int next;              /* next index into order[] */
  const int *order;      /* step sizes by decreasing work */
  const double *work;    /* per step size */
  double total, done, *cur; /* work: over all etas, finished etas, per thread so far */
  int jobs, finished;
  double t0;             /* start (seconds) */
  bw_status st;          /* the first hard error */
  int failed;            /* its eta's index */
  cli_progress line;
  pthread_mutex_t lock;
} pool;

typedef struct {
  pool *p;
  int id, k; /* its thread, its step size */
} worker;

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double point_work(const study *s, double T, int i) {
  bool need[BW_TRAJ_KIND_COUNT] = {0};
  for (int e = 0; e < BW_ORDER_NERR; e++) {
    bw_traj_kind it, ref;
    if (in_mask(s->masks[i], e) && !bw_order_err_pair((bw_order_err)e, &it, &ref)) need[it] = need[ref] = true;
  }
  double w = 0;
  for (int k = 0; k < BW_TRAJ_KIND_COUNT; k++) w += need[k] ? (bw_traj_kind_is_discrete((bw_traj_kind)k) ? 1 : 2) : 0;
  return w * round(T / s->etas[i]);
}

static void progress(void *ctx, long k, long n) {
  worker *w = ctx;
  pool *p = w->p;
  pthread_mutex_lock(&p->lock);
  p->cur[w->id] = p->work[w->k] * k / n;
  double sum = p->done;
  for (int i = 0; i < p->jobs; i++) sum += p->cur[i];
  const double dt = seconds() - p->t0, left = sum > 0 ? dt * (p->total - sum) / sum : NAN;
  char eta[48] = "";
  if (dt >= 2 && isfinite(left)) snprintf(eta, sizeof eta, ", about %ld:%02ld left", lround(left) / 60, lround(left) % 60);
  cli_progress_show(&p->line, "bwflow order: %d of %d step sizes done, %.0f%% of the work%s", p->finished, p->s->n,
                    100 * sum / p->total, eta);
  pthread_mutex_unlock(&p->lock);
}

static void *work(void *arg) {
  worker *w = arg;
  pool *p = w->p;
  for (;;) {
    pthread_mutex_lock(&p->lock);
    const int k = p->st || p->next == p->s->n ? -1 : p->order[p->next++];
    pthread_mutex_unlock(&p->lock);
    if (k < 0) return NULL;
    w->k = k;
    bw_status st = bw_order_point_compute(p->sys, p->T, p->s->etas[k], p->s->masks[k] | BW_ORDER_RESOLUTION, p->fo,
                                          p->line.on ? progress : NULL, w, &p->s->pts[k]);
    pthread_mutex_lock(&p->lock);
    p->cur[w->id] = 0;
    p->done += p->work[k];
    p->finished++;
    if (st && !p->st) p->st = st, p->failed = k;
    pthread_mutex_unlock(&p->lock);
  }
}

static bw_status run_points(const bw_system *sys, double T, const bw_jkoflow_opts *fo, int jobs, bool show,
                            study *s, int *failed) {
  int *order = malloc(sizeof(int) * (size_t)s->n);
  double *cur = malloc(sizeof(double) * (size_t)jobs), *wk = malloc(sizeof(double) * (size_t)s->n);
  worker *ws = malloc(sizeof(worker) * (size_t)jobs);
  pthread_t *th = malloc(sizeof(pthread_t) * (size_t)jobs);
  if (!order || !cur || !wk || !ws || !th) {
    free(order), free(cur), free(wk), free(ws), free(th);
    return BW_ERR_NOMEM;
  }
  pool p = {.sys = sys, .T = T, .fo = fo, .s = s, .order = order, .work = wk, .cur = cur, .jobs = jobs, .t0 = seconds()};
  for (int i = 0; i < s->n; i++) order[i] = i, wk[i] = point_work(s, T, i), p.total += wk[i];
  for (int i = 1; i < s->n; i++) /* insertion sort by decreasing work */
    for (int j = i; j > 0 && wk[order[j]] > wk[order[j - 1]]; j--) {
      const int t = order[j];
      order[j] = order[j - 1], order[j - 1] = t;
    }
  for (int i = 0; i < jobs; i++) cur[i] = 0;
  cli_progress_init(&p.line, show);
  pthread_mutex_init(&p.lock, NULL);
  int started = 0;
  for (int i = 0; i < jobs; i++) {
    ws[i] = (worker){&p, i, 0};
    if (i == 0 || pthread_create(&th[i], NULL, work, &ws[i]) == 0) started++;
    else break; /* fewer threads: the others do the work */
  }
  work(&ws[0]);
  for (int i = 1; i < started; i++) pthread_join(th[i], NULL);
  cli_progress_clear(&p.line);
  pthread_mutex_destroy(&p.lock);
  *failed = p.failed;
  free(order), free(cur), free(wk), free(ws), free(th);
  return p.st;
}

/* The usable range of each error: exit 3 unless every error has three usable step sizes
 * (all of its step sizes when it has fewer than three; none for a skipped error). */
static bool enough_usable(const study *s, cli_err *e) {
  char title[64];
  for (int k = 0; k < BW_ORDER_NERR; k++) {
    int ok = 0, asked = 0; /* failures count here; unresolved errors do not (see the table's note) */
    for (int i = 0; i < s->n; i++) {
      if (!in_mask(s->masks[i], k)) continue;
      asked++;
      ok += !s->pts[i].status[k];
    }
    const int need = asked < 3 ? asked : 3;
    if (ok >= need) continue;
    double lo = INFINITY, hi = 0;
    const char *why = "error";
    for (int i = 0; i < s->n; i++) {
      if (!in_mask(s->masks[i], k)) continue;
      if (s->pts[i].status[k]) {
        why = bw_order_status_word(s->pts[i].status[k]);
        continue;
      }
      lo = fmin(lo, s->etas[i]), hi = fmax(hi, s->etas[i]);
    }
    if (ok == 0)
      return cli_fail(e, "%s: no usable step size (%s at every eta): use smaller --etas",
                      err_title(k, title, sizeof title, false), why);
    return cli_fail(e, "%s: only %d usable step size%s (eta in [%s, %s]; %s at the others), %d needed: "
                    "use smaller --etas", err_title(k, title, sizeof title, false), ok, ok > 1 ? "s" : "",
                    CLI_NUM(lo), CLI_NUM(hi), why, need);
  }
  return true;
}

typedef struct {
  long jobs;
  double T, rtol, atol; /* rtol, atol: 0 unless given */
  const char *etas_text, *out;
  bool json, progress;
} order_args;

static bool order_option(int code, const char *arg, void *ctx, cli_err *e) {
  order_args *a = ctx;
  switch (code) {
  case OPT_JSON: a->json = true; return true;
  case OPT_PROGRESS: a->progress = true; return true;
  case OPT_T: return cli_parse_positive("--t", arg, &a->T, e);
  case OPT_ETAS: a->etas_text = arg; return true;
  case OPT_OUT: a->out = arg; return true;
  case OPT_JOBS: return cli_parse_int("--jobs", arg, 1, 1024, &a->jobs, e);
  case OPT_ORDER_RTOL: return cli_parse_positive("--rtol", arg, &a->rtol, e);
  case OPT_ORDER_ATOL: return cli_parse_positive("--atol", arg, &a->atol, e);
  default: return cli_fail(e, "internal: unexpected option code %d", code);
  }
}

/* --etas: every step size once (a repeated one adds nothing to a fit and makes a local
 * slope 0/0). */
static bool distinct_etas(const study *s, cli_err *e) {
  for (int i = 1; i < s->n; i++)
    for (int k = 0; k < i; k++)
      if (s->etas[k] == s->etas[i])
        return cli_fail(e, "--etas item %d: %s is listed twice (item %d): give each step size once", i + 1,
                        CLI_NUM(s->etas[i]), k + 1);
  return true;
}

int cmd_order(int argc, char **argv, FILE *out) {
  static const struct option opts[] = {CLI_PROBLEM_OPTIONS,
                                        {"rtol", required_argument, NULL, OPT_ORDER_RTOL},
                                        {"atol", required_argument, NULL, OPT_ORDER_ATOL},
                                        {"linsol", required_argument, NULL, OPT_LINSOL},
                                        {"t", required_argument, NULL, OPT_T},
                                        {"etas", required_argument, NULL, OPT_ETAS},
                                        {"out", required_argument, NULL, OPT_OUT},
                                        {"json", no_argument, NULL, OPT_JSON},
                                        {"jobs", required_argument, NULL, OPT_JOBS},
                                        {"progress", no_argument, NULL, OPT_PROGRESS},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  cli_problem_args pa;
  bw_jkoflow_opts fo;
  const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  order_args a = {.jobs = ncpu >= 1 ? ncpu : 1, .out = "notebooks-data"};
  const int status = cli_problem_command_args("order", usage, argc, argv, opts, order_option, &a, &pa, &fo, out);
  if (status >= 0) return status;
  long jobs = a.jobs;
  double T = a.T;
  const char *etas_text = a.etas_text, *dir = a.out;
  const bool json = a.json;
  cli_err e;
  study s = {.mask = 0};
  bool ok = !etas_text || cli_parse_list("--etas", etas_text, &s.etas, &s.n, &e);
  if (ok && etas_text && s.n < 2) ok = cli_fail(&e, "--etas: give at least two step sizes for a slope");
  if (ok && etas_text) ok = distinct_etas(&s, &e);
  bw_system *sys = NULL;
  if (ok) ok = cli_load_system(&pa, &sys, &e);
  if (ok) ok = cli_check_flow_options(sys, &fo, "--linsol", &e);
  bw_order_defaults def;
  const bool t_given = T > 0;
  if (ok) {
    bw_status st = bw_order_defaults_compute(sys, T, &def);
    if (st && etas_text && t_given) { /* not needed: both given */
      def = (bw_order_defaults){.t = T, .eta_max = INFINITY, .eta_safe = NAN, .bound = BW_BOUND_HORIZON,
                                .rtol = fo.rtol, .atol = fo.atol};
      for (int k = 0; k < BW_ORDER_NERR; k++)
        def.ladder[k] = (bw_order_ladder){.top = NAN, .constant = NAN, .floor = NAN, .size_max = NAN};
    } else if (st == BW_ERR_BAD_ARG)
      ok = cli_fail(&e, "no default step size: this problem would need more than 1e7 steps (give --t and --etas)");
    else if (st) ok = cli_fail(&e, "default step sizes: %s", bw_strerror(st));
    if (ok && !t_given) T = def.t;
  }
  /* the defaults' tolerances (tightened where the ladders need it), unless given (then the
   * library's defaults for the one not given, as in the other commands) */
  const bool tol_given = a.rtol > 0 || a.atol > 0;
  if (ok && !tol_given) fo.rtol = def.rtol, fo.atol = def.atol;
  if (a.rtol > 0) fo.rtol = a.rtol;
  if (a.atol > 0) fo.atol = a.atol;
  if (ok && !etas_text) {
    s.n = def.n;
    s.etas = malloc(sizeof(double) * (size_t)s.n);
    if (s.etas) memcpy(s.etas, def.etas, sizeof(double) * (size_t)s.n);
    else ok = cli_fail(&e, "out of memory");
  }
  if (ok && !(s.masks = malloc(sizeof(unsigned) * (size_t)s.n))) ok = cli_fail(&e, "out of memory");
  s.sys = sys;
  for (int k = 0; ok && k < BW_ORDER_NERR; k++) { /* n/a: the kinds the system does not provide */
    bw_traj_kind it, ref;
    if (!bw_order_err_pair((bw_order_err)k, &it, &ref) && (!bw_system_provides(sys, it) || !bw_system_provides(sys, ref)))
      s.na |= 1u << k;
  }
  for (int i = 0; ok && i < s.n; i++) {
    s.masks[i] = (etas_text ? BW_ORDER_MASK_ALL : def.masks[i]) & ~s.na;
    s.mask |= s.masks[i];
  }
  s.mask |= s.na; /* their columns say n/a */
  for (int i = 0; ok && i < s.n; i++) {
    long k = lround(T / s.etas[i]);
    if (!(T / s.etas[i] < 1e9))
      ok = cli_fail(&e, "--etas item %d: %s needs more than 1e9 steps", i + 1, CLI_NUM(s.etas[i]));
    else if (k < 1 || fabs(k * s.etas[i] - T) > 1e-9 * T)
      ok = cli_fail(&e, "--etas item %d: %s %s is not a multiple of %s", i + 1,
                    t_given ? "--t" : "the default horizon --t", CLI_NUM(T), CLI_NUM(s.etas[i]));
  }
  if (ok) ok = cli_out_dir(dir, &e);
  if (!ok) {
    fprintf(stderr, "bwflow order: %s\n", e.msg);
    free(s.etas);
    free(s.masks);
    bw_system_free(sys);
    return EXIT_USAGE;
  }

  s.pts = calloc((size_t)s.n, sizeof *s.pts);
  int rc = s.pts ? EXIT_OK : EXIT_FAIL;
  if (jobs > s.n) jobs = s.n;
  cli_blas_single_thread();
  int failed = 0;
  bool slow_grows = false;
  const char *grows_why = "";
  const double grow = growth_rate(sys, def.rate_slow, &slow_grows, &grows_why);
  if (grow > 0 && !strcmp(grows_why, "no equilibrium"))
    fprintf(stderr, "bwflow order: warning: this problem has no equilibrium (a mode of the initial state grows "
            "at rate %.3g): the errors grow with T, and the slopes are those of a finite horizon\n", grow);
  bw_status st = s.pts ? run_points(sys, T, &fo, jobs, a.progress, &s, &failed) : BW_OK;
  if (st) {
    fprintf(stderr, "bwflow order: eta = %s: %s\n", CLI_NUM(s.etas[failed]), bw_strerror(st));
    rc = EXIT_FAIL;
  }
  if (rc == EXIT_OK) {
    bw_order_fit_compute(s.n, s.pts, &s.fit);
    char name[256], choice[4096];
    FILE *mf = fmemopen(choice, sizeof choice, "w");
    if (mf) {
      const bool particles = !strcmp(bw_system_name(sys), "particles");
      describe_choice(mf, &s, T, t_given, etas_text != NULL, &def, &fo, tol_given, particles ? "N" : "size",
                      bw_system_dim(sys), slow_grows, grows_why);
      fclose(mf);
    } else {
      choice[0] = '\0';
    }
    cli_problem_name(&pa, sys, name, sizeof name);
    if (!write_files(dir, name, &pa, sys, T, &fo, &s, choice, &def, &e)) {
      fprintf(stderr, "bwflow order: %s\n", e.msg);
      rc = EXIT_FAIL;
    }
    if (rc == EXIT_OK && json) {
      print_json(out, &s, T, &fo, &def);
      fputc('\n', out);
    } else if (rc == EXIT_OK) {
      print_table(out, &s, choice);
    }
    if (rc == EXIT_OK && !enough_usable(&s, &e)) {
      fprintf(stderr, "bwflow order: %s\n", e.msg);
      rc = EXIT_COLLAPSE;
    }
  }
  free(s.pts);
  free(s.etas);
  free(s.masks);
  bw_system_free(sys);
  return rc;
}
