/* bwflow: command-line front end. SPDX-License-Identifier: BSD-3-Clause
 *
 * Standard output, for every command in one place: a command writes its result to a memory
 * stream, and main copies it to stdout once the command is done, only when it succeeded
 * (exit 0, or 3 for a study whose table is complete): a failed command prints nothing on
 * stdout, never half a JSON object. Then stdout is flushed and closed, and any failure (a
 * full disk, /dev/full, a closed stdout) is one line on stderr and exit 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const struct {
  const char *name;
  int (*run)(int, char **, FILE *);
  const char *summary;
} commands[] = {
    {"distance", cmd_distance, "W2 distance between two Gaussian files"},
    {"evolve", cmd_evolve, "evolve a problem's initial state to time T with one method (JKO, forward Euler, gradient flow, modified flows)"},
    {"order", cmd_order, "convergence-order study: JKO and forward Euler against the gradient flow and the modified flows"},
    {"trajectory", cmd_trajectory, "CSV files over time of the JKO iterates, the gradient flow and JKO-Flow"},
    {"bench", cmd_bench, "timings of the library's hot paths against LAPACK"},
    {"sweep", cmd_sweep, "order studies of many problems x step sizes, serially or over MPI, resumable"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void print_help(FILE *f) {
  fprintf(f,
          "usage: bwflow COMMAND [ARGS...]\n"
          "\n"
          "Wasserstein gradient flows, their JKO discretisation and its modified flows\n"
          "(JKO-Flow), computed exactly where closed forms exist, with convergence-order\n"
          "studies, for three systems: Gaussian measures (quadratic potential, entropy,\n"
          "interaction), particle systems in one dimension (docs/particles.md), and Gaussian\n"
          "variational inference for potentials with ridge functions, e.g. Bayesian logistic\n"
          "regression (the flows restricted to Gaussians; docs/vi.md).\n"
          "\n"
          "commands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++) fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf(f,
          "\n"
          "'bwflow COMMAND --help' describes a command; 'bwflow --version' prints the version.\n"
          "Exit status: 0 success, 1 numerical or I/O failure, 2 bad input or usage, 3 a modified\n"
          "flow collapses or turns ill-posed. See also man bwflow.\n");
}

static int run(int argc, char **argv, FILE *out) {
  if (argc < 2) {
    print_help(stderr);
    return EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    print_help(out);
    return EXIT_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    fprintf(out, "bwflow %s\n", bw_version());
    return EXIT_OK;
  }
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1, out);
  fprintf(stderr, "bwflow: unknown command '%s' (see bwflow --help)\n", argv[1]);
  return EXIT_USAGE;
}

/* A closed standard descriptor (bwflow >&-) gets /dev/null in its place, opened read-only
 * for stdout and stderr, so that writing to it still fails (EBADF) and no output file the
 * command opens later takes its number and receives the standard output. */
static void guard_std_fds(void) {
  for (int fd = 0; fd <= 2; fd++)
    if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      int g = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (g >= 0 && g != fd) close(g); /* a lower descriptor was free: leave it */
    }
}

int main(int argc, char **argv) {
  guard_std_fds();
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  if (!out) {
    fprintf(stderr, "bwflow: cannot buffer the output: %s\n", strerror(errno));
    return EXIT_FAIL;
  }
  int rc = run(argc, argv, out);
  const bool buffered = fclose(out) == 0;
  if (!buffered && (rc == EXIT_OK || rc == EXIT_COLLAPSE)) {
    fprintf(stderr, "bwflow: cannot buffer the output: %s\n", strerror(errno));
    rc = EXIT_FAIL;
  }
  errno = 0;
  bool ok = true;
  if (buffered && len && (rc == EXIT_OK || rc == EXIT_COLLAPSE)) ok = fwrite(buf, 1, len, stdout) == len;
  free(buf);
  ok = fflush(stdout) == 0 && ok && !ferror(stdout);
  const int err = errno;
  if (fclose(stdout) != 0 && ok) ok = false;
  if (!ok) {
    fprintf(stderr, "bwflow: cannot write to standard output: %s\n", strerror(err ? err : errno ? errno : EIO));
    return EXIT_FAIL;
  }
  return rc;
}
