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
    "and print them with the local slopes (between consecutive etas), the least-squares\n"
    "slopes of log(error) against log(eta), the asymptotic orders (the local slope at the\n"
    "two smallest etas) and the leading constants lim err/eta^p (Richardson extrapolation).\n"
    "A step size whose modified flow collapses or turns ill-posed, or whose forward Euler\n"
    "iterates diverge, is a row saying so (null in the JSON); it is left out of the fits.\n"
    "Each integrated reference also runs at 10 x the tolerances; an error below 20 times the\n"
    "resulting estimate of its integration error is marked \"unres.\" and left out of the fits\n"
    "(larger --etas or a smaller --rtol resolve it).\n"
    "\n"
    "options:\n"
    "  --t T          horizon (default: from the problem's slowest relaxation rate);\n"
    "                 every eta must divide it\n"
    "  --etas LIST    comma-separated step sizes, at least two (default: seven values of the\n"
    "                 1-2-5 series from the largest step safely inside the region where the\n"
    "                 modified flows are meaningful; the table's header says how they were\n"
    "                 chosen)\n"
    CLI_PRESET_HELP
    "  --rtol R       CVODE relative tolerance of the flows (default 1e-12)\n"
    "  --atol A       CVODE absolute tolerance (default 1e-14)\n"
    "  --linsol L     auto, dense or krylov: CVODE's linear solver for Gaussians (default\n"
    "                 auto: dense for d <= 7, krylov above)\n"
    "  --out DIR      where to write order-NAME.csv and its sidecar order-NAME.json\n"
    "                 (default notebooks-data; NAME is the preset or the file's base name)\n"
    "  --jobs N       threads computing step sizes in parallel (default: the number of\n"
    "                 processors; BLAS runs single-threaded, so the numbers do not depend on N)\n"
    "  --json         print {\"t\", \"etas\", \"steps\", \"status\", \"fail_time\", \"err_wgf\",\n"
    "                 \"err_jkoflow\", \"err_forward_wgf\", \"err_forward_flow\", \"err_jkoflow2\",\n"
    "                 \"res_*\" (the errors' resolutions), \"slope_*\", \"order_*\", \"c1_wgf\",\n"
    "                 \"c2_jkoflow\", \"c1_forward_wgf\", \"c2_forward_flow\", \"c3_jkoflow2\",\n"
    "                 \"eta_max\", \"eta_safe\", \"eta_bound\"} (\"status\" per eta: \"ok\" or what\n"
    "                 failed, e.g. \"collapse\"; errors null where they failed)\n"
    "  -h, --help     this help\n"
    "\n"
    CLI_PROBLEM_FORMAT_HELP
    "\n"
    "exit status: 0 success, 1 numerical failure, 2 bad input, 3 fewer than three usable\n"
    "step sizes for some error (the modified flows collapse or turn ill-posed, or forward\n"
    "Euler diverges, at the others: use smaller --etas)\n";

enum { OPT_JOBS = OPT_COMMAND_BASE };

/* Letters of the constants in the JSON keys: c1_wgf, c2_jkoflow, ..., c3_jkoflow2. */
static const char *const col_titles[BW_ORDER_NERR] = {"JKO vs WGF", "JKO vs JKO-Flow", "FE vs WGF",
                                                      "FE vs FE-flow", "JKO vs JKO-Flow2"};

typedef struct {
  int n;
  double *etas;
  bw_order_point *pts;
  bw_order_fit fit;
  unsigned mask;
} study;

static bool in_mask(unsigned mask, int e) { return mask >> e & 1u; }
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
      if (!in_mask(s->mask, e)) continue;
      const double v = q == 0 ? s->fit.slope[e] : q == 1 ? s->fit.order[e] : s->fit.constant[e];
      if (q == 2) fprintf(f, ", \"c%d_%s\": ", bw_order_err_nominal((bw_order_err)e), bw_order_err_name((bw_order_err)e));
      else fprintf(f, ", \"%s_%s\": ", what[q], bw_order_err_name((bw_order_err)e));
      cli_print_double(f, v);
    }
}

static void print_json(FILE *f, const study *s, double T, const bw_order_defaults *def) {
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
      if (!in_mask(s->mask, e)) continue;
      fprintf(f, ", \"%s_%s\": ", q ? "res" : "err", bw_order_err_name((bw_order_err)e));
      print_json_errors(f, s, e, q);
    }
  print_json_fit(f, s);
  fputs(", \"eta_max\": ", f);
  cli_print_double(f, def->eta_max);
  fputs(", \"eta_safe\": ", f);
  cli_print_double(f, def->eta_safe);
  fprintf(f, ", \"eta_bound\": \"%s\"}", bw_eta_bound_name(def->bound));
}

