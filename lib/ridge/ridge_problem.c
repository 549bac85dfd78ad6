/* The ridge problem (bwflow/ridge.h): creation and validation, accessors, the workspace,
 * and the public energy functions.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include "ridge/ridge_internal.h"

static const char *const family_names[BW_RIDGE_FAMILY_COUNT] = {"quadratic", "quartic", "logistic",
                                                                "poisson",   "logcosh", "custom"};

const char *bw_ridge_family_name(bw_ridge_family f) {
  return (int)f >= 0 && f < BW_RIDGE_FAMILY_COUNT ? family_names[f] : NULL;
}

void bw_ridge_problem_free(bw_ridge_problem *pb) {
  if (!pb) return;
  free(pb->A);
  free(pb->at);
  free(pb->family);
  free(pb->z);
  for (int k = 0; k < BW__NGRIDS; k++) free(pb->grid[k]);
  free(pb->cidx);
  free(pb->gphi);
  free(pb->gctx);
  free(pb);
}

static bw_status check_ridges(int d, int n, const bw_ridge *r) {
  for (int j = 0; j < n; j++) {
    if (!r[j].a) return BW_ERR_NULL;
    if ((int)r[j].family < 0 || r[j].family >= BW_RIDGE_FAMILY_COUNT) return BW_ERR_BAD_ARG;
    if ((r[j].family == BW_RIDGE_CUSTOM) != (r[j].phi != NULL)) return BW_ERR_BAD_ARG;
    if (bw__check_finite(d, r[j].a) || !isfinite(r[j].b) || !isfinite(r[j].w)) return BW_ERR_NONFINITE;
    if (!(r[j].w > 0.0)) return BW_ERR_BAD_ARG;
  }
  return BW_OK;
}

/* Custom ridges grouped by (phi, ctx), in order of first appearance. */
static bw_status group_custom(bw_ridge_problem *pb, const bw_ridge *r) {
  const int n = pb->n;
  for (int j = 0; j < n; j++) pb->ncustom += r[j].family == BW_RIDGE_CUSTOM;
  if (!pb->ncustom) return BW_OK;
  pb->cidx = malloc(sizeof(int) * (2 * (size_t)pb->ncustom + 1));
  pb->gphi = malloc(sizeof(bw_ridge_phi_fn) * (size_t)pb->ncustom);
  pb->gctx = malloc(sizeof(void *) * (size_t)pb->ncustom);
  if (!pb->cidx || !pb->gphi || !pb->gctx) return BW_ERR_NOMEM;
  pb->cstart = pb->cidx + pb->ncustom;
  int k = 0;
  for (int j = 0; j < n; j++) {
    if (r[j].family != BW_RIDGE_CUSTOM) continue;
    bool seen = false;
    for (int g = 0; g < pb->ngroups && !seen; g++) seen = pb->gphi[g] == r[j].phi && pb->gctx[g] == r[j].ctx;
    if (seen) continue;
    const int g = pb->ngroups++;
    pb->gphi[g] = r[j].phi, pb->gctx[g] = r[j].ctx, pb->cstart[g] = k;
    for (int i = j; i < n; i++)
      if (r[i].family == BW_RIDGE_CUSTOM && r[i].phi == r[j].phi && r[i].ctx == r[j].ctx) pb->cidx[k++] = i;
    const int m = k - pb->cstart[g];
    if (m > pb->maxgroup) pb->maxgroup = m;
  }
  pb->cstart[pb->ngroups] = k;
  return BW_OK;
}

