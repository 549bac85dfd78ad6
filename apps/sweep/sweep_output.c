/* bwflow sweep: the files of a complete sweep and the summary on stdout (docs/sweep.md).
 * Everything here is a function of the spec and of the recorded results only (never of
 * the ranks, the order of arrival or the wall times, which go to the timing file), so
 * that every run of a spec writes the same bytes. SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sweep.h"

/* What a problem's points say. */
typedef struct {
  int n;           /* points */
  int ok;          /* points without any failure */
  bw_order_fit fit;
  double eta_ok_max;   /* largest eta without a failure (NaN: none) */
  double eta_fail_min; /* smallest eta with a failure (NaN: none) */
  bw_status fail;      /* the first failure at eta_fail_min */
  char status[40];     /* "ok", "few-usable", or why there are no points */
} summary;

/* Fewest usable step sizes per error for a slope the problem's row calls ok (the rule of
 * bwflow order). */
enum { MIN_USABLE = 3 };

static void summarize(const sweep_spec *s, const sweep_state *st, int p, summary *S) {
  memset(S, 0, sizeof *S);
  S->eta_ok_max = S->eta_fail_min = NAN;
  S->n = sweep_state_npoints(st, p);
  bw_order_point *pts = S->n ? malloc((size_t)S->n * sizeof *pts) : NULL;
  unsigned na = 0; /* errors the system does not provide: no rule for them */
  for (int j = 0; j < S->n && pts; j++) {
    pts[j] = *sweep_state_point(st, p, j, NULL, NULL, NULL);
    for (int e = 0; e < BW_ORDER_NERR; e++) na |= (unsigned)(pts[j].status[e] == BW_ERR_NOT_PROVIDED) << e;
    bw_status f = bw_order_point_status(&pts[j], NULL);
    if (!f) {
      S->ok++;
      if (!(pts[j].eta <= S->eta_ok_max)) S->eta_ok_max = pts[j].eta;
    } else if (!(pts[j].eta >= S->eta_fail_min)) {
      S->eta_fail_min = pts[j].eta;
      S->fail = f;
    }
  }
  bw_order_fit_compute(pts ? S->n : 0, pts, &S->fit);
  free(pts);
  const sweep_result *plan = sweep_state_plan(st, p);
  if (!S->n) {
    snprintf(S->status, sizeof S->status, "%s", bw_order_status_word(plan->status));
    return;
  }
  snprintf(S->status, sizeof S->status, "ok");
  for (int e = 0; e < BW_ORDER_NERR; e++)
    if ((s->mask >> e & 1u) && !(na >> e & 1u) && S->fit.usable[e] < MIN_USABLE)
      snprintf(S->status, sizeof S->status, "few-usable");
}

/* A double for CSV: nan when missing, inf for no limit. */
static void num(FILE *f, double x) { cli_print_csv_double(f, x); }

/* A CSV field, quoted when it holds a comma, quote or line break. */
static void field(FILE *f, const char *x) {
  if (!x) return;
  if (!strpbrk(x, ",\"\r\n")) {
    fputs(x, f);
    return;
  }
  fputc('"', f);
  for (const char *c = x; *c; c++) {
    if (*c == '"') fputc('"', f);
    fputc(*c, f);
  }
  fputc('"', f);
}

/* problem,name,system,preset,file,dim,seed */
static void problem_cols(FILE *f, const sweep_spec *s, const sweep_state *st, int p) {
  const sweep_problem *q = &s->prob[p];
  const sweep_result *plan = sweep_state_plan(st, p);
  fprintf(f, "%d,%s,%s,", p, plan->name, plan->system);
  field(f, q->args.preset);
  fputc(',', f);
  field(f, q->file);
  fprintf(f, ",%d,", plan->dim);
  if (q->args.seed_given) fprintf(f, "%llu", q->args.seed);
  else fputs("nan", f);
}

static const char problem_head[] = "problem,name,system,preset,file,dim,seed";

