/* bwflow sweep: the coordinator's bookkeeping. What is done (from the journal and from the
 * workers), what is pending, in which order to hand it out: every problem's plan first (it
 * gives the ladder of an automatic study and the problem's size), then the points by
 * decreasing estimated cost (the longest tasks first, so that the last ones to finish
 * are short: dynamic load balancing with little idle time at the end).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sweep.h"

enum { MISSING = 0, OUT = 1, DONE = 2 };

typedef struct {
  bw_order_point pt;
  double wall, cpu;
  int32_t rank;
  unsigned char state;
} point_slot;

typedef struct {
  double key; /* larger first */
  int p, j;
} heap_item;

struct sweep_state {
  const sweep_spec *spec;
  sweep_result *plan;
  unsigned char *plan_state;
  point_slot **pts; /* per problem, once its ladder is known */
  int *npts;        /* -1 while unknown */
  heap_item *heap;
  size_t nheap, capheap;
  bool started;
  long outstanding;
  long done, resumed, known;  /* points done (by this run or before), of which before; known total */
  long plans_missing;         /* plans not done */
  double cost_done, cost_left; /* estimated cost of this run's points done / queued or out */
};

sweep_state *sweep_state_new(const sweep_spec *s) {
  sweep_state *st = calloc(1, sizeof *st);
  if (!st) return NULL;
  st->spec = s;
  st->plan = calloc((size_t)s->nprob, sizeof *st->plan);
  st->plan_state = calloc((size_t)s->nprob, 1);
  st->pts = calloc((size_t)s->nprob, sizeof *st->pts);
  st->npts = malloc((size_t)s->nprob * sizeof *st->npts);
  if (!st->plan || !st->plan_state || !st->pts || !st->npts) {
    sweep_state_free(st);
    return NULL;
  }
  for (int p = 0; p < s->nprob; p++) st->npts[p] = -1;
  st->plans_missing = s->nprob;
  return st;
}

void sweep_state_free(sweep_state *st) {
  if (!st) return;
  for (int p = 0; st->pts && p < st->spec->nprob; p++) free(st->pts[p]);
  free(st->pts);
  free(st->npts);
  free(st->plan);
  free(st->plan_state);
  free(st->heap);
  free(st);
}

/* ---- the heap (max by key; ties: smaller p, then smaller j, first) */
static bool before(const heap_item *a, const heap_item *b) {
  if (a->key != b->key) return a->key > b->key;
  if (a->p != b->p) return a->p < b->p;
  return a->j < b->j;
}

static bool push(sweep_state *st, double key, int p, int j) {
  if (st->nheap == st->capheap) {
    size_t cap = st->capheap ? 2 * st->capheap : 1024;
    heap_item *h = realloc(st->heap, cap * sizeof *h);
    if (!h) return false;
    st->heap = h;
    st->capheap = cap;
  }
  size_t i = st->nheap++;
  heap_item x = {key, p, j};
  while (i > 0 && before(&x, &st->heap[(i - 1) / 2])) {
    st->heap[i] = st->heap[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  st->heap[i] = x;
  return true;
}

static heap_item pop(sweep_state *st) {
  heap_item top = st->heap[0], x = st->heap[--st->nheap];
  size_t i = 0, n = st->nheap;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && before(&st->heap[c + 1], &st->heap[c])) c++;
    if (!before(&st->heap[c], &x)) break;
    st->heap[i] = st->heap[c];
    i = c;
  }
  if (n) st->heap[i] = x;
  return top;
}

void sweep_state_ladder(const sweep_state *st, int p, double *t, int *n, const double **etas) {
  const sweep_ladder *l = sweep_spec_ladder(st->spec, p);
  if (!l->autom) {
    *t = l->t, *n = l->n, *etas = l->etas;
  } else if (st->plan_state[p] == DONE && st->plan[p].status == BW_OK) {
    *t = st->plan[p].def.t, *n = st->plan[p].def.n, *etas = st->plan[p].def.etas;
  } else {
    *t = NAN, *n = 0, *etas = NULL;
  }
}

static double point_cost(const sweep_state *st, int p, int j) {
  double t;
  int n;
  const double *etas;
  sweep_state_ladder(st, p, &t, &n, &etas);
  return sweep_point_cost(st->plan[p].system, st->plan[p].dim, t, etas[j]);
}

/* Queue problem p's missing points. */
static bool queue_points(sweep_state *st, int p) {
  for (int j = 0; j < st->npts[p]; j++)
    if (st->pts[p][j].state == MISSING) {
      double c = point_cost(st, p, j);
      if (!push(st, c, p, j)) return false;
      st->cost_left += c;
    }
  return true;
}

/* A plan whose ladder could be a study's (a record read back from a journal is checked
 * before its step sizes are run): a horizon, step sizes that divide it into at most 1e9
 * steps, a size. */
static bool plan_valid(const sweep_state *st, const sweep_result *r) {
  const bw_order_defaults *d = &r->def;
  if (r->dim < 1 || !memchr(r->system, '\0', sizeof r->system) || !memchr(r->name, '\0', sizeof r->name))
    return false;
  if (r->status != BW_OK || !sweep_spec_ladder(st->spec, r->p)->autom) return true;
  if (!(d->t > 0) || !isfinite(d->t) || d->n < 1 || d->n > BW_ORDER_MAX_ETAS) return false;
  for (int i = 0; i < d->n; i++) {
    long steps;
    cli_err ignored;
    if (!(d->etas[i] > 0) || !cli_step_count(d->etas[i], d->t, &steps, &ignored)) return false;
  }
  return true;
}

