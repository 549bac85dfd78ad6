/* bwflow sweep: running the tasks, serially or over MPI (docs/sweep.md).
 *
 * MPI: rank 0 coordinates. It hands out tasks in the state's order (plans, then points by
 * decreasing estimated cost), keeps DEPTH tasks at every worker, dealt in rounds (the next
 * one is there when the current one ends: no round trip between tasks), takes the results,
 * records them in the state and the journal (the results at hand in one write; fsync at
 * most SWEEP_SYNC_INTERVAL later), and polls with MPI_Iprobe, sleeping a little when
 * nothing comes (Open MPI's blocking calls spin and would take the core that rank 0's own
 * worker needs). Rank 0 works too, through a second thread that takes its tasks from the
 * coordinator in memory and never calls MPI (so MPI_THREAD_FUNNELED suffices). Messages:
 * one task (32 bytes) and one result (512 bytes) per task; STOP at the end, answered by
 * BYE.
 * SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "sweep.h"
#ifdef BW_HAVE_MPI
#include <mpi.h>
#endif

/* ---------------------------------------------------------------- progress */

typedef struct {
  cli_progress line;
  double t0;
  int ranks;
} progress_line;

static void progress_start(progress_line *pl, bool asked, int ranks) {
  cli_progress_init(&pl->line, asked);
  pl->t0 = sweep_now();
  pl->ranks = ranks;
}

static void fmt_time(double s, char *buf, size_t n) {
  if (!isfinite(s) || s < 0) snprintf(buf, n, "?");
  else if (s < 60) snprintf(buf, n, "%.0fs", s);
  else if (s < 3600) snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
  else snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static void progress(progress_line *pl, const sweep_state *st, bool final) {
  if (final) {
    cli_progress_clear(&pl->line);
    return;
  }
  if (!pl->line.on) return;
  long done, total, resumed;
  double f;
  sweep_state_progress(st, &done, &total, &resumed, &f);
  const double now = sweep_now();
  char el[32], left[32] = "?", from[64] = "";
  fmt_time(now - pl->t0, el, sizeof el);
  if (f > 0.002) fmt_time((now - pl->t0) * (1 - f) / f, left, sizeof left);
  if (resumed) snprintf(from, sizeof from, " (%ld from the journal)", resumed);
  cli_progress_show(&pl->line, "bwflow sweep: %ld/%ld tasks%s, %d rank%s, %s, ~%s left", done, total, from,
                    pl->ranks, pl->ranks > 1 ? "s" : "", el, left);
}

/* Take a result: the state, then the journal's buffer. */
static bool take(sweep_state *st, sweep_journal *j, const sweep_result *r, sweep_stats *stats,
                 cli_err *e) {
  if (!sweep_state_record(st, r, e) || !sweep_journal_add(j, r, e)) return false;
  stats->computed += r->kind == SWEEP_POINT;
  stats->busy += r->wall;
  return true;
}

/* ---------------------------------------------------------------- serial */

int sweep_run_serial(const sweep_spec *s, sweep_state *st, sweep_journal *j, bool show,
                     sweep_stats *stats, cli_err *e) {
  memset(stats, 0, sizeof *stats);
  stats->ranks = 1;
  sweep_worker *w = sweep_worker_new(s);
  if (!w) {
    cli_fail(e, "out of memory");
    return EXIT_FAIL;
  }
  progress_line pl;
  progress_start(&pl, show, 1);
  double c0 = sweep_cpu_now(), in_tasks = 0;
  int rc = EXIT_OK;
  sweep_task t;
  while (rc == EXIT_OK && sweep_state_next(st, &t)) {
    sweep_result r;
    rc = sweep_worker_run(w, &t, &r, e);
    if (rc == EXIT_OK) in_tasks += r.cpu;
    /* written at once; synced now, or with the results of the next SWEEP_SYNC_INTERVAL
     * (what a power cut may lose is at most that much work) */
    if (rc == EXIT_OK && (!take(st, j, &r, stats, e) || !sweep_journal_commit(j, false, e))) rc = EXIT_FAIL;
    progress(&pl, st, false);
  }
  cli_err je;
  if (!sweep_journal_commit(j, true, rc ? &je : e) && !rc) rc = EXIT_FAIL;
  progress(&pl, st, true);
  stats->wall = sweep_now() - pl.t0;
  stats->coord_cpu = sweep_cpu_now() - c0 - in_tasks; /* bookkeeping and journal */
  stats->syncs = j->syncs;
  sweep_worker_free(w);
  return rc;
}

#ifdef BW_HAVE_MPI
/* ---------------------------------------------------------------- MPI */

/* Tasks kept at each worker; the number of ranks up to which rank 0 works too (beyond, its
 * share of the work is below 1/LOCAL_MAX_RANKS while its coordinating thread serves every
 * rank: it keeps its core for that). */
enum { DEPTH = 2, LOCAL_MAX_RANKS = 32, TAG_TASK = 1, TAG_RESULT, TAG_FATAL, TAG_BYE };
/* Polling: sleep from 50 us, doubling to at most 5 ms while nothing happens (a poll costs
 * ~20 us of CPU; a worker holds its next task, so a late answer costs it nothing). */
enum { SLEEP_MIN_NS = 50000, SLEEP_MAX_NS = 5000000 };

typedef struct {
  int32_t rc;
  char msg[sizeof(((cli_err *)0)->msg)];
} fatal_msg;

static void nap(long *ns) {
  struct timespec ts = {0, *ns};
  nanosleep(&ts, NULL);
  *ns = *ns * 2 > SLEEP_MAX_NS ? SLEEP_MAX_NS : *ns * 2;
}

/* The launcher (mpirun, orted) is gone when the parent changes: a rank orphaned by a
 * kill -9 of mpirun stops rather than compute for nobody. */
typedef struct {
  pid_t parent;
  double next;
} launcher;

static void check_launcher(launcher *l) {
  double now = sweep_now();
  if (now < l->next) return;
  l->next = now + 1.0;
  if (getppid() != l->parent) _exit(EXIT_FAIL);
}

/* ---- rank 0's own worker: a thread fed by the coordinator in memory */
typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  const sweep_spec *spec;
  sweep_task q[DEPTH];     /* tasks to run */
  int nq;
  sweep_result res[DEPTH]; /* results for the coordinator (nq + nres <= DEPTH) */
  int nres;
  bool stop, fatal, exited;
  int fatal_rc;
  cli_err err;
} local_worker;

