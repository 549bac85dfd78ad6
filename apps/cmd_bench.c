/* bwflow bench: timings of the hot paths against LAPACK's dsyevd, through the public API.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <dlfcn.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

/* LAPACK's symmetric divide-and-conquer eigensolver (gfortran convention: hidden lengths of
 * the CHARACTER arguments), as lib/core/lapack.h declares it. */
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork,
             int *info, size_t ljobz, size_t luplo);
/* Cholesky factorisation and inverse from it: the floor of a JKO-Flow right-hand side. */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t luplo);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t luplo);

static const char usage[] =
    "usage: bwflow bench [--json] [--quick] [--cpu]\n"
    "\n"
    "Median wall time (CLOCK_MONOTONIC) of the library's hot paths on bw_problem_random(d, 1,\n"
    "tau = 0.7) and its initial Gaussian, for d = 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000:\n"
    "  jko_step   one bw_jko_step (eta = 0.1, plan made once, in place, reused workspace)\n"
    "  jko_steps  bw_jko_steps with n = 12 (in place), per step: n steps kept in P's eigenbasis;\n"
    "             also with n = 2, and the marginal cost of a step (t(12) - t(2))/10: the\n"
    "             steady-state cost without entering and leaving the basis\n"
    "  distance   one bw_w2 between the initial Gaussian and the exact flow at t = 1\n"
    "  wgf        one bw_wgf (exact flow to t = 1) with a reused workspace\n"
    "  dsyevd     LAPACK dsyevd (JOBZ = 'V') of the initial covariance, copy included:\n"
    "             the floor of a JKO step, which does one symmetric eigendecomposition\n"
    "Calls are timed in batches of ~2 ms (single calls when one call takes longer); the\n"
    "median over 15 batches is reported (7 or 5 single calls for slow calls). The table adds\n"
    "step/dsyevd, steps/dsyevd (per step) and distance/dsyevd and the exponent p of\n"
    "t_step ~ d^p fitted over d = 100..1000. JKO-Flow (eta = 0.1, rtol 1e-8, atol 1e-14,\n"
    "linsol auto) is timed from the initial Gaussian to T = 2 for d = 2, 10, 50, 200, with\n"
    "CVODE's step and right-hand-side counts, the time per right-hand-side evaluation (solve\n"
    "time / evaluations) and, for comparison, LAPACK dpotrf + dpotri (uplo 'U', the\n"
    "right-hand side's inverse) of the initial covariance, copy included. Timings depend on\n"
    "the machine and its load: run it on a quiet machine (OPENBLAS_NUM_THREADS=1 for\n"
    "reproducible single-core figures).\n"
    "\n"
    "options:\n"
    "  --quick     d <= 50 only, fewer and shorter batches, an operation of 50 ms or more\n"
    "              timed once (a smoke run)\n"
    "  --cpu       time with the process CPU clock (CLOCK_PROCESS_CPUTIME_ID) instead of\n"
    "              wall time: robust against other load on the machine when BLAS is\n"
    "              single-threaded (OPENBLAS_NUM_THREADS=1); the particle part keeps wall time\n"
    "  --json      print {\"jko_step_ns\": {\"1\": ..., ...}, \"jko_steps_ns\" (per step),\n"
    "              \"distance_ns\", \"wgf_ns\", \"eig_ns\", \"jko_steps_n\",\n"
    "              \"jko_steps_marginal_ns\", \"steps_marginal_over_eig\",\n"
    "              \"jkoflow_ms\": {\"2\": ..., ...}, then \"jkoflow_steps\", \"jkoflow_rhs_evals\",\n"
    "              \"jkoflow_jtv_evals\", \"jkoflow_linsol\", \"jkoflow_solver\",\n"
    "              \"jkoflow_rhs_ns\", \"chol_inv_ns\", \"rhs_over_chol_inv\",\n"
    "              \"step_over_eig\", \"steps_over_eig\", \"distance_over_eig\",\n"
    "              \"workspace_bytes\", \"step_exponent\" (null when not measured),\n"
    "              \"machine\"} (machine.clock: \"wall\" or \"process-cpu\")\n"
    "  -h, --help  this help\n"
    "\n"
    "Particles (quartic preset; keys particles_*, --quick: N <= 1000): a warm-started JKO step\n"
    "(eta = 1e-3) per particle with its Newton iterations for N = 100 .. 100000, and JKO-Flow\n"
    "to T = 0.5 for N = 20 and 200 (eta = 1e-3 (20/N)^2, rtol 1e-8) with the analytic banded\n"
    "Jacobian and with CVODE's difference quotients (keys ..._dq).\n"
    "\n"
    "Gaussian VI (ridges; keys ridge_*): Bayesian logistic regression, the logreg-d30 preset\n"
    "(d = 30, n = 569 observations) from its prior: the gradient (g, G), one JKO step (eta =\n"
    "0.1, with its Newton iterations), 100 forward-backward steps (eta = 0.005) and the\n"
    "gradient flow to T = 5 (rtol 1e-12, atol 1e-14, with CVODE's counts), in ms.\n"
    "\n"
    "exit status: 0 success, 1 numerical failure, 2 bad usage\n";

