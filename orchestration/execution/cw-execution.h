/* candlewick execution: the per-strategy trading orchestrator, exit state
 * machine, action queue, guard pipeline, paper broker and accounting. */
#pragma once

#define CW_EXECUTION_INSIDE
#include "cw-execution-error.h"
#include "cw-account.h"
#include "cw-exit-machine.h"
#include "cw-action-queue.h"
#include "cw-guard-pipeline.h"
#include "cw-paper-broker.h"
#include "cw-trading-orchestrator.h"
#undef CW_EXECUTION_INSIDE