/* How the horizon and the step sizes were chosen, for the table's header and the sidecar. */
static void describe_choice(FILE *f, double T, bool t_given, bool etas_given, const bw_order_defaults *def) {
  if (t_given) fprintf(f, "T = %g (--t)", T);
  else if (def->rate_slow <= 0) fprintf(f, "T = %g: the cap (nothing relaxes)", T);
  else if (def->t_capped) fprintf(f, "T = %g: the cap (the slowest relaxation rate is %.3g)", T, def->rate_slow);
  else fprintf(f, "T = %g: about 1.5 / the slowest relaxation rate %.3g", T, def->rate_slow);
  if (etas_given) {
    fputs("\netas from --etas", f);
  } else {
    static const char *const why[BW_BOUND_COUNT] = {
        [BW_BOUND_HORIZON] = "at least 10 steps over T",
        [BW_BOUND_RATE] = "eta x the fastest rate <= 1/2",
        [BW_BOUND_PLAN] = "half the largest step for which the JKO step exists",
        [BW_BOUND_MEAN] = "eta a_max <= 1, half the mean's stability limit",
        [BW_BOUND_COLLAPSE] = "every variance >= 4 x the collapse threshold tau eta/(2 - p eta)",
        [BW_BOUND_ILL_POSED] = "eta lambda_max(H) well below 2 along the way"};
    fprintf(f, "\netas: 1-2-5 values from %g down; the safe step is %.3g (%s)", def->etas[0], def->eta_safe,
            why[def->bound]);
  }
  if (isfinite(def->eta_max)) fprintf(f, "; the modified flows fail beyond eta ~ %.3g", def->eta_max);
}

