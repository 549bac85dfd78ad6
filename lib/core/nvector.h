/* SUNDIALS serial N_Vector operations compiled with the library (lib/core/nvector.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef BW_NVECTOR_H
#define BW_NVECTOR_H
#include <sundials/sundials_nvector.h>

/* Replace the arithmetic operations of the serial vector v (and of every vector later
 * cloned from it) by the library's own loops. v must come from N_VNew_Serial. */
void bw__nvector_install(N_Vector v);

/* sum x_i y_i in four interleaved partial sums (vectorised; x may be y). */
double bw__dot(long n, const double *x, const double *y);

#endif
