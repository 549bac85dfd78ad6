/* bwflow sweep: many order studies (problems x step sizes) on one core or over MPI,
 * resumable (docs/sweep.md). The pieces, in the order data flows through them:
 *   sweep_spec.c     SPEC.json: validation and expansion into problems
 *   sweep_task.c     one task on a worker: a problem's plan (its defaults) or one (problem,
 *                    eta) point of its order study; estimated costs
 *   sweep_journal.c  the append-only journal of finished tasks (fsync, torn lines, resume)
 *   sweep_state.c    the coordinator's bookkeeping: what is done, what to hand out next
 *   sweep_run.c      the serial run and the MPI coordinator and workers
 *   sweep_output.c   the final CSV files and sidecar, the summary on stdout
 *   cmd_sweep.c      the command
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_SWEEP_H
#define BW_SWEEP_H
#include <stdint.h>
#include "cli.h"

/* Most explicit step sizes of one study. */
enum { SWEEP_MAX_ETAS = 64 };
/* Most problems of one sweep (the coordinator holds ~0.5 kB per problem and ~0.2 kB per
 * task). */
#define SWEEP_MAX_PROBLEMS 100000

/* ------------------------------------------------------------------ the spec */

/* The step sizes of a problem: automatic (bw_order_defaults_compute) or explicit. */
typedef struct {
  bool autom;                  /* "etas": "auto" */
  double t;                    /* the horizon, or 0 for "auto" (automatic ladders only) */
  int n;                       /* explicit step sizes, decreasing */
  double etas[SWEEP_MAX_ETAS];
} sweep_ladder;

/* One problem of the sweep, as the spec names it (its name, cli_problem_name(), comes
 * with its plan: it may need the loaded system). */
typedef struct {
  cli_problem_args args; /* how to load it (its path resolved against the spec's folder) */
  const char *file;      /* the file as written in the spec (file problems), else NULL */
  int entry;             /* its entry in "problems" */
} sweep_problem;

typedef struct {
  const char *path;     /* the spec file as given */
  char name[101];       /* "name", or the spec file's base name */
  json_t *root;         /* the parsed spec (owns the strings the problems point to) */
  char *canonical;      /* the spec as compact JSON with sorted keys (sidecar) */
  uint64_t hash;        /* of the canonical spec, the problem files' bytes and the version */
  int nentries;
  sweep_ladder *ladder; /* per entry */
  char ***paths;        /* per entry: NULL, or its resolved file paths (owned, NULL-ended) */
  int nprob;
  sweep_problem *prob;
  unsigned mask;        /* the errors of the studies (bits 1 << bw_order_err) */
  bool errors_listed;   /* "errors" is a list of names (not "all" or "first") */
  bw_jkoflow_opts fo;   /* CVODE options of the integrated flows */
} sweep_spec;

/* Read, validate and expand SPEC.json; false with one line in e (naming the file and the
 * field) for bad input. */
bool sweep_spec_load(const char *path, sweep_spec *s, cli_err *e);
/* The same from len bytes (name: the spec's path, for messages and relative file names);
 * read_files false leaves the problem files unread (their names alone enter the hash): the
 * fuzz target's form. */
bool sweep_spec_parse_buffer(const char *name, const char *buf, size_t len, bool read_files, sweep_spec *s,
                             cli_err *e);
void sweep_spec_free(sweep_spec *s);
/* Load one problem of each (entry, dim, particles) and every file once, so that a preset
 * that does not exist, a size it does not take or a bad problem file is an error before
 * any work (seeds change no validity). */
bool sweep_spec_check(const sweep_spec *s, cli_err *e);
/* "problems[i] (preset random, dim 10, seed 3)" or "problems[i] (file p.json)". */
void sweep_problem_label(const sweep_spec *s, int p, char *buf, size_t n);
/* A problem's ladder. */
static inline const sweep_ladder *sweep_spec_ladder(const sweep_spec *s, int p) {
  return &s->ladder[s->prob[p].entry];
}

/* ------------------------------------------------------------------ tasks and results */