static void print_table(FILE *f, const study *s, const char *header) {
  fprintf(f, "%s\n", header);
  bool any_unres = false;
  fprintf(f, "%-9s %7s ", "eta", "steps");
  for (int e = 0; e < BW_ORDER_NERR; e++)
    if (in_mask(s->mask, e)) fprintf(f, " %-17s", col_titles[e]);
  fprintf(f, "\n%-9s %7s ", "", "");
  for (int e = 0; e < BW_ORDER_NERR; e++)
    if (in_mask(s->mask, e)) fprintf(f, " %-17s", "error    slope");
  fputc('\n', f);
  for (int i = 0; i < s->n; i++) {
    const bw_order_point *p = &s->pts[i];
    fprintf(f, "%-9.4g %7ld ", p->eta, p->steps);
    for (int e = 0; e < BW_ORDER_NERR; e++) {
      if (!in_mask(s->mask, e)) continue;
      if (p->status[e]) {
        char cell[32];
        if (isfinite(p->fail_time[e]) && p->fail_time[e] > 0)
          snprintf(cell, sizeof cell, "%s t=%.3g", bw_order_status_word(p->status[e]), p->fail_time[e]);
        else snprintf(cell, sizeof cell, "%s", bw_order_status_word(p->status[e]));
        fprintf(f, " %-17s", cell);
        continue;
      }
      const double err = p->err[e], prev = i ? s->pts[i - 1].err[e] : NAN;
      if (unresolved(p, e)) {
        fprintf(f, " %-8.2e %-8s", err, "unres.");
        any_unres = true;
      } else if (i && isfinite(prev) && prev > 0 && err > 0 && !unresolved(&s->pts[i - 1], e))
        fprintf(f, " %-8.2e %5.2f   ", err, log(err / prev) / log(p->eta / s->pts[i - 1].eta));
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
      if (!isfinite(v)) fprintf(f, "          %5s   ", "-");
      else if (q < 2) fprintf(f, "          %5.2f   ", v);
      else fprintf(f, "       C%d=%-8.3g", bw_order_err_nominal((bw_order_err)e), v);
    }
    fputc('\n', f);
  }
  fputs("(expected slopes:", f);
  for (int e = 0, first = 1; e < BW_ORDER_NERR; e++)
    if (in_mask(s->mask, e)) fprintf(f, "%s %d", first ? "" : ",", bw_order_err_nominal((bw_order_err)e)), first = 0;
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
  cli_outfile o;
  if (!cli_atomic_open(&o, dir, csv, e)) return false;
  fputs("eta,steps", o.f);
  for (int k = 0; k < BW_ORDER_NERR; k++)
    if (in_mask(s->mask, k)) fprintf(o.f, ",err_%s", bw_order_err_name((bw_order_err)k));
  fputs(",status,fail_time\n", o.f);
  for (int i = 0; i < s->n; i++) {
    const bw_order_point *p = &s->pts[i];
    cli_print_double(o.f, p->eta);
    fprintf(o.f, ",%ld", p->steps);
    for (int k = 0; k < BW_ORDER_NERR; k++) {
      if (!in_mask(s->mask, k)) continue;
      fputc(',', o.f);
      if (isfinite(p->err[k])) cli_print_double(o.f, p->err[k]);
      else fputs("nan", o.f);
    }
    bw_order_err which = BW_ORDER_WGF;
    bw_status st = bw_order_point_status(p, &which);
    fprintf(o.f, ",%s,", bw_order_status_word(st));
    if (st && isfinite(p->fail_time[which])) cli_print_double(o.f, p->fail_time[which]);
    else fputs("nan", o.f);
    fputc('\n', o.f);
  }
  if (!cli_atomic_commit(&o, e)) return false;
  if (!cli_atomic_open(&o, dir, side, e)) return false;
  cli_write_sidecar_head(o.f, "order", csv);
  fputs(", \"problem\": ", o.f);
  cli_write_problem_json(o.f, pa, sys);
  fprintf(o.f, ", \"system\": \"%s\", \"choice\": ", bw_system_name(sys));
  json_t *js = json_string(choice);
  char *enc = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;
  fputs(enc ? enc : "null", o.f);
  free(enc);
  json_decref(js);
  fprintf(o.f, ", \"cvode\": {\"rtol\": %.17g, \"atol\": %.17g, \"linsol\": \"%s\"}", fo->rtol, fo->atol,
          cli_linsol_name(fo->linsol));
  fputs(", \"columns\": {\"eta\": \"step size\", \"steps\": \"n = t/eta\", "
        "\"err_wgf\": \"max_k W2(JKO_k, WGF at k eta)\", "
        "\"err_jkoflow\": \"max_k W2(JKO_k, JKO-Flow at k eta)\", "
        "\"err_forward_wgf\": \"max_k W2(forward Euler_k, WGF at k eta)\", "
        "\"err_forward_flow\": \"max_k W2(forward Euler_k, forward modified flow at k eta)\", "
        "\"err_jkoflow2\": \"max_k W2(JKO_k, JKO-Flow of order 2 at k eta)\", "
        "\"status\": \"ok, or the first failure of this eta (collapse, ill-posed, diverged, ...); failed errors are nan\", "
        "\"fail_time\": \"time of that failure\"}, ",
        o.f);
  fputs("\"results\": ", o.f);
  print_json(o.f, s, T, def);
  fputs("}\n", o.f);
  return cli_atomic_commit(&o, e);
}

/* The points of a study, computed by `jobs` threads, each taking the next step size in
 * decreasing cost (the smallest eta first); every point is computed as it would be alone
 * (BLAS single-threaded), so the numbers do not depend on the number of threads. Progress
 * on a terminal: steps done over all step sizes. */
typedef struct {
  const bw_system *sys;
  double T;
  const bw_jkoflow_opts *fo;
  study *s;
  int next;              /* next index into order[] */
  const int *order;      /* step sizes by decreasing cost */
  long total, done, *cur; /* steps: over all etas, finished etas, per thread so far */
  int finished;
  bw_status st;          /* the first hard error */
  int failed;            /* its eta's index */
  cli_progress line;
  pthread_mutex_t lock;
} pool;

typedef struct {
  pool *p;
  int id;
} worker;

static void progress(void *ctx, long k, long n) {
  (void)n;
  worker *w = ctx;
  pool *p = w->p;
  pthread_mutex_lock(&p->lock);
  p->cur[w->id] = k;
  long sum = p->done;
  for (int i = 0; p->cur[i] >= 0; i++) sum += p->cur[i];
  cli_progress_show(&p->line, "bwflow order: %d of %d step sizes done, step %ld of %ld in all", p->finished,
                    p->s->n, sum, p->total);
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
    bw_status st = bw_order_point_compute(p->sys, p->T, p->s->etas[k], p->s->mask | BW_ORDER_RESOLUTION, p->fo,
                                          p->line.tty ? progress : NULL, w, &p->s->pts[k]);
    pthread_mutex_lock(&p->lock);
    p->cur[w->id] = 0;
    p->done += p->s->pts[k].steps;
    p->finished++;
    if (st && !p->st) p->st = st, p->failed = k;
    pthread_mutex_unlock(&p->lock);
  }
}

