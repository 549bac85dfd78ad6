/* bwflow distance G0.json G1.json [--json]. SPDX-License-Identifier: BSD-3-Clause */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char usage[] =
    "usage: bwflow distance G0.json G1.json [--json]\n"
    "\n"
    "Print the 2-Wasserstein distance W2 between two Gaussians.\n"
    "A Gaussian file is JSON: {\"mean\": [d numbers], \"cov\": [[d numbers], ... d rows]}.\n"
    "\n"
    "  --json   print {\"w2\": ..., \"w2_squared\": ...} (shortest round-trip form)\n"
    "  -h, --help  this help\n"
    "\n"
    "exit status: 0 success, 1 numerical failure, 2 bad input (one line on stderr names the\n"
    "file and the problem: missing file, malformed JSON, wrong sizes, not symmetric, not\n"
    "positive definite, NaN or Inf)\n";

int cmd_distance(int argc, char **argv, FILE *out) {
  static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  bool json = false;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
    case 'j': json = true; break;
    case 'h': fputs(usage, out); return EXIT_OK;
    default: cli_bad_option("distance", c, argv); return EXIT_USAGE;
    }
  }
  if (argc - optind != 2) {
    fprintf(stderr, "bwflow distance: expected two Gaussian files, got %d (see bwflow distance --help)\n",
            argc - optind);
    return EXIT_USAGE;
  }
  cli_err e;
  bw_gaussian *g0 = cli_read_gaussian(argv[optind], &e);
  bw_gaussian *g1 = g0 ? cli_read_gaussian(argv[optind + 1], &e) : NULL;
  int rc = EXIT_OK;
  if (!g0 || !g1) {
    fprintf(stderr, "bwflow distance: %s\n", e.msg);
    rc = EXIT_USAGE;
  } else if (g0->d != g1->d) {
    fprintf(stderr, "bwflow distance: %s has dimension %d but %s has dimension %d\n", argv[optind],
            g0->d, argv[optind + 1], g1->d);
    rc = EXIT_USAGE;
  } else {
    double w2sq;
    bw_status st = bw_w2sq(NULL, g0, g1, &w2sq);
    if (st) {
      fprintf(stderr, "bwflow distance: %s\n", bw_strerror(st));
      rc = EXIT_FAIL;
    } else if (json) {
      fputs("{\"w2\": ", out);
      cli_print_double(out, sqrt(w2sq));
      fputs(", \"w2_squared\": ", out);
      cli_print_double(out, w2sq);
      fputs("}\n", out);
    } else {
      fprintf(out, "%s\n", CLI_NUM(sqrt(w2sq)));
    }
  }
  bw_gaussian_free(g0);
  bw_gaussian_free(g1);
  return rc;
}