static void write_tasks(FILE *f, const sweep_spec *s, const sweep_state *st) {
  fprintf(f, "%s,t,eta,steps", problem_head);
  for (int e = 0; e < BW_ORDER_NERR; e++)
    if (s->mask >> e & 1u) fprintf(f, ",err_%s", bw_order_err_name((bw_order_err)e));
  fputs(",status", f);
  for (int e = 0; e < BW_ORDER_NERR; e++)
    if (s->mask >> e & 1u) fprintf(f, ",status_%s", bw_order_err_name((bw_order_err)e));
  fputs(",fail_time,fail_value\n", f);
  for (int p = 0; p < s->nprob; p++) {
    double t;
    int n;
    const double *etas;
    sweep_state_ladder(st, p, &t, &n, &etas);
    for (int j = 0; j < n; j++) {
      const bw_order_point *pt = sweep_state_point(st, p, j, NULL, NULL, NULL);
      problem_cols(f, s, st, p);
      fputc(',', f);
      num(f, t);
      fputc(',', f);
      num(f, pt->eta);
      fprintf(f, ",%ld", pt->steps);
      for (int e = 0; e < BW_ORDER_NERR; e++)
        if (s->mask >> e & 1u) {
          fputc(',', f);
          num(f, pt->err[e]);
        }
      bw_order_err which = BW_ORDER_WGF;
      bw_status first = bw_order_point_status(pt, &which);
      fprintf(f, ",%s", bw_order_status_word(first));
      for (int e = 0; e < BW_ORDER_NERR; e++)
        if (s->mask >> e & 1u) fprintf(f, ",%s", bw_order_status_word(pt->status[e]));
      fputc(',', f);
      num(f, first ? pt->fail_time[which] : NAN);
      fputc(',', f);
      num(f, first ? pt->fail_value[which] : NAN);
      fputc('\n', f);
    }
  }
}

static void write_problems(FILE *f, const sweep_spec *s, const sweep_state *st) {
  fprintf(f, "%s,t,t_capped,etas,etas_ok,status,eta_ok_max,eta_fail_min,fail_status,"
          "eta_safe,eta_bound,eta_max,rate_slow,rate_fast", problem_head);
  for (int e = 0; e < BW_ORDER_NERR; e++)
    if (s->mask >> e & 1u) {
      const char *nm = bw_order_err_name((bw_order_err)e);
      fprintf(f, ",usable_%s,slope_%s,order_%s,c%d_%s", nm, nm, nm, bw_order_err_nominal((bw_order_err)e), nm);
    }
  fputc('\n', f);
  for (int p = 0; p < s->nprob; p++) {
    const sweep_result *plan = sweep_state_plan(st, p);
    summary S;
    summarize(s, st, p, &S);
    double t;
    int n;
    const double *etas;
    sweep_state_ladder(st, p, &t, &n, &etas);
    problem_cols(f, s, st, p);
    fputc(',', f);
    num(f, t);
    fprintf(f, ",%d,%d,%d,%s,", sweep_spec_ladder(s, p)->autom && plan->status == BW_OK ? plan->def.t_capped : 0,
            S.n, S.ok, S.status);
    num(f, S.eta_ok_max);
    fputc(',', f);
    num(f, S.eta_fail_min);
    fprintf(f, ",%s,", isfinite(S.eta_fail_min) ? bw_order_status_word(S.fail) : "");
    if (plan->status == BW_OK) {
      num(f, plan->def.eta_safe);
      fprintf(f, ",%s,", bw_eta_bound_name(plan->def.bound));
      num(f, plan->def.eta_max);
      fputc(',', f);
      num(f, plan->def.rate_slow);
      fputc(',', f);
      num(f, plan->def.rate_fast);
    } else {
      fprintf(f, ",nan,%s,nan,nan,nan", bw_order_status_word(plan->status)); /* bound: why there are no defaults */
    }
    for (int e = 0; e < BW_ORDER_NERR; e++)
      if (s->mask >> e & 1u) {
        fprintf(f, ",%d,", S.fit.usable[e]);
        num(f, S.fit.slope[e]);
        fputc(',', f);
        num(f, S.fit.order[e]);
        fputc(',', f);
        num(f, S.fit.constant[e]);
      }
    fputc('\n', f);
  }
}

static void write_timing(FILE *f, const sweep_spec *s, const sweep_state *st) {
  fputs("problem,name,dim,task,eta,steps,wall_s,cpu_s,rank\n", f);
  for (int p = 0; p < s->nprob; p++) {
    const sweep_result *plan = sweep_state_plan(st, p);
    fprintf(f, "%d,%s,%d,plan,nan,nan,%.6f,%.6f,%d\n", p, plan->name, plan->dim, plan->wall, plan->cpu, plan->rank);
    for (int j = 0; j < sweep_state_npoints(st, p); j++) {
      double wall, cpu;
      int rank;
      const bw_order_point *pt = sweep_state_point(st, p, j, &wall, &cpu, &rank);
      fprintf(f, "%d,%s,%d,point,%s,%ld,%.6f,%.6f,%d\n", p, plan->name, plan->dim, CLI_NUM(pt->eta), pt->steps, wall,
              cpu, rank);
    }
  }
}