static bw_status run_points(const bw_system *sys, double T, const bw_jkoflow_opts *fo, int jobs, study *s,
                            int *failed) {
  int *order = malloc(sizeof(int) * (size_t)s->n);
  long *cur = malloc(sizeof(long) * (size_t)(jobs + 1));
  worker *ws = malloc(sizeof(worker) * (size_t)jobs);
  pthread_t *th = malloc(sizeof(pthread_t) * (size_t)jobs);
  if (!order || !cur || !ws || !th) {
    free(order), free(cur), free(ws), free(th);
    return BW_ERR_NOMEM;
  }
  pool p = {.sys = sys, .T = T, .fo = fo, .s = s, .order = order, .cur = cur};
  for (int i = 0; i < s->n; i++) order[i] = i, p.total += lround(T / s->etas[i]);
  for (int i = 1; i < s->n; i++) /* insertion sort by decreasing number of steps */
    for (int j = i; j > 0 && s->etas[order[j]] < s->etas[order[j - 1]]; j--) {
      const int t = order[j];
      order[j] = order[j - 1], order[j - 1] = t;
    }
  for (int i = 0; i < jobs; i++) cur[i] = 0;
  cur[jobs] = -1;
  cli_progress_init(&p.line);
  pthread_mutex_init(&p.lock, NULL);
  int started = 0;
  for (int i = 0; i < jobs; i++) {
    ws[i] = (worker){&p, i};
    if (i == 0 || pthread_create(&th[i], NULL, work, &ws[i]) == 0) started++;
    else break; /* fewer threads: the others do the work */
  }
  work(&ws[0]);
  for (int i = 1; i < started; i++) pthread_join(th[i], NULL);
  cli_progress_clear(&p.line);
  pthread_mutex_destroy(&p.lock);
  *failed = p.failed;
  free(order), free(cur), free(ws), free(th);
  return p.st;
}

/* The usable range of each error: exit 3 unless every error has three usable step sizes
 * (all of them when fewer than three were asked for). */
static bool enough_usable(const study *s, cli_err *e) {
  const int need = s->n < 3 ? s->n : 3;
  for (int k = 0; k < BW_ORDER_NERR; k++) {
    int ok = 0; /* failures count here; unresolved errors do not (see the table's note) */
    for (int i = 0; i < s->n; i++) ok += !s->pts[i].status[k];
    if (!in_mask(s->mask, k) || ok >= need) continue;
    double lo = INFINITY, hi = 0;
    const char *why = "error";
    for (int i = 0; i < s->n; i++) {
      if (s->pts[i].status[k]) {
        why = bw_order_status_word(s->pts[i].status[k]);
        continue;
      }
      lo = fmin(lo, s->etas[i]), hi = fmax(hi, s->etas[i]);
    }
    if (ok == 0)
      return cli_fail(e, "%s: no usable step size (%s at every eta): use smaller --etas", col_titles[k], why);
    return cli_fail(e, "%s: only %d usable step size%s (eta in [%.3g, %.3g]; %s at the others), %d needed: "
                    "use smaller --etas", col_titles[k], ok, ok > 1 ? "s" : "", lo, hi, why, need);
  }
  return true;
}

typedef struct {
  long jobs;
  double T;
  const char *etas_text, *out;
  bool json;
} order_args;

static bool order_option(int code, const char *arg, void *ctx, cli_err *e) {
  order_args *a = ctx;
  switch (code) {
  case OPT_JSON: a->json = true; return true;
  case OPT_T: return cli_parse_positive("--t", arg, &a->T, e);
  case OPT_ETAS: a->etas_text = arg; return true;
  case OPT_OUT: a->out = arg; return true;
  case OPT_JOBS: return cli_parse_int("--jobs", arg, 1, 1024, &a->jobs, e);
  default: return cli_fail(e, "internal: unexpected option code %d", code);
  }
}

