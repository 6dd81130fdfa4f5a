#pragma once

#if !defined(CW_STREAMING_INSIDE) && !defined(CW_STREAMING_COMPILATION)
#error "Only <cw-streaming.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

/* CwSynthSource: the "synth" candle source (CwCandleSource), a deterministic
 * synthetic market. The same properties give the same candles on every run
 * (own xoshiro256** generator seeded through splitmix64; no g_random, no
 * clock).
 *
 * Properties (set before open(); open() restarts the sequence):
 *   "symbol"      string  default "SYNTH"
 *   "interval"    int64   candle length in ms, default 300000 (5m)
 *   "days"        double  length of the series, default 60
 *   "start-price" double  default 30000
 *   "seed"        uint64  default 42
 *   "start-time"  int64   open time of the first candle in ms, default
 *                         1704067200000 (2024-01-01T00:00Z)
 *   "volatility"  double  base annual volatility, default 0.6
 *
 * Model, per candle of length dt (in years):
 *   - log price; each candle is 12 Gaussian sub-steps (high and low are the
 *     extremes of that path plus a small wick); open = previous close except
 *     after a jump at the open or a gap.
 *   - GARCH(1,1) variance h of the candle return, around the target
 *     volatility^2 * dt * regime factor * intraday factor. Persistence
 *     alpha + beta = 0.98^(interval / 1h) (a shock's half life is ~34 hours
 *     of candles for any interval), alpha = 0.08 * clamp(sqrt(interval / 1h),
 *     0.5, 1); omega = target * (1 - alpha - beta). Shocks (jumps included,
 *     capped at 4 sd) feed back into h.
 *   - A slow volatility factor on top: exp(s) with s an Ornstein-Uhlenbeck
 *     process (sd 0.4, mean reversion time 8 hours), normalised to mean 1 in
 *     variance. With GARCH it gives 5m |returns| a lag-1 autocorrelation near
 *     0.3, as in real BTC data.
 *   - Regimes (a Markov chain): trend up (drift +150%/year, vol x1.0, mean
 *     length 4 days), trend down (-150%/year, vol x1.2, 3 days), range (no
 *     drift, pull towards the level where the range began at 40%/day, vol
 *     x0.7, 5 days). On leaving a regime the next is one of the other two,
 *     equally likely. A weak pull (0.5/year) keeps the log price near the
 *     start price over long runs.
 *   - Jumps: Poisson, one per 10 days on average, size 2-6% with a random
 *     sign (60% in the direction of a trend), at a random
 *     sub-step (sub-step 0 gaps the open).
 *   - Gaps: a candle starts an outage with probability 1/2000; the outage
 *     drops 1-6 candles while the price keeps moving.
 *   - Volume: base 500 * (interval / 5m) units, times an intraday profile
 *     over the UTC hour (low around 03:00-05:00, peak around 14:00-16:00,
 *     smaller bumps at 00:00 and 08:00), times 0.75 on Saturday and Sunday,
 *     times (1 + 3 |return| / expected sd), times sqrt(h / target), times
 *     lognormal noise (sd 0.35). The intraday profile also scales the
 *     volatility by its square root.
 *   - Prices round to a tick of 10^(floor(log10(start-price)) - 5) (0.1 for
 *     30000); volumes to 0.001. Rounding never breaks low <= open, close <=
 *     high, and prices stay >= one tick.
 */
#define CW_TYPE_SYNTH_SOURCE (cw_synth_source_get_type())
G_DECLARE_FINAL_TYPE(CwSynthSource, cw_synth_source, CW, SYNTH_SOURCE, GObject)

CwSynthSource *cw_synth_source_new(guint64 seed);

G_END_DECLS