typedef enum { SWEEP_PLAN = 1, SWEEP_POINT = 2, SWEEP_STOP = 3 } sweep_kind;

/* A task: problem p's plan (j = -1), or the point j of its ladder (step eta, horizon t).
 * Sent as bytes between ranks of one binary (docs/sweep.md: a homogeneous cluster). */
typedef struct {
  int32_t kind, p, j, pad;
  double t, eta;
} sweep_task;

/* A task's result. A plan records the system's kind and size and the defaults (their
 * status: BW_OK, or why the system has no admissible step size); a point records the
 * errors with their statuses. wall, cpu (seconds of the task, of its thread's CPU) and
 * rank are not part of the results that must be identical between runs. */
typedef struct {
  int32_t kind, p, j, rank;
  double wall, cpu;
  int32_t status;        /* plan: of bw_order_defaults_compute() */
  int32_t dim;           /* plan: bw_system_dim() */
  char system[16];       /* plan: bw_system_name() */
  char name[96];         /* plan: cli_problem_name() */
  bw_order_defaults def; /* plan */
  bw_order_point pt;     /* point */
} sweep_result;

/* A worker's cache of loaded systems. */
typedef struct sweep_worker sweep_worker;
sweep_worker *sweep_worker_new(const sweep_spec *s);
void sweep_worker_free(sweep_worker *w);
/* Run one task. Returns EXIT_OK with r filled (a numerical failure is a result), or
 * EXIT_USAGE (the problem does not load: e names the spec entry) or EXIT_FAIL (out of
 * memory, an argument the library refuses) with e filled. */
int sweep_worker_run(sweep_worker *w, const sweep_task *t, sweep_result *r, cli_err *e);
/* The relative cost of a point (T/eta steps on a system of that kind and size). */
double sweep_point_cost(const char *system, int dim, double t, double eta);
/* Seconds of a monotonic clock, and of the calling thread's CPU time. */
double sweep_now(void);
double sweep_cpu_now(void);


/* ------------------------------------------------------------------ the journal */

typedef struct {
  int fd;
  char path[4096];
  char *buf; /* records not yet written */
  size_t len, cap;
  long records; /* good records read back on resume */
  long dropped; /* torn or corrupt lines dropped on resume */
  bool unsynced; /* written since the last fsync */
  double synced; /* sweep_now() of the last fsync */
  long syncs;    /* fsyncs by this run */
} sweep_journal;

/* The longest a written record waits for its fsync (seconds): results that come faster
 * are synced together (a group commit; an fsync costs 0.5 to 3 ms here, as much as a small
 * task). */
#define SWEEP_SYNC_INTERVAL 0.05

/* Open DIR/sweep-NAME.journal: created afresh (fails with EXIT_USAGE when one exists and
 * resume is false), or read back (resume; created when missing): its header must carry
 * hash; each good record goes to on_record (false: not a record of this spec, dropped); a
 * torn last line is cut off. The journal is locked (one run at a
 * time). Returns EXIT_OK or an exit status with e filled. */
int sweep_journal_open(sweep_journal *j, const char *dir, const char *name, uint64_t hash,
                       bool resume, bool (*on_record)(void *ctx, const sweep_result *r),
                       void *ctx, cli_err *e);
/* Queue a record (written by the next commit). */
bool sweep_journal_add(sweep_journal *j, const sweep_result *r, cli_err *e);
/* Write the queued records (one write: from then on a kill -9 loses nothing), and fsync
 * when force is true or the last fsync is SWEEP_SYNC_INTERVAL old (then a power cut loses
 * nothing either). */
bool sweep_journal_commit(sweep_journal *j, bool force, cli_err *e);
/* Close (and unlink when the sweep is complete). */
void sweep_journal_close(sweep_journal *j, bool unlink_it);

/* The journal's first line (with its newline) for a spec of hash hash. */
void sweep_journal_header(char *buf, size_t n, uint64_t hash);
/* The journal's content (len bytes, buf[len] == '\0'; lines are cut in place): the header
 * must carry hash (EXIT_USAGE otherwise; a torn header is an empty journal); each good
 * record goes to on_record (false: dropped). *good: the length of the good part (whole
 * lines); records and dropped are incremented. */