int cmd_order(int argc, char **argv) {
  static const struct option opts[] = {CLI_PROBLEM_OPTIONS,
                                        CLI_FLOW_OPTIONS,
                                        {"t", required_argument, NULL, OPT_T},
                                        {"etas", required_argument, NULL, OPT_ETAS},
                                        {"out", required_argument, NULL, OPT_OUT},
                                        {"json", no_argument, NULL, OPT_JSON},
                                        {"jobs", required_argument, NULL, OPT_JOBS},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  cli_problem_args pa;
  bw_jkoflow_opts fo;
  const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  order_args a = {.jobs = ncpu >= 1 ? ncpu : 1, .out = "notebooks-data"};
  const int status = cli_problem_command_args("order", usage, argc, argv, opts, order_option, &a, &pa, &fo);
  if (status >= 0) return status;
  long jobs = a.jobs;
  double T = a.T;
  const char *etas_text = a.etas_text, *out = a.out;
  const bool json = a.json;
  cli_err e;
  study s = {.mask = BW_ORDER_MASK_ALL};
  bool ok = !etas_text || cli_parse_list("--etas", etas_text, &s.etas, &s.n, &e);
  if (ok && etas_text && s.n < 2) ok = cli_fail(&e, "--etas: give at least two step sizes for a slope");
  bw_system *sys = NULL;
  if (ok) ok = cli_load_system(&pa, &sys, &e);
  bw_order_defaults def;
  const bool t_given = T > 0;
  if (ok) {
    bw_status st = bw_order_defaults_compute(sys, T, &def);
    if (st && etas_text && t_given) /* not needed: both given */
      def = (bw_order_defaults){.t = T, .eta_max = INFINITY, .eta_safe = NAN, .bound = BW_BOUND_HORIZON};
    else if (st == BW_ERR_BAD_ARG)
      ok = cli_fail(&e, "no default step size: this problem would need more than 1e7 steps (give --t and --etas)");
    else if (st) ok = cli_fail(&e, "default step sizes: %s", bw_strerror(st));
    if (ok && !t_given) T = def.t;
  }
  if (ok && !etas_text) {
    s.n = def.n;
    s.etas = malloc(sizeof(double) * (size_t)s.n);
    if (s.etas) memcpy(s.etas, def.etas, sizeof(double) * (size_t)s.n);
    else ok = cli_fail(&e, "out of memory");
  }
  for (int i = 0; ok && i < s.n; i++) {
    long k = lround(T / s.etas[i]);
    if (!(T / s.etas[i] < 1e9)) ok = cli_fail(&e, "--etas item %d: %.17g needs more than 1e9 steps", i + 1, s.etas[i]);
    else if (k < 1 || fabs(k * s.etas[i] - T) > 1e-9 * T)
      ok = cli_fail(&e, "--etas item %d: %s %.17g is not a multiple of %.17g", i + 1,
                    t_given ? "--t" : "the default horizon --t", T, s.etas[i]);
  }
  if (ok) ok = cli_out_dir(out, &e);
  if (!ok) {
    fprintf(stderr, "bwflow order: %s\n", e.msg);
    free(s.etas);
    bw_system_free(sys);
    return EXIT_USAGE;
  }

  s.pts = calloc((size_t)s.n, sizeof *s.pts);
  int rc = s.pts ? EXIT_OK : EXIT_FAIL;
  if (jobs > s.n) jobs = s.n;
  cli_blas_single_thread();
  int failed = 0;
  bw_status st = s.pts ? run_points(sys, T, &fo, jobs, &s, &failed) : BW_OK;
  if (st) {
    fprintf(stderr, "bwflow order: eta = %.17g: %s\n", s.etas[failed], bw_strerror(st));
    rc = EXIT_FAIL;
  }
  if (rc == EXIT_OK) {
    bw_order_fit_compute(s.n, s.pts, &s.fit);
    char name[256], choice[1024];
    FILE *mf = fmemopen(choice, sizeof choice, "w");
    if (mf) {
      describe_choice(mf, T, t_given, etas_text != NULL, &def);
      fclose(mf);
    } else {
      choice[0] = '\0';
    }
    cli_problem_name(&pa, sys, name, sizeof name);
    if (!write_files(out, name, &pa, sys, T, &fo, &s, choice, &def, &e)) {
      fprintf(stderr, "bwflow order: %s\n", e.msg);
      rc = EXIT_USAGE;
    }
    if (rc == EXIT_OK && json) {
      print_json(stdout, &s, T, &def);
      fputc('\n', stdout);
    } else if (rc == EXIT_OK) {
      print_table(stdout, &s, choice);
    }
    if (rc == EXIT_OK && !enough_usable(&s, &e)) {
      fprintf(stderr, "bwflow order: %s\n", e.msg);
      rc = EXIT_COLLAPSE;
    }
  }
  free(s.pts);
  free(s.etas);
  bw_system_free(sys);
  return rc;
}
