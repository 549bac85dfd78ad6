/* Convergence-order studies over any system (bwflow/system.h): the errors of one step size
 * with per-error statuses, their fits (slopes, asymptotic orders, leading constants), and
 * default horizons and step sizes from the system's own scales (docs/order-study.md).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include "core/system_type.h"

/* ---------------------------------------------------------------- the errors */

static const struct {
  const char *name;
  int nominal;
  bw_traj_kind iterates, reference;
} errs[BW_ORDER_NERR] = {
    [BW_ORDER_WGF] = {"wgf", 1, BW_TRAJ_JKO, BW_TRAJ_WGF},
    [BW_ORDER_JKOFLOW] = {"jkoflow", 2, BW_TRAJ_JKO, BW_TRAJ_JKOFLOW},
    [BW_ORDER_FORWARD_WGF] = {"forward_wgf", 1, BW_TRAJ_FORWARD, BW_TRAJ_WGF},
    [BW_ORDER_FORWARD_FLOW] = {"forward_flow", 2, BW_TRAJ_FORWARD, BW_TRAJ_FORWARDFLOW},
    [BW_ORDER_JKOFLOW2] = {"jkoflow2", 3, BW_TRAJ_JKO, BW_TRAJ_JKOFLOW2},
    [BW_ORDER_FB_WGF] = {"fb_wgf", 1, BW_TRAJ_FB, BW_TRAJ_WGF},
};

static bool err_ok(bw_order_err e) { return (int)e >= 0 && e < BW_ORDER_NERR; }
const char *bw_order_err_name(bw_order_err e) { return err_ok(e) ? errs[e].name : NULL; }
int bw_order_err_nominal(bw_order_err e) { return err_ok(e) ? errs[e].nominal : 0; }

bw_status bw_order_err_pair(bw_order_err e, bw_traj_kind *iterates, bw_traj_kind *reference) {
  if (!err_ok(e)) return BW_ERR_BAD_ARG;
  if (iterates) *iterates = errs[e].iterates;
  if (reference) *reference = errs[e].reference;
  return BW_OK;
}

bw_status bw_order_point_status(const bw_order_point *pt, bw_order_err *which) {
  if (!pt) return BW_OK;
  for (int e = 0; e < BW_ORDER_NERR; e++)
    if ((pt->mask >> e & 1u) && pt->status[e] && pt->status[e] != BW_ERR_NOT_PROVIDED) {
      if (which) *which = (bw_order_err)e;
      return pt->status[e];
    }
  return BW_OK;
}

const char *bw_order_status_word(bw_status st) {
  switch (st) {
  case BW_OK: return "ok";
  case BW_ERR_COLLAPSE: return "collapse";
  case BW_ERR_ILL_POSED: return "ill-posed";
  case BW_ERR_NOT_ORDERED: return "order-lost";
  case BW_ERR_LOST_SPD:
  case BW_ERR_OVERFLOW: return "diverged";
  case BW_ERR_ETA_TOO_LARGE: return "eta-too-large";
  case BW_ERR_NO_CONVERGENCE: return "newton-failure";
  case BW_ERR_PRECISION: return "precision";
  case BW_ERR_LAPACK: return "lapack-failure";
  case BW_ERR_CVODE_TOO_MUCH_WORK:
  case BW_ERR_CVODE_TOO_MUCH_ACC:
  case BW_ERR_CVODE_ERR_FAILURE:
  case BW_ERR_CVODE_CONV_FAILURE:
  case BW_ERR_CVODE: return "cvode-failure";
  case BW_ERR_NOT_PROVIDED: return "n/a";
  default: return "failure";
  }
}

/* ---------------------------------------------------------------- one step size */

/* Statuses that are the caller's or the machine's fault, not a result of the study. */
static bool hard_error(bw_status st) { return st == BW_ERR_NOMEM || st == BW_ERR_NULL || st == BW_ERR_BAD_ARG; }