static void *local_main(void *arg) {
  local_worker *L = arg;
  sweep_worker *w = sweep_worker_new(L->spec);
  pthread_mutex_lock(&L->mu);
  if (!w) {
    L->fatal = true;
    L->fatal_rc = EXIT_FAIL;
    cli_fail(&L->err, "out of memory");
  }
  while (w && !L->fatal) {
    while (!L->nq && !L->stop) pthread_cond_wait(&L->cv, &L->mu);
    if (L->stop) break;
    sweep_task t = L->q[0];
    pthread_mutex_unlock(&L->mu);
    sweep_result r;
    cli_err e;
    int rc = sweep_worker_run(w, &t, &r, &e);
    pthread_mutex_lock(&L->mu);
    memmove(L->q, L->q + 1, (size_t)(--L->nq) * sizeof *L->q);
    if (!rc && L->nres == DEPTH) { /* cannot happen: fill() keeps nq + nres <= DEPTH */
      rc = EXIT_FAIL;
      cli_fail(&e, "internal error: rank 0's worker has no room for a result");
    }
    if (rc) {
      L->fatal = true;
      L->fatal_rc = rc;
      L->err = e;
    } else {
      L->res[L->nres++] = r;
    }
  }
  L->exited = true;
  pthread_mutex_unlock(&L->mu);
  sweep_worker_free(w);
  return NULL;
}

