/* bwflow: common definitions (export macro, status codes).
 * SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow/common.h
 * @brief Status codes, their names and messages, the export macro and the symmetry
 * tolerance shared by every other header.
 *
 * Error model: every library function that can fail returns a ::bw_status. ::BW_OK means
 * success; any other status means the function failed and has left all of its outputs
 * untouched (a caller may retry with other arguments). The library never prints, exits or
 * aborts. Functions that allocate an object and return a pointer (bw_workspace_alloc(),
 * bw_gaussian_alloc(), bw_problem_alloc()) return NULL instead. */
#ifndef BWFLOW_COMMON_H
#define BWFLOW_COMMON_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @def BW_API
 * Marks a public function: default symbol visibility while the library itself is compiled
 * (BWFLOW_COMPILATION defined, GCC or Clang; the rest of the library is built with hidden
 * visibility), empty for users of the headers. */
#if defined(BWFLOW_COMPILATION) && defined(__GNUC__)
#define BW_API __attribute__((visibility("default")))
#else
#define BW_API
#endif

/** Status codes: every library function that can fail returns one of these.
 *  On any status other than BW_OK the function has left its outputs untouched.
 *  bw_status_name() gives the identifier as a string, bw_strerror() a message. */
typedef enum bw_status {
  BW_OK = 0,               /**< success */
  BW_ERR_NULL,             /**< a required pointer argument is NULL */
  BW_ERR_DIM,              /**< dimension d < 1, or a leading dimension < d */
  BW_ERR_DIM_MISMATCH,     /**< arguments have different dimensions, or exceed the workspace */
  BW_ERR_NONFINITE,        /**< an input entry is NaN or infinite */
  BW_ERR_NOT_SYMMETRIC,    /**< a matrix that must be symmetric is not (beyond BW_SYM_RTOL) */
  BW_ERR_NOT_SPD,          /**< a matrix that must be positive definite is not */
  BW_ERR_BAD_ETA,          /**< the step eta is not a positive finite number */
  BW_ERR_BAD_TAU,          /**< the temperature tau is negative or not finite */
  BW_ERR_BAD_ARG,          /**< another argument is out of its domain (time < 0, ...) */
  BW_ERR_ETA_TOO_LARGE,    /**< I + eta P is not positive definite (non-convex energy) */
  BW_ERR_LOST_SPD,         /**< the result would not be positive definite (e.g. explicit step too large) */
  BW_ERR_OVERFLOW,         /**< the result overflowed (not finite) */
  BW_ERR_NOMEM,            /**< memory allocation failed */
  BW_ERR_LAPACK,           /**< a LAPACK routine failed (eigensolver did not converge) */
  BW_ERR_COLLAPSE,         /**< JKO-Flow: a variance reaches zero in finite time */
  BW_ERR_CVODE_TOO_MUCH_WORK, /**< CVODE: CV_TOO_MUCH_WORK */
  BW_ERR_CVODE_TOO_MUCH_ACC,  /**< CVODE: CV_TOO_MUCH_ACC */
  BW_ERR_CVODE_ERR_FAILURE,   /**< CVODE: CV_ERR_FAILURE (error test failed repeatedly) */
  BW_ERR_CVODE_CONV_FAILURE,  /**< CVODE: CV_CONV_FAILURE (nonlinear solver failed repeatedly) */
  BW_ERR_CVODE,            /**< CVODE: another failure */
  BW_ERR_ILL_POSED,        /**< a modified flow turns ill-posed: eta lambda_max(H) reaches 2 (particles) */
  BW_ERR_NOT_ORDERED,      /**< particle positions are not strictly increasing (input), or two particles meet */
  BW_ERR_NO_CONVERGENCE,   /**< an iterative solve (Newton) did not converge to its criterion */
  BW_ERR_PRECISION,        /**< the positions cannot be resolved in double precision: particles
                                closer together than rounding allows at this tau and eta (a
                                Newton matrix singular to working precision although the
                                energy is convex; a flow whose gaps are at rounding level) */
  BW_ERR_NOT_PROVIDED,     /**< the system does not provide this trajectory kind (an order-study error
                                is then not available: "n/a") */
  BW_STATUS_COUNT          /**< number of status codes (not a status) */
} bw_status;

/** One-sentence English description of a status, e.g. "a matrix that must be positive
 * definite is not" for BW_ERR_NOT_SPD.
 * @param s any value; values outside [0, BW_STATUS_COUNT) give "unknown status"
 * @return a static string, never NULL (do not free it)
 * @par Allocation and thread safety
 * No allocation; safe to call from any thread. */
BW_API const char *bw_strerror(bw_status s);
/** The status' name as a C identifier, e.g. "BW_ERR_NOT_SPD".
 * @param s any value; values outside [0, BW_STATUS_COUNT) give "BW_UNKNOWN_STATUS"
 * @return a static string, never NULL (do not free it)
 * @par Allocation and thread safety
 * No allocation; safe to call from any thread. */
BW_API const char *bw_status_name(bw_status s);

/** Default relative tolerance for symmetry: |a_ij - a_ji| <= BW_SYM_RTOL * max_kl |a_kl|. */
#define BW_SYM_RTOL 1e-10

#ifdef __cplusplus
}
#endif
#endif