bw_status bw_order_point_compute(const bw_system *sys, double T, double eta, unsigned mask,
                                 const bw_jkoflow_opts *opts, void (*progress)(void *ctx, long k, long n),
                                 void *ctx, bw_order_point *pt) {
  if (!sys || !pt) return BW_ERR_NULL;
  if (!(eta > 0) || !isfinite(eta)) return BW_ERR_BAD_ETA;
  if (!(T > 0) || !isfinite(T) || !(T / eta < 1e9)) return BW_ERR_BAD_ARG;
  const long n = lround(T / eta);
  if (n < 1 || fabs(n * eta - T) > 1e-9 * T) return BW_ERR_BAD_ARG;
  const bool want_res = mask & BW_ORDER_RESOLUTION;
  mask &= ~BW_ORDER_RESOLUTION;
  if (!mask) mask = BW_ORDER_MASK_FIRST;
  if (mask & ~BW_ORDER_MASK_ALL) return BW_ERR_BAD_ARG;

  bw_order_point r = {.eta = eta, .steps = n, .mask = mask};
  for (int e = 0; e < BW_ORDER_NERR; e++) r.err[e] = r.fail_time[e] = r.fail_value[e] = r.resolution[e] = NAN;
  bw_traj *tr[BW_TRAJ_KIND_COUNT] = {0};
  /* Resolution: each integrated reference once more at 10 x the tolerances (loose), and
   * res[k] = max_k W2(reference, loose)/9 so far; 0 for closed forms, NaN once unknown. */
  bw_traj *loose[BW_TRAJ_KIND_COUNT] = {0};
  double res[BW_TRAJ_KIND_COUNT];
  bw_jkoflow_opts lo;
  if (opts) lo = *opts;
  else bw_jkoflow_opts_default(&lo);
  lo.rtol *= 10.0, lo.atol *= 10.0;
  bw_status dead[BW_TRAJ_KIND_COUNT] = {0};
  bool need[BW_TRAJ_KIND_COUNT] = {0};
  for (int e = 0; e < BW_ORDER_NERR; e++)
    if (mask >> e & 1u) {
      need[errs[e].iterates] = need[errs[e].reference] = true;
      r.err[e] = 0.0;
    }
  bw_status st = BW_OK;
  for (int k = 0; !st && k < BW_TRAJ_KIND_COUNT; k++) {
    if (!need[k]) continue;
    bw_status s = bw_traj_create(sys, (bw_traj_kind)k, k == BW_TRAJ_WGF ? 0.0 : eta, opts, T, &tr[k]);
    if (hard_error(s)) st = s;
    else dead[k] = s; /* e.g. BW_ERR_ETA_TOO_LARGE: no JKO step of this size (at time 0) */
    res[k] = NAN;
    if (st || s || !want_res || bw_traj_kind_is_discrete((bw_traj_kind)k)) continue;
    if (!strcmp(bw_traj_solver(tr[k], NULL), "closed form")) {
      res[k] = 0.0;
    } else {
      s = bw_traj_create(sys, (bw_traj_kind)k, k == BW_TRAJ_WGF ? 0.0 : eta, &lo, T, &loose[k]);
      if (s == BW_ERR_NOMEM) st = s;
      else if (!s) res[k] = 0.0;
    }
  }
  /* An error is alive while both of its trajectories are; it dies with the first failure. */
  int alive = 0;
  for (int e = 0; !st && e < BW_ORDER_NERR; e++) {
    if (!(mask >> e & 1u)) continue;
    const bw_traj_kind kinds[2] = {errs[e].iterates, errs[e].reference};
    for (int j = 0; j < 2 && !r.status[e]; j++)
      if (dead[kinds[j]]) r.status[e] = dead[kinds[j]], r.fail_time[e] = 0.0, r.err[e] = NAN;
    if (r.status[e] == BW_ERR_NOT_PROVIDED) r.fail_time[e] = NAN; /* n/a: no failure, no time */
    alive += !r.status[e];
  }
  for (long k = 1; !st && alive && k <= n; k++) {
    const double t = k == n ? T : k * eta;
    bool used[BW_TRAJ_KIND_COUNT] = {0};
    for (int e = 0; e < BW_ORDER_NERR; e++)
      if ((mask >> e & 1u) && !r.status[e]) used[errs[e].iterates] = used[errs[e].reference] = true;
    for (int q = 0; !st && q < BW_TRAJ_KIND_COUNT; q++) {
      if (!used[q]) continue;
      bw_status s = bw_traj_advance(tr[q], t);
      if (hard_error(s)) st = s;
      else dead[q] = s;
      if (st || !loose[q]) continue;
      double w = NAN;
      if (s || bw_traj_advance(loose[q], t) || bw_traj_distance(loose[q], tr[q], &w)) { /* no estimate */
        bw_traj_free(loose[q]);
        loose[q] = NULL;
        res[q] = NAN;
      } else {
        res[q] = fmax(res[q], w / 9.0);
      }
    }
    /* The failures of this time, then the distances, grouped by iterates: one call from the
     * JKO iterate to all its live references (Gaussians share its eigendecomposition). */
    for (int e = 0; !st && e < BW_ORDER_NERR; e++) {
      if (!(mask >> e & 1u) || r.status[e]) continue;
      const bw_traj_kind failed = dead[errs[e].iterates] ? errs[e].iterates
                                  : dead[errs[e].reference] ? errs[e].reference : BW_TRAJ_KIND_COUNT;
      if (failed == BW_TRAJ_KIND_COUNT) continue;
      r.status[e] = bw_traj_failure(tr[failed], &r.fail_time[e], &r.fail_value[e]);
      r.err[e] = NAN;
      alive--;
    }
    for (int it = 0; !st && it < BW_TRAJ_KIND_COUNT; it++) {
      int m = 0, which[BW_ORDER_NERR];
      const bw_traj *refs[BW_ORDER_NERR];
      for (int e = 0; e < BW_ORDER_NERR; e++)
        if ((mask >> e & 1u) && !r.status[e] && errs[e].iterates == (bw_traj_kind)it)
          which[m] = e, refs[m++] = tr[errs[e].reference];
      if (!m) continue;
      double w[BW_ORDER_NERR];
      bw_status s = bw_traj_distances(tr[it], m, refs, w);
      if (hard_error(s)) st = s;
      for (int j = 0; !st && j < m; j++) {
        const int e = which[j];
        if (s) r.status[e] = s, r.err[e] = NAN, alive--; /* a distance that fails (not SPD...) */
        else r.err[e] = fmax(r.err[e], w[j]), r.resolution[e] = res[errs[e].reference];
      }
    }
    if (progress) progress(ctx, k, n);
  }
  for (int k = 0; k < BW_TRAJ_KIND_COUNT; k++) bw_traj_free(tr[k]), bw_traj_free(loose[k]);
  if (!st) *pt = r;
  return st;
}

