#pragma once

#if !defined(CW_HEALTH_INSIDE) && !defined(CW_HEALTH_COMPILATION)
#error "Only <cw-health.h> can be included directly."
#endif

#include "cw-core.h"

G_BEGIN_DECLS

/* One sample of the process, from /proc/self and the DB's file system. */
typedef struct {
	double cpu_user_s;
	double cpu_system_s;
	guint64 rss_bytes;
	guint64 open_fds;
	guint64 max_fds;
	guint64 threads;
	double start_time_s; /* since the epoch */
	guint64 db_bytes;
	guint64 wal_bytes;
	guint64 disk_free_bytes;
	double rss_growth_per_hour; /* bytes, 0 until 10 min of samples */
} CwProcessSample;

/* Thresholds; 0 turns one off. */
typedef struct {
	guint64 rss_max_bytes;
	double rss_growth_max_per_hour;
	guint64 fds_max;
	guint64 disk_free_min_bytes;
} CwProcessLimits;

typedef enum {
	CW_PROCESS_CHECK_RSS,
	CW_PROCESS_CHECK_RSS_GROWTH,
	CW_PROCESS_CHECK_FDS,
	CW_PROCESS_CHECK_DISK_FREE,
	CW_PROCESS_CHECK_LAST,
} CwProcessCheck;

const char *cw_process_check_to_string(CwProcessCheck check);

/* Reads /proc/self/stat, /proc/self/status and /proc/self/fd; db_path
 * (nullable) adds the DB and WAL size and free disk space. The growth
 * baseline lives in *baseline_t/_rss (monotonic s, bytes; 0 at first). */
gboolean cw_process_sample_read(CwProcessSample *out, const char *db_path, double *baseline_t,
				guint64 *baseline_rss, GError **error);
/* TRUE when the sample is over the check's limit; value and limit for the
 * message. */
gboolean cw_process_sample_exceeds(const CwProcessSample *s, const CwProcessLimits *limits,
				   CwProcessCheck check, double *value, double *limit);

G_END_DECLS
