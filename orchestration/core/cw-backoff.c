#include "cw-core.h"

#include <math.h>

double
cw_backoff_delay(double initial_s, double max_s, double factor, guint attempt)
{
	double d;

	if (!(initial_s > 0))
		return 0;
	if (!(factor >= 1))
		factor = 1;
	d = initial_s * pow(factor, (double) MIN(attempt, 1000u));
	if (!isfinite(d) || d > max_s)
		d = max_s;
	return MAX(d, 0);
}