/* ---------------------------------------------------------------- fits */

/* Least-squares slope of log y against log x over the points with finite positive x and
 * y, read with byte strides (plain arrays, or the fields of an array of points). Two passes
 * about the means (the one-pass m sxx - sx^2 is made of rounding errors when the x are
 * equal or close). No slope unless at least two of the valid x differ. */
static bool valid_point(double x, double y) { return x > 0 && y > 0 && isfinite(x) && isfinite(y); }
/* ... and an error resolved (a NaN resolution is not estimated: resolved). */
static bool resolved(const bw_order_point *p, int e) { return !(p->err[e] < BW_ORDER_RESOLVED * p->resolution[e]); }
#define AT(p, i, stride) (*(const double *)((const char *)(p) + (size_t)(i) * (stride)))

static bw_status slope_strided(int n, const double *x, size_t xs, const double *y, size_t ys,
                               const bw_order_point *pts, int e, double *slope) {
  double sx = 0, sy = 0, x0 = NAN;
  int m = 0;
  bool distinct = false;
  for (int i = 0; i < n; i++) {
    const double xi = AT(x, i, xs), yi = AT(y, i, ys);
    if (!valid_point(xi, yi) || (pts && !resolved(&pts[i], e))) continue;
    if (m == 0) x0 = xi;
    else if (xi != x0) distinct = true;
    sx += log(xi), sy += log(yi);
    m++;
  }
  if (m < 2 || !distinct) return BW_ERR_BAD_ARG;
  const double mx = sx / m, my = sy / m;
  double sxx = 0, sxy = 0;
  for (int i = 0; i < n; i++) {
    const double xi = AT(x, i, xs), yi = AT(y, i, ys);
    if (!valid_point(xi, yi) || (pts && !resolved(&pts[i], e))) continue;
    const double dx = log(xi) - mx;
    sxx += dx * dx, sxy += dx * (log(yi) - my);
  }
  if (!(sxx > 0)) return BW_ERR_BAD_ARG;
  const double s = sxy / sxx;
  if (!isfinite(s)) return BW_ERR_OVERFLOW;
  *slope = s;
  return BW_OK;
}

