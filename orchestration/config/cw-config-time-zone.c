/* "timezone" values: checked before GLib sees them.
 *
 * g_time_zone_new_identifier() treats an identifier as a file name: an
 * absolute path is opened as it is, a relative one below the zone directory
 * (so ".." climbs out of it), and a FIFO blocks the open forever. What no
 * file matches is parsed as a POSIX TZ string, whose sign is inverted
 * ("UTC+5" is five hours west of UTC). So only three forms pass: "UTC" (or
 * "Z"), a fixed offset "+HH:MM", and an IANA name that is a regular file of
 * the zone database, found with stat(), which never opens it. */
#include "cw-config.h"

#include <glib/gstdio.h>
#include <string.h>

#define CW_CONFIG_TIME_ZONE_MAX_NAME 128

#define CW_CONFIG_TIME_ZONE_EXPECTED                                                               \
	"expected an IANA name such as Europe/Berlin, UTC, or a fixed offset such as +05:00"

/* The directory GLib reads zone files from: $TZDIR, else the system's. */
static const char *
cw_config_time_zone_dir(void)
{
	const char *dir = g_getenv("TZDIR");

	if (dir != NULL && dir[0] != '\0')
		return dir;
	if (!g_file_test("/usr/share/zoneinfo", G_FILE_TEST_IS_DIR) &&
	    g_file_test("/usr/share/lib/zoneinfo", G_FILE_TEST_IS_DIR))
		return "/usr/share/lib/zoneinfo";
	return "/usr/share/zoneinfo";
}

/* "+HH:MM" or "-HH:MM", hours 00..23, minutes 00..59. */
static gboolean
cw_config_time_zone_is_offset(const char *name)
{
	if (strlen(name) != 6 || (name[0] != '+' && name[0] != '-') || name[3] != ':')
		return FALSE;
	for (guint i = 1; i < 6; i++) {
		if (i != 3 && !g_ascii_isdigit(name[i]))
			return FALSE;
	}
	return (name[1] - '0') * 10 + (name[2] - '0') <= 23 && name[4] <= '5';
}

/* Letters then a digit or a sign: "UTC+5", "GMT-3", "EST5EDT", "CET-1CEST". */
static gboolean
cw_config_time_zone_is_posix(const char *name)
{
	guint letters = 0;

	if (name[0] == '<' || strchr(name, ',') != NULL)
		return TRUE;
	while (g_ascii_isalpha(name[letters]))
		letters++;
	return letters >= 3 &&
	       (name[letters] == '+' || name[letters] == '-' || g_ascii_isdigit(name[letters]));
}

/* NULL when every component is [A-Za-z0-9_+-]+ and none starts with '.'
 * or '-'; else what is wrong. */
static const char *
cw_config_time_zone_check_chars(const char *name)
{
	gboolean start = TRUE;

	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '/') {
			if (start)
				return "has an empty component";
			start = TRUE;
			continue;
		}
		if (start && *p == '.')
			return p[1] == '.' ? "has a '..' component"
					   : "has a component "
					     "starting with '.'";
		if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-' && *p != '+')
			return "holds a character that no zone name has";
		start = FALSE;
	}
	return start ? "has an empty component" : NULL;
}

static const char *
cw_config_time_zone_file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

static gboolean
cw_config_time_zone_posix_error(const char *name, const char *path, const char *key, GError **error)
{
	return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, key,
				  "'%s' is a POSIX TZ string, whose sign is inverted (UTC+5 means "
				  "five hours west of UTC); write the offset as \"+05:00\" (or "
				  "\"-05:00\"), or use an IANA name such as Europe/Berlin",
				  name);
}

/* The zone file's stat(): it must exist and be a regular file. */
static gboolean
cw_config_time_zone_check_file(const char *name, const char *path, const char *key, GError **error)
{
	g_autofree char *file = g_build_filename(cw_config_time_zone_dir(), name, NULL);
	GStatBuf st;

	if (g_stat(file, &st) != 0) {
		if (cw_config_time_zone_is_posix(name))
			return cw_config_time_zone_posix_error(name, path, key, error);
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, key,
					  "unknown time zone '%s' (%s)", name,
					  CW_CONFIG_TIME_ZONE_EXPECTED);
	}
	if (!S_ISREG(st.st_mode))
		return cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, key,
					  "time zone '%s': %s in the zone database is %s, not a "
					  "zone file",
					  name, file, cw_config_time_zone_file_kind(st.st_mode));
	return TRUE;
}

/**
 * cw_config_time_zone_new:
 * @name: the configured value
 * @path: JSON path of the object that holds it ("guardrails.daily_loss")
 * @key: (nullable): its key there ("timezone")
 * @error: return location for a #CW_CONFIG_ERROR_INVALID error at path.key
 *
 * Accepts "UTC", "Z", a fixed offset "+HH:MM"/"-HH:MM", or an IANA name
 * ("Europe/Berlin", "Etc/GMT+5") that is a regular file below the zone
 * directory ($TZDIR or /usr/share/zoneinfo). Refuses, before GLib reads
 * anything: paths ("/etc/localtime"), ".." components, entries that are
 * not regular files (a FIFO is never opened), and POSIX TZ strings
 * ("UTC+5"), whose inverted sign the error explains.
 *
 * Returns: (transfer full) (nullable): the zone
 */
GTimeZone *
cw_config_time_zone_new(const char *name, const char *path, const char *key, GError **error)
{
	const char *bad;
	GTimeZone *tz;

	if (name == NULL || name[0] == '\0') {
		cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, key,
				   "empty time zone (%s)", CW_CONFIG_TIME_ZONE_EXPECTED);
		return NULL;
	}
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Z") == 0)
		return g_time_zone_new_utc();
	if (name[0] == '+' || name[0] == '-') {
		if (!cw_config_time_zone_is_offset(name)) {
			cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, key,
					   "time zone '%s': a fixed offset is written \"+HH:MM\" "
					   "or \"-HH:MM\" with hours 00..23 (such as +05:00)",
					   name);
			return NULL;
		}
		return g_time_zone_new_identifier(name);
	}
	if (name[0] == '/' || name[0] == ':') {
		cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, key,
				   "time zone '%s' is a file path, not a zone name (%s)", name,
				   CW_CONFIG_TIME_ZONE_EXPECTED);
		return NULL;
	}
	bad = strlen(name) > CW_CONFIG_TIME_ZONE_MAX_NAME ? "is too long"
							  : cw_config_time_zone_check_chars(name);
	if (bad != NULL && cw_config_time_zone_is_posix(name)) {
		cw_config_time_zone_posix_error(name, path, key, error);
		return NULL;
	}
	if (bad != NULL) {
		g_autofree char *shown = g_strescape(name, NULL);

		if (strlen(shown) > CW_CONFIG_TIME_ZONE_MAX_NAME)
			shown[CW_CONFIG_TIME_ZONE_MAX_NAME] = '\0';
		cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, key,
				   "time zone '%s' %s (%s)", shown, bad,
				   CW_CONFIG_TIME_ZONE_EXPECTED);
		return NULL;
	}
	if (!cw_config_time_zone_check_file(name, path, key, error))
		return NULL;
	tz = g_time_zone_new_identifier(name);
	if (tz == NULL)
		cw_config_error_at(error, CW_CONFIG_ERROR_INVALID, path, key,
				   "time zone '%s': the zone file cannot be read", name);
	return tz;
}