static const int all_dims[] = {1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000};
static const int flow_dims[] = {2, 10, 50, 200};
enum { NDIM = sizeof all_dims / sizeof all_dims[0], NFLOW = sizeof flow_dims / sizeof flow_dims[0] };
enum { OP_STEP, OP_STEPS, OP_STEPS0, OP_DIST, OP_WGF, OP_EIG, NOP };
static const char *const op_keys[NOP] = {"jko_step_ns", "jko_steps_ns", "jko_steps_marginal_ns",
                                         "distance_ns", "wgf_ns", "eig_ns"};
static const char *const op_names[NOP] = {"bw_jko_step", "bw_jko_steps", "bw_jko_steps (n = 2)",
                                          "bw_w2", "bw_wgf", "dsyevd"};
/* steps per bw_jko_steps call (its time is reported per step), and the short call whose
 * difference gives the marginal cost of a step */
enum { NSTEPS = 12, NSTEPS0 = 2 };

enum { OPT_QUICK = 2000, OPT_CPU }; /* after cli.h's option codes */

static const double ETA = 0.1, TAU = 0.7, T_FLOW = 2.0, T_WGF = 1.0;
static const unsigned long long SEED = 1;

static double now_ns(clockid_t clk) {
  struct timespec ts;
  clock_gettime(clk, &ts);
  return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

/* OpenBLAS' kernel family ("Haswell", "SkylakeX", ...; NULL when the BLAS is not OpenBLAS):
 * it decides much of the timings (a CPU model it does not recognise gets the generic
 * "Prescott" kernels, several times slower; OPENBLAS_CORETYPE overrides the choice). */
static const char *openblas_core(void) {
  void *sym = dlsym(RTLD_DEFAULT, "openblas_get_corename");
  if (!sym) return NULL;
  char *(*fn)(void);
  memcpy(&fn, &sym, sizeof fn); /* object pointer to function pointer without a cast warning */
  return fn();
}

/* The CPU model from /proc/cpuinfo ("" when unknown). */
static void cpu_model(char *buf, size_t n) {
  buf[0] = '\0';
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "model name", 10)) {
      const char *p = strchr(line, ':');
      if (p) {
        p++;
        while (*p == ' ') p++;
        snprintf(buf, n, "%s", p);
        buf[strcspn(buf, "\n")] = '\0';
      }
      break;
    }
  fclose(f);
}

/* Everything one operation needs at one dimension. */
typedef struct {
  int d;
  bw_problem *pb;
  bw_gaussian *g0, *g, *g1, *gt; /* initial, stepped in place, flow at T_WGF, wgf output */
  bw_workspace *ws;
  bw_jko_plan *plan;
  double *A, *w, *work; /* dsyevd: matrix copy, eigenvalues, workspace */
  int *iwork, lwork, liwork;
  bw_jkoflow *jf;
  bw_jkoflow_stats stats;
  double w2;
} bench_ctx;

typedef bw_status (*op_fn)(bench_ctx *c);