bw_status bw_loglog_slope(int n, const double *x, const double *y, double *slope) {
  if (!x || !y || !slope) return BW_ERR_NULL;
  return slope_strided(n, x, sizeof *x, y, sizeof *y, NULL, 0, slope);
}

bw_status bw_order_fit_compute(int n, const bw_order_point *pts, bw_order_fit *fit) {
  if (!fit || (n > 0 && !pts)) return BW_ERR_NULL;
  bw_order_fit f;
  for (int e = 0; e < BW_ORDER_NERR; e++) {
    f.usable[e] = 0;
    f.slope[e] = f.order[e] = f.constant[e] = NAN;
    /* the two smallest distinct usable step sizes: i2 (smallest), i1 */
    int i1 = -1, i2 = -1;
    for (int i = 0; i < n; i++) {
      const double h = pts[i].eta;
      if (!valid_point(h, pts[i].err[e]) || !resolved(&pts[i], e)) continue;
      f.usable[e]++;
      if (i2 < 0 || h < pts[i2].eta) {
        if (i2 >= 0 && h != pts[i2].eta) i1 = i2;
        i2 = i;
      } else if (h != pts[i2].eta && (i1 < 0 || h < pts[i1].eta)) {
        i1 = i;
      }
    }
    double s;
    if (n > 0 && !slope_strided(n, &pts[0].eta, sizeof *pts, &pts[0].err[e], sizeof *pts, pts, e, &s)) f.slope[e] = s;
    if (i1 < 0) continue;
    const double h1 = pts[i1].eta, h2 = pts[i2].eta, e1 = pts[i1].err[e], e2 = pts[i2].err[e];
    f.order[e] = log(e1 / e2) / log(h1 / h2);
    /* err = C h^p + D h^(p+1) + ...: r(h) = err/h^p = C + D h, extrapolated to h = 0 */
    const int p = errs[e].nominal;
    const double r1 = e1 / pow(h1, p), r2 = e2 / pow(h2, p);
    f.constant[e] = r2 - (r1 - r2) * h2 / (h1 - h2);
  }
  *fit = f;
  return BW_OK;
}

/* ---------------------------------------------------------------- defaults */

static const char *const bound_names[BW_BOUND_COUNT] = {"horizon", "rate",     "plan",     "mean",
                                                        "collapse", "ill-posed", "stability"};

const char *bw_eta_bound_name(bw_eta_bound b) {
  return (int)b >= 0 && b < BW_BOUND_COUNT ? bound_names[b] : NULL;
}

/* The 1-2-5 values m 10^k as the doubles nearest to the decimals (m and 10^|k| are exact
 * integers up to 10^22, and one division or product rounds once). */
static double decimal(int m, int k) { return k >= 0 ? m * pow(10.0, k) : m / pow(10.0, -k); }
static const int mant[3] = {1, 2, 5};

/* Index i of the 1-2-5 series (value mant[i mod 3] 10^(i div 3), floor division). */
static double series(int i) {
  const int k = (i >= 0 ? i : i - 2) / 3;
  return decimal(mant[i - 3 * k], k);
}

/* Largest series index whose value is <= x (x > 0, finite); slack 1e-12 relative so that
 * x = 0.2 computed as 0.19999999999999998 still gives 0.2. */
static int series_floor(double x) {
  int i = (int)floor(3.0 * log10(x)) + 3;
  while (series(i) > x * (1 + 1e-12)) i--;
  while (series(i + 1) <= x * (1 + 1e-12)) i++;
  return i;
}

