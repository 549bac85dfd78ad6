/* bwflow: exact Wasserstein gradient flows, JKO steps and JKO-Flow on Gaussian measures.
 * Umbrella header. SPDX-License-Identifier: BSD-3-Clause */
/** @file bwflow.h
 * @brief Umbrella header: includes every public header of libbwflow. Programs include
 * this one (`#include <bwflow.h>`) and build with `pkg-config --cflags --libs bwflow`. */
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
#include "bwflow/system.h"
#include "bwflow/particles.h"
#include "bwflow/ridge.h"
#include "bwflow/order.h"
#endif
