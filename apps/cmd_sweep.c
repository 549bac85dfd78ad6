/* bwflow sweep: many order studies, on one core or over MPI, resumable (docs/sweep.md).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sweep/sweep.h"
#ifdef BW_HAVE_MPI
#include <mpi.h>
#endif

static const char usage[] =
    "usage: bwflow sweep SPEC.json [--out DIR] [--resume] [--json] [--progress]\n"
    "       mpirun -n K bwflow sweep SPEC.json [...]   (as root: mpirun --allow-run-as-root)\n"
    "\n"
    "Run the order studies of many problems: one task per (problem, step size). Output in DIR\n"
    "(default notebooks-data), identical for any number of ranks and across interruptions:\n"
    "  sweep-NAME-tasks.csv     one row per task: the errors, per-eta status\n"
    "  sweep-NAME-problems.csv  one row per problem: slopes, orders, C1, C2, step-size bounds\n"
    "  sweep-NAME.json          sidecar: the spec, the version, the columns\n"
    "  sweep-NAME-timing.csv    wall time of each task (not reproducible)\n"
    "The four files appear together when the sweep is complete (stderr names them).\n"
    "Finished tasks go to DIR/sweep-NAME.journal as they end (removed when the sweep is\n"
    "complete); after a crash or a kill, --resume runs only what is missing.\n"
    "\n"
    "SPEC.json, e.g.\n"
    "  {\"name\": \"random-d\", \"problems\": [{\"preset\": \"random\", \"dim\": [2, 5, 10],\n"
    "   \"seeds\": {\"from\": 1, \"count\": 100}}, {\"file\": \"p.json\"},\n"
    "   {\"preset\": \"quartic\", \"particles\": [20, 40]}], \"etas\": \"auto\", \"t\": \"auto\"}\n"
    "  problems: {\"preset\": NAME, \"dim\", \"seed\" or \"seeds\", \"particles\"} (a number or a\n"
    "  list each; seeds also {\"from\": s, \"count\": n}; the presets of bwflow order --help,\n"
    "  ridges vi-quartic, logreg, logreg-d30 included), or {\"file\": PATH or [PATHS]}\n"
    "  (relative to the spec's folder; Gaussian, particle and ridge problem files, a glm\n"
    "  file's CSV relative to its own folder); \"etas\": \"auto\" or a list with \"t\": a number (also\n"
    "  per problem entry); \"errors\": \"all\" (default, as bwflow order), \"first\" (the four\n"
    "  of order 1) or a list; \"rtol\", \"atol\", \"linsol\"\n"
    "  as in bwflow order; \"description\": text. Details: docs/sweep.md.\n"
    "\n"
    "options:\n"
    "  --out DIR   where the files and the journal go (default notebooks-data)\n"
    "  --resume    finish an interrupted sweep from its journal\n"
    "  --json      print a JSON summary (files, counts, timings, per-problem fits)\n"
    "  --progress  show progress on stderr even when it is not a terminal (rank 0 under\n"
    "              mpirun, a log file): a line a second\n"
    "  -h, --help  this help\n"
    "\n"
    "Under mpirun, rank 0 hands out the tasks (longest first) and works too; one BLAS\n"
    "thread per rank. Progress on stderr when it is a terminal, or with --progress.\n"
    "\n"
    "exit status: 0 the sweep is complete (a step size that fails numerically is a result),\n"
    "1 a failure (I/O, memory), 2 bad input (the spec, a problem, the journal)\n";

/* Launched by mpirun, mpiexec or srun (a process manager's variables). */
static bool under_launcher(long *size, long *rank) {
  static const char *const sizes[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS", NULL};
  static const char *const ranks[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", NULL};
  *size = 1;
  *rank = 0;
  bool found = false;
  for (const char *const *v = ranks; *v; v++)
    if (getenv(*v)) {
      *rank = atol(getenv(*v));
      found = true;
      break;
    }
  for (const char *const *v = sizes; found && *v; v++)
    if (getenv(*v)) {
      *size = atol(getenv(*v));
      break;
    }
  return found;
}

static bool on_record(void *ctx, const sweep_result *r) {
  cli_err e;
  return sweep_state_record(ctx, r, &e);
}

/* Rank 0's preparation: the problems load, the folder, the journal read back. */
static int prepare(const sweep_spec *s, const char *out, bool resume, sweep_state **st,
                   sweep_journal *j, cli_err *e) {
  if (!sweep_spec_check(s, e) || !cli_out_dir(out, e)) return EXIT_USAGE;
  if (!(*st = sweep_state_new(s))) {
    cli_fail(e, "out of memory for %d problems", s->nprob);
    return EXIT_FAIL;
  }
  int rc = sweep_journal_open(j, out, s->name, s->hash, resume, on_record, *st, e);
  if (rc) return rc;
  if (resume && (j->records || j->dropped))
    fprintf(stderr, "bwflow sweep: resuming from %s: %ld results kept, %ld torn or corrupt line%s dropped\n",
            j->path, j->records, j->dropped, j->dropped == 1 ? "" : "s");
  sweep_state_start(*st);
  return EXIT_OK;
}

int cmd_sweep(int argc, char **argv, FILE *out) {
  static const struct option opts[] = {{"out", required_argument, NULL, OPT_OUT},
                                        {"json", no_argument, NULL, OPT_JSON},
                                        {"progress", no_argument, NULL, OPT_PROGRESS},
                                        {"resume", no_argument, NULL, OPT_COMMAND_BASE},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  const char *dir = "notebooks-data";
  bool json = false, resume = false, progress = false;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
    case 'h': fputs(usage, out); return EXIT_OK;
    case OPT_JSON: json = true; break;
    case OPT_PROGRESS: progress = true; break;
    case OPT_OUT: dir = optarg; break;
    case OPT_COMMAND_BASE: resume = true; break;
    default: cli_bad_option("sweep", c, argv); return EXIT_USAGE;
    }
  }
  long lsize, lrank;
  bool launched = under_launcher(&lsize, &lrank);
  if (argc - optind != 1) {
    if (lrank == 0)
      fprintf(stderr, "bwflow sweep: %s (see bwflow sweep --help)\n",
              argc - optind ? "expected one SPEC.json" : "missing SPEC.json");
    return EXIT_USAGE;
  }
  const char *spec_path = argv[optind];
  cli_blas_single_thread();

  int rank = 0, size = 1;
#ifdef BW_HAVE_MPI
  if (launched) {
    int level;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &level);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
  }
#else
  (void)size;
  if (launched && lsize > 1) { /* every rank would run the whole sweep into the same files */
    if (lrank == 0)
      fprintf(stderr, "bwflow sweep: this bwflow was built without MPI (meson option mpi): run it "
              "without mpirun, or rebuild with libopenmpi-dev installed\n");
    return EXIT_USAGE;
  }
#endif

  cli_err e;
  sweep_spec spec;
  bool ok = sweep_spec_load(spec_path, &spec, &e);
  int rc = ok ? EXIT_OK : EXIT_USAGE;
#ifdef BW_HAVE_MPI
  if (size > 1) { /* every rank reads the spec: all go on, or all stop */
    int all;
    MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (all && !rc && rank == 0)
      cli_fail(&e, "%s: another rank cannot read it (do the ranks share this file system?)", spec_path);
    rc = all;
  }
#endif
  sweep_state *st = NULL;
  sweep_journal jn = {.fd = -1};
  if (!rc && rank == 0) rc = prepare(&spec, dir, resume, &st, &jn, &e);
#ifdef BW_HAVE_MPI
  if (size > 1) MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
#endif
  sweep_stats stats = {0};
  if (!rc) {
#ifdef BW_HAVE_MPI
    if (launched) rc = sweep_run_mpi(&spec, st, &jn, progress, &stats, &e);
    else
#endif
      rc = sweep_run_serial(&spec, st, &jn, progress, &stats, &e);
  }
  if (rank == 0) {
    if (!rc && !sweep_write_files(&spec, st, dir, &e)) rc = EXIT_FAIL;
    if (!rc) sweep_print_summary(out, &spec, st, dir, &stats, json);
    else fprintf(stderr, "bwflow sweep: %s\n", e.msg);
    sweep_journal_close(&jn, rc == EXIT_OK);
  }
  sweep_state_free(st);
  if (ok) sweep_spec_free(&spec);
#ifdef BW_HAVE_MPI
  if (launched) MPI_Finalize();
#endif
  return rank == 0 ? rc : EXIT_OK;
}