/* Nearest series value to x in log scale. */
static int series_round(double x) {
  const int i = series_floor(x);
  return log(x / series(i)) <= log(series(i + 1) / x) ? i : i + 1;
}

static bool divides(double eta, double T) {
  const long n = lround(T / eta);
  return n >= 1 && fabs(n * eta - T) <= 1e-9 * T;
}

/* The ladders (docs/order-study.md): a slope needs LADDER_MIN resolved step sizes; a ladder
 * that has reached eta x the fastest rate <= ASYM_RANGE (two decades below the rate bound
 * 1/2: the next-order terms are a few hundredths of the error) stops after LADDER_ASYM. */
#define NETAS BW_ORDER_DEFAULT_NETAS
#define LADDER_MIN 3
#define LADDER_ASYM 4
#define ASYM_RANGE 0.005

/* NETAS values of a ladder from top down, all dividing T: the 1-2-5 series below top when
 * T is a multiple of them, else T/(n0 {1, 2, 5, 10, ...}), n0 the fewest steps within top. */
static void ladder_values(double top, double T, double *v) {
  const int i0 = series_floor(top);
  bool ok = true;
  for (int k = 0; k < NETAS; k++) ok = divides(v[k] = series(i0 - k), T) && ok;
  if (ok) return;
  const double n0 = ceil(T / top * (1 - 1e-12));
  for (int k = 0; k < NETAS; k++) v[k] = T / (n0 * series(k));
}

/* How many of the values v (over the horizon T) a scaled ladder keeps: at most NETAS, no more
 * than LADDER_ASYM once eta rate_fast <= ASYM_RANGE, with budget none needing more than
 * BW_ORDER_MAX_STEPS steps, and with a known constant c and floor only values whose
 * predicted error c v^p is at least BW_ORDER_MARGIN x BW_ORDER_RESOLVED x floor. */
static int ladder_length(const double *v, double T, double rate_fast, double c, int p, double fl, bool budget) {
  const double least = BW_ORDER_MARGIN * BW_ORDER_RESOLVED * fl;
  int n = 0;
  for (; n < NETAS; n++) {
    if (n >= LADDER_ASYM && v[n - 1] * rate_fast <= ASYM_RANGE) break;
    if (budget && T / v[n] > BW_ORDER_MAX_STEPS * (1 + 1e-9)) break;
    if (c * pow(v[n], p) < least) break; /* false when c or floor is NaN */
  }
  return n;
}

/* The largest size at which an error of constant c, order p and floor is resolved at
 * LADDER_MIN step sizes, when top shrinks like size^-size_exp: the third value of the ladder
 * must stay at or above eta_low = (least/c)^(1/p). */
static double size_max(double top, double c, int p, double fl, double size, double size_exp) {
  if (!(size_exp > 0) || !(c > 0) || !(fl > 0)) return NAN;
  const double low = pow(BW_ORDER_MARGIN * BW_ORDER_RESOLVED * fl / c, 1.0 / p);
  int i = series_floor(low);
  if (series(i) < low * (1 - 1e-12)) i++;
  return floor(size * pow(top / series(i + LADDER_MIN - 1), 1.0 / size_exp));
}

/* The union of the ladders v[e][0..len[e]) into D->etas (decreasing, equal values merged)
 * with D->masks; ladders are shortened from their smallest values (keeping LADDER_MIN) while
 * the union exceeds BW_ORDER_MAX_ETAS. */
static void ladder_union(double v[][NETAS], int *len, bw_order_defaults *D) {
  double u[BW_ORDER_NERR * NETAS];
  unsigned m[BW_ORDER_NERR * NETAS];
  for (;;) {
    int n = 0;
    for (int e = 0; e < BW_ORDER_NERR; e++)
      for (int k = 0; k < len[e]; k++) {
        const double x = v[e][k];
        int j = 0;
        while (j < n && u[j] > x * (1 + 1e-12)) j++;
        if (j < n && u[j] >= x * (1 - 1e-12)) {
          m[j] |= 1u << e;
          continue;
        }
        memmove(&u[j + 1], &u[j], sizeof(double) * (size_t)(n - j));
        memmove(&m[j + 1], &m[j], sizeof(unsigned) * (size_t)(n - j));
        u[j] = x, m[j] = 1u << e, n++;
      }
    int longest = 0;
    for (int e = 1; e < BW_ORDER_NERR; e++)
      if (len[e] > len[longest]) longest = e;
    if (n <= BW_ORDER_MAX_ETAS || len[longest] <= LADDER_MIN) {
      D->n = n < BW_ORDER_MAX_ETAS ? n : BW_ORDER_MAX_ETAS;
      memcpy(D->etas, u, sizeof(double) * (size_t)D->n);
      memcpy(D->masks, m, sizeof(unsigned) * (size_t)D->n);
      return;
    }
    len[longest]--; /* its smallest value */
  }
}

