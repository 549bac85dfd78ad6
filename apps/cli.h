/* bwflow command-line tool: shared helpers. SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_CLI_H
#define BW_CLI_H
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <jansson.h>
#include "bwflow.h"

/* Exit statuses of the tool. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_COLLAPSE = 3 };

/* An error message for the single stderr line; functions return false after filling it. */
typedef struct {
  char msg[1024];
} cli_err;

bool cli_fail(cli_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse a positive finite number with no trailing garbage ("--eta 0.1"). */
bool cli_parse_positive(const char *opt, const char *text, double *out, cli_err *e);
/* Parse an integer in [lo, hi]. */
bool cli_parse_int(const char *opt, const char *text, long lo, long hi, long *out, cli_err *e);

/* Largest input file read (bytes): bounds memory (jansson holds ~40 bytes per number). */
#define CLI_MAX_INPUT_BYTES (256u << 20)
/* Largest --dim of a preset (d = 2000: ~1 minute to set up the random preset). */
#define CLI_PRESET_DIM_MAX 2000

/* The whole content of path, at most CLI_MAX_INPUT_BYTES, for every input file the tool
 * reads: a regular file, or (unless regular_only) a FIFO such as a shell's <(...) or a
 * device; never a directory. A NUL byte means a binary file (JSON text has none): reading
 * stops there, so /dev/zero is refused at once, and an endless device at the size limit.
 * The caller frees the result; NULL with e set. */
char *cli_read_input(const char *path, bool regular_only, size_t *len, cli_err *e);
/* The same for a text format other than JSON ("CSV"), named in the messages. */
char *cli_read_input_as(const char *path, bool regular_only, const char *format, size_t *len, cli_err *e);
/* Load a JSON object from path (cli_read_input); messages name the file, line and column. */
json_t *cli_load_json(const char *path, cli_err *e);
/* The same from a buffer of len bytes; name is used in messages. */
json_t *cli_parse_json(const char *name, const char *buf, size_t len, cli_err *e);
/* Reject keys of obj not in the NULL-terminated list allowed (the message lists them). */
bool cli_check_keys(const char *path, json_t *obj, const char *const *allowed, cli_err *e);
/* "an object", "a list", "a string", "a number", "a boolean" or "null", for messages. */
const char *cli_json_type(const json_t *v);
/* Read obj[key] as a vector of length n (n < 0: any length >= 1, stored in *n_out). The
 * caller frees *out. */
bool cli_read_vector(const char *path, json_t *obj, const char *key, int n, double **out,
                     int *n_out, cli_err *e);
/* Read obj[key] as a d x d matrix (list of d rows) into column-major out (ld d), checking
 * symmetry within BW_SYM_RTOL when symmetric is true. The caller frees *out. */
bool cli_read_matrix(const char *path, json_t *obj, const char *key, int d, bool symmetric,
                     double **out, cli_err *e);
/* A finite number v, or an error naming where it is ("PATH: WHERE must be a number, found a
 * string"; where is e.g. "\"mean\"[3]"). */
bool cli_json_number(const char *path, const char *where, const json_t *v, double *out, cli_err *e);
/* Read a number obj[key] (finite). */
bool cli_read_number(const char *path, json_t *obj, const char *key, double *out, cli_err *e);

/* Read a Gaussian file {"mean": [...], "cov": [[...]]}; the _buffer variant parses len bytes
 * (name is used in messages; the fuzz target and the corpus replay call it). */
bw_gaussian *cli_read_gaussian(const char *path, cli_err *e);
bw_gaussian *cli_read_gaussian_buffer(const char *name, const char *buf, size_t len, cli_err *e);

/* A problem given as a file or a preset (--preset NAME [--dim d] [--seed s]
 * [--particles N]). */
typedef struct {
  const char *path;   /* PROBLEM.json, or NULL */
  const char *preset; /* preset name, or NULL */
  long dim;           /* -1: the preset's default */
  unsigned long long seed;
  bool seed_given;
  long particles;     /* -1: the preset's default N */
} cli_problem_args;
#define CLI_PROBLEM_ARGS_INIT {NULL, NULL, -1, 1, false, -1}

/* getopt_long codes and table entries of the problem options, shared by the commands. */
enum {
  OPT_PRESET = 1000, OPT_DIM, OPT_SEED, OPT_PARTICLES, OPT_JSON, OPT_METHOD, OPT_ETA, OPT_T,
  OPT_ETAS, OPT_OUT, OPT_RTOL, OPT_ATOL, OPT_LINSOL, OPT_PROGRESS,
  OPT_COMMAND_BASE /* commands' own codes */
};
#define CLI_PROBLEM_OPTIONS                                                                          \
  {"preset", required_argument, NULL, OPT_PRESET}, {"dim", required_argument, NULL, OPT_DIM},         \
      {"seed", required_argument, NULL, OPT_SEED}, {"particles", required_argument, NULL, OPT_PARTICLES}
/* CVODE options of the commands that integrate flows. */
#define CLI_FLOW_OPTIONS                                                                             \
  {"rtol", required_argument, NULL, OPT_RTOL}, {"atol", required_argument, NULL, OPT_ATOL},           \
      {"linsol", required_argument, NULL, OPT_LINSOL}
bool cli_flow_option(int code, const char *arg, bw_jkoflow_opts *o, cli_err *e);
/* The CVODE options suit the system: a linear solver other than auto is a choice for
 * Gaussian and ridge problems only (particles always use a band solver); opt names the option in the
 * message ("--linsol", or the spec's field). (apps/problem_options.c) */
bool cli_check_flow_options(const bw_system *sys, const bw_jkoflow_opts *fo, const char *opt, cli_err *e);
const char *cli_linsol_name(bw_linsol l);

/* A command's own options: handles code (an option of its table other than the shared
 * ones and --help) with its value arg; false with e set when the value is bad. */
struct option;
typedef bool (*cli_option_fn)(int code, const char *arg, void *ctx, cli_err *e);
/* The argument loop of every command that reads a problem (evolve, order, trajectory):
 * getopt_long over opts (CLI_PROBLEM_OPTIONS, CLI_FLOW_OPTIONS, the command's own, --help);
 * --help prints usage to out; the problem options (--preset/--dim/--seed/--particles) go to pa and
 * the CVODE options (--rtol/--atol/--linsol) to fo, both first set to their defaults; the
 * others go to own(code, value, ctx, e);
 * then at most one positional argument, PROBLEM.json. Returns -1 when the command goes on,
 * otherwise its exit status: EXIT_OK after --help, EXIT_USAGE after one line on stderr
 * ("bwflow CMD: ..."). (apps/problem_options.c) */
int cli_problem_command_args(const char *cmd, const char *usage, int argc, char **argv,
                             const struct option *opts, cli_option_fn own, void *ctx,
                             cli_problem_args *pa, bw_jkoflow_opts *fo, FILE *out);

/* The message for getopt's '?' or ':' (unknown option / missing value). */
void cli_bad_option(const char *cmd, int code, char **argv);

/* The problem-file formats in the commands' --help. */
#define CLI_PROBLEM_FORMAT_HELP                                                                      \
  "PROBLEM.json, Gaussians: {\"dim\": d, \"A\": [[...]], \"h\": [...], \"K\": [[...]],\n"         \
  "               \"tau\": x, \"mean\": [...], \"cov\": [[...]]}  (K defaults to 0, tau to 1)\n"    \
  "             particles (1-D): {\"particles\": N, \"V\": [c_0, ..., c_K], \"tau\": x,\n"         \
  "               \"init\": {\"mean\": m, \"std\": s}} or \"positions\": [x_1, ..., x_N]\n"      \
  "             ridges (Gaussian VI, docs/vi.md): the Gaussian keys but K (A, h optional)\n"    \
  "               plus \"ridges\": [{\"phi\": \"logistic\", \"a\": [...], \"b\": 0, \"w\": 1}, ...]\n"  \
  "               (phi: quadratic, quartic, logistic, poisson, logcosh) and/or \"glm\":\n"      \
  "               {\"family\": \"logistic\"|\"poisson\", \"X\": [[...]], \"y\": [...] or\n"         \
  "               \"csv\": \"data.csv\", \"y\": \"COLUMN\", \"prior_var\": s2}\n"
/* The presets in the commands' --help. */
#define CLI_PRESET_HELP                                                                              \
  "  --preset NAME  instead of PROBLEM.json: Gaussians ou2d, heat, potential, random;\n"           \
  "                 particles quartic, doublewell, gauss1d; ridges vi-quartic, logreg,\n"           \
  "                 logreg-d30\n"                                                                  \
  "  --dim d        dimension of the Gaussian presets heat, potential and random\n"                 \
  "  --seed s       seed of the random preset (default 1)\n"                                        \
  "  --particles N  number of particles of the particle presets (default 20)\n"

/* Read a Gaussian problem file {"dim", "A", "h", "K" (default 0), "tau" (default 1), "mean",
 * "cov"} (the _buffer variant parses len bytes; the fuzz target calls it). */
bool cli_read_problem(const char *path, bw_problem **pb, bw_gaussian **g0, cli_err *e);
bool cli_read_problem_buffer(const char *name, const char *buf, size_t len, bw_problem **pb,
                             bw_gaussian **g0, cli_err *e);
/* Load the system from a problem file (its kind told by its keys) or a preset. */
bool cli_load_system(const cli_problem_args *a, bw_system **sys, cli_err *e);

/* Numbers as the tool prints them everywhere (CSV, JSON, messages): the shortest text that
 * reads back to the same double (0.1, not 0.10000000000000001); "nan", "inf", "-inf" when not
 * finite. cli_num writes into buf (CLI_NUM_LEN bytes) and returns it; CLI_NUM(x) is the same
 * with a buffer that lives until the end of the enclosing statement's block, for printf's
 * arguments: cli_fail(e, "--eta %s", CLI_NUM(eta)). */
#define CLI_NUM_LEN 32
const char *cli_num(char *buf, double x);
#define CLI_NUM(x) cli_num((char[CLI_NUM_LEN]){0}, (x))
/* A number in JSON (null when not finite) and in CSV (nan, inf, -inf when not finite). */
void cli_print_double(FILE *f, double x);
void cli_print_csv_double(FILE *f, double x);
void cli_print_vector(FILE *f, int n, const double *x);
void cli_print_matrix(FILE *f, int d, const double *A, int lda); /* as a list of rows */
/* "mean": [...], "cov": [[...]] (no braces). */
void cli_print_gaussian_json(FILE *f, const bw_gaussian *g);
/* A trajectory's state as JSON members (no braces): Gaussians "mean", "cov"; particles
 * "positions", "mean", "variance"; then "energy" (J). (apps/state_output.c) */
bool cli_print_state_json(FILE *f, bw_traj *tr, const bw_system *sys, cli_err *e);
/* The same as a few lines of text. */
bool cli_print_state_text(FILE *f, bw_traj *tr, const bw_system *sys, cli_err *e);
/* Index of the field named name of sys, or -1. */
int cli_field_index(const bw_system *sys, const char *name);

/* A command's output files, all or nothing (apps/output.c): each is written to a hidden
 * temporary DIR/.NAME.tmpXXXXXX; cli_files_commit checks every write, fsyncs, then renames all
 * of them into place together (an earlier run's files are restored if a rename fails) and
 * announces each on stderr ("bwflow CMD: wrote DIR/NAME"); cli_files_abort, any failure of
 * commit and SIGINT/SIGTERM/SIGHUP remove the temporaries. A reader never sees half a file or
 * half a set. */
enum { CLI_MAX_OUTFILES = 8 };
typedef struct {
  FILE *f;
  char tmp[4096];
  char final[4096];
} cli_outfile;
typedef struct {
  const char *cmd; /* for the announcement */
  int n;
  cli_outfile f[CLI_MAX_OUTFILES];
} cli_fileset;
void cli_files_init(cli_fileset *s, const char *cmd);
/* A new file DIR/NAME of the set: its stream, or NULL with e set (the set is then aborted). */
FILE *cli_files_add(cli_fileset *s, const char *dir, const char *name, cli_err *e);
/* No write error so far (a long writer checks it to stop early on a full disk). */
bool cli_files_ok(const cli_fileset *s);
bool cli_files_commit(cli_fileset *s, cli_err *e);
void cli_files_abort(cli_fileset *s);
/* Make sure dir exists (created if missing, one level) and is writable. */
bool cli_out_dir(const char *dir, cli_err *e);

/* File-name stem of the problem: the preset (with its dim/seed/particles) or the file's
 * base name. */
void cli_problem_name(const cli_problem_args *a, const bw_system *sys, char *buf, size_t n);
/* The full problem as a JSON object (energy and initial state), for sidecars. */
void cli_write_problem_json(FILE *f, const cli_problem_args *a, const bw_system *sys);
/* Opens a sidecar object: {"program", "version", "command", "data" (no closing). */
void cli_write_sidecar_head(FILE *f, const char *command, const char *csv_name);
/* Number of steps n = round(t/eta), requiring |n eta - t| <= 1e-9 t and n <= 1e9. */
bool cli_step_count(double eta, double t, long *n, cli_err *e);
/* Parse a comma-separated list of positive numbers (--etas). The caller frees *out. */
bool cli_parse_list(const char *opt, const char *text, double **out, int *n, cli_err *e);
/* The trajectory kind named s (bw_traj_kind_name: jko, forward, wgf, jkoflow, forwardflow,
 * jkoflow2, fb). */
bool cli_parse_kind(const char *opt, const char *s, bw_traj_kind *kind, cli_err *e);
/* "jko, forward, ..." (every kind), in buf. */
const char *cli_kind_list(char *buf, size_t n);
/* The line on stderr for a trajectory that failed numerically (collapse, ill-posed,
 * divergence, CVODE): "bwflow CMD: <what> at t = ...: <why>"; returns the exit status
 * (EXIT_COLLAPSE for a collapse or an ill-posed flow, EXIT_FAIL otherwise). */
int cli_report_failure(const char *cmd, const bw_traj *tr, int dim, bw_status st);

/* ---- ridge problems (apps/ridge_input.c, apps/csv_input.c; docs/vi.md) ---- */
/* Is root a ridge problem ("ridges" or "glm")? Is name a ridge preset (vi-quartic, logreg, logreg-d30)? */
bool cli_is_ridge_file(json_t *root);
bool cli_is_ridge_preset(const char *name);
/* A ridge problem file's system (takes the reference to root; relative CSV paths are
 * resolved against path's folder); the _buffer variant parses len bytes. */
bool cli_ridge_from_json(const char *path, json_t *root, bw_system **sys, cli_err *e);
bool cli_read_ridge_buffer(const char *name, const char *buf, size_t len, bw_system **sys, cli_err *e);
bool cli_ridge_preset(const cli_problem_args *a, bw_system **sys, cli_err *e);
/* The data file a problem file's bytes name (a ridge problem's "glm": {"csv": ...}), resolved
 * against the problem file's folder into out: false when there is none (or the bytes are
 * not a JSON object). The sweep hashes it with the problem file. */
bool cli_ridge_data_file(const char *path, const char *buf, size_t len, char *out, size_t n);
/* The ridge problem's members for the sidecar's problem object (starts with ", "). */
void cli_write_ridge_problem(FILE *f, const bw_system *sys);
/* A numeric CSV table: a header of column names, then rows of finite numbers (row-major
 * data; line: each row's line in the file, for messages). */
typedef struct {
  int ncols, nrows;
  char **names;
  double *data;
  int *line;
} cli_csv;
bool cli_read_csv(const char *path, cli_csv *t, cli_err *e);
bool cli_parse_csv(const char *name, const char *buf, size_t len, cli_csv *t, cli_err *e);
void cli_csv_free(cli_csv *t);
int cli_csv_column(const cli_csv *t, const char *name); /* index of the column, or -1 */

/* ---- particle problems (apps/particles_input.c, apps/density_output.c) ---- */
/* The kind of a problem file, told by its keys: *particles true for {"particles", "V", "init",
 * "positions"}; false with a message naming the keys when it mixes both kinds. */
bool cli_problem_kind(const char *path, json_t *root, bool *particles, cli_err *e);
/* A particle problem file's system (takes the reference to root); the _buffer variant
 * parses len bytes. */
bool cli_particles_from_json(const char *path, json_t *root, bw_system **sys, cli_err *e);
bool cli_read_particles_buffer(const char *name, const char *buf, size_t len, bw_system **sys,
                               cli_err *e);
/* quartic, doublewell, gauss1d? Their system (--particles N). */
bool cli_is_particles_preset(const char *name);
bool cli_particles_preset(const cli_problem_args *a, bw_system **sys, cli_err *e);
/* The particle problem's members for the sidecar's problem object (starts with ", "). */
void cli_write_particles_problem(FILE *f, const bw_system *sys);
/* The densities CSV of `bwflow trajectory` (particles): rows t, k, trajectory, i, x_left,
 * x_right, rho = 1/(N (x_right - x_left)) for the cells of each trajectory at the chosen
 * steps. */
typedef struct {
  FILE *f;     /* the CSV (a file of the command's set) */
  long *steps; /* the steps written, increasing */
  int nsteps, next;
} cli_density_csv;
/* Steps: 0, and the times of a --density-times list (NULL: T/4, T/2, 3T/4, T), each rounded
 * to a step of eta; false (a time beyond T) with e set. */
bool cli_density_init(cli_density_csv *d, const double *times, int ntimes, double eta, long n, cli_err *e);
/* The CSV's stream; writes the header. */
void cli_density_header(cli_density_csv *d, FILE *f);
/* Rows of the trajectories tr[0..ntr-1] at step k (nothing unless k is a chosen step). */
bool cli_density_rows(cli_density_csv *d, long k, double t, bw_traj *const *tr, int ntr, cli_err *e);
void cli_density_free(cli_density_csv *d);

/* A progress line on stderr: on a terminal, redrawn at most 10 times a second and cleared
 * before the command's own output; elsewhere only when asked (--progress), a line at most
 * once a second. (apps/progress.c) */
typedef struct {
  bool tty, on, shown;
  double last;
} cli_progress;
void cli_progress_init(cli_progress *p, bool asked);
void cli_progress_show(cli_progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_progress_clear(cli_progress *p);
/* One BLAS thread in this process (OpenBLAS, when it is the BLAS): the commands that run
 * studies in parallel (order's step sizes, sweep's ranks) do so themselves, and a study's
 * numbers then do not depend on how many threads ran it. */
void cli_blas_single_thread(void);

/* The median over 15 batches (5 with quick, or single calls when a call takes over ~2 ms) of
 * the per-call time of fn(ctx) after a warm-up call, in ns of clock clk; with quick, a first
 * call of 50 ms or more is the measurement (apps/bench_particles.c;
 * the parts of bwflow bench for the particle and ridge systems). */
typedef bw_status (*cli_bench_fn)(void *ctx);
bw_status cli_bench_median(cli_bench_fn fn, void *ctx, bool quick, clockid_t clk, double *median);

/* bwflow bench's particle part (apps/bench_particles.c): JKO step per particle for
 * N = 100, 1000, 10^4, 10^5 (Newton iterations per step), JKO-Flow to T = 0.5 for N = 20, 200
 * with the analytic Jacobian [0] and CVODE's difference quotients [1]. */
enum { CLI_BENCH_PT_NSTEP = 4, CLI_BENCH_PT_NFLOW = 2 };
typedef struct {
  int nstep, nflow;
  double step_ns[CLI_BENCH_PT_NSTEP], newton[CLI_BENCH_PT_NSTEP];
  double flow_ms[2][CLI_BENCH_PT_NFLOW], flow_eta[CLI_BENCH_PT_NFLOW];
  long flow_steps[2][CLI_BENCH_PT_NFLOW], flow_rhs[2][CLI_BENCH_PT_NFLOW], flow_jac[2][CLI_BENCH_PT_NFLOW];
} cli_bench_pt;
bw_status cli_bench_particles(bool quick, cli_bench_pt *r, const char **what);
void cli_bench_particles_json(FILE *f, const cli_bench_pt *r); /* members, each after ", " */
void cli_bench_particles_table(FILE *f, const cli_bench_pt *r);

/* bwflow bench's ridge part (apps/bench_ridge.c): Bayesian logistic regression on the
 * logreg-d30 preset (d = 30, n = 569) from its prior: one gradient evaluation, one JKO step
 * (eta = 0.1), 100 forward-backward steps (eta = 0.005), the gradient flow to T = 5 (rtol
 * 1e-12, atol 1e-14), each in ms of the bench's clock. */
typedef struct {
  bool done;
  double grad_ms, jko_ms, fb_ms, wgf_ms;
  int jko_newton;
  long wgf_steps, wgf_rhs, wgf_jtv;
  const char *wgf_solver; /* static */
} cli_bench_rg;
bw_status cli_bench_ridge(bool quick, clockid_t clk, cli_bench_rg *r, const char **what);
void cli_bench_ridge_json(FILE *f, const cli_bench_rg *r); /* members, each after ", " */
void cli_bench_ridge_table(FILE *f, const cli_bench_rg *r);

/* Subcommands. argv[0] is the subcommand name. A command writes its result (and --help) to
 * out, which main copies to stdout when the command returns EXIT_OK or EXIT_COLLAPSE (so a
 * failed command prints nothing there), checking every write (apps/main.c); messages go to
 * stderr. Return the exit status. */
int cmd_distance(int argc, char **argv, FILE *out);
int cmd_evolve(int argc, char **argv, FILE *out);
int cmd_order(int argc, char **argv, FILE *out);
int cmd_trajectory(int argc, char **argv, FILE *out);
int cmd_bench(int argc, char **argv, FILE *out);
int cmd_sweep(int argc, char **argv, FILE *out);

#endif
