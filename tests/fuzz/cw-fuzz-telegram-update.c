/* libFuzzer target: the Telegram Bot API answer parsers (getUpdates and
 * the {ok, result} / {ok:false, error_code, parameters} envelope). Any
 * input must parse or be refused with CW_NOTIFICATIONS_ERROR, without a
 * crash, a leak or an update that breaks what the parser promises. */

#include "cw-notifications.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) updates = NULL;
	CwTelegramResponse r;
	gint64 max_id = -1;

	updates = cw_telegram_updates_parse((const char *) data, (gssize) size, &max_id, &error);
	if (updates == NULL) {
		if (error == NULL || error->domain != CW_NOTIFICATIONS_ERROR)
			abort();
	} else {
		for (guint i = 0; i < updates->len; i++) {
			CwTelegramUpdate *u = g_ptr_array_index(updates, i);
			if (u->update_id < 0 || u->update_id > max_id)
				abort();
			if (u->text != NULL && !g_utf8_validate(u->text, -1, NULL))
				abort();
		}
	}
	g_clear_error(&error);
	if (cw_telegram_response_parse((const char *) data, (gssize) size, &r, &error)) {
		if (r.retry_after_s < 0 || r.retry_after_s > 86400 || r.error_code < 0)
			abort();
	} else if (error == NULL || error->domain != CW_NOTIFICATIONS_ERROR) {
		abort();
	}
	cw_telegram_response_clear(&r);
	return 0;
}