static bool record_plan(sweep_state *st, const sweep_result *r, cli_err *e) {
  const int p = r->p;
  if (!plan_valid(st, r)) return cli_fail(e, "a plan of problem %d: not a study's ladder", p);
  if (st->plan_state[p] == DONE) return true; /* a duplicate */
  if (st->plan_state[p] == OUT) st->outstanding--;
  st->plan[p] = *r;
  st->plan_state[p] = DONE;
  st->plans_missing--;
  double t;
  int n;
  const double *etas;
  sweep_state_ladder(st, p, &t, &n, &etas);
  st->npts[p] = n;
  st->known += n;
  if (n && !(st->pts[p] = calloc((size_t)n, sizeof *st->pts[p])))
    return cli_fail(e, "out of memory for the results of %d problems", st->spec->nprob);
  if (st->started && !queue_points(st, p)) return cli_fail(e, "out of memory for the task queue");
  return true;
}

static bool record_point(sweep_state *st, const sweep_result *r) {
  const int p = r->p, j = r->j;
  if (st->npts[p] < 0 || j < 0 || j >= st->npts[p]) return false; /* no plan, or not its ladder */
  double t;
  int n;
  const double *etas;
  sweep_state_ladder(st, p, &t, &n, &etas);
  if (r->pt.eta != etas[j] || r->pt.mask != (st->spec->mask ? st->spec->mask : BW_ORDER_MASK_FIRST))
    return false;
  point_slot *s = &st->pts[p][j];
  if (s->state == DONE) return true;
  if (s->state == OUT) {
    st->outstanding--;
    double c = point_cost(st, p, j);
    st->cost_done += c;
    st->cost_left -= c;
  }
  if (!st->started) st->resumed++;
  s->pt = r->pt;
  s->wall = r->wall;
  s->cpu = r->cpu;
  s->rank = r->rank;
  s->state = DONE;
  st->done++;
  return true;
}

bool sweep_state_record(sweep_state *st, const sweep_result *r, cli_err *e) {
  if (r->p < 0 || r->p >= st->spec->nprob) return cli_fail(e, "a result of problem %d: not in the spec", r->p);
  if (r->kind == SWEEP_PLAN) return record_plan(st, r, e);
  if (r->kind == SWEEP_POINT && record_point(st, r)) return true;
  return cli_fail(e, "a result of problem %d, step %d: not in its ladder", r->p, r->j);
}

void sweep_state_start(sweep_state *st) {
  st->started = true;
  for (int p = 0; p < st->spec->nprob; p++) {
    if (st->plan_state[p] != DONE) push(st, HUGE_VAL, p, -1); /* plans first, in spec order */
    else queue_points(st, p);
  }
}

bool sweep_state_next(sweep_state *st, sweep_task *t) {
  if (!st->nheap) return false;
  heap_item h = pop(st);
  memset(t, 0, sizeof *t);
  t->p = h.p;
  t->j = h.j;
  st->outstanding++;
  if (h.j < 0) {
    t->kind = SWEEP_PLAN;
    st->plan_state[h.p] = OUT;
    return true;
  }
  t->kind = SWEEP_POINT;
  const double *etas;
  int n;
  sweep_state_ladder(st, h.p, &t->t, &n, &etas);
  t->eta = etas[h.j];
  st->pts[h.p][h.j].state = OUT;
  return true;
}

bool sweep_state_done(const sweep_state *st) { return st->nheap == 0 && st->outstanding == 0; }

void sweep_state_progress(const sweep_state *st, long *done, long *total, long *resumed,
                          double *fraction) {
  /* problems without a plan yet: the default ladder's length (or their explicit one) */
  long guess = 0;
  if (st->plans_missing)
    for (int p = 0; p < st->spec->nprob; p++)
      if (st->npts[p] < 0) {
        const sweep_ladder *l = sweep_spec_ladder(st->spec, p);
        guess += l->autom ? BW_ORDER_DEFAULT_NETAS : l->n;
      }
  *done = st->done;
  *resumed = st->resumed;
  *total = st->known + guess;
  double left = st->cost_left;
  if (guess && st->known > st->resumed) /* the unplanned points cost like the average so far */
    left += guess * (st->cost_done + st->cost_left) / (double)(st->known - st->resumed);
  *fraction = st->cost_done + left > 0 ? st->cost_done / (st->cost_done + left) : 0.0;
}

const sweep_result *sweep_state_plan(const sweep_state *st, int p) {
  return st->plan_state[p] == DONE ? &st->plan[p] : NULL;
}

const bw_order_point *sweep_state_point(const sweep_state *st, int p, int j, double *wall,
                                        double *cpu, int *rank) {
  if (st->npts[p] <= j || st->pts[p][j].state != DONE) return NULL;
  if (wall) *wall = st->pts[p][j].wall;
  if (cpu) *cpu = st->pts[p][j].cpu;
  if (rank) *rank = st->pts[p][j].rank;
  return &st->pts[p][j].pt;
}

int sweep_state_npoints(const sweep_state *st, int p) { return st->npts[p] < 0 ? 0 : st->npts[p]; }
