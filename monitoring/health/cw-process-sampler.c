#include "cw-health.h"

#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cw-health-error.h"

const char *
cw_process_check_to_string(CwProcessCheck check)
{
	static const char *const names[] = {"rss", "rss_growth", "fds", "disk_free"};

	return (guint) check < G_N_ELEMENTS(names) ? names[check] : "unknown";
}

/* Fields 14, 15 (utime, stime), 20 (threads), 22 (starttime) of stat;
 * the command name may hold spaces, so count from its closing paren. */
static gboolean
cw_process_sample_read_stat(CwProcessSample *out, GError **error)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) f = NULL;
	g_autoptr(GError) local = NULL;
	const char *p;
	double tick = (double) sysconf(_SC_CLK_TCK);
	double btime = 0;

	if (!g_file_get_contents("/proc/self/stat", &text, NULL, &local)) {
		g_set_error(error, CW_HEALTH_ERROR, CW_HEALTH_ERROR_IO, "/proc/self/stat: %s",
			    local->message);
		return FALSE;
	}
	p = strrchr(text, ')');
	f = g_strsplit(p != NULL ? p + 2 : "", " ", -1);
	if (g_strv_length(f) < 20 || tick <= 0) {
		g_set_error(error, CW_HEALTH_ERROR, CW_HEALTH_ERROR_IO,
			    "/proc/self/stat: unexpected format");
		return FALSE;
	}
	/* f[0] is field 3 */
	out->cpu_user_s = g_ascii_strtod(f[11], NULL) / tick;
	out->cpu_system_s = g_ascii_strtod(f[12], NULL) / tick;
	out->threads = g_ascii_strtoull(f[17], NULL, 10);
	{
		g_autofree char *stat = NULL;
		if (g_file_get_contents("/proc/stat", &stat, NULL, NULL)) {
			const char *b = strstr(stat, "\nbtime ");
			if (b != NULL)
				btime = g_ascii_strtod(b + 7, NULL);
		}
	}
	out->start_time_s = btime + g_ascii_strtod(f[19], NULL) / tick;
	return TRUE;
}

static void
cw_process_sample_read_rss(CwProcessSample *out)
{
	g_autofree char *text = NULL;
	const char *p;

	if (!g_file_get_contents("/proc/self/status", &text, NULL, NULL))
		return;
	p = strstr(text, "\nVmRSS:");
	if (p != NULL)
		out->rss_bytes = g_ascii_strtoull(p + 7, NULL, 10) * 1024;
}

static void
cw_process_sample_read_fds(CwProcessSample *out)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
	struct rlimit rl;

	while (dir != NULL && g_dir_read_name(dir) != NULL)
		out->open_fds++;
	/* the GDir's own fd */
	if (out->open_fds > 0)
		out->open_fds--;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		out->max_fds = rl.rlim_cur == RLIM_INFINITY ? G_MAXUINT32 : rl.rlim_cur;
}

static void
cw_process_sample_read_db(CwProcessSample *out, const char *db_path)
{
	g_autofree char *wal = g_strconcat(db_path, "-wal", NULL);
	g_autofree char *dir = g_path_get_dirname(db_path);
	struct stat st;
	struct statvfs vfs;

	if (stat(db_path, &st) == 0)
		out->db_bytes = (guint64) st.st_size;
	if (stat(wal, &st) == 0)
		out->wal_bytes = (guint64) st.st_size;
	if (statvfs(dir, &vfs) == 0)
		out->disk_free_bytes = (guint64) vfs.f_bavail * vfs.f_frsize;
}

gboolean
cw_process_sample_read(CwProcessSample *out, const char *db_path, double *baseline_t,
		       guint64 *baseline_rss, GError **error)
{
	double now = (double) g_get_monotonic_time() / G_USEC_PER_SEC;

	*out = (CwProcessSample){0};
	if (!cw_process_sample_read_stat(out, error))
		return FALSE;
	cw_process_sample_read_rss(out);
	cw_process_sample_read_fds(out);
	if (db_path != NULL)
		cw_process_sample_read_db(out, db_path);
	if (*baseline_t <= 0 || now - *baseline_t > 3600) {
		*baseline_t = now;
		*baseline_rss = out->rss_bytes;
	} else if (now - *baseline_t >= 600) {
		out->rss_growth_per_hour =
		    ((double) out->rss_bytes - (double) *baseline_rss) / (now - *baseline_t) * 3600;
	}
	return TRUE;
}

gboolean
cw_process_sample_exceeds(const CwProcessSample *s, const CwProcessLimits *limits,
			  CwProcessCheck check, double *value, double *limit)
{
	switch (check) {
	case CW_PROCESS_CHECK_RSS:
		*value = (double) s->rss_bytes;
		*limit = (double) limits->rss_max_bytes;
		return limits->rss_max_bytes > 0 && s->rss_bytes > limits->rss_max_bytes;
	case CW_PROCESS_CHECK_RSS_GROWTH:
		*value = s->rss_growth_per_hour;
		*limit = limits->rss_growth_max_per_hour;
		return *limit > 0 && *value > *limit;
	case CW_PROCESS_CHECK_FDS:
		*value = (double) s->open_fds;
		*limit = (double) limits->fds_max;
		return limits->fds_max > 0 && s->open_fds > limits->fds_max;
	case CW_PROCESS_CHECK_DISK_FREE:
		*value = (double) s->disk_free_bytes;
		*limit = (double) limits->disk_free_min_bytes;
		return limits->disk_free_min_bytes > 0 &&
		       s->disk_free_bytes < limits->disk_free_min_bytes;
	default:
		*value = *limit = 0;
		return FALSE;
	}
}