static bw_status op_step(bench_ctx *c) { return bw_jko_step(c->plan, c->ws, c->g, c->g); }
static bw_status op_steps(bench_ctx *c) { return bw_jko_steps(c->plan, c->ws, c->g, NSTEPS, c->g); }
static bw_status op_steps0(bench_ctx *c) { return bw_jko_steps(c->plan, c->ws, c->g, NSTEPS0, c->g); }
static bw_status op_dist(bench_ctx *c) { return bw_w2(c->ws, c->g0, c->g1, &c->w2); }
static bw_status op_wgf(bench_ctx *c) { return bw_wgf(c->pb, c->ws, c->g0, T_WGF, c->gt); }
static bw_status op_eig(bench_ctx *c) {
  const int d = c->d;
  int info = 0;
  memcpy(c->A, c->g0->cov, sizeof(double) * (size_t)d * d); /* dsyevd overwrites its input */
  dsyevd_("V", "L", &d, c->A, &d, c->w, c->work, &c->lwork, c->iwork, &c->liwork, &info, 1, 1);
  return info ? BW_ERR_LAPACK : BW_OK;
}
static bw_status op_chol_inv(bench_ctx *c) {
  const int d = c->d;
  int info = 0;
  memcpy(c->A, c->g0->cov, sizeof(double) * (size_t)d * d);
  dpotrf_("U", &d, c->A, &d, &info, 1);
  if (!info) dpotri_("U", &d, c->A, &d, &info, 1);
  return info ? BW_ERR_LAPACK : BW_OK;
}
static bw_status op_flow(bench_ctx *c) {
  double t = T_FLOW;
  return bw_jkoflow_solve(c->jf, c->g0, 1, &t, &c->gt, &c->stats);
}

/* Median ns per call of fn: a warm-up call, batches of reps calls sized to ~target ns (reps =
 * 1 when one call takes longer), the median of the per-call time over the batches. */
static bw_status time_op(op_fn fn, bench_ctx *c, bool quick, clockid_t clk, double *median) {
  const double target = quick ? 5e5 : 2e6;
  double t0 = now_ns(clk);
  bw_status st = fn(c);
  double one = now_ns(clk) - t0;
  if (st) return st;
  long reps = 1;
  if (one < target) { /* refine the estimate: double until a quarter of the target */
    long r = 1;
    double el;
    for (;;) {
      t0 = now_ns(clk);
      for (long k = 0; k < r && !st; k++) st = fn(c);
      el = now_ns(clk) - t0;
      if (st) return st;
      if (el >= 0.25 * target || r >= (1L << 28)) break;
      r *= 2;
    }
    reps = (long)ceil(r * target / fmax(el, 1.0));
    if (reps < 1) reps = 1;
    one = el / (double)r;
  }
  int nb = reps > 1 || one < 2e7 ? 15 : one < 2e8 ? 7 : 5;
  if (quick) nb = nb == 15 ? 7 : 3;
  double per[15];
  for (int b = 0; b < nb; b++) {
    t0 = now_ns(clk);
    for (long k = 0; k < reps && !st; k++) st = fn(c);
    per[b] = (now_ns(clk) - t0) / (double)reps;
    if (st) return st;
  }
  for (int i = 1; i < nb; i++) /* insertion sort */
    for (int j = i; j > 0 && per[j - 1] > per[j]; j--) {
      double x = per[j];
      per[j] = per[j - 1];
      per[j - 1] = x;
    }
  *median = nb % 2 ? per[nb / 2] : 0.5 * (per[nb / 2 - 1] + per[nb / 2]);
  return BW_OK;
}

static void ctx_free(bench_ctx *c) {
  bw_jkoflow_free(c->jf);
  bw_jko_plan_free(c->plan);
  bw_workspace_free(c->ws);
  bw_gaussian_free(c->g0);
  bw_gaussian_free(c->g);
  bw_gaussian_free(c->g1);
  bw_gaussian_free(c->gt);
  bw_problem_free(c->pb);
  free(c->A);
  free(c->w);
  free(c->work);
  free(c->iwork);
  memset(c, 0, sizeof *c);
}

/* The random problem of dimension d, its initial Gaussian and the flow at T_WGF. */
static bw_status ctx_init(bench_ctx *c, int d, const char **what) {
  memset(c, 0, sizeof *c);
  c->d = d;
  *what = "allocation";
  c->pb = bw_problem_alloc(d);
  c->g0 = bw_gaussian_alloc(d);
  c->g = bw_gaussian_alloc(d);
  c->g1 = bw_gaussian_alloc(d);
  c->gt = bw_gaussian_alloc(d);
  c->ws = bw_workspace_alloc(d);
  if (!c->pb || !c->g0 || !c->g || !c->g1 || !c->gt || !c->ws) return BW_ERR_NOMEM;
  *what = "bw_problem_random";
  bw_status st = bw_problem_random(d, SEED, TAU, c->pb, c->g0);
  if (st) return st;
  *what = "bw_gaussian_copy";
  if ((st = bw_gaussian_copy(c->g, c->g0))) return st;
  *what = "bw_wgf";
  if ((st = bw_wgf(c->pb, c->ws, c->g0, T_WGF, c->g1))) return st;
  *what = "bw_jko_plan_create";
  return bw_jko_plan_create(c->pb, ETA, &c->plan);
}