int sweep_journal_scan(char *buf, size_t len, uint64_t hash, bool (*on_record)(void *ctx, const sweep_result *r),
                       void *ctx, size_t *good, long *records, long *dropped);
/* A record's text line (no newline) and back; false for a line that is not a record. */
void sweep_record_format(const sweep_result *r, char *buf, size_t n);
bool sweep_record_parse(const char *line, sweep_result *r);

/* ------------------------------------------------------------------ the coordinator's state */

typedef struct sweep_state sweep_state;
/* Fresh state: every plan pending. */
sweep_state *sweep_state_new(const sweep_spec *s);
void sweep_state_free(sweep_state *st);
/* Take a finished task (from a worker or from the journal). Returns false (e filled) on a
 * record that does not belong to the spec; a duplicate is ignored. */
bool sweep_state_record(sweep_state *st, const sweep_result *r, cli_err *e);
/* After the journal was read: queue every task that is missing. */
void sweep_state_start(sweep_state *st);
/* The next task in decreasing priority (plans first, then points by decreasing estimated
 * cost); false when none is ready now. */
bool sweep_state_next(sweep_state *st, sweep_task *t);
/* Nothing pending and every handed-out task back. */
bool sweep_state_done(const sweep_state *st);
/* Progress: tasks done (this run and before), the known total, the estimated fraction of
 * this run's work done. */
void sweep_state_progress(const sweep_state *st, long *done, long *total, long *resumed,
                          double *fraction);
/* Read access for the writers. */
const sweep_result *sweep_state_plan(const sweep_state *st, int p);
const bw_order_point *sweep_state_point(const sweep_state *st, int p, int j, double *wall,
                                        double *cpu, int *rank);
int sweep_state_npoints(const sweep_state *st, int p);
/* The ladder of problem p (explicit, or from its plan; n = 0 when it has none). */
void sweep_state_ladder(const sweep_state *st, int p, double *t, int *n, const double **etas);

/* ------------------------------------------------------------------ running */

typedef struct {
  int ranks;                /* processes working (1: serial) */
  long computed;            /* tasks computed by this run */
  double wall;              /* seconds of this run's computing */
  double busy;              /* seconds spent in tasks, summed over workers */
  double coord_cpu;         /* CPU seconds of rank 0's coordinating thread (serial: outside
                               the tasks) */
  double coord_work;        /* of which in the polls that handled results (MPI) */
  long polls;               /* the coordinator's polls (MPI) */
  long syncs;               /* journal fsyncs */
} sweep_stats;

/* Run the missing tasks, recording each in st and in the journal as it finishes; progress
 * on stderr when it is a terminal or asked for (--progress: cli_progress). The serial path
 * needs no MPI. Returns an exit status (e filled unless EXIT_OK). */
int sweep_run_serial(const sweep_spec *s, sweep_state *st, sweep_journal *j, bool progress,
                     sweep_stats *stats, cli_err *e);
#ifdef BW_HAVE_MPI
/* The same over MPI_COMM_WORLD: rank 0 coordinates (and works through a second thread),
 * the other ranks work. Every rank calls it; st and j are used by rank 0 only. */
int sweep_run_mpi(const sweep_spec *s, sweep_state *st, sweep_journal *j, bool progress,
                  sweep_stats *stats, cli_err *e);
#endif

/* ------------------------------------------------------------------ output */

/* Write the files of a complete sweep into dir: sweep-NAME-tasks.csv,
 * sweep-NAME-problems.csv, sweep-NAME.json (identical for every run of the spec) and
 * sweep-NAME-timing.csv (wall times: not covered by that promise). */
bool sweep_write_files(const sweep_spec *s, const sweep_state *st, const char *dir,
                       cli_err *e);
/* The summary on stdout: a table, or JSON. */
void sweep_print_summary(FILE *f, const sweep_spec *s, const sweep_state *st, const char *dir,
                         const sweep_stats *stats, bool json);

#endif
