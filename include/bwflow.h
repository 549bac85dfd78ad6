/* bwflow: exact Wasserstein gradient flows, JKO steps and JKO-Flow on Gaussian measures.
 * Umbrella header. SPDX-License-Identifier: BSD-3-Clause */
#ifndef BWFLOW_H
#define BWFLOW_H
#include "bwflow/common.h"
#include "bwflow/version.h"
#include "bwflow/workspace.h"
#include "bwflow/gaussian.h"
#include "bwflow/spd.h"
#include "bwflow/geometry.h"
#include "bwflow/problem.h"
#include "bwflow/dynamics.h"
#include "bwflow/jkoflow.h"
#include "bwflow/order.h"
#endif