/* dsyevd's arrays, sized by its workspace query. */
static bw_status eig_init(bench_ctx *c) {
  const int d = c->d;
  int info = 0, lw = -1, liw = -1, iq = 0;
  double q = 0.0;
  c->A = malloc(sizeof(double) * (size_t)d * d);
  c->w = malloc(sizeof(double) * (size_t)d);
  if (!c->A || !c->w) return BW_ERR_NOMEM;
  memcpy(c->A, c->g0->cov, sizeof(double) * (size_t)d * d);
  dsyevd_("V", "L", &d, c->A, &d, c->w, &q, &lw, &iq, &liw, &info, 1, 1);
  if (info) return BW_ERR_LAPACK;
  c->lwork = (int)q > 1 ? (int)q : 1;
  c->liwork = iq > 1 ? iq : 1;
  c->work = malloc(sizeof(double) * (size_t)c->lwork);
  c->iwork = malloc(sizeof(int) * (size_t)c->liwork);
  return c->work && c->iwork ? BW_OK : BW_ERR_NOMEM;
}

typedef struct {
  int nd, nf;
  double t[NOP][NDIM];
  size_t ws_bytes[NDIM];
  double flow_ms[NFLOW], chol_inv_ns[NFLOW];
  long flow_steps[NFLOW], flow_rhs[NFLOW], flow_jtv[NFLOW];
  bw_linsol flow_linsol[NFLOW];
  const char *flow_solver[NFLOW]; /* static strings */
  double exponent; /* NaN when d = 100..1000 were not all measured */
  const char *clock; /* "wall" or "process-cpu" */
  cli_bench_pt particles; /* the particle system's part (apps/bench_particles.c) */
  cli_bench_rg ridge;     /* the ridge system's part (apps/bench_ridge.c) */
} results;

static void print_time(FILE *f, double ns) {
  if (ns < 1e4) fprintf(f, " %8.0f ns", ns);
  else if (ns < 1e6) fprintf(f, " %8.2f us", ns * 1e-3);
  else fprintf(f, " %8.2f ms", ns * 1e-6);
}

static void print_table(FILE *f, const results *r, bool quick) {
  const char *core = openblas_core(), *thr = getenv("OPENBLAS_NUM_THREADS");
  fprintf(f, "bwflow bench%s: median %s time per call (bw_problem_random(d, 1, 0.7), eta = 0.1)\n",
          quick ? " --quick" : "", !strcmp(r->clock, "wall") ? "wall" : "process CPU");
  fprintf(f, "BLAS: %s%s, OPENBLAS_NUM_THREADS=%s\n\n", core ? "OpenBLAS, kernels " : "not OpenBLAS",
          core ? core : "", thr ? thr : "unset");
  fprintf(f, "%5s %11s %11s %11s %11s %11s %11s %9s %9s %9s %9s %11s\n", "d", "jko_step", "jko_steps",
          "marginal", "distance", "wgf", "dsyevd", "step/eig", "steps/eig", "marg/eig", "dist/eig",
          "workspace");
  for (int i = 0; i < r->nd; i++) {
    fprintf(f, "%5d", all_dims[i]);
    for (int k = 0; k < NOP; k++) print_time(f, r->t[k][i]);
    fprintf(f, " %9.2f %9.2f %9.2f %9.2f %8.1f KB\n", r->t[OP_STEP][i] / r->t[OP_EIG][i],
            r->t[OP_STEPS][i] / r->t[OP_EIG][i], r->t[OP_STEPS0][i] / r->t[OP_EIG][i],
            r->t[OP_DIST][i] / r->t[OP_EIG][i], (double)r->ws_bytes[i] / 1024.0);
  }
  fprintf(f, "(jko_steps: per step of bw_jko_steps with n = %d; marginal: (t(%d) - t(%d))/%d)\n",
          NSTEPS, NSTEPS, NSTEPS0, NSTEPS - NSTEPS0);
  if (isfinite(r->exponent))
    fprintf(f, "\nfitted exponent of the JKO step time over d = 100..1000: %.2f\n", r->exponent);
  fprintf(f, "\nJKO-Flow to T = 2 (eta = 0.1, rtol 1e-8, atol 1e-14, method and linsol auto):\n");
  fprintf(f, "%5s %11s %7s %10s %10s %11s %11s %9s  %s\n", "d", "wall", "steps", "rhs_evals",
          "jtv_evals", "per_rhs", "chol+inv", "rhs/inv", "solver");
  for (int i = 0; i < r->nf; i++) {
    const double per_rhs = r->flow_ms[i] * 1e6 / (double)r->flow_rhs[i];
    fprintf(f, "%5d", flow_dims[i]);
    print_time(f, r->flow_ms[i] * 1e6);
    fprintf(f, " %7ld %10ld %10ld", r->flow_steps[i], r->flow_rhs[i], r->flow_jtv[i]);
    print_time(f, per_rhs);
    print_time(f, r->chol_inv_ns[i]);
    fprintf(f, " %9.2f  %s\n", per_rhs / r->chol_inv_ns[i], r->flow_solver[i]);
  }
  fprintf(f, "(per_rhs: solve time / rhs_evals; chol+inv: dpotrf + dpotri of a d x d copy)\n");
  cli_bench_particles_table(f, &r->particles);
  cli_bench_ridge_table(f, &r->ridge);
}

