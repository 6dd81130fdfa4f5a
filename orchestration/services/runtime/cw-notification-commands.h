#pragma once

#if !defined(CW_SERVICES_RUNTIME_INSIDE) && !defined(CW_SERVICES_RUNTIME_COMPILATION)
#error "Only <cw-services-runtime.h> can be included directly."
#endif

#include "cw-services-store.h"
#include "cw-strategy-manager.h"

G_BEGIN_DECLS

/* The operator commands a notifier brings in (Telegram): /status [bot],
 * /profit [bot], /balance, /trades [bot] [n], /daily, and the mutating
 * /halt BOT, /resume BOT, /halt_all, /resume_all, /close BOT, which ask
 * for a confirmation first (an inline button, or the same command with
 * "confirm"). They run through the runtime API the CLI uses
 * (cw-bot-admin.c); every command is journalled (NOTIFIER_COMMAND, with
 * the chat id), and a change it makes names "<notifier>:<chat id>" as its
 * source. manager (nullable) is the running service's: /close goes
 * through it at once (cw_strategy_manager_close_position()) and a mode
 * change is applied at once; without it /close leaves a request in the
 * store. /balance and /daily [n] (UTC days before now_ms) read the store.
 * Returns the answer; *button_label and *button_data are set when the
 * answer asks for a confirmation. */
char *cw_notification_commands_run(CwStore *store, CwStrategyManager *manager, const char *notifier,
				   gint64 chat_id, const char *text, gint64 now_ms,
				   char **button_label, char **button_data);

G_END_DECLS