static void write_sidecar(FILE *f, const sweep_spec *s, const sweep_state *st, const char *tasks,
                          const char *problems, const char *timing) {
  long ntasks = 0;
  for (int p = 0; p < s->nprob; p++) ntasks += sweep_state_npoints(st, p);
  cli_write_sidecar_head(f, "sweep", tasks);
  fprintf(f, ", \"problems_data\": \"%s\", \"timing\": \"%s\", \"name\": \"%s\", \"problems\": %d, "
          "\"tasks\": %ld, \"spec\": %s, \"errors\": [", problems, timing, s->name, s->nprob, ntasks, s->canonical);
  for (int e = 0, k = 0; e < BW_ORDER_NERR; e++)
    if (s->mask >> e & 1u) fprintf(f, "%s\"%s\"", k++ ? ", " : "", bw_order_err_name((bw_order_err)e));
  fprintf(f, "], \"cvode\": {\"rtol\": %s, \"atol\": %s, \"linsol\": \"%s\"}", CLI_NUM(s->fo.rtol),
          CLI_NUM(s->fo.atol), cli_linsol_name(s->fo.linsol));
  fputs(", \"columns\": {"
        "\"problem\": \"index of the problem in the spec's expansion (entries in order; dims, then particles, then seeds)\", "
        "\"name\": \"the problem's name as bwflow order names its files\", "
        "\"system\": \"gaussian, particles or ridge\", \"dim\": \"d, or the number of particles N\", "
        "\"t\": \"the horizon\", \"eta\": \"the step size\", \"steps\": \"t/eta\", "
        "\"err_NAME\": \"max_k W2(iterate_k, reference(k eta)), nan where a trajectory failed (docs/order-study.md)\", "
        "\"status\": \"ok, or the first failure of the task (collapse, ill-posed, lost-spd, ...)\", "
        "\"status_NAME\": \"ok, or why err_NAME is missing\", "
        "\"fail_time\": \"when the first failing trajectory failed (nan: no failure)\", "
        "\"fail_value\": \"a value describing it (eta lambda_max for ill-posed)\", "
        "\"etas\": \"step sizes of the problem's study\", \"etas_ok\": \"of which without any failure\", "
        "\"eta_ok_max\": \"largest step size without a failure\", "
        "\"eta_fail_min\": \"smallest step size with a failure, and fail_status its kind\", "
        "\"eta_safe\": \"the largest step size safely inside every bound (the automatic ladder starts below it), set by eta_bound (horizon, rate, plan, mean, collapse, ill-posed; or why there are no defaults)\", "
        "\"eta_max\": \"the hard limit: beyond it a trajectory of the study is known to fail (collapse threshold, 2/a_max, the JKO step's existence; 2/lambda_max(H) for particles); inf when none\", "
        "\"usable_NAME\": \"step sizes with a usable err_NAME\", "
        "\"slope_NAME\": \"least-squares slope of log err_NAME against log eta\", "
        "\"order_NAME\": \"local slope between the two smallest usable step sizes\", "
        "\"cP_NAME\": \"leading constant lim err_NAME/eta^P (P the nominal order) by Richardson extrapolation\", "
        "\"wall_s\": \"timing file only (not reproducible): seconds the task took on its rank, cpu_s the CPU seconds of its thread\"}}\n",
        f);
}

bool sweep_write_files(const sweep_spec *s, const sweep_state *st, const char *dir, cli_err *e) {
  char tasks[160], problems[160], timing[160], side[160];
  snprintf(tasks, sizeof tasks, "sweep-%s-tasks.csv", s->name);
  snprintf(problems, sizeof problems, "sweep-%s-problems.csv", s->name);
  snprintf(timing, sizeof timing, "sweep-%s-timing.csv", s->name);
  snprintf(side, sizeof side, "sweep-%s.json", s->name);
  cli_fileset fs;
  cli_files_init(&fs, "sweep");
  FILE *ft = cli_files_add(&fs, dir, tasks, e), *fp = ft ? cli_files_add(&fs, dir, problems, e) : NULL;
  FILE *fm = fp ? cli_files_add(&fs, dir, timing, e) : NULL, *fj = fm ? cli_files_add(&fs, dir, side, e) : NULL;
  if (!fj) return false;
  write_tasks(ft, s, st);
  write_problems(fp, s, st);
  write_timing(fm, s, st);
  write_sidecar(fj, s, st, tasks, problems, timing);
  return cli_files_commit(&fs, e);
}

/* ---------------------------------------------------------------- stdout */

static void json_num(FILE *f, double x) { cli_print_double(f, x); }