/* ---- the other ranks */
static int worker_loop(const sweep_spec *s, int rank) {
  sweep_worker *w = sweep_worker_new(s);
  sweep_task q[DEPTH + 1], in;
  int nq = 0;
  bool stop = false, failed = !w;
  MPI_Request req;
  MPI_Irecv(&in, (int)sizeof in, MPI_BYTE, 0, TAG_TASK, MPI_COMM_WORLD, &req);
  launcher lau = {getppid(), 0};
  long ns = SLEEP_MIN_NS;
  if (failed) {
    fatal_msg f = {EXIT_FAIL, "out of memory"};
    MPI_Send(&f, (int)sizeof f, MPI_BYTE, 0, TAG_FATAL, MPI_COMM_WORLD);
  }
  for (;;) {
    int flag = 1;
    while (flag && !stop) { /* take every task that has arrived */
      MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
      if (!flag) break;
      if (in.kind == SWEEP_STOP) stop = true;
      else if (nq < DEPTH + 1) q[nq++] = in;
      if (!stop) MPI_Irecv(&in, (int)sizeof in, MPI_BYTE, 0, TAG_TASK, MPI_COMM_WORLD, &req);
    }
    if (stop) break;
    if (!nq || failed) { /* wait for work (or, after a failure, for STOP) */
      nap(&ns);
      check_launcher(&lau);
      continue;
    }
    ns = SLEEP_MIN_NS;
    sweep_result r;
    cli_err e;
    int rc = sweep_worker_run(w, &q[0], &r, &e);
    memmove(q, q + 1, (size_t)(--nq) * sizeof *q);
    if (rc) {
      fatal_msg f;
      memset(&f, 0, sizeof f);
      f.rc = rc;
      memcpy(f.msg, e.msg, sizeof f.msg);
      MPI_Send(&f, (int)sizeof f, MPI_BYTE, 0, TAG_FATAL, MPI_COMM_WORLD);
      failed = true;
    } else {
      r.rank = rank;
      MPI_Send(&r, (int)sizeof r, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
    }
  }
  int bye = 0;
  MPI_Send(&bye, 1, MPI_INT, 0, TAG_BYE, MPI_COMM_WORLD);
  sweep_worker_free(w);
  return EXIT_OK;
}

/* ---- rank 0 */
typedef struct {
  const sweep_spec *spec;
  sweep_state *st;
  sweep_journal *j;
  sweep_stats *stats;
  int size;
  int *out;         /* tasks at each rank (index 0: the local thread) */
  local_worker *L;  /* NULL when MPI gives no thread support */
  int rc;           /* the first failure */
  cli_err err;
} coordinator;

static void fail_once(coordinator *c, int rc, const cli_err *e) {
  if (c->rc) return;
  c->rc = rc;
  c->err = *e;
}

static void send_task(const sweep_task *t, int to) {
  MPI_Send(t, (int)sizeof *t, MPI_BYTE, to, TAG_TASK, MPI_COMM_WORLD);
}

/* Keep DEPTH tasks at every worker, dealt in rounds (every worker one task, then a second
 * one): when many tasks become ready at once (at the start, after the plans) the longest
 * go to different workers, not two of them to the first worker. */
static void fill(coordinator *c) {
  sweep_task t;
  for (int depth = 1; depth <= DEPTH; depth++) {
    if (c->L) {
      pthread_mutex_lock(&c->L->mu);
      /* out[0] counts its queued tasks and its results not yet taken: both arrays have room */
      if (c->out[0] < depth && !c->L->fatal && sweep_state_next(c->st, &t)) {
        c->L->q[c->L->nq++] = t;
        c->out[0]++;
        pthread_cond_signal(&c->L->cv);
      }
      pthread_mutex_unlock(&c->L->mu);
    }
    for (int r = 1; r < c->size; r++)
      if (c->out[r] >= 0 && c->out[r] < depth && sweep_state_next(c->st, &t)) {
        send_task(&t, r);
        c->out[r]++;
      }
  }
}

static void take_result(coordinator *c, const sweep_result *r) {
  cli_err e;
  if (!take(c->st, c->j, r, c->stats, &e)) fail_once(c, EXIT_FAIL, &e);
}

/* Receive whatever has arrived; returns the number of messages. */
static int receive(coordinator *c, int *byes) {
  int n = 0, flag;
  MPI_Status ms;
  while (MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &ms), flag) {
    n++;
    int src = ms.MPI_SOURCE;
    if (ms.MPI_TAG == TAG_RESULT) {
      sweep_result r;
      MPI_Recv(&r, (int)sizeof r, MPI_BYTE, src, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      c->out[src]--;
      take_result(c, &r);
    } else if (ms.MPI_TAG == TAG_FATAL) {
      fatal_msg f;
      MPI_Recv(&f, (int)sizeof f, MPI_BYTE, src, TAG_FATAL, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      cli_err e;
      memcpy(e.msg, f.msg, sizeof e.msg);
      e.msg[sizeof e.msg - 1] = '\0';
      fail_once(c, f.rc, &e);
      c->out[src] = -1; /* no more tasks for it */
    } else {
      int bye;
      MPI_Recv(&bye, 1, MPI_INT, src, ms.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      (*byes)++;
    }
  }
  if (c->L) {
    pthread_mutex_lock(&c->L->mu);
    for (int i = 0; i < c->L->nres; i++) {
      c->out[0]--;
      take_result(c, &c->L->res[i]);
    }
    n += c->L->nres;
    c->L->nres = 0;
    if (c->L->fatal && !c->rc) fail_once(c, c->L->fatal_rc, &c->L->err);
    pthread_mutex_unlock(&c->L->mu);
  }
  return n;
}

static int coordinate(const sweep_spec *s, sweep_state *st, sweep_journal *j, bool show,
                      sweep_stats *stats, int size, bool threads, cli_err *e) {
  coordinator c = {.spec = s, .st = st, .j = j, .stats = stats, .size = size};
  c.out = calloc((size_t)size, sizeof *c.out);
  if (!c.out) {
    cli_fail(e, "out of memory");
    return EXIT_FAIL; /* the workers wait for a STOP that does not come: mpirun ends them */
  }
  local_worker L = {.spec = s};
  pthread_t th;
  if (threads) {
    pthread_mutex_init(&L.mu, NULL);
    pthread_cond_init(&L.cv, NULL);
    if (pthread_create(&th, NULL, local_main, &L) == 0) c.L = &L;
  }
  stats->ranks = size;
  progress_line pl;
  progress_start(&pl, show, size);
  launcher lau = {getppid(), 0};
  double c0 = sweep_cpu_now();
  long ns = SLEEP_MIN_NS;
  int byes = 0;
  bool stopping = false;
  for (;;) {
    double w0 = sweep_cpu_now();
    int n = receive(&c, &byes);
    if (!c.rc) fill(&c);
    cli_err je;
    if (!sweep_journal_commit(j, false, &je)) fail_once(&c, EXIT_FAIL, &je);
    if (n) stats->coord_work += sweep_cpu_now() - w0;
    stats->polls++;
    progress(&pl, st, false);
    if (!stopping && (c.rc || sweep_state_done(st))) { /* finished, or failed: stop everyone */
      stopping = true;
      sweep_task stop = {.kind = SWEEP_STOP};
      for (int r = 1; r < size; r++) send_task(&stop, r);
      if (c.L) {
        pthread_mutex_lock(&L.mu);
        L.stop = true;
        pthread_cond_signal(&L.cv);
        pthread_mutex_unlock(&L.mu);
      }
    }
    if (stopping && byes == size - 1) {
      bool exited = true;
      if (c.L) {
        pthread_mutex_lock(&L.mu);
        exited = L.exited;
        pthread_mutex_unlock(&L.mu);
      }
      if (exited) break;
    }
    if (n) ns = SLEEP_MIN_NS;
    else nap(&ns);
    check_launcher(&lau);
  }
  if (c.L) {
    pthread_join(th, NULL);
    receive(&c, &byes); /* its last result */
  }
  cli_err je;
  if (!sweep_journal_commit(j, true, &je)) fail_once(&c, EXIT_FAIL, &je);
  if (threads) {
    pthread_mutex_destroy(&L.mu);
    pthread_cond_destroy(&L.cv);
  }
  progress(&pl, st, true);
  stats->wall = sweep_now() - pl.t0;
  stats->coord_cpu = sweep_cpu_now() - c0;
  stats->syncs = j->syncs;
  free(c.out);
  if (c.rc) *e = c.err;
  return c.rc;
}

int sweep_run_mpi(const sweep_spec *s, sweep_state *st, sweep_journal *j, bool show,
                  sweep_stats *stats, cli_err *e) {
  int rank, size, level;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Query_thread(&level);
  memset(stats, 0, sizeof *stats);
  if (rank) return worker_loop(s, rank);
  if (size == 1) return sweep_run_serial(s, st, j, show, stats, e);
  return coordinate(s, st, j, show, stats, size, level >= MPI_THREAD_FUNNELED && size <= LOCAL_MAX_RANKS, e);
}
#endif