bw_status bw_ridge_problem_create(int d, const double *A, int lda, const double *h, double tau, int n,
                                  const bw_ridge *ridges, int nodes, bw_ridge_problem **out) {
  if (!out || (n > 0 && !ridges)) return BW_ERR_NULL;
  if (d < 1 || d > 4096 || n < 0 || n > (1 << 24) || (A && lda < d)) return BW_ERR_DIM;
  if (nodes == 0) nodes = BW_RIDGE_NODES_DEFAULT;
  if (nodes < 1 || nodes > BW_RIDGE_NODES_MAX) return BW_ERR_BAD_ARG;
  if (!(tau >= 0.0) || !isfinite(tau)) return isnan(tau) ? BW_ERR_BAD_TAU : BW_ERR_BAD_TAU;
  bw_status st = BW_OK;
  if (A) {
    for (int j = 0; j < d && !st; j++) st = bw__check_finite(d, A + (size_t)j * lda);
    if (!st) st = bw__check_sym(d, A, lda, BW_SYM_RTOL);
  }
  if (!st && h) st = bw__check_finite(d, h);
  if (!st) st = check_ridges(d, n, ridges);
  if (st) return st;

  bw_ridge_problem *pb = calloc(1, sizeof *pb);
  if (!pb) return BW_ERR_NOMEM;
  pb->d = d, pb->n = n, pb->q = nodes, pb->tau = tau;
  const size_t dd = (size_t)d * d, nn = n ? (size_t)n : 1;
  pb->A = malloc((dd + d) * sizeof(double));
  pb->at = malloc(((size_t)d * nn + 2 * nn) * sizeof(double));
  pb->family = malloc(nn);
  pb->z = malloc(2 * (size_t)nodes * sizeof(double));
  st = pb->A && pb->at && pb->family && pb->z ? BW_OK : BW_ERR_NOMEM;
  if (!st) {
    pb->h = pb->A + dd;
    pb->b = pb->at + (size_t)d * nn;
    pb->w = pb->b + nn;
    pb->zw = pb->z + nodes;
    for (int j = 0; j < d; j++)
      for (int i = 0; i < d; i++)
        pb->A[i + (size_t)j * d] = A ? bw__avg(A[i + (size_t)j * lda], A[j + (size_t)i * lda]) : 0.0;
    for (int i = 0; i < d; i++) pb->h[i] = h ? h[i] : 0.0;
    for (int j = 0; j < n; j++) {
      memcpy(pb->at + (size_t)j * d, ridges[j].a, (size_t)d * sizeof(double));
      pb->b[j] = ridges[j].b, pb->w[j] = ridges[j].w, pb->family[j] = (unsigned char)ridges[j].family;
    }
    st = bw_ridge_gauss_hermite(nodes, pb->z, pb->zw);
  }
  for (int j = 0; !st && j < n; j++) {
    const int f = ridges[j].family, which = f == BW_RIDGE_LOGISTIC ? BW__GRID_LOGISTIC
                                            : f == BW_RIDGE_LOGCOSH ? BW__GRID_LOGCOSH : -1;
    if (which >= 0 && !pb->grid[which] && !(pb->grid[which] = bw__ridge_grid_create(which))) st = BW_ERR_NOMEM;
  }
  if (!st) st = group_custom(pb, ridges);
  if (st) {
    bw_ridge_problem_free(pb);
    return st;
  }
  *out = pb;
  return BW_OK;
}

bw_ridge_problem *bw__ridge_problem_clone(const bw_ridge_problem *pb) {
  bw_ridge *r = malloc(sizeof(bw_ridge) * (pb->n ? (size_t)pb->n : 1));
  if (!r) return NULL;
  for (int j = 0; j < pb->n; j++) bw_ridge_problem_ridge(pb, j, &r[j]);
  bw_ridge_problem *c = NULL;
  if (bw_ridge_problem_create(pb->d, pb->A, pb->d, pb->h, pb->tau, pb->n, r, pb->q, &c)) c = NULL;
  free(r);
  return c;
}

int bw_ridge_problem_dim(const bw_ridge_problem *pb) { return pb ? pb->d : 0; }
int bw_ridge_problem_nridges(const bw_ridge_problem *pb) { return pb ? pb->n : 0; }
int bw_ridge_problem_nodes(const bw_ridge_problem *pb) { return pb ? pb->q : 0; }
double bw_ridge_problem_tau(const bw_ridge_problem *pb) { return pb ? pb->tau : NAN; }
const double *bw_ridge_problem_A(const bw_ridge_problem *pb) { return pb ? pb->A : NULL; }
const double *bw_ridge_problem_h(const bw_ridge_problem *pb) { return pb ? pb->h : NULL; }

bw_status bw_ridge_problem_ridge(const bw_ridge_problem *pb, int j, bw_ridge *r) {
  if (!pb || !r) return BW_ERR_NULL;
  if (j < 0 || j >= pb->n) return BW_ERR_BAD_ARG;
  bw_ridge o = {.family = (bw_ridge_family)pb->family[j], .a = pb->at + (size_t)j * pb->d, .b = pb->b[j],
                .w = pb->w[j]};
  if (o.family == BW_RIDGE_CUSTOM)
    for (int g = 0; g < pb->ngroups; g++)
      for (int i = pb->cstart[g]; i < pb->cstart[g + 1]; i++)
        if (pb->cidx[i] == j) o.phi = pb->gphi[g], o.ctx = pb->gctx[g];
  *r = o;
  return BW_OK;
}