static void json_map_d(FILE *f, const char *key, int n, const int *dims, const double *v) {
  fprintf(f, "\"%s\": {", key);
  for (int i = 0; i < n; i++) {
    fprintf(f, "%s\"%d\": ", i ? ", " : "", dims[i]);
    cli_print_double(f, v[i]);
  }
  fputc('}', f);
}

static void json_map_l(FILE *f, const char *key, int n, const int *dims, const long *v) {
  fprintf(f, "\"%s\": {", key);
  for (int i = 0; i < n; i++) fprintf(f, "%s\"%d\": %ld", i ? ", " : "", dims[i], v[i]);
  fputc('}', f);
}

static void put_json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
    else if ((unsigned char)*s < 0x20) fprintf(f, "\\u%04x", (unsigned char)*s);
    else fputc(*s, f);
  }
  fputc('"', f);
}

static void print_json(FILE *f, const results *r, bool quick) {
  fputc('{', f);
  for (int k = 0; k < NOP; k++) {
    json_map_d(f, op_keys[k], r->nd, all_dims, r->t[k]);
    fputs(", ", f);
  }
  json_map_d(f, "jkoflow_ms", r->nf, flow_dims, r->flow_ms);
  fputs(", ", f);
  json_map_l(f, "jkoflow_steps", r->nf, flow_dims, r->flow_steps);
  fputs(", ", f);
  json_map_l(f, "jkoflow_rhs_evals", r->nf, flow_dims, r->flow_rhs);
  fputs(", ", f);
  json_map_l(f, "jkoflow_jtv_evals", r->nf, flow_dims, r->flow_jtv);
  fputs(", ", f);
  double per_rhs[NFLOW], rhs_ratio[NFLOW];
  for (int i = 0; i < r->nf; i++) {
    per_rhs[i] = r->flow_ms[i] * 1e6 / (double)r->flow_rhs[i];
    rhs_ratio[i] = per_rhs[i] / r->chol_inv_ns[i];
  }
  json_map_d(f, "jkoflow_rhs_ns", r->nf, flow_dims, per_rhs);
  fputs(", ", f);
  json_map_d(f, "chol_inv_ns", r->nf, flow_dims, r->chol_inv_ns);
  fputs(", ", f);
  json_map_d(f, "rhs_over_chol_inv", r->nf, flow_dims, rhs_ratio);
  fputs(", \"jkoflow_linsol\": {", f);
  for (int i = 0; i < r->nf; i++)
    fprintf(f, "%s\"%d\": \"%s\"", i ? ", " : "", flow_dims[i], cli_linsol_name(r->flow_linsol[i]));
  fputs("}, \"jkoflow_solver\": {", f);
  for (int i = 0; i < r->nf; i++)
    fprintf(f, "%s\"%d\": \"%s\"", i ? ", " : "", flow_dims[i], r->flow_solver[i]);
  fputs("}, ", f);
  double ratio[4][NDIM];
  long wsb[NDIM];
  for (int i = 0; i < r->nd; i++) {
    ratio[0][i] = r->t[OP_STEP][i] / r->t[OP_EIG][i];
    ratio[1][i] = r->t[OP_STEPS][i] / r->t[OP_EIG][i];
    ratio[2][i] = r->t[OP_DIST][i] / r->t[OP_EIG][i];
    ratio[3][i] = r->t[OP_STEPS0][i] / r->t[OP_EIG][i];
    wsb[i] = (long)r->ws_bytes[i];
  }
  json_map_d(f, "step_over_eig", r->nd, all_dims, ratio[0]);
  fputs(", ", f);
  json_map_d(f, "steps_over_eig", r->nd, all_dims, ratio[1]);
  fputs(", ", f);
  json_map_d(f, "steps_marginal_over_eig", r->nd, all_dims, ratio[3]);
  fputs(", ", f);
  json_map_d(f, "distance_over_eig", r->nd, all_dims, ratio[2]);
  fputs(", ", f);
  json_map_l(f, "workspace_bytes", r->nd, all_dims, wsb);
  cli_bench_particles_json(f, &r->particles); /* ", particles_...": {...} */
  cli_bench_ridge_json(f, &r->ridge);         /* ", ridge_...": ... */
  fprintf(f, ", \"jko_steps_n\": %d, \"step_exponent\": ", NSTEPS);
  cli_print_double(f, r->exponent);

  char cpu[256], date[64] = "";
  cpu_model(cpu, sizeof cpu);
  time_t now = time(NULL);
  struct tm tmv;
  if (gmtime_r(&now, &tmv)) strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tmv);
  struct utsname u;
  const char *thr = getenv("OPENBLAS_NUM_THREADS");
  fputs(", \"machine\": {\"cpu\": ", f);
  put_json_string(f, cpu);
  fputs(", \"kernel\": ", f);
  put_json_string(f, uname(&u) == 0 ? u.release : "");
  fputs(", \"openblas_core\": ", f);
  const char *core = openblas_core();
  if (core) put_json_string(f, core);
  else fputs("null", f);
  const char *ct = getenv("OPENBLAS_CORETYPE");
  fputs(", \"openblas_coretype_env\": ", f);
  if (ct) put_json_string(f, ct);
  else fputs("null", f);
  fprintf(f, ", \"cores_online\": %ld, \"openblas_num_threads\": ", sysconf(_SC_NPROCESSORS_ONLN));
  if (thr) put_json_string(f, thr);
  else fputs("null", f);
  fputs(", \"bwflow\": ", f);
  put_json_string(f, bw_version());
  fputs(", \"date\": ", f);
  put_json_string(f, date);
  fprintf(f, ", \"clock\": \"%s\", \"quick\": %s}}\n", r->clock, quick ? "true" : "false");
}