void sweep_print_summary(FILE *f, const sweep_spec *s, const sweep_state *st, const char *dir,
                         const sweep_stats *stats, bool json) {
  long ntasks = 0, resumed, done, total;
  double frac;
  for (int p = 0; p < s->nprob; p++) ntasks += sweep_state_npoints(st, p);
  sweep_state_progress(st, &done, &total, &resumed, &frac);
  if (json) {
    fprintf(f, "{\"name\": \"%s\", \"out\": ", s->name);
    json_t *d = json_string(dir);
    char *enc = d ? json_dumps(d, JSON_ENCODE_ANY) : NULL;
    fputs(enc ? enc : "null", f);
    free(enc);
    json_decref(d);
    fprintf(f, ", \"files\": [\"sweep-%s-tasks.csv\", \"sweep-%s-problems.csv\", \"sweep-%s.json\", "
            "\"sweep-%s-timing.csv\"], \"problems\": %d, \"tasks\": %ld, \"resumed\": %ld, \"ranks\": %d, "
            "\"computed\": %ld, \"wall\": %.6f, \"busy\": %.6f, \"coordinator_cpu\": %.6f, "
            "\"coordinator_work_cpu\": %.6f, \"polls\": %ld, \"fsyncs\": %ld, "
            "\"results\": [",
            s->name, s->name, s->name, s->name, s->nprob, ntasks, resumed, stats->ranks, stats->computed,
            stats->wall, stats->busy, stats->coord_cpu, stats->coord_work, stats->polls, stats->syncs);
    for (int p = 0; p < s->nprob; p++) {
      summary S;
      summarize(s, st, p, &S);
      fprintf(f, "%s{\"problem\": %d, \"name\": \"%s\", \"status\": \"%s\", \"etas\": %d, \"etas_ok\": %d",
              p ? ", " : "", p, sweep_state_plan(st, p)->name, S.status, S.n, S.ok);
      for (int e = 0; e < BW_ORDER_NERR; e++)
        if (s->mask >> e & 1u) {
          const char *nm = bw_order_err_name((bw_order_err)e);
          fprintf(f, ", \"slope_%s\": ", nm);
          json_num(f, S.fit.slope[e]);
          fprintf(f, ", \"order_%s\": ", nm);
          json_num(f, S.fit.order[e]);
          fprintf(f, ", \"c%d_%s\": ", bw_order_err_nominal((bw_order_err)e), nm);
          json_num(f, S.fit.constant[e]);
        }
      fputc('}', f);
    }
    fputs("]}\n", f);
    return;
  }
  fprintf(f, "%-7s %-24s %-9s", "problem", "name", "etas ok");
  for (int e = 0; e < BW_ORDER_NERR; e++)
    if (s->mask >> e & 1u) fprintf(f, " %-22s", bw_order_err_name((bw_order_err)e));
  fprintf(f, " status\n%-7s %-24s %-9s", "", "", "");
  for (int e = 0; e < BW_ORDER_NERR; e++)
    if (s->mask >> e & 1u) {
      char c[16];
      snprintf(c, sizeof c, "C%d", bw_order_err_nominal((bw_order_err)e)); /* lim err/eta^p */
      fprintf(f, " %-5s %-5s %-10s", "slope", "order", c);
    }
  fputc('\n', f);
  for (int p = 0; p < s->nprob; p++) {
    summary S;
    summarize(s, st, p, &S);
    char ok[16];
    snprintf(ok, sizeof ok, "%d/%d", S.ok, S.n);
    fprintf(f, "%-7d %-24s %-9s", p, sweep_state_plan(st, p)->name, ok);
    for (int e = 0; e < BW_ORDER_NERR; e++)
      if (s->mask >> e & 1u) {
        if (isfinite(S.fit.slope[e])) fprintf(f, " %5.2f", S.fit.slope[e]);
        else fprintf(f, " %5s", "-");
        if (isfinite(S.fit.order[e])) fprintf(f, " %5.2f", S.fit.order[e]);
        else fprintf(f, " %5s", "-");
        if (isfinite(S.fit.constant[e])) fprintf(f, " %-10.3e", S.fit.constant[e]);
        else fprintf(f, " %-10s", "-");
      }
    fprintf(f, " %s\n", S.status);
  }
  fprintf(f, "%d problems, %ld tasks (%ld computed by this run on %d rank%s in %.1f s, %ld from the journal)\n",
          s->nprob, ntasks, stats->computed, stats->ranks, stats->ranks > 1 ? "s" : "", stats->wall, resumed);
  /* the files are named on stderr as they are written (cli_files_commit) */
}