/* ---- workspace ---- */

void bw_ridge_ws_free(bw_ridge_ws *ws) {
  if (!ws) return;
  free(ws->mu);
  free(ws->L);
  free(ws->ct);
  free(ws->jac);
  free(ws->ipiv);
  bw_workspace_free(ws->bws);
  free(ws);
}

bw_ridge_ws *bw_ridge_ws_alloc(const bw_ridge_problem *pb) {
  if (!pb) return NULL;
  bw_ridge_ws *ws = calloc(1, sizeof *ws);
  if (!ws) return NULL;
  const int d = pb->d;
  const size_t n = pb->n ? (size_t)pb->n : 1, dd = (size_t)d * d, np = (size_t)pb->q * pb->maxgroup;
  ws->d = d, ws->n = pb->n, ws->q = pb->q, ws->maxgroup = pb->maxgroup;
  ws->ns = d * (d + 1) / 2, ws->nt = d + ws->ns;
  ws->mu = malloc((10 * n + 3 * (size_t)d * n) * sizeof(double));
  ws->L = malloc((10 * dd + 4 * (size_t)d) * sizeof(double));
  ws->ct = np ? malloc(6 * np * sizeof(double)) : NULL;
  ws->bws = bw_workspace_alloc(d);
  if (!ws->mu || !ws->L || (np && !ws->ct) || !ws->bws) {
    bw_ridge_ws_free(ws);
    return NULL;
  }
  ws->s = ws->mu + n, ws->psi = ws->s + n, ws->c = ws->psi + 5 * n, ws->u = ws->c + n, ws->r = ws->u + n;
  ws->Ut = ws->r + n, ws->Vt = ws->Ut + (size_t)d * n, ws->Yt = ws->Vt + (size_t)d * n;
  double *p = ws->L;
  double **mats[10] = {&ws->L, &ws->Ss, &ws->Sinv, &ws->H, &ws->G, &ws->Gt, &ws->M1, &ws->M2, &ws->M3, &ws->M4};
  for (int k = 0; k < 10; k++) *mats[k] = p + k * dd;
  ws->g = p + 10 * dd, ws->v1 = ws->g + d, ws->v2 = ws->v1 + d, ws->v3 = ws->v2 + d;
  if (ws->ct) ws->cout = ws->ct + np;
  return ws;
}

/* The Newton part: two nt x nt matrices, LU pivots, seven vectors of nt and the chunks of the
 * Jacobians' assembly (lib/ridge/ridge_eval.c, lib/ridge/ridge_jko.c). */
bw_status bw__ridge_ws_newton(bw_ridge_ws *ws) {
  if (ws->newton_ready) return BW_OK;
  const size_t nt = (size_t)ws->nt, ns = (size_t)ws->ns;
  ws->chunk = ws->n < 64 ? (ws->n ? ws->n : 1) : 64;
  const size_t ch = (size_t)ws->chunk;
  double *b = malloc((2 * nt * nt + 7 * nt + 2 * ch * ns) * sizeof(double));
  int *ip = malloc(sizeof(int) * nt);
  if (!b || !ip) {
    free(b), free(ip);
    return BW_ERR_NOMEM;
  }
  ws->jac = b, ws->blk = b + nt * nt;
  double **v[7] = {&ws->F, &ws->Ft, &ws->dx, &ws->x0, &ws->x1, &ws->xt, &ws->wt};
  for (int k = 0; k < 7; k++) *v[k] = b + 2 * nt * nt + k * nt;
  ws->Rc = b + 2 * nt * nt + 7 * nt, ws->Qc = ws->Rc + ch * ns;
  ws->ipiv = ip;
  ws->newton_ready = true;
  return BW_OK;
}

bw_status bw__ridge_ws_get(const bw_ridge_problem *pb, bw_ridge_ws **ws, bw_ridge_ws **own) {
  *own = NULL;
  if (*ws) {
    const bw_ridge_ws *w = *ws;
    if (w->d != pb->d || w->n < pb->n || w->q < pb->q || w->maxgroup < pb->maxgroup) return BW_ERR_DIM_MISMATCH;
    return BW_OK;
  }
  if (!(*own = bw_ridge_ws_alloc(pb))) return BW_ERR_NOMEM;
  *ws = *own;
  return BW_OK;
}