/* The per-error ladders of a system with order_scales: tops (the system's bound, the horizon
 * and the rate bound), constants (predicted, or measured at the top step), the tolerances
 * and floors, the lengths and the skipped errors. */
static bw_status scaled_ladders(const bw_system *sys, const bw__order_scales *sc, bw_order_defaults *D,
                                double v[][NETAS], int *len) {
  bw_jkoflow_opts o;
  bw_jkoflow_opts_default(&o);
  int want[BW_ORDER_NERR];
  double need = INFINITY; /* the largest floor every wanted ladder can live with */
  for (int e = 0; e < BW_ORDER_NERR; e++) {
    bw_order_ladder *L = &D->ladder[e];
    if (!(sc->top[e] > 0)) continue; /* shares eta_safe's ladder (set by the caller) */
    L->top = D->t / 10.0, L->bound = BW_BOUND_HORIZON, L->skipped = BW_ORDER_SKIP_NONE;
    if (D->rate_fast > 0 && 0.5 / D->rate_fast < L->top) L->top = 0.5 / D->rate_fast, L->bound = BW_BOUND_RATE;
    if (sc->top[e] < L->top) L->top = sc->top[e], L->bound = sc->why[e];
    ladder_values(L->top, D->t, v[e]);
    const int p = errs[e].nominal;
    L->constant = sc->constant[e];
    if (!(L->constant > 0) && isfinite(sc->floor_rel)) { /* measure it at the top step */
      bw_order_point pt;
      bw_status st = bw_order_point_compute(sys, D->t, v[e][0], 1u << e, NULL, NULL, NULL, &pt);
      if (st) return st;
      L->constant = !pt.status[e] && pt.err[e] > 0 ? pt.err[e] / pow(v[e][0], p) : NAN;
    }
    want[e] = ladder_length(v[e], D->t, D->rate_fast, NAN, p, NAN, true);
    const double c = want[e] ? L->constant * pow(v[e][want[e] - 1], p) / (BW_ORDER_MARGIN * BW_ORDER_RESOLVED) : NAN;
    if (c < need) need = c;
  }
  D->rtol = o.rtol, D->atol = o.atol;
  if (isfinite(sc->floor_rel) && isfinite(need) && need < sc->floor_rel * o.rtol + sc->floor_abs) {
    const double r = (need - sc->floor_abs) / sc->floor_rel;
    D->rtol = r > sc->rtol_min ? fmax(pow(10.0, floor(log10(r))), sc->rtol_min) : sc->rtol_min;
    D->atol = o.atol * (D->rtol / o.rtol);
  }
  for (int e = 0; e < BW_ORDER_NERR; e++) {
    bw_order_ladder *L = &D->ladder[e];
    if (!(sc->top[e] > 0)) continue;
    const int p = errs[e].nominal;
    L->floor = isfinite(sc->floor_rel) ? sc->floor_rel * D->rtol + sc->floor_abs : NAN;
    len[e] = ladder_length(v[e], D->t, D->rate_fast, L->constant, p, L->floor, true);
    L->size_max = size_max(L->top, L->constant, p, L->floor, sc->size, sc->size_exp);
    if (len[e] < LADDER_MIN) { /* unresolvable at any cost, or too many steps */
      const int res = ladder_length(v[e], D->t, D->rate_fast, L->constant, p, L->floor, false);
      L->skipped = res < LADDER_MIN ? BW_ORDER_SKIP_RESOLUTION : BW_ORDER_SKIP_STEPS;
      len[e] = 0;
    }
  }
  return BW_OK;
}

