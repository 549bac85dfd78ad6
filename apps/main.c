/* bwflow: command-line front end. SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const struct {
  const char *name;
  int (*run)(int, char **);
  const char *summary;
} commands[] = {
    {"distance", cmd_distance, "W2 distance between two Gaussian files"},
    {"evolve", cmd_evolve, "evolve a problem's Gaussian to time T (JKO, forward Euler, exact flow, JKO-Flow)"},
    {"order", cmd_order, "convergence-order study: JKO vs the exact flow and vs JKO-Flow"},
    {"trajectory", cmd_trajectory, "CSV over time of the JKO iterates, the exact flow and JKO-Flow"},
    {"bench", cmd_bench, "timings of the JKO step, distance, exact flow and JKO-Flow against dsyevd"},
    {"sweep", cmd_sweep, "order studies of many problems x step sizes, serially or over MPI, resumable"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void print_help(FILE *f) {
  fprintf(f,
          "usage: bwflow COMMAND [ARGS...]\n"
          "\n"
          "Exact Wasserstein gradient flows, JKO steps and JKO-Flow on Gaussian measures.\n"
          "\n"
          "commands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++) fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf(f,
          "\n"
          "'bwflow COMMAND --help' describes a command; 'bwflow --version' prints the version.\n"
          "Exit status: 0 success, 1 numerical failure, 2 bad input or usage, 3 JKO-Flow\n"
          "collapse. See also man bwflow.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    print_help(stderr);
    return EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    print_help(stdout);
    return EXIT_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("bwflow %s\n", bw_version());
    return EXIT_OK;
  }
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "bwflow: unknown command '%s' (see bwflow --help)\n", argv[1]);
  return EXIT_USAGE;
}
