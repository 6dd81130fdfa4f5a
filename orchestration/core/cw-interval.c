/* Candle intervals as text: "5m" <-> 300000 ms (declared in cw-domain.h). */
#include "cw-core.h"

gint64
cw_interval_parse(const char *text)
{
	gint64 unit;
	guint64 n;
	char *end = NULL;

	if (text == NULL || !g_ascii_isdigit(text[0]))
		return 0;
	n = g_ascii_strtoull(text, &end, 10);
	if (end == NULL || end[0] == '\0' || end[1] != '\0' || n == 0 || n > 100000)
		return 0;
	switch (end[0]) {
	case 's':
		unit = 1000;
		break;
	case 'm':
		unit = 60 * 1000;
		break;
	case 'h':
		unit = 3600 * 1000;
		break;
	case 'd':
		unit = 86400 * 1000;
		break;
	case 'w':
		unit = 7 * 86400 * (gint64) 1000;
		break;
	default:
		return 0;
	}
	return (gint64) n * unit;
}

void
cw_interval_format(gint64 interval_ms, char *buf, gsize buf_len)
{
	static const struct {
		gint64 ms;
		char suffix;
	} units[] = {
	    {7 * 86400 * (gint64) 1000, 'w'},
	    {86400 * 1000, 'd'},
	    {3600 * 1000, 'h'},
	    {60 * 1000, 'm'},
	    {1000, 's'},
	};
	for (gsize i = 0; i < G_N_ELEMENTS(units); i++) {
		if (interval_ms >= units[i].ms && interval_ms % units[i].ms == 0) {
			g_snprintf(buf, buf_len, "%" G_GINT64_FORMAT "%c",
				   interval_ms / units[i].ms, units[i].suffix);
			return;
		}
	}
	g_snprintf(buf, buf_len, "%" G_GINT64_FORMAT "ms", interval_ms);
}