int cmd_bench(int argc, char **argv, FILE *out) {
  static const struct option opts[] = {{"json", no_argument, NULL, OPT_JSON},
                                        {"quick", no_argument, NULL, OPT_QUICK},
                                        {"cpu", no_argument, NULL, OPT_CPU},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  bool json = false, quick = false;
  clockid_t clk = CLOCK_MONOTONIC;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
    case 'h': fputs(usage, out); return EXIT_OK;
    case OPT_JSON: json = true; break;
    case OPT_QUICK: quick = true; break;
    case OPT_CPU: clk = CLOCK_PROCESS_CPUTIME_ID; break;
    default: cli_bad_option("bench", c, argv); return EXIT_USAGE;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "bwflow bench: unexpected argument '%s'\n", argv[optind]);
    return EXIT_USAGE;
  }

  results r;
  memset(&r, 0, sizeof r);
  r.exponent = NAN;
  r.clock = clk == CLOCK_MONOTONIC ? "wall" : "process-cpu";
  const bool progress = isatty(STDERR_FILENO);
  static const op_fn fns[NOP] = {op_step, op_steps, op_steps0, op_dist, op_wgf, op_eig};
  bench_ctx ctx;
  bw_status st = BW_OK;
  const char *what = "";
  for (int i = 0; i < NDIM && !st; i++) {
    const int d = all_dims[i];
    if (quick && d > 50) break;
    if (progress) fprintf(stderr, "\rbwflow bench: d = %-5d", d);
    if (!(st = ctx_init(&ctx, d, &what))) {
      what = "dsyevd workspace";
      st = eig_init(&ctx);
    }
    for (int k = 0; k < NOP && !st; k++) {
      what = op_names[k];
      st = time_op(fns[k], &ctx, quick, clk, &r.t[k][i]);
    }
    /* per step; OP_STEPS0 becomes the marginal cost of a step */
    r.t[OP_STEPS0][i] = (r.t[OP_STEPS][i] - r.t[OP_STEPS0][i]) / (NSTEPS - NSTEPS0);
    r.t[OP_STEPS][i] /= NSTEPS;
    r.ws_bytes[i] = bw_workspace_bytes(ctx.ws);
    ctx_free(&ctx);
    if (!st) r.nd = i + 1;
    else fprintf(stderr, "%sbwflow bench: d = %d: %s: %s\n", progress ? "\r\033[K" : "", d, what,
                 bw_strerror(st));
  }
  for (int i = 0; i < NFLOW && !st; i++) {
    const int d = flow_dims[i];
    if (quick && d > 50) break;
    if (progress) fprintf(stderr, "\rbwflow bench: JKO-Flow d = %-5d", d);
    bw_jkoflow_opts fo;
    bw_jkoflow_opts_default(&fo);
    fo.rtol = 1e-8;
    fo.linsol = BW_LINSOL_AUTO;
    what = "bw_jkoflow_create";
    if (!(st = ctx_init(&ctx, d, &what))) {
      what = "bw_jkoflow_create";
      st = bw_jkoflow_create(ctx.pb, BW_FLOW_JKO, ETA, &fo, &ctx.jf);
    }
    double ns = NAN;
    if (!st) {
      what = "bw_jkoflow_solve";
      st = time_op(op_flow, &ctx, quick, clk, &ns);
    }
    if (!st) {
      what = "dpotrf + dpotri";
      ctx.A = malloc(sizeof(double) * (size_t)d * d);
      st = ctx.A ? time_op(op_chol_inv, &ctx, quick, clk, &r.chol_inv_ns[i]) : BW_ERR_NOMEM;
    }
    if (!st) {
      r.flow_ms[i] = ns * 1e-6;
      r.flow_steps[i] = ctx.stats.steps;
      r.flow_rhs[i] = ctx.stats.rhs_evals;
      r.flow_jtv[i] = ctx.stats.jtv_evals;
      r.flow_linsol[i] = bw_jkoflow_linsol(ctx.jf);
      r.flow_solver[i] = bw_jkoflow_solver_name(ctx.jf);
      r.nf = i + 1;
    } else {
      fprintf(stderr, "%sbwflow bench: JKO-Flow d = %d: %s: %s\n", progress ? "\r\033[K" : "", d, what,
              bw_strerror(st));
    }
    ctx_free(&ctx);
  }
  if (!st) { /* the particle system (apps/bench_particles.c) */
    if (progress) fputs("\rbwflow bench: particles      ", stderr);
    if ((st = cli_bench_particles(quick, &r.particles, &what)))
      fprintf(stderr, "%sbwflow bench: particles: %s: %s\n", progress ? "\r\033[K" : "", what, bw_strerror(st));
  }
  if (!st) { /* the ridge system (apps/bench_ridge.c) */
    if (progress) fputs("\rbwflow bench: ridges         ", stderr);
    if ((st = cli_bench_ridge(quick, clk, &r.ridge, &what)))
      fprintf(stderr, "%sbwflow bench: ridges: %s: %s\n", progress ? "\r\033[K" : "", what, bw_strerror(st));
  }
  if (progress) fputs("\r\033[K", stderr);
  if (st) return EXIT_FAIL;

  /* Exponent of the step time over d = 100..1000. */
  double x[NDIM], y[NDIM];
  int nfit = 0;
  for (int i = 0; i < r.nd; i++)
    if (all_dims[i] >= 100) {
      x[nfit] = all_dims[i];
      y[nfit++] = r.t[OP_STEP][i];
    }
  if (nfit == 4 && bw_loglog_slope(nfit, x, y, &r.exponent)) r.exponent = NAN;

  if (json) print_json(out, &r, quick);
  else print_table(out, &r, quick);
  return EXIT_OK;
}