bw_status bw_order_defaults_compute(const bw_system *sys, double t, bw_order_defaults *def) {
  if (!sys || !def) return BW_ERR_NULL;
  if (t != 0 && (!(t > 0) || !isfinite(t))) return BW_ERR_BAD_ARG;
  bw_order_defaults D = {.eta_max = INFINITY};
  bw_status st = sys->type->timescales(sys->data, &D.rate_slow, &D.rate_fast);
  if (st) return st;
  if (t > 0) {
    D.t = t;
  } else {
    D.t = D.rate_slow > 0 ? series(series_round(1.5 / D.rate_slow)) : INFINITY;
    if (D.t > BW_ORDER_T_CAP) D.t = BW_ORDER_T_CAP, D.t_capped = 1;
  }
  double eb = INFINITY;
  bw_eta_bound which = BW_BOUND_HORIZON;
  st = sys->type->eta_bound(sys->data, D.t, &eb, &which, &D.eta_max);
  if (st) return st;
  D.eta_safe = D.t / 10.0, D.bound = BW_BOUND_HORIZON;
  if (D.rate_fast > 0 && 0.5 / D.rate_fast < D.eta_safe) D.eta_safe = 0.5 / D.rate_fast, D.bound = BW_BOUND_RATE;
  if (eb < D.eta_safe) D.eta_safe = eb, D.bound = which;
  const bool scaled = sys->type->order_scales != NULL;
  if (!(D.eta_safe > 0) || !isfinite(D.eta_safe) || (!scaled && D.t / D.eta_safe > 1e7)) return BW_ERR_BAD_ARG;
  /* The shared ladder, from the largest 1-2-5 value <= eta_safe: every error without scales
   * of its own (all of them for a system without order_scales). T (itself a 1-2-5 value when
   * it was chosen here) is then a multiple of every eta; with a given T that is not, the
   * ladder is T / (N0 {1, 2, 5, 10, ...}), N0 the fewest steps within eta_safe. With scales,
   * it also keeps to BW_ORDER_MAX_STEPS steps per step size. */
  double v[BW_ORDER_NERR][NETAS];
  int len[BW_ORDER_NERR];
  for (int e = 0; e < BW_ORDER_NERR; e++) {
    ladder_values(D.eta_safe, D.t, v[e]);
    len[e] = NETAS;
    while (scaled && len[e] && D.t / v[e][len[e] - 1] > BW_ORDER_MAX_STEPS * (1 + 1e-9)) len[e]--;
    D.ladder[e] = (bw_order_ladder){.top = D.eta_safe, .bound = D.bound, .constant = NAN, .floor = NAN,
                                    .size_max = NAN};
    if (len[e] < LADDER_MIN) D.ladder[e].skipped = BW_ORDER_SKIP_STEPS, len[e] = 0;
  }
  bw_jkoflow_opts o;
  bw_jkoflow_opts_default(&o);
  D.rtol = o.rtol, D.atol = o.atol;
  if (scaled) {
    bw__order_scales sc;
    st = sys->type->order_scales(sys->data, D.t, &sc);
    if (!st) st = scaled_ladders(sys, &sc, &D, v, len);
    if (st) return st;
  }
  bool any = false;
  for (int e = 0; e < BW_ORDER_NERR; e++) {
    if (!bw_system_provides(sys, errs[e].iterates) || !bw_system_provides(sys, errs[e].reference))
      D.ladder[e].skipped = BW_ORDER_SKIP_NOT_PROVIDED, len[e] = 0; /* n/a */
    if (len[e] && D.t / v[e][len[e] - 1] > 1e9) return BW_ERR_BAD_ARG;
    any = any || len[e];
  }
  if (!any) return BW_ERR_BAD_ARG;
  ladder_union(v, len, &D);
  for (int e = 0; e < BW_ORDER_NERR; e++)
    for (int i = 0; i < D.n; i++) D.ladder[e].n += (int)(D.masks[i] >> e & 1u);
  *def = D;
  return BW_OK;
}