/* ---- checks ---- */

bw_status bw__ridge_check_gauss(const bw_ridge_problem *pb, const bw_gaussian *g) {
  bw_status st = bw__check_gaussian(g);
  if (st) return st;
  return g->d == pb->d ? BW_OK : BW_ERR_DIM_MISMATCH;
}

bw_status bw__ridge_check_out(const bw_ridge_problem *pb, const bw_gaussian *g) {
  if (!g || !g->mean || !g->cov) return BW_ERR_NULL;
  if (g->d < 1 || g->ld < g->d) return BW_ERR_DIM;
  return g->d == pb->d ? BW_OK : BW_ERR_DIM_MISMATCH;
}

/* ---- the energy and its gradient ---- */

/* Common entry: checks, the workspace, the evaluation. */
static bw_status eval_at(const bw_ridge_problem *pb, bw_ridge_ws **ws, bw_ridge_ws **own, const bw_gaussian *g,
                         unsigned what, double *J) {
  *own = NULL;
  if (!pb) return BW_ERR_NULL;
  bw_status st = bw__ridge_check_gauss(pb, g);
  if (!st) st = bw__ridge_ws_get(pb, ws, own);
  if (!st) st = bw__ridge_eval(pb, *ws, g->mean, g->cov, g->ld, what, J);
  return st;
}

bw_status bw_ridge_energy(const bw_ridge_problem *pb, bw_ridge_ws *ws, const bw_gaussian *g, double *J) {
  if (!J) return BW_ERR_NULL;
  bw_ridge_ws *own;
  double v = 0.0;
  bw_status st = eval_at(pb, &ws, &own, g, BW__EV_J, &v);
  if (!st) *J = v;
  bw_ridge_ws_free(own);
  return st;
}

bw_status bw_ridge_gradient(const bw_ridge_problem *pb, bw_ridge_ws *ws, const bw_gaussian *g, double *grad_m,
                            double *G, int ldg) {
  if (G && pb && ldg < pb->d) return BW_ERR_DIM;
  bw_ridge_ws *own;
  bw_status st = eval_at(pb, &ws, &own, g, BW__EV_G, NULL);
  if (!st) {
    if (grad_m) memcpy(grad_m, ws->g, (size_t)pb->d * sizeof(double));
    if (G) bw__copy(pb->d, ws->G, pb->d, G, ldg);
  }
  bw_ridge_ws_free(own);
  return st;
}

bw_status bw_ridge_expected_hessian(const bw_ridge_problem *pb, bw_ridge_ws *ws, const bw_gaussian *g, double *H,
                                    int ldh) {
  if (!H) return BW_ERR_NULL;
  if (pb && ldh < pb->d) return BW_ERR_DIM;
  bw_ridge_ws *own;
  bw_status st = eval_at(pb, &ws, &own, g, BW__EV_G, NULL);
  if (!st) bw__copy(pb->d, ws->H, pb->d, H, ldh);
  bw_ridge_ws_free(own);
  return st;
}

bw_status bw_ridge_slope_sq(const bw_ridge_problem *pb, bw_ridge_ws *ws, const bw_gaussian *g, double *s) {
  if (!s) return BW_ERR_NULL;
  bw_ridge_ws *own;
  bw_status st = eval_at(pb, &ws, &own, g, BW__EV_G, NULL);
  if (!st) {
    const double v = bw__ridge_slope_sq(ws);
    if (isfinite(v)) *s = v;
    else st = BW_ERR_OVERFLOW;
  }
  bw_ridge_ws_free(own);
  return st;
}

bw_status bw_ridge_modified_energy(const bw_ridge_problem *pb, bw_ridge_ws *ws, const bw_gaussian *g, double eta,
                                   double *Jeta) {
  if (!Jeta) return BW_ERR_NULL;
  if (!isfinite(eta)) return BW_ERR_BAD_ETA;
  bw_ridge_ws *own;
  double J = 0.0;
  bw_status st = eval_at(pb, &ws, &own, g, BW__EV_J | BW__EV_G, &J);
  if (!st) {
    const double v = J - 0.25 * eta * bw__ridge_slope_sq(ws);
    if (isfinite(v)) *Jeta = v;
    else st = BW_ERR_OVERFLOW;
  }
  bw_ridge_ws_free(own);
  return st;
}
